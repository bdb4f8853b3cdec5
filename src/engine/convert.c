/*
 * convert.c - float results to 8-bit pixels, the one lossy step.
 *
 * Everything is done in double on the float sample, so the 8-bit value is
 * the correctly rounded value of the float result, by the rounding mode
 * (--round); see convert.h for the order of the steps.
 */
#include <math.h>
#include <string.h>

#include "engine/convert.h"
#include "engine/hot.h"

/* Pointer to sample (c, i) of a [C, H, W] tensor with any strides;
 * i is the row-major index within the channel. */
static float *
at(const struct cf_tensor *x, size_t c, size_t i)
{
	size_t r = i / x->shape[2], col = i % x->shape[2];

	return (float *)x->data + c * x->stride[0] + r * x->stride[1] +
	    col * x->stride[2];
}

/*
 * Run body for every sample f of channel c, in row-major order, with i
 * the index within the channel.  Walks rows so that no division is
 * needed per sample.
 */
#define EACH_SAMPLE(x, c, i, f, body) do {				\
	size_t r_, k_;							\
	const float *row_;						\
	for (r_ = 0, (i) = 0; r_ < (x)->shape[1]; r_++) {		\
		row_ = (const float *)(x)->data + (c) * (x)->stride[0] +	\
		    r_ * (x)->stride[1];				\
		for (k_ = 0; k_ < (x)->shape[2]; k_++, (i)++) {		\
			(f) = row_[k_ * (x)->stride[2]];		\
			body						\
		}							\
	}								\
} while (0)

/* The finite range of x, branch-free (the values as they are). */
static CF_HOT void
range_plain(const float *restrict x, size_t n, double *lo, double *hi)
{
	float l = (float)*lo, h = (float)*hi, v;
	size_t i;

	/* *lo and *hi are floats or infinities: float holds them */
	for (i = 0; i < n; i++) {
		v = x[i];
		/* NaN and infinities take no part */
		v = v - v == 0 ? v : l;
		l = v < l ? v : l;
		v = x[i];
		v = v - v == 0 ? v : h;
		h = v > h ? v : h;
	}
	*lo = l;
	*hi = h;
}

void
cf_convert_range_add(const float *x, size_t n, const struct cf_convert_opts *o,
    double *lo, double *hi)
{
	double v, l = *lo, h = *hi;
	size_t i;

	if (o->abs || o->scale != 1 || o->bias != 0) {
		for (i = 0; i < n; i++) {
			v = cf_convert_value(x[i], o);
			if (isfinite(v)) {
				l = v < l ? v : l;
				h = v > h ? v : h;
			}
		}
	} else
		range_plain(x, n, &l, &h);
	*lo = l;
	*hi = h;
}

/*
 * The --normalize range of channel c: min and max after abs, scale and
 * bias, NaN and infinities taking no part.  Returns max - min (not > 0
 * for a constant channel, which then has nothing to stretch).
 */
static double
channel_range(const struct cf_tensor *x, size_t c,
    const struct cf_convert_opts *o, double *lo)
{
	double hi = -INFINITY;
	size_t r;

	*lo = INFINITY;
	for (r = 0; r < x->shape[1]; r++)
		cf_convert_range_add((const float *)x->data + c * x->stride[0] +
		    r * x->stride[1], x->shape[2], o, lo, &hi);
	return hi - *lo;
}

/* The normalisation of one value to 0..max, written once. */
static double
stretch(double v, double lo, double range, double max)
{
	if (!(range > 0))
		return isnan(v) ? v : 0.0;
	return (v - lo) * max / range;
}

/*
 * v rounded by mode, -1 when that is below 0 and max + 1 when above max;
 * NaN is 0.  Without the libm calls: in range, v - trunc(v) is exact.
 * Ties away from zero: below 0 iff v <= -0.5, above max iff v >= max +
 * 0.5; ties to even the same but -0.5 (to -0, so 0) and max + 0.5 (max +
 * 1 is even for 255 and 65535); floor: below 0 iff v < 0; toward zero:
 * iff v <= -1; both above max iff v >= max + 1.
 */
static long
round_clip(double v, double max, enum cf_round mode)
{
	long r;
	double d;

	if (isnan(v))
		return 0;
	switch (mode) {
	case CF_ROUND_EVEN:
		if (v < -0.5)
			return -1;
		if (v >= max + 0.5)
			return (long)max + 1;
		r = (long)v;		/* toward zero: 0 for [-0.5, 0) */
		d = v - (double)r;
		return r + (d > 0.5 || (d == 0.5 && (r & 1)));
	case CF_ROUND_FLOOR:
		if (v < 0)
			return -1;
		if (v >= max + 1)
			return (long)max + 1;
		return (long)v;
	case CF_ROUND_TRUNCATE:
		if (v <= -1)
			return -1;
		if (v >= max + 1)
			return (long)max + 1;
		return (long)v;
	default:
		if (v <= -0.5)
			return -1;
		if (v >= max + 0.5)
			return (long)max + 1;
		r = (long)v;
		return r + (v - (double)r >= 0.5);
	}
}

long
cf_convert_pixel(float f, const struct cf_convert_opts *o, double max)
{
	return round_clip(cf_convert_value(f, o), max, o->round);
}

long
cf_convert_pixel_of(double v, const struct cf_convert_opts *o,
    const double *norm, double max)
{
	v = v * o->scale + o->bias;
	if (norm)
		v = stretch(v, norm[0], norm[1], max);
	return round_clip(v, max, o->round);
}

long
cf_convert_sample(float f, const struct cf_convert_opts *o,
    const double *norm, double max)
{
	double v = cf_convert_value(f, o);

	if (norm)
		v = stretch(v, norm[0], norm[1], max);
	return round_clip(v, max, o->round);
}

float
cf_convert_sample_float(float f, const struct cf_convert_opts *o,
    const double *norm)
{
	double v = cf_convert_value(f, o);

	return (float)(norm ? stretch(v, norm[0], norm[1], 255.0) : v);
}

void
cf_convert_row_float(const float *src, size_t n,
    const struct cf_convert_opts *o, const double *norm, float *dst,
    size_t step)
{
	size_t i;

	if (!o->abs && o->scale == 1 && o->bias == 0 && !norm) {
		for (i = 0; i < n; i++)
			dst[i * step] = src[i];
		return;
	}
	for (i = 0; i < n; i++)
		dst[i * step] = cf_convert_sample_float(src[i], o, norm);
}

/*
 * The conversion of the default options (no abs, scale 1, bias 0, no
 * --normalize) to 8 or 16 bits, branch-free, so that it vectorises: the
 * same pixels as round_clip.  Ties away from zero: rintf rounds to
 * nearest, ties to even; f - rintf(f) is exact (the two are within a
 * factor of two, or the rounding is 0), so a tie rounded down shows as
 * exactly 0.5 and goes up, away from zero (negative ties are clipped
 * anyway).  floor(f + 0.5) would not do: 0.5 - 2^-25 + 0.5 rounds to 1
 * in float.  Ties to even is rintf itself, floor floorf, toward zero
 * truncf.  At and beyond the ends the value is clamped and counted as
 * round_clip clips it; NaN is 0.  mode is a constant in each caller.
 */
static inline __attribute__((always_inline)) float
plain_round(float f, enum cf_round mode, float top, uint32_t *nl,
    uint32_t *nh)
{
	float r;

	switch (mode) {
	case CF_ROUND_EVEN:
		r = rintf(f);
		*nl += f < -0.5f;
		*nh += f >= top - 0.5f;
		break;
	case CF_ROUND_FLOOR:
		r = floorf(f);
		*nl += f < 0.0f;
		*nh += f >= top;
		break;
	case CF_ROUND_TRUNCATE:
		r = truncf(f);
		*nl += f <= -1.0f;
		*nh += f >= top;
		break;
	default:
		/* to nearest, and a tie (f - r exactly 0.5) away from 0 */
		r = rintf(f);
		r += f - r == 0.5f ? 1.0f : 0.0f;
		*nl += f <= -0.5f;
		*nh += f >= top - 0.5f;
	}
	r = r < 0.0f ? 0.0f : r;
	r = r > top - 1.0f ? top - 1.0f : r;
	return f == f ? r : 0.0f;		/* NaN */
}

#define PLAIN(name, type, top, mode)					\
static CF_HOT void							\
name(const float *restrict src, size_t n, type *restrict d,		\
    uint64_t *low, uint64_t *high)					\
{									\
	uint32_t nl = 0, nh = 0;					\
	size_t i;							\
									\
	for (i = 0; i < n; i++)						\
		d[i] = (type)(int32_t)plain_round(src[i], mode, top, &nl,	\
		    &nh);						\
	*low += nl;							\
	*high += nh;							\
}

PLAIN(plain8, uint8_t, 256.0f, CF_ROUND_NEAREST)
PLAIN(plain8_even, uint8_t, 256.0f, CF_ROUND_EVEN)
PLAIN(plain8_floor, uint8_t, 256.0f, CF_ROUND_FLOOR)
PLAIN(plain8_trunc, uint8_t, 256.0f, CF_ROUND_TRUNCATE)
PLAIN(plain16, uint16_t, 65536.0f, CF_ROUND_NEAREST)
PLAIN(plain16_even, uint16_t, 65536.0f, CF_ROUND_EVEN)
PLAIN(plain16_floor, uint16_t, 65536.0f, CF_ROUND_FLOOR)
PLAIN(plain16_trunc, uint16_t, 65536.0f, CF_ROUND_TRUNCATE)

void
cf_convert_row(const float *src, size_t n, const struct cf_convert_opts *o,
    const double *norm, double max, void *dst, size_t step, uint64_t *low,
    uint64_t *high)
{
	uint8_t *d8 = max > 255 ? NULL : dst;
	uint16_t *d16 = max > 255 ? dst : NULL;
	size_t i;
	long r;

	/* rows of at most 2^32 samples: the counts fit */
	if (!o->abs && o->scale == 1 && o->bias == 0 && !norm && step == 1 &&
	    n <= UINT32_MAX) {
		static void (*const p8[])(const float *restrict, size_t,
		    uint8_t *restrict, uint64_t *, uint64_t *) = {
			plain8, plain8_even, plain8_floor, plain8_trunc };
		static void (*const p16[])(const float *restrict, size_t,
		    uint16_t *restrict, uint64_t *, uint64_t *) = {
			plain16, plain16_even, plain16_floor, plain16_trunc };
		unsigned m = (unsigned)o->round < 4 ? (unsigned)o->round : 0;

		if (d16)
			p16[m](src, n, d16, low, high);
		else
			p8[m](src, n, d8, low, high);
		return;
	}
	for (i = 0; i < n; i++) {
		r = cf_convert_sample(src[i], o, norm, max);
		if (r < 0) {
			++*low;
			r = 0;
		} else if (r > (long)max) {
			++*high;
			r = (long)max;
		}
		if (d16)
			d16[i * step] = (uint16_t)r;
		else
			d8[i * step] = (uint8_t)r;
	}
}

/* The conversion to integer samples 0..max of dtype (CF_U8 or CF_U16). */
static int
to_int(const struct cf_tensor *x, const struct cf_convert_opts *o,
    enum cf_dtype dtype, double max, struct cf_tensor *y,
    struct cf_clip_stats *stats)
{
	uint8_t *yd;
	uint16_t *yd16;
	size_t c, r, plane;
	double norm[2] = { 0, 0 };
	uint64_t low, high;
	int err;

	memset(y, 0, sizeof(*y));
	if (stats)
		memset(stats, 0, sizeof(*stats));
	if (x->dtype != CF_F32 || x->ndim != 3 || !x->data)
		return CF_EINVAL;
	if ((err = cf_tensor_init(y, dtype, 3, x->shape)))
		return err;
	if (stats && x->shape[0] <= CF_MAX_DIMS)
		stats->channels = x->shape[0];
	yd = y->data;
	yd16 = y->data;
	plane = x->shape[1] * x->shape[2];	/* checked by tensor_init */

	for (c = 0; c < x->shape[0]; c++) {
		norm[1] = o->normalize ? channel_range(x, c, o, &norm[0]) : 0;
		for (r = 0; r < x->shape[1]; r++) {
			low = high = 0;
			cf_convert_row((const float *)x->data + c * x->stride[0]
			    + r * x->stride[1], x->shape[2], o, o->normalize ?
			    norm : NULL, max, dtype == CF_U16 ?
			    (void *)(yd16 + c * plane + r * x->shape[2]) :
			    (void *)(yd + c * plane + r * x->shape[2]), 1, &low,
			    &high);
			if (stats && stats->channels) {
				stats->low[c] += low;
				stats->high[c] += high;
			}
		}
	}
	return 0;
}

int
cf_convert_to_u8(const struct cf_tensor *x, const struct cf_convert_opts *o,
    struct cf_tensor *y, struct cf_clip_stats *stats)
{
	return to_int(x, o, CF_U8, 255.0, y, stats);
}

int
cf_convert_to_u16(const struct cf_tensor *x, const struct cf_convert_opts *o,
    struct cf_tensor *y, struct cf_clip_stats *stats)
{
	return to_int(x, o, CF_U16, 65535.0, y, stats);
}

int
cf_convert_float(struct cf_tensor *x, const struct cf_convert_opts *o)
{
	size_t c, i;
	double norm[2] = { 0, 0 };
	float f;

	if (x->dtype != CF_F32 || x->ndim != 3 || !x->data)
		return CF_EINVAL;
	for (c = 0; c < x->shape[0]; c++) {
		norm[1] = o->normalize ? channel_range(x, c, o, &norm[0]) : 0;
		/* the same steps as cf_convert_to_u8, minus round and clamp */
		EACH_SAMPLE(x, c, i, f, {
			*at(x, c, i) = cf_convert_sample_float(f, o,
			    o->normalize ? norm : NULL);
		});
	}
	return 0;
}

void
cf_convert_row64(const double *src, size_t n, const struct cf_convert_opts *o,
    uint16_t *dst, size_t step, uint64_t *low, uint64_t *high)
{
	size_t i;
	double v;
	long r;

	for (i = 0; i < n; i++) {
		v = src[i];
		if (o->abs && v < 0)
			v = -v;
		r = cf_convert_pixel_of(v, o, NULL, 65535.0);
		if (r < 0) {
			++*low;
			r = 0;
		} else if (r > 65535) {
			++*high;
			r = 65535;
		}
		dst[i * step] = (uint16_t)r;
	}
}
