/*
 * conv.c - the convolution engine's front door: dispatch to an algorithm
 * (the geometry is conv_geom.c's).
 */
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "engine/conv.h"
#include "engine/pool.h"

int
cf_conv2d(const struct cf_tensor *x, const struct cf_kernel *k,
    const struct cf_conv_params *p, struct cf_tensor *y, char *errbuf,
    size_t errlen)
{
	if (p->transpose)
		return cf_conv_transpose2d(x, k, p, y, errbuf, errlen);
	/* conv_fast.c: bit-identical to cf_conv2d_ref (test_fast.c) */
	return cf_conv2d_fast(x, k, p, 1, y, errbuf, errlen);
}

int
cf_conv_stage(const struct cf_tensor *x, const struct cf_stage *st,
    const struct cf_conv_params *p, struct cf_tensor *y, char *errbuf,
    size_t errlen)
{
	struct cf_tensor a = CF_TENSOR_INIT, b = CF_TENSOR_INIT;
	float *pa, *pb;
	size_t n;
	int err;

	memset(y, 0, sizeof(*y));
	if (st->kind == CF_STAGE_POOL)
		return cf_pool2d(x, &st->pool, y, errbuf, errlen);
	if (st->nkernels == 1)
		return cf_conv2d(x, &st->k[0], p, y, errbuf, errlen);
	if (st->nkernels != 2) {
		snprintf(errbuf, errlen, "a stage has 1 or 2 kernels, not %d",
		    st->nkernels);
		return CF_EINVAL;
	}
	if ((err = cf_conv2d(x, &st->k[0], p, &a, errbuf, errlen)) ||
	    (err = cf_conv2d(x, &st->k[1], p, &b, errbuf, errlen)))
		goto out;
	if (memcmp(a.shape, b.shape, sizeof(a.shape))) {
		snprintf(errbuf, errlen, "the two kernels of '%s' give "
		    "different shapes", st->name);
		err = CF_ESHAPE;
		goto out;
	}
	/* Gradient magnitude, in place in a, which becomes y. */
	pa = a.data;
	pb = b.data;
	n = cf_tensor_numel(&a);
	cf_conv_magnitude(pa, pb, n, p->threads);
	*y = a;
	a.owns_data = 0;
out:
	cf_tensor_release(&b);
	cf_tensor_release(&a);
	return err;
}
