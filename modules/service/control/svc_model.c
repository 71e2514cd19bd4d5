/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Kubernetes JSON -> struct ps_svc_spec / ps_eps_spec. Kubernetes prints
 * many fields we do not use (uid, managedFields, status.conditions...):
 * those are accepted unseen. Fields we use are checked for type and value
 * and every problem is reported with its path from the document root. A
 * JSON null is taken as "absent", as Kubernetes itself does.
 *
 * This file: documents and Lists, the members Services and slices share,
 * duplicates, copies. A Service: svc_model_service.c; an EndpointSlice:
 * svc_model_slice.c.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>

#include <podswitch/name_map.h>

#include "svc_model.h"

int
k8s_parse_ip(const char *s, uint32_t *ip)
{
	struct in6_addr a6;

	if (ps_parse_ip4(s, ip) == 0)
		return 1;
	if (inet_pton(AF_INET6, s, &a6) == 1)
		return 0;
	return -1;
}

void
k8s_get_ip_list(const json_t *obj, const char *path, const char *key,
		uint32_t **out, unsigned int *n, struct ps_errors *errs)
{
	const json_t *arr = ps_json_array(obj, path, key, K8S, errs);
	char p[PS_JPATH_MAX], pi[PS_JPATH_MAX];
	const json_t *v;
	size_t i;

	if (arr == NULL)
		return;
	ps_jpath_key(p, path, key);
	json_array_foreach(arr, i, v) {
		uint32_t ip, *grown;

		ps_jpath_idx(pi, p, (unsigned int)i);
		if (!json_is_string(v)) {
			ps_errors_add(errs, pi, "must be a string");
			continue;
		}
		switch (k8s_parse_ip(json_string_value(v), &ip)) {
		case 1:
			grown = realloc(*out, (*n + 1) * sizeof(**out));
			if (grown == NULL) {
				ps_errors_add(errs, pi, "out of memory");
				return;
			}
			*out = grown;
			(*out)[(*n)++] = ip;
			break;
		case 0:
			break;
		default:
			ps_errors_add(errs, pi, "'%s' is not an IP address",
				      json_string_value(v));
		}
	}
}

uint8_t
k8s_parse_proto(const json_t *obj, const char *path, struct ps_errors *errs,
		bool sctp_ok)
{
	char s[16] = "TCP", p[PS_JPATH_MAX];

	/* a bad value is reported; the port then counts as TCP */
	ps_json_string(obj, path, "protocol", K8S, s, sizeof(s), errs);
	if (strcmp(s, "TCP") == 0)
		return IPPROTO_TCP;
	if (strcmp(s, "UDP") == 0)
		return IPPROTO_UDP;
	ps_jpath_key(p, path, "protocol");
	if (strcmp(s, "SCTP") == 0) {
		if (sctp_ok)
			return IPPROTO_SCTP;
		ps_errors_add(errs, p, "SCTP is not supported (TCP or UDP)");
	} else {
		ps_errors_add(errs, p, "must be TCP or UDP");
	}
	return 0;
}

void
k8s_parse_meta(const json_t *item, const char *path, char *ns, char *name,
	       const json_t **labels, const json_t **ann,
	       struct ps_errors *errs)
{
	const json_t *md = ps_json_object(item, path, "metadata", K8S_REQ,
					  errs);
	char p[PS_JPATH_MAX];

	*labels = *ann = NULL;
	strcpy(ns, "default");
	if (md == NULL)
		return;
	ps_jpath_key(p, path, "metadata");
	if (ps_json_string(md, p, "name", K8S_REQ, name, PS_K8S_NAME_MAX,
			   errs) && name[0] == '\0') {
		char pn[PS_JPATH_MAX];

		ps_jpath_key(pn, p, "name");
		ps_errors_add(errs, pn, "must not be empty");
	}
	ps_json_string(md, p, "namespace", K8S, ns, PS_K8S_NAME_MAX, errs);
	if (ns[0] == '\0')
		strcpy(ns, "default");
	*labels = ps_json_object(md, p, "labels", K8S, errs);
	*ann = ps_json_object(md, p, "annotations", K8S, errs);
}

bool
k8s_meta_str(const json_t *map, const char *path, const char *which,
	     const char *key, char *out, size_t len, struct ps_errors *errs)
{
	char pm[PS_JPATH_MAX], p[PS_JPATH_MAX];

	if (map == NULL)
		return false;
	ps_jpath_key(pm, path, "metadata");
	ps_jpath_key(p, pm, which);
	return ps_json_string(map, p, key, K8S, out, len, errs);
}

void
ps_k8s_doc_free(struct ps_k8s_doc *doc)
{
	unsigned int i;

	for (i = 0; i < doc->nb_svcs; i++)
		svc_spec_free(&doc->svcs[i]);
	for (i = 0; i < doc->nb_slices; i++)
		svc_slice_free(&doc->slices[i]);
	free(doc->svcs);
	free(doc->slices);
	memset(doc, 0, sizeof(*doc));
}

static int
parse_item(const json_t *item, const char *path, const char *want,
	   struct ps_k8s_doc *doc, struct ps_errors *errs)
{
	unsigned int mark = ps_errors_seen(errs);
	char kind[32] = "", p[PS_JPATH_MAX];
	int rc;

	if (!json_is_object(item)) {
		ps_errors_add(errs, path[0] ? path : "(root)",
			      "must be an object");
		return -EINVAL;
	}
	if (!ps_json_string(item, path, "kind", want == NULL ? K8S_REQ : K8S,
			    kind, sizeof(kind), errs)) {
		if (ps_errors_seen(errs) != mark)
			return -EINVAL;
		strcpy(kind, want);	/* items of a typed list may omit it */
	}
	ps_jpath_key(p, path, "kind");
	if (want != NULL && strcmp(kind, want) != 0) {
		ps_errors_add(errs, p, "'%s' in a %sList", kind, want);
		return -EINVAL;
	}
	if (strcmp(kind, "Service") == 0) {
		rc = k8s_parse_service(item, path, &doc->svcs[doc->nb_svcs], errs);
		doc->nb_svcs++;	/* freed with the doc even when bad */
		return rc;
	}
	if (strcmp(kind, "EndpointSlice") == 0) {
		rc = k8s_parse_slice(item, path, &doc->slices[doc->nb_slices],
				 errs);
		doc->nb_slices++;
		return rc;
	}
	ps_errors_add(errs, p, "'%s': must be Service or EndpointSlice "
		      "(or a List of them)", kind);
	return -EINVAL;
}

/*
 * Whether an item below i of arr has arr[i]'s ns/name; then indexes item
 * i. The map holds items 0..i-1, chained by a hash of their ns/name, so
 * that finding duplicates in a List of n items costs O(n) compares, not
 * n^2 (10,000 Services spent seconds here).
 */
#define DUP_SEEN(m, arr, i, seen)					\
	do {								\
		uint32_t h_ = ps_name_hash((arr)[i].ns, (arr)[i].name), k_; \
									\
		(seen) = false;						\
		for (k_ = ps_name_map_first(m, h_);			\
		     k_ != PS_NAME_MAP_END && !(seen);			\
		     k_ = ps_name_map_next(m, k_))			\
			(seen) = strcmp((arr)[k_].ns, (arr)[i].ns) == 0 && \
				 strcmp((arr)[k_].name, (arr)[i].name) == 0; \
		ps_name_map_add(m, h_, (i));				\
	} while (0)

/* Two items naming the same object would apply in an arbitrary order.
 * Each duplicate is reported against every earlier item of its name. */
static int
check_dups(const struct ps_k8s_doc *doc, struct ps_errors *errs)
{
	unsigned int n = RTE_MAX(doc->nb_svcs, doc->nb_slices), i, j;
	struct ps_name_map svcs = { 0 }, slices = { 0 };
	bool seen;
	int rc = 0;

	if (ps_name_map_init(&svcs, RTE_MAX(n, 1u)) < 0 ||
	    ps_name_map_init(&slices, RTE_MAX(n, 1u)) < 0) {
		ps_name_map_free(&svcs);
		ps_name_map_free(&slices);
		ps_errors_add(errs, "$", "out of memory");
		return -ENOMEM;
	}
	for (i = 0; i < doc->nb_svcs; i++) {
		DUP_SEEN(&svcs, doc->svcs, i, seen);
		for (j = 0; seen && j < i; j++)
			if (strcmp(doc->svcs[i].ns, doc->svcs[j].ns) == 0 &&
			    strcmp(doc->svcs[i].name, doc->svcs[j].name) == 0) {
				ps_errors_add(errs, doc->svcs[i].path,
					      "Service %s/%s already in %s",
					      doc->svcs[i].ns, doc->svcs[i].name,
					      doc->svcs[j].path);
				rc = -EINVAL;
			}
	}
	for (i = 0; i < doc->nb_slices; i++) {
		DUP_SEEN(&slices, doc->slices, i, seen);
		for (j = 0; seen && j < i; j++)
			if (strcmp(doc->slices[i].ns, doc->slices[j].ns) == 0 &&
			    strcmp(doc->slices[i].name,
				   doc->slices[j].name) == 0) {
				ps_errors_add(errs, doc->slices[i].path,
					      "EndpointSlice %s/%s already in %s",
					      doc->slices[i].ns,
					      doc->slices[i].name,
					      doc->slices[j].path);
				rc = -EINVAL;
			}
	}
	ps_name_map_free(&svcs);
	ps_name_map_free(&slices);
	return rc;
}

int
ps_k8s_parse_json(const json_t *root, struct ps_k8s_doc *doc,
		  struct ps_errors *errs)
{
	const json_t *items, *item;
	const char *want = NULL;
	char kind[32] = "";
	int rc = 0;
	size_t i, n = 1;

	if (errs == NULL) {
		/* every part asks whether it reported anything */
		struct ps_errors local = { 0 };

		rc = ps_k8s_parse_json(root, doc, &local);
		ps_errors_free(&local);
		return rc;
	}
	memset(doc, 0, sizeof(*doc));
	if (!json_is_object(root)) {
		ps_errors_add(errs, "(root)", "must be an object");
		return -EINVAL;
	}
	if (!ps_json_string(root, "", "kind", K8S_REQ, kind, sizeof(kind),
			    errs))
		return -EINVAL;
	if (strcmp(kind, "List") == 0 || strcmp(kind, "ServiceList") == 0 ||
	    strcmp(kind, "EndpointSliceList") == 0) {
		if (strcmp(kind, "ServiceList") == 0)
			want = "Service";
		else if (strcmp(kind, "EndpointSliceList") == 0)
			want = "EndpointSlice";
		items = ps_json_array(root, "", "items", K8S, errs);
		if (items == NULL && ps_json_get(root, "items", K8S) != NULL)
			return -EINVAL;
		n = items == NULL ? 0 : json_array_size(items);
	} else {
		items = NULL;
	}
	doc->svcs = calloc(n ? n : 1, sizeof(*doc->svcs));
	doc->slices = calloc(n ? n : 1, sizeof(*doc->slices));
	if (doc->svcs == NULL || doc->slices == NULL) {
		ps_errors_add(errs, "(root)", "out of memory");
		ps_k8s_doc_free(doc);
		return -ENOMEM;
	}
	if (items == NULL && n == 1) {
		rc = parse_item(root, "", NULL, doc, errs);
	} else if (items != NULL) {
		json_array_foreach(items, i, item) {
			char p[PS_JPATH_MAX];

			ps_jpath_idx(p, "items", (unsigned int)i);
			if (parse_item(item, p, want, doc, errs) < 0)
				rc = -EINVAL;
		}
	}
	if (rc == 0)
		rc = check_dups(doc, errs);
	if (rc < 0)
		ps_k8s_doc_free(doc);
	return rc;
}

int
ps_k8s_parse(const char *text, size_t len, struct ps_k8s_doc *doc,
	     struct ps_errors *errs)
{
	json_error_t je;
	json_t *root;
	int rc;

	memset(doc, 0, sizeof(*doc));
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (root == NULL) {
		char where[64];

		snprintf(where, sizeof(where), "(line %d, column %d)",
			 je.line, je.column);
		ps_errors_add(errs, where, "%s", je.text);
		return -EINVAL;
	}
	rc = ps_k8s_parse_json(root, doc, errs);
	json_decref(root);
	return rc;
}

/* Deep copies, so the table owns what it stores. */
#define DUP_ARRAY(dst, src, n) do { \
	(dst) = NULL; \
	if ((n) > 0) { \
		(dst) = malloc(sizeof(*(dst)) * (n)); \
		if ((dst) == NULL) \
			goto nomem; \
		memcpy((dst), (src), sizeof(*(dst)) * (n)); \
	} \
} while (0)

int
svc_spec_copy(struct ps_svc_spec *d, const struct ps_svc_spec *s)
{
	*d = *s;
	d->ports = NULL;
	d->external_ips = d->lb_ips = NULL;
	d->src_ranges = NULL;
	d->weights = NULL;
	d->external_name = NULL;
	DUP_ARRAY(d->ports, s->ports, s->nb_ports);
	DUP_ARRAY(d->external_ips, s->external_ips, s->nb_external_ips);
	DUP_ARRAY(d->lb_ips, s->lb_ips, s->nb_lb_ips);
	DUP_ARRAY(d->src_ranges, s->src_ranges, s->nb_src_ranges);
	DUP_ARRAY(d->weights, s->weights, s->nb_weights);
	if (s->external_name != NULL &&
	    (d->external_name = strdup(s->external_name)) == NULL)
		goto nomem;
	return 0;
nomem:
	svc_spec_free(d);
	return -ENOMEM;
}

void
svc_spec_free(struct ps_svc_spec *s)
{
	free(s->ports);
	free(s->external_ips);
	free(s->lb_ips);
	free(s->src_ranges);
	free(s->weights);
	free(s->external_name);
	s->ports = NULL;
	s->external_ips = s->lb_ips = NULL;
	s->src_ranges = NULL;
	s->weights = NULL;
	s->external_name = NULL;
	s->nb_ports = s->nb_external_ips = s->nb_lb_ips = 0;
	s->nb_src_ranges = s->nb_weights = 0;
}

int
svc_slice_copy(struct ps_eps_spec *d, const struct ps_eps_spec *s)
{
	unsigned int i;

	*d = *s;
	d->endpoints = NULL;
	d->ports = NULL;
	d->nb_endpoints = 0;
	DUP_ARRAY(d->ports, s->ports, s->nb_ports);
	if (s->nb_endpoints > 0) {
		d->endpoints = calloc(s->nb_endpoints, sizeof(*d->endpoints));
		if (d->endpoints == NULL)
			goto nomem;
	}
	for (i = 0; i < s->nb_endpoints; i++) {
		d->endpoints[i] = s->endpoints[i];
		d->nb_endpoints++;
		d->endpoints[i].zones = NULL;
		DUP_ARRAY(d->endpoints[i].addrs, s->endpoints[i].addrs,
			  s->endpoints[i].nb_addrs);
		DUP_ARRAY(d->endpoints[i].zones, s->endpoints[i].zones,
			  s->endpoints[i].nb_zones);
	}
	return 0;
nomem:
	svc_slice_free(d);
	return -ENOMEM;
}

void
svc_slice_free(struct ps_eps_spec *s)
{
	unsigned int i;

	for (i = 0; i < s->nb_endpoints; i++) {
		free(s->endpoints[i].addrs);
		free(s->endpoints[i].zones);
	}
	free(s->endpoints);
	free(s->ports);
	s->endpoints = NULL;
	s->ports = NULL;
	s->nb_endpoints = s->nb_ports = 0;
}

unsigned int
svc_slice_addrs(const struct ps_eps_spec *s)
{
	unsigned int i, n = 0;

	for (i = 0; i < s->nb_endpoints; i++)
		n += s->endpoints[i].nb_addrs;
	return n;
}
