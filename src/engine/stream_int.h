/*
 * stream_int.h - what the three parts of the single-stage float engine
 * share: stream.c (strips and threads' buffers), stream_plan.c (the
 * kernels' plans and error bounds), stream_strip.c (computing a strip,
 * checking and recomputing samples).  Private to them.
 */
#ifndef CF_STREAM_INT_H
#define CF_STREAM_INT_H

#include <stdint.h>

#include "engine/stream.h"

#define STRIP_ROWS CF_STREAM_STRIP	/* output rows per strip */
#define COLS 256		/* output columns per block */
#define U24 (1.0 / 16777216.0)		/* float's unit roundoff */
#define U53 (1.0 / 9007199254740992.0)	/* double's */

/* gamma(n) for unit roundoff u: the relative error bound of n roundings */
static inline double
gam(double n, double u)
{
	return n * u / (1 - n * u);
}

/* One kernel of the stage, ready to run. */
struct plan {
	const struct cf_kernel *k;
	float *wf;		/* weights, rotated when flip: [CO][cg][KH][KW] */
	int sep;		/* run as col (x) row */
	float *col, *row;
	double *err, *sum;	/* per output channel: E and the bound S */
	double *rel;		/* non-negative sums: E <= rel * |result| */
	int exact;		/* every float sum is exact: E = 0 */
	int dexact;		/* every double sum is exact: order-free */
};

struct eng;

struct scratch {
	struct eng *e;
	float *x;		/* the strip's input rows, padded floats */
	long xlo;		/* the first of them */
	size_t span;		/* rows of x, and of each channel's h */
	float *acc[2];		/* COLS outputs per kernel */
	float *h[2], *hpad[2];	/* separable: horizontal passes, per channel */
	const float **ptr;	/* KH row pointers */
	int *px;		/* COLS pixels per output channel */
	float *alpha;		/* premultiplied: two rows of alpha's floats */
	long ri, *rmap;		/* ref_sum(): output row ri's input rows */
	uint64_t low[CF_MAX_DIMS], high[CF_MAX_DIMS];
	/* --normalize's first pass, per output channel: the least and the
	 * largest converted reference value met, a bound above the least
	 * and one below the largest */
	double (*rng)[4];
};

struct eng {
	const struct cf_stream_job *j;
	struct plan pl[2];
	int nk, depthwise;
	size_t cf;		/* filtered channels (alpha kept apart) */
	size_t co, cg, opg;	/* conv output channels; inputs, outputs/group */
	size_t ho, wo, kh, kw, sh, sw, dh, dw, pt, pleft, pw;
	int pairs;		/* rows in pairs: stride and dilation 1 */
	int exact;		/* one kernel whose float sums are exact */
	enum cf_pad_mode mode;
	float padv;
	double maxv;		/* 255 or 65535 */
	long *colmap;		/* pw padded columns -> input column or -1 */
	float *padrow;		/* pw samples of padv */
	double *margin;		/* per conv output channel: M, absolute */
	double *mrel;		/* and relative: M = margin + mrel * |a| */
	size_t nplanes;		/* input planes (all input channels) */
	/* the input's rows, from the caller: interleaved integer samples,
	 * or (j->float_in) c planes of w floats */
	cf_stream_row_fn row;
	void *rctx;
	/* strips: the input rows each reads */
	size_t ns;
	long *slo, *shi;
	int *haspad;
	size_t obytes;		/* bytes per output row */
	size_t nt;		/* threads, each with its scratch */
	struct scratch *scr;
	int ranging;		/* --normalize's first pass: ranges only */
};

/* The input row read by output row i at kernel row m, or -1 (padding). */
static inline long
src_row(const struct eng *e, size_t i, size_t m)
{
	return cf_pad_index((long)(i * e->sh + m * e->dh) - (long)e->pt,
	    (long)e->j->h, e->mode);
}

/* Plane c of input row r in s's strip; the padding row for r < 0. */
static inline const float *
xrow(const struct eng *e, const struct scratch *s, long r, size_t c)
{
	if (r < 0)
		return e->padrow;
	return s->x + ((size_t)(r - s->xlo) * e->nplanes + c) * e->pw;
}

/* stream_plan.c: geometry, plans and margins of job j; 0 or a cf_err
 * with a message.  stream_plan_release frees what a plan holds. */
int stream_setup(struct eng *e, const struct cf_stream_job *j,
    char *errbuf, size_t errlen);
void stream_plan_release(struct plan *q);

/* stream_strip.c: output strip si into out (its first row), with s's
 * buffers. */
void stream_run_strip(const struct eng *e, struct scratch *s, size_t si,
    unsigned char *out);

#endif
