/*
 * stream_strip.c - one strip of the streamed stage: the input rows as
 * padded floats, the float passes (conv_rows.c), the check of every
 * sample against its error bound, the reference's sum for those too
 * close to a rounding boundary, and the interleaved output rows.
 */
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/alpha.h"
#include "engine/conv_rows.h"
#include "engine/stream_int.h"

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
	v4d a = { 0, 0, 0, 0 }, b = a;
	double r = 0;
	size_t t = 0;

	/* two independent chains hide the latency of the additions */
	if (dw == 1)
		for (; t + 4 <= n; t += 4) {
			v4d p = __builtin_convertvector(*(const v4f *)(const void *)
			    (x + t), v4d) * __builtin_convertvector(
			    *(const v4f *)(const void *)(w + t), v4d);

			if (t / 4 % 2)
				b += p;
			else
				a += p;
		}
	for (; t < n; t++)
		r += (double)x[t * dw] * w[t];
	a += b;
	return r + (a[0] + a[1]) + (a[2] + a[3]);
}

/*
 * The reference's double sum for output channel o at (i, j) of kernel q:
 * in cf_conv2d_ref's order, from the same samples (its float is this
 * rounded).  For a depthwise kernel o is also the input channel.
 */
static CF_HOT double
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
	return acc;
}

/* The reference's float result of the stage at (o, i, j). */
static float
ref_value(const struct eng *e, struct scratch *s, size_t o, size_t i,
    size_t j)
{
	float a = (float)ref_sum(e, s, &e->pl[0], o, i, j), b;

	if (e->nk == 1)
		return a;
	b = (float)ref_sum(e, s, &e->pl[1], o, i, j);
	return (float)sqrt((double)a * a + (double)b * b);
}

/* The same before its rounding to float (cf_conv_stage64's), converted
 * to 16 bits: the pixel of an exact16 job, -1 / max + 1 clipped. */
static long
ref_pixel64(const struct eng *e, struct scratch *s, size_t o, size_t i,
    size_t j)
{
	double a = ref_sum(e, s, &e->pl[0], o, i, j), b;

	if (e->nk == 2) {
		b = ref_sum(e, s, &e->pl[1], o, i, j);
		a = sqrt(a * a + b * b);
	}
	if (e->j->cv->abs && a < 0)
		a = -a;
	return cf_convert_pixel_of(a, e->j->cv, NULL, e->maxv);
}

/* convert.c's rounding of the float f: -1 below 0, max + 1 above max. */
static long
round_ref(const struct eng *e, size_t o, float f)
{
	if (e->j->norm)
		return cf_convert_sample(f, e->j->cv, e->j->norm[o], e->maxv);
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
 * within m of the reference's converted value, so when the rounding
 * (cf_round_clamped, monotone) is the same at v - m and v + m, so is the
 * reference's.  -1 and max + 1 stand for values clipped low and high.
 * mode is a constant in each caller, so each has its own loop.
 */
static inline __attribute__((always_inline)) size_t
certify_mode(const float *restrict a, size_t n, double m0, double m1,
    double top, double sc, double bias, int *restrict px, int mode)
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
		fl = cf_round_clamped(lo, mode);
		fh = cf_round_clamped(hi, mode);
		px[j] = fl == fh && v == v ? fl : INT_MIN;
		special += (unsigned)px[j] > (unsigned)max;
	}
	/* the samples to clip or to recompute */
	return special;
}

static CF_HOT size_t
certify_near(const float *restrict a, size_t n, double m0, double m1,
    double top, double sc, double bias, int *restrict px)
{
	return certify_mode(a, n, m0, m1, top, sc, bias, px, CF_ROUND_NEAREST);
}

static CF_HOT size_t
certify_even(const float *restrict a, size_t n, double m0, double m1,
    double top, double sc, double bias, int *restrict px)
{
	return certify_mode(a, n, m0, m1, top, sc, bias, px, CF_ROUND_EVEN);
}

static CF_HOT size_t
certify_floor(const float *restrict a, size_t n, double m0, double m1,
    double top, double sc, double bias, int *restrict px)
{
	return certify_mode(a, n, m0, m1, top, sc, bias, px, CF_ROUND_FLOOR);
}

static CF_HOT size_t
certify_trunc(const float *restrict a, size_t n, double m0, double m1,
    double top, double sc, double bias, int *restrict px)
{
	return certify_mode(a, n, m0, m1, top, sc, bias, px,
	    CF_ROUND_TRUNCATE);
}

static size_t
certify(const float *restrict a, size_t n, double m0, double m1, double top,
    double sc, double bias, int *restrict px, enum cf_round mode)
{
	switch (mode) {
	case CF_ROUND_EVEN:
		return certify_even(a, n, m0, m1, top, sc, bias, px);
	case CF_ROUND_FLOOR:
		return certify_floor(a, n, m0, m1, top, sc, bias, px);
	case CF_ROUND_TRUNCATE:
		return certify_trunc(a, n, m0, m1, top, sc, bias, px);
	default:
		return certify_near(a, n, m0, m1, top, sc, bias, px);
	}
}

/*
 * certify() in float for 8-bit pixels without --scale or --bias, 8 at a
 * time.  v = a[j] is exact, clamped to [-2, 258] (which keeps the
 * decision); r = rint(v) and v - r are exact, and v is farther than m
 * from every n + 0.5 iff |v - r| < 0.5 - m; then r is the reference's
 * rounding to nearest, ties either way, clipped when outside 0..255.
 * For floor and toward zero the boundaries are the integers: with r =
 * floor(v) (trunc(v)), v - r is exact and v is farther than m from
 * every integer iff ||v - r| - 0.5| < 0.5 - m (conservative at 0 for
 * toward zero, which has no boundary there).  m is widened by 2^-14 for
 * the float rounding of m itself, of 0.5 - m and of |v - r| - 0.5.
 * Sums never overflow (plan_init), so a[j] is never NaN.
 */
static inline __attribute__((always_inline)) size_t
certify8_mode(const float *restrict a, size_t n, double m0, double m1,
    int *restrict px, int mode)
{
	float mf = (float)(m0 + 0x1p-14 + 0x1p-20), v, r, m;
	float mr = (float)(m1 * (1 + 0x1p-20));
	size_t j;
	unsigned special = 0;

	for (j = 0; j < n; j++) {
		v = a[j] <= 258.0f ? a[j] : 258.0f;
		v = v >= -2.0f ? v : -2.0f;
		m = mf + mr * fabsf(v);
		if (mode == CF_ROUND_FLOOR || mode == CF_ROUND_TRUNCATE) {
			r = mode == CF_ROUND_FLOOR ? floorf(v) : truncf(v);
			px[j] = fabsf(fabsf(v - r) - 0.5f) < 0.5f - m ?
			    (int)r : INT_MIN;
		} else {
			r = rintf(v);
			px[j] = fabsf(v - r) < 0.5f - m ? (int)r : INT_MIN;
		}
		special += (unsigned)px[j] > 255u;
	}
	return special;
}

static CF_HOT size_t
certify8_near(const float *restrict a, size_t n, double m0, double m1,
    int *restrict px)
{
	return certify8_mode(a, n, m0, m1, px, CF_ROUND_NEAREST);
}

static CF_HOT size_t
certify8_floor(const float *restrict a, size_t n, double m0, double m1,
    int *restrict px)
{
	return certify8_mode(a, n, m0, m1, px, CF_ROUND_FLOOR);
}

static CF_HOT size_t
certify8_trunc(const float *restrict a, size_t n, double m0, double m1,
    int *restrict px)
{
	return certify8_mode(a, n, m0, m1, px, CF_ROUND_TRUNCATE);
}

static size_t
certify8(const float *restrict a, size_t n, double m0, double m1,
    int *restrict px, enum cf_round mode)
{
	/* away from every n + 0.5, both roundings to nearest agree */
	if (mode == CF_ROUND_FLOOR)
		return certify8_floor(a, n, m0, m1, px);
	if (mode == CF_ROUND_TRUNCATE)
		return certify8_trunc(a, n, m0, m1, px);
	return certify8_near(a, n, m0, m1, px);
}

/* a[j] = the magnitude of a[j], b[j], and |a[j]| for --abs: the steps
 * before certify(). */
static CF_HOT void
prepare(float *restrict a, const float *restrict b, size_t n, int ab)
{
	size_t j;

	/* in float: within 3.02 u of the exact magnitude (stream_plan.c) */
	if (b)
		for (j = 0; j < n; j++)
			a[j] = sqrtf(a[j] * a[j] + b[j] * b[j]);
	if (ab)
		for (j = 0; j < n; j++)
			a[j] = fabsf(a[j]);
}

/*
 * The pixels px[0..n) of output row i, columns j0.., channel o, from the
 * approximations a (and b: the magnitude of the two), recomputing the
 * samples too close to a rounding boundary to tell.  a is overwritten.
 */
/*
 * The pixels of colour after --linear (the levels table): the float a[j]
 * is within m / scale of the reference's stage value, so where the table
 * gives every float of that interval one level, that is the pixel; else
 * the reference's value, through the table's exact function.
 */
static void
round_levels(const struct eng *e, struct scratch *s, const float *a,
    size_t o, size_t i, size_t j0, size_t n, int *px)
{
	long r[COLS];
	size_t j;

	cf_levels_span_row(e->j->levels, a, n, e->margin[o], e->mrel[o], r);
	for (j = 0; j < n; j++) {
		if (r[j] == LONG_MIN)
			r[j] = cf_levels_pixel(e->j->levels, ref_value(e, s, o,
			    i, j0 + j));
		px[j] = clip(e, s, o, r[j]);
	}
}

/*
 * round_norm's common case, a branch-free loop: the stretch of
 * [a - m, a + m] as one multiply-add per end instead of the reference's
 * division, widened by far more than the two ways' few units in the last
 * place, rounded at both ends; INT_MIN where they differ.
 */
static inline __attribute__((always_inline)) void
norm_loop(const float *restrict a, size_t n, double m0, double m1,
    double isc, double sk, double c, double top, int mode,
    int *restrict px)
{
	double m, u0, u1, lo, hi;
	int r0, r1, bad;
	size_t j;

	for (j = 0; j < n; j++) {
		m = (m0 + m1 * fabs(a[j])) * isc;
		u0 = (a[j] - m) * sk + c;
		u1 = (a[j] + m) * sk + c;
		bad = !(u0 == u0) | !(u1 == u1);
		lo = u0 < u1 ? u0 : u1;
		hi = u0 < u1 ? u1 : u0;
		lo -= fabs(lo) * 0x1p-40 + 0x1p-40;
		hi += fabs(hi) * 0x1p-40 + 0x1p-40;
		lo = lo > -2 ? lo : -2;
		lo = lo < top + 1 ? lo : top + 1;
		hi = hi > -2 ? hi : -2;
		hi = hi < top + 1 ? hi : top + 1;
		r0 = cf_round_clamped(lo, mode);
		r1 = cf_round_clamped(hi, mode);
		r0 = r0 < -1 ? -1 : r0 > (int)top ? (int)top : r0;
		r1 = r1 < -1 ? -1 : r1 > (int)top ? (int)top : r1;
		/* NaN (from a non-finite a): unsure */
		px[j] = (r0 == r1) & !bad ? r0 : INT_MIN;
	}
}

/*
 * round_norm's common case, a branch-free loop for each rounding mode:
 * the stretch of [a - m, a + m] as one multiply-add per end instead of
 * the reference's division, widened by far more than the two ways' few
 * units in the last place, rounded at both ends; INT_MIN where they
 * differ.
 */
static CF_HOT void
norm_fast(const struct eng *e, const float *restrict a, size_t o, size_t n,
    int *restrict px)
{
	const struct cf_convert_opts *cv = e->j->cv;
	const double *nm = e->j->norm[o];
	double isc = (1 + 0x1p-40) / fabs(cv->scale), k = e->maxv / nm[1];
	double c = (cv->bias - nm[0]) * k, sk = cv->scale * k;
	double m0 = e->margin[o], m1 = e->mrel[o], top = e->maxv + 1;

	switch (cv->round) {
	case CF_ROUND_EVEN:
		norm_loop(a, n, m0, m1, isc, sk, c, top, CF_ROUND_EVEN, px);
		break;
	case CF_ROUND_FLOOR:
		norm_loop(a, n, m0, m1, isc, sk, c, top, CF_ROUND_FLOOR, px);
		break;
	case CF_ROUND_TRUNCATE:
		norm_loop(a, n, m0, m1, isc, sk, c, top, CF_ROUND_TRUNCATE,
		    px);
		break;
	default:
		norm_loop(a, n, m0, m1, isc, sk, c, top, CF_ROUND_NEAREST,
		    px);
		break;
	}
}

/*
 * --normalize's second pass, channel o's range known: the converted
 * value of [a - m, a + m] (a after --abs) is monotone, so where both
 * ends give one pixel that is it, else the reference's sum decides.
 */
static void
round_norm(const struct eng *e, struct scratch *s, const float *a,
    size_t o, size_t i, size_t j0, size_t n, int *px)
{
	const struct cf_convert_opts *cv = e->j->cv;
	const double *nm = e->j->norm[o];
	double m, sc = fabs(cv->scale);
	size_t j;
	long r0, r1;

	if (sc > 0 && nm[1] > 0 && isfinite(nm[1])) {
		norm_fast(e, a, o, n, px);
		for (j = 0; j < n; j++) {
			if (px[j] == INT_MIN)
				px[j] = (int)round_ref(e, o, ref_value(e, s, o,
				    i, j0 + j));
			px[j] = clip(e, s, o, px[j]);
		}
		return;
	}
	for (j = 0; j < n; j++) {
		m = sc > 0 ? (e->margin[o] + e->mrel[o] * fabs(a[j])) / sc : 0;
		r0 = cf_convert_pixel_of(a[j] - m, cv, e->j->norm[o], e->maxv);
		r1 = cf_convert_pixel_of(a[j] + m, cv, e->j->norm[o], e->maxv);
		if (r0 != r1)
			r0 = round_ref(e, o, ref_value(e, s, o, i, j0 + j));
		px[j] = clip(e, s, o, r0);
	}
}

/*
 * --normalize's first pass (cf_stream_ranging): the reference's value of
 * a sample lies in [a - m, a + m] (a after --abs), so its converted value
 * in [vlo, vhi]; it may be channel o's least only when vlo is at most
 * the least vhi met before (which is at least the least value met), and
 * its largest likewise: only then is it recomputed the reference's way.
 * Whichever sample holds the least value is recomputed when met, so the
 * exact least of the recomputed ones is the channel's.
 */
/* range_block's intervals [vlo, vhi] of n samples, branch-free, and the
 * least vhi and largest vlo among them; +-infinity for a non-finite a. */
static CF_HOT void
range_bounds(const float *restrict a, size_t n, double m0, double m1,
    double isc, double sc, double bias, double *restrict vlo,
    double *restrict vhi, double *mnhi, double *mxlo)
{
	double m, v0, v1, lo, hi, mh = INFINITY, ml = -INFINITY;
	size_t j;
	int fin;

	for (j = 0; j < n; j++) {
		fin = a[j] - a[j] == 0;
		m = (m0 + m1 * fabs((double)a[j])) * isc;
		v0 = ((double)a[j] - m) * sc + bias;
		v1 = ((double)a[j] + m) * sc + bias;
		lo = v0 < v1 ? v0 : v1;
		hi = v0 < v1 ? v1 : v0;
		lo -= fabs(lo) * 0x1p-40 + 0x1p-40;
		hi += fabs(hi) * 0x1p-40 + 0x1p-40;
		fin &= (lo - lo == 0) & (hi - hi == 0);
		lo = fin ? lo : -INFINITY;
		hi = fin ? hi : INFINITY;
		vlo[j] = lo;
		vhi[j] = hi;
		mh = hi < mh ? hi : mh;
		ml = lo > ml ? lo : ml;
	}
	*mnhi = mh;
	*mxlo = ml;
}

/*
 * --normalize's first pass (cf_stream_ranging): the reference's value of
 * a sample lies in [a - m, a + m] (a after --abs), so its converted value
 * in [vlo, vhi].  The channel's least value is at most t2, the least vhi
 * of this block and those before (and the least value met); so a sample
 * with vlo > t2 cannot hold it, and likewise for the largest.  The others
 * are recomputed the reference's way: whichever sample holds the least
 * value is among them, so the least of their exact values is the
 * channel's.
 */
static void
range_block(const struct eng *e, struct scratch *s, const float *a,
    size_t o, size_t i, size_t j0, size_t n, int *px)
{
	const struct cf_convert_opts *cv = e->j->cv;
	double *r = s->rng[o], sc = cv->scale, vlo[COLS], vhi[COLS];
	double mnhi, mxlo, t2, t3, v;
	size_t j, k, c;

	for (k = 0; k < n; k += c) {
		c = n - k < COLS ? n - k : COLS;
		if (isfinite(sc) && sc != 0)
			range_bounds(a + k, c, e->margin[o], e->mrel[o],
			    (1 + 0x1p-40) / fabs(sc), sc, cv->bias, vlo, vhi,
			    &mnhi, &mxlo);
		else
			for (j = 0, mnhi = INFINITY, mxlo = -INFINITY; j < c;
			    j++) {
				vlo[j] = -INFINITY;
				vhi[j] = INFINITY;
			}
		t2 = mnhi < r[2] ? mnhi : r[2];
		t3 = mxlo > r[3] ? mxlo : r[3];
		for (j = 0; j < c; j++) {
			px[k + j] = 0;
			if (vlo[j] > t2 && vhi[j] < t3)
				continue;
			v = cf_convert_value(ref_value(e, s, o, i, j0 + k + j),
			    cv);
			if (isfinite(v)) {
				r[0] = v < r[0] ? v : r[0];
				r[1] = v > r[1] ? v : r[1];
				t2 = v < t2 ? v : t2;
				t3 = v > t3 ? v : t3;
			}
		}
		r[2] = t2;
		r[3] = t3;
	}
}

static CF_HOT void
round_block(const struct eng *e, struct scratch *s, float *a,
    const float *b, size_t o, size_t i, size_t j0, size_t n, int *px)
{
	size_t j, k, end;
	unsigned any, maxu = (unsigned)e->maxv;

	prepare(a, b, n, e->j->cv->abs);
	if (e->ranging) {
		range_block(e, s, a, o, i, j0, n, px);
		return;
	}
	if (e->j->norm) {
		round_norm(e, s, a, o, i, j0, n, px);
		return;
	}
	/* colour (not a filtered alpha) encoded to sRGB */
	if (e->j->levels && !(o + 1 == e->co && !e->j->keep_alpha &&
	    cf_alpha_has(e->co))) {
		round_levels(e, s, a, o, i, j0, n, px);
		return;
	}
	/*
	 * Exact sums converted exactly are the reference's value: no
	 * margin.  Floor and toward zero need it, having their boundaries
	 * at the integers that integer kernels give everywhere.
	 */
	if (e->exact && e->j->cv->scale == 1 && e->j->cv->bias == 0 &&
	    (e->j->cv->round == CF_ROUND_FLOOR ||
	    e->j->cv->round == CF_ROUND_TRUNCATE)) {
		if (!certify(a, n, 0, 0, e->maxv + 1, 1, 0, px,
		    e->j->cv->round))
			return;
	} else if (!e->j->out16 && e->j->cv->scale == 1 &&
	    e->j->cv->bias == 0 ?
	    !certify8(a, n, e->margin[o], e->mrel[o], px, e->j->cv->round) :
	    !certify(a, n, e->margin[o], e->mrel[o], e->maxv + 1,
	    e->j->cv->scale, e->j->cv->bias, px, e->j->cv->round))
		return;
	/* the clipped and the unsure, eight at a time, a branch per
	 * eight: specials are rare */
	for (j = 0; j < n; j += 8) {
		end = j + 8 < n ? j + 8 : n;
		for (any = 0, k = j; k < end; k++)
			any |= (unsigned)px[k] > maxu;
		for (k = j; any && k < end; k++) {
			if ((unsigned)px[k] <= maxu)
				continue;
			/* unsure: the reference's sum */
			if (px[k] == INT_MIN && e->j->exact16)
				px[k] = (int)ref_pixel64(e, s, o, i, j0 + k);
			else if (px[k] == INT_MIN)
				px[k] = (int)round_ref(e, o, ref_value(e, s, o, i,
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
		px[j] = clip(e, s, e->co, round_ref(e, e->co, x[j]));
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
	const float *f = (const void *)raw;
	size_t c, p, x, nc = e->j->c, w = e->j->w, x0, x1;
	float sc = e->j->in_scale, *d;
	long col;

	/* padded column p reads input column p - pleft inside the image */
	x0 = e->pleft < e->pw ? e->pleft : e->pw;
	x1 = e->pleft + w < e->pw ? e->pleft + w : e->pw;
	if (e->j->float_in) {
		/* an earlier stage's planes */
		for (c = 0; c < e->nplanes; c++) {
			d = (float *)xrow(e, s, r, c);
			memcpy(d + x0, f + c * w, (x1 - x0) * sizeof(*d));
			for (p = x0 ? 0 : x1; p < e->pw;
			    p = p + 1 == x0 ? x1 : p + 1) {
				col = e->colmap[p];
				d[p] = col < 0 ? e->padv : f[c * w + (size_t)col];
			}
		}
		return;
	}
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

/* The vertical passes of kernel q for output rows i and i + 1 of channel
 * o (stride and dilation 1) into acc[q] and acc[q] + COLS. */
static void
run_v2(const struct eng *e, struct scratch *s, int q, size_t o, size_t si,
    size_t i, size_t n)
{
	const struct plan *p = &e->pl[q];
	const float *h = s->h[q] + o * s->span * COLS;
	float b = p->k->bias ? p->k->bias[0] : 0.0f;
	size_t m;
	long r;

	for (m = 0; m <= e->kh; m++) {
		r = src_row(e, i + (m == e->kh), m - (m == e->kh));
		s->ptr[m] = r < 0 ? s->hpad[q] + o * COLS :
		    h + (size_t)(r - e->slo[si]) * COLS;
	}
	cf_rows_v2(s->acc[q], s->acc[q] + COLS, n, s->ptr, p->col, e->kh, b);
}

/* Output rows i (and i + 1 when two) of every channel, columns j0.. */
/*
 * Colour that was premultiplied, divided by the filtered alpha as the
 * reference does (alpha.c), then rounded: the stage's floats c and the
 * alpha's al are each within m / |scale| of the reference's, so the
 * quotient lies between the quotients of their ends (the division is
 * monotone in each while alpha stays positive), widened for the
 * roundings of double; where both ends convert to one pixel, that is
 * it, else the reference's sums decide.
 */
/* The pixels of [lo, hi] of the converted values, as certify() tells
 * them: the same pixel for both ends, or INT_MIN. */
static inline __attribute__((always_inline)) int
pixel_span(double lo, double hi, double top, int mode)
{
	int fl, fh;

	lo = lo >= -1.0 ? lo : -1.0;
	lo = lo <= top ? lo : top;
	hi = hi <= top ? hi : top;
	hi = hi >= -1.0 ? hi : -1.0;
	fl = cf_round_clamped(lo, mode);
	fh = cf_round_clamped(hi, mode);
	return fl == fh ? fl : INT_MIN;
}

/* The quotients' interval for the default conversion, branch-free for
 * a constant mode. */
static inline __attribute__((always_inline)) void
premult_loop(const float *restrict c, const float *restrict al,
    const double *restrict m, size_t n, double mx, int mode,
    int *restrict px)
{
	double mc, ma, c0, c1, a0, a1, lo, hi, q0, q1, q2, q3, r0, r1;
	size_t j;
	int r;

	for (j = 0; j < n; j++) {
		mc = m[0] + m[1] * fabs(c[j]);
		ma = m[2] + m[3] * fabs(al[j]);
		c0 = c[j] - mc;
		c1 = c[j] + mc;
		a0 = al[j] - ma;
		a1 = al[j] + ma;
		a0 = a0 > 0 ? a0 : 1e-300;	/* unsure below, at any rate */
		/* two divisions: c * (mx / a) is within a few units in the
		 * last place of c * mx / a, far inside the widening below */
		r0 = mx / a0;
		r1 = mx / a1;
		q0 = c0 * r0;
		q1 = c0 * r1;
		q2 = c1 * r0;
		q3 = c1 * r1;
		lo = q0 < q1 ? q0 : q1;
		lo = q2 < lo ? q2 : lo;
		lo = q3 < lo ? q3 : lo;
		hi = q0 > q1 ? q0 : q1;
		hi = q2 > hi ? q2 : hi;
		hi = q3 > hi ? q3 : hi;
		lo -= fabs(lo) * 0x1p-45 + 0x1p-60;
		hi += fabs(hi) * 0x1p-45 + 0x1p-60;
		r = pixel_span(lo, hi, mx + 1, mode);
		px[j] = al[j] - ma > 0 ? r : INT_MIN;
	}
}

/* premult_loop, one loop per rounding mode. */
static CF_HOT void
premult_plain(const float *restrict c, const float *restrict al,
    const double *restrict m, size_t n, double mx, int mode,
    int *restrict px)
{
	switch (mode) {
	case CF_ROUND_EVEN:
		premult_loop(c, al, m, n, mx, CF_ROUND_EVEN, px);
		break;
	case CF_ROUND_FLOOR:
		premult_loop(c, al, m, n, mx, CF_ROUND_FLOOR, px);
		break;
	case CF_ROUND_TRUNCATE:
		premult_loop(c, al, m, n, mx, CF_ROUND_TRUNCATE, px);
		break;
	default:
		premult_loop(c, al, m, n, mx, CF_ROUND_NEAREST, px);
		break;
	}
}

static void
round_premult(const struct eng *e, struct scratch *s, const float *c,
    const float *al, size_t o, size_t i, size_t j0, size_t n, int *px)
{
	const struct cf_convert_opts *cv = e->j->cv;
	double sc = fabs(cv->scale), mx = e->maxv, mc, ma, c0, c1, a0, a1;
	double q[4], lo, hi, t, m[4];
	size_t j, ao = e->co - 1, k;
	float fc, fa, v;
	long r0, r1;

	if (!cv->abs && cv->scale == 1 && cv->bias == 0) {
		m[0] = e->margin[o];
		m[1] = e->mrel[o];
		m[2] = e->margin[ao];
		m[3] = e->mrel[ao];
		premult_plain(c, al, m, n, mx, (int)cv->round, px);
		for (j = 0; j < n; j++) {
			if (px[j] == INT_MIN) {
				fc = ref_value(e, s, o, i, j0 + j);
				fa = ref_value(e, s, ao, i, j0 + j);
				v = (float)(fa > 0 ? (double)fc * mx / fa : 0);
				px[j] = (int)round_ref(e, o, v);
			}
			if ((unsigned)px[j] > (unsigned)mx)
				px[j] = clip(e, s, o, px[j]);
		}
		return;
	}
	for (j = 0; j < n; j++) {
		mc = (e->margin[o] + e->mrel[o] * fabs(c[j])) / sc;
		ma = (e->margin[ao] + e->mrel[ao] * fabs(al[j])) / sc;
		c0 = c[j] - mc;
		c1 = c[j] + mc;
		a0 = al[j] - ma;
		a1 = al[j] + ma;
		r0 = LONG_MIN;
		r1 = 0;
		if (a0 > 0) {
			q[0] = c0 * mx / a0;
			q[1] = c0 * mx / a1;
			q[2] = c1 * mx / a0;
			q[3] = c1 * mx / a1;
			lo = hi = q[0];
			for (k = 1; k < 4; k++) {
				lo = q[k] < lo ? q[k] : lo;
				hi = q[k] > hi ? q[k] : hi;
			}
			lo -= fabs(lo) * 0x1p-45 + 0x1p-60;
			hi += fabs(hi) * 0x1p-45 + 0x1p-60;
			/* --abs folds the interval, then the conversion */
			if (cv->abs && lo < 0) {
				t = hi > -lo ? hi : -lo;
				lo = hi < 0 ? -hi : 0;
				hi = t;
			}
			r0 = cf_convert_pixel_of(lo, cv, NULL, mx);
			r1 = cf_convert_pixel_of(hi, cv, NULL, mx);
		}
		if (r0 != r1 || r0 == LONG_MIN) {
			/* the reference's sums, divided as alpha.c divides */
			fc = ref_value(e, s, o, i, j0 + j);
			fa = ref_value(e, s, ao, i, j0 + j);
			v = (float)(fa > 0 ? (double)fc * mx / fa : 0);
			r0 = round_ref(e, o, v);
		}
		px[j] = clip(e, s, o, r0);
	}
}

static void
run_rows(const struct eng *e, struct scratch *s, size_t si, size_t i,
    int two, size_t j0, size_t n)
{
	size_t o, k, oi;
	int q, pm = e->j->premultiply;

	/* premultiplied: alpha first, its floats kept for the colour */
	for (oi = 0; oi < e->co; oi++) {
		o = pm ? (oi + e->co - 1) % e->co : oi;
		for (q = 0; q < e->nk; q++) {
			if (two && e->pl[q].sep) {
				run_v2(e, s, q, o, si, i, n);
				continue;
			}
			run_row(e, s, q, o, si, i, j0, n);
			if (!two)
				continue;
			/* the second row into the second half */
			s->acc[q] += COLS;
			run_row(e, s, q, o, si, i + 1, j0, n);
			s->acc[q] -= COLS;
		}
		for (k = 0; k <= (size_t)two; k++) {
			if (pm && oi) {
				round_premult(e, s, s->acc[0] + k * COLS,
				    s->alpha + k * COLS, o, i + k, j0, n,
				    s->px + (k * (e->co + 1) + o) * COLS);
				continue;
			}
			if (pm)
				memcpy(s->alpha + k * COLS, s->acc[0] + k *
				    COLS, n * sizeof(float));
			round_block(e, s, s->acc[0] + k * COLS, e->nk == 2 ?
			    s->acc[1] + k * COLS : NULL, o, i + k, j0, n,
			    s->px + (k * (e->co + 1) + o) * COLS);
		}
	}
}

/*
 * Output strip si into out (its first row), in blocks of COLS columns so
 * that the passes' rows stay in cache.
 */
void
stream_run_strip(const struct eng *e, struct scratch *s, size_t si,
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
		fill_row(e, s, r, e->row(e->rctx, r));
	for (j0 = 0; j0 < e->wo; j0 += COLS) {
		n = e->wo - j0 < COLS ? e->wo - j0 : COLS;
		for (o = 0; o < e->co; o++)
			for (q = 0; q < e->nk; q++)
				if (e->pl[q].sep)
					run_h(e, s, q, o, si, j0, n);
		for (i = i0; i < i1; i += two + 1) {
			/* pairs of rows share their loads (cf_rows_v2) */
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

