/*
 * png.c - PNG through libpng, the only file that includes <png.h>.
 *
 * Reading: every colour type and bit depth is expanded to 8-bit gray,
 * gray+alpha, RGB or RGBA: low-depth gray is scaled to 0..255, palettes
 * become RGB, tRNS becomes an alpha channel.  16-bit samples are kept by
 * libpng and either returned as they are (o->keep16: native uint16_t
 * rows) or rounded here, v8 = (v16 * 255 + 32767) / 65535, because
 * png_set_strip_16 truncates.  No gamma or sBIT transform is applied: the
 * samples are the file's samples.  Rows are decoded as they are asked
 * for; an interlaced (Adam7) image is decoded whole at open.
 *
 * Writing does not use libpng: the chunks are written here, the rows
 * filtered here (each with the filter of least sum of absolute values,
 * libpng's default choice) and the IDAT stream compressed in blocks of
 * ZBLOCK filtered bytes, each its own raw deflate stream primed with the
 * 32 KiB before it (as pigz does), so that blocks compress in parallel
 * and the bytes written do not depend on the number of threads.  See
 * deflate_job for the zlib strategy.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <png.h>
#include <zlib.h>

#include "base/parallel.h"
#include "io/img_int.h"

/*
 * IDAT bytes that may be read from the start of the image's last row: its
 * own data (at most the row and a little, stored), the zlib trailer and
 * libpng's read-ahead fit in rowbytes + rowbytes / 64 + IDAT_SLACK.
 * libpng inflates whatever follows the last row to its end before "Too
 * much image data" (4 GiB from a 4 MB file take seconds); 32 KiB more
 * inflate to at most 33 MB.  Beyond the bound is an error, --lenient or
 * not: a zlib bomb, not a damaged file.
 */
#define IDAT_SLACK (32UL << 10)

/* Largest chunk libpng may allocate, and how many it may keep. */
#define CHUNK_MALLOC_MAX (8UL << 20)
#define CHUNK_CACHE_MAX 128

/* I/O and error state shared with libpng's callbacks. */
struct ctx {
	FILE *f;
	char *errbuf;		/* the current call's */
	size_t errlen;
	int err;		/* cf_err to return after a longjmp */
	int have_msg;		/* errbuf already holds the message */
	int zero_dim;		/* libpng warned: zero width or height */
	int lenient;		/* --lenient: keep the first warning */
	int warned;		/* warn holds that warning */
	int rows_done;		/* at the last row: IDAT bytes are counted */
	int too_much;		/* idat_max exceeded */
	size_t idat_after;	/* IDAT bytes read since */
	size_t idat_max;	/* the bound on them */
	/* kept apart from errbuf: rows and finish get their own errbuf */
	char warn[256];
};

/* libpng's "Invalid IHDR data" -> "invalid IHDR data"; "IDAT: ..." stays. */
static void
set_msg(char *dst, size_t len, const char *msg)
{
	snprintf(dst, len, "%s", msg);
	if (len > 2 && dst[0] >= 'A' && dst[0] <= 'Z' &&
	    dst[1] >= 'a' && dst[1] <= 'z')
		dst[0] += 'a' - 'A';
}

static void
on_error(png_structp png, png_const_charp msg)
{
	struct ctx *c = png_get_error_ptr(png);

	if (!c->have_msg) {
		if (c->zero_dim)
			set_msg(c->errbuf, c->errlen,
			    "image has zero width or height");
		else
			set_msg(c->errbuf, c->errlen, msg);
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
		set_msg(c->warn, sizeof(c->warn), msg);
		c->warned = 1;
	}
}

static void
fail(png_structp png, int err, const char *msg)
{
	struct ctx *c = png_get_error_ptr(png);

	set_msg(c->errbuf, c->errlen, msg);
	c->have_msg = 1;
	c->err = err;
	png_error(png, msg);
}

static void
read_fn(png_structp png, png_bytep data, size_t len)
{
	struct ctx *c = png_get_io_ptr(png);
	char msg[128];

	if (c->rows_done && !c->too_much &&
	    (png_get_io_state(png) & PNG_IO_MASK_LOC) == PNG_IO_CHUNK_DATA &&
	    png_get_io_chunk_type(png) == 0x49444154 /* IDAT */ &&
	    (c->idat_after += len) > c->idat_max) {
		c->too_much = 1;
		fail(png, CF_EFORMAT, "IDAT: Too much image data");
	}
	if (fread(data, 1, len, c->f) == len)
		return;
	if (ferror(c->f)) {
		snprintf(msg, sizeof(msg), "read error: %s", strerror(errno));
		fail(png, CF_EIO, msg);
	}
	fail(png, CF_EFORMAT, "truncated PNG data");
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
	/* an empty chunk has no data at all (NULL) */
	if (!uc->data || uc->size < 3)
		return;
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

/* A row reader: libpng's state and the rows handed out so far. */
struct rd {
	struct ctx c;
	png_structp png;
	png_infop info;
	size_t rowbytes;	/* one row as libpng gives it */
	size_t y;		/* rows read */
	png_bytep row;		/* a 16-bit row to round to 8, or NULL */
	png_bytep buf;		/* Adam7: the whole image */
	png_bytepp rows;
	size_t h;
	int passes;
	size_t reserved;	/* buf's bytes against --max-memory */
};

static void
rd_free(struct rd *rd)
{
	if (rd->png)
		png_destroy_read_struct(&rd->png,
		    rd->info ? &rd->info : NULL, NULL);
	free(rd->row);
	free(rd->rows);
	free(rd->buf);
	cf_mem_unreserve(rd->reserved);
	free(rd);
}

static int
little_endian(void)
{
	const uint16_t one = 1;

	return *(const unsigned char *)&one == 1;
}

/* Big-endian 16-bit samples to 8 bits, rounded. */
static void
round_row(const png_byte *src, uint8_t *dst, size_t n)
{
	size_t i;
	uint32_t v;

	for (i = 0; i < n; i++) {
		v = (uint32_t)src[2 * i] << 8 | src[2 * i + 1];
		dst[i] = (uint8_t)((v * 255 + 32767) / 65535);
	}
}

static int read_end(struct rd *rd, char *errbuf, size_t errlen);

/*
 * Adam7 needs the whole interleaved image: decoded into r->img at open,
 * the trailer checked too.  Called under png_open_reader's setjmp.
 */
static int
read_adam7(struct rd *rd, struct cf_img_reader *r, int depth, char *errbuf,
    size_t errlen)
{
	size_t y, nbuf;
	int err, pass;

	if ((err = cf_tensor_init(&r->img, r->dtype, 3,
	    (size_t[]){ r->c, r->h, r->w }))) {
		snprintf(errbuf, errlen, "%s", cf_strerror(err));
		return err;
	}
	if (cf_size_mul(rd->rowbytes, r->h, &nbuf)) {
		snprintf(errbuf, errlen, "image too large");
		return CF_EOVERFLOW;
	}
	if (cf_mem_reserve(nbuf)) {
		snprintf(errbuf, errlen, "interlaced image needs %zu MiB, %s",
		    nbuf >> 20, cf_strerror(CF_EMEMORY));
		return CF_EMEMORY;
	}
	rd->reserved = nbuf;
	if (!(rd->buf = malloc(nbuf)) ||
	    !(rd->rows = malloc(r->h * sizeof(*rd->rows)))) {
		snprintf(errbuf, errlen, "out of memory");
		return CF_ENOMEM;
	}
	for (y = 0; y < r->h; y++)
		rd->rows[y] = rd->buf + y * rd->rowbytes;
	/* png_read_image, knowing when the last row starts */
	for (pass = 0; pass < rd->passes; pass++)
		for (y = 0; y < r->h; y++) {
			if (pass == rd->passes - 1 && y == r->h - 1)
				rd->c.rows_done = 1;
			png_read_row(rd->png, rd->rows[y], NULL);
		}
	for (y = 0; y < r->h; y++)
		unpack_row(rd->rows[y], depth, r->c, r->w, &r->img, y);
	return read_end(rd, errbuf, errlen);
}

/*
 * Read to IEND: checks the zlib checksum and the last CRCs.  0 (errbuf:
 * the --lenient warning, if any) or an error after a longjmp back here.
 */
static int
read_end(struct rd *rd, char *errbuf, size_t errlen)
{
	rd->c.rows_done = 1;
	rd->c.errbuf = errbuf;
	rd->c.errlen = errlen;
	if (setjmp(png_jmpbuf(rd->png)))
		return rd->c.err ? rd->c.err : CF_EFORMAT;
	png_read_end(rd->png, NULL);
	snprintf(errbuf, errlen, "%s", rd->c.warn);
	return 0;
}

/* Apart from png_rows' setjmp: none of its locals is read after a longjmp. */
static void
read_rows(struct rd *rd, unsigned char *out, size_t n, size_t nsamples)
{
	for (; n > 0; n--, rd->y++) {
		/* libpng finishes the zlib stream within the last row */
		if (rd->y == rd->h - 1)
			rd->c.rows_done = 1;
		if (rd->row) {
			png_read_row(rd->png, rd->row, NULL);
			round_row(rd->row, out, nsamples);
			out += nsamples;
		} else {
			png_read_row(rd->png, out, NULL);
			out += rd->rowbytes;
		}
	}
}

static int
png_rows(struct cf_img_reader *r, void *buf, size_t n, char *errbuf,
    size_t errlen)
{
	struct rd *rd = r->in->priv;

	if (n > r->h - rd->y) {
		snprintf(errbuf, errlen, "no rows to read");
		return CF_EINVAL;
	}
	rd->c.errbuf = errbuf;
	rd->c.errlen = errlen;
	if (setjmp(png_jmpbuf(rd->png)))
		return rd->c.err ? rd->c.err : CF_EFORMAT;
	read_rows(rd, buf, n, r->c * r->w);
	return 0;
}

static int
png_finish(struct cf_img_reader *r, char *errbuf, size_t errlen)
{
	struct rd *rd = r->in->priv;

	if (rd->y < r->h) {
		snprintf(errbuf, errlen, "finished before the last row");
		return CF_EINVAL;
	}
	return read_end(rd, errbuf, errlen);
}

static void
png_close(struct cf_img_reader *r)
{
	if (r->in->priv)
		rd_free(r->in->priv);
	r->in->priv = NULL;
}

/* libpng's setup: limits, CRC and benign-error handling, kept chunks. */
static void
setup_read(struct rd *rd, size_t nmagic, const struct cf_load_opts *o,
    int want_icc)
{
	png_set_read_fn(rd->png, &rd->c, read_fn);
	png_set_sig_bytes(rd->png, (int)nmagic);
	/*
	 * A bad CRC is an error in every chunk, not only critical ones, and
	 * benign errors ("extra compressed data": a zlib bomb behind a
	 * small image) are errors too.  --lenient makes both warnings for
	 * ancillary chunks; critical chunks stay checked.
	 */
	png_set_crc_action(rd->png, PNG_CRC_ERROR_QUIT, o->lenient ?
	    PNG_CRC_WARN_DISCARD : PNG_CRC_ERROR_QUIT);
	png_set_benign_errors(rd->png, o->lenient);
	/*
	 * Metadata is never used: skip every ancillary chunk but tRNS
	 * without allocating for it (CRCs are still checked), and bound
	 * what libpng may allocate for any one chunk and how many it
	 * keeps.
	 */
	png_set_keep_unknown_chunks(rd->png, PNG_HANDLE_CHUNK_NEVER, NULL, -1);
	/* but for an ICC profile to carry over: kept raw, read_iccp() */
	if (want_icc)
		png_set_keep_unknown_chunks(rd->png, PNG_HANDLE_CHUNK_ALWAYS,
		    (png_const_bytep)"iCCP", 1);
	png_set_chunk_malloc_max(rd->png, CHUNK_MALLOC_MAX);
	png_set_chunk_cache_max(rd->png, CHUNK_CACHE_MAX);
	/*
	 * Widen libpng's default 1000000-pixel side limit to what PNG allows,
	 * so that cf_img_check_size applies --max-side and --max-pixels with
	 * its own message.
	 */
	png_set_user_limits(rd->png, 0x7fffffff, 0x7fffffff);
}

static int
png_open_reader(FILE *f, const unsigned char *magic, size_t nmagic,
    const struct cf_load_opts *o, struct cf_img_reader *r, char *errbuf,
    size_t errlen)
{
	struct rd *rd;
	png_uint_32 w, h;
	size_t nc;
	int depth, ctype, passes, err;

	(void)magic;
	if (!(rd = calloc(1, sizeof(*rd)))) {
		snprintf(errbuf, errlen, "out of memory");
		return CF_ENOMEM;
	}
	rd->c.f = f;
	rd->c.errbuf = errbuf;
	rd->c.errlen = errlen;
	rd->c.lenient = o->lenient;
	rd->png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &rd->c,
	    on_error, on_warning);
	if (!rd->png || !(rd->info = png_create_info_struct(rd->png))) {
		snprintf(errbuf, errlen, "out of memory");
		err = CF_ENOMEM;
		goto out;
	}
	if (setjmp(png_jmpbuf(rd->png))) {
		err = rd->c.err ? rd->c.err : CF_EFORMAT;
		goto out;
	}
	setup_read(rd, nmagic, o, r->in->want_icc);
	png_read_info(rd->png, rd->info);
	if (r->in->want_icc)
		read_iccp(rd->png, rd->info, r->in->meta);

	w = png_get_image_width(rd->png, rd->info);
	h = png_get_image_height(rd->png, rd->info);
	if ((err = cf_img_check_size(w, h, o, errbuf, errlen)))
		goto out;

	/* Palette -> RGB, gray 1/2/4 -> 8, tRNS -> alpha. */
	png_set_expand(rd->png);
	passes = png_set_interlace_handling(rd->png);
	/* Rows hand out native uint16_t; the file's are big-endian. */
	if (passes == 1 && o->keep16 && little_endian() &&
	    png_get_bit_depth(rd->png, rd->info) == 16)
		png_set_swap(rd->png);
	png_read_update_info(rd->png, rd->info);
	depth = png_get_bit_depth(rd->png, rd->info);
	ctype = png_get_color_type(rd->png, rd->info);
	nc = png_get_channels(rd->png, rd->info);
	rd->rowbytes = png_get_rowbytes(rd->png, rd->info);
	if (nc < 1 || nc > 4 || (depth != 8 && depth != 16) ||
	    (ctype & PNG_COLOR_MASK_PALETTE) ||
	    rd->rowbytes / nc / (depth / 8) != w) {
		snprintf(errbuf, errlen, "unexpected PNG layout after "
		    "expansion (%zu channels, %d bits)", nc, depth);
		err = CF_EFORMAT;
		goto out;
	}
	r->c = nc;
	r->h = h;
	r->w = w;
	rd->h = h;
	rd->passes = passes;
	rd->c.idat_max = rd->rowbytes + rd->rowbytes / 64 + IDAT_SLACK;
	r->dtype = depth == 16 && o->keep16 ? CF_U16 : CF_U8;
	if (passes > 1) {
		err = read_adam7(rd, r, depth, errbuf, errlen);
		goto out;
	}
	if (depth == 16 && !o->keep16 && !(rd->row = malloc(rd->rowbytes))) {
		snprintf(errbuf, errlen, "out of memory");
		err = CF_ENOMEM;
		goto out;
	}
	r->in->rows = png_rows;
	r->in->finish = png_finish;
	r->in->close = png_close;
	r->in->priv = rd;
	return 0;
out:
	rd_free(rd);
	if (err)
		cf_tensor_release(&r->img);
	return err;
}

/*
 * Filtered bytes per deflate block.  Fixed, never derived from the
 * thread count, so that every -j writes the same file; large enough that
 * the 4 to 6 bytes a block adds (its sync flush) and the cost of starting
 * a stream cost nothing.
 */
#define ZBLOCK (1u << 20)
#define ZDICT 32768u		/* deflate's window: what a block may see */
#define ZOUT (ZBLOCK + ZBLOCK / 8 + 1024)	/* > deflate's worst case */
#define MAX_THREADS 32

/*
 * The filters are the writer's hot loops, worth 2x when vectorised: GCC
 * at -O2 vectorises only loops of a trip count it knows.
 */
#if defined(__GNUC__) && !defined(__clang__)
#define HOT __attribute__((optimize("O3")))
#else
#define HOT
#endif

/*
 * One block: its dictionary (the ZDICT bytes before it) and its bytes in
 * in, compressed into out between room for the IDAT chunk's length and
 * type, the zlib header, and the adler32 and CRC behind.
 */
struct zjob {
	unsigned char *in;	/* ZDICT of dictionary, then ZBLOCK */
	unsigned char *out;	/* 10 of room, ZOUT, 8 of room */
	unsigned char *out2;	/* the same, for a second try */
	size_t dict, len;
	size_t outlen;
	uLong adler;		/* of the block's bytes */
	int level;
	int last;		/* ends the stream (Z_FINISH) */
	int zerr;		/* zlib's result */
	int busy;		/* submitted, not yet written */
	int started;		/* task queued or run */
	struct cf_task task;
};

struct wr {
	FILE *f;
	size_t rowbytes;	/* one unfiltered row */
	size_t bpp;		/* bytes per pixel: the Sub filter's reach */
	size_t y;		/* rows written */
	unsigned char *prev;	/* the row above, big-endian; zero at first */
	unsigned char *cur;
	unsigned char *try;	/* the filtered row for each filter type */
	struct zjob *job;	/* ring: block b in job[b % njob] */
	size_t njob;
	size_t nblock;		/* blocks submitted */
	uLong adler;		/* of the blocks written */
	int threads, level;
};

static int
write_error(char *errbuf, size_t errlen)
{
	snprintf(errbuf, errlen, "write error: %s", strerror(errno));
	return CF_EIO;
}

static void
put32(unsigned char *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

/* A chunk of n bytes of data, whose type and length fit before it. */
static int
write_chunk(FILE *f, const char *type, const unsigned char *data, size_t n,
    char *errbuf, size_t errlen)
{
	unsigned char head[8], crc[4];
	uLong sum;

	put32(head, (uint32_t)n);
	memcpy(head + 4, type, 4);
	sum = crc32(0, head + 4, 4);
	if (n)	/* crc32 of a NULL buffer is 0, not the sum so far */
		sum = crc32(sum, data, (uInt)n);
	put32(crc, (uint32_t)sum);
	if (fwrite(head, 1, 8, f) != 8 || fwrite(data, 1, n, f) != n ||
	    fwrite(crc, 1, 4, f) != 4)
		return write_error(errbuf, errlen);
	return 0;
}

/*
 * Deflate block j into dst (past its 10 bytes of room) with one strategy;
 * the output size, or 0 with j->zerr set.
 */
static size_t
deflate_block(struct zjob *j, int strategy, unsigned char *dst)
{
	z_stream z;
	size_t n;
	int rc;

	memset(&z, 0, sizeof(z));
	if ((j->zerr = deflateInit2(&z, j->level, Z_DEFLATED, -15, 8,
	    strategy)) != Z_OK)
		return 0;
	if (j->dict)
		deflateSetDictionary(&z, j->in + ZDICT - j->dict,
		    (uInt)j->dict);
	z.next_in = j->in + ZDICT;
	z.avail_in = (uInt)j->len;
	z.next_out = dst + 10;
	z.avail_out = ZOUT;
	/* The sync flush ends on a byte: the next block starts there. */
	rc = deflate(&z, j->last ? Z_FINISH : Z_SYNC_FLUSH);
	j->zerr = rc == (j->last ? Z_STREAM_END : Z_OK) && !z.avail_in ?
	    Z_OK : Z_BUF_ERROR;
	n = z.total_out;
	deflateEnd(&z);
	return j->zerr == Z_OK ? n : 0;
}

/*
 * Compress one block; runs in a thread of its own or in the caller.
 * Filtered photographs compress as well with run-length matches alone
 * (Z_RLE) as with zlib's lazy search, in half the time; graphics and text
 * do not.  So RLE first, and where it did well (4:1: structure that
 * longer matches may find), or when the level asks for the smallest
 * (7 to 9), zlib's search for PNG data (Z_FILTERED) too: the smaller is
 * kept.  Level 0 stores.
 */
static void
deflate_job(void *arg)
{
	struct zjob *j = arg;
	unsigned char *t;
	size_t n;

	j->adler = adler32(1, j->in + ZDICT, (uInt)j->len);
	if (j->level == 0) {
		j->outlen = deflate_block(j, Z_DEFAULT_STRATEGY, j->out);
		return;
	}
	if (!(j->outlen = deflate_block(j, Z_RLE, j->out)))
		return;
	if (j->outlen >= j->len / 4 && j->level < 7)
		return;
	/* an error, not RLE kept: the bytes never depend on memory */
	if (!j->out2 && !(j->out2 = malloc(10 + ZOUT + 8))) {
		j->zerr = Z_MEM_ERROR;
		return;
	}
	if ((n = deflate_block(j, Z_FILTERED, j->out2)) && n < j->outlen) {
		t = j->out;
		j->out = j->out2;
		j->out2 = t;
		j->outlen = n;
	}
	j->zerr = Z_OK;
}

static int
job_wait(struct zjob *j)
{
	if (j->started)
		cf_task_wait(&j->task);
	j->started = 0;
	return j->zerr;
}

/*
 * Write block j, the oldest not yet written, as one IDAT chunk: the zlib
 * header ahead of the first, the whole stream's adler32 behind the last.
 */
static int
write_job(struct wr *w, struct zjob *j, int first, char *errbuf,
    size_t errlen)
{
	unsigned char *p, *end;
	int flevel;

	j->busy = 0;
	if (job_wait(j) != Z_OK) {
		snprintf(errbuf, errlen, j->zerr == Z_MEM_ERROR ?
		    "out of memory" : "deflate failed");
		return j->zerr == Z_MEM_ERROR ? CF_ENOMEM : CF_EINVAL;
	}
	/* only now: the job may have swapped out and out2 */
	p = j->out + 10;
	end = p + j->outlen;
	w->adler = adler32_combine(w->adler, j->adler, (z_off_t)j->len);
	if (first) {
		/* 32 KiB window, deflate; FLEVEL as zlib sets it */
		flevel = w->level < 2 ? 0 :
		    w->level < 6 ? 1 : w->level == 6 ? 2 : 3;
		*--p = (unsigned char)(flevel << 6);
		*--p = 0x78;
		p[1] += 31 - (p[0] << 8 | p[1]) % 31;
	}
	if (j->last) {
		put32(end, (uint32_t)w->adler);
		end += 4;
	}
	put32(p - 8, (uint32_t)(end - p));
	memcpy(p - 4, "IDAT", 4);
	put32(end, (uint32_t)crc32(0, p - 4, (uInt)(end - p + 4)));
	end += 4;
	if (fwrite(p - 8, 1, end - (p - 8), w->f) != (size_t)(end - (p - 8)))
		return write_error(errbuf, errlen);
	return 0;
}

/*
 * Hand the filling block to a thread (or compress it here), and make the
 * next slot ready: written out if still busy, primed with the dictionary.
 */
static int
submit(struct wr *w, int last, char *errbuf, size_t errlen)
{
	struct zjob *j = &w->job[w->nblock % w->njob], *next;
	int err;

	j->last = last;
	j->level = w->level;
	j->busy = 1;
	j->zerr = Z_OK;
	cf_task_start(&j->task, w->threads, deflate_job, j);
	j->started = 1;
	w->nblock++;
	if (last)
		return 0;
	next = &w->job[w->nblock % w->njob];
	if (next->busy && (err = write_job(w, next,
	    w->nblock == w->njob, errbuf, errlen)))
		return err;
	if (!next->in && (!(next->in = malloc(ZDICT + ZBLOCK)) ||
	    !(next->out = malloc(10 + ZOUT + 8)))) {
		snprintf(errbuf, errlen, "out of memory");
		return CF_ENOMEM;
	}
	/* A block after the first is full: its last ZDICT bytes prime. */
	memmove(next->in, j->in + ZBLOCK, ZDICT);
	next->dict = ZDICT;
	next->len = 0;
	return 0;
}

/* Append n filtered bytes to the stream, submitting full blocks. */
static int
put(struct wr *w, const unsigned char *p, size_t n, char *errbuf,
    size_t errlen)
{
	struct zjob *j;
	size_t k;
	int err;

	while (n > 0) {
		j = &w->job[w->nblock % w->njob];
		k = ZBLOCK - j->len < n ? ZBLOCK - j->len : n;
		memcpy(j->in + ZDICT + j->len, p, k);
		j->len += k;
		p += k;
		n -= k;
		if (j->len == ZBLOCK && (err = submit(w, 0, errbuf, errlen)))
			return err;
	}
	return 0;
}

/* The neighbour nearest a + b - c: left, up or up-left, ties in order. */
static inline unsigned char
paeth(int a, int b, int c)
{
	int pa = b - c, pb = a - c, pc = pa + pb;

	pa = pa < 0 ? -pa : pa;
	pb = pb < 0 ? -pb : pb;
	pc = pc < 0 ? -pc : pc;
	return (unsigned char)(pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
}

/* The sum of n filtered bytes taken as signed, libpng's measure. */
HOT static unsigned long
cost(const unsigned char *p, size_t n)
{
	unsigned long sum = 0;
	size_t i;

	for (i = 0; i < n; i++)
		sum += (unsigned)abs((signed char)p[i]);
	return sum;
}

/*
 * Filter row cur (prev above it) with filter type t into out, type byte
 * first.  One loop per type, so that each vectorises; the first pixel,
 * with nothing to its left, apart.
 */
HOT static void
filter_row(int t, const unsigned char *restrict cur,
    const unsigned char *restrict prev, size_t n, size_t bpp,
    unsigned char *restrict out)
{
	size_t i;

	*out++ = (unsigned char)t;
	switch (t) {
	case 0:
		memcpy(out, cur, n);
		break;
	case 1:
		memcpy(out, cur, bpp);
		for (i = bpp; i < n; i++)
			out[i] = cur[i] - cur[i - bpp];
		break;
	case 2:
		for (i = 0; i < n; i++)
			out[i] = cur[i] - prev[i];
		break;
	case 3:
		for (i = 0; i < bpp; i++)
			out[i] = cur[i] - (prev[i] >> 1);
		for (i = bpp; i < n; i++)
			out[i] = cur[i] - ((cur[i - bpp] + prev[i]) >> 1);
		break;
	default:
		/* Paeth of (0, up, 0) is up */
		for (i = 0; i < bpp; i++)
			out[i] = cur[i] - prev[i];
		for (i = bpp; i < n; i++)
			out[i] = cur[i] - paeth(cur[i - bpp], prev[i],
			    prev[i - bpp]);
		break;
	}
}

/* Row y into the stream, filtered the way that adds up to least. */
static int
put_row(struct wr *w, char *errbuf, size_t errlen)
{
	unsigned long sum, best = (unsigned long)-1;
	size_t n = 1 + w->rowbytes;
	int t, bt = 0;

	for (t = 0; t < 5; t++) {
		filter_row(t, w->cur, w->prev, w->rowbytes, w->bpp,
		    w->try + t * n);
		sum = cost(w->try + t * n + 1, w->rowbytes);
		if (sum < best) {
			best = sum;
			bt = t;
		}
	}
	return put(w, w->try + bt * n, n, errbuf, errlen);
}

static int
png_wrows(struct cf_img_writer *wr, const void *buf, size_t n, char *errbuf,
    size_t errlen)
{
	struct wr *w = wr->in->priv;
	const unsigned char *p = buf;
	unsigned char *t;
	size_t i;
	uint16_t v;
	int err;

	if (n > wr->h - w->y) {
		snprintf(errbuf, errlen, "more rows than the image height");
		return CF_EINVAL;
	}
	for (; n > 0; n--, w->y++, p += w->rowbytes) {
		if (wr->dtype != CF_U16)
			memcpy(w->cur, p, w->rowbytes);
		else
			for (i = 0; i < w->rowbytes; i += 2) {
				memcpy(&v, p + i, 2);
				w->cur[i] = v >> 8;
				w->cur[i + 1] = v & 0xff;
			}
		if ((err = put_row(w, errbuf, errlen)))
			return err;
		t = w->prev;
		w->prev = w->cur;
		w->cur = t;
	}
	return 0;
}

static int
png_wfinish(struct cf_img_writer *wr, char *errbuf, size_t errlen)
{
	struct wr *w = wr->in->priv;
	size_t b;
	int err;

	if (w->y < wr->h) {
		snprintf(errbuf, errlen, "finished before the last row");
		return CF_EINVAL;
	}
	if ((err = submit(w, 1, errbuf, errlen)))
		return err;
	/* the blocks still in the ring, oldest first */
	for (b = w->nblock > w->njob ? w->nblock - w->njob : 0;
	    b < w->nblock; b++)
		if (w->job[b % w->njob].busy && (err = write_job(w,
		    &w->job[b % w->njob], b == 0, errbuf, errlen)))
			return err;
	if ((err = write_chunk(w->f, "IEND", NULL, 0, errbuf, errlen)))
		return err;
	if (fflush(w->f) == EOF)
		return write_error(errbuf, errlen);
	return 0;
}

static void
png_wclose(struct cf_img_writer *wr)
{
	struct wr *w = wr->in->priv;
	size_t i;

	if (!w)
		return;
	for (i = 0; i < w->njob; i++) {
		job_wait(&w->job[i]);
		free(w->job[i].in);
		free(w->job[i].out);
		free(w->job[i].out2);
	}
	free(w->job);
	free(w->prev);
	free(w->cur);
	free(w->try);
	free(w);
	wr->in->priv = NULL;
}

/* Signature, IHDR, and the ICC profile as iCCP (level 9, it is small). */
static int
write_head(struct wr *w, struct cf_img_writer *wr, char *errbuf,
    size_t errlen)
{
	static const unsigned char sig[8] = { 0x89, 'P', 'N', 'G', '\r',
	    '\n', 0x1a, '\n' };
	static const unsigned char ctypes[] = { 0, 4, 2, 6 };
	const struct cf_img_meta *meta = wr->in->meta;
	unsigned char ihdr[13] = { 0 }, *iccp;
	uLongf zlen;
	int err;

	put32(ihdr, (uint32_t)wr->w);
	put32(ihdr + 4, (uint32_t)wr->h);
	ihdr[8] = wr->dtype == CF_U16 ? 16 : 8;
	ihdr[9] = ctypes[wr->c - 1];
	if (fwrite(sig, 1, 8, w->f) != 8)
		return write_error(errbuf, errlen);
	if ((err = write_chunk(w->f, "IHDR", ihdr, 13, errbuf, errlen)))
		return err;
	if (!meta || !meta->icc || meta->icc_len > CF_ICC_MAX)
		return 0;
	zlen = compressBound((uLong)meta->icc_len);
	if (!(iccp = malloc(13 + zlen)) || compress2(iccp + 13, &zlen,
	    meta->icc, (uLong)meta->icc_len, 9) != Z_OK) {
		free(iccp);
		snprintf(errbuf, errlen, "out of memory");
		return CF_ENOMEM;
	}
	memcpy(iccp, "ICC profile\0", 13);	/* name, method 0 */
	err = write_chunk(w->f, "iCCP", iccp, 13 + zlen, errbuf, errlen);
	free(iccp);
	return err;
}

static int
png_open_writer(FILE *f, const struct cf_img_format *fmt, const struct cf_save_opts *o,
    struct cf_img_writer *wr, char *errbuf, size_t errlen)
{
	struct wr *w;
	size_t rowbytes;
	(void)fmt;
	if (wr->w > 0x7fffffff || wr->h > 0x7fffffff || wr->c < 1 ||
	    wr->c > 4 || cf_size_mul(wr->w, wr->c * cf_dtype_size(wr->dtype),
	    &rowbytes) || rowbytes > SIZE_MAX / 8 - 1) {
		snprintf(errbuf, errlen, "image too large for PNG");
		return CF_EOVERFLOW;
	}
	if (!(w = calloc(1, sizeof(*w)))) {
		snprintf(errbuf, errlen, "out of memory");
		return CF_ENOMEM;
	}
	wr->in->priv = w;
	wr->in->rows = png_wrows;
	wr->in->finish = png_wfinish;
	wr->in->close = png_wclose;
	w->f = f;
	w->rowbytes = rowbytes;
	w->bpp = wr->c * cf_dtype_size(wr->dtype);
	w->adler = 1;
	w->level = o->png_level;
	w->threads = o->threads;
	if (w->threads > MAX_THREADS)
		w->threads = MAX_THREADS;
	/* threads compressing while the caller fills the next block */
	w->njob = w->threads > 1 ? (size_t)w->threads + 1 : 1;
	if (!(w->prev = calloc(1, rowbytes)) || !(w->cur = malloc(rowbytes)) ||
	    !(w->try = malloc(5 * (rowbytes + 1))) ||
	    !(w->job = calloc(w->njob, sizeof(*w->job))) ||
	    !(w->job[0].in = malloc(ZDICT + ZBLOCK)) ||
	    !(w->job[0].out = malloc(10 + ZOUT + 8))) {
		snprintf(errbuf, errlen, "out of memory");
		return CF_ENOMEM;
	}
	return write_head(w, wr, errbuf, errlen);
}

/* A big-endian 32-bit number. */
static unsigned long
peek_be32(const unsigned char *b)
{
	return (unsigned long)b[0] << 24 | (unsigned long)b[1] << 16 |
	    (unsigned long)b[2] << 8 | b[3];
}

/* The shape from IHDR, and alpha from a tRNS before the first IDAT. */
static int
probe_png(struct cf_img_peek *r, const struct cf_load_opts *o, size_t *s,
    char *errbuf, size_t errlen)
{
	unsigned char b[13];
	unsigned long len;
	int ctype, trns = 0;

	(void)o;
	if (cf_img_peek_skip(r, 8) || cf_img_peek_read(r, b, 8) || memcmp(b + 4, "IHDR", 4) ||
	    peek_be32(b) != 13 || cf_img_peek_read(r, b, 13) || cf_img_peek_skip(r, 4))
		goto bad;
	s[2] = peek_be32(b);
	s[1] = peek_be32(b + 4);
	ctype = b[9];
	for (;;) {
		if (cf_img_peek_read(r, b, 8))
			goto bad;
		len = peek_be32(b);
		if (!memcmp(b + 4, "IDAT", 4) || !memcmp(b + 4, "IEND", 4))
			break;
		if (!memcmp(b + 4, "tRNS", 4))
			trns = 1;
		if (len > 0x7fffffffUL || cf_img_peek_skip(r, len + 4))
			goto bad;
	}
	switch (ctype) {
	case 0:	s[0] = 1 + trns; break;
	case 2:	s[0] = 3 + trns; break;
	case 3:	s[0] = 3 + trns; break;
	case 4:	s[0] = 2; break;
	case 6:	s[0] = 4; break;
	default: goto bad;
	}
	return 0;
bad:
	snprintf(errbuf, errlen, "truncated or invalid PNG header");
	return CF_EFORMAT;
}


static int
png_magic(const unsigned char *b, size_t n)
{
	return n >= 8 && !memcmp(b, "\x89PNG\r\n\x1a\n", 8);
}

const struct cf_img_codec cf_codec_png = {
	.magic = png_magic,
	.open_reader = png_open_reader,
	.open_writer = png_open_writer,
	.probe = probe_png,
};
