/* kernel_path.c - resolving -k SPEC: files, presets, the kernel library
 * search path ($CONVFILTER_PATH, beside the executable, installed). */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/kernel_path.h"
#include "cli/util.h"
#include "kernels/load.h"
#include "kernels/presets.h"

#ifndef CF_FILTERSDIR
#define CF_FILTERSDIR "/usr/local/share/convfilter/filters"
#endif

#define MAX_DIRS 64

static char exe_filters[PATH_MAX];	/* filters/ beside the executable */
static char exe_share[PATH_MAX];	/* ../share/convfilter/filters from it */

void
lib_init(const char *argv0)
{
	char exe[PATH_MAX];
	ssize_t n;
	char *slash;

	/* /proc/self/exe survives being called through PATH or a symlink */
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0)
		exe[n] = '\0';
	else if (snprintf(exe, sizeof(exe), "%s", argv0) >= (int)sizeof(exe))
		return;
	if (!(slash = strrchr(exe, '/')))
		return;
	*slash = '\0';
	snprintf(exe_filters, sizeof(exe_filters), "%.*s/filters",
	    (int)(sizeof(exe_filters) - 9), exe);
	/* an installed tree is found wherever it was installed (DESTDIR) */
	snprintf(exe_share, sizeof(exe_share), "%.*s/../share/convfilter/"
	    "filters", (int)(sizeof(exe_share) - 30), exe);
}

/*
 * The search path, in order: $CONVFILTER_PATH's directories, filters/
 * beside the executable (the source tree), share/convfilter/filters
 * relative to it (an installed tree, wherever it was moved), the
 * directory named at build time.  Returns the count;
 * the strings point into buf.
 */
static size_t
search_dirs(const char **dirs, char *buf, size_t len)
{
	const char *env = getenv("CONVFILTER_PATH");
	size_t n = 0;
	char *p, *save;

	if (env && snprintf(buf, len, "%s", env) < (int)len)
		for (p = strtok_r(buf, ":", &save); p && n < MAX_DIRS - 3;
		    p = strtok_r(NULL, ":", &save))
			dirs[n++] = p;
	if (*exe_filters) {
		dirs[n++] = exe_filters;
		dirs[n++] = exe_share;
	}
	dirs[n++] = CF_FILTERSDIR;
	return n;
}

static int
is_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && !S_ISDIR(st.st_mode);
}

/* Find NAME.kernel on the search path; 1 and path filled if found. */
static int
find_library(const char *name, char *path, size_t len)
{
	const char *dirs[MAX_DIRS];
	char buf[PATH_MAX * 4];
	size_t i, n = search_dirs(dirs, buf, sizeof(buf));

	for (i = 0; i < n; i++)
		if (snprintf(path, len, "%s/%s.kernel", dirs[i], name) <
		    (int)len && is_file(path))
			return 1;
	return 0;
}

/* Levenshtein distance, for "did you mean". */
static size_t
distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j, prev, cur, d[64];

	if (la >= 63 || lb >= 63)
		return SIZE_MAX;
	for (j = 0; j <= lb; j++)
		d[j] = j;
	for (i = 1; i <= la; i++) {
		prev = d[0];
		d[0] = i;
		for (j = 1; j <= lb; j++) {
			cur = d[j];
			d[j] = prev + (a[i - 1] != b[j - 1]);
			if (d[j - 1] + 1 < d[j])
				d[j] = d[j - 1] + 1;
			if (cur + 1 < d[j])
				d[j] = cur + 1;
			prev = cur;
		}
	}
	return d[lb];
}

/* Call fn for each library kernel name (first one of a name only). */
static void
each_library(void (*fn)(const char *name, const char *path, void *arg),
    void *arg)
{
	const char *dirs[MAX_DIRS];
	char buf[PATH_MAX * 4], path[PATH_MAX], first[PATH_MAX];
	size_t i, n = search_dirs(dirs, buf, sizeof(buf)), len;
	struct dirent **ents;
	int j, m;

	for (i = 0; i < n; i++) {
		if ((m = scandir(dirs[i], &ents, NULL, alphasort)) < 0)
			continue;
		for (j = 0; j < m; j++) {
			char *name = ents[j]->d_name;

			len = strlen(name);
			if (len > 7 && !strcmp(name + len - 7, ".kernel")) {
				name[len - 7] = '\0';
				/* shadowed by an earlier directory? */
				if (find_library(name, first, sizeof(first)) &&
				    snprintf(path, sizeof(path), "%s/%s.kernel",
				    dirs[i], name) < (int)sizeof(path) &&
				    !strcmp(first, path))
					fn(name, path, arg);
			}
			free(ents[j]);
		}
		free(ents);
	}
}

struct closest {
	const char *want;
	char best[256];
	size_t dist;
};

static void
consider(const char *name, const char *path, void *arg)
{
	struct closest *c = arg;
	size_t d = distance(c->want, name);

	(void)path;
	if (d < c->dist) {
		c->dist = d;
		snprintf(c->best, sizeof(c->best), "%s", name);
	}
}

static _Noreturn void
unknown(const char *spec)
{
	struct closest c = { spec, "", SIZE_MAX };
	char name[256];
	size_t i;

	snprintf(name, sizeof(name), "%.*s", (int)strcspn(spec, ":"), spec);
	c.want = name;
	for (i = 0; cf_presets[i].name; i++)
		consider(cf_presets[i].name, NULL, &c);
	each_library(consider, &c);
	if (c.dist <= 3 && c.dist < strlen(name))
		die(EXIT_USAGE, "'%s': unknown kernel; did you mean '%s'?",
		    spec, c.best);
	die(EXIT_USAGE, "'%s': unknown kernel (see --list-kernels)", spec);
}

void
lib_resolve(const char *spec, int transpose, struct cf_stage *st)
{
	char err[1024], path[PATH_MAX];
	int rc;

	rc = cf_load_spec(spec, transpose, st, err, sizeof(err));
	if (rc == CF_ENOENT && !strchr(spec, ':') &&
	    find_library(spec, path, sizeof(path)))
		rc = cf_load_file(spec, path, transpose, st, err,
		    sizeof(err)) ?
		    CF_EKERNEL : 0;
	if (rc == CF_ENOENT)
		unknown(spec);
	if (rc)
		die(rc == CF_EINVAL ? EXIT_USAGE : EXIT_INPUT, "%s", err);
}

/* The first comment of a kernel file, as its one-line summary. */
static void
summary(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	char line[256];

	*buf = '\0';
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *p = line + strspn(line, " \t");

		if (*p == '#') {
			p += 1 + strspn(p + 1, " \t");
			p[strcspn(p, "\r\n")] = '\0';
			if (*p) {
				snprintf(buf, len, "%s", p);
				break;
			}
		} else if (*p != '\n')
			break;
	}
	fclose(f);
}

static void
print_library(const char *name, const char *path, void *arg)
{
	char sum[256];

	summary(path, sum, sizeof(sum));
	fprintf(arg, "%-16s %s (%s)\n", name, *sum ? sum : "kernel file",
	    path);
}

void
lib_list(FILE *out)
{
	size_t i;

	fputs("# presets\n", out);
	for (i = 0; cf_presets[i].name; i++)
		fprintf(out, "%-16s %s\n", cf_presets[i].name,
		    cf_presets[i].summary);
	fprintf(out, "%-16s %s\n", "maxpool", "max pooling: maxpool:K"
	    "[,stride=S][,pad=P] (torch max_pool2d)");
	fprintf(out, "%-16s %s\n", "avgpool", "average pooling: avgpool:K"
	    "[,stride=S][,pad=P] (torch avg_pool2d)");
	fputs("# library kernels\n", out);
	each_library(print_library, out);
}
