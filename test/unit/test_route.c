/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the route table (include/podswitch/route.h): longest
 * prefix match with a default route, exact get/del, walk, next-hop dedup,
 * every full edge (routes, next hops, tbl8 groups), bad input, 100k
 * prefixes one by one and by replace_all, and reclaim under RCU. Prints
 * (does not assert) the writer's rates. EAL runs in-process without
 * hugepages.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_eal.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_memory.h>
#include <rte_rcu_qsbr.h>

#include <podswitch/config.h>
#include <podswitch/route.h>

#include "test_common.h"

#define BIG_ROUTES 131072
#define BIG_SET 100000
#define BIG_GWS 64
#define BIG_NEXTHOPS 1024

/* ---- helpers -------------------------------------------------------- */

static struct ps_prefix4
pfx(const char *s)
{
	struct ps_prefix4 p = { 0 };

	CU_ASSERT_EQUAL(ps_parse_prefix4(s, &p), 0);
	return p;
}

static struct ps_route
mkroute(const char *dst, enum ps_nh_type type, uint16_t port, const char *gw)
{
	struct ps_route r;

	memset(&r, 0, sizeof(r));
	r.dst = pfx(dst);
	r.nh.type = (uint8_t)type;
	r.nh.port_id = port;
	r.nh.gateway = gw != NULL ? ps_ip(gw) : 0;
	r.origin = PS_ROUTE_API;
	return r;
}

static struct ps_route
via(const char *dst, const char *gw)
{
	return mkroute(dst, PS_NH_GATEWAY, 1, gw);
}

static struct ps_route_table *
create(const char *name, uint32_t routes, uint32_t nexthops,
       struct rte_rcu_qsbr *qsv)
{
	struct ps_route_table *rt;

	rt = ps_route_create(name, routes, nexthops, SOCKET_ID_ANY, qsv);
	CU_ASSERT_PTR_NOT_NULL(rt);
	return rt;
}

static const struct ps_nexthop *
lookup(const struct ps_route_table *rt, const char *ip)
{
	uint32_t a = ps_ip(ip);
	const struct ps_nexthop *nh;

	ps_route_lookup_bulk(rt, &a, 1, &nh);
	return nh;
}

/* The gateway a lookup of ip resolves to, 0 for no route. */
static uint32_t
lookup_gw(const struct ps_route_table *rt, const char *ip)
{
	const struct ps_nexthop *nh = lookup(rt, ip);

	return nh == NULL ? 0 : nh->gateway;
}

static struct ps_route_stats
stats(const struct ps_route_table *rt)
{
	struct ps_route_stats st;

	ps_route_stats(rt, &st);
	return st;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static size_t
heap_allocated(void)
{
	struct rte_malloc_socket_stats s;
	unsigned int i;
	size_t total = 0;

	for (i = 0; i < rte_socket_count(); i++)
		if (rte_malloc_get_socket_stats(rte_socket_id_by_idx(i),
						&s) == 0)
			total += s.heap_allocsz_bytes;
	return total;
}

static struct rte_rcu_qsbr *
qsv_reader0(void)
{
	struct rte_rcu_qsbr *qsv;

	qsv = rte_zmalloc(NULL, rte_rcu_qsbr_get_memsize(1),
			  RTE_CACHE_LINE_SIZE);
	CU_ASSERT_PTR_NOT_NULL_FATAL(qsv);
	CU_ASSERT_EQUAL_FATAL(rte_rcu_qsbr_init(qsv, 1), 0);
	CU_ASSERT_EQUAL(rte_rcu_qsbr_thread_register(qsv, 0), 0);
	rte_rcu_qsbr_thread_online(qsv, 0);
	return qsv;
}

static void
qsv_done(struct rte_rcu_qsbr *qsv)
{
	rte_rcu_qsbr_thread_offline(qsv, 0);
	rte_rcu_qsbr_thread_unregister(qsv, 0);
	rte_free(qsv);
}

/* ---- big deterministic prefix sets ----------------------------------- */

/*
 * A set is a list of distinct /24../32 prefixes inside 10.0.0.0/8, each
 * via one of BIG_GWS gateways derived from the prefix itself, so that a
 * reference longest-prefix match needs only the sorted keys.
 */
struct pset {
	struct ps_route *routes;	/* shuffled: the order they are added */
	uint64_t *keys;			/* sorted: host-order addr << 8 | len */
	unsigned int n;
};

static uint64_t
xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static uint32_t
mask_of(unsigned int len)
{
	return len == 0 ? 0 : ~0u << (32 - len);
}

static uint32_t
gw_of(uint64_t key)
{
	uint32_t i = (uint32_t)((key * 0x9e3779b97f4a7c15ULL) >> 58);

	return rte_cpu_to_be_32(0xc0a83c00u | (i + 1)); /* 192.168.60.1..64 */
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int
pset_make(struct pset *ps, uint64_t seed, unsigned int n)
{
	unsigned int cand = n + n / 4, i, u;
	uint64_t *c = malloc(sizeof(*c) * cand);
	uint64_t s = seed * 0x2545f4914f6cdd1dULL + 1;

	memset(ps, 0, sizeof(*ps));
	if (c == NULL)
		return -1;
	for (i = 0; i < cand; i++) {
		unsigned int len = 24 + (unsigned int)(xorshift(&s) % 9);
		uint32_t a = (10u << 24) | ((uint32_t)xorshift(&s) & 0xffffff);

		c[i] = (uint64_t)(a & mask_of(len)) << 8 | len;
	}
	qsort(c, cand, sizeof(*c), cmp_u64);
	for (i = 1, u = 1; i < cand; i++)
		if (c[i] != c[u - 1])
			c[u++] = c[i];
	if (u < n) {
		free(c);
		return -1;
	}
	/* a deterministic shuffle, then keep n: the add order is random */
	for (i = u - 1; i > 0; i--) {
		unsigned int j = (unsigned int)(xorshift(&s) % (i + 1));
		uint64_t t = c[i];

		c[i] = c[j];
		c[j] = t;
	}
	ps->routes = calloc(n, sizeof(*ps->routes));
	if (ps->routes == NULL) {
		free(c);
		return -1;
	}
	for (i = 0; i < n; i++) {
		struct ps_route *r = &ps->routes[i];

		r->dst.addr = rte_cpu_to_be_32((uint32_t)(c[i] >> 8));
		r->dst.len = (uint8_t)(c[i] & 0xff);
		r->nh.type = PS_NH_GATEWAY;
		r->nh.port_id = 1;
		r->nh.gateway = gw_of(c[i]);
		r->origin = PS_ROUTE_API;
	}
	qsort(c, n, sizeof(*c), cmp_u64);
	ps->keys = c;
	ps->n = n;
	return 0;
}

static void
pset_free(struct pset *ps)
{
	free(ps->routes);
	free(ps->keys);
	memset(ps, 0, sizeof(*ps));
}

/* Reference LPM over the set: the expected gateway, 0 for no route. */
static uint32_t
pset_expect(const struct pset *ps, uint32_t host_addr)
{
	int len;

	if (ps == NULL)
		return 0;
	for (len = 32; len >= 0; len--) {
		uint64_t k = (uint64_t)(host_addr & mask_of(len)) << 8 |
			     (unsigned int)len;

		if (bsearch(&k, ps->keys, ps->n, sizeof(k), cmp_u64) != NULL)
			return gw_of(k);
	}
	return 0;
}

static bool
pset_has(const struct pset *ps, const struct ps_prefix4 *p)
{
	uint64_t k = (uint64_t)rte_be_to_cpu_32(p->addr) << 8 | p->len;

	return bsearch(&k, ps->keys, ps->n, sizeof(k), cmp_u64) != NULL;
}

/*
 * Check lookups of every prefix's first and last address in `probe`, and
 * of pseudo-random addresses, against the reference of `expect` (NULL: an
 * empty table). Returns the number of mismatches.
 */
static unsigned int
pset_verify(const struct ps_route_table *rt, const struct pset *probe,
	    const struct pset *expect, unsigned int nrandom)
{
	enum { CHUNK = 100 };	/* more than the table's internal chunk */
	uint32_t addr[CHUNK], host[CHUNK];
	const struct ps_nexthop *nh[CHUNK];
	unsigned int total = probe->n * 2 + nrandom, i, k, c, bad = 0;
	uint64_t s = 0x9e3779b97f4a7c15ULL;

	for (i = 0; i < total; i += c) {
		c = RTE_MIN(total - i, (unsigned int)CHUNK);
		for (k = 0; k < c; k++) {
			unsigned int j = i + k;

			if (j < probe->n * 2) {
				const struct ps_prefix4 *p =
					&probe->routes[j / 2].dst;

				host[k] = rte_be_to_cpu_32(p->addr);
				if (j & 1)
					host[k] |= ~mask_of(p->len);
			} else {
				host[k] = (10u << 24) |
					  ((uint32_t)xorshift(&s) & 0xffffff);
			}
			addr[k] = rte_cpu_to_be_32(host[k]);
		}
		ps_route_lookup_bulk(rt, addr, c, nh);
		for (k = 0; k < c; k++) {
			uint32_t want = pset_expect(expect, host[k]);
			uint32_t got = nh[k] == NULL ? 0 : nh[k]->gateway;

			if (want != got || (nh[k] != NULL &&
					    nh[k]->type != PS_NH_GATEWAY)) {
				if (bad++ < 5)
					fprintf(stderr, "lookup %08x: got "
						"%08x want %08x\n", host[k],
						got, want);
			}
		}
	}
	return bad;
}

/* ---- tests ---------------------------------------------------------- */

static void
test_create(void)
{
	static const char long_name[] =
		"a-rather-long-table-name-for-a-long-node-name";
	struct ps_route r = via("10.0.0.0/8", "192.168.0.1");
	struct ps_route_table *rt, *other;
	struct ps_route_stats st;

	CU_ASSERT_PTR_NULL(ps_route_create("x", 0, 16, SOCKET_ID_ANY, NULL));
	CU_ASSERT_PTR_NULL(ps_route_create("x", 16, 0, SOCKET_ID_ANY, NULL));
	CU_ASSERT_PTR_NULL(ps_route_create("x", 16, (1u << 24) + 1,
					   SOCKET_ID_ANY, NULL));
	CU_ASSERT_PTR_NULL(ps_route_create(NULL, 16, 16, SOCKET_ID_ANY, NULL));

	/* tables are independent, names need not be unique nor short */
	rt = create(long_name, 16, 4, NULL);
	other = create(long_name, 16, 4, NULL);
	if (rt == NULL)
		goto out;
	CU_ASSERT_EQUAL(ps_route_add(rt, &r), 0);
	if (other != NULL)
		CU_ASSERT_PTR_NULL(lookup(other, "10.1.1.1"));
	st = stats(rt);
	CU_ASSERT_EQUAL(st.routes, 1);
	CU_ASSERT_EQUAL(st.max_routes, 16);
	CU_ASSERT_EQUAL(st.nexthops, 1);
	CU_ASSERT_EQUAL(st.max_nexthops, 4);
	CU_ASSERT_EQUAL(st.full, 0);
	CU_ASSERT_EQUAL(st.generations, 0);
out:
	ps_route_free(other);
	ps_route_free(rt);
	ps_route_free(NULL);
}

static void
test_longest_prefix(void)
{
	struct ps_route_table *rt = create("lpm", 64, 16, NULL);
	struct ps_route rs[] = {
		via("10.0.0.0/8", "192.168.0.8"),
		via("10.1.0.0/16", "192.168.0.16"),
		via("10.1.2.0/24", "192.168.0.24"),
		via("10.1.2.3/32", "192.168.0.32"),
		mkroute("10.1.2.128/25", PS_NH_CONNECTED, 3, NULL),
		mkroute("10.244.0.1/32", PS_NH_LOCAL, 0, NULL),
		mkroute("10.9.0.0/16", PS_NH_BLACKHOLE, 0, NULL),
		mkroute("10.10.0.0/16", PS_NH_UNREACHABLE, 0, NULL),
	};
	struct ps_route dflt = via("0.0.0.0/0", "192.168.0.1");
	struct ps_prefix4 p;
	const struct ps_nexthop *nh;
	unsigned int i;

	if (rt == NULL)
		return;
	CU_ASSERT_PTR_NULL(lookup(rt, "10.1.2.3"));
	for (i = 0; i < RTE_DIM(rs); i++)
		CU_ASSERT_EQUAL(ps_route_add(rt, &rs[i]), 0);

	CU_ASSERT_EQUAL(lookup_gw(rt, "10.1.2.3"), ps_ip("192.168.0.32"));
	CU_ASSERT_EQUAL(lookup_gw(rt, "10.1.2.4"), ps_ip("192.168.0.24"));
	CU_ASSERT_EQUAL(lookup_gw(rt, "10.1.2.0"), ps_ip("192.168.0.24"));
	CU_ASSERT_EQUAL(lookup_gw(rt, "10.1.3.1"), ps_ip("192.168.0.16"));
	CU_ASSERT_EQUAL(lookup_gw(rt, "10.1.255.255"), ps_ip("192.168.0.16"));
	CU_ASSERT_EQUAL(lookup_gw(rt, "10.2.0.1"), ps_ip("192.168.0.8"));
	CU_ASSERT_EQUAL(lookup_gw(rt, "10.255.255.255"), ps_ip("192.168.0.8"));
	CU_ASSERT_PTR_NULL(lookup(rt, "11.0.0.1"));
	CU_ASSERT_PTR_NULL(lookup(rt, "9.255.255.255"));
	nh = lookup(rt, "10.1.2.200");
	CU_ASSERT_PTR_NOT_NULL_FATAL(nh);
	CU_ASSERT_EQUAL(nh->type, PS_NH_CONNECTED);
	CU_ASSERT_EQUAL(nh->port_id, 3);
	CU_ASSERT_EQUAL(nh->gateway, 0);
	nh = lookup(rt, "10.244.0.1");
	CU_ASSERT(nh != NULL && nh->type == PS_NH_LOCAL);
	nh = lookup(rt, "10.244.0.2");
	CU_ASSERT(nh != NULL && nh->type == PS_NH_GATEWAY);
	nh = lookup(rt, "10.9.1.1");
	CU_ASSERT(nh != NULL && nh->type == PS_NH_BLACKHOLE);
	nh = lookup(rt, "10.10.1.1");
	CU_ASSERT(nh != NULL && nh->type == PS_NH_UNREACHABLE);

	/* the default route catches what nothing else does, and only that */
	CU_ASSERT_EQUAL(ps_route_add(rt, &dflt), 0);
	CU_ASSERT_EQUAL(lookup_gw(rt, "11.0.0.1"), ps_ip("192.168.0.1"));
	CU_ASSERT_EQUAL(lookup_gw(rt, "0.0.0.0"), ps_ip("192.168.0.1"));
	CU_ASSERT_EQUAL(lookup_gw(rt, "255.255.255.255"), ps_ip("192.168.0.1"));
	CU_ASSERT_EQUAL(lookup_gw(rt, "10.1.2.3"), ps_ip("192.168.0.32"));

	/* a deleted /24 uncovers the /16; the /32 and /25 in it stay */
	p = pfx("10.1.2.0/24");
	CU_ASSERT_EQUAL(ps_route_del(rt, &p), 0);
	CU_ASSERT_EQUAL(lookup_gw(rt, "10.1.2.4"), ps_ip("192.168.0.16"));
	CU_ASSERT_EQUAL(lookup_gw(rt, "10.1.2.3"), ps_ip("192.168.0.32"));
	nh = lookup(rt, "10.1.2.129");
	CU_ASSERT(nh != NULL && nh->type == PS_NH_CONNECTED);
	p = pfx("10.1.2.3/32");
	CU_ASSERT_EQUAL(ps_route_del(rt, &p), 0);
	CU_ASSERT_EQUAL(lookup_gw(rt, "10.1.2.3"), ps_ip("192.168.0.16"));
	p = pfx("10.0.0.0/8");
	CU_ASSERT_EQUAL(ps_route_del(rt, &p), 0);
	CU_ASSERT_EQUAL(lookup_gw(rt, "10.2.0.1"), ps_ip("192.168.0.1"));
	p = pfx("0.0.0.0/0");
	CU_ASSERT_EQUAL(ps_route_del(rt, &p), 0);
	CU_ASSERT_PTR_NULL(lookup(rt, "11.0.0.1"));
	CU_ASSERT_PTR_NULL(lookup(rt, "10.2.0.1"));
	CU_ASSERT_EQUAL(lookup_gw(rt, "10.1.9.9"), ps_ip("192.168.0.16"));
	CU_ASSERT_EQUAL(stats(rt).routes, RTE_DIM(rs) - 3);
	ps_route_free(rt);
}

/*
 * Prefixes of every length that nest and overlap, added and deleted in a
 * random order, against a linear reference after every step: a delete
 * must hand each address back to the longest remaining cover, whether
 * that is longer or shorter than /24, and an add must not overwrite the
 * longer prefixes inside it.
 */
struct mref {
	uint32_t addr[512];	/* host order */
	uint8_t len[512];
	unsigned int n;
};

static uint32_t
mref_gw(uint32_t addr, uint8_t len)
{
	return rte_cpu_to_be_32((172u << 24) |
				((addr * 2654435761u) >> 12 & 0xfff00) | len);
}

static uint32_t
mref_expect(const struct mref *m, uint32_t host)
{
	unsigned int i;
	int best = -1;

	for (i = 0; i < m->n; i++)
		if ((host & mask_of(m->len[i])) == m->addr[i] &&
		    (best < 0 || m->len[i] > m->len[best]))
			best = (int)i;
	return best < 0 ? 0 : mref_gw(m->addr[best], m->len[best]);
}

static uint32_t
mixed_addr(uint64_t *s)
{
	uint64_t r = xorshift(s);

	/* mostly inside two /22s so that prefixes pile up on each other */
	switch (r % 4) {
	case 0:
		return (uint32_t)(r >> 8);
	case 1:
		return (10u << 24) | ((uint32_t)(r >> 8) & 0xffffff);
	default:
		return (10u << 24) | (1u << 16) | ((uint32_t)(r >> 8) & 0x3ff) |
		       ((r >> 40) & 1 ? 0x1000 : 0);
	}
}

static unsigned int
mixed_verify(const struct ps_route_table *rt, const struct mref *m,
	     uint64_t *s)
{
	uint32_t host[64], addr[64];
	const struct ps_nexthop *nh[64];
	unsigned int i, k, bad = 0;

	for (i = 0; i < m->n + 16; i++) {
		for (k = 0; k < 64; k++) {
			if (i < m->n && k < 4) {
				uint32_t lo = m->addr[i];
				uint32_t hi = lo | ~mask_of(m->len[i]);

				host[k] = k == 0 ? lo : k == 1 ? hi :
					  k == 2 ? lo - 1 : hi + 1;
			} else {
				host[k] = mixed_addr(s);
			}
			addr[k] = rte_cpu_to_be_32(host[k]);
		}
		ps_route_lookup_bulk(rt, addr, 64, nh);
		for (k = 0; k < 64; k++) {
			uint32_t want = mref_expect(m, host[k]);
			uint32_t got = nh[k] == NULL ? 0 : nh[k]->gateway;

			if (want != got && bad++ < 5)
				fprintf(stderr, "lookup %08x: got %08x want "
					"%08x\n", host[k], got, want);
		}
	}
	return bad;
}

static void
test_mixed_lengths(void)
{
	struct rte_rcu_qsbr *qsv = qsv_reader0();
	struct ps_route_table *rt = create("mixed", 1024, 1024, qsv);
	static struct mref m;
	uint64_t s = 77;
	unsigned int step, i, bad = 0, adds = 0, dels = 0;

	if (rt == NULL)
		goto out;
	memset(&m, 0, sizeof(m));
	for (step = 0; step < 3000; step++) {
		uint64_t r = xorshift(&s);
		bool add = m.n == 0 || (m.n < RTE_DIM(m.addr) &&
					r % 100 < (step < 1500 ? 70u : 35u));
		struct ps_route rr;

		if (add) {
			uint8_t len = (uint8_t)(1 + (r >> 8) % 32);
			uint32_t a = mixed_addr(&s) & mask_of(len);
			int want = 0, rc;

			for (i = 0; i < m.n; i++)
				if (m.addr[i] == a && m.len[i] == len)
					want = -EEXIST;
			memset(&rr, 0, sizeof(rr));
			rr.dst.addr = rte_cpu_to_be_32(a);
			rr.dst.len = len;
			rr.nh.type = PS_NH_GATEWAY;
			rr.nh.gateway = mref_gw(a, len);
			rr.origin = PS_ROUTE_API;
			rc = ps_route_add(rt, &rr);
			CU_ASSERT_EQUAL(rc, want);
			if (rc == 0) {
				m.addr[m.n] = a;
				m.len[m.n++] = len;
				adds++;
			}
		} else {
			struct ps_prefix4 p;

			i = (unsigned int)((r >> 8) % m.n);
			p.addr = rte_cpu_to_be_32(m.addr[i]);
			p.len = m.len[i];
			CU_ASSERT_EQUAL(ps_route_del(rt, &p), 0);
			m.addr[i] = m.addr[m.n - 1];
			m.len[i] = m.len[--m.n];
			dels++;
		}
		/* groups freed by deletes come back to later adds */
		rte_rcu_qsbr_quiescent(qsv, 0);
		/* a wrong entry stays wrong until rewritten: every 7th
		 * state is enough to see it, at a seventh of the time */
		if (step % 7 == 0)
			bad += mixed_verify(rt, &m, &s);
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT(adds > 1000 && dels > 1000);
	CU_ASSERT_EQUAL(stats(rt).routes, m.n);
	/* down to nothing: every address misses again */
	while (m.n > 0) {
		struct ps_prefix4 p = {
			.addr = rte_cpu_to_be_32(m.addr[m.n - 1]),
			.len = m.len[m.n - 1],
		};

		CU_ASSERT_EQUAL(ps_route_del(rt, &p), 0);
		m.n--;
	}
	CU_ASSERT_EQUAL(mixed_verify(rt, &m, &s), 0);
	CU_ASSERT_EQUAL(stats(rt).full, 0);
	rte_rcu_qsbr_quiescent(qsv, 0);
	ps_route_free(rt);
out:
	qsv_done(qsv);
}

/* Bulk: more than one internal chunk, hits and misses interleaved. */
static void
test_lookup_bulk(void)
{
	struct ps_route_table *rt = create("bulk", 64, 16, NULL);
	struct ps_route a = via("10.0.0.0/16", "192.168.0.1");
	struct ps_route b = via("10.0.7.0/24", "192.168.0.2");
	uint32_t dst[150];
	const struct ps_nexthop *nh[150];
	unsigned int i;

	if (rt == NULL)
		return;
	CU_ASSERT_EQUAL(ps_route_add(rt, &a), 0);
	CU_ASSERT_EQUAL(ps_route_add(rt, &b), 0);
	for (i = 0; i < RTE_DIM(dst); i++)
		dst[i] = rte_cpu_to_be_32((i % 3 == 2 ? 11u << 24 : 10u << 24) |
					  (i % 16) << 8 | i);
	ps_route_lookup_bulk(rt, dst, RTE_DIM(dst), nh);
	for (i = 0; i < RTE_DIM(dst); i++) {
		uint32_t want = i % 3 == 2 ? 0 : ps_ip(i % 16 == 7 ?
					"192.168.0.2" : "192.168.0.1");

		CU_ASSERT_EQUAL(nh[i] == NULL ? 0 : nh[i]->gateway, want);
	}
	ps_route_lookup_bulk(rt, dst, 0, nh);
	ps_route_free(rt);
}

static void
test_del_enoent(void)
{
	struct ps_route_table *rt = create("del", 16, 4, NULL);
	struct ps_route r = via("10.1.0.0/16", "192.168.0.1");
	struct ps_prefix4 p;

	if (rt == NULL)
		return;
	p = pfx("10.1.0.0/16");
	CU_ASSERT_EQUAL(ps_route_del(rt, &p), -ENOENT);
	CU_ASSERT_EQUAL(ps_route_add(rt, &r), 0);
	/* exact prefix only: same address, other length */
	p = pfx("10.1.0.0/24");
	CU_ASSERT_EQUAL(ps_route_del(rt, &p), -ENOENT);
	p = pfx("10.0.0.0/8");
	CU_ASSERT_EQUAL(ps_route_del(rt, &p), -ENOENT);
	p = pfx("0.0.0.0/0");
	CU_ASSERT_EQUAL(ps_route_del(rt, &p), -ENOENT);
	p = pfx("10.1.0.0/16");
	CU_ASSERT_EQUAL(ps_route_del(rt, &p), 0);
	CU_ASSERT_EQUAL(ps_route_del(rt, &p), -ENOENT);
	CU_ASSERT_PTR_NULL(lookup(rt, "10.1.0.1"));
	CU_ASSERT_EQUAL(stats(rt).routes, 0);
	CU_ASSERT_EQUAL(stats(rt).nexthops, 0);
	/* and back */
	CU_ASSERT_EQUAL(ps_route_add(rt, &r), 0);
	CU_ASSERT_EQUAL(lookup_gw(rt, "10.1.0.1"), ps_ip("192.168.0.1"));
	ps_route_free(rt);
}

static void
test_eexist(void)
{
	struct ps_route_table *rt = create("eexist", 16, 4, NULL);
	struct ps_route a = via("10.1.0.0/16", "192.168.0.1");
	struct ps_route b = via("10.1.0.0/16", "192.168.0.2");
	struct ps_route c = via("10.1.0.0/24", "192.168.0.2");
	struct ps_route d = via("0.0.0.0/0", "192.168.0.3");

	if (rt == NULL)
		return;
	CU_ASSERT_EQUAL(ps_route_add(rt, &a), 0);
	CU_ASSERT_EQUAL(ps_route_add(rt, &a), -EEXIST);
	CU_ASSERT_EQUAL(ps_route_add(rt, &b), -EEXIST);
	/* the first one stays */
	CU_ASSERT_EQUAL(lookup_gw(rt, "10.1.9.9"), ps_ip("192.168.0.1"));
	CU_ASSERT_EQUAL(ps_route_add(rt, &c), 0);
	CU_ASSERT_EQUAL(ps_route_add(rt, &d), 0);
	CU_ASSERT_EQUAL(ps_route_add(rt, &d), -EEXIST);
	CU_ASSERT_EQUAL(stats(rt).routes, 3);
	/* the refused duplicate took no next-hop reference */
	CU_ASSERT_EQUAL(stats(rt).nexthops, 3);
	CU_ASSERT_EQUAL(stats(rt).full, 0);
	ps_route_free(rt);
}

static void
test_get(void)
{
	struct ps_route_table *rt = create("get", 16, 4, NULL);
	struct ps_route a = via("10.1.0.0/16", "192.168.0.1");
	struct ps_route c = mkroute("10.2.0.0/16", PS_NH_CONNECTED, 5, NULL);
	struct ps_route d = via("0.0.0.0/0", "192.168.0.3");
	struct ps_route out;
	struct ps_prefix4 p;

	if (rt == NULL)
		return;
	a.origin = PS_ROUTE_STATIC;
	/* a gateway on a non-gateway route means nothing: dropped */
	c.nh.gateway = ps_ip("1.2.3.4");
	c.origin = PS_ROUTE_CONNECTED;
	CU_ASSERT_EQUAL(ps_route_add(rt, &a), 0);
	CU_ASSERT_EQUAL(ps_route_add(rt, &c), 0);
	CU_ASSERT_EQUAL(ps_route_add(rt, &d), 0);

	p = pfx("10.1.0.0/16");
	memset(&out, 0xa5, sizeof(out));
	CU_ASSERT_EQUAL(ps_route_get(rt, &p, &out), 0);
	CU_ASSERT_EQUAL(out.dst.addr, a.dst.addr);
	CU_ASSERT_EQUAL(out.dst.len, 16);
	CU_ASSERT_EQUAL(out.nh.type, PS_NH_GATEWAY);
	CU_ASSERT_EQUAL(out.nh.port_id, 1);
	CU_ASSERT_EQUAL(out.nh.gateway, ps_ip("192.168.0.1"));
	CU_ASSERT_EQUAL(out.origin, PS_ROUTE_STATIC);

	p = pfx("10.2.0.0/16");
	CU_ASSERT_EQUAL(ps_route_get(rt, &p, &out), 0);
	CU_ASSERT_EQUAL(out.nh.type, PS_NH_CONNECTED);
	CU_ASSERT_EQUAL(out.nh.port_id, 5);
	CU_ASSERT_EQUAL(out.nh.gateway, 0);
	CU_ASSERT_EQUAL(out.origin, PS_ROUTE_CONNECTED);

	p = pfx("0.0.0.0/0");
	CU_ASSERT_EQUAL(ps_route_get(rt, &p, &out), 0);
	CU_ASSERT_EQUAL(out.nh.gateway, ps_ip("192.168.0.3"));

	p = pfx("10.1.0.0/17");
	CU_ASSERT_EQUAL(ps_route_get(rt, &p, &out), -ENOENT);
	p = pfx("10.1.0.0/16");
	CU_ASSERT_EQUAL(ps_route_del(rt, &p), 0);
	CU_ASSERT_EQUAL(ps_route_get(rt, &p, &out), -ENOENT);
	ps_route_free(rt);
}

/* ps_route_match: the prefix that won, the one lookup_bulk's next hop
 * comes from, for addresses under nested prefixes and none. */
static void
test_match(void)
{
	struct ps_route_table *rt = create("match", 16, 8, NULL);
	static const char *const routes[][2] = {
		{ "10.0.0.0/8", "192.168.0.1" },
		{ "10.1.0.0/16", "192.168.0.2" },
		{ "10.1.2.0/24", "192.168.0.3" },
		{ "10.1.2.3/32", "192.168.0.4" },
		{ "10.1.2.128/25", "192.168.0.5" },
	};
	static const char *const probes[][2] = {
		{ "10.9.9.9", "10.0.0.0/8" },
		{ "10.1.9.9", "10.1.0.0/16" },
		{ "10.1.2.2", "10.1.2.0/24" },
		{ "10.1.2.3", "10.1.2.3/32" },
		{ "10.1.2.255", "10.1.2.128/25" },
		{ "11.0.0.1", NULL },
		{ "0.0.0.0", NULL },
	};
	struct ps_route r, d = via("0.0.0.0/0", "192.168.0.9");
	const struct ps_nexthop *nh;
	char s[PS_PREFIX4_STRLEN];
	unsigned int i;
	uint32_t a;

	if (rt == NULL)
		return;
	for (i = 0; i < RTE_DIM(routes); i++) {
		r = via(routes[i][0], routes[i][1]);
		CU_ASSERT_EQUAL_FATAL(ps_route_add(rt, &r), 0);
	}
	for (i = 0; i < RTE_DIM(probes); i++) {
		a = ps_ip(probes[i][0]);
		if (probes[i][1] == NULL) {
			CU_ASSERT_EQUAL(ps_route_match(rt, a, &r), -ENOENT);
			continue;
		}
		CU_ASSERT_EQUAL_FATAL(ps_route_match(rt, a, &r), 0);
		ps_prefix4_fmt(s, &r.dst);
		CU_ASSERT_STRING_EQUAL(s, probes[i][1]);
		ps_route_lookup_bulk(rt, &a, 1, &nh);
		CU_ASSERT_PTR_NOT_NULL_FATAL(nh);
		CU_ASSERT_EQUAL(nh->gateway, r.nh.gateway);
	}
	/* the default route catches the rest */
	CU_ASSERT_EQUAL_FATAL(ps_route_add(rt, &d), 0);
	CU_ASSERT_EQUAL(ps_route_match(rt, ps_ip("11.0.0.1"), &r), 0);
	CU_ASSERT_EQUAL(r.dst.len, 0);
	CU_ASSERT_EQUAL(r.nh.gateway, ps_ip("192.168.0.9"));
	ps_route_free(rt);
}

struct walk_ctx {
	unsigned int n;
	unsigned int stop_at;
	uint32_t seen[16];
	struct ps_route_table *del;
};

static int
walk_cb(const struct ps_route *r, void *arg)
{
	struct walk_ctx *w = arg;

	if (w->n < RTE_DIM(w->seen))
		w->seen[w->n] = r->dst.addr;
	w->n++;
	if (w->del != NULL)
		CU_ASSERT_EQUAL(ps_route_del(w->del, &r->dst), 0);
	return w->n == w->stop_at ? 7 : 0;
}

static void
test_walk(void)
{
	struct ps_route_table *rt = create("walk", 16, 4, NULL);
	struct walk_ctx w;
	struct ps_prefix4 p;
	char s[32];
	unsigned int i;

	if (rt == NULL)
		return;
	memset(&w, 0, sizeof(w));
	CU_ASSERT_EQUAL(ps_route_walk(rt, walk_cb, &w), 0);
	CU_ASSERT_EQUAL(w.n, 0);
	for (i = 0; i < 10; i++) {
		struct ps_route r;

		/* not in address order, to see the insertion order */
		snprintf(s, sizeof(s), "10.%u.0.0/16", (i * 7) % 10);
		r = via(s, i % 2 ? "192.168.0.1" : "192.168.0.2");
		CU_ASSERT_EQUAL(ps_route_add(rt, &r), 0);
	}
	memset(&w, 0, sizeof(w));
	CU_ASSERT_EQUAL(ps_route_walk(rt, walk_cb, &w), 0);
	CU_ASSERT_EQUAL(w.n, 10);
	for (i = 0; i < 10; i++) {
		uint32_t want = (10u << 24) | ((i * 7) % 10) << 16;

		CU_ASSERT_EQUAL(w.seen[i], rte_cpu_to_be_32(want));
	}

	/* a callback's non-zero return stops the walk and is returned */
	memset(&w, 0, sizeof(w));
	w.stop_at = 3;
	CU_ASSERT_EQUAL(ps_route_walk(rt, walk_cb, &w), 7);
	CU_ASSERT_EQUAL(w.n, 3);

	/* deletes keep the order of the rest */
	p = pfx("10.0.0.0/16");
	CU_ASSERT_EQUAL(ps_route_del(rt, &p), 0);
	p = pfx("10.4.0.0/16");
	CU_ASSERT_EQUAL(ps_route_del(rt, &p), 0);
	memset(&w, 0, sizeof(w));
	CU_ASSERT_EQUAL(ps_route_walk(rt, walk_cb, &w), 0);
	CU_ASSERT_EQUAL(w.n, 8);
	CU_ASSERT_EQUAL(w.seen[0], ps_ip("10.7.0.0"));
	CU_ASSERT_EQUAL(w.seen[7], ps_ip("10.3.0.0"));

	/* a callback may delete the route it is given */
	memset(&w, 0, sizeof(w));
	w.del = rt;
	CU_ASSERT_EQUAL(ps_route_walk(rt, walk_cb, &w), 0);
	CU_ASSERT_EQUAL(w.n, 8);
	CU_ASSERT_EQUAL(stats(rt).routes, 0);
	CU_ASSERT_EQUAL(stats(rt).nexthops, 0);
	memset(&w, 0, sizeof(w));
	CU_ASSERT_EQUAL(ps_route_walk(rt, walk_cb, &w), 0);
	CU_ASSERT_EQUAL(w.n, 0);
	ps_route_free(rt);
}

static void
test_nexthop_dedup(void)
{
	struct ps_route_table *rt = create("dedup", 2048, 8, NULL);
	const struct ps_nexthop *nh[4];
	uint32_t dst[4];
	struct ps_route r;
	unsigned int i;

	if (rt == NULL)
		return;
	for (i = 0; i < 1000; i++) {
		memset(&r, 0, sizeof(r));
		r.dst.addr = rte_cpu_to_be_32(0x0a020000u | i);
		r.dst.len = 32;
		r.nh.type = PS_NH_GATEWAY;
		r.nh.port_id = 1;
		r.nh.gateway = ps_ip(i % 2 ? "192.168.0.1" : "192.168.0.2");
		CU_ASSERT_EQUAL(ps_route_add(rt, &r), 0);
	}
	CU_ASSERT_EQUAL(stats(rt).routes, 1000);
	CU_ASSERT_EQUAL(stats(rt).nexthops, 2);
	for (i = 0; i < 4; i++)
		dst[i] = rte_cpu_to_be_32(0x0a020000u | (i + 10));
	ps_route_lookup_bulk(rt, dst, 4, nh);
	CU_ASSERT(nh[0] != NULL && nh[1] != NULL && nh[0] != nh[1]);
	CU_ASSERT_PTR_EQUAL(nh[0], nh[2]);
	CU_ASSERT_PTR_EQUAL(nh[1], nh[3]);

	/* same gateway on another port, or another type: another next hop */
	r = mkroute("10.3.0.0/16", PS_NH_GATEWAY, 2, "192.168.0.1");
	CU_ASSERT_EQUAL(ps_route_add(rt, &r), 0);
	r = mkroute("10.4.0.0/16", PS_NH_CONNECTED, 1, NULL);
	CU_ASSERT_EQUAL(ps_route_add(rt, &r), 0);
	r = mkroute("10.5.0.0/16", PS_NH_CONNECTED, 1, "9.9.9.9");
	CU_ASSERT_EQUAL(ps_route_add(rt, &r), 0);
	CU_ASSERT_EQUAL(stats(rt).nexthops, 4);
	CU_ASSERT_PTR_EQUAL(lookup(rt, "10.4.0.1"), lookup(rt, "10.5.0.1"));

	for (i = 0; i < 1000; i++) {
		struct ps_prefix4 p = {
			.addr = rte_cpu_to_be_32(0x0a020000u | i), .len = 32,
		};

		CU_ASSERT_EQUAL(ps_route_del(rt, &p), 0);
		/* a next hop lives while one route still uses it */
		if (i == 997)
			CU_ASSERT_EQUAL(stats(rt).nexthops, 4);
	}
	CU_ASSERT_EQUAL(stats(rt).nexthops, 2);
	r.dst = pfx("10.3.0.0/16");
	CU_ASSERT_EQUAL(ps_route_del(rt, &r.dst), 0);
	r.dst = pfx("10.4.0.0/16");
	CU_ASSERT_EQUAL(ps_route_del(rt, &r.dst), 0);
	r.dst = pfx("10.5.0.0/16");
	CU_ASSERT_EQUAL(ps_route_del(rt, &r.dst), 0);
	CU_ASSERT_EQUAL(stats(rt).routes, 0);
	CU_ASSERT_EQUAL(stats(rt).nexthops, 0);
	CU_ASSERT_PTR_NULL(lookup(rt, "10.2.0.10"));
	ps_route_free(rt);
}

static void
test_full_routes(void)
{
	struct ps_route_table *rt = create("full", 16, 4, NULL);
	struct ps_route r, extra = via("10.2.0.0/16", "192.168.0.1");
	struct ps_route dflt = via("0.0.0.0/0", "192.168.0.1");
	char s[32];
	unsigned int i;

	if (rt == NULL)
		return;
	for (i = 0; i < 16; i++) {
		snprintf(s, sizeof(s), "10.1.%u.0/24", i);
		r = via(s, "192.168.0.1");
		CU_ASSERT_EQUAL(ps_route_add(rt, &r), 0);
	}
	CU_ASSERT_EQUAL(ps_route_add(rt, &extra), -ENOSPC);
	CU_ASSERT_EQUAL(stats(rt).full, 1);
	CU_ASSERT_EQUAL(ps_route_add(rt, &dflt), -ENOSPC);
	CU_ASSERT_EQUAL(stats(rt).full, 2);
	/* a duplicate is a duplicate, full or not */
	CU_ASSERT_EQUAL(ps_route_add(rt, &r), -EEXIST);
	CU_ASSERT_EQUAL(stats(rt).full, 2);
	CU_ASSERT_EQUAL(stats(rt).routes, 16);
	CU_ASSERT_PTR_NULL(lookup(rt, "10.2.0.1"));
	CU_ASSERT_PTR_NULL(lookup(rt, "11.0.0.1"));
	for (i = 0; i < 16; i++) {
		snprintf(s, sizeof(s), "10.1.%u.9", i);
		CU_ASSERT_EQUAL(lookup_gw(rt, s), ps_ip("192.168.0.1"));
	}
	/* one out, one in */
	r.dst = pfx("10.1.3.0/24");
	CU_ASSERT_EQUAL(ps_route_del(rt, &r.dst), 0);
	CU_ASSERT_EQUAL(ps_route_add(rt, &extra), 0);
	CU_ASSERT_EQUAL(ps_route_add(rt, &dflt), -ENOSPC);
	CU_ASSERT_EQUAL(stats(rt).full, 3);
	CU_ASSERT_EQUAL(lookup_gw(rt, "10.2.0.1"), ps_ip("192.168.0.1"));
	CU_ASSERT_PTR_NULL(lookup(rt, "10.1.3.1"));
	ps_route_free(rt);
}

static void
test_full_nexthops(void)
{
	struct ps_route_table *rt = create("fullnh", 64, 4, NULL);
	struct ps_route r;
	char s[32], g[32];
	unsigned int i;

	if (rt == NULL)
		return;
	for (i = 0; i < 4; i++) {
		snprintf(s, sizeof(s), "10.%u.0.0/16", i);
		snprintf(g, sizeof(g), "192.168.0.%u", i + 1);
		r = via(s, g);
		CU_ASSERT_EQUAL(ps_route_add(rt, &r), 0);
	}
	r = via("10.9.0.0/16", "192.168.0.9");
	CU_ASSERT_EQUAL(ps_route_add(rt, &r), -ENOSPC);
	CU_ASSERT_EQUAL(stats(rt).full, 1);
	CU_ASSERT_EQUAL(stats(rt).nexthops, 4);
	CU_ASSERT_EQUAL(stats(rt).routes, 4);
	CU_ASSERT_PTR_NULL(lookup(rt, "10.9.0.1"));
	/* an existing next hop still takes routes */
	r = via("10.8.0.0/16", "192.168.0.2");
	CU_ASSERT_EQUAL(ps_route_add(rt, &r), 0);
	CU_ASSERT_EQUAL(stats(rt).nexthops, 4);
	for (i = 0; i < 4; i++) {
		snprintf(s, sizeof(s), "10.%u.1.1", i);
		snprintf(g, sizeof(g), "192.168.0.%u", i + 1);
		CU_ASSERT_EQUAL(lookup_gw(rt, s), ps_ip(g));
	}
	/* the last route of a next hop frees its slot (no readers: now) */
	r.dst = pfx("10.0.0.0/16");
	CU_ASSERT_EQUAL(ps_route_del(rt, &r.dst), 0);
	CU_ASSERT_EQUAL(stats(rt).nexthops, 3);
	r = via("10.9.0.0/16", "192.168.0.9");
	CU_ASSERT_EQUAL(ps_route_add(rt, &r), 0);
	CU_ASSERT_EQUAL(lookup_gw(rt, "10.9.0.1"), ps_ip("192.168.0.9"));
	CU_ASSERT_EQUAL(lookup_gw(rt, "10.1.0.1"), ps_ip("192.168.0.2"));
	CU_ASSERT_EQUAL(stats(rt).full, 1);
	ps_route_free(rt);
}

/*
 * Prefixes longer than /24 take a tbl8 group per /24; the table has
 * max_routes / 2 groups, so /32s in distinct /24s run out first.
 */
static void
test_full_tbl8(void)
{
	struct ps_route_table *rt = create("fulltbl8", 256, 4, NULL);
	struct ps_route r;
	unsigned int i, ok = 0;
	char s[32];
	int rc = 0;

	if (rt == NULL)
		return;
	for (i = 0; i < 256; i++) {
		snprintf(s, sizeof(s), "10.0.%u.1/32", i);
		r = via(s, "192.168.0.1");
		rc = ps_route_add(rt, &r);
		if (rc != 0)
			break;
		ok++;
	}
	CU_ASSERT_EQUAL(ok, 128);
	CU_ASSERT_EQUAL(rc, -ENOSPC);
	CU_ASSERT_EQUAL(stats(rt).full, 1);
	CU_ASSERT_EQUAL(stats(rt).routes, 128);
	CU_ASSERT_EQUAL(stats(rt).nexthops, 1);
	CU_ASSERT_EQUAL(ps_route_get(rt, &r.dst, &r), -ENOENT);
	for (i = 0; i < ok; i++) {
		snprintf(s, sizeof(s), "10.0.%u.1", i);
		CU_ASSERT_EQUAL(lookup_gw(rt, s), ps_ip("192.168.0.1"));
	}
	snprintf(s, sizeof(s), "10.0.%u.1", ok);
	CU_ASSERT_PTR_NULL(lookup(rt, s));
	/* no group needed: a /24, or a /32 in a /24 that has one */
	r = via("10.1.0.0/24", "192.168.0.1");
	CU_ASSERT_EQUAL(ps_route_add(rt, &r), 0);
	r = via("10.0.5.2/32", "192.168.0.2");
	CU_ASSERT_EQUAL(ps_route_add(rt, &r), 0);
	/* a group given back is usable again */
	r.dst = pfx("10.0.7.1/32");
	CU_ASSERT_EQUAL(ps_route_del(rt, &r.dst), 0);
	r = via("10.0.200.1/32", "192.168.0.1");
	CU_ASSERT_EQUAL(ps_route_add(rt, &r), 0);
	CU_ASSERT_EQUAL(lookup_gw(rt, "10.0.200.1"), ps_ip("192.168.0.1"));
	CU_ASSERT_EQUAL(lookup_gw(rt, "10.0.5.2"), ps_ip("192.168.0.2"));
	CU_ASSERT_EQUAL(stats(rt).full, 1);
	ps_route_free(rt);
}

/* A VXLAN next hop keeps its remote and VTEP id; two routes to the same
 * VTEP share one next hop, another VTEP id is another next hop. */
static void
test_vxlan_nexthop(void)
{
	struct ps_route_table *rt = create("vx", 16, 4, NULL);
	struct ps_route a = mkroute("10.244.1.0/24", PS_NH_VXLAN, 3, "192.168.60.11");
	struct ps_route b = mkroute("10.244.2.0/24", PS_NH_VXLAN, 3, "192.168.60.11");
	struct ps_route c = mkroute("10.244.3.0/24", PS_NH_VXLAN, 4, "192.168.60.11");
	const struct ps_nexthop *nh;
	struct ps_route got;
	uint32_t dst = ps_ip("10.244.2.9");

	if (rt == NULL)
		return;
	CU_ASSERT_EQUAL(ps_route_add(rt, &a), 0);
	CU_ASSERT_EQUAL(ps_route_add(rt, &b), 0);
	CU_ASSERT_EQUAL(stats(rt).nexthops, 1);
	CU_ASSERT_EQUAL(ps_route_add(rt, &c), 0);
	CU_ASSERT_EQUAL(stats(rt).nexthops, 2);
	CU_ASSERT_EQUAL(ps_route_get(rt, &b.dst, &got), 0);
	CU_ASSERT_EQUAL(got.nh.type, PS_NH_VXLAN);
	CU_ASSERT_EQUAL(got.nh.port_id, 3);
	CU_ASSERT_EQUAL(got.nh.gateway, ps_ip("192.168.60.11"));
	ps_route_lookup_bulk(rt, &dst, 1, &nh);
	CU_ASSERT_PTR_NOT_NULL_FATAL(nh);
	CU_ASSERT_EQUAL(nh->type, PS_NH_VXLAN);
	CU_ASSERT_EQUAL(nh->port_id, 3);
	ps_route_free(rt);
}

static void
test_bad_input(void)
{
	struct ps_route_table *rt = create("bad", 16, 4, NULL);
	struct ps_route good = via("10.1.0.0/16", "192.168.0.1"), r;
	struct ps_route set[2];
	struct ps_prefix4 p;

	if (rt == NULL)
		return;
	CU_ASSERT_EQUAL(ps_route_add(rt, NULL), -EINVAL);
	r = good;
	r.dst.len = 33;
	CU_ASSERT_EQUAL(ps_route_add(rt, &r), -EINVAL);
	r = good;
	r.dst = pfx("10.1.0.1/16");		/* host bits */
	CU_ASSERT_EQUAL(ps_route_add(rt, &r), -EINVAL);
	r.dst = pfx("10.0.0.1/0");
	CU_ASSERT_EQUAL(ps_route_add(rt, &r), -EINVAL);
	r.dst = pfx("10.0.0.1/31");
	CU_ASSERT_EQUAL(ps_route_add(rt, &r), -EINVAL);
	r = good;
	r.nh.type = PS_NH_TYPE_MAX;
	CU_ASSERT_EQUAL(ps_route_add(rt, &r), -EINVAL);
	r.nh.type = 0xff;
	CU_ASSERT_EQUAL(ps_route_add(rt, &r), -EINVAL);
	r = good;
	r.nh.gateway = 0;
	CU_ASSERT_EQUAL(ps_route_add(rt, &r), -EINVAL);
	/* a VXLAN next hop needs its remote VTEP */
	r = mkroute("10.244.1.0/24", PS_NH_VXLAN, 3, NULL);
	CU_ASSERT_EQUAL(ps_route_add(rt, &r), -EINVAL);
	r = good;
	r.origin = PS_ROUTE_API + 1;
	CU_ASSERT_EQUAL(ps_route_add(rt, &r), -EINVAL);
	CU_ASSERT_EQUAL(stats(rt).routes, 0);
	CU_ASSERT_EQUAL(stats(rt).nexthops, 0);
	CU_ASSERT_EQUAL(stats(rt).full, 0);

	/* the edges that are valid */
	r = good;
	r.dst = pfx("10.0.0.1/32");
	CU_ASSERT_EQUAL(ps_route_add(rt, &r), 0);
	r.dst = pfx("10.0.0.0/31");
	CU_ASSERT_EQUAL(ps_route_add(rt, &r), 0);
	r.dst = pfx("128.0.0.0/1");
	CU_ASSERT_EQUAL(ps_route_add(rt, &r), 0);
	CU_ASSERT_EQUAL(lookup_gw(rt, "200.1.1.1"), ps_ip("192.168.0.1"));

	/* exact-prefix calls with a prefix that cannot exist */
	p.addr = ps_ip("10.0.0.1");
	p.len = 33;
	CU_ASSERT_EQUAL(ps_route_del(rt, &p), -ENOENT);
	CU_ASSERT_EQUAL(ps_route_get(rt, &p, &r), -ENOENT);
	CU_ASSERT_EQUAL(ps_route_del(rt, NULL), -EINVAL);
	CU_ASSERT_EQUAL(ps_route_get(rt, NULL, &r), -EINVAL);

	/* a replace with one bad route changes nothing */
	set[0] = via("10.7.0.0/16", "192.168.0.7");
	set[1] = good;
	set[1].dst.len = 40;
	CU_ASSERT_EQUAL(ps_route_replace_all(rt, set, 2), -EINVAL);
	CU_ASSERT_EQUAL(ps_route_replace_all(rt, NULL, 1), -EINVAL);
	CU_ASSERT_EQUAL(stats(rt).routes, 3);
	CU_ASSERT_EQUAL(stats(rt).generations, 0);
	CU_ASSERT_PTR_NULL(lookup(rt, "10.7.0.1"));
	CU_ASSERT_EQUAL(lookup_gw(rt, "10.0.0.1"), ps_ip("192.168.0.1"));

	CU_ASSERT_STRING_EQUAL(ps_nh_type_name(PS_NH_LOCAL), "local");
	CU_ASSERT_STRING_EQUAL(ps_nh_type_name(PS_NH_CONNECTED), "connected");
	CU_ASSERT_STRING_EQUAL(ps_nh_type_name(PS_NH_GATEWAY), "gateway");
	CU_ASSERT_STRING_EQUAL(ps_nh_type_name(PS_NH_BLACKHOLE), "blackhole");
	CU_ASSERT_STRING_EQUAL(ps_nh_type_name(PS_NH_UNREACHABLE),
			       "unreachable");
	CU_ASSERT_STRING_EQUAL(ps_nh_type_name(PS_NH_VXLAN), "vxlan");
	CU_ASSERT_STRING_EQUAL(ps_nh_type_name(PS_NH_TYPE_MAX), "unknown");
	ps_route_free(rt);
}

/* Fast-path rate on the current table, printed only. */
static void
lookup_rate(const struct ps_route_table *rt)
{
	enum { BURST = 32, ROUNDS = 1 << 15 };
	uint32_t dst[BURST * 64];
	const struct ps_nexthop *nh[BURST];
	uint64_t s = 12345, hits = 0;
	unsigned int i, k;
	double t0, t;

	for (i = 0; i < RTE_DIM(dst); i++)
		dst[i] = rte_cpu_to_be_32((10u << 24) |
					  ((uint32_t)xorshift(&s) & 0xffffff));
	t0 = now_s();
	for (i = 0; i < ROUNDS; i++) {
		ps_route_lookup_bulk(rt, &dst[(i % 64) * BURST], BURST, nh);
		for (k = 0; k < BURST; k++)
			hits += nh[k] != NULL;
	}
	t = now_s() - t0;
	printf("\n    perf: %u lookups in bursts of %u: %.1f Mlookups/s "
	       "(%.0f%% hit)\n", ROUNDS * BURST, BURST,
	       ROUNDS * BURST / t / 1e6, 100.0 * hits / (ROUNDS * BURST));
}

/* 100k prefixes added and deleted one by one. */
static void
test_100k(void)
{
	struct ps_route_table *rt;
	struct pset set;
	unsigned int i, errs = 0;
	double t0, t_add, t_del;

	CU_ASSERT_EQUAL_FATAL(pset_make(&set, 1, BIG_SET), 0);
	rt = create("big", BIG_ROUTES, BIG_NEXTHOPS, NULL);
	if (rt == NULL)
		goto out;
	t0 = now_s();
	for (i = 0; i < set.n; i++)
		if (ps_route_add(rt, &set.routes[i]) != 0)
			errs++;
	t_add = now_s() - t0;
	CU_ASSERT_EQUAL(errs, 0);
	CU_ASSERT_EQUAL(stats(rt).routes, BIG_SET);
	CU_ASSERT_EQUAL(stats(rt).nexthops, BIG_GWS);
	CU_ASSERT_EQUAL(stats(rt).full, 0);
	CU_ASSERT_EQUAL(pset_verify(rt, &set, &set, 1000000), 0);
	lookup_rate(rt);

	/* delete in another order than the adds */
	errs = 0;
	t0 = now_s();
	for (i = set.n; i-- > 0;)
		if (ps_route_del(rt, &set.routes[(i * 7919u) % set.n].dst) != 0)
			errs++;
	t_del = now_s() - t0;
	CU_ASSERT_EQUAL(errs, 0);
	CU_ASSERT_EQUAL(stats(rt).routes, 0);
	CU_ASSERT_EQUAL(stats(rt).nexthops, 0);
	CU_ASSERT_EQUAL(pset_verify(rt, &set, NULL, 100000), 0);
	printf("    perf: %u adds in %.3f s (%.0f routes/s), %u deletes in "
	       "%.3f s (%.0f routes/s)\n", set.n, t_add, set.n / t_add,
	       set.n, t_del, set.n / t_del);
	/* empty again means usable again */
	CU_ASSERT_EQUAL(ps_route_add(rt, &set.routes[0]), 0);
	ps_route_free(rt);
out:
	pset_free(&set);
}

static void
test_replace_all(void)
{
	struct ps_route_table *rt;
	struct ps_route *many = NULL, small[1001];
	struct pset a, b;
	unsigned int i;
	double t0, t;

	CU_ASSERT_EQUAL_FATAL(pset_make(&a, 2, BIG_SET), 0);
	CU_ASSERT_EQUAL_FATAL(pset_make(&b, 3, BIG_SET), 0);
	rt = create("replace", BIG_ROUTES, BIG_NEXTHOPS, NULL);
	if (rt == NULL)
		goto out;

	t0 = now_s();
	CU_ASSERT_EQUAL(ps_route_replace_all(rt, a.routes, a.n), 0);
	t = now_s() - t0;
	printf("\n    perf: replace_all of %u routes (empty -> A) in %.3f s "
	       "(%.0f routes/s)\n", a.n, t, a.n / t);
	CU_ASSERT_EQUAL(stats(rt).routes, BIG_SET);
	CU_ASSERT_EQUAL(stats(rt).generations, 1);
	CU_ASSERT_EQUAL(pset_verify(rt, &a, &a, 100000), 0);

	t0 = now_s();
	CU_ASSERT_EQUAL(ps_route_replace_all(rt, b.routes, b.n), 0);
	t = now_s() - t0;
	printf("    perf: replace_all of %u routes (A -> B) in %.3f s "
	       "(%.0f routes/s)\n", b.n, t, b.n / t);
	/* exactly B: A's addresses resolve as B says, not as A did */
	CU_ASSERT_EQUAL(pset_verify(rt, &b, &b, 100000), 0);
	CU_ASSERT_EQUAL(pset_verify(rt, &a, &b, 0), 0);
	CU_ASSERT_EQUAL(stats(rt).routes, BIG_SET);
	CU_ASSERT_EQUAL(stats(rt).nexthops, BIG_GWS);
	CU_ASSERT_EQUAL(stats(rt).generations, 2);

	/* a prefix twice: -EEXIST, B intact */
	memcpy(small, a.routes, sizeof(small[0]) * 1000);
	small[1000] = a.routes[10];
	small[1000].nh.gateway = ps_ip("192.168.99.1");
	CU_ASSERT_EQUAL(ps_route_replace_all(rt, small, 1001), -EEXIST);
	/* more routes than the table holds: -ENOSPC, counted */
	many = calloc(BIG_ROUTES + 1, sizeof(*many));
	CU_ASSERT_PTR_NOT_NULL_FATAL(many);
	for (i = 0; i < BIG_ROUTES + 1; i++) {
		many[i].dst.addr = rte_cpu_to_be_32((11u << 24) | i);
		many[i].dst.len = 32;
		many[i].nh.type = PS_NH_CONNECTED;
	}
	CU_ASSERT_EQUAL(ps_route_replace_all(rt, many, BIG_ROUTES + 1),
			-ENOSPC);
	CU_ASSERT_EQUAL(stats(rt).full, 1);
	/* more distinct next hops than the table holds: -ENOSPC, counted */
	for (i = 0; i < BIG_NEXTHOPS + 1; i++) {
		many[i].dst.addr = rte_cpu_to_be_32((11u << 24) | i << 8);
		many[i].dst.len = 24;
		many[i].nh.type = PS_NH_GATEWAY;
		many[i].nh.gateway = rte_cpu_to_be_32((172u << 24) | (i + 1));
	}
	CU_ASSERT_EQUAL(ps_route_replace_all(rt, many, BIG_NEXTHOPS + 1),
			-ENOSPC);
	CU_ASSERT_EQUAL(stats(rt).full, 2);
	/* invalid route last: -EINVAL */
	memcpy(small, b.routes, sizeof(small[0]) * 1000);
	small[1000] = b.routes[0];
	small[1000].nh.type = PS_NH_TYPE_MAX;
	CU_ASSERT_EQUAL(ps_route_replace_all(rt, small, 1001), -EINVAL);

	CU_ASSERT_EQUAL(stats(rt).routes, BIG_SET);
	CU_ASSERT_EQUAL(stats(rt).nexthops, BIG_GWS);
	CU_ASSERT_EQUAL(stats(rt).generations, 2);
	CU_ASSERT_EQUAL(pset_verify(rt, &b, &b, 100000), 0);
	CU_ASSERT_PTR_NULL(lookup(rt, "11.0.0.1"));

	/* the table keeps working on the new generation */
	CU_ASSERT_EQUAL(ps_route_add(rt, &b.routes[0]), -EEXIST);
	CU_ASSERT_EQUAL(ps_route_del(rt, &b.routes[0].dst), 0);
	CU_ASSERT_EQUAL(ps_route_add(rt, &b.routes[0]), 0);
	CU_ASSERT_EQUAL(ps_route_add(rt, &a.routes[0]),
			pset_has(&b, &a.routes[0].dst) ? -EEXIST : 0);

	/* down to nothing and up again */
	CU_ASSERT_EQUAL(ps_route_replace_all(rt, NULL, 0), 0);
	CU_ASSERT_EQUAL(stats(rt).routes, 0);
	CU_ASSERT_EQUAL(stats(rt).nexthops, 0);
	CU_ASSERT_EQUAL(pset_verify(rt, &b, NULL, 1000), 0);
	CU_ASSERT_EQUAL(ps_route_replace_all(rt, small, 1000), 0);
	CU_ASSERT_EQUAL(stats(rt).routes, 1000);
	CU_ASSERT_EQUAL(stats(rt).generations, 4);
	ps_route_free(rt);
out:
	free(many);
	pset_free(&a);
	pset_free(&b);
}

/*
 * Writer rates for other shapes of route set, printed only: a node's
 * routes are mostly one /24 pod subnet per node; the long-prefix mix is
 * what costs most per route (a tbl8 group, 1 KiB, filled for most of
 * them).
 */
static void
test_perf_shapes(void)
{
	struct ps_route_table *rt = create("perf", BIG_ROUTES, BIG_NEXTHOPS,
					   NULL);
	static const unsigned int sizes[] = { 1000, 10000, 50000 };
	struct ps_route *r24 = calloc(BIG_SET, sizeof(*r24));
	struct pset mix;
	unsigned int i, n;
	double t0, t;

	CU_ASSERT_PTR_NOT_NULL_FATAL(r24);
	CU_ASSERT_EQUAL_FATAL(pset_make(&mix, 6, BIG_SET), 0);
	if (rt == NULL)
		goto out;
	for (i = 0; i < BIG_SET; i++) {
		r24[i].dst.addr = rte_cpu_to_be_32((10u << 24) + (i << 8));
		r24[i].dst.len = 24;
		r24[i].nh.type = PS_NH_GATEWAY;
		r24[i].nh.gateway = gw_of(i);
	}
	printf("\n");
	/* 50k is enough to show the growth is linear (rte_lpm, used before,
	 * made it quadratic: 3.3 s for these 50k) */
	for (i = 0; i < RTE_DIM(sizes); i++) {
		n = sizes[i];
		t0 = now_s();
		CU_ASSERT_EQUAL(ps_route_replace_all(rt, r24, n), 0);
		t = now_s() - t0;
		printf("    perf: replace_all %6u /24 routes: %.3f s (%.0f "
		       "routes/s)\n", n, t, n / t);
	}
	for (n = 1000; n < BIG_SET; n *= 10) {
		t0 = now_s();
		CU_ASSERT_EQUAL(ps_route_replace_all(rt, mix.routes, n), 0);
		t = now_s() - t0;
		printf("    perf: replace_all %6u /24../32 routes: %.3f s "
		       "(%.0f routes/s)\n", n, t, n / t);
	}
	CU_ASSERT_EQUAL(ps_route_replace_all(rt, NULL, 0), 0);
	t0 = now_s();
	for (i = 0; i < 10000; i++)
		CU_ASSERT_EQUAL(ps_route_add(rt, &r24[i]), 0);
	t = now_s() - t0;
	printf("    perf: 10000 adds of /24 routes: %.3f s (%.0f routes/s)\n",
	       t, 10000 / t);
	ps_route_free(rt);
out:
	pset_free(&mix);
	free(r24);
}

/*
 * A next hop whose last route went away may still be read by a worker:
 * its slot comes back only after the worker's quiescent state.
 */
static void
test_rcu_nexthop(void)
{
	struct rte_rcu_qsbr *qsv = qsv_reader0();
	struct ps_route_table *rt = create("rcunh", 16, 2, qsv);
	struct ps_route r1 = via("10.0.1.0/24", "192.168.0.1");
	struct ps_route r2 = via("10.0.2.0/24", "192.168.0.2");
	struct ps_route r3 = via("10.0.3.0/24", "192.168.0.3");
	struct ps_route r4 = via("10.0.4.0/24", "192.168.0.4");
	const struct ps_nexthop *held;

	if (rt == NULL)
		goto out;
	CU_ASSERT_EQUAL(ps_route_add(rt, &r1), 0);
	CU_ASSERT_EQUAL(ps_route_add(rt, &r2), 0);
	held = lookup(rt, "10.0.1.1");
	CU_ASSERT_PTR_NOT_NULL_FATAL(held);
	CU_ASSERT_EQUAL(ps_route_del(rt, &r1.dst), 0);
	CU_ASSERT_PTR_NULL(lookup(rt, "10.0.1.1"));
	CU_ASSERT_EQUAL(stats(rt).nexthops, 1);
	/* the reader has not passed a quiescent state: the slot waits */
	CU_ASSERT_EQUAL(ps_route_add(rt, &r3), -ENOSPC);
	CU_ASSERT_EQUAL(stats(rt).full, 1);
	ps_route_reclaim(rt);
	CU_ASSERT_EQUAL(ps_route_add(rt, &r3), -ENOSPC);
	CU_ASSERT_EQUAL(held->type, PS_NH_GATEWAY);
	CU_ASSERT_EQUAL(held->gateway, ps_ip("192.168.0.1"));
	/* sharing a live next hop needs no new slot */
	r1.nh = r2.nh;
	CU_ASSERT_EQUAL(ps_route_add(rt, &r1), 0);
	CU_ASSERT_EQUAL(ps_route_del(rt, &r1.dst), 0);

	/* the add itself reclaims once the reader has moved on */
	rte_rcu_qsbr_quiescent(qsv, 0);
	CU_ASSERT_EQUAL(ps_route_add(rt, &r3), 0);
	CU_ASSERT_EQUAL(lookup_gw(rt, "10.0.3.1"), ps_ip("192.168.0.3"));
	CU_ASSERT_EQUAL(stats(rt).nexthops, 2);

	/* and so does an explicit reclaim */
	CU_ASSERT_EQUAL(ps_route_del(rt, &r3.dst), 0);
	rte_rcu_qsbr_quiescent(qsv, 0);
	ps_route_reclaim(rt);
	CU_ASSERT_EQUAL(ps_route_add(rt, &r4), 0);
	CU_ASSERT_EQUAL(lookup_gw(rt, "10.0.4.1"), ps_ip("192.168.0.4"));
	CU_ASSERT_EQUAL(stats(rt).full, 2);
	rte_rcu_qsbr_quiescent(qsv, 0);
	ps_route_free(rt);
out:
	qsv_done(qsv);
}

/* tbl8 groups freed by a delete wait for readers too. */
static void
test_rcu_tbl8(void)
{
	struct rte_rcu_qsbr *qsv = qsv_reader0();
	struct ps_route_table *rt = create("rcutbl8", 128, 2, qsv);
	struct ps_route r;
	unsigned int i, ok = 0;
	char s[32];

	if (rt == NULL)
		goto out;
	for (i = 0; i < 128; i++) {
		snprintf(s, sizeof(s), "10.0.%u.1/32", i);
		r = via(s, "192.168.0.1");
		if (ps_route_add(rt, &r) != 0)
			break;
		ok++;
	}
	CU_ASSERT_EQUAL(ok, 64);
	r.dst = pfx("10.0.0.1/32");
	CU_ASSERT_EQUAL(ps_route_del(rt, &r.dst), 0);
	r = via("10.0.100.1/32", "192.168.0.1");
	CU_ASSERT_EQUAL(ps_route_add(rt, &r), -ENOSPC);
	rte_rcu_qsbr_quiescent(qsv, 0);
	CU_ASSERT_EQUAL(ps_route_add(rt, &r), 0);
	CU_ASSERT_EQUAL(lookup_gw(rt, "10.0.100.1"), ps_ip("192.168.0.1"));
	CU_ASSERT_PTR_NULL(lookup(rt, "10.0.0.1"));
	rte_rcu_qsbr_quiescent(qsv, 0);
	ps_route_free(rt);
out:
	qsv_done(qsv);
}

/*
 * A replaced generation stays until readers are quiescent, then goes:
 * 100 replaces in a row fit in the memory of two generations.
 */
static void
test_rcu_generations(void)
{
	struct rte_rcu_qsbr *qsv = qsv_reader0();
	struct ps_route_table *rt = create("rcugen", 1024, 64, qsv);
	const struct ps_nexthop *held;
	struct pset set[2];
	size_t one, two, after;
	unsigned int i, fails = 0;
	uint32_t gw;

	CU_ASSERT_EQUAL_FATAL(pset_make(&set[0], 4, 512), 0);
	CU_ASSERT_EQUAL_FATAL(pset_make(&set[1], 5, 512), 0);
	if (rt == NULL)
		goto out;
	CU_ASSERT_EQUAL(ps_route_replace_all(rt, set[0].routes, set[0].n), 0);
	rte_rcu_qsbr_quiescent(qsv, 0);
	ps_route_reclaim(rt);
	one = heap_allocated();
	{
		uint32_t a = set[0].routes[0].dst.addr;

		ps_route_lookup_bulk(rt, &a, 1, &held);
		CU_ASSERT_PTR_NOT_NULL_FATAL(held);
		gw = held->gateway;
	}

	/* the reader still holds a next hop of the old generation */
	CU_ASSERT_EQUAL(ps_route_replace_all(rt, set[1].routes, set[1].n), 0);
	ps_route_reclaim(rt);
	two = heap_allocated();
	CU_ASSERT(two > one + (64u << 20));	/* both generations are there */
	CU_ASSERT_EQUAL(held->gateway, gw);
	CU_ASSERT_EQUAL(pset_verify(rt, &set[1], &set[1], 1000), 0);

	rte_rcu_qsbr_quiescent(qsv, 0);
	ps_route_reclaim(rt);
	after = heap_allocated();
	CU_ASSERT(after < one + (1u << 20) && one < after + (1u << 20));

	/* without reclaim these would need 100 generations of 64+ MiB */
	for (i = 0; i < 100; i++) {
		if (ps_route_replace_all(rt, set[i % 2].routes,
					 set[i % 2].n) != 0)
			fails++;
		rte_rcu_qsbr_quiescent(qsv, 0);
		if (i % 2)
			ps_route_reclaim(rt);	/* else the next replace does */
	}
	CU_ASSERT_EQUAL(fails, 0);
	ps_route_reclaim(rt);
	after = heap_allocated();
	CU_ASSERT(after < one + (1u << 20) && one < after + (1u << 20));
	CU_ASSERT_EQUAL(stats(rt).generations, 102);
	CU_ASSERT_EQUAL(stats(rt).routes, set[1].n);
	CU_ASSERT_EQUAL(pset_verify(rt, &set[1], &set[1], 1000), 0);
	rte_rcu_qsbr_quiescent(qsv, 0);
	ps_route_free(rt);
out:
	pset_free(&set[0]);
	pset_free(&set[1]);
	qsv_done(qsv);
}

/*
 * EAL with 1 GiB of heap: one generation of a 131072-route table is 64 MiB
 * of tbl24 plus 64 MiB of tbl8 groups, and replace_all holds two while it
 * builds.
 */
static int
prepare(const char *argv0)
{
	return ps_test_eal_init_with(argv0, "0", 1024);
}

/* Adjacency ops: a gateway id per distinct next hop, bound once while a
 * generation holds it and let go with it; lookups return the id. */
static int adj_live[256];

static uint32_t
adj_bind(void *ctx, const struct ps_nexthop *nh)
{
	uint32_t id;

	CU_ASSERT_PTR_EQUAL(ctx, adj_live);
	if (nh->type != PS_NH_GATEWAY)
		return 0;
	id = rte_be_to_cpu_32(nh->gateway) & 0xff;
	adj_live[id]++;
	return id;
}

static void
adj_unbind(void *ctx, uint32_t id)
{
	CU_ASSERT_PTR_EQUAL(ctx, adj_live);
	CU_ASSERT(id > 0 && id < 256 && adj_live[id] > 0);
	adj_live[id]--;
}

static uint32_t
lookup_adj(const struct ps_route_table *rt, const char *ip)
{
	uint32_t a = ps_ip(ip), adj = 12345;
	const struct ps_nexthop *nh;

	ps_route_lookup_bulk_adj(rt, &a, 1, &nh, &adj);
	return adj;
}

static void
test_adj_ops(void)
{
	const struct ps_route_adj_ops ops = {
		.bind = adj_bind, .unbind = adj_unbind, .ctx = adj_live,
	};
	struct ps_route set[3] = {
		via("10.1.0.0/16", "192.168.0.7"),
		via("10.2.0.0/16", "192.168.0.7"),
		via("0.0.0.0/0", "192.168.0.8"),
	};
	struct ps_route r;
	struct ps_route_table *rt = create("adj", 64, 16, NULL);
	unsigned int i;

	memset(adj_live, 0, sizeof(adj_live));
	ps_route_set_adj_ops(rt, &ops);
	r = via("10.1.0.0/16", "192.168.0.5");
	CU_ASSERT_EQUAL(ps_route_add(rt, &r), 0);
	r = via("10.2.0.0/16", "192.168.0.5");
	CU_ASSERT_EQUAL(ps_route_add(rt, &r), 0);
	r = mkroute("10.3.0.0/16", PS_NH_CONNECTED, 2, NULL);
	CU_ASSERT_EQUAL(ps_route_add(rt, &r), 0);
	CU_ASSERT_EQUAL(adj_live[5], 1);
	CU_ASSERT_EQUAL(lookup_adj(rt, "10.1.2.3"), 5);
	CU_ASSERT_EQUAL(lookup_adj(rt, "10.2.2.3"), 5);
	CU_ASSERT_EQUAL(lookup_adj(rt, "10.3.2.3"), 0);
	CU_ASSERT_EQUAL(lookup_adj(rt, "10.4.2.3"), 0);	/* no route */
	CU_ASSERT_EQUAL(ps_route_del(rt, &set[0].dst), 0);
	CU_ASSERT_EQUAL(adj_live[5], 1);
	CU_ASSERT_EQUAL(ps_route_del(rt, &set[1].dst), 0);
	CU_ASSERT_EQUAL(adj_live[5], 0);
	r = via("10.1.0.0/16", "192.168.0.6");
	CU_ASSERT_EQUAL(ps_route_add(rt, &r), 0);
	CU_ASSERT_EQUAL(adj_live[6], 1);

	/* a failed replace lets its own bindings go, changes nothing */
	set[1].dst = set[0].dst;
	CU_ASSERT_EQUAL(ps_route_replace_all(rt, set, 3), -EEXIST);
	CU_ASSERT_EQUAL(adj_live[7], 0);
	CU_ASSERT_EQUAL(adj_live[6], 1);
	set[1] = via("10.2.0.0/16", "192.168.0.7");
	CU_ASSERT_EQUAL(ps_route_replace_all(rt, set, 3), 0);
	CU_ASSERT_EQUAL(adj_live[6], 0);
	CU_ASSERT_EQUAL(adj_live[7], 1);
	CU_ASSERT_EQUAL(adj_live[8], 1);
	CU_ASSERT_EQUAL(lookup_adj(rt, "10.2.0.1"), 7);
	CU_ASSERT_EQUAL(lookup_adj(rt, "99.9.9.9"), 8);
	ps_route_free(rt);
	for (i = 0; i < RTE_DIM(adj_live); i++)
		CU_ASSERT_EQUAL(adj_live[i], 0);
}

static const struct ps_test tests[] = {
	{ "create and stats", test_create },
	{ "adjacency ops bind and unbind", test_adj_ops },
	{ "longest prefix match, default route", test_longest_prefix },
	{ "match: the route that won", test_match },
	{ "bulk lookup across chunks", test_lookup_bulk },
	{ "mixed lengths /1../32, adds and deletes vs reference",
	  test_mixed_lengths },
	{ "delete and -ENOENT", test_del_enoent },
	{ "duplicate prefix -EEXIST", test_eexist },
	{ "exact get", test_get },
	{ "walk in insertion order", test_walk },
	{ "next-hop dedup and refcount", test_nexthop_dedup },
	{ "full: routes", test_full_routes },
	{ "full: next hops", test_full_nexthops },
	{ "full: tbl8 groups", test_full_tbl8 },
	{ "bad input -EINVAL", test_bad_input },
	{ "VXLAN next hops", test_vxlan_nexthop },
	{ "100k prefixes add, lookup, delete", test_100k },
	{ "replace_all 100k atomic", test_replace_all },
	{ "perf: writer rates by route shape", test_perf_shapes },
	{ "RCU: next-hop slot reuse", test_rcu_nexthop },
	{ "RCU: tbl8 group reuse", test_rcu_tbl8 },
	{ "RCU: replaced generations freed", test_rcu_generations },
};

PS_TEST_MAIN(prepare, PS_SUITE("route", NULL, NULL, tests))
