/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Kubernetes JSON (modules/service): any text as a Service, an EndpointSlice or
 * a List of them. What parses is applied to a real service table, read
 * back in Kubernetes shapes, and deleted again, so that each input starts
 * from an empty table.
 */
#include <string.h>

#include <jansson.h>

#include <rte_eal.h>

#include <podswitch/config.h>
#include <podswitch/service.h>

#include "test_common.h"
#include "fuzz_harness.h"

static struct ps_svc_table *tbl;

/* before EAL's cleanup, registered earlier */
static void
fini(void)
{
	ps_svc_free(tbl);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct ps_svc_table_params p = {
		.name = "fuzz", .services = 64, .endpoints = 1024,
		.affinity = 256, .nb_workers = 1, .node_name = "node-a",
		.socket = 0,
	};

	(void)argc;
	if (ps_test_eal_init((*argv)[0]) < 0)
		return -1;
	tbl = ps_svc_create(&p);
	if (tbl == NULL)
		return -1;
	atexit(fini);
	return 0;
}

static void
read_back(const struct ps_k8s_doc *doc)
{
	unsigned int i;
	json_t *j;

	for (i = 0; i < doc->nb_svcs; i++) {
		const struct ps_svc_spec *s = ps_svc_get(tbl, doc->svcs[i].ns,
							 doc->svcs[i].name);

		FUZZ_CHECK(s != NULL, "applied service %s/%s not found\n",
			   doc->svcs[i].ns, doc->svcs[i].name);
		j = ps_k8s_svc_to_json(s);
		json_decref(j);
	}
	for (i = 0; i < doc->nb_slices; i++) {
		j = ps_k8s_slice_to_json(&doc->slices[i]);
		json_decref(j);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ps_errors errs = { 0 };
	struct ps_svc_stats st;
	struct ps_k8s_doc doc;
	unsigned int i;

	memset(&doc, 0, sizeof(doc));
	if (ps_k8s_parse((const char *)data, size, &doc, &errs) != 0) {
		FUZZ_CHECK(errs.count > 0, "document refused without a reason\n");
		FUZZ_CHECK(doc.nb_svcs == 0 && doc.nb_slices == 0,
			   "refused document not left empty\n");
		ps_errors_free(&errs);
		return 0;
	}
	if (ps_svc_apply(tbl, &doc, &errs) == 0)
		read_back(&doc);
	for (i = 0; i < doc.nb_svcs; i++)
		ps_svc_delete(tbl, doc.svcs[i].ns, doc.svcs[i].name);
	for (i = 0; i < doc.nb_slices; i++)
		ps_svc_slice_delete(tbl, doc.slices[i].ns, doc.slices[i].name);
	ps_svc_age(tbl);
	ps_svc_reclaim(tbl);
	ps_svc_stats(tbl, &st);
	FUZZ_CHECK(st.services == 0 && st.slices == 0,
		   "%u services, %u slices left after deleting all\n",
		   st.services, st.slices);
	ps_k8s_doc_free(&doc);
	ps_errors_free(&errs);
	return 0;
}
