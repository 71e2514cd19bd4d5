/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ClientIP session affinity (IPVS persistence): (service port, client IP)
 * -> endpoint, with a last-use time.
 *
 * Workers write it on the fast path, so it cannot be an rte_hash with one
 * writer. It is one preallocated array of buckets of 8 slots; a worker
 * claims an empty slot of its bucket with a compare-and-swap on the key,
 * then sets the value with another CAS from 0, so when two workers meet
 * the same new client at once the first value wins and both use it. No
 * probing beyond the bucket: a full bucket just means "no affinity stored
 * for this client" (counted), never a lost established entry and no
 * tombstones. Per-worker partitions were rejected because RSS spreads one
 * client's connections over workers and each would pin it elsewhere.
 *
 * The management thread expires entries: it marks the key (PENDING bit),
 * re-checks the time, then clears value and key, so an entry a worker
 * refreshed in between survives. A worker that meets a marked slot sees
 * a miss and may store the client in another slot of the bucket; the
 * duplicate that can result is never refreshed and expires by itself.
 */
#include <errno.h>
#include <string.h>

#include <rte_hash_crc.h>
#include <rte_malloc.h>

#include "svc_private.h"

#define PENDING (1ULL << 63)

static inline uint64_t
aff_key(uint32_t port_id, uint32_t client)
{
	/* port ids < 2^31: bit 63 stays free for PENDING, and a key is
	 * never 0 because id + 1 is stored */
	return (uint64_t)(port_id + 1) << 32 | client;
}

static inline struct aff_slot *
aff_bucket(struct svc_aff *a, uint64_t key)
{
	uint32_t h = rte_hash_crc_8byte(key, 0x2545f491);

	return &a->slots[(size_t)(h & (a->nb_buckets - 1)) * AFF_BUCKET];
}

int
svc_aff_init(struct svc_aff *a, uint32_t size, int socket)
{
	uint32_t nb = 1;

	memset(a, 0, sizeof(*a));
	if (size == 0)
		return 0;
	while ((uint64_t)nb * AFF_BUCKET < size)
		nb <<= 1;
	a->nb_buckets = nb;
	a->size = nb * AFF_BUCKET;
	a->slots = rte_zmalloc_socket("ps_svc_aff",
				      sizeof(*a->slots) * a->size,
				      RTE_CACHE_LINE_SIZE, socket);
	return a->slots == NULL ? -ENOMEM : 0;
}

void
svc_aff_fini(struct svc_aff *a)
{
	rte_free(a->slots);
	memset(a, 0, sizeof(*a));
}

uint64_t
svc_aff_get(struct svc_aff *a, uint32_t port_id, uint32_t client,
	    uint32_t now)
{
	uint64_t key = aff_key(port_id, client);
	struct aff_slot *b;
	unsigned int i;

	if (a->slots == NULL)
		return 0;
	b = aff_bucket(a, key);
	for (i = 0; i < AFF_BUCKET; i++) {
		uint64_t v;

		if (__atomic_load_n(&b[i].key, __ATOMIC_ACQUIRE) != key)
			continue;
		v = __atomic_load_n(&b[i].val, __ATOMIC_ACQUIRE);
		if (v == 0)
			continue;
		if (__atomic_load_n(&b[i].last, __ATOMIC_RELAXED) != now)
			__atomic_store_n(&b[i].last, now, __ATOMIC_RELAXED);
		return v;
	}
	return 0;
}

uint64_t
svc_aff_put(struct svc_aff *a, uint32_t port_id, uint32_t client,
	    uint64_t val, uint32_t now, bool replace)
{
	uint64_t key = aff_key(port_id, client);
	struct aff_slot *b, *s = NULL;
	unsigned int i, tries;

	if (a->slots == NULL)
		return 0;
	b = aff_bucket(a, key);
	/* A CAS lost to another worker claiming the same slot is retried
	 * once over the bucket: the winner may be this very client. */
	for (tries = 0; tries < 2 && s == NULL; tries++) {
		for (i = 0; i < AFF_BUCKET && s == NULL; i++)
			if (__atomic_load_n(&b[i].key, __ATOMIC_ACQUIRE) ==
			    key)
				s = &b[i];
		for (i = 0; i < AFF_BUCKET && s == NULL; i++) {
			uint64_t exp = 0;

			if (__atomic_compare_exchange_n(&b[i].key, &exp, key,
					false, __ATOMIC_ACQ_REL,
					__ATOMIC_ACQUIRE)) {
				s = &b[i];
			} else if (exp == key) {
				s = &b[i];
			}
		}
	}
	if (s == NULL)
		return 0;
	__atomic_store_n(&s->last, now, __ATOMIC_RELAXED);
	if (replace) {
		__atomic_store_n(&s->val, val, __ATOMIC_RELEASE);
		return val;
	}
	{
		uint64_t exp = 0;

		if (__atomic_compare_exchange_n(&s->val, &exp, val, false,
						__ATOMIC_ACQ_REL,
						__ATOMIC_ACQUIRE))
			return val;
		return exp;
	}
}

unsigned int
svc_aff_sweep(struct svc_aff *a,
	      bool (*expired)(void *arg, uint32_t port_id, uint32_t last),
	      void *arg)
{
	unsigned int removed = 0;
	uint32_t i;

	for (i = 0; i < a->size; i++) {
		struct aff_slot *s = &a->slots[i];
		uint64_t key = __atomic_load_n(&s->key, __ATOMIC_ACQUIRE);
		uint32_t id;

		/* val 0: a worker is still filling the slot it claimed */
		if (key == 0 || (key & PENDING) ||
		    __atomic_load_n(&s->val, __ATOMIC_ACQUIRE) == 0)
			continue;
		id = (uint32_t)(key >> 32) - 1;
		if (!expired(arg, id, __atomic_load_n(&s->last,
						      __ATOMIC_RELAXED)))
			continue;
		if (!__atomic_compare_exchange_n(&s->key, &key, key | PENDING,
						 false, __ATOMIC_ACQ_REL,
						 __ATOMIC_ACQUIRE))
			continue;
		if (!expired(arg, id, __atomic_load_n(&s->last,
						      __ATOMIC_ACQUIRE))) {
			__atomic_store_n(&s->key, key, __ATOMIC_RELEASE);
			continue;
		}
		__atomic_store_n(&s->val, 0, __ATOMIC_RELEASE);
		__atomic_store_n(&s->key, 0, __ATOMIC_RELEASE);
		removed++;
	}
	return removed;
}

uint32_t
svc_aff_count(const struct svc_aff *a)
{
	uint32_t i, n = 0;

	for (i = 0; i < a->size; i++)
		if (__atomic_load_n(&a->slots[i].key, __ATOMIC_RELAXED) != 0)
			n++;
	return n;
}

int
svc_aff_walk(const struct svc_aff *a,
	     int (*cb)(uint32_t port_id, uint32_t client, uint64_t val,
		       uint32_t last, void *arg),
	     void *arg)
{
	uint32_t i;
	int rc;

	for (i = 0; i < a->size; i++) {
		const struct aff_slot *s = &a->slots[i];
		uint64_t key = __atomic_load_n(&s->key, __ATOMIC_ACQUIRE);
		uint64_t val = __atomic_load_n(&s->val, __ATOMIC_ACQUIRE);

		if (key == 0 || (key & PENDING) || val == 0)
			continue;
		rc = cb((uint32_t)(key >> 32) - 1, (uint32_t)key, val,
			__atomic_load_n(&s->last, __ATOMIC_RELAXED), arg);
		if (rc != 0)
			return rc;
	}
	return 0;
}
