/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Packet tests of ARP for services' load-balancer and external IPs on the
 * uplink (services.announce_arp, MetalLB's L2 mode): gratuitous ARP when
 * an address appears, replies with the node MAC while a service uses it,
 * silence for other addresses, after the last service lets it go, and
 * when the key is off. Frames compared byte for byte with frames built
 * field by field.
 */
#include <stdlib.h>
#include <string.h>

#include <rte_arp.h>

#include <podswitch/service.h>

#include "test_common.h"

#define NODE_MAC "02:00:00:00:00:0a"
#define P1_MAC "02:00:0a:f4:00:02"
#define CLIENT_MAC "02:00:c0:a8:3c:32"	/* 192.168.60.50 on the uplink */
#define BCAST "ff:ff:ff:ff:ff:ff"
#define ZERO "00:00:00:00:00:00"
#define CLIENT "192.168.60.50"
#define LB_IP "192.168.60.100"		/* status.loadBalancer.ingress */
#define EXT_IP "192.168.60.101"		/* spec.externalIPs */
#define OTHER_IP "192.168.60.102"	/* nobody's */

#define CONFIG(announce)						\
	"{ \"node\": { \"name\": \"lbarp\", \"ip\": \"192.168.60.10/24\","	\
	"  \"mac\": \"" NODE_MAC "\", \"pod_cidr\": \"10.244.0.0/24\","	\
	"  \"gateway_ip\": \"10.244.0.1\", \"cluster_cidr\": \"10.244.0.0/16\"," \
	"  \"service_cidr\": \"10.96.0.0/12\" },"				\
	"  \"ports\": ["							\
	PS_RING_PORT("p1", "pod", PS_POD("10.244.0.2", P1_MAC)) ","		\
	PS_RING_PORT("up", "uplink", "") " ],"				\
	"  \"tables\": { \"routes\": 64, \"conntrack\": 64,"		\
	"              \"services\": 16, \"endpoints\": 64 }"		\
	announce " }"

static const char *const config_on =
	CONFIG(", \"services\": { \"announce_arp\": true }");
static const char *const config_off = CONFIG("");

/* A Service in single quotes (made double by apply()); spec is more of
 * its spec (after a comma), status more of the object. */
#define SVC(name, vip, type, port, spec, status)			\
	"{'kind':'Service','apiVersion':'v1','metadata':{'name':'" name	\
	"','namespace':'default'},'spec':{'type':'" type "',"		\
	"'clusterIP':'" vip "','ports':[{'name':'p','protocol':'TCP',"	\
	"'port':" port ",'targetPort':8080}]" spec "}" status "}"
#define LB_STATUS(ip) ",'status':{'loadBalancer':{'ingress':[{'ip':'" ip "'}]}}"
#define LIST(items) "{'kind':'List','apiVersion':'v1','items':[" items "]}"

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

static void
del(const char *name)
{
	CHECK(ps_svc_delete(ps_test_node.dp.svcs, "default", name) == 0,
	      "delete default/%s", name);
}

/* The gratuitous ARP podswitch sends for ip on the uplink. */
static size_t
garp(uint8_t *buf, const char *ip)
{
	return ps_build_arp(buf, RTE_ARP_OP_REQUEST, BCAST, NODE_MAC, ip, ZERO,
			    ip);
}

/* The client asks who has ip; returns whether a reply came, after
 * checking it byte for byte. */
static bool
ask(const char *ip)
{
	uint8_t req[64], exp[64];
	struct rte_mbuf *m[4];
	size_t len, elen;
	unsigned int n, i;
	bool ok;

	len = ps_build_arp(req, RTE_ARP_OP_REQUEST, BCAST, CLIENT_MAC, CLIENT,
			   ZERO, ip);
	ps_test_node_inject("up_rx", req, len);
	ps_test_node_run();
	n = ps_test_collect("up_tx", m, RTE_DIM(m));
	if (n == 0)
		return false;
	elen = ps_build_arp(exp, RTE_ARP_OP_REPLY, CLIENT_MAC, NODE_MAC, ip,
			    CLIENT_MAC, CLIENT);
	ok = CHECK(n == 1, "%u frames answer one request for %s", n, ip) &&
	     CHECK(ps_test_frame_eq(m[0], exp, elen), "reply for %s", ip);
	for (i = 0; i < n; i++)
		rte_pktmbuf_free(m[i]);
	return ok;
}

static int
setup_on(void)
{
	return ps_test_node_start(config_on, 4);
}

static int
setup_off(void)
{
	return ps_test_node_start(config_off, 4);
}

/* A LoadBalancer IP: announced when it appears, answered while used. */
static void
test_lb_ip(void)
{
	uint8_t exp[64];
	size_t len = garp(exp, LB_IP);

	CU_ASSERT_FATAL(apply(LIST(SVC("lb", "10.96.0.20", "LoadBalancer",
					"80", "", LB_STATUS(LB_IP)))) == 0);
	ps_test_node_run();
	ps_test_expect_one("up_tx", exp, len);
	CHECK(ask(LB_IP), "no ARP reply for the load-balancer IP");
	CHECK(!ask(OTHER_IP), "an address no service has was answered");
	/* the node IP is answered as before */
	CHECK(ask("192.168.60.10"), "no ARP reply for the node IP");
	/* a second port of the same address: no new announcement */
	CU_ASSERT_FATAL(apply(LIST(SVC("lb2", "10.96.0.21", "LoadBalancer",
					"443", "", LB_STATUS(LB_IP)))) == 0);
	ps_test_node_run();
	ps_test_expect_none("up_tx");
	del("lb");
	ps_test_node_run();
	CHECK(ask(LB_IP), "the address went with one of its two services");
	del("lb2");
	ps_test_node_run();
	CHECK(!ask(LB_IP), "answered after its last service went");
	/* it comes back: announced again */
	CU_ASSERT_FATAL(apply(LIST(SVC("lb", "10.96.0.20", "LoadBalancer",
					"80", "", LB_STATUS(LB_IP)))) == 0);
	ps_test_node_run();
	ps_test_expect_one("up_tx", exp, len);
	CHECK(ask(LB_IP), "no ARP reply once the address is back");
	del("lb");
	ps_test_node_run();
	ps_test_node_expect_no_leak();
}

/* externalIPs of a ClusterIP service, and a change of address. */
static void
test_external_ip(void)
{
	uint8_t exp[64];
	size_t len;

	CU_ASSERT_FATAL(apply(LIST(SVC("ext", "10.96.0.22", "ClusterIP", "80",
					",'externalIPs':['" EXT_IP "']", ""))) == 0);
	ps_test_node_run();
	len = garp(exp, EXT_IP);
	ps_test_expect_one("up_tx", exp, len);
	CHECK(ask(EXT_IP), "no ARP reply for the external IP");
	/* the service moves to another address */
	CU_ASSERT_FATAL(apply(LIST(SVC("ext", "10.96.0.22", "ClusterIP", "80",
					",'externalIPs':['" OTHER_IP "']", ""))) == 0);
	ps_test_node_run();
	len = garp(exp, OTHER_IP);
	ps_test_expect_one("up_tx", exp, len);
	CHECK(!ask(EXT_IP), "the old external IP is still answered");
	CHECK(ask(OTHER_IP), "the new external IP is not answered");
	del("ext");
	ps_test_node_run();
	CHECK(!ask(OTHER_IP), "answered after the service went");
	ps_test_node_expect_no_leak();
}

/* A ClusterIP alone is never announced; nor on a pod port. */
static void
test_cluster_ip_silent(void)
{
	uint8_t req[64];
	size_t len;

	CU_ASSERT_FATAL(apply(LIST(SVC("ci", "10.96.0.23", "ClusterIP", "80",
					"", ""))) == 0);
	ps_test_node_run();
	ps_test_expect_none("up_tx");
	CHECK(!ask("10.96.0.23"), "a ClusterIP was answered on the uplink");
	CU_ASSERT_FATAL(apply(LIST(SVC("lb", "10.96.0.20", "LoadBalancer",
					"80", "", LB_STATUS(LB_IP)))) == 0);
	ps_test_node_run();
	ps_test_drain("up_tx");
	/* pods ask their gateway only: the request is bridged, not answered */
	len = ps_build_arp(req, RTE_ARP_OP_REQUEST, BCAST, P1_MAC, "10.244.0.2",
			   ZERO, LB_IP);
	ps_test_node_inject("p1_rx", req, len);
	ps_test_node_run();
	ps_test_expect_none("p1_tx");
	del("lb");
	del("ci");
	ps_test_node_run();
	ps_test_node_expect_no_leak();
}

/* services.announce_arp off (the default): nothing sent or answered. */
static void
test_off(void)
{
	CU_ASSERT_FATAL(apply(LIST(SVC("lb", "10.96.0.20", "LoadBalancer",
					"80", "", LB_STATUS(LB_IP)) ","
				   SVC("ext", "10.96.0.22", "ClusterIP", "80",
				       ",'externalIPs':['" EXT_IP "']", ""))) == 0);
	ps_test_node_run();
	ps_test_expect_none("up_tx");
	CHECK(!ask(LB_IP), "load-balancer IP answered with the key off");
	CHECK(!ask(EXT_IP), "external IP answered with the key off");
	CHECK(ask("192.168.60.10"), "no ARP reply for the node IP");
	ps_test_node_expect_no_leak();
}

static const struct ps_test tests_on[] = {
	{ "LB IP: gratuitous ARP, replies, refcount, return", test_lb_ip },
	{ "external IP: announced, moved, removed", test_external_ip },
	{ "ClusterIP and pod ports: not answered", test_cluster_ip_silent },
};

static const struct ps_test tests_off[] = {
	{ "announce_arp off: silent", test_off },
};

PS_TEST_MAIN(ps_test_eal_profiles_init,
	     PS_SUITE("lb arp", setup_on, ps_test_node_stop, tests_on),
	     PS_SUITE("lb arp off", setup_off, ps_test_node_stop, tests_off))
