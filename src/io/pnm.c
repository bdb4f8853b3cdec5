/*
 * pnm.c - PNM: PGM (P5), PPM (P6), PAM (P7), PBM (P4), and the plain
 * (ASCII) P1, P2 and P3 for reading.
 *
 * Samples of any maxval 1..65535 (one byte each up to 255, two bytes big
 * endian above) are scaled to 0..255 by rounding:
 * v8 = (v * 255 + maxval / 2) / maxval -- or, with o->keep16 and maxval
 * > 255, to 0..65535: v16 = (v * 65535 + maxval / 2) / maxval, a CF_U16
 * tensor (CF_U16 tensors are written with maxval 65535).  A sample above maxval is an
 * error, as netpbm's readers treat it.  Only the first image of a
 * multi-image stream is read.  A bitmap (P4, P1) is gray: a 1 bit is
 * black (0), a 0 bit white (255).  A PAM of more than 4 channels is a
 * tensor, as a .npy is: CF_F32 samples on the same 0..255 scale, no
 * alpha.
 *
 * Images are read and written a few rows at a time (struct
 * cf_img_reader, cf_img_writer); img.c builds whole-image loads and saves
 * on these.  Rows hold interleaved samples, as the raster stores them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "io/img_int.h"

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

/* A row reader's state. */
struct prd {
	struct rd rd;
	unsigned char magic[16];	/* img.c's bytes outlive its call */
	unsigned long maxval;
	size_t bps;		/* bytes per stored sample: 1 or 2 */
	size_t rowbytes;	/* stored bytes per row */
	size_t y;		/* rows read so far */
	uint16_t *lut;		/* stored sample -> 8 or 16 bits */
	unsigned char *narrow;	/* a stored row, when 16 bits become 8 */
	int type;		/* '1'..'7' */
	int tensor;		/* more than 4 channels: CF_F32 rows */
};

static void
pnm_close_reader(struct cf_img_reader *r)
{
	struct prd *p = r->in->priv;

	if (!p)
		return;
	free(p->lut);
	free(p->narrow);
	free(p);
	r->in->priv = NULL;
}

/*
 * Scale n stored samples at in to 8 or 16 bits at out, which may be in
 * itself: a sample takes as many bytes out as in, or fewer, so the write
 * never overtakes the read.  A sample over maxval is an error, as
 * netpbm's readers treat it.
 */
static int
scale_samples(struct cf_img_reader *r, const unsigned char *in, void *out,
    size_t n, char *errbuf, size_t errlen)
{
	struct prd *p = r->in->priv;
	uint16_t *out16 = out;
	unsigned char *out8 = out;
	unsigned long v;
	size_t i;

	/* 8-bit samples of maxval 255 are what they are: nothing to do */
	if (p->bps == 1 && p->maxval == 255 && r->dtype != CF_U16 && in == out)
		return 0;
	for (i = 0; i < n; i++) {
		v = p->bps == 1 ? in[i] :
		    (unsigned long)in[2 * i] << 8 | in[2 * i + 1];
		if (v > p->maxval) {
			snprintf(errbuf, errlen, "PNM sample %lu is over "
			    "maxval %lu", v, p->maxval);
			return CF_EFORMAT;
		}
		if (r->dtype == CF_U16)
			out16[i] = p->lut[v];
		else
			out8[i] = (unsigned char)p->lut[v];
	}
	return 0;
}

/*
 * Rows stored as wide as buf's are read whole into it and scaled there.
 * Of a short read the complete rows are checked first, so a bad sample
 * is reported before a truncation after it, as row by row would.
 */
static int
rows_in_place(struct cf_img_reader *r, unsigned char *buf, size_t n,
    char *errbuf, size_t errlen)
{
	struct prd *p = r->in->priv;
	size_t want = n * p->rowbytes, got, full;
	int err;

	got = readn(&p->rd, buf, want);
	full = got / p->rowbytes;
	if ((err = scale_samples(r, buf, buf, full * r->w * r->c, errbuf,
	    errlen)))
		return err;
	p->y += full;
	if (got != want)
		return eof_error(&p->rd, errbuf, errlen, "data");
	return 0;
}

/*
 * One sample of a plain raster: a bit of P1 ('0' or '1', whitespace
 * optional) or a decimal number of P2 and P3, after whitespace.
 */
static int
plain_sample(struct rd *r, int bit, unsigned long *v, char *errbuf,
    size_t errlen)
{
	int c, n = 0;

	while ((c = getb(r)) != EOF && is_space(c))
		;
	if (c == EOF)
		return eof_error(r, errbuf, errlen, "data");
	if (bit && (c == '0' || c == '1')) {
		*v = (unsigned long)(c - '0');
		return 0;
	}
	for (*v = 0; c >= '0' && c <= '9'; c = getb(r), n++) {
		if (*v > 65535) {
			snprintf(errbuf, errlen, "invalid plain PNM sample");
			return CF_EFORMAT;
		}
		*v = *v * 10 + (unsigned long)(c - '0');
	}
	if (!n || bit || (c != EOF && !is_space(c))) {
		snprintf(errbuf, errlen, "invalid plain PNM sample");
		return CF_EFORMAT;
	}
	return 0;
}

/* Store sample v of maxval at index i of an 8-bit, 16-bit or float row. */
static int
put_sample(struct cf_img_reader *r, void *out, size_t i, unsigned long v,
    char *errbuf, size_t errlen)
{
	struct prd *p = r->in->priv;

	if (v > p->maxval) {
		snprintf(errbuf, errlen, "PNM sample %lu is over maxval %lu",
		    v, p->maxval);
		return CF_EFORMAT;
	}
	if (r->dtype == CF_F32)
		((float *)out)[i] = p->lut[v];
	else if (r->dtype == CF_U16)
		((uint16_t *)out)[i] = p->lut[v];
	else
		((unsigned char *)out)[i] = (unsigned char)p->lut[v];
	return 0;
}

/* Rows of P1-P4, and of a PAM tensor: sample by sample. */
static int
other_rows(struct cf_img_reader *r, void *buf, size_t n, char *errbuf,
    size_t errlen)
{
	struct prd *p = r->in->priv;
	size_t i, x, ns = r->w * r->c;
	unsigned long v = 0;
	const unsigned char *s;
	int err;

	for (i = 0; i < n; i++, p->y++) {
		if ((p->type == '4' || p->tensor) && readn(&p->rd, p->narrow,
		    p->rowbytes) != p->rowbytes)
			return eof_error(&p->rd, errbuf, errlen, "data");
		for (x = 0, s = p->narrow; x < ns; x++) {
			if (p->type == '4')
				v = (unsigned long)(s[x >> 3] >> (7 - (x & 7))) &
				    1;
			else if (p->tensor)
				v = p->bps == 1 ? s[x] :
				    (unsigned long)s[2 * x] << 8 | s[2 * x + 1];
			else if ((err = plain_sample(&p->rd, p->type == '1', &v,
			    errbuf, errlen)))
				return err;
			if ((err = put_sample(r, buf, i * ns + x, v, errbuf,
			    errlen)))
				return err;
		}
	}
	return 0;
}

static int
pnm_rows(struct cf_img_reader *r, void *buf, size_t n, char *errbuf,
    size_t errlen)
{
	struct prd *p = r->in->priv;
	size_t i, ns = r->w * r->c;
	int err;

	if (n > r->h - p->y) {
		snprintf(errbuf, errlen, "read past the last row");
		return CF_EINVAL;
	}
	if (p->type < '5' || p->tensor)
		return other_rows(r, buf, n, errbuf, errlen);
	if (!p->narrow)
		return rows_in_place(r, buf, n, errbuf, errlen);
	/* 16-bit samples to 8 bits: through a row of their own. */
	for (i = 0; i < n; i++, p->y++) {
		if (readn(&p->rd, p->narrow, p->rowbytes) != p->rowbytes)
			return eof_error(&p->rd, errbuf, errlen, "data");
		if ((err = scale_samples(r, p->narrow,
		    (unsigned char *)buf + i * ns, ns, errbuf, errlen)))
			return err;
	}
	return 0;
}

/* Only the first image is read: nothing after it is checked. */
static int
pnm_finish(struct cf_img_reader *r, char *errbuf, size_t errlen)
{
	(void)r, (void)errbuf, (void)errlen;
	return 0;
}

/* The header after the magic: w, h, depth (channels) and maxval. */
static int
pnm_header(struct rd *rd, const unsigned char *magic, size_t nmagic,
    unsigned long *w, unsigned long *h, unsigned long *depth,
    unsigned long *maxval, char *errbuf, size_t errlen)
{
	int type = magic[1], err, bitmap;

	/* magic[0..1] is "P1".."P7"; the header continues at magic[2]. */
	if (type == '7')
		return pam_header(rd, w, h, depth, maxval, errbuf, errlen);
	*depth = type == '3' || type == '6' ? 3 : 1;
	/* The magic must be followed by whitespace. */
	if (nmagic > 2 && !is_space(magic[2])) {
		snprintf(errbuf, errlen, "invalid PNM header");
		return CF_EFORMAT;
	}
	/* a bitmap has no maxval: its h is the last number */
	bitmap = type == '1' || type == '4';
	*maxval = 1;
	if (!(err = pnm_number(rd, w, 0, errbuf, errlen)) &&
	    !(err = pnm_number(rd, h, bitmap, errbuf, errlen)) && !bitmap)
		err = pnm_number(rd, maxval, 1, errbuf, errlen);
	return err;
}

static int
pnm_open_reader(FILE *f, const unsigned char *magic, size_t nmagic,
    const struct cf_load_opts *o, struct cf_img_reader *r, char *errbuf,
    size_t errlen)
{
	struct prd *p;
	unsigned long w = 0, h = 0, depth = 0, maxval = 0, v;
	int err;

	if (!(p = calloc(1, sizeof(*p)))) {
		snprintf(errbuf, errlen, "out of memory");
		return CF_ENOMEM;
	}
	r->in->priv = p;
	r->in->close = pnm_close_reader;
	if (nmagic > sizeof(p->magic))
		nmagic = sizeof(p->magic);
	memcpy(p->magic, magic, nmagic);
	p->rd = (struct rd){ f, p->magic, nmagic, 2, EOF };
	if ((err = pnm_header(&p->rd, p->magic, nmagic, &w, &h, &depth,
	    &maxval, errbuf, errlen)) ||
	    (err = cf_img_check_size(w, h, o, errbuf, errlen)))
		goto fail;
	if (depth < 1) {
		snprintf(errbuf, errlen, "PAM depth 0: no channels");
		err = CF_EFORMAT;
		goto fail;
	}
	if (maxval < 1 || maxval > 65535) {
		snprintf(errbuf, errlen, "PNM maxval %lu is not in 1..65535",
		    maxval);
		err = CF_EFORMAT;
		goto fail;
	}
	p->maxval = maxval;
	p->bps = maxval > 255 ? 2 : 1;
	p->type = p->magic[1];
	p->tensor = depth > 4;
	if (cf_size_mul(w, depth * p->bps, &p->rowbytes)) {
		snprintf(errbuf, errlen, "image too large");
		err = CF_EOVERFLOW;
		goto fail;
	}
	r->c = depth;
	r->h = h;
	r->w = w;
	r->dtype = p->tensor ? CF_F32 : p->bps == 2 && o->keep16 ? CF_U16 :
	    CF_U8;
	if (p->type == '4')
		p->rowbytes = (w + 7) / 8;
	if (!(p->lut = malloc((maxval + 1) * sizeof(*p->lut))) ||
	    ((p->type == '4' || p->tensor || (p->bps == 2 &&
	    r->dtype != CF_U16)) && !(p->narrow = malloc(p->rowbytes)))) {
		snprintf(errbuf, errlen, "out of memory");
		err = CF_ENOMEM;
		goto fail;
	}
	for (v = 0; v <= maxval; v++)
		p->lut[v] = (uint16_t)((v * (r->dtype == CF_U16 ? 65535 : 255) +
		    maxval / 2) / maxval);
	/* a bitmap's 1 is black */
	if (p->type == '1' || p->type == '4') {
		p->lut[0] = 255;
		p->lut[1] = 0;
	}
	r->in->rows = pnm_rows;
	r->in->finish = pnm_finish;
	return 0;
fail:
	pnm_close_reader(r);
	r->in->close = NULL;
	return err;
}

static int
write_error(char *errbuf, size_t errlen)
{
	snprintf(errbuf, errlen, "write error: %s", strerror(errno));
	return CF_EIO;
}

/* Rows of 16-bit samples go out big endian through this many bytes. */
#define SWAPBUF 65536

/* A row writer's state. */
struct pwr {
	FILE *f;
	size_t rowbytes;	/* bytes per written row */
	unsigned char *swap;	/* SWAPBUF bytes, for 16-bit rows */
};

static void
pnm_close_writer(struct cf_img_writer *wr)
{
	struct pwr *p = wr->in->priv;

	if (!p)
		return;
	free(p->swap);
	free(p);
	wr->in->priv = NULL;
}

/* n native 16-bit samples to f, big endian. */
static int
write16(struct pwr *p, const uint16_t *s, size_t n, char *errbuf,
    size_t errlen)
{
	size_t m, i;

	while (n > 0) {
		m = n < SWAPBUF / 2 ? n : SWAPBUF / 2;
		for (i = 0; i < m; i++) {
			p->swap[2 * i] = s[i] >> 8;
			p->swap[2 * i + 1] = s[i] & 0xff;
		}
		if (fwrite(p->swap, 1, 2 * m, p->f) != 2 * m)
			return write_error(errbuf, errlen);
		s += m;
		n -= m;
	}
	return 0;
}

static int
pnm_write_rows(struct cf_img_writer *wr, const void *buf, size_t n,
    char *errbuf, size_t errlen)
{
	struct pwr *p = wr->in->priv;

	if (wr->dtype == CF_U16)
		return write16(p, buf, n * wr->w * wr->c, errbuf, errlen);
	if (fwrite(buf, p->rowbytes, n, p->f) != n)
		return write_error(errbuf, errlen);
	return 0;
}

static int
pnm_write_finish(struct cf_img_writer *wr, char *errbuf, size_t errlen)
{
	struct pwr *p = wr->in->priv;

	if (fflush(p->f) == EOF)
		return write_error(errbuf, errlen);
	return 0;
}

/* P5/P6 for gray and RGB as pnm; P7 (PAM) otherwise. */
static int
write_header(FILE *f, const struct cf_img_format *fmt, size_t nc, size_t h, size_t w,
    unsigned maxval)
{
	static const char *tupltypes[] = { "GRAYSCALE", "GRAYSCALE_ALPHA",
	    "RGB", "RGB_ALPHA" };

	if (!fmt->variant && (nc == 1 || nc == 3))
		return fprintf(f, "P%c\n%zu %zu\n%u\n", nc == 1 ? '5' : '6',
		    w, h, maxval);
	/* no tuple type past 4 */
	return fprintf(f, "P7\nWIDTH %zu\nHEIGHT %zu\nDEPTH %zu\n"
	    "MAXVAL %u\n%s%s%sENDHDR\n", w, h, nc, maxval,
	    nc <= 4 ? "TUPLTYPE " : "", nc <= 4 ? tupltypes[nc - 1] : "",
	    nc <= 4 ? "\n" : "");
}

static int
pnm_open_writer(FILE *f, const struct cf_img_format *fmt, const struct cf_save_opts *o,
    struct cf_img_writer *wr, char *errbuf, size_t errlen)
{
	struct pwr *p;
	size_t bytes = cf_dtype_size(wr->dtype);

	(void)o;
	if (write_header(f, fmt, wr->c, wr->h, wr->w,
	    wr->dtype == CF_U16 ? 65535 : 255) < 0)
		return write_error(errbuf, errlen);
	if (!(p = calloc(1, sizeof(*p)))) {
		snprintf(errbuf, errlen, "out of memory");
		return CF_ENOMEM;
	}
	wr->in->priv = p;
	wr->in->close = pnm_close_writer;
	p->f = f;
	if (cf_size_mul(wr->w, wr->c * bytes, &p->rowbytes)) {
		snprintf(errbuf, errlen, "image too large");
		return CF_EOVERFLOW;
	}
	if ((wr->dtype == CF_U16) && !(p->swap = malloc(SWAPBUF))) {
		snprintf(errbuf, errlen, "out of memory");
		return CF_ENOMEM;
	}
	wr->in->rows = pnm_write_rows;
	wr->in->finish = pnm_write_finish;
	return 0;
}

/* The next header token of a PNM file (comments skipped). */
static int
token(struct cf_img_peek *r, char *buf, size_t len)
{
	size_t n = 0;
	int c;

	do {
		c = cf_img_peek_byte(r);
		if (c == '#')
			while (c != '\n' && c != EOF)
				c = cf_img_peek_byte(r);
	} while (c == ' ' || c == '\t' || c == '\n' || c == '\r');
	while (c != EOF && c != ' ' && c != '\t' && c != '\n' && c != '\r') {
		if (n + 1 >= len)
			return -1;
		buf[n++] = (char)c;
		c = cf_img_peek_byte(r);
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
probe_pnm(struct cf_img_peek *r, const struct cf_load_opts *o, size_t *s,
    char *errbuf, size_t errlen)
{
	char t[64], kind;
	size_t v;

	(void)o;
	if (cf_img_peek_byte(r) != 'P')
		goto bad;
	kind = (char)cf_img_peek_byte(r);
	if (kind >= '1' && kind <= '6') {
		if (token(r, t, sizeof(t)) || number(t, &s[2]) ||
		    token(r, t, sizeof(t)) || number(t, &s[1]))
			goto bad;
		s[0] = kind == '3' || kind == '6' ? 3 : 1;
		return 0;
	}
	if (kind != '7')
		goto bad;
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
	if (s[0] < 1)
		goto bad;
	return 0;
bad:
	snprintf(errbuf, errlen, "truncated or invalid PNM header");
	return CF_EFORMAT;
}


/* P1-P7 */
static int
pnm_magic(const unsigned char *b, size_t n)
{
	return n >= 2 && b[0] == 'P' && b[1] >= '1' && b[1] <= '7';
}

const struct cf_img_codec cf_codec_pnm = {
	.magic = pnm_magic,
	.open_reader = pnm_open_reader,
	.open_writer = pnm_open_writer,
	.probe = probe_pnm,
};
