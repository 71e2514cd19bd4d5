/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * NetworkPolicy compile and classify, one core (modules/policy):
 *
 *   policy_bench [policies (default 1000)] [pods (default 1000)]
 *
 * Builds a model the shape of a busy cluster node: 10 namespaces, the
 * pods spread over them with APPS app labels (default 100: 10 pods an
 * app), every pod on this node (pod subnet 10.244.0.0/20). Policy i,
 * in namespace i % 10, selects app i % APPS and lets in app
 * (i + 10) % APPS of the namespaces labelled like its own on ports 80
 * and "http" (named, 8080 on every pod), plus a 10.0.0.0/8 block less
 * two excepts on 443; it lets out UDP 53 to the same block and TCP
 * 5432 to app (i + 20) % APPS of its namespace. Each pod is then
 * selected by policies / APPS policies.
 *
 *   APPS=20 policy_bench      every pod under 50 policies Prints the
 * compile time of the whole generation (what a change recompiles),
 * the rules and classifier memory it made, and the cycles of a first
 * packet's check (pol_check: one or two rte_acl lookups) and of the
 * flag test an unselected pod's packet pays.
 */
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_malloc.h>

#include <podswitch/inet.h>

#include "pol_compile.h"
#include "pol_verdict.h"

static struct pol_model m;

/* CPU time of this thread: on a shared machine, what the core did. */
static double
cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}
static unsigned int apps = 100;

static json_t *
obj(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static json_t *
obj(const char *fmt, ...)
{
	char buf[2048], *c;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	for (c = buf; *c; c++)
		if (*c == '\'')
			*c = '"';
	return json_loads(buf, 0, NULL);
}

static int
build(unsigned int nb_pols, unsigned int nb_pods)
{
	struct ps_errors errs = { 0 };
	unsigned int i;
	json_t *o;

	for (i = 0; i < 10; i++) {
		o = obj("{'metadata':{'name':'ns%u','labels':{'team':'t%u'}}}",
			i, i % 3);
		pol_model_put_namespace(&m, pol_namespace_parse(o, "$", &errs));
		json_decref(o);
	}
	for (i = 0; i < nb_pods; i++) {
		o = obj("{'metadata':{'namespace':'ns%u','name':'p%u','labels':"
			"{'app':'a%u','tier':'t%u'}},'spec':{'containers':[{"
			"'ports':[{'name':'http','containerPort':8080}]}]},"
			"'status':{'podIP':'10.244.%u.%u'}}", i % 10, i, i % apps,
			i % 3, (i + 2) / 250, (i + 2) % 250 + 1);
		pol_model_put_pod(&m, pol_pod_parse(o, "$", &errs));
		json_decref(o);
	}
	for (i = 0; i < nb_pols; i++) {
		struct pol_policy *p;

		o = obj("{'metadata':{'namespace':'ns%u','name':'np%u'},"
			"'spec':{'podSelector':{'matchLabels':{'app':'a%u'}},"
			"'ingress':[{'from':[{'podSelector':{'matchLabels':"
			"{'app':'a%u'}},'namespaceSelector':{'matchLabels':"
			"{'team':'t%u'}}}],'ports':[{'port':80},{'port':"
			"'http'}]},{'from':[{'ipBlock':{'cidr':'10.0.0.0/8',"
			"'except':['10.244.0.0/16','10.96.0.0/12']}}],'ports':"
			"[{'port':443}]}],'egress':[{'to':[{'ipBlock':{'cidr':"
			"'10.0.0.0/8','except':['10.244.0.0/16']}}],'ports':[{"
			"'protocol':'UDP','port':53}]},{'to':[{'podSelector':"
			"{'matchExpressions':[{'key':'app','operator':'In',"
			"'values':['a%u']}]}}],'ports':[{'port':5432}]}]}}",
			i % 10, i, i % apps, (i + 10) % apps, (i % 10) % 3,
			(i + 20) % apps);
		p = pol_policy_parse(o, "$", &errs, NULL, NULL);
		json_decref(o);
		if (p == NULL)
			break;
		p->slot_base = i * 8 % (POL_SLOTS - 8);
		pol_model_put_policy(&m, p);
	}
	ps_errors_print(&errs, stderr);
	return ps_errors_seen(&errs) ? -1 : 0;
}

int
main(int argc, char **argv)
{
	char *eal[] = { argv[0], "--no-huge", "-m", "1024", "--no-pci",
			"--no-shconf", "-l", "0", "--log-level", "*:error" };
	unsigned int nb_pols = argc > 1 ? (unsigned int)atoi(argv[1]) : 1000;
	unsigned int nb_pods = argc > 2 ? (unsigned int)atoi(argv[2]) : 1000;
	struct ps_prefix4 cidr;
	struct pol_ctx *c = NULL;
	uint64_t best = UINT64_MAX, allowed = 0;
	volatile uint64_t sink = 0;
	uint32_t slots[2];
	unsigned int i, k, nb;

	if (getenv("APPS") != NULL)
		apps = (unsigned int)atoi(getenv("APPS"));
	if (rte_eal_init(RTE_DIM(eal), eal) < 0 || nb_pods > 4000 ||
	    apps < 10 || apps % 10 != 0)
		return 1;
	ps_parse_prefix4("10.244.0.0/20", &cidr);
	if (build(nb_pols, nb_pods) < 0)
		return 1;
	for (i = 0; i < 3; i++) {
		double c0 = cpu_now();

		pol_ctx_free(c);
		if (pol_compile(&m, &cidr, i, &c) < 0)
			return 1;
		best = RTE_MIN(best, (uint64_t)((cpu_now() - c0) * 1e6));
	}
	printf("policies %u pods %u apps %u: %u rules, %u pods isolated in "
	       "%u groups\n", m.nb_pols, m.nb_pods, apps, c->nb_rules,
	       c->nb_isolated, c->nb_groups);
	printf("compile (whole generation, CPU time, best of 3): %.1f ms\n",
	       (double)best / 1e3);
	printf("classifier memory: %.1f MiB (rte_acl), per-host arrays "
	       "%u KiB\n", (double)c->mem_bytes / (1 << 20),
	       (c->host_mask + 1) * 9 / 1024);
	/* first packets between local pods (both ends isolated: two
	 * lookups), then from outside on 443 (ingress only: one) */
	for (k = 0; k < 2; k++) {
		double c0 = cpu_now();

		allowed = 0;
		for (i = 0; i < 1000000; i++) {
			uint32_t a = (i * 2654435761u) % nb_pods + 2;
			uint32_t b = (i * 40503u + 7) % nb_pods + 2;
			uint16_t port = k ? 443 : i % 2 ? 80 : 8080;
			uint32_t src = rte_cpu_to_be_32(k ? 0x0a010000u + i :
				0x0af40000u + a / 250 * 256 + a % 250 + 1);
			uint32_t dst = rte_cpu_to_be_32(0x0af40000u +
				b / 250 * 256 + b % 250 + 1);

			allowed += pol_check(c, IPPROTO_TCP, src, dst,
					     rte_cpu_to_be_16(port), slots,
					     &nb) == POL_ALLOW;
		}
		printf("first-packet check, %s: %.0f cycles (%" PRIu64
		       " of 1000000 allowed)\n", k ? "from outside, ingress "
		       "only" : "pod to pod, egress and ingress",
		       (cpu_now() - c0) * (double)rte_get_tsc_hz() / 1e6,
		       allowed);
	}
	{
		double c0 = cpu_now();

		for (i = 0; i < 100000000; i++)
			sink += pol_host_flags(c, rte_cpu_to_be_32(
				0x0af40000u + (i & 0xfff)));
		printf("flag test: %.1f cycles\n", (cpu_now() - c0) *
		       (double)rte_get_tsc_hz() / 1e8);
	}
	pol_ctx_free(c);
	pol_model_clear(&m);
	rte_eal_cleanup();
	return sink == UINT64_MAX;
}
