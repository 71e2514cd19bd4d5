/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the API programmed, kept in the state directory (state.h) and
 * restored at start: hot-plugged ports, API routes, services with their
 * EndpointSlices.
 *
 * Each kind is kept as the very request that rebuilds it (POST
 * /v1/ports bodies, a PUT /v1/routes body, a POST /v1/apply List), and
 * restored by sending those requests through the router: a restored
 * object passes the same checks as one a client sends, and a bad one is
 * refused with the same message. What a file holds that is refused (a
 * port whose device is gone, a route whose port is) is logged and
 * dropped; the rest is restored.
 *
 * When: a change is written before the reply when the last write of its
 * kind took under WRITE_SYNC_MS (ports always: a CNI ADD must not be
 * forgotten), else from the poll loop, paced so that writing a big set
 * (100k routes) takes at most half the management thread's time.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>

#include <podswitch/route.h>
#include <podswitch/state.h>
#include <podswitch/vxlan.h>

#include "rest_private.h"

RTE_LOG_REGISTER(ps_logtype_state, podswitch.state, INFO);

#define STATE_LOG(level, ...) \
	rte_log(RTE_LOG_ ## level, ps_logtype_state, "state: " __VA_ARGS__)

#define WRITE_SYNC_MS 5
/* refused items named one by one in the log, the rest counted */
#define LOG_ITEMS_MAX 10

static const char *const kind_names[REST_STATE_KINDS] = {
	[REST_STATE_PORTS] = "ports",
	[REST_STATE_ROUTES] = "routes",
	[REST_STATE_SERVICES] = "services",
};

static double
ms_since(uint64_t t)
{
	return (double)(rte_get_timer_cycles() - t) * 1e3 /
	       (double)rte_get_timer_hz();
}

static const char *
state_dir(const struct ps_rest *r)
{
	return r->dp->cfg->state_dir;
}

/* Serialising ---------------------------------------------------------- */

static bool
added_at_runtime(const struct ps_dataplane *dp, unsigned int i)
{
	return i >= dp->cfg->nb_ports ||
	       strcmp(dp->cfg->ports[i].name, dp->ports[i].name) != 0;
}

/* The ports added over the API, each as its POST /v1/ports body. */
static json_t *
ports_json(const struct ps_dataplane *dp)
{
	json_t *arr = json_array();
	unsigned int i, k;

	for (i = 0; i < dp->nb_ports; i++) {
		const struct ps_port_config *c = &dp->ports[i];
		json_t *args = json_object(), *p;

		if (!added_at_runtime(dp, i))
			continue;
		for (k = 0; k < c->nb_args; k++)
			json_object_set_new(args, c->args[k].key,
					    json_string(c->args[k].value));
		p = json_pack("{s:s, s:s, s:s, s:o, s:i}", "name", c->name,
			      "role", ps_port_role_name(c->role), "driver",
			      c->driver, "args", args, "queues",
			      (int)c->rx_queues);
		if (c->has_pod)
			json_object_set_new(p, "pod", json_pack("{s:o, s:o}",
				"ip", rest_json_ip(c->pod_ip),
				"mac", rest_json_mac(&c->pod_mac)));
		json_array_append_new(arr, p);
	}
	return arr;
}

struct routes_ctx {
	const struct ps_dataplane *dp;
	json_t *arr;
	unsigned int skipped;
};

/* One API route in the shape ps_route_config_parse() takes. */
static int
route_cb(const struct ps_route *rt, void *arg)
{
	struct routes_ctx *c = arg;
	const char *dev;
	char dst[PS_PREFIX4_STRLEN];
	json_t *j;

	if (rt->origin != PS_ROUTE_API)
		return 0;
	ps_prefix4_fmt(dst, &rt->dst);
	j = json_pack("{s:s}", "dst", dst);
	switch (rt->nh.type) {
	case PS_NH_BLACKHOLE:
		json_object_set_new(j, "type", json_string("blackhole"));
		break;
	case PS_NH_UNREACHABLE:
		json_object_set_new(j, "type", json_string("unreachable"));
		break;
	case PS_NH_VXLAN: {
		const struct ps_vtep *v = ps_vxlan_vtep(c->dp->vxlan,
							rt->nh.port_id);
		json_t *e = json_pack("{s:s, s:o}", "type", "vxlan", "remote",
				      rest_json_ip(rt->nh.gateway));

		if (v != NULL) {
			json_object_set_new(e, "vni", json_integer(v->vni));
			if (v->has_mac)
				json_object_set_new(e, "mac",
						    rest_json_mac(&v->mac));
		}
		json_object_set_new(j, "encap", e);
		break;
	}
	case PS_NH_GATEWAY:
	case PS_NH_CONNECTED:
		dev = rest_port_name(c->dp, rt->nh.port_id);
		if (dev == NULL || strcmp(dev, REST_DEV_SEGMENT) == 0) {
			/* no name the API takes back */
			c->skipped++;
			json_decref(j);
			return 0;
		}
		if (rt->nh.type == PS_NH_GATEWAY)
			json_object_set_new(j, "gateway",
					    rest_json_ip(rt->nh.gateway));
		json_object_set_new(j, "dev", json_string(dev));
		break;
	default:
		c->skipped++;
		json_decref(j);
		return 0;
	}
	json_array_append_new(c->arr, j);
	return 0;
}

static json_t *
routes_json(const struct ps_dataplane *dp)
{
	struct routes_ctx c = { .dp = dp, .arr = json_array() };

	ps_route_walk(dp->routes, route_cb, &c);
	if (c.skipped > 0)
		STATE_LOG(WARNING, "%u API routes have no form the API takes "
			  "back and are not kept\n", c.skipped);
	return json_pack("{s:o}", "routes", c.arr);
}

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
services_json(const struct ps_dataplane *dp)
{
	json_t *items = json_array();

	ps_svc_walk(dp->svcs, svc_item_cb, items);
	ps_svc_slice_walk(dp->svcs, slice_item_cb, items);
	return json_pack("{s:s, s:s, s:o}", "apiVersion", "v1", "kind",
			 "List", "items", items);
}

static int
state_write(struct ps_rest *r, enum rest_state_kind k)
{
	const struct ps_dataplane *dp = r->dp;
	uint64_t t0 = rte_get_timer_cycles();
	json_t *j;
	char *text;
	int rc;

	j = k == REST_STATE_PORTS ? ports_json(dp) :
	    k == REST_STATE_ROUTES ? routes_json(dp) : services_json(dp);
	text = j != NULL ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	if (text == NULL) {
		STATE_LOG(ERR, "%s: out of memory, not written\n",
			  kind_names[k]);
		return -ENOMEM;
	}
	rc = ps_state_write(state_dir(r), kind_names[k], text, strlen(text));
	free(text);
	r->state.write_cycles[k] = rte_get_timer_cycles() - t0;
	r->state.last_write[k] = rte_get_timer_cycles();
	if (rc < 0) {
		/* still dirty: tried again once a second, said once */
		if (!r->state.failing[k])
			STATE_LOG(ERR, "cannot write %s/%s%s: %s (trying again "
				  "every second)\n", state_dir(r),
				  kind_names[k], PS_STATE_SUFFIX,
				  strerror(-rc));
		r->state.failing[k] = true;
		r->state.write_cycles[k] = RTE_MAX(r->state.write_cycles[k],
						   rte_get_timer_hz());
		return rc;
	}
	if (r->state.failing[k])
		STATE_LOG(INFO, "%s written again\n", kind_names[k]);
	r->state.failing[k] = false;
	r->state.dirty[k] = false;
	STATE_LOG(DEBUG, "%s written in %.1f ms\n", kind_names[k],
		  ms_since(t0));
	return 0;
}

/* Hooks ------------------------------------------------------------------ */

void
rest_state_changed(struct ps_rest *r, const char *resource, int status)
{
	enum rest_state_kind k;

	if (state_dir(r)[0] == '\0' || r->state.restoring || status >= 300)
		return;
	if (strcmp(resource, "ports") == 0)
		k = REST_STATE_PORTS;
	else if (strcmp(resource, "routes") == 0)
		k = REST_STATE_ROUTES;
	else if (strcmp(resource, "services") == 0 ||
		 strcmp(resource, "apply") == 0)
		k = REST_STATE_SERVICES;
	else
		return;
	r->state.dirty[k] = true;
	if (k == REST_STATE_PORTS || r->state.write_cycles[k] <
	    rte_get_timer_hz() / 1000 * WRITE_SYNC_MS)
		state_write(r, k);
}

void
rest_state_poll(struct ps_rest *r, bool force)
{
	uint64_t now = rte_get_timer_cycles();
	unsigned int k;

	if (state_dir(r)[0] == '\0')
		return;
	for (k = 0; k < REST_STATE_KINDS; k++) {
		if (!r->state.dirty[k])
			continue;
		/* as long idle as the last write took: at most half the
		 * thread goes to writing */
		if (!force && now - r->state.last_write[k] <
		    r->state.write_cycles[k])
			continue;
		state_write(r, k);
	}
}

/* Restoring ---------------------------------------------------------------- */

/* Send one request through the router as a client would. */
static int
replay(struct ps_rest *r, const char *method, const char *path,
       const char *body, size_t len, char *why, size_t why_size)
{
	struct ps_http_request req = {
		.method = method, .path = path, .query = "",
		.version_minor = 1, .content_type = "application/json",
		.has_content_length = true, .content_length = len,
		.body = body, .body_len = len,
	};
	struct ps_http_response resp;
	int status;

	memset(&resp, 0, sizeof(resp));
	resp.status = 200;
	snprintf(resp.content_type, sizeof(resp.content_type),
		 "application/json");
	rest_dispatch(&req, &resp, r);
	status = resp.status;
	why[0] = '\0';
	if (status >= 300) {
		json_t *j = resp.body != NULL ?
			    json_loadb(resp.body, resp.body_len, 0, NULL) :
			    NULL;
		const char *m = json_string_value(json_object_get(
			json_object_get(j, "error"), "message"));

		snprintf(why, why_size, "%d %s", status, m != NULL ? m : "");
		json_decref(j);
	}
	free(resp.body);
	return status;
}

static void
log_refused(const char *kind, unsigned int n, const char *item,
	    const char *why)
{
	if (n < LOG_ITEMS_MAX)
		STATE_LOG(WARNING, "%s: %s refused: %s\n", kind, item, why);
	else if (n == LOG_ITEMS_MAX)
		STATE_LOG(WARNING, "%s: more refused items not named\n",
			  kind);
}

static unsigned int
restore_ports(struct ps_rest *r, const json_t *arr, unsigned int *refused)
{
	unsigned int ok = 0;
	json_t *p;
	size_t i;

	json_array_foreach((json_t *)(uintptr_t)arr, i, p) {
		char *body = json_dumps(p, JSON_COMPACT), why[1024];
		const char *name = json_string_value(json_object_get(p, "name"));

		if (body != NULL && replay(r, "POST", "/v1/ports", body,
					   strlen(body), why,
					   sizeof(why)) < 300)
			ok++;
		else
			log_refused("ports", (*refused)++,
				    name != NULL ? name : "an item", why);
		free(body);
	}
	return ok;
}

/* Route by route, when the set as a whole was refused. */
static unsigned int
restore_routes(struct ps_rest *r, const json_t *doc, unsigned int *refused)
{
	const json_t *arr = json_object_get(doc, "routes");
	unsigned int ok = 0;
	char why[1024];
	json_t *v;
	size_t i;

	if (!json_is_array(arr)) {
		log_refused("routes", (*refused)++, "the set", "no list");
		return 0;
	}
	json_array_foreach((json_t *)(uintptr_t)arr, i, v) {
		char *one = json_dumps(v, JSON_COMPACT);
		const char *dst = json_string_value(json_object_get(v, "dst"));

		if (one != NULL && replay(r, "POST", "/v1/routes", one,
					  strlen(one), why, sizeof(why)) < 300)
			ok++;
		else
			log_refused("routes", (*refused)++,
				    dst != NULL ? dst : "an item", why);
		free(one);
	}
	return ok;
}

static int
apply_items(struct ps_rest *r, json_t *items, char *why, size_t why_size)
{
	json_t *list = json_pack("{s:s, s:s, s:O}", "apiVersion", "v1",
				 "kind", "List", "items", items);
	char *body = json_dumps(list, JSON_COMPACT);
	int status = 500;

	if (body != NULL)
		status = replay(r, "POST", "/v1/apply", body, strlen(body),
				why, why_size);
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
 * refused: one bad object costs only itself. */
static unsigned int
restore_services(struct ps_rest *r, const json_t *doc, unsigned int *refused)
{
	json_t *items = json_object_get(doc, "items"), *it, *jt;
	unsigned int ok = 0;
	char why[1024];
	size_t i, j;

	if (!json_is_array(items)) {
		log_refused("services", (*refused)++, "the List", "no items");
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
			log_refused("services", (*refused)++, name, why);
		json_decref(group);
	}
	return ok;
}

static int
count_api_route(const struct ps_route *rt, void *arg)
{
	*(unsigned int *)arg += rt->origin == PS_ROUTE_API;
	return 0;
}

static unsigned int
restored_count(const struct ps_rest *r, enum rest_state_kind k)
{
	struct ps_svc_stats st;
	unsigned int n = 0;

	if (k == REST_STATE_ROUTES) {
		ps_route_walk(r->dp->routes, count_api_route, &n);
		return n;
	}
	ps_svc_stats(r->dp->svcs, &st);
	return st.services;
}

static void
scan_cb(const char *name, const char *what, void *arg)
{
	STATE_LOG(WARNING, "%s/%s: %s\n", (const char *)arg, name, what);
}

int
ps_rest_state_restore(struct ps_rest *r)
{
	static const char *const kinds[] = { "ports", "routes", "services",
		"conntrack", NULL };
	const char *dir = state_dir(r);
	uint64_t t0 = rte_get_timer_cycles();
	unsigned int got[REST_STATE_KINDS] = { 0 }, refused = 0, k;
	double took[REST_STATE_KINDS] = { 0 }, wrote;
	uint64_t t;
	int rc;

	if (dir[0] == '\0')
		return 0;
	rc = ps_state_dir_prepare(dir);
	if (rc < 0) {
		STATE_LOG(ERR, "cannot use state directory %s: %s\n", dir,
			  strerror(-rc));
		return rc;
	}
	ps_state_scan(dir, kinds, scan_cb, (void *)(uintptr_t)dir);
	r->state.restoring = true;
	/* ports first: routes may name them */
	for (k = 0; k < REST_STATE_KINDS; k++) {
		char why[PS_STATE_WHY_MAX], *text;
		unsigned int before = refused;
		json_error_t jerr;
		json_t *doc;
		size_t len;

		t = rte_get_timer_cycles();
		rc = ps_state_read(dir, kind_names[k], &text, &len, why,
				   sizeof(why));
		if (rc == -ENOENT)
			continue;
		if (rc < 0) {
			STATE_LOG(ERR, "%s/%s%s refused: %s; set aside as "
				  "%s%s.refused, starting without its %s\n",
				  dir, kind_names[k], PS_STATE_SUFFIX, why,
				  kind_names[k], PS_STATE_SUFFIX,
				  kind_names[k]);
			ps_state_set_aside(dir, kind_names[k]);
			r->state.dirty[k] = true;
			continue;
		}
		/* the file is the request that rebuilds the whole set: sent
		 * as it is, it is parsed once; only a refusal costs more */
		if (k != REST_STATE_PORTS) {
			char why2[1024];

			if (replay(r, k == REST_STATE_ROUTES ? "PUT" : "POST",
				   k == REST_STATE_ROUTES ? "/v1/routes" :
				   "/v1/apply", text, len, why2,
				   sizeof(why2)) < 300) {
				free(text);
				got[k] = restored_count(r, k);
				r->state.dirty[k] = false;
				took[k] = ms_since(t);
				continue;
			}
			STATE_LOG(WARNING, "%s: the set as a whole is refused "
				  "(%s); restoring item by item\n",
				  kind_names[k], why2);
		}
		doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
		free(text);
		if (doc == NULL) {
			/* checksum right, content wrong: written by
			 * something that is not this podswitch */
			STATE_LOG(ERR, "%s/%s%s refused: line %d: %s\n", dir,
				  kind_names[k], PS_STATE_SUFFIX, jerr.line,
				  jerr.text);
			ps_state_set_aside(dir, kind_names[k]);
			r->state.dirty[k] = true;
			continue;
		}
		got[k] = k == REST_STATE_PORTS ? restore_ports(r, doc,
							       &refused) :
			 k == REST_STATE_ROUTES ? restore_routes(r, doc,
								 &refused) :
			 restore_services(r, doc, &refused);
		json_decref(doc);
		/* rewritten without the refused items */
		r->state.dirty[k] = refused != before;
		took[k] = ms_since(t);
	}
	r->state.restoring = false;
	t = rte_get_timer_cycles();
	rest_state_poll(r, true);
	wrote = ms_since(t);
	STATE_LOG(INFO, "restored from %s: %u ports, %u routes, %u services "
		  "(%u items refused) in %.1f ms (ports %.1f, routes %.1f, "
		  "services %.1f, rewrite %.1f)\n", dir,
		  got[REST_STATE_PORTS], got[REST_STATE_ROUTES],
		  got[REST_STATE_SERVICES], refused, ms_since(t0),
		  took[REST_STATE_PORTS], took[REST_STATE_ROUTES],
		  took[REST_STATE_SERVICES], wrote);
	return 0;
}

void
ps_rest_state_flush(struct ps_rest *r)
{
	if (r != NULL)
		rest_state_poll(r, true);
}
