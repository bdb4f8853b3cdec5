/*
 * test_fast.c - the fast engine (conv_fast.c) against the naive reference
 * (conv_ref.c): over a grid of shapes, strides, paddings, dilations,
 * groups, pad modes, flip, thread counts and separable or not, the float
 * results must be bit-identical and so must the 8-bit conversions.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/conv.h"
#include "engine/conv_band.h"
#include "engine/convert.h"
#include "tap.h"

static uint64_t rng = 12345;

static double
rnd(void)	/* [0, 1) */
{
	rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
	return (double)(rng >> 11) / 9007199254740992.0;
}

/* Input values: 8-bit integers, non-negative floats, or signed floats. */
enum vals { V_U8, V_POS, V_SIGNED };

static void
fill_input(struct cf_tensor *x, size_t c, size_t h, size_t w, enum vals v)
{
	size_t shape[3] = { c, h, w }, i, n;
	float *d;

	cf_tensor_init(x, CF_F32, 3, shape);
	d = x->data;
	n = c * h * w;
	for (i = 0; i < n; i++)
		d[i] = v == V_U8 ? (float)(int)(rnd() * 256) :
		    v == V_POS ? (float)(rnd() * 255) :
		    (float)(rnd() * 20 - 10);
}

/* Kernel kinds: random dense; exact outer products; a filter bank. */
enum kind { K_RANDOM, K_BOX, K_SOBEL, K_BINOMIAL, K_POSOUTER, K_BANK,
	K_SYMMETRIC };

static void
make_kernel(struct cf_kernel *k, enum kind kind, size_t kh, size_t kw,
    size_t cin, int groups, int bias)
{
	size_t m, n, i, nw, cout = cin;
	float *w, col[16], row[16];

	memset(k, 0, sizeof(*k));
	if (kind == K_BANK) {
		size_t shape[4] = { cout, cin / (size_t)groups, kh, kw };

		cf_tensor_init(&k->weight, CF_F32, 4, shape);
		k->groups = groups;
		nw = cf_tensor_numel(&k->weight);
		w = k->weight.data;
		for (i = 0; i < nw; i++)
			w[i] = (float)(rnd() * 2 - 1);
		if (bias) {
			k->bias = malloc(cout * sizeof(*k->bias));
			for (i = 0; i < cout; i++)
				k->bias[i] = (float)(rnd() * 4 - 2);
		}
		return;
	}
	cf_kernel_init_depthwise(k, kh, kw);
	w = k->weight.data;
	for (m = 0; m < kh; m++)
		col[m] = kind == K_BOX ? 1.0f : kind == K_SOBEL ?
		    (m == 0 || m == kh - 1 ? 1.0f : 2.0f) :
		    kind == K_BINOMIAL ? (float)(1 + m * (kh - 1 - m)) / 8 :
		    (float)(rnd() + 0.01);
	for (n = 0; n < kw; n++)
		row[n] = kind == K_BOX ? 1.0f / (float)(kh * kw) :
		    kind == K_SOBEL ? (float)n - (float)(kw - 1) / 2 :
		    kind == K_BINOMIAL ? (float)(1 + n * (kw - 1 - n)) / 4 :
		    (float)(rnd() + 0.01);
	for (m = 0; m < kh; m++)
		for (n = 0; n < kw; n++)
			w[m * kw + n] = kind == K_SYMMETRIC && m >= (kh + 1) / 2 ?
			    w[(kh - 1 - m) * kw + n] :
			    kind == K_RANDOM || kind == K_SYMMETRIC ?
			    (float)(rnd() * 2 - 1) :
			    /* exact: round the factors to 11 bits first */
			    kind == K_POSOUTER ?
			    (float)(round(col[m] * 2048) / 2048 *
			    (round(row[n] * 2048) / 2048)) :
			    col[m] * row[n];
	if (bias) {
		k->bias = malloc(sizeof(*k->bias));
		k->bias[0] = kind == K_RANDOM ? -1.5f : kind == K_SYMMETRIC ?
		    0.25f : 0.5f;
	}
}

/* Number of samples whose float or 8-bit values differ. */
static size_t
compare(const struct cf_tensor *a, const struct cf_tensor *b)
{
	struct cf_convert_opts o = CF_CONVERT_OPTS_DEFAULT;
	struct cf_tensor ua = CF_TENSOR_INIT, ub = CF_TENSOR_INIT;
	size_t i, n = cf_tensor_numel(a), bad = 0;
	const float *fa = a->data, *fb = b->data;

	if (memcmp(a->shape, b->shape, sizeof(a->shape)))
		return (size_t)-1;
	for (i = 0; i < n; i++)
		bad += memcmp(&fa[i], &fb[i], sizeof(float)) != 0;
	if (a->shape[0] <= 4) {
		o.abs = 1;
		cf_convert_to_u8(a, &o, &ua, NULL);
		cf_convert_to_u8(b, &o, &ub, NULL);
		bad += memcmp(ua.data, ub.data, n) != 0;
		cf_tensor_release(&ua);
		cf_tensor_release(&ub);
	}
	return bad;
}

static const enum cf_pad_mode modes[] = {
	CF_PAD_ZERO, CF_PAD_CONSTANT, CF_PAD_REPLICATE, CF_PAD_REFLECT,
	CF_PAD_SYMMETRIC, CF_PAD_CIRCULAR,
};

static const size_t sizes[][2] = { { 1, 1 }, { 2, 3 }, { 5, 4 }, { 7, 9 },
	{ 37, 41 }, { 70, 23 } };
static const size_t ksizes[][2] = { { 1, 3 }, { 2, 2 }, { 3, 3 }, { 5, 3 },
	{ 4, 7 } };

/* The big grid: every combination, one test point per kernel kind and
 * input kind. */
static void
test_grid(void)
{
	static const enum kind kinds[] = { K_RANDOM, K_BOX, K_SOBEL,
		K_BINOMIAL, K_POSOUTER, K_BANK, K_SYMMETRIC };
	static const char *const kname[] = { "random", "box", "sobel",
		"binomial", "positive outer product", "bank",
		"vertically symmetric" };
	static const char *const vname[] = { "8-bit", "positive", "signed" };
	struct cf_conv_params p = CF_CONV_PARAMS_DEFAULT;
	struct cf_tensor x, yr, yf;
	struct cf_kernel k;
	char e1[256], e2[256];
	size_t ki, vi, si, kk, mi, runs, bad, errs;
	int stride, pad, dil, flip, threads, r1, r2, groups;

	for (ki = 0; ki < sizeof(kinds) / sizeof(kinds[0]); ki++)
		for (vi = 0; vi < 3; vi++) {
			runs = bad = errs = 0;
			for (si = 0; si < 6; si++)
			for (kk = 0; kk < 5; kk++)
			for (stride = 1; stride <= 3; stride++)
			for (pad = -1; pad <= 4; pad += 2)
			for (dil = 1; dil <= 2; dil++)
			for (mi = 0; mi < 6; mi++)
			for (flip = 0; flip <= 1; flip++) {
				size_t c = kinds[ki] == K_BANK ? 4 : 3;

				/* thin the grid: one flip/stride per mode */
				if ((mi + (size_t)stride + (size_t)flip +
				    kk) % 3)
					continue;
				groups = kinds[ki] == K_BANK ?
				    (int)(1 + (si + kk) % 2 * 3) : 1;
				if (groups == 4)
					groups = (int)((mi % 2) ? 4 : 2);
				fill_input(&x, c, sizes[si][0], sizes[si][1],
				    (enum vals)vi);
				make_kernel(&k, kinds[ki], ksizes[kk][0],
				    ksizes[kk][1], c, groups,
				    (int)((si + mi) % 2));
				p.stride_h = stride;
				p.stride_w = stride == 3 ? 1 : stride;
				p.dil_h = dil;
				p.dil_w = 3 - dil;
				p.padding = pad < 0 ? CF_PADDING_SAME :
				    CF_PADDING_EXPLICIT;
				p.pad_h = pad < 0 ? 0 : pad;
				p.pad_w = pad < 0 ? 0 : pad / 2;
				p.pad_mode = modes[mi];
				p.pad_value = 7.25f;
				p.flip = flip;
				threads = 1 + (int)((si + kk + mi) % 3);
				p.threads = threads;
				r1 = cf_conv2d_ref(&x, &k, &p, &yr, e1,
				    sizeof(e1));
				/* odd cases without the separable path: the
				 * 2-D path (and its fold) on the same kernels */
				r2 = cf_conv2d_fast(&x, &k, &p, (int)(runs % 2),
				    &yf, e2, sizeof(e2));
				runs++;
				if (r1 != r2 || (r1 && strcmp(e1, e2)))
					errs++;
				else if (!r1 && compare(&yr, &yf))
					bad++;
				cf_tensor_release(&yr);
				cf_tensor_release(&yf);
				cf_tensor_release(&x);
				cf_kernel_release(&k);
			}
			ok(bad == 0 && errs == 0, "%s kernels on %s input: "
			    "fast == reference over %zu cases", kname[ki],
			    vname[vi], runs);
			if (bad || errs)
				diag("%zu differ, %zu error mismatches", bad,
				    errs);
		}
}

/* Large images across many bands and threads; every thread count gives
 * the same bytes. */
static void
test_threads(void)
{
	struct cf_conv_params p = CF_CONV_PARAMS_DEFAULT;
	struct cf_tensor x, yr, yf;
	struct cf_kernel k;
	char e[256];
	enum kind kinds[] = { K_RANDOM, K_BOX, K_SOBEL, K_POSOUTER,
		K_SYMMETRIC };
	size_t ki, bad;
	int t;

	for (ki = 0; ki < 5; ki++) {
		fill_input(&x, 3, 203, 611, V_U8);
		make_kernel(&k, kinds[ki], 7, 5, 3, 1, 0);
		p.threads = 1;
		cf_conv2d_ref(&x, &k, &p, &yr, e, sizeof(e));
		bad = 0;
		for (t = 1; t <= 8; t *= 2) {
			p.threads = t;
			if (cf_conv2d_fast(&x, &k, &p, 1, &yf, e, sizeof(e)))
				bad++;
			else
				bad += compare(&yr, &yf) != 0;
			cf_tensor_release(&yf);
		}
		ok(bad == 0, "kind %zu, 203x611 with 1, 2, 4, 8 threads: "
		    "identical to the reference", ki);
		cf_tensor_release(&yr);
		cf_tensor_release(&x);
		cf_kernel_release(&k);
	}
}

/* The detection: exact outer products are found, the rest are not. */
static void
test_detect(void)
{
	struct cf_kernel k;
	double col[16], row[16];

	make_kernel(&k, K_BOX, 5, 5, 1, 1, 0);
	ok(cf_kernel_separable(&k, 0, col, row), "box 5x5 is separable");
	is_float(col[0] * row[0], 1.0f / 25, 0, "box 5x5 factors exactly");
	cf_kernel_release(&k);
	make_kernel(&k, K_SOBEL, 3, 3, 1, 1, 0);
	ok(cf_kernel_separable(&k, 1, col, row) && row[0] * col[0] > 0 &&
	    row[2] * col[0] < 0, "sobel is separable, and flips");
	cf_kernel_release(&k);
	make_kernel(&k, K_POSOUTER, 4, 7, 1, 1, 0);
	ok(cf_kernel_separable(&k, 0, col, row),
	    "an exact outer product of 11-bit factors is separable");
	((float *)k.weight.data)[5] *= 1.0000001f;
	ok(!cf_kernel_separable(&k, 0, col, row),
	    "one weight off by an ulp is not");
	cf_kernel_release(&k);
	make_kernel(&k, K_RANDOM, 3, 3, 1, 1, 0);
	ok(!cf_kernel_separable(&k, 0, col, row), "a random 3x3 is not");
	cf_kernel_release(&k);
}

int
main(void)
{
	test_detect();
	test_threads();
	test_grid();
	return done_testing();
}
