/*
 * pipeline.h - one image through the stages (command-line side: errors
 * are reported here, once).
 */
#ifndef CF_PIPELINE_H
#define CF_PIPELINE_H

struct cf_stage;
struct options;

/*
 * o->input -> o->output through the o->nkernels stages, the input's
 * metadata carried over unless --strip.  0, or the exit status after one
 * error line; everything is freed either way, so a batch goes on after a
 * bad file.  Batch workers call it at once: it shares nothing.
 */
int run_one(const struct options *o, const struct cf_stage *stages);

#endif
