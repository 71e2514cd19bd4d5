/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PODSWITCH_ERRORS_H
#define PODSWITCH_ERRORS_H

/*
 * A list of problems, each "<path>: <message>", the path naming where in
 * a document the problem is (a JSON path, a file name). Readers of the
 * configuration, of Kubernetes objects and of REST bodies go on after the
 * first problem so that one answer names every mistake.
 */

#include <stdarg.h>
#include <stdio.h>

struct ps_errors {
	char **msgs;
	unsigned int count;	/* messages in msgs */
	unsigned int cap;
	unsigned int lost;	/* problems whose message found no memory */
};

void ps_errors_add(struct ps_errors *errs, const char *path,
		   const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void ps_errors_vadd(struct ps_errors *errs, const char *path,
		    const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));
void ps_errors_print(const struct ps_errors *errs, FILE *f);
void ps_errors_free(struct ps_errors *errs);

/*
 * Problems reported so far, kept or not: a reader compares it before and
 * after a part to know whether that part was good, even when memory ran
 * out for the messages.
 */
static inline unsigned int
ps_errors_seen(const struct ps_errors *errs)
{
	return errs->count + errs->lost;
}

#endif
