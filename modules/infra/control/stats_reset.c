/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Counters since the last reset (include/podswitch/stats.h). A reset
 * writes nothing the workers write: it notes, on the management side,
 * what every graph node and port has counted, and GET /v1/stats shows
 * the difference. Exact (each counter is read once for the base and
 * once for the view) and free for the fast path.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_spinlock.h>

#include <podswitch/port.h>
#include <podswitch/stats.h>

#include "stats_private.h"

/* Node totals at the reset, sorted by name for the lookups. */
static struct ps_node_stats *base;
static unsigned int nb_base;
static struct ps_port_stats port_base[PS_MAX_PORTS];
static uint64_t resets;
static rte_spinlock_t base_lock = RTE_SPINLOCK_INITIALIZER;

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(((const struct ps_node_stats *)a)->name,
		      ((const struct ps_node_stats *)b)->name);
}

int
ps_stats_reset(void)
{
	struct ps_node_stats *nb = calloc(PS_STATS_MAX_NODES, sizeof(*nb));
	struct ps_port_stats pb[PS_MAX_PORTS];
	uint16_t pid;
	int n;

	if (nb == NULL)
		return -ENOMEM;
	n = ps_stats_nodes(nb, PS_STATS_MAX_NODES);
	if (n < 0)
		n = 0;
	qsort(nb, (size_t)n, sizeof(*nb), name_cmp);
	memset(pb, 0, sizeof(pb));
	PS_PORT_FOREACH(pid)
		if (ps_ports[pid].active)
			ps_port_stats_get(pid, &pb[pid]);
	rte_spinlock_lock(&base_lock);
	free(base);
	base = nb;
	nb_base = (unsigned int)n;
	memcpy(port_base, pb, sizeof(port_base));
	resets++;
	rte_spinlock_unlock(&base_lock);
	return 0;
}

uint64_t
ps_stats_resets(void)
{
	return __atomic_load_n(&resets, __ATOMIC_RELAXED);
}

static uint64_t
since(uint64_t now, uint64_t then)
{
	return now > then ? now - then : 0;
}

int
ps_stats_nodes_since(struct ps_node_stats *out, unsigned int max)
{
	int i, n = ps_stats_nodes(out, max);

	rte_spinlock_lock(&base_lock);
	for (i = 0; i < n && nb_base > 0; i++) {
		const struct ps_node_stats *b = bsearch(&out[i], base, nb_base,
							sizeof(*base),
							name_cmp);

		if (b == NULL)
			continue;
		out[i].calls = since(out[i].calls, b->calls);
		out[i].objs = since(out[i].objs, b->objs);
		out[i].cycles = since(out[i].cycles, b->cycles);
		out[i].idle_calls = since(out[i].idle_calls, b->idle_calls);
		out[i].idle_cycles = since(out[i].idle_cycles,
					   b->idle_cycles);
	}
	rte_spinlock_unlock(&base_lock);
	return n;
}

void
ps_stats_port_since(uint16_t port_id, struct ps_port_stats *c)
{
	const struct ps_port_stats *b;

	if (port_id >= PS_MAX_PORTS)
		return;
	rte_spinlock_lock(&base_lock);
	b = &port_base[port_id];
	c->rx_packets = since(c->rx_packets, b->rx_packets);
	c->rx_bytes = since(c->rx_bytes, b->rx_bytes);
	c->tx_packets = since(c->tx_packets, b->tx_packets);
	c->tx_bytes = since(c->tx_bytes, b->tx_bytes);
	c->rx_missed = since(c->rx_missed, b->rx_missed);
	c->rx_errors = since(c->rx_errors, b->rx_errors);
	c->tx_errors = since(c->tx_errors, b->tx_errors);
	c->rx_nombuf = since(c->rx_nombuf, b->rx_nombuf);
	c->tx_dropped = since(c->tx_dropped, b->tx_dropped);
	rte_spinlock_unlock(&base_lock);
}

void
stats_reset_forget_port(uint16_t port_id)
{
	unsigned int i, k;

	if (port_id >= PS_MAX_PORTS)
		return;
	rte_spinlock_lock(&base_lock);
	memset(&port_base[port_id], 0, sizeof(port_base[port_id]));
	/* removing keeps the order */
	for (i = 0, k = 0; i < nb_base; i++)
		if (!stats_port_clone(base[i].name, port_id))
			base[k++] = base[i];
	nb_base = k;
	rte_spinlock_unlock(&base_lock);
}
