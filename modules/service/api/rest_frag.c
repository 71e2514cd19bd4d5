/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The fragment tables of the service path (svc_frag.h) in GET /v1/stats
 * ("fragments", summed over the workers) and /metrics.
 */
#include <inttypes.h>
#include <stddef.h>

#include <podswitch/dataplane.h>

#include "rest_private.h"
#include "service_dp.h"
#include "svc_frag.h"

static const struct {
	const char *name;
	size_t off;
	const char *help;
} frag_fields[] = {
#define F(n, h) { #n, offsetof(struct svc_frag_stats, n), h }
	F(tracked, "First fragments recorded."),
	F(translated, "Later fragments given their first's addresses."),
	F(passed, "Later fragments of datagrams passed untranslated."),
	F(held, "Later fragments held until their first came."),
	F(table_full, "Later fragments dropped: fragment table full."),
	F(hold_full, "Later fragments dropped: no room to hold them."),
	F(of_dropped, "Later fragments dropped with their first."),
	F(expired, "Held fragments freed: their first never came."),
	F(in_use, "Fragment table entries in use."),
#undef F
};

static void
frag_sum(const struct ps_dataplane *dp, struct svc_frag_stats *sum)
{
	unsigned int w, k;

	memset(sum, 0, sizeof(*sum));
	for (w = 0; w < dp->nb_workers && w < PS_MAX_WORKERS; w++) {
		const struct svc_frag *f = ps_svc_dp.frag[w];

		for (k = 0; f != NULL && k < RTE_DIM(frag_fields); k++)
			*(uint64_t *)((char *)sum + frag_fields[k].off) +=
				*(const volatile uint64_t *)(
					(const char *)&f->st +
					frag_fields[k].off);
	}
}

static json_t *
frag_stats(const struct ps_dataplane *dp)
{
	struct svc_frag_stats sum;
	json_t *o = json_object();
	unsigned int k;

	frag_sum(dp, &sum);
	for (k = 0; k < RTE_DIM(frag_fields); k++)
		json_object_set_new(o, frag_fields[k].name, json_integer(
			(json_int_t)*(uint64_t *)((char *)&sum +
						  frag_fields[k].off)));
	json_object_set_new(o, "size", json_integer(
		(json_int_t)SVC_FRAG_ENTRIES * dp->nb_workers));
	return o;
}

static void
frag_metrics(const struct ps_dataplane *dp, struct ps_prom *p)
{
	struct svc_frag_stats sum;
	char name[64];
	unsigned int k;

	frag_sum(dp, &sum);
	for (k = 0; k < RTE_DIM(frag_fields); k++) {
		bool gauge = frag_fields[k].off ==
			     offsetof(struct svc_frag_stats, in_use);

		snprintf(name, sizeof(name), "podswitch_fragments_%s%s",
			 frag_fields[k].name, gauge ? "" : "_total");
		ps_prom_add(ps_prom_family(p, name, gauge ? PS_PROM_GAUGE :
					   PS_PROM_COUNTER, frag_fields[k].help),
			    *(uint64_t *)((char *)&sum + frag_fields[k].off),
			    NULL);
	}
}

static struct rest_ext frag_ext = {
	.name = "fragments",
	.stats = frag_stats,
	.metrics = frag_metrics,
};

PS_REST_EXT(frag_ext);
