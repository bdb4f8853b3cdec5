/*
 * err.h - the error codes every core function returns, and their names.
 *
 * 0 is success; everything else is one of these.  Where a code says too
 * little (parse errors, codec messages) the function also takes a
 * caller's buffer, char *errbuf, size_t errlen, for one lower-case line.
 */
#ifndef CF_ERR_H
#define CF_ERR_H

enum cf_err {
	CF_OK = 0,
	CF_ENOMEM,	/* allocation failed */
	CF_EIO,		/* read or write failed */
	CF_EFORMAT,	/* input data is not what it claims, or unsupported */
	CF_EKERNEL,	/* kernel could not be parsed or built */
	CF_ESHAPE,	/* shapes do not fit together (channels, empty output) */
	CF_EOVERFLOW,	/* a size product overflows, or exceeds a limit */
	CF_EINVAL,	/* invalid argument or parameter value */
	CF_ENOENT,	/* no such preset, library kernel or file */
	CF_EREAD,	/* a caller's read callback failed (its message is its) */
	CF_EWRITE,	/* a caller's write callback failed */
	CF_EMEMORY,	/* over the memory limit (cf_mem_set_limit) */
};

/* A static, lower-case description of err, never NULL. */
const char *cf_strerror(int err);

#endif
