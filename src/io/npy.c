/*
 * npy.c - NumPy .npy arrays, as images and as plain tensors.
 *
 * The header dict is parsed by hand, key by key, with no general Python
 * literal support: anything but the three keys numpy itself writes, with
 * values of the expected type, is an error.  Multi-byte values are put
 * together byte by byte, so the reader and writer work on any host.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/img_int.h"
#include "io/npy.h"

/* A read cursor over the header text. */
struct hp {
	const char *s;
	size_t n, i;
};

static void
skip_ws(struct hp *p)
{
	while (p->i < p->n && (p->s[p->i] == ' ' || p->s[p->i] == '\t'))
		p->i++;
}

static int
expect(struct hp *p, char c)
{
	skip_ws(p);
	if (p->i < p->n && p->s[p->i] == c) {
		p->i++;
		return 1;
	}
	return 0;
}

/* A quoted string ('...' or "...") without escapes, into buf. */
static int
quoted(struct hp *p, char *buf, size_t len)
{
	char q;
	size_t k = 0;

	skip_ws(p);
	if (p->i >= p->n || (p->s[p->i] != '\'' && p->s[p->i] != '"'))
		return 0;
	q = p->s[p->i++];
	while (p->i < p->n && p->s[p->i] != q) {
		/* printable ASCII only: names end up in messages */
		if (p->s[p->i] == '\\' || p->s[p->i] < ' ' ||
		    p->s[p->i] > '~' || k + 1 >= len)
			return 0;
		buf[k++] = p->s[p->i++];
	}
	if (p->i >= p->n)
		return 0;
	p->i++;
	buf[k] = '\0';
	return 1;
}

static int
word(struct hp *p, const char *w)
{
	size_t l = strlen(w);

	skip_ws(p);
	if (p->n - p->i >= l && !memcmp(p->s + p->i, w, l)) {
		p->i += l;
		return 1;
	}
	return 0;
}

/* A shape tuple: (), (n,), (n, m), (n, m,) ... of at most 4 integers. */
static int
shape_tuple(struct hp *p, struct cf_npy_header *h, char *errbuf,
    size_t errlen)
{
	int nd = 0;
	size_t v;

	if (!expect(p, '('))
		goto bad;
	for (;;) {
		skip_ws(p);
		if (p->i < p->n && p->s[p->i] == ')') {
			p->i++;
			break;
		}
		if (p->i >= p->n || p->s[p->i] < '0' || p->s[p->i] > '9')
			goto bad;
		v = 0;
		while (p->i < p->n && p->s[p->i] >= '0' && p->s[p->i] <= '9') {
			if (v > (SIZE_MAX - 9) / 10) {
				snprintf(errbuf, errlen, "npy: shape value "
				    "too large");
				return CF_EOVERFLOW;
			}
			v = v * 10 + (size_t)(p->s[p->i++] - '0');
		}
		if (nd == CF_MAX_DIMS) {
			snprintf(errbuf, errlen, "npy: more than %d "
			    "dimensions are not supported", CF_MAX_DIMS);
			return CF_EFORMAT;
		}
		h->shape[nd++] = v;
		if (expect(p, ','))
			continue;
		if (!expect(p, ')'))
			goto bad;
		/* Python needs the comma in a 1-tuple: (3) is not a tuple */
		if (nd == 1)
			goto bad;
		break;
	}
	h->ndim = nd;
	return 0;
bad:
	snprintf(errbuf, errlen, "npy: malformed 'shape' in header");
	return CF_EFORMAT;
}

static int
parse_descr(const char *d, struct cf_npy_header *h, char *errbuf,
    size_t errlen)
{
	static const struct {
		const char *name;
		enum cf_npy_dtype dt;
	} ok[] = {
		{ "|u1", CF_NPY_U1 }, { "<u1", CF_NPY_U1 },
		{ "<u2", CF_NPY_U2 }, { "<f2", CF_NPY_F2 },
		{ "<f4", CF_NPY_F4 },
		{ "<f8", CF_NPY_F8 },
	};
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (!strcmp(d, ok[i].name)) {
			h->dtype = ok[i].dt;
			return 0;
		}
	if (d[0] == '>')
		snprintf(errbuf, errlen, "npy: big-endian dtype '%s' is not "
		    "supported", d);
	else
		snprintf(errbuf, errlen, "npy: dtype '%s' is not supported "
		    "(uint8, uint16, float16, float32 or float64, little-endian)", d);
	return CF_EFORMAT;
}

/* The dict: { 'descr': ..., 'fortran_order': ..., 'shape': ..., } */
static int
parse_dict(const char *s, size_t n, struct cf_npy_header *h, char *errbuf,
    size_t errlen)
{
	struct hp p = { s, n, 0 };
	char key[32], descr[32];
	int seen = 0, bit, err;

	if (!expect(&p, '{'))
		goto bad;
	for (;;) {
		if (expect(&p, '}'))
			break;
		if (!quoted(&p, key, sizeof(key)) || !expect(&p, ':'))
			goto bad;
		if (!strcmp(key, "descr"))
			bit = 1;
		else if (!strcmp(key, "fortran_order"))
			bit = 2;
		else if (!strcmp(key, "shape"))
			bit = 4;
		else {
			snprintf(errbuf, errlen, "npy: unexpected key '%s' "
			    "in header", key);
			return CF_EFORMAT;
		}
		if (seen & bit) {
			snprintf(errbuf, errlen, "npy: key '%s' repeated in "
			    "header", key);
			return CF_EFORMAT;
		}
		seen |= bit;
		if (bit == 1) {
			if (!quoted(&p, descr, sizeof(descr))) {
				snprintf(errbuf, errlen, "npy: 'descr' is not "
				    "a simple dtype string (structured arrays "
				    "are not supported)");
				return CF_EFORMAT;
			}
			if ((err = parse_descr(descr, h, errbuf, errlen)))
				return err;
		} else if (bit == 2) {
			if (word(&p, "True")) {
				snprintf(errbuf, errlen, "npy: fortran_order "
				    "arrays are not supported (save a C-order "
				    "array: np.ascontiguousarray)");
				return CF_EFORMAT;
			}
			if (!word(&p, "False"))
				goto bad;
		} else if ((err = shape_tuple(&p, h, errbuf, errlen)))
			return err;
		if (!expect(&p, ',')) {
			if (!expect(&p, '}'))
				goto bad;
			break;
		}
	}
	/* numpy pads with spaces up to the final newline */
	skip_ws(&p);
	if (p.i != n)
		goto bad;
	if (seen != 7) {
		snprintf(errbuf, errlen, "npy: header lacks '%s'",
		    !(seen & 1) ? "descr" : !(seen & 2) ? "fortran_order" :
		    "shape");
		return CF_EFORMAT;
	}
	return 0;
bad:
	snprintf(errbuf, errlen, "npy: malformed header dict");
	return CF_EFORMAT;
}

int
cf_npy_read_header(FILE *f, const unsigned char *magic, size_t nmagic,
    struct cf_npy_header *h, char *errbuf, size_t errlen)
{
	unsigned char pre[12];
	size_t need, got, hlen, i, n;
	char *text = NULL;
	int err;

	memset(h, 0, sizeof(*h));
	if (nmagic > sizeof(pre))
		nmagic = sizeof(pre);
	if (nmagic)
		memcpy(pre, magic, nmagic);
	/* magic (6), version (2), header length (2 or 4) */
	got = nmagic;
	if (got < 10)
		got += fread(pre + got, 1, 10 - got, f);
	if (got < 8 || memcmp(pre, CF_NPY_MAGIC, CF_NPY_MAGIC_LEN)) {
		snprintf(errbuf, errlen, "npy: bad magic or truncated file");
		return CF_EFORMAT;
	}
	if ((pre[6] != 1 && pre[6] != 2) || pre[7] != 0) {
		snprintf(errbuf, errlen, "npy: format version %u.%u is not "
		    "supported (1.0 or 2.0)", pre[6], pre[7]);
		return CF_EFORMAT;
	}
	need = pre[6] == 1 ? 10 : 12;
	if (got < need)
		got += fread(pre + got, 1, need - got, f);
	if (got < need) {
		snprintf(errbuf, errlen, "npy: truncated header");
		return CF_EFORMAT;
	}
	if (got > need) {
		/* only possible when img.c handed us more than we need */
		snprintf(errbuf, errlen, "npy: internal read-ahead error");
		return CF_EINVAL;
	}
	hlen = (size_t)pre[8] | (size_t)pre[9] << 8;
	if (need == 12)
		hlen |= (size_t)pre[10] << 16 | (size_t)pre[11] << 24;
	if (hlen == 0 || hlen > CF_NPY_MAX_HEADER) {
		snprintf(errbuf, errlen, "npy: header length %zu is out of "
		    "range (1..%d)", hlen, CF_NPY_MAX_HEADER);
		return CF_EFORMAT;
	}
	if (!(text = malloc(hlen))) {
		snprintf(errbuf, errlen, "out of memory");
		return CF_ENOMEM;
	}
	if (fread(text, 1, hlen, f) != hlen) {
		snprintf(errbuf, errlen, "npy: truncated header");
		err = CF_EFORMAT;
		goto out;
	}
	if (text[hlen - 1] != '\n' || memchr(text, '\0', hlen)) {
		snprintf(errbuf, errlen, "npy: header does not end with a "
		    "newline");
		err = CF_EFORMAT;
		goto out;
	}
	if ((err = parse_dict(text, hlen - 1, h, errbuf, errlen)))
		goto out;
	if (h->ndim == 0) {
		snprintf(errbuf, errlen, "npy: a 0-d (scalar) array is not "
		    "supported");
		err = CF_EFORMAT;
		goto out;
	}
	n = 1;
	for (i = 0; i < (size_t)h->ndim; i++) {
		if (h->shape[i] == 0) {
			snprintf(errbuf, errlen, "npy: array has an empty "
			    "axis");
			err = CF_EFORMAT;
			goto out;
		}
		if (cf_size_mul(n, h->shape[i], &n) ||
		    n > CF_NPY_MAX_ELEMENTS) {
			snprintf(errbuf, errlen, "npy: array has more than "
			    "%llu elements", (unsigned long long)
			    CF_NPY_MAX_ELEMENTS);
			err = CF_EOVERFLOW;
			goto out;
		}
	}
	h->numel = n;
	err = 0;
out:
	free(text);
	return err;
}

size_t
cf_npy_dtype_bytes(enum cf_npy_dtype dt)
{
	switch (dt) {
	case CF_NPY_U1:	return 1;
	case CF_NPY_U2:	return 2;
	case CF_NPY_F2:	return 2;
	case CF_NPY_F4:	return 4;
	case CF_NPY_F8:	return 8;
	}
	return 1;
}

/* An IEEE 754 half (binary16) as a float: exact, subnormals included. */
static float
half(unsigned h)
{
	unsigned e = h >> 10 & 0x1f, m = h & 0x3ff;
	uint32_t u = (uint32_t)(h & 0x8000) << 16;
	float f;

	if (e == 0x1f)
		u |= 0xff << 23 | m << 13;	/* inf, NaN */
	else if (e)
		u |= (e + 112) << 23 | m << 13;
	else if (m) {
		/* subnormal: m * 2^-24, exactly representable */
		f = (float)m * 0x1p-24f;
		return h & 0x8000 ? -f : f;
	}
	memcpy(&f, &u, 4);
	return f;
}

void
cf_npy_decode(enum cf_npy_dtype dt, const unsigned char *b, size_t n,
    float *dst, size_t step)
{
	uint32_t u32;
	uint64_t u64;
	double dv;
	size_t i;
	int k;

	switch (dt) {
	case CF_NPY_U1:
		for (i = 0; i < n; i++)
			dst[i * step] = b[i];
		break;
	case CF_NPY_U2:
		for (i = 0; i < n; i++, b += 2)
			dst[i * step] = (float)(b[0] | b[1] << 8);
		break;
	case CF_NPY_F2:
		for (i = 0; i < n; i++, b += 2)
			dst[i * step] = half((unsigned)(b[0] | b[1] << 8));
		break;
	case CF_NPY_F4:
		for (i = 0; i < n; i++, b += 4) {
			u32 = (uint32_t)b[0] | (uint32_t)b[1] << 8 |
			    (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
			memcpy(&dst[i * step], &u32, 4);
		}
		break;
	case CF_NPY_F8:
		for (i = 0; i < n; i++, b += 8) {
			u64 = 0;
			for (k = 7; k >= 0; k--)
				u64 = u64 << 8 | b[k];
			memcpy(&dv, &u64, 8);
			dst[i * step] = (float)dv;
		}
		break;
	}
}

int
cf_npy_read_data(FILE *f, const struct cf_npy_header *h,
    struct cf_tensor *out, char *errbuf, size_t errlen)
{
	unsigned char buf[8192];
	size_t es = cf_npy_dtype_bytes(h->dtype), per = sizeof(buf) / es;
	size_t want, got, done = 0, extra = 0;
	float *d;
	int err;

	memset(out, 0, sizeof(*out));
	if ((err = cf_tensor_init(out, CF_F32, h->ndim, h->shape))) {
		snprintf(errbuf, errlen, "%s", cf_strerror(err));
		return err;
	}
	d = out->data;
	while (done < h->numel) {
		want = h->numel - done < per ? h->numel - done : per;
		got = fread(buf, 1, want * es, f);
		if (got != want * es) {
			if (ferror(f)) {
				snprintf(errbuf, errlen, "read error: %s",
				    strerror(errno));
				err = CF_EIO;
			} else {
				snprintf(errbuf, errlen, "npy: truncated data "
				    "(%zu of %zu bytes)", done * es + got,
				    h->numel * es);
				err = CF_EFORMAT;
			}
			goto fail;
		}
		cf_npy_decode(h->dtype, buf, want, d + done, 1);
		done += want;
	}
	while ((got = fread(buf, 1, sizeof(buf), f)) > 0)
		extra += got;
	if (extra) {
		snprintf(errbuf, errlen, "npy: %zu bytes of data after the "
		    "array", extra);
		err = CF_EFORMAT;
		goto fail;
	}
	return 0;
fail:
	cf_tensor_release(out);
	return err;
}

/* A version 1.0 header for a C-order array of '|u1' (u8) or '<f4',
 * padded so that the data starts on a 64-byte boundary, into hdr
 * (256 bytes).  Returns its length. */
static size_t
header(char *hdr, int u8, int ndim, const size_t *shape)
{
	char dims[160];
	size_t len, hlen, pad;
	int k, dl = 0;

	for (k = 0; k < ndim; k++)
		dl += snprintf(dims + dl, sizeof(dims) - (size_t)dl, "%zu%s",
		    shape[k], ndim == 1 || k + 1 < ndim ? ", " : "");
	len = (size_t)snprintf(hdr + 10, 246, "{'descr': '%s', "
	    "'fortran_order': False, 'shape': (%.*s), }", u8 ? "|u1" : "<f4",
	    ndim == 1 ? dl - 1 : dl, dims);
	hlen = len + 1;
	pad = (64 - (10 + hlen) % 64) % 64;
	memset(hdr + 10 + len, ' ', pad);
	hdr[10 + len + pad] = '\n';
	hlen += pad;
	memcpy(hdr, CF_NPY_MAGIC "\x01\x00", 8);
	hdr[8] = (char)(hlen & 0xff);
	hdr[9] = (char)(hlen >> 8);
	return 10 + hlen;
}

int
cf_npy_write(FILE *f, const struct cf_tensor *t, char *errbuf,
    size_t errlen)
{
	char hdr[256];
	size_t i, idx[CF_MAX_DIMS] = {0}, n, off, hlen;
	unsigned char b[4];
	uint32_t u;
	int k;

	if (t->ndim < 1 || t->ndim > CF_MAX_DIMS || !t->data) {
		snprintf(errbuf, errlen, "cannot write an empty tensor");
		return CF_EINVAL;
	}
	hlen = header(hdr, t->dtype == CF_U8, t->ndim, t->shape);
	if (fwrite(hdr, 1, hlen, f) != hlen)
		goto ioerr;
	n = cf_tensor_numel(t);
	for (i = 0; i < n; i++) {
		off = 0;
		for (k = 0; k < t->ndim; k++)
			off += idx[k] * t->stride[k];
		if (t->dtype == CF_U8) {
			if (putc(((const unsigned char *)t->data)[off], f) ==
			    EOF)
				goto ioerr;
		} else {
			memcpy(&u, (const float *)t->data + off, 4);
			b[0] = (unsigned char)u;
			b[1] = (unsigned char)(u >> 8);
			b[2] = (unsigned char)(u >> 16);
			b[3] = (unsigned char)(u >> 24);
			if (fwrite(b, 1, 4, f) != 4)
				goto ioerr;
		}
		/* next index, last axis fastest (C order) */
		for (k = t->ndim - 1; k >= 0; k--) {
			if (++idx[k] < t->shape[k])
				break;
			idx[k] = 0;
		}
	}
	return 0;
ioerr:
	snprintf(errbuf, errlen, "write error: %s", strerror(errno));
	return CF_EIO;
}

/*
 * The image codec.  An image is [H, W], [C, H, W] or, with
 * --npy-layout hwc, [H, W, C]; a leading axis of 1 (a batch of one) is
 * dropped.  Values are kept as stored (CF_F32 rows, no scaling).
 *
 * Rows stream: interleaved data ([H, W, C], or one channel) is read in
 * order, from pipes too; planar data is read a block of rows per plane
 * with pread, from the file itself when it is a regular file, else from
 * a temporary copy of the data.  The writer works the same way round:
 * planes are written with pwrite into the output, or into a temporary
 * file copied out at the end when the output cannot seek (a pipe).
 */

/* The image's [C, H, W] and layout from h, checked against o. */
static int
image_shape(const struct cf_npy_header *h0, const struct cf_load_opts *o,
    size_t *s, int *hwc, char *errbuf, size_t errlen)
{
	const size_t *d = h0->shape;
	int nd = h0->ndim;
	enum cf_npy_layout lay = o ? o->npy_layout : CF_NPY_LAYOUT_AUTO;

	if (nd == 4) {
		if (d[0] != 1) {
			snprintf(errbuf, errlen, "npy: a batch of %zu arrays "
			    "(convfilter reads one image: [1, C, H, W])",
			    d[0]);
			return CF_EFORMAT;
		}
		d++, nd--;
	}
	*hwc = 0;
	if (nd == 2) {
		s[0] = 1, s[1] = d[0], s[2] = d[1];
	} else if (nd == 3 && lay == CF_NPY_LAYOUT_HWC) {
		s[0] = d[2], s[1] = d[0], s[2] = d[1];
		*hwc = s[0] > 1;
	} else if (nd == 3) {
		if (lay == CF_NPY_LAYOUT_AUTO && d[2] <= 4 && d[0] > 4) {
			snprintf(errbuf, errlen, "npy: shape (%zu, %zu, %zu) "
			    "looks like [H, W, C]: give --npy-layout hwc, or "
			    "--npy-layout chw for %zu channels", d[0], d[1],
			    d[2], d[0]);
			return CF_EFORMAT;
		}
		s[0] = d[0], s[1] = d[1], s[2] = d[2];
	} else {
		snprintf(errbuf, errlen, "npy: an image must be a 2-d [H, W], "
		    "3-d [C, H, W] or 4-d [1, C, H, W] array, not %d-d",
		    h0->ndim);
		return CF_EFORMAT;
	}
	return cf_img_check_size(s[2], s[1], o, errbuf, errlen);
}

static int
io_error(const char *what, char *errbuf, size_t errlen)
{
	snprintf(errbuf, errlen, "%s error: %s", what, strerror(errno));
	return CF_EIO;
}

/* Whether f can be read or written at offsets: a regular file, not
 * opened for appending.  *pos is where it stands now. */
static int
seekable(FILE *f, off_t *pos)
{
	struct stat st;
	int fl;

	if (fstat(fileno(f), &st) || !S_ISREG(st.st_mode))
		return 0;
	if ((fl = fcntl(fileno(f), F_GETFL)) < 0 || (fl & O_APPEND))
		return 0;
	return (*pos = ftello(f)) >= 0;
}

/* Planar data up to this size is held whole, read or written at once. */
#define NPY_SMALL (16u << 20)

struct npy_rd {
	FILE *f;		/* sequential: interleaved rows */
	FILE *copy;		/* planar from a pipe: the data, copied */
	unsigned char *mem;	/* planar and small: the data, read whole */
	int fd;			/* planar: pread from here */
	off_t base;		/* where the data starts in fd */
	enum cf_npy_dtype dt;
	size_t es, y;
	uint64_t done, bytes;	/* sequential: bytes read, bytes in all */
	unsigned char *buf;
	size_t cap;
};

static int
truncated(uint64_t got, uint64_t bytes, char *errbuf, size_t errlen)
{
	snprintf(errbuf, errlen, "npy: truncated data (%llu of %llu bytes)",
	    (unsigned long long)got, (unsigned long long)bytes);
	return CF_EFORMAT;
}

/* After the data: what is left of f must be empty. */
static int
rest_empty(FILE *f, char *errbuf, size_t errlen)
{
	unsigned char b[4096];
	uint64_t extra = 0;
	size_t got;

	while ((got = fread(b, 1, sizeof(b), f)) > 0)
		extra += got;
	if (ferror(f))
		return io_error("read", errbuf, errlen);
	if (extra) {
		snprintf(errbuf, errlen, "npy: %llu bytes of data after the "
		    "array", (unsigned long long)extra);
		return CF_EFORMAT;
	}
	return 0;
}

/* *buf of at least n bytes (*cap now), for the reader and the writer. */
static int
grow(unsigned char **buf, size_t *cap, size_t n, char *errbuf,
    size_t errlen)
{
	unsigned char *b;

	if (n <= *cap)
		return 0;
	if (!(b = realloc(*buf, n))) {
		snprintf(errbuf, errlen, "out of memory");
		return CF_ENOMEM;
	}
	*buf = b;
	*cap = n;
	return 0;
}

static int
full_pread(int fd, unsigned char *b, size_t n, off_t at)
{
	ssize_t got;

	while (n) {
		if ((got = pread(fd, b, n, at)) <= 0) {
			if (got < 0 && errno == EINTR)
				continue;
			if (!got)
				errno = EIO;	/* the file shrank */
			return -1;
		}
		b += got, n -= (size_t)got, at += got;
	}
	return 0;
}

static int
npy_rows(struct cf_img_reader *r, void *out, size_t n, char *errbuf,
    size_t errlen)
{
	struct npy_rd *p = r->in->priv;
	size_t plane = r->w * n, c, k, got, want;
	float *dst = out;
	int err;

	if (n > r->h - p->y) {
		snprintf(errbuf, errlen, "no rows to read");
		return CF_EINVAL;
	}
	if (p->f) {
		/* interleaved: the rows as they are stored, in blocks */
		for (k = 0; k < n * r->c * r->w; k += got) {
			got = n * r->c * r->w - k;
			if (got > 65536 / p->es)
				got = 65536 / p->es;
			if ((err = grow(&p->buf, &p->cap, got * p->es, errbuf,
			    errlen)))
				return err;
			want = fread(p->buf, 1, got * p->es, p->f);
			p->done += want;
			if (want != got * p->es) {
				if (ferror(p->f))
					return io_error("read", errbuf, errlen);
				return truncated(p->done, p->bytes, errbuf,
				    errlen);
			}
			cf_npy_decode(p->dt, p->buf, got, dst + k, 1);
		}
	} else {
		if (!p->mem && (err = grow(&p->buf, &p->cap, plane * p->es,
		    errbuf, errlen)))
			return err;
		for (c = 0; c < r->c; c++) {
			k = (c * r->h + p->y) * r->w * p->es;
			if (p->mem) {
				cf_npy_decode(p->dt, p->mem + k, plane,
				    dst + c, r->c);
				continue;
			}
			if (full_pread(p->fd, p->buf, plane * p->es, p->base +
			    (off_t)k))
				return io_error("read", errbuf, errlen);
			cf_npy_decode(p->dt, p->buf, plane, dst + c, r->c);
		}
	}
	p->y += n;
	return 0;
}

/* After the rows: nothing may follow the array. */
static int
npy_finish(struct cf_img_reader *r, char *errbuf, size_t errlen)
{
	struct npy_rd *p = r->in->priv;

	/* planar: the sizes were checked at open */
	return p->f ? rest_empty(p->f, errbuf, errlen) : 0;
}

static void
npy_close(struct cf_img_reader *r)
{
	struct npy_rd *p = r->in->priv;

	if (!p)
		return;
	if (p->copy)
		fclose(p->copy);
	free(p->mem);
	free(p->buf);
	free(p);
	r->in->priv = NULL;
}

/* Planar data from a pipe: copy exactly `bytes` of it to a temporary
 * file, and check that nothing follows. */
static int
copy_data(struct npy_rd *p, FILE *f, uint64_t bytes, char *errbuf,
    size_t errlen)
{
	unsigned char b[65536];
	uint64_t done = 0;
	size_t want, got;
	int err;

	if (!(p->copy = tmpfile()))
		return io_error("temporary file", errbuf, errlen);
	while (done < bytes) {
		want = bytes - done < sizeof(b) ? (size_t)(bytes - done) :
		    sizeof(b);
		if ((got = fread(b, 1, want, f)) != want) {
			if (ferror(f))
				return io_error("read", errbuf, errlen);
			return truncated(done + got, bytes, errbuf, errlen);
		}
		if (fwrite(b, 1, got, p->copy) != got)
			return io_error("temporary file", errbuf, errlen);
		done += got;
	}
	if ((err = rest_empty(f, errbuf, errlen)))
		return err;
	if (fflush(p->copy))
		return io_error("temporary file", errbuf, errlen);
	p->fd = fileno(p->copy);
	p->base = 0;
	return 0;
}

static int
npy_open_reader(FILE *f, const unsigned char *magic, size_t nmagic,
    const struct cf_load_opts *o, struct cf_img_reader *r, char *errbuf,
    size_t errlen)
{
	struct cf_npy_header h;
	struct npy_rd *p;
	struct stat st;
	size_t s[3];
	uint64_t bytes, have;
	off_t pos;
	int err, hwc;

	if ((err = cf_npy_read_header(f, magic, nmagic, &h, errbuf, errlen)) ||
	    (err = image_shape(&h, o, s, &hwc, errbuf, errlen)))
		return err;
	if (!(p = calloc(1, sizeof(*p)))) {
		snprintf(errbuf, errlen, "out of memory");
		return CF_ENOMEM;
	}
	r->in->priv = p;
	r->in->rows = npy_rows;
	r->in->finish = npy_finish;
	r->in->close = npy_close;
	r->c = s[0], r->h = s[1], r->w = s[2];
	r->dtype = CF_F32;
	p->dt = h.dtype;
	p->es = cf_npy_dtype_bytes(h.dtype);
	p->bytes = bytes = (uint64_t)h.numel * p->es;
	if (r->c == 1 || hwc) {
		p->f = f;
		return 0;
	}
	/* small planes (many channels of a small image): read whole, not
	 * a read per plane per block of rows */
	if (bytes <= NPY_SMALL) {
		if (!(p->mem = malloc(bytes ? (size_t)bytes : 1))) {
			snprintf(errbuf, errlen, "out of memory");
			return CF_ENOMEM;
		}
		if ((have = fread(p->mem, 1, (size_t)bytes, f)) != bytes)
			return ferror(f) ? io_error("read", errbuf, errlen) :
			    truncated(have, bytes, errbuf, errlen);
		return rest_empty(f, errbuf, errlen);
	}
	if (!seekable(f, &pos))
		return copy_data(p, f, bytes, errbuf, errlen);
	/* a regular file: its size tells truncation and trailing bytes */
	if (fstat(fileno(f), &st))
		return io_error("read", errbuf, errlen);
	have = st.st_size > pos ? (uint64_t)(st.st_size - pos) : 0;
	if (have < bytes)
		return truncated(have, bytes, errbuf, errlen);
	if (have > bytes) {
		snprintf(errbuf, errlen, "npy: %llu bytes of data after the "
		    "array", (unsigned long long)(have - bytes));
		return CF_EFORMAT;
	}
	p->fd = fileno(f);
	p->base = pos;
	return 0;
}

/* The shape from the header dict, as the reader would take it. */
static int
probe_npy(struct cf_img_peek *p, const struct cf_load_opts *o, size_t *s,
    char *errbuf, size_t errlen)
{
	struct cf_npy_header h;
	int err, hwc;

	if ((err = cf_npy_read_header(p->f, p->pre, p->npre, &h, errbuf,
	    errlen)))
		return err;
	return image_shape(&h, o, s, &hwc, errbuf, errlen);
}

/* The writer: a version 1.0 header, then rows or planes. */
struct npy_wr {
	FILE *f;		/* the output */
	FILE *spool;		/* planes for a pipe, copied out at finish */
	unsigned char *mem;	/* small planes, written at finish */
	int fd;			/* planes: pwrite here */
	off_t base;		/* where the data starts in fd */
	int planar, u8;
	size_t y;
	unsigned char *buf;
	size_t cap;
};

/* n samples, floats or bytes, every step-th from src, into b as stored. */
static void
encode(const struct npy_wr *p, const void *src, size_t n, size_t step,
    unsigned char *b)
{
	const float *fs = src;
	const unsigned char *us = src;
	uint32_t u;
	size_t i;

	if (p->u8) {
		for (i = 0; i < n; i++)
			b[i] = us[i * step];
		return;
	}
	for (i = 0; i < n; i++, b += 4) {
		memcpy(&u, fs + i * step, 4);
		b[0] = (unsigned char)u;
		b[1] = (unsigned char)(u >> 8);
		b[2] = (unsigned char)(u >> 16);
		b[3] = (unsigned char)(u >> 24);
	}
}

static int
full_pwrite(int fd, const unsigned char *b, size_t n, off_t at)
{
	ssize_t put;

	while (n) {
		if ((put = pwrite(fd, b, n, at)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		b += put, n -= (size_t)put, at += put;
	}
	return 0;
}

static int
npy_wrows(struct cf_img_writer *wr, const void *src, size_t n,
    char *errbuf, size_t errlen)
{
	struct npy_wr *p = wr->in->priv;
	size_t es = p->u8 ? 1 : 4, c, plane = n * wr->w, all = plane * wr->c;
	const unsigned char *s = src;
	int err;

	if (n > wr->h - p->y) {
		snprintf(errbuf, errlen, "more rows than the image has");
		return CF_EINVAL;
	}
	if (!p->mem && (err = grow(&p->buf, &p->cap, (p->planar ? plane :
	    all) * es, errbuf, errlen)))
		return err;
	if (!p->planar) {
		encode(p, src, all, 1, p->buf);
		if (fwrite(p->buf, es, all, p->f) != all)
			return io_error("write", errbuf, errlen);
	} else {
		for (c = 0; c < wr->c && p->mem; c++)
			encode(p, s + c * es, plane, wr->c, p->mem +
			    (c * wr->h + p->y) * wr->w * es);
		for (c = 0; c < wr->c && !p->mem; c++) {
			encode(p, s + c * es, plane, wr->c, p->buf);
			if (full_pwrite(p->fd, p->buf, plane * es, p->base +
			    (off_t)((c * wr->h + p->y) * wr->w * es)))
				return io_error(p->spool ? "temporary file" :
				    "write", errbuf, errlen);
		}
	}
	p->y += n;
	return 0;
}

static int
npy_wfinish(struct cf_img_writer *wr, char *errbuf, size_t errlen)
{
	struct npy_wr *p = wr->in->priv;
	unsigned char b[65536];
	uint64_t left = (uint64_t)wr->c * wr->h * wr->w * (p->u8 ? 1 : 4);
	size_t got;

	if (p->y != wr->h) {
		snprintf(errbuf, errlen, "fewer rows than the image has");
		return CF_EINVAL;
	}
	if (!p->planar)
		return 0;
	if (p->mem) {
		if (fwrite(p->mem, 1, (size_t)left, p->f) != left)
			return io_error("write", errbuf, errlen);
		return 0;
	}
	if (!p->spool) {
		/* leave f where the array ends */
		if (fseeko(p->f, p->base + (off_t)left, SEEK_SET))
			return io_error("write", errbuf, errlen);
		return 0;
	}
	rewind(p->spool);
	while (left) {
		got = fread(b, 1, left < sizeof(b) ? (size_t)left : sizeof(b),
		    p->spool);
		if (!got)
			return io_error("temporary file", errbuf, errlen);
		if (fwrite(b, 1, got, p->f) != got)
			return io_error("write", errbuf, errlen);
		left -= got;
	}
	return 0;
}

static void
npy_wclose(struct cf_img_writer *wr)
{
	struct npy_wr *p = wr->in->priv;

	if (!p)
		return;
	if (p->spool)
		fclose(p->spool);
	free(p->mem);
	free(p->buf);
	free(p);
	wr->in->priv = NULL;
}

static int
npy_open_writer(FILE *f, const struct cf_img_format *fmt,
    const struct cf_save_opts *o, struct cf_img_writer *wr, char *errbuf,
    size_t errlen)
{
	struct npy_wr *p;
	char hdr[256];
	uint64_t total;
	size_t n;
	off_t pos;

	(void)fmt;
	if (!(p = calloc(1, sizeof(*p)))) {
		snprintf(errbuf, errlen, "out of memory");
		return CF_ENOMEM;
	}
	wr->in->priv = p;
	wr->in->rows = npy_wrows;
	wr->in->finish = npy_wfinish;
	wr->in->close = npy_wclose;
	p->f = f;
	p->u8 = wr->dtype == CF_U8;
	p->planar = wr->c > 1 && !o->npy_hwc;
	n = o->npy_hwc ? header(hdr, p->u8, 3, (size_t[]){ wr->h, wr->w,
	    wr->c }) : header(hdr, p->u8, 3, (size_t[]){ wr->c, wr->h,
	    wr->w });
	if (fwrite(hdr, 1, n, f) != n || fflush(f))
		return io_error("write", errbuf, errlen);
	if (!p->planar)
		return 0;
	total = (uint64_t)wr->c * wr->h * wr->w * (p->u8 ? 1 : 4);
	if (total <= NPY_SMALL) {
		if (!(p->mem = calloc(1, (size_t)total))) {
			snprintf(errbuf, errlen, "out of memory");
			return CF_ENOMEM;
		}
		return 0;
	}
	if (seekable(f, &pos)) {
		p->fd = fileno(f);
		p->base = pos;
		return 0;
	}
	if (!(p->spool = tmpfile()))
		return io_error("temporary file", errbuf, errlen);
	p->fd = fileno(p->spool);
	return 0;
}

static int
npy_magic(const unsigned char *b, size_t n)
{
	return n >= CF_NPY_MAGIC_LEN && !memcmp(b, CF_NPY_MAGIC,
	    CF_NPY_MAGIC_LEN);
}

const struct cf_img_codec cf_codec_npy = {
	.magic = npy_magic,
	.open_reader = npy_open_reader,
	.open_writer = npy_open_writer,
	.probe = probe_npy,
};
