/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Conntrack over REST, in the spirit of conntrack(8):
 *   GET /v1/conntrack[?limit=N&proto=&src=&dst=&sport=&dport=&id=
 *                     &service=NS/NAME&endpoint=IP[:PORT]]
 *       the connections the filters all match (conntrack -L -p tcp
 *       --dport 80); addresses and ports are the original direction's
 *       (as the client sent them), the endpoint is where the service
 *       sent it (its DNAT);
 *   DELETE /v1/conntrack                  every connection (conntrack -F);
 *   DELETE /v1/conntrack?proto=&src=&dst=&sport=&dport= (or id= for
 *       ICMP echo): the one connection whose original tuple that is
 *       (conntrack -D), 404 when there is none.
 * An unknown parameter or a bad value is a 400 that changes nothing:
 * a mistyped single delete must never become a flush.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <podswitch/conntrack.h>
#include <podswitch/inet.h>
#include <podswitch/service.h>

#include "rest_private.h"

#define CT_LIST_DEFAULT 1000
#define CT_LIST_MAX 1000000

/* Which filters a request gave. */
#define F_PROTO 0x01
#define F_SRC 0x02
#define F_DST 0x04
#define F_SPORT 0x08
#define F_DPORT 0x10
#define F_SERVICE 0x20
#define F_ENDPOINT 0x40
#define F_LIMIT 0x80

struct ct_filter {
	unsigned int have;		/* F_* */
	uint8_t proto;
	uint32_t src, dst;		/* network order */
	uint16_t sport, dport;		/* network order */
	uint32_t ep_ip;			/* network order */
	uint16_t ep_port;		/* network order; 0 = any */
	char ns[PS_K8S_NAME_MAX], name[PS_K8S_NAME_MAX];
	unsigned long limit;
};

static const char *
proto_name(uint8_t p)
{
	return p == IPPROTO_TCP ? "TCP" : p == IPPROTO_UDP ? "UDP" :
	       p == IPPROTO_ICMP ? "ICMP" : "?";
}

static int
parse_proto(const char *v, uint8_t *p)
{
	if (strcasecmp(v, "tcp") == 0 || strcmp(v, "6") == 0)
		*p = IPPROTO_TCP;
	else if (strcasecmp(v, "udp") == 0 || strcmp(v, "17") == 0)
		*p = IPPROTO_UDP;
	else if (strcasecmp(v, "icmp") == 0 || strcmp(v, "1") == 0)
		*p = IPPROTO_ICMP;
	else
		return -EINVAL;
	return 0;
}

/* A decimal 1..max (network order out for ports). */
static int
parse_uint(const char *v, unsigned long max, unsigned long *out)
{
	char *end;

	if (v[0] < '0' || v[0] > '9')
		return -EINVAL;
	*out = strtoul(v, &end, 10);
	return *end == '\0' && *out >= 1 && *out <= max ? 0 : -EINVAL;
}

static int
parse_port(const char *v, uint16_t *port)
{
	unsigned long n;

	if (parse_uint(v, UINT16_MAX, &n) < 0)
		return -EINVAL;
	*port = rte_cpu_to_be_16((uint16_t)n);
	return 0;
}

/* "IP" or "IP:PORT". */
static int
parse_endpoint(char *v, uint32_t *ip, uint16_t *port)
{
	char *colon = strchr(v, ':');

	*port = 0;
	if (colon != NULL) {
		*colon = '\0';
		if (parse_port(colon + 1, port) < 0)
			return -EINVAL;
	}
	return ps_parse_ip4(v, ip);
}

/* "NS/NAME". */
static int
parse_service(const char *v, struct ct_filter *f)
{
	const char *slash = strchr(v, '/');

	if (slash == NULL || slash == v || slash[1] == '\0' ||
	    (size_t)(slash - v) >= sizeof(f->ns) ||
	    strlen(slash + 1) >= sizeof(f->name))
		return -EINVAL;
	snprintf(f->ns, sizeof(f->ns), "%.*s", (int)(slash - v), v);
	snprintf(f->name, sizeof(f->name), "%s", slash + 1);
	return 0;
}

/* One name=value of the query into f; the reason when it is bad. */
static const char *
filter_set(struct ct_filter *f, const char *key, char *v)
{
	unsigned long n;

	if (strcmp(key, "limit") == 0) {
		if (parse_uint(v, CT_LIST_MAX, &n) < 0)
			return "must be an integer 1..1000000";
		f->limit = n;
		f->have |= F_LIMIT;
	} else if (strcmp(key, "proto") == 0) {
		if (parse_proto(v, &f->proto) < 0)
			return "must be tcp, udp or icmp";
		f->have |= F_PROTO;
	} else if (strcmp(key, "src") == 0 || strcmp(key, "dst") == 0) {
		if (ps_parse_ip4(v, key[0] == 's' ? &f->src : &f->dst) < 0)
			return "must be an IPv4 address";
		f->have |= key[0] == 's' ? F_SRC : F_DST;
	} else if (strcmp(key, "sport") == 0 || strcmp(key, "dport") == 0 ||
		   strcmp(key, "id") == 0) {
		uint16_t port;

		if (parse_port(v, &port) < 0)
			return "must be an integer 1..65535";
		/* an ICMP echo tuple carries its identifier in both */
		if (key[0] != 'd') {
			f->sport = port;
			f->have |= F_SPORT;
		}
		if (key[0] != 's') {
			f->dport = port;
			f->have |= F_DPORT;
		}
	} else if (strcmp(key, "service") == 0) {
		if (parse_service(v, f) < 0)
			return "must be NAMESPACE/NAME";
		f->have |= F_SERVICE;
	} else if (strcmp(key, "endpoint") == 0) {
		if (parse_endpoint(v, &f->ep_ip, &f->ep_port) < 0)
			return "must be IP or IP:PORT";
		f->have |= F_ENDPOINT;
	} else {
		return "unknown parameter (limit, proto, src, dst, sport, "
		       "dport, id, service, endpoint)";
	}
	return NULL;
}

/* Every parameter of the query into f; false after answering 400. */
static bool
filter_parse(const struct ps_http_request *req,
	     struct ps_http_response *resp, struct ct_filter *f)
{
	const char *p = req->query != NULL ? req->query : "";

	memset(f, 0, sizeof(*f));
	f->limit = CT_LIST_DEFAULT;
	while (*p != '\0') {
		size_t len = strcspn(p, "&;");
		size_t klen = strcspn(p, "=&;");
		char key[16], v[PS_K8S_NAME_MAX * 2 + 2];
		const char *why;
		ssize_t n;

		if (len == 0) {
			p++;
			continue;
		}
		snprintf(key, sizeof(key), "%.*s",
			 (int)RTE_MIN(klen, sizeof(key) - 1), p);
		n = klen < sizeof(key) ?
		    ps_http_query_get(p, key, v, sizeof(v)) : -EINVAL;
		if (n < 0) {
			rest_bad(resp, "%.*s: bad or too long", (int)klen, p);
			return false;
		}
		why = filter_set(f, key, v);
		if (why != NULL) {
			rest_bad(resp, "%s: '%s' %s", key, v, why);
			return false;
		}
		p += len;
		if (*p != '\0')
			p++;
	}
	return true;
}

static bool
filter_match(const struct ct_filter *f, const struct ps_svc_table *svcs,
	     const struct ps_ct_entry *e)
{
	const struct ps_ct_tuple *o = &e->tuple[PS_CT_DIR_ORIG];

	if (((f->have & F_PROTO) && o->proto != f->proto) ||
	    ((f->have & F_SRC) && o->src_ip != f->src) ||
	    ((f->have & F_DST) && o->dst_ip != f->dst) ||
	    ((f->have & F_SPORT) && o->src_port != f->sport) ||
	    ((f->have & F_DPORT) && o->dst_port != f->dport))
		return false;
	if ((f->have & F_ENDPOINT) &&
	    (e->nat.endpoint_id == PS_CT_NO_ENDPOINT ||
	     e->nat.dnat_ip != f->ep_ip ||
	     (f->ep_port != 0 && e->nat.dnat_port != f->ep_port)))
		return false;
	if (f->have & F_SERVICE) {
		const struct ps_svc_port *sp =
			ps_svc_port_get(svcs, e->nat.service_id);

		if (sp == NULL || strcmp(sp->ns, f->ns) != 0 ||
		    strcmp(sp->name, f->name) != 0)
			return false;
	}
	return true;
}

static json_t *
tuple_json(const struct ps_ct_tuple *t)
{
	json_t *o = json_object();

	json_object_set_new(o, "src", rest_json_ip(t->src_ip));
	json_object_set_new(o, "dst", rest_json_ip(t->dst_ip));
	if (t->proto == IPPROTO_ICMP) {
		json_object_set_new(o, "id",
				    json_integer(rte_be_to_cpu_16(t->src_port)));
	} else {
		json_object_set_new(o, "sport",
				    json_integer(rte_be_to_cpu_16(t->src_port)));
		json_object_set_new(o, "dport",
				    json_integer(rte_be_to_cpu_16(t->dst_port)));
	}
	return o;
}

static json_t *
entry_json(const struct ps_ct *ct, const struct ps_ct_entry *e)
{
	uint16_t flags = __atomic_load_n(&e->flags, __ATOMIC_RELAXED);
	json_t *o = json_object();

	json_object_set_new(o, "protocol", json_string(proto_name(e->proto)));
	json_object_set_new(o, "state", json_string(ps_ct_state_name(
		__atomic_load_n(&e->state, __ATOMIC_RELAXED))));
	json_object_set_new(o, "ttl", json_integer(ps_ct_ttl(ct, e)));
	json_object_set_new(o, "assured",
			    json_boolean(flags & PS_CT_F_ASSURED));
	json_object_set_new(o, "original", tuple_json(&e->tuple[0]));
	json_object_set_new(o, "reply", tuple_json(&e->tuple[1]));
	json_object_set_new(o, "packets", json_pack("[I,I]",
		(json_int_t)e->packets[0], (json_int_t)e->packets[1]));
	json_object_set_new(o, "bytes", json_pack("[I,I]",
		(json_int_t)e->bytes[0], (json_int_t)e->bytes[1]));
	return o;
}

struct ct_list {
	const struct ps_ct *ct;
	const struct ps_svc_table *svcs;
	const struct ct_filter *f;
	json_t *arr;
	unsigned long seen;
};

static int
ct_list_cb(const struct ps_ct_entry *e, void *arg)
{
	struct ct_list *c = arg;

	if (!filter_match(c->f, c->svcs, e))
		return 0;
	if (c->seen++ >= c->f->limit)
		return 0;	/* keep counting */
	json_array_append_new(c->arr, entry_json(c->ct, e));
	return 0;
}

static void
rest_conntrack_get(struct ps_rest *r, const struct ps_http_request *req,
		   struct ps_http_response *resp, const char *arg)
{
	struct ct_list c = { .ct = r->dp->ct, .svcs = r->dp->svcs };
	struct ct_filter f;
	struct ps_ct_stats st;
	json_t *o;

	RTE_SET_USED(arg);
	if (!filter_parse(req, resp, &f))
		return;
	c.f = &f;
	c.arr = json_array();
	ps_ct_walk(r->dp->ct, ct_list_cb, &c);
	ps_ct_stats(r->dp->ct, &st);
	o = json_object();
	/* count: the entries that match (every live one without filter) */
	json_object_set_new(o, "count", json_integer((json_int_t)c.seen));
	json_object_set_new(o, "size", json_integer(st.size));
	json_object_set_new(o, "full", json_integer((json_int_t)st.full));
	json_object_set_new(o, "truncated", json_boolean(c.seen > f.limit));
	json_object_set_new(o, "entries", c.arr);
	rest_reply(resp, 200, o);
}

/* DELETE with a tuple: that one connection, found as workers find it. */
static void
conntrack_delete_one(struct ps_rest *r, const struct ct_filter *f,
		     struct ps_http_response *resp)
{
	const unsigned int tuple = F_PROTO | F_SRC | F_DST | F_SPORT | F_DPORT;
	struct ps_ct_entry *e;
	struct ps_ct_tuple t;
	json_t *o;
	uint8_t dir;

	if ((f->have & tuple) != tuple ||
	    (f->have & (F_SERVICE | F_ENDPOINT | F_LIMIT))) {
		rest_bad(resp, "deleting one connection takes its original "
			 "tuple, all of proto, src, dst, sport and dport "
			 "(id for ICMP), and nothing else");
		return;
	}
	if (f->proto == IPPROTO_ICMP)
		ps_ct_tuple_icmp(&t, f->src, f->dst, f->sport);
	else
		ps_ct_tuple_set(&t, f->proto, f->src, f->dst, f->sport,
				f->dport);
	e = ps_ct_lookup(r->dp->ct, &t, &dir);
	/* the reply tuple of another connection is not this one */
	if (e == NULL || dir != PS_CT_DIR_ORIG) {
		ps_http_json_error(resp, 404, "not_found", "no connection "
				   "with that original tuple");
		return;
	}
	o = entry_json(r->dp->ct, e);
	/* out of the index now; workers holding it finish their burst and
	 * its memory waits for the grace period (ps_ct_del) */
	if (ps_ct_del(r->dp->ct, e) < 0) {
		json_decref(o);
		ps_http_json_error(resp, 404, "not_found", "no connection "
				   "with that original tuple");
		return;
	}
	rest_reply(resp, 200, json_pack("{s:i, s:o}", "deleted", 1,
					"entry", o));
}

static void
rest_conntrack_delete(struct ps_rest *r, const struct ps_http_request *req,
		      struct ps_http_response *resp, const char *arg)
{
	struct ct_filter f;
	unsigned int n;

	RTE_SET_USED(arg);
	if (!filter_parse(req, resp, &f))
		return;
	if (f.have != 0) {
		conntrack_delete_one(r, &f, resp);
		return;
	}
	n = ps_ct_flush(r->dp->ct);
	rest_reply(resp, 200, json_pack("{s:i}", "deleted", (int)n));
}

PS_REST_ROUTE("GET", "/v1/conntrack", rest_conntrack_get);
PS_REST_ROUTE("DELETE", "/v1/conntrack", rest_conntrack_delete);
