/*
 * grid.h - feature maps as pictures: every channel of a float result
 * stretched to 0..255 on its own (or all on one range) and laid out side
 * by side in one grayscale image (--grid), or one image per channel
 * (--split).
 */
#ifndef CF_GRID_H
#define CF_GRID_H

#include <stddef.h>
#include <stdint.h>

#include "engine/convert.h"

#define CF_GRID_SEPARATOR 255	/* the 1-pixel lines between maps */

/* The layout of c maps of h x w in cols columns, row by row. */
struct cf_grid {
	size_t c, h, w;
	size_t cols, rows;	/* cols: the argument, or ceil(sqrt(c)) */
	size_t gh, gw;		/* the grid image: rows*h + rows-1, ... */
};

/* The layout for cols (0: ceil(sqrt(c)); more than c: c).  0, or
 * CF_EINVAL (nothing to lay out) or CF_EOVERFLOW. */
int cf_grid_layout(size_t c, size_t h, size_t w, size_t cols,
    struct cf_grid *g);

/*
 * Each channel's range over n pixels of c interleaved floats (x[i * c +
 * k]), NaN and infinities taking no part: lo[k], hi[k]; with shared, every
 * channel gets the range of all of them.
 */
void cf_grid_ranges(const float *x, size_t n, size_t c, int shared,
    double *lo, double *hi);

/* Channel k of x (h x w pixels of c floats) stretched from [lo, hi] to
 * 0..255 into out[h * w], rounded by round; a constant map is 0. */
void cf_grid_map(const float *x, const struct cf_grid *g, size_t k,
    double lo, double hi, enum cf_round round, uint8_t *out);

/* The grid image (g->gh x g->gw) of every channel into out. */
void cf_grid_compose(const float *x, const struct cf_grid *g,
    const double *lo, const double *hi, enum cf_round round, uint8_t *out);

#endif
