/*
 * img_png.c - PNG through libpng, the only file that includes <png.h>.
 *
 * Every colour type and bit depth is expanded to 8-bit gray, gray+alpha,
 * RGB or RGBA: low-depth gray is scaled to 0..255, palettes become RGB,
 * tRNS becomes an alpha channel.  16-bit samples are kept by libpng and
 * either returned as they are (o->keep16: a CF_U16 tensor) or rounded
 * here, v8 = (v16 * 255 + 32767) / 65535, because png_set_strip_16
 * truncates.  CF_U16 tensors are written as 16-bit PNG.  No gamma or sBIT transform is applied: the
 * samples are the file's samples.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include <png.h>
#include <zlib.h>

#include "img.h"

/* Largest chunk libpng may allocate, and how many it may keep. */
#define CHUNK_MALLOC_MAX (8UL << 20)
#define CHUNK_CACHE_MAX 128

/* I/O and error state shared with libpng's callbacks. */
struct ctx {
	FILE *f;
	char *errbuf;
	size_t errlen;
	int err;		/* cf_err to return after a longjmp */
	int have_msg;		/* errbuf already holds the message */
	int zero_dim;		/* libpng warned: zero width or height */
	int lenient;		/* --lenient: keep the first warning */
	int warned;		/* errbuf holds that warning */
};

/* libpng's "Invalid IHDR data" -> "invalid IHDR data"; "IDAT: ..." stays. */
static void
set_msg(struct ctx *c, const char *msg)
{
	snprintf(c->errbuf, c->errlen, "%s", msg);
	if (c->errbuf[0] >= 'A' && c->errbuf[0] <= 'Z' &&
	    c->errbuf[1] >= 'a' && c->errbuf[1] <= 'z')
		c->errbuf[0] += 'a' - 'A';
}

static void
on_error(png_structp png, png_const_charp msg)
{
	struct ctx *c = png_get_error_ptr(png);

	if (!c->have_msg) {
		if (c->zero_dim)
			set_msg(c, "image has zero width or height");
		else
			set_msg(c, msg);
	}
	if (!c->err)
		c->err = CF_EFORMAT;
	png_longjmp(png, 1);
}

/* Core modules never print: warnings are dropped (errors are fatal). */
static void
on_warning(png_structp png, png_const_charp msg)
{
	struct ctx *c = png_get_error_ptr(png);

	if (strstr(msg, "is zero in IHDR"))
		c->zero_dim = 1;
	else if (c->lenient && !c->warned) {
		set_msg(c, msg);
		c->warned = 1;
	}
}

static void
fail(png_structp png, int err, const char *msg)
{
	struct ctx *c = png_get_error_ptr(png);

	set_msg(c, msg);
	c->have_msg = 1;
	c->err = err;
	png_error(png, msg);
}

static void
read_fn(png_structp png, png_bytep data, size_t len)
{
	struct ctx *c = png_get_io_ptr(png);
	char msg[128];

	if (fread(data, 1, len, c->f) == len)
		return;
	if (ferror(c->f)) {
		snprintf(msg, sizeof(msg), "read error: %s", strerror(errno));
		fail(png, CF_EIO, msg);
	}
	fail(png, CF_EFORMAT, "truncated PNG data");
}

static void
write_fn(png_structp png, png_bytep data, size_t len)
{
	struct ctx *c = png_get_io_ptr(png);
	char msg[128];

	if (fwrite(data, 1, len, c->f) != len) {
		snprintf(msg, sizeof(msg), "write error: %s", strerror(errno));
		fail(png, CF_EIO, msg);
	}
}

static void
flush_fn(png_structp png)
{
	struct ctx *c = png_get_io_ptr(png);
	char msg[128];

	if (fflush(c->f) == EOF) {
		snprintf(msg, sizeof(msg), "write error: %s", strerror(errno));
		fail(png, CF_EIO, msg);
	}
}

/*
 * Scatter one interleaved row (8 or 16 bits per sample) into the planes
 * of img at row y: 16-bit samples stay 16-bit in a CF_U16 tensor.
 */
static void
unpack_row(const png_byte *row, int depth, size_t nc, size_t w,
    struct cf_tensor *img, size_t y)
{
	uint8_t *dst = (uint8_t *)img->data + y * w;
	uint16_t *dst16 = (uint16_t *)img->data + y * w;
	size_t x, k, plane = img->shape[1] * w;
	uint32_t v;

	for (x = 0; x < w; x++)
		for (k = 0; k < nc; k++) {
			if (depth == 16) {
				v = (uint32_t)row[2 * (x * nc + k)] << 8 |
				    row[2 * (x * nc + k) + 1];
				if (img->dtype == CF_U16) {
					dst16[k * plane + x] = (uint16_t)v;
					continue;
				}
				v = (v * 255 + 32767) / 65535;
			} else {
				v = row[x * nc + k];
			}
			dst[k * plane + x] = (uint8_t)v;
		}
}

/*
 * The ICC profile of an iCCP chunk kept raw (libpng would validate and
 * may reject a profile it dislikes): "name\0", method 0, zlib data.
 * Inflated to at most CF_ICC_MAX bytes; anything malformed is ignored.
 * Pure zlib: never longjmps.
 */
static void
read_iccp(png_structp png, png_infop info, struct cf_img_meta *m)
{
	png_unknown_chunkp uc;
	z_stream z;
	unsigned char *out = NULL, *nout;
	size_t cap = 0, i, name;
	int n, rc = Z_OK;

	n = png_get_unknown_chunks(png, info, &uc);
	for (i = 0; i < (size_t)n; i++)
		if (!memcmp(uc[i].name, "iCCP", 4))
			break;
	if (i == (size_t)n)
		return;
	uc += i;
	name = strnlen((const char *)uc->data, uc->size < 80 ? uc->size : 80);
	if (name == 0 || name >= 80 || name + 2 > uc->size ||
	    uc->data[name + 1] != 0)
		return;
	memset(&z, 0, sizeof(z));
	if (inflateInit(&z) != Z_OK)
		return;
	z.next_in = uc->data + name + 2;
	z.avail_in = (uInt)(uc->size - name - 2);
	while (rc == Z_OK) {
		if (z.total_out == cap) {
			if (cap >= CF_ICC_MAX)
				break;
			cap = cap ? cap * 2 : 4096;
			if (cap > CF_ICC_MAX)
				cap = CF_ICC_MAX;
			if (!(nout = realloc(out, cap)))
				break;
			out = nout;
		}
		z.next_out = out + z.total_out;
		z.avail_out = (uInt)(cap - z.total_out);
		rc = inflate(&z, Z_NO_FLUSH);
	}
	if (rc == Z_STREAM_END && z.total_out > 0) {
		m->icc = out;
		m->icc_len = z.total_out;
		out = NULL;
	}
	inflateEnd(&z);
	free(out);
}

static int
png_load(FILE *f, const unsigned char *magic, size_t nmagic,
    const struct cf_load_opts *o, struct cf_tensor *img, char *errbuf,
    size_t errlen)
{
	struct ctx c = { f, errbuf, errlen, 0, 0, 0, 0, 0 };
	png_structp volatile png = NULL;
	png_infop volatile info = NULL;
	png_bytep volatile buf = NULL;	/* one row, or the image */
	png_bytepp volatile rows = NULL;
	png_uint_32 w, h, y;
	size_t rowbytes, nbuf, nc;
	int depth, ctype, passes, err;

	(void)magic;
	png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &c, on_error,
	    on_warning);
	if (!png || !(info = png_create_info_struct(png))) {
		snprintf(errbuf, errlen, "out of memory");
		err = CF_ENOMEM;
		goto out;
	}
	if (setjmp(png_jmpbuf(png))) {
		err = c.err ? c.err : CF_EFORMAT;
		goto out;
	}
	png_set_read_fn(png, &c, read_fn);
	png_set_sig_bytes(png, (int)nmagic);
	/*
	 * A bad CRC is an error in every chunk, not only critical ones, and
	 * benign errors ("extra compressed data": a zlib bomb behind a
	 * small image) are errors too.  --lenient makes both warnings for
	 * ancillary chunks; critical chunks stay checked.
	 */
	c.lenient = o->lenient;
	png_set_crc_action(png, PNG_CRC_ERROR_QUIT, o->lenient ?
	    PNG_CRC_WARN_DISCARD : PNG_CRC_ERROR_QUIT);
	png_set_benign_errors(png, o->lenient);
	/*
	 * Metadata is never used: skip every ancillary chunk but tRNS
	 * without allocating for it (CRCs are still checked), and bound
	 * what libpng may allocate for any one chunk and how many it
	 * keeps.
	 */
	png_set_keep_unknown_chunks(png, PNG_HANDLE_CHUNK_NEVER, NULL, -1);
	/* but for an ICC profile to carry over: kept raw, read_iccp() */
	if (o->want_icc && o->meta)
		png_set_keep_unknown_chunks(png, PNG_HANDLE_CHUNK_ALWAYS,
		    (png_const_bytep)"iCCP", 1);
	png_set_chunk_malloc_max(png, CHUNK_MALLOC_MAX);
	png_set_chunk_cache_max(png, CHUNK_CACHE_MAX);
	/*
	 * Widen libpng's default 1000000-pixel side limit to what PNG allows,
	 * so that cf_img_check_size applies --max-side and --max-pixels with
	 * its own message.
	 */
	png_set_user_limits(png, 0x7fffffff, 0x7fffffff);
	png_read_info(png, info);
	if (o->want_icc && o->meta)
		read_iccp(png, info, o->meta);

	w = png_get_image_width(png, info);
	h = png_get_image_height(png, info);
	if ((err = cf_img_check_size(w, h, o, errbuf, errlen)))
		goto out;

	/* Palette -> RGB, gray 1/2/4 -> 8, tRNS -> alpha. */
	png_set_expand(png);
	passes = png_set_interlace_handling(png);
	png_read_update_info(png, info);
	depth = png_get_bit_depth(png, info);
	ctype = png_get_color_type(png, info);
	nc = png_get_channels(png, info);
	rowbytes = png_get_rowbytes(png, info);
	if (nc < 1 || nc > 4 || (depth != 8 && depth != 16) ||
	    (ctype & PNG_COLOR_MASK_PALETTE) ||
	    rowbytes / nc / (depth / 8) != w) {
		snprintf(errbuf, errlen, "unexpected PNG layout after "
		    "expansion (%zu channels, %d bits)", nc, depth);
		err = CF_EFORMAT;
		goto out;
	}

	if ((err = cf_tensor_init(img, depth == 16 && o->keep16 ? CF_U16 :
	    CF_U8, 3, (size_t[]){ nc, h, w }))) {
		snprintf(errbuf, errlen, "%s", cf_strerror(err));
		goto out;
	}
	if (passes == 1) {
		/* Row by row: one row of memory besides the tensor. */
		if (!(buf = malloc(rowbytes))) {
			err = CF_ENOMEM;
			snprintf(errbuf, errlen, "out of memory");
			goto out;
		}
		for (y = 0; y < h; y++) {
			png_read_row(png, buf, NULL);
			unpack_row(buf, depth, nc, w, img, y);
		}
	} else {
		/* Adam7 needs the whole interleaved image. */
		if (cf_size_mul(rowbytes, h, &nbuf)) {
			err = CF_EOVERFLOW;
			snprintf(errbuf, errlen, "image too large");
			goto out;
		}
		if (!(buf = malloc(nbuf)) ||
		    !(rows = malloc(h * sizeof(*rows)))) {
			err = CF_ENOMEM;
			snprintf(errbuf, errlen, "out of memory");
			goto out;
		}
		for (y = 0; y < h; y++)
			rows[y] = buf + (size_t)y * rowbytes;
		png_read_image(png, rows);
		for (y = 0; y < h; y++)
			unpack_row(rows[y], depth, nc, w, img, y);
	}
	/* Reads to IEND: checks the zlib checksum and the last CRCs. */
	png_read_end(png, NULL);
	err = 0;
out:
	free(rows);
	free(buf);
	if (png)
		png_destroy_read_struct((png_structpp)&png,
		    info ? (png_infopp)&info : NULL, NULL);
	if (err)
		cf_tensor_release(img);
	return err;
}

static int
png_save(FILE *f, enum cf_format fmt, const struct cf_tensor *img,
    const struct cf_save_opts *o, char *errbuf, size_t errlen)
{
	static const int ctypes[] = { PNG_COLOR_TYPE_GRAY,
	    PNG_COLOR_TYPE_GRAY_ALPHA, PNG_COLOR_TYPE_RGB,
	    PNG_COLOR_TYPE_RGB_ALPHA };
	struct ctx c = { f, errbuf, errlen, 0, 0, 0, 0, 0 };
	png_structp volatile png = NULL;
	png_infop volatile info = NULL;
	png_bytep volatile row = NULL;
	unsigned char *volatile iccp = NULL;	/* an iCCP chunk's data */
	png_unknown_chunk uc;
	uLongf zlen = 0;
	size_t nc = img->shape[0], h = img->shape[1], w = img->shape[2];
	size_t y, rowbytes;
	int err, bytes = img->dtype == CF_U16 ? 2 : 1;

	(void)fmt;
	if (w > 0x7fffffff || h > 0x7fffffff ||
	    cf_size_mul(w, nc * bytes, &rowbytes)) {
		snprintf(errbuf, errlen, "image too large for PNG");
		return CF_EOVERFLOW;
	}
	png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &c, on_error,
	    on_warning);
	if (!png || !(info = png_create_info_struct(png)) ||
	    !(row = malloc(rowbytes))) {
		snprintf(errbuf, errlen, "out of memory");
		err = CF_ENOMEM;
		goto out;
	}
	/* the ICC profile as a raw iCCP chunk, libpng would vet it */
	if (o->meta && o->meta->icc && o->meta->icc_len <= CF_ICC_MAX) {
		zlen = compressBound((uLong)o->meta->icc_len);
		if (!(iccp = malloc(13 + zlen)) || compress2(iccp + 13, &zlen,
		    o->meta->icc, (uLong)o->meta->icc_len, 9) != Z_OK) {
			snprintf(errbuf, errlen, "out of memory");
			err = CF_ENOMEM;
			goto out;
		}
		memcpy(iccp, "ICC profile\0", 13);	/* name, method 0 */
	}
	if (setjmp(png_jmpbuf(png))) {
		err = c.err ? c.err : CF_EFORMAT;
		goto out;
	}
	png_set_write_fn(png, &c, write_fn, flush_fn);
	png_set_user_limits(png, 0x7fffffff, 0x7fffffff);
	png_set_compression_level(png, o->png_level);
	png_set_IHDR(png, info, (png_uint_32)w, (png_uint_32)h, 8 * bytes,
	    ctypes[nc - 1], PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
	    PNG_FILTER_TYPE_DEFAULT);
	if (iccp) {
		memset(&uc, 0, sizeof(uc));
		memcpy(uc.name, "iCCP", 5);
		uc.data = iccp;
		uc.size = 13 + zlen;
		uc.location = PNG_HAVE_IHDR;	/* before PLTE and IDAT */
		png_set_keep_unknown_chunks(png, PNG_HANDLE_CHUNK_ALWAYS,
		    (png_const_bytep)"iCCP", 1);
		png_set_unknown_chunks(png, info, &uc, 1);
	}
	png_write_info(png, info);
	if (bytes == 2)
		png_set_swap(png);	/* rows are native uint16_t */
	for (y = 0; y < h; y++) {
		cf_img_interleave_row(img, y, row);
		png_write_row(png, row);
	}
	png_write_end(png, NULL);
	flush_fn(png);
	err = 0;
out:
	free(row);
	free(iccp);
	if (png)
		png_destroy_write_struct((png_structpp)&png,
		    info ? (png_infopp)&info : NULL);
	return err;
}

const struct cf_img_codec cf_codec_png = { "png", png_load, png_save, NULL, NULL };
