/* library.c - resolving kernel specs: files, presets, the kernel library. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/kernel_path.h"
#include "io/npy.h"
#include "kernels/presets.h"
#include "cli/util.h"

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

/*
 * A .npy kernel: [KH, KW] is depthwise, [C_out, C_in/groups, KH, KW] a
 * bank (groups and bias come from --groups and --bias-file, in main.c).
 */
static void
load_npy(const char *spec, FILE *f, struct cf_stage *st)
{
	struct cf_npy_header h;
	struct cf_kernel *k = &st->k[0];
	char err[512];
	size_t i, kh, kw;
	const float *w;

	if (cf_npy_read_header(f, NULL, 0, &h, err, sizeof(err)))
		die(EXIT_INPUT, "'%s': %s", spec, err);
	if (h.ndim != 2 && h.ndim != 4)
		die(EXIT_INPUT, "'%s': npy: a kernel must be a 2-d [KH, KW] or "
		    "4-d [C_out, C_in/groups, KH, KW] array, not %d-d", spec,
		    h.ndim);
	kh = h.shape[h.ndim - 2];
	kw = h.shape[h.ndim - 1];
	if (kh > CF_KERNEL_MAX_SIDE || kw > CF_KERNEL_MAX_SIDE ||
	    h.numel > CF_KERNEL_MAX_WEIGHTS)
		die(EXIT_INPUT, "'%s': npy: kernel is larger than %dx%d or "
		    "%u weights", spec, CF_KERNEL_MAX_SIDE, CF_KERNEL_MAX_SIDE,
		    CF_KERNEL_MAX_WEIGHTS);
	if (h.ndim == 2) {
		h.shape[3] = kw;
		h.shape[2] = kh;
		h.shape[0] = h.shape[1] = 1;
		h.ndim = 4;
		k->depthwise = 1;
	}
	if (cf_npy_read_data(f, &h, &k->weight, err, sizeof(err)))
		die(EXIT_INPUT, "'%s': %s", spec, err);
	w = k->weight.data;
	for (i = 0; i < h.numel; i++)
		if (!(w[i] - w[i] == 0))	/* NaN or infinite */
			die(EXIT_INPUT, "'%s': npy: weight %zu is not a finite "
			    "number", spec, i);
	k->groups = 1;
	st->nkernels = 1;
	st->from_npy = 1;
}

/* Whether path ends in ext (lower case), ignoring case. */
static int
has_ext(const char *path, const char *ext)
{
	size_t n = strlen(path), m = strlen(ext), i;

	if (n <= m)
		return 0;
	for (i = 0; i < m; i++)
		if ((path[n - m + i] | 32) != ext[i])
			return 0;
	return 1;
}

static void
load_file(const char *spec, const char *path, struct cf_stage *st)
{
	char err[512];
	unsigned char magic[CF_NPY_MAGIC_LEN];
	FILE *f;
	int rc;

	/* a .npy array is told by its magic bytes, like every input */
	if ((f = fopen(path, "rb"))) {
		if (fread(magic, 1, sizeof(magic), f) == sizeof(magic) &&
		    !memcmp(magic, CF_NPY_MAGIC, CF_NPY_MAGIC_LEN)) {
			rewind(f);
			load_npy(spec, f, st);
			fclose(f);
			return;
		}
		fclose(f);
	}
	if (has_ext(path, ".mat")) {
		/* a libvips matrix file, told by its extension only: its
		 * header line would also read as a kernel-file row */
		char *text;
		size_t len;

		if ((rc = cf_kernel_read_file(path, &text, &len, err,
		    sizeof(err))))
			die(EXIT_INPUT, "'%s': %s", spec, err);
		rc = cf_kernel_parse_mat(text, len, path, &st->k[0], err,
		    sizeof(err));
		free(text);
		if (rc)
			die(EXIT_INPUT, "%s", err);
		st->nkernels = 1;
		return;
	}
	if ((rc = cf_kernel_load(path, &st->k[0], err, sizeof(err)))) {
		/* parse errors carry "path:line:col:" already */
		if (rc == CF_EKERNEL)
			die(EXIT_INPUT, "%s", err);
		die(EXIT_INPUT, "'%s': %s", spec, err);
	}
	st->nkernels = 1;
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
lib_resolve(const char *spec, struct cf_stage *st)
{
	char err[512], path[PATH_MAX];
	size_t len;
	int rc;

	memset(st, 0, sizeof(*st));
	snprintf(st->name, sizeof(st->name), "%s", spec);
	/* an ImageMagick kernel string "WxH: ..." (no file has priority) */
	if (!is_file(spec)) {
		rc = cf_kernel_parse_im(spec, &st->k[0], err, sizeof(err));
		if (rc == CF_ENOMEM)
			die(EXIT_INPUT, "'%s': out of memory", spec);
		if (rc && rc != CF_ENOENT)
			die(EXIT_USAGE, "%s", err);
		if (rc == 0) {
			st->nkernels = 1;
			return;
		}
	}
	/* a path, an existing file, or a .npy or .mat name (missing:
	 * exit 1) */
	len = strlen(spec);
	if (strchr(spec, '/') || is_file(spec) ||
	    (len > 4 && !strcmp(spec + len - 4, ".npy")) ||
	    has_ext(spec, ".mat")) {
		load_file(spec, spec, st);
		return;
	}
	rc = cf_pool_parse(spec, &st->pool, err, sizeof(err));
	if (rc == 0) {
		st->kind = CF_STAGE_POOL;
		return;
	}
	if (rc != CF_ENOENT)
		die(EXIT_USAGE, "%s", err);
	rc = cf_preset_build(spec, st, err, sizeof(err));
	if (rc == 0) {
		snprintf(st->name, sizeof(st->name), "%s", spec);
		return;
	}
	if (rc != CF_ENOENT)
		die(EXIT_USAGE, "%s", err);	/* "gaussian: sigma must ..." */
	if (!strchr(spec, ':') && find_library(spec, path, sizeof(path))) {
		load_file(spec, path, st);
		return;
	}
	unknown(spec);
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
