/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>

#include <rte_bus_vdev.h>
#include <rte_dev.h>
#include <rte_errno.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_log.h>
#include <rte_ring.h>

#include <podswitch/port.h>

RTE_LOG_REGISTER(ps_logtype_port, podswitch.port, INFO);
#define PORT_LOG(level, ...) \
	rte_log(RTE_LOG_ ## level, ps_logtype_port, "port: " __VA_ARGS__)

struct ps_port ps_ports[RTE_MAX_ETHPORTS];

static struct rte_ring *
ring_get(const char *name, int socket)
{
	struct rte_ring *r = rte_ring_lookup(name);

	if (r == NULL)
		r = rte_ring_create(name, 1024, socket, 0);
	return r;
}

/* Create the ethdev; returns its port id or -errno. */
static int
port_probe(const struct ps_port_config *pc, const struct ps_profile *pr,
	   uint16_t nb_queues, char *devname, size_t len)
{
	char devargs[1024];
	const char *comma;
	uint16_t pid;
	int rc;

	switch (pr->kind) {
	case PS_PROFILE_VDEV:
		rc = ps_port_devargs(pc, pr, nb_queues, devargs, sizeof(devargs));
		if (rc < 0)
			return rc;
		comma = strchr(devargs, ',');
		snprintf(devname, len, "%.*s",
			 (int)(comma ? comma - devargs : (long)strlen(devargs)),
			 devargs);
		PORT_LOG(INFO, "%s: vdev %s\n", pc->name, devargs);
		rc = rte_vdev_init(devname, comma ? comma + 1 : NULL);
		if (rc < 0)
			return rc;
		break;
	case PS_PROFILE_RING: {
		struct rte_ring *rx[1], *tx[PS_MAX_WORKERS];
		const char *rxn = ps_port_arg(pc, "rx_ring");
		const char *txn = ps_port_arg(pc, "tx_ring");
		unsigned int i;

		rx[0] = ring_get(rxn, (int)rte_socket_id());
		tx[0] = ring_get(txn, (int)rte_socket_id());
		if (rx[0] == NULL || tx[0] == NULL)
			return -ENOMEM;
		/* Every worker's tx queue feeds the same (multi-producer) ring. */
		for (i = 1; i < nb_queues && i < PS_MAX_WORKERS; i++)
			tx[i] = tx[0];
		/* rte_eth_from_rings creates the vdev "net_ring_<name>" itself;
		 * ps_port_destroy removes it by that name. */
		snprintf(devname, len, "net_ring_%s", pc->name);
		rc = rte_eth_from_rings(pc->name, rx, 1, tx, nb_queues,
					(unsigned int)rte_socket_id());
		if (rc < 0)
			return -rte_errno ? -rte_errno : rc;
		return rc;
	}
	case PS_PROFILE_PCI:
		snprintf(devname, len, "%s", ps_port_arg(pc, "address"));
		rc = rte_dev_probe(devname);
		if (rc < 0)
			return rc;
		break;
	}
	rc = rte_eth_dev_get_port_by_name(devname, &pid);
	return rc < 0 ? rc : pid;
}

/*
 * A vdev told how many queues it has (af_packet's qpairs, vhost-user's
 * queues) makes that many in each direction, and the other end spreads
 * over all of them: the kernel fans flows out over every packet socket, a
 * virtio guest transmits on every queue it was offered. Each rx queue it
 * has must then be polled, or the flows hashed to an unpolled one vanish
 * (two workers, one tx queue each, made af_packet ports lose half their
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
ps_port_mbuf_need(const struct ps_port_config *pc, uint16_t nb_txq)
{
	const struct ps_profile *pr = ps_profile_find(pc->driver);

	if (pr == NULL)
		return 0;
	return rx_queues(pc, pr, nb_txq) * pr->rx_desc + nb_txq * pr->tx_desc;
}

int
ps_port_create(const struct ps_port_config *pc, uint16_t nb_txq,
	       struct rte_mempool *pool)
{
	const struct ps_profile *pr = ps_profile_find(pc->driver);
	struct rte_eth_conf conf = { 0 };
	struct rte_eth_dev_info info;
	char devname[RTE_ETH_NAME_MAX_LEN];
	uint16_t nb_rxd, nb_txd, q, nb_rxq;
	struct ps_port *p;
	int rc, pid, socket;

	if (pr == NULL)
		return -ENOENT;
	nb_rxq = rx_queues(pc, pr, nb_txq);
	pid = port_probe(pc, pr, RTE_MAX(nb_rxq, nb_txq), devname,
			 sizeof(devname));
	if (pid < 0) {
		PORT_LOG(ERR, "%s: cannot create %s port: %s\n", pc->name,
			 pc->driver, rte_strerror(-pid));
		return pid;
	}
	rc = rte_eth_dev_info_get((uint16_t)pid, &info);
	if (rc < 0)
		goto fail;
	if (nb_rxq > info.max_rx_queues || nb_txq > info.max_tx_queues) {
		PORT_LOG(ERR, "%s: needs %u rx / %u tx queues, driver has %u / %u\n",
			 pc->name, nb_rxq, nb_txq, info.max_rx_queues,
			 info.max_tx_queues);
		rc = -ENOTSUP;
		goto fail;
	}
	conf.rxmode.offloads = pr->rx_offloads & info.rx_offload_capa;
	conf.txmode.offloads = pr->tx_offloads & info.tx_offload_capa;
	if (nb_rxq > 1 && info.flow_type_rss_offloads != 0) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf = (RTE_ETH_RSS_IP |
			RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP) &
			info.flow_type_rss_offloads;
	}
	rc = rte_eth_dev_configure((uint16_t)pid, nb_rxq, nb_txq, &conf);
	if (rc < 0)
		goto fail;
	nb_rxd = pr->rx_desc;
	nb_txd = pr->tx_desc;
	rc = rte_eth_dev_adjust_nb_rx_tx_desc((uint16_t)pid, &nb_rxd, &nb_txd);
	if (rc < 0)
		goto fail;
	socket = rte_eth_dev_socket_id((uint16_t)pid);
	if (socket < 0)
		socket = (int)rte_socket_id();
	for (q = 0; q < nb_rxq; q++) {
		rc = rte_eth_rx_queue_setup((uint16_t)pid, q, nb_rxd,
					    (unsigned int)socket, NULL, pool);
		if (rc < 0)
			goto fail;
	}
	for (q = 0; q < nb_txq; q++) {
		rc = rte_eth_tx_queue_setup((uint16_t)pid, q, nb_txd,
					    (unsigned int)socket, NULL);
		if (rc < 0)
			goto fail;
	}
	rc = rte_eth_dev_start((uint16_t)pid);
	if (rc < 0)
		goto fail;
	if (pr->promiscuous) {
		rc = rte_eth_promiscuous_enable((uint16_t)pid);
		if (rc < 0 && rc != -ENOTSUP)
			PORT_LOG(WARNING, "%s: promiscuous mode: %s\n", pc->name,
				 rte_strerror(-rc));
	}

	p = &ps_ports[pid];
	memset(p, 0, sizeof(*p));
	p->active = true;
	snprintf(p->name, sizeof(p->name), "%s", pc->name);
	snprintf(p->devname, sizeof(p->devname), "%s", devname);
	p->role = pc->role;
	p->port_id = (uint16_t)pid;
	p->nb_rxq = nb_rxq;
	p->nb_txq = nb_txq;
	p->in_segment = pc->role == PS_ROLE_POD;
	p->profile = pr;
	PORT_LOG(INFO, "%s: port %d (%s) role %s, %u rxq, %u txq, %u/%u desc\n",
		 pc->name, pid, devname, ps_port_role_name(pc->role), nb_rxq,
		 nb_txq, nb_rxd, nb_txd);
	return pid;
fail:
	PORT_LOG(ERR, "%s: setup failed: %s\n", pc->name, rte_strerror(-rc));
	rte_eth_dev_close((uint16_t)pid);
	if (pr->kind != PS_PROFILE_PCI)
		rte_vdev_uninit(devname);
	return rc;
}

void
ps_port_destroy(uint16_t port_id)
{
	struct ps_port *p = &ps_ports[port_id];

	/* Not "active": a port being removed is inactive before it closes. */
	if (p->profile == NULL)
		return;
	p->active = false;
	/* Leave a kernel interface (af_packet, af_xdp) as we found it. */
	if (p->profile->promiscuous)
		rte_eth_promiscuous_disable(port_id);
	rte_eth_dev_stop(port_id);
	rte_eth_dev_close(port_id);
	/* A PCI device stays probed (EAL cleanup detaches it); a vdev (ring
	 * ports are vdevs too) is removed so that its socket, interface and
	 * name are released now. */
	if (p->profile->kind != PS_PROFILE_PCI)
		rte_vdev_uninit(p->devname);
	p->profile = NULL;
}
