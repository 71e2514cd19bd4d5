/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Adjacencies: the neighbor entry of a route's gateway, found by a small
 * id the route carries instead of by hashing its IP for every packet.
 *
 * A slot mirrors the hash for its IP: neighbor.c stores it wherever it
 * adds, replaces or deletes that IP's entry, before the old entry's grace
 * period starts. So a pointer a worker loads from a slot is as safe as
 * one it got from the hash, and an entry's MAC is never rewritten under
 * it (a changed binding is a new entry). An id freed and bound to another
 * IP may still sit in a packet's metadata: readers compare the IP.
 */
#include <errno.h>
#include <stdio.h>

#include <rte_errno.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>

#include "neigh_private.h"

#define DEFAULT_MAX_ADJ 1024

int
neigh_adj_init(struct ps_neigh_table *nt, uint32_t max_adj, uint32_t seq,
	       int socket)
{
	char hname[RTE_HASH_NAMESIZE];
	struct rte_hash_parameters hp = {
		.name = hname,
		.key_len = sizeof(uint32_t),
		.hash_func = rte_hash_crc,
		.socket_id = socket,
		/* Writer only: no RCU. The sequence number keeps the
		 * name unique, so the table name may be cut short. */
		.extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
	};
	uint32_t i;

	if (max_adj == 0)
		max_adj = DEFAULT_MAX_ADJ;
	nt->nb_adj = max_adj + 1;
	snprintf(hname, sizeof(hname), "nba%u_%.16s", seq, nt->name);
	hp.entries = RTE_MAX(max_adj, 8u);
	nt->adj_hash = rte_hash_create(&hp);
	nt->adj = rte_zmalloc_socket("ps_neigh_adj",
				     sizeof(*nt->adj) * nt->nb_adj,
				     RTE_CACHE_LINE_SIZE, socket);
	nt->adj_ip = rte_zmalloc_socket("ps_neigh_adji",
					sizeof(*nt->adj_ip) * nt->nb_adj, 0,
					socket);
	nt->adj_ref = rte_zmalloc_socket("ps_neigh_adjr",
					 sizeof(*nt->adj_ref) * nt->nb_adj, 0,
					 socket);
	nt->adj_free = rte_malloc_socket("ps_neigh_adjf",
					 sizeof(*nt->adj_free) * nt->nb_adj, 0,
					 socket);
	if (nt->adj_hash == NULL || nt->adj == NULL || nt->adj_ip == NULL ||
	    nt->adj_ref == NULL || nt->adj_free == NULL)
		return -ENOMEM;
	/* Lowest ids first: the slots in use share few cache lines. */
	for (i = 0; i < max_adj; i++)
		nt->adj_free[i] = max_adj - i;
	nt->nb_adj_free = max_adj;
	return 0;
}

void
neigh_adj_fini(struct ps_neigh_table *nt)
{
	rte_hash_free(nt->adj_hash);
	rte_free(nt->adj);
	rte_free(nt->adj_ip);
	rte_free(nt->adj_ref);
	rte_free(nt->adj_free);
}

static uint32_t
adj_find(const struct ps_neigh_table *nt, uint32_t ip)
{
	void *data;

	if (rte_hash_lookup_data(nt->adj_hash, &ip, &data) < 0)
		return PS_NEIGH_ADJ_NONE;
	return (uint32_t)(uintptr_t)data;
}

void
neigh_adj_attach(struct ps_neigh_table *nt, struct neigh_entry *e)
{
	e->adj = adj_find(nt, e->pub.ip);
	neigh_adj_set(nt, e->adj, e);
}

const struct ps_neigh *const *
ps_neigh_adj_slots(const struct ps_neigh_table *nt, uint32_t *nb)
{
	*nb = nt->nb_adj;
	return (const struct ps_neigh *const *)nt->adj;
}

uint32_t
ps_neigh_adj_bind(struct ps_neigh_table *nt, uint32_t ip)
{
	struct neigh_entry *e;
	uint32_t id = adj_find(nt, ip);

	if (id != PS_NEIGH_ADJ_NONE) {
		nt->adj_ref[id]++;
		return id;
	}
	if (nt->nb_adj_free == 0)
		return PS_NEIGH_ADJ_NONE;
	id = nt->adj_free[--nt->nb_adj_free];
	if (rte_hash_add_key_data(nt->adj_hash, &ip,
				  (void *)(uintptr_t)id) < 0) {
		nt->adj_free[nt->nb_adj_free++] = id;
		return PS_NEIGH_ADJ_NONE;
	}
	nt->adj_ip[id] = ip;
	nt->adj_ref[id] = 1;
	e = neigh_find(nt, ip);
	if (e != NULL)
		e->adj = id;
	neigh_adj_set(nt, id, e);
	return id;
}

void
ps_neigh_adj_unbind(struct ps_neigh_table *nt, uint32_t id)
{
	struct neigh_entry *e;
	uint32_t ip;

	if (id == PS_NEIGH_ADJ_NONE || id >= nt->nb_adj ||
	    nt->adj_ref[id] == 0)
		return;
	if (--nt->adj_ref[id] > 0)
		return;
	ip = nt->adj_ip[id];
	e = neigh_find(nt, ip);
	if (e != NULL)
		e->adj = PS_NEIGH_ADJ_NONE;
	/* Nothing is freed here: the entry stays in the hash. A worker
	 * still holding the id finds NULL or, once the id is reused,
	 * another IP, and hashes. */
	neigh_adj_set(nt, id, NULL);
	rte_hash_del_key(nt->adj_hash, &ip);
	nt->adj_free[nt->nb_adj_free++] = id;
}
