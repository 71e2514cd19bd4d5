/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/util (podswitch/inet.h, jsonpath.h, errors.h) and the one route
 * reader of lib/config that the file and the REST API share: what each
 * accepts, and the path and words of what it refuses.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include <rte_log.h>

#include <podswitch/config.h>
#include <podswitch/inet.h>
#include <podswitch/jsonpath.h>
#include <podswitch/log.h>
#include <podswitch/prom.h>

#include "test_common.h"

/* Whether errs holds "<path>: ..." containing substr. */
static bool
has(const struct ps_errors *errs, const char *path, const char *substr)
{
	size_t plen = strlen(path);
	unsigned int i;

	for (i = 0; i < errs->count; i++)
		if (strncmp(errs->msgs[i], path, plen) == 0 &&
		    errs->msgs[i][plen] == ':' &&
		    strstr(errs->msgs[i] + plen, substr) != NULL)
			return true;
	printf("\nno \"%s: ...%s...\" in:\n", path, substr);
	ps_errors_print(errs, stdout);
	return false;
}

static void
test_inet(void)
{
	struct ps_prefix4 p;
	const char *why = NULL;
	char s[PS_PREFIX4_STRLEN];

	CU_ASSERT_EQUAL(ps_prefix4_mask(0), 0);
	CU_ASSERT_EQUAL(ps_prefix4_mask(1), 0x80000000u);
	CU_ASSERT_EQUAL(ps_prefix4_mask(24), 0xffffff00u);
	CU_ASSERT_EQUAL(ps_prefix4_mask(32), 0xffffffffu);
	CU_ASSERT_EQUAL(ps_prefix4_net(ps_ip("10.1.2.3"), 16), ps_ip("10.1.0.0"));
	CU_ASSERT_EQUAL(ps_prefix4_net(ps_ip("10.1.2.3"), 0), 0);

	CU_ASSERT_TRUE(ps_ip4_is_unicast(ps_ip("10.0.0.1")));
	CU_ASSERT_TRUE(ps_ip4_is_unicast(ps_ip("223.255.255.255")));
	CU_ASSERT_FALSE(ps_ip4_is_unicast(ps_ip("0.0.0.0")));
	CU_ASSERT_FALSE(ps_ip4_is_unicast(ps_ip("127.0.0.1")));
	CU_ASSERT_FALSE(ps_ip4_is_unicast(ps_ip("224.0.0.1")));
	CU_ASSERT_FALSE(ps_ip4_is_unicast(ps_ip("240.0.0.1")));
	CU_ASSERT_FALSE(ps_ip4_is_unicast(ps_ip("255.255.255.255")));

	CU_ASSERT_EQUAL(ps_ip4_fmt(s, ps_ip("0.0.0.0")), 7);
	CU_ASSERT_STRING_EQUAL(s, "0.0.0.0");
	CU_ASSERT_EQUAL(ps_ip4_fmt(s, ps_ip("255.255.255.255")), 15);
	CU_ASSERT_STRING_EQUAL(s, "255.255.255.255");
	ps_ip4_fmt(s, ps_ip("10.200.9.100"));
	CU_ASSERT_STRING_EQUAL(s, "10.200.9.100");
	p.addr = ps_ip("255.255.255.255");
	p.len = 32;
	CU_ASSERT_EQUAL(ps_prefix4_fmt(s, &p), 18);
	CU_ASSERT_STRING_EQUAL(s, "255.255.255.255/32");

	CU_ASSERT_EQUAL(ps_parse_prefix4_strict("default", &p, &why), 0);
	CU_ASSERT(p.addr == 0 && p.len == 0);
	CU_ASSERT_EQUAL(ps_parse_prefix4_strict("0.0.0.0/0", &p, &why), 0);
	CU_ASSERT_EQUAL(ps_parse_prefix4_strict("10.1.0.0/16", &p, &why), 0);
	CU_ASSERT(p.addr == ps_ip("10.1.0.0") && p.len == 16);
	CU_ASSERT_EQUAL(ps_parse_prefix4_strict("10.1.0.1/16", &p, &why),
			-EINVAL);
	CU_ASSERT_STRING_EQUAL(why, "host bits are set");
	CU_ASSERT_EQUAL(ps_parse_prefix4_strict("10.1.0.0", &p, &why), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "must be a prefix"));
	CU_ASSERT_EQUAL(ps_parse_prefix4_strict("10.1.0.0/33", &p, &why),
			-EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "not a valid IPv4 prefix"));
	CU_ASSERT_EQUAL(ps_parse_prefix4_strict("Default", &p, &why), -EINVAL);

	CU_ASSERT_TRUE(ps_icmp_is_error(PS_ICMP_DEST_UNREACH));
	CU_ASSERT_TRUE(ps_icmp_is_error(PS_ICMP_TIME_EXCEEDED));
	CU_ASSERT_TRUE(ps_icmp_is_error(PS_ICMP_PARAM_PROBLEM));
	CU_ASSERT_FALSE(ps_icmp_is_error(0));
	CU_ASSERT_FALSE(ps_icmp_is_error(8));
}

static void
test_jsonpath(void)
{
	json_t *o = json_loads("{\"s\": \"abc\", \"e\": \"\", \"n\": null, "
			       "\"i\": 70000, \"b\": 1, \"a.b/c\": 1}", 0, NULL);
	struct ps_errors errs = { 0 };
	static const char *const keys[] = { "s", "e", "n", "i", "b", NULL };
	char p[PS_JPATH_MAX], s[4];
	uint64_t u;
	bool b;

	CU_ASSERT_PTR_NOT_NULL_FATAL(o);
	ps_jpath_key(p, "", "dst");
	CU_ASSERT_STRING_EQUAL(p, "dst");
	ps_jpath_key(p, "$.x", "podswitch.io/y");
	CU_ASSERT_STRING_EQUAL(p, "$.x[\"podswitch.io/y\"]");
	ps_jpath_idx(p, "routes", 3);
	CU_ASSERT_STRING_EQUAL(p, "routes[3]");

	/* the configuration's words */
	CU_ASSERT_EQUAL(ps_json_unknown_keys(o, "$", keys, NULL, &errs), 1);
	CU_ASSERT_TRUE(has(&errs, "$[\"a.b/c\"]", "unknown key"));
	CU_ASSERT_EQUAL(ps_json_unknown_keys(o, "", keys, "x has s", &errs), 1);
	CU_ASSERT_TRUE(has(&errs, "a.b/c", "unknown field (x has s)"));
	CU_ASSERT_FALSE(ps_json_string(o, "$", "s", 0, s, 3, &errs));
	CU_ASSERT_TRUE(has(&errs, "$.s", "longer than 2 characters"));
	CU_ASSERT_TRUE(ps_json_string(o, "$", "s", 0, s, sizeof(s), &errs));
	CU_ASSERT_STRING_EQUAL(s, "abc");
	CU_ASSERT_FALSE(ps_json_string(o, "$", "e", 0, s, sizeof(s), &errs));
	CU_ASSERT_TRUE(has(&errs, "$.e", "must not be empty"));
	CU_ASSERT_FALSE(ps_json_string(o, "$", "n", 0, s, sizeof(s), &errs));
	CU_ASSERT_TRUE(has(&errs, "$.n", "must be a string"));
	CU_ASSERT_FALSE(ps_json_string(o, "$", "zz", PS_JP_REQUIRED, s,
				       sizeof(s), &errs));
	CU_ASSERT_TRUE(has(&errs, "$.zz", "required key missing"));
	CU_ASSERT_FALSE(ps_json_uint(o, "$", "i", 0, 1, 65535, &u, &errs));
	CU_ASSERT_TRUE(has(&errs, "$.i", "must be between 1 and 65535, got 70000"));
	CU_ASSERT_FALSE(ps_json_bool(o, "$", "b", 0, &b, &errs));
	CU_ASSERT_TRUE(has(&errs, "$.b", "must be a boolean"));
	ps_errors_free(&errs);

	/* Kubernetes': null is absent, "" is a value, other words */
	CU_ASSERT_PTR_NULL(ps_json_get(o, "n", PS_JP_K8S));
	CU_ASSERT_FALSE(ps_json_string(o, "", "n", PS_JP_K8S, s, sizeof(s),
				       &errs));
	CU_ASSERT_EQUAL(errs.count, 0);
	CU_ASSERT_TRUE(ps_json_string(o, "", "e", PS_JP_K8S, s, sizeof(s),
				      &errs));
	CU_ASSERT_STRING_EQUAL(s, "");
	CU_ASSERT_FALSE(ps_json_string(o, "", "n", PS_JP_K8S | PS_JP_REQUIRED,
				       s, sizeof(s), &errs));
	CU_ASSERT_TRUE(has(&errs, "n", "required"));
	CU_ASSERT_FALSE(ps_json_string(o, "", "s", PS_JP_K8S, s, 3, &errs));
	CU_ASSERT_TRUE(has(&errs, "s", "too long (at most 2 characters)"));
	CU_ASSERT_FALSE(ps_json_uint(o, "", "i", PS_JP_K8S, 1, 65535, &u,
				     &errs));
	CU_ASSERT_TRUE(has(&errs, "i", "must be 1..65535"));
	CU_ASSERT_FALSE(ps_json_bool(o, "", "b", PS_JP_K8S, &b, &errs));
	CU_ASSERT_TRUE(has(&errs, "b", "must be true or false"));
	CU_ASSERT_EQUAL(ps_errors_seen(&errs), 4);
	ps_errors_free(&errs);
	json_decref(o);
}

static const char *const base =
	"{\"node\": {\"name\": \"n\", \"ip\": \"192.168.60.10/24\", "
	"\"mac\": \"02:00:00:00:00:01\", \"pod_cidr\": \"10.244.0.0/24\", "
	"\"gateway_ip\": \"10.244.0.1\"}, \"ports\": [%s], "
	"\"routes\": [%s]}";
#define RING(n) "\"driver\": \"ring\", \"args\": {\"rx_ring\": \"" n \
	"_rx\", \"tx_ring\": \"" n "_tx\"}"
static const char *const ports_uplink =
	"{\"name\": \"up\", \"role\": \"uplink\", " RING("up") "},"
	"{\"name\": \"p1\", \"role\": \"pod\", " RING("p1") "}";

static int
load(const char *ports, const char *routes, struct ps_config *cfg,
     struct ps_errors *errs)
{
	char text[4096];

	snprintf(text, sizeof(text), base, ports, routes);
	return ps_config_load_string(text, cfg, errs);
}

/* The file takes what the API takes: "default", "type", encap. */
static void
test_config_routes(void)
{
	struct ps_errors errs = { 0 };
	struct ps_config cfg;
	int rc;

	rc = load(ports_uplink,
		  "{\"dst\": \"default\", \"gateway\": \"192.168.60.1\"},"
		  "{\"dst\": \"10.99.0.0/16\", \"type\": \"blackhole\"},"
		  "{\"dst\": \"10.98.0.0/16\", \"type\": \"unreachable\"},"
		  "{\"dst\": \"10.97.0.0/16\", \"type\": \"unicast\", "
		  "\"dev\": \"p1\"},"
		  "{\"dst\": \"10.244.7.0/24\", \"encap\": {\"type\": \"vxlan\", "
		  "\"remote\": \"192.168.60.11\", \"vni\": 5}}", &cfg, &errs);
	if (rc != 0)
		ps_errors_print(&errs, stdout);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	CU_ASSERT_EQUAL_FATAL(cfg.nb_routes, 5);
	CU_ASSERT(cfg.routes[0].dst.addr == 0 && cfg.routes[0].dst.len == 0);
	CU_ASSERT_EQUAL(cfg.routes[0].gateway, ps_ip("192.168.60.1"));
	CU_ASSERT_EQUAL(cfg.routes[0].port_slot, 0);	/* the uplink */
	CU_ASSERT_EQUAL(cfg.routes[1].type, PS_ROUTE_T_BLACKHOLE);
	CU_ASSERT_EQUAL(cfg.routes[1].port_slot, -1);
	CU_ASSERT_EQUAL(cfg.routes[2].type, PS_ROUTE_T_UNREACHABLE);
	CU_ASSERT_EQUAL(cfg.routes[3].type, PS_ROUTE_T_UNICAST);
	CU_ASSERT_EQUAL(cfg.routes[3].port_slot, 1);
	CU_ASSERT_STRING_EQUAL(cfg.routes[3].dev, "p1");
	CU_ASSERT_TRUE(cfg.routes[4].vxlan);
	CU_ASSERT_EQUAL(cfg.routes[4].vxlan_vni, 5);
	CU_ASSERT_EQUAL(cfg.routes[4].port_slot, -1);
	ps_config_free(&cfg);
	CU_ASSERT_STRING_EQUAL(ps_route_type_name(PS_ROUTE_T_BLACKHOLE),
			       "blackhole");
}

/* The file refuses what the API refuses, each problem at its path. */
static void
test_config_routes_bad(void)
{
	struct ps_errors errs = { 0 };
	struct ps_config cfg;

	CU_ASSERT_EQUAL(load(ports_uplink,
		"{\"dst\": \"10.1.0.0/16\", \"gateway\": \"127.0.0.1\"},"
		"{\"dst\": \"10.2.0.0/16\", \"gateway\": \"10.244.0.1\"},"
		"{\"dst\": \"10.3.0.0/16\", \"type\": \"blackhole\", "
		"\"dev\": \"up\"},"
		"{\"dst\": \"10.4.0.0/16\", \"type\": \"local\"},"
		"{\"dst\": \"10.5.0.1/16\"},"
		"{\"dst\": \"10.6.0.0/16\", \"dev\": \"nope\"},"
		"{\"dst\": \"10.7.0.0/16\", \"encap\": {\"type\": \"vxlan\", "
		"\"remote\": \"192.168.60.10\"}, \"gateway\": \"10.0.0.1\"},"
		"{\"dst\": \"default\", \"via\": 1}", &cfg, &errs), -EINVAL);
	CU_ASSERT_TRUE(has(&errs, "$.routes[0].gateway",
			   "'127.0.0.1' is not a unicast address"));
	CU_ASSERT_TRUE(has(&errs, "$.routes[1].gateway",
			   "'10.244.0.1' is this node's own address"));
	CU_ASSERT_TRUE(has(&errs, "$.routes[2].dev",
			   "a blackhole route has no dev"));
	CU_ASSERT_TRUE(has(&errs, "$.routes[3].type", "must be \"unicast\""));
	CU_ASSERT_TRUE(has(&errs, "$.routes[4].dst",
			   "'10.5.0.1/16': host bits are set"));
	CU_ASSERT_TRUE(has(&errs, "$.routes[5].dev", "no port named 'nope'"));
	CU_ASSERT_TRUE(has(&errs, "$.routes[6].encap.remote", "own address"));
	CU_ASSERT_TRUE(has(&errs, "$.routes[6].encap",
			   "a route with encap has no gateway or dev"));
	CU_ASSERT_TRUE(has(&errs, "$.routes[7].via", "unknown field"));
	ps_errors_free(&errs);

	/* no dev and no uplink to default to */
	CU_ASSERT_EQUAL(load("{\"name\": \"p1\", \"role\": \"pod\", "
			     RING("p1") "}",
			     "{\"dst\": \"10.1.0.0/16\"}", &cfg, &errs), -EINVAL);
	CU_ASSERT_TRUE(has(&errs, "$.routes[0].dev", "no uplink port"));
	ps_errors_free(&errs);
}

/* The same object under the REST API's paths ("" and "routes[3]"). */
static void
test_route_paths(void)
{
	struct ps_errors errs = { 0 };
	struct ps_route_config rc;
	struct ps_config cfg;
	json_t *j;

	CU_ASSERT_EQUAL_FATAL(load(ports_uplink, "", &cfg, &errs), 0);
	j = json_loads("{\"gateway\": 7, \"foo\": 1}", 0, NULL);
	CU_ASSERT_EQUAL(ps_route_config_parse(j, "", &cfg, cfg.ports,
					      cfg.nb_ports, &rc, &errs),
			-EINVAL);
	CU_ASSERT_TRUE(has(&errs, "dst", "required"));
	CU_ASSERT_TRUE(has(&errs, "gateway", "must be a string"));
	CU_ASSERT_TRUE(has(&errs, "foo", "unknown field (a route has dst, "
			   "gateway, dev, type, encap)"));
	json_decref(j);
	ps_errors_free(&errs);
	j = json_loads("5", JSON_DECODE_ANY, NULL);
	CU_ASSERT_EQUAL(ps_route_config_parse(j, "routes[3]", &cfg, cfg.ports,
					      cfg.nb_ports, &rc, &errs),
			-EINVAL);
	CU_ASSERT_TRUE(has(&errs, "routes[3]", "must be an object"));
	json_decref(j);
	ps_errors_free(&errs);
	ps_config_free(&cfg);
}


/* Each line the log stream writes starts with the UTC time and the
 * level; a change line is one info line of podswitch.change, silenced
 * with the level. */
static void
test_log_lines(void)
{
	char line[256], *nl;
	FILE *f = tmpfile();
	unsigned int n = 0;
	int lt = rte_log_register("podswitch.test_log");

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_TRUE_FATAL(lt >= 0);
	rte_log_set_level(lt, RTE_LOG_DEBUG);
	CU_ASSERT_EQUAL_FATAL(ps_log_stream_open(f), 0);
	rte_log(RTE_LOG_ERR, lt, "one\ntwo\n");
	rte_log(RTE_LOG_WARNING, lt, "three ");
	rte_log(RTE_LOG_WARNING, lt, "continued\n");
	ps_log_change("route", "%s added", "10.244.1.0/24");
	rte_log_set_level(ps_logtype_change, RTE_LOG_WARNING);
	ps_log_change("route", "%s deleted", "10.244.1.0/24");
	rte_log_set_level(ps_logtype_change, RTE_LOG_INFO);
	ps_log_stream_close();
	rewind(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		static const char *const want[] = {
			" ERROR one", " ERROR two", " WARNING three continued",
			" INFO route: 10.244.1.0/24 added",
		};
		unsigned int y, mo, d, h, mi, s, ms;
		char z = 0;

		nl = strchr(line, '\n');
		if (nl != NULL)
			*nl = '\0';
		CU_ASSERT_EQUAL(sscanf(line, "%4u-%2u-%2uT%2u:%2u:%2u.%3u%c",
				       &y, &mo, &d, &h, &mi, &s, &ms, &z), 8);
		CU_ASSERT_EQUAL(z, 'Z');
		if (n < RTE_DIM(want) && strlen(line) > 24)
			CU_ASSERT_STRING_EQUAL(line + 24, want[n]);
		n++;
	}
	CU_ASSERT_EQUAL(n, 4);
	fclose(f);
}

/* The exposition of p, freed by the caller; NULL on failure. */
static char *
prom_text(struct ps_prom *p)
{
	size_t len = 0;
	char *t = ps_prom_text(p, &len);

	CU_ASSERT_PTR_NOT_NULL(t);
	if (t != NULL)
		CU_ASSERT_EQUAL(strlen(t), len);
	return t;
}

static unsigned int
occurrences(const char *hay, const char *needle)
{
	unsigned int n = 0;

	for (; (hay = strstr(hay, needle)) != NULL; hay += strlen(needle))
		n++;
	return n;
}

/* Two writers feeding one family, in any order: HELP and TYPE once,
 * every sample under them, families in the order first declared. */
static void
test_prom_families(void)
{
	struct ps_prom *p = ps_prom_create();
	struct ps_prom_family *a, *b, *a2;
	char *t;

	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	a = ps_prom_family(p, "ps_a_total", PS_PROM_COUNTER, "First A.");
	b = ps_prom_family(p, "ps_b", PS_PROM_GAUGE, "B.");
	ps_prom_add(a, 1, "graph_node", "x", NULL);
	ps_prom_add(b, 7, NULL);
	/* a second module declares A again: same family, first HELP */
	a2 = ps_prom_family(p, "ps_a_total", PS_PROM_COUNTER, "Other A.");
	CU_ASSERT_PTR_EQUAL(a, a2);
	ps_prom_add(a2, 18446744073709551615ull, "graph_node", "y", NULL);
	ps_prom_addf(b, 0.5, "k", "v", NULL);
	t = prom_text(p);
	CU_ASSERT_STRING_EQUAL(t,
		"# HELP ps_a_total First A.\n"
		"# TYPE ps_a_total counter\n"
		"ps_a_total{graph_node=\"x\"} 1\n"
		"ps_a_total{graph_node=\"y\"} 18446744073709551615\n"
		"# HELP ps_b B.\n"
		"# TYPE ps_b gauge\n"
		"ps_b 7\n"
		"ps_b{k=\"v\"} 0.5\n");
	CU_ASSERT_EQUAL(occurrences(t, "# TYPE ps_a_total"), 1);
	CU_ASSERT_EQUAL(ps_prom_errors(p, NULL), 0);
	free(t);
	ps_prom_free(p);
}

/* Label values and HELP escaped as the format says; special floats. */
static void
test_prom_escape(void)
{
	struct ps_prom *p = ps_prom_create();
	struct ps_prom_family *f;
	char *t;

	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	f = ps_prom_family(p, "ps_x", PS_PROM_GAUGE,
			   "Back\\slash and\nnewline, \"quotes\" kept.");
	ps_prom_add(f, 1, "name", "a\"b\\c\nd", "empty", "", NULL);
	ps_prom_addf(f, 1.0 / 0.0, "v", "inf", NULL);
	ps_prom_addf(f, -1.0 / 0.0, "v", "-inf", NULL);
	ps_prom_addf(f, 0.0 / 0.0, "v", "nan", NULL);
	t = prom_text(p);
	CU_ASSERT_STRING_EQUAL(t,
		"# HELP ps_x Back\\\\slash and\\nnewline, \"quotes\" kept.\n"
		"# TYPE ps_x gauge\n"
		"ps_x{name=\"a\\\"b\\\\c\\nd\",empty=\"\"} 1\n"
		"ps_x{v=\"inf\"} +Inf\n"
		"ps_x{v=\"-inf\"} -Inf\n"
		"ps_x{v=\"nan\"} NaN\n");
	free(t);
	ps_prom_free(p);
}

/* Buckets cumulative, +Inf last, _sum and _count; le is the writer's. */
static void
test_prom_histogram(void)
{
	static const double le[] = { 0.01, 0.1, 1 };
	struct ps_prom *p = ps_prom_create();
	struct ps_prom_hist h = { 0 };
	struct ps_prom_family *f;
	char *t;

	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	ps_prom_hist_observe(&h, le, 3, 0.005);
	ps_prom_hist_observe(&h, le, 3, 0.01);	/* le is inclusive */
	ps_prom_hist_observe(&h, le, 3, 0.5);
	ps_prom_hist_observe(&h, le, 3, 4);
	f = ps_prom_family(p, "ps_apply_duration_seconds", PS_PROM_HISTOGRAM,
			   "Apply time.");
	ps_prom_add_hist(f, le, 3, &h, "route", "/v1/apply", NULL);
	ps_prom_add_hist(f, le, 3, &h, NULL);
	/* le is a histogram's own label; a plain sample is refused */
	ps_prom_add_hist(f, le, 3, &h, "le", "1", NULL);
	ps_prom_add(f, 1, NULL);
	CU_ASSERT_EQUAL(ps_prom_errors(p, NULL), 2);
	t = prom_text(p);
	CU_ASSERT_STRING_EQUAL(t,
		"# HELP ps_apply_duration_seconds Apply time.\n"
		"# TYPE ps_apply_duration_seconds histogram\n"
		"ps_apply_duration_seconds_bucket{route=\"/v1/apply\",le=\"0.01\"} 2\n"
		"ps_apply_duration_seconds_bucket{route=\"/v1/apply\",le=\"0.1\"} 2\n"
		"ps_apply_duration_seconds_bucket{route=\"/v1/apply\",le=\"1\"} 3\n"
		"ps_apply_duration_seconds_bucket{route=\"/v1/apply\",le=\"+Inf\"} 4\n"
		"ps_apply_duration_seconds_sum{route=\"/v1/apply\"} 4.515\n"
		"ps_apply_duration_seconds_count{route=\"/v1/apply\"} 4\n"
		"ps_apply_duration_seconds_bucket{le=\"0.01\"} 2\n"
		"ps_apply_duration_seconds_bucket{le=\"0.1\"} 2\n"
		"ps_apply_duration_seconds_bucket{le=\"1\"} 3\n"
		"ps_apply_duration_seconds_bucket{le=\"+Inf\"} 4\n"
		"ps_apply_duration_seconds_sum 4.515\n"
		"ps_apply_duration_seconds_count 4\n");
	free(t);
	ps_prom_free(p);
}

/* What promtool's linter refuses is refused here, and counted. */
static void
test_prom_refused(void)
{
	struct ps_prom *p = ps_prom_create();
	const char *why = NULL;
	char *t;

	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_PTR_NULL(ps_prom_family(p, "ps_packets", PS_PROM_COUNTER,
					  "No _total."));
	CU_ASSERT_EQUAL(ps_prom_errors(p, &why), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "_total"));
	CU_ASSERT_PTR_NULL(ps_prom_family(p, "ps_up_total", PS_PROM_GAUGE,
					  "A gauge with _total."));
	CU_ASSERT_PTR_NULL(ps_prom_family(p, "ps_x_count", PS_PROM_GAUGE,
					  "A histogram's suffix."));
	CU_ASSERT_PTR_NULL(ps_prom_family(p, "ps-bad", PS_PROM_GAUGE, "Dash."));
	CU_ASSERT_PTR_NULL(ps_prom_family(p, "1ps", PS_PROM_GAUGE, "Digit."));
	CU_ASSERT_PTR_NULL(ps_prom_family(p, "ps_nohelp", PS_PROM_GAUGE, ""));
	CU_ASSERT_PTR_NOT_NULL(ps_prom_family(p, "ps_g", PS_PROM_GAUGE, "G."));
	/* one name, two types */
	CU_ASSERT_PTR_NULL(ps_prom_family(p, "ps_g", PS_PROM_HISTOGRAM, "H."));
	/* bad label names drop the sample, not the family */
	ps_prom_add(ps_prom_family(p, "ps_g", PS_PROM_GAUGE, "G."), 1,
		    "bad-label", "x", NULL);
	ps_prom_add(ps_prom_family(p, "ps_g", PS_PROM_GAUGE, "G."), 2,
		    "__reserved", "x", NULL);
	ps_prom_add(NULL, 1, NULL);	/* a refused family takes nothing */
	CU_ASSERT_EQUAL(ps_prom_errors(p, NULL), 9);
	t = prom_text(p);
	CU_ASSERT_STRING_EQUAL(t, "# HELP ps_g G.\n# TYPE ps_g gauge\n");
	free(t);
	ps_prom_free(p);
}

int
main(int argc, char **argv)
{
	CU_pSuite s;

	(void)argc;
	(void)argv;
	if (ps_test_load_profiles() < 0)
		return 1;
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("util", NULL, NULL);
	if (s == NULL)
		return 1;
	CU_add_test(s, "inet: masks, unicast, text, strict prefixes, ICMP",
		    test_inet);
	CU_add_test(s, "jsonpath: paths, words, K8S flag", test_jsonpath);
	CU_add_test(s, "config routes: default, type, encap",
		    test_config_routes);
	CU_add_test(s, "config routes: refused as the API refuses",
		    test_config_routes_bad);
	CU_add_test(s, "route object under REST paths", test_route_paths);
	CU_add_test(s, "prom: one family, many writers", test_prom_families);
	CU_add_test(s, "prom: escaping and special values", test_prom_escape);
	CU_add_test(s, "prom: histogram", test_prom_histogram);
	CU_add_test(s, "prom: names promtool refuses", test_prom_refused);
	CU_add_test(s, "log: time and level on every line, change lines",
		    test_log_lines);
	return ps_test_run_cunit();
}
