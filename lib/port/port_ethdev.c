/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The ethdev backend: a DPDK ethdev made from the driver profile (a vdev
 * from its devargs, or a PCI device), so every PMD DPDK has works as a
 * podswitch port. Each one takes one of DPDK's RTE_MAX_ETHPORTS ids.
 */
#include <errno.h>
#include <string.h>

#include <rte_bus_vdev.h>
#include <rte_dev.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_log.h>
#include <rte_malloc.h>

#include <podswitch/port.h>
#include <podswitch/port_csum.h>

#define PORT_LOG(level, ...) \
	rte_log(RTE_LOG_ ## level, ps_logtype_port, "port: " __VA_ARGS__)

/* Per rx queue (one worker each): checksums completed (p->priv, only
 * for a profile with rx_csum_complete). */
struct eth_rxq_sw {
	uint64_t csum_completed;
} __rte_cache_aligned;

/* Create the ethdev; returns its ethdev id or -errno. */
static int
eth_probe(const struct ps_port_config *pc, const struct ps_profile *pr,
	  uint16_t nb_queues, char *devname, size_t len)
{
	char devargs[1024];
	const char *comma;
	uint16_t pid;
	int rc;

	if (pr->kind == PS_PROFILE_PCI) {
		snprintf(devname, len, "%s", ps_port_arg(pc, "address"));
		rc = rte_dev_probe(devname);
		if (rc < 0)
			return rc;
	} else {
		rc = ps_port_devargs(pc, pr, nb_queues, devargs, sizeof(devargs));
		if (rc < 0)
			return rc;
		comma = strchr(devargs, ',');
		snprintf(devname, len, "%.*s",
			 (int)(comma ? comma - devargs : (long)strlen(devargs)),
			 devargs);
		PORT_LOG(INFO, "%s: vdev %s\n", pc->name, devargs);
		if (rte_eth_dev_count_avail() >= RTE_MAX_ETHPORTS) {
			PORT_LOG(ERR, "%s: all %d DPDK ethdev ids are in use "
				 "(RTE_MAX_ETHPORTS); native ring and af_packet "
				 "ports take none\n", pc->name, RTE_MAX_ETHPORTS);
			return -ENOSPC;
		}
		rc = rte_vdev_init(devname, comma ? comma + 1 : NULL);
		if (rc < 0)
			return rc;
	}
	rc = rte_eth_dev_get_port_by_name(devname, &pid);
	return rc < 0 ? rc : pid;
}

static void
eth_remove(uint16_t eth_id, const struct ps_profile *pr, const char *devname)
{
	rte_eth_dev_close(eth_id);
	/* A PCI device stays probed (EAL cleanup detaches it); a vdev is
	 * removed so that its socket, interface and name are released now. */
	if (pr->kind != PS_PROFILE_PCI)
		rte_vdev_uninit(devname);
}

static int
eth_setup(uint16_t pid, const struct ps_port_config *pc,
	  const struct ps_profile *pr, uint16_t nb_rxq, uint16_t nb_txq,
	  struct rte_mempool *pool)
{
	struct rte_eth_conf conf = { 0 };
	struct rte_eth_dev_info info;
	uint16_t nb_rxd, nb_txd, q;
	int rc, socket;

	rc = rte_eth_dev_info_get(pid, &info);
	if (rc < 0)
		return rc;
	if (nb_rxq > info.max_rx_queues || nb_txq > info.max_tx_queues) {
		PORT_LOG(ERR, "%s: needs %u rx / %u tx queues, driver has %u / %u\n",
			 pc->name, nb_rxq, nb_txq, info.max_rx_queues,
			 info.max_tx_queues);
		return -ENOTSUP;
	}
	conf.rxmode.offloads = pr->rx_offloads & info.rx_offload_capa;
	conf.txmode.offloads = pr->tx_offloads & info.tx_offload_capa;
	if (nb_rxq > 1 && info.flow_type_rss_offloads != 0) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf = (RTE_ETH_RSS_IP |
			RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP) &
			info.flow_type_rss_offloads;
	}
	rc = rte_eth_dev_configure(pid, nb_rxq, nb_txq, &conf);
	if (rc < 0)
		return rc;
	nb_rxd = pr->rx_desc;
	nb_txd = pr->tx_desc;
	rc = rte_eth_dev_adjust_nb_rx_tx_desc(pid, &nb_rxd, &nb_txd);
	if (rc < 0)
		return rc;
	socket = rte_eth_dev_socket_id(pid);
	if (socket < 0)
		socket = (int)rte_socket_id();
	for (q = 0; q < nb_rxq; q++) {
		rc = rte_eth_rx_queue_setup(pid, q, nb_rxd, (unsigned int)socket,
					    NULL, pool);
		if (rc < 0)
			return rc;
	}
	for (q = 0; q < nb_txq; q++) {
		rc = rte_eth_tx_queue_setup(pid, q, nb_txd, (unsigned int)socket,
					    NULL);
		if (rc < 0)
			return rc;
	}
	rc = rte_eth_dev_start(pid);
	if (rc < 0)
		return rc;
	if (pr->promiscuous) {
		rc = rte_eth_promiscuous_enable(pid);
		if (rc < 0 && rc != -ENOTSUP)
			PORT_LOG(WARNING, "%s: promiscuous mode: %s\n", pc->name,
				 rte_strerror(-rc));
	}
	PORT_LOG(INFO, "%s: ethdev %u, %u/%u descriptors\n", pc->name, pid,
		 nb_rxd, nb_txd);
	return 0;
}

static int
eth_open(struct ps_port *p, const struct ps_port_config *pc, uint16_t nb_txq,
	 struct rte_mempool *pool)
{
	const struct ps_profile *pr = p->profile;
	int pid, rc;

	pid = eth_probe(pc, pr, RTE_MAX(p->nb_rxq, nb_txq), p->devname,
			sizeof(p->devname));
	if (pid < 0)
		return pid;
	rc = eth_setup((uint16_t)pid, pc, pr, p->nb_rxq, nb_txq, pool);
	if (rc < 0) {
		PORT_LOG(ERR, "%s: setup failed: %s\n", pc->name,
			 rte_strerror(-rc));
		eth_remove((uint16_t)pid, pr, p->devname);
		return rc;
	}
	p->eth_id = (uint16_t)pid;
	if (pr->rx_csum_complete) {
		p->priv = rte_zmalloc("ps_eth_rxq", sizeof(struct eth_rxq_sw) *
				      p->nb_rxq, RTE_CACHE_LINE_SIZE);
		if (p->priv == NULL) {
			eth_remove((uint16_t)pid, pr, p->devname);
			return -ENOMEM;
		}
	}
	return 0;
}

static void
eth_close(struct ps_port *p)
{
	/* Leave a kernel interface (af_xdp, tap) as we found it. */
	if (p->profile->promiscuous)
		rte_eth_promiscuous_disable(p->eth_id);
	rte_eth_dev_stop(p->eth_id);
	eth_remove(p->eth_id, p->profile, p->devname);
	rte_free(p->priv);
	p->priv = NULL;
}

/*
 * AF_XDP gives a frame as the sending stack left it: a Linux pod with
 * transmit checksum offload on (the default) leaves its TCP/UDP checksum
 * partial, and nothing says so. Completed here, before any node (NAT,
 * VXLAN) or any peer that checks it sees the frame.
 */
static void
eth_rx_csum(struct eth_rxq_sw *sw, struct rte_mbuf **pkts, uint16_t n)
{
	uint64_t done = 0;
	uint16_t i;

	for (i = 0; i < n; i++)
		if (likely(rte_pktmbuf_is_contiguous(pkts[i])))
			done += (uint64_t)ps_csum_complete_partial(
				rte_pktmbuf_mtod(pkts[i], uint8_t *),
				pkts[i]->data_len);
	sw->csum_completed += done;
}

static uint16_t
eth_rx(struct ps_port *p, uint16_t q, struct rte_mbuf **pkts, uint16_t n)
{
	uint16_t got = rte_eth_rx_burst(p->eth_id, q, pkts, n);

	if (p->priv != NULL && got != 0)
		eth_rx_csum((struct eth_rxq_sw *)p->priv + q, pkts, got);
	return got;
}

static uint16_t
eth_tx(struct ps_port *p, uint16_t q, struct rte_mbuf **pkts, uint16_t n)
{
	uint16_t sent = rte_eth_tx_burst(p->eth_id, q, pkts, n);

	/* One more try: a virtio ring often frees slots meanwhile. */
	if (unlikely(sent < n))
		sent += rte_eth_tx_burst(p->eth_id, q, pkts + sent, n - sent);
	return sent;
}

static void
eth_stats(const struct ps_port *p, struct ps_port_stats *st)
{
	struct rte_eth_stats es;

	memset(&es, 0, sizeof(es));
	rte_eth_stats_get(p->eth_id, &es);
	st->rx_packets = es.ipackets;
	st->tx_packets = es.opackets;
	st->rx_bytes = es.ibytes;
	st->tx_bytes = es.obytes;
	st->rx_missed = es.imissed;
	st->rx_errors = es.ierrors;
	st->tx_errors = es.oerrors;
	st->rx_nombuf = es.rx_nombuf;
	if (p->priv != NULL) {
		const struct eth_rxq_sw *sw = p->priv;
		uint16_t q;

		for (q = 0; q < p->nb_rxq; q++)
			st->rx_csum_completed += sw[q].csum_completed;
	}
}

static bool
eth_link_up(const struct ps_port *p)
{
	struct rte_eth_link link;

	memset(&link, 0, sizeof(link));
	rte_eth_link_get_nowait(p->eth_id, &link);
	return link.link_status == RTE_ETH_LINK_UP;
}

static int
eth_mac_get(const struct ps_port *p, struct rte_ether_addr *mac)
{
	return rte_eth_macaddr_get(p->eth_id, mac);
}

static int
eth_mtu_get(const struct ps_port *p, uint16_t *mtu)
{
	return rte_eth_dev_get_mtu(p->eth_id, mtu);
}

const struct ps_port_ops ps_port_ethdev_ops = {
	.name = "ethdev",
	.open = eth_open,
	.close = eth_close,
	.rx_burst = eth_rx,
	.tx_burst = eth_tx,
	.stats = eth_stats,
	.link_up = eth_link_up,
	.mac_get = eth_mac_get,
	.mtu_get = eth_mtu_get,
	/* every rx descriptor holds an mbuf; tx ones until completion */
	.mbuf_need = ps_port_desc_mbuf_need,
};
