/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PODSWITCHCTL_CTL_H
#define PODSWITCHCTL_CTL_H

/*
 * podswitchctl: the daemon's REST client (docs/design.md section 3). It links
 * jansson and libc only, so that it runs where DPDK is not installed.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#include <podswitch/http_client.h>

/*
 * The daemon's default api.unix_socket (lib/config/config_parse.c): both
 * must change together, or a bare "podswitchctl status" finds nothing.
 * The shipped configurations put theirs beside it, in CTL_SOCKET_DIR,
 * which is where a failed connection looks for other sockets.
 */
#define CTL_SOCKET_DIR "/run/podswitch"
#define CTL_DEFAULT_SOCKET CTL_SOCKET_DIR "/api.sock"

#define CTL_EXIT_OK 0
#define CTL_EXIT_FAIL 1
#define CTL_EXIT_USAGE 2

struct ctl {
	const char *socket_path;	/* Unix socket, when tcp is NULL */
	const char *socket_from;	/* who chose it, for the errors */
	const char *tcp;		/* "host:port" */
	const char *token;		/* bearer token or NULL */
	bool json;			/* print the server's JSON as is */
};


/* request.c */
/*
 * Send one request (body may be NULL) and read the whole reply. Returns 0,
 * or -1 having printed the one-line reason (connection, I/O, bad reply).
 */
int http_request(const struct ctl *c, const char *method, const char *path,
		 const char *body, size_t body_len, struct ps_http_reply *r);

/* output.c */
void ctl_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int ctl_usage_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

/* usage.c */
/* The whole usage on stdout; on stderr, its first line only. */
void ctl_usage(FILE *f);
/* COMMAND's usage on stdout and 0, or a usage error if there is none. */
int ctl_command_help(const char *cmd);

/* output.c */
/* Status >= 300: print "<status> <code>: <message>", return 1. */
int ctl_http_failed(const struct ps_http_reply *r);
/* GET path; on 2xx, the parsed body in *out (or, with --json, printed). */
int ctl_get_json(const struct ctl *c, const char *path, json_t **out);
/* Print a reply body verbatim (--json), ending with one newline. */
void ctl_print_body(const struct ps_http_reply *r);

/* Columns aligned on their widest cell, like "ip -br" and ovs-appctl. */
struct table;
struct table *table_new(unsigned int ncols, ...);
void table_row(struct table *t, ...);
void table_print(struct table *t, const char *indent);
void table_free(struct table *t);
/* A JSON value as table text ("-" for null or missing). */
const char *jstr(const json_t *o, const char *key, char *buf, size_t size);

/* request.c */
/*
 * Send a request whose success has nothing to show but --json's body;
 * returns the exit code (a failure printed as ctl_http_failed does).
 */
int ctl_change(const struct ctl *c, const char *method, const char *path,
	       const char *body, size_t len);
/*
 * ctl_change, and on success without --json the reply's JSON in *out
 * (NULL when there is no body), for the caller to summarise; json_decref.
 */
int ctl_change_reply(const struct ctl *c, const char *method,
		     const char *path, const char *body, size_t len,
		     json_t **out);
/* FILE ("-" = stdin) whole, malloc'ed; NULL having said why. */
char *ctl_read_file(const char *name, size_t *len);

/* Command groups: argc/argv start after the command name. */
int cmd_status(const struct ctl *c, int argc, char **argv);
int cmd_route(const struct ctl *c, int argc, char **argv);
int cmd_port(const struct ctl *c, int argc, char **argv);
int cmd_fdb(const struct ctl *c, int argc, char **argv);
int cmd_neigh(const struct ctl *c, int argc, char **argv);
int cmd_stats(const struct ctl *c, int argc, char **argv);
int cmd_metrics(const struct ctl *c, int argc, char **argv);
int cmd_service(const struct ctl *c, int argc, char **argv);
int cmd_apply(const struct ctl *c, int argc, char **argv);
int cmd_conntrack(const struct ctl *c, int argc, char **argv);
int cmd_policy(const struct ctl *c, int argc, char **argv);
int cmd_log(const struct ctl *c, int argc, char **argv);
int cmd_trace(const struct ctl *c, int argc, char **argv);
int cmd_capture(const struct ctl *c, int argc, char **argv);
int cmd_top(const struct ctl *c, int argc, char **argv);

#endif
