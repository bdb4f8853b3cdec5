/*
 * batch.h - many inputs in one run: output names, file lists, parallel
 * workers, the progress bar and the summary.  Command-line side: these
 * functions print and may exit (status 2 for usage errors found before
 * any work, 3 when the output directory cannot be made).
 */
#ifndef CF_BATCH_H
#define CF_BATCH_H

#include <stddef.h>

#include "io/img.h"

struct cf_batch {
	const char **inputs;	/* owned array; names borrowed or in lists */
	char **outputs;		/* owned, one per input, by cf_batch_plan */
	size_t n;
	const char *dir;	/* -o DIR, or NULL */
	const char *suffix;	/* --suffix, or NULL */
	const struct cf_img_format *format;	/* -f, or NULL: keep extensions */
	int jobs;		/* -j: files and engine threads share it */
	int progress;		/* draw the progress bar */
	int verbose;		/* summary even on success */
	int keep_paths;		/* --keep-paths: inputs' folders under dir */
	char **lists;		/* owned buffers of --from-list files */
	size_t nlists;
};

/* Add one input name (borrowed; must outlive the batch). */
void cf_batch_add(struct cf_batch *b, const char *name);

/*
 * Add the names in list file path ("-" for stdin) separated by delim
 * ('\n' or '\0'); empty names are skipped.  Exit 1 if it cannot be read.
 */
void cf_batch_read_list(struct cf_batch *b, const char *path, int delim);

/*
 * Name every output: DIR/BASE or DIR/STEM SUFFIX.EXT, or beside the
 * input with --suffix; the extension changes only with -f.  Exit 2 on
 * input '-' or when two inputs would write the same output.
 */
void cf_batch_plan(struct cf_batch *b);

/*
 * The work for file i: the exit status after at most one error line
 * (0, 1, 2 or 3); engine threads for the file in threads.  Called from
 * several threads at once.
 */
typedef int cf_batch_fn(void *ctx, size_t i, const char *input,
    const char *output, int threads);

/*
 * Make DIR (exit 3 on failure), then run fn over every input with
 * min(jobs, n) workers of jobs / workers engine threads each.  Print the
 * summary line when something failed, with verbose or with the progress
 * bar.  Returns 3 if any output failed, else 1 if any input failed, else
 * 0.
 */
int cf_batch_run(struct cf_batch *b, cf_batch_fn *fn, void *ctx);

/*
 * The progress bar on stderr for n files (cf_batch_run draws it for a
 * batch; one file may too): cf_progress_rows says file i has rows of its
 * h read (any thread), cf_progress_done that it is finished;
 * cf_progress_end erases it (a terminal) or ends its
 * line.  Without cf_progress_start the calls do nothing.
 */
void cf_progress_start(size_t n);
void cf_progress_rows(size_t i, size_t rows, size_t h);
void cf_progress_done(size_t i);
void cf_progress_end(void);

/* Free what the batch owns. */
void cf_batch_release(struct cf_batch *b);

#endif
