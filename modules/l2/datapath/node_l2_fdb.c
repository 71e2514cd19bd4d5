/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * l2_fdb: the pod segment bridge. Learns source MACs (through the FDB's
 * learn ring), forwards known unicast to its port, floods broadcast,
 * multicast and unknown unicast to the other ports of the segment.
 * Its state is its own: the FDB, taken from the dataplane at setup, and
 * its edges to the ports.
 */
#include <rte_hash.h>

#include <podswitch/dataplane.h>
#include <podswitch/fdb.h>

#include "node_private.h"

#define L2_FDB_DROPS(X)							\
	X(SAME_PORT, "same_port")					\
	X(NO_FLOOD_PORTS, "no_flood_ports")

enum l2_fdb_next {
#define X(e, s) L2_FDB_DROP_##e,
	L2_FDB_DROPS(X)
#undef X
	L2_FDB_NB_FIXED	/* edges to port_tx-p<id> are appended at setup */
};

static struct ps_fdb *l2_fdb_table;
static rte_edge_t l2_fdb_tx_edge[PS_MAX_PORTS];

/* Not an edge: the packet is flooded. */
#define L2_FDB_FLOOD ((rte_edge_t)0xffff)

static __rte_always_inline void
l2_flood(struct rte_graph *graph, struct rte_node *node, struct rte_mbuf *m,
	 const struct ps_port_set *seg)
{
	uint16_t in = m->port, j, k = 0;

	for (j = 0; j < seg->n; j++)
		if (seg->ports[j] != in)
			k++;
	if (k == 0) {
		rte_node_enqueue_x1(graph, node, L2_FDB_DROP_NO_FLOOD_PORTS, m);
		return;
	}
	/* Every copy is the same frame, read-only downstream: share it. */
	if (k > 1)
		rte_mbuf_refcnt_update(m, (int16_t)(k - 1));
	for (j = 0; j < seg->n; j++) {
		uint16_t out = seg->ports[j];

		if (out != in)
			rte_node_enqueue_x1(graph, node,
					    l2_fdb_tx_edge[out], m);
	}
}

/*
 * Frames of a burst mostly come from one pod to one peer: look each
 * distinct MAC up once (consecutive repeats share the previous result).
 * uniq[] gets the distinct MACs, idx[i] which of them frame i has.
 */
static __rte_always_inline unsigned int
l2_dedup(const struct rte_ether_addr *const *macs, uint16_t n,
	 const struct rte_ether_addr **uniq, uint8_t *idx)
{
	unsigned int u = 0;
	uint16_t i;

	for (i = 0; i < n; i++) {
		if (u == 0 || !rte_is_same_ether_addr(macs[i], uniq[u - 1]))
			uniq[u++] = macs[i];
		idx[i] = (uint8_t)(u - 1);
	}
	return u;
}

static __rte_always_inline void
l2_classify(struct rte_node *node, struct rte_mbuf **pkts, uint16_t n,
	    rte_edge_t *nexts, bool *flood, const bool trace)
{
	const struct rte_ether_addr *src[RTE_HASH_LOOKUP_BULK_MAX];
	const struct rte_ether_addr *dst[RTE_HASH_LOOKUP_BULK_MAX];
	const struct rte_ether_addr *usrc[RTE_HASH_LOOKUP_BULK_MAX];
	const struct rte_ether_addr *udst[RTE_HASH_LOOKUP_BULK_MAX];
	struct ps_fdb_entry *se[RTE_HASH_LOOKUP_BULK_MAX];
	struct ps_fdb_entry *de[RTE_HASH_LOOKUP_BULK_MAX];
	uint8_t sidx[RTE_HASH_LOOKUP_BULK_MAX], didx[RTE_HASH_LOOKUP_BULK_MAX];
	struct ps_fdb *fdb = l2_fdb_table;
	unsigned int nsrc, ndst;
	int last_src = -1;
	uint16_t i;

	for (i = 0; i < n; i++) {
		const struct rte_ether_hdr *eth =
			rte_pktmbuf_mtod(pkts[i], const struct rte_ether_hdr *);

		src[i] = &eth->src_addr;
		dst[i] = &eth->dst_addr;
	}
	nsrc = l2_dedup(src, n, usrc, sidx);
	ndst = l2_dedup(dst, n, udst, didx);
	ps_fdb_lookup_bulk(fdb, usrc, nsrc, se);
	ps_fdb_lookup_bulk(fdb, udst, ndst, de);

	for (i = 0; i < n; i++) {
		struct ps_fdb_entry *s_e = se[sidx[i]], *d_e = de[didx[i]];
		uint16_t in = pkts[i]->port;
		rte_edge_t next;

		/* Learn or refresh once per run of frames from one MAC. */
		if (sidx[i] != last_src || pkts[i]->port != pkts[i - 1]->port) {
			last_src = sidx[i];
			if (s_e != NULL &&
			    __atomic_load_n(&s_e->port, __ATOMIC_RELAXED) == in)
				ps_fdb_touch(fdb, s_e);
			else
				ps_fdb_learn_request(fdb, src[i], in);
		}

		if (rte_is_multicast_ether_addr(dst[i]) || d_e == NULL) {
			next = L2_FDB_FLOOD;
			*flood = true;
		} else {
			uint16_t out = __atomic_load_n(&d_e->port,
						       __ATOMIC_RELAXED);

			next = out == in ? L2_FDB_DROP_SAME_PORT :
					   l2_fdb_tx_edge[out];
		}
		nexts[i] = next;
		if (trace)
			PS_TRACE(node, pkts[i], next == L2_FDB_FLOOD ?
				 RTE_EDGE_ID_INVALID : next,
				 "src=" PS_TRACE_MAC_FMT " dst="
				 PS_TRACE_MAC_FMT " fdb=%s out_port=%s",
				 RTE_ETHER_ADDR_BYTES(src[i]),
				 RTE_ETHER_ADDR_BYTES(dst[i]),
				 d_e != NULL ? "hit" : "miss",
				 next == L2_FDB_FLOOD ? "flood" :
				 next == L2_FDB_DROP_SAME_PORT ? "same_port" :
				 ps_ports[d_e->port].name);
	}
}

static __rte_always_inline uint16_t
l2_fdb_inline(struct rte_graph *graph, struct rte_node *node, void **objs,
	      uint16_t nb_objs, const bool trace)
{
	rte_edge_t nexts[PS_NODE_CHUNK];
	const struct ps_port_set *seg;
	bool flood = false;
	uint16_t i;

	for (i = 0; i < nb_objs; i += RTE_HASH_LOOKUP_BULK_MAX)
		l2_classify(node, (struct rte_mbuf **)objs + i,
			    RTE_MIN(nb_objs - i, RTE_HASH_LOOKUP_BULK_MAX),
			    nexts + i, &flood, trace);
	if (likely(!flood)) {
		ps_enqueue_nexts(graph, node, nexts, objs, nb_objs);
		return nb_objs;
	}
	/* In order, so a flooded frame does not overtake unicast ones. */
	seg = ps_graph_segment();
	for (i = 0; i < nb_objs; i++) {
		if (nexts[i] == L2_FDB_FLOOD)
			l2_flood(graph, node, objs[i], seg);
		else
			rte_node_enqueue_x1(graph, node, nexts[i], objs[i]);
	}
	return nb_objs;
}

PS_NODE_PROCESS(l2_fdb)

static int
l2_fdb_setup(struct ps_dataplane *dp)
{
	l2_fdb_table = dp->fdb;
	return 0;
}

static struct rte_node_register l2_fdb_node = {
	.name = "l2_fdb",
	.process = l2_fdb_process,
	.nb_edges = L2_FDB_NB_FIXED,
	.next_nodes = {
#define X(e, s) [L2_FDB_DROP_##e] = "l2_fdb" PS_DROP_INFIX s,
		L2_FDB_DROPS(X)
#undef X
	},
};
static struct ps_node_info l2_fdb_info = {
	.node = &l2_fdb_node,
	.setup = l2_fdb_setup,
	.tx_edges = l2_fdb_tx_edge,
};
PS_NODE_REGISTER(l2_fdb_info);

#define X(e, s) PS_DROP_NODE(l2_fdb_drop_##e, "l2_fdb", s)
L2_FDB_DROPS(X)
#undef X
