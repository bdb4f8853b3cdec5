/*
 * parallel.c - the thread pool: one queue of tasks under one lock, and
 * threads started on demand that take tasks from it.
 *
 * cf_parallel_for queues threads - 1 helper tasks that take indexes from
 * a shared counter, and takes indexes itself; once they are all taken it
 * waits for the helpers, which takes back any not yet started.  So no
 * caller ever waits for a task without a thread, however deeply calls
 * nest and however few threads the system grants.
 *
 * At exit the idle threads are stopped and joined (so valgrind sees
 * every thread's memory freed); a thread still running a task is left
 * to exit with the process rather than waited for.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>

#include "base/parallel.h"

enum { QUEUED = 1, RUNNING, DONE };

static struct {
	pthread_mutex_t mu;
	pthread_cond_t work;	/* a task was queued */
	pthread_cond_t done;	/* a task finished */
	struct cf_task *head, *tail;
	size_t queued;		/* tasks in the queue */
	int threads, idle;
	int busy, left;		/* threads running a task; threads gone */
	int stop;		/* exiting: idle threads leave */
	struct {
		pthread_t tid;
		int left;	/* thread_main returned */
	} slot[CF_PARALLEL_MAX];
} pool = { .mu = PTHREAD_MUTEX_INITIALIZER,
	.work = PTHREAD_COND_INITIALIZER, .done = PTHREAD_COND_INITIALIZER };

/* Run t (taken off the queue, state RUNNING) and mark it done. */
static void
run(struct cf_task *t)
{
	t->fn(t->arg);
	pthread_mutex_lock(&pool.mu);
	t->state = DONE;
	pthread_cond_broadcast(&pool.done);
	pthread_mutex_unlock(&pool.mu);
}

static void *
thread_main(void *arg)
{
	struct cf_task *t;
	int self = (int)(size_t)arg;

	pthread_mutex_lock(&pool.mu);
	for (;;) {
		while (!pool.head && !pool.stop) {
			pool.idle++;
			pthread_cond_wait(&pool.work, &pool.mu);
			pool.idle--;
		}
		if (pool.stop) {
			pool.slot[self].left = 1;
			pool.left++;
			pthread_cond_broadcast(&pool.done);
			pthread_mutex_unlock(&pool.mu);
			return NULL;
		}
		t = pool.head;
		pool.head = t->next;
		if (!pool.head)
			pool.tail = NULL;
		pool.queued--;
		t->state = RUNNING;
		pool.busy++;
		pthread_mutex_unlock(&pool.mu);
		run(t);
		pthread_mutex_lock(&pool.mu);
		pool.busy--;
	}
}

/* atexit: stop the idle threads and join them. */
static void
stop_all(void)
{
	int i, n;

	pthread_mutex_lock(&pool.mu);
	pool.stop = 1;
	pthread_cond_broadcast(&pool.work);
	while (pool.left + pool.busy < pool.threads)
		pthread_cond_wait(&pool.done, &pool.mu);
	n = pool.threads;
	pthread_mutex_unlock(&pool.mu);
	for (i = 0; i < n; i++)
		if (pool.slot[i].left)
			pthread_join(pool.slot[i].tid, NULL);
}

/* Queue t, and start a thread when no idle one is left for it. */
static void
enqueue(struct cf_task *t)
{
	pthread_attr_t attr;

	pthread_mutex_lock(&pool.mu);
	t->state = QUEUED;
	t->next = NULL;
	if (pool.tail)
		pool.tail->next = t;
	else
		pool.head = t;
	pool.tail = t;
	pool.queued++;
	if ((size_t)pool.idle < pool.queued &&
	    pool.threads < CF_PARALLEL_MAX &&
	    !pthread_attr_init(&attr)) {
		/* the codecs and the engine need little stack */
		pthread_attr_setstacksize(&attr, 2u << 20);
		if (!pool.threads)
			atexit(stop_all);
		if (!pthread_create(&pool.slot[pool.threads].tid, &attr,
		    thread_main, (void *)(size_t)pool.threads))
			pool.threads++;
		pthread_attr_destroy(&attr);
	}
	pthread_cond_signal(&pool.work);
	pthread_mutex_unlock(&pool.mu);
}

void
cf_task_start(struct cf_task *t, int threads, void (*fn)(void *arg),
    void *arg)
{
	t->fn = fn;
	t->arg = arg;
	if (threads > 1 && !pool.stop) {
		enqueue(t);
		return;
	}
	t->state = RUNNING;
	fn(arg);
	t->state = DONE;
}

void
cf_task_wait(struct cf_task *t)
{
	struct cf_task **p;

	pthread_mutex_lock(&pool.mu);
	if (t->state == QUEUED) {
		/* no thread has it: take it back and run it here */
		for (p = &pool.head; *p != t; p = &(*p)->next)
			;
		*p = t->next;
		if (pool.tail == t) {
			pool.tail = NULL;
			for (p = &pool.head; *p; p = &(*p)->next)
				pool.tail = *p;
		}
		pool.queued--;
		t->state = RUNNING;
		pthread_mutex_unlock(&pool.mu);
		run(t);
		return;
	}
	while (t->state != DONE)
		pthread_cond_wait(&pool.done, &pool.mu);
	pthread_mutex_unlock(&pool.mu);
}

struct job {
	void (*fn)(void *ctx, size_t i);
	void *ctx;
	size_t n;
	atomic_size_t next;
};

/* Take indexes until none is left. */
static void
take(void *arg)
{
	struct job *j = arg;
	size_t i;

	while ((i = atomic_fetch_add(&j->next, 1)) < j->n)
		j->fn(j->ctx, i);
}

void
cf_parallel_for(size_t n, int threads, void (*fn)(void *ctx, size_t i),
    void *ctx)
{
	struct cf_task helper[CF_PARALLEL_MAX];
	struct job j;
	size_t nt = threads > 1 ? (size_t)threads : 1, t;

	if (nt > n)
		nt = n;
	if (nt > CF_PARALLEL_MAX)
		nt = CF_PARALLEL_MAX;
	j.fn = fn;
	j.ctx = ctx;
	j.n = n;
	atomic_init(&j.next, 0);
	for (t = 1; t < nt; t++)
		cf_task_start(&helper[t], 2, take, &j);
	take(&j);
	for (t = 1; t < nt; t++)
		cf_task_wait(&helper[t]);
}
