/* SPDX-License-Identifier: BSD-3-Clause */
/* The dataplane of the graph and REST harnesses (fuzz_dp.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <podswitch/service.h>

#include "test_common.h"
#include "fuzz_dp.h"

#define NODE_MAC "02:00:00:00:00:0a"

struct ps_rest *fuzz_rest;
char fuzz_api_path[100];
static char tmp_dir[64];

const char *const fuzz_rx_ring[FUZZ_NB_PORTS] = {
	"p1_rx", "p2_rx", "p3_rx", "up_rx", "host_rx" };

static const char config_head[] =
	"{ \"node\": { \"name\": \"fz\", \"ip\": \"192.168.60.10/24\","
	"  \"mac\": \"" NODE_MAC "\", \"pod_cidr\": \"10.244.0.0/24\","
	"  \"gateway_ip\": \"10.244.0.1\", \"cluster_cidr\": \"10.244.0.0/16\","
	"  \"service_cidr\": \"10.96.0.0/12\" },"
	"  \"overlay\": { \"mode\": \"vxlan\", \"vni\": 42 },"
	"  \"ports\": ["
	PS_RING_PORT("p1", "pod", PS_POD("10.244.0.2", "02:00:0a:f4:00:02")) ","
	PS_RING_PORT("p2", "pod", PS_POD("10.244.0.3", "02:00:0a:f4:00:03")) ","
	PS_RING_PORT("p3", "pod", "") ","
	PS_RING_PORT("up", "uplink", "") ","
	PS_RING_PORT("host", "host", "") " ],"
	"  \"routes\": ["
	"    { \"dst\": \"10.244.1.0/24\", \"gateway\": \"192.168.60.11\" },"
	"    { \"dst\": \"10.244.2.0/24\", \"encap\": { \"type\": \"vxlan\","
	"      \"vni\": 42, \"remote\": \"192.168.60.12\" } },"
	"    { \"dst\": \"10.244.3.0/24\", \"encap\": { \"type\": \"vxlan\","
	"      \"remote\": \"192.168.60.13\", \"mac\": \"0e:00:00:00:00:0d\" } },"
	"    { \"dst\": \"0.0.0.0/0\", \"gateway\": \"192.168.60.1\" } ],"
	"  \"neighbors\": ["
	"    { \"ip\": \"192.168.60.11\", \"mac\": \"02:00:c0:a8:3c:0b\", \"dev\": \"up\" },"
	"    { \"ip\": \"192.168.60.1\", \"mac\": \"02:00:c0:a8:3c:01\", \"dev\": \"up\" } ],"
	"  \"tables\": { \"routes\": 256, \"fdb\": 256, \"neighbors\": 64,"
	"              \"conntrack\": 1024, \"services\": 64, \"endpoints\": 256 },"
	"  \"nat\": { \"port_min\": 20000, \"port_max\": 20999 },"
	"  \"timers\": { \"arp_retry_ms\": 20, \"arp_retries\": 1 }";

#define SVC(name, vip, type, proto, port, extra)			\
	"{\"kind\":\"Service\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"" \
	name "\",\"namespace\":\"default\"},\"spec\":{\"type\":\"" type "\"," \
	"\"clusterIP\":\"" vip "\"" extra ",\"ports\":[{\"name\":\"p\","	\
	"\"protocol\":\"" proto "\",\"port\":" port ",\"targetPort\":\"p\"}]}}"
#define SVC_NP(name, vip, type, proto, port, np, extra)			\
	"{\"kind\":\"Service\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"" \
	name "\",\"namespace\":\"default\"},\"spec\":{\"type\":\"" type "\"," \
	"\"clusterIP\":\"" vip "\"" extra ",\"ports\":[{\"name\":\"p\","	\
	"\"protocol\":\"" proto "\",\"port\":" port ",\"nodePort\":" np	\
	",\"targetPort\":\"p\"}]}}"
#define SLICE(name, proto, port, eps)					\
	"{\"kind\":\"EndpointSlice\",\"apiVersion\":\"discovery.k8s.io/v1\"," \
	"\"addressType\":\"IPv4\",\"metadata\":{\"name\":\"" name "-1\","	\
	"\"namespace\":\"default\",\"labels\":{\"kubernetes.io/service-name\":\"" \
	name "\"}},\"ports\":[{\"name\":\"p\",\"port\":" port ",\"protocol\":\"" \
	proto "\"}],\"endpoints\":[" eps "]}"
#define EP(ip, node, ready)						\
	"{\"addresses\":[\"" ip "\"],\"nodeName\":\"" node "\","		\
	"\"conditions\":{\"ready\":" ready ",\"serving\":true,\"terminating\":false}}"

/* ClusterIP local and remote, NodePort Cluster and Local, UDP with
 * affinity, no endpoint, a LoadBalancer with source ranges, maglev. */
static const char services[] =
	"{\"kind\":\"List\",\"apiVersion\":\"v1\",\"items\":["
	SVC("web", "10.96.0.10", "ClusterIP", "TCP", "80", "") ","
	SLICE("web", "TCP", "8080", EP("10.244.0.3", "fz", "true") ","
	      EP("10.244.1.5", "b", "true")) ","
	SVC_NP("np", "10.96.0.12", "NodePort", "TCP", "80", "30080", "") ","
	SLICE("np", "TCP", "8080", EP("10.244.0.2", "fz", "true")) ","
	SVC_NP("nplocal", "10.96.0.16", "NodePort", "TCP", "80", "30081",
	       ",\"externalTrafficPolicy\":\"Local\"") ","
	SLICE("nplocal", "TCP", "8080", EP("10.244.0.3", "fz", "true")) ","
	SVC("dns", "10.96.0.13", "ClusterIP", "UDP", "53",
	    ",\"sessionAffinity\":\"ClientIP\"") ","
	SLICE("dns", "UDP", "5353", EP("10.244.0.2", "fz", "true") ","
	      EP("10.244.2.7", "c", "false")) ","
	SVC("empty", "10.96.0.14", "ClusterIP", "TCP", "80", "") ","
	SVC_NP("lb", "10.96.0.15", "LoadBalancer", "TCP", "443", "30443",
	       ",\"loadBalancerSourceRanges\":[\"192.168.60.0/24\"],"
	       "\"externalIPs\":[\"192.168.60.100\"]") ","
	SLICE("lb", "TCP", "8443", EP("10.244.0.3", "fz", "true") ","
	      EP("10.244.3.9", "d", "true"))
	"]}";

/* At exit, before EAL's cleanup (registered earlier, so run later):
 * everything freed, so that LeakSanitizer reports only real leaks. */
static void
fuzz_dp_stop(void)
{
	ps_rest_free(fuzz_rest);
	fuzz_rest = NULL;
	ps_test_node_stop();
	ps_profiles_free();
	if (tmp_dir[0] != '\0')
		rmdir(tmp_dir);
}

int
fuzz_dp_start(const char *prog, bool api)
{
	char *config;
	size_t len;

	if (ps_test_eal_profiles_init(prog) < 0)
		return -1;
	if (api) {
		snprintf(tmp_dir, sizeof(tmp_dir), "/tmp/ps-fuzz-XXXXXX");
		if (mkdtemp(tmp_dir) == NULL)
			return -1;
	}
	snprintf(fuzz_api_path, sizeof(fuzz_api_path), "%s/api.sock", tmp_dir);
	len = sizeof(config_head) + 256;
	config = malloc(len);
	if (config == NULL)
		return -1;
	if (api)
		snprintf(config, len, "%s, \"api\": { \"unix_socket\": \"%s\" } }",
			 config_head, fuzz_api_path);
	else
		snprintf(config, len, "%s }", config_head);
	if (ps_test_node_start(config, 1) != 0) {
		free(config);
		return -1;
	}
	free(config);
	atexit(fuzz_dp_stop);
	if (ps_test_node_apply(services) != 0)
		return -1;
	if (api) {
		fuzz_rest = ps_rest_create(&ps_test_node.dp);
		if (fuzz_rest == NULL)
			return -1;
	}
	return 0;
}
