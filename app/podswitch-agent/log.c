/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Logging to stderr: "2026-12-07T16:05:01.123Z INFO  reflector: ..." one
 * line per call, written with one write(2) so that threads do not
 * interleave inside a line. Clocks for the rest of the agent.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"

enum ag_level ag_log_level = AG_INFO;

static const char *const level_names[] = { "DEBUG", "INFO", "WARN", "ERROR" };

uint64_t
ag_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

uint64_t
ag_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void
ag_fmt_time(char *buf, size_t size, uint64_t wall_ms)
{
	time_t t = (time_t)(wall_ms / 1000);
	char sec[32];
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(sec, sizeof(sec), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, size, "%s.%03uZ", sec, (unsigned int)(wall_ms % 1000));
}

void
ag_log(enum ag_level lvl, const char *comp, const char *fmt, ...)
{
	char line[2048], ts[40];
	va_list ap;
	int n;

	if (lvl < ag_log_level)
		return;
	ag_fmt_time(ts, sizeof(ts), ag_wall_ms());
	n = snprintf(line, sizeof(line), "%s %-5s %s: ", ts, level_names[lvl],
		     comp);
	va_start(ap, fmt);
	n += vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof(line) - 1)
		n = (int)sizeof(line) - 2;
	if (line[n - 1] != '\n')
		line[n++] = '\n';
	if (write(STDERR_FILENO, line, (size_t)n) < 0)
		return;
}
