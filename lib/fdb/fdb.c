/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_ring.h>

#include <podswitch/fdb.h>

RTE_LOG_REGISTER(ps_logtype_fdb, podswitch.fdb, INFO);
#define FDB_LOG(level, ...) \
	rte_log(RTE_LOG_ ## level, ps_logtype_fdb, "fdb: " __VA_ARGS__)

#define LEARN_RING_SIZE 4096
#define ENTRY_SPARE 64

/* A learn request travels through the ring as one word: MAC and port. */
#define REQ_PACK(mac, port) \
	((uint64_t)fdb_key(mac) << 16 | (uint64_t)(port))

struct fdb_recent {
	uint64_t req;
	uint32_t when;
} __rte_cache_aligned;

struct ps_fdb {
	struct rte_hash *hash;
	struct ps_fdb_entry *entries;
	uint32_t *free_idx;	/* stack of free entry slots, writer only */
	struct ps_fdb_entry **victims;	/* flush/age scratch, writer only */
	uint32_t nb_free;
	uint32_t size;
	bool rcu;
	struct rte_ring *learn;
	volatile uint32_t now;
	struct ps_fdb_stats st;
	uint64_t learn_queue_full;	/* bumped by workers */
	/* last request per lcore, so one new MAC in a burst asks once */
	struct fdb_recent recent[RTE_MAX_LCORE];
};

/* Key: the MAC in the low 48 bits of a u64 (room for a segment id later). */
static inline uint64_t
fdb_key(const struct rte_ether_addr *mac)
{
	uint64_t k = 0;

	memcpy(&k, mac->addr_bytes, RTE_ETHER_ADDR_LEN);
	return k;
}

static void
entry_release(void *p, void *key_data)
{
	struct ps_fdb *fdb = p;
	struct ps_fdb_entry *e = key_data;

	fdb->free_idx[fdb->nb_free++] = (uint32_t)(e - fdb->entries);
}

struct ps_fdb *
ps_fdb_create(const char *name, uint32_t size, int socket,
	      struct rte_rcu_qsbr *qsv)
{
	char hname[RTE_HASH_NAMESIZE], rname[RTE_RING_NAMESIZE];
	struct rte_hash_parameters hp = {
		.name = hname,
		.entries = size,
		.key_len = sizeof(uint64_t),
		.hash_func = rte_hash_crc,
		.socket_id = socket,
		/* Extendable buckets: the table holds all `size` MACs whatever
		 * their hashes, so "full" means exactly size entries. */
		.extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
	};
	struct ps_fdb *fdb;
	uint32_t i, nb_entries;

	fdb = rte_zmalloc_socket("ps_fdb", sizeof(*fdb), RTE_CACHE_LINE_SIZE,
				 socket);
	if (fdb == NULL)
		return NULL;
	fdb->size = size;
	snprintf(hname, sizeof(hname), "fdb_%s", name);
	if (qsv != NULL)
		hp.extra_flag |= RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF;
	fdb->hash = rte_hash_create(&hp);
	/* Spare entries beyond the hash's size: entries deleted under RCU
	 * come back only when the hash reclaims its own slots, which it does
	 * when an add finds it full, so an add must still be attempted then. */
	nb_entries = size + ENTRY_SPARE;
	fdb->entries = rte_zmalloc_socket("ps_fdb_e",
					  sizeof(*fdb->entries) * nb_entries,
					  RTE_CACHE_LINE_SIZE, socket);
	fdb->free_idx = rte_malloc_socket("ps_fdb_f",
					  sizeof(uint32_t) * nb_entries, 0, socket);
	fdb->victims = rte_malloc_socket("ps_fdb_v",
					 sizeof(*fdb->victims) * size, 0, socket);
	snprintf(rname, sizeof(rname), "fdbl_%s", name);
	fdb->learn = rte_ring_create(rname, LEARN_RING_SIZE, socket,
				     RING_F_SC_DEQ);
	if (fdb->hash == NULL || fdb->entries == NULL || fdb->free_idx == NULL ||
	    fdb->victims == NULL || fdb->learn == NULL) {
		FDB_LOG(ERR, "cannot create table %s of %u entries: %s\n", name,
			size, rte_strerror(rte_errno));
		ps_fdb_free(fdb);
		return NULL;
	}
	for (i = 0; i < nb_entries; i++)
		fdb->free_idx[i] = nb_entries - 1 - i;
	fdb->nb_free = nb_entries;
	if (qsv != NULL) {
		struct rte_hash_rcu_config rc = {
			.v = qsv,
			.mode = RTE_HASH_QSBR_MODE_DQ,
			.key_data_ptr = fdb,
			.free_key_data_func = entry_release,
		};

		if (rte_hash_rcu_qsbr_add(fdb->hash, &rc) != 0) {
			FDB_LOG(ERR, "cannot attach RCU to %s\n", name);
			ps_fdb_free(fdb);
			return NULL;
		}
		fdb->rcu = true;
	}
	return fdb;
}

void
ps_fdb_free(struct ps_fdb *fdb)
{
	if (fdb == NULL)
		return;
	rte_hash_free(fdb->hash);
	rte_ring_free(fdb->learn);
	rte_free(fdb->entries);
	rte_free(fdb->free_idx);
	rte_free(fdb->victims);
	rte_free(fdb);
}

void
ps_fdb_lookup_bulk(const struct ps_fdb *fdb,
		   const struct rte_ether_addr *const macs[], unsigned int n,
		   struct ps_fdb_entry *out[])
{
	uint64_t keys[RTE_HASH_LOOKUP_BULK_MAX];
	const void *kp[RTE_HASH_LOOKUP_BULK_MAX];
	uint64_t hits = 0;
	unsigned int i;

	for (i = 0; i < n; i++) {
		keys[i] = fdb_key(macs[i]);
		kp[i] = &keys[i];
	}
	rte_hash_lookup_bulk_data(fdb->hash, kp, n, &hits, (void **)out);
	for (i = 0; i < n; i++)
		if (!(hits & (1ULL << i)))
			out[i] = NULL;
}

void
ps_fdb_learn_request(struct ps_fdb *fdb, const struct rte_ether_addr *mac,
		     uint16_t port)
{
	unsigned int lc = rte_lcore_id();
	uint64_t req = REQ_PACK(mac, port);
	uint32_t now = fdb->now;

	if (lc < RTE_MAX_LCORE) {
		struct fdb_recent *r = &fdb->recent[lc];

		if (r->req == req && r->when == now)
			return;
		r->req = req;
		r->when = now;
	}
	if (rte_ring_mp_enqueue(fdb->learn, (void *)(uintptr_t)req) != 0)
		__atomic_fetch_add(&fdb->learn_queue_full, 1, __ATOMIC_RELAXED);
}

void
ps_fdb_touch(const struct ps_fdb *fdb, struct ps_fdb_entry *e)
{
	uint32_t now = fdb->now;

	/* Store only when the second changed: keeps the line clean. */
	if (__atomic_load_n(&e->last_seen, __ATOMIC_RELAXED) != now)
		__atomic_store_n(&e->last_seen, now, __ATOMIC_RELAXED);
}

static int
fdb_insert(struct ps_fdb *fdb, const struct rte_ether_addr *mac,
	   uint16_t port, uint16_t flags)
{
	uint64_t key = fdb_key(mac);
	struct ps_fdb_entry *e;
	uint32_t idx;
	int rc;

	if (fdb->nb_free == 0)
		return -ENOSPC;
	idx = fdb->free_idx[--fdb->nb_free];
	e = &fdb->entries[idx];
	e->mac = *mac;
	e->port = port;
	e->flags = flags;
	e->last_seen = fdb->now;
	/* The entry is complete before the key publishes it to readers. */
	rc = rte_hash_add_key_data(fdb->hash, &key, e);
	if (rc < 0) {
		fdb->free_idx[fdb->nb_free++] = idx;
		return rc == -ENOSPC ? -ENOSPC : rc;
	}
	return 0;
}

static struct ps_fdb_entry *
fdb_find(const struct ps_fdb *fdb, const struct rte_ether_addr *mac)
{
	uint64_t key = fdb_key(mac);
	void *data;

	if (rte_hash_lookup_data(fdb->hash, &key, &data) < 0)
		return NULL;
	return data;
}

int
ps_fdb_learn(struct ps_fdb *fdb, const struct rte_ether_addr *mac,
	     uint16_t port)
{
	struct ps_fdb_entry *e = fdb_find(fdb, mac);
	int rc;

	if (!rte_is_unicast_ether_addr(mac) || rte_is_zero_ether_addr(mac))
		return -EINVAL;
	if (e != NULL) {
		if (e->port == port) {
			e->last_seen = fdb->now;
			return 0;
		}
		if (e->flags & PS_FDB_F_STATIC) {
			fdb->st.static_move_refused++;
			return -EPERM;
		}
		__atomic_store_n(&e->port, port, __ATOMIC_RELEASE);
		e->last_seen = fdb->now;
		fdb->st.moved++;
		return 0;
	}
	rc = fdb_insert(fdb, mac, port, 0);
	if (rc == -ENOSPC) {
		fdb->st.full++;
		if (fdb->st.full == 1 || (fdb->st.full & 0xffff) == 0)
			FDB_LOG(WARNING, "table full (%u entries): new MACs are "
				"flooded, not learned\n", fdb->size);
		return rc;
	}
	if (rc == 0)
		fdb->st.learned++;
	return rc;
}

int
ps_fdb_add_static(struct ps_fdb *fdb, const struct rte_ether_addr *mac,
		  uint16_t port)
{
	struct ps_fdb_entry *e = fdb_find(fdb, mac);

	if (e != NULL) {
		__atomic_store_n(&e->port, port, __ATOMIC_RELEASE);
		e->flags |= PS_FDB_F_STATIC;
		return 0;
	}
	return fdb_insert(fdb, mac, port, PS_FDB_F_STATIC);
}

static int
fdb_remove(struct ps_fdb *fdb, struct ps_fdb_entry *e)
{
	uint64_t key = fdb_key(&e->mac);
	int rc = rte_hash_del_key(fdb->hash, &key);

	if (rc < 0)
		return rc;
	/* With RCU the hash hands the entry back after the grace period
	 * (entry_release); without it nobody else can hold it. */
	if (!fdb->rcu)
		entry_release(fdb, e);
	return 0;
}

int
ps_fdb_del(struct ps_fdb *fdb, const struct rte_ether_addr *mac)
{
	struct ps_fdb_entry *e = fdb_find(fdb, mac);

	if (e == NULL)
		return -ENOENT;
	return fdb_remove(fdb, e);
}

/*
 * Remove the n entries collected in fdb->victims. Collect first, remove
 * after: a delete compacts the hash's extendable bucket chain, moving a key
 * not yet visited into a slot already visited, so removing while iterating
 * skips entries.
 */
static unsigned int
fdb_remove_victims(struct ps_fdb *fdb, uint32_t n)
{
	unsigned int removed = 0;
	uint32_t i;

	for (i = 0; i < n; i++)
		if (fdb_remove(fdb, fdb->victims[i]) == 0)
			removed++;
	return removed;
}

unsigned int
ps_fdb_flush_port(struct ps_fdb *fdb, uint16_t port)
{
	uint32_t next = 0, n = 0;
	const void *key;
	void *data;

	while (n < fdb->size &&
	       rte_hash_iterate(fdb->hash, &key, &data, &next) >= 0) {
		struct ps_fdb_entry *e = data;

		if (e->port == port && !(e->flags & PS_FDB_F_STATIC))
			fdb->victims[n++] = e;
	}
	return fdb_remove_victims(fdb, n);
}

unsigned int
ps_fdb_process_learn(struct ps_fdb *fdb)
{
	void *reqs[64];
	unsigned int n, i, total = 0;

	do {
		n = rte_ring_sc_dequeue_burst(fdb->learn, reqs, RTE_DIM(reqs),
					      NULL);
		for (i = 0; i < n; i++) {
			uint64_t r = (uintptr_t)reqs[i];
			uint64_t k = r >> 16;
			struct rte_ether_addr mac;

			memcpy(mac.addr_bytes, &k, RTE_ETHER_ADDR_LEN);
			ps_fdb_learn(fdb, &mac, (uint16_t)(r & 0xffff));
		}
		total += n;
	} while (n == RTE_DIM(reqs));
	return total;
}

unsigned int
ps_fdb_age(struct ps_fdb *fdb, uint32_t max_age)
{
	uint32_t next = 0, now = fdb->now, n = 0;
	const void *key;
	void *data;
	unsigned int removed;

	while (n < fdb->size &&
	       rte_hash_iterate(fdb->hash, &key, &data, &next) >= 0) {
		struct ps_fdb_entry *e = data;
		uint32_t seen = __atomic_load_n(&e->last_seen, __ATOMIC_RELAXED);

		if (e->flags & PS_FDB_F_STATIC || now - seen < max_age)
			continue;
		fdb->victims[n++] = e;
	}
	removed = fdb_remove_victims(fdb, n);
	fdb->st.aged += removed;
	return removed;
}

void
ps_fdb_set_now(struct ps_fdb *fdb, uint32_t now)
{
	fdb->now = now;
}

uint32_t
ps_fdb_now(const struct ps_fdb *fdb)
{
	return fdb->now;
}

int
ps_fdb_walk(const struct ps_fdb *fdb, ps_fdb_walk_cb cb, void *arg)
{
	uint32_t next = 0;
	const void *key;
	void *data;
	int rc;

	while (rte_hash_iterate(fdb->hash, &key, &data, &next) >= 0) {
		rc = cb(data, arg);
		if (rc != 0)
			return rc;
	}
	return 0;
}

int
ps_fdb_get(const struct ps_fdb *fdb, const struct rte_ether_addr *mac,
	   struct ps_fdb_entry *out)
{
	const struct ps_fdb_entry *e = fdb_find(fdb, mac);

	if (e == NULL)
		return -ENOENT;
	*out = *e;
	return 0;
}

void
ps_fdb_stats(const struct ps_fdb *fdb, struct ps_fdb_stats *st)
{
	*st = fdb->st;
	st->size = fdb->size;
	st->entries = (uint32_t)rte_hash_count(fdb->hash);
	st->learn_queue_full = __atomic_load_n(&fdb->learn_queue_full,
					       __ATOMIC_RELAXED);
}
