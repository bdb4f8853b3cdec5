/* util.c - command-line helpers: messages, exits, checked parsing. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/util.h"

static int quiet;		/* --quiet: no warnings */
static int status_line;		/* a progress bar is on stderr's last line */

void
set_quiet(int on)
{
	quiet = on;
}

void
set_status_line(int on)
{
	status_line = on;
}

/* One message, whole even when worker threads report at once. */
static void
vmessage(const char *prefix, const char *fmt, va_list ap)
{
	flockfile(stderr);
	/* wipe the progress bar; it is redrawn after the next file */
	if (status_line)
		fprintf(stderr, "\r%79s\r", "");
	fputs("convfilter: ", stderr);
	fputs(prefix, stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	funlockfile(stderr);
}

void
die(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage("", fmt, ap);
	va_end(ap);
	exit(status);
}

void
error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage("", fmt, ap);
	va_end(ap);
}

void
warn(const char *fmt, ...)
{
	va_list ap;

	if (quiet)
		return;
	va_start(ap, fmt);
	vmessage("warning: ", fmt, ap);
	va_end(ap);
}

long
parse_long(const char *opt, const char *s, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	/* strtol skips leading space and takes a sign; we want digits only */
	if (*s == '\0' || *s == ' ' || *end != '\0' || errno || v < min ||
	    v > max)
		die(EXIT_USAGE, "%s: '%s' is not an integer from %ld to %ld",
		    opt, s, min, max);
	return v;
}

double
parse_double(const char *opt, const char *s)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (*s == '\0' || *s == ' ' || *end != '\0' || errno || !isfinite(v))
		die(EXIT_USAGE, "%s: '%s' is not a finite number", opt, s);
	return v;
}

void
parse_pair(const char *opt, const char *s, long min, long max, int *y,
    int *x)
{
	const char *sep = strchr(s, 'x');
	char first[32];

	if (!sep) {
		*y = *x = (int)parse_long(opt, s, min, max);
		return;
	}
	if ((size_t)(sep - s) >= sizeof(first))
		die(EXIT_USAGE, "%s: '%s' is not N or NxN", opt, s);
	memcpy(first, s, sep - s);
	first[sep - s] = '\0';
	*y = (int)parse_long(opt, first, min, max);
	*x = (int)parse_long(opt, sep + 1, min, max);
}

void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		die(EXIT_INPUT, "out of memory");
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	if (!(p = realloc(p, n ? n : 1)))
		die(EXIT_INPUT, "out of memory");
	return p;
}

void
close_stdout(void)
{
	/* farbfeld's fshut: a full disk or closed pipe must not pass silently */
	if (fflush(stdout) || ferror(stdout) || fclose(stdout))
		die(EXIT_OUTPUT, "'-': write error: %s", strerror(errno));
}
