/*
 * alpha.h - alpha handling and linear light around the filter stages.
 *
 * Images are CF_F32 [C, H, W] on the sample scale 0..max (255 for 8-bit,
 * 65535 for 16-bit data); alpha is the last channel of a 2- or 4-channel
 * image.  Around the stages, in this order:
 *
 *   before: linearize colour (--linear), then premultiply or split alpha
 *   after:  unpremultiply or join alpha, then encode colour to sRGB
 *
 * premultiply:   c = c * a / max; the stages filter c and a alike;
 *                after, c = c * max / a (0 where a <= 0).  No dark
 *                fringe where opaque pixels meet transparent ones.
 * separate:      every channel filtered independently.
 * keep:          alpha copied through unfiltered; the chain must keep
 *                the size (stride 1, same padding) and the channels.
 */
#ifndef CF_ALPHA_H
#define CF_ALPHA_H

#include <stddef.h>

#include "base/tensor.h"
#include "engine/conv.h"
#include "kernels/kernel.h"

enum cf_alpha_mode {
	CF_ALPHA_AUTO,		/* choose with cf_alpha_resolve */
	CF_ALPHA_PREMULTIPLY,
	CF_ALPHA_SEPARATE,
	CF_ALPHA_KEEP,
};

/* Whether a C-channel image has alpha (C is 2 or 4). */
int cf_alpha_has(size_t channels);

/*
 * The mode to use for an image of shape [C, H, W] through stages[0..n)
 * with params p, given the requested mode.  Images without alpha, chains
 * with a filter bank (a non-depthwise kernel) and pooling get separate.
 * AUTO is separate for pointwise chains (no stage mixes neighbouring
 * pixels: 1x1 kernels, no stages), else premultiply when every stage is
 * smoothing (one kernel whose weights are all >= 0, or average pooling),
 * else keep when the chain keeps the size, else separate.  An explicit keep on a chain that changes
 * the size, or premultiply/keep with a filter bank, is CF_EINVAL with a
 * message.
 */
int cf_alpha_resolve(enum cf_alpha_mode want, const struct cf_stage *stages,
    size_t n, const struct cf_conv_params *p, const size_t *shape,
    enum cf_alpha_mode *mode, char *errbuf, size_t errlen);

/*
 * Before the stages.  x is CF_F32 [C, H, W], contiguous.  With
 * linear, colour channels are decoded from sRGB to linear light; then for
 * premultiply colour is multiplied by alpha / max, and for keep the
 * alpha plane moves to *saved (a new [1, H, W] tensor) and x loses its
 * last channel.  *saved is left empty otherwise.
 */
int cf_alpha_before(struct cf_tensor *x, enum cf_alpha_mode mode,
    int linear, double max, struct cf_tensor *saved);

/*
 * After the stages: the inverse of cf_alpha_before.  For keep, *saved
 * is appended to x as its last channel (x is replaced by a new tensor)
 * and released; CF_ESHAPE if the sizes differ.
 */
int cf_alpha_after(struct cf_tensor *x, enum cf_alpha_mode mode,
    int linear, double max, struct cf_tensor *saved);

/*
 * The pointwise steps on n pixels held as nc planes p[0..nc) (alpha the
 * last of 2 or 4): before the stages, colour to linear light (linear),
 * then premultiplied (mode PREMULTIPLY); after them, colour divided by
 * alpha (PREMULTIPLY), then encoded to sRGB (linear).  cf_alpha_before
 * and _after are these on whole planes, plus keep's moves of alpha.
 */
void cf_alpha_before_row(float *const *p, size_t nc, size_t n,
    enum cf_alpha_mode mode, int linear, double max);
void cf_alpha_after_row(float *const *p, size_t nc, size_t n,
    enum cf_alpha_mode mode, int linear, double max);

/* The most planes those take; more channels are a tensor (no alpha). */
#define CF_ALPHA_MAX_PLANES 4

/* The sRGB transfer functions on 0..1, extended to all reals by
 * symmetry: to linear light (the EOTF) and back. */
double cf_srgb_to_linear(double v);
double cf_linear_to_srgb(double v);

#endif
