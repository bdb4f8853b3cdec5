/*
 * fuzz_webp.c - fuzz_img.c on RIFF input only, so the whole run goes to
 * libwebp and src/io/webp.c.  Seeds: build-fuzz/seeds/webp (seeds.sh).
 */
#include <string.h>

#define FUZZ_ONLY(d, n) ((n) >= 4 && !memcmp((d), "RIFF", 4))
#include "fuzz_img.c"
