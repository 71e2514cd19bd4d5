/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the NetworkPolicy model and compile (modules/policy):
 * every selector operator, the API server's policyTypes defaults, rules
 * with no peers or ports against none usable, ipBlock except, named
 * ports resolved on the pod that receives, endPort, policies adding up,
 * and the classifier's verdict for each (pol_check on a generation).
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <podswitch/inet.h>

#include "pol_compile.h"
#include "pol_verdict.h"
#include "test_common.h"

static struct pol_model m;
static struct ps_prefix4 pod_cidr;
static struct pol_ctx *ctx;

static json_t *
jq(const char *text)
{
	char *buf = strdup(text), *c;
	json_t *o;

	for (c = buf; *c; c++)
		if (*c == '\'')
			*c = '"';
	o = json_loads(buf, 0, NULL);
	free(buf);
	return o;
}

static void
note(const char *path, const char *reason, void *arg)
{
	unsigned int *n = arg;

	(*n)++;
	RTE_SET_USED(path);
	RTE_SET_USED(reason);
}

static struct pol_policy *
policy(const char *text, unsigned int *skipped)
{
	struct ps_errors errs = { 0 };
	json_t *o = jq(text);
	struct pol_policy *p = pol_policy_parse(o, "$", &errs, note, skipped);

	ps_errors_print(&errs, stderr);
	ps_errors_free(&errs);
	json_decref(o);
	return p;
}

static unsigned int
parse_errors(const char *text)
{
	struct ps_errors errs = { 0 };
	json_t *o = jq(text);
	struct pol_policy *p = pol_policy_parse(o, "$", &errs, NULL, NULL);
	unsigned int n = ps_errors_seen(&errs);

	CHECK(p == NULL, "a bad policy parsed");
	pol_policy_free(p);
	ps_errors_free(&errs);
	json_decref(o);
	return n;
}

static void
pod(const char *ns, const char *name, const char *ip, const char *labels,
    const char *ports)
{
	char text[1024];
	struct ps_errors errs = { 0 };
	struct pol_pod *p;
	json_t *o;

	snprintf(text, sizeof(text), "{'kind':'Pod','metadata':{'namespace':"
		 "'%s','name':'%s','labels':%s},'spec':{'containers':[{"
		 "'ports':[%s]}]},'status':{'podIP':'%s'}}", ns, name, labels,
		 ports, ip);
	o = jq(text);
	p = pol_pod_parse(o, "$", &errs);
	json_decref(o);
	/* suite set-up: no CUnit assertion here */
	if (p != NULL)
		pol_model_put_pod(&m, p);
	else
		ps_errors_print(&errs, stderr);
	ps_errors_free(&errs);
}

static void
ns_obj(const char *name, const char *labels)
{
	char text[256];
	struct ps_errors errs = { 0 };
	struct pol_namespace *n;
	json_t *o;

	snprintf(text, sizeof(text), "{'metadata':{'name':'%s','labels':%s}}",
		 name, labels);
	o = jq(text);
	n = pol_namespace_parse(o, "$", &errs);
	json_decref(o);
	if (n != NULL)
		pol_model_put_namespace(&m, n);
	else
		ps_errors_print(&errs, stderr);
	ps_errors_free(&errs);
}

static void
put(const char *text)
{
	struct pol_policy *p = policy(text, NULL);

	if (CHECK(p != NULL, "policy refused: %s", text))
		pol_model_put_policy(&m, p);
}

static bool
compile(void)
{
	pol_ctx_free(ctx);
	ctx = NULL;
	return CHECK(pol_compile(&m, &pod_cidr, m.generation, &ctx) == 0,
		     "compile failed");
}

/* Whether src may open proto/dport to dst. */
static bool
may(const char *src, const char *dst, uint8_t proto, uint16_t dport)
{
	uint32_t slots[2];
	unsigned int n;

	return pol_check(ctx, proto, ps_ip(src), ps_ip(dst),
			 rte_cpu_to_be_16(dport), slots, &n) == POL_ALLOW;
}

static int
suite_init(void)
{
	ps_parse_prefix4("10.244.0.0/24", &pod_cidr);
	ns_obj("x", "{'team':'a'}");
	ns_obj("y", "{'team':'b'}");
	pod("x", "a", "10.244.0.2", "{'app':'a','tier':'web'}", "");
	pod("x", "b", "10.244.0.3", "{'app':'b'}",
	    "{'name':'http','containerPort':8080,'protocol':'TCP'},"
	    "{'name':'dns','containerPort':5353,'protocol':'UDP'}");
	pod("x", "c", "10.244.0.4", "{'app':'c'}",
	    "{'name':'http','containerPort':9090}");
	pod("y", "a", "10.244.1.5", "{'app':'a'}", "");
	pod("z", "d", "10.244.0.5", "{}", "");
	return m.nb_pods == 5 && m.nb_nss == 2 ? 0 : -1;
}

static int
suite_fini(void)
{
	pol_ctx_free(ctx);
	pol_model_clear(&m);
	return 0;
}

static void
clear_policies(void)
{
	while (m.nb_pols > 0)
		pol_model_del_policy(&m, m.pols[0]->ns, m.pols[0]->name);
}

static void
test_selectors(void)
{
	json_t *l = jq("{'app':'a','tier':'web'}");
	struct {
		const char *sel;
		bool match;
	} c[] = {
		{ "{}", true },
		{ "{'matchLabels':{'app':'a'}}", true },
		{ "{'matchLabels':{'app':'b'}}", false },
		{ "{'matchLabels':{'app':'a','tier':'db'}}", false },
		{ "{'matchExpressions':[{'key':'app','operator':'In',"
		  "'values':['b','a']}]}", true },
		{ "{'matchExpressions':[{'key':'app','operator':'In',"
		  "'values':['b']}]}", false },
		{ "{'matchExpressions':[{'key':'app','operator':'NotIn',"
		  "'values':['b']}]}", true },
		{ "{'matchExpressions':[{'key':'app','operator':'NotIn',"
		  "'values':['a']}]}", false },
		/* a pod without the key is not in the set */
		{ "{'matchExpressions':[{'key':'zone','operator':'NotIn',"
		  "'values':['a']}]}", true },
		{ "{'matchExpressions':[{'key':'tier','operator':'Exists'}]}",
		  true },
		{ "{'matchExpressions':[{'key':'zone','operator':'Exists'}]}",
		  false },
		{ "{'matchExpressions':[{'key':'zone','operator':"
		  "'DoesNotExist'}]}", true },
		{ "{'matchExpressions':[{'key':'app','operator':"
		  "'DoesNotExist'}]}", false },
		{ "{'matchLabels':{'app':'a'},'matchExpressions':[{'key':"
		  "'tier','operator':'NotIn','values':['web']}]}", false },
	};
	unsigned int i;
	char text[512];

	for (i = 0; i < RTE_DIM(c); i++) {
		struct pol_policy *p;

		snprintf(text, sizeof(text), "{'metadata':{'name':'s'},"
			 "'spec':{'podSelector':%s}}", c[i].sel);
		p = policy(text, NULL);
		if (!CHECK(p != NULL, "selector %s refused", c[i].sel))
			continue;
		CHECK(pol_selector_match(&p->pod_sel, l) == c[i].match,
		      "selector %s: %d expected", c[i].sel, c[i].match);
		pol_policy_free(p);
	}
	json_decref(l);
}

static void
test_parse_errors(void)
{
	CHECK(parse_errors("{'metadata':{'name':'e'},'spec':{'podSelector':"
			   "{'matchExpressions':[{'key':'a','operator':"
			   "'Like'}]}}}") == 1, "bad operator");
	CHECK(parse_errors("{'metadata':{'name':'e'},'spec':{'podSelector':"
			   "{'matchExpressions':[{'key':'a','operator':'In'}]"
			   "}}}") == 1, "In without values");
	CHECK(parse_errors("{'metadata':{'name':'e'},'spec':{'ingress':[{"
			   "'ports':[{'port':'http','endPort':90}]}]}}") == 1,
	      "endPort with a named port");
	CHECK(parse_errors("{'metadata':{'name':'e'},'spec':{'ingress':[{"
			   "'from':[{'ipBlock':{'cidr':'10.0.0.0/8'},"
			   "'podSelector':{}}]}]}}") == 1,
	      "ipBlock with a selector");
	CHECK(parse_errors("{'metadata':{},'spec':{'policyTypes':['Both']}}")
	      == 2, "no name and a bad type: two problems");
}

static void
test_defaults(void)
{
	struct pol_policy *p;
	unsigned int skipped = 0;

	p = policy("{'metadata':{'name':'d'},'spec':{'podSelector':{}}}",
		   NULL);
	CHECK(p && p->types[POL_INGRESS] && !p->types[POL_EGRESS],
	      "no types, no egress: Ingress only");
	CHECK(p && strcmp(p->ns, "default") == 0, "namespace default");
	pol_policy_free(p);
	p = policy("{'metadata':{'name':'d'},'spec':{'podSelector':{},"
		   "'egress':[{}]}}", NULL);
	CHECK(p && p->types[POL_INGRESS] && p->types[POL_EGRESS],
	      "egress rules: Ingress and Egress");
	pol_policy_free(p);
	p = policy("{'metadata':{'name':'d'},'spec':{'podSelector':{},"
		   "'policyTypes':['Egress'],'ingress':[{}]}}", NULL);
	CHECK(p && !p->types[POL_INGRESS] && p->types[POL_EGRESS],
	      "explicit types kept");
	pol_policy_free(p);
	/* SCTP and IPv6 left out, with a note each */
	p = policy("{'metadata':{'name':'d'},'spec':{'ingress':[{'from':[{"
		   "'ipBlock':{'cidr':'fd00::/8'}}],'ports':[{'protocol':"
		   "'SCTP','port':9}]}]}}", &skipped);
	CHECK(p && skipped == 2, "%u notes, 2 expected", skipped);
	CHECK(p && p->nb_rules[POL_INGRESS] == 1 &&
	      !p->rules[POL_INGRESS][0].all_peers &&
	      !p->rules[POL_INGRESS][0].all_ports,
	      "a rule left without its peers or ports became all");
	pol_policy_free(p);
}

static void
test_peers_ports(void)
{
	clear_policies();
	put("{'metadata':{'namespace':'x','name':'b-in'},'spec':{"
	    "'podSelector':{'matchLabels':{'app':'b'}},'ingress':[{'from':["
	    "{'podSelector':{'matchLabels':{'app':'a'}},'namespaceSelector':"
	    "{'matchLabels':{'team':'b'}}},"
	    "{'ipBlock':{'cidr':'172.16.0.0/16','except':['172.16.1.0/24',"
	    "'172.16.2.128/25']}}],'ports':[{'port':'http'},{'protocol':"
	    "'UDP','port':53,'endPort':60}]}]}}");
	if (!compile())
		return;
	/* both selectors in one peer: app=a of namespace y only */
	CHECK(may("10.244.1.5", "10.244.0.3", IPPROTO_TCP, 8080), "y/a");
	CHECK(!may("10.244.0.2", "10.244.0.3", IPPROTO_TCP, 8080), "x/a");
	CHECK(!may("10.244.1.5", "10.244.0.3", IPPROTO_TCP, 80), "port 80");
	CHECK(may("10.244.1.5", "10.244.0.3", IPPROTO_UDP, 53), "udp 53");
	CHECK(may("10.244.1.5", "10.244.0.3", IPPROTO_UDP, 60), "udp 60");
	CHECK(!may("10.244.1.5", "10.244.0.3", IPPROTO_UDP, 61), "udp 61");
	CHECK(!may("10.244.1.5", "10.244.0.3", IPPROTO_TCP, 53), "tcp 53");
	CHECK(!may("10.244.1.5", "10.244.0.3", IPPROTO_ICMP, 0), "icmp");
	CHECK(may("172.16.0.9", "10.244.0.3", IPPROTO_TCP, 8080), "block");
	CHECK(!may("172.16.1.9", "10.244.0.3", IPPROTO_TCP, 8080), "except");
	CHECK(may("172.16.2.127", "10.244.0.3", IPPROTO_TCP, 8080),
	      "beside the /25 except");
	CHECK(!may("172.16.2.200", "10.244.0.3", IPPROTO_TCP, 8080),
	      "in the /25 except");
	CHECK(!may("172.17.0.1", "10.244.0.3", IPPROTO_TCP, 8080), "outside");
	/* pods nobody selects: open */
	CHECK(may("172.17.0.1", "10.244.0.4", IPPROTO_ICMP, 0), "c open");
	CHECK(ctx->nb_isolated == 1, "%u isolated", ctx->nb_isolated);
	/* a pod subnet too big for per-host flags is refused, not taken */
	{
		struct ps_prefix4 big = { ps_ip("10.0.0.0"), 8 };
		struct pol_ctx *c = NULL;

		CHECK(pol_compile(&m, &big, 0, &c) == -E2BIG && c == NULL,
		      "a /8 pod subnet compiled");
	}
	/* the node reaches its pods */
	ps_infra_dp.node_ip = ps_ip("192.168.60.10");
	CHECK(may("192.168.60.10", "10.244.0.3", IPPROTO_TCP, 22), "node");
	ps_infra_dp.node_ip = 0;
}

static void
test_empty_rules_and_union(void)
{
	clear_policies();
	/* no rule: nothing in */
	put("{'metadata':{'namespace':'x','name':'deny'},'spec':{"
	    "'podSelector':{},'ingress':[]}}");
	if (!compile())
		return;
	CHECK(!may("10.244.0.2", "10.244.0.3", IPPROTO_TCP, 80), "deny");
	CHECK(!may("10.244.0.3", "10.244.0.2", IPPROTO_UDP, 80), "deny a");
	CHECK(may("10.244.0.3", "10.244.0.5", IPPROTO_UDP, 80), "z open");
	/* a second policy adds: an empty rule lets everything in */
	put("{'metadata':{'namespace':'x','name':'all-b'},'spec':{"
	    "'podSelector':{'matchLabels':{'app':'b'}},'ingress':[{}]}}");
	if (!compile())
		return;
	CHECK(may("10.244.0.2", "10.244.0.3", IPPROTO_ICMP, 0), "all to b");
	CHECK(!may("10.244.0.3", "10.244.0.2", IPPROTO_TCP, 80), "a shut");
	CHECK(m.pols[0]->selected + m.pols[1]->selected == 4,
	      "selected counts");
}

static void
test_egress_named(void)
{
	clear_policies();
	/* a's egress: http as each destination names it */
	put("{'metadata':{'namespace':'x','name':'a-out'},'spec':{"
	    "'podSelector':{'matchLabels':{'app':'a'}},'policyTypes':"
	    "['Egress'],'egress':[{'to':[{'podSelector':{}}],'ports':[{"
	    "'port':'http'}]},{'ports':[{'protocol':'UDP','port':'dns'}]}]}}");
	if (!compile())
		return;
	CHECK(may("10.244.0.2", "10.244.0.3", IPPROTO_TCP, 8080), "b http");
	CHECK(may("10.244.0.2", "10.244.0.4", IPPROTO_TCP, 9090), "c http");
	CHECK(!may("10.244.0.2", "10.244.0.4", IPPROTO_TCP, 8080), "c 8080");
	CHECK(!may("10.244.0.2", "10.244.0.3", IPPROTO_TCP, 9090), "b 9090");
	/* "to" absent: any peer, resolved on each known pod */
	CHECK(may("10.244.0.2", "10.244.0.3", IPPROTO_UDP, 5353), "b dns");
	CHECK(!may("10.244.0.2", "10.244.0.4", IPPROTO_UDP, 5353), "c dns");
	/* ingress of a stays open */
	CHECK(may("10.244.0.3", "10.244.0.2", IPPROTO_TCP, 1), "a in");
}

static const struct ps_test tests[] = {
	{ "selectors: every operator", test_selectors },
	{ "parse errors name their path", test_parse_errors },
	{ "policyTypes defaults, SCTP and IPv6 left out", test_defaults },
	{ "peers, ipBlock except, named ports, endPort", test_peers_ports },
	{ "empty rules and policies adding up", test_empty_rules_and_union },
	{ "egress named ports per destination", test_egress_named },
};

PS_TEST_MAIN(ps_test_eal_init,
	     PS_SUITE("policy", suite_init, suite_fini, tests))
