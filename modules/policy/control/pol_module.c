/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The policy module's control side: the model, the counter slots, the
 * generations (compiled on the management thread, published with one
 * store, freed after a grace period), the conntrack of policed
 * connections and the anti-spoofing guard of pod ports.
 *
 * A change of the model is compiled at the end of the request that made
 * it, unless the last compile ended less than POL_BATCH_MS, or twice
 * what it took, ago: then the management pass after that delay compiles
 * everything that came meanwhile, so that a burst of single-object
 * requests costs a compile now and then, not one per object, and
 * compiling takes at most a third of the management thread.
 *
 * Established connections when policies change: each new generation is
 * checked against every policed connection (their original direction,
 * as their first packet was), and those the new rules no longer allow
 * are removed from conntrack, so their next packet is classified again
 * and dropped. Kubernetes leaves it to the implementation; podswitch
 * revokes, as a firewall rule tightened by an operator is expected to
 * apply to what runs (Cilium's policy revision check and Antrea's flow
 * reclassification do too), rather than leave a connection it would not
 * accept open for as long as it lasts (Calico's iptables mode).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_lcore.h>
#include <rte_errno.h>

#include <podswitch/conntrack.h>
#include <podswitch/dataplane.h>
#include <podswitch/module.h>

#include "infra_dp.h"
#include "pol_compile.h"
#include "pol_state.h"

#define POL_LOG(level, ...) \
	rte_log(RTE_LOG_ ## level, ps_logtype_dp, "policy: " __VA_ARGS__)

#define POL_BATCH_MS 20
#define CT_EXPIRE_BUDGET 1024

struct ps_policy_dp ps_policy_dp;

static struct {
	struct pol_model model;
	uint8_t used[POL_SLOTS];
	uint64_t compiled;	/* model generation of the live ctx */
	uint64_t last_compile;	/* TSC when the last compile ended */
	uint64_t last_cost;	/* TSC cycles it took */
	uint64_t compiles, compile_failures, revoked;
	/* the previous generation, freed once its grace period is over */
	struct pol_ctx *retired;
	uint64_t retired_token;
	struct ps_dataplane *dp;
} pol;

struct pol_model *
pol_model_live(void)
{
	return &pol.model;
}

const struct pol_ctx *
pol_ctx_live(void)
{
	return __atomic_load_n(&ps_policy_dp.ctx, __ATOMIC_ACQUIRE);
}

/* Counter slots ---------------------------------------------------------- */

int
pol_slots_take(struct pol_policy *p, const struct pol_policy *old)
{
	uint32_t i, run = 0;

	if (old != NULL && old->nb_slots == p->nb_slots) {
		p->slot_base = old->slot_base;
		return 0;
	}
	for (i = 0; i < POL_SLOTS; i++) {
		run = pol.used[i] ? 0 : run + 1;
		if (run == p->nb_slots)
			break;
	}
	if (i == POL_SLOTS)
		return -ENOSPC;
	p->slot_base = i + 1 - p->nb_slots;
	memset(&pol.used[p->slot_base], 1, p->nb_slots);
	memset(&ps_policy_dp.counters[p->slot_base], 0,
	       p->nb_slots * sizeof(*ps_policy_dp.counters));
	if (old != NULL)
		pol_slots_give(old);
	return 0;
}

void
pol_slots_give(const struct pol_policy *p)
{
	memset(&pol.used[p->slot_base], 0, p->nb_slots);
}

/* Generations ------------------------------------------------------------ */

/*
 * The policy conntrack is made with the first policy, not at start: a
 * node without policies keeps its memory (8 MiB at the default size)
 * for the route generations and the service conntrack.
 */
static int
ct_make(struct ps_dataplane *dp)
{
	const struct ps_config *cfg = dp->cfg;
	char name[32];
	struct ps_ct_params cp = {
		.name = name,
		.size = cfg->policy_ct_size,
		.socket = (int)rte_socket_id(),
		.qsv = dp->qsv,
		.timeouts = cfg->ct_timeouts,
	};
	struct ps_ct *ct;

	snprintf(name, sizeof(name), "p%.20s", cfg->node_name);
	ct = ps_ct_create(&cp);
	if (ct == NULL) {
		POL_LOG(ERR, "cannot create the policy conntrack (%u): %s\n",
			cfg->policy_ct_size, rte_strerror(rte_errno));
		return -ENOMEM;
	}
	ps_ct_set_now(ct, ps_dataplane_now(dp));
	/* before any generation that isolates a pod is published */
	__atomic_store_n(&ps_policy_dp.ct, ct, __ATOMIC_RELEASE);
	return 0;
}


static void
retire(struct pol_ctx *old)
{
	struct ps_dataplane *dp = pol.dp;

	if (pol.retired != NULL) {
		/* one at a time: wait for the previous one's readers */
		rte_rcu_qsbr_synchronize(dp->qsv, dp->mgmt_rcu_id);
		pol_ctx_free(pol.retired);
	}
	pol.retired = old;
	pol.retired_token = rte_rcu_qsbr_start(dp->qsv);
}

static bool
revoked(const struct ps_ct_entry *e, void *arg)
{
	const struct pol_ctx *c = arg;
	const struct ps_ct_tuple *t = &e->tuple[PS_CT_DIR_ORIG];

	return !pol_tuple_allowed(c, t->proto, t->src_ip, t->dst_ip,
				  t->dst_port);
}

int
pol_commit(bool now)
{
	struct ps_dataplane *dp = pol.dp;
	struct pol_ctx *c, *old;
	uint64_t hz = rte_get_tsc_hz(), t0;
	int rc;

	if (dp == NULL || pol.compiled == pol.model.generation)
		return 0;
	if (ps_policy_dp.ct == NULL && pol.model.nb_pols > 0 &&
	    ct_make(dp) < 0) {
		pol.compile_failures++;
		return -ENOMEM;
	}
	t0 = rte_rdtsc();
	if (!now && t0 - pol.last_compile < RTE_MAX(hz * POL_BATCH_MS / 1000,
						    2 * pol.last_cost))
		return 0;
	rc = pol_compile(&pol.model, &dp->cfg->pod_cidr, pol.model.generation,
			 &c);
	pol.last_compile = rte_rdtsc();
	pol.last_cost = pol.last_compile - t0;
	if (rc < 0) {
		pol.compile_failures++;
		POL_LOG(ERR, "compile of generation %" PRIu64 " failed: %s%s\n",
			pol.model.generation, rte_strerror(-rc), rc == -E2BIG ?
			" (node.pod_cidr shorter than /12: policies are not "
			"enforced)" : "");
		/* not again before the model changes */
		pol.compiled = pol.model.generation;
		return rc;
	}
	old = ps_policy_dp.ctx;
	__atomic_store_n(&ps_policy_dp.ctx, c, __ATOMIC_RELEASE);
	pol.compiled = pol.model.generation;
	pol.compiles++;
	POL_LOG(DEBUG, "generation %" PRIu64 ": %u rules, %u pods isolated, "
		"%" PRIu64 " us\n", c->generation, c->nb_rules,
		c->nb_isolated, c->compile_us);
	if (ps_policy_dp.ct != NULL)
		pol.revoked += ps_ct_delete_if(ps_policy_dp.ct, revoked, c);
	if (old != NULL)
		retire(old);
	return 0;
}

void
pol_changed(void)
{
	/* a burst batches: see POL_BATCH_MS */
	pol_commit(false);
}

void
pol_stats(struct pol_stats *st)
{
	const struct pol_ctx *c = ps_policy_dp.ctx;

	memset(st, 0, sizeof(*st));
	st->generation = pol.model.generation;
	st->compiled = pol.compiled;
	st->compiles = pol.compiles;
	st->compile_failures = pol.compile_failures;
	st->revoked = pol.revoked;
	st->policies = pol.model.nb_pols;
	st->pods = pol.model.nb_pods;
	st->namespaces = pol.model.nb_nss;
	if (c != NULL) {
		st->rules = c->nb_rules;
		st->isolated = c->nb_isolated;
		st->compile_us = c->compile_us;
		st->acl_bytes = c->mem_bytes;
	}
}

/* Anti-spoofing ---------------------------------------------------------- */

static void
guard_set(const struct ps_port_config *pc, uint16_t port_id)
{
	struct ps_port_guard *g = &ps_infra_dp.guard[port_id];

	if (!pc->has_pod || pc->pod_ip == 0)
		return;
	g->ip = pc->pod_ip;
	g->mac = pc->pod_mac;
	__atomic_store_n(&g->on, 1, __ATOMIC_RELEASE);
}

/* Module hooks ----------------------------------------------------------- */

static int
pol_init(struct ps_dataplane *dp)
{
	unsigned int i;
	int rc;

	pol.dp = dp;
	ps_policy_dp.svc_ct = dp->ct;
	ps_policy_dp.counters = calloc(POL_SLOTS,
				       sizeof(*ps_policy_dp.counters));
	if (ps_policy_dp.counters == NULL)
		return -ENOMEM;
	/* counters and slots restart with the dataplane, the model too */
	memset(pol.used, 0, sizeof(pol.used));
	for (i = 0; i < pol.model.nb_pols; i++)
		pol_slots_take(pol.model.pols[i], NULL);
	pol.compiled = UINT64_MAX;
	/* a pod subnet too big for the per-host flags leaves policies
	 * unenforced (logged), not the node down */
	rc = pol_commit(true);
	if (rc < 0 && rc != -E2BIG)
		return rc;
	for (i = 0; i < dp->nb_ports; i++)
		guard_set(&dp->ports[i], dp->port_ids[i]);
	return 0;
}

static void
pol_fini(struct ps_dataplane *dp)
{
	unsigned int i;

	RTE_SET_USED(dp);
	for (i = 0; i < PS_MAX_PORTS; i++)
		ps_infra_dp.guard[i].on = 0;
	/* no reader is left */
	pol_ctx_free(ps_policy_dp.ctx);
	pol_ctx_free(pol.retired);
	pol.retired = NULL;
	ps_ct_free(ps_policy_dp.ct);
	free(ps_policy_dp.counters);
	memset(&ps_policy_dp, 0, sizeof(ps_policy_dp));
	pol_model_clear(&pol.model);
	pol.compiled = 0;
	pol.dp = NULL;
}

static void
pol_poll(struct ps_dataplane *dp, uint32_t now)
{
	struct ps_ct *ct = ps_policy_dp.ct;

	if (ct != NULL) {
		if (now != ps_ct_now(ct))
			ps_ct_set_now(ct, now);
		ps_ct_expire(ct, CT_EXPIRE_BUDGET);
	}
	pol_commit(false);
	if (pol.retired != NULL &&
	    rte_rcu_qsbr_check(dp->qsv, pol.retired_token, false) == 1) {
		pol_ctx_free(pol.retired);
		pol.retired = NULL;
	}
}

static int
pol_port_add(struct ps_dataplane *dp, const struct ps_port_config *pc,
	     uint16_t port_id)
{
	RTE_SET_USED(dp);
	guard_set(pc, port_id);
	return 0;
}

static void
pol_port_del(struct ps_dataplane *dp, const struct ps_port_config *pc,
	     uint16_t port_id)
{
	RTE_SET_USED(dp);
	RTE_SET_USED(pc);
	__atomic_store_n(&ps_infra_dp.guard[port_id].on, 0, __ATOMIC_RELEASE);
}

static void
pol_tables(const struct ps_dataplane *dp, ps_table_cb cb, void *arg)
{
	struct ps_table_stats t = {
		.name = "policy_conntrack",
		.show = PS_TABLE_STATUS | PS_TABLE_STATS | PS_TABLE_METRICS |
			PS_TABLE_PRINT,
	};
	struct ps_ct_stats cs = { .size = dp->cfg->policy_ct_size };

	if (ps_policy_dp.counters == NULL)
		return;
	if (ps_policy_dp.ct != NULL)
		ps_ct_stats(ps_policy_dp.ct, &cs);
	t.entries = cs.entries;
	t.size = cs.size;
	PS_TABLE_PUT(&t, "entries", cs.entries);
	PS_TABLE_PUT(&t, "size", cs.size);
	PS_TABLE_PUT(&t, "created", cs.created);
	PS_TABLE_PUT(&t, "expired", cs.expired);
	PS_TABLE_PUT(&t, "revoked", pol.revoked);
	PS_TABLE_PUT(&t, "full", cs.full, PS_TABLE_FULL_METRIC);
	cb(&t, arg);
}

static struct ps_module policy_module = {
	.name = "policy",
	.depends_on = "service",
	.init = pol_init,
	.fini = pol_fini,
	.poll = pol_poll,
	.port_add = pol_port_add,
	.port_del = pol_port_del,
	.tables = pol_tables,
};
PS_MODULE_REGISTER(policy_module);
