/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PODSWITCH_ROUTE_H
#define PODSWITCH_ROUTE_H

/*
 * IPv4 routes: a DIR-24-8 table (as in rte_lpm, without its rule store;
 * lib/route/route_dir24.c says why) maps a prefix to a next-hop index;
 * next hops live in an array shared by every route that uses the same one
 * (deduplicated, reference counted).
 *
 * Workers read lock-free; the management thread is the only writer.
 * Memory a worker might still read (tbl8 groups, next hops, a replaced
 * table generation) is freed only after every reader has reported a
 * quiescent state. ps_route_replace_all() builds a complete new generation
 * and publishes it with one pointer store, so a packet sees either the old
 * set or the new one, never a mix.
 *
 * Full: ps_route_add() returns -ENOSPC when the rule count or the next-hop
 * array is at its size, or when the table runs out of tbl8 groups; nothing
 * already installed changes, and stats.full counts the refusal.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_rcu_qsbr.h>

#include <podswitch/config.h>

extern int ps_logtype_route;

/* port_id value meaning "the pod segment" (ARP is flooded on pod ports). */
#define PS_PORT_SEGMENT 0xffff

enum ps_nh_type {
	PS_NH_LOCAL,		/* one of our addresses: ip4_local */
	PS_NH_CONNECTED,	/* on-link: the neighbor is the destination */
	PS_NH_GATEWAY,		/* via a gateway on port_id */
	PS_NH_BLACKHOLE,	/* drop silently (counted) */
	PS_NH_UNREACHABLE,	/* drop with ICMP net unreachable */
	PS_NH_VXLAN,		/* VXLAN tunnel: gateway is the remote VTEP IP,
				 * port_id its id in the VTEP table (vxlan.h) */
	PS_NH_TYPE_MAX,
};

struct ps_nexthop {
	uint8_t type;		/* enum ps_nh_type */
	uint8_t pad;
	uint16_t port_id;	/* egress DPDK port, or PS_PORT_SEGMENT;
				 * PS_NH_VXLAN: the VTEP id */
	uint32_t gateway;	/* network order; PS_NH_GATEWAY, and the
				 * remote VTEP of PS_NH_VXLAN */
};

enum ps_route_origin {
	PS_ROUTE_CONNECTED,	/* from the node's own addresses */
	PS_ROUTE_STATIC,	/* from the configuration file */
	PS_ROUTE_API,		/* from the REST API */
};

struct ps_route {
	struct ps_prefix4 dst;	/* network order, host bits zero */
	struct ps_nexthop nh;
	uint8_t origin;		/* enum ps_route_origin */
};

struct ps_route_stats {
	uint32_t routes;
	uint32_t max_routes;
	uint32_t nexthops;
	uint32_t max_nexthops;
	uint64_t full;		/* adds refused for lack of room */
	uint64_t generations;	/* replace_all publications */
};

struct ps_route_table;

/*
 * max_routes rules, max_nexthops distinct next hops. qsv may be NULL when
 * nothing reads concurrently (tests); memory is then freed at once.
 */
struct ps_route_table *ps_route_create(const char *name, uint32_t max_routes,
				       uint32_t max_nexthops, int socket,
				       struct rte_rcu_qsbr *qsv);
void ps_route_free(struct ps_route_table *rt);

/* Fast path ------------------------------------------------------------ */

/*
 * Look up n destinations (network order). nh[i] is the next hop of the
 * longest matching prefix, or NULL when no route matches. Valid until the
 * calling reader's next quiescent state.
 */
void ps_route_lookup_bulk(const struct ps_route_table *rt,
			  const uint32_t *dst, unsigned int n,
			  const struct ps_nexthop **nh);

/*
 * The same, and adj[i]: the adjacency id the next hop got from the
 * table's adjacency ops (ps_route_set_adj_ops), 0 when it has none.
 */
void ps_route_lookup_bulk_adj(const struct ps_route_table *rt,
			      const uint32_t *dst, unsigned int n,
			      const struct ps_nexthop **nh, uint32_t *adj);

/* Writer side (management thread only) ---------------------------------- */

/*
 * Who gives next hops an adjacency (the neighbor table, for gateways):
 * bind is called once for each distinct next hop as a generation takes
 * it in and returns an id (0: none); unbind once when that generation
 * lets it go. An id may be unbound while readers still hold it, so it
 * must stay safe to read (neighbor.h: readers check the IP).
 */
struct ps_route_adj_ops {
	uint32_t (*bind)(void *ctx, const struct ps_nexthop *nh);
	void (*unbind)(void *ctx, uint32_t adj);
	void *ctx;
};

/* Before the first route. NULL: none (ps_route_free then unbinds
 * nothing, for an owner that tears the adjacencies down first). */
void ps_route_set_adj_ops(struct ps_route_table *rt,
			  const struct ps_route_adj_ops *ops);

/* 0, -EEXIST (the prefix has a route), -ENOSPC (full), -EINVAL (bad prefix
 * or next hop). */
int ps_route_add(struct ps_route_table *rt, const struct ps_route *r);
/* 0 or -ENOENT. */
int ps_route_del(struct ps_route_table *rt, const struct ps_prefix4 *dst);
/* Exact-prefix get: 0 and *out, or -ENOENT. */
int ps_route_get(const struct ps_route_table *rt, const struct ps_prefix4 *dst,
		 struct ps_route *out);
/* The route a packet to addr (network order) takes: the longest prefix
 * that holds it, as ps_route_lookup_bulk finds. 0 and *out, or -ENOENT. */
int ps_route_match(const struct ps_route_table *rt, uint32_t addr,
		   struct ps_route *out);
/*
 * Replace the whole set atomically (readers switch generation in one
 * pointer store). On error nothing changes: 0, -EEXIST (a prefix twice),
 * -ENOSPC, -EINVAL, -ENOMEM.
 */
int ps_route_replace_all(struct ps_route_table *rt, const struct ps_route *routes,
			 unsigned int n);
/*
 * The same for a writer that may block: when old generations that readers
 * have not left yet hold the memory (-ENOMEM; a worker descheduled, say),
 * wait once for every reader to pass a quiescent state (a graph walk,
 * normally microseconds), free what they held, and try again. self is
 * the caller's RCU reader id when it is also a reader (in-process tests),
 * else RTE_QSBR_THRID_INVALID.
 */
int ps_route_replace_all_wait(struct ps_route_table *rt,
			      const struct ps_route *routes, unsigned int n,
			      unsigned int self);

typedef int (*ps_route_walk_cb)(const struct ps_route *r, void *arg);
/* Every route, by prefix order of insertion; stops when cb returns != 0. */
int ps_route_walk(const struct ps_route_table *rt, ps_route_walk_cb cb,
		  void *arg);
/* Free what readers have finished with; call from the writer's loop. */
void ps_route_reclaim(struct ps_route_table *rt);
void ps_route_stats(const struct ps_route_table *rt, struct ps_route_stats *st);

const char *ps_nh_type_name(enum ps_nh_type t);

#endif
