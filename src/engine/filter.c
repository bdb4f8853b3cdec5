/*
 * filter.c - one image through the whole chain (filter.h): the plan,
 * and the run, streamed (pipe.h), or on whole images in memory: the
 * reference pipeline, which the streamed one matches pixel for pixel.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/filter.h"
#include "engine/pipe.h"

struct cf_filter_int {
	const struct cf_filter_opts *o;
	struct cf_filter_in in;
	struct cf_pipe *pipe;		/* streamed by pipe.c */
	int keep;			/* alpha kept apart from the stages */
	int ran;
};

int
cf_filter_plan(const struct cf_filter_opts *o, const struct cf_filter_in *x,
    struct cf_filter_plan *pl, char *errbuf, size_t errlen)
{
	struct cf_filter_int *in;
	size_t i, *s, c;
	int err;

	memset(pl, 0, sizeof(*pl));
	pl->stage = -1;
	pl->nstages = o->nstages;
	pl->alpha = CF_ALPHA_SEPARATE;
	if (!(pl->in = in = calloc(1, sizeof(*in))) ||
	    !(pl->shape = calloc(o->nstages + 1, sizeof(*pl->shape)))) {
		snprintf(errbuf, errlen, "out of memory");
		return CF_ENOMEM;
	}
	in->o = o;
	in->in = *x;
	pl->shape[0][0] = x->c;
	pl->shape[0][1] = x->h;
	pl->shape[0][2] = x->w;
	/* a tensor's values are taken as they are */
	if (x->dtype != CF_F32 && (err = cf_alpha_resolve(o->alpha,
	    o->stages, o->nstages, &o->conv, pl->shape[0], &pl->alpha,
	    errbuf, errlen)))
		return err;
	in->keep = pl->alpha == CF_ALPHA_KEEP;
	/* kept alpha goes round the stages */
	pl->shape[0][0] -= (size_t)in->keep;
	for (i = 0; i < o->nstages; i++) {
		s = pl->shape[i + 1];
		if ((err = cf_conv_stage_shape(pl->shape[i], &o->stages[i],
		    &o->conv, s, errbuf, errlen))) {
			pl->stage = (long)i;
			/* beyond the engine's own limit, name ours if over it */
			if (err == CF_EOVERFLOW && o->max_pixels && s[1] &&
			    s[2] && (double)s[1] * s[2] > o->max_pixels)
				snprintf(errbuf, errlen, "output would be "
				    "%zux%zu, over the %llu-pixel limit "
				    "(--max-pixels)", s[2], s[1],
				    (unsigned long long)o->max_pixels);
			else if (err == CF_EOVERFLOW && o->max_pixels && s[0] &&
			    s[1] && s[2] && (double)s[0] * s[1] * s[2] >
			    4.0 * o->max_pixels)
				snprintf(errbuf, errlen, "output would be "
				    "%zux%zu with %zu channels, over the "
				    "%.0f-sample limit (4 x --max-pixels)", s[2],
				    s[1], s[0], 4.0 * o->max_pixels);
			return err;
		}
		if (o->max_pixels && s[1] * s[2] > o->max_pixels) {
			snprintf(errbuf, errlen, "output would be %zux%zu, over "
			    "the %llu-pixel limit (--max-pixels)", s[2], s[1],
			    (unsigned long long)o->max_pixels);
			pl->stage = (long)i;
			return CF_EOVERFLOW;
		}
		/* channels count too: an image's budget is 4 per pixel */
		if (o->max_pixels &&
		    (double)s[0] * s[1] * s[2] > 4.0 * o->max_pixels) {
			snprintf(errbuf, errlen, "output would be %zux%zu with "
			    "%zu channels, over the %.0f-sample limit (4 x "
			    "--max-pixels)", s[2], s[1], s[0],
			    4.0 * o->max_pixels);
			pl->stage = (long)i;
			return CF_EOVERFLOW;
		}
	}
	pl->shape[0][0] += (size_t)in->keep;
	s = pl->shape[o->nstages];
	c = s[0] + (size_t)in->keep;
	if (o->out != CF_F32 && o->out_channels && c > o->out_channels) {
		if (o->out_channels == 4)
			snprintf(errbuf, errlen, "the result has %zu channels; "
			    "an image holds 1 to 4", c);
		else
			snprintf(errbuf, errlen, "the result has %zu channels; "
			    "the output holds at most %zu", c,
			    o->out_channels);
		pl->output = 1;
		return CF_ESHAPE;
	}
	pl->dropped_alpha = !o->out_alpha && cf_alpha_has(c);
	pl->c = c - (size_t)pl->dropped_alpha;
	pl->h = s[1];
	pl->w = s[2];
	pl->dtype = o->out;
	/* through the pipeline, but --no-stream and what it does not stream
	 * (a second pass needs the input twice) */
	if (o->mode == CF_FILTER_WHOLE ||
	    (o->convert.normalize && !x->rewind))
		return 0;
	err = cf_pipe_new(&in->pipe, o, x, pl, errbuf, errlen);
	if (err == CF_ENOENT)
		return 0;
	if (err)
		return err;
	pl->streamed = 1;
	pl->fast = cf_pipe_fast(in->pipe);
	pl->ring_rows = cf_pipe_rows(in->pipe);
	pl->ring_bytes = cf_pipe_bytes(in->pipe);
	return 0;
}

/* The input's rows as the floats the stages take: [C, H, W] on the
 * samples' scale. */
static int
read_image(struct cf_filter_int *in, cf_filter_read_fn rd, void *rctx,
    struct cf_tensor *x, char *errbuf, size_t errlen)
{
	const struct cf_filter_in *f = &in->in;
	size_t y, k, i, nc = f->c, plane = f->h * f->w;
	float scale = in->o->wide && f->dtype == CF_U8 ? 257.0f : 1.0f, *d;
	unsigned char *row;
	const uint16_t *r16;
	const float *rf;
	int err;

	if ((err = cf_tensor_init_result(x, (size_t[]){ f->c, f->h, f->w },
	    errbuf, errlen)))
		return err;
	if (!(row = malloc(f->w * nc * cf_dtype_size(f->dtype)))) {
		cf_tensor_release(x);
		snprintf(errbuf, errlen, "out of memory");
		return CF_ENOMEM;
	}
	r16 = (const uint16_t *)(void *)row;
	rf = (const float *)(void *)row;
	d = x->data;
	for (y = 0; y < f->h; y++) {
		if (rd(rctx, row, 1)) {
			free(row);
			cf_tensor_release(x);
			return CF_EREAD;
		}
		for (k = 0; k < nc; k++)
			for (i = 0; i < f->w; i++)
				d[k * plane + y * f->w + i] =
				    f->dtype == CF_U8 ? row[i * nc + k] * scale :
				    f->dtype == CF_U16 ? r16[i * nc + k] :
				    rf[i * nc + k];
	}
	free(row);
	return 0;
}

/* Write t's rows. */
static int
write_image(const struct cf_tensor *t, cf_filter_write_fn wr, void *wctx,
    char *errbuf, size_t errlen)
{
	size_t y;
	void *row;

	if (!(row = malloc(t->shape[0] * t->shape[2] *
	    cf_dtype_size(t->dtype)))) {
		snprintf(errbuf, errlen, "out of memory");
		return CF_ENOMEM;
	}
	for (y = 0; y < t->shape[1]; y++) {
		cf_tensor_row_get(t, y, row);
		if (wr(wctx, row, 1)) {
			free(row);
			return CF_EWRITE;
		}
	}
	free(row);
	return 0;
}

/* The stages on x, in place; pl->stage names a stage that fails. */
static int
run_stages(struct cf_filter_plan *pl, struct cf_tensor *x, char *errbuf,
    size_t errlen)
{
	const struct cf_filter_opts *o = pl->in->o;
	struct cf_tensor y;
	size_t i;
	int err;

	for (i = 0; i < o->nstages; i++) {
		if ((err = cf_conv_stage(x, &o->stages[i], &o->conv, &y,
		    errbuf, errlen))) {
			pl->stage = (long)i;
			return err;
		}
		cf_tensor_release(x);
		*x = y;
	}
	return 0;
}

int
cf_filter_exact16(const struct cf_filter_opts *o, enum cf_alpha_mode alpha)
{
	return o->out == CF_U16 && o->nstages && !o->convert.normalize &&
	    !o->linear && alpha != CF_ALPHA_PREMULTIPLY &&
	    alpha != CF_ALPHA_KEEP;
}

/*
 * 16-bit output from the last stage's double result (cf_filter_exact16):
 * the stages but the last on x, the last by cf_conv_stage64, converted
 * into out.
 */
static int
run_exact16(struct cf_filter_plan *pl, struct cf_tensor *x,
    struct cf_tensor *out, struct cf_clip_stats *clip, char *errbuf,
    size_t errlen)
{
	const struct cf_filter_opts *o = pl->in->o;
	struct cf_filter_opts one = *o;
	size_t ys[3], c, plane;
	uint64_t low, high;
	double *y;
	int err;

	one.nstages--;
	pl->in->o = &one;
	err = run_stages(pl, x, errbuf, errlen);
	pl->in->o = o;
	if (err)
		return err;
	if ((err = cf_conv_stage64(x, &o->stages[o->nstages - 1], &o->conv,
	    &y, ys, errbuf, errlen))) {
		pl->stage = (long)o->nstages - 1;
		return err;
	}
	if ((err = cf_tensor_init(out, CF_U16, 3, ys))) {
		free(y);
		snprintf(errbuf, errlen, "out of memory");
		return err;
	}
	if (clip) {	/* as cf_convert_to_u16 counts */
		memset(clip, 0, sizeof(*clip));
		clip->channels = ys[0] <= CF_MAX_DIMS ? ys[0] : 0;
	}
	plane = ys[1] * ys[2];
	for (c = 0; c < ys[0]; c++) {
		low = high = 0;
		cf_convert_row64(y + c * plane, plane, &o->convert,
		    (uint16_t *)out->data + c * plane, 1, &low, &high);
		if (clip && clip->channels) {
			clip->low[c] = low;
			clip->high[c] = high;
		}
	}
	free(y);
	return 0;
}

/* The whole-image pipeline, the reference every streamed job matches. */
static int
run_whole(struct cf_filter_plan *pl, cf_filter_read_fn rd, void *rctx,
    cf_filter_write_fn wr, void *wctx, struct cf_clip_stats *clip,
    char *errbuf, size_t errlen)
{
	struct cf_filter_int *in = pl->in;
	const struct cf_filter_opts *o = in->o;
	struct cf_tensor x = CF_TENSOR_INIT, out = CF_TENSOR_INIT;
	struct cf_tensor saved = CF_TENSOR_INIT;
	double max = o->wide ? 65535 : 255;
	int err, image = in->in.dtype != CF_F32;

	if ((err = read_image(in, rd, rctx, &x, errbuf, errlen)))
		return err;
	if (image && cf_alpha_before(&x, pl->alpha, o->linear, max, &saved)) {
		err = CF_ENOMEM;
		goto nomem;
	}
	if (cf_filter_exact16(o, pl->alpha)) {
		if ((err = run_exact16(pl, &x, &out, clip, errbuf, errlen)))
			goto out;
		goto write;
	}
	if ((err = run_stages(pl, &x, errbuf, errlen)))
		goto out;
	if (image && cf_alpha_after(&x, pl->alpha, o->linear, max, &saved)) {
		err = CF_ENOMEM;
		goto nomem;
	}
	if (o->out == CF_F32) {
		/* the converted values, unrounded */
		if ((err = cf_convert_float(&x, &o->convert)))
			goto nomem;
		out = x;
		memset(&x, 0, sizeof(x));
	} else if ((err = (o->out == CF_U16 ? cf_convert_to_u16 :
	    cf_convert_to_u8)(&x, &o->convert, &out, clip))) {
		goto nomem;
	}
write:
	/* contiguous planes: dropping the last is a change of shape */
	if (pl->dropped_alpha)
		out.shape[0]--;
	err = write_image(&out, wr, wctx, errbuf, errlen);
	goto out;
nomem:
	snprintf(errbuf, errlen, "out of memory");
out:
	cf_tensor_release(&saved);
	cf_tensor_release(&out);
	cf_tensor_release(&x);
	return err;
}

int
cf_filter_run(struct cf_filter_plan *pl, cf_filter_read_fn rd, void *rctx,
    cf_filter_write_fn wr, void *wctx, struct cf_clip_stats *clip,
    char *errbuf, size_t errlen)
{
	struct cf_filter_int *in = pl->in;

	if (clip)
		memset(clip, 0, sizeof(*clip));
	if (!in || in->ran) {
		snprintf(errbuf, errlen, "no plan to run");
		return CF_EINVAL;
	}
	in->ran = 1;
	if (in->pipe)
		return cf_pipe_run(in->pipe, rd, rctx, wr, wctx, clip,
		    &pl->stage, errbuf, errlen);
	return run_whole(pl, rd, rctx, wr, wctx, clip, errbuf, errlen);
}

void
cf_filter_release(struct cf_filter_plan *pl)
{
	if (pl->in)
		cf_pipe_free(pl->in->pipe);
	free(pl->in);
	free(pl->shape);
	pl->in = NULL;
	pl->shape = NULL;
}
