/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The sync thread: from what the reflectors changed to the daemon.
 *
 *  - After a (re)list of Services or EndpointSlices, and when the
 *    daemon drifted (checked every sync period: it restarted, or holds
 *    another number of services), the full set: PUT /v1/services with
 *    every selected Service
 *    and every EndpointSlice, so that what was deleted while we were not
 *    watching leaves the dataplane. Only once both resources have been
 *    listed: a restarted agent must not push services without their
 *    endpoints.
 *  - Between lists, changes are coalesced for --batch-window and sent as
 *    one POST /v1/apply of the changed Services, one PUT
 *    .../endpoints per service whose slices changed (that replaces them,
 *    deletions included) and a DELETE per Service gone.
 *  - Nodes become routes (routes.c), the whole set with PUT /v1/routes.
 *  - Namespaces, Pods and NetworkPolicies: policy.c, per kind once it is
 *    listed.
 *
 * Health: a sync counts (for /healthz) when it went through to the
 * daemon while every reflector was watching and the API server answered
 * within the sync period.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"

#define LBL_PROXY "service.kubernetes.io/service-proxy-name"
#define LBL_SVC_NAME "kubernetes.io/service-name"
#define LAST_APPLIED "kubectl.kubernetes.io/last-applied-configuration"
#define MAX_DROP_ROUNDS 8
#define RETRY_MS 1000
#define MAX_U64(a, b) ((a) > (b) ? (a) : (b))

enum { R_SVCS, R_SLICES, R_NODES };

bool
ag_svc_selected(const struct agent *ag, const json_t *svc)
{
	const char *v = json_string_value(json_object_get(json_object_get(
		json_object_get(svc, "metadata"), "labels"), LBL_PROXY));
	const json_t *has = json_object_get(json_object_get(json_object_get(
		svc, "metadata"), "labels"), LBL_PROXY);

	if (ag->opt.proxy_name == NULL)
		return has == NULL;
	return v != NULL && strcmp(v, ag->opt.proxy_name) == 0;
}

static void
mark(struct agent *ag, json_t *set, const char *key)
{
	json_object_set_new(set, key, json_true());
	if (ag->first_dirty_ms == 0)
		ag->first_dirty_ms = ag_now_ms();
	pthread_cond_signal(&ag->cond);
}

void
ag_svc_changed(struct agent *ag, const json_t *old, const json_t *obj)
{
	char key[520];

	ag_obj_key(obj != NULL ? obj : old, key, sizeof(key));
	mark(ag, ag->dirty_svcs, key);
}

/* "ns/service" of a slice, or false when it has no service label. */
static bool
slice_owner(const json_t *slice, char *key, size_t size)
{
	const json_t *md = json_object_get(slice, "metadata");
	const char *svc = json_string_value(json_object_get(json_object_get(
		md, "labels"), LBL_SVC_NAME));
	const char *ns = json_string_value(json_object_get(md, "namespace"));

	if (svc == NULL || ns == NULL)
		return false;
	snprintf(key, size, "%s/%s", ns, svc);
	return true;
}

void
ag_slice_changed(struct agent *ag, const json_t *old, const json_t *obj)
{
	char key[520];

	if (old != NULL && slice_owner(old, key, sizeof(key)))
		mark(ag, ag->dirty_slices, key);
	if (obj != NULL && slice_owner(obj, key, sizeof(key)))
		mark(ag, ag->dirty_slices, key);
}

void
ag_node_changed(struct agent *ag, const json_t *old, const json_t *obj)
{
	(void)old;
	(void)obj;
	ag->need_routes = true;
	if (ag->first_dirty_ms == 0)
		ag->first_dirty_ms = ag_now_ms();
	pthread_cond_signal(&ag->cond);
}

void
ag_svcs_relisted(struct agent *ag)
{
	ag->need_full_svc = true;
	pthread_cond_signal(&ag->cond);
}

void
ag_nodes_relisted(struct agent *ag)
{
	ag->need_routes = true;
	pthread_cond_signal(&ag->cond);
}

/*
 * What the daemon is sent of an object: no managedFields or
 * last-applied copy (half of a Service's bytes), and no proxy-name label
 * when it names us (the daemon leaves labelled services alone, as a
 * kube-proxy without a name would). A new object; the store's is shared
 * and never written.
 */
static json_t *
pruned(const json_t *obj, bool ours)
{
	json_t *o = json_copy((json_t *)(uintptr_t)obj);
	json_t *md = json_copy(json_object_get(obj, "metadata"));
	json_t *ann = json_object_get(md, "annotations");

	json_object_del(md, "managedFields");
	if (ann != NULL && json_object_get(ann, LAST_APPLIED) != NULL) {
		ann = json_copy(ann);
		json_object_del(ann, LAST_APPLIED);
		json_object_set_new(md, "annotations", ann);
	}
	if (ours && json_object_get(json_object_get(md, "labels"),
				    LBL_PROXY) != NULL) {
		json_t *l = json_copy(json_object_get(md, "labels"));

		json_object_del(l, LBL_PROXY);
		json_object_set_new(md, "labels", l);
	}
	json_object_set_new(o, "metadata", md);
	return o;
}

/* Marks the items[N] a daemon error names; how many were new. */
static unsigned int
bad_items(const char *msg, bool *bad, size_t n)
{
	unsigned int found = 0;
	const char *p = msg;

	while (p != NULL && (p = strstr(p, "items[")) != NULL) {
		char *end;
		unsigned long k = strtoul(p + 6, &end, 10);

		if (*end == ']' && k < n && !bad[k]) {
			bad[k] = true;
			found++;
		}
		p += 6;
	}
	return found;
}

static const char *
error_message(const struct ag_buf *b)
{
	static __thread char msg[4096];
	json_t *j = b->p ? json_loads(b->p, 0, NULL) : NULL;
	const char *m = json_string_value(json_object_get(json_object_get(j,
		"error"), "message"));

	snprintf(msg, sizeof(msg), "%s", m ? m : b->p ? b->p : "(no body)");
	json_decref(j);
	return msg;
}

/* Health and metrics after a sync that went through (or not). */
static void
synced(struct agent *ag, uint64_t t0, bool ok, bool api_fresh)
{
	double s = (double)(ag_now_ms() - t0) / 1000.0;
	unsigned int i;
	bool watching = true;

	pthread_mutex_lock(&ag->lock);
	for (i = 0; i < AG_NREFL; i++)
		if (ag->refl[i].state != REFL_WATCHING)
			watching = false;
	if (ok && watching && api_fresh) {
		ag->last_sync_wall_ms = ag_wall_ms();
		ag->last_sync_ms = ag_now_ms();
	}
	pthread_mutex_unlock(&ag->lock);
	ag_metrics_sync(ag, s, ok);
}

/*
 * The full service set. A malformed object (the daemon names it by its
 * index) is left out and the rest sent again: one bad Service must not
 * keep the cluster's others from being programmed.
 */
static int
full_sync(struct agent *ag)
{
	json_t *svcs = ag_store_list(ag->refl[R_SVCS].store);
	json_t *slices = ag_store_list(ag->refl[R_SLICES].store);
	json_t *items = json_array(), *sent = json_object(), *v;
	uint64_t t0 = ag_now_ms();
	unsigned int round, nsel = 0;
	bool *bad;
	size_t i, n;
	int status = -1;

	json_array_foreach(svcs, i, v)
		if (ag_svc_selected(ag, v)) {
			json_array_append_new(items, pruned(v, true));
			nsel++;
		}
	json_array_foreach(slices, i, v)
		json_array_append_new(items, pruned(v, false));
	n = json_array_size(items);
	bad = calloc(n + 1, sizeof(*bad));
	for (round = 0; bad != NULL && round < MAX_DROP_ROUNDS; round++) {
		json_t *list = json_pack("{s:s,s:s,s:[]}", "kind", "List",
					 "apiVersion", "v1", "items");
		json_t *arr = json_object_get(list, "items");
		struct ag_buf out = { 0 };
		char err[256], *body;

		json_array_foreach(items, i, v)
			if (!bad[i])
				json_array_append(arr, v);
		body = json_dumps(list, JSON_COMPACT);
		json_decref(list);
		status = ag_ps_request(&ag->ps, "PUT", "/v1/services", body,
				       body ? strlen(body) : 0, &out, err,
				       sizeof(err));
		free(body);
		if (status == 200) {
			json_t *r = json_loadb(out.p, out.len, 0, NULL);
			json_t *a = json_object_get(r, "added");
			json_t *c = json_object_get(r, "changed");
			json_t *d = json_object_get(r, "removed");

			LOG_INFO("sync", "full sync: %u services, %zu slices "
				 "(services +%zu ~%zu -%zu, slices +%zu ~%zu "
				 "-%zu, %zu skipped) in %llu ms", nsel,
				 json_array_size(slices),
				 json_array_size(json_object_get(a, "services")),
				 json_array_size(json_object_get(c, "services")),
				 json_array_size(json_object_get(d, "services")),
				 json_array_size(json_object_get(a,
					"endpointSlices")),
				 json_array_size(json_object_get(c,
					"endpointSlices")),
				 json_array_size(json_object_get(d,
					"endpointSlices")),
				 json_array_size(json_object_get(r, "skipped")),
				 (unsigned long long)(ag_now_ms() - t0));
			json_decref(r);
			ag_buf_free(&out);
			break;
		}
		if (status == 400) {
			/* the daemon's indexes are of the list it got,
			 * without the items left out before */
			bool *got = calloc(n + 1, sizeof(*got));
			size_t k = 0;
			unsigned int newly = 0;

			if (got != NULL) {
				bad_items(error_message(&out), got, n);
				for (i = 0; i < n; i++) {
					if (bad[i])
						continue;
					if (got[k]) {
						char key[520];

						ag_obj_key(json_array_get(
							items, i), key,
							sizeof(key));
						LOG_WARN("sync", "%s %s left out:"
							 " the daemon refuses "
							 "it", json_string_value(
							 json_object_get(
							 json_array_get(items,
							 i), "kind")), key);
						bad[i] = true;
						newly++;
					}
					k++;
				}
				free(got);
			}
			LOG_WARN("sync", "full sync refused: %s",
				 error_message(&out));
			ag_buf_free(&out);
			if (newly == 0)
				break;
			continue;
		}
		LOG_WARN("sync", "full sync failed: %s",
			 status < 0 ? err : error_message(&out));
		ag_buf_free(&out);
		break;
	}
	if (status == 200) {
		json_array_foreach(items, i, v) {
			char key[520];
			const char *kind = json_string_value(
				json_object_get(v, "kind"));

			if (!bad[i] && kind && strcmp(kind, "Service") == 0) {
				ag_obj_key(v, key, sizeof(key));
				json_object_set_new(sent, key, json_true());
			}
		}
		json_decref(ag->sent_svcs);
		ag->sent_svcs = json_incref(sent);
		ag->m.full_syncs++;
	}
	free(bad);
	json_decref(sent);
	json_decref(items);
	json_decref(svcs);
	json_decref(slices);
	return status == 200 ? 0 : -1;
}

/* Every slice in the store of each owner key of owners ("ns/svc"), as
 * a List per owner: { "ns/svc": List, ... }. */
static json_t *
slices_by_owner(struct agent *ag, const json_t *owners)
{
	json_t *all = ag_store_list(ag->refl[R_SLICES].store);
	json_t *out = json_object(), *v;
	const char *k;
	char key[520];
	size_t i;

	json_object_foreach((json_t *)(uintptr_t)owners, k, v)
		json_object_set_new(out, k, json_pack("{s:s,s:s,s:[]}", "kind",
			"List", "apiVersion", "v1", "items"));
	json_array_foreach(all, i, v)
		if (slice_owner(v, key, sizeof(key)) &&
		    json_object_get(out, key) != NULL)
			json_array_append_new(json_object_get(json_object_get(
				out, key), "items"), pruned(v, false));
	json_decref(all);
	return out;
}

static int
send_json(struct agent *ag, const char *method, const char *path,
	  json_t *body, const char *what)
{
	struct ag_buf out = { 0 };
	char err[256], *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	int status = ag_ps_request(&ag->ps, method, path, text,
				   text ? strlen(text) : 0, &out, err,
				   sizeof(err));

	if (status < 0 || status >= 300)
		LOG_WARN("sync", "%s: %s", what, status < 0 ? err :
			 error_message(&out));
	free(text);
	ag_buf_free(&out);
	return status;
}

/*
 * The changes of one batch. A request the daemon refuses asks for a
 * full sync (which leaves the bad object out and says which).
 */
static int
incremental(struct agent *ag, const json_t *dsvcs, const json_t *dslices)
{
	json_t *apply = json_pack("{s:s,s:s,s:[]}", "kind", "List",
				  "apiVersion", "v1", "items");
	json_t *items = json_object_get(apply, "items"), *gone = json_array();
	json_t *owners, *v, *obj;
	const char *k;
	char path[1200], what[600];
	size_t i;
	int rc = 0, st;

	json_object_foreach((json_t *)(uintptr_t)dsvcs, k, v) {
		obj = ag_store_get(ag->refl[R_SVCS].store, k);
		if (obj != NULL && ag_svc_selected(ag, obj)) {
			json_array_append_new(items, pruned(obj, true));
			json_object_set_new(ag->sent_svcs, k, json_true());
		} else if (json_object_get(ag->sent_svcs, k) != NULL) {
			/* deleted, or now another proxy's */
			json_array_append_new(gone, json_string(k));
			json_object_del(ag->sent_svcs, k);
		}
		json_decref(obj);
	}
	if (json_array_size(items) > 0) {
		st = send_json(ag, "POST", "/v1/apply", apply,
			       "apply of changed services");
		if (st != 200)
			rc = -1;
		else
			LOG_DEBUG("sync", "applied %zu services",
				  json_array_size(items));
	}
	owners = slices_by_owner(ag, dslices);
	json_object_foreach(owners, k, v) {
		snprintf(path, sizeof(path), "/v1/services/%s/endpoints", k);
		snprintf(what, sizeof(what), "endpoints of %s", k);
		st = send_json(ag, "PUT", path, v, what);
		if (st != 200 && st != 202)
			rc = -1;
	}
	json_array_foreach(gone, i, v) {
		snprintf(path, sizeof(path), "/v1/services/%s",
			 json_string_value(v));
		snprintf(what, sizeof(what), "delete of %s",
			 json_string_value(v));
		st = send_json(ag, "DELETE", path, NULL, what);
		if (st != 204 && st != 404)
			rc = -1;
		else
			LOG_INFO("sync", "service %s removed",
				 json_string_value(v));
	}
	json_decref(owners);
	json_decref(apply);
	json_decref(gone);
	return rc;
}

/* What the daemon says about its node: address, MAC, CIDRs, VNI. */
static int
daemon_info(struct agent *ag)
{
	struct ag_buf out = { 0 };
	char err[256];
	json_t *j, *node;
	int status = ag_ps_request(&ag->ps, "GET", "/v1/status", NULL, 0,
				   &out, err, sizeof(err));

	if (status != 200) {
		ag_buf_free(&out);
		return -1;
	}
	j = json_loadb(out.p, out.len, 0, NULL);
	ag_buf_free(&out);
	node = json_object_get(j, "node");
	snprintf(ag->node_ip, sizeof(ag->node_ip), "%s",
		 json_string_value(json_object_get(node, "ip")) ?: "");
	ag->node_ip[strcspn(ag->node_ip, "/")] = '\0';
	snprintf(ag->node_mac, sizeof(ag->node_mac), "%s",
		 json_string_value(json_object_get(node, "mac")) ?: "");
	snprintf(ag->cluster_cidr, sizeof(ag->cluster_cidr), "%s",
		 json_string_value(json_object_get(node, "cluster_cidr")) ?:
		 "");
	snprintf(ag->pod_cidr, sizeof(ag->pod_cidr), "%s",
		 json_string_value(json_object_get(node, "pod_cidr")) ?: "");
	/* no cluster_cidr configured: then only the routes to other nodes'
	 * pod CIDRs are ours, never "everything" */
	if (strcmp(ag->cluster_cidr, "0.0.0.0/0") == 0)
		ag->cluster_cidr[0] = '\0';
	json_decref(j);
	status = ag_ps_request(&ag->ps, "GET", "/v1/stats", NULL, 0, &out,
			       err, sizeof(err));
	j = status == 200 ? json_loadb(out.p, out.len, 0, NULL) : NULL;
	ag->vni = (unsigned int)json_integer_value(json_object_get(
		json_object_get(j, "vxlan"), "vni"));
	ag->daemon_uptime = 0;
	if (ag->vni == 0)
		ag->vni = 1;
	json_decref(j);
	ag_buf_free(&out);
	return ag->node_ip[0] != '\0' ? 0 : -1;
}

/*
 * Whether the daemon still holds what we sent: it did not restart (its
 * uptime went on) and stores as many services as we gave it. A full PUT
 * of 10,000 services that changes nothing still costs the daemon's
 * management thread seconds, so the periodic resync only sends one when
 * this says the daemon drifted.
 */
static bool
daemon_drifted(struct agent *ag)
{
	struct ag_buf out = { 0 };
	char err[256];
	json_t *j;
	int st = ag_ps_request(&ag->ps, "GET", "/v1/status", NULL, 0, &out,
			       err, sizeof(err));
	json_int_t up, n;
	bool drift;

	if (st != 200) {
		ag_buf_free(&out);
		return true;
	}
	j = json_loadb(out.p, out.len, 0, NULL);
	ag_buf_free(&out);
	up = json_integer_value(json_object_get(j, "uptime_s"));
	n = json_integer_value(json_object_get(json_object_get(json_object_get(
		j, "tables"), "services"), "entries"));
	drift = up < ag->daemon_uptime ||
		(size_t)n != json_object_size(ag->sent_svcs);
	if (drift)
		LOG_WARN("sync", "the daemon drifted (uptime %lld s, was %lld "
			 "s; %lld services, we sent %zu): full sync",
			 (long long)up, (long long)ag->daemon_uptime,
			 (long long)n, json_object_size(ag->sent_svcs));
	ag->daemon_uptime = up;
	json_decref(j);
	return drift;
}

/* Whether the API server answers now (GET /version). */
static bool
api_alive(struct agent *ag, char *err, size_t errlen)
{
	struct ag_buf out = { 0 };
	long to = (long)(ag->opt.sync_period_ms / 2);
	int st = ag_k8s_request(&ag->kube, "GET", "/version", NULL, NULL,
				to < 1000 ? 1000 : to > 10000 ? 10000 : to,
				&out, err, errlen);

	if (st > 0 && st != 200)
		snprintf(err, errlen, "HTTP %d", st);
	ag_buf_free(&out);
	return st == 200;
}

static bool
listed(struct agent *ag, int i)
{
	return ag->refl[i].lists > 0;
}

/* Under agent.lock: a kind of policy.c's to send in full now. */
static bool
policy_full_due(struct agent *ag)
{
	for (int k = 0; k < AG_NPOL; k++)
		if (ag->need_full_pol[k] && listed(ag, AG_R_NAMESPACES + k))
			return true;
	return false;
}

void *
ag_sync_main(void *arg)
{
	struct agent *ag = arg;
	/* the health probe runs twice a period, so that a healthy agent's
	 * last sync is never older than one */
	uint64_t half = ag->opt.sync_period_ms / 2;
	uint64_t next_period = ag_now_ms() + half;
	uint64_t next_resync = ag_now_ms() + ag->opt.sync_period_ms;
	bool info = false, api_ok = true, daemon_ok = true;
	/* a full set or the routes the daemon refused are sent again, but
	 * not before this: a refusal must not become a busy loop */
	uint64_t hold_until = 0;

	while (!ag->stop) {
		json_t *dsvcs, *dslices, *dpol[AG_NPOL];
		bool full, routes, period = false, resync = false, ok = true;
		bool did = false, fpol[AG_NPOL], pol_work = false;
		uint64_t t0;
		int k;

		pthread_mutex_lock(&ag->lock);
		for (;;) {
			uint64_t now = ag_now_ms(), due = next_period;
			struct timespec ts;

			if (ag->stop)
				break;
			if (ag->first_dirty_ms != 0 &&
			    ag->first_dirty_ms + ag->opt.batch_window_ms < due)
				due = ag->first_dirty_ms +
				      ag->opt.batch_window_ms;
			if ((ag->need_full_svc && listed(ag, R_SVCS) &&
			     listed(ag, R_SLICES)) ||
			    (ag->need_routes && listed(ag, R_NODES)) ||
			    policy_full_due(ag))
				due = MAX_U64(now, hold_until);
			if (now >= due)
				break;
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_sec += (time_t)((due - now) / 1000);
			ts.tv_nsec += (long)((due - now) % 1000) * 1000000;
			if (ts.tv_nsec >= 1000000000) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000;
			}
			pthread_cond_timedwait(&ag->cond, &ag->lock, &ts);
		}
		if (ag_now_ms() >= next_period) {
			period = true;
			next_period = ag_now_ms() + half;
		}
		if (ag_now_ms() >= next_resync) {
			resync = true;
			next_resync = ag_now_ms() + ag->opt.sync_period_ms;
		}
		full = ag->need_full_svc && listed(ag, R_SVCS) &&
		       listed(ag, R_SLICES);
		routes = (ag->need_routes || resync) && listed(ag, R_NODES);
		if (full)
			ag->need_full_svc = false;
		if (routes)
			ag->need_routes = false;
		dsvcs = ag->dirty_svcs;
		dslices = ag->dirty_slices;
		ag->dirty_svcs = json_object();
		ag->dirty_slices = json_object();
		for (k = 0; k < AG_NPOL; k++) {
			fpol[k] = ag->need_full_pol[k] &&
				  listed(ag, AG_R_NAMESPACES + k);
			if (fpol[k])
				ag->need_full_pol[k] = false;
			dpol[k] = ag->dirty_pol[k];
			ag->dirty_pol[k] = json_object();
			pol_work |= fpol[k] || json_object_size(dpol[k]) > 0;
		}
		ag->first_dirty_ms = 0;
		pthread_mutex_unlock(&ag->lock);
		if (ag->stop) {
			json_decref(dsvcs);
			json_decref(dslices);
			for (k = 0; k < AG_NPOL; k++)
				json_decref(dpol[k]);
			break;
		}

		t0 = ag_now_ms();
		if (!info) {
			info = daemon_info(ag) == 0;
			if (!info) {
				if (daemon_ok)
					LOG_WARN("sync", "the podswitch daemon "
						 "does not answer on %s; "
						 "retrying", ag->ps.socket);
				daemon_ok = false;
				/* keep what is pending for the next try */
				pthread_mutex_lock(&ag->lock);
				json_object_update(ag->dirty_svcs, dsvcs);
				json_object_update(ag->dirty_slices, dslices);
				ag->need_full_svc |= full;
				ag->need_routes |= routes;
				for (k = 0; k < AG_NPOL; k++) {
					json_object_update(ag->dirty_pol[k],
							   dpol[k]);
					ag->need_full_pol[k] |= fpol[k];
					json_decref(dpol[k]);
				}
				pthread_mutex_unlock(&ag->lock);
				json_decref(dsvcs);
				json_decref(dslices);
				usleep(500000);
				continue;
			}
			LOG_INFO("sync", "podswitch daemon: node %s, MAC %s, "
				 "cluster %s, VNI %u", ag->node_ip,
				 ag->node_mac, ag->cluster_cidr, ag->vni);
			daemon_ok = true;
			/* everything, as the daemon may know nothing */
			full = listed(ag, R_SVCS) && listed(ag, R_SLICES);
			routes = listed(ag, R_NODES);
			for (k = 0; k < AG_NPOL; k++) {
				fpol[k] = listed(ag, AG_R_NAMESPACES + k);
				pol_work |= fpol[k];
			}
		}
		if (period) {
			char err[256];
			bool alive = api_alive(ag, err, sizeof(err));

			if (alive != api_ok)
				LOG_WARN("sync", alive ? "the API server "
					 "answers again" : "the API server "
					 "does not answer: %s", err);
			api_ok = alive;
		}
		if (resync && !full && info && listed(ag, R_SVCS) &&
		    listed(ag, R_SLICES))
			full = daemon_drifted(ag);
		if (full) {
			if (full_sync(ag) < 0) {
				ok = false;
				pthread_mutex_lock(&ag->lock);
				ag->need_full_svc = true;
				pthread_mutex_unlock(&ag->lock);
			}
			did = true;
		} else if (json_object_size(dsvcs) + json_object_size(dslices)
			   > 0) {
			if (incremental(ag, dsvcs, dslices) < 0) {
				/* the full set tells what went wrong */
				pthread_mutex_lock(&ag->lock);
				ag->need_full_svc = true;
				pthread_mutex_unlock(&ag->lock);
				ok = false;
			}
			ag->m.batches++;
			did = true;
		}
		if (routes) {
			if (ag_routes_sync(ag) < 0) {
				ok = false;
				pthread_mutex_lock(&ag->lock);
				ag->need_routes = true;
				pthread_mutex_unlock(&ag->lock);
			}
			did = true;
		}
		if (pol_work || resync) {
			if (ag_policy_sync(ag, dpol, fpol, resync) < 0) {
				ok = false;
				pthread_mutex_lock(&ag->lock);
				for (k = 0; k < AG_NPOL; k++)
					ag->need_full_pol[k] = true;
				pthread_mutex_unlock(&ag->lock);
			}
			did |= pol_work;
		}
		if (!ok)
			hold_until = ag_now_ms() + RETRY_MS;
		if (did || period)
			synced(ag, t0, ok, period ? api_ok : true);
		json_decref(dsvcs);
		json_decref(dslices);
		for (k = 0; k < AG_NPOL; k++)
			json_decref(dpol[k]);
	}
	return NULL;
}
