/*
 * util.h - command-line helpers: messages, exits, checked number parsing.
 * Only the command line (main.c, options.c, help.c, pipeline.c, output.c,
 * print.c, util.c, kernel_path.c, batch.c) prints or exits.
 */
#ifndef CF_UTIL_H
#define CF_UTIL_H

#include <stddef.h>
#include <stdio.h>

/* Exit statuses, documented in convfilter(1) EXIT STATUS. */
enum {
	EXIT_INPUT = 1,		/* an input image or kernel could not be used */
	EXIT_USAGE = 2,		/* bad option or value */
	EXIT_OUTPUT = 3,	/* the output could not be written */
};

/* Print "convfilter: MESSAGE" on stderr and exit with status. */
_Noreturn void die(int status, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Print "convfilter: MESSAGE" on stderr, for an error handled by the caller. */
void error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print "convfilter: warning: MESSAGE" on stderr, unless set_quiet(1). */
void warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print "convfilter: MESSAGE" on stderr, for -v reports. */
void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * Write s to f with control bytes quoted as C escapes (\033, \r, \n),
 * invalid UTF-8 and C1 controls as \xNN: every message goes through it.
 */
void fputs_quoted(const char *s, FILE *f);
/* --quiet: warn() prints nothing. */
void set_quiet(int on);
/*
 * While on, every message first wipes the progress bar's line (1: on a
 * terminal) or ends it (2: stderr is not a terminal); 0 is off.
 */
void set_status_line(int on);

/*
 * Parse s, the value of option opt, as an integer in min..max, or as a
 * finite number; exit 2 with a message naming the option otherwise.
 */
long parse_long(const char *opt, const char *s, long min, long max);
double parse_double(const char *opt, const char *s);

/*
 * Parse "N" or "YxX" (e.g. --stride 2 or --stride 2x1), each in min..max,
 * into *y and *x; exit 2 otherwise.
 */
void parse_pair(const char *opt, const char *s, long min, long max,
    int *y, int *x);

void *xmalloc(size_t n);
void *xrealloc(void *p, size_t n);

/* Flush and close stdout; exit 3 if anything written to it was lost. */
void close_stdout(void);

#endif
