/*
 * main.c - convfilter's command line: parse options, resolve the kernels,
 * then --list-kernels, --info, --print-kernel, one image or a batch, and
 * the exit status.
 */
#include <errno.h>
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

struct batch_ctx {
	const struct options *o;
	const struct cf_stage *stages;
};

static int
batch_one(void *ctx, const char *input, const char *output, int threads)
{
	const struct batch_ctx *c = ctx;
	struct options o = *c->o;

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
	status = o.batch_mode ? run_batch(&o, stages) : run_one(&o, stages);
	release_stages(&o, stages);
	cf_batch_release(&o.batch);
	if (!status)
		close_stdout();
	return status;
}
