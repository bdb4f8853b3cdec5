/*
 * main.c - convfilter's command line: options, the pipeline
 * load -> stages -> convert -> save, and exit statuses.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alpha.h"
#include "batch.h"
#include "conv.h"
#include "convert.h"
#include "img.h"
#include "kernel.h"
#include "info.h"
#include "library.h"
#include "npy.h"
#include "stream.h"
#include "util.h"

#ifndef CF_VERSION
#define CF_VERSION "1.0"
#endif

struct options {
	const char **kernels;
	size_t nkernels;
	struct cf_conv_params conv;
	struct cf_convert_opts convert;
	struct cf_save_opts save;
	struct cf_load_opts load;
	enum cf_format format;		/* -f, or CF_FMT_UNKNOWN */
	int npy_u8;			/* --npy-dtype uint8 */
	int verbose;
	int list_kernels;
	int print_kernel;
	int info;			/* --info: shapes and costs only */
	int json;			/* --json with --info */
	const char *bias_file;		/* --bias-file, .npy kernels */
	int groups;			/* --groups, for .npy banks; 0 = 1 */
	const char *input;
	const char *output;
	enum cf_alpha_mode alpha;	/* --alpha; AUTO by the kernels */
	int linear;			/* --linear */
	int depth;			/* --depth 8 or 16; 0 = the input's */
	int batch_mode;			/* -o DIR, --suffix or --from-list */
	struct cf_batch batch;		/* its inputs and outputs */
	int progress;			/* --progress */
	int quiet;			/* --quiet */
	int strip;			/* --strip: no metadata carried */
	int no_stream;			/* --no-stream: whole images */
	struct cf_img_meta *meta;	/* per image (run_one); NULL: --strip */
};

enum {
	OPT_ABS = 256,
	OPT_ALPHA,
	OPT_BIAS,
	OPT_BIAS_FILE,
	OPT_DEPTH,
	OPT_FLIP,
	OPT_FROM_LIST,
	OPT_FROM_LIST0,
	OPT_GROUPS,
	OPT_INFO,
	OPT_JPEG_OPTIMIZE,
	OPT_JSON,
	OPT_LENIENT,
	OPT_LINEAR,
	OPT_LIST_KERNELS,
	OPT_MAX_PIXELS,
	OPT_MAX_SCANS,
	OPT_MAX_SIDE,
	OPT_NO_AUTO_ORIENT,
	OPT_NORMALIZE,
	OPT_NO_STREAM,
	OPT_NPY_DTYPE,
	OPT_OUTPUT_PADDING,
	OPT_PAD_MODE,
	OPT_PNG_LEVEL,
	OPT_PRINT_KERNEL,
	OPT_PROGRESS,
	OPT_QUIET,
	OPT_SCALE,
	OPT_STRIP,
	OPT_SUFFIX,
	OPT_TRANSPOSE,
};

static const char short_opts[] = "d:f:hj:k:o:p:q:s:vV";

static const struct option long_opts[] = {
	{ "abs", no_argument, NULL, OPT_ABS },
	{ "alpha", required_argument, NULL, OPT_ALPHA },
	{ "bias", required_argument, NULL, OPT_BIAS },
	{ "bias-file", required_argument, NULL, OPT_BIAS_FILE },
	{ "depth", required_argument, NULL, OPT_DEPTH },
	{ "dilation", required_argument, NULL, 'd' },
	{ "flip", no_argument, NULL, OPT_FLIP },
	{ "format", required_argument, NULL, 'f' },
	{ "from-list", required_argument, NULL, OPT_FROM_LIST },
	{ "from-list0", required_argument, NULL, OPT_FROM_LIST0 },
	{ "groups", required_argument, NULL, OPT_GROUPS },
	{ "help", no_argument, NULL, 'h' },
	{ "info", no_argument, NULL, OPT_INFO },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "jobs", required_argument, NULL, 'j' },
	{ "jpeg-optimize", no_argument, NULL, OPT_JPEG_OPTIMIZE },
	{ "kernel", required_argument, NULL, 'k' },
	{ "lenient", no_argument, NULL, OPT_LENIENT },
	{ "linear", no_argument, NULL, OPT_LINEAR },
	{ "list-kernels", no_argument, NULL, OPT_LIST_KERNELS },
	{ "max-pixels", required_argument, NULL, OPT_MAX_PIXELS },
	{ "max-scans", required_argument, NULL, OPT_MAX_SCANS },
	{ "max-side", required_argument, NULL, OPT_MAX_SIDE },
	{ "no-auto-orient", no_argument, NULL, OPT_NO_AUTO_ORIENT },
	{ "normalize", no_argument, NULL, OPT_NORMALIZE },
	{ "no-stream", no_argument, NULL, OPT_NO_STREAM },
	{ "npy-dtype", required_argument, NULL, OPT_NPY_DTYPE },
	{ "output-dir", required_argument, NULL, 'o' },
	{ "output-padding", required_argument, NULL, OPT_OUTPUT_PADDING },
	{ "pad-mode", required_argument, NULL, OPT_PAD_MODE },
	{ "padding", required_argument, NULL, 'p' },
	{ "png-level", required_argument, NULL, OPT_PNG_LEVEL },
	{ "print-kernel", no_argument, NULL, OPT_PRINT_KERNEL },
	{ "progress", no_argument, NULL, OPT_PROGRESS },
	{ "quality", required_argument, NULL, 'q' },
	{ "quiet", no_argument, NULL, OPT_QUIET },
	{ "scale", required_argument, NULL, OPT_SCALE },
	{ "stride", required_argument, NULL, 's' },
	{ "strip", no_argument, NULL, OPT_STRIP },
	{ "suffix", required_argument, NULL, OPT_SUFFIX },
	{ "transpose", no_argument, NULL, OPT_TRANSPOSE },
	{ "verbose", no_argument, NULL, 'v' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

/* Matches the SYNOPSIS of man/convfilter.1. */
static void
usage(FILE *f)
{
	fputs(
"usage: convfilter [-hVv] [-j jobs] [-k spec]... [-d dilation]\n"
"                  [-f format] [-p padding] [-q quality] [-s stride] [--abs]\n"
"                  [--alpha mode] [--bias value] [--bias-file file]\n"
"                  [--depth bits] [--flip] [--groups g] [--jpeg-optimize]\n"
"                  [--lenient] [--linear] [--max-pixels n] [--max-scans n]\n"
"                  [--max-side n] [--no-auto-orient] [--no-stream]\n"
"                  [--normalize] [--npy-dtype type]\n"
"                  [--output-padding p] [--pad-mode mode] [--png-level level]\n"
"                  [--scale factor] [--strip] [--transpose] input output\n"
"       convfilter [options] [--from-list file] [--from-list0 file]\n"
"                  [--progress] [--quiet] {-o dir | --suffix suffix} input...\n"
"       convfilter --info [--json] [-k spec]... input\n"
"       convfilter --list-kernels\n"
"       convfilter --print-kernel -k spec...\n", f);
}

static void
help(void)
{
	usage(stdout);
	fputs(
"\n"
"Filter an image (PNG, JPEG, PGM/PPM/PAM, NumPy .npy) with convolution\n"
"kernels and pooling.\n"
"INPUT and OUTPUT may be '-' for stdin and stdout.\n"
"\n"
"Kernels (repeat -k for a chain; stages run in order):\n"
"  -k, --kernel SPEC      a preset (sobel, box:5, gaussian:2, ...), a kernel\n"
"                         file, or a library kernel name; see --list-kernels\n"
"      --list-kernels     list presets and library kernels, then exit\n"
"      --print-kernel     print the kernels of every -k in kernel-file\n"
"                         format, then exit\n"
"  -k maxpool:K[,stride=S][,pad=P], -k avgpool:K[,stride=S][,pad=P]\n"
"                         pooling stage (stride defaults to K)\n"
"  -k FILE.npy            a [KH, KW] kernel or a [C_out, C_in/groups, KH, KW]\n"
"                         bank (torch Conv2d.weight)\n"
"  -k FILE.mat            a libvips matrix: W H [scale [offset]], then rows\n"
"  -k 'WxH[+X+Y]: v,...'  an ImageMagick kernel string ('3: ...' for 3x3);\n"
"                         add --flip to match -morphology Convolve\n"
"      --bias-file FILE   .npy bias [C_out] for the .npy kernels\n"
"      --groups G         groups of the .npy banks (default 1)\n"
"      --info             print shapes, parameters, multiply-adds and\n"
"                         receptive field per stage from INPUT's header;\n"
"                         write nothing\n"
"      --json             --info as JSON\n"
"\n"
"Engine (apply to every stage; PyTorch conv2d semantics):\n"
"  -s, --stride S|SYxSX   step between outputs (default 1)\n"
"  -p, --padding MODE     same (default), valid, P or PYxPX\n"
"  -d, --dilation D|DYxDX spacing between kernel taps (default 1)\n"
"      --pad-mode MODE    replicate (default), zero, constant=V, reflect,\n"
"                         symmetric, circular\n"
"      --flip             true convolution (kernel rotated 180 degrees)\n"
"      --transpose        transposed convolution (conv_transpose2d); banks\n"
"                         are [C_in, C_out/groups, KH, KW]; zero padding\n"
"      --output-padding P|PYxPX  extra output rows/columns with --transpose\n"
"  -j, --jobs N           threads (default: the number of online CPUs); the\n"
"                         output is the same for every N\n"
"      --no-stream        hold whole images in memory even for one stage\n"
"                         (the same output; for cross-checks)\n"
"\n"
"Alpha and colour (images, not .npy input):\n"
"      --alpha MODE       premultiply (colour weighted by alpha: no dark\n"
"                         fringes), separate (every channel alike) or keep\n"
"                         (alpha copied; stride 1, same size).  Default:\n"
"                         premultiply for smoothing kernels (weights >= 0),\n"
"                         keep for others (edges), separate for banks\n"
"      --linear           filter in linear light: sRGB decoded before the\n"
"                         stages and encoded after (colour, not alpha)\n"
"      --depth 8|16       output bits per sample (default: the input's;\n"
"                         16 for 16-bit PNG and PNM; JPEG and .npy: 8)\n"
"\n"
"Converting to pixels (after the last stage, in this order):\n"
"      --abs              absolute value\n"
"      --scale F          multiply by F\n"
"      --bias B           add B\n"
"      --normalize        stretch each channel's min..max to 0..255\n"
"                         then round half away from zero, clamp to 0..255\n"
"\n"
"Output:\n"
"  -f, --format FMT       png, jpeg, pnm, pam or npy (default: from OUTPUT's\n"
"                         extension; png for '-')\n"
"  -q, --quality N        JPEG quality 1..100 (default 90)\n"
"      --jpeg-optimize    JPEG Huffman tables optimised for the image:\n"
"                         smaller files, slower, whole image in memory\n"
"      --no-auto-orient   keep a JPEG as stored, ignoring its EXIF\n"
"                         orientation (default: turned upright)\n"
"      --strip            write no metadata (default: the input's ICC\n"
"                         profile is carried to PNG and JPEG output)\n"
"      --png-level N      PNG compression level 0..9 (default 6)\n"
"      --npy-dtype TYPE   float32 (default: before rounding and clamping)\n"
"                         or uint8 (after full conversion) for .npy output\n"
"\n"
"Limits (checked before any large allocation):\n"
"      --max-pixels N     largest input or output, in pixels (128000000)\n"
"      --max-scans N      most progressive JPEG scans (100)\n"
"      --max-side N       largest input width or height (65535)\n"
"      --lenient          load corrupt but recoverable input (a truncated\n"
"                         JPEG, a bad CRC in a PNG metadata chunk) with a\n"
"                         warning instead of failing\n"
"\n"
"Batch (many inputs; '-' is not one):\n"
"  -o, --output-dir DIR   write every INPUT into DIR (made if missing) under\n"
"                         its own name; -f changes the extension\n"
"      --suffix SFX       write beside each input: in.png -> inSFX.png\n"
"      --from-list FILE   more inputs, one a line ('-': stdin)\n"
"      --from-list0 FILE  more inputs, NUL-separated (find -print0)\n"
"      --progress         progress bar on stderr even when not a terminal\n"
"  files run in parallel: min(N, files) workers of N / workers engine\n"
"  threads each (-j N); a bad file is reported and skipped; exit 3 if an\n"
"  output failed, else 1 if an input failed\n"
"\n"
"      --quiet            no warnings (and no progress bar unless\n"
"                         --progress)\n"
"  -v, --verbose          report shapes and clipped values on stderr\n"
"  -h, --help             show this help\n"
"  -V, --version          show the version\n"
"\n"
"Exit status: 0 success, 1 input unusable, 2 usage error, 3 output not\n"
"written.  See convfilter(1) and convfilter(5).\n", stdout);
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

static void
parse_options(int argc, char **argv, struct options *o)
{
	static const struct options defaults = {
		.conv = CF_CONV_PARAMS_DEFAULT,
		.convert = CF_CONVERT_OPTS_DEFAULT,
		.save = CF_SAVE_OPTS_DEFAULT,
		.load = CF_LOAD_OPTS_DEFAULT,
	};
	long ncpu;
	int c;

	*o = defaults;
	/* -j default: every online CPU (the output does not depend on it) */
	ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	o->conv.threads = ncpu < 1 ? 1 : ncpu > 256 ? 256 : (int)ncpu;
	while ((c = getopt_long(argc, argv, short_opts, long_opts, NULL)) != -1)
		switch (c) {
		case 'd':
			parse_pair("--dilation", optarg, 1, 1 << 20,
			    &o->conv.dil_h, &o->conv.dil_w);
			break;
		case 'f':
			if (!(o->format = cf_img_format_parse(optarg)))
				die(EXIT_USAGE, "--format: '%s' is not png, "
				    "jpeg, pnm, pam or npy", optarg);
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
			parse_padding(optarg, &o->conv);
			break;
		case 'q':
			o->save.quality = (int)parse_long("--quality", optarg,
			    1, 100);
			break;
		case 's':
			parse_pair("--stride", optarg, 1, 1 << 20,
			    &o->conv.stride_h, &o->conv.stride_w);
			break;
		case 'v':
			o->verbose = 1;
			break;
		case 'V':
			puts("convfilter " CF_VERSION);
			close_stdout();
			exit(0);
		case OPT_ABS:
			o->convert.abs = 1;
			break;
		case OPT_ALPHA:
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
			break;
		case OPT_FROM_LIST:
		case OPT_FROM_LIST0:
			cf_batch_read_list(&o->batch, optarg,
			    c == OPT_FROM_LIST ? '\n' : '\0');
			o->batch_mode = 1;
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
		case OPT_LENIENT:
			o->load.lenient = 1;
			break;
		case OPT_LINEAR:
			o->linear = 1;
			break;
		case OPT_LIST_KERNELS:
			o->list_kernels = 1;
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
		case OPT_OUTPUT_PADDING:
			parse_pair("--output-padding", optarg, 0, 1 << 20,
			    &o->conv.outpad_h, &o->conv.outpad_w);
			break;
		case OPT_PAD_MODE:
			parse_pad_mode(optarg, &o->conv);
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
		case OPT_SCALE:
			o->convert.scale = parse_double("--scale", optarg);
			break;
		case OPT_STRIP:
			o->strip = 1;
			break;
		case OPT_SUFFIX:
			o->batch.suffix = optarg;
			o->batch_mode = 1;
			break;
		case OPT_TRANSPOSE:
			o->conv.transpose = 1;
			break;
		default:
			/* getopt_long has printed what was wrong */
			usage(stderr);
			exit(EXIT_USAGE);
		}

	argc -= optind;
	argv += optind;
	if (o->batch_mode) {
		if (o->list_kernels || o->print_kernel || o->info)
			die(EXIT_USAGE, "%s: takes no -o, --suffix or "
			    "--from-list", o->info ? "--info" :
			    o->list_kernels ? "--list-kernels" :
			    "--print-kernel");
		if (!o->batch.dir && !o->batch.suffix)
			die(EXIT_USAGE, "--from-list: needs -o DIR or "
			    "--suffix SUFFIX to name the outputs");
		if (!argc && !o->batch.nlists) {
			error("missing input");
			usage(stderr);
			exit(EXIT_USAGE);
		}
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
	if (argc != 2) {
		if (argc < 2)
			error("%s", argc ? "missing output" :
			    "missing input and output");
		else
			error("'%s': unexpected argument", argv[2]);
		usage(stderr);
		exit(EXIT_USAGE);
	}
	o->input = argv[0];
	o->output = argv[1];
}

/* The output format: -f, else the extension, else png for stdout. */
static enum cf_format
output_format(const struct options *o)
{
	enum cf_format fmt = o->format;

	if (!fmt)
		fmt = cf_img_format_from_name(o->output);
	if (!fmt && !strcmp(o->output, "-"))
		fmt = CF_FMT_PNG;
	if (!fmt)
		die(EXIT_USAGE, "'%s': cannot tell the output format from the "
		    "name (use -f png|jpeg|pnm|pam|npy)", o->output);
	return fmt;
}

static void
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

/* Load o->input into img; 0, or EXIT_INPUT after one error line. */
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
 * --depth: whether to load 16-bit samples as they are.  By default only
 * formats that hold them keep them: JPEG is 8-bit, and .npy output keeps
 * the 8-bit sample scale it has always had.
 */
static int
keep16(const struct options *o, enum cf_format fmt)
{
	if (o->depth == 16 && fmt == CF_FMT_JPEG)
		die(EXIT_USAGE, "--depth 16: JPEG holds 8-bit samples");
	if (o->depth == 16 && fmt == CF_FMT_NPY && o->npy_u8)
		die(EXIT_USAGE, "--depth 16: --npy-dtype uint8 holds 8-bit "
		    "samples");
	if (o->depth)
		return o->depth == 16;
	return fmt != CF_FMT_JPEG && fmt != CF_FMT_NPY;
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

static int
save_stream(FILE *f, const char *name, enum cf_format fmt,
    const struct cf_tensor *img, const struct options *o)
{
	char err[512];

	if (cf_img_save_meta(f, fmt, img, &o->save, o->meta, err,
	    sizeof(err))) {
		error("'%s': %s", name, err);
		return -1;
	}
	if (fflush(f) || ferror(f)) {
		error("'%s': write error: %s", name, strerror(errno));
		return -1;
	}
	return 0;
}

/* The umask, read once: umask(2) is process-wide, and workers save. */
static mode_t file_mask;
static pthread_once_t file_mask_once = PTHREAD_ONCE_INIT;

static void
read_file_mask(void)
{
	file_mask = umask(0);
	umask(file_mask);
}

/* Writes the output to f: 0, or an exit status after one error line. */
typedef int (*emit_fn)(FILE *f, void *ctx);

/*
 * Write o->output with emit.  A regular file is written to a temporary
 * file beside it and renamed into place only on success, so a failure
 * never leaves a partial file nor destroys an existing one.  Everything
 * else (stdout, pipes, devices) is written directly -- or, when late
 * (the input is still being read while writing), through memory, so that
 * nothing is written if the input fails.  0, or the exit status of emit
 * or EXIT_OUTPUT, after one error line.
 */
static int
save_with(const struct options *o, emit_fn emit, void *ctx, int late)
{
	const char *name = o->output;
	char *tmp, *dircopy, *buf = NULL;
	struct stat st;
	size_t len = 0;
	FILE *f, *mf;
	int fd, rc;

	f = !strcmp(name, "-") ? stdout : NULL;
	if (!f && stat(name, &st) == 0 && !S_ISREG(st.st_mode)) {
		if (S_ISDIR(st.st_mode)) {
			error("'%s': is a directory", name);
			return EXIT_OUTPUT;
		}
		if (!(f = fopen(name, "wb"))) {
			error("'%s': %s", name, strerror(errno));
			return EXIT_OUTPUT;
		}
	}
	if (f) {
		if (!late || !(mf = open_memstream(&buf, &len))) {
			rc = emit(f, ctx);
		} else {
			rc = emit(mf, ctx);
			if (fclose(mf) && !rc) {
				error("'%s': out of memory", name);
				rc = EXIT_OUTPUT;
			}
			if (!rc && (fwrite(buf, 1, len, f) != len ||
			    fflush(f))) {
				error("'%s': write error: %s", name,
				    strerror(errno));
				rc = EXIT_OUTPUT;
			}
		}
		free(buf);
		if (f != stdout && fclose(f) && !rc) {
			error("'%s': write error: %s", name, strerror(errno));
			rc = EXIT_OUTPUT;
		}
		return rc;
	}

	dircopy = xmalloc(strlen(name) + 1);
	strcpy(dircopy, name);
	tmp = xmalloc(strlen(name) + 32);
	sprintf(tmp, "%s/.convfilter-XXXXXX", dirname(dircopy));
	free(dircopy);
	if ((fd = mkstemp(tmp)) < 0) {
		error("'%s': cannot create a temporary file: %s", name,
		    strerror(errno));
		free(tmp);
		return EXIT_OUTPUT;
	}
	rc = EXIT_OUTPUT;
	/* mkstemp makes 0600; give the file the mode a plain open would */
	pthread_once(&file_mask_once, read_file_mask);
	if (fchmod(fd, 0666 & ~file_mask) || !(f = fdopen(fd, "wb"))) {
		error("'%s': %s", name, strerror(errno));
		close(fd);
		goto fail;
	}
	if ((rc = emit(f, ctx))) {
		fclose(f);
		goto fail;
	}
	rc = EXIT_OUTPUT;
	if (fclose(f)) {
		error("'%s': write error: %s", name, strerror(errno));
		goto fail;
	}
	if (rename(tmp, name)) {
		error("'%s': %s", name, strerror(errno));
		goto fail;
	}
	free(tmp);
	return 0;
fail:
	unlink(tmp);
	free(tmp);
	return rc;
}

struct image_out {
	const struct options *o;
	enum cf_format fmt;
	const struct cf_tensor *img;
};

static int
emit_image(FILE *f, void *ctx)
{
	struct image_out *io = ctx;

	return save_stream(f, io->o->output, io->fmt, io->img, io->o) ?
	    EXIT_OUTPUT : 0;
}

/* Write img to o->output (save_with). */
static int
save(const struct options *o, enum cf_format fmt, const struct cf_tensor *img)
{
	struct image_out io = { o, fmt, img };

	return save_with(o, emit_image, &io, 0);
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
		rc = CF_STREAM_EREAD;
	if (rc) {
		cf_img_writer_close(&io->wr);
		if (rc == CF_STREAM_EREAD)
			error("'%s': %s", o->input, io->rerr);
		else if (rc == CF_STREAM_EWRITE)
			error("'%s': %s", o->output, io->werr);
		else
			chain_error(o, io->job.st->name, err);
		return rc == CF_STREAM_EWRITE ? EXIT_OUTPUT : EXIT_INPUT;
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
static void
print_info(const struct options *o, const struct cf_stage *stages)
{
	struct cf_stage_info si;
	double rf[2] = { 1, 1 }, jump[2] = { 1, 1 };
	unsigned long long params = 0, macs = 0;
	size_t in[3], cur[3], i;
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
		    "[%.10g, %.10g]}}\n", o->nkernels ? "\n" : "", o->nkernels,
		    cur[0], cur[1], cur[2], params, macs, rf[0], rf[1],
		    jump[0], jump[1]);
	else
		printf("total: %zu stage%s, %zux%zux%zu -> %zux%zux%zu, "
		    "params %llu, macs %llu, rf %.10gx%.10g, jump "
		    "%.10gx%.10g\n", o->nkernels, o->nkernels == 1 ? "" : "s",
		    in[0], in[1], in[2], cur[0], cur[1], cur[2], params, macs,
		    rf[0], rf[1], jump[0], jump[1]);
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
static int
run_one(const struct options *opts, const struct cf_stage *stages)
{
	struct options o = *opts;
	struct cf_img_meta meta = { 0, NULL, 0 };
	int rc;

	o.meta = o.strip ? NULL : &meta;
	rc = run_image(&o, stages);
	cf_img_meta_release(&meta);
	return rc;
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
