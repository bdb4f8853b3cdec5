/*
 * alpha.c - premultiplied alpha, kept alpha and linear light around the
 * filter stages (see alpha.h for the order of the steps).
 *
 * Filtering colour that is not premultiplied mixes in the colour of
 * transparent pixels, which is often black: a blurred logo gets a dark
 * fringe.  Premultiplying weights each colour by its coverage, so
 * transparent pixels contribute nothing, and dividing by the filtered
 * alpha restores straight colour.  That is right for smoothing kernels
 * (all weights >= 0); an edge kernel would filter alpha into a
 * transparent image, so for those alpha is kept as it was.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "engine/alpha.h"
#include "engine/hot.h"

int
cf_alpha_has(size_t channels)
{
	return channels == 2 || channels == 4;
}

/* One kernel with every weight >= 0: a weighted average. */
static int
smoothing(const struct cf_stage *st)
{
	const float *w;
	size_t i, n;

	if (st->kind == CF_STAGE_POOL)
		return st->pool.kind != CF_POOL_MAX;
	if (st->nkernels != 1)
		return 0;
	w = st->k[0].weight.data;
	n = cf_tensor_numel(&st->k[0].weight);
	for (i = 0; i < n; i++)
		if (!(w[i] >= 0))
			return 0;
	return 1;
}

/*
 * Whether a stage mixes neighbouring pixels.  A 1x1 kernel (identity, a
 * scale) cannot make a fringe, and premultiplying would only lose the
 * colour of transparent pixels.
 */
static int
mixes(const struct cf_stage *st)
{
	const struct cf_tensor *w = &st->k[0].weight;

	if (st->kind == CF_STAGE_POOL)
		return st->pool.kh > 1 || st->pool.kw > 1;
	return st->nkernels != 1 || w->shape[2] > 1 || w->shape[3] > 1;
}

/* Whether the chain keeps H and W of shape; 0 on any shape error. */
static int
keeps_size(const struct cf_stage *stages, size_t n,
    const struct cf_conv_params *p, const size_t *shape)
{
	size_t cur[3], next[3], i;
	char err[256];

	memcpy(cur, shape, sizeof(cur));
	for (i = 0; i < n; i++) {
		if (cf_conv_stage_shape(cur, &stages[i], p, next, err,
		    sizeof(err)))
			return 0;
		memcpy(cur, next, sizeof(cur));
	}
	return cur[0] == shape[0] && cur[1] == shape[1] && cur[2] == shape[2];
}

int
cf_alpha_resolve(enum cf_alpha_mode want, const struct cf_stage *stages,
    size_t n, const struct cf_conv_params *p, const size_t *shape,
    enum cf_alpha_mode *mode, char *errbuf, size_t errlen)
{
	size_t colour[3], i;
	int smooth = 1, mix = 0;

	*mode = CF_ALPHA_SEPARATE;
	if (!cf_alpha_has(shape[0]) || want == CF_ALPHA_SEPARATE)
		return 0;
	for (i = 0; i < n; i++) {
		if (stages[i].kind == CF_STAGE_CONV &&
		    !stages[i].k[0].depthwise) {
			if (want == CF_ALPHA_AUTO)
				return 0;
			snprintf(errbuf, errlen, "--alpha: '%s' is a filter "
			    "bank; only depthwise kernels filter alpha "
			    "apart (use --alpha separate)", stages[i].name);
			return CF_EINVAL;
		}
		if (!smoothing(&stages[i]))
			smooth = 0;
		if (mixes(&stages[i]))
			mix = 1;
	}
	/* pointwise chains (no stage, 1x1 kernels) make no fringe */
	if (want == CF_ALPHA_AUTO && !mix)
		return 0;
	if (want == CF_ALPHA_PREMULTIPLY ||
	    (want == CF_ALPHA_AUTO && smooth)) {
		*mode = CF_ALPHA_PREMULTIPLY;
		return 0;
	}
	colour[0] = shape[0] - 1;
	colour[1] = shape[1];
	colour[2] = shape[2];
	if (keeps_size(stages, n, p, colour)) {
		*mode = CF_ALPHA_KEEP;
		return 0;
	}
	if (want == CF_ALPHA_AUTO)
		return 0;
	snprintf(errbuf, errlen, "--alpha keep: the chain changes the image "
	    "size; keep needs stride 1 and same padding");
	return CF_EINVAL;
}

double
cf_srgb_to_linear(double v)
{
	double a = fabs(v);

	a = a <= 0.04045 ? a / 12.92 : pow((a + 0.055) / 1.055, 2.4);
	return v < 0 ? -a : a;
}

double
cf_linear_to_srgb(double v)
{
	double a = fabs(v);

	a = a <= 0.0031308 ? a * 12.92 : 1.055 * pow(a, 1 / 2.4) - 0.055;
	return v < 0 ? -a : a;
}

/* Apply f to the colour planes (all but alpha) of n samples each. */
static void
map_colour(float *const *p, size_t ncolour, size_t n, double max,
    double (*f)(double))
{
	size_t c, i;

	for (c = 0; c < ncolour; c++)
		for (i = 0; i < n; i++)
			if (!isnan(p[c][i]))
				p[c][i] = (float)(f(p[c][i] / max) * max);
}

/* Colour times alpha / max, in double (a colour plane is never the
 * alpha plane): without aliasing, so that it vectorises. */
static CF_HOT void
premultiply(float *restrict c, const float *restrict a, size_t n,
    double max)
{
	size_t i;

	for (i = 0; i < n; i++)
		c[i] = (float)((double)c[i] * a[i] / max);
}

/* Colour times max / alpha, 0 where alpha is not > 0. */
static CF_HOT void
divide(float *restrict c, const float *restrict a, size_t n, double max)
{
	size_t i;
	double d;

	for (i = 0; i < n; i++) {
		d = a[i] > 0 ? a[i] : 1;
		c[i] = a[i] > 0 ? (float)((double)c[i] * max / d) : 0;
	}
}

void
cf_alpha_before_row(float *const *p, size_t nc, size_t n,
    enum cf_alpha_mode mode, int linear, double max)
{
	size_t c, ncolour = cf_alpha_has(nc) ? nc - 1 : nc;
	const float *a = p[nc - 1];

	if (linear)
		map_colour(p, ncolour, n, max, cf_srgb_to_linear);
	if (mode == CF_ALPHA_PREMULTIPLY && cf_alpha_has(nc))
		for (c = 0; c < ncolour; c++)
			premultiply(p[c], a, n, max);
}

void
cf_alpha_after_row(float *const *p, size_t nc, size_t n,
    enum cf_alpha_mode mode, int linear, double max)
{
	size_t c, ncolour = cf_alpha_has(nc) ? nc - 1 : nc;
	const float *a = p[nc - 1];

	if (mode == CF_ALPHA_PREMULTIPLY && cf_alpha_has(nc))
		for (c = 0; c < ncolour; c++)
			divide(p[c], a, n, max);
	if (linear)
		map_colour(p, ncolour, n, max, cf_linear_to_srgb);
}

/* The planes of x as rows of H * W samples. */
static size_t
planes(struct cf_tensor *x, float **p)
{
	size_t c, plane = x->shape[1] * x->shape[2];

	for (c = 0; c < x->shape[0] && c < CF_ALPHA_MAX_PLANES; c++)
		p[c] = (float *)x->data + c * plane;
	return plane;
}

int
cf_alpha_before(struct cf_tensor *x, enum cf_alpha_mode mode, int linear,
    double max, struct cf_tensor *saved)
{
	size_t nc = x->shape[0], plane;
	float *p[CF_ALPHA_MAX_PLANES];
	int err;

	memset(saved, 0, sizeof(*saved));
	if (x->dtype != CF_F32 || x->ndim != 3)
		return CF_EINVAL;
	if (nc > CF_ALPHA_MAX_PLANES) {
		/* a tensor of many channels: linear light on all of them */
		if (linear)
			for (plane = 0; plane < nc; plane++) {
				float *q = (float *)x->data + plane *
				    x->shape[1] * x->shape[2];

				map_colour(&q, 1, x->shape[1] * x->shape[2],
				    max, cf_srgb_to_linear);
			}
		return 0;
	}
	plane = planes(x, p);
	cf_alpha_before_row(p, nc, plane, mode == CF_ALPHA_PREMULTIPLY ?
	    mode : CF_ALPHA_SEPARATE, linear, max);
	if (mode == CF_ALPHA_KEEP && cf_alpha_has(nc)) {
		if ((err = cf_tensor_init(saved, CF_F32, 3,
		    (size_t[]){ 1, x->shape[1], x->shape[2] })))
			return err;
		memcpy(saved->data, p[nc - 1], plane * sizeof(float));
		/* contiguous: dropping the last plane is a shape change */
		x->shape[0]--;
	}
	return 0;
}

int
cf_alpha_after(struct cf_tensor *x, enum cf_alpha_mode mode, int linear,
    double max, struct cf_tensor *saved)
{
	struct cf_tensor y;
	size_t nc, plane = x->shape[1] * x->shape[2], c;
	float *p[CF_ALPHA_MAX_PLANES];
	int err;

	if (mode == CF_ALPHA_KEEP && saved->data) {
		if (saved->shape[1] != x->shape[1] ||
		    saved->shape[2] != x->shape[2]) {
			cf_tensor_release(saved);
			return CF_ESHAPE;
		}
		if ((err = cf_tensor_init(&y, CF_F32, 3, (size_t[]){
		    x->shape[0] + 1, x->shape[1], x->shape[2] }))) {
			cf_tensor_release(saved);
			return err;
		}
		memcpy(y.data, x->data, x->shape[0] * plane * sizeof(float));
		memcpy((float *)y.data + x->shape[0] * plane, saved->data,
		    plane * sizeof(float));
		cf_tensor_release(saved);
		cf_tensor_release(x);
		*x = y;
	}
	nc = x->shape[0];
	if (nc > CF_ALPHA_MAX_PLANES) {
		for (c = 0; linear && c < nc; c++) {
			float *q = (float *)x->data + c * plane;

			map_colour(&q, 1, plane, max, cf_linear_to_srgb);
		}
		return 0;
	}
	planes(x, p);
	cf_alpha_after_row(p, nc, plane, mode, linear, max);
	return 0;
}
