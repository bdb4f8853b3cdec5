/*
 * pool.c - max and average pooling, naive and obviously right.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/pool.h"

/* "N" or "NYxNX", each in 1..CF_POOL_MAX_SIDE (lo..) */
static int
pair(const char *s, size_t n, int lo, int *y, int *x)
{
	char buf[64], *end, *sep;
	long a, b;

	if (n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (buf[0] < '0' || buf[0] > '9')
		return -1;
	a = strtol(buf, &end, 10);
	b = a;
	if (*end == 'x') {
		sep = end + 1;
		if (*sep < '0' || *sep > '9')
			return -1;
		b = strtol(sep, &end, 10);
	}
	if (*end || a < lo || b < lo || a > CF_POOL_MAX_SIDE ||
	    b > CF_POOL_MAX_SIDE)
		return -1;
	*y = (int)a;
	*x = (int)b;
	return 0;
}

int
cf_pool_parse(const char *spec, struct cf_pool_params *p, char *errbuf,
    size_t errlen)
{
	const char *s, *name, *comma, *eq;
	size_t n;
	int have_stride = 0;

	memset(p, 0, sizeof(*p));
	if (!strncmp(spec, "maxpool", 7))
		p->kind = CF_POOL_MAX;
	else if (!strncmp(spec, "avgpool", 7))
		p->kind = CF_POOL_AVG;
	else
		return CF_ENOENT;
	name = p->kind == CF_POOL_MAX ? "maxpool" : "avgpool";
	if (spec[7] != ':') {
		if (spec[7] == '\0')
			snprintf(errbuf, errlen, "%s: needs a size, as in "
			    "%s:2", name, name);
		else
			return CF_ENOENT;
		return CF_EINVAL;
	}
	s = spec + 8;
	n = strcspn(s, ",");
	if (pair(s, n, 1, &p->kh, &p->kw)) {
		snprintf(errbuf, errlen, "%s: size must be 1..%d or KHxKW, got "
		    "'%.*s'", name, CF_POOL_MAX_SIDE, (int)n, s);
		return CF_EINVAL;
	}
	for (s += n; *s == ','; s += n) {
		s++;
		n = strcspn(s, ",");
		comma = s + n;
		eq = memchr(s, '=', n);
		if (eq && eq - s == 6 && !strncmp(s, "stride", 6)) {
			if (pair(eq + 1, (size_t)(comma - eq - 1), 1,
			    &p->stride_h, &p->stride_w)) {
				snprintf(errbuf, errlen, "%s: stride must be "
				    "1..%d or SYxSX, got '%.*s'", name,
				    CF_POOL_MAX_SIDE, (int)(comma - eq - 1),
				    eq + 1);
				return CF_EINVAL;
			}
			have_stride = 1;
		} else if (eq && eq - s == 3 && !strncmp(s, "pad", 3)) {
			if (pair(eq + 1, (size_t)(comma - eq - 1), 0,
			    &p->pad_h, &p->pad_w)) {
				snprintf(errbuf, errlen, "%s: pad must be "
				    "0..%d or PYxPX, got '%.*s'", name,
				    CF_POOL_MAX_SIDE, (int)(comma - eq - 1),
				    eq + 1);
				return CF_EINVAL;
			}
		} else {
			snprintf(errbuf, errlen, "%s: unknown parameter "
			    "'%.*s' (stride=S, pad=P)", name, (int)n, s);
			return CF_EINVAL;
		}
	}
	if (!have_stride) {
		p->stride_h = p->kh;
		p->stride_w = p->kw;
	}
	if (2 * p->pad_h > p->kh || 2 * p->pad_w > p->kw) {
		snprintf(errbuf, errlen, "%s: pad must be at most half the "
		    "size, got pad %dx%d for size %dx%d", name, p->pad_h,
		    p->pad_w, p->kh, p->kw);
		return CF_EINVAL;
	}
	return 0;
}

int
cf_pool2d_shape(const size_t *xshape, const struct cf_pool_params *p,
    size_t *yshape, char *errbuf, size_t errlen)
{
	size_t ph, pw;

	if (p->kh < 1 || p->kw < 1 || p->stride_h < 1 || p->stride_w < 1 ||
	    p->pad_h < 0 || p->pad_w < 0 || 2 * p->pad_h > p->kh ||
	    2 * p->pad_w > p->kw || p->kh > CF_POOL_MAX_SIDE ||
	    p->kw > CF_POOL_MAX_SIDE) {
		snprintf(errbuf, errlen, "invalid pooling parameters");
		return CF_EINVAL;
	}
	if (!xshape[0] || !xshape[1] || !xshape[2]) {
		snprintf(errbuf, errlen, "image is empty");
		return CF_ESHAPE;
	}
	ph = xshape[1] + 2 * (size_t)p->pad_h;
	pw = xshape[2] + 2 * (size_t)p->pad_w;
	if ((size_t)p->kh > ph || (size_t)p->kw > pw) {
		snprintf(errbuf, errlen, "pooling window %dx%d does not fit "
		    "the padded input %zux%zu", p->kh, p->kw, ph, pw);
		return CF_ESHAPE;
	}
	yshape[0] = xshape[0];
	/* floor mode: out = floor((n + 2p - k) / s) + 1 */
	yshape[1] = (ph - (size_t)p->kh) / (size_t)p->stride_h + 1;
	yshape[2] = (pw - (size_t)p->kw) / (size_t)p->stride_w + 1;
	return 0;
}

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
