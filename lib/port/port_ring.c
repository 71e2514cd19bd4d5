/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The native ring backend: a pair of rte_rings, looked up by name or
 * created (the packet tests inject into rx_ring and collect from
 * tx_ring). No ethdev is involved, so a test can have hundreds of them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_log.h>
#include <rte_ring.h>

#include <podswitch/port.h>

#define PORT_LOG(level, ...) \
	rte_log(RTE_LOG_ ## level, ps_logtype_port, "port: " __VA_ARGS__)

#define RING_SIZE 1024

struct ring_port {
	struct rte_ring *rx;
	struct rte_ring *tx;
	/* created by us, freed (and drained) at close */
	bool own_rx;
	bool own_tx;
	/* one poller per rx queue: plain counters */
	uint64_t rx_packets;
	uint64_t rx_bytes;
};

/*
 * The rings this backend created, with how many ports use each. A port
 * may name another port's ring (the API takes any name), so a ring must
 * outlive every port that uses it, not only the one that created it:
 * freed with its creator, it was still polled or fed by the other one.
 * Open and close run on the management thread only.
 */
struct ring_use {
	struct rte_ring *r;
	unsigned int ref;
};
static struct ring_use ring_uses[2 * PS_MAX_PORTS];

static struct ring_use *
use_find(const struct rte_ring *r)
{
	unsigned int i;

	for (i = 0; i < RTE_DIM(ring_uses); i++)
		if (ring_uses[i].r == r)
			return &ring_uses[i];
	return NULL;
}

/* *own: counted here (released with ring_release); a ring made by
 * someone else (a test harness) is used as it is. */
static struct rte_ring *
ring_get(const char *name, bool *own)
{
	struct rte_ring *r = rte_ring_lookup(name);
	struct ring_use *u;

	*own = false;
	if (r != NULL) {
		u = use_find(r);
		if (u != NULL) {
			u->ref++;
			*own = true;
		}
		return r;
	}
	u = use_find(NULL);
	if (u == NULL)
		return NULL;
	/* Multi-producer: every worker's tx queue feeds the same ring. */
	r = rte_ring_create(name, RING_SIZE, (int)rte_socket_id(), 0);
	if (r == NULL)
		return NULL;
	*u = (struct ring_use){ .r = r, .ref = 1 };
	*own = true;
	return r;
}

static void
ring_release(struct rte_ring *r, bool own)
{
	struct rte_mbuf *m[64];
	struct ring_use *u;
	unsigned int n;

	if (r == NULL || !own)
		return;
	u = use_find(r);
	if (u != NULL && --u->ref > 0)
		return;
	if (u != NULL)
		u->r = NULL;
	/* What nobody collected goes back to the pool. */
	while ((n = rte_ring_dequeue_burst(r, (void **)m, RTE_DIM(m),
					   NULL)) > 0)
		rte_pktmbuf_free_bulk(m, n);
	rte_ring_free(r);
}

static int
ring_open(struct ps_port *p, const struct ps_port_config *pc, uint16_t nb_txq,
	  struct rte_mempool *pool)
{
	const char *rxn = ps_port_arg(pc, "rx_ring");
	const char *txn = ps_port_arg(pc, "tx_ring");
	struct ring_port *r;

	RTE_SET_USED(nb_txq);
	RTE_SET_USED(pool);
	if (rxn == NULL || txn == NULL)
		return -EINVAL;
	if (p->nb_rxq != 1) {
		PORT_LOG(ERR, "%s: a ring port has one rx queue, not %u\n",
			 pc->name, p->nb_rxq);
		return -ENOTSUP;
	}
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return -ENOMEM;
	r->rx = ring_get(rxn, &r->own_rx);
	r->tx = ring_get(txn, &r->own_tx);
	if (r->rx == NULL || r->tx == NULL) {
		ring_release(r->rx, r->own_rx);
		ring_release(r->tx, r->own_tx);
		free(r);
		return -ENOMEM;
	}
	snprintf(p->devname, sizeof(p->devname), "ring:%s/%s", rxn, txn);
	p->priv = r;
	return 0;
}

static void
ring_close(struct ps_port *p)
{
	struct ring_port *r = p->priv;

	ring_release(r->rx, r->own_rx);
	ring_release(r->tx, r->own_tx);
	free(r);
	p->priv = NULL;
}

static uint16_t
ring_rx(struct ps_port *p, uint16_t q, struct rte_mbuf **pkts, uint16_t n)
{
	struct ring_port *r = p->priv;
	unsigned int i, got;

	RTE_SET_USED(q);
	got = rte_ring_dequeue_burst(r->rx, (void **)pkts, n, NULL);
	r->rx_packets += got;
	for (i = 0; i < got; i++)
		r->rx_bytes += pkts[i]->pkt_len;
	return (uint16_t)got;
}

static uint16_t
ring_tx(struct ps_port *p, uint16_t q, struct rte_mbuf **pkts, uint16_t n)
{
	struct ring_port *r = p->priv;
	struct ps_port_sw_stats *sw = &p->sw[q];
	unsigned int i, sent;

	sent = rte_ring_enqueue_burst(r->tx, (void **)pkts, n, NULL);
	sw->tx_packets += sent;
	for (i = 0; i < sent; i++)
		sw->tx_bytes += pkts[i]->pkt_len;
	return (uint16_t)sent;
}

static void
ring_stats(const struct ps_port *p, struct ps_port_stats *st)
{
	const struct ring_port *r = p->priv;
	unsigned int w;

	st->rx_packets = r->rx_packets;
	st->rx_bytes = r->rx_bytes;
	for (w = 0; w < PS_MAX_WORKERS; w++) {
		st->tx_packets += p->sw[w].tx_packets;
		st->tx_bytes += p->sw[w].tx_bytes;
	}
}

static bool
ring_link_up(const struct ps_port *p)
{
	RTE_SET_USED(p);
	return true;
}

const struct ps_port_ops ps_port_ring_ops = {
	.name = "ring",
	.open = ring_open,
	.close = ring_close,
	.rx_burst = ring_rx,
	.tx_burst = ring_tx,
	.stats = ring_stats,
	.link_up = ring_link_up,
	/* The rx ring is filled by the peer from its own mbufs; the tx ring
	 * pins what was sent until the peer collects it: the profile's
	 * descriptor counts say how much of that the pool reserves. */
	.mbuf_need = ps_port_desc_mbuf_need,
};
