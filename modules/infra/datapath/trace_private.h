/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PS_TRACE_PRIVATE_H
#define PS_TRACE_PRIVATE_H

/*
 * Between the trace's datapath (trace_buf.c: marking, records, the
 * snapshot) and its management side (control/trace_ctl.c: sessions).
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include <podswitch/trace.h>

/* A marked packet's id, in an mbuf dynamic field. */
struct trace_id {
	uint32_t seq;
	uint16_t worker;
	uint16_t pad;
};

/* One worker's records: written by that worker only. */
struct trace_buf {
	/* records written so far (release: the record is whole) */
	uint64_t head;
	/* the worker's packet numbers */
	uint32_t seq;
	/* the lcore that marks: only it may write (a packet handed to
	 * another thread loses its later records, never the ring) */
	uint32_t lcore;
	/* management thread: head at the last clear */
	uint64_t cleared;
	struct ps_trace_rec rec[PS_TRACE_RING];
} __rte_cache_aligned;

extern struct trace_buf *ps_trace_bufs[PS_MAX_WORKERS];
extern unsigned int ps_trace_nb_bufs;
/* the mbuf field's offset; -1 until registered */
extern int ps_trace_id_off;
/* every record is also logged (--trace) */
extern bool ps_trace_log;

/* Filters (trace_filter.c): what -f compiles to. NULL with -errno in *rc
 * and the reason in err; -ENOTSUP when filters are not built in. */
struct ps_trace_filter *ps_trace_filter_compile(const char *expr, char *err,
						size_t errlen, int *rc);
bool ps_trace_filter_match(const struct ps_trace_filter *f,
			   struct rte_mbuf *m);
void ps_trace_filter_free(struct ps_trace_filter *f);

#endif
