/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PS_REST_PRIVATE_H
#define PS_REST_PRIVATE_H

/*
 * Inside the REST API. Files: rest_server.c (create, poll, free),
 * rest_router.c (method + path to a handler, 404/405), rest_json.c (bodies,
 * replies and the address and port helpers every handler shares),
 * rest_routes.c, rest_ports.c, rest_tables.c (fdb, neighbors), rest_status.c (status,
 * stats), rest_metrics.c (Prometheus text).
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
#include <podswitch/service.h>

#define REST_LOG(level, ...) \
	rte_log(RTE_LOG_ ## level, ps_logtype_api, "rest: " __VA_ARGS__)

/* What GET /v1/routes calls the pod segment, which is no single port. */
#define REST_DEV_SEGMENT "pod-segment"

/* healthCheckNodePort listeners (rest_healthz.c) */
#define REST_MAX_HEALTHZ 32
struct rest_healthz {
	struct ps_rest *rest;
	struct ps_http_server *srv;	/* NULL: slot free */
	uint16_t port;
	char ns[PS_K8S_NAME_MAX];
	char name[PS_K8S_NAME_MAX];
};

/* what of the state directory is behind the tables (rest_state.c) */
enum rest_state_kind {
	REST_STATE_PORTS,
	REST_STATE_ROUTES,
	REST_STATE_SERVICES,
	REST_STATE_KINDS,
};

struct rest_state {
	bool dirty[REST_STATE_KINDS];
	uint64_t write_cycles[REST_STATE_KINDS];	/* the last write took */
	uint64_t last_write[REST_STATE_KINDS];	/* TSC when it ended */
	bool failing[REST_STATE_KINDS];	/* the last write failed (logged) */
	bool restoring;		/* replaying the files: nothing to write */
};

struct ps_rest {
	struct ps_dataplane *dp;
	struct rest_state state;
	struct ps_http_server *srv;
	struct rest_healthz healthz[REST_MAX_HEALTHZ];
	uint64_t healthz_checked;	/* TSC of the last sync */
	uint16_t healthz_failed;	/* port last refused, logged once */
};

/* rest_healthz.c: follow the Local services' health check ports and
 * answer on them; called on every poll of the API. */
void rest_healthz_poll(struct ps_rest *r);
void rest_healthz_free(struct ps_rest *r);

/* rest_state.c: a request to resource ("routes", "ports", ...) was
 * answered with status; write what changed now or mark it for the poll. */
void rest_state_changed(struct ps_rest *r, const char *resource, int status);
/* Write what is marked (paced; everything when force). */
void rest_state_poll(struct ps_rest *r, bool force);

/* A handler; arg is the decoded last path segment of a "/.../{x}" route. */
typedef void (*rest_fn)(struct ps_rest *r, const struct ps_http_request *req,
			struct ps_http_response *resp, const char *arg);

/* rest_router.c: the ps_http_handler of the server. */
void rest_dispatch(const struct ps_http_request *req,
		   struct ps_http_response *resp, void *ctx);

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

/* rest_vxlan.c: the overlay's counters for /v1/stats and /metrics. */
json_t *rest_vxlan_stats(const struct ps_dataplane *dp);
void rest_vxlan_metrics(FILE *f, const struct ps_dataplane *dp);

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

/* Handlers */
void rest_status_get(struct ps_rest *r, const struct ps_http_request *req,
		     struct ps_http_response *resp, const char *arg);
void rest_stats_get(struct ps_rest *r, const struct ps_http_request *req,
		    struct ps_http_response *resp, const char *arg);
void rest_metrics_get(struct ps_rest *r, const struct ps_http_request *req,
		      struct ps_http_response *resp, const char *arg);
void rest_routes_get(struct ps_rest *r, const struct ps_http_request *req,
		     struct ps_http_response *resp, const char *arg);
void rest_routes_post(struct ps_rest *r, const struct ps_http_request *req,
		      struct ps_http_response *resp, const char *arg);
void rest_routes_put(struct ps_rest *r, const struct ps_http_request *req,
		     struct ps_http_response *resp, const char *arg);
void rest_route_delete(struct ps_rest *r, const struct ps_http_request *req,
		       struct ps_http_response *resp, const char *arg);
void rest_ports_get(struct ps_rest *r, const struct ps_http_request *req,
		    struct ps_http_response *resp, const char *arg);
void rest_ports_post(struct ps_rest *r, const struct ps_http_request *req,
		     struct ps_http_response *resp, const char *arg);
void rest_port_get(struct ps_rest *r, const struct ps_http_request *req,
		   struct ps_http_response *resp, const char *arg);
void rest_port_delete(struct ps_rest *r, const struct ps_http_request *req,
		      struct ps_http_response *resp, const char *arg);
void rest_fdb_get(struct ps_rest *r, const struct ps_http_request *req,
		  struct ps_http_response *resp, const char *arg);
void rest_neighbors_get(struct ps_rest *r, const struct ps_http_request *req,
			struct ps_http_response *resp, const char *arg);
/* rest_services.c */
/* Conntrack, services and NAT ports into a "tables" object (detail: the
 * counters of /v1/stats, else entries and size as /v1/status has them). */
void rest_lb_tables(const struct ps_dataplane *dp, json_t *tables,
		    bool detail);
void rest_services_get(struct ps_rest *r, const struct ps_http_request *req,
		       struct ps_http_response *resp, const char *arg);
void rest_service_get(struct ps_rest *r, const struct ps_http_request *req,
		      struct ps_http_response *resp, const char *arg);
void rest_service_put(struct ps_rest *r, const struct ps_http_request *req,
		      struct ps_http_response *resp, const char *arg);
void rest_service_delete(struct ps_rest *r, const struct ps_http_request *req,
			 struct ps_http_response *resp, const char *arg);
void rest_service_endpoints_put(struct ps_rest *r,
				const struct ps_http_request *req,
				struct ps_http_response *resp,
				const char *arg);
void rest_services_put(struct ps_rest *r, const struct ps_http_request *req,
		       struct ps_http_response *resp, const char *arg);
void rest_apply_post(struct ps_rest *r, const struct ps_http_request *req,
		     struct ps_http_response *resp, const char *arg);
void rest_conntrack_get(struct ps_rest *r, const struct ps_http_request *req,
			struct ps_http_response *resp, const char *arg);
void rest_conntrack_delete(struct ps_rest *r,
			   const struct ps_http_request *req,
			   struct ps_http_response *resp, const char *arg);

#endif
