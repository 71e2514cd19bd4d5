/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PODSWITCH_CAPTURE_H
#define PODSWITCH_CAPTURE_H

/*
 * The capture hook of port_rx and port_tx (docs/design.md, "Capture").
 *
 * Per port and direction one pointer, NULL while nobody captures there:
 * then the hook is one load and one predicted branch per burst, nothing
 * per packet. The capture module (modules/capture) publishes a tap there
 * for a session and takes it back, with an RCU grace period before the
 * tap is freed: workers read the pointer once per burst and report
 * quiescence between walks. The tap's function copies what it wants and
 * never keeps, frees or changes the burst.
 */

#include <stdint.h>

#include <rte_branch_prediction.h>
#include <rte_mbuf.h>

#include <podswitch/config.h>

enum ps_capture_dir {
	PS_CAPTURE_RX,
	PS_CAPTURE_TX,
	PS_CAPTURE_NB_DIR,
};

struct ps_capture_tap;

/* Look at a burst of port port_id in direction dir: pkts[0..n) as the
 * port received them or is about to send them, on queue, in the graph
 * of worker worker. */
typedef void (*ps_capture_fn)(struct ps_capture_tap *t,
			      struct rte_mbuf **pkts, uint16_t n,
			      uint16_t queue, unsigned int worker);

struct ps_capture_tap {
	ps_capture_fn fn;
};

/* Written by the management thread only (the capture module). */
extern struct ps_capture_tap *ps_capture_taps[PS_CAPTURE_NB_DIR][PS_MAX_PORTS];

static __rte_always_inline void
ps_capture_burst(enum ps_capture_dir dir, uint16_t port_id,
		 struct rte_mbuf **pkts, uint16_t n, uint16_t queue,
		 unsigned int worker)
{
	struct ps_capture_tap *t =
		__atomic_load_n(&ps_capture_taps[dir][port_id],
				__ATOMIC_ACQUIRE);

	if (unlikely(t != NULL))
		t->fn(t, pkts, n, queue, worker);
}

#endif
