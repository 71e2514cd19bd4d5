/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * GET /v1/policies and /v1/policies/{ns}/{name}: each NetworkPolicy with
 * the local pods it selects and its counters; the "policy" block of
 * GET /v1/stats and its /metrics families.
 */
#include <inttypes.h>
#include <string.h>

#include "pol_state.h"
#include "rest_private.h"

static json_int_t
ctr(uint32_t slot, bool allowed)
{
	const struct pol_counter *c = &ps_policy_dp.counters[slot];

	return (json_int_t)__atomic_load_n(allowed ? &c->allowed : &c->denied,
					   __ATOMIC_RELAXED);
}

static json_t *
policy_json(const struct pol_policy *p)
{
	static const char *const dirs[POL_NB_DIRS] = { "ingress", "egress" };
	json_t *types = json_array(), *rules = json_array(), *o;
	uint32_t slot = p->slot_base + 2;
	unsigned int d, i;

	for (d = 0; d < POL_NB_DIRS; d++) {
		if (p->types[d])
			json_array_append_new(types, json_string(
				d == POL_INGRESS ? "Ingress" : "Egress"));
		for (i = 0; i < p->nb_rules[d]; i++, slot++)
			json_array_append_new(rules, json_pack(
				"{s:s,s:i,s:b,s:I}", "direction", dirs[d],
				"index", (int)i, "active", p->types[d],
				"allowed", ps_policy_dp.counters ?
				ctr(slot, true) : 0));
	}
	o = json_pack("{s:s,s:s,s:o,s:i,s:o,s:o}", "namespace", p->ns,
		      "name", p->name, "policyTypes", types, "selectedPods",
		      (int)p->selected, "denied", json_pack("{s:I,s:I}",
		      "ingress", ps_policy_dp.counters ?
		      ctr(p->slot_base, false) : 0, "egress",
		      ps_policy_dp.counters ? ctr(p->slot_base + 1, false) :
		      0), "rules", rules);
	return o;
}

static void
rest_policies_get(struct ps_rest *r, const struct ps_http_request *req,
		  struct ps_http_response *resp, const char *arg)
{
	const struct pol_model *m = pol_model_live();
	json_t *arr = json_array();
	unsigned int i;

	RTE_SET_USED(r);
	RTE_SET_USED(req);
	RTE_SET_USED(arg);
	for (i = 0; i < m->nb_pols; i++)
		json_array_append_new(arr, policy_json(m->pols[i]));
	rest_reply(resp, 200, arr);
}

static void
rest_policy_get(struct ps_rest *r, const struct ps_http_request *req,
		struct ps_http_response *resp, const char *arg)
{
	const struct pol_policy *p;
	const char *seg[6];
	char buf[1024];
	int n;

	RTE_SET_USED(r);
	RTE_SET_USED(arg);
	n = ps_http_path_segments(req->path, buf, sizeof(buf), seg,
				  RTE_DIM(seg));
	if (n != 4) {
		rest_bad(resp, "expected /v1/policies/{namespace}/{name}");
		return;
	}
	p = pol_model_policy(pol_model_live(), seg[2], seg[3]);
	if (p == NULL) {
		ps_http_json_error(resp, 404, "not_found",
				   "no networkpolicy %s/%s", seg[2], seg[3]);
		return;
	}
	rest_reply(resp, 200, policy_json(p));
}

PS_REST_ROUTE("GET", "/v1/policies", rest_policies_get);
PS_REST_ROUTE("GET", "/v1/policies/*/*", rest_policy_get);

/* Statistics ------------------------------------------------------------- */

static json_t *
policy_stats(const struct ps_dataplane *dp)
{
	struct pol_stats st;

	RTE_SET_USED(dp);
	pol_stats(&st);
	return json_pack("{s:I,s:I,s:i,s:i,s:i,s:i,s:i,s:I,s:I,s:I,s:I,"
			 "s:I,s:{s:I,s:I},s:I}",
		"generation", (json_int_t)st.generation,
		"compiled_generation", (json_int_t)st.compiled,
		"policies", (int)st.policies, "pods", (int)st.pods,
		"namespaces", (int)st.namespaces, "rules", (int)st.rules,
		"isolated_pods", (int)st.isolated,
		"compiles", (json_int_t)st.compiles,
		"compile_failures", (json_int_t)st.compile_failures,
		"compile_us", (json_int_t)st.compile_us,
		"acl_bytes", (json_int_t)st.acl_bytes,
		"revoked", (json_int_t)st.revoked,
		"denied", "ingress", (json_int_t)__atomic_load_n(
			&ps_policy_dp.denied[0], __ATOMIC_RELAXED),
		"egress", (json_int_t)__atomic_load_n(
			&ps_policy_dp.denied[1], __ATOMIC_RELAXED),
		"ct_full", (json_int_t)__atomic_load_n(&ps_policy_dp.ct_full,
						       __ATOMIC_RELAXED));
}

static void
policy_metrics(FILE *f, const struct ps_dataplane *dp)
{
	struct pol_stats st;

	RTE_SET_USED(dp);
	pol_stats(&st);
	fprintf(f, "# HELP podswitch_policy_denied_packets_total Packets "
		"NetworkPolicy denied, by direction.\n"
		"# TYPE podswitch_policy_denied_packets_total counter\n"
		"podswitch_policy_denied_packets_total{direction=\"ingress\"} "
		"%" PRIu64 "\n"
		"podswitch_policy_denied_packets_total{direction=\"egress\"} "
		"%" PRIu64 "\n"
		"# HELP podswitch_policy_policies NetworkPolicies loaded.\n"
		"# TYPE podswitch_policy_policies gauge\n"
		"podswitch_policy_policies %u\n"
		"# HELP podswitch_policy_rules Classifier rules of the live "
		"generation.\n"
		"# TYPE podswitch_policy_rules gauge\n"
		"podswitch_policy_rules %u\n"
		"# HELP podswitch_policy_isolated_pods Local pods a policy "
		"selects.\n"
		"# TYPE podswitch_policy_isolated_pods gauge\n"
		"podswitch_policy_isolated_pods %u\n"
		"# HELP podswitch_policy_compiles_total Generations compiled."
		"\n# TYPE podswitch_policy_compiles_total counter\n"
		"podswitch_policy_compiles_total %" PRIu64 "\n",
		__atomic_load_n(&ps_policy_dp.denied[0], __ATOMIC_RELAXED),
		__atomic_load_n(&ps_policy_dp.denied[1], __ATOMIC_RELAXED),
		st.policies, st.rules, st.isolated, st.compiles);
}

static struct rest_ext policy_ext = {
	.name = "policy",
	.stats = policy_stats,
	.metrics = policy_metrics,
};
PS_REST_EXT(policy_ext);
