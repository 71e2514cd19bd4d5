/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PS_REST_PRIVATE_H
#define PS_REST_PRIVATE_H

/*
 * Inside the REST API, shared by the modules' api/ folders. The server
 * (modules/infra/api): rest_server.c (create, poll, free), rest_router.c
 * (method + path to a registered handler, 404/405), rest_state.c (the
 * state directory), rest_json.c (bodies, replies and the address and port
 * helpers every handler shares), rest_ports.c, rest_status.c (status,
 * stats), rest_metrics.c (Prometheus text), rest_health.c (/healthz,
 * /readyz). Each module registers its own
 * handlers next to them: PS_REST_ROUTE, PS_REST_EXT, PS_REST_STATE.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include <rte_log.h>

#include <podswitch/http.h>
#include <podswitch/config.h>
#include <podswitch/dataplane.h>
#include <podswitch/port.h>
#include <podswitch/rest.h>

#define REST_LOG(level, ...) \
	rte_log(RTE_LOG_ ## level, ps_logtype_api, "rest: " __VA_ARGS__)

/* What GET /v1/routes calls the pod segment, which is no single port. */
#define REST_DEV_SEGMENT "pod-segment"

#define REST_CAT_(a, b) a ## b
#define REST_CAT(a, b) REST_CAT_(a, b)

/* Handlers --------------------------------------------------------------- */

/* A handler; arg is the decoded segment a "*" of its route took (the
 * last one when there are several). */
typedef void (*rest_fn)(struct ps_rest *r, const struct ps_http_request *req,
			struct ps_http_response *resp, const char *arg);

/* A registered route: method and path pattern to a handler. */
struct rest_route {
	const char *method;
	/* "/v1/ports/name": a segment "*" takes any one segment */
	const char *path;
	rest_fn fn;
	struct rest_route *next;	/* the router's */
};

/* Called by PS_REST_ROUTE before main(); aborts on a route taken. */
void rest_route_register(struct rest_route *rt);

/*
 * PS_REST_ROUTE("GET", "/v1/ports", rest_ports_get) next to the handler;
 * a path segment "*" takes any one segment. Whatever file or module
 * registers them, routes are tried literal segments before "*", then
 * GET, POST, PUT, DELETE: that is also the order of the methods in a
 * 405's Allow header.
 */
#define PS_REST_ROUTE(method, path, fn) \
	PS_REST_ROUTE_(method, path, fn, REST_CAT(rest_route_, __COUNTER__))
#define PS_REST_ROUTE_(m, p, f, var) \
	static struct rest_route var = { .method = (m), .path = (p), \
					 .fn = (f) }; \
	RTE_INIT(REST_CAT(var, _register)) \
	{ \
		rest_route_register(&var); \
	}

/* rest_router.c: the ps_http_handler of the server. */
void rest_dispatch(const struct ps_http_request *req,
		   struct ps_http_response *resp, void *ctx);
/* The handler of api.metrics_listen: GET /metrics, /healthz, /readyz
 * only; 405 for another method on them, 404 for any other path. */
void rest_dispatch_readonly(const struct ps_http_request *req,
			    struct ps_http_response *resp, void *ctx);

/* Extensions ------------------------------------------------------------- */

/*
 * What a module adds to the server beyond its routes: work on every poll
 * of the API (with private state of priv_size bytes per server, zeroed at
 * create, see rest_ext_priv), a top-level object of GET /v1/stats named
 * after it, families of GET /metrics. Every member but name is optional.
 */
struct rest_ext {
	const char *name;
	size_t priv_size;
	void (*poll)(struct ps_rest *r, void *priv);
	/* ps_rest_free: close what poll opened */
	void (*close)(struct ps_rest *r, void *priv);
	json_t *(*stats)(const struct ps_dataplane *dp);
	void (*metrics)(FILE *f, const struct ps_dataplane *dp);
	/* the server's */
	unsigned int idx;
	struct rest_ext *next;
};

#define REST_EXT_MAX 8

void rest_ext_register(struct rest_ext *e);
#define PS_REST_EXT(e) \
	RTE_INIT(REST_CAT(rest_ext_register_, e)) \
	{ \
		rest_ext_register(&(e)); \
	}
/* The registered extensions, in registration order; NULL ends. */
const struct rest_ext *rest_ext_next(const struct rest_ext *e);
void *rest_ext_priv(struct ps_rest *r, const struct rest_ext *e);

/* POST /v1/apply: kinds besides Services ------------------------------- */

/*
 * A kind of object POST /v1/apply hands to the module that serves it
 * (the service module parses its own Services and EndpointSlices), on
 * its own, as an item of a List, or in a <kind>List. apply_one runs
 * twice per apply: commit false for every object first (validate only:
 * a malformed one fails the whole request before anything changes),
 * then commit true; done (optional) once after the commits, when any
 * object of the kind was taken (one compile for a whole List).
 */
struct rest_apply_kind {
	const char *kind;		/* "Pod" */
	const char *list_kind;		/* "PodList" */
	const char *answer_key;		/* its count in the answer: "pods" */
	int (*apply_one)(struct ps_rest *r, const json_t *obj,
			 const char *path, bool commit, json_t *skipped,
			 struct ps_errors *errs);
	void (*done)(struct ps_rest *r);
	struct rest_apply_kind *next;	/* the registry's */
};

void rest_apply_kind_register(struct rest_apply_kind *k);
#define PS_REST_APPLY_KIND(k) \
	RTE_INIT(REST_CAT(rest_apply_kind_register_, k)) \
	{ \
		rest_apply_kind_register(&(k)); \
	}
/* The kind registered for kind or list kind name, else NULL. */
const struct rest_apply_kind *rest_apply_kind_find(const char *name);
/*
 * The registered kinds' objects of an apply body (the object itself,
 * or the items of a List), validated (commit false) or taken: answer
 * gets each kind's count under its answer_key. 0 or -errno with errs.
 */
int rest_apply_kinds(struct ps_rest *r, const json_t *body, bool commit,
		     json_t *answer, json_t *skipped, struct ps_errors *errs);

/* The state directory ---------------------------------------------------- */

/*
 * A kind of thing the API programs and the state directory keeps in a
 * file of its name: its content is the request that rebuilds the whole
 * set (restore_method, restore_path), or NULL to restore item by item
 * only. rest_state.c writes the file when a request to one of its
 * resources (the first path segment after /v1/) succeeded, and restores
 * the kinds in rank order at start.
 */
struct rest_state_kind {
	const char *name;
	unsigned int rank;	/* ports 0 first: routes may name them */
	const char *const *resources;	/* NULL-terminated */
	bool always_sync;	/* written before the reply, however slow */
	json_t *(*save)(const struct ps_dataplane *dp);
	const char *restore_method;
	const char *restore_path;
	/* after the whole set was taken back: how many it holds */
	unsigned int (*count)(const struct ps_dataplane *dp);
	/* the set refused whole: each item that can stand alone (log the
	 * refused ones with rest_state_refused); returns how many took */
	unsigned int (*restore_items)(struct ps_rest *r, const json_t *doc,
				      unsigned int *refused);
	/* the server's */
	unsigned int idx;
	struct rest_state_kind *next;
};

#define REST_STATE_KINDS_MAX 8

void rest_state_kind_register(struct rest_state_kind *k);
#define PS_REST_STATE(k) \
	RTE_INIT(REST_CAT(rest_state_register_, k)) \
	{ \
		rest_state_kind_register(&(k)); \
	}

struct rest_state {
	bool dirty[REST_STATE_KINDS_MAX];
	/* what the last write took; TSC when it ended */
	uint64_t write_cycles[REST_STATE_KINDS_MAX];
	uint64_t last_write[REST_STATE_KINDS_MAX];
	/* the last write failed (logged) */
	bool failing[REST_STATE_KINDS_MAX];
	/* replaying the files: nothing to write */
	bool restoring;
	/* ps_rest_state_restore() ended well (GET /readyz) */
	bool restored;
};

/* a request to resource ("routes", "ports", ...) was answered with
 * status; write what changed now or mark it for the poll */
void rest_state_changed(struct ps_rest *r, const char *resource, int status);
/* Write what is marked (paced; everything when force). */
void rest_state_poll(struct ps_rest *r, bool force);
/* Send one request through the router as a client would; returns the
 * status, with the error message in why when >= 300. */
int rest_replay(struct ps_rest *r, const char *method, const char *path,
		const char *body, size_t len, char *why, size_t why_size);
/* Log the n-th refused item of kind (the first few by name). */
void rest_state_refused(const char *kind, unsigned int n, const char *item,
			const char *why);

extern int ps_logtype_state;
#define STATE_LOG(level, ...) \
	rte_log(RTE_LOG_ ## level, ps_logtype_state, "state: " __VA_ARGS__)

/* The server ------------------------------------------------------------- */

struct ps_rest {
	struct ps_dataplane *dp;
	struct rest_state state;
	struct ps_http_server *srv;
	struct ps_http_server *metrics_srv;	/* api.metrics_listen; NULL */
	void *ext_priv[REST_EXT_MAX];
};

/* rest_json.c */
/* Send j (its reference is taken) as the body with status. */
void rest_reply(struct ps_http_response *resp, int status, json_t *j);
/* 400 with the error shape, message formatted. */
void rest_bad(struct ps_http_response *resp, const char *fmt, ...)
	__rte_format_printf(2, 3);
/*
 * Every problem of errs in one message (each names its JSON path): 507 for
 * -ENOSPC, 409 for -EEXIST, else 400; strerror(-rc) when errs is empty.
 */
void rest_reply_errors(struct ps_http_response *resp, int rc,
		       const struct ps_errors *errs);
/* Parse the request body as JSON; NULL after answering 400. */
json_t *rest_body(const struct ps_http_request *req,
		  struct ps_http_response *resp);
/* Text of addresses: ps_ip4_fmt() and ps_prefix4_fmt() (inet.h). */
json_t *rest_json_ip(uint32_t addr);
json_t *rest_json_mac(const struct rte_ether_addr *mac);
/* Name of a DPDK port id, REST_DEV_SEGMENT, or NULL if unknown. */
const char *rest_port_name(const struct ps_dataplane *dp, uint16_t port_id);
/* That name as a JSON string, or null. */
json_t *rest_json_port(const struct ps_dataplane *dp, uint16_t port_id);

/* rest_status.c: counters shared by /v1/stats and /metrics. */
struct rest_port_counters {
	const char *name;
	const char *role;
	const char *driver;
	struct ps_port_stats c;	/* what the port's backend counted */
};

/* Counters of the idx-th configured port. */
void rest_port_counters(const struct ps_dataplane *dp, unsigned int idx,
			struct rest_port_counters *pc);
/* rest_ports.c: the port at slot idx as JSON, with its counters or not. */
json_t *rest_port_json(const struct ps_dataplane *dp, unsigned int idx,
		       bool counters);
/* The counters of pc as a JSON object ("rx_packets" ... "tx_dropped"). */
json_t *rest_port_counters_json(const struct rest_port_counters *pc);
/* Split a drop node name "<node>.drop.<reason>"; false if it is none. */
bool rest_drop_node(const char *name, int *node_len, const char **reason);

#endif
