/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The side listeners (healthz, metrics): HTTP/1.1 GET only, one request
 * per connection, answered from one thread each. These are probed by the
 * kubelet and scraped by Prometheus; a slow client gets 2 s.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "agent.h"

struct listener {
	struct agent *ag;
	int fd;
	ag_serve_fn fn;
	const char *what;
};

static const char *
reason(int st)
{
	switch (st) {
	case 200: return "OK";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 503: return "Service Unavailable";
	default: return "Bad Request";
	}
}

static void
answer(struct listener *l, int fd)
{
	struct timeval tv = { .tv_sec = 2 };
	struct ag_buf body = { 0 }, head = { 0 };
	char req[4096], method[16], path[1024];
	const char *ctype = "text/plain; charset=utf-8";
	size_t got = 0;
	int st;

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	while (got < sizeof(req) - 1) {
		ssize_t n = recv(fd, req + got, sizeof(req) - 1 - got, 0);

		if (n <= 0)
			break;
		got += (size_t)n;
		req[got] = '\0';
		if (strstr(req, "\r\n\r\n") != NULL)
			break;
	}
	req[got] = '\0';
	if (sscanf(req, "%15s %1023s", method, path) != 2) {
		st = 400;
		ag_buf_printf(&body, "bad request\n");
	} else if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
		st = 405;
		ag_buf_printf(&body, "only GET\n");
	} else {
		path[strcspn(path, "?")] = '\0';
		st = l->fn(l->ag, path, &body, &ctype);
	}
	ag_buf_printf(&head, "HTTP/1.1 %d %s\r\nContent-Type: %s\r\n"
		      "X-Content-Type-Options: nosniff\r\nContent-Length: "
		      "%zu\r\nConnection: close\r\n\r\n", st, reason(st), ctype,
		      body.len);
	if (strcmp(method, "HEAD") != 0 && body.len > 0)
		ag_buf_add(&head, body.p, body.len);
	if (send(fd, head.p, head.len, MSG_NOSIGNAL) < 0)
		LOG_DEBUG(l->what, "send: %s", strerror(errno));
	ag_buf_free(&head);
	ag_buf_free(&body);
}

static void *
serve_main(void *arg)
{
	struct listener *l = arg;

	while (!l->ag->stop) {
		int fd = accept(l->fd, NULL, NULL);

		if (fd < 0) {
			if (errno != EINTR)
				usleep(10000);
			continue;
		}
		answer(l, fd);
		close(fd);
	}
	return NULL;
}

int
ag_serve_start(struct agent *ag, const char *addr, ag_serve_fn fn,
	       const char *what)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	struct listener *l;
	char host[64], *colon, *end;
	unsigned long port;
	pthread_t t;
	int one = 1, fd;

	if (strlen(addr) >= sizeof(host))
		goto bad;
	strcpy(host, addr);
	colon = strrchr(host, ':');
	if (colon == NULL)
		goto bad;
	*colon = '\0';
	port = strtoul(colon + 1, &end, 10);
	if (colon[1] == '\0' || *end != '\0' || port > 65535)
		goto bad;
	if (host[0] == '\0')
		strcpy(host, "0.0.0.0");
	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1)
		goto bad;
	sa.sin_port = htons((uint16_t)port);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(fd, 64) < 0) {
		fprintf(stderr, "podswitch-agent: %s address %s: %s\n", what,
			addr, strerror(errno));
		close(fd);
		return -1;
	}
	l = calloc(1, sizeof(*l));
	if (l == NULL) {
		close(fd);
		return -1;
	}
	*l = (struct listener){ .ag = ag, .fd = fd, .fn = fn, .what = what };
	if (pthread_create(&t, NULL, serve_main, l) != 0) {
		close(fd);
		free(l);
		return -1;
	}
	pthread_detach(t);
	LOG_INFO(what, "serving on %s", addr);
	return 0;
bad:
	fprintf(stderr, "podswitch-agent: %s address '%s': expected "
		"IPv4:PORT (e.g. 0.0.0.0:10256)\n", what, addr);
	return -1;
}
