/*
 * tensor.h - the tensor type every module shares.
 *
 * Images are [C, H, W] (C = 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA, in that
 * channel order); kernels are [C_out, C_in/groups, KH, KW], the layout of
 * torch.nn.Conv2d.weight.  Tensors created here are contiguous, row-major.
 */
#ifndef CF_TENSOR_H
#define CF_TENSOR_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

enum cf_dtype {
	CF_U8,		/* 8-bit samples, 0..255 */
	CF_F32,		/* float */
	CF_U16,		/* 16-bit samples, 0..65535 */
};

#define CF_MAX_DIMS 4

struct cf_tensor {
	enum cf_dtype dtype;
	int ndim;
	size_t shape[CF_MAX_DIMS];
	size_t stride[CF_MAX_DIMS];	/* in elements, not bytes */
	void *data;
	int owns_data;			/* release() frees data only if set */
	size_t mapped;			/* bytes of an mmap'd block, else 0 */
	size_t counted;			/* bytes held against cf_mem_reserve */
};

#define CF_TENSOR_INIT { .dtype = CF_F32 }

/*
 * The memory budget (--max-memory): the most bytes that tensors made by
 * cf_tensor_init, and other large buffers reserved with cf_mem_reserve,
 * may hold at once, process-wide; 0 (the default) is no limit.  Set it
 * before any work.  cf_mem_reserve returns 0 or CF_EMEMORY (nothing
 * reserved); every reservation is given back by cf_mem_unreserve.
 */
void cf_mem_set_limit(size_t bytes);
size_t cf_mem_limit(void);
int cf_mem_reserve(size_t n);
void cf_mem_unreserve(size_t n);

/*
 * Allocate a zero-filled contiguous tensor of ndim (1..4) dimensions.
 * Every dimension must be >= 1.  Returns CF_EOVERFLOW when the byte size
 * does not fit in size_t, CF_ENOMEM when allocation fails; t is then left
 * empty (safe to release).
 */
int cf_tensor_init(struct cf_tensor *t, enum cf_dtype dtype, int ndim,
    const size_t *shape);

/* Free owned data and reset t to empty.  Safe on an empty tensor. */
void cf_tensor_release(struct cf_tensor *t);

/* Number of elements (product of shape); 0 for an empty tensor. */
size_t cf_tensor_numel(const struct cf_tensor *t);

/* Bytes per element of dtype. */
size_t cf_dtype_size(enum cf_dtype dtype);

/*
 * Set *out = a * b, returning 0, or CF_EOVERFLOW when the product does not
 * fit in size_t.  Use for every size product before allocating.
 */
int cf_size_mul(size_t a, size_t b, size_t *out);

/*
 * Convert a CF_U8 or CF_U16 tensor into a new CF_F32 tensor of the same
 * shape, keeping the integer values (0..255 or 0..65535).
 */
int cf_tensor_u8_to_f32(const struct cf_tensor *src, struct cf_tensor *dst);

/*
 * For the engines, before anything else: clear y, then return 0 if x is
 * a 3-d CF_F32 tensor with data, else CF_EINVAL with the message "input
 * must be a 3-d float tensor" in errbuf.
 */
int cf_tensor_check_input(const struct cf_tensor *x, struct cf_tensor *y,
    char *errbuf, size_t errlen);

/* cf_tensor_init of a CF_F32 [C, H, W] result, with cf_strerror's
 * message in errbuf on failure. */
int cf_tensor_init_result(struct cf_tensor *y, const size_t *shape,
    char *errbuf, size_t errlen);

/*
 * Row y of t ([C, H, W] of any dtype and strides) as interleaved samples
 * (C per pixel, RGBRGB...: the rows codecs read and write), and back.
 */
void cf_tensor_row_get(const struct cf_tensor *t, size_t y, void *row);
void cf_tensor_row_put(struct cf_tensor *t, size_t y, const void *row);

#endif
