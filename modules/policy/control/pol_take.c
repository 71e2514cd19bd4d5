/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One Kubernetes object (Namespace, Pod, NetworkPolicy) into the model:
 * what POST /v1/apply and the PUT of each kind do with their bodies.
 */
#include <errno.h>

#include "pol_state.h"


struct skip_ctx {
	json_t *skipped;
	const char *kind;
	const json_t *obj;
};

static void
skip_cb(const char *path, const char *reason, void *arg)
{
	struct skip_ctx *c = arg;
	const json_t *md = json_object_get(c->obj, "metadata");
	const char *ns = json_string_value(json_object_get(md, "namespace"));
	const char *name = json_string_value(json_object_get(md, "name"));

	if (c->skipped != NULL)
		json_array_append_new(c->skipped, json_pack(
			"{s:s,s:s,s:s,s:s,s:s}", "path", path, "kind",
			c->kind, "namespace", ns ? ns : "", "name",
			name ? name : "", "reason", reason));
}

/* Parse o as kind and, when commit, put it in the model. 0 or -errno
 * (errs says why). */
int
pol_take(enum pol_kind k, const json_t *o, const char *path, bool commit,
     json_t *skipped, struct ps_errors *errs)
{
	struct pol_model *m = pol_model_live();
	struct skip_ctx sc = { skipped, "NetworkPolicy", o };
	struct pol_policy *pol, *old;
	void *obj;
	int rc;

	if (!json_is_object(o)) {
		ps_errors_add(errs, path, "expected an object");
		return -EINVAL;
	}
	switch (k) {
	case POL_K_NAMESPACE:
		obj = pol_namespace_parse(o, path, errs);
		break;
	case POL_K_POD:
		obj = pol_pod_parse(o, path, errs);
		break;
	default:
		obj = pol_policy_parse(o, path, errs, skip_cb, &sc);
		break;
	}
	if (obj == NULL)
		return -EINVAL;
	if (!commit) {
		if (k == POL_K_NAMESPACE)
			pol_namespace_free(obj);
		else if (k == POL_K_POD)
			pol_pod_free(obj);
		else
			pol_policy_free(obj);
		return 0;
	}
	if (k == POL_K_NAMESPACE)
		return pol_model_put_namespace(m, obj);
	if (k == POL_K_POD)
		return pol_model_put_pod(m, obj);
	pol = obj;
	old = pol_model_policy(m, pol->ns, pol->name);
	rc = pol_slots_take(pol, old);
	if (rc < 0) {
		ps_errors_add(errs, path, "no counter slots left for %u "
			      "rules", pol->nb_slots - 2);
		pol_policy_free(pol);
		return rc;
	}
	/* old's slots are pol's now, or were given back */
	return pol_model_put_policy(m, pol);
}

