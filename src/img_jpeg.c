/*
 * img_jpeg.c - JPEG through libjpeg(-turbo), the only file that includes
 * <jpeglib.h>.
 *
 * libjpeg reports corrupt data ("Premature end of JPEG file", "Corrupt
 * JPEG data: ...") as warnings and goes on with grey filler; here every
 * warning is an error, so a damaged file never becomes a silently wrong
 * image.  The stdio source manager cannot take the magic bytes img.c has
 * already read, so a small source manager serves them first and then
 * fread()s the FILE; a matching destination manager reports write errors
 * with errno.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>

#include "img.h"

#define IOBUF 16384

struct errmgr {
	struct jpeg_error_mgr pub;
	jmp_buf jb;
	char *errbuf;
	size_t errlen;
	int err;		/* cf_err to return after the longjmp */
	int lenient;		/* warnings are recorded, not fatal */
	int warned;		/* errbuf holds the first warning */
	uint32_t max_scans;	/* --max-scans, 0 = no limit */
	long max_memory;	/* libjpeg's max_memory_to_use */
};

struct srcmgr {
	struct jpeg_source_mgr pub;
	FILE *f;
	const unsigned char *magic;
	size_t nmagic;
	int lenient;
	JOCTET buf[IOBUF];
};

struct dstmgr {
	struct jpeg_destination_mgr pub;
	FILE *f;
	JOCTET buf[IOBUF];
};

/* Fail with our own message and code. */
static void
fail(j_common_ptr cinfo, int err, const char *msg)
{
	struct errmgr *e = (struct errmgr *)cinfo->err;

	snprintf(e->errbuf, e->errlen, "%s", msg);
	e->err = err;
	longjmp(e->jb, 1);
}

static void
fail_errno(j_common_ptr cinfo, const char *what)
{
	char msg[128];

	snprintf(msg, sizeof(msg), "%s error: %s", what, strerror(errno));
	fail(cinfo, CF_EIO, msg);
}

static void
on_error(j_common_ptr cinfo)
{
	struct errmgr *e = (struct errmgr *)cinfo->err;
	char msg[JMSG_LENGTH_MAX];

	if (cinfo->err->msg_code == JERR_NO_BACKING_STORE) {
		/* libjpeg ran into max_memory_to_use */
		snprintf(msg, sizeof(msg), "JPEG decoder needs more than %ld "
		    "bytes of memory (--max-pixels)", e->max_memory);
	} else {
		(*cinfo->err->format_message)(cinfo, msg);
		/* "Unsupported JPEG data precision 12" -> "unsupported" */
		if (msg[0] >= 'A' && msg[0] <= 'Z' && msg[1] >= 'a' &&
		    msg[1] <= 'z')
			msg[0] += 'a' - 'A';
	}
	snprintf(e->errbuf, e->errlen, "%s", msg);
	e->err = CF_EFORMAT;
	longjmp(e->jb, 1);
}

/*
 * level -1 is a warning, i.e. corrupt data: fatal, or with --lenient
 * recorded once (the first) and decoding goes on.  Traces are dropped.
 */
static void
on_message(j_common_ptr cinfo, int level)
{
	struct errmgr *e = (struct errmgr *)cinfo->err;
	char msg[JMSG_LENGTH_MAX];

	if (level >= 0)
		return;
	if (!e->lenient)
		on_error(cinfo);
	if (!e->warned) {
		(*cinfo->err->format_message)(cinfo, msg);
		if (msg[0] >= 'A' && msg[0] <= 'Z' && msg[1] >= 'a' &&
		    msg[1] <= 'z')
			msg[0] += 'a' - 'A';
		snprintf(e->errbuf, e->errlen, "%s", msg);
		e->warned = 1;
	}
}

/* libjpeg-turbo's djpeg -maxscans advice: bound progressive work. */
static void
on_progress(j_common_ptr cinfo)
{
	struct errmgr *e = (struct errmgr *)cinfo->err;
	j_decompress_ptr d = (j_decompress_ptr)cinfo;
	char msg[128];

	if (cinfo->is_decompressor && e->max_scans &&
	    d->input_scan_number > 0 &&
	    (uint32_t)d->input_scan_number > e->max_scans) {
		snprintf(msg, sizeof(msg), "progressive JPEG has more than "
		    "%lu scans (--max-scans)", (unsigned long)e->max_scans);
		fail(cinfo, CF_EOVERFLOW, msg);
	}
}

static void
src_init(j_decompress_ptr cinfo)
{
	(void)cinfo;
}

static boolean
src_fill(j_decompress_ptr cinfo)
{
	struct srcmgr *s = (struct srcmgr *)cinfo->src;
	size_t n;

	if (s->nmagic) {
		s->pub.next_input_byte = s->magic;
		s->pub.bytes_in_buffer = s->nmagic;
		s->nmagic = 0;
		return TRUE;
	}
	n = fread(s->buf, 1, sizeof(s->buf), s->f);
	if (n == 0) {
		if (ferror(s->f))
			fail_errno((j_common_ptr)cinfo, "read");
		if (!s->lenient)
			fail((j_common_ptr)cinfo, CF_EFORMAT,
			    "truncated JPEG data");
		/* As jdatasrc.c does: warn, then insert a fake EOI. */
		WARNMS(cinfo, JWRN_JPEG_EOF);
		s->buf[0] = 0xff;
		s->buf[1] = JPEG_EOI;
		n = 2;
	}
	s->pub.next_input_byte = s->buf;
	s->pub.bytes_in_buffer = n;
	return TRUE;
}

static void
src_skip(j_decompress_ptr cinfo, long n)
{
	struct jpeg_source_mgr *s = cinfo->src;

	while (n > (long)s->bytes_in_buffer) {
		n -= (long)s->bytes_in_buffer;
		src_fill(cinfo);
	}
	if (n > 0) {
		s->next_input_byte += n;
		s->bytes_in_buffer -= (size_t)n;
	}
}

static void
src_term(j_decompress_ptr cinfo)
{
	(void)cinfo;
}

/*
 * CMYK -> RGB.  Photoshop, and every writer that emits the Adobe APP14
 * marker (libjpeg included), stores CMYK inverted: 255 is no ink.  With
 * inverted c and k, R = c * k / 255 (rounded), the naive conversion
 * libjpeg-turbo's cmyk.h (TurboJPEG), Go's image/jpeg and libvips without
 * a profile use; it ignores any embedded ICC profile.  Without the Adobe
 * marker the samples are taken as plain ink amounts and inverted first.
 */
static uint8_t
cmyk_to_rgb(unsigned v, unsigned k, int inverted)
{
	if (!inverted) {
		v = 255 - v;
		k = 255 - k;
	}
	return (uint8_t)((v * k + 127) / 255);
}

/*
 * The ICC profile in the saved APP2 markers: "ICC_PROFILE\0", sequence
 * number 1..N, N, data; joined in sequence order.  libjpeg-turbo's
 * jpeg_read_icc_profile would report a bad set as a warning, which is an
 * error here: a malformed profile is dropped instead, never fatal.
 */
static void
read_icc(j_decompress_ptr cinfo, struct cf_img_meta *meta)
{
	jpeg_saved_marker_ptr m, part[256];
	size_t len = 0, off = 0;
	unsigned n = 0, i;
	unsigned char *icc;

	memset(part, 0, sizeof(part));
	for (m = cinfo->marker_list; m; m = m->next) {
		if (m->marker != JPEG_APP0 + 2 || m->data_length < 14 ||
		    memcmp(m->data, "ICC_PROFILE", 12))
			continue;
		if (!n)
			n = m->data[13];
		/* seq in 1..n, n the same in every marker, no repeats */
		if (!n || m->data[13] != n || !m->data[12] ||
		    m->data[12] > n || part[m->data[12]])
			return;
		part[m->data[12]] = m;
		len += m->data_length - 14;
	}
	if (!n || len == 0 || len > CF_ICC_MAX)
		return;
	for (i = 1; i <= n; i++)
		if (!part[i])
			return;
	if (!(icc = malloc(len)))
		return;
	for (i = 1; i <= n; i++) {
		memcpy(icc + off, part[i]->data + 14, part[i]->data_length - 14);
		off += part[i]->data_length - 14;
	}
	meta->icc = icc;
	meta->icc_len = len;
}

static int
jpeg_load(FILE *f, const unsigned char *magic, size_t nmagic,
    const struct cf_load_opts *o, struct cf_tensor *img, char *errbuf,
    size_t errlen)
{
	struct jpeg_decompress_struct cinfo;
	struct jpeg_progress_mgr progress;
	struct errmgr e;
	struct srcmgr *volatile src = NULL;
	JSAMPLE *volatile row = NULL;
	volatile int created = 0;
	uint8_t *dst;
	size_t nc, inc, w, h, x, y, k, plane, rowbytes;
	int cmyk, inverted, err;

	memset(&cinfo, 0, sizeof(cinfo));
	cinfo.err = jpeg_std_error(&e.pub);
	e.pub.error_exit = on_error;
	e.pub.emit_message = on_message;
	e.errbuf = errbuf;
	e.errlen = errlen;
	e.err = 0;
	e.lenient = o->lenient;
	e.warned = 0;
	e.max_scans = o->max_scans;
	e.max_memory = 0;
	if (setjmp(e.jb)) {
		err = e.err ? e.err : CF_EFORMAT;
		goto out;
	}
	jpeg_create_decompress(&cinfo);
	created = 1;
	progress.progress_monitor = on_progress;
	cinfo.progress = &progress;
	/*
	 * Bound libjpeg's own memory: a progressive image keeps every
	 * coefficient (2 bytes per sample, up to 4 components), plus room
	 * for tables and buffers.  Over it, libjpeg fails instead of
	 * allocating.
	 */
	if (o->max_pixels && o->max_pixels < (uint64_t)LONG_MAX / 16)
		e.max_memory = (long)(o->max_pixels * 8 + (64L << 20));
	cinfo.mem->max_memory_to_use = e.max_memory;

	if (!(src = malloc(sizeof(*src)))) {
		snprintf(errbuf, errlen, "out of memory");
		err = CF_ENOMEM;
		goto out;
	}
	src->f = f;
	src->magic = magic;
	src->nmagic = nmagic;
	src->lenient = o->lenient;
	src->pub.init_source = src_init;
	src->pub.fill_input_buffer = src_fill;
	src->pub.skip_input_data = src_skip;
	src->pub.resync_to_restart = jpeg_resync_to_restart;
	src->pub.term_source = src_term;
	src->pub.bytes_in_buffer = 0;
	src->pub.next_input_byte = NULL;
	cinfo.src = &src->pub;

	/* EXIF (APP1) for the orientation; ICC (APP2) only when wanted */
	jpeg_save_markers(&cinfo, JPEG_APP0 + 1, 0xffff);
	if (o->want_icc)
		jpeg_save_markers(&cinfo, JPEG_APP0 + 2, 0xffff);
	jpeg_read_header(&cinfo, TRUE);
	if ((err = cf_img_check_size(cinfo.image_width, cinfo.image_height, o,
	    errbuf, errlen)))
		goto out;
	if (o->meta) {
		jpeg_saved_marker_ptr m;

		for (m = cinfo.marker_list; m; m = m->next)
			if (m->marker == JPEG_APP0 + 1 && (o->meta->orientation =
			    cf_img_exif_orientation(m->data,
			    m->data_length)))
				break;
		if (o->want_icc)
			read_icc(&cinfo, o->meta);
	}
	cmyk = inverted = 0;
	switch (cinfo.jpeg_color_space) {
	case JCS_GRAYSCALE:
		cinfo.out_color_space = JCS_GRAYSCALE;
		break;
	case JCS_CMYK:
	case JCS_YCCK:
		/* libjpeg turns YCCK into CMYK; we turn CMYK into RGB. */
		cinfo.out_color_space = JCS_CMYK;
		cmyk = 1;
		inverted = cinfo.saw_Adobe_marker;
		break;
	default:
		cinfo.out_color_space = JCS_RGB;
		break;
	}
	jpeg_start_decompress(&cinfo);
	inc = (size_t)cinfo.output_components;
	nc = cmyk ? 3 : inc;
	w = cinfo.output_width;
	h = cinfo.output_height;
	if (inc != (cmyk ? 4u : cinfo.out_color_space == JCS_RGB ? 3u : 1u)) {
		snprintf(errbuf, errlen, "unexpected JPEG output with %zu "
		    "components", inc);
		err = CF_EFORMAT;
		goto out;
	}
	if (cf_size_mul(w, inc, &rowbytes) || !(row = malloc(rowbytes))) {
		snprintf(errbuf, errlen, "out of memory");
		err = CF_ENOMEM;
		goto out;
	}
	if ((err = cf_tensor_init(img, CF_U8, 3, (size_t[]){ nc, h, w }))) {
		snprintf(errbuf, errlen, "%s", cf_strerror(err));
		goto out;
	}
	plane = w * h;
	for (y = 0; y < h; y++) {
		JSAMPROW rp = row;

		if (jpeg_read_scanlines(&cinfo, &rp, 1) != 1) {
			snprintf(errbuf, errlen, "truncated JPEG data");
			err = CF_EFORMAT;
			goto out;
		}
		dst = (uint8_t *)img->data + y * w;
		for (x = 0; x < w; x++) {
			if (cmyk) {
				for (k = 0; k < 3; k++)
					dst[k * plane + x] = cmyk_to_rgb(
					    row[4 * x + k], row[4 * x + 3],
					    inverted);
			} else {
				for (k = 0; k < nc; k++)
					dst[k * plane + x] = row[x * nc + k];
			}
		}
	}
	/* Reads up to EOI, so a file cut after the last scanline fails. */
	jpeg_finish_decompress(&cinfo);
	err = 0;
out:
	if (created)
		jpeg_destroy_decompress(&cinfo);
	free(row);
	free(src);
	if (err)
		cf_tensor_release(img);
	return err;
}

static void
dst_init(j_compress_ptr cinfo)
{
	struct dstmgr *d = (struct dstmgr *)cinfo->dest;

	d->pub.next_output_byte = d->buf;
	d->pub.free_in_buffer = sizeof(d->buf);
}

static boolean
dst_empty(j_compress_ptr cinfo)
{
	struct dstmgr *d = (struct dstmgr *)cinfo->dest;

	/* libjpeg calls this only with the whole buffer full. */
	if (fwrite(d->buf, 1, sizeof(d->buf), d->f) != sizeof(d->buf))
		fail_errno((j_common_ptr)cinfo, "write");
	d->pub.next_output_byte = d->buf;
	d->pub.free_in_buffer = sizeof(d->buf);
	return TRUE;
}

static void
dst_term(j_compress_ptr cinfo)
{
	struct dstmgr *d = (struct dstmgr *)cinfo->dest;
	size_t n = sizeof(d->buf) - d->pub.free_in_buffer;

	if (fwrite(d->buf, 1, n, d->f) != n || fflush(d->f) == EOF)
		fail_errno((j_common_ptr)cinfo, "write");
}

static int
jpeg_save(FILE *f, enum cf_format fmt, const struct cf_tensor *img,
    const struct cf_save_opts *o, char *errbuf, size_t errlen)
{
	struct jpeg_compress_struct cinfo;
	struct errmgr e;
	struct dstmgr *volatile dst = NULL;
	JSAMPLE *volatile row = NULL;
	volatile int created = 0;
	const uint8_t *src = img->data;
	size_t nc = img->shape[0], h = img->shape[1], w = img->shape[2];
	size_t x, y, k;
	int err;

	(void)fmt;
	if (nc != 1 && nc != 3) {
		snprintf(errbuf, errlen, "JPEG cannot store %zu channels "
		    "(only gray or RGB)", nc);
		return CF_ESHAPE;
	}
	if (w > JPEG_MAX_DIMENSION || h > JPEG_MAX_DIMENSION) {
		snprintf(errbuf, errlen, "image is %zux%zu, over JPEG's "
		    "%ld-pixel side limit", w, h, (long)JPEG_MAX_DIMENSION);
		return CF_EOVERFLOW;
	}
	memset(&cinfo, 0, sizeof(cinfo));
	cinfo.err = jpeg_std_error(&e.pub);
	e.pub.error_exit = on_error;
	e.pub.emit_message = on_message;
	e.errbuf = errbuf;
	e.errlen = errlen;
	e.err = 0;
	e.lenient = e.warned = 0;
	e.max_scans = 0;
	e.max_memory = 0;
	if (setjmp(e.jb)) {
		err = e.err ? e.err : CF_EFORMAT;
		goto out;
	}
	jpeg_create_compress(&cinfo);
	created = 1;
	if (!(dst = malloc(sizeof(*dst))) || !(row = malloc(w * nc))) {
		snprintf(errbuf, errlen, "out of memory");
		err = CF_ENOMEM;
		goto out;
	}
	dst->f = f;
	dst->pub.init_destination = dst_init;
	dst->pub.empty_output_buffer = dst_empty;
	dst->pub.term_destination = dst_term;
	cinfo.dest = &dst->pub;

	cinfo.image_width = (JDIMENSION)w;
	cinfo.image_height = (JDIMENSION)h;
	cinfo.input_components = (int)nc;
	cinfo.in_color_space = nc == 1 ? JCS_GRAYSCALE : JCS_RGB;
	jpeg_set_defaults(&cinfo);
	jpeg_set_quality(&cinfo, o->quality, TRUE);
	cinfo.optimize_coding = TRUE;
	jpeg_start_compress(&cinfo, TRUE);
	/* 255 APP2 markers of 65519 bytes at most: larger is dropped */
	if (o->meta && o->meta->icc && o->meta->icc_len &&
	    o->meta->icc_len <= 255UL * 65519)
		jpeg_write_icc_profile(&cinfo, o->meta->icc,
		    (unsigned int)o->meta->icc_len);
	for (y = 0; y < h; y++) {
		JSAMPROW rp = row;

		for (x = 0; x < w; x++)
			for (k = 0; k < nc; k++)
				row[x * nc + k] = src[k * img->stride[0] +
				    y * img->stride[1] + x * img->stride[2]];
		jpeg_write_scanlines(&cinfo, &rp, 1);
	}
	jpeg_finish_compress(&cinfo);
	err = 0;
out:
	if (created)
		jpeg_destroy_compress(&cinfo);
	free(row);
	free(dst);
	return err;
}

const struct cf_img_codec cf_codec_jpeg = { "jpeg", jpeg_load, jpeg_save, NULL, NULL };
