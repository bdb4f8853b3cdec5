/*
 * pool.c - max and average pooling, naive and obviously right.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/conv_geom.h"
#include "engine/pool.h"


/* The pooled values of the output [ys], in double, into yf (floats) or
 * yd (doubles). */
static void
pool_run(const struct cf_tensor *x, const struct cf_pool_params *p,
    const size_t *ys, float *yf, double *yd)
{
	const float *xd = x->data;
	size_t c, i, j, m, n;
	long r, col, H, W;
	double acc, v;

	H = (long)x->shape[1];
	W = (long)x->shape[2];
	for (c = 0; c < ys[0]; c++)
		for (i = 0; i < ys[1]; i++)
			for (j = 0; j < ys[2]; j++) {
				acc = p->kind == CF_POOL_MAX ? -INFINITY : 0.0;
				for (m = 0; m < (size_t)p->kh; m++) {
					r = (long)(i * (size_t)p->stride_h +
					    m) - p->pad_h;
					for (n = 0; n < (size_t)p->kw; n++) {
						col = (long)(j * (size_t)
						    p->stride_w + n) - p->pad_w;
						/* padding: -inf or 0 */
						if (r < 0 || r >= H ||
						    col < 0 || col >= W)
							continue;
						v = xd[c * x->stride[0] +
						    (size_t)r * x->stride[1] +
						    (size_t)col * x->stride[2]];
						if (p->kind == CF_POOL_AVG)
							acc += v;
						else if (v > acc || isnan(v))
							acc = v;
						if (isnan(acc))
							break;
					}
				}
				if (p->kind == CF_POOL_AVG)
					acc /= (double)p->kh * p->kw;
				if (yf)
					*yf++ = (float)acc;
				else
					*yd++ = acc;
			}
}

int
cf_pool2d(const struct cf_tensor *x, const struct cf_pool_params *p,
    struct cf_tensor *y, char *errbuf, size_t errlen)
{
	size_t ys[3];
	int err;

	if ((err = cf_tensor_check_input(x, y, errbuf, errlen)))
		return err;
	if ((err = cf_pool2d_shape(x->shape, p, ys, errbuf, errlen)))
		return err;
	if ((err = cf_tensor_init_result(y, ys, errbuf, errlen)))
		return err;
	pool_run(x, p, ys, y->data, NULL);
	return 0;
}

int
cf_pool2d64(const struct cf_tensor *x, const struct cf_pool_params *p,
    double **y, size_t *ys, char *errbuf, size_t errlen)
{
	int err;

	*y = NULL;
	if ((err = cf_pool2d_shape(x->shape, p, ys, errbuf, errlen)))
		return err;
	if (!(*y = malloc(ys[0] * ys[1] * ys[2] * sizeof(**y)))) {
		snprintf(errbuf, errlen, "out of memory");
		return CF_ENOMEM;
	}
	pool_run(x, p, ys, NULL, *y);
	return 0;
}
