/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PODSWITCH_PROM_H
#define PODSWITCH_PROM_H

/*
 * A Prometheus text exposition (format 0.0.4) built by several writers:
 * the server and every module add samples to families in any order, and
 * the text holds each family once (HELP, TYPE, then all its samples), in
 * the order the families were first declared. Names, label names and
 * types are checked as promtool's linter checks them (a counter ends in
 * _total, nothing else does; label values and HELP are escaped), so a
 * wrong name is a refused family, counted in ps_prom_errors(), rather
 * than a scrape that fails.
 *
 *	struct ps_prom_family *f = ps_prom_family(p, "podswitch_x_total",
 *		PS_PROM_COUNTER, "Things done.");
 *	ps_prom_add(f, 3, "graph_node", "ip4_lookup", NULL);
 *
 * Labels are (name, value) pairs ended by NULL. No DPDK: the writer is
 * plain C, so it can be tested alone.
 */

#include <stddef.h>
#include <stdint.h>

enum ps_prom_type {
	PS_PROM_COUNTER,
	PS_PROM_GAUGE,
	PS_PROM_HISTOGRAM,
};

struct ps_prom;
struct ps_prom_family;

struct ps_prom *ps_prom_create(void);
void ps_prom_free(struct ps_prom *p);

/*
 * The family name: declared by the first call, found by the next ones
 * (same type; the first HELP stays). NULL when the name, the type's
 * suffix rule or the type of an earlier declaration does not fit
 * (counted; samples added to NULL are dropped).
 */
struct ps_prom_family *ps_prom_family(struct ps_prom *p, const char *name,
				      enum ps_prom_type type,
				      const char *help);

/* One sample of a counter or gauge; labels: name, value, ..., NULL. */
void ps_prom_add(struct ps_prom_family *f, uint64_t value, ...);
void ps_prom_addf(struct ps_prom_family *f, double value, ...);

/*
 * Observations of a histogram, kept by whoever measures: bucket i counts
 * the values <= le[i] (and > le[i - 1]), bucket nb_le those above the
 * last bound.
 */
#define PS_PROM_HIST_MAX 16
struct ps_prom_hist {
	uint64_t buckets[PS_PROM_HIST_MAX + 1];
	uint64_t count;
	double sum;
};

/* Count v into h (bounds le[0..nb_le), ascending). */
void ps_prom_hist_observe(struct ps_prom_hist *h, const double *le,
			  unsigned int nb_le, double v);
/* h as _bucket (cumulative, le="+Inf" last), _sum and _count samples. */
void ps_prom_add_hist(struct ps_prom_family *f, const double *le,
		      unsigned int nb_le, const struct ps_prom_hist *h, ...);

/* Families or samples refused so far, and the first reason. */
unsigned int ps_prom_errors(const struct ps_prom *p, const char **first);

/*
 * The exposition text (NUL-terminated, malloc'd; *len without the NUL),
 * or NULL when out of memory. The caller frees it.
 */
char *ps_prom_text(const struct ps_prom *p, size_t *len);

#endif
