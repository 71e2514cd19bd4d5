/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The server object and its poll loop: one level-triggered epoll set for
 * the listeners and every connection, and connection deadlines checked
 * only when the earliest one may have passed.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include <rte_errno.h>

#include "http_private.h"

RTE_LOG_REGISTER(ps_logtype_api, podswitch.api, INFO);

#define POLL_EVENTS 64

uint64_t
http_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int
server_open(struct ps_http_server *s, const struct ps_http_params *p)
{
	int rc;

	if (p->unix_path != NULL) {
		rc = http_listen_unix(s, p->unix_path,
				      p->unix_mode ? p->unix_mode :
				      PS_HTTP_DEFAULT_UNIX_MODE, p->unix_group);
		if (rc < 0)
			return rc;
	}
	if (p->tcp_listen != NULL) {
		rc = http_listen_tcp(s, p->tcp_listen);
		if (rc < 0)
			return rc;
	}
	return 0;
}

struct ps_http_server *
ps_http_server_create(const struct ps_http_params *p, ps_http_handler handler,
		      void *ctx)
{
	struct ps_http_server *s;
	int rc;

	if (p == NULL || handler == NULL ||
	    (p->unix_path == NULL && p->tcp_listen == NULL) ||
	    p->unix_mode > 07777) {
		rte_errno = EINVAL;
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	s->epfd = -1;
	TAILQ_INIT(&s->conns);
	TAILQ_INIT(&s->pending);
	s->handler = handler;
	s->ctx = ctx;
	s->tcp_port = -ENOENT;
	s->max_clients = p->max_clients ? p->max_clients :
		PS_HTTP_DEFAULT_MAX_CLIENTS;
	s->max_header = p->max_header_bytes ? p->max_header_bytes :
		PS_HTTP_DEFAULT_MAX_HEADER;
	s->max_body = p->max_body_bytes ? p->max_body_bytes :
		PS_HTTP_DEFAULT_MAX_BODY;
	s->header_to = p->header_timeout_ms ? p->header_timeout_ms :
		PS_HTTP_DEFAULT_HEADER_TIMEOUT;
	s->body_to = p->body_timeout_ms ? p->body_timeout_ms :
		PS_HTTP_DEFAULT_BODY_TIMEOUT;
	s->idle_to = p->idle_timeout_ms ? p->idle_timeout_ms :
		PS_HTTP_DEFAULT_IDLE_TIMEOUT;
	s->next_deadline = UINT64_MAX;
	s->now = http_now_ms();
	if (p->bearer_token != NULL && p->bearer_token[0] != '\0') {
		s->token = strdup(p->bearer_token);
		s->token_len = strlen(p->bearer_token);
		if (s->token == NULL) {
			rc = -ENOMEM;
			goto err;
		}
	}
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (s->epfd < 0) {
		rc = -errno;
		goto err;
	}
	rc = server_open(s, p);
	if (rc < 0)
		goto err;
	return s;
err:
	ps_http_server_free(s);
	rte_errno = -rc;
	return NULL;
}

void
ps_http_server_free(struct ps_http_server *s)
{
	if (s == NULL)
		return;
	while (!TAILQ_EMPTY(&s->conns))
		http_conn_free(TAILQ_FIRST(&s->conns));
	http_listen_close(s);
	if (s->epfd >= 0)
		close(s->epfd);
	free(s->token);
	free(s);
}

static void
accept_resume(struct ps_http_server *s)
{
	unsigned int i;

	for (i = 0; i < s->nb_lsn; i++) {
		struct epoll_event ev = {
			.events = EPOLLIN, .data.ptr = &s->lsn[i],
		};

		epoll_ctl(s->epfd, EPOLL_CTL_MOD, s->lsn[i].fd, &ev);
	}
	s->accept_paused = false;
}

/* How long epoll may sleep at now without missing a deadline. */
static int
poll_wait_ms(const struct ps_http_server *s, uint64_t now, int timeout_ms)
{
	uint64_t until = s->next_deadline, d;

	if (!TAILQ_EMPTY(&s->pending))
		return 0;
	if (s->accept_paused && s->accept_resume < until)
		until = s->accept_resume;
	if (until == UINT64_MAX)
		return timeout_ms;
	d = until > now ? until - now : 0;
	if (timeout_ms >= 0 && d > (uint64_t)timeout_ms)
		return timeout_ms;
	return d > INT_MAX ? INT_MAX : (int)d;
}

/* Expire what is due and find the next deadline. */
static int
server_expire(struct ps_http_server *s)
{
	struct http_conn *c, *next;
	int n = 0;

	/* Connections that expire recompute their own deadline into it. */
	s->next_deadline = UINT64_MAX;
	for (c = TAILQ_FIRST(&s->conns); c != NULL; c = next) {
		next = TAILQ_NEXT(c, next);
		if (c->deadline <= s->now) {
			http_conn_expire(c);
			n++;
		} else if (c->deadline < s->next_deadline) {
			s->next_deadline = c->deadline;
		}
	}
	return n;
}

int
ps_http_server_poll(struct ps_http_server *s, int timeout_ms)
{
	struct epoll_event ev[POLL_EVENTS];
	struct http_conn_list todo;
	struct http_conn *c;
	int i, n;

	s->now = http_now_ms();
	n = epoll_wait(s->epfd, ev, POLL_EVENTS,
		       poll_wait_ms(s, s->now, timeout_ms));
	if (n < 0) {
		if (errno != EINTR)
			return -errno;
		n = 0;
	}
	s->now = http_now_ms();
	for (i = 0; i < n; i++) {
		struct http_ep *ep = ev[i].data.ptr;

		if (ep->kind == HTTP_EP_LISTEN)
			http_accept(s, (struct http_listener *)ep);
		else
			http_conn_event((struct http_conn *)ep, ev[i].events);
	}
	/* Work left by the per-connection budgets, oldest first; what is
	 * still left after this goes back for the next call. */
	TAILQ_INIT(&todo);
	TAILQ_CONCAT(&todo, &s->pending, pending_next);
	while ((c = TAILQ_FIRST(&todo)) != NULL) {
		TAILQ_REMOVE(&todo, c, pending_next);
		c->pending = false;
		http_conn_resume(c);
		n++;
	}
	if (s->accept_paused && s->now >= s->accept_resume)
		accept_resume(s);
	if (s->now >= s->next_deadline)
		n += server_expire(s);
	return n;
}

void
ps_http_server_stats(const struct ps_http_server *s,
		     struct ps_http_server_stats *st)
{
	*st = s->st;
}

int
ps_http_server_tcp_port(const struct ps_http_server *s)
{
	return s->tcp_port;
}

int
ps_http_server_fd(const struct ps_http_server *s)
{
	return s->epfd;
}

int
ps_http_server_next_ms(const struct ps_http_server *s)
{
	return poll_wait_ms(s, http_now_ms(), -1);
}
