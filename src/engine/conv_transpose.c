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

/* The sums of the output [ys] into acc, then the bias added: the
 * result before its rounding to float. */
static void
transpose_sums(const struct cf_tensor *x, const struct cf_kernel *k,
    const struct cf_conv_params *p, const size_t *ys, double *acc)
{
	const struct cf_tensor *w = &k->weight;
	const float *xd = x->data, *wd = w->data;
	size_t bt, bl, after, kh, kw, cg, opg, c, o, oo, i, j, wc;
	const float *wp;

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
	for (o = 0; o < ys[0]; o++)
		for (i = 0; i < ys[1] * ys[2]; i++)
			acc[o * ys[1] * ys[2] + i] += k->bias ?
			    k->bias[k->depthwise ? 0 : o] : 0.0;
}

int
cf_conv_transpose2d(const struct cf_tensor *x, const struct cf_kernel *k,
    const struct cf_conv_params *p, struct cf_tensor *y, char *errbuf,
    size_t errlen)
{
	size_t ys[3], numel, i;
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
	transpose_sums(x, k, p, ys, acc);
	yd = y->data;
	for (i = 0; i < numel; i++)
		yd[i] = (float)acc[i];
	free(acc);
	return 0;
}

int
cf_conv_transpose2d64(const struct cf_tensor *x, const struct cf_kernel *k,
    const struct cf_conv_params *p, double **y, size_t *ys, char *errbuf,
    size_t errlen)
{
	int err;

	*y = NULL;
	if ((err = cf_conv_transpose2d_shape(x->shape, k, p, ys, errbuf,
	    errlen)))
		return err;
	if (!(*y = calloc(ys[0] * ys[1] * ys[2], sizeof(**y)))) {
		snprintf(errbuf, errlen, "out of memory");
		return CF_ENOMEM;
	}
	transpose_sums(x, k, p, ys, *y);
	return 0;
}
