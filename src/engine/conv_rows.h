/*
 * conv_rows.h - float multiply-add loops over rows, for stream.c.  Results
 * are approximate (float sums in any order); stream.c bounds the error.
 */
#ifndef CF_CONV_ROWS_H
#define CF_CONV_ROWS_H

#include <stddef.h>

#include "engine/hot.h"

/* acc[j] += sum over m < kh, t < kw of w[m*kw + t] * rows[m][j*sw + t*dw],
 * for j < n. */
void cf_rows_conv(float *acc, size_t n, const float *const *rows,
    const float *w, size_t kh, size_t kw, size_t sw, size_t dw);

/* out[j] = sum over t < k of taps[t] * src[j*sw + t*dw], for j < n. */
void cf_rows_h(float *out, size_t n, const float *src, const float *taps,
    size_t k, size_t sw, size_t dw);

/* acc[j] = bias + sum over m < k of taps[m] * rows[m][j], for j < n. */
void cf_rows_v(float *acc, size_t n, const float *const *rows,
    const float *taps, size_t k, float bias);

/* The same for two consecutive output rows: acc0 from rows[0..k),
 * acc1 from rows[1..k]. */
void cf_rows_v2(float *acc0, float *acc1, size_t n, const float *const *rows,
    const float *taps, size_t k, float bias);

#endif
