/*
 * npy.h - NumPy .npy arrays: a strict reader and a float32/uint8 writer.
 *
 * Format versions 1.0 and 2.0; the header is a Python dict literal with
 * exactly the keys 'descr', 'fortran_order' and 'shape', parsed by a tiny
 * dedicated parser (nothing is ever evaluated).  Accepted dtypes are the
 * little-endian (or byte-order-free) '|u1'/'<u1', '<u2', '<f2', '<f4' and
 * '<f8';
 * arrays must be in C order and have 1 to 4 dimensions.  The data must be
 * exactly as long as the shape says.  Values are read as they are (uint8
 * 0..255, uint16 0..65535, floats unchanged) into CF_F32 tensors.
 */
#ifndef CF_NPY_H
#define CF_NPY_H

#include <stdio.h>

#include "base/tensor.h"

#define CF_NPY_MAGIC "\x93NUMPY"
#define CF_NPY_MAGIC_LEN 6
/* The longest header we accept, and the most elements we allocate. */
#define CF_NPY_MAX_HEADER 65536
#define CF_NPY_MAX_ELEMENTS (1ULL << 31)

enum cf_npy_dtype {
	CF_NPY_U1,
	CF_NPY_U2,
	CF_NPY_F2,
	CF_NPY_F4,
	CF_NPY_F8,
};

struct cf_npy_header {
	enum cf_npy_dtype dtype;
	int ndim;			/* 1..4 */
	size_t shape[CF_MAX_DIMS];
	size_t numel;			/* product of shape, checked */
};

/*
 * Read the magic, version and header dict of an .npy stream.  magic holds
 * the first nmagic bytes, already consumed from f (0 if none).  Returns 0,
 * or CF_EFORMAT (malformed or unsupported, with a message such as
 * "npy: fortran_order arrays are not supported") / CF_EOVERFLOW (over
 * CF_NPY_MAX_ELEMENTS) / CF_EIO.  Reads nothing past the header.
 */
int cf_npy_read_header(FILE *f, const unsigned char *magic, size_t nmagic,
    struct cf_npy_header *h, char *errbuf, size_t errlen);

/*
 * Read the data that follows the header into out, a new CF_F32 tensor of
 * h->ndim dimensions.  The stream must end right after the data
 * ("npy: N bytes of data after the array" otherwise), so truncated and
 * padded files are both errors.  On failure out is left empty.
 */
int cf_npy_read_data(FILE *f, const struct cf_npy_header *h,
    struct cf_tensor *out, char *errbuf, size_t errlen);

/*
 * Write t (CF_F32 as '<f4' or CF_U8 as '|u1', 1 to 4 dimensions, any
 * strides) as a version 1.0 .npy file in C order.  Returns 0 or CF_EIO.
 */
int cf_npy_write(FILE *f, const struct cf_tensor *t, char *errbuf,
    size_t errlen);

/* The bytes of one element of dtype dt. */
size_t cf_npy_dtype_bytes(enum cf_npy_dtype dt);

/* n little-endian elements of dtype dt at src, as floats into
 * dst[i * step]. */
void cf_npy_decode(enum cf_npy_dtype dt, const unsigned char *src, size_t n,
    float *dst, size_t step);

#endif
