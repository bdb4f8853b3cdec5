/*
 * tiff.c - TIFF through libtiff: read row by row (a strip, or a row of
 * tiles, decoded at a time), written row by row in strips.
 *
 * Read: 1, 2, 4, 8 and 16-bit unsigned samples and 32 or 64-bit floats
 * (a CF_F32 tensor, as a float .npy); gray, gray + alpha, RGB, RGBA and
 * palette; contiguous or separate planes; whatever compression the
 * installed libtiff decodes (none, LZW, Deflate, PackBits, JPEG, ...).
 * Associated (premultiplied) alpha is divided out, unassociated alpha
 * kept.  The page is o->page (0 the first).  The orientation tag is
 * reported as the EXIF one is, so img.c turns the image upright.
 *
 * libtiff seeks: a file is read in place (the magic bytes img.c took are
 * sought back), and anything that cannot seek (a pipe) is read into
 * memory first, at most PIPE_MAX bytes.  Written files go straight to a
 * seekable output, and are assembled in memory for a pipe.  libtiff's
 * errors and warnings never reach stderr: the first error becomes the
 * message, warnings are dropped.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include <tiffio.h>

#include "io/img_int.h"

/* A TIFF read from a pipe is held in memory: at most this much. */
#define PIPE_MAX ((size_t)1 << 30)
/* A tile larger than this is refused (hostile or broken headers). */
#define TILE_MAX ((uint64_t)64 << 20)
/* The most samples per pixel read (and channels written). */
#define SAMPLES_MAX 64
/* Past this estimate of the file's size a written TIFF is a BigTIFF. */
#define BIG_AT ((uint64_t)4000 << 20)
/* The bytes a written strip aims at. */
#define STRIP_BYTES ((size_t)256 << 10)

/* Where libtiff's bytes come from or go: a stdio stream, or memory. */
struct tio {
	FILE *f;
	off_t base;		/* the stream offset of the TIFF's byte 0 */
	int inmem;
	unsigned char *mem;
	size_t len, cap;
	uint64_t pos;
	uint64_t size;		/* of a stream being read */
	int failed;		/* a write or read failed (errno kept) */
	int saved_errno;
};

/* libtiff's first error, for the message. */
struct terr {
	char msg[200];
};

static tmsize_t
io_read(thandle_t h, void *buf, tmsize_t n)
{
	struct tio *t = h;
	size_t got;

	if (n <= 0)
		return 0;
	if (t->inmem) {
		if (t->pos >= t->len)
			return 0;
		got = t->len - t->pos < (uint64_t)n ? t->len - t->pos :
		    (size_t)n;
		memcpy(buf, t->mem + t->pos, got);
		t->pos += got;
		return (tmsize_t)got;
	}
	if (fseeko(t->f, t->base + (off_t)t->pos, SEEK_SET))
		return -1;
	got = fread(buf, 1, (size_t)n, t->f);
	if (got < (size_t)n && ferror(t->f)) {
		t->failed = 1;
		t->saved_errno = errno;
	}
	t->pos += got;
	return (tmsize_t)got;
}

static tmsize_t
io_write(thandle_t h, void *buf, tmsize_t n)
{
	struct tio *t = h;
	size_t need, cap;
	unsigned char *m;

	if (n <= 0)
		return 0;
	if (!t->inmem) {
		if (fseeko(t->f, t->base + (off_t)t->pos, SEEK_SET) ||
		    fwrite(buf, 1, (size_t)n, t->f) != (size_t)n) {
			t->failed = 1;
			t->saved_errno = errno;
			return -1;
		}
		t->pos += (uint64_t)n;
		if (t->pos > t->size)
			t->size = t->pos;
		return n;
	}
	if (t->pos > SIZE_MAX - (size_t)n) {
		t->failed = 1;
		t->saved_errno = ENOMEM;
		return -1;
	}
	need = (size_t)t->pos + (size_t)n;
	if (need > t->cap) {
		cap = t->cap ? t->cap : 65536;
		while (cap < need)
			cap = cap > SIZE_MAX / 2 ? need : cap * 2;
		if (!(m = realloc(t->mem, cap))) {
			t->failed = 1;
			t->saved_errno = ENOMEM;
			return -1;
		}
		t->mem = m;
		t->cap = cap;
	}
	if (t->pos > t->len)
		memset(t->mem + t->len, 0, (size_t)t->pos - t->len);
	memcpy(t->mem + t->pos, buf, (size_t)n);
	t->pos += (uint64_t)n;
	if (t->pos > t->len)
		t->len = (size_t)t->pos;
	return n;
}

static toff_t
io_seek(thandle_t h, toff_t off, int whence)
{
	struct tio *t = h;
	uint64_t end = t->inmem ? t->len : t->size;

	switch (whence) {
	case SEEK_SET: break;
	case SEEK_CUR: off += t->pos; break;
	case SEEK_END: off += end; break;
	default: return (toff_t)-1;
	}
	if (off > (toff_t)INT64_MAX - (toff_t)t->base)
		return (toff_t)-1;
	t->pos = off;
	return off;
}

static int
io_close(thandle_t h)
{
	(void)h;
	return 0;
}

static toff_t
io_size(thandle_t h)
{
	struct tio *t = h;

	return t->inmem ? t->len : t->size;
}

/* Memory is mapped as it is: libtiff then reads strips in place. */
static int
io_map(thandle_t h, void **base, toff_t *size)
{
	struct tio *t = h;

	if (!t->inmem || t->failed)
		return 0;
	*base = t->mem;
	*size = t->len;
	return 1;
}

static void
io_unmap(thandle_t h, void *base, toff_t size)
{
	(void)h, (void)base, (void)size;
}

static int
on_error(TIFF *tif, void *user, const char *module, const char *fmt,
    va_list ap)
{
	struct terr *e = user;
	char *p;

	(void)tif, (void)module;
	if (!e || e->msg[0])
		return 1;
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	/* the name libtiff knows the file by (tio_open) is no news */
	if (!strncmp(e->msg, "TIFF: ", 6))
		memmove(e->msg, e->msg + 6, strlen(e->msg + 6) + 1);
	/* one line */
	for (p = e->msg; *p; p++)
		if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
	return 1;
}

static int
on_warning(TIFF *tif, void *user, const char *module, const char *fmt,
    va_list ap)
{
	(void)tif, (void)user, (void)module, (void)fmt, (void)ap;
	return 1;
}

/* Nothing libtiff says is printed, whatever path it takes. */
static pthread_once_t quiet_once = PTHREAD_ONCE_INIT;

static void
quiet_init(void)
{
	TIFFSetErrorHandler(NULL);
	TIFFSetWarningHandler(NULL);
}

static TIFF *
tio_open(struct tio *t, struct terr *e, const char *mode)
{
	TIFFOpenOptions *opts;
	TIFF *tif;

	pthread_once(&quiet_once, quiet_init);
	if (!(opts = TIFFOpenOptionsAlloc()))
		return NULL;
	TIFFOpenOptionsSetErrorHandlerExtR(opts, on_error, e);
	TIFFOpenOptionsSetWarningHandlerExtR(opts, on_warning, e);
	tif = TIFFClientOpenExt("TIFF", mode, t, io_read, io_write, io_seek,
	    io_close, io_size, io_map, io_unmap, opts);
	TIFFOpenOptionsFree(opts);
	return tif;
}

/*
 * Set t up to read the TIFF whose first nmagic bytes img.c has taken
 * from f: in place when f seeks, else everything into memory.
 */
static int
tio_source(struct tio *t, FILE *f, const unsigned char *magic,
    size_t nmagic, char *errbuf, size_t errlen)
{
	off_t at, end;
	size_t got;
	unsigned char *m;

	memset(t, 0, sizeof(*t));
	t->f = f;
	if ((at = ftello(f)) >= (off_t)nmagic &&
	    !fseeko(f, 0, SEEK_END) && (end = ftello(f)) >= at) {
		t->base = at - (off_t)nmagic;
		t->size = (uint64_t)(end - t->base);
		return 0;
	}
	clearerr(f);
	t->inmem = 1;
	t->cap = 1 << 16;
	if (!(t->mem = malloc(t->cap)))
		goto nomem;
	memcpy(t->mem, magic, nmagic);
	t->len = nmagic;
	for (;;) {
		if (t->len == t->cap) {
			if (t->cap >= PIPE_MAX) {
				snprintf(errbuf, errlen, "TIFF from a pipe is "
				    "over %zu MiB (read it from a file)",
				    PIPE_MAX >> 20);
				return CF_EOVERFLOW;
			}
			if (!(m = realloc(t->mem, t->cap * 2)))
				goto nomem;
			t->mem = m;
			t->cap *= 2;
		}
		got = fread(t->mem + t->len, 1, t->cap - t->len, f);
		t->len += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		snprintf(errbuf, errlen, "read error: %s", strerror(errno));
		return CF_EIO;
	}
	return 0;
nomem:
	snprintf(errbuf, errlen, "out of memory");
	return CF_ENOMEM;
}

static void
tio_release(struct tio *t)
{
	free(t->mem);
	t->mem = NULL;
}

/* The message for a libtiff failure: its own words, else what. */
static int
tiff_fail(const struct terr *e, const char *what, char *errbuf,
    size_t errlen)
{
	if (e->msg[0])
		snprintf(errbuf, errlen, "invalid TIFF: %s", e->msg);
	else
		snprintf(errbuf, errlen, "%s", what);
	return CF_EFORMAT;
}

/* What a page holds, checked, and how rows come out of it. */
struct layout {
	uint32_t w, h;
	uint16_t bps, spp, sfmt, photo, planar, orient;
	int tiled;
	uint32_t bandh;		/* rows per strip, or tile length */
	uint32_t tw;		/* tile width */
	uint32_t across;	/* tiles across */
	size_t planes;		/* 1, or spp for separate planes */
	size_t prow;		/* bytes of a band row of one plane */
	size_t tilerow;		/* bytes of a tile row of one plane */
	size_t c;		/* channels out */
	int alpha;		/* the sample of alpha, or -1 */
	int assoc;		/* the alpha is premultiplied */
	int white0;		/* min-is-white: invert */
	enum cf_dtype dtype;
};

/* Read page o->page's tags into L, or fail with a message. */
static int
layout(TIFF *tif, struct terr *e, const struct cf_load_opts *o,
    struct layout *L, char *errbuf, size_t errlen)
{
	uint16_t comp = COMPRESSION_NONE, nextra = 0, *extra = NULL;
	uint32_t page = o ? o->page : 0, n;
	uint64_t tsize;
	tdir_t ndirs;
	int err;

	memset(L, 0, sizeof(*L));
	if (page > 0 && !TIFFSetDirectory(tif, (tdir_t)page)) {
		if (e->msg[0])
			return tiff_fail(e, "", errbuf, errlen);
		ndirs = TIFFNumberOfDirectories(tif);
		snprintf(errbuf, errlen, "--page %" PRIu32 ": the TIFF has "
		    "%u page%s (the first is 0)", page, (unsigned)ndirs,
		    ndirs == 1 ? "" : "s");
		return CF_EINVAL;
	}
	if (!TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &L->w) ||
	    !TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &L->h))
		return tiff_fail(e, "TIFF has no image size", errbuf, errlen);
	if ((err = cf_img_check_size(L->w, L->h, o, errbuf, errlen)))
		return err;
	TIFFGetFieldDefaulted(tif, TIFFTAG_BITSPERSAMPLE, &L->bps);
	TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLESPERPIXEL, &L->spp);
	TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLEFORMAT, &L->sfmt);
	TIFFGetFieldDefaulted(tif, TIFFTAG_PLANARCONFIG, &L->planar);
	TIFFGetFieldDefaulted(tif, TIFFTAG_COMPRESSION, &comp);
	TIFFGetFieldDefaulted(tif, TIFFTAG_EXTRASAMPLES, &nextra, &extra);
	if (!TIFFGetField(tif, TIFFTAG_ORIENTATION, &L->orient))
		L->orient = 1;
	if (!TIFFGetField(tif, TIFFTAG_PHOTOMETRIC, &L->photo))
		L->photo = L->spp >= 3 ? PHOTOMETRIC_RGB :
		    PHOTOMETRIC_MINISBLACK;
	if (!TIFFIsCODECConfigured(comp)) {
		snprintf(errbuf, errlen, "TIFF compression %u is not "
		    "supported", (unsigned)comp);
		return CF_EFORMAT;
	}
	if (L->spp < 1 || L->spp > SAMPLES_MAX) {
		snprintf(errbuf, errlen, "TIFF has %u samples per pixel (1 to "
		    "%d load)", (unsigned)L->spp, SAMPLES_MAX);
		return CF_EFORMAT;
	}
	/* JPEG's YCbCr comes out as RGB */
	if (L->photo == PHOTOMETRIC_YCBCR && comp == COMPRESSION_JPEG) {
		TIFFSetField(tif, TIFFTAG_JPEGCOLORMODE, JPEGCOLORMODE_RGB);
		L->photo = PHOTOMETRIC_RGB;
	}
	if (L->sfmt == SAMPLEFORMAT_IEEEFP) {
		if (L->bps != 32 && L->bps != 64) {
			snprintf(errbuf, errlen, "unsupported TIFF float of %u "
			    "bits (32 and 64 load)", (unsigned)L->bps);
			return CF_EFORMAT;
		}
		L->dtype = CF_F32;
	} else if (L->sfmt == SAMPLEFORMAT_UINT || L->sfmt == 0) {
		if (L->bps != 1 && L->bps != 2 && L->bps != 4 &&
		    L->bps != 8 && L->bps != 16) {
			snprintf(errbuf, errlen, "unsupported TIFF samples of "
			    "%u bits (1, 2, 4, 8, 16 and float load)",
			    (unsigned)L->bps);
			return CF_EFORMAT;
		}
		L->dtype = L->bps == 16 && o && o->keep16 ? CF_U16 : CF_U8;
	} else {
		snprintf(errbuf, errlen, "unsupported TIFF sample format %u "
		    "(unsigned integers and floats load)", (unsigned)L->sfmt);
		return CF_EFORMAT;
	}
	L->alpha = -1;
	switch (L->photo) {
	case PHOTOMETRIC_MINISWHITE:
		L->white0 = 1;
		/* FALLTHROUGH */
	case PHOTOMETRIC_MINISBLACK:
		L->c = 1;
		break;
	case PHOTOMETRIC_RGB:
		if (L->spp < 3)
			goto photo;
		L->c = 3;
		break;
	case PHOTOMETRIC_PALETTE:
		if (L->spp != 1 || L->bps > 8 || L->dtype == CF_F32) {
			snprintf(errbuf, errlen, "invalid TIFF palette image "
			    "(%u samples of %u bits)", (unsigned)L->spp,
			    (unsigned)L->bps);
			return CF_EFORMAT;
		}
		L->c = 3;
		break;
	default:
	photo:
		snprintf(errbuf, errlen, "unsupported TIFF photometric "
		    "interpretation %u (gray, RGB and palette load)",
		    (unsigned)L->photo);
		return CF_EFORMAT;
	}
	/* an extra sample after the colour is alpha (of any kind) */
	if (L->photo != PHOTOMETRIC_PALETTE && L->spp > L->c) {
		L->alpha = (int)L->c;
		L->assoc = nextra > 0 && extra &&
		    extra[0] == EXTRASAMPLE_ASSOCALPHA;
		L->c++;
	}
	/* a float image keeps every sample: a tensor; so does an image of
	 * more samples than colour and alpha (as PAM past 4 channels) */
	if (L->photo != PHOTOMETRIC_PALETTE &&
	    (L->dtype == CF_F32 || L->spp > L->c)) {
		if (L->alpha >= 0 && nextra > 0 && extra &&
		    extra[0] == EXTRASAMPLE_UNSPECIFIED && L->spp > L->c)
			L->alpha = -1;	/* samples, not alpha */
		L->c = L->spp;
	}
	L->planes = L->planar == PLANARCONFIG_SEPARATE ? L->spp : 1;
	L->tiled = TIFFIsTiled(tif);
	if (L->tiled) {
		if (!TIFFGetField(tif, TIFFTAG_TILEWIDTH, &L->tw) ||
		    !TIFFGetField(tif, TIFFTAG_TILELENGTH, &L->bandh) ||
		    !L->tw || !L->bandh || L->tw % 16 || L->bandh % 16)
			return tiff_fail(e, "invalid TIFF tile size", errbuf,
			    errlen);
		tsize = (uint64_t)TIFFTileSize64(tif);
		if (!tsize || tsize > TILE_MAX || L->tw > 65536 ||
		    L->bandh > 65536) {
			snprintf(errbuf, errlen, "TIFF tile %" PRIu32 "x%"
			    PRIu32 " is too large", L->tw, L->bandh);
			return CF_EOVERFLOW;
		}
		L->tilerow = (size_t)TIFFTileRowSize64(tif);
		L->across = (L->w + L->tw - 1) / L->tw;
		if (cf_size_mul(L->across, L->tilerow, &L->prow))
			goto big;
	} else {
		if (!TIFFGetFieldDefaulted(tif, TIFFTAG_ROWSPERSTRIP, &n) ||
		    n == 0)
			n = L->h;
		L->bandh = n < L->h ? n : L->h;
		L->prow = (size_t)TIFFScanlineSize64(tif);
	}
	if (!L->prow)
		return tiff_fail(e, "invalid TIFF row size", errbuf, errlen);
	/* the bits a row of a plane needs must be there */
	{
		uint64_t bits = (L->tiled ? (uint64_t)L->across * L->tw : L->w) *
		    (L->planes > 1 ? 1 : L->spp) * L->bps;

		if (L->prow < (bits + 7) / 8)
			return tiff_fail(e, "invalid TIFF row size", errbuf,
			    errlen);
	}
	return 0;
big:
	snprintf(errbuf, errlen, "image too large");
	return CF_EOVERFLOW;
}

/* The reader's state. */
struct trd {
	TIFF *tif;
	struct tio io;
	struct terr e;
	struct layout L;
	unsigned char *band;	/* planes x bandh rows of prow bytes */
	unsigned char *tile;	/* one tile, when tiled */
	size_t tilesize;
	uint32_t band_y0, band_n;	/* the rows the band holds */
	uint32_t y;		/* the next row */
	uint16_t cmap[3][256];
};

static void
tiff_close_reader(struct cf_img_reader *r)
{
	struct trd *p = r->in->priv;

	if (!p)
		return;
	if (p->tif)
		TIFFClose(p->tif);
	tio_release(&p->io);
	free(p->band);
	free(p->tile);
	free(p);
	r->in->priv = NULL;
}

static int
read_error(struct trd *p, const char *what, char *errbuf, size_t errlen)
{
	if (p->io.failed) {
		snprintf(errbuf, errlen, "read error: %s",
		    strerror(p->io.saved_errno));
		return CF_EIO;
	}
	/* libtiff's "Read error at scanline ..." is a short file */
	if (p->e.msg[0] && !strstr(p->e.msg, "Read error"))
		snprintf(errbuf, errlen, "invalid TIFF: %s", p->e.msg);
	else
		snprintf(errbuf, errlen, "truncated TIFF %s", what);
	return CF_EFORMAT;
}

/*
 * Whether strip or tile idx lies inside the file.  libtiff clamps a byte
 * count past the end with a warning, but an offset past the end can
 * make libtiff 4.5 write outside its own buffer: such data is missing,
 * and the file truncated, whatever libtiff would make of it.
 */
static int
strile_inside(struct trd *p, uint32_t idx)
{
	uint64_t size = p->io.inmem ? p->io.len : p->io.size, off, n;
	int err = 0;

	off = TIFFGetStrileOffsetWithErr(p->tif, idx, &err);
	n = TIFFGetStrileByteCountWithErr(p->tif, idx, &err);
	return !err && off < size && n <= size - off;
}

/* Decode the strip, or row of tiles, holding row y into the band. */
static int
fill_band(struct trd *p, uint32_t y, char *errbuf, size_t errlen)
{
	struct layout *L = &p->L;
	uint32_t y0 = y / L->bandh * L->bandh, rows, tx, r, idx;
	size_t pl, want, bytes, band = (size_t)L->bandh * L->prow;
	unsigned char *dst;
	tmsize_t got;

	rows = L->h - y0 < L->bandh ? L->h - y0 : L->bandh;
	for (pl = 0; pl < L->planes; pl++) {
		dst = p->band + pl * band;
		if (!L->tiled) {
			want = (size_t)rows * L->prow;
			idx = TIFFComputeStrip(p->tif, y0, (uint16_t)pl);
			if (!strile_inside(p, idx))
				return read_error(p, "strip", errbuf, errlen);
			got = TIFFReadEncodedStrip(p->tif, idx, dst,
			    (tmsize_t)want);
			if (got < 0 || (size_t)got < want)
				return read_error(p, "strip", errbuf, errlen);
			continue;
		}
		for (tx = 0; tx < L->across; tx++) {
			idx = TIFFComputeTile(p->tif, tx * L->tw, y0, 0,
			    (uint16_t)pl);
			if (!strile_inside(p, idx))
				return read_error(p, "tile", errbuf, errlen);
			got = TIFFReadEncodedTile(p->tif, idx, p->tile,
			    (tmsize_t)p->tilesize);
			if (got < 0 || (size_t)got < (size_t)rows * L->tilerow)
				return read_error(p, "tile", errbuf, errlen);
			bytes = L->tilerow;
			for (r = 0; r < rows; r++)
				memcpy(dst + (size_t)r * L->prow +
				    (size_t)tx * L->tilerow, p->tile +
				    (size_t)r * L->tilerow, bytes);
		}
	}
	p->band_y0 = y0;
	p->band_n = rows;
	return 0;
}

/* Sample s of pixel x of a band row (plane rows at row[pl]). */
static inline uint32_t
isample(const struct layout *L, unsigned char *const *row, size_t x,
    size_t s)
{
	const unsigned char *b;
	size_t i;

	if (L->planes > 1) {
		b = row[s];
		i = x;
	} else {
		b = row[0];
		i = x * L->spp + s;
	}
	switch (L->bps) {
	case 8: return b[i];
	case 16: return ((const uint16_t *)(const void *)b)[i];
	default:	/* 1, 2, 4: most significant bits first */
		return (uint32_t)(b[i * L->bps / 8] >> (8 - L->bps -
		    (i * L->bps) % 8)) & ((1u << L->bps) - 1);
	}
}

static inline float
fsample(const struct layout *L, unsigned char *const *row, size_t x,
    size_t s)
{
	const unsigned char *b;
	size_t i;
	double d;
	float v;

	if (L->planes > 1) {
		b = row[s];
		i = x;
	} else {
		b = row[0];
		i = x * L->spp + s;
	}
	if (L->bps == 64) {
		memcpy(&d, b + 8 * i, 8);
		return (float)d;
	}
	memcpy(&v, b + 4 * i, 4);
	return v;
}

/* One output row from the band's row y. */
static void
convert_row(struct trd *p, uint32_t y, void *out)
{
	const struct layout *L = &p->L;
	unsigned char *rp[16];	/* planes <= 16 (tiff_open_reader) */
	size_t band = (size_t)L->bandh * L->prow, x, s, c = L->c, pl;
	/* integer samples are at most 16 bits (floats use no max) */
	uint32_t max = L->bps <= 16 ? (1u << L->bps) - 1 : 0, v, a;
	unsigned char *o8 = out;
	uint16_t *o16 = out;
	float *of = out, fa;

	for (pl = 0; pl < L->planes; pl++)
		rp[pl] = p->band + pl * band + (size_t)(y - p->band_y0) *
		    L->prow;
	/* samples stored as they come out: a copy (or 16 -> 8 bits) */
	if (L->planes == 1 && c == L->spp && !L->white0 && !L->assoc &&
	    L->photo != PHOTOMETRIC_PALETTE) {
		size_t n = L->w * c;
		const uint16_t *in16 = (const void *)rp[0];

		if ((L->bps == 8 && L->dtype == CF_U8) ||
		    (L->bps == 16 && L->dtype == CF_U16) ||
		    (L->bps == 32 && L->dtype == CF_F32)) {
			memcpy(out, rp[0], n * cf_dtype_size(L->dtype));
			return;
		}
		if (L->bps == 16 && L->dtype == CF_U8) {
			for (x = 0; x < n; x++)
				o8[x] = (unsigned char)(((uint32_t)in16[x] *
				    255 + 32767) / 65535);
			return;
		}
	}
	if (L->dtype == CF_F32) {
		for (x = 0; x < L->w; x++) {
			for (s = 0; s < c; s++)
				of[x * c + s] = fsample(L, rp, x, s);
			if (p->L.assoc && L->alpha >= 0) {
				fa = of[x * c + (size_t)L->alpha];
				for (s = 0; s < (size_t)L->alpha; s++)
					of[x * c + s] = fa != 0 ?
					    of[x * c + s] / fa : 0;
			}
		}
		return;
	}
	for (x = 0; x < L->w; x++) {
		if (L->photo == PHOTOMETRIC_PALETTE) {
			v = isample(L, rp, x, 0);
			for (s = 0; s < 3; s++)
				o8[x * 3 + s] = (unsigned char)p->cmap[s][v];
			continue;
		}
		a = L->alpha >= 0 ? isample(L, rp, x, (size_t)L->alpha) : max;
		for (s = 0; s < c; s++) {
			v = isample(L, rp, x, s);
			if ((int)s != L->alpha) {
				if (L->white0)
					v = max - v;
				if (L->assoc)
					v = a ? (v * max + a / 2) / a : 0;
				if (v > max)
					v = max;
			}
			/* to 8 or 16 bits */
			if (L->bps < 8)
				v = (v * 255 + max / 2) / max;
			else if (L->bps == 16 && L->dtype == CF_U8)
				v = (v * 255 + 32767) / 65535;
			if (L->dtype == CF_U16)
				o16[x * c + s] = (uint16_t)v;
			else
				o8[x * c + s] = (unsigned char)v;
		}
	}
}

static int
tiff_rows(struct cf_img_reader *r, void *buf, size_t n, char *errbuf,
    size_t errlen)
{
	struct trd *p = r->in->priv;
	size_t rowbytes = r->w * r->c * cf_dtype_size(r->dtype), i;
	int err;

	if (n > r->h - p->y) {
		snprintf(errbuf, errlen, "read past the last row");
		return CF_EINVAL;
	}
	for (i = 0; i < n; i++, p->y++) {
		if ((p->y < p->band_y0 || p->y >= p->band_y0 + p->band_n) &&
		    (err = fill_band(p, p->y, errbuf, errlen)))
			return err;
		convert_row(p, p->y, (unsigned char *)buf + i * rowbytes);
	}
	return 0;
}

static int
tiff_finish(struct cf_img_reader *r, char *errbuf, size_t errlen)
{
	(void)r, (void)errbuf, (void)errlen;
	return 0;
}

/* The palette as 8-bit values: the high byte, as libtiff's RGBA reader
 * takes it (writers store v * 257 or v * 256); a colormap with no entry
 * over 255 is an old file's 8-bit one. */
static int
read_cmap(struct trd *p, char *errbuf, size_t errlen)
{
	uint16_t *cm[3];
	size_t i, s, n = (size_t)1 << p->L.bps;
	int eight = 1;

	if (!TIFFGetField(p->tif, TIFFTAG_COLORMAP, &cm[0], &cm[1], &cm[2]))
		return tiff_fail(&p->e, "TIFF palette image has no colormap",
		    errbuf, errlen);
	for (s = 0; s < 3; s++)
		for (i = 0; i < n; i++)
			if (cm[s][i] > 255)
				eight = 0;
	for (s = 0; s < 3; s++)
		for (i = 0; i < n; i++)
			p->cmap[s][i] = eight ? cm[s][i] :
			    (uint16_t)(cm[s][i] >> 8);
	return 0;
}

/* Open f's TIFF and read page o->page's header into p. */
static int
open_page(struct trd *p, FILE *f, const unsigned char *magic, size_t nmagic,
    const struct cf_load_opts *o, char *errbuf, size_t errlen)
{
	int err;

	if ((err = tio_source(&p->io, f, magic, nmagic, errbuf, errlen)))
		return err;
	/* 'm': no memory-mapping of files; 'h': the header only first */
	if (!(p->tif = tio_open(&p->io, &p->e, p->io.inmem ? "r" : "rm"))) {
		if (p->io.failed)
			return read_error(p, "header", errbuf, errlen);
		return tiff_fail(&p->e, "invalid TIFF header", errbuf,
		    errlen);
	}
	return layout(p->tif, &p->e, o, &p->L, errbuf, errlen);
}

static int
tiff_open_reader(FILE *f, const unsigned char *magic, size_t nmagic,
    const struct cf_load_opts *o, struct cf_img_reader *r, char *errbuf,
    size_t errlen)
{
	struct trd *p;
	struct layout *L;
	uint32_t count;
	void *icc;
	size_t band, n;
	int err;

	if (!(p = calloc(1, sizeof(*p)))) {
		snprintf(errbuf, errlen, "out of memory");
		return CF_ENOMEM;
	}
	r->in->priv = p;
	r->in->close = tiff_close_reader;
	L = &p->L;
	if ((err = open_page(p, f, magic, nmagic, o, errbuf, errlen)))
		goto fail;
	if (L->planes > 16) {
		snprintf(errbuf, errlen, "TIFF has %zu separate planes (at "
		    "most 16 load)", L->planes);
		err = CF_EFORMAT;
		goto fail;
	}
	if (L->photo == PHOTOMETRIC_PALETTE &&
	    (err = read_cmap(p, errbuf, errlen)))
		goto fail;
	if (cf_size_mul(L->bandh, L->prow, &band) ||
	    cf_size_mul(band, L->planes, &n)) {
		snprintf(errbuf, errlen, "image too large");
		err = CF_EOVERFLOW;
		goto fail;
	}
	p->tilesize = L->tiled ? (size_t)TIFFTileSize64(p->tif) : 0;
	if (!(p->band = malloc(n)) ||
	    (L->tiled && !(p->tile = malloc(p->tilesize)))) {
		snprintf(errbuf, errlen, "out of memory");
		err = CF_ENOMEM;
		goto fail;
	}
	p->band_y0 = 0;
	p->band_n = 0;
	if (L->orient >= 1 && L->orient <= 8)
		r->in->meta->orientation = L->orient;
	if (r->in->want_icc && TIFFGetField(p->tif, TIFFTAG_ICCPROFILE,
	    &count, &icc) && count > 0 && count <= CF_ICC_MAX &&
	    (r->in->meta->icc = malloc(count))) {
		memcpy(r->in->meta->icc, icc, count);
		r->in->meta->icc_len = count;
	}
	r->c = L->c;
	r->h = L->h;
	r->w = L->w;
	r->dtype = L->dtype;
	r->in->rows = tiff_rows;
	r->in->finish = tiff_finish;
	return 0;
fail:
	tiff_close_reader(r);
	r->in->close = NULL;
	return err;
}

/* The shape from the header: the file is opened as the reader would. */
static int
tiff_probe(struct cf_img_peek *pk, const struct cf_load_opts *o, size_t *s,
    char *errbuf, size_t errlen)
{
	struct trd p;
	int err, swap;

	memset(&p, 0, sizeof(p));
	if (pk->ipre != 0) {
		snprintf(errbuf, errlen, "invalid TIFF header");
		return CF_EFORMAT;
	}
	err = open_page(&p, pk->f, pk->pre, pk->npre, o, errbuf, errlen);
	if (!err) {
		swap = (!o || !o->no_auto_orient) && p.L.orient >= 5 &&
		    p.L.orient <= 8;
		s[0] = p.L.c;
		s[1] = swap ? p.L.w : p.L.h;
		s[2] = swap ? p.L.h : p.L.w;
	}
	if (p.tif)
		TIFFClose(p.tif);
	tio_release(&p.io);
	return err;
}

/* The writer's state. */
struct twr {
	TIFF *tif;
	struct tio io;
	struct terr e;
	FILE *f;
	unsigned char *strip;	/* rps rows, encoded whole (libdeflate) */
	size_t rowbytes, rps, nrows;
	uint32_t y, nstrip;
};

static int
write_fail(struct twr *p, char *errbuf, size_t errlen)
{
	if (p->io.failed)
		snprintf(errbuf, errlen, "write error: %s",
		    strerror(p->io.saved_errno));
	else if (p->e.msg[0])
		snprintf(errbuf, errlen, "TIFF: %s", p->e.msg);
	else
		snprintf(errbuf, errlen, "write error");
	return CF_EIO;
}

static void
tiff_close_writer(struct cf_img_writer *wr)
{
	struct twr *p = wr->in->priv;

	if (!p)
		return;
	if (p->tif)
		TIFFCleanup(p->tif);
	tio_release(&p->io);
	free(p->strip);
	free(p);
	wr->in->priv = NULL;
}

static int
tiff_write_rows(struct cf_img_writer *wr, const void *buf, size_t n,
    char *errbuf, size_t errlen)
{
	struct twr *p = wr->in->priv;
	size_t i;

	if (n > wr->h - p->y) {
		snprintf(errbuf, errlen, "more rows than the image has");
		return CF_EINVAL;
	}
	/* a strip's rows are gathered (the predictor works in place: on
	 * a copy), then encoded in one call, which lets libtiff use
	 * libdeflate */
	for (i = 0; i < n; i++, p->y++) {
		memcpy(p->strip + p->nrows * p->rowbytes,
		    (const unsigned char *)buf + i * p->rowbytes, p->rowbytes);
		if (++p->nrows < p->rps && p->y + 1 < wr->h)
			continue;
		if (TIFFWriteEncodedStrip(p->tif, p->nstrip++, p->strip,
		    (tmsize_t)(p->nrows * p->rowbytes)) < 0)
			return write_fail(p, errbuf, errlen);
		p->nrows = 0;
	}
	return 0;
}

static int
tiff_write_finish(struct cf_img_writer *wr, char *errbuf, size_t errlen)
{
	struct twr *p = wr->in->priv;
	int ok;

	if (p->y != wr->h) {
		snprintf(errbuf, errlen, "fewer rows than the image has");
		return CF_EINVAL;
	}
	ok = TIFFFlush(p->tif);
	TIFFCleanup(p->tif);
	p->tif = NULL;
	if (!ok || p->io.failed)
		return write_fail(p, errbuf, errlen);
	if (p->io.inmem &&
	    fwrite(p->io.mem, 1, p->io.len, p->f) != p->io.len) {
		snprintf(errbuf, errlen, "write error: %s", strerror(errno));
		return CF_EIO;
	}
	/* leave the stream at the end of the file */
	if (!p->io.inmem && fseeko(p->f, p->io.base + (off_t)p->io.size,
	    SEEK_SET)) {
		snprintf(errbuf, errlen, "write error: %s", strerror(errno));
		return CF_EIO;
	}
	if (fflush(p->f) == EOF) {
		snprintf(errbuf, errlen, "write error: %s", strerror(errno));
		return CF_EIO;
	}
	return 0;
}

static int
tiff_open_writer(FILE *f, const struct cf_img_format *fmt,
    const struct cf_save_opts *o, struct cf_img_writer *wr, char *errbuf,
    size_t errlen)
{
	static const uint16_t compression[] = {
		[CF_TIFF_DEFLATE] = COMPRESSION_ADOBE_DEFLATE,
		[CF_TIFF_NONE] = COMPRESSION_NONE,
		[CF_TIFF_LZW] = COMPRESSION_LZW,
	};
	const struct cf_img_meta *meta = wr->in->meta;
	struct twr *p;
	size_t bytes = cf_dtype_size(wr->dtype), i, rps;
	uint16_t extra[SAMPLES_MAX], comp;
	uint64_t estimate;
	off_t at;
	int big, mode = o ? (int)o->tiff_compression : CF_TIFF_DEFLATE;

	(void)fmt;
	if (wr->w > UINT32_MAX || wr->h > UINT32_MAX ||
	    wr->c > SAMPLES_MAX) {
		snprintf(errbuf, errlen, "TIFF cannot hold an image of "
		    "%zux%zu pixels of %zu channels", wr->w, wr->h, wr->c);
		return CF_ESHAPE;
	}
	if (!(p = calloc(1, sizeof(*p)))) {
		snprintf(errbuf, errlen, "out of memory");
		return CF_ENOMEM;
	}
	wr->in->priv = p;
	wr->in->close = tiff_close_writer;
	p->f = f;
	if (cf_size_mul(wr->w, wr->c * bytes, &p->rowbytes)) {
		snprintf(errbuf, errlen, "out of memory");
		return CF_ENOMEM;
	}
	/* straight to a file; a pipe gets the file from memory at the end */
	p->io.f = f;
	if ((at = ftello(f)) >= 0 && !fseeko(f, at, SEEK_SET)) {
		p->io.base = at;
	} else {
		clearerr(f);
		p->io.inmem = 1;
	}
	/* BigTIFF when the file could pass 4 GB (deflate may grow a bit) */
	estimate = (uint64_t)p->rowbytes * wr->h;
	estimate += estimate / 64 + ((uint64_t)1 << 20) +
	    (meta && meta->icc ? meta->icc_len : 0);
	big = estimate > BIG_AT;
	if (getenv("CONVFILTER_TEST_BIGTIFF"))
		big = 1;
	if (!(p->tif = tio_open(&p->io, &p->e, big ? "w8" : "w")))
		return write_fail(p, errbuf, errlen);
	comp = mode >= 0 && mode <= CF_TIFF_LZW ? compression[mode] :
	    COMPRESSION_ADOBE_DEFLATE;
	TIFFSetField(p->tif, TIFFTAG_IMAGEWIDTH, (uint32_t)wr->w);
	TIFFSetField(p->tif, TIFFTAG_IMAGELENGTH, (uint32_t)wr->h);
	TIFFSetField(p->tif, TIFFTAG_SAMPLESPERPIXEL, (uint16_t)wr->c);
	TIFFSetField(p->tif, TIFFTAG_BITSPERSAMPLE, (uint16_t)(8 * bytes));
	TIFFSetField(p->tif, TIFFTAG_SAMPLEFORMAT, wr->dtype == CF_F32 ?
	    SAMPLEFORMAT_IEEEFP : SAMPLEFORMAT_UINT);
	TIFFSetField(p->tif, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
	TIFFSetField(p->tif, TIFFTAG_PHOTOMETRIC, wr->c >= 3 && wr->c <= 4 ?
	    PHOTOMETRIC_RGB : PHOTOMETRIC_MINISBLACK);
	TIFFSetField(p->tif, TIFFTAG_ORIENTATION, ORIENTATION_TOPLEFT);
	/* gray + alpha, RGBA: unassociated alpha, the tensor's own */
	if (wr->c == 2 || wr->c == 4 || wr->c > 4) {
		size_t colour = wr->c == 2 ? 1 : wr->c == 4 ? 3 : 1;

		for (i = 0; i < wr->c - colour; i++)
			extra[i] = wr->c <= 4 ? EXTRASAMPLE_UNASSALPHA :
			    EXTRASAMPLE_UNSPECIFIED;
		TIFFSetField(p->tif, TIFFTAG_EXTRASAMPLES,
		    (uint16_t)(wr->c - colour), extra);
	}
	TIFFSetField(p->tif, TIFFTAG_COMPRESSION, comp);
	if (comp != COMPRESSION_NONE)
		TIFFSetField(p->tif, TIFFTAG_PREDICTOR, wr->dtype == CF_F32 ?
		    PREDICTOR_FLOATINGPOINT : PREDICTOR_HORIZONTAL);
	if (comp == COMPRESSION_ADOBE_DEFLATE && o)
		TIFFSetField(p->tif, TIFFTAG_ZIPQUALITY, o->png_level > 0 ?
		    o->png_level : 1);
	rps = STRIP_BYTES / p->rowbytes;
	rps = rps < 1 ? 1 : rps > wr->h ? wr->h : rps;
	TIFFSetField(p->tif, TIFFTAG_ROWSPERSTRIP, (uint32_t)rps);
	p->rps = rps;
	if (!(p->strip = malloc(rps * p->rowbytes))) {
		snprintf(errbuf, errlen, "out of memory");
		return CF_ENOMEM;
	}
	if (meta && meta->icc && meta->icc_len <= CF_ICC_MAX)
		TIFFSetField(p->tif, TIFFTAG_ICCPROFILE,
		    (uint32_t)meta->icc_len, meta->icc);
	wr->in->rows = tiff_write_rows;
	wr->in->finish = tiff_write_finish;
	return 0;
}

/* "II*\0" and "MM\0*", and BigTIFF's 43 */
static int
tiff_magic(const unsigned char *b, size_t n)
{
	return n >= 4 && ((b[0] == 'I' && b[1] == 'I' &&
	    (b[2] == 42 || b[2] == 43) && b[3] == 0) ||
	    (b[0] == 'M' && b[1] == 'M' && b[2] == 0 &&
	    (b[3] == 42 || b[3] == 43)));
}

const struct cf_img_codec cf_codec_tiff = {
	.magic = tiff_magic,
	.open_reader = tiff_open_reader,
	.open_writer = tiff_open_writer,
	.probe = tiff_probe,
	.pages = 1,
};
