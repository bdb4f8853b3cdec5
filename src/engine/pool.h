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
#include "kernels/stage.h"

/* y = pool(x): x CF_F32 [C, H, W]; y is initialised here. */
int cf_pool2d(const struct cf_tensor *x, const struct cf_pool_params *p,
    struct cf_tensor *y, char *errbuf, size_t errlen);

/* The same before the rounding to float: *y is a new array of doubles
 * (freed by the caller) of shape ys. */
int cf_pool2d64(const struct cf_tensor *x, const struct cf_pool_params *p,
    double **y, size_t *ys, char *errbuf, size_t errlen);

#endif
