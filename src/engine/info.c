/*
 * info.c - shapes, costs and receptive fields of stages (see info.h).
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "engine/info.h"

/* One stage along one axis, for the receptive field. */
struct axis {
	int transpose;
	long k, d, s, before;
};

static void
stage_axis(const struct cf_stage *st, const struct cf_conv_params *p,
    int a, struct axis *x)
{
	size_t before, after;

	if (st->kind == CF_STAGE_POOL) {
		x->transpose = 0;
		x->k = a ? st->pool.kw : st->pool.kh;
		x->d = 1;
		x->s = a ? st->pool.stride_w : st->pool.stride_h;
		x->before = a ? st->pool.pad_w : st->pool.pad_h;
		return;
	}
	x->transpose = p->transpose;
	x->k = (long)st->k[0].weight.shape[2 + a];
	x->d = a ? p->dil_w : p->dil_h;
	x->s = a ? p->stride_w : p->stride_h;
	cf_conv_axis_padding(p, a, (size_t)x->k, &before, &after);
	x->before = (long)before;
}

/*
 * Replace the output interval [*lo, *hi] of a stage by the interval of
 * its input that those outputs read, on an unbounded axis (padding
 * included).  A forward stage: output o reads o*s - before + m*d.  A
 * transposed one: output o reads i wherever i*s = o + before - m*d; since
 * output o + s reads exactly what o reads shifted by one, the extremes lie
 * within the first and last s outputs.  Returns 0 if they read nothing.
 */
static int
back(const struct axis *x, long *lo, long *hi)
{
	long o, m, t, nlo = LONG_MAX, nhi = LONG_MIN;

	if (!x->transpose) {
		*lo = *lo * x->s - x->before;
		*hi = *hi * x->s - x->before + x->d * (x->k - 1);
		return 1;
	}
	for (o = *lo; o <= *hi; o++) {
		if (o == *lo + x->s && *hi - x->s + 1 > o)
			o = *hi - x->s + 1;
		for (m = 0; m < x->k; m++) {
			t = o + x->before - m * x->d;
			if (t % x->s)
				continue;
			if (t / x->s < nlo)
				nlo = t / x->s;
			if (t / x->s > nhi)
				nhi = t / x->s;
		}
	}
	if (nlo > nhi)
		return 0;
	*lo = nlo;
	*hi = nhi;
	return 1;
}

/*
 * The receptive field of stages[0..n) along axis a, by brute force: the
 * input interval each output reads, traced back through every stage, the
 * largest over one period of output positions (the product of the
 * transposed strides; forward chains have the same field everywhere).
 */
static double
chain_rf(const struct cf_stage *stages, size_t n,
    const struct cf_conv_params *p, int a)
{
	struct axis x;
	long period = 1, o, lo, hi, best = 0;
	size_t j;
	int any;

	for (j = 0; j < n; j++) {
		stage_axis(&stages[j], p, a, &x);
		if (x.transpose && period < 4096)
			period *= x.s;
	}
	for (o = 0; o < period && o < 4096; o++) {
		lo = hi = o;
		any = 1;
		for (j = n; j-- > 0 && any; ) {
			stage_axis(&stages[j], p, a, &x);
			any = back(&x, &lo, &hi);
		}
		if (any && hi - lo + 1 > best)
			best = hi - lo + 1;
	}
	return (double)best;
}

int
cf_stage_info(const struct cf_stage *stages, size_t idx,
    const struct cf_conv_params *p, const size_t *in, const double *jump_in,
    struct cf_stage_info *info, char *errbuf, size_t errlen)
{
	const struct cf_stage *st = &stages[idx];
	const struct cf_kernel *k = &st->k[0];
	size_t a, cin = in[0], nk;
	uint64_t outn;
	int err;

	memset(info, 0, sizeof(*info));
	memcpy(info->in, in, sizeof(info->in));
	if ((err = cf_conv_stage_shape(in, st, p, info->out, errbuf, errlen)))
		return err;
	outn = (uint64_t)info->out[1] * info->out[2];
	if (st->kind == CF_STAGE_POOL) {
		const struct cf_pool_params *q = &st->pool;

		info->kshape[0] = cin;
		info->kshape[1] = 1;
		info->kshape[2] = (size_t)q->kh;
		info->kshape[3] = (size_t)q->kw;
		info->groups = cin;
		info->stride[0] = q->stride_h;
		info->stride[1] = q->stride_w;
		info->dil[0] = info->dil[1] = 1;
		info->pad[0] = info->pad[1] = (size_t)q->pad_h;
		info->pad[2] = info->pad[3] = (size_t)q->pad_w;
		info->macs = (uint64_t)cin * outn * (uint64_t)q->kh * q->kw;
	} else {
		nk = (size_t)st->nkernels;
		if (k->depthwise) {
			info->kshape[0] = cin;
			info->kshape[1] = 1;
			info->groups = cin;
		} else {
			memcpy(info->kshape, k->weight.shape,
			    2 * sizeof(size_t));
			info->groups = (size_t)k->groups;
		}
		info->kshape[2] = k->weight.shape[2];
		info->kshape[3] = k->weight.shape[3];
		info->stride[0] = p->stride_h;
		info->stride[1] = p->stride_w;
		info->dil[0] = p->dil_h;
		info->dil[1] = p->dil_w;
		cf_conv_axis_padding(p, 0, info->kshape[2], &info->pad[0],
		    &info->pad[1]);
		cf_conv_axis_padding(p, 1, info->kshape[3], &info->pad[2],
		    &info->pad[3]);
		/* the equivalent torch layer: depthwise weights per channel */
		info->params = (uint64_t)nk * info->kshape[0] *
		    info->kshape[1] * info->kshape[2] * info->kshape[3];
		if (k->bias)
			info->params += (uint64_t)nk * (p->transpose &&
			    !k->depthwise ? info->out[0] : info->kshape[0]);
		/* each output (input, when transposed) of a channel reads
		 * kshape[1] * KH * KW weights per output channel it feeds */
		if (p->transpose)
			info->macs = (uint64_t)nk * in[1] * in[2] *
			    info->kshape[0] * info->kshape[1] *
			    info->kshape[2] * info->kshape[3];
		else
			info->macs = (uint64_t)nk * outn * info->out[0] *
			    info->kshape[1] * info->kshape[2] *
			    info->kshape[3];
	}
	for (a = 0; a < 2; a++) {
		info->rf[a] = chain_rf(stages, idx + 1, p, (int)a);
		if (st->kind != CF_STAGE_POOL && p->transpose)
			info->jump[a] = jump_in[a] / info->stride[a];
		else
			info->jump[a] = jump_in[a] * info->stride[a];
	}
	return 0;
}
