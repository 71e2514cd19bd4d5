/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tcpdump expressions on mbufs: libpcap compiles, DPDK's BPF runs
 * (include/podswitch/pktfilter.h).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include <rte_bpf.h>
#include <rte_errno.h>
#include <rte_log.h>
#include <rte_malloc.h>

#include <podswitch/pktfilter.h>

RTE_LOG_REGISTER(ps_logtype_pktfilter, podswitch.pktfilter, INFO);

#define PF_LOG(level, ...) \
	rte_log(RTE_LOG_ ## level, ps_logtype_pktfilter, "pktfilter: " __VA_ARGS__)

struct ps_pktfilter {
	struct rte_bpf *bpf;	/* NULL: the empty expression, match all */
	uint64_t (*jit)(void *);	/* native code, or NULL */
	char *expr;
};

static void
set_err(char *err, size_t errlen, const char *fmt, const char *what)
{
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, fmt, what);
}

static bool
blank(const char *s)
{
	for (; *s != '\0'; s++)
		if (!isspace((unsigned char)*s))
			return false;
	return true;
}

/* Classic BPF of expr for Ethernet frames, or -1 with err set. */
static int
cbpf_compile(const char *expr, struct bpf_program *prog, char *err,
	     size_t errlen)
{
	pcap_t *p = pcap_open_dead(DLT_EN10MB, PS_PKTFILTER_SNAPLEN);
	int rc;

	if (p == NULL) {
		set_err(err, errlen, "%s", "libpcap: cannot open a handle");
		return -1;
	}
	rc = pcap_compile(p, prog, expr, 1, PCAP_NETMASK_UNKNOWN);
	if (rc != 0)
		set_err(err, errlen, "bad filter: %s", pcap_geterr(p));
	pcap_close(p);
	return rc == 0 ? 0 : -1;
}

/*
 * DPDK 22.11's rte_bpf_convert writes the byte-wide indirect load of
 * classic BPF (ldb [x + k], what tcp[13] and tcp[tcpflags] compile to)
 * with r0, the accumulator, as its index register instead of r7, the X
 * register (its half-word and word loads are right). A classic indirect
 * load always indexes by X: say so in every one of them.
 */
static void
ebpf_fix_ind_loads(struct rte_bpf_prm *prm)
{
	const uint8_t x_reg = EBPF_REG_7;
	uint32_t i;

	for (i = 0; i < prm->nb_ins; i++) {
		struct ebpf_insn *ins = (struct ebpf_insn *)(uintptr_t)&prm->ins[i];

		if (BPF_CLASS(ins->code) == BPF_LD &&
		    BPF_MODE(ins->code) == BPF_IND)
			ins->src_reg = x_reg;
	}
}

/*
 * DPDK 22.11's x86 JIT encodes "jset reg, #imm" for an immediate that
 * fits in a signed byte as a test with a one-byte immediate under the
 * four-byte opcode: the native code runs into the next instruction's
 * bytes and crashes (tcp[tcpflags] & tcp-syn != 0 does it). Such a
 * program is interpreted instead.
 */
static bool
ebpf_jit_safe(const struct rte_bpf_prm *prm)
{
	uint32_t i;

	for (i = 0; i < prm->nb_ins; i++) {
		const struct ebpf_insn *ins = &prm->ins[i];

		if (ins->code == (BPF_JMP | BPF_JSET | BPF_K) &&
		    ins->imm >= INT8_MIN && ins->imm <= INT8_MAX)
			return false;
	}
	return true;
}

/* Load the eBPF of prog into f, or -1 with err set. */
static int
ebpf_load(struct ps_pktfilter *f, const struct bpf_program *prog, char *err,
	  size_t errlen)
{
	struct rte_bpf_prm *prm;
	struct rte_bpf_jit jit;
	bool jit_safe;

	prm = rte_bpf_convert(prog);
	if (prm == NULL) {
		set_err(err, errlen, "cannot convert the filter to eBPF: %s",
			rte_strerror(rte_errno));
		return -1;
	}
	ebpf_fix_ind_loads(prm);
	/* The converted program reads the packet through its mbuf
	 * (prog_arg RTE_BPF_ARG_PTR_MBUF): it is run on the mbuf. */
	f->bpf = rte_bpf_load(prm);
	jit_safe = ebpf_jit_safe(prm);
	rte_free(prm);
	if (f->bpf == NULL) {
		set_err(err, errlen, "cannot load the filter: %s",
			rte_strerror(rte_errno));
		return -1;
	}
	if (jit_safe && rte_bpf_get_jit(f->bpf, &jit) == 0 &&
	    jit.func != NULL)
		f->jit = jit.func;
	return 0;
}

struct ps_pktfilter *
ps_pktfilter_compile(const char *expr, char *err, size_t errlen)
{
	struct bpf_program prog;
	struct ps_pktfilter *f;
	int rc;

	if (expr == NULL)
		expr = "";
	f = calloc(1, sizeof(*f));
	if (f == NULL || (f->expr = strdup(expr)) == NULL) {
		free(f);
		set_err(err, errlen, "%s", "out of memory");
		return NULL;
	}
	if (blank(expr))
		return f;
	if (cbpf_compile(expr, &prog, err, errlen) != 0) {
		ps_pktfilter_free(f);
		return NULL;
	}
	rc = ebpf_load(f, &prog, err, errlen);
	pcap_freecode(&prog);
	if (rc != 0) {
		ps_pktfilter_free(f);
		return NULL;
	}
	PF_LOG(DEBUG, "'%s' compiled%s\n", expr,
	       f->jit != NULL ? " (JIT)" : " (interpreted)");
	return f;
}

bool
ps_pktfilter_match(const struct ps_pktfilter *f, struct rte_mbuf *m)
{
	uint64_t rc;

	if (f->bpf == NULL)
		return true;
	if (f->jit != NULL)
		return f->jit(m) != 0;
	rte_bpf_exec_burst(f->bpf, (void **)&m, &rc, 1);
	return rc != 0;
}

uint16_t
ps_pktfilter_match_burst(const struct ps_pktfilter *f, struct rte_mbuf **pkts,
			 bool *match, uint16_t n)
{
	uint16_t i, hits = 0;

	for (i = 0; i < n; i++) {
		match[i] = ps_pktfilter_match(f, pkts[i]);
		hits += match[i];
	}
	return hits;
}

const char *
ps_pktfilter_expr(const struct ps_pktfilter *f)
{
	return f->expr;
}

bool
ps_pktfilter_jitted(const struct ps_pktfilter *f)
{
	return f->jit != NULL;
}

void
ps_pktfilter_free(struct ps_pktfilter *f)
{
	if (f == NULL)
		return;
	rte_bpf_destroy(f->bpf);
	free(f->expr);
	free(f);
}
