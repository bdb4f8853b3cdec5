/*
 * stream.c - one convolution stage from decoded rows to encoded rows.
 *
 * Decoded rows go into a ring holding as few rows as the kernel's window
 * and the work in flight need.  The output is computed in strips of
 * STRIP_ROWS rows: a worker takes the next strip as soon as its input
 * rows are in the ring and its output slot is free, turns those rows
 * into padded float planes and computes the strip in blocks of COLS
 * columns so that its rows stay in cache (stream_strip.c).  Rows are read
 * as soon as no strip still to compute needs their ring slot, and
 * finished strips are written in order, each by whichever thread of the
 * pool is free (participant()): decoding, filtering and encoding overlap,
 * with no barrier between them.
 *
 * Exactness.  conv_rows.c sums in float; for each output channel a bound
 * E on |its float - the reference's float| is derived in stream_plan.c
 * from the weights and the largest input sample (the classical bound for
 * recursive summation, gamma(n) = n u / (1 - n u) times the sum of the
 * magnitudes, counting a rounding per multiply and per add; plus the
 * error of a separable factorisation, plus the reference's own rounding
 * of a double to float).  For non-negative weights and samples the bound
 * is relative to the result instead; where every float sum is exact
 * (integer weights on 8-bit data) it is 0.  The converted value v (abs,
 * scale, bias) then lies within M = 2 |scale| E of the reference's; when
 * [v - M, v + M] holds no rounding boundary the rounded pixel is the
 * reference's, else (a fraction of a percent of samples) the reference's
 * double sum is computed for that sample -- in its order, or in any order
 * where every partial sum is provably exact -- and converted by convert.c
 * itself.
 */
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/parallel.h"
#include "engine/stream_int.h"

/* The output slot of strip si. */
static unsigned char *
slot(const struct eng *e, size_t si)
{
	return e->obuf + si % e->nos * STRIP_ROWS * e->obytes;
}

/* Whether strip si can start: its rows read, its output slot free. */
static int
strip_ready(const struct eng *e, size_t si)
{
	return (long)e->nread > e->need[si] && si < e->wdone + e->nos;
}

/*
 * Which input rows each strip reads, and so the ring's size: from a
 * strip's lowest row to the highest of the AHEAD strips per worker that
 * may be in flight after it.
 */
static int
plan_strips(struct eng *e, char *errbuf, size_t errlen)
{
	size_t si, i, m, i1, last, ahead, bytes;
	long r;

	e->ns = (e->ho + STRIP_ROWS - 1) / STRIP_ROWS;
	if (!(e->slo = malloc(e->ns * sizeof(*e->slo))) ||
	    !(e->shi = malloc(e->ns * sizeof(*e->shi))) ||
	    !(e->lo = malloc(e->ns * sizeof(*e->lo))) ||
	    !(e->need = malloc(e->ns * sizeof(*e->need))) ||
	    !(e->computed = calloc(e->ns, sizeof(*e->computed))) ||
	    !(e->haspad = calloc(e->ns, sizeof(*e->haspad)))) {
		snprintf(errbuf, errlen, "out of memory");
		return CF_ENOMEM;
	}
	for (si = 0; si < e->ns; si++) {
		e->slo[si] = LONG_MAX;
		e->shi[si] = -1;
		i1 = (si + 1) * STRIP_ROWS < e->ho ? (si + 1) * STRIP_ROWS :
		    e->ho;
		for (i = si * STRIP_ROWS; i < i1; i++)
			for (m = 0; m < e->kh; m++) {
				r = src_row(e, i, m);
				if (r < 0)
					e->haspad[si] = 1;
				else if (r < e->slo[si])
					e->slo[si] = r;
				if (r > e->shi[si])
					e->shi[si] = r;
			}
		/* kept alpha reads the strip's own rows */
		if (e->j->keep_alpha && (long)i1 - 1 > e->shi[si])
			e->shi[si] = (long)i1 - 1;
		if (e->j->keep_alpha && (long)(si * STRIP_ROWS) < e->slo[si])
			e->slo[si] = (long)(si * STRIP_ROWS);
	}
	for (si = e->ns; si-- > 0;)
		e->lo[si] = si + 1 < e->ns && e->lo[si + 1] < e->slo[si] ?
		    e->lo[si + 1] : e->slo[si];
	/* need: rows read before strip s can start (a prefix maximum) */
	for (si = 0; si < e->ns; si++)
		e->need[si] = si && e->need[si - 1] > e->shi[si] ?
		    e->need[si - 1] : e->shi[si];
	/* cap: from strip s's lowest row to the rows of the strips in
	 * flight after it */
	ahead = e->nt > 1 ? AHEAD * e->nt : 0;
	e->cap = 1;
	for (si = 0; si < e->ns; si++) {
		last = si + ahead < e->ns ? si + ahead : e->ns - 1;
		if (e->lo[si] != LONG_MAX &&
		    e->need[last] - e->lo[si] + 1 > (long)e->cap)
			e->cap = (size_t)(e->need[last] - e->lo[si] + 1);
	}
	e->rowbytes = e->j->w * e->j->c * (e->j->in16 ? 2 : 1);
	if (cf_size_mul(e->cap, e->rowbytes, &bytes) ||
	    !(e->ring = malloc(bytes))) {
		snprintf(errbuf, errlen, "out of memory");
		return CF_ENOMEM;
	}
	return 0;
}

static int
scratch_init(struct eng *e, struct scratch *s)
{
	size_t si, q, nch = e->co + 1;

	s->span = 1;
	for (si = 0; si < e->ns; si++)
		if (e->shi[si] >= e->slo[si] &&
		    (size_t)(e->shi[si] - e->slo[si] + 1) > s->span)
			s->span = (size_t)(e->shi[si] - e->slo[si] + 1);
	s->e = e;
	s->x = malloc(s->span * e->nplanes * e->pw * sizeof(float));
	s->ptr = malloc((e->kh + 1) * sizeof(*s->ptr));
	s->rmap = malloc(e->kh * sizeof(*s->rmap));
	s->ri = -1;
	s->px = malloc(2 * nch * COLS * sizeof(*s->px));
	if (!s->x || !s->ptr || !s->px || !s->rmap)
		return CF_ENOMEM;
	for (q = 0; q < 2; q++) {
		s->acc[q] = malloc(2 * COLS * sizeof(float));
		s->hpad[q] = malloc(e->co * COLS * sizeof(float));
		s->h[q] = malloc(e->co * s->span * COLS * sizeof(float));
		if (!s->acc[q] || !s->hpad[q] || !s->h[q])
			return CF_ENOMEM;
	}
	return 0;
}

static void
scratch_release(struct scratch *s)
{
	int q;

	for (q = 0; q < 2; q++) {
		free(s->acc[q]);
		free(s->h[q]);
		free(s->hpad[q]);
	}
	free(s->x);
	free(s->ptr);
	free(s->rmap);
	free(s->px);
}

static void
eng_release(struct eng *e, size_t nscr)
{
	size_t t;

	for (t = 0; t < nscr; t++)
		scratch_release(&e->scr[t]);
	free(e->scr);
	stream_plan_release(&e->pl[0]);
	stream_plan_release(&e->pl[1]);
	free(e->colmap);
	free(e->padrow);
	free(e->margin);
	free(e->mrel);
	free(e->ring);
	free(e->slo);
	free(e->shi);
	free(e->lo);
	free(e->need);
	free(e->computed);
	free(e->haspad);
}

/* The output rows of strip si. */
static size_t
strip_rows(const struct eng *e, size_t si)
{
	size_t i0 = si * STRIP_ROWS;

	return e->ho - i0 < STRIP_ROWS ? e->ho - i0 : STRIP_ROWS;
}

/*
 * How many rows from nread the reader may read now: up to READ_ROWS,
 * not past the ring's wrap, the image, or the rows still to be read by
 * strips from cdone on (row r overwrites row r - cap).
 */
static size_t
room(const struct eng *e)
{
	size_t n = e->j->h - e->nread, wrap = e->cap - e->nread % e->cap;
	long lo = e->cdone < e->ns ? e->lo[e->cdone] : LONG_MAX, free_;

	if (lo != LONG_MAX) {
		free_ = lo + (long)e->cap - (long)e->nread;
		if (free_ <= 0)
			return 0;
		if ((size_t)free_ < n)
			n = (size_t)free_;
	}
	if (n > wrap)
		n = wrap;
	return n < READ_ROWS ? n : READ_ROWS;
}

/*
 * One of the threads running the pipeline: under mu, it reads the next
 * rows when there is room and no one is reading, else writes the next
 * computed strip when no one is writing, else computes the next strip
 * whose rows are in, else waits for any of that to change.  Reading and
 * writing come first, as each is done by one thread at a time.  Any
 * number of threads finishes: one does everything in turn, since the
 * ring holds the rows of the strips after the oldest unfinished one.
 */
static void
participant(void *arg, size_t t)
{
	struct eng *e = arg;
	size_t si, n, r;
	int err;

	pthread_mutex_lock(&e->mu);
	while (!e->stop && (e->wdone < e->ns || e->nread < e->j->h)) {
		if (!e->reading && e->nread < e->j->h && (n = room(e))) {
			e->reading = 1;
			r = e->nread;
			pthread_mutex_unlock(&e->mu);
			err = e->rd(e->rctx, e->ring + r % e->cap * e->rowbytes,
			    n);
			pthread_mutex_lock(&e->mu);
			e->reading = 0;
			if (err && !e->stop)
				e->stop = CF_EREAD;
			e->nread += n;
		} else if (!e->writing && e->wdone < e->cdone) {
			e->writing = 1;
			si = e->wdone;
			pthread_mutex_unlock(&e->mu);
			err = e->wr(e->wctx, slot(e, si), strip_rows(e, si));
			pthread_mutex_lock(&e->mu);
			e->writing = 0;
			if (err && !e->stop)
				e->stop = CF_EWRITE;
			e->wdone++;
		} else if (e->next < e->ns && strip_ready(e, e->next)) {
			si = e->next++;
			pthread_mutex_unlock(&e->mu);
			stream_run_strip(e, &e->scr[t], si, slot(e, si));
			pthread_mutex_lock(&e->mu);
			e->computed[si] = 1;
			while (e->cdone < e->ns && e->computed[e->cdone])
				e->cdone++;
		} else {
			pthread_cond_wait(&e->cv, &e->mu);
			continue;
		}
		pthread_cond_broadcast(&e->cv);
	}
	pthread_cond_broadcast(&e->cv);
	pthread_mutex_unlock(&e->mu);
}

size_t
cf_stream_ring_rows(const struct cf_stream_job *j)
{
	struct eng e;
	char err[256];
	size_t rows = 0;

	memset(&e, 0, sizeof(e));
	e.nt = j->threads > 1 ? (size_t)j->threads : 1;
	if (e.nt > MAX_THREADS)
		e.nt = MAX_THREADS;
	if (!stream_setup(&e, j, err, sizeof(err)) &&
	    !plan_strips(&e, err, sizeof(err)))
		rows = e.cap;
	eng_release(&e, 0);
	return rows;
}

int
cf_stream_worth(const struct cf_stream_job *j)
{
	struct eng e;
	char err[256];
	double f, worst = 0, kref, kwhole;
	size_t o;
	int ok;

	memset(&e, 0, sizeof(e));
	e.nt = 1;
	if (stream_setup(&e, j, err, sizeof(err))) {
		eng_release(&e, 0);
		return 0;	/* cf_stream_run would fail: whole image */
	}
	/*
	 * The share of samples too close to call: boundaries are 1 apart, so
	 * about twice the margin at a mid-range value.
	 */
	for (o = 0; o < e.co; o++) {
		f = 2 * (e.margin[o] + e.mrel[o] * e.maxv / 2);
		if (f > worst)
			worst = f;
	}
	/* each costs the reference's sum; the whole image costs about one
	 * such sum per sample, or the two passes of a separable kernel */
	kref = (double)(e.cg * e.kh * e.kw * (size_t)e.nk);
	kwhole = e.pl[0].sep ? (double)((e.kh + e.kw) * (size_t)e.nk) : kref;
	ok = (worst < 1 ? worst : 1) * kref <= kwhole;
	eng_release(&e, 0);
	return ok;
}

int
cf_stream_run(const struct cf_stream_job *j, cf_stream_read_fn rd,
    void *rctx, cf_stream_write_fn wr, void *wctx,
    struct cf_clip_stats *clip, char *errbuf, size_t errlen)
{
	struct eng e;
	size_t nscr = 0, t, c;
	int err;

	memset(&e, 0, sizeof(e));
	if (clip)
		memset(clip, 0, sizeof(*clip));
	e.rd = rd;
	e.rctx = rctx;
	e.wr = wr;
	e.wctx = wctx;
	e.nt = j->threads > 1 ? (size_t)j->threads : 1;
	if (e.nt > MAX_THREADS)
		e.nt = MAX_THREADS;
	if ((err = stream_setup(&e, j, errbuf, errlen)) ||
	    (err = plan_strips(&e, errbuf, errlen)))
		goto out;
	e.nos = e.nt > 1 ? AHEAD * e.nt + 2 : 1;
	/* the compute threads, and one more to read and write beside them */
	e.np = e.nt > 1 ? e.nt + 1 : 1;
	if (!(e.scr = calloc(e.np, sizeof(*e.scr))) ||
	    !(e.obuf = malloc(e.nos * STRIP_ROWS * e.obytes)))
		goto nomem;
	for (nscr = 0; nscr < e.np; nscr++)
		if (scratch_init(&e, &e.scr[nscr])) {
			nscr++;
			goto nomem;
		}
	pthread_mutex_init(&e.mu, NULL);
	pthread_cond_init(&e.cv, NULL);
	cf_parallel_for(e.np, (int)e.np, participant, &e);
	pthread_mutex_destroy(&e.mu);
	pthread_cond_destroy(&e.cv);
	err = e.stop;
	if (clip && !err) {
		clip->channels = e.co + (j->keep_alpha ? 1 : 0);
		if (clip->channels > CF_MAX_DIMS)
			clip->channels = 0;
		for (t = 0; t < nscr; t++)
			for (c = 0; c < CF_MAX_DIMS; c++) {
				clip->low[c] += e.scr[t].low[c];
				clip->high[c] += e.scr[t].high[c];
			}
	}
	goto out;
nomem:
	snprintf(errbuf, errlen, "out of memory");
	err = CF_ENOMEM;
out:
	free(e.obuf);
	eng_release(&e, nscr);
	return err;
}
