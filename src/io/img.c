/*
 * img.c - format sniffing and the codec table.
 *
 * The input format is told by its first bytes only.  Up to 8 bytes (the
 * PNG signature is the longest magic) are read with fread, so a pipe works
 * without seeking, and handed to the codec, which treats them as the start
 * of its stream.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "io/img_int.h"
#include "io/npy.h"

#define MAGIC_MAX 8

static int
unknown_load(FILE *f, const unsigned char *magic, size_t nmagic,
    const struct cf_load_opts *o, struct cf_tensor *img, char *errbuf,
    size_t errlen)
{
	(void)f, (void)magic, (void)nmagic, (void)o, (void)img;
	snprintf(errbuf, errlen, "not a PNG, JPEG, PNM or NPY file");
	return CF_EFORMAT;
}

static int
unknown_save(FILE *f, enum cf_format fmt, const struct cf_tensor *img,
    const struct cf_save_opts *o, char *errbuf, size_t errlen)
{
	(void)f, (void)img, (void)o;
	snprintf(errbuf, errlen, "unknown output format %d", (int)fmt);
	return CF_EINVAL;
}

/* Unknown data gets a reader that fails with a message, never NULL. */
static const struct cf_img_codec codec_unknown = {
	"unknown", unknown_load, unknown_save, NULL, NULL
};

static const struct magic {
	const char *bytes;
	size_t len;
	const struct cf_img_codec *codec;
} magics[] = {
	{ "\x89PNG\r\n\x1a\n", 8, &cf_codec_png },
	{ "\xff\xd8\xff", 3, &cf_codec_jpeg },
	{ "P5", 2, &cf_codec_pnm },
	{ "P6", 2, &cf_codec_pnm },
	{ "P7", 2, &cf_codec_pnm },
	/* Plain and bitmap PNM: the PNM reader names them as unsupported. */
	{ "P1", 2, &cf_codec_pnm },
	{ "P2", 2, &cf_codec_pnm },
	{ "P3", 2, &cf_codec_pnm },
	{ "P4", 2, &cf_codec_pnm },
	{ CF_NPY_MAGIC, CF_NPY_MAGIC_LEN, &cf_codec_npy },
};

static const struct cf_img_codec *
sniff(const unsigned char *buf, size_t n)
{
	size_t i;

	for (i = 0; i < sizeof(magics) / sizeof(magics[0]); i++)
		if (n >= magics[i].len &&
		    memcmp(buf, magics[i].bytes, magics[i].len) == 0)
			return magics[i].codec;
	return &codec_unknown;
}

static const struct cf_img_codec *
codec_for(enum cf_format fmt)
{
	switch (fmt) {
	case CF_FMT_PNG:	return &cf_codec_png;
	case CF_FMT_JPEG:	return &cf_codec_jpeg;
	case CF_FMT_PNM:
	case CF_FMT_PAM:	return &cf_codec_pnm;
	case CF_FMT_NPY:	return &cf_codec_npy;
	case CF_FMT_UNKNOWN:	break;
	}
	return &codec_unknown;
}

void
cf_img_meta_release(struct cf_img_meta *meta)
{
	free(meta->icc);
	memset(meta, 0, sizeof(*meta));
}

int
cf_img_load(FILE *f, const struct cf_load_opts *o, struct cf_tensor *img,
    char *errbuf, size_t errlen)
{
	struct cf_img_reader r;
	int err;

	memset(img, 0, sizeof(*img));
	if ((err = cf_img_reader_open(f, o, NULL, &r, errbuf, errlen)))
		return err;
	return cf_img_reader_read_all(&r, img, errbuf, errlen);
}

int
cf_img_load_meta(FILE *f, const struct cf_load_opts *o,
    struct cf_tensor *img, struct cf_img_meta *meta, char *errbuf,
    size_t errlen)
{
	struct cf_img_reader r;
	int err;

	memset(img, 0, sizeof(*img));
	if ((err = cf_img_reader_open(f, o, meta, &r, errbuf, errlen)))
		return err;
	return cf_img_reader_read_all(&r, img, errbuf, errlen);
}

/* A reader whose image is decoded: shape and depth from the tensor. */
static void
reader_whole(struct cf_img_reader *r)
{
	r->c = r->img.shape[0];
	r->h = r->img.shape[1];
	r->w = r->img.shape[2];
	r->dtype = r->img.dtype;
	r->in->rows = NULL;
	r->in->finish = NULL;
	r->in->close = NULL;
	r->in->priv = NULL;
}

/* Decode the rest of r's rows into a new tensor, and finish r. */
static int
read_rows_all(struct cf_img_reader *r, struct cf_tensor *img, char *errbuf,
    size_t errlen)
{
	size_t y, rowbytes;
	void *row = NULL;
	int err;

	if ((err = cf_tensor_init(img, r->dtype, 3,
	    (size_t[]){ r->c, r->h, r->w })) ||
	    (rowbytes = r->w * r->c * cf_dtype_size(r->dtype),
	    !(row = malloc(rowbytes)))) {
		err = err ? err : CF_ENOMEM;
		snprintf(errbuf, errlen, "%s", cf_strerror(err));
		goto fail;
	}
	for (y = 0; y < r->h; y++) {
		if ((err = r->in->rows(r, row, 1, errbuf, errlen)))
			goto fail;
		cf_tensor_row_put(img, y, row);
	}
	free(row);
	/* the trailer may still be bad (a CRC, late corrupt data) */
	if ((err = cf_img_reader_finish(r, errbuf, errlen)))
		cf_tensor_release(img);
	return err;
fail:
	free(row);
	cf_tensor_release(img);
	cf_img_reader_close(r);
	return err;
}

int
cf_img_reader_open(FILE *f, const struct cf_load_opts *o,
    struct cf_img_meta *meta, struct cf_img_reader *r, char *errbuf,
    size_t errlen)
{
	static const struct cf_load_opts defaults = CF_LOAD_OPTS_DEFAULT;
	const struct cf_img_codec *codec;
	struct cf_load_opts lo;
	struct cf_img_meta local;
	struct cf_tensor img;
	unsigned char magic[MAGIC_MAX];
	size_t n;
	int err, orientation;

	memset(r, 0, sizeof(*r));
	lo = o ? *o : defaults;
	if (errlen)
		errbuf[0] = '\0';
	memset(&local, 0, sizeof(local));
	if (meta)
		memset(meta, 0, sizeof(*meta));
	if (!(r->in = calloc(1, sizeof(*r->in)))) {
		snprintf(errbuf, errlen, "out of memory");
		return CF_ENOMEM;
	}
	r->in->want_icc = meta != NULL;
	r->in->meta = meta ? meta : &local;
	r->in->lenient = lo.lenient;
	/* fread keeps reading a pipe until it has MAGIC_MAX bytes or EOF. */
	n = fread(magic, 1, sizeof(magic), f);
	if (n < sizeof(magic) && ferror(f)) {
		snprintf(errbuf, errlen, "read error: %s", strerror(errno));
		err = CF_EIO;
		goto out;
	}
	if (n == 0) {
		snprintf(errbuf, errlen, "empty input");
		err = CF_EFORMAT;
		goto out;
	}
	codec = sniff(magic, n);
	if (codec->open_reader)
		err = codec->open_reader(f, magic, n, &lo, r, errbuf, errlen);
	else
		err = codec->load(f, magic, n, &lo, &r->img, errbuf, errlen);
	/* A codec may decode whole (interlaced PNG): then like load. */
	if (!err && r->img.data) {
		if (r->in->close)
			r->in->close(r);
		reader_whole(r);
		if (errlen)
			snprintf(r->in->note, sizeof(r->in->note), "%s",
			    errbuf);
	}
	if (err)
		goto out;
	/* Turned upright here, for every codec: decoded whole. */
	orientation = r->in->meta->orientation;
	if (!lo.no_auto_orient && orientation > 1 && orientation <= 8) {
		if (!r->img.data) {
			if ((err = read_rows_all(r, &img, errbuf, errlen)))
				goto out;
			/* read_rows_all finished and closed r */
			if (!(r->in = calloc(1, sizeof(*r->in)))) {
				cf_tensor_release(&img);
				snprintf(errbuf, errlen, "out of memory");
				err = CF_ENOMEM;
				goto out;
			}
			r->in->lenient = lo.lenient;
			snprintf(r->in->note, sizeof(r->in->note), "%s",
			    errlen ? errbuf : "");
			r->img = img;
		}
		if ((err = cf_img_orient(&r->img, orientation))) {
			snprintf(errbuf, errlen, "out of memory");
			goto out;
		}
		reader_whole(r);
	}
	r->in->meta = NULL;	/* the caller's, or local: gone */
	err = 0;
out:
	if (err) {
		cf_img_reader_close(r);
		if (meta)
			cf_img_meta_release(meta);
	}
	if (!meta)
		cf_img_meta_release(&local);
	return err;
}

int
cf_img_reader_rows(struct cf_img_reader *r, void *buf, size_t n,
    char *errbuf, size_t errlen)
{
	size_t rowbytes = r->w * r->c * cf_dtype_size(r->dtype), i;

	if (r->in && r->in->rows)
		return r->in->rows(r, buf, n, errbuf, errlen);
	/* decoded whole: the rows of the tensor */
	if (!r->in || !r->img.data || n > r->h - r->in->y) {
		snprintf(errbuf, errlen, "no rows to read");
		return CF_EINVAL;
	}
	for (i = 0; i < n; i++, r->in->y++)
		cf_tensor_row_get(&r->img, r->in->y,
		    (unsigned char *)buf + i * rowbytes);
	return 0;
}

int
cf_img_reader_finish(struct cf_img_reader *r, char *errbuf, size_t errlen)
{
	int err = 0;

	if (errlen)
		errbuf[0] = '\0';
	if (!r->in)
		return 0;
	if (r->in->finish)
		err = r->in->finish(r, errbuf, errlen);
	else if (errlen)
		snprintf(errbuf, errlen, "%s", r->in->note);
	/* A success leaves a message only as a lenient warning. */
	if (!err && !r->in->lenient && errlen)
		errbuf[0] = '\0';
	cf_img_reader_close(r);
	return err;
}

void
cf_img_reader_close(struct cf_img_reader *r)
{
	if (r->in && r->in->close)
		r->in->close(r);
	free(r->in);
	r->in = NULL;
	cf_tensor_release(&r->img);
}

int
cf_img_reader_read_all(struct cf_img_reader *r, struct cf_tensor *img,
    char *errbuf, size_t errlen)
{
	int err;

	if (!r->img.data)
		return read_rows_all(r, img, errbuf, errlen);
	*img = r->img;
	memset(&r->img, 0, sizeof(r->img));
	if ((err = cf_img_reader_finish(r, errbuf, errlen)))
		cf_tensor_release(img);
	return err;
}

/* Check that fmt can hold an image of c channels of dtype. */
static int
check_save(enum cf_format fmt, size_t c, size_t h, size_t w,
    enum cf_dtype dtype, char *errbuf, size_t errlen)
{
	if (fmt == CF_FMT_NPY && dtype != CF_U16 && c && h && w)
		return 0;
	if (dtype == CF_F32 || (dtype == CF_U16 && fmt == CF_FMT_JPEG) ||
	    c < 1 || !h || !w ||
	    (c > 4 && fmt != CF_FMT_PAM && fmt != CF_FMT_PNM)) {
		snprintf(errbuf, errlen, "cannot save a tensor that is not "
		    "an 8-bit (or, but for JPEG, 16-bit) image of 1 to 4 "
		    "channels");
		return CF_ESHAPE;
	}
	return 0;
}

int
cf_img_format_streams(enum cf_format fmt)
{
	return codec_for(fmt)->open_writer != NULL && fmt != CF_FMT_NPY;
}

/* .npy has no row writer: its rows fill a tensor, saved at finish. */
struct held {
	FILE *f;
	const struct cf_img_codec *codec;
	struct cf_tensor t;
	size_t y;
};

static int
held_rows(struct cf_img_writer *wr, const void *buf, size_t n, char *errbuf,
    size_t errlen)
{
	struct held *h = wr->in->priv;
	size_t rowbytes = wr->w * wr->c * cf_dtype_size(wr->dtype), i;

	if (n > wr->h - h->y) {
		snprintf(errbuf, errlen, "more rows than the image has");
		return CF_EINVAL;
	}
	for (i = 0; i < n; i++)
		cf_tensor_row_put(&h->t, h->y++, (const unsigned char *)buf +
		    i * rowbytes);
	return 0;
}

static int
held_finish(struct cf_img_writer *wr, char *errbuf, size_t errlen)
{
	struct held *h = wr->in->priv;

	return h->codec->save(h->f, CF_FMT_NPY, &h->t, NULL, errbuf, errlen);
}

static void
held_close(struct cf_img_writer *wr)
{
	struct held *h = wr->in->priv;

	if (h)
		cf_tensor_release(&h->t);
	free(h);
	wr->in->priv = NULL;
}

static int
held_open(FILE *f, const struct cf_img_codec *codec,
    struct cf_img_writer *wr, char *errbuf, size_t errlen)
{
	struct held *h;
	int err;

	if (!(h = calloc(1, sizeof(*h)))) {
		snprintf(errbuf, errlen, "out of memory");
		return CF_ENOMEM;
	}
	wr->in->priv = h;
	wr->in->rows = held_rows;
	wr->in->finish = held_finish;
	wr->in->close = held_close;
	h->f = f;
	h->codec = codec;
	if ((err = cf_tensor_init(&h->t, wr->dtype, 3, (size_t[]){ wr->c,
	    wr->h, wr->w }))) {
		snprintf(errbuf, errlen, "%s", cf_strerror(err));
		return err;
	}
	return 0;
}

int
cf_img_writer_open(FILE *f, enum cf_format fmt, size_t c, size_t h,
    size_t w, enum cf_dtype dtype, const struct cf_save_opts *o,
    const struct cf_img_meta *meta, struct cf_img_writer *wr, char *errbuf,
    size_t errlen)
{
	static const struct cf_save_opts defaults = CF_SAVE_OPTS_DEFAULT;
	struct cf_save_opts so = o ? *o : defaults;
	int err;

	memset(wr, 0, sizeof(*wr));
	if ((err = check_save(fmt, c, h, w, dtype, errbuf, errlen)))
		return err;
	if (!(wr->in = calloc(1, sizeof(*wr->in)))) {
		snprintf(errbuf, errlen, "out of memory");
		return CF_ENOMEM;
	}
	wr->in->meta = meta;
	wr->c = c;
	wr->h = h;
	wr->w = w;
	wr->dtype = dtype;
	if (codec_for(fmt)->open_writer)
		err = codec_for(fmt)->open_writer(f, fmt, &so, wr, errbuf,
		    errlen);
	else
		err = held_open(f, codec_for(fmt), wr, errbuf, errlen);
	if (err)
		cf_img_writer_close(wr);
	return err;
}

int
cf_img_writer_rows(struct cf_img_writer *wr, const void *buf, size_t n,
    char *errbuf, size_t errlen)
{
	return wr->in->rows(wr, buf, n, errbuf, errlen);
}

int
cf_img_writer_finish(struct cf_img_writer *wr, char *errbuf, size_t errlen)
{
	int err = wr->in->finish(wr, errbuf, errlen);

	cf_img_writer_close(wr);
	return err;
}

void
cf_img_writer_close(struct cf_img_writer *wr)
{
	if (wr->in && wr->in->close)
		wr->in->close(wr);
	free(wr->in);
	wr->in = NULL;
}

/* cf_img_save through a codec's row writer. */
static int
save_rows(FILE *f, enum cf_format fmt, const struct cf_tensor *img,
    const struct cf_save_opts *o, const struct cf_img_meta *meta,
    char *errbuf, size_t errlen)
{
	struct cf_img_writer wr;
	size_t y, bytes = cf_dtype_size(img->dtype);
	void *row;
	int err;

	if (!(row = malloc(img->shape[0] * img->shape[2] * bytes))) {
		snprintf(errbuf, errlen, "out of memory");
		return CF_ENOMEM;
	}
	if ((err = cf_img_writer_open(f, fmt, img->shape[0], img->shape[1],
	    img->shape[2], img->dtype, o, meta, &wr, errbuf,
	    errlen)))
		goto out;
	for (y = 0; y < img->shape[1]; y++) {
		cf_tensor_row_get(img, y, row);
		if ((err = cf_img_writer_rows(&wr, row, 1, errbuf, errlen))) {
			cf_img_writer_close(&wr);
			goto out;
		}
	}
	err = cf_img_writer_finish(&wr, errbuf, errlen);
out:
	free(row);
	return err;
}

int
cf_img_save(FILE *f, enum cf_format fmt, const struct cf_tensor *img,
    const struct cf_save_opts *o, char *errbuf, size_t errlen)
{
	return cf_img_save_meta(f, fmt, img, o, NULL, errbuf, errlen);
}

int
cf_img_save_meta(FILE *f, enum cf_format fmt, const struct cf_tensor *img,
    const struct cf_save_opts *o, const struct cf_img_meta *meta,
    char *errbuf, size_t errlen)
{
	static const struct cf_save_opts defaults = CF_SAVE_OPTS_DEFAULT;
	int err;

	if (!o)
		o = &defaults;
	/* .npy holds any tensor: float or 8-bit, any channel count */
	if (fmt == CF_FMT_NPY)
		return cf_codec_npy.save(f, fmt, img, o, errbuf, errlen);
	/* PAM (and pnm, which writes PAM then) holds any depth */
	if ((img->dtype != CF_U8 && img->dtype != CF_U16) ||
	    img->ndim != 3) {
		snprintf(errbuf, errlen, "cannot save a tensor that is not "
		    "an 8-bit (or, but for JPEG, 16-bit) image of 1 to 4 "
		    "channels");
		return CF_ESHAPE;
	}
	if ((err = check_save(fmt, img->shape[0], img->shape[1],
	    img->shape[2], img->dtype, errbuf, errlen)))
		return err;
	if (!codec_for(fmt)->open_writer)
		return codec_for(fmt)->save(f, fmt, img, o, errbuf, errlen);
	return save_rows(f, fmt, img, o, meta, errbuf, errlen);
}

enum cf_format
cf_img_format_from_name(const char *path)
{
	static const struct {
		const char *ext;
		enum cf_format fmt;
	} exts[] = {
		{ "png", CF_FMT_PNG }, { "jpg", CF_FMT_JPEG },
		{ "jpeg", CF_FMT_JPEG }, { "pgm", CF_FMT_PNM },
		{ "ppm", CF_FMT_PNM }, { "pnm", CF_FMT_PNM },
		{ "pam", CF_FMT_PAM }, { "npy", CF_FMT_NPY },
	};
	const char *dot, *slash;
	size_t i;

	if (!path || !(dot = strrchr(path, '.')))
		return CF_FMT_UNKNOWN;
	/* A dot in a directory name is not an extension. */
	if ((slash = strrchr(path, '/')) && slash > dot)
		return CF_FMT_UNKNOWN;
	for (i = 0; i < sizeof(exts) / sizeof(exts[0]); i++)
		if (strcasecmp(dot + 1, exts[i].ext) == 0)
			return exts[i].fmt;
	return CF_FMT_UNKNOWN;
}

enum cf_format
cf_img_format_parse(const char *name)
{
	if (!name)
		return CF_FMT_UNKNOWN;
	if (strcasecmp(name, "png") == 0)
		return CF_FMT_PNG;
	if (strcasecmp(name, "jpeg") == 0 || strcasecmp(name, "jpg") == 0)
		return CF_FMT_JPEG;
	if (strcasecmp(name, "pnm") == 0)
		return CF_FMT_PNM;
	if (strcasecmp(name, "pam") == 0)
		return CF_FMT_PAM;
	if (strcasecmp(name, "npy") == 0)
		return CF_FMT_NPY;
	return CF_FMT_UNKNOWN;
}

int
cf_img_format_has_alpha(enum cf_format fmt)
{
	return fmt == CF_FMT_PNG || fmt == CF_FMT_PNM || fmt == CF_FMT_PAM ||
	    fmt == CF_FMT_NPY;
}
