/*
 * levels.c - --linear's encoding and the conversion as a table of
 * thresholds (levels.h).
 */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/alpha.h"
#include "engine/hot.h"
#include "engine/levels.h"

/* A float's place among all floats, as an integer (-0 just below +0). */
static int64_t
key(float f)
{
	uint32_t b;

	memcpy(&b, &f, sizeof(b));
	return b >> 31 ? -(int64_t)(b & 0x7fffffff) - 1 : (int64_t)b;
}

static float
unkey(int64_t k)
{
	uint32_t b = k >= 0 ? (uint32_t)k : (uint32_t)(-k - 1) | 0x80000000u;
	float f;

	memcpy(&f, &b, sizeof(f));
	return f;
}

/* What the reference makes of colour v after the stages: encoded to
 * sRGB as cf_alpha_after_row does it, then converted. */
static long
reference(const struct cf_levels *l, float v)
{
	float *q = &v;

	cf_alpha_after_row(&q, 1, 1, CF_ALPHA_SEPARATE, 1, l->max);
	return cf_convert_sample(v, l->cv, NULL, l->max);
}

int
cf_levels_possible(const struct cf_convert_opts *cv)
{
	return !cv->abs && !cv->normalize && cv->scale > 0 &&
	    isfinite(cv->scale) && isfinite(cv->bias);
}

/* The index n of the last threshold at or below key k. */
static size_t
find(const struct cf_levels *l, int64_t k)
{
	size_t lo = 0, hi = (size_t)l->max + 3, mid;
	const struct cf_levels_bucket *b;

	if (k >= 0 && (uint64_t)k >> l->shift < l->nb) {
		b = &l->b[(uint64_t)k >> l->shift];
		return b->lev + (k >= b->thr);
	}
	/* t[lo] <= k < t[hi] */
	while (hi - lo > 1) {
		mid = (lo + hi) / 2;
		if (l->t[mid] <= k)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

int
cf_levels_init(struct cf_levels *l, const struct cf_convert_opts *cv,
    double max)
{
	size_t n, nt = (size_t)max + 3, b, lv = 0;
	int64_t lo, hi, mid, k0, k1, gap;

	memset(l, 0, sizeof(*l));
	l->cv = cv;
	l->max = max;
	if (!(l->t = malloc((nt + 1) * sizeof(*l->t)))) {
		cf_levels_release(l);
		return CF_ENOMEM;
	}
	/* t[n]: the first float whose pixel is at least n - 1 */
	l->t[0] = key(-INFINITY);
	for (n = 1; n < nt; n++) {
		lo = l->t[n - 1];
		hi = key(INFINITY);
		while (lo < hi) {
			mid = lo + (hi - lo) / 2;
			if (reference(l, unkey(mid)) >= (long)n - 1)
				hi = mid;
			else
				lo = mid + 1;
		}
		l->t[n] = lo;
	}
	l->t[nt] = INT64_MAX;
	/* buckets of keys narrower than the closest two thresholds of
	 * [0, max), so that each holds at most one */
	gap = INT64_MAX;
	for (n = 2; n < nt; n++)
		if (unkey(l->t[n - 1]) >= 0 && unkey(l->t[n]) < max &&
		    l->t[n] - l->t[n - 1] < gap)
			gap = l->t[n] - l->t[n - 1];
	for (l->shift = 0; l->shift < 31 && (int64_t)2 << l->shift <= gap;
	    l->shift++)
		;
	l->nb = ((uint64_t)key((float)max) >> l->shift) + 1;
	/* at most 16 MB of buckets: else no table */
	if (l->nb > (2u << 20)) {
		cf_levels_release(l);
		return CF_EINVAL;
	}
	if (!(l->b = malloc(l->nb * sizeof(*l->b)))) {
		cf_levels_release(l);
		return CF_ENOMEM;
	}
	/* below 0, down to two floats above the last threshold there */
	for (n = 1, l->zlo = -INFINITY; n < nt && l->t[n] < 0; n++)
		l->zlo = unkey(l->t[n] + 3);
	if (l->zlo > 0)
		l->zlo = 0;
	for (b = 0; b < l->nb; b++) {
		k0 = (int64_t)(b << l->shift);
		k1 = (int64_t)((b + 1) << l->shift);
		while (l->t[lv + 1] < k0)
			lv++;
		l->b[b].lev = (uint32_t)lv;
		l->b[b].thr = l->t[lv + 1] < k1 ? (uint32_t)l->t[lv + 1] :
		    UINT32_MAX;
		if (lv + 2 <= nt && l->t[lv + 2] < k1) {
			cf_levels_release(l);	/* two in one: never */
			return CF_EINVAL;
		}
	}
	return 0;
}

void
cf_levels_release(struct cf_levels *l)
{
	free(l->t);
	free(l->b);
	memset(l, 0, sizeof(*l));
}

long
cf_levels_pixel(const struct cf_levels *l, float v)
{
	int64_t k = key(v);
	size_t n;

	if (v != v)
		return 0;
	n = find(l, k);
	if ((n && k - l->t[n] < 2) || l->t[n + 1] - k <= 2)
		return reference(l, v);
	return (long)n - 1;
}

long
cf_levels_span(const struct cf_levels *l, double lo, double hi)
{
	int64_t ka, kb;
	float a;
	size_t n;

	if (!(lo <= hi))
		return LONG_MIN;	/* NaN */
	/* the keys of the floats [lo, hi] holds, and one more each way for
	 * the rounding to float */
	a = (float)lo;
	ka = key(a) - 1;
	kb = key((float)hi) + 1;
	n = find(l, ka);
	if ((n && ka - l->t[n] < 2) || l->t[n + 1] - kb <= 2)
		return LONG_MIN;
	return (long)n - 1;
}

/* The bits of f: its key when f >= 0. */
static uint32_t
bits(float f)
{
	uint32_t b;

	memcpy(&b, &f, sizeof(b));
	return b;
}

/*
 * The common case of cf_levels_span_row, without a branch, so that it
 * vectorises: [lo, hi] non-negative, and (ka - 2, kb + 2] (the keys of
 * the floats it holds, one more each way for the rounding to float; ka =
 * key(lo) - 1, kb = key(hi) + 1) in one bucket, whose threshold is
 * outside it: its level; else LONG_MIN.  (Contracting m's multiply-add
 * only makes m more accurate, and m is a bound with room to spare.)
 */
static CF_HOT void
span_fast(const struct cf_levels *l, const float *restrict a, size_t n,
    double m0, double m1, long *restrict px)
{
	const struct cf_levels_bucket *restrict bkt = l->b;
	uint32_t ua, ub, b0, b1, ok, thr, lv, sh = (uint32_t)l->shift;
	uint32_t nb = (uint32_t)l->nb;
	float zlo = l->zlo, flo;
	double m;
	size_t j;

	for (j = 0; j < n; j++) {
		m = m0 + m1 * fabs((double)a[j]);
		flo = (float)((double)a[j] - m);
		/* from zlo up to 0 there is no threshold: as if just above 0 */
		ua = flo < 0 && flo >= zlo ? 2 : bits(flo);
		ub = bits((float)((double)a[j] + m));
		b0 = (ua - 2) >> sh;
		b1 = (ub + 3) >> sh;
		ok = (((ua | ub) >> 31) == 0) & (ua >= 2) & (b0 == b1) &
		    (b1 < nb);
		b0 = ok ? b0 : 0;
		thr = bkt[b0].thr;
		lv = bkt[b0].lev;
		ok &= (thr < ua - 2) | (thr > ub + 3);
		px[j] = ok ? (long)lv + (ua - 1 >= thr) - 1 : LONG_MIN;
	}
}

size_t
cf_levels_span_row(const struct cf_levels *l, const float *a, size_t n,
    double m0, double m1, long *px)
{
	double m, lo, hi, sc = l->cv->scale;
	size_t j, na, unsure = 0;
	int64_t ka, kb;

	if (sc == 1)
		span_fast(l, a, n, m0, m1, px);
	else
		for (j = 0; j < n; j++)
			px[j] = LONG_MIN;
	for (j = 0; j < n; j++) {
		if (px[j] != LONG_MIN)
			continue;
		m = (m0 + m1 * fabs(a[j])) / sc;
		lo = a[j] - m;
		hi = a[j] + m;
		ka = key((float)lo) - 1;
		kb = key((float)hi) + 1;
		na = find(l, ka);
		if (!(lo <= hi) || (na && ka - l->t[na] < 2) ||
		    l->t[na + 1] - kb <= 2)
			unsure++;
		else
			px[j] = (long)na - 1;
	}
	return unsure;
}
