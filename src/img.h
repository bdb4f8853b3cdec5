/*
 * img.h - loading and saving images as [C, H, W] CF_U8 tensors.
 *
 * The input format is sniffed from the first bytes (PNG, JPEG, binary PNM:
 * P5, P6, P7), never from the name.  Each format lives in its own module
 * (img_png.c, img_jpeg.c, img_pnm.c) behind the table in img.c, so callers
 * never branch on format.
 */
#ifndef CF_IMG_H
#define CF_IMG_H

#include <stdio.h>

#include "tensor.h"

enum cf_format {
	CF_FMT_UNKNOWN = 0,
	CF_FMT_PNG,
	CF_FMT_JPEG,
	CF_FMT_PNM,	/* P5/P6 for 1/3 channels, P7 (PAM) otherwise */
	CF_FMT_PAM,	/* always P7 */
	CF_FMT_NPY,	/* NumPy .npy: float32 or uint8, any channels */
};

/* Limits applied right after the header, before any large allocation. */
struct cf_load_opts {
	uint64_t max_pixels;	/* width * height; 0 = no limit */
	uint32_t max_side;	/* width and height each; 0 = no limit */
	uint32_t max_scans;	/* progressive JPEG scans; 0 = no limit */
	/*
	 * Recover corrupt but usable data (libjpeg warnings such as a
	 * premature end, libpng benign errors and CRC errors in ancillary
	 * chunks) instead of failing; the loader then reports one warning.
	 */
	int lenient;
};

#define CF_MAX_PIXELS_DEFAULT (128ULL * 1000 * 1000)
#define CF_MAX_SIDE_DEFAULT 65535
#define CF_MAX_SCANS_DEFAULT 100
#define CF_LOAD_OPTS_DEFAULT { CF_MAX_PIXELS_DEFAULT, CF_MAX_SIDE_DEFAULT, \
	CF_MAX_SCANS_DEFAULT, 0 }

struct cf_save_opts {
	int quality;		/* JPEG quality 1..100 */
	int png_level;		/* zlib level 0..9 */
};

#define CF_SAVE_OPTS_DEFAULT { 90, 6 }

/*
 * Read one image from f (a file or stdin, read sequentially: no seeking)
 * into img, a new CF_U8 [C, H, W] tensor with C in 1..4 -- or, for a
 * NumPy .npy array ([H, W] or [C, H, W], see npy.h), a CF_F32 [C, H, W]
 * tensor of any C holding the stored values unchanged (uint8 and uint16
 * as their integer values, floats as they are).  16-bit samples
 * are reduced to 8 bits by rounding: v8 = (v16 * 255 + 32767) / 65535.
 * On failure returns a cf_err, writes a one-line lower-case message
 * without the file name to errbuf ("truncated PNG data", "not a PNG,
 * JPEG, PNM or NPY file"), and leaves img empty.  Truncated or corrupt
 * data is an error, never silently filled -- unless o->lenient, when
 * what can be recovered loads and errbuf holds one warning on success
 * (empty when there was nothing to recover).
 */
int cf_img_load(FILE *f, const struct cf_load_opts *o, struct cf_tensor *img,
    char *errbuf, size_t errlen);

/*
 * Encode img (CF_U8 [C, H, W], C in 1..4) to f in format fmt.  CF_FMT_NPY
 * also takes CF_F32 and any number of channels.  The caller
 * has already dropped alpha for formats that cannot hold it (JPEG).
 * Returns CF_EIO with a message when a write fails, CF_ESHAPE when fmt
 * cannot hold C channels.
 */
int cf_img_save(FILE *f, enum cf_format fmt, const struct cf_tensor *img,
    const struct cf_save_opts *o, char *errbuf, size_t errlen);

/*
 * The shape [C, H, W] cf_img_load would give, from the header alone (no
 * pixel is decoded; img_probe.c), checked against o.  Same messages and
 * errors as cf_img_load for what it reads.
 */
int cf_img_probe(FILE *f, const struct cf_load_opts *o, size_t *shape,
    char *errbuf, size_t errlen);

/*
 * The format implied by a file name's extension (case-insensitive):
 * .png, .jpg/.jpeg, .pgm/.ppm/.pnm, .pam, .npy.  CF_FMT_UNKNOWN otherwise.
 */
enum cf_format cf_img_format_from_name(const char *path);

/* The format named by a -f argument: png, jpeg/jpg, pnm, pam, npy. */
enum cf_format cf_img_format_parse(const char *name);

/* Whether fmt can store an alpha channel. */
int cf_img_format_has_alpha(enum cf_format fmt);

/* Per-format entry points, called only through img.c's table. */
struct cf_img_codec {
	const char *name;
	/* magic: the first nmagic bytes, already consumed from f */
	int (*load)(FILE *f, const unsigned char *magic, size_t nmagic,
	    const struct cf_load_opts *o, struct cf_tensor *img,
	    char *errbuf, size_t errlen);
	int (*save)(FILE *f, enum cf_format fmt, const struct cf_tensor *img,
	    const struct cf_save_opts *o, char *errbuf, size_t errlen);
};

extern const struct cf_img_codec cf_codec_png;
extern const struct cf_img_codec cf_codec_jpeg;
extern const struct cf_img_codec cf_codec_pnm;
extern const struct cf_img_codec cf_codec_npy;

/* Shared by the codecs: check w, h against o, write a message, return
 * CF_EOVERFLOW or 0.  Zero dimensions are CF_EFORMAT. */
int cf_img_check_size(uint64_t w, uint64_t h, const struct cf_load_opts *o,
    char *errbuf, size_t errlen);

#endif
