/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The neighbor table itself: storage, the workers' side (lookup and the
 * two request rings) and the writer's direct operations. Resolution and
 * timers are in neigh_resolve.c.
 *
 * Entries come from a preallocated array. Workers find them through an
 * rte_hash (lock-free readers under RCU) and read only the leading
 * struct ps_neigh. An entry leaves the array's free stack only once no
 * reader can still see it: after the hash's RCU defer queue hands a
 * deleted key back (entry_release), or after the grace period of an entry
 * replaced in place of a live key (neigh_entry_rebind), or at once when
 * the table has no concurrent readers (qsv NULL).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>

#include "neigh_private.h"

RTE_LOG_REGISTER(ps_logtype_neigh, podswitch.neigh, INFO);

#define HOLD_RING_SIZE 4096
#define LEARN_RING_SIZE 1024
/*
 * Entries beyond the hash's size. Deleted keys come back only when the
 * hash reclaims them (an add that finds it full does), so an add must be
 * attempted with an entry in hand; and a rebind needs a second entry for
 * the same key until the grace period ends.
 */
#define ENTRY_SPARE 64

#define DEFAULT_RETRY_MS 1000
#define DEFAULT_MAX_RETRIES 3
#define DEFAULT_AGE_MS 300000
#define DEFAULT_FAILED_HOLD_MS 3000

/* Names of DPDK objects are global and short: a sequence number first
 * keeps two tables with long, similar names (or a table still draining
 * its RCU defer queue) from clashing. */
static uint32_t table_seq;

static void
entry_put(struct ps_neigh_table *nt, struct neigh_entry *e)
{
	nt->free_idx[nt->nb_free++] = (uint32_t)(e - nt->entries);
}

/* RCU callback of the hash: a deleted key's grace period is over. */
static void
entry_release(void *p, void *key_data)
{
	entry_put(p, key_data);
}

static struct neigh_entry *
entry_get(struct ps_neigh_table *nt)
{
	if (nt->nb_free == 0 && nt->qsv != NULL)
		neigh_reclaim(nt);
	if (nt->nb_free == 0)
		return NULL;
	return &nt->entries[nt->free_idx[--nt->nb_free]];
}

void
neigh_reclaim(struct ps_neigh_table *nt)
{
	while (nt->ret_count > 0) {
		struct neigh_retired *r = &nt->retired[nt->ret_head];

		if (rte_rcu_qsbr_check(nt->qsv, r->token, false) != 1)
			break;
		nt->free_idx[nt->nb_free++] = r->idx;
		nt->ret_head = (nt->ret_head + 1) % nt->nb_entries;
		nt->ret_count--;
	}
}

static void
entry_retire(struct ps_neigh_table *nt, struct neigh_entry *e)
{
	struct neigh_retired *r;

	/* Never full: an entry is retired at most once per use. */
	r = &nt->retired[(nt->ret_head + nt->ret_count) % nt->nb_entries];
	r->idx = (uint32_t)(e - nt->entries);
	r->token = rte_rcu_qsbr_start(nt->qsv);
	nt->ret_count++;
}

static void
entry_link(struct ps_neigh_table *nt, struct neigh_entry *e)
{
	struct neigh_list *l = neigh_list_of(nt, e->pub.state);

	nt->nb_state[e->pub.state]++;
	if (l != NULL)
		TAILQ_INSERT_TAIL(l, e, tq);
}

static void
entry_unlink(struct ps_neigh_table *nt, struct neigh_entry *e)
{
	struct neigh_list *l = neigh_list_of(nt, e->pub.state);

	nt->nb_state[e->pub.state]--;
	if (l != NULL)
		TAILQ_REMOVE(l, e, tq);
}

struct ps_neigh_table *
ps_neigh_create(const char *name, const struct ps_neigh_params *p)
{
	char hname[RTE_HASH_NAMESIZE], rname[RTE_RING_NAMESIZE];
	struct rte_hash_parameters hp = {
		.name = hname,
		.key_len = sizeof(uint32_t),
		.hash_func = rte_hash_crc,
		/* Extendable buckets: exactly size neighbors fit whatever
		 * their hashes, so "full" means size entries. */
		.extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
	};
	struct ps_neigh_table *nt;
	uint32_t i, seq;

	if (name == NULL || p == NULL || p->size == 0) {
		rte_errno = EINVAL;
		return NULL;
	}
	nt = rte_zmalloc_socket("ps_neigh", sizeof(*nt), RTE_CACHE_LINE_SIZE,
				p->socket);
	if (nt == NULL)
		return NULL;
	seq = __atomic_fetch_add(&table_seq, 1, __ATOMIC_RELAXED);
	snprintf(nt->name, sizeof(nt->name), "%s", name);
	nt->size = p->size;
	nt->retry_ms = p->retry_ms ? p->retry_ms : DEFAULT_RETRY_MS;
	nt->max_retries = p->max_retries ? p->max_retries : DEFAULT_MAX_RETRIES;
	nt->age_ms = p->age_ms ? p->age_ms : DEFAULT_AGE_MS;
	nt->failed_hold_ms = p->failed_hold_ms ? p->failed_hold_ms :
		DEFAULT_FAILED_HOLD_MS;
	nt->ops = p->ops;
	nt->qsv = p->qsv;
	TAILQ_INIT(&nt->incomplete);
	TAILQ_INIT(&nt->reachable);
	TAILQ_INIT(&nt->failed);

	snprintf(hname, sizeof(hname), "nb%u_%s", seq, name);
	hp.entries = p->size;
	hp.socket_id = p->socket;
	if (p->qsv != NULL)
		hp.extra_flag |= RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF;
	nt->hash = rte_hash_create(&hp);
	nt->nb_entries = p->size + ENTRY_SPARE;
	nt->entries = rte_zmalloc_socket("ps_neigh_e",
					 sizeof(*nt->entries) * nt->nb_entries,
					 RTE_CACHE_LINE_SIZE, p->socket);
	nt->free_idx = rte_malloc_socket("ps_neigh_f",
					 sizeof(uint32_t) * nt->nb_entries, 0,
					 p->socket);
	nt->retired = rte_malloc_socket("ps_neigh_r",
					sizeof(*nt->retired) * nt->nb_entries,
					0, p->socket);
	snprintf(rname, sizeof(rname), "nbh%u_%s", seq, name);
	nt->hold_ring = rte_ring_create_elem(rname,
					     sizeof(struct neigh_hold_req),
					     HOLD_RING_SIZE, p->socket,
					     RING_F_SC_DEQ);
	snprintf(rname, sizeof(rname), "nbl%u_%s", seq, name);
	nt->learn_ring = rte_ring_create_elem(rname,
					      sizeof(struct neigh_learn_req),
					      LEARN_RING_SIZE, p->socket,
					      RING_F_SC_DEQ);
	if (nt->hash == NULL || nt->entries == NULL || nt->free_idx == NULL ||
	    nt->retired == NULL || nt->hold_ring == NULL ||
	    nt->learn_ring == NULL ||
	    neigh_adj_init(nt, p->max_adj, seq, p->socket) != 0) {
		NEIGH_LOG(ERR, "cannot create table %s of %u entries: %s\n",
			  name, p->size, rte_strerror(rte_errno));
		ps_neigh_free(nt);
		return NULL;
	}
	for (i = 0; i < nt->nb_entries; i++)
		nt->free_idx[i] = nt->nb_entries - 1 - i;
	nt->nb_free = nt->nb_entries;
	if (p->qsv != NULL) {
		struct rte_hash_rcu_config rc = {
			.v = p->qsv,
			.mode = RTE_HASH_QSBR_MODE_DQ,
			.key_data_ptr = nt,
			.free_key_data_func = entry_release,
		};

		if (rte_hash_rcu_qsbr_add(nt->hash, &rc) != 0) {
			NEIGH_LOG(ERR, "cannot attach RCU to %s: %s\n", name,
				  rte_strerror(rte_errno));
			ps_neigh_free(nt);
			return NULL;
		}
	}
	return nt;
}

void
ps_neigh_free(struct ps_neigh_table *nt)
{
	struct neigh_hold_req req;
	uint32_t next = 0;
	const void *key;
	void *data;

	if (nt == NULL)
		return;
	/* Packets workers handed over and the writer never saw. */
	if (nt->hold_ring != NULL)
		while (rte_ring_sc_dequeue_elem(nt->hold_ring, &req,
						sizeof(req)) == 0)
			rte_pktmbuf_free(req.m);
	if (nt->hash != NULL && nt->entries != NULL)
		while (rte_hash_iterate(nt->hash, &key, &data, &next) >= 0) {
			struct neigh_entry *e = data;

			rte_pktmbuf_free_bulk(e->held, e->nb_held);
			e->nb_held = 0;
		}
	/* The hash first: its defer queue calls back into free_idx. */
	rte_hash_free(nt->hash);
	rte_ring_free(nt->hold_ring);
	rte_ring_free(nt->learn_ring);
	rte_free(nt->entries);
	rte_free(nt->free_idx);
	rte_free(nt->retired);
	neigh_adj_fini(nt);
	rte_free(nt);
}

/* Fast path ------------------------------------------------------------ */

void
ps_neigh_lookup_bulk(const struct ps_neigh_table *nt, const uint32_t *ip,
		     unsigned int n, const struct ps_neigh **out)
{
	const void *kp[RTE_HASH_LOOKUP_BULK_MAX];
	void *data[RTE_HASH_LOOKUP_BULK_MAX];
	unsigned int i, done, chunk;
	uint64_t hits;

	for (done = 0; done < n; done += chunk) {
		chunk = RTE_MIN(n - done, (unsigned int)RTE_HASH_LOOKUP_BULK_MAX);
		for (i = 0; i < chunk; i++)
			kp[i] = &ip[done + i];
		hits = 0;
		rte_hash_lookup_bulk_data(nt->hash, kp, chunk, &hits, data);
		for (i = 0; i < chunk; i++)
			out[done + i] = (hits & (1ULL << i)) ?
				(const struct ps_neigh *)data[i] : NULL;
	}
}

int
ps_neigh_hold(struct ps_neigh_table *nt, struct rte_mbuf *m, uint32_t ip,
	      uint16_t port_id)
{
	struct neigh_hold_req r = { .m = m, .ip = ip, .port_id = port_id };

	if (rte_ring_mp_enqueue_elem(nt->hold_ring, &r, sizeof(r)) != 0) {
		__atomic_fetch_add(&nt->ring_full, 1, __ATOMIC_RELAXED);
		return -ENOBUFS;
	}
	return 0;
}

void
ps_neigh_learn(struct ps_neigh_table *nt, uint32_t ip,
	       const struct rte_ether_addr *mac, uint16_t port_id)
{
	struct neigh_learn_req r = {
		.ip = ip, .port_id = port_id, .mac = *mac,
	};

	/* Lost learns cost a retry or an early re-resolution, never a
	 * wrong binding: count and go on. */
	if (rte_ring_mp_enqueue_elem(nt->learn_ring, &r, sizeof(r)) != 0)
		__atomic_fetch_add(&nt->ring_full, 1, __ATOMIC_RELAXED);
}

/* Writer side ----------------------------------------------------------- */

struct neigh_entry *
neigh_find(const struct ps_neigh_table *nt, uint32_t ip)
{
	void *data;

	if (rte_hash_lookup_data(nt->hash, &ip, &data) < 0)
		return NULL;
	return data;
}

struct neigh_entry *
neigh_entry_new(struct ps_neigh_table *nt, uint32_t ip,
		enum ps_neigh_state state, const struct rte_ether_addr *mac,
		uint16_t port_id)
{
	struct neigh_entry *e = entry_get(nt);

	if (e == NULL)
		return NULL;
	/* No reader can see a free slot: plain stores, and the entry is
	 * complete before the key publishes it. */
	memset(e, 0, sizeof(*e));
	e->pub.ip = ip;
	e->pub.mac = *mac;
	e->pub.port_id = port_id;
	e->pub.state = (uint8_t)state;
	if (rte_hash_add_key_data(nt->hash, &ip, e) < 0) {
		entry_put(nt, e);
		return NULL;
	}
	neigh_adj_attach(nt, e);
	entry_link(nt, e);
	return e;
}

void
neigh_entry_remove(struct ps_neigh_table *nt, struct neigh_entry *e)
{
	uint32_t ip = e->pub.ip;

	/* Readers never look at the held packets: free them now. */
	rte_pktmbuf_free_bulk(e->held, e->nb_held);
	e->nb_held = 0;
	entry_unlink(nt, e);
	/* Off the adjacency before the hash starts the grace period. */
	neigh_adj_set(nt, e->adj, NULL);
	/* With RCU the hash hands the entry back after the grace period
	 * (entry_release); without it nobody else can hold it. */
	if (rte_hash_del_key(nt->hash, &ip) >= 0 && nt->qsv == NULL)
		entry_put(nt, e);
}

void
neigh_set_state(struct ps_neigh_table *nt, struct neigh_entry *e,
		enum ps_neigh_state state)
{
	entry_unlink(nt, e);
	/* Release: a reader that sees the new state sees the MAC and port
	 * stored before it. */
	__atomic_store_n(&e->pub.state, (uint8_t)state, __ATOMIC_RELEASE);
	entry_link(nt, e);
}

struct neigh_entry *
neigh_entry_rebind(struct ps_neigh_table *nt, struct neigh_entry *e,
		   const struct rte_ether_addr *mac, uint16_t port_id,
		   enum ps_neigh_state state)
{
	struct neigh_entry *n = NULL;

	/*
	 * A MAC is six bytes: rewriting it under a reader could hand that
	 * reader half of each. So a live binding changes by publishing a
	 * new entry under the same key (one pointer store in the hash) and
	 * retiring the old one for a grace period.
	 */
	if (nt->qsv != NULL)
		n = entry_get(nt);
	if (n == NULL) {
		if (nt->qsv != NULL)
			NEIGH_LOG(WARNING, "%s: no spare entry, rebinding "
				  "in place\n", nt->name);
		e->pub.mac = *mac;
		__atomic_store_n(&e->pub.port_id, port_id, __ATOMIC_RELAXED);
		neigh_set_state(nt, e, state);
		return e;
	}
	entry_unlink(nt, e);
	*n = *e;
	n->pub.mac = *mac;
	n->pub.port_id = port_id;
	n->pub.state = (uint8_t)state;
	e->nb_held = 0;
	/* The key exists: this only swaps the data pointer (a release
	 * store), it needs no room and cannot fail. */
	rte_hash_add_key_data(nt->hash, &n->pub.ip, n);
	neigh_adj_set(nt, n->adj, n);
	entry_link(nt, n);
	entry_retire(nt, e);
	return n;
}

void
neigh_release_held(struct ps_neigh_table *nt, struct neigh_entry *e)
{
	struct rte_mbuf *held[PS_NEIGH_HOLD_MAX];
	unsigned int i, n = e->nb_held;

	/* Copy first: the callback may come back into the table. */
	memcpy(held, e->held, n * sizeof(held[0]));
	e->nb_held = 0;
	nt->st.released += n;
	for (i = 0; i < n; i++) {
		if (nt->ops.xmit != NULL)
			nt->ops.xmit(nt->ops.ctx, held[i], &e->pub);
		else
			rte_pktmbuf_free(held[i]);
	}
}

int
ps_neigh_add_static(struct ps_neigh_table *nt, uint32_t ip,
		    const struct rte_ether_addr *mac, uint16_t port_id)
{
	struct neigh_entry *e;

	if (ip == 0 || !rte_is_valid_assigned_ether_addr(mac))
		return -EINVAL;
	e = neigh_find(nt, ip);
	if (e == NULL) {
		if (neigh_entry_new(nt, ip, PS_NEIGH_STATIC, mac,
				    port_id) == NULL) {
			nt->st.full++;
			return -ENOSPC;
		}
		return 0;
	}
	switch (e->pub.state) {
	case PS_NEIGH_INCOMPLETE:
	case PS_NEIGH_FAILED:
		/* Nobody uses the MAC of an unresolved entry: in place. */
		e->pub.mac = *mac;
		e->pub.port_id = port_id;
		neigh_set_state(nt, e, PS_NEIGH_STATIC);
		neigh_release_held(nt, e);
		return 0;
	default:
		if (rte_is_same_ether_addr(&e->pub.mac, mac) &&
		    e->pub.port_id == port_id)
			neigh_set_state(nt, e, PS_NEIGH_STATIC);
		else
			neigh_entry_rebind(nt, e, mac, port_id,
					   PS_NEIGH_STATIC);
		return 0;
	}
}

int
ps_neigh_del(struct ps_neigh_table *nt, uint32_t ip)
{
	struct neigh_entry *e = neigh_find(nt, ip);

	if (e == NULL)
		return -ENOENT;
	neigh_entry_remove(nt, e);
	return 0;
}

int
ps_neigh_get(const struct ps_neigh_table *nt, uint32_t ip,
	     struct ps_neigh *out)
{
	const struct neigh_entry *e = neigh_find(nt, ip);

	if (e == NULL)
		return -ENOENT;
	*out = e->pub;
	return 0;
}

int
ps_neigh_walk(const struct ps_neigh_table *nt, ps_neigh_walk_cb cb, void *arg)
{
	uint32_t next = 0;
	const void *key;
	void *data;
	int rc;

	while (rte_hash_iterate(nt->hash, &key, &data, &next) >= 0) {
		rc = cb(data, arg);
		if (rc != 0)
			return rc;
	}
	return 0;
}

void
ps_neigh_stats(const struct ps_neigh_table *nt, struct ps_neigh_stats *st)
{
	unsigned int i;

	*st = nt->st;
	st->size = nt->size;
	/* Not rte_hash_count(): it also counts deleted keys still waiting
	 * for their grace period. */
	st->entries = 0;
	for (i = 0; i < RTE_DIM(nt->nb_state); i++)
		st->entries += nt->nb_state[i];
	st->incomplete = nt->nb_state[PS_NEIGH_INCOMPLETE];
	st->ring_full = __atomic_load_n(&nt->ring_full, __ATOMIC_RELAXED);
	st->adjacencies = nt->nb_adj - 1 - nt->nb_adj_free;
}

const char *
ps_neigh_state_name(enum ps_neigh_state s)
{
	/* iproute2's names, as `ip neigh` prints them. */
	switch (s) {
	case PS_NEIGH_INCOMPLETE:
		return "INCOMPLETE";
	case PS_NEIGH_REACHABLE:
		return "REACHABLE";
	case PS_NEIGH_FAILED:
		return "FAILED";
	case PS_NEIGH_STATIC:
		return "PERMANENT";
	}
	return "UNKNOWN";
}
