/*
 * conv_geom.c - the geometry of a stage, written once: padding, output
 * sizes, the pad-mode index mapping and every parameter, kernel and
 * shape check, for forward and transposed convolution and pooling.  A
 * leaf (conv_geom.h).
 */
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "engine/conv_geom.h"

void
cf_conv_axis_padding(const struct cf_conv_params *p, int axis_w, size_t k,
    size_t *before, size_t *after)
{
	size_t d = (size_t)(axis_w ? p->dil_w : p->dil_h);
	int pad = axis_w ? p->pad_w : p->pad_h;
	size_t span;

	if (p->padding == CF_PADDING_EXPLICIT) {
		*before = *after = pad > 0 ? (size_t)pad : 0;
		return;
	}
	/* Saturate rather than wrap; cf_conv2d_shape reports the overflow. */
	if (k == 0 || d == 0)
		span = 0;
	else if (cf_size_mul(d, k - 1, &span))
		span = SIZE_MAX;
	*before = span / 2;
	*after = span - span / 2;
	if (p->padding == CF_PADDING_SAME_BEFORE) {
		*after = span / 2;
		*before = span - span / 2;
	}
}

size_t
cf_conv_out_size(size_t n, size_t before, size_t after, size_t k, size_t d,
    size_t s)
{
	size_t padded, span;

	if (k == 0 || d == 0 || s == 0)
		return 0;
	if (before > SIZE_MAX - n || after > SIZE_MAX - n - before)
		return 0;
	padded = n + before + after;
	/* span = d*(k-1) + 1, the extent the kernel covers */
	if (cf_size_mul(d, k - 1, &span) || span == SIZE_MAX)
		return 0;
	span++;
	if (span > padded)
		return 0;
	return (padded - span) / s + 1;
}

/* i mod p in [0, p) for any i, without signed overflow. */
static unsigned long
umod(long i, unsigned long p)
{
	unsigned long a;

	if (i >= 0)
		return (unsigned long)i % p;
	a = (0UL - (unsigned long)i) % p;
	return a ? p - a : 0;
}

long
cf_pad_index(long i, long n, enum cf_pad_mode m)
{
	unsigned long p, r;

	if (n < 1)
		return -1;
	if (i >= 0 && i < n)
		return i;
	/*
	 * Far from the edge every mode is periodic, so one modulo gives the
	 * sample for any padding size: reflect has period 2(n-1), symmetric
	 * 2n, circular n (what numpy.pad gives for equal pad widths).
	 */
	switch (m) {
	case CF_PAD_ZERO:
	case CF_PAD_CONSTANT:
		return -1;
	case CF_PAD_REPLICATE:
		return i < 0 ? 0 : n - 1;
	case CF_PAD_REFLECT:
		if (n == 1)
			return 0;
		p = 2 * ((unsigned long)n - 1);
		r = umod(i, p);
		return (long)(r < (unsigned long)n ? r : p - r);
	case CF_PAD_SYMMETRIC:
		p = 2 * (unsigned long)n;
		r = umod(i, p);
		return (long)(r < (unsigned long)n ? r : p - 1 - r);
	case CF_PAD_CIRCULAR:
		return (long)umod(i, (unsigned long)n);
	}
	return -1;
}

static int
check_params(const struct cf_conv_params *p, char *errbuf, size_t errlen)
{
	if (p->stride_h < 1 || p->stride_w < 1) {
		snprintf(errbuf, errlen, "stride must be at least 1, got %dx%d",
		    p->stride_h, p->stride_w);
		return CF_EINVAL;
	}
	if (p->dil_h < 1 || p->dil_w < 1) {
		snprintf(errbuf, errlen,
		    "dilation must be at least 1, got %dx%d", p->dil_h,
		    p->dil_w);
		return CF_EINVAL;
	}
	if (p->padding != CF_PADDING_SAME &&
	    p->padding != CF_PADDING_EXPLICIT &&
	    p->padding != CF_PADDING_SAME_BEFORE) {
		snprintf(errbuf, errlen, "unknown padding %d", (int)p->padding);
		return CF_EINVAL;
	}
	if (p->padding == CF_PADDING_EXPLICIT &&
	    (p->pad_h < 0 || p->pad_w < 0)) {
		snprintf(errbuf, errlen,
		    "padding must not be negative, got %dx%d", p->pad_h,
		    p->pad_w);
		return CF_EINVAL;
	}
	if ((unsigned)p->pad_mode > CF_PAD_CIRCULAR) {
		snprintf(errbuf, errlen, "unknown pad mode %d",
		    (int)p->pad_mode);
		return CF_EINVAL;
	}
	if (p->pad_mode == CF_PAD_CONSTANT && !isfinite(p->pad_value)) {
		snprintf(errbuf, errlen, "pad value must be a finite number");
		return CF_EINVAL;
	}
	return 0;
}

static int
check_kernel(const struct cf_kernel *k, char *errbuf, size_t errlen)
{
	const struct cf_tensor *w = &k->weight;
	int i;

	if (w->dtype != CF_F32 || w->ndim != 4 || !w->data) {
		snprintf(errbuf, errlen, "kernel weights must be a 4-d float "
		    "tensor");
		return CF_EINVAL;
	}
	for (i = 0; i < 4; i++)
		if (w->shape[i] == 0) {
			snprintf(errbuf, errlen, "kernel has an empty axis");
			return CF_EINVAL;
		}
	if (w->shape[2] > CF_KERNEL_MAX_SIDE ||
	    w->shape[3] > CF_KERNEL_MAX_SIDE) {
		snprintf(errbuf, errlen, "kernel %zux%zu is larger than "
		    "%dx%d", w->shape[2], w->shape[3], CF_KERNEL_MAX_SIDE,
		    CF_KERNEL_MAX_SIDE);
		return CF_EOVERFLOW;
	}
	if (k->depthwise && (w->shape[0] != 1 || w->shape[1] != 1)) {
		snprintf(errbuf, errlen, "a depthwise kernel must have one "
		    "input and one output channel");
		return CF_EINVAL;
	}
	if (k->groups < 1) {
		snprintf(errbuf, errlen, "groups must be at least 1, got %d",
		    k->groups);
		return CF_EINVAL;
	}
	return 0;
}

/* The padded extent of one axis, or an overflow error. */
static int
axis_shape(const struct cf_conv_params *p, int axis_w, size_t n, size_t k,
    size_t *out, size_t *padded)
{
	size_t before, after, d, span;

	d = (size_t)(axis_w ? p->dil_w : p->dil_h);
	cf_conv_axis_padding(p, axis_w, k, &before, &after);
	/* The inner loops index in long: keep every extent within it. */
	if (cf_size_mul(d, k - 1, &span) || span >= (size_t)LONG_MAX ||
	    before > (size_t)LONG_MAX / 4 || after > (size_t)LONG_MAX / 4 ||
	    n > (size_t)LONG_MAX / 4)
		return CF_EOVERFLOW;
	*padded = n + before + after;
	*out = cf_conv_out_size(n, before, after, k, d,
	    (size_t)(axis_w ? p->stride_w : p->stride_h));
	return 0;
}

int
cf_conv2d_shape(const size_t *xshape, const struct cf_kernel *k,
    const struct cf_conv_params *p, size_t *yshape, char *errbuf,
    size_t errlen)
{
	const size_t *ws = k->weight.shape;
	size_t cin = xshape[0], cout, expect, ph, pw, n;
	int err;

	if (p->transpose)
		return cf_conv_transpose2d_shape(xshape, k, p, yshape, errbuf,
		    errlen);
	if ((err = check_params(p, errbuf, errlen)) ||
	    (err = check_kernel(k, errbuf, errlen)))
		return err;
	if (xshape[0] == 0 || xshape[1] == 0 || xshape[2] == 0) {
		snprintf(errbuf, errlen, "image is empty");
		return CF_ESHAPE;
	}
	if (k->depthwise) {
		cout = cin;
	} else {
		cout = ws[0];
		if (cf_size_mul(ws[1], (size_t)k->groups, &expect)) {
			snprintf(errbuf, errlen, "kernel groups too large");
			return CF_EOVERFLOW;
		}
		if (expect != cin) {
			snprintf(errbuf, errlen, "kernel expects %zu input "
			    "channel%s, image has %zu", expect,
			    expect == 1 ? "" : "s", cin);
			return CF_ESHAPE;
		}
		if (cout % (size_t)k->groups) {
			snprintf(errbuf, errlen, "kernel has %zu output "
			    "channels, not a multiple of %d groups", cout,
			    k->groups);
			return CF_ESHAPE;
		}
	}
	if (axis_shape(p, 0, xshape[1], ws[2], &yshape[1], &ph) ||
	    axis_shape(p, 1, xshape[2], ws[3], &yshape[2], &pw)) {
		snprintf(errbuf, errlen, "padding or dilation too large");
		return CF_EOVERFLOW;
	}
	if (yshape[1] == 0 || yshape[2] == 0) {
		snprintf(errbuf, errlen, "kernel %zux%zu (dilation %dx%d) "
		    "does not fit the padded input %zux%zu", ws[2], ws[3],
		    p->dil_h, p->dil_w, ph, pw);
		return CF_ESHAPE;
	}
	yshape[0] = cout;
	if (cf_size_mul(yshape[1], yshape[2], &n) ||
	    cf_size_mul(n, cout, &n) || n > CF_CONV_MAX_OUTPUT) {
		snprintf(errbuf, errlen, "output %zux%zux%zu is larger than "
		    "the limit of %llu samples", yshape[0], yshape[1],
		    yshape[2], (unsigned long long)CF_CONV_MAX_OUTPUT);
		return CF_EOVERFLOW;
	}
	return 0;
}

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
	const size_t *ws = k->weight.shape;
	size_t cin = xshape[0], b[2], a[2], n;
	int ax, s, d, op, err;

	if ((err = check_params(p, errbuf, errlen)) ||
	    (err = check_kernel(k, errbuf, errlen)))
		return err;
	if (p->outpad_h < 0 || p->outpad_w < 0) {
		snprintf(errbuf, errlen, "output padding must not be "
		    "negative, got %dx%d", p->outpad_h, p->outpad_w);
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

int
cf_pool2d_shape(const size_t *xshape, const struct cf_pool_params *p,
    size_t *yshape, char *errbuf, size_t errlen)
{
	size_t ph, pw;

	if (p->kh < 1 || p->kw < 1 || p->stride_h < 1 || p->stride_w < 1 ||
	    p->pad_h < 0 || p->pad_w < 0 || 2 * p->pad_h > p->kh ||
	    2 * p->pad_w > p->kw || p->kh > CF_POOL_MAX_SIDE ||
	    p->kw > CF_POOL_MAX_SIDE) {
		snprintf(errbuf, errlen, "invalid pooling parameters");
		return CF_EINVAL;
	}
	if (!xshape[0] || !xshape[1] || !xshape[2]) {
		snprintf(errbuf, errlen, "image is empty");
		return CF_ESHAPE;
	}
	ph = xshape[1] + 2 * (size_t)p->pad_h;
	pw = xshape[2] + 2 * (size_t)p->pad_w;
	if ((size_t)p->kh > ph || (size_t)p->kw > pw) {
		snprintf(errbuf, errlen, "pooling window %dx%d does not fit "
		    "the padded input %zux%zu", p->kh, p->kw, ph, pw);
		return CF_ESHAPE;
	}
	yshape[0] = xshape[0];
	/* floor mode: out = floor((n + 2p - k) / s) + 1 */
	yshape[1] = (ph - (size_t)p->kh) / (size_t)p->stride_h + 1;
	yshape[2] = (pw - (size_t)p->kw) / (size_t)p->stride_w + 1;
	return 0;
}

int
cf_conv_stage_shape(const size_t *xshape, const struct cf_stage *st,
    const struct cf_conv_params *p, size_t *yshape, char *errbuf,
    size_t errlen)
{
	if (st->kind == CF_STAGE_POOL)
		return cf_pool2d_shape(xshape, &st->pool, yshape, errbuf,
		    errlen);
	if (st->nkernels < 1 || st->nkernels > 2) {
		snprintf(errbuf, errlen, "a stage has 1 or 2 kernels, not %d",
		    st->nkernels);
		return CF_EINVAL;
	}
	return cf_conv2d_shape(xshape, &st->k[0], p, yshape, errbuf, errlen);
}
