/*
 * kernel.c - the kernel type's lifecycle and the kernel-file format.
 *
 * The format is specified in convfilter(5).  The parser makes two passes
 * over the text: the first checks everything and counts (so sizes are
 * capped before anything is allocated), the second fills the weights.
 * Numbers are converted by our own code, never by strtod(), so a locale
 * with a decimal comma cannot change what a file means.
 */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/kernel.h"

#define MAX_FILE_BYTES (16u << 20)	/* cf_kernel_load() */
#define MAX_EXP10 100000		/* larger exponents are out of range */
/* Doubles below this in magnitude round to a finite float: FLT_MAX plus
 * half its unit in the last place (the tie rounds to even, infinity). */
#define FLT_LIMIT ((double)FLT_MAX + 0x1p103)

int
cf_kernel_init_depthwise(struct cf_kernel *k, size_t kh, size_t kw)
{
	size_t shape[4] = { 1, 1, kh, kw };

	memset(k, 0, sizeof(*k));
	k->groups = 1;
	k->depthwise = 1;
	return cf_tensor_init(&k->weight, CF_F32, 4, shape);
}

size_t
cf_kernel_nbias(const struct cf_kernel *k)
{
	if (k->depthwise)
		return 1;
	return k->transposed ? k->weight.shape[1] * (size_t)k->groups :
	    k->weight.shape[0];
}

void
cf_kernel_release(struct cf_kernel *k)
{
	cf_tensor_release(&k->weight);
	free(k->bias);
	memset(k, 0, sizeof(*k));
}

/* Numbers */

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int
is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/*
 * Up to 19 significant digits are kept exactly in a uint64_t and scaled
 * by a power of ten in double.  That is within a few units in the last
 * place of a double, far closer than float weights need: every float
 * printed with %.9g reads back as the same float.
 */
int
cf_kernel_parse_number(const char *s, size_t n, double *out)
{
	static const double p10[] = {
		1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
		1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20,
		1e21, 1e22,
	};
	uint64_t mant = 0;
	long exp10 = 0, e = 0;
	size_t i = 0;
	int neg = 0, ndig = 0, sig = 0, eneg = 0;
	double v;

	if (i < n && (s[i] == '+' || s[i] == '-'))
		neg = s[i++] == '-';
	for (; i < n && is_digit(s[i]); i++, ndig++) {
		if (sig < 19) {
			mant = mant * 10 + (uint64_t)(s[i] - '0');
			sig += mant != 0;
		} else
			exp10++;
	}
	if (i < n && s[i] == '.') {
		for (i++; i < n && is_digit(s[i]); i++, ndig++) {
			if (sig < 19) {
				mant = mant * 10 + (uint64_t)(s[i] - '0');
				sig += mant != 0;
				exp10--;
			}
		}
	}
	if (ndig == 0)
		return CF_EINVAL;
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			eneg = s[i++] == '-';
		if (i == n || !is_digit(s[i]))
			return CF_EINVAL;
		for (; i < n && is_digit(s[i]); i++)
			if (e < MAX_EXP10)
				e = e * 10 + (s[i] - '0');
		exp10 += eneg ? -e : e;
	}
	if (i != n)
		return CF_EINVAL;
	v = (double)mant;
	if (mant == 0) {
		/* zero whatever the exponent */
	} else if (exp10 > 400) {
		return CF_EOVERFLOW;
	} else if (exp10 < -400) {
		v = 0;
	} else if (exp10 >= 0) {
		for (; exp10 > 22; exp10 -= 22)
			v *= 1e22;
		v *= p10[exp10];
	} else {
		for (; exp10 < -22; exp10 += 22)
			v /= 1e22;
		v /= p10[-exp10];
	}
	if (isinf(v))
		return CF_EOVERFLOW;
	*out = neg ? -v : v;
	return 0;
}

/* Parser state */

struct tok {
	const char *s;
	size_t n;
	size_t line, col;
};

struct parser {
	const char *text, *end;
	const char *name;
	char *errbuf;
	size_t errlen;
	int fill;			/* second pass */
	int transpose;			/* banks in ConvTranspose2d layout */

	/* directives, each with where it was given (line 0: absent) */
	struct tok scale_at, normalize_at, bias_at, shape_at, groups_at;
	double scale;
	size_t nbias;
	int shape_ndim;
	size_t shape[4];
	size_t groups;
	int directives_done;

	/* weights */
	size_t count;			/* weights so far */
	size_t expected;		/* with shape: the product */
	size_t rows, cols;		/* without shape */
	size_t nfilters;		/* normalize: one sum per filter */
	double *sums;
	struct tok surplus;		/* first weight beyond expected */
	size_t end_line, end_col;	/* just after the last weight */

	float *w, *bias;		/* second pass: where to store */
};

static int
perr(struct parser *p, size_t line, size_t col, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!p->errbuf || !p->errlen)
		return CF_EKERNEL;
	n = snprintf(p->errbuf, p->errlen, "%s:%zu:%zu: ", p->name, line,
	    col);
	if (n >= 0 && (size_t)n < p->errlen) {
		va_start(ap, fmt);
		vsnprintf(p->errbuf + n, p->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return CF_EKERNEL;
}

/* The token for a message: printable ASCII, at most 40 bytes. */
static const char *
quote(const struct tok *t, char *buf, size_t len)
{
	size_t i, j = 0, max = t->n > 40 ? 40 : t->n;

	for (i = 0; i < max && j + 4 < len; i++) {
		unsigned char c = (unsigned char)t->s[i];

		buf[j++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	if (t->n > max && j + 4 < len) {
		memcpy(buf + j, "...", 3);
		j += 3;
	}
	buf[j] = '\0';
	return buf;
}

static int
is_sep(char c)
{
	return c == ' ' || c == '\t' || c == ',' || c == '\r' ||
	    c == '\v' || c == '\f';
}

/* Next token in [*pos, end) of the line starting at bol, or 0. */
static int
next_tok(const char **pos, const char *end, const char *bol, size_t line,
    struct tok *t)
{
	const char *s = *pos;

	while (s < end && is_sep(*s))
		s++;
	if (s == end)
		return 0;
	t->s = s;
	t->line = line;
	t->col = (size_t)(s - bol) + 1;
	while (s < end && !is_sep(*s))
		s++;
	t->n = (size_t)(s - t->s);
	*pos = s;
	return 1;
}

static int
tok_is(const struct tok *t, const char *word)
{
	size_t n = strlen(word);

	return t->n == n && memcmp(t->s, word, n) == 0;
}

/* "nan", "-inf", "Infinity", ...: a number, but not a finite one. */
static int
is_nonfinite_word(const struct tok *t)
{
	static const char *words[] = { "nan", "inf", "infinity" };
	const char *s = t->s;
	size_t n = t->n, i, j;

	if (n && (*s == '+' || *s == '-'))
		s++, n--;
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		if (strlen(words[i]) != n)
			continue;
		for (j = 0; j < n; j++)
			if ((s[j] | 0x20) != words[i][j])
				break;
		if (j == n)
			return 1;
	}
	return 0;
}

/* A weight, bias or scale: a decimal number or a fraction a/b. */
static int
parse_value(struct parser *p, const struct tok *t, double *out)
{
	const char *slash = memchr(t->s, '/', t->n);
	char q[64];
	double a, b;
	int rc;

	if (is_nonfinite_word(t))
		return perr(p, t->line, t->col,
		    "numbers must be finite, got '%s'",
		    quote(t, q, sizeof(q)));
	if (!slash) {
		rc = cf_kernel_parse_number(t->s, t->n, &a);
	} else {
		size_t na = (size_t)(slash - t->s);

		rc = cf_kernel_parse_number(t->s, na, &a);
		if (!rc)
			rc = cf_kernel_parse_number(slash + 1, t->n - na - 1,
			    &b);
		if (!rc && b == 0)
			return perr(p, t->line, t->col,
			    "division by zero in '%s'",
			    quote(t, q, sizeof(q)));
		if (!rc)
			a /= b;
	}
	if (rc == CF_EINVAL)
		return perr(p, t->line, t->col,
		    "expected a number, got '%s'", quote(t, q, sizeof(q)));
	if (rc || !(fabs(a) < FLT_LIMIT))
		return perr(p, t->line, t->col, "number out of range: '%s'",
		    quote(t, q, sizeof(q)));
	*out = a;
	return 0;
}

/* A shape or groups value: a positive integer, digits only. */
static int
parse_size(struct parser *p, const char *what, const struct tok *t,
    size_t *out)
{
	size_t i, v = 0;
	char q[64];

	for (i = 0; i < t->n && is_digit(t->s[i]); i++)
		if (v <= CF_KERNEL_MAX_WEIGHTS)
			v = v * 10 + (size_t)(t->s[i] - '0');
	if (i == 0 || i != t->n || v == 0)
		return perr(p, t->line, t->col,
		    "%s: expected a positive integer, got '%s'", what,
		    quote(t, q, sizeof(q)));
	if (v > CF_KERNEL_MAX_WEIGHTS)
		return perr(p, t->line, t->col, "%s: '%s' is too large", what,
		    quote(t, q, sizeof(q)));
	*out = v;
	return 0;
}

/* Directives */

static int
directive(struct parser *p, const struct tok *word, const char **pos,
    const char *end, const char *bol)
{
	static const char *names[] = {
		"scale", "normalize", "bias", "shape", "groups",
	};
	struct tok *at[] = {
		&p->scale_at, &p->normalize_at, &p->bias_at, &p->shape_at,
		&p->groups_at,
	};
	struct tok t;
	size_t i, n = 0, v;
	char q[64];
	double d;
	int rc, which = -1;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (tok_is(word, names[i]))
			which = (int)i;
	if (which < 0)
		return perr(p, word->line, word->col,
		    "unknown directive '%s'", quote(word, q, sizeof(q)));
	if (p->directives_done)
		return perr(p, word->line, word->col,
		    "directive '%s' after the weights", names[which]);
	if (at[which]->line)
		return perr(p, word->line, word->col,
		    "directive '%s' given twice (first on line %zu)",
		    names[which], at[which]->line);
	if ((which == 0 && p->normalize_at.line) ||
	    (which == 1 && p->scale_at.line))
		return perr(p, word->line, word->col,
		    "'scale' and 'normalize' cannot be combined");
	*at[which] = *word;

	switch (which) {
	case 0:		/* scale X */
		while (next_tok(pos, end, bol, word->line, &t))
			if (n++ == 0 && (rc = parse_value(p, &t, &p->scale)))
				return rc;
		if (n != 1)
			return perr(p, word->line, word->col,
			    "'scale' takes one number, got %zu", n);
		break;
	case 1:		/* normalize */
		if (next_tok(pos, end, bol, word->line, &t))
			return perr(p, t.line, t.col,
			    "'normalize' takes no arguments, got '%s'",
			    quote(&t, q, sizeof(q)));
		break;
	case 2:		/* bias B ... */
		while (next_tok(pos, end, bol, word->line, &t)) {
			if ((rc = parse_value(p, &t, &d)))
				return rc;
			if (n >= CF_KERNEL_MAX_WEIGHTS)
				return perr(p, t.line, t.col,
				    "too many bias values");
			if (p->bias)
				p->bias[n] = (float)d;
			n++;
		}
		if (n == 0)
			return perr(p, word->line, word->col,
			    "'bias' needs at least one number");
		p->nbias = n;
		break;
	case 3:		/* shape KH KW | shape COUT CIN KH KW */
		while (next_tok(pos, end, bol, word->line, &t)) {
			if (n < 4) {
				if ((rc = parse_size(p, "shape", &t, &v)))
					return rc;
				p->shape[n] = v;
			}
			n++;
		}
		if (n != 2 && n != 4)
			return perr(p, word->line, word->col,
			    "'shape' takes 2 (KH KW) or 4 (COUT CIN KH KW) "
			    "integers, got %zu", n);
		if (n == 2) {
			p->shape[2] = p->shape[0];
			p->shape[3] = p->shape[1];
			p->shape[0] = p->shape[1] = 1;
		}
		p->shape_ndim = (int)n;
		if (p->shape[2] > CF_KERNEL_MAX_SIDE ||
		    p->shape[3] > CF_KERNEL_MAX_SIDE)
			return perr(p, word->line, word->col,
			    "kernel of %zu x %zu is larger than the limit of "
			    "%d x %d", p->shape[2], p->shape[3],
			    CF_KERNEL_MAX_SIDE, CF_KERNEL_MAX_SIDE);
		for (v = 1, i = 0; i < 4; i++)
			if (cf_size_mul(v, p->shape[i], &v) ||
			    v > CF_KERNEL_MAX_WEIGHTS)
				return perr(p, word->line, word->col,
				    "shape has more than %u weights",
				    CF_KERNEL_MAX_WEIGHTS);
		p->expected = v;
		break;
	case 4:		/* groups G */
		while (next_tok(pos, end, bol, word->line, &t))
			if (n++ == 0 &&
			    (rc = parse_size(p, "groups", &t, &p->groups)))
				return rc;
		if (n != 1)
			return perr(p, word->line, word->col,
			    "'groups' takes one integer, got %zu", n);
		break;
	}
	return 0;
}

/* The output channels of the bank: its bias values and its filters. */
static size_t
out_channels(const struct parser *p)
{
	if (p->shape_ndim != 4)
		return 1;
	return p->transpose ? p->shape[1] * (p->groups_at.line ? p->groups :
	    1) : p->shape[0];
}

/*
 * The output channel weight i (in file order) feeds.  Forward, filters
 * are contiguous; transposed, weight (c, o, m, n) of [C_in, C_out/groups,
 * KH, KW] feeds output channel (c / (C_in/groups)) * C_out/groups + o.
 */
static size_t
filter_of(const struct parser *p, size_t i)
{
	size_t per, cg;

	if (p->shape_ndim != 4)
		return 0;
	if (!p->transpose)
		return i / (p->expected / p->shape[0]);
	per = p->shape[2] * p->shape[3];
	cg = p->shape[0] / (p->groups_at.line ? p->groups : 1);
	return i / (per * p->shape[1]) / cg * p->shape[1] +
	    i / per % p->shape[1];
}

/* Check the directives together, once, before the first weight. */
static int
end_directives(struct parser *p)
{
	size_t nb;

	p->directives_done = 1;
	if (p->groups_at.line && p->shape_ndim != 4)
		return perr(p, p->groups_at.line, p->groups_at.col,
		    "'groups' needs a filter-bank shape "
		    "(shape %s KH KW)", p->transpose ? "CIN COUT/GROUPS" :
		    "COUT CIN");
	/* groups divide shape[0]: C_out, or C_in when transposed */
	if (p->groups_at.line && p->shape[0] % p->groups)
		return perr(p, p->groups_at.line, p->groups_at.col,
		    "groups %zu does not divide the %zu %s channels",
		    p->groups, p->shape[0], p->transpose ? "input" :
		    "output");
	nb = out_channels(p);
	if (p->bias_at.line && p->nbias != nb)
		return perr(p, p->bias_at.line, p->bias_at.col,
		    "'bias' has %zu values, expected %zu%s", p->nbias, nb,
		    nb > 1 ? " (one per output channel)" : "");
	if (p->normalize_at.line && !p->fill) {
		p->nfilters = out_channels(p);
		if (!(p->sums = calloc(p->nfilters, sizeof(double))))
			return CF_ENOMEM;
	}
	return 0;
}

/* Weights */

static int
weight(struct parser *p, const struct tok *t, size_t inrow)
{
	size_t f = 0;
	double v;
	char q[64];
	int rc;

	if ((rc = parse_value(p, t, &v)))
		return rc;
	if (p->shape_ndim) {
		if (p->count >= p->expected) {
			if (!p->surplus.line)
				p->surplus = *t;
			p->count++;
			return 0;
		}
		if (p->nfilters)
			f = filter_of(p, p->count);
	} else if (inrow >= CF_KERNEL_MAX_SIDE) {
		return perr(p, t->line, t->col,
		    "row %zu has more than %d weights", p->rows + 1,
		    CF_KERNEL_MAX_SIDE);
	}
	if (!p->fill) {
		if (p->sums)
			p->sums[f] += v;
	} else {
		if (p->scale_at.line)
			v *= p->scale;
		else if (p->sums)
			v /= p->sums[f];
		if (!(fabs(v) < FLT_LIMIT))
			return perr(p, t->line, t->col,
			    "weight '%s' is out of range after %s",
			    quote(t, q, sizeof(q)),
			    p->scale_at.line ? "scale" : "normalize");
		p->w[p->count] = (float)v;
	}
	p->count++;
	p->end_line = t->line;
	p->end_col = t->col + t->n;
	return 0;
}

/* One pass over the text. */
static int
walk(struct parser *p)
{
	const char *s = p->text, *bol, *eol, *pos, *cend, *hash;
	size_t line = 0, inrow;
	struct tok t, first;
	int rc;

	while (s < p->end) {
		bol = s;
		line++;
		eol = memchr(s, '\n', (size_t)(p->end - s));
		if (!eol)
			eol = p->end;
		s = eol < p->end ? eol + 1 : eol;
		hash = memchr(bol, '#', (size_t)(eol - bol));
		cend = hash ? hash : eol;
		pos = bol;
		if (!next_tok(&pos, cend, bol, line, &first))
			continue;
		if (is_alpha(*first.s) && !is_nonfinite_word(&first)) {
			if ((rc = directive(p, &first, &pos, cend, bol)))
				return rc;
			continue;
		}
		if (!p->directives_done && (rc = end_directives(p)))
			return rc;
		inrow = 0;
		t = first;
		do {
			if ((rc = weight(p, &t, inrow++)))
				return rc;
		} while (next_tok(&pos, cend, bol, line, &t));
		if (p->shape_ndim)
			continue;
		if (p->rows == 0)
			p->cols = inrow;
		else if (inrow != p->cols)
			return perr(p, first.line, first.col,
			    "row %zu has %zu weights, expected %zu",
			    p->rows + 1, inrow, p->cols);
		if (++p->rows > CF_KERNEL_MAX_SIDE)
			return perr(p, first.line, first.col,
			    "more than %d rows", CF_KERNEL_MAX_SIDE);
	}
	if (!p->directives_done && (rc = end_directives(p)))
		return rc;
	/* no weights: messages point at the end of the text */
	if (!p->end_line) {
		eol = p->end;
		if (eol > p->text && eol[-1] == '\n')
			eol--;
		for (bol = eol; bol > p->text && bol[-1] != '\n'; bol--)
			;
		p->end_line = line ? line : 1;
		p->end_col = (size_t)(eol - bol) + 1;
	}
	return 0;
}

/* After the first pass: the shape, and the checks that need all weights. */
static int
check_counts(struct parser *p)
{
	size_t f;

	if (p->shape_ndim && p->count != p->expected) {
		if (p->surplus.line)
			return perr(p, p->surplus.line, p->surplus.col,
			    "expected %zu weights, got %zu", p->expected,
			    p->count);
		return perr(p, p->end_line, p->end_col,
		    "expected %zu weights, got %zu", p->expected, p->count);
	}
	if (p->count == 0)
		return perr(p, p->end_line, p->end_col, "no weights");
	if (!p->shape_ndim) {
		p->shape[0] = p->shape[1] = 1;
		p->shape[2] = p->rows;
		p->shape[3] = p->cols;
		p->expected = p->count;
	}
	for (f = 0; p->sums && f < p->nfilters; f++) {
		if (p->sums[f] != 0)
			continue;
		if (p->nfilters > 1)
			return perr(p, p->normalize_at.line,
			    p->normalize_at.col, "cannot normalize: the "
			    "weights of output channel %zu sum to 0", f);
		return perr(p, p->normalize_at.line, p->normalize_at.col,
		    "cannot normalize: the weights sum to 0");
	}
	return 0;
}

int
cf_kernel_parse(const char *text, size_t len, const char *name,
    int transpose, struct cf_kernel *k, char *errbuf, size_t errlen)
{
	struct parser p;
	double *sums = NULL;
	size_t nfilters;
	int rc;

	memset(k, 0, sizeof(*k));
	if (errbuf && errlen)
		*errbuf = '\0';
	memset(&p, 0, sizeof(p));
	p.text = text;
	p.end = text + len;
	p.name = name ? name : "kernel";
	p.errbuf = errbuf;
	p.errlen = errlen;
	p.transpose = transpose;

	/* pass 1: check and count */
	if ((rc = walk(&p)) || (rc = check_counts(&p)))
		goto out;

	/* allocate, then pass 2: fill */
	sums = p.sums;
	if ((rc = cf_tensor_init(&k->weight, CF_F32, 4, p.shape)))
		goto out;
	if (p.bias_at.line &&
	    !(k->bias = calloc(p.nbias, sizeof(*k->bias)))) {
		rc = CF_ENOMEM;
		goto out;
	}
	k->groups = p.groups_at.line ? (int)p.groups : 1;
	k->depthwise = p.shape_ndim != 4;
	k->transposed = transpose && !k->depthwise;
	nfilters = p.nfilters;
	memset(&p, 0, sizeof(p));
	p.text = text;
	p.end = text + len;
	p.name = name ? name : "kernel";
	p.errbuf = errbuf;
	p.errlen = errlen;
	p.fill = 1;
	p.transpose = transpose;
	p.sums = sums;
	p.nfilters = nfilters;	/* as end_directives() set it */
	p.w = k->weight.data;
	p.bias = k->bias;
	rc = walk(&p);
out:
	free(p.sums);
	if (p.sums != sums)
		free(sums);
	if (rc) {
		if (rc == CF_ENOMEM && errbuf && errlen)
			snprintf(errbuf, errlen, "%s: out of memory", p.name);
		cf_kernel_release(k);
	}
	return rc;
}

int
cf_kernel_read_file(const char *path, char **text, size_t *textlen,
    char *errbuf, size_t errlen)
{
	FILE *f;
	char *buf = NULL, *nbuf;
	size_t len = 0, cap = 0, n;
	int rc = 0, e = 0;

	*text = NULL;
	*textlen = 0;
	if (!(f = fopen(path, "rb"))) {
		e = errno;
		goto ioerr;
	}
	for (;;) {
		if (len == cap) {
			cap = cap ? cap * 2 : 4096;
			if (cap > MAX_FILE_BYTES + 1)
				cap = MAX_FILE_BYTES + 1;
			if (!(nbuf = realloc(buf, cap))) {
				rc = CF_ENOMEM;
				if (errbuf && errlen)
					snprintf(errbuf, errlen,
					    "out of memory");
				goto out;
			}
			buf = nbuf;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (len > MAX_FILE_BYTES) {
			rc = CF_EOVERFLOW;
			if (errbuf && errlen)
				snprintf(errbuf, errlen, "kernel file larger "
				    "than %u MiB", MAX_FILE_BYTES >> 20);
			goto out;
		}
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		e = errno;
		goto ioerr;
	}
	*text = buf;
	*textlen = len;
	buf = NULL;
	goto out;
ioerr:
	rc = CF_EIO;
	if (errbuf && errlen)
		snprintf(errbuf, errlen, "cannot read: %s",
		    strerror(e ? e : EIO));
out:
	if (f)
		fclose(f);
	free(buf);
	return rc;
}

int
cf_kernel_load(const char *path, int transpose, struct cf_kernel *k,
    char *errbuf, size_t errlen)
{
	char *buf;
	size_t len;
	int rc;

	memset(k, 0, sizeof(*k));
	if ((rc = cf_kernel_read_file(path, &buf, &len, errbuf, errlen)))
		return rc;
	rc = cf_kernel_parse(buf, len, path, transpose, k, errbuf, errlen);
	free(buf);
	return rc;
}

/* Writing */

/*
 * The fewest digits (at most 9, always enough) that read back as v, and
 * "10" rather than "1e+01": integers up to 9 digits without an exponent.
 */
static int
fmt_float(char *buf, size_t len, float v)
{
	const char *e;
	double d;
	int prec, n = 0, x;

	for (prec = 1; prec <= 9; prec++) {
		n = snprintf(buf, len, "%.*g", prec, (double)v);
		if (!cf_kernel_parse_number(buf, (size_t)n, &d) &&
		    (float)d == v)
			break;
	}
	if ((e = strchr(buf, 'e')) && (x = atoi(e + 1)) >= 0 && x < 9)
		n = snprintf(buf, len, "%.*g", x + 1, (double)v);
	return n;
}

static int
fmt_width(const float *w, size_t n)
{
	char buf[32];
	size_t i;
	int len, max = 1;

	for (i = 0; i < n; i++) {
		len = fmt_float(buf, sizeof(buf), w[i]);
		if (len > max)
			max = len;
	}
	return max;
}

/* One [KH][KW] slice, rows on lines, columns aligned to width. */
static void
write_grid(FILE *f, const float *w, size_t kh, size_t kw, int width)
{
	char buf[32];
	size_t i, j;

	for (i = 0; i < kh; i++) {
		for (j = 0; j < kw; j++) {
			fmt_float(buf, sizeof(buf), w[i * kw + j]);
			fprintf(f, "%s%*s", j ? " " : "", width, buf);
		}
		fputc('\n', f);
	}
}

/* Values on one line, after word if not NULL. */
static void
write_line(FILE *f, const char *word, const float *v, size_t n)
{
	char buf[32];
	size_t i;

	if (word)
		fputs(word, f);
	for (i = 0; i < n; i++) {
		fmt_float(buf, sizeof(buf), v[i]);
		fprintf(f, "%s%s", i || word ? " " : "", buf);
	}
	fputc('\n', f);
}

int
cf_kernel_write(FILE *f, const struct cf_kernel *k, const char *title)
{
	const struct cf_tensor *t = &k->weight;
	const float *w = t->data;
	size_t cout = t->shape[0], cin = t->shape[1], kh = t->shape[2],
	    kw = t->shape[3], o, c;
	const char *a, *b;
	int width;

	if (title)
		fprintf(f, "# %s\n", title);
	if (!w || t->ndim != 4)
		return CF_EINVAL;
	width = fmt_width(w, cf_tensor_numel(t));
	if (k->depthwise) {
		if (k->bias)
			write_line(f, "bias", k->bias, 1);
		write_grid(f, w, kh, kw, width);
		goto out;
	}
	fprintf(f, "shape %zu %zu %zu %zu\n", cout, cin, kh, kw);
	if (k->groups > 1)
		fprintf(f, "groups %d\n", k->groups);
	if (k->bias)
		write_line(f, "bias", k->bias, cf_kernel_nbias(k));
	/* transposed, the first axis is the input's (ConvTranspose2d) */
	a = k->transposed ? "input" : "output";
	b = k->transposed ? "output" : "input";
	if (kh * kw == 1) {
		/* 1x1: a colour matrix, one line per output channel */
		fprintf(f, "# one line per %s channel: its weight for each "
		    "%s channel\n", a, b);
		for (o = 0; o < cout; o++)
			write_line(f, NULL, w + o * cin, cin);
		goto out;
	}
	for (o = 0; o < cout; o++)
		for (c = 0; c < cin; c++) {
			fprintf(f, "# %s %zu, %s %zu\n", a, o, b, c);
			write_grid(f, w + (o * cin + c) * kh * kw, kh, kw,
			    width);
		}
out:
	fflush(f);
	return ferror(f) ? CF_EIO : 0;
}
