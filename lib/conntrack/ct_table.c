/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The conntrack table: preallocated entries and a lock-free index that
 * workers insert into concurrently.
 *
 * Why not rte_hash: in 22.11 RTE_HASH_EXTRA_FLAGS_MULTI_WRITER_ADD makes
 * every add take the hash's rwlock for writing (writer_takes_lock), so
 * concurrent workers creating flows would spin on one lock.
 *
 * Index: buckets of 8 64-bit slots (one cache line). A tuple may sit in
 * either of two buckets chosen by two hashes and is put in the emptier one
 * (two choices keep the worst bucket near the mean, so at <= 50% load a
 * refused insert is practically impossible). A slot is 0 or
 * sig(32) | (entry index + 1)(31) | dir(1); a lookup reads the 16 slots,
 * keys never move, so a reader never misses a live entry.
 *
 * Publication: an entry is PENDING while its creator claims slots for both
 * tuples (CAS from 0), then scans both tuples' buckets for another entry
 * with the same tuple: a LIVE one means it lost (it backs out and returns
 * the winner); a PENDING one is resolved by entry index: the lower index
 * kills the higher (CAS its status PENDING -> DEAD), the higher waits for
 * the lower to finish. Then PENDING -> LIVE by CAS, which fails if it was
 * killed (it then starts over). Of two creators of one tuple, the later to
 * claim always sees the other's slot in its scan, so two can never both
 * become LIVE. Lookups return LIVE entries only, so nobody uses a choice
 * that may still lose.
 *
 * Memory: `size` live (or deleted, not yet reclaimed) entries at most,
 * enforced by one counter taken just before the commit, so creators that
 * lose a race never hold room; entries come from per-lcore caches over a
 * ring of free indexes, with spare entries for what caches and creations
 * in progress hold. Deleted
 * entries go through an RCU defer queue back to the ring.
 */
#include <assert.h>
#include <errno.h>
#include <stddef.h>
#include <netinet/in.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>
#include <rte_prefetch.h>
#include <rte_ring_elem.h>

#include "ct_private.h"

RTE_LOG_REGISTER(ps_logtype_ct, podswitch.conntrack, INFO);

#define BUCKET_SLOTS 8
#define CT_CACHE 32
#define MAX_WAIT_SPINS (1u << 20)

enum {
	ST_FREE = 0,
	ST_PENDING,
	ST_LIVE,
	ST_DEAD,
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
	uint32_t *ep_conns;		/* atomic counters by endpoint id */
	uint32_t max_endpoints;
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

/* Lookup ---------------------------------------------------------------- */

static inline struct ps_ct_entry *
find_live(struct ps_ct *ct, const struct ps_ct_tuple *t,
	  const struct ct_hash *h, uint8_t *dir)
{
	unsigned int k, i;

	for (k = 0; k < 2; k++) {
		const struct ct_bucket *b = &ct->buckets[h->b[k]];

		for (i = 0; i < BUCKET_SLOTS; i++) {
			uint64_t v = slot_load(&b->slot[i]);
			struct ps_ct_entry *e;
			uint8_t d;

			if (v == 0 || slot_sig(v) != h->sig)
				continue;
			e = &ct->entries[slot_idx(v)];
			d = (uint8_t)(v & 1);
			/* LIVE first: from then on the tuples are stable. */
			if (status_load(e) != ST_LIVE ||
			    !tuple_eq(&e->tuple[d], t))
				continue;
			*dir = d;
			return e;
		}
	}
	return NULL;
}

struct ps_ct_entry *
ps_ct_lookup(struct ps_ct *ct, const struct ps_ct_tuple *t, uint8_t *dir)
{
	struct ct_hash h = ct_hash(ct, t);

	return find_live(ct, t, &h, dir);
}

/* The first slot of t's buckets with t's signature, or 0. */
static inline uint64_t
first_sig_match(const struct ps_ct *ct, const struct ct_hash *h)
{
	unsigned int k, i;

	for (k = 0; k < 2; k++) {
		const struct ct_bucket *b = &ct->buckets[h->b[k]];

		for (i = 0; i < BUCKET_SLOTS; i++) {
			uint64_t v = slot_load(&b->slot[i]);

			if (v != 0 && slot_sig(v) == h->sig)
				return v;
		}
	}
	return 0;
}

/*
 * Three passes so that each burst's memory accesses overlap: hash and
 * prefetch the buckets, find the candidate slot and prefetch its entry,
 * then verify (a rare second signature match falls back to a full scan).
 */
void
ps_ct_lookup_bulk(struct ps_ct *ct, const struct ps_ct_tuple *const t[],
		  unsigned int n, struct ps_ct_entry *out[], uint8_t dir[])
{
	struct ct_hash h[64];
	uint64_t cand[64];
	unsigned int i;

	n = RTE_MIN(n, RTE_DIM(h));
	for (i = 0; i < n; i++) {
		h[i] = ct_hash(ct, t[i]);
		rte_prefetch0(&ct->buckets[h[i].b[0]]);
		rte_prefetch0(&ct->buckets[h[i].b[1]]);
	}
	for (i = 0; i < n; i++) {
		cand[i] = first_sig_match(ct, &h[i]);
		if (cand[i] != 0)
			rte_prefetch0(&ct->entries[slot_idx(cand[i])]);
	}
	for (i = 0; i < n; i++) {
		struct ps_ct_entry *e;
		uint8_t d;

		out[i] = NULL;
		if (cand[i] == 0)
			continue;
		e = &ct->entries[slot_idx(cand[i])];
		d = (uint8_t)(cand[i] & 1);
		if (status_load(e) == ST_LIVE && tuple_eq(&e->tuple[d], t[i])) {
			out[i] = e;
			dir[i] = d;
		} else {
			out[i] = find_live(ct, t[i], &h[i], &dir[i]);
		}
	}
}

/* Entry allocation ------------------------------------------------------ */

static uint32_t
entry_alloc(struct ps_ct *ct)
{
	unsigned int lc = rte_lcore_id();
	struct ct_cache *c;
	uint32_t idx;

	if (lc >= RTE_MAX_LCORE)
		return rte_ring_dequeue_elem(ct->free_ring, &idx,
					     sizeof(idx)) == 0 ? idx : UINT32_MAX;
	c = &ct->cache[lc];
	if (c->n == 0)
		c->n = rte_ring_dequeue_burst_elem(ct->free_ring, c->idx,
						   sizeof(uint32_t),
						   CT_CACHE / 2, NULL);
	if (c->n == 0)
		return UINT32_MAX;
	return c->idx[--c->n];
}

/* An entry never published, or lost: straight back to this lcore. */
static void
entry_put(struct ps_ct *ct, uint32_t idx)
{
	unsigned int lc = rte_lcore_id();
	struct ct_cache *c;

	__atomic_store_n(&ct->entries[idx].status, ST_FREE, __ATOMIC_RELAXED);
	if (lc < RTE_MAX_LCORE) {
		c = &ct->cache[lc];
		if (c->n < CT_CACHE) {
			c->idx[c->n++] = idx;
			return;
		}
	}
	/* Cannot fail: the ring holds every entry. */
	rte_ring_enqueue_elem(ct->free_ring, &idx, sizeof(idx));
}

static void
entry_reclaimed(void *p, void *data, unsigned int n)
{
	struct ps_ct *ct = p;
	uint32_t *idx = data;
	unsigned int i;

	for (i = 0; i < n; i++) {
		__atomic_store_n(&ct->entries[idx[i]].status, ST_FREE,
				 __ATOMIC_RELAXED);
		rte_ring_enqueue_elem(ct->free_ring, &idx[i], sizeof(uint32_t));
		ct->pending_free--;
	}
	__atomic_fetch_sub(&ct->used, n, __ATOMIC_RELEASE);
}

/* Index slots ----------------------------------------------------------- */

static unsigned int
bucket_free_slots(const struct ct_bucket *b)
{
	unsigned int i, n = 0;

	for (i = 0; i < BUCKET_SLOTS; i++)
		n += slot_load(&b->slot[i]) == 0;
	return n;
}

/* Put val in an empty slot of the emptier bucket; NULL if both are full. */
static uint64_t *
slot_claim(struct ps_ct *ct, const struct ct_hash *h, uint64_t val)
{
	struct ct_bucket *b0 = &ct->buckets[h->b[0]];
	struct ct_bucket *b1 = &ct->buckets[h->b[1]];
	struct ct_bucket *order[2];
	unsigned int k, i;

	if (bucket_free_slots(b1) > bucket_free_slots(b0)) {
		order[0] = b1;
		order[1] = b0;
	} else {
		order[0] = b0;
		order[1] = b1;
	}
	for (k = 0; k < 2; k++) {
		for (i = 0; i < BUCKET_SLOTS; i++) {
			uint64_t *s = &order[k]->slot[i];
			uint64_t zero = 0;

			if (slot_load(s) != 0)
				continue;
			if (__atomic_compare_exchange_n(s, &zero, val, false,
							__ATOMIC_RELEASE,
							__ATOMIC_RELAXED))
				return s;
		}
	}
	return NULL;
}

static void
slot_release(uint64_t *s, uint64_t val)
{
	if (s != NULL)
		__atomic_compare_exchange_n(s, &val, 0, false, __ATOMIC_RELEASE,
					    __ATOMIC_RELAXED);
}

/* The slot holding val (management thread: delete). */
static uint64_t *
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

enum race {
	RACE_NONE,
	RACE_LIVE,	/* a live entry has the tuple: we lost */
	RACE_WAIT,	/* a lower pending entry has it: let it finish */
};

/*
 * Look for other entries with tuple t in its buckets while we (me,
 * pending) hold a slot for it. Kills higher pending rivals.
 */
static enum race
race_scan(struct ps_ct *ct, struct ps_ct_entry *me, const struct ps_ct_tuple *t,
	  const struct ct_hash *h, struct ps_ct_entry **rival, uint8_t *rdir,
	  uint64_t *contended)
{
	unsigned int k, i;

	for (k = 0; k < 2; k++) {
		struct ct_bucket *b = &ct->buckets[h->b[k]];

		for (i = 0; i < BUCKET_SLOTS; i++) {
			uint64_t v = slot_load(&b->slot[i]);
			struct ps_ct_entry *o;
			uint8_t st, pend = ST_PENDING;
			uint8_t d;

			if (v == 0 || slot_sig(v) != h->sig ||
			    slot_idx(v) == ct_idx(ct, me))
				continue;
			o = &ct->entries[slot_idx(v)];
			d = (uint8_t)(v & 1);
			st = status_load(o);
			if (st == ST_PENDING && tuple_eq(&o->tuple[d], t))
				ct_count(contended);
			if (st == ST_PENDING && o > me &&
			    tuple_eq(&o->tuple[d], t)) {
				if (__atomic_compare_exchange_n(&o->status,
						&pend, ST_DEAD, false,
						__ATOMIC_ACQ_REL,
						__ATOMIC_ACQUIRE))
					continue;
				st = pend;
			}
			if (st == ST_LIVE && tuple_eq(&o->tuple[d], t)) {
				*rival = o;
				*rdir = d;
				return RACE_LIVE;
			}
			if (st == ST_PENDING && o < me &&
			    tuple_eq(&o->tuple[d], t)) {
				*rival = o;
				return RACE_WAIT;
			}
		}
	}
	return RACE_NONE;
}

/*
 * The live entry of t, after waiting for a creation of t in progress on
 * another worker to finish (it holds a slot only for a few hundred ns).
 */
static struct ps_ct_entry *
wait_creation(struct ps_ct *ct, const struct ps_ct_tuple *t,
	      const struct ct_hash *h, uint8_t *dir)
{
	unsigned int k, i, w;

	for (k = 0; k < 2; k++) {
		struct ct_bucket *b = &ct->buckets[h->b[k]];

		for (i = 0; i < BUCKET_SLOTS; i++) {
			uint64_t v = slot_load(&b->slot[i]);
			struct ps_ct_entry *o;

			if (v == 0 || slot_sig(v) != h->sig)
				continue;
			o = &ct->entries[slot_idx(v)];
			if (status_load(o) != ST_PENDING ||
			    !tuple_eq(&o->tuple[v & 1], t))
				continue;
			for (w = 0; status_load(o) == ST_PENDING &&
			     w < MAX_WAIT_SPINS; w++)
				rte_pause();
		}
	}
	return find_live(ct, t, h, dir);
}

bool
ps_ct_pkt_can_create(uint8_t proto, const struct ps_ct_pkt *pkt)
{
	return ct_pkt_can_create(proto, pkt);
}

static void
ep_count(struct ps_ct *ct, uint32_t ep, int delta)
{
	if (ep < ct->max_endpoints)
		__atomic_fetch_add(&ct->ep_conns[ep], (uint32_t)delta,
				   __ATOMIC_RELAXED);
}

int
ps_ct_add(struct ps_ct *ct, const struct ps_ct_tuple *orig,
	  const struct ps_ct_tuple *reply, const struct ps_ct_nat *nat,
	  const struct ps_ct_pkt *pkt, struct ps_ct_entry **ep, uint8_t *dir)
{
	struct ct_lstats *ls = ct_lstats(ct->lst);
	const struct ps_ct_tuple *tup[2] = { orig, reply };
	struct ps_ct_entry *e, *rival = NULL;
	uint64_t *slot[2] = { NULL, NULL }, val[2];
	unsigned int k, nk, spins;
	struct ct_hash h[2];
	uint8_t rdir = 0;
	uint32_t idx;
	int rc;

	if (orig->proto != IPPROTO_TCP && orig->proto != IPPROTO_UDP &&
	    orig->proto != IPPROTO_ICMP)
		return -EPROTONOSUPPORT;
	if (reply->proto != orig->proto)
		return -EINVAL;
	if (!ct_pkt_can_create(orig->proto, pkt)) {
		ct_count(&ls->invalid);
		ct_count(&ls->invalid_new);
		return -EINVAL;
	}
	h[0] = ct_hash(ct, orig);
	h[1] = ct_hash(ct, reply);
	/* the four buckets are read below one after the other: overlap */
	for (k = 0; k < 2; k++) {
		rte_prefetch0(&ct->buckets[h[k].b[0]]);
		rte_prefetch0(&ct->buckets[h[k].b[1]]);
	}
	/* A connection to itself without NAT has one tuple. */
	nk = tuple_eq(orig, reply) ? 1 : 2;

	e = find_live(ct, orig, &h[0], &rdir);
	if (e != NULL)
		goto exists;
	if (nk == 2 && find_live(ct, reply, &h[1], &rdir) != NULL) {
		/* created by another worker since the orig lookup? */
		e = find_live(ct, orig, &h[0], &rdir);
		if (e != NULL)
			goto exists;
		ct_count(&ls->clash);
		return -EEXIST;
	}
	idx = __atomic_load_n(&ct->used, __ATOMIC_RELAXED) < ct->size ?
	      entry_alloc(ct) : UINT32_MAX;
	if (idx == UINT32_MAX)
		goto full;
	e = &ct->entries[idx];
	rte_prefetch0_write(e);
	rte_prefetch0_write(&e->packets[0]);
	e->tuple[0] = *orig;
	e->tuple[1] = *reply;
	e->nat = *nat;
	e->proto = orig->proto;
	e->flags = 0;
	e->last_seen = ct->now;
	e->packets[0] = e->packets[1] = 0;
	e->bytes[0] = e->bytes[1] = 0;
	ct_state_init(e, pkt);
	for (k = 0; k < 2; k++)
		val[k] = slot_val(h[k].sig, idx, (uint8_t)k);

	for (spins = 0;; spins++) {
		enum race r = RACE_NONE;

		__atomic_store_n(&e->status, ST_PENDING, __ATOMIC_RELEASE);
		for (k = 0; k < nk; k++) {
			slot[k] = slot_claim(ct, &h[k], val[k]);
			if (slot[k] == NULL) {
				rc = -ENOSPC;
				ct_count(&ls->index_full);
				goto unwind;
			}
		}
		for (k = 0; k < nk && r == RACE_NONE; k++)
			r = race_scan(ct, e, tup[k], &h[k], &rival, &rdir,
				      &ls->contended);
		if (r == RACE_LIVE) {
			/* k - 1 is the tuple that met a live entry; on the
			 * reply tuple it may be this very connection, created
			 * by another worker after our orig scan */
			if (k - 1 == 0)
				goto lost;
			rival = find_live(ct, orig, &h[0], &rdir);
			if (rival != NULL)
				goto lost;
			rc = -EEXIST;
			ct_count(&ls->clash);
			goto unwind;
		}
		if (r == RACE_NONE) {
			uint8_t pend = ST_PENDING;

			/* Count against the size only now: a loser never
			 * holds room a winner needs. */
			if (__atomic_fetch_add(&ct->used, 1, __ATOMIC_ACQ_REL) >=
			    ct->size) {
				__atomic_fetch_sub(&ct->used, 1,
						   __ATOMIC_RELAXED);
				__atomic_compare_exchange_n(&e->status, &pend,
						ST_DEAD, false,
						__ATOMIC_ACQ_REL,
						__ATOMIC_RELAXED);
				for (k = 0; k < nk; k++)
					slot_release(slot[k], val[k]);
				entry_put(ct, idx);
				goto full;
			}
			if (__atomic_compare_exchange_n(&e->status, &pend,
							ST_LIVE, false,
							__ATOMIC_ACQ_REL,
							__ATOMIC_ACQUIRE))
				break;
			/* killed by a lower rival: start over */
			__atomic_fetch_sub(&ct->used, 1, __ATOMIC_RELAXED);
		}
		for (k = 0; k < nk; k++) {
			slot_release(slot[k], val[k]);
			slot[k] = NULL;
		}
		if (r == RACE_WAIT) {
			unsigned int w = 0;

			while (status_load(rival) == ST_PENDING &&
			       w++ < MAX_WAIT_SPINS)
				rte_pause();
		}
		__atomic_store_n(&e->status, ST_DEAD, __ATOMIC_RELEASE);
		rival = find_live(ct, orig, &h[0], &rdir);
		if (rival != NULL)
			goto lost_unclaimed;
		if (nk == 2 && find_live(ct, reply, &h[1], &rdir) != NULL) {
			rival = find_live(ct, orig, &h[0], &rdir);
			if (rival != NULL)
				goto lost_unclaimed;
			rc = -EEXIST;
			ct_count(&ls->clash);
			goto unwind;
		}
		if (spins > 64)
			rte_pause();
	}
	ep_count(ct, e->nat.endpoint_id, 1);
	ct_count(&ls->created);
	*ep = e;
	*dir = PS_CT_DIR_ORIG;
	return PS_CT_CREATED;

full:
	/* the last room may be taken by this very connection */
	e = wait_creation(ct, orig, &h[0], &rdir);
	if (e != NULL)
		goto exists;
	ct_count(&ls->full);
	return -ENOSPC;

lost:
	for (k = 0; k < nk; k++)
		slot_release(slot[k], val[k]);
lost_unclaimed:
	entry_put(ct, idx);
	e = rival;
exists:
	ct_count(&ls->races_lost);
	*ep = e;
	*dir = rdir;
	return PS_CT_EXISTS;

unwind:
	for (k = 0; k < nk; k++)
		slot_release(slot[k], val[k]);
	entry_put(ct, idx);
	return rc;
}

enum ps_ct_verdict
ps_ct_update(struct ps_ct *ct, struct ps_ct_entry *e, uint8_t dir,
	     const struct ps_ct_pkt *pkt)
{
	enum ps_ct_verdict v = ct_state_update(e, dir & 1, pkt);
	uint32_t now = ct->now;

	if (v != PS_CT_VALID) {
		ct_count(&ct_lstats(ct->lst)->invalid);
		return v;
	}
	/* Plain stores: a lost increment when two workers share a direction
	 * is cheaper than a locked add on every packet. */
	e->packets[dir & 1]++;
	e->bytes[dir & 1] += pkt->bytes;
	if (__atomic_load_n(&e->last_seen, __ATOMIC_RELAXED) != now)
		__atomic_store_n(&e->last_seen, now, __ATOMIC_RELAXED);
	return v;
}

uint32_t
ps_ct_endpoint_conns(const struct ps_ct *ct, uint32_t endpoint_id)
{
	if (endpoint_id >= ct->max_endpoints)
		return 0;
	return __atomic_load_n(&ct->ep_conns[endpoint_id], __ATOMIC_RELAXED);
}

/* Management ------------------------------------------------------------ */

void
ps_ct_set_now(struct ps_ct *ct, uint32_t now)
{
	ct->now = now;
}

uint32_t
ps_ct_now(const struct ps_ct *ct)
{
	return ct->now;
}

uint32_t
ps_ct_ttl(const struct ps_ct *ct, const struct ps_ct_entry *e)
{
	uint32_t seen = __atomic_load_n(&e->last_seen, __ATOMIC_RELAXED);
	uint8_t st = __atomic_load_n(&e->state, __ATOMIC_RELAXED);
	uint32_t age = ct->now - seen;
	uint32_t to = ct->timeout[st < PS_CT_STATE_MAX ? st : 0];

	/* last_seen ahead of now: a worker stored a newer second */
	if ((int32_t)age < 0)
		return to;
	return age >= to ? 0 : to - age;
}

/* Unpublish e and queue its memory for after the grace period. */
static int
ct_delete(struct ps_ct *ct, struct ps_ct_entry *e)
{
	uint32_t idx = ct_idx(ct, e);
	uint8_t live = ST_LIVE;
	unsigned int k;

	if (!__atomic_compare_exchange_n(&e->status, &live, ST_DEAD, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
		return -ENOENT;
	__atomic_fetch_or(&e->flags, PS_CT_F_DYING, __ATOMIC_RELAXED);
	for (k = 0; k < 2; k++) {
		struct ct_hash h = ct_hash(ct, &e->tuple[k]);

		slot_release(slot_find(ct, &h, slot_val(h.sig, idx, (uint8_t)k)),
			     slot_val(h.sig, idx, (uint8_t)k));
	}
	ep_count(ct, e->nat.endpoint_id, -1);
	if (ct->release != NULL)
		ct->release(e, ct->release_arg);
	ct->pending_free++;
	if (ct->dq == NULL ||
	    rte_rcu_qsbr_dq_enqueue(ct->dq, &idx) != 0) {
		/* no readers (or no room, which the sizing rules out) */
		if (ct->dq != NULL)
			CT_LOG(ERR, "defer queue refused entry %u\n", idx);
		entry_reclaimed(ct, &idx, 1);
	}
	return 0;
}

int
ps_ct_del(struct ps_ct *ct, struct ps_ct_entry *e)
{
	int rc = ct_delete(ct, e);

	if (rc == 0)
		ct->deleted++;
	return rc;
}

static inline bool
expired(const struct ps_ct *ct, const struct ps_ct_entry *e)
{
	return ps_ct_ttl(ct, e) == 0;
}

unsigned int
ps_ct_expire(struct ps_ct *ct, unsigned int budget)
{
	unsigned int n = 0, i;
	uint32_t c = ct->expire_cursor;

	budget = RTE_MIN(budget, ct->nb_entries);
	for (i = 0; i < budget; i++) {
		struct ps_ct_entry *e = &ct->entries[c];

		if (++c == ct->nb_entries)
			c = 0;
		if (status_load(e) == ST_LIVE && expired(ct, e) &&
		    ct_delete(ct, e) == 0)
			n++;
	}
	ct->expire_cursor = c;
	ct->expired += n;
	ps_ct_reclaim(ct);
	return n;
}

unsigned int
ps_ct_delete_if(struct ps_ct *ct, ps_ct_pred pred, void *arg)
{
	unsigned int n = 0;
	uint32_t i;

	for (i = 0; i < ct->nb_entries; i++) {
		struct ps_ct_entry *e = &ct->entries[i];

		if (status_load(e) == ST_LIVE && (pred == NULL || pred(e, arg)) &&
		    ct_delete(ct, e) == 0)
			n++;
	}
	ct->deleted += n;
	ps_ct_reclaim(ct);
	return n;
}

unsigned int
ps_ct_flush(struct ps_ct *ct)
{
	return ps_ct_delete_if(ct, NULL, NULL);
}

unsigned int
ps_ct_reclaim(struct ps_ct *ct)
{
	unsigned int freed = 0, pending, avail;

	if (ct->dq != NULL)
		rte_rcu_qsbr_dq_reclaim(ct->dq, UINT32_MAX, &freed, &pending,
					&avail);
	return freed;
}

int
ps_ct_walk(const struct ps_ct *ct, ps_ct_walk_cb cb, void *arg)
{
	uint32_t i;
	int rc;

	for (i = 0; i < ct->nb_entries; i++) {
		const struct ps_ct_entry *e = &ct->entries[i];

		if (status_load(e) != ST_LIVE)
			continue;
		rc = cb(e, arg);
		if (rc != 0)
			return rc;
	}
	return 0;
}

void
ps_ct_stats(const struct ps_ct *ct, struct ps_ct_stats *st)
{
	unsigned int i;

	memset(st, 0, sizeof(*st));
	for (i = 0; i < RTE_DIM(ct->lst); i++) {
		const struct ct_lstats *l = &ct->lst[i];

		st->created += __atomic_load_n(&l->created, __ATOMIC_RELAXED);
		st->full += __atomic_load_n(&l->full, __ATOMIC_RELAXED);
		st->index_full += __atomic_load_n(&l->index_full,
						  __ATOMIC_RELAXED);
		st->clash += __atomic_load_n(&l->clash, __ATOMIC_RELAXED);
		st->races_lost += __atomic_load_n(&l->races_lost,
						  __ATOMIC_RELAXED);
		st->contended += __atomic_load_n(&l->contended,
						 __ATOMIC_RELAXED);
		st->invalid += __atomic_load_n(&l->invalid, __ATOMIC_RELAXED);
		st->invalid_new += __atomic_load_n(&l->invalid_new,
						   __ATOMIC_RELAXED);
	}
	st->size = ct->size;
	st->pending_free = ct->pending_free;
	st->entries = __atomic_load_n(&ct->used, __ATOMIC_RELAXED) -
		      ct->pending_free;
	st->expired = ct->expired;
	st->deleted = ct->deleted;
}

/* Create / free ---------------------------------------------------------- */

void
ps_ct_timeouts_default(struct ps_ct_timeouts *t)
{
	const struct ps_ct_timeouts d = PS_CT_TIMEOUTS_DEFAULT;

	*t = d;
}

static void
set_timeouts(struct ps_ct *ct, const struct ps_ct_timeouts *in)
{
	struct ps_ct_timeouts t;

	ps_ct_timeouts_default(&t);
#define TO(f) do { if (in->f != 0) t.f = in->f; } while (0)
	TO(tcp_syn_sent); TO(tcp_syn_recv); TO(tcp_established);
	TO(tcp_fin_wait); TO(tcp_close_wait); TO(tcp_last_ack);
	TO(tcp_time_wait); TO(tcp_close); TO(udp_single); TO(udp_stream);
	TO(icmp);
#undef TO
	ct->timeout[PS_CT_NONE] = t.tcp_close;
	ct->timeout[PS_CT_TCP_SYN_SENT] = t.tcp_syn_sent;
	ct->timeout[PS_CT_TCP_SYN_RECV] = t.tcp_syn_recv;
	ct->timeout[PS_CT_TCP_ESTABLISHED] = t.tcp_established;
	ct->timeout[PS_CT_TCP_FIN_WAIT] = t.tcp_fin_wait;
	ct->timeout[PS_CT_TCP_CLOSE_WAIT] = t.tcp_close_wait;
	ct->timeout[PS_CT_TCP_LAST_ACK] = t.tcp_last_ack;
	ct->timeout[PS_CT_TCP_TIME_WAIT] = t.tcp_time_wait;
	ct->timeout[PS_CT_TCP_CLOSE] = t.tcp_close;
	ct->timeout[PS_CT_UDP_SINGLE] = t.udp_single;
	ct->timeout[PS_CT_UDP_STREAM] = t.udp_stream;
	ct->timeout[PS_CT_ICMP] = t.icmp;
}

struct ps_ct *
ps_ct_create(const struct ps_ct_params *p)
{
	char rname[RTE_RING_NAMESIZE], qname[RTE_RING_NAMESIZE];
	uint64_t nb_slots;
	struct ps_ct *ct;
	uint32_t i, nb_buckets;

	if (p->size == 0 || p->size > (1u << 26)) {
		rte_errno = EINVAL;
		return NULL;
	}
	ct = rte_zmalloc_socket("ps_ct", sizeof(*ct), RTE_CACHE_LINE_SIZE,
				p->socket);
	if (ct == NULL)
		return NULL;
	ct->size = p->size;
	ct->release = p->release;
	ct->release_arg = p->release_arg;
	set_timeouts(ct, &p->timeouts);
	/* Index at most half full: 2 tuples per entry, 2 slots per tuple. */
	nb_slots = rte_align64pow2((uint64_t)p->size * 4);
	nb_buckets = (uint32_t)RTE_MAX(nb_slots / BUCKET_SLOTS, 2ULL);
	ct->bucket_mask = nb_buckets - 1;
	ct->buckets = rte_zmalloc_socket("ps_ct_idx",
					 sizeof(struct ct_bucket) * nb_buckets,
					 RTE_CACHE_LINE_SIZE, p->socket);
	ct->nb_entries = p->size + RTE_MAX_LCORE * CT_CACHE;
	ct->entries = rte_zmalloc_socket("ps_ct_e",
					 sizeof(struct ps_ct_entry) *
					 ct->nb_entries, RTE_CACHE_LINE_SIZE,
					 p->socket);
	ct->max_endpoints = p->max_endpoints;
	if (p->max_endpoints > 0)
		ct->ep_conns = rte_zmalloc_socket("ps_ct_ep",
						  sizeof(uint32_t) *
						  p->max_endpoints,
						  RTE_CACHE_LINE_SIZE,
						  p->socket);
	snprintf(rname, sizeof(rname), "ctf_%s", p->name);
	ct->free_ring = rte_ring_create_elem(rname, sizeof(uint32_t),
					     ct->nb_entries, p->socket,
					     RING_F_EXACT_SZ);
	if (ct->buckets == NULL || ct->entries == NULL ||
	    ct->free_ring == NULL ||
	    (p->max_endpoints > 0 && ct->ep_conns == NULL)) {
		CT_LOG(ERR, "cannot create table %s of %u entries: %s\n",
		       p->name, p->size, rte_strerror(rte_errno));
		ps_ct_free(ct);
		return NULL;
	}
	for (i = 0; i < ct->nb_entries; i++) {
		rte_ring_enqueue_elem(ct->free_ring, &i, sizeof(i));
	}
	if (p->qsv != NULL) {
		struct rte_rcu_qsbr_dq_parameters dp = {
			.name = qname,
			.flags = RTE_RCU_QSBR_DQ_MT_UNSAFE,
			.size = ct->nb_entries,
			.esize = sizeof(uint32_t),
			/* reclaim on enqueue once a burst is waiting */
			.trigger_reclaim_limit = 1024,
			.max_reclaim_size = 1024,
			.free_fn = entry_reclaimed,
			.p = ct,
			.v = p->qsv,
		};

		snprintf(qname, sizeof(qname), "ctq_%s", p->name);
		ct->dq = rte_rcu_qsbr_dq_create(&dp);
		if (ct->dq == NULL) {
			CT_LOG(ERR, "cannot create the defer queue of %s: %s\n",
			       p->name, rte_strerror(rte_errno));
			ps_ct_free(ct);
			return NULL;
		}
	}
	return ct;
}

void
ps_ct_free(struct ps_ct *ct)
{
	if (ct == NULL)
		return;
	if (ct->dq != NULL)
		rte_rcu_qsbr_dq_delete(ct->dq);
	rte_ring_free(ct->free_ring);
	rte_free(ct->buckets);
	rte_free(ct->entries);
	rte_free(ct->ep_conns);
	rte_free(ct);
}

const char *
ps_ct_state_name(enum ps_ct_state s)
{
	static const char *const names[PS_CT_STATE_MAX] = {
		[PS_CT_NONE] = "NONE",
		[PS_CT_TCP_SYN_SENT] = "SYN_SENT",
		[PS_CT_TCP_SYN_RECV] = "SYN_RECV",
		[PS_CT_TCP_ESTABLISHED] = "ESTABLISHED",
		[PS_CT_TCP_FIN_WAIT] = "FIN_WAIT",
		[PS_CT_TCP_CLOSE_WAIT] = "CLOSE_WAIT",
		[PS_CT_TCP_LAST_ACK] = "LAST_ACK",
		[PS_CT_TCP_TIME_WAIT] = "TIME_WAIT",
		[PS_CT_TCP_CLOSE] = "CLOSE",
		[PS_CT_UDP_SINGLE] = "UNREPLIED",
		[PS_CT_UDP_STREAM] = "ASSURED",
		[PS_CT_ICMP] = "ICMP",
	};

	return (unsigned int)s < PS_CT_STATE_MAX ? names[s] : "?";
}
