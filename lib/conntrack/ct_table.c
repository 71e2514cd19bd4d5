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

/* Insertion ------------------------------------------------------------- */

/*
 * One insertion in progress (ps_ct_add), through the phases the file
 * comment describes and ct_private.h draws: look for the connection,
 * take an entry, then rounds of claim, scan and commit until the
 * entry is LIVE or the insertion ends another way.
 */
struct ct_add {
	struct ps_ct *ct;
	struct ct_lstats *ls;
	const struct ps_ct_tuple *tup[2];	/* orig, reply */
	struct ct_hash h[2];
	unsigned int nk;		/* tuples indexed: 1 when they are equal */
	uint32_t idx;			/* our entry */
	struct ps_ct_entry *e;
	uint64_t *slot[2];		/* our claimed slots, NULL when not */
	uint64_t val[2];
	struct ps_ct_entry *rival;	/* LIVE winner, or creator to wait for */
	uint8_t rdir;			/* the winner's direction of orig */
};

/* How far an insertion got. */
enum add_step {
	STEP_ON,		/* nothing decided: go on */
	STEP_CREATED,		/* our entry is LIVE */
	STEP_LOST,		/* a LIVE rival is this connection */
	STEP_CLASH,		/* the reply tuple is another connection's */
	STEP_INDEX_FULL,	/* no free slot in a tuple's two buckets */
	STEP_FULL,		/* no room under the size */
};

/* Hash both tuples and start fetching their buckets. */
static void
add_begin(struct ct_add *a, struct ps_ct *ct, const struct ps_ct_tuple *orig,
	  const struct ps_ct_tuple *reply)
{
	unsigned int k;

	a->ct = ct;
	a->ls = ct_lstats(ct->lst);
	a->tup[0] = orig;
	a->tup[1] = reply;
	a->h[0] = ct_hash(ct, orig);
	a->h[1] = ct_hash(ct, reply);
	/* the four buckets are read below one after the other: overlap */
	for (k = 0; k < 2; k++) {
		rte_prefetch0(&ct->buckets[a->h[k].b[0]]);
		rte_prefetch0(&ct->buckets[a->h[k].b[1]]);
	}
	/* A connection to itself without NAT has one tuple. */
	a->nk = tuple_eq(orig, reply) ? 1 : 2;
	a->slot[0] = a->slot[1] = NULL;
	a->rival = NULL;
	a->rdir = 0;
}

/* Whether the connection is LIVE already (STEP_LOST, rival set), or
 * its reply tuple is another connection's (STEP_CLASH). */
static enum add_step
add_existing(struct ct_add *a)
{
	a->rival = find_live(a->ct, a->tup[0], &a->h[0], &a->rdir);
	if (a->rival != NULL)
		return STEP_LOST;
	if (a->nk == 2 &&
	    find_live(a->ct, a->tup[1], &a->h[1], &a->rdir) != NULL) {
		/* created by another worker since the orig lookup? */
		a->rival = find_live(a->ct, a->tup[0], &a->h[0], &a->rdir);
		return a->rival != NULL ? STEP_LOST : STEP_CLASH;
	}
	return STEP_ON;
}

/* Our entry, filled while nobody can see it. */
static void
entry_fill(struct ct_add *a, const struct ps_ct_nat *nat,
	   const struct ps_ct_pkt *pkt)
{
	struct ps_ct_entry *e = &a->ct->entries[a->idx];
	unsigned int k;

	a->e = e;
	rte_prefetch0_write(e);
	rte_prefetch0_write(&e->packets[0]);
	e->tuple[0] = *a->tup[0];
	e->tuple[1] = *a->tup[1];
	e->nat = *nat;
	e->proto = a->tup[0]->proto;
	e->flags = 0;
	e->last_seen = a->ct->now;
	/* The packet that opens the connection is its first: counted
	 * here, as ps_ct_update counts the ones that follow. */
	e->packets[0] = 1;
	e->packets[1] = 0;
	e->bytes[0] = pkt->bytes;
	e->bytes[1] = 0;
	ct_state_init(e, pkt);
	for (k = 0; k < 2; k++)
		a->val[k] = slot_val(a->h[k].sig, a->idx, (uint8_t)k);
}

static void
slots_release(struct ct_add *a)
{
	unsigned int k;

	for (k = 0; k < a->nk; k++) {
		slot_release(a->slot[k], a->val[k]);
		a->slot[k] = NULL;
	}
}

/* PENDING, holding a slot for each tuple. */
static enum add_step
add_claim(struct ct_add *a)
{
	unsigned int k;

	__atomic_store_n(&a->e->status, ST_PENDING, __ATOMIC_RELEASE);
	for (k = 0; k < a->nk; k++) {
		a->slot[k] = slot_claim(a->ct, &a->h[k], a->val[k]);
		if (a->slot[k] == NULL)
			return STEP_INDEX_FULL;
	}
	return STEP_ON;
}

/* Rivals holding our tuples (race_scan). A LIVE one on the reply tuple
 * may be this very connection, created by another worker after our orig
 * scan: then it is the winner too. */
static enum add_step
add_scan(struct ct_add *a, enum race *r)
{
	unsigned int k;

	*r = RACE_NONE;
	for (k = 0; k < a->nk && *r == RACE_NONE; k++)
		*r = race_scan(a->ct, a->e, a->tup[k], &a->h[k], &a->rival,
			       &a->rdir, &a->ls->contended);
	if (*r != RACE_LIVE)
		return STEP_ON;
	/* k - 1 is the tuple that met a live entry */
	if (k - 1 == 0)
		return STEP_LOST;
	a->rival = find_live(a->ct, a->tup[0], &a->h[0], &a->rdir);
	return a->rival != NULL ? STEP_LOST : STEP_CLASH;
}

/*
 * Won unless a lower rival killed us (STEP_ON: start over); count
 * against the size only now, when no rival can take it from us. Without
 * room, the entry and its slots are given up here (STEP_FULL).
 */
static enum add_step
add_commit(struct ct_add *a)
{
	struct ps_ct *ct = a->ct;
	uint8_t pend = ST_PENDING;
	unsigned int k;

	if (!__atomic_compare_exchange_n(&a->e->status, &pend, ST_COMMIT,
					 false, __ATOMIC_SEQ_CST,
					 __ATOMIC_SEQ_CST))
		return STEP_ON;
	if (__atomic_fetch_add(&ct->used, 1, __ATOMIC_ACQ_REL) >= ct->size) {
		__atomic_fetch_sub(&ct->used, 1, __ATOMIC_RELAXED);
		__atomic_store_n(&a->e->status, ST_DEAD, __ATOMIC_RELEASE);
		for (k = 0; k < a->nk; k++)
			slot_release(a->slot[k], a->val[k]);
		entry_put(ct, a->idx);
		return STEP_FULL;
	}
	__atomic_store_n(&a->e->status, ST_LIVE, __ATOMIC_RELEASE);
	return STEP_CREATED;
}

/* After a round that did not end the insertion: give the slots back,
 * wait a little for a rival still creating, and look again. */
static enum add_step
add_retreat(struct ct_add *a, enum race r)
{
	slots_release(a);
	if (r == RACE_WAIT) {
		unsigned int w = 0;

		/* bounded: a pending rival may itself be waiting;
		 * the next round looks again */
		while (creating(status_load(a->rival)) &&
		       w++ < MAX_WAIT_SPINS)
			rte_pause();
	}
	__atomic_store_n(&a->e->status, ST_DEAD, __ATOMIC_RELEASE);
	return add_existing(a);
}

/* Rounds of claim, scan and commit until one decides. */
static enum add_step
add_rounds(struct ct_add *a)
{
	enum add_step s;
	unsigned int spins;

	for (spins = 0;; spins++) {
		enum race r;

		s = add_claim(a);
		if (s != STEP_ON)
			return s;
		s = add_scan(a, &r);
		if (s == STEP_ON && r == RACE_NONE)
			s = add_commit(a);
		if (s == STEP_ON)
			s = add_retreat(a, r);
		if (s != STEP_ON)
			return s;
		if (spins > 64)
			rte_pause();
	}
}

/* The connection exists: the winner's entry. */
static int
add_exists(struct ct_add *a, struct ps_ct_entry **ep, uint8_t *dir)
{
	ct_count(&a->ls->races_lost);
	*ep = a->rival;
	*dir = a->rdir;
	return PS_CT_EXISTS;
}

/* No room: but the last room may be taken by this very connection (not
 * when our own commit found none: no rival of ours commits alongside). */
static int
add_full(struct ct_add *a, struct ps_ct_entry **ep, uint8_t *dir)
{
	a->rival = wait_creation(a->ct, a->tup[0], &a->h[0], &a->rdir);
	if (a->rival != NULL)
		return add_exists(a, ep, dir);
	ct_count(&a->ls->full);
	return -ENOSPC;
}

/* How the rounds ended, for the caller; gives back what is not kept. */
static int
add_end(struct ct_add *a, enum add_step s, struct ps_ct_entry **ep,
	uint8_t *dir)
{
	switch (s) {
	case STEP_CREATED:
		ct_count(&a->ls->created);
		*ep = a->e;
		*dir = PS_CT_DIR_ORIG;
		return PS_CT_CREATED;
	case STEP_FULL:
		return add_full(a, ep, dir);
	case STEP_LOST:
		slots_release(a);
		entry_put(a->ct, a->idx);
		return add_exists(a, ep, dir);
	case STEP_CLASH:
		ct_count(&a->ls->clash);
		slots_release(a);
		entry_put(a->ct, a->idx);
		return -EEXIST;
	default:
		ct_count(&a->ls->index_full);
		slots_release(a);
		entry_put(a->ct, a->idx);
		return -ENOSPC;
	}
}

int
ps_ct_add(struct ps_ct *ct, const struct ps_ct_tuple *orig,
	  const struct ps_ct_tuple *reply, const struct ps_ct_nat *nat,
	  const struct ps_ct_pkt *pkt, struct ps_ct_entry **ep, uint8_t *dir)
{
	struct ct_add a;

	if (orig->proto != IPPROTO_TCP && orig->proto != IPPROTO_UDP &&
	    orig->proto != IPPROTO_ICMP)
		return -EPROTONOSUPPORT;
	if (reply->proto != orig->proto)
		return -EINVAL;
	if (!ct_pkt_can_create(orig->proto, pkt)) {
		struct ct_lstats *ls = ct_lstats(ct->lst);

		ct_count(&ls->invalid);
		ct_count(&ls->invalid_new);
		return -EINVAL;
	}
	add_begin(&a, ct, orig, reply);
	switch (add_existing(&a)) {
	case STEP_LOST:
		return add_exists(&a, ep, dir);
	case STEP_CLASH:
		ct_count(&a.ls->clash);
		return -EEXIST;
	default:
		break;
	}
	/* acquire: if the last room went to a commit of this connection,
	 * wait_creation sees that creator's slots */
	a.idx = __atomic_load_n(&ct->used, __ATOMIC_ACQUIRE) < ct->size ?
		entry_alloc(ct) : UINT32_MAX;
	if (a.idx == UINT32_MAX)
		return add_full(&a, ep, dir);
	entry_fill(&a, nat, pkt);
	return add_end(&a, add_rounds(&a), ep, dir);
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

