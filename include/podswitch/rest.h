/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PODSWITCH_REST_H
#define PODSWITCH_REST_H

/*
 * The REST API of docs/design.md section 3 (/v1/status, /v1/routes, /v1/fdb,
 * /v1/neighbors, /v1/stats, /metrics) on top of the HTTP server of api.h.
 *
 * It runs in the management thread, the single writer of the tables: a
 * handler that changes routes calls the tables' writer functions directly,
 * with no lock. Whoever polls the server must be that thread (the daemon's
 * management thread, or a test thread that also runs ps_mgmt_poll()).
 */

struct ps_dataplane;
struct ps_rest;

/*
 * Listen where dp->cfg says: api.unix_socket (mode 0660, group
 * api.socket_group), api.listen (TCP), api.token (bearer). Returns NULL
 * with rte_errno set, having logged the reason with the path.
 */
struct ps_rest *ps_rest_create(struct ps_dataplane *dp);
/* Serve for up to timeout_ms (see ps_http_server_poll). Returns its result. */
int ps_rest_poll(struct ps_rest *r, int timeout_ms);
/*
 * State directory (cfg->state_dir; nothing when empty): restore the
 * ports, routes and services its files hold, through the same checks as
 * API requests; a file that is damaged or not ours is set aside and
 * logged, a refused item logged and dropped. Call before the workers
 * start. 0, or -errno when the directory itself is unusable.
 */
int ps_rest_state_restore(struct ps_rest *r);
/* Write every change not yet written (at a clean stop). NULL is fine. */
void ps_rest_state_flush(struct ps_rest *r);
/* Close every connection and unlink the socket. NULL is fine. */
void ps_rest_free(struct ps_rest *r);
/* The epoll descriptor, readable when there is work (for tests). */
int ps_rest_fd(const struct ps_rest *r);

#endif
