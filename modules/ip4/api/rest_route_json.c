/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>

#include <podswitch/vxlan.h>

#include "rest_private.h"
#include "rest_route_json.h"

static const char *
route_type(uint8_t t)
{
	switch (t) {
	case PS_NH_LOCAL:
		return "local";
	case PS_NH_BLACKHOLE:
		return "blackhole";
	case PS_NH_UNREACHABLE:
		return "unreachable";
	default:
		return "unicast";
	}
}

static const char *
route_protocol(uint8_t origin)
{
	switch (origin) {
	case PS_ROUTE_CONNECTED:
		return "kernel";
	case PS_ROUTE_STATIC:
		return "static";
	default:
		return "api";
	}
}

static const char *
route_scope(const struct ps_route *rt)
{
	switch (rt->nh.type) {
	case PS_NH_LOCAL:
		return "host";
	case PS_NH_CONNECTED:
		return "link";
	default:
		return "global";
	}
}

static bool
has_dev(const struct ps_route *rt)
{
	return rt->nh.type == PS_NH_GATEWAY || rt->nh.type == PS_NH_CONNECTED;
}

json_t *
rest_route_json(const struct ps_dataplane *dp, const struct ps_route *rt)
{
	json_t *j = json_object();
	char dst[PS_PREFIX4_STRLEN];

	ps_prefix4_fmt(dst, &rt->dst);
	json_object_set_new(j, "type", json_string(route_type(rt->nh.type)));
	json_object_set_new(j, "dst", json_string(dst));
	if (rt->nh.type == PS_NH_GATEWAY)
		json_object_set_new(j, "gateway", rest_json_ip(rt->nh.gateway));
	if (rt->nh.type == PS_NH_VXLAN) {
		const struct ps_vtep *v = ps_vxlan_vtep(dp->vxlan,
							rt->nh.port_id);
		json_t *e = json_object();

		json_object_set_new(e, "type", json_string("vxlan"));
		if (v != NULL)
			json_object_set_new(e, "vni", json_integer(v->vni));
		json_object_set_new(e, "remote", rest_json_ip(rt->nh.gateway));
		if (v != NULL && v->has_mac)
			json_object_set_new(e, "mac", rest_json_mac(&v->mac));
		json_object_set_new(j, "encap", e);
	}
	if (has_dev(rt)) {
		const char *dev = rest_port_name(dp, rt->nh.port_id);

		if (dev != NULL)
			json_object_set_new(j, "dev", json_string(dev));
	}
	json_object_set_new(j, "protocol",
			    json_string(route_protocol(rt->origin)));
	json_object_set_new(j, "scope", json_string(route_scope(rt)));
	return j;
}

/*
 * The route list as text, written straight into the body: the same
 * objects as rest_route_json() in the same key order, without building a
 * jansson tree of 100k objects and dumping and copying it (that was half
 * of a 100k-route PUT).
 */
struct jbuf {
	char *p;
	size_t len, cap;
	bool oom;
	const struct ps_dataplane *dp;
	uint16_t last_port;	/* one-entry cache of rest_port_name() */
	const char *last_name;
};

static bool
jbuf_room(struct jbuf *b, size_t n)
{
	char *np;
	size_t cap;

	if (b->oom)
		return false;
	if (b->len + n + 1 <= b->cap)
		return true;
	cap = RTE_MAX(b->cap * 2, b->len + n + 1);
	np = realloc(b->p, cap);
	if (np == NULL) {
		b->oom = true;
		return false;
	}
	b->p = np;
	b->cap = cap;
	return true;
}

static void
jbuf_raw(struct jbuf *b, const char *s, size_t n)
{
	if (!jbuf_room(b, n))
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

#define JBUF_LIT(b, lit) jbuf_raw((b), (lit), sizeof(lit) - 1)

static void
jbuf_cstr(struct jbuf *b, const char *s)
{
	jbuf_raw(b, s, strlen(s));
}

/* A JSON string, escaped as jansson escapes it. */
static void
jbuf_str(struct jbuf *b, const char *s)
{
	size_t n = strlen(s), i;
	char *o;

	if (!jbuf_room(b, n * 6 + 2))
		return;
	o = b->p + b->len;
	*o++ = '"';
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		const char *esc = NULL;

		switch (c) {
		case '"': esc = "\\\""; break;
		case '\\': esc = "\\\\"; break;
		case '\b': esc = "\\b"; break;
		case '\f': esc = "\\f"; break;
		case '\n': esc = "\\n"; break;
		case '\r': esc = "\\r"; break;
		case '\t': esc = "\\t"; break;
		default: break;
		}
		if (esc != NULL) {
			*o++ = esc[0];
			*o++ = esc[1];
		} else if (c < 0x20) {
			o += sprintf(o, "\\u%04X", c);
		} else {
			*o++ = (char)c;
		}
	}
	*o++ = '"';
	b->len = (size_t)(o - b->p);
}

/* "a.b.c.d" or "a.b.c.d/len", quoted. */
static void
jbuf_addr(struct jbuf *b, uint32_t addr, int len)
{
	struct ps_prefix4 p = { .addr = addr, .len = (uint8_t)len };
	char *o;

	if (!jbuf_room(b, PS_PREFIX4_STRLEN + 2))
		return;
	o = b->p + b->len;
	*o++ = '"';
	o += len >= 0 ? ps_prefix4_fmt(o, &p) : ps_ip4_fmt(o, addr);
	*o++ = '"';
	b->len = (size_t)(o - b->p);
}

/* Few of these: rest_route_json()'s own encap object, dumped. */
static void
jbuf_encap(struct jbuf *b, const struct ps_route *rt)
{
	json_t *j = rest_route_json(b->dp, rt);
	char *e = json_dumps(json_object_get(j, "encap"),
			     JSON_COMPACT | JSON_PRESERVE_ORDER);

	json_decref(j);
	if (e == NULL) {
		b->oom = true;
		return;
	}
	JBUF_LIT(b, ",\"encap\":");
	jbuf_cstr(b, e);
	free(e);
}

static int
list_cb(const struct ps_route *rt, void *arg)
{
	struct jbuf *b = arg;

	if (b->len > 1)
		JBUF_LIT(b, ",");
	JBUF_LIT(b, "{\"type\":\"");
	jbuf_cstr(b, route_type(rt->nh.type));
	JBUF_LIT(b, "\",\"dst\":");
	jbuf_addr(b, rt->dst.addr, rt->dst.len);
	if (rt->nh.type == PS_NH_GATEWAY) {
		JBUF_LIT(b, ",\"gateway\":");
		jbuf_addr(b, rt->nh.gateway, -1);
	}
	if (rt->nh.type == PS_NH_VXLAN)
		jbuf_encap(b, rt);
	if (has_dev(rt)) {
		if (b->last_name == NULL || b->last_port != rt->nh.port_id) {
			b->last_port = rt->nh.port_id;
			b->last_name = rest_port_name(b->dp, rt->nh.port_id);
		}
		if (b->last_name != NULL) {
			JBUF_LIT(b, ",\"dev\":");
			jbuf_str(b, b->last_name);
		}
	}
	JBUF_LIT(b, ",\"protocol\":\"");
	jbuf_cstr(b, route_protocol(rt->origin));
	JBUF_LIT(b, "\",\"scope\":\"");
	jbuf_cstr(b, route_scope(rt));
	JBUF_LIT(b, "\"}");
	return b->oom ? -ENOMEM : 0;
}

char *
rest_routes_text(const struct ps_dataplane *dp, size_t *len)
{
	struct ps_route_stats st;
	struct jbuf b = { .dp = dp };

	ps_route_stats(dp->routes, &st);
	/* ~110 bytes a route with a gateway: one allocation, no regrowth */
	jbuf_room(&b, (size_t)st.routes * 112 + 64);
	JBUF_LIT(&b, "[");
	ps_route_walk(dp->routes, list_cb, &b);
	JBUF_LIT(&b, "]\n");
	if (b.oom) {
		free(b.p);
		return NULL;
	}
	b.p[b.len] = '\0';
	*len = b.len;
	return b.p;
}
