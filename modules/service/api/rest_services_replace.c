/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * PUT /v1/services: the whole service set from a Kubernetes List, as a
 * node agent sends it after every (re)list, so that objects deleted in
 * the cluster meanwhile leave the dataplane. All or nothing.
 * POST /v1/apply: the Services and EndpointSlices of a List (or one of
 * them) added or replaced, the others left alone; the kinds other
 * modules registered (rest_apply_kind: Namespace, Pod, NetworkPolicy)
 * go to them, with the same add-or-replace semantics, checked before
 * anything changes.
 *
 * A List from a cluster carries what the dataplane does not serve: other
 * kinds, SCTP ports, IPv6-only services and slices. Those are skipped with
 * a reason in the answer ("skipped"), so that one such object does not
 * hold back the whole cluster's services; only a malformed object fails
 * the request. IPv6 ones are stored and listed (the parser marks them),
 * other kinds and SCTP ports are dropped before parsing.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
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

static bool
has_sctp_port(const json_t *item)
{
	const json_t *p;
	size_t i;

	json_array_foreach(json_object_get(json_object_get(item, "spec"),
					   "ports"), i, p) {
		const char *proto = json_string_value(
			json_object_get(p, "protocol"));

		if (proto != NULL && strcmp(proto, "SCTP") == 0)
			return true;
	}
	return false;
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
 * out. Items that are not objects stay for the parser to refuse.
 * orig[k] is the body's index of the k-th item kept. */
static json_t *
served_items(const json_t *items, const char *list_kind, json_t *skipped,
	     size_t *orig, bool apply)
{
	json_t *out = json_array(), *item;
	size_t i;

	json_array_foreach(items, i, item) {
		const char *kind = json_string_value(
			json_object_get(item, "kind"));
		char path[32], reason[96];
		json_t *copy;

		/* a ServiceList's items may leave their kind out */
		if (kind == NULL && strcmp(list_kind, "ServiceList") == 0)
			kind = "Service";

		snprintf(path, sizeof(path), "items[%zu]", i);
		/* apply hands them to the module that serves them */
		if (apply && rest_apply_kind_find(kind) != NULL)
			continue;
		if (json_is_object(item) && kind != NULL &&
		    strcmp(kind, "Service") != 0 &&
		    strcmp(kind, "EndpointSlice") != 0) {
			snprintf(reason, sizeof(reason), "kind %.40s: not "
				 "served", kind);
			skip_note(skipped, path, item, kind, reason);
			continue;
		}
		/* only what changes is copied: 20,000 deep copies were a
		 * good part of a big replace */
		if (kind != NULL && strcmp(kind, "Service") == 0 &&
		    has_sctp_port(item)) {
			copy = json_deep_copy(item);
			if (!drop_sctp_ports(copy, path, skipped)) {
				json_decref(copy);
				continue;
			}
		} else {
			copy = json_incref(item);
		}
		orig[json_array_size(out)] = i;
		json_array_append_new(out, copy);
	}
	return out;
}

/* "items[k]..." of the parsed list back to the body's "items[orig[k]]...",
 * so that errors and reasons name the item the client sent. */
static char *
body_path(const char *s, const size_t *orig, size_t n)
{
	char *end, *out;
	unsigned long k;

	if (strncmp(s, "items[", 6) != 0)
		return NULL;
	k = strtoul(s + 6, &end, 10);
	if (*end != ']' || k >= n ||
	    asprintf(&out, "items[%zu]%s", orig[k], end + 1) < 0)
		return NULL;
	return out;
}

static void
remap_errors(struct ps_errors *errs, const size_t *orig, size_t n)
{
	unsigned int i;

	for (i = 0; i < errs->count; i++) {
		char *m = body_path(errs->msgs[i], orig, n);

		if (m != NULL) {
			free(errs->msgs[i]);
			errs->msgs[i] = m;
		}
	}
}

static void
remap_doc(struct ps_k8s_doc *doc, const size_t *orig, size_t n)
{
	unsigned int i;
	char *m;

	for (i = 0; i < doc->nb_svcs; i++)
		if ((m = body_path(doc->svcs[i].path, orig, n)) != NULL) {
			snprintf(doc->svcs[i].path, sizeof(doc->svcs[i].path),
				 "%s", m);
			free(m);
		}
	for (i = 0; i < doc->nb_slices; i++)
		if ((m = body_path(doc->slices[i].path, orig, n)) != NULL) {
			snprintf(doc->slices[i].path,
				 sizeof(doc->slices[i].path), "%s", m);
			free(m);
		}
}

/* What the parser stored without programming (IPv6, headless...). */
static void
doc_skipped(const struct ps_k8s_doc *doc, json_t *skipped)
{
	unsigned int i;

	for (i = 0; i < doc->nb_svcs; i++)
		if (doc->svcs[i].skip_reason[0] != '\0')
			json_array_append_new(skipped, json_pack(
				"{s:s,s:s,s:s,s:s,s:s}", "path",
				doc->svcs[i].path, "kind", "Service",
				"namespace", doc->svcs[i].ns, "name",
				doc->svcs[i].name, "reason",
				doc->svcs[i].skip_reason));
	for (i = 0; i < doc->nb_slices; i++)
		if (doc->slices[i].skip_reason[0] != '\0')
			json_array_append_new(skipped, json_pack(
				"{s:s,s:s,s:s,s:s,s:s}", "path",
				doc->slices[i].path, "kind", "EndpointSlice",
				"namespace", doc->slices[i].ns, "name",
				doc->slices[i].name, "reason",
				doc->slices[i].skip_reason));
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

static void
rest_services_put(struct ps_rest *r, const struct ps_http_request *req,
		  struct ps_http_response *resp, const char *arg)
{
	static const char *const actions[] = { "added", "changed", "removed" };
	struct replace_report rp;
	struct ps_errors errs = { 0 };
	struct ps_k8s_doc doc;
	unsigned int same_svcs = 0, same_slices = 0, i;
	json_t *j = rest_body(req, resp), *skipped, *items, *list, *o;
	size_t *orig = NULL, n;
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
	orig = malloc(sizeof(*orig) * (json_array_size(items) + 1));
	if (orig == NULL) {
		ps_http_json_error(resp, 500, "internal_error",
				   "out of memory");
		json_decref(j);
		goto out;
	}
	list = json_pack("{s:s,s:o}", "kind", kind, "items",
			 items ? served_items(items, kind, skipped, orig,
					      false) :
			 json_array());
	json_decref(j);
	n = json_array_size(json_object_get(list, "items"));
	rc = ps_k8s_parse_json(list, &doc, &errs);
	json_decref(list);
	if (rc < 0) {
		remap_errors(&errs, orig, n);
		rest_reply_errors(resp, rc, &errs);
		goto out;
	}
	remap_doc(&doc, orig, n);
	for (i = 0; i < 3; i++) {
		rp.svcs[i] = json_array();
		rp.slices[i] = json_array();
	}
	rc = ps_svc_replace_all(r->dp->svcs, &doc, report_cb, &rp, &same_svcs,
				&same_slices, &errs);
	if (rc < 0) {
		rest_reply_errors(resp, rc, &errs);
	} else {
		doc_skipped(&doc, skipped);
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
	free(orig);
	json_decref(skipped);
	ps_errors_free(&errs);
}

static bool
is_list_kind(const char *kind)
{
	return kind != NULL && (strcmp(kind, "List") == 0 ||
				strcmp(kind, "ServiceList") == 0 ||
				strcmp(kind, "EndpointSliceList") == 0);
}

/*
 * The part of an apply body podswitch parses: a List's served items
 * (orig[k] the body's index of the k-th), or the one object, SCTP ports
 * out. NULL when nothing is left (an SCTP-only Service).
 */
static json_t *
apply_served(const json_t *j, json_t *skipped, size_t *orig)
{
	const char *kind = json_string_value(json_object_get(j, "kind"));
	const json_t *items = json_object_get(j, "items");
	json_t *copy;

	if (is_list_kind(kind) && json_is_array(items))
		return json_pack("{s:s,s:o}", "kind", kind, "items",
				 served_items(items, kind, skipped, orig,
					      true));
	/* a kind (or a list of one) another module serves */
	if (rest_apply_kind_find(kind) != NULL)
		return NULL;
	if (kind == NULL || strcmp(kind, "Service") != 0 ||
	    !has_sctp_port(j))
		return json_incref((json_t *)(uintptr_t)j);
	copy = json_deep_copy(j);
	if (!drop_sctp_ports(copy, "(root)", skipped)) {
		json_decref(copy);
		return NULL;
	}
	return copy;
}

static void
rest_apply_post(struct ps_rest *r, const struct ps_http_request *req,
		struct ps_http_response *resp, const char *arg)
{
	struct ps_errors errs = { 0 };
	struct ps_k8s_doc doc = { 0 };
	json_t *j = rest_body(req, resp), *skipped, *served = NULL;
	json_t *others = NULL;
	size_t *orig, n = 0;
	int rc = 0;

	RTE_SET_USED(arg);
	if (j == NULL)
		return;
	skipped = json_array();
	others = json_object();
	orig = malloc(sizeof(*orig) *
		      (json_array_size(json_object_get(j, "items")) + 1));
	if (orig == NULL) {
		ps_http_json_error(resp, 500, "internal_error",
				   "out of memory");
		goto out;
	}
	/* the other kinds first, checked only: all or nothing */
	rc = rest_apply_kinds(r, j, false, others, skipped, &errs);
	if (rc < 0) {
		rest_reply_errors(resp, rc, &errs);
		goto out;
	}
	json_object_clear(others);
	json_array_clear(skipped);
	served = apply_served(j, skipped, orig);
	if (served != NULL) {
		n = json_array_size(json_object_get(served, "items"));
		rc = ps_k8s_parse_json(served, &doc, &errs);
		if (rc == 0) {
			remap_doc(&doc, orig, n);
			rc = ps_svc_apply(r->dp->svcs, &doc, &errs);
		}
	}
	if (rc < 0) {
		remap_errors(&errs, orig, n);
		rest_reply_errors(resp, rc, &errs);
		goto out;
	}
	rc = rest_apply_kinds(r, j, true, others, skipped, &errs);
	if (rc < 0) {
		rest_reply_errors(resp, rc, &errs);
		goto out;
	}
	doc_skipped(&doc, skipped);
	json_object_set_new(others, "services", json_integer(doc.nb_svcs));
	json_object_set_new(others, "endpointSlices",
			    json_integer(doc.nb_slices));
	json_object_set(others, "skipped", skipped);
	rest_reply(resp, 200, json_incref(others));
out:
	json_decref(others);
	ps_k8s_doc_free(&doc);
	ps_errors_free(&errs);
	json_decref(served);
	json_decref(skipped);
	json_decref(j);
	free(orig);
}

PS_REST_ROUTE("PUT", "/v1/services", rest_services_put);
PS_REST_ROUTE("POST", "/v1/apply", rest_apply_post);
