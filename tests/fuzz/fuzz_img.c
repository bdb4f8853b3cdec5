/*
 * fuzz_img.c - libFuzzer target for the image loaders: cf_img_load on the
 * input through fmemopen, so every format the sniffer knows (PNG, JPEG,
 * PNM, NPY) is reached.  Each input is loaded strictly and, when that
 * fails, again with --lenient, which takes other paths through libjpeg
 * and libpng.  The last byte's low bit asks for 16-bit samples as they
 * are (--depth 16).  What loads is encoded again in every format that
 * holds it, with the metadata found (EXIF orientation applied, the ICC
 * profile carried).  The same bytes are also filtered (filter.h)
 * through a sobel magnitude or a gaussian, chosen by the last byte,
 * streamed wherever the streaming engine can, as the command line runs
 * one stage.  The pixel limit is lower
 * than the CLI's default so that a valid huge header cannot exhaust
 * -rss_limit_mb.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <string.h>

#include "engine/filter.h"
#include "io/img.h"
#include "kernels/presets.h"

/* fuzz_tiff.c and fuzz_webp.c include this file for one format only:
 * FUZZ_ONLY(data, size) says whether an input is theirs; FUZZ_PAGES
 * lets the last byte pick the page too. */
#ifndef FUZZ_ONLY
#define FUZZ_ONLY(d, n) 1
#endif

/* Encode what loaded (small images only) in every format that holds it,
 * to memory. */
static void
save(const struct cf_tensor *img, const struct cf_img_meta *meta)
{
	const struct cf_img_format *fmt;
	struct cf_tensor view;
	char err[512], *buf;
	size_t len;
	FILE *f;

	if (img->shape[1] * img->shape[2] > 4096)
		return;
	for (fmt = cf_img_formats; fmt->name; fmt++) {
		if (!(fmt->dtypes & CF_DTYPE_BIT(img->dtype)))
			continue;	/* the CLI converts first */
		view = *img;
		view.owns_data = 0;
		/* drop alpha as the CLI does */
		if (!fmt->alpha && (view.shape[0] == 2 || view.shape[0] == 4))
			view.shape[0]--;
		if (fmt->channels && view.shape[0] > fmt->channels)
			continue;
		buf = NULL;
		if (!(f = open_memstream(&buf, &len)))
			return;
		cf_img_save_meta(f, fmt, &view, NULL, meta, err,
		    sizeof(err));
		fclose(f);
		free(buf);
	}
}

static int
load(const uint8_t *data, size_t size, int lenient)
{
	struct cf_load_opts o = CF_LOAD_OPTS_DEFAULT;
	struct cf_tensor img;
	struct cf_img_meta meta;
	char err[512];
	FILE *f;
	int rc;

	o.max_pixels = 4u << 20;
	o.lenient = lenient;
	o.keep16 = data[size - 1] & 1;
#ifdef FUZZ_PAGES
	o.page = data[size - 1] >> 3 & 3;
#endif
	if (!(f = fmemopen((void *)data, size, "rb")))
		return -1;
	if ((rc = cf_img_load_meta(f, &o, &img, &meta, err,
	    sizeof(err))) == 0) {
		save(&img, &meta);
		cf_tensor_release(&img);
	}
	cf_img_meta_release(&meta);
	fclose(f);
	return rc;
}

static int
rows_in(void *ctx, void *rows, size_t n)
{
	char err[512];

	return cf_img_reader_rows(ctx, rows, n, err, sizeof(err));
}

static int
rows_out(void *ctx, const void *rows, size_t n)
{
	(void)ctx, (void)rows, (void)n;
	return 0;
}

/* Filter the input through one stage, as the command line would. */
static void
filter(const uint8_t *data, size_t size)
{
	struct cf_load_opts o = CF_LOAD_OPTS_DEFAULT;
	struct cf_filter_opts fo = CF_FILTER_OPTS_DEFAULT;
	struct cf_filter_plan pl;
	struct cf_img_reader r;
	struct cf_stage st;
	struct cf_clip_stats clip;
	char err[512];
	FILE *f;

	o.max_pixels = 4u << 20;
	o.keep16 = data[size - 1] & 1;
	if (!(f = fmemopen((void *)data, size, "rb")))
		return;
	if (cf_img_reader_open(f, &o, NULL, &r, err, sizeof(err))) {
		fclose(f);
		return;
	}
	if (r.w * r.h <= 65536 && !cf_preset_build(data[size - 1] & 2 ?
	    "sobel" : "gaussian:1", &st, err, sizeof(err))) {
		fo.stages = &st;
		fo.nstages = 1;
		fo.wide = r.dtype == CF_U16;
		fo.out = r.dtype == CF_U16 ? CF_U16 : r.dtype == CF_F32 ?
		    CF_F32 : CF_U8;
		fo.out_channels = 0;
		fo.threads = 1 + (data[size - 1] >> 2 & 1);
		fo.mode = CF_FILTER_STREAM;
		if (!cf_filter_plan(&fo, &(struct cf_filter_in){ r.c, r.h,
		    r.w, r.dtype }, &pl, err, sizeof(err)) &&
		    !cf_filter_run(&pl, rows_in, &r, rows_out, NULL, &clip,
		    err, sizeof(err)))
			cf_img_reader_finish(&r, err, sizeof(err));
		cf_filter_release(&pl);
		cf_stage_release(&st);
	}
	cf_img_reader_close(&r);
	fclose(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0 || !FUZZ_ONLY(data, size))
		return 0;
	if (load(data, size, 0))
		load(data, size, 1);
	filter(data, size);
	return 0;
}
