/*
 * test_tensor.c - .npy reading and writing, pooling, the transposed
 * convolution and --info's receptive fields.
 *
 * Expected values are worked by hand and were checked with torch 1.13
 * (the python is quoted above each table).
 */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/conv.h"
#include "engine/info.h"
#include "engine/pool.h"
#include "io/img.h"
#include "io/npy.h"
#include "tap.h"

/* An .npy v1.0 byte string: header dict text, then data bytes. */
static size_t
mknpy(unsigned char *buf, const char *dict, const void *data, size_t n)
{
	size_t hl = strlen(dict) + 1;

	memcpy(buf, "\x93NUMPY\x01\x00", 8);
	buf[8] = (unsigned char)(hl & 0xff);
	buf[9] = (unsigned char)(hl >> 8);
	memcpy(buf + 10, dict, hl - 1);
	buf[10 + hl - 1] = '\n';
	memcpy(buf + 10 + hl, data, n);
	return 10 + hl + n;
}

/* Read buf as an .npy array; 0 or the error, message in err. */
static int
readnpy(const unsigned char *buf, size_t len, struct cf_tensor *t,
    char *err, size_t elen)
{
	struct cf_npy_header h;
	FILE *f = fmemopen((void *)buf, len, "rb");
	int rc;

	memset(t, 0, sizeof(*t));
	if (!f)
		return -1;
	rc = cf_npy_read_header(f, NULL, 0, &h, err, elen);
	if (!rc)
		rc = cf_npy_read_data(f, &h, t, err, elen);
	fclose(f);
	return rc;
}

static void
test_npy_good(void)
{
	unsigned char buf[512], u8[6] = { 0, 1, 2, 253, 254, 255 };
	unsigned char u16[4] = { 0x34, 0x12, 0xff, 0xff };
	unsigned char f4[8] = { 0, 0, 0x80, 0xbf, 0, 0, 0, 0x3f };
	unsigned char f8[8] = { 0, 0, 0, 0, 0, 0, 0xf8, 0x3f };
	struct cf_tensor t;
	char err[256];
	size_t n;
	float *d;

	n = mknpy(buf, "{'descr': '|u1', 'fortran_order': False, "
	    "'shape': (2, 3), }", u8, 6);
	ok(!readnpy(buf, n, &t, err, sizeof(err)) && t.ndim == 2 &&
	    t.shape[0] == 2 && t.shape[1] == 3, "npy |u1 [2, 3] reads");
	d = t.data;
	ok(d && d[0] == 0 && d[3] == 253 && d[5] == 255,
	    "npy uint8 values stay 0..255");
	cf_tensor_release(&t);
	/* the keys in any order, double quotes, no trailing comma */
	n = mknpy(buf, "{\"shape\": (2,), \"descr\": \"<u2\", "
	    "\"fortran_order\": False}   ", u16, 4);
	ok(!readnpy(buf, n, &t, err, sizeof(err)) && t.ndim == 1,
	    "npy <u2 with reordered keys reads");
	d = t.data;
	ok(d && d[0] == 0x1234 && d[1] == 65535, "npy uint16 values kept");
	cf_tensor_release(&t);
	n = mknpy(buf, "{'descr': '<f4', 'fortran_order': False, "
	    "'shape': (1, 1, 2), }", f4, 8);
	ok(!readnpy(buf, n, &t, err, sizeof(err)) && t.ndim == 3,
	    "npy <f4 reads");
	d = t.data;
	ok(d && d[0] == -1.0f && d[1] == 0.5f, "npy float32 values exact");
	cf_tensor_release(&t);
	n = mknpy(buf, "{'descr': '<f8', 'fortran_order': False, "
	    "'shape': (1,), }", f8, 8);
	ok(!readnpy(buf, n, &t, err, sizeof(err)) &&
	    ((float *)t.data)[0] == 1.5f, "npy <f8 reads");
	cf_tensor_release(&t);
}

static void
test_npy_bad(void)
{
	static const struct {
		const char *dict;
		size_t ndata;
		const char *msg;
	} bad[] = {
		{ "{'descr': '<f4', 'fortran_order': True, 'shape': (1,), }",
		    4, "npy: fortran_order arrays are not supported" },
		{ "{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }",
		    4, "npy: big-endian dtype '>f4' is not supported" },
		{ "{'descr': '<i4', 'fortran_order': False, 'shape': (1,), }",
		    4, "npy: dtype '<i4' is not supported" },
		{ "{'descr': '<f4', 'fortran_order': False}", 4,
		    "npy: header lacks 'shape'" },
		{ "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), "
		    "'x': 1}", 4, "npy: unexpected key 'x' in header" },
		{ "{'descr': '<f4', 'descr': '<f4', 'shape': (1,), }", 4,
		    "npy: key 'descr' repeated in header" },
		{ "{'descr': '<f4', 'fortran_order': False, 'shape': (1), }",
		    4, "npy: malformed 'shape' in header" },
		{ "{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }",
		    4, "npy: malformed 'shape' in header" },
		{ "{'descr': '<f4', 'fortran_order': False, 'shape': (), }",
		    4, "npy: a 0-d (scalar) array is not supported" },
		{ "{'descr': '<f4', 'fortran_order': False, 'shape': (0, 2), }",
		    0, "npy: array has an empty axis" },
		{ "{'descr': '<f4', 'fortran_order': False, 'shape': "
		    "(1, 1, 1, 1, 1), }", 4, "npy: more than 4 dimensions" },
		{ "{'descr': '<f4', 'fortran_order': False, 'shape': "
		    "(65536, 65536), }", 4, "npy: array has more than" },
		{ "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }",
		    4, "npy: truncated data (4 of 8 bytes)" },
		{ "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }",
		    8, "npy: 4 bytes of data after the array" },
		{ "{'descr': [('a', '<f4')], 'fortran_order': False, "
		    "'shape': (1,), }", 4, "npy: 'descr' is not a simple" },
		{ "__import__('os')", 4, "npy: malformed header dict" },
		{ "{'descr': '<f4', 'fortran_order': 0, 'shape': (1,), }", 4,
		    "npy: malformed header dict" },
	};
	unsigned char buf[512], zero[8] = { 0 };
	struct cf_tensor t;
	char err[256];
	size_t i, n;
	int rc;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		n = mknpy(buf, bad[i].dict, zero, bad[i].ndata);
		err[0] = '\0';
		rc = readnpy(buf, n, &t, err, sizeof(err));
		if (!ok(rc && !strncmp(err, bad[i].msg, strlen(bad[i].msg)) &&
		    !t.data, "npy rejects %s", bad[i].dict))
			diag("got %d '%s', want '%s'", rc, err, bad[i].msg);
	}
	/* version 3.0, a header without a newline, a short file */
	n = mknpy(buf, "{'descr': '<f4', 'fortran_order': False, "
	    "'shape': (1,), }", zero, 4);
	buf[6] = 3;
	ok(readnpy(buf, n, &t, err, sizeof(err)) == CF_EFORMAT &&
	    !strcmp(err, "npy: format version 3.0 is not supported (1.0 or "
	    "2.0)"), "npy rejects version 3.0");
	buf[6] = 1;
	buf[n - 5] = ' ';	/* the newline before the 4 data bytes */
	ok(readnpy(buf, n, &t, err, sizeof(err)) == CF_EFORMAT,
	    "npy rejects a header not ending in a newline: %s", err);
	ok(readnpy(buf, 9, &t, err, sizeof(err)) == CF_EFORMAT,
	    "npy rejects a truncated preamble: %s", err);
}

static void
test_npy_write(void)
{
	size_t shape[3] = { 2, 1, 3 };
	struct cf_tensor t, back;
	char *mem = NULL, err[256];
	size_t len = 0, i;
	FILE *f;
	float *d;
	int rc;

	cf_tensor_init(&t, CF_F32, 3, shape);
	d = t.data;
	for (i = 0; i < 6; i++)
		d[i] = (float)i - 2.5f;
	f = open_memstream(&mem, &len);
	rc = cf_npy_write(f, &t, err, sizeof(err));
	fclose(f);
	ok(!rc && (len - 24) % 64 == 0,
	    "npy writer aligns the data to 64 bytes (%zu)", len);
	ok(!memcmp(mem + 10, "{'descr': '<f4', 'fortran_order': False, "
	    "'shape': (2, 1, 3), }", 61), "npy writer header text");
	rc = readnpy((unsigned char *)mem, len, &back, err, sizeof(err));
	ok(!rc && back.ndim == 3 && !memcmp(back.shape, t.shape,
	    sizeof(t.shape)) && !memcmp(back.data, t.data, 24),
	    "npy float32 write then read is exact");
	cf_tensor_release(&back);
	cf_tensor_release(&t);
	free(mem);
}

static void
fill(struct cf_tensor *t, const float *v)
{
	memcpy(t->data, v, cf_tensor_numel(t) * sizeof(float));
}

static int
same(const struct cf_tensor *t, const float *want, size_t n)
{
	const float *d = t->data;
	size_t i;

	if (!d || cf_tensor_numel(t) != n)
		return 0;
	for (i = 0; i < n; i++)
		if (fabsf(d[i] - want[i]) > 1e-5f)
			return 0;
	return 1;
}

/*
 * x = torch.arange(16.).reshape(1, 1, 4, 4)
 * F.max_pool2d(x, 3, 1, 1); F.avg_pool2d(x, 2, 2, 1)
 */
static void
test_pool(void)
{
	static const float maxw[16] = { 5, 6, 7, 7, 9, 10, 11, 11, 13, 14,
	    15, 15, 13, 14, 15, 15 };
	static const float avgw[9] = { 0, 0.75f, 0.75f, 3, 7.5f, 4.5f, 3,
	    6.75f, 3.75f };
	size_t shape[3] = { 1, 4, 4 }, ys[3];
	struct cf_pool_params p;
	struct cf_tensor x, y;
	float v[16];
	char err[256];
	int i;

	for (i = 0; i < 16; i++)
		v[i] = (float)i;
	cf_tensor_init(&x, CF_F32, 3, shape);
	fill(&x, v);
	ok(!cf_pool_parse("maxpool:3,stride=1,pad=1", &p, err, sizeof(err)) &&
	    p.kind == CF_POOL_MAX && p.kh == 3 && p.stride_w == 1 &&
	    p.pad_h == 1, "maxpool spec parses");
	ok(!cf_pool2d(&x, &p, &y, err, sizeof(err)) && same(&y, maxw, 16),
	    "maxpool 3, stride 1, pad 1 (-inf padding) matches torch");
	cf_tensor_release(&y);
	ok(!cf_pool_parse("avgpool:2,pad=1", &p, err, sizeof(err)) &&
	    p.stride_h == 2, "avgpool stride defaults to the size");
	ok(!cf_pool2d(&x, &p, &y, err, sizeof(err)) && same(&y, avgw, 9),
	    "avgpool 2, pad 1 counts the padding (count_include_pad)");
	cf_tensor_release(&y);
	ok(!cf_pool_parse("maxpool:2", &p, err, sizeof(err)) &&
	    !cf_pool2d_shape(shape, &p, ys, err, sizeof(err)) &&
	    ys[1] == 2 && ys[2] == 2, "maxpool 2 halves 4x4");
	shape[1] = 5;
	ok(!cf_pool2d_shape(shape, &p, ys, err, sizeof(err)) && ys[1] == 2,
	    "pooling uses floor mode: 5 -> 2");
	ok(cf_pool_parse("maxpool:2,pad=2", &p, err, sizeof(err)) ==
	    CF_EINVAL && !strcmp(err, "maxpool: pad must be at most half "
	    "the size, got pad 2x2 for size 2x2"), "pad over k/2 refused");
	ok(cf_pool_parse("avgpool:0", &p, err, sizeof(err)) == CF_EINVAL,
	    "avgpool:0 refused: %s", err);
	ok(cf_pool_parse("avgpool:2,step=1", &p, err, sizeof(err)) ==
	    CF_EINVAL, "unknown pool parameter refused: %s", err);
	ok(cf_pool_parse("maxpoolx", &p, err, sizeof(err)) == CF_ENOENT,
	    "maxpoolx is not a pooling spec");
	cf_tensor_release(&x);
}

static void
kernel2(struct cf_kernel *k, const float *w, size_t kh, size_t kw)
{
	cf_kernel_init_depthwise(k, kh, kw);
	memcpy(k->weight.data, w, kh * kw * sizeof(float));
}

/*
 * The course notes' transposed convolution: X = [[0,1],[2,3]],
 * K = [[0,1],[2,3]]:
 *   F.conv_transpose2d(X, K)            -> [[0,0,1],[0,4,6],[4,12,9]]
 *   F.conv_transpose2d(X, K, stride=2)  -> [[0,0,0,1],[0,0,2,3],
 *                                           [0,2,0,3],[4,6,6,9]]
 *   F.conv_transpose2d(X, K, stride=2, padding=1, output_padding=1)
 *                                       -> [[0,2,3],[2,0,3],[6,6,9]]
 */
static void
test_transpose(void)
{
	static const float xv[4] = { 0, 1, 2, 3 }, kv[4] = { 0, 1, 2, 3 };
	static const float t1[9] = { 0, 0, 1, 0, 4, 6, 4, 12, 9 };
	static const float t2[16] = { 0, 0, 0, 1, 0, 0, 2, 3, 0, 2, 0, 3,
	    4, 6, 6, 9 };
	static const float t3[9] = { 0, 2, 3, 2, 0, 3, 6, 6, 9 };
	struct cf_conv_params p = CF_CONV_PARAMS_DEFAULT;
	size_t shape[3] = { 1, 2, 2 };
	struct cf_tensor x, y;
	struct cf_kernel k;
	char err[256];

	cf_tensor_init(&x, CF_F32, 3, shape);
	fill(&x, xv);
	kernel2(&k, kv, 2, 2);
	p.transpose = 1;
	p.padding = CF_PADDING_EXPLICIT;
	ok(!cf_conv2d(&x, &k, &p, &y, err, sizeof(err)) && same(&y, t1, 9),
	    "transpose, stride 1");
	cf_tensor_release(&y);
	p.stride_h = p.stride_w = 2;
	ok(!cf_conv2d(&x, &k, &p, &y, err, sizeof(err)) && same(&y, t2, 16),
	    "transpose, stride 2 upsamples 2x2 -> 4x4");
	cf_tensor_release(&y);
	p.pad_h = p.pad_w = 1;
	p.outpad_h = p.outpad_w = 1;
	ok(!cf_conv2d(&x, &k, &p, &y, err, sizeof(err)) && same(&y, t3, 9),
	    "transpose, stride 2, padding 1, output padding 1");
	cf_tensor_release(&y);
	p.outpad_h = 2;
	ok(cf_conv2d(&x, &k, &p, &y, err, sizeof(err)) == CF_EINVAL,
	    "output padding >= stride and dilation refused: %s", err);
	/* (n-1)*s - 2p + d*(k-1) + op + 1, and same keeps stride 1 sizes */
	ok(cf_conv_transpose_out_size(5, 1, 1, 3, 2, 3, 1) == 16,
	    "transpose output size formula");
	ok(cf_conv_transpose_out_size(7, 1, 1, 3, 1, 1, 0) == 7 &&
	    cf_conv_transpose_out_size(7, 0, 1, 2, 1, 1, 0) == 7,
	    "same padding keeps the size at stride 1, odd and even k");
	cf_kernel_release(&k);
	cf_tensor_release(&x);
}

/* <conv(x), y> == <x, conv_transpose(y)>: the transpose is the adjoint. */
static void
test_adjoint(void)
{
	/* k, stride, pad, dilation, groups, input channels */
	static const int cfg[][6] = {
		{ 3, 1, 1, 1, 1, 2 }, { 3, 2, 1, 1, 1, 2 },
		{ 2, 3, 0, 1, 2, 4 }, { 3, 2, 2, 2, 2, 2 },
		{ 4, 2, 1, 1, 1, 1 }, { 1, 3, 0, 1, 1, 3 },
	};
	struct cf_conv_params p = CF_CONV_PARAMS_DEFAULT;
	size_t xs[3], ws[4], i, c, n;
	struct cf_tensor x, y, u, v;
	struct cf_kernel k;
	double a, b;
	char err[256];
	unsigned s = 7;
	float *d;

	for (c = 0; c < sizeof(cfg) / sizeof(cfg[0]); c++) {
		memset(&k, 0, sizeof(k));
		xs[0] = (size_t)cfg[c][5];
		xs[1] = 9;
		xs[2] = 8;
		ws[0] = 2 * (size_t)cfg[c][4];		/* C_out */
		ws[1] = xs[0] / (size_t)cfg[c][4];
		ws[2] = ws[3] = (size_t)cfg[c][0];
		cf_tensor_init(&x, CF_F32, 3, xs);
		cf_tensor_init(&k.weight, CF_F32, 4, ws);
		k.groups = cfg[c][4];
		for (d = x.data, i = 0; i < cf_tensor_numel(&x); i++)
			d[i] = (float)((s = s * 1103515245u + 12345u) >> 16 &
			    255) / 64 - 2;
		for (d = k.weight.data, i = 0; i < cf_tensor_numel(&k.weight);
		    i++)
			d[i] = (float)((s = s * 1103515245u + 12345u) >> 16 &
			    255) / 64 - 2;
		p = (struct cf_conv_params)CF_CONV_PARAMS_DEFAULT;
		p.padding = CF_PADDING_EXPLICIT;
		p.pad_mode = CF_PAD_ZERO;
		p.stride_h = p.stride_w = cfg[c][1];
		p.pad_h = p.pad_w = cfg[c][2];
		p.dil_h = p.dil_w = cfg[c][3];
		cf_conv2d(&x, &k, &p, &y, err, sizeof(err));
		cf_tensor_init(&u, CF_F32, 3, y.shape);
		for (d = u.data, i = 0; i < cf_tensor_numel(&u); i++)
			d[i] = (float)((s = s * 1103515245u + 12345u) >> 16 &
			    255) / 64 - 2;
		/* the same weights read as [C_in', C_out'/g] = [C_out, C_in/g]:
		 * the transposed conv maps y's shape back to x's (the output
		 * padding picks the size a strided forward conv dropped) */
		p.transpose = 1;
		p.outpad_h = (int)((xs[1] + 2 * (size_t)cfg[c][2] -
		    (size_t)cfg[c][3] * (ws[2] - 1) - 1) % (size_t)cfg[c][1]);
		p.outpad_w = (int)((xs[2] + 2 * (size_t)cfg[c][2] -
		    (size_t)cfg[c][3] * (ws[3] - 1) - 1) % (size_t)cfg[c][1]);
		n = (size_t)cf_conv2d(&u, &k, &p, &v, err, sizeof(err));
		if (!ok(!n && !memcmp(v.shape, x.shape, sizeof(x.shape)),
		    "adjoint case %zu: transpose restores the shape", c))
			diag("%s", err);
		for (a = 0, i = 0; i < cf_tensor_numel(&y); i++)
			a += (double)((float *)y.data)[i] *
			    ((float *)u.data)[i];
		for (b = 0, i = 0; !n && i < cf_tensor_numel(&x); i++)
			b += (double)((float *)x.data)[i] *
			    ((float *)v.data)[i];
		is_float(a, b, 1e-3 * (fabs(a) + 1),
		    "adjoint: <conv x, u> == <x, conv_transpose u>");
		cf_tensor_release(&v);
		cf_tensor_release(&u);
		cf_tensor_release(&y);
		cf_kernel_release(&k);
		cf_tensor_release(&x);
	}
}

/* The notes' receptive-field recurrence over a chain. */
static void
test_info(void)
{
	struct cf_conv_params p = CF_CONV_PARAMS_DEFAULT;
	double rf[2] = { 1, 1 }, jump[2] = { 1, 1 };
	size_t in[3] = { 3, 64, 64 };
	struct cf_stage st[3];
	struct cf_stage_info si;
	char err[256];
	int i;

	memset(st, 0, sizeof(st));
	/* conv 3x3 -> maxpool 2 -> conv 3x3 (dilation 2 for the convs) */
	st[0].nkernels = st[2].nkernels = 1;
	cf_kernel_init_depthwise(&st[0].k[0], 3, 3);
	cf_kernel_init_depthwise(&st[2].k[0], 3, 3);
	st[1].kind = CF_STAGE_POOL;
	cf_pool_parse("maxpool:2", &st[1].pool, err, sizeof(err));
	p.dil_h = p.dil_w = 2;
	for (i = 0; i < 3; i++) {
		ok(!cf_stage_info(st, (size_t)i, &p, in, jump, &si, err,
		    sizeof(err)), "info stage %d", i);
		memcpy(in, si.out, sizeof(in));
		memcpy(rf, si.rf, sizeof(rf));
		memcpy(jump, si.jump, sizeof(jump));
		if (i == 0)
			ok(si.params == 27 && si.macs == 27ull * 64 * 64,
			    "depthwise 3x3 on 3 channels: 27 params, 27 "
			    "macs per pixel");
	}
	/* 1 + (5-1)*1 = 5; 5 + (2-1)*1 = 6, j 2; 6 + (5-1)*2 = 14 */
	ok(rf[0] == 14 && rf[1] == 14 && jump[0] == 2 && in[1] == 32,
	    "receptive field 14, jump 2 (got %g, %g)", rf[0], jump[0]);
	for (i = 0; i < 3; i++)
		cf_stage_release(&st[i]);
}

/*
 * The receptive field --info reports equals a brute-force measurement:
 * put a NaN in one input column at a time, run the chain, and record
 * which outputs it reaches; the widest set of input columns any output
 * sees is the receptive field along W (the notes' NaN trick).
 */
static void
rf_case(const char *name, int transpose, int stride, int dil,
    const int *spec, int nst)
{
	struct cf_conv_params p = CF_CONV_PARAMS_DEFAULT;
	struct cf_stage st[4];
	struct cf_stage_info si;
	struct cf_tensor x, y;
	size_t shape[3] = { 1, 1, 40 }, in[3], c, j, W = 0;
	long lo[512], hi[512], best = 0;
	double jump[2] = { 1, 1 };
	char err[256];
	int i, okrun = 1;
	float *d;

	memset(st, 0, sizeof(st));
	p.transpose = transpose;
	p.stride_h = p.stride_w = stride;
	p.dil_h = p.dil_w = dil;
	p.pad_mode = CF_PAD_ZERO;
	for (i = 0; i < nst; i++) {
		if (spec[i] > 0) {	/* a 1 x k kernel of ones */
			cf_kernel_init_depthwise(&st[i].k[0], 1,
			    (size_t)spec[i]);
			for (d = st[i].k[0].weight.data, j = 0;
			    j < (size_t)spec[i]; j++)
				d[j] = 1;
			st[i].nkernels = 1;
		} else {		/* maxpool 1 x -spec */
			st[i].kind = CF_STAGE_POOL;
			st[i].pool.kind = CF_POOL_MAX;
			st[i].pool.kh = 1;
			st[i].pool.kw = st[i].pool.stride_w = -spec[i];
			st[i].pool.stride_h = 1;
		}
	}
	memcpy(in, shape, sizeof(in));
	for (i = 0; i < nst; i++) {
		okrun &= !cf_stage_info(st, (size_t)i, &p, in, jump, &si, err,
		    sizeof(err));
		memcpy(in, si.out, sizeof(in));
		memcpy(jump, si.jump, sizeof(jump));
	}
	for (j = 0; j < 512; j++) {
		lo[j] = LONG_MAX;
		hi[j] = -1;
	}
	for (c = 0; c < shape[2] && okrun; c++) {
		cf_tensor_init(&x, CF_F32, 3, shape);
		((float *)x.data)[c] = NAN;
		for (i = 0; i < nst && okrun; i++) {
			okrun &= !cf_conv_stage(&x, &st[i], &p, &y, err,
			    sizeof(err));
			cf_tensor_release(&x);
			x = y;
		}
		W = x.shape[2] < 512 ? x.shape[2] : 512;
		for (j = 0; okrun && j < W; j++)
			if (isnan(((float *)x.data)[j])) {
				if ((long)c < lo[j])
					lo[j] = (long)c;
				hi[j] = (long)c;
			}
		cf_tensor_release(&x);
	}
	for (j = 0; j < W; j++)
		if (hi[j] >= 0 && hi[j] - lo[j] + 1 > best)
			best = hi[j] - lo[j] + 1;
	if (!ok(okrun && (double)best == si.rf[1], "receptive field of %s: "
	    "--info %g, brute force %ld", name, si.rf[1], best))
		diag("%s", err);
	for (i = 0; i < nst; i++)
		cf_stage_release(&st[i]);
}

static void
test_rf_brute(void)
{
	static const int c1[] = { 3, -2, 3 }, c2[] = { 3, 5 },
	    c3[] = { 3, -2, 2 }, c4[] = { 4, 3 }, c5[] = { 3, -2, 3, 2 };

	rf_case("conv 3, pool 2, conv 3", 0, 1, 1, c1, 3);
	rf_case("conv 3, conv 5, stride 2, dilation 2", 0, 2, 2, c2, 2);
	rf_case("transposed 3, pool 2, transposed 2 (stride 2)", 1, 2, 1,
	    c3, 3);
	rf_case("transposed 4, 3 (stride 3)", 1, 3, 1, c4, 2);
	rf_case("transposed 3, pool 2, 3, 2 (stride 2, dilation 2)", 1, 2, 2,
	    c5, 4);
}

int
main(void)
{
	test_npy_good();
	test_npy_bad();
	test_npy_write();
	test_pool();
	test_transpose();
	test_adjoint();
	test_info();
	test_rf_brute();
	return done_testing();
}
