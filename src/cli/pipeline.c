/*
 * pipeline.c - one image, o->input -> o->output: open the input, plan
 * the job with the engine (engine/filter.h), then run it from the
 * reader's rows to the writer's, and report.
 */
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/options.h"
#include "cli/output.h"
#include "cli/pipeline.h"
#include "cli/util.h"
#include "base/tensor.h"
#include "engine/filter.h"
#include "engine/grid.h"
#include "io/img.h"

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
 * An input that --normalize must read twice but cannot seek (a pipe):
 * copied to an anonymous temporary file, which replaces it.  0, or
 * EXIT_INPUT after one error line.
 */
static int
seekable_input(const struct options *o, FILE **fp)
{
	unsigned char buf[65536];
	FILE *t;
	size_t n;

	if (fseeko(*fp, 0, SEEK_CUR) == 0)
		return 0;
	if (!(t = tmpfile())) {
		error("'%s': cannot stage the input for --normalize: %s",
		    o->input, strerror(errno));
		return EXIT_INPUT;
	}
	while ((n = fread(buf, 1, sizeof(buf), *fp)) > 0)
		if (fwrite(buf, 1, n, t) != n) {
			error("'%s': cannot stage the input for --normalize: "
			    "%s", o->input, strerror(errno));
			fclose(t);
			return EXIT_INPUT;
		}
	if (ferror(*fp) || fflush(t) || fseeko(t, 0, SEEK_SET)) {
		error("'%s': read error: %s", o->input, strerror(errno));
		fclose(t);
		return EXIT_INPUT;
	}
	close_input(*fp);
	*fp = t;
	return 0;
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

/* One image from the reader's rows to the writer's. */
struct job {
	const struct options *o;
	const struct cf_stage *stages;
	FILE *in;
	struct cf_img_reader *r;
	struct cf_filter_plan pl;
	const struct cf_img_format *fmt;
	FILE *f;
	struct cf_img_writer wr;
	int wopen;		/* the writer is opened at the first row */
	size_t nread;
	char rerr[512], werr[512], note[512];
};

/* The next n rows; after the last, the rest of the input is checked. */
static int
read_rows(void *ctx, void *rows, size_t n)
{
	struct job *j = ctx;

	if (cf_img_reader_rows(j->r, rows, n, j->rerr, sizeof(j->rerr)))
		return 1;
	j->nread += n;
	if (j->o->show_progress)
		cf_progress_rows(j->o->batch_index, j->nread, j->r->h);
	if (j->nread < j->r->h)
		return 0;
	/* before the whole-image engine writes anything */
	if (cf_img_reader_finish(j->r, j->note, sizeof(j->note))) {
		snprintf(j->rerr, sizeof(j->rerr), "%s", j->note);
		j->note[0] = '\0';
		return 1;
	}
	return 0;
}

/* Back to the first row, for --normalize's second pass. */
static int
rewind_rows(void *ctx)
{
	struct job *j = ctx;
	const struct options *o = j->o;

	cf_img_reader_close(j->r);
	j->nread = 0;
	j->note[0] = '\0';
	if (fseeko(j->in, 0, SEEK_SET)) {
		snprintf(j->rerr, sizeof(j->rerr), "cannot read it again: %s",
		    strerror(errno));
		return 1;
	}
	return cf_img_reader_open(j->in, &o->load, NULL, j->r, j->rerr,
	    sizeof(j->rerr)) != 0;
}

static int
write_rows(void *ctx, const void *rows, size_t n)
{
	struct job *j = ctx;
	const struct options *o = j->o;

	if (!j->wopen) {
		if (cf_img_writer_open(j->f, j->fmt, j->pl.c, j->pl.h, j->pl.w,
		    j->pl.dtype, &o->save, o->meta, &j->wr, j->werr,
		    sizeof(j->werr)))
			return 1;
		j->wopen = 1;
	}
	return cf_img_writer_rows(&j->wr, rows, n, j->werr, sizeof(j->werr));
}

static int
emit(FILE *f, void *ctx)
{
	struct job *j = ctx;
	const struct options *o = j->o;
	struct cf_clip_stats clip;
	char err[512];
	int rc;

	j->f = f;
	rc = cf_filter_run(&j->pl, read_rows, j, write_rows, j, &clip, err,
	    sizeof(err));
	if (rc) {
		if (j->wopen)
			cf_img_writer_close(&j->wr);
		if (rc == CF_EREAD)
			error("'%s': %s", o->input, j->rerr);
		else if (rc == CF_EWRITE)
			error("'%s': %s", o->output, j->werr);
		else
			chain_error(o, j->pl.stage >= 0 ?
			    j->stages[j->pl.stage].name : NULL, err);
		return rc == CF_EWRITE ? EXIT_OUTPUT : EXIT_INPUT;
	}
	if (j->note[0])
		warn("'%s': %s (--lenient)", o->input, j->note);
	if (cf_img_writer_finish(&j->wr, err, sizeof(err))) {
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
 * --grid and --split: the float result held whole (each map's range is
 * known only at its end), then the maps as 8-bit grayscale pictures.
 */
struct maps {
	struct job *j;
	float *x;		/* h x w pixels of c floats */
	size_t n;		/* rows received */
	struct cf_grid g;
	double *lo, *hi;	/* per map */
	size_t k;		/* --split: the map being written */
	uint8_t *img;
};

static int
collect_rows(void *ctx, const void *rows, size_t n)
{
	struct maps *m = ctx;
	size_t row = m->g.w * m->g.c;

	memcpy(m->x + m->n * row, rows, n * row * sizeof(float));
	m->n += n;
	return 0;
}

/* h x w gray pixels to f as o's output format: 0 or EXIT_OUTPUT. */
static int
write_gray(FILE *f, const struct options *o, const struct cf_img_format *fmt,
    size_t h, size_t w, const uint8_t *px)
{
	struct cf_img_writer wr;
	char err[512];

	if (cf_img_writer_open(f, fmt, 1, h, w, CF_U8, &o->save, NULL, &wr,
	    err, sizeof(err))) {
		error("'%s': %s", o->output, err);
		return EXIT_OUTPUT;
	}
	if (cf_img_writer_rows(&wr, px, h, err, sizeof(err)) ||
	    cf_img_writer_finish(&wr, err, sizeof(err))) {
		cf_img_writer_close(&wr);
		error("'%s': %s", o->output, err);
		return EXIT_OUTPUT;
	}
	if (fflush(f) || ferror(f)) {
		error("'%s': write error: %s", o->output, strerror(errno));
		return EXIT_OUTPUT;
	}
	return 0;
}

static int
emit_grid(FILE *f, void *ctx)
{
	struct maps *m = ctx;

	cf_grid_compose(m->x, &m->g, m->lo, m->hi, m->j->o->convert.round,
	    m->img);
	return write_gray(f, m->j->o, m->j->fmt, m->g.gh, m->g.gw, m->img);
}

/* The output of --split's map k: NAME-KK.EXT from NAME.EXT, with as many
 * digits as the last map needs (at least two). */
static void
split_name(const char *out, size_t k, size_t c, char *buf, size_t len)
{
	const char *slash = strrchr(out, '/'), *dot = strrchr(out, '.');
	int digits = 2;
	size_t n;

	for (n = c - 1; n >= 100; n /= 10)
		digits++;
	if (!dot || (slash && dot < slash) || dot == out ||
	    (slash && dot == slash + 1))
		dot = out + strlen(out);
	snprintf(buf, len, "%.*s-%0*zu%s", (int)(dot - out), out, digits, k,
	    dot);
}

static int
emit_map(FILE *f, void *ctx)
{
	struct maps *m = ctx;
	const struct options *o = m->j->o;
	struct options ok = *o;
	char name[4096];

	split_name(o->output, m->k, m->g.c, name, sizeof(name));
	ok.output = name;
	cf_grid_map(m->x, &m->g, m->k, m->lo[m->k], m->hi[m->k],
	    o->convert.round, m->img);
	return write_gray(f, &ok, m->j->fmt, m->g.h, m->g.w, m->img);
}

/* Run j into memory, then write the grid or the split maps. */
static int
run_maps(struct job *j)
{
	const struct options *o = j->o;
	struct maps m = { .j = j };
	struct cf_clip_stats clip;
	struct options ok;
	char err[512], name[4096];
	size_t n;
	int rc;

	if (cf_grid_layout(j->pl.c, j->pl.h, j->pl.w, (size_t)o->grid_cols,
	    &m.g) || cf_size_mul(j->pl.h * j->pl.w, j->pl.c, &n) ||
	    n > SIZE_MAX / sizeof(float)) {
		error("'%s': %zu maps of %zux%zu are too large", o->output,
		    j->pl.c, j->pl.h, j->pl.w);
		return EXIT_INPUT;
	}
	m.x = malloc(n * sizeof(float));
	m.lo = malloc(m.g.c * sizeof(double));
	m.hi = malloc(m.g.c * sizeof(double));
	m.img = malloc(o->grid ? m.g.gh * m.g.gw : m.g.h * m.g.w);
	if (!m.x || !m.lo || !m.hi || !m.img) {
		error("'%s': out of memory", o->input);
		rc = EXIT_INPUT;
		goto out;
	}
	rc = cf_filter_run(&j->pl, read_rows, j, collect_rows, &m, &clip,
	    err, sizeof(err));
	if (rc) {
		if (rc == CF_EREAD)
			error("'%s': %s", o->input, j->rerr);
		else
			chain_error(o, j->pl.stage >= 0 ?
			    j->stages[j->pl.stage].name : NULL, err);
		rc = EXIT_INPUT;
		goto out;
	}
	if (j->note[0])
		warn("'%s': %s (--lenient)", o->input, j->note);
	cf_grid_ranges(m.x, j->pl.h * j->pl.w, m.g.c, o->grid_shared, m.lo,
	    m.hi);
	if (o->grid) {
		rc = save_with(o, emit_grid, &m, 0);
		goto out;
	}
	for (m.k = 0; m.k < m.g.c && !rc; m.k++) {
		ok = *o;
		split_name(o->output, m.k, m.g.c, name, sizeof(name));
		ok.output = name;
		rc = save_with(&ok, emit_map, &m, 0);
	}
out:
	free(m.x);
	free(m.lo);
	free(m.hi);
	free(m.img);
	return rc;
}

/* The engine's options for o and output format fmt. */
static void
filter_opts(const struct options *o, const struct cf_stage *stages,
    const struct cf_img_reader *r, const struct cf_img_format *fmt,
    struct cf_filter_opts *fo)
{
	static const struct cf_filter_opts defaults = CF_FILTER_OPTS_DEFAULT;

	*fo = defaults;
	fo->stages = stages;
	fo->nstages = o->nkernels;
	fo->conv = o->conv;
	fo->convert = o->convert;
	fo->alpha = o->alpha;
	fo->linear = o->linear;
	fo->wide = r->dtype == CF_U16 || o->depth == 16;
	/* floats where the format holds them: .npy unless --npy-dtype;
	 * a format that holds 16-bit pixels too (TIFF) from float input
	 * only, unless --depth */
	fo->out = fmt->dtypes & CF_DTYPE_BIT(CF_F32) && !o->npy_u8 &&
	    (!(fmt->dtypes & CF_DTYPE_BIT(CF_U16)) ||
	    (r->dtype == CF_F32 && !o->depth)) ?
	    CF_F32 : fo->wide ? CF_U16 : CF_U8;
	fo->out_channels = fmt->channels;
	fo->out_alpha = fmt->alpha;
	fo->max_pixels = o->load.max_pixels;
	fo->threads = o->conv.threads;
	fo->mode = o->no_stream ? CF_FILTER_WHOLE : CF_FILTER_AUTO;
	if (o->grid || o->split) {
		/* every channel a map, in float */
		fo->out = CF_F32;
		fo->out_channels = 0;
		fo->out_alpha = 1;
	}
}

/*
 * The pipeline for one image, o->input -> o->output: plan, then run.  0,
 * or the exit status after one error line; everything is freed either
 * way, so a batch goes on after a bad file.
 */
static int
run_image(const struct options *opts, const struct cf_stage *stages)
{
	struct options o = *opts;
	struct cf_filter_opts fo;
	struct cf_img_reader r;
	struct job j;
	char err[512];
	size_t i, *a, *b;
	FILE *in;
	int rc;

	/* checked before any work (main, plan_batch): neither fails here */
	memset(&j, 0, sizeof(j));
	j.fmt = output_format(&o);
	o.load.keep16 = keep16(&o, j.fmt);
	o.save.threads = o.conv.threads;

	/* the header, then the plan */
	if ((rc = open_input(&o, &in)))
		return rc;
	if (o.convert.normalize && !o.no_stream &&
	    (rc = seekable_input(&o, &in))) {
		close_input(in);
		return rc;
	}
	if (cf_img_reader_open(in, &o.load, o.meta, &r, err, sizeof(err))) {
		error("'%s': %s", o.input, err);
		close_input(in);
		return EXIT_INPUT;
	}
	filter_opts(&o, stages, &r, j.fmt, &fo);
	if ((rc = cf_filter_plan(&fo, &(struct cf_filter_in){ .c = r.c,
	    .h = r.h, .w = r.w, .dtype = r.dtype, .rewind = rewind_rows },
	    &j.pl, err, sizeof(err)))) {
		if (j.pl.output)
			error("'%s': %s (write .npy or .pam)", o.output, err);
		else
			chain_error(&o, j.pl.stage >= 0 ?
			    stages[j.pl.stage].name : NULL, err);
		rc = j.pl.stage < 0 && !j.pl.output ? EXIT_USAGE : EXIT_INPUT;
		goto out;
	}
	for (i = 0; o.verbose && i < o.nkernels; i++) {
		a = j.pl.shape[i];
		b = j.pl.shape[i + 1];
		note("'%s': %zux%zux%zu -> %zux%zux%zu", stages[i].name,
		    a[0], a[1], a[2], b[0], b[1], b[2]);
	}
	if (o.verbose && j.pl.streamed)
		note("'%s': streamed, %zu stage%s, peak ring %zu rows%s",
		    o.input, o.nkernels,
		    o.nkernels == 1 ? "" : "s", j.pl.ring_rows, j.pl.fast ?
		    " (last stage in float)" : "");
	else if (o.verbose)
		note("'%s': whole images in memory", o.input);

	/* the rows the pipeline holds count against --max-memory */
	if (j.pl.streamed && cf_mem_reserve(j.pl.ring_bytes)) {
		error("'%s': streaming needs %zu MiB of rows, over the memory "
		    "limit (--max-memory)", o.input,
		    (j.pl.ring_bytes + (1 << 20) - 1) >> 20);
		rc = EXIT_INPUT;
		goto out;
	}
	/* run: the output is written while the input is read */
	j.o = &o;
	j.stages = stages;
	j.in = in;
	j.r = &r;
	rc = o.grid || o.split ? run_maps(&j) :
	    save_with(&o, emit, &j, j.pl.streamed);
	if (j.pl.streamed)
		cf_mem_unreserve(j.pl.ring_bytes);
	/* after the fact: a failure is its one line, no warning before it */
	if (!rc && j.pl.dropped_alpha)
		warn("'%s': this format cannot store alpha; alpha dropped",
		    o.output);
out:
	cf_filter_release(&j.pl);
	cf_img_reader_close(&r);
	close_input(in);
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
