/*
 * convert.h - the one lossy step: float results to 8-bit pixels.
 *
 * In this order, per sample v:
 *   abs:        v = |v|                      (--abs)
 *   scale:      v = v * scale                 (--scale)
 *   bias:       v = v + bias                  (--bias)
 *   normalize:  v = (v - min) * 255 / (max - min) per channel, where min
 *               and max are taken after the steps above; a constant
 *               channel becomes 0            (--normalize)
 *   round:      by the rounding mode (--round): to nearest, ties away
 *               from zero (C round(), the default); to nearest, ties to
 *               even (rint()); down (floor()); toward zero (trunc())
 *   clamp:      to 0..255
 * (0..65535 in place of 0..255 for 16-bit output, cf_convert_to_u16).
 * Arithmetic is in double, so the 8-bit value is the correctly rounded
 * value of the float result.
 */
#ifndef CF_CONVERT_H
#define CF_CONVERT_H

#include <stdint.h>

#include "base/tensor.h"

/* The rounding of the last step; NEAREST (0) is the default. */
enum cf_round {
	CF_ROUND_NEAREST,	/* ties away from zero */
	CF_ROUND_EVEN,		/* ties to even */
	CF_ROUND_FLOOR,		/* toward minus infinity */
	CF_ROUND_TRUNCATE,	/* toward zero */
};

struct cf_convert_opts {
	int abs;
	double scale;		/* 1 = unchanged */
	double bias;		/* 0 = unchanged */
	int normalize;
	enum cf_round round;
};

#define CF_CONVERT_OPTS_DEFAULT { .scale = 1.0 }

/* Counts of rounded values below 0 and above 255, per channel. */
struct cf_clip_stats {
	size_t channels;
	uint64_t low[CF_MAX_DIMS];	/* channels <= 4 for images */
	uint64_t high[CF_MAX_DIMS];
};

/*
 * Convert x (CF_F32 [C, H, W]) to a new CF_U8 tensor y of the same shape.
 * stats may be NULL; it is only filled for C <= 4.  NaN becomes 0.
 */
int cf_convert_to_u8(const struct cf_tensor *x,
    const struct cf_convert_opts *o, struct cf_tensor *y,
    struct cf_clip_stats *stats);

/*
 * The same for 16-bit output: a new CF_U16 tensor, with 65535 in place of
 * 255 (normalize stretches to 0..65535, clamp to 0..65535).
 */
int cf_convert_to_u16(const struct cf_tensor *x,
    const struct cf_convert_opts *o, struct cf_tensor *y,
    struct cf_clip_stats *stats);

/*
 * Apply abs, scale, bias and normalize to x (CF_F32 [C, H, W]) in place,
 * without rounding or clamping: the float result written to .npy files.
 */
int cf_convert_float(struct cf_tensor *x, const struct cf_convert_opts *o);

/*
 * One sample as cf_convert_to_u8 (max 255) or _u16 (65535) converts it
 * without normalisation, in the same arithmetic (this file is compiled
 * without contracting multiply-adds): 0..max, or -1 / max + 1 for a value
 * clipped low / high.
 */
long cf_convert_pixel(float f, const struct cf_convert_opts *o, double max);

/* A value v after --abs (the caller's), converted to 0..max, or -1 /
 * max + 1 clipped, with norm as cf_convert_sample takes it.  Monotone in
 * v: the ends of an interval tell where all of it goes. */
long cf_convert_pixel_of(double v, const struct cf_convert_opts *o,
    const double *norm, double max);

/*
 * One sample f, the whole conversion of cf_convert_to_u8 (max 255) or
 * _u16 (65535): 0..max, or -1 / max + 1 clipped low / high.  norm is
 * { lo, hi - lo } of its channel for --normalize, else NULL.
 */
long cf_convert_sample(float f, const struct cf_convert_opts *o,
    const double *norm, double max);

/*
 * n samples of one channel so converted into dst[i * step], uint8_t for
 * max 255, else uint16_t, clipped ones counted in *low and *high.
 */
void cf_convert_row(const float *src, size_t n,
    const struct cf_convert_opts *o, const double *norm, double max,
    void *dst, size_t step, uint64_t *low, uint64_t *high);

/*
 * n values of one channel, the last stage's results in double before
 * --abs, converted to 16 bits into dst[i * step] as cf_convert_row
 * converts floats (without --normalize), clipped ones counted: the
 * correctly rounded value of the double.
 */
void cf_convert_row64(const double *src, size_t n,
    const struct cf_convert_opts *o, uint16_t *dst, size_t step,
    uint64_t *low, uint64_t *high);

/* The same for cf_convert_float: no rounding, no clamping. */
float cf_convert_sample_float(float f, const struct cf_convert_opts *o,
    const double *norm);
/* n samples so converted into dst[i * step]. */
void cf_convert_row_float(const float *src, size_t n,
    const struct cf_convert_opts *o, const double *norm, float *dst,
    size_t step);

/* Widen [*lo, *hi] to the finite converted values of x[0..n): the
 * --normalize range, gathered in any order. */
void cf_convert_range_add(const float *x, size_t n,
    const struct cf_convert_opts *o, double *lo, double *hi);

/* The conversion of one value without normalisation, written once. */
static inline double
cf_convert_value(double v, const struct cf_convert_opts *o)
{
	if (o->abs && v < 0)
		v = -v;
	return v * o->scale + o->bias;
}

/*
 * The rounding of round_mode (an enum cf_round) of x, clamped to
 * [-1, top] by the caller (top = max + 1), as an integer in -1..top:
 * -1 and top stand for values clipped low and high.  Branch-free for a
 * constant mode; exact for |x| < 2^51.  The one formula of the rounding
 * boundaries, which the streaming engine's certification uses
 * (stream_strip.c): two values with the same result have every value
 * between them with it too (monotone).
 */
static inline int
cf_round_clamped(double x, int round_mode)
{
	const double magic = 6755399441055744.0;	/* 1.5 * 2^52 */

	switch (round_mode) {
	case CF_ROUND_EVEN:
		/* adding and subtracting 1.5 * 2^52 rounds to even */
		return (int)((x + magic) - magic);
	case CF_ROUND_FLOOR:
		return (int)(x + 1.0) - 1;
	case CF_ROUND_TRUNCATE:
		/* (-1, 0) goes to 0; -1 stays */
		return x <= -1.0 ? -1 : (int)x;
	default:
		/* ties away from zero: -0.5 to -1, n + 0.5 to n + 1 */
		return (int)(x + 1.5) - 1 - (x == -0.5);
	}
}

#endif
