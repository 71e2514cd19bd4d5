/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PS_AGENT_H
#define PS_AGENT_H

/*
 * podswitch-agent: the node agent that does kube-proxy's and flannel's job
 * for podswitch, and a network policy controller's. It lists and watches
 * Services, EndpointSlices, Nodes, Namespaces, Pods and NetworkPolicies
 * on the Kubernetes API server and programs the local podswitch daemon
 * over its REST API.
 *
 * Threads: one reflector per resource (reflector.c) keeps a store
 * (store.c) current and marks what changed; the sync thread (sync.c)
 * turns the changes into REST calls, coalesced over --batch-window, with
 * a full replace (PUT /v1/services, PUT /v1/routes) after every (re)list
 * and every --sync-period; Namespaces, Pods and NetworkPolicies go
 * object by object (policy.c); two small HTTP listeners (serve.c) answer
 * /healthz, /livez (healthz.c) and /metrics, /proxyMode (metrics.c).
 * Shared state is under agent.lock; the reflectors wake the sync thread
 * with agent.cond.
 *
 * Lock order: agent.lock, then a store's own lock. Nothing is held over a
 * network call.
 */

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* log.c ------------------------------------------------------------------ */
enum ag_level { AG_DEBUG, AG_INFO, AG_WARN, AG_ERR };
extern enum ag_level ag_log_level;
void ag_log(enum ag_level lvl, const char *comp, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
#define LOG_DEBUG(comp, ...) ag_log(AG_DEBUG, comp, __VA_ARGS__)
#define LOG_INFO(comp, ...) ag_log(AG_INFO, comp, __VA_ARGS__)
#define LOG_WARN(comp, ...) ag_log(AG_WARN, comp, __VA_ARGS__)
#define LOG_ERR(comp, ...) ag_log(AG_ERR, comp, __VA_ARGS__)
/* Monotonic and wall clocks in ms. */
uint64_t ag_now_ms(void);
uint64_t ag_wall_ms(void);
/* RFC 3339 with milliseconds, UTC, of a wall clock in ms. */
void ag_fmt_time(char *buf, size_t size, uint64_t wall_ms);

/* kubeconfig.c ------------------------------------------------------------ */
struct ag_kube {
	char *server;		/* https://host:port, no trailing '/' */
	char *ca_file, *ca_data;	/* data: PEM, decoded */
	size_t ca_len;
	char *token;
	char *cert_file, *cert_data;
	size_t cert_len;
	char *key_file, *key_data;
	size_t key_len;
	bool insecure;		/* insecure-skip-tls-verify */
};
/* 0, or -1 with one line on stderr naming the file and the problem. */
int ag_kubeconfig_load(const char *path, struct ag_kube *k);
int ag_kube_in_cluster(struct ag_kube *k);
void ag_kube_free(struct ag_kube *k);

/* http_k8s.c -------------------------------------------------------------- */
struct ag_buf {
	char *p;
	size_t len, cap;
};
void ag_buf_free(struct ag_buf *b);
/*
 * A request to the API server. Returns the HTTP status, or -1 when none
 * came (connection refused, timeout: err says which). body: request body
 * or NULL; ctype its Content-Type.
 */
int ag_k8s_request(const struct ag_kube *k, const char *method,
		   const char *path, const char *ctype, const char *body,
		   long timeout_ms, struct ag_buf *out, char *err,
		   size_t errlen);
/*
 * A watch: line(ev, arg) is called for each JSON line of the stream as it
 * comes; a non-zero return stops the stream. Returns as ag_k8s_request;
 * out gets the body of a non-200 answer.
 */
typedef int (*ag_line_fn)(const char *line, size_t len, void *arg);
int ag_k8s_stream(const struct ag_kube *k, const char *path, ag_line_fn line,
		  void *arg, long idle_timeout_ms, struct ag_buf *out,
		  char *err, size_t errlen, volatile int *stop);

/* podswitch.c: the daemon's REST API -------------------------------------- */
struct ag_ps {
	const char *socket;
	const char *token;	/* $PODSWITCH_TOKEN or NULL */
};
int ag_ps_request(const struct ag_ps *ps, const char *method,
		  const char *path, const char *body, size_t body_len,
		  struct ag_buf *out, char *err, size_t errlen);

/* store.c: one resource's objects by "ns/name" ----------------------------- */
struct ag_store;
struct ag_store *ag_store_new(void);
void ag_store_free(struct ag_store *s);
/* Takes the reference of obj. The previous object (a new reference, or
 * NULL) is returned for the caller to see what changed. */
json_t *ag_store_put(struct ag_store *s, json_t *obj);
json_t *ag_store_del(struct ag_store *s, const json_t *obj);
/* Replace the whole content by items (borrowed): after a list. */
void ag_store_replace(struct ag_store *s, const json_t *items);
/* A new reference to a snapshot array of every object. */
json_t *ag_store_list(struct ag_store *s);
json_t *ag_store_get(struct ag_store *s, const char *key);
size_t ag_store_size(struct ag_store *s);
/* "ns/name" (or "name") of an object into buf. */
void ag_obj_key(const json_t *obj, char *buf, size_t size);

/* reflector.c -------------------------------------------------------------- */
enum ag_refl_state { REFL_LISTING, REFL_WATCHING, REFL_BACKOFF };

struct agent;
struct ag_reflector {
	struct agent *ag;
	const char *name;		/* "services" */
	const char *path;		/* /api/v1/services */
	const char *kind;		/* "Service": list items carry none */
	const char *api_version;	/* "v1" */
	struct ag_store *store;
	/* called under agent.lock for each change (old/new may be NULL) */
	void (*changed)(struct agent *ag, const json_t *old,
			const json_t *new_obj);
	void (*relisted)(struct agent *ag);
	pthread_t thread;
	/* under agent.lock */
	enum ag_refl_state state;
	char rv[64];
	uint64_t last_contact_ms;
	uint64_t lists, watches, restarts, gone, events;
	char why[256];			/* the last watch's end, reflector only */
	bool connected;			/* the last watch got its 200 */
	unsigned int last_events;	/* events the last watch brought */
};
int ag_reflector_start(struct ag_reflector *r);

/* The agent ---------------------------------------------------------------- */
struct ag_options {
	const char *kubeconfig;
	const char *node_name;
	const char *socket;
	bool vxlan;
	const char *proxy_name;		/* NULL: only unlabelled services */
	const char *healthz_addr;
	const char *metrics_addr;
	uint64_t sync_period_ms;
	uint64_t batch_window_ms;
	uint64_t watch_timeout_s;	/* timeoutSeconds of a watch */
	unsigned int page_size;		/* limit of a list page */
};

/* The reflectors, in agent.refl: services, endpointslices, nodes (sync.c,
 * routes.c), then the three that policy.c sends. */
enum { AG_R_SVCS, AG_R_SLICES, AG_R_NODES, AG_R_NAMESPACES, AG_R_PODS,
       AG_R_NETPOLS, AG_NREFL };
/* policy.c's kinds, indexes of dirty_pol, need_full_pol, sent_pol */
enum { AG_P_NS, AG_P_POD, AG_P_NETPOL, AG_NPOL };

#define AG_HIST_BUCKETS 12
struct ag_metrics {
	uint64_t sync_count[AG_HIST_BUCKETS + 1];	/* per bucket, +Inf */
	double sync_sum_s;
	uint64_t syncs;
	uint64_t sync_errors;
	uint64_t full_syncs;
	uint64_t batches;
	uint64_t route_syncs;
	uint64_t last_sync_wall_ms;
};
extern const double ag_hist_bounds[AG_HIST_BUCKETS];

struct agent {
	struct ag_options opt;
	struct ag_kube kube;
	struct ag_ps ps;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	volatile int stop;
	struct ag_reflector refl[AG_NREFL];
	/* under lock: what the sync thread has to do */
	json_t *dirty_svcs;		/* "ns/name" -> true: service changed */
	json_t *dirty_slices;		/* "ns/service" -> true: its slices */
	bool need_full_svc, need_routes;
	json_t *dirty_pol[AG_NPOL];	/* key -> true: object changed */
	bool need_full_pol[AG_NPOL];	/* relisted: send the difference */
	uint64_t first_dirty_ms;	/* 0: nothing pending */
	/* under lock: health */
	uint64_t last_sync_wall_ms;	/* 0: never */
	uint64_t last_sync_ms;		/* monotonic of the same */
	struct ag_metrics m;
	/* sync thread only */
	json_t *sent_svcs;		/* "ns/name" the daemon has from us */
	json_t *my_routes;		/* dst -> route we last set */
	char node_ip[24], node_mac[24], cluster_cidr[24], pod_cidr[24];
	unsigned int vni;
	long long daemon_uptime;	/* s, at the last drift check */
	json_t *sent_pol[AG_NPOL];	/* key -> object as the daemon has it */
	long long pol_uptime;		/* s, policy.c's restart check */
};

/* sync.c */
void *ag_sync_main(void *arg);
void ag_svc_changed(struct agent *ag, const json_t *old, const json_t *obj);
void ag_slice_changed(struct agent *ag, const json_t *old, const json_t *obj);
void ag_node_changed(struct agent *ag, const json_t *old, const json_t *obj);
void ag_svcs_relisted(struct agent *ag);
void ag_nodes_relisted(struct agent *ag);
/* Whether the agent serves this Service (service-proxy-name label). */
bool ag_svc_selected(const struct agent *ag, const json_t *svc);

/* policy.c: Namespaces, Pods and NetworkPolicies to the daemon */
void ag_ns_changed(struct agent *ag, const json_t *old, const json_t *obj);
void ag_pod_changed(struct agent *ag, const json_t *old, const json_t *obj);
void ag_netpol_changed(struct agent *ag, const json_t *old,
		       const json_t *obj);
void ag_ns_relisted(struct agent *ag);
void ag_pods_relisted(struct agent *ag);
void ag_netpols_relisted(struct agent *ag);
/*
 * One pass (sync thread): the objects of dirty (keys, per kind) and,
 * for a kind in full, every object of its store and every one the daemon
 * or we think it has; what differs from what the daemon was sent goes as
 * POST /v1/apply Lists, what is gone as DELETEs. resync: check whether
 * the daemon restarted (then everything again). 0, or -1 when something
 * must be tried again (full).
 */
int ag_policy_sync(struct agent *ag, json_t *const dirty[AG_NPOL],
		   bool full[AG_NPOL], bool resync);

/* routes.c: the daemon's routes to the other Nodes' pod CIDRs, as a
 * whole (PUT /v1/routes); our Node annotated for flannel in vxlan mode.
 * 0 or -1 after logging. */
int ag_routes_sync(struct agent *ag);

/* serve.c: a tiny HTTP/1.1 listener for the side endpoints */
typedef int (*ag_serve_fn)(struct agent *ag, const char *path,
			   struct ag_buf *body, const char **ctype);
int ag_serve_start(struct agent *ag, const char *addr, ag_serve_fn fn,
		   const char *what);
/* healthz.c, metrics.c: the handlers (status code returned) */
int ag_healthz(struct agent *ag, const char *path, struct ag_buf *body,
	       const char **ctype);
int ag_metrics(struct agent *ag, const char *path, struct ag_buf *body,
	       const char **ctype);
void ag_metrics_sync(struct agent *ag, double seconds, bool ok);

/* util */
int ag_buf_printf(struct ag_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int ag_buf_add(struct ag_buf *b, const void *p, size_t n);

#endif
