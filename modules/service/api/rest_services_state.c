/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Services and their EndpointSlices in the state directory: one
 * Kubernetes List, applied again (POST /v1/apply); when it is refused
 * whole, each Service with its own slices (one bad object costs only
 * itself).
 */
#include <stdlib.h>
#include <string.h>

#include <podswitch/service.h>

#include "rest_private.h"

static int
svc_item_cb(const struct ps_svc_spec *s, void *arg)
{
	json_array_append_new(arg, ps_k8s_svc_to_json(s));
	return 0;
}

static int
slice_item_cb(const struct ps_eps_spec *s, void *arg)
{
	json_array_append_new(arg, ps_k8s_slice_to_json(s));
	return 0;
}

/* Every stored Service and EndpointSlice, as one Kubernetes List. */
static json_t *
services_save(const struct ps_dataplane *dp)
{
	json_t *items = json_array();

	ps_svc_walk(dp->svcs, svc_item_cb, items);
	ps_svc_slice_walk(dp->svcs, slice_item_cb, items);
	return json_pack("{s:s, s:s, s:o}", "apiVersion", "v1", "kind",
			 "List", "items", items);
}

static int
apply_items(struct ps_rest *r, json_t *items, char *why, size_t why_size)
{
	json_t *list = json_pack("{s:s, s:s, s:O}", "apiVersion", "v1",
				 "kind", "List", "items", items);
	char *body = json_dumps(list, JSON_COMPACT);
	int status = 500;

	if (body != NULL)
		status = rest_replay(r, "POST", "/v1/apply", body,
				     strlen(body), why, why_size);
	else
		snprintf(why, why_size, "out of memory");
	free(body);
	json_decref(list);
	return status;
}

static const char *
item_service(const json_t *it, bool *is_svc)
{
	const json_t *md = json_object_get(it, "metadata");
	const char *kind = json_string_value(json_object_get(it, "kind"));

	*is_svc = kind != NULL && strcmp(kind, "Service") == 0;
	if (*is_svc)
		return json_string_value(json_object_get(md, "name"));
	return json_string_value(json_object_get(json_object_get(md,
		"labels"), "kubernetes.io/service-name"));
}

static bool
same_ns(const json_t *a, const json_t *b)
{
	const char *x = json_string_value(json_object_get(json_object_get(a,
		"metadata"), "namespace"));
	const char *y = json_string_value(json_object_get(json_object_get(b,
		"metadata"), "namespace"));

	return x != NULL && y != NULL && strcmp(x, y) == 0;
}

/* Each Service with its own slices, when the List as a whole was
 * refused. */
static unsigned int
services_restore(struct ps_rest *r, const json_t *doc, unsigned int *refused)
{
	json_t *items = json_object_get(doc, "items"), *it, *jt;
	unsigned int ok = 0;
	char why[1024];
	size_t i, j;

	if (!json_is_array(items)) {
		rest_state_refused("services", (*refused)++, "the List",
				   "no items");
		return 0;
	}
	json_array_foreach(items, i, it) {
		const char *name;
		json_t *group;
		bool svc, s2;

		name = item_service(it, &svc);
		if (!svc || name == NULL)
			continue;
		group = json_array();
		json_array_append(group, it);
		json_array_foreach(items, j, jt) {
			const char *n2 = item_service(jt, &s2);

			if (!s2 && n2 != NULL && strcmp(n2, name) == 0 &&
			    same_ns(it, jt))
				json_array_append(group, jt);
		}
		if (apply_items(r, group, why, sizeof(why)) < 300)
			ok++;
		else
			rest_state_refused("services", (*refused)++, name,
					   why);
		json_decref(group);
	}
	return ok;
}

static unsigned int
services_count(const struct ps_dataplane *dp)
{
	struct ps_svc_stats st;

	ps_svc_stats(dp->svcs, &st);
	return st.services;
}

static const char *const services_resources[] = { "services", "apply",
	NULL };

static struct rest_state_kind services_state = {
	.name = "services",
	.rank = 20,
	.resources = services_resources,
	.save = services_save,
	.restore_method = "POST",
	.restore_path = "/v1/apply",
	.count = services_count,
	.restore_items = services_restore,
};

PS_REST_STATE(services_state);
