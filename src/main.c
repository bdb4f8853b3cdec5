/*
 * main.c - convfilter's command line: options, the pipeline
 * load -> stages -> convert -> save, and exit statuses.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conv.h"
#include "convert.h"
#include "img.h"
#include "kernel.h"
#include "library.h"
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
	int verbose;
	int list_kernels;
	int print_kernel;
	const char *input;
	const char *output;
};

enum {
	OPT_ABS = 256,
	OPT_BIAS,
	OPT_FLIP,
	OPT_LIST_KERNELS,
	OPT_MAX_PIXELS,
	OPT_MAX_SIDE,
	OPT_NORMALIZE,
	OPT_PAD_MODE,
	OPT_PNG_LEVEL,
	OPT_PRINT_KERNEL,
	OPT_SCALE,
};

static const char short_opts[] = "d:f:hk:p:q:s:vV";

static const struct option long_opts[] = {
	{ "abs", no_argument, NULL, OPT_ABS },
	{ "bias", required_argument, NULL, OPT_BIAS },
	{ "dilation", required_argument, NULL, 'd' },
	{ "flip", no_argument, NULL, OPT_FLIP },
	{ "format", required_argument, NULL, 'f' },
	{ "help", no_argument, NULL, 'h' },
	{ "kernel", required_argument, NULL, 'k' },
	{ "list-kernels", no_argument, NULL, OPT_LIST_KERNELS },
	{ "max-pixels", required_argument, NULL, OPT_MAX_PIXELS },
	{ "max-side", required_argument, NULL, OPT_MAX_SIDE },
	{ "normalize", no_argument, NULL, OPT_NORMALIZE },
	{ "pad-mode", required_argument, NULL, OPT_PAD_MODE },
	{ "padding", required_argument, NULL, 'p' },
	{ "png-level", required_argument, NULL, OPT_PNG_LEVEL },
	{ "print-kernel", no_argument, NULL, OPT_PRINT_KERNEL },
	{ "quality", required_argument, NULL, 'q' },
	{ "scale", required_argument, NULL, OPT_SCALE },
	{ "stride", required_argument, NULL, 's' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

/* Matches the SYNOPSIS of man/convfilter.1. */
static void
usage(FILE *f)
{
	fputs(
"usage: convfilter [-hVv] [-k spec]... [-d dilation] [-f format]\n"
"                  [-p padding] [-q quality] [-s stride] [--abs]\n"
"                  [--bias value] [--flip] [--max-pixels n] [--max-side n]\n"
"                  [--normalize] [--pad-mode mode] [--png-level level]\n"
"                  [--scale factor] input output\n"
"       convfilter --list-kernels\n"
"       convfilter --print-kernel -k spec...\n", f);
}

static void
help(void)
{
	usage(stdout);
	fputs(
"\n"
"Filter an image (PNG, JPEG, PGM/PPM/PAM) with convolution kernels.\n"
"INPUT and OUTPUT may be '-' for stdin and stdout.\n"
"\n"
"Kernels (repeat -k for a chain; stages run in order):\n"
"  -k, --kernel SPEC      a preset (sobel, box:5, gaussian:2, ...), a kernel\n"
"                         file, or a library kernel name; see --list-kernels\n"
"      --list-kernels     list presets and library kernels, then exit\n"
"      --print-kernel     print the kernels of every -k in kernel-file\n"
"                         format, then exit\n"
"\n"
"Engine (apply to every stage; PyTorch conv2d semantics):\n"
"  -s, --stride S|SYxSX   step between outputs (default 1)\n"
"  -p, --padding MODE     same (default), valid, P or PYxPX\n"
"  -d, --dilation D|DYxDX spacing between kernel taps (default 1)\n"
"      --pad-mode MODE    replicate (default), zero, constant=V, reflect,\n"
"                         symmetric, circular\n"
"      --flip             true convolution (kernel rotated 180 degrees)\n"
"\n"
"Converting to pixels (after the last stage, in this order):\n"
"      --abs              absolute value\n"
"      --scale F          multiply by F\n"
"      --bias B           add B\n"
"      --normalize        stretch each channel's min..max to 0..255\n"
"                         then round half away from zero, clamp to 0..255\n"
"\n"
"Output:\n"
"  -f, --format FMT       png, jpeg, pnm or pam (default: from OUTPUT's\n"
"                         extension; png for '-')\n"
"  -q, --quality N        JPEG quality 1..100 (default 90)\n"
"      --png-level N      PNG compression level 0..9 (default 6)\n"
"\n"
"Limits (checked before any large allocation):\n"
"      --max-pixels N     largest input or output, in pixels (128000000)\n"
"      --max-side N       largest input width or height (65535)\n"
"\n"
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
	int c;

	*o = defaults;
	while ((c = getopt_long(argc, argv, short_opts, long_opts, NULL)) != -1)
		switch (c) {
		case 'd':
			parse_pair("--dilation", optarg, 1, 1 << 20,
			    &o->conv.dil_h, &o->conv.dil_w);
			break;
		case 'f':
			if (!(o->format = cf_img_format_parse(optarg)))
				die(EXIT_USAGE, "--format: '%s' is not png, "
				    "jpeg, pnm or pam", optarg);
			break;
		case 'h':
			help();
			close_stdout();
			exit(0);
		case 'k':
			o->kernels = xrealloc(o->kernels,
			    (o->nkernels + 1) * sizeof(*o->kernels));
			o->kernels[o->nkernels++] = optarg;
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
		case OPT_BIAS:
			o->convert.bias = parse_double("--bias", optarg);
			break;
		case OPT_FLIP:
			o->conv.flip = 1;
			break;
		case OPT_LIST_KERNELS:
			o->list_kernels = 1;
			break;
		case OPT_MAX_PIXELS:
			o->load.max_pixels = (uint64_t)parse_long(
			    "--max-pixels", optarg, 1, LONG_MAX);
			break;
		case OPT_MAX_SIDE:
			o->load.max_side = (uint32_t)parse_long("--max-side",
			    optarg, 1, UINT32_MAX);
			break;
		case OPT_NORMALIZE:
			o->convert.normalize = 1;
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
		case OPT_SCALE:
			o->convert.scale = parse_double("--scale", optarg);
			break;
		default:
			/* getopt_long has printed what was wrong */
			usage(stderr);
			exit(EXIT_USAGE);
		}

	argc -= optind;
	argv += optind;
	if (o->list_kernels || o->print_kernel) {
		if (argc > 0)
			die(EXIT_USAGE, "'%s': --list-kernels and "
			    "--print-kernel take no images", argv[0]);
		if (o->print_kernel && !o->nkernels)
			die(EXIT_USAGE, "--print-kernel: no kernel given (-k)");
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
		    "name (use -f png|jpeg|pnm|pam)", o->output);
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

static void
load(const struct options *o, struct cf_tensor *img)
{
	const char *name = o->input;
	char err[512];
	struct stat st;
	FILE *f = stdin;
	int rc;

	if (strcmp(name, "-") && !(f = fopen(name, "rb")))
		die(EXIT_INPUT, "'%s': %s", name, strerror(errno));
	if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode))
		die(EXIT_INPUT, "'%s': is a directory", name);
	rc = cf_img_load(f, &o->load, img, err, sizeof(err));
	if (f != stdin)
		fclose(f);
	if (rc)
		die(EXIT_INPUT, "'%s': %s", name, err);
}

/* Run every stage; the result stays float. */
static void
run_stages(const struct options *o, const struct cf_stage *stages,
    struct cf_tensor *x)
{
	struct cf_tensor y;
	size_t i, shape[3];
	char err[512];
	int rc;

	for (i = 0; i < o->nkernels; i++) {
		rc = cf_conv2d_shape(x->shape, &stages[i].k[0], &o->conv,
		    shape, err, sizeof(err));
		if (!rc && shape[1] * shape[2] > o->load.max_pixels) {
			die(EXIT_INPUT, "'%s': output would be %zux%zu, over "
			    "the %llu-pixel limit (--max-pixels)", stages[i].name, shape[2],
			    shape[1], (unsigned long long)o->load.max_pixels);
		}
		if (!rc)
			rc = cf_conv_stage(x, &stages[i], &o->conv, &y, err,
			    sizeof(err));
		if (rc)
			die(EXIT_INPUT, "'%s': %s", stages[i].name, err);
		if (o->verbose)
			fprintf(stderr, "convfilter: '%s': %zux%zux%zu -> "
			    "%zux%zux%zu\n", stages[i].name, x->shape[0],
			    x->shape[1], x->shape[2], y.shape[0], y.shape[1],
			    y.shape[2]);
		cf_tensor_release(x);
		*x = y;
	}
}

static void
report_clipping(const struct cf_clip_stats *s)
{
	size_t c;

	fputs("convfilter: clipped values (low/high) per channel:", stderr);
	for (c = 0; c < s->channels; c++)
		fprintf(stderr, " %zu:%llu/%llu", c,
		    (unsigned long long)s->low[c],
		    (unsigned long long)s->high[c]);
	fputc('\n', stderr);
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

	if (cf_img_save(f, fmt, img, &o->save, err, sizeof(err))) {
		error("'%s': %s", name, err);
		return -1;
	}
	if (fflush(f) || ferror(f)) {
		error("'%s': write error: %s", name, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Write img to o->output.  A regular file is written to a temporary file
 * beside it and renamed into place only on success, so a failure never
 * leaves a partial file nor destroys an existing one.  Everything else
 * (stdout, pipes, devices) is written directly.
 */
static void
save(const struct options *o, enum cf_format fmt, const struct cf_tensor *img)
{
	const char *name = o->output;
	char *tmp, *dircopy;
	struct stat st;
	mode_t mask;
	FILE *f;
	int fd;

	if (!strcmp(name, "-")) {
		if (save_stream(stdout, name, fmt, img, o))
			exit(EXIT_OUTPUT);
		return;
	}
	if (stat(name, &st) == 0 && !S_ISREG(st.st_mode)) {
		if (S_ISDIR(st.st_mode))
			die(EXIT_OUTPUT, "'%s': is a directory", name);
		if (!(f = fopen(name, "wb")))
			die(EXIT_OUTPUT, "'%s': %s", name, strerror(errno));
		if (save_stream(f, name, fmt, img, o) | fclose(f))
			exit(EXIT_OUTPUT);
		return;
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
		exit(EXIT_OUTPUT);
	}
	/* mkstemp makes 0600; give the file the mode a plain open would */
	mask = umask(0);
	umask(mask);
	if (fchmod(fd, 0666 & ~mask) || !(f = fdopen(fd, "wb"))) {
		error("'%s': %s", name, strerror(errno));
		close(fd);
		goto fail;
	}
	if (save_stream(f, name, fmt, img, o)) {
		fclose(f);
		goto fail;
	}
	if (fclose(f)) {
		error("'%s': write error: %s", name, strerror(errno));
		goto fail;
	}
	if (rename(tmp, name)) {
		error("'%s': %s", name, strerror(errno));
		goto fail;
	}
	free(tmp);
	return;
fail:
	unlink(tmp);
	free(tmp);
	exit(EXIT_OUTPUT);
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

int
main(int argc, char **argv)
{
	struct options o;
	struct cf_stage *stages;
	struct cf_tensor img, x, out;
	struct cf_clip_stats clip;
	enum cf_format fmt = CF_FMT_UNKNOWN;
	size_t i;

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
	if (!o.print_kernel)
		fmt = output_format(&o);

	/* resolve kernels before touching any image */
	stages = xmalloc((o.nkernels ? o.nkernels : 1) * sizeof(*stages));
	for (i = 0; i < o.nkernels; i++)
		lib_resolve(o.kernels[i], &stages[i]);
	if (o.print_kernel) {
		print_kernels(stages, o.nkernels);
		release_stages(&o, stages);
		close_stdout();
		return 0;
	}

	/* load */
	load(&o, &img);
	if (cf_tensor_u8_to_f32(&img, &x))
		die(EXIT_INPUT, "'%s': out of memory", o.input);
	cf_tensor_release(&img);

	/* filter */
	run_stages(&o, stages, &x);

	/* convert to pixels */
	if (x.shape[0] > 4)
		die(EXIT_INPUT, "'%s': the result has %zu channels; an image "
		    "holds 1 to 4", o.output, x.shape[0]);
	if (cf_convert_to_u8(&x, &o.convert, &out, &clip))
		die(EXIT_INPUT, "'%s': out of memory", o.output);
	cf_tensor_release(&x);
	if (o.verbose)
		report_clipping(&clip);
	if (!cf_img_format_has_alpha(fmt) &&
	    (out.shape[0] == 2 || out.shape[0] == 4)) {
		warn("'%s': this format cannot store alpha; alpha dropped",
		    o.output);
		drop_alpha(&out);
	}

	/* save */
	save(&o, fmt, &out);
	cf_tensor_release(&out);
	release_stages(&o, stages);
	close_stdout();
	return 0;
}
