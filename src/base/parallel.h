/*
 * parallel.h - the one thread pool everything that runs in parallel
 * shares: the engine's row bands and strips, batch mode's files, the PNG
 * encoder's deflate blocks (zstd's lib/common/pool.h).
 *
 * Pool threads are started when work is queued and no idle thread can
 * take it (at most CF_PARALLEL_MAX), and then wait for more.  A caller
 * never waits for work that no thread has started: it does that work
 * itself.  So nested use (a batch of files, each filtered by several
 * threads) cannot deadlock, and a system that refuses to start threads
 * only makes things slower.
 */
#ifndef CF_PARALLEL_H
#define CF_PARALLEL_H

#include <stddef.h>

#define CF_PARALLEL_MAX 256	/* pool threads, and threads per call */

/*
 * Run fn(ctx, i) once for every i in [0, n), on up to threads threads
 * (the caller's among them), indexes taken in increasing order; return
 * when every call has returned.  fn may block on what another index does
 * only if any one thread running every index in turn would finish.
 */
void cf_parallel_for(size_t n, int threads, void (*fn)(void *ctx, size_t i),
    void *ctx);

/*
 * A task the caller goes on beside (the PNG encoder compresses a block
 * while it filters the next rows).  cf_task_start queues fn(arg), or runs
 * it now when threads <= 1; cf_task_wait returns once it has run,
 * running it in the caller if no pool thread has taken it yet.  The
 * struct is the caller's and must live until cf_task_wait returns.
 */
struct cf_task {
	void (*fn)(void *arg);
	void *arg;
	int state;		/* private: queued, running, done */
	struct cf_task *next;	/* private: the queue */
};

void cf_task_start(struct cf_task *t, int threads, void (*fn)(void *arg),
    void *arg);
void cf_task_wait(struct cf_task *t);

#endif
