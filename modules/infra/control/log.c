/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The log stream (podswitch/log.h): a stdio cookie stream given to
 * rte_openlog_stream. rte_vlog formats a message into it and flushes,
 * so the write hook sees whole messages; it puts the time and the level
 * (rte_log_cur_msg_loglevel, the calling thread's current message) in
 * front of each line. The FILE's own lock serialises writers, which
 * also guards at_bol.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>

#include <rte_log.h>

#include <podswitch/log.h>

RTE_LOG_REGISTER(ps_logtype_change, podswitch.change, INFO);

static FILE *log_out;
static FILE *log_stream;	/* ours, given to rte_openlog_stream */
static bool at_bol = true;

static const char *
level_name(int level)
{
	static const char *const names[] = {
		[RTE_LOG_EMERG] = "EMERG", [RTE_LOG_ALERT] = "ALERT",
		[RTE_LOG_CRIT] = "CRIT", [RTE_LOG_ERR] = "ERROR",
		[RTE_LOG_WARNING] = "WARNING", [RTE_LOG_NOTICE] = "NOTICE",
		[RTE_LOG_INFO] = "INFO", [RTE_LOG_DEBUG] = "DEBUG",
	};

	if (level < (int)RTE_LOG_EMERG || level > (int)RTE_LOG_DEBUG)
		return "INFO";
	return names[level];
}

static void
prefix(FILE *out)
{
	struct timespec ts;
	struct tm tm;
	char when[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(out, "%s.%03ldZ %s ", when, ts.tv_nsec / 1000000,
		level_name(rte_log_cur_msg_loglevel()));
}

static ssize_t
log_write(void *cookie, const char *buf, size_t size)
{
	FILE *out = cookie;
	size_t i = 0;

	while (i < size) {
		const char *nl = memchr(buf + i, '\n', size - i);
		size_t n = nl != NULL ? (size_t)(nl - (buf + i)) + 1 : size - i;

		if (at_bol)
			prefix(out);
		fwrite(buf + i, 1, n, out);
		at_bol = nl != NULL;
		i += n;
	}
	fflush(out);
	return (ssize_t)size;
}

int
ps_log_stream_open(FILE *out)
{
	static const cookie_io_functions_t io = { .write = log_write };
	FILE *f;

	log_out = out != NULL ? out : stdout;
	f = fopencookie(log_out, "w", io);
	if (f == NULL)
		return -errno;
	/* rte_vlog flushes after each message; a line never waits */
	setvbuf(f, NULL, _IOLBF, 4096);
	if (rte_openlog_stream(f) < 0) {
		fclose(f);
		return -EINVAL;
	}
	if (log_stream != NULL)
		fclose(log_stream);
	log_stream = f;
	at_bol = true;
	return 0;
}

void
ps_log_stream_close(void)
{
	if (log_stream == NULL)
		return;
	rte_openlog_stream(NULL);
	fclose(log_stream);
	log_stream = NULL;
}

void
ps_log_change(const char *area, const char *fmt, ...)
{
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	rte_log(RTE_LOG_INFO, ps_logtype_change, "%s: %s\n", area, what);
}
