/*
 * pool.h - max and average pooling, PyTorch's max_pool2d and avg_pool2d.
 *
 * Per axis: out = floor((n + 2*pad - k) / stride) + 1 (floor mode), the
 * window of output i starting at i*stride - pad.  Padding is -infinity for
 * max pooling (it never wins) and zero for average pooling, whose divisor
 * is always k_h * k_w (count_include_pad=True, PyTorch's default).  As in
 * PyTorch, pad may be at most k/2, so every window holds an image sample.
 * Max pooling propagates NaN.  Channels are pooled independently.
 */
#ifndef CF_POOL_H
#define CF_POOL_H

#include <stddef.h>

#include "base/tensor.h"

#define CF_POOL_MAX_SIDE 1024		/* k, stride and pad each */

enum cf_pool_kind {
	CF_POOL_MAX,
	CF_POOL_AVG,
};

struct cf_pool_params {
	enum cf_pool_kind kind;
	int kh, kw;			/* >= 1 */
	int stride_h, stride_w;		/* >= 1; the spec's default: k */
	int pad_h, pad_w;		/* 0..k/2 on both sides */
};

/*
 * Parse "maxpool:K[,stride=S][,pad=P]" or "avgpool:..." (K, S, P each N
 * or NYxNX).  Returns 0, CF_ENOENT when spec names no pooling stage, or
 * CF_EINVAL with a message ("maxpool: stride must be 1..1024, got '0'").
 */
int cf_pool_parse(const char *spec, struct cf_pool_params *p, char *errbuf,
    size_t errlen);

/* The output shape [C, H_out, W_out], with the checks of cf_pool2d. */
int cf_pool2d_shape(const size_t *xshape, const struct cf_pool_params *p,
    size_t *yshape, char *errbuf, size_t errlen);

/* y = pool(x): x CF_F32 [C, H, W]; y is initialised here. */
int cf_pool2d(const struct cf_tensor *x, const struct cf_pool_params *p,
    struct cf_tensor *y, char *errbuf, size_t errlen);

#endif
