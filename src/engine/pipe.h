/*
 * pipe.h - the streaming pipeline: every job of filter.h, from decoded
 * rows to encoded rows, in bounded memory.  Private to the engine
 * (filter.c builds and runs it).
 *
 * The job is a chain of nodes, each holding a ring of its output rows:
 * the input's decoded rows, their floats (with --linear and the alpha
 * handling before the stages), one node per stage, and the output's
 * pixels (the alpha handling after, the conversion).  A node's rows come
 * in blocks; a block is computed, by any thread of the pool, once the
 * rows it reads are in its input's ring and its own slot is free, and
 * every node's arithmetic is the whole-image reference's, so the output
 * is that of cf_filter_run's whole-image path, byte for byte, for any
 * number of threads.
 */
#ifndef CF_PIPE_H
#define CF_PIPE_H

#include <stddef.h>

#include "engine/filter.h"

struct cf_pipe;

/*
 * Build the pipeline for plan pl (already checked by cf_filter_plan):
 * 0, or a cf_err with a message; CF_ENOENT (no message) when the job has
 * a part the pipeline does not stream (the caller runs it whole).
 */
int cf_pipe_new(struct cf_pipe **pp, const struct cf_filter_opts *o,
    const struct cf_filter_in *in, const struct cf_filter_plan *pl,
    char *errbuf, size_t errlen);

/* Run it: filter.h's cf_filter_run, including CF_EREAD and CF_EWRITE;
 * *stage is the failing stage or -1. */
int cf_pipe_run(struct cf_pipe *p, cf_filter_read_fn rd, void *rctx,
    cf_filter_write_fn wr, void *wctx, struct cf_clip_stats *clip,
    long *stage, char *errbuf, size_t errlen);

/* Whether its last stage runs in float (stream.h). */
int cf_pipe_fast(const struct cf_pipe *p);

/* The rows its rings hold in all, and the bytes it holds, for -v. */
size_t cf_pipe_rows(const struct cf_pipe *p);
size_t cf_pipe_bytes(const struct cf_pipe *p);

void cf_pipe_free(struct cf_pipe *p);

#endif
