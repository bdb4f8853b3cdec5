/*
 * options.h - struct options, what the command line asked for, and its
 * parser.  Command-line side: these functions exit 2 on a usage error.
 */
#ifndef CF_OPTIONS_H
#define CF_OPTIONS_H

#include <stddef.h>
#include <stdint.h>

#include "cli/batch.h"
#include "cli/like.h"
#include "engine/filter.h"
#include "io/img.h"

/* --max-memory's default, 1 GiB, as ImageMagick's memory policy. */
#define CF_MAX_MEMORY_DEFAULT (1ULL << 30)

/* The engine options, which pooling stages do not take (pool_only()). */
enum {
	ENGINE_STRIDE = 1, ENGINE_PADDING = 2, ENGINE_DILATION = 4,
	ENGINE_PAD_MODE = 8, ENGINE_FLIP = 16, ENGINE_TRANSPOSE = 32,
	ENGINE_OUTPUT_PADDING = 64,
};

struct options {
	const char **kernels;
	size_t nkernels;
	struct cf_conv_params conv;
	struct cf_convert_opts convert;
	struct cf_save_opts save;
	struct cf_load_opts load;
	const struct cf_img_format *format;	/* -f, or NULL */
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
	unsigned engine;		/* ENGINE_* bits: engine options given */
	enum like_tool like;		/* --like, or LIKE_NONE */
	struct like_explicit like_ex;	/* what --like must not change */
	int like_q16;			/* --like imagemagick's 8-bit step */
	int grid;			/* --grid: the maps side by side */
	long grid_cols;			/* --grid=COLS; 0: ceil(sqrt(C)) */
	int grid_shared;		/* --grid-scale shared */
	int split;			/* --split: one file per map */
	const char *kernel_image;	/* --as-image / --kernel-image FILE */
	int kernel_scale;		/* --kernel-image-scale; 16 */
	struct cf_img_meta *meta;	/* per image (run_one); NULL: --strip */
	uint64_t max_memory;		/* --max-memory, bytes */
	int show_progress;		/* cf_progress_rows for this image */
	size_t batch_index;		/* its index in the batch */
};

/*
 * Fill o from argv (o->kernels is allocated; the caller frees it).
 * --help and --version print and exit 0; a usage error exits 2.
 */
void parse_options(int argc, char **argv, struct options *o);

/* The output format: -f, else o->output's extension; exits 2 if neither. */
const struct cf_img_format *output_format(const struct options *o);

/*
 * Whether to load 16-bit samples as they are for output format fmt;
 * exits 2 when --depth 16 asks for what fmt cannot hold.
 */
int keep16(const struct options *o, const struct cf_img_format *fmt);

#endif
