/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The objects of NetworkPolicy enforcement over REST (docs/policy.md):
 * PUT|DELETE /v1/namespaces/{name}, /v1/pods/{ns}/{name},
 * /v1/networkpolicies/{ns}/{name} (the body: the object as kubectl
 * prints it), the same kinds in POST /v1/apply (add or replace, like
 * Services there), GET /v1/policies[/{ns}/{name}] with counters, and
 * the "policy" block of GET /v1/stats and /metrics.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "pol_state.h"
#include "rest_private.h"

/* apply ------------------------------------------------------------------ */

static int
apply_ns(struct ps_rest *r, const json_t *o, const char *path, bool commit,
	 json_t *skipped, struct ps_errors *errs)
{
	RTE_SET_USED(r);
	return pol_take(POL_K_NAMESPACE, o, path, commit, skipped, errs);
}

static int
apply_pod(struct ps_rest *r, const json_t *o, const char *path, bool commit,
	  json_t *skipped, struct ps_errors *errs)
{
	RTE_SET_USED(r);
	return pol_take(POL_K_POD, o, path, commit, skipped, errs);
}

static int
apply_pol(struct ps_rest *r, const json_t *o, const char *path, bool commit,
	  json_t *skipped, struct ps_errors *errs)
{
	RTE_SET_USED(r);
	return pol_take(POL_K_POLICY, o, path, commit,
			commit ? skipped : NULL, errs);
}

static void
apply_done(struct ps_rest *r)
{
	RTE_SET_USED(r);
	pol_commit(true);
}

static struct rest_apply_kind ns_kind = {
	.kind = "Namespace", .list_kind = "NamespaceList",
	.answer_key = "namespaces", .apply_one = apply_ns, .done = apply_done,
};
static struct rest_apply_kind pod_kind = {
	.kind = "Pod", .list_kind = "PodList",
	.answer_key = "pods", .apply_one = apply_pod, .done = apply_done,
};
static struct rest_apply_kind pol_kind = {
	.kind = "NetworkPolicy", .list_kind = "NetworkPolicyList",
	.answer_key = "networkPolicies", .apply_one = apply_pol,
	.done = apply_done,
};
PS_REST_APPLY_KIND(ns_kind);
PS_REST_APPLY_KIND(pod_kind);
PS_REST_APPLY_KIND(pol_kind);

/* PUT and DELETE per object ---------------------------------------------- */

/* The {ns}/{name} (or {name} alone for namespaces) of the path. */
static bool
path_names(const struct ps_http_request *req, struct ps_http_response *resp,
	   char *buf, size_t size, bool with_ns, const char **ns,
	   const char **name)
{
	const char *seg[6];
	int n = ps_http_path_segments(req->path, buf, size, seg, RTE_DIM(seg));
	int want = with_ns ? 4 : 3;

	if (n != want || seg[2][0] == '\0' || seg[want - 1][0] == '\0') {
		rest_bad(resp, "expected /v1/%s/%s{name}", n > 1 ? seg[1] : "",
			 with_ns ? "{namespace}/" : "");
		return false;
	}
	*ns = with_ns ? seg[2] : NULL;
	*name = seg[want - 1];
	return true;
}

/* The body with the path's namespace and name where it has none; NULL
 * after answering 400 when it names others. */
static json_t *
body_for(const struct ps_http_request *req, struct ps_http_response *resp,
	 const char *ns, const char *name)
{
	json_t *j = rest_body(req, resp), *md;
	const char *bn, *bns;

	if (j == NULL)
		return NULL;
	if (!json_is_object(j)) {
		rest_bad(resp, "$: expected a Kubernetes object");
		json_decref(j);
		return NULL;
	}
	md = json_object_get(j, "metadata");
	if (md == NULL) {
		md = json_object();
		json_object_set_new(j, "metadata", md);
	}
	bn = json_string_value(json_object_get(md, "name"));
	bns = json_string_value(json_object_get(md, "namespace"));
	if ((bn != NULL && strcmp(bn, name) != 0) ||
	    (ns != NULL && bns != NULL && strcmp(bns, ns) != 0)) {
		rest_bad(resp, "$.metadata: names %s/%s, the path %s/%s",
			 bns ? bns : "", bn ? bn : "", ns ? ns : "", name);
		json_decref(j);
		return NULL;
	}
	json_object_set_new(md, "name", json_string(name));
	if (ns != NULL)
		json_object_set_new(md, "namespace", json_string(ns));
	return j;
}

static void
put_obj(enum pol_kind k, const struct ps_http_request *req,
	struct ps_http_response *resp)
{
	struct ps_errors errs = { 0 };
	const char *ns, *name;
	json_t *j, *skipped;
	char buf[1024];
	int rc;

	if (!path_names(req, resp, buf, sizeof(buf), k != POL_K_NAMESPACE,
			&ns, &name))
		return;
	j = body_for(req, resp, ns, name);
	if (j == NULL)
		return;
	skipped = json_array();
	rc = pol_take(k, j, "$", true, skipped, &errs);
	if (rc < 0) {
		rest_reply_errors(resp, rc, &errs);
	} else {
		pol_changed();
		rest_reply(resp, 200, json_pack("{s:s,s:s,s:O}", "namespace",
			   ns ? ns : "", "name", name, "skipped", skipped));
	}
	json_decref(skipped);
	json_decref(j);
	ps_errors_free(&errs);
}

static void
del_obj(enum pol_kind k, const struct ps_http_request *req,
	struct ps_http_response *resp)
{
	struct pol_model *m = pol_model_live();
	struct pol_policy *p;
	const char *ns, *name;
	char buf[1024];
	int rc;

	if (!path_names(req, resp, buf, sizeof(buf), k != POL_K_NAMESPACE,
			&ns, &name))
		return;
	if (k == POL_K_NAMESPACE) {
		rc = pol_model_del_namespace(m, name);
	} else if (k == POL_K_POD) {
		rc = pol_model_del_pod(m, ns, name);
	} else {
		p = pol_model_policy(m, ns, name);
		if (p != NULL)
			pol_slots_give(p);
		rc = pol_model_del_policy(m, ns, name);
	}
	if (rc < 0) {
		ps_http_json_error(resp, 404, "not_found", "no %s %s%s%s",
				   k == POL_K_NAMESPACE ? "namespace" :
				   k == POL_K_POD ? "pod" : "networkpolicy", ns ? ns : "",
				   ns ? "/" : "", name);
		return;
	}
	pol_changed();
	resp->status = 204;
}

#define OBJ_HANDLERS(fn, k)						\
	static void							\
	rest_put_##fn(struct ps_rest *r,				\
		      const struct ps_http_request *req,		\
		      struct ps_http_response *resp, const char *arg)	\
	{								\
		RTE_SET_USED(r);					\
		RTE_SET_USED(arg);					\
		put_obj(k, req, resp);					\
	}								\
	static void							\
	rest_del_##fn(struct ps_rest *r,				\
		      const struct ps_http_request *req,		\
		      struct ps_http_response *resp, const char *arg)	\
	{								\
		RTE_SET_USED(r);					\
		RTE_SET_USED(arg);					\
		del_obj(k, req, resp);					\
	}

OBJ_HANDLERS(ns, POL_K_NAMESPACE)
OBJ_HANDLERS(pod, POL_K_POD)
OBJ_HANDLERS(pol, POL_K_POLICY)

PS_REST_ROUTE("PUT", "/v1/namespaces/*", rest_put_ns);
PS_REST_ROUTE("DELETE", "/v1/namespaces/*", rest_del_ns);
PS_REST_ROUTE("PUT", "/v1/pods/*/*", rest_put_pod);
PS_REST_ROUTE("DELETE", "/v1/pods/*/*", rest_del_pod);
PS_REST_ROUTE("PUT", "/v1/networkpolicies/*/*", rest_put_pol);
PS_REST_ROUTE("DELETE", "/v1/networkpolicies/*/*", rest_del_pol);
/* docs/design.md section 5 names them under /v1/policies too */
PS_REST_ROUTE("PUT", "/v1/policies/*/*", rest_put_pol);
PS_REST_ROUTE("DELETE", "/v1/policies/*/*", rest_del_pol);
