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

#define B CF_DTYPE_BIT

/*
 * The formats.  Reading is by magic bytes, through each row's codec;
 * writing by the row named.  A new format is a codec file, a row here
 * and a word in the Makefile.
 */
const struct cf_img_format cf_img_formats[] = {
	{ .name = "png", .label = "PNG",
	  .exts = { "png" }, .dtypes = B(CF_U8) | B(CF_U16),
	  .channels = 4, .alpha = 1, .streams = 1, .codec = &cf_codec_png },
	{ .name = "jpeg", .label = "JPEG",
	  .exts = { "jpg", "jpeg" }, .dtypes = B(CF_U8),
	  .channels = 4, .streams = 1, .codec = &cf_codec_jpeg },
	/* P5/P6 for gray and RGB, else P7 (PAM) */
	{ .name = "pnm", .label = "PNM",
	  .exts = { "pnm", "pgm", "ppm" },
	  .dtypes = B(CF_U8) | B(CF_U16), .alpha = 1, .streams = 1,
	  .codec = &cf_codec_pnm },
	{ .name = "pam", .label = "PAM",
	  .exts = { "pam" }, .dtypes = B(CF_U8) | B(CF_U16),
	  .alpha = 1, .streams = 1, .codec = &cf_codec_pnm, .variant = 1 },
	{ .name = "npy", .label = "NPY",
	  .exts = { "npy" }, .dtypes = B(CF_U8) | B(CF_F32),
	  .alpha = 1, .codec = &cf_codec_npy },
	/* floats only from float input (cli/pipeline.c) */
	{ .name = "tiff", .label = "TIFF", .exts = { "tif", "tiff" },
	  .dtypes = B(CF_U8) | B(CF_U16) | B(CF_F32), .alpha = 1,
	  .streams = 1, .codec = &cf_codec_tiff },
	{ .name = "webp", .label = "WebP", .exts = { "webp" },
	  .dtypes = B(CF_U8), .channels = 4, .alpha = 1,
	  .codec = &cf_codec_webp },
	{ .name = NULL },
};

/* The codec whose magic the first n bytes of buf are, or NULL. */
static const struct cf_img_codec *
sniff(const unsigned char *buf, size_t n)
{
	const struct cf_img_format *f;

	for (f = cf_img_formats; f->name; f++)
		if (f->codec->magic && f->codec->magic(buf, n))
			return f->codec;
	return NULL;
}

/* --page N past 0 for a codec whose files have one page: a message. */
static int
one_page(const struct cf_img_codec *codec, uint32_t page, char *errbuf,
    size_t errlen)
{
	const struct cf_img_format *f;

	if (!page || codec->pages)
		return 0;
	for (f = cf_img_formats; f->name && f->codec != codec; f++)
		;
	snprintf(errbuf, errlen, "--page %" PRIu32 ": %s files have one "
	    "page (0)", page, f->name ? f->label : "its");
	return CF_EINVAL;
}

/* "not a PNG, JPEG, PNM, NPY, TIFF or WebP file": every codec that reads, by the
 * label of its first format. */
static void
not_known(char *errbuf, size_t errlen)
{
	const struct cf_img_format *f, *g;
	const char *label[16];
	size_t n = 0, i, len;

	for (f = cf_img_formats; f->name && n < 16; f++) {
		for (g = cf_img_formats; g < f && g->codec != f->codec; g++)
			;
		if (g == f && f->codec->magic)
			label[n++] = f->label;
	}
	len = (size_t)snprintf(errbuf, errlen, "not a");
	for (i = 0; i < n && len < errlen; i++)
		len += (size_t)snprintf(errbuf + len, errlen - len, "%s%s",
		    i == 0 ? " " : i + 1 == n ? " or " : ", ", label[i]);
	if (len < errlen)
		snprintf(errbuf + len, errlen - len, " file");
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
	if (!(codec = sniff(magic, n))) {
		not_known(errbuf, errlen);
		err = CF_EFORMAT;
		goto out;
	}
	if ((err = one_page(codec, lo.page, errbuf, errlen)))
		goto out;
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
check_save(const struct cf_img_format *fmt, size_t c, size_t h, size_t w,
    enum cf_dtype dtype, char *errbuf, size_t errlen)
{
	static const char *const type[] = { "8-bit", "float", "16-bit" };

	if (!(fmt->dtypes & CF_DTYPE_BIT(dtype)) || c < 1 || !h || !w ||
	    (fmt->channels && c > fmt->channels)) {
		snprintf(errbuf, errlen, "%s cannot hold a %s image of %zu "
		    "channel%s", fmt->name, type[dtype], c, c == 1 ? "" : "s");
		return CF_ESHAPE;
	}
	return 0;
}

/* .npy has no row writer: its rows fill a tensor, saved at finish. */
struct held {
	FILE *f;
	const struct cf_img_format *fmt;
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

	return h->fmt->codec->save(h->f, h->fmt, &h->t, NULL, errbuf, errlen);
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
held_open(FILE *f, const struct cf_img_format *fmt,
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
	h->fmt = fmt;
	if ((err = cf_tensor_init(&h->t, wr->dtype, 3, (size_t[]){ wr->c,
	    wr->h, wr->w }))) {
		snprintf(errbuf, errlen, "%s", cf_strerror(err));
		return err;
	}
	return 0;
}

int
cf_img_writer_open(FILE *f, const struct cf_img_format *fmt, size_t c, size_t h,
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
	if (fmt->codec->open_writer)
		err = fmt->codec->open_writer(f, fmt, &so, wr, errbuf, errlen);
	else
		err = held_open(f, fmt, wr, errbuf, errlen);
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
save_rows(FILE *f, const struct cf_img_format *fmt, const struct cf_tensor *img,
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
cf_img_save(FILE *f, const struct cf_img_format *fmt, const struct cf_tensor *img,
    const struct cf_save_opts *o, char *errbuf, size_t errlen)
{
	return cf_img_save_meta(f, fmt, img, o, NULL, errbuf, errlen);
}

int
cf_img_save_meta(FILE *f, const struct cf_img_format *fmt, const struct cf_tensor *img,
    const struct cf_save_opts *o, const struct cf_img_meta *meta,
    char *errbuf, size_t errlen)
{
	static const struct cf_save_opts defaults = CF_SAVE_OPTS_DEFAULT;
	int err;

	if (!o)
		o = &defaults;
	if (img->ndim != 3) {
		snprintf(errbuf, errlen, "cannot save a %d-d tensor as an "
		    "image", img->ndim);
		return CF_ESHAPE;
	}
	if ((err = check_save(fmt, img->shape[0], img->shape[1],
	    img->shape[2], img->dtype, errbuf, errlen)))
		return err;
	if (!fmt->codec->open_writer)
		return fmt->codec->save(f, fmt, img, o, errbuf, errlen);
	return save_rows(f, fmt, img, o, meta, errbuf, errlen);
}

const struct cf_img_format *
cf_img_format_from_name(const char *path)
{
	const char *dot, *slash;

	if (!path || !(dot = strrchr(path, '.')))
		return NULL;
	/* A dot in a directory name is not an extension. */
	if ((slash = strrchr(path, '/')) && slash > dot)
		return NULL;
	return cf_img_format_parse(dot + 1);
}

const struct cf_img_format *
cf_img_format_parse(const char *name)
{
	const struct cf_img_format *f;
	size_t i;

	for (f = cf_img_formats; name && f->name; f++) {
		if (!strcasecmp(name, f->name))
			return f;
		for (i = 0; f->exts[i]; i++)
			if (!strcasecmp(name, f->exts[i]))
				return f;
	}
	return NULL;
}

char *
cf_img_format_list(char *buf, size_t len, const char *sep, const char *last)
{
	const struct cf_img_format *f;
	size_t n = 0;

	if (len)
		buf[0] = '\0';
	for (f = cf_img_formats; f->name && n < len; f++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s",
		    f == cf_img_formats ? "" : f[1].name ? sep : last,
		    f->name);
	return buf;
}

int
cf_img_probe(FILE *f, const struct cf_load_opts *o, size_t *shape,
    char *errbuf, size_t errlen)
{
	const struct cf_img_codec *codec;
	unsigned char magic[MAGIC_MAX];
	struct cf_img_peek p = { f, magic, 0, 0 };
	int err;

	p.npre = fread(magic, 1, sizeof(magic), f);
	if (p.npre == 0) {
		snprintf(errbuf, errlen, ferror(f) ? "read error" :
		    "empty input");
		return ferror(f) ? CF_EIO : CF_EFORMAT;
	}
	if (!(codec = sniff(magic, p.npre))) {
		not_known(errbuf, errlen);
		return CF_EFORMAT;
	}
	if ((err = one_page(codec, o ? o->page : 0, errbuf, errlen)))
		return err;
	if ((err = codec->probe(&p, o, shape, errbuf, errlen)))
		return err;
	return cf_img_check_size(shape[2], shape[1], o, errbuf, errlen);
}
