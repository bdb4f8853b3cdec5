/*
 * mkfixture - deterministic test images for tests/io.bats.
 *
 *   mkfixture png TYPE DEPTH [--interlace] [--trns] W H OUT.png [EXP.pam]
 *	TYPE is gray, graya, rgb, rgba or palette; DEPTH is a bit depth PNG
 *	allows for TYPE.  EXP.pam receives the exact 8-bit samples convfilter
 *	must load from OUT.png, computed here from the raw samples (not by
 *	libpng): gray of depth d is scaled by 255 / (2^d - 1), 16-bit samples
 *	are rounded, v8 = (v * 255 + 32767) / 65535, a palette becomes RGB
 *	(RGBA with tRNS, entries past the tRNS table opaque), tRNS on gray or
 *	RGB adds an alpha channel (0 where the raw sample equals the key).
 *	16-bit images start with samples 0 65535 128 129 385 386 32767 32768,
 *	whose 8-bit values 0 255 0 1 1 2 127 128 tell rounding from
 *	truncation.
 *   mkfixture jpeg KIND W H OUT.jpg [EXP.pam]
 *	KIND is gray, rgb, progressive, cmyk (Adobe inverted) or ycck; a
 *	smooth gradient at quality 95.  EXP.pam holds the source pattern, so
 *	a decoder is expected within a small tolerance of it.
 *   mkfixture png-header W H OUT.png
 *	PNG signature, an IHDR claiming W x H (8-bit RGB; W or H may be 0),
 *	an empty IDAT and IEND: a header to test size limits with.
 *   mkfixture png-empty-iccp OUT.png
 *	a 1x1 gray PNG (value 77) with an empty iCCP chunk: sound, its
 *	profile ignored.
 *   mkfixture jpeg-size W H OUT.jpg
 *	a valid 16x16 JPEG whose SOF0 is patched to claim W x H.
 *
 * Linked with libpng and libjpeg only, never with convfilter's objects,
 * so it cannot share convfilter's bugs.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <png.h>

static const char *prog = "mkfixture";

static void
die(const char *msg)
{
	fprintf(stderr, "%s: %s\n", prog, msg);
	exit(2);
}

static unsigned long
num(const char *s)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (!*s || *end)
		die("bad number");
	return v;
}

static FILE *
open_out(const char *path)
{
	FILE *f = fopen(path, "wb");

	if (!f)
		die("cannot open output");
	return f;
}

static void
close_out(FILE *f)
{
	if (fclose(f) == EOF)
		die("write error");
}

/* Write c x h x w planar 8-bit samples as a PAM, as convfilter does. */
static void
write_pam(const char *path, const uint8_t *chw, size_t c, size_t w,
    size_t h)
{
	static const char *tt[] = { "GRAYSCALE", "GRAYSCALE_ALPHA", "RGB",
	    "RGB_ALPHA" };
	FILE *f = open_out(path);
	size_t i, k;

	fprintf(f, "P7\nWIDTH %zu\nHEIGHT %zu\nDEPTH %zu\nMAXVAL 255\n"
	    "TUPLTYPE %s\nENDHDR\n", w, h, c, tt[c - 1]);
	for (i = 0; i < w * h; i++)
		for (k = 0; k < c; k++)
			putc(chw[k * w * h + i], f);
	close_out(f);
}

/* ---- PNG ---- */

static const unsigned special16[] = { 0, 65535, 128, 129, 385, 386,
    32767, 32768 };

/* Raw sample i of a depth-bit image. */
static unsigned
pattern(size_t i, int depth)
{
	uint32_t hsh = (uint32_t)(i + 1) * 2654435761u;

	if (depth == 16 && i < sizeof(special16) / sizeof(special16[0]))
		return special16[i];
	return (hsh >> 13) & ((1u << depth) - 1);
}

static unsigned
to8(unsigned v, int depth)
{
	if (depth == 16)
		return (v * 255 + 32767) / 65535;
	return v * 255 / ((1u << depth) - 1);
}

/* The libpng part, apart so that setjmp has no locals to clobber. */
static void
write_png(const char *path, size_t w, size_t h, int depth, int ctype,
    int interlace, png_bytep *rows, png_color *pal, int npal,
    png_byte *alpha, int ntrans, const unsigned *key)
{
	png_color_16 tcol;
	png_structp png;
	png_infop info;
	FILE *f;

	f = open_out(path);
	png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL,
	    NULL);
	info = png_create_info_struct(png);
	if (setjmp(png_jmpbuf(png)))
		die("libpng failed");
	png_init_io(png, f);
	png_set_IHDR(png, info, (png_uint_32)w, (png_uint_32)h, depth,
	    ctype, interlace ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE,
	    PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	if (npal)
		png_set_PLTE(png, info, pal, npal);
	if (ntrans >= 0) {
		/* A palette's alpha table, or a gray or RGB key colour. */
		memset(&tcol, 0, sizeof(tcol));
		tcol.gray = (png_uint_16)key[0];
		tcol.red = (png_uint_16)key[0];
		tcol.green = (png_uint_16)key[1];
		tcol.blue = (png_uint_16)key[2];
		png_set_tRNS(png, info, npal ? alpha : NULL, npal ? ntrans : 0,
		    &tcol);
	}
	png_write_info(png, info);
	png_write_image(png, rows);
	png_write_end(png, NULL);
	png_destroy_write_struct(&png, &info);
	close_out(f);
}

static void
make_png(int argc, char **argv)
{
	static const struct {
		const char *name;
		int ctype, nc, depths;	/* depths: bit mask of 1<<d */
	} types[] = {
		{ "gray", PNG_COLOR_TYPE_GRAY, 1, 2 | 4 | 16 | 256 | 65536 },
		{ "graya", PNG_COLOR_TYPE_GRAY_ALPHA, 2, 256 | 65536 },
		{ "rgb", PNG_COLOR_TYPE_RGB, 3, 256 | 65536 },
		{ "rgba", PNG_COLOR_TYPE_RGB_ALPHA, 4, 256 | 65536 },
		{ "palette", PNG_COLOR_TYPE_PALETTE, 1, 2 | 4 | 16 | 256 },
	};
	int t, depth, interlace = 0, trns = 0, nc, oc, i;
	size_t w, h, x, y, k, n, rowbytes;
	unsigned *raw, key[3] = { 0 }, v;
	png_color pal[256];
	png_byte alpha[256];
	int npal = 0, ntrans = 0;
	uint8_t *exp, *img;
	png_bytep *rows;

	if (argc < 4)
		die("usage: png TYPE DEPTH [--interlace] [--trns] W H OUT "
		    "[EXP.pam]");
	for (t = 0; t < 5 && strcmp(argv[0], types[t].name); t++)
		;
	depth = (int)num(argv[1]);
	if (t == 5 || depth > 16 || !(types[t].depths & (1 << depth)))
		die("bad PNG type or depth");
	argc -= 2, argv += 2;
	for (; argc && strncmp(argv[0], "--", 2) == 0; argc--, argv++) {
		if (strcmp(argv[0], "--interlace") == 0)
			interlace = 1;
		else if (strcmp(argv[0], "--trns") == 0)
			trns = 1;
		else
			die("bad option");
	}
	if (argc < 3)
		die("missing W H OUT");
	w = num(argv[0]);
	h = num(argv[1]);
	if (!w || !h || w > 4096 || h > 4096)
		die("bad size");
	if (trns && (types[t].nc == 2 || types[t].nc == 4))
		die("--trns needs gray, rgb or palette");
	nc = types[t].nc;
	n = w * h;

	/* Raw samples, with some pixels forced to the tRNS key colour. */
	raw = malloc(n * nc * sizeof(*raw));
	for (i = 0; i < (int)(n * nc); i++)
		raw[i] = pattern((size_t)i, depth);
	if (trns && types[t].ctype != PNG_COLOR_TYPE_PALETTE) {
		for (k = 0; k < (size_t)nc; k++)
			key[k] = raw[k];
		for (y = 0; y < h; y++)
			for (x = 0; x < w; x++)
				if ((x + 2 * y) % 7 == 0)
					for (k = 0; k < (size_t)nc; k++)
						raw[(y * w + x) * nc + k] =
						    key[k];
	}
	if (types[t].ctype == PNG_COLOR_TYPE_PALETTE) {
		npal = 1 << depth;
		for (i = 0; i < npal; i++) {
			pal[i].red = (png_byte)(i * 67 + 13);
			pal[i].green = (png_byte)(i * 151 + 7);
			pal[i].blue = (png_byte)(i * 29 + 200);
			alpha[i] = (png_byte)(i * 97 + 5);
		}
		/* Fewer tRNS entries than colours: the rest are opaque. */
		ntrans = npal == 2 ? 1 : npal / 2 + 1;
	}

	/* The expected tensor. */
	oc = types[t].ctype == PNG_COLOR_TYPE_PALETTE ? 3 : nc;
	if (trns)
		oc++;
	exp = malloc(n * oc);
	for (i = 0; i < (int)n; i++) {
		const unsigned *p = raw + (size_t)i * nc;

		if (types[t].ctype == PNG_COLOR_TYPE_PALETTE) {
			exp[0 * n + i] = pal[p[0]].red;
			exp[1 * n + i] = pal[p[0]].green;
			exp[2 * n + i] = pal[p[0]].blue;
			if (trns)
				exp[3 * n + i] = (int)p[0] < ntrans ?
				    alpha[p[0]] : 255;
			continue;
		}
		for (k = 0; k < (size_t)nc; k++)
			exp[k * n + i] = (uint8_t)to8(p[k], depth);
		if (trns) {
			int is_key = 1;

			for (k = 0; k < (size_t)nc; k++)
				is_key &= p[k] == key[k];
			exp[(size_t)nc * n + i] = is_key ? 0 : 255;
		}
	}

	/* Pack rows: MSB first below 8 bits, big endian at 16. */
	rowbytes = (w * nc * depth + 7) / 8;
	img = calloc(h, rowbytes);
	rows = malloc(h * sizeof(*rows));
	for (y = 0; y < h; y++) {
		rows[y] = img + y * rowbytes;
		for (k = 0; k < w * nc; k++) {
			v = raw[y * w * nc + k];
			if (depth == 16) {
				rows[y][2 * k] = (png_byte)(v >> 8);
				rows[y][2 * k + 1] = (png_byte)v;
			} else if (depth == 8) {
				rows[y][k] = (png_byte)v;
			} else {
				rows[y][k * depth / 8] |= (png_byte)(v <<
				    (8 - depth - (k * depth) % 8));
			}
		}
	}

	write_png(argv[2], w, h, depth, types[t].ctype, interlace, rows,
	    pal, npal, trns ? alpha : NULL, trns ? ntrans : -1, key);
	if (argc > 3)
		write_pam(argv[3], exp, (size_t)oc, w, h);
	free(rows);
	free(img);
	free(exp);
	free(raw);
}

static uint32_t
crc32(uint32_t crc, const unsigned char *p, size_t n)
{
	int k;

	crc = ~crc;
	while (n--) {
		crc ^= *p++;
		for (k = 0; k < 8; k++)
			crc = crc >> 1 ^ (0xedb88320u & -(crc & 1));
	}
	return ~crc;
}

static void
put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static void
chunk(FILE *f, const char *type, const unsigned char *data, uint32_t len)
{
	unsigned char buf[64];

	put32(buf, len);
	memcpy(buf + 4, type, 4);
	memcpy(buf + 8, data, len);
	put32(buf + 8 + len, crc32(0, buf + 4, len + 4));
	fwrite(buf, 1, len + 12, f);
}

static void
make_png_header(int argc, char **argv)
{
	unsigned char ihdr[13] = { 0 };
	FILE *f;

	if (argc != 3)
		die("usage: png-header W H OUT");
	put32(ihdr, (uint32_t)num(argv[0]));
	put32(ihdr + 4, (uint32_t)num(argv[1]));
	ihdr[8] = 8;	/* bit depth */
	ihdr[9] = 2;	/* RGB */
	f = open_out(argv[2]);
	fwrite("\x89PNG\r\n\x1a\n", 1, 8, f);
	chunk(f, "IHDR", ihdr, 13);
	chunk(f, "IDAT", ihdr, 0);
	chunk(f, "IEND", ihdr, 0);
	close_out(f);
}

/* A 1x1 gray PNG of value 77 with an empty iCCP chunk before its IDAT. */
static void
make_png_empty_iccp(int argc, char **argv)
{
	/* zlib: one stored block of the row (filter 0, 77), Adler-32 */
	static const unsigned char idat[13] = { 0x78, 0x01, 0x01, 0x02, 0x00,
	    0xfd, 0xff, 0x00, 0x4d, 0x00, 0x4f, 0x00, 0x4e };
	unsigned char ihdr[13] = { 0 };
	FILE *f;

	if (argc != 1)
		die("usage: png-empty-iccp OUT");
	put32(ihdr, 1);
	put32(ihdr + 4, 1);
	ihdr[8] = 8;	/* bit depth */
	ihdr[9] = 0;	/* gray */
	f = open_out(argv[0]);
	fwrite("\x89PNG\r\n\x1a\n", 1, 8, f);
	chunk(f, "IHDR", ihdr, 13);
	chunk(f, "iCCP", ihdr, 0);
	chunk(f, "IDAT", idat, sizeof(idat));
	chunk(f, "IEND", ihdr, 0);
	close_out(f);
}

/* ---- JPEG ---- */

static void
make_jpeg(int argc, char **argv)
{
	struct jpeg_compress_struct ci;
	struct jpeg_error_mgr jerr;
	const char *kind;
	size_t w, h, x, y, n, nc, ic;
	unsigned r, g, b, mx;
	uint8_t *src;
	JSAMPLE *row;
	FILE *f;

	if (argc < 4)
		die("usage: jpeg KIND W H OUT [EXP.pam]");
	kind = argv[0];
	w = num(argv[1]);
	h = num(argv[2]);
	if (w < 2 || h < 2 || w > 4096 || h > 4096)
		die("bad size");
	n = w * h;
	nc = strcmp(kind, "gray") == 0 ? 1 : 3;
	ic = strcmp(kind, "cmyk") == 0 || strcmp(kind, "ycck") == 0 ? 4 : nc;
	if (nc == 3 && ic == 3 && strcmp(kind, "rgb") &&
	    strcmp(kind, "progressive"))
		die("bad JPEG kind");

	/* Smooth gradients: red across, green down, blue diagonal. */
	src = malloc(n * nc);
	for (y = 0; y < h; y++)
		for (x = 0; x < w; x++) {
			src[y * w + x] = (uint8_t)(x * 255 / (w - 1));
			if (nc == 1)
				src[y * w + x] = (uint8_t)((x + y) * 255 /
				    (w + h - 2));
			else {
				src[n + y * w + x] = (uint8_t)(y * 255 /
				    (h - 1));
				src[2 * n + y * w + x] = (uint8_t)(255 -
				    (x + y) * 255 / (w + h - 2));
			}
		}

	f = open_out(argv[3]);
	ci.err = jpeg_std_error(&jerr);
	jpeg_create_compress(&ci);
	jpeg_stdio_dest(&ci, f);
	ci.image_width = (JDIMENSION)w;
	ci.image_height = (JDIMENSION)h;
	ci.input_components = (int)ic;
	ci.in_color_space = ic == 4 ? JCS_CMYK : nc == 1 ? JCS_GRAYSCALE :
	    JCS_RGB;
	jpeg_set_defaults(&ci);
	if (strcmp(kind, "ycck") == 0)
		jpeg_set_colorspace(&ci, JCS_YCCK);
	jpeg_set_quality(&ci, 95, TRUE);
	if (strcmp(kind, "progressive") == 0)
		jpeg_simple_progression(&ci);
	jpeg_start_compress(&ci, TRUE);
	row = malloc(w * ic);
	for (y = 0; y < h; y++) {
		for (x = 0; x < w; x++) {
			if (ic == nc) {
				size_t k;

				for (k = 0; k < nc; k++)
					row[x * nc + k] =
					    src[k * n + y * w + x];
				continue;
			}
			/*
			 * Inverted (Adobe) CMYK that converts back with
			 * R = c * k / 255: k = max(R, G, B), c = R * 255 / k.
			 */
			r = src[y * w + x];
			g = src[n + y * w + x];
			b = src[2 * n + y * w + x];
			mx = r > g ? r : g;
			mx = mx > b ? mx : b;
			row[4 * x + 0] = (JSAMPLE)(mx ? (r * 255 + mx / 2) /
			    mx : 0);
			row[4 * x + 1] = (JSAMPLE)(mx ? (g * 255 + mx / 2) /
			    mx : 0);
			row[4 * x + 2] = (JSAMPLE)(mx ? (b * 255 + mx / 2) /
			    mx : 0);
			row[4 * x + 3] = (JSAMPLE)mx;
		}
		jpeg_write_scanlines(&ci, &row, 1);
	}
	jpeg_finish_compress(&ci);
	jpeg_destroy_compress(&ci);
	close_out(f);
	if (argc > 4)
		write_pam(argv[4], src, nc, w, h);
	free(row);
	free(src);
}

static void
make_jpeg_size(int argc, char **argv)
{
	struct jpeg_compress_struct ci;
	struct jpeg_error_mgr jerr;
	unsigned char *buf = NULL, *p;
	unsigned long len = 0, w, h;
	JSAMPLE row[16 * 3];
	JSAMPROW rp = row;
	FILE *f;
	int y;

	if (argc != 3)
		die("usage: jpeg-size W H OUT");
	w = num(argv[0]);
	h = num(argv[1]);
	if (w > 65535 || h > 65535)
		die("JPEG sides are at most 65535");
	memset(row, 128, sizeof(row));
	ci.err = jpeg_std_error(&jerr);
	jpeg_create_compress(&ci);
	jpeg_mem_dest(&ci, &buf, &len);
	ci.image_width = ci.image_height = 16;
	ci.input_components = 3;
	ci.in_color_space = JCS_RGB;
	jpeg_set_defaults(&ci);
	jpeg_start_compress(&ci, TRUE);
	for (y = 0; y < 16; y++)
		jpeg_write_scanlines(&ci, &rp, 1);
	jpeg_finish_compress(&ci);
	jpeg_destroy_compress(&ci);
	/* SOF0: FF C0, length (2), precision (1), height (2), width (2). */
	for (p = buf; p + 9 < buf + len; p++)
		if (p[0] == 0xff && p[1] == 0xc0)
			break;
	if (p + 9 >= buf + len)
		die("no SOF0 marker");
	p[5] = (unsigned char)(h >> 8);
	p[6] = (unsigned char)h;
	p[7] = (unsigned char)(w >> 8);
	p[8] = (unsigned char)w;
	f = open_out(argv[2]);
	fwrite(buf, 1, len, f);
	close_out(f);
	free(buf);
}

int
main(int argc, char **argv)
{
	if (argc < 2)
		die("usage: mkfixture png|jpeg|png-header|jpeg-size ...");
	if (strcmp(argv[1], "png") == 0)
		make_png(argc - 2, argv + 2);
	else if (strcmp(argv[1], "jpeg") == 0)
		make_jpeg(argc - 2, argv + 2);
	else if (strcmp(argv[1], "png-header") == 0)
		make_png_header(argc - 2, argv + 2);
	else if (strcmp(argv[1], "png-empty-iccp") == 0)
		make_png_empty_iccp(argc - 2, argv + 2);
	else if (strcmp(argv[1], "jpeg-size") == 0)
		make_jpeg_size(argc - 2, argv + 2);
	else
		die("unknown command");
	return 0;
}
