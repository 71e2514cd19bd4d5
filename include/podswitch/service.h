/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PODSWITCH_SERVICE_H
#define PODSWITCH_SERVICE_H

/*
 * Kubernetes services: the object model parsed from Kubernetes JSON
 * (Service, EndpointSlice, List), the service table that workers look up
 * per new connection, the schedulers, ClientIP session affinity and stats.
 *
 * Threads. The management thread is the only writer of services and
 * endpoints. Workers read the frontend hash (rte_hash, RW_CONCURRENCY_LF,
 * RCU) and an immutable endpoint snapshot per service port; a new endpoint
 * set is a new snapshot published with one pointer store, so a worker sees
 * the old set or the new one, never a mix. Old snapshots and service
 * ports are freed after an RCU grace period (ps_svc_reclaim).
 *
 * Sizes (cfg->services_size = S, cfg->endpoints_size = E):
 *  - at most S stored Service objects, S service ports, and S frontend
 *    keys (VIP:port/proto, like IPVS virtual services);
 *  - at most E endpoint records (one per service port and endpoint
 *    address:port, like IPVS real servers), counting records of removed
 *    endpoints that still have active connections (draining);
 *  - at most E endpoint addresses over all stored EndpointSlices.
 * An apply that would exceed any of them is refused as a whole (-ENOSPC),
 * nothing changes, stats.full counts it and the error names the item.
 *
 * Annotations (metadata.annotations of the Service; podswitch's own):
 *   podswitch.io/scheduler          rr (default) | wrr | lc | sh | maglev
 *   podswitch.io/wrr-weights        "10.244.0.5=3,10.244.1.7=1": weight
 *                                   0..1000 per endpoint IP, unlisted = 1;
 *                                   0 = no new connections (IPVS quiesce).
 *                                   Used by wrr only.
 *   podswitch.io/maglev-table-size  a prime 251..1048573, default 65537.
 *
 * SCTP service ports are rejected with an error naming the path: the
 * dataplane has no SCTP conntrack, and a service that silently lost a port
 * would black-hole it. Only IPv4 is served: a Service's IPv6 clusterIPs
 * are skipped (the IPv4 one is used; none = not programmed) and
 * EndpointSlices of addressType IPv6/FQDN are stored with the reason and
 * contribute no endpoint.
 */

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>
#include <rte_rcu_qsbr.h>

#include <podswitch/config.h>

extern int ps_logtype_svc;

#define PS_K8S_NAME_MAX 254	/* DNS subdomain 253 + NUL */
#define PS_K8S_PORT_NAME_MAX 64	/* DNS label 63 + NUL */
#define PS_SVC_REASON_MAX 96
#define PS_SVC_MAX_EP_PER_PORT 65535	/* snapshot indexes are 16-bit */
#define PS_SVC_AFFINITY_DEFAULT_S 10800
#define PS_SVC_MAGLEV_DEFAULT 65537
#define PS_SVC_WEIGHT_MAX 1000

/* Model ------------------------------------------------------------------ */

enum ps_svc_type {
	PS_SVC_CLUSTER_IP,
	PS_SVC_NODE_PORT,
	PS_SVC_LOAD_BALANCER,
	PS_SVC_EXTERNAL_NAME,
};

enum ps_svc_policy {
	PS_POLICY_CLUSTER,
	PS_POLICY_LOCAL,
};

enum ps_svc_sched {
	PS_SCHED_RR,
	PS_SCHED_WRR,
	PS_SCHED_LC,
	PS_SCHED_SH,
	PS_SCHED_MAGLEV,
	PS_SCHED_MAX,
};

struct ps_svc_port_spec {
	char name[PS_K8S_PORT_NAME_MAX];
	uint8_t proto;			/* IPPROTO_TCP / IPPROTO_UDP */
	uint16_t port;
	uint16_t node_port;		/* 0: none */
	uint16_t target_port;		/* 0: named (target_name) */
	char target_name[PS_K8S_PORT_NAME_MAX];
};

struct ps_wrr_weight {
	uint32_t ip;
	uint16_t weight;
};

struct ps_svc_spec {
	char ns[PS_K8S_NAME_MAX];
	char name[PS_K8S_NAME_MAX];
	char path[48];			/* JSON path of the item, for errors */
	enum ps_svc_type type;
	uint32_t cluster_ip;		/* network order; 0 when none/headless */
	bool headless;			/* clusterIP "None" */
	struct ps_svc_port_spec *ports;
	unsigned int nb_ports;
	bool affinity;			/* sessionAffinity ClientIP */
	uint32_t affinity_timeout;	/* seconds */
	enum ps_svc_policy etp;		/* externalTrafficPolicy */
	enum ps_svc_policy itp;		/* internalTrafficPolicy */
	uint32_t *external_ips;		/* externalIPs */
	unsigned int nb_external_ips;
	uint32_t *lb_ips;		/* loadBalancerIP + status ingress ips */
	unsigned int nb_lb_ips;
	struct ps_prefix4 *src_ranges;	/* loadBalancerSourceRanges */
	unsigned int nb_src_ranges;
	char *external_name;		/* ExternalName, malloc'ed */
	uint16_t health_check_node_port;
	enum ps_svc_sched sched;
	uint32_t maglev_size;
	struct ps_wrr_weight *weights;
	unsigned int nb_weights;
	bool proxy_label;		/* service.kubernetes.io/service-proxy-name */
	char proxy_name[PS_K8S_PORT_NAME_MAX];
	bool headless_label;		/* service.kubernetes.io/headless */
	/* "" = programmed; else why the dataplane does not serve it */
	char skip_reason[PS_SVC_REASON_MAX];
};

/* EndpointSlice conditions and our own locality, as snapshot flags. */
#define PS_EP_READY 0x01
#define PS_EP_SERVING 0x02
#define PS_EP_TERMINATING 0x04
#define PS_EP_LOCAL 0x08	/* nodeName is this node */
/* Topology (snapshot only): the endpoint has hints.forZones, and one of
 * them is this node's zone. */
#define PS_EP_ZONE_HINTS 0x10
#define PS_EP_ZONE_MINE 0x20

#define PS_ZONE_MAX 64		/* a label value: 63 + NUL */
#define PS_EP_MAX_ZONE_HINTS 8	/* Kubernetes' limit of forZones */

struct ps_zone_name {
	char name[PS_ZONE_MAX];
};

struct ps_eps_endpoint {
	uint32_t *addrs;		/* network order */
	unsigned int nb_addrs;
	uint8_t flags;			/* PS_EP_READY/SERVING/TERMINATING */
	char node[PS_K8S_NAME_MAX];	/* "" = unknown */
	struct ps_zone_name *zones;	/* hints.forZones, malloc'ed */
	unsigned int nb_zones;
};

struct ps_eps_port {
	char name[PS_K8S_PORT_NAME_MAX];
	uint8_t proto;
	uint16_t port;			/* 0: absent ("all ports") */
};

struct ps_eps_spec {
	char ns[PS_K8S_NAME_MAX];
	char name[PS_K8S_NAME_MAX];
	char service[PS_K8S_NAME_MAX];	/* kubernetes.io/service-name */
	char path[48];
	char address_type[8];		/* IPv4, IPv6, FQDN */
	struct ps_eps_endpoint *endpoints;
	unsigned int nb_endpoints;
	struct ps_eps_port *ports;
	unsigned int nb_ports;
	/* "" = used; else why it contributes nothing (e.g. addressType) */
	char skip_reason[PS_SVC_REASON_MAX];
};

/* A parsed document: any number of Services and EndpointSlices. */
struct ps_k8s_doc {
	struct ps_svc_spec *svcs;
	unsigned int nb_svcs;
	struct ps_eps_spec *slices;
	unsigned int nb_slices;
};

/*
 * Parse a Service, an EndpointSlice, or a List / ServiceList /
 * EndpointSliceList of them (kubectl get svc,endpointslices -A -o json).
 * Fields Kubernetes prints that we do not use are accepted; a field we use
 * with a wrong type or a bad value is an error "<path>: <why>", the path
 * starting at the document root ("items[3].spec.ports[0].port"). Returns
 * 0, or -EINVAL with every problem in errs and doc left empty.
 */
int ps_k8s_parse(const char *text, size_t len, struct ps_k8s_doc *doc,
		 struct ps_errors *errs);
int ps_k8s_parse_json(const json_t *root, struct ps_k8s_doc *doc,
		      struct ps_errors *errs);
void ps_k8s_doc_free(struct ps_k8s_doc *doc);

/*
 * Back to Kubernetes shapes (for the state file, and to compare items):
 * the fields above, in the form the parser takes, so an object read
 * back can be applied as is. A new reference, or NULL without memory.
 */
json_t *ps_k8s_svc_to_json(const struct ps_svc_spec *s);
json_t *ps_k8s_slice_to_json(const struct ps_eps_spec *s);

const char *ps_svc_type_name(enum ps_svc_type t);
const char *ps_svc_sched_name(enum ps_svc_sched s);
const char *ps_svc_policy_name(enum ps_svc_policy p);

/* Service table -------------------------------------------------------------- */

enum ps_svc_fe_kind {
	PS_FE_CLUSTER,		/* clusterIP:port */
	PS_FE_NODEPORT,		/* <local address>:nodePort */
	PS_FE_EXTERNAL,		/* externalIPs[]:port */
	PS_FE_LB,		/* loadBalancer ingress / loadBalancerIP:port */
	PS_FE_KIND_MAX,
};

/*
 * One port of one service (an IPVS virtual service with all its
 * frontends). Immutable once published, except the endpoint snapshot
 * pointer; a service update publishes new objects under the same id.
 */
struct ps_svc_port {
	uint32_t id;			/* stable across updates of the service */
	uint8_t proto;
	uint8_t sched;			/* enum ps_svc_sched */
	uint8_t etp;			/* enum ps_svc_policy */
	uint8_t itp;
	uint16_t port;
	uint16_t node_port;
	bool affinity;
	uint32_t affinity_timeout;
	uint32_t cluster_ip;
	const struct ps_prefix4 *src_ranges;	/* owned by the object */
	unsigned int nb_src_ranges;
	struct svc_epset *eps;		/* RCU-published snapshot */
	char ns[PS_K8S_NAME_MAX];
	char name[PS_K8S_NAME_MAX];
	char port_name[PS_K8S_PORT_NAME_MAX];
};

struct ps_svc_hit {
	const struct ps_svc_port *sp;
	enum ps_svc_fe_kind kind;
};

struct ps_svc_flow {
	uint32_t src_ip;		/* network order */
	uint32_t dst_ip;
	uint16_t src_port;		/* network order */
	uint16_t dst_port;
	uint8_t proto;
	bool src_local_pod;		/* client is a pod on this node */
	uint32_t hash;			/* 5-tuple hash (RSS); 0 = computed */
};

enum ps_svc_verdict {
	PS_SVC_FORWARD,		/* *pick is the endpoint */
	PS_SVC_REJECT,		/* no usable endpoint: send RST / ICMP */
	PS_SVC_DENIED,		/* source not in loadBalancerSourceRanges: drop */
};

struct ps_svc_pick {
	uint32_t ep_id;		/* for ps_svc_ep_conn_inc/dec */
	uint32_t ip;		/* network order */
	uint16_t port;		/* host order: the resolved target port */
	uint8_t flags;		/* PS_EP_* */
	bool local_only;	/* a Local traffic policy restricted the choice */
	bool sticky;		/* ClientIP affinity gave it */
};

struct ps_svc_table_params {
	const char *name;
	uint32_t services;	/* cfg->services_size */
	uint32_t endpoints;	/* cfg->endpoints_size */
	uint32_t affinity;	/* ClientIP affinity entries */
	unsigned int nb_workers;
	const char *node_name;	/* for PS_EP_LOCAL */
	const char *zone;	/* topology.kubernetes.io/zone; NULL = none */
	int socket;
	struct rte_rcu_qsbr *qsv;	/* NULL: no concurrent readers */
	/* NULL, or a counting filter (podswitch/cfilter.h) the table keeps
	 * its frontend keys in, each (ip, port, proto) and (ip, 0, 0), but
	 * those whose ip is in fe_skip_net/fe_skip_mask (network order).
	 * Owned by the caller. */
	struct ps_cfilter *gate_filter;
	uint32_t fe_skip_net, fe_skip_mask;
};

struct ps_svc_stats {
	uint32_t services, max_services;	/* stored Service objects */
	uint32_t programmed;			/* of which served */
	uint32_t ports, frontends;		/* service ports, frontend keys */
	uint32_t endpoints, max_endpoints;	/* endpoint records */
	uint32_t draining;			/* removed, connections left */
	uint32_t slices, slice_endpoints;
	uint32_t affinity, max_affinity;
	uint64_t full;			/* applies refused for room */
	uint64_t applies, apply_errors;
	uint64_t snapshots;		/* endpoint sets published */
	uint64_t new_conns;		/* FORWARD verdicts */
	uint64_t rejects, denied;
	uint64_t affinity_hits, affinity_full, affinity_expired;
};

struct ps_svc_table;
struct ps_cfilter;

struct ps_svc_table *ps_svc_create(const struct ps_svc_table_params *p);
/* Waits for a grace period: readers must be stopped or offline. */
void ps_svc_free(struct ps_svc_table *t);

/* Fast path ------------------------------------------------------------ */

/*
 * The service port for (dst_ip, dst_port, proto) (network order), or NULL.
 * dst_is_local: dst_ip is one of this node's addresses, so NodePorts
 * match. Valid until the calling reader's next quiescent state.
 */
bool ps_svc_lookup(const struct ps_svc_table *t, uint32_t dst_ip,
		   uint16_t dst_port, uint8_t proto, bool dst_is_local,
		   struct ps_svc_hit *hit);
/*
 * The same for n (<= 64) destinations of a burst. Bit i of the result is
 * set when hits[i] is valid; bit i of local_mask says dst_ip[i] is local.
 */
uint64_t ps_svc_lookup_bulk(const struct ps_svc_table *t,
			    const uint32_t *dst_ip, const uint16_t *dst_port,
			    const uint8_t *proto, uint64_t local_mask,
			    unsigned int n, struct ps_svc_hit *hits);
/* The current object of a service port id (e.g. kept in a conntrack
 * entry), or NULL when the port is gone. Reader rules as for lookup. */
const struct ps_svc_port *ps_svc_port_get(const struct ps_svc_table *t,
					  uint32_t id);
/*
 * Choose the endpoint for a new connection of flow through hit, on
 * worker (0..nb_workers-1; its rr cursors and counters are its own).
 * In order: loadBalancerSourceRanges (LB frontends), traffic policy
 * (internal for the cluster IP, external for the others unless the
 * client is a local pod), endpoint conditions (ready, else serving and
 * terminating, else REJECT), ClientIP affinity, then the scheduler:
 * rr/wrr/lc by per-worker cursor, sh by source IP, maglev by flow->hash.
 */
enum ps_svc_verdict ps_svc_select(struct ps_svc_table *t,
				  const struct ps_svc_hit *hit,
				  const struct ps_svc_flow *flow,
				  unsigned int worker, struct ps_svc_pick *pick);
/* Active connections per endpoint record, for lc. The conntrack consumer
 * increments on create and decrements on delete (any thread). */
void ps_svc_ep_conn_inc(struct ps_svc_table *t, uint32_t ep_id);
void ps_svc_ep_conn_dec(struct ps_svc_table *t, uint32_t ep_id);
uint32_t ps_svc_ep_conns(const struct ps_svc_table *t, uint32_t ep_id);

/* Writer side (management thread only) ---------------------------------- */

/*
 * Upsert every Service and EndpointSlice of doc (by namespace/name),
 * all-or-nothing: any conflict (a frontend key used by another service,
 * two items with one name) or lack of room gives -EEXIST / -ENOSPC /
 * -EINVAL with errs naming the item, and changes nothing.
 */
int ps_svc_apply(struct ps_svc_table *t, const struct ps_k8s_doc *doc,
		 struct ps_errors *errs);
/* Replace every EndpointSlice of service ns/name by doc's slices (which
 * must all belong to it). A missing service is fine (slices wait). */
int ps_svc_replace_slices(struct ps_svc_table *t, const char *ns,
			  const char *name, const struct ps_k8s_doc *doc,
			  struct ps_errors *errs);
/*
 * Make the stored set exactly doc's (PUT /v1/services): what doc has is
 * upserted, what it lacks is removed, in one change (all or nothing, as
 * ps_svc_apply). Items equal to what is stored are left alone, so ids,
 * snapshots and connections of unchanged services are untouched. On
 * success, cb (if any) is told each item that was "added", "changed" or
 * "removed" (kind "Service" or "EndpointSlice"); *unchanged_svcs and
 * *unchanged_slices count the rest.
 */
typedef void (*ps_svc_replace_cb)(const char *action, const char *kind,
				  const char *ns, const char *name,
				  void *arg);
int ps_svc_replace_all(struct ps_svc_table *t, const struct ps_k8s_doc *doc,
		       ps_svc_replace_cb cb, void *arg,
		       unsigned int *unchanged_svcs,
		       unsigned int *unchanged_slices, struct ps_errors *errs);
/* 0 or -ENOENT. Deleting a service keeps its slices. */
int ps_svc_delete(struct ps_svc_table *t, const char *ns, const char *name);
int ps_svc_slice_delete(struct ps_svc_table *t, const char *ns,
			const char *name);

/*
 * This node's zone (its Node's topology.kubernetes.io/zone; "" = none).
 * Topology-aware routing follows kube-proxy: when every ready endpoint of
 * a service port has hints.forZones and at least one names this zone,
 * Cluster-policy traffic goes only to the ready endpoints hinted for
 * this zone; otherwise to all of them (trafficDistribution PreferClose
 * and the topology-mode annotation work through the hints the
 * EndpointSlice controller writes). Local-policy endpoint sets ignore
 * hints. A new zone rebuilds every endpoint set: 0, -EINVAL (longer
 * than a label value) or -ENOMEM (nothing changed).
 */
int ps_svc_set_zone(struct ps_svc_table *t, const char *zone);
const char *ps_svc_zone(const struct ps_svc_table *t);

/* Clock (seconds) for affinity; the management thread advances it. */
void ps_svc_set_now(struct ps_svc_table *t, uint32_t now);
/* Expire affinity entries idle beyond their service's timeout and those
 * of removed services; free draining endpoint records with no
 * connection left. Returns affinity entries removed. */
unsigned int ps_svc_age(struct ps_svc_table *t);
/* Free what readers have finished with. */
void ps_svc_reclaim(struct ps_svc_table *t);

/*
 * ClientIP affinity across a restart (management thread): every entry of
 * a service port with affinity (client and endpoint network order, port
 * host order, idle seconds), until cb returns non-zero; and one put back
 * (0, -EINVAL when sp has no affinity, -ENOSPC when its bucket is full).
 */
typedef int (*ps_svc_affinity_cb)(const struct ps_svc_port *sp,
				  uint32_t client, uint32_t ep_ip,
				  uint16_t ep_port, uint32_t idle, void *arg);
int ps_svc_affinity_walk(const struct ps_svc_table *t, ps_svc_affinity_cb cb,
			 void *arg);
int ps_svc_affinity_restore(struct ps_svc_table *t, const struct ps_svc_port *sp,
			    uint32_t client, uint32_t ep_ip, uint16_t ep_port);

/*
 * Called on the management thread after a service port's endpoint set
 * changed, with the endpoints (ip network order, port host order) that
 * were serving and now are gone or no longer serving (kube-proxy's
 * "stale" endpoints; every endpoint when the port itself goes), and the
 * ones removed while not serving: the conntrack owner removes their UDP
 * entries, and every entry of those no longer in the set.
 */
struct ps_svc_ep_addr {
	uint32_t ip;
	uint16_t port;
};
typedef void (*ps_svc_change_cb)(const struct ps_svc_port *sp,
				 const struct ps_svc_ep_addr *gone,
				 unsigned int nb_gone, void *arg);
void ps_svc_set_change_cb(struct ps_svc_table *t, ps_svc_change_cb cb,
			  void *arg);

/*
 * Told (management thread) each time a frontend of an external or
 * load-balancer IP (ip:port/proto, PS_FE_EXTERNAL or PS_FE_LB) enters
 * the table (added true) or leaves it (false): an address is in use
 * while it has more adds than removals. The ARP announcer counts them.
 */
typedef void (*ps_svc_fe_ip_cb)(uint32_t ip, bool added, void *arg);
void ps_svc_set_fe_ip_cb(struct ps_svc_table *t, ps_svc_fe_ip_cb cb,
			 void *arg);

/* Reading back (management thread) ----------------------------------------- */

/*
 * What went through a service port or one endpoint record since it was
 * created (ipvsadm -L --stats): connections created and, per direction,
 * packets and frame bytes (Ethernet header included, as conntrack counts
 * them) of their valid packets. [PS_SVC_IN] is the original direction
 * (client to endpoint), [PS_SVC_OUT] the endpoint's replies. Kept per
 * worker on the fast path and summed when read.
 */
enum { PS_SVC_IN, PS_SVC_OUT };
struct ps_svc_traffic {
	uint64_t conns;
	uint64_t pkts[2];
	uint64_t bytes[2];
};

struct ps_svc_ep_view {
	uint32_t ep_id;
	uint32_t ip;
	uint16_t port;
	uint8_t flags;
	uint16_t weight;
	uint32_t conns;			/* active now */
	struct ps_svc_traffic traffic;
};

struct ps_svc_port_view {
	const struct ps_svc_port *sp;
	uint64_t new_conns;
	uint64_t rejects;
	unsigned int nb_eps;
	unsigned int nb_frontends;
	struct ps_svc_traffic traffic;
};

/* Every stored service in name order; stops when cb returns != 0. */
typedef int (*ps_svc_walk_cb)(const struct ps_svc_spec *spec, void *arg);
int ps_svc_walk(const struct ps_svc_table *t, ps_svc_walk_cb cb, void *arg);
const struct ps_svc_spec *ps_svc_get(const struct ps_svc_table *t,
				     const char *ns, const char *name);
/* The service ports of a programmed service (0 when not programmed). */
unsigned int ps_svc_ports(const struct ps_svc_table *t, const char *ns,
			  const char *name, struct ps_svc_port_view *out,
			  unsigned int max);
/* The current endpoint set of a service port; returns its size (may be
 * more than max; only max are written). */
unsigned int ps_svc_port_endpoints(const struct ps_svc_table *t,
				   const struct ps_svc_port *sp,
				   struct ps_svc_ep_view *out, unsigned int max);
typedef int (*ps_svc_slice_cb)(const struct ps_eps_spec *spec, void *arg);
int ps_svc_slice_walk(const struct ps_svc_table *t, ps_svc_slice_cb cb,
		      void *arg);
/*
 * healthCheckNodePort: -ENOENT when no Local service uses node_port,
 * else the number of local ready endpoints (0 -> answer 503).
 */
int ps_svc_health_check(const struct ps_svc_table *t, uint16_t node_port);
void ps_svc_stats(const struct ps_svc_table *t, struct ps_svc_stats *st);

#endif
