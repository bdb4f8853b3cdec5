/*
 * img_pnm.c - binary PNM: PGM (P5), PPM (P6) and PAM (P7).
 *
 * Samples of any maxval 1..65535 (one byte each up to 255, two bytes big
 * endian above) are scaled to 0..255 by rounding:
 * v8 = (v * 255 + maxval / 2) / maxval -- or, with o->keep16 and maxval
 * > 255, to 0..65535: v16 = (v * 65535 + maxval / 2) / maxval, a CF_U16
 * tensor (CF_U16 tensors are written with maxval 65535).  A sample above maxval is an
 * error, as netpbm's readers treat it.  Only the first image of a
 * multi-image stream is read.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "img.h"

#define NUM_MAX 0xffffffffUL	/* no header number is larger */

/* Sequential reader that serves img.c's magic bytes first. */
struct rd {
	FILE *f;
	const unsigned char *pre;
	size_t npre, ipre;
	int back;		/* one pushed-back byte, or EOF */
};

static int
getb(struct rd *r)
{
	int c;

	if (r->back != EOF) {
		c = r->back;
		r->back = EOF;
		return c;
	}
	if (r->ipre < r->npre)
		return r->pre[r->ipre++];
	return getc(r->f);
}

/* Read exactly n bytes; returns the number read. */
static size_t
readn(struct rd *r, unsigned char *buf, size_t n)
{
	size_t got = 0;

	if (n && r->back != EOF) {
		buf[got++] = (unsigned char)r->back;
		r->back = EOF;
	}
	while (got < n && r->ipre < r->npre)
		buf[got++] = r->pre[r->ipre++];
	if (got < n)
		got += fread(buf + got, 1, n - got, r->f);
	return got;
}

static int
is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
	    c == '\f';
}

static int
eof_error(struct rd *r, char *errbuf, size_t errlen, const char *what)
{
	if (ferror(r->f)) {
		snprintf(errbuf, errlen, "read error: %s", strerror(errno));
		return CF_EIO;
	}
	snprintf(errbuf, errlen, "truncated PNM %s", what);
	return CF_EFORMAT;
}

/*
 * One decimal number of a P5/P6 header, after whitespace and '#'
 * comments.  The byte after the digits must be whitespace (or a comment,
 * except after the last number); it is consumed, so after maxval the
 * raster starts, as the format says.
 */
static int
pnm_number(struct rd *r, unsigned long *v, int last, char *errbuf,
    size_t errlen)
{
	int c, n = 0;

	for (;;) {
		c = getb(r);
		if (c == '#') {
			while ((c = getb(r)) != EOF && c != '\n' && c != '\r')
				;
		}
		if (c == EOF)
			return eof_error(r, errbuf, errlen, "header");
		if (!is_space(c))
			break;
	}
	for (*v = 0; c >= '0' && c <= '9'; c = getb(r), n++) {
		if (*v > (NUM_MAX - 9) / 10) {
			snprintf(errbuf, errlen, "invalid PNM header: number "
			    "too large");
			return CF_EFORMAT;
		}
		*v = *v * 10 + (unsigned long)(c - '0');
	}
	if (c == EOF && n)
		return eof_error(r, errbuf, errlen, "header");
	if (!n || !(is_space(c) || (c == '#' && !last))) {
		snprintf(errbuf, errlen, "invalid PNM header");
		return CF_EFORMAT;
	}
	if (c == '#')
		r->back = c;
	return 0;
}

/* One PAM header line without its newline; overlong lines are cut. */
static int
pam_line(struct rd *r, char *buf, size_t len, char *errbuf, size_t errlen)
{
	size_t n = 0;
	int c;

	while ((c = getb(r)) != '\n') {
		if (c == EOF)
			return eof_error(r, errbuf, errlen, "header");
		if (n + 1 < len)
			buf[n++] = (char)c;
	}
	buf[n] = '\0';
	return 0;
}

static int
parse_ulong(const char *s, unsigned long *v)
{
	char *end;

	while (is_space((unsigned char)*s))
		s++;
	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	*v = strtoul(s, &end, 10);
	if (errno || *v > NUM_MAX)
		return -1;
	while (is_space((unsigned char)*end))
		end++;
	return *end ? -1 : 0;
}

static int
pam_header(struct rd *r, unsigned long *w, unsigned long *h,
    unsigned long *depth, unsigned long *maxval, char *errbuf,
    size_t errlen)
{
	static const char *keys[] = { "WIDTH", "HEIGHT", "DEPTH", "MAXVAL" };
	unsigned long *vals[] = { w, h, depth, maxval };
	int seen[4] = { 0 };
	char line[256], *p, *key;
	size_t i, klen;
	int err, c;

	/* The rest of the "P7" line. */
	if ((c = getb(r)) != '\n') {
		if (c == EOF)
			return eof_error(r, errbuf, errlen, "header");
		snprintf(errbuf, errlen, "invalid PAM header");
		return CF_EFORMAT;
	}
	for (;;) {
		if ((err = pam_line(r, line, sizeof(line), errbuf, errlen)))
			return err;
		for (p = line; is_space((unsigned char)*p); p++)
			;
		if (!*p || *p == '#')
			continue;
		for (key = p; *p && !is_space((unsigned char)*p); p++)
			;
		klen = (size_t)(p - key);
		if (klen == 6 && memcmp(key, "ENDHDR", 6) == 0)
			break;
		if (klen == 8 && memcmp(key, "TUPLTYPE", 8) == 0)
			continue;	/* depth alone decides the layout */
		for (i = 0; i < 4; i++)
			if (klen == strlen(keys[i]) &&
			    memcmp(key, keys[i], klen) == 0)
				break;
		if (i == 4 || parse_ulong(p, vals[i])) {
			snprintf(errbuf, errlen, "invalid PAM header line "
			    "'%.40s'", key);
			return CF_EFORMAT;
		}
		seen[i] = 1;
	}
	for (i = 0; i < 4; i++)
		if (!seen[i]) {
			snprintf(errbuf, errlen, "PAM header has no %s",
			    keys[i]);
			return CF_EFORMAT;
		}
	return 0;
}

static int
pnm_load(FILE *f, const unsigned char *magic, size_t nmagic,
    const struct cf_load_opts *o, struct cf_tensor *img, char *errbuf,
    size_t errlen)
{
	struct rd r = { f, magic, nmagic, 2, EOF };
	unsigned long w = 0, h = 0, depth = 0, maxval = 0, v;
	unsigned char *row = NULL;
	uint16_t *lut = NULL;
	size_t x, y, k, nc, bps, rowbytes, plane;
	int wide;
	int type = magic[1], err;

	/* magic[0..1] is "P1".."P7"; the header continues at magic[2]. */
	if (type < '5') {
		snprintf(errbuf, errlen, "unsupported PNM type P%c (only "
		    "binary P5, P6 and P7 load)", type);
		return CF_EFORMAT;
	}
	if (type == '7') {
		err = pam_header(&r, &w, &h, &depth, &maxval, errbuf, errlen);
	} else {
		depth = type == '5' ? 1 : 3;
		/* The magic must be followed by whitespace. */
		if (nmagic > 2 && !is_space(magic[2])) {
			snprintf(errbuf, errlen, "invalid PNM header");
			return CF_EFORMAT;
		}
		if (!(err = pnm_number(&r, &w, 0, errbuf, errlen)) &&
		    !(err = pnm_number(&r, &h, 0, errbuf, errlen)))
			err = pnm_number(&r, &maxval, 1, errbuf, errlen);
	}
	if (err)
		return err;
	if ((err = cf_img_check_size(w, h, o, errbuf, errlen)))
		return err;
	if (depth < 1 || depth > 4) {
		snprintf(errbuf, errlen, "unsupported PAM depth %lu (1 to 4 "
		    "load)", depth);
		return CF_EFORMAT;
	}
	if (maxval < 1 || maxval > 65535) {
		snprintf(errbuf, errlen, "PNM maxval %lu is not in 1..65535",
		    maxval);
		return CF_EFORMAT;
	}
	nc = depth;
	bps = maxval > 255 ? 2 : 1;
	if (cf_size_mul(w, nc * bps, &rowbytes)) {
		snprintf(errbuf, errlen, "image too large");
		return CF_EOVERFLOW;
	}
	wide = bps == 2 && o->keep16;
	if ((err = cf_tensor_init(img, wide ? CF_U16 : CF_U8, 3,
	    (size_t[]){ nc, h, w }))) {
		snprintf(errbuf, errlen, "%s", cf_strerror(err));
		return err;
	}
	if (!(row = malloc(rowbytes)) ||
	    !(lut = malloc((maxval + 1) * sizeof(*lut)))) {
		snprintf(errbuf, errlen, "out of memory");
		err = CF_ENOMEM;
		goto out;
	}
	for (v = 0; v <= maxval; v++)
		lut[v] = (uint16_t)((v * (wide ? 65535 : 255) + maxval / 2) /
		    maxval);
	plane = (size_t)w * h;
	for (y = 0; y < h; y++) {
		if (readn(&r, row, rowbytes) != rowbytes) {
			err = eof_error(&r, errbuf, errlen, "data");
			goto out;
		}
		for (x = 0; x < w; x++)
			for (k = 0; k < nc; k++) {
				v = bps == 1 ? row[x * nc + k] :
				    (unsigned long)row[2 * (x * nc + k)] << 8 |
				    row[2 * (x * nc + k) + 1];
				if (v > maxval) {
					snprintf(errbuf, errlen, "PNM sample "
					    "%lu is over maxval %lu", v,
					    maxval);
					err = CF_EFORMAT;
					goto out;
				}
				if (wide)
					((uint16_t *)img->data)[k * plane +
					    y * w + x] = lut[v];
				else
					((uint8_t *)img->data)[k * plane +
					    y * w + x] = (uint8_t)lut[v];
			}
	}
	err = 0;
out:
	free(lut);
	free(row);
	if (err)
		cf_tensor_release(img);
	return err;
}

static int
write_error(char *errbuf, size_t errlen)
{
	snprintf(errbuf, errlen, "write error: %s", strerror(errno));
	return CF_EIO;
}

static int
pnm_save(FILE *f, enum cf_format fmt, const struct cf_tensor *img,
    const struct cf_save_opts *o, char *errbuf, size_t errlen)
{
	static const char *tupltypes[] = { "GRAYSCALE", "GRAYSCALE_ALPHA",
	    "RGB", "RGB_ALPHA" };
	size_t nc = img->shape[0], h = img->shape[1], w = img->shape[2];
	size_t y, rowbytes;
	unsigned char *row;
	int err = 0, bytes = img->dtype == CF_U16 ? 2 : 1;
	unsigned maxval = bytes == 2 ? 65535 : 255;

	(void)o;
	if (fmt == CF_FMT_PNM && (nc == 1 || nc == 3)) {
		if (fprintf(f, "P%c\n%zu %zu\n%u\n", nc == 1 ? '5' : '6',
		    w, h, maxval) < 0)
			return write_error(errbuf, errlen);
	} else if (fprintf(f, "P7\nWIDTH %zu\nHEIGHT %zu\nDEPTH %zu\n"
	    "MAXVAL %u\n%s%s%sENDHDR\n", w, h, nc, maxval,
	    nc <= 4 ? "TUPLTYPE " : "", nc <= 4 ? tupltypes[nc - 1] : "",
	    nc <= 4 ? "\n" : "") < 0) {	/* no tuple type past 4 */
		return write_error(errbuf, errlen);
	}
	if (cf_size_mul(w, nc * bytes, &rowbytes)) {
		snprintf(errbuf, errlen, "image too large");
		return CF_EOVERFLOW;
	}
	if (!(row = malloc(rowbytes))) {
		snprintf(errbuf, errlen, "out of memory");
		return CF_ENOMEM;
	}
	for (y = 0; y < h && !err; y++) {
		cf_img_interleave_row(img, y, row);
		if (bytes == 2)
			for (size_t i = 0; i < w * nc; i++) {
				uint16_t v = ((uint16_t *)(void *)row)[i];
				row[2 * i] = v >> 8;
				row[2 * i + 1] = v & 0xff;
			}
		if (fwrite(row, 1, rowbytes, f) != rowbytes)
			err = write_error(errbuf, errlen);
	}
	if (!err && fflush(f) == EOF)
		err = write_error(errbuf, errlen);
	free(row);
	return err;
}

const struct cf_img_codec cf_codec_pnm = { "pnm", pnm_load, pnm_save, NULL, NULL };
