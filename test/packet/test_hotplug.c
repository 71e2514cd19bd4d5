/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Pod ports added and removed while the dataplane runs: the workers switch
 * to rebuilt graphs, the new port bridges, answers and routes like a
 * configured one, a removed one is forgotten by every table, and nothing
 * counted or allocated is lost on the way.
 */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_graph.h>
#include <rte_malloc.h>
#include <rte_memzone.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include <podswitch/fdb.h>
#include <podswitch/neighbor.h>
#include <podswitch/port.h>
#include <podswitch/stats.h>

#include "infra_dp.h"
#include "test_common.h"

#define NODE_MAC "02:00:00:00:00:0a"
#define P1_MAC "02:00:0a:f4:00:02"
#define P2_MAC "02:00:0a:f4:00:03"
#define HOT_MAC "02:00:0a:f4:00:09"	/* the added port's pod */
#define HOT_IP "10.244.0.9"
#define ROUTER_MAC "02:00:c0:a8:3c:01"
#define ETYPE_TEST 0x88b5

static const char *const config =
	"{ \"node\": { \"name\": \"t\", \"ip\": \"192.168.60.10/24\","
	"  \"mac\": \"" NODE_MAC "\", \"pod_cidr\": \"10.244.0.0/24\","
	"  \"gateway_ip\": \"10.244.0.1\" },"
	"  \"hotplug\": { \"max_ports\": 2 },"
	"  \"ports\": ["
	PS_RING_PORT("p1", "pod", "") ","
	PS_RING_PORT("p2", "pod", "") ","
	PS_RING_PORT("up", "uplink", "") " ],"
	"  \"neighbors\": [ { \"ip\": \"192.168.60.1\", \"mac\": \"" ROUTER_MAC "\","
	"    \"dev\": \"up\" } ],"
	"  \"routes\": [ { \"dst\": \"0.0.0.0/0\", \"gateway\": \"192.168.60.1\" } ] }";

static const char *const hot_port =
	PS_RING_PORT("hot", "pod", PS_POD(HOT_IP, HOT_MAC));

static struct ps_dataplane *const dp = &ps_test_node.dp;
static const struct ps_config *const cfg = &ps_test_node.cfg;

static int
setup(void)
{
	return ps_test_node_start(config, 4);
}

static int
parse_port(const char *text, struct ps_port_config *pc)
{
	struct ps_errors errs = { 0 };
	int rc = ps_port_config_parse(text, strlen(text), cfg, dp->ports,
				      dp->nb_ports, pc, &errs);

	ps_errors_print(&errs, stderr);
	ps_errors_free(&errs);
	return rc;
}

static int
add_hot(void)
{
	struct ps_port_config pc;

	if (parse_port(hot_port, &pc) != 0)
		return -EINVAL;
	return ps_dataplane_port_add(dp, &pc);
}

static uint64_t
node_objs(const char *name)
{
	struct ps_node_stats st[512];
	int i, n = ps_stats_nodes(st, RTE_DIM(st));

	for (i = 0; i < n; i++)
		if (strcmp(st[i].name, name) == 0)
			return st[i].objs;
	return 0;
}

/* One frame of an unknown ethertype from src on port ring in. */
static size_t
l2_frame(uint8_t *f, const char *dst, const char *src)
{
	static const uint8_t payload[46] = { 0x42 };

	return ps_build_eth(f, dst, src, ETYPE_TEST, payload, sizeof(payload));
}

static void
test_add_bridges_and_floods(void)
{
	uint8_t f[128];
	size_t len;
	uint64_t eth_before;
	int pid;

	/* Counted before the workers change graphs ... */
	len = l2_frame(f, "ff:ff:ff:ff:ff:ff", P1_MAC);
	ps_test_node_inject("p1_rx", f, len);
	ps_test_node_run();
	ps_test_node_drain();
	eth_before = node_objs("eth_input");
	CU_ASSERT(eth_before >= 1);

	pid = add_hot();
	CU_ASSERT(pid >= 0);
	CU_ASSERT_EQUAL(dp->nb_ports, 4);
	CU_ASSERT(dp->workers[0].graph_gen >= 1);
	/* ... are still counted after. */
	CU_ASSERT(node_objs("eth_input") >= eth_before);

	/* A broadcast from p1 now reaches the new port too. */
	ps_test_node_inject("p1_rx", f, len);
	ps_test_node_run();
	ps_test_expect_one("p2_tx", f, len);
	ps_test_expect_one("hot_tx", f, len);
	ps_test_expect_none("up_tx");

	/* Its pod's MAC is static: unicast to it goes there alone. */
	len = l2_frame(f, HOT_MAC, P1_MAC);
	ps_test_node_inject("p1_rx", f, len);
	ps_test_node_run();
	ps_test_expect_one("hot_tx", f, len);
	ps_test_expect_none("p2_tx");

	/* And frames from it are bridged. */
	len = l2_frame(f, P1_MAC, HOT_MAC);
	ps_test_node_inject("hot_rx", f, len);
	ps_test_node_run();
	ps_test_expect_one("p1_tx", f, len);
	ps_test_expect_none("p2_tx");
}

static void
test_added_port_answers_and_routes(void)
{
	uint8_t req[128], exp[128];
	size_t rl, el;

	/* The gateway answers its pod's echo on it. */
	rl = ps_build_icmp_echo(req, NODE_MAC, HOT_MAC, HOT_IP, "10.244.0.1",
				8, 7, 1, 64, 16);
	el = ps_build_icmp_echo(exp, HOT_MAC, NODE_MAC, "10.244.0.1", HOT_IP,
				0, 7, 1, 64, 16);
	ps_test_node_inject("hot_rx", req, rl);
	ps_test_node_run();
	ps_test_expect_one("hot_tx", exp, el);

	/* Routed from the uplink to its pod with the pod's MAC (static
	 * neighbor entry, no ARP). */
	rl = ps_build_icmp_echo(req, NODE_MAC, ROUTER_MAC, "8.8.8.8", HOT_IP,
				8, 9, 1, 60, 16);
	el = ps_build_forwarded(exp, req, rl, HOT_MAC, NODE_MAC);
	ps_test_node_inject("up_rx", req, rl);
	ps_test_node_run();
	ps_test_expect_one("hot_tx", exp, el);

	/* And from it to the world through the default route. */
	rl = ps_build_icmp_echo(req, NODE_MAC, HOT_MAC, HOT_IP, "8.8.8.8",
				8, 9, 2, 64, 16);
	el = ps_build_forwarded(exp, req, rl, ROUTER_MAC, NODE_MAC);
	ps_test_node_inject("hot_rx", req, rl);
	ps_test_node_run();
	ps_test_expect_one("up_tx", exp, el);
}

static void
test_add_refused(void)
{
	struct ps_port_config pc;
	unsigned int before = dp->nb_ports, spare = dp->mbuf_spare;
	struct ps_errors errs = { 0 };
	static const char *const dup_pod =
		"{ \"name\": \"other\", \"role\": \"pod\", \"driver\": \"ring\","
		"  \"args\": { \"rx_ring\": \"o_rx\", \"tx_ring\": \"o_tx\" },"
		"  \"pod\": { \"ip\": \"" HOT_IP "\", \"mac\": \"02:00:0a:f4:00:77\" } }";
	static const char *const uplink =
		"{ \"name\": \"up2\", \"role\": \"uplink\", \"driver\": \"ring\","
		"  \"args\": { \"rx_ring\": \"u2_rx\", \"tx_ring\": \"u2_tx\" } }";
	static const char *const bad[] = {
		"{", "[]", "{ \"name\": \"x\" }",
		"{ \"name\": \"x\", \"role\": \"pod\", \"driver\": \"nope\" }",
		"{ \"name\": \"x y\", \"role\": \"pod\", \"driver\": \"ring\","
		"  \"args\": { \"rx_ring\": \"a\", \"tx_ring\": \"b\" } }",
		"{ \"name\": \"x\", \"role\": \"pod\", \"driver\": \"ring\","
		"  \"args\": { \"rx_ring\": \"a\", \"tx_ring\": \"b\" },"
		"  \"pod\": { \"ip\": \"10.9.0.1\", \"mac\": \"02:00:00:00:01:01\" } }",
		"{ \"name\": \"x\", \"role\": \"pod\", \"driver\": \"ring\","
		"  \"args\": { \"rx_ring\": \"a\" } }",
		"{ \"name\": \"x\", \"role\": \"pod\", \"driver\": \"ring\","
		"  \"args\": { \"rx_ring\": \"a\", \"tx_ring\": \"b\" }, \"extra\": 1 }",
	};
	unsigned int i;

	/* The same name or pod address again: a parse error. */
	CU_ASSERT_NOT_EQUAL(parse_port(hot_port, &pc), 0);
	CU_ASSERT_NOT_EQUAL(parse_port(dup_pod, &pc), 0);
	for (i = 0; i < RTE_DIM(bad); i++) {
		int rc = ps_port_config_parse(bad[i], strlen(bad[i]), cfg,
					      dp->ports, dp->nb_ports, &pc, &errs);

		CU_ASSERT_EQUAL(rc, -EINVAL);
		CU_ASSERT(errs.count > 0);
		ps_errors_free(&errs);
		memset(&errs, 0, sizeof(errs));
	}
	/* Past the parser, the dataplane refuses them too. */
	CU_ASSERT_EQUAL(parse_port(uplink, &pc), 0);
	CU_ASSERT_EQUAL(ps_dataplane_port_add(dp, &pc), -EINVAL);
	CU_ASSERT_EQUAL(ps_dataplane_port_del(dp, "nope"), -ENOENT);
	CU_ASSERT_EQUAL(ps_dataplane_port_del(dp, "up"), -EINVAL);
	CU_ASSERT_EQUAL(dp->nb_ports, before);
	CU_ASSERT_EQUAL(dp->mbuf_spare, spare);
}

static void
test_reserve_used_up(void)
{
	struct ps_port_config pc;
	unsigned int before = dp->nb_ports, spare = dp->mbuf_spare, added = 0;
	unsigned int need, i;
	char text[512], name[16];
	int rc;

	/* The reserve is counted in mbufs: ring ports are small, so several
	 * fit where the configuration reserved for vhost-user ones. */
	for (i = 0; i < PS_MAX_PORTS; i++) {
		snprintf(name, sizeof(name), "x%u", i);
		snprintf(text, sizeof(text),
			 "{ \"name\": \"%s\", \"role\": \"pod\", \"driver\": \"ring\","
			 "  \"args\": { \"rx_ring\": \"%s_rx\", \"tx_ring\": \"%s_tx\" } }",
			 name, name, name);
		CU_ASSERT_EQUAL_FATAL(parse_port(text, &pc), 0);
		rc = ps_dataplane_port_add(dp, &pc);
		if (rc < 0)
			break;
		added++;
	}
	need = ps_port_mbuf_need(&pc, (uint16_t)dp->nb_workers, cfg->burst);
	CU_ASSERT_EQUAL(rc, -ENOBUFS);
	/* the 507's text names the resource that ran out */
	CU_ASSERT_PTR_NOT_NULL(strstr(dp->port_error, "reserve"));
	CU_ASSERT_PTR_NOT_NULL(strstr(dp->port_error, "hotplug.max_ports"));
	CU_ASSERT_EQUAL(added, spare / need);
	CU_ASSERT(dp->mbuf_spare < need);
	CU_ASSERT_EQUAL(dp->nb_ports, before + added);
	CU_ASSERT_EQUAL(ps_dataplane_port_slot(dp, name), -ENOENT);
	for (i = 0; i < added; i++) {
		snprintf(name, sizeof(name), "x%u", i);
		CU_ASSERT_EQUAL(ps_dataplane_port_del(dp, name), 0);
		snprintf(name, sizeof(name), "x%u_tx", i);
		ps_test_drain(name);
	}
	CU_ASSERT_EQUAL(dp->nb_ports, before);
	CU_ASSERT_EQUAL(dp->mbuf_spare, spare);
}

static void
test_del_forgets_port(void)
{
	struct ps_fdb_entry fe;
	struct ps_neigh ne;
	uint8_t f[128];
	size_t len;
	uint64_t eth_before;
	int pid = ps_dataplane_port_by_name(dp, "hot");

	CU_ASSERT_FATAL(pid >= 0);
	/* Learned MAC behind the port, to see it forgotten. A pod port
	 * sends from its pod's MAC only (anti-spoofing, the policy
	 * module): the guard drops the frame; off for this port, it is
	 * learned. */
	len = l2_frame(f, P1_MAC, "02:00:0a:f4:00:55");
	ps_test_node_inject("hot_rx", f, len);
	ps_test_node_run();
	ps_test_expect_none("p1_tx");
	CU_ASSERT_NOT_EQUAL(ps_fdb_get(dp->fdb, &(struct rte_ether_addr){
		{ 0x02, 0, 0x0a, 0xf4, 0, 0x55 } }, &fe), 0);
	ps_infra_dp.guard[pid].on = 0;
	ps_test_node_inject("hot_rx", f, len);
	ps_test_node_run();
	ps_test_node_drain();
	CU_ASSERT_EQUAL(ps_fdb_get(dp->fdb, &(struct rte_ether_addr){
		{ 0x02, 0, 0x0a, 0xf4, 0, 0x55 } }, &fe), 0);
	eth_before = node_objs("eth_input");

	CU_ASSERT_EQUAL(ps_dataplane_port_del(dp, "hot"), 0);
	CU_ASSERT_EQUAL(ps_dataplane_port_slot(dp, "hot"), -ENOENT);
	CU_ASSERT_EQUAL(dp->nb_ports, 3);
	CU_ASSERT_FALSE(ps_ports[pid].active);
	CU_ASSERT(node_objs("eth_input") >= eth_before);

	/* FDB (learned and static) and neighbor entries are gone. */
	CU_ASSERT_NOT_EQUAL(ps_fdb_get(dp->fdb, &(struct rte_ether_addr){
		{ 0x02, 0, 0x0a, 0xf4, 0, 0x55 } }, &fe), 0);
	{
		struct rte_ether_addr hm = ps_mac(HOT_MAC);

		CU_ASSERT_NOT_EQUAL(ps_fdb_get(dp->fdb, &hm, &fe), 0);
	}
	CU_ASSERT_NOT_EQUAL(ps_neigh_get(dp->neighbors, ps_ip(HOT_IP), &ne), 0);

	/* Its pod's MAC is unknown now: flooded to the rest of the segment. */
	len = l2_frame(f, HOT_MAC, P1_MAC);
	ps_test_node_inject("p1_rx", f, len);
	ps_test_node_run();
	ps_test_expect_one("p2_tx", f, len);
	ps_test_expect_none("hot_tx");
	/* The rings the port created went with it (a port that came and
	 * went leaves no memory behind). */
	CU_ASSERT_PTR_NULL(rte_ring_lookup("hot_rx"));
	CU_ASSERT_PTR_NULL(rte_ring_lookup("hot_tx"));
}

static void
test_readd_same_name(void)
{
	uint8_t f[128];
	size_t len;

	/* Node clones and edges of the first life are reused. */
	CU_ASSERT(add_hot() >= 0);
	len = l2_frame(f, HOT_MAC, P2_MAC);
	ps_test_node_inject("p2_rx", f, len);
	ps_test_node_run();
	ps_test_expect_one("hot_tx", f, len);
	ps_test_expect_none("p1_tx");
	CU_ASSERT_EQUAL(ps_dataplane_port_del(dp, "hot"), 0);
}

/* What a port that came and went could leave behind. */
struct footprint {
	rte_node_t nodes;
	size_t heap;
	unsigned int memzones;
	unsigned int fds;
	unsigned int mbufs;
};

static void
memzone_count(const struct rte_memzone *mz, void *arg)
{
	RTE_SET_USED(mz);
	(*(unsigned int *)arg)++;
}

static void
footprint_get(struct footprint *fp)
{
	struct rte_malloc_socket_stats ms;
	struct dirent *de;
	DIR *d;

	memset(fp, 0, sizeof(*fp));
	fp->nodes = rte_node_max_count();
	if (rte_malloc_get_socket_stats(0, &ms) == 0)
		fp->heap = ms.heap_allocsz_bytes;
	rte_memzone_walk(memzone_count, &fp->memzones);
	d = opendir("/proc/self/fd");
	while (d != NULL && (de = readdir(d)) != NULL)
		fp->fds += de->d_name[0] != '.';
	if (d != NULL)
		closedir(d);
	fp->mbufs = rte_mempool_in_use_count(dp->pool);
}

/* Add pod port NAME (new name, new pod), carry one frame to it, remove it. */
static int
churn_one(unsigned int i)
{
	char text[512], name[16], rxr[24], txr[24], mac[24], ip[24];
	struct ps_port_config pc;
	struct rte_mbuf *m[4];
	uint8_t f[128];
	size_t len;
	unsigned int n;
	int rc;

	snprintf(name, sizeof(name), "c%u", i);
	snprintf(rxr, sizeof(rxr), "c%u_rx", i);
	snprintf(txr, sizeof(txr), "c%u_tx", i);
	snprintf(mac, sizeof(mac), "02:00:0a:f4:%02x:%02x", 1 + i / 200,
		 i % 200);
	snprintf(ip, sizeof(ip), "10.244.0.%u", 20 + i % 200);
	snprintf(text, sizeof(text),
		 "{ \"name\": \"%s\", \"role\": \"pod\", \"driver\": \"ring\","
		 "  \"args\": { \"rx_ring\": \"%s\", \"tx_ring\": \"%s\" },"
		 "  \"pod\": { \"ip\": \"%s\", \"mac\": \"%s\" } }",
		 name, rxr, txr, ip, mac);
	if (parse_port(text, &pc) != 0)
		return -EINVAL;
	rc = ps_dataplane_port_add(dp, &pc);
	if (rc < 0) {
		fprintf(stderr, "  cycle %u: add: %s (%s)\n", i,
			rte_strerror(-rc), dp->port_error);
		return rc;
	}
	len = l2_frame(f, mac, P2_MAC);
	if (ps_test_inject(dp, "p2_rx", f, len) != 0)
		return -ENOBUFS;
	ps_test_dp_run(dp, 2);
	n = ps_test_collect(txr, m, RTE_DIM(m));
	if (n > 0)
		rte_pktmbuf_free_bulk(m, n);
	rc = ps_dataplane_port_del(dp, name);
	if (n != 1 || rc != 0) {
		fprintf(stderr, "  cycle %u: %u frames delivered, del %d\n",
			i, n, rc);
		return -EIO;
	}
	return 0;
}

/*
 * 1,000 remove/add cycles of ports with new names: before port ids were
 * podswitch's own and clones named by them, every name registered two
 * graph nodes for good and the 477th name failed with -ENOSPC. Graph
 * nodes, memory (heap, memzones, mbufs) and file descriptors must not
 * grow with the cycles.
 */
#define CHURN_CYCLES 1000
#define CHURN_WARMUP 10

static void
test_churn_new_names(void)
{
	struct footprint a, b;
	unsigned int i;

	for (i = 0; i < CHURN_WARMUP; i++)
		CU_ASSERT_EQUAL_FATAL(churn_one(i), 0);
	ps_test_node_drain();
	footprint_get(&a);
	for (; i < CHURN_CYCLES; i++)
		if (churn_one(i) != 0) {
			CU_FAIL("a cycle failed");
			break;
		}
	ps_test_node_drain();
	footprint_get(&b);
	printf("\n    after %u cycles: nodes %u -> %u, heap %zu -> %zu, "
	       "memzones %u -> %u, fds %u -> %u, mbufs in use %u -> %u\n",
	       i, a.nodes, b.nodes, a.heap, b.heap, a.memzones, b.memzones,
	       a.fds, b.fds, a.mbufs, b.mbufs);
	CU_ASSERT_EQUAL(i, CHURN_CYCLES);
	CU_ASSERT_EQUAL(b.nodes, a.nodes);
	CU_ASSERT_EQUAL(b.memzones, a.memzones);
	CU_ASSERT_EQUAL(b.fds, a.fds);
	CU_ASSERT_EQUAL(b.mbufs, a.mbufs);
	/* the heap may move by what one graph rebuild rounds differently,
	 * not by anything per cycle */
	CU_ASSERT(b.heap <= a.heap + 64 * 1024);
}

/*
 * A vdev given its queue count makes that many queues each way, and its
 * other end (the kernel's fanout over af_packet sockets, a virtio guest)
 * feeds all of them: with two workers (two tx queues) a port asked for
 * one rx queue must still configure, and have polled, two.
 */
static void
test_paired_queues_all_polled(void)
{
	char text[256], path[64];
	struct ps_port_config pc;
	struct rte_eth_dev_info info;
	int pid;

	snprintf(path, sizeof(path), "/tmp/ps-hotplug-%d.sock", (int)getpid());
	snprintf(text, sizeof(text),
		 "{ \"name\": \"vq\", \"role\": \"pod\", \"driver\": "
		 "\"vhost-user\", \"args\": { \"path\": \"%s\" } }", path);
	CU_ASSERT_EQUAL_FATAL(parse_port(text, &pc), 0);
	CU_ASSERT_EQUAL(pc.rx_queues, 1);
	pid = ps_port_create(&pc, 2, dp->pool);
	CU_ASSERT_FATAL(pid >= 0);
	CU_ASSERT_EQUAL(ps_ports[pid].nb_rxq, 2);
	CU_ASSERT_EQUAL(rte_eth_dev_info_get(ps_ports[pid].eth_id, &info), 0);
	CU_ASSERT_EQUAL(info.nb_rx_queues, 2);
	CU_ASSERT_EQUAL(info.nb_tx_queues, 2);
	/* the pool reserve counts what the queues hold */
	CU_ASSERT_EQUAL(ps_port_mbuf_need(&pc, 2, 32), 2 * 1024 + 2 * 1024);
	ps_port_destroy((uint16_t)pid);
	unlink(path);
}

static void
test_no_mbuf_leak(void)
{
	ps_test_dp_run(dp, 8);
	ps_test_node_expect_no_leak();
}

/* A port may name another port's ring; deleting the ring's creator must
 * not free it under the other (the REST fuzzer found the use after free:
 * a NULL mbuf polled from a freed ring, or a poll spinning forever). */
static void
test_shared_ring_outlives_creator(void)
{
	struct ps_port_config pc;
	int rc;

	/* room for two: the suite allows two added ports */
	(void)ps_dataplane_port_del(dp, "hot");
	CU_ASSERT_EQUAL_FATAL(parse_port(PS_RING_PORT("sha", "pod",
		PS_POD("10.244.0.71", "02:00:0a:f4:00:71")), &pc), 0);
	CU_ASSERT_FATAL(ps_dataplane_port_add(dp, &pc) >= 0);
	CU_ASSERT_EQUAL_FATAL(parse_port("{ \"name\": \"shb\", \"role\": "
		"\"pod\", \"driver\": \"ring\", \"args\": { \"rx_ring\": "
		"\"shb_rx\", \"tx_ring\": \"sha_tx\" }, \"pod\": { \"ip\": "
		"\"10.244.0.72\", \"mac\": \"02:00:0a:f4:00:72\" } }", &pc), 0);
	rc = ps_dataplane_port_add(dp, &pc);
	CHECK(rc >= 0, "port add shb: %d %s", rc, dp->port_error);
	CU_ASSERT_FATAL(rc >= 0);
	CU_ASSERT_EQUAL(ps_dataplane_port_del(dp, "sha"), 0);
	CU_ASSERT_PTR_NOT_NULL(rte_ring_lookup("sha_tx"));
	CU_ASSERT_PTR_NULL(rte_ring_lookup("sha_rx"));
	CU_ASSERT_EQUAL(ps_dataplane_port_del(dp, "shb"), 0);
	CU_ASSERT_PTR_NULL(rte_ring_lookup("sha_tx"));
	CU_ASSERT_PTR_NULL(rte_ring_lookup("shb_rx"));
	ps_test_node_expect_no_leak();
}

static const struct ps_test tests[] = {
	{ "added port bridges and floods", test_add_bridges_and_floods },
	{ "added port answers and routes", test_added_port_answers_and_routes },
	{ "bad or clashing ports refused, nothing changes", test_add_refused },
	{ "reserve for added ports used up", test_reserve_used_up },
	{ "deleted port forgotten by every table", test_del_forgets_port },
	{ "same name added again", test_readd_same_name },
	{ "1000 remove/add cycles with new names: nodes, memory and "
	  "fds bounded", test_churn_new_names },
	{ "paired-queue vdev: every rx queue configured",
	  test_paired_queues_all_polled },
	{ "a ring another port uses outlives its creator",
	  test_shared_ring_outlives_creator },
	{ "no mbuf leak", test_no_mbuf_leak },
};

PS_TEST_MAIN(ps_test_eal_profiles_init,
	     PS_SUITE("hotplug", setup, ps_test_node_stop, tests))
