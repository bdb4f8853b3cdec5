/*
 * filter.h - one image through the whole chain: the engine's one entry
 * point.
 *
 * In this order: the input's samples as floats (8-bit data widened,
 * v * 257, on the 16-bit scale), --linear and the alpha handling before
 * the stages (alpha.h), every stage, the alpha handling after, then the
 * conversion (convert.h) to the output's samples.  The result is that of
 * the whole-image reference pipeline, pixel for pixel, however it runs.
 *
 * Plan, then run, as libspng asks for the size before decoding:
 * cf_filter_plan checks the chain against the input's shape and says
 * what the output will be and how the job will run before any pixel is
 * read; cf_filter_run reads the input's rows and writes the output's
 * through the caller's callbacks, so the engine knows nothing of files
 * or formats.  Rows are interleaved samples (RGBRGB...) of the dtype
 * given, in native byte order: uint8_t, uint16_t or float.
 */
#ifndef CF_FILTER_H
#define CF_FILTER_H

#include <stddef.h>
#include <stdint.h>

#include "base/tensor.h"
#include "engine/alpha.h"
#include "engine/conv.h"
#include "engine/convert.h"
#include "kernels/stage.h"

/*
 * How to run: streamed, by the fastest engine for the job (AUTO); whole
 * images in memory (WHOLE: the reference, --no-stream); and for the
 * tests, by the single-stage streaming engine wherever it can, even
 * where it does not pay (STREAM), or by the general pipeline (PIPE).
 */
enum cf_filter_mode {
	CF_FILTER_AUTO,
	CF_FILTER_WHOLE,
	CF_FILTER_STREAM,
	CF_FILTER_PIPE,
};

/* Back to the input's first row, for a second pass (--normalize): 0, or
 * non-zero when it cannot (the callback keeps its own message). */
typedef int (*cf_filter_rewind_fn)(void *ctx);

/* What to do with an image: the chain and everything around it. */
struct cf_filter_opts {
	const struct cf_stage *stages;	/* the chain, run in order */
	size_t nstages;			/* 0: the conversion alone */
	struct cf_conv_params conv;	/* for every convolution stage */
	struct cf_convert_opts convert;	/* after the last stage */
	enum cf_alpha_mode alpha;	/* AUTO: by the kind of chain */
	int linear;		/* filter colour in linear light */
	/*
	 * The samples' scale: 0..65535 when set (16-bit data, or 8-bit
	 * data widened for --depth 16), else 0..255.  Alpha, --linear and
	 * --normalize work on it.
	 */
	int wide;
	/* The output: CF_U8 or CF_U16 pixels (CF_U16 needs wide), or
	 * CF_F32, the converted values before rounding and clamping. */
	enum cf_dtype out;
	size_t out_channels;	/* the most the output holds; 0: any */
	int out_alpha;		/* it holds alpha; else alpha is dropped */
	uint64_t max_pixels;	/* H x W of any stage's output; 0: none */
	int threads;		/* the result does not depend on it */
	enum cf_filter_mode mode;
};

#define CF_FILTER_OPTS_DEFAULT {					\
	.conv = CF_CONV_PARAMS_DEFAULT,					\
	.convert = CF_CONVERT_OPTS_DEFAULT,				\
	.out = CF_U8,							\
	.out_channels = 4,						\
	.out_alpha = 1,							\
	.threads = 1,							\
}

/*
 * The input's shape and samples.  CF_F32 input (a .npy array) is a
 * tensor: its values are used as they are, with no alpha handling and
 * no --linear, whatever its channels.
 */
struct cf_filter_in {
	size_t c, h, w;
	enum cf_dtype dtype;
	/* called with the read callback's ctx; NULL: the input is read
	 * once (then --normalize holds whole images) */
	cf_filter_rewind_fn rewind;
};

/* What cf_filter_plan found; read-only for the caller. */
struct cf_filter_plan {
	size_t c, h, w;		/* the output's rows: w pixels of c */
	enum cf_dtype dtype;	/* opts.out */
	int dropped_alpha;	/* the output cannot hold alpha: dropped */
	enum cf_alpha_mode alpha;	/* as resolved for this input */
	int streamed;		/* rows flow through; else whole images */
	int fast;		/* by the single-stage float engine (stream.h),
				 * else the general pipeline (pipe.h) */
	size_t ring_rows;	/* streamed: the rows it holds at most */
	size_t ring_bytes;	/* and their bytes */
	size_t nstages;
	size_t (*shape)[3];	/* [nstages + 1]: the input, then each
				 * stage's output [C, H, W] */
	/*
	 * After a failure, what the message is about: stage (its index),
	 * or the output (output, e.g. too many channels), or neither
	 * (stage -1: the alpha handling asked for cannot be done).
	 */
	long stage;
	int output;
	struct cf_filter_int *in;	/* the engine's own (filter.c) */
};

/*
 * Plan opts on input in: 0, or a cf_err with a message in errbuf and
 * pl->stage / pl->output saying what it is about.  Either way the
 * caller releases pl with cf_filter_release.  opts and its stages must
 * outlive pl.
 */
int cf_filter_plan(const struct cf_filter_opts *opts,
    const struct cf_filter_in *in, struct cf_filter_plan *pl, char *errbuf,
    size_t errlen);

/* Read the next n input rows into rows / write n output rows: 0, or
 * non-zero to stop (the callback keeps its own message). */
typedef int (*cf_filter_read_fn)(void *ctx, void *rows, size_t n);
typedef int (*cf_filter_write_fn)(void *ctx, const void *rows, size_t n);

/*
 * Run pl: read all in.h input rows through rd (twice for --normalize,
 * rewinding in between), write pl->h output rows through wr, fill clip
 * (may be NULL) with the clipped counts per channel of integer output.  0; CF_EREAD or CF_EWRITE when a callback
 * failed (its message is its own); or another cf_err with a message
 * (pl->stage says which stage, or -1).  A plan runs once.
 */
int cf_filter_run(struct cf_filter_plan *pl, cf_filter_read_fn rd,
    void *rctx, cf_filter_write_fn wr, void *wctx,
    struct cf_clip_stats *clip, char *errbuf, size_t errlen);

/*
 * Whether 16-bit output is rounded from the last stage's result in
 * double (its exact sum, in the reference's order), not from its float:
 * CF_U16 output with nothing but the conversion after the last stage
 * (no --normalize, no --linear, alpha (mode) neither premultiplied nor
 * kept apart).  Every engine then gives the same pixels as the
 * reference's cf_conv_stage64.
 */
int cf_filter_exact16(const struct cf_filter_opts *o,
    enum cf_alpha_mode alpha);

/* Free what pl holds.  Safe on a failed or zeroed plan. */
void cf_filter_release(struct cf_filter_plan *pl);

#endif
