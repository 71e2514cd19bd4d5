/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Prometheus text writer (podswitch/prom.h). Each family keeps its
 * samples as text, escaped when added, so writing out is a copy; the
 * families are found by name with a linear search, which is what a
 * writer does once per family (samples go to the handle).
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <podswitch/prom.h>

struct buf {
	char *s;
	size_t len, cap;
	bool oom;
};

struct ps_prom_family {
	struct ps_prom *p;
	char *name;
	char *help;
	enum ps_prom_type type;
	struct buf samples;
};

struct ps_prom {
	struct ps_prom_family **fam;
	unsigned int nb, cap;
	unsigned int errors;
	char first_error[160];
};

static const char *const type_names[] = {
	[PS_PROM_COUNTER] = "counter",
	[PS_PROM_GAUGE] = "gauge",
	[PS_PROM_HISTOGRAM] = "histogram",
};

static void
buf_put(struct buf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		char *ns;

		while (cap < b->len + n + 1)
			cap *= 2;
		ns = realloc(b->s, cap);
		if (ns == NULL) {
			b->oom = true;
			return;
		}
		b->s = ns;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void
buf_str(struct buf *b, const char *s)
{
	buf_put(b, s, strlen(s));
}

static void __attribute__((format(printf, 2, 3)))
buf_fmt(struct buf *b, const char *fmt, ...)
{
	char tmp[64];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n > 0)
		buf_put(b, tmp, (size_t)n < sizeof(tmp) ? (size_t)n :
			sizeof(tmp) - 1);
}

/* Backslash and newline always; the double quote in label values. */
static void
buf_escaped(struct buf *b, const char *s, bool quote)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\')
			buf_str(b, "\\\\");
		else if (*s == '\n')
			buf_str(b, "\\n");
		else if (quote && *s == '"')
			buf_str(b, "\\\"");
		else
			buf_put(b, s, 1);
	}
}

static void __attribute__((format(printf, 2, 3)))
prom_error(struct ps_prom *p, const char *fmt, ...)
{
	va_list ap;

	if (p->errors++ != 0)
		return;
	va_start(ap, fmt);
	vsnprintf(p->first_error, sizeof(p->first_error), fmt, ap);
	va_end(ap);
}

static bool
name_char(char c, bool first, bool colon)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
	       (colon && c == ':') || (!first && c >= '0' && c <= '9');
}

static bool
valid_name(const char *s, bool colon)
{
	const char *c;

	if (s == NULL || *s == '\0')
		return false;
	for (c = s; *c != '\0'; c++)
		if (!name_char(*c, c == s, colon))
			return false;
	return true;
}

static bool
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* promtool's naming rules for the suffixes of a type. */
static const char *
suffix_problem(const char *name, enum ps_prom_type type)
{
	static const char *const reserved[] = { "_bucket", "_sum", "_count" };
	unsigned int i;

	if (type == PS_PROM_COUNTER)
		return ends_with(name, "_total") ? NULL :
		       "a counter's name ends in _total";
	if (ends_with(name, "_total"))
		return "only a counter's name ends in _total";
	for (i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
		if (ends_with(name, reserved[i]))
			return "_bucket, _sum and _count are a histogram's";
	return NULL;
}

struct ps_prom *
ps_prom_create(void)
{
	return calloc(1, sizeof(struct ps_prom));
}

void
ps_prom_free(struct ps_prom *p)
{
	unsigned int i;

	if (p == NULL)
		return;
	for (i = 0; i < p->nb; i++) {
		free(p->fam[i]->name);
		free(p->fam[i]->help);
		free(p->fam[i]->samples.s);
		free(p->fam[i]);
	}
	free(p->fam);
	free(p);
}

static struct ps_prom_family *
family_new(struct ps_prom *p, const char *name, enum ps_prom_type type,
	   const char *help)
{
	struct ps_prom_family *f;

	if (p->nb == p->cap) {
		unsigned int cap = p->cap ? p->cap * 2 : 64;
		struct ps_prom_family **nf = realloc(p->fam,
						     cap * sizeof(*nf));

		if (nf == NULL)
			return NULL;
		p->fam = nf;
		p->cap = cap;
	}
	f = calloc(1, sizeof(*f));
	if (f == NULL)
		return NULL;
	f->p = p;
	f->type = type;
	f->name = strdup(name);
	f->help = strdup(help);
	if (f->name == NULL || f->help == NULL) {
		free(f->name);
		free(f->help);
		free(f);
		return NULL;
	}
	p->fam[p->nb++] = f;
	return f;
}

struct ps_prom_family *
ps_prom_family(struct ps_prom *p, const char *name, enum ps_prom_type type,
	       const char *help)
{
	const char *why;
	unsigned int i;

	if (p == NULL)
		return NULL;
	if (!valid_name(name, true) || (unsigned int)type > PS_PROM_HISTOGRAM) {
		prom_error(p, "bad metric name '%s'", name ? name : "");
		return NULL;
	}
	for (i = 0; i < p->nb; i++) {
		if (strcmp(p->fam[i]->name, name) != 0)
			continue;
		if (p->fam[i]->type == type)
			return p->fam[i];
		prom_error(p, "%s: a %s, declared a %s before", name,
			   type_names[type], type_names[p->fam[i]->type]);
		return NULL;
	}
	why = suffix_problem(name, type);
	if (why == NULL && (help == NULL || help[0] == '\0'))
		why = "no HELP text";
	if (why != NULL) {
		prom_error(p, "%s: %s", name, why);
		return NULL;
	}
	if (family_new(p, name, type, help) == NULL) {
		prom_error(p, "%s: out of memory", name);
		return NULL;
	}
	return p->fam[p->nb - 1];
}

/* "{a="x",b="y"" of the label pairs ap (no closing brace): false when a
 * label name is bad (le is the histogram's). */
static bool
labels_put(struct ps_prom_family *f, struct buf *b, va_list ap)
{
	const char *k, *v;
	bool first = true;

	while ((k = va_arg(ap, const char *)) != NULL) {
		v = va_arg(ap, const char *);
		if (!valid_name(k, false) || strncmp(k, "__", 2) == 0 ||
		    (f->type == PS_PROM_HISTOGRAM && strcmp(k, "le") == 0)) {
			prom_error(f->p, "%s: bad label name '%s'", f->name, k);
			return false;
		}
		buf_str(b, first ? "{" : ",");
		buf_str(b, k);
		buf_str(b, "=\"");
		buf_escaped(b, v != NULL ? v : "", true);
		buf_str(b, "\"");
		first = false;
	}
	return true;
}

static void
value_put(struct buf *b, double d, uint64_t u, bool is_double)
{
	if (!is_double)
		buf_fmt(b, " %" PRIu64 "\n", u);
	else if (isnan(d))
		buf_str(b, " NaN\n");
	else if (isinf(d))
		buf_str(b, d > 0 ? " +Inf\n" : " -Inf\n");
	else
		buf_fmt(b, " %.15g\n", d);
}

static void
sample(struct ps_prom_family *f, double d, uint64_t u, bool is_double,
       va_list ap)
{
	struct buf line = { 0 };

	if (f->type == PS_PROM_HISTOGRAM) {
		prom_error(f->p, "%s: a histogram takes ps_prom_add_hist",
			   f->name);
		return;
	}
	buf_str(&line, f->name);
	if (!labels_put(f, &line, ap)) {
		free(line.s);
		return;
	}
	if (line.len > strlen(f->name))
		buf_str(&line, "}");
	value_put(&line, d, u, is_double);
	if (line.oom)
		prom_error(f->p, "%s: out of memory", f->name);
	else
		buf_put(&f->samples, line.s, line.len);
	free(line.s);
}

void
ps_prom_add(struct ps_prom_family *f, uint64_t value, ...)
{
	va_list ap;

	if (f == NULL)
		return;
	va_start(ap, value);
	sample(f, 0, value, false, ap);
	va_end(ap);
}

void
ps_prom_addf(struct ps_prom_family *f, double value, ...)
{
	va_list ap;

	if (f == NULL)
		return;
	va_start(ap, value);
	sample(f, value, 0, true, ap);
	va_end(ap);
}

void
ps_prom_hist_observe(struct ps_prom_hist *h, const double *le,
		     unsigned int nb_le, double v)
{
	unsigned int i;

	if (nb_le > PS_PROM_HIST_MAX)
		nb_le = PS_PROM_HIST_MAX;
	for (i = 0; i < nb_le && v > le[i]; i++)
		;
	h->buckets[i]++;
	h->count++;
	h->sum += v;
}

/* One line "<name><suffix>{<labels>[,le="x"]} value". */
static void
hist_line(struct buf *b, const struct ps_prom_family *f, const char *suffix,
	  const struct buf *labels, const char *le, double d, uint64_t u,
	  bool is_double)
{
	buf_str(b, f->name);
	buf_str(b, suffix);
	if (labels->len > 0)
		buf_put(b, labels->s, labels->len);
	if (le != NULL) {
		buf_str(b, labels->len > 0 ? ",le=\"" : "{le=\"");
		buf_str(b, le);
		buf_str(b, "\"");
	}
	if (labels->len > 0 || le != NULL)
		buf_str(b, "}");
	value_put(b, d, u, is_double);
}

void
ps_prom_add_hist(struct ps_prom_family *f, const double *le,
		 unsigned int nb_le, const struct ps_prom_hist *h, ...)
{
	struct buf labels = { 0 }, out = { 0 };
	uint64_t cum = 0;
	unsigned int i;
	char bound[32];
	va_list ap;
	bool ok;

	if (f == NULL)
		return;
	if (f->type != PS_PROM_HISTOGRAM || nb_le > PS_PROM_HIST_MAX) {
		prom_error(f->p, "%s: not a histogram of at most %u bounds",
			   f->name, PS_PROM_HIST_MAX);
		return;
	}
	va_start(ap, h);
	ok = labels_put(f, &labels, ap);
	va_end(ap);
	for (i = 0; ok && i < nb_le; i++) {
		if (i > 0 && !(le[i] > le[i - 1])) {
			prom_error(f->p, "%s: bounds not ascending", f->name);
			ok = false;
			break;
		}
		cum += h->buckets[i];
		snprintf(bound, sizeof(bound), "%g", le[i]);
		hist_line(&out, f, "_bucket", &labels, bound, 0, cum, false);
	}
	if (ok) {
		hist_line(&out, f, "_bucket", &labels, "+Inf", 0, h->count,
			  false);
		hist_line(&out, f, "_sum", &labels, NULL, h->sum, 0, true);
		hist_line(&out, f, "_count", &labels, NULL, 0, h->count,
			  false);
		if (out.oom || labels.oom)
			prom_error(f->p, "%s: out of memory", f->name);
		else
			buf_put(&f->samples, out.s, out.len);
	}
	free(labels.s);
	free(out.s);
}

unsigned int
ps_prom_errors(const struct ps_prom *p, const char **first)
{
	if (first != NULL)
		*first = p->errors ? p->first_error : NULL;
	return p->errors;
}

char *
ps_prom_text(const struct ps_prom *p, size_t *len)
{
	struct buf b = { 0 };
	unsigned int i;

	buf_str(&b, "");
	for (i = 0; i < p->nb; i++) {
		const struct ps_prom_family *f = p->fam[i];

		buf_str(&b, "# HELP ");
		buf_str(&b, f->name);
		buf_str(&b, " ");
		buf_escaped(&b, f->help, false);
		buf_str(&b, "\n# TYPE ");
		buf_str(&b, f->name);
		buf_str(&b, " ");
		buf_str(&b, type_names[f->type]);
		buf_str(&b, "\n");
		if (f->samples.oom)
			b.oom = true;
		else if (f->samples.len > 0)
			buf_put(&b, f->samples.s, f->samples.len);
	}
	if (b.oom) {
		free(b.s);
		return NULL;
	}
	*len = b.len;
	return b.s;
}
