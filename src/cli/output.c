/*
 * output.c - writing o->output: a regular file through a temporary file
 * and rename, anything else directly or, late, through memory.
 */
#include <errno.h>
#include <libgen.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/options.h"
#include "cli/output.h"
#include "cli/util.h"
#include "io/img.h"

/* The umask, read once: umask(2) is process-wide, and workers save. */
static mode_t file_mask;
static pthread_once_t file_mask_once = PTHREAD_ONCE_INIT;

static void
read_file_mask(void)
{
	file_mask = umask(0);
	umask(file_mask);
}

/*
 * Write o->output with emit.  A regular file is written to a temporary
 * file beside it and renamed into place only on success, so a failure
 * never leaves a partial file nor destroys an existing one.  Everything
 * else (stdout, pipes, devices) is written directly -- or, when late
 * (the input is still being read while writing), through memory, so that
 * nothing is written if the input fails.  0, or the exit status of emit
 * or EXIT_OUTPUT, after one error line.
 */
int
save_with(const struct options *o, emit_fn emit, void *ctx, int late)
{
	const char *name = o->output;
	char *tmp, *dircopy, *buf = NULL;
	struct stat st;
	size_t len = 0;
	FILE *f, *mf;
	int fd, rc;

	f = !strcmp(name, "-") ? stdout : NULL;
	if (!f && stat(name, &st) == 0 && !S_ISREG(st.st_mode)) {
		if (S_ISDIR(st.st_mode)) {
			error("'%s': is a directory", name);
			return EXIT_OUTPUT;
		}
		if (!(f = fopen(name, "wb"))) {
			error("'%s': %s", name, strerror(errno));
			return EXIT_OUTPUT;
		}
	}
	if (f) {
		if (!late || !(mf = open_memstream(&buf, &len))) {
			rc = emit(f, ctx);
		} else {
			rc = emit(mf, ctx);
			if (fclose(mf) && !rc) {
				error("'%s': out of memory", name);
				rc = EXIT_OUTPUT;
			}
			if (!rc && (fwrite(buf, 1, len, f) != len ||
			    fflush(f))) {
				error("'%s': write error: %s", name,
				    strerror(errno));
				rc = EXIT_OUTPUT;
			}
		}
		free(buf);
		if (f != stdout && fclose(f) && !rc) {
			error("'%s': write error: %s", name, strerror(errno));
			rc = EXIT_OUTPUT;
		}
		return rc;
	}

	dircopy = xmalloc(strlen(name) + 1);
	strcpy(dircopy, name);
	tmp = xmalloc(strlen(name) + 32);
	sprintf(tmp, "%s/.convfilter-XXXXXX", dirname(dircopy));
	free(dircopy);
	if ((fd = mkstemp(tmp)) < 0) {
		error("'%s': cannot create a temporary file: %s", name,
		    strerror(errno));
		free(tmp);
		return EXIT_OUTPUT;
	}
	rc = EXIT_OUTPUT;
	/* mkstemp makes 0600; give the file the mode a plain open would */
	pthread_once(&file_mask_once, read_file_mask);
	if (fchmod(fd, 0666 & ~file_mask) || !(f = fdopen(fd, "wb"))) {
		error("'%s': %s", name, strerror(errno));
		close(fd);
		goto fail;
	}
	if ((rc = emit(f, ctx))) {
		fclose(f);
		goto fail;
	}
	rc = EXIT_OUTPUT;
	if (fclose(f)) {
		error("'%s': write error: %s", name, strerror(errno));
		goto fail;
	}
	if (rename(tmp, name)) {
		error("'%s': %s", name, strerror(errno));
		goto fail;
	}
	free(tmp);
	return 0;
fail:
	unlink(tmp);
	free(tmp);
	return rc;
}
