/*
 * img.h - images as [C, H, W] tensors and rows: reading, writing, the
 * formats.
 *
 * The input format is sniffed from the first bytes, never from the name.
 * Each format lives in its own file (png.c, jpeg.c, pnm.c, npy.c, tiff.c,
 * webp.c) behind one table, cf_img_formats: callers read what a format
 * holds from its row and never branch on which format it is.
 */
#ifndef CF_IMG_H
#define CF_IMG_H

#include <stdio.h>

#include "base/tensor.h"

/* The bit of dtype t in struct cf_img_format's dtypes. */
#define CF_DTYPE_BIT(t) (1u << (t))

/*
 * An output format: one row of the table.  Formats are told apart by
 * pointer; NULL is "unknown".
 */
struct cf_img_format {
	const char *name;	/* as -f takes it: "png" */
	const char *label;	/* in messages: "PNG" */
	const char *exts[4];	/* lower case, NULL-ended; exts[0] names the
				 * outputs of a batch with -f */
	unsigned dtypes;	/* the samples it holds (CF_DTYPE_BIT) */
	size_t channels;	/* the most it holds; 0: any */
	int alpha;		/* it holds an alpha channel */
	int streams;		/* written row by row (else held till the end) */
	const struct cf_img_codec *codec;	/* io/'s own (img_int.h) */
	int variant;		/* the codec's own: which of its formats */
};

/* Every output format, in the order messages list them; name NULL ends. */
extern const struct cf_img_format cf_img_formats[];

/* The axes of a .npy image: planes [C, H, W] or interleaved [H, W, C]. */
enum cf_npy_layout {
	CF_NPY_LAYOUT_AUTO,
	CF_NPY_LAYOUT_CHW,
	CF_NPY_LAYOUT_HWC,
};

/* Limits applied right after the header, before any large allocation. */
struct cf_load_opts {
	uint64_t max_pixels;	/* width * height; 0 = no limit */
	uint32_t max_side;	/* width and height each; 0 = no limit */
	uint32_t max_scans;	/* progressive JPEG scans; 0 = no limit */
	uint64_t max_memory;	/* bytes a codec may use; 0 = no limit */
	/*
	 * Recover corrupt but usable data (libjpeg warnings such as a
	 * premature end, libpng benign errors and CRC errors in ancillary
	 * chunks) instead of failing; the loader then reports one warning.
	 */
	int lenient;
	/*
	 * Return 16-bit samples (PNG of bit depth 16, PNM of maxval > 255)
	 * as a CF_U16 tensor on 0..65535 instead of rounding them to 8 bits;
	 * PNM samples are scaled: v16 = (v * 65535 + maxval / 2) / maxval.
	 */
	int keep16;
	/* Leave an EXIF-rotated JPEG as stored (--no-auto-orient). */
	int no_auto_orient;
	/* How a 3-d .npy image is laid out (--npy-layout); AUTO reads
	 * [C, H, W] but refuses an array that looks like [H, W, C]. */
	enum cf_npy_layout npy_layout;
	/* The page of a multi-page file (TIFF) to read, 0 the first
	 * (--page); other formats have only page 0. */
	uint32_t page;
};

/*
 * Metadata carried from the input to the output (cf_img_load_meta,
 * cf_img_save_meta).  The ICC profile is at most CF_ICC_MAX bytes; a
 * larger one is dropped.  Release with cf_img_meta_release.
 */
struct cf_img_meta {
	int orientation;	/* EXIF orientation as found, 1..8; 0 none */
	unsigned char *icc;	/* ICC profile (malloc'd) or NULL */
	size_t icc_len;
};

#define CF_ICC_MAX (16u << 20)

#define CF_MAX_PIXELS_DEFAULT (128ULL * 1000 * 1000)
#define CF_MAX_SIDE_DEFAULT 65535
#define CF_MAX_SCANS_DEFAULT 100
#define CF_LOAD_OPTS_DEFAULT {						\
	.max_pixels = CF_MAX_PIXELS_DEFAULT,				\
	.max_side = CF_MAX_SIDE_DEFAULT,				\
	.max_scans = CF_MAX_SCANS_DEFAULT,				\
}

struct cf_save_opts {
	int quality;		/* JPEG quality 1..100 */
	int png_level;		/* zlib level 0..9 */
	/* Threads an encoder may use (PNG compresses in parallel); <= 1
	 * means one.  The bytes written do not depend on it. */
	int threads;
	/* JPEG: Huffman tables optimised for the image (smaller, but two
	 * passes over coefficients held for the whole image). */
	int jpeg_optimize;
	/* .npy images written [H, W, C] instead of [C, H, W]. */
	int npy_hwc;
	/* TIFF: the compression (--tiff-compression); deflate and LZW
	 * with a horizontal (or floating-point) predictor. */
	enum cf_tiff_compression {
		CF_TIFF_DEFLATE, CF_TIFF_NONE, CF_TIFF_LZW
	} tiff_compression;
	/* WebP: lossless (--lossless; quality 100 is lossless too). */
	int lossless;
};

#define CF_SAVE_OPTS_DEFAULT { .quality = 90, .png_level = 6, .threads = 1 }

/*
 * Read one image from f (a file or stdin, read sequentially: no seeking;
 * TIFF alone seeks where f can, and reads a pipe into memory first)
 * into img, a new CF_U8 [C, H, W] tensor with C in 1..4 -- or, for a
 * NumPy .npy array ([H, W] or [C, H, W], see npy.h), a CF_F32 [C, H, W]
 * tensor of any C holding the stored values unchanged (uint8 and uint16
 * as their integer values, floats as they are) -- or, for a float TIFF,
 * a CF_F32 tensor of its samples likewise.  16-bit samples
 * are reduced to 8 bits by rounding: v8 = (v16 * 255 + 32767) / 65535,
 * unless o->keep16, when img is CF_U16 instead (see struct cf_load_opts).
 * A JPEG's EXIF orientation is applied, so img is upright, unless
 * o->no_auto_orient.
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
 * cf_img_load, also filling meta (zeroed first) with the input's EXIF
 * orientation (a JPEG's APP1; already applied to img unless
 * o->no_auto_orient) and ICC profile (PNG iCCP, JPEG APP2), which the
 * caller releases with cf_img_meta_release -- also on failure.
 * Malformed metadata is ignored, never an error.
 */
int cf_img_load_meta(FILE *f, const struct cf_load_opts *o,
    struct cf_tensor *img, struct cf_img_meta *meta, char *errbuf,
    size_t errlen);

/*
 * cf_img_save, also writing meta's ICC profile where the format holds one
 * (PNG iCCP, JPEG APP2).  meta may be NULL (--strip).
 */
int cf_img_save_meta(FILE *f, const struct cf_img_format *fmt, const struct cf_tensor *img,
    const struct cf_save_opts *o, const struct cf_img_meta *meta,
    char *errbuf, size_t errlen);

void cf_img_meta_release(struct cf_img_meta *meta);

/*
 * Row-at-a-time decoding, for the engine's pipeline (engine/filter.h):
 * the header is read at open, then rows in order, then the trailer is
 * checked at finish.  Rows are interleaved samples (RGBRGB...), W * C of
 * them, of dtype: uint8_t, uint16_t or float, in native byte order.
 *
 * Some inputs are decoded whole at open instead (.npy, interlaced PNG, a
 * JPEG turned upright by its EXIF orientation): then img holds the image
 * as cf_img_load gives it, and rows are served from it.
 * cf_img_reader_read_all gives the whole image of either kind.
 */
struct cf_img_reader {
	size_t c, h, w;		/* the image's shape [C, H, W], upright */
	enum cf_dtype dtype;	/* CF_U8, CF_U16 or (.npy, float TIFF)
				 * CF_F32 samples */
	struct cf_tensor img;	/* the whole image, or empty */
	struct cf_img_rd *in;	/* io/'s own state (img_int.h) */
};

/*
 * Read the header of the image in f (sniffed as cf_img_load does) and
 * fill r, and meta (may be NULL) as cf_img_load_meta does.  Same limits,
 * errors and messages as cf_img_load.  On success the caller ends with
 * cf_img_reader_finish or cf_img_reader_close; on failure r is closed.
 */
int cf_img_reader_open(FILE *f, const struct cf_load_opts *o,
    struct cf_img_meta *meta, struct cf_img_reader *r, char *errbuf,
    size_t errlen);

/* The next n rows (in order, never past h) into buf. */
int cf_img_reader_rows(struct cf_img_reader *r, void *buf, size_t n,
    char *errbuf, size_t errlen);

/*
 * After the last row: check the rest of the stream (PNG CRCs and IEND,
 * JPEG warnings) and close r.  0 with errbuf holding one lenient warning
 * or empty; or an error with its message, as cf_img_load would fail.
 */
int cf_img_reader_finish(struct cf_img_reader *r, char *errbuf,
    size_t errlen);

/* Release r (after an error, or instead of finishing).  Idempotent. */
void cf_img_reader_close(struct cf_img_reader *r);

/* Whatever r holds, as the tensor cf_img_load would give (r finished). */
int cf_img_reader_read_all(struct cf_img_reader *r, struct cf_tensor *img,
    char *errbuf, size_t errlen);

/*
 * Row-at-a-time encoding of an image [c, h, w] of dtype samples to f as
 * fmt, rows as cf_img_reader gives them: CF_U8 for every format, CF_U16
 * but for JPEG and WebP, CF_F32 for .npy and TIFF only (which also take
 * any number of channels; .npy is written at finish, planar, WebP is
 * encoded at finish).  The header
 * (and meta's ICC profile, meta may be NULL) is written at open, rows in
 * order, and the trailer at finish, which also releases wr; on any error
 * the caller calls cf_img_writer_close.  Same checks and messages as
 * cf_img_save.
 */
struct cf_img_writer {
	size_t c, h, w;
	enum cf_dtype dtype;
	struct cf_img_wr *in;	/* io/'s own state (img_int.h) */
};

int cf_img_writer_open(FILE *f, const struct cf_img_format *fmt, size_t c, size_t h,
    size_t w, enum cf_dtype dtype, const struct cf_save_opts *o,
    const struct cf_img_meta *meta, struct cf_img_writer *wr, char *errbuf,
    size_t errlen);
int cf_img_writer_rows(struct cf_img_writer *wr, const void *buf, size_t n,
    char *errbuf, size_t errlen);
int cf_img_writer_finish(struct cf_img_writer *wr, char *errbuf,
    size_t errlen);
void cf_img_writer_close(struct cf_img_writer *wr);


/*
 * Turn img ([C, H, W], any dtype) upright for EXIF orientation 2..8 (1 and
 * anything else: unchanged): mirror, rotate, transpose.  For 5..8 H and W
 * swap.  Returns 0 or CF_ENOMEM (img unchanged).
 */
int cf_img_orient(struct cf_tensor *img, int orientation);

/*
 * Encode img ([C, H, W]) to f in format fmt, which must hold its dtype
 * and channels (fmt->dtypes, fmt->channels; PNG writes CF_U16 as bit
 * depth 16, PNM as maxval 65535, .npy CF_F32 as '<f4').  The caller has
 * already dropped alpha for formats that cannot hold it (JPEG).  Returns
 * CF_EIO with a message when a write fails, CF_ESHAPE when fmt cannot
 * hold the image.
 */
int cf_img_save(FILE *f, const struct cf_img_format *fmt, const struct cf_tensor *img,
    const struct cf_save_opts *o, char *errbuf, size_t errlen);

/*
 * The shape [C, H, W] cf_img_load would give, from the header alone (no
 * pixel is decoded; each codec's probe), checked against o.  Same messages and
 * errors as cf_img_load for what it reads.
 */
int cf_img_probe(FILE *f, const struct cf_load_opts *o, size_t *shape,
    char *errbuf, size_t errlen);

/* The format of a file name's extension (case-insensitive), or NULL. */
const struct cf_img_format *cf_img_format_from_name(const char *path);

/* The format a -f argument names (a name or an extension), or NULL. */
const struct cf_img_format *cf_img_format_parse(const char *name);

/* The formats' names into buf, separated by sep, the last two by last:
 * ("png, jpeg, pnm, pam or npy").  Returns buf. */
char *cf_img_format_list(char *buf, size_t len, const char *sep,
    const char *last);

#endif
