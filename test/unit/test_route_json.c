/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The two writers of GET /v1/routes agree: the list written as text
 * straight into a buffer (rest_routes_text) is byte for byte the list of
 * the objects jansson writes (rest_route_json), for a table with every
 * kind of route: local, connected (a port, the pod segment), gateway,
 * default, blackhole, unreachable, VXLAN with and without a MAC and to a
 * VTEP the table no longer has, a port without a name, and a port name
 * that needs escaping; and the routes of a configuration file, of every
 * kind the file takes, as the dataplane installs them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <podswitch/dataplane.h>
#include <podswitch/route.h>
#include <podswitch/vxlan.h>

#include "rest_route_json.h"
#include "test_common.h"

static struct ps_dataplane dp;

static void
add(const char *dst, uint8_t type, uint16_t port, const char *gw,
    uint8_t origin)
{
	struct ps_route r = { .nh = { .type = type, .port_id = port },
			      .origin = origin };
	int rc;

	CU_ASSERT_EQUAL_FATAL(ps_parse_prefix4(dst, &r.dst), 0);
	if (gw != NULL)
		r.nh.gateway = ps_ip(gw);
	rc = ps_route_add(dp.routes, &r);
	if (rc != 0)
		printf("\nroute %s: %d\n", dst, rc);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
}

static void
add_port(const char *name, uint16_t id)
{
	snprintf(dp.ports[dp.nb_ports].name, sizeof(dp.ports[0].name), "%s",
		 name);
	dp.port_ids[dp.nb_ports++] = id;
}

static int
dump_cb(const struct ps_route *rt, void *arg)
{
	char **out = arg;
	json_t *j = rest_route_json(&dp, rt);
	char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER), *n;

	json_decref(j);
	if (s == NULL)
		return -1;
	n = realloc(*out, strlen(*out) + strlen(s) + 2);
	if (n == NULL) {
		free(s);
		return -1;
	}
	if (n[1] != '\0')
		strcat(n, ",");
	strcat(n, s);
	free(s);
	*out = n;
	return 0;
}

static void
test_writers_agree(void)
{
	struct rte_ether_addr mac = ps_mac("0e:00:00:00:00:0b");
	char *want = strdup("["), *got;
	json_t *parsed;
	size_t len;
	int id_mac, id_plain;

	dp.routes = ps_route_create("rj", 64, 64, SOCKET_ID_ANY, NULL);
	dp.vxlan = ps_vxlan_create("rj", 8, 1, SOCKET_ID_ANY);
	CU_ASSERT_PTR_NOT_NULL_FATAL(dp.routes);
	CU_ASSERT_PTR_NOT_NULL_FATAL(dp.vxlan);
	CU_ASSERT_PTR_NOT_NULL_FATAL(want);
	add_port("up", 0);
	add_port("p1", 1);
	add_port("odd \"name\"\\\b\f\n\r\t\x01\x1f/", 2);
	id_mac = ps_vxlan_vtep_get(dp.vxlan, ps_ip("192.168.60.11"), 5, &mac);
	id_plain = ps_vxlan_vtep_get(dp.vxlan, ps_ip("192.168.60.12"), 7, NULL);
	CU_ASSERT_FATAL(id_mac >= 0 && id_plain >= 0);

	add("10.244.0.1/32", PS_NH_LOCAL, 0, NULL, PS_ROUTE_CONNECTED);
	add("10.244.0.0/24", PS_NH_CONNECTED, PS_PORT_SEGMENT, NULL,
	    PS_ROUTE_CONNECTED);
	add("192.168.60.0/24", PS_NH_CONNECTED, 0, NULL, PS_ROUTE_CONNECTED);
	add("0.0.0.0/0", PS_NH_GATEWAY, 0, "192.168.60.1", PS_ROUTE_STATIC);
	add("10.244.1.0/24", PS_NH_GATEWAY, 1, "10.1.0.1", PS_ROUTE_API);
	add("10.244.2.0/24", PS_NH_CONNECTED, 2, NULL, PS_ROUTE_API);
	add("10.244.3.0/24", PS_NH_GATEWAY, 9, "192.168.60.3", PS_ROUTE_API);
	add("10.99.0.0/16", PS_NH_BLACKHOLE, 0, NULL, PS_ROUTE_API);
	add("10.98.0.0/16", PS_NH_UNREACHABLE, 0, NULL, PS_ROUTE_STATIC);
	add("10.244.7.0/24", PS_NH_VXLAN, (uint16_t)id_mac, "192.168.60.11",
	    PS_ROUTE_API);
	add("10.244.8.0/24", PS_NH_VXLAN, (uint16_t)id_plain, "192.168.60.12",
	    PS_ROUTE_STATIC);
	add("10.244.9.0/24", PS_NH_VXLAN, 7, "192.168.60.13", PS_ROUTE_API);
	add("255.255.255.255/32", PS_NH_LOCAL, 0, NULL, PS_ROUTE_CONNECTED);

	CU_ASSERT_EQUAL_FATAL(ps_route_walk(dp.routes, dump_cb, &want), 0);
	want = realloc(want, strlen(want) + 3);
	CU_ASSERT_PTR_NOT_NULL_FATAL(want);
	strcat(want, "]\n");
	got = rest_routes_text(&dp, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(got);
	CU_ASSERT_EQUAL(len, strlen(got));
	if (strcmp(got, want) != 0)
		printf("\njansson: %s\ntext:    %s\n", want, got);
	CU_ASSERT_STRING_EQUAL(got, want);
	/* and it is JSON: one object a route */
	parsed = json_loads(got, 0, NULL);
	CU_ASSERT_EQUAL(json_array_size(parsed), 13);
	json_decref(parsed);
	free(got);
	free(want);
	ps_route_free(dp.routes);
	ps_vxlan_free(dp.vxlan);
}

static void
test_empty_table(void)
{
	size_t len;
	char *got;

	dp.routes = ps_route_create("rj0", 8, 8, SOCKET_ID_ANY, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(dp.routes);
	got = rest_routes_text(&dp, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(got);
	CU_ASSERT_STRING_EQUAL(got, "[]\n");
	CU_ASSERT_EQUAL(len, 3);
	free(got);
	ps_route_free(dp.routes);
}

/* The "routes" of a configuration file, of every kind the file takes,
 * as the dataplane installs them. */
static const char *const file_config =
	"{\"node\": {\"name\": \"rj\", \"ip\": \"192.168.60.10/24\", "
	"\"mac\": \"02:00:00:00:00:01\", \"pod_cidr\": \"10.244.0.0/24\", "
	"\"gateway_ip\": \"10.244.0.1\"},"
	"\"ports\": ["
	"{\"name\": \"up\", \"role\": \"uplink\", \"driver\": \"ring\", "
	"\"args\": {\"rx_ring\": \"rj_up_rx\", \"tx_ring\": \"rj_up_tx\"}},"
	"{\"name\": \"p1\", \"role\": \"pod\", \"driver\": \"ring\", "
	"\"args\": {\"rx_ring\": \"rj_p1_rx\", \"tx_ring\": \"rj_p1_tx\"}}],"
	"\"routes\": ["
	"{\"dst\": \"default\", \"gateway\": \"192.168.60.1\"},"
	"{\"dst\": \"10.244.1.0/24\", \"gateway\": \"192.168.60.11\", "
	"\"dev\": \"up\"},"
	"{\"dst\": \"10.244.2.0/24\", \"dev\": \"p1\"},"
	"{\"dst\": \"10.99.0.0/16\", \"type\": \"blackhole\"},"
	"{\"dst\": \"10.98.0.0/16\", \"type\": \"unreachable\"},"
	"{\"dst\": \"10.244.7.0/24\", \"encap\": {\"type\": \"vxlan\", "
	"\"remote\": \"192.168.60.11\", \"vni\": 5, "
	"\"mac\": \"0e:00:00:00:00:0b\"}},"
	"{\"dst\": \"10.244.8.0/24\", \"encap\": {\"type\": \"vxlan\", "
	"\"remote\": \"192.168.60.12\"}}]}";

static void
test_file_routes(void)
{
	static const char *const want[] = {
		"{\"type\":\"unicast\",\"dst\":\"0.0.0.0/0\",\"gateway\":"
		"\"192.168.60.1\",\"dev\":\"up\",\"protocol\":\"static\","
		"\"scope\":\"global\"}",
		"{\"type\":\"unicast\",\"dst\":\"10.244.2.0/24\",\"dev\":"
		"\"p1\",\"protocol\":\"static\",\"scope\":\"link\"}",
		"{\"type\":\"blackhole\",\"dst\":\"10.99.0.0/16\","
		"\"protocol\":\"static\",\"scope\":\"global\"}",
		"{\"type\":\"unreachable\",\"dst\":\"10.98.0.0/16\","
		"\"protocol\":\"static\",\"scope\":\"global\"}",
		"{\"type\":\"unicast\",\"dst\":\"10.244.7.0/24\",\"encap\":"
		"{\"type\":\"vxlan\",\"vni\":5,\"remote\":\"192.168.60.11\","
		"\"mac\":\"0e:00:00:00:00:0b\"},\"protocol\":\"static\","
		"\"scope\":\"global\"}",
		"{\"type\":\"unicast\",\"dst\":\"10.244.8.0/24\",\"encap\":"
		"{\"type\":\"vxlan\",\"vni\":1,\"remote\":\"192.168.60.12\"},"
		"\"protocol\":\"static\",\"scope\":\"global\"}",
	};
	struct ps_dataplane *fdp = calloc(1, sizeof(*fdp));
	char *text, *jans = strdup("[");
	struct ps_config cfg;
	unsigned int i;
	size_t len;

	CU_ASSERT_PTR_NOT_NULL_FATAL(fdp);
	CU_ASSERT_EQUAL_FATAL(ps_test_dp_start(file_config, fdp, &cfg), 0);
	text = rest_routes_text(fdp, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	for (i = 0; i < RTE_DIM(want); i++) {
		if (strstr(text, want[i]) == NULL)
			printf("\nnot in the list: %s\n%s\n", want[i], text);
		CU_ASSERT_PTR_NOT_NULL(strstr(text, want[i]));
	}
	/* and the jansson writer agrees on this table too */
	dp = *fdp;
	CU_ASSERT_EQUAL(ps_route_walk(fdp->routes, dump_cb, &jans), 0);
	jans = realloc(jans, strlen(jans) + 3);
	CU_ASSERT_PTR_NOT_NULL_FATAL(jans);
	strcat(jans, "]\n");
	CU_ASSERT_STRING_EQUAL(text, jans);
	free(jans);
	free(text);
	ps_test_dp_stop(fdp, &cfg);
	free(fdp);
}

int
main(int argc, char **argv)
{
	CU_pSuite s;

	(void)argc;
	if (ps_test_eal_init(argv[0]) < 0 || ps_test_load_profiles() < 0)
		return 1;
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("route_json", NULL, NULL);
	if (s == NULL)
		return 1;
	CU_add_test(s, "text and jansson writers agree on every route kind",
		    test_writers_agree);
	CU_add_test(s, "an empty table", test_empty_table);
	CU_add_test(s, "the file's routes, installed: every kind",
		    test_file_routes);
	return ps_test_run_cunit();
}
