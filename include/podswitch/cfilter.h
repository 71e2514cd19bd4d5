/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PODSWITCH_CFILTER_H
#define PODSWITCH_CFILTER_H

/*
 * A counting filter of (IPv4 address, port, protocol) keys: "may this key
 * be in the set?" in one hash and one byte load, with no false negative.
 * The service gate (docs/design.md, "pipeline") asks it for every routed
 * packet, so a packet that no service, translated connection or
 * masquerade concerns skips the service stage.
 *
 * A slot is a count of the keys that hash to it. Adding a key counts it,
 * deleting it uncounts it; a slot is "maybe" while its count is not 0,
 * so a key added and not deleted always answers "maybe", and another key
 * of the same slot does too (a false positive: the caller takes the slow
 * path, nothing is lost). The keys themselves are not stored.
 *
 * Threads. Any thread may add and delete (atomic compare-and-swap on the
 * slot's byte: workers count the connections they create, the management
 * thread the frontends and the connections it deletes); readers load the
 * byte with no lock. A key counted before the packet that needs it was
 * sent is seen by every reader of a later packet.
 *
 * Full: a slot holds at most PS_CFILTER_STUCK - 1 keys. The key that
 * would take it further makes it stuck: it answers "maybe" for good (its
 * counts are lost, so it can never go back to 0 safely), counted in
 * stats.stuck and stats.overflows. Nothing is refused and nothing is
 * ever missed; as slots fill, more unrelated keys answer "maybe". A
 * filter with one slot in PS_CFILTER_STUCK stuck or more than half its
 * slots used is too small for its load: its size is a parameter.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_hash_crc.h>

#define PS_CFILTER_STUCK 255

struct ps_cfilter {
	uint32_t mask;		/* slots - 1 */
	uint8_t *slot;
	uint64_t overflows;	/* adds that found or made a stuck slot */
	char name[32];
};

struct ps_cfilter_stats {
	uint32_t slots;
	uint32_t used;		/* slots not 0 */
	uint32_t stuck;		/* slots answering "maybe" for good */
	uint64_t keys;		/* sum of the counts of the other slots */
	uint64_t overflows;
};

/*
 * A filter of slots slots (a power of two, 64 ... 2^28), a byte each,
 * in process memory (not the DPDK heap). NULL with rte_errno set
 * (EINVAL, ENOMEM).
 */
struct ps_cfilter *ps_cfilter_create(const char *name, uint32_t slots);
void ps_cfilter_free(struct ps_cfilter *f);

/* The slot of a key; ip and port as they are on the wire. */
static inline uint32_t
ps_cfilter_slot(const struct ps_cfilter *f, uint32_t ip, uint16_t port,
		uint8_t proto)
{
	uint64_t k = (uint64_t)ip << 32 | (uint32_t)port << 8 | proto;

	return rte_hash_crc_8byte(k, 0x9e3779b9) & f->mask;
}

/* Fast path: false when the key is surely not in the set. */
static inline bool
ps_cfilter_lookup(const struct ps_cfilter *f, uint32_t ip, uint16_t port,
		  uint8_t proto)
{
	return __atomic_load_n(&f->slot[ps_cfilter_slot(f, ip, port, proto)],
			       __ATOMIC_RELAXED) != 0;
}

/*
 * Count a key (add) or uncount one added before (del). Any thread, no
 * lock, no allocation. add returns 0, or -EOVERFLOW when the key's slot
 * is stuck (the key answers "maybe" all the same); del returns 0, or
 * -ENOENT when the slot's count is already 0 (a del without its add:
 * nothing changes).
 */
int ps_cfilter_add(struct ps_cfilter *f, uint32_t ip, uint16_t port,
		   uint8_t proto);
int ps_cfilter_del(struct ps_cfilter *f, uint32_t ip, uint16_t port,
		   uint8_t proto);

/* Every used slot with its count (PS_CFILTER_STUCK: stuck), in slot
 * order; cb returning non-zero stops the walk and is returned. */
int ps_cfilter_walk(const struct ps_cfilter *f,
		    int (*cb)(uint32_t slot, uint8_t count, void *arg),
		    void *arg);

/* Scans every slot: for the management thread, not the fast path. */
void ps_cfilter_stats(const struct ps_cfilter *f, struct ps_cfilter_stats *st);

#endif
