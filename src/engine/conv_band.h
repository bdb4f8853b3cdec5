/*
 * conv_band.h - one convolution in bands of output rows, exactly: every
 * output sample is the reference's float (cf_conv2d_ref), bit for bit.
 * The whole-image engine (conv_fast.c) runs bands over whole planes, the
 * streaming pipeline (pipe.c) over the rows it holds; both read the
 * input through a row function, so neither needs the other's layout.
 *
 * Two algorithms, chosen per band and channel from the band's own
 * samples (either gives the reference's float, so the choice never
 * shows):
 * - direct: for each output sample, acc = bias, then acc += x * w over
 *   c, m, n in the reference's order, in double.  The products of two
 *   floats are exact in double, so every step is the reference's (a
 *   fused multiply-add gives the same value here): bit-identical.  Where
 *   every sum is exact (integer samples, few weight bits) and the kernel
 *   is vertically symmetric, rows m and KH-1-m are added first (fold).
 * - separable: a depthwise kernel that is exactly col (x) row runs as a
 *   horizontal and a vertical pass in double, another order, used only
 *   where it provably gives the reference's float:
 *   (A) integer samples and weights with few enough bits that every
 *       partial sum of both algorithms is exact in double (sobel, box on
 *       8-bit data): both give the exact sum; or
 *   (B) non-negative samples, weights and bias: both sums are within a
 *       relative gamma_n of the exact sum, so |R_ref - R_sep| <= E =
 *       (KH*KW + KH + KW + 8) * 2^-52 * R_sep, and where
 *       float(R_sep - E) == float(R_sep + E) that float is the
 *       reference's (rounding is monotone); otherwise (about one sample
 *       in 2^20) the sample is recomputed the direct way.
 */
#ifndef CF_CONV_BAND_H
#define CF_CONV_BAND_H

#include <stddef.h>

#include "engine/conv_geom.h"
#include "kernels/kernel.h"

/* One convolution, ready to run in bands (read-only once made). */
struct cf_band {
	size_t c, h, w;		/* the input */
	size_t co, ho, wo;	/* the output */
	float *wt;		/* weights, flipped: [CO or 1][cg][KH][KW] */
	const float *bias;	/* NULL, or 1 (depthwise) or CO values */
	int depthwise;
	size_t cg, opg;		/* input channels and outputs per group */
	size_t kh, kw, sh, sw, dh, dw, pt, pl;
	enum cf_pad_mode mode;
	float padv;
	size_t pw;		/* padded row length the outputs read */
	long *colmap;		/* pw entries: source column or -1 */
	size_t ilo, ihi;	/* padded columns [ilo, ihi) map to 0.. */
	int sep;		/* exactly col (x) row, and allowed */
	double *col, *row;
	int wpos;		/* col, row, bias and pad value >= 0 */
	double err_rel;		/* case (B)'s E / R_sep */
	int vsym;		/* rows m and KH-1-m equal (fold) */
	/* sums of |weights| and lowest set bits, for cases (A) and fold */
	double sumw, sumr, sumc;
	int qw, qr, qs;
	/* set by the caller: rows of doubles, the sums before their
	 * rounding to float (needs sep 0: the reference's order) */
	int out64;
};

/*
 * Make b for input shape xshape [C, H, W] and kernel k with params p (not
 * transposed); separable passes only when allow_separable.  0, or a
 * cf_err with a message (cf_conv2d_shape's checks); CF_EOVERFLOW also
 * when bands of 32 rows would need over 2^24 padded samples (huge
 * dilation or padding), which the reference engine does without.
 */
int cf_band_init(struct cf_band *b, const size_t *xshape,
    const struct cf_kernel *k, const struct cf_conv_params *p,
    int allow_separable, char *errbuf, size_t errlen);
void cf_band_release(struct cf_band *b);

/* The padded input rows a band of output rows [i0, i1) reads:
 * (i1 - 1 - i0) * sh + (kh - 1) * dh + 1. */
size_t cf_band_rows(const struct cf_band *b, size_t i0, size_t i1);

/* A thread's buffers for bands of up to rows output rows. */
struct cf_band_scratch {
	double *buf, *acc, *hb, *z;
	unsigned char *flag;
	size_t rows;
};

/*
 * What the caller knows of every input sample, so that bands need not
 * look: finite, at least min, at most maxabs in magnitude, and integers
 * when integer.
 */
struct cf_band_hint {
	int integer;
	double min, maxabs;
};

int cf_band_scratch_init(const struct cf_band *b,
    struct cf_band_scratch *s, size_t rows);
void cf_band_scratch_release(struct cf_band_scratch *s);

/* Row r (0 <= r < H) of input channel c: W floats. */
typedef const float *(*cf_band_in_fn)(void *ctx, size_t c, size_t r);
/* Where output row i of output channel o goes: WO floats (WO doubles,
 * cast, when out64). */
typedef float *(*cf_band_out_fn)(void *ctx, size_t o, size_t i);

/* Output rows [i0, i1) (at most s->rows of them) of every channel; hint
 * may be NULL (the band's samples are looked at). */
void cf_band_run(const struct cf_band *b, struct cf_band_scratch *s,
    size_t i0, size_t i1, const struct cf_band_hint *hint, cf_band_in_fn in,
    void *ictx, cf_band_out_fn out, void *octx);

/* 1 when the depthwise kernel k (rotated 180 degrees when flip) is
 * exactly col (x) row, with col[KH] and row[KW] filled (float values). */
int cf_kernel_separable(const struct cf_kernel *k, int flip, double *col,
    double *row);

#endif
