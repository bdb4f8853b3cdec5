/*
 * print.c - the modes that print and exit: --info (shapes and costs from
 * the input's header) and --print-kernel (the kernels in kernel-file
 * format).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli/options.h"
#include "cli/output.h"
#include "cli/print.h"
#include "cli/util.h"
#include "engine/grid.h"
#include "engine/info.h"
#include "io/img.h"
#include "kernels/draw.h"
#include "kernels/kernel.h"

void
print_kernels(const struct cf_stage *stages, size_t n)
{
	char title[256];
	size_t i;
	int j;

	for (i = 0; i < n; i++) {
		if (i)
			putchar('\n');
		if (stages[i].kind == CF_STAGE_POOL) {
			const struct cf_pool_params *q = &stages[i].pool;

			printf("# %s (%s pooling %dx%d, stride %dx%d, pad "
			    "%dx%d: no weights)\n", stages[i].name,
			    q->kind == CF_POOL_MAX ? "max" : "average", q->kh,
			    q->kw, q->stride_h, q->stride_w, q->pad_h,
			    q->pad_w);
			continue;
		}
		for (j = 0; j < stages[i].nkernels; j++) {
			if (stages[i].nkernels == 2)
				snprintf(title, sizeof(title), "%s (%s of the "
				    "gradient magnitude sqrt(x^2 + y^2))",
				    stages[i].name, j ? "y" : "x");
			else
				snprintf(title, sizeof(title), "%s",
				    stages[i].name);
			if (j)
				putchar('\n');
			if (cf_kernel_write(stdout, &stages[i].k[j], title))
				die(EXIT_OUTPUT, "'-': write error: %s",
				    strerror(errno));
		}
	}
}

/* A JSON string: the name quoted, with " \ and control bytes escaped. */
static void
json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", (unsigned char)*s);
		else
			putchar(*s);
	}
	putchar('"');
}

static const char *
stage_op(const struct options *o, const struct cf_stage *st)
{
	if (st->kind == CF_STAGE_POOL)
		return st->pool.kind == CF_POOL_MAX ? "maxpool" : "avgpool";
	if (o->conv.transpose)
		return st->nkernels == 2 ? "magnitude_transpose" :
		    "conv_transpose";
	return st->nkernels == 2 ? "magnitude" : "conv";
}

/* --info: shapes, costs and receptive fields, from the header alone. */
void
print_info(const struct options *o, const struct cf_stage *stages)
{
	struct cf_stage_info si;
	double rf[2] = { 1, 1 }, jump[2] = { 1, 1 };
	unsigned long long params = 0, macs = 0;
	size_t in[3], cur[3], i;
	struct cf_grid g;
	const char *name = o->input;
	char err[512];
	FILE *f = stdin;
	int rc;

	if (strcmp(name, "-") && !(f = fopen(name, "rb")))
		die(EXIT_INPUT, "'%s': %s", name, strerror(errno));
	rc = cf_img_probe(f, &o->load, in, err, sizeof(err));
	if (f != stdin)
		fclose(f);
	if (rc)
		die(EXIT_INPUT, "'%s': %s", name, err);
	memcpy(cur, in, sizeof(cur));
	if (o->json)
		printf("{\"input\": [%zu, %zu, %zu], \"stages\": [", in[0],
		    in[1], in[2]);
	else
		printf("input: %zux%zux%zu (C x H x W)\n", in[0], in[1], in[2]);
	for (i = 0; i < o->nkernels; i++) {
		if (cf_stage_info(stages, i, &o->conv, cur, jump, &si, err,
		    sizeof(err)))
			die(EXIT_INPUT, "'%s': %s", stages[i].name, err);
		memcpy(cur, si.out, sizeof(cur));
		memcpy(rf, si.rf, sizeof(rf));
		memcpy(jump, si.jump, sizeof(jump));
		params += si.params;
		macs += si.macs;
		if (o->json) {
			printf("%s\n  {\"name\": ", i ? "," : "");
			json_string(stages[i].name);
			printf(", \"op\": \"%s\", \"input\": [%zu, %zu, %zu], "
			    "\"output\": [%zu, %zu, %zu], \"kernel\": [%zu, "
			    "%zu, %zu, %zu], \"stride\": [%d, %d], "
			    "\"padding\": [%zu, %zu, %zu, %zu], "
			    "\"dilation\": [%d, %d], \"groups\": %zu, "
			    "\"params\": %llu, \"macs\": %llu, "
			    "\"receptive_field\": [%.10g, %.10g], "
			    "\"jump\": [%.10g, %.10g]}",
			    stage_op(o, &stages[i]), si.in[0], si.in[1],
			    si.in[2], si.out[0], si.out[1], si.out[2],
			    si.kshape[0], si.kshape[1], si.kshape[2],
			    si.kshape[3], si.stride[0], si.stride[1], si.pad[0],
			    si.pad[1], si.pad[2], si.pad[3], si.dil[0],
			    si.dil[1], si.groups,
			    (unsigned long long)si.params,
			    (unsigned long long)si.macs, si.rf[0], si.rf[1],
			    si.jump[0], si.jump[1]);
		} else
			printf("%zu %s (%s): %zux%zux%zu -> %zux%zux%zu, "
			    "kernel [%zu, %zu, %zu, %zu], stride %dx%d, "
			    "padding %zu,%zu x %zu,%zu, dilation %dx%d, "
			    "groups %zu, params %llu, macs %llu, "
			    "rf %.10gx%.10g, jump %.10gx%.10g\n", i + 1,
			    stages[i].name, stage_op(o, &stages[i]), si.in[0],
			    si.in[1], si.in[2], si.out[0], si.out[1],
			    si.out[2], si.kshape[0], si.kshape[1],
			    si.kshape[2], si.kshape[3], si.stride[0],
			    si.stride[1], si.pad[0], si.pad[1], si.pad[2],
			    si.pad[3], si.dil[0], si.dil[1], si.groups,
			    (unsigned long long)si.params,
			    (unsigned long long)si.macs, si.rf[0], si.rf[1],
			    si.jump[0], si.jump[1]);
	}
	if (o->json)
		printf("%s], \"total\": {\"stages\": %zu, \"output\": [%zu, "
		    "%zu, %zu], \"params\": %llu, \"macs\": %llu, "
		    "\"receptive_field\": [%.10g, %.10g], \"jump\": "
		    "[%.10g, %.10g]}", o->nkernels ? "\n" : "", o->nkernels,
		    cur[0], cur[1], cur[2], params, macs, rf[0], rf[1],
		    jump[0], jump[1]);
	else
		printf("total: %zu stage%s, %zux%zux%zu -> %zux%zux%zu, "
		    "params %llu, macs %llu, rf %.10gx%.10g, jump "
		    "%.10gx%.10g\n", o->nkernels, o->nkernels == 1 ? "" : "s",
		    in[0], in[1], in[2], cur[0], cur[1], cur[2], params, macs,
		    rf[0], rf[1], jump[0], jump[1]);
	/* --grid: the picture's size; --split: the files */
	if ((o->grid || o->split) && !cf_grid_layout(cur[0], cur[1], cur[2],
	    (size_t)o->grid_cols, &g)) {
		if (o->json && o->grid)
			printf(", \"grid\": {\"maps\": %zu, \"columns\": %zu, "
			    "\"rows\": %zu, \"size\": [%zu, %zu]}", g.c,
			    g.cols, g.rows, g.gh, g.gw);
		else if (o->json)
			printf(", \"split\": {\"files\": %zu, \"size\": "
			    "[%zu, %zu]}", g.c, g.h, g.w);
		else if (o->grid)
			printf("grid: %zu maps of %zux%zu in %zu columns and "
			    "%zu rows: %zux%zu (H x W)\n", g.c, g.h, g.w, g.cols,
			    g.rows, g.gh, g.gw);
		else
			printf("split: %zu files of %zux%zu (H x W)\n", g.c,
			    g.h, g.w);
	}
	if (o->json)
		printf("}\n");
}

struct picture {
	const struct options *o;
	const struct cf_img_format *fmt;
	const struct cf_tensor *img;
};

static int
emit_picture(FILE *f, void *ctx)
{
	const struct picture *p = ctx;
	char err[512];

	if (cf_img_save(f, p->fmt, p->img, &p->o->save, err, sizeof(err))) {
		error("'%s': %s", p->o->output, err);
		return EXIT_OUTPUT;
	}
	if (fflush(f) || ferror(f)) {
		error("'%s': write error: %s", p->o->output, strerror(errno));
		return EXIT_OUTPUT;
	}
	return 0;
}

int
print_kernel_image(const struct options *opts, const struct cf_stage *stages)
{
	struct options o = *opts;
	struct cf_tensor img;
	struct picture p = { &o, NULL, &img };
	char err[512];
	int rc;

	o.output = o.kernel_image;
	p.fmt = output_format(&o);
	if ((rc = cf_kernel_draw(stages, o.nkernels, o.kernel_scale, &img, err,
	    sizeof(err)))) {
		error("%s", err);
		return rc == CF_EINVAL ? EXIT_USAGE : EXIT_INPUT;
	}
	rc = save_with(&o, emit_picture, &p, 0);
	cf_tensor_release(&img);
	return rc;
}
