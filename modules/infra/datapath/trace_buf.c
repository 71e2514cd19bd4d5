/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The trace's datapath: marking at port_rx and the per-worker record
 * rings (include/podswitch/trace.h). Runs for marked packets only, so it
 * may format text: an unmarked packet never gets here.
 */
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_graph_worker.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_mbuf_dyn.h>

#include <podswitch/port.h>

#include "trace_private.h"

RTE_LOG_REGISTER(ps_logtype_trace, podswitch.trace, INFO);

uint64_t ps_trace_flag;
int ps_trace_id_off = -1;
bool ps_trace_log;
struct ps_trace_session *ps_trace_armed[PS_MAX_PORTS];
struct trace_buf *ps_trace_bufs[PS_MAX_WORKERS];
unsigned int ps_trace_nb_bufs;

/* Bytes of a frame's start that port_rx's record shows. */
#define TRACE_RX_BYTES 34

static inline struct trace_id *
trace_id(struct rte_mbuf *m)
{
	return RTE_MBUF_DYNFIELD(m, ps_trace_id_off, struct trace_id *);
}

static void
trace_log_rec(const struct ps_trace_rec *r)
{
	const char *next = r->next != RTE_NODE_ID_INVALID ?
			   rte_node_id_to_name(r->next) : NULL;

	rte_log(RTE_LOG_DEBUG, ps_logtype_trace,
		"trace w%u #%u %s%s%s: port %u len %u: %s\n", r->worker,
		r->seq, rte_node_id_to_name(r->node), next != NULL ? " -> " : "",
		next != NULL ? next : "", r->port, r->len, r->text);
}

void
ps_trace_vadd(const struct rte_node *node, struct rte_mbuf *m,
	      rte_edge_t next, const char *fmt, va_list ap)
{
	const struct trace_id *id = trace_id(m);
	struct trace_buf *b;
	struct ps_trace_rec *r;
	uint64_t h;

	if (id->worker >= ps_trace_nb_bufs)
		return;
	b = ps_trace_bufs[id->worker];
	if (unlikely(b->lcore != rte_lcore_id()))
		return;
	h = b->head;
	r = &b->rec[h & (PS_TRACE_RING - 1)];
	r->tsc = rte_rdtsc();
	r->seq = id->seq;
	r->node = node->id;
	r->next = next < node->nb_edges ? node->nodes[next]->id :
		  RTE_NODE_ID_INVALID;
	r->worker = id->worker;
	r->port = m->port;
	r->len = m->pkt_len;
	if (vsnprintf(r->text, sizeof(r->text), fmt, ap) < 0)
		r->text[0] = '\0';
	__atomic_store_n(&b->head, h + 1, __ATOMIC_RELEASE);
	if (unlikely(ps_trace_log))
		trace_log_rec(r);
}

void
ps_trace_add(const struct rte_node *node, struct rte_mbuf *m,
	     rte_edge_t next, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ps_trace_vadd(node, m, next, fmt, ap);
	va_end(ap);
}

void
ps_trace_end(const struct rte_node *node, struct rte_mbuf *m,
	     const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ps_trace_vadd(node, m, RTE_EDGE_ID_INVALID, fmt, ap);
	va_end(ap);
	m->ol_flags &= ~ps_trace_flag;
}

/* Take one more packet for s, unless its count is reached. */
static bool
trace_take(struct ps_trace_session *s)
{
	if (s->count == 0) {
		__atomic_fetch_add(&s->taken, 1, __ATOMIC_RELAXED);
		return true;
	}
	if (__atomic_load_n(&s->taken, __ATOMIC_RELAXED) >= s->count)
		return false;
	/* several workers may poll queues of one port */
	return __atomic_fetch_add(&s->taken, 1, __ATOMIC_RELAXED) < s->count;
}

static void
trace_rx_one(unsigned int worker, const struct rte_node *node,
	     uint16_t queue, struct rte_mbuf *m, rte_edge_t next)
{
	struct trace_buf *b = ps_trace_bufs[worker];
	const uint8_t *d = rte_pktmbuf_mtod(m, const uint8_t *);
	unsigned int i, nb = RTE_MIN((unsigned int)m->data_len,
				     (unsigned int)TRACE_RX_BYTES);
	struct trace_id *id = trace_id(m);
	char hex[TRACE_RX_BYTES * 2 + 1];

	b->lcore = rte_lcore_id();
	id->worker = (uint16_t)worker;
	id->seq = ++b->seq;
	m->ol_flags |= ps_trace_flag;
	for (i = 0; i < nb; i++)
		snprintf(hex + 2 * i, 3, "%02x", d[i]);
	hex[2 * nb] = '\0';
	ps_trace_add(node, m, next, "port=%s queue=%u len=%u bytes=%s",
		     ps_ports[m->port].name, queue, m->pkt_len, hex);
}

void
ps_trace_rx(struct ps_trace_session *s, unsigned int worker,
	    const struct rte_node *node, uint16_t queue,
	    struct rte_mbuf **pkts, uint16_t n, uint32_t next)
{
	uint16_t i;

	if (worker >= ps_trace_nb_bufs || ps_trace_flag == 0)
		return;
	for (i = 0; i < n; i++) {
		if (s->filter != NULL &&
		    !ps_trace_filter_match(s->filter, pkts[i]))
			continue;
		if (!trace_take(s))
			return;
		trace_rx_one(worker, node, queue, pkts[i], (rte_edge_t)next);
	}
}

unsigned int
ps_trace_nb_workers(void)
{
	return ps_trace_nb_bufs;
}

unsigned int
ps_trace_snapshot(unsigned int worker, struct ps_trace_rec *out,
		  unsigned int max)
{
	struct trace_buf *b;
	uint64_t h1, h2, lo, i;
	unsigned int n = 0, skip;

	if (worker >= ps_trace_nb_bufs || max == 0)
		return 0;
	b = ps_trace_bufs[worker];
	h1 = __atomic_load_n(&b->head, __ATOMIC_ACQUIRE);
	lo = h1 > PS_TRACE_RING ? h1 - PS_TRACE_RING : 0;
	lo = RTE_MAX(lo, b->cleared);
	if (h1 - lo > max)
		lo = h1 - max;
	for (i = lo; i < h1; i++)
		out[n++] = b->rec[i & (PS_TRACE_RING - 1)];
	/*
	 * The worker may have gone on meanwhile: the record it writes now,
	 * number h2, takes the slot of h2 - RING, so of what was copied
	 * only the records after that one are surely whole.
	 */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	h2 = __atomic_load_n(&b->head, __ATOMIC_RELAXED);
	skip = 0;
	if (h2 >= PS_TRACE_RING && h2 - PS_TRACE_RING >= lo)
		skip = (unsigned int)RTE_MIN((uint64_t)n,
					     h2 - PS_TRACE_RING - lo + 1);
	if (skip > 0)
		memmove(out, out + skip, (n - skip) * sizeof(*out));
	return n - skip;
}
