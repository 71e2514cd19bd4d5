/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <podswitch/errors.h>

void
ps_errors_vadd(struct ps_errors *errs, const char *path, const char *fmt,
	       va_list ap)
{
	char msg[512];
	char *line;
	int n;

	if (errs == NULL)
		return;
	n = snprintf(msg, sizeof(msg), "%s: ", path);
	/* a path longer than msg (a directory name) must not move us past it */
	if (n < 0 || (size_t)n >= sizeof(msg))
		n = sizeof(msg) - 1;
	vsnprintf(msg + n, sizeof(msg) - n, fmt, ap);

	if (errs->count == errs->cap) {
		unsigned int cap = errs->cap ? errs->cap * 2 : 8;
		char **m = realloc(errs->msgs, cap * sizeof(*m));

		if (m == NULL) {
			errs->lost++;
			return;
		}
		errs->msgs = m;
		errs->cap = cap;
	}
	line = strdup(msg);
	if (line != NULL)
		errs->msgs[errs->count++] = line;
	else
		errs->lost++;
}

void
ps_errors_add(struct ps_errors *errs, const char *path, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ps_errors_vadd(errs, path, fmt, ap);
	va_end(ap);
}

void
ps_errors_print(const struct ps_errors *errs, FILE *f)
{
	unsigned int i;

	for (i = 0; i < errs->count; i++)
		fprintf(f, "%s\n", errs->msgs[i]);
}

void
ps_errors_free(struct ps_errors *errs)
{
	unsigned int i;

	for (i = 0; i < errs->count; i++)
		free(errs->msgs[i]);
	free(errs->msgs);
	memset(errs, 0, sizeof(*errs));
}
