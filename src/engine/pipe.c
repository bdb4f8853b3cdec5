/*
 * pipe.c - the streaming pipeline (pipe.h): its nodes, their rings, and
 * the threads that run them.
 *
 * Sizes.  Each output block of the sink needs, through every path of the
 * chain, an interval of rows of every node.  A node's ring holds, for the
 * oldest unfinished sink block, everything from the lowest row any later
 * sink block still needs to the highest row this one needs, and a block
 * per thread more, so that blocks are computed ahead: then whatever the
 * order of events some block can always be computed, read or written,
 * and a single thread finishes the job doing each in turn.
 *
 * Threads.  Every thread runs participant(): under one lock it reads the
 * next input block when its slot is free and no one is reading, else
 * writes the next finished output block when no one is writing, else
 * computes the ready block nearest the output (which frees memory
 * soonest), else waits for a change.
 */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/parallel.h"
#include "engine/alpha.h"
#include "engine/pipe_int.h"

#define BLOCK_ROWS 16		/* rows per block, where rows are small */
#define BLOCK_BYTES (1u << 20)	/* else about this much per block */
#define CHUNK_BYTES (4u << 20)	/* a convolution's band buffer */
#define RETRY (-1)		/* build() again, without the float engine */

/* The rows node n has finished, from 0. */
static size_t
rows_done(const struct node *n)
{
	return n->cdone >= n->nb ? n->h : n->cdone * n->b;
}

/* Rows per block for rows of rowsize bytes. */
static size_t
block_size(size_t rowsize)
{
	size_t b = BLOCK_BYTES / (rowsize ? rowsize : 1);

	return b < 1 ? 1 : b > BLOCK_ROWS ? BLOCK_ROWS : b;
}

/* n of h rows of rowsize bytes, in blocks of b rows (0: by their size). */
static int
node_init(struct node *n, enum node_kind kind, size_t c, size_t h, size_t w,
    size_t rowsize, size_t b, int nin)
{
	int i;

	n->kind = kind;
	n->c = c;
	n->h = h;
	n->w = w;
	n->rowsize = rowsize;
	n->b = b ? b : block_size(rowsize);
	n->nb = (h + n->b - 1) / n->b;
	n->nin = nin;
	n->stage = -1;
	if (!(n->done = calloc(n->nb, 1)))
		return CF_ENOMEM;
	for (i = 0; i < nin; i++)
		if (!(n->lo[i] = malloc(n->nb * sizeof(long))) ||
		    !(n->hi[i] = malloc(n->nb * sizeof(long))))
			return CF_ENOMEM;
	return 0;
}

/* n reads from in (as its input i). */
static int
link_node(struct node *n, int i, struct node *in)
{
	size_t k;

	n->in[i] = in;
	in->user[in->nuser] = n;
	if (!(in->last[in->nuser] = malloc(in->nb * sizeof(size_t))))
		return CF_ENOMEM;
	for (k = 0; k < in->nb; k++)
		in->last[in->nuser][k] = NONE;
	in->nuser++;
	return 0;
}

/* The last block of each user that reads each block. */
static void
find_last(struct node *in)
{
	const struct node *u;
	size_t k, j, *last;
	long lo, hi;
	int q, i;

	for (q = 0; q < in->nuser; q++) {
		u = in->user[q];
		last = in->last[q];
		for (i = 0; i < u->nin; i++) {
			if (u->in[i] != in)
				continue;
			for (k = 0; k < u->nb; k++) {
				lo = u->lo[i][k];
				hi = u->hi[i][k];
				if (hi < lo)
					continue;
				for (j = (size_t)lo / in->b;
				    j <= (size_t)hi / in->b; j++)
					last[j] = k;
			}
		}
	}
}

/*
 * Ring sizes: per sink block, the interval of rows of each node it needs
 * through every path (from the sink down, the nodes being in order), then
 * per node the widest span from the lowest row any later sink block needs
 * to the highest this one needs.
 */
static int
size_rings(struct cf_pipe *p)
{
	struct node *sink = &p->n[p->nn - 1], *n;
	long *lo, *hi, *losuf = NULL, a, b;
	size_t c, k, i, span, *width = NULL;
	int q, err = CF_ENOMEM;

	lo = malloc(p->nn * sink->nb * sizeof(*lo));
	hi = malloc(p->nn * sink->nb * sizeof(*hi));
	width = calloc(p->nn, sizeof(*width));
	losuf = malloc(p->nn * sizeof(*losuf));
	if (!lo || !hi || !width || !losuf)
		goto out;
	for (c = 0; c < sink->nb; c++) {
		for (i = 0; i < p->nn; i++) {
			lo[i * sink->nb + c] = LONG_MAX;
			hi[i * sink->nb + c] = -1;
		}
		lo[(p->nn - 1) * sink->nb + c] = (long)(c * sink->b);
		hi[(p->nn - 1) * sink->nb + c] = (long)((c + 1) * sink->b <
		    sink->h ? (c + 1) * sink->b : sink->h) - 1;
		for (i = p->nn; i-- > 0;) {
			n = &p->n[i];
			a = lo[i * sink->nb + c];
			b = hi[i * sink->nb + c];
			if (b < a)
				continue;
			for (k = (size_t)a / n->b; k <= (size_t)b / n->b; k++)
				for (q = 0; q < n->nin; q++) {
					size_t j = (size_t)(n->in[q] - p->n);
					long *l = &lo[j * sink->nb + c];
					long *h = &hi[j * sink->nb + c];

					if (n->hi[q][k] < n->lo[q][k])
						continue;
					if (n->lo[q][k] < *l)
						*l = n->lo[q][k];
					if (n->hi[q][k] > *h)
						*h = n->hi[q][k];
				}
		}
	}
	for (i = 0; i < p->nn; i++)
		losuf[i] = LONG_MAX;
	for (c = sink->nb; c-- > 0;)
		for (i = 0; i < p->nn; i++) {
			n = &p->n[i];
			a = lo[i * sink->nb + c];
			b = hi[i * sink->nb + c];
			if (b < a)
				continue;
			if (a < losuf[i])
				losuf[i] = a;
			span = (size_t)b / n->b - (size_t)losuf[i] / n->b + 1;
			if (span > width[i])
				width[i] = span;
		}
	for (i = 0; i < p->nn; i++) {
		n = &p->n[i];
		n->r = width[i] + p->np + 1;
		if (n->r > n->nb)
			n->r = n->nb;
		if (cf_size_mul(n->r * n->b, n->rowsize, &span) ||
		    !(n->ring = malloc(span)))
			goto out;
	}
	err = 0;
out:
	free(lo);
	free(hi);
	free(width);
	free(losuf);
	return err;
}

/* Whether block k of n may be written over its ring slot's old block. */
static int
slot_free(const struct cf_pipe *p, const struct node *n, size_t k)
{
	size_t old;
	int q;

	if (k < n->r)
		return 1;
	old = k - n->r;
	if (n == &p->n[p->nn - 1])	/* the output's: the writer frees it */
		return p->wdone > old;
	for (q = 0; q < n->nuser; q++)
		if (n->last[q][old] != NONE &&
		    n->user[q]->cdone <= n->last[q][old])
			return 0;
	return 1;
}

/* Whether n's next block can be computed now. */
static int
ready(const struct cf_pipe *p, const struct node *n)
{
	size_t k = n->next;
	int i;

	if (k >= n->nb || !slot_free(p, n, k))
		return 0;
	for (i = 0; i < n->nin; i++)
		if (n->hi[i][k] >= n->lo[i][k] &&
		    (long)rows_done(n->in[i]) <= n->hi[i][k])
			return 0;
	return 1;
}

static void
finish_block(struct node *n, size_t k)
{
	n->done[k] = 1;
	while (n->cdone < n->nb && n->done[n->cdone])
		n->cdone++;
}

static void
participant(void *arg, size_t t)
{
	struct cf_pipe *p = arg;
	struct node *raw = &p->n[0], *sink = &p->n[p->nn - 1], *n;
	size_t k, y0, rows, i;
	int err;

	pthread_mutex_lock(&p->mu);
	while (!p->stop && (p->wdone < sink->nb || raw->cdone < raw->nb)) {
		if (!p->reading && raw->next < raw->nb &&
		    slot_free(p, raw, raw->next)) {
			p->reading = 1;
			k = raw->next++;
			y0 = k * raw->b;
			rows = y0 + raw->b < raw->h ? raw->b : raw->h - y0;
			pthread_mutex_unlock(&p->mu);
			err = p->rd(p->rctx, node_row(raw, y0), rows);
			pthread_mutex_lock(&p->mu);
			p->reading = 0;
			if (err && !p->stop)
				p->stop = CF_EREAD;
			finish_block(raw, k);
		} else if (!p->writing && p->wdone < sink->cdone) {
			p->writing = 1;
			k = p->wdone;
			y0 = k * sink->b;
			rows = y0 + sink->b < sink->h ? sink->b : sink->h - y0;
			pthread_mutex_unlock(&p->mu);
			err = p->pass == 1 ? 0 : p->wr(p->wctx, node_row(sink,
			    y0), rows);
			pthread_mutex_lock(&p->mu);
			p->writing = 0;
			if (err && !p->stop)
				p->stop = CF_EWRITE;
			p->wdone++;
		} else {
			/* the ready block nearest the output */
			for (n = NULL, i = p->nn; i-- > 1;)
				if (ready(p, &p->n[i])) {
					n = &p->n[i];
					break;
				}
			if (!n) {
				pthread_cond_wait(&p->cv, &p->mu);
				continue;
			}
			k = n->next++;
			pthread_mutex_unlock(&p->mu);
			pipe_node_run(p, n, t, k);
			pthread_mutex_lock(&p->mu);
			finish_block(n, k);
		}
		pthread_cond_broadcast(&p->cv);
	}
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

/*
 * The largest |bias| + sum |w| over the filters of kernel k, and whether
 * every weight and bias is >= 0.  Transposed ([C_in, C_out/groups, KH,
 * KW]), output channel g * C_out/groups + o has the weights w[c, o] of
 * its group's inputs c.
 */
static double
kernel_gain(const struct cf_kernel *k, int transpose, int *nonneg)
{
	const struct cf_tensor *w = &k->weight;
	const float *d = w->data;
	size_t per = w->shape[2] * w->shape[3], nf, cg, f, c, c0, c1, i;
	size_t opg = w->shape[1];
	double s, best = 0, b;

	transpose = transpose && !k->depthwise;
	nf = transpose ? opg * (size_t)k->groups : w->shape[0];
	cg = w->shape[0] / (size_t)k->groups;
	*nonneg = 1;
	for (f = 0; f < nf; f++) {
		b = k->bias ? k->bias[k->depthwise ? 0 : f] : 0;
		*nonneg &= b >= 0;
		s = fabs(b);
		/* forward: the filter f; transposed: w[c, f % opg] */
		c0 = transpose ? f / opg * cg : f;
		c1 = transpose ? c0 + cg : f + 1;
		for (c = c0; c < c1; c++) {
			const float *q = transpose ? d + (c * opg + f % opg) *
			    per : d + c * w->stride[0];
			size_t nq = transpose ? per : w->stride[0];

			for (i = 0; i < nq; i++) {
				s += fabs((double)q[i]);
				*nonneg &= q[i] >= 0;
			}
		}
		if (s > best)
			best = s;
	}
	return best;
}

/* What node n's rows hold, from its input's: xmax and nonneg.  A bank
 * transposed sums each weight at most once per output too. */
static void
bound(struct node *n, const struct node *in)
{
	const struct cf_stage *st = n->st;
	double x = in->xmax, g;
	int q, nn;

	n->nonneg = in->nonneg;
	if (n->kind == N_POOL) {
		n->xmax = x;
		n->integer = in->integer && st->pool.kind == CF_POOL_MAX;
		return;
	}
	n->xmax = 0;
	for (q = 0; q < st->nkernels; q++) {
		/* a sum of at most xmax * |w| terms: |x| <= 1 counts the bias
		 * and the constant pad value as samples */
		if (n->cp->pad_mode == CF_PAD_CONSTANT && fabs(n->cp->pad_value)
		    > x)
			x = fabs(n->cp->pad_value);
		g = kernel_gain(&st->k[q], n->cp->transpose, &nn);
		n->xmax += g * (x > 1 ? x : 1);
		n->nonneg &= nn && (n->cp->pad_mode != CF_PAD_CONSTANT ||
		    n->cp->pad_value >= 0);
	}
	if (st->nkernels == 2)
		n->nonneg = 1;	/* a magnitude */
}

/* The node of stage i, reading from in. */
static int
stage_node(struct cf_pipe *p, struct node *n, size_t i, struct node *in,
    const size_t *ishape, const size_t *oshape, char *errbuf,
    size_t errlen)
{
	const struct cf_stage *st = &p->o->stages[i];
	const struct cf_conv_params *cp = &p->o->conv;
	size_t rows;
	int err, q, f64;

	/* the last stage of an exact16 job: doubles, for the sink */
	f64 = p->exact16 && i + 1 == p->o->nstages;
	if ((err = node_init(n, st->kind == CF_STAGE_POOL ? N_POOL :
	    cp->transpose ? N_TCONV : N_CONV, oshape[0], oshape[1],
	    oshape[2], oshape[0] * oshape[2] * (f64 ? sizeof(double) :
	    sizeof(float)), 0, 1)) ||
	    (err = link_node(n, 0, in)))
		return err;
	n->f64 = f64;
	n->stage = (long)i;
	n->st = st;
	n->cp = cp;
	bound(n, in);
	if (n->kind != N_CONV)
		return 0;
	/* doubles in the reference's order: not as two passes */
	for (q = 0; q < st->nkernels; q++) {
		if ((err = cf_band_init(&n->band[q], ishape, &st->k[q], cp,
		    !f64, errbuf, errlen)))
			/* too long padded rows: whole images */
			return err == CF_EOVERFLOW ? CF_ENOENT : err;
		n->band[q].out64 = f64;
	}
	/* output rows per band: its buffer about CHUNK_BYTES */
	rows = CHUNK_BYTES / (n->band[0].cg * n->band[0].pw * sizeof(double));
	rows = rows > (n->band[0].kh - 1) * n->band[0].dh + 1 ?
	    (rows - (n->band[0].kh - 1) * n->band[0].dh - 1) /
	    n->band[0].sh + 1 : 1;
	n->chunk = rows < n->b ? rows : n->b;
	return 0;
}

/*
 * Whether the last stage may run in float (stream.h): a forward
 * convolution whose result is only converted to integer pixels, or
 * encoded to sRGB by a table first (no --normalize, no premultiplied
 * alpha; alpha kept only by a single stage, which reads it from the
 * input), on an image (its samples bounded).  fast_node() decides,
 * knowing the bounds.
 */
static int
fast_last(const struct cf_pipe *p)
{
	const struct cf_filter_opts *o = p->o;

	return o->mode != CF_FILTER_PIPE && o->nstages && o->out != CF_F32 &&
	    (!o->linear || p->levels) && !o->conv.transpose &&
	    (p->alpha != CF_ALPHA_PREMULTIPLY || (!o->linear &&
	    !o->convert.normalize && o->convert.scale != 0 &&
	    o->stages[o->nstages - 1].nkernels == 1 &&
	    o->stages[o->nstages - 1].k[0].depthwise &&
	    cf_alpha_has(o->stages[o->nstages - 1].kind ==
	    CF_STAGE_CONV ? p->in.c : 0))) &&
	    !(p->keep && o->nstages > 1) && p->image &&
	    o->stages[o->nstages - 1].kind == CF_STAGE_CONV;
}

/* Row r of the input node of a float stage. */
static const void *
fast_row(void *ctx, long r)
{
	return node_row(ctx, (size_t)r);
}

/* The last stage in float, reading from in; 0, or CF_ENOENT when the
 * float engine cannot do it after all (or, but for the tests, would not
 * pay), or a cf_err with a message. */
static int
fast_node(struct cf_pipe *p, struct node *n, struct node *in,
    const struct cf_filter_plan *pl, char *errbuf, size_t errlen)
{
	const struct cf_filter_opts *o = p->o;
	struct cf_stream_job *j = &n->job;
	size_t s = o->nstages - 1;
	int err;

	memset(j, 0, sizeof(*j));
	j->st = &o->stages[s];
	j->p = &o->conv;
	j->cv = &o->convert;
	j->c = in->c;
	j->h = in->h;
	j->w = in->w;
	if (in->kind == N_RAW) {
		j->in16 = p->in.dtype == CF_U16;
		j->in_scale = o->wide && !j->in16 ? 257.0f : 1.0f;
	} else {
		j->float_in = 1;
		j->xmax = in->xmax;
		j->nonneg = in->nonneg;
	}
	j->out16 = o->out == CF_U16;
	j->exact16 = p->exact16;
	j->levels = p->levels;
	j->premultiply = p->alpha == CF_ALPHA_PREMULTIPLY;
	j->norm = o->convert.normalize ? (const double (*)[2])p->norm : NULL;
	j->keep_alpha = p->keep;
	j->out_c = pl->c;
	if (!cf_stream_supported(j->st, j->p, j->cv, j->float_in ? j->xmax :
	    65535) || (o->mode != CF_FILTER_STREAM && !cf_stream_worth(j)))
		return CF_ENOENT;
	if ((err = cf_stream_new(&n->fast, j, p->np, fast_row, in, errbuf,
	    errlen)))
		return err;
	/* its blocks are the engine's strips */
	if ((err = node_init(n, N_FAST, pl->c, pl->h, pl->w,
	    pl->w * pl->c * cf_dtype_size(pl->dtype), CF_STREAM_STRIP, 1)) ||
	    (err = link_node(n, 0, in)))
		return err;
	n->stage = (long)s;
	return 0;
}

static int build(struct cf_pipe **pp, const struct cf_filter_opts *o,
    const struct cf_filter_in *in, const struct cf_filter_plan *pl,
    int fast, char *errbuf, size_t errlen);

int
cf_pipe_new(struct cf_pipe **pp, const struct cf_filter_opts *o,
    const struct cf_filter_in *in, const struct cf_filter_plan *pl,
    char *errbuf, size_t errlen)
{
	int err = build(pp, o, in, pl, 1, errbuf, errlen);

	/* the float engine would not do: the exact nodes throughout */
	if (err == RETRY) {
		cf_pipe_free(*pp);
		err = build(pp, o, in, pl, 0, errbuf, errlen);
	}
	if (err) {
		cf_pipe_free(*pp);
		*pp = NULL;
	}
	return err;
}

static int
build(struct cf_pipe **pp, const struct cf_filter_opts *o,
    const struct cf_filter_in *in, const struct cf_filter_plan *pl,
    int fast, char *errbuf, size_t errlen)
{
	struct cf_pipe *p;
	struct node *raw, *prev, *n;
	size_t i, k, t, shape[3], es = cf_dtype_size(pl->dtype), ns;
	int err, src;

	*pp = NULL;
	if (!(p = calloc(1, sizeof(*p))))
		goto nomem;
	*pp = p;
	p->o = o;
	p->in = *in;
	p->alpha = pl->alpha;
	p->image = in->dtype != CF_F32;
	p->keep = pl->alpha == CF_ALPHA_KEEP;
	p->exact16 = cf_filter_exact16(o, pl->alpha);
	p->drop = pl->dropped_alpha;
	p->max = o->wide ? 65535 : 255;
	p->out = pl->dtype;
	p->oc = pl->c;
	p->np = o->threads > 1 ? (size_t)o->threads + 1 : 1;
	if (p->np > CF_PARALLEL_MAX)
		p->np = CF_PARALLEL_MAX;
	/* encoding and converting monotone: a table of thresholds */
	if (p->image && o->linear && o->out != CF_F32 &&
	    cf_levels_possible(&o->convert)) {
		if (!(p->levels = malloc(sizeof(*p->levels))))
			goto nomem;
		if ((err = cf_levels_init(p->levels, &o->convert, p->max))) {
			free(p->levels);
			p->levels = NULL;
			if (err == CF_ENOMEM)
				goto nomem;
		}
	}
	/* the final channels, alpha kept or not, dropped or not */
	p->nc = pl->shape[o->nstages][0] + (size_t)p->keep;
	if (!(p->norm = calloc(p->nc, sizeof(*p->norm))))
		goto nomem;
	/* the last stage in float where that is exact and pays */
	p->fast = fast && fast_last(p);
	ns = o->nstages - (size_t)p->fast;
	src = !(p->fast && o->nstages == 1 && !o->linear &&
	    p->alpha != CF_ALPHA_PREMULTIPLY);
	p->nn = 1 + (size_t)src + ns + 1;
	if (!(p->n = calloc(p->nn, sizeof(*p->n))))
		goto nomem;
	/* the decoded rows and their floats */
	raw = &p->n[0];
	if ((err = node_init(raw, N_RAW, in->c, in->h, in->w,
	    in->w * in->c * cf_dtype_size(in->dtype), 0, 0)))
		goto fail;
	raw->xmax = p->image ? 255.0 * (o->wide && in->dtype == CF_U8 ? 257 :
	    1) * (in->dtype == CF_U16 ? 257 : 1) : INFINITY;
	raw->nonneg = raw->integer = p->image;
	prev = raw;
	if (src) {
		if ((err = node_init(&p->n[1], N_SRC, in->c, in->h, in->w,
		    in->w * in->c * sizeof(float), 0, 1)) ||
		    (err = link_node(&p->n[1], 0, raw)))
			goto fail;
		/* --linear and premultiplying keep 0..max, not integers */
		p->n[1].xmax = raw->xmax;
		p->n[1].nonneg = raw->nonneg;
		p->n[1].integer = raw->integer && !o->linear &&
		    p->alpha != CF_ALPHA_PREMULTIPLY;
		prev = &p->n[1];
	}
	/* the stages: kept alpha goes round them */
	memcpy(shape, pl->shape[0], sizeof(shape));
	shape[0] -= (size_t)p->keep;
	for (i = 0; i < ns; i++) {
		n = &p->n[1 + (size_t)src + i];
		if ((err = stage_node(p, n, i, prev, shape, pl->shape[i + 1],
		    errbuf, errlen)))
			goto fail;
		memcpy(shape, pl->shape[i + 1], sizeof(shape));
		prev = n;
	}
	/* the output's rows */
	n = &p->n[p->nn - 1];
	if (p->fast) {
		if ((err = fast_node(p, n, prev, pl, errbuf, errlen))) {
			if (err == CF_ENOENT)
				err = RETRY;
			goto fail;
		}
	} else if ((err = node_init(n, N_SINK, pl->c, pl->h, pl->w,
	    pl->w * pl->c * es, 0, 1 + p->keep)) ||
	    (err = link_node(n, 0, prev)) ||
	    (p->keep && (err = link_node(n, 1, &p->n[1]))))
		goto fail;
	for (i = 0; i < p->nn; i++)
		for (k = 0; k < p->n[i].nb; k++)
			pipe_node_needs(p, &p->n[i], k);
	for (i = 0; i < p->nn; i++)
		find_last(&p->n[i]);
	if ((err = size_rings(p)))
		goto fail;
	/* --linear on integer samples: the table of what cf_alpha_before
	 * makes of each */
	if (p->image && o->linear) {
		size_t nv = in->dtype == CF_U8 ? 256 : 65536;

		if (!(p->lut = malloc(nv * sizeof(float))))
			goto nomem;
		for (k = 0; k < nv; k++)
			p->lut[k] = (float)k * (o->wide && in->dtype == CF_U8 ?
			    257.0f : 1.0f);
		cf_alpha_before_row(&p->lut, 1, nv, CF_ALPHA_SEPARATE, 1,
		    p->max);
	}
	if (!(p->clip = calloc(p->np, sizeof(*p->clip))) ||
	    !(p->range = calloc(p->np * p->nc, sizeof(*p->range))))
		goto nomem;
	/* the first pass by the exact nodes, the float stage's output
	 * being pixels, where the float stage cannot range a kept alpha */
	if (p->fast && o->convert.normalize && p->keep &&
	    (err = build(&p->ranges, o, in, pl, 0, errbuf, errlen)))
		goto fail;
	for (i = 0; i < p->nn; i++) {
		if (!(p->n[i].scr = calloc(p->np, sizeof(void *))))
			goto nomem;
		for (t = 0; t < p->np; t++)
			if (pipe_node_scratch(p, &p->n[i], t))
				goto nomem;
	}
	return 0;
nomem:
	err = CF_ENOMEM;
	snprintf(errbuf, errlen, "out of memory");
fail:
	return err;
}

/* Every node back to its first block, for a pass. */
static void
rewind_pipe(struct cf_pipe *p)
{
	size_t i;

	for (i = 0; i < p->nn; i++) {
		p->n[i].next = p->n[i].cdone = 0;
		memset(p->n[i].done, 0, p->n[i].nb);
	}
	p->wdone = 0;
	p->stop = p->reading = p->writing = 0;
}

/* One pass through the pipeline: 0, CF_EREAD or CF_EWRITE. */
static int
run_pass(struct cf_pipe *p)
{
	rewind_pipe(p);
	cf_parallel_for(p->np, (int)p->np, participant, p);
	return p->stop;
}

/* --normalize's first pass by q: each channel's range into its norm. */
static int
ranges(struct cf_pipe *q, size_t nc)
{
	double lo, hi;
	size_t c, t;
	int err;

	q->pass = 1;
	for (t = 0; t < q->np * nc; t++) {
		q->range[t][0] = INFINITY;
		q->range[t][1] = -INFINITY;
	}
	if (q->fast)
		cf_stream_ranging(q->n[q->nn - 1].fast, 1);
	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->cv, NULL);
	err = run_pass(q);
	pthread_mutex_destroy(&q->mu);
	pthread_cond_destroy(&q->cv);
	if (q->fast)
		cf_stream_ranging(q->n[q->nn - 1].fast, 0);
	if (err)
		return err;
	for (c = 0; c < nc; c++) {
		if (q->fast) {
			cf_stream_range(q->n[q->nn - 1].fast, c, &lo, &hi);
			q->norm[c][0] = lo;
			q->norm[c][1] = hi - lo;
			continue;
		}
		lo = INFINITY;
		hi = -INFINITY;
		for (t = 0; t < q->np; t++) {
			if (q->range[t * nc + c][0] < lo)
				lo = q->range[t * nc + c][0];
			if (q->range[t * nc + c][1] > hi)
				hi = q->range[t * nc + c][1];
		}
		q->norm[c][0] = lo;
		q->norm[c][1] = hi - lo;
	}
	return 0;
}

int
cf_pipe_run(struct cf_pipe *p, cf_filter_read_fn rd, void *rctx,
    cf_filter_write_fn wr, void *wctx, struct cf_clip_stats *clip,
    long *stage, char *errbuf, size_t errlen)
{
	struct cf_pipe *q = p->ranges ? p->ranges : p;
	size_t nc = p->nc, c, t;
	int err;

	*stage = -1;
	p->rd = q->rd = rd;
	p->rctx = q->rctx = rctx;
	p->wr = q->wr = wr;
	p->wctx = q->wctx = wctx;
	/* --normalize: each channel's range first (by the float last stage
	 * when it can range them, else by the exact nodes), then the
	 * output */
	if (p->o->convert.normalize) {
		if ((err = ranges(q, nc)))
			return err;
		if (q != p)
			memcpy(p->norm, q->norm, nc * sizeof(*p->norm));
		if (!p->in.rewind || p->in.rewind(rctx))
			return CF_EREAD;
		p->pass = 2;
	}
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	err = run_pass(p);
	if (clip && !err && p->fast) {
		memset(clip, 0, sizeof(*clip));
		cf_stream_clip(p->n[p->nn - 1].fast, clip);
	} else if (clip && !err) {
		memset(clip, 0, sizeof(*clip));
		clip->channels = p->out == CF_F32 || nc > CF_MAX_DIMS ? 0 : nc;
		for (t = 0; t < p->np && clip->channels; t++)
			for (c = 0; c < CF_MAX_DIMS; c++) {
				clip->low[c] += p->clip[t].low[c];
				clip->high[c] += p->clip[t].high[c];
			}
	}
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
	(void)errbuf, (void)errlen;
	return err;
}

int
cf_pipe_fast(const struct cf_pipe *p)
{
	return p->fast;
}

size_t
cf_pipe_rows(const struct cf_pipe *p)
{
	size_t i, rows = 0;

	for (i = 0; i < p->nn; i++)
		rows += p->n[i].r * p->n[i].b;
	return rows;
}

size_t
cf_pipe_bytes(const struct cf_pipe *p)
{
	size_t i, bytes = 0;

	for (i = 0; i < p->nn; i++)
		bytes += p->n[i].r * p->n[i].b * p->n[i].rowsize;
	return bytes;
}

void
cf_pipe_free(struct cf_pipe *p)
{
	struct node *n;
	size_t i, t;
	int q;

	if (!p)
		return;
	for (i = 0; p->n && i < p->nn; i++) {
		n = &p->n[i];
		for (t = 0; n->scr && t < p->np; t++)
			pipe_node_scratch_free(n, t);
		free(n->scr);
		for (q = 0; q < 2; q++) {
			free(n->lo[q]);
			free(n->hi[q]);
			free(n->last[q]);
			cf_band_release(&n->band[q]);
		}
		free(n->done);
		free(n->ring);
		cf_stream_free(n->fast);
	}
	free(p->n);
	free(p->lut);
	if (p->levels)
		cf_levels_release(p->levels);
	free(p->levels);
	free(p->clip);
	free(p->range);
	free(p->norm);
	cf_pipe_free(p->ranges);
	free(p);
}
