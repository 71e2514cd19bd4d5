/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Packet tests of NetworkPolicy enforcement (modules/policy): Namespaces,
 * Pods and NetworkPolicies taken the way POST /v1/apply takes them
 * (pol_take, then a compile), crafted frames through the real graph over
 * ring ports, what comes out compared byte for byte. Pods a (10.244.0.2),
 * b (.3, named port http = 8080/TCP) and c (.4) of namespace x on ports
 * p1..p3; a ClusterIP 10.96.0.10:80 -> b:8080.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_mempool.h>
#include <rte_tcp.h>

#include <podswitch/conntrack.h>
#include <podswitch/graph.h>
#include <podswitch/stats.h>

#include "pol_state.h"
#include "test_common.h"

#define NODE_MAC "02:00:00:00:00:0a"
#define P1_MAC "02:00:0a:f4:00:02"
#define P2_MAC "02:00:0a:f4:00:03"
#define P3_MAC "02:00:0a:f4:00:04"
#define PEER_MAC "02:00:c0:a8:3c:0b"
#define P1 "10.244.0.2"
#define P2 "10.244.0.3"
#define P3 "10.244.0.4"
#define REMOTE "10.244.1.5"
#define VIP "10.96.0.10"
#define SYN RTE_TCP_SYN_FLAG
#define ACK RTE_TCP_ACK_FLAG

static const char *const config =
	"{ \"node\": { \"name\": \"t13\", \"ip\": \"192.168.60.10/24\","
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
	"  \"tables\": { \"routes\": 64, \"conntrack\": 512, \"services\": 16,"
	"              \"endpoints\": 64, \"policy_conntrack\": 512 } }";

static const char *const services =
	"{\"kind\":\"List\",\"apiVersion\":\"v1\",\"items\":["
	"{\"kind\":\"Service\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":"
	"\"b\",\"namespace\":\"x\"},\"spec\":{\"type\":\"ClusterIP\","
	"\"clusterIP\":\"" VIP "\",\"ports\":[{\"name\":\"p\",\"protocol\":"
	"\"TCP\",\"port\":80,\"targetPort\":\"p\"}]}},"
	"{\"kind\":\"EndpointSlice\",\"apiVersion\":\"discovery.k8s.io/v1\","
	"\"addressType\":\"IPv4\",\"metadata\":{\"name\":\"b-1\",\"namespace\":"
	"\"x\",\"labels\":{\"kubernetes.io/service-name\":\"b\"}},\"ports\":"
	"[{\"name\":\"p\",\"port\":8080,\"protocol\":\"TCP\"}],\"endpoints\":"
	"[{\"addresses\":[\"" P2 "\"],\"nodeName\":\"t13\",\"conditions\":"
	"{\"ready\":true}}]}]}";

#define POD(name, ip, app, ports)					\
	"{'kind':'Pod','metadata':{'namespace':'x','name':'" name "',"	\
	"'labels':{'app':'" app "'}},'spec':{'nodeName':'t13',"	\
	"'containers':[{'name':'c','ports':[" ports "]}]},"		\
	"'status':{'podIP':'" ip "'}}"

static struct ps_dataplane *const dp = &ps_test_node.dp;

/* o in the notation above (single quotes) as kind k, then a compile. */
static int
take(enum pol_kind k, const char *text)
{
	struct ps_errors errs = { 0 };
	char *buf = strdup(text), *c;
	json_t *o;
	int rc;

	for (c = buf; *c; c++)
		if (*c == '\'')
			*c = '"';
	o = json_loads(buf, 0, NULL);
	free(buf);
	rc = o == NULL ? -1 : pol_take(k, o, "$", true, NULL, &errs);
	json_decref(o);
	ps_errors_print(&errs, stderr);
	ps_errors_free(&errs);
	if (rc == 0)
		rc = pol_commit(true);
	if (rc != 0)
		fprintf(stderr, "take: %d\n", rc);
	return rc;
}

static void
no_policies(void)
{
	struct pol_model *m = pol_model_live();

	while (m->nb_pols > 0) {
		pol_slots_give(m->pols[0]);
		pol_model_del_policy(m, m->pols[0]->ns, m->pols[0]->name);
	}
	pol_commit(true);
	if (ps_policy_dp.ct != NULL)
		ps_ct_flush(ps_policy_dp.ct);
	ps_ct_flush(dp->ct);
	ps_test_node_run();
	ps_test_node_drain();
}

static int
setup(void)
{
	if (ps_test_node_start(config, 4) != 0 ||
	    ps_test_node_apply(services) != 0)
		return -1;
	if (take(POL_K_NAMESPACE, "{'kind':'Namespace','metadata':{'name':"
		 "'x','labels':{'ns':'x'}}}") != 0 ||
	    take(POL_K_POD, POD("a", P1, "a", "")) != 0 ||
	    take(POL_K_POD, POD("b", P2, "b", "{'name':'http',"
				"'containerPort':8080,'protocol':'TCP'}")) ||
	    take(POL_K_POD, POD("c", P3, "c", "")) != 0)
		return -1;
	ps_graph_trace = getenv("PS_TRACE") != NULL;
	if (ps_graph_trace)
		rte_log_set_level_pattern("podswitch.*", RTE_LOG_DEBUG);
	ps_test_node.pool_base = rte_mempool_in_use_count(dp->pool);
	return 0;
}

/* f from in (its MAC smac) to dmac; expect it unchanged on out, or
 * nothing anywhere when out is NULL. */
static void
bridged(const char *in, const char *smac, const char *dmac,
	const struct ps_l4 *f, const char *out)
{
	uint8_t fr[256];
	size_t len = ps_build_l4(fr, dmac, smac, f);

	ps_test_node_inject(in, fr, len);
	ps_test_node_run();
	if (out != NULL) {
		ps_test_expect_one(out, fr, len);
	} else {
		ps_test_expect_none("p1_tx");
		ps_test_expect_none("p2_tx");
		ps_test_expect_none("p3_tx");
		ps_test_expect_none("up_tx");
	}
}

static uint64_t
drops(const char *reason)
{
	return ps_stats_drops("policy", reason);
}

static const struct pol_counter *
rule_ctr(const char *name, unsigned int rule)
{
	const struct pol_policy *p = pol_model_policy(pol_model_live(), "x",
						      name);

	return p == NULL ? NULL : &ps_policy_dp.counters[p->slot_base + 2 +
							 rule];
}

/* b admits a on http; a takes nothing in (its replies still come). */
#define ALLOW_A_HTTP							\
	"{'kind':'NetworkPolicy','metadata':{'namespace':'x','name':"	\
	"'allow-a-http'},'spec':{'podSelector':{'matchLabels':"	\
	"{'app':'b'}},'ingress':[{'from':[{'podSelector':"		\
	"{'matchExpressions':[{'key':'app','operator':'In',"		\
	"'values':['a']}]}}],'ports':[{'port':'http'}]}]}}"
#define DENY_A								\
	"{'kind':'NetworkPolicy','metadata':{'namespace':'x','name':"	\
	"'deny-a'},'spec':{'podSelector':{'matchLabels':{'app':'a'}},"	\
	"'policyTypes':['Ingress']}}"

/* Bridged pod to pod: the first packet classified, its verdict kept. */
static void
test_ingress_bridged(void)
{
	struct ps_l4 syn = ps_tcp(P1, 40000, P2, 8080, SYN, 100, 0, 0);
	struct ps_l4 sa = ps_tcp(P2, 8080, P1, 40000, SYN | ACK, 500, 101, 0);
	struct ps_l4 ack = ps_tcp(P1, 40000, P2, 8080, ACK, 101, 501, 10);
	struct ps_l4 from_c = ps_tcp(P3, 40001, P2, 8080, SYN, 1, 0, 0);
	struct ps_l4 other = ps_tcp(P1, 40002, P2, 9090, SYN, 1, 0, 0);
	uint64_t in0 = drops("ingress");
	const struct pol_counter *rc;

	no_policies();
	/* nothing selects b: c reaches it */
	bridged("p3_rx", P3_MAC, P2_MAC, &from_c, "p2_tx");
	if (!CHECK(take(POL_K_POLICY, ALLOW_A_HTTP) == 0 &&
		   take(POL_K_POLICY, DENY_A) == 0, "policies refused"))
		return;
	from_c.sport++;
	bridged("p3_rx", P3_MAC, P2_MAC, &from_c, NULL);
	CHECK(drops("ingress") == in0 + 1, "c to b: %" PRIu64 " drops",
	      drops("ingress") - in0);
	bridged("p1_rx", P1_MAC, P2_MAC, &other, NULL);
	CHECK(drops("ingress") == in0 + 2, "a to b:9090 not denied");
	bridged("p1_rx", P1_MAC, P2_MAC, &syn, "p2_tx");
	/* a isolated, the reply still passes; established, no new check */
	bridged("p2_rx", P2_MAC, P1_MAC, &sa, "p1_tx");
	bridged("p1_rx", P1_MAC, P2_MAC, &ack, "p2_tx");
	ack.seq += 10;
	bridged("p1_rx", P1_MAC, P2_MAC, &ack, "p2_tx");
	rc = rule_ctr("allow-a-http", 0);
	CHECK(rc != NULL && rc->allowed == 1, "rule allowed %" PRIu64
	      " packets, the first only expected", rc ? rc->allowed : 0);
	CHECK(drops("ingress") == in0 + 2, "established traffic denied");
	ps_test_node_expect_no_leak();
}

/*
 * A pod isolated for ingress only still opens connections: its first
 * packet out is tracked although nothing checks it, so the reply (to an
 * ingress-isolated pod) passes; a connection c opens to a is denied.
 */
static void
test_reply_to_isolated(void)
{
	struct ps_l4 syn = ps_tcp(P1, 44000, P3, 8080, SYN, 100, 0, 0);
	struct ps_l4 sa = ps_tcp(P3, 8080, P1, 44000, SYN | ACK, 500, 101, 0);
	struct ps_l4 from_c = ps_tcp(P3, 44001, P1, 8080, SYN, 1, 0, 0);
	uint64_t in0;

	no_policies();
	if (!CHECK(take(POL_K_POLICY, DENY_A) == 0, "policy refused"))
		return;
	in0 = drops("ingress");
	bridged("p1_rx", P1_MAC, P3_MAC, &syn, "p3_tx");
	bridged("p3_rx", P3_MAC, P1_MAC, &sa, "p1_tx");
	CHECK(drops("ingress") == in0, "the reply to a was denied");
	bridged("p3_rx", P3_MAC, P1_MAC, &from_c, NULL);
	CHECK(drops("ingress") == in0 + 1, "c opened a connection to a");
	ps_test_node_expect_no_leak();
}

/* Routed through a ClusterIP: the endpoint (after DNAT) is what is
 * checked; the endpoint's bridged reply, un-DNATed, passes. */
static void
test_ingress_after_dnat(void)
{
	struct ps_l4 c_syn = ps_tcp(P3, 41000, VIP, 80, SYN, 1, 0, 0);
	struct ps_l4 a_syn = ps_tcp(P1, 41001, VIP, 80, SYN, 7, 0, 0);
	struct ps_l4 out = a_syn, reply, back;
	uint8_t fr[256], ef[256];
	size_t len, elen;
	uint64_t in0 = drops("ingress");

	no_policies();
	if (!CHECK(take(POL_K_POLICY, ALLOW_A_HTTP) == 0 &&
		   take(POL_K_POLICY, DENY_A) == 0, "policies refused"))
		return;
	bridged("p3_rx", P3_MAC, NODE_MAC, &c_syn, NULL);
	CHECK(drops("ingress") == in0 + 1, "c through the ClusterIP to b "
	      "not denied");
	len = ps_build_l4(fr, NODE_MAC, P1_MAC, &a_syn);
	out.dst = P2;
	out.dport = 8080;
	out.ttl--;
	elen = ps_build_l4(ef, P2_MAC, NODE_MAC, &out);
	ps_test_node_inject("p1_rx", fr, len);
	ps_test_node_run();
	ps_test_expect_one("p2_tx", ef, elen);
	/* b answers a straight on the segment; a is isolated for ingress */
	reply = ps_tcp(P2, 8080, P1, 41001, SYN | ACK, 90, 8, 0);
	back = ps_tcp(VIP, 80, P1, 41001, SYN | ACK, 90, 8, 0);
	len = ps_build_l4(fr, P1_MAC, P2_MAC, &reply);
	elen = ps_build_l4(ef, P1_MAC, P2_MAC, &back);
	ps_test_node_inject("p2_rx", fr, len);
	ps_test_node_run();
	ps_test_expect_one("p1_tx", ef, elen);
	CHECK(drops("ingress") == in0 + 1, "service reply denied");
	ps_test_node_expect_no_leak();
}

/* a may send TCP 8000-8100 to 10.244.0.0/16 but 10.244.0.4 */
#define EGRESS_A							\
	"{'kind':'NetworkPolicy','metadata':{'namespace':'x','name':"	\
	"'egress-a'},'spec':{'podSelector':{'matchLabels':{'app':'a'}},"\
	"'policyTypes':['Egress'],'egress':[{'to':[{'ipBlock':{'cidr':"	\
	"'10.244.0.0/16','except':['10.244.0.4/32']}}],'ports':[{"	\
	"'protocol':'TCP','port':8000,'endPort':8100}]}]}}"

static void
test_egress(void)
{
	struct ps_l4 to_b = ps_tcp(P1, 42000, P2, 8080, SYN, 1, 0, 0);
	struct ps_l4 to_c = ps_tcp(P1, 42001, P3, 8080, SYN, 1, 0, 0);
	struct ps_l4 high = ps_tcp(P1, 42002, P2, 8101, SYN, 1, 0, 0);
	struct ps_l4 remote = ps_tcp(P1, 42003, REMOTE, 8000, SYN, 1, 0, 0);
	struct ps_l4 fwd = remote;
	uint8_t fr[256], ef[256];
	size_t len, elen;
	uint64_t eg0 = drops("egress");

	no_policies();
	if (!CHECK(take(POL_K_POLICY, EGRESS_A) == 0, "policy refused"))
		return;
	bridged("p1_rx", P1_MAC, P2_MAC, &to_b, "p2_tx");
	bridged("p1_rx", P1_MAC, P3_MAC, &to_c, NULL);
	bridged("p1_rx", P1_MAC, P2_MAC, &high, NULL);
	CHECK(drops("egress") == eg0 + 2, "%" PRIu64 " egress drops, 2 "
	      "expected", drops("egress") - eg0);
	/* ICMP is no TCP port of the rule */
	len = ps_build_icmp_echo(fr, P2_MAC, P1_MAC, P1, P2, 8, 7, 1, 64, 8);
	ps_test_node_inject("p1_rx", fr, len);
	ps_test_node_run();
	ps_test_expect_none("p2_tx");
	CHECK(drops("egress") == eg0 + 3, "ping not denied");
	/* routed, to another node */
	len = ps_build_l4(fr, NODE_MAC, P1_MAC, &remote);
	fwd.ttl--;
	elen = ps_build_l4(ef, PEER_MAC, NODE_MAC, &fwd);
	ps_test_node_inject("p1_rx", fr, len);
	ps_test_node_run();
	ps_test_expect_one("up_tx", ef, elen);
	ps_test_node_expect_no_leak();
}

/* A connection the new generation no longer allows is cut. */
static void
test_revoke(void)
{
	struct ps_l4 syn = ps_tcp(P1, 43000, P2, 8080, SYN, 100, 0, 0);
	struct ps_l4 ack = ps_tcp(P1, 43000, P2, 8080, ACK, 101, 1, 0);
	struct ps_ct_tuple t;
	uint8_t dir;
	uint64_t in0;

	no_policies();
	if (!CHECK(take(POL_K_POLICY, ALLOW_A_HTTP) == 0, "policy refused"))
		return;
	bridged("p1_rx", P1_MAC, P2_MAC, &syn, "p2_tx");
	ps_ct_tuple_set(&t, IPPROTO_TCP, ps_ip(P1), ps_ip(P2),
			rte_cpu_to_be_16(43000), rte_cpu_to_be_16(8080));
	CHECK(ps_ct_lookup(ps_policy_dp.ct, &t, &dir) != NULL,
	      "the allowed connection is not tracked");
	in0 = drops("ingress");
	if (!CHECK(take(POL_K_POLICY, "{'kind':'NetworkPolicy','metadata':{"
			"'namespace':'x','name':'allow-a-http'},'spec':{"
			"'podSelector':{'matchLabels':{'app':'b'}},'ingress':"
			"[{'ports':[{'port':9999}]}]}}") == 0, "refused"))
		return;
	CHECK(ps_ct_lookup(ps_policy_dp.ct, &t, &dir) == NULL,
	      "the revoked connection is still tracked");
	bridged("p1_rx", P1_MAC, P2_MAC, &ack, NULL);
	CHECK(drops("ingress") == in0 + 1, "revoked connection passes");
	ps_test_node_expect_no_leak();
}

/* Anti-spoofing, with or without policies. */
static void
test_spoofed(void)
{
	struct ps_l4 f = ps_tcp("10.244.0.9", 44000, P2, 8080, SYN, 1, 0, 0);
	struct ps_l4 ok = ps_tcp(P1, 44001, P2, 8080, SYN, 1, 0, 0);
	struct ps_l4 dhcp = ps_udp("0.0.0.0", 68, "255.255.255.255", 67, 300);
	uint64_t s0 = drops("spoofed");
	uint8_t fr[512];
	size_t len;

	no_policies();
	bridged("p1_rx", P1_MAC, P2_MAC, &f, NULL);
	CHECK(drops("spoofed") == s0 + 1, "spoofed source IP passed");
	bridged("p1_rx", "02:00:0a:f4:00:99", P2_MAC, &ok, NULL);
	CHECK(drops("spoofed") == s0 + 2, "spoofed source MAC passed");
	/* routed too */
	bridged("p1_rx", P1_MAC, NODE_MAC, &f, NULL);
	CHECK(drops("spoofed") == s0 + 3, "spoofed routed packet passed");
	/* ARP with a lying sender: no answer */
	len = ps_build_arp(fr, RTE_ARP_OP_REQUEST, "ff:ff:ff:ff:ff:ff",
			   P1_MAC, P2, "00:00:00:00:00:00", "10.244.0.1");
	ps_test_node_inject("p1_rx", fr, len);
	ps_test_node_run();
	ps_test_expect_none("p1_tx");
	ps_test_expect_none("p2_tx");
	CHECK(drops("spoofed") == s0 + 4, "lying ARP passed");
	/* the truth passes, byte for byte; a DHCP client's 0.0.0.0 too */
	bridged("p1_rx", P1_MAC, P2_MAC, &ok, "p2_tx");
	len = ps_build_l4(fr, "ff:ff:ff:ff:ff:ff", P1_MAC, &dhcp);
	ps_test_node_inject("p1_rx", fr, len);
	ps_test_node_run();
	ps_test_expect_one("p2_tx", fr, len);
	ps_test_node_drain();
	CHECK(drops("spoofed") == s0 + 4, "a true frame counted spoofed");
	ps_test_node_expect_no_leak();
}

static const struct ps_test tests[] = {
	{ "ingress, bridged, verdict kept", test_ingress_bridged },
	{ "reply to a pod isolated for ingress only", test_reply_to_isolated },
	{ "ingress after DNAT", test_ingress_after_dnat },
	{ "egress with ipBlock except and endPort", test_egress },
	{ "established connection revoked", test_revoke },
	{ "spoofed IP, MAC and ARP", test_spoofed },
};

PS_TEST_MAIN(ps_test_eal_profiles_init,
	     PS_SUITE("policy", setup, ps_test_node_stop, tests))
