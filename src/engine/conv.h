/*
 * conv.h - the convolution engine's front door.
 *
 * Exactly torch.nn.functional.conv2d (cross-correlation):
 *
 *   y[o,i,j] = b[o] + sum_{c,m,n} x[g(o)*Cg + c, i*sh + m*dh - pt,
 *                                   j*sw + n*dw - pl] * w[o,c,m,n]
 *
 * with channels split into groups (Cg = C_in/groups input channels and
 * C_out/groups output channels per group) and the out-of-image samples
 * given by the pad mode.  Accumulation is in double; results are float.
 */
#ifndef CF_CONV_H
#define CF_CONV_H

#include "base/tensor.h"
#include "engine/conv_geom.h"
#include "kernels/stage.h"

/*
 * y = conv(x, k) with params p.  x is CF_F32 [C, H, W]; y is initialised
 * here as CF_F32 [C_out, H_out, W_out] (ask cf_conv2d_shape first to know
 * it).  Returns CF_ESHAPE with a message when channels do not match the
 * kernel or the output would be empty, CF_EINVAL for bad params.
 */
int cf_conv2d(const struct cf_tensor *x, const struct cf_kernel *k,
    const struct cf_conv_params *p, struct cf_tensor *y, char *errbuf,
    size_t errlen);

/* Run a whole stage (one kernel, or the magnitude of two). */
int cf_conv_stage(const struct cf_tensor *x, const struct cf_stage *st,
    const struct cf_conv_params *p, struct cf_tensor *y, char *errbuf,
    size_t errlen);

/* Transposed convolution, torch.nn.functional.conv_transpose2d
 * (conv_transpose.c); the output size is conv_geom.h's. */
int cf_conv_transpose2d(const struct cf_tensor *x, const struct cf_kernel *k,
    const struct cf_conv_params *p, struct cf_tensor *y, char *errbuf,
    size_t errlen);

/*
 * The fast engine (conv_fast.c): the bands of conv_band.c over whole
 * planes in p->threads threads, two 1-D passes for exactly rank-1
 * depthwise kernels when allow_separable.  Same contract and the same
 * float results, bit for bit, as cf_conv2d_ref.  cf_conv2d uses it.
 */
int cf_conv2d_fast(const struct cf_tensor *x, const struct cf_kernel *k,
    const struct cf_conv_params *p, int allow_separable,
    struct cf_tensor *y, char *errbuf, size_t errlen);

/*
 * The 64-bit forms, for 16-bit output (filter.h): the result before its
 * rounding to float, as a new array of doubles *y (freed by the caller)
 * of shape yshape.  cf_conv2d_ref64 is cf_conv2d_ref's double sum (every
 * exact engine's: conv_band.c sums in the same order),
 * cf_conv_transpose2d64 the scatter's sums plus the bias, and
 * cf_conv_stage64 a stage: one kernel, sqrt(a^2 + b^2) of two in double,
 * or pooling (pool.h).
 */
int cf_conv2d_ref64(const struct cf_tensor *x, const struct cf_kernel *k,
    const struct cf_conv_params *p, double **y, size_t *yshape,
    char *errbuf, size_t errlen);
int cf_conv_transpose2d64(const struct cf_tensor *x, const struct cf_kernel *k,
    const struct cf_conv_params *p, double **y, size_t *yshape, char *errbuf,
    size_t errlen);
int cf_conv_stage64(const struct cf_tensor *x, const struct cf_stage *st,
    const struct cf_conv_params *p, double **y, size_t *yshape, char *errbuf,
    size_t errlen);

/* a[i] = sqrt(a[i]^2 + b[i]^2) in double, rounded to float, for i < n,
 * in up to threads threads (the gradient magnitude of a stage). */
void cf_conv_magnitude(float *a, const float *b, size_t n, int threads);

/* The naive reference implementation, kept forever: tests compare every
 * fast path against it.  Same contract as cf_conv2d. */
int cf_conv2d_ref(const struct cf_tensor *x, const struct cf_kernel *k,
    const struct cf_conv_params *p, struct cf_tensor *y, char *errbuf,
    size_t errlen);

#endif
