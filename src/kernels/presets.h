/*
 * presets.h - built-in kernels by name: "sobel", "box:5", "gaussian:2",
 * "gaussian:sigma=1.5,size=7", "unsharp:sigma=1,amount=0.5", ...
 */
#ifndef CF_PRESETS_H
#define CF_PRESETS_H

#include "kernels/stage.h"

struct cf_preset_info {
	const char *name;	/* "gaussian" */
	const char *synopsis;	/* "gaussian[:SIGMA] | gaussian:sigma=S[,size=N|,truncate=T]" */
	const char *summary;	/* one line for --list-kernels */
};

/* The presets, terminated by an entry with name NULL. */
extern const struct cf_preset_info cf_presets[];

/*
 * Build the stage for spec ("name" or "name:params") into st.  Returns
 * CF_ENOENT when the name before ':' is not a preset (nothing written to
 * errbuf or st), CF_EINVAL with a message ("box: size must be an integer
 * from 1 to 1023, got '4x'") when the parameters are wrong.
 */
int cf_preset_build(const char *spec, struct cf_stage *st, char *errbuf,
    size_t errlen);

/*
 * How gaussian:sigma=S sizes its kernel when neither size= nor truncate=
 * is given (the --like profiles): convfilter's 2*ceil(3*S)+1; OpenCV's
 * for 8-bit images, rint(6*S + 1) made odd; libvips gaussblur's, where
 * exp(-x^2 / (2 S^2)) falls below 0.2; ImageMagick's (Q16), where the
 * normalised 2-D Gaussian's edge falls below 1/65535.
 */
enum cf_gauss_rule {
	CF_GAUSS_RULE_DEFAULT,
	CF_GAUSS_RULE_OPENCV,
	CF_GAUSS_RULE_VIPS,
	CF_GAUSS_RULE_IMAGEMAGICK,
};

/* Set the rule for every later cf_preset_build (one per process). */
void cf_preset_set_gauss_rule(enum cf_gauss_rule rule);

/* The size the rule gives for sigma (> 0): odd, >= 1. */
size_t cf_preset_gauss_size(enum cf_gauss_rule rule, double sigma);

#endif
