/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PS_CT_PRIVATE_H
#define PS_CT_PRIVATE_H

/*
 * Shared by the conntrack files: the fast path (ct_table.c), the state
 * machines (ct_state.c), the management side (ct_mgmt.c) and creation
 * (ct_create.c).
 */

#include <assert.h>
#include <stddef.h>
#include <string.h>

#include <rte_common.h>
#include <rte_hash_crc.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring_elem.h>

#include <podswitch/conntrack.h>

#define CT_LOG(level, ...) \
	rte_log(RTE_LOG_ ## level, ps_logtype_ct, "conntrack: " __VA_ARGS__)

/* Per-lcore counters, so workers never share a written line. */
struct ct_lstats {
	uint64_t created;
	uint64_t full;
	uint64_t index_full;
	uint64_t clash;
	uint64_t races_lost;
	uint64_t contended;
	uint64_t invalid;
	uint64_t invalid_new;
} __rte_cache_aligned;

/* Counters of threads without an lcore id share the last slot (atomics). */
#define CT_LSTATS_ANY RTE_MAX_LCORE

static inline struct ct_lstats *
ct_lstats(struct ct_lstats *base)
{
	unsigned int lc = rte_lcore_id();

	return &base[lc < RTE_MAX_LCORE ? lc : CT_LSTATS_ANY];
}

static inline void
ct_count(uint64_t *c)
{
	if (rte_lcore_id() < RTE_MAX_LCORE)
		(*c)++;
	else
		__atomic_fetch_add(c, 1, __ATOMIC_RELAXED);
}

#define BUCKET_SLOTS 8
#define CT_CACHE 32

/*
 * Publication state of an entry (ps_ct_entry.status). ps_ct_add in
 * ct_table.c moves its entry through them, and its header says why:
 *
 *   FREE --> PENDING --> COMMIT --> LIVE --> DEAD --> FREE   one life
 *              | ^         |                  ^
 *              v |         +------------------+  no room: DEAD, FREE
 *             DEAD         (a creator that lost or clashed: FREE)
 *    killed or waiting for a rival: DEAD, then PENDING again
 *
 *   from     to       by                  when
 *   FREE     PENDING  creator             entry taken and filled; again
 *                                         at the start of each round
 *   PENDING  DEAD     a lower rival (CAS) both create the same tuple
 *   PENDING  COMMIT   creator (CAS)       its scan found no rival; fails
 *                                         once it was killed
 *   PENDING  DEAD     creator             killed, or a rival to wait for:
 *                                         slots back, then look again
 *   PENDING  FREE     creator             a LIVE rival (lost), a clash, or
 *                                         no free slot: slots back
 *   DEAD     PENDING  creator             looked again: nothing there
 *   DEAD     FREE     creator             looked again: lost, or a clash
 *   COMMIT   LIVE     creator             room under the size taken
 *   COMMIT   DEAD     creator             no room: slots back, then FREE
 *   LIVE     DEAD     management (CAS)    deleted: out of the index,
 *                                         released (ct_delete)
 *   DEAD     FREE     management          after the grace period
 *                                         (ct_entry_reclaimed)
 *
 * Rivals: creators of the same tuple on other workers. Of two, the one
 * that claims later sees the other's slot in its scan, so they never
 * both reach COMMIT. What the scan does with a rival holding our tuple:
 *   LIVE                   we lost: return it (PS_CT_EXISTS);
 *   COMMIT                 it has won: wait until it is LIVE;
 *   PENDING, higher index  kill it (CAS PENDING -> DEAD);
 *   PENDING, lower index   wait for it (bounded), then look again.
 * Room under the size (ct->used) is taken only in COMMIT, where nobody
 * can kill the creator any more.
 */
enum {
	ST_FREE = 0,
	ST_PENDING,	/* creating: may still be killed by a rival */
	ST_LIVE,
	ST_DEAD,
	ST_COMMIT,	/* won its tuples, taking room: LIVE or DEAD next */
};

struct ct_bucket {
	uint64_t slot[BUCKET_SLOTS];
} __rte_cache_aligned;

struct ct_cache {
	uint32_t n;
	uint32_t idx[CT_CACHE];
} __rte_cache_aligned;

/* A lookup touches one line of the entry; the whole is two. */
static_assert(offsetof(struct ps_ct_entry, packets) == RTE_CACHE_LINE_SIZE,
	      "hot part of a conntrack entry exceeds a cache line");
static_assert(sizeof(struct ps_ct_entry) == 2 * RTE_CACHE_LINE_SIZE,
	      "conntrack entry is not two cache lines");

struct ps_ct {
	struct ct_bucket *buckets;
	uint32_t bucket_mask;
	struct ps_ct_entry *entries;
	uint32_t nb_entries;		/* size + spares for caches */
	uint32_t size;
	uint32_t used;			/* atomic: live + pending + not reclaimed */
	struct rte_ring *free_ring;	/* of uint32_t entry indexes */
	struct rte_rcu_qsbr_dq *dq;
	volatile uint32_t now;
	uint32_t timeout[PS_CT_STATE_MAX];
	void (*release)(const struct ps_ct_entry *e, void *arg);
	void *release_arg;
	/* management thread only */
	uint32_t expire_cursor;
	uint32_t pending_free;
	uint64_t expired;
	uint64_t deleted;
	struct ct_cache cache[RTE_MAX_LCORE];
	struct ct_lstats lst[RTE_MAX_LCORE + 1];
};

/* Hashing -------------------------------------------------------------- */

struct ct_hash {
	uint32_t b[2];
	uint32_t sig;
};

static inline void
ct_words(const struct ps_ct_tuple *t, uint64_t w[2])
{
	memcpy(w, t, sizeof(*t));
}

static inline bool
tuple_eq(const struct ps_ct_tuple *a, const struct ps_ct_tuple *b)
{
	uint64_t x[2], y[2];

	ct_words(a, x);
	ct_words(b, y);
	return ((x[0] ^ y[0]) | (x[1] ^ y[1])) == 0;
}

/*
 * One CRC32 of the tuple, spread to 64 bits by a non-linear finaliser
 * (murmur3's): two CRCs with different seeds would differ by a constant,
 * pairing buckets for good and losing the two-choice balance.
 */
static inline struct ct_hash
ct_hash(const struct ps_ct *ct, const struct ps_ct_tuple *t)
{
	struct ct_hash h;
	uint64_t w[2], x;

	ct_words(t, w);
	x = rte_hash_crc_8byte(w[1], rte_hash_crc_8byte(w[0], 0x2d358dccu));
	x ^= x << 32;
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	h.b[0] = (uint32_t)x & ct->bucket_mask;
	h.b[1] = (uint32_t)(x >> 24) & ct->bucket_mask;
	if (h.b[1] == h.b[0])
		h.b[1] ^= 1;
	h.sig = (uint32_t)(x >> 32);
	return h;
}

static inline uint64_t
slot_val(uint32_t sig, uint32_t idx, uint8_t dir)
{
	return (uint64_t)sig << 32 | (uint64_t)(idx + 1) << 1 | dir;
}

static inline uint32_t
slot_idx(uint64_t v)
{
	return ((uint32_t)v >> 1) - 1;
}

static inline uint32_t
slot_sig(uint64_t v)
{
	return (uint32_t)(v >> 32);
}

static inline uint64_t
slot_load(const uint64_t *s)
{
	return __atomic_load_n(s, __ATOMIC_ACQUIRE);
}

static inline uint8_t
status_load(const struct ps_ct_entry *e)
{
	return __atomic_load_n(&e->status, __ATOMIC_ACQUIRE);
}

static inline uint32_t
ct_idx(const struct ps_ct *ct, const struct ps_ct_entry *e)
{
	return (uint32_t)(e - ct->entries);
}

static inline void
slot_release(uint64_t *s, uint64_t val)
{
	if (s != NULL)
		__atomic_compare_exchange_n(s, &val, 0, false, __ATOMIC_RELEASE,
					    __ATOMIC_RELAXED);
}

/* The slot holding val (management thread: delete). */
static inline uint64_t *
slot_find(struct ps_ct *ct, const struct ct_hash *h, uint64_t val)
{
	unsigned int k, i;

	for (k = 0; k < 2; k++) {
		struct ct_bucket *b = &ct->buckets[h->b[k]];

		for (i = 0; i < BUCKET_SLOTS; i++)
			if (slot_load(&b->slot[i]) == val)
				return &b->slot[i];
	}
	return NULL;
}

/* ct_mgmt.c: the defer queue's free function */
void ct_entry_reclaimed(void *p, void *data, unsigned int n);

/* ct_state.c */
void ct_state_init(struct ps_ct_entry *e, const struct ps_ct_pkt *pkt);
enum ps_ct_verdict ct_state_update(struct ps_ct_entry *e, uint8_t dir,
				   const struct ps_ct_pkt *pkt);
bool ct_pkt_can_create(uint8_t proto, const struct ps_ct_pkt *pkt);

#endif
