/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The module registry (module.h): modules register in constructors, in
 * whatever order the linker runs those; the dataplane calls them in an
 * order computed once from their dependencies, so that a module's init
 * always finds what it depends on, and its fini runs before theirs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_log.h>

#include <podswitch/dataplane.h>
#include <podswitch/module.h>

#include "dp_private.h"

#define MODULES_MAX 32
#define NAME_MAX_LEN 32

static struct ps_module *registered;
static unsigned int nb_registered;

/* Dependency order, computed at the first use: its length, or -errno
 * when the dependencies are broken. */
static const struct ps_module *order[MODULES_MAX];
static int nb_order = -EAGAIN;

void
ps_module_register(struct ps_module *m)
{
	struct ps_module **p;

	/* Before main(): a broken registration is a build bug, say it
	 * and stop rather than run without a feature. */
	if (m->name == NULL || strlen(m->name) >= NAME_MAX_LEN ||
	    nb_registered == MODULES_MAX) {
		fprintf(stderr, "podswitch: module %s: no name, a name too "
			"long, or more than %u modules\n",
			m->name != NULL ? m->name : "?", MODULES_MAX);
		abort();
	}
	for (p = &registered; *p != NULL; p = &(*p)->next)
		if (strcmp((*p)->name, m->name) == 0) {
			fprintf(stderr, "podswitch: module %s registered "
				"twice\n", m->name);
			abort();
		}
	m->next = NULL;
	*p = m;
	nb_registered++;
}

/* The list being sorted and the order so far. */
struct sort_ctx {
	struct ps_module *head;
	const struct ps_module **out;
	int placed;
};

static struct ps_module *
find(const struct sort_ctx *c, const char *name, size_t len)
{
	struct ps_module *m;

	for (m = c->head; m != NULL; m = m->next)
		if (strlen(m->name) == len && strncmp(m->name, name, len) == 0)
			return m;
	return NULL;
}

/*
 * Call fn for each name of m->depends_on ("a, b"); stops at the first
 * that returns nonzero and returns it.
 */
static int
foreach_dep(const struct ps_module *m,
	    int (*fn)(const struct ps_module *m, const char *dep, size_t len,
		      struct sort_ctx *c), struct sort_ctx *c)
{
	const char *s = m->depends_on;
	int rc;

	while (s != NULL && *s != '\0') {
		size_t len;

		s += strspn(s, ", \t");
		len = strcspn(s, ", \t");
		if (len > 0 && (rc = fn(m, s, len, c)) != 0)
			return rc;
		s += len;
	}
	return 0;
}

static int
dep_known(const struct ps_module *m, const char *dep, size_t len,
	  struct sort_ctx *c)
{
	if (find(c, dep, len) != NULL)
		return 0;
	DP_LOG(ERR, "module %s depends on %.*s, which no module is\n",
	       m->name, (int)len, dep);
	return -ENOENT;
}

static bool
is_placed(const struct sort_ctx *c, const struct ps_module *m)
{
	int i;

	for (i = 0; i < c->placed; i++)
		if (c->out[i] == m)
			return true;
	return false;
}

static int
dep_unplaced(const struct ps_module *m, const char *dep, size_t len,
	     struct sort_ctx *c)
{
	RTE_SET_USED(m);
	return !is_placed(c, find(c, dep, len));
}

/*
 * Kahn's algorithm; among the modules ready at a step the first by name
 * goes first, so that the order (and with it the order of every list the
 * modules fill, such as the tables of /v1/status) does not depend on the
 * link order.
 */
int
ps_module_sort(struct ps_module *head, const struct ps_module **out,
	       unsigned int max)
{
	struct sort_ctx c = { .head = head, .out = out };
	struct ps_module *m;
	unsigned int n = 0;
	int rc;

	for (m = head; m != NULL; m = m->next, n++) {
		rc = foreach_dep(m, dep_known, &c);
		if (rc < 0)
			return rc;
	}
	if (n > max)
		return -ENOSPC;
	while (c.placed < (int)n) {
		struct ps_module *best = NULL;

		for (m = head; m != NULL; m = m->next)
			if (!is_placed(&c, m) &&
			    foreach_dep(m, dep_unplaced, &c) == 0 &&
			    (best == NULL || strcmp(m->name, best->name) < 0))
				best = m;
		if (best == NULL) {
			for (m = head; m != NULL; m = m->next)
				if (!is_placed(&c, m))
					DP_LOG(ERR, "module %s is in a "
					       "dependency cycle (depends on "
					       "%s)\n", m->name,
					       m->depends_on);
			return -ELOOP;
		}
		out[c.placed++] = best;
	}
	return c.placed;
}

static int
modules_ordered(void)
{
	if (nb_order == -EAGAIN)
		nb_order = ps_module_sort(registered, order, MODULES_MAX);
	return nb_order;
}

const struct ps_module *
ps_module_next(const struct ps_module *m)
{
	int i, n = modules_ordered();

	if (m == NULL)
		return n > 0 ? order[0] : NULL;
	for (i = 0; i + 1 < n; i++)
		if (order[i] == m)
			return order[i + 1];
	return NULL;
}

int
ps_modules_init(struct ps_dataplane *dp)
{
	int n = modules_ordered();

	dp->modules_up = 0;
	if (n < 0)
		return n;
	while (dp->modules_up < (unsigned int)n) {
		const struct ps_module *m = order[dp->modules_up++];
		int rc;

		if (m->init == NULL)
			continue;
		rc = m->init(dp);
		if (rc < 0) {
			DP_LOG(ERR, "module %s: %s\n", m->name,
			       rte_strerror(-rc));
			return rc;
		}
		DP_LOG(DEBUG, "module %s up\n", m->name);
	}
	return 0;
}

void
ps_modules_fini(struct ps_dataplane *dp)
{
	/* the one whose init failed too: it may have built half */
	while (dp->modules_up > 0) {
		const struct ps_module *m = order[--dp->modules_up];

		if (m->fini != NULL)
			m->fini(dp);
	}
}

int
ps_modules_start(struct ps_dataplane *dp)
{
	unsigned int i;
	int rc;

	for (i = 0; i < dp->modules_up; i++) {
		if (order[i]->start == NULL)
			continue;
		rc = order[i]->start(dp);
		if (rc < 0) {
			DP_LOG(ERR, "module %s cannot start: %s\n",
			       order[i]->name, rte_strerror(-rc));
			return rc;
		}
	}
	return 0;
}

void
ps_modules_stop(struct ps_dataplane *dp)
{
	unsigned int i = dp->modules_up;

	while (i-- > 0)
		if (order[i]->stop != NULL)
			order[i]->stop(dp);
}

void
ps_modules_poll(struct ps_dataplane *dp, uint32_t now)
{
	unsigned int i;

	for (i = 0; i < dp->modules_up; i++)
		if (order[i]->poll != NULL)
			order[i]->poll(dp, now);
}

int
ps_modules_port_add(struct ps_dataplane *dp, const struct ps_port_config *pc,
		    uint16_t port_id)
{
	unsigned int i;
	int rc;

	for (i = 0; i < dp->modules_up; i++) {
		if (order[i]->port_add == NULL)
			continue;
		rc = order[i]->port_add(dp, pc, port_id);
		if (rc < 0) {
			DP_LOG(ERR, "port %s: module %s refuses it: %s\n",
			       pc->name, order[i]->name, rte_strerror(-rc));
			return rc;
		}
	}
	return 0;
}

void
ps_modules_port_del(struct ps_dataplane *dp, const struct ps_port_config *pc,
		    uint16_t port_id)
{
	unsigned int i;

	for (i = 0; i < dp->modules_up; i++)
		if (order[i]->port_del != NULL)
			order[i]->port_del(dp, pc, port_id);
}

void
ps_modules_tables(const struct ps_dataplane *dp, ps_table_cb cb, void *arg)
{
	unsigned int i;

	for (i = 0; i < dp->modules_up; i++)
		if (order[i]->tables != NULL)
			order[i]->tables(dp, cb, arg);
}

void
ps_modules_metrics(const struct ps_dataplane *dp, struct ps_prom *p)
{
	unsigned int i;

	for (i = 0; i < dp->modules_up; i++)
		if (order[i]->metrics != NULL)
			order[i]->metrics(dp, p);
}
