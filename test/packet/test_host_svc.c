/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Packet tests of the node kernel's own traffic through the service
 * load balancer (issue 18, cases 1 and 2): the source addresses podswitch
 * gives what it sends to the host port, where the kernel drops anything
 * from an address of its own as a martian. Frames through the real graph
 * over ring ports, compared byte for byte with frames built from scratch.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mempool.h>
#include <rte_tcp.h>

#include <podswitch/conntrack.h>
#include <podswitch/graph.h>
#include <podswitch/inet.h>
#include <podswitch/nat.h>
#include <podswitch/port.h>
#include <podswitch/service.h>

#include "ip4_dp.h"
#include "svc_nft.h"
#include "test_common.h"

#define NODE_MAC "02:00:00:00:00:0a"
#define P1_MAC "02:00:0a:f4:00:02"	/* pod 10.244.0.2 on p1 */
#define PEER_MAC "02:00:c0:a8:3c:0b"	/* node B 192.168.60.11 */
#define CLIENT_MAC "02:00:c0:a8:3c:32"	/* outside client 192.168.60.50 */
#define KERNEL_MAC "02:00:00:00:00:ee"	/* the kernel's side of the host port */

#define P1 "10.244.0.2"
#define GW "10.244.0.1"
#define NODE_IP "192.168.60.10"
#define CLIENT "192.168.60.50"
#define REMOTE_POD "10.244.1.5"

#define PORT_MIN 20000
#define PORT_MAX 20999

static const char *const config =
	"{ \"node\": { \"name\": \"t6\", \"ip\": \"192.168.60.10/24\","
	"  \"mac\": \"" NODE_MAC "\", \"pod_cidr\": \"10.244.0.0/24\","
	"  \"gateway_ip\": \"10.244.0.1\", \"cluster_cidr\": \"10.244.0.0/16\","
	"  \"service_cidr\": \"10.96.0.0/12\" },"
	"  \"ports\": ["
	PS_RING_PORT("p1", "pod", PS_POD("10.244.0.2", P1_MAC)) ","
	PS_RING_PORT("up", "uplink", "") ","
	PS_RING_PORT("h", "host", "") " ],"
	"  \"routes\": [ { \"dst\": \"10.244.1.0/24\", \"gateway\": \"192.168.60.11\" } ],"
	"  \"neighbors\": ["
	"    { \"ip\": \"192.168.60.11\", \"mac\": \"" PEER_MAC "\", \"dev\": \"up\" },"
	"    { \"ip\": \"192.168.60.50\", \"mac\": \"" CLIENT_MAC "\", \"dev\": \"up\" } ],"
	"  \"tables\": { \"routes\": 1024, \"conntrack\": 512, \"services\": 64,"
	"              \"endpoints\": 256 },"
	"  \"nat\": { \"port_min\": 20000, \"port_max\": 20999 },"
	/* a test must not program the nftables of the machine it runs on */
	"  \"kernel\": { \"local_services\": \"off\" } }";

/*
 *  hn     10.96.0.20:80/TCP  nodePort 30090, etp Cluster -> 192.168.60.10:10180
 *         (a hostNetwork pod: the node's own IP)
 *  hnu    10.96.0.21:53/UDP  -> 192.168.60.10:10153
 *  empty  10.96.0.14:80/TCP, emptyu 10.96.0.15:53/UDP: no endpoint
 *  ext    10.96.0.30:80/TCP  LoadBalancer 192.168.60.240, externalIP
 *         192.168.60.241, nodePort 30091 -> 10.244.0.2:8080
 */
#define SVC(name, vip, type, proto, port, np)				\
	"{'kind':'Service','apiVersion':'v1','metadata':{'name':'" name	\
	"','namespace':'default'},'spec':{'type':'" type "',"		\
	"'clusterIP':'" vip "','externalTrafficPolicy':'Cluster',"	\
	"'ports':[{'name':'p','protocol':'" proto "','port':" port	\
	np ",'targetPort':'p'}]}}"
#define SLICE(name, proto, port, ip)					\
	"{'kind':'EndpointSlice','apiVersion':'discovery.k8s.io/v1',"	\
	"'addressType':'IPv4','metadata':{'name':'" name "-1',"		\
	"'namespace':'default','labels':{'kubernetes.io/service-name':'" \
	name "'}},'ports':[{'name':'p','port':" port ",'protocol':'"	\
	proto "'}],'endpoints':[{'addresses':['" ip "'],'nodeName':'t6',"\
	"'conditions':{'ready':true}}]}"

static const char *const services =
	"{'kind':'List','apiVersion':'v1','items':["
	SVC("hn", "10.96.0.20", "NodePort", "TCP", "80", ",'nodePort':30090") ","
	SLICE("hn", "TCP", "10180", NODE_IP) ","
	SVC("hnu", "10.96.0.21", "ClusterIP", "UDP", "53", "") ","
	SLICE("hnu", "UDP", "10153", NODE_IP) ","
	SVC("empty", "10.96.0.14", "ClusterIP", "TCP", "80", "") ","
	SVC("emptyu", "10.96.0.15", "ClusterIP", "UDP", "53", "") ","
	"{'kind':'Service','apiVersion':'v1','metadata':{'name':'ext',"
	"'namespace':'default'},'spec':{'type':'LoadBalancer',"
	"'clusterIP':'10.96.0.30','externalIPs':['192.168.60.241'],"
	"'loadBalancerIP':'192.168.60.240','ports':[{'name':'p',"
	"'protocol':'TCP','port':80,'nodePort':30091,'targetPort':'p'}]},"
	"'status':{'loadBalancer':{'ingress':[{'ip':'192.168.60.240'}]}}},"
	SLICE("ext", "TCP", "8080", P1)
	"]}";

static struct ps_dataplane *const dp = &ps_test_node.dp;
/* the MAC podswitch sends to the kernel with (the host port's) */
static char host_mac[RTE_ETHER_ADDR_FMT_SIZE];

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
	if (ps_test_node_start(config, 4) != 0 || apply(services) != 0)
		return -1;
	if (ps_ip4_dp.host_port == PS_PORT_NONE) {
		fprintf(stderr, "no host port\n");
		return -1;
	}
	rte_ether_format_addr(host_mac, sizeof(host_mac), &ps_ip4_dp.host_mac);
	ps_test_node.pool_base = rte_mempool_in_use_count(dp->pool);
	return 0;
}

static void
flush(void)
{
	ps_ct_flush(dp->ct);
	ps_test_node_run();
}

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

/* f as the kernel gets it: delivered, not forwarded (TTL kept). */
static struct ps_l4
to_kernel(struct ps_l4 f, const char *src, uint16_t sport, const char *dst,
	  uint16_t dport)
{
	f = xl(f, src, sport, dst, dport);
	f.ttl++;
	return f;
}

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

/* The SNAT of f's connection: its address (0: none) and port. */
static uint32_t
snat_of(const struct ps_l4 *f, uint16_t *port)
{
	struct ps_ct_tuple t;
	struct ps_ct_entry *e;
	uint8_t dir;

	ps_ct_tuple_set(&t, f->proto, ps_ip(f->src), ps_ip(f->dst),
			rte_cpu_to_be_16(f->sport), rte_cpu_to_be_16(f->dport));
	e = ps_ct_lookup(dp->ct, &t, &dir);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	*port = rte_be_to_cpu_16(e->nat.snat_port);
	return e->nat.snat_ip;
}

#define SYN RTE_TCP_SYN_FLAG
#define ACK RTE_TCP_ACK_FLAG

/*
 * The node kernel -> a ClusterIP whose endpoint is its own IP: the
 * hairpin source is the gateway IP, never the node IP (a martian to the
 * kernel); the reply goes back as the VIP.
 */
static void
test_kernel_to_own_endpoint(void)
{
	struct ps_l4 syn = ps_tcp(NODE_IP, 40100, "10.96.0.20", 80, SYN, 1, 0, 0);
	uint8_t fr[256];
	size_t len;
	uint16_t port;
	struct ps_l4 e, sa;

	flush();
	len = ps_build_l4(fr, NODE_MAC, KERNEL_MAC, &syn);
	ps_test_node_inject("h_rx", fr, len);
	ps_test_node_run();
	CU_ASSERT_EQUAL(snat_of(&syn, &port), ps_ip(GW));
	CU_ASSERT(port >= PORT_MIN && port <= PORT_MAX);
	e = to_kernel(syn, GW, port, NODE_IP, 10180);
	len = ps_build_l4(fr, host_mac, NODE_MAC, &e);
	ps_test_expect_one("h_tx", fr, len);

	sa = ps_tcp(NODE_IP, 10180, GW, port, SYN | ACK, 50, 2, 0);
	e = to_kernel(sa, "10.96.0.20", 80, NODE_IP, 40100);
	send_expect("h_rx", KERNEL_MAC, &sa, "h_tx", host_mac, &e);
	ps_test_expect_none("up_tx");
	ps_test_expect_none("p1_tx");
	ps_test_node_expect_no_leak();
}

/* The same over UDP (a hostNetwork DNS server, say). */
static void
test_kernel_to_own_endpoint_udp(void)
{
	struct ps_l4 q = ps_udp(NODE_IP, 40101, "10.96.0.21", 53, 12);
	uint8_t fr[256];
	size_t len;
	uint16_t port;
	struct ps_l4 e, r;

	flush();
	len = ps_build_l4(fr, NODE_MAC, KERNEL_MAC, &q);
	ps_test_node_inject("h_rx", fr, len);
	ps_test_node_run();
	CU_ASSERT_EQUAL(snat_of(&q, &port), ps_ip(GW));
	e = to_kernel(q, GW, port, NODE_IP, 10153);
	len = ps_build_l4(fr, host_mac, NODE_MAC, &e);
	ps_test_expect_one("h_tx", fr, len);
	r = ps_udp(NODE_IP, 10153, GW, port, 30);
	e = to_kernel(r, "10.96.0.21", 53, NODE_IP, 40101);
	send_expect("h_rx", KERNEL_MAC, &r, "h_tx", host_mac, &e);
	ps_test_node_expect_no_leak();
}

/*
 * A pod of this node, a pod of another and an outside client through the
 * NodePort (policy Cluster) to the node's own IP: locally delivered, the
 * client's source is kept (kube-proxy never masquerades it); the kernel
 * answers the client through the host port and podswitch un-NATs it.
 */
static void
test_nodeport_to_own_endpoint(void)
{
	static const struct {
		const char *ring, *mac, *src, *out;
	} c[] = {
		{ "p1_rx", P1_MAC, P1, "p1_tx" },
		{ "up_rx", PEER_MAC, REMOTE_POD, "up_tx" },
		{ "up_rx", CLIENT_MAC, CLIENT, "up_tx" },
	};
	unsigned int i;

	for (i = 0; i < RTE_DIM(c); i++) {
		struct ps_l4 syn = ps_tcp(c[i].src, 40110, NODE_IP, 30090, SYN,
					  7, 0, 0);
		struct ps_l4 sa = ps_tcp(NODE_IP, 10180, c[i].src, 40110,
					 SYN | ACK, 70, 8, 0);
		struct ps_l4 e;
		uint16_t port;

		flush();
		e = to_kernel(syn, c[i].src, 40110, NODE_IP, 10180);
		send_expect(c[i].ring, c[i].mac, &syn, "h_tx", host_mac, &e);
		CU_ASSERT_EQUAL(snat_of(&syn, &port), 0);
		e = xl(sa, NODE_IP, 30090, c[i].src, 40110);
		send_expect("h_rx", KERNEL_MAC, &sa, c[i].out, c[i].mac, &e);
	}
	ps_test_node_expect_no_leak();
}

/*
 * The node kernel dials a service without an endpoint: the port
 * unreachable comes from the address it dialled (iptables' REJECT), not
 * from its own, TCP and UDP.
 */
static void
test_reject_to_kernel(void)
{
	struct ps_l4 f[] = {
		ps_tcp(NODE_IP, 40120, "10.96.0.14", 80, SYN, 1, 0, 0),
		ps_udp(NODE_IP, 40121, "10.96.0.15", 53, 9),
	};
	uint8_t fr[256], exp[256];
	size_t len, elen;
	unsigned int i;

	for (i = 0; i < RTE_DIM(f); i++) {
		flush();
		len = ps_build_l4(fr, NODE_MAC, KERNEL_MAC, &f[i]);
		ps_test_node_inject("h_rx", fr, len);
		ps_test_node_run();
		elen = ps_build_icmp_error(exp, fr, len, host_mac, NODE_MAC,
					   f[i].dst, PS_ICMP_DEST_UNREACH,
					   PS_ICMP_PORT_UNREACH);
		ps_test_expect_one("h_tx", exp, elen);
	}
	/* a pod still hears it from its gateway, as before */
	flush();
	f[0].src = P1;
	len = ps_build_l4(fr, NODE_MAC, P1_MAC, &f[0]);
	ps_test_node_inject("p1_rx", fr, len);
	ps_test_node_run();
	elen = ps_build_icmp_error(exp, fr, len, P1_MAC, NODE_MAC, GW,
				   PS_ICMP_DEST_UNREACH, PS_ICMP_PORT_UNREACH);
	ps_test_expect_one("p1_tx", exp, elen);
	ps_test_node_expect_no_leak();
}

/* Any other error to the kernel (TTL 1 towards a remote pod) comes from
 * the gateway IP: a hop it knows, not an address of its own. */
static void
test_time_exceeded_to_kernel(void)
{
	struct ps_l4 f = ps_udp(NODE_IP, 40130, REMOTE_POD, 33434, 8);
	uint8_t fr[256], exp[256];
	size_t len, elen;

	flush();
	f.ttl = 1;
	len = ps_build_l4(fr, NODE_MAC, KERNEL_MAC, &f);
	ps_test_node_inject("h_rx", fr, len);
	ps_test_node_run();
	elen = ps_build_icmp_error(exp, fr, len, host_mac, NODE_MAC, GW,
				   PS_ICMP_TIME_EXCEEDED, 0);
	ps_test_expect_one("h_tx", exp, elen);
	ps_test_expect_none("up_tx");
	ps_test_node_expect_no_leak();
}

/* The nft script of the service set: every NodePort and external/LB
 * frontend mapped to its cluster IP and port, in one transaction that
 * replaces the table. */
static void
test_nft_script(void)
{
	unsigned int np = 0, fe = 0;
	char *s = svc_nft_script(dp->svcs, "pstest", &np, &fe);

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	if (getenv("PS_TEST_VERBOSE") != NULL)
		fputs(s, stderr);
	CU_ASSERT_EQUAL(np, 2);
	CU_ASSERT_EQUAL(fe, 2);
	CU_ASSERT(strncmp(s, "table ip pstest\ndelete table ip pstest\n"
			  "table ip pstest {\n", 56) == 0);
	/* services in name order: ext, then hn */
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "\t\telements = { tcp . 30091 : "
				      "10.96.0.30 . 80,\n\t\t\ttcp . 30090 : "
				      "10.96.0.20 . 80 }\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "192.168.60.240 . tcp . 80 : "
				      "10.96.0.30 . 80"));
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "192.168.60.241 . tcp . 80 : "
				      "10.96.0.30 . 80"));
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "type nat hook output"));
	CU_ASSERT_PTR_NULL(strstr(s, "10.96.0.21"));
	free(s);
}

static const struct ps_test tests[] = {
	{ "kernel -> ClusterIP -> its own IP: from the gateway",
	  test_kernel_to_own_endpoint },
	{ "kernel -> ClusterIP/UDP -> its own IP: from the gateway",
	  test_kernel_to_own_endpoint_udp },
	{ "NodePort -> the node's own IP: source kept",
	  test_nodeport_to_own_endpoint },
	{ "no endpoint: the kernel hears it from the VIP",
	  test_reject_to_kernel },
	{ "time exceeded to the kernel from the gateway",
	  test_time_exceeded_to_kernel },
	{ "nft script of the service set", test_nft_script },
};

PS_TEST_MAIN(ps_test_eal_profiles_init,
	     PS_SUITE("host services", setup, ps_test_node_stop, tests))
