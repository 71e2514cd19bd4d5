/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Adjacency microbenchmark, one core: what ip4_rewrite pays per packet to
 * find the neighbor of a gateway next hop, by hash (ps_neigh_lookup_bulk,
 * the path before adjacencies) and by adjacency slot (ps_neigh_adj_get).
 * Bursts of 64 packets over a few gateways, in a table that also holds
 * many pods; each way reads the MAC it found, as the rewrite does.
 *
 *   adj_bench [gateways (default 2)] [pods (default 4000)] [bursts (default 2000000)]
 *
 * Prints the best of 5 rounds in TSC cycles per packet: on a shared
 * machine the minimum is the least disturbed run.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ether.h>

#include <podswitch/neighbor.h>

#define BURST 64
#define ROUNDS 5

static uint32_t
ip_n(uint32_t i)
{
	return rte_cpu_to_be_32(0x0a000000u | i);
}

int
main(int argc, char **argv)
{
	char *eal[] = { argv[0], "--no-huge", "-m", "256", "--no-pci",
			"--no-shconf", "-l", "0", "--log-level=lib.eal:warning" };
	uint32_t gws = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 0) : 2;
	uint32_t pods = argc > 2 ? (uint32_t)strtoul(argv[2], NULL, 0) : 4000;
	uint64_t bursts = argc > 3 ? strtoull(argv[3], NULL, 0) : 2000000;
	struct ps_neigh_params p = { .size = 16384, .socket = SOCKET_ID_ANY };
	const struct ps_neigh *nb[BURST];
	const struct ps_neigh *const *slots;
	uint32_t ip[BURST], adj[BURST], ids[64], nb_slots, i, j;
	uint64_t t, best_hash = UINT64_MAX, best_adj = UINT64_MAX, b;
	volatile uint32_t sink = 0;
	struct ps_neigh_table *nt;
	int r;

	if (rte_eal_init((int)RTE_DIM(eal), eal) < 0 || gws == 0 || gws > 64 ||
	    pods + gws > p.size) {
		fprintf(stderr, "adj_bench: bad arguments or EAL failure\n");
		return 1;
	}
	nt = ps_neigh_create("bench", &p);
	if (nt == NULL)
		return 1;
	for (i = 0; i < gws + pods; i++) {
		struct rte_ether_addr mac = {
			.addr_bytes = { 2, 0, 0, 0, (uint8_t)(i >> 8), (uint8_t)i },
		};

		if (ps_neigh_add_static(nt, ip_n(i + 1), &mac, 0) != 0)
			return 1;
	}
	for (i = 0; i < gws; i++)
		ids[i] = ps_neigh_adj_bind(nt, ip_n(i + 1));
	for (j = 0; j < BURST; j++) {
		ip[j] = ip_n(j % gws + 1);
		adj[j] = ids[j % gws];
	}
	slots = ps_neigh_adj_slots(nt, &nb_slots);

	for (r = 0; r < ROUNDS; r++) {
		t = rte_rdtsc_precise();
		for (b = 0; b < bursts; b++) {
			ps_neigh_lookup_bulk(nt, ip, BURST, nb);
			for (j = 0; j < BURST; j++)
				sink += nb[j]->mac.addr_bytes[5];
		}
		t = rte_rdtsc_precise() - t;
		best_hash = RTE_MIN(best_hash, t);

		t = rte_rdtsc_precise();
		for (b = 0; b < bursts; b++) {
			for (j = 0; j < BURST; j++)
				nb[j] = ps_neigh_adj_get(slots, nb_slots,
							 adj[j], ip[j]);
			for (j = 0; j < BURST; j++)
				sink += nb[j]->mac.addr_bytes[5];
		}
		t = rte_rdtsc_precise() - t;
		best_adj = RTE_MIN(best_adj, t);
	}
	printf("adj_bench: %u gateways, %u pods, %" PRIu64 " packets per round\n",
	       gws, pods, bursts * BURST);
	printf("hash lookup: %.2f cycles/packet\n",
	       (double)best_hash / (double)(bursts * BURST));
	printf("adjacency:   %.2f cycles/packet\n",
	       (double)best_adj / (double)(bursts * BURST));
	ps_neigh_free(nt);
	rte_eal_cleanup();
	return sink == 0xffffffff;
}
