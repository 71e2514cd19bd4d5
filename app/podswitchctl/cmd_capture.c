/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * capture PORT... [-i rx|tx|both] [-f FILTER] [-c COUNT] [-s SNAPLEN]
 *                 [-w FILE|-]
 * Start a capture session (POST /v1/captures), write its pcapng stream
 * to FILE or stdout as it comes (GET /v1/captures/ID, polled), until
 * COUNT packets, Ctrl-C, the reader of stdout going away or the session
 * ending on its own (its port removed); then stop it (DELETE) and say
 * on stderr what was captured and dropped, as tcpdump does.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"

#define POLL_IDLE_NS (100 * 1000 * 1000)

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

struct cap_opts {
	json_t *ports;
	const char *dir;
	const char *filter;
	const char *out;
	long long count;
	long long snaplen;
};

/*
 * The value of header name in the reply's head, into buf ("" if none).
 * The client has cut the head into NUL-terminated lines (each "\r"
 * became the NUL), which end 4 bytes before the body.
 */
static const char *
reply_header(const struct ps_http_reply *r, const char *name, char *buf,
	     size_t size)
{
	const char *p = r->raw, *end = r->body - 4;
	size_t n = strlen(name);

	buf[0] = '\0';
	while (p < end) {
		size_t len = strlen(p);

		if (len > n && strncasecmp(p, name, n) == 0 && p[n] == ':') {
			const char *v = p + n + 1;

			while (*v == ' ')
				v++;
			snprintf(buf, size, "%s", v);
			break;
		}
		p += len + 2;
	}
	return buf;
}

static int
write_all(int fd, const char *b, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, b, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		b += w;
		len -= (size_t)w;
	}
	return 0;
}

static long long
number(const char *opt, const char *s, long long min, long long max)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *s == '\0' || *end != '\0' || v < min || v > max) {
		ctl_usage_error("capture: %s must be %lld..%lld, not '%s'", opt,
				min, max, s);
		return -1;
	}
	return v;
}

static int
parse(int argc, char **argv, struct cap_opts *o)
{
	int opt;

	/* 0: glibc starts afresh (main's getopt_long ran in "+" mode) */
	optind = 0;
	opterr = 0;
	while ((opt = getopt(argc, argv, "i:f:c:s:w:")) != -1) {
		switch (opt) {
		case 'i':
			o->dir = optarg;
			break;
		case 'f':
			o->filter = optarg;
			break;
		case 'c':
			o->count = number("-c", optarg, 1, UINT32_MAX);
			if (o->count < 0)
				return CTL_EXIT_USAGE;
			break;
		case 's':
			o->snaplen = number("-s", optarg, 1, 65535);
			if (o->snaplen < 0)
				return CTL_EXIT_USAGE;
			break;
		case 'w':
			o->out = optarg;
			break;
		default:
			return ctl_usage_error("capture: bad option '%s'",
					       argv[optind - 1]);
		}
	}
	for (; optind < argc; optind++)
		json_array_append_new(o->ports, json_string(argv[optind]));
	return CTL_EXIT_OK;
}

/* POST the session; its id, or 0 having said why. */
static unsigned long
start(const struct ctl *c, const struct cap_opts *o)
{
	json_t *body = json_pack("{s:O}", "ports", o->ports), *j = NULL;
	unsigned long id = 0;
	char *s;
	int rc;

	if (o->dir != NULL)
		json_object_set_new(body, "direction", json_string(o->dir));
	if (o->filter != NULL)
		json_object_set_new(body, "filter", json_string(o->filter));
	if (o->count > 0)
		json_object_set_new(body, "count", json_integer(o->count));
	if (o->snaplen > 0)
		json_object_set_new(body, "snaplen", json_integer(o->snaplen));
	s = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	if (s == NULL)
		return 0;
	/* --json would print the session: keep stdout for the stream */
	{
		struct ctl quiet = *c;

		quiet.json = false;
		rc = ctl_change_reply(&quiet, "POST", "/v1/captures", s,
				      strlen(s), &j);
	}
	free(s);
	if (rc == CTL_EXIT_OK && j != NULL)
		id = (unsigned long)json_integer_value(json_object_get(j, "id"));
	json_decref(j);
	return id;
}

/*
 * Copy the stream to fd until it ends or we are asked to stop. 0 on a
 * normal end, 1 on a failure (said).
 */
static int
pump(const struct ctl *c, const char *path, int fd, char *captured,
     char *dropped, size_t size)
{
	const struct timespec idle = { 0, POLL_IDLE_NS };
	struct ps_http_reply r;
	char state[32];
	bool last = false;

	for (;;) {
		if (stop)
			last = true;
		if (http_request(c, "GET", path, NULL, 0, &r) < 0)
			return 1;
		if (r.status != 200) {
			int rc = ctl_http_failed(&r);

			ps_http_reply_free(&r);
			return rc;
		}
		reply_header(&r, "Podswitch-Capture-State", state,
			     sizeof(state));
		reply_header(&r, "Podswitch-Capture-Captured", captured, size);
		reply_header(&r, "Podswitch-Capture-Dropped", dropped, size);
		if (r.body_len > 0 && write_all(fd, r.body, r.body_len) < 0) {
			/* the reader went away (tshark -c): not an error */
			ps_http_reply_free(&r);
			return errno == EPIPE ? 0 : (ctl_err("capture: write: %s",
							     strerror(errno)), 1);
		}
		if (r.body_len == 0 && strcmp(state, "running") != 0) {
			if (strcmp(state, "count") != 0)
				fprintf(stderr, "capture ended: %s\n", state);
			ps_http_reply_free(&r);
			return 0;
		}
		if (r.body_len == 0 && last) {
			ps_http_reply_free(&r);
			return 0;
		}
		if (r.body_len == 0)
			nanosleep(&idle, NULL);
		ps_http_reply_free(&r);
	}
}

static int
run(const struct ctl *c, const struct cap_opts *o)
{
	struct sigaction sa = { .sa_handler = on_signal };
	char path[64], captured[24] = "0", dropped[24] = "0";
	unsigned long id;
	int fd = STDOUT_FILENO, rc;

	if (strcmp(o->out, "-") != 0) {
		fd = open(o->out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
			  0644);
		if (fd < 0) {
			ctl_err("capture: %s: %s", o->out, strerror(errno));
			return CTL_EXIT_FAIL;
		}
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	id = start(c, o);
	if (id == 0) {
		if (fd != STDOUT_FILENO)
			close(fd);
		return CTL_EXIT_FAIL;
	}
	snprintf(path, sizeof(path), "/v1/captures/%lu", id);
	fprintf(stderr, "capture %lu: listening on %zu port(s), %s\n", id,
		json_array_size(o->ports), o->dir != NULL ? o->dir : "both");
	rc = pump(c, path, fd, captured, dropped, sizeof(captured));
	ctl_change(c, "DELETE", path, NULL, 0);
	if (fd != STDOUT_FILENO && close(fd) != 0) {
		ctl_err("capture: %s: %s", o->out, strerror(errno));
		rc = 1;
	}
	fprintf(stderr, "%s packets captured\n%s packets dropped\n", captured,
		dropped);
	return rc == 0 ? CTL_EXIT_OK : CTL_EXIT_FAIL;
}

int
cmd_capture(const struct ctl *c, int argc, char **argv)
{
	struct cap_opts o = { .ports = json_array() };
	int rc;

	/* getopt permutes: ports and options in any order */
	rc = parse(argc + 1, argv - 1, &o);
	if (rc == CTL_EXIT_OK && json_array_size(o.ports) == 0)
		rc = ctl_usage_error("capture: name at least one port");
	if (rc == CTL_EXIT_OK && o.out == NULL) {
		if (isatty(STDOUT_FILENO))
			rc = ctl_usage_error("capture: give -w FILE, or -w - "
					     "with stdout not a terminal");
		else
			o.out = "-";
	}
	if (rc == CTL_EXIT_OK)
		rc = run(c, &o);
	json_decref(o.ports);
	return rc;
}
