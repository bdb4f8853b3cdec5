/*
 * stream.c - the single-stage float engine's strips: which input rows
 * each reads, each thread's buffers, and the entry points (stream.h).
 * Computing a strip is stream_strip.c's; the error bounds that keep it
 * exact are stream_plan.c's.
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
#include <stdint.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/stream_int.h"

struct cf_stream {
	struct eng e;
	size_t nscr;
};

/* Which input rows each strip reads, and whether it reads padding. */
static int
plan_strips(struct eng *e, char *errbuf, size_t errlen)
{
	size_t si, i, m, i1;
	long r;

	e->ns = (e->ho + STRIP_ROWS - 1) / STRIP_ROWS;
	if (!(e->slo = malloc(e->ns * sizeof(*e->slo))) ||
	    !(e->shi = malloc(e->ns * sizeof(*e->shi))) ||
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
	s->alpha = malloc(2 * COLS * sizeof(*s->alpha));
	s->rng = malloc(e->co * sizeof(*s->rng));
	if (!s->x || !s->ptr || !s->px || !s->rmap || !s->alpha || !s->rng)
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
	free(s->alpha);
	free(s->rng);
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
	free(e->slo);
	free(e->shi);
	free(e->haspad);
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
	if (stream_setup(&e, j, err, sizeof(err))) {
		eng_release(&e, 0);
		return 0;	/* cf_stream_new would fail */
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
cf_stream_new(struct cf_stream **sp, const struct cf_stream_job *j,
    size_t nt, cf_stream_row_fn row, void *rctx, char *errbuf,
    size_t errlen)
{
	struct cf_stream *s;
	struct eng *e;
	int err;

	if (!(*sp = s = calloc(1, sizeof(*s)))) {
		snprintf(errbuf, errlen, "out of memory");
		return CF_ENOMEM;
	}
	e = &s->e;
	e->row = row;
	e->rctx = rctx;
	e->nt = nt ? nt : 1;
	if ((err = stream_setup(e, j, errbuf, errlen)) ||
	    (err = plan_strips(e, errbuf, errlen)))
		return err;
	if (!(e->scr = calloc(e->nt, sizeof(*e->scr))))
		goto nomem;
	for (s->nscr = 0; s->nscr < e->nt; s->nscr++)
		if (scratch_init(e, &e->scr[s->nscr])) {
			s->nscr++;
			goto nomem;
		}
	return 0;
nomem:
	snprintf(errbuf, errlen, "out of memory");
	return CF_ENOMEM;
}

size_t
cf_stream_rows(const struct cf_stream *s)
{
	return s->e.ho;
}

size_t
cf_stream_strips(const struct cf_stream *s)
{
	return s->e.ns;
}

void
cf_stream_needs(const struct cf_stream *s, size_t si, long *lo, long *hi)
{
	*lo = s->e.slo[si] == LONG_MAX ? 0 : s->e.slo[si];
	*hi = s->e.shi[si];
}

void
cf_stream_strip(struct cf_stream *s, size_t t, size_t si, void *out)
{
	stream_run_strip(&s->e, &s->e.scr[t], si, out);
}

void
cf_stream_clip(const struct cf_stream *s, struct cf_clip_stats *clip)
{
	const struct eng *e = &s->e;
	size_t t, c;

	clip->channels = e->co + (e->j->keep_alpha ? 1 : 0);
	if (clip->channels > CF_MAX_DIMS)
		clip->channels = 0;
	for (t = 0; t < s->nscr; t++)
		for (c = 0; c < CF_MAX_DIMS; c++) {
			clip->low[c] += e->scr[t].low[c];
			clip->high[c] += e->scr[t].high[c];
		}
}

void
cf_stream_ranging(struct cf_stream *s, int on)
{
	struct eng *e = &s->e;
	size_t t, c;

	e->ranging = on;
	for (t = 0; on && t < s->nscr; t++)
		for (c = 0; c < e->co; c++) {
			e->scr[t].rng[c][0] = e->scr[t].rng[c][2] = INFINITY;
			e->scr[t].rng[c][1] = e->scr[t].rng[c][3] = -INFINITY;
		}
}

void
cf_stream_range(const struct cf_stream *s, size_t c, double *lo,
    double *hi)
{
	const struct eng *e = &s->e;
	size_t t;

	*lo = INFINITY;
	*hi = -INFINITY;
	for (t = 0; t < s->nscr; t++) {
		*lo = e->scr[t].rng[c][0] < *lo ? e->scr[t].rng[c][0] : *lo;
		*hi = e->scr[t].rng[c][1] > *hi ? e->scr[t].rng[c][1] : *hi;
	}
}

void
cf_stream_free(struct cf_stream *s)
{
	if (!s)
		return;
	eng_release(&s->e, s->nscr);
	free(s);
}
