/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * policy list|show NS/NAME: the NetworkPolicies the daemon enforces,
 * the local pods each selects and what their rules let in or out.
 */
#include <stdio.h>
#include <string.h>

#include "ctl.h"

static const char *
types_of(const json_t *p, char *buf, size_t size)
{
	const json_t *t;
	size_t i, off = 0;

	buf[0] = '\0';
	json_array_foreach(json_object_get(p, "policyTypes"), i, t)
		off += (size_t)snprintf(buf + off, off < size ? size - off : 0,
					"%s%s", i ? "," : "",
					json_string_value(t));
	return buf;
}

static json_int_t
jint(const json_t *o, const char *a, const char *b)
{
	const json_t *v = json_object_get(o, a);

	return json_integer_value(b ? json_object_get(v, b) : v);
}

static json_int_t
allowed_sum(const json_t *p)
{
	const json_t *r;
	json_int_t n = 0;
	size_t i;

	json_array_foreach(json_object_get(p, "rules"), i, r)
		n += jint(r, "allowed", NULL);
	return n;
}

static int
policy_list(const struct ctl *c)
{
	struct table *tb;
	json_t *j, *p;
	size_t i;
	int rc = ctl_get_json(c, "/v1/policies", &j);

	if (rc != CTL_EXIT_OK || j == NULL)
		return rc;
	tb = table_new(7, "NAMESPACE", "NAME", "TYPES", "PODS", "ALLOWED",
		       "DENIED-IN", "DENIED-OUT");
	json_array_foreach(j, i, p) {
		char v[4][24], types[32];

		snprintf(v[0], sizeof(v[0]), "%" JSON_INTEGER_FORMAT,
			 jint(p, "selectedPods", NULL));
		snprintf(v[1], sizeof(v[1]), "%" JSON_INTEGER_FORMAT,
			 allowed_sum(p));
		snprintf(v[2], sizeof(v[2]), "%" JSON_INTEGER_FORMAT,
			 jint(p, "denied", "ingress"));
		snprintf(v[3], sizeof(v[3]), "%" JSON_INTEGER_FORMAT,
			 jint(p, "denied", "egress"));
		table_row(tb, jstr(p, "namespace", NULL, 0),
			  jstr(p, "name", NULL, 0),
			  types_of(p, types, sizeof(types)), v[0], v[1], v[2],
			  v[3]);
	}
	table_print(tb, "");
	table_free(tb);
	json_decref(j);
	return CTL_EXIT_OK;
}

static int
policy_show(const struct ctl *c, const char *path)
{
	struct table *tb;
	json_t *j, *r;
	char types[32];
	size_t i;
	int rc = ctl_get_json(c, path, &j);

	if (rc != CTL_EXIT_OK || j == NULL)
		return rc;
	printf("%s/%s %s, %" JSON_INTEGER_FORMAT " local pods selected, "
	       "denied %" JSON_INTEGER_FORMAT " in, %" JSON_INTEGER_FORMAT
	       " out\n", jstr(j, "namespace", NULL, 0),
	       jstr(j, "name", NULL, 0), types_of(j, types, sizeof(types)),
	       jint(j, "selectedPods", NULL), jint(j, "denied", "ingress"),
	       jint(j, "denied", "egress"));
	tb = table_new(4, "DIRECTION", "RULE", "ACTIVE", "ALLOWED");
	json_array_foreach(json_object_get(j, "rules"), i, r) {
		char idx[16], n[24];

		snprintf(idx, sizeof(idx), "%" JSON_INTEGER_FORMAT,
			 jint(r, "index", NULL));
		snprintf(n, sizeof(n), "%" JSON_INTEGER_FORMAT,
			 jint(r, "allowed", NULL));
		table_row(tb, jstr(r, "direction", NULL, 0), idx,
			  json_is_true(json_object_get(r, "active")) ?
			  "yes" : "no", n);
	}
	table_print(tb, "  ");
	table_free(tb);
	json_decref(j);
	return CTL_EXIT_OK;
}

int
cmd_policy(const struct ctl *c, int argc, char **argv)
{
	char path[600];
	const char *slash;

	if (argc == 0 || strcmp(argv[0], "list") == 0) {
		if (argc > 1)
			return ctl_usage_error("policy list: unexpected '%s'",
					       argv[1]);
		return policy_list(c);
	}
	if (strcmp(argv[0], "show") != 0)
		return ctl_usage_error("policy: unknown '%s' (list, show)",
				       argv[0]);
	if (argc != 2 || (slash = strchr(argv[1], '/')) == NULL ||
	    slash == argv[1] || slash[1] == '\0' || strchr(slash + 1, '/') ||
	    strlen(argv[1]) > 512)
		return ctl_usage_error("policy show: NAMESPACE/NAME is "
				       "required");
	snprintf(path, sizeof(path), "/v1/policies/%s", argv[1]);
	return policy_show(c, path);
}
