/* SPDX-License-Identifier: BSD-3-Clause */
/* What the commands that change something share: the request, the file. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

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
		ctl_err("%s", err);
		return -1;
	}
	return 0;
}

/* Send a request whose success has nothing to show but --json's body. */
int
ctl_change(const struct ctl *c, const char *method, const char *path,
       const char *body, size_t len)
{
	struct ps_http_reply r;
	int rc = CTL_EXIT_OK;

	if (http_request(c, method, path, body, len, &r) < 0)
		return CTL_EXIT_FAIL;
	if (r.status >= 300)
		rc = ctl_http_failed(&r);
	else if (c->json && r.body_len > 0)
		ctl_print_body(&r);
	ps_http_reply_free(&r);
	return rc;
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
