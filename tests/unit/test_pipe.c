/*
 * test_pipe.c - the streaming pipeline (pipe.c) against the whole-image
 * reference, both through the engine's entry point (filter.h): every
 * output byte and clip count must be the same, over chains of one to
 * three mixed stages (depthwise kernels, banks, magnitudes, max and
 * average pooling, transposed convolutions), every alpha mode, --linear,
 * --normalize (two passes), --abs/--scale/--bias, 8- and 16-bit data,
 * 8-bit data on the 16-bit scale, float tensors in and out, dropped
 * alpha, pad modes, strides, dilations and thread counts, on images of
 * one row to several blocks of rows.
 */
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/filter.h"
#include "engine/alpha.h"
#include "engine/levels.h"
#include "kernels/load.h"
#include "tap.h"

static uint64_t rng = 777;
static size_t nfast;	/* jobs whose last stage ran in float */

static double
rnd(void)	/* [0, 1) */
{
	rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
	return (double)(rng >> 11) / 9007199254740992.0;
}

/* An interleaved input, read row by row, rewound for a second pass. */
struct src {
	size_t rowbytes, h, next;
	unsigned char *data;
	int rewound;
};

static int
src_read(void *ctx, void *rows, size_t n)
{
	struct src *s = ctx;

	if (s->next + n > s->h)
		return 1;
	memcpy(rows, s->data + s->next * s->rowbytes, n * s->rowbytes);
	s->next += n;
	return 0;
}

static int
src_rewind(void *ctx)
{
	struct src *s = ctx;

	if (s->next != s->h)
		return 1;	/* a pass reads every row */
	s->next = 0;
	s->rewound++;
	return 0;
}

struct dst {
	unsigned char *data;
	size_t len, cap, rowbytes;
};

static int
dst_write(void *ctx, const void *rows, size_t n)
{
	struct dst *d = ctx;

	if (d->len + n * d->rowbytes > d->cap)
		return 1;
	memcpy(d->data + d->len, rows, n * d->rowbytes);
	d->len += n * d->rowbytes;
	return 0;
}

/* A random depthwise kernel kh x kw, signed or not, maybe with a bias. */
static void
rand_kernel(struct cf_stage *st, size_t kh, size_t kw, int nonneg, int bias)
{
	size_t i;
	float *w;

	memset(st, 0, sizeof(*st));
	snprintf(st->name, sizeof(st->name), "random");
	st->nkernels = 1;
	cf_kernel_init_depthwise(&st->k[0], kh, kw);
	w = st->k[0].weight.data;
	for (i = 0; i < kh * kw; i++)
		w[i] = (float)((nonneg ? rnd() : rnd() * 2 - 0.8) /
		    (double)(kh * kw));
	/* terms that cancel: the order of the sums shows */
	if (!nonneg && kh * kw > 2 && rnd() < 0.3) {
		w[0] = 1e12f;
		w[kh * kw - 1] = -1e12f;
	}
	if (bias) {
		st->k[0].bias = malloc(sizeof(float));
		st->k[0].bias[0] = (float)(rnd() * 6 - 2);
	}
}

/* A bank of cout filters over cin channels in groups, kh x kw. */
static void
rand_bank(struct cf_stage *st, size_t cout, size_t cin, int groups,
    size_t kh, size_t kw, int transposed)
{
	size_t shape[4], i, n, nb;
	float *w;

	memset(st, 0, sizeof(*st));
	snprintf(st->name, sizeof(st->name), "bank");
	st->nkernels = 1;
	/* forward [C_out, C_in/g, KH, KW]; transposed [C_in, C_out/g, ...] */
	shape[0] = transposed ? cin : cout;
	shape[1] = transposed ? cout / (size_t)groups : cin / (size_t)groups;
	shape[2] = kh;
	shape[3] = kw;
	cf_tensor_init(&st->k[0].weight, CF_F32, 4, shape);
	st->k[0].groups = groups;
	n = cf_tensor_numel(&st->k[0].weight);
	w = st->k[0].weight.data;
	for (i = 0; i < n; i++)
		w[i] = (float)(rnd() * 2 - 1) / (float)(kh * kw);
	/* terms that cancel on flat inputs: the order of the sums shows */
	if (n > 2 && rnd() < 0.3) {
		w[0] = 1e12f;
		w[n - 1] = -1e12f;
	}
	nb = cout;	/* one per output channel */
	st->k[0].bias = malloc(nb * sizeof(float));
	for (i = 0; i < nb; i++)
		st->k[0].bias[i] = (float)(rnd() * 20 - 10);
}

/* A preset or pooling stage by name. */
static void
preset(struct cf_stage *st, const char *spec)
{
	char err[256];

	if (cf_load_spec(spec, 0, st, err, sizeof(err)))
		diag("%s: %s", spec, err);
}

/* An input of c channels, h x w, of dtype, some extremes among smooth
 * values (floats signed and past 255). */
static void
make_input(struct src *s, size_t c, size_t h, size_t w, enum cf_dtype dt)
{
	size_t i, n = c * h * w;
	uint16_t *d16;
	float *df;
	double v;
	int flat = rnd() < 0.3;

	memset(s, 0, sizeof(*s));
	s->rowbytes = c * w * cf_dtype_size(dt);
	s->h = h;
	s->data = malloc(n * cf_dtype_size(dt));
	d16 = (uint16_t *)(void *)s->data;
	df = (float *)(void *)s->data;
	for (i = 0; i < n; i++) {
		v = rnd() < 0.05 ? (rnd() < 0.5 ? 0 : 1) :
		    fmod((double)(i / c % w) * 0.0137 + (double)(i / c / w) *
		    0.029 + (double)(i % c) * 0.21, 1.0) * 0.8 + rnd() * 0.2;
		/* or flat in blocks of 8 x 8, where big terms cancel */
		if (flat)
			v = fmod((double)(i / c % w / 8) * 0.37 +
			    (double)(i / c / w / 8) * 0.61 + (double)(i % c) *
			    0.21, 1.0);
		/* alpha often fully transparent or opaque */
		if ((c == 2 || c == 4) && i % c == c - 1 && rnd() < 0.6)
			v = rnd() < 0.5 ? 0 : 1;
		if (dt == CF_U8)
			s->data[i] = (unsigned char)(v * 255);
		else if (dt == CF_U16)
			d16[i] = (uint16_t)(v * 65535);
		else	/* and now and then huge, whose averages cancel, or NaN */
			df[i] = rnd() < 0.003 ? NAN : (float)(rnd() < 0.02 ?
			    (rnd() - 0.5) * 1e13 : v * 600 - 150);
	}
}

struct job {
	struct cf_filter_opts o;
	struct cf_filter_in in;
	const char *what;
};

/* Run j by mode: 0 and the output in d, or -1 when planning failed. */
static int
run(const struct job *j, enum cf_filter_mode mode, const struct src *in,
    struct dst *d, struct cf_clip_stats *clip, int *streamed)
{
	struct cf_filter_opts o = j->o;
	struct cf_filter_plan pl;
	struct src s = *in;
	char err[256];
	int rc;

	o.mode = mode;
	memset(d, 0, sizeof(*d));
	if (cf_filter_plan(&o, &j->in, &pl, err, sizeof(err))) {
		cf_filter_release(&pl);
		return -1;
	}
	*streamed = pl.streamed;
	nfast += pl.fast;
	d->rowbytes = pl.c * pl.w * cf_dtype_size(pl.dtype);
	d->cap = d->rowbytes * pl.h;
	d->data = malloc(d->cap ? d->cap : 1);
	rc = cf_filter_run(&pl, src_read, &s, dst_write, d, clip, err,
	    sizeof(err));
	if (rc)
		diag("%s: %s failed: %s", j->what, mode == CF_FILTER_WHOLE ?
		    "whole" : "pipe", err);
	if (!rc && (s.next != s.h || d->len != d->cap))
		rc = 1;
	cf_filter_release(&pl);
	return rc;
}

/* One way of streaming against the whole-image path: 0 when the same. */
static int
same(const struct job *j, enum cf_filter_mode mode, const struct src *in,
    const struct dst *a, const struct cf_clip_stats *ca)
{
	struct dst b;
	struct cf_clip_stats cb;
	int rb, sb = 0, bad;

	rb = run(j, mode, in, &b, &cb, &sb);
	bad = rb || !sb || a->len != b.len ||
	    memcmp(a->data, b.data, a->len) ||
	    ca->channels != cb.channels || memcmp(ca->low, cb.low,
	    sizeof(ca->low)) || memcmp(ca->high, cb.high, sizeof(ca->high));
	if (bad)
		diag("%s: %s: rc %d, streamed %d, %zu vs %zu bytes%s", j->what,
		    mode == CF_FILTER_PIPE ? "pipe" : "float last stage", rb,
		    sb, a->len, b.len, !rb && a->len == b.len &&
		    memcmp(a->data, b.data, a->len) ? ", bytes differ" :
		    ca->channels != cb.channels || memcmp(ca->low, cb.low,
		    sizeof(ca->low)) || memcmp(ca->high, cb.high,
		    sizeof(ca->high)) ? ", clip counts differ" : "");
	free(b.data);
	return bad;
}

/*
 * The pipeline, with exact nodes only and with the float engine for the
 * last stage where it can, against the whole-image path.
 */
static int
check(const struct job *j, const struct src *in, size_t *skipped)
{
	struct dst a;
	struct cf_clip_stats ca;
	int ra, sa = 0, bad;

	ra = run(j, CF_FILTER_WHOLE, in, &a, &ca, &sa);
	if (ra == -1) {
		++*skipped;	/* a chain the shapes refuse */
		return 0;
	}
	bad = ra || same(j, CF_FILTER_PIPE, in, &a, &ca) ||
	    same(j, CF_FILTER_STREAM, in, &a, &ca);
	free(a.data);
	return bad;
}

static const char *const specs[] = { "box:3", "gaussian:1", "sobel",
	"sobel:x", "laplacian", "maxpool:2", "avgpool:3,stride=1,pad=1",
	"maxpool:3,stride=2,pad=1", "sharpen", "emboss", "unsharp" };
#define NSPECS (sizeof(specs) / sizeof(specs[0]))

static const enum cf_pad_mode modes[] = { CF_PAD_ZERO, CF_PAD_CONSTANT,
	CF_PAD_REPLICATE, CF_PAD_REFLECT, CF_PAD_SYMMETRIC, CF_PAD_CIRCULAR };

static const size_t sizes[][2] = { { 1, 7 }, { 5, 3 }, { 37, 41 },
	{ 70, 19 }, { 19, 300 } };

/* Random chains of one to three stages over random jobs. */
static void
test_grid(int transposed, size_t runs)
{
	struct cf_stage st[3];
	struct job j;
	struct src in;
	size_t r, i, ns, c, si, bad = 0, skipped = 0;
	static const int depths[] = { 0, 1, 2, 3 };	/* u8, u16, wide, f32 */
	char what[512];
	int depth, alpha;

	for (r = 0; r < runs; r++) {
		static const struct cf_filter_opts defaults =
		    CF_FILTER_OPTS_DEFAULT;

		j.o = defaults;
		ns = 1 + (size_t)(rnd() * 3);
		c = 1 + (size_t)(rnd() * 4);
		depth = depths[(size_t)(rnd() * 4)];
		si = (size_t)(rnd() * 5);
		for (i = 0; i < ns; i++) {
			double u = rnd();

			if (transposed && u < 0.5)
				rand_bank(&st[i], c, c, rnd() < 0.5 ? 1 :
				    (int)c, 1 + (size_t)(rnd() * 3),
				    1 + (size_t)(rnd() * 3), 1);
			else if (transposed && u < 0.6)
				preset(&st[i], "sobel");	/* a magnitude */
			else if (transposed)
				preset(&st[i], rnd() < 0.5 ? "box:2" :
				    specs[5 + (size_t)(rnd() * 3)]);
			else if (u < 0.15)
				rand_bank(&st[i], c, c, rnd() < 0.5 ? 1 :
				    (int)c, 1 + (size_t)(rnd() * 4),
				    1 + (size_t)(rnd() * 4), 0);
			else if (u < 0.35)
				rand_kernel(&st[i], 1 + (size_t)(rnd() * 6),
				    1 + (size_t)(rnd() * 6), rnd() < 0.5,
				    rnd() < 0.5);
			else
				preset(&st[i], specs[(size_t)(rnd() *
				    NSPECS)]);
		}
		j.o.stages = st;
		j.o.nstages = ns;
		j.o.conv.transpose = transposed;
		j.o.conv.stride_h = 1 + (rnd() < 0.2);
		j.o.conv.stride_w = 1 + (rnd() < 0.2);
		if (transposed && rnd() < 0.5)
			j.o.conv.stride_h = j.o.conv.stride_w = 2;
		j.o.conv.dil_h = j.o.conv.dil_w = 1 + (rnd() < 0.15);
		if (rnd() < 0.3) {
			j.o.conv.padding = CF_PADDING_EXPLICIT;
			j.o.conv.pad_h = (int)(rnd() * 3);
			j.o.conv.pad_w = (int)(rnd() * 3);
		}
		j.o.conv.pad_mode = modes[(size_t)(rnd() * 6)];
		j.o.conv.pad_value = 37.5f;
		j.o.conv.flip = rnd() < 0.2;
		alpha = (int)(rnd() * 4);
		j.o.alpha = (enum cf_alpha_mode)alpha;
		j.o.linear = rnd() < 0.25;
		j.o.convert.abs = rnd() < 0.3;
		if (rnd() < 0.2) {
			j.o.convert.scale = 0.7;
			j.o.convert.bias = 11.3;
		}
		j.o.convert.normalize = rnd() < 0.15;
		j.o.wide = depth == 1 || depth == 2 || (depth == 3 &&
		    rnd() < 0.5);
		j.o.out = depth == 3 || rnd() < 0.1 ? CF_F32 : j.o.wide ?
		    CF_U16 : CF_U8;
		j.o.out_channels = rnd() < 0.8 ? 0 : 4;
		j.o.out_alpha = rnd() < 0.8;
		j.o.threads = 1 + (int)(rnd() * 4);
		j.in.c = c;
		j.in.h = sizes[si][0];
		j.in.w = sizes[si][1];
		j.in.dtype = depth == 0 || depth == 2 ? CF_U8 : depth == 1 ?
		    CF_U16 : CF_F32;
		j.in.rewind = src_rewind;
		snprintf(what, sizeof(what), "run %zu: %zu stages %s %s %s, "
		    "c %zu %zux%zu depth %d alpha %d linear %d norm %d out %d "
		    "s %dx%d pad %d mode %d j %d", r, ns, st[0].name,
		    ns > 1 ? st[1].name : "-", ns > 2 ? st[2].name : "-", c,
		    j.in.h, j.in.w, depth, alpha, j.o.linear,
		    j.o.convert.normalize, (int)j.o.out, j.o.conv.stride_h,
		    j.o.conv.stride_w, j.o.conv.padding ? j.o.conv.pad_h : -1,
		    (int)j.o.conv.pad_mode, j.o.threads);
		j.what = what;
		make_input(&in, c, j.in.h, j.in.w, j.in.dtype);
		if (check(&j, &in, &skipped)) {
			bad++;
			if (bad > 5)
				break;
		}
		free(in.data);
		for (i = 0; i < ns; i++)
			cf_stage_release(&st[i]);
	}
	ok(bad == 0, "%s chains: streamed == whole image in %zu jobs (%zu "
	    "refused, %zu with the float last stage)", transposed ?
	    "transposed" : "forward", runs - skipped, skipped, nfast);
	nfast = 0;
}

/* The README's chains on a larger image, each thread count. */
static void
test_chains(void)
{
	static const char *const chains[][3] = {
		{ "box:5", "sobel:x", NULL },
		{ "gaussian:1", "maxpool:2", "sobel" },
		{ "avgpool:2", "sharpen", NULL },
		{ NULL, NULL, NULL },
	};
	static const struct cf_filter_opts defaults = CF_FILTER_OPTS_DEFAULT;
	struct cf_stage st[3];
	struct src in;
	struct job j;
	size_t i, n, skipped = 0, bad = 0;
	int t;

	for (i = 0; i < sizeof(chains) / sizeof(chains[0]); i++)
		for (t = 1; t <= 3; t++) {
			j.o = defaults;
			for (n = 0; n < 3 && chains[i][n]; n++)
				preset(&st[n], chains[i][n]);
			j.o.stages = st;
			j.o.nstages = n;
			j.o.convert.abs = 1;
			j.o.threads = t;
			j.in.c = 4;
			j.in.h = 203;
			j.in.w = 317;
			j.in.dtype = CF_U8;
			j.in.rewind = src_rewind;
			j.what = chains[i][0] ? chains[i][0] : "no stage";
			make_input(&in, 4, 203, 317, CF_U8);
			bad += check(&j, &in, &skipped);
			free(in.data);
			while (n--)
				cf_stage_release(&st[n]);
		}
	ok(bad == 0 && !skipped, "the README's chains and a conversion, 1 to "
	    "3 threads: streamed == whole image");
}

/* What the reference makes of colour v: encoded as cf_alpha_after_row
 * does, then converted. */
static long
encoded(float v, const struct cf_convert_opts *cv, double max)
{
	float *q = &v;

	cf_alpha_after_row(&q, 1, 1, CF_ALPHA_SEPARATE, 1, max);
	return cf_convert_sample(v, cv, NULL, max);
}

/*
 * The --linear table (levels.h) against the reference's functions, at 8
 * and 16 bits, plain and with --scale/--bias: every threshold and the
 * floats around it, random floats, and intervals it calls certain.
 */
static void
test_levels(void)
{
	static const double scales[][2] = { { 1, 0 }, { 0.7, 11.3 },
		{ 3, -40 } };
	struct cf_convert_opts cv = CF_CONVERT_OPTS_DEFAULT;
	struct cf_levels l;
	size_t i, k, bad = 0, sure = 0, runs = 0, refused = 0;
	double max, lo, hi;
	float v, u;
	long r;
	int m, d;

	for (m = 0; m < 2; m++)
		for (k = 0; k < 3; k++) {
			max = m ? 65535 : 255;
			cv.scale = scales[k][0];
			cv.bias = scales[k][1];
			if (cf_levels_init(&l, &cv, max)) {
				/* levels too close together: no table */
				refused++;
				bad += !m;	/* 8 bits always have one */
				continue;
			}
			/* the floats around each threshold */
			for (i = 1; i + 1 < (size_t)max + 3; i++)
				for (d = -3; d <= 3; d++) {
					int64_t q = l.t[i] + d;
					uint32_t b = q >= 0 ? (uint32_t)q :
					    (uint32_t)(-q - 1) | 0x80000000u;

					memcpy(&u, &b, sizeof(u));
					runs++;
					if (u == u && cf_levels_pixel(&l, u) !=
					    encoded(u, &cv, max) && bad++ < 3)
						diag("  %.9g: %ld, want %ld", u,
						    cf_levels_pixel(&l, u),
						    encoded(u, &cv, max));
				}
			for (i = 0; i < 200000; i++) {
				v = (float)(rnd() * (max + 40) - 20);
				if (i % 3 == 0)
					v = (float)(rnd() * 2);
				runs++;
				if (cf_levels_pixel(&l, v) != encoded(v, &cv, max) &&
				    bad++ < 3)
					diag("  %.9g (max %g k %zu): %ld, want %ld", v,
					    max, k, cf_levels_pixel(&l, v),
					    encoded(v, &cv, max));
				lo = v - rnd() * (i % 2 ? 1e-4 : 0.3);
				hi = v + rnd() * 1e-4;
				r = cf_levels_span(&l, lo, hi);
				if (r == LONG_MIN)
					continue;
				sure++;
				if ((r != encoded((float)lo, &cv, max) ||
				    r != encoded((float)hi, &cv, max) ||
				    r != encoded(v, &cv, max)) && bad++ < 3)
					diag("  [%.9g, %.9g] (max %g k %zu): %ld, "
					    "want %ld %ld %ld", lo, hi, max, k, r,
					    encoded((float)lo, &cv, max),
					    encoded(v, &cv, max),
					    encoded((float)hi, &cv, max));
			}
			cf_levels_release(&l);
		}
	ok(bad == 0, "the --linear table gives the reference's pixels (%zu "
	    "floats, %zu intervals called certain; %zu of 6 tables refused)",
	    runs, sure, refused);
}

int
main(void)
{
	(void)is_float;
	test_levels();
	test_chains();
	test_grid(0, 1500);
	test_grid(1, 400);
	return done_testing();
}
