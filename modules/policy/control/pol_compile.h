/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PS_POL_COMPILE_H
#define PS_POL_COMPILE_H

#include <stdbool.h>
#include <stdint.h>

#include <podswitch/inet.h>

#include "policy_dp.h"
#include "pol_model.h"

/* The smallest pod subnet prefix whose hosts get a flag byte each
 * (/12: 1 MiB). */
#define POL_MIN_PLEN 12

/*
 * A generation of m for the pods of pod_cidr (also sets each policy's
 * selected count). 0 with *out, or -ENOMEM, -E2BIG (pod_cidr too big),
 * or rte_acl's error.
 */
int pol_compile(const struct pol_model *m, const struct ps_prefix4 *pod_cidr,
		uint64_t generation, struct pol_ctx **out);
void pol_ctx_free(struct pol_ctx *c);
/* Whether c has an allow rule for k; *slot: the rule's counter slot. */
bool pol_ctx_allows(const struct pol_ctx *c, const struct pol_acl_key *k,
		    uint32_t *slot);

#endif
