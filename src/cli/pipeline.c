/*
 * pipeline.c - one image, o->input -> o->output: load, then one stage
 * streamed row by row (stream.h) or the whole image through every stage,
 * --linear and --alpha, conversion to pixels, and save.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "engine/alpha.h"
#include "engine/conv.h"
#include "engine/convert.h"
#include "io/img.h"
#include "cli/options.h"
#include "cli/output.h"
#include "cli/pipeline.h"
#include "engine/stream.h"
#include "base/tensor.h"
#include "cli/util.h"

/* Open o->input: 0, or EXIT_INPUT after one error line. */
static int
open_input(const struct options *o, FILE **fp)
{
	const char *name = o->input;
	struct stat st;
	FILE *f = stdin;

	if (strcmp(name, "-") && !(f = fopen(name, "rb"))) {
		error("'%s': %s", name, strerror(errno));
		return EXIT_INPUT;
	}
	if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
		error("'%s': is a directory", name);
		if (f != stdin)
			fclose(f);
		return EXIT_INPUT;
	}
	*fp = f;
	return 0;
}

static void
close_input(FILE *f)
{
	if (f != stdin)
		fclose(f);
}

/*
 * A message about a stage (or, with stage NULL, the chain): in a batch it
 * starts with the file's name, "'in.png': 'box:3': ...".
 */
static void
chain_error(const struct options *o, const char *stage, const char *msg)
{
	if (o->batch_mode && stage)
		error("'%s': '%s': %s", o->input, stage, msg);
	else if (o->batch_mode)
		error("'%s': %s", o->input, msg);
	else if (stage)
		error("'%s': %s", stage, msg);
	else
		error("%s", msg);
}

/*
 * Run every stage; the result stays float.  0, or EXIT_INPUT after one
 * error line with x released.
 */
static int
run_stages(const struct options *o, const struct cf_stage *stages,
    struct cf_tensor *x)
{
	struct cf_tensor y;
	size_t i, shape[3];
	char err[512];
	int rc;

	for (i = 0; i < o->nkernels; i++) {
		rc = cf_conv_stage_shape(x->shape, &stages[i], &o->conv,
		    shape, err, sizeof(err));
		if (!rc && shape[1] * shape[2] > o->load.max_pixels) {
			snprintf(err, sizeof(err), "output would be %zux%zu, "
			    "over the %llu-pixel limit (--max-pixels)",
			    shape[2], shape[1],
			    (unsigned long long)o->load.max_pixels);
			chain_error(o, stages[i].name, err);
			cf_tensor_release(x);
			return EXIT_INPUT;
		}
		if (!rc)
			rc = cf_conv_stage(x, &stages[i], &o->conv, &y, err,
			    sizeof(err));
		if (rc) {
			chain_error(o, stages[i].name, err);
			cf_tensor_release(x);
			return EXIT_INPUT;
		}
		if (o->verbose)
			fprintf(stderr, "convfilter: '%s': %zux%zux%zu -> "
			    "%zux%zux%zu\n", stages[i].name, x->shape[0],
			    x->shape[1], x->shape[2], y.shape[0], y.shape[1],
			    y.shape[2]);
		cf_tensor_release(x);
		*x = y;
	}
	return 0;
}

/*
 * img (released) to floats in x on the sample scale, returned: 65535 for
 * 16-bit data (8-bit input with --depth 16 is widened, v * 257), else
 * 255.  *image is 0 for .npy input, whose values are taken as stored.
 */
static double
to_float(const struct options *o, struct cf_tensor *img, struct cf_tensor *x,
    int *image)
{
	double max = img->dtype == CF_U16 || o->depth == 16 ? 65535 : 255;
	size_t i, n;
	float *d;

	*image = img->dtype != CF_F32;
	if (!*image) {
		*x = *img;
		return max;
	}
	if (cf_tensor_u8_to_f32(img, x)) {
		/* 0: failed, after one error line, with img released */
		error("'%s': out of memory", o->input);
		cf_tensor_release(img);
		return 0;
	}
	if (img->dtype == CF_U8 && max > 255)
		for (d = x->data, n = cf_tensor_numel(x), i = 0; i < n; i++)
			d[i] *= 257;
	cf_tensor_release(img);
	return max;
}

/*
 * The stages, inside --linear and --alpha handling (alpha.h).  0, or an
 * exit status after one error line with x released.
 */
static int
filter(const struct options *o, const struct cf_stage *stages,
    struct cf_tensor *x, double max, int image)
{
	enum cf_alpha_mode mode = CF_ALPHA_SEPARATE;
	struct cf_tensor saved = CF_TENSOR_INIT;
	char err[512];
	int rc = EXIT_INPUT;

	if (!image)
		return run_stages(o, stages, x);
	if (cf_alpha_resolve(o->alpha, stages, o->nkernels, &o->conv,
	    x->shape, &mode, err, sizeof(err))) {
		chain_error(o, NULL, err);
		rc = EXIT_USAGE;
		goto fail;
	}
	if (cf_alpha_before(x, mode, o->linear, max, &saved)) {
		error("'%s': out of memory", o->input);
		goto fail;
	}
	if ((rc = run_stages(o, stages, x)))
		goto fail;
	if (cf_alpha_after(x, mode, o->linear, max, &saved)) {
		error("'%s': out of memory", o->input);
		rc = EXIT_INPUT;
		goto fail;
	}
	return 0;
fail:
	cf_tensor_release(&saved);
	cf_tensor_release(x);
	return rc;
}

static void
report_clipping(const struct cf_clip_stats *s)
{
	size_t c;

	/* one line even when batch workers report at once */
	flockfile(stderr);
	fputs("convfilter: clipped values (low/high) per channel:", stderr);
	for (c = 0; c < s->channels; c++)
		fprintf(stderr, " %zu:%llu/%llu", c,
		    (unsigned long long)s->low[c],
		    (unsigned long long)s->high[c]);
	fputc('\n', stderr);
	funlockfile(stderr);
}

/*
 * Drop the alpha channel (the last of 2 or 4) in place, for formats that
 * cannot store it.
 */
static void
drop_alpha(struct cf_tensor *img)
{
	if (img->shape[0] == 2 || img->shape[0] == 4)
		img->shape[0]--;
}

/* One stage streamed from the input's rows to the output's (stream.h). */
struct stream_io {
	const struct options *o;
	struct cf_img_reader *r;
	struct cf_img_writer wr;
	struct cf_stream_job job;
	enum cf_format fmt;
	size_t oshape[3];
	char rerr[512], werr[512];
};

static int
stream_read(void *ctx, void *rows, size_t n)
{
	struct stream_io *io = ctx;

	return cf_img_reader_rows(io->r, rows, n, io->rerr,
	    sizeof(io->rerr));
}

static int
stream_write(void *ctx, const void *rows, size_t n)
{
	struct stream_io *io = ctx;

	return cf_img_writer_rows(&io->wr, rows, n, io->werr,
	    sizeof(io->werr));
}

static int
emit_stream(FILE *f, void *ctx)
{
	struct stream_io *io = ctx;
	const struct options *o = io->o;
	struct cf_clip_stats clip;
	char err[512];
	int rc;

	if (cf_img_writer_open(f, io->fmt, io->job.out_c, io->oshape[1],
	    io->oshape[2], io->job.out16, &o->save, o->meta, &io->wr, err,
	    sizeof(err))) {
		error("'%s': %s", o->output, err);
		return EXIT_OUTPUT;
	}
	rc = cf_stream_run(&io->job, stream_read, io, stream_write, io,
	    &clip, err, sizeof(err));
	if (!rc && cf_img_reader_finish(io->r, io->rerr, sizeof(io->rerr)))
		rc = CF_EREAD;
	if (rc) {
		cf_img_writer_close(&io->wr);
		if (rc == CF_EREAD)
			error("'%s': %s", o->input, io->rerr);
		else if (rc == CF_EWRITE)
			error("'%s': %s", o->output, io->werr);
		else
			chain_error(o, io->job.st->name, err);
		return rc == CF_EWRITE ? EXIT_OUTPUT : EXIT_INPUT;
	}
	if (io->rerr[0])
		warn("'%s': %s (--lenient)", o->input, io->rerr);
	if (cf_img_writer_finish(&io->wr, err, sizeof(err))) {
		error("'%s': %s", o->output, err);
		return EXIT_OUTPUT;
	}
	if (fflush(f) || ferror(f)) {
		error("'%s': write error: %s", o->output, strerror(errno));
		return EXIT_OUTPUT;
	}
	if (o->verbose && clip.channels)
		report_clipping(&clip);
	return 0;
}

/*
 * Whether image r can stream through the one stage to fmt, filling io's
 * job and output shape: a single convolution stage, output that has a
 * row writer, no --linear, alpha separate or kept.  Everything else, and
 * every error, goes the whole-image way.
 */
static int
streamable(const struct options *o, const struct cf_stage *stages,
    const struct cf_img_reader *r, enum cf_format fmt,
    struct stream_io *io)
{
	struct cf_stream_job *j = &io->job;
	enum cf_alpha_mode mode;
	size_t shape[3] = { r->c, r->h, r->w }, total;
	char err[512];
	int wide;

	if (o->no_stream || o->nkernels != 1 || r->img.data || o->linear ||
	    !cf_img_format_streams(fmt) ||
	    !cf_stream_supported(&stages[0], &o->conv, &o->convert) ||
	    cf_alpha_resolve(o->alpha, stages, 1, &o->conv, shape, &mode,
	    err, sizeof(err)) || mode == CF_ALPHA_PREMULTIPLY)
		return 0;
	memset(j, 0, sizeof(*j));
	j->keep_alpha = mode == CF_ALPHA_KEEP && cf_alpha_has(r->c);
	shape[0] -= (size_t)j->keep_alpha;
	if (cf_conv_stage_shape(shape, &stages[0], &o->conv, io->oshape, err,
	    sizeof(err)) ||
	    io->oshape[1] * io->oshape[2] > o->load.max_pixels)
		return 0;
	total = io->oshape[0] + (size_t)j->keep_alpha;
	if (total > 4 && fmt != CF_FMT_PAM && fmt != CF_FMT_PNM)
		return 0;
	wide = r->depth16 || o->depth == 16;
	j->st = stages;
	j->p = &o->conv;
	j->cv = &o->convert;
	j->c = r->c;
	j->h = r->h;
	j->w = r->w;
	j->in16 = r->depth16;
	j->in_scale = wide && !r->depth16 ? 257.0f : 1.0f;
	j->out16 = wide;
	j->out_c = total;
	j->threads = o->conv.threads;
	if (!cf_img_format_has_alpha(fmt) && (total == 2 || total == 4))
		j->out_c--;
	if (!cf_stream_worth(j))
		return 0;
	if (o->verbose)
		fprintf(stderr, "convfilter: '%s': %zux%zux%zu -> "
		    "%zux%zux%zu\n", stages[0].name, shape[0], shape[1],
		    shape[2], io->oshape[0], io->oshape[1], io->oshape[2]);
	if (j->out_c < total)
		warn("'%s': this format cannot store alpha; alpha dropped",
		    o->output);
	return 1;
}

/*
 * The pipeline for one image, o->input -> o->output: load, filter,
 * convert, save.  0, or the exit status after one error line; every
 * tensor is freed either way, so a batch goes on after a bad file.
 */
static int
run_image(const struct options *opts, const struct cf_stage *stages)
{
	struct options o = *opts;
	struct cf_tensor img, x, out;
	struct cf_clip_stats clip;
	struct cf_img_reader r;
	struct stream_io io;
	enum cf_format fmt;
	char err[512];
	FILE *in;
	double max;
	int image, rc;

	/* checked before any work (main, plan_batch): neither fails here */
	fmt = output_format(&o);
	o.load.keep16 = keep16(&o, fmt);

	/* load: the header, then one stage streamed or the whole image */
	if ((rc = open_input(&o, &in)))
		return rc;
	if (cf_img_reader_open(in, &o.load, o.meta, &r, err, sizeof(err))) {
		error("'%s': %s", o.input, err);
		close_input(in);
		return EXIT_INPUT;
	}
	o.save.threads = o.conv.threads;
	io.o = &o;
	io.r = &r;
	io.fmt = fmt;
	if (streamable(&o, stages, &r, fmt, &io)) {
		rc = save_with(&o, emit_stream, &io, 1);
		cf_img_reader_close(&r);
		close_input(in);
		return rc;
	}
	rc = cf_img_reader_read_all(&r, &img, err, sizeof(err));
	close_input(in);
	if (rc) {
		error("'%s': %s", o.input, err);
		return EXIT_INPUT;
	}
	if (err[0])
		warn("'%s': %s (--lenient)", o.input, err);
	if (!(max = to_float(&o, &img, &x, &image)))
		return EXIT_INPUT;

	/* filter */
	if ((rc = filter(&o, stages, &x, max, image)))
		return rc;

	/* .npy keeps floats: convert without rounding or clamping */
	if (fmt == CF_FMT_NPY && !o.npy_u8) {
		if (cf_convert_float(&x, &o.convert)) {
			error("'%s': cannot convert", o.output);
			cf_tensor_release(&x);
			return EXIT_INPUT;
		}
		rc = save(&o, fmt, &x);
		cf_tensor_release(&x);
		return rc;
	}

	/* convert to pixels */
	/* .npy and PAM hold any number of channels */
	if (x.shape[0] > 4 && fmt != CF_FMT_NPY && fmt != CF_FMT_PAM &&
	    fmt != CF_FMT_PNM) {
		error("'%s': the result has %zu channels; an image "
		    "holds 1 to 4 (write .npy or .pam)", o.output, x.shape[0]);
		cf_tensor_release(&x);
		return EXIT_INPUT;
	}
	if ((max > 255 ? cf_convert_to_u16 : cf_convert_to_u8)(&x,
	    &o.convert, &out, &clip)) {
		error("'%s': out of memory", o.output);
		cf_tensor_release(&x);
		return EXIT_INPUT;
	}
	cf_tensor_release(&x);
	if (o.verbose && clip.channels)
		report_clipping(&clip);
	if (!cf_img_format_has_alpha(fmt) &&
	    (out.shape[0] == 2 || out.shape[0] == 4)) {
		warn("'%s': this format cannot store alpha; alpha dropped",
		    o.output);
		drop_alpha(&out);
	}

	/* save */
	rc = save(&o, fmt, &out);
	cf_tensor_release(&out);
	return rc;
}

/* run_image with the input's metadata carried to the output (unless
 * --strip): per image, so parallel batch jobs share nothing. */
int
run_one(const struct options *opts, const struct cf_stage *stages)
{
	struct options o = *opts;
	struct cf_img_meta meta = { .orientation = 0 };
	int rc;

	o.meta = o.strip ? NULL : &meta;
	rc = run_image(&o, stages);
	cf_img_meta_release(&meta);
	return rc;
}
