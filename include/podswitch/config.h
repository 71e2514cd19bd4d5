/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PODSWITCH_CONFIG_H
#define PODSWITCH_CONFIG_H

/*
 * Node configuration: the JSON file of docs/design.md section 3, parsed and
 * validated in one pass. Every problem is reported with its JSON path; a
 * file with any problem yields no configuration.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_ether.h>

#include <podswitch/errors.h>
#include <podswitch/inet.h>

#define PS_NAME_MAX 32
#define PS_PATH_MAX 256
/* podswitch port ids (lib/port); ethdev-backed ones are further bounded
 * by DPDK's RTE_MAX_ETHPORTS */
#define PS_MAX_PORTS 1024
/* ports a configuration file lists; more are added over the API */
#define PS_MAX_CONFIG_PORTS 256
#define PS_MAX_WORKERS 16
#define PS_MAX_PORT_ARGS 16
#define PS_MAX_EAL_ARGS 64

/* IPv4 addresses are kept in network byte order (struct ps_prefix4 and
 * the address helpers: podswitch/inet.h). */

enum ps_port_role {
	PS_ROLE_POD,
	PS_ROLE_UPLINK,
	PS_ROLE_HOST,
};

/* kernel.local_services: the nftables table of the node kernel's own
 * traffic to its services (docs/design.md, "The node's own traffic") */
enum ps_kernel_svc {
	PS_KERNEL_SVC_AUTO,	/* on when there is a port of role host */
	PS_KERNEL_SVC_ON,
	PS_KERNEL_SVC_OFF,
};

enum ps_overlay_mode {
	PS_OVERLAY_HOST_GW,
	PS_OVERLAY_VXLAN,
};

struct ps_kv {
	char key[PS_NAME_MAX];
	char value[PS_PATH_MAX];
};

struct ps_port_config {
	char name[PS_NAME_MAX];
	enum ps_port_role role;
	char driver[PS_NAME_MAX];
	struct ps_kv args[PS_MAX_PORT_ARGS];
	unsigned int nb_args;
	uint16_t rx_queues;
	bool has_pod;
	uint32_t pod_ip;
	struct rte_ether_addr pod_mac;
};

/* What a route does with what it matches (its "type", iproute2's names). */
enum ps_route_type {
	PS_ROUTE_T_UNICAST,	/* forwarded: on-link, via a gateway, or encap */
	PS_ROUTE_T_BLACKHOLE,	/* dropped */
	PS_ROUTE_T_UNREACHABLE,	/* dropped with ICMP net unreachable */
};

/*
 * A route of "routes" or of the REST API: iproute2's JSON names (see
 * ps_route_config_parse()); dev defaults to the uplink.
 */
struct ps_route_config {
	struct ps_prefix4 dst;		/* "default" is 0.0.0.0/0 */
	uint8_t type;			/* enum ps_route_type */
	uint32_t gateway;		/* 0: on-link */
	char dev[PS_NAME_MAX];		/* port name, "" = the uplink */
	/* slot of dev (or of the uplink) in the port list the route was
	 * checked against, valid while that list stays; -1: no port (not
	 * unicast, or encap) */
	int port_slot;
	/* "encap": {"type": "vxlan", "vni", "remote", "mac"} */
	bool vxlan;
	bool vxlan_has_mac;
	uint32_t vxlan_vni;		/* default: overlay.vni */
	uint32_t vxlan_remote;		/* network order */
	struct rte_ether_addr vxlan_mac;	/* inner destination */
};

/* "neighbors": permanent entries, like `ip neigh add ... nud permanent`. */
struct ps_neigh_config {
	uint32_t ip;
	struct rte_ether_addr mac;
	char dev[PS_NAME_MAX];
};

/*
 * Conntrack timeouts in seconds ("conntrack": {"timeouts": {...}}); the
 * names are the JSON keys. Defaults: PS_CT_TIMEOUTS_DEFAULT.
 */
struct ps_ct_timeouts {
	uint32_t tcp_syn_sent;
	uint32_t tcp_syn_recv;
	uint32_t tcp_established;
	uint32_t tcp_fin_wait;
	uint32_t tcp_close_wait;
	uint32_t tcp_last_ack;
	uint32_t tcp_time_wait;
	uint32_t tcp_close;
	uint32_t udp_single;
	uint32_t udp_stream;
	uint32_t icmp;
};
/* Linux's nf_conntrack defaults, except established: kube-proxy's 24 h. */
#define PS_CT_TIMEOUTS_DEFAULT { \
	.tcp_syn_sent = 120, .tcp_syn_recv = 60, .tcp_established = 86400, \
	.tcp_fin_wait = 120, .tcp_close_wait = 60, .tcp_last_ack = 30, \
	.tcp_time_wait = 120, .tcp_close = 10, .udp_single = 30, \
	.udp_stream = 120, .icmp = 30 }

struct ps_config {
	/* node */
	char node_name[PS_NAME_MAX];
	char node_zone[64];		/* "" = none; a label value */
	struct ps_prefix4 node_ip;
	struct rte_ether_addr node_mac;
	struct ps_prefix4 pod_cidr;
	uint32_t gateway_ip;
	struct ps_prefix4 cluster_cidr;
	struct ps_prefix4 service_cidr;

	/* overlay */
	enum ps_overlay_mode overlay_mode;
	uint32_t vni;
	uint16_t udp_port;

	struct ps_port_config ports[PS_MAX_CONFIG_PORTS];
	unsigned int nb_ports;

	/* workers: CPUs the worker lcores are pinned to */
	unsigned int worker_cpus[PS_MAX_WORKERS];
	unsigned int nb_workers;
	uint16_t burst;
	uint32_t idle_sleep_max_us;

	/* tables (entries) */
	uint32_t fdb_size;
	uint32_t routes_size;
	uint32_t neighbors_size;
	uint32_t services_size;
	uint32_t endpoints_size;
	uint32_t conntrack_size;

	struct ps_route_config *routes;	/* malloc'ed */
	unsigned int nb_routes;
	struct ps_neigh_config *neighbors;	/* malloc'ed */
	unsigned int nb_neighbors;

	/* nat: SNAT/masquerade source ports (host order) */
	uint16_t nat_port_min;
	uint16_t nat_port_max;

	/* timers (seconds) */
	uint32_t fdb_age_s;
	uint32_t neigh_age_s;
	uint32_t arp_retry_ms;
	uint32_t arp_retries;

	struct ps_ct_timeouts ct_timeouts;

	char api_unix_socket[PS_PATH_MAX];
	char api_listen[PS_NAME_MAX * 2];
	/* read-only: GET /metrics, /healthz, /readyz; "ip:port" or a
	 * Unix socket path; "" = none */
	char api_metrics_listen[PS_PATH_MAX];
	char api_socket_group[PS_NAME_MAX];	/* "" = the daemon's group */
	char api_token[PS_PATH_MAX];		/* bearer token, "" = none */
	uint32_t api_max_body;			/* request bodies over it get 413 */

	char *eal_args[PS_MAX_EAL_ARGS];
	unsigned int nb_eal_args;
	/* dpdk.secondary: let DPDK secondary processes (dpdk-dumpcap,
	 * dpdk-proc-info) attach: hugepage files stay (no --huge-unlink)
	 * and pdump is initialised */
	bool dpdk_secondary;

	/* pod ports the API may add at run time (mbufs reserved for them) */
	uint32_t hot_ports_max;

	/* state.dir or --state-dir: "" = nothing kept across restarts */
	char state_dir[PS_PATH_MAX];

	/* services.announce_arp: answer ARP on the uplink for services'
	 * externalIPs and load-balancer ingress IPs, and announce them with
	 * gratuitous ARP (MetalLB's L2 mode); off by default */
	bool svc_announce_arp;

	/* kernel: the node kernel's own traffic to its services */
	enum ps_kernel_svc kernel_svc;
	char kernel_nft_table[PS_NAME_MAX];	/* default "podswitch" */
	char kernel_nft[PS_PATH_MAX];		/* default "nft" (PATH) */
};

/*
 * Parse and validate FILE. Returns 0 and fills cfg, or -EINVAL with every
 * problem in errs (cfg is then unusable and already released).
 * Driver profiles are taken from ps_profiles_load(); load them first.
 */
int ps_config_load(const char *file, struct ps_config *cfg,
		   struct ps_errors *errs);
/* Same from a string, for tests and the REST API. */
int ps_config_load_string(const char *text, struct ps_config *cfg,
			  struct ps_errors *errs);
void ps_config_free(struct ps_config *cfg);
/*
 * One port object (the shape of an entry of "ports"), as POST /v1/ports
 * takes it: checked against cfg (pod_cidr, gateway) and against the ports
 * others[0..nb_others) (names, pod addresses). Paths start at "$".
 * Returns 0 and fills pc, or -EINVAL with the problems in errs.
 */
int ps_port_config_parse(const char *text, size_t len,
			 const struct ps_config *cfg,
			 const struct ps_port_config *others,
			 unsigned int nb_others, struct ps_port_config *pc,
			 struct ps_errors *errs);

struct json_t;
/*
 * One route object, as the configuration's "routes" and the REST API
 * (/v1/routes) take it, with one rule set:
 *   "dst"      "a.b.c.d/len" without host bits, or "default"; required
 *   "type"     "unicast" (the default), "blackhole" or "unreachable"; the
 *              last two have no gateway, dev or encap
 *   "gateway"  a unicast address, not one of this node's own
 *   "dev"      a port of ports[0..nb_ports); absent: the uplink among them
 *   "encap"    {"type": "vxlan", "remote", "vni" (cfg's overlay VNI by
 *              default), "mac"}: a tunnel to a remote VTEP (a unicast
 *              address, not ours); then no gateway or dev
 * Every problem goes to errs under path ("$.routes[2]"; "" names the
 * members alone, "dst"). Returns 0 and fills rc, or -EINVAL.
 */
int ps_route_config_parse(const struct json_t *obj, const char *path,
			  const struct ps_config *cfg,
			  const struct ps_port_config *ports,
			  unsigned int nb_ports, struct ps_route_config *rc,
			  struct ps_errors *errs);
/* "unicast", "blackhole", "unreachable" */
const char *ps_route_type_name(enum ps_route_type t);

const char *ps_port_role_name(enum ps_port_role role);
const char *ps_port_arg(const struct ps_port_config *pc, const char *key);

/*
 * Driver profiles (drivers-cfg/<driver>.json): how a port of that driver is
 * created. Loaded once from a directory; the config validator checks port
 * args against them.
 */
enum ps_profile_kind {
	PS_PROFILE_VDEV,	/* created with rte_vdev_init from a devargs string */
	PS_PROFILE_RING,	/* native rte_ring pair, no ethdev */
	PS_PROFILE_PCI,		/* probed by PCI address */
	PS_PROFILE_AF_PACKET,	/* native TPACKET_V2 socket, no ethdev */
};

struct ps_profile_arg {
	char key[PS_NAME_MAX];		/* name in the config's "args" */
	char kvarg[PS_NAME_MAX];	/* name in the devargs string, "" = not passed */
	char def[PS_PATH_MAX];		/* default value, "" = none */
	bool required;
	bool existing_iface;		/* names a kernel interface that must
					 * exist (the driver does not make it) */
};

struct ps_profile {
	char driver[PS_NAME_MAX];
	enum ps_profile_kind kind;
	char vdev_prefix[PS_NAME_MAX];	/* e.g. "net_af_packet" */
	char queues_kvarg[PS_NAME_MAX];	/* devarg taking the queue count, "" = none */
	struct ps_profile_arg args[PS_MAX_PORT_ARGS];
	unsigned int nb_args;
	uint16_t rx_desc;
	uint16_t tx_desc;
	uint64_t rx_offloads;
	uint64_t tx_offloads;
	char *eal_args[8];
	unsigned int nb_eal_args;
	bool promiscuous;
};

/* Load every *.json profile in dir. Returns the count or -errno. */
int ps_profiles_load(const char *dir, struct ps_errors *errs);
/* The directory: $PODSWITCH_DRIVERS_DIR, the installed one, or the source tree's. */
const char *ps_profiles_default_dir(void);
const struct ps_profile *ps_profile_find(const char *driver);
void ps_profiles_free(void);

#endif
