/*
 * presets.h - built-in kernels by name: "sobel", "box:5", "gaussian:2",
 * "gaussian:sigma=1.5,size=7", "unsharp:sigma=1,amount=0.5", ...
 */
#ifndef CF_PRESETS_H
#define CF_PRESETS_H

#include "kernels/stage.h"

struct cf_preset_info {
	const char *name;	/* "gaussian" */
	const char *synopsis;	/* "gaussian[:SIGMA] | gaussian:sigma=S[,size=N|,truncate=T]" */
	const char *summary;	/* one line for --list-kernels */
};

/* The presets, terminated by an entry with name NULL. */
extern const struct cf_preset_info cf_presets[];

/*
 * Build the stage for spec ("name" or "name:params") into st.  Returns
 * CF_ENOENT when the name before ':' is not a preset (nothing written to
 * errbuf or st), CF_EINVAL with a message ("box: size must be an integer
 * from 1 to 1023, got '4x'") when the parameters are wrong.
 */
int cf_preset_build(const char *spec, struct cf_stage *st, char *errbuf,
    size_t errlen);

#endif
