/*
 * img_int.h - io/'s own: the codec table's row type, the state behind a
 * reader and a writer, and what the codecs share (img_util.c).  Only
 * io/ includes it.
 */
#ifndef CF_IMG_INT_H
#define CF_IMG_INT_H

#include "io/img.h"

/* Behind struct cf_img_reader: the codec's row functions and state. */
struct cf_img_rd {
	/* set by the codec at open (NULL when it decoded the image whole) */
	int (*rows)(struct cf_img_reader *r, void *buf, size_t n,
	    char *errbuf, size_t errlen);
	int (*finish)(struct cf_img_reader *r, char *errbuf, size_t errlen);
	void (*close)(struct cf_img_reader *r);
	void *priv;
	/* set by img.c before the codec opens: where the codec stores the
	 * metadata it finds (never NULL), whether to read an ICC profile */
	struct cf_img_meta *meta;
	int want_icc;
	int lenient;
	char note[256];		/* a lenient warning from a whole decode */
	size_t y;		/* rows served from a whole image */
};

/* Behind struct cf_img_writer. */
struct cf_img_wr {
	int (*rows)(struct cf_img_writer *wr, const void *buf, size_t n,
	    char *errbuf, size_t errlen);
	int (*finish)(struct cf_img_writer *wr, char *errbuf, size_t errlen);
	void (*close)(struct cf_img_writer *wr);
	void *priv;
	const struct cf_img_meta *meta;	/* the ICC profile to write, or NULL */
};

/*
 * A header's bytes for a probe: the magic bytes already read, then f,
 * sequentially (img_util.c).
 */
struct cf_img_peek {
	FILE *f;
	const unsigned char *pre;
	size_t npre, ipre;
};

int cf_img_peek_byte(struct cf_img_peek *p);	/* EOF at the end */
int cf_img_peek_read(struct cf_img_peek *p, unsigned char *b, size_t n);
int cf_img_peek_skip(struct cf_img_peek *p, unsigned long n);

/*
 * A codec: one file's entry points, reached only through the format
 * table (img.c).  A codec has load or open_reader (img.c builds the
 * other from it), and save or open_writer likewise; every reader has a
 * magic test and a probe.
 */
struct cf_img_codec {
	/* Whether the first n (up to 8) bytes b start one of its files. */
	int (*magic)(const unsigned char *b, size_t n);
	/* magic: the first nmagic bytes, already consumed from f */
	int (*load)(FILE *f, const unsigned char *magic, size_t nmagic,
	    const struct cf_load_opts *o, struct cf_tensor *img,
	    char *errbuf, size_t errlen);
	int (*save)(FILE *f, const struct cf_img_format *fmt,
	    const struct cf_tensor *img, const struct cf_save_opts *o,
	    char *errbuf, size_t errlen);
	/* Fill r (shape, dtype, the row functions) after the header. */
	int (*open_reader)(FILE *f, const unsigned char *magic,
	    size_t nmagic, const struct cf_load_opts *o,
	    struct cf_img_reader *r, char *errbuf, size_t errlen);
	/* wr->c, h, w, dtype are set; wr->in->meta is the ICC profile. */
	int (*open_writer)(FILE *f, const struct cf_img_format *fmt,
	    const struct cf_save_opts *o, struct cf_img_writer *wr,
	    char *errbuf, size_t errlen);
	/* The shape [C, H, W] the reader would give, from the header. */
	int (*probe)(struct cf_img_peek *p, const struct cf_load_opts *o,
	    size_t *shape, char *errbuf, size_t errlen);
	/* Its files hold pages (o->page picks one); else --page > 0 is
	 * an error. */
	int pages;
};

extern const struct cf_img_codec cf_codec_png;
extern const struct cf_img_codec cf_codec_jpeg;
extern const struct cf_img_codec cf_codec_pnm;
extern const struct cf_img_codec cf_codec_npy;
extern const struct cf_img_codec cf_codec_tiff;
extern const struct cf_img_codec cf_codec_webp;

/* Shared by the codecs: the EXIF orientation (1..8) in an APP1 payload
 * of n bytes ("Exif\0\0" and a TIFF header), 0 when none or malformed;
 * every read is bounds-checked. */
int cf_img_exif_orientation(const unsigned char *app1, size_t n);

/* Shared by the codecs: check w, h against o, write a message, return
 * CF_EOVERFLOW or 0.  Zero dimensions are CF_EFORMAT. */
int cf_img_check_size(uint64_t w, uint64_t h, const struct cf_load_opts *o,
    char *errbuf, size_t errlen);

#endif
