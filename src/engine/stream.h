/*
 * stream.h - the single-stage float engine: one convolution stage whose
 * output is rounded to pixels, computed in strips of rows from the rows
 * of its input, which the streaming pipeline (pipe.c) holds.
 *
 * The result is the reference pipeline's, pixel for pixel: the stage by
 * cf_conv2d_ref, then cf_convert_to_u8 (or _u16).  The arithmetic is
 * float, vectorised and in any order (conv_rows.c); for every output
 * sample stream_plan.c knows a bound E on the distance between its float
 * and the reference's, and when the converted value is within E of a
 * rounding boundary (n + 0.5) the sample is recomputed the reference's
 * way.  Separable kernels run as two 1-D passes, with the error of the
 * factorisation in E.
 *
 * Input rows are interleaved integer samples (RGBRGB...: uint8_t, or
 * uint16_t when in16), as decoders give them, or the float planes of an
 * earlier stage (float_in); output rows are interleaved pixels, uint8_t
 * or uint16_t.
 */
#ifndef CF_STREAM_H
#define CF_STREAM_H

#include "engine/conv.h"
#include "engine/convert.h"
#include "engine/levels.h"
#include "kernels/stage.h"

/* Row r of the stage's input (in the caller's ring). */
typedef const void *(*cf_stream_row_fn)(void *ctx, long r);

struct cf_stream_job {
	const struct cf_stage *st;	/* a convolution stage */
	const struct cf_conv_params *p;	/* not transpose */
	const struct cf_convert_opts *cv;
	size_t c, h, w;			/* the input */
	int in16;			/* input rows are uint16_t */
	float in_scale;			/* 1, or 257: 8-bit data as 16-bit */
	/*
	 * Float input: rows of c planes of w floats, the output of an
	 * earlier stage, at most xmax in magnitude, and never negative when
	 * nonneg (else integer samples: 0..255 or 0..65535).
	 */
	int float_in;
	double xmax;
	int nonneg;
	int out16;			/* output uint16_t 0..65535, else 8-bit */
	/* 16-bit pixels rounded from the reference's double sum, not its
	 * float (cf_filter_exact16; the bounds hold for either) */
	int exact16;
	/* --normalize's second pass: { lo, hi - lo } per output channel
	 * (kept alpha's last), or NULL */
	const double (*norm)[2];
	/* Premultiplied: colour (all but the last channel) is divided by
	 * the filtered alpha (the last) before the conversion. */
	int premultiply;
	/* --linear: colour (not a filtered alpha) encoded and converted by
	 * this table (levels.h), or NULL */
	const struct cf_levels *levels;
	/* The last channel is alpha, copied through unfiltered (alpha
	 * mode keep: a depthwise stage that keeps the size). */
	int keep_alpha;
	size_t out_c;		/* channels written: all, or all but alpha */
};

#define CF_STREAM_STRIP 32	/* output rows per strip */

/*
 * Whether the engine can do stage st with p and cv on samples up to xmax
 * in magnitude: a convolution of 1 or 2 kernels (magnitude), not
 * transposed, weights whose sums stay far from float's
 * range.
 */
int cf_stream_supported(const struct cf_stage *st,
    const struct cf_conv_params *p, const struct cf_convert_opts *cv,
    double xmax);

/*
 * Whether j is expected to pay: 0 when so many samples would lie within
 * the error bound of a rounding boundary (16-bit data with long kernels)
 * that recomputing them costs more than the exact double engine, which
 * the caller should then use.  The pixels are the same either way.
 */
int cf_stream_worth(const struct cf_stream_job *j);

struct cf_stream;

/*
 * Prepare j for nt threads, reading input rows through row: 0, or a
 * cf_err with a message.  j must outlive *sp.
 */
int cf_stream_new(struct cf_stream **sp, const struct cf_stream_job *j,
    size_t nt, cf_stream_row_fn row, void *rctx, char *errbuf,
    size_t errlen);

/* The output rows and the strips of CF_STREAM_STRIP rows. */
size_t cf_stream_rows(const struct cf_stream *s);
size_t cf_stream_strips(const struct cf_stream *s);

/* The input rows strip si reads: [*lo, *hi] (hi < lo: none). */
void cf_stream_needs(const struct cf_stream *s, size_t si, long *lo,
    long *hi);

/* Output strip si into out (its rows, j->out_c pixels each), on thread t
 * (< nt); the input rows it reads must be held. */
void cf_stream_strip(struct cf_stream *s, size_t t, size_t si, void *out);

/* Add the clipped counts of every strip computed so far to clip, as
 * cf_convert_to_u8 counts them (clip->channels set). */
void cf_stream_clip(const struct cf_stream *s, struct cf_clip_stats *clip);

/*
 * --normalize's first pass by the stream itself (no kept alpha): with
 * ranging on, strips compute no pixels but each output channel's least
 * and largest converted value, exactly the reference's (cf_convert_
 * range_add of its floats): a sample whose interval could hold a new
 * least or largest value is recomputed the reference's way.  Turning it
 * on starts the ranges afresh; cf_stream_range gives channel c's.
 */
void cf_stream_ranging(struct cf_stream *s, int on);
void cf_stream_range(const struct cf_stream *s, size_t c, double *lo,
    double *hi);

void cf_stream_free(struct cf_stream *s);

#endif
