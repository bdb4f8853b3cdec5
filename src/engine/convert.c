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

void
cf_convert_range_add(const float *x, size_t n, const struct cf_convert_opts *o,
    double *lo, double *hi)
{
	double v;
	size_t i;

	for (i = 0; i < n; i++) {
		v = cf_convert_value(x[i], o);
		if (isfinite(v)) {
			if (v < *lo)
				*lo = v;
			if (v > *hi)
				*hi = v;
		}
	}
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

long
cf_convert_pixel_of(double v, const struct cf_convert_opts *o,
    const double *norm, double max)
{
	v = v * o->scale + o->bias;
	if (norm)
		v = stretch(v, norm[0], norm[1], max);
	return round_clip(v, max);
}

long
cf_convert_sample(float f, const struct cf_convert_opts *o,
    const double *norm, double max)
{
	double v = cf_convert_value(f, o);

	if (norm)
		v = stretch(v, norm[0], norm[1], max);
	return round_clip(v, max);
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
 * same pixels as round_clip.  rintf rounds to nearest, ties to even;
 * f - rintf(f) is exact (the two are within a factor of two, or the
 * rounding is 0), so a tie rounded down shows as exactly 0.5 and goes
 * up, away from zero (negative ties are clipped anyway).  floor(f + 0.5)
 * would not do: 0.5 - 2^-25 + 0.5 rounds to 1 in float.  At and beyond
 * the ends the value is clamped and counted as round_clip clips it; NaN
 * is 0.
 */
static CF_HOT void
plain8(const float *restrict src, size_t n, uint8_t *restrict d,
    uint64_t *low, uint64_t *high)
{
	uint32_t nl = 0, nh = 0;
	float f, r;
	size_t i;

	for (i = 0; i < n; i++) {
		f = src[i];
		/* to nearest, and a tie (f - r exactly 0.5) away from 0 */
		r = rintf(f);
		r += f - r == 0.5f ? 1.0f : 0.0f;
		r = r < 0.0f ? 0.0f : r;
		r = r > 255.0f ? 255.0f : r;
		r = f == f ? r : 0.0f;		/* NaN */
		nl += f <= -0.5f;
		nh += f >= 255.5f;
		d[i] = (uint8_t)(int32_t)r;
	}
	*low += nl;
	*high += nh;
}

static CF_HOT void
plain16(const float *restrict src, size_t n, uint16_t *restrict d,
    uint64_t *low, uint64_t *high)
{
	uint32_t nl = 0, nh = 0;
	float f, r;
	size_t i;

	for (i = 0; i < n; i++) {
		f = src[i];
		/* to nearest, and a tie (f - r exactly 0.5) away from 0 */
		r = rintf(f);
		r += f - r == 0.5f ? 1.0f : 0.0f;
		r = r < 0.0f ? 0.0f : r;
		r = r > 65535.0f ? 65535.0f : r;
		r = f == f ? r : 0.0f;
		nl += f <= -0.5f;
		nh += f >= 65535.5f;
		d[i] = (uint16_t)(int32_t)r;
	}
	*low += nl;
	*high += nh;
}

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
		if (d16)
			plain16(src, n, d16, low, high);
		else
			plain8(src, n, d8, low, high);
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
