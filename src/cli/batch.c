/*
 * batch.c - many inputs in one run: names, lists, workers, progress.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/parallel.h"
#include "cli/batch.h"
#include "cli/util.h"

void
cf_batch_add(struct cf_batch *b, const char *name)
{
	if (b->n == (size_t)-1 / sizeof(*b->inputs) / 2)
		die(EXIT_INPUT, "out of memory");
	/* grow by doubling: lists may hold millions of names */
	if (!(b->n & (b->n - 1)))
		b->inputs = xrealloc(b->inputs, (b->n ? 2 * b->n : 1) *
		    sizeof(*b->inputs));
	b->inputs[b->n++] = name;
}

/* A list's longest name and largest size: /dev/zero is not a list. */
#define LIST_LINE_MAX 4096
#define LIST_MAX (256UL << 20)

void
cf_batch_read_list(struct cf_batch *b, const char *path, int delim)
{
	FILE *f = stdin;
	char *buf = NULL, *p, *end;
	size_t len = 0, cap = 0, got, line = 0, nline = 1, total = 0;
	char *q;

	if (strcmp(path, "-") && !(f = fopen(path, "rb")))
		die(EXIT_INPUT, "'%s': %s", path, strerror(errno));
	/* the whole list, then names in place: they live as long as b */
	for (;;) {
		if (cap - len < 65536) {
			cap = cap ? 2 * cap : 65536;
			buf = xrealloc(buf, cap + 1);
		}
		got = fread(buf + len, 1, cap - len, f);
		/*
		 * Every name checked as it comes, before reading on; empty
		 * names are dropped here (q writes over p).
		 */
		for (p = q = buf + len; p < buf + len + got; p++) {
			if (*p == delim) {
				if (line)
					*q++ = *p;
				line = 0;
				nline++;
			} else if (++line > LIST_LINE_MAX) {
				die(EXIT_INPUT, "'%s': %s %zu is longer than "
				    "%d bytes", path, delim == '\n' ? "line" :
				    "name", nline, LIST_LINE_MAX);
			} else {
				*q++ = *p;
			}
		}
		len = (size_t)(q - buf);
		total += got;
		if (got == 0)
			break;
		if (total > LIST_MAX)
			die(EXIT_INPUT, "'%s': larger than %lu bytes, the "
			    "most a list may hold", path, LIST_MAX);
	}
	if (ferror(f))
		die(EXIT_INPUT, "'%s': read error: %s", path, strerror(errno));
	if (f != stdin)
		fclose(f);
	buf[len] = '\0';
	b->lists = xrealloc(b->lists, (b->nlists + 1) * sizeof(*b->lists));
	b->lists[b->nlists++] = buf;
	for (p = buf; p < buf + len; p = end + 1) {
		end = memchr(p, delim, buf + len - p);
		if (!end)
			end = buf + len;
		*end = '\0';
		if (delim == '\n' && end > p && end[-1] == '\r')
			end[-1] = '\0';
		if (*p)
			cf_batch_add(b, p);
	}
}

/*
 * --keep-paths: the folders of in as a relative path ending in '/' ("a/b/"
 * for "./a//b/x.png", "" for "x.png"), with "." components dropped.  Exit
 * 2 on an absolute path or a ".." component, which would leave DIR.
 */
static char *
kept_dirs(const char *in, size_t dirlen)
{
	const char *p, *end = in + dirlen, *c;
	char *out, *q;
	size_t n;

	/* refused before anything is allocated: die() leaves no leak */
	if (*in == '/')
		die(EXIT_USAGE, "'%s': --keep-paths takes relative paths, not "
		    "absolute ones", in);
	for (p = in; p < end; p += n + 1) {
		c = memchr(p, '/', (size_t)(end - p));
		n = (size_t)((c ? c : end) - p);
		if (n == 2 && p[0] == '.' && p[1] == '.')
			die(EXIT_USAGE, "'%s': --keep-paths refuses '..', which "
			    "would write outside the output directory", in);
	}
	out = q = xmalloc(dirlen + 1);
	for (p = in; p < end; p += n + 1) {
		c = memchr(p, '/', (size_t)(end - p));
		n = (size_t)((c ? c : end) - p);
		if (n && !(n == 1 && *p == '.')) {
			memcpy(q, p, n);
			q += n;
			*q++ = '/';
		}
	}
	*q = '\0';
	return out;
}

static char *
output_name(const struct cf_batch *b, const char *in)
{
	char *kept = NULL;
	const char *slash = strrchr(in, '/'), *base = slash ? slash + 1 : in;
	const char *dot = strrchr(base, '.'), *ext, *dir = in, *sep = "";
	const char *sfx = b->suffix ? b->suffix : "";
	size_t dirlen = base - in, stemlen;
	char *out;

	/* a leading dot names a hidden file, not an extension */
	if (dot == base)
		dot = NULL;
	stemlen = dot ? (size_t)(dot - base) : strlen(base);
	ext = dot ? dot + 1 : NULL;
	/* -f: a name already of that format keeps its own extension */
	if (b->format && cf_img_format_from_name(in) != b->format)
		ext = b->format->exts[0];
	if (b->dir) {
		if (b->keep_paths)
			kept = kept_dirs(in, dirlen);
		dir = b->dir;
		dirlen = strlen(dir);
		while (dirlen > 1 && dir[dirlen - 1] == '/')
			dirlen--;
		sep = dir[dirlen - 1] == '/' ? "" : "/";
	}
	out = xmalloc(dirlen + (kept ? strlen(kept) : 0) + stemlen +
	    strlen(sfx) + (ext ? strlen(ext) : 0) + 3);
	sprintf(out, "%.*s%s%s%.*s%s%s%s", (int)dirlen, dir, sep,
	    kept ? kept : "", (int)stemlen, base, sfx, ext ? "." : "",
	    ext ? ext : "");
	free(kept);
	return out;
}

/*
 * An output's identity: its directory's device and inode (or, for a
 * directory not made yet, its name) and its last component, so that
 * "./a_s.png" and "a_s.png" are one file.
 */
struct out_key {
	dev_t dev;
	ino_t ino;
	const char *dir;	/* when the directory does not exist yet */
	size_t dirlen;
	const char *base;
	size_t i;
};

static void
out_key(const char *out, size_t i, struct out_key *k)
{
	const char *slash = strrchr(out, '/');
	char *dir;
	struct stat st;

	k->i = i;
	k->base = slash ? slash + 1 : out;
	k->dirlen = slash ? (size_t)(slash - out) + 1 : 0;
	k->dir = NULL;
	dir = xmalloc(k->dirlen + 2);
	if (k->dirlen)
		memcpy(dir, out, k->dirlen);
	else
		dir[k->dirlen++] = '.';
	dir[k->dirlen] = '\0';
	if (stat(dir, &st) == 0) {
		k->dev = st.st_dev;
		k->ino = st.st_ino;
	} else {
		k->dev = 0;
		k->ino = 0;
		k->dir = out;
	}
	free(dir);
}

static int
cmp_key(const void *a, const void *b)
{
	const struct out_key *x = a, *y = b;
	int c;

	if (!x->dir != !y->dir)
		return x->dir ? 1 : -1;
	if (x->dir && (c = strcmp(x->dir, y->dir)))
		return c;
	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	if (x->ino != y->ino)
		return x->ino < y->ino ? -1 : 1;
	if ((c = strcmp(x->base, y->base)))
		return c;
	return (x->i > y->i) - (x->i < y->i);
}

static int
same_key(const struct out_key *x, const struct out_key *y)
{
	if (x->dir || y->dir)
		return x->dir && y->dir && !strcmp(x->dir, y->dir);
	return x->dev == y->dev && x->ino == y->ino &&
	    !strcmp(x->base, y->base);
}

void
cf_batch_plan(struct cf_batch *b)
{
	struct out_key *k;
	size_t i;

	b->outputs = xmalloc((b->n ? b->n : 1) * sizeof(*b->outputs));
	for (i = 0; i < b->n; i++) {
		if (!strcmp(b->inputs[i], "-"))
			die(EXIT_USAGE, "'-': standard input cannot be a batch "
			    "input (--from-list - reads names from it)");
		b->outputs[i] = output_name(b, b->inputs[i]);
	}
	/* two inputs, one output file: refuse before any work */
	k = xmalloc((b->n ? b->n : 1) * sizeof(*k));
	for (i = 0; i < b->n; i++)
		out_key(b->outputs[i], i, &k[i]);
	qsort(k, b->n, sizeof(*k), cmp_key);
	for (i = 1; i < b->n; i++)
		if (same_key(&k[i - 1], &k[i]))
			die(EXIT_USAGE, "'%s' and '%s': both would be written "
			    "to '%s'", b->inputs[k[i - 1].i],
			    b->inputs[k[i].i], b->outputs[k[i].i]);
	free(k);
}

/* mkdir -p: every missing parent too. */
static void
make_dir(const char *dir)
{
	char *p, *s = xmalloc(strlen(dir) + 1), c;
	struct stat st;
	int last;

	strcpy(s, dir);
	for (p = s + 1;; p++) {
		if (*p && *p != '/')
			continue;
		/* the last component, trailing slashes aside */
		last = !p[strspn(p, "/")];
		c = *p;
		*p = '\0';
		if (mkdir(s, 0777) && (errno != EEXIST || stat(s, &st) ||
		    !S_ISDIR(st.st_mode))) {
			if (errno == EEXIST)
				errno = ENOTDIR;
			die(EXIT_OUTPUT, "'%s': %s", s, strerror(errno));
		}
		*p = c;
		if (last)
			break;
	}
	free(s);
}

/* mkdir -p of the folder that will hold file out, if any. */
static void
make_parent(const char *out)
{
	const char *slash = strrchr(out, '/');
	char *dir;

	if (!slash || slash == out)
		return;
	dir = xmalloc((size_t)(slash - out) + 1);
	memcpy(dir, out, (size_t)(slash - out));
	dir[slash - out] = '\0';
	make_dir(dir);
	free(dir);
}

struct run {
	struct cf_batch *b;
	cf_batch_fn *fn;
	void *ctx;
	int threads;		/* engine threads per file */
	pthread_mutex_t lock;
	size_t done, failed;
	int in_failed, out_failed;
};

/*
 * The progress bar: one line on stderr, redrawn in place at most ten
 * times a second, fitted to the terminal's width (read again after
 * SIGWINCH), moving with the rows of every file being read, with the
 * rate and the time left; erased at the end on a terminal.
 */
static struct {
	int on, tty;
	pthread_mutex_t lock;
	size_t n, done;		/* files, and files finished */
	double *part;		/* of file i, the fraction of rows read */
	double parts;		/* their sum over unfinished files */
	struct timespec start;
	double last;		/* when last drawn, seconds from start */
	int cols;
	size_t drawn;		/* width of the line last drawn */
} bar = { .lock = PTHREAD_MUTEX_INITIALIZER };

static volatile sig_atomic_t resized = 1;

static void
on_winch(int sig)
{
	(void)sig;
	resized = 1;
}

static double
since_start(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - bar.start.tv_sec) +
	    (now.tv_nsec - bar.start.tv_nsec) / 1e9;
}

/* The columns of the terminal on stderr, 80 if it does not say. */
static int
term_cols(void)
{
	struct winsize ws;

	if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	return 80;
}

/* Draw the line; bar.lock held. */
static void
draw(double t)
{
	char line[512], tail[128], eta[32], *p;
	double units = (double)bar.done + bar.parts;
	double rate = t > 0 ? units / t : 0;
	size_t width, fill, len, i;
	long left;

	if (resized) {
		resized = 0;
		bar.cols = term_cols();
	}
	/* the last column stays free: writing it wraps some terminals */
	width = (size_t)bar.cols - 1;
	if (width >= sizeof(line))
		width = sizeof(line) - 1;
	left = rate > 0 ? (long)((bar.n - units) / rate + 0.5) : -1;
	if (left >= 0)
		snprintf(eta, sizeof(eta), "%ld:%02ld:%02ld", left / 3600,
		    left / 60 % 60, left % 60);
	else
		snprintf(eta, sizeof(eta), "-:--:--");
	snprintf(tail, sizeof(tail), " %zu/%zu files, %.1f/s, ETA %s",
	    bar.done, bar.n, rate, eta);
	/* the bar takes what the words leave, or the words go */
	p = line;
	len = strlen(tail);
	if (width >= 12 + 2 + 10 + len) {
		p += sprintf(p, "convfilter: ");
		fill = width - 12 - 2 - len;
	} else if (width >= 2 + 10 + len) {
		fill = width - 2 - len;
	} else {
		/* narrow: terse words, then the count alone */
		snprintf(tail, sizeof(tail), " %zu/%zu %.1f/s %s", bar.done,
		    bar.n, rate, eta);
		if (width < 2 + 10 + strlen(tail))
			snprintf(tail, sizeof(tail), " %zu/%zu", bar.done,
			    bar.n);
		len = strlen(tail);
		fill = width > 2 + len ? width - 2 - len : 0;
	}
	if (fill) {
		*p++ = '[';
		for (i = 0; i < fill; i++)
			*p++ = i < (size_t)(units / (bar.n ? bar.n : 1) *
			    fill) ? '#' : '.';
		*p++ = ']';
	}
	*p = '\0';
	snprintf(p, sizeof(line) - (size_t)(p - line), "%s", tail);
	line[width] = '\0';
	len = strlen(line);
	flockfile(stderr);
	if (bar.tty)
		fprintf(stderr, "\r%s\033[K", line);
	else
		fprintf(stderr, "\r%s%*s", line, bar.drawn > len ?
		    (int)(bar.drawn - len) : 0, "");
	fflush(stderr);
	funlockfile(stderr);
	bar.drawn = len;
	bar.last = t;
}

void
cf_progress_start(size_t n)
{
	struct sigaction sa;

	bar.on = 1;
	bar.tty = isatty(STDERR_FILENO);
	bar.n = n;
	bar.part = calloc(n ? n : 1, sizeof(*bar.part));
	clock_gettime(CLOCK_MONOTONIC, &bar.start);
	if (bar.tty) {
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_winch;
		sa.sa_flags = SA_RESTART;
		sigaction(SIGWINCH, &sa, NULL);
	}
	set_status_line(bar.tty ? 1 : 2);
	pthread_mutex_lock(&bar.lock);
	draw(0);
	pthread_mutex_unlock(&bar.lock);
}

void
cf_progress_rows(size_t i, size_t rows, size_t h)
{
	double f, t;

	if (!bar.on || !bar.part || i >= bar.n || !h)
		return;
	/* rows come often: skip rather than wait, draw ten times a second */
	if (pthread_mutex_trylock(&bar.lock))
		return;
	f = rows >= h ? 1 : (double)rows / (double)h;
	bar.parts += f - bar.part[i];
	bar.part[i] = f;
	if ((t = since_start()) - bar.last >= 0.1 || rows >= h)
		draw(t);
	pthread_mutex_unlock(&bar.lock);
}

void
cf_progress_done(size_t i)
{
	if (!bar.on)
		return;
	pthread_mutex_lock(&bar.lock);
	if (bar.part && i < bar.n) {
		bar.parts -= bar.part[i];
		bar.part[i] = 0;
	}
	bar.done++;
	draw(since_start());
	pthread_mutex_unlock(&bar.lock);
}

void
cf_progress_end(void)
{
	if (!bar.on)
		return;
	pthread_mutex_lock(&bar.lock);
	bar.on = 0;
	set_status_line(0);
	/* a terminal's line is wiped; a log keeps the last state */
	fputs(bar.tty ? "\r\033[K" : "\n", stderr);
	fflush(stderr);
	free(bar.part);
	bar.part = NULL;
	pthread_mutex_unlock(&bar.lock);
}

/* File i of the batch, on one of the workers. */
static void
one_file(void *arg, size_t i)
{
	struct run *r = arg;
	int rc;

	rc = r->fn(r->ctx, i, r->b->inputs[i], r->b->outputs[i], r->threads);
	pthread_mutex_lock(&r->lock);
	r->done++;
	if (rc) {
		r->failed++;
		if (rc == EXIT_OUTPUT)
			r->out_failed = 1;
		else
			r->in_failed = 1;
	}
	pthread_mutex_unlock(&r->lock);
	cf_progress_done(i);
}

int
cf_batch_run(struct cf_batch *b, cf_batch_fn *fn, void *ctx)
{
	struct run r = { .b = b, .fn = fn, .ctx = ctx };
	size_t nw, i;

	if (b->dir)
		make_dir(b->dir);
	/* --keep-paths: every output's folder, before any work */
	for (i = 0; b->keep_paths && i < b->n; i++)
		make_parent(b->outputs[i]);
	nw = b->n < (size_t)b->jobs ? b->n : (size_t)b->jobs;
	if (nw < 1)
		nw = 1;
	/* -j N is shared: N / workers engine threads for each file */
	r.threads = b->jobs / (int)nw;
	if (r.threads < 1)
		r.threads = 1;
	pthread_mutex_init(&r.lock, NULL);
	if (b->progress)
		cf_progress_start(b->n);
	/* files in order, min(jobs, n) at a time */
	cf_parallel_for(b->n, (int)nw, one_file, &r);
	pthread_mutex_destroy(&r.lock);
	cf_progress_end();
	if (r.failed || b->verbose || b->progress)
		fprintf(stderr, "convfilter: %zu done, %zu failed\n",
		    r.done - r.failed, r.failed);
	return r.out_failed ? EXIT_OUTPUT : r.in_failed ? EXIT_INPUT : 0;
}

void
cf_batch_release(struct cf_batch *b)
{
	size_t i;

	if (b->outputs)
		for (i = 0; i < b->n; i++)
			free(b->outputs[i]);
	free(b->outputs);
	free(b->inputs);
	for (i = 0; i < b->nlists; i++)
		free(b->lists[i]);
	free(b->lists);
}
