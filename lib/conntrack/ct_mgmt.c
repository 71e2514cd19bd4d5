/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The management thread's side of conntrack: the clock, deletion (entries
 * leave the index at once, their memory comes back after an RCU grace
 * period), sliced expiry, flush, delete by predicate, walk and stats.
 */
#include <errno.h>

#include "ct_private.h"

void
ct_entry_reclaimed(void *p, void *data, unsigned int n)
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
	if (ct->release != NULL)
		ct->release(e, ct->release_arg);
	ct->pending_free++;
	if (ct->dq == NULL ||
	    rte_rcu_qsbr_dq_enqueue(ct->dq, &idx) != 0) {
		/* no readers (or no room, which the sizing rules out) */
		if (ct->dq != NULL)
			CT_LOG(ERR, "defer queue refused entry %u\n", idx);
		ct_entry_reclaimed(ct, &idx, 1);
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

