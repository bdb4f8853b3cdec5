/*
 * load.c - every source of a stage (load.h): kernel strings, kernel
 * files by magic bytes or extension, pooling specs, presets, and the
 * bias and groups that complete a .npy bank.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "io/npy.h"
#include "kernels/load.h"
#include "kernels/presets.h"

static int
is_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && !S_ISDIR(st.st_mode);
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

/*
 * A .npy kernel: [KH, KW] is depthwise, [C_out, C_in/groups, KH, KW] a
 * bank (groups and bias come from cf_load_npy_extras).
 */
static int
load_npy(const char *spec, FILE *f, int transpose, struct cf_stage *st,
    char *errbuf, size_t errlen)
{
	struct cf_npy_header h;
	struct cf_kernel *k = &st->k[0];
	char err[512];
	size_t i, kh, kw;
	const float *w;
	int rc;

	if ((rc = cf_npy_read_header(f, NULL, 0, &h, err, sizeof(err))))
		goto fail;
	if (h.ndim != 2 && h.ndim != 4) {
		snprintf(errbuf, errlen, "'%s': npy: a kernel must be a 2-d "
		    "[KH, KW] or 4-d [C_out, C_in/groups, KH, KW] array, not "
		    "%d-d", spec, h.ndim);
		return CF_EKERNEL;
	}
	kh = h.shape[h.ndim - 2];
	kw = h.shape[h.ndim - 1];
	if (kh > CF_KERNEL_MAX_SIDE || kw > CF_KERNEL_MAX_SIDE ||
	    h.numel > CF_KERNEL_MAX_WEIGHTS) {
		snprintf(errbuf, errlen, "'%s': npy: kernel is larger than "
		    "%dx%d or %u weights", spec, CF_KERNEL_MAX_SIDE,
		    CF_KERNEL_MAX_SIDE, CF_KERNEL_MAX_WEIGHTS);
		return CF_EOVERFLOW;
	}
	if (h.ndim == 2) {
		h.shape[3] = kw;
		h.shape[2] = kh;
		h.shape[0] = h.shape[1] = 1;
		h.ndim = 4;
		k->depthwise = 1;
	}
	if ((rc = cf_npy_read_data(f, &h, &k->weight, err, sizeof(err))))
		goto fail;
	w = k->weight.data;
	for (i = 0; i < h.numel; i++)
		if (!(w[i] - w[i] == 0)) {	/* NaN or infinite */
			snprintf(errbuf, errlen, "'%s': npy: weight %zu is not "
			    "a finite number", spec, i);
			return CF_EKERNEL;
		}
	k->groups = 1;
	k->transposed = transpose && !k->depthwise;
	st->nkernels = 1;
	st->from_npy = 1;
	return 0;
fail:
	snprintf(errbuf, errlen, "'%s': %s", spec, err);
	return rc;
}

int
cf_load_file(const char *spec, const char *path, int transpose,
    struct cf_stage *st, char *errbuf, size_t errlen)
{
	char err[512];
	unsigned char magic[CF_NPY_MAGIC_LEN];
	FILE *f;
	char *text;
	size_t len;
	int rc;

	/* a .npy array is told by its magic bytes, like every input */
	if ((f = fopen(path, "rb"))) {
		if (fread(magic, 1, sizeof(magic), f) == sizeof(magic) &&
		    !memcmp(magic, CF_NPY_MAGIC, CF_NPY_MAGIC_LEN)) {
			rewind(f);
			rc = load_npy(spec, f, transpose, st, errbuf, errlen);
			fclose(f);
			return rc;
		}
		fclose(f);
	}
	if (has_ext(path, ".mat")) {
		/* a libvips matrix file, told by its extension only: its
		 * header line would also read as a kernel-file row */
		if ((rc = cf_kernel_read_file(path, &text, &len, err,
		    sizeof(err)))) {
			snprintf(errbuf, errlen, "'%s': %s", spec, err);
			return rc;
		}
		rc = cf_kernel_parse_mat(text, len, path, &st->k[0], errbuf,
		    errlen);
		free(text);
		if (!rc)
			st->nkernels = 1;
		return rc;
	}
	if ((rc = cf_kernel_load(path, transpose, &st->k[0], err,
	    sizeof(err)))) {
		/* parse errors carry "path:line:col:" already */
		if (rc == CF_EKERNEL)
			snprintf(errbuf, errlen, "%s", err);
		else
			snprintf(errbuf, errlen, "'%s': %s", spec, err);
		return rc;
	}
	st->nkernels = 1;
	return 0;
}

int
cf_load_spec(const char *spec, int transpose, struct cf_stage *st,
    char *errbuf, size_t errlen)
{
	size_t len = strlen(spec);
	int rc;

	memset(st, 0, sizeof(*st));
	snprintf(st->name, sizeof(st->name), "%s", spec);
	/* an ImageMagick kernel string "WxH: ..." (no file has priority) */
	if (!is_file(spec)) {
		rc = cf_kernel_parse_im(spec, &st->k[0], errbuf, errlen);
		if (rc == CF_ENOMEM) {
			snprintf(errbuf, errlen, "'%s': out of memory", spec);
			return rc;
		}
		if (rc && rc != CF_ENOENT)
			return CF_EINVAL;
		if (rc == 0) {
			st->nkernels = 1;
			st->from_im = 1;
			return 0;
		}
	}
	/* a path, an existing file, or a .npy or .mat name (missing: an
	 * input error) */
	if (strchr(spec, '/') || is_file(spec) ||
	    (len > 4 && !strcmp(spec + len - 4, ".npy")) ||
	    has_ext(spec, ".mat")) {
		rc = cf_load_file(spec, spec, transpose, st, errbuf, errlen);
		return rc == CF_EINVAL ? CF_EKERNEL : rc;
	}
	rc = cf_pool_parse(spec, &st->pool, errbuf, errlen);
	if (rc == 0) {
		st->kind = CF_STAGE_POOL;
		return 0;
	}
	if (rc != CF_ENOENT)
		return CF_EINVAL;
	rc = cf_preset_build(spec, st, errbuf, errlen);
	if (rc == 0) {
		snprintf(st->name, sizeof(st->name), "%s", spec);
		return 0;
	}
	if (rc != CF_ENOENT)
		return CF_EINVAL;	/* "gaussian: sigma must ..." */
	return CF_ENOENT;
}

/* The [C_out] array in the .npy file path: b (freed by the caller). */
static int
read_bias(const char *path, struct cf_tensor *b, char *errbuf,
    size_t errlen)
{
	struct cf_npy_header h;
	const float *d;
	char err[512];
	size_t i;
	FILE *f;
	int rc;

	if (!(f = fopen(path, "rb"))) {
		snprintf(errbuf, errlen, "'%s': %s", path, strerror(errno));
		return CF_EIO;
	}
	rc = cf_npy_read_header(f, NULL, 0, &h, err, sizeof(err));
	if (!rc && h.ndim != 1) {
		snprintf(err, sizeof(err), "npy: a bias must be a 1-d [C_out] "
		    "array, not %d-d", h.ndim);
		rc = CF_EFORMAT;
	}
	if (!rc)
		rc = cf_npy_read_data(f, &h, b, err, sizeof(err));
	fclose(f);
	if (rc) {
		snprintf(errbuf, errlen, "'%s': %s", path, err);
		return rc;
	}
	for (d = b->data, i = 0; i < h.numel; i++)
		if (!(d[i] - d[i] == 0)) {
			snprintf(errbuf, errlen, "'%s': bias %zu is not a "
			    "finite number", path, i);
			return CF_EFORMAT;
		}
	return 0;
}

int
cf_load_npy_extras(struct cf_stage *stages, size_t n, const char *bias_file,
    int groups, char *errbuf, size_t errlen)
{
	struct cf_tensor b = CF_TENSOR_INIT;
	struct cf_kernel *k;
	size_t i, j, nb = 0, want, nnpy = 0;
	int rc = 0;

	if (bias_file && (rc = read_bias(bias_file, &b, errbuf, errlen)))
		goto out;
	nb = cf_tensor_numel(&b);
	for (i = 0; i < n; i++) {
		if (!stages[i].from_npy)
			continue;
		nnpy++;
		k = &stages[i].k[0];
		if (groups) {
			if (k->depthwise) {
				snprintf(errbuf, errlen, "--groups: '%s' is a "
				    "2-d depthwise kernel; groups apply to a "
				    "4-d bank", stages[i].name);
				rc = CF_EINVAL;
				goto out;
			}
			k->groups = groups;
		}
		if (!bias_file)
			continue;
		/* C_out: [C_out, ...], or [C_in, C_out/groups, ...] */
		want = cf_kernel_nbias(k);
		if (nb != want) {
			snprintf(errbuf, errlen, "'%s': has %zu values, kernel "
			    "'%s' has %zu output channel%s", bias_file, nb,
			    stages[i].name, want, want == 1 ? "" : "s");
			rc = CF_ESHAPE;
			goto out;
		}
		free(k->bias);
		if (!(k->bias = malloc(nb * sizeof(*k->bias)))) {
			snprintf(errbuf, errlen, "out of memory");
			rc = CF_ENOMEM;
			goto out;
		}
		for (j = 0; j < nb; j++)
			k->bias[j] = ((const float *)b.data)[j];
	}
	if ((bias_file || groups) && !nnpy) {
		snprintf(errbuf, errlen, "%s: applies to .npy kernels; no -k "
		    "names one", bias_file ? "--bias-file" : "--groups");
		rc = CF_EINVAL;
	}
out:
	cf_tensor_release(&b);
	return rc;
}
