/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PODSWITCH_NAME_MAP_H
#define PODSWITCH_NAME_MAP_H

/*
 * An index of Kubernetes-style names (namespace, name) over numbered
 * slots 0..cap-1: a chained hash that stores only slot numbers. The
 * caller keeps the items and compares the names of each slot a chain
 * yields (two names may share a hash); the map never reads them.
 *
 * Chains are singly linked through next[], so adding and walking cost
 * nothing but the chain, and a slot is in at most one chain. Adding
 * prepends: a caller that wants chains in increasing slot order adds its
 * items from the last down.
 *
 * Single-threaded: the management thread's indexes (service table,
 * one change's input). Nothing here is for the fast path.
 */

#include <stdint.h>

/* End of a chain; also "no slot" for the callers. */
#define PS_NAME_MAP_END UINT32_MAX

struct ps_name_map {
	uint32_t mask;		/* chains - 1 (a power of two - 1) */
	uint32_t *head;		/* first slot of each chain */
	uint32_t *next;		/* per slot: the next slot of its chain */
};

/* FNV-1a of "ns/name": the hash the map is keyed by. */
uint32_t ps_name_hash(const char *ns, const char *name);

/* An empty map for slots 0..cap-1 (cap >= 1): 0 or -ENOMEM, then nothing
 * is held. */
int ps_name_map_init(struct ps_name_map *m, uint32_t cap);
/* Frees the arrays; a zeroed or freed map is fine. */
void ps_name_map_free(struct ps_name_map *m);

/* Put slot (not in the map) in the chain of hash h. */
void ps_name_map_add(struct ps_name_map *m, uint32_t h, uint32_t slot);
/* Take slot out of the chain of hash h; absent is fine. */
void ps_name_map_del(struct ps_name_map *m, uint32_t h, uint32_t slot);

/* Walk the chain of h: for (s = first(m, h); s != END; s = next(m, s)) */
static inline uint32_t
ps_name_map_first(const struct ps_name_map *m, uint32_t h)
{
	return m->head[h & m->mask];
}

static inline uint32_t
ps_name_map_next(const struct ps_name_map *m, uint32_t slot)
{
	return m->next[slot];
}

#endif
