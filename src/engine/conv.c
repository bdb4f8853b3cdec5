/*
 * conv.c - the convolution engine's front door: dispatch to an algorithm
 * (the geometry is conv_geom.c's).
 */
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/conv.h"
#include "engine/pool.h"

int
cf_conv2d(const struct cf_tensor *x, const struct cf_kernel *k,
    const struct cf_conv_params *p, struct cf_tensor *y, char *errbuf,
    size_t errlen)
{
	if (p->transpose)
		return cf_conv_transpose2d(x, k, p, y, errbuf, errlen);
	/* conv_fast.c: bit-identical to cf_conv2d_ref (test_fast.c) */
	return cf_conv2d_fast(x, k, p, 1, y, errbuf, errlen);
}

static int
conv64(const struct cf_tensor *x, const struct cf_kernel *k,
    const struct cf_conv_params *p, double **y, size_t *yshape, char *errbuf,
    size_t errlen)
{
	if (p->transpose)
		return cf_conv_transpose2d64(x, k, p, y, yshape, errbuf, errlen);
	return cf_conv2d_ref64(x, k, p, y, yshape, errbuf, errlen);
}

int
cf_conv_stage64(const struct cf_tensor *x, const struct cf_stage *st,
    const struct cf_conv_params *p, double **y, size_t *yshape, char *errbuf,
    size_t errlen)
{
	double *b = NULL;
	size_t bs[3], n, i;
	int err;

	*y = NULL;
	if (st->kind == CF_STAGE_POOL)
		return cf_pool2d64(x, &st->pool, y, yshape, errbuf, errlen);
	if ((err = conv64(x, &st->k[0], p, y, yshape, errbuf, errlen)) ||
	    st->nkernels == 1)
		return err;
	if ((err = conv64(x, &st->k[1], p, &b, bs, errbuf, errlen))) {
		free(*y);
		*y = NULL;
		return err;
	}
	n = yshape[0] * yshape[1] * yshape[2];
	for (i = 0; i < n; i++)
		(*y)[i] = sqrt((*y)[i] * (*y)[i] + b[i] * b[i]);
	free(b);
	return 0;
}

int
cf_conv_stage(const struct cf_tensor *x, const struct cf_stage *st,
    const struct cf_conv_params *p, struct cf_tensor *y, char *errbuf,
    size_t errlen)
{
	struct cf_tensor a = CF_TENSOR_INIT, b = CF_TENSOR_INIT;
	float *pa, *pb;
	size_t n;
	int err;

	memset(y, 0, sizeof(*y));
	if (st->kind == CF_STAGE_POOL)
		return cf_pool2d(x, &st->pool, y, errbuf, errlen);
	if (st->nkernels == 1)
		return cf_conv2d(x, &st->k[0], p, y, errbuf, errlen);
	if (st->nkernels != 2) {
		snprintf(errbuf, errlen, "a stage has 1 or 2 kernels, not %d",
		    st->nkernels);
		return CF_EINVAL;
	}
	if ((err = cf_conv2d(x, &st->k[0], p, &a, errbuf, errlen)) ||
	    (err = cf_conv2d(x, &st->k[1], p, &b, errbuf, errlen)))
		goto out;
	if (memcmp(a.shape, b.shape, sizeof(a.shape))) {
		snprintf(errbuf, errlen, "the two kernels of '%s' give "
		    "different shapes", st->name);
		err = CF_ESHAPE;
		goto out;
	}
	/* Gradient magnitude, in place in a, which becomes y. */
	pa = a.data;
	pb = b.data;
	n = cf_tensor_numel(&a);
	cf_conv_magnitude(pa, pb, n, p->threads);
	*y = a;
	a.owns_data = 0;
out:
	cf_tensor_release(&b);
	cf_tensor_release(&a);
	return err;
}
