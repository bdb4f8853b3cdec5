/*
 * peers.c - kernels written for other tools: libvips matrix files
 * and ImageMagick kernel strings (convfilter(5), "OTHER TOOLS' KERNELS").
 *
 * Both become an ordinary depthwise struct cf_kernel, so the engine and
 * every option apply to them unchanged.  Numbers go through
 * cf_kernel_parse_number (locale-independent, no NaN or infinities).
 */
#include <float.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/kernel.h"

static int
fail(char *errbuf, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (errbuf && errlen) {
		va_start(ap, fmt);
		vsnprintf(errbuf, errlen, fmt, ap);
		va_end(ap);
	}
	return CF_EKERNEL;
}

static int
is_sep(char c)
{
	return c == ' ' || c == '\t' || c == ',' || c == '\r';
}

/* The next field of a line: skip separators, *n = its length. */
static const char *
field(const char *p, const char *end, size_t *n)
{
	const char *q;

	while (p < end && is_sep(*p))
		p++;
	for (q = p; q < end && !is_sep(*q); q++)
		;
	*n = (size_t)(q - p);
	return p;
}

/* A quoted copy of a field for messages, cut at 32 bytes. */
static const char *
shown(const char *p, size_t n, char *buf, size_t len)
{
	snprintf(buf, len, "%.*s%s", (int)(n > 32 ? 32 : n), p,
	    n > 32 ? "..." : "");
	return buf;
}

/* libvips matrix files */

int
cf_kernel_parse_mat(const char *text, size_t len, const char *name,
    struct cf_kernel *k, char *errbuf, size_t errlen)
{
	const char *p = text, *end = text + len, *eol, *f;
	double head[4], v, scale = 1, offset = 0;
	size_t line = 0, nhead = 0, n, w = 0, h = 0, x, y = 0;
	float *wt;
	char q[48];
	int rc;

	memset(k, 0, sizeof(*k));
	for (; p < end || y < h; p = eol < end ? eol + 1 : end) {
		eol = memchr(p, '\n', (size_t)(end - p));
		if (!eol)
			eol = end;
		line++;
		if (line == 1) {
			/* the header: W H [SCALE [OFFSET]] */
			for (f = field(p, eol, &n); n;
			    f = field(f + n, eol, &n)) {
				if (nhead == 4)
					return fail(errbuf, errlen, "%s:1:%zu: "
					    "the header has more than 4 "
					    "numbers", name,
					    (size_t)(f - p) + 1);
				if (cf_kernel_parse_number(f, n, &head[nhead]))
					return fail(errbuf, errlen, "%s:1:%zu: "
					    "expected a number, got '%s'",
					    name, (size_t)(f - p) + 1,
					    shown(f, n, q, sizeof(q)));
				nhead++;
			}
			if (nhead < 2)
				return fail(errbuf, errlen, "%s:1:1: expected "
				    "a header 'W H [scale [offset]]'", name);
			/* range first: the casts need it */
			if (!(head[0] >= 1 && head[0] <= CF_KERNEL_MAX_SIDE &&
			    head[1] >= 1 && head[1] <= CF_KERNEL_MAX_SIDE) ||
			    head[0] != (size_t)head[0] ||
			    head[1] != (size_t)head[1])
				return fail(errbuf, errlen, "%s:1:1: width and "
				    "height must be whole numbers in 1..%d",
				    name, CF_KERNEL_MAX_SIDE);
			w = (size_t)head[0];
			h = (size_t)head[1];
			if (nhead > 2)
				scale = head[2];
			if (nhead > 3)
				offset = head[3];
			if (scale == 0)
				return fail(errbuf, errlen, "%s:1:1: scale "
				    "must not be 0", name);
			if (!(offset >= -FLT_MAX && offset <= FLT_MAX))
				return fail(errbuf, errlen, "%s:1:1: offset "
				    "is out of range", name);
			if ((rc = cf_kernel_init_depthwise(k, h, w))) {
				fail(errbuf, errlen, "%s: out of memory",
				    name);
				return rc;
			}
			if (offset != 0) {
				if (!(k->bias = malloc(sizeof(*k->bias)))) {
					cf_kernel_release(k);
					fail(errbuf, errlen, "%s: out of "
					    "memory", name);
					return CF_ENOMEM;
				}
				k->bias[0] = (float)offset;
			}
			continue;
		}
		f = field(p, eol, &n);
		if (y == h) {
			if (n) {
				rc = fail(errbuf, errlen, "%s:%zu:%zu: more "
				    "than %zu rows", name, line,
				    (size_t)(f - p) + 1, h);
				goto bad;
			}
			continue;
		}
		if (p == end) {
			rc = fail(errbuf, errlen, "%s:%zu:1: expected %zu "
			    "rows, got %zu", name, line, h, y);
			goto bad;
		}
		wt = (float *)k->weight.data + y * w;
		for (x = 0; n; f = field(f + n, eol, &n), x++) {
			if (x == w) {
				rc = fail(errbuf, errlen, "%s:%zu:%zu: more "
				    "than %zu numbers in a row", name, line,
				    (size_t)(f - p) + 1, w);
				goto bad;
			}
			if (cf_kernel_parse_number(f, n, &v)) {
				rc = fail(errbuf, errlen, "%s:%zu:%zu: "
				    "expected a number, got '%s'", name, line,
				    (size_t)(f - p) + 1,
				    shown(f, n, q, sizeof(q)));
				goto bad;
			}
			v /= scale;
			if (!(v >= -FLT_MAX && v <= FLT_MAX)) {
				rc = fail(errbuf, errlen, "%s:%zu:%zu: weight "
				    "out of range after dividing by the scale",
				    name, line, (size_t)(f - p) + 1);
				goto bad;
			}
			wt[x] = (float)v;
		}
		if (x == 0)
			continue;	/* blank line */
		if (x < w) {
			rc = fail(errbuf, errlen, "%s:%zu:%zu: row has %zu "
			    "numbers, expected %zu", name, line,
			    (size_t)(eol - p) + 1, x, w);
			goto bad;
		}
		y++;
	}
	if (line == 0)
		return fail(errbuf, errlen, "%s:1:1: empty matrix file", name);
	return 0;
bad:
	cf_kernel_release(k);
	return rc;
}

/* ImageMagick kernel strings */

static int
digits(const char **s, size_t *out)
{
	size_t v = 0;
	const char *p = *s;

	if (*p < '0' || *p > '9')
		return 0;
	for (; *p >= '0' && *p <= '9'; p++)
		if ((v = v * 10 + (size_t)(*p - '0')) > 1u << 20)
			v = 1u << 20;	/* saturate; rejected below */
	*s = p;
	*out = v;
	return 1;
}

/* "+N" or "-N" */
static int
signed_digits(const char **s, long *out)
{
	const char *p = *s;
	size_t v;
	int neg = *p == '-';

	if (*p != '+' && *p != '-')
		return 0;
	p++;
	if (!digits(&p, &v))
		return 0;
	*s = p;
	*out = neg ? -(long)v : (long)v;
	return 1;
}

int
cf_kernel_parse_im(const char *spec, struct cf_kernel *k, char *errbuf,
    size_t errlen)
{
	const char *p = spec, *f, *end;
	size_t w, h, n, i, count = 0, rx, ry, kw, kh;
	long ox, oy;
	double v, *vals = NULL;
	float *wt;
	char q[48];
	int rc, has_origin = 0;

	memset(k, 0, sizeof(*k));
	while (*p == ' ')
		p++;
	if (!digits(&p, &w))
		return CF_ENOENT;
	h = w;
	if (*p == 'x') {
		p++;
		if (!digits(&p, &h))
			return CF_ENOENT;
	}
	if (*p == '+' || *p == '-') {
		if (!signed_digits(&p, &ox) || !signed_digits(&p, &oy))
			return CF_ENOENT;
		has_origin = 1;
	}
	while (*p == ' ')
		p++;
	if (*p != ':')
		return CF_ENOENT;
	p++;
	/* from here on it is an ImageMagick kernel, right or wrong */
	if (w < 1 || h < 1 || w > CF_KERNEL_MAX_SIDE ||
	    h > CF_KERNEL_MAX_SIDE)
		return fail(errbuf, errlen, "'%s': ImageMagick kernel: width "
		    "and height must be in 1..%d", spec, CF_KERNEL_MAX_SIDE);
	if (!has_origin) {
		ox = (long)(w - 1) / 2;
		oy = (long)(h - 1) / 2;
	}
	if (ox < 0 || oy < 0 || (size_t)ox >= w || (size_t)oy >= h)
		return fail(errbuf, errlen, "'%s': ImageMagick kernel: origin "
		    "%+ld%+ld is outside the %zux%zu kernel", spec, ox, oy, w,
		    h);
	if (strchr(p, ';'))
		return fail(errbuf, errlen, "'%s': ImageMagick kernel: lists "
		    "of kernels (';') are not supported; give one -k per "
		    "kernel", spec);
	if (!(vals = malloc(w * h * sizeof(*vals))))
		return CF_ENOMEM;
	end = p + strlen(p);
	for (f = field(p, end, &n); n; f = field(f + n, end, &n)) {
		if (count == w * h) {
			rc = fail(errbuf, errlen, "'%s': ImageMagick kernel: "
			    "more than %zu values", spec, w * h);
			goto out;
		}
		if (n == 3 && (f[0] | 32) == 'n' && (f[1] | 32) == 'a' &&
		    (f[2] | 32) == 'n')
			v = 0;	/* "not part of the kernel": adds nothing */
		else if (cf_kernel_parse_number(f, n, &v)) {
			rc = fail(errbuf, errlen, "'%s': ImageMagick kernel: "
			    "expected a number, got '%s'", spec,
			    shown(f, n, q, sizeof(q)));
			goto out;
		}
		if (!(v >= -FLT_MAX && v <= FLT_MAX)) {
			rc = fail(errbuf, errlen, "'%s': ImageMagick kernel: "
			    "'%s' is out of range", spec,
			    shown(f, n, q, sizeof(q)));
			goto out;
		}
		vals[count++] = v;
	}
	if (count != w * h) {
		rc = fail(errbuf, errlen, "'%s': ImageMagick kernel: %zu "
		    "values, expected %zu (%zux%zu)", spec, count, w * h, w,
		    h);
		goto out;
	}
	/* embed in an odd grid centred on the origin */
	rx = (size_t)ox > w - 1 - (size_t)ox ? (size_t)ox : w - 1 - (size_t)ox;
	ry = (size_t)oy > h - 1 - (size_t)oy ? (size_t)oy : h - 1 - (size_t)oy;
	kw = 2 * rx + 1;
	kh = 2 * ry + 1;
	if (kw > CF_KERNEL_MAX_SIDE || kh > CF_KERNEL_MAX_SIDE) {
		rc = fail(errbuf, errlen, "'%s': ImageMagick kernel: centred "
		    "on its origin it is larger than %dx%d", spec,
		    CF_KERNEL_MAX_SIDE, CF_KERNEL_MAX_SIDE);
		goto out;
	}
	if ((rc = cf_kernel_init_depthwise(k, kh, kw)))
		goto out;
	wt = k->weight.data;
	for (i = 0; i < w * h; i++)
		wt[(ry - (size_t)oy + i / w) * kw + rx - (size_t)ox + i % w] =
		    (float)vals[i];
out:
	free(vals);
	return rc;
}
