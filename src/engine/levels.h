/*
 * levels.h - the pixels of colour after --linear, as a table.
 *
 * After the stages, colour in linear light is encoded to sRGB (alpha.c)
 * and converted (convert.c): a monotone function of the stage's float
 * when the conversion has no --abs and a positive --scale.  So the pixel
 * of v is given by where v falls among max + 2 thresholds, the first
 * float of each level (-1 and max + 1 standing for values clipped low
 * and high), found once by bisection with the reference's own functions.
 * pow() is not correctly rounded, so within two floats of a threshold
 * the reference's functions decide; elsewhere the table is exact.
 */
#ifndef CF_LEVELS_H
#define CF_LEVELS_H

#include <stddef.h>
#include <stdint.h>

#include "engine/convert.h"

struct cf_levels {
	const struct cf_convert_opts *cv;
	double max;		/* 255 or 65535 */
	int64_t *t;		/* [max + 4]: the key of level n's first float
				 * at [n + 1]; [0] below all, the last above */
	/* for the keys k of 0 <= v < max, bucket k >> shift: the index in
	 * t of the last threshold below its start, and the one threshold
	 * it holds (UINT32_MAX: none) */
	struct cf_levels_bucket {
		uint32_t lev, thr;
	} *b;
	size_t nb;
	int shift;
	float zlo;		/* no threshold from two floats below it to 0 */
};

/* Whether the conversion cv allows a table (monotone). */
int cf_levels_possible(const struct cf_convert_opts *cv);

/* Make the table for cv and max: 0, CF_ENOMEM, or CF_EINVAL when the
 * levels lie too close together for it (the caller does without). */
int cf_levels_init(struct cf_levels *l, const struct cf_convert_opts *cv,
    double max);
void cf_levels_release(struct cf_levels *l);

/* The reference's pixel of colour v: -1 and max + 1 clipped. */
long cf_levels_pixel(const struct cf_levels *l, float v);

/* The level that every float in [lo, hi] has, if one does and none is
 * near a threshold; else LONG_MIN (the caller asks the reference). */
long cf_levels_span(const struct cf_levels *l, double lo, double hi);

/* cf_levels_span of [a[j] - m, a[j] + m], m = (m0 + m1 |a[j]|) / scale,
 * into px[j] for j < n; returns how many are LONG_MIN. */
size_t cf_levels_span_row(const struct cf_levels *l, const float *a,
    size_t n, double m0, double m1, long *px);

#endif
