/*
 * grid.c - feature maps side by side (grid.h).  The stretch is
 * --normalize's, written once in convert.c: (v - lo) * 255 / (hi - lo),
 * then the rounding mode and the clamp.
 */
#include <math.h>
#include <string.h>

#include "base/err.h"
#include "base/tensor.h"
#include "engine/grid.h"

int
cf_grid_layout(size_t c, size_t h, size_t w, size_t cols, struct cf_grid *g)
{
	size_t r;

	memset(g, 0, sizeof(*g));
	if (!c || !h || !w)
		return CF_EINVAL;
	if (!cols) {
		cols = (size_t)sqrt((double)c);
		while (cols * cols < c)
			cols++;
		while (cols > 1 && (cols - 1) * (cols - 1) >= c)
			cols--;
	}
	if (cols > c)
		cols = c;
	r = (c + cols - 1) / cols;
	/* each side below 2^24: an image's, and no product overflows */
	if (h > (1u << 24) / r || w > (1u << 24) / cols)
		return CF_EOVERFLOW;
	g->c = c;
	g->h = h;
	g->w = w;
	g->cols = cols;
	g->rows = r;
	g->gh = r * h + r - 1;
	g->gw = cols * w + cols - 1;
	return 0;
}

void
cf_grid_ranges(const float *x, size_t n, size_t c, int shared, double *lo,
    double *hi)
{
	size_t i, k;
	double v;

	for (k = 0; k < c; k++) {
		lo[k] = INFINITY;
		hi[k] = -INFINITY;
	}
	for (i = 0; i < n; i++)
		for (k = 0; k < c; k++) {
			v = x[i * c + k];
			if (!isfinite(v))
				continue;
			if (v < lo[k])
				lo[k] = v;
			if (v > hi[k])
				hi[k] = v;
		}
	if (!shared)
		return;
	for (k = 1; k < c; k++) {
		if (lo[k] < lo[0])
			lo[0] = lo[k];
		if (hi[k] > hi[0])
			hi[0] = hi[k];
	}
	for (k = 1; k < c; k++) {
		lo[k] = lo[0];
		hi[k] = hi[0];
	}
}

/* Row r of map k into out[0..w). */
static void
map_row(const float *x, const struct cf_grid *g, size_t k, size_t r,
    const struct cf_convert_opts *cv, const double *norm, uint8_t *out)
{
	const float *p = x + r * g->w * g->c + k;
	size_t j;
	long v;

	for (j = 0; j < g->w; j++) {
		v = cf_convert_sample(p[j * g->c], cv, norm, 255.0);
		out[j] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
	}
}

void
cf_grid_map(const float *x, const struct cf_grid *g, size_t k, double lo,
    double hi, enum cf_round round, uint8_t *out)
{
	struct cf_convert_opts cv = CF_CONVERT_OPTS_DEFAULT;
	double norm[2] = { lo, hi - lo };
	size_t r;

	cv.round = round;
	for (r = 0; r < g->h; r++)
		map_row(x, g, k, r, &cv, norm, out + r * g->w);
}

void
cf_grid_compose(const float *x, const struct cf_grid *g, const double *lo,
    const double *hi, enum cf_round round, uint8_t *out)
{
	struct cf_convert_opts cv = CF_CONVERT_OPTS_DEFAULT;
	double norm[2];
	size_t k, r, y0, x0;

	cv.round = round;
	/* separators, and the empty tiles after the last map */
	memset(out, CF_GRID_SEPARATOR, g->gh * g->gw);
	for (k = g->c; k < g->rows * g->cols; k++)
		for (r = 0; r < g->h; r++)
			memset(out + (k / g->cols * (g->h + 1) + r) * g->gw +
			    k % g->cols * (g->w + 1), 0, g->w);
	for (k = 0; k < g->c; k++) {
		norm[0] = lo[k];
		norm[1] = hi[k] - lo[k];
		y0 = k / g->cols * (g->h + 1);
		x0 = k % g->cols * (g->w + 1);
		for (r = 0; r < g->h; r++)
			map_row(x, g, k, r, &cv, norm, out + (y0 + r) * g->gw +
			    x0);
	}
}
