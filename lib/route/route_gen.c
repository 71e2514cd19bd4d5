/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One route generation: its DIR-24-8 tables (route_dir24.c), its
 * next-hop array with the writer's reference counts and dedup hash, and
 * its route records. Only the management thread calls these.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>

#include "route_private.h"

/* rte_hash refuses tables smaller than one bucket. */
#define RT_HASH_MIN 8

static inline uint64_t
rt_key(const struct ps_prefix4 *p)
{
	return (uint64_t)p->len << 32 | p->addr;
}

static inline uint64_t
nh_key(const struct ps_nexthop *nh)
{
	uint64_t k;

	RTE_BUILD_BUG_ON(sizeof(*nh) != sizeof(k));
	memcpy(&k, nh, sizeof(k));
	return k;
}

static struct rte_hash *
gen_hash(const char *name, uint32_t entries, int socket)
{
	struct rte_hash_parameters hp = {
		.name = name,
		.entries = RTE_MAX(entries, (uint32_t)RT_HASH_MIN),
		.key_len = sizeof(uint64_t),
		.hash_func = rte_hash_crc,
		.socket_id = socket,
		/* holds `entries` keys whatever their hashes: our own counts
		 * decide "full", never a bucket collision */
		.extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
	};

	return rte_hash_create(&hp);
}

struct rt_gen *
rt_gen_create(struct ps_route_table *rt)
{
	char name[RTE_HASH_NAMESIZE];
	struct rt_gen *g;
	uint32_t seq = ++rt->gen_seq, i;

	g = rte_zmalloc_socket("ps_route_gen", sizeof(*g), RTE_CACHE_LINE_SIZE,
			       rt->socket);
	if (g == NULL)
		return NULL;
	g->dflt = RT_NONE;
	g->max_nh = rt->max_nexthops;
	g->adj_ops = &rt->adj_ops;
	g->head = g->tail = RT_NONE;
	g->pend_head = g->pend_tail = RT_NONE;

	if (rt_dir24_init(g, rt->tbl8s, rt->socket) < 0) {
		RT_LOG(ERR, "%s: no memory for a table of %u tbl8 groups\n",
		       rt->name, rt->tbl8s);
		goto fail;
	}
	/* Generations of one table live side by side until readers leave
	 * the old one, so every DPDK object carries table id and sequence. */
	snprintf(name, sizeof(name), "rtr%x_%x", rt->id, seq);
	g->rt_hash = gen_hash(name, rt->max_routes, rt->socket);
	snprintf(name, sizeof(name), "rtn%x_%x", rt->id, seq);
	g->nh_hash = gen_hash(name, rt->max_nexthops, rt->socket);
	g->nh = rte_zmalloc_socket("ps_route_nh",
				   sizeof(*g->nh) * rt->max_nexthops,
				   RTE_CACHE_LINE_SIZE, rt->socket);
	g->nh_adj = rte_zmalloc_socket("ps_route_nha",
				       sizeof(*g->nh_adj) * rt->max_nexthops,
				       RTE_CACHE_LINE_SIZE, rt->socket);
	g->nhm = rte_zmalloc_socket("ps_route_nhm",
				    sizeof(*g->nhm) * rt->max_nexthops,
				    RTE_CACHE_LINE_SIZE, rt->socket);
	g->nh_free = rte_malloc_socket("ps_route_nhf",
				       sizeof(uint32_t) * rt->max_nexthops, 0,
				       rt->socket);
	g->rec = rte_malloc_socket("ps_route_rec",
				   sizeof(*g->rec) * rt->max_routes,
				   RTE_CACHE_LINE_SIZE, rt->socket);
	g->rec_free = rte_malloc_socket("ps_route_recf",
					sizeof(uint32_t) * rt->max_routes, 0,
					rt->socket);
	if (g->rt_hash == NULL || g->nh_hash == NULL || g->nh == NULL ||
	    g->nh_adj == NULL || g->nhm == NULL || g->nh_free == NULL || g->rec == NULL ||
	    g->rec_free == NULL) {
		RT_LOG(ERR, "%s: no memory for a generation of %u routes\n",
		       rt->name, rt->max_routes);
		goto fail;
	}
	/* Low indexes come out first: the live part of the arrays stays
	 * dense and warm. */
	for (i = 0; i < rt->max_nexthops; i++)
		g->nh_free[i] = rt->max_nexthops - 1 - i;
	g->nb_nh_free = rt->max_nexthops;
	for (i = 0; i < rt->max_routes; i++)
		g->rec_free[i] = rt->max_routes - 1 - i;
	g->nb_rec_free = rt->max_routes;
	return g;
fail:
	rt_gen_free(g);
	return NULL;
}

void
rt_gen_free(struct rt_gen *g)
{
	uint32_t i;

	if (g == NULL)
		return;
	/* Next hops still referenced let their adjacencies go with the
	 * generation (released ones did in nh_put). */
	if (g->nhm != NULL && g->nh_adj != NULL && g->adj_ops->unbind != NULL)
		for (i = 0; i < g->max_nh; i++)
			if (g->nhm[i].refcnt > 0 && g->nh_adj[i] != 0)
				g->adj_ops->unbind(g->adj_ops->ctx,
						   g->nh_adj[i]);
	rt_dir24_fini(g);
	rte_hash_free(g->rt_hash);
	rte_hash_free(g->nh_hash);
	rte_free(g->nh);
	rte_free(g->nh_adj);
	rte_free(g->nhm);
	rte_free(g->nh_free);
	rte_free(g->rec);
	rte_free(g->rec_free);
	rte_free(g);
}

void
rt_gen_reclaim_nh(struct ps_route_table *rt, struct rt_gen *g)
{
	uint32_t i;

	/* Tokens were taken in FIFO order: the first one not yet passed
	 * means none behind it has been either. */
	while ((i = g->pend_head) != RT_NONE &&
	       rte_rcu_qsbr_check(rt->qsv, g->nhm[i].token, false) == 1) {
		g->pend_head = g->nhm[i].next;
		if (g->pend_head == RT_NONE)
			g->pend_tail = RT_NONE;
		g->nh_free[g->nb_nh_free++] = i;
	}
}

/* A reference to the next hop equal to *nh, shared or new. */
static int
nh_get(struct ps_route_table *rt, struct rt_gen *g,
       const struct ps_nexthop *nh, uint32_t *out)
{
	uint64_t key = nh_key(nh);
	void *data;
	uint32_t i;

	if (rte_hash_lookup_data(g->nh_hash, &key, &data) >= 0) {
		i = (uint32_t)(uintptr_t)data;
		g->nhm[i].refcnt++;
		*out = i;
		return 0;
	}
	if (g->nb_nh_free == 0 && g->pend_head != RT_NONE)
		rt_gen_reclaim_nh(rt, g);
	if (g->nb_nh_free == 0)
		return -ENOSPC;
	i = g->nh_free[--g->nb_nh_free];
	g->nh[i] = *nh;
	g->nh_adj[i] = g->adj_ops->bind != NULL ?
		g->adj_ops->bind(g->adj_ops->ctx, nh) : 0;
	/* Table entries are stored relaxed: the next hop must be visible
	 * before any entry that leads a reader to it. */
	rte_atomic_thread_fence(__ATOMIC_RELEASE);
	if (rte_hash_add_key_data(g->nh_hash, &key, (void *)(uintptr_t)i) < 0) {
		if (g->nh_adj[i] != 0 && g->adj_ops->unbind != NULL)
			g->adj_ops->unbind(g->adj_ops->ctx, g->nh_adj[i]);
		g->nh_free[g->nb_nh_free++] = i;
		return -ENOSPC;
	}
	g->nhm[i].refcnt = 1;
	g->nb_nh++;
	*out = i;
	return 0;
}

/*
 * Drop a reference. A next hop that readers may have reached (published)
 * waits a grace period before its slot can hold another one; one nobody
 * could reach is free at once.
 */
static void
nh_put(struct ps_route_table *rt, struct rt_gen *g, uint32_t i,
       bool published)
{
	struct rt_nh_meta *m = &g->nhm[i];
	uint64_t key;

	if (--m->refcnt > 0)
		return;
	key = nh_key(&g->nh[i]);
	rte_hash_del_key(g->nh_hash, &key);
	g->nb_nh--;
	/* At once: a reader still holding the id checks the IP behind it. */
	if (g->nh_adj[i] != 0 && g->adj_ops->unbind != NULL)
		g->adj_ops->unbind(g->adj_ops->ctx, g->nh_adj[i]);
	if (!published || rt->qsv == NULL) {
		g->nh_free[g->nb_nh_free++] = i;
		return;
	}
	m->token = rte_rcu_qsbr_start(rt->qsv);
	m->next = RT_NONE;
	if (g->pend_tail == RT_NONE)
		g->pend_head = i;
	else
		g->nhm[g->pend_tail].next = i;
	g->pend_tail = i;
}

int
rt_gen_find(const struct rt_gen *g, const struct ps_prefix4 *dst)
{
	uint64_t key = rt_key(dst);
	void *data;

	if (rte_hash_lookup_data(g->rt_hash, &key, &data) < 0)
		return -ENOENT;
	return (int)(uintptr_t)data;
}

/* r is validated and normalised by the caller. */
int
rt_gen_add(struct ps_route_table *rt, struct rt_gen *g,
	   const struct ps_route *r)
{
	uint64_t key = rt_key(&r->dst);
	struct rt_rec *rec;
	uint32_t nh, i;
	int rc;

	if (rte_hash_lookup(g->rt_hash, &key) >= 0)
		return -EEXIST;
	if (g->nb_routes >= rt->max_routes)
		return -ENOSPC;
	rc = nh_get(rt, g, &r->nh, &nh);
	if (rc < 0)
		return rc;
	i = g->rec_free[--g->nb_rec_free];
	rec = &g->rec[i];
	rec->r = *r;
	rec->nh = nh;
	rc = rte_hash_add_key_data(g->rt_hash, &key, (void *)(uintptr_t)i);
	if (rc < 0)
		goto undo;
	if (r->dst.len == 0) {
		__atomic_store_n(&g->dflt, nh, __ATOMIC_RELEASE);
	} else {
		rc = rt_dir24_add(rt, g, rte_be_to_cpu_32(r->dst.addr),
				  r->dst.len, nh);
		if (rc < 0) {
			rte_hash_del_key(g->rt_hash, &key);
			goto undo;
		}
	}
	rec->next = RT_NONE;
	rec->prev = g->tail;
	if (g->tail == RT_NONE)
		g->head = i;
	else
		g->rec[g->tail].next = i;
	g->tail = i;
	g->nb_routes++;
	return 0;
undo:
	g->rec_free[g->nb_rec_free++] = i;
	/* The failed add published nothing that points at nh. */
	nh_put(rt, g, nh, false);
	return rc;
}

/*
 * What the addresses of dst resolve to once dst is gone: the longest
 * shorter prefix in the records that covers it (/0 lives outside the
 * tables, so none is 0, "no route"). At most 31 exact lookups.
 */
static uint32_t
parent_entry(const struct rt_gen *g, const struct ps_prefix4 *dst)
{
	uint32_t host = rte_be_to_cpu_32(dst->addr);
	struct ps_prefix4 p;
	int len, i;

	for (len = dst->len - 1; len > 0; len--) {
		p.addr = rte_cpu_to_be_32(host & ps_prefix4_mask(len));
		p.len = (uint8_t)len;
		i = rt_gen_find(g, &p);
		if (i >= 0)
			return rt_dir24_entry(g->rec[i].nh, (uint8_t)len);
	}
	return 0;
}

int
rt_gen_del(struct ps_route_table *rt, struct rt_gen *g, uint32_t i)
{
	struct rt_rec *rec = &g->rec[i];
	uint64_t key = rt_key(&rec->r.dst);
	uint32_t nh = rec->nh;

	if (rec->r.dst.len == 0)
		__atomic_store_n(&g->dflt, RT_NONE, __ATOMIC_RELEASE);
	else
		rt_dir24_del(rt, g, rte_be_to_cpu_32(rec->r.dst.addr),
			     rec->r.dst.len, parent_entry(g, &rec->r.dst));
	rte_hash_del_key(g->rt_hash, &key);
	if (rec->prev == RT_NONE)
		g->head = rec->next;
	else
		g->rec[rec->prev].next = rec->next;
	if (rec->next == RT_NONE)
		g->tail = rec->prev;
	else
		g->rec[rec->next].prev = rec->prev;
	g->rec_free[g->nb_rec_free++] = i;
	g->nb_routes--;
	nh_put(rt, g, nh, true);
	return 0;
}
