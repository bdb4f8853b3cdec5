/*
 * img_probe.c - the shape of an image from its header alone (--info).
 *
 * Each format's header is walked just far enough to know C, H and W, the
 * shape cf_img_load would return: PNG up to the first IDAT (a tRNS chunk
 * adds alpha), JPEG up to its SOF marker (CMYK loads as RGB), the PNM and
 * PAM headers, the .npy header.  No pixel is decoded.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "io/img_int.h"
#include "io/npy.h"

/* Sequential reader that serves the magic bytes first. */
struct rd {
	FILE *f;
	const unsigned char *pre;
	size_t npre, ipre;
};

static int
getb(struct rd *r)
{
	if (r->ipre < r->npre)
		return r->pre[r->ipre++];
	return getc(r->f);
}

static int
readn(struct rd *r, unsigned char *b, size_t n)
{
	size_t i;
	int c;

	for (i = 0; i < n; i++) {
		if ((c = getb(r)) == EOF)
			return -1;
		b[i] = (unsigned char)c;
	}
	return 0;
}

static int
skip(struct rd *r, unsigned long n)
{
	while (n--)
		if (getb(r) == EOF)
			return -1;
	return 0;
}

static unsigned long
be32(const unsigned char *b)
{
	return (unsigned long)b[0] << 24 | (unsigned long)b[1] << 16 |
	    (unsigned long)b[2] << 8 | b[3];
}

static int
probe_png(struct rd *r, size_t *s, char *errbuf, size_t errlen)
{
	unsigned char b[13];
	unsigned long len;
	int ctype, trns = 0;

	if (skip(r, 8) || readn(r, b, 8) || memcmp(b + 4, "IHDR", 4) ||
	    be32(b) != 13 || readn(r, b, 13) || skip(r, 4))
		goto bad;
	s[2] = be32(b);
	s[1] = be32(b + 4);
	ctype = b[9];
	for (;;) {
		if (readn(r, b, 8))
			goto bad;
		len = be32(b);
		if (!memcmp(b + 4, "IDAT", 4) || !memcmp(b + 4, "IEND", 4))
			break;
		if (!memcmp(b + 4, "tRNS", 4))
			trns = 1;
		if (len > 0x7fffffffUL || skip(r, len + 4))
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
probe_jpeg(struct rd *r, size_t *s, const struct cf_load_opts *o,
    char *errbuf, size_t errlen)
{
	unsigned char b[6], *app1;
	unsigned long len;
	size_t t;
	int c, m, orient = 0;

	if (skip(r, 2))
		goto bad;
	for (;;) {
		if ((c = getb(r)) != 0xff)
			goto bad;
		while ((m = getb(r)) == 0xff)
			;
		if (m == EOF)
			goto bad;
		if (m == 0x01 || (m >= 0xd0 && m <= 0xd7))
			continue;
		if (m == 0xd9 || m == 0xda)
			goto bad;	/* no frame header before the scan */
		if (readn(r, b, 2))
			goto bad;
		if (m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 &&
		    m != 0xcc) {
			if (readn(r, b, 6))
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
			if (readn(r, app1, len - 2)) {
				free(app1);
				goto bad;
			}
			orient = cf_img_exif_orientation(app1, len - 2);
			free(app1);
			continue;
		}
		if (((unsigned)b[0] << 8 | b[1]) < 2 ||
		    skip(r, ((unsigned long)b[0] << 8 | b[1]) - 2))
			goto bad;
	}
bad:
	snprintf(errbuf, errlen, "truncated or invalid JPEG header");
	return CF_EFORMAT;
}

/* The next header token of a PNM file (comments skipped). */
static int
token(struct rd *r, char *buf, size_t len)
{
	size_t n = 0;
	int c;

	do {
		c = getb(r);
		if (c == '#')
			while (c != '\n' && c != EOF)
				c = getb(r);
	} while (c == ' ' || c == '\t' || c == '\n' || c == '\r');
	while (c != EOF && c != ' ' && c != '\t' && c != '\n' && c != '\r') {
		if (n + 1 >= len)
			return -1;
		buf[n++] = (char)c;
		c = getb(r);
	}
	buf[n] = '\0';
	return n ? 0 : -1;
}

static int
number(const char *t, size_t *v)
{
	size_t x = 0;

	if (!*t)
		return -1;
	for (; *t; t++) {
		if (*t < '0' || *t > '9' || x > 0xffffffffUL)
			return -1;
		x = x * 10 + (size_t)(*t - '0');
	}
	*v = x;
	return 0;
}

static int
probe_pnm(struct rd *r, size_t *s, char *errbuf, size_t errlen)
{
	char t[64], kind;
	size_t v;

	if (getb(r) != 'P')
		goto bad;
	kind = (char)getb(r);
	if (kind == '5' || kind == '6') {
		if (token(r, t, sizeof(t)) || number(t, &s[2]) ||
		    token(r, t, sizeof(t)) || number(t, &s[1]))
			goto bad;
		s[0] = kind == '5' ? 1 : 3;
		return 0;
	}
	if (kind != '7') {
		snprintf(errbuf, errlen, "plain and bitmap PNM (P%c) are not "
		    "supported", kind);
		return CF_EFORMAT;
	}
	s[0] = s[1] = s[2] = 0;
	for (;;) {
		if (token(r, t, sizeof(t)))
			goto bad;
		if (!strcmp(t, "ENDHDR"))
			break;
		if (!strcmp(t, "TUPLTYPE")) {
			if (token(r, t, sizeof(t)))
				goto bad;
			continue;
		}
		if (token(r, t + 32, 32) || number(t + 32, &v))
			goto bad;
		if (!strcmp(t, "WIDTH"))
			s[2] = v;
		else if (!strcmp(t, "HEIGHT"))
			s[1] = v;
		else if (!strcmp(t, "DEPTH"))
			s[0] = v;
	}
	if (s[0] < 1 || s[0] > 4)
		goto bad;
	return 0;
bad:
	snprintf(errbuf, errlen, "truncated or invalid PNM header");
	return CF_EFORMAT;
}

int
cf_img_probe(FILE *f, const struct cf_load_opts *o, size_t *shape,
    char *errbuf, size_t errlen)
{
	unsigned char magic[8];
	struct cf_npy_header h;
	struct rd r = { f, magic, 0, 0 };
	int err;

	r.npre = fread(magic, 1, sizeof(magic), f);
	if (r.npre == 0) {
		snprintf(errbuf, errlen, ferror(f) ? "read error" :
		    "empty input");
		return ferror(f) ? CF_EIO : CF_EFORMAT;
	}
	if (r.npre >= 8 && !memcmp(magic, "\x89PNG\r\n\x1a\n", 8))
		err = probe_png(&r, shape, errbuf, errlen);
	else if (r.npre >= 3 && !memcmp(magic, "\xff\xd8\xff", 3))
		err = probe_jpeg(&r, shape, o, errbuf, errlen);
	else if (r.npre >= 2 && magic[0] == 'P' && magic[1] >= '1' &&
	    magic[1] <= '7')
		err = probe_pnm(&r, shape, errbuf, errlen);
	else if (r.npre >= CF_NPY_MAGIC_LEN &&
	    !memcmp(magic, CF_NPY_MAGIC, CF_NPY_MAGIC_LEN)) {
		if ((err = cf_npy_read_header(f, magic, r.npre, &h, errbuf,
		    errlen)))
			return err;
		if (h.ndim != 2 && h.ndim != 3) {
			snprintf(errbuf, errlen, "npy: an image must be a 2-d "
			    "[H, W] or 3-d [C, H, W] array, not %d-d", h.ndim);
			return CF_EFORMAT;
		}
		shape[0] = h.ndim == 2 ? 1 : h.shape[0];
		shape[1] = h.shape[h.ndim - 2];
		shape[2] = h.shape[h.ndim - 1];
		err = 0;
	} else {
		snprintf(errbuf, errlen, "not a PNG, JPEG, PNM or NPY file");
		return CF_EFORMAT;
	}
	if (err)
		return err;
	return cf_img_check_size(shape[2], shape[1], o, errbuf, errlen);
}
