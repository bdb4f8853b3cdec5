/*
 * convert.c - float results to 8-bit pixels, the one lossy step.
 *
 * Everything is done in double on the float sample, so the 8-bit value is
 * the correctly rounded value of the float result (round() ties away from
 * zero); see convert.h for the order of the steps.
 */
#include <math.h>
#include <string.h>

#include "convert.h"

/* Sample (c, i) of a [C, H, W] tensor with any strides; i is row-major. */
static double
sample(const struct cf_tensor *x, size_t c, size_t i)
{
	const float *d = x->data;
	size_t r = i / x->shape[2], col = i % x->shape[2];

	return d[c * x->stride[0] + r * x->stride[1] + col * x->stride[2]];
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
	double v, lo, hi, range;
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
		lo = INFINITY;
		hi = -INFINITY;
		/* min and max after abs, scale and bias; NaN takes no part */
		if (o->normalize)
			for (i = 0; i < plane; i++) {
				v = cf_convert_value(sample(x, c, i), o);
				if (!isfinite(v))
					continue;
				if (v < lo)
					lo = v;
				if (v > hi)
					hi = v;
			}
		range = hi - lo;
		for (i = 0; i < plane; i++) {
			v = cf_convert_value(sample(x, c, i), o);
			if (o->normalize) {
				/* a constant channel has nothing to stretch */
				if (!(range > 0))
					v = isnan(v) ? v : 0.0;
				else
					v = (v - lo) * max / range;
			}
			if (isnan(v))
				v = 0;
			v = round(v);
			if (v < 0) {
				if (stats && stats->channels)
					stats->low[c]++;
				v = 0;
			} else if (v > max) {
				if (stats && stats->channels)
					stats->high[c]++;
				v = max;
			}
			if (dtype == CF_U16)
				yd16[c * plane + i] = (uint16_t)v;
			else
				yd[c * plane + i] = (uint8_t)v;
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
	float *d;
	size_t c, i, plane;
	double v, lo, hi, range;

	if (x->dtype != CF_F32 || x->ndim != 3 || !x->data)
		return CF_EINVAL;
	d = x->data;
	plane = x->shape[1] * x->shape[2];
	for (c = 0; c < x->shape[0]; c++) {
		lo = INFINITY;
		hi = -INFINITY;
		for (i = 0; i < plane; i++) {
			v = cf_convert_value(sample(x, c, i), o);
			if (o->normalize && isfinite(v)) {
				if (v < lo)
					lo = v;
				if (v > hi)
					hi = v;
			}
		}
		range = hi - lo;
		/* the same steps as cf_convert_to_u8, minus round and clamp */
		for (i = 0; i < plane; i++) {
			v = cf_convert_value(sample(x, c, i), o);
			if (o->normalize)
				v = !(range > 0) ? (isnan(v) ? v : 0.0) :
				    (v - lo) * 255.0 / range;
			d[c * x->stride[0] + i / x->shape[2] * x->stride[1] +
			    i % x->shape[2] * x->stride[2]] = (float)v;
		}
	}
	return 0;
}
