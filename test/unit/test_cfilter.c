/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the counting filter (include/podswitch/cfilter.h): no
 * false negative, counts that go back to 0, the stuck slot of a full
 * count, walk and stats, two threads counting the same slot, bad sizes.
 */
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_errno.h>

#include <podswitch/cfilter.h>

#include "test_common.h"

#define SLOTS 1024

static uint32_t
ip_n(uint32_t i)
{
	return rte_cpu_to_be_32(0x0a000000u + i);
}

static struct ps_cfilter *
create(uint32_t slots)
{
	struct ps_cfilter *f = ps_cfilter_create("ut", slots);

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	return f;
}

/* Added keys always answer maybe; deleted, they answer no again. */
static void
test_add_lookup_del(void)
{
	struct ps_cfilter *f = create(SLOTS);
	struct ps_cfilter_stats st;
	uint32_t i, maybe = 0;

	for (i = 0; i < 100; i++)
		CU_ASSERT_EQUAL(ps_cfilter_add(f, ip_n(i), RTE_BE16(80),
					       IPPROTO_TCP), 0);
	for (i = 0; i < 100; i++)
		CU_ASSERT(ps_cfilter_lookup(f, ip_n(i), RTE_BE16(80),
					    IPPROTO_TCP));
	/* other keys: mostly no (100 keys in 1024 slots) */
	for (i = 1000; i < 2000; i++)
		maybe += ps_cfilter_lookup(f, ip_n(i), RTE_BE16(80),
					   IPPROTO_TCP);
	CU_ASSERT(maybe < 250);
	ps_cfilter_stats(f, &st);
	CU_ASSERT_EQUAL(st.slots, SLOTS);
	CU_ASSERT_EQUAL(st.keys, 100);
	CU_ASSERT(st.used > 0 && st.used <= 100);
	CU_ASSERT_EQUAL(st.stuck, 0);
	for (i = 0; i < 100; i++)
		CU_ASSERT_EQUAL(ps_cfilter_del(f, ip_n(i), RTE_BE16(80),
					       IPPROTO_TCP), 0);
	for (i = 0; i < 2000; i++)
		CU_ASSERT_FALSE(ps_cfilter_lookup(f, ip_n(i), RTE_BE16(80),
						  IPPROTO_TCP));
	ps_cfilter_stats(f, &st);
	CU_ASSERT_EQUAL(st.used, 0);
	CU_ASSERT_EQUAL(st.keys, 0);
	/* a del without its add changes nothing */
	CU_ASSERT_EQUAL(ps_cfilter_del(f, ip_n(1), RTE_BE16(80), IPPROTO_TCP),
			-ENOENT);
	ps_cfilter_free(f);
}

/* The same key twice is two counts: one del leaves it in. Port and
 * protocol are part of the key. */
static void
test_counts(void)
{
	struct ps_cfilter *f = create(1u << 16);

	ps_cfilter_add(f, ip_n(7), RTE_BE16(53), IPPROTO_UDP);
	ps_cfilter_add(f, ip_n(7), RTE_BE16(53), IPPROTO_UDP);
	CU_ASSERT_EQUAL(ps_cfilter_del(f, ip_n(7), RTE_BE16(53), IPPROTO_UDP),
			0);
	CU_ASSERT(ps_cfilter_lookup(f, ip_n(7), RTE_BE16(53), IPPROTO_UDP));
	/* in 64k slots these land elsewhere (the hash is fixed) */
	CU_ASSERT_FALSE(ps_cfilter_lookup(f, ip_n(7), RTE_BE16(53),
					  IPPROTO_TCP));
	CU_ASSERT_FALSE(ps_cfilter_lookup(f, ip_n(7), RTE_BE16(54),
					  IPPROTO_UDP));
	CU_ASSERT_FALSE(ps_cfilter_lookup(f, ip_n(7), 0, 0));
	ps_cfilter_del(f, ip_n(7), RTE_BE16(53), IPPROTO_UDP);
	CU_ASSERT_FALSE(ps_cfilter_lookup(f, ip_n(7), RTE_BE16(53),
					  IPPROTO_UDP));
	ps_cfilter_free(f);
}

/* Full: the slot sticks, answers maybe for good, and is counted. */
static void
test_stuck(void)
{
	struct ps_cfilter *f = create(64);
	struct ps_cfilter_stats st;
	unsigned int i;
	int rc = 0;

	for (i = 0; i < PS_CFILTER_STUCK - 1; i++)
		rc |= ps_cfilter_add(f, ip_n(1), RTE_BE16(80), IPPROTO_TCP);
	CU_ASSERT_EQUAL(rc, 0);
	ps_cfilter_stats(f, &st);
	CU_ASSERT_EQUAL(st.keys, PS_CFILTER_STUCK - 1);
	CU_ASSERT_EQUAL(st.stuck, 0);
	CU_ASSERT_EQUAL(ps_cfilter_add(f, ip_n(1), RTE_BE16(80), IPPROTO_TCP),
			-EOVERFLOW);
	CU_ASSERT_EQUAL(ps_cfilter_add(f, ip_n(1), RTE_BE16(80), IPPROTO_TCP),
			-EOVERFLOW);
	for (i = 0; i < 2 * PS_CFILTER_STUCK; i++)
		ps_cfilter_del(f, ip_n(1), RTE_BE16(80), IPPROTO_TCP);
	CU_ASSERT(ps_cfilter_lookup(f, ip_n(1), RTE_BE16(80), IPPROTO_TCP));
	ps_cfilter_stats(f, &st);
	CU_ASSERT_EQUAL(st.stuck, 1);
	CU_ASSERT_EQUAL(st.used, 1);
	CU_ASSERT_EQUAL(st.keys, 0);
	CU_ASSERT_EQUAL(st.overflows, 2);
	ps_cfilter_free(f);
}

struct walk_acc {
	unsigned int slots;
	uint64_t sum;
	uint32_t last;
	bool ordered;
};

static int
walk_cb(uint32_t slot, uint8_t count, void *arg)
{
	struct walk_acc *a = arg;

	if (a->slots > 0 && slot <= a->last)
		a->ordered = false;
	a->last = slot;
	a->slots++;
	a->sum += count;
	return 0;
}

static int
walk_stop(uint32_t slot, uint8_t count, void *arg)
{
	RTE_SET_USED(slot);
	RTE_SET_USED(count);
	(*(unsigned int *)arg)++;
	return 7;
}

static void
test_walk(void)
{
	struct ps_cfilter *f = create(SLOTS);
	struct walk_acc a = { .ordered = true };
	struct ps_cfilter_stats st;
	unsigned int calls = 0;
	uint32_t i;

	for (i = 0; i < 50; i++)
		ps_cfilter_add(f, ip_n(i), 0, 0);
	CU_ASSERT_EQUAL(ps_cfilter_walk(f, walk_cb, &a), 0);
	ps_cfilter_stats(f, &st);
	CU_ASSERT_EQUAL(a.slots, st.used);
	CU_ASSERT_EQUAL(a.sum, 50);
	CU_ASSERT(a.ordered);
	CU_ASSERT_EQUAL(ps_cfilter_walk(f, walk_stop, &calls), 7);
	CU_ASSERT_EQUAL(calls, 1);
	ps_cfilter_free(f);
}

static void
test_bad_sizes(void)
{
	CU_ASSERT_PTR_NULL(ps_cfilter_create("ut", 1000));
	CU_ASSERT_EQUAL(rte_errno, EINVAL);
	CU_ASSERT_PTR_NULL(ps_cfilter_create("ut", 32));
	CU_ASSERT_PTR_NULL(ps_cfilter_create("ut", 1u << 29));
	CU_ASSERT_PTR_NULL(ps_cfilter_create(NULL, 64));
	ps_cfilter_free(NULL);
}

#define RACE_N 200000

struct race {
	struct ps_cfilter *f;
	uint32_t key;
};

/* add then del the same few keys, over and over */
static void *
race_thread(void *arg)
{
	struct race *r = arg;
	uint32_t i;

	for (i = 0; i < RACE_N; i++) {
		ps_cfilter_add(r->f, ip_n(r->key + (i & 3)), 0, IPPROTO_UDP);
		ps_cfilter_del(r->f, ip_n(r->key + (i & 3)), 0, IPPROTO_UDP);
	}
	return NULL;
}

/* Two threads counting the same slots lose no count: every slot is 0
 * at the end, and a key held meanwhile by this thread never went. */
static void
test_two_threads(void)
{
	struct ps_cfilter *f = create(64);
	struct race r = { .f = f, .key = 100 };
	struct ps_cfilter_stats st;
	pthread_t t1, t2;
	uint32_t i;
	bool lost = false;

	ps_cfilter_add(f, ip_n(100), 0, IPPROTO_UDP);
	CU_ASSERT_EQUAL_FATAL(pthread_create(&t1, NULL, race_thread, &r), 0);
	CU_ASSERT_EQUAL_FATAL(pthread_create(&t2, NULL, race_thread, &r), 0);
	for (i = 0; i < RACE_N; i++)
		lost |= !ps_cfilter_lookup(f, ip_n(100), 0, IPPROTO_UDP);
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	CU_ASSERT_FALSE(lost);
	ps_cfilter_del(f, ip_n(100), 0, IPPROTO_UDP);
	ps_cfilter_stats(f, &st);
	CU_ASSERT_EQUAL(st.used, 0);
	CU_ASSERT_EQUAL(st.keys, 0);
	ps_cfilter_free(f);
}

static const struct ps_test tests[] = {
	{ "added keys answer maybe, deleted ones no", test_add_lookup_del },
	{ "a key counted twice stays after one del", test_counts },
	{ "a full slot sticks and is counted", test_stuck },
	{ "walk visits every used slot in order", test_walk },
	{ "bad sizes refused", test_bad_sizes },
	{ "two threads lose no count", test_two_threads },
};

PS_TEST_MAIN(ps_test_eal_init, PS_SUITE("cfilter", NULL, NULL, tests))
