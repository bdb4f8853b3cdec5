/*
 * main.c - convfilter's command line: parse options, resolve the kernels,
 * then --list-kernels, --info, --print-kernel, one image or a batch, and
 * the exit status.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/batch.h"
#include "kernels/kernel.h"
#include "cli/kernel_path.h"
#include "io/npy.h"
#include "cli/options.h"
#include "cli/pipeline.h"
#include "cli/print.h"
#include "base/tensor.h"
#include "cli/util.h"

/*
 * --bias-file and --groups complete every stage read from a .npy file:
 * a bias of C_out values (1 for a 2-d depthwise kernel), and the groups
 * of a 4-d bank.
 */
static void
complete_npy(const struct options *o, struct cf_stage *stages)
{
	struct cf_tensor b = CF_TENSOR_INIT;
	struct cf_npy_header h;
	struct cf_kernel *k;
	const float *bd = NULL;
	size_t i, j, nb = 0, want, nnpy = 0;
	char err[512];
	FILE *f;

	if (o->bias_file) {
		if (!(f = fopen(o->bias_file, "rb")))
			die(EXIT_INPUT, "'%s': %s", o->bias_file,
			    strerror(errno));
		if (cf_npy_read_header(f, NULL, 0, &h, err, sizeof(err)) ||
		    (h.ndim != 1 && (snprintf(err, sizeof(err), "npy: a bias "
		    "must be a 1-d [C_out] array, not %d-d", h.ndim), 1)) ||
		    cf_npy_read_data(f, &h, &b, err, sizeof(err)))
			die(EXIT_INPUT, "'%s': %s", o->bias_file, err);
		fclose(f);
		bd = b.data;
		nb = h.numel;
		for (i = 0; i < nb; i++)
			if (!(bd[i] - bd[i] == 0))
				die(EXIT_INPUT, "'%s': bias %zu is not a "
				    "finite number", o->bias_file, i);
	}
	for (i = 0; i < o->nkernels; i++) {
		if (!stages[i].from_npy)
			continue;
		nnpy++;
		k = &stages[i].k[0];
		if (o->groups) {
			if (k->depthwise)
				die(EXIT_USAGE, "--groups: '%s' is a 2-d "
				    "depthwise kernel; groups apply to a 4-d "
				    "bank", stages[i].name);
			k->groups = o->groups;
		}
		if (!bd)
			continue;
		/* C_out: [C_out, ...], or [C_in, C_out/groups, ...] */
		want = k->depthwise ? 1 : o->conv.transpose ?
		    k->weight.shape[1] * (size_t)k->groups : k->weight.shape[0];
		if (nb != want)
			die(EXIT_INPUT, "'%s': has %zu values, kernel '%s' has "
			    "%zu output channel%s", o->bias_file, nb,
			    stages[i].name, want, want == 1 ? "" : "s");
		k->bias = xmalloc(nb * sizeof(*k->bias));
		for (j = 0; j < nb; j++)
			k->bias[j] = bd[j];
	}
	cf_tensor_release(&b);
	if ((o->bias_file || o->groups) && !nnpy)
		die(EXIT_USAGE, "%s: applies to .npy kernels; no -k names one",
		    o->bias_file ? "--bias-file" : "--groups");
}

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
	size_t i;
	int status;

	/* a closed pipe is a write error (exit 3), not a silent death */
	signal(SIGPIPE, SIG_IGN);
	lib_init(argv[0]);

	/* parse options */
	parse_options(argc, argv, &o);
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
		lib_resolve(o.kernels[i], &stages[i]);
	complete_npy(&o, stages);
	if (o.info) {
		print_info(&o, stages);
		release_stages(&o, stages);
		close_stdout();
		return 0;
	}
	if (o.print_kernel) {
		print_kernels(stages, o.nkernels);
		release_stages(&o, stages);
		close_stdout();
		return 0;
	}

	/* load, filter, convert, save: one file, or a batch */
	status = o.batch_mode ? run_batch(&o, stages) : run_one(&o, stages);
	release_stages(&o, stages);
	cf_batch_release(&o.batch);
	if (!status)
		close_stdout();
	return status;
}
