/*
 * conv_transpose.c - the transposed convolution (the adjoint of conv2d),
 * naive and obviously right: every input sample scatters its weighted
 * copies into the output, exactly torch.nn.functional.conv_transpose2d:
 *
 *   y[g*Og + o, i*s + m*d - before, j*s + n*d - left]
 *       += x[g*Cg + c, i, j] * w[g*Cg + c, o, m, n]
 *
 * with the weight in ConvTranspose2d layout [C_in, C_out/groups, KH, KW].
 * Outside samples play no part (zero padding: it is the adjoint), so the
 * pad mode does not apply.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/conv.h"

size_t
cf_conv_transpose_out_size(size_t n, size_t before, size_t after, size_t k,
    size_t d, size_t s, size_t outpad)
{
	size_t full;

	/* full = (n-1)*s + d*(k-1) + 1 + outpad; then crop the padding */
	if (!n || !k || !d || !s)
		return 0;
	if ((n - 1) > (SIZE_MAX / 4) / s || (k - 1) > (SIZE_MAX / 4) / d)
		return 0;
	full = (n - 1) * s + d * (k - 1) + 1 + outpad;
	if (before > full || after >= full - before)
		return 0;
	return full - before - after;
}

int
cf_conv_transpose2d_shape(const size_t *xshape, const struct cf_kernel *k,
    const struct cf_conv_params *p, size_t *yshape, char *errbuf,
    size_t errlen)
{
	const struct cf_tensor *w = &k->weight;
	const size_t *ws = w->shape;
	size_t cin = xshape[0], b[2], a[2], n;
	int ax, s, d, op;

	if (p->stride_h < 1 || p->stride_w < 1 || p->dil_h < 1 ||
	    p->dil_w < 1 || p->outpad_h < 0 || p->outpad_w < 0 ||
	    (p->padding == CF_PADDING_EXPLICIT &&
	    (p->pad_h < 0 || p->pad_w < 0))) {
		snprintf(errbuf, errlen, "invalid stride, dilation or "
		    "padding");
		return CF_EINVAL;
	}
	for (ax = 0; ax < 2; ax++) {
		s = ax ? p->stride_w : p->stride_h;
		d = ax ? p->dil_w : p->dil_h;
		op = ax ? p->outpad_w : p->outpad_h;
		/* PyTorch: output padding must be smaller than either */
		if (op >= s && op >= d) {
			snprintf(errbuf, errlen, "output padding %d must be "
			    "smaller than the stride (%d) or the dilation "
			    "(%d)", op, s, d);
			return CF_EINVAL;
		}
	}
	if (w->dtype != CF_F32 || w->ndim != 4 || !w->data || !ws[0] ||
	    !ws[1] || !ws[2] || !ws[3] || k->groups < 1) {
		snprintf(errbuf, errlen, "kernel weights must be a 4-d float "
		    "tensor");
		return CF_EINVAL;
	}
	if (ws[2] > CF_KERNEL_MAX_SIDE || ws[3] > CF_KERNEL_MAX_SIDE) {
		snprintf(errbuf, errlen, "kernel %zux%zu is too large", ws[2],
		    ws[3]);
		return CF_EOVERFLOW;
	}
	if (!xshape[0] || !xshape[1] || !xshape[2]) {
		snprintf(errbuf, errlen, "image is empty");
		return CF_ESHAPE;
	}
	if (xshape[1] > (size_t)LONG_MAX / 4 || xshape[2] >
	    (size_t)LONG_MAX / 4) {
		snprintf(errbuf, errlen, "image too large");
		return CF_EOVERFLOW;
	}
	if (k->depthwise) {
		yshape[0] = cin;
	} else {
		if (ws[0] != cin) {
			snprintf(errbuf, errlen, "transposed kernel expects "
			    "%zu input channel%s, image has %zu", ws[0],
			    ws[0] == 1 ? "" : "s", cin);
			return CF_ESHAPE;
		}
		if (cin % (size_t)k->groups) {
			snprintf(errbuf, errlen, "%zu input channels are not "
			    "a multiple of %d groups", cin, k->groups);
			return CF_ESHAPE;
		}
		if (cf_size_mul(ws[1], (size_t)k->groups, &yshape[0])) {
			snprintf(errbuf, errlen, "kernel groups too large");
			return CF_EOVERFLOW;
		}
	}
	cf_conv_axis_padding(p, 0, ws[2], &b[0], &a[0]);
	cf_conv_axis_padding(p, 1, ws[3], &b[1], &a[1]);
	yshape[1] = cf_conv_transpose_out_size(xshape[1], b[0], a[0], ws[2],
	    (size_t)p->dil_h, (size_t)p->stride_h, (size_t)p->outpad_h);
	yshape[2] = cf_conv_transpose_out_size(xshape[2], b[1], a[1], ws[3],
	    (size_t)p->dil_w, (size_t)p->stride_w, (size_t)p->outpad_w);
	if (!yshape[1] || !yshape[2]) {
		snprintf(errbuf, errlen, "padding %zux%zu crops the whole "
		    "transposed output", b[0], b[1]);
		return CF_ESHAPE;
	}
	if (cf_size_mul(yshape[1], yshape[2], &n) ||
	    cf_size_mul(n, yshape[0], &n) || n > CF_CONV_MAX_OUTPUT) {
		snprintf(errbuf, errlen, "output %zux%zux%zu is larger than "
		    "the limit of %llu samples", yshape[0], yshape[1],
		    yshape[2], (unsigned long long)CF_CONV_MAX_OUTPUT);
		return CF_EOVERFLOW;
	}
	return 0;
}

/* Add v times the kernel wp to the output plane a, anchored at (i, j). */
static void
scatter(double *a, const size_t *ys, double v, const float *wp,
    const struct cf_tensor *w, const struct cf_conv_params *p, size_t i,
    size_t j, size_t bt, size_t bl)
{
	size_t kh = w->shape[2], kw = w->shape[3], m, n, mm, nn;
	long r, col;

	for (m = 0; m < kh; m++) {
		r = (long)(i * (size_t)p->stride_h + m * (size_t)p->dil_h) -
		    (long)bt;
		if (r < 0 || r >= (long)ys[1])
			continue;	/* cropped by the padding */
		mm = p->flip ? kh - 1 - m : m;
		for (n = 0; n < kw; n++) {
			col = (long)(j * (size_t)p->stride_w +
			    n * (size_t)p->dil_w) - (long)bl;
			if (col < 0 || col >= (long)ys[2])
				continue;
			nn = p->flip ? kw - 1 - n : n;
			a[(size_t)r * ys[2] + (size_t)col] += v *
			    wp[mm * w->stride[2] + nn * w->stride[3]];
		}
	}
}

int
cf_conv_transpose2d(const struct cf_tensor *x, const struct cf_kernel *k,
    const struct cf_conv_params *p, struct cf_tensor *y, char *errbuf,
    size_t errlen)
{
	const struct cf_tensor *w = &k->weight;
	const float *xd = x->data, *wd = w->data;
	size_t ys[3], bt, bl, after, kh, kw, cg, opg, c, o, oo, i, j;
	size_t numel, wc;
	const float *wp;
	double *acc;
	float *yd;
	int err;

	if ((err = cf_tensor_check_input(x, y, errbuf, errlen)))
		return err;
	if ((err = cf_conv_transpose2d_shape(x->shape, k, p, ys, errbuf,
	    errlen)))
		return err;
	if ((err = cf_tensor_init_result(y, ys, errbuf, errlen)))
		return err;
	numel = ys[0] * ys[1] * ys[2];
	if (!(acc = calloc(numel, sizeof(*acc)))) {
		cf_tensor_release(y);
		snprintf(errbuf, errlen, "out of memory");
		return CF_ENOMEM;
	}
	kh = w->shape[2];
	kw = w->shape[3];
	cf_conv_axis_padding(p, 0, kh, &bt, &after);
	cf_conv_axis_padding(p, 1, kw, &bl, &after);
	/* input channels per group, output channels per group */
	cg = k->depthwise ? 1 : x->shape[0] / (size_t)k->groups;
	opg = k->depthwise ? 1 : w->shape[1];
	for (c = 0; c < x->shape[0]; c++) {
		wc = k->depthwise ? 0 : c;
		for (oo = 0; oo < opg; oo++) {
			o = (c / cg) * opg + oo;
			/* the weights w[c, oo, :, :] */
			wp = wd + wc * w->stride[0] +
			    (k->depthwise ? 0 : oo) * w->stride[1];
			for (i = 0; i < x->shape[1]; i++)
				for (j = 0; j < x->shape[2]; j++)
					scatter(acc + o * ys[1] * ys[2], ys,
					    xd[c * x->stride[0] +
					    i * x->stride[1] +
					    j * x->stride[2]], wp, w, p, i, j,
					    bt, bl);
		}
	}
	yd = y->data;
	for (o = 0; o < ys[0]; o++)
		for (i = 0; i < ys[1] * ys[2]; i++)
			yd[o * ys[1] * ys[2] + i] = (float)(acc[o * ys[1] *
			    ys[2] + i] + (k->bias ? k->bias[k->depthwise ? 0 :
			    o] : 0.0));
	free(acc);
	return 0;
}
