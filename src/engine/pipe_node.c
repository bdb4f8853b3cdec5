/*
 * pipe_node.c - the arithmetic of each node of the pipeline, on one
 * block of its rows.  Every node does what the whole-image reference
 * does to those rows, in the same order, with the same functions where
 * they exist (alpha.c's row steps, convert.c's samples, conv_band.c's
 * convolution), so its floats are the reference's bit for bit.
 */
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/alpha.h"
#include "engine/conv.h"
#include "engine/hot.h"
#include "engine/pipe_int.h"

/* The rows of block k of n. */
static void
block_rows(const struct node *n, size_t k, size_t *y0, size_t *y1)
{
	*y0 = k * n->b;
	*y1 = *y0 + n->b < n->h ? *y0 + n->b : n->h;
}

/* Widen [*lo, *hi] to row r of an input of h rows, if r is one. */
static void
need(long *lo, long *hi, long r, size_t h)
{
	if (r < 0 || r >= (long)h)
		return;
	if (r < *lo)
		*lo = r;
	if (r > *hi)
		*hi = r;
}

void
pipe_node_needs(const struct cf_pipe *p, const struct node *n, size_t k)
{
	const struct node *in = n->in[0];
	const struct cf_conv_params *cp = n->cp;
	const struct cf_pool_params *pp;
	size_t y0, y1, y, m, kh, before, after;
	long lo = LONG_MAX, hi = -1, t, sh, dh;
	int i;

	block_rows(n, k, &y0, &y1);
	for (i = 0; i < n->nin; i++) {
		n->lo[i][k] = (long)y0;
		n->hi[i][k] = (long)y1 - 1;
	}
	switch (n->kind) {
	case N_RAW:
	case N_SRC:
	case N_SINK:
		return;		/* the same rows of each input */
	case N_FAST:
		cf_stream_needs(n->fast, k, &n->lo[0][k], &n->hi[0][k]);
		return;
	case N_CONV:
		kh = n->band[0].kh;
		for (y = y0; y < y1; y++)
			for (m = 0; m < kh; m++)
				need(&lo, &hi, cf_pad_index((long)(y *
				    n->band[0].sh + m * n->band[0].dh) -
				    (long)n->band[0].pt, (long)in->h,
				    n->band[0].mode), in->h);
		break;
	case N_TCONV:
		kh = n->st->k[0].weight.shape[2];
		sh = cp->stride_h;
		dh = cp->dil_h;
		cf_conv_axis_padding(cp, 0, kh, &before, &after);
		for (y = y0; y < y1; y++)
			for (m = 0; m < kh; m++) {
				t = (long)(y + before) - (long)m * dh;
				if (t >= 0 && t % sh == 0)
					need(&lo, &hi, t / sh, in->h);
			}
		break;
	case N_POOL:
		pp = &n->st->pool;
		for (y = y0; y < y1; y++)
			for (m = 0; m < (size_t)pp->kh; m++)
				need(&lo, &hi, (long)(y * (size_t)pp->stride_h +
				    m) - pp->pad_h, in->h);
		break;
	}
	(void)p;
	n->lo[0][k] = lo == LONG_MAX ? 0 : lo;
	n->hi[0][k] = hi;
}

/* Per thread buffers. */
struct conv_scr {
	struct cf_band_scratch s[2];
	float *tmp;		/* the second kernel's rows of a magnitude */
};

struct pool_scr {
	double *acc;		/* a row of windows */
	float *accf;		/* the same, finite maxima */
	unsigned char *stop;
};

struct sink_scr {
	float *planes;		/* a row's c planes of w floats */
	float **p;
	uint16_t *pix;		/* its c planes of w pixels */
};

int
pipe_node_scratch(struct cf_pipe *p, struct node *n, size_t t)
{
	struct conv_scr *cs;
	struct sink_scr *ss;
	size_t c;
	int q;

	n->scr[t] = NULL;
	switch (n->kind) {
	case N_CONV:
		if (!(cs = calloc(1, sizeof(*cs))))
			return CF_ENOMEM;
		n->scr[t] = cs;
		for (q = 0; q < n->st->nkernels; q++)
			if (cf_band_scratch_init(&n->band[q], &cs->s[q],
			    n->chunk))
				return CF_ENOMEM;
		if (n->st->nkernels == 2 && !(cs->tmp = malloc(n->c *
		    n->chunk * n->w * (n->f64 ? sizeof(double) :
		    sizeof(float)))))
			return CF_ENOMEM;
		return 0;
	case N_TCONV:
		if (!(cs = calloc(1, sizeof(*cs))))
			return CF_ENOMEM;
		n->scr[t] = cs;
		if (n->st->nkernels == 2 && !(cs->tmp = malloc(n->w *
		    (n->f64 ? sizeof(double) : sizeof(float)))))
			return CF_ENOMEM;
		return 0;
	case N_POOL:
		if (!(n->scr[t] = calloc(1, sizeof(struct pool_scr))))
			return CF_ENOMEM;
		if (!(((struct pool_scr *)n->scr[t])->acc = malloc(n->w *
		    sizeof(double))) || !(((struct pool_scr *)
		    n->scr[t])->accf = malloc(n->w * sizeof(float))) ||
		    !(((struct pool_scr *)n->scr[t])->stop = malloc(n->w)))
			return CF_ENOMEM;
		return 0;
	case N_SINK:
		c = n->in[0]->c + (size_t)p->keep;
		if (!(ss = calloc(1, sizeof(*ss))))
			return CF_ENOMEM;
		n->scr[t] = ss;
		if (!(ss->planes = malloc(c * n->w * sizeof(float))) ||
		    !(ss->p = malloc(c * sizeof(*ss->p))) ||
		    !(ss->pix = malloc(c * n->w * sizeof(uint16_t))))
			return CF_ENOMEM;
		for (q = 0; (size_t)q < c; q++)
			ss->p[q] = ss->planes + (size_t)q * n->w;
		return 0;
	default:
		return 0;
	}
}

void
pipe_node_scratch_free(struct node *n, size_t t)
{
	struct conv_scr *cs;
	struct sink_scr *ss;
	int q;

	if (!n->scr || !n->scr[t])
		return;
	if (n->kind == N_CONV || n->kind == N_TCONV) {
		cs = n->scr[t];
		for (q = 0; q < 2; q++)
			cf_band_scratch_release(&cs->s[q]);
		free(cs->tmp);
	} else if (n->kind == N_POOL) {
		free(((struct pool_scr *)n->scr[t])->acc);
		free(((struct pool_scr *)n->scr[t])->accf);
		free(((struct pool_scr *)n->scr[t])->stop);
	} else if (n->kind == N_SINK) {
		ss = n->scr[t];
		free(ss->planes);
		free(ss->p);
		free(ss->pix);
	}
	free(n->scr[t]);
	n->scr[t] = NULL;
}

/* Plane c of nc interleaved 8-bit samples as floats, times scale. */
static CF_HOT void
planes_u8(float *const *d, const unsigned char *restrict s, size_t nc,
    size_t w, float scale)
{
	size_t x, c;

	/* the channel counts of images in one pass each */
	if (nc == 3) {
		for (x = 0; x < w; x++) {
			d[0][x] = s[3 * x] * scale;
			d[1][x] = s[3 * x + 1] * scale;
			d[2][x] = s[3 * x + 2] * scale;
		}
	} else if (nc == 4) {
		for (x = 0; x < w; x++) {
			d[0][x] = s[4 * x] * scale;
			d[1][x] = s[4 * x + 1] * scale;
			d[2][x] = s[4 * x + 2] * scale;
			d[3][x] = s[4 * x + 3] * scale;
		}
	} else {
		for (c = 0; c < nc; c++)
			for (x = 0; x < w; x++)
				d[c][x] = s[x * nc + c] * scale;
	}
}

/* Decoded rows to floats: widened, then --linear and premultiplied as
 * cf_alpha_before does (the table holds its values for each sample). */
static void
run_src(struct cf_pipe *p, struct node *n, size_t k)
{
	const struct node *raw = n->in[0];
	size_t y0, y1, y, x, c, nc = n->c, w = n->w;
	size_t ncolour = cf_alpha_has(nc) ? nc - 1 : nc;
	float scale = p->o->wide && p->in.dtype == CF_U8 ? 257.0f : 1.0f;
	float *q[CF_ALPHA_MAX_PLANES], *d;
	const unsigned char *r8;
	const uint16_t *r16;
	const float *rf;

	block_rows(n, k, &y0, &y1);
	for (y = y0; y < y1; y++) {
		r8 = node_row(raw, y);
		r16 = (const uint16_t *)(const void *)r8;
		rf = (const float *)(const void *)r8;
		for (c = 0; c < nc && c < CF_ALPHA_MAX_PLANES; c++)
			q[c] = node_plane(n, y, c);
		if (!p->lut && p->in.dtype == CF_U8 && nc <= CF_ALPHA_MAX_PLANES)
			planes_u8(q, r8, nc, w, scale);
		for (c = 0; c < nc; c++) {
			d = node_plane(n, y, c);
			if (!p->lut && p->in.dtype == CF_U8 &&
			    nc <= CF_ALPHA_MAX_PLANES)
				break;	/* done */
			if (p->lut && c < ncolour && p->in.dtype == CF_U8)
				for (x = 0; x < w; x++)
					d[x] = p->lut[r8[x * nc + c]];
			else if (p->lut && c < ncolour)
				for (x = 0; x < w; x++)
					d[x] = p->lut[r16[x * nc + c]];
			else if (p->in.dtype == CF_U8)
				for (x = 0; x < w; x++)
					d[x] = r8[x * nc + c] * scale;
			else if (p->in.dtype == CF_U16)
				for (x = 0; x < w; x++)
					d[x] = r16[x * nc + c];
			else
				for (x = 0; x < w; x++)
					d[x] = rf[x * nc + c];
		}
		if (p->image && p->alpha == CF_ALPHA_PREMULTIPLY &&
		    nc <= CF_ALPHA_MAX_PLANES)
			cf_alpha_before_row(q, nc, w, p->alpha, 0, p->max);
	}
}

static const float *
in_plane(void *ctx, size_t c, size_t y)
{
	return node_plane(ctx, y, c);
}

struct out_ctx {
	const struct node *n;
	float *tmp;		/* rows y0.. of the second kernel, or NULL */
	size_t y0;
};

/* (an f64 node's rows are doubles, cast: conv_band.h's out64) */
static float *
out_plane(void *ctx, size_t o, size_t y)
{
	const struct out_ctx *oc = ctx;
	size_t off = (o * oc->n->chunk + (y - oc->y0)) * oc->n->w;

	if (oc->tmp && oc->n->f64)
		return (float *)(void *)((double *)(void *)oc->tmp + off);
	if (oc->tmp)
		return oc->tmp + off;
	if (oc->n->f64)
		return (float *)(void *)node_plane64(oc->n, y, o);
	return node_plane(oc->n, y, o);
}

/* a[i] = sqrt(a[i]^2 + b[i]^2) in double, for i < n: an f64 magnitude */
static void
magnitude64(double *a, const double *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		a[i] = sqrt(a[i] * a[i] + b[i] * b[i]);
}

/* A convolution stage, in bands of n->chunk rows; a magnitude as
 * cf_conv_stage combines its two results. */
static void
run_conv(struct node *n, size_t t, size_t k)
{
	struct conv_scr *cs = n->scr[t];
	struct out_ctx oc = { n, NULL, 0 };
	const struct node *in = n->in[0];
	struct cf_band_hint hint = { in->integer, in->nonneg ? 0 : -in->xmax,
		in->xmax };
	const struct cf_band_hint *h = in->xmax < 1e30 ? &hint : NULL;
	size_t y0, y1, a, z, o, y;

	block_rows(n, k, &y0, &y1);
	for (a = y0; a < y1; a = z) {
		z = a + n->chunk < y1 ? a + n->chunk : y1;
		oc.tmp = NULL;
		cf_band_run(&n->band[0], &cs->s[0], a, z, h, in_plane, n->in[0],
		    out_plane, &oc);
		if (n->st->nkernels == 1)
			continue;
		oc.tmp = cs->tmp;
		oc.y0 = a;
		cf_band_run(&n->band[1], &cs->s[1], a, z, h, in_plane, n->in[0],
		    out_plane, &oc);
		for (o = 0; o < n->c; o++)
			for (y = a; y < z; y++)
				if (n->f64)
					magnitude64(node_plane64(n, y, o),
					    (const double *)(void *)out_plane(
					    &oc, o, y), n->w);
				else
					cf_conv_magnitude(node_plane(n, y, o),
					    out_plane(&oc, o, y), n->w, 1);
	}
}

/*
 * Row y of output channel o of a transposed convolution with kernel kn,
 * gathered into d: output sample (o, y, x) sums the products the
 * reference scatters to it, in the reference's order (input channel,
 * then input row, then input column ascending: kernel rows and columns
 * descending), then adds the bias.
 */
static void
tconv_row(const struct node *n, const struct cf_kernel *kn, size_t y,
    size_t o, void *d)
{
	const struct cf_tensor *wt = &kn->weight;
	const struct cf_conv_params *cp = n->cp;
	const struct node *in = n->in[0];
	const float *wd = wt->data, *wp, *xr;
	size_t kh = wt->shape[2], kw = wt->shape[3], bt, bl, after;
	size_t cg, opg, x, c, oo, m, q, mm, nn;
	long ti, tj, sh = cp->stride_h, sw = cp->stride_w;
	long dh = cp->dil_h, dw = cp->dil_w;
	double acc;

	cf_conv_axis_padding(cp, 0, kh, &bt, &after);
	cf_conv_axis_padding(cp, 1, kw, &bl, &after);
	cg = kn->depthwise ? 1 : in->c / (size_t)kn->groups;
	opg = kn->depthwise ? 1 : wt->shape[1];
	oo = o % opg;
	for (x = 0; x < n->w; x++) {
		acc = 0;
		for (c = (o / opg) * cg; c < (o / opg + 1) * cg; c++) {
			wp = wd + (kn->depthwise ? 0 : c) * wt->stride[0] +
			    (kn->depthwise ? 0 : oo) * wt->stride[1];
			for (m = kh; m-- > 0;) {
				ti = (long)(y + bt) - (long)m * dh;
				if (ti < 0 || ti % sh || ti / sh >= (long)in->h)
					continue;
				xr = node_plane(in, (size_t)(ti / sh), c);
				mm = cp->flip ? kh - 1 - m : m;
				for (q = kw; q-- > 0;) {
					tj = (long)(x + bl) - (long)q * dw;
					if (tj < 0 || tj % sw ||
					    tj / sw >= (long)in->w)
						continue;
					nn = cp->flip ? kw - 1 - q : q;
					acc += (double)xr[tj / sw] * wp[mm *
					    wt->stride[2] + nn * wt->stride[3]];
				}
			}
		}
		acc += kn->bias ? kn->bias[kn->depthwise ? 0 : o] : 0.0;
		if (n->f64)
			((double *)d)[x] = acc;
		else
			((float *)d)[x] = (float)acc;
	}
}

/* A transposed convolution stage; a magnitude as cf_conv_stage
 * combines its two results. */
static void
run_tconv(struct node *n, size_t t, size_t k)
{
	struct conv_scr *cs = n->scr[t];
	size_t y0, y1, y, o;

	block_rows(n, k, &y0, &y1);
	for (y = y0; y < y1; y++)
		for (o = 0; o < n->c; o++) {
			tconv_row(n, &n->st->k[0], y, o, node_row(n, y) +
			    o * n->w * (n->f64 ? sizeof(double) :
			    sizeof(float)));
			if (n->st->nkernels == 1)
				continue;
			tconv_row(n, &n->st->k[1], y, o, cs->tmp);
			if (n->f64)
				magnitude64(node_plane64(n, y, o),
				    (const double *)(void *)cs->tmp, n->w);
			else
				cf_conv_magnitude(node_plane(n, y, o), cs->tmp,
				    n->w, 1);
		}
}

/*
 * The window's columns q of output columns [x0, x1) that lie in the
 * input: output x reads column x * s + q - pad.
 */
static void
pool_cols(size_t q, size_t s, long pad, size_t w, size_t wo, size_t *x0,
    size_t *x1)
{
	long lo = pad - (long)q, hi = (long)w - 1 + pad - (long)q;

	*x0 = lo <= 0 ? 0 : (size_t)((lo + (long)s - 1) / (long)s);
	*x1 = hi < 0 ? 0 : (size_t)(hi / (long)s) + 1;
	if (*x1 > wo)
		*x1 = wo;
	if (*x0 > *x1)
		*x0 = *x1;
}

/* One window row of max pooling into acc: pool.c's order, and as there
 * a lane stops for the rest of the row once it is NaN. */
static CF_HOT void
max_row(double *restrict acc, unsigned char *restrict stop,
    const float *restrict row, size_t x0, size_t x1, size_t s, long off)
{
	size_t x;
	double v;

	for (x = x0; x < x1; x++) {
		v = row[(long)(x * s) + off];
		acc[x] = !stop[x] && (v > acc[x] || v != v) ? v : acc[x];
		stop[x] |= acc[x] != acc[x];
	}
}

static CF_HOT void
avg_row(double *restrict acc, unsigned char *restrict stop,
    const float *restrict row, size_t x0, size_t x1, size_t s, long off)
{
	size_t x;

	for (x = x0; x < x1; x++) {
		acc[x] = stop[x] ? acc[x] : acc[x] + row[(long)(x * s) + off];
		stop[x] |= acc[x] != acc[x];
	}
}

/* The same on samples known to be finite, with nothing to stop: the
 * largest of floats is one of them, so it is kept in float. */
static CF_HOT void
max_row_finite(float *restrict acc, const float *restrict row, size_t x0,
    size_t x1, size_t s, long off)
{
	size_t x;
	float v;

	for (x = x0; x < x1; x++) {
		v = row[(long)(x * s) + off];
		acc[x] = v > acc[x] ? v : acc[x];
	}
}

static CF_HOT void
avg_row_finite(double *restrict acc, const float *restrict row, size_t x0,
    size_t x1, size_t s, long off)
{
	size_t x;

	for (x = x0; x < x1; x++)
		acc[x] += row[(long)(x * s) + off];
}

/* Pooling, pool.c's arithmetic window by window, a row at a time. */
static void
run_pool(struct node *n, size_t t, size_t k)
{
	const struct cf_pool_params *pp = &n->st->pool;
	const struct node *in = n->in[0];
	struct pool_scr *ps = n->scr[t];
	size_t y0, y1, y, x, c, m, q, x0, x1, sw = (size_t)pp->stride_w;
	int finite = in->xmax < 1e30;	/* no NaN to stop at */
	const float *row;
	long r, off;
	float *d;

	block_rows(n, k, &y0, &y1);
	for (y = y0; y < y1; y++)
		for (c = 0; c < n->c; c++) {
			for (x = 0; x < n->w; x++) {
				ps->acc[x] = pp->kind == CF_POOL_MAX ?
				    -INFINITY : 0.0;
				ps->accf[x] = -INFINITY;
			}
			for (m = 0; m < (size_t)pp->kh; m++) {
				r = (long)(y * (size_t)pp->stride_h + m) -
				    pp->pad_h;
				if (r < 0 || r >= (long)in->h)
					continue;
				memset(ps->stop, 0, n->w);
				for (q = 0; q < (size_t)pp->kw; q++) {
					pool_cols(q, sw, pp->pad_w, in->w, n->w,
					    &x0, &x1);
					row = node_plane(in, (size_t)r, c);
					off = (long)q - pp->pad_w;
					if (finite && pp->kind == CF_POOL_MAX)
						max_row_finite(ps->accf, row, x0,
						    x1, sw, off);
					else if (finite)
						avg_row_finite(ps->acc, row, x0,
						    x1, sw, off);
					else
						(pp->kind == CF_POOL_MAX ?
						    max_row : avg_row)(ps->acc,
						    ps->stop, row, x0, x1, sw,
						    off);
				}
			}
			d = node_plane(n, y, c);
			if (n->f64)
				for (x = 0; x < n->w; x++)
					node_plane64(n, y, c)[x] = finite &&
					    pp->kind == CF_POOL_MAX ?
					    (double)ps->accf[x] :
					    pp->kind == CF_POOL_AVG ?
					    ps->acc[x] / ((double)pp->kh *
					    pp->kw) : ps->acc[x];
			else if (finite && pp->kind == CF_POOL_MAX)
				memcpy(d, ps->accf, n->w * sizeof(float));
			else
				for (x = 0; x < n->w; x++)
					d[x] = (float)(pp->kind == CF_POOL_AVG ?
					    ps->acc[x] / ((double)pp->kh *
					    pp->kw) : ps->acc[x]);
		}
}

/* Interleave the first nc of the pixel planes s (w apart) into d. */
static CF_HOT void
interleave8(unsigned char *restrict d, const unsigned char *restrict s,
    size_t nc, size_t w)
{
	size_t x, c;

	if (nc == 1)
		memcpy(d, s, w);
	else if (nc == 3)
		for (x = 0; x < w; x++) {
			d[3 * x] = s[x];
			d[3 * x + 1] = s[w + x];
			d[3 * x + 2] = s[2 * w + x];
		}
	else
		for (c = 0; c < nc; c++)
			for (x = 0; x < w; x++)
				d[x * nc + c] = s[c * w + x];
}

static CF_HOT void
interleave16(uint16_t *restrict d, const uint16_t *restrict s, size_t nc,
    size_t w)
{
	size_t x, c;

	for (c = 0; c < nc; c++)
		for (x = 0; x < w; x++)
			d[x * nc + c] = s[c * w + x];
}

/* A colour plane of n samples, encoded and converted by the table. */
static void
levels_row(const struct cf_pipe *p, const float *v, size_t n, void *dst,
    uint64_t *low, uint64_t *high)
{
	uint16_t *d16 = dst;
	uint8_t *d8 = dst;
	size_t i;
	long r;

	for (i = 0; i < n; i++) {
		r = cf_levels_pixel(p->levels, v[i]);
		if (r < 0) {
			++*low;
			r = 0;
		} else if (r > (long)p->max) {
			++*high;
			r = (long)p->max;
		}
		if (p->out == CF_U16)
			d16[i] = (uint16_t)r;
		else
			d8[i] = (uint8_t)r;
	}
}

/* The alpha handling after the stages and the conversion, as
 * cf_alpha_after and cf_convert_* do them, into interleaved rows; or, in
 * --normalize's first pass, each channel's range. */
static void
run_sink(struct cf_pipe *p, struct node *n, size_t t, size_t k)
{
	struct sink_scr *ss = n->scr[t];
	const struct node *last = n->in[0];
	struct cf_clip_stats *st = &p->clip[t];
	const struct cf_convert_opts *cv = &p->o->convert;
	size_t y0, y1, y, c, nc = last->c + (size_t)p->keep, w = n->w;
	size_t oc = p->oc;
	const double *norm;
	unsigned char *o8;
	uint16_t *o16;
	uint64_t low = 0, high = 0;
	float *of;
	void *pix;

	block_rows(n, k, &y0, &y1);
	if (last->f64) {
		/* exact16: nothing but the conversion, from the doubles */
		for (y = y0; y < y1; y++) {
			for (c = 0; c < nc; c++) {
				cf_convert_row64(node_plane64(last, y, c), w,
				    cv, ss->pix + c * w, 1, &low, &high);
				if (c < CF_MAX_DIMS) {
					st->low[c] += low;
					st->high[c] += high;
				}
				low = high = 0;
			}
			interleave16((uint16_t *)(void *)node_row(n, y),
			    ss->pix, oc, w);
		}
		return;
	}
	for (y = y0; y < y1; y++) {
		for (c = 0; c < last->c; c++)
			memcpy(ss->p[c], node_plane(last, y, c),
			    w * sizeof(float));
		if (p->keep)
			memcpy(ss->p[nc - 1], node_plane(n->in[1], y,
			    n->in[1]->c - 1), w * sizeof(float));
		/* with the table, the encoding is the conversion's */
		if (p->image)
			cf_alpha_after_row(ss->p, nc, w, p->alpha,
			    p->o->linear && !p->levels, p->max);
		if (p->pass == 1) {
			for (c = 0; c < nc; c++)
				cf_convert_range_add(ss->p[c], w, cv,
				    &p->range[t * nc + c][0],
				    &p->range[t * nc + c][1]);
			continue;
		}
		o8 = node_row(n, y);
		o16 = (uint16_t *)(void *)o8;
		of = (float *)(void *)o8;
		for (c = 0; c < nc; c++) {
			norm = cv->normalize ? p->norm[c] : NULL;
			if (p->out == CF_F32) {
				if (c < oc)
					cf_convert_row_float(ss->p[c], w, cv,
					    norm, of + c, oc);
				continue;
			}
			/* a dropped alpha is converted for its counts */
			pix = p->out == CF_U16 ? (void *)(ss->pix + c * w) :
			    (void *)((unsigned char *)ss->pix + c * w);
			if (p->levels && (c + 1 < nc || !cf_alpha_has(nc)))
				levels_row(p, ss->p[c], w, pix, &low, &high);
			else
				cf_convert_row(ss->p[c], w, cv, norm, p->max,
				    pix, 1, &low, &high);
			if (c < CF_MAX_DIMS) {
				st->low[c] += low;
				st->high[c] += high;
			}
			low = high = 0;
		}
		if (p->out == CF_U16)
			interleave16(o16, ss->pix, oc, w);
		else if (p->out != CF_F32)
			interleave8(o8, (unsigned char *)ss->pix, oc, w);
	}
}

void
pipe_node_run(struct cf_pipe *p, struct node *n, size_t t, size_t k)
{
	switch (n->kind) {
	case N_RAW:
		break;		/* the reader's */
	case N_SRC:
		run_src(p, n, k);
		break;
	case N_CONV:
		run_conv(n, t, k);
		break;
	case N_TCONV:
		run_tconv(n, t, k);
		break;
	case N_POOL:
		run_pool(n, t, k);
		break;
	case N_SINK:
		run_sink(p, n, t, k);
		break;
	case N_FAST:
		cf_stream_strip(n->fast, t, k, node_row(n, k * n->b));
		break;
	}
}
