/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PS_POLICY_DP_H
#define PS_POLICY_DP_H

/*
 * The policy module's datapath state (docs/design.md section 2 and
 * docs/policy.md): the compiled generation workers classify with, the
 * conntrack of policed connections, and the counters.
 *
 * A generation (struct pol_ctx) is built aside by the management thread
 * and published with one pointer store; workers read it lock-free and it
 * is freed after an RCU grace period. It holds:
 *  - flags[h]: for host h of the node's pod subnet, whether a policy
 *    isolates it for ingress and/or egress. Traffic of a pod no policy
 *    selects costs this one byte load per direction.
 *  - group[h]: the group of host h: the pods the same policies select
 *    (and that name the same ports) share their rules.
 *  - acl: one rte_acl context of every allow rule, keyed by (direction,
 *    group of the selected local pod, peer address, protocol,
 *    destination port), so one context serves every pod. NULL when no
 *    rule allows anything.
 *  - deny_slot[2h + dir]: the counter slot charged with a denial.
 */

#include <stdint.h>

#include <rte_acl.h>
#include <rte_byteorder.h>

#define POL_F_INGRESS 0x1
#define POL_F_EGRESS 0x2

/* rte_acl input: what one check classifies (network order). */
struct pol_acl_key {
	uint8_t proto;
	uint8_t pad[3];
	uint32_t pod;		/* the selected local pod's group */
	uint32_t peer;		/* the other end */
	uint16_t dir;		/* POL_F_INGRESS or POL_F_EGRESS */
	uint16_t dport;		/* 0 for protocols without ports */
};

enum {
	POL_FIELD_PROTO,
	POL_FIELD_POD,
	POL_FIELD_PEER,
	POL_FIELD_DIR,
	POL_FIELD_DPORT,
	POL_NB_FIELDS,
};

RTE_ACL_RULE_DEF(pol_acl_rule, POL_NB_FIELDS);

struct pol_ctx {
	struct rte_acl_ctx *acl;
	uint64_t generation;
	uint32_t pod_net;	/* network order */
	uint32_t host_mask;	/* host order */
	uint8_t *flags;		/* [host_mask + 1] */
	uint32_t *deny_slot;	/* [2 * (host_mask + 1)] */
	uint32_t *group;	/* [host_mask + 1] */
	/* what the compile made and took */
	uint32_t nb_rules;
	uint32_t nb_isolated;
	uint32_t nb_groups;
	uint64_t compile_us;
	uint64_t mem_bytes;
};

/* Packets counted per slot (first packets of allowed connections,
 * every denied packet); see struct pol_policy.slot_base. */
struct pol_counter {
	uint64_t allowed;
	uint64_t denied;
};
#define POL_SLOTS 65536

struct ps_ct;

struct ps_policy_dp {
	struct pol_ctx *ctx;		/* RCU: __atomic_load_n */
	struct ps_ct *ct;		/* policed connections */
	struct ps_ct *svc_ct;		/* the service module's, read only */
	struct pol_counter *counters;	/* [POL_SLOTS] */
	/* connections refused (table full) */
	uint64_t ct_full;
	/* packets denied: [0] ingress, [1] egress (the drop nodes'
	 * counts, kept here for the stats block) */
	uint64_t denied[2];
};

extern struct ps_policy_dp ps_policy_dp;

/* flags of ip (network order) in c, 0 outside the pod subnet */
static inline uint8_t
pol_host_flags(const struct pol_ctx *c, uint32_t ip)
{
	uint32_t h = rte_be_to_cpu_32(ip) - rte_be_to_cpu_32(c->pod_net);

	return h <= c->host_mask ? c->flags[h] : 0;
}

static inline uint32_t
pol_host_index(const struct pol_ctx *c, uint32_t ip)
{
	return rte_be_to_cpu_32(ip) - rte_be_to_cpu_32(c->pod_net);
}

/* rte_acl field definitions of struct pol_acl_key */
extern const struct rte_acl_field_def pol_acl_fields[POL_NB_FIELDS];

#endif
