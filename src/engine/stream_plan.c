/*
 * stream_plan.c - the streamed stage's plans: each kernel's weights
 * rotated for --flip, its separable factors when it is numerically rank
 * one, and for each output channel the bound on the distance between
 * the float passes and the reference's float (see stream.c), from which
 * the margin every sample is checked with follows.
 */
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/stream_int.h"

/*
 * Depthwise weights w (kh x kw) as col (x) row, pivoting on the largest
 * |w|: row is that row of w, col the ratios down its column, in float.
 * Returns the sum of |col[m] * row[n] - w[m][n]| (exact products).
 */
static double
factor(const float *w, size_t kh, size_t kw, float *col, float *row)
{
	size_t i, p = 0, m, n;
	double err = 0;

	for (i = 1; i < kh * kw; i++)
		if (fabsf(w[i]) > fabsf(w[p]))
			p = i;
	for (n = 0; n < kw; n++)
		row[n] = w[p / kw * kw + n];
	for (m = 0; m < kh; m++)
		col[m] = w[p] == 0 ? 0.0f :
		    (float)((double)w[m * kw + p % kw] / w[p]);
	for (m = 0; m < kh; m++)
		for (n = 0; n < kw; n++)
			err += fabs((double)col[m] * row[n] - w[m * kw + n]);
	return err;
}

/* The exponent of the lowest set bit of w != 0: w is a multiple of 2^q. */
static int
low_bit(double w)
{
	int e;
	double m = frexp(fabs(w), &e);
	uint64_t bits = (uint64_t)ldexp(m, 53);

	return e - 53 + __builtin_ctzll(bits);
}

/*
 * Whether a sum of products of integers up to x with the n weights w
 * (and bias b) is exact in float whatever the order: every partial sum
 * is a multiple of 2^q, the lowest bit, and below 2^(24 + q) (s bounds
 * them).  Then float and double sums are the exact sum.
 */
static int
min_low_bit(const float *w, size_t n)
{
	int q = INT_MAX;
	size_t i;

	for (i = 0; i < n; i++)
		if (w[i] != 0 && low_bit(w[i]) < q)
			q = low_bit(w[i]);
	return q;
}

static int
exact_sum(const float *w, size_t n, double b, double s)
{
	int q = min_low_bit(w, n);

	if (b != 0 && low_bit(b) < q)
		q = low_bit(b);
	return q == INT_MAX || s < ldexp(1, 24 + q);
}

static double
abs_sum(const float *v, size_t n)
{
	double s = 0;

	while (n--)
		s += fabs((double)*v++);
	return s;
}

/*
 * For sums of non-negative terms (weights, bias and samples >= 0) the
 * error is relative to the result T: rounding errors are at most gamma
 * times the partial sums, which are at most T, and a separable
 * factorisation's error at most delta T, delta the largest relative
 * error of a factored weight.  Returns K with |ours - reference| <=
 * K T, or 0 when the terms are not all non-negative.
 */
static double
rel_bound(const struct plan *q, const struct cf_kernel *k, size_t off,
    size_t cg, size_t kh, size_t kw)
{
	const float *w = q->wf + off;
	double g1 = gam(2 * kw + 2, U24), g2, d = 0, t;
	size_t i, m, n;

	if (k->bias && k->bias[off / (cg * kh * kw)] < 0)
		return 0;
	for (i = 0; i < cg * kh * kw; i++)
		if (w[i] < 0)
			return 0;
	g2 = gam(2 * cg * kh + 2, U24);
	if (q->sep) {
		g2 = gam(2 * kh + 2, U24);
		for (m = 0; m < kh; m++)
			for (n = 0; n < kw; n++) {
				t = (double)q->col[m] * q->row[n];
				if (t < 0 || (w[m * kw + n] == 0 && t != 0))
					return 0;
				if (w[m * kw + n] != 0 &&
				    fabs(t - w[m * kw + n]) / w[m * kw + n] > d)
					d = fabs(t - w[m * kw + n]) /
					    w[m * kw + n];
			}
	}
	/* ours (passes and factors), then the reference's double sum and
	 * its rounding to float */
	t = d + (g1 + g2 + g1 * g2) * (1 + d) +
	    gam(cg * kh * kw + 1, U53) + U24;
	return t * 1.001;
}

/*
 * Kernel k as plan q: rotated weights, the separable factors when they
 * are close enough, and per output channel the bounds S (on |result|,
 * for samples up to x in magnitude) and E (see the top of the file).
 */
static int
plan_init(const struct eng *e, struct plan *q, const struct cf_kernel *k,
    double x)
{
	const struct cf_tensor *wt = &k->weight;
	size_t nw = e->depthwise ? 1 : e->co, cg = e->depthwise ? 1 : e->cg;
	size_t kh = e->kh, kw = e->kw, ksz = kh * kw, o, c, m, n, wo;
	int flip = e->j->p->flip;
	double a, b, s, ea, ec, er, fac, hx;
	int qr, qc, qv;

	q->k = k;
	q->wf = malloc(nw * cg * ksz * sizeof(*q->wf));
	q->col = malloc(kh * sizeof(*q->col));
	q->row = malloc(kw * sizeof(*q->row));
	q->err = malloc(e->co * sizeof(*q->err));
	q->sum = malloc(e->co * sizeof(*q->sum));
	q->rel = calloc(e->co, sizeof(*q->rel));
	if (!q->wf || !q->col || !q->row || !q->err || !q->sum || !q->rel)
		return CF_ENOMEM;
	for (o = 0; o < nw; o++)
		for (c = 0; c < cg; c++)
			for (m = 0; m < kh; m++)
				for (n = 0; n < kw; n++)
					q->wf[((o * cg + c) * kh + m) * kw + n] =
					    ((const float *)wt->data)[
					    o * wt->stride[0] + c * wt->stride[1] +
					    (flip ? kh - 1 - m : m) * wt->stride[2] +
					    (flip ? kw - 1 - n : n) * wt->stride[3]];
	fac = e->depthwise && kh > 1 && kw > 1 ?
	    factor(q->wf, kh, kw, q->col, q->row) : INFINITY;
	/* integer samples (images; an integer constant pad) */
	q->exact = !e->j->float_in && e->padv == floorf(e->padv);
	q->dexact = q->exact;
	for (o = 0; o < e->co; o++) {
		wo = e->depthwise ? 0 : o;
		a = abs_sum(q->wf + wo * cg * ksz, cg * ksz);
		b = k->bias ? fabs((double)k->bias[wo]) : 0;
		s = b + a * x;
		/* direct: rows of kw products summed, then cg*kh row sums */
		ea = (gam(2 * kw + 2, U24) + gam(2 * cg * kh + 2, U24)) * s;
		/* numerically rank one: the factors' error is a tiny part
		 * of the weights (exactly separable kernels have none) */
		if (fac <= 1e-6 * a) {
			/* separable: both passes, and the factorisation */
			hx = abs_sum(q->row, kw) * x;
			ec = abs_sum(q->col, kh);
			ea = ec * gam(2 * kw + 2, U24) * hx +
			    gam(2 * kh + 2, U24) * (b + ec * hx *
			    (1 + gam(2 * kw + 2, U24))) + fac * x * 1.001;
			q->sep = 1;
			/* the vertical pass sums multiples of 2^(qc+qr) */
			qr = min_low_bit(q->row, kw);
			qc = min_low_bit(q->col, kh);
			qv = qr == INT_MAX || qc == INT_MAX ? INT_MAX : qr + qc;
			if (b != 0 && low_bit(b) < qv)
				qv = low_bit(b);
			q->exact &= fac == 0 && exact_sum(q->row, kw, 0, hx) &&
			    (qv == INT_MAX || b + ec * hx < ldexp(1, 24 + qv)) &&
			    exact_sum(q->wf, ksz, b, s);
		} else {
			q->exact &= exact_sum(q->wf + wo * cg * ksz, cg * ksz,
			    b, s);
		}
		/* the reference: a double sum, then rounded to float */
		er = gam(cg * ksz + 1, U53) * s + U24 * s;
		q->err[o] = q->exact ? 0 : (ea + er) * 1.001;
		/* samples never negative: images, or what the job says */
		if (!q->exact && e->padv >= 0 &&
		    (!e->j->float_in || e->j->nonneg))
			q->rel[o] = rel_bound(q, k, wo * cg * ksz, cg, kh, kw);
		/* as exact_sum(), with double's 53 bits */
		q->dexact &= exact_sum(q->wf + wo * cg * ksz, cg * ksz, b,
		    s / 0x1p29);
		q->sum[o] = s;
		if (!(s < 1e30))
			return CF_EOVERFLOW;
	}
	return 0;
}

void
stream_plan_release(struct plan *q)
{
	free(q->wf);
	free(q->col);
	free(q->row);
	free(q->err);
	free(q->sum);
	free(q->rel);
}

/*
 * Whether every sum of kernel k stays far from float's range for samples
 * up to x (and the constant pad value): else the exact engine, in
 * double, is the one to run it.
 */
static int
small_sums(const struct cf_kernel *k, const struct cf_conv_params *p,
    double x)
{
	const struct cf_tensor *w = &k->weight;
	double s = 0;
	size_t i, n = w->shape[0] * w->shape[1] * w->shape[2] * w->shape[3];

	if (p->pad_mode == CF_PAD_CONSTANT && fabs(p->pad_value) > x)
		x = fabs(p->pad_value);
	if (w->dtype != CF_F32 || !w->data)
		return 0;
	/* contiguous weights as kernel.c builds them */
	for (i = 0; i < n; i++)
		s += fabs((double)((const float *)w->data)[i]);
	for (i = 0; k->bias && i < (k->depthwise ? 1 : w->shape[0]); i++)
		s += fabs((double)k->bias[i]) / x;
	return s * x < 1e30;
}

int
cf_stream_supported(const struct cf_stage *st,
    const struct cf_conv_params *p, const struct cf_convert_opts *cv,
    double xmax)
{
	const size_t *a = st->k[0].weight.shape, *b = st->k[1].weight.shape;
	int q;

	if (st->kind != CF_STAGE_CONV || p->transpose || st->nkernels < 1 ||
	    st->nkernels > 2)
		return 0;
	if (!isfinite(cv->scale) || !isfinite(cv->bias))
		return 0;
	for (q = 0; q < st->nkernels; q++)
		if (!(xmax <= 1e30) || !small_sums(&st->k[q], p, xmax))
			return 0;
	/* the two kernels of a magnitude stage run side by side */
	return st->nkernels == 1 ||
	    (st->k[0].depthwise == st->k[1].depthwise &&
	    st->k[0].groups == st->k[1].groups &&
	    !memcmp(a, b, 4 * sizeof(*a)));
}

/* Geometry, plans and margins; 0 or a cf_err with a message. */
int
stream_setup(struct eng *e, const struct cf_stream_job *j, char *errbuf,
    size_t errlen)
{
	const struct cf_stage *st = j->st;
	const struct cf_kernel *k = &st->k[0];
	size_t xs[3], ys[3], after, o, p;
	double x, s, es, kr, sc = fabs(j->cv->scale);
	int q, err;

	e->j = j;
	e->nk = st->nkernels;
	e->depthwise = k->depthwise;
	e->cf = j->c - (j->keep_alpha ? 1 : 0);
	e->nplanes = j->c;
	xs[0] = e->cf;
	xs[1] = j->h;
	xs[2] = j->w;
	if ((err = cf_conv_stage_shape(xs, st, j->p, ys, errbuf, errlen)))
		return err;
	e->co = ys[0];
	e->ho = ys[1];
	e->wo = ys[2];
	if (j->keep_alpha && (e->ho != j->h || e->wo != j->w ||
	    !e->depthwise)) {
		snprintf(errbuf, errlen, "alpha can be kept only by a "
		    "depthwise stage that keeps the size");
		return CF_EINVAL;
	}
	e->kh = k->weight.shape[2];
	e->kw = k->weight.shape[3];
	e->cg = e->depthwise ? 1 : k->weight.shape[1];
	e->opg = e->depthwise ? 1 : e->co / (size_t)k->groups;
	e->sh = (size_t)j->p->stride_h;
	e->sw = (size_t)j->p->stride_w;
	e->dh = (size_t)j->p->dil_h;
	e->dw = (size_t)j->p->dil_w;
	cf_conv_axis_padding(j->p, 0, e->kh, &e->pt, &after);
	cf_conv_axis_padding(j->p, 1, e->kw, &e->pleft, &after);
	e->pw = (e->wo - 1) * e->sw + (e->kw - 1) * e->dw + 1;
	e->pairs = e->sh == 1 && e->dh == 1;
	e->mode = j->p->pad_mode;
	e->padv = e->mode == CF_PAD_CONSTANT ? j->p->pad_value : 0.0f;
	e->maxv = j->out16 ? 65535 : 255;
	e->obytes = (j->out16 ? 2 : 1) * j->out_c * e->wo;

	if (!(e->colmap = malloc(e->pw * sizeof(*e->colmap))) ||
	    !(e->padrow = malloc(e->pw * sizeof(*e->padrow))) ||
	    !(e->margin = malloc(e->co * sizeof(*e->margin))) ||
	    !(e->mrel = malloc(e->co * sizeof(*e->mrel))))
		goto nomem;
	for (p = 0; p < e->pw; p++) {
		e->colmap[p] = cf_pad_index((long)p - (long)e->pleft,
		    (long)j->w, e->mode);
		e->padrow[p] = e->padv;
	}
	x = j->float_in ? j->xmax : j->in16 ? 65535.0 : 255.0 * j->in_scale;
	if (fabs(e->padv) > x)
		x = fabs(e->padv);
	for (q = 0; q < e->nk; q++)
		if ((err = plan_init(e, &e->pl[q], &st->k[q], x))) {
			if (err == CF_ENOMEM)
				goto nomem;
			snprintf(errbuf, errlen, "weights too large for the "
			    "streaming engine");
			return err;
		}
	e->exact = e->nk == 1 && e->pl[0].exact;
	for (o = 0; o < e->co; o++) {
		es = e->pl[0].err[o];
		s = e->pl[0].sum[o];
		e->mrel[o] = 0;
		/* |a - R| <= K T and a >= (1 - K) T: |a - R| <= K a / (1 - K) */
		kr = e->pl[0].rel[o];
		if (e->nk == 1 && kr > 0 && kr < 0.5) {
			es = 0;
			e->mrel[o] = 2 * sc * kr / (1 - kr);
		}
		if (e->nk == 2) {
			/*
			 * |sqrt(a^2+b^2) - sqrt(c^2+d^2)| <= |a-c| + |b-d|;
			 * the reference rounds its magnitude to float (u
			 * relative), ours is a float sqrt of a float sum of
			 * squares (2 u, halved by the root, and u): 3.02 u
			 * relative to our value, after an absolute E.
			 */
			s += e->pl[1].sum[o];
			es += e->pl[1].err[o];
			e->mrel[o] = 2 * sc * 3.02 * U24 * 1.001;
		}
		e->margin[o] = 2 * sc * es + 1e-7 +
		    0x1p-50 * (sc * s + fabs(j->cv->bias));
	}
	return 0;
nomem:
	snprintf(errbuf, errlen, "out of memory");
	return CF_ENOMEM;
}

