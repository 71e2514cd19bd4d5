/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SNAT port pools: every port of the range handed out once, exhaustion,
 * free and reuse, and no port held twice while worker threads allocate
 * and a management thread frees all at once.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_ring.h>

#include <podswitch/nat.h>

#include "test_common.h"

static void
test_bad_args(void)
{
	CU_ASSERT_PTR_NULL(ps_nat_pool_create("t", 0, 10, 1, SOCKET_ID_ANY));
	CU_ASSERT_EQUAL(rte_errno, EINVAL);
	CU_ASSERT_PTR_NULL(ps_nat_pool_create("t", 11, 10, 1, SOCKET_ID_ANY));
	CU_ASSERT_PTR_NULL(ps_nat_pool_create("t", 1, 10, 0, SOCKET_ID_ANY));
}

/* Allocate until refused; every port in range, none twice. Returns the
 * count, or -1 on a wrong port. */
static int
drain(struct ps_nat_pool *p, unsigned int worker, uint16_t lo, uint16_t hi,
      uint8_t *seen)
{
	int n = 0, port;

	while ((port = ps_nat_port_alloc(p, worker)) >= 0) {
		if (port < lo || port > hi || seen[port]) {
			fprintf(stderr, "port %d (range %u-%u, seen %u)\n",
				port, lo, hi, seen[port]);
			return -1;
		}
		seen[port] = 1;
		n++;
	}
	return port == -ENOSPC ? n : -1;
}

static void
test_exhaustion_free_reuse(void)
{
	struct ps_nat_pool *p = ps_nat_pool_create("t", 1000, 1099, 1,
						   SOCKET_ID_ANY);
	struct ps_nat_pool_stats st;
	uint8_t seen[65536] = { 0 };
	int a, b;

	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL(drain(p, 0, 1000, 1099, seen), 100);
	CU_ASSERT_EQUAL(ps_nat_port_alloc(p, 0), -ENOSPC);
	ps_nat_pool_stats(p, &st);
	CU_ASSERT_EQUAL(st.size, 100);
	CU_ASSERT_EQUAL(st.in_use, 100);
	CU_ASSERT_EQUAL(st.allocs, 100);
	CU_ASSERT_EQUAL(st.alloc_fails, 2);

	/* a freed port is the one given next when nothing else is free */
	CU_ASSERT(ps_nat_port_in_use(p, 1042));
	CU_ASSERT_EQUAL(ps_nat_port_free(p, 1042), 0);
	CU_ASSERT(!ps_nat_port_in_use(p, 1042));
	CU_ASSERT_EQUAL(ps_nat_port_alloc(p, 0), 1042);

	/* bad frees are refused and counted, and change nothing */
	CU_ASSERT_EQUAL(ps_nat_port_free(p, 999), -ERANGE);
	CU_ASSERT_EQUAL(ps_nat_port_free(p, 1100), -ERANGE);
	CU_ASSERT_EQUAL(ps_nat_port_free(p, 1050), 0);
	CU_ASSERT_EQUAL(ps_nat_port_free(p, 1050), -ENOENT);
	ps_nat_pool_stats(p, &st);
	CU_ASSERT_EQUAL(st.bad_frees, 3);
	CU_ASSERT_EQUAL(st.frees, 2);
	CU_ASSERT_EQUAL(st.in_use, 99);

	/* round-robin: after a free, the next ports come from further on */
	CU_ASSERT_EQUAL(ps_nat_port_free(p, 1010), 0);
	CU_ASSERT_EQUAL(ps_nat_port_free(p, 1080), 0);
	a = ps_nat_port_alloc(p, 0);
	b = ps_nat_port_alloc(p, 0);
	CU_ASSERT_EQUAL(a, 1050);
	CU_ASSERT_EQUAL(b, 1080);
	CU_ASSERT_EQUAL(ps_nat_port_alloc(p, 0), 1010);
	CU_ASSERT_EQUAL(ps_nat_port_alloc(p, 0), -ENOSPC);
	ps_nat_pool_free(p);
}

/* A restored connection takes back its own port; allocation skips it. */
static void
test_take(void)
{
	struct ps_nat_pool *p = ps_nat_pool_create("t", 2000, 2003, 1,
						   SOCKET_ID_ANY);
	int i, got[3];

	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL(ps_nat_port_take(p, 2001), 0);
	CU_ASSERT(ps_nat_port_in_use(p, 2001));
	CU_ASSERT_EQUAL(ps_nat_port_take(p, 2001), -EBUSY);
	CU_ASSERT_EQUAL(ps_nat_port_take(p, 1999), -ERANGE);
	CU_ASSERT_EQUAL(ps_nat_port_take(p, 2004), -ERANGE);
	for (i = 0; i < 3; i++) {
		got[i] = ps_nat_port_alloc(p, 0);
		CU_ASSERT(got[i] >= 2000 && got[i] <= 2003 && got[i] != 2001);
	}
	CU_ASSERT_EQUAL(ps_nat_port_alloc(p, 0), -ENOSPC);
	CU_ASSERT_EQUAL(ps_nat_port_free(p, 2001), 0);
	CU_ASSERT_EQUAL(ps_nat_port_alloc(p, 0), 2001);
	ps_nat_pool_free(p);
}

static void
test_ranges(void)
{
	static uint8_t seen[65536];
	struct ps_nat_pool *p;

	/* not a multiple of 64: the last port is 1100, never beyond */
	memset(seen, 0, sizeof(seen));
	p = ps_nat_pool_create("t", 1024, 1100, 3, SOCKET_ID_ANY);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL(drain(p, 2, 1024, 1100, seen), 77);
	CU_ASSERT(seen[1100] && seen[1024]);
	ps_nat_pool_free(p);

	/* one port */
	memset(seen, 0, sizeof(seen));
	p = ps_nat_pool_create("t", 65535, 65535, 2, SOCKET_ID_ANY);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL(drain(p, 1, 65535, 65535, seen), 1);
	ps_nat_pool_free(p);

	/* the whole port space */
	memset(seen, 0, sizeof(seen));
	p = ps_nat_pool_create("t", 1, 65535, 4, SOCKET_ID_ANY);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL(drain(p, 3, 1, 65535, seen), 65535);
	CU_ASSERT_EQUAL(ps_nat_port_alloc(p, 0), -ENOSPC);
	ps_nat_pool_free(p);
}

/* Workers start in their own slices and take from others when dry. */
static void
test_slices(void)
{
	struct ps_nat_pool *p = ps_nat_pool_create("t", 1024, 1024 + 127, 2,
						   SOCKET_ID_ANY);
	uint8_t seen[65536] = { 0 };
	int a, b, i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	a = ps_nat_port_alloc(p, 0);
	b = ps_nat_port_alloc(p, 1);
	CU_ASSERT(a >= 1024 && a < 1024 + 64);
	CU_ASSERT(b >= 1024 + 64 && b < 1024 + 128);
	seen[a] = seen[b] = 1;
	/* worker 0 takes its 63 others, then worker 1's 63 */
	CU_ASSERT_EQUAL(drain(p, 0, 1024, 1024 + 127, seen), 126);
	CU_ASSERT_EQUAL(ps_nat_port_alloc(p, 1), -ENOSPC);
	for (i = 1024; i < 1024 + 128; i++)
		CU_ASSERT(seen[i]);
	/* a port freed in worker 0's slice reaches worker 1, which has
	 * already seen the whole pool full (and marked it so) */
	CU_ASSERT_EQUAL(ps_nat_port_alloc(p, 1), -ENOSPC);
	CU_ASSERT_EQUAL(ps_nat_port_free(p, 1030), 0);
	CU_ASSERT_EQUAL(ps_nat_port_alloc(p, 1), 1030);
	CU_ASSERT_EQUAL(ps_nat_port_alloc(p, 1), -ENOSPC);
	CU_ASSERT_EQUAL(ps_nat_port_alloc(p, 0), -ENOSPC);
	CU_ASSERT_EQUAL(ps_nat_port_free(p, 1100), 0);
	CU_ASSERT_EQUAL(ps_nat_port_alloc(p, 0), 1100);
	ps_nat_pool_free(p);
}

/* --- concurrency ------------------------------------------------------- */

#define NB_THREADS 4
#define CHURN_ALLOCS 100000

struct churn {
	struct ps_nat_pool *pool;
	struct rte_ring *to_free;	/* worker -> management */
	uint8_t *owner;			/* 0 or 1 + worker, per port */
	unsigned int worker;
	unsigned long dups;
	unsigned long allocs;
	unsigned long full;
	unsigned long free_errs;	/* written by the management thread */
	bool *stop;
};

static void *
worker_main(void *arg)
{
	struct churn *c = arg;
	while (c->allocs < CHURN_ALLOCS) {
		int port = ps_nat_port_alloc(c->pool, c->worker);
		uint8_t zero = 0;

		if (port < 0) {
			/* wait for the freer, as a new flow would be refused */
			c->full++;
			sched_yield();
			continue;
		}
		c->allocs++;
		/* nobody may hold it: the owner mark must be clear */
		if (!__atomic_compare_exchange_n(&c->owner[port], &zero,
						 (uint8_t)(c->worker + 1), false,
						 __ATOMIC_ACQ_REL,
						 __ATOMIC_RELAXED))
			c->dups++;
		/* the flow ends at once; its entry expires on the
		 * management thread, which frees the port */
		while (rte_ring_enqueue(c->to_free,
					(void *)(uintptr_t)port) != 0)
			sched_yield();
	}
	return NULL;
}

static void *
mgmt_main(void *arg)
{
	struct churn *c = arg;	/* c[0..NB_THREADS-1] */
	unsigned int w;

	for (;;) {
		/* read before the pass: a pass that finds nothing after the
		 * workers have stopped is the last */
		bool stopping = __atomic_load_n(c[0].stop, __ATOMIC_ACQUIRE);
		bool more = false;

		for (w = 0; w < NB_THREADS; w++) {
			void *obj;

			while (rte_ring_dequeue(c[w].to_free, &obj) == 0) {
				uint16_t port = (uint16_t)(uintptr_t)obj;

				/* the entry is gone first, then the port */
				__atomic_store_n(&c[w].owner[port], 0,
						 __ATOMIC_RELEASE);
				if (ps_nat_port_free(c[w].pool, port) != 0)
					c[w].free_errs++;
				more = true;
			}
		}
		if (!more && stopping)
			break;
		if (!more)
			sched_yield();
	}
	return NULL;
}

static void
churn(uint16_t nb_ports)
{
	struct ps_nat_pool *p = ps_nat_pool_create("t", 40000,
						   40000 + nb_ports - 1,
						   NB_THREADS, SOCKET_ID_ANY);
	static uint8_t owner[65536];
	struct churn c[NB_THREADS];
	pthread_t th[NB_THREADS], mg;
	bool stop = false;
	struct ps_nat_pool_stats st;
	unsigned long allocs = 0, dups = 0, full = 0;
	unsigned int w;

	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	memset(owner, 0, sizeof(owner));
	for (w = 0; w < NB_THREADS; w++) {
		char name[32];

		snprintf(name, sizeof(name), "nat_free_%u", w);
		c[w] = (struct churn){ .pool = p, .owner = owner, .worker = w,
			.stop = &stop };
		/* up to 31 ports in flight per worker: 124 in all, so a
		 * 64-port pool runs dry and workers wait for frees */
		c[w].to_free = rte_ring_create(name, 32, SOCKET_ID_ANY,
					       RING_F_SP_ENQ | RING_F_SC_DEQ);
		CU_ASSERT_PTR_NOT_NULL_FATAL(c[w].to_free);
	}
	pthread_create(&mg, NULL, mgmt_main, c);
	for (w = 0; w < NB_THREADS; w++)
		pthread_create(&th[w], NULL, worker_main, &c[w]);
	for (w = 0; w < NB_THREADS; w++)
		pthread_join(th[w], NULL);
	__atomic_store_n(&stop, true, __ATOMIC_RELEASE);
	pthread_join(mg, NULL);

	for (w = 0; w < NB_THREADS; w++) {
		allocs += c[w].allocs;
		dups += c[w].dups + c[w].free_errs;
		full += c[w].full;
		rte_ring_free(c[w].to_free);
	}
	ps_nat_pool_stats(p, &st);
	printf("\n    %lu allocations, %lu refused (pool empty), %lu duplicates ",
	       allocs, full, dups);
	printf("(pool: %" PRIu64 " allocs, %" PRIu64 " frees, %u in use) ",
	       st.allocs, st.frees, st.in_use);
	CU_ASSERT_EQUAL(dups, 0);
	CU_ASSERT_EQUAL(allocs, (unsigned long)NB_THREADS * CHURN_ALLOCS);
	CU_ASSERT_EQUAL(st.allocs, allocs);
	CU_ASSERT_EQUAL(st.alloc_fails, full);
	CU_ASSERT_EQUAL(st.frees, allocs);
	CU_ASSERT_EQUAL(st.bad_frees, 0);
	CU_ASSERT_EQUAL(st.in_use, 0);
	ps_nat_pool_free(p);
}

/* 200 ports: fewer than 64 per worker, so slices run dry and workers
 * take from each other all the time while the freer clears bits. */
static void
test_concurrent_no_duplicates(void)
{
	churn(200);
}

/* One word for everyone: every allocation and free hits the same
 * 64 bits. */
static void
test_concurrent_one_word(void)
{
	churn(64);
}

struct grab {
	struct ps_nat_pool *pool;
	unsigned int worker;
	int n;
	uint16_t *ports;
};

static void *
grab_main(void *arg)
{
	struct grab *g = arg;
	int port;

	while ((port = ps_nat_port_alloc(g->pool, g->worker)) >= 0)
		g->ports[g->n++] = (uint16_t)port;
	return NULL;
}

/* Threads race to empty a full-size pool: together they get every port
 * exactly once. */
static void
test_concurrent_exhaustion(void)
{
	struct ps_nat_pool *p = ps_nat_pool_create("t", 1024, 65535, NB_THREADS,
						   SOCKET_ID_ANY);
	static uint8_t seen[65536];
	struct grab g[NB_THREADS];
	pthread_t th[NB_THREADS];
	unsigned int w, dups = 0, total = 0;
	int i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	memset(seen, 0, sizeof(seen));
	for (w = 0; w < NB_THREADS; w++) {
		g[w] = (struct grab){ .pool = p, .worker = w,
			.ports = calloc(65536, sizeof(uint16_t)) };
		CU_ASSERT_PTR_NOT_NULL_FATAL(g[w].ports);
	}
	for (w = 0; w < NB_THREADS; w++)
		pthread_create(&th[w], NULL, grab_main, &g[w]);
	for (w = 0; w < NB_THREADS; w++)
		pthread_join(th[w], NULL);
	for (w = 0; w < NB_THREADS; w++) {
		for (i = 0; i < g[w].n; i++) {
			if (seen[g[w].ports[i]]++)
				dups++;
		}
		total += (unsigned int)g[w].n;
		printf("%s%d", w == 0 ? "\n    per worker: " : " + ", g[w].n);
		free(g[w].ports);
	}
	printf(" = %u ", total);
	CU_ASSERT_EQUAL(dups, 0);
	CU_ASSERT_EQUAL(total, 65535 - 1024 + 1);
	ps_nat_pool_free(p);
}

static const struct ps_test tests[] = {
	{ "bad arguments", test_bad_args },
	{ "exhaustion, free, reuse, bad frees", test_exhaustion_free_reuse },
	{ "odd ranges, one port, all ports", test_ranges },
	{ "take a given port back", test_take },
	{ "own slices first, then the others", test_slices },
	{ "4 workers and a freer: no port held twice",
	  test_concurrent_no_duplicates },
	{ "4 workers and a freer on one bitmap word",
	  test_concurrent_one_word },
	{ "4 workers empty the pool: each port once",
	  test_concurrent_exhaustion },
};

PS_TEST_MAIN(ps_test_eal_init, PS_SUITE("ports", NULL, NULL, tests))
