/*
 * img_util.c - what every codec shares, a leaf the codecs call instead of
 * img.c: the size limits, the EXIF orientation tag and turning an image
 * upright, and the header reader of the probes.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "io/img_int.h"

/* A 16- or 32-bit TIFF integer at p, little endian when le. */
static unsigned long
tiff_u(const unsigned char *p, int n, int le)
{
	unsigned long v = 0;
	int i;

	for (i = 0; i < n; i++)
		v |= (unsigned long)p[le ? i : n - 1 - i] << (8 * i);
	return v;
}

/*
 * The orientation tag (0x0112, SHORT) of IFD0 in an APP1 "Exif\0\0"
 * payload of n bytes: a TIFF header ("II*\0" or "MM\0*", IFD0 offset),
 * then IFD0's entry count and 12-byte entries.  Every read is checked
 * against n; anything malformed gives 0 (no orientation).
 */
int
cf_img_exif_orientation(const unsigned char *d, size_t n)
{
	const unsigned char *t;
	unsigned long off, count, i, v;
	size_t tn;
	int le;

	if (n < 6 + 8 || memcmp(d, "Exif\0\0", 6))
		return 0;
	t = d + 6;
	tn = n - 6;
	if (!memcmp(t, "II*\0", 4))
		le = 1;
	else if (!memcmp(t, "MM\0*", 4))
		le = 0;
	else
		return 0;
	off = tiff_u(t + 4, 4, le);
	if (off < 8 || off > tn - 2)
		return 0;
	count = tiff_u(t + off, 2, le);
	for (i = 0; i < count; i++) {
		const unsigned char *e = t + off + 2 + 12 * i;

		if (off + 2 + 12 * (i + 1) > tn)
			return 0;
		if (tiff_u(e, 2, le) != 0x0112)
			continue;
		/* SHORT, count 1: the value sits in the first 2 bytes */
		if (tiff_u(e + 2, 2, le) != 3 || tiff_u(e + 4, 4, le) != 1)
			return 0;
		v = tiff_u(e + 8, 2, le);
		return v >= 1 && v <= 8 ? (int)v : 0;
	}
	return 0;
}

/*
 * EXIF orientation: the stored pixel shown at (x', y') of the upright
 * image, for stored size W x H (TIFF 6.0 / EXIF 2.3 tag 0x0112):
 * 2 mirror, 3 rotate 180, 4 flip, 5 transpose, 6 rotate 90 clockwise,
 * 7 transverse, 8 rotate 90 counter-clockwise.
 */
int
cf_img_orient(struct cf_tensor *img, int orientation)
{
	struct cf_tensor out;
	size_t shape[3], c, x, y, sx, sy, es, nc, h, w;
	const unsigned char *src;
	unsigned char *dst;
	int swap = orientation >= 5, err;

	if (orientation < 2 || orientation > 8 || img->ndim != 3)
		return 0;
	nc = img->shape[0];
	h = img->shape[1];
	w = img->shape[2];
	shape[0] = nc;
	shape[1] = swap ? w : h;
	shape[2] = swap ? h : w;
	if ((err = cf_tensor_init(&out, img->dtype, 3, shape)))
		return err;
	es = cf_dtype_size(img->dtype);
	src = img->data;
	dst = out.data;
	for (c = 0; c < nc; c++)
		for (y = 0; y < shape[1]; y++)
			for (x = 0; x < shape[2]; x++) {
				switch (orientation) {
				case 2: sx = w - 1 - x; sy = y; break;
				case 3: sx = w - 1 - x; sy = h - 1 - y; break;
				case 4: sx = x; sy = h - 1 - y; break;
				case 5: sx = y; sy = x; break;
				case 6: sx = y; sy = h - 1 - x; break;
				case 7: sx = w - 1 - y; sy = h - 1 - x; break;
				default: sx = w - 1 - y; sy = x; break;
				}
				memcpy(dst + es * (c * out.stride[0] +
				    y * out.stride[1] + x * out.stride[2]),
				    src + es * (c * img->stride[0] +
				    sy * img->stride[1] + sx * img->stride[2]),
				    es);
			}
	cf_tensor_release(img);
	*img = out;
	return 0;
}

int
cf_img_check_size(uint64_t w, uint64_t h, const struct cf_load_opts *o,
    char *errbuf, size_t errlen)
{
	if (w == 0 || h == 0) {
		snprintf(errbuf, errlen, "image has zero width or height");
		return CF_EFORMAT;
	}
	/* w > max / h is w * h > max without overflowing. */
	if (o && o->max_pixels && w > o->max_pixels / h) {
		snprintf(errbuf, errlen, "image is %" PRIu64 "x%" PRIu64
		    ", over the %" PRIu64 "-pixel limit (--max-pixels)",
		    w, h, o->max_pixels);
		return CF_EOVERFLOW;
	}
	if (o && o->max_side && (w > o->max_side || h > o->max_side)) {
		snprintf(errbuf, errlen, "image side %" PRIu64 " is over the "
		    "%" PRIu32 " limit (--max-side)", w > o->max_side ? w : h,
		    o->max_side);
		return CF_EOVERFLOW;
	}
	/* Without limits the tensor's byte size must still fit. */
	if (h > SIZE_MAX / 4 / w) {
		snprintf(errbuf, errlen, "image is %" PRIu64 "x%" PRIu64
		    ", too large for this machine", w, h);
		return CF_EOVERFLOW;
	}
	return 0;
}

int
cf_img_peek_byte(struct cf_img_peek *p)
{
	if (p->ipre < p->npre)
		return p->pre[p->ipre++];
	return getc(p->f);
}

int
cf_img_peek_read(struct cf_img_peek *p, unsigned char *b, size_t n)
{
	size_t i;
	int c;

	for (i = 0; i < n; i++) {
		if ((c = cf_img_peek_byte(p)) == EOF)
			return -1;
		b[i] = (unsigned char)c;
	}
	return 0;
}

int
cf_img_peek_skip(struct cf_img_peek *p, unsigned long n)
{
	while (n--)
		if (cf_img_peek_byte(p) == EOF)
			return -1;
	return 0;
}
