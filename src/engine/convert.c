/*
 * convert.c - float results to 8-bit pixels, the one lossy step.
 *
 * Everything is done in double on the float sample, so the 8-bit value is
 * the correctly rounded value of the float result (round() ties away from
 * zero); see convert.h for the order of the steps.
 */
#include <math.h>
#include <string.h>

#include "engine/convert.h"

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
 * Run body for every sample v of channel c after abs, scale and bias, in
 * row-major order, with i the index within the channel.  Walks rows so
 * that no division is needed per sample.
 */
#define EACH_SAMPLE(x, c, o, i, v, body) do {				\
	size_t r_, k_;							\
	const float *row_;						\
	for (r_ = 0, (i) = 0; r_ < (x)->shape[1]; r_++) {		\
		row_ = (const float *)(x)->data + (c) * (x)->stride[0] +	\
		    r_ * (x)->stride[1];				\
		for (k_ = 0; k_ < (x)->shape[2]; k_++, (i)++) {		\
			(v) = cf_convert_value(row_[k_ * (x)->stride[2]],	\
			    (o));					\
			body						\
		}							\
	}								\
} while (0)

/*
 * The --normalize range of channel c: min and max after abs, scale and
 * bias, NaN and infinities taking no part.  Returns max - min (not > 0
 * for a constant channel, which then has nothing to stretch).
 */
static double
channel_range(const struct cf_tensor *x, size_t c,
    const struct cf_convert_opts *o, double *lo)
{
	double v, hi = -INFINITY;
	size_t i;

	*lo = INFINITY;
	EACH_SAMPLE(x, c, o, i, v, {
		if (isfinite(v)) {
			if (v < *lo)
				*lo = v;
			if (v > hi)
				hi = v;
		}
	});
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
 * v rounded half away from zero, -1 when that is below 0 and max + 1 when
 * above max; NaN is 0.  round() without the libm call: in range,
 * v - trunc(v) is exact; the rounded value is below 0 iff v <= -0.5 and
 * above max iff v >= max + 0.5.
 */
static long
round_clip(double v, double max)
{
	long r;

	if (isnan(v))
		return 0;
	if (v <= -0.5)
		return -1;
	if (v >= max + 0.5)
		return (long)max + 1;
	r = (long)v;
	return r + (v - (double)r >= 0.5);
}

long
cf_convert_pixel(float f, const struct cf_convert_opts *o, double max)
{
	return round_clip(cf_convert_value(f, o), max);
}

/* The conversion to integer samples 0..max of dtype (CF_U8 or CF_U16). */
static int
to_int(const struct cf_tensor *x, const struct cf_convert_opts *o,
    enum cf_dtype dtype, double max, struct cf_tensor *y,
    struct cf_clip_stats *stats)
{
	uint8_t *yd;
	uint16_t *yd16;
	size_t c, i, plane;
	double v, lo = 0, range;
	long r;
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
		range = o->normalize ? channel_range(x, c, o, &lo) : 0;
		EACH_SAMPLE(x, c, o, i, v, {
			if (o->normalize)
				v = stretch(v, lo, range, max);
			r = round_clip(v, max);
			if (r < 0) {
				if (stats && stats->channels)
					stats->low[c]++;
				r = 0;
			} else if (r > (long)max) {
				if (stats && stats->channels)
					stats->high[c]++;
				r = (long)max;
			}
			if (dtype == CF_U16)
				yd16[c * plane + i] = (uint16_t)r;
			else
				yd[c * plane + i] = (uint8_t)r;
		});
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
	double v, lo = 0, range;

	if (x->dtype != CF_F32 || x->ndim != 3 || !x->data)
		return CF_EINVAL;
	for (c = 0; c < x->shape[0]; c++) {
		range = o->normalize ? channel_range(x, c, o, &lo) : 0;
		/* the same steps as cf_convert_to_u8, minus round and clamp */
		EACH_SAMPLE(x, c, o, i, v, {
			if (o->normalize)
				v = stretch(v, lo, range, 255.0);
			*at(x, c, i) = (float)v;
		});
	}
	return 0;
}
