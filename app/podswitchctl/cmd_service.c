/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * service list|show|apply|del, apply -f: Kubernetes services as
 * "kubectl get svc,endpointslices -o json" prints them, in the spirit of
 * ipvsadm -L (conntrack: cmd_conntrack.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

/* "/v1/services/NS/NAME" from "NS/NAME" or "NS NAME"; names are DNS
 * labels, anything else is escaped. Returns argv consumed, or -1. */
static int
svc_path(int argc, char **argv, const char *verb, char *buf, size_t size)
{
	char ns[256], name[256], *slash;
	const char *a, *b;
	size_t len;
	int used;

	if (argc >= 1 && (slash = strchr(argv[0], '/')) != NULL) {
		snprintf(ns, sizeof(ns), "%.*s", (int)(slash - argv[0]),
			 argv[0]);
		snprintf(name, sizeof(name), "%s", slash + 1);
		used = 1;
	} else if (argc >= 2) {
		snprintf(ns, sizeof(ns), "%s", argv[0]);
		snprintf(name, sizeof(name), "%s", argv[1]);
		used = 2;
	} else {
		ctl_usage_error("service %s: NAMESPACE/NAME is required", verb);
		return -1;
	}
	if (ns[0] == '\0' || name[0] == '\0') {
		ctl_usage_error("service %s: NAMESPACE/NAME is required", verb);
		return -1;
	}
	len = (size_t)snprintf(buf, size, "/v1/services");
	for (a = ns, b = name; a != NULL; a = b, b = NULL) {
		len += (size_t)snprintf(buf + len, size - len, "/");
		for (; *a && len + 4 < size; a++) {
			unsigned char ch = (unsigned char)*a;

			if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			    (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' ||
			    ch == '_')
				buf[len++] = (char)ch;
			else
				len += (size_t)snprintf(buf + len, size - len,
							"%%%02X", ch);
		}
		buf[len] = '\0';
	}
	return used;
}

static void
ports_text(const json_t *svc, char *buf, size_t size)
{
	const json_t *p;
	size_t i, len = 0;

	buf[0] = '\0';
	json_array_foreach(json_object_get(svc, "ports"), i, p) {
		const json_t *np = json_object_get(p, "nodePort");
		char t[32];

		if (json_is_integer(np))
			snprintf(t, sizeof(t), ":%" JSON_INTEGER_FORMAT,
				 json_integer_value(np));
		else
			t[0] = '\0';
		len += (size_t)snprintf(buf + len, len < size ? size - len : 0,
			"%s%" JSON_INTEGER_FORMAT "%s/%s", i ? "," : "",
			json_integer_value(json_object_get(p, "port")), t,
			jstr(p, "protocol", NULL, 0));
	}
	if (buf[0] == '\0')
		snprintf(buf, size, "-");
}

/* loadBalancerIPs joined by commas, "-" for none. */
static void
lb_ips_text(const json_t *svc, char *buf, size_t size)
{
	const json_t *ip;
	size_t i, len = 0;

	buf[0] = '\0';
	json_array_foreach(json_object_get(svc, "loadBalancerIPs"), i, ip)
		len += (size_t)snprintf(buf + len, len < size ? size - len : 0,
					"%s%s", i ? "," : "",
					json_string_value(ip) ?
					json_string_value(ip) : "?");
	if (buf[0] == '\0')
		snprintf(buf, size, "-");
}

/* "None", or "ClientIP/10800s" with its timeout: one word, one column. */
static void
affinity_text(const json_t *svc, char *buf, size_t size)
{
	const json_t *t = json_object_get(svc, "sessionAffinityTimeoutSeconds");

	if (json_is_integer(t))
		snprintf(buf, size, "%s/%" JSON_INTEGER_FORMAT "s",
			 jstr(svc, "sessionAffinity", NULL, 0),
			 json_integer_value(t));
	else
		snprintf(buf, size, "%s", jstr(svc, "sessionAffinity", NULL, 0));
}

static int
service_list(const struct ctl *c)
{
	struct table *tb;
	json_t *j, *s;
	size_t i;
	int rc = ctl_get_json(c, "/v1/services", &j);

	if (rc != CTL_EXIT_OK || j == NULL)
		return rc;
	/* New columns go last: scripts read the first seven by position. */
	tb = table_new(10, "NAMESPACE", "NAME", "TYPE", "CLUSTER-IP", "PORTS",
		       "SCHEDULER", "PROGRAMMED", "LB-IPS", "EXT-POLICY",
		       "AFFINITY");
	json_array_foreach(j, i, s) {
		char ports[256], lbips[256], aff[48];

		ports_text(s, ports, sizeof(ports));
		lb_ips_text(s, lbips, sizeof(lbips));
		affinity_text(s, aff, sizeof(aff));
		table_row(tb, jstr(s, "namespace", NULL, 0),
			  jstr(s, "name", NULL, 0), jstr(s, "type", NULL, 0),
			  jstr(s, "clusterIP", NULL, 0), ports,
			  jstr(s, "scheduler", NULL, 0),
			  json_is_true(json_object_get(s, "programmed")) ?
			  "yes" : jstr(s, "reason", NULL, 0), lbips,
			  jstr(s, "externalTrafficPolicy", NULL, 0), aff);
	}
	table_print(tb, "");
	table_free(tb);
	json_decref(j);
	return CTL_EXIT_OK;
}

/* ipvsadm --stats' five columns of a "stats" object, into v[5]. */
static void
traffic_cells(const json_t *o, char v[5][24])
{
	static const char *const keys[] = {
		"connections", "inPackets", "outPackets", "inBytes",
		"outBytes",
	};
	const json_t *st = json_object_get(o, "stats");
	unsigned int k;

	for (k = 0; k < 5; k++)
		jstr(st, keys[k], v[k], sizeof(v[k]));
}

/*
 * The service, then per port its endpoints with what they serve now and
 * what went through them (as "ipvsadm -L -n --stats": connections
 * created, packets and bytes in, client to endpoint, and out, the
 * replies), and the port's own totals (removed endpoints included).
 */
static int
service_show(const struct ctl *c, const char *path)
{
	json_t *j, *p, *e;
	size_t i, k;
	int rc = ctl_get_json(c, path, &j);

	if (rc != CTL_EXIT_OK || j == NULL)
		return rc;
	printf("%s/%s %s %s scheduler %s\n", jstr(j, "namespace", NULL, 0),
	       jstr(j, "name", NULL, 0), jstr(j, "type", NULL, 0),
	       jstr(j, "clusterIP", NULL, 0), jstr(j, "scheduler", NULL, 0));
	json_array_foreach(json_object_get(j, "endpoints"), i, p) {
		struct table *tb = table_new(11, "ENDPOINT", "PORT", "READY",
					     "SERVING", "LOCAL", "CONNS",
					     "CREATED", "IN-PKTS", "OUT-PKTS",
					     "IN-BYTES", "OUT-BYTES");
		char v[5][24];

		printf("  port %" JSON_INTEGER_FORMAT "/%s: %"
		       JSON_INTEGER_FORMAT " new connections, %"
		       JSON_INTEGER_FORMAT " rejected\n",
		       json_integer_value(json_object_get(p, "port")),
		       jstr(p, "protocol", NULL, 0),
		       json_integer_value(json_object_get(p, "newConnections")),
		       json_integer_value(json_object_get(p, "rejects")));
		json_array_foreach(json_object_get(p, "endpoints"), k, e) {
			char port[16], conns[24];

			traffic_cells(e, v);
			table_row(tb, jstr(e, "ip", NULL, 0),
				  jstr(e, "port", port, sizeof(port)),
				  json_is_true(json_object_get(e, "ready")) ?
				  "yes" : "no",
				  json_is_true(json_object_get(e, "serving")) ?
				  "yes" : "no",
				  json_is_true(json_object_get(e, "local")) ?
				  "yes" : "no",
				  jstr(e, "connections", conns, sizeof(conns)),
				  v[0], v[1], v[2], v[3], v[4]);
		}
		traffic_cells(p, v);
		table_row(tb, "TOTAL", "-", "-", "-", "-", "-", v[0], v[1],
			  v[2], v[3], v[4]);
		table_print(tb, "    ");
		table_free(tb);
	}
	json_decref(j);
	return CTL_EXIT_OK;
}

/* "N thing" or "N things", from the integer KEY of reply J. */
static void
count_text(const json_t *j, const char *key, const char *thing,
	   char *buf, size_t size)
{
	json_int_t n = json_integer_value(json_object_get(j, key));

	snprintf(buf, size, "%" JSON_INTEGER_FORMAT " %s%s", n, thing,
		 n == 1 ? "" : "s");
}

/* One line per object (or port) the API skipped, and why. */
static void
print_skipped(const json_t *j)
{
	const json_t *v;
	size_t i;

	json_array_foreach(json_object_get(j, "skipped"), i, v) {
		const char *ns = json_string_value(json_object_get(v,
							"namespace"));

		printf("skipped %s %s%s%s: %s\n", jstr(v, "kind", NULL, 0),
		       ns != NULL && ns[0] != '\0' ? ns : "",
		       ns != NULL && ns[0] != '\0' ? "/" : "",
		       jstr(v, "name", NULL, 0), jstr(v, "reason", NULL, 0));
	}
}

/* POST the Kubernetes JSON of FILE to /v1/apply and say what it took. */
static int
apply_file(const struct ctl *c, const char *what, int argc, char **argv)
{
	json_t *j;
	size_t len;
	char *body;
	int rc;

	if (argc != 2 || strcmp(argv[0], "-f") != 0)
		return ctl_usage_error("%s: -f FILE (or - for stdin) is "
				       "required", what);
	body = ctl_read_file(argv[1], &len);
	if (body == NULL)
		return CTL_EXIT_FAIL;
	rc = ctl_change_reply(c, "POST", "/v1/apply", body, len, &j);
	free(body);
	if (j != NULL) {
		char svcs[48], slices[48];

		count_text(j, "services", "service", svcs, sizeof(svcs));
		count_text(j, "endpointSlices", "endpoint slice", slices,
			   sizeof(slices));
		printf("applied: %s, %s\n", svcs, slices);
		print_skipped(j);
		json_decref(j);
	}
	return rc;
}

/* DELETE path; its 204 has no body, so the names come from the command
 * line (ARGV: NS/NAME or NS NAME, N of them). */
static int
service_del(const struct ctl *c, const char *path, char **argv, int n)
{
	int rc = ctl_change(c, "DELETE", path, NULL, 0);

	if (rc == CTL_EXIT_OK && !c->json)
		printf("deleted service %s%s%s\n", argv[0], n == 2 ? "/" : "",
		       n == 2 ? argv[1] : "");
	return rc;
}

int
cmd_service(const struct ctl *c, int argc, char **argv)
{
	char path[1024];
	int n;

	if (argc == 0 || strcmp(argv[0], "list") == 0) {
		if (argc > 1)
			return ctl_usage_error("service list: unexpected '%s'",
					       argv[1]);
		return service_list(c);
	}
	if (strcmp(argv[0], "apply") == 0)
		return apply_file(c, "service apply", argc - 1, argv + 1);
	if (strcmp(argv[0], "show") == 0 || strcmp(argv[0], "del") == 0 ||
	    strcmp(argv[0], "delete") == 0) {
		n = svc_path(argc - 1, argv + 1, argv[0], path, sizeof(path));
		if (n < 0)
			return CTL_EXIT_USAGE;
		if (argc - 1 > n)
			return ctl_usage_error("service %s: unexpected '%s'",
					       argv[0], argv[1 + n]);
		if (argv[0][0] == 's')
			return service_show(c, path);
		return service_del(c, path, argv + 1, n);
	}
	return ctl_usage_error("service: unknown subcommand '%s'", argv[0]);
}

int
cmd_apply(const struct ctl *c, int argc, char **argv)
{
	return apply_file(c, "apply", argc, argv);
}
