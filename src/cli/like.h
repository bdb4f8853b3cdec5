/*
 * like.h - --like TOOL: the defaults of another tool for the same
 * operation (padding, pad mode, rounding, alpha, the Gaussian's size
 * rule, kernel-string normalisation), under the options given
 * explicitly.  Command-line side: a bad name exits 2.
 */
#ifndef CF_LIKE_H
#define CF_LIKE_H

#include <stdio.h>

#include "kernels/stage.h"

enum like_tool {
	LIKE_NONE,
	LIKE_TORCH,
	LIKE_OPENCV,
	LIKE_VIPS,
	LIKE_IMAGEMAGICK,
};

/* Which of the options a profile sets were given on the command line. */
struct like_explicit {
	int padding, pad_mode, round, alpha;
};

struct options;

/* The tool named by s (--like), or exit 2. */
enum like_tool like_parse(const char *s);

/* Set o's defaults to the tool's where o->like_ex says they were not
 * given; after parse_options (the output's format matters). */
void like_apply(struct options *o);

/* The tool's changes to the kernels just loaded (ImageMagick: kernel
 * strings divided by their sum, in the weights or in o's --scale). */
void like_kernels(struct options *o, struct cf_stage *stages, size_t n);

/* -v: one line on f with the settings the profile chose. */
void like_describe(const struct options *o, FILE *f);

#endif
