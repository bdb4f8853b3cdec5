/*
 * print.h - --info and --print-kernel, on stdout.  Command-line side:
 * these functions exit with the documented status on error.
 */
#ifndef CF_PRINT_H
#define CF_PRINT_H

#include <stddef.h>

struct cf_stage;
struct options;

/* --print-kernel: the n stages in kernel-file format (kernel.h). */
void print_kernels(const struct cf_stage *stages, size_t n);

/* --as-image / --kernel-image: the kernels drawn into o->kernel_image;
 * 0, or an exit status after one error line. */
int print_kernel_image(const struct options *o,
    const struct cf_stage *stages);

/* --info: per stage and in total, as text or --json. */
void print_info(const struct options *o, const struct cf_stage *stages);

#endif
