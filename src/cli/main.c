/*
 * main.c - convfilter's command line: parse options, resolve the kernels,
 * then --list-kernels, --info, --print-kernel, one image or a batch, and
 * the exit status.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/tensor.h"
#include "cli/batch.h"
#include "cli/kernel_path.h"
#include "cli/like.h"
#include "cli/options.h"
#include "cli/output.h"
#include "cli/pipeline.h"
#include "cli/print.h"
#include "cli/util.h"
#include "kernels/kernel.h"
#include "kernels/load.h"

static void
release_stages(struct options *o, struct cf_stage *stages)
{
	size_t i;

	for (i = 0; i < o->nkernels; i++)
		cf_stage_release(&stages[i]);
	free(stages);
	free(o->kernels);
}

/*
 * Name every output, refuse collisions and outputs whose format cannot be
 * told, all before any work (exit 2).
 */
static void
plan_batch(struct options *o)
{
	struct options one = *o;
	size_t i;

	o->batch.format = o->format;
	cf_batch_plan(&o->batch);
	for (i = 0; i < o->batch.n; i++) {
		one.output = o->batch.outputs[i];
		(void)keep16(&one, output_format(&one));
	}
}

/* "N" or "NYxNX" */
static void
pair(char *buf, size_t len, int y, int x)
{
	if (y == x)
		snprintf(buf, len, "%d", y);
	else
		snprintf(buf, len, "%dx%d", y, x);
}

/*
 * Engine options given when every stage is a pooling stage would be
 * ignored: a usage error naming the option, and for --stride and
 * --padding the pooling spec that does what was asked.
 */
static void
pool_only(const struct options *o, const struct cf_stage *stages)
{
	static const char *const names[] = {
		"--stride", "--padding", "--dilation", "--pad-mode", "--flip",
		"--transpose", "--output-padding",
	};
	const struct cf_pool_params *q = &stages[0].pool;
	const struct cf_conv_params *p = &o->conv;
	char k[32], s[32], pad[32];
	size_t i;
	int b, ph, pw;

	if (!o->engine || !o->nkernels)
		return;
	for (i = 0; i < o->nkernels; i++)
		if (stages[i].kind != CF_STAGE_POOL)
			return;
	for (b = 0; !(o->engine & 1u << b); b++)
		;
	if (!(o->engine & ~(unsigned)(ENGINE_STRIDE | ENGINE_PADDING)) ||
	    b < 2) {
		/* what the spec says, with what the options asked */
		pair(k, sizeof(k), q->kh, q->kw);
		if (o->engine & ENGINE_STRIDE)
			pair(s, sizeof(s), p->stride_h, p->stride_w);
		else
			pair(s, sizeof(s), q->stride_h, q->stride_w);
		ph = p->padding == CF_PADDING_SAME ? (q->kh - 1) / 2 :
		    p->pad_h;
		pw = p->padding == CF_PADDING_SAME ? (q->kw - 1) / 2 :
		    p->pad_w;
		if (o->engine & ENGINE_PADDING)
			pair(pad, sizeof(pad), ph, pw);
		else
			pair(pad, sizeof(pad), q->pad_h, q->pad_w);
		die(EXIT_USAGE, "%s: does not apply to pooling stages; use "
		    "%s:%s,stride=%s,pad=%s", names[b], q->kind ==
		    CF_POOL_MAX ? "maxpool" : "avgpool", k, s, pad);
	}
	die(EXIT_USAGE, "%s: does not apply to pooling stages ('%s')",
	    names[b], stages[0].name);
}

struct batch_ctx {
	const struct options *o;
	const struct cf_stage *stages;
};

static int
batch_one(void *ctx, size_t i, const char *input, const char *output,
    int threads)
{
	const struct batch_ctx *c = ctx;
	struct options o = *c->o;

	o.batch_index = i;
	o.show_progress = o.batch.progress;
	o.input = input;
	o.output = output;
	o.conv.threads = threads;
	return run_one(&o, c->stages);
}

static int
run_batch(struct options *o, const struct cf_stage *stages)
{
	struct batch_ctx c = { o, stages };

	o->batch.jobs = o->conv.threads;
	o->batch.verbose = o->verbose;
	o->batch.progress = o->progress > 0 ||
	    (!o->progress && !o->quiet && isatty(STDERR_FILENO));
	return cf_batch_run(&o->batch, batch_one, &c);
}

int
main(int argc, char **argv)
{
	struct options o;
	struct cf_stage *stages;
	char err[1024];
	size_t i;
	int status, rc;

	/* signals remove temporary files; a closed pipe ends us quietly */
	output_catch_signals();
	lib_init(argv[0]);

	/* parse options */
	parse_options(argc, argv, &o);
	cf_mem_set_limit(o.max_memory > SIZE_MAX ? SIZE_MAX :
	    (size_t)o.max_memory);
	o.load.max_memory = o.max_memory;
	like_apply(&o);
	if (o.list_kernels) {
		lib_list(stdout);
		close_stdout();
		return 0;
	}
	if (o.batch_mode)
		plan_batch(&o);
	else if (!o.print_kernel && !o.info)
		o.load.keep16 = keep16(&o, output_format(&o));

	/* resolve kernels before touching any image */
	stages = xmalloc((o.nkernels ? o.nkernels : 1) * sizeof(*stages));
	for (i = 0; i < o.nkernels; i++)
		lib_resolve(o.kernels[i], o.conv.transpose, &stages[i]);
	like_kernels(&o, stages, o.nkernels);
	if (o.verbose)
		like_describe(&o, stderr);
	if ((rc = cf_load_npy_extras(stages, o.nkernels, o.bias_file,
	    o.groups, err, sizeof(err))))
		die(rc == CF_EINVAL ? EXIT_USAGE : EXIT_INPUT, "%s", err);
	pool_only(&o, stages);
	if (o.info) {
		print_info(&o, stages);
		release_stages(&o, stages);
		close_stdout();
		return 0;
	}
	if (o.print_kernel) {
		status = 0;
		if (o.kernel_image)
			status = print_kernel_image(&o, stages);
		else
			print_kernels(stages, o.nkernels);
		release_stages(&o, stages);
		if (!status)
			close_stdout();
		return status;
	}

	/* load, filter, convert, save: one file, or a batch */
	if (o.batch_mode) {
		status = run_batch(&o, stages);
	} else {
		/* one file shows its rows with --progress */
		if ((o.show_progress = o.progress > 0))
			cf_progress_start(1);
		status = run_one(&o, stages);
		cf_progress_done(0);
		cf_progress_end();
	}
	release_stages(&o, stages);
	cf_batch_release(&o.batch);
	if (!status)
		close_stdout();
	return status;
}
