/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the packet filter (include/podswitch/pktfilter.h): real
 * frames against tcpdump expressions, each answer checked against
 * libpcap's own BPF interpreter on the same bytes, a frame split over
 * two segments, bad expressions and their messages.
 */
#include <string.h>

#include <pcap/pcap.h>

#include <rte_mbuf.h>
#include <rte_mempool.h>

#include <podswitch/pktfilter.h>

#include "test_common.h"

#define POD_MAC "02:00:0a:f4:00:02"
#define GW_MAC "02:00:00:00:00:0a"

static struct rte_mempool *pool;

struct frame {
	const char *what;
	uint8_t buf[256];
	size_t len;
};

enum { F_ICMP, F_TCP80, F_TCP81, F_UDP53, F_ARP, F_VXLAN, F_MAX };
static struct frame frames[F_MAX];

static void
build_frames(void)
{
	struct ps_l4 l4;
	uint8_t inner[128];
	size_t ilen;

	frames[F_ICMP].what = "icmp echo 10.244.0.2 > 10.96.0.10";
	frames[F_ICMP].len = ps_build_icmp_echo(frames[F_ICMP].buf, GW_MAC,
		POD_MAC, "10.244.0.2", "10.96.0.10", 8, 7, 1, 64, 32);
	frames[F_TCP80].what = "tcp 10.244.0.2:40000 > 10.96.0.10:80 SYN";
	l4 = ps_tcp("10.244.0.2", 40000, "10.96.0.10", 80, 0x02, 1, 0, 0);
	frames[F_TCP80].len = ps_build_l4(frames[F_TCP80].buf, GW_MAC,
					  POD_MAC, &l4);
	frames[F_TCP81].what = "tcp 10.244.0.3:40000 > 10.244.1.5:81 ACK";
	l4 = ps_tcp("10.244.0.3", 40000, "10.244.1.5", 81, 0x10, 1, 1, 10);
	frames[F_TCP81].len = ps_build_l4(frames[F_TCP81].buf, GW_MAC,
					  "02:00:0a:f4:00:03", &l4);
	frames[F_UDP53].what = "udp 10.244.0.2:5353 > 10.96.0.10:53";
	l4 = ps_udp("10.244.0.2", 5353, "10.96.0.10", 53, 20);
	frames[F_UDP53].len = ps_build_l4(frames[F_UDP53].buf, GW_MAC,
					  POD_MAC, &l4);
	frames[F_ARP].what = "arp who-has 10.244.0.1";
	frames[F_ARP].len = ps_build_arp(frames[F_ARP].buf, 1,
		"ff:ff:ff:ff:ff:ff", POD_MAC, "10.244.0.2",
		"00:00:00:00:00:00", "10.244.0.1");
	frames[F_VXLAN].what = "vxlan 192.168.60.10 > 192.168.60.11 (icmp)";
	ilen = ps_build_icmp_echo(inner, "02:00:00:00:00:0b", GW_MAC,
				  "10.244.0.2", "10.244.1.2", 8, 1, 1, 63, 8);
	frames[F_VXLAN].len = ps_build_vxlan(frames[F_VXLAN].buf,
		"02:00:00:00:00:0b", GW_MAC, "192.168.60.10", "192.168.60.11",
		50000, 4789, 1, inner, ilen);
}

static struct rte_mbuf *
mbuf_of(const struct frame *f)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);

	if (!CHECK(m != NULL, "no mbuf"))
		return NULL;
	memcpy(rte_pktmbuf_append(m, (uint16_t)f->len), f->buf, f->len);
	return m;
}

/* What libpcap's own interpreter says of expr on frame f. */
static bool
pcap_says(const char *expr, const struct frame *f)
{
	pcap_t *p = pcap_open_dead(DLT_EN10MB, PS_PKTFILTER_SNAPLEN);
	struct bpf_program prog;
	struct pcap_pkthdr h = { .caplen = (bpf_u_int32)f->len,
				 .len = (bpf_u_int32)f->len };
	bool r;

	CU_ASSERT_FATAL(pcap_compile(p, &prog, expr, 1,
				     PCAP_NETMASK_UNKNOWN) == 0);
	r = pcap_offline_filter(&prog, &h, f->buf) != 0;
	pcap_freecode(&prog);
	pcap_close(p);
	return r;
}

struct expect {
	const char *expr;
	bool match[F_MAX];	/* per frame, in enum order */
};

/* ICMP TCP80 TCP81 UDP53 ARP VXLAN */
static const struct expect expects[] = {
	{ "icmp", { 1, 0, 0, 0, 0, 0 } },
	{ "tcp", { 0, 1, 1, 0, 0, 0 } },
	{ "tcp port 80", { 0, 1, 0, 0, 0, 0 } },
	{ "tcp[tcpflags] & tcp-syn != 0", { 0, 1, 0, 0, 0, 0 } },
	{ "udp and dst port 53", { 0, 0, 0, 1, 0, 0 } },
	{ "arp", { 0, 0, 0, 0, 1, 0 } },
	{ "host 10.96.0.10", { 1, 1, 0, 1, 0, 0 } },
	/* "net" matches ARP's sender address too */
	{ "src net 10.244.0.0/24 and not icmp", { 0, 1, 1, 1, 1, 0 } },
	{ "ether src " POD_MAC, { 1, 1, 0, 1, 1, 0 } },
	{ "udp port 4789", { 0, 0, 0, 0, 0, 1 } },
	{ "ip[8] < 64", { 0, 0, 0, 0, 0, 0 } },
	{ "len > 70", { 1, 0, 0, 0, 0, 1 } },
	/* byte-wide indirect loads (DPDK 22.11 converts them wrong) */
	{ "tcp[13] = 0x10", { 0, 0, 1, 0, 0, 0 } },
	{ "udp[8] = 0x08", { 0, 0, 0, 0, 0, 1 } },
	{ "ip6", { 0, 0, 0, 0, 0, 0 } },
};

static void
test_expressions(void)
{
	unsigned int i, j;

	for (i = 0; i < RTE_DIM(expects); i++) {
		char err[256] = "";
		struct ps_pktfilter *f;

		f = ps_pktfilter_compile(expects[i].expr, err, sizeof(err));
		if (!CHECK(f != NULL, "'%s': %s", expects[i].expr, err))
			continue;
		CU_ASSERT_STRING_EQUAL(ps_pktfilter_expr(f), expects[i].expr);
		for (j = 0; j < F_MAX; j++) {
			struct rte_mbuf *m = mbuf_of(&frames[j]);
			bool got = ps_pktfilter_match(f, m);

			CHECK(got == expects[i].match[j],
			      "'%s' on %s: %d, want %d", expects[i].expr,
			      frames[j].what, got, expects[i].match[j]);
			CHECK(got == pcap_says(expects[i].expr, &frames[j]),
			      "'%s' on %s: libpcap disagrees", expects[i].expr,
			      frames[j].what);
			rte_pktmbuf_free(m);
		}
		ps_pktfilter_free(f);
	}
}

/* x86-64 has DPDK's BPF JIT: the filter runs native there, except a
 * program with a small jset immediate, which 22.11's JIT mis-encodes
 * (it crashed on the SYN of the expressions test). */
static void
test_jit(void)
{
	struct ps_pktfilter *f = ps_pktfilter_compile("tcp port 80", NULL, 0);
	struct ps_pktfilter *g = ps_pktfilter_compile(
		"tcp[tcpflags] & tcp-syn != 0", NULL, 0);

	CU_ASSERT_FATAL(f != NULL && g != NULL);
#ifdef RTE_ARCH_X86_64
	CU_ASSERT_TRUE(ps_pktfilter_jitted(f));
#endif
	CU_ASSERT_FALSE(ps_pktfilter_jitted(g));
	ps_pktfilter_free(f);
	ps_pktfilter_free(g);
}

/* An empty expression matches everything, as tcpdump with none. */
static void
test_empty(void)
{
	struct ps_pktfilter *f = ps_pktfilter_compile("  ", NULL, 0);
	unsigned int j;

	CU_ASSERT_FATAL(f != NULL);
	for (j = 0; j < F_MAX; j++) {
		struct rte_mbuf *m = mbuf_of(&frames[j]);

		CU_ASSERT_TRUE(ps_pktfilter_match(f, m));
		rte_pktmbuf_free(m);
	}
	ps_pktfilter_free(f);
	f = ps_pktfilter_compile(NULL, NULL, 0);
	CU_ASSERT_PTR_NOT_NULL(f);
	ps_pktfilter_free(f);
}

/* The TCP ports lie in the second segment: the program reads through
 * the mbuf chain. */
static void
test_multiseg(void)
{
	struct ps_pktfilter *f = ps_pktfilter_compile("tcp dst port 80",
						      NULL, 0);
	const struct frame *fr = &frames[F_TCP80];
	struct rte_mbuf *a = rte_pktmbuf_alloc(pool);
	struct rte_mbuf *b = rte_pktmbuf_alloc(pool);
	const size_t cut = 14 + 20 + 1;

	CU_ASSERT_FATAL(f != NULL && a != NULL && b != NULL);
	memcpy(rte_pktmbuf_append(a, cut), fr->buf, cut);
	memcpy(rte_pktmbuf_append(b, (uint16_t)(fr->len - cut)),
	       fr->buf + cut, fr->len - cut);
	CU_ASSERT_FATAL(rte_pktmbuf_chain(a, b) == 0);
	CU_ASSERT_EQUAL(a->nb_segs, 2);
	CU_ASSERT_TRUE(ps_pktfilter_match(f, a));
	rte_pktmbuf_free(a);
	ps_pktfilter_free(f);
}

static void
test_burst(void)
{
	struct ps_pktfilter *f = ps_pktfilter_compile("ip and not tcp",
						      NULL, 0);
	struct rte_mbuf *pkts[F_MAX];
	bool match[F_MAX];
	unsigned int j;

	CU_ASSERT_FATAL(f != NULL);
	for (j = 0; j < F_MAX; j++)
		pkts[j] = mbuf_of(&frames[j]);
	CU_ASSERT_EQUAL(ps_pktfilter_match_burst(f, pkts, match, F_MAX), 3);
	CU_ASSERT_TRUE(match[F_ICMP] && match[F_UDP53] && match[F_VXLAN]);
	CU_ASSERT_FALSE(match[F_TCP80] || match[F_TCP81] || match[F_ARP]);
	rte_pktmbuf_free_bulk(pkts, F_MAX);
	ps_pktfilter_free(f);
}

/* A bad expression: NULL and libpcap's reason, which names the
 * problem. */
static void
test_bad(void)
{
	static const struct {
		const char *expr;
		const char *says;
	} bad[] = {
		{ "tcp port", "syntax error" },
		{ "host 10.0.0.300", "10.0.0.300" },
		{ "port 99999", "99999" },
		{ "nosuchproto", "syntax error" },
		{ "proto nosuchproto", "nosuchproto" },
		{ "ether host zz:00:00:00:00:00", "unknown ether host" },
	};
	unsigned int i;

	for (i = 0; i < RTE_DIM(bad); i++) {
		char err[256] = "";

		CU_ASSERT_PTR_NULL(ps_pktfilter_compile(bad[i].expr, err,
							sizeof(err)));
		CHECK(strncmp(err, "bad filter: ", 12) == 0 &&
		      strstr(err, bad[i].says) != NULL,
		      "'%s': message '%s' lacks '%s'", bad[i].expr, err,
		      bad[i].says);
	}
	/* a short buffer is cut, never overrun; none is fine too */
	{
		char err[8];

		memset(err, 'x', sizeof(err));
		CU_ASSERT_PTR_NULL(ps_pktfilter_compile("tcp port", err,
							sizeof(err)));
		CU_ASSERT_EQUAL(strlen(err), sizeof(err) - 1);
		CU_ASSERT_PTR_NULL(ps_pktfilter_compile("tcp port", NULL, 0));
	}
	ps_pktfilter_free(NULL);
}

static int
setup(void)
{
	pool = rte_pktmbuf_pool_create("ut_pf", 256, 0, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	build_frames();
	return pool == NULL;
}

static int
teardown(void)
{
	rte_mempool_free(pool);
	return 0;
}

static const struct ps_test tests[] = {
	{ "expressions", test_expressions },
	{ "jit", test_jit },
	{ "empty", test_empty },
	{ "multiseg", test_multiseg },
	{ "burst", test_burst },
	{ "bad", test_bad },
};

PS_TEST_MAIN(ps_test_eal_init, PS_SUITE("pktfilter", setup, teardown, tests))
