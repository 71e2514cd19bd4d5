/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Atomic route replacement under traffic: the real dataplane over ring
 * ports, its worker on lcore 1 polling concurrently. The test thread is
 * the management thread (the single writer): it replaces the whole route
 * set 10,000 times; every set holds the stable route 10.244.1.0/24 via
 * 192.168.60.11 (a permanent neighbor on the uplink) plus 20..200 other
 * routes that change every time. A traffic thread meanwhile sends frames
 * from the static pod to 10.244.1.x and collects them on the uplink.
 * Required: zero loss on the stable route, every frame forwarded right,
 * no drop anywhere, no mbuf leaked, and the table ends as the last set.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include <podswitch/graph.h>
#include <podswitch/port.h>
#include <podswitch/route.h>
#include <podswitch/stats.h>

#include "test_common.h"

#define NODE_MAC "02:00:00:00:00:0a"
#define P1_MAC "02:00:0a:f4:00:02"	/* static pod 10.244.0.2 on p1 */
#define PEER_MAC "02:00:c0:a8:3c:0b"	/* node B 192.168.60.11, permanent */

#define WORKER_LCORE 1
#define NB_REPLACES 10000
#define VAR_MIN 20
#define VAR_MAX 200
#define MAX_SET 512
/* Frames in flight (injected, not yet collected): below the 1024 slots
 * of the uplink's tx ring, so a slow collector never makes the port
 * drop. */
#define WINDOW 512
#define BURST 32
#define TRAFFIC_PERIOD_US 100
#define FRAME_PAYLOAD 16

static const char *const config =
	"{ \"node\": { \"name\": \"trepl\", \"ip\": \"192.168.60.10/24\","
	"  \"mac\": \"" NODE_MAC "\", \"pod_cidr\": \"10.244.0.0/24\","
	"  \"gateway_ip\": \"10.244.0.1\", \"cluster_cidr\": \"10.244.0.0/16\" },"
	"  \"ports\": ["
	"  { \"name\": \"p1\", \"role\": \"pod\", \"driver\": \"ring\","
	"    \"args\": { \"rx_ring\": \"rp1_rx\", \"tx_ring\": \"rp1_tx\" },"
	"    \"pod\": { \"ip\": \"10.244.0.2\", \"mac\": \"" P1_MAC "\" } },"
	"  { \"name\": \"up\", \"role\": \"uplink\", \"driver\": \"ring\","
	"    \"args\": { \"rx_ring\": \"rup_rx\", \"tx_ring\": \"rup_tx\" } } ],"
	"  \"routes\": [ { \"dst\": \"10.244.1.0/24\", \"gateway\": \"192.168.60.11\","
	"                  \"dev\": \"up\" } ],"
	"  \"neighbors\": [ { \"ip\": \"192.168.60.11\", \"mac\": \"" PEER_MAC "\","
	"                     \"dev\": \"up\" } ],"
	"  \"tables\": { \"routes\": 4096 } }";

static struct ps_dataplane dp;
static struct ps_config cfg;
static bool setup_failed;
static bool worker_running;
static unsigned int pool_base;
static uint16_t up_port;

/* What the traffic thread reports; read after it is joined. */
struct traffic {
	volatile bool stop;
	uint64_t injected;
	uint64_t received;
	uint64_t bad;		/* wrong content or out of order */
	uint64_t refused;	/* enqueues refused (ring full): retried */
	uint64_t stray;		/* frames on the pod's tx ring */
	int rc;
};

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* xorshift64*: reproducible sets, seed printed and overridable. */
static uint64_t rng_state;

static uint32_t
rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545f4914f6cdd1dull) >> 32);
}

/* Two lcores: the test thread on 0, the worker on 1. */
static int
prepare(const char *argv0)
{
	if (ps_test_eal_init_with(argv0, "0-1", 512) < 0)
		return -1;
	return ps_test_load_profiles() < 0 ? -1 : 0;
}

/*
 * Frame number seq: pod -> 10.244.1.(1 + seq % 254), seq in the ICMP id
 * and sequence. Built from one template per destination (the builder
 * parses text: too slow for millions of frames).
 */
#define NB_DST 254
#define FRAME_MAX 128

static uint8_t tmpl_in[NB_DST][FRAME_MAX];
static uint8_t tmpl_out[NB_DST][FRAME_MAX];
static size_t tmpl_len;

static void
templates_init(void)
{
	unsigned int d;
	char dst[32];

	for (d = 0; d < NB_DST; d++) {
		snprintf(dst, sizeof(dst), "10.244.1.%u", d + 1);
		tmpl_len = ps_build_icmp_echo(tmpl_in[d], NODE_MAC, P1_MAC,
					      "10.244.0.2", dst, 8, 0, 0, 64,
					      FRAME_PAYLOAD);
		/* What the router must send: new MACs, TTL one less. */
		ps_build_forwarded(tmpl_out[d], tmpl_in[d], tmpl_len, PEER_MAC,
				   NODE_MAC);
	}
}

static void
set_seq(uint8_t *buf, uint64_t seq)
{
	struct rte_icmp_hdr *icmp = (struct rte_icmp_hdr *)(buf +
		RTE_ETHER_HDR_LEN + sizeof(struct rte_ipv4_hdr));

	icmp->icmp_ident = rte_cpu_to_be_16((uint16_t)(seq >> 16));
	icmp->icmp_seq_nb = rte_cpu_to_be_16((uint16_t)seq);
	icmp->icmp_cksum = 0;
	icmp->icmp_cksum = ~rte_raw_cksum(icmp, sizeof(*icmp) + FRAME_PAYLOAD);
}

static size_t
build_frame(uint8_t *buf, uint64_t seq)
{
	memcpy(buf, tmpl_in[seq % NB_DST], tmpl_len);
	set_seq(buf, seq);
	return tmpl_len;
}

static size_t
expected_frame(uint8_t *buf, uint64_t seq)
{
	memcpy(buf, tmpl_out[seq % NB_DST], tmpl_len);
	set_seq(buf, seq);
	return tmpl_len;
}

static void
check_frame(struct traffic *t, const struct rte_mbuf *m)
{
	uint8_t exp[FRAME_MAX];
	size_t len = expected_frame(exp, t->received);

	if (m->pkt_len != len || m->data_len != len ||
	    memcmp(rte_pktmbuf_mtod(m, const void *), exp, len) != 0) {
		if (t->bad++ < 5) {
			fprintf(stderr, "  frame %" PRIu64 " on the uplink:\n",
				t->received);
			ps_test_frame_eq(m, exp, len);
		}
	}
	t->received++;
}

static unsigned int
collect(struct traffic *t, struct rte_ring *up_tx, struct rte_ring *p1_tx)
{
	struct rte_mbuf *m[64];
	unsigned int n, i, total = 0;

	while ((n = rte_ring_dequeue_burst(up_tx, (void **)m, RTE_DIM(m),
					   NULL)) > 0) {
		for (i = 0; i < n; i++)
			check_frame(t, m[i]);
		rte_pktmbuf_free_bulk(m, n);
		total += n;
	}
	while ((n = rte_ring_dequeue_burst(p1_tx, (void **)m, RTE_DIM(m),
					   NULL)) > 0) {
		t->stray += n;
		rte_pktmbuf_free_bulk(m, n);
	}
	return total;
}

/* Up to n frames onto the pod's rx ring; a full ring is no loss: what it
 * refuses is freed here and sent again later. */
static void
inject(struct traffic *t, struct rte_ring *p1_rx, unsigned int n)
{
	struct rte_mbuf *m[BURST];
	unsigned int i, ok;

	if (n == 0)
		return;
	if (rte_pktmbuf_alloc_bulk(dp.pool, m, n) != 0) {
		t->refused++;
		return;
	}
	for (i = 0; i < n; i++) {
		uint8_t *p = (uint8_t *)rte_pktmbuf_append(m[i],
							   (uint16_t)tmpl_len);

		build_frame(p, t->injected + i);
	}
	ok = rte_ring_enqueue_burst(p1_rx, (void **)m, n, NULL);
	t->injected += ok;
	if (ok < n) {
		t->refused++;
		rte_pktmbuf_free_bulk(m + ok, n - ok);
	}
}

static void *
traffic_main(void *arg)
{
	struct traffic *t = arg;
	struct rte_ring *p1_rx = rte_ring_lookup("rp1_rx");
	struct rte_ring *p1_tx = rte_ring_lookup("rp1_tx");
	struct rte_ring *up_tx = rte_ring_lookup("rup_tx");
	uint64_t last_change;

	if (p1_rx == NULL || p1_tx == NULL || up_tx == NULL) {
		t->rc = -ENOENT;
		return NULL;
	}
	/* An lcore id, hence an mbuf cache of its own. */
	if (rte_thread_register() != 0) {
		t->rc = -1;
		return NULL;
	}
	while (!t->stop) {
		uint64_t inflight;

		collect(t, up_tx, p1_tx);
		inflight = t->injected - t->received;
			/* A steady trickle, one burst per wake-up: the writer shares
		 * our CPU and must keep most of it. */
		if (inflight < WINDOW)
			inject(t, p1_rx, (unsigned int)RTE_MIN((uint64_t)BURST,
							       WINDOW - inflight));
		usleep(TRAFFIC_PERIOD_US);
	}
	/* Drain: until everything came back or nothing moved for 100 ms. */
	last_change = now_ns();
	while (t->received < t->injected &&
	       now_ns() - last_change < 100000000ull) {
		if (collect(t, up_tx, p1_tx) > 0)
			last_change = now_ns();
		else
			usleep(100);
	}
	/* And a quiet 100 ms more: nothing extra may show up. */
	last_change = now_ns();
	while (now_ns() - last_change < 100000000ull) {
		collect(t, up_tx, p1_tx);
		usleep(1000);
	}
	rte_thread_unregister();
	return NULL;
}

/* Every object that reached any drop node, in every graph. */
static uint64_t
all_drops(void)
{
	static struct ps_node_stats st[512];
	int i, n = ps_stats_nodes(st, RTE_DIM(st));
	uint64_t sum = 0;

	for (i = 0; i < n; i++)
		if (strstr(st[i].name, PS_DROP_INFIX) != NULL)
			sum += st[i].objs;
	return sum;
}

static uint64_t
node_drops(const char *node)
{
	static struct ps_node_stats st[512];
	char pfx[RTE_NODE_NAMESIZE];
	int i, n = ps_stats_nodes(st, RTE_DIM(st));
	uint64_t sum = 0;

	snprintf(pfx, sizeof(pfx), "%s" PS_DROP_INFIX, node);
	for (i = 0; i < n; i++)
		if (strncmp(st[i].name, pfx, strlen(pfx)) == 0)
			sum += st[i].objs;
	return sum;
}

static uint64_t
tx_dropped(void)
{
	uint64_t sum = 0;
	uint16_t pid;
	unsigned int w;

	for (pid = 0; pid < RTE_MAX_ETHPORTS; pid++)
		if (ps_ports[pid].active)
			for (w = 0; w < PS_MAX_WORKERS; w++)
				sum += ps_ports[pid].sw[w].tx_dropped;
	return sum;
}

static void
drain_all(void)
{
	ps_test_drain("rp1_rx");
	ps_test_drain("rup_rx");
	ps_test_drain("rp1_tx");
	ps_test_drain("rup_tx");
}

static void
stop_worker(void)
{
	if (!worker_running)
		return;
	dp.quit = true;
	rte_eal_wait_lcore(WORKER_LCORE);
	worker_running = false;
}

static int
setup(void)
{
	struct ps_errors errs = { 0 };
	unsigned int lcore = WORKER_LCORE;
	unsigned int i;

	if (rte_lcore_count() < 2 || !rte_lcore_is_enabled(WORKER_LCORE)) {
		fprintf(stderr, "needs lcore %u\n", WORKER_LCORE);
		goto fail;
	}
	if (ps_config_load_string(config, &cfg, &errs) < 0) {
		ps_errors_print(&errs, stderr);
		ps_errors_free(&errs);
		goto fail;
	}
	if (ps_dataplane_init(&dp, &cfg, &lcore, 1) < 0) {
		ps_config_free(&cfg);
		goto fail;
	}
	for (i = 0; i < cfg.nb_ports; i++)
		if (strcmp(cfg.ports[i].name, "up") == 0)
			up_port = dp.port_ids[i];
	pool_base = rte_mempool_in_use_count(dp.pool);
	/* The worker polls on its own lcore; no management thread: the
	 * test thread is the writer. */
	dp.quit = false;
	if (rte_eal_remote_launch(ps_worker_main, &dp.workers[0],
				  WORKER_LCORE) != 0) {
		ps_dataplane_fini(&dp);
		ps_config_free(&cfg);
		goto fail;
	}
	worker_running = true;
	return 0;
fail:
	setup_failed = true;
	return -1;
}

static int
teardown(void)
{
	stop_worker();
	drain_all();
	ps_dataplane_fini(&dp);
	ps_config_free(&cfg);
	return 0;
}

/* The route set of the start: connected routes and the stable one. */
struct rset {
	struct ps_route r[MAX_SET];
	unsigned int n;
};

static int
walk_copy(const struct ps_route *r, void *arg)
{
	struct rset *s = arg;

	if (s->n == MAX_SET)
		return -ENOSPC;
	s->r[s->n++] = *r;
	return 0;
}

static int
walk_count(const struct ps_route *r, void *arg)
{
	RTE_SET_USED(r);
	(*(unsigned int *)arg)++;
	return 0;
}

static struct ps_route
route(uint32_t addr_host, uint8_t len, uint8_t type, uint32_t gw_host)
{
	struct ps_route r;

	memset(&r, 0, sizeof(r));
	r.dst.addr = rte_cpu_to_be_32(addr_host);
	r.dst.len = len;
	r.nh.type = type;
	r.nh.port_id = type == PS_NH_GATEWAY || type == PS_NH_CONNECTED ?
		       up_port : 0;
	r.nh.gateway = type == PS_NH_GATEWAY ? rte_cpu_to_be_32(gw_host) : 0;
	r.origin = PS_ROUTE_API;
	return r;
}

/*
 * base plus 20..200 routes that change every time: /24s (and some /28s,
 * which need tbl8 groups) in 172.16.0.0/12, most via one of 16 gateways,
 * some connected, blackhole or unreachable; now and then covering routes
 * of the stable one (10.0.0.0/8, 10.244.0.0/16) and 10.244.2.0/24 with a
 * next hop that moves.
 */
static void
make_set(struct rset *s, const struct rset *base, unsigned int iter)
{
	static uint8_t used[4096];
	unsigned int i, k, nvar = VAR_MIN + rnd() % (VAR_MAX - VAR_MIN + 1);

	*s = *base;
	memset(used, 0, sizeof(used));
	for (k = 0; k < nvar; k++) {
		uint32_t blk = rnd() % 4096, x = rnd();
		uint32_t a = (172u << 24 | 16u << 16) + (blk << 8);
		uint8_t type;

		if (used[blk])
			continue;
		used[blk] = 1;
		switch (x % 16) {
		case 0:
			type = PS_NH_CONNECTED;
			break;
		case 1:
			type = PS_NH_BLACKHOLE;
			break;
		case 2:
			type = PS_NH_UNREACHABLE;
			break;
		default:
			type = PS_NH_GATEWAY;
			break;
		}
		if ((x >> 8) % 8 == 0)
			s->r[s->n++] = route(a + ((x >> 12) % 16) * 16, 28, type,
					     192u << 24 | 168u << 16 | 60u << 8 |
					     (20 + (x >> 16) % 16));
		else
			s->r[s->n++] = route(a, 24, type, 192u << 24 | 168u << 16 |
					     60u << 8 | (20 + (x >> 16) % 16));
	}
	if (iter % 3 == 0)
		s->r[s->n++] = route(10u << 24, 8, PS_NH_BLACKHOLE, 0);
	if (iter % 5 == 0)
		s->r[s->n++] = route(10u << 24 | 244u << 16, 16,
				     PS_NH_UNREACHABLE, 0);
	if (iter % 2 == 0)
		s->r[s->n++] = route(10u << 24 | 244u << 16 | 2u << 8, 24,
				     PS_NH_GATEWAY, 192u << 24 | 168u << 16 |
				     60u << 8 | (40 + iter % 7));
	/* The stable route anywhere in the set, not always first. */
	for (i = 0; i < base->n; i++) {
		if (base->r[i].dst.len == 24 &&
		    base->r[i].dst.addr == ps_ip("10.244.1.0")) {
			unsigned int j = rnd() % s->n;
			struct ps_route tmp = s->r[i];

			s->r[i] = s->r[j];
			s->r[j] = tmp;
			break;
		}
	}
}

static void
test_replace_under_traffic(void)
{
	static struct rset base, set;
	struct ps_route_stats st0, st1;
	struct traffic t;
	pthread_t th;
	unsigned int nb_replaces;
	const char *env;
	uint64_t drops0, lookup0, icmp0, rewrite0, txd0, t0, t1, fails = 0;
	uint64_t nomem_retries = 0, max_wait = 0;
	unsigned int i, count = 0;
	bool found = false;

	CU_ASSERT_FATAL(!setup_failed);
	templates_init();
	env = getenv("PS_TEST_REPLACES");	/* shorter runs, e.g. ASan */
	nb_replaces = env != NULL ? (unsigned int)strtoul(env, NULL, 0) :
		      NB_REPLACES;
	env = getenv("PS_TEST_SEED");
	rng_state = env != NULL ? strtoull(env, NULL, 0) : (uint64_t)now_ns();
	if (rng_state == 0)
		rng_state = 1;
	printf("\n    seed %" PRIu64 " (PS_TEST_SEED)\n", rng_state);

	memset(&base, 0, sizeof(base));
	CU_ASSERT_EQUAL_FATAL(ps_route_walk(dp.routes, walk_copy, &base), 0);
	for (i = 0; i < base.n; i++)
		if (base.r[i].dst.addr == ps_ip("10.244.1.0") &&
		    base.r[i].dst.len == 24 &&
		    base.r[i].nh.type == PS_NH_GATEWAY &&
		    base.r[i].nh.gateway == ps_ip("192.168.60.11") &&
		    base.r[i].nh.port_id == up_port)
			found = true;
	CU_ASSERT_FATAL(found);
	ps_route_stats(dp.routes, &st0);
	drops0 = all_drops();
	lookup0 = node_drops("ip4_lookup");
	icmp0 = node_drops("icmp_error");
	rewrite0 = node_drops("ip4_rewrite");
	txd0 = tx_dropped();

	memset(&t, 0, sizeof(t));
	CU_ASSERT_EQUAL_FATAL(pthread_create(&th, NULL, traffic_main, &t), 0);
	/* Traffic first flows on the initial table. */
	while (t.received < 1000 && t.rc == 0)
		usleep(1000);

	t0 = now_ns();
	for (i = 0; i < nb_replaces; i++) {
		uint64_t w0 = 0;
		int rc;

		make_set(&set, &base, i);
		/*
		 * -ENOMEM: the heap holds only a few generations (64 MiB of
		 * tbl24 each) and a reader descheduled by the host keeps the
		 * old ones alive. Like a management thread, wait for it to
		 * pass a quiescent state and try again (bounded).
		 */
		while ((rc = ps_route_replace_all(dp.routes, set.r,
						  set.n)) == -ENOMEM) {
			if (w0 == 0)
				w0 = now_ns();
			else if (now_ns() - w0 > 5000000000ull)
				break;
			nomem_retries++;
			usleep(100);
			ps_route_reclaim(dp.routes);
		}
		if (w0 != 0 && now_ns() - w0 > max_wait)
			max_wait = now_ns() - w0;
		if (rc != 0 && fails++ < 5)
			fprintf(stderr, "  replace %u: %s\n", i, strerror(-rc));
		ps_route_reclaim(dp.routes);
		ps_mgmt_poll(&dp);
	}
	t1 = now_ns();

	t.stop = true;
	pthread_join(th, NULL);
	CU_ASSERT_EQUAL(t.rc, 0);

	printf("    %u replaces in %.3f s: %.0f replaces/s; %" PRIu64
	       " frames forwarded (%" PRIu64 " injected, %" PRIu64
	       " ring-full retries), %.0f frames/s\n", nb_replaces,
	       (double)(t1 - t0) / 1e9, nb_replaces * 1e9 / (double)(t1 - t0),
	       t.received, t.injected, t.refused,
	       (double)t.received * 1e9 / (double)(t1 - t0));
	printf("    -ENOMEM retries while a reader lagged: %" PRIu64
	       " (longest wait %.1f ms)\n", nomem_retries, (double)max_wait / 1e6);
	if (t.received != t.injected || t.bad != 0 || t.stray != 0)
		fprintf(stderr, "  lost %" PRId64 ", bad %" PRIu64 ", stray %"
			PRIu64 "\n", (int64_t)(t.injected - t.received), t.bad,
			t.stray);
	CU_ASSERT_EQUAL(fails, 0);
	CU_ASSERT(t.injected > nb_replaces);
	CU_ASSERT_EQUAL(t.received, t.injected);
	CU_ASSERT_EQUAL(t.bad, 0);
	CU_ASSERT_EQUAL(t.stray, 0);
	CU_ASSERT_EQUAL(node_drops("ip4_lookup"), lookup0);
	CU_ASSERT_EQUAL(node_drops("icmp_error"), icmp0);
	CU_ASSERT_EQUAL(node_drops("ip4_rewrite"), rewrite0);
	CU_ASSERT_EQUAL(all_drops(), drops0);
	CU_ASSERT_EQUAL(tx_dropped(), txd0);

	/* The table is the last set. */
	ps_route_stats(dp.routes, &st1);
	CU_ASSERT_EQUAL(st1.generations, st0.generations + nb_replaces);
	CU_ASSERT_EQUAL(st1.routes, set.n);
	CU_ASSERT_EQUAL(ps_route_walk(dp.routes, walk_count, &count), 0);
	CU_ASSERT_EQUAL(count, set.n);
	for (i = 0; i < set.n; i++) {
		struct ps_route got;

		if (ps_route_get(dp.routes, &set.r[i].dst, &got) != 0 ||
		    memcmp(&got, &set.r[i], sizeof(got)) != 0) {
			CU_FAIL("last set not in the table");
			break;
		}
	}

	/* Worker stopped, rings empty, old generations freed: every mbuf
	 * is back in the pool. */
	stop_worker();
	drain_all();
	ps_route_reclaim(dp.routes);
	ps_mgmt_poll(&dp);
	drain_all();
	CU_ASSERT_EQUAL(rte_mempool_in_use_count(dp.pool), pool_base);
	if (rte_mempool_in_use_count(dp.pool) != pool_base)
		fprintf(stderr, "  mbufs in use %u, baseline %u\n",
			rte_mempool_in_use_count(dp.pool), pool_base);
}

static const struct ps_test tests[] = {
	{ "10,000 route set replaces under traffic: no loss, no leak",
	  test_replace_under_traffic },
};

PS_TEST_MAIN(prepare, PS_SUITE("replace", setup, teardown, tests))
