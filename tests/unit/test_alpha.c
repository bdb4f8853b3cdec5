/*
 * test_alpha.c - alpha.c: the sRGB transfer functions, premultiply and
 * keep around an identity chain, and the default mode per kind of kernel.
 */
#include <math.h>
#include <string.h>

#include "engine/alpha.h"
#include "kernels/presets.h"
#include "tap.h"

/* The default (AUTO) mode for a 4-channel 8x8 image through spec. */
static enum cf_alpha_mode
auto_mode(const char *spec, int stride)
{
	struct cf_conv_params p = CF_CONV_PARAMS_DEFAULT;
	enum cf_alpha_mode mode = CF_ALPHA_AUTO;
	struct cf_stage st;
	char err[256];
	size_t shape[3] = { 4, 8, 8 };

	memset(&st, 0, sizeof(st));
	p.stride_h = p.stride_w = stride;
	if (cf_preset_build(spec, &st, err, sizeof(err)))
		return CF_ALPHA_AUTO;
	if (cf_alpha_resolve(CF_ALPHA_AUTO, &st, 1, &p, shape, &mode, err,
	    sizeof(err)))
		mode = CF_ALPHA_AUTO;
	cf_stage_release(&st);
	return mode;
}

int
main(void)
{
	struct cf_tensor x, saved;
	double v, worst = 0;
	float *d;
	int i;

	/* the EOTF's fixed points and its inverse */
	is_float(cf_srgb_to_linear(0), 0, 0, "srgb_to_linear(0) = 0");
	is_float(cf_srgb_to_linear(1), 1, 1e-15, "srgb_to_linear(1) = 1");
	is_float(cf_linear_to_srgb(0.5) * 255, 187.5, 0.1,
	    "linear 0.5 is sRGB 188");
	for (i = 0; i <= 65535; i++) {
		v = i / 65535.0;
		v = fabs(cf_linear_to_srgb(cf_srgb_to_linear(v)) - v);
		if (v > worst)
			worst = v;
	}
	diag("worst sRGB round trip: %.3g of a 16-bit step", worst * 65535);
	is_float(worst * 65535, 0, 1e-6, "sRGB round trip at 16 bits");
	is_float(cf_srgb_to_linear(-0.5), -cf_srgb_to_linear(0.5), 0,
	    "negative values mirror");

	/* premultiply then unpremultiply restores colour, 0 where a = 0 */
	cf_tensor_init(&x, CF_F32, 3, (size_t[]){ 2, 1, 3 });
	d = x.data;
	d[0] = 200, d[1] = 100, d[2] = 50;
	d[3] = 255, d[4] = 51, d[5] = 0;
	ok(!cf_alpha_before(&x, CF_ALPHA_PREMULTIPLY, 0, 255, &saved),
	    "premultiply");
	is_float(d[1], 20, 1e-4, "colour * alpha / max");
	ok(d[2] == 0 && d[5] == 0, "transparent colour becomes 0");
	ok(!cf_alpha_after(&x, CF_ALPHA_PREMULTIPLY, 0, 255, &saved),
	    "unpremultiply");
	is_float(d[0], 200, 1e-4, "opaque colour restored");
	is_float(d[1], 100, 1e-4, "translucent colour restored");
	ok(d[2] == 0, "colour where alpha is 0 is 0");

	/* keep: alpha leaves and comes back unchanged */
	d[0] = 7, d[3] = 9, d[4] = 8, d[5] = 1;
	ok(!cf_alpha_before(&x, CF_ALPHA_KEEP, 0, 255, &saved) &&
	    x.shape[0] == 1 && saved.shape[0] == 1, "keep splits alpha off");
	ok(!cf_alpha_after(&x, CF_ALPHA_KEEP, 0, 255, &saved) &&
	    x.shape[0] == 2, "keep joins alpha back");
	d = x.data;
	ok(d[0] == 7 && d[3] == 9 && d[4] == 8 && d[5] == 1,
	    "keep copies alpha exactly");
	cf_tensor_release(&x);

	/* the default per kind of kernel */
	ok(auto_mode("gaussian:1", 1) == CF_ALPHA_PREMULTIPLY,
	    "smoothing kernel: premultiply");
	ok(auto_mode("box:3", 2) == CF_ALPHA_PREMULTIPLY,
	    "smoothing kernel with stride: premultiply");
	ok(auto_mode("sobel", 1) == CF_ALPHA_KEEP, "edge kernel: keep");
	ok(auto_mode("laplacian", 1) == CF_ALPHA_KEEP,
	    "laplacian: keep");
	ok(auto_mode("sobel", 2) == CF_ALPHA_SEPARATE,
	    "edge kernel changing the size: separate");
	ok(auto_mode("identity", 1) == CF_ALPHA_SEPARATE,
	    "pointwise kernel: separate");
	return done_testing();
}
