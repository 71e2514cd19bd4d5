/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PODSWITCH_TRACE_H
#define PODSWITCH_TRACE_H

/*
 * Packet trace, like VPP's `trace add` / `show trace`: a trace session
 * armed on some ports marks the next N packets (that match its filter)
 * where they enter, in port_rx; every node such a packet passes records
 * what it decided into the trace buffer of the worker that carries it.
 *
 * The mark is an mbuf dynamic flag (ol_flags survives every node, where
 * the metadata flags are reset on L3 entry) with the packet's id, (worker,
 * seq), in a dynamic field that only marked packets have written. What an
 * unmarked packet pays: one test of ol_flags per node, and at port_rx one
 * load per burst of the port's armed pointer.
 *
 * Each worker owns its buffer, a ring of fixed-size records it alone
 * writes: no lock, no allocation. It publishes a record by advancing its
 * head (release); the management thread copies the ring, reads the head
 * again and keeps only the records the writer cannot have been rewriting
 * meanwhile (ps_trace_snapshot).
 */

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_branch_prediction.h>
#include <rte_common.h>
#include <rte_graph.h>
#include <rte_mbuf.h>

#include <podswitch/config.h>

extern int ps_logtype_trace;

/* ol_flags bit of a marked packet; 0 until ps_trace_init() */
extern uint64_t ps_trace_flag;

static __rte_always_inline bool
ps_trace_marked(const struct rte_mbuf *m)
{
	return (m->ol_flags & ps_trace_flag) != 0;
}

/* A MAC address in a record, lower case as the API writes them. */
#define PS_TRACE_MAC_FMT "%02x:%02x:%02x:%02x:%02x:%02x"

/* Text of one record: what the node decided, as "key=value" words. */
#define PS_TRACE_TEXT 228
/* Records of one worker's ring (a power of two). */
#define PS_TRACE_RING 8192
/* Packets one session may mark. */
#define PS_TRACE_COUNT_MAX 1000
#define PS_TRACE_COUNT_DEFAULT 10

struct ps_trace_rec {
	uint64_t tsc;
	uint32_t seq;		/* the packet's, per worker, from 1 */
	uint32_t node;		/* rte_node id of the node that recorded */
	uint32_t next;		/* rte_node id it sent the packet to, or
				 * RTE_NODE_ID_INVALID */
	uint16_t worker;
	uint16_t port;		/* m->port when recorded */
	uint32_t len;		/* pkt_len when recorded */
	char text[PS_TRACE_TEXT];
};

/*
 * What an armed port looks at for each packet it receives. The session
 * lives as long as the process; a new start reuses it once no worker can
 * still be reading the old settings (RCU).
 */
struct ps_trace_filter;
struct ps_trace_session {
	uint32_t count;			/* packets to mark */
	uint32_t taken;			/* marked so far (atomic) */
	const struct ps_trace_filter *filter;	/* NULL: every packet */
	bool log;			/* --trace: also log each record */
};

/* The armed session of each port id, or NULL (set by the management
 * thread, read by port_rx once per burst). */
extern struct ps_trace_session *ps_trace_armed[PS_MAX_PORTS];

/* port_rx of worker: mark what the session takes of pkts[0..n) and
 * record their port_rx step (node, sent to next). */
void ps_trace_rx(struct ps_trace_session *s, unsigned int worker,
		 const struct rte_node *node, uint16_t queue,
		 struct rte_mbuf **pkts, uint16_t n, uint32_t next);

/* Record node's step for the marked packet m, sent to the node of edge
 * next (RTE_EDGE_ID_INVALID: the packet leaves the graph here). */
void ps_trace_add(const struct rte_node *node, struct rte_mbuf *m,
		  rte_edge_t next, const char *fmt, ...)
	__rte_format_printf(4, 5);
void ps_trace_vadd(const struct rte_node *node, struct rte_mbuf *m,
		   rte_edge_t next, const char *fmt, va_list ap);
/* The same for a node that ends the packet's path (port_tx, drops):
 * records and takes the mark off, so a reused mbuf is not marked. */
void ps_trace_end(const struct rte_node *node, struct rte_mbuf *m,
		  const char *fmt, ...)
	__rte_format_printf(3, 4);

/* Management thread ------------------------------------------------------ */

struct ps_dataplane;

/* Register the mbuf flag and field and allocate the workers' buffers
 * (once per process). 0 or -errno. */
int ps_trace_init(unsigned int nb_workers);

struct ps_trace_params {
	uint32_t count;		/* 1 .. PS_TRACE_COUNT_MAX; 0 = unlimited */
	int port;		/* port id, or -1 for every port */
	const char *filter;	/* BPF expression, or NULL */
	bool log;		/* also log each record (--trace) */
};

/*
 * Arm a new session (stopping any): the buffers are cleared, then every
 * port the params name is armed. -EINVAL (bad count, port or filter:
 * err says why), -ENOTSUP (filters not built in: err says why).
 */
int ps_trace_start(struct ps_dataplane *dp, const struct ps_trace_params *p,
		   char *err, size_t errlen);
/* Disarm every port; the records stay. */
void ps_trace_stop(struct ps_dataplane *dp);
/* Forget the records (the session stays as it is). */
void ps_trace_clear(void);

struct ps_trace_status {
	bool armed;
	uint32_t count;		/* 0: unlimited */
	uint32_t marked;
	int port;
	char filter[256];
	uint64_t start_tsc;
	uint64_t start_ns;	/* CLOCK_REALTIME at start */
};
void ps_trace_status(struct ps_trace_status *st);

/*
 * Copy the records of worker that are whole (in the order it wrote them)
 * to out (room for max); returns how many. Records older than the last
 * clear are left out.
 */
unsigned int ps_trace_snapshot(unsigned int worker, struct ps_trace_rec *out,
			       unsigned int max);
/* Workers that have a buffer. */
unsigned int ps_trace_nb_workers(void);

#endif
