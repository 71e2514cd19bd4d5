/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * svc_bench [FLOWS [SERVICES]]: cycles per packet of the service_lb node, from the
 * graph's own per-node counters, over the real in-process dataplane (ring
 * ports, one worker polled here). FLOWS UDP flows (default 100000) from
 * pod p1 to a ClusterIP of 3 local endpoints: first packets (backend
 * choice, conntrack create, DNAT), then the same flows again (conntrack
 * hit, DNAT), then frames bridged between two pods (the conntrack check
 * of service_l2, a miss), then frames routed from p1 to pods of another
 * node (transit: what the service gate turns away), with SERVICES more
 * ClusterIP services of 10 endpoints programmed (default 0), every
 * fourth with an external IP. Frames are injected and collected outside
 * the measured nodes.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_ip.h>
#include <rte_udp.h>

#include <podswitch/conntrack.h>
#include <podswitch/service.h>
#include <podswitch/stats.h>

#include "svc_gate.h"
#include "test_common.h"

#define NODE_MAC "02:00:00:00:00:0a"
#define BURST 256

static const char *const config_fmt =
	"{ \"node\": { \"name\": \"sb\", \"ip\": \"192.168.60.10/24\","
	"  \"mac\": \"" NODE_MAC "\", \"pod_cidr\": \"10.244.0.0/24\","
	"  \"gateway_ip\": \"10.244.0.1\", \"cluster_cidr\": \"10.244.0.0/16\","
	"  \"service_cidr\": \"10.96.0.0/12\" },"
	"  \"ports\": ["
	PS_RING_PORT("p1", "pod", PS_POD("10.244.0.2", "02:00:0a:f4:00:02")) ","
	PS_RING_PORT("p2", "pod", PS_POD("10.244.0.3", "02:00:0a:f4:00:03")) ","
	PS_RING_PORT("up", "uplink", "") " ],"
	"  \"routes\": [ { \"dst\": \"10.244.1.0/24\", \"gateway\": \"192.168.60.11\" } ],"
	"  \"neighbors\": [ { \"ip\": \"192.168.60.11\","
	"    \"mac\": \"02:00:c0:a8:3c:0b\", \"dev\": \"up\" } ],"
	"  \"tables\": { \"conntrack\": %u } }";

static const char *const services =
	"{\"kind\":\"List\",\"items\":[{\"kind\":\"Service\",\"metadata\":"
	"{\"name\":\"b\",\"namespace\":\"default\"},\"spec\":{\"clusterIP\":"
	"\"10.96.0.10\",\"ports\":[{\"protocol\":\"UDP\",\"port\":53,"
	"\"targetPort\":5353}]}},{\"kind\":\"EndpointSlice\",\"addressType\":"
	"\"IPv4\",\"metadata\":{\"name\":\"b-1\",\"namespace\":\"default\","
	"\"labels\":{\"kubernetes.io/service-name\":\"b\"}},\"ports\":[{"
	"\"port\":5353,\"protocol\":\"UDP\"}],\"endpoints\":["
	"{\"addresses\":[\"10.244.0.3\"],\"nodeName\":\"sb\"},"
	"{\"addresses\":[\"10.244.0.4\"],\"nodeName\":\"sb\"},"
	"{\"addresses\":[\"10.244.0.5\"],\"nodeName\":\"sb\"}]}]}";

static bool bridged, routed;

static size_t
frame(uint8_t *buf, uint32_t flow)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)buf;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
	struct rte_udp_hdr *uh = (struct rte_udp_hdr *)(ip + 1);

	memset(buf, 0, 64);
	/* bridged: pod p1 to pod p2's MAC, not a service */
	eth->dst_addr = ps_mac(bridged && !routed ? "02:00:0a:f4:00:03" :
			       NODE_MAC);
	eth->src_addr = ps_mac("02:00:0a:f4:00:02");
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16(sizeof(*ip) + sizeof(*uh) + 18);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	/* 10.244.0.2..201, ports 1024.. */
	ip->src_addr = rte_cpu_to_be_32(0x0af40002 + flow / 60000);
	ip->dst_addr = ps_ip(bridged ? "10.244.0.3" : "10.96.0.10");
	/* routed: to 10.244.1.1..250, pods of the other node */
	if (routed)
		ip->dst_addr = rte_cpu_to_be_32(0x0af40101 + flow % 250);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	uh->src_port = rte_cpu_to_be_16((uint16_t)(1024 + flow % 60000));
	uh->dst_port = RTE_BE16(53);
	uh->dgram_len = rte_cpu_to_be_16(sizeof(*uh) + 18);
	uh->dgram_cksum = rte_ipv4_udptcp_cksum(ip, uh);
	return RTE_ETHER_HDR_LEN + sizeof(*ip) + sizeof(*uh) + 18;
}

static void
node_get(const char *name, uint64_t *objs, uint64_t *cycles)
{
	static struct ps_node_stats st[1024];
	int n = ps_stats_nodes(st, RTE_DIM(st)), i;

	*objs = *cycles = 0;
	for (i = 0; i < n; i++)
		if (strcmp(st[i].name, name) == 0) {
			*objs += st[i].objs;
			*cycles += st[i].cycles;
		}
}

static void
pass(struct ps_dataplane *dp, uint32_t flows, const char *what)
{
	static const char *const nodes[] = { "service_lb", "ip4_input",
		"ip4_lookup", "ip4_rewrite", "service_l2", "l2_fdb" };
	uint64_t o0[6], c0[6], o1[6], c1[6], t0, t1;
	uint8_t buf[128];
	uint32_t f = 0;
	unsigned int i;

	for (i = 0; i < RTE_DIM(nodes); i++)
		node_get(nodes[i], &o0[i], &c0[i]);
	t0 = rte_rdtsc();
	while (f < flows) {
		unsigned int k;

		for (k = 0; k < BURST && f < flows; k++, f++)
			ps_test_inject(dp, "p1_rx", buf, frame(buf, f));
		/* 32 per rx burst: enough walks to empty the ring */
		ps_test_dp_run(dp, BURST / 32 + 1);
		ps_test_node_drain();
	}
	t1 = rte_rdtsc();
	printf("%s: %u packets, %.1f ms wall (incl. injection)\n", what,
	       flows, (double)(t1 - t0) * 1000 / rte_get_tsc_hz());
	for (i = 0; i < RTE_DIM(nodes); i++) {
		node_get(nodes[i], &o1[i], &c1[i]);
		printf("  %-12s %8.1f cycles/packet (%lu packets)\n", nodes[i],
		       o1[i] > o0[i] ? (double)(c1[i] - c0[i]) /
		       (double)(o1[i] - o0[i]) : 0.0,
		       (unsigned long)(o1[i] - o0[i]));
	}
}

static double
thread_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/*
 * The gate alone (svc_gate.h): BURST of the transit frames in mbufs,
 * asked 2000 times over; cycles per packet, and how many it let in.
 * On a shared machine the TSC also counts other processes' turns: the
 * thread's CPU time times the TSC rate is printed beside it.
 */
static void
gate_alone(struct ps_dataplane *dp)
{
	struct rte_mbuf *m[BURST];
	uint64_t t0, t1, in = 0;
	unsigned int i, r;
	double c0, c1;

	if (rte_pktmbuf_alloc_bulk(dp->pool, m, BURST) != 0)
		return;
	for (i = 0; i < BURST; i++) {
		size_t len = frame(rte_pktmbuf_mtod(m[i], uint8_t *),
				   i * 7919);

		m[i]->data_len = m[i]->pkt_len = (uint32_t)len;
	}
	c0 = thread_ns();
	t0 = rte_rdtsc();
	for (r = 0; r < 2000; r++)
		for (i = 0; i < BURST; i++)
			in += svc_gate(m[i]);
	t1 = rte_rdtsc();
	c1 = thread_ns();
	printf("  gate alone   %8.1f TSC cycles/packet, %.1f of CPU time "
	       "(%lu of %u let in)\n", (double)(t1 - t0) / (2000.0 * BURST),
	       (c1 - c0) * rte_get_tsc_hz() / 1e9 / (2000.0 * BURST),
	       (unsigned long)in, 2000u * BURST);
	rte_pktmbuf_free_bulk(m, BURST);
}

/* n ClusterIP services 10.97.0.0 + i, TCP 80 -> 10 endpoints of another
 * node each, every fourth with external IP 198.18.0.0 + i. */
static int
many_services(uint32_t n)
{
	size_t cap = (size_t)n * 900 + 64, len = 0;
	char *s = malloc(cap);
	uint32_t i, j;
	int rc;

	if (s == NULL)
		return -1;
	len += (size_t)snprintf(s + len, cap - len, "{\"kind\":\"List\",\"items\":[");
	for (i = 0; i < n; i++) {
		uint32_t vip = 0x0a610000 + i, ext = 0xc6120000 + i;
		char ext_s[64] = "";

		if (i % 4 == 0)
			snprintf(ext_s, sizeof(ext_s),
				 ",\"externalIPs\":[\"%u.%u.%u.%u\"]",
				 ext >> 24, (ext >> 16) & 255, (ext >> 8) & 255,
				 ext & 255);
		len += (size_t)snprintf(s + len, cap - len,
			"%s{\"kind\":\"Service\",\"metadata\":{\"name\":"
			"\"s%u\",\"namespace\":\"default\"},\"spec\":{"
			"\"clusterIP\":\"%u.%u.%u.%u\"%s,\"ports\":[{\"protocol\":"
			"\"TCP\",\"port\":80,\"targetPort\":8080}]}},"
			"{\"kind\":\"EndpointSlice\",\"addressType\":\"IPv4\","
			"\"metadata\":{\"name\":\"s%u-1\",\"namespace\":"
			"\"default\",\"labels\":{\"kubernetes.io/service-name\":"
			"\"s%u\"}},\"ports\":[{\"port\":8080,\"protocol\":"
			"\"TCP\"}],\"endpoints\":[", i ? "," : "", i,
			vip >> 24, (vip >> 16) & 255, (vip >> 8) & 255,
			vip & 255, ext_s, i, i);
		for (j = 0; j < 10; j++) {
			uint32_t ep = 0x0af50000 + i * 10 + j;

			len += (size_t)snprintf(s + len, cap - len,
				"%s{\"addresses\":[\"%u.%u.%u.%u\"],"
				"\"nodeName\":\"other\"}", j ? "," : "",
				ep >> 24, (ep >> 16) & 255, (ep >> 8) & 255,
				ep & 255);
		}
		len += (size_t)snprintf(s + len, cap - len, "]}");
	}
	snprintf(s + len, cap - len, "]}");
	rc = ps_test_node_apply(s);
	free(s);
	return rc;
}

/* One endpoint of three removed: its connections end in the next
 * management pass, one walk of the table. */
static void
endpoint_removed(struct ps_dataplane *dp)
{
	static const char *const slice =
		"{\"kind\":\"EndpointSlice\",\"addressType\":\"IPv4\","
		"\"metadata\":{\"name\":\"b-1\",\"namespace\":\"default\","
		"\"labels\":{\"kubernetes.io/service-name\":\"b\"}},\"ports\":"
		"[{\"port\":5353,\"protocol\":\"UDP\"}],\"endpoints\":["
		"{\"addresses\":[\"10.244.0.3\"],\"nodeName\":\"sb\"},"
		"{\"addresses\":[\"10.244.0.4\"],\"nodeName\":\"sb\"}]}";
	struct ps_errors errs = { 0 };
	struct ps_ct_stats st0, st1;
	struct ps_k8s_doc doc;
	uint64_t t0, t1, t2;

	ps_ct_stats(dp->ct, &st0);
	t0 = rte_rdtsc();
	if (ps_k8s_parse(slice, strlen(slice), &doc, &errs) != 0 ||
	    ps_svc_apply(dp->svcs, &doc, &errs) != 0) {
		ps_errors_print(&errs, stderr);
		return;
	}
	t1 = rte_rdtsc();
	ps_mgmt_poll(dp);
	t2 = rte_rdtsc();
	ps_k8s_doc_free(&doc);
	ps_ct_stats(dp->ct, &st1);
	printf("endpoint removed: apply %.2f ms, next management pass %.2f ms"
	       " (%lu connections ended)\n",
	       (double)(t1 - t0) * 1000 / rte_get_tsc_hz(),
	       (double)(t2 - t1) * 1000 / rte_get_tsc_hz(),
	       (unsigned long)(st1.deleted - st0.deleted));
}

int
main(int argc, char **argv)
{
	uint32_t flows = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) :
			 100000;
	uint32_t nsvc = argc > 2 ? (uint32_t)strtoul(argv[2], NULL, 10) : 0;
	struct ps_dataplane *dp = &ps_test_node.dp;
	struct ps_ct_stats st;
	char config[4096];

	if (flows == 0 || flows > 12000000)
		flows = 100000;
	if (ps_test_eal_profiles_init(argv[0]) < 0)
		return 1;
	snprintf(config, sizeof(config), config_fmt,
		 (unsigned int)RTE_MAX(flows + flows / 8, 1024u));
	if (ps_test_node_start(config, 1) != 0 ||
	    ps_test_node_apply(services) != 0)
		return 1;
	printf("TSC %.2f GHz\n", rte_get_tsc_hz() / 1e9);
	pass(dp, flows, "new flows (choice, create, DNAT)");
	pass(dp, flows, "established flows (hit, DNAT)");
	bridged = true;
	pass(dp, flows, "bridged pod to pod, untracked (miss)");
	if (nsvc > 0 && many_services(RTE_MIN(nsvc, 16000u)) != 0)
		return 1;
	routed = true;
	printf("%u more services programmed\n", nsvc);
	pass(dp, flows, "routed pod to remote pod (transit)");
	gate_alone(dp);
	routed = false;
	endpoint_removed(dp);
	ps_ct_stats(dp->ct, &st);
	printf("conntrack: %u entries, %lu full\n", st.entries,
	       (unsigned long)st.full);
	ps_test_node_stop();
	return 0;
}
