/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Conntrack microbenchmark, one core: inserts/s into an empty table until
 * it is full, then bulk lookups/s (hits in random order, both directions;
 * misses), lookup + state update per packet, an expiry pass and a flush.
 *
 *   ct_bench [-H] [size (default 1048576)] [lookups (default 20000000)]
 *
 * Runs EAL without hugepages, or with them (-H: what the daemon uses; a
 * random walk over 170 MB on 4 KB pages is mostly TLB misses). Each line
 * gives wall-clock rates and, since a shared machine may give the process
 * a fraction of a core, rates per CPU second of this thread.
 */
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <string.h>
#include <unistd.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_malloc.h>

#include <podswitch/conntrack.h>

#define BURST 32

static double
secs(uint64_t cycles)
{
	return (double)cycles / (double)rte_get_tsc_hz();
}

/* Connection i: a client among 16M addresses to one of 256 VIPs. */
static void
tuples(uint32_t i, struct ps_ct_tuple *o, struct ps_ct_tuple *r)
{
	uint32_t client = rte_cpu_to_be_32(0x0af40000u + (i >> 8));
	uint32_t vip = rte_cpu_to_be_32(0x0a600000u + (i & 0xff));
	uint32_t backend = rte_cpu_to_be_32(0x0af50000u + (i & 0xff));
	uint16_t sport = rte_cpu_to_be_16((uint16_t)(1024 + (i * 7) % 60000));

	ps_ct_tuple_set(o, IPPROTO_UDP, client, vip, sport,
			rte_cpu_to_be_16(53));
	ps_ct_tuple_set(r, IPPROTO_UDP, backend, client, rte_cpu_to_be_16(53),
			sport);
}

/* CPU time of this thread: on a shared machine, what the core did. */
static double cpu0;

static double
cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
report(const char *what, uint64_t n, uint64_t cycles)
{
	double cpu = cpu_now() - cpu0;

	printf("%-34s %9" PRIu64 " ops  wall %6.3f s %6.2f Mops/s  "
	       "cpu %6.3f s %6.2f Mops/s %6.0f ns/op\n",
	       what, n, secs(cycles), (double)n / secs(cycles) / 1e6, cpu,
	       (double)n / cpu / 1e6, cpu * 1e9 / (double)n);
}

int
main(int argc, char **argv)
{
	char *eal[] = { argv[0], "--no-huge", "-m", "1024", "--no-pci",
		"--no-shconf", "-l", "0", "--log-level=lib.eal:warning", NULL };
	char *eal_huge[] = { argv[0], "--in-memory", "--no-pci", "-l", "0",
		"--log-level=lib.eal:warning", NULL };
	char **ealv = eal;
	int ealc = (int)RTE_DIM(eal) - 1;
	uint32_t size = 1u << 20, i, j;
	uint64_t nlook = 20000000, t0, t1, hits = 0;
	struct ps_ct_tuple *orig, *reply;
	struct ps_ct_params p = { .name = "bench", .socket = SOCKET_ID_ANY };
	struct ps_ct_pkt pkt = { .bytes = 100 };
	struct ps_ct_nat nat = { .endpoint_id = PS_CT_NO_ENDPOINT };
	struct ps_ct_stats st;
	struct ps_ct_tuple *trace;
	uint32_t *order, trace_len;
	struct ps_ct *ct;

	if (argc > 1 && strcmp(argv[1], "-H") == 0) {
		ealv = eal_huge;
		ealc = (int)RTE_DIM(eal_huge) - 1;
		argv++;
		argc--;
	}
	if (argc > 1)
		size = (uint32_t)strtoul(argv[1], NULL, 0);
	if (argc > 2)
		nlook = strtoull(argv[2], NULL, 0);
	if (rte_eal_init(ealc, ealv) < 0) {
		fprintf(stderr, "EAL init failed\n");
		return 1;
	}
	p.size = size;
	ct = ps_ct_create(&p);
	orig = malloc(sizeof(*orig) * size);
	reply = malloc(sizeof(*reply) * size);
	order = malloc(sizeof(*order) * size);
	if (ct == NULL || orig == NULL || reply == NULL || order == NULL) {
		fprintf(stderr, "out of memory for %u entries\n", size);
		return 1;
	}
	for (i = 0; i < size; i++) {
		tuples(i, &orig[i], &reply[i]);
		order[i] = i;
	}
	/* a random visiting order, so lookups miss the caches like traffic */
	srand(1);
	for (i = size - 1; i > 0; i--) {
		uint32_t k = (uint32_t)rand() % (i + 1), tmp = order[i];

		order[i] = order[k];
		order[k] = tmp;
	}
	/* keys in visiting order, laid out sequentially like packets
	 * arriving: the benchmark then measures the table, not its own
	 * random reads of the key arrays; odd ones are reply tuples */
	trace_len = RTE_MIN(size, 1u << 21);
	trace = malloc(sizeof(*trace) * trace_len);
	if (trace == NULL)
		return 1;
	for (i = 0; i < trace_len; i++)
		trace[i] = (i & 1) ? reply[order[i]] : orig[order[i]];
	{
		struct rte_malloc_socket_stats ms;

		rte_malloc_get_socket_stats((int)rte_socket_id(), &ms);
		printf("conntrack: %u entries, %zu B each, %.1f MB in all "
		       "(without RCU defer queue), %s, TSC %" PRIu64 " Hz\n",
		       size, sizeof(struct ps_ct_entry),
		       (double)ms.heap_allocsz_bytes / 1e6,
		       ealv == eal ? "4 KB pages" : "hugepages",
		       rte_get_tsc_hz());
	}

	/* keys read in memory order; their hashes land anywhere */
	cpu0 = cpu_now();
	t0 = rte_rdtsc_precise();
	for (i = 0; i < size; i++) {
		struct ps_ct_entry *e;
		uint8_t dir;
		uint32_t n = i;

		if (ps_ct_add(ct, &orig[n], &reply[n], &nat, &pkt, &e, &dir) !=
		    PS_CT_CREATED) {
			fprintf(stderr, "insert %u refused\n", i);
			return 1;
		}
	}
	t1 = rte_rdtsc_precise();
	report("insert (empty to full)", size, t1 - t0);

	cpu0 = cpu_now();
	t0 = rte_rdtsc_precise();
	for (j = 0; j < nlook / BURST; j++) {
		const struct ps_ct_tuple *keys[BURST];
		struct ps_ct_entry *out[BURST];
		uint8_t dirs[BURST];
		unsigned int k, base = (j * BURST) % (trace_len - BURST + 1);

		for (k = 0; k < BURST; k++)
			keys[k] = &trace[base + k];
		ps_ct_lookup_bulk(ct, keys, BURST, out, dirs);
		for (k = 0; k < BURST; k++)
			hits += out[k] != NULL;
	}
	t1 = rte_rdtsc_precise();
	report("lookup_bulk hit, random, 32/burst", (uint64_t)j * BURST,
	       t1 - t0);
	if (hits != (uint64_t)j * BURST)
		fprintf(stderr, "lost entries: %" PRIu64 " hits\n", hits);

	cpu0 = cpu_now();
	t0 = rte_rdtsc_precise();
	for (j = 0; j < nlook / 4; j++) {
		uint8_t dir;

		hits += ps_ct_lookup(ct, &trace[j % trace_len], &dir) != NULL;
	}
	t1 = rte_rdtsc_precise();
	report("lookup one by one, random", j, t1 - t0);

	for (i = 0; i < trace_len; i++)
		trace[i].dst_port ^= 0x5555;	/* none of these exist */
	cpu0 = cpu_now();
	t0 = rte_rdtsc_precise();
	for (j = 0; j < nlook / BURST / 4; j++) {
		const struct ps_ct_tuple *keys[BURST];
		struct ps_ct_entry *out[BURST];
		uint8_t dirs[BURST];
		unsigned int k, base = (j * BURST) % (trace_len - BURST + 1);

		for (k = 0; k < BURST; k++)
			keys[k] = &trace[base + k];
		ps_ct_lookup_bulk(ct, keys, BURST, out, dirs);
		for (k = 0; k < BURST; k++)
			hits += out[k] != NULL;
	}
	t1 = rte_rdtsc_precise();
	report("lookup_bulk miss, 32/burst", (uint64_t)j * BURST, t1 - t0);
	for (i = 0; i < trace_len; i++)
		trace[i].dst_port ^= 0x5555;

	cpu0 = cpu_now();
	t0 = rte_rdtsc_precise();
	for (j = 0; j < nlook / BURST / 2; j++) {
		const struct ps_ct_tuple *keys[BURST];
		struct ps_ct_entry *out[BURST];
		uint8_t dirs[BURST];
		unsigned int k, base = (j * BURST) % (trace_len - BURST + 1);

		for (k = 0; k < BURST; k++)
			keys[k] = &trace[base + k];
		ps_ct_lookup_bulk(ct, keys, BURST, out, dirs);
		for (k = 0; k < BURST; k++)
			ps_ct_update(ct, out[k], dirs[k], &pkt);
	}
	t1 = rte_rdtsc_precise();
	report("lookup_bulk + update, 32/burst", (uint64_t)j * BURST, t1 - t0);

	/* nothing is due: the cost of visiting */
	cpu0 = cpu_now();
	t0 = rte_rdtsc_precise();
	i = ps_ct_expire(ct, UINT32_MAX);
	t1 = rte_rdtsc_precise();
	report("expire pass, nothing due", size, t1 - t0);
	ps_ct_set_now(ct, 1000000);
	cpu0 = cpu_now();
	t0 = rte_rdtsc_precise();
	for (j = 0, i = 0; j < 1000 && i < size; j++)
		i += ps_ct_expire(ct, 65536);
	t1 = rte_rdtsc_precise();
	report("expire everything, 64k/slice", i, t1 - t0);

	for (i = 0; i < size; i++) {
		struct ps_ct_entry *e;
		uint8_t dir;

		ps_ct_add(ct, &orig[i], &reply[i], &nat, &pkt, &e, &dir);
	}
	cpu0 = cpu_now();
	t0 = rte_rdtsc_precise();
	i = ps_ct_flush(ct);
	t1 = rte_rdtsc_precise();
	report("flush", i, t1 - t0);
	ps_ct_stats(ct, &st);
	printf("after flush: %u entries, %" PRIu64 " created, %" PRIu64
	       " full, %" PRIu64 " index_full\n", st.entries, st.created,
	       st.full, st.index_full);
	ps_ct_free(ct);
	free(orig);
	free(reply);
	free(order);
	free(trace);
	rte_eal_cleanup();
	return 0;
}
