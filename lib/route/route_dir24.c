/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The lookup structure of a generation: DIR-24-8 (a 2^24-entry table
 * indexed by the top 24 bits of the address; a /24 that holds longer
 * prefixes points at a 256-entry tbl8 group), as rte_lpm and rte_fib
 * build it, but without a rule store of its own.
 *
 * Why not rte_lpm: in DPDK 22.11 every rte_lpm_add scans all the rules of
 * the same prefix length for a duplicate and shifts the rule array to keep
 * it sorted by length, so 100k /24s cost O(n^2) (~5 s of a 100k PUT). The
 * table's own records (route_gen.c) already know every prefix, so the
 * rules are not needed here: an add writes the entries the prefix covers,
 * a delete restores them to the covering route the caller found in its
 * records.
 *
 * Why not rte_fib: 22.11's dir24_8 frees a tbl8 group the moment a delete
 * empties it and hands it to the next add, with no RCU hook: a worker that
 * has just read the tbl24 entry can follow it into a group that already
 * holds another /24's entries. Here a freed group waits in a FIFO until
 * every reader has passed a quiescent state (rte_rcu_qsbr), as rte_lpm's
 * RCU defer queue does.
 *
 * Entry (32 bits): next hop index or tbl8 group (24 bits) | VALID | EXT |
 * depth (6 bits). Readers load an entry with one 32-bit load; the writer
 * changes an entry with one 32-bit store, and a new group is filled
 * before the store that links it, so a lookup sees an entry from before or
 * after a write, never a torn or half-built one.
 */
#include <errno.h>
#include <string.h>

#include <rte_malloc.h>

#include "route_private.h"

#define TBL24_ENTRIES (1u << 24)
#define TBL8_ENTRIES 256u

static inline uint32_t
ent(uint32_t nh, uint8_t depth)
{
	return nh | RT_E_VALID | (uint32_t)depth << RT_E_DEPTH_SHIFT;
}

static inline uint8_t
depth_of(uint32_t e)
{
	return (uint8_t)(e >> RT_E_DEPTH_SHIFT);
}

static inline void
put(uint32_t *p, uint32_t e)
{
	__atomic_store_n(p, e, __ATOMIC_RELAXED);
}

int
rt_dir24_init(struct rt_gen *g, uint32_t nb_tbl8, int socket)
{
	struct rt_tbl8_pool *p;
	uint32_t i;

	/* zeroed: every entry invalid (no route) */
	g->tbl24 = rte_zmalloc_socket("ps_route_tbl24",
				      sizeof(uint32_t) * TBL24_ENTRIES,
				      RTE_CACHE_LINE_SIZE, socket);
	/* a group is filled when it is taken, never read before */
	g->tbl8 = rte_malloc_socket("ps_route_tbl8",
				    sizeof(uint32_t) * TBL8_ENTRIES * nb_tbl8,
				    RTE_CACHE_LINE_SIZE, socket);
	p = rte_zmalloc_socket("ps_route_tbl8p", sizeof(*p),
			       RTE_CACHE_LINE_SIZE, socket);
	g->pool = p;
	if (g->tbl24 == NULL || g->tbl8 == NULL || p == NULL)
		return -ENOMEM;
	p->nb = nb_tbl8;
	p->free = rte_malloc_socket("ps_route_tbl8f",
				    sizeof(uint32_t) * nb_tbl8, 0, socket);
	p->next = rte_malloc_socket("ps_route_tbl8n",
				    sizeof(uint32_t) * nb_tbl8, 0, socket);
	p->token = rte_malloc_socket("ps_route_tbl8t",
				     sizeof(uint64_t) * nb_tbl8, 0, socket);
	if (p->free == NULL || p->next == NULL || p->token == NULL)
		return -ENOMEM;
	/* low groups first: the used part of tbl8 stays dense */
	for (i = 0; i < nb_tbl8; i++)
		p->free[i] = nb_tbl8 - 1 - i;
	p->nb_free = nb_tbl8;
	p->pend_head = p->pend_tail = RT_NONE;
	return 0;
}

void
rt_dir24_fini(struct rt_gen *g)
{
	if (g->pool != NULL) {
		rte_free(g->pool->free);
		rte_free(g->pool->next);
		rte_free(g->pool->token);
		rte_free(g->pool);
	}
	rte_free(g->tbl24);
	rte_free(g->tbl8);
}

void
rt_dir24_reclaim(struct ps_route_table *rt, struct rt_gen *g)
{
	struct rt_tbl8_pool *p = g->pool;
	uint32_t i;

	/* FIFO by token: the first group not yet safe means none behind */
	while ((i = p->pend_head) != RT_NONE &&
	       rte_rcu_qsbr_check(rt->qsv, p->token[i], false) == 1) {
		p->pend_head = p->next[i];
		if (p->pend_head == RT_NONE)
			p->pend_tail = RT_NONE;
		p->free[p->nb_free++] = i;
	}
}

static int
tbl8_take(struct ps_route_table *rt, struct rt_gen *g, uint32_t *out)
{
	struct rt_tbl8_pool *p = g->pool;

	if (p->nb_free == 0 && p->pend_head != RT_NONE)
		rt_dir24_reclaim(rt, g);
	if (p->nb_free == 0)
		return -ENOSPC;
	*out = p->free[--p->nb_free];
	p->used++;
	return 0;
}

/* The group is unlinked already; readers may still be inside it. */
static void
tbl8_give(struct ps_route_table *rt, struct rt_gen *g, uint32_t i)
{
	struct rt_tbl8_pool *p = g->pool;

	p->used--;
	if (rt->qsv == NULL) {
		p->free[p->nb_free++] = i;
		return;
	}
	p->token[i] = rte_rcu_qsbr_start(rt->qsv);
	p->next[i] = RT_NONE;
	if (p->pend_tail == RT_NONE)
		p->pend_head = i;
	else
		p->next[p->pend_tail] = i;
	p->pend_tail = i;
}

/* Entries of depth <= d (or none) in [lo, hi) of a group become e. */
static inline void
group_cover(uint32_t *grp, uint32_t lo, uint32_t hi, uint8_t d, uint32_t e)
{
	uint32_t j, o;

	for (j = lo; j < hi; j++) {
		o = grp[j];
		if (!(o & RT_E_VALID) || depth_of(o) <= d)
			put(&grp[j], e);
	}
}

/* Entries of exactly depth d in [lo, hi) of a group become e. */
static inline void
group_uncover(uint32_t *grp, uint32_t lo, uint32_t hi, uint8_t d, uint32_t e)
{
	uint32_t j, o;

	for (j = lo; j < hi; j++) {
		o = grp[j];
		if ((o & RT_E_VALID) && depth_of(o) == d)
			put(&grp[j], e);
	}
}

/*
 * Install ip/depth -> nh (host order, 1 <= depth <= 32, the prefix not
 * present). The next hop nh must be visible to readers already. Only a
 * prefix longer than /24 in a /24 without a group can fail (-ENOSPC),
 * before anything is written.
 */
int
rt_dir24_add(struct ps_route_table *rt, struct rt_gen *g, uint32_t ip,
	     uint8_t depth, uint32_t nh)
{
	uint32_t e = ent(nh, depth), i, first, last, o, grp, lo, hi;
	uint32_t *t8;
	int rc;

	if (depth <= 24) {
		first = ip >> 8;
		last = first + (1u << (24 - depth));
		for (i = first; i < last; i++) {
			o = g->tbl24[i];
			if (o & RT_E_EXT)
				group_cover(&g->tbl8[(o & RT_E_IDX) *
						     TBL8_ENTRIES],
					    0, TBL8_ENTRIES, depth, e);
			else if (!(o & RT_E_VALID) || depth_of(o) <= depth)
				put(&g->tbl24[i], e);
		}
		return 0;
	}
	i = ip >> 8;
	lo = ip & 0xff;
	hi = lo + (1u << (32 - depth));
	o = g->tbl24[i];
	if (o & RT_E_EXT) {
		group_cover(&g->tbl8[(o & RT_E_IDX) * TBL8_ENTRIES], lo, hi,
			    depth, e);
		return 0;
	}
	rc = tbl8_take(rt, g, &grp);
	if (rc < 0)
		return rc;
	/* Built while unreachable: what the /24 resolved to, then the new
	 * prefix; linked by one store once complete. */
	t8 = &g->tbl8[grp * TBL8_ENTRIES];
	for (i = 0; i < TBL8_ENTRIES; i++)
		t8[i] = (i >= lo && i < hi) ? e : o;
	__atomic_store_n(&g->tbl24[ip >> 8], grp | RT_E_EXT, __ATOMIC_RELEASE);
	return 0;
}

/*
 * Remove ip/depth (present): what it covered now resolves to the longest
 * shorter prefix that covers it, given as parent (an entry made by
 * rt_dir24_entry(), or 0 for none). A group left with nothing longer than
 * /24 is unlinked and waits for the readers before its reuse.
 */
void
rt_dir24_del(struct ps_route_table *rt, struct rt_gen *g, uint32_t ip,
	     uint8_t depth, uint32_t parent)
{
	uint32_t i, first, last, o, grp, lo, hi;
	uint32_t *t8;

	if (depth <= 24) {
		first = ip >> 8;
		last = first + (1u << (24 - depth));
		for (i = first; i < last; i++) {
			o = g->tbl24[i];
			if (o & RT_E_EXT)
				group_uncover(&g->tbl8[(o & RT_E_IDX) *
						       TBL8_ENTRIES],
					      0, TBL8_ENTRIES, depth, parent);
			else if ((o & RT_E_VALID) && depth_of(o) == depth)
				put(&g->tbl24[i], parent);
		}
		return;
	}
	o = g->tbl24[ip >> 8];
	if (!(o & RT_E_EXT))
		return;	/* cannot happen: the prefix is present */
	grp = o & RT_E_IDX;
	t8 = &g->tbl8[grp * TBL8_ENTRIES];
	lo = ip & 0xff;
	hi = lo + (1u << (32 - depth));
	group_uncover(t8, lo, hi, depth, parent);
	for (i = 0; i < TBL8_ENTRIES; i++)
		if ((t8[i] & RT_E_VALID) && depth_of(t8[i]) > 24)
			return;
	/* Nothing longer than /24 left: every entry is what the /24 itself
	 * resolves to, so the tbl24 entry can say it directly. */
	__atomic_store_n(&g->tbl24[ip >> 8], t8[0], __ATOMIC_RELEASE);
	tbl8_give(rt, g, grp);
}

uint32_t
rt_dir24_entry(uint32_t nh, uint8_t depth)
{
	return ent(nh, depth);
}
