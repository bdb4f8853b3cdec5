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
static int status_line;		/* a progress bar: 1 a terminal's, 2 a log's */

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

/* A message goes over a terminal's bar, or after a log's on a new line. */
static void
clear_status_line(void)
{
	fputs(status_line == 1 ? "\r\033[K" : "\n", stderr);
}

/* The length of the valid UTF-8 sequence at s (not a C1 control), or 0. */
static size_t
utf8_len(const unsigned char *s)
{
	size_t n, i;

	if (s[0] < 0xc2 || s[0] > 0xf4)
		return 0;
	n = s[0] < 0xe0 ? 2 : s[0] < 0xf0 ? 3 : 4;
	for (i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	/* overlong forms, surrogates, beyond U+10FFFF; C1 controls */
	if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] > 0x9f) ||
	    (s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] > 0x8f) ||
	    (s[0] == 0xc2 && s[1] < 0xa0))
		return 0;
	return n;
}

void
fputs_quoted(const char *str, FILE *f)
{
	static const char letters[] = "a\ab\bt\tn\nv\vf\fr\r";
	const unsigned char *s = (const unsigned char *)str;
	const char *l;
	size_t n;

	/* as git and ls --quoting-style=c: terminals never see a control */
	while (*s) {
		if (*s >= 0x20 && *s < 0x7f) {
			putc(*s++, f);
		} else if (*s < 0x80 || *s == 0x7f) {
			for (l = letters; *l && l[1] != (char)*s; l += 2)
				;
			if (*l)
				fprintf(f, "\\%c", *l);
			else
				fprintf(f, "\\%03o", *s);
			s++;
		} else if ((n = utf8_len(s))) {
			fwrite(s, 1, n, f);
			s += n;
		} else {
			fprintf(f, "\\x%02X", *s++);
		}
	}
}

/*
 * One message, whole even when worker threads report at once, on one
 * line: names and text from files have their control bytes quoted.
 */
static void
vmessage(const char *prefix, const char *fmt, va_list ap)
{
	char small[512], *msg = small;
	va_list aq;
	int n;

	va_copy(aq, ap);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	if (n >= (int)sizeof(small) && (msg = malloc((size_t)n + 1)))
		vsnprintf(msg, (size_t)n + 1, fmt, aq);
	else if (n >= (int)sizeof(small))
		msg = small;
	va_end(aq);
	if (n < 0)
		small[0] = '\0';
	flockfile(stderr);
	/* wipe the progress bar; it is redrawn after the next file */
	if (status_line)
		clear_status_line();
	fputs("convfilter: ", stderr);
	fputs(prefix, stderr);
	fputs_quoted(msg, stderr);
	fputc('\n', stderr);
	funlockfile(stderr);
	if (msg != small)
		free(msg);
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
note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage("", fmt, ap);
	va_end(ap);
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
