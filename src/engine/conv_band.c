/*
 * conv_band.c - one convolution in bands of output rows, exactly the
 * reference's floats (the algorithms and why they are exact: conv_band.h).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/conv_band.h"
#include "engine/hot.h"


#define COL_BLOCK 512		/* output columns per accumulator block */

/* d[i] = s[i] for i < n: the band is held in double, so the inner loops
 * convert nothing. */
static CF_HOT void
widen(double *restrict d, const float *restrict s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		d[i] = s[i];
}

/* Padded rows [r0, r0 + nr) of input channel ci into buf (nr x pw). */
static void
pad_rows(const struct cf_band *j, cf_band_in_fn in, void *ictx, size_t ci,
    size_t r0, size_t nr, double *buf)
{
	const float *src;
	size_t r, q, n;
	long sr;
	double *d;

	for (r = 0; r < nr; r++) {
		d = buf + r * j->pw;
		sr = cf_pad_index((long)(r0 + r) - (long)j->pt, (long)j->h,
		    j->mode);
		if (sr < 0) {
			for (q = 0; q < j->pw; q++)
				d[q] = j->padv;
			continue;
		}
		src = in(ictx, ci, (size_t)sr);
		for (q = 0; q < j->ilo; q++)
			d[q] = j->colmap[q] < 0 ? j->padv : src[j->colmap[q]];
		n = j->ihi - j->ilo;
		if (n)
			widen(d + j->ilo, src + (j->ilo - j->pl), n);
		for (q = j->ihi; q < j->pw; q++)
			d[q] = j->colmap[q] < 0 ? j->padv : src[j->colmap[q]];
	}
}

/* acc[t] += x[t*sw] * wv for t < n: the tap loop of the direct path. */
static CF_HOT void
tap_row(double *restrict acc, const double *restrict x, double wv, size_t n,
    size_t sw)
{
	size_t t;

	if (sw == 1)
		for (t = 0; t < n; t++)
			acc[t] += x[t] * wv;
	else
		for (t = 0; t < n; t++)
			acc[t] += x[t * sw] * wv;
}

/* Four taps at once (the same order per sample), to save acc traffic. */
static CF_HOT void
tap_row4(double *restrict acc, const double *restrict x, const double *wv,
    size_t n, size_t dw)
{
	const double *x1 = x + dw, *x2 = x + 2 * dw, *x3 = x + 3 * dw;
	double w0 = wv[0], w1 = wv[1], w2 = wv[2], w3 = wv[3], a;
	size_t t;

	for (t = 0; t < n; t++) {
		a = acc[t];
		a += x[t] * w0;
		a += x1[t] * w1;
		a += x2[t] * w2;
		a += x3[t] * w3;
		acc[t] = a;
	}
}

/* z[t] = a[t] + b[t]: two rows of integer samples, exactly. */
static CF_HOT void
add_rows(double *restrict z, const double *restrict a,
    const double *restrict b, size_t n)
{
	size_t t;

	for (t = 0; t < n; t++)
		z[t] = a[t] + b[t];
}

/* The taps of one kernel row over the samples xr. */
static void
row_taps(const struct cf_band *j, double *acc, const double *xr,
    const float *wr, size_t n)
{
	double wv[4];
	size_t q = 0;

	if (j->sw == 1)
		for (; q + 4 <= j->kw; q += 4) {
			wv[0] = wr[q];
			wv[1] = wr[q + 1];
			wv[2] = wr[q + 2];
			wv[3] = wr[q + 3];
			tap_row4(acc, xr + q * j->dw, wv, n, j->dw);
		}
	for (; q < j->kw; q++)
		tap_row(acc, xr + q * j->dw, wr[q], n, j->sw);
}

/*
 * One output row block of output o, direct, from the padded band: the
 * reference's order, or, for a folded channel (all sums exact, so any
 * order gives the same double), symmetric kernel rows taken together.
 */
static void
direct_block(const struct cf_band *j, const double *buf, size_t nr, size_t o,
    size_t ib, size_t jb, size_t n, int fold, double *acc, double *z,
    void *yrow)
{
	const float *wo = j->wt + (j->depthwise ? 0 : o) * j->cg * j->kh *
	    j->kw;
	const double *xr;
	double b = j->bias ? j->bias[j->depthwise ? 0 : o] : 0.0;
	size_t c, m, t, len;

	for (t = 0; t < n; t++)
		acc[t] = b;
	if (fold) {	/* depthwise, vertically symmetric, exact */
		len = n + (j->kw - 1) * j->dw;
		for (m = 0; m < j->kh / 2; m++) {
			xr = buf + (ib * j->sh + m * j->dh) * j->pw + jb;
			add_rows(z, xr, xr + (j->kh - 1 - 2 * m) * j->dh *
			    j->pw, len);
			row_taps(j, acc, z, wo + m * j->kw, n);
		}
		if (j->kh & 1)		/* the centre row */
			row_taps(j, acc, buf + (ib * j->sh + m * j->dh) *
			    j->pw + jb, wo + m * j->kw, n);
	} else
		for (c = 0; c < j->cg; c++)
			for (m = 0; m < j->kh; m++) {
				xr = buf + (c * nr + ib * j->sh + m * j->dh) *
				    j->pw + jb * j->sw;
				row_taps(j, acc, xr, wo + (c * j->kh + m) *
				    j->kw, n);
			}
	if (j->out64)
		memcpy(yrow, acc, n * sizeof(*acc));
	else
		for (t = 0; t < n; t++)
			((float *)yrow)[t] = (float)acc[t];
}

/* The reference's sum for one sample (depthwise, one channel). */
static float
direct_sample(const struct cf_band *j, const double *buf, size_t ib, size_t jj)
{
	double acc = j->bias ? j->bias[0] : 0.0;
	size_t m, q;

	for (m = 0; m < j->kh; m++)
		for (q = 0; q < j->kw; q++)
			acc += buf[(ib * j->sh + m * j->dh) * j->pw +
			    jj * j->sw + q * j->dw] * j->wt[m * j->kw + q];
	return (float)acc;
}

/* Horizontal pass: h[t] = sum_n row[n] * x[t*sw + n*dw], in double. */
static CF_HOT void
hpass(double *restrict h, const double *restrict x, const double *row,
    size_t kw, size_t dw, size_t sw, size_t n)
{
	size_t t, q;

	for (t = 0; t < n; t++)
		h[t] = 0;
	for (q = 0; q < kw; q++) {
		const double *xs = x + q * dw;
		double r = row[q];

		if (sw == 1)
			for (t = 0; t < n; t++)
				h[t] += xs[t] * r;
		else
			for (t = 0; t < n; t++)
				h[t] += xs[t * sw] * r;
	}
}

/* acc[t] += c * h[t] */
static CF_HOT void
vtap(double *restrict acc, const double *restrict h, double c, size_t n)
{
	size_t t;

	for (t = 0; t < n; t++)
		acc[t] += c * h[t];
}

/* Four vertical taps at once, each sample's additions in the same order,
 * to save acc traffic. */
static CF_HOT void
vtap4(double *restrict acc, const double *restrict h0,
    const double *restrict h1, const double *restrict h2,
    const double *restrict h3, const double *c, size_t n)
{
	double c0 = c[0], c1 = c[1], c2 = c[2], c3 = c[3], a;
	size_t t;

	for (t = 0; t < n; t++) {
		a = acc[t];
		a += c0 * h0[t];
		a += c1 * h1[t];
		a += c2 * h2[t];
		a += c3 * h3[t];
		acc[t] = a;
	}
}

/*
 * Case (B)'s check, branch-free so that it vectorises: y[t] = float(r),
 * and flag[t] set where float(r - E) and float(r + E) differ, which the
 * caller recomputes.  Returns how many are flagged.
 */
static CF_HOT size_t
certify_b(const double *restrict acc, size_t n, double rel,
    float *restrict y, unsigned char *restrict flag)
{
	size_t t, bad = 0;
	double r, e;
	int f;

	for (t = 0; t < n; t++) {
		r = acc[t];
		e = r * rel;
		f = (float)(r - e) != (float)(r + e);
		y[t] = (float)r;
		flag[t] = (unsigned char)f;
		bad += (size_t)f;
	}
	return bad;
}

/* Separable band of one channel: rows [i0, i1) of output channel ch;
 * exact: case (A) holds for its samples. */
static void
separable_band(const struct cf_band *j, const double *buf, size_t nr,
    size_t ch, size_t i0, size_t i1, int exact, double *hb, double *acc,
    unsigned char *flag, cf_band_out_fn out, void *octx)
{
	double b = j->bias ? j->bias[0] : 0.0;
	const double *h;
	size_t r0, i, m, t, ib, wo = j->wo;
	float *yrow;

	for (r0 = 0; r0 < nr; r0++)
		hpass(hb + r0 * wo, buf + r0 * j->pw, j->row, j->kw, j->dw,
		    j->sw, wo);
	for (i = i0; i < i1; i++) {
		ib = i - i0;
		yrow = out(octx, ch, i);
		for (t = 0; t < wo; t++)
			acc[t] = b;
		h = hb + ib * j->sh * wo;
		for (m = 0; m + 4 <= j->kh; m += 4)
			vtap4(acc, h + m * j->dh * wo, h + (m + 1) * j->dh * wo,
			    h + (m + 2) * j->dh * wo, h + (m + 3) * j->dh * wo,
			    j->col + m, wo);
		for (; m < j->kh; m++)
			vtap(acc, h + m * j->dh * wo, j->col[m], wo);
		if (exact) {
			for (t = 0; t < wo; t++)
				yrow[t] = (float)acc[t];
			continue;
		}
		if (!certify_b(acc, wo, j->err_rel, yrow, flag))
			continue;
		for (t = 0; t < wo; t++)
			if (flag[t])
				yrow[t] = direct_sample(j, buf, ib, t);
	}
}

/* The exponent of the lowest set bit of a non-zero finite f. */
static int
lowbit(double f)
{
	int e;
	double m = frexp(fabs(f), &e);	/* m in [0.5, 1), 53 bits */

	/* m * 2^53 is an integer; strip its trailing zero bits */
	uint64_t k = (uint64_t)ldexp(m, 53);
	e -= 53;
	while (!(k & 1)) {
		k >>= 1;
		e++;
	}
	return e;
}

/*
 * Try to write w (kh x kw) as col (x) row exactly.  Returns 1 with
 * col/row filled (as doubles holding floats) or 0.
 */
static int
factor(const float *w, size_t kh, size_t kw, double *col, double *row)
{
	size_t m, n, m0 = 0, n0 = 0, pass;
	float piv = 0;

	for (m = 0; m < kh; m++)
		for (n = 0; n < kw; n++)
			if (fabsf(w[m * kw + n]) > fabsf(piv)) {
				piv = w[m * kw + n];
				m0 = m;
				n0 = n;
			}
	if (piv == 0)
		return 0;
	/* col scaled by the pivot, or row scaled by it */
	for (pass = 0; pass < 2; pass++) {
		for (m = 0; m < kh; m++)
			col[m] = pass ? w[m * kw + n0] :
			    (float)((double)w[m * kw + n0] / piv);
		for (n = 0; n < kw; n++)
			row[n] = pass ? (float)((double)w[m0 * kw + n] / piv) :
			    w[m0 * kw + n];
		for (m = 0; m < kh; m++)
			for (n = 0; n < kw; n++)
				if (col[m] * row[n] != (double)w[m * kw + n])
					goto next;
		return 1;
next:		;
	}
	return 0;
}

int
cf_kernel_separable(const struct cf_kernel *k, int flip, double *col,
    double *row)
{
	const float *w = k->weight.data;
	size_t kh = k->weight.shape[2], kw = k->weight.shape[3], m;
	double t;

	if (!k->depthwise || (kh == 1 && kw == 1) ||
	    !factor(w, kh, kw, col, row))
		return 0;
	if (flip) {
		for (m = 0; m < kh / 2; m++) {
			t = col[m];
			col[m] = col[kh - 1 - m];
			col[kh - 1 - m] = t;
		}
		for (m = 0; m < kw / 2; m++) {
			t = row[m];
			row[m] = row[kw - 1 - m];
			row[kw - 1 - m] = t;
		}
	}
	return 1;
}

/* The sum of |w[i]| and the lowest set bit over the non-zero w[i]. */
static void
weight_bits(const double *w, size_t n, double *sum, int *q)
{
	size_t i;

	*sum = 0;
	*q = INT32_MAX;
	for (i = 0; i < n; i++)
		if (w[i] != 0) {
			*sum += fabs(w[i]);
			if (lowbit(w[i]) < *q)
				*q = lowbit(w[i]);
		}
	if (*q == INT32_MAX)
		*q = 0;
}

/*
 * One pass over n samples: the least, the largest magnitude, and whether
 * every one is an integer (up to 2^51) and finite.  Branch-free, so that
 * it vectorises.
 */
static CF_HOT void
scan(const double *restrict x, size_t n, double *minv, double *maxabs,
    int *integer, int *finite)
{
	double mn = INFINITY, mx = 0, a, r;
	const double magic = 6755399441055744.0;	/* 1.5 * 2^52 */
	int bad = 0, inf = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		a = fabs(x[i]);
		mn = x[i] < mn ? x[i] : mn;
		mx = a > mx ? a : mx;
		/* adding and subtracting 1.5 * 2^52 rounds |x| <= 2^51 */
		r = (x[i] + magic) - magic;
		bad |= r != x[i];
		inf |= !(a <= 1.7976931348623157e308);
	}
	*minv = mn;
	*maxabs = mx;
	*integer = !bad;
	*finite = !inf;
}

/*
 * Case (A): integer samples |x| <= xmax.  Every partial sum of the
 * reference is a multiple of 2^qw (the lowest bit of any weight or the
 * bias) of magnitude <= |b| + xmax * sum|w|; of the horizontal pass a
 * multiple of 2^qr below xmax * sum|row|; of the vertical pass a
 * multiple of 2^qs = 2^min(qr + qc, qb) below |b| + sum|col| * xmax *
 * sum|row|.  Below 2^(52 + q) (a factor 2 of margin for the rounding of
 * the bounds themselves) each is an exact double.
 */
static int
case_a(const struct cf_band *j, double xmax)
{
	double b = j->bias ? fabs((double)j->bias[0]) : 0;

	return j->qw > -900 && j->qs > -900 && j->qr > -900 &&
	    b + xmax * j->sumw < ldexp(1, 52 + j->qw) &&
	    xmax * j->sumr < ldexp(1, 52 + j->qr) &&
	    b + j->sumc * xmax * j->sumr < ldexp(1, 52 + j->qs);
}

/* The reference's sum is exact in double for integer samples |x| <= xmax
 * (the first bound of case_a): any order gives it. */
static int
ref_exact(const struct cf_band *j, double xmax)
{
	double b = j->bias ? fabs((double)j->bias[0]) : 0;

	return j->qw > -900 && b + xmax * j->sumw < ldexp(1, 52 + j->qw);
}

int
cf_band_init(struct cf_band *j, const size_t *xshape,
    const struct cf_kernel *k, const struct cf_conv_params *p,
    int allow_separable, char *errbuf, size_t errlen)
{
	const struct cf_tensor *wt = &k->weight;
	size_t yshape[3], after, kh, kw, nw, i, q;
	struct cf_kernel kf;
	double *wd, b;
	int err, qb;

	memset(j, 0, sizeof(*j));
	if ((err = cf_conv2d_shape(xshape, k, p, yshape, errbuf, errlen)))
		return err;
	j->c = xshape[0];
	j->h = xshape[1];
	j->w = xshape[2];
	j->co = yshape[0];
	j->ho = yshape[1];
	j->wo = yshape[2];
	kh = j->kh = wt->shape[2];
	kw = j->kw = wt->shape[3];
	j->sh = (size_t)p->stride_h;
	j->sw = (size_t)p->stride_w;
	j->dh = (size_t)p->dil_h;
	j->dw = (size_t)p->dil_w;
	cf_conv_axis_padding(p, 0, kh, &j->pt, &after);
	cf_conv_axis_padding(p, 1, kw, &j->pl, &after);
	j->mode = p->pad_mode;
	j->padv = p->pad_mode == CF_PAD_CONSTANT ? p->pad_value : 0.0f;
	j->depthwise = k->depthwise;
	j->bias = k->bias;
	j->cg = k->depthwise ? 1 : wt->shape[1];
	j->opg = k->depthwise ? 1 : j->co / (size_t)k->groups;
	j->pw = (j->wo - 1) * j->sw + (kw - 1) * j->dw + 1;
	/* Huge dilation or padding: a padded band would not fit in memory
	 * (the reference needs none: the callers fall back to it). */
	if ((double)j->pw * (double)cf_band_rows(j, 0, 32) * (double)j->cg >
	    1 << 24) {
		snprintf(errbuf, errlen, "padded rows too long for bands");
		return CF_EOVERFLOW;
	}
	nw = cf_tensor_numel(wt);
	if (!(j->wt = malloc(nw * sizeof(*j->wt))) ||
	    !(j->colmap = malloc(j->pw * sizeof(*j->colmap))) ||
	    !(j->col = malloc(kh * sizeof(*j->col))) ||
	    !(j->row = malloc(kw * sizeof(*j->row))) ||
	    !(wd = malloc(nw * sizeof(*wd)))) {
		cf_band_release(j);
		snprintf(errbuf, errlen, "out of memory");
		return CF_ENOMEM;
	}
	/* flip once, so the loops always correlate (contiguous weights as
	 * kernels.c builds them, checked by the caller) */
	for (i = 0; i < nw; i++)
		j->wt[i] = p->flip ? ((const float *)wt->data)[(i / (kh * kw)) *
		    kh * kw + kh * kw - 1 - i % (kh * kw)] :
		    ((const float *)wt->data)[i];
	/* the border columns through cf_pad_index; the interior is a copy */
	j->ilo = j->pl < j->pw ? j->pl : j->pw;
	j->ihi = j->pl + j->w < j->pw ? j->pl + j->w : j->pw;
	if (j->ihi < j->ilo)
		j->ihi = j->ilo;
	for (q = 0; q < j->pw; q++)
		j->colmap[q] = cf_pad_index((long)q - (long)j->pl, (long)j->w,
		    j->mode);
	/* the weights' bits, for the exactness tests */
	for (i = 0; i < nw; i++)
		wd[i] = j->wt[i];
	weight_bits(wd, k->depthwise ? kh * kw : nw, &j->sumw, &j->qw);
	free(wd);
	b = k->bias ? k->bias[0] : 0.0;
	if (b != 0 && lowbit(b) < j->qw)
		j->qw = lowbit(b);
	/* vertically symmetric depthwise kernels fold where exact */
	j->vsym = k->depthwise && kh >= 2 && j->sw == 1;
	for (i = 0; j->vsym && i < kh * kw; i++)
		j->vsym = j->wt[i] == j->wt[(kh - 1 - i / kw) * kw + i % kw];
	/* factor the flipped weights (the same as flipping the factors) */
	kf = *k;
	kf.weight.data = j->wt;
	if (allow_separable && cf_kernel_separable(&kf, 0, j->col, j->row)) {
		j->sep = 1;
		j->wpos = b >= 0 && j->padv >= 0;
		for (i = 0; i < kh; i++)
			j->wpos &= j->col[i] >= 0;
		for (i = 0; i < kw; i++)
			j->wpos &= j->row[i] >= 0;
		weight_bits(j->row, kw, &j->sumr, &j->qr);
		weight_bits(j->col, kh, &j->sumc, &qb);
		j->qs = j->qr + qb;
		if (b != 0 && lowbit(b) < j->qs)
			j->qs = lowbit(b);
		j->err_rel = ldexp((double)(kh * kw + kh + kw + 8), -52);
	}
	return 0;
}

void
cf_band_release(struct cf_band *j)
{
	free(j->wt);
	free(j->colmap);
	free(j->col);
	free(j->row);
	memset(j, 0, sizeof(*j));
}

size_t
cf_band_rows(const struct cf_band *j, size_t i0, size_t i1)
{
	return (i1 - 1 - i0) * j->sh + (j->kh - 1) * j->dh + 1;
}

int
cf_band_scratch_init(const struct cf_band *j, struct cf_band_scratch *s,
    size_t rows)
{
	size_t nr = cf_band_rows(j, 0, rows);

	memset(s, 0, sizeof(*s));
	s->rows = rows;
	s->buf = malloc(j->cg * nr * j->pw * sizeof(*s->buf));
	s->acc = malloc((j->sep ? j->wo : COL_BLOCK) * sizeof(*s->acc));
	if (j->sep && (s->flag = malloc(j->wo)))
		s->hb = malloc(nr * j->wo * sizeof(*s->hb));
	if (j->vsym)
		s->z = malloc((COL_BLOCK + (j->kw - 1) * j->dw) *
		    sizeof(*s->z));
	if (!s->buf || !s->acc || (j->sep && !s->hb) || (j->vsym && !s->z)) {
		cf_band_scratch_release(s);
		return CF_ENOMEM;
	}
	return 0;
}

void
cf_band_scratch_release(struct cf_band_scratch *s)
{
	free(s->buf);
	free(s->acc);
	free(s->hb);
	free(s->z);
	free(s->flag);
	memset(s, 0, sizeof(*s));
}

void
cf_band_run(const struct cf_band *j, struct cf_band_scratch *s, size_t i0,
    size_t i1, const struct cf_band_hint *hint, cf_band_in_fn in,
    void *ictx, cf_band_out_fn out, void *octx)
{
	size_t nr = cf_band_rows(j, i0, i1), g, c, o, i, jb, n;
	size_t cg = j->cg, ng = j->depthwise ? j->c : j->co / j->opg;
	double mn, mx;
	int integer, finite, fold;

	/* one group at a time: its cg input channels, padded */
	for (g = 0; g < ng; g++) {
		for (c = 0; c < cg; c++)
			pad_rows(j, in, ictx, g * cg + c, i0 * j->sh, nr,
			    s->buf + c * nr * j->pw);
		fold = 0;
		if (j->sep || j->vsym) {
			/* what this band's samples allow (depthwise): as the
			 * caller knows them, with the pad value, or seen */
			if (hint) {
				mn = hint->min < j->padv ? hint->min : j->padv;
				mx = hint->maxabs > fabs((double)j->padv) ?
				    hint->maxabs : fabs((double)j->padv);
				integer = hint->integer &&
				    j->padv == rintf(j->padv);
				finite = 1;
			} else
				scan(s->buf, nr * j->pw, &mn, &mx, &integer,
				    &finite);
			integer &= finite && mx <= 4194304.0;
			if (j->sep && finite && ((integer &&
			    case_a(j, mx)) || (j->wpos && mn >= 0))) {
				separable_band(j, s->buf, nr, g, i0, i1,
				    integer && case_a(j, mx), s->hb, s->acc,
				    s->flag, out, octx);
				continue;
			}
			fold = j->vsym && integer && ref_exact(j, mx);
		}
		for (o = g * j->opg; o < (g + 1) * j->opg; o++)
			for (i = i0; i < i1; i++)
				for (jb = 0; jb < j->wo; jb += COL_BLOCK) {
					n = j->wo - jb < COL_BLOCK ?
					    j->wo - jb : COL_BLOCK;
					direct_block(j, s->buf, nr, o, i - i0,
					    jb, n, fold, s->acc, s->z, j->out64 ?
					    (void *)((double *)(void *)
					    out(octx, o, i) + jb) :
					    (void *)(out(octx, o, i) + jb));
				}
	}
}
