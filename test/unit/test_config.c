/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Configuration validation. Every file under test/data/config/bad must be
 * rejected with an error naming the JSON path of its .expect sidecar, and
 * every file under good/ and the example config/ directory must load. The
 * directories are scanned, so a new case is a new pair of files, no code.
 * The address helpers, the devargs and the EAL argv built from a parsed
 * configuration are checked at their edges as well.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_common.h>

#include <podswitch/config.h>
#include <podswitch/dataplane.h>
#include <podswitch/port.h>

#include "test_common.h"
#include "ps_build_config.h"

#define MIN_BAD_FILES 20
#define MAX_EAL_ARGV 128

static void
data_dir(char *out, size_t len, const char *sub)
{
	const char *env = getenv("PS_TEST_DATA");

	/* Run by hand from the build tree, fall back to the source tree. */
	if (env != NULL && env[0] != '\0')
		snprintf(out, len, "%s/%s", env, sub);
	else
		snprintf(out, len, "%s/../test/data/%s", PS_DRIVERS_DIR_SOURCE,
			 sub);
}

static char *
read_text(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t cap = 0, len = 0, n;

	if (f == NULL)
		return NULL;
	do {
		if (len + 4096 + 1 > cap) {
			char *b = realloc(buf, cap + 8192);

			if (b == NULL) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = b;
			cap += 8192;
		}
		n = fread(buf + len, 1, 4096, f);
		len += n;
	} while (n > 0);
	fclose(f);
	buf[len] = '\0';
	return buf;
}

static int
json_filter(const struct dirent *d)
{
	size_t len = strlen(d->d_name);

	return len > 5 && strcmp(d->d_name + len - 5, ".json") == 0;
}

/* The *.json names in dir, sorted; -errno if it cannot be read. */
static int
list_json(const char *dir, struct dirent ***names)
{
	int n = scandir(dir, names, json_filter, alphasort);

	return n < 0 ? -errno : n;
}

static void
free_list(struct dirent **names, int n)
{
	int i;

	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

static void
errors_join(const struct ps_errors *errs, char *out, size_t len)
{
	size_t off = 0;
	unsigned int i;

	out[0] = '\0';
	for (i = 0; i < errs->count && off < len; i++) {
		int n = snprintf(out + off, len - off, "\n    %s", errs->msgs[i]);

		if (n < 0)
			break;
		off += (size_t)n;
	}
}

/* An error "<path>: <message>" with substr in the message, if given. */
static bool
has_error(const struct ps_errors *errs, const char *path, const char *substr)
{
	size_t plen = strlen(path);
	unsigned int i;

	for (i = 0; i < errs->count; i++) {
		const char *m = errs->msgs[i];

		if (strncmp(m, path, plen) == 0 && m[plen] == ':' &&
		    (substr == NULL || strstr(m + plen + 1, substr) != NULL))
			return true;
	}
	return false;
}

static int
load_file(const char *path, struct ps_config *cfg, struct ps_errors *errs)
{
	int rc = ps_config_load(path, cfg, errs);

	if (rc < 0) {
		fprintf(stderr, "%s:\n", path);
		ps_errors_print(errs, stderr);
	}
	return rc;
}

static int
load_good(const char *name, struct ps_config *cfg)
{
	struct ps_errors errs = { 0 };
	char dir[PATH_MAX], path[PATH_MAX + 64];
	int rc;

	data_dir(dir, sizeof(dir), "config/good");
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	rc = load_file(path, cfg, &errs);
	CHECK(rc == 0, "%s rejected with %u errors", path, errs.count);
	ps_errors_free(&errs);
	return rc;
}

static const struct ps_port_config *
find_port(const struct ps_config *cfg, const char *name)
{
	unsigned int i;

	for (i = 0; i < cfg->nb_ports; i++)
		if (strcmp(cfg->ports[i].name, name) == 0)
			return &cfg->ports[i];
	return NULL;
}

static bool
mac_is(const struct rte_ether_addr *m, const char *s)
{
	struct rte_ether_addr want;

	return ps_parse_mac(s, &want) == 0 && rte_is_same_ether_addr(m, &want);
}

static bool
arg_is(const struct ps_port_config *pc, const char *key, const char *value)
{
	const char *v = pc != NULL ? ps_port_arg(pc, key) : NULL;

	return v != NULL && strcmp(v, value) == 0;
}

/* --- address helpers --- */

static void
test_parse_ip4(void)
{
	static const char *const bad[] = { "10.0.0.256", "10.0.0", "10.0.0.1.2",
		"", " 10.0.0.1", "10.0.0.1 ", "010.0.0.1", "0x0a.0.0.1", "10..0.1",
		"-1.0.0.0", "10.0.0.1/32", "1e1.0.0.1", "4294967295" };
	uint32_t a = 0x12345678;
	unsigned int i;

	CU_ASSERT_EQUAL(ps_parse_ip4("10.244.0.2", &a), 0);
	/* network byte order: the first octet is the first byte in memory */
	CU_ASSERT_EQUAL(a, rte_cpu_to_be_32(0x0af40002));
	CU_ASSERT_EQUAL(((const uint8_t *)&a)[0], 10);
	CU_ASSERT_EQUAL(((const uint8_t *)&a)[3], 2);
	CU_ASSERT_EQUAL(ps_parse_ip4("0.0.0.0", &a), 0);
	CU_ASSERT_EQUAL(a, 0);
	CU_ASSERT_EQUAL(ps_parse_ip4("255.255.255.255", &a), 0);
	CU_ASSERT_EQUAL(a, 0xffffffffu);
	for (i = 0; i < RTE_DIM(bad); i++)
		CHECK(ps_parse_ip4(bad[i], &a) == -EINVAL,
		      "ps_parse_ip4(\"%s\") accepted", bad[i]);
	CU_ASSERT_EQUAL(ps_parse_ip4(NULL, &a), -EINVAL);
}

static void
test_parse_prefix4(void)
{
	static const char *const bad[] = { "10.0.0.1/33", "10.0.0.1/",
		"10.0.0.1", "/24", "10.0.0.1/-1", "10.0.0.1/+8", "10.0.0.1/24x",
		"10.0.0.1/ 24", "10.0.0.1/24 ", "10.0.0.256/24", "10.0.0/24",
		"10.0.0.1//24", "10.0.0.1/99999999999999999999", "", "/",
		"10.0.0.1/0x10", "255.255.255.255.255.255.255.255.255/8" };
	struct ps_prefix4 p;
	unsigned int i;

	CU_ASSERT_EQUAL(ps_parse_prefix4("10.244.0.0/16", &p), 0);
	CU_ASSERT_EQUAL(p.addr, rte_cpu_to_be_32(0x0af40000));
	CU_ASSERT_EQUAL(p.len, 16);
	CU_ASSERT_EQUAL(ps_parse_prefix4("0.0.0.0/0", &p), 0);
	CU_ASSERT_EQUAL(p.addr, 0);
	CU_ASSERT_EQUAL(p.len, 0);
	CU_ASSERT_EQUAL(ps_parse_prefix4("10.0.0.1/32", &p), 0);
	CU_ASSERT_EQUAL(p.addr, rte_cpu_to_be_32(0x0a000001));
	CU_ASSERT_EQUAL(p.len, 32);
	/* host bits are the caller's business: node.ip has them */
	CU_ASSERT_EQUAL(ps_parse_prefix4("192.168.60.10/24", &p), 0);
	CU_ASSERT_EQUAL(p.addr, rte_cpu_to_be_32(0xc0a83c0a));
	CU_ASSERT_EQUAL(p.len, 24);
	CU_ASSERT_EQUAL(ps_parse_prefix4("10.0.0.0/08", &p), 0);
	CU_ASSERT_EQUAL(p.len, 8);
	for (i = 0; i < RTE_DIM(bad); i++)
		CHECK(ps_parse_prefix4(bad[i], &p) == -EINVAL,
		      "ps_parse_prefix4(\"%s\") accepted", bad[i]);
	CU_ASSERT_EQUAL(ps_parse_prefix4(NULL, &p), -EINVAL);
}

static void
test_parse_mac(void)
{
	static const char *const bad[] = { "01:02:03:04:05", "0a:0b:0c:0d:0e:0g",
		"0a-0b-0c-0d-0e-0f", "0a:0b:0c:0d:0e:0f:", "0a:0b:0c:0d:0e:0f0",
		"a:b:c:d:e:f", "", "0a:0b:0c:0d:0e: f", "0a:0b:0c:0d:0e:+f",
		"0a:0b:0c:0d:0e::0f", "0a0b0c0d0e0f", "0a:0b:0c:0d:0e:0f ",
		"0a:0b:0c:0d:0e0:f" };
	struct rte_ether_addr m;
	unsigned int i;

	CU_ASSERT_EQUAL(ps_parse_mac("02:00:0a:f4:00:02", &m), 0);
	CU_ASSERT_EQUAL(m.addr_bytes[0], 0x02);
	CU_ASSERT_EQUAL(m.addr_bytes[2], 0x0a);
	CU_ASSERT_EQUAL(m.addr_bytes[3], 0xf4);
	CU_ASSERT_EQUAL(m.addr_bytes[5], 0x02);
	CU_ASSERT_EQUAL(ps_parse_mac("AA:bb:Cc:dD:EE:ff", &m), 0);
	CU_ASSERT_EQUAL(m.addr_bytes[0], 0xaa);
	CU_ASSERT_EQUAL(m.addr_bytes[5], 0xff);
	/* the parser takes any MAC; only the config insists on unicast */
	CU_ASSERT_EQUAL(ps_parse_mac("01:00:5e:00:00:01", &m), 0);
	CU_ASSERT_EQUAL(ps_parse_mac("ff:ff:ff:ff:ff:ff", &m), 0);
	CU_ASSERT_TRUE(rte_is_broadcast_ether_addr(&m));
	for (i = 0; i < RTE_DIM(bad); i++)
		CHECK(ps_parse_mac(bad[i], &m) == -EINVAL,
		      "ps_parse_mac(\"%s\") accepted", bad[i]);
	CU_ASSERT_EQUAL(ps_parse_mac(NULL, &m), -EINVAL);
}

static void
test_prefix4_contains(void)
{
	struct ps_prefix4 p;

	CU_ASSERT_EQUAL_FATAL(ps_parse_prefix4("10.244.0.0/24", &p), 0);
	CU_ASSERT_TRUE(ps_prefix4_contains(&p, ps_ip("10.244.0.0")));
	CU_ASSERT_TRUE(ps_prefix4_contains(&p, ps_ip("10.244.0.255")));
	CU_ASSERT_FALSE(ps_prefix4_contains(&p, ps_ip("10.244.1.0")));
	CU_ASSERT_FALSE(ps_prefix4_contains(&p, ps_ip("10.243.255.255")));
	CU_ASSERT_FALSE(ps_prefix4_contains(&p, ps_ip("0.244.0.10")));

	/* /0 holds every address; the mask must not be a 32-bit shift */
	CU_ASSERT_EQUAL_FATAL(ps_parse_prefix4("0.0.0.0/0", &p), 0);
	CU_ASSERT_TRUE(ps_prefix4_contains(&p, ps_ip("0.0.0.0")));
	CU_ASSERT_TRUE(ps_prefix4_contains(&p, ps_ip("255.255.255.255")));
	CU_ASSERT_TRUE(ps_prefix4_contains(&p, ps_ip("10.1.2.3")));
	CU_ASSERT_EQUAL_FATAL(ps_parse_prefix4("10.1.2.3/0", &p), 0);
	CU_ASSERT_TRUE(ps_prefix4_contains(&p, ps_ip("192.168.0.1")));

	CU_ASSERT_EQUAL_FATAL(ps_parse_prefix4("10.1.2.3/32", &p), 0);
	CU_ASSERT_TRUE(ps_prefix4_contains(&p, ps_ip("10.1.2.3")));
	CU_ASSERT_FALSE(ps_prefix4_contains(&p, ps_ip("10.1.2.2")));
	CU_ASSERT_FALSE(ps_prefix4_contains(&p, ps_ip("10.1.2.4")));

	/* the top bit, where a signed shift would go wrong */
	CU_ASSERT_EQUAL_FATAL(ps_parse_prefix4("128.0.0.0/1", &p), 0);
	CU_ASSERT_TRUE(ps_prefix4_contains(&p, ps_ip("255.0.0.1")));
	CU_ASSERT_FALSE(ps_prefix4_contains(&p, ps_ip("127.255.255.255")));

	/* host bits in the prefix do not matter */
	CU_ASSERT_EQUAL_FATAL(ps_parse_prefix4("192.168.60.10/24", &p), 0);
	CU_ASSERT_TRUE(ps_prefix4_contains(&p, ps_ip("192.168.60.200")));
	CU_ASSERT_FALSE(ps_prefix4_contains(&p, ps_ip("192.168.61.10")));
}

/* --- driver profiles --- */

static void
test_profiles(void)
{
	const struct ps_profile *pr;
	unsigned int i;
	bool sfs = false;

	/* podswitch's own backend: no ethdev, no devargs */
	pr = ps_profile_find("af_packet");
	CU_ASSERT_PTR_NOT_NULL_FATAL(pr);
	CU_ASSERT_EQUAL(pr->kind, PS_PROFILE_AF_PACKET);
	CU_ASSERT_TRUE(pr->nb_args >= 1 && pr->args[0].required);
	/* DPDK's PMD, an ethdev */
	pr = ps_profile_find("af_packet-pmd");
	CU_ASSERT_PTR_NOT_NULL_FATAL(pr);
	CU_ASSERT_EQUAL(pr->kind, PS_PROFILE_VDEV);
	CU_ASSERT_STRING_EQUAL(pr->vdev_prefix, "net_af_packet");
	CU_ASSERT_STRING_EQUAL(pr->queues_kvarg, "qpairs");
	CU_ASSERT_EQUAL(pr->rx_desc, 512);
	CU_ASSERT_TRUE(pr->nb_args >= 1 && pr->args[0].required);

	pr = ps_profile_find("vhost-user");
	CU_ASSERT_PTR_NOT_NULL_FATAL(pr);
	for (i = 0; i < pr->nb_eal_args; i++)
		sfs |= strcmp(pr->eal_args[i], "--single-file-segments") == 0;
	CU_ASSERT_TRUE(sfs);

	pr = ps_profile_find("ring");
	CU_ASSERT_PTR_NOT_NULL_FATAL(pr);
	CU_ASSERT_EQUAL(pr->kind, PS_PROFILE_RING);
	pr = ps_profile_find("pci");
	CU_ASSERT_PTR_NOT_NULL_FATAL(pr);
	CU_ASSERT_EQUAL(pr->kind, PS_PROFILE_PCI);
	CU_ASSERT_STRING_EQUAL(pr->args[0].kvarg, "");

	CU_ASSERT_PTR_NULL(ps_profile_find("e1000"));
	CU_ASSERT_PTR_NULL(ps_profile_find(""));
}

static void
test_profiles_bad_dir(void)
{
	struct ps_errors errs = { 0 };
	char dir[1024];
	int rc;

	rc = ps_profiles_load("/nonexistent/podswitch-drivers", &errs);
	CU_ASSERT_TRUE(rc < 0);
	CU_ASSERT_TRUE(has_error(&errs, "/nonexistent/podswitch-drivers",
				 "cannot read driver profiles"));
	ps_errors_free(&errs);

	/* a path longer than the message buffer is cut, not overrun */
	memset(dir, 'x', sizeof(dir) - 1);
	dir[0] = '/';
	dir[sizeof(dir) - 1] = '\0';
	rc = ps_profiles_load(dir, &errs);
	CU_ASSERT_TRUE(rc < 0);
	CU_ASSERT_EQUAL(errs.count, 1);
	if (errs.count == 1)
		CU_ASSERT_EQUAL(strncmp(errs.msgs[0], "/xxx", 4), 0);
	ps_errors_free(&errs);

	/* the rest of the tests need them back */
	CU_ASSERT_FATAL(ps_test_load_profiles() > 0);
}

/* --- bad files --- */

static void
check_bad_file(const char *dir, const char *name)
{
	struct ps_errors errs = { 0 };
	struct ps_config cfg;
	char path[PATH_MAX + 256], xpath[PATH_MAX + 256], got[8192];
	char *expect, *line, *save = NULL;
	unsigned int i, nb_lines = 0;
	int rc;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(xpath, sizeof(xpath), "%.*s.expect",
		 (int)(strlen(path) - strlen(".json")), path);
	expect = read_text(xpath);
	if (!CHECK(expect != NULL, "%s has no sidecar %s", name, xpath))
		return;

	rc = ps_config_load(path, &cfg, &errs);
	errors_join(&errs, got, sizeof(got));
	CHECK(rc < 0, "%s was accepted", name);
	if (rc == 0)
		ps_config_free(&cfg);
	CHECK(errs.count > 0, "%s: no error reported", name);
	for (i = 0; i < errs.count; i++)
		CHECK(errs.msgs[i][0] == '$' && strstr(errs.msgs[i], ": ") != NULL,
		      "%s: error not as \"<json path>: <message>\": %s", name,
		      errs.msgs[i]);

	for (line = strtok_r(expect, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		char *tab, *substr = NULL;
		size_t len = strlen(line);

		if (len > 0 && line[len - 1] == '\r')
			line[--len] = '\0';
		if (len == 0)
			continue;
		nb_lines++;
		tab = strchr(line, '\t');
		if (tab != NULL) {
			*tab = '\0';
			substr = tab + 1;
		}
		CHECK(has_error(&errs, line, substr),
		      "%s: no error at %s%s%s%s; got:%s", name, line,
		      substr != NULL ? " saying \"" : "",
		      substr != NULL ? substr : "", substr != NULL ? "\"" : "",
		      got);
	}
	CHECK(nb_lines > 0, "%s is empty", xpath);
	free(expect);
	ps_errors_free(&errs);
}

static void
test_bad_files(void)
{
	struct dirent **names;
	char dir[PATH_MAX];
	int n, i;

	data_dir(dir, sizeof(dir), "config/bad");
	n = list_json(dir, &names);
	if (!CHECK(n >= 0, "cannot read %s: %s", dir, strerror(-n)))
		return;
	CHECK(n >= MIN_BAD_FILES, "%s holds %d .json files, at least %d wanted",
	      dir, n, MIN_BAD_FILES);
	for (i = 0; i < n; i++)
		check_bad_file(dir, names[i]->d_name);
	printf("\n    %d bad files checked ", n);
	free_list(names, n);
}

/* Every .expect belongs to a .json, or a renamed case would go unchecked. */
static void
test_bad_no_orphan_expect(void)
{
	char dir[PATH_MAX], path[PATH_MAX + 256];
	struct dirent *d;
	DIR *dp;

	data_dir(dir, sizeof(dir), "config/bad");
	dp = opendir(dir);
	CU_ASSERT_PTR_NOT_NULL_FATAL(dp);
	while ((d = readdir(dp)) != NULL) {
		size_t len = strlen(d->d_name);
		FILE *f;

		if (len <= 7 || strcmp(d->d_name + len - 7, ".expect") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%.*s.json", dir,
			 (int)(len - 7), d->d_name);
		f = fopen(path, "r");
		CHECK(f != NULL, "%s has no .json", d->d_name);
		if (f != NULL)
			fclose(f);
	}
	closedir(dp);
}

/* The string entry point used by the REST API reports like the file one. */
static void
test_bad_strings(void)
{
	static const struct {
		const char *text;
		const char *path;
		const char *substr;
	} cases[] = {
		{ "{", "$", "line 1" },
		{ "", "$", "line" },
		{ "[1]", "$", "JSON object" },
		{ "{\"ports\": []}", "$.node", "required key missing" },
		{ "{\"node\": 1, \"ports\": 1}", "$.ports", "must be an array" },
	};
	unsigned int i;

	for (i = 0; i < RTE_DIM(cases); i++) {
		struct ps_errors errs = { 0 };
		struct ps_config cfg;
		char got[2048];
		int rc = ps_config_load_string(cases[i].text, &cfg, &errs);

		errors_join(&errs, got, sizeof(got));
		CHECK(rc == -EINVAL, "\"%s\" gave %d", cases[i].text, rc);
		if (rc == 0)
			ps_config_free(&cfg);
		CHECK(has_error(&errs, cases[i].path, cases[i].substr),
		      "\"%s\": no error at %s saying \"%s\"; got:%s", cases[i].text,
		      cases[i].path, cases[i].substr, got);
		ps_errors_free(&errs);
	}
}

/* A rejected file leaves nothing behind: the EAL args are freed. */
static void
test_bad_releases(void)
{
	static const char *const text =
		"{ \"node\": { \"name\": \"n\", \"ip\": \"192.168.60.10/24\","
		"  \"mac\": \"02:00:00:00:00:0a\", \"pod_cidr\": \"10.244.0.0/24\","
		"  \"gateway_ip\": \"10.244.0.1\" },"
		"  \"ports\": [ { \"name\": \"p\", \"role\": \"pod\","
		"    \"driver\": \"af_packet\" } ],"
		"  \"dpdk\": { \"eal_args\": [\"--no-pci\", \"--no-huge\"] } }";
	struct ps_errors errs = { 0 };
	struct ps_config cfg;

	CU_ASSERT_EQUAL(ps_config_load_string(text, &cfg, &errs), -EINVAL);
	CU_ASSERT_EQUAL(errs.count, 1);
	CU_ASSERT_TRUE(has_error(&errs, "$.ports[0].args.iface", "required"));
	CU_ASSERT_EQUAL(cfg.nb_eal_args, 0);
	ps_errors_free(&errs);
}

/* --- good files --- */

static void
test_good_all_load(void)
{
	struct dirent **names;
	char dir[PATH_MAX];
	int n, i;

	data_dir(dir, sizeof(dir), "config/good");
	n = list_json(dir, &names);
	if (!CHECK(n >= 3, "%s holds %d .json files, at least 3 wanted", dir, n))
		return;
	for (i = 0; i < n; i++) {
		struct ps_config cfg;

		if (load_good(names[i]->d_name, &cfg) == 0)
			ps_config_free(&cfg);
	}
	free_list(names, n);
}

static void
test_good_minimal(void)
{
	const struct ps_port_config *pc;
	struct ps_config cfg;

	if (load_good("minimal.json", &cfg) < 0)
		return;
	CU_ASSERT_STRING_EQUAL(cfg.node_name, "node-min");
	CU_ASSERT_EQUAL(cfg.node_ip.addr, rte_cpu_to_be_32(0xc0a83c0a));
	CU_ASSERT_EQUAL(cfg.node_ip.len, 24);
	CU_ASSERT_TRUE(mac_is(&cfg.node_mac, "02:00:00:00:00:0a"));
	CU_ASSERT_EQUAL(cfg.pod_cidr.addr, rte_cpu_to_be_32(0x0af40000));
	CU_ASSERT_EQUAL(cfg.pod_cidr.len, 24);
	CU_ASSERT_EQUAL(cfg.gateway_ip, rte_cpu_to_be_32(0x0af40001));
	/* absent optional prefixes stay zeroed */
	CU_ASSERT_EQUAL(cfg.cluster_cidr.len, 0);
	CU_ASSERT_EQUAL(cfg.service_cidr.len, 0);
	CU_ASSERT_STRING_EQUAL(cfg.node_zone, "");

	/* defaults of every optional section */
	CU_ASSERT_EQUAL(cfg.overlay_mode, PS_OVERLAY_HOST_GW);
	CU_ASSERT_EQUAL(cfg.vni, 1);
	CU_ASSERT_EQUAL(cfg.udp_port, 4789);
	CU_ASSERT_EQUAL(cfg.nb_workers, 1);
	CU_ASSERT_EQUAL(cfg.worker_cpus[0], 1);
	CU_ASSERT_EQUAL(cfg.burst, 32);
	CU_ASSERT_EQUAL(cfg.idle_sleep_max_us, 200);
	CU_ASSERT_EQUAL(cfg.nat_port_min, 1024);
	CU_ASSERT_EQUAL(cfg.nat_port_max, 65535);
	CU_ASSERT_EQUAL(cfg.fdb_size, 65536);
	CU_ASSERT_EQUAL(cfg.routes_size, 65536);
	CU_ASSERT_EQUAL(cfg.neighbors_size, 16384);
	CU_ASSERT_EQUAL(cfg.services_size, 16384);
	CU_ASSERT_EQUAL(cfg.endpoints_size, 262144);
	CU_ASSERT_EQUAL(cfg.conntrack_size, 1048576);
	CU_ASSERT_EQUAL(cfg.fdb_age_s, 300);
	CU_ASSERT_EQUAL(cfg.ct_timeouts.tcp_syn_sent, 120);
	CU_ASSERT_EQUAL(cfg.ct_timeouts.tcp_syn_recv, 60);
	CU_ASSERT_EQUAL(cfg.ct_timeouts.tcp_established, 86400);
	CU_ASSERT_EQUAL(cfg.ct_timeouts.tcp_fin_wait, 120);
	CU_ASSERT_EQUAL(cfg.ct_timeouts.tcp_close_wait, 60);
	CU_ASSERT_EQUAL(cfg.ct_timeouts.tcp_last_ack, 30);
	CU_ASSERT_EQUAL(cfg.ct_timeouts.tcp_time_wait, 120);
	CU_ASSERT_EQUAL(cfg.ct_timeouts.tcp_close, 10);
	CU_ASSERT_EQUAL(cfg.ct_timeouts.udp_single, 30);
	CU_ASSERT_EQUAL(cfg.ct_timeouts.udp_stream, 120);
	CU_ASSERT_EQUAL(cfg.ct_timeouts.icmp, 30);
	CU_ASSERT_STRING_EQUAL(cfg.api_unix_socket, "/run/podswitch/api.sock");
	CU_ASSERT_STRING_EQUAL(cfg.api_listen, "");
	CU_ASSERT_STRING_EQUAL(cfg.api_metrics_listen, "");
	CU_ASSERT_STRING_EQUAL(cfg.api_socket_group, "");
	CU_ASSERT_STRING_EQUAL(cfg.api_token, "");
	CU_ASSERT_EQUAL(cfg.nb_eal_args, 0);
	CU_ASSERT_FALSE(cfg.svc_announce_arp);
	/* kernel.local_services "auto" without a host port: off */
	CU_ASSERT_EQUAL(cfg.kernel_svc, PS_KERNEL_SVC_OFF);
	CU_ASSERT_STRING_EQUAL(cfg.kernel_nft_table, "podswitch");
	CU_ASSERT_STRING_EQUAL(cfg.kernel_nft, "nft");

	CU_ASSERT_EQUAL_FATAL(cfg.nb_ports, 1);
	pc = &cfg.ports[0];
	CU_ASSERT_STRING_EQUAL(pc->name, "pod-a1");
	CU_ASSERT_EQUAL(pc->role, PS_ROLE_POD);
	CU_ASSERT_STRING_EQUAL(pc->driver, "af_packet");
	CU_ASSERT_EQUAL(pc->rx_queues, 1);
	/* only given args are stored; profile defaults apply in the devargs */
	CU_ASSERT_EQUAL(pc->nb_args, 1);
	CU_ASSERT_TRUE(arg_is(pc, "iface", "vps1"));
	CU_ASSERT_PTR_NULL(ps_port_arg(pc, "blocksz"));
	CU_ASSERT_FALSE(pc->has_pod);
	ps_config_free(&cfg);
}

static void
test_good_full(void)
{
	const struct ps_port_config *pc;
	struct ps_config cfg;

	if (load_good("full.json", &cfg) < 0)
		return;
	CU_ASSERT_STRING_EQUAL(cfg.node_name, "node-full");
	CU_ASSERT_STRING_EQUAL(cfg.node_zone, "zone-b");
	CU_ASSERT_EQUAL(cfg.node_ip.addr, rte_cpu_to_be_32(0xc0a83c0b));
	CU_ASSERT_EQUAL(cfg.node_ip.len, 24);
	CU_ASSERT_TRUE(mac_is(&cfg.node_mac, "02:00:00:00:00:0b"));
	CU_ASSERT_EQUAL(cfg.pod_cidr.addr, rte_cpu_to_be_32(0x0af40100));
	CU_ASSERT_EQUAL(cfg.gateway_ip, rte_cpu_to_be_32(0x0af40101));
	CU_ASSERT_EQUAL(cfg.cluster_cidr.addr, rte_cpu_to_be_32(0x0af40000));
	CU_ASSERT_EQUAL(cfg.cluster_cidr.len, 16);
	CU_ASSERT_EQUAL(cfg.service_cidr.addr, rte_cpu_to_be_32(0x0a600000));
	CU_ASSERT_EQUAL(cfg.service_cidr.len, 12);

	CU_ASSERT_EQUAL(cfg.overlay_mode, PS_OVERLAY_HOST_GW);
	CU_ASSERT_EQUAL(cfg.vni, 7);
	CU_ASSERT_EQUAL(cfg.udp_port, 4790);

	CU_ASSERT_EQUAL(cfg.nb_workers, 3);
	CU_ASSERT_EQUAL(cfg.worker_cpus[0], 1);
	CU_ASSERT_EQUAL(cfg.worker_cpus[1], 2);
	CU_ASSERT_EQUAL(cfg.worker_cpus[2], 4);
	CU_ASSERT_EQUAL(cfg.burst, 64);
	CU_ASSERT_EQUAL(cfg.idle_sleep_max_us, 0);
	/* "auto" with a host port: on */
	CU_ASSERT_EQUAL(cfg.kernel_svc, PS_KERNEL_SVC_ON);
	CU_ASSERT_STRING_EQUAL(cfg.kernel_nft_table, "ps_full-1");
	CU_ASSERT_STRING_EQUAL(cfg.kernel_nft, "/usr/sbin/nft");

	/* the edges of the table bounds are accepted */
	CU_ASSERT_EQUAL(cfg.fdb_size, 8);
	CU_ASSERT_EQUAL(cfg.routes_size, 1024);
	CU_ASSERT_EQUAL(cfg.neighbors_size, 2048);
	CU_ASSERT_EQUAL(cfg.services_size, 512);
	CU_ASSERT_EQUAL(cfg.endpoints_size, 4096);
	CU_ASSERT_EQUAL(cfg.conntrack_size, 1u << 26);
	CU_ASSERT_EQUAL(cfg.fdb_age_s, 60);
	/* given timeouts (at their bounds) replace defaults, others stay */
	CU_ASSERT_EQUAL(cfg.ct_timeouts.tcp_established, 3600);
	CU_ASSERT_EQUAL(cfg.ct_timeouts.udp_single, 1);
	CU_ASSERT_EQUAL(cfg.ct_timeouts.icmp, 31536000);
	CU_ASSERT_EQUAL(cfg.ct_timeouts.tcp_syn_sent, 120);
	CU_ASSERT_EQUAL(cfg.ct_timeouts.udp_stream, 120);
	CU_ASSERT_EQUAL(cfg.nat_port_min, 1);
	CU_ASSERT_EQUAL(cfg.nat_port_max, 29999);
	CU_ASSERT_TRUE(cfg.svc_announce_arp);
	CU_ASSERT_STRING_EQUAL(cfg.api_unix_socket, "/tmp/podswitch-test/api.sock");
	CU_ASSERT_STRING_EQUAL(cfg.api_listen, "127.0.0.1:9880");
	CU_ASSERT_STRING_EQUAL(cfg.api_metrics_listen, "127.0.0.1:9100");
	CU_ASSERT_STRING_EQUAL(cfg.api_socket_group, "podswitch");
	CU_ASSERT_STRING_EQUAL(cfg.api_token, "0123-abcd.XYZ_~+/=");
	CU_ASSERT_EQUAL_FATAL(cfg.nb_eal_args, 4);
	CU_ASSERT_STRING_EQUAL(cfg.eal_args[0], "--no-pci");
	CU_ASSERT_STRING_EQUAL(cfg.eal_args[1], "-m");
	CU_ASSERT_STRING_EQUAL(cfg.eal_args[2], "512");
	CU_ASSERT_STRING_EQUAL(cfg.eal_args[3], "--file-prefix=full");

	CU_ASSERT_EQUAL_FATAL(cfg.nb_ports, 5);
	pc = &cfg.ports[0];
	CU_ASSERT_STRING_EQUAL(pc->name, "uplink0");
	CU_ASSERT_EQUAL(pc->role, PS_ROLE_UPLINK);
	CU_ASSERT_EQUAL(pc->rx_queues, 2);
	CU_ASSERT_TRUE(arg_is(pc, "iface", "eth0"));
	/* numbers and booleans become devargs text */
	CU_ASSERT_TRUE(arg_is(pc, "blocksz", "8192"));
	CU_ASSERT_TRUE(arg_is(pc, "qdisc_bypass", "0"));
	CU_ASSERT_FALSE(pc->has_pod);

	pc = &cfg.ports[1];
	CU_ASSERT_STRING_EQUAL(pc->name, "host0");
	CU_ASSERT_EQUAL(pc->role, PS_ROLE_HOST);
	CU_ASSERT_STRING_EQUAL(pc->driver, "tap");
	CU_ASSERT_TRUE(arg_is(pc, "mac", "02:00:00:00:01:01"));

	pc = &cfg.ports[2];
	CU_ASSERT_STRING_EQUAL(pc->name, "pod-b1");
	CU_ASSERT_STRING_EQUAL(pc->driver, "vhost-user");
	CU_ASSERT_TRUE(arg_is(pc, "path", "/run/podswitch/pod-b1.sock"));
	CU_ASSERT_TRUE(arg_is(pc, "client", "1"));
	CU_ASSERT_TRUE(pc->has_pod);
	CU_ASSERT_EQUAL(pc->pod_ip, rte_cpu_to_be_32(0x0af40102));
	CU_ASSERT_TRUE(mac_is(&pc->pod_mac, "02:00:0a:f4:01:02"));

	pc = find_port(&cfg, "pod-b2");
	CU_ASSERT_PTR_NOT_NULL_FATAL(pc);
	CU_ASSERT_TRUE(arg_is(pc, "start_queue", "0"));
	CU_ASSERT_TRUE(pc->has_pod);
	CU_ASSERT_EQUAL(pc->pod_ip, ps_ip("10.244.1.254"));
	CU_ASSERT_TRUE(mac_is(&pc->pod_mac, "02:00:0a:f4:01:fe"));

	pc = find_port(&cfg, "pod_b.3");
	CU_ASSERT_PTR_NOT_NULL_FATAL(pc);
	CU_ASSERT_EQUAL(pc->role, PS_ROLE_POD);
	CU_ASSERT_TRUE(arg_is(pc, "id", "3"));
	CU_ASSERT_FALSE(pc->has_pod);
	ps_config_free(&cfg);
}

static void
test_good_vxlan(void)
{
	const struct ps_port_config *pc;
	struct ps_config cfg;

	if (load_good("vxlan.json", &cfg) < 0)
		return;
	CU_ASSERT_EQUAL(cfg.overlay_mode, PS_OVERLAY_VXLAN);
	CU_ASSERT_EQUAL(cfg.vni, (1u << 24) - 1);
	CU_ASSERT_EQUAL(cfg.udp_port, 4789);
	CU_ASSERT_EQUAL(cfg.node_ip.addr, rte_cpu_to_be_32(0xac100005));
	CU_ASSERT_EQUAL(cfg.node_ip.len, 16);
	CU_ASSERT_EQUAL(cfg.nb_workers, 1);
	CU_ASSERT_EQUAL(cfg.worker_cpus[0], 3);
	CU_ASSERT_STRING_EQUAL(cfg.api_unix_socket, "/run/podswitch/api.sock");
	CU_ASSERT_STRING_EQUAL(cfg.api_listen, "0.0.0.0:65535");
	CU_ASSERT_STRING_EQUAL(cfg.api_metrics_listen,
			       "/run/podswitch/metrics.sock");

	CU_ASSERT_EQUAL_FATAL(cfg.nb_ports, 3);
	pc = &cfg.ports[0];
	CU_ASSERT_STRING_EQUAL(pc->driver, "pci");
	CU_ASSERT_TRUE(arg_is(pc, "address", "0000:03:00.0"));
	pc = &cfg.ports[1];
	CU_ASSERT_STRING_EQUAL(pc->driver, "virtio-user");
	CU_ASSERT_TRUE(arg_is(pc, "server", "1"));
	CU_ASSERT_EQUAL(pc->pod_ip, ps_ip("10.244.2.2"));
	pc = &cfg.ports[2];
	CU_ASSERT_STRING_EQUAL(pc->driver, "ring");
	CU_ASSERT_TRUE(arg_is(pc, "rx_ring", "c2_rx"));
	CU_ASSERT_TRUE(arg_is(pc, "tx_ring", "c2_tx"));
	CU_ASSERT_EQUAL(pc->pod_ip, rte_cpu_to_be_32(0x0af40203));
	CU_ASSERT_TRUE(mac_is(&pc->pod_mac, "02:00:0a:f4:02:03"));

	CU_ASSERT_EQUAL_FATAL(cfg.nb_routes, 2);
	CU_ASSERT_TRUE(cfg.routes[0].vxlan);
	CU_ASSERT_EQUAL(cfg.routes[0].vxlan_vni, 1);
	CU_ASSERT_EQUAL(cfg.routes[0].vxlan_remote, ps_ip("172.16.0.3"));
	CU_ASSERT_TRUE(cfg.routes[0].vxlan_has_mac);
	CU_ASSERT_TRUE(mac_is(&cfg.routes[0].vxlan_mac, "0e:6c:2b:00:00:03"));
	/* the VNI defaults to the overlay's; no MAC given */
	CU_ASSERT_TRUE(cfg.routes[1].vxlan);
	CU_ASSERT_EQUAL(cfg.routes[1].vxlan_vni, (1u << 24) - 1);
	CU_ASSERT_FALSE(cfg.routes[1].vxlan_has_mac);
	CU_ASSERT_EQUAL(cfg.routes[1].gateway, 0);
	ps_config_free(&cfg);
}

/* The example configurations shipped in config/ must stay loadable. */
static void
test_example_configs(void)
{
	struct dirent **names;
	char data[PATH_MAX], dir[PATH_MAX + 16];
	int n, i;

	data_dir(data, sizeof(data), "");
	snprintf(dir, sizeof(dir), "%s/../../config", data);
	n = list_json(dir, &names);
	if (n == -ENOENT)
		return;
	if (!CHECK(n >= 0, "cannot read %s: %s", dir, strerror(-n)))
		return;
	for (i = 0; i < n; i++) {
		struct ps_errors errs = { 0 };
		struct ps_config cfg;
		char path[PATH_MAX + 300];
		int rc;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		rc = load_file(path, &cfg, &errs);
		CHECK(rc == 0, "example %s rejected with %u errors",
		      names[i]->d_name, errs.count);
		if (rc == 0)
			ps_config_free(&cfg);
		ps_errors_free(&errs);
	}
	free_list(names, n);
}

/* --- devargs and EAL arguments from a parsed configuration --- */

static const char *const ports_config =
	"{ \"node\": { \"name\": \"node-d\", \"ip\": \"192.168.60.10/24\","
	"  \"mac\": \"02:00:00:00:00:0a\", \"pod_cidr\": \"10.244.0.0/24\","
	"  \"gateway_ip\": \"10.244.0.1\" },"
	"  \"ports\": ["
	"  { \"name\": \"pod-a1\", \"role\": \"pod\", \"driver\": \"af_packet-pmd\","
	"    \"args\": { \"iface\": \"vps1\" } },"
	"  { \"name\": \"pod-a2\", \"role\": \"pod\", \"driver\": \"af_packet-pmd\","
	"    \"args\": { \"framecnt\": 1024, \"iface\": \"vps2\","
	"      \"qdisc_bypass\": false } },"
	"  { \"name\": \"pod-v1\", \"role\": \"pod\", \"driver\": \"vhost-user\","
	"    \"args\": { \"path\": \"/run/podswitch/pod-v1.sock\" } },"
	"  { \"name\": \"pod-v2\", \"role\": \"pod\", \"driver\": \"vhost-user\","
	"    \"args\": { \"client\": true, \"path\": \"/tmp/v2.sock\" } },"
	"  { \"name\": \"host0\", \"role\": \"host\", \"driver\": \"tap\","
	"    \"args\": { \"iface\": \"ps-host\" } } ] }";

static void
check_devargs(const struct ps_config *cfg, unsigned int idx, uint16_t nb_queues,
	      const char *want)
{
	const struct ps_port_config *pc = &cfg->ports[idx];
	const struct ps_profile *pr = ps_profile_find(pc->driver);
	char out[512];
	int rc;

	if (!CHECK(pr != NULL, "no profile %s", pc->driver))
		return;
	rc = ps_port_devargs(pc, pr, nb_queues, out, sizeof(out));
	CHECK(rc == (int)strlen(want) && strcmp(out, want) == 0,
	      "%s: devargs \"%s\" (%d), want \"%s\"", pc->name,
	      rc >= 0 ? out : "", rc, want);
}

static void
test_port_devargs(void)
{
	const struct ps_profile *pr;
	struct ps_errors errs = { 0 };
	struct ps_config cfg;
	char out[512];
	size_t len;

	CU_ASSERT_EQUAL_FATAL(ps_config_load_string(ports_config, &cfg, &errs), 0);
	/* the profile's arg order, defaults filled in, whatever the config order */
	check_devargs(&cfg, 0, 1,
		      "net_af_packet_pod-a1,qpairs=1,iface=vps1,blocksz=4096,"
		      "framesz=2048,framecnt=512,qdisc_bypass=1");
	check_devargs(&cfg, 1, 2,
		      "net_af_packet_pod-a2,qpairs=2,iface=vps2,blocksz=4096,"
		      "framesz=2048,framecnt=1024,qdisc_bypass=0");
	/* "path" goes out under the driver's name for it, iface */
	check_devargs(&cfg, 2, 1,
		      "net_vhost_pod-v1,queues=1,iface=/run/podswitch/pod-v1.sock,"
		      "client=0,iommu-support=0");
	check_devargs(&cfg, 3, 4,
		      "net_vhost_pod-v2,queues=4,iface=/tmp/v2.sock,client=1,"
		      "iommu-support=0");
	/* no queues kvarg, and an optional arg without default is left out */
	check_devargs(&cfg, 4, 1, "net_tap_host0,iface=ps-host");

	/* too small a buffer fails at every stage instead of truncating */
	pr = ps_profile_find("af_packet-pmd");
	CU_ASSERT_PTR_NOT_NULL_FATAL(pr);
	len = strlen("net_af_packet_pod-a1,qpairs=1,iface=vps1,blocksz=4096,"
		     "framesz=2048,framecnt=512,qdisc_bypass=1");
	CU_ASSERT_EQUAL(ps_port_devargs(&cfg.ports[0], pr, 1, out, len + 1),
			(int)len);
	CU_ASSERT_EQUAL(ps_port_devargs(&cfg.ports[0], pr, 1, out, len),
			-ENAMETOOLONG);
	CU_ASSERT_EQUAL(ps_port_devargs(&cfg.ports[0], pr, 1, out, 20),
			-ENAMETOOLONG);
	CU_ASSERT_EQUAL(ps_port_devargs(&cfg.ports[0], pr, 1, out, 30),
			-ENAMETOOLONG);
	ps_config_free(&cfg);
}

static int
count_arg(char **argv, int argc, const char *s)
{
	int i, n = 0;

	for (i = 0; i < argc; i++)
		n += strcmp(argv[i], s) == 0;
	return n;
}

/* argv for a config of two ports of driver, with dpdk.eal_args and
 * dpdk_extra (members of "dpdk" after it, each after a comma). */
static int
eal_argv_x(const char *driver, const char *eal_args, const char *dpdk_extra,
	   char **argv, int max)
{
	/* a vhost-user port is named by its socket, the others by an iface */
	bool vhost = strcmp(driver, "vhost-user") == 0;
	const char *key = vhost ? "path" : "iface";
	const char *val = vhost ? "/tmp/vpe" : "vpe";
	struct ps_errors errs = { 0 };
	struct ps_config cfg;
	char text[2048];
	int argc;

	snprintf(text, sizeof(text),
		 "{ \"node\": { \"name\": \"node-e\", \"ip\": \"192.168.60.10/24\","
		 "  \"mac\": \"02:00:00:00:00:0a\", \"pod_cidr\": \"10.244.0.0/24\","
		 "  \"gateway_ip\": \"10.244.0.1\" },"
		 "  \"ports\": ["
		 "  { \"name\": \"pod-e1\", \"role\": \"pod\", \"driver\": \"%s\","
		 "    \"args\": { \"%s\": \"%s1\" } },"
		 "  { \"name\": \"pod-e2\", \"role\": \"pod\", \"driver\": \"%s\","
		 "    \"args\": { \"%s\": \"%s2\" } } ],"
		 "  \"workers\": { \"lcores\": \"1\" },"
		 "  \"dpdk\": { \"eal_args\": [%s]%s } }",
		 driver, key, val, driver, key, val, eal_args, dpdk_extra);
	if (ps_config_load_string(text, &cfg, &errs) < 0) {
		ps_errors_print(&errs, stderr);
		ps_errors_free(&errs);
		return -EINVAL;
	}
	memset(argv, 0, sizeof(*argv) * max);
	argc = ps_eal_args_from_config(&cfg, "podswitch", argv, max);
	ps_config_free(&cfg);
	return argc;
}

static int
eal_argv(const char *driver, const char *eal_args, char **argv, int max)
{
	return eal_argv_x(driver, eal_args, "", argv, max);
}

/* dpdk.secondary: the hugepage files stay for dpdk-dumpcap; a value
 * that is no boolean is refused by its path. */
static void
test_eal_args_secondary(void)
{
	struct ps_errors errs = { 0 };
	char *argv[MAX_EAL_ARGV];
	struct ps_config cfg;
	unsigned int i;
	int argc;

	argc = eal_argv_x("af_packet", "", ", \"secondary\": true", argv,
			  MAX_EAL_ARGV);
	CU_ASSERT_FATAL(argc > 0);
	CU_ASSERT_EQUAL(count_arg(argv, argc, "--huge-unlink"), 0);
	CU_ASSERT_EQUAL(count_arg(argv, argc, "--file-prefix=podswitch-node-e"), 1);
	ps_eal_args_free(argv, MAX_EAL_ARGV);
	argc = eal_argv_x("af_packet", "", ", \"secondary\": false", argv,
			  MAX_EAL_ARGV);
	CU_ASSERT_FATAL(argc > 0);
	CU_ASSERT_EQUAL(count_arg(argv, argc, "--huge-unlink"), 1);
	ps_eal_args_free(argv, MAX_EAL_ARGV);
	CU_ASSERT_EQUAL(ps_config_load_string(
		"{ \"node\": { \"name\": \"n\", \"ip\": \"192.168.60.10/24\","
		"  \"mac\": \"02:00:00:00:00:0a\", \"pod_cidr\": \"10.244.0.0/24\","
		"  \"gateway_ip\": \"10.244.0.1\" }, \"ports\": [],"
		"  \"dpdk\": { \"secondary\": \"yes\" } }", &cfg, &errs), -EINVAL);
	for (i = 0; i < errs.count; i++)
		if (strstr(errs.msgs[i], "$.dpdk.secondary: must be a boolean"))
			break;
	CHECK(i < errs.count, "no error names $.dpdk.secondary");
	ps_errors_free(&errs);
}

static void
test_eal_args_af_packet(void)
{
	char *argv[MAX_EAL_ARGV];
	int argc, i;

	argc = eal_argv("af_packet", "\"--no-huge\"", argv, MAX_EAL_ARGV);
	CU_ASSERT_FATAL(argc > 0);
	CU_ASSERT_STRING_EQUAL(argv[0], "podswitch");
	CU_ASSERT_STRING_EQUAL(argv[1], "--no-huge");
	CU_ASSERT_PTR_NULL(argv[argc]);
	CU_ASSERT_EQUAL(count_arg(argv, argc, "--lcores"), 1);
	for (i = 0; i < argc - 1; i++) {
		if (strcmp(argv[i], "--lcores") == 0) {
			const char *v = argv[i + 1];
			size_t len = strlen(v);

			/* main lcore 0 floats, worker lcore 1 sits on CPU 1 */
			CU_ASSERT_EQUAL(strncmp(v, "0@(", 3), 0);
			CU_ASSERT_TRUE(len > 4 && strcmp(v + len - 4, ",1@1") == 0);
		}
	}
	CU_ASSERT_EQUAL(count_arg(argv, argc, "--file-prefix=podswitch-node-e"), 1);
	/* --no-huge has no hugepage files to unlink; EAL refuses both */
	CU_ASSERT_EQUAL(count_arg(argv, argc, "--huge-unlink"), 0);
	CU_ASSERT_EQUAL(count_arg(argv, argc, "--single-file-segments"), 0);
	ps_eal_args_free(argv, MAX_EAL_ARGV);
}

static void
test_eal_args_vhost(void)
{
	char *argv[MAX_EAL_ARGV];
	int argc;

	/* two vhost-user ports still give the flag once */
	argc = eal_argv("vhost-user", "\"--no-huge\"", argv, MAX_EAL_ARGV);
	CU_ASSERT_FATAL(argc > 0);
	CU_ASSERT_EQUAL(count_arg(argv, argc, "--single-file-segments"), 1);
	CU_ASSERT_EQUAL(count_arg(argv, argc, "--lcores"), 1);
	CU_ASSERT_EQUAL(count_arg(argv, argc, "--file-prefix=podswitch-node-e"), 1);
	CU_ASSERT_EQUAL(count_arg(argv, argc, "--huge-unlink"), 0);
	ps_eal_args_free(argv, MAX_EAL_ARGV);

	/* already in dpdk.eal_args: not repeated; and with hugepages still no
	 * --huge-unlink, which EAL refuses next to --single-file-segments */
	argc = eal_argv("vhost-user", "\"--single-file-segments\"", argv,
			MAX_EAL_ARGV);
	CU_ASSERT_FATAL(argc > 0);
	CU_ASSERT_EQUAL(count_arg(argv, argc, "--single-file-segments"), 1);
	CU_ASSERT_EQUAL(count_arg(argv, argc, "--huge-unlink"), 0);
	ps_eal_args_free(argv, MAX_EAL_ARGV);

	/* hugepages and no shared segments: their files are unlinked */
	argc = eal_argv("af_packet", "", argv, MAX_EAL_ARGV);
	CU_ASSERT_FATAL(argc > 0);
	CU_ASSERT_EQUAL(count_arg(argv, argc, "--huge-unlink"), 1);
	CU_ASSERT_EQUAL(count_arg(argv, argc, "--single-file-segments"), 0);
	ps_eal_args_free(argv, MAX_EAL_ARGV);
}

static void
test_eal_args_given(void)
{
	char *argv[MAX_EAL_ARGV];
	int argc, i;

	argc = eal_argv("af_packet", "\"--file-prefix=x\", \"-l\", \"0,1\", "
			"\"--in-memory\"", argv, MAX_EAL_ARGV);
	CU_ASSERT_FATAL(argc > 0);
	for (i = 0; i < argc; i++)
		CHECK(strncmp(argv[i], "--file-prefix", 13) != 0 ||
		      strcmp(argv[i], "--file-prefix=x") == 0,
		      "second file prefix %s", argv[i]);
	CU_ASSERT_EQUAL(count_arg(argv, argc, "--file-prefix=x"), 1);
	CU_ASSERT_EQUAL(count_arg(argv, argc, "--lcores"), 0);
	CU_ASSERT_EQUAL(count_arg(argv, argc, "--huge-unlink"), 0);
	CU_ASSERT_EQUAL(argc, 5);
	ps_eal_args_free(argv, MAX_EAL_ARGV);

	/* the two-word form counts as given too */
	argc = eal_argv("af_packet", "\"--file-prefix\", \"y\"", argv,
			MAX_EAL_ARGV);
	CU_ASSERT_FATAL(argc > 0);
	for (i = 0; i < argc; i++)
		CHECK(strncmp(argv[i], "--file-prefix=", 14) != 0,
		      "second file prefix %s", argv[i]);
	ps_eal_args_free(argv, MAX_EAL_ARGV);

	/* no room: an error, never an argv without its terminating NULL */
	argc = eal_argv("af_packet", "\"--no-huge\"", argv, 4);
	CU_ASSERT_EQUAL(argc, -E2BIG);
	ps_eal_args_free(argv, 4);
}

/* The driver profiles, which the configuration checks need (no EAL). */
static int
prepare(const char *argv0)
{
	RTE_SET_USED(argv0);
	if (ps_test_load_profiles() <= 0) {
		fprintf(stderr, "cannot load driver profiles from %s\n",
			ps_profiles_default_dir());
		return -1;
	}
	return 0;
}

static const struct ps_test tests_addr[] = {
	{ "ps_parse_ip4 edges", test_parse_ip4 },
	{ "ps_parse_prefix4 edges", test_parse_prefix4 },
	{ "ps_parse_mac edges", test_parse_mac },
	{ "ps_prefix4_contains edges and /0", test_prefix4_contains },
};

static const struct ps_test tests_profiles[] = {
	{ "driver profiles loaded from drivers-cfg", test_profiles },
	{ "unreadable profile directory is an error", test_profiles_bad_dir },
};

static const struct ps_test tests_bad[] = {
	{ "every bad/*.json is rejected at its expected path", test_bad_files },
	{ "every bad/*.expect has its .json", test_bad_no_orphan_expect },
	{ "bad strings through ps_config_load_string", test_bad_strings },
	{ "a rejected config releases its EAL args", test_bad_releases },
};

static const struct ps_test tests_good[] = {
	{ "every good/*.json loads", test_good_all_load },
	{ "minimal config gets the defaults", test_good_minimal },
	{ "full config: every section parsed", test_good_full },
	{ "vxlan overlay config", test_good_vxlan },
	{ "example configs in config/ load", test_example_configs },
};

static const struct ps_test tests_startup[] = {
	{ "ps_port_devargs from profiles", test_port_devargs },
	{ "EAL args: af_packet with --no-huge", test_eal_args_af_packet },
	{ "EAL args: vhost-user needs --single-file-segments",
	  test_eal_args_vhost },
	{ "eal_args_secondary", test_eal_args_secondary },
	{ "EAL args: options given are not added again", test_eal_args_given },
};

PS_TEST_MAIN(prepare,
	     PS_SUITE("addr", NULL, NULL, tests_addr),
	     PS_SUITE("profiles", NULL, NULL, tests_profiles),
	     PS_SUITE("bad", NULL, NULL, tests_bad),
	     PS_SUITE("good", NULL, NULL, tests_good),
	     PS_SUITE("startup", NULL, NULL, tests_startup))
