/*
 * output.c - writing o->output: a regular file through a temporary file
 * beside it, synced and renamed into place; anything else directly or,
 * late, through memory.  Temporary files are registered so that a fatal
 * signal or exit() removes them all, workers' too.
 */
#define _XOPEN_SOURCE 700		/* realpath */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
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
 * The temporary files being written: one slot per worker (-j is at most
 * 256).  A signal handler reads them, so a slot's path is written before
 * its flag is set (release) and the handler reads the flag first
 * (acquire); lock-free atomics are async-signal-safe.
 */
#define NTEMPS 256
static struct {
	atomic_int busy;
	char path[PATH_MAX];
} temps[NTEMPS];

static void
remove_temps(void)
{
	int i;

	for (i = 0; i < NTEMPS; i++)
		if (atomic_load_explicit(&temps[i].busy,
		    memory_order_acquire) == 1)
			unlink(temps[i].path);
}

/* -1 when every slot is taken (the file is then unprotected). */
static int
add_temp(const char *path)
{
	int i, zero;

	if (strlen(path) >= PATH_MAX)
		return -1;
	for (i = 0; i < NTEMPS; i++) {
		zero = 0;
		/* 2 while the path is copied: not yet for the handler */
		if (atomic_compare_exchange_strong(&temps[i].busy, &zero, 2))
			break;
	}
	if (i == NTEMPS)
		return -1;
	strcpy(temps[i].path, path);
	atomic_store_explicit(&temps[i].busy, 1, memory_order_release);
	return i;
}

static void
drop_temp(int slot)
{
	if (slot >= 0)
		atomic_store_explicit(&temps[slot].busy, 0,
		    memory_order_release);
}

static void
on_signal(int sig)
{
	remove_temps();
	signal(sig, SIG_DFL);
	raise(sig);
}

void
output_catch_signals(void)
{
	static const int sigs[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM };
	struct sigaction sa, old;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigfillset(&sa.sa_mask);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		/* a signal ignored by whoever started us stays ignored */
		if (sigaction(sigs[i], NULL, &old) == 0 &&
		    old.sa_handler == SIG_IGN)
			continue;
		sigaction(sigs[i], &sa, NULL);
	}
	/* a closed pipe ends us silently, as it does cat, even if ignored */
	sigaction(SIGPIPE, &sa, NULL);
	atexit(remove_temps);
}

/* Whether path's directory is /dev, /proc or below (devices, fds). */
static int
in_special_dir(const char *path)
{
	char *copy = xmalloc(strlen(path) + 1), *dir;
	int special;

	strcpy(copy, path);
	dir = realpath(dirname(copy), NULL);
	special = dir && (!strcmp(dir, "/dev") || !strncmp(dir, "/dev/", 5) ||
	    !strcmp(dir, "/proc") || !strncmp(dir, "/proc/", 6));
	free(dir);
	free(copy);
	return special;
}

enum how { DIRECT, CREATE, REPLACE };

/*
 * Where name goes: DIRECT (write name itself: a device, a FIFO, a
 * socket, anything under /dev or /proc such as /dev/stdout and
 * /proc/self/fd/1), or CREATE or REPLACE the regular file *target (name
 * with its symlinks followed, owned by the caller; *st its status when
 * replaced).  -1 after one error line.
 */
static int
resolve(const char *name, char **target, struct stat *st)
{
	char *path = xmalloc(strlen(name) + 1), *next, *dir, link[PATH_MAX];
	ssize_t n;
	int hops;

	strcpy(path, name);
	for (hops = 0;; hops++) {
		if (in_special_dir(path))
			break;
		if (lstat(path, st)) {
			if (errno != ENOENT)
				goto fail;
			*target = path;
			return CREATE;
		}
		if (S_ISDIR(st->st_mode)) {
			error("'%s': is a directory", name);
			free(path);
			return -1;
		}
		if (S_ISREG(st->st_mode)) {
			*target = path;
			return REPLACE;
		}
		if (!S_ISLNK(st->st_mode))
			break;
		errno = ELOOP;
		if (hops == 40 || (n = readlink(path, link, sizeof(link) -
		    1)) < 0)
			goto fail;
		link[n] = '\0';
		if (link[0] == '/') {
			next = xmalloc(n + 1);
			strcpy(next, link);
		} else {
			/* relative to the link's own directory */
			dir = dirname(path);
			next = xmalloc(strlen(dir) + n + 2);
			sprintf(next, "%s/%s", dir, link);
		}
		free(path);
		path = next;
	}
	free(path);
	*target = NULL;
	return DIRECT;
fail:
	error("'%s': %s", name, strerror(errno));
	free(path);
	return -1;
}

/* Write name directly (stdout when "-"), late through memory. */
static int
save_direct(const char *name, emit_fn emit, void *ctx, int late)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f, *mf;
	int rc;

	f = !strcmp(name, "-") ? stdout : fopen(name, "wb");
	if (!f) {
		error("'%s': %s", name, strerror(errno));
		return EXIT_OUTPUT;
	}
	if (!late || !(mf = open_memstream(&buf, &len))) {
		rc = emit(f, ctx);
	} else {
		rc = emit(mf, ctx);
		if (fclose(mf) && !rc) {
			error("'%s': out of memory", name);
			rc = EXIT_OUTPUT;
		}
		if (!rc && (fwrite(buf, 1, len, f) != len || fflush(f))) {
			error("'%s': write error: %s", name, strerror(errno));
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

/*
 * The new file's mode and owner: those of the file it replaces, as cp
 * keeps them (the owner only where allowed; set-id bits only with it),
 * else what a plain open would give.
 */
static int
set_mode(int fd, int how, const struct stat *st)
{
	mode_t mode;

	pthread_once(&file_mask_once, read_file_mask);
	if (how != REPLACE)
		return fchmod(fd, 0666 & ~file_mask);
	mode = st->st_mode & 07777;
	if (fchown(fd, st->st_uid, st->st_gid)) {
		mode &= ~(mode_t)(S_ISUID | S_ISGID);
		(void)!fchown(fd, (uid_t)-1, st->st_gid);
	}
	return fchmod(fd, mode);
}

int
save_with(const struct options *o, emit_fn emit, void *ctx, int late)
{
	const char *name = o->output;
	char *target, *tmp, *dircopy;
	sigset_t all, old;
	struct stat st;
	int how, fd, rc, slot;
	FILE *f;

	if (!strcmp(name, "-"))
		return save_direct(name, emit, ctx, late);
	if ((how = resolve(name, &target, &st)) < 0)
		return EXIT_OUTPUT;
	if (how == DIRECT)
		return save_direct(name, emit, ctx, late);

	/* the temporary file beside the target, so rename stays atomic */
	dircopy = xmalloc(strlen(target) + 1);
	strcpy(dircopy, target);
	tmp = xmalloc(strlen(target) + 32);
	sprintf(tmp, "%s/.convfilter-XXXXXX", dirname(dircopy));
	free(dircopy);
	/* no signal between creating the file and registering it */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	if ((fd = mkstemp(tmp)) >= 0)
		slot = add_temp(tmp);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (fd < 0) {
		error("'%s': cannot create a temporary file: %s", name,
		    strerror(errno));
		free(tmp);
		free(target);
		return EXIT_OUTPUT;
	}
	rc = EXIT_OUTPUT;
	if (set_mode(fd, how, &st) || !(f = fdopen(fd, "wb"))) {
		error("'%s': %s", name, strerror(errno));
		close(fd);
		goto fail;
	}
	if ((rc = emit(f, ctx))) {
		fclose(f);
		goto fail;
	}
	rc = EXIT_OUTPUT;
	/* replacing a file, on disk before the rename: a crash never
	 * leaves an empty file where the old one was (a new name has
	 * nothing to lose, and is not made to wait for the disk) */
	if (fflush(f) || (how == REPLACE && fsync(fileno(f)))) {
		error("'%s': write error: %s", name, strerror(errno));
		fclose(f);
		goto fail;
	}
	if (fclose(f)) {
		error("'%s': write error: %s", name, strerror(errno));
		goto fail;
	}
	if (rename(tmp, target)) {
		error("'%s': %s", name, strerror(errno));
		goto fail;
	}
	drop_temp(slot);
	free(tmp);
	free(target);
	return 0;
fail:
	unlink(tmp);
	drop_temp(slot);
	free(tmp);
	free(target);
	return rc;
}
