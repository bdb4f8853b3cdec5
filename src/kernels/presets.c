/*
 * presets.c - built-in kernels by name.
 *
 * A spec is "name", "name:VALUE" (the first parameter by position) or
 * "name:key=value,key=value", and "name:VALUE,key=value" mixes the two.
 * Every weight is computed in double and stored once as float.  The
 * weights below are cross-correlation weights (what conv2d applies), row
 * by row, top row first.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/presets.h"

#define MAX_PARAMS 8
#define BOX_MAX 1023		/* box:N, N = 1..BOX_MAX */
#define GAUSS_MAX 1023		/* gaussian size: odd, 1..GAUSS_MAX */

const struct cf_preset_info cf_presets[] = {
	{ "box", "box[:N]",
	    "N x N mean, every weight 1/N^2 (default N=3, any N from 1 to "
	    "1023)" },
	{ "emboss", "emboss",
	    "3x3 emboss [-2 -1 0; -1 1 1; 0 1 2], light from the top left" },
	{ "gaussian", "gaussian[:SIGMA] | gaussian:sigma=S[,size=N|,"
	    "truncate=T] | gaussian:size=N",
	    "Gaussian blur, weights sum to 1 (default sigma=1, size "
	    "2*ceil(3*sigma)+1)" },
	{ "identity", "identity", "1x1 [1]: leaves the image unchanged" },
	{ "laplacian", "laplacian",
	    "4-neighbour Laplacian [0 1 0; 1 -4 1; 0 1 0]" },
	{ "prewitt", "prewitt[:x|:y]",
	    "Prewitt gradient magnitude; :x and :y give one signed "
	    "derivative" },
	{ "scharr", "scharr[:x|:y]",
	    "Scharr gradient magnitude; :x and :y give one signed "
	    "derivative" },
	{ "sharpen", "sharpen", "3x3 sharpen [0 -1 0; -1 5 -1; 0 -1 0]" },
	{ "sobel", "sobel[:x|:y]",
	    "Sobel gradient magnitude sqrt(gx^2 + gy^2); :x and :y give one "
	    "signed derivative" },
	{ "unsharp", "unsharp[:SIGMA] | unsharp:sigma=S,amount=A[,size=N|,"
	    "truncate=T]",
	    "unsharp mask (1+A)*identity - A*gaussian (default sigma=1, "
	    "amount=1)" },
	{ NULL, NULL, NULL },
};

/* The fixed 3x3 kernels.  x derivatives are positive where intensity
 * increases to the right, y derivatives where it increases downwards;
 * both are unnormalised, as in OpenCV and ImageMagick. */
static const float sobel_x[9] = { -1, 0, 1, -2, 0, 2, -1, 0, 1 };
static const float sobel_y[9] = { -1, -2, -1, 0, 0, 0, 1, 2, 1 };
static const float prewitt_x[9] = { -1, 0, 1, -1, 0, 1, -1, 0, 1 };
static const float prewitt_y[9] = { -1, -1, -1, 0, 0, 0, 1, 1, 1 };
static const float scharr_x[9] = { -3, 0, 3, -10, 0, 10, -3, 0, 3 };
static const float scharr_y[9] = { -3, -10, -3, 0, 0, 0, 3, 10, 3 };
/* OpenCV's Laplacian with ksize=1: the 4-neighbour second difference. */
static const float laplacian_w[9] = { 0, 1, 0, 1, -4, 1, 0, 1, 0 };
static const float sharpen_w[9] = { 0, -1, 0, -1, 5, -1, 0, -1, 0 };
static const float emboss_w[9] = { -2, -1, 0, -1, 1, 1, 0, 1, 2 };

/* Parameters */

struct param {
	const char *key, *val;	/* key NULL: given by position */
	size_t keylen, vallen;
};

struct ctx {
	const char *preset;	/* the name, for messages */
	char *errbuf;
	size_t errlen;
	struct param p[MAX_PARAMS];
	size_t np;
};

static int
perr(struct ctx *c, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!c->errbuf || !c->errlen)
		return CF_EINVAL;
	n = snprintf(c->errbuf, c->errlen, "%s: ", c->preset);
	if (n >= 0 && (size_t)n < c->errlen) {
		va_start(ap, fmt);
		vsnprintf(c->errbuf + n, c->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return CF_EINVAL;
}

/* Split "a,k=v,..." into c->p; the checks that need no preset. */
static int
split(struct ctx *c, const char *s)
{
	const char *e, *eq;
	struct param *p;

	if (!*s)
		return perr(c, "missing parameters after ':'");
	for (;;) {
		e = s + strcspn(s, ",");
		if (e == s)
			return perr(c, "empty parameter in the list");
		if (c->np == MAX_PARAMS)
			return perr(c, "too many parameters");
		p = &c->p[c->np++];
		eq = memchr(s, '=', (size_t)(e - s));
		if (eq) {
			p->key = s;
			p->keylen = (size_t)(eq - s);
			p->val = eq + 1;
			p->vallen = (size_t)(e - eq - 1);
			if (!p->keylen)
				return perr(c, "missing parameter name before "
				    "'=%.*s'", (int)p->vallen, p->val);
			if (!p->vallen)
				return perr(c, "%.*s needs a value",
				    (int)p->keylen, p->key);
		} else {
			p->val = s;
			p->vallen = (size_t)(e - s);
			if (c->np > 1)
				return perr(c, "a value without a name must "
				    "come first, got '%.*s'", (int)p->vallen,
				    p->val);
		}
		if (!*e)
			return 0;
		s = e + 1;
	}
}

/*
 * Match c->p against keys (the first one also by position); vals[i] is
 * the parameter given for keys[i], or NULL.
 */
static int
match(struct ctx *c, const char *const *keys, size_t nkeys,
    const struct param **vals)
{
	size_t i, k;

	for (k = 0; k < nkeys; k++)
		vals[k] = NULL;
	for (i = 0; i < c->np; i++) {
		const struct param *p = &c->p[i];

		for (k = 0; k < nkeys && p->key; k++)
			if (strlen(keys[k]) == p->keylen &&
			    !memcmp(keys[k], p->key, p->keylen))
				break;
		if (!p->key)
			k = 0;
		if (k == nkeys) {
			char list[128] = "";

			for (k = 0; k < nkeys; k++)
				snprintf(list + strlen(list),
				    sizeof(list) - strlen(list), "%s%s",
				    k == 0 ? "" : k + 1 == nkeys ? " or " :
				    ", ", keys[k]);
			return perr(c, "unknown parameter '%.*s' (expected "
			    "%s)", (int)p->keylen, p->key, list);
		}
		if (vals[k])
			return perr(c, "%s given twice", keys[k]);
		vals[k] = p;
	}
	return 0;
}

/* A number > 0 (or >= 0 when zero_ok), finite. */
static int
get_positive(struct ctx *c, const char *key, const struct param *p,
    int zero_ok, double *out)
{
	double v;

	if (cf_kernel_parse_number(p->val, p->vallen, &v) || !isfinite(v))
		return perr(c, "%s must be a number, got '%.*s'", key,
		    (int)p->vallen, p->val);
	if (v < 0 || (v == 0 && !zero_ok))
		return perr(c, "%s must be %s 0, got '%.*s'", key,
		    zero_ok ? ">=" : ">", (int)p->vallen, p->val);
	*out = v;
	return 0;
}

/* An integer from 1 to max, digits only; odd if odd is set. */
static int
get_size(struct ctx *c, const char *key, const struct param *p, size_t max,
    int odd, size_t *out)
{
	size_t i, v = 0;

	for (i = 0; i < p->vallen && p->val[i] >= '0' && p->val[i] <= '9';
	    i++)
		if (v <= max)
			v = v * 10 + (size_t)(p->val[i] - '0');
	if (i != p->vallen || v < 1 || v > max || (odd && v % 2 == 0))
		return perr(c, "%s must be %s integer from 1 to %zu, got "
		    "'%.*s'", key, odd ? "an odd" : "an", max,
		    (int)p->vallen, p->val);
	*out = v;
	return 0;
}

/* Kernels */

static int
fixed(struct cf_kernel *k, const float *w, size_t kh, size_t kw)
{
	int rc;

	if ((rc = cf_kernel_init_depthwise(k, kh, kw)))
		return rc;
	memcpy(k->weight.data, w, kh * kw * sizeof(float));
	return 0;
}

static int
box(struct ctx *c, struct cf_kernel *k)
{
	static const char *const keys[] = { "size" };
	const struct param *v[1];
	size_t n = 3, i;
	float *w;
	int rc;

	if ((rc = match(c, keys, 1, v)))
		return rc;
	if (v[0] && (rc = get_size(c, "size", v[0], BOX_MAX, 0, &n)))
		return rc;
	if ((rc = cf_kernel_init_depthwise(k, n, n)))
		return rc;
	w = k->weight.data;
	for (i = 0; i < n * n; i++)
		w[i] = (float)(1.0 / (double)(n * n));
	return 0;
}

static enum cf_gauss_rule gauss_rule;

void
cf_preset_set_gauss_rule(enum cf_gauss_rule rule)
{
	gauss_rule = rule;
}

size_t
cf_preset_gauss_size(enum cf_gauss_rule rule, double sigma)
{
	double a, norm, v;
	long x, max, u, w, j;

	switch (rule) {
	case CF_GAUSS_RULE_OPENCV:
		/* cvRound(sigma * 3 * 2 + 1) | 1 for CV_8U */
		return (size_t)((long)rint(sigma * 6 + 1) | 1);
	case CF_GAUSS_RULE_VIPS:
		/* vips_gaussmat: the first x below min_ampl, within 8 sigma */
		max = sigma * 8 < 2 * GAUSS_MAX ? (long)(sigma * 8) :
		    2 * GAUSS_MAX;
		for (x = 0; x < max; x++)
			if (exp(-(double)(x * x) / (2 * sigma * sigma)) < 0.2)
				break;
		return (size_t)(2 * (x > 1 ? x - 1 : 0) + 1);
	case CF_GAUSS_RULE_IMAGEMAGICK:
		/* GetOptimalKernelWidth2D with QuantumScale = 1/65535; the
		 * 2-D sum is the square of the 1-D one */
		a = 1 / (2 * sigma * sigma);
		for (w = 5; w <= GAUSS_MAX + 2; w += 2) {
			j = (w - 1) / 2;
			for (norm = 0, u = -j; u <= j; u++)
				norm += exp(-(double)(u * u) * a);
			v = exp(-(double)(j * j) * a) / (norm * norm);
			if (v < 1.0 / 65535)
				break;
		}
		return (size_t)(w - 2);
	default:
		return 2 * (size_t)ceil(3 * sigma * (1 - 1e-12)) + 1;
	}
}

/*
 * The Gaussian's sigma and size from sigma=, size=, truncate= (v[0..2]):
 * sigma defaults to 1, or with only size=N to 0: OpenCV's
 * getGaussianKernel(N, 0) (gauss1d); size defaults to 2*ceil(T*sigma)+1
 * with T = 3 unless truncate=T.
 */
static int
gauss_params(struct ctx *c, const struct param *const *v, double *sigma,
    size_t *size)
{
	double t = 3, x;
	int rc;

	if (v[1] && v[2])
		return perr(c, "size and truncate cannot be combined");
	if (v[0] && (rc = get_positive(c, "sigma", v[0], 0, sigma)))
		return rc;
	if (v[2] && (rc = get_positive(c, "truncate", v[2], 0, &t)))
		return rc;
	if (v[1]) {
		if ((rc = get_size(c, "size", v[1], GAUSS_MAX, 1, size)))
			return rc;
		if (!v[0])
			*sigma = 0;
		return 0;
	}
	if (!v[0])
		*sigma = 1;
	if (gauss_rule != CF_GAUSS_RULE_DEFAULT && !v[2]) {
		*size = cf_preset_gauss_size(gauss_rule, *sigma);
		if (*size > GAUSS_MAX)
			return perr(c, "sigma=%g needs a kernel wider than %d",
			    *sigma, GAUSS_MAX);
		return 0;
	}
	/* Round T*sigma up, but a product within 1e-12 of an integer is
	 * that integer (truncate=0.1,sigma=30 gives 3, not 4). */
	x = t * *sigma;
	if (!(x <= (GAUSS_MAX - 1) / 2))
		return perr(c, "sigma=%g with truncate=%g needs a kernel "
		    "wider than %d", *sigma, t, GAUSS_MAX);
	*size = 2 * (size_t)ceil(x * (1 - 1e-12)) + 1;
	return 0;
}

/*
 * OpenCV's getGaussianKernel(n, 0) (modules/imgproc/src/smooth.dispatch.cpp,
 * getGaussianKernelBitExact): fixed binomial-like tables for n = 1, 3,
 * 5, 7 and 9, else the formula with sigma = 0.15 n + 0.35 (the same as
 * 0.3 ((n-1)/2 - 1) + 0.8), computed as OpenCV does: exp(x^2 * -0.125 /
 * sigma^2) for x = 2i - (n-1), and the weights times 1 / their sum.
 */
static void
gauss1d_opencv(double *g, size_t n)
{
	static const double t3[] = { 1, 2, 1 }, t5[] = { 1, 4, 6, 4, 1 },
	    t7[] = { 1, 3.5, 7, 9, 7, 3.5, 1 },
	    t9[] = { 4, 13, 30, 51, 60, 51, 30, 13, 4 };
	static const struct { const double *t; double div; } tab[] = {
		{ NULL, 1 }, { t3, 4 }, { t5, 16 }, { t7, 32 }, { t9, 256 },
	};
	double sigma, scale, sum = 0, mul;
	size_t i, h = (n - 1) / 2;
	long x;

	if (n == 1) {
		g[0] = 1;
		return;
	}
	if (n <= 9) {	/* n odd */
		for (i = 0; i < n; i++)
			g[i] = tab[h].t[i] / tab[h].div;
		return;
	}
	sigma = fma((double)n, 0.15, 0.35);
	scale = -0.125 / (sigma * sigma);
	for (i = 0, x = 1 - (long)n; i < h; i++, x += 2) {
		g[i] = exp((double)(x * x) * scale);
		sum += g[i];
	}
	sum = sum * 2 + 1;
	mul = 1 / sum;
	for (i = 0; i < h; i++)
		g[n - 1 - i] = g[i] = g[i] * mul;
	g[h] = mul;
}

/* The normalised 1-D Gaussian g[0..n) centred at (n-1)/2, in double;
 * sigma 0 is OpenCV's for the size n. */
static double *
gauss1d(double sigma, size_t n)
{
	double *g = malloc(n * sizeof(*g)), r = ((double)n - 1) / 2, sum = 0;
	size_t i;

	if (!g)
		return NULL;
	if (sigma == 0) {
		gauss1d_opencv(g, n);
		return g;
	}
	for (i = 0; i < n; i++) {
		double d = (double)i - r;

		g[i] = exp(-d * d / (2 * sigma * sigma));
		sum += g[i];
	}
	for (i = 0; i < n; i++)	/* sum >= 1: the centre weight is 1 */
		g[i] /= sum;
	return g;
}

/* The outer product g g^T times -amount, plus 1+amount at the centre;
 * amount < 0 means the plain Gaussian. */
static int
gauss2d(struct cf_kernel *k, double sigma, size_t n, double amount)
{
	double *g, v;
	float *w;
	size_t i, j;
	int rc;

	if (!(g = gauss1d(sigma, n)))
		return CF_ENOMEM;
	if ((rc = cf_kernel_init_depthwise(k, n, n))) {
		free(g);
		return rc;
	}
	w = k->weight.data;
	for (i = 0; i < n; i++)
		for (j = 0; j < n; j++) {
			v = g[i] * g[j];
			if (amount >= 0) {
				v *= -amount;
				if (i == n / 2 && j == n / 2)
					v += 1 + amount;
			}
			w[i * n + j] = (float)v;
		}
	free(g);
	return 0;
}

static int
gaussian(struct ctx *c, struct cf_kernel *k)
{
	static const char *const keys[] = { "sigma", "size", "truncate" };
	const struct param *v[3];
	double sigma;
	size_t n;
	int rc;

	if ((rc = match(c, keys, 3, v)) ||
	    (rc = gauss_params(c, v, &sigma, &n)))
		return rc;
	return gauss2d(k, sigma, n, -1);
}

static int
unsharp(struct ctx *c, struct cf_kernel *k)
{
	static const char *const keys[] = {
		"sigma", "amount", "size", "truncate",
	};
	const struct param *v[4], *g[3];
	double sigma, amount = 1;
	size_t n;
	int rc;

	if ((rc = match(c, keys, 4, v)))
		return rc;
	g[0] = v[0];
	g[1] = v[2];
	g[2] = v[3];
	if ((rc = gauss_params(c, g, &sigma, &n)))
		return rc;
	if (v[1] && (rc = get_positive(c, "amount", v[1], 1, &amount)))
		return rc;
	return gauss2d(k, sigma, n, amount);
}

/* sobel, prewitt, scharr: both derivatives for the magnitude, or one. */
static int
gradient(struct ctx *c, const char *params, struct cf_stage *st,
    const float *x, const float *y)
{
	int rc;

	if (!params) {
		st->nkernels = 2;
		if ((rc = fixed(&st->k[0], x, 3, 3)))
			return rc;
		return fixed(&st->k[1], y, 3, 3);
	}
	st->nkernels = 1;
	if (!strcmp(params, "x"))
		return fixed(&st->k[0], x, 3, 3);
	if (!strcmp(params, "y"))
		return fixed(&st->k[0], y, 3, 3);
	return perr(c, "expected x or y after ':', got '%s'", params);
}

int
cf_preset_build(const char *spec, struct cf_stage *st, char *errbuf,
    size_t errlen)
{
	static const struct {
		const char *name;
		const float *x, *y;	/* y: a gradient pair */
	} fixed3[] = {
		{ "emboss", emboss_w, NULL },
		{ "laplacian", laplacian_w, NULL },
		{ "prewitt", prewitt_x, prewitt_y },
		{ "scharr", scharr_x, scharr_y },
		{ "sharpen", sharpen_w, NULL },
		{ "sobel", sobel_x, sobel_y },
	};
	const char *colon = strchr(spec, ':'), *params = NULL;
	size_t namelen = colon ? (size_t)(colon - spec) : strlen(spec), i;
	struct ctx c;
	int rc = CF_ENOENT;

	/* not a preset: leave st and errbuf alone for the caller */
	for (i = 0; cf_presets[i].name; i++)
		if (strlen(cf_presets[i].name) == namelen &&
		    !memcmp(cf_presets[i].name, spec, namelen))
			break;
	if (!cf_presets[i].name)
		return CF_ENOENT;
	memset(st, 0, sizeof(*st));
	if (errbuf && errlen)
		*errbuf = '\0';
	memset(&c, 0, sizeof(c));
	c.preset = cf_presets[i].name;
	c.errbuf = errbuf;
	c.errlen = errlen;
	snprintf(st->name, sizeof(st->name), "%s", spec);
	st->nkernels = 1;
	if (colon)
		params = colon + 1;

	for (i = 0; i < sizeof(fixed3) / sizeof(fixed3[0]); i++) {
		if (strcmp(c.preset, fixed3[i].name))
			continue;
		if (fixed3[i].y)
			rc = gradient(&c, params, st, fixed3[i].x,
			    fixed3[i].y);
		else if (params)
			rc = perr(&c, "takes no parameters, got '%s'",
			    params);
		else
			rc = fixed(&st->k[0], fixed3[i].x, 3, 3);
		goto out;
	}
	if (!strcmp(c.preset, "identity")) {
		static const float one[1] = { 1 };

		rc = params ? perr(&c, "takes no parameters, got '%s'", params)
		    : fixed(&st->k[0], one, 1, 1);
		goto out;
	}
	if (params && (rc = split(&c, params)))
		goto out;
	if (!strcmp(c.preset, "box"))
		rc = box(&c, &st->k[0]);
	else if (!strcmp(c.preset, "gaussian"))
		rc = gaussian(&c, &st->k[0]);
	else if (!strcmp(c.preset, "unsharp"))
		rc = unsharp(&c, &st->k[0]);
out:
	if (rc) {
		if (rc == CF_ENOMEM || rc == CF_EOVERFLOW)
			perr(&c, "%s", cf_strerror(rc));
		cf_stage_release(st);
	}
	return rc;
}
