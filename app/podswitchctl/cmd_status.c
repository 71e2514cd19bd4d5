/* SPDX-License-Identifier: BSD-3-Clause */
/* status: what runs, in the order an operator checks it. */
#include <stdio.h>
#include <string.h>

#include "ctl.h"

static void
print_tables(json_t *tables)
{
	const char *name;
	json_t *t;
	char e[32], s[32];
	struct table *tb = table_new(3, "TABLE", "ENTRIES", "SIZE");

	json_object_foreach(tables, name, t)
		table_row(tb, name, jstr(t, "entries", e, sizeof(e)),
			  jstr(t, "size", s, sizeof(s)));
	table_print(tb, "  ");
	table_free(tb);
}

int
cmd_status(const struct ctl *c, int argc, char **argv)
{
	json_t *node, *workers, *ports, *p;
	json_t *j;
	char b1[32], b2[32], lc[128] = "";
	struct table *tb;
	size_t i;
	int rc;

	if (argc > 0)
		return ctl_usage_error("status: unexpected '%s'", argv[0]);
	rc = ctl_get_json(c, "/v1/status", &j);
	if (rc != CTL_EXIT_OK || j == NULL)
		return rc;
	node = json_object_get(j, "node");
	workers = json_object_get(j, "workers");
	ports = json_object_get(j, "ports");

	printf("podswitch %s, node %s, up %ss\n", jstr(j, "version", b1,
	       sizeof(b1)), jstr(node, "name", b2, sizeof(b2)),
	       jstr(j, "uptime_s", lc, sizeof(lc)));
	printf("node:    ip %s mac %s overlay %s\n",
	       jstr(node, "ip", b1, sizeof(b1)), jstr(node, "mac", b2,
	       sizeof(b2)), jstr(node, "overlay", lc, sizeof(lc)));
	printf("         pod_cidr %s gateway %s cluster %s",
	       jstr(node, "pod_cidr", b1, sizeof(b1)),
	       jstr(node, "gateway_ip", b2, sizeof(b2)),
	       jstr(node, "cluster_cidr", lc, sizeof(lc)));
	printf(" services %s\n", jstr(node, "service_cidr", b1, sizeof(b1)));

	lc[0] = '\0';
	json_array_foreach(json_object_get(workers, "lcores"), i, p) {
		size_t l = strlen(lc);

		snprintf(lc + l, sizeof(lc) - l, "%s%" JSON_INTEGER_FORMAT,
			 i ? "," : "", json_integer_value(p));
	}
	printf("workers: %s (lcores %s)\n", jstr(workers, "count", b1,
	       sizeof(b1)), lc[0] ? lc : "-");

	printf("ports:\n");
	tb = table_new(6, "NAME", "ROLE", "DRIVER", "ID", "LINK", "POD");
	json_array_foreach(ports, i, p) {
		json_t *pod = json_object_get(p, "pod");
		char pod_s[64] = "-";

		if (pod != NULL)
			snprintf(pod_s, sizeof(pod_s), "%s %s",
				 jstr(pod, "ip", b1, sizeof(b1)),
				 jstr(pod, "mac", b2, sizeof(b2)));
		table_row(tb, jstr(p, "name", NULL, 0),
			  jstr(p, "role", NULL, 0), jstr(p, "driver", NULL, 0),
			  jstr(p, "port_id", b1, sizeof(b1)),
			  json_is_true(json_object_get(p, "link_up")) ?
			  "up" : "down", pod_s);
	}
	table_print(tb, "  ");
	table_free(tb);
	printf("tables:\n");
	print_tables(json_object_get(j, "tables"));
	json_decref(j);
	return CTL_EXIT_OK;
}
