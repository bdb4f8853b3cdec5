/*
 * stream.h - one convolution stage from decoded rows to encoded rows,
 * with a ring of input rows instead of whole images in memory.
 *
 * The result is the reference pipeline's, pixel for pixel: cf_conv2d_ref
 * then cf_convert_to_u8 (or _u16).  The arithmetic is float, vectorised
 * and in any order (conv_rows.c); for every output sample stream.c knows
 * a bound E on the distance between its float and the reference's, and
 * when the converted value is within E of a rounding boundary (n + 0.5)
 * it recomputes that sample the reference's way.  Separable kernels run
 * as two 1-D passes, with the error of the factorisation in E.
 *
 * Rows are interleaved samples (RGBRGB...), as struct cf_img_reader and
 * cf_img_writer give and take them: uint8_t, or uint16_t when 16-bit.
 */
#ifndef CF_STREAM_H
#define CF_STREAM_H

#include "engine/conv.h"
#include "engine/convert.h"
#include "kernels/kernel.h"

struct cf_stream_job {
	const struct cf_stage *st;	/* a convolution stage */
	const struct cf_conv_params *p;	/* not transpose */
	const struct cf_convert_opts *cv; /* not normalize */
	size_t c, h, w;			/* the input image */
	int in16;			/* input rows are uint16_t */
	float in_scale;			/* 1, or 257: 8-bit data as 16-bit */
	int out16;			/* output uint16_t 0..65535, else 8-bit */
	/* The last channel is alpha, copied through unfiltered (alpha
	 * mode keep: a depthwise stage that keeps the size). */
	int keep_alpha;
	size_t out_c;		/* channels written: all, or all but alpha */
	int threads;		/* compute threads; the result is the same */
};

/* Read the next n rows into rows / write n rows: 0, or non-zero to stop
 * (the callback keeps its own message). */
typedef int (*cf_stream_read_fn)(void *ctx, void *rows, size_t n);
typedef int (*cf_stream_write_fn)(void *ctx, const void *rows, size_t n);

/*
 * Whether cf_stream_run can do stage st with p and cv: a convolution of 1
 * or 2 kernels (magnitude), not transposed, no --normalize, weights whose
 * sums stay far from float's range.
 */
int cf_stream_supported(const struct cf_stage *st,
    const struct cf_conv_params *p, const struct cf_convert_opts *cv);

/*
 * Whether streaming j is expected to pay: 0 when so many samples would
 * lie within the error bound of a rounding boundary (16-bit data with
 * long kernels) that recomputing them costs more than the whole-image
 * engine, which the caller should then use.  The pixels are the same
 * either way.
 */
int cf_stream_worth(const struct cf_stream_job *j);

/* The input rows cf_stream_run would hold in its ring (0: it cannot). */
size_t cf_stream_ring_rows(const struct cf_stream_job *j);

/*
 * Read j->h rows through rd, write the output's rows through wr, and
 * fill clip (may be NULL) as cf_convert_to_u8 does.  oshape is the output
 * [C, H, W] before dropping channels (cf_conv_stage_shape's, plus alpha).
 * 0, CF_EREAD or CF_EWRITE (a callback failed: its message is its own),
 * or another cf_err with a message.
 */
int cf_stream_run(const struct cf_stream_job *j, cf_stream_read_fn rd,
    void *rctx, cf_stream_write_fn wr, void *wctx,
    struct cf_clip_stats *clip, char *errbuf, size_t errlen);

#endif
