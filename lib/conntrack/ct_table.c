/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The conntrack fast path: lookups, creation and per-packet update over
 * preallocated entries and a lock-free index that workers insert into
 * concurrently.
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
 * the winner); a COMMIT one has won, so it waits for it; a PENDING one is
 * resolved by entry index: the lower index kills the higher (CAS its
 * status PENDING -> DEAD), the higher waits for the lower to finish. Then
 * PENDING -> COMMIT by CAS, which fails if it was killed (it then starts
 * over); from COMMIT nobody can kill it. Of two creators of one tuple, the
 * later to claim always sees the other's slot in its scan, so two can
 * never both reach COMMIT. Lookups return LIVE entries only, so nobody
 * uses a choice that may still lose.
 *
 * Memory: `size` live (or deleted, not yet reclaimed) entries at most,
 * enforced by one counter taken in COMMIT, then COMMIT -> LIVE (or DEAD if
 * there was no room). Only a creator that can no longer lose holds room,
 * and at most one per connection: the room a winner finds taken is taken
 * by other connections, or by a rival of its own connection that is about
 * to go LIVE and be returned. (Counted while still killable, a creator
 * killed after counting held the last room while its killer counted; the
 * killer said -ENOSPC and the victim started over and won.) Entries come
 * from per-lcore caches over a ring of free indexes, with spare entries
 * for what caches and creations in progress hold. Deleted entries go
 * through an RCU defer queue back to the ring (ct_mgmt.c).
 */
#include <errno.h>
#include <netinet/in.h>

#include <rte_prefetch.h>

#include "ct_private.h"

/* A creator waits this many pauses at most for a rival's creation. */
#define MAX_WAIT_SPINS (1u << 20)

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

	while (n > RTE_DIM(h)) {
		ps_ct_lookup_bulk(ct, t, RTE_DIM(h), out, dir);
		t += RTE_DIM(h);
		out += RTE_DIM(h);
		dir += RTE_DIM(h);
		n -= RTE_DIM(h);
	}
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
			/* seq_cst: our claim must be visible before we
			 * read the rivals' slots (race_scan), and theirs
			 * before they read ours */
			if (__atomic_compare_exchange_n(s, &zero, val, false,
							__ATOMIC_SEQ_CST,
							__ATOMIC_RELAXED))
				return s;
		}
	}
	return NULL;
}

enum race {
	RACE_NONE,
	RACE_LIVE,	/* a live entry has the tuple: we lost */
	RACE_WAIT,	/* a lower pending or a committing entry has it */
};

static inline bool
creating(uint8_t st)
{
	return st == ST_PENDING || st == ST_COMMIT;
}

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
			uint64_t v = __atomic_load_n(&b->slot[i],
						     __ATOMIC_SEQ_CST);
			struct ps_ct_entry *o;
			uint8_t st, pend = ST_PENDING;
			uint8_t d;

			if (v == 0 || slot_sig(v) != h->sig ||
			    slot_idx(v) == ct_idx(ct, me))
				continue;
			o = &ct->entries[slot_idx(v)];
			d = (uint8_t)(v & 1);
			st = __atomic_load_n(&o->status, __ATOMIC_SEQ_CST);
			if (creating(st) && tuple_eq(&o->tuple[d], t))
				ct_count(contended);
			if (st == ST_PENDING && o > me &&
			    tuple_eq(&o->tuple[d], t)) {
				if (__atomic_compare_exchange_n(&o->status,
						&pend, ST_DEAD, false,
						__ATOMIC_SEQ_CST,
						__ATOMIC_SEQ_CST))
					continue;
				st = pend;
			}
			if (st == ST_LIVE && tuple_eq(&o->tuple[d], t)) {
				*rival = o;
				*rdir = d;
				return RACE_LIVE;
			}
			if (((st == ST_PENDING && o < me) ||
			     st == ST_COMMIT) && tuple_eq(&o->tuple[d], t)) {
				*rival = o;
				return RACE_WAIT;
			}
		}
	}
	return RACE_NONE;
}

/*
 * The live entry of t, after waiting for a commit of t in progress on
 * another worker: the room we found taken may be its. No bound: COMMIT
 * lasts a few straight-line instructions that wait on nobody, so this ends
 * once that worker runs; giving up early would say -ENOSPC for a
 * connection that is about to exist.
 */
static struct ps_ct_entry *
wait_creation(struct ps_ct *ct, const struct ps_ct_tuple *t,
	      const struct ct_hash *h, uint8_t *dir)
{
	unsigned int k, i;

	for (k = 0; k < 2; k++) {
		struct ct_bucket *b = &ct->buckets[h->b[k]];

		for (i = 0; i < BUCKET_SLOTS; i++) {
			uint64_t v = slot_load(&b->slot[i]);
			struct ps_ct_entry *o;

			if (v == 0 || slot_sig(v) != h->sig)
				continue;
			o = &ct->entries[slot_idx(v)];
			if (status_load(o) != ST_COMMIT ||
			    !tuple_eq(&o->tuple[v & 1], t))
				continue;
			while (status_load(o) == ST_COMMIT)
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
	/* acquire: if the last room went to a commit of this connection,
	 * wait_creation sees that creator's slots */
	idx = __atomic_load_n(&ct->used, __ATOMIC_ACQUIRE) < ct->size ?
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

			/* Won unless a lower rival killed us (then start
			 * over); count against the size only now, when no
			 * rival can take it from us. */
			if (__atomic_compare_exchange_n(&e->status, &pend,
							ST_COMMIT, false,
							__ATOMIC_SEQ_CST,
							__ATOMIC_SEQ_CST)) {
				if (__atomic_fetch_add(&ct->used, 1,
						       __ATOMIC_ACQ_REL) >=
				    ct->size) {
					__atomic_fetch_sub(&ct->used, 1,
							   __ATOMIC_RELAXED);
					__atomic_store_n(&e->status, ST_DEAD,
							 __ATOMIC_RELEASE);
					for (k = 0; k < nk; k++)
						slot_release(slot[k], val[k]);
					entry_put(ct, idx);
					goto full;
				}
				__atomic_store_n(&e->status, ST_LIVE,
						 __ATOMIC_RELEASE);
				break;
			}
		}
		for (k = 0; k < nk; k++) {
			slot_release(slot[k], val[k]);
			slot[k] = NULL;
		}
		if (r == RACE_WAIT) {
			unsigned int w = 0;

			/* bounded: a pending rival may itself be waiting;
			 * the next round looks again */
			while (creating(status_load(rival)) &&
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
	ct_count(&ls->created);
	*ep = e;
	*dir = PS_CT_DIR_ORIG;
	return PS_CT_CREATED;

full:
	/* the last room may be taken by this very connection (not when our
	 * own commit found none: no rival of ours commits alongside) */
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

