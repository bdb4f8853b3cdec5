/*
 * pipe_int.h - what pipe.c (the plan and the scheduler) and pipe_node.c
 * (each node's arithmetic) share.  Private to them.
 */
#ifndef CF_PIPE_INT_H
#define CF_PIPE_INT_H

#include <pthread.h>
#include <stdint.h>

#include "engine/conv_band.h"
#include "engine/levels.h"
#include "engine/pipe.h"
#include "engine/stream.h"

#define NONE ((size_t)-1)

enum node_kind {
	N_RAW,		/* the input's decoded rows, as the reader gives them */
	N_SRC,		/* their floats: widened, --linear, premultiplied */
	N_CONV,		/* a convolution stage: one kernel or a magnitude */
	N_TCONV,	/* a transposed convolution stage */
	N_POOL,		/* a pooling stage */
	N_SINK,		/* the output's rows: alpha after, converted */
	N_FAST,		/* the last stage and the conversion in float,
			 * exactly (stream.h), instead of a stage and sink */
};

/*
 * A node: its output rows [0, h) of rowsize bytes (float nodes: c planes
 * of w floats each) in blocks of b rows, nb of them, held in a ring of
 * r blocks.  Block k needs rows lo[i][k]..hi[i][k] of input i (hi < lo:
 * none).  Under the pipe's lock: blocks [0, next) are started, done[]
 * says which are finished, [0, cdone) all are.
 */
struct node {
	enum node_kind kind;
	size_t c, h, w;
	size_t rowsize;
	size_t b, nb, r;
	unsigned char *ring;
	struct node *in[2];
	int nin;
	long *lo[2], *hi[2];
	size_t next, cdone;
	unsigned char *done;
	/* the block of each user (a node reading this one) that reads block
	 * k last, or NONE: its slot is free once the user is past it */
	struct node *user[2];
	size_t *last[2];
	int nuser;
	/* the work */
	long stage;			/* the chain's stage, or -1 */
	const struct cf_stage *st;
	const struct cf_conv_params *cp;
	struct cf_band band[2];		/* N_CONV: one per kernel */
	size_t chunk;			/* N_CONV: output rows per band */
	struct cf_stream *fast;		/* N_FAST */
	struct cf_stream_job job;
	/* what the rows hold: at most xmax in magnitude (infinite:
	 * unknown), never negative when nonneg, integers when integer */
	double xmax;
	int nonneg, integer;
	/* the last stage for cf_filter_exact16: planes of doubles, its
	 * results before their rounding to float */
	int f64;
	void **scr;			/* per thread: the kind's buffers */
};

struct cf_pipe {
	const struct cf_filter_opts *o;
	struct cf_filter_in in;
	enum cf_alpha_mode alpha;
	int image;		/* alpha handling and --linear apply */
	int keep;		/* alpha kept apart: the sink reads it from src */
	int drop;		/* the output drops alpha */
	double max;		/* 255 or 65535 */
	float *lut;		/* --linear for integer samples, or NULL */
	struct cf_levels *levels;	/* --linear's encoding and the
					 * conversion of colour, or NULL */
	enum cf_dtype out;
	size_t oc;		/* channels written */
	struct node *n;		/* raw, src, one per stage, sink */
	size_t nn, np;		/* nodes, threads */
	int fast;		/* the last node is N_FAST */
	int exact16;		/* cf_filter_exact16: 16-bit from doubles */
	/* --normalize: pass 1 gathers each channel's range, pass 2 uses it */
	int pass;
	size_t nc;			/* the final channels C */
	struct cf_pipe *ranges;		/* exact nodes for pass 1, or NULL */
	double (*range)[2];		/* np x C: lo, hi */
	double (*norm)[2];		/* C: lo, hi - lo */
	struct cf_clip_stats *clip;	/* np */
	/* the scheduler */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int stop, reading, writing;
	size_t wdone;
	cf_filter_read_fn rd;
	cf_filter_write_fn wr;
	void *rctx, *wctx;
	long fail_stage;
	char fail[256];
};

/* Row y of node n (in its ring: it must be held). */
static inline unsigned char *
node_row(const struct node *n, size_t y)
{
	return n->ring + ((y / n->b) % n->r * n->b + y % n->b) * n->rowsize;
}

/* Plane c of an f64 node n's row y. */
static inline double *
node_plane64(const struct node *n, size_t y, size_t c)
{
	return (double *)(void *)node_row(n, y) + c * n->w;
}

/* Plane c of float node n's row y. */
static inline float *
node_plane(const struct node *n, size_t y, size_t c)
{
	return (float *)(void *)node_row(n, y) + c * n->w;
}

/* pipe_node.c: each kind's buffers for thread t (0 or CF_ENOMEM), its
 * needs for block k, and its work on block k. */
int pipe_node_scratch(struct cf_pipe *p, struct node *n, size_t t);
void pipe_node_scratch_free(struct node *n, size_t t);
void pipe_node_needs(const struct cf_pipe *p, const struct node *n,
    size_t k);
void pipe_node_run(struct cf_pipe *p, struct node *n, size_t t, size_t k);


#endif
