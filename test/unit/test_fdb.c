/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the FDB (include/podswitch/fdb.h): learning, moves, static
 * entries, ageing, the full-table edge, the learn ring and reclaim of
 * deleted entries under RCU. EAL runs in-process without hugepages.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_common.h>
#include <rte_ether.h>
#include <rte_malloc.h>
#include <rte_memory.h>
#include <rte_rcu_qsbr.h>

#include <podswitch/fdb.h>

#include "test_common.h"

#define SIZE 64

/*
 * Locally administered unicast MAC number i. The low 40 bits are i times an
 * odd constant (a bijection), so the MACs spread over the hash like real
 * ones do and a full table uses its extendable buckets.
 */
static struct rte_ether_addr
mac_n(uint32_t i)
{
	uint64_t r = ((uint64_t)i * 0x9e3779b97fULL) & ((1ULL << 40) - 1);
	struct rte_ether_addr m = {
		.addr_bytes = { 0x02, (uint8_t)(r >> 32), (uint8_t)(r >> 24),
				(uint8_t)(r >> 16), (uint8_t)(r >> 8),
				(uint8_t)r },
	};

	return m;
}

/* Table names must be unique while alive; each test frees its own. */
static struct ps_fdb *
create(uint32_t size)
{
	struct ps_fdb *fdb = ps_fdb_create("ut", size, SOCKET_ID_ANY, NULL);

	CU_ASSERT_PTR_NOT_NULL(fdb);
	return fdb;
}

/* Fast-path lookup of one MAC; the port, or -1 when absent. */
static int
lookup_port(const struct ps_fdb *fdb, const struct rte_ether_addr *mac)
{
	const struct rte_ether_addr *macs[1] = { mac };
	struct ps_fdb_entry *out[1];

	ps_fdb_lookup_bulk(fdb, macs, 1, out);
	return out[0] == NULL ? -1 : (int)out[0]->port;
}

static void
test_create_lookup_learn(void)
{
	struct rte_ether_addr a = mac_n(1), b = mac_n(2);
	const struct rte_ether_addr *macs[3] = { &a, &b, &a };
	struct ps_fdb_entry *out[3], e;
	struct ps_fdb_stats st;
	struct ps_fdb *fdb = create(SIZE);

	if (fdb == NULL)
		return;
	ps_fdb_stats(fdb, &st);
	CU_ASSERT_EQUAL(st.size, SIZE);
	CU_ASSERT_EQUAL(st.entries, 0);
	CU_ASSERT_EQUAL(lookup_port(fdb, &a), -1);
	CU_ASSERT_EQUAL(ps_fdb_get(fdb, &a, &e), -ENOENT);

	ps_fdb_set_now(fdb, 7);
	CU_ASSERT_EQUAL(ps_fdb_now(fdb), 7);
	CU_ASSERT_EQUAL(ps_fdb_learn(fdb, &a, 1), 0);
	CU_ASSERT_EQUAL(ps_fdb_get(fdb, &a, &e), 0);
	CU_ASSERT(rte_is_same_ether_addr(&e.mac, &a));
	CU_ASSERT_EQUAL(e.port, 1);
	CU_ASSERT_EQUAL(e.flags, 0);
	CU_ASSERT_EQUAL(e.last_seen, 7);

	/* bulk: hits and misses in one call, the same MAC twice */
	ps_fdb_lookup_bulk(fdb, macs, 3, out);
	CU_ASSERT_PTR_NOT_NULL(out[0]);
	CU_ASSERT_PTR_NULL(out[1]);
	CU_ASSERT_PTR_EQUAL(out[0], out[2]);
	if (out[0] != NULL)
		CU_ASSERT_EQUAL(out[0]->port, 1);

	/* relearn on the same port: a refresh, not a new entry or a move */
	ps_fdb_set_now(fdb, 9);
	CU_ASSERT_EQUAL(ps_fdb_learn(fdb, &a, 1), 0);
	CU_ASSERT_EQUAL(ps_fdb_get(fdb, &a, &e), 0);
	CU_ASSERT_EQUAL(e.last_seen, 9);
	CU_ASSERT_EQUAL(ps_fdb_learn(fdb, &b, 2), 0);
	CU_ASSERT_EQUAL(lookup_port(fdb, &b), 2);

	/* the fast path refreshes age through touch */
	ps_fdb_set_now(fdb, 12);
	ps_fdb_lookup_bulk(fdb, macs, 1, out);
	ps_fdb_touch(fdb, out[0]);
	CU_ASSERT_EQUAL(ps_fdb_get(fdb, &a, &e), 0);
	CU_ASSERT_EQUAL(e.last_seen, 12);

	ps_fdb_stats(fdb, &st);
	CU_ASSERT_EQUAL(st.entries, 2);
	CU_ASSERT_EQUAL(st.learned, 2);
	CU_ASSERT_EQUAL(st.moved, 0);
	CU_ASSERT_EQUAL(st.full, 0);
	ps_fdb_free(fdb);
}

static void
test_move(void)
{
	struct rte_ether_addr a = mac_n(1);
	struct ps_fdb_stats st;
	struct ps_fdb_entry e;
	struct ps_fdb *fdb = create(SIZE);

	if (fdb == NULL)
		return;
	CU_ASSERT_EQUAL(ps_fdb_learn(fdb, &a, 1), 0);
	ps_fdb_set_now(fdb, 3);
	CU_ASSERT_EQUAL(ps_fdb_learn(fdb, &a, 2), 0);
	CU_ASSERT_EQUAL(lookup_port(fdb, &a), 2);
	CU_ASSERT_EQUAL(ps_fdb_get(fdb, &a, &e), 0);
	CU_ASSERT_EQUAL(e.last_seen, 3);
	ps_fdb_stats(fdb, &st);
	CU_ASSERT_EQUAL(st.moved, 1);
	CU_ASSERT_EQUAL(st.learned, 1);
	CU_ASSERT_EQUAL(st.entries, 1);
	/* and back */
	CU_ASSERT_EQUAL(ps_fdb_learn(fdb, &a, 1), 0);
	CU_ASSERT_EQUAL(lookup_port(fdb, &a), 1);
	ps_fdb_stats(fdb, &st);
	CU_ASSERT_EQUAL(st.moved, 2);
	CU_ASSERT_EQUAL(st.entries, 1);
	ps_fdb_free(fdb);
}

static void
test_static(void)
{
	struct rte_ether_addr s = mac_n(1), d = mac_n(2);
	struct ps_fdb_stats st;
	struct ps_fdb_entry e;
	struct ps_fdb *fdb = create(SIZE);

	if (fdb == NULL)
		return;
	CU_ASSERT_EQUAL(ps_fdb_add_static(fdb, &s, 3), 0);
	CU_ASSERT_EQUAL(ps_fdb_get(fdb, &s, &e), 0);
	CU_ASSERT(e.flags & PS_FDB_F_STATIC);
	CU_ASSERT_EQUAL(e.port, 3);

	/* seen on another port: refused, counted, not moved */
	CU_ASSERT_EQUAL(ps_fdb_learn(fdb, &s, 4), -EPERM);
	CU_ASSERT_EQUAL(ps_fdb_learn(fdb, &s, 5), -EPERM);
	CU_ASSERT_EQUAL(lookup_port(fdb, &s), 3);
	/* seen on its own port: fine */
	CU_ASSERT_EQUAL(ps_fdb_learn(fdb, &s, 3), 0);
	ps_fdb_stats(fdb, &st);
	CU_ASSERT_EQUAL(st.static_move_refused, 2);
	CU_ASSERT_EQUAL(st.moved, 0);

	/* static over a dynamic entry: takes the port and pins it */
	CU_ASSERT_EQUAL(ps_fdb_learn(fdb, &d, 1), 0);
	CU_ASSERT_EQUAL(ps_fdb_add_static(fdb, &d, 2), 0);
	CU_ASSERT_EQUAL(ps_fdb_get(fdb, &d, &e), 0);
	CU_ASSERT(e.flags & PS_FDB_F_STATIC);
	CU_ASSERT_EQUAL(e.port, 2);
	CU_ASSERT_EQUAL(ps_fdb_learn(fdb, &d, 1), -EPERM);
	CU_ASSERT_EQUAL(lookup_port(fdb, &d), 2);

	/* never ages, however old */
	ps_fdb_set_now(fdb, 1000000);
	CU_ASSERT_EQUAL(ps_fdb_age(fdb, 1), 0);
	CU_ASSERT_EQUAL(lookup_port(fdb, &s), 3);
	CU_ASSERT_EQUAL(lookup_port(fdb, &d), 2);
	/* and a flush of its port keeps it */
	CU_ASSERT_EQUAL(ps_fdb_flush_port(fdb, 3), 0);
	CU_ASSERT_EQUAL(lookup_port(fdb, &s), 3);
	ps_fdb_stats(fdb, &st);
	CU_ASSERT_EQUAL(st.aged, 0);
	CU_ASSERT_EQUAL(st.entries, 2);
	ps_fdb_free(fdb);
}

static void
test_age(void)
{
	struct rte_ether_addr old = mac_n(1), fresh = mac_n(2), st_mac = mac_n(3);
	struct rte_ether_addr edge = mac_n(4), touched = mac_n(5);
	const struct rte_ether_addr *macs[1] = { &touched };
	struct ps_fdb_entry *out[1];
	struct ps_fdb_stats st;
	struct ps_fdb *fdb = create(SIZE);

	if (fdb == NULL)
		return;
	ps_fdb_set_now(fdb, 100);
	CU_ASSERT_EQUAL(ps_fdb_learn(fdb, &old, 1), 0);
	CU_ASSERT_EQUAL(ps_fdb_learn(fdb, &touched, 1), 0);
	CU_ASSERT_EQUAL(ps_fdb_add_static(fdb, &st_mac, 1), 0);
	ps_fdb_set_now(fdb, 140);
	CU_ASSERT_EQUAL(ps_fdb_learn(fdb, &edge, 2), 0);
	ps_fdb_set_now(fdb, 150);
	CU_ASSERT_EQUAL(ps_fdb_learn(fdb, &fresh, 2), 0);
	/* the fast path saw it recently */
	ps_fdb_set_now(fdb, 190);
	ps_fdb_lookup_bulk(fdb, macs, 1, out);
	CU_ASSERT_PTR_NOT_NULL_FATAL(out[0]);
	ps_fdb_touch(fdb, out[0]);

	/* now 200, max age 60: old (100) and edge (140, exactly 60) go */
	ps_fdb_set_now(fdb, 200);
	CU_ASSERT_EQUAL(ps_fdb_age(fdb, 60), 2);
	CU_ASSERT_EQUAL(lookup_port(fdb, &old), -1);
	CU_ASSERT_EQUAL(lookup_port(fdb, &edge), -1);
	CU_ASSERT_EQUAL(lookup_port(fdb, &fresh), 2);
	CU_ASSERT_EQUAL(lookup_port(fdb, &touched), 1);
	CU_ASSERT_EQUAL(lookup_port(fdb, &st_mac), 1);
	ps_fdb_stats(fdb, &st);
	CU_ASSERT_EQUAL(st.aged, 2);
	CU_ASSERT_EQUAL(st.entries, 3);

	/* nothing more to age at the same time */
	CU_ASSERT_EQUAL(ps_fdb_age(fdb, 60), 0);
	/* later everything dynamic goes, the static stays */
	ps_fdb_set_now(fdb, 1000);
	CU_ASSERT_EQUAL(ps_fdb_age(fdb, 60), 2);
	CU_ASSERT_EQUAL(lookup_port(fdb, &st_mac), 1);
	ps_fdb_stats(fdb, &st);
	CU_ASSERT_EQUAL(st.aged, 4);
	CU_ASSERT_EQUAL(st.entries, 1);
	ps_fdb_free(fdb);
}

/* Fill a table of size entries with MACs base..base+size-1 over 4 ports. */
static int
fill(struct ps_fdb *fdb, uint32_t base, uint32_t size)
{
	uint32_t i;
	int bad = 0;

	for (i = 0; i < size; i++) {
		struct rte_ether_addr m = mac_n(base + i);
		int rc = ps_fdb_learn(fdb, &m, (uint16_t)(i % 4));

		if (rc != 0) {
			fprintf(stderr, "learn %u of %u: %d\n", i, size, rc);
			bad++;
		}
	}
	return bad;
}

/* Every MAC base..base+n-1 is found on its fill() port. */
static int
check_filled(const struct ps_fdb *fdb, uint32_t base, uint32_t n)
{
	uint32_t i;
	int bad = 0;

	for (i = 0; i < n; i++) {
		struct rte_ether_addr m = mac_n(base + i);

		if (lookup_port(fdb, &m) != (int)(i % 4))
			bad++;
	}
	return bad;
}

/*
 * A full large table where every other entry is stale: all stale ones go
 * in one pass, even those in the extendable buckets, and no fresh one.
 */
static void
test_age_full_table(void)
{
	const uint32_t size = 4096;
	struct ps_fdb_stats st;
	struct ps_fdb *fdb = create(size);
	uint32_t i;
	int wrong = 0;

	if (fdb == NULL)
		return;
	ps_fdb_set_now(fdb, 100);
	CU_ASSERT_EQUAL(fill(fdb, 0, size), 0);
	ps_fdb_set_now(fdb, 200);
	for (i = 1; i < size; i += 2) {
		struct rte_ether_addr m = mac_n(i);

		CU_ASSERT_EQUAL(ps_fdb_learn(fdb, &m, (uint16_t)(i % 4)), 0);
	}
	ps_fdb_set_now(fdb, 250);
	CU_ASSERT_EQUAL(ps_fdb_age(fdb, 100), size / 2);
	for (i = 0; i < size; i++) {
		struct rte_ether_addr m = mac_n(i);

		if (lookup_port(fdb, &m) != (i % 2 ? (int)(i % 4) : -1))
			wrong++;
	}
	CU_ASSERT_EQUAL(wrong, 0);
	ps_fdb_stats(fdb, &st);
	CU_ASSERT_EQUAL(st.entries, size / 2);
	CU_ASSERT_EQUAL(st.aged, size / 2);
	ps_fdb_free(fdb);
}

static void
test_full(void)
{
	struct rte_ether_addr extra = mac_n(1000), extra2 = mac_n(1001);
	struct rte_ether_addr first = mac_n(0);
	struct ps_fdb_stats st;
	struct ps_fdb *fdb = create(SIZE);

	if (fdb == NULL)
		return;
	CU_ASSERT_EQUAL(fill(fdb, 0, SIZE), 0);
	ps_fdb_stats(fdb, &st);
	CU_ASSERT_EQUAL(st.entries, SIZE);
	CU_ASSERT_EQUAL(st.learned, SIZE);
	CU_ASSERT_EQUAL(st.full, 0);

	CU_ASSERT_EQUAL(ps_fdb_learn(fdb, &extra, 1), -ENOSPC);
	CU_ASSERT_EQUAL(ps_fdb_learn(fdb, &extra2, 1), -ENOSPC);
	CU_ASSERT_EQUAL(ps_fdb_learn(fdb, &extra, 1), -ENOSPC);
	ps_fdb_stats(fdb, &st);
	CU_ASSERT_EQUAL(st.full, 3);
	CU_ASSERT_EQUAL(st.entries, SIZE);
	CU_ASSERT_EQUAL(st.learned, SIZE);
	CU_ASSERT_EQUAL(lookup_port(fdb, &extra), -1);
	/* nothing established was evicted or changed */
	CU_ASSERT_EQUAL(check_filled(fdb, 0, SIZE), 0);
	/* a static entry needs room too */
	CU_ASSERT_EQUAL(ps_fdb_add_static(fdb, &extra, 1), -ENOSPC);

	/* refresh and move need no room */
	CU_ASSERT_EQUAL(ps_fdb_learn(fdb, &first, 0), 0);
	CU_ASSERT_EQUAL(ps_fdb_learn(fdb, &first, 3), 0);
	CU_ASSERT_EQUAL(lookup_port(fdb, &first), 3);
	CU_ASSERT_EQUAL(ps_fdb_learn(fdb, &first, 0), 0);
	ps_fdb_stats(fdb, &st);
	CU_ASSERT_EQUAL(st.moved, 2);
	CU_ASSERT_EQUAL(st.full, 3);
	ps_fdb_free(fdb);
}

/* Sizes that are not powers of two and the hash's minimum hold exactly size. */
static void
test_full_odd_sizes(void)
{
	static const uint32_t sizes[] = { 8, 100, 1000, 4096 };
	unsigned int k;

	for (k = 0; k < RTE_DIM(sizes); k++) {
		struct ps_fdb *fdb = create(sizes[k]);
		struct rte_ether_addr extra = mac_n(0xfffff);
		struct ps_fdb_stats st;

		if (fdb == NULL)
			return;
		CU_ASSERT_EQUAL(fill(fdb, 0x10000 * (k + 1), sizes[k]), 0);
		CU_ASSERT_EQUAL(ps_fdb_learn(fdb, &extra, 0), -ENOSPC);
		ps_fdb_stats(fdb, &st);
		CU_ASSERT_EQUAL(st.entries, sizes[k]);
		CU_ASSERT_EQUAL(st.full, 1);
		CU_ASSERT_EQUAL(check_filled(fdb, 0x10000 * (k + 1), sizes[k]), 0);
		ps_fdb_free(fdb);
	}
}

static void
test_del_readd(void)
{
	struct rte_ether_addr a = mac_n(5), extra = mac_n(1000);
	struct ps_fdb_stats st;
	struct ps_fdb_entry e;
	struct ps_fdb *fdb = create(SIZE);
	uint32_t i;

	if (fdb == NULL)
		return;
	CU_ASSERT_EQUAL(ps_fdb_del(fdb, &a), -ENOENT);
	CU_ASSERT_EQUAL(fill(fdb, 0, SIZE), 0);
	CU_ASSERT_EQUAL(ps_fdb_learn(fdb, &extra, 2), -ENOSPC);

	CU_ASSERT_EQUAL(ps_fdb_del(fdb, &a), 0);
	CU_ASSERT_EQUAL(ps_fdb_del(fdb, &a), -ENOENT);
	CU_ASSERT_EQUAL(ps_fdb_get(fdb, &a, &e), -ENOENT);
	CU_ASSERT_EQUAL(lookup_port(fdb, &a), -1);
	ps_fdb_stats(fdb, &st);
	CU_ASSERT_EQUAL(st.entries, SIZE - 1);

	/* the freed room takes a new MAC, then the table is full again */
	CU_ASSERT_EQUAL(ps_fdb_learn(fdb, &extra, 2), 0);
	CU_ASSERT_EQUAL(lookup_port(fdb, &extra), 2);
	CU_ASSERT_EQUAL(ps_fdb_learn(fdb, &a, 1), -ENOSPC);
	CU_ASSERT_EQUAL(ps_fdb_del(fdb, &extra), 0);
	CU_ASSERT_EQUAL(ps_fdb_learn(fdb, &a, 1), 0);
	CU_ASSERT_EQUAL(check_filled(fdb, 0, SIZE), 0);

	/* empty it completely and fill it again: every slot comes back */
	for (i = 0; i < SIZE; i++) {
		struct rte_ether_addr m = mac_n(i);

		CU_ASSERT_EQUAL(ps_fdb_del(fdb, &m), 0);
	}
	ps_fdb_stats(fdb, &st);
	CU_ASSERT_EQUAL(st.entries, 0);
	CU_ASSERT_EQUAL(fill(fdb, 500, SIZE), 0);
	CU_ASSERT_EQUAL(check_filled(fdb, 500, SIZE), 0);
	CU_ASSERT_EQUAL(ps_fdb_learn(fdb, &a, 1), -ENOSPC);
	ps_fdb_free(fdb);
}

struct walk_state {
	uint8_t seen[SIZE];
	unsigned int calls;
	unsigned int dup;
	unsigned int stop_after;
};

static int
walk_cb(const struct ps_fdb_entry *e, void *arg)
{
	struct walk_state *w = arg;
	uint32_t i;

	w->calls++;
	for (i = 0; i < SIZE; i++) {
		struct rte_ether_addr m = mac_n(i);

		if (!rte_is_same_ether_addr(&m, &e->mac))
			continue;
		if (w->seen[i])
			w->dup++;
		w->seen[i] = 1;
	}
	if (w->stop_after != 0 && w->calls == w->stop_after)
		return 42;
	return 0;
}

static int
count_cb(const struct ps_fdb_entry *e, void *arg)
{
	RTE_SET_USED(e);
	(*(unsigned int *)arg)++;
	return 0;
}

/*
 * A full table: some entries sit in the extendable buckets, which a delete
 * compacts while the flush is walking the table; none may be skipped.
 */
static void
flush_sized(uint32_t size)
{
	struct rte_ether_addr s = mac_n(0xfff000);
	uint32_t n = size - 1, on1 = (n + 2) / 4, i;
	unsigned int calls = 0;
	struct ps_fdb_stats st;
	struct ps_fdb *fdb = create(size);
	int wrong = 0;

	if (fdb == NULL)
		return;
	CU_ASSERT_EQUAL(fill(fdb, 0, n), 0);
	CU_ASSERT_EQUAL(ps_fdb_add_static(fdb, &s, 1), 0);
	CU_ASSERT_EQUAL(ps_fdb_flush_port(fdb, 1), on1);
	for (i = 0; i < n; i++) {
		struct rte_ether_addr m = mac_n(i);

		if (lookup_port(fdb, &m) != (i % 4 == 1 ? -1 : (int)(i % 4)))
			wrong++;
	}
	CU_ASSERT_EQUAL(wrong, 0);
	CU_ASSERT_EQUAL(lookup_port(fdb, &s), 1);
	ps_fdb_stats(fdb, &st);
	CU_ASSERT_EQUAL(st.entries, size - on1);
	CU_ASSERT_EQUAL(ps_fdb_walk(fdb, count_cb, &calls), 0);
	CU_ASSERT_EQUAL(calls, size - on1);
	/* nothing left on port 1 but the static entry */
	CU_ASSERT_EQUAL(ps_fdb_flush_port(fdb, 1), 0);
	/* a port with nothing learned */
	CU_ASSERT_EQUAL(ps_fdb_flush_port(fdb, 9), 0);
	/* flush everything else, port by port */
	CU_ASSERT_EQUAL(ps_fdb_flush_port(fdb, 0) + ps_fdb_flush_port(fdb, 2) +
			ps_fdb_flush_port(fdb, 3), n - on1);
	ps_fdb_stats(fdb, &st);
	CU_ASSERT_EQUAL(st.entries, 1);
	ps_fdb_free(fdb);
}

static void
test_flush_port(void)
{
	flush_sized(SIZE);
	flush_sized(1000);
	flush_sized(4096);
}

static void
test_walk(void)
{
	struct walk_state w;
	struct ps_fdb *fdb = create(SIZE);
	unsigned int i, missing = 0;

	if (fdb == NULL)
		return;
	memset(&w, 0, sizeof(w));
	CU_ASSERT_EQUAL(ps_fdb_walk(fdb, walk_cb, &w), 0);
	CU_ASSERT_EQUAL(w.calls, 0);

	CU_ASSERT_EQUAL(fill(fdb, 0, SIZE - 1), 0);
	{
		struct rte_ether_addr m = mac_n(SIZE - 1);

		CU_ASSERT_EQUAL(ps_fdb_add_static(fdb, &m, 7), 0);
	}
	memset(&w, 0, sizeof(w));
	CU_ASSERT_EQUAL(ps_fdb_walk(fdb, walk_cb, &w), 0);
	CU_ASSERT_EQUAL(w.calls, SIZE);
	CU_ASSERT_EQUAL(w.dup, 0);
	for (i = 0; i < SIZE; i++)
		if (!w.seen[i])
			missing++;
	CU_ASSERT_EQUAL(missing, 0);

	/* a non-zero return stops the walk and is passed back */
	memset(&w, 0, sizeof(w));
	w.stop_after = 5;
	CU_ASSERT_EQUAL(ps_fdb_walk(fdb, walk_cb, &w), 42);
	CU_ASSERT_EQUAL(w.calls, 5);
	ps_fdb_free(fdb);
}

static void
test_invalid_mac(void)
{
	static const char *const bad[] = {
		"00:00:00:00:00:00",	/* zero */
		"ff:ff:ff:ff:ff:ff",	/* broadcast */
		"01:00:5e:00:00:01",	/* IPv4 multicast */
		"33:33:00:00:00:01",	/* IPv6 multicast */
		"03:00:00:00:00:01",	/* group bit with the local bit */
	};
	struct ps_fdb_stats st;
	struct ps_fdb *fdb = create(SIZE);
	unsigned int i;

	if (fdb == NULL)
		return;
	for (i = 0; i < RTE_DIM(bad); i++) {
		struct rte_ether_addr m = ps_mac(bad[i]);

		CU_ASSERT_EQUAL(ps_fdb_learn(fdb, &m, 1), -EINVAL);
		CU_ASSERT_EQUAL(lookup_port(fdb, &m), -1);
		/* nor through the learn ring */
		ps_fdb_learn_request(fdb, &m, 1);
	}
	ps_fdb_process_learn(fdb);
	for (i = 0; i < RTE_DIM(bad); i++) {
		struct rte_ether_addr m = ps_mac(bad[i]);

		CU_ASSERT_EQUAL(lookup_port(fdb, &m), -1);
	}
	ps_fdb_stats(fdb, &st);
	CU_ASSERT_EQUAL(st.entries, 0);
	CU_ASSERT_EQUAL(st.learned, 0);
	CU_ASSERT_EQUAL(st.full, 0);
	ps_fdb_free(fdb);
}

static void
test_learn_ring(void)
{
	struct rte_ether_addr a = mac_n(1), b = mac_n(2);
	struct ps_fdb_stats st;
	struct ps_fdb *fdb = create(SIZE);

	if (fdb == NULL)
		return;
	CU_ASSERT_EQUAL(ps_fdb_process_learn(fdb), 0);
	ps_fdb_set_now(fdb, 10);

	/* a new MAC in a burst asks once per second */
	ps_fdb_learn_request(fdb, &a, 1);
	ps_fdb_learn_request(fdb, &a, 1);
	ps_fdb_learn_request(fdb, &a, 1);
	CU_ASSERT_EQUAL(lookup_port(fdb, &a), -1);	/* not before the writer */
	CU_ASSERT_EQUAL(ps_fdb_process_learn(fdb), 1);
	CU_ASSERT_EQUAL(lookup_port(fdb, &a), 1);
	CU_ASSERT_EQUAL(ps_fdb_process_learn(fdb), 0);

	/* a different request is not a duplicate */
	ps_fdb_learn_request(fdb, &a, 2);
	ps_fdb_learn_request(fdb, &b, 2);
	CU_ASSERT_EQUAL(ps_fdb_process_learn(fdb), 2);
	CU_ASSERT_EQUAL(lookup_port(fdb, &a), 2);
	CU_ASSERT_EQUAL(lookup_port(fdb, &b), 2);
	ps_fdb_stats(fdb, &st);
	CU_ASSERT_EQUAL(st.learned, 2);
	CU_ASSERT_EQUAL(st.moved, 1);

	/* the same request in the next second is asked again */
	ps_fdb_learn_request(fdb, &b, 2);
	CU_ASSERT_EQUAL(ps_fdb_process_learn(fdb), 0);
	ps_fdb_set_now(fdb, 11);
	ps_fdb_learn_request(fdb, &b, 2);
	ps_fdb_learn_request(fdb, &b, 2);
	CU_ASSERT_EQUAL(ps_fdb_process_learn(fdb), 1);
	ps_fdb_stats(fdb, &st);
	CU_ASSERT_EQUAL(st.learn_queue_full, 0);
	ps_fdb_free(fdb);
}

/* More requests than the ring holds: dropped and counted, never blocking. */
static void
test_learn_ring_full(void)
{
	const uint32_t n = 10000;
	struct ps_fdb_stats st;
	struct ps_fdb *fdb = create(SIZE);
	unsigned int done;
	uint32_t i;

	if (fdb == NULL)
		return;
	for (i = 0; i < n; i++) {
		struct rte_ether_addr m = mac_n(100 + i);

		ps_fdb_learn_request(fdb, &m, 1);
	}
	ps_fdb_stats(fdb, &st);
	CU_ASSERT(st.learn_queue_full > 0);
	done = ps_fdb_process_learn(fdb);
	CU_ASSERT_EQUAL(done + st.learn_queue_full, n);
	ps_fdb_stats(fdb, &st);
	/* the table took what fits and counted the rest */
	CU_ASSERT_EQUAL(st.entries, SIZE);
	CU_ASSERT_EQUAL(st.learned, SIZE);
	CU_ASSERT_EQUAL(st.full, done - SIZE);
	ps_fdb_free(fdb);
}

/* A node name may be up to PS_NAME_MAX - 1 characters (Kubernetes node
 * names are often long FQDNs) and the table is named after it. */
static void
test_long_name(void)
{
	char name[PS_NAME_MAX];
	struct rte_ether_addr a = mac_n(1);
	struct rte_rcu_qsbr *qsv;
	struct ps_fdb *fdb;

	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	qsv = rte_zmalloc(NULL, rte_rcu_qsbr_get_memsize(1),
			  RTE_CACHE_LINE_SIZE);
	CU_ASSERT_PTR_NOT_NULL_FATAL(qsv);
	CU_ASSERT_EQUAL_FATAL(rte_rcu_qsbr_init(qsv, 1), 0);
	fdb = ps_fdb_create(name, SIZE, SOCKET_ID_ANY, qsv);
	CU_ASSERT_PTR_NOT_NULL(fdb);
	if (fdb != NULL) {
		CU_ASSERT_EQUAL(ps_fdb_learn(fdb, &a, 1), 0);
		CU_ASSERT_EQUAL(lookup_port(fdb, &a), 1);
	}
	ps_fdb_free(fdb);
	rte_free(qsv);
}

/*
 * With RCU, a deleted entry may still be read by a worker until it reports
 * a quiescent state: its room comes back only after that, and then all of
 * it, so the table fills up to its size again.
 */
static void
rcu_reclaim(uint32_t size)
{
	struct rte_ether_addr extra = mac_n(0xffffff);
	struct rte_rcu_qsbr *qsv;
	struct ps_fdb_stats st;
	struct ps_fdb *fdb;
	uint32_t i;
	int refused = 0;

	qsv = rte_zmalloc(NULL, rte_rcu_qsbr_get_memsize(1),
			  RTE_CACHE_LINE_SIZE);
	CU_ASSERT_PTR_NOT_NULL_FATAL(qsv);
	CU_ASSERT_EQUAL_FATAL(rte_rcu_qsbr_init(qsv, 1), 0);
	CU_ASSERT_EQUAL(rte_rcu_qsbr_thread_register(qsv, 0), 0);
	rte_rcu_qsbr_thread_online(qsv, 0);

	fdb = ps_fdb_create("rcu", size, SOCKET_ID_ANY, qsv);
	CU_ASSERT_PTR_NOT_NULL(fdb);
	if (fdb == NULL)
		goto out;

	CU_ASSERT_EQUAL(fill(fdb, 0, size), 0);
	CU_ASSERT_EQUAL(ps_fdb_learn(fdb, &extra, 0), -ENOSPC);
	CU_ASSERT_EQUAL(check_filled(fdb, 0, size), 0);

	/* delete all of it: gone for lookups at once */
	for (i = 0; i < size; i++) {
		struct rte_ether_addr m = mac_n(i);

		CU_ASSERT_EQUAL(ps_fdb_del(fdb, &m), 0);
		CU_ASSERT_EQUAL(lookup_port(fdb, &m), -1);
	}
	/* the reader has not passed a quiescent state: no room yet */
	CU_ASSERT_EQUAL(ps_fdb_learn(fdb, &extra, 0), -ENOSPC);

	rte_rcu_qsbr_quiescent(qsv, 0);
	for (i = 0; i < size; i++) {
		struct rte_ether_addr m = mac_n(0x100000 + i);

		if (ps_fdb_learn(fdb, &m, (uint16_t)(i % 4)) != 0)
			refused++;
	}
	CU_ASSERT_EQUAL(refused, 0);
	CU_ASSERT_EQUAL(check_filled(fdb, 0x100000, size), 0);
	CU_ASSERT_EQUAL(ps_fdb_learn(fdb, &extra, 0), -ENOSPC);
	ps_fdb_stats(fdb, &st);
	CU_ASSERT_EQUAL(st.entries, size);
	CU_ASSERT_EQUAL(st.learned, 2 * size);

	/* a partial delete: half the room, after the next quiescent state */
	for (i = 0; i < size / 2; i++) {
		struct rte_ether_addr m = mac_n(0x100000 + i);

		CU_ASSERT_EQUAL(ps_fdb_del(fdb, &m), 0);
	}
	rte_rcu_qsbr_quiescent(qsv, 0);
	refused = 0;
	for (i = 0; i < size / 2; i++) {
		struct rte_ether_addr m = mac_n(0x200000 + i);

		if (ps_fdb_learn(fdb, &m, (uint16_t)(i % 4)) != 0)
			refused++;
	}
	CU_ASSERT_EQUAL(refused, 0);
	CU_ASSERT_EQUAL(ps_fdb_learn(fdb, &extra, 0), -ENOSPC);

	/* ageing and flush hand entries back the same way */
	ps_fdb_set_now(fdb, 1000);
	CU_ASSERT_EQUAL(ps_fdb_age(fdb, 10), size);
	rte_rcu_qsbr_quiescent(qsv, 0);
	CU_ASSERT_EQUAL(fill(fdb, 0x300000, size), 0);
	CU_ASSERT_EQUAL(ps_fdb_flush_port(fdb, 2), size / 4);
	rte_rcu_qsbr_quiescent(qsv, 0);
	for (i = 0; i < size / 4; i++) {
		struct rte_ether_addr m = mac_n(0x400000 + i);

		CU_ASSERT_EQUAL(ps_fdb_learn(fdb, &m, 2), 0);
	}
	CU_ASSERT_EQUAL(ps_fdb_learn(fdb, &extra, 0), -ENOSPC);
	ps_fdb_free(fdb);
out:
	rte_rcu_qsbr_thread_offline(qsv, 0);
	rte_rcu_qsbr_thread_unregister(qsv, 0);
	rte_free(qsv);
}

static void
test_rcu_reclaim(void)
{
	rcu_reclaim(SIZE);
}

/* Larger than the table's spare entries, so reclaim must really happen. */
static void
test_rcu_reclaim_large(void)
{
	rcu_reclaim(1024);
}

static const struct ps_test tests[] = {
	{ "create, lookup, learn", test_create_lookup_learn },
	{ "learn on another port moves", test_move },
	{ "static entries never move nor age", test_static },
	{ "ageing", test_age },
	{ "ageing a full large table", test_age_full_table },
	{ "full table refuses new MACs only", test_full },
	{ "full at exactly size for odd sizes", test_full_odd_sizes },
	{ "delete and re-add", test_del_readd },
	{ "flush a port", test_flush_port },
	{ "walk visits every entry", test_walk },
	{ "invalid MACs rejected", test_invalid_mac },
	{ "learn ring and per-lcore dedupe", test_learn_ring },
	{ "learn ring full", test_learn_ring_full },
	{ "long table names", test_long_name },
	{ "RCU: deleted room comes back after quiescence", test_rcu_reclaim },
	{ "RCU: reclaim beyond the spare entries", test_rcu_reclaim_large },
};

PS_TEST_MAIN(ps_test_eal_init, PS_SUITE("fdb", NULL, NULL, tests))
