/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The IPv4 route table (include/podswitch/route.h). Workers follow one
 * pointer to the current generation; the management thread changes that
 * generation in place (route_dir24.c, tbl8 groups freed under RCU) or
 * builds a new one and swaps the pointer (replace_all). See route_gen.c
 * for a generation.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_log.h>
#include <rte_malloc.h>

#include "route_private.h"

RTE_LOG_REGISTER(ps_logtype_route, podswitch.route, INFO);

/*
 * Every prefix longer than /24 needs the 1 KiB tbl8 group of its /24,
 * shared by all such prefixes in that /24. Half of max_routes covers any
 * set of long prefixes within one /8 at the 131072 size and keeps a table
 * of mostly /24 pod subnets at 64 MiB (tbl24) plus max_routes/2 KiB;
 * beyond that an add is refused and counted like any other full case.
 */
#define RT_TBL8_MIN 64
#define RT_TBL8S(max_routes) \
	RTE_MIN(RTE_MAX((max_routes) / 2, (uint32_t)RT_TBL8_MIN), \
		RT_TBL8_MAX)
#define RT_MAX_ROUTES (1u << 24)

static uint32_t rt_table_seq;

const char *
ps_nh_type_name(enum ps_nh_type t)
{
	static const char *const names[PS_NH_TYPE_MAX] = {
		[PS_NH_LOCAL] = "local",
		[PS_NH_CONNECTED] = "connected",
		[PS_NH_GATEWAY] = "gateway",
		[PS_NH_BLACKHOLE] = "blackhole",
		[PS_NH_UNREACHABLE] = "unreachable",
		[PS_NH_VXLAN] = "vxlan",
	};

	if ((unsigned int)t >= PS_NH_TYPE_MAX)
		return "unknown";
	return names[t];
}

static void
rt_retire(struct ps_route_table *rt, struct rt_gen *g)
{
	if (rt->qsv == NULL) {
		rt_gen_free(g);
		return;
	}
	g->retired_token = rte_rcu_qsbr_start(rt->qsv);
	g->retired_next = NULL;
	if (rt->retired_tail == NULL)
		rt->retired_head = g;
	else
		rt->retired_tail->retired_next = g;
	rt->retired_tail = g;
}

struct ps_route_table *
ps_route_create(const char *name, uint32_t max_routes, uint32_t max_nexthops,
		int socket, struct rte_rcu_qsbr *qsv)
{
	struct ps_route_table *rt;

	if (name == NULL || max_routes == 0 || max_routes > RT_MAX_ROUTES ||
	    max_nexthops == 0 || max_nexthops > RT_NH_MAX) {
		RT_LOG(ERR, "bad table parameters: %u routes, %u next hops "
		       "(1..%u, 1..%u)\n", max_routes, max_nexthops,
		       RT_MAX_ROUTES, RT_NH_MAX);
		return NULL;
	}
	rt = rte_zmalloc_socket("ps_route", sizeof(*rt), RTE_CACHE_LINE_SIZE,
				socket);
	if (rt == NULL)
		return NULL;
	snprintf(rt->name, sizeof(rt->name), "%s", name);
	rt->id = __atomic_fetch_add(&rt_table_seq, 1, __ATOMIC_RELAXED);
	rt->qsv = qsv;
	rt->socket = socket;
	rt->max_routes = max_routes;
	rt->max_nexthops = max_nexthops;
	rt->tbl8s = RT_TBL8S(max_routes);
	rt->gen = rt_gen_create(rt);
	if (rt->gen == NULL) {
		rte_free(rt);
		return NULL;
	}
	RT_LOG(DEBUG, "%s: %u routes, %u next hops, %u tbl8 groups%s\n",
	       rt->name, max_routes, max_nexthops, rt->tbl8s,
	       qsv != NULL ? ", RCU" : "");
	return rt;
}

/* Readers must be gone (stopped or offline): nothing waits for them. */
void
ps_route_free(struct ps_route_table *rt)
{
	struct rt_gen *g, *next;

	if (rt == NULL)
		return;
	for (g = rt->retired_head; g != NULL; g = next) {
		next = g->retired_next;
		rt_gen_free(g);
	}
	rt_gen_free(rt->gen);
	rte_free(rt);
}

static __rte_always_inline void
lookup_bulk(const struct ps_route_table *rt, const uint32_t *dst,
	    unsigned int n, const struct ps_nexthop **nh, uint32_t *adj)
{
	const struct rt_gen *g = __atomic_load_n(&rt->gen, __ATOMIC_ACQUIRE);
	uint32_t dflt = __atomic_load_n(&g->dflt, __ATOMIC_ACQUIRE);
	const struct ps_nexthop *miss = dflt == RT_NONE ? NULL : &g->nh[dflt];
	const uint32_t *tbl24 = g->tbl24, *tbl8 = g->tbl8;
	unsigned int i;
	uint32_t ip, e;

	/* One relaxed load per level: the writer stores whole entries and
	 * links a tbl8 group only once it is filled (route_dir24.c). */
	for (i = 0; i < n; i++) {
		ip = rte_be_to_cpu_32(dst[i]);
		e = __atomic_load_n(&tbl24[ip >> 8], __ATOMIC_RELAXED);
		if (unlikely(e & RT_E_EXT))
			e = __atomic_load_n(&tbl8[(e & RT_E_IDX) << 8 |
						  (ip & 0xff)],
					    __ATOMIC_RELAXED);
		nh[i] = (e & RT_E_VALID) ? &g->nh[e & RT_E_IDX] : miss;
		/* The same generation's array: index by the pointer. */
		if (adj != NULL)
			adj[i] = nh[i] != NULL ? g->nh_adj[nh[i] - g->nh] : 0;
	}
}

void
ps_route_lookup_bulk(const struct ps_route_table *rt, const uint32_t *dst,
		     unsigned int n, const struct ps_nexthop **nh)
{
	lookup_bulk(rt, dst, n, nh, NULL);
}

void
ps_route_lookup_bulk_adj(const struct ps_route_table *rt,
			 const uint32_t *dst, unsigned int n,
			 const struct ps_nexthop **nh, uint32_t *adj)
{
	lookup_bulk(rt, dst, n, nh, adj);
}

void
ps_route_set_adj_ops(struct ps_route_table *rt,
		     const struct ps_route_adj_ops *ops)
{
	static const struct ps_route_adj_ops none;

	rt->adj_ops = ops != NULL ? *ops : none;
}

static bool
prefix_ok(const struct ps_prefix4 *p)
{
	if (p->len > 32)
		return false;
	return ps_prefix4_net(p->addr, p->len) == p->addr;
}

/*
 * Check a route and copy it in canonical form: padding zeroed and the
 * gateway kept for gateway routes only, so equal next hops compare equal
 * byte for byte (dedup) and get() shows what lookups use.
 */
static int
route_check(const struct ps_route *in, struct ps_route *out)
{
	if (in == NULL || !prefix_ok(&in->dst) ||
	    in->nh.type >= PS_NH_TYPE_MAX || in->origin > PS_ROUTE_API ||
	    ((in->nh.type == PS_NH_GATEWAY || in->nh.type == PS_NH_VXLAN) &&
	     in->nh.gateway == 0))
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->dst.addr = in->dst.addr;
	out->dst.len = in->dst.len;
	out->nh.type = in->nh.type;
	out->nh.port_id = in->nh.port_id;
	if (in->nh.type == PS_NH_GATEWAY || in->nh.type == PS_NH_VXLAN)
		out->nh.gateway = in->nh.gateway;
	out->origin = in->origin;
	return 0;
}

static void
rt_full(struct ps_route_table *rt)
{
	rt->full++;
	if (rt->full == 1 || (rt->full & 0xffff) == 0)
		RT_LOG(WARNING, "%s: table full (%u routes, %u next hops, %u "
		       "tbl8 groups): routes refused\n", rt->name,
		       rt->max_routes, rt->max_nexthops, rt->tbl8s);
}

void
ps_route_reclaim(struct ps_route_table *rt)
{
	struct rt_gen *g;

	if (rt->qsv == NULL)
		return;
	rt_gen_reclaim_nh(rt, rt->gen);
	rt_dir24_reclaim(rt, rt->gen);
	while ((g = rt->retired_head) != NULL &&
	       rte_rcu_qsbr_check(rt->qsv, g->retired_token, false) == 1) {
		rt->retired_head = g->retired_next;
		if (rt->retired_head == NULL)
			rt->retired_tail = NULL;
		rt_gen_free(g);
	}
}

int
ps_route_add(struct ps_route_table *rt, const struct ps_route *r)
{
	struct ps_route nr;
	int rc;

	rc = route_check(r, &nr);
	if (rc < 0)
		return rc;
	ps_route_reclaim(rt);
	rc = rt_gen_add(rt, rt->gen, &nr);
	if (rc == -ENOSPC)
		rt_full(rt);
	return rc;
}

int
ps_route_del(struct ps_route_table *rt, const struct ps_prefix4 *dst)
{
	int i;

	if (dst == NULL)
		return -EINVAL;
	ps_route_reclaim(rt);
	i = rt_gen_find(rt->gen, dst);
	if (i < 0)
		return -ENOENT;
	return rt_gen_del(rt, rt->gen, (uint32_t)i);
}

int
ps_route_get(const struct ps_route_table *rt, const struct ps_prefix4 *dst,
	     struct ps_route *out)
{
	int i;

	if (dst == NULL || out == NULL)
		return -EINVAL;
	i = rt_gen_find(rt->gen, dst);
	if (i < 0)
		return -ENOENT;
	*out = rt->gen->rec[i].r;
	return 0;
}

int
ps_route_match(const struct ps_route_table *rt, uint32_t addr,
	       struct ps_route *out)
{
	struct ps_prefix4 p;
	int len;

	/* 33 exact gets: the rules, not the DIR-24-8 cells, know the
	 * prefix that won */
	for (len = 32; len >= 0; len--) {
		p.len = (uint8_t)len;
		p.addr = len == 0 ? 0 :
			 addr & rte_cpu_to_be_32(~0u << (32 - len));
		if (ps_route_get(rt, &p, out) == 0)
			return 0;
	}
	return -ENOENT;
}

int
ps_route_replace_all(struct ps_route_table *rt, const struct ps_route *routes,
		     unsigned int n)
{
	struct rt_gen *g, *old;
	struct ps_route r;
	unsigned int i;
	int rc;

	if (n > 0 && routes == NULL)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		if (route_check(&routes[i], &r) < 0) {
			RT_LOG(DEBUG, "%s: replace: route %u invalid\n",
			       rt->name, i);
			return -EINVAL;
		}
	}
	if (n > rt->max_routes) {
		rt_full(rt);
		return -ENOSPC;
	}
	/* Old generations readers have left make room for the new one. */
	ps_route_reclaim(rt);
	g = rt_gen_create(rt);
	if (g == NULL)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		route_check(&routes[i], &r);
		rc = rt_gen_add(rt, g, &r);
		if (rc < 0) {
			RT_LOG(DEBUG, "%s: replace: route %u: %s\n", rt->name,
			       i, strerror(-rc));
			rt_gen_free(g);
			if (rc == -ENOSPC)
				rt_full(rt);
			return rc;
		}
	}
	old = rt->gen;
	/* The generation is complete before readers can reach it. */
	__atomic_store_n(&rt->gen, g, __ATOMIC_RELEASE);
	rt->generations++;
	rt_retire(rt, old);
	return 0;
}

int
ps_route_replace_all_wait(struct ps_route_table *rt,
			  const struct ps_route *routes, unsigned int n,
			  unsigned int self)
{
	int rc = ps_route_replace_all(rt, routes, n);

	if (rc != -ENOMEM || rt->qsv == NULL)
		return rc;
	rte_rcu_qsbr_synchronize(rt->qsv, self);
	ps_route_reclaim(rt);
	return ps_route_replace_all(rt, routes, n);
}

/* cb may delete the route it is given, nothing else. */
int
ps_route_walk(const struct ps_route_table *rt, ps_route_walk_cb cb, void *arg)
{
	const struct rt_gen *g = rt->gen;
	uint32_t i, next;
	int rc;

	for (i = g->head; i != RT_NONE; i = next) {
		next = g->rec[i].next;
		rc = cb(&g->rec[i].r, arg);
		if (rc != 0)
			return rc;
	}
	return 0;
}

void
ps_route_stats(const struct ps_route_table *rt, struct ps_route_stats *st)
{
	const struct rt_gen *g = rt->gen;

	memset(st, 0, sizeof(*st));
	st->routes = g->nb_routes;
	st->max_routes = rt->max_routes;
	st->nexthops = g->nb_nh;
	st->max_nexthops = rt->max_nexthops;
	st->full = rt->full;
	st->generations = rt->generations;
}
