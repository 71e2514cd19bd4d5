/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PODSWITCH_MODULE_H
#define PODSWITCH_MODULE_H

/*
 * Features register themselves with the dataplane: a module names what it
 * depends on and gives the hooks it needs. The dataplane (infra) calls the
 * hooks of every registered module, in dependency order, and never a
 * feature by name: adding a feature touches its own folder only.
 *
 *	static struct ps_module l2_module = {
 *		.name = "l2",
 *		.init = l2_init,
 *		...
 *	};
 *	PS_MODULE_REGISTER(l2_module);
 *
 * Every hook is optional and runs on the thread that does management work
 * (the management thread once the workers run; the caller of
 * ps_dataplane_init, ps_dataplane_fini or a test in between).
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>

struct ps_dataplane;
struct ps_port_config;
struct ps_prom;

/* Counters a table hook reports (see struct ps_table_stats). */
#define PS_TABLE_COUNTERS_MAX 16

/* Where a table is shown (enum of flags for ps_table_stats.show). */
enum {
	/* {entries, size} in GET /v1/status "tables" */
	PS_TABLE_STATUS = 1u << 0,
	/* its counters as an object of GET /v1/stats "tables" */
	PS_TABLE_STATS = 1u << 1,
	/* podswitch_table_entries and podswitch_table_size in /metrics */
	PS_TABLE_METRICS = 1u << 2,
	/* a line of the counter table the daemon prints on SIGUSR1 */
	PS_TABLE_PRINT = 1u << 3,
};

struct ps_table_counter {
	const char *key;	/* its name in the /v1/stats object */
	uint64_t value;
	const char *text;	/* in the printed table; NULL: the key */
	const char *metric;	/* its /metrics counter family, or NULL */
	const char *help;	/* the family's HELP text */
	bool by_table;		/* a sample metric{table="<name>"} */
};

/*
 * One table as a module reports it. The /v1/stats object is the counters
 * in their order (entries and size included where the API has them).
 */
struct ps_table_stats {
	const char *name;
	/* NULL, or the /v1/stats object that holds this one */
	const char *parent;
	unsigned int show;	/* PS_TABLE_* */
	uint64_t entries;	/* in use, for STATUS and METRICS */
	uint64_t size;		/* capacity; 0: none to show */
	unsigned int nb;
	struct ps_table_counter c[PS_TABLE_COUNTERS_MAX];
};

/* Append c to t (beyond PS_TABLE_COUNTERS_MAX, dropped). */
static inline void
ps_table_put(struct ps_table_stats *t, struct ps_table_counter c)
{
	if (t->nb < PS_TABLE_COUNTERS_MAX)
		t->c[t->nb++] = c;
}

/* PS_TABLE_PUT(&t, "aged", st.aged, .metric = "...", .help = "...") */
#define PS_TABLE_PUT(t, k, v, ...) \
	ps_table_put((t), (struct ps_table_counter){ .key = (k), \
		     .value = (uint64_t)(v), __VA_ARGS__ })

/* The full counter of a table, as /metrics has it for every table. */
#define PS_TABLE_FULL_METRIC \
	.metric = "podswitch_table_full_total", \
	.help = "New entries refused because the table was full.", \
	.by_table = true

/* A module's tables hook calls cb once per table. */
typedef void (*ps_table_cb)(const struct ps_table_stats *t, void *arg);

struct ps_module {
	const char *name;
	/* names of the modules it needs initialised first, comma-separated */
	const char *depends_on;
	/* ps_dataplane_init, after the ports exist: build the tables, fill
	 * the dataplane's pointers to them. 0 or -errno. */
	int (*init)(struct ps_dataplane *dp);
	/* ps_dataplane_fini, in reverse order; also after a failed init,
	 * so it must take a half-built state. */
	void (*fini)(struct ps_dataplane *dp);
	/* ps_dataplane_start, before any worker runs (what the last run
	 * saved goes back); 0 or -errno, which stops the start. */
	int (*start)(struct ps_dataplane *dp);
	/* ps_dataplane_stop, once the workers and management have ended. */
	void (*stop)(struct ps_dataplane *dp);
	/* One pass of management work; now is ps_dataplane_now(). */
	void (*poll)(struct ps_dataplane *dp, uint32_t now);
	/* A port was hot-plugged: every worker can already send to it, it
	 * is not in the segment yet. 0 or -errno (the port is removed). */
	int (*port_add)(struct ps_dataplane *dp,
			const struct ps_port_config *pc, uint16_t port_id);
	/* A port goes: no worker polls it any more, packets may still be
	 * in flight to it (a grace period follows). */
	void (*port_del)(struct ps_dataplane *dp,
			 const struct ps_port_config *pc, uint16_t port_id);
	/* Statistics of its tables, one cb call per table. */
	void (*tables)(const struct ps_dataplane *dp, ps_table_cb cb,
		       void *arg);
	/*
	 * Its own /metrics families beyond what tables gives (series with
	 * labels of their own: per service, per protocol, per policy...):
	 * ps_prom_family() then ps_prom_add() (podswitch/prom.h). A family
	 * several modules declare is written once with all their samples.
	 */
	void (*metrics)(const struct ps_dataplane *dp, struct ps_prom *p);
	/* The file of the state directory it keeps itself, or NULL. */
	const char *state_kind;
	/* the registry's */
	struct ps_module *next;
};

/* Called by PS_MODULE_REGISTER before main(); aborts on a name taken. */
void ps_module_register(struct ps_module *m);

#define PS_MODULE_REGISTER(m) \
	RTE_INIT(ps_module_register_ ## m) \
	{ \
		ps_module_register(&(m)); \
	}

/*
 * Sort the list from head (linked by next) by dependency into out:
 * returns how many, or -ENOENT (a name no module has), -ELOOP (a cycle),
 * -ENOSPC (more than max); logs which. The registry's order (tests).
 */
int ps_module_sort(struct ps_module *head, const struct ps_module **out,
		   unsigned int max);
/*
 * The registered modules in dependency order: ps_module_next(NULL) is the
 * first, NULL after the last. Empty when the dependencies are broken (an
 * unknown name or a cycle: ps_modules_init says which).
 */
const struct ps_module *ps_module_next(const struct ps_module *m);

/* The hooks of every module, as the dataplane calls them. */
int ps_modules_init(struct ps_dataplane *dp);
void ps_modules_fini(struct ps_dataplane *dp);
int ps_modules_start(struct ps_dataplane *dp);
void ps_modules_stop(struct ps_dataplane *dp);
void ps_modules_poll(struct ps_dataplane *dp, uint32_t now);
int ps_modules_port_add(struct ps_dataplane *dp,
			const struct ps_port_config *pc, uint16_t port_id);
void ps_modules_port_del(struct ps_dataplane *dp,
			 const struct ps_port_config *pc, uint16_t port_id);
/* Every table of every module (tables of a module in its order). */
void ps_modules_tables(const struct ps_dataplane *dp, ps_table_cb cb,
		       void *arg);
/* Every module's metrics hook, in dependency order. */
void ps_modules_metrics(const struct ps_dataplane *dp, struct ps_prom *p);

#endif
