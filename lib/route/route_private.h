/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PS_ROUTE_PRIVATE_H
#define PS_ROUTE_PRIVATE_H

/*
 * Inside the route table: a generation is everything a reader follows
 * from the table's one pointer (the rte_lpm, the next-hop array, the
 * default route) plus the writer's books about it. Single writer, so the
 * books take no lock.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_hash.h>
#include <rte_log.h>
#include <rte_lpm.h>
#include <rte_rcu_qsbr.h>

#include <podswitch/route.h>

#define RT_LOG(level, ...) \
	rte_log(RTE_LOG_ ## level, ps_logtype_route, "route: " __VA_ARGS__)

/* No index: end of a list, no default route. */
#define RT_NONE UINT32_MAX
/* rte_lpm keeps 24 bits of next hop in a table entry. */
#define RT_NH_MAX (1u << 24)
#define RT_NH_MASK (RT_NH_MAX - 1)

struct rt_nh_meta {
	uint32_t refcnt;
	uint32_t next;		/* link in the pending-free FIFO */
	uint64_t token;		/* RCU token taken when refcnt reached 0 */
};

struct rt_rec {
	struct ps_route r;
	uint32_t nh;
	uint32_t prev;		/* insertion order, for walk */
	uint32_t next;
};

struct rt_gen {
	/* Read by workers. */
	struct rte_lpm *lpm;
	struct ps_nexthop *nh;
	uint32_t dflt;		/* next hop of 0.0.0.0/0 (rte_lpm has no /0) */

	/* Writer only, on lines the workers never load. */
	struct rt_nh_meta *nhm __rte_cache_aligned;
	uint32_t *nh_free;	/* stack of reusable next-hop indexes */
	uint32_t nb_nh_free;
	uint32_t nb_nh;		/* next hops with refcnt > 0 */
	uint32_t pend_head;	/* refcnt 0, waiting for a grace period */
	uint32_t pend_tail;
	struct rte_hash *nh_hash;	/* struct ps_nexthop -> index */

	struct rt_rec *rec;
	uint32_t *rec_free;
	uint32_t nb_rec_free;
	uint32_t head;
	uint32_t tail;
	uint32_t nb_routes;
	struct rte_hash *rt_hash;	/* (addr, len) -> record index */

	struct rt_gen *retired_next;
	uint64_t retired_token;
};

struct ps_route_table {
	/* The only word a worker reads from the table itself. */
	struct rt_gen *gen;

	struct rte_rcu_qsbr *qsv __rte_cache_aligned;
	uint32_t id;		/* makes DPDK object names unique */
	uint32_t gen_seq;
	uint32_t max_routes;
	uint32_t max_nexthops;
	uint32_t tbl8s;
	int socket;
	/* replaced generations not yet freed, oldest first */
	struct rt_gen *retired_head;
	struct rt_gen *retired_tail;
	uint64_t full;
	uint64_t generations;
	char name[32];
};

struct rt_gen *rt_gen_create(struct ps_route_table *rt);
void rt_gen_free(struct rt_gen *g);
int rt_gen_add(struct ps_route_table *rt, struct rt_gen *g,
	       const struct ps_route *r);
int rt_gen_find(const struct rt_gen *g, const struct ps_prefix4 *dst);
int rt_gen_del(struct ps_route_table *rt, struct rt_gen *g, uint32_t idx);
void rt_gen_reclaim_nh(struct ps_route_table *rt, struct rt_gen *g);

#endif
