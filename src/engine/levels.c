/*
 * levels.c - --linear's encoding and the conversion as a table of
 * thresholds (levels.h).
 */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/alpha.h"
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

/* The index n of the last threshold at or below key k (of float v). */
static size_t
find(const struct cf_levels *l, float v, int64_t k)
{
	size_t lo = 0, hi = (size_t)l->max + 3, mid, b;

	if (v >= 0 && v < l->max) {
		/* at most one threshold in a bucket; the product's rounding
		 * may miss the bucket by one */
		b = (size_t)((double)v * l->scale);
		b -= b && k < l->kstart[b];
		b += b + 1 < l->nb && k >= l->kstart[b + 1];
		return l->lev[b] + (k >= l->thr[b]);
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
	int64_t lo, hi, mid, kb;
	double gap;
	float x;

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
	/* buckets narrower than the closest two thresholds in [0, max),
	 * each with its level from two floats below its start and the one
	 * threshold it may hold */
	gap = max;
	for (n = 2; n < nt; n++)
		if (unkey(l->t[n]) > 0 && unkey(l->t[n - 1]) >= 0 &&
		    unkey(l->t[n]) < max && (double)unkey(l->t[n]) -
		    unkey(l->t[n - 1]) < gap)
			gap = (double)unkey(l->t[n]) - unkey(l->t[n - 1]);
	/* at most 20 MB of buckets: else no table */
	if (!(gap > 2 * max / (1 << 20))) {
		cf_levels_release(l);
		return CF_EINVAL;
	}
	l->nb = (size_t)(2 * max / gap) + 1;
	l->scale = (double)l->nb / max;
	if (!(l->lev = malloc(l->nb * sizeof(*l->lev))) ||
	    !(l->thr = malloc(l->nb * sizeof(*l->thr))) ||
	    !(l->kstart = malloc((l->nb + 1) * sizeof(*l->kstart)))) {
		cf_levels_release(l);
		return CF_ENOMEM;
	}
	for (b = 0; b < l->nb; b++) {
		x = (float)((double)b * max / (double)l->nb);
		kb = l->kstart[b] = key(x) - 2;
		while (l->t[lv + 1] <= kb)
			lv++;
		l->lev[b] = (uint32_t)lv;
		/* the next threshold, if it is before the next bucket's start
		 * (from its two floats below), else none */
		x = (float)((double)(b + 1) * max / (double)l->nb);
		l->thr[b] = l->t[lv + 1] < key(x) - 2 ? l->t[lv + 1] :
		    INT64_MAX;
		if (lv + 2 <= nt && l->t[lv + 2] < key(x) - 2)
			l->nb = 0;	/* two in one bucket: never */
	}
	if (!l->nb) {
		cf_levels_release(l);
		return CF_EINVAL;
	}
	l->kstart[l->nb] = INT64_MAX;
	return 0;
}

void
cf_levels_release(struct cf_levels *l)
{
	free(l->t);
	free(l->lev);
	free(l->thr);
	free(l->kstart);
	memset(l, 0, sizeof(*l));
}

long
cf_levels_pixel(const struct cf_levels *l, float v)
{
	int64_t k = key(v);
	size_t n;

	if (v != v)
		return 0;
	n = find(l, v, k);
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
	n = find(l, a, ka);
	if ((n && ka - l->t[n] < 2) || l->t[n + 1] - kb <= 2)
		return LONG_MIN;
	return (long)n - 1;
}

size_t
cf_levels_span_row(const struct cf_levels *l, const float *a, size_t n,
    double m0, double m1, long *px)
{
	double m, lo, hi, sc = l->cv->scale;
	size_t j, na, unsure = 0;
	int64_t ka, kb;
	float fa;

	for (j = 0; j < n; j++) {
		m = (m0 + m1 * fabs(a[j])) / sc;
		lo = a[j] - m;
		hi = a[j] + m;
		fa = (float)lo;
		ka = key(fa) - 1;
		kb = key((float)hi) + 1;
		na = find(l, fa, ka);
		if (!(lo <= hi) || (na && ka - l->t[na] < 2) ||
		    l->t[na + 1] - kb <= 2) {
			px[j] = LONG_MIN;
			unsure++;
		} else
			px[j] = (long)na - 1;
	}
	return unsure;
}
