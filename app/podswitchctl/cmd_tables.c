/* SPDX-License-Identifier: BSD-3-Clause */
/* fdb and neigh: the MAC and ARP tables as the writer sees them. */
#include <stdio.h>

#include "ctl.h"

int
cmd_fdb(const struct ctl *c, int argc, char **argv)
{
	json_t *e;
	struct table *tb;
	json_t *j;
	char age[32];
	size_t i;
	int rc;

	if (argc > 0)
		return ctl_usage_error("fdb: unexpected '%s'", argv[0]);
	rc = ctl_get_json(c, "/v1/fdb", &j);
	if (rc != CTL_EXIT_OK || j == NULL)
		return rc;
	tb = table_new(4, "MAC", "PORT", "TYPE", "AGE");
	json_array_foreach(j, i, e) {
		bool st = json_is_true(json_object_get(e, "static"));
		json_t *a = json_object_get(e, "age_s");

		if (json_is_integer(a))
			snprintf(age, sizeof(age), "%" JSON_INTEGER_FORMAT "s",
				 json_integer_value(a));
		else
			snprintf(age, sizeof(age), "-");
		table_row(tb, jstr(e, "mac", NULL, 0), jstr(e, "port", NULL, 0),
			  st ? "static" : "learned", age);
	}
	table_print(tb, "");
	table_free(tb);
	json_decref(j);
	return CTL_EXIT_OK;
}

int
cmd_neigh(const struct ctl *c, int argc, char **argv)
{
	json_t *e;
	struct table *tb;
	json_t *j;
	size_t i;
	int rc;

	if (argc > 0)
		return ctl_usage_error("neigh: unexpected '%s'", argv[0]);
	rc = ctl_get_json(c, "/v1/neighbors", &j);
	if (rc != CTL_EXIT_OK || j == NULL)
		return rc;
	tb = table_new(4, "IP", "MAC", "PORT", "STATE");
	json_array_foreach(j, i, e)
		table_row(tb, jstr(e, "ip", NULL, 0), jstr(e, "mac", NULL, 0),
			  jstr(e, "port", NULL, 0), jstr(e, "state", NULL, 0));
	table_print(tb, "");
	table_free(tb);
	json_decref(j);
	return CTL_EXIT_OK;
}
