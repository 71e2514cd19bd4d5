/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The podswitch port table: ids, backend choice, and the calls every
 * backend answers. The backends are port_ethdev.c, port_ring.c and
 * port_afpacket.c.
 */
#include <errno.h>
#include <net/if.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_log.h>

#include <podswitch/port.h>

RTE_LOG_REGISTER(ps_logtype_port, podswitch.port, INFO);
#define PORT_LOG(level, ...) \
	rte_log(RTE_LOG_ ## level, ps_logtype_port, "port: " __VA_ARGS__)

struct ps_port ps_ports[PS_MAX_PORTS];

static const struct ps_port_ops *
backend_of(const struct ps_profile *pr)
{
	switch (pr->kind) {
	case PS_PROFILE_RING:
		return &ps_port_ring_ops;
	case PS_PROFILE_AF_PACKET:
		return &ps_port_afpacket_ops;
	case PS_PROFILE_VDEV:
	case PS_PROFILE_PCI:
		break;
	}
	return &ps_port_ethdev_ops;
}

const char *
ps_port_arg_or_default(const struct ps_port_config *pc,
		       const struct ps_profile *pr, const char *key)
{
	const char *v = ps_port_arg(pc, key);
	unsigned int i;

	if (v != NULL)
		return v;
	for (i = 0; i < pr->nb_args; i++)
		if (strcmp(pr->args[i].key, key) == 0 &&
		    pr->args[i].def[0] != '\0')
			return pr->args[i].def;
	return NULL;
}

const char *
ps_port_missing_iface(const struct ps_port_config *pc)
{
	const struct ps_profile *pr = ps_profile_find(pc->driver);
	unsigned int i;

	for (i = 0; pr != NULL && i < pr->nb_args; i++) {
		const char *v;

		if (!pr->args[i].existing_iface)
			continue;
		v = ps_port_arg(pc, pr->args[i].key);
		if (v != NULL && if_nametoindex(v) == 0)
			return v;
	}
	return NULL;
}

/*
 * A vdev told how many queues it has (vhost-user's queues, the ethdev
 * af_packet's qpairs) makes that many in each direction, and the other end
 * spreads over all of them: a virtio guest transmits on every queue it was
 * offered, the kernel fans flows out over every packet socket. Each rx
 * queue it has must then be polled, or the flows hashed to an unpolled one
 * vanish (two workers, one tx queue each, made such ports lose half their
 * flows).
 */
static uint16_t
rx_queues(const struct ps_port_config *pc, const struct ps_profile *pr,
	  uint16_t nb_txq)
{
	if (pr->kind == PS_PROFILE_VDEV && pr->queues_kvarg[0] != '\0')
		return RTE_MAX(pc->rx_queues, nb_txq);
	return pc->rx_queues;
}

unsigned int
ps_port_desc_mbuf_need(const struct ps_port_config *pc,
		       const struct ps_profile *pr, uint16_t nb_txq,
		       uint16_t burst)
{
	RTE_SET_USED(burst);
	return rx_queues(pc, pr, nb_txq) * pr->rx_desc + nb_txq * pr->tx_desc;
}

unsigned int
ps_port_mbuf_need(const struct ps_port_config *pc, uint16_t nb_txq,
		  uint16_t burst)
{
	const struct ps_profile *pr = ps_profile_find(pc->driver);

	if (pr == NULL)
		return 0;
	return backend_of(pr)->mbuf_need(pc, pr, nb_txq, burst);
}

int
ps_port_create(const struct ps_port_config *pc, uint16_t nb_txq,
	       struct rte_mempool *pool)
{
	const struct ps_profile *pr = ps_profile_find(pc->driver);
	struct ps_port *p = NULL;
	unsigned int id;
	int rc;

	if (pr == NULL)
		return -ENOENT;
	/* Said here, by name: a vdev's probe fails with -1 alone, which
	 * read as "Operation not permitted". */
	if (ps_port_missing_iface(pc) != NULL) {
		PORT_LOG(ERR, "%s: no such interface '%s'\n", pc->name,
			 ps_port_missing_iface(pc));
		return -ENODEV;
	}
	for (id = 0; id < PS_MAX_PORTS; id++)
		if (ps_ports[id].ops == NULL) {
			p = &ps_ports[id];
			break;
		}
	if (p == NULL) {
		PORT_LOG(ERR, "%s: all %u port ids are in use\n", pc->name,
			 PS_MAX_PORTS);
		return -ENOSPC;
	}
	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%s", pc->name);
	p->role = pc->role;
	p->port_id = (uint16_t)id;
	p->nb_rxq = rx_queues(pc, pr, nb_txq);
	p->nb_txq = nb_txq;
	p->profile = pr;
	rc = backend_of(pr)->open(p, pc, nb_txq, pool);
	if (rc < 0) {
		PORT_LOG(ERR, "%s: cannot create %s port: %s\n", pc->name,
			 pc->driver, rte_strerror(-rc));
		memset(p, 0, sizeof(*p));
		return rc;
	}
	/* Taken only now: a failed open leaves the id free. */
	p->ops = backend_of(pr);
	p->in_segment = pc->role == PS_ROLE_POD;
	p->active = true;
	PORT_LOG(INFO, "%s: port %u (%s backend, %s) role %s, %u rxq, %u txq\n",
		 pc->name, id, p->ops->name, p->devname,
		 ps_port_role_name(pc->role), p->nb_rxq, nb_txq);
	return (int)id;
}

void
ps_port_destroy(uint16_t port_id)
{
	struct ps_port *p;

	if (port_id >= PS_MAX_PORTS)
		return;
	p = &ps_ports[port_id];
	/* Not "active": a port being removed is inactive before it closes. */
	if (p->ops == NULL)
		return;
	p->active = false;
	p->ops->close(p);
	memset(p, 0, sizeof(*p));
}

void
ps_port_stats_get(uint16_t port_id, struct ps_port_stats *st)
{
	const struct ps_port *p;
	unsigned int w;

	memset(st, 0, sizeof(*st));
	if (port_id >= PS_MAX_PORTS || ps_ports[port_id].ops == NULL)
		return;
	p = &ps_ports[port_id];
	p->ops->stats(p, st);
	for (w = 0; w < PS_MAX_WORKERS; w++)
		st->tx_dropped += p->sw[w].tx_dropped;
}

bool
ps_port_link_up(uint16_t port_id)
{
	const struct ps_port *p;

	if (port_id >= PS_MAX_PORTS || ps_ports[port_id].ops == NULL)
		return false;
	p = &ps_ports[port_id];
	return p->ops->link_up(p);
}

int
ps_port_mac_get(uint16_t port_id, struct rte_ether_addr *mac)
{
	const struct ps_port *p;

	if (port_id >= PS_MAX_PORTS || ps_ports[port_id].ops == NULL)
		return -ENODEV;
	p = &ps_ports[port_id];
	return p->ops->mac_get != NULL ? p->ops->mac_get(p, mac) : -ENOTSUP;
}

int
ps_port_mtu_get(uint16_t port_id, uint16_t *mtu)
{
	const struct ps_port *p;

	if (port_id >= PS_MAX_PORTS || ps_ports[port_id].ops == NULL)
		return -ENODEV;
	p = &ps_ports[port_id];
	return p->ops->mtu_get != NULL ? p->ops->mtu_get(p, mtu) : -ENOTSUP;
}
