/*
 * like.c - the --like profiles (like.h).  Each row is what that tool does
 * by default for the same operation; the man page's MATCHING OTHER TOOLS
 * says, per tool, what this reproduces exactly and what it cannot.
 */
#include <stdio.h>
#include <string.h>

#include "cli/like.h"
#include "cli/options.h"
#include "cli/util.h"
#include "base/tensor.h"
#include "io/img.h"
#include "kernels/presets.h"

struct profile {
	const char *name;
	enum cf_padding padding;	/* SAME*, or EXPLICIT 0 */
	enum cf_pad_mode pad_mode;
	enum cf_round round;
	enum cf_alpha_mode alpha;	/* AUTO: convfilter's choice */
	enum cf_gauss_rule gauss;
	int normalize_strings;		/* kernel strings / their sum */
};

static const struct profile profiles[] = {
	[LIKE_TORCH] = {
		/* nn.Conv2d: padding=0, padding_mode='zeros'; torch.round
		 * rounds half to even; no alpha */
		.name = "torch", .padding = CF_PADDING_EXPLICIT,
		.pad_mode = CF_PAD_ZERO, .round = CF_ROUND_EVEN,
		.alpha = CF_ALPHA_SEPARATE, .gauss = CF_GAUSS_RULE_DEFAULT,
	},
	[LIKE_OPENCV] = {
		/* filter2D: anchor at k/2, BORDER_REFLECT_101, saturate_cast
		 * (cvRound: half to even), every channel alike */
		.name = "opencv", .padding = CF_PADDING_SAME_BEFORE,
		.pad_mode = CF_PAD_REFLECT, .round = CF_ROUND_EVEN,
		.alpha = CF_ALPHA_SEPARATE, .gauss = CF_GAUSS_RULE_OPENCV,
	},
	[LIKE_VIPS] = {
		/* conv: the mask's centre at k/2, edges copied, float
		 * precision, then cast (toward zero) */
		.name = "vips", .padding = CF_PADDING_SAME_BEFORE,
		.pad_mode = CF_PAD_REPLICATE, .round = CF_ROUND_TRUNCATE,
		.alpha = CF_ALPHA_SEPARATE, .gauss = CF_GAUSS_RULE_VIPS,
	},
	[LIKE_IMAGEMAGICK] = {
		/* -convolve: origin (k-1)/2, virtual pixels 'edge', the
		 * kernel normalised, Q16 rounded to nearest; colour weighted
		 * by alpha (convfilter's premultiply for smoothing) */
		.name = "imagemagick", .padding = CF_PADDING_SAME,
		.pad_mode = CF_PAD_REPLICATE, .round = CF_ROUND_NEAREST,
		.alpha = CF_ALPHA_AUTO, .gauss = CF_GAUSS_RULE_IMAGEMAGICK,
		.normalize_strings = 1,
	},
};

enum like_tool
like_parse(const char *s)
{
	size_t i;

	for (i = 1; i < sizeof(profiles) / sizeof(profiles[0]); i++)
		if (!strcmp(s, profiles[i].name))
			return (enum like_tool)i;
	die(EXIT_USAGE, "--like: '%s' is not torch, opencv, vips or "
	    "imagemagick", s);
}

/*
 * ImageMagick (Q16) rounds each result to 16 bits; its PNM and PAM
 * writers round that to 8 bits, its other writers divide by 257 and
 * truncate: floor(rint(257 v) / 257), which is floor(v + 1/514).
 */
static int
im_truncates(const struct options *o)
{
	const struct cf_img_format *f = o->format;

	if (!f && o->output)
		f = cf_img_format_from_name(o->output);
	return !f || (strcmp(f->name, "pnm") && strcmp(f->name, "pam"));
}

void
like_apply(struct options *o)
{
	const struct like_explicit *ex = &o->like_ex;
	const struct profile *p;

	if (o->like == LIKE_NONE)
		return;
	p = &profiles[o->like];
	if (o->like == LIKE_IMAGEMAGICK && !ex->round && im_truncates(o)) {
		o->convert.round = CF_ROUND_FLOOR;
		o->convert.bias += 1.0 / 514;
		o->like_q16 = 1;
	} else if (!ex->round)
		o->convert.round = p->round;
	if (!ex->padding) {
		o->conv.padding = p->padding;
		o->conv.pad_h = o->conv.pad_w = 0;
	}
	if (!ex->pad_mode)
		o->conv.pad_mode = p->pad_mode;
	if (!ex->alpha)
		o->alpha = p->alpha;
	cf_preset_set_gauss_rule(p->gauss);
}

/*
 * A lone kernel string with a positive sum is divided in the conversion,
 * in double (--scale 1/sum), as ImageMagick divides its double weights:
 * its ties stay ties.  Else the weights are divided (in float).
 */
void
like_kernels(struct options *o, struct cf_stage *stages, size_t n)
{
	double sum;
	size_t i, k;
	const float *w;

	if (o->like == LIKE_NONE || !profiles[o->like].normalize_strings)
		return;
	if (n == 1 && stages[0].from_im && stages[0].nkernels == 1) {
		w = stages[0].k[0].weight.data;
		k = cf_tensor_numel(&stages[0].k[0].weight);
		for (sum = 0, i = 0; i < k; i++)
			sum += w[i];
		if (sum > 0) {
			o->convert.scale /= sum;
			return;
		}
	}
	for (i = 0; i < n; i++)
		if (stages[i].from_im)
			cf_stage_normalize_sum(&stages[i]);
}

void
like_describe(const struct options *o, FILE *f)
{
	static const char *const pads[] = {
		[CF_PAD_ZERO] = "zero", [CF_PAD_CONSTANT] = "constant",
		[CF_PAD_REPLICATE] = "replicate", [CF_PAD_REFLECT] = "reflect",
		[CF_PAD_SYMMETRIC] = "symmetric", [CF_PAD_CIRCULAR] = "circular",
	};
	static const char *const rounds[] = { "nearest", "even", "floor",
		"truncate" };
	static const char *const alphas[] = {
		[CF_ALPHA_AUTO] = "by the kernels",
		[CF_ALPHA_PREMULTIPLY] = "premultiply",
		[CF_ALPHA_SEPARATE] = "separate", [CF_ALPHA_KEEP] = "keep",
	};
	static const char *const gauss[] = {
		[CF_GAUSS_RULE_DEFAULT] = "2*ceil(3*sigma)+1",
		[CF_GAUSS_RULE_OPENCV] = "rint(6*sigma+1) odd",
		[CF_GAUSS_RULE_VIPS] = "min_ampl 0.2",
		[CF_GAUSS_RULE_IMAGEMAGICK] = "edge below 1/65535",
	};
	const struct profile *p = &profiles[o->like];
	char pad[64];

	if (o->like == LIKE_NONE)
		return;
	if (o->conv.padding == CF_PADDING_EXPLICIT)
		snprintf(pad, sizeof(pad), "%dx%d", o->conv.pad_h,
		    o->conv.pad_w);
	else
		snprintf(pad, sizeof(pad), "same (%s)", o->conv.padding ==
		    CF_PADDING_SAME ? "centre at (k-1)/2" : "centre at k/2");
	fprintf(f, "convfilter: --like %s: padding %s, pad mode %s, %s, "
	    "round %s, alpha %s, gaussian size %s%s\n", p->name, pad,
	    pads[o->conv.pad_mode], o->conv.flip ? "convolution" :
	    "correlation", rounds[o->convert.round], alphas[o->alpha],
	    gauss[p->gauss], p->normalize_strings ?
	    ", kernel strings divided by their sum" : "");
	if (o->like_q16)
		fprintf(f, "convfilter: --like %s: 16 to 8 bits as its PNG "
		    "writer does: floor(v + 1/514)\n", p->name);
}
