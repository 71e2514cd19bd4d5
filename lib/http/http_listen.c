/* SPDX-License-Identifier: BSD-3-Clause */
/* The listening sockets (Unix, TCP) and accepting clients from them. */
#include <arpa/inet.h>
#include <errno.h>
#include <grp.h>
#include <libgen.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "http_private.h"

#define LISTEN_BACKLOG 1024
/* accept() calls per listener event; the rest waits for the next poll */
#define ACCEPT_BURST 64
/* after EMFILE and the like, stop accepting for a while instead of spinning */
#define ACCEPT_PAUSE_MS 100

static struct http_listener *
listener_add(struct ps_http_server *s, int fd, bool is_unix)
{
	struct http_listener *l = &s->lsn[s->nb_lsn];
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = l };

	if (listen(fd, LISTEN_BACKLOG) < 0 ||
	    epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		return NULL;
	l->ep.kind = HTTP_EP_LISTEN;
	l->fd = fd;
	l->is_unix = is_unix;
	s->nb_lsn++;
	return l;
}

static int
group_id(const char *name, gid_t *gid)
{
	struct group gr, *res = NULL;
	size_t sz = 16384;
	char *buf, *end;
	int rc;

	for (;;) {
		buf = malloc(sz);
		if (buf == NULL)
			return -ENOMEM;
		rc = getgrnam_r(name, &gr, buf, sz, &res);
		if (rc != ERANGE || sz >= (1u << 20))
			break;
		free(buf);
		sz *= 4;
	}
	if (rc == 0 && res != NULL) {
		*gid = gr.gr_gid;
		free(buf);
		return 0;
	}
	free(buf);
	/* a number names a group even without an entry in the database */
	errno = 0;
	*gid = (gid_t)strtoul(name, &end, 10);
	if (name[0] != '\0' && *end == '\0' && errno == 0)
		return 0;
	return -ENOENT;
}

/*
 * A socket file nobody listens on is what a crashed daemon leaves: replace
 * it. One with a listener is another daemon: refuse. Anything else is not
 * ours to delete.
 */
static int
unix_clear_stale(const struct sockaddr_un *sun)
{
	struct stat stb;
	int fd, rc;

	if (lstat(sun->sun_path, &stb) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(stb.st_mode))
		return -EEXIST;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	rc = connect(fd, (const struct sockaddr *)sun, sizeof(*sun));
	rc = rc == 0 ? 0 : errno;
	close(fd);
	/* EAGAIN: a live listener with a full backlog */
	if (rc == 0 || rc == EAGAIN)
		return -EADDRINUSE;
	if (rc != ECONNREFUSED)
		return -rc;
	HTTP_LOG(INFO, "replacing stale socket %s\n", sun->sun_path);
	if (unlink(sun->sun_path) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

static int
mkdir_parent(const char *path)
{
	char *copy = strdup(path);
	int rc = 0;

	if (copy == NULL)
		return -ENOMEM;
	if (mkdir(dirname(copy), 0755) < 0 && errno != EEXIST)
		rc = -errno;
	free(copy);
	return rc;
}

int
http_listen_unix(struct ps_http_server *s, const char *path,
		 unsigned int mode, const char *group)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct stat stb;
	gid_t gid = (gid_t)-1;
	int fd, rc;

	if (path[0] == '\0')
		return -EINVAL;
	if (strlen(path) >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	strcpy(sun.sun_path, path);
	if (group != NULL && group[0] != '\0') {
		rc = group_id(group, &gid);
		if (rc < 0) {
			HTTP_LOG(ERR, "unknown group %s for %s\n", group, path);
			return rc;
		}
	}
	rc = mkdir_parent(path);
	if (rc == 0)
		rc = unix_clear_stale(&sun);
	if (rc == -EADDRINUSE)
		HTTP_LOG(ERR, "%s: a server listens there (another podswitch?); "
			 "not replacing it\n", path);
	else if (rc == -EEXIST)
		HTTP_LOG(ERR, "%s exists and is not a socket; not replacing it\n",
			 path);
	if (rc < 0)
		return rc;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	/*
	 * Mode and group before listen(): until then a connect is refused,
	 * so there is no window in which the umask's mode lets anyone in,
	 * and no process-wide umask change under other threads.
	 */
	if (chmod(path, mode) < 0 || (gid != (gid_t)-1 &&
				      chown(path, (uid_t)-1, gid) < 0) ||
	    lstat(path, &stb) < 0) {
		rc = -errno;
		goto err;
	}
	s->unix_path = strdup(path);
	if (s->unix_path == NULL) {
		rc = -ENOMEM;
		goto err;
	}
	s->unix_dev = stb.st_dev;
	s->unix_ino = stb.st_ino;
	if (listener_add(s, fd, true) == NULL) {
		rc = -errno;
		goto err;
	}
	HTTP_LOG(INFO, "listening on %s (mode %04o)\n", path, mode);
	return 0;
err:
	HTTP_LOG(ERR, "cannot set up %s: %s\n", path, strerror(-rc));
	unlink(path);
	close(fd);
	free(s->unix_path);
	s->unix_path = NULL;
	return rc;
}

/* "ADDR:PORT", "[ADDR6]:PORT", ":PORT" or "PORT"; no host is loopback. */
static int
parse_listen(const char *spec, struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	char host[INET6_ADDRSTRLEN + 2];
	const char *port, *colon = strrchr(spec, ':');
	unsigned long pn;
	size_t hl;
	char *end;

	port = colon != NULL ? colon + 1 : spec;
	hl = colon != NULL ? (size_t)(colon - spec) : 0;
	if (*port == '\0' || hl >= sizeof(host))
		return -EINVAL;
	errno = 0;
	pn = strtoul(port, &end, 10);
	if (*end != '\0' || errno != 0 || pn > 65535 || *port == '-' ||
	    *port == '+' || *port == ' ')
		return -EINVAL;
	memcpy(host, spec, hl);
	host[hl] = '\0';
	memset(ss, 0, sizeof(*ss));
	if (hl > 2 && host[0] == '[' && host[hl - 1] == ']') {
		host[hl - 1] = '\0';
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)pn);
		*len = sizeof(*sin6);
		return inet_pton(AF_INET6, host + 1, &sin6->sin6_addr) == 1 ?
			0 : -EINVAL;
	}
	sin->sin_family = AF_INET;
	sin->sin_port = htons((uint16_t)pn);
	*len = sizeof(*sin);
	if (hl == 0 || strcmp(host, "localhost") == 0) {
		sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		return 0;
	}
	return inet_pton(AF_INET, host, &sin->sin_addr) == 1 ? 0 : -EINVAL;
}

static bool
is_loopback(const struct sockaddr_storage *ss)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;

	if (ss->ss_family == AF_INET)
		return (ntohl(sin->sin_addr.s_addr) >> 24) == 127;
	return IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr);
}

int
http_listen_tcp(struct ps_http_server *s, const char *spec)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, rc, one = 1;

	rc = parse_listen(spec, &ss, &len);
	if (rc < 0) {
		HTTP_LOG(ERR, "bad listen address \"%s\"\n", spec);
		return rc;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
		    0);
	if (fd < 0)
		return -errno;
	/* a restart must not wait for the old connections' TIME_WAIT */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0 ||
	    getsockname(fd, (struct sockaddr *)&ss, &len) < 0 ||
	    listener_add(s, fd, false) == NULL) {
		rc = -errno;
		HTTP_LOG(ERR, "cannot listen on %s: %s\n", spec, strerror(-rc));
		close(fd);
		return rc;
	}
	s->tcp_port = ntohs(ss.ss_family == AF_INET ?
			    ((struct sockaddr_in *)&ss)->sin_port :
			    ((struct sockaddr_in6 *)&ss)->sin6_port);
	if (!is_loopback(&ss))
		HTTP_LOG(WARNING, "API listens on non-loopback %s%s\n", spec,
			 s->token == NULL ? " without a bearer token" : "");
	HTTP_LOG(INFO, "listening on %s (port %d)\n", spec, s->tcp_port);
	return 0;
}

void
http_listen_close(struct ps_http_server *s)
{
	struct stat stb;
	unsigned int i;

	for (i = 0; i < s->nb_lsn; i++)
		close(s->lsn[i].fd);
	s->nb_lsn = 0;
	/* Only our own file: a new daemon may already have replaced it. */
	if (s->unix_path != NULL && lstat(s->unix_path, &stb) == 0 &&
	    stb.st_dev == s->unix_dev && stb.st_ino == s->unix_ino)
		unlink(s->unix_path);
	free(s->unix_path);
	s->unix_path = NULL;
}

/*
 * Over max_clients: answer 503 right away and close. Reading what the
 * client already sent first makes close() send FIN, not RST, so that the
 * answer is not lost.
 */
static void
refuse(struct ps_http_server *s, int fd)
{
	static const char body[] = "{\"error\": {\"code\": \"unavailable\", "
		"\"message\": \"too many clients\"}}\n";
	char resp[256], drain[4096];
	int n;

	n = snprintf(resp, sizeof(resp), "HTTP/1.1 503 Service Unavailable\r\n"
		     "Content-Type: application/json\r\n"
		     "Content-Length: %zu\r\nRetry-After: 1\r\n"
		     "Connection: close\r\n\r\n%s", sizeof(body) - 1, body);
	if (send(fd, resp, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		HTTP_LOG(DEBUG, "refused client: %s\n", strerror(errno));
	while (recv(fd, drain, sizeof(drain), MSG_DONTWAIT) > 0)
		;
	shutdown(fd, SHUT_WR);
	close(fd);
	s->st.refused++;
}

int
http_accept(struct ps_http_server *s, struct http_listener *l)
{
	struct epoll_event ev = { 0 };
	unsigned int j;
	int i, fd, n = 0, one = 1;

	for (i = 0; i < ACCEPT_BURST; i++) {
		fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EAGAIN || errno == EINTR ||
			    errno == ECONNABORTED)
				break;
			s->st.accept_errors++;
			HTTP_LOG(WARNING, "accept: %s; pausing\n",
				 strerror(errno));
			/* level-triggered: leaving it armed would spin */
			for (j = 0; j < s->nb_lsn; j++)
				epoll_ctl(s->epfd, EPOLL_CTL_MOD, s->lsn[j].fd,
					  &ev);
			s->accept_paused = true;
			s->accept_resume = s->now + ACCEPT_PAUSE_MS;
			break;
		}
		if (s->st.connections_open >= s->max_clients) {
			refuse(s, fd);
			continue;
		}
		/* A response is one write; Nagle would only delay the
		 * next pipelined one behind a delayed ACK. */
		if (!l->is_unix)
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
				   sizeof(one));
		if (http_conn_new(s, fd) == NULL) {
			close(fd);
			s->st.accept_errors++;
			continue;
		}
		n++;
	}
	return n;
}
