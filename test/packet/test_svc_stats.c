/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Packet tests of the service traffic counters (struct ps_svc_traffic,
 * what "podswitchctl service show" prints as ipvsadm -L --stats does):
 * real frames through a ClusterIP, replies bridged (service_l2) and
 * routed (service_lb), and per endpoint and per service port the
 * connections created, packets and bytes each way, to the packet.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <rte_tcp.h>

#include <podswitch/conntrack.h>
#include <podswitch/service.h>

#include "test_common.h"

#define NODE_MAC "02:00:00:00:00:0a"
#define P1_MAC "02:00:0a:f4:00:02"	/* client pod 10.244.0.2 on p1 */
#define P2_MAC "02:00:0a:f4:00:03"	/* endpoint pod 10.244.0.3 on p2 */
#define P3_MAC "02:00:0a:f4:00:04"	/* endpoint pod 10.244.0.4 on p3 */
#define PEER_MAC "02:00:c0:a8:3c:0b"	/* node B 192.168.60.11 */

#define P1 "10.244.0.2"
#define P2 "10.244.0.3"
#define P3 "10.244.0.4"
#define REMOTE_EP "10.244.1.5"
#define WEB "10.96.0.20"
#define RWEB "10.96.0.21"
#define DNS "10.96.0.22"

#define SYN RTE_TCP_SYN_FLAG
#define ACK RTE_TCP_ACK_FLAG

static const char *const config =
	"{ \"node\": { \"name\": \"ts\", \"ip\": \"192.168.60.10/24\","
	"  \"mac\": \"" NODE_MAC "\", \"pod_cidr\": \"10.244.0.0/24\","
	"  \"gateway_ip\": \"10.244.0.1\", \"cluster_cidr\": \"10.244.0.0/16\","
	"  \"service_cidr\": \"10.96.0.0/12\" },"
	"  \"ports\": ["
	PS_RING_PORT("p1", "pod", PS_POD(P1, P1_MAC)) ","
	PS_RING_PORT("p2", "pod", PS_POD(P2, P2_MAC)) ","
	PS_RING_PORT("p3", "pod", PS_POD(P3, P3_MAC)) ","
	PS_RING_PORT("up", "uplink", "") " ],"
	"  \"routes\": [ { \"dst\": \"10.244.1.0/24\", \"gateway\": \"192.168.60.11\" } ],"
	"  \"neighbors\": ["
	"    { \"ip\": \"192.168.60.11\", \"mac\": \"" PEER_MAC "\", \"dev\": \"up\" } ],"
	"  \"tables\": { \"routes\": 64, \"conntrack\": 256, \"services\": 16,"
	"              \"endpoints\": 64 } }";

#define SVC(name, vip, proto, port)					\
	"{'kind':'Service','apiVersion':'v1','metadata':{'name':'" name	\
	"','namespace':'default'},'spec':{'clusterIP':'" vip "',"	\
	"'ports':[{'name':'p','protocol':'" proto "','port':" port	\
	",'targetPort':'p'}]}}"
#define SLICE(name, proto, port, eps)					\
	"{'kind':'EndpointSlice','apiVersion':'discovery.k8s.io/v1',"	\
	"'addressType':'IPv4','metadata':{'name':'" name "-1',"		\
	"'namespace':'default','labels':{'kubernetes.io/service-name':'" \
	name "'}},'ports':[{'name':'p','port':" port ",'protocol':'"	\
	proto "'}],'endpoints':[" eps "]}"
#define EP(ip)								\
	"{'addresses':['" ip "'],'conditions':{'ready':true}}"

static const char *const services =
	"{'kind':'List','apiVersion':'v1','items':["
	SVC("web", WEB, "TCP", "80") ","
	SLICE("web", "TCP", "8080", EP(P2) "," EP(P3)) ","
	SVC("rweb", RWEB, "TCP", "80") ","
	SLICE("rweb", "TCP", "8080", EP(REMOTE_EP)) ","
	SVC("dns", DNS, "UDP", "53") ","
	SLICE("dns", "UDP", "5353", EP(P3))
	"]}";

static struct ps_dataplane *const dp = &ps_test_node.dp;

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
	return 0;
}

/* Send f on ring in from mac (to its gateway or, bridged, to dmac);
 * returns the frame's length, what the counters add up. */
static uint32_t
send_l4(const char *in, const char *dmac, const char *mac,
     const struct ps_l4 *f)
{
	uint8_t fr[512];
	size_t len = ps_build_l4(fr, dmac, mac, f);

	ps_test_node_inject(in, fr, len);
	ps_test_node_run();
	ps_test_node_drain();
	return (uint32_t)len;
}

/* The traffic of service port 0 of default/name and of its endpoint ip
 * (tr_ep zeroed when not there). */
static void
traffic(const char *name, const char *ip, struct ps_svc_traffic *tr_port,
	struct ps_svc_traffic *tr_ep)
{
	struct ps_svc_port_view pv;
	struct ps_svc_ep_view ev[4];
	unsigned int i, n;

	memset(tr_port, 0, sizeof(*tr_port));
	memset(tr_ep, 0, sizeof(*tr_ep));
	if (ps_svc_ports(dp->svcs, "default", name, &pv, 1) != 1)
		return;
	*tr_port = pv.traffic;
	n = ps_svc_port_endpoints(dp->svcs, pv.sp, ev, RTE_DIM(ev));
	for (i = 0; i < n && i < RTE_DIM(ev); i++)
		if (ev[i].ip == ps_ip(ip))
			*tr_ep = ev[i].traffic;
}

/* The endpoint the connection from P1:sport to vip went to. */
static uint32_t
endpoint_of(const char *vip, uint16_t sport, uint8_t proto, uint16_t dport)
{
	struct ps_ct_tuple t;
	struct ps_ct_entry *e;
	uint8_t dir;

	ps_ct_tuple_set(&t, proto, ps_ip(P1), ps_ip(vip),
			rte_cpu_to_be_16(sport), rte_cpu_to_be_16(dport));
	e = ps_ct_lookup(dp->ct, &t, &dir);
	return e != NULL ? e->nat.dnat_ip : 0;
}

static bool
traffic_is(const char *what, const struct ps_svc_traffic *t, uint64_t conns,
	   uint64_t in, uint64_t out, uint64_t in_b, uint64_t out_b)
{
	return CHECK(t->conns == conns && t->pkts[PS_SVC_IN] == in &&
		     t->pkts[PS_SVC_OUT] == out &&
		     t->bytes[PS_SVC_IN] == in_b &&
		     t->bytes[PS_SVC_OUT] == out_b,
		     "%s: conns %lu in %lu/%lu out %lu/%lu, want %lu in "
		     "%lu/%lu out %lu/%lu", what, (unsigned long)t->conns,
		     (unsigned long)t->pkts[PS_SVC_IN],
		     (unsigned long)t->bytes[PS_SVC_IN],
		     (unsigned long)t->pkts[PS_SVC_OUT],
		     (unsigned long)t->bytes[PS_SVC_OUT],
		     (unsigned long)conns, (unsigned long)in,
		     (unsigned long)in_b, (unsigned long)out,
		     (unsigned long)out_b);
}

/*
 * Two connections through the ClusterIP, one to each endpoint (rr):
 * handshake, data, the endpoints' replies bridged back. Each endpoint
 * counts its own connection's packets and bytes, the port both.
 */
static void
test_clusterip_per_endpoint(void)
{
	struct ps_svc_traffic port, ep;
	uint64_t in_b[2] = { 0 }, out_b[2] = { 0 };
	const char *eps[2] = { P2, P3 };
	const char *macs[2] = { P2_MAC, P3_MAC };
	uint16_t sport;
	unsigned int c, k;

	ps_ct_flush(dp->ct);
	ps_test_node_run();
	for (c = 0; c < 2; c++) {
		struct ps_l4 f;
		uint32_t to, syn_b;

		sport = (uint16_t)(41000 + c);
		f = ps_tcp(P1, sport, WEB, 80, SYN, 1000, 0, 0);
		syn_b = send_l4("p1_rx", NODE_MAC, P1_MAC, &f);
		to = endpoint_of(WEB, sport, IPPROTO_TCP, 80);
		k = to == ps_ip(P3);
		CU_ASSERT_FATAL(to == ps_ip(eps[k]));
		in_b[k] += syn_b;
		/* the reply of a pod of the subnet goes to the client's
		 * MAC: service_l2 translates and counts it */
		f = ps_tcp(eps[k], 8080, P1, sport, SYN | ACK, 5000, 1001, 0);
		out_b[k] += send_l4(k ? "p3_rx" : "p2_rx", P1_MAC, macs[k], &f);
		f = ps_tcp(P1, sport, WEB, 80, ACK, 1001, 5001, 100);
		in_b[k] += send_l4("p1_rx", NODE_MAC, P1_MAC, &f);
		f = ps_tcp(P1, sport, WEB, 80, ACK, 1101, 5001, 300);
		in_b[k] += send_l4("p1_rx", NODE_MAC, P1_MAC, &f);
	}
	CU_ASSERT_FATAL(endpoint_of(WEB, 41000, IPPROTO_TCP, 80) !=
			endpoint_of(WEB, 41001, IPPROTO_TCP, 80));
	for (k = 0; k < 2; k++) {
		traffic("web", eps[k], &port, &ep);
		traffic_is(eps[k], &ep, 1, 3, 1, in_b[k], out_b[k]);
	}
	traffic_is("web port", &port, 2, 6, 2, in_b[0] + in_b[1],
		   out_b[0] + out_b[1]);
	/* counters are what went through: they outlive the connections */
	ps_ct_flush(dp->ct);
	ps_test_node_run();
	traffic("web", P2, &port, &ep);
	traffic_is("web port after a flush", &port, 2, 6, 2,
		   in_b[0] + in_b[1], out_b[0] + out_b[1]);
	ps_test_node_expect_no_leak();
}

/* An endpoint on node B: the reply comes in on the uplink and is
 * routed (service_lb's reverse NAT); a packet conntrack finds invalid
 * is dropped and not counted. */
static void
test_routed_reply(void)
{
	struct ps_svc_traffic port, ep;
	struct ps_l4 f;
	uint32_t in_b, out_b;

	ps_ct_flush(dp->ct);
	ps_test_node_run();
	f = ps_tcp(P1, 42000, RWEB, 80, SYN, 7, 0, 0);
	in_b = send_l4("p1_rx", NODE_MAC, P1_MAC, &f);
	f = ps_tcp(REMOTE_EP, 8080, P1, 42000, SYN | ACK, 9, 8, 0);
	out_b = send_l4("up_rx", NODE_MAC, PEER_MAC, &f);
	/* far out of the window the endpoint opened: invalid */
	f = ps_tcp(P1, 42000, RWEB, 80, ACK, 7 + 2000000000u, 10, 10);
	send_l4("p1_rx", NODE_MAC, P1_MAC, &f);
	traffic("rweb", REMOTE_EP, &port, &ep);
	traffic_is(REMOTE_EP, &ep, 1, 1, 1, in_b, out_b);
	traffic_is("rweb port", &port, 1, 1, 1, in_b, out_b);
	ps_test_node_expect_no_leak();
}

/* One DNS query and its answer: the query that creates the connection
 * is counted (ipvsadm counts the first packet too). */
static void
test_udp_first_packet(void)
{
	struct ps_svc_traffic port, ep;
	struct ps_l4 f;
	uint32_t in_b, out_b;

	ps_ct_flush(dp->ct);
	ps_test_node_run();
	f = ps_udp(P1, 43000, DNS, 53, 40);
	in_b = send_l4("p1_rx", NODE_MAC, P1_MAC, &f);
	traffic("dns", P3, &port, &ep);
	traffic_is("dns query", &ep, 1, 1, 0, in_b, 0);
	f = ps_udp(P3, 5353, P1, 43000, 120);
	out_b = send_l4("p3_rx", P1_MAC, P3_MAC, &f);
	traffic("dns", P3, &port, &ep);
	traffic_is("dns answer", &ep, 1, 1, 1, in_b, out_b);
	traffic_is("dns port", &port, 1, 1, 1, in_b, out_b);
	ps_test_node_expect_no_leak();
}

/* An endpoint removed and added again is a new record: from zero. The
 * port keeps counting what its removed endpoints served. */
static void
test_endpoint_readded(void)
{
	struct ps_svc_traffic port0, port, ep;

	ps_ct_flush(dp->ct);
	ps_test_node_run();
	traffic("dns", P3, &port0, &ep);
	CU_ASSERT_FATAL(ep.pkts[PS_SVC_IN] > 0);
	CU_ASSERT_EQUAL_FATAL(apply("{'kind':'List','apiVersion':'v1','items':["
		SLICE("dns", "UDP", "5353", EP(P2)) "]}"), 0);
	ps_test_node_run();
	CU_ASSERT_EQUAL_FATAL(apply("{'kind':'List','apiVersion':'v1','items':["
		SLICE("dns", "UDP", "5353", EP(P3)) "]}"), 0);
	ps_test_node_run();
	traffic("dns", P3, &port, &ep);
	traffic_is("dns endpoint added again", &ep, 0, 0, 0, 0, 0);
	traffic_is("dns port", &port, port0.conns, port0.pkts[0],
		   port0.pkts[1], port0.bytes[0], port0.bytes[1]);
}

static const struct ps_test tests[] = {
	{ "ClusterIP: counters per endpoint", test_clusterip_per_endpoint },
	{ "routed replies, invalid packets", test_routed_reply },
	{ "UDP: the first packet counts", test_udp_first_packet },
	{ "endpoint added again starts at zero", test_endpoint_readded },
};

PS_TEST_MAIN(ps_test_eal_profiles_init,
	     PS_SUITE("svc_stats", setup, ps_test_node_stop, tests))
