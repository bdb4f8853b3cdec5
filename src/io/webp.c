/*
 * webp.c - WebP through libwebp: lossy and lossless, with alpha, and the
 * ICC profile (the ICCP chunk, through libwebpmux and libwebpdemux).
 *
 * WebP is whole-image by nature: the reader checks the size in the
 * header, then reads the file and decodes it at open, serving rows from
 * the decoded pixels; the writer holds the rows and encodes at finish.
 * A side is at most 16383 pixels (WEBP_MAX_DIMENSION).  Animated WebP
 * is refused.  Gray is written as RGB; the reader gives RGB or RGBA.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <webp/decode.h>
#include <webp/demux.h>
#include <webp/encode.h>
#include <webp/mux.h>

#include "io/img_int.h"

/* The bytes WebPGetFeatures needs at most (RIFF, VP8X and a frame). */
#define HEAD 64

/* A RIFF chunk size, little endian. */
static uint32_t
le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

/* Check a header's features: no animation, the size within o. */
static int
check_features(const unsigned char *b, size_t n, const struct cf_load_opts *o,
    WebPBitstreamFeatures *ft, char *errbuf, size_t errlen)
{
	VP8StatusCode st = WebPGetFeatures(b, n, ft);

	if (st == VP8_STATUS_NOT_ENOUGH_DATA) {
		snprintf(errbuf, errlen, "truncated WebP header");
		return CF_EFORMAT;
	}
	if (st != VP8_STATUS_OK) {
		snprintf(errbuf, errlen, "invalid WebP header");
		return CF_EFORMAT;
	}
	if (ft->has_animation) {
		snprintf(errbuf, errlen, "animated WebP is not supported");
		return CF_EFORMAT;
	}
	return cf_img_check_size((uint64_t)ft->width, (uint64_t)ft->height,
	    o, errbuf, errlen);
}

/* The reader: the decoded, interleaved image. */
struct wrd {
	unsigned char *px;
	size_t rowbytes;
	size_t y;
};

static void
webp_close_reader(struct cf_img_reader *r)
{
	struct wrd *p = r->in->priv;

	if (!p)
		return;
	WebPFree(p->px);
	free(p);
	r->in->priv = NULL;
}

static int
webp_rows(struct cf_img_reader *r, void *buf, size_t n, char *errbuf,
    size_t errlen)
{
	struct wrd *p = r->in->priv;

	if (n > r->h - p->y) {
		snprintf(errbuf, errlen, "read past the last row");
		return CF_EINVAL;
	}
	memcpy(buf, p->px + p->y * p->rowbytes, n * p->rowbytes);
	p->y += n;
	return 0;
}

static int
webp_finish(struct cf_img_reader *r, char *errbuf, size_t errlen)
{
	(void)r, (void)errbuf, (void)errlen;
	return 0;
}

/* The ICC profile of a VP8X file, when there is one. */
static void
read_icc(const unsigned char *data, size_t len, struct cf_img_meta *m)
{
	WebPData wd = { data, len };
	WebPChunkIterator it;
	WebPDemuxer *dm;

	if (!(dm = WebPDemux(&wd)))
		return;
	if ((WebPDemuxGetI(dm, WEBP_FF_FORMAT_FLAGS) & ICCP_FLAG) &&
	    WebPDemuxGetChunk(dm, "ICCP", 1, &it)) {
		if (it.chunk.size > 0 && it.chunk.size <= CF_ICC_MAX &&
		    (m->icc = malloc(it.chunk.size))) {
			memcpy(m->icc, it.chunk.bytes, it.chunk.size);
			m->icc_len = it.chunk.size;
		}
		WebPDemuxReleaseChunkIterator(&it);
	}
	WebPDemuxDelete(dm);
}

static int
webp_open_reader(FILE *f, const unsigned char *magic, size_t nmagic,
    const struct cf_load_opts *o, struct cf_img_reader *r, char *errbuf,
    size_t errlen)
{
	WebPBitstreamFeatures ft;
	struct wrd *p = NULL;
	unsigned char *data = NULL;
	size_t len, total, got;
	int err;

	/* RIFF size WEBP: the file is the size + 8 */
	if (!(data = malloc(HEAD)))
		goto nomem;
	memcpy(data, magic, nmagic);
	len = nmagic + fread(data + nmagic, 1, HEAD - nmagic, f);
	if (len < 12) {
		snprintf(errbuf, errlen, "truncated WebP header");
		err = CF_EFORMAT;
		goto fail;
	}
	if (memcmp(data + 8, "WEBP", 4)) {
		snprintf(errbuf, errlen, "not a WebP file (a RIFF file of "
		    "another kind)");
		err = CF_EFORMAT;
		goto fail;
	}
	total = (size_t)le32(data + 4) + 8;
	if (total < 12 + 8 || total % 2) {
		snprintf(errbuf, errlen, "invalid WebP header (RIFF size "
		    "%zu)", total - 8);
		err = CF_EFORMAT;
		goto fail;
	}
	if ((err = check_features(data, len < total ? len : total, o, &ft,
	    errbuf, errlen)))
		goto fail;
	/* the size is within the limits: read the rest, as it comes, so a
	 * lying RIFF size costs no more than the bytes there are */
	if (len < total) {
		size_t cap = HEAD;
		unsigned char *m;

		for (;;) {
			if (len == cap) {
				cap = cap > total / 2 ? total : cap * 2;
				if (!(m = realloc(data, cap)))
					goto nomem;
				data = m;
			}
			got = fread(data + len, 1, cap - len, f);
			len += got;
			if (len == total || got == 0)
				break;
		}
		if (ferror(f)) {
			snprintf(errbuf, errlen, "read error: %s",
			    strerror(errno));
			err = CF_EIO;
			goto fail;
		}
		if (len < total) {
			snprintf(errbuf, errlen, "truncated WebP data (%zu of "
			    "%zu bytes)", len, total);
			err = CF_EFORMAT;
			goto fail;
		}
	}
	if (len > total)
		len = total;
	if (!(p = calloc(1, sizeof(*p))))
		goto nomem;
	r->in->priv = p;
	r->in->close = webp_close_reader;
	r->c = ft.has_alpha ? 4 : 3;
	r->h = (size_t)ft.height;
	r->w = (size_t)ft.width;
	r->dtype = CF_U8;
	p->rowbytes = r->w * r->c;
	{
		int w, h;

		p->px = ft.has_alpha ? WebPDecodeRGBA(data, len, &w, &h) :
		    WebPDecodeRGB(data, len, &w, &h);
		if (p->px && ((size_t)w != r->w || (size_t)h != r->h)) {
			WebPFree(p->px);
			p->px = NULL;
		}
	}
	if (!p->px) {
		snprintf(errbuf, errlen, "invalid WebP data");
		err = CF_EFORMAT;
		goto fail;
	}
	if (r->in->want_icc)
		read_icc(data, len, r->in->meta);
	free(data);
	r->in->rows = webp_rows;
	r->in->finish = webp_finish;
	return 0;
nomem:
	snprintf(errbuf, errlen, "out of memory");
	err = CF_ENOMEM;
fail:
	free(data);
	if (p) {
		webp_close_reader(r);
		r->in->close = NULL;
	}
	return err;
}

static int
webp_probe(struct cf_img_peek *pk, const struct cf_load_opts *o, size_t *s,
    char *errbuf, size_t errlen)
{
	WebPBitstreamFeatures ft;
	unsigned char b[HEAD];
	size_t n;
	int c, err;

	for (n = 0; n < HEAD && (c = cf_img_peek_byte(pk)) != EOF; n++)
		b[n] = (unsigned char)c;
	if (n < 12 || memcmp(b + 8, "WEBP", 4)) {
		snprintf(errbuf, errlen, n < 12 ? "truncated WebP header" :
		    "not a WebP file (a RIFF file of another kind)");
		return CF_EFORMAT;
	}
	if (n >= 8 && (size_t)le32(b + 4) + 8 < n)
		n = (size_t)le32(b + 4) + 8;
	if ((err = check_features(b, n, o, &ft, errbuf, errlen)))
		return err;
	s[0] = ft.has_alpha ? 4 : 3;
	s[1] = (size_t)ft.height;
	s[2] = (size_t)ft.width;
	return 0;
}

/* The writer holds the image, interleaved, till finish. */
struct wwr {
	FILE *f;
	unsigned char *px;
	size_t rowbytes;
	size_t y;
	struct cf_save_opts o;
};

static void
webp_close_writer(struct cf_img_writer *wr)
{
	struct wwr *p = wr->in->priv;

	if (!p)
		return;
	free(p->px);
	free(p);
	wr->in->priv = NULL;
}

static int
webp_write_rows(struct cf_img_writer *wr, const void *buf, size_t n,
    char *errbuf, size_t errlen)
{
	struct wwr *p = wr->in->priv;

	if (n > wr->h - p->y) {
		snprintf(errbuf, errlen, "more rows than the image has");
		return CF_EINVAL;
	}
	memcpy(p->px + p->y * p->rowbytes, buf, n * p->rowbytes);
	p->y += n;
	return 0;
}

/* Gray and gray + alpha become RGB and RGBA, in place (px holds 4/pixel). */
static void
widen(unsigned char *px, size_t npix, size_t c)
{
	size_t i = npix;

	while (i-- > 0) {
		unsigned char g = px[i * c], a = c == 2 ? px[i * c + 1] : 0;

		px[i * (c + 2)] = px[i * (c + 2) + 1] = px[i * (c + 2) + 2] = g;
		if (c == 2)
			px[i * 4 + 3] = a;
	}
}

static const char *
enc_error(int code)
{
	switch (code) {
	case VP8_ENC_ERROR_OUT_OF_MEMORY:
	case VP8_ENC_ERROR_BITSTREAM_OUT_OF_MEMORY:
		return "out of memory";
	case VP8_ENC_ERROR_BAD_DIMENSION:
		return "WebP holds at most 16383 pixels a side";
	case VP8_ENC_ERROR_PARTITION0_OVERFLOW:
	case VP8_ENC_ERROR_PARTITION_OVERFLOW:
		return "WebP partition overflow (try a lower --quality)";
	default:
		return "WebP encoding failed";
	}
}

static int
webp_write_finish(struct cf_img_writer *wr, char *errbuf, size_t errlen)
{
	struct wwr *p = wr->in->priv;
	const struct cf_img_meta *meta = wr->in->meta;
	WebPConfig cfg;
	WebPPicture pic;
	WebPMemoryWriter mw;
	WebPData out = { NULL, 0 };
	WebPMux *mux = NULL;
	size_t c = wr->c;
	int ok, alpha = c == 2 || c == 4, err = 0;

	if (p->y != wr->h) {
		snprintf(errbuf, errlen, "fewer rows than the image has");
		return CF_EINVAL;
	}
	if (c < 3)
		widen(p->px, wr->w * wr->h, c);
	if (!WebPConfigInit(&cfg) || !WebPPictureInit(&pic)) {
		snprintf(errbuf, errlen, "WebP library version mismatch");
		return CF_EIO;
	}
	cfg.lossless = p->o.lossless || p->o.quality == 100;
	cfg.quality = cfg.lossless ? 75 : (float)p->o.quality;
	cfg.exact = cfg.lossless;	/* RGB under alpha 0 kept too */
	cfg.thread_level = p->o.threads > 1;
	pic.use_argb = cfg.lossless;
	pic.width = (int)wr->w;
	pic.height = (int)wr->h;
	WebPMemoryWriterInit(&mw);
	pic.writer = WebPMemoryWrite;
	pic.custom_ptr = &mw;
	ok = alpha ? WebPPictureImportRGBA(&pic, p->px, (int)wr->w * 4) :
	    WebPPictureImportRGB(&pic, p->px, (int)wr->w * 3);
	if (!ok || !WebPEncode(&cfg, &pic)) {
		snprintf(errbuf, errlen, "%s", ok ? enc_error(pic.error_code) :
		    "out of memory");
		err = ok ? CF_EIO : CF_ENOMEM;
		goto out;
	}
	out.bytes = mw.mem;
	out.size = mw.size;
	/* the ICC profile goes in through the muxer (a VP8X file) */
	if (meta && meta->icc && meta->icc_len <= CF_ICC_MAX) {
		WebPData icc = { meta->icc, meta->icc_len }, img = out;

		if (!(mux = WebPMuxCreate(&img, 0)) ||
		    WebPMuxSetChunk(mux, "ICCP", &icc, 0) != WEBP_MUX_OK ||
		    WebPMuxAssemble(mux, &out) != WEBP_MUX_OK) {
			out = img;
			snprintf(errbuf, errlen, "out of memory");
			err = CF_ENOMEM;
			goto out;
		}
	}
	if (fwrite(out.bytes, 1, out.size, p->f) != out.size ||
	    fflush(p->f) == EOF) {
		snprintf(errbuf, errlen, "write error: %s", strerror(errno));
		err = CF_EIO;
	}
	if (mux)
		WebPDataClear(&out);
out:
	if (mux)
		WebPMuxDelete(mux);
	WebPMemoryWriterClear(&mw);
	WebPPictureFree(&pic);
	return err;
}

static int
webp_open_writer(FILE *f, const struct cf_img_format *fmt,
    const struct cf_save_opts *o, struct cf_img_writer *wr, char *errbuf,
    size_t errlen)
{
	struct wwr *p;
	size_t n;

	(void)fmt;
	if (wr->w > WEBP_MAX_DIMENSION || wr->h > WEBP_MAX_DIMENSION) {
		snprintf(errbuf, errlen, "WebP holds at most %d pixels a side "
		    "(the image is %zux%zu)", WEBP_MAX_DIMENSION, wr->w,
		    wr->h);
		return CF_ESHAPE;
	}
	if (!(p = calloc(1, sizeof(*p)))) {
		snprintf(errbuf, errlen, "out of memory");
		return CF_ENOMEM;
	}
	wr->in->priv = p;
	wr->in->close = webp_close_writer;
	p->f = f;
	p->o = *o;
	p->rowbytes = wr->w * wr->c;
	/* room for 4 bytes a pixel: gray is widened in place */
	if (cf_size_mul(wr->w * 4, wr->h, &n) || !(p->px = malloc(n))) {
		snprintf(errbuf, errlen, "out of memory");
		return CF_ENOMEM;
	}
	wr->in->rows = webp_write_rows;
	wr->in->finish = webp_write_finish;
	return 0;
}

/* "RIFF": the form type "WEBP" is past the bytes img.c sniffs (8), so
 * the reader checks it */
static int
webp_magic(const unsigned char *b, size_t n)
{
	return n >= 4 && !memcmp(b, "RIFF", 4);
}

const struct cf_img_codec cf_codec_webp = {
	.magic = webp_magic,
	.open_reader = webp_open_reader,
	.open_writer = webp_open_writer,
	.probe = webp_probe,
};
