/* tensor.c - allocation and element conversion for struct cf_tensor. */
#define _DEFAULT_SOURCE		/* MAP_ANONYMOUS, madvise */
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "base/tensor.h"

/* Tensors of at least this many bytes get their own mapping. */
#define HUGE_TENSOR (8u << 20)

static size_t mem_limit;
static atomic_size_t mem_used;

void
cf_mem_set_limit(size_t bytes)
{
	mem_limit = bytes;
}

size_t
cf_mem_limit(void)
{
	return mem_limit;
}

int
cf_mem_reserve(size_t n)
{
	size_t used = atomic_load(&mem_used);

	/* workers reserve at once: compare and swap, never over */
	do {
		if (mem_limit && (n > mem_limit || used > mem_limit - n))
			return CF_EMEMORY;
	} while (!atomic_compare_exchange_weak(&mem_used, &used, used + n));
	return 0;
}

void
cf_mem_unreserve(size_t n)
{
	atomic_fetch_sub(&mem_used, n);
}

size_t
cf_dtype_size(enum cf_dtype dtype)
{
	return dtype == CF_U8 ? 1 : dtype == CF_U16 ? 2 : sizeof(float);
}

int
cf_size_mul(size_t a, size_t b, size_t *out)
{
	if (a && b > SIZE_MAX / a)
		return CF_EOVERFLOW;
	*out = a * b;
	return 0;
}

int
cf_tensor_init(struct cf_tensor *t, enum cf_dtype dtype, int ndim,
    const size_t *shape)
{
	size_t n = cf_dtype_size(dtype);
	int i;

	memset(t, 0, sizeof(*t));
	t->dtype = dtype;
	if (ndim < 1 || ndim > CF_MAX_DIMS)
		return CF_EINVAL;
	for (i = 0; i < ndim; i++) {
		if (shape[i] == 0)
			return CF_EINVAL;
		if (cf_size_mul(n, shape[i], &n))
			return CF_EOVERFLOW;
	}
	if (cf_mem_reserve(n))
		return CF_EMEMORY;
	t->counted = n;
	if (n >= HUGE_TENSOR) {
		/*
		 * Large tensors are fresh anonymous memory (zero-filled) with
		 * transparent huge pages asked for: a 24 MP float image is
		 * about 70000 page faults in 4 KiB pages, 140 in 2 MiB ones.
		 */
		void *p = mmap(NULL, n, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED) {
			cf_mem_unreserve(n);
			t->counted = 0;
			return CF_ENOMEM;
		}
#ifdef MADV_HUGEPAGE
		(void)madvise(p, n, MADV_HUGEPAGE);	/* only a hint */
#endif
		t->data = p;
		t->mapped = n;
	} else if (!(t->data = calloc(1, n))) {
		cf_mem_unreserve(n);
		t->counted = 0;
		return CF_ENOMEM;
	}
	t->owns_data = 1;
	t->ndim = ndim;
	for (i = ndim - 1, n = 1; i >= 0; i--) {
		t->shape[i] = shape[i];
		t->stride[i] = n;
		n *= shape[i];
	}
	return 0;
}

void
cf_tensor_release(struct cf_tensor *t)
{
	if (t->owns_data && t->mapped)
		munmap(t->data, t->mapped);
	else if (t->owns_data)
		free(t->data);
	if (t->owns_data)
		cf_mem_unreserve(t->counted);
	memset(t, 0, sizeof(*t));
}

size_t
cf_tensor_numel(const struct cf_tensor *t)
{
	size_t n = 1;
	int i;

	if (t->ndim == 0)
		return 0;
	for (i = 0; i < t->ndim; i++)
		n *= t->shape[i];
	return n;
}

int
cf_tensor_u8_to_f32(const struct cf_tensor *src, struct cf_tensor *dst)
{
	const uint8_t *s = src->data;
	const uint16_t *s16 = src->data;
	float *d;
	size_t i, n;
	int err;

	if (src->dtype != CF_U8 && src->dtype != CF_U16)
		return CF_EINVAL;
	if ((err = cf_tensor_init(dst, CF_F32, src->ndim, src->shape)))
		return err;
	d = dst->data;
	n = cf_tensor_numel(src);
	for (i = 0; i < n; i++)
		d[i] = src->dtype == CF_U8 ? s[i] : s16[i];
	return 0;
}

int
cf_tensor_check_input(const struct cf_tensor *x, struct cf_tensor *y,
    char *errbuf, size_t errlen)
{
	memset(y, 0, sizeof(*y));
	if (x->dtype != CF_F32 || x->ndim != 3 || !x->data) {
		snprintf(errbuf, errlen, "input must be a 3-d float tensor");
		return CF_EINVAL;
	}
	return 0;
}

int
cf_tensor_init_result(struct cf_tensor *y, const size_t *shape,
    char *errbuf, size_t errlen)
{
	int err = cf_tensor_init(y, CF_F32, 3, shape);

	if (err)
		snprintf(errbuf, errlen, "%s", cf_strerror(err));
	return err;
}

/* The loop of cf_tensor_row_get/put for one sample type. */
#define ROW_LOOP(type, t, y, row, get) do {				\
	type *p_ = (type *)(t)->data, *r_ = (type *)(row);		\
	size_t nc_ = (t)->shape[0], w_ = (t)->shape[2], x_, k_, i_;	\
	for (k_ = 0; k_ < nc_; k_++) {					\
		i_ = k_ * (t)->stride[0] + (y) * (t)->stride[1];	\
		for (x_ = 0; x_ < w_; x_++, i_ += (t)->stride[2]) {	\
			if (get)					\
				r_[x_ * nc_ + k_] = p_[i_];		\
			else						\
				p_[i_] = r_[x_ * nc_ + k_];		\
		}							\
	}								\
} while (0)

void
cf_tensor_row_get(const struct cf_tensor *t, size_t y, void *row)
{
	if (t->dtype == CF_U8)
		ROW_LOOP(uint8_t, t, y, row, 1);
	else if (t->dtype == CF_U16)
		ROW_LOOP(uint16_t, t, y, row, 1);
	else
		ROW_LOOP(float, t, y, row, 1);
}

void
cf_tensor_row_put(struct cf_tensor *t, size_t y, const void *row)
{
	if (t->dtype == CF_U8)
		ROW_LOOP(uint8_t, t, y, row, 0);
	else if (t->dtype == CF_U16)
		ROW_LOOP(uint16_t, t, y, row, 0);
	else
		ROW_LOOP(float, t, y, row, 0);
}
