/*
 * fuzz_kernel.c - libFuzzer target for the kernel-file parser,
 * cf_kernel_parse, and for writing a parsed kernel back out.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "kernel.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cf_kernel k;
	char err[512];
	FILE *f;

	if (cf_kernel_parse((const char *)data, size, "fuzz", &k, err,
	    sizeof(err)))
		return 0;
	/* the writer must handle whatever the parser accepts */
	if ((f = fopen("/dev/null", "w"))) {
		cf_kernel_write(f, &k, "fuzz");
		fclose(f);
	}
	cf_kernel_release(&k);
	return 0;
}
