/* SPDX-License-Identifier: BSD-3-Clause */
/* The SIGUSR1 counter table (stats_print.h). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <podswitch/dataplane.h>
#include <podswitch/graph.h>
#include <podswitch/module.h>
#include <podswitch/port.h>
#include <podswitch/stats.h>

#include "stats_print.h"

static void
print_ports(FILE *f, const struct ps_dataplane *dp)
{
	unsigned int i;

	fprintf(f, "%-12s %-7s %14s %14s %10s %10s %10s\n", "port", "role",
		"rx-packets", "tx-packets", "rx-missed", "rx-errors", "tx-dropped");
	for (i = 0; i < dp->nb_ports; i++) {
		const struct ps_port *p = &ps_ports[dp->port_ids[i]];
		struct ps_port_stats st;

		ps_port_stats_get(dp->port_ids[i], &st);
		fprintf(f, "%-12s %-7s %14" PRIu64 " %14" PRIu64 " %10" PRIu64
			" %10" PRIu64 " %10" PRIu64 "\n", p->name,
			ps_port_role_name(p->role), st.rx_packets, st.tx_packets,
			st.rx_missed, st.rx_errors, st.tx_dropped + st.tx_errors);
	}
}

static void
print_nodes(FILE *f, const struct ps_node_stats *st, int n)
{
	int i;

	/* Source nodes are called on every walk, packets or not: their
	 * cycles/call is what polling costs, their cycles/pkt counts only
	 * the calls that brought packets. */
	fprintf(f, "\n%-28s %14s %12s %12s %12s\n", "node", "packets", "calls",
		"cycles/call", "cycles/pkt");
	for (i = 0; i < n; i++) {
		if (strstr(st[i].name, PS_DROP_INFIX) != NULL)
			continue;
		int pid = ps_graph_node_port(st[i].name);
		char shown[RTE_NODE_NAMESIZE + PS_NAME_MAX + 4];

		/* a port's clone is named by its id: show the port's name */
		if (pid >= 0)
			snprintf(shown, sizeof(shown), "%s (%s)", st[i].name,
				 ps_ports[pid].name);
		else
			snprintf(shown, sizeof(shown), "%s", st[i].name);
		fprintf(f, "%-28s %14" PRIu64 " %12" PRIu64 " %12.1f %12.1f\n",
			shown, st[i].objs, st[i].calls,
			st[i].calls ? (double)st[i].cycles / st[i].calls : 0.0,
			st[i].objs ? (double)(st[i].cycles - st[i].idle_cycles) /
			st[i].objs : 0.0);
	}
	fprintf(f, "\n%-28s %-20s %14s\n", "drops: node", "reason", "packets");
	for (i = 0; i < n; i++) {
		const char *d = strstr(st[i].name, PS_DROP_INFIX);

		if (d == NULL || st[i].objs == 0)
			continue;
		fprintf(f, "%-28.*s %-20s %14" PRIu64 "\n",
			(int)(d - st[i].name), st[i].name,
			d + strlen(PS_DROP_INFIX), st[i].objs);
	}
}

/* "fdb: 3/4096 entries, learned 5, ..." (scripts of perf/ and test/e2e
 * find the FDB by its "fdb:") */
static void
print_table(const struct ps_table_stats *t, void *arg)
{
	FILE *f = arg;
	const char *sep = " ";
	unsigned int i;

	if (!(t->show & PS_TABLE_PRINT))
		return;
	if (t->parent != NULL)
		fprintf(f, "%s %s:", t->parent, t->name);
	else
		fprintf(f, "%s:", t->name);
	if (t->size > 0) {
		fprintf(f, " %" PRIu64 "/%" PRIu64 " entries", t->entries,
			t->size);
		sep = ", ";
	}
	for (i = 0; i < t->nb; i++) {
		const struct ps_table_counter *c = &t->c[i];
		const char *s;

		/* shown above as "entries/size" */
		if (t->size > 0 && (strcmp(c->key, "entries") == 0 ||
				    strcmp(c->key, "size") == 0))
			continue;
		fputs(sep, f);
		if (c->text != NULL) {
			fputs(c->text, f);
		} else {
			for (s = c->key; *s != '\0'; s++)
				fputc(*s == '_' ? ' ' : *s, f);
		}
		fprintf(f, " %" PRIu64, c->value);
		sep = ", ";
	}
	fputc('\n', f);
}

void
ps_stats_print(FILE *f, const struct ps_dataplane *dp)
{
	struct ps_node_stats *st = calloc(PS_STATS_MAX_NODES, sizeof(*st));
	struct ps_mbuf_stats ms;
	int n;

	fprintf(f, "--- podswitch counters ---\n");
	print_ports(f, dp);
	ps_stats_mbufs(dp, &ms);
	fprintf(f, "\nmbufs: %u in use of %u\n", ms.in_use, ms.size);
	n = st == NULL ? 0 : ps_stats_nodes(st, PS_STATS_MAX_NODES);
	print_nodes(f, st, n);
	free(st);
	fputc('\n', f);
	ps_modules_tables(dp, print_table, f);
	fflush(f);
}
