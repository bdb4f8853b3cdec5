/*
 * stage.c - pooling stage specs ("maxpool:3,stride=2,pad=1") and the
 * release of a stage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/stage.h"

void
cf_stage_normalize_sum(struct cf_stage *s)
{
	struct cf_tensor *w;
	double sum;
	float *d;
	size_t i, n;
	int q;

	for (q = 0; q < s->nkernels; q++) {
		w = &s->k[q].weight;
		d = w->data;
		n = w->shape[0] * w->shape[1] * w->shape[2] * w->shape[3];
		/* kernel.c's weights are contiguous */
		for (sum = 0, i = 0; i < n; i++)
			sum += d[i];
		if (sum == 0)
			continue;
		for (i = 0; i < n; i++)
			d[i] = (float)(d[i] / sum);
	}
}

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

void
cf_stage_release(struct cf_stage *s)
{
	int i;

	for (i = 0; i < 2; i++)
		cf_kernel_release(&s->k[i]);
	s->nkernels = 0;
}
