/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PS_CT_PRIVATE_H
#define PS_CT_PRIVATE_H

/* Shared between the table (ct_table.c) and the state machine (ct_state.c). */

#include <rte_common.h>
#include <rte_lcore.h>
#include <rte_log.h>

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

/* ct_state.c */
void ct_state_init(struct ps_ct_entry *e, const struct ps_ct_pkt *pkt);
enum ps_ct_verdict ct_state_update(struct ps_ct_entry *e, uint8_t dir,
				   const struct ps_ct_pkt *pkt);
bool ct_pkt_can_create(uint8_t proto, const struct ps_ct_pkt *pkt);

#endif
