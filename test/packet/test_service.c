/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Packet tests of the service load balancer (service_lb): Kubernetes
 * services applied in-process, crafted frames through the real graph over
 * ring ports, frames out compared byte for byte with frames built from
 * scratch (every checksum computed over the whole packet, not updated).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_mempool.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include <podswitch/conntrack.h>
#include <podswitch/graph.h>
#include <podswitch/inet.h>
#include <podswitch/nat.h>
#include <podswitch/service.h>
#include <podswitch/stats.h>

#include "service_dp.h"
#include "test_common.h"

#define NODE_MAC "02:00:00:00:00:0a"
#define P1_MAC "02:00:0a:f4:00:02"	/* pod 10.244.0.2 on p1 */
#define P2_MAC "02:00:0a:f4:00:03"	/* pod 10.244.0.3 on p2 */
#define P3_MAC "02:00:0a:f4:00:04"	/* pod 10.244.0.4 on p3 */
#define PEER_MAC "02:00:c0:a8:3c:0b"	/* node B 192.168.60.11 */
#define ROUTER_MAC "02:00:c0:a8:3c:01"	/* default gateway 192.168.60.1 */
#define CLIENT_MAC "02:00:c0:a8:3c:32"	/* outside client 192.168.60.50 */

#define P1 "10.244.0.2"
#define P2 "10.244.0.3"
#define P3 "10.244.0.4"
#define REMOTE_EP "10.244.1.5"
#define NODE_IP "192.168.60.10"
#define CLIENT "192.168.60.50"

#define CT_SIZE 512
#define PORT_MIN 20000
#define PORT_MAX 20999

static const char *const config =
	"{ \"node\": { \"name\": \"t5\", \"ip\": \"192.168.60.10/24\","
	"  \"mac\": \"" NODE_MAC "\", \"pod_cidr\": \"10.244.0.0/24\","
	"  \"gateway_ip\": \"10.244.0.1\", \"cluster_cidr\": \"10.244.0.0/16\","
	"  \"service_cidr\": \"10.96.0.0/12\" },"
	"  \"ports\": ["
	PS_RING_PORT("p1", "pod", PS_POD("10.244.0.2", P1_MAC)) ","
	PS_RING_PORT("p2", "pod", PS_POD("10.244.0.3", P2_MAC)) ","
	PS_RING_PORT("p3", "pod", PS_POD("10.244.0.4", P3_MAC)) ","
	PS_RING_PORT("up", "uplink", "") " ],"
	"  \"routes\": [ { \"dst\": \"10.244.1.0/24\", \"gateway\": \"192.168.60.11\" },"
	"                { \"dst\": \"0.0.0.0/0\", \"gateway\": \"192.168.60.1\" } ],"
	"  \"neighbors\": ["
	"    { \"ip\": \"192.168.60.11\", \"mac\": \"" PEER_MAC "\", \"dev\": \"up\" },"
	"    { \"ip\": \"192.168.60.1\", \"mac\": \"" ROUTER_MAC "\", \"dev\": \"up\" },"
	"    { \"ip\": \"192.168.60.50\", \"mac\": \"" CLIENT_MAC "\", \"dev\": \"up\" } ],"
	"  \"tables\": { \"routes\": 1024, \"conntrack\": 512, \"services\": 64,"
	"              \"endpoints\": 256 },"
	"  \"nat\": { \"port_min\": 20000, \"port_max\": 20999 },"
	"  \"conntrack\": { \"timeouts\": { \"icmp\": 2 } } }";

/*
 * The services (single quotes become double ones):
 *  local   10.96.0.10:80/TCP  -> 10.244.0.3:8080 (this node)
 *  remote  10.96.0.11:80/TCP  -> 10.244.1.5:8080 (node B)
 *  np      10.96.0.12:80/TCP  nodePort 30080, etp Cluster -> 10.244.0.3:8080
 *  nplocal 10.96.0.16:80/TCP  nodePort 30081, etp Local -> 10.244.0.3:8080
 *  dns     10.96.0.13:53/UDP  -> 10.244.0.4:5353
 *  empty   10.96.0.14:80/TCP  no endpoint
 *  rr3     10.96.0.15:80/TCP  -> 10.244.0.2/3/4:8080, rr
 */
#define SVC(name, vip, type, proto, port, np, etp)			\
	"{'kind':'Service','apiVersion':'v1','metadata':{'name':'" name	\
	"','namespace':'default'},'spec':{'type':'" type "',"		\
	"'clusterIP':'" vip "','externalTrafficPolicy':'" etp "',"	\
	"'ports':[{'name':'p','protocol':'" proto "','port':" port	\
	np ",'targetPort':'p'}]}}"
#define SLICE(name, proto, port, eps)					\
	"{'kind':'EndpointSlice','apiVersion':'discovery.k8s.io/v1',"	\
	"'addressType':'IPv4','metadata':{'name':'" name "-1',"		\
	"'namespace':'default','labels':{'kubernetes.io/service-name':'" \
	name "'}},'ports':[{'name':'p','port':" port ",'protocol':'"	\
	proto "'}],'endpoints':[" eps "]}"
#define EP(ip, node)							\
	"{'addresses':['" ip "'],'nodeName':'" node "',"		\
	"'conditions':{'ready':true,'serving':true,'terminating':false}}"

static const char *const services =
	"{'kind':'List','apiVersion':'v1','items':["
	SVC("local", "10.96.0.10", "ClusterIP", "TCP", "80", "", "Cluster") ","
	SLICE("local", "TCP", "8080", EP(P2, "t5")) ","
	SVC("remote", "10.96.0.11", "ClusterIP", "TCP", "80", "", "Cluster") ","
	SLICE("remote", "TCP", "8080", EP(REMOTE_EP, "b")) ","
	SVC("np", "10.96.0.12", "NodePort", "TCP", "80", ",'nodePort':30080",
	    "Cluster") ","
	SLICE("np", "TCP", "8080", EP(P2, "t5")) ","
	SVC("nplocal", "10.96.0.16", "NodePort", "TCP", "80",
	    ",'nodePort':30081", "Local") ","
	SLICE("nplocal", "TCP", "8080", EP(P2, "t5")) ","
	SVC("dns", "10.96.0.13", "ClusterIP", "UDP", "53", "", "Cluster") ","
	SLICE("dns", "UDP", "5353", EP(P3, "t5")) ","
	SVC("empty", "10.96.0.14", "ClusterIP", "TCP", "80", "", "Cluster") ","
	SVC("rr3", "10.96.0.15", "ClusterIP", "TCP", "80", "", "Cluster") ","
	SLICE("rr3", "TCP", "8080", EP(P1, "t5") "," EP(P2, "t5") ","
	      EP(P3, "t5"))
	"]}";

static struct ps_dataplane *const dp = &ps_test_node.dp;

/* A document in the notation above: single quotes become double ones. */
static int
apply(const char *text)
{
	char *buf = strdup(text), *c;
	int rc;

	if (buf == NULL)
		return -1;
	for (c = buf; *c; c++)
		if (*c == '\'')
			*c = '"';
	rc = ps_test_node_apply(buf);
	free(buf);
	return rc;
}

static int
setup(void)
{
	/* PS_TRACE=1: every packet's path in the log (--trace) */
	ps_graph_trace = getenv("PS_TRACE") != NULL;
	if (ps_graph_trace)
		rte_log_set_level_pattern("podswitch.*", RTE_LOG_DEBUG);
	if (ps_test_node_start(config, 4) != 0)
		return -1;
	if (apply(services) != 0)
		return -1;
	ps_test_node.pool_base = rte_mempool_in_use_count(dp->pool);
	return 0;
}

/* Every test starts without connections. */
static void
flush(void)
{
	ps_ct_flush(dp->ct);
	ps_test_node_run();
}

/* f with other addresses/ports and the TTL a router leaves. */
static struct ps_l4
xl(struct ps_l4 f, const char *src, uint16_t sport, const char *dst,
   uint16_t dport)
{
	f.src = src;
	f.sport = sport;
	f.dst = dst;
	f.dport = dport;
	f.ttl--;
	return f;
}

/* Send f in on ring `in` from mac, expect exactly exp on ring `out`. */
static void
send_expect(const char *in, const char *mac, const struct ps_l4 *f,
	    const char *out, const char *out_mac, const struct ps_l4 *exp)
{
	uint8_t fr[512], ef[512];
	size_t len, elen;

	len = ps_build_l4(fr, NODE_MAC, mac, f);
	elen = ps_build_l4(ef, out_mac, NODE_MAC, exp);
	ps_test_node_inject(in, fr, len);
	ps_test_node_run();
	ps_test_expect_one(out, ef, elen);
}

/* The SNAT port conntrack gave the connection of f (host order), 0 if none. */
static uint16_t
snat_port_of(const struct ps_l4 *f)
{
	struct ps_ct_tuple t;
	struct ps_ct_entry *e;
	uint8_t dir;

	ps_ct_tuple_set(&t, f->proto, ps_ip(f->src), ps_ip(f->dst),
			rte_cpu_to_be_16(f->sport), rte_cpu_to_be_16(f->dport));
	e = ps_ct_lookup(dp->ct, &t, &dir);
	CU_ASSERT_PTR_NOT_NULL(e);
	if (e == NULL || e->nat.snat_ip == 0)
		return 0;
	CU_ASSERT_EQUAL(e->nat.snat_ip, ps_ip(NODE_IP));
	return rte_be_to_cpu_16(e->nat.snat_port);
}

#define SYN RTE_TCP_SYN_FLAG
#define ACK RTE_TCP_ACK_FLAG

/* Tests ------------------------------------------------------------------ */

/* Pod -> ClusterIP, endpoint on this node: DNAT, reverse NAT on the reply,
 * then the established connection both ways. */
static void
test_clusterip_local(void)
{
	struct ps_l4 syn = ps_tcp(P1, 40001, "10.96.0.10", 80, SYN, 1000, 0, 0);
	struct ps_l4 sa = ps_tcp(P2, 8080, P1, 40001, SYN | ACK, 5000, 1001, 0);
	struct ps_l4 ack = ps_tcp(P1, 40001, "10.96.0.10", 80, ACK, 1001, 5001, 100);
	struct ps_l4 e;
	struct ps_ct_stats st0, st1;

	flush();
	ps_ct_stats(dp->ct, &st0);
	e = xl(syn, P1, 40001, P2, 8080);
	send_expect("p1_rx", P1_MAC, &syn, "p2_tx", P2_MAC, &e);
	e = xl(sa, "10.96.0.10", 80, P1, 40001);
	send_expect("p2_rx", P2_MAC, &sa, "p1_tx", P1_MAC, &e);
	e = xl(ack, P1, 40001, P2, 8080);
	send_expect("p1_rx", P1_MAC, &ack, "p2_tx", P2_MAC, &e);
	sa = ps_tcp(P2, 8080, P1, 40001, ACK, 5001, 1101, 120);
	e = xl(sa, "10.96.0.10", 80, P1, 40001);
	send_expect("p2_rx", P2_MAC, &sa, "p1_tx", P1_MAC, &e);
	ps_ct_stats(dp->ct, &st1);
	CU_ASSERT_EQUAL(st1.created - st0.created, 1);
	CU_ASSERT_EQUAL(st1.entries, 1);
	CU_ASSERT_EQUAL(snat_port_of(&syn), 0);
	ps_test_node_expect_no_leak();
}

/* The endpoint shares the client's subnet: its reply is bridged (sent to
 * the client's MAC), and must be un-DNATed all the same, TTL untouched;
 * conntrack sees it (the client's ACK is then valid). */
static void
test_bridged_reply(void)
{
	struct ps_l4 syn = ps_tcp(P1, 40030, "10.96.0.10", 80, SYN, 1000, 0, 0);
	struct ps_l4 sa = ps_tcp(P2, 8080, P1, 40030, SYN | ACK, 5000, 1001, 0);
	struct ps_l4 ack = ps_tcp(P1, 40030, "10.96.0.10", 80, ACK, 1001, 5001, 0);
	uint8_t fr[256], ef[256];
	size_t len, elen;
	struct ps_l4 e;

	flush();
	e = xl(syn, P1, 40030, P2, 8080);
	send_expect("p1_rx", P1_MAC, &syn, "p2_tx", P2_MAC, &e);
	/* P2 now has a client of its subnet: its bridged frames are looked
	 * at, P3's are not */
	CU_ASSERT_EQUAL(ps_svc_dp.l2_ep_conns[svc_l2_slot(ps_ip(P2))], 1);
	CU_ASSERT_EQUAL(ps_svc_dp.l2_ep_conns[svc_l2_slot(ps_ip(P3))], 0);
	len = ps_build_l4(fr, P1_MAC, P2_MAC, &sa);
	e = sa;
	e.src = "10.96.0.10";
	e.sport = 80;
	elen = ps_build_l4(ef, P1_MAC, P2_MAC, &e);
	ps_test_node_inject("p2_rx", fr, len);
	ps_test_node_run();
	ps_test_expect_one("p1_tx", ef, elen);
	ps_test_expect_none("p3_tx");
	e = xl(ack, P1, 40030, P2, 8080);
	send_expect("p1_rx", P1_MAC, &ack, "p2_tx", P2_MAC, &e);
	/* untracked bridged traffic is left alone */
	len = ps_build_l4(fr, P1_MAC, P2_MAC, &(struct ps_l4){ .src = P2, .dst = P1,
			  .sport = 7, .dport = 7, .proto = IPPROTO_UDP, .ttl = 9 });
	ps_test_node_inject("p2_rx", fr, len);
	ps_test_node_run();
	ps_test_expect_one("p1_tx", fr, len);
	flush();
	CU_ASSERT_EQUAL(ps_svc_dp.l2_ep_conns[svc_l2_slot(ps_ip(P2))], 0);
	ps_test_node_expect_no_leak();
}

/* Pod -> ClusterIP, endpoint on node B: DNAT, routed to the uplink. */
static void
test_clusterip_remote(void)
{
	struct ps_l4 syn = ps_tcp(P1, 40002, "10.96.0.11", 80, SYN, 7, 0, 0);
	struct ps_l4 sa = ps_tcp(REMOTE_EP, 8080, P1, 40002, SYN | ACK, 9, 8, 0);
	struct ps_l4 e;

	flush();
	e = xl(syn, P1, 40002, REMOTE_EP, 8080);
	send_expect("p1_rx", P1_MAC, &syn, "up_tx", PEER_MAC, &e);
	e = xl(sa, "10.96.0.11", 80, P1, 40002);
	send_expect("up_rx", PEER_MAC, &sa, "p1_tx", P1_MAC, &e);
	ps_test_expect_none("p2_tx");
	ps_test_node_expect_no_leak();
}

/* Outside client -> node IP:nodePort, policy Cluster: DNAT and SNAT to the
 * node IP with a port of the pool; the reply is translated back. */
static void
test_nodeport_cluster(void)
{
	struct ps_l4 syn = ps_tcp(CLIENT, 50000, NODE_IP, 30080, SYN, 100, 0, 0);
	uint8_t fr[256];
	size_t len;
	uint16_t port;
	struct ps_l4 e, sa;

	flush();
	len = ps_build_l4(fr, NODE_MAC, CLIENT_MAC, &syn);
	ps_test_node_inject("up_rx", fr, len);
	ps_test_node_run();
	port = snat_port_of(&syn);
	CU_ASSERT(port >= PORT_MIN && port <= PORT_MAX);
	e = xl(syn, NODE_IP, port, P2, 8080);
	len = ps_build_l4(fr, P2_MAC, NODE_MAC, &e);
	ps_test_expect_one("p2_tx", fr, len);

	sa = ps_tcp(P2, 8080, NODE_IP, port, SYN | ACK, 900, 101, 0);
	e = xl(sa, NODE_IP, 30080, CLIENT, 50000);
	send_expect("p2_rx", P2_MAC, &sa, "up_tx", CLIENT_MAC, &e);
	/* the port goes back to the pool with the connection */
	CU_ASSERT(ps_nat_port_in_use(dp->nat_pools[PS_NAT_POOL_TCP], port));
	flush();
	CU_ASSERT(!ps_nat_port_in_use(dp->nat_pools[PS_NAT_POOL_TCP], port));
	ps_test_node_expect_no_leak();
}

/* externalTrafficPolicy Local: the client's address is kept. */
static void
test_nodeport_local(void)
{
	struct ps_l4 syn = ps_tcp(CLIENT, 50001, NODE_IP, 30081, SYN, 100, 0, 0);
	struct ps_l4 sa = ps_tcp(P2, 8080, CLIENT, 50001, SYN | ACK, 900, 101, 0);
	struct ps_l4 e;

	flush();
	e = xl(syn, CLIENT, 50001, P2, 8080);
	send_expect("up_rx", CLIENT_MAC, &syn, "p2_tx", P2_MAC, &e);
	CU_ASSERT_EQUAL(snat_port_of(&syn), 0);
	e = xl(sa, NODE_IP, 30081, CLIENT, 50001);
	send_expect("p2_rx", P2_MAC, &sa, "up_tx", CLIENT_MAC, &e);
	ps_test_node_expect_no_leak();
}

/* A load-balancer ingress IP: SNAT+DNAT like a NodePort (policy Cluster);
 * a client outside loadBalancerSourceRanges is dropped and counted. */
static void
test_load_balancer(void)
{
	struct ps_l4 syn = ps_tcp(CLIENT, 50010, "192.168.60.240", 80, SYN, 9, 0, 0);
	struct ps_l4 bad = ps_tcp("192.168.60.100", 50011, "192.168.60.240", 80, SYN,
				  9, 0, 0);
	uint64_t denied = ps_stats_drops("service_lb", "denied");
	uint8_t fr[256];
	size_t len;
	uint16_t port;
	struct ps_l4 e, sa;

	CU_ASSERT_EQUAL_FATAL(apply("{'kind':'List','items':["
		"{'kind':'Service','metadata':{'name':'lb','namespace':'default'},"
		"'spec':{'type':'LoadBalancer','clusterIP':'10.96.0.17',"
		"'loadBalancerSourceRanges':['192.168.60.0/26'],'ports':[{"
		"'name':'p','protocol':'TCP','port':80,'targetPort':'p'}]},"
		"'status':{'loadBalancer':{'ingress':[{'ip':'192.168.60.240'}]}}},"
		SLICE("lb", "TCP", "8080", EP(P3, "t5")) "]}"), 0);
	flush();
	len = ps_build_l4(fr, NODE_MAC, CLIENT_MAC, &syn);
	ps_test_node_inject("up_rx", fr, len);
	ps_test_node_run();
	port = snat_port_of(&syn);
	CU_ASSERT(port >= PORT_MIN && port <= PORT_MAX);
	e = xl(syn, NODE_IP, port, P3, 8080);
	len = ps_build_l4(fr, P3_MAC, NODE_MAC, &e);
	ps_test_expect_one("p3_tx", fr, len);
	sa = ps_tcp(P3, 8080, NODE_IP, port, SYN | ACK, 70, 10, 0);
	e = xl(sa, "192.168.60.240", 80, CLIENT, 50010);
	send_expect("p3_rx", P3_MAC, &sa, "up_tx", CLIENT_MAC, &e);

	len = ps_build_l4(fr, NODE_MAC, CLIENT_MAC, &bad);
	ps_test_node_inject("up_rx", fr, len);
	ps_test_node_run();
	ps_test_expect_none("p3_tx");
	ps_test_expect_none("up_tx");
	CU_ASSERT_EQUAL(ps_stats_drops("service_lb", "denied") - denied, 1);
	ps_test_node_expect_no_leak();
}

/* A pod reaches its own service and gets itself: SNAT to the node IP so
 * the reply comes back through us. */
static void
test_hairpin(void)
{
	struct ps_l4 syn = ps_tcp(P2, 40005, "10.96.0.10", 80, SYN, 1, 0, 0);
	uint8_t fr[256];
	size_t len;
	uint16_t port;
	struct ps_l4 e, sa;

	flush();
	len = ps_build_l4(fr, NODE_MAC, P2_MAC, &syn);
	ps_test_node_inject("p2_rx", fr, len);
	ps_test_node_run();
	port = snat_port_of(&syn);
	CU_ASSERT(port >= PORT_MIN && port <= PORT_MAX);
	e = xl(syn, NODE_IP, port, P2, 8080);
	len = ps_build_l4(fr, P2_MAC, NODE_MAC, &e);
	ps_test_expect_one("p2_tx", fr, len);

	sa = ps_tcp(P2, 8080, NODE_IP, port, SYN | ACK, 50, 2, 0);
	e = xl(sa, "10.96.0.10", 80, P2, 40005);
	send_expect("p2_rx", P2_MAC, &sa, "p2_tx", P2_MAC, &e);
	ps_test_node_expect_no_leak();
}

/* Pod -> 8.8.8.8: masqueraded to the node IP, the reply back to the pod. */
static void
test_masquerade(void)
{
	struct ps_l4 q = ps_udp(P1, 40006, "8.8.8.8", 53, 40);
	uint8_t fr[256];
	size_t len;
	uint16_t port;
	struct ps_l4 e, r;

	flush();
	len = ps_build_l4(fr, NODE_MAC, P1_MAC, &q);
	ps_test_node_inject("p1_rx", fr, len);
	ps_test_node_run();
	port = snat_port_of(&q);
	CU_ASSERT(port >= PORT_MIN && port <= PORT_MAX);
	e = xl(q, NODE_IP, port, "8.8.8.8", 53);
	len = ps_build_l4(fr, ROUTER_MAC, NODE_MAC, &e);
	ps_test_expect_one("up_tx", fr, len);

	r = ps_udp("8.8.8.8", 53, NODE_IP, port, 100);
	e = xl(r, "8.8.8.8", 53, P1, 40006);
	send_expect("up_rx", ROUTER_MAC, &r, "p1_tx", P1_MAC, &e);
	/* cluster destinations are not masqueraded */
	q = ps_udp(P1, 40006, "10.244.1.9", 53, 40);
	e = xl(q, P1, 40006, "10.244.1.9", 53);
	send_expect("p1_rx", P1_MAC, &q, "up_tx", PEER_MAC, &e);
	ps_test_node_expect_no_leak();
}

/* ICMP echo is masqueraded with a new identifier. */
static void
test_masquerade_icmp(void)
{
	uint8_t in[128], exp[128];
	size_t len;
	struct ps_ct_tuple t;
	struct ps_ct_entry *e;
	uint8_t dir;
	uint16_t id;

	flush();
	len = ps_build_icmp_echo(in, NODE_MAC, P1_MAC, P1, "8.8.8.8", 8, 77, 1,
				 64, 24);
	ps_test_node_inject("p1_rx", in, len);
	ps_test_node_run();
	ps_ct_tuple_icmp(&t, ps_ip(P1), ps_ip("8.8.8.8"), rte_cpu_to_be_16(77));
	e = ps_ct_lookup(dp->ct, &t, &dir);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	id = rte_be_to_cpu_16(e->nat.snat_port);
	CU_ASSERT(id >= PORT_MIN && id <= PORT_MAX);
	len = ps_build_icmp_echo(exp, ROUTER_MAC, NODE_MAC, NODE_IP, "8.8.8.8",
				 8, id, 1, 63, 24);
	ps_test_expect_one("up_tx", exp, len);
	len = ps_build_icmp_echo(in, NODE_MAC, ROUTER_MAC, "8.8.8.8", NODE_IP,
				 0, id, 1, 60, 24);
	ps_test_node_inject("up_rx", in, len);
	ps_test_node_run();
	len = ps_build_icmp_echo(exp, P1_MAC, NODE_MAC, "8.8.8.8", P1, 0, 77, 1,
				 59, 24);
	ps_test_expect_one("p1_tx", exp, len);
	ps_test_node_expect_no_leak();
}

/* The management thread ages connections out: an expired masquerade
 * gives its identifier back to the pool; a deleted service connection
 * its endpoint's count (least-connections). */
static void
test_expiry_gives_back(void)
{
	struct ps_l4 syn = ps_tcp(P1, 40031, "10.96.0.10", 80, SYN, 1, 0, 0);
	struct ps_ct_stats st0, st1;
	struct ps_ct_tuple t;
	struct ps_ct_entry *e;
	uint8_t in[128], dir;
	uint32_t ep;
	uint16_t id;
	size_t len;
	int i;

	flush();
	ps_ct_stats(dp->ct, &st0);
	len = ps_build_icmp_echo(in, NODE_MAC, P1_MAC, P1, "8.8.8.8", 8, 99, 1,
				 64, 8);
	ps_test_node_inject("p1_rx", in, len);
	ps_test_node_run();
	ps_ct_tuple_icmp(&t, ps_ip(P1), ps_ip("8.8.8.8"), rte_cpu_to_be_16(99));
	e = ps_ct_lookup(dp->ct, &t, &dir);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	id = rte_be_to_cpu_16(e->nat.snat_port);
	CU_ASSERT(ps_nat_port_in_use(dp->nat_pools[PS_NAT_POOL_ICMP], id));
	/* ICMP lives 2 s here */
	sleep(3);
	for (i = 0; i < 1000 && ps_ct_lookup(dp->ct, &t, &dir) != NULL; i++)
		ps_test_node_run();
	CU_ASSERT_PTR_NULL(ps_ct_lookup(dp->ct, &t, &dir));
	CU_ASSERT(!ps_nat_port_in_use(dp->nat_pools[PS_NAT_POOL_ICMP], id));
	ps_ct_stats(dp->ct, &st1);
	CU_ASSERT_EQUAL(st1.expired - st0.expired, 1);

	len = ps_build_l4(in, NODE_MAC, P1_MAC, &syn);
	ps_test_node_inject("p1_rx", in, len);
	ps_test_node_run();
	ps_ct_tuple_set(&t, IPPROTO_TCP, ps_ip(P1), ps_ip("10.96.0.10"),
			rte_cpu_to_be_16(40031), RTE_BE16(80));
	e = ps_ct_lookup(dp->ct, &t, &dir);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	ep = e->nat.endpoint_id;
	CU_ASSERT_EQUAL(ps_svc_ep_conns(dp->svcs, ep), 1);
	flush();
	CU_ASSERT_EQUAL(ps_svc_ep_conns(dp->svcs, ep), 0);
	ps_test_node_expect_no_leak();
}

/* A UDP datagram without checksum stays without one, both ways. */
static void
test_udp_zero_checksum(void)
{
	struct ps_l4 q = ps_udp(P1, 40007, "10.96.0.13", 53, 33);
	struct ps_l4 r = ps_udp(P3, 5353, P1, 40007, 61);
	struct ps_l4 e;

	flush();
	q.no_csum = true;
	r.no_csum = true;
	e = xl(q, P1, 40007, P3, 5353);
	send_expect("p1_rx", P1_MAC, &q, "p3_tx", P3_MAC, &e);
	e = xl(r, "10.96.0.13", 53, P1, 40007);
	send_expect("p3_rx", P3_MAC, &r, "p1_tx", P1_MAC, &e);
	ps_test_node_expect_no_leak();
}

/* One DNS query through a ClusterIP: its entry counts that query (the
 * packet that created it), then the answer the other way. */
static void
test_ct_counts_first_packet(void)
{
	struct ps_l4 q = ps_udp(P1, 40008, "10.96.0.13", 53, 33);
	struct ps_l4 r = ps_udp(P3, 5353, P1, 40008, 61);
	uint8_t fr[512];
	size_t qlen, rlen;
	struct ps_ct_tuple t;
	struct ps_ct_entry *e;
	struct ps_l4 x;
	uint8_t dir;

	flush();
	qlen = ps_build_l4(fr, NODE_MAC, P1_MAC, &q);
	rlen = ps_build_l4(fr, NODE_MAC, P3_MAC, &r);
	x = xl(q, P1, 40008, P3, 5353);
	send_expect("p1_rx", P1_MAC, &q, "p3_tx", P3_MAC, &x);
	ps_ct_tuple_set(&t, IPPROTO_UDP, ps_ip(P1), ps_ip("10.96.0.13"),
			rte_cpu_to_be_16(40008), rte_cpu_to_be_16(53));
	e = ps_ct_lookup(dp->ct, &t, &dir);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_EQUAL(dir, PS_CT_DIR_ORIG);
	CU_ASSERT_EQUAL(e->packets[PS_CT_DIR_ORIG], 1);
	CU_ASSERT_EQUAL(e->bytes[PS_CT_DIR_ORIG], qlen);
	CU_ASSERT_EQUAL(e->packets[PS_CT_DIR_REPLY], 0);
	CU_ASSERT_EQUAL(e->bytes[PS_CT_DIR_REPLY], 0);
	x = xl(r, "10.96.0.13", 53, P1, 40008);
	send_expect("p3_rx", P3_MAC, &r, "p1_tx", P1_MAC, &x);
	CU_ASSERT_EQUAL(e->packets[PS_CT_DIR_ORIG], 1);
	CU_ASSERT_EQUAL(e->packets[PS_CT_DIR_REPLY], 1);
	CU_ASSERT_EQUAL(e->bytes[PS_CT_DIR_REPLY], rlen);
	ps_test_node_expect_no_leak();
}

/* The endpoint answers port unreachable about the DNATed datagram: the
 * client gets it about the datagram it sent, from the VIP. */
static void
test_icmp_error_from_endpoint(void)
{
	struct ps_l4 q = ps_udp(P1, 40008, "10.96.0.13", 53, 20);
	uint8_t fr[256], dn[256], err[256], qt[256], ee[256], exp[256];
	size_t len, dlen, elen, qlen, xlen;
	struct ps_l4 e;

	flush();
	len = ps_build_l4(fr, NODE_MAC, P1_MAC, &q);
	e = xl(q, P1, 40008, P3, 5353);
	dlen = ps_build_l4(dn, P3_MAC, NODE_MAC, &e);
	ps_test_node_inject("p1_rx", fr, len);
	ps_test_node_run();
	ps_test_expect_one("p3_tx", dn, dlen);

	elen = ps_build_icmp_error(err, dn, dlen, NODE_MAC, P3_MAC, P3,
				   PS_ICMP_DEST_UNREACH, PS_ICMP_PORT_UNREACH);
	ps_test_node_inject("p3_rx", err, elen);
	ps_test_node_run();
	/* what the client sent, as it reached the endpoint (TTL 63) */
	e = q;
	e.ttl--;
	qlen = ps_build_l4(qt, NODE_MAC, P1_MAC, &e);
	xlen = ps_build_icmp_error(ee, qt, qlen, NODE_MAC, P3_MAC,
				   "10.96.0.13", PS_ICMP_DEST_UNREACH,
				   PS_ICMP_PORT_UNREACH);
	xlen = ps_build_forwarded(exp, ee, xlen, P1_MAC, NODE_MAC);
	ps_test_expect_one("p1_tx", exp, xlen);
	ps_test_node_expect_no_leak();
}

/* A router's time exceeded about a masqueraded datagram reaches the pod
 * about the datagram the pod sent. */
static void
test_icmp_error_masquerade(void)
{
	struct ps_l4 q = ps_udp(P1, 40020, "8.8.8.8", 53, 16);
	uint8_t fr[256], out[256], err[256], qt[256], ee[256], exp[256];
	size_t len, olen, elen, qlen, xlen;
	uint16_t port;
	struct ps_l4 e;

	flush();
	len = ps_build_l4(fr, NODE_MAC, P1_MAC, &q);
	ps_test_node_inject("p1_rx", fr, len);
	ps_test_node_run();
	port = snat_port_of(&q);
	e = xl(q, NODE_IP, port, "8.8.8.8", 53);
	olen = ps_build_l4(out, ROUTER_MAC, NODE_MAC, &e);
	ps_test_expect_one("up_tx", out, olen);

	elen = ps_build_icmp_error(err, out, olen, NODE_MAC, ROUTER_MAC,
				   "192.168.60.1", PS_ICMP_TIME_EXCEEDED, 0);
	ps_test_node_inject("up_rx", err, elen);
	ps_test_node_run();
	e = q;
	e.ttl--;
	qlen = ps_build_l4(qt, NODE_MAC, P1_MAC, &e);
	xlen = ps_build_icmp_error(ee, qt, qlen, NODE_MAC, ROUTER_MAC,
				   "192.168.60.1", PS_ICMP_TIME_EXCEEDED, 0);
	xlen = ps_build_forwarded(exp, ee, xlen, P1_MAC, NODE_MAC);
	ps_test_expect_one("p1_tx", exp, xlen);
	ps_test_node_expect_no_leak();
}

/* TTL 1 to a ClusterIP: our own time exceeded is about the DNATed packet
 * but the client must see its own: icmp_error goes through service_lb. */
static void
test_ttl_exceeded_after_dnat(void)
{
	struct ps_l4 syn = ps_tcp(P1, 40021, "10.96.0.11", 80, SYN, 1, 0, 0);
	uint8_t fr[256], exp[256];
	size_t len, elen;

	flush();
	syn.ttl = 1;
	len = ps_build_l4(fr, NODE_MAC, P1_MAC, &syn);
	ps_test_node_inject("p1_rx", fr, len);
	ps_test_node_run();
	elen = ps_build_icmp_error(exp, fr, len, P1_MAC, NODE_MAC, "10.244.0.1",
				   PS_ICMP_TIME_EXCEEDED, 0);
	ps_test_expect_one("p1_tx", exp, elen);
	ps_test_expect_none("up_tx");
	ps_test_node_expect_no_leak();
}

/* No endpoint: the client gets port unreachable at once, TCP and UDP. */
static void
test_no_endpoint_rejects(void)
{
	struct ps_l4 syn = ps_tcp(P1, 40009, "10.96.0.14", 80, SYN, 1, 0, 0);
	uint8_t fr[256], exp[256];
	size_t len, elen;
	struct ps_ct_stats st0, st1;

	flush();
	ps_ct_stats(dp->ct, &st0);
	len = ps_build_l4(fr, NODE_MAC, P1_MAC, &syn);
	ps_test_node_inject("p1_rx", fr, len);
	ps_test_node_run();
	elen = ps_build_icmp_error(exp, fr, len, P1_MAC, NODE_MAC, "10.244.0.1",
				   PS_ICMP_DEST_UNREACH, PS_ICMP_PORT_UNREACH);
	ps_test_expect_one("p1_tx", exp, elen);
	ps_test_expect_none("p2_tx");
	ps_ct_stats(dp->ct, &st1);
	CU_ASSERT_EQUAL(st1.created, st0.created);
	ps_test_node_expect_no_leak();
}

/* A TCP segment that cannot open a connection, to a VIP without one:
 * dropped and counted, never forwarded un-NATed. */
static void
test_non_syn_invalid(void)
{
	struct ps_l4 a = ps_tcp(P1, 40010, "10.96.0.10", 80, ACK, 5, 6, 10);
	uint8_t fr[256];
	size_t len;
	uint64_t before = ps_stats_drops("service_lb", "invalid");

	flush();
	len = ps_build_l4(fr, NODE_MAC, P1_MAC, &a);
	ps_test_node_inject("p1_rx", fr, len);
	ps_test_node_run();
	ps_test_expect_none("p2_tx");
	ps_test_expect_none("up_tx");
	ps_test_expect_none("p1_tx");
	CU_ASSERT_EQUAL(ps_stats_drops("service_lb", "invalid") - before, 1);
	ps_test_node_expect_no_leak();
}

/*
 * After a restart that lost the table (a flush stands for it): a
 * mid-stream segment of a maglev service is picked up and goes to the
 * endpoint the connection's SYN went to; the entry is established.
 */
static int
ring_of(const char *const rings[3], struct rte_mbuf **m)
{
	unsigned int r;

	for (r = 0; r < 3; r++)
		if (ps_test_collect(rings[r], m, 1) == 1)
			return (int)r;
	return -1;
}

static void
test_maglev_pickup(void)
{
	static const char *const rings[3] = { "p1_tx", "p2_tx", "p3_tx" };
	static const char *const mg =
		"{'kind':'List','apiVersion':'v1','items':["
		"{'kind':'Service','apiVersion':'v1','metadata':{'name':'mg',"
		"'namespace':'default','annotations':{'podswitch.io/scheduler':"
		"'maglev'}},'spec':{'type':'ClusterIP','clusterIP':'10.96.0.27',"
		"'ports':[{'name':'p','protocol':'TCP','port':80,"
		"'targetPort':'p'}]}},"
		SLICE("mg", "TCP", "8080", EP(P1, "t5") "," EP(P2, "t5") ","
		      EP(P3, "t5")) "]}";
	unsigned int k, same = 0, spread[3] = { 0 };
	struct rte_mbuf *m;
	uint8_t fr[256];
	size_t len;

	CU_ASSERT_EQUAL_FATAL(apply(mg), 0);
	for (k = 0; k < 30; k++) {
		struct ps_l4 syn = ps_tcp(CLIENT, (uint16_t)(43000 + k), "10.96.0.27",
					  80, SYN, 1000, 0, 0);
		struct ps_l4 mid = ps_tcp(CLIENT, (uint16_t)(43000 + k), "10.96.0.27",
					  80, ACK, 5001, 9001, 100);
		struct ps_ct_tuple t;
		struct ps_ct_entry *e;
		int first, again;
		uint8_t dir;

		flush();
		len = ps_build_l4(fr, NODE_MAC, CLIENT_MAC, &syn);
		ps_test_node_inject("up_rx", fr, len);
		ps_test_node_run();
		first = ring_of(rings, &m);
		CU_ASSERT_FATAL(first >= 0);
		rte_pktmbuf_free(m);
		flush();	/* the restart */
		len = ps_build_l4(fr, NODE_MAC, CLIENT_MAC, &mid);
		ps_test_node_inject("up_rx", fr, len);
		ps_test_node_run();
		again = ring_of(rings, &m);
		CU_ASSERT_FATAL(again >= 0);
		rte_pktmbuf_free(m);
		same += again == first;
		spread[again]++;
		ps_ct_tuple_set(&t, IPPROTO_TCP, ps_ip(CLIENT),
				ps_ip("10.96.0.27"), rte_cpu_to_be_16(43000 + k),
				rte_cpu_to_be_16(80));
		e = ps_ct_lookup(dp->ct, &t, &dir);
		CU_ASSERT_PTR_NOT_NULL_FATAL(e);
		CU_ASSERT_EQUAL(e->state, PS_CT_TCP_ESTABLISHED);
	}
	CU_ASSERT_EQUAL(same, 30);
	/* and the flows did use several endpoints */
	CU_ASSERT((spread[0] > 0) + (spread[1] > 0) + (spread[2] > 0) >= 2);
	flush();
	ps_test_node_expect_no_leak();
}

/* rr: 300 new connections over 3 endpoints, 100 each. */
static void
test_rr_300(void)
{
	static const char *const rings[3] = { "p1_tx", "p2_tx", "p3_tx" };
	static const char *const ips[3] = { P1, P2, P3 };
	unsigned int count[3] = { 0 }, i, r, k, bad = 0;
	struct rte_mbuf *ms[64];

	flush();
	for (i = 0; i < 300; i += 50) {
		for (k = i; k < i + 50; k++) {
			struct ps_l4 syn = ps_tcp(CLIENT, (uint16_t)(41000 + k),
						  "10.96.0.15", 80, SYN, k, 0, 0);
			uint8_t fr[128];
			size_t len = ps_build_l4(fr, NODE_MAC, CLIENT_MAC, &syn);

			ps_test_node_inject("up_rx", fr, len);
		}
		ps_test_node_run();
		for (r = 0; r < 3; r++) {
			unsigned int n = ps_test_collect(rings[r], ms, 64), j;

			for (j = 0; j < n; j++) {
				const struct rte_ipv4_hdr *ip =
					rte_pktmbuf_mtod_offset(ms[j],
						const struct rte_ipv4_hdr *,
						RTE_ETHER_HDR_LEN);

				if (ip->dst_addr != ps_ip(ips[r]))
					bad++;
				rte_pktmbuf_free(ms[j]);
			}
			count[r] += n;
		}
	}
	printf("rr: %u/%u/%u\n", count[0], count[1], count[2]);
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(count[0], 100);
	CU_ASSERT_EQUAL(count[1], 100);
	CU_ASSERT_EQUAL(count[2], 100);
	ps_test_node_expect_no_leak();
}

/* Full table: new connections refused and counted, the established one
 * keeps working both ways. */
static void
test_ct_full(void)
{
	struct ps_l4 syn = ps_tcp(P1, 40011, "10.96.0.10", 80, SYN, 1000, 0, 0);
	struct ps_l4 sa = ps_tcp(P2, 8080, P1, 40011, SYN | ACK, 5000, 1001, 0);
	struct ps_l4 ack = ps_tcp(P1, 40011, "10.96.0.10", 80, ACK, 1001, 5001, 10);
	struct ps_ct_stats st0, st1;
	uint64_t drops0 = ps_stats_drops("service_lb", "ct_full");
	unsigned int i, k, got = 0;
	struct ps_l4 e;

	flush();
	e = xl(syn, P1, 40011, P2, 8080);
	send_expect("p1_rx", P1_MAC, &syn, "p2_tx", P2_MAC, &e);
	e = xl(sa, "10.96.0.10", 80, P1, 40011);
	send_expect("p2_rx", P2_MAC, &sa, "p1_tx", P1_MAC, &e);
	ps_ct_stats(dp->ct, &st0);
	/* CT_SIZE - 1 more, then 10 that find no room */
	for (i = 0; i < CT_SIZE - 1 + 10; i += 64) {
		for (k = i; k < RTE_MIN(i + 64, CT_SIZE - 1 + 10u); k++) {
			struct ps_l4 q = ps_udp(CLIENT, (uint16_t)(42000 + k),
						"10.96.0.13", 53, 8);
			uint8_t fr[128];
			size_t len = ps_build_l4(fr, NODE_MAC, CLIENT_MAC, &q);

			ps_test_node_inject("up_rx", fr, len);
		}
		ps_test_node_run();
		got += ps_test_drain("p3_tx");
	}
	ps_ct_stats(dp->ct, &st1);
	CU_ASSERT_EQUAL(got, CT_SIZE - 1);
	CU_ASSERT_EQUAL(st1.entries, CT_SIZE);
	CU_ASSERT_EQUAL(st1.full - st0.full, 10);
	CU_ASSERT_EQUAL(ps_stats_drops("service_lb", "ct_full") - drops0, 10);
	/* refused connections leave the endpoint's count as it was */
	{
		struct ps_l4 q = ps_udp(CLIENT, 42000, "10.96.0.13", 53, 8);
		struct ps_ct_tuple t;
		struct ps_ct_entry *ce;
		uint8_t dir;

		ps_ct_tuple_set(&t, IPPROTO_UDP, ps_ip(q.src), ps_ip(q.dst),
				rte_cpu_to_be_16(q.sport),
				rte_cpu_to_be_16(q.dport));
		ce = ps_ct_lookup(dp->ct, &t, &dir);
		CU_ASSERT_PTR_NOT_NULL_FATAL(ce);
		CU_ASSERT_EQUAL(ps_svc_ep_conns(dp->svcs, ce->nat.endpoint_id),
				CT_SIZE - 1);
	}
	/* the established connection goes on */
	e = xl(ack, P1, 40011, P2, 8080);
	send_expect("p1_rx", P1_MAC, &ack, "p2_tx", P2_MAC, &e);
	sa = ps_tcp(P2, 8080, P1, 40011, ACK, 5001, 1011, 20);
	e = xl(sa, "10.96.0.10", 80, P1, 40011);
	send_expect("p2_rx", P2_MAC, &sa, "p1_tx", P1_MAC, &e);
	flush();
	ps_test_node_expect_no_leak();
}

/* An endpoint that turns not ready keeps its TCP connections (not its
 * UDP ones); one removed loses them all. */
static void
test_endpoint_change(void)
{
	struct ps_l4 syn = ps_tcp(P1, 40012, "10.96.0.10", 80, SYN, 1000, 0, 0);
	struct ps_l4 q = ps_udp(P1, 40012, "10.96.0.13", 53, 8);
	struct ps_l4 e;
	struct ps_ct_stats st;

	flush();
	e = xl(syn, P1, 40012, P2, 8080);
	send_expect("p1_rx", P1_MAC, &syn, "p2_tx", P2_MAC, &e);
	e = xl(q, P1, 40012, P3, 5353);
	send_expect("p1_rx", P1_MAC, &q, "p3_tx", P3_MAC, &e);
	ps_ct_stats(dp->ct, &st);
	CU_ASSERT_EQUAL(st.entries, 2);
	/* both endpoints not ready */
	CU_ASSERT_EQUAL(apply("{'kind':'List','items':["
		SLICE("local", "TCP", "8080", "{'addresses':['" P2 "'],"
		      "'nodeName':'t5','conditions':{'ready':false,"
		      "'serving':false,'terminating':false}}") ","
		SLICE("dns", "UDP", "5353", "{'addresses':['" P3 "'],"
		      "'nodeName':'t5','conditions':{'ready':false,"
		      "'serving':false,'terminating':false}}") "]}"), 0);
	ps_test_node_run();
	ps_ct_stats(dp->ct, &st);
	CU_ASSERT_EQUAL(st.entries, 1);
	CU_ASSERT_PTR_NOT_NULL(ps_ct_lookup(dp->ct, &(struct ps_ct_tuple){
		.src_ip = ps_ip(P1), .dst_ip = ps_ip("10.96.0.10"),
		.src_port = rte_cpu_to_be_16(40012),
		.dst_port = rte_cpu_to_be_16(80), .proto = IPPROTO_TCP },
		&(uint8_t){ 0 }));
	/* removed: the TCP connection ends */
	CU_ASSERT_EQUAL(apply(SLICE("local", "TCP", "8080", "")), 0);
	ps_test_node_run();
	ps_ct_stats(dp->ct, &st);
	CU_ASSERT_EQUAL(st.entries, 0);
	/* back as they were */
	CU_ASSERT_EQUAL(apply(services), 0);
	ps_test_node_run();
	ps_test_node_expect_no_leak();
}

/* Which of p1/p2/p3 got frames (index, -1 if none or several), drained. */
static int
rr3_target(unsigned int *frames)
{
	static const char *const rings[3] = { "p1_tx", "p2_tx", "p3_tx" };
	int who = -1;
	unsigned int r, n;

	*frames = 0;
	for (r = 0; r < 3; r++) {
		n = ps_test_drain(rings[r]);
		*frames += n;
		if (n > 0)
			who = who == -1 ? (int)r : -2;
	}
	return who < 0 ? -1 : who;
}

/*
 * A SYN and its retransmission in one burst (a worker that was off the
 * CPU for a second): one connection, one scheduler pick. The second SYN
 * missed the burst's lookup too; scheduled again, it used up an rr turn
 * (and counted a second new connection) before finding the first's entry.
 */
static void
test_syn_twice_one_burst(void)
{
	struct ps_svc_stats st0, st1;
	struct ps_ct_stats ct;
	int who[3];
	unsigned int f, i, frames[3];

	flush();
	ps_svc_stats(dp->svcs, &st0);
	for (f = 0; f < 3; f++) {
		struct ps_l4 syn = ps_tcp(CLIENT, (uint16_t)(43000 + f),
					  "10.96.0.15", 80, SYN, 7000 + f, 0, 0);
		uint8_t fr[128];
		size_t len = ps_build_l4(fr, NODE_MAC, CLIENT_MAC, &syn);

		/* the middle flow's SYN twice before the worker runs */
		for (i = 0; i < (f == 1 ? 2u : 1u); i++)
			ps_test_node_inject("up_rx", fr, len);
		ps_test_node_run();
		who[f] = rr3_target(&frames[f]);
	}
	ps_svc_stats(dp->svcs, &st1);
	ps_ct_stats(dp->ct, &ct);
	CU_ASSERT_EQUAL(frames[0], 1);
	CU_ASSERT_EQUAL(frames[1], 2);
	CU_ASSERT_EQUAL(frames[2], 1);
	CU_ASSERT(who[0] >= 0 && who[1] >= 0 && who[2] >= 0);
	/* rr: three connections, three different endpoints */
	CU_ASSERT(who[0] != who[1] && who[1] != who[2] && who[0] != who[2]);
	CU_ASSERT_EQUAL(st1.new_conns - st0.new_conns, 3);
	CU_ASSERT_EQUAL(ct.entries, 3);
	flush();
	ps_test_node_expect_no_leak();
}

#define FIN RTE_TCP_FIN_FLAG

/*
 * A finished connection (TIME_WAIT) to an endpoint that then turns not
 * ready goes: a new SYN from the same client port is a new connection,
 * which a not-ready endpoint must not get (the entry would otherwise be
 * reopened, DNAT and all, for 120 s).
 */
static void
test_reopen_unready(void)
{
#define VIP "10.96.0.10"	/* service local -> P2:8080 */
	const struct {
		bool from_client;
		struct ps_l4 f;
	} steps[] = {
		{ true, ps_tcp(P1, 40013, VIP, 80, SYN, 1000, 0, 0) },
		{ false, ps_tcp(P2, 8080, P1, 40013, SYN | ACK, 5000, 1001, 0) },
		{ true, ps_tcp(P1, 40013, VIP, 80, ACK, 1001, 5001, 0) },
		/* the server closes first, then the client */
		{ false, ps_tcp(P2, 8080, P1, 40013, FIN | ACK, 5001, 1001, 0) },
		{ true, ps_tcp(P1, 40013, VIP, 80, ACK, 1001, 5002, 0) },
		{ true, ps_tcp(P1, 40013, VIP, 80, FIN | ACK, 1001, 5002, 0) },
		{ false, ps_tcp(P2, 8080, P1, 40013, ACK, 5002, 1002, 0) },
	};
	const struct ps_ct_tuple t = {
		.src_ip = ps_ip(P1), .dst_ip = ps_ip(VIP),
		.src_port = rte_cpu_to_be_16(40013),
		.dst_port = rte_cpu_to_be_16(80), .proto = IPPROTO_TCP };
	struct ps_l4 syn = ps_tcp(P1, 40013, VIP, 80, SYN, 90000, 0, 0);
	struct ps_ct_entry *e;
	uint8_t fr[128], dir;
	unsigned int i;
	size_t len;

	flush();
	for (i = 0; i < RTE_DIM(steps); i++) {
		const struct ps_l4 *f = &steps[i].f;
		struct ps_l4 x;

		if (steps[i].from_client) {
			x = xl(*f, P1, 40013, P2, 8080);
			send_expect("p1_rx", P1_MAC, f, "p2_tx", P2_MAC, &x);
		} else {
			x = xl(*f, VIP, 80, P1, 40013);
			send_expect("p2_rx", P2_MAC, f, "p1_tx", P1_MAC, &x);
		}
	}
	e = ps_ct_lookup(dp->ct, &t, &dir);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_EQUAL(e->state, PS_CT_TCP_TIME_WAIT);
	CU_ASSERT_EQUAL(apply(SLICE("local", "TCP", "8080",
		"{'addresses':['" P2 "'],'nodeName':'t5','conditions':"
		"{'ready':false,'serving':false,'terminating':false}}")), 0);
	ps_test_node_run();
	CU_ASSERT_PTR_NULL(ps_ct_lookup(dp->ct, &t, &dir));
	/* the new SYN finds no ready endpoint: refused, not sent to P2 */
	len = ps_build_l4(fr, NODE_MAC, P1_MAC, &syn);
	ps_test_node_inject("p1_rx", fr, len);
	ps_test_node_run();
	CU_ASSERT_EQUAL(ps_test_drain("p2_tx"), 0);
	CU_ASSERT_EQUAL(ps_test_drain("p1_tx"), 1);
	CU_ASSERT_EQUAL(apply(services), 0);
	flush();
	ps_test_node_expect_no_leak();
#undef VIP
}

static const struct ps_test tests[] = {
	{ "ClusterIP to a local pod and back", test_clusterip_local },
	{ "ClusterIP reply bridged between pods", test_bridged_reply },
	{ "ClusterIP to a remote endpoint", test_clusterip_remote },
	{ "NodePort, policy Cluster: SNAT", test_nodeport_cluster },
	{ "NodePort, policy Local: source kept", test_nodeport_local },
	{ "LoadBalancer IP, source ranges", test_load_balancer },
	{ "hairpin", test_hairpin },
	{ "masquerade to outside", test_masquerade },
	{ "masquerade of ICMP echo", test_masquerade_icmp },
	{ "UDP zero checksum kept", test_udp_zero_checksum },
	{ "conntrack counts the first packet", test_ct_counts_first_packet },
	{ "expiry gives back SNAT ports and endpoint counts",
	  test_expiry_gives_back },
	{ "ICMP error from an endpoint un-NATed",
	  test_icmp_error_from_endpoint },
	{ "ICMP error about a masqueraded datagram",
	  test_icmp_error_masquerade },
	{ "time exceeded after DNAT un-NATed",
	  test_ttl_exceeded_after_dnat },
	{ "no endpoint: port unreachable", test_no_endpoint_rejects },
	{ "TCP non-SYN without a flow dropped", test_non_syn_invalid },
	{ "maglev: mid-stream segment picked up, same endpoint",
	  test_maglev_pickup },
	{ "rr 300 over 3 endpoints", test_rr_300 },
	{ "conntrack full", test_ct_full },
	{ "endpoint not ready / removed", test_endpoint_change },
	{ "TIME_WAIT to an endpoint turned not ready: no reopen",
	  test_reopen_unready },
	{ "a SYN twice in one burst: one pick",
	  test_syn_twice_one_burst },
};

PS_TEST_MAIN(ps_test_eal_profiles_init,
	     PS_SUITE("service", setup, ps_test_node_stop, tests))
