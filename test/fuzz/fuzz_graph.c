/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The packet graph: any frame into a ring port of a dataplane with pods,
 * an uplink, a host port, VXLAN, services and masquerade (fuzz_dp.c),
 * through every stage it reaches. The first input byte picks the port,
 * the rest is the frame. After each frame the graph and the management
 * pass run, every tx ring is drained, and every mbuf must be back in the
 * pool except the packets the neighbor table holds for an ARP answer
 * and the later fragments the service path holds for their first.
 */
#include <string.h>

#include <rte_mbuf.h>
#include <rte_mempool.h>

#include <podswitch/neighbor.h>

#include "service_dp.h"
#include "svc_frag.h"
#include "test_common.h"
#include "fuzz_dp.h"
#include "fuzz_harness.h"

/* walks after the frame's for what the management pass sends itself */
#define SETTLE_ROUNDS 16

static struct ps_dataplane *const dp = &ps_test_node.dp;
static unsigned int pool_base;

static uint64_t
neigh_holding(void)
{
	struct ps_neigh_stats st;

	ps_neigh_stats(dp->neighbors, &st);
	return st.held - st.released - st.unreachable;
}

/* Fragments that came before their first wait in the service path's
 * per-worker tables until it comes or their entry expires (2 s). */
static uint64_t
frag_holding(void)
{
	uint64_t n = 0;
	unsigned int w;

	for (w = 0; w < dp->nb_workers; w++)
		if (ps_svc_dp.frag[w] != NULL)
			n += ps_svc_dp.frag[w]->held;
	return n;
}

static uint64_t
holding(void)
{
	return neigh_holding() + frag_holding();
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	if (fuzz_dp_start((*argv)[0], false) < 0)
		return -1;
	pool_base = rte_mempool_in_use_count(dp->pool);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned int port, in_use = 0, round;
	size_t len;

	if (size < 1)
		return 0;
	port = data[0] % FUZZ_NB_PORTS;
	len = RTE_MIN(size - 1, (size_t)RTE_MBUF_DEFAULT_DATAROOM);
	if (ps_test_inject(dp, fuzz_rx_ring[port], data + 1, len) != 0)
		return 0;
	ps_test_dp_run(dp, 3);
	/* The last management pass may have queued a packet of its own (an
	 * ARP request, an ICMP error for a held packet) for the next walk:
	 * walk until nothing is in flight. A leaked mbuf never comes back. */
	for (round = 0; round < SETTLE_ROUNDS; round++) {
		ps_test_node_drain();
		in_use = rte_mempool_in_use_count(dp->pool);
		if (in_use == pool_base + holding())
			break;
		ps_test_dp_run(dp, 1);
	}
	FUZZ_CHECK(in_use == pool_base + holding(),
		   "%u mbufs in use, expected %u + %u held for ARP + %u "
		   "fragments held\n", in_use, pool_base,
		   (unsigned int)neigh_holding(), (unsigned int)frag_holding());
	return 0;
}
