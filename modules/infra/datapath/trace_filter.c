/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The trace's -f: a BPF expression in tcpdump's language, compiled and
 * run by lib/pktfilter (libpcap's compiler, DPDK's rte_bpf), the library
 * capture uses. This file is the only place the trace knows it.
 */
#include <errno.h>

#include <podswitch/pktfilter.h>

#include "trace_private.h"

struct ps_trace_filter *
ps_trace_filter_compile(const char *expr, char *err, size_t errlen, int *rc)
{
	struct ps_pktfilter *f = ps_pktfilter_compile(expr, err, errlen);

	*rc = f != NULL ? 0 : -EINVAL;
	return (struct ps_trace_filter *)f;
}

bool
ps_trace_filter_match(const struct ps_trace_filter *f, struct rte_mbuf *m)
{
	return ps_pktfilter_match((const struct ps_pktfilter *)f, m);
}

void
ps_trace_filter_free(struct ps_trace_filter *f)
{
	ps_pktfilter_free((struct ps_pktfilter *)f);
}
