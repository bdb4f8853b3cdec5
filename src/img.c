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
#include <string.h>
#include <strings.h>

#include "img.h"
#include "npy.h"

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
	"unknown", unknown_load, unknown_save
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

int
cf_img_load(FILE *f, const struct cf_load_opts *o, struct cf_tensor *img,
    char *errbuf, size_t errlen)
{
	static const struct cf_load_opts defaults = CF_LOAD_OPTS_DEFAULT;
	unsigned char magic[MAGIC_MAX];
	size_t n;
	int err;

	memset(img, 0, sizeof(*img));
	if (!o)
		o = &defaults;
	/* fread keeps reading a pipe until it has MAGIC_MAX bytes or EOF. */
	n = fread(magic, 1, sizeof(magic), f);
	if (n < sizeof(magic) && ferror(f)) {
		snprintf(errbuf, errlen, "read error: %s", strerror(errno));
		return CF_EIO;
	}
	if (n == 0) {
		snprintf(errbuf, errlen, "empty input");
		return CF_EFORMAT;
	}
	if (errlen)
		errbuf[0] = '\0';
	err = sniff(magic, n)->load(f, magic, n, o, img, errbuf, errlen);
	/* A success leaves a message only as a lenient warning. */
	if (!err && !o->lenient && errlen)
		errbuf[0] = '\0';
	if (err)
		cf_tensor_release(img);
	return err;
}

int
cf_img_save(FILE *f, enum cf_format fmt, const struct cf_tensor *img,
    const struct cf_save_opts *o, char *errbuf, size_t errlen)
{
	static const struct cf_save_opts defaults = CF_SAVE_OPTS_DEFAULT;

	if (!o)
		o = &defaults;
	/* .npy holds any tensor: float or 8-bit, any channel count */
	if (fmt == CF_FMT_NPY)
		return cf_codec_npy.save(f, fmt, img, o, errbuf, errlen);
	/* PAM (and pnm, which writes PAM then) holds any depth */
	if (img->dtype != CF_U8 || img->ndim != 3 || img->shape[0] < 1 ||
	    (img->shape[0] > 4 && fmt != CF_FMT_PAM && fmt != CF_FMT_PNM) ||
	    !img->shape[1] || !img->shape[2]) {
		snprintf(errbuf, errlen, "cannot save a tensor that is not "
		    "an 8-bit image of 1 to 4 channels");
		return CF_ESHAPE;
	}
	return codec_for(fmt)->save(f, fmt, img, o, errbuf, errlen);
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

int
cf_img_check_size(uint64_t w, uint64_t h, const struct cf_load_opts *o,
    char *errbuf, size_t errlen)
{
	if (w == 0 || h == 0) {
		snprintf(errbuf, errlen, "image has zero width or height");
		return CF_EFORMAT;
	}
	/* w > max / h is w * h > max without overflowing. */
	if (o && o->max_pixels && w > o->max_pixels / h) {
		snprintf(errbuf, errlen, "image is %" PRIu64 "x%" PRIu64
		    ", over the %" PRIu64 "-pixel limit (--max-pixels)",
		    w, h, o->max_pixels);
		return CF_EOVERFLOW;
	}
	if (o && o->max_side && (w > o->max_side || h > o->max_side)) {
		snprintf(errbuf, errlen, "image side %" PRIu64 " is over the "
		    "%" PRIu32 " limit (--max-side)", w > o->max_side ? w : h,
		    o->max_side);
		return CF_EOVERFLOW;
	}
	/* Without limits the tensor's byte size must still fit. */
	if (h > SIZE_MAX / 4 / w) {
		snprintf(errbuf, errlen, "image is %" PRIu64 "x%" PRIu64
		    ", too large for this machine", w, h);
		return CF_EOVERFLOW;
	}
	return 0;
}
