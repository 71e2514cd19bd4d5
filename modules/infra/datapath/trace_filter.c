/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The trace's -f: a BPF expression, compiled and run by lib/pktfilter
 * (libpcap's compiler, DPDK's rte_bpf), the library capture uses. This
 * file is the only place the trace knows it.
 */
#include <errno.h>
#include <stdio.h>

#include <rte_common.h>

#include "trace_private.h"

struct ps_trace_filter *
ps_trace_filter_compile(const char *expr, char *err, size_t errlen, int *rc)
{
	RTE_SET_USED(expr);
	snprintf(err, errlen, "trace filters need lib/pktfilter (BPF, from "
		 "the capture work), which this build does not have; "
		 "trace by port (-p) and count (-c) instead");
	*rc = -ENOTSUP;
	return NULL;
}

bool
ps_trace_filter_match(const struct ps_trace_filter *f, struct rte_mbuf *m)
{
	RTE_SET_USED(f);
	RTE_SET_USED(m);
	return true;
}

void
ps_trace_filter_free(struct ps_trace_filter *f)
{
	RTE_SET_USED(f);
}
