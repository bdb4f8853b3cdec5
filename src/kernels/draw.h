/*
 * draw.h - kernels as pictures (--kernel-image): each filter of a stage a
 * tile, its input channels side by side (or one RGB tile when C_in = 3,
 * as the first-layer filters of the classic CNN papers are shown), each
 * weight a square of scale x scale pixels.
 *
 * Colours, per stage: with a negative weight, the diverging map blue
 * (-m) - white (0) - red (+m), m the largest |weight| (RGB tiles: 128 +
 * 127.5 w / m per channel); else gray 255 w / m (RGB: per channel).
 * Stages lie one under another; filters ceil(sqrt(F)) to a row; tiles,
 * input channels and stages are 1 pixel apart, on CF_DRAW_GAP.
 */
#ifndef CF_DRAW_H
#define CF_DRAW_H

#include <stddef.h>

#include "kernels/stage.h"

#define CF_DRAW_GAP 128		/* the gray between tiles */
#define CF_DRAW_MAX_SIDE 16384	/* the picture's largest side */

/*
 * The picture of stages[0..n) (pooling stages have none and are left
 * out) into img, a new CF_U8 [3, H, W] tensor.  0, CF_EINVAL (nothing to
 * draw, scale < 1), CF_EOVERFLOW (larger than CF_DRAW_MAX_SIDE) or
 * CF_ENOMEM, with a message.
 */
int cf_kernel_draw(const struct cf_stage *stages, size_t n, int scale,
    struct cf_tensor *img, char *errbuf, size_t errlen);

#endif
