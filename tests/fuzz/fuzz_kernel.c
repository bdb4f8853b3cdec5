/*
 * fuzz_kernel.c - libFuzzer target for the kernel-file parser,
 * cf_kernel_parse, and for writing a parsed kernel back out; the same
 * bytes also go to the peers' parsers (libvips .mat, ImageMagick
 * strings).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/kernel.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cf_kernel k;
	char err[512];
	FILE *f;
	char *s;

	if (cf_kernel_parse_mat((const char *)data, size, "fuzz", &k, err,
	    sizeof(err)) == 0)
		cf_kernel_release(&k);
	/* an ImageMagick string is a C string: stop at the first NUL */
	if ((s = malloc(size + 1))) {
		memcpy(s, data, size);
		s[size] = '\0';
		if (cf_kernel_parse_im(s, &k, err, sizeof(err)) == 0)
			cf_kernel_release(&k);
		free(s);
	}
	/* both layouts: the transposed one by the input's length */
	if (cf_kernel_parse((const char *)data, size, "fuzz", (int)(size & 1),
	    &k, err, sizeof(err)))
		return 0;
	/* the writer must handle whatever the parser accepts */
	if ((f = fopen("/dev/null", "w"))) {
		cf_kernel_write(f, &k, "fuzz");
		fclose(f);
	}
	cf_kernel_release(&k);
	return 0;
}
