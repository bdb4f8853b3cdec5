/*
 * draw.c - kernels as pictures (draw.h): measure every stage's grid of
 * tiles, then paint each weight's square.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "base/err.h"
#include "kernels/draw.h"

/* One stage's layout: F filters of ci input channels, kh x kw. */
struct layout {
	size_t f, ci, kh, kw;
	int rgb;		/* ci == 3: one colour tile per filter */
	size_t tw, th;		/* a tile in pixels */
	size_t cols, rows;
	size_t w, h;		/* the stage's grid */
	double m;		/* the largest |weight| */
	int signed_;		/* a weight < 0 */
};

static float
weight(const struct cf_kernel *k, size_t o, size_t c, size_t y, size_t x)
{
	const struct cf_tensor *t = &k->weight;

	return ((const float *)t->data)[o * t->stride[0] + c * t->stride[1] +
	    y * t->stride[2] + x * t->stride[3]];
}

/* The filter index i of the stage as kernel and output channel. */
static const struct cf_kernel *
filter(const struct cf_stage *st, size_t i, size_t *o)
{
	size_t per = st->k[0].weight.shape[0];

	*o = i % per;
	return &st->k[i / per];
}

static int
measure(const struct cf_stage *st, size_t scale, struct layout *l)
{
	const struct cf_kernel *k;
	size_t i, o, c, y, x, n;
	float w;

	memset(l, 0, sizeof(*l));
	l->f = st->k[0].weight.shape[0] * (size_t)st->nkernels;
	l->ci = st->k[0].weight.shape[1];
	l->kh = st->k[0].weight.shape[2];
	l->kw = st->k[0].weight.shape[3];
	l->rgb = l->ci == 3;
	n = l->rgb ? 1 : l->ci;
	if (l->kh > CF_DRAW_MAX_SIDE / scale || l->kw > CF_DRAW_MAX_SIDE /
	    scale || n > CF_DRAW_MAX_SIDE / (l->kw * scale + 1))
		return CF_EOVERFLOW;
	l->tw = n * l->kw * scale + n - 1;
	l->th = l->kh * scale;
	l->cols = (size_t)sqrt((double)l->f);
	while (l->cols * l->cols < l->f)
		l->cols++;
	l->rows = (l->f + l->cols - 1) / l->cols;
	if (l->cols > CF_DRAW_MAX_SIDE / (l->tw + 1) ||
	    l->rows > CF_DRAW_MAX_SIDE / (l->th + 1))
		return CF_EOVERFLOW;
	l->w = l->cols * l->tw + l->cols - 1;
	l->h = l->rows * l->th + l->rows - 1;
	for (i = 0; i < l->f; i++) {
		k = filter(st, i, &o);
		for (c = 0; c < l->ci; c++)
			for (y = 0; y < l->kh; y++)
				for (x = 0; x < l->kw; x++) {
					w = weight(k, o, c, y, x);
					if (!isfinite(w))
						continue;
					l->signed_ |= w < 0;
					if (fabs(w) > l->m)
						l->m = fabs(w);
				}
	}
	return 0;
}

static unsigned char
level(double v)
{
	v = round(v);
	return (unsigned char)(v < 0 ? 0 : v > 255 ? 255 : v);
}

/* The colour of weight w alone (a gray or diverging tile). */
static void
colour(const struct layout *l, float w, unsigned char *rgb)
{
	double t = l->m > 0 && isfinite(w) ? w / l->m : 0;

	if (!l->signed_) {
		rgb[0] = rgb[1] = rgb[2] = level(255 * t);
		return;
	}
	/* blue - white - red */
	if (t < 0) {
		rgb[0] = rgb[1] = level(255 * (1 + t));
		rgb[2] = 255;
	} else {
		rgb[0] = 255;
		rgb[1] = rgb[2] = level(255 * (1 - t));
	}
}

/* A square of scale pixels at (y0, x0) in the [3, H, W] picture. */
static void
square(struct cf_tensor *img, size_t y0, size_t x0, size_t scale,
    const unsigned char *rgb)
{
	unsigned char *d = img->data;
	size_t c, y, plane = img->shape[1] * img->shape[2];

	for (c = 0; c < 3; c++)
		for (y = y0; y < y0 + scale; y++)
			memset(d + c * plane + y * img->shape[2] + x0, rgb[c],
			    scale);
}

static void
paint(const struct cf_stage *st, const struct layout *l, size_t scale,
    size_t top, struct cf_tensor *img)
{
	const struct cf_kernel *k;
	unsigned char rgb[3];
	size_t i, o, c, y, x, ty, tx, q;
	double t;

	for (i = 0; i < l->f; i++) {
		k = filter(st, i, &o);
		ty = top + i / l->cols * (l->th + 1);
		tx = i % l->cols * (l->tw + 1);
		for (y = 0; y < l->kh; y++)
			for (x = 0; x < l->kw; x++) {
				if (l->rgb) {
					for (q = 0; q < 3; q++) {
						t = weight(k, o, q, y, x);
						t = isfinite(t) && l->m > 0 ?
						    t / l->m : 0;
						rgb[q] = level(l->signed_ ?
						    127.5 + 127.5 * t : 255 * t);
					}
					square(img, ty + y * scale, tx + x *
					    scale, scale, rgb);
					continue;
				}
				for (c = 0; c < l->ci; c++) {
					colour(l, weight(k, o, c, y, x), rgb);
					square(img, ty + y * scale, tx + c *
					    (l->kw * scale + 1) + x * scale,
					    scale, rgb);
				}
			}
	}
}

int
cf_kernel_draw(const struct cf_stage *stages, size_t n, int scale,
    struct cf_tensor *img, char *errbuf, size_t errlen)
{
	struct layout l;
	size_t i, shape[3] = { 3, 0, 0 }, top;
	int err, any = 0;

	memset(img, 0, sizeof(*img));
	if (scale < 1) {
		snprintf(errbuf, errlen, "the scale must be at least 1");
		return CF_EINVAL;
	}
	/* measure: the widest stage, the stages' heights */
	for (i = 0; i < n; i++) {
		if (stages[i].kind != CF_STAGE_CONV)
			continue;
		if ((err = measure(&stages[i], (size_t)scale, &l)))
			goto big;
		if (l.w > shape[2])
			shape[2] = l.w;
		shape[1] += l.h + (any ? 1 : 0);
		any = 1;
		if (shape[1] > CF_DRAW_MAX_SIDE)
			goto big;
	}
	if (!any) {
		snprintf(errbuf, errlen, "no kernel to draw (pooling has no "
		    "weights)");
		return CF_EINVAL;
	}
	if ((err = cf_tensor_init(img, CF_U8, 3, shape))) {
		snprintf(errbuf, errlen, "out of memory");
		return err;
	}
	memset(img->data, CF_DRAW_GAP, 3 * shape[1] * shape[2]);
	for (top = 0, i = 0; i < n; i++) {
		if (stages[i].kind != CF_STAGE_CONV)
			continue;
		measure(&stages[i], (size_t)scale, &l);
		paint(&stages[i], &l, (size_t)scale, top, img);
		top += l.h + 1;
	}
	return 0;
big:
	snprintf(errbuf, errlen, "the picture would be larger than %dx%d "
	    "(use a smaller --kernel-image-scale)", CF_DRAW_MAX_SIDE,
	    CF_DRAW_MAX_SIDE);
	return CF_EOVERFLOW;
}
