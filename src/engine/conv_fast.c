/*
 * conv_fast.c - the fast convolution: padded row bands, vectorisable inner
 * loops, separable kernels as two 1-D passes, threads over row bands.
 *
 * Exactness.  The result must be the reference's float for every sample,
 * so that the 8-bit output is identical (and chained stages see the same
 * floats).  Two algorithms:
 *
 * - direct: for each output sample, acc = bias, then acc += x * w over
 *   c, m, n in the reference's order, in double.  The products of two
 *   floats are exact in double, so every step is the same double
 *   operation as in cf_conv2d_ref (a fused multiply-add gives the same
 *   value as multiply-then-add here): the result is bit-identical.  The
 *   loops merely run over a row of outputs at a time, with the samples
 *   read from a padded copy of the band instead of through cf_pad_index.
 *
 * - separable: a depthwise kernel that is exactly an outer product
 *   (w[m][n] == col[m] * row[n] as real numbers) runs as a horizontal and
 *   a vertical 1-D pass in double.  It sums in another order, so it is
 *   used only when the float result provably equals the reference's:
 *   (A) integer inputs and dyadic weights with few enough bits that every
 *       partial sum of both algorithms is exact in double (sobel, box on
 *       8-bit data): both give the exact sum, so E = 0 below; or
 *   (B) non-negative inputs, weights and bias: all terms are >= 0, so both
 *       sums are within a relative gamma_n of the exact sum S, and
 *       |R_ref - R_sep| <= E = (KH*KW + KH + KW + 8) * 2^-52 * R_sep.
 *   When float(R_sep - E) == float(R_sep + E), float(R_ref) is that float
 *   too (rounding is monotone); otherwise (about one sample in 2^20) the
 *   sample is recomputed the direct way, in the reference's order.
 *   Anything else runs direct.
 *
 * Threads take row bands in any order; each sample is computed the same
 * way whichever thread computes it, so the output does not depend on the
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

/*
 * Hot loops: O3 vectorisation and an AVX2+FMA clone picked at run time.
 * Contracting acc + x * w into a fused multiply-add changes nothing in
 * the direct path (x * w, two floats, is exact in double) and only
 * tightens the separable bound.
 */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && \
    defined(__linux__)
#define HOT __attribute__((optimize("O3", "fp-contract=fast"), \
	target_clones("arch=x86-64-v3", "default")))
#elif defined(__GNUC__) && !defined(__clang__)
#define HOT __attribute__((optimize("O3", "fp-contract=fast")))
#else
#define HOT
#endif

#define BAND_ROWS 32		/* output rows per band */
#define COL_BLOCK 512		/* output columns per accumulator block */
#define MAX_THREADS CF_PARALLEL_MAX

struct job {
	const float *x;		/* [C, H, W] contiguous */
	size_t c, h, w;
	float *y;		/* [CO, HO, WO] */
	size_t co, ho, wo;
	const float *wt;	/* weights, already flipped: [CO][cg][KH][KW] */
	const float *bias;	/* NULL, or 1 (depthwise) or CO values */
	int depthwise;
	size_t cg, opg;		/* input channels and outputs per group */
	size_t kh, kw, sh, sw, dh, dw, pt, pl;
	enum cf_pad_mode mode;
	float padv;
	size_t pw;		/* padded row length the outputs read */
	long *colmap;		/* pw entries: source column or -1 */
	size_t ilo, ihi;	/* padded columns [ilo, ihi) map to 0.. */
	/* separable */
	int sep;
	const double *col, *row;
	double err_rel;		/* 0 when case (A) holds for the channel */
	unsigned char *exact;	/* per input channel: case (A) */
	/* vertical fold (direct, depthwise, stride 1): rows m and KH-1-m of
	 * the kernel are equal, so their samples are added first; used for
	 * channels where every sum is exact (fold[c]) */
	int vsym;
	unsigned char *fold;
	size_t nbands;
	atomic_size_t next;
	atomic_int err;
};

/* d[i] = s[i] for i < n: the band is held in double, so the inner loops
 * convert nothing. */
static HOT void
widen(double *restrict d, const float *restrict s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		d[i] = s[i];
}

/* Padded rows [r0, r0 + nr) of channel ci into buf (nr x pw samples). */
static void
pad_rows(const struct job *j, size_t ci, size_t r0, size_t nr, double *buf)
{
	const float *xc = j->x + ci * j->h * j->w, *src;
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
		src = xc + (size_t)sr * j->w;
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
static HOT void
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
static HOT void
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
static HOT void
add_rows(double *restrict z, const double *restrict a,
    const double *restrict b, size_t n)
{
	size_t t;

	for (t = 0; t < n; t++)
		z[t] = a[t] + b[t];
}

/* The taps of one kernel row over the samples xr. */
static void
row_taps(const struct job *j, double *acc, const double *xr,
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
direct_block(const struct job *j, const double *buf, size_t nr, size_t o,
    size_t ib, size_t jb, size_t n, double *acc, double *z, float *yrow)
{
	const float *wo = j->wt + (j->depthwise ? 0 : o) * j->cg * j->kh *
	    j->kw;
	const double *xr;
	double b = j->bias ? j->bias[j->depthwise ? 0 : o] : 0.0;
	size_t c, m, t, len;

	for (t = 0; t < n; t++)
		acc[t] = b;
	if (j->vsym && j->fold[o]) {	/* depthwise: o is the channel */
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
	for (t = 0; t < n; t++)
		yrow[t] = (float)acc[t];
}

/* The reference's sum for one sample (depthwise, one channel). */
static float
direct_sample(const struct job *j, const double *buf, size_t ib, size_t jj)
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
static HOT void
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
static HOT void
vtap(double *restrict acc, const double *restrict h, double c, size_t n)
{
	size_t t;

	for (t = 0; t < n; t++)
		acc[t] += c * h[t];
}

/* Separable band of one channel: rows [i0, i1) of output channel ch. */
static void
separable_band(const struct job *j, const double *buf, size_t nr,
    size_t ch, size_t i0, size_t i1, double *hb, double *acc)
{
	double b = j->bias ? j->bias[0] : 0.0, e, r;
	size_t r0, i, m, t, ib;
	float *yrow;
	int exact = j->exact[ch];

	for (r0 = 0; r0 < nr; r0++)
		hpass(hb + r0 * j->wo, buf + r0 * j->pw, j->row, j->kw, j->dw,
		    j->sw, j->wo);
	for (i = i0; i < i1; i++) {
		ib = i - i0;
		yrow = j->y + (ch * j->ho + i) * j->wo;
		for (t = 0; t < j->wo; t++)
			acc[t] = b;
		for (m = 0; m < j->kh; m++)
			vtap(acc, hb + (ib * j->sh + m * j->dh) * j->wo,
			    j->col[m], j->wo);
		if (exact) {
			for (t = 0; t < j->wo; t++)
				yrow[t] = (float)acc[t];
			continue;
		}
		for (t = 0; t < j->wo; t++) {
			r = acc[t];
			e = r * j->err_rel;
			if ((float)(r - e) == (float)(r + e))
				yrow[t] = (float)r;
			else
				yrow[t] = direct_sample(j, buf, ib, t);
		}
	}
}

/*
 * One pass over a channel: *minv, *maxabs, and whether every value is an
 * integer and finite.  Branch-free so that it vectorises.
 */
typedef float v8f __attribute__((vector_size(32)));
typedef int32_t v8i __attribute__((vector_size(32)));

static HOT void
scan(const float *restrict x, size_t n, float *minv, float *maxabs,
    int *integer, int *finite)
{
	/* GCC vector extensions: eight lanes, reduced at the end */
	v8f mn, mx, v, a, r, big = {0}, magic = {0};
	v8i bad = {0}, m, absmask;
	float tail[8];
	size_t i;
	int l;

	for (l = 0; l < 8; l++) {
		mn[l] = INFINITY;
		mx[l] = 0;
		big[l] = 3.4e38f;
		/* adding and subtracting 1.5 * 2^23 rounds |v| <= 2^22 to an
		 * integer (the caller wants no larger values) */
		magic[l] = 12582912.0f;
		absmask[l] = 0x7fffffff;
	}
	for (i = 0; i < n; i += 8) {
		if (i + 8 <= n) {
			memcpy(&v, x + i, sizeof(v));
		} else {	/* the tail repeats x[n-1] */
			for (l = 0; l < 8; l++)
				tail[l] = x[i + (size_t)l < n ? i + (size_t)l :
				    n - 1];
			memcpy(&v, tail, sizeof(v));
		}
		a = (v8f)((v8i)v & absmask);
		m = v < mn;
		mn = (v8f)((m & (v8i)v) | (~m & (v8i)mn));
		m = a > mx;
		mx = (v8f)((m & (v8i)a) | (~m & (v8i)mx));
		r = (v + magic) - magic;
		/* NaN and infinities fail both tests */
		bad |= (r != v) & 1;
		bad |= (~(a <= big)) & 2;
	}
	for (l = 1; l < 8; l++) {
		mn[0] = mn[l] < mn[0] ? mn[l] : mn[0];
		mx[0] = mx[l] > mx[0] ? mx[l] : mx[0];
		bad[0] |= bad[l];
	}
	*minv = mn[0];
	*maxabs = mx[0];
	*integer = !(bad[0] & 1);
	*finite = !(bad[0] & 2);
}

/* a[i] = sqrt(a^2 + b^2) over [lo, hi), in double like conv.c used to. */
static HOT void
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

/* The most padded rows one band reads. */
static size_t
band_rows(const struct job *j)
{
	size_t b = j->ho < BAND_ROWS ? j->ho : BAND_ROWS;

	return (b - 1) * j->sh + (j->kh - 1) * j->dh + 1;
}

/* One of the threads: bands until none is left. */
static void
worker(void *arg, size_t t)
{
	struct job *j = arg;
	size_t band, i0, i1, nr, g, c, o, i, jb, n, cg = j->cg;
	size_t maxnr = band_rows(j);
	double *buf = NULL, *acc = NULL, *hb = NULL, *z = NULL;

	buf = malloc(cg * maxnr * j->pw * sizeof(*buf));
	acc = malloc((j->sep ? j->wo : COL_BLOCK) * sizeof(*acc));
	if (j->sep)
		hb = malloc(maxnr * j->wo * sizeof(*hb));
	if (j->vsym)
		z = malloc((COL_BLOCK + (j->kw - 1) * j->dw) * sizeof(*z));
	if (!buf || !acc || (j->sep && !hb) || (j->vsym && !z)) {
		atomic_store(&j->err, CF_ENOMEM);
		goto out;
	}
	while ((band = atomic_fetch_add(&j->next, 1)) < j->nbands) {
		if (atomic_load(&j->err))
			break;
		i0 = band * BAND_ROWS;
		i1 = i0 + BAND_ROWS < j->ho ? i0 + BAND_ROWS : j->ho;
		nr = (i1 - 1 - i0) * j->sh + (j->kh - 1) * j->dh + 1;
		/* one group at a time: its cg input channels, padded */
		for (g = 0; g < (j->depthwise ? j->c : j->co / j->opg); g++) {
			for (c = 0; c < cg; c++)
				pad_rows(j, g * cg + c, i0 * j->sh, nr,
				    buf + c * nr * j->pw);
			if (j->sep) {
				separable_band(j, buf, nr, g, i0, i1, hb, acc);
				continue;
			}
			for (o = g * j->opg; o < (g + 1) * j->opg; o++)
				for (i = i0; i < i1; i++)
					for (jb = 0; jb < j->wo;
					    jb += COL_BLOCK) {
						n = j->wo - jb < COL_BLOCK ?
						    j->wo - jb : COL_BLOCK;
						direct_block(j, buf, nr, o,
						    i - i0, jb, n, acc, z, j->y +
						    (o * j->ho + i) * j->wo +
						    jb);
					}
		}
	}
out:
	free(z);
	free(hb);
	free(acc);
	free(buf);
	(void)t;
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
 * Case (A) of the header comment: integer inputs |x| <= xmax, weights w2
 * = col (x) row, bias b.  Every partial sum of the reference is a
 * multiple of 2^qw (the lowest bit of any weight or the bias) of
 * magnitude <= |b| + xmax * sum|w|; of the horizontal pass a multiple of
 * 2^qr below xmax * sum|row|; of the vertical pass a multiple of
 * 2^min(qr + qc, qb) below |b| + sum|col| * xmax * sum|row|.  Below
 * 2^(52 + q) (a factor 2 of margin for the rounding of the bounds
 * themselves) each is an exact double.
 */
static int
case_a(const float *w2, size_t kh, size_t kw, const double *col,
    const double *row, double b, double xmax)
{
	double *wd, sw, sr, sc;
	size_t i;
	int qw, qr, qc, qs;

	if (!(wd = malloc(kh * kw * sizeof(*wd))))
		return 0;
	for (i = 0; i < kh * kw; i++)
		wd[i] = w2[i];
	weight_bits(wd, kh * kw, &sw, &qw);
	weight_bits(row, kw, &sr, &qr);
	weight_bits(col, kh, &sc, &qc);
	free(wd);
	qs = qr + qc;
	if (b != 0) {
		if (lowbit(b) < qw)
			qw = lowbit(b);
		if (lowbit(b) < qs)
			qs = lowbit(b);
	}
	if (qw < -900 || qs < -900 || qr < -900)
		return 0;
	return fabs(b) + xmax * sw < ldexp(1, 52 + qw) &&
	    xmax * sr < ldexp(1, 52 + qr) &&
	    fabs(b) + sc * xmax * sr < ldexp(1, 52 + qs);
}

/* The reference's sum is exact in double for integer inputs |x| <= xmax
 * (the first bound of case_a). */
static int
ref_exact(const float *w2, size_t nw, double b, double xmax)
{
	double *wd, sw;
	size_t i;
	int qw;

	if (!(wd = malloc(nw * sizeof(*wd))))
		return 0;
	for (i = 0; i < nw; i++)
		wd[i] = w2[i];
	weight_bits(wd, nw, &sw, &qw);
	free(wd);
	if (b != 0 && lowbit(b) < qw)
		qw = lowbit(b);
	return qw > -900 && fabs(b) + xmax * sw < ldexp(1, 52 + qw);
}

int
cf_conv2d_fast(const struct cf_tensor *x, const struct cf_kernel *k,
    const struct cf_conv_params *p, int allow_separable,
    struct cf_tensor *y, char *errbuf, size_t errlen)
{
	const struct cf_tensor *wt = &k->weight;
	struct job j;
	size_t yshape[3], after, kh, kw, nw, i, q, c, n, nt;
	float *wf = NULL;
	double *col = NULL, *row = NULL;
	struct cf_kernel kf;
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
	j.x = x->data;
	j.c = x->shape[0];
	j.h = x->shape[1];
	j.w = x->shape[2];
	j.co = yshape[0];
	j.ho = yshape[1];
	j.wo = yshape[2];
	kh = j.kh = wt->shape[2];
	kw = j.kw = wt->shape[3];
	j.sh = (size_t)p->stride_h;
	j.sw = (size_t)p->stride_w;
	j.dh = (size_t)p->dil_h;
	j.dw = (size_t)p->dil_w;
	cf_conv_axis_padding(p, 0, kh, &j.pt, &after);
	cf_conv_axis_padding(p, 1, kw, &j.pl, &after);
	j.mode = p->pad_mode;
	j.padv = p->pad_mode == CF_PAD_CONSTANT ? p->pad_value : 0.0f;
	j.depthwise = k->depthwise;
	j.bias = k->bias;
	j.cg = k->depthwise ? 1 : wt->shape[1];
	j.opg = k->depthwise ? 1 : j.co / (size_t)k->groups;
	j.pw = (j.wo - 1) * j.sw + (kw - 1) * j.dw + 1;
	j.nbands = (j.ho + BAND_ROWS - 1) / BAND_ROWS;
	/* Huge dilation or padding: a padded band would not fit in memory,
	 * while the reference needs none. */
	if ((double)j.pw * (double)band_rows(&j) * (double)j.cg > 1 << 24)
		return cf_conv2d_ref(x, k, p, y, errbuf, errlen);
	atomic_init(&j.next, 0);
	atomic_init(&j.err, 0);

	nw = cf_tensor_numel(wt);
	if (!(wf = malloc(nw * sizeof(*wf))) ||
	    !(j.colmap = malloc(j.pw * sizeof(*j.colmap))) ||
	    !(col = malloc(kh * sizeof(*col))) ||
	    !(row = malloc(kw * sizeof(*row))) ||
	    !(j.exact = calloc(j.c, 1)) || !(j.fold = calloc(j.c, 1))) {
		err = CF_ENOMEM;
		snprintf(errbuf, errlen, "%s", cf_strerror(err));
		goto out;
	}
	/* flip once, so the loops always correlate */
	for (i = 0; i < nw; i++)
		wf[i] = p->flip ? ((const float *)wt->data)[(i / (kh * kw)) *
		    kh * kw + kh * kw - 1 - i % (kh * kw)] :
		    ((const float *)wt->data)[i];
	j.wt = wf;
	/* the border columns through cf_pad_index; the interior is a copy */
	j.ilo = j.pl < j.pw ? j.pl : j.pw;
	j.ihi = j.pl + j.w < j.pw ? j.pl + j.w : j.pw;
	if (j.ihi < j.ilo)
		j.ihi = j.ilo;
	for (q = 0; q < j.pw; q++)
		j.colmap[q] = cf_pad_index((long)q - (long)j.pl, (long)j.w,
		    j.mode);

	/* factor the flipped weights (the same as flipping the factors) */
	kf = *k;
	kf.weight.data = wf;
	/* vertically symmetric depthwise kernels fold where exact */
	j.vsym = k->depthwise && kh >= 2 && j.sw == 1;
	for (i = 0; j.vsym && i < kh * kw; i++)
		j.vsym = wf[i] == wf[(kh - 1 - i / kw) * kw + i % kw];
	if (j.vsym) {
		double b = k->bias ? k->bias[0] : 0.0, xmax;
		int integer, finite, ex;
		float cmin, cmax;

		/* not exact even for 0/1 data: no need to look */
		ex = ref_exact(wf, kh * kw, b, 1.0);
		n = j.h * j.w;
		for (c = 0; c < j.c && ex; c++) {
			scan(j.x + c * n, n, &cmin, &cmax, &integer, &finite);
			xmax = fabs((double)j.padv) > cmax ?
			    fabs((double)j.padv) : cmax;
			j.fold[c] = finite && integer &&
			    j.padv == rintf(j.padv) && xmax <= 4194304.0 &&
			    ref_exact(wf, kh * kw, b, xmax);
		}
	}
	if (allow_separable && cf_kernel_separable(&kf, 0, col, row)) {
		double b = k->bias ? k->bias[0] : 0.0, xmax;
		int integer, pos, wpos, finite;
		float cmin, cmax;

		wpos = b >= 0 && j.padv >= 0;
		for (i = 0; i < kh; i++)
			wpos &= col[i] >= 0;
		for (i = 0; i < kw; i++)
			wpos &= row[i] >= 0;
		j.sep = 1;
		n = j.h * j.w;
		/* per channel: case (A), else case (B), else no */
		for (c = 0; c < j.c && j.sep; c++) {
			scan(j.x + c * n, n, &cmin, &cmax, &integer,
			    &finite);
			if (!finite) {
				j.sep = 0;
				break;
			}
			pos = wpos && cmin >= 0;
			xmax = fabs((double)j.padv) > cmax ?
			    fabs((double)j.padv) : cmax;
			integer &= j.padv == rintf(j.padv);
			j.exact[c] = integer && xmax <= 4194304.0 &&
			    case_a(wf, kh, kw, col, row, b, xmax);
			if (!j.exact[c] && !pos)
				j.sep = 0;
		}
		j.col = col;
		j.row = row;
		j.err_rel = ldexp((double)(kh * kw + kh + kw + 8), -52);
	}

	if ((err = cf_tensor_init_result(y, yshape, errbuf, errlen)))
		goto out;
	j.y = y->data;
	/* threads: at most one per band, none for tiny work */
	nt = p->threads > 0 ? (size_t)p->threads : 1;
	if (nt > MAX_THREADS)
		nt = MAX_THREADS;
	if (nt > j.nbands)
		nt = j.nbands;
	if ((double)j.co * j.ho * j.wo * j.cg * kh * kw < 1e6)
		nt = 1;
	cf_parallel_for(nt, (int)nt, worker, &j);
	err = atomic_load(&j.err);
	if (err) {
		cf_tensor_release(y);
		snprintf(errbuf, errlen, "%s", cf_strerror(err));
	}
out:
	free(j.fold);
	free(j.exact);
	free(row);
	free(col);
	free(j.colmap);
	free(wf);
	return err;
}
