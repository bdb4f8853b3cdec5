/*
 * npy.c - NumPy .npy arrays, as images and as plain tensors.
 *
 * The header dict is parsed by hand, key by key, with no general Python
 * literal support: anything but the three keys numpy itself writes, with
 * values of the expected type, is an error.  Multi-byte values are put
 * together byte by byte, so the reader and writer work on any host.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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
		{ "<u2", CF_NPY_U2 }, { "<f4", CF_NPY_F4 },
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
		    "(uint8, uint16, float32 or float64, little-endian)", d);
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

static size_t
dtype_bytes(enum cf_npy_dtype dt)
{
	switch (dt) {
	case CF_NPY_U1:	return 1;
	case CF_NPY_U2:	return 2;
	case CF_NPY_F4:	return 4;
	case CF_NPY_F8:	return 8;
	}
	return 1;
}

/* One little-endian element at b. */
static float
decode(enum cf_npy_dtype dt, const unsigned char *b)
{
	uint32_t u32;
	uint64_t u64 = 0;
	float fv;
	double dv;
	int k;

	switch (dt) {
	case CF_NPY_U1:
		return b[0];
	case CF_NPY_U2:
		return (float)(b[0] | b[1] << 8);
	case CF_NPY_F4:
		u32 = (uint32_t)b[0] | (uint32_t)b[1] << 8 |
		    (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
		memcpy(&fv, &u32, 4);
		return fv;
	case CF_NPY_F8:
		for (k = 7; k >= 0; k--)
			u64 = u64 << 8 | b[k];
		memcpy(&dv, &u64, 8);
		return (float)dv;
	}
	return 0;
}

int
cf_npy_read_data(FILE *f, const struct cf_npy_header *h,
    struct cf_tensor *out, char *errbuf, size_t errlen)
{
	unsigned char buf[8192];
	size_t es = dtype_bytes(h->dtype), per = sizeof(buf) / es, done = 0;
	size_t want, got, i, extra = 0;
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
		for (i = 0; i < want; i++)
			d[done + i] = decode(h->dtype, buf + i * es);
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

int
cf_npy_write(FILE *f, const struct cf_tensor *t, char *errbuf,
    size_t errlen)
{
	char hdr[256], dims[160];
	size_t len = 0, i, idx[CF_MAX_DIMS] = {0}, n, off, hlen, pad;
	unsigned char b[4];
	uint32_t u;
	int k, dl = 0;

	if (t->ndim < 1 || t->ndim > CF_MAX_DIMS || !t->data) {
		snprintf(errbuf, errlen, "cannot write an empty tensor");
		return CF_EINVAL;
	}
	for (k = 0; k < t->ndim; k++)
		dl += snprintf(dims + dl, sizeof(dims) - (size_t)dl, "%zu%s",
		    t->shape[k], t->ndim == 1 || k + 1 < t->ndim ? ", " : "");
	len = (size_t)snprintf(hdr + 10, sizeof(hdr) - 10, "{'descr': '%s', "
	    "'fortran_order': False, 'shape': (%.*s), }",
	    t->dtype == CF_U8 ? "|u1" : "<f4",
	    t->ndim == 1 ? dl - 1 : dl, dims);
	/* pad with spaces so that the data starts on a 64-byte boundary */
	hlen = len + 1;
	pad = (64 - (10 + hlen) % 64) % 64;
	memset(hdr + 10 + len, ' ', pad);
	hdr[10 + len + pad] = '\n';
	hlen += pad;
	memcpy(hdr, CF_NPY_MAGIC "\x01\x00", 8);
	hdr[8] = (char)(hlen & 0xff);
	hdr[9] = (char)(hlen >> 8);
	if (fwrite(hdr, 1, 10 + hlen, f) != 10 + hlen)
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
 * The image codec: [H, W] or [C, H, W] arrays become CF_F32 [C, H, W]
 * tensors with their values as stored (no scaling to 0..255).
 */
static int
npy_load(FILE *f, const unsigned char *magic, size_t nmagic,
    const struct cf_load_opts *o, struct cf_tensor *img, char *errbuf,
    size_t errlen)
{
	struct cf_npy_header h;
	int err;

	if ((err = cf_npy_read_header(f, magic, nmagic, &h, errbuf, errlen)))
		return err;
	if (h.ndim != 2 && h.ndim != 3) {
		snprintf(errbuf, errlen, "npy: an image must be a 2-d [H, W] "
		    "or 3-d [C, H, W] array, not %d-d", h.ndim);
		return CF_EFORMAT;
	}
	if (h.ndim == 2) {
		h.shape[2] = h.shape[1];
		h.shape[1] = h.shape[0];
		h.shape[0] = 1;
		h.ndim = 3;
	}
	if ((err = cf_img_check_size(h.shape[2], h.shape[1], o, errbuf,
	    errlen)))
		return err;
	return cf_npy_read_data(f, &h, img, errbuf, errlen);
}

static int
npy_save(FILE *f, const struct cf_img_format *fmt, const struct cf_tensor *img,
    const struct cf_save_opts *o, char *errbuf, size_t errlen)
{
	(void)fmt, (void)o;
	return cf_npy_write(f, img, errbuf, errlen);
}

/* The shape from the header dict, as npy_load would take it. */
static int
probe_npy(struct cf_img_peek *p, const struct cf_load_opts *o, size_t *s,
    char *errbuf, size_t errlen)
{
	struct cf_npy_header h;
	int err;

	(void)o;
	if ((err = cf_npy_read_header(p->f, p->pre, p->npre, &h, errbuf,
	    errlen)))
		return err;
	if (h.ndim != 2 && h.ndim != 3) {
		snprintf(errbuf, errlen, "npy: an image must be a 2-d [H, W] or "
		    "3-d [C, H, W] array, not %d-d", h.ndim);
		return CF_EFORMAT;
	}
	s[0] = h.ndim == 2 ? 1 : h.shape[0];
	s[1] = h.shape[h.ndim - 2];
	s[2] = h.shape[h.ndim - 1];
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
	.load = npy_load,
	.save = npy_save,
	.probe = probe_npy,
};
