/*
 * library.h - resolving -k SPEC: a kernel file, a preset, or a kernel from
 * the library (NAME.kernel in $CONVFILTER_PATH, then filters/ beside the
 * executable, then the installed share directory).  Command-line side:
 * these functions exit with the documented status on error.
 */
#ifndef CF_LIBRARY_H
#define CF_LIBRARY_H

#include <stdio.h>

#include "kernels/stage.h"

/* Remember where the executable lives (argv[0] as a fallback). */
void lib_init(const char *argv0);

/*
 * Build the stage for spec (its banks in ConvTranspose2d layout when
 * transpose): a path when it contains '/' or names an existing file, else
 * a preset, else a library kernel.  A file that cannot be read or parsed
 * exits 1; an unknown name or bad preset parameters exit 2, suggesting
 * the closest name.
 */
void lib_resolve(const char *spec, int transpose, struct cf_stage *st);

/* Print one line per preset and per library kernel to out. */
void lib_list(FILE *out);

#endif
