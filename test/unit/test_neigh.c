/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the neighbor table (include/podswitch/neighbor.h): holding
 * packets while ARP resolves, release in order, retries and failure,
 * ageing, static entries, the full-table and full-ring edges, and entry
 * reuse under RCU. The ops callbacks record what the table asks the
 * dataplane to do. Every test ends with every mbuf back in the pool.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_ether.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_rcu_qsbr.h>

#include <podswitch/neighbor.h>

#include "test_common.h"

#define NB_MBUFS 8191
#define MAX_CALLS 8192

static struct rte_mempool *pool;

/* What the table asked the dataplane to do, in order. */
struct call {
	uint32_t seq;		/* the packet's tag; solicit: unused */
	uint32_t ip;
	uint16_t port_id;
	struct ps_neigh n;	/* xmit only: the neighbor passed */
};

static struct {
	unsigned int nb_solicit, nb_xmit, nb_unreach;
	struct call solicit[MAX_CALLS];
	struct call xmit[MAX_CALLS];
	struct call unreach[MAX_CALLS];
} rec;

static uint32_t
tag_of(const struct rte_mbuf *m)
{
	uint32_t t;

	memcpy(&t, rte_pktmbuf_mtod(m, const void *), sizeof(t));
	return t;
}

static void
cb_solicit(void *ctx, uint32_t ip, uint16_t port_id)
{
	(void)ctx;
	if (rec.nb_solicit < MAX_CALLS)
		rec.solicit[rec.nb_solicit] = (struct call){
			.ip = ip, .port_id = port_id,
		};
	rec.nb_solicit++;
}

static void
cb_xmit(void *ctx, struct rte_mbuf *m, const struct ps_neigh *n)
{
	(void)ctx;
	if (rec.nb_xmit < MAX_CALLS)
		rec.xmit[rec.nb_xmit] = (struct call){
			.seq = tag_of(m), .ip = n->ip, .port_id = n->port_id,
			.n = *n,
		};
	rec.nb_xmit++;
	rte_pktmbuf_free(m);
}

static void
cb_unreach(void *ctx, struct rte_mbuf *m, uint32_t ip)
{
	(void)ctx;
	if (rec.nb_unreach < MAX_CALLS)
		rec.unreach[rec.nb_unreach] = (struct call){
			.seq = tag_of(m), .ip = ip,
		};
	rec.nb_unreach++;
	rte_pktmbuf_free(m);
}

/* 10.0.x.y, network order. */
static uint32_t
ip_n(uint32_t i)
{
	return rte_cpu_to_be_32(0x0a000000 | (i & 0xffffff));
}

static struct rte_ether_addr
mac_n(uint32_t i)
{
	struct rte_ether_addr m = {
		.addr_bytes = { 0x02, 0x00, (uint8_t)(i >> 24),
				(uint8_t)(i >> 16), (uint8_t)(i >> 8),
				(uint8_t)i },
	};

	return m;
}

/* A packet carrying its tag, so the callbacks can tell the order. */
static struct rte_mbuf *
pkt(uint32_t tag)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	char *p;

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	p = rte_pktmbuf_append(m, sizeof(tag));
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	memcpy(p, &tag, sizeof(tag));
	return m;
}

static struct ps_neigh_params
params(uint32_t size)
{
	struct ps_neigh_params p = {
		.size = size,
		.retry_ms = 100,
		.max_retries = 3,
		.age_ms = 1000,
		.failed_hold_ms = 300,
		.socket = SOCKET_ID_ANY,
		.ops = {
			.solicit = cb_solicit,
			.xmit = cb_xmit,
			.unreachable = cb_unreach,
		},
	};

	return p;
}

static struct ps_neigh_table *
create_p(const struct ps_neigh_params *p)
{
	struct ps_neigh_table *nt = ps_neigh_create("ut", p);

	memset(&rec, 0, sizeof(rec));
	CU_ASSERT_PTR_NOT_NULL_FATAL(nt);
	return nt;
}

static struct ps_neigh_table *
create(uint32_t size)
{
	struct ps_neigh_params p = params(size);

	return create_p(&p);
}

/* Free the table and check that every mbuf came back. */
static void
done(struct ps_neigh_table *nt)
{
	ps_neigh_free(nt);
	CU_ASSERT_EQUAL(rte_mempool_in_use_count(pool), 0);
}

static void
hold(struct ps_neigh_table *nt, uint32_t tag, uint32_t ip, uint16_t port)
{
	CU_ASSERT_EQUAL(ps_neigh_hold(nt, pkt(tag), ip, port), 0);
}

static const struct ps_neigh *
lookup(const struct ps_neigh_table *nt, uint32_t ip)
{
	const struct ps_neigh *out[1];

	ps_neigh_lookup_bulk(nt, &ip, 1, out);
	return out[0];
}

/* The state of ip, or -1 when absent. */
static int
state_of(const struct ps_neigh_table *nt, uint32_t ip)
{
	struct ps_neigh n;

	if (ps_neigh_get(nt, ip, &n) != 0)
		return -1;
	return n.state;
}

static struct ps_neigh_stats
stats(const struct ps_neigh_table *nt)
{
	struct ps_neigh_stats st;

	ps_neigh_stats(nt, &st);
	return st;
}

static void
test_create(void)
{
	struct ps_neigh_params p = params(0);
	struct ps_neigh_stats st;
	struct ps_neigh_table *nt;

	CU_ASSERT_PTR_NULL(ps_neigh_create("ut", &p));
	CU_ASSERT_PTR_NULL(ps_neigh_create("ut", NULL));
	nt = create(64);
	st = stats(nt);
	CU_ASSERT_EQUAL(st.size, 64);
	CU_ASSERT_EQUAL(st.entries, 0);
	CU_ASSERT_PTR_NULL(lookup(nt, ip_n(1)));
	/* nothing to do is fine */
	ps_neigh_process(nt, 0);
	CU_ASSERT_EQUAL(rec.nb_solicit, 0);
	CU_ASSERT_STRING_EQUAL(ps_neigh_state_name(PS_NEIGH_INCOMPLETE),
			       "INCOMPLETE");
	CU_ASSERT_STRING_EQUAL(ps_neigh_state_name(PS_NEIGH_REACHABLE),
			       "REACHABLE");
	CU_ASSERT_STRING_EQUAL(ps_neigh_state_name(PS_NEIGH_FAILED), "FAILED");
	CU_ASSERT_STRING_EQUAL(ps_neigh_state_name(PS_NEIGH_STATIC),
			       "PERMANENT");
	CU_ASSERT_STRING_EQUAL(ps_neigh_state_name((enum ps_neigh_state)9),
			       "UNKNOWN");
	done(nt);
	ps_neigh_free(NULL);
}

static void
test_hold_unknown_solicits(void)
{
	struct ps_neigh_table *nt = create(64);
	uint32_t ip = ip_n(7);
	const struct ps_neigh *n;
	struct ps_neigh_stats st;

	hold(nt, 1, ip, 5);
	/* nothing happens before the writer runs */
	CU_ASSERT_PTR_NULL(lookup(nt, ip));
	CU_ASSERT_EQUAL(rec.nb_solicit, 0);
	ps_neigh_process(nt, 1000);
	CU_ASSERT_EQUAL(rec.nb_solicit, 1);
	CU_ASSERT_EQUAL(rec.solicit[0].ip, ip);
	CU_ASSERT_EQUAL(rec.solicit[0].port_id, 5);
	n = lookup(nt, ip);
	CU_ASSERT_PTR_NOT_NULL_FATAL(n);
	CU_ASSERT_EQUAL(n->state, PS_NEIGH_INCOMPLETE);
	CU_ASSERT_EQUAL(n->ip, ip);
	CU_ASSERT_EQUAL(state_of(nt, ip), PS_NEIGH_INCOMPLETE);

	/* more packets for it wait too, without asking again */
	hold(nt, 2, ip, 5);
	hold(nt, 3, ip, 5);
	ps_neigh_process(nt, 1050);
	CU_ASSERT_EQUAL(rec.nb_solicit, 1);
	CU_ASSERT_EQUAL(rec.nb_xmit + rec.nb_unreach, 0);
	st = stats(nt);
	CU_ASSERT_EQUAL(st.entries, 1);
	CU_ASSERT_EQUAL(st.incomplete, 1);
	CU_ASSERT_EQUAL(st.solicits, 1);
	CU_ASSERT_EQUAL(st.held, 3);
	CU_ASSERT_EQUAL(st.hold_dropped, 0);
	/* the held packets are freed with the table */
	done(nt);
}

static void
test_learn_releases_in_order(void)
{
	struct ps_neigh_table *nt = create(64);
	struct rte_ether_addr mac = mac_n(0xabcd);
	uint32_t ip = ip_n(9), other = ip_n(10);
	const struct ps_neigh *n;
	struct ps_neigh_stats st;
	unsigned int i;

	for (i = 0; i < 5; i++)
		hold(nt, 100 + i, ip, 2);
	hold(nt, 200, other, 2);
	ps_neigh_process(nt, 0);
	CU_ASSERT_EQUAL(rec.nb_solicit, 2);
	ps_neigh_learn(nt, ip, &mac, 3);
	CU_ASSERT_EQUAL(rec.nb_xmit, 0);	/* not before the writer */
	ps_neigh_process(nt, 10);
	CU_ASSERT_EQUAL_FATAL(rec.nb_xmit, 5);
	for (i = 0; i < 5; i++) {
		CU_ASSERT_EQUAL(rec.xmit[i].seq, 100 + i);
		CU_ASSERT_EQUAL(rec.xmit[i].n.ip, ip);
		CU_ASSERT(rte_is_same_ether_addr(&rec.xmit[i].n.mac, &mac));
		/* the port the reply came in on, not the solicit's */
		CU_ASSERT_EQUAL(rec.xmit[i].n.port_id, 3);
		CU_ASSERT_EQUAL(rec.xmit[i].n.state, PS_NEIGH_REACHABLE);
	}
	n = lookup(nt, ip);
	CU_ASSERT_PTR_NOT_NULL_FATAL(n);
	CU_ASSERT_EQUAL(n->state, PS_NEIGH_REACHABLE);
	CU_ASSERT(rte_is_same_ether_addr(&n->mac, &mac));
	CU_ASSERT_EQUAL(n->port_id, 3);
	CU_ASSERT_EQUAL(state_of(nt, other), PS_NEIGH_INCOMPLETE);

	/* a packet the worker held just before the reply goes out at once */
	hold(nt, 300, ip, 2);
	ps_neigh_process(nt, 20);
	CU_ASSERT_EQUAL_FATAL(rec.nb_xmit, 6);
	CU_ASSERT_EQUAL(rec.xmit[5].seq, 300);
	CU_ASSERT_EQUAL(rec.nb_solicit, 2);

	st = stats(nt);
	CU_ASSERT_EQUAL(st.entries, 2);
	CU_ASSERT_EQUAL(st.incomplete, 1);
	CU_ASSERT_EQUAL(st.resolved, 1);
	CU_ASSERT_EQUAL(st.held, 6);
	CU_ASSERT_EQUAL(st.released, 5);
	done(nt);
}

/* A learn nobody asked for still creates the entry (a request to us). */
static void
test_unsolicited_learn(void)
{
	struct ps_neigh_table *nt = create(64);
	struct rte_ether_addr mac = mac_n(5), mac2 = mac_n(6);
	uint32_t ip = ip_n(5);
	const struct ps_neigh *n;

	ps_neigh_learn(nt, ip, &mac, 1);
	ps_neigh_process(nt, 0);
	n = lookup(nt, ip);
	CU_ASSERT_PTR_NOT_NULL_FATAL(n);
	CU_ASSERT_EQUAL(n->state, PS_NEIGH_REACHABLE);
	CU_ASSERT_EQUAL(n->port_id, 1);
	CU_ASSERT_EQUAL(rec.nb_solicit, 0);
	CU_ASSERT_EQUAL(stats(nt).resolved, 0);

	/* the neighbor moved (new MAC, new port): the binding follows */
	ps_neigh_learn(nt, ip, &mac2, 2);
	ps_neigh_process(nt, 1);
	n = lookup(nt, ip);
	CU_ASSERT_PTR_NOT_NULL_FATAL(n);
	CU_ASSERT(rte_is_same_ether_addr(&n->mac, &mac2));
	CU_ASSERT_EQUAL(n->port_id, 2);
	CU_ASSERT_EQUAL(stats(nt).entries, 1);
	done(nt);
}

static void
test_learn_invalid(void)
{
	static const char *const bad_mac[] = {
		"00:00:00:00:00:00", "ff:ff:ff:ff:ff:ff", "01:00:5e:00:00:01",
	};
	struct ps_neigh_table *nt = create(64);
	struct rte_ether_addr good = mac_n(1);
	unsigned int i;

	for (i = 0; i < RTE_DIM(bad_mac); i++) {
		struct rte_ether_addr m = ps_mac(bad_mac[i]);

		ps_neigh_learn(nt, ip_n(i + 1), &m, 1);
		CU_ASSERT_EQUAL(ps_neigh_add_static(nt, ip_n(i + 1), &m, 1),
				-EINVAL);
	}
	ps_neigh_learn(nt, 0, &good, 1);
	ps_neigh_learn(nt, ps_ip("255.255.255.255"), &good, 1);
	ps_neigh_learn(nt, ps_ip("224.0.0.1"), &good, 1);
	CU_ASSERT_EQUAL(ps_neigh_add_static(nt, 0, &good, 1), -EINVAL);
	/* nor is ARP asked about them for a packet */
	hold(nt, 1, 0, 1);
	hold(nt, 2, ps_ip("255.255.255.255"), 1);
	ps_neigh_process(nt, 0);
	CU_ASSERT_EQUAL(stats(nt).entries, 0);
	CU_ASSERT_EQUAL(rec.nb_solicit, 0);
	CU_ASSERT_EQUAL(rec.nb_unreach, 2);
	done(nt);
}

static void
test_hold_overflow(void)
{
	struct ps_neigh_table *nt = create(64);
	struct rte_ether_addr mac = mac_n(1);
	uint32_t ip = ip_n(1);
	struct ps_neigh_stats st;
	unsigned int i;

	for (i = 0; i < PS_NEIGH_HOLD_MAX + 3; i++)
		hold(nt, i, ip, 1);
	ps_neigh_process(nt, 0);
	st = stats(nt);
	CU_ASSERT_EQUAL(st.held, PS_NEIGH_HOLD_MAX);
	CU_ASSERT_EQUAL(st.hold_dropped, 3);
	CU_ASSERT_EQUAL(rte_mempool_in_use_count(pool), PS_NEIGH_HOLD_MAX);
	/* the first ones wait, the late ones were dropped */
	ps_neigh_learn(nt, ip, &mac, 1);
	ps_neigh_process(nt, 1);
	CU_ASSERT_EQUAL_FATAL(rec.nb_xmit, PS_NEIGH_HOLD_MAX);
	for (i = 0; i < PS_NEIGH_HOLD_MAX; i++)
		CU_ASSERT_EQUAL(rec.xmit[i].seq, i);
	CU_ASSERT_EQUAL(stats(nt).released, PS_NEIGH_HOLD_MAX);
	CU_ASSERT_EQUAL(rte_mempool_in_use_count(pool), 0);
	done(nt);
}

/*
 * retry_ms 100, max_retries 3: the first solicit at creation (t0), one
 * more at t0+100, +200, +300 (1 + max_retries in all), FAILED at t0+400
 * with the held packets to unreachable, forgotten at FAILED + 300.
 */
static void
test_retries_then_failed(void)
{
	struct ps_neigh_table *nt = create(64);
	uint32_t ip = ip_n(3);
	struct ps_neigh_stats st;
	const uint64_t t0 = 5000;

	hold(nt, 1, ip, 4);
	hold(nt, 2, ip, 4);
	ps_neigh_process(nt, t0);
	CU_ASSERT_EQUAL(rec.nb_solicit, 1);
	ps_neigh_process(nt, t0 + 99);
	CU_ASSERT_EQUAL(rec.nb_solicit, 1);
	ps_neigh_process(nt, t0 + 100);
	CU_ASSERT_EQUAL(rec.nb_solicit, 2);
	ps_neigh_process(nt, t0 + 100);
	CU_ASSERT_EQUAL(rec.nb_solicit, 2);
	/* a clock going back changes nothing */
	ps_neigh_process(nt, t0);
	CU_ASSERT_EQUAL(rec.nb_solicit, 2);
	ps_neigh_process(nt, t0 + 200);
	CU_ASSERT_EQUAL(rec.nb_solicit, 3);
	ps_neigh_process(nt, t0 + 300);
	CU_ASSERT_EQUAL(rec.nb_solicit, 4);
	CU_ASSERT_EQUAL(rec.solicit[3].ip, ip);
	CU_ASSERT_EQUAL(rec.solicit[3].port_id, 4);
	ps_neigh_process(nt, t0 + 399);
	CU_ASSERT_EQUAL(state_of(nt, ip), PS_NEIGH_INCOMPLETE);
	CU_ASSERT_EQUAL(rec.nb_unreach, 0);

	ps_neigh_process(nt, t0 + 400);
	CU_ASSERT_EQUAL(rec.nb_solicit, 4);
	CU_ASSERT_EQUAL(state_of(nt, ip), PS_NEIGH_FAILED);
	CU_ASSERT_EQUAL_FATAL(rec.nb_unreach, 2);
	CU_ASSERT_EQUAL(rec.unreach[0].seq, 1);
	CU_ASSERT_EQUAL(rec.unreach[1].seq, 2);
	CU_ASSERT_EQUAL(rec.unreach[0].ip, ip);
	st = stats(nt);
	CU_ASSERT_EQUAL(st.failed, 1);
	CU_ASSERT_EQUAL(st.unreachable, 2);
	CU_ASSERT_EQUAL(st.incomplete, 0);
	CU_ASSERT_EQUAL(st.entries, 1);
	CU_ASSERT_EQUAL(st.solicits, 4);

	/* while FAILED, a new packet is unreachable at once, no new ARP */
	hold(nt, 3, ip, 4);
	ps_neigh_process(nt, t0 + 500);
	CU_ASSERT_EQUAL_FATAL(rec.nb_unreach, 3);
	CU_ASSERT_EQUAL(rec.unreach[2].seq, 3);
	CU_ASSERT_EQUAL(rec.nb_solicit, 4);
	CU_ASSERT_EQUAL(stats(nt).unreachable, 3);

	ps_neigh_process(nt, t0 + 699);
	CU_ASSERT_EQUAL(state_of(nt, ip), PS_NEIGH_FAILED);
	ps_neigh_process(nt, t0 + 700);
	CU_ASSERT_EQUAL(state_of(nt, ip), -1);
	CU_ASSERT_PTR_NULL(lookup(nt, ip));
	CU_ASSERT_EQUAL(stats(nt).entries, 0);

	/* forgotten: the next packet starts over */
	hold(nt, 4, ip, 4);
	ps_neigh_process(nt, t0 + 800);
	CU_ASSERT_EQUAL(rec.nb_solicit, 5);
	CU_ASSERT_EQUAL(state_of(nt, ip), PS_NEIGH_INCOMPLETE);
	CU_ASSERT_EQUAL(rec.nb_xmit, 0);
	done(nt);
}

/* A late reply still resolves a FAILED entry, and a retried one. */
static void
test_late_reply(void)
{
	struct ps_neigh_table *nt = create(64);
	struct rte_ether_addr mac = mac_n(3);
	uint32_t a = ip_n(1), b = ip_n(2);

	hold(nt, 1, a, 1);
	hold(nt, 2, b, 1);
	ps_neigh_process(nt, 0);
	ps_neigh_process(nt, 100);
	ps_neigh_process(nt, 200);
	CU_ASSERT_EQUAL(rec.nb_solicit, 6);
	/* b answers after two retries: its packet goes, with no failure */
	ps_neigh_learn(nt, b, &mac, 1);
	ps_neigh_process(nt, 250);
	CU_ASSERT_EQUAL_FATAL(rec.nb_xmit, 1);
	CU_ASSERT_EQUAL(rec.xmit[0].seq, 2);
	ps_neigh_process(nt, 300);
	ps_neigh_process(nt, 400);
	CU_ASSERT_EQUAL(state_of(nt, a), PS_NEIGH_FAILED);
	CU_ASSERT_EQUAL(state_of(nt, b), PS_NEIGH_REACHABLE);
	CU_ASSERT_EQUAL(rec.nb_unreach, 1);
	CU_ASSERT_EQUAL(rec.nb_solicit, 7);
	ps_neigh_learn(nt, a, &mac, 2);
	ps_neigh_process(nt, 450);
	CU_ASSERT_EQUAL(state_of(nt, a), PS_NEIGH_REACHABLE);
	CU_ASSERT_EQUAL(stats(nt).resolved, 2);
	/* and is not forgotten as a FAILED entry would be */
	ps_neigh_process(nt, 800);
	CU_ASSERT_EQUAL(state_of(nt, a), PS_NEIGH_REACHABLE);
	done(nt);
}

/* REACHABLE entries go age_ms (1000) after their last confirmation. */
static void
test_ageing(void)
{
	struct ps_neigh_table *nt = create(64);
	struct rte_ether_addr mac = mac_n(1);
	uint32_t a = ip_n(1), b = ip_n(2), s = ip_n(3);
	struct ps_neigh_stats st;

	CU_ASSERT_EQUAL(ps_neigh_add_static(nt, s, &mac, 1), 0);
	ps_neigh_learn(nt, a, &mac, 1);
	ps_neigh_process(nt, 0);
	ps_neigh_learn(nt, b, &mac, 1);
	ps_neigh_process(nt, 500);
	/* a is confirmed again: its age restarts */
	ps_neigh_learn(nt, a, &mac, 1);
	ps_neigh_process(nt, 900);
	ps_neigh_process(nt, 1499);
	CU_ASSERT_EQUAL(stats(nt).entries, 3);
	ps_neigh_process(nt, 1500);
	CU_ASSERT_EQUAL(state_of(nt, b), -1);
	CU_ASSERT_EQUAL(state_of(nt, a), PS_NEIGH_REACHABLE);
	ps_neigh_process(nt, 1899);
	CU_ASSERT_EQUAL(state_of(nt, a), PS_NEIGH_REACHABLE);
	ps_neigh_process(nt, 1900);
	CU_ASSERT_EQUAL(state_of(nt, a), -1);
	CU_ASSERT_PTR_NULL(lookup(nt, a));
	/* static entries never age */
	ps_neigh_process(nt, 1000000000ULL);
	CU_ASSERT_EQUAL(state_of(nt, s), PS_NEIGH_STATIC);
	st = stats(nt);
	CU_ASSERT_EQUAL(st.aged, 2);
	CU_ASSERT_EQUAL(st.entries, 1);
	/* the next packet for an aged neighbor resolves again */
	hold(nt, 1, a, 1);
	ps_neigh_process(nt, 1000000001ULL);
	CU_ASSERT_EQUAL(rec.nb_solicit, 1);
	CU_ASSERT_EQUAL(state_of(nt, a), PS_NEIGH_INCOMPLETE);
	done(nt);
}

/* Zero parameters take the documented defaults. */
static void
test_defaults(void)
{
	struct ps_neigh_params p = params(64);
	struct rte_ether_addr mac = mac_n(1);
	struct ps_neigh_table *nt;
	uint32_t a = ip_n(1), b = ip_n(2);

	p.retry_ms = 0;
	p.max_retries = 0;
	p.age_ms = 0;
	p.failed_hold_ms = 0;
	nt = create_p(&p);
	hold(nt, 1, a, 1);
	ps_neigh_learn(nt, b, &mac, 1);
	ps_neigh_process(nt, 0);
	ps_neigh_process(nt, 999);
	CU_ASSERT_EQUAL(rec.nb_solicit, 1);
	ps_neigh_process(nt, 1000);
	ps_neigh_process(nt, 2000);
	ps_neigh_process(nt, 3000);
	CU_ASSERT_EQUAL(rec.nb_solicit, 4);
	ps_neigh_process(nt, 3999);
	CU_ASSERT_EQUAL(state_of(nt, a), PS_NEIGH_INCOMPLETE);
	ps_neigh_process(nt, 4000);
	CU_ASSERT_EQUAL(state_of(nt, a), PS_NEIGH_FAILED);
	ps_neigh_process(nt, 6999);
	CU_ASSERT_EQUAL(state_of(nt, a), PS_NEIGH_FAILED);
	ps_neigh_process(nt, 7000);
	CU_ASSERT_EQUAL(state_of(nt, a), -1);
	ps_neigh_process(nt, 299999);
	CU_ASSERT_EQUAL(state_of(nt, b), PS_NEIGH_REACHABLE);
	ps_neigh_process(nt, 300000);
	CU_ASSERT_EQUAL(state_of(nt, b), -1);
	done(nt);
}

static void
test_static(void)
{
	struct ps_neigh_table *nt = create(64);
	struct rte_ether_addr m1 = mac_n(1), m2 = mac_n(2), m3 = mac_n(3);
	uint32_t s = ip_n(1), r = ip_n(2), inc = ip_n(3);
	const struct ps_neigh *n;
	struct ps_neigh got;

	CU_ASSERT_EQUAL(ps_neigh_add_static(nt, s, &m1, 1), 0);
	n = lookup(nt, s);
	CU_ASSERT_PTR_NOT_NULL_FATAL(n);
	CU_ASSERT_EQUAL(n->state, PS_NEIGH_STATIC);
	/* ARP does not move a static neighbor */
	ps_neigh_learn(nt, s, &m2, 2);
	ps_neigh_process(nt, 0);
	CU_ASSERT_EQUAL(ps_neigh_get(nt, s, &got), 0);
	CU_ASSERT(rte_is_same_ether_addr(&got.mac, &m1));
	CU_ASSERT_EQUAL(got.port_id, 1);
	CU_ASSERT_EQUAL(got.state, PS_NEIGH_STATIC);
	/* packets to it are sent at once */
	hold(nt, 7, s, 9);
	ps_neigh_process(nt, 1);
	CU_ASSERT_EQUAL_FATAL(rec.nb_xmit, 1);
	CU_ASSERT_EQUAL(rec.xmit[0].seq, 7);
	CU_ASSERT(rte_is_same_ether_addr(&rec.xmit[0].n.mac, &m1));
	CU_ASSERT_EQUAL(rec.nb_solicit, 0);
	/* the configuration may change it */
	CU_ASSERT_EQUAL(ps_neigh_add_static(nt, s, &m3, 3), 0);
	CU_ASSERT_EQUAL(ps_neigh_get(nt, s, &got), 0);
	CU_ASSERT(rte_is_same_ether_addr(&got.mac, &m3));
	CU_ASSERT_EQUAL(got.port_id, 3);

	/* static over a learned entry replaces it */
	ps_neigh_learn(nt, r, &m1, 1);
	ps_neigh_process(nt, 2);
	CU_ASSERT_EQUAL(ps_neigh_add_static(nt, r, &m2, 2), 0);
	CU_ASSERT_EQUAL(ps_neigh_get(nt, r, &got), 0);
	CU_ASSERT(rte_is_same_ether_addr(&got.mac, &m2));
	CU_ASSERT_EQUAL(got.state, PS_NEIGH_STATIC);
	/* same binding: only pinned */
	ps_neigh_learn(nt, ip_n(4), &m1, 1);
	ps_neigh_process(nt, 3);
	CU_ASSERT_EQUAL(ps_neigh_add_static(nt, ip_n(4), &m1, 1), 0);
	CU_ASSERT_EQUAL(state_of(nt, ip_n(4)), PS_NEIGH_STATIC);

	/* static over an unresolved one releases its packets */
	hold(nt, 10, inc, 1);
	hold(nt, 11, inc, 1);
	ps_neigh_process(nt, 4);
	CU_ASSERT_EQUAL(ps_neigh_add_static(nt, inc, &m3, 6), 0);
	CU_ASSERT_EQUAL_FATAL(rec.nb_xmit, 3);
	CU_ASSERT_EQUAL(rec.xmit[1].seq, 10);
	CU_ASSERT_EQUAL(rec.xmit[2].seq, 11);
	CU_ASSERT_EQUAL(rec.xmit[2].n.port_id, 6);
	CU_ASSERT_EQUAL(rec.xmit[2].n.state, PS_NEIGH_STATIC);
	CU_ASSERT_EQUAL(stats(nt).incomplete, 0);

	/* no timer touches them */
	ps_neigh_process(nt, 1000000000ULL);
	CU_ASSERT_EQUAL(state_of(nt, s), PS_NEIGH_STATIC);
	CU_ASSERT_EQUAL(state_of(nt, r), PS_NEIGH_STATIC);
	CU_ASSERT_EQUAL(state_of(nt, inc), PS_NEIGH_STATIC);
	CU_ASSERT_EQUAL(stats(nt).entries, 4);
	CU_ASSERT_EQUAL(rec.nb_solicit, 1);
	/* but they can be deleted */
	CU_ASSERT_EQUAL(ps_neigh_del(nt, s), 0);
	CU_ASSERT_PTR_NULL(lookup(nt, s));
	done(nt);
}

/* Size 8: the 9th neighbor is refused, whichever way it comes. */
static void
test_full(void)
{
	struct ps_neigh_table *nt = create(8);
	struct rte_ether_addr mac = mac_n(1);
	struct ps_neigh_stats st;
	unsigned int i;

	for (i = 0; i < 8; i++)
		hold(nt, i, ip_n(i + 1), 1);
	ps_neigh_process(nt, 0);
	CU_ASSERT_EQUAL(rec.nb_solicit, 8);
	CU_ASSERT_EQUAL(rte_mempool_in_use_count(pool), 8);

	hold(nt, 100, ip_n(100), 1);
	ps_neigh_process(nt, 1);
	st = stats(nt);
	CU_ASSERT_EQUAL(st.full, 1);
	CU_ASSERT_EQUAL(st.entries, 8);
	CU_ASSERT_EQUAL(st.incomplete, 8);
	CU_ASSERT_EQUAL(rec.nb_solicit, 8);
	CU_ASSERT_EQUAL(state_of(nt, ip_n(100)), -1);
	/* its packet was dropped, not kept */
	CU_ASSERT_EQUAL(rte_mempool_in_use_count(pool), 8);
	CU_ASSERT_EQUAL(rec.nb_unreach + rec.nb_xmit, 0);

	ps_neigh_learn(nt, ip_n(101), &mac, 1);
	ps_neigh_process(nt, 2);
	CU_ASSERT_EQUAL(ps_neigh_add_static(nt, ip_n(102), &mac, 1), -ENOSPC);
	st = stats(nt);
	CU_ASSERT_EQUAL(st.full, 3);
	CU_ASSERT_EQUAL(st.entries, 8);

	/* resolving an existing entry needs no room */
	ps_neigh_learn(nt, ip_n(1), &mac, 1);
	ps_neigh_process(nt, 3);
	CU_ASSERT_EQUAL(state_of(nt, ip_n(1)), PS_NEIGH_REACHABLE);
	CU_ASSERT_EQUAL(rec.nb_xmit, 1);
	/* nor does a static entry over it */
	CU_ASSERT_EQUAL(ps_neigh_add_static(nt, ip_n(1), &mac, 1), 0);

	/* room comes back with a delete */
	CU_ASSERT_EQUAL(ps_neigh_del(nt, ip_n(2)), 0);
	hold(nt, 101, ip_n(100), 1);
	ps_neigh_process(nt, 4);
	CU_ASSERT_EQUAL(state_of(nt, ip_n(100)), PS_NEIGH_INCOMPLETE);
	CU_ASSERT_EQUAL(stats(nt).full, 3);
	hold(nt, 102, ip_n(103), 1);
	ps_neigh_process(nt, 5);
	CU_ASSERT_EQUAL(stats(nt).full, 4);
	done(nt);
}

static void
test_ring_full(void)
{
	struct ps_neigh_table *nt = create(4096);
	struct rte_ether_addr mac = mac_n(1);
	struct ps_neigh_stats st;
	struct rte_mbuf *m;
	unsigned int ok = 0, i;
	int rc = 0;

	/* fill the hold ring: never blocks, the caller keeps the mbuf */
	while (ok < NB_MBUFS - 1) {
		m = pkt(ok);
		rc = ps_neigh_hold(nt, m, ip_n(1), 1);
		if (rc != 0) {
			rte_pktmbuf_free(m);
			break;
		}
		ok++;
	}
	CU_ASSERT_EQUAL(rc, -ENOBUFS);
	CU_ASSERT(ok >= 1024);
	CU_ASSERT_EQUAL(stats(nt).ring_full, 1);
	/* one call takes the whole ring */
	ps_neigh_process(nt, 0);
	st = stats(nt);
	CU_ASSERT_EQUAL(st.held, PS_NEIGH_HOLD_MAX);
	CU_ASSERT_EQUAL(st.hold_dropped, ok - PS_NEIGH_HOLD_MAX);
	CU_ASSERT_EQUAL(rte_mempool_in_use_count(pool), PS_NEIGH_HOLD_MAX);
	CU_ASSERT_EQUAL(ps_neigh_hold(nt, pkt(0), ip_n(1), 1), 0);

	/* the learn ring: overflow is counted too */
	for (i = 0; i < 3000; i++)
		ps_neigh_learn(nt, ip_n(1000 + i), &mac, 1);
	st = stats(nt);
	CU_ASSERT(st.ring_full > 1);
	ps_neigh_process(nt, 1);
	CU_ASSERT_EQUAL(stats(nt).entries, 1 + 3000 - (st.ring_full - 1));
	CU_ASSERT_EQUAL(state_of(nt, ip_n(1000)), PS_NEIGH_REACHABLE);

	/* packets still in the ring when the table goes are freed too */
	for (i = 0; i < 5; i++)
		hold(nt, i, ip_n(2), 1);
	done(nt);
}

static void
test_lookup_bulk(void)
{
	struct ps_neigh_table *nt = create(256);
	struct rte_ether_addr mac = mac_n(1);
	const struct ps_neigh *out[100];
	uint32_t ips[100];
	unsigned int i, bad = 0;

	for (i = 0; i < 100; i += 2)
		CU_ASSERT_EQUAL(ps_neigh_add_static(nt, ip_n(i), &mac,
						    (uint16_t)i), 0);
	for (i = 0; i < 100; i++)
		ips[i] = ip_n(i);
	ips[1] = ip_n(0);	/* the same IP twice */
	/* up to 64 at a time; more works too */
	ps_neigh_lookup_bulk(nt, ips, 64, out);
	ps_neigh_lookup_bulk(nt, ips + 64, 36, out + 64);
	for (i = 0; i < 100; i++) {
		if (i % 2 == 0 || i == 1) {
			uint32_t k = i == 1 ? 0 : i;

			if (out[i] == NULL || out[i]->ip != ip_n(k) ||
			    out[i]->port_id != k)
				bad++;
		} else if (out[i] != NULL) {
			bad++;
		}
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_PTR_EQUAL(out[0], out[1]);
	memset(out, 0, sizeof(out));
	ps_neigh_lookup_bulk(nt, ips, 100, out);
	for (i = 2; i < 100; i++)
		if ((out[i] != NULL) != (i % 2 == 0))
			bad++;
	CU_ASSERT_EQUAL(bad, 0);
	ps_neigh_lookup_bulk(nt, ips, 0, out);
	done(nt);
}

static void
test_del(void)
{
	struct ps_neigh_table *nt = create(64);
	struct rte_ether_addr mac = mac_n(1);
	uint32_t inc = ip_n(1), r = ip_n(2), f = ip_n(3);
	struct ps_neigh_stats st;

	CU_ASSERT_EQUAL(ps_neigh_del(nt, inc), -ENOENT);
	hold(nt, 1, inc, 1);
	hold(nt, 2, inc, 1);
	hold(nt, 3, f, 1);
	ps_neigh_learn(nt, r, &mac, 1);
	ps_neigh_process(nt, 0);
	ps_neigh_learn(nt, inc, &mac, 1);	/* still in the ring */
	CU_ASSERT_EQUAL(rte_mempool_in_use_count(pool), 3);

	/* the held packets go with the entry, without a callback */
	CU_ASSERT_EQUAL(ps_neigh_del(nt, inc), 0);
	CU_ASSERT_EQUAL(rte_mempool_in_use_count(pool), 1);
	CU_ASSERT_EQUAL(rec.nb_xmit + rec.nb_unreach, 0);
	CU_ASSERT_EQUAL(ps_neigh_del(nt, inc), -ENOENT);
	CU_ASSERT_PTR_NULL(lookup(nt, inc));
	CU_ASSERT_EQUAL(ps_neigh_del(nt, r), 0);
	CU_ASSERT_PTR_NULL(lookup(nt, r));
	st = stats(nt);
	CU_ASSERT_EQUAL(st.entries, 1);
	CU_ASSERT_EQUAL(st.incomplete, 1);
	/* a deleted entry's timers are gone with it: only f's fire */
	ps_neigh_process(nt, 100);
	ps_neigh_process(nt, 200);
	ps_neigh_process(nt, 300);
	ps_neigh_process(nt, 400);
	CU_ASSERT_EQUAL(state_of(nt, f), PS_NEIGH_FAILED);
	CU_ASSERT_EQUAL(rec.nb_solicit, 2 + 3);
	CU_ASSERT_EQUAL(rec.nb_unreach, 1);
	/* the late reply re-created inc, as any unasked reply does, with
	 * nothing to release */
	CU_ASSERT_EQUAL(state_of(nt, inc), PS_NEIGH_REACHABLE);
	CU_ASSERT_EQUAL(rec.nb_xmit, 0);
	ps_neigh_process(nt, 700);
	CU_ASSERT_EQUAL(state_of(nt, f), -1);
	CU_ASSERT_EQUAL(stats(nt).entries, 1);
	done(nt);
}

struct walk_state {
	unsigned int calls;
	unsigned int stop_after;
	unsigned int by_state[PS_NEIGH_STATIC + 1];
	uint64_t ip_sum;
};

static int
walk_cb(const struct ps_neigh *n, void *arg)
{
	struct walk_state *w = arg;

	w->calls++;
	w->by_state[n->state]++;
	w->ip_sum += rte_be_to_cpu_32(n->ip) & 0xffffff;
	if (w->stop_after != 0 && w->calls == w->stop_after)
		return 42;
	return 0;
}

static void
test_walk(void)
{
	struct ps_neigh_table *nt = create(64);
	struct rte_ether_addr mac = mac_n(1);
	struct walk_state w;
	unsigned int i;

	memset(&w, 0, sizeof(w));
	CU_ASSERT_EQUAL(ps_neigh_walk(nt, walk_cb, &w), 0);
	CU_ASSERT_EQUAL(w.calls, 0);
	for (i = 1; i <= 10; i++)
		ps_neigh_learn(nt, ip_n(i), &mac, 1);
	for (i = 11; i <= 13; i++)
		hold(nt, i, ip_n(i), 1);
	CU_ASSERT_EQUAL(ps_neigh_add_static(nt, ip_n(14), &mac, 1), 0);
	ps_neigh_process(nt, 0);
	memset(&w, 0, sizeof(w));
	CU_ASSERT_EQUAL(ps_neigh_walk(nt, walk_cb, &w), 0);
	CU_ASSERT_EQUAL(w.calls, 14);
	CU_ASSERT_EQUAL(w.ip_sum, 14 * 15 / 2);
	CU_ASSERT_EQUAL(w.by_state[PS_NEIGH_REACHABLE], 10);
	CU_ASSERT_EQUAL(w.by_state[PS_NEIGH_INCOMPLETE], 3);
	CU_ASSERT_EQUAL(w.by_state[PS_NEIGH_STATIC], 1);
	memset(&w, 0, sizeof(w));
	w.stop_after = 4;
	CU_ASSERT_EQUAL(ps_neigh_walk(nt, walk_cb, &w), 42);
	CU_ASSERT_EQUAL(w.calls, 4);
	done(nt);
}

/* Many timers expiring together are handled over several calls. */
static void
test_timer_budget(void)
{
	const unsigned int n = 3000;
	struct ps_neigh_table *nt = create(4096);
	unsigned int i, calls = 0;

	for (i = 0; i < n; i++)
		hold(nt, i, ip_n(i + 1), 1);
	ps_neigh_process(nt, 0);
	CU_ASSERT_EQUAL(rec.nb_solicit, n);
	ps_neigh_process(nt, 100);
	/* not all at once, but all of them within a few calls */
	CU_ASSERT(rec.nb_solicit > n);
	CU_ASSERT(rec.nb_solicit < 2 * n);
	while (rec.nb_solicit < 2 * n && calls++ < 10)
		ps_neigh_process(nt, 100);
	CU_ASSERT_EQUAL(rec.nb_solicit, 2 * n);
	/* late retries are rescheduled from when they were sent */
	for (i = 0; i < 100 && stats(nt).failed < n; i++)
		ps_neigh_process(nt, 10000 + i * 100);
	CU_ASSERT_EQUAL(stats(nt).failed, n);
	CU_ASSERT_EQUAL(rec.nb_unreach, n);
	CU_ASSERT_EQUAL(rec.nb_solicit, 4 * n);
	done(nt);
}

/*
 * Under RCU a removed or replaced entry stays readable, unchanged, until
 * the reader reports a quiescent state; then its room comes back, all of
 * it, so the table fills to its size again.
 */
static void
test_rcu(void)
{
	const uint32_t size = 8;
	struct ps_neigh_params p = params(size);
	struct rte_ether_addr mac = mac_n(1), mac2 = mac_n(2);
	const struct ps_neigh *old, *cur, *kept[8];
	struct rte_rcu_qsbr *qsv;
	struct ps_neigh_table *nt;
	struct ps_neigh_stats st;
	unsigned int i, moved = 0;

	qsv = rte_zmalloc(NULL, rte_rcu_qsbr_get_memsize(1),
			  RTE_CACHE_LINE_SIZE);
	CU_ASSERT_PTR_NOT_NULL_FATAL(qsv);
	CU_ASSERT_EQUAL_FATAL(rte_rcu_qsbr_init(qsv, 1), 0);
	CU_ASSERT_EQUAL(rte_rcu_qsbr_thread_register(qsv, 0), 0);
	rte_rcu_qsbr_thread_online(qsv, 0);
	p.qsv = qsv;
	nt = create_p(&p);

	for (i = 0; i < size; i++)
		ps_neigh_learn(nt, ip_n(i), &mac, (uint16_t)i);
	ps_neigh_process(nt, 0);
	CU_ASSERT_EQUAL(stats(nt).entries, size);
	ps_neigh_learn(nt, ip_n(100), &mac, 1);
	ps_neigh_process(nt, 1);
	CU_ASSERT_EQUAL(stats(nt).full, 1);

	/* a reader holds them; the writer deletes them all */
	for (i = 0; i < size; i++) {
		kept[i] = lookup(nt, ip_n(i));
		CU_ASSERT_PTR_NOT_NULL_FATAL(kept[i]);
		CU_ASSERT_EQUAL(ps_neigh_del(nt, ip_n(i)), 0);
		CU_ASSERT_PTR_NULL(lookup(nt, ip_n(i)));
	}
	CU_ASSERT_EQUAL(stats(nt).entries, 0);
	/* no room before the reader's quiescent state */
	for (i = 0; i < size; i++)
		ps_neigh_learn(nt, ip_n(200 + i), &mac2, 1);
	ps_neigh_process(nt, 2);
	st = stats(nt);
	CU_ASSERT_EQUAL(st.entries, 0);
	CU_ASSERT_EQUAL(st.full, 1 + size);
	/* and what the reader holds is untouched */
	for (i = 0; i < size; i++) {
		CU_ASSERT_EQUAL(kept[i]->ip, ip_n(i));
		CU_ASSERT_EQUAL(kept[i]->port_id, i);
		CU_ASSERT(rte_is_same_ether_addr(&kept[i]->mac, &mac));
	}

	rte_rcu_qsbr_quiescent(qsv, 0);
	for (i = 0; i < size; i++)
		ps_neigh_learn(nt, ip_n(300 + i), &mac2, (uint16_t)i);
	ps_neigh_process(nt, 3);
	st = stats(nt);
	CU_ASSERT_EQUAL(st.entries, size);
	CU_ASSERT_EQUAL(st.full, 1 + size);
	for (i = 0; i < size; i++)
		CU_ASSERT_PTR_NOT_NULL(lookup(nt, ip_n(300 + i)));
	ps_neigh_learn(nt, ip_n(100), &mac, 1);
	ps_neigh_process(nt, 4);
	CU_ASSERT_EQUAL(stats(nt).full, 2 + size);

	/* a new MAC for a live entry: a new entry, the old one unchanged */
	old = lookup(nt, ip_n(300));
	CU_ASSERT_PTR_NOT_NULL_FATAL(old);
	ps_neigh_learn(nt, ip_n(300), &mac, 0);
	ps_neigh_process(nt, 5);
	cur = lookup(nt, ip_n(300));
	CU_ASSERT_PTR_NOT_NULL_FATAL(cur);
	CU_ASSERT_PTR_NOT_EQUAL(cur, old);
	CU_ASSERT(rte_is_same_ether_addr(&cur->mac, &mac));
	CU_ASSERT(rte_is_same_ether_addr(&old->mac, &mac2));
	CU_ASSERT_EQUAL(old->state, PS_NEIGH_REACHABLE);
	/* many more moves than spare entries, with quiescent states
	 * between them: each one gets a fresh entry, none is lost */
	for (i = 0; i < 500; i++) {
		const struct rte_ether_addr *m = i % 2 ? &mac : &mac2;

		rte_rcu_qsbr_quiescent(qsv, 0);
		old = lookup(nt, ip_n(300));
		ps_neigh_learn(nt, ip_n(300), m, 0);
		ps_neigh_process(nt, 6 + i);
		cur = lookup(nt, ip_n(300));
		if (cur != NULL && cur != old &&
		    rte_is_same_ether_addr(&cur->mac, m) &&
		    rte_is_same_ether_addr(&old->mac, i % 2 ? &mac2 : &mac))
			moved++;
	}
	CU_ASSERT_EQUAL(moved, 500);
	/* static replace goes the same way */
	old = lookup(nt, ip_n(301));
	CU_ASSERT_EQUAL(ps_neigh_add_static(nt, ip_n(301), &mac, 7), 0);
	cur = lookup(nt, ip_n(301));
	CU_ASSERT_PTR_NOT_EQUAL(cur, old);
	CU_ASSERT_EQUAL(cur->state, PS_NEIGH_STATIC);
	CU_ASSERT_EQUAL(old->state, PS_NEIGH_REACHABLE);
	CU_ASSERT_EQUAL(stats(nt).entries, size);

	/* ageing hands entries back the same way */
	ps_neigh_process(nt, 100000);
	CU_ASSERT_EQUAL(stats(nt).entries, 1);
	rte_rcu_qsbr_quiescent(qsv, 0);
	for (i = 0; i < size - 1; i++)
		hold(nt, i, ip_n(400 + i), 1);
	ps_neigh_process(nt, 100001);
	st = stats(nt);
	CU_ASSERT_EQUAL(st.entries, size);
	CU_ASSERT_EQUAL(st.incomplete, size - 1);
	CU_ASSERT_EQUAL(st.full, 2 + size);
	rte_rcu_qsbr_quiescent(qsv, 0);
	done(nt);
	rte_rcu_qsbr_thread_offline(qsv, 0);
	rte_rcu_qsbr_thread_unregister(qsv, 0);
	rte_free(qsv);
}

/* Every ops callback may be absent: the table frees instead. */
static void
test_no_ops(void)
{
	struct ps_neigh_params p = params(64);
	struct rte_ether_addr mac = mac_n(1);
	struct ps_neigh_table *nt;

	memset(&p.ops, 0, sizeof(p.ops));
	nt = create_p(&p);
	hold(nt, 1, ip_n(1), 1);
	hold(nt, 2, ip_n(2), 1);
	ps_neigh_process(nt, 0);
	ps_neigh_learn(nt, ip_n(1), &mac, 1);
	ps_neigh_process(nt, 1);
	hold(nt, 3, ip_n(1), 1);
	ps_neigh_process(nt, 100);
	ps_neigh_process(nt, 200);
	ps_neigh_process(nt, 300);
	ps_neigh_process(nt, 400);
	CU_ASSERT_EQUAL(state_of(nt, ip_n(2)), PS_NEIGH_FAILED);
	CU_ASSERT_EQUAL(rte_mempool_in_use_count(pool), 0);
	done(nt);
}

/* EAL, and the pool the tests' packets come from */
static int
prepare(const char *argv0)
{
	if (ps_test_eal_init(argv0) < 0)
		return -1;
	pool = rte_pktmbuf_pool_create("neigh_ut", NB_MBUFS, 0, 0,
				       RTE_PKTMBUF_HEADROOM + 64,
				       SOCKET_ID_ANY);
	return pool == NULL ? -1 : 0;
}

/* Adjacencies mirror the hash for their IP through new, rebound (a new
 * entry under RCU) and deleted entries; a reused id never hands out
 * another IP's entry; the array has a size. */
static const struct ps_neigh *
adj_of(const struct ps_neigh_table *nt, uint32_t id, uint32_t ip)
{
	const struct ps_neigh *const *slots;
	uint32_t nb;

	slots = ps_neigh_adj_slots(nt, &nb);
	return ps_neigh_adj_get(slots, nb, id, ip);
}

static void
test_adjacency(void)
{
	struct ps_neigh_params p = params(16);
	struct rte_ether_addr mac = mac_n(1), mac2 = mac_n(2);
	const struct ps_neigh *before;
	struct rte_rcu_qsbr *qsv;
	struct ps_neigh_table *nt;
	uint32_t a, b;

	qsv = rte_zmalloc(NULL, rte_rcu_qsbr_get_memsize(1),
			  RTE_CACHE_LINE_SIZE);
	CU_ASSERT_PTR_NOT_NULL_FATAL(qsv);
	CU_ASSERT_EQUAL_FATAL(rte_rcu_qsbr_init(qsv, 1), 0);
	CU_ASSERT_EQUAL(rte_rcu_qsbr_thread_register(qsv, 0), 0);
	rte_rcu_qsbr_thread_online(qsv, 0);
	p.qsv = qsv;
	p.max_adj = 2;
	nt = create_p(&p);

	a = ps_neigh_adj_bind(nt, ip_n(1));
	CU_ASSERT_NOT_EQUAL(a, PS_NEIGH_ADJ_NONE);
	CU_ASSERT_EQUAL(ps_neigh_adj_bind(nt, ip_n(1)), a);
	CU_ASSERT_EQUAL(stats(nt).adjacencies, 1);
	CU_ASSERT_PTR_NULL(adj_of(nt, a, ip_n(1)));
	/* INCOMPLETE, REACHABLE, rebound: always the hash's entry */
	hold(nt, 1, ip_n(1), 3);
	ps_neigh_process(nt, 0);
	CU_ASSERT_PTR_NOT_NULL(adj_of(nt, a, ip_n(1)));
	CU_ASSERT_PTR_EQUAL(adj_of(nt, a, ip_n(1)), lookup(nt, ip_n(1)));
	ps_neigh_learn(nt, ip_n(1), &mac, 3);
	ps_neigh_process(nt, 1);
	before = adj_of(nt, a, ip_n(1));
	CU_ASSERT_PTR_EQUAL(before, lookup(nt, ip_n(1)));
	CU_ASSERT_EQUAL(before->state, PS_NEIGH_REACHABLE);
	ps_neigh_learn(nt, ip_n(1), &mac2, 4);
	ps_neigh_process(nt, 2);
	CU_ASSERT_PTR_NOT_EQUAL(adj_of(nt, a, ip_n(1)), before);
	CU_ASSERT_PTR_EQUAL(adj_of(nt, a, ip_n(1)), lookup(nt, ip_n(1)));
	CU_ASSERT(rte_is_same_ether_addr(&adj_of(nt, a, ip_n(1))->mac, &mac2));
	CU_ASSERT_EQUAL(adj_of(nt, a, ip_n(1))->port_id, 4);
	CU_ASSERT_EQUAL(ps_neigh_del(nt, ip_n(1)), 0);
	CU_ASSERT_PTR_NULL(adj_of(nt, a, ip_n(1)));

	/* full, then out of range */
	b = ps_neigh_adj_bind(nt, ip_n(2));
	CU_ASSERT_NOT_EQUAL(b, PS_NEIGH_ADJ_NONE);
	CU_ASSERT_NOT_EQUAL(b, a);
	CU_ASSERT_EQUAL(ps_neigh_adj_bind(nt, ip_n(3)), PS_NEIGH_ADJ_NONE);
	CU_ASSERT_PTR_NULL(adj_of(nt, 1000, ip_n(2)));

	/* a's id goes to another IP: a stale holder finds nothing */
	ps_neigh_learn(nt, ip_n(1), &mac, 3);
	ps_neigh_learn(nt, ip_n(3), &mac2, 3);
	ps_neigh_process(nt, 3);
	ps_neigh_adj_unbind(nt, a);
	CU_ASSERT_PTR_NOT_NULL(adj_of(nt, a, ip_n(1)));
	ps_neigh_adj_unbind(nt, a);
	CU_ASSERT_PTR_NULL(adj_of(nt, a, ip_n(1)));
	CU_ASSERT_EQUAL(ps_neigh_adj_bind(nt, ip_n(3)), a);
	CU_ASSERT_PTR_NULL(adj_of(nt, a, ip_n(1)));
	CU_ASSERT_PTR_EQUAL(adj_of(nt, a, ip_n(3)), lookup(nt, ip_n(3)));
	CU_ASSERT_EQUAL(stats(nt).adjacencies, 2);
	ps_neigh_adj_unbind(nt, a);
	ps_neigh_adj_unbind(nt, b);
	ps_neigh_adj_unbind(nt, b);	/* one too many: ignored */
	CU_ASSERT_EQUAL(stats(nt).adjacencies, 0);

	rte_rcu_qsbr_thread_offline(qsv, 0);
	done(nt);
	rte_free(qsv);
}

static const struct ps_test tests[] = {
	{ "create, state names", test_create },
	{ "hold for an unknown IP solicits once", test_hold_unknown_solicits },
	{ "learn releases held packets in order", test_learn_releases_in_order },
	{ "unasked learn creates and moves", test_unsolicited_learn },
	{ "invalid learns ignored", test_learn_invalid },
	{ "hold queue overflow", test_hold_overflow },
	{ "retries, FAILED, forgotten", test_retries_then_failed },
	{ "late replies resolve", test_late_reply },
	{ "ageing of REACHABLE entries", test_ageing },
	{ "default timers", test_defaults },
	{ "static entries", test_static },
	{ "full table refuses new neighbors only", test_full },
	{ "hold and learn rings full", test_ring_full },
	{ "lookup_bulk hits and misses", test_lookup_bulk },
	{ "delete", test_del },
	{ "walk", test_walk },
	{ "timer work bounded per call", test_timer_budget },
	{ "RCU: reuse after quiescence, rebind", test_rcu },
	{ "no ops callbacks", test_no_ops },
	{ "adjacencies follow their IP", test_adjacency },
};

PS_TEST_MAIN(prepare, PS_SUITE("neigh", NULL, NULL, tests))
