/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * route list|get|add|del|replace, with ip route's words ("via", "dev",
 * "blackhole") so that the commands read as they do on a Linux host.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

static int
route_list(const struct ctl *c)
{
	json_t *j, *rt;
	size_t i;
	int rc = ctl_get_json(c, "/v1/routes", &j);

	if (rc != CTL_EXIT_OK || j == NULL)
		return rc;
	json_array_foreach(j, i, rt) {
		const char *type = json_string_value(json_object_get(rt, "type"));
		const char *dst = json_string_value(json_object_get(rt, "dst"));
		const char *gw = json_string_value(json_object_get(rt, "gateway"));
		const char *dev = json_string_value(json_object_get(rt, "dev"));
		const char *proto = json_string_value(json_object_get(rt,
								     "protocol"));
		const char *scope = json_string_value(json_object_get(rt,
								     "scope"));

		if (type != NULL && strcmp(type, "unicast") != 0)
			printf("%s ", type);
		printf("%s", dst == NULL ? "?" :
		       strcmp(dst, "0.0.0.0/0") == 0 ? "default" : dst);
		const json_t *encap = json_object_get(rt, "encap");

		if (encap != NULL) {
			/* ip route's lwtunnel words: encap TYPE id VNI ... */
			const char *m = json_string_value(json_object_get(encap,
									  "mac"));

			printf(" encap %s id %lld remote %s",
			       json_string_value(json_object_get(encap, "type")),
			       (long long)json_integer_value(json_object_get(encap,
									     "vni")),
			       json_string_value(json_object_get(encap, "remote")));
			if (m != NULL)
				printf(" mac %s", m);
		}
		if (gw != NULL)
			printf(" via %s", gw);
		if (dev != NULL)
			printf(" dev %s", dev);
		if (proto != NULL)
			printf(" proto %s", proto);
		/* ip route leaves the default scope out, so do we. */
		if (scope != NULL && strcmp(scope, "global") != 0)
			printf(" scope %s", scope);
		putchar('\n');
	}
	json_decref(j);
	return CTL_EXIT_OK;
}

/* "ip route get"'s line and the next hop's neighbor under it. */
static void
print_lookup(const json_t *j)
{
	const json_t *rt = json_object_get(j, "route");
	const json_t *encap = json_object_get(rt, "encap");
	const json_t *n = json_object_get(j, "neighbor");
	const char *type = json_string_value(json_object_get(rt, "type"));
	const char *gw = json_string_value(json_object_get(rt, "gateway"));
	const char *dev = json_string_value(json_object_get(j, "dev"));
	const char *nh = json_string_value(json_object_get(j, "nexthop"));
	char vni[24];

	if (type != NULL && strcmp(type, "unicast") != 0)
		printf("%s ", type);
	printf("%s", jstr(j, "addr", NULL, 0));
	if (encap != NULL)
		printf(" encap %s id %s remote %s", jstr(encap, "type", NULL, 0),
		       jstr(encap, "vni", vni, sizeof(vni)),
		       jstr(encap, "remote", NULL, 0));
	if (gw != NULL)
		printf(" via %s", gw);
	if (dev != NULL)
		printf(" dev %s", dev);
	printf(" route %s proto %s\n", jstr(rt, "dst", NULL, 0),
	       jstr(rt, "protocol", NULL, 0));
	if (nh == NULL)
		return;
	if (n == NULL || json_is_null(n))
		printf("    neighbor %s none (not resolved yet)\n", nh);
	else if (json_is_null(json_object_get(n, "mac")))
		printf("    neighbor %s %s\n", nh, jstr(n, "state", NULL, 0));
	else
		printf("    neighbor %s lladdr %s %s\n", nh,
		       jstr(n, "mac", NULL, 0), jstr(n, "state", NULL, 0));
}

/* GET /v1/routes/lookup?addr=ADDR: which route a packet to ADDR takes. */
static int
route_get(const struct ctl *c, const char *addr)
{
	char path[128];
	size_t len;
	json_t *j;
	int rc;

	len = (size_t)snprintf(path, sizeof(path), "/v1/routes/lookup?addr=");
	/* the server judges the address; the query only has to hold it */
	for (; *addr != '\0' && len + 4 < sizeof(path); addr++)
		len += (size_t)snprintf(path + len, sizeof(path) - len,
			(*addr >= '0' && *addr <= '9') || *addr == '.' ||
			(*addr >= 'a' && *addr <= 'z') ||
			(*addr >= 'A' && *addr <= 'Z') ? "%c" : "%%%02X",
			(unsigned char)*addr);
	if (*addr != '\0')
		return ctl_usage_error("route get: address too long");
	rc = ctl_get_json(c, path, &j);
	if (rc != CTL_EXIT_OK || j == NULL)
		return rc;
	print_lookup(j);
	json_decref(j);
	return CTL_EXIT_OK;
}

static int
route_add(const struct ctl *c, int argc, char **argv)
{
	json_t *j = json_object();
	char *body;
	int i = 0, rc;

	if (i < argc && (strcmp(argv[i], "blackhole") == 0 ||
			 strcmp(argv[i], "unreachable") == 0)) {
		json_object_set_new(j, "type", json_string(argv[i]));
		i++;
	}
	if (i == argc) {
		json_decref(j);
		return ctl_usage_error("route add: PREFIX is required");
	}
	json_object_set_new(j, "dst", json_string(argv[i++]));
	/* encap vxlan [id VNI] remote IP [mac MAC]: the rest of the line */
	if (i + 1 < argc && strcmp(argv[i], "encap") == 0) {
		json_t *e = json_object();

		if (strcmp(argv[i + 1], "vxlan") != 0) {
			json_decref(e);
			json_decref(j);
			return ctl_usage_error("route add: encap: only vxlan");
		}
		json_object_set_new(e, "type", json_string("vxlan"));
		for (i += 2; i < argc; i += 2) {
			const char *k = strcmp(argv[i], "id") == 0 ? "vni" :
					strcmp(argv[i], "remote") == 0 ? "remote" :
					strcmp(argv[i], "mac") == 0 ? "mac" : NULL;
			char *end;

			if (k == NULL || i + 1 == argc) {
				json_decref(e);
				json_decref(j);
				return ctl_usage_error("route add: encap vxlan "
						       "[id VNI] remote IP [mac MAC]");
			}
			if (strcmp(k, "vni") == 0) {
				long long v = strtoll(argv[i + 1], &end, 10);

				if (*end != '\0' || end == argv[i + 1]) {
					json_decref(e);
					json_decref(j);
					return ctl_usage_error("route add: id: "
							       "not a number");
				}
				json_object_set_new(e, k, json_integer(v));
			} else {
				json_object_set_new(e, k, json_string(argv[i + 1]));
			}
		}
		json_object_set_new(j, "encap", e);
	}
	for (; i < argc; i += 2) {
		const char *key;

		if (strcmp(argv[i], "via") == 0)
			key = "gateway";
		else if (strcmp(argv[i], "dev") == 0)
			key = "dev";
		else {
			json_decref(j);
			return ctl_usage_error("route add: unexpected '%s' "
					       "(expected via GW or dev PORT)",
					       argv[i]);
		}
		if (i + 1 == argc) {
			json_decref(j);
			return ctl_usage_error("route add: '%s' needs a value",
					       argv[i]);
		}
		if (json_object_get(j, key) != NULL) {
			json_decref(j);
			return ctl_usage_error("route add: '%s' given twice",
					       argv[i]);
		}
		json_object_set_new(j, key, json_string(argv[i + 1]));
	}
	body = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(j);
	if (body == NULL) {
		/* json_string refuses invalid UTF-8 and leaves a hole. */
		ctl_err("route add: arguments are not valid UTF-8");
		return CTL_EXIT_FAIL;
	}
	rc = ctl_change(c, "POST", "/v1/routes", body, strlen(body));
	free(body);
	return rc;
}

/* The path segment of a prefix: '/' as '_', anything unusual %-escaped. */
static int
route_del(const struct ctl *c, const char *prefix)
{
	char path[512];
	size_t n = strlen("/v1/routes/");
	const unsigned char *p;

	memcpy(path, "/v1/routes/", n);
	for (p = (const unsigned char *)prefix; *p != '\0'; p++) {
		if (n + 4 >= sizeof(path)) {
			ctl_err("route del: prefix too long");
			return CTL_EXIT_FAIL;
		}
		if (*p == '/')
			path[n++] = '_';
		else if ((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') ||
			 (*p >= 'A' && *p <= 'Z') || *p == '.' || *p == '-' ||
			 *p == '_' || *p == ':')
			path[n++] = (char)*p;
		else
			n += (size_t)snprintf(path + n, 4, "%%%02X", *p);
	}
	path[n] = '\0';
	return ctl_change(c, "DELETE", path, NULL, 0);
}

static int
route_replace(const struct ctl *c, int argc, char **argv)
{
	json_error_t err;
	json_t *j;
	size_t len;
	char *body;
	int rc;

	if (argc != 2 || strcmp(argv[0], "-f") != 0)
		return ctl_usage_error("route replace: usage: route replace "
				       "-f FILE (or - for stdin)");
	body = ctl_read_file(argv[1], &len);
	if (body == NULL)
		return CTL_EXIT_FAIL;
	/* The server would refuse it too, but could not name the file. */
	j = json_loadb(body, len, JSON_DECODE_ANY, &err);
	if (j == NULL) {
		ctl_err("%s: line %d, column %d: %s", argv[1], err.line,
			err.column, err.text);
		free(body);
		return CTL_EXIT_FAIL;
	}
	json_decref(j);
	rc = ctl_change(c, "PUT", "/v1/routes", body, len);
	free(body);
	return rc;
}

int
cmd_route(const struct ctl *c, int argc, char **argv)
{
	if (argc == 0 || strcmp(argv[0], "list") == 0 ||
	    strcmp(argv[0], "show") == 0) {
		if (argc > 1)
			return ctl_usage_error("route list: unexpected '%s'",
					       argv[1]);
		return route_list(c);
	}
	if (strcmp(argv[0], "get") == 0) {
		if (argc != 2)
			return ctl_usage_error("route get: exactly one ADDR is "
					       "required");
		return route_get(c, argv[1]);
	}
	if (strcmp(argv[0], "add") == 0)
		return route_add(c, argc - 1, argv + 1);
	if (strcmp(argv[0], "del") == 0 || strcmp(argv[0], "delete") == 0) {
		if (argc != 2)
			return ctl_usage_error("route del: exactly one PREFIX "
					       "is required");
		return route_del(c, argv[1]);
	}
	if (strcmp(argv[0], "replace") == 0)
		return route_replace(c, argc - 1, argv + 1);
	return ctl_usage_error("route: unknown subcommand '%s' (list, get, "
			       "add, del, replace)", argv[0]);
}
