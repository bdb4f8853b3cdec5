/*
 * conv_ref.c - the naive reference convolution, kept forever.
 *
 * It is the formula of conv.h written out loop by loop, every sample read
 * through cf_pad_index, so that it is obviously right; every faster
 * algorithm is tested against it.  Only the row index is hoisted out of
 * the innermost loop.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/conv.h"

/* Everything one output sample needs, resolved once. */
struct geom {
	const struct cf_tensor *x, *w;
	const struct cf_kernel *k;
	enum cf_pad_mode mode;
	float padv;		/* the value of samples outside the image */
	int flip;
	size_t sh, sw, dh, dw, pt, pl, cg, opg;
};

/* y[o,i,j]: the bias plus the weighted sum over c, m, n (conv.h). */
static double
output(const struct geom *g, size_t o, size_t i, size_t j)
{
	const struct cf_tensor *x = g->x, *w = g->w;
	const float *xd = x->data, *wd = w->data;
	size_t kh = w->shape[2], kw = w->shape[3];
	size_t wo = g->k->depthwise ? 0 : o, c, ci, m, n, mm, nn;
	long r, col;
	double acc = g->k->bias ? g->k->bias[wo] : 0.0;
	float v;

	for (c = 0; c < g->cg; c++) {
		ci = (o / g->opg) * g->cg + c;
		for (m = 0; m < kh; m++) {
			/* cf_conv2d_shape keeps these within long */
			r = cf_pad_index((long)(i * g->sh + m * g->dh) -
			    (long)g->pt, (long)x->shape[1], g->mode);
			mm = g->flip ? kh - 1 - m : m;
			for (n = 0; n < kw; n++) {
				nn = g->flip ? kw - 1 - n : n;
				col = r < 0 ? -1 : cf_pad_index(
				    (long)(j * g->sw + n * g->dw) -
				    (long)g->pl, (long)x->shape[2], g->mode);
				v = g->padv;
				if (col >= 0)
					v = xd[ci * x->stride[0] +
					    (size_t)r * x->stride[1] +
					    (size_t)col * x->stride[2]];
				acc += (double)v * wd[wo * w->stride[0] +
				    c * w->stride[1] + mm * w->stride[2] +
				    nn * w->stride[3]];
			}
		}
	}
	return acc;
}

/* The geometry of k on x with p, for output shape yshape. */
static void
geom_init(struct geom *g_, const struct cf_tensor *x,
    const struct cf_kernel *k, const struct cf_conv_params *p,
    const size_t *yshape)
{
	struct geom g;
	size_t after;

	g.x = x;
	g.w = &k->weight;
	g.k = k;
	g.mode = p->pad_mode;
	g.padv = p->pad_mode == CF_PAD_CONSTANT ? p->pad_value : 0.0f;
	g.flip = p->flip;
	/* all >= 1, checked by cf_conv2d_shape */
	g.sh = (size_t)p->stride_h;
	g.sw = (size_t)p->stride_w;
	g.dh = (size_t)p->dil_h;
	g.dw = (size_t)p->dil_w;
	cf_conv_axis_padding(p, 0, k->weight.shape[2], &g.pt, &after);
	cf_conv_axis_padding(p, 1, k->weight.shape[3], &g.pl, &after);
	/* Depthwise: one input channel per group, the same weights for all. */
	g.cg = k->depthwise ? 1 : k->weight.shape[1];
	g.opg = k->depthwise ? 1 : yshape[0] / (size_t)k->groups;
	*g_ = g;
}

int
cf_conv2d_ref(const struct cf_tensor *x, const struct cf_kernel *k,
    const struct cf_conv_params *p, struct cf_tensor *y, char *errbuf,
    size_t errlen)
{
	struct geom g;
	size_t yshape[3], o, i, j;
	float *yd;
	int err;

	if ((err = cf_tensor_check_input(x, y, errbuf, errlen)))
		return err;
	if ((err = cf_conv2d_shape(x->shape, k, p, yshape, errbuf, errlen)))
		return err;
	if ((err = cf_tensor_init_result(y, yshape, errbuf, errlen)))
		return err;
	geom_init(&g, x, k, p, yshape);
	yd = y->data;
	for (o = 0; o < yshape[0]; o++)
		for (i = 0; i < yshape[1]; i++)
			for (j = 0; j < yshape[2]; j++)
				*yd++ = (float)output(&g, o, i, j);
	return 0;
}

int
cf_conv2d_ref64(const struct cf_tensor *x, const struct cf_kernel *k,
    const struct cf_conv_params *p, double **y, size_t *yshape,
    char *errbuf, size_t errlen)
{
	struct geom g;
	size_t o, i, j, n;
	double *yd;
	int err;

	*y = NULL;
	if ((err = cf_conv2d_shape(x->shape, k, p, yshape, errbuf, errlen)))
		return err;
	n = yshape[0] * yshape[1] * yshape[2];
	if (!(yd = malloc(n * sizeof(*yd)))) {
		snprintf(errbuf, errlen, "out of memory");
		return CF_ENOMEM;
	}
	geom_init(&g, x, k, p, yshape);
	*y = yd;
	for (o = 0; o < yshape[0]; o++)
		for (i = 0; i < yshape[1]; i++)
			for (j = 0; j < yshape[2]; j++)
				*yd++ = output(&g, o, i, j);
	return 0;
}
