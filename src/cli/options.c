/*
 * options.c - the command line into struct options: the option table,
 * parse_options with its checks, and the checks that need the output's
 * format.  Every bad value exits 2 with a message naming the option.
 */
#include <getopt.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/batch.h"
#include "cli/help.h"
#include "cli/options.h"
#include "cli/util.h"
#include "io/img.h"

#ifndef CF_VERSION
#define CF_VERSION "1.0"
#endif

enum {
	OPT_ABS = 256,
	OPT_ALPHA,
	OPT_AS_IMAGE,
	OPT_BIAS,
	OPT_BIAS_FILE,
	OPT_DEPTH,
	OPT_FLIP,
	OPT_FROM_LIST,
	OPT_FROM_LIST0,
	OPT_GRID,
	OPT_GRID_SCALE,
	OPT_GROUPS,
	OPT_INFO,
	OPT_JPEG_OPTIMIZE,
	OPT_JSON,
	OPT_KEEP_PATHS,
	OPT_KERNEL_IMAGE,
	OPT_KERNEL_IMAGE_SCALE,
	OPT_LENIENT,
	OPT_LIKE,
	OPT_LOSSLESS,
	OPT_LINEAR,
	OPT_LIST_KERNELS,
	OPT_MAX_MEMORY,
	OPT_MAX_PIXELS,
	OPT_MAX_SCANS,
	OPT_MAX_SIDE,
	OPT_NO_AUTO_ORIENT,
	OPT_NORMALIZE,
	OPT_NO_STREAM,
	OPT_NPY_DTYPE,
	OPT_NPY_LAYOUT,
	OPT_OUTPUT_PADDING,
	OPT_PAGE,
	OPT_PAD_MODE,
	OPT_PNG_LEVEL,
	OPT_PRINT_KERNEL,
	OPT_PROGRESS,
	OPT_QUIET,
	OPT_ROUND,
	OPT_SCALE,
	OPT_SPLIT,
	OPT_STRIP,
	OPT_SUFFIX,
	OPT_TIFF_COMPRESSION,
	OPT_TRANSPOSE,
};

/* ':' first: getopt_long tells a missing value from an unknown option */
static const char short_opts[] = ":d:f:hj:k:o:p:q:s:vV";

static const struct option long_opts[] = {
	{ "abs", no_argument, NULL, OPT_ABS },
	{ "alpha", required_argument, NULL, OPT_ALPHA },
	{ "as-image", required_argument, NULL, OPT_AS_IMAGE },
	{ "bias", required_argument, NULL, OPT_BIAS },
	{ "bias-file", required_argument, NULL, OPT_BIAS_FILE },
	{ "depth", required_argument, NULL, OPT_DEPTH },
	{ "dilation", required_argument, NULL, 'd' },
	{ "flip", no_argument, NULL, OPT_FLIP },
	{ "format", required_argument, NULL, 'f' },
	{ "from-list", required_argument, NULL, OPT_FROM_LIST },
	{ "from-list0", required_argument, NULL, OPT_FROM_LIST0 },
	{ "grid", optional_argument, NULL, OPT_GRID },
	{ "grid-scale", required_argument, NULL, OPT_GRID_SCALE },
	{ "groups", required_argument, NULL, OPT_GROUPS },
	{ "help", no_argument, NULL, 'h' },
	{ "info", no_argument, NULL, OPT_INFO },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "jobs", required_argument, NULL, 'j' },
	{ "jpeg-optimize", no_argument, NULL, OPT_JPEG_OPTIMIZE },
	{ "keep-paths", no_argument, NULL, OPT_KEEP_PATHS },
	{ "kernel", required_argument, NULL, 'k' },
	{ "kernel-image", required_argument, NULL, OPT_KERNEL_IMAGE },
	{ "kernel-image-scale", required_argument, NULL,
	    OPT_KERNEL_IMAGE_SCALE },
	{ "lenient", no_argument, NULL, OPT_LENIENT },
	{ "like", required_argument, NULL, OPT_LIKE },
	{ "linear", no_argument, NULL, OPT_LINEAR },
	{ "lossless", no_argument, NULL, OPT_LOSSLESS },
	{ "list-kernels", no_argument, NULL, OPT_LIST_KERNELS },
	{ "max-memory", required_argument, NULL, OPT_MAX_MEMORY },
	{ "max-pixels", required_argument, NULL, OPT_MAX_PIXELS },
	{ "max-scans", required_argument, NULL, OPT_MAX_SCANS },
	{ "max-side", required_argument, NULL, OPT_MAX_SIDE },
	{ "no-auto-orient", no_argument, NULL, OPT_NO_AUTO_ORIENT },
	{ "normalize", no_argument, NULL, OPT_NORMALIZE },
	{ "no-stream", no_argument, NULL, OPT_NO_STREAM },
	{ "npy-dtype", required_argument, NULL, OPT_NPY_DTYPE },
	{ "npy-layout", required_argument, NULL, OPT_NPY_LAYOUT },
	{ "output-dir", required_argument, NULL, 'o' },
	{ "output-padding", required_argument, NULL, OPT_OUTPUT_PADDING },
	{ "pad-mode", required_argument, NULL, OPT_PAD_MODE },
	{ "page", required_argument, NULL, OPT_PAGE },
	{ "padding", required_argument, NULL, 'p' },
	{ "png-level", required_argument, NULL, OPT_PNG_LEVEL },
	{ "print-kernel", no_argument, NULL, OPT_PRINT_KERNEL },
	{ "progress", no_argument, NULL, OPT_PROGRESS },
	{ "quality", required_argument, NULL, 'q' },
	{ "quiet", no_argument, NULL, OPT_QUIET },
	{ "round", required_argument, NULL, OPT_ROUND },
	{ "scale", required_argument, NULL, OPT_SCALE },
	{ "stride", required_argument, NULL, 's' },
	{ "split", no_argument, NULL, OPT_SPLIT },
	{ "strip", no_argument, NULL, OPT_STRIP },
	{ "suffix", required_argument, NULL, OPT_SUFFIX },
	{ "tiff-compression", required_argument, NULL, OPT_TIFF_COMPRESSION },
	{ "transpose", no_argument, NULL, OPT_TRANSPOSE },
	{ "verbose", no_argument, NULL, 'v' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

#define SEE_HELP " (see convfilter --help)"

/*
 * ImageMagick options people type out of habit that convfilter spells
 * differently; its options that are ours too come from long_opts
 * ("-quality" -> "--quality").
 */
static const struct {
	const char *word, *hint;
} magick[] = {
	{ "blur", "-k gaussian:SIGMA" },
	{ "convolve", "-k 'WxH: v,...'" },
	{ "edge", "-k sobel" },
	{ "emboss", "-k emboss" },
	{ "gaussian-blur", "-k gaussian:SIGMA" },
	{ "morphology", "-k 'WxH: v,...' --flip" },
	{ "sharpen", "-k sharpen" },
};

/* The long option named word[0..len), or with prefix the first it starts. */
static const struct option *
find_long(const char *word, size_t len, int prefix)
{
	const struct option *lo;

	for (lo = long_opts; lo->name; lo++)
		if (!strncmp(lo->name, word, len) &&
		    (prefix || !lo->name[len]))
			return lo;
	return NULL;
}

/* Whether short option c takes a value. */
static int
short_has_arg(int c)
{
	const char *p = strchr(short_opts + 1, c);

	return c != ':' && p && p[1] == ':';
}

/*
 * A long option or an ImageMagick option written with one dash, such as
 * "-quality 85", would be read as a cluster of short options ("-q
 * uality"), or worse, silently ("-out x" is "-o ut"): a usage error
 * naming the right option instead.  Values of options are skipped.
 */
static void
check_single_dash(int argc, char **argv)
{
	const struct option *lo;
	const char *a, *w;
	size_t len, i;
	int k;

	for (k = 1; k < argc; k++) {
		a = argv[k];
		if (!strcmp(a, "--"))
			return;
		if (a[0] != '-' || !a[1])
			continue;
		if (a[1] == '-') {
			len = strcspn(a + 2, "=");
			lo = find_long(a + 2, len, 1);
			if (lo && lo->has_arg == required_argument &&
			    !a[2 + len])
				k++;
			continue;
		}
		w = a + 1;
		len = strcspn(w, "=");
		if (len >= 2 && ((lo = find_long(w, len, 0)) ||
		    (len >= 3 && (lo = find_long(w, len, 1)))))
			die(EXIT_USAGE, "'%s': did you mean '--%s'?", a,
			    lo->name);
		for (i = 0; i < sizeof(magick) / sizeof(magick[0]); i++)
			if (strlen(magick[i].word) == len &&
			    !strncmp(magick[i].word, w, len))
				die(EXIT_USAGE, "'%s': an ImageMagick option; "
				    "did you mean '%s'?", a, magick[i].hint);
		/* a cluster: a value ends it, the next word when empty */
		for (; *w; w++)
			if (short_has_arg((unsigned char)*w)) {
				if (!w[1])
					k++;
				break;
			}
	}
}

/* One line for what getopt_long refused, then exit 2. */
static _Noreturn void
bad_option(int c, char **argv)
{
	const char *a = argv[optind - 1];
	size_t len;

	if (optopt && optopt < 256 && !strchr(short_opts + 1, optopt))
		die(EXIT_USAGE, "unknown option '-%c'" SEE_HELP, optopt);
	if (c == ':' && optopt && optopt < 256 && strncmp(a, "--", 2))
		die(EXIT_USAGE, "option '-%c' needs a value" SEE_HELP, optopt);
	len = strcspn(a, "=");
	if (c == ':')
		die(EXIT_USAGE, "option '%.*s' needs a value" SEE_HELP,
		    (int)len, a);
	if (optopt)
		die(EXIT_USAGE, "option '%.*s' takes no value" SEE_HELP,
		    (int)len, a);
	if (len > 2 && find_long(a + 2, len - 2, 1))
		die(EXIT_USAGE, "option '%.*s' is ambiguous" SEE_HELP,
		    (int)len, a);
	die(EXIT_USAGE, "unknown option '%.*s'" SEE_HELP, (int)len, a);
}

/* N bytes, or N with k, M or G (powers of 1024): at least 1 MiB. */
static uint64_t
parse_size(const char *opt, const char *s)
{
	static const char units[] = "kMG";
	const char *u;
	char num[32];
	size_t n = strcspn(s, units);
	long v;
	int shift = 0;

	if (n >= sizeof(num) || (s[n] && s[n + 1]))
		die(EXIT_USAGE, "%s: '%s' is not a size (N, Nk, NM or NG)",
		    opt, s);
	if (s[n] && (u = strchr(units, s[n])))
		shift = 10 * (int)(u - units + 1);
	memcpy(num, s, n);
	num[n] = '\0';
	v = parse_long(opt, num, 1, LONG_MAX >> shift);
	if (((uint64_t)v << shift) < (1u << 20))
		die(EXIT_USAGE, "%s: '%s' is less than 1M", opt, s);
	return (uint64_t)v << shift;
}

static void
parse_padding(const char *s, struct cf_conv_params *p)
{
	if (!strcmp(s, "same")) {
		p->padding = CF_PADDING_SAME;
		return;
	}
	p->padding = CF_PADDING_EXPLICIT;
	if (!strcmp(s, "valid"))
		p->pad_h = p->pad_w = 0;
	else
		parse_pair("--padding", s, 0, 1 << 20, &p->pad_h, &p->pad_w);
}

static void
parse_pad_mode(const char *s, struct cf_conv_params *p)
{
	static const struct {
		const char *name;
		enum cf_pad_mode mode;
	} modes[] = {
		{ "zero", CF_PAD_ZERO },
		{ "replicate", CF_PAD_REPLICATE },
		{ "reflect", CF_PAD_REFLECT },
		{ "symmetric", CF_PAD_SYMMETRIC },
		{ "circular", CF_PAD_CIRCULAR },
	};
	size_t i;

	if (!strncmp(s, "constant=", 9)) {
		p->pad_mode = CF_PAD_CONSTANT;
		p->pad_value = (float)parse_double("--pad-mode constant", s + 9);
		return;
	}
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		if (!strcmp(s, modes[i].name)) {
			p->pad_mode = modes[i].mode;
			return;
		}
	die(EXIT_USAGE, "--pad-mode: '%s' is not zero, constant=V, replicate, "
	    "reflect, symmetric or circular", s);
}

/* --npy-layout L, or IN,OUT: chw or hwc for .npy images read and
 * written. */
static void
parse_layout(const char *s, struct options *o)
{
	size_t n = strcspn(s, ",");
	int in, out;

	in = n == 3 && !strncmp(s, "chw", 3) ? CF_NPY_LAYOUT_CHW :
	    n == 3 && !strncmp(s, "hwc", 3) ? CF_NPY_LAYOUT_HWC : -1;
	out = !s[n] ? in : !strcmp(s + n + 1, "chw") ? CF_NPY_LAYOUT_CHW :
	    !strcmp(s + n + 1, "hwc") ? CF_NPY_LAYOUT_HWC : -1;
	if (in < 0 || out < 0)
		die(EXIT_USAGE, "--npy-layout: '%s' is not chw, hwc or IN,OUT "
		    "(e.g. hwc,chw)", s);
	o->load.npy_layout = (enum cf_npy_layout)in;
	o->save.npy_hwc = out == CF_NPY_LAYOUT_HWC;
}

static void
parse_round(const char *s, struct cf_convert_opts *cv)
{
	static const char *const names[] = { "nearest", "even", "floor",
		"truncate" };
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(s, names[i])) {
			cv->round = (enum cf_round)i;
			return;
		}
	die(EXIT_USAGE, "--round: '%s' is not nearest, even, floor or "
	    "truncate", s);
}

void
parse_options(int argc, char **argv, struct options *o)
{
	static const struct options defaults = {
		.conv = CF_CONV_PARAMS_DEFAULT,
		.convert = CF_CONVERT_OPTS_DEFAULT,
		.save = CF_SAVE_OPTS_DEFAULT,
		.load = CF_LOAD_OPTS_DEFAULT,
		.max_memory = CF_MAX_MEMORY_DEFAULT,
	};
	struct like_explicit ex = { 0 };
	int as_image = 0;
	char list[256];
	long ncpu;
	int c;

	*o = defaults;
	/* -j default: every online CPU (the output does not depend on it) */
	ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	o->conv.threads = ncpu < 1 ? 1 : ncpu > 256 ? 256 : (int)ncpu;
	check_single_dash(argc, argv);
	opterr = 0;
	while ((c = getopt_long(argc, argv, short_opts, long_opts, NULL)) != -1)
		switch (c) {
		case 'd':
			parse_pair("--dilation", optarg, 1, 1 << 20,
			    &o->conv.dil_h, &o->conv.dil_w);
			o->engine |= ENGINE_DILATION;
			break;
		case 'f':
			if (!(o->format = cf_img_format_parse(optarg)))
				die(EXIT_USAGE, "--format: '%s' is not %s",
				    optarg, cf_img_format_list(list,
				    sizeof(list), ", ", " or "));
			break;
		case 'h':
			help();
			close_stdout();
			exit(0);
		case 'j':
			o->conv.threads = (int)parse_long("--jobs", optarg, 1,
			    256);
			break;
		case 'k':
			o->kernels = xrealloc(o->kernels,
			    (o->nkernels + 1) * sizeof(*o->kernels));
			o->kernels[o->nkernels++] = optarg;
			break;
		case 'o':
			if (!*optarg)
				die(EXIT_USAGE, "--output-dir: empty name");
			o->batch.dir = optarg;
			o->batch_mode = 1;
			break;
		case 'p':
			ex.padding = 1;
			parse_padding(optarg, &o->conv);
			o->engine |= ENGINE_PADDING;
			break;
		case 'q':
			o->save.quality = (int)parse_long("--quality", optarg,
			    1, 100);
			break;
		case 's':
			parse_pair("--stride", optarg, 1, 1 << 20,
			    &o->conv.stride_h, &o->conv.stride_w);
			o->engine |= ENGINE_STRIDE;
			break;
		case 'v':
			o->verbose = 1;
			break;
		case 'V':
			puts("convfilter " CF_VERSION "\n"
			    "Copyright (c) the convfilter authors; MIT License "
			    "(see LICENSE)");
			close_stdout();
			exit(0);
		case OPT_ABS:
			o->convert.abs = 1;
			break;
		case OPT_ALPHA:
			ex.alpha = 1;
			if (!strcmp(optarg, "premultiply"))
				o->alpha = CF_ALPHA_PREMULTIPLY;
			else if (!strcmp(optarg, "separate"))
				o->alpha = CF_ALPHA_SEPARATE;
			else if (!strcmp(optarg, "keep"))
				o->alpha = CF_ALPHA_KEEP;
			else
				die(EXIT_USAGE, "--alpha: '%s' is not "
				    "premultiply, separate or keep", optarg);
			break;
		case OPT_AS_IMAGE:
			o->kernel_image = optarg;
			as_image = 1;
			break;
		case OPT_BIAS:
			o->convert.bias = parse_double("--bias", optarg);
			break;
		case OPT_BIAS_FILE:
			o->bias_file = optarg;
			break;
		case OPT_DEPTH:
			if (strcmp(optarg, "8") && strcmp(optarg, "16"))
				die(EXIT_USAGE, "--depth: '%s' is not 8 or 16",
				    optarg);
			o->depth = atoi(optarg);
			break;
		case OPT_FLIP:
			o->conv.flip = 1;
			o->engine |= ENGINE_FLIP;
			break;
		case OPT_FROM_LIST:
		case OPT_FROM_LIST0:
			cf_batch_read_list(&o->batch, optarg,
			    c == OPT_FROM_LIST ? '\n' : '\0');
			o->batch_mode = 1;
			break;
		case OPT_GRID:
			o->grid = 1;
			if (optarg)
				o->grid_cols = parse_long("--grid", optarg, 1,
				    1 << 20);
			break;
		case OPT_GRID_SCALE:
			if (!strcmp(optarg, "each") || !strcmp(optarg, "shared"))
				o->grid_shared = !strcmp(optarg, "shared");
			else
				die(EXIT_USAGE, "--grid-scale: '%s' is not each "
				    "or shared", optarg);
			break;
		case OPT_GROUPS:
			o->groups = (int)parse_long("--groups", optarg, 1,
			    1 << 20);
			break;
		case OPT_INFO:
			o->info = 1;
			break;
		case OPT_JSON:
			o->json = 1;
			break;
		case OPT_KEEP_PATHS:
			o->batch.keep_paths = 1;
			break;
		case OPT_KERNEL_IMAGE:
			o->kernel_image = optarg;
			o->print_kernel = 1;
			break;
		case OPT_KERNEL_IMAGE_SCALE:
			o->kernel_scale = (int)parse_long("--kernel-image-scale",
			    optarg, 1, 1024);
			break;
		case OPT_LENIENT:
			o->load.lenient = 1;
			break;
		case OPT_LIKE:
			o->like = like_parse(optarg);
			break;
		case OPT_LINEAR:
			o->linear = 1;
			break;
		case OPT_LOSSLESS:
			o->save.lossless = 1;
			break;
		case OPT_LIST_KERNELS:
			o->list_kernels = 1;
			break;
		case OPT_MAX_MEMORY:
			o->max_memory = parse_size("--max-memory", optarg);
			break;
		case OPT_MAX_PIXELS:
			o->load.max_pixels = (uint64_t)parse_long(
			    "--max-pixels", optarg, 1, LONG_MAX);
			break;
		case OPT_MAX_SCANS:
			o->load.max_scans = (uint32_t)parse_long("--max-scans",
			    optarg, 1, UINT32_MAX);
			break;
		case OPT_MAX_SIDE:
			o->load.max_side = (uint32_t)parse_long("--max-side",
			    optarg, 1, UINT32_MAX);
			break;
		case OPT_NO_AUTO_ORIENT:
			o->load.no_auto_orient = 1;
			break;
		case OPT_NORMALIZE:
			o->convert.normalize = 1;
			break;
		case OPT_NO_STREAM:
			o->no_stream = 1;
			break;
		case OPT_JPEG_OPTIMIZE:
			o->save.jpeg_optimize = 1;
			break;
		case OPT_NPY_DTYPE:
			if (!strcmp(optarg, "uint8"))
				o->npy_u8 = 1;
			else if (!strcmp(optarg, "float32"))
				o->npy_u8 = 0;
			else
				die(EXIT_USAGE, "--npy-dtype: '%s' is not "
				    "float32 or uint8", optarg);
			break;
		case OPT_NPY_LAYOUT:
			parse_layout(optarg, o);
			break;
		case OPT_OUTPUT_PADDING:
			parse_pair("--output-padding", optarg, 0, 1 << 20,
			    &o->conv.outpad_h, &o->conv.outpad_w);
			o->engine |= ENGINE_OUTPUT_PADDING;
			break;
		case OPT_PAD_MODE:
			ex.pad_mode = 1;
			parse_pad_mode(optarg, &o->conv);
			o->engine |= ENGINE_PAD_MODE;
			break;
		case OPT_PAGE:
			o->load.page = (uint32_t)parse_long("--page", optarg,
			    0, 65535);
			break;
		case OPT_PNG_LEVEL:
			o->save.png_level = (int)parse_long("--png-level",
			    optarg, 0, 9);
			break;
		case OPT_PRINT_KERNEL:
			o->print_kernel = 1;
			break;
		case OPT_PROGRESS:
			o->progress = 1;
			break;
		case OPT_QUIET:
			o->quiet = 1;
			set_quiet(1);
			break;
		case OPT_ROUND:
			ex.round = 1;
			parse_round(optarg, &o->convert);
			break;
		case OPT_SCALE:
			o->convert.scale = parse_double("--scale", optarg);
			break;
		case OPT_SPLIT:
			o->split = 1;
			break;
		case OPT_STRIP:
			o->strip = 1;
			break;
		case OPT_SUFFIX:
			o->batch.suffix = optarg;
			o->batch_mode = 1;
			break;
		case OPT_TIFF_COMPRESSION:
			if (!strcmp(optarg, "deflate"))
				o->save.tiff_compression = CF_TIFF_DEFLATE;
			else if (!strcmp(optarg, "lzw"))
				o->save.tiff_compression = CF_TIFF_LZW;
			else if (!strcmp(optarg, "none"))
				o->save.tiff_compression = CF_TIFF_NONE;
			else
				die(EXIT_USAGE, "--tiff-compression: '%s' is "
				    "not none, lzw or deflate", optarg);
			break;
		case OPT_TRANSPOSE:
			o->conv.transpose = 1;
			o->engine |= ENGINE_TRANSPOSE;
			break;
		default:
			bad_option(c, argv);
		}

	o->like_ex = ex;
	if (as_image && !o->print_kernel)
		die(EXIT_USAGE, "--as-image: only with --print-kernel");
	if (!o->kernel_scale)
		o->kernel_scale = 16;
	if (o->kernel_image && !*o->kernel_image)
		die(EXIT_USAGE, "--as-image: empty name");
	if (o->grid && o->split)
		die(EXIT_USAGE, "--grid and --split: choose one");
	argc -= optind;
	argv += optind;
	if (o->batch.keep_paths && !o->batch_mode)
		die(EXIT_USAGE, "--keep-paths: needs -o DIR to mirror the "
		    "inputs' folders under");
	if (o->batch_mode) {
		if (o->list_kernels || o->print_kernel || o->info)
			die(EXIT_USAGE, "%s: takes no -o, --suffix or "
			    "--from-list", o->info ? "--info" :
			    o->list_kernels ? "--list-kernels" :
			    "--print-kernel");
		if (o->batch.keep_paths && !o->batch.dir)
			die(EXIT_USAGE, "--keep-paths: needs -o DIR to mirror "
			    "the inputs' folders under");
		if (!o->batch.dir && !o->batch.suffix)
			die(EXIT_USAGE, "--from-list: needs -o DIR or "
			    "--suffix SUFFIX to name the outputs");
		if (!argc && !o->batch.nlists)
			die(EXIT_USAGE, "missing input" SEE_HELP);
		for (; argc > 0; argc--, argv++)
			cf_batch_add(&o->batch, argv[0]);
		return;
	}
	if (o->list_kernels || o->print_kernel) {
		if (argc > 0)
			die(EXIT_USAGE, "'%s': --list-kernels and "
			    "--print-kernel take no images", argv[0]);
		if (o->print_kernel && !o->nkernels)
			die(EXIT_USAGE, "--print-kernel: no kernel given (-k)");
		return;
	}
	if (o->json && !o->info)
		die(EXIT_USAGE, "--json: only with --info");
	if (o->info) {
		if (argc != 1)
			die(EXIT_USAGE, argc ? "--info: takes one input and "
			    "no output" : "--info: missing input");
		o->input = argv[0];
		return;
	}
	if (argc < 2)
		die(EXIT_USAGE, "%s" SEE_HELP, argc ? "missing output" :
		    "missing input and output");
	if (argc > 2)
		die(EXIT_USAGE, "'%s': unexpected argument" SEE_HELP, argv[2]);
	o->input = argv[0];
	o->output = argv[1];
	if (o->split && !strcmp(o->output, "-"))
		die(EXIT_USAGE, "--split: writes files named from the output, "
		    "not '-'");
}

/* The output format: -f, else the extension, else png for stdout. */
const struct cf_img_format *
output_format(const struct options *o)
{
	const struct cf_img_format *fmt = o->format;
	char list[256];

	if (!fmt)
		fmt = cf_img_format_from_name(o->output);
	if (!fmt && !strcmp(o->output, "-"))
		fmt = cf_img_format_parse("png");
	if (!fmt)
		die(EXIT_USAGE, "'%s': cannot tell the output format from the "
		    "name (use -f %s)", o->output,
		    cf_img_format_list(list, sizeof(list), "|", "|"));
	return fmt;
}

/*
 * --depth: whether to load 16-bit samples as they are.  By default the
 * formats that hold 16-bit samples keep them, and so do float .npy
 * arrays (0..65535 for 16-bit input); JPEG and uint8 .npy are 8-bit.
 */
int
keep16(const struct options *o, const struct cf_img_format *fmt)
{
	unsigned wide = CF_DTYPE_BIT(CF_U16) | CF_DTYPE_BIT(CF_F32);

	if (o->depth == 16 && !(fmt->dtypes & wide))
		die(EXIT_USAGE, "--depth 16: %s holds 8-bit samples",
		    fmt->label);
	if (o->depth == 16 && o->npy_u8 && (fmt->dtypes & CF_DTYPE_BIT(CF_F32)))
		die(EXIT_USAGE, "--depth 16: --npy-dtype uint8 holds 8-bit "
		    "samples");
	if (o->depth)
		return o->depth == 16;
	return (fmt->dtypes & CF_DTYPE_BIT(CF_U16)) ||
	    ((fmt->dtypes & CF_DTYPE_BIT(CF_F32)) && !o->npy_u8);
}
