/*
 * output.h - writing o->output so that a failure never leaves a partial
 * file.  Command-line side: errors are reported here, once.
 */
#ifndef CF_OUTPUT_H
#define CF_OUTPUT_H

#include <stdio.h>

#include "io/img.h"

struct options;

/* Writes the output to f: 0, or an exit status after one error line. */
typedef int (*emit_fn)(FILE *f, void *ctx);

/*
 * Write o->output with emit(f, ctx): a regular file (symlinks followed)
 * by a temporary file beside it, synced, then renamed over it keeping its
 * mode (and owner where allowed); devices, FIFOs, sockets and names under
 * /dev or /proc directly; late (the input is still being read) sends other outputs
 * through memory, so nothing is written if the input fails.  0, or the
 * exit status of emit or EXIT_OUTPUT, after one error line.
 */
int save_with(const struct options *o, emit_fn emit, void *ctx, int late);

/*
 * Remove every temporary file of save_with on SIGHUP, SIGINT, SIGQUIT,
 * SIGTERM (unless ignored when we started), SIGPIPE and exit(), then
 * die by the signal as if uncaught.  Called once, before any thread.
 */
void output_catch_signals(void);

#endif
