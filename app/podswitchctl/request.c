/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the commands share: the request (and the hint when the socket is
 * not there), the file of the commands that change something.
 */
#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ctl.h"

/* Enough to recognise a socket directory, short enough for one line. */
#define HINT_MAX_SOCKETS 6

/*
 * Why the socket was the wrong one, on the error's line: where its path
 * came from, how to give another, and the sockets in CTL_SOCKET_DIR (the
 * shipped configurations name their own there, e.g. node-a.sock). They
 * are listed, not probed: vhost-user sockets may live there too.
 */
static void
socket_hint(const struct ctl *c, char *buf, size_t size)
{
	size_t i, n = 0, len;
	struct stat st;
	glob_t g;
	int grc;

	len = (size_t)snprintf(buf, size, "%s; give the daemon's "
			       "api.unix_socket with --socket PATH or "
			       "PODSWITCH_SOCKET; ", c->socket_from);
	grc = glob(CTL_SOCKET_DIR "/*.sock", 0, NULL, &g);
	for (i = 0; grc == 0 && i < g.gl_pathc && len < size; i++) {
		if (strcmp(g.gl_pathv[i], c->socket_path) == 0 ||
		    stat(g.gl_pathv[i], &st) != 0 || !S_ISSOCK(st.st_mode))
			continue;
		if (n == HINT_MAX_SOCKETS) {
			len += (size_t)snprintf(buf + len, size - len, " ...");
			break;
		}
		len += (size_t)snprintf(buf + len, size - len, "%s%s",
					n == 0 ? "sockets in " CTL_SOCKET_DIR
					": " : " ", g.gl_pathv[i]);
		n++;
	}
	if (n == 0 && len < size)
		snprintf(buf + len, size - len, "no other socket in "
			 CTL_SOCKET_DIR);
	if (grc == 0)
		globfree(&g);
}

int
http_request(const struct ctl *c, const char *method, const char *path,
	     const char *body, size_t body_len, struct ps_http_reply *r)
{
	char err[512];
	struct ps_http_peer p = {
		.socket_path = c->socket_path, .tcp = c->tcp,
		.token = c->token, .user_agent = "podswitchctl",
		.err = err, .err_size = sizeof(err),
	};

	if (ps_http_request(&p, method, path, body, body_len, r) < 0) {
		/* http_client's words for a socket it could not reach. */
		static const char no_conn[] = "cannot connect to ";
		char hint[1024];

		if (c->tcp == NULL &&
		    strncmp(err, no_conn, sizeof(no_conn) - 1) == 0) {
			socket_hint(c, hint, sizeof(hint));
			ctl_err("%s (%s)", err, hint);
		} else {
			ctl_err("%s", err);
		}
		return -1;
	}
	return 0;
}

/* Send a change; its reply is printed by --json only, or handed back. */
int
ctl_change_reply(const struct ctl *c, const char *method, const char *path,
		 const char *body, size_t len, json_t **out)
{
	struct ps_http_reply r;
	int rc = CTL_EXIT_OK;

	if (out != NULL)
		*out = NULL;
	if (http_request(c, method, path, body, len, &r) < 0)
		return CTL_EXIT_FAIL;
	if (r.status >= 300)
		rc = ctl_http_failed(&r);
	else if (c->json && r.body_len > 0)
		ctl_print_body(&r);
	else if (!c->json && out != NULL && r.body_len > 0) {
		/* A reply the text output cannot read prints nothing, as
		 * before: the change itself succeeded. */
		*out = json_loadb(r.body, r.body_len, 0, NULL);
	}
	ps_http_reply_free(&r);
	return rc;
}

int
ctl_change(const struct ctl *c, const char *method, const char *path,
	   const char *body, size_t len)
{
	return ctl_change_reply(c, method, path, body, len, NULL);
}

char *
ctl_read_file(const char *name, size_t *len)
{
	FILE *f = strcmp(name, "-") == 0 ? stdin : fopen(name, "r");
	size_t cap = 65536, n = 0, r;
	char *buf, *nb;

	if (f == NULL) {
		ctl_err("cannot open %s: %s", name, strerror(errno));
		return NULL;
	}
	buf = malloc(cap);
	while (buf != NULL && (r = fread(buf + n, 1, cap - n, f)) > 0) {
		n += r;
		if (n == cap) {
			nb = realloc(buf, cap * 2);
			if (nb == NULL)
				free(buf);
			buf = nb;
			cap *= 2;
		}
	}
	if (buf == NULL)
		ctl_err("%s: out of memory", name);
	else if (ferror(f)) {
		ctl_err("cannot read %s: %s", name, strerror(errno));
		free(buf);
		buf = NULL;
	}
	if (f != stdin)
		fclose(f);
	*len = n;
	return buf;
}
