/*
 * stream_int.h - what the three parts of the streaming engine share:
 * stream.c (the pipeline: ring, strips, threads), stream_plan.c (the
 * kernels' plans and error bounds), stream_strip.c (computing a strip,
 * checking and recomputing samples).  Private to them.
 */
#ifndef CF_STREAM_INT_H
#define CF_STREAM_INT_H

#include <pthread.h>
#include <stdint.h>

#include "engine/stream.h"

#define STRIP_ROWS 32		/* output rows per strip */
#define READ_ROWS 16		/* input rows per read call */
#define COLS 256		/* output columns per block */
#define AHEAD 2			/* strips in flight per worker */
#define MAX_THREADS 64		/* compute threads */
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
	long ri, *rmap;		/* ref_sum(): output row ri's input rows */
	uint64_t low[CF_MAX_DIMS], high[CF_MAX_DIMS];
};

struct eng {
	const struct cf_stream_job *j;
	struct plan pl[2];
	int nk, depthwise;
	size_t cf;		/* filtered channels (alpha kept apart) */
	size_t co, cg, opg;	/* conv output channels; inputs, outputs/group */
	size_t ho, wo, kh, kw, sh, sw, dh, dw, pt, pleft, pw;
	int pairs;		/* rows in pairs: stride and dilation 1 */
	enum cf_pad_mode mode;
	float padv;
	double maxv;		/* 255 or 65535 */
	long *colmap;		/* pw padded columns -> input column or -1 */
	float *padrow;		/* pw samples of padv */
	double *margin;		/* per conv output channel: M, absolute */
	double *mrel;		/* and relative: M = margin + mrel * |a| */
	/* the ring: cap decoded rows (interleaved samples) */
	unsigned char *ring;
	size_t cap, rowbytes, nplanes;
	/* strips: the input rows each reads, lo suffix-minimised */
	size_t ns;
	long *slo, *shi, *lo;
	int *haspad;
	size_t obytes;		/* bytes per output row */
	long *need;		/* rows read before strip s: max of shi[..s] */
	size_t nt;		/* compute threads (-j) */
	size_t np;		/* threads running the pipeline */
	struct scratch *scr;
	/*
	 * The pipeline, under mu: input rows [0, nread) are read; a thread
	 * takes strip next once its rows are read and its output slot (one
	 * of nos) is written out; strips [0, cdone) are computed, [0, wdone)
	 * written.  Row r may be read over row r - cap once no strip from
	 * cdone on reads it.  One thread at a time reads (reading) and one
	 * writes (writing).  An error sets stop to CF_EREAD or CF_EWRITE.
	 */
	pthread_mutex_t mu;
	pthread_cond_t cv;	/* broadcast on every change */
	size_t nread, next, cdone, wdone, nos;
	unsigned char *computed;	/* per strip */
	unsigned char *obuf;	/* nos slots of STRIP_ROWS output rows */
	int stop, reading, writing;
	cf_stream_read_fn rd;
	cf_stream_write_fn wr;
	void *rctx, *wctx;
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
