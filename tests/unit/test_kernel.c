/*
 * test_kernel.c - the kernel-file parser and writer, and the presets.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/kernel.h"
#include "kernels/presets.h"
#include "tap.h"

static char err[512];

/* Parse text (NUL-terminated) as "t.kernel"; the return code. */
static int
parse(const char *text, struct cf_kernel *k)
{
	return cf_kernel_parse(text, strlen(text), "t.kernel", 0, k, err,
	    sizeof(err));
}

static int
shape_is(const struct cf_kernel *k, size_t a, size_t b, size_t c, size_t d)
{
	const struct cf_tensor *t = &k->weight;

	return t->ndim == 4 && t->shape[0] == a && t->shape[1] == b &&
	    t->shape[2] == c && t->shape[3] == d;
}

/* Weights equal want[] exactly (float compare). */
static int
weights_are(const struct cf_kernel *k, const float *want, size_t n)
{
	const float *w = k->weight.data;
	size_t i;

	if (cf_tensor_numel(&k->weight) != n)
		return 0;
	for (i = 0; i < n; i++)
		if (w[i] != want[i]) {
			diag("weight %zu: got %.9g, want %.9g", i,
			    (double)w[i], (double)want[i]);
			return 0;
		}
	return 1;
}

static void
good(const char *what, const char *text, size_t a, size_t b, size_t c,
    size_t d, const float *want)
{
	struct cf_kernel k;
	int rc = parse(text, &k);

	if (!ok(rc == 0, "parses %s", what)) {
		diag("%s", err);
		return;
	}
	ok(shape_is(&k, a, b, c, d), "%s: shape %zux%zux%zux%zu", what, a, b,
	    c, d);
	ok(weights_are(&k, want, a * b * c * d), "%s: weights", what);
	cf_kernel_release(&k);
}

/* text must fail with exactly msg (after "t.kernel:"). */
static void
bad(const char *what, const char *text, const char *msg)
{
	struct cf_kernel k;
	char want[512];
	int rc = parse(text, &k);

	snprintf(want, sizeof(want), "t.kernel:%s", msg);
	ok(rc == CF_EKERNEL, "rejects %s", what);
	if (!ok(strcmp(err, want) == 0, "%s: message", what))
		diag("got  '%s'\n# want '%s'", err, want);
	ok(k.weight.data == NULL && k.bias == NULL, "%s: nothing kept", what);
}

static void
test_numbers(void)
{
	static const struct {
		const char *s;
		double want;
	} good_num[] = {
		{ "0", 0 }, { "-0", -0.0 }, { "1", 1 }, { "+2", 2 },
		{ "-3.5", -3.5 }, { ".5", 0.5 }, { "5.", 5 }, { "1e3", 1000 },
		{ "1E-3", 1e-3 }, { "2.5e+2", 250 }, { "0.1", 0.1 },
		{ "123456789012345678901234", 123456789012345678901234.0 },
		{ "0.000000000000000000000000001", 1e-27 },
		{ "1e-400", 0 }, { "0e999999999999", 0 },
		{ "3.40282347e38", 3.40282347e38 },
	};
	static const char *bad_num[] = {
		"", "-", "+", ".", "e3", "1e", "1e+", "1.2.3", "1,5", "0x10",
		"nan", "inf", " 1", "1 ", "--1", "1f",
	};
	size_t i;
	double d;

	for (i = 0; i < sizeof(good_num) / sizeof(good_num[0]); i++) {
		int rc = cf_kernel_parse_number(good_num[i].s,
		    strlen(good_num[i].s), &d);

		ok(rc == 0 && fabs(d - good_num[i].want) <=
		    1e-15 * fabs(good_num[i].want) &&
		    signbit(d) == signbit(good_num[i].want),
		    "number '%s'", good_num[i].s);
	}
	for (i = 0; i < sizeof(bad_num) / sizeof(bad_num[0]); i++)
		ok(cf_kernel_parse_number(bad_num[i], strlen(bad_num[i]),
		    &d) == CF_EINVAL, "not a number: '%s'", bad_num[i]);
	ok(cf_kernel_parse_number("1e401", 5, &d) == CF_EOVERFLOW,
	    "1e401 overflows");
	ok(cf_kernel_parse_number("12", 1, &d) == 0 && d == 1,
	    "length is respected");
}

/* Every float printed with %.9g reads back as the same float. */
static void
test_number_round_trip(void)
{
	unsigned long long x = 88172645463325252ULL;
	char buf[64];
	size_t i, fails = 0;
	double d;
	float f;
	unsigned u;

	for (i = 0; i < 200000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		u = (unsigned)x;
		memcpy(&f, &u, sizeof(f));
		if (!isfinite(f))
			continue;
		snprintf(buf, sizeof(buf), "%.9g", (double)f);
		if (cf_kernel_parse_number(buf, strlen(buf), &d) ||
		    (float)d != f)
			if (fails++ < 5)
				diag("'%s' read back as %.9g", buf, d);
	}
	ok(fails == 0, "200000 random floats round-trip through %%.9g");
}

static void
test_good(void)
{
	static const float b3[9] = {
		1. / 16, 2. / 16, 1. / 16, 2. / 16, 4. / 16, 2. / 16,
		1. / 16, 2. / 16, 1. / 16,
	};
	static const float row[3] = { -1, 0, 1 };
	static const float col[3] = { -1, 0, 1 };
	static const float two[6] = { 1, 2, 3, 4, 5, 6 };
	static const float frac[4] = { 0.5f, -0.25f, (float)(1. / 3), 1e-3f };
	static const float norm[3] = { 0.25f, 0.5f, 0.25f };
	static const float neg[2] = { -0.5f, 1.5f };
	static const float one[1] = { 7 };

	good("a 3x3 grid with scale 1/16",
	    "# binomial\nscale 1/16\n1 2 1\n2 4 2\n1 2 1\n", 1, 1, 3, 3, b3);
	good("fractions in the grid",
	    "1/16 2/16 1/16\n2/16 4/16 2/16\n1/16 2/16 1/16", 1, 1, 3, 3, b3);
	good("a row", "-1 0 1\n", 1, 1, 1, 3, row);
	good("a column", "-1\n0\n1\n", 1, 1, 3, 1, col);
	good("commas, tabs and CRLF", "1,2,\t3\r\n4, 5 ,6\r\n", 1, 1, 2, 3,
	    two);
	good("comments anywhere",
	    "# head\n  # indented\n1 2 3 # tail\n\n#\n4 5 6#glued\n# end",
	    1, 1, 2, 3, two);
	good("fractions, signs, decimals, exponents",
	    "1/2 -1/4\n+1/3 1e-3\n", 1, 1, 2, 2, frac);
	good("no final newline", "7", 1, 1, 1, 1, one);
	good("normalize", "normalize\n1 2 1\n", 1, 1, 1, 3, norm);
	good("normalize with a negative sum", "normalize\n1 -3\n", 1, 1, 1,
	    2, neg);
	good("shape KH KW, weights laid out freely", "shape 2 3\n1 2 3 4\n5 6",
	    1, 1, 2, 3, two);
	good("scale after a comment, before shape",
	    "scale 2\n# c\nshape 1 3\n0.5 1 1.5\n", 1, 1, 1, 3,
	    (const float[]){ 1, 2, 3 });
	good("a negative scale", "scale -1/2\n2 -4\n", 1, 1, 1, 2,
	    (const float[]){ -1, 2 });
	good("an exact 1e38", "1e38", 1, 1, 1, 1, (const float[]){ 1e38f });
}

static void
test_directives(void)
{
	struct cf_kernel k;
	const float *w;

	ok(parse("bias 128\n-1 0 1\n", &k) == 0 && k.depthwise &&
	    k.groups == 1 && k.bias && k.bias[0] == 128,
	    "depthwise bias");
	cf_kernel_release(&k);
	ok(parse("1 2 3", &k) == 0 && !k.bias && k.depthwise,
	    "no bias: bias is NULL");
	cf_kernel_release(&k);

	/* rgb -> gray, a 1x1 bank */
	ok(parse("shape 1 3 1 1\n0.299 0.587 0.114\n", &k) == 0 &&
	    shape_is(&k, 1, 3, 1, 1) && !k.depthwise && k.groups == 1,
	    "1x1 filter bank");
	w = k.weight.data;
	ok(w && w[0] == 0.299f && w[1] == 0.587f && w[2] == 0.114f,
	    "1x1 filter bank weights");
	cf_kernel_release(&k);

	/* groups, per-output bias, normalize per output filter */
	ok(parse("normalize\nbias 1 2 3 -4\ngroups 2\nshape 4 1 1 2\n"
	    "1 1\n1 3\n2 2\n-1 -1\n", &k) == 0, "bank with groups, bias, "
	    "normalize");
	w = k.weight.data;
	ok(shape_is(&k, 4, 1, 1, 2) && k.groups == 2 && !k.depthwise,
	    "bank shape and groups");
	ok(k.bias && k.bias[0] == 1 && k.bias[1] == 2 && k.bias[2] == 3 &&
	    k.bias[3] == -4, "bank bias per output");
	ok(w && w[0] == 0.5f && w[1] == 0.5f && w[2] == 0.25f &&
	    w[3] == 0.75f && w[4] == 0.5f && w[5] == 0.5f && w[6] == 0.5f &&
	    w[7] == 0.5f, "normalize per output filter");
	cf_kernel_release(&k);

	ok(parse("shape 2 3 1 1\ngroups 2\n1 2 3 4 5 6", &k) == 0 &&
	    k.groups == 2, "groups equal to COUT");
	cf_kernel_release(&k);
}

static void
test_bad(void)
{
	char big[64];

	bad("a ragged row", "# blur\n1 2 1\n2 4\n1 2 1\n",
	    "3:1: row 2 has 2 weights, expected 3");
	bad("a long row", "1 2\n  3 4 5\n",
	    "2:3: row 2 has 3 weights, expected 2");
	bad("NaN", "1 nan 1\n", "1:3: numbers must be finite, got 'nan'");
	bad("-Inf", "1 -Inf 1\n", "1:3: numbers must be finite, got '-Inf'");
	bad("NaN at the start of a line", "NaN\n",
	    "1:1: numbers must be finite, got 'NaN'");
	bad("infinity as a scale", "scale infinity\n1\n",
	    "1:7: numbers must be finite, got 'infinity'");
	bad("an overflowing number", "1e39\n",
	    "1:1: number out of range: '1e39'");
	bad("a huge exponent", "1e99999999999999999999\n",
	    "1:1: number out of range: '1e99999999999999999999'");
	bad("1/0", "1 1/0\n", "1:3: division by zero in '1/0'");
	bad("0/0", "0/0\n", "1:1: division by zero in '0/0'");
	bad("a word among the weights", "1 x 1\n",
	    "1:3: expected a number, got 'x'");
	bad("a double fraction", "1/2/3\n",
	    "1:1: expected a number, got '1/2/3'");
	bad("a decimal comma", "1;5\n", "1:1: expected a number, got '1;5'");
	bad("control bytes", "1 \001\n",
	    "1:3: expected a number, got '?'");
	bad("too few weights for the shape", "shape 3 3 3 1\n"
	    "1 2 3 4 5 6 7 8 9\n1 2 3 4 5 6 7 8 9\n1 2 3 4 5 6 7 8\n",
	    "4:16: expected 27 weights, got 26");
	bad("too many weights for the shape", "shape 2 2\n1 2\n3 4\n5 6\n",
	    "4:1: expected 4 weights, got 6");
	bad("a shape and no weights", "shape 2 2\n",
	    "1:10: expected 4 weights, got 0");
	bad("an unknown directive", "sclae 1/9\n1\n",
	    "1:1: unknown directive 'sclae'");
	bad("an upper-case directive", "Scale 2\n1\n",
	    "1:1: unknown directive 'Scale'");
	bad("a directive after the weights", "1 2\nscale 2\n",
	    "2:1: directive 'scale' after the weights");
	bad("a directive twice", "bias 1\nbias 2\n1\n",
	    "2:1: directive 'bias' given twice (first on line 1)");
	bad("scale with normalize", "scale 2\nnormalize\n1\n",
	    "2:1: 'scale' and 'normalize' cannot be combined");
	bad("normalize with scale", "normalize\nscale 2\n1\n",
	    "2:1: 'scale' and 'normalize' cannot be combined");
	bad("scale without a value", "scale\n1\n",
	    "1:1: 'scale' takes one number, got 0");
	bad("scale with two values", "scale 1 2\n1\n",
	    "1:1: 'scale' takes one number, got 2");
	bad("normalize with a value", "normalize 1\n1\n",
	    "1:11: 'normalize' takes no arguments, got '1'");
	bad("normalize of a zero sum", "normalize\n-1 0 1\n",
	    "1:1: cannot normalize: the weights sum to 0");
	bad("normalize of a zero-sum bank filter",
	    "normalize\nshape 2 1 1 2\n1 1\n1 -1\n",
	    "1:1: cannot normalize: the weights of output channel 1 sum "
	    "to 0");
	bad("bias without a value", "bias\n1\n",
	    "1:1: 'bias' needs at least one number");
	bad("two biases for a depthwise kernel", "bias 1 2\n1\n",
	    "1:1: 'bias' has 2 values, expected 1");
	bad("a bias count unlike COUT", "bias 1 2\nshape 3 1 1 1\n1 2 3\n",
	    "1:1: 'bias' has 2 values, expected 3 (one per output channel)");
	bad("a bad bias", "bias x\n1\n", "1:6: expected a number, got 'x'");
	bad("shape with 3 sizes", "shape 1 2 3\n1\n",
	    "1:1: 'shape' takes 2 (KH KW) or 4 (COUT CIN KH KW) integers, "
	    "got 3");
	bad("a zero shape", "shape 0 3\n1\n",
	    "1:7: shape: expected a positive integer, got '0'");
	bad("a fractional shape", "shape 2.5 3\n1\n",
	    "1:7: shape: expected a positive integer, got '2.5'");
	bad("a negative shape", "shape -2 3\n1\n",
	    "1:7: shape: expected a positive integer, got '-2'");
	bad("a shape wider than the limit", "shape 1 1025\n1\n",
	    "1:1: kernel of 1 x 1025 is larger than the limit of 1024 x 1024");
	bad("a shape over the weight limit", "shape 17 1024 1024 1\n1\n",
	    "1:1: shape has more than 16777216 weights");
	bad("a shape whose product overflows",
	    "shape 16777216 16777216 1024 1024\n1\n",
	    "1:1: shape has more than 16777216 weights");
	bad("an absurd shape value", "shape 99999999999999999999999 1\n1\n",
	    "1:7: shape: '99999999999999999999999' is too large");
	bad("groups without a shape", "groups 2\n1 2\n",
	    "1:1: 'groups' needs a filter-bank shape (shape COUT CIN KH KW)");
	bad("groups with a 2-D shape", "shape 1 2\ngroups 2\n1 2\n",
	    "2:1: 'groups' needs a filter-bank shape (shape COUT CIN KH KW)");
	bad("groups not dividing COUT", "shape 3 1 1 1\ngroups 2\n1 2 3\n",
	    "2:1: groups 2 does not divide the 3 output channels");
	bad("groups 0", "shape 2 1 1 1\ngroups 0\n1 2\n",
	    "2:8: groups: expected a positive integer, got '0'");
	bad("an empty file", "", "1:1: no weights");
	bad("only comments", "# nothing\n\n  # here\n", "3:9: no weights");
	bad("only directives", "scale 2\n", "1:8: no weights");

	/* 1025 columns */
	{
		char *s = malloc(1025 * 2 + 1);
		size_t i;

		for (i = 0; i < 1025; i++)
			memcpy(s + 2 * i, "1 ", 2);
		s[2050] = '\0';
		bad("a row over the limit", s,
		    "1:2049: row 1 has more than 1024 weights");
		for (i = 0; i < 1025; i++)
			memcpy(s + 2 * i, "1\n", 2);
		bad("rows over the limit", s, "1025:1: more than 1024 rows");
		free(s);
	}
	snprintf(big, sizeof(big), "%s", "1 2\n3 4\n");
	{
		struct cf_kernel k;

		ok(cf_kernel_parse(big, 3, "t.kernel", 0, &k, err, sizeof(err))
		    == 0 && shape_is(&k, 1, 1, 1, 2),
		    "only len bytes are read");
		cf_kernel_release(&k);
		ok(cf_kernel_parse("x", 1, "t.kernel", 0, &k, NULL, 0) ==
		    CF_EKERNEL, "a NULL errbuf is allowed");
	}
	{
		struct cf_kernel k;
		const char nul[] = "1 2\0 3\n";

		ok(cf_kernel_parse(nul, sizeof(nul) - 1, "t.kernel", 0, &k,
		    err, sizeof(err)) == CF_EKERNEL &&
		    !strcmp(err, "t.kernel:1:3: expected a number, got '2?'"),
		    "a NUL byte is an error");
	}
}

/* Write k, parse it back, compare everything. */
static int
round_trip(const struct cf_kernel *k, const char *title)
{
	char *buf = NULL;
	size_t len = 0, n = cf_tensor_numel(&k->weight), nb, i;
	struct cf_kernel r;
	FILE *f = open_memstream(&buf, &len);
	int same;

	if (!f || cf_kernel_write(f, k, title)) {
		if (f)
			fclose(f);
		free(buf);
		return 0;
	}
	fclose(f);
	if (cf_kernel_parse(buf, len, "written", k->transposed, &r, err,
	    sizeof(err))) {
		diag("%s\n%s", err, buf);
		free(buf);
		return 0;
	}
	same = shape_is(&r, k->weight.shape[0], k->weight.shape[1],
	    k->weight.shape[2], k->weight.shape[3]) &&
	    r.depthwise == k->depthwise && r.groups == k->groups &&
	    !r.bias == !k->bias &&
	    !memcmp(r.weight.data, k->weight.data, n * sizeof(float));
	nb = k->depthwise ? 1 : k->weight.shape[0];
	for (i = 0; same && k->bias && i < nb; i++)
		same = r.bias[i] == k->bias[i];
	if (!same)
		diag("written:\n%s", buf);
	cf_kernel_release(&r);
	free(buf);
	return same;
}

static void
test_write(void)
{
	static const char *texts[] = {
		"scale 1/9\n1 1 1\n1 1 1\n1 1 1\n",
		"bias -0.5\n1/3 2/3\n-1e-7 1e30\n",
		"-0 0\n",
		"shape 1 3 1 1\nbias 0.1\n0.299 0.587 0.114\n",
		"shape 4 2 2 3\ngroups 2\nbias 1 2 3 4\n"
		"1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 "
		"24 25 26 27 28 29 30 31 32 33 34 35 36 37 38 39 40 41 42 43 "
		"44 45 46 47 48\n",
		"shape 2 2\n1 2 3 4\n",
		"shape 1 5\n1 2 3 4 5\n",
		"1.40129846e-45 3.40282347e+38 -1.17549435e-38\n",
	};
	struct cf_kernel k;
	struct cf_stage st;
	char *buf = NULL;
	size_t i, len = 0;
	FILE *f;

	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		if (parse(texts[i], &k)) {
			ok(0, "round trip %zu parses: %s", i, err);
			continue;
		}
		ok(round_trip(&k, i % 2 ? "title" : NULL), "round trip %zu",
		    i);
		cf_kernel_release(&k);
	}
	for (i = 0; cf_presets[i].name; i++) {
		if (cf_preset_build(cf_presets[i].name, &st, err,
		    sizeof(err))) {
			ok(0, "preset %s builds: %s", cf_presets[i].name, err);
			continue;
		}
		ok(round_trip(&st.k[0], cf_presets[i].name) &&
		    (st.nkernels == 1 || round_trip(&st.k[1], "y")),
		    "preset %s round-trips", cf_presets[i].name);
		cf_stage_release(&st);
	}

	/* random bit patterns, written with the fewest digits */
	if (!ok(cf_kernel_init_depthwise(&k, 40, 50) == 0, "random kernel"))
		return;
	{
		unsigned long long x = 0x9e3779b97f4a7c15ULL;
		float *w = k.weight.data, v;
		unsigned u;

		for (i = 0; i < 2000; ) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			u = (unsigned)(x >> 11);
			memcpy(&v, &u, sizeof(v));
			if (isfinite(v))
				w[i++] = v;
		}
	}
	ok(round_trip(&k, "random"), "2000 random floats round-trip");
	cf_kernel_release(&k);

	/* the exact text for a small kernel */
	f = open_memstream(&buf, &len);
	ok(parse("scale 1/4\n1 2 -1\n", &k) == 0 &&
	    cf_kernel_write(f, &k, "demo") == 0, "write a kernel");
	fclose(f);
	ok(!strcmp(buf, "# demo\n 0.25   0.5 -0.25\n"), "written text");
	free(buf);
	cf_kernel_release(&k);
	f = open_memstream(&buf, &len);
	ok(parse("shape 2 1 1 1\nbias 3 4\n1 2\n", &k) == 0 &&
	    cf_kernel_write(f, &k, NULL) == 0, "write a bank");
	fclose(f);
	ok(!strcmp(buf, "shape 2 1 1 1\nbias 3 4\n# one line per output "
	    "channel: its weight for each input channel\n1\n2\n"),
	    "written bank text");
	free(buf);
	cf_kernel_release(&k);
}

static void
test_load(void)
{
	char path[] = "/tmp/test_kernel_XXXXXX";
	struct cf_kernel k;
	char want[600];
	FILE *f;
	int fd = mkstemp(path);

	if (!ok(fd >= 0 && (f = fdopen(fd, "w")), "temp file"))
		return;
	fputs("scale 1/2\n2 4\n6\n", f);
	fclose(f);
	ok(cf_kernel_load(path, 0, &k, err, sizeof(err)) == CF_EKERNEL,
	    "load reports parse errors");
	snprintf(want, sizeof(want), "%s:3:1: row 2 has 1 weights, "
	    "expected 2", path);
	ok(!strcmp(err, want), "with the path as the name");
	f = fopen(path, "w");
	fputs("scale 1/2\n2 4\n", f);
	fclose(f);
	ok(cf_kernel_load(path, 0, &k, err, sizeof(err)) == 0 &&
	    ((float *)k.weight.data)[1] == 2, "load a file");
	cf_kernel_release(&k);
	remove(path);
	ok(cf_kernel_load(path, 0, &k, err, sizeof(err)) == CF_EIO &&
	    !strcmp(err, "cannot read: No such file or directory"),
	    "a missing file");
	ok(cf_kernel_load("/tmp", 0, &k, err, sizeof(err)) == CF_EIO &&
	    !strcmp(err, "cannot read: Is a directory"), "a directory");
}

/* Presets */

static struct cf_stage st;

static int
build(const char *spec)
{
	cf_stage_release(&st);
	return cf_preset_build(spec, &st, err, sizeof(err));
}

static void
preset3(const char *spec, int nk, const float *a, const float *b)
{
	if (!ok(build(spec) == 0, "preset %s builds", spec))
		return;
	ok(st.nkernels == nk && !strcmp(st.name, spec) &&
	    shape_is(&st.k[0], 1, 1, 3, 3) && st.k[0].depthwise &&
	    !st.k[0].bias, "%s: one 3x3 depthwise kernel%s", spec,
	    nk == 2 ? " of two" : "");
	ok(weights_are(&st.k[0], a, 9), "%s: weights", spec);
	if (nk == 2)
		ok(shape_is(&st.k[1], 1, 1, 3, 3) &&
		    weights_are(&st.k[1], b, 9), "%s: second kernel", spec);
}

static double
sum(const struct cf_kernel *k)
{
	const float *w = k->weight.data;
	size_t i, n = cf_tensor_numel(&k->weight);
	double s = 0;

	for (i = 0; i < n; i++)
		s += w[i];
	return s;
}

/* The 2-D Gaussian of size n is g g^T for the 1-D g given. */
static void
gauss_is(const char *spec, size_t n, const double *g)
{
	const float *w;
	size_t i, j, bad = 0;

	if (!ok(build(spec) == 0, "%s builds", spec)) {
		diag("%s", err);
		return;
	}
	ok(st.nkernels == 1 && shape_is(&st.k[0], 1, 1, n, n),
	    "%s: size %zu", spec, n);
	if (!g || !shape_is(&st.k[0], 1, 1, n, n))
		return;
	w = st.k[0].weight.data;
	for (i = 0; i < n; i++)
		for (j = 0; j < n; j++)
			/* g has 9 digits: within a float's precision */
			bad += fabs(w[i * n + j] - g[i] * g[j]) >
			    1.2e-7 * g[i] * g[j];
	if (!ok(bad == 0, "%s: weights g g^T", spec))
		diag("w[0] %.9g want %.9g, centre %.9g want %.9g",
		    (double)w[0], g[0] * g[0], (double)w[n * n / 2],
		    g[n / 2] * g[n / 2]);
	is_float(sum(&st.k[0]), 1, 1e-6, "sums to 1");
}

static void
test_presets(void)
{
	static const float sobel_x[9] = { -1, 0, 1, -2, 0, 2, -1, 0, 1 };
	static const float sobel_y[9] = { -1, -2, -1, 0, 0, 0, 1, 2, 1 };
	static const float prewitt_x[9] = { -1, 0, 1, -1, 0, 1, -1, 0, 1 };
	static const float prewitt_y[9] = { -1, -1, -1, 0, 0, 0, 1, 1, 1 };
	static const float scharr_x[9] = { -3, 0, 3, -10, 0, 10, -3, 0, 3 };
	static const float scharr_y[9] = { -3, -10, -3, 0, 0, 0, 3, 10, 3 };
	static const float lap[9] = { 0, 1, 0, 1, -4, 1, 0, 1, 0 };
	static const float sharp[9] = { 0, -1, 0, -1, 5, -1, 0, -1, 0 };
	static const float emb[9] = { -2, -1, 0, -1, 1, 1, 0, 1, 2 };
	static const float box3[9] = {
		1.f / 9, 1.f / 9, 1.f / 9, 1.f / 9, 1.f / 9, 1.f / 9,
		1.f / 9, 1.f / 9, 1.f / 9,
	};
	/* 1-D Gaussians, normalised, from Python's math.exp */
	static const double g1[7] = {
		0.00443304818, 0.0540055826, 0.242036229, 0.39905028,
		0.242036229, 0.0540055826, 0.00443304818,
	};
	static const double g2[13] = {
		0.00221819585, 0.00877313479, 0.0270231576, 0.0648251851,
		0.12110939, 0.176213123, 0.199675627, 0.176213123, 0.12110939,
		0.0648251851, 0.0270231576, 0.00877313479, 0.00221819585,
	};
	static const double g15[7] = {
		0.0366328454, 0.111280758, 0.216745321, 0.270682149,
		0.216745321, 0.111280758, 0.0366328454,
	};
	/* cv2.getGaussianKernel(N, 0): tables for N <= 9, then sigma =
	 * 0.3*((N-1)/2 - 1) + 0.8 (2 for N = 11) */
	static const double cv1[1] = { 1 }, cv3[3] = { 0.25, 0.5, 0.25 };
	static const double cv5[5] = { 1. / 16, 4. / 16, 6. / 16, 4. / 16,
		1. / 16 };
	static const double cv7[7] = { 1. / 32, 3.5 / 32, 7. / 32, 9. / 32,
		7. / 32, 3.5 / 32, 1. / 32 };
	static const double cv9[9] = { 4. / 256, 13. / 256, 30. / 256,
		51. / 256, 60. / 256, 51. / 256, 30. / 256, 13. / 256,
		4. / 256 };
	static const double cv11[11] = {
		0.00881222929, 0.0271435771, 0.0651140566, 0.121649073,
		0.176998357, 0.200565414, 0.176998357, 0.121649073,
		0.0651140566, 0.0271435771, 0.00881222929,
	};
	const float *w;
	size_t i;
	int allbox;

	ok(build("identity") == 0 && st.nkernels == 1 &&
	    shape_is(&st.k[0], 1, 1, 1, 1) &&
	    ((float *)st.k[0].weight.data)[0] == 1, "identity is [1]");
	preset3("sobel", 2, sobel_x, sobel_y);
	preset3("sobel:x", 1, sobel_x, NULL);
	preset3("sobel:y", 1, sobel_y, NULL);
	preset3("prewitt", 2, prewitt_x, prewitt_y);
	preset3("prewitt:x", 1, prewitt_x, NULL);
	preset3("prewitt:y", 1, prewitt_y, NULL);
	preset3("scharr", 2, scharr_x, scharr_y);
	preset3("scharr:x", 1, scharr_x, NULL);
	preset3("scharr:y", 1, scharr_y, NULL);
	preset3("laplacian", 1, lap, NULL);
	preset3("sharpen", 1, sharp, NULL);
	preset3("emboss", 1, emb, NULL);
	preset3("box", 1, box3, NULL);
	preset3("box:3", 1, box3, NULL);
	preset3("box:size=3", 1, box3, NULL);

	ok(build("box:5") == 0 && shape_is(&st.k[0], 1, 1, 5, 5),
	    "box:5 is 5x5");
	w = st.k[0].weight.data;
	for (i = 0, allbox = 1; w && i < 25; i++)
		allbox &= w[i] == 0.04f;
	ok(allbox, "box:5 weights are all 1/25");
	ok(build("box:4") == 0 && shape_is(&st.k[0], 1, 1, 4, 4) &&
	    ((float *)st.k[0].weight.data)[15] == 0.0625f,
	    "box:4, an even size, is allowed");
	ok(build("box:1") == 0 && shape_is(&st.k[0], 1, 1, 1, 1) &&
	    ((float *)st.k[0].weight.data)[0] == 1, "box:1 is [1]");
	ok(build("box:1023") == 0 && shape_is(&st.k[0], 1, 1, 1023, 1023),
	    "box:1023 is the largest");

	gauss_is("gaussian", 7, g1);
	gauss_is("gaussian:1", 7, g1);
	gauss_is("gaussian:sigma=1", 7, g1);
	gauss_is("gaussian:2", 13, g2);
	gauss_is("gaussian:sigma=2,size=13", 13, g2);
	gauss_is("gaussian:sigma=1.5,size=7", 7, g15);
	gauss_is("gaussian:1.5,size=7", 7, g15);
	gauss_is("gaussian:size=7,sigma=1.5", 7, g15);
	gauss_is("gaussian:1.5", 11, NULL);
	gauss_is("gaussian:0.5", 5, NULL);
	gauss_is("gaussian:0.1", 3, NULL);
	gauss_is("gaussian:1e-9", 3, NULL);
	gauss_is("gaussian:sigma=2,truncate=2", 9, NULL);
	gauss_is("gaussian:sigma=2,truncate=4", 17, NULL);
	gauss_is("gaussian:truncate=1", 3, NULL);
	gauss_is("gaussian:sigma=30,truncate=0.1", 7, NULL);
	gauss_is("gaussian:sigma=1.2,truncate=2.5", 7, NULL);
	/* a size alone: OpenCV's getGaussianKernel(size, 0) */
	gauss_is("gaussian:size=1", 1, cv1);
	gauss_is("gaussian:size=3", 3, cv3);
	gauss_is("gaussian:size=5", 5, cv5);
	gauss_is("gaussian:size=7", 7, cv7);
	gauss_is("gaussian:size=9", 9, cv9);
	gauss_is("gaussian:size=11", 11, cv11);
	gauss_is("gaussian:sigma=100,size=1", 1, NULL);
	ok(build("gaussian:size=3") == 0 &&
	    ((float *)st.k[0].weight.data)[4] == 0.25f &&
	    ((float *)st.k[0].weight.data)[0] == 0.0625f,
	    "gaussian:size=3 is [1 2 1]^T [1 2 1] / 16 exactly");
	{
		struct cf_stage a;

		ok(build("gaussian:size=11") == 0 &&
		    cf_preset_build("gaussian:sigma=2,size=11", &a, err,
		    sizeof(err)) == 0 &&
		    !memcmp(a.k[0].weight.data, st.k[0].weight.data,
		    121 * sizeof(float)),
		    "gaussian:size=11 has sigma 2");
		cf_stage_release(&a);
	}
	gauss_is("gaussian:170", 1021, NULL);
	gauss_is("gaussian:170.1", 1023, NULL);

	/* unsharp = (1+A) identity - A gaussian */
	{
		struct cf_stage g;
		const float *gw;
		size_t j, bad = 0;
		double want;

		ok(cf_preset_build("gaussian:2", &g, err, sizeof(err)) == 0,
		    "gaussian:2 for unsharp");
		gw = g.k[0].weight.data;
		ok(build("unsharp:sigma=2,amount=0.5") == 0 &&
		    shape_is(&st.k[0], 1, 1, 13, 13), "unsharp builds");
		w = st.k[0].weight.data;
		for (j = 0; w && j < 169; j++) {
			want = -0.5 * gw[j] + (j == 84 ? 1.5 : 0);
			bad += fabs(w[j] - want) > 1e-7;
		}
		ok(w && bad == 0, "unsharp:sigma=2,amount=0.5 weights");
		is_float(sum(&st.k[0]), 1, 1e-6, "unsharp sums to 1");
		cf_stage_release(&g);
		ok(build("unsharp") == 0 && shape_is(&st.k[0], 1, 1, 7, 7),
		    "unsharp defaults to sigma 1 (7x7)");
		w = st.k[0].weight.data;
		is_float(w[24], 2 - g1[3] * g1[3], 1e-7,
		    "unsharp default centre is 2 - g(0)^2");
		is_float(w[0], -g1[0] * g1[0], 1e-9,
		    "unsharp default corner is -g(3)^2");
		ok(build("unsharp:2") == 0 && shape_is(&st.k[0], 1, 1, 13, 13),
		    "unsharp:2 is sigma 2");
		ok(build("unsharp:amount=0") == 0 &&
		    ((float *)st.k[0].weight.data)[24] == 1 &&
		    ((float *)st.k[0].weight.data)[0] == 0,
		    "unsharp with amount 0 is the identity");
	}
	cf_stage_release(&st);
}

static void
test_bad_presets(void)
{
	static const struct {
		const char *spec, *msg;
	} cases[] = {
		{ "gaussian:0", "gaussian: sigma must be > 0, got '0'" },
		{ "gaussian:-1", "gaussian: sigma must be > 0, got '-1'" },
		{ "gaussian:sigma=0", "gaussian: sigma must be > 0, got '0'" },
		{ "gaussian:x", "gaussian: sigma must be a number, got 'x'" },
		{ "gaussian:2x", "gaussian: sigma must be a number, got '2x'" },
		{ "gaussian:nan", "gaussian: sigma must be a number, got "
		    "'nan'" },
		{ "gaussian:1e400", "gaussian: sigma must be a number, got "
		    "'1e400'" },
		{ "gaussian:2,size=4", "gaussian: size must be an odd integer "
		    "from 1 to 1023, got '4'" },
		{ "gaussian:size=1025", "gaussian: size must be an odd "
		    "integer from 1 to 1023, got '1025'" },
		{ "gaussian:size=7.0", "gaussian: size must be an odd "
		    "integer from 1 to 1023, got '7.0'" },
		{ "gaussian:sigma=1,size=7,truncate=3", "gaussian: size and "
		    "truncate cannot be combined" },
		{ "gaussian:truncate=0", "gaussian: truncate must be > 0, got "
		    "'0'" },
		{ "gaussian:171", "gaussian: sigma=171 with truncate=3 needs "
		    "a kernel wider than 1023" },
		{ "gaussian:170.4", "gaussian: sigma=170.4 with truncate=3 "
		    "needs a kernel wider than 1023" },
		{ "gaussian:1e300", "gaussian: sigma=1e+300 with truncate=3 "
		    "needs a kernel wider than 1023" },
		{ "gaussian:sigma=1,sigma=2", "gaussian: sigma given twice" },
		{ "gaussian:2,sigma=2", "gaussian: sigma given twice" },
		{ "gaussian:radius=2", "gaussian: unknown parameter 'radius' "
		    "(expected sigma, size or truncate)" },
		{ "gaussian:size=7,2", "gaussian: a value without a name must "
		    "come first, got '2'" },
		{ "gaussian:", "gaussian: missing parameters after ':'" },
		{ "gaussian:2,", "gaussian: empty parameter in the list" },
		{ "gaussian:,2", "gaussian: empty parameter in the list" },
		{ "gaussian:sigma=", "gaussian: sigma needs a value" },
		{ "gaussian:=2", "gaussian: missing parameter name before "
		    "'=2'" },
		{ "gaussian:a=1,b=1,c=1,d=1,e=1,f=1,g=1,h=1,i=1",
		    "gaussian: too many parameters" },
		{ "box:0", "box: size must be an integer from 1 to 1023, got "
		    "'0'" },
		{ "box:4x", "box: size must be an integer from 1 to 1023, got "
		    "'4x'" },
		{ "box:1024", "box: size must be an integer from 1 to 1023, "
		    "got '1024'" },
		{ "box:-3", "box: size must be an integer from 1 to 1023, "
		    "got '-3'" },
		{ "box:99999999999999999999999", "box: size must be an "
		    "integer from 1 to 1023, got '99999999999999999999999'" },
		{ "box:n=3", "box: unknown parameter 'n' (expected size)" },
		{ "sobel:z", "sobel: expected x or y after ':', got 'z'" },
		{ "sobel:", "sobel: expected x or y after ':', got ''" },
		{ "prewitt:x,y", "prewitt: expected x or y after ':', got "
		    "'x,y'" },
		{ "scharr:X", "scharr: expected x or y after ':', got 'X'" },
		{ "identity:1", "identity: takes no parameters, got '1'" },
		{ "laplacian:8", "laplacian: takes no parameters, got '8'" },
		{ "sharpen:2", "sharpen: takes no parameters, got '2'" },
		{ "emboss:", "emboss: takes no parameters, got ''" },
		{ "unsharp:amount=-1", "unsharp: amount must be >= 0, got "
		    "'-1'" },
		{ "unsharp:sigma=0", "unsharp: sigma must be > 0, got '0'" },
		{ "unsharp:strength=2", "unsharp: unknown parameter "
		    "'strength' (expected sigma, amount, size or truncate)" },
	};
	size_t i;
	int rc;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		rc = build(cases[i].spec);
		ok(rc == CF_EINVAL, "rejects preset '%s'", cases[i].spec);
		if (!ok(!strcmp(err, cases[i].msg), "'%s': message",
		    cases[i].spec))
			diag("got  '%s'\n# want '%s'", err, cases[i].msg);
		ok(!st.k[0].weight.data && !st.k[1].weight.data,
		    "'%s': nothing kept", cases[i].spec);
	}
	cf_stage_release(&st);
	strcpy(err, "untouched");
	strcpy(st.name, "kept");
	ok(cf_preset_build("sobelx", &st, err, sizeof(err)) == CF_ENOENT &&
	    !strcmp(err, "untouched") && !strcmp(st.name, "kept"),
	    "an unknown name is CF_ENOENT, errbuf and st untouched");
	ok(build("binomial3") == CF_ENOENT, "library names are not presets");
	ok(build("Sobel") == CF_ENOENT, "names are case-sensitive");
	ok(build("") == CF_ENOENT, "the empty name is not a preset");
	ok(build(":3") == CF_ENOENT, "nor is ':3'");
	ok(build("gauss:2") == CF_ENOENT, "nor a prefix");
	cf_stage_release(&st);
}

/* The kernel library, when run from the top of the source tree. */
static void
test_library(void)
{
	static const float b3[9] = {
		1. / 16, 2. / 16, 1. / 16, 2. / 16, 4. / 16, 2. / 16,
		1. / 16, 2. / 16, 1. / 16,
	};
	static const float sx[9] = { -1, 0, 1, -2, 0, 2, -1, 0, 1 };
	static const float sy[9] = { -1, -2, -1, 0, 0, 0, 1, 2, 1 };
	static const float ex[3] = { -1, 0, 1 };
	static const float l8[9] = { 1, 1, 1, 1, -8, 1, 1, 1, 1 };
	static const float s8[9] = { -1, -1, -1, -1, 9, -1, -1, -1, -1 };
	static const float rl[9] = { -1, -1, 0, -1, 0, 1, 0, 1, 1 };
	static const float gray[3] = { 0.299f, 0.587f, 0.114f };
	static const float fringe[9] = { 0, 0, 1, 0, 1, 0, 1, 0, 0 };
	static const float g5i[25] = {
		1, 4, 7, 4, 1, 4, 16, 26, 16, 4, 7, 26, 41, 26, 7,
		4, 16, 26, 16, 4, 1, 4, 7, 4, 1,
	};
	static const struct {
		const char *name;
		size_t shape[4];
		const float *w;
		int groups;
	} lib[] = {
		{ "binomial3", { 1, 1, 3, 3 }, b3, 1 },
		{ "sobel-x", { 1, 1, 3, 3 }, sx, 1 },
		{ "sobel-y", { 1, 1, 3, 3 }, sy, 1 },
		{ "edge-x", { 1, 1, 1, 3 }, ex, 1 },
		{ "edge-y", { 1, 1, 3, 1 }, ex, 1 },
		{ "laplacian8", { 1, 1, 3, 3 }, l8, 1 },
		{ "sharpen8", { 1, 1, 3, 3 }, s8, 1 },
		{ "relief", { 1, 1, 3, 3 }, rl, 1 },
		{ "rgb-to-gray", { 1, 3, 1, 1 }, gray, 1 },
		{ "rgb-fringe", { 3, 1, 1, 3 }, fringe, 3 },
		{ "gaussian5", { 1, 1, 5, 5 }, NULL, 1 },
		{ "motion-blur", { 1, 1, 9, 9 }, NULL, 1 },
		{ "sepia", { 3, 3, 1, 1 }, NULL, 1 },
	};
	struct cf_kernel k;
	struct cf_stage st;
	char path[256];
	const float *w;
	size_t i, j;
	FILE *f;

	if (!(f = fopen("filters/binomial3.kernel", "r"))) {
		diag("skipping the library: run from the source tree");
		return;
	}
	fclose(f);
	for (i = 0; i < sizeof(lib) / sizeof(lib[0]); i++) {
		snprintf(path, sizeof(path), "filters/%s.kernel", lib[i].name);
		if (!ok(cf_kernel_load(path, 0, &k, err, sizeof(err)) == 0,
		    "library %s loads", lib[i].name)) {
			diag("%s", err);
			continue;
		}
		ok(shape_is(&k, lib[i].shape[0], lib[i].shape[1],
		    lib[i].shape[2], lib[i].shape[3]) &&
		    k.groups == lib[i].groups &&
		    k.depthwise == (lib[i].shape[0] == 1 &&
		    lib[i].shape[1] == 1),
		    "library %s: shape", lib[i].name);
		if (lib[i].w)
			ok(weights_are(&k, lib[i].w,
			    cf_tensor_numel(&k.weight)),
			    "library %s: weights", lib[i].name);
		ok(cf_preset_build(lib[i].name, &st, err, sizeof(err)) ==
		    CF_ENOENT, "library %s is not shadowed by a preset",
		    lib[i].name);
		if (!strcmp(lib[i].name, "gaussian5")) {
			w = k.weight.data;
			for (j = 0; j < 25 && w[j] == (float)(g5i[j] / 273.);
			    j++)
				;
			ok(j == 25, "gaussian5 is the /273 table");
		}
		if (!strcmp(lib[i].name, "motion-blur")) {
			w = k.weight.data;
			for (j = 0; j < 81 && w[j] == (j % 10 ? 0 :
			    (float)(1. / 9)); j++)
				;
			ok(j == 81, "motion-blur is the diagonal /9");
		}
		if (!strcmp(lib[i].name, "relief"))
			ok(k.bias && k.bias[0] == 128, "relief has bias 128");
		cf_kernel_release(&k);
	}
}

static void
test_table(void)
{
	size_t i, n = 0;
	int all = 1;

	for (i = 0; cf_presets[i].name; i++, n++)
		all &= cf_presets[i].synopsis && cf_presets[i].summary &&
		    !strncmp(cf_presets[i].synopsis, cf_presets[i].name,
		    strlen(cf_presets[i].name)) &&
		    (i == 0 || strcmp(cf_presets[i - 1].name,
		    cf_presets[i].name) < 0);
	ok(n == 10 && all, "cf_presets: 10 entries, sorted, each complete");
}

int
main(void)
{
	test_numbers();
	test_number_round_trip();
	test_good();
	test_directives();
	test_bad();
	test_write();
	test_load();
	test_presets();
	test_bad_presets();
	test_library();
	test_table();
	return done_testing();
}
