/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PS_POL_VERDICT_H
#define PS_POL_VERDICT_H

/*
 * The decision for the first packet of a connection, shared by the
 * datapath (node_policy.c) and the management thread (re-checking
 * established connections against a new generation).
 */

#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>

#include <rte_acl.h>

#include "infra_dp.h"
#include "policy_dp.h"

enum pol_verdict {
	POL_ALLOW,
	POL_DENY_EGRESS,
	POL_DENY_INGRESS,
};

/*
 * src to dst (network order), dport (network order, 0 without ports):
 * egress is checked when a policy isolates src, ingress when one
 * isolates dst; traffic from the pod's own node (node IP, gateway IP)
 * is always let in, as Kubernetes wants. slots[0..*nb) get the counter
 * slots to charge (the rules that allowed, or the denial's).
 */
static inline enum pol_verdict
pol_check(const struct pol_ctx *c, uint8_t proto, uint32_t src, uint32_t dst,
	  uint16_t dport, uint32_t slots[2], unsigned int *nb)
{
	struct pol_acl_key k[2];
	const uint8_t *data[2];
	uint32_t res[2] = { 0, 0 };
	unsigned int n = 0, eg = 2, in = 2, i;

	*nb = 0;
	if (pol_host_flags(c, src) & POL_F_EGRESS) {
		k[n] = (struct pol_acl_key){ .proto = proto,
			.pod = rte_cpu_to_be_32(c->group[pol_host_index(c,
								       src)]),
			.peer = dst, .dir = RTE_BE16(POL_F_EGRESS),
			.dport = dport };
		eg = n++;
	}
	if ((pol_host_flags(c, dst) & POL_F_INGRESS) &&
	    src != ps_infra_dp.node_ip && src != ps_infra_dp.gateway_ip) {
		k[n] = (struct pol_acl_key){ .proto = proto,
			.pod = rte_cpu_to_be_32(c->group[pol_host_index(c,
								       dst)]),
			.peer = src, .dir = RTE_BE16(POL_F_INGRESS),
			.dport = dport };
		in = n++;
	}
	if (n == 0)
		return POL_ALLOW;
	for (i = 0; i < n; i++)
		data[i] = (const uint8_t *)&k[i];
	if (c->acl != NULL)
		rte_acl_classify(c->acl, data, res, n, 1);
	if (eg < 2 && res[eg] == 0) {
		slots[0] = c->deny_slot[2 * pol_host_index(c, src) + 1];
		*nb = 1;
		return POL_DENY_EGRESS;
	}
	if (in < 2 && res[in] == 0) {
		slots[0] = c->deny_slot[2 * pol_host_index(c, dst)];
		*nb = 1;
		return POL_DENY_INGRESS;
	}
	for (i = 0; i < n; i++)
		slots[i] = res[i] - 1;
	*nb = n;
	return POL_ALLOW;
}

/* pol_check for the management thread: whether it allows (a conntrack
 * tuple: ICMP's identifier in its ports is no port). */
static inline bool
pol_tuple_allowed(const struct pol_ctx *c, uint8_t proto, uint32_t src,
		  uint32_t dst, uint16_t dport)
{
	uint32_t s[2];
	unsigned int n;

	return pol_check(c, proto, src, dst, proto == IPPROTO_ICMP ? 0 :
			 dport, s, &n) == POL_ALLOW;
}

#endif
