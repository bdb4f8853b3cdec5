/*
 * test_stream.c - the streaming engine (stream.c), run through the
 * engine's entry point (filter.h), against the naive reference engine
 * (cf_conv2d_ref) then cf_convert_to_u8/_u16.  Every pixel and every clip count must be
 * the same, over shapes (several strips, several column blocks), kernel
 * kinds (random, exactly and nearly separable, banks, magnitude pairs),
 * strides, dilations, paddings, pad modes, flip, conversions, depths,
 * kept alpha and thread counts; and on samples where float arithmetic
 * rounds the other way than the reference.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/conv.h"
#include "engine/convert.h"
#include "engine/filter.h"
#include "tap.h"

static uint64_t rng = 4242;

static double
rnd(void)	/* [0, 1) */
{
	rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
	return (double)(rng >> 11) / 9007199254740992.0;
}

/* An interleaved image, read row by row. */
struct src {
	size_t c, h, w, next;
	int u16;
	unsigned char *data;
};

static int
src_read(void *ctx, void *rows, size_t n)
{
	struct src *s = ctx;
	size_t rb = s->w * s->c * (s->u16 ? 2 : 1);

	if (s->next + n > s->h)
		return 1;
	memcpy(rows, s->data + s->next * rb, n * rb);
	s->next += n;
	return 0;
}

/* The output rows, gathered. */
struct dst {
	unsigned char *data;
	size_t len, rowbytes;
};

static int
dst_write(void *ctx, const void *rows, size_t n)
{
	struct dst *d = ctx;

	memcpy(d->data + d->len, rows, n * d->rowbytes);
	d->len += n * d->rowbytes;
	return 0;
}

/* Kernel kinds. */
enum kind { K_RANDOM, K_SOBEL, K_GAUSS, K_BOX, K_BANK, K_MAG };

static void
make_kernel(struct cf_kernel *k, enum kind kind, size_t kh, size_t kw,
    size_t c, int groups, int bias, int transposed)
{
	size_t m, n, i, nw;
	float *w;
	double g;

	memset(k, 0, sizeof(*k));
	if (kind == K_BANK) {
		size_t shape[4] = { c + 1 - (size_t)groups % 2, c /
		    (size_t)groups, kh, kw };

		/* C_out a multiple of groups: c for 1 or c groups */
		shape[0] = groups == 1 ? 2 : c;
		cf_tensor_init(&k->weight, CF_F32, 4, shape);
		k->groups = groups;
		nw = cf_tensor_numel(&k->weight);
		w = k->weight.data;
		for (i = 0; i < nw; i++)
			w[i] = (float)(rnd() * 2 - 1) / (float)(kh * kw);
		if (bias) {
			k->bias = malloc(shape[0] * sizeof(*k->bias));
			for (i = 0; i < shape[0]; i++)
				k->bias[i] = (float)(rnd() * 40 - 20);
		}
		return;
	}
	cf_kernel_init_depthwise(k, kh, kw);
	w = k->weight.data;
	for (m = 0; m < kh; m++)
		for (n = 0; n < kw; n++) {
			size_t a = transposed ? n : m, b = transposed ? m : n;

			g = exp(-((double)a - kh / 2.0) * ((double)a - kh / 2.0)
			    / 3) * exp(-((double)b - kw / 2.0) *
			    ((double)b - kw / 2.0) / 5);
			w[m * kw + n] = kind == K_SOBEL ?
			    (float)((a == 0 || a == kh - 1 ? 1 : 2) *
			    ((double)b - (double)(kw - 1) / 2)) :
			    kind == K_GAUSS ? (float)(g / 4) :
			    kind == K_BOX ? 1.0f / (float)(kh * kw) :
			    (float)(rnd() * 2 - 0.8) / (float)(kh + kw);
		}
	if (bias) {
		k->bias = malloc(sizeof(*k->bias));
		k->bias[0] = kind == K_RANDOM ? 3.3f : 0.5f;
	}
}

/* The stage of kind kind: one kernel, or x and y kernels (magnitude). */
static void
make_stage(struct cf_stage *st, enum kind kind, size_t kh, size_t kw,
    size_t c, int groups, int bias)
{
	memset(st, 0, sizeof(*st));
	snprintf(st->name, sizeof(st->name), "test");
	st->kind = CF_STAGE_CONV;
	st->nkernels = kind == K_MAG ? 2 : 1;
	make_kernel(&st->k[0], kind == K_MAG ? K_SOBEL : kind, kh, kw, c,
	    groups, bias, 0);
	if (kind == K_MAG)
		make_kernel(&st->k[1], K_SOBEL, kh, kw, c, groups, bias, 1);
}

/* A random image, interleaved, and as the floats the whole-image path
 * filters ([C, H, W], times scale). */
static void
make_image(struct src *s, struct cf_tensor *x, size_t c, size_t h,
    size_t w, int u16, float scale)
{
	size_t shape[3] = { c, h, w }, i, k, n = c * h * w;
	uint16_t *d16;
	float *xf;
	unsigned v;

	memset(s, 0, sizeof(*s));
	s->c = c;
	s->h = h;
	s->w = w;
	s->u16 = u16;
	s->data = malloc(n * (u16 ? 2 : 1));
	d16 = (uint16_t *)(void *)s->data;
	cf_tensor_init(x, CF_F32, 3, shape);
	xf = x->data;
	for (i = 0; i < h * w; i++)
		for (k = 0; k < c; k++) {
			/* smooth-ish with noise, and some extremes */
			v = (unsigned)(rnd() < 0.05 ? (rnd() < 0.5 ? 0 : 65535) :
			    (i % w * 997 + i / w * 331 + k * 77) % 60000 +
			    rnd() * 5000);
			if (!u16)
				v >>= 8;
			if (u16)
				d16[i * c + k] = (uint16_t)v;
			else
				s->data[i * c + k] = (unsigned char)v;
			xf[k * h * w + i] = (float)v * scale;
		}
}

struct setup {
	size_t c, h, w;
	int u16, out16, keep, drop, threads;
	float scale;
	struct cf_conv_params p;
	struct cf_convert_opts cv;
};

/*
 * A stage by the naive reference engine: one kernel, or the magnitude of
 * two as cf_conv_stage combines them (cf_conv_magnitude).
 */
static int
ref_stage(const struct cf_tensor *x, const struct cf_stage *st,
    const struct cf_conv_params *p, struct cf_tensor *y, char *err,
    size_t errlen)
{
	struct cf_tensor b;
	int rc;

	if ((rc = cf_conv2d_ref(x, &st->k[0], p, y, err, errlen)) ||
	    st->nkernels == 1)
		return rc;
	if ((rc = cf_conv2d_ref(x, &st->k[1], p, &b, err, errlen))) {
		cf_tensor_release(y);
		return rc;
	}
	cf_conv_magnitude(y->data, b.data, cf_tensor_numel(y), 1);
	cf_tensor_release(&b);
	return 0;
}

/* The engine's options streaming st over t's image. */
static void
set_opts(struct cf_filter_opts *fo, const struct setup *t,
    const struct cf_stage *st)
{
	static const struct cf_filter_opts defaults = CF_FILTER_OPTS_DEFAULT;

	*fo = defaults;
	fo->stages = st;
	fo->nstages = 1;
	fo->conv = t->p;
	fo->convert = t->cv;
	fo->alpha = t->keep ? CF_ALPHA_KEEP : CF_ALPHA_SEPARATE;
	fo->wide = t->out16;
	fo->out = t->out16 ? CF_U16 : CF_U8;
	fo->out_channels = 0;
	fo->out_alpha = !t->drop;
	fo->threads = t->threads;
	fo->mode = CF_FILTER_STREAM;
}

/* Plan st over t's image; 0 when it streams. */
static int
plan(struct cf_filter_plan *pl, struct cf_filter_opts *fo,
    const struct setup *t, const struct cf_stage *st)
{
	struct cf_filter_in in = { t->c, t->h, t->w, t->u16 ? CF_U16 : CF_U8,
		NULL };
	char err[256];

	set_opts(fo, t, st);
	if (cf_filter_plan(fo, &in, pl, err, sizeof(err)))
		return -1;
	return pl->fast ? 0 : -2;
}

/* The 16-bit result from the reference's doubles, converted. */
static int
reference64(const struct setup *t, const struct cf_stage *st,
    struct cf_tensor *x, struct cf_tensor *out, struct cf_clip_stats *clip)
{
	size_t ys[3], c, plane;
	char err[256];
	double *y;
	int rc;

	if ((rc = cf_conv_stage64(x, st, &t->p, &y, ys, err, sizeof(err))))
		return rc;
	cf_tensor_init(out, CF_U16, 3, ys);
	memset(clip, 0, sizeof(*clip));
	clip->channels = ys[0] <= CF_MAX_DIMS ? ys[0] : 0;
	plane = ys[1] * ys[2];
	for (c = 0; c < ys[0]; c++) {
		uint64_t low = 0, high = 0;

		cf_convert_row64(y + c * plane, plane, &t->cv,
		    (uint16_t *)out->data + c * plane, 1, &low, &high);
		if (clip->channels) {
			clip->low[c] = low;
			clip->high[c] = high;
		}
	}
	free(y);
	return 0;
}

/* The whole-image result: the reference, alpha appended, converted. */
static int
reference(const struct setup *t, const struct cf_stage *st,
    struct cf_tensor *x, struct cf_tensor *out, struct cf_clip_stats *clip)
{
	struct cf_tensor y, z;
	size_t shape[3], plane = t->h * t->w, i;
	char err[256];
	int rc;

	/* 16-bit pixels from the double results (cf_filter_exact16) */
	if (t->out16 && !t->keep && !t->cv.normalize)
		return reference64(t, st, x, out, clip);
	if (t->keep)
		x->shape[0]--;
	rc = ref_stage(x, st, &t->p, &y, err, sizeof(err));
	if (t->keep)
		x->shape[0]++;
	if (rc)
		return rc;
	if (t->keep) {
		shape[0] = y.shape[0] + 1;
		shape[1] = y.shape[1];
		shape[2] = y.shape[2];
		cf_tensor_init(&z, CF_F32, 3, shape);
		memcpy(z.data, y.data, cf_tensor_numel(&y) * sizeof(float));
		for (i = 0; i < plane; i++)
			((float *)z.data)[y.shape[0] * plane + i] =
			    ((float *)x->data)[(t->c - 1) * plane + i];
		cf_tensor_release(&y);
		y = z;
	}
	rc = (t->out16 ? cf_convert_to_u16 : cf_convert_to_u8)(&y, &t->cv,
	    out, clip);
	cf_tensor_release(&y);
	return rc;
}

/* Stream the stage and compare with the reference: 0 when the same. */
static int
check(const struct setup *t, const struct cf_stage *st)
{
	struct cf_filter_opts fo;
	struct cf_filter_plan pl;
	struct cf_tensor x, ref;
	struct cf_clip_stats c1, c2;
	struct src s;
	struct dst d;
	size_t total, oc, y, xx, k, bad = 0;
	char err[256];
	int rc1, rc2;
	unsigned got, want;

	make_image(&s, &x, t->c, t->h, t->w, t->u16, t->scale);
	rc1 = reference(t, st, &x, &ref, &c1);
	rc2 = plan(&pl, &fo, t, st);
	memset(&d, 0, sizeof(d));
	if (!rc1) {
		total = ref.shape[0];
		oc = total - (size_t)t->drop;
		d.rowbytes = oc * ref.shape[2] * (t->out16 ? 2 : 1);
		d.data = malloc(d.rowbytes * ref.shape[1]);
		if (!rc2 && (pl.c != oc || pl.h != ref.shape[1] ||
		    pl.w != ref.shape[2]))
			rc2 = -4;
	}
	if (rc1)
		rc2 = -3;
	else if (!rc2)
		rc2 = cf_filter_run(&pl, src_read, &s, dst_write, &d, &c2, err,
		    sizeof(err));
	cf_filter_release(&pl);
	if (!rc1 && !rc2) {
		for (y = 0; y < ref.shape[1]; y++)
			for (xx = 0; xx < ref.shape[2]; xx++)
				for (k = 0; k < oc; k++) {
					size_t i = (y * ref.shape[2] + xx) * oc
					    + k, r = (k * ref.shape[1] + y) *
					    ref.shape[2] + xx;

					got = t->out16 ?
					    ((uint16_t *)(void *)d.data)[i] :
					    d.data[i];
					want = t->out16 ?
					    ((uint16_t *)ref.data)[r] :
					    ((uint8_t *)ref.data)[r];
					if (got != want && bad < 3)
						diag("at %zu,%zu,%zu: %u != %u",
						    k, y, xx, got, want);
					bad += got != want;
				}
		bad += s.next != t->h;
		if (c1.channels != c2.channels ||
		    memcmp(c1.low, c2.low, sizeof(c1.low)) ||
		    memcmp(c1.high, c2.high, sizeof(c1.high)))
			diag("clip counts differ: %zu %zu, %llu/%llu vs "
			    "%llu/%llu", c1.channels, c2.channels,
			    (unsigned long long)c1.low[0],
			    (unsigned long long)c1.high[0],
			    (unsigned long long)c2.low[0],
			    (unsigned long long)c2.high[0]);
		bad += c1.channels != c2.channels ||
		    memcmp(c1.low, c2.low, sizeof(c1.low)) ||
		    memcmp(c1.high, c2.high, sizeof(c1.high));
	}
	if (rc1 == 0 && rc2 != 0)
		bad++;
	if (!rc1)
		cf_tensor_release(&ref);
	cf_tensor_release(&x);
	free(s.data);
	free(d.data);
	return bad != 0;
}

static const enum cf_pad_mode modes[] = {
	CF_PAD_ZERO, CF_PAD_CONSTANT, CF_PAD_REPLICATE, CF_PAD_REFLECT,
	CF_PAD_SYMMETRIC, CF_PAD_CIRCULAR,
};

static const size_t sizes[][2] = { { 1, 1 }, { 3, 5 }, { 9, 300 },
	{ 75, 33 }, { 140, 20 } };
static const size_t ksizes[][2] = { { 1, 1 }, { 3, 2 }, { 2, 5 },
	{ 7, 4 }, { 5, 5 }, { 2, 2 } };

static void
test_grid(void)
{
	static const char *const kname[] = { "random", "sobel", "gaussian",
		"box", "bank", "magnitude" };
	struct cf_convert_opts cv0 = CF_CONVERT_OPTS_DEFAULT;
	struct cf_conv_params p0 = CF_CONV_PARAMS_DEFAULT;
	struct setup t;
	struct cf_stage st;
	size_t kind, si, kk, mi, runs, bad, n = 0;
	int stride, pad, dil, flip, conv, depth;

	for (kind = 0; kind <= K_MAG; kind++) {
		runs = bad = 0;
		for (si = 0; si < 5; si++)
		for (kk = 0; kk < 6; kk++)
		for (stride = 1; stride <= 2; stride++)
		for (pad = -1; pad <= 3; pad += 2)
		for (dil = 1; dil <= 2; dil++)
		for (mi = 0; mi < 6; mi++)
		for (flip = 0; flip <= 1; flip++) {
			/* thin the grid, differently for each kind */
			if ((++n + kind) % 5)
				continue;
			memset(&t, 0, sizeof(t));
			conv = (int)(n / 5 % 3);
			depth = (int)(n / 15 % 3);
			t.c = kind == K_BANK ? 4 : 1 + n / 7 % 4;
			t.h = sizes[si][0];
			t.w = sizes[si][1];
			t.u16 = depth == 1;
			t.out16 = depth != 0;
			t.scale = depth == 2 ? 257.0f : 1.0f;
			t.p = p0;
			t.p.stride_h = stride;
			t.p.stride_w = 3 - stride;
			t.p.dil_h = dil;
			t.p.dil_w = dil;
			t.p.padding = pad < 0 ? CF_PADDING_SAME :
			    CF_PADDING_EXPLICIT;
			t.p.pad_h = pad < 0 ? 0 : pad;
			t.p.pad_w = pad < 0 ? 0 : pad * 2;
			t.p.pad_mode = modes[mi];
			t.p.pad_value = mi % 2 ? 7.25f : 200.0f;
			t.p.flip = flip;
			t.cv = cv0;
			t.cv.abs = conv == 1 || kind == K_SOBEL;
			t.cv.scale = conv == 2 ? 0.37 : 1.0;
			t.cv.bias = conv == 2 ? 3.1 : 0.0;
			t.cv.round = (enum cf_round)(n / 45 % 4);
			t.threads = 1 + (int)(n % 3);
			/* kept alpha: a depthwise stage keeping the size */
			t.keep = (t.c == 2 || t.c == 4) && kind != K_BANK &&
			    pad < 0 && stride == 1 && n % 2;
			if (t.keep)
				t.p.stride_w = 1;
			t.drop = (t.c == 2 || t.c == 4) && n % 4 == 3;
			make_stage(&st, (enum kind)kind, ksizes[kk][0],
			    ksizes[kk][1], t.c, kind == K_BANK ?
			    (int)(1 + n % 2 * 3) : 1, (int)(n % 2));
			if (!t.keep)
				t.drop = 0;
			runs++;
			if (check(&t, &st)) {
				bad++;
				diag("c %zu %zux%zu k %zux%zu s %d pad %d d %d "
				    "mode %zu flip %d conv %d depth %d keep %d "
				    "drop %d j %d", t.c, t.h, t.w,
				    ksizes[kk][0], ksizes[kk][1], stride, pad,
				    dil, mi, flip, conv, depth, t.keep, t.drop,
				    t.threads);
			}
			cf_stage_release(&st);
		}
		ok(bad == 0, "%s stages: streamed == reference in %zu "
		    "cases", kname[kind], runs);
		if (bad)
			diag("%zu differ", bad);
	}
}

/*
 * Samples where float sums round the other way: 0.7 * (1 + 6 + 1 + 6 +
 * 1) is 10.4999998 in double, 10.5 as the reference's float (so 11), and
 * a float sum can give 10.499999 (so 10).  And a 0.1 kernel on ramps.
 */
static void
test_ties(void)
{
	struct setup t;
	struct cf_stage st;
	struct cf_conv_params p0 = CF_CONV_PARAMS_DEFAULT;
	struct cf_convert_opts cv0 = CF_CONVERT_OPTS_DEFAULT;
	struct cf_filter_opts fo;
	struct cf_filter_plan pl;
	struct src s;
	struct dst d;
	struct cf_clip_stats clip;
	unsigned char row[5] = { 1, 6, 1, 6, 1 }, out[1];
	float *w;
	size_t i;
	char err[256];
	int rc;

	memset(&st, 0, sizeof(st));
	st.kind = CF_STAGE_CONV;
	st.nkernels = 1;
	cf_kernel_init_depthwise(&st.k[0], 1, 5);
	w = st.k[0].weight.data;
	for (i = 0; i < 5; i++)
		w[i] = 0.7f;
	memset(&t, 0, sizeof(t));
	t.c = 1;
	t.h = 1;
	t.w = 5;
	t.scale = 1;
	t.threads = 1;
	t.p = p0;
	t.p.padding = CF_PADDING_EXPLICIT;
	t.cv = cv0;
	memset(&s, 0, sizeof(s));
	s.c = 1;
	s.h = 1;
	s.w = 5;
	s.data = row;
	d.data = out;
	d.len = 0;
	d.rowbytes = 1;
	rc = plan(&pl, &fo, &t, &st);
	if (!rc)
		rc = cf_filter_run(&pl, src_read, &s, dst_write, &d, &clip,
		    err, sizeof(err));
	cf_filter_release(&pl);
	ok(rc == 0, "a 1x5 image streams");
	is_float(out[0], 11, 0, "0.7 x (1 6 1 6 1): 11 as the reference "
	    "rounds, not 10");
	cf_stage_release(&st);

	/* the same kind of kernel over many rows of many values */
	for (rc = 0, i = 0; i < 12; i++) {
		static const float ws[] = { 0.1f, 0.7f, 0.3f };
		int k;

		memset(&t, 0, sizeof(t));
		t.c = 1;
		t.h = 200;
		t.w = 256;
		t.scale = 1;
		t.threads = 2;
		t.p = p0;
		t.cv = cv0;
		t.cv.round = (enum cf_round)(i / 3);	/* every mode */
		memset(&st, 0, sizeof(st));
		st.kind = CF_STAGE_CONV;
		st.nkernels = 1;
		cf_kernel_init_depthwise(&st.k[0], 3, 5);
		w = st.k[0].weight.data;
		for (k = 0; k < 15; k++)
			w[k] = ws[i % 3];
		rc += check(&t, &st);
		cf_stage_release(&st);
	}
	ok(rc == 0, "0.1, 0.7 and 0.3 box kernels, every rounding mode: "
	    "streamed == reference");
}

/*
 * The plan streams an 8-bit Gaussian by the float engine; a 16-bit 13x13
 * one would recompute about half its samples, so the general pipeline,
 * in double, is cheaper (cf_stream_worth).
 */
static void
test_worth(void)
{
	struct cf_conv_params p0 = CF_CONV_PARAMS_DEFAULT;
	struct cf_convert_opts cv0 = CF_CONVERT_OPTS_DEFAULT;
	struct cf_filter_opts fo;
	struct cf_filter_plan pl;
	struct cf_stage st;
	struct setup t;
	int streamed;

	make_stage(&st, K_GAUSS, 13, 13, 3, 1, 0);
	memset(&t, 0, sizeof(t));
	t.c = 3;
	t.h = 100;
	t.w = 100;
	t.scale = 1;
	t.threads = 1;
	t.p = p0;
	t.cv = cv0;
	plan(&pl, &fo, &t, &st);
	cf_filter_release(&pl);
	fo.mode = CF_FILTER_AUTO;
	streamed = !cf_filter_plan(&fo, &(struct cf_filter_in){ 3, 100, 100,
	    CF_U8, NULL }, &pl, NULL, 0) && pl.fast;
	cf_filter_release(&pl);
	ok(streamed, "an 8-bit 13x13 gaussian is worth streaming in float");
	fo.wide = 1;
	fo.out = CF_U16;
	streamed = !cf_filter_plan(&fo, &(struct cf_filter_in){ 3, 100, 100,
	    CF_U16, NULL }, &pl, NULL, 0) && pl.fast;
	cf_filter_release(&pl);
	ok(!streamed, "a 16-bit one is not: too many samples to recompute");
	cf_stage_release(&st);
}

int
main(void)
{
	test_ties();
	test_worth();
	test_grid();
	return done_testing();
}
