/*
 * jpeg.c - JPEG through libjpeg(-turbo), the only file that includes
 * <jpeglib.h>.
 *
 * libjpeg reports corrupt data ("Premature end of JPEG file", "Corrupt
 * JPEG data: ...") as warnings and goes on with grey filler; here every
 * warning is an error, so a damaged file never becomes a silently wrong
 * image.  The stdio source manager cannot take the magic bytes img.c has
 * already read, so a small source manager serves them first and then
 * fread()s the FILE; a matching destination manager reports write errors
 * with errno.
 *
 * Images are read and written a few rows at a time (struct cf_img_reader,
 * cf_img_writer).  libjpeg's error exit longjmps, so every function that
 * calls into it sets its own jump point; a lenient warning is kept until
 * finish, which reports it.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>

#include "io/img_int.h"

#define IOBUF 16384
/* Rows per jpeg_read_scanlines / jpeg_write_scanlines call, at most. */
#define ROWS_MAX 16

struct errmgr {
	struct jpeg_error_mgr pub;
	jmp_buf jb;
	char *errbuf;
	size_t errlen;
	int err;		/* cf_err to return after the longjmp */
	int lenient;		/* warnings are recorded, not fatal */
	int warned;		/* warn holds the first warning */
	uint32_t max_scans;	/* --max-scans, 0 = no limit */
	long max_memory;	/* libjpeg's max_memory_to_use */
	const char *mem_opt;	/* the option that sets it */
	/* kept here: a warning may come in one call, reported at finish */
	char warn[JMSG_LENGTH_MAX];
};

struct srcmgr {
	struct jpeg_source_mgr pub;
	FILE *f;
	const unsigned char *magic;
	size_t nmagic;
	int lenient;
	unsigned char *mem;	/* a pipe read ahead by count_scans */
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
		    "bytes of memory (%s)", e->max_memory, e->mem_opt);
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
		snprintf(e->warn, sizeof(e->warn), "%s", msg);
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

/*
 * A row reader's state.  libjpeg keeps pointers to the error, source and
 * progress managers between calls, so all of it lives on the heap.
 */
struct jrd {
	struct jpeg_decompress_struct cinfo;
	struct jpeg_progress_mgr progress;
	struct errmgr e;
	struct srcmgr src;
	int created;		/* cinfo needs jpeg_destroy_decompress */
	int cmyk, inverted;	/* 4 components in, RGB out */
	JSAMPLE *cmykbuf;	/* ROWS_MAX CMYK rows before conversion */
	unsigned char magic[16];	/* img.c's bytes outlive its call */
};

static void
jpeg_close_reader(struct cf_img_reader *r)
{
	struct jrd *j = r->in->priv;

	if (!j)
		return;
	if (j->created)
		jpeg_destroy_decompress(&j->cinfo);
	free(j->cmykbuf);
	free(j->src.mem);
	free(j);
	r->in->priv = NULL;
}

/* Point the error manager at this call's message buffer. */
static void
set_errbuf(struct errmgr *e, char *errbuf, size_t errlen)
{
	e->errbuf = errbuf;
	e->errlen = errlen;
	e->err = 0;
}

/* The loop of jpeg_rows, apart so that setjmp clobbers none of it. */
static int
read_rows(struct cf_img_reader *r, uint8_t *out, size_t n, char *errbuf,
    size_t errlen)
{
	struct jrd *j = r->in->priv;
	JSAMPROW ptr[ROWS_MAX];
	size_t rowbytes = r->w * r->c, m, i, x, k, got;
	const JSAMPLE *cp;

	while (n > 0) {
		m = n < ROWS_MAX ? n : ROWS_MAX;
		/* Gray and RGB come out as we give them: no copy. */
		for (i = 0; i < m; i++)
			ptr[i] = j->cmyk ? j->cmykbuf + i * r->w * 4 :
			    out + i * rowbytes;
		got = jpeg_read_scanlines(&j->cinfo, ptr, (JDIMENSION)m);
		if (got == 0) {
			snprintf(errbuf, errlen, "truncated JPEG data");
			return CF_EFORMAT;
		}
		for (i = 0; j->cmyk && i < got; i++) {
			cp = ptr[i];
			for (x = 0; x < r->w; x++, cp += 4)
				for (k = 0; k < 3; k++)
					out[i * rowbytes + 3 * x + k] =
					    cmyk_to_rgb(cp[k], cp[3],
					    j->inverted);
		}
		out += got * rowbytes;
		n -= got;
	}
	return 0;
}

static int
jpeg_rows(struct cf_img_reader *r, void *buf, size_t n, char *errbuf,
    size_t errlen)
{
	struct jrd *j = r->in->priv;

	if (n > j->cinfo.output_height - j->cinfo.output_scanline) {
		snprintf(errbuf, errlen, "read past the last row");
		return CF_EINVAL;
	}
	set_errbuf(&j->e, errbuf, errlen);
	if (setjmp(j->e.jb))
		return j->e.err ? j->e.err : CF_EFORMAT;
	return read_rows(r, buf, n, errbuf, errlen);
}

/* Reads up to EOI, so a file cut after the last scanline fails. */
static int
jpeg_finish(struct cf_img_reader *r, char *errbuf, size_t errlen)
{
	struct jrd *j = r->in->priv;

	set_errbuf(&j->e, errbuf, errlen);
	if (setjmp(j->e.jb))
		return j->e.err ? j->e.err : CF_EFORMAT;
	jpeg_finish_decompress(&j->cinfo);
	if (j->e.warned)
		snprintf(errbuf, errlen, "%s", j->e.warn);
	return 0;
}

/* The EXIF orientation (APP1) and the ICC profile (APP2) into r's
 * metadata. */
static void
read_meta(j_decompress_ptr cinfo, struct cf_img_reader *r)
{
	struct cf_img_meta *meta = r->in->meta;
	jpeg_saved_marker_ptr m;

	for (m = cinfo->marker_list; m; m = m->next)
		if (m->marker == JPEG_APP0 + 1 && (meta->orientation =
		    cf_img_exif_orientation(m->data, m->data_length)))
			break;
	if (r->in->want_icc)
		read_icc(cinfo, meta);
}

/* Output colour space for the stored one; CMYK and YCCK become RGB. */
static void
set_out_space(struct jrd *j)
{
	switch (j->cinfo.jpeg_color_space) {
	case JCS_GRAYSCALE:
		j->cinfo.out_color_space = JCS_GRAYSCALE;
		break;
	case JCS_CMYK:
	case JCS_YCCK:
		/* libjpeg turns YCCK into CMYK; we turn CMYK into RGB. */
		j->cinfo.out_color_space = JCS_CMYK;
		j->cmyk = 1;
		j->inverted = j->cinfo.saw_Adobe_marker;
		break;
	default:
		j->cinfo.out_color_space = JCS_RGB;
		break;
	}
}

static void
init_src(struct jrd *j, FILE *f, const unsigned char *magic, size_t nmagic,
    int lenient)
{
	struct srcmgr *src = &j->src;

	if (nmagic > sizeof(j->magic))
		nmagic = sizeof(j->magic);
	memcpy(j->magic, magic, nmagic);
	src->f = f;
	src->magic = j->magic;
	src->nmagic = nmagic;
	src->lenient = lenient;
	src->pub.init_source = src_init;
	src->pub.fill_input_buffer = src_fill;
	src->pub.skip_input_data = src_skip;
	src->pub.resync_to_restart = jpeg_resync_to_restart;
	src->pub.term_source = src_term;
	src->pub.bytes_in_buffer = 0;
	src->pub.next_input_byte = NULL;
	j->cinfo.src = &src->pub;
}

/*
 * Counting scans before decoding any: a progressive image is read whole
 * by jpeg_start_decompress, its coefficients allocated first, so a file
 * of thousands of scans at 121 MP cost seconds and 233 MB before
 * --max-scans could stop it.  The SOS markers are counted in the bytes
 * that follow the first scan's header: marker segments are skipped by
 * their length, and in entropy-coded data 0xff is only a marker when
 * not followed by 0x00 (stuffing), 0xd0-0xd7 (RSTn) or 0xff (fill).
 */
struct scancount {
	int st;			/* 0 data, 1 after 0xff, 2-3 length, 4 skip */
	int marker;
	size_t len;		/* the segment's length, then what to skip */
	uint32_t n;		/* scans seen */
};

/* Feed p[0..n): 1 at EOI or when the count passes max. */
static int
scan_feed(struct scancount *s, const unsigned char *p, size_t n,
    uint32_t max)
{
	const unsigned char *q;
	size_t k;

	while (n > 0) {
		switch (s->st) {
		case 0:
			if (!(q = memchr(p, 0xff, n)))
				return 0;
			n -= (size_t)(q - p);
			p = q;
			s->st = 1;
			break;
		case 1:
			if (*p == 0xd9)
				return 1;
			if (*p == 0x00 || (*p >= 0xd0 && *p <= 0xd8) ||
			    *p == 0x01)
				s->st = 0;
			else if (*p != 0xff) {
				s->marker = *p;
				s->st = 2;
			}
			break;
		case 2:
			s->len = (size_t)*p << 8;
			s->st = 3;
			break;
		case 3:
			s->len |= *p;
			if (s->marker == 0xda && ++s->n > max)
				return 1;
			/* a length below 2 is libjpeg's error to report */
			if (s->len < 2)
				return 1;
			s->len -= 2;
			s->st = s->len ? 4 : 0;
			break;
		case 4:
			k = s->len < n ? s->len : n;
			s->len -= k;
			p += k;
			n -= k;
			if (!s->len)
				s->st = 0;
			continue;
		}
		p++;
		n--;
	}
	return 0;
}

/*
 * --max-scans before jpeg_start_decompress: the rest of a seekable input
 * is read ahead and the position restored; a pipe is read into memory
 * (bounded by libjpeg's memory limit), which the source then serves.
 * Fails (longjmp) when the count passes the limit.
 */
static void
count_scans(struct jrd *j, uint32_t max)
{
	struct srcmgr *s = &j->src;
	struct scancount sc = { .n = 1 };
	unsigned char buf[IOBUF], *mem, *nmem;
	size_t len, cap, got;
	off_t pos;
	char msg[128];
	int done;

	done = scan_feed(&sc, s->pub.next_input_byte, s->pub.bytes_in_buffer,
	    max);
	if (!done && (pos = ftello(s->f)) >= 0 &&
	    fseeko(s->f, pos, SEEK_SET) == 0) {
		while (!done && (got = fread(buf, 1, sizeof(buf), s->f)) > 0)
			done = scan_feed(&sc, buf, got, max);
		clearerr(s->f);
		if (fseeko(s->f, pos, SEEK_SET))
			fail_errno((j_common_ptr)&j->cinfo, "seek");
	} else if (!done) {
		len = s->pub.bytes_in_buffer;
		cap = len + IOBUF;
		if (!(mem = malloc(cap)))
			fail((j_common_ptr)&j->cinfo, CF_ENOMEM,
			    "out of memory");
		memcpy(mem, s->pub.next_input_byte, len);
		s->mem = mem;
		while (!done && (got = fread(mem + len, 1, cap - len,
		    s->f)) > 0) {
			done = scan_feed(&sc, mem + len, got, max);
			len += got;
			if (cap - len < IOBUF) {
				if (j->e.max_memory && cap > (size_t)
				    j->e.max_memory / 2)
					fail((j_common_ptr)&j->cinfo,
					    CF_EOVERFLOW, "JPEG too large to "
					    "hold in memory (--max-memory)");
				if (!(nmem = realloc(mem, cap * 2)))
					fail((j_common_ptr)&j->cinfo,
					    CF_ENOMEM, "out of memory");
				s->mem = mem = nmem;
				cap *= 2;
			}
		}
		if (ferror(s->f))
			fail_errno((j_common_ptr)&j->cinfo, "read");
		/* the source serves the bytes read, then the rest of f */
		s->pub.next_input_byte = mem;
		s->pub.bytes_in_buffer = len;
	}
	if (sc.n > max) {
		snprintf(msg, sizeof(msg), "progressive JPEG has more than "
		    "%lu scans (--max-scans)", (unsigned long)max);
		fail((j_common_ptr)&j->cinfo, CF_EOVERFLOW, msg);
	}
}

static int
jpeg_open_reader(FILE *f, const unsigned char *magic, size_t nmagic,
    const struct cf_load_opts *o, struct cf_img_reader *r, char *errbuf,
    size_t errlen)
{
	struct jrd *j;
	size_t inc, bytes;
	int err;

	if (!(j = calloc(1, sizeof(*j)))) {
		snprintf(errbuf, errlen, "out of memory");
		return CF_ENOMEM;
	}
	r->in->priv = j;
	r->in->close = jpeg_close_reader;
	j->cinfo.err = jpeg_std_error(&j->e.pub);
	j->e.pub.error_exit = on_error;
	j->e.pub.emit_message = on_message;
	set_errbuf(&j->e, errbuf, errlen);
	j->e.lenient = o->lenient;
	j->e.max_scans = o->max_scans;
	if (setjmp(j->e.jb)) {
		err = j->e.err ? j->e.err : CF_EFORMAT;
		goto fail;
	}
	jpeg_create_decompress(&j->cinfo);
	j->created = 1;
	j->progress.progress_monitor = on_progress;
	j->cinfo.progress = &j->progress;
	/*
	 * Bound libjpeg's own memory: a progressive image keeps every
	 * coefficient (2 bytes per sample, up to 4 components), plus room
	 * for tables and buffers.  Over it, libjpeg fails instead of
	 * allocating.
	 */
	if (o->max_pixels && o->max_pixels < (uint64_t)LONG_MAX / 16)
		j->e.max_memory = (long)(o->max_pixels * 8 + (64L << 20));
	j->e.mem_opt = "--max-pixels";
	/* and --max-memory */
	if (o->max_memory && o->max_memory < (uint64_t)LONG_MAX &&
	    (!j->e.max_memory || (long)o->max_memory < j->e.max_memory)) {
		j->e.max_memory = (long)o->max_memory;
		j->e.mem_opt = "--max-memory";
	}
	j->cinfo.mem->max_memory_to_use = j->e.max_memory;
	init_src(j, f, magic, nmagic, o->lenient);

	/* EXIF (APP1) for the orientation; ICC (APP2) only when wanted */
	jpeg_save_markers(&j->cinfo, JPEG_APP0 + 1, 0xffff);
	if (r->in->want_icc)
		jpeg_save_markers(&j->cinfo, JPEG_APP0 + 2, 0xffff);
	jpeg_read_header(&j->cinfo, TRUE);
	if ((err = cf_img_check_size(j->cinfo.image_width,
	    j->cinfo.image_height, o, errbuf, errlen)))
		goto fail;
	read_meta(&j->cinfo, r);
	set_out_space(j);
	/* A progressive image is read whole here (--max-scans). */
	if (j->cinfo.progressive_mode && o->max_scans)
		count_scans(j, o->max_scans);
	jpeg_start_decompress(&j->cinfo);
	inc = (size_t)j->cinfo.output_components;
	if (inc != (j->cmyk ? 4u :
	    j->cinfo.out_color_space == JCS_RGB ? 3u : 1u)) {
		snprintf(errbuf, errlen, "unexpected JPEG output with %zu "
		    "components", inc);
		err = CF_EFORMAT;
		goto fail;
	}
	r->c = j->cmyk ? 3 : inc;
	r->h = j->cinfo.output_height;
	r->w = j->cinfo.output_width;
	r->dtype = CF_U8;
	if (j->cmyk && (cf_size_mul(r->w, 4 * ROWS_MAX, &bytes) ||
	    !(j->cmykbuf = malloc(bytes)))) {
		snprintf(errbuf, errlen, "out of memory");
		err = CF_ENOMEM;
		goto fail;
	}
	r->in->rows = jpeg_rows;
	r->in->finish = jpeg_finish;
	return 0;
fail:
	jpeg_close_reader(r);
	r->in->close = NULL;
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

/* A row writer's state, on the heap for the same reason as struct jrd. */
struct jwr {
	struct jpeg_compress_struct cinfo;
	struct errmgr e;
	struct dstmgr dst;
	int created;		/* cinfo needs jpeg_destroy_compress */
};

static void
jpeg_close_writer(struct cf_img_writer *wr)
{
	struct jwr *j = wr->in->priv;

	if (!j)
		return;
	if (j->created)
		jpeg_destroy_compress(&j->cinfo);
	free(j);
	wr->in->priv = NULL;
}

/* The loop of jpeg_write_rows, apart so that setjmp clobbers none of it. */
static int
write_rows(struct cf_img_writer *wr, JSAMPLE *in, size_t n, char *errbuf,
    size_t errlen)
{
	struct jwr *j = wr->in->priv;
	JSAMPROW ptr[ROWS_MAX];
	size_t rowbytes = wr->w * wr->c, m, i, done;

	while (n > 0) {
		m = n < ROWS_MAX ? n : ROWS_MAX;
		for (i = 0; i < m; i++)
			ptr[i] = in + i * rowbytes;
		done = jpeg_write_scanlines(&j->cinfo, ptr, (JDIMENSION)m);
		if (done == 0) {
			snprintf(errbuf, errlen, "JPEG encoder took no rows");
			return CF_EINVAL;
		}
		in += done * rowbytes;
		n -= done;
	}
	return 0;
}

static int
jpeg_write_rows(struct cf_img_writer *wr, const void *buf, size_t n,
    char *errbuf, size_t errlen)
{
	struct jwr *j = wr->in->priv;

	set_errbuf(&j->e, errbuf, errlen);
	if (setjmp(j->e.jb))
		return j->e.err ? j->e.err : CF_EFORMAT;
	/* libjpeg reads the rows without writing them: the cast is safe */
	return write_rows(wr, (JSAMPLE *)(uintptr_t)buf, n, errbuf, errlen);
}

/* Writes EOI; dst_term flushes f and reports a write error. */
static int
jpeg_write_finish(struct cf_img_writer *wr, char *errbuf, size_t errlen)
{
	struct jwr *j = wr->in->priv;

	set_errbuf(&j->e, errbuf, errlen);
	if (setjmp(j->e.jb))
		return j->e.err ? j->e.err : CF_EFORMAT;
	jpeg_finish_compress(&j->cinfo);
	return 0;
}

static int
jpeg_open_writer(FILE *f, const struct cf_img_format *fmt, const struct cf_save_opts *o,
    struct cf_img_writer *wr, char *errbuf, size_t errlen)
{
	struct jwr *j;
	int err;

	(void)fmt;
	if (wr->c != 1 && wr->c != 3) {
		snprintf(errbuf, errlen, "JPEG cannot store %zu channels "
		    "(only gray or RGB)", wr->c);
		return CF_ESHAPE;
	}
	if (wr->w > JPEG_MAX_DIMENSION || wr->h > JPEG_MAX_DIMENSION) {
		snprintf(errbuf, errlen, "image is %zux%zu, over JPEG's "
		    "%ld-pixel side limit", wr->w, wr->h,
		    (long)JPEG_MAX_DIMENSION);
		return CF_EOVERFLOW;
	}
	if (!(j = calloc(1, sizeof(*j)))) {
		snprintf(errbuf, errlen, "out of memory");
		return CF_ENOMEM;
	}
	wr->in->priv = j;
	wr->in->close = jpeg_close_writer;
	j->cinfo.err = jpeg_std_error(&j->e.pub);
	j->e.pub.error_exit = on_error;
	j->e.pub.emit_message = on_message;
	set_errbuf(&j->e, errbuf, errlen);
	if (setjmp(j->e.jb)) {
		err = j->e.err ? j->e.err : CF_EFORMAT;
		jpeg_close_writer(wr);
		wr->in->close = NULL;
		return err;
	}
	jpeg_create_compress(&j->cinfo);
	j->created = 1;
	j->dst.f = f;
	j->dst.pub.init_destination = dst_init;
	j->dst.pub.empty_output_buffer = dst_empty;
	j->dst.pub.term_destination = dst_term;
	j->cinfo.dest = &j->dst.pub;

	j->cinfo.image_width = (JDIMENSION)wr->w;
	j->cinfo.image_height = (JDIMENSION)wr->h;
	j->cinfo.input_components = (int)wr->c;
	j->cinfo.in_color_space = wr->c == 1 ? JCS_GRAYSCALE : JCS_RGB;
	jpeg_set_defaults(&j->cinfo);
	jpeg_set_quality(&j->cinfo, o->quality, TRUE);
	/* libjpeg's standard tables by default: one pass, rows streamed */
	j->cinfo.optimize_coding = o->jpeg_optimize ? TRUE : FALSE;
	jpeg_start_compress(&j->cinfo, TRUE);
	/* 255 APP2 markers of 65519 bytes at most: larger is dropped */
	if (wr->in->meta && wr->in->meta->icc && wr->in->meta->icc_len &&
	    wr->in->meta->icc_len <= 255UL * 65519)
		jpeg_write_icc_profile(&j->cinfo, wr->in->meta->icc,
		    (unsigned int)wr->in->meta->icc_len);
	wr->in->rows = jpeg_write_rows;
	wr->in->finish = jpeg_write_finish;
	return 0;
}

/* The shape from the frame header, turned as EXIF orientation says. */
static int
probe_jpeg(struct cf_img_peek *r, const struct cf_load_opts *o, size_t *s,
    char *errbuf, size_t errlen)
{
	unsigned char b[6], *app1;
	unsigned long len;
	size_t t;
	int c, m, orient = 0;

	if (cf_img_peek_skip(r, 2))
		goto bad;
	for (;;) {
		if ((c = cf_img_peek_byte(r)) != 0xff)
			goto bad;
		while ((m = cf_img_peek_byte(r)) == 0xff)
			;
		if (m == EOF)
			goto bad;
		if (m == 0x01 || (m >= 0xd0 && m <= 0xd7))
			continue;
		if (m == 0xd9 || m == 0xda)
			goto bad;	/* no frame header before the scan */
		if (cf_img_peek_read(r, b, 2))
			goto bad;
		if (m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 &&
		    m != 0xcc) {
			if (cf_img_peek_read(r, b, 6))
				goto bad;
			s[1] = (size_t)b[1] << 8 | b[2];
			s[2] = (size_t)b[3] << 8 | b[4];
			/* gray, or RGB (CMYK/YCCK are converted to RGB) */
			s[0] = b[5] == 1 ? 1 : 3;
			/* as cf_img_load turns it upright */
			if (orient >= 5 && !(o && o->no_auto_orient)) {
				t = s[1];
				s[1] = s[2];
				s[2] = t;
			}
			return 0;
		}
		len = (unsigned long)b[0] << 8 | b[1];
		if (m == 0xe1 && !orient && len >= 2) {
			/* APP1: EXIF orientation, at most 64 KiB */
			if (!(app1 = malloc(len)))
				goto bad;
			if (cf_img_peek_read(r, app1, len - 2)) {
				free(app1);
				goto bad;
			}
			orient = cf_img_exif_orientation(app1, len - 2);
			free(app1);
			continue;
		}
		if (((unsigned)b[0] << 8 | b[1]) < 2 ||
		    cf_img_peek_skip(r, ((unsigned long)b[0] << 8 | b[1]) - 2))
			goto bad;
	}
bad:
	snprintf(errbuf, errlen, "truncated or invalid JPEG header");
	return CF_EFORMAT;
}


static int
jpeg_magic(const unsigned char *b, size_t n)
{
	return n >= 3 && !memcmp(b, "\xff\xd8\xff", 3);
}

const struct cf_img_codec cf_codec_jpeg = {
	.magic = jpeg_magic,
	.open_reader = jpeg_open_reader,
	.open_writer = jpeg_open_writer,
	.probe = probe_jpeg,
};
