/* SPDX-License-Identifier: BSD-3-Clause */
/* The counting filter of include/podswitch/cfilter.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_errno.h>

#include <podswitch/cfilter.h>

/*
 * Process memory, not DPDK's heap: nothing but this process's threads
 * reads it, and the heap's large contiguous blocks are better left to
 * the tables that need them (route tbl8 groups).
 */
struct ps_cfilter *
ps_cfilter_create(const char *name, uint32_t slots)
{
	struct ps_cfilter *f;

	if (name == NULL || slots < 64 || slots > (1u << 28) ||
	    !rte_is_power_of_2(slots)) {
		rte_errno = EINVAL;
		return NULL;
	}
	f = calloc(1, sizeof(*f));
	if (f == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	if (posix_memalign((void **)&f->slot, RTE_CACHE_LINE_SIZE, slots) !=
	    0) {
		free(f);
		rte_errno = ENOMEM;
		return NULL;
	}
	memset(f->slot, 0, slots);
	f->mask = slots - 1;
	snprintf(f->name, sizeof(f->name), "%s", name);
	return f;
}

void
ps_cfilter_free(struct ps_cfilter *f)
{
	if (f == NULL)
		return;
	free(f->slot);
	free(f);
}

int
ps_cfilter_add(struct ps_cfilter *f, uint32_t ip, uint16_t port,
	       uint8_t proto)
{
	uint8_t *s = &f->slot[ps_cfilter_slot(f, ip, port, proto)];
	uint8_t c = __atomic_load_n(s, __ATOMIC_RELAXED);

	do {
		if (c == PS_CFILTER_STUCK) {
			__atomic_fetch_add(&f->overflows, 1, __ATOMIC_RELAXED);
			return -EOVERFLOW;
		}
	/* release: whatever the caller set up before counting the key is
	 * there for a reader that sees the count */
	} while (!__atomic_compare_exchange_n(s, &c, (uint8_t)(c + 1), true,
					      __ATOMIC_RELEASE,
					      __ATOMIC_RELAXED));
	if (c + 1 == PS_CFILTER_STUCK) {
		__atomic_fetch_add(&f->overflows, 1, __ATOMIC_RELAXED);
		return -EOVERFLOW;
	}
	return 0;
}

int
ps_cfilter_del(struct ps_cfilter *f, uint32_t ip, uint16_t port,
	       uint8_t proto)
{
	uint8_t *s = &f->slot[ps_cfilter_slot(f, ip, port, proto)];
	uint8_t c = __atomic_load_n(s, __ATOMIC_RELAXED);

	do {
		/* a stuck slot lost its counts: it stays */
		if (c == PS_CFILTER_STUCK)
			return 0;
		if (c == 0)
			return -ENOENT;
	} while (!__atomic_compare_exchange_n(s, &c, (uint8_t)(c - 1), true,
					      __ATOMIC_RELAXED,
					      __ATOMIC_RELAXED));
	return 0;
}

int
ps_cfilter_walk(const struct ps_cfilter *f,
		int (*cb)(uint32_t slot, uint8_t count, void *arg), void *arg)
{
	uint32_t i;
	int rc;

	for (i = 0; i <= f->mask; i++) {
		uint8_t c = __atomic_load_n(&f->slot[i], __ATOMIC_RELAXED);

		if (c == 0)
			continue;
		rc = cb(i, c, arg);
		if (rc != 0)
			return rc;
	}
	return 0;
}

void
ps_cfilter_stats(const struct ps_cfilter *f, struct ps_cfilter_stats *st)
{
	uint32_t i;

	*st = (struct ps_cfilter_stats){ .slots = f->mask + 1 };
	for (i = 0; i <= f->mask; i++) {
		uint8_t c = __atomic_load_n(&f->slot[i], __ATOMIC_RELAXED);

		st->used += c != 0;
		if (c == PS_CFILTER_STUCK)
			st->stuck++;
		else
			st->keys += c;
	}
	st->overflows = __atomic_load_n(&f->overflows, __ATOMIC_RELAXED);
}
