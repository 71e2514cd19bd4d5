/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The native af_packet backend: a raw packet socket bound to a kernel
 * interface (a pod's veth), with TPACKET_V2 rings mmap'ed into our
 * memory. It takes no DPDK ethdev id, so a node can have hundreds of
 * them (Debian's DPDK stops at 32 ethdevs).
 *
 * rx: one socket per rx queue (several join a PACKET_FANOUT_HASH group,
 *     without the defrag flag: we forward fragments as they come). The
 *     worker reads frames the kernel marked TP_STATUS_USER, copies each
 *     into an mbuf of the pool and gives the frame back: no system call.
 *     PACKET_VNET_HDR puts a virtio-net header before each frame: what a
 *     Linux sender with default offloads left unfinished. A partial
 *     TCP/UDP checksum is completed here; a TCP GSO frame (TSO on a
 *     veth: up to 64 KB) is cut into MSS-sized segments. Such a frame is
 *     longer than a ring frame: PACKET_COPY_THRESH makes the kernel also
 *     queue it whole on the socket, read with one recv() per GSO frame
 *     (tens of segments), the only system call of rx. Segments beyond the
 *     burst wait in a per-queue stash for the next one.
 * tx: one socket per worker (protocol 0: it receives nothing), with a tx
 *     ring. The worker copies each mbuf into a free frame, frees the mbuf
 *     and, once per burst, kicks the kernel with sendto(MSG_DONTWAIT):
 *     one system call per burst, never per packet, and it never blocks.
 * No descriptor holds an mbuf, so the pool needs no reserve for these
 * ports; their cost is the rings' kernel memory (frames x frame size).
 */
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/virtio_net.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include <rte_branch_prediction.h>
#include <rte_errno.h>
#include <rte_graph.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_memcpy.h>

#include <podswitch/port.h>
#include <podswitch/port_csum.h>

#define PORT_LOG(level, ...) \
	rte_log(RTE_LOG_ ## level, ps_logtype_port, "port: " __VA_ARGS__)

#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING 23
#endif

#define VNET_HLEN sizeof(struct virtio_net_hdr)
/* A frame the kernel queues whole (TP_STATUS_COPY): its virtio-net
 * header and up to 64 KB of IP after an Ethernet and a VLAN header. */
#define BIG_LEN (VNET_HLEN + 65536 + RTE_ETHER_HDR_LEN + 4)
/* What the socket may hold of such frames before the kernel stops
 * copying them (they are read within the same burst). */
#define COPY_RCVBUF (4u << 20)
/* mbufs a queue may hold in its stash of GSO segments, for pool sizing */
#define AFP_GSO_RESERVE 64

/* Where a frame's data starts in a tx frame (as the kernel expects it). */
#define TX_DATA_OFF (TPACKET2_HDRLEN - sizeof(struct sockaddr_ll))

struct afp_ring {
	int fd;
	void *map;
	size_t map_len;
	uint8_t **frames;	/* frame i's header */
	unsigned int nr;
	unsigned int next;
	uint32_t frame_size;
};

struct afp_rxq {
	struct afp_ring ring;
	struct rte_mempool *pool;
	uint8_t *big;		/* BIG_LEN bytes for a TP_STATUS_COPY frame */
	/* segments of a GSO frame that did not fit the burst */
	uint16_t stash_n;
	uint16_t stash_pos;
	struct rte_mbuf *stash[PS_GSO_MAX_SEGS];
	struct rte_mbuf *pre[RTE_GRAPH_BURST_SIZE];	/* one per ring frame */
	/* written by the one worker polling the queue */
	uint64_t packets;
	uint64_t bytes;
	uint64_t nombuf;
	/* frames larger than an mbuf, cut, or whose kernel state we cannot
	 * finish (GSO other than TCP/IPv4, bad offsets) */
	uint64_t errors;
	uint64_t csum_completed;
	uint64_t gso;
	/* kernel drops (PACKET_STATISTICS resets on read: summed here by
	 * the management thread) */
	uint64_t kernel_drops;
} __rte_cache_aligned;

struct afp_port {
	char iface[IF_NAMESIZE];
	int ifindex;
	int fanout_id;		/* the rx sockets' group, -1 before the first */
	uint16_t nb_rxq;
	uint16_t nb_txq;
	struct afp_rxq *rxq;
	struct afp_ring *txq;
};

static int
uint_arg(const struct ps_port_config *pc, const struct ps_profile *pr,
	 const char *key, unsigned int min, unsigned int max, unsigned int *out)
{
	const char *v = ps_port_arg_or_default(pc, pr, key);
	char *end;
	unsigned long u;

	if (v == NULL)
		return -EINVAL;
	errno = 0;
	u = strtoul(v, &end, 0);
	if (errno != 0 || *end != '\0' || u < min || u > max) {
		PORT_LOG(ERR, "%s: args.%s must be an integer in %u..%u, not "
			 "\"%s\"\n", pc->name, key, min, max, v);
		return -EINVAL;
	}
	*out = (unsigned int)u;
	return 0;
}

static void
ring_unmap(struct afp_ring *r)
{
	if (r->map != NULL && r->map != MAP_FAILED)
		munmap(r->map, r->map_len);
	if (r->fd >= 0)
		close(r->fd);
	free(r->frames);
	memset(r, 0, sizeof(*r));
	r->fd = -1;
}

/*
 * A packet socket with one TPACKET_V2 ring (PACKET_RX_RING or
 * PACKET_TX_RING) of nr frames, mapped. It is bound later: a socket
 * bound with a protocol receives from then on.
 */
static int
ring_map(struct afp_ring *r, int ring_opt, unsigned int block,
	 unsigned int frame, unsigned int nr, bool vnet)
{
	struct tpacket_req req = { 0 };
	int ver = TPACKET_V2, one = 1, rc;
	unsigned int per_block = block / frame, i;

	memset(r, 0, sizeof(*r));
	r->fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (r->fd < 0)
		return -errno;
	if (setsockopt(r->fd, SOL_PACKET, PACKET_VERSION, &ver,
		       sizeof(ver)) < 0)
		goto err;
	/* Before the ring: the kernel refuses it on a socket with one. */
	if (vnet && setsockopt(r->fd, SOL_PACKET, PACKET_VNET_HDR, &one,
			       sizeof(one)) < 0)
		goto err;
	req.tp_block_size = block;
	req.tp_frame_size = frame;
	req.tp_block_nr = (nr + per_block - 1) / per_block;
	req.tp_frame_nr = req.tp_block_nr * per_block;
	if (setsockopt(r->fd, SOL_PACKET, ring_opt, &req, sizeof(req)) < 0)
		goto err;
	r->map_len = (size_t)req.tp_block_size * req.tp_block_nr;
	r->map = mmap(NULL, r->map_len, PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_LOCKED | MAP_POPULATE, r->fd, 0);
	if (r->map == MAP_FAILED) {
		/* MAP_LOCKED needs RLIMIT_MEMLOCK; the ring works without. */
		r->map = mmap(NULL, r->map_len, PROT_READ | PROT_WRITE,
			      MAP_SHARED | MAP_POPULATE, r->fd, 0);
		if (r->map == MAP_FAILED)
			goto err;
	}
	r->nr = req.tp_frame_nr;
	r->frame_size = frame;
	r->frames = calloc(r->nr, sizeof(*r->frames));
	if (r->frames == NULL) {
		errno = ENOMEM;
		goto err;
	}
	for (i = 0; i < r->nr; i++)
		r->frames[i] = (uint8_t *)r->map +
			       (size_t)(i / per_block) * block +
			       (size_t)(i % per_block) * frame;
	return 0;
err:
	rc = -errno;
	ring_unmap(r);
	return rc;
}

static int
sock_bind(int fd, int ifindex, uint16_t proto)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(proto),
		.sll_ifindex = ifindex,
	};

	return bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0 ? -errno : 0;
}

/* Frames longer than a ring frame (GSO) reach us whole on the socket. */
static int
rxq_copy_setup(struct afp_rxq *q)
{
	int one = 1, sz = COPY_RCVBUF;

	q->big = rte_malloc("ps_afp_big", BIG_LEN, RTE_CACHE_LINE_SIZE);
	if (q->big == NULL)
		return -ENOMEM;
	/* Any threshold: such a frame is then also queued whole, not only
	 * cut to the ring frame. */
	if (setsockopt(q->ring.fd, SOL_PACKET, PACKET_COPY_THRESH, &one,
		       sizeof(one)) < 0)
		return -errno;
	/* Root may exceed net.core.rmem_max; anyone else gets up to it. */
	if (setsockopt(q->ring.fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz,
		       sizeof(sz)) < 0)
		setsockopt(q->ring.fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	return 0;
}

static int
rxq_open(struct afp_port *a, struct afp_rxq *q, const struct ps_port *p,
	 unsigned int block, unsigned int frame, unsigned int nr,
	 struct rte_mempool *pool)
{
	int one = 1, rc;

	rc = ring_map(&q->ring, PACKET_RX_RING, block, frame, nr, true);
	if (rc < 0)
		return rc;
	q->pool = pool;
	rc = rxq_copy_setup(q);
	if (rc < 0)
		return rc;
	/* Our own tx sockets' frames are not ours to receive (with
	 * qdisc_bypass they are not even shown; without, they would be). */
	setsockopt(q->ring.fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one,
		   sizeof(one));
	if (p->profile->promiscuous) {
		struct packet_mreq mr = {
			.mr_ifindex = a->ifindex,
			.mr_type = PACKET_MR_PROMISC,
		};

		/* Dropped by the kernel when the socket closes. */
		if (setsockopt(q->ring.fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP,
			       &mr, sizeof(mr)) < 0)
			PORT_LOG(WARNING, "%s: promiscuous mode on %s: %s\n",
				 p->name, a->iface, strerror(errno));
	}
	rc = sock_bind(q->ring.fd, a->ifindex, ETH_P_ALL);
	if (rc == 0 && a->nb_rxq > 1) {
		/* Group ids are global to the network namespace: the kernel
		 * picks a free one for the first socket (a guessed id can be
		 * another process's group, on another device), the others
		 * join it. */
		int arg = a->fanout_id < 0 ?
			(PACKET_FANOUT_HASH | PACKET_FANOUT_FLAG_UNIQUEID) << 16 :
			a->fanout_id | (PACKET_FANOUT_HASH << 16);
		socklen_t len = sizeof(arg);

		if (setsockopt(q->ring.fd, SOL_PACKET, PACKET_FANOUT, &arg,
			       sizeof(arg)) < 0)
			rc = -errno;
		else if (a->fanout_id < 0 &&
			 getsockopt(q->ring.fd, SOL_PACKET, PACKET_FANOUT, &arg,
				    &len) == 0)
			a->fanout_id = arg & 0xffff;
		else if (a->fanout_id < 0)
			rc = -errno;
	}
	return rc;
}

static int
txq_open(struct afp_port *a, struct afp_ring *r, unsigned int block,
	 unsigned int frame, unsigned int nr, bool bypass)
{
	int one = 1, rc;

	rc = ring_map(r, PACKET_TX_RING, block, frame, nr, false);
	if (rc < 0)
		return rc;
	/* A malformed frame is skipped, not left blocking the ring. */
	setsockopt(r->fd, SOL_PACKET, PACKET_LOSS, &one, sizeof(one));
	if (bypass)
		setsockopt(r->fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one,
			   sizeof(one));
	/* Protocol 0: this socket sends and receives nothing. */
	return sock_bind(r->fd, a->ifindex, 0);
}

static void
afp_free(struct afp_port *a)
{
	unsigned int i;

	if (a->rxq != NULL)
		for (i = 0; i < a->nb_rxq; i++) {
			struct afp_rxq *q = &a->rxq[i];

			ring_unmap(&q->ring);
			rte_free(q->big);
			while (q->stash_pos < q->stash_n)
				rte_pktmbuf_free(q->stash[q->stash_pos++]);
		}
	if (a->txq != NULL)
		for (i = 0; i < a->nb_txq; i++)
			ring_unmap(&a->txq[i]);
	rte_free(a->rxq);
	free(a->txq);
	free(a);
}

static int
afp_open(struct ps_port *p, const struct ps_port_config *pc, uint16_t nb_txq,
	 struct rte_mempool *pool)
{
	const struct ps_profile *pr = p->profile;
	const char *iface = ps_port_arg(pc, "iface");
	unsigned int block, frame, nr, txnr, bypass, i;
	struct afp_port *a;
	int rc;

	if (iface == NULL || strlen(iface) >= IF_NAMESIZE)
		return -EINVAL;
	if (uint_arg(pc, pr, "blocksz", 4096, 1u << 22, &block) < 0 ||
	    uint_arg(pc, pr, "framesz", 256, 65536, &frame) < 0 ||
	    uint_arg(pc, pr, "framecnt", 8, 1u << 16, &nr) < 0 ||
	    uint_arg(pc, pr, "tx_framecnt", 8, 1u << 16, &txnr) < 0 ||
	    uint_arg(pc, pr, "qdisc_bypass", 0, 1, &bypass) < 0)
		return -EINVAL;
	if (block % (unsigned int)getpagesize() != 0 || frame > block ||
	    frame % TPACKET_ALIGNMENT != 0) {
		PORT_LOG(ERR, "%s: blocksz must be a multiple of the page size "
			 "and hold framesz, a multiple of %d\n", pc->name,
			 TPACKET_ALIGNMENT);
		return -EINVAL;
	}
	a = calloc(1, sizeof(*a));
	if (a == NULL)
		return -ENOMEM;
	snprintf(a->iface, sizeof(a->iface), "%s", iface);
	a->fanout_id = -1;
	a->ifindex = (int)if_nametoindex(iface);
	if (a->ifindex == 0) {
		PORT_LOG(ERR, "%s: no interface %s\n", pc->name, iface);
		free(a);
		return -ENODEV;
	}
	a->rxq = rte_zmalloc("ps_afp_rxq", p->nb_rxq * sizeof(*a->rxq),
			     RTE_CACHE_LINE_SIZE);
	a->txq = calloc(nb_txq, sizeof(*a->txq));
	if (a->rxq == NULL || a->txq == NULL) {
		afp_free(a);
		return -ENOMEM;
	}
	for (i = 0; i < p->nb_rxq; i++)
		a->rxq[i].ring.fd = -1;
	for (i = 0; i < nb_txq; i++)
		a->txq[i].fd = -1;
	/* afp_free closes what opened: every fd starts at -1. */
	a->nb_rxq = p->nb_rxq;
	a->nb_txq = nb_txq;
	rc = 0;
	for (i = 0; rc == 0 && i < p->nb_rxq; i++)
		rc = rxq_open(a, &a->rxq[i], p, block, frame, nr, pool);
	for (i = 0; rc == 0 && i < nb_txq; i++)
		rc = txq_open(a, &a->txq[i], block, frame, txnr, bypass != 0);
	if (rc < 0) {
		PORT_LOG(ERR, "%s: packet socket on %s: %s\n", pc->name, iface,
			 strerror(-rc));
		afp_free(a);
		return rc;
	}
	snprintf(p->devname, sizeof(p->devname), "af_packet:%s", iface);
	p->priv = a;
	return 0;
}

static void
afp_close(struct ps_port *p)
{
	afp_free(p->priv);
	p->priv = NULL;
}

/* The tag the kernel took off the frame, on each mbuf made of it. */
static void
rx_vlan(const struct tpacket2_hdr *h, struct rte_mbuf **m, unsigned int n)
{
	unsigned int i;

	if (likely(!(h->tp_status & TP_STATUS_VLAN_VALID)))
		return;
	for (i = 0; i < n; i++) {
		m[i]->vlan_tci = h->tp_vlan_tci;
		m[i]->ol_flags |= RTE_MBUF_F_RX_VLAN |
				  RTE_MBUF_F_RX_VLAN_STRIPPED;
	}
}

/* Hand out segments left from an earlier burst. */
static unsigned int
stash_drain(struct afp_rxq *q, struct rte_mbuf **pkts, unsigned int n)
{
	unsigned int k = RTE_MIN(n, (unsigned int)(q->stash_n - q->stash_pos));

	memcpy(pkts, q->stash + q->stash_pos, k * sizeof(*pkts));
	q->stash_pos += k;
	q->packets += k;
	if (q->stash_pos == q->stash_n)
		q->stash_pos = q->stash_n = 0;
	return k;
}

/*
 * A TCP GSO frame cut into segments: as many as fit go to pkts (room
 * of them), the rest to the stash. Returns how many went to pkts, -1
 * when the frame is dropped.
 */
static int
rx_gso(struct afp_rxq *q, const struct virtio_net_hdr *vh, const uint8_t *data,
       uint32_t len, struct rte_mbuf **pkts, unsigned int room)
{
	struct rte_mbuf **segs = q->stash;
	int n;

	if ((vh->gso_type & ~VIRTIO_NET_HDR_GSO_ECN) != VIRTIO_NET_HDR_GSO_TCPV4)
		return -1;
	n = ps_gso_tcp4_segment(data, len, vh->gso_size, q->pool, segs,
				PS_GSO_MAX_SEGS);
	if (n == -ENOMEM) {
		q->nombuf++;
		return -2;
	}
	if (n < 0)
		return -1;
	q->bytes += len;
	q->gso++;
	if ((unsigned int)n <= room) {
		memcpy(pkts, segs, (unsigned int)n * sizeof(*pkts));
		return n;
	}
	memcpy(pkts, segs, room * sizeof(*pkts));
	q->stash_pos = (uint16_t)room;
	q->stash_n = (uint16_t)n;
	return (int)room;
}

/* An ordinary frame into the preallocated m; its partial checksum
 * completed. Returns 1, or -1 when it is dropped. */
static int
rx_copy(struct afp_rxq *q, const struct virtio_net_hdr *vh, const uint8_t *data,
	uint32_t len, struct rte_mbuf *m)
{
	uint8_t *d = rte_pktmbuf_mtod(m, uint8_t *);

	if (unlikely(len > rte_pktmbuf_tailroom(m)))
		return -1;
	rte_memcpy(d, data, len);
	m->data_len = (uint16_t)len;
	m->pkt_len = len;
	if (vh->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
		if (ps_csum_finish(d, len, vh->csum_start, vh->csum_offset) < 0)
			return -1;
		q->csum_completed++;
	} else if (vh->flags & VIRTIO_NET_HDR_F_DATA_VALID) {
		m->ol_flags |= RTE_MBUF_F_RX_L4_CKSUM_GOOD;
	}
	q->bytes += len;
	return 1;
}

/*
 * One ring frame (or, TP_STATUS_COPY, the whole frame queued on the
 * socket) into pkts, room of them free, m preallocated for it. Returns
 * how many mbufs it made (m used when 1 and not GSO), or < 0: dropped
 * (-2: no mbuf for segments).
 */
static int
rx_frame(struct afp_rxq *q, const struct tpacket2_hdr *h, struct rte_mbuf *m,
	 struct rte_mbuf **pkts, unsigned int room, bool *used)
{
	const struct virtio_net_hdr *vh;
	const uint8_t *data = (const uint8_t *)h + h->tp_mac;
	uint32_t len = h->tp_snaplen;
	int rc;

	*used = false;
	vh = (const struct virtio_net_hdr *)(data - VNET_HLEN);
	if (unlikely(h->tp_status & TP_STATUS_COPY)) {
		ssize_t got = recv(q->ring.fd, q->big, BIG_LEN,
				   MSG_DONTWAIT | MSG_TRUNC);

		if (got < (ssize_t)VNET_HLEN || got > (ssize_t)BIG_LEN)
			return -1;
		vh = (const struct virtio_net_hdr *)q->big;
		data = q->big + VNET_HLEN;
		len = (uint32_t)got - VNET_HLEN;
	} else if (unlikely(len != h->tp_len)) {
		/* cut to the ring frame: the socket's queue was full */
		return -1;
	}
	if (unlikely(vh->gso_type != VIRTIO_NET_HDR_GSO_NONE)) {
		rc = rx_gso(q, vh, data, len, pkts, room);
		if (rc > 0)	/* every segment: they are all in the stash */
			rx_vlan(h, q->stash, q->stash_n != 0 ? q->stash_n :
				(unsigned int)rc);
		return rc;
	}
	rc = rx_copy(q, vh, data, len, m);
	if (rc == 1) {
		pkts[0] = m;
		*used = true;
		rx_vlan(h, pkts, 1);
	}
	return rc;
}

static uint16_t
afp_rx(struct ps_port *p, uint16_t qid, struct rte_mbuf **pkts, uint16_t n)
{
	struct afp_port *a = p->priv;
	struct afp_rxq *q = &a->rxq[qid];
	struct afp_ring *r = &q->ring;
	struct tpacket2_hdr *h;
	unsigned int ready, i, idx, got, drained, used = 0;

	got = drained = stash_drain(q, pkts, n);
	if (q->stash_n != 0 || got == n)
		return (uint16_t)got;
	/* Frames the kernel has handed over, in ring order. */
	for (ready = 0, idx = r->next; got + ready < n; ready++) {
		h = (struct tpacket2_hdr *)r->frames[idx];
		if ((__atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE) &
		     TP_STATUS_USER) == 0)
			break;
		if (++idx == r->nr)
			idx = 0;
	}
	if (ready == 0)
		return (uint16_t)got;
	if (unlikely(rte_pktmbuf_alloc_bulk(q->pool, q->pre, ready) != 0)) {
		/* Leave the frames to the kernel's ring; it drops and counts
		 * when the ring fills. */
		q->nombuf += ready;
		return (uint16_t)got;
	}
	for (i = 0; i < ready && q->stash_n == 0; i++) {
		struct rte_mbuf *m = q->pre[used];
		bool took;
		int rc;

		h = (struct tpacket2_hdr *)r->frames[r->next];
		rc = rx_frame(q, h, m, pkts + got, n - got, &took);
		if (rc > 0)
			got += (unsigned int)rc;
		else if (rc == -1)
			q->errors++;
		used += took;
		__atomic_store_n(&h->tp_status, TP_STATUS_KERNEL,
				 __ATOMIC_RELEASE);
		if (++r->next == r->nr)
			r->next = 0;
	}
	if (used < ready)
		rte_pktmbuf_free_bulk(q->pre + used, ready - used);
	q->packets += got - drained;
	return (uint16_t)got;
}

static uint16_t
afp_tx(struct ps_port *p, uint16_t qid, struct rte_mbuf **pkts, uint16_t n)
{
	struct afp_port *a = p->priv;
	struct afp_ring *r = &a->txq[qid];
	struct ps_port_sw_stats *sw = &p->sw[qid];
	unsigned int i, queued = 0;

	for (i = 0; i < n; i++) {
		struct tpacket2_hdr *h = (struct tpacket2_hdr *)r->frames[r->next];
		struct rte_mbuf *m = pkts[i];

		if (__atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE) !=
		    TP_STATUS_AVAILABLE)
			break;	/* ring full: the caller counts the rest */
		if (unlikely(m->pkt_len > r->frame_size - TX_DATA_OFF)) {
			sw->tx_errors++;
			rte_pktmbuf_free(m);
			continue;
		}
		if (m->nb_segs == 1)
			rte_memcpy((uint8_t *)h + TX_DATA_OFF,
				   rte_pktmbuf_mtod(m, void *), m->pkt_len);
		else	/* copies, the data spanning segments */
			rte_pktmbuf_read(m, 0, m->pkt_len,
					 (uint8_t *)h + TX_DATA_OFF);
		h->tp_len = m->pkt_len;
		sw->tx_bytes += m->pkt_len;
		__atomic_store_n(&h->tp_status, TP_STATUS_SEND_REQUEST,
				 __ATOMIC_RELEASE);
		if (++r->next == r->nr)
			r->next = 0;
		queued++;
		rte_pktmbuf_free(m);
	}
	/* The one system call of a tx burst: tell the kernel to send what
	 * is marked; MSG_DONTWAIT so the worker never sleeps in it. */
	if (queued > 0 &&
	    sendto(r->fd, NULL, 0, MSG_DONTWAIT, NULL, 0) < 0 &&
	    errno != EAGAIN && errno != ENOBUFS)
		sw->tx_errors++;
	sw->tx_packets += queued;
	return (uint16_t)i;
}

static void
afp_stats(const struct ps_port *p, struct ps_port_stats *st)
{
	struct afp_port *a = p->priv;
	unsigned int i;

	for (i = 0; i < a->nb_rxq; i++) {
		struct afp_rxq *q = &a->rxq[i];
		struct tpacket_stats ks;
		socklen_t len = sizeof(ks);

		if (getsockopt(q->ring.fd, SOL_PACKET, PACKET_STATISTICS, &ks,
			       &len) == 0)
			q->kernel_drops += ks.tp_drops;
		st->rx_packets += q->packets;
		st->rx_bytes += q->bytes;
		st->rx_nombuf += q->nombuf;
		st->rx_errors += q->errors;
		st->rx_missed += q->kernel_drops;
		st->rx_csum_completed += q->csum_completed;
		st->rx_gso += q->gso;
	}
	for (i = 0; i < PS_MAX_WORKERS; i++) {
		st->tx_packets += p->sw[i].tx_packets;
		st->tx_bytes += p->sw[i].tx_bytes;
		st->tx_errors += p->sw[i].tx_errors;
	}
}

static int
afp_ifreq(const struct ps_port *p, unsigned long req, struct ifreq *ifr)
{
	const struct afp_port *a = p->priv;

	memset(ifr, 0, sizeof(*ifr));
	snprintf(ifr->ifr_name, sizeof(ifr->ifr_name), "%s", a->iface);
	return ioctl(a->txq[0].fd, req, ifr) < 0 ? -errno : 0;
}

static bool
afp_link_up(const struct ps_port *p)
{
	struct ifreq ifr;

	return afp_ifreq(p, SIOCGIFFLAGS, &ifr) == 0 &&
	       (ifr.ifr_flags & IFF_RUNNING) != 0;
}

static int
afp_mac_get(const struct ps_port *p, struct rte_ether_addr *mac)
{
	struct ifreq ifr;
	int rc = afp_ifreq(p, SIOCGIFHWADDR, &ifr);

	if (rc == 0)
		memcpy(mac->addr_bytes, ifr.ifr_hwaddr.sa_data,
		       RTE_ETHER_ADDR_LEN);
	return rc;
}

static int
afp_mtu_get(const struct ps_port *p, uint16_t *mtu)
{
	struct ifreq ifr;
	int rc = afp_ifreq(p, SIOCGIFMTU, &ifr);

	if (rc == 0)
		*mtu = (uint16_t)ifr.ifr_mtu;
	return rc;
}

static unsigned int
afp_mbuf_need(const struct ps_port_config *pc, const struct ps_profile *pr,
	      uint16_t nb_txq, uint16_t burst)
{
	RTE_SET_USED(pr);
	RTE_SET_USED(nb_txq);
	/*
	 * Frames wait in the kernel's rings, not in mbufs, and tx copies and
	 * frees at once. What the port can hold is the burst each rx queue
	 * puts into a graph walk: hundreds of pods sending at once would
	 * otherwise outgrow the graph's own in-flight reserve. A queue also
	 * keeps the segments of a GSO frame beyond the burst: one 64 KB
	 * frame at a 1448-byte MSS is 46 of them (a bigger one that finds
	 * the pool empty is dropped and counted as rx_nombuf).
	 */
	return pc->rx_queues * (burst + AFP_GSO_RESERVE);
}

const struct ps_port_ops ps_port_afpacket_ops = {
	.name = "af_packet",
	.open = afp_open,
	.close = afp_close,
	.rx_burst = afp_rx,
	.tx_burst = afp_tx,
	.stats = afp_stats,
	.link_up = afp_link_up,
	.mac_get = afp_mac_get,
	.mtu_get = afp_mtu_get,
	.mbuf_need = afp_mbuf_need,
};
