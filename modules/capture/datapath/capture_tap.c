/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The tap a capture session publishes on a port: filter, copy, enqueue.
 * Runs in the workers' port_rx/port_tx when, and only when, a session
 * captures that port and direction. It takes nothing from the burst and
 * never waits: without a free copy or ring slot the packet is not
 * captured and dropped counts it.
 */
#include <string.h>

#include <rte_cycles.h>
#include <rte_mbuf.h>
#include <rte_pcapng.h>
#include <rte_ring.h>

#include "capture_private.h"

#define TAP_CHUNK 32

/*
 * ns since the epoch at TSC now. DPDK 22.11's rte_pcapng_copy stamps
 * its blocks centuries off (dpdk-dumpcap's files say 2265 too): the
 * block's timestamp is written again from the session's start.
 */
static __rte_always_inline uint64_t
tap_ns(const struct cap_session *s, uint64_t now)
{
	const uint64_t hz = rte_get_tsc_hz();
	uint64_t d = now - s->t0_tsc;

	return s->t0_ns + d / hz * NS_PER_S + d % hz * NS_PER_S / hz;
}

static __rte_always_inline void
tap_stamp(struct rte_mbuf *c, uint64_t ns)
{
	uint32_t ts[2] = { (uint32_t)(ns >> 32), (uint32_t)ns };

	/* block type, length, interface id, then the timestamp */
	memcpy(rte_pktmbuf_mtod_offset(c, uint8_t *, 12), ts, sizeof(ts));
}

static __rte_always_inline void
tap_flush(struct cap_session *s, struct cap_worker_stats *ws,
	  struct rte_mbuf **copies, unsigned int k)
{
	unsigned int q = rte_ring_mp_enqueue_burst(s->ring, (void **)copies,
						   k, NULL);

	if (unlikely(q < k)) {
		ws->dropped += k - q;
		rte_pktmbuf_free_bulk(copies + q, k - q);
	}
}

void
cap_tap_burst(struct ps_capture_tap *hook, struct rte_mbuf **pkts, uint16_t n,
	      uint16_t queue, unsigned int worker)
{
	struct cap_tap *t = (struct cap_tap *)hook;
	struct cap_session *s = t->s;
	struct cap_worker_stats *ws = &s->ws[worker];
	struct rte_mbuf *copies[TAP_CHUNK];
	uint64_t now = rte_get_tsc_cycles(), ns = 0;
	unsigned int i, k = 0;

	ws->seen += n;
	for (i = 0; i < n; i++) {
		struct rte_mbuf *c;

		if (s->filter != NULL && !ps_pktfilter_match(s->filter, pkts[i]))
			continue;
		ws->matched++;
		/* the session's interface id travels as the copy's port */
		c = rte_pcapng_copy(t->ifidx, queue, pkts[i], s->pool,
				    s->rq.snaplen, now, t->dir);
		if (unlikely(c == NULL)) {
			ws->dropped++;
			continue;
		}
		if (ns == 0)
			ns = tap_ns(s, now);
		tap_stamp(c, ns);
		copies[k++] = c;
		if (k == TAP_CHUNK) {
			tap_flush(s, ws, copies, k);
			k = 0;
		}
	}
	if (k > 0)
		tap_flush(s, ws, copies, k);
}
