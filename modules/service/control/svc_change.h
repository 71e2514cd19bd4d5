/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PS_SVC_CHANGE_H
#define PS_SVC_CHANGE_H

/*
 * The change engine's input and plan, shared by its entry points
 * (svc_apply.c), the engine (svc_change.c, svc_commit.c) and the endpoint
 * sets it builds (svc_snapshot.c). Management thread only.
 */

#include "svc_private.h"

/* Name indexes of one change's input (chained by index, lowest first),
 * so that a change of n services makes O(n) name lookups, not n^2 string
 * compares: a List of 10,000 services took 7.5 s, nearly all in strcmp. */
struct change_idx {
	struct ps_name_map svcs;	/* up_svcs by ns/name */
	struct ps_name_map slices;	/* up_slices by ns/name */
	struct ps_name_map slice_svc;	/* up_slices by ns/service */
};

/* Upserts (caller's items, copied at commit) and deletes (stored slots). */
struct change {
	const struct ps_svc_spec *up_svcs;
	unsigned int nb_up_svcs;
	const struct ps_eps_spec *up_slices;
	unsigned int nb_up_slices;
	const uint32_t *del_slices;	/* stored slots */
	unsigned int nb_del_slices;
	const uint32_t *del_svcs;	/* stored slots */
	unsigned int nb_del_svcs;
	const struct change_idx *idx;	/* NULL: scan the arrays */
};

/* Candidates for ns/name among n indexed items, in index order: all of
 * them without an index (m NULL), the chain of the name's hash with one.
 * Callers still compare the names. Loop while the index is below n. */
static inline uint32_t
in_first(const struct ps_name_map *m, const char *ns, const char *name)
{
	return m != NULL ? ps_name_map_first(m, ps_name_hash(ns, name)) : 0;
}

static inline uint32_t
in_next(const struct ps_name_map *m, uint32_t i)
{
	return m != NULL ? ps_name_map_next(m, i) : i + 1;
}

/* What one change does to one service port. */
struct port_plan {
	uint32_t id;			/* SVC_NONE: allocated at commit */
	struct ps_svc_port *cur;	/* current object of id, if any */
	struct ps_svc_port *obj;	/* new object, or NULL: keep cur */
	struct svc_epset *es;		/* new snapshot */
	struct ps_svc_ep_addr *gone;	/* left the set */
	unsigned int nb_gone;
	unsigned int nb_new_eps;	/* records to allocate */
};

/* One affected service. */
struct svc_plan {
	char ns[PS_K8S_NAME_MAX];
	char name[PS_K8S_NAME_MAX];
	const char *path;		/* for errors */
	uint32_t slot;			/* current stored slot or SVC_NONE */
	const struct ps_svc_spec *after;	/* NULL: no service after */
	bool spec_changes;		/* in the change's upserts/deletes */
	struct port_plan *pp;		/* one per port of `after` */
	unsigned int nb_pp;
	struct svc_obj *spec_copy;	/* new stored object */
	unsigned int nb_fe;
};

struct fe_claim;

/* One change in the making, from phase to phase. */
struct change_plan {
	struct ps_svc_table *t;
	const struct change *c;		/* with the indexes of ix */
	struct change cw;		/* c's storage */
	struct change_idx ix;
	struct ps_name_map pm;		/* sv by ns/name */
	struct svc_plan *sv;
	unsigned int nsv, cap;
	struct fe_claim *cl;		/* svc_change.c */
	unsigned int ncl;
	/* the table's counts after the change */
	uint32_t new_svcs, ports_after, fe_after, new_eps;
	struct ps_eps_spec **copies;	/* of c->up_slices */
	struct ps_errors *errs;
};

/*
 * Apply c to t, all or nothing: 0, or -EEXIST (frontend conflicts),
 * -ENOSPC (room), -E2BIG (too many endpoints for a port), -ENOMEM, with
 * errs (may be NULL) naming each item, and t unchanged.
 */
int svc_change(struct ps_svc_table *t, const struct change *c,
	       struct ps_errors *errs);

/* Phase 6: publish cp, which phases 1-5 accepted (svc_commit.c). */
void svc_change_commit(struct change_plan *cp);

/* Whether c upserts the EndpointSlice ns/name. */
bool svc_change_slice_upserted(const struct change *c, const char *ns,
			       const char *name);

/* The endpoint snapshot of port pi of s as c leaves the slices, endpoint
 * record ids unassigned: 0, -E2BIG or -ENOMEM (svc_snapshot.c). */
int svc_snapshot_build(const struct ps_svc_table *t, const struct change *c,
		       const struct ps_svc_spec *s, unsigned int pi,
		       struct svc_epset **out);

#endif
