/*
 * pool.c - max and average pooling, naive and obviously right.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/conv_geom.h"
#include "engine/pool.h"


int
cf_pool2d(const struct cf_tensor *x, const struct cf_pool_params *p,
    struct cf_tensor *y, char *errbuf, size_t errlen)
{
	const float *xd = x->data;
	size_t ys[3], c, i, j, m, n;
	long r, col, H, W;
	double acc, v;
	float *yd;
	int err;

	if ((err = cf_tensor_check_input(x, y, errbuf, errlen)))
		return err;
	if ((err = cf_pool2d_shape(x->shape, p, ys, errbuf, errlen)))
		return err;
	if ((err = cf_tensor_init_result(y, ys, errbuf, errlen)))
		return err;
	H = (long)x->shape[1];
	W = (long)x->shape[2];
	yd = y->data;
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
				*yd++ = (float)acc;
			}
	return 0;
}
