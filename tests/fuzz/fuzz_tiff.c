/*
 * fuzz_tiff.c - fuzz_img.c on TIFF input only ("II" or "MM" first), so
 * the whole run goes to libtiff and src/io/tiff.c; the last byte also
 * picks a page (0..3).  Seeds: build-fuzz/seeds/tiff (seeds.sh).
 */
#define FUZZ_ONLY(d, n) ((n) >= 4 && (((d)[0] == 'I' && (d)[1] == 'I') || \
	((d)[0] == 'M' && (d)[1] == 'M')))
#define FUZZ_PAGES 1
#include "fuzz_img.c"
