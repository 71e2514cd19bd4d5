/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Namespaces, Pods and NetworkPolicies to the daemon, for its policy
 * stage: PUT|DELETE /v1/namespaces/NAME, /v1/pods/NS/NAME and
 * /v1/networkpolicies/NS/NAME, batched as POST /v1/apply Lists.
 *
 * Every pod of the cluster goes, not only this node's: a policy selects
 * its peers on other nodes by their addresses. The daemon gets what it
 * reads of each object only (a Pod's labels, node, address and named
 * container ports, not its status conditions), and only when that
 * changed from what it was last sent: a kubelet's status updates and
 * the watches' MODIFIED events for them cost no REST call.
 *
 * A pod without an address, on the host's network, or finished
 * (Succeeded, Failed: its address may be someone else's already) is no
 * pod to the daemon: removed if it had it.
 *
 * Restart safety, as the service sync: after a (re)list of a kind, every
 * object of the store is compared with what was sent, and what was sent
 * (or what the daemon lists, after our own restart) but is gone is
 * deleted; a daemon that restarted (its uptime went back) gets
 * everything again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"

/* items per POST /v1/apply: a few hundred KiB at most */
#define APPLY_BATCH 256

static const char *const KIND_NAME[AG_NPOL] = { "namespaces", "pods",
	"networkpolicies" };
/* PUT/DELETE prefix of one object, and the daemon's list of them */
static const char *const OBJ_PATH[AG_NPOL] = { "/v1/namespaces/",
	"/v1/pods/", "/v1/networkpolicies/" };
static const char *const LIST_PATH[AG_NPOL] = { "/v1/namespaces",
	"/v1/pods", "/v1/policies" };

/* -------------------------------------------------------- watch events */

static void
changed(struct agent *ag, int k, const json_t *old, const json_t *obj)
{
	char key[520];

	ag_obj_key(obj != NULL ? obj : old, key, sizeof(key));
	json_object_set_new(ag->dirty_pol[k], key, json_true());
	if (ag->first_dirty_ms == 0)
		ag->first_dirty_ms = ag_now_ms();
	pthread_cond_signal(&ag->cond);
}

void
ag_ns_changed(struct agent *ag, const json_t *old, const json_t *obj)
{
	changed(ag, AG_P_NS, old, obj);
}

void
ag_pod_changed(struct agent *ag, const json_t *old, const json_t *obj)
{
	changed(ag, AG_P_POD, old, obj);
}

void
ag_netpol_changed(struct agent *ag, const json_t *old, const json_t *obj)
{
	changed(ag, AG_P_NETPOL, old, obj);
}

static void
relisted(struct agent *ag, int k)
{
	ag->need_full_pol[k] = true;
	pthread_cond_signal(&ag->cond);
}

void
ag_ns_relisted(struct agent *ag)
{
	relisted(ag, AG_P_NS);
}

void
ag_pods_relisted(struct agent *ag)
{
	relisted(ag, AG_P_POD);
}

void
ag_netpols_relisted(struct agent *ag)
{
	relisted(ag, AG_P_NETPOL);
}

/* ------------------------------------------------------ what is sent */

/* A copy of obj's field when it has one. */
static void
take(json_t *dst, const json_t *src, const char *field)
{
	json_t *v = json_object_get(src, field);

	if (v != NULL)
		json_object_set_new(dst, field, json_deep_copy(v));
}

static json_t *
meta(const json_t *obj)
{
	const json_t *md = json_object_get(obj, "metadata");
	json_t *m = json_object();

	take(m, md, "name");
	take(m, md, "namespace");
	take(m, md, "labels");
	return m;
}

static json_t *
sent_ns(const json_t *obj)
{
	return json_pack("{s:s,s:s,s:o}", "apiVersion", "v1", "kind",
			 "Namespace", "metadata", meta(obj));
}

/* NULL: not a pod to the daemon (see the top of the file). */
static json_t *
sent_pod(const json_t *obj)
{
	const json_t *spec = json_object_get(obj, "spec");
	const json_t *st = json_object_get(obj, "status");
	const char *ip = json_string_value(json_object_get(st, "podIP"));
	const char *phase = json_string_value(json_object_get(st, "phase"));
	json_t *o, *s, *cs, *c;
	size_t i;

	if (ip == NULL || ip[0] == '\0' ||
	    json_is_true(json_object_get(spec, "hostNetwork")) ||
	    (phase != NULL && (strcmp(phase, "Succeeded") == 0 ||
			       strcmp(phase, "Failed") == 0)))
		return NULL;
	cs = json_array();
	json_array_foreach(json_object_get(spec, "containers"), i, c) {
		json_t *one = json_object();

		take(one, c, "name");
		take(one, c, "ports");
		json_array_append_new(cs, one);
	}
	s = json_pack("{s:o}", "containers", cs);
	take(s, spec, "nodeName");
	o = json_pack("{s:s,s:s,s:o,s:o,s:{}}", "apiVersion", "v1", "kind",
		      "Pod", "metadata", meta(obj), "spec", s, "status");
	take(json_object_get(o, "status"), st, "podIP");
	take(json_object_get(o, "status"), st, "podIPs");
	take(json_object_get(o, "status"), st, "phase");
	return o;
}

static json_t *
sent_netpol(const json_t *obj)
{
	json_t *o = json_pack("{s:s,s:s,s:o}", "apiVersion",
			      "networking.k8s.io/v1", "kind", "NetworkPolicy",
			      "metadata", meta(obj));

	take(o, obj, "spec");
	return o;
}

static json_t *
to_send(int k, const json_t *obj)
{
	if (obj == NULL)
		return NULL;
	return k == AG_P_NS ? sent_ns(obj) : k == AG_P_POD ? sent_pod(obj) :
	       sent_netpol(obj);
}

/* --------------------------------------------------------- the daemon */

static const char *
why(const struct ag_buf *b, int status, const char *err)
{
	static __thread char msg[512];
	json_t *j = b->p ? json_loadb(b->p, b->len, 0, NULL) : NULL;
	const char *m = json_string_value(json_object_get(json_object_get(j,
		"error"), "message"));

	if (status < 0)
		snprintf(msg, sizeof(msg), "%s", err);
	else
		snprintf(msg, sizeof(msg), "HTTP %d: %s", status,
			 m ? m : b->p ? b->p : "(no body)");
	json_decref(j);
	return msg;
}

static int
call(struct agent *ag, const char *method, const char *path, json_t *body,
     struct ag_buf *out, char *err, size_t errlen)
{
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	int st = ag_ps_request(&ag->ps, method, path, text,
			       text ? strlen(text) : 0, out, err, errlen);

	free(text);
	return st;
}

/* The key of one entry of the daemon's list, whatever its shape:
 * a Kubernetes object, or {"namespace", "name"}. */
static void
entry_key(const json_t *e, char *key, size_t size)
{
	const char *ns, *name;

	if (json_object_get(e, "metadata") != NULL) {
		ag_obj_key(e, key, size);
		return;
	}
	ns = json_string_value(json_object_get(e, "namespace"));
	name = json_string_value(json_object_get(e, "name"));
	if (ns != NULL && ns[0] != '\0')
		snprintf(key, size, "%s/%s", ns, name ? name : "");
	else
		snprintf(key, size, "%s", name ? name : "");
}

/* What the daemon holds of kind k, added to keys (after our restart, it
 * may hold what was deleted while we were away). A daemon without the
 * list adds nothing. */
static void
daemon_keys(struct agent *ag, int k, json_t *keys)
{
	struct ag_buf out = { 0 };
	char err[256], key[520];
	int st = call(ag, "GET", LIST_PATH[k], NULL, &out, err, sizeof(err));
	json_t *j = st == 200 ? json_loadb(out.p, out.len, 0, NULL) : NULL;
	const json_t *arr = j, *e;
	size_t i;

	if (json_is_object(j)) {
		arr = json_object_get(j, "items");
		if (arr == NULL)
			arr = json_object_get(j, KIND_NAME[k]);
		if (arr == NULL)
			arr = json_object_get(j, "policies");
	}
	json_array_foreach(arr, i, e) {
		entry_key(e, key, sizeof(key));
		if (key[0] != '\0')
			json_object_set_new(keys, key, json_true());
	}
	json_decref(j);
	ag_buf_free(&out);
}

/* Whether the daemon restarted since the last look: its uptime went
 * back, or it holds no pod or policy while we sent some (a restart that
 * the uptime cannot show: our own restart came in between). Then it holds
 * nothing of ours, unless its state dir kept it, and everything goes
 * again. */
static bool
daemon_restarted(struct agent *ag)
{
	static const char *const count_key[AG_NPOL] = { NULL, "pods",
		"policies" };
	struct ag_buf out = { 0 };
	char err[256];
	json_t *j, *pol;
	long long up;
	bool again;
	int k;

	if (call(ag, "GET", "/v1/status", NULL, &out, err, sizeof(err))
	    != 200) {
		ag_buf_free(&out);
		return false;
	}
	j = json_loadb(out.p, out.len, 0, NULL);
	up = (long long)json_integer_value(json_object_get(j, "uptime_s"));
	again = up < ag->pol_uptime;
	ag->pol_uptime = up;
	json_decref(j);
	ag_buf_free(&out);
	if (again)
		return true;
	if (call(ag, "GET", "/v1/stats", NULL, &out, err, sizeof(err))
	    != 200) {
		ag_buf_free(&out);
		return false;
	}
	j = json_loadb(out.p, out.len, 0, NULL);
	pol = json_object_get(j, "policy");
	for (k = 0; pol != NULL && k < AG_NPOL; k++) {
		const json_t *n = count_key[k] ? json_object_get(pol,
			count_key[k]) : NULL;

		if (json_is_integer(n) && json_integer_value(n) == 0 &&
		    json_object_size(ag->sent_pol[k]) > 0)
			again = true;
	}
	json_decref(j);
	ag_buf_free(&out);
	return again;
}

struct batch {
	json_t *items;		/* what goes, in order */
	json_t *where;		/* [kind, key] of each */
};

/* One object at a time, when a List was refused: what the daemon
 * refuses (4xx) is logged and taken as sent, so that it is not sent
 * again until it changes; what fails otherwise is tried again. */
static int
one_by_one(struct agent *ag, const struct batch *b)
{
	char path[1100], err[256];
	json_t *v;
	size_t i;
	int rc = 0;

	json_array_foreach(b->items, i, v) {
		const json_t *w = json_array_get(b->where, i);
		int k = (int)json_integer_value(json_array_get(w, 0));
		const char *key = json_string_value(json_array_get(w, 1));
		struct ag_buf out = { 0 };
		int st;

		snprintf(path, sizeof(path), "%s%s", OBJ_PATH[k], key);
		st = call(ag, "PUT", path, v, &out, err, sizeof(err));
		if (st >= 400 && st < 500)
			LOG_WARN("policy", "%s %s refused: %s", KIND_NAME[k],
				 key, why(&out, st, err));
		else if (st < 200 || st >= 300) {
			LOG_WARN("policy", "%s %s: %s", KIND_NAME[k], key,
				 why(&out, st, err));
			rc = -1;
		}
		if (st >= 200 && st < 500)
			json_object_set(ag->sent_pol[k], key, v);
		ag_buf_free(&out);
	}
	return rc;
}

static int
flush(struct agent *ag, struct batch *b)
{
	json_t *list;
	struct ag_buf out = { 0 };
	char err[256];
	json_t *v;
	size_t i;
	int st, rc = 0;

	if (json_array_size(b->items) == 0)
		return 0;
	list = json_pack("{s:s,s:s,s:O}", "kind", "List", "apiVersion", "v1",
			 "items", b->items);
	st = call(ag, "POST", "/v1/apply", list, &out, err, sizeof(err));
	json_decref(list);
	if (st == 200) {
		json_array_foreach(b->items, i, v) {
			const json_t *w = json_array_get(b->where, i);

			json_object_set(ag->sent_pol[json_integer_value(
				json_array_get(w, 0))], json_string_value(
				json_array_get(w, 1)), v);
		}
	} else {
		LOG_WARN("policy", "apply of %zu objects: %s; one by one",
			 json_array_size(b->items), why(&out, st, err));
		rc = one_by_one(ag, b);
	}
	ag_buf_free(&out);
	json_array_clear(b->items);
	json_array_clear(b->where);
	return rc;
}

static int
delete_one(struct agent *ag, int k, const char *key)
{
	struct ag_buf out = { 0 };
	char path[1100], err[256];
	int st;

	snprintf(path, sizeof(path), "%s%s", OBJ_PATH[k], key);
	st = call(ag, "DELETE", path, NULL, &out, err, sizeof(err));
	if (st == 404 || (st >= 200 && st < 300)) {
		json_object_del(ag->sent_pol[k], key);
		LOG_DEBUG("policy", "%s %s removed", KIND_NAME[k], key);
		ag_buf_free(&out);
		return 0;
	}
	LOG_WARN("policy", "delete of %s %s: %s", KIND_NAME[k], key,
		 why(&out, st, err));
	ag_buf_free(&out);
	return -1;
}

int
ag_policy_sync(struct agent *ag, json_t *const dirty[AG_NPOL],
	       bool full[AG_NPOL], bool resync)
{
	struct batch b = { json_array(), json_array() };
	json_t *keys[AG_NPOL], *gone[AG_NPOL], *daemon[AG_NPOL], *v;
	size_t napplied[AG_NPOL] = { 0 }, ngone[AG_NPOL] = { 0 }, i;
	const char *key;
	int k, rc = 0;

	if (resync && daemon_restarted(ag)) {
		LOG_WARN("policy", "the daemon restarted: sending every "
			 "namespace, pod and policy again");
		for (k = 0; k < AG_NPOL; k++) {
			json_object_clear(ag->sent_pol[k]);
			full[k] = ag->refl[AG_R_NAMESPACES + k].lists > 0;
		}
	}
	for (k = 0; k < AG_NPOL; k++) {
		struct ag_store *s = ag->refl[AG_R_NAMESPACES + k].store;

		keys[k] = json_deep_copy(dirty[k]);
		gone[k] = json_array();
		daemon[k] = json_object();
		if (full[k]) {
			json_t *all = ag_store_list(s);
			char kb[520];

			json_array_foreach(all, i, v) {
				ag_obj_key(v, kb, sizeof(kb));
				json_object_set_new(keys[k], kb, json_true());
			}
			json_decref(all);
			json_object_update(keys[k], ag->sent_pol[k]);
			daemon_keys(ag, k, daemon[k]);
			json_object_update_missing(keys[k], daemon[k]);
		}
		json_object_foreach(keys[k], key, v) {
			json_t *obj = ag_store_get(s, key);
			json_t *send = to_send(k, obj);
			const json_t *had = json_object_get(ag->sent_pol[k],
							    key);

			json_decref(obj);
			if (send == NULL) {
				if (had != NULL || json_object_get(daemon[k],
								   key))
					json_array_append_new(gone[k],
							      json_string(key));
				continue;
			}
			if (had != NULL && json_equal(had, send)) {
				json_decref(send);
				continue;
			}
			json_array_append_new(b.items, send);
			json_array_append_new(b.where, json_pack("[i,s]", k,
								 key));
			napplied[k]++;
			if (json_array_size(b.items) >= APPLY_BATCH &&
			    flush(ag, &b) < 0)
				rc = -1;
		}
	}
	if (flush(ag, &b) < 0)
		rc = -1;
	/* policies first, namespaces last: nothing points at what is gone */
	for (k = AG_NPOL - 1; k >= 0; k--) {
		json_array_foreach(gone[k], i, v)
			if (delete_one(ag, k, json_string_value(v)) < 0)
				rc = -1;
			else
				ngone[k]++;
	}
	if (napplied[0] + napplied[1] + napplied[2] + ngone[0] + ngone[1] +
	    ngone[2] > 0)
		LOG_INFO("policy", "%s: namespaces +%zu -%zu, pods +%zu -%zu, "
			 "networkpolicies +%zu -%zu",
			 full[0] || full[1] || full[2] ? "full sync" : "sync",
			 napplied[0], ngone[0], napplied[1], ngone[1],
			 napplied[2], ngone[2]);
	for (k = 0; k < AG_NPOL; k++) {
		json_decref(keys[k]);
		json_decref(gone[k]);
		json_decref(daemon[k]);
	}
	json_decref(b.items);
	json_decref(b.where);
	return rc;
}
