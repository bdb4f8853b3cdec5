/*
 * conv_fast.c - the fast whole-image convolution: the exact band
 * algorithms of conv_band.c over whole planes, threads over bands of
 * rows; and the gradient magnitude of two results.
 *
 * Threads take bands in any order; each sample is computed the same way
 * whichever thread computes it, so the output does not depend on the
 * thread count.
 */
#include <math.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/parallel.h"
#include "engine/conv.h"
#include "engine/conv_band.h"
#include "engine/hot.h"


#define BAND_ROWS 32		/* output rows per band */

/* a[i] = sqrt(a^2 + b^2) over [lo, hi), in double like conv.c used to. */
static CF_HOT void
magnitude(float *restrict a, const float *restrict b, size_t lo, size_t hi)
{
	size_t i;

	/* both squares are exact in double: one rounding, fused or not */
	for (i = lo; i < hi; i++)
		a[i] = (float)sqrt((double)a[i] * a[i] + (double)b[i] * b[i]);
}

struct mag_job {
	float *a;
	const float *b;
	size_t n, nt;		/* samples, slices */
};

static void
mag_slice(void *arg, size_t t)
{
	struct mag_job *m = arg;
	size_t lo = m->n / m->nt * t;

	magnitude(m->a, m->b, lo, t + 1 == m->nt ? m->n : lo + m->n / m->nt);
}

void
cf_conv_magnitude(float *a, const float *b, size_t n, int threads)
{
	struct mag_job m = { a, b, n, threads > 1 ? (size_t)threads : 1 };

	if (n < (size_t)1 << 16)
		m.nt = 1;
	cf_parallel_for(m.nt, (int)m.nt, mag_slice, &m);
}

/* The whole-image job: bands of BAND_ROWS rows of a contiguous x. */
struct job {
	struct cf_band b;
	const float *x;		/* [C, H, W] */
	float *y;		/* [CO, HO, WO] */
	size_t nbands;
	atomic_size_t next;
	atomic_int err;
};

static const float *
plane_row(void *ctx, size_t c, size_t r)
{
	const struct job *j = ctx;

	return j->x + (c * j->b.h + r) * j->b.w;
}

static float *
out_row(void *ctx, size_t o, size_t i)
{
	const struct job *j = ctx;

	return j->y + (o * j->b.ho + i) * j->b.wo;
}

/* One of the threads: bands until none is left. */
static void
worker(void *arg, size_t t)
{
	struct job *j = arg;
	struct cf_band_scratch s;
	size_t band, i0, i1;

	(void)t;
	if (cf_band_scratch_init(&j->b, &s, j->b.ho < BAND_ROWS ? j->b.ho :
	    BAND_ROWS)) {
		atomic_store(&j->err, CF_ENOMEM);
		return;
	}
	while ((band = atomic_fetch_add(&j->next, 1)) < j->nbands) {
		if (atomic_load(&j->err))
			break;
		i0 = band * BAND_ROWS;
		i1 = i0 + BAND_ROWS < j->b.ho ? i0 + BAND_ROWS : j->b.ho;
		cf_band_run(&j->b, &s, i0, i1, NULL, plane_row, j, out_row, j);
	}
	cf_band_scratch_release(&s);
}

int
cf_conv2d_fast(const struct cf_tensor *x, const struct cf_kernel *k,
    const struct cf_conv_params *p, int allow_separable,
    struct cf_tensor *y, char *errbuf, size_t errlen)
{
	const struct cf_tensor *wt = &k->weight;
	struct job j;
	size_t yshape[3], nt;
	int err;

	if ((err = cf_tensor_check_input(x, y, errbuf, errlen)))
		return err;
	if ((err = cf_conv2d_shape(x->shape, k, p, yshape, errbuf, errlen)))
		return err;
	/* the fast path wants contiguous tensors; anything else: reference */
	if (x->stride[2] != 1 || x->stride[1] != x->shape[2] ||
	    x->stride[0] != x->shape[1] * x->shape[2] ||
	    wt->stride[3] != 1 || wt->stride[2] != wt->shape[3] ||
	    wt->stride[1] != wt->shape[2] * wt->shape[3] ||
	    wt->stride[0] != wt->shape[1] * wt->stride[1])
		return cf_conv2d_ref(x, k, p, y, errbuf, errlen);
	memset(&j, 0, sizeof(j));
	/* too long padded rows (huge dilation): the reference needs none */
	if ((err = cf_band_init(&j.b, x->shape, k, p, allow_separable, errbuf,
	    errlen)) == CF_EOVERFLOW)
		return cf_conv2d_ref(x, k, p, y, errbuf, errlen);
	if (err)
		return err;
	if ((err = cf_tensor_init_result(y, yshape, errbuf, errlen))) {
		cf_band_release(&j.b);
		return err;
	}
	j.x = x->data;
	j.y = y->data;
	j.nbands = (j.b.ho + BAND_ROWS - 1) / BAND_ROWS;
	atomic_init(&j.next, 0);
	atomic_init(&j.err, 0);
	/* threads: at most one per band, none for tiny work */
	nt = p->threads > 0 ? (size_t)p->threads : 1;
	if (nt > j.nbands)
		nt = j.nbands;
	if ((double)j.b.co * j.b.ho * j.b.wo * j.b.cg * j.b.kh * j.b.kw < 1e6)
		nt = 1;
	cf_parallel_for(nt, (int)nt, worker, &j);
	err = atomic_load(&j.err);
	if (err) {
		cf_tensor_release(y);
		snprintf(errbuf, errlen, "%s", cf_strerror(err));
	}
	cf_band_release(&j.b);
	return err;
}
