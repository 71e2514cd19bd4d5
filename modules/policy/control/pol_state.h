/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PS_POL_STATE_H
#define PS_POL_STATE_H

/*
 * What the policy module's REST handlers (modules/policy/api) use of its
 * control side (pol_module.c): the live model, committing a change to
 * the datapath, counter slots and statistics.
 */

#include <stdbool.h>
#include <stdint.h>

#include "pol_model.h"
#include "pol_verdict.h"

struct pol_model *pol_model_live(void);
const struct pol_ctx *pol_ctx_live(void);

/* Compile the model if it changed: now, or unless the last compile is
 * younger than the batching delay (the next pass does it). 0 or
 * -errno (the generation is not published; logged and counted). */
int pol_commit(bool now);
/* The model changed: pol_commit(false). */
void pol_changed(void);

/* Counter slots for p (those of old, replaced, when it has as many).
 * 0 or -ENOSPC. */
int pol_slots_take(struct pol_policy *p, const struct pol_policy *old);
void pol_slots_give(const struct pol_policy *p);

/*
 * Parse o (a Namespace, Pod or NetworkPolicy, by k) and, when commit,
 * put it in the model in place of the one of its name; parts left out
 * (SCTP ports, IPv6 blocks) are noted in skipped (an array, or NULL).
 * Does not compile: pol_commit or pol_changed after. 0 or -errno, errs
 * saying why.
 */
int pol_take(enum pol_kind k, const json_t *o, const char *path, bool commit,
	     json_t *skipped, struct ps_errors *errs);

struct pol_stats {
	uint64_t generation;	/* of the model */
	uint64_t compiled;	/* of the live generation */
	uint64_t compiles, compile_failures, revoked;
	uint32_t policies, pods, namespaces;
	uint32_t rules, isolated;
	uint64_t compile_us, acl_bytes;
};
void pol_stats(struct pol_stats *st);

#endif
