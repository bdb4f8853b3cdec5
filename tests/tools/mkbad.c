/*
 * mkbad.c - write the generated part of the bad-input corpus (tests/bad/).
 *
 *   mkbad DIR
 *
 * Every file written into DIR must be rejected by convfilter with exit 1,
 * one message line and no output, quickly and in bounded memory.  Files
 * named lenient-* hold corrupt but recoverable data: rejected by default,
 * loaded with --lenient and one warning.  Files named paged-* load as
 * their first page and must fail with --page 1.  Files named *.kernel are kernel
 * files (used with -k), the rest are images.  The corpus is written at
 * test time, never committed: it is deterministic and takes well under a
 * second.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <zlib.h>

static const char *dir;

static void
die(const char *msg)
{
	fprintf(stderr, "mkbad: %s\n", msg);
	exit(1);
}

static void
put(const char *name, const void *p, size_t n)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (!(f = fopen(path, "wb")) || fwrite(p, 1, n, f) != n || fclose(f))
		die(path);
}

static void
puts_file(const char *name, const char *s)
{
	put(name, s, strlen(s));
}

/* ---- PNG, written by hand so that every byte can be broken ---- */

struct buf {
	unsigned char *p;
	size_t n, cap;
};

static void
add(struct buf *b, const void *p, size_t n)
{
	if (!n)
		return;
	if (b->n + n > b->cap) {
		b->cap = (b->n + n) * 2;
		if (!(b->p = realloc(b->p, b->cap)))
			die("out of memory");
	}
	memcpy(b->p + b->n, p, n);
	b->n += n;
}

static void
be32(unsigned char *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static void
chunk(struct buf *b, const char *type, const void *data, uint32_t len)
{
	unsigned char h[8], c[4];
	uLong crc;

	be32(h, len);
	memcpy(h + 4, type, 4);
	crc = crc32(0, h + 4, 4);
	if (len)
		crc = crc32(crc, data, len);
	be32(c, (uint32_t)crc);
	add(b, h, 8);
	add(b, data, len);
	add(b, c, 4);
}

static void
ihdr(unsigned char *d, uint32_t w, uint32_t h, int depth, int ctype,
    int interlace)
{
	be32(d, w);
	be32(d + 4, h);
	d[8] = depth;
	d[9] = ctype;
	d[10] = 0;
	d[11] = 0;
	d[12] = interlace;
}

/* zlib stream of n raw bytes (filter bytes included), all v. */
static unsigned char *
deflate_fill(size_t n, int v, size_t *outlen)
{
	unsigned char in[65536], *out;
	z_stream z;
	size_t cap = n / 500 + 1024;

	memset(&z, 0, sizeof(z));
	memset(in, v, sizeof(in));
	if (!(out = malloc(cap)) || deflateInit(&z, 9) != Z_OK)
		die("zlib");
	z.next_out = out;
	z.avail_out = (uInt)cap;
	while (n) {
		size_t k = n < sizeof(in) ? n : sizeof(in);

		z.next_in = in;
		z.avail_in = (uInt)k;
		n -= k;
		if (deflate(&z, n ? Z_NO_FLUSH : Z_FINISH) == Z_STREAM_ERROR ||
		    z.avail_in)
			die("deflate");
	}
	if (z.avail_out == 0)
		die("deflate buffer");
	*outlen = z.total_out;
	deflateEnd(&z);
	return out;
}

static const unsigned char sig[8] = { 0x89, 'P', 'N', 'G', 13, 10, 26, 10 };

/*
 * A zlib stream of 'blocks' MiB of zeros made quickly: one MiB deflated
 * after a full flush (which resets the dictionary, so every copy is the
 * same bytes), repeated, then an empty final block and the checksum.
 */
static unsigned char *
deflate_zeros_mib(size_t blocks, size_t *outlen)
{
	static unsigned char in[1 << 20];
	unsigned char head[8192], *out, *p;
	size_t n, hn, i;
	uLong adler = adler32(0L, Z_NULL, 0), one;
	z_stream z;

	memset(&z, 0, sizeof(z));
	if (deflateInit(&z, 9) != Z_OK)
		die("zlib");
	/* the 2-byte header and one MiB with a full flush after it */
	z.next_in = in;
	z.avail_in = sizeof(in);
	z.next_out = head;
	z.avail_out = sizeof(head);
	if (deflate(&z, Z_FULL_FLUSH) != Z_OK || z.avail_in)
		die("deflate");
	hn = sizeof(head) - z.avail_out;
	/* the same MiB again: the bytes one copy takes, without the header */
	z.next_in = in;
	z.avail_in = sizeof(in);
	z.next_out = head + hn;
	z.avail_out = (uInt)(sizeof(head) - hn);
	if (deflate(&z, Z_FULL_FLUSH) != Z_OK || z.avail_in)
		die("deflate");
	n = sizeof(head) - hn - z.avail_out;
	deflateEnd(&z);
	one = adler32(adler32(0L, Z_NULL, 0), in, sizeof(in));
	if (!(out = malloc(2 + blocks * n + 16)))
		die("out of memory");
	memcpy(out, head, 2);
	p = out + 2;
	for (i = 0; i < blocks; i++) {
		memcpy(p, head + hn, n);
		p += n;
		adler = adler32_combine(adler, one, sizeof(in));
	}
	/* a final empty stored block, then Adler-32 big-endian */
	memcpy(p, "\x01\x00\x00\xff\xff", 5);
	p += 5;
	*p++ = adler >> 24;
	*p++ = adler >> 16;
	*p++ = adler >> 8;
	*p++ = adler;
	*outlen = (size_t)(p - out);
	return out;
}

/* A valid 16x16 RGB PNG with a tEXt chunk; offsets of each chunk. */
static struct buf
good_png(size_t *bounds, size_t *nbounds)
{
	struct buf b = { 0 };
	unsigned char d[13], *z;
	size_t zn;

	add(&b, sig, 8);
	bounds[0] = 8;
	ihdr(d, 16, 16, 8, 2, 0);
	chunk(&b, "IHDR", d, 13);
	bounds[1] = b.n;
	chunk(&b, "tEXt", "Comment\0made by mkbad", 21);
	bounds[2] = b.n;
	z = deflate_fill(16 * (1 + 16 * 3), 0, &zn);
	chunk(&b, "IDAT", z, (uint32_t)zn);
	free(z);
	bounds[3] = b.n;
	chunk(&b, "IEND", NULL, 0);
	bounds[4] = b.n;
	*nbounds = 5;
	return b;
}

static void
png_with_ihdr(const char *name, uint32_t len, uint32_t w, uint32_t h,
    int depth, int ctype, int comp, int filt, int interlace)
{
	struct buf b = { 0 };
	unsigned char d[16] = { 0 }, *z;
	size_t zn;

	add(&b, sig, 8);
	ihdr(d, w, h, depth, ctype, interlace);
	d[10] = comp;
	d[11] = filt;
	chunk(&b, "IHDR", d, len);
	z = deflate_fill(64, 0, &zn);
	chunk(&b, "IDAT", z, (uint32_t)zn);
	free(z);
	chunk(&b, "IEND", NULL, 0);
	put(name, b.p, b.n);
	free(b.p);
}

static void
make_png(void)
{
	static const struct { int depth, ctype; } badcombo[] = {
		{ 3, 0 }, { 16, 3 }, { 1, 2 }, { 4, 4 }, { 2, 6 }, { 0, 0 },
		{ 8, 1 }, { 8, 5 }, { 8, 7 }, { 32, 2 },
	};
	struct buf b, m = { 0 };
	size_t bounds[8], nb, i, cut, zn;
	unsigned char d[13], *z;
	char name[64];

	b = good_png(bounds, &nb);
	/* Truncated at every chunk boundary and inside every chunk. */
	for (i = 0; i + 1 < nb; i++) {
		snprintf(name, sizeof(name), "png-cut-chunk%zu.png", i);
		put(name, b.p, bounds[i]);
		cut = bounds[i] + (bounds[i + 1] - bounds[i]) / 2;
		snprintf(name, sizeof(name), "png-cut-inside%zu.png", i);
		put(name, b.p, cut);
	}
	put("png-cut-sig.png", b.p, 5);
	put("png-cut-crc.png", b.p, bounds[4] - 2);

	/* CRC errors: IHDR, IDAT; in tEXt (ancillary) lenient loads it. */
	m.n = 0;
	add(&m, b.p, b.n);
	m.p[bounds[1] - 1] ^= 1;
	put("png-crc-ihdr.png", m.p, m.n);
	m.p[bounds[1] - 1] ^= 1;
	m.p[bounds[3] - 1] ^= 1;
	put("png-crc-idat.png", m.p, m.n);
	m.p[bounds[3] - 1] ^= 1;
	m.p[bounds[2] - 1] ^= 1;
	put("lenient-png-crc-text.png", m.p, m.n);
	m.p[bounds[2] - 1] ^= 1;
	/* Garbage in the zlib data (CRC fixed up by rewriting). */
	free(m.p);
	m = (struct buf){ 0 };
	add(&m, sig, 8);
	ihdr(d, 16, 16, 8, 2, 0);
	chunk(&m, "IHDR", d, 13);
	chunk(&m, "IDAT", "\x78\x9c\xff\xff\xff\xff\x00\x00", 8);
	chunk(&m, "IEND", NULL, 0);
	put("png-bad-zlib.png", m.p, m.n);
	free(m.p);
	/* A chunk length of 2^31 - 1 on a tiny file. */
	m = (struct buf){ 0 };
	add(&m, b.p, bounds[1]);
	add(&m, "\x7f\xff\xff\xffzTXt", 8);
	put("png-huge-chunk.png", m.p, m.n);
	free(m.p);
	/* No IDAT at all; IEND first; IDAT before IHDR. */
	m = (struct buf){ 0 };
	add(&m, b.p, bounds[2]);
	chunk(&m, "IEND", NULL, 0);
	put("png-no-idat.png", m.p, m.n);
	free(m.p);
	m = (struct buf){ 0 };
	add(&m, sig, 8);
	add(&m, b.p + bounds[2], bounds[4] - bounds[2]);
	put("png-idat-first.png", m.p, m.n);
	free(m.p);
	free(b.p);

	/* Every IHDR field broken. */
	png_with_ihdr("png-ihdr-width0.png", 13, 0, 4, 8, 0, 0, 0, 0);
	png_with_ihdr("png-ihdr-height0.png", 13, 4, 0, 8, 0, 0, 0, 0);
	png_with_ihdr("png-ihdr-width2g.png", 13, 0x80000000u, 1, 8, 0, 0, 0,
	    0);
	png_with_ihdr("png-ihdr-height4g.png", 13, 1, 0xffffffffu, 8, 0, 0, 0,
	    0);
	png_with_ihdr("png-ihdr-100000x100000.png", 13, 100000, 100000, 8, 6,
	    0, 0, 0);
	png_with_ihdr("png-ihdr-comp1.png", 13, 4, 4, 8, 0, 1, 0, 0);
	png_with_ihdr("png-ihdr-filter1.png", 13, 4, 4, 8, 0, 0, 1, 0);
	png_with_ihdr("png-ihdr-interlace2.png", 13, 4, 4, 8, 0, 0, 0, 2);
	png_with_ihdr("png-ihdr-len12.png", 12, 4, 4, 8, 0, 0, 0, 0);
	png_with_ihdr("png-ihdr-len0.png", 0, 4, 4, 8, 0, 0, 0, 0);
	for (i = 0; i < sizeof(badcombo) / sizeof(badcombo[0]); i++) {
		snprintf(name, sizeof(name), "png-ihdr-depth%d-type%d.png",
		    badcombo[i].depth, badcombo[i].ctype);
		png_with_ihdr(name, 13, 4, 4, badcombo[i].depth,
		    badcombo[i].ctype, 0, 0, 0);
	}
	/* Palette image without PLTE. */
	png_with_ihdr("png-no-plte.png", 13, 4, 4, 8, 3, 0, 0, 0);

	/*
	 * zlib bombs.  A 20000x20000 RGBA header with 64 MB of zeros in
	 * ~64 KB: the pixel limit stops it before inflating anything.  A
	 * 16x16 header whose IDAT inflates to 64 MB: the bound on what may
	 * follow the last row stops it, --lenient or not.
	 */
	z = deflate_fill(64u << 20, 0, &zn);
	m = (struct buf){ 0 };
	add(&m, sig, 8);
	ihdr(d, 20000, 20000, 8, 6, 0);
	chunk(&m, "IHDR", d, 13);
	chunk(&m, "IDAT", z, (uint32_t)zn);
	chunk(&m, "IEND", NULL, 0);
	put("png-bomb-big.png", m.p, m.n);
	free(m.p);
	m = (struct buf){ 0 };
	add(&m, sig, 8);
	ihdr(d, 16, 16, 8, 2, 0);
	chunk(&m, "IHDR", d, 13);
	chunk(&m, "IDAT", z, (uint32_t)zn);
	chunk(&m, "IEND", NULL, 0);
	put("png-bomb-small.png", m.p, m.n);
	free(m.p);
	free(z);
	/*
	 * A 1x1 gray image whose IDAT inflates to 4 GiB (a 4 MB file):
	 * inflating all that took seconds before "Too much image data".
	 */
	z = deflate_zeros_mib(4096, &zn);
	m = (struct buf){ 0 };
	add(&m, sig, 8);
	ihdr(d, 1, 1, 8, 0, 0);
	chunk(&m, "IHDR", d, 13);
	chunk(&m, "IDAT", z, (uint32_t)zn);
	chunk(&m, "IEND", NULL, 0);
	put("png-bomb-4g.png", m.p, m.n);
	free(m.p);
	free(z);
}

/* ---- JPEG, encoded by libjpeg and then broken ---- */

static unsigned char *
encode_jpeg(int w, int h, int nc, int progressive, int scans,
    unsigned long *len)
{
	struct jpeg_compress_struct ci;
	struct jpeg_error_mgr jerr;
	jpeg_scan_info *script = NULL;
	unsigned char *out = NULL;
	JSAMPLE *row;
	JSAMPROW rp;
	int x, y, c, k, al, n = 0;

	ci.err = jpeg_std_error(&jerr);
	jpeg_create_compress(&ci);
	*len = 0;
	jpeg_mem_dest(&ci, &out, len);
	ci.image_width = w;
	ci.image_height = h;
	ci.input_components = nc;
	ci.in_color_space = nc == 1 ? JCS_GRAYSCALE : JCS_RGB;
	jpeg_set_defaults(&ci);
	if (progressive)
		jpeg_simple_progression(&ci);
	if (scans) {
		/*
		 * As many scans as the standard allows: every coefficient
		 * of every component alone, one bit at a time.
		 */
		script = calloc(64 * 3 * 11, sizeof(*script));
		for (k = 0; k < 64; k++)
			for (c = 0; c < nc; c++)
				for (al = 10; al >= 0; al--) {
					script[n].comps_in_scan = 1;
					script[n].component_index[0] = c;
					script[n].Ss = k;
					script[n].Se = k;
					script[n].Ah = al == 10 ? 0 : al + 1;
					script[n].Al = al;
					n++;
				}
		ci.scan_info = script;
		ci.num_scans = n;
	}
	jpeg_start_compress(&ci, TRUE);
	row = malloc((size_t)w * nc);
	rp = row;
	for (y = 0; y < h; y++) {
		for (x = 0; x < w * nc; x++)
			row[x] = (JSAMPLE)((x * 7 + y * 13) & 255);
		jpeg_write_scanlines(&ci, &rp, 1);
	}
	jpeg_finish_compress(&ci);
	jpeg_destroy_compress(&ci);
	free(row);
	free(script);
	return out;
}

/* Offset of the first marker FF m at or after from, or 0. */
static size_t
marker(const unsigned char *p, size_t n, int m, size_t from)
{
	size_t i;

	for (i = from; i + 1 < n; i++)
		if (p[i] == 0xff && p[i + 1] == m)
			return i;
	return 0;
}

static void
without_segment(const char *name, const unsigned char *p, size_t n, int m)
{
	size_t at = marker(p, n, m, 2), len;
	unsigned char *q;

	if (!at)
		die("marker not found");
	len = 2 + ((size_t)p[at + 2] << 8 | p[at + 3]);
	q = malloc(n);
	memcpy(q, p, at);
	memcpy(q + at, p + at + len, n - at - len);
	put(name, q, n - len);
	free(q);
}

static void
patched(const char *name, const unsigned char *p, size_t n, size_t at,
    const void *bytes, size_t nb)
{
	unsigned char *q = malloc(n);

	memcpy(q, p, n);
	memcpy(q + at, bytes, nb);
	put(name, q, n);
	free(q);
}

static void
make_jpeg(void)
{
	unsigned long n, np, ns;
	unsigned char *p, *pr, *many;
	size_t sof, sos, at;
	char name[64];
	int i;

	p = encode_jpeg(32, 32, 3, 0, 0, &n);
	sof = marker(p, n, 0xc0, 2);
	sos = marker(p, n, 0xda, 2);
	if (!sof || !sos)
		die("no SOF0 or SOS");
	put("jpeg-soi-only.jpg", p, 4);
	put("jpeg-cut-header.jpg", p, sof + 5);
	put("jpeg-cut-sos.jpg", p, sos + 4);
	/* Truncated inside the entropy-coded data: a warning, so lenient. */
	put("lenient-jpeg-cut-data.jpg", p, sos + (n - sos) / 2);
	without_segment("jpeg-no-dqt.jpg", p, n, 0xdb);
	without_segment("jpeg-no-sof.jpg", p, n, 0xc0);
	patched("jpeg-sof-precision12.jpg", p, n, sof + 4, "\x0c", 1);
	patched("jpeg-sof-ncomp0.jpg", p, n, sof + 9, "\x00", 1);
	patched("jpeg-sof-ncomp200.jpg", p, n, sof + 9, "\xc8", 1);
	patched("jpeg-sof-sampling0.jpg", p, n, sof + 11, "\x00", 1);
	patched("jpeg-sof-sampling15.jpg", p, n, sof + 11, "\xff", 1);
	patched("jpeg-sof-qtable9.jpg", p, n, sof + 12, "\x09", 1);
	patched("jpeg-sof-len1.jpg", p, n, sof + 2, "\x00\x01", 2);
	patched("jpeg-sof-width0.jpg", p, n, sof + 7, "\x00\x00", 2);
	patched("jpeg-sof3-lossless.jpg", p, n, sof + 1, "\xc3", 1);
	patched("jpeg-sof-arith.jpg", p, n, sof + 1, "\xc9", 1);
	patched("jpeg-sos-ncomp9.jpg", p, n, sos + 4, "\x09", 1);
	patched("jpeg-sos-badcomp.jpg", p, n, sos + 5, "\x77", 1);
	patched("jpeg-dht-len0.jpg", p, n, marker(p, n, 0xc4, 2) + 2,
	    "\x00\x00", 2);
	patched("jpeg-bad-marker.jpg", p, n, sof, "\xff\x01", 2);
	patched("jpeg-second-soi.jpg", p, n, sos, "\xff\xd8", 2);
	/* Entropy data overwritten with 0xff 0x00 stuffing and garbage. */
	for (i = 0; i < 3; i++) {
		static const char *junk[] = { "\xff\xd9", "\xff\xd0\xff\xd7",
		    "\xff\xfe\xff\xff" };
		snprintf(name, sizeof(name), "lenient-jpeg-junk%d.jpg", i);
		at = sos + 20 + (size_t)i * 40;
		patched(name, p, n, at, junk[i], strlen(junk[i]));
	}

	/* Truncated progressive: inside the first and the last scans. */
	pr = encode_jpeg(64, 64, 3, 1, 0, &np);
	sos = marker(pr, np, 0xda, 2);
	put("jpeg-prog-cut-first.jpg", pr, sos + 6);
	put("lenient-jpeg-prog-cut-mid.jpg", pr, np / 2);
	put("lenient-jpeg-prog-cut-end.jpg", pr, np - 40);

	/* Thousands of scans (2112): --max-scans stops it at 100. */
	many = encode_jpeg(16, 16, 3, 1, 1, &ns);
	put("jpeg-scans-2112.jpg", many, ns);
	/*
	 * 5000 scans: the last scan repeated.  A repeated scan is a bogus
	 * progression, a warning: strict loading stops at the first one,
	 * --lenient at --max-scans.
	 */
	{
		size_t last = 0, k, nrep = 5000 - 2112;
		struct buf r = { 0 };

		while ((at = marker(many, ns, 0xda, last + 2)))
			last = at;
		add(&r, many, ns - 2);
		for (k = 0; k < nrep; k++)
			add(&r, many + last, ns - 2 - last);
		add(&r, "\xff\xd9", 2);
		put("jpeg-scans-5000.jpg", r.p, r.n);
		/*
		 * The same scans claiming 11000x11000 (121 MP, under
		 * --max-pixels): decoding would allocate every coefficient
		 * (233 MB) before the first scan; counted first, it fails at
		 * once.
		 */
		at = marker(r.p, r.n, 0xc2, 2);
		patched("jpeg-scans-121mp.jpg", r.p, r.n, at + 5,
		    "\x2a\xf8\x2a\xf8", 4);
		free(r.p);
	}
	free(many);
	free(pr);
	free(p);
}

/* ---- PNM and kernel files: plain text headers ---- */

static void
make_text(void)
{
#define F(name, data) { name, data, sizeof(data) - 1 }
	static const struct {
		const char *name, *data;
		size_t len;
	} files[] = {
		F("pnm-maxval0.pgm", "P5\n1 1\n0\n\0"),
		F("pnm-maxval65536.pgm", "P5\n1 1\n65536\n\0\0"),
		F("pnm-maxval-neg.pgm", "P5\n1 1\n-255\n\0"),
		F("pnm-above-maxval.pgm", "P5\n2 1\n100\n\x10\x65"),
		F("pnm-above-maxval16.pgm", "P5\n1 1\n1000\n\x03\xe9"),
		F("pnm-no-space.pgm", "P52 2 255\n\0\0\0\0"),
		F("pnm-no-space2.pgm", "P5\n2 2255\n\0\0\0\0"),
		F("pnm-no-space3.pgm", "P5\n2 2\n255\0\0\0\0"),
		F("pnm-negative.pgm", "P5\n-2 2\n255\n\0\0\0\0"),
		F("pnm-negative-h.ppm", "P6\n2 -2\n255\n\0\0\0\0"),
		F("pnm-huge.pgm", "P5\n99999999999999999999 1\n255\n\0"),
		F("pnm-huge2.ppm", "P6\n4294967296 4294967296\n255\n\0"),
		F("pnm-over-limit.ppm", "P6\n20000 20000\n255\n\0\0\0"),
		F("pnm-float.pgm", "P5\n2.5 2\n255\n\0\0\0\0\0"),
		F("pnm-hex.pgm", "P5\n0x2 2\n255\n\0\0\0\0"),
		F("pnm-no-maxval.pgm", "P5\n2 2\n"),
		F("pnm-comment-only.pgm", "P5\n# 2 2 255\n"),
		F("pnm-cut-data.ppm", "P6\n4 4\n255\n\1\2\3\4\5\6"),
		F("pnm-p7-depth0.pam", "P7\nWIDTH 1\nHEIGHT 1\nDEPTH 0\n"
		    "MAXVAL 255\nENDHDR\n"),
		F("pnm-p7-depth5-cut.pam", "P7\nWIDTH 1\nHEIGHT 1\nDEPTH 5\n"
		    "MAXVAL 255\nENDHDR\n\0\0\0\0"),
		F("pnm-p7-depth6-over.pam", "P7\nWIDTH 1\nHEIGHT 1\nDEPTH 6\n"
		    "MAXVAL 7\nENDHDR\n\0\1\2\3\4\10"),
		F("pnm-p7-no-endhdr.pam", "P7\nWIDTH 1\nHEIGHT 1\nDEPTH 1\n"
		    "MAXVAL 255\n\0"),
		F("pnm-p7-no-width.pam", "P7\nHEIGHT 1\nDEPTH 1\n"
		    "MAXVAL 255\nENDHDR\n\0"),
		F("pnm-p7-unknown.pam", "P7\nWIDTH 1\nHEIGHT 1\nDEPTH 1\n"
		    "MAXVAL 255\nFOO 1\nENDHDR\n\0"),
		F("pnm-p7-huge.pam", "P7\nWIDTH 4000000000\nHEIGHT 4000000000"
		    "\nDEPTH 4\nMAXVAL 65535\nENDHDR\n"),
		F("pnm-p1-cut.pbm", "P1\n2 1\n0"),
		F("pnm-p1-digit2.pbm", "P1\n2 1\n02"),
		F("pnm-p4-cut.pbm", "P4\n9 1\n\0"),
		F("pnm-p4-no-space.pbm", "P4\n8 1\0"),
		F("pnm-p2-over-maxval.pgm", "P2\n1 1\n10\n11\n"),
		F("pnm-p2-cut.pgm", "P2\n2 1\n255\n7"),
		F("pnm-p3-junk.ppm", "P3\n1 1\n255\n1 x 3\n"),
		F("pnm-p3-huge-sample.ppm", "P3\n1 1\n255\n1 99999999999 3\n"),
		F("pnm-p9.pgm", "P9\n1 1\n255\n\0"),
		F("kernel-nan.kernel", "1 nan 1\n"),
		F("kernel-inf.kernel", "1 1\ninf 1\n"),
		F("kernel-huge-number.kernel", "1e999 1\n1 1\n"),
		F("kernel-ragged.kernel", "1 2 3\n4 5\n"),
		F("kernel-empty.kernel", "# nothing\n"),
		F("kernel-shape-mismatch.kernel", "shape 3 3\n1 2 3\n4 5 6\n"),
		F("kernel-shape-huge.kernel", "shape 100000 100000\n1\n"),
		F("kernel-shape-huge4.kernel",
		    "shape 65536 65536 65536 65536\n1\n"),
		F("kernel-shape-overflow.kernel",
		    "shape 4294967296 4294967296\n1\n"),
		F("kernel-shape-zero.kernel", "shape 0 3\n"),
		F("kernel-shape-negative.kernel", "shape -3 3\n1 1 1\n"),
		F("kernel-groups0.kernel", "shape 1 1 1 1\ngroups 0\n1\n"),
		F("kernel-scale0.kernel", "scale 1/0\n1\n"),
		F("kernel-garbage.kernel", "1 2 x\n"),
		F("kernel-binary.kernel", "\x01\x02\xff\xfe"),
		F("kernel-too-many.kernel", "shape 1 2\n1 2 3\n"),
	};
	size_t i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		put(files[i].name, files[i].data, files[i].len);
#undef F
	/* A 1 MiB single row of numbers: over the kernel size cap. */
	{
		size_t n = 1 << 20, k;
		char *s = malloc(n + 1);

		for (k = 0; k + 2 <= n; k += 2)
			memcpy(s + k, "1 ", 2);
		s[n - 1] = '\n';
		put("kernel-wide.kernel", s, n);
		free(s);
	}
	puts_file("kernel-shape-bank-mismatch.kernel",
	    "shape 2 5 1 1\n1 2 3 4 5\n6 7 8 9 10\n");
}

/* ---- TIFF, little endian, written by hand ---- */

struct tag {
	uint16_t id, type;	/* 3 SHORT, 4 LONG */
	uint32_t count, value;	/* value, or an offset when count > 1 */
};

static void
le16(unsigned char *p, uint32_t v)
{
	p[0] = v;
	p[1] = v >> 8;
}

static void
le32(unsigned char *p, uint32_t v)
{
	le16(p, v);
	le16(p + 2, v >> 16);
}

/*
 * Header, the IFD at 8 (tags sorted by the caller, next IFD next), then
 * data at 8 + IFD size: returns the file in b; the data's offset is
 * tiff_data_at(ntags).
 */
static uint32_t
tiff_data_at(size_t ntags)
{
	return (uint32_t)(8 + 2 + 12 * ntags + 4);
}

static void
tiff_build(struct buf *b, const struct tag *t, size_t n, uint32_t next,
    const void *data, size_t len)
{
	unsigned char h[8] = { 'I', 'I', 42, 0 }, e[12];
	size_t i;

	le32(h + 4, 8);
	add(b, h, 8);
	le16(e, (uint32_t)n);
	add(b, e, 2);
	for (i = 0; i < n; i++) {
		le16(e, t[i].id);
		le16(e + 2, t[i].type);
		le32(e + 4, t[i].count);
		if (t[i].type == 3 && t[i].count == 1) {
			le16(e + 8, t[i].value);
			le16(e + 10, 0);
		} else
			le32(e + 8, t[i].value);
		add(b, e, 12);
	}
	le32(e, next);
	add(b, e, 4);
	add(b, data, len);
}

/* A W x H 8-bit gray striped TIFF, one strip; tags overridable. */
static void
tiff_gray(const char *name, uint32_t w, uint32_t h, uint16_t comp,
    uint32_t off_delta, uint32_t bytecount, size_t cut, uint32_t next,
    const void *data, size_t len)
{
	struct tag t[] = {
		{ 256, 4, 1, w }, { 257, 4, 1, h }, { 258, 3, 1, 8 },
		{ 259, 3, 1, comp }, { 262, 3, 1, 1 }, { 273, 4, 1, 0 },
		{ 277, 3, 1, 1 }, { 278, 4, 1, h }, { 279, 4, 1, bytecount },
	};
	struct buf b = { 0 };

	t[5].value = tiff_data_at(9) + off_delta;
	tiff_build(&b, t, 9, next, data, len);
	put(name, b.p, cut && cut < b.n ? cut : b.n);
	free(b.p);
}

static void
make_tiff(void)
{
	static unsigned char px[64 * 64];
	struct buf b = { 0 };
	size_t i;

	for (i = 0; i < sizeof(px); i++)
		px[i] = (unsigned char)(i * 7);
	tiff_gray("tiff-cut-strip.tif", 8, 8, 1, 0, 64,
	    tiff_data_at(9) + 40, 0, px, 64);
	tiff_gray("tiff-cut-header.tif", 8, 8, 1, 0, 64, 6, 0, px, 64);
	tiff_gray("tiff-cut-ifd.tif", 8, 8, 1, 0, 64, 40, 0, px, 64);
	tiff_gray("tiff-strip-offset-past-end.tif", 8, 8, 1, 0x7fffff00u, 64,
	    0, 0, px, 64);
	/* 1x1 with a 4 GB strip byte count, compressed so it is read */
	tiff_gray("tiff-1x1-bytecount-4g.tif", 1, 1, 8, 0, 0xffffffffu, 0, 0,
	    px, 64);
	tiff_gray("tiff-1x1-bytecount-4g-lzw.tif", 1, 1, 5, 0, 0xffffffffu,
	    0, 0, px, 64);
	tiff_gray("tiff-lzw-garbage.tif", 64, 64, 5, 0, 4096, 0, 0, px,
	    4096);
	tiff_gray("tiff-deflate-garbage.tif", 64, 64, 8, 0, 4096, 0, 0, px,
	    4096);
	tiff_gray("tiff-packbits-short.tif", 64, 64, 32773, 0, 100, 0, 0,
	    "\x7f", 1);
	tiff_gray("tiff-huge-100000x100000.tif", 100000, 100000, 1, 0, 64, 0,
	    0, px, 64);
	tiff_gray("tiff-zero-width.tif", 0, 8, 1, 0, 64, 0, 0, px, 64);
	tiff_gray("tiff-unknown-compression.tif", 8, 8, 4242, 0, 64, 0, 0, px,
	    64);
	{
		/* the IFD offset in the header points past the end */
		struct buf c = { 0 };
		unsigned char h[8] = { 'I', 'I', 42, 0, 0xf0, 0xff, 0xff,
		    0x7f };

		add(&c, h, 8);
		add(&c, px, 64);
		put("tiff-ifd-offset-past-end.tif", c.p, c.n);
		free(c.p);
	}
	{
		/* an odd bit depth, a CMYK image, zero samples per pixel */
		struct tag t[] = {
			{ 256, 4, 1, 8 }, { 257, 4, 1, 8 }, { 258, 3, 1, 3 },
			{ 259, 3, 1, 1 }, { 262, 3, 1, 1 }, { 273, 4, 1, 0 },
			{ 277, 3, 1, 1 }, { 278, 4, 1, 8 }, { 279, 4, 1, 64 },
		};

		t[5].value = tiff_data_at(9);
		tiff_build(&b, t, 9, 0, px, 64);
		put("tiff-bps3.tif", b.p, b.n);
		b.n = 0;
		t[2].value = 8;
		t[4].value = 5;	/* separated (CMYK) with one sample */
		tiff_build(&b, t, 9, 0, px, 64);
		put("tiff-cmyk-1-sample.tif", b.p, b.n);
		b.n = 0;
		t[2].value = 4;
		t[4].value = 3;	/* palette without a colormap */
		tiff_build(&b, t, 9, 0, px, 64);
		put("tiff-palette-no-colormap.tif", b.p, b.n);
		b.n = 0;
		t[2].value = 8;
		t[4].value = 1;
		t[6].value = 0;
		tiff_build(&b, t, 9, 0, px, 64);
		put("tiff-spp0.tif", b.p, b.n);
		b.n = 0;
		/* no StripOffsets */
		t[6].value = 1;
		memmove(&t[5], &t[6], 3 * sizeof(t[0]));
		tiff_build(&b, t, 8, 0, px, 64);
		put("tiff-no-strip-offsets.tif", b.p, b.n);
		b.n = 0;
	}
	{
		/* tiled: 1x1 with a 65536x65536 tile (4 GB), and a tile
		 * whose offsets are missing */
		struct tag t[] = {
			{ 256, 4, 1, 1 }, { 257, 4, 1, 1 }, { 258, 3, 1, 8 },
			{ 259, 3, 1, 1 }, { 262, 3, 1, 1 }, { 277, 3, 1, 1 },
			{ 322, 4, 1, 65536 }, { 323, 4, 1, 65536 },
			{ 324, 4, 1, 0 }, { 325, 4, 1, 64 },
		};

		t[8].value = tiff_data_at(10);
		tiff_build(&b, t, 10, 0, px, 64);
		put("tiff-tile-65536x65536.tif", b.p, b.n);
		b.n = 0;
		t[6].value = t[7].value = 16;
		t[9].value = 256;	/* the tile's 256 bytes are not there */
		tiff_build(&b, t, 10, 0, px, 64);
		put("tiff-tile-cut.tif", b.p, b.n);
		b.n = 0;
		t[6].value = 17;	/* not a multiple of 16 */
		tiff_build(&b, t, 10, 0, px, 64);
		put("tiff-tile-width-17.tif", b.p, b.n);
		b.n = 0;
	}
	free(b.p);
	/* an IFD loop: page 0 loads (its next IFD is itself); --page 1 and
	 * on must fail (tests/bad.bats) */
	tiff_gray("paged-tiff-ifd-loop.tif", 8, 8, 1, 0, 64, 0, 8, px, 64);
}

/* ---- WebP (RIFF), by hand: a VP8L header is 5 bytes ---- */

static void
webp_file(const char *name, uint32_t riff_size, const char *fourcc,
    const unsigned char *chunk, uint32_t clen, size_t cut)
{
	struct buf b = { 0 };
	unsigned char h[8];

	add(&b, "RIFF", 4);
	le32(h, riff_size);
	add(&b, h, 4);
	add(&b, "WEBP", 4);
	add(&b, fourcc, 4);
	le32(h, clen);
	add(&b, h, 4);
	add(&b, chunk, clen);
	if (clen % 2)
		add(&b, "", 1);
	put(name, b.p, cut && cut < b.n ? cut : b.n);
	free(b.p);
}

/* A VP8L header: signature, 14-bit width - 1 and height - 1, alpha,
 * version 0. */
static void
vp8l(unsigned char *p, uint32_t w, uint32_t h, int alpha)
{
	uint32_t bits = (w - 1) | (h - 1) << 14 | (uint32_t)alpha << 28;

	p[0] = 0x2f;
	le32(p + 1, bits);
}

static void
make_webp(void)
{
	unsigned char c[64] = { 0 }, x[10] = { 0 };
	uint32_t n = sizeof(c);

	vp8l(c, 16, 16, 0);
	memset(c + 5, 0xa5, sizeof(c) - 5);
	webp_file("webp-garbage.webp", 4 + 8 + n, "VP8L", c, n, 0);
	/* the RIFF size lies: 2 GB */
	webp_file("webp-lying-size.webp", 0x7ffffff0u, "VP8L", c, n, 0);
	{
		/* chunk size larger than the file */
		struct buf b = { 0 };
		unsigned char h[4];

		add(&b, "RIFF", 4);
		le32(h, 4 + 8 + 64);
		add(&b, h, 4);
		add(&b, "WEBPVP8L", 8);
		le32(h, 0x7ffffff0u);
		add(&b, h, 4);
		add(&b, c, 64);
		put("webp-lying-chunk-size.webp", b.p, b.n);
		free(b.p);
	}
	webp_file("webp-cut.webp", 4 + 8 + n, "VP8L", c, n, 20);
	vp8l(c, 16384, 16384, 1);
	webp_file("webp-16384x16384.webp", 4 + 8 + n, "VP8L", c, n, 0);
	/* VP8X, animation flag, 64x64 canvas, and no frames */
	x[0] = 0x02;
	x[4] = 63;
	x[7] = 63;
	webp_file("webp-animated.webp", 4 + 8 + 10, "VP8X", x, 10, 0);
	{
		struct buf b = { 0 };

		add(&b, "RIFF\x16\0\0\0WAVEfmt \x0a\0\0\0", 20);
		add(&b, x, 10);
		put("riff-wave.webp", b.p, b.n);
		free(b.p);
	}
}

int
main(int argc, char **argv)
{
	if (argc != 2)
		die("usage: mkbad DIR");
	dir = argv[1];
	make_png();
	make_jpeg();
	make_text();
	make_tiff();
	make_webp();
	return 0;
}
