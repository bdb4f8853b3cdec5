/*
 * conv_geom.h - the geometry of a convolution stage, written once: the
 * parameters, each axis's padding and output size, the pad-mode index
 * mapping and the checks of parameters, kernels and shapes.  A leaf:
 * every algorithm (conv_ref.c, conv_fast.c, conv_transpose.c, the
 * streaming engine) and the front door (conv.c) call it, it calls none.
 */
#ifndef CF_CONV_GEOM_H
#define CF_CONV_GEOM_H

#include <stddef.h>

#include "base/tensor.h"
#include "kernels/stage.h"

enum cf_pad_mode {
	CF_PAD_ZERO,
	CF_PAD_CONSTANT,	/* pad_value */
	CF_PAD_REPLICATE,	/* edge sample repeats (the default) */
	CF_PAD_REFLECT,		/* mirror, edge not repeated: d c b | a b c d | c b a */
	CF_PAD_SYMMETRIC,	/* mirror, edge repeated: c b a | a b c d | d c b */
	CF_PAD_CIRCULAR,	/* wrap around */
};

enum cf_padding {
	CF_PADDING_SAME,	/* as for stride 1: before = floor(d*(k-1)/2) */
	CF_PADDING_EXPLICIT,	/* pad_h, pad_w on both sides ("valid" = 0) */
	/* the same, but the odd sample of an even span goes before:
	 * before = ceil(d*(k-1)/2), OpenCV's and libvips' anchor at k/2 */
	CF_PADDING_SAME_BEFORE,
};

struct cf_conv_params {
	int stride_h, stride_w;		/* >= 1 */
	int dil_h, dil_w;		/* >= 1 */
	enum cf_padding padding;
	int pad_h, pad_w;		/* CF_PADDING_EXPLICIT only, >= 0 */
	enum cf_pad_mode pad_mode;
	float pad_value;		/* CF_PAD_CONSTANT only */
	int flip;			/* true convolution: kernel rotated 180 */
	/*
	 * Transposed convolution (conv_transpose.c): the weight is then
	 * [C_in, C_out/groups, KH, KW] and the pad mode does not apply.
	 */
	int transpose;
	int outpad_h, outpad_w;		/* transpose only: output padding */
	/* Worker threads for cf_conv2d (conv_fast.c); <= 1 means one.  The
	 * result does not depend on it. */
	int threads;
};

/* The most samples (C_out * H_out * W_out) one convolution may produce;
 * more is CF_EOVERFLOW (huge padding), never an attempt to allocate. */
#define CF_CONV_MAX_OUTPUT (1ULL << 31)

#define CF_CONV_PARAMS_DEFAULT {					\
	.stride_h = 1, .stride_w = 1, .dil_h = 1, .dil_w = 1,		\
	.padding = CF_PADDING_SAME, .pad_mode = CF_PAD_REPLICATE,	\
	.threads = 1,							\
}

/*
 * The padding of one axis for kernel size k and dilation d:
 * same: before = floor(d*(k-1)/2), after = d*(k-1) - before (the extra
 * row/column goes at the bottom/right, as in PyTorch); explicit: p, p.
 */
void cf_conv_axis_padding(const struct cf_conv_params *p, int axis_w,
    size_t k, size_t *before, size_t *after);

/*
 * Output size of one axis, the formula written once:
 *   out = (n + before + after - d*(k-1) - 1) / s + 1
 * Returns 0 when the kernel does not fit (empty output), or on overflow.
 */
size_t cf_conv_out_size(size_t n, size_t before, size_t after, size_t k,
    size_t d, size_t s);

/*
 * Map a possibly out-of-range index i of an axis of length n (n >= 1) to
 * the sample it reads under pad mode m, for any distance from the edge
 * (reflect and symmetric repeat their reflection as numpy.pad does).
 * Returns -1 for zero/constant padding outside the axis.
 */
long cf_pad_index(long i, long n, enum cf_pad_mode m);

/* The output shape [C_out, H_out, W_out] of cf_conv2d, with the same
 * checks and messages, without computing anything. */
int cf_conv2d_shape(const size_t *xshape, const struct cf_kernel *k,
    const struct cf_conv_params *p, size_t *yshape, char *errbuf,
    size_t errlen);

/*
 * Transposed convolution, torch.nn.functional.conv_transpose2d.  Per axis
 * the output size is, the formula written once,
 *   out = (n - 1)*s + d*(k - 1) + 1 + outpad - before - after
 * which is PyTorch's (n-1)*s - 2p + d*(k-1) + outpad + 1 for explicit
 * padding p; for "same", before and after are those of the forward conv
 * (before = floor(d*(k-1)/2), after = the rest), so stride 1 keeps the
 * size and stride s gives (n-1)*s + 1 + outpad.  Returns 0 when the
 * padding crops everything or on overflow.
 */
size_t cf_conv_transpose_out_size(size_t n, size_t before, size_t after,
    size_t k, size_t d, size_t s, size_t outpad);
int cf_conv_transpose2d_shape(const size_t *xshape,
    const struct cf_kernel *k, const struct cf_conv_params *p,
    size_t *yshape, char *errbuf, size_t errlen);
/* The output shape of a whole stage: conv, transposed conv or pooling. */
int cf_conv_stage_shape(const size_t *xshape, const struct cf_stage *st,
    const struct cf_conv_params *p, size_t *yshape, char *errbuf,
    size_t errlen);

/* The output shape [C, H_out, W_out] of pooling x with p, with the
 * checks of cf_pool2d (pool.c). */
int cf_pool2d_shape(const size_t *xshape, const struct cf_pool_params *p,
    size_t *yshape, char *errbuf, size_t errlen);

#endif
