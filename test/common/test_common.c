/* SPDX-License-Identifier: BSD-3-Clause */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_arp.h>
#include <rte_eal.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_ring.h>

#include <podswitch/fdb.h>

#include "test_common.h"
#include "ps_build_config.h"

static char runtime_dir[PATH_MAX];

/*
 * At exit: EAL's own cleanup, then the runtime directory it made
 * (/var/run/dpdk/<prefix>), which rte_eal_cleanup() leaves behind, so that
 * test runs do not pile up directories.
 */
static void
eal_fini(void)
{
	struct dirent *de;
	char path[PATH_MAX + 256];
	DIR *d;

	rte_eal_cleanup();
	if (runtime_dir[0] == '\0')
		return;
	d = opendir(runtime_dir);
	if (d != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 ||
			    strcmp(de->d_name, "..") == 0)
				continue;
			snprintf(path, sizeof(path), "%s/%s", runtime_dir,
				 de->d_name);
			unlink(path);
		}
		closedir(d);
	}
	if (rmdir(runtime_dir) < 0 && errno != ENOENT)
		fprintf(stderr, "cannot remove %s: %s\n", runtime_dir,
			strerror(errno));
}

int
ps_test_eal_init(const char *name)
{
	char prefix[64], lvl[64];
	char *argv[] = { (char *)(uintptr_t)name, "--no-huge", "-m", "512",
		"--no-pci", "--no-shconf", "-l", "0", prefix, lvl, NULL };
	const char *env = getenv("PS_TEST_LOG_LEVEL");
	const char *base = strrchr(name, '/');

	snprintf(prefix, sizeof(prefix), "--file-prefix=%s-%d",
		 base ? base + 1 : name, (int)getpid());
	snprintf(lvl, sizeof(lvl), "--log-level=%s", env ? env : "lib.eal:warning");
	if (rte_eal_init((int)RTE_DIM(argv) - 1, argv) < 0)
		return -1;
	snprintf(runtime_dir, sizeof(runtime_dir), "%s",
		 rte_eal_get_runtime_dir());
	atexit(eal_fini);
	return 0;
}

int
ps_test_load_profiles(void)
{
	struct ps_errors errs = { 0 };
	int rc = ps_profiles_load(ps_profiles_default_dir(), &errs);

	ps_errors_print(&errs, stderr);
	ps_errors_free(&errs);
	return rc;
}

int
ps_test_run_cunit(void)
{
	unsigned int failed;

	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	/* A suite whose set-up failed ran no test: that is a failure too. */
	failed = CU_get_number_of_tests_failed() +
		 CU_get_number_of_suites_failed();
	CU_cleanup_registry();
	return failed ? 1 : 0;
}

int
ps_test_dp_start(const char *config_json, struct ps_dataplane *dp,
		 struct ps_config *cfg)
{
	struct ps_errors errs = { 0 };
	unsigned int lcore = rte_lcore_id();
	int rc;

	rc = ps_config_load_string(config_json, cfg, &errs);
	if (rc < 0) {
		ps_errors_print(&errs, stderr);
		ps_errors_free(&errs);
		return rc;
	}
	rc = ps_dataplane_init(dp, cfg, &lcore, 1);
	if (rc < 0) {
		ps_config_free(cfg);
		return rc;
	}
	ps_worker_attach(&dp->workers[0]);
	/* This thread is worker 0 and does the management work too: a
	 * writer waiting for a grace period reports for it. */
	dp->mgmt_rcu_id = dp->workers[0].idx;
	return 0;
}

void
ps_test_dp_stop(struct ps_dataplane *dp, struct ps_config *cfg)
{
	ps_worker_detach(&dp->workers[0]);
	ps_dataplane_fini(dp);
	ps_config_free(cfg);
}

void
ps_test_dp_run(struct ps_dataplane *dp, unsigned int rounds)
{
	unsigned int i;

	for (i = 0; i < rounds; i++) {
		ps_worker_poll(&dp->workers[0]);
		ps_mgmt_poll(dp);
	}
}

int
ps_test_inject(struct ps_dataplane *dp, const char *ring, const void *frame,
	       size_t len)
{
	struct rte_ring *r = rte_ring_lookup(ring);
	struct rte_mbuf *m;
	char *p;

	if (r == NULL)
		return -ENOENT;
	m = rte_pktmbuf_alloc(dp->pool);
	if (m == NULL)
		return -ENOMEM;
	p = rte_pktmbuf_append(m, (uint16_t)len);
	if (p == NULL) {
		rte_pktmbuf_free(m);
		return -ENOSPC;
	}
	memcpy(p, frame, len);
	if (rte_ring_enqueue(r, m) != 0) {
		rte_pktmbuf_free(m);
		return -ENOBUFS;
	}
	return 0;
}

unsigned int
ps_test_collect(const char *ring, struct rte_mbuf **out, unsigned int max)
{
	struct rte_ring *r = rte_ring_lookup(ring);

	if (r == NULL)
		return 0;
	return rte_ring_dequeue_burst(r, (void **)out, max, NULL);
}

unsigned int
ps_test_drain(const char *ring)
{
	struct rte_mbuf *m[64];
	unsigned int n, total = 0;

	while ((n = ps_test_collect(ring, m, RTE_DIM(m))) > 0) {
		rte_pktmbuf_free_bulk(m, n);
		total += n;
	}
	return total;
}

void
ps_test_expect_one(const char *ring, const void *frame, size_t len)
{
	struct rte_mbuf *out[8];
	unsigned int n = ps_test_collect(ring, out, RTE_DIM(out));

	CU_ASSERT_EQUAL(n, 1);
	if (n >= 1 && !ps_test_frame_eq(out[0], frame, len)) {
		fprintf(stderr, "  (on %s)\n", ring);
		CU_FAIL("frame differs");
	}
	if (n > 0)
		rte_pktmbuf_free_bulk(out, n);
}

void
ps_test_expect_none(const char *ring)
{
	unsigned int n = ps_test_drain(ring);

	if (n != 0)
		fprintf(stderr, "  %u unexpected frame(s) on %s\n", n, ring);
	CU_ASSERT_EQUAL(n, 0);
}

bool
ps_test_frame_eq(const struct rte_mbuf *m, const void *frame, size_t len)
{
	const uint8_t *a = rte_pktmbuf_mtod(m, const uint8_t *);
	const uint8_t *b = frame;
	size_t i;

	if (m->pkt_len != len || m->data_len != len) {
		fprintf(stderr, "frame length %u, expected %zu\n", m->pkt_len, len);
		return false;
	}
	for (i = 0; i < len; i++) {
		if (a[i] != b[i]) {
			fprintf(stderr, "frame differs at byte %zu: got %02x, expected %02x\n",
				i, a[i], b[i]);
			return false;
		}
	}
	return true;
}

struct rte_ether_addr
ps_mac(const char *s)
{
	struct rte_ether_addr a;

	if (ps_parse_mac(s, &a) < 0)
		memset(&a, 0, sizeof(a));
	return a;
}

uint32_t
ps_ip(const char *s)
{
	uint32_t a = 0;

	ps_parse_ip4(s, &a);
	return a;
}

size_t
ps_build_eth(uint8_t *buf, const char *dst, const char *src,
	     uint16_t ethertype, const void *payload, size_t plen)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)buf;

	eth->dst_addr = ps_mac(dst);
	eth->src_addr = ps_mac(src);
	eth->ether_type = rte_cpu_to_be_16(ethertype);
	if (plen > 0)
		memcpy(eth + 1, payload, plen);
	return sizeof(*eth) + plen;
}

size_t
ps_build_arp(uint8_t *buf, uint16_t op, const char *eth_dst, const char *sha,
	     const char *sip, const char *tha, const char *tip)
{
	struct rte_arp_hdr arp;

	memset(&arp, 0, sizeof(arp));
	arp.arp_hardware = RTE_BE16(RTE_ARP_HRD_ETHER);
	arp.arp_protocol = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	arp.arp_hlen = RTE_ETHER_ADDR_LEN;
	arp.arp_plen = 4;
	arp.arp_opcode = rte_cpu_to_be_16(op);
	arp.arp_data.arp_sha = ps_mac(sha);
	arp.arp_data.arp_sip = ps_ip(sip);
	arp.arp_data.arp_tha = ps_mac(tha);
	arp.arp_data.arp_tip = ps_ip(tip);
	return ps_build_eth(buf, eth_dst, sha, RTE_ETHER_TYPE_ARP, &arp,
			    sizeof(arp));
}

size_t
ps_build_forwarded(uint8_t *buf, const uint8_t *in, size_t len,
		   const char *dst_mac, const char *src_mac)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)buf;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);

	memcpy(buf, in, len);
	eth->dst_addr = ps_mac(dst_mac);
	eth->src_addr = ps_mac(src_mac);
	ip->time_to_live--;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	return len;
}

size_t
ps_build_icmp_error(uint8_t *buf, const uint8_t *in, size_t in_len,
		    const char *dst_mac, const char *src_mac,
		    const char *from_ip, uint8_t type, uint8_t code)
{
	const struct rte_ipv4_hdr *oip = (const struct rte_ipv4_hdr *)
		(in + RTE_ETHER_HDR_LEN);
	size_t quote = RTE_MIN(in_len - RTE_ETHER_HDR_LEN,
			       (size_t)((oip->version_ihl & 0xf) * 4 + 8));
	uint8_t l3[128];
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)l3;
	struct rte_icmp_hdr *icmp = (struct rte_icmp_hdr *)(ip + 1);

	memset(l3, 0, sizeof(l3));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16(sizeof(*ip) + sizeof(*icmp) + quote);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_ICMP;
	ip->src_addr = ps_ip(from_ip);
	ip->dst_addr = oip->src_addr;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	icmp->icmp_type = type;
	icmp->icmp_code = code;
	memcpy(icmp + 1, oip, quote);
	icmp->icmp_cksum = ~rte_raw_cksum(icmp, sizeof(*icmp) + quote);
	return ps_build_eth(buf, dst_mac, src_mac, RTE_ETHER_TYPE_IPV4, l3,
			    sizeof(*ip) + sizeof(*icmp) + quote);
}

size_t
ps_build_icmp_echo(uint8_t *buf, const char *eth_dst, const char *eth_src,
		   const char *ip_src, const char *ip_dst, uint8_t type,
		   uint16_t id, uint16_t seq, uint8_t ttl, size_t payload_len)
{
	uint8_t l3[1500];
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)l3;
	struct rte_icmp_hdr *icmp = (struct rte_icmp_hdr *)(ip + 1);
	uint8_t *data = (uint8_t *)(icmp + 1);
	size_t i, tlen = sizeof(*ip) + sizeof(*icmp) + payload_len;

	memset(l3, 0, sizeof(l3));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16((uint16_t)tlen);
	ip->packet_id = RTE_BE16(0x1234);
	ip->fragment_offset = RTE_BE16(RTE_IPV4_HDR_DF_FLAG);
	ip->time_to_live = ttl;
	ip->next_proto_id = IPPROTO_ICMP;
	ip->src_addr = ps_ip(ip_src);
	ip->dst_addr = ps_ip(ip_dst);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	icmp->icmp_type = type;
	icmp->icmp_ident = rte_cpu_to_be_16(id);
	icmp->icmp_seq_nb = rte_cpu_to_be_16(seq);
	for (i = 0; i < payload_len; i++)
		data[i] = (uint8_t)i;
	icmp->icmp_cksum = ~rte_raw_cksum(icmp, sizeof(*icmp) + payload_len);
	return ps_build_eth(buf, eth_dst, eth_src, RTE_ETHER_TYPE_IPV4, l3, tlen);
}
