/*
 * stream.c - one convolution stage from decoded rows to encoded rows.
 *
 * Decoded rows go into a ring holding as few rows as the kernel's window
 * and the work in flight need.  The output is computed in strips of
 * STRIP_ROWS rows, a batch of one strip per worker thread at a time; a
 * worker turns its strip's input rows into padded float planes, then
 * works in blocks of COLS columns so that its rows stay in cache.  This
 * thread decodes the next batch's rows meanwhile, and a writer thread
 * encodes finished batches: decoding, filtering and encoding overlap.
 *
 * Exactness.  conv_rows.c sums in float; for each output channel a bound
 * E on |its float - the reference's float| is derived below from the
 * weights and the largest input sample (the classical bound for
 * recursive summation, gamma(n) = n u / (1 - n u) times the sum of the
 * magnitudes, counting a rounding per multiply and per add; plus the
 * error of a separable factorisation, plus the reference's own rounding
 * of a double to float).  For non-negative weights and samples the bound
 * is relative to the result instead; where every float sum is exact
 * (integer weights on 8-bit data) it is 0.  The converted value v (abs,
 * scale, bias) then lies within M = 2 |scale| E of the reference's; when
 * [v - M, v + M] holds no rounding boundary the rounded pixel is the
 * reference's, else (a fraction of a percent of samples) it is
 * recomputed in double in the reference's order and converted by
 * convert.c itself.
 */
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conv_rows.h"
#include "stream.h"

#define STRIP_ROWS 32		/* output rows per strip */
#define READ_ROWS 16		/* input rows per read call */
#define COLS 256		/* output columns per block */
#define AHEAD 2			/* strips in flight per worker */
#define MAX_THREADS 64
#define U24 (1.0 / 16777216.0)		/* float's unit roundoff */
#define U53 (1.0 / 9007199254740992.0)	/* double's */

/* gamma(n) for unit roundoff u: the relative error bound of n roundings */
static double
gam(double n, double u)
{
	return n * u / (1 - n * u);
}

/* One kernel of the stage, ready to run. */
struct plan {
	const struct cf_kernel *k;
	float *wf;		/* weights, rotated when flip: [CO][cg][KH][KW] */
	int sep;		/* run as col (x) row */
	float *col, *row;
	double *err, *sum;	/* per output channel: E and the bound S */
	double *rel;		/* non-negative sums: E <= rel * |result| */
	int exact;		/* every float sum is exact: E = 0 */
	int dexact;		/* every double sum is exact: order-free */
};

struct eng;

struct scratch {
	struct eng *e;
	float *x;		/* the strip's input rows, padded floats */
	long xlo;		/* the first of them */
	size_t span;		/* rows of x, and of each channel's h */
	float *acc[2];		/* COLS outputs per kernel */
	float *h[2], *hpad[2];	/* separable: horizontal passes, per channel */
	const float **ptr;	/* KH row pointers */
	int *px;		/* COLS pixels per output channel */
	long ri, *rmap;		/* ref_sum(): output row ri's input rows */
	uint64_t low[CF_MAX_DIMS], high[CF_MAX_DIMS];
};

struct eng {
	const struct cf_stream_job *j;
	struct plan pl[2];
	int nk, depthwise;
	size_t cf;		/* filtered channels (alpha kept apart) */
	size_t co, cg, opg;	/* conv output channels; inputs, outputs/group */
	size_t ho, wo, kh, kw, sh, sw, dh, dw, pt, pleft, pw;
	int pairs;		/* rows in pairs: stride and dilation 1 */
	enum cf_pad_mode mode;
	float padv;
	double maxv;		/* 255 or 65535 */
	long *colmap;		/* pw padded columns -> input column or -1 */
	float *padrow;		/* pw samples of padv */
	double *margin;		/* per conv output channel: M, absolute */
	double *mrel;		/* and relative: M = margin + mrel * |a| */
	/* the ring: cap decoded rows (interleaved samples) */
	unsigned char *ring;
	size_t cap, rowbytes, nplanes;
	/* strips: the input rows each reads, lo suffix-minimised */
	size_t ns;
	long *slo, *shi, *lo;
	int *haspad;
	size_t obytes;		/* bytes per output row */
	long *need;		/* rows read before strip s: max of shi[..s] */
	size_t nt;		/* worker threads */
	struct scratch *scr;
	/*
	 * The pipeline, under mu: input rows [0, nread) are read; a worker
	 * takes strip next once its rows are read and its output slot (one
	 * of nos) is written out; strips [0, cdone) are computed, [0, wdone)
	 * written.  Row r may be read over row r - cap once no strip from
	 * cdone on reads it.  Any error sets stop.
	 */
	pthread_mutex_t mu;
	pthread_cond_t cv;	/* broadcast on every change */
	size_t nread, next, cdone, wdone, nos;
	unsigned char *computed;	/* per strip */
	unsigned char *obuf;	/* nos slots of STRIP_ROWS output rows */
	int stop;
	cf_stream_write_fn wr;
	void *wctx;
};

/* The input row read by output row i at kernel row m, or -1 (padding). */
static long
src_row(const struct eng *e, size_t i, size_t m)
{
	return cf_pad_index((long)(i * e->sh + m * e->dh) - (long)e->pt,
	    (long)e->j->h, e->mode);
}

/* Plane c of input row r in s's strip; the padding row for r < 0. */
static const float *
xrow(const struct eng *e, const struct scratch *s, long r, size_t c)
{
	if (r < 0)
		return e->padrow;
	return s->x + ((size_t)(r - s->xlo) * e->nplanes + c) * e->pw;
}

/*
 * The sum of x[t * dw] * w[t] for t < n in double, in any order: only for
 * plans whose double sums are exact (dexact), where the order cannot
 * change the result.  Four lanes of doubles at a time.
 */
typedef double v4d __attribute__((vector_size(4 * sizeof(double))));
typedef float v4f __attribute__((vector_size(4 * sizeof(float)),
    aligned(sizeof(float)), may_alias));

static inline double
dot(const float *restrict x, const float *restrict w, size_t n, size_t dw)
{
	v4d a = { 0, 0, 0, 0 };
	double r = 0;
	size_t t = 0;

	if (dw == 1)
		for (; t + 4 <= n; t += 4)
			a += __builtin_convertvector(*(const v4f *)(const void *)
			    (x + t), v4d) * __builtin_convertvector(
			    *(const v4f *)(const void *)(w + t), v4d);
	for (; t < n; t++)
		r += (double)x[t * dw] * w[t];
	return r + (a[0] + a[1]) + (a[2] + a[3]);
}

/*
 * The reference's float for output channel o at (i, j) of kernel q: the
 * sum in double in cf_conv2d_ref's order, from the same samples.  For a
 * depthwise kernel o is also the input channel.
 */
static CF_HOT float
ref_sum(const struct eng *e, struct scratch *s, const struct plan *q,
    size_t o, size_t i, size_t j)
{
	size_t cg = e->depthwise ? 1 : e->cg, c, m, n, ci;
	size_t wo = e->depthwise ? 0 : o;
	const float *w = q->wf + wo * cg * e->kh * e->kw, *x;
	double acc = q->k->bias ? q->k->bias[wo] : 0.0;

	/* the input rows of output row i, found once per row */
	if (s->ri != (long)i) {
		for (m = 0; m < e->kh; m++)
			s->rmap[m] = src_row(e, i, m);
		s->ri = (long)i;
	}
	for (c = 0; c < cg; c++) {
		ci = e->depthwise ? o : (o / e->opg) * cg + c;
		for (m = 0; m < e->kh; m++) {
			x = xrow(e, s, s->rmap[m], ci) + j * e->sw;
			if (q->dexact)
				acc += dot(x, w + (c * e->kh + m) * e->kw,
				    e->kw, e->dw);
			else
				for (n = 0; n < e->kw; n++)
					acc += (double)x[n * e->dw] *
					    w[(c * e->kh + m) * e->kw + n];
		}
	}
	return (float)acc;
}

/* The reference's float result of the stage at (o, i, j). */
static float
ref_value(const struct eng *e, struct scratch *s, size_t o, size_t i,
    size_t j)
{
	float a = ref_sum(e, s, &e->pl[0], o, i, j), b;

	if (e->nk == 1)
		return a;
	b = ref_sum(e, s, &e->pl[1], o, i, j);
	return (float)sqrt((double)a * a + (double)b * b);
}

/* convert.c's rounding of the float f: -1 below 0, max + 1 above max. */
static long
round_ref(const struct eng *e, float f)
{
	return cf_convert_pixel(f, e->j->cv, e->maxv);
}

/* Pixel value r of channel ch, -1 and max + 1 clipped and counted. */
static int
clip(const struct eng *e, struct scratch *s, size_t ch, long r)
{
	if (r < 0) {
		if (ch < CF_MAX_DIMS)
			s->low[ch]++;
		return 0;
	}
	if (r > (long)e->maxv) {
		if (ch < CF_MAX_DIMS)
			s->high[ch]++;
		return (int)e->maxv;
	}
	return (int)r;
}

/*
 * The pixel of each approximation a[j] (the magnitude of a[j], b[j] when
 * b), or INT_MIN when the reference's value may round otherwise: v is
 * within m of the reference's converted value, so when floor(x + 0.5)
 * is the same at v - m and v + m, so is the reference's rounding.  -1 and
 * max + 1 stand for values clipped low and high.
 */
static CF_HOT size_t
certify(const float *restrict a, size_t n, double m0, double m1, double top,
    double sc, double bias, int *restrict px)
{
	double v, lo, hi, m;
	int fl, fh, max = (int)top - 1;
	size_t j;
	unsigned special = 0;

	for (j = 0; j < n; j++) {
		v = a[j] * sc + bias;
		m = m0 + m1 * fabs(a[j]);
		/* clamping keeps the decision; NaN makes it unsure */
		lo = v - m;
		hi = v + m;
		lo = lo >= -1.0 ? lo : -1.0;
		lo = lo <= top ? lo : top;
		hi = hi <= top ? hi : top;
		hi = hi >= -1.0 ? hi : -1.0;
		/* floor(x + 0.5) for x >= -1, exact in double here */
		fl = (int)(lo + 1.5);
		fh = (int)(hi + 1.5);
		px[j] = fl == fh ? fl - 1 : INT_MIN;
		special += (unsigned)px[j] > (unsigned)max;
	}
	/* the samples to clip or to recompute */
	return special;
}

/*
 * certify() in float for 8-bit pixels without --scale or --bias, 8 at a
 * time.  v = a[j] is exact, clamped to [-2, 258] (which keeps the
 * decision); r = rint(v) and v - r are exact, and v is farther than m
 * from every n + 0.5 iff |v - r| < 0.5 - m; then r is the reference's
 * rounding, clipped when outside 0..255.  m is widened by 2^-14 for the
 * float rounding of m itself and of 0.5 - m.  Sums never overflow
 * (plan_init), so a[j] is never NaN.
 */
static CF_HOT size_t
certify8(const float *restrict a, size_t n, double m0, double m1,
    int *restrict px)
{
	float mf = (float)(m0 + 0x1p-14 + 0x1p-20), v, r, m;
	float mr = (float)(m1 * (1 + 0x1p-20));
	size_t j;
	unsigned special = 0;

	for (j = 0; j < n; j++) {
		v = a[j] <= 258.0f ? a[j] : 258.0f;
		v = v >= -2.0f ? v : -2.0f;
		m = mf + mr * fabsf(v);
		r = rintf(v);
		px[j] = fabsf(v - r) < 0.5f - m ? (int)r : INT_MIN;
		special += (unsigned)px[j] > 255u;
	}
	return special;
}

/* a[j] = the magnitude of a[j], b[j] by the reference's formula, and
 * |a[j]| for --abs: the steps before certify(). */
static CF_HOT void
prepare(float *restrict a, const float *restrict b, size_t n, int ab)
{
	size_t j;

	if (b)
		for (j = 0; j < n; j++)
			a[j] = (float)sqrt((double)a[j] * a[j] +
			    (double)b[j] * b[j]);
	if (ab)
		for (j = 0; j < n; j++)
			a[j] = fabsf(a[j]);
}

/*
 * The pixels px[0..n) of output row i, columns j0.., channel o, from the
 * approximations a (and b: the magnitude of the two), recomputing the
 * samples too close to a rounding boundary to tell.  a is overwritten.
 */
static CF_HOT void
round_block(const struct eng *e, struct scratch *s, float *a,
    const float *b, size_t o, size_t i, size_t j0, size_t n, int *px)
{
	size_t j, k, end;
	unsigned any, maxu = (unsigned)e->maxv;

	prepare(a, b, n, e->j->cv->abs);
	if (!e->j->out16 && e->j->cv->scale == 1 && e->j->cv->bias == 0 ?
	    !certify8(a, n, e->margin[o], e->mrel[o], px) :
	    !certify(a, n, e->margin[o], e->mrel[o], e->maxv + 1,
	    e->j->cv->scale, e->j->cv->bias, px))
		return;
	/* eight at a time, a branch per eight: specials are rare */
	for (j = 0; j < n; j += 8) {
		end = j + 8 < n ? j + 8 : n;
		for (any = 0, k = j; k < end; k++)
			any |= (unsigned)px[k] > maxu;
		for (k = j; any && k < end; k++) {
			if ((unsigned)px[k] <= maxu)
				continue;
			/* unsure: the reference's sum */
			if (px[k] == INT_MIN)
				px[k] = (int)round_ref(e, ref_value(e, s, o, i,
				    j0 + k));
			px[k] = clip(e, s, o, px[k]);
		}
	}
}

/* The kept alpha of output row i, columns j0..: the input's, exactly. */
static void
alpha_block(const struct eng *e, struct scratch *s, size_t i, size_t j0,
    size_t n, int *px)
{
	const float *x = xrow(e, s, (long)i, e->cf) + e->pleft + j0;
	size_t j;

	for (j = 0; j < n; j++)
		px[j] = clip(e, s, e->co, round_ref(e, x[j]));
}

/* Interleave the out_c channels of px (COLS apart) into orow at j0. */
static CF_HOT void
emit_block(const struct eng *e, const int *px, size_t j0, size_t n,
    unsigned char *orow)
{
	size_t j, c, nc = e->j->out_c;
	uint16_t *o16 = (uint16_t *)(void *)orow + j0 * nc;
	unsigned char *o8 = orow + j0 * nc;

	if (e->j->out16) {
		for (j = 0; j < n; j++)
			for (c = 0; c < nc; c++)
				o16[j * nc + c] = (uint16_t)px[c * COLS + j];
		return;
	}
	/* constant channel counts let the compiler unroll */
	switch (nc) {
	case 1:
		for (j = 0; j < n; j++)
			o8[j] = (unsigned char)px[j];
		break;
	case 3:
		for (j = 0; j < n; j++) {
			o8[3 * j] = (unsigned char)px[j];
			o8[3 * j + 1] = (unsigned char)px[COLS + j];
			o8[3 * j + 2] = (unsigned char)px[2 * COLS + j];
		}
		break;
	default:
		for (j = 0; j < n; j++)
			for (c = 0; c < nc; c++)
				o8[j * nc + c] = (unsigned char)px[c * COLS + j];
	}
}

/* The horizontal passes of kernel q over channel c, strip si's rows,
 * columns j0..j0+n, into s->h[q] (c's rows). */
static void
run_h(const struct eng *e, struct scratch *s, int q, size_t c, size_t si,
    size_t j0, size_t n)
{
	const struct plan *p = &e->pl[q];
	float *h = s->h[q] + c * s->span * COLS;
	long r;

	for (r = e->slo[si]; r <= e->shi[si]; r++)
		cf_rows_h(h + (size_t)(r - e->slo[si]) * COLS, n,
		    xrow(e, s, r, c) + j0 * e->sw, p->row, e->kw, e->sw,
		    e->dw);
	if (e->haspad[si])
		cf_rows_h(s->hpad[q] + c * COLS, n, e->padrow, p->row, e->kw,
		    e->sw, e->dw);
}

/* Kernel q's output row i of channel o, columns j0..j0+n, into acc[q]. */
static CF_HOT void
run_row(const struct eng *e, struct scratch *s, int q, size_t o, size_t si,
    size_t i, size_t j0, size_t n)
{
	const struct plan *p = &e->pl[q];
	size_t wo = e->depthwise ? 0 : o, m, t, c, ci, ksz = e->kh * e->kw;
	float b = p->k->bias ? p->k->bias[wo] : 0.0f, *a = s->acc[q];
	const float *h;
	long r;

	if (p->sep) {
		h = s->h[q] + o * s->span * COLS;
		for (m = 0; m < e->kh; m++) {
			r = src_row(e, i, m);
			s->ptr[m] = r < 0 ? s->hpad[q] + o * COLS :
			    h + (size_t)(r - e->slo[si]) * COLS;
		}
		cf_rows_v(a, n, s->ptr, p->col, e->kh, b);
		return;
	}
	for (t = 0; t < n; t++)
		a[t] = b;
	for (c = 0; c < e->cg; c++) {
		ci = e->depthwise ? o : (o / e->opg) * e->cg + c;
		for (m = 0; m < e->kh; m++)
			s->ptr[m] = xrow(e, s, src_row(e, i, m), ci) +
			    j0 * e->sw;
		cf_rows_conv(a, n, s->ptr, p->wf + (wo * e->cg + c) * ksz,
		    e->kh, e->kw, e->sw, e->dw);
	}
}

/* Decoded row raw as the floats of input row r in s's strip, padded. */
static CF_HOT void
fill_row(const struct eng *e, struct scratch *s, long r,
    const unsigned char *raw)
{
	const uint16_t *in16 = (const void *)raw;
	size_t c, p, x, nc = e->j->c, w = e->j->w, x0, x1;
	float sc = e->j->in_scale, *d;
	long col;

	/* padded column p reads input column p - pleft inside the image */
	x0 = e->pleft < e->pw ? e->pleft : e->pw;
	x1 = e->pleft + w < e->pw ? e->pleft + w : e->pw;
	if (!e->j->in16 && nc == 3 && sc == 1) {
		/* the common case in one pass, which the compiler unrolls */
		float *d0 = (float *)xrow(e, s, r, 0) + x0;
		float *d1 = (float *)xrow(e, s, r, 1) + x0;
		float *d2 = (float *)xrow(e, s, r, 2) + x0;

		for (p = 0; p < x1 - x0; p++) {
			d0[p] = raw[3 * p];
			d1[p] = raw[3 * p + 1];
			d2[p] = raw[3 * p + 2];
		}
	}
	for (c = 0; c < e->nplanes; c++) {
		d = (float *)xrow(e, s, r, c);
		if (e->j->in16)
			for (p = x0; p < x1; p++)
				d[p] = in16[(p - x0) * nc + c];
		else if (nc != 3 || sc != 1)
			for (p = x0; p < x1; p++)
				d[p] = raw[(p - x0) * nc + c] * sc;
		/* the padding columns: [0, x0) and [x1, pw) */
		for (p = x0 ? 0 : x1; p < e->pw; p = p + 1 == x0 ? x1 : p + 1) {
			col = e->colmap[p];
			x = (size_t)col * nc + c;
			d[p] = col < 0 ? e->padv : e->j->in16 ? in16[x] :
			    raw[x] * sc;
		}
	}
}

/* Output rows i (and i + 1 when two) of every channel, columns j0.. */
static void
run_rows(const struct eng *e, struct scratch *s, size_t si, size_t i,
    int two, size_t j0, size_t n)
{
	size_t o, k;
	int q;

	for (o = 0; o < e->co; o++) {
		for (q = 0; q < e->nk; q++) {
			run_row(e, s, q, o, si, i, j0, n);
			if (!two)
				continue;
			/* the second row into the second half */
			s->acc[q] += COLS;
			run_row(e, s, q, o, si, i + 1, j0, n);
			s->acc[q] -= COLS;
		}
		for (k = 0; k <= (size_t)two; k++)
			round_block(e, s, s->acc[0] + k * COLS, e->nk == 2 ?
			    s->acc[1] + k * COLS : NULL, o, i + k, j0, n,
			    s->px + (k * (e->co + 1) + o) * COLS);
	}
}

/*
 * Output strip si into out (its first row), in blocks of COLS columns so
 * that the passes' rows stay in cache.
 */
static void
run_strip(const struct eng *e, struct scratch *s, size_t si,
    unsigned char *out)
{
	size_t i0 = si * STRIP_ROWS, i1 = i0 + STRIP_ROWS, o, i, j0, n, k;
	long r;
	int q, two = 0;
	int *px;

	if (i1 > e->ho)
		i1 = e->ho;
	/* the strip's input rows, from the ring */
	s->xlo = e->slo[si];
	for (r = e->slo[si]; r <= e->shi[si]; r++)
		fill_row(e, s, r, e->ring + (size_t)r % e->cap * e->rowbytes);
	for (j0 = 0; j0 < e->wo; j0 += COLS) {
		n = e->wo - j0 < COLS ? e->wo - j0 : COLS;
		for (o = 0; o < e->co; o++)
			for (q = 0; q < e->nk; q++)
				if (e->pl[q].sep)
					run_h(e, s, q, o, si, j0, n);
		for (i = i0; i < i1; i += two + 1) {
			/* pairs of rows share their loads (cf_rows_conv2) */
			two = e->pairs && i + 1 < i1;
			run_rows(e, s, si, i, two, j0, n);
			for (k = 0; k <= (size_t)two; k++) {
				px = s->px + k * (e->co + 1) * COLS;
				if (e->j->keep_alpha)
					alpha_block(e, s, i + k, j0, n,
					    px + e->co * COLS);
				emit_block(e, px, j0, n,
				    out + (i + k - i0) * e->obytes);
			}
		}
	}
}

/* The output slot of strip si. */
static unsigned char *
slot(const struct eng *e, size_t si)
{
	return e->obuf + si % e->nos * STRIP_ROWS * e->obytes;
}

/* Whether strip si can start: its rows read, its output slot free. */
static int
strip_ready(const struct eng *e, size_t si)
{
	return (long)e->nread > e->need[si] && si < e->wdone + e->nos;
}

static void *
worker(void *arg)
{
	struct scratch *s = arg;
	struct eng *e = s->e;
	size_t si;

	pthread_mutex_lock(&e->mu);
	for (;;) {
		while (!e->stop && e->next < e->ns && !strip_ready(e, e->next))
			pthread_cond_wait(&e->cv, &e->mu);
		if (e->stop || e->next >= e->ns)
			break;
		si = e->next++;
		pthread_mutex_unlock(&e->mu);
		run_strip(e, s, si, slot(e, si));
		pthread_mutex_lock(&e->mu);
		e->computed[si] = 1;
		while (e->cdone < e->ns && e->computed[e->cdone])
			e->cdone++;
		pthread_cond_broadcast(&e->cv);
	}
	pthread_mutex_unlock(&e->mu);
	return NULL;
}

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
	q->exact = e->padv == floorf(e->padv);
	q->dexact = q->exact;
	for (o = 0; o < e->co; o++) {
		wo = e->depthwise ? 0 : o;
		a = abs_sum(q->wf + wo * cg * ksz, cg * ksz);
		b = k->bias ? fabs((double)k->bias[wo]) : 0;
		s = b + a * x;
		/* direct: rows of kw products summed, then cg*kh row sums */
		ea = (gam(2 * kw + 2, U24) + gam(2 * cg * kh + 2, U24)) * s;
		if (fac * x < 1e-3) {
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
		if (!q->exact && e->padv >= 0)
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

static void
plan_release(struct plan *q)
{
	free(q->wf);
	free(q->col);
	free(q->row);
	free(q->err);
	free(q->sum);
	free(q->rel);
}

int
cf_stream_supported(const struct cf_stage *st,
    const struct cf_conv_params *p, const struct cf_convert_opts *cv)
{
	const size_t *a = st->k[0].weight.shape, *b = st->k[1].weight.shape;

	if (st->kind != CF_STAGE_CONV || p->transpose || cv->normalize ||
	    st->nkernels < 1 || st->nkernels > 2)
		return 0;
	if (!isfinite(cv->scale) || !isfinite(cv->bias))
		return 0;
	/* the two kernels of a magnitude stage run side by side */
	return st->nkernels == 1 ||
	    (st->k[0].depthwise == st->k[1].depthwise &&
	    st->k[0].groups == st->k[1].groups &&
	    !memcmp(a, b, 4 * sizeof(*a)));
}

/* Geometry, plans and margins; 0 or a cf_err with a message. */
static int
setup(struct eng *e, const struct cf_stream_job *j, char *errbuf,
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
	e->pairs = 0;
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
	x = j->in16 ? 65535.0 : 255.0 * j->in_scale;
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
			/* |sqrt(a^2+b^2) - sqrt(c^2+d^2)| <= |a-c| + |b-d| */
			s += e->pl[1].sum[o];
			es += e->pl[1].err[o];
			if (!e->pl[0].exact || !e->pl[1].exact)
				es += 2 * U24 * s;
		}
		e->margin[o] = 2 * sc * es + 1e-7 +
		    0x1p-50 * (sc * s + fabs(j->cv->bias));
	}
	return 0;
nomem:
	snprintf(errbuf, errlen, "out of memory");
	return CF_ENOMEM;
}

/*
 * Which input rows each strip reads, and so the ring's size: the rows of
 * one batch plus those read ahead for the next.
 */
static int
plan_strips(struct eng *e, char *errbuf, size_t errlen)
{
	size_t si, i, m, i1, last, ahead, bytes;
	long r;

	e->ns = (e->ho + STRIP_ROWS - 1) / STRIP_ROWS;
	if (!(e->slo = malloc(e->ns * sizeof(*e->slo))) ||
	    !(e->shi = malloc(e->ns * sizeof(*e->shi))) ||
	    !(e->lo = malloc(e->ns * sizeof(*e->lo))) ||
	    !(e->need = malloc(e->ns * sizeof(*e->need))) ||
	    !(e->computed = calloc(e->ns, sizeof(*e->computed))) ||
	    !(e->haspad = calloc(e->ns, sizeof(*e->haspad)))) {
		snprintf(errbuf, errlen, "out of memory");
		return CF_ENOMEM;
	}
	for (si = 0; si < e->ns; si++) {
		e->slo[si] = LONG_MAX;
		e->shi[si] = -1;
		i1 = (si + 1) * STRIP_ROWS < e->ho ? (si + 1) * STRIP_ROWS :
		    e->ho;
		for (i = si * STRIP_ROWS; i < i1; i++)
			for (m = 0; m < e->kh; m++) {
				r = src_row(e, i, m);
				if (r < 0)
					e->haspad[si] = 1;
				else if (r < e->slo[si])
					e->slo[si] = r;
				if (r > e->shi[si])
					e->shi[si] = r;
			}
		/* kept alpha reads the strip's own rows */
		if (e->j->keep_alpha && (long)i1 - 1 > e->shi[si])
			e->shi[si] = (long)i1 - 1;
		if (e->j->keep_alpha && (long)(si * STRIP_ROWS) < e->slo[si])
			e->slo[si] = (long)(si * STRIP_ROWS);
	}
	for (si = e->ns; si-- > 0;)
		e->lo[si] = si + 1 < e->ns && e->lo[si + 1] < e->slo[si] ?
		    e->lo[si + 1] : e->slo[si];
	/* need: rows read before strip s can start (a prefix maximum) */
	for (si = 0; si < e->ns; si++)
		e->need[si] = si && e->need[si - 1] > e->shi[si] ?
		    e->need[si - 1] : e->shi[si];
	/* cap: from strip s's lowest row to the rows of the strips in
	 * flight after it */
	ahead = e->nt > 1 ? AHEAD * e->nt : 0;
	e->cap = 1;
	for (si = 0; si < e->ns; si++) {
		last = si + ahead < e->ns ? si + ahead : e->ns - 1;
		if (e->lo[si] != LONG_MAX &&
		    e->need[last] - e->lo[si] + 1 > (long)e->cap)
			e->cap = (size_t)(e->need[last] - e->lo[si] + 1);
	}
	e->rowbytes = e->j->w * e->j->c * (e->j->in16 ? 2 : 1);
	if (cf_size_mul(e->cap, e->rowbytes, &bytes) ||
	    !(e->ring = malloc(bytes))) {
		snprintf(errbuf, errlen, "out of memory");
		return CF_ENOMEM;
	}
	return 0;
}

/* Read input rows up to and including row last into the ring. */
static int
read_upto(struct eng *e, long last, size_t *next, cf_stream_read_fn rd,
    void *ctx)
{
	size_t n, slot;

	while ((long)*next <= last) {
		/* as many as fit before the ring wraps */
		slot = *next % e->cap;
		n = (size_t)(last + 1) - *next;
		if (n > e->cap - slot)
			n = e->cap - slot;
		if (n > READ_ROWS)
			n = READ_ROWS;
		if (rd(ctx, e->ring + slot * e->rowbytes, n))
			return CF_STREAM_EREAD;
		*next += n;
	}
	return 0;
}

static int
scratch_init(struct eng *e, struct scratch *s)
{
	size_t si, q, nch = e->co + 1;

	s->span = 1;
	for (si = 0; si < e->ns; si++)
		if (e->shi[si] >= e->slo[si] &&
		    (size_t)(e->shi[si] - e->slo[si] + 1) > s->span)
			s->span = (size_t)(e->shi[si] - e->slo[si] + 1);
	s->e = e;
	s->x = malloc(s->span * e->nplanes * e->pw * sizeof(float));
	s->ptr = malloc((e->kh + 1) * sizeof(*s->ptr));
	s->rmap = malloc(e->kh * sizeof(*s->rmap));
	s->ri = -1;
	s->px = malloc(2 * nch * COLS * sizeof(*s->px));
	if (!s->x || !s->ptr || !s->px || !s->rmap)
		return CF_ENOMEM;
	for (q = 0; q < 2; q++) {
		s->acc[q] = malloc(2 * COLS * sizeof(float));
		s->hpad[q] = malloc(e->co * COLS * sizeof(float));
		s->h[q] = malloc(e->co * s->span * COLS * sizeof(float));
		if (!s->acc[q] || !s->hpad[q] || !s->h[q])
			return CF_ENOMEM;
	}
	return 0;
}

static void
scratch_release(struct scratch *s)
{
	int q;

	for (q = 0; q < 2; q++) {
		free(s->acc[q]);
		free(s->h[q]);
		free(s->hpad[q]);
	}
	free(s->x);
	free(s->ptr);
	free(s->rmap);
	free(s->px);
}

static void
eng_release(struct eng *e, size_t nscr)
{
	size_t t;

	for (t = 0; t < nscr; t++)
		scratch_release(&e->scr[t]);
	free(e->scr);
	plan_release(&e->pl[0]);
	plan_release(&e->pl[1]);
	free(e->colmap);
	free(e->padrow);
	free(e->margin);
	free(e->mrel);
	free(e->ring);
	free(e->slo);
	free(e->shi);
	free(e->lo);
	free(e->need);
	free(e->computed);
	free(e->haspad);
}

/* The output rows of strip si. */
static size_t
strip_rows(const struct eng *e, size_t si)
{
	size_t i0 = si * STRIP_ROWS;

	return e->ho - i0 < STRIP_ROWS ? e->ho - i0 : STRIP_ROWS;
}

/* Stop everything, after an error. */
static void
stop(struct eng *e)
{
	pthread_mutex_lock(&e->mu);
	e->stop = 1;
	pthread_cond_broadcast(&e->cv);
	pthread_mutex_unlock(&e->mu);
}

/* Write the computed strips in order. */
static void *
writer(void *arg)
{
	struct eng *e = arg;
	size_t si;
	int err;

	pthread_mutex_lock(&e->mu);
	while (e->wdone < e->ns) {
		while (!e->stop && e->wdone >= e->cdone)
			pthread_cond_wait(&e->cv, &e->mu);
		if (e->stop)
			break;
		si = e->wdone;
		pthread_mutex_unlock(&e->mu);
		err = e->wr(e->wctx, slot(e, si), strip_rows(e, si));
		pthread_mutex_lock(&e->mu);
		if (err) {
			e->stop = 2;	/* the writer's */
			pthread_cond_broadcast(&e->cv);
			break;
		}
		e->wdone++;
		pthread_cond_broadcast(&e->cv);
	}
	pthread_mutex_unlock(&e->mu);
	return NULL;
}

/*
 * How many rows from nread the reader may read now: up to READ_ROWS,
 * not past the ring's wrap, the image, or the rows still to be read by
 * strips from cdone on (row r overwrites row r - cap).
 */
static size_t
room(const struct eng *e)
{
	size_t n = e->j->h - e->nread, wrap = e->cap - e->nread % e->cap;
	long lo = e->cdone < e->ns ? e->lo[e->cdone] : LONG_MAX, free_;

	if (lo != LONG_MAX) {
		free_ = lo + (long)e->cap - (long)e->nread;
		if (free_ <= 0)
			return 0;
		if ((size_t)free_ < n)
			n = (size_t)free_;
	}
	if (n > wrap)
		n = wrap;
	return n < READ_ROWS ? n : READ_ROWS;
}

/*
 * Threaded: this thread reads rows as the ring frees, workers compute
 * strips as their rows arrive, the writer writes them in order.
 */
static int
pipeline(struct eng *e, cf_stream_read_fn rd, void *rctx)
{
	size_t n, r;
	int err = 0;

	pthread_mutex_lock(&e->mu);
	while (e->nread < e->j->h && !e->stop) {
		while (!e->stop && !(n = room(e)))
			pthread_cond_wait(&e->cv, &e->mu);
		if (e->stop)
			break;
		r = e->nread;
		pthread_mutex_unlock(&e->mu);
		err = rd(rctx, e->ring + r % e->cap * e->rowbytes, n);
		pthread_mutex_lock(&e->mu);
		if (err) {
			if (!e->stop)
				e->stop = 1;	/* the reader's */
			pthread_cond_broadcast(&e->cv);
			break;
		}
		e->nread += n;
		pthread_cond_broadcast(&e->cv);
	}
	while (!e->stop && e->wdone < e->ns)
		pthread_cond_wait(&e->cv, &e->mu);
	err = e->stop == 2 ? CF_STREAM_EWRITE : e->stop ? CF_STREAM_EREAD :
	    0;
	pthread_mutex_unlock(&e->mu);
	return err;
}

/* One thread: read, compute and write each strip in turn. */
static int
serial(struct eng *e, cf_stream_read_fn rd, void *rctx)
{
	size_t si, next = 0;
	int err;

	for (si = 0; si < e->ns; si++) {
		e->cdone = si;
		if ((err = read_upto(e, e->need[si], &next, rd, rctx)))
			return err;
		run_strip(e, &e->scr[0], si, slot(e, si));
		if (e->wr(e->wctx, slot(e, si), strip_rows(e, si)))
			return CF_STREAM_EWRITE;
	}
	/* the rows no output needs are still the decoder's to check */
	return read_upto(e, (long)e->j->h - 1, &next, rd, rctx);
}

int
cf_stream_run(const struct cf_stream_job *j, cf_stream_read_fn rd,
    void *rctx, cf_stream_write_fn wr, void *wctx,
    struct cf_clip_stats *clip, char *errbuf, size_t errlen)
{
	struct eng e;
	pthread_t tid[MAX_THREADS + 1];
	size_t started = 0, nscr = 0, t, c;
	int err;

	memset(&e, 0, sizeof(e));
	if (clip)
		memset(clip, 0, sizeof(*clip));
	e.wr = wr;
	e.wctx = wctx;
	e.nt = j->threads > 1 ? (size_t)j->threads : 1;
	if (e.nt > MAX_THREADS)
		e.nt = MAX_THREADS;
	if ((err = setup(&e, j, errbuf, errlen)) ||
	    (err = plan_strips(&e, errbuf, errlen)))
		goto out;
	e.nos = e.nt > 1 ? AHEAD * e.nt + 2 : 1;
	if (!(e.scr = calloc(e.nt, sizeof(*e.scr))) ||
	    !(e.obuf = malloc(e.nos * STRIP_ROWS * e.obytes)))
		goto nomem;
	for (nscr = 0; nscr < e.nt; nscr++)
		if (scratch_init(&e, &e.scr[nscr])) {
			nscr++;
			goto nomem;
		}
	if (e.nt == 1) {
		err = serial(&e, rd, rctx);
		goto stats;
	}
	pthread_mutex_init(&e.mu, NULL);
	pthread_cond_init(&e.cv, NULL);
	/* the writer, then the workers (fewer if some cannot start) */
	if (pthread_create(&tid[0], NULL, writer, &e))
		err = CF_ENOMEM;
	else
		for (started = 1; started <= e.nt; started++)
			if (pthread_create(&tid[started], NULL, worker,
			    &e.scr[started - 1]))
				break;
	if (!err && started == 1) {
		stop(&e);
		err = CF_ENOMEM;
	}
	if (!err)
		err = pipeline(&e, rd, rctx);
	for (t = 0; t < started; t++)
		pthread_join(tid[t], NULL);
	pthread_mutex_destroy(&e.mu);
	pthread_cond_destroy(&e.cv);
	if (err == CF_ENOMEM) {
		snprintf(errbuf, errlen, "cannot start threads");
		goto out;
	}
stats:
	if (clip && !err) {
		clip->channels = e.co + (j->keep_alpha ? 1 : 0);
		if (clip->channels > CF_MAX_DIMS)
			clip->channels = 0;
		for (t = 0; t < nscr; t++)
			for (c = 0; c < CF_MAX_DIMS; c++) {
				clip->low[c] += e.scr[t].low[c];
				clip->high[c] += e.scr[t].high[c];
			}
	}
	goto out;
nomem:
	snprintf(errbuf, errlen, "out of memory");
	err = CF_ENOMEM;
out:
	free(e.obuf);
	eng_release(&e, nscr);
	return err;
}
