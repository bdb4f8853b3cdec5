/*
 * stage.h - a stage of the chain: one kernel, the magnitude of two, or a
 * pooling stage with its parameters (PyTorch's max_pool2d/avg_pool2d,
 * engine/pool.c computes it).
 */
#ifndef CF_STAGE_H
#define CF_STAGE_H

#include <stddef.h>

#include "kernels/kernel.h"

#define CF_POOL_MAX_SIDE 1024		/* k, stride and pad each */

enum cf_pool_kind {
	CF_POOL_MAX,
	CF_POOL_AVG,
};

struct cf_pool_params {
	enum cf_pool_kind kind;
	int kh, kw;			/* >= 1 */
	int stride_h, stride_w;		/* >= 1; the spec's default: k */
	int pad_h, pad_w;		/* 0..k/2 on both sides */
};

/*
 * Parse "maxpool:K[,stride=S][,pad=P]" or "avgpool:..." (K, S, P each N
 * or NYxNX).  Returns 0, CF_ENOENT when spec names no pooling stage, or
 * CF_EINVAL with a message ("maxpool: stride must be 1..1024, got '0'").
 */
int cf_pool_parse(const char *spec, struct cf_pool_params *p, char *errbuf,
    size_t errlen);

enum cf_stage_kind {
	CF_STAGE_CONV,		/* 1 or 2 kernels (the default, 0) */
	CF_STAGE_POOL,		/* pool, no kernels (nkernels = 0) */
};

/*
 * A stage of the chain: one kernel, or two kernels whose results are
 * combined as the gradient magnitude sqrt(a^2 + b^2) (sobel, prewitt,
 * scharr without :x/:y), or a pooling stage.
 */
struct cf_stage {
	char name[128];		/* the -k spec, for messages and printing */
	int nkernels;		/* 1 or 2; 0 for pooling */
	struct cf_kernel k[2];
	enum cf_stage_kind kind;
	struct cf_pool_params pool;	/* CF_STAGE_POOL only */
	int from_npy;		/* a .npy kernel: --bias-file, --groups */
	int from_im;		/* an ImageMagick kernel string */
};

/* Divide each kernel of s by the sum of its weights where that is not
 * 0 (ImageMagick's -convolve). */
void cf_stage_normalize_sum(struct cf_stage *s);

/* Free the kernels of s. */
void cf_stage_release(struct cf_stage *s);

#endif
