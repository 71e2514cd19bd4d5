/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * PUT /v1/services: the whole service set from a Kubernetes List, as a
 * node agent sends it after every (re)list, so that objects deleted in
 * the cluster meanwhile leave the dataplane. All or nothing.
 *
 * A List from a cluster carries what the dataplane does not serve: other
 * kinds, SCTP ports, IPv6-only services and slices. Those are skipped with
 * a reason in the answer ("skipped"), so that one such object does not
 * hold back the whole cluster's services; only a malformed object fails
 * the request. IPv6 ones are stored and listed (the parser marks them),
 * other kinds and SCTP ports are dropped before parsing.
 */
#include <errno.h>
#include <string.h>

#include <podswitch/service.h>

#include "rest_private.h"

static void
skip_note(json_t *skipped, const char *path, const json_t *item,
	  const char *kind, const char *reason)
{
	const json_t *md = json_object_get(item, "metadata");
	const char *ns = json_string_value(json_object_get(md, "namespace"));
	const char *name = json_string_value(json_object_get(md, "name"));

	json_array_append_new(skipped, json_pack("{s:s,s:s,s:s,s:s,s:s}",
		"path", path, "kind", kind, "namespace", ns ? ns : "",
		"name", name ? name : "", "reason", reason));
}

/* Drops the SCTP ports of a Service item (an SCTP-only one entirely:
 * returns false). */
static bool
drop_sctp_ports(json_t *item, const char *path, json_t *skipped)
{
	json_t *ports = json_object_get(json_object_get(item, "spec"),
					"ports");
	size_t i, before;
	char reason[96];

	if (!json_is_array(ports))
		return true;
	before = json_array_size(ports);
	for (i = 0; i < json_array_size(ports);) {
		const json_t *p = json_array_get(ports, i);
		const char *proto = json_string_value(
			json_object_get(p, "protocol"));

		if (proto != NULL && strcmp(proto, "SCTP") == 0) {
			snprintf(reason, sizeof(reason), "port %lld/SCTP: "
				 "SCTP is not served", json_integer_value(
				 json_object_get(p, "port")));
			skip_note(skipped, path, item, "Service", reason);
			json_array_remove(ports, i);
		} else {
			i++;
		}
	}
	return before == 0 || json_array_size(ports) > 0;
}

/* The items podswitch parses: Services and EndpointSlices, SCTP ports
 * out. Items that are not objects stay for the parser to refuse. */
static json_t *
served_items(const json_t *items, json_t *skipped)
{
	json_t *out = json_array(), *item;
	size_t i;

	json_array_foreach(items, i, item) {
		const char *kind = json_string_value(
			json_object_get(item, "kind"));
		char path[32], reason[96];
		json_t *copy;

		snprintf(path, sizeof(path), "items[%zu]", i);
		if (json_is_object(item) && kind != NULL &&
		    strcmp(kind, "Service") != 0 &&
		    strcmp(kind, "EndpointSlice") != 0) {
			snprintf(reason, sizeof(reason), "kind %.40s: not "
				 "served", kind);
			skip_note(skipped, path, item, kind, reason);
			continue;
		}
		copy = json_deep_copy(item);
		if (kind != NULL && strcmp(kind, "Service") == 0 &&
		    !drop_sctp_ports(copy, path, skipped)) {
			json_decref(copy);
			continue;
		}
		json_array_append_new(out, copy);
	}
	return out;
}

struct replace_report {
	json_t *svcs[3];	/* added, changed, removed: "ns/name" */
	json_t *slices[3];
};

static void
report_cb(const char *action, const char *kind, const char *ns,
	  const char *name, void *arg)
{
	struct replace_report *rp = arg;
	int a = strcmp(action, "added") == 0 ? 0 :
		strcmp(action, "changed") == 0 ? 1 : 2;
	json_t *arr = strcmp(kind, "Service") == 0 ? rp->svcs[a] :
		      rp->slices[a];
	char buf[2 * PS_K8S_NAME_MAX];

	snprintf(buf, sizeof(buf), "%s/%s", ns, name);
	json_array_append_new(arr, json_string(buf));
}

void
rest_services_put(struct ps_rest *r, const struct ps_http_request *req,
		  struct ps_http_response *resp, const char *arg)
{
	static const char *const actions[] = { "added", "changed", "removed" };
	struct replace_report rp;
	struct ps_errors errs = { 0 };
	struct ps_k8s_doc doc;
	unsigned int same_svcs = 0, same_slices = 0, i;
	json_t *j = rest_body(req, resp), *skipped, *items, *list, *o;
	const char *kind;
	int rc;

	RTE_SET_USED(arg);
	if (j == NULL)
		return;
	kind = json_string_value(json_object_get(j, "kind"));
	items = json_object_get(j, "items");
	if (!json_is_object(j) || kind == NULL ||
	    (strcmp(kind, "List") != 0 && strcmp(kind, "ServiceList") != 0 &&
	     strcmp(kind, "EndpointSliceList") != 0) ||
	    (items != NULL && !json_is_array(items))) {
		rest_bad(resp, "$: expected a Kubernetes List of Services and "
			 "EndpointSlices (kind List, items [...])");
		json_decref(j);
		return;
	}
	skipped = json_array();
	list = json_pack("{s:s,s:o}", "kind", kind, "items",
			 served_items(items ? items : json_array(), skipped));
	json_decref(j);
	rc = ps_k8s_parse_json(list, &doc, &errs);
	json_decref(list);
	if (rc < 0) {
		rest_reply_errors(resp, rc, &errs);
		goto out;
	}
	for (i = 0; i < 3; i++) {
		rp.svcs[i] = json_array();
		rp.slices[i] = json_array();
	}
	rc = ps_svc_replace_all(r->dp->svcs, &doc, report_cb, &rp, &same_svcs,
				&same_slices, &errs);
	if (rc < 0) {
		rest_reply_errors(resp, rc, &errs);
	} else {
		for (i = 0; i < doc.nb_svcs; i++)
			if (doc.svcs[i].skip_reason[0] != '\0')
				json_array_append_new(skipped, json_pack(
					"{s:s,s:s,s:s,s:s,s:s}", "path",
					doc.svcs[i].path, "kind", "Service",
					"namespace", doc.svcs[i].ns, "name",
					doc.svcs[i].name, "reason",
					doc.svcs[i].skip_reason));
		for (i = 0; i < doc.nb_slices; i++)
			if (doc.slices[i].skip_reason[0] != '\0')
				json_array_append_new(skipped, json_pack(
					"{s:s,s:s,s:s,s:s,s:s}", "path",
					doc.slices[i].path, "kind",
					"EndpointSlice", "namespace",
					doc.slices[i].ns, "name",
					doc.slices[i].name, "reason",
					doc.slices[i].skip_reason));
		o = json_object();
		for (i = 0; i < 3; i++) {
			json_object_set_new(o, actions[i], json_pack(
				"{s:O,s:O}", "services", rp.svcs[i],
				"endpointSlices", rp.slices[i]));
		}
		json_object_set_new(o, "unchanged", json_pack("{s:i,s:i}",
			"services", (int)same_svcs, "endpointSlices",
			(int)same_slices));
		json_object_set_new(o, "skipped", json_incref(skipped));
		REST_LOG(INFO, "services replaced: %u services, %u slices "
			 "(+%zu ~%zu -%zu services)\n", doc.nb_svcs,
			 doc.nb_slices, json_array_size(rp.svcs[0]),
			 json_array_size(rp.svcs[1]),
			 json_array_size(rp.svcs[2]));
		rest_reply(resp, 200, o);
	}
	for (i = 0; i < 3; i++) {
		json_decref(rp.svcs[i]);
		json_decref(rp.slices[i]);
	}
	ps_k8s_doc_free(&doc);
out:
	json_decref(skipped);
	ps_errors_free(&errs);
}
