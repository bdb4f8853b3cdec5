/*
 * kernel.h - convolution kernels and the kernel-file format (convfilter(5)).
 */
#ifndef CF_KERNEL_H
#define CF_KERNEL_H

#include <stdio.h>

#include "base/tensor.h"

#define CF_KERNEL_MAX_SIDE 1024		/* KH and KW each */
#define CF_KERNEL_MAX_WEIGHTS (1u << 24)	/* all weights of one kernel */

/*
 * One convolution: weight is CF_F32 [C_out, C_in/groups, KH, KW] with any
 * scale directive already applied, or, when transposed, a bank in
 * ConvTranspose2d.weight's layout [C_in, C_out/groups, KH, KW].  A
 * depthwise kernel (a plain 2-D grid of weights) has weight [1, 1, KH, KW]
 * and is applied to every channel of its input independently; its single
 * bias (if any) is added to every channel.
 */
struct cf_kernel {
	struct cf_tensor weight;
	float *bias;		/* cf_kernel_nbias() values, or NULL */
	int groups;		/* >= 1; 1 for depthwise (expanded when run) */
	int depthwise;
	int transposed;		/* a bank in ConvTranspose2d layout */
};

/* The output channels of k, which its bias has one value each of: 1 when
 * depthwise, else weight.shape[0], or shape[1] * groups when transposed. */
size_t cf_kernel_nbias(const struct cf_kernel *k);

/*
 * Parse kernel-file text (len bytes, need not be NUL-terminated) into k.
 * With transpose, a bank ("shape A B KH KW") is ConvTranspose2d.weight
 * [C_in, C_out/groups, KH, KW]: groups divide C_in, 'bias' has C_out =
 * B * groups values and 'normalize' makes each output channel's weights
 * (over its group's inputs) sum to 1; else [C_out, C_in/groups, KH, KW].
 * name is used in messages, which read "NAME:LINE:COL: what is wrong"
 * ("blur.kernel:3:7: expected a number, got 'x'") and are written to
 * errbuf.  Returns 0 or CF_EKERNEL (or CF_ENOMEM / CF_EOVERFLOW).
 * Numbers are parsed independently of the locale; NaN and infinities are
 * rejected; sizes are capped before allocating.
 */
int cf_kernel_parse(const char *text, size_t len, const char *name,
    int transpose, struct cf_kernel *k, char *errbuf, size_t errlen);

/* Read the file at path (at most 16 MiB) and parse it; CF_EIO if it
 * cannot be read, message "cannot read: <strerror>". */
int cf_kernel_load(const char *path, int transpose, struct cf_kernel *k,
    char *errbuf, size_t errlen);

/* Read the whole file at path (at most 16 MiB) into a new buffer *text
 * (not NUL-terminated, freed by the caller).  CF_EIO "cannot read: ..."
 * or CF_EOVERFLOW "kernel file larger than 16 MiB". */
int cf_kernel_read_file(const char *path, char **text, size_t *len,
    char *errbuf, size_t errlen);

/*
 * Peers' kernel languages (peers.c), both giving a depthwise k.
 *
 * cf_kernel_parse_mat: a libvips matrix file (vips_matrixload): a header
 * line "W H [SCALE [OFFSET]]" (SCALE 1 and OFFSET 0 when absent; SCALE 0
 * is an error, as in libvips), then H lines of W numbers separated by
 * spaces, tabs or commas.  libvips computes sum / SCALE + OFFSET, so the
 * weights are the numbers divided by SCALE and the bias is OFFSET.
 * Messages read "NAME:LINE:COL: ..." like cf_kernel_parse; CF_EKERNEL.
 *
 * cf_kernel_parse_im: an ImageMagick kernel string "WxH: v,v,..." or
 * "N: ..." (N x N) with an optional origin "WxH+X+Y: ..." (default the
 * centre, ((W-1)/2, (H-1)/2)); values are separated by commas and/or
 * spaces, W*H of them, row by row; "nan" (not part of the kernel in
 * ImageMagick) counts as 0.  The kernel is embedded, zero-padded, in the
 * smallest odd-sized grid centred on the origin, so convfilter's 'same'
 * padding puts the origin where ImageMagick does.  Returns CF_ENOENT
 * when spec does not start like an ImageMagick kernel ("DIGITS[xDIGITS]
 * [+-X+-Y]:"), CF_EKERNEL with a message when it does but is malformed.
 */
int cf_kernel_parse_mat(const char *text, size_t len, const char *name,
    struct cf_kernel *k, char *errbuf, size_t errlen);
int cf_kernel_parse_im(const char *spec, struct cf_kernel *k, char *errbuf,
    size_t errlen);

/* Write k to f in the kernel-file format, with a leading comment line
 * "# title" when title is not NULL; reading it back gives the same
 * weights (each printed with the fewest digits, at most %.9g's 9, that
 * read back as the same float).  Returns 0 or CF_EIO. */
int cf_kernel_write(FILE *f, const struct cf_kernel *k, const char *title);

/*
 * Parse the decimal number in s[0..n) (need not be NUL-terminated):
 * [+-] digits [. digits] [(e|E) [+-] digits], at least one digit before
 * the exponent, nothing else -- no spaces, hex, "nan" or "inf" -- and
 * independent of the locale.  Returns 0 and sets *out, CF_EINVAL when s
 * is not such a number, CF_EOVERFLOW when it is beyond the double range.
 * Used for kernel files and preset parameters.
 */
int cf_kernel_parse_number(const char *s, size_t n, double *out);

/* Make k a depthwise kernel of kh x kw weights (zeroed), no bias. */
int cf_kernel_init_depthwise(struct cf_kernel *k, size_t kh, size_t kw);

void cf_kernel_release(struct cf_kernel *k);

#endif
