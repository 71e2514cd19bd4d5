/* SPDX-License-Identifier: BSD-3-Clause */
/* stats (readable tables of GET /v1/stats) and metrics (raw /metrics). */
#include <stdio.h>
#include <string.h>

#include "ctl.h"

static void
ports_table(json_t *ports)
{
	static const char *const cols[] = {
		"rx_packets", "tx_packets", "rx_bytes", "tx_bytes",
		"rx_missed", "rx_errors", "tx_errors", "tx_dropped",
	};
	char v[8][32];
	json_t *p;
	struct table *tb;
	unsigned int k;
	size_t i;

	tb = table_new(10, "PORT", "ROLE", "RX-PKTS", "TX-PKTS", "RX-BYTES",
		       "TX-BYTES", "RX-MISSED", "RX-ERR", "TX-ERR", "TX-DROP");
	json_array_foreach(ports, i, p) {
		for (k = 0; k < 8; k++)
			jstr(p, cols[k], v[k], sizeof(v[k]));
		/* jstr fills v[k] for integers, the only type here. */
		table_row(tb, jstr(p, "name", NULL, 0), jstr(p, "role", NULL, 0),
			  v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]);
	}
	table_print(tb, "  ");
	table_free(tb);
}

/*
 * Every node, idle ones too: source nodes (port_rx) are called on every
 * walk; their cycles per packet count the calls that brought packets,
 * the others are IDLE-CALLS, and cycles per call is what polling costs.
 */
static void
nodes_table(json_t *nodes)
{
	char pk[32], ca[32], cpp[32], cpc[32], ic[32];
	json_t *n;
	struct table *tb;
	size_t i;

	/* new columns last: scripts read the first five by position */
	tb = table_new(6, "NODE", "PACKETS", "CALLS", "CYCLES/PKT",
		       "CYCLES/CALL", "IDLE-CALLS");
	json_array_foreach(nodes, i, n)
		table_row(tb, jstr(n, "name", NULL, 0),
			  jstr(n, "packets", pk, sizeof(pk)),
			  jstr(n, "calls", ca, sizeof(ca)),
			  jstr(n, "cycles_per_packet", cpp, sizeof(cpp)),
			  jstr(n, "cycles_per_call", cpc, sizeof(cpc)),
			  jstr(n, "idle_calls", ic, sizeof(ic)));
	table_print(tb, "  ");
	table_free(tb);
}

/* Only the reasons that fired: the full list is in /metrics. */
static void
drops_table(json_t *drops)
{
	json_t *d;
	struct table *tb;
	char pk[32];
	size_t i, n = 0;

	tb = table_new(3, "NODE", "REASON", "PACKETS");
	json_array_foreach(drops, i, d) {
		if (json_integer_value(json_object_get(d, "packets")) == 0)
			continue;
		table_row(tb, jstr(d, "node", NULL, 0),
			  jstr(d, "reason", NULL, 0),
			  jstr(d, "packets", pk, sizeof(pk)));
		n++;
	}
	if (n == 0)
		printf("  (none)\n");
	else
		table_print(tb, "  ");
	table_free(tb);
}

static void
tables_table(json_t *tables)
{
	const char *name;
	json_t *t;

	json_object_foreach(tables, name, t) {
		const char *k;
		json_t *v;

		printf("  %-10s", name);
		json_object_foreach(t, k, v)
			printf(" %s %" JSON_INTEGER_FORMAT, k,
			       json_integer_value(v));
		putchar('\n');
	}
}

/* POST /v1/stats/reset: /v1/stats counts from zero again. */
static int
stats_reset(const struct ctl *c)
{
	json_t *j;
	int rc = ctl_change_reply(c, "POST", "/v1/stats/reset", NULL, 0, &j);

	if (j != NULL) {
		printf("statistics reset (uptime %" JSON_INTEGER_FORMAT "s)\n",
		       json_integer_value(json_object_get(j, "uptime_s")));
		json_decref(j);
	}
	return rc;
}

int
cmd_stats(const struct ctl *c, int argc, char **argv)
{
	const json_t *since;
	json_t *j;
	int rc;

	if (argc > 0 && (strcmp(argv[0], "reset") == 0 ||
			 strcmp(argv[0], "--reset") == 0)) {
		if (argc > 1)
			return ctl_usage_error("stats reset: unexpected '%s'",
					       argv[1]);
		return stats_reset(c);
	}
	if (argc > 0)
		return ctl_usage_error("stats: unexpected '%s'", argv[0]);
	rc = ctl_get_json(c, "/v1/stats", &j);
	if (rc != CTL_EXIT_OK || j == NULL)
		return rc;
	since = json_object_get(j, "reset");
	if (json_is_object(since))
		printf("since the reset at uptime %" JSON_INTEGER_FORMAT "s\n",
		       json_integer_value(json_object_get(since, "uptime_s")));
	printf("ports:\n");
	ports_table(json_object_get(j, "ports"));
	printf("nodes:\n");
	nodes_table(json_object_get(j, "nodes"));
	printf("drops:\n");
	drops_table(json_object_get(j, "drops"));
	printf("tables:\n");
	tables_table(json_object_get(j, "tables"));
	printf("mbufs: %" JSON_INTEGER_FORMAT " in use of %" JSON_INTEGER_FORMAT
	       "\n", json_integer_value(json_object_get(json_object_get(j,
	       "mbufs"), "in_use")), json_integer_value(json_object_get(
	       json_object_get(j, "mbufs"), "size")));
	json_decref(j);
	return CTL_EXIT_OK;
}

int
cmd_metrics(const struct ctl *c, int argc, char **argv)
{
	struct ps_http_reply r;
	int rc = CTL_EXIT_OK;

	if (argc > 0)
		return ctl_usage_error("metrics: unexpected '%s'", argv[0]);
	if (http_request(c, "GET", "/metrics", NULL, 0, &r) < 0)
		return CTL_EXIT_FAIL;
	/* Prometheus text has no JSON form: --json changes nothing here. */
	if (r.status >= 300)
		rc = ctl_http_failed(&r);
	else
		fwrite(r.body, 1, r.body_len, stdout);
	ps_http_reply_free(&r);
	return rc;
}
