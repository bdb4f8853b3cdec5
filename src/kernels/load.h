/*
 * load.h - every source of a stage but the search path: an ImageMagick
 * kernel string, a kernel file (a .npy array told by its magic bytes, a
 * libvips .mat matrix by its extension, else convfilter(5) text), a
 * pooling spec, a preset; and what completes .npy banks (a bias file,
 * groups).  Nothing here prints or exits: each returns 0 or a cf_err
 * with one message line in errbuf, the whole line but "convfilter: ".
 */
#ifndef CF_LOAD_H
#define CF_LOAD_H

#include <stddef.h>

#include "kernels/stage.h"

/*
 * The stage that spec names by itself, into st (zeroed, named spec), its
 * banks in ConvTranspose2d layout when transpose: an
 * ImageMagick string ("3x3: ..."), a file when spec contains '/', names
 * an existing file or ends in .npy or .mat, a pooling stage, a preset.
 * Returns CF_ENOENT (nothing in errbuf) when it is none of them: a name
 * for the kernel library.  CF_EINVAL means the spec itself is wrong (bad
 * preset parameters: a usage error); any other error, a file that cannot
 * be read or parsed.
 */
int cf_load_spec(const char *spec, int transpose, struct cf_stage *st,
    char *errbuf, size_t errlen);

/* The kernel file at path into st, for spec (messages name it); with
 * transpose, banks are in ConvTranspose2d layout (cf_kernel_parse). */
int cf_load_file(const char *spec, const char *path, int transpose,
    struct cf_stage *st, char *errbuf, size_t errlen);

/*
 * Complete the .npy stages of stages[0..n): groups (0: leave 1) for 4-d
 * banks, and the bias of C_out values read from the .npy file bias_file
 * (NULL: none): cf_kernel_nbias() values, [C_in, C_out/groups, ...]'s
 * for a bank loaded with transpose.
 * CF_EINVAL for a usage error (groups on a 2-d kernel, either option
 * without a .npy stage), else the error of the file or of its size.
 */
int cf_load_npy_extras(struct cf_stage *stages, size_t n,
    const char *bias_file, int groups, char *errbuf, size_t errlen);

#endif
