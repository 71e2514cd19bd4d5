/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The change engine of the service table: every upsert and delete of
 * Services and EndpointSlices goes through svc_change, in six phases:
 *
 *   1. plan_collect      the affected services
 *   2. plan_compute      each one's state after the change
 *   3. check_frontends   frontend conflicts, in the change and with t
 *   4. check_room        the sizes of the table
 *   5. copy_inputs       copies of what the table will store
 *   6. commit            publish; nothing fails from here (svc_commit.c)
 *
 * Phases 1-5 only read the table and build aside, so a refused change
 * leaves the table as it was, and a published one never fails half-way.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <netinet/in.h>

#include <rte_malloc.h>

#include <podswitch/inet.h>

#include "svc_change.h"

/* A frontend key that a service of the change will hold. */
struct fe_claim {
	struct fe_key k;
	uint8_t kind;
	uint16_t pi;
	uint32_t sv;		/* plan index */
};

/* Setting up -------------------------------------------------------------- */

/* Indexes c's input into ix and sizes the plan index pm (it wants room
 * for one at least). Chains come out lowest index first because
 * ps_name_map_add prepends and the items go in from the last. */
static int
change_idx_init(const struct change *c, struct change_idx *ix,
		struct ps_name_map *pm)
{
	unsigned int nb_plans = c->nb_up_svcs + c->nb_del_svcs +
		2 * c->nb_up_slices + c->nb_del_slices;
	unsigned int i;

	if (ps_name_map_init(&ix->svcs, RTE_MAX(c->nb_up_svcs, 1u)) < 0 ||
	    ps_name_map_init(&ix->slices, RTE_MAX(c->nb_up_slices, 1u)) < 0 ||
	    ps_name_map_init(&ix->slice_svc,
			     RTE_MAX(c->nb_up_slices, 1u)) < 0 ||
	    ps_name_map_init(pm, RTE_MAX(nb_plans, 1u)) < 0)
		return -ENOMEM;
	for (i = c->nb_up_svcs; i-- > 0;)
		ps_name_map_add(&ix->svcs, ps_name_hash(c->up_svcs[i].ns,
							c->up_svcs[i].name), i);
	for (i = c->nb_up_slices; i-- > 0;) {
		const struct ps_eps_spec *s = &c->up_slices[i];

		ps_name_map_add(&ix->slices, ps_name_hash(s->ns, s->name), i);
		ps_name_map_add(&ix->slice_svc,
				ps_name_hash(s->ns, s->service), i);
	}
	return 0;
}

static void
plan_free(struct svc_plan *sv, unsigned int n)
{
	unsigned int i, j;

	for (i = 0; i < n; i++) {
		for (j = 0; j < sv[i].nb_pp; j++) {
			svc_epset_free(sv[i].pp[j].es);
			svc_port_obj_free(sv[i].pp[j].obj);
			free(sv[i].pp[j].gone);
		}
		free(sv[i].pp);
		if (sv[i].spec_copy != NULL) {
			svc_spec_free(&sv[i].spec_copy->spec);
			free(sv[i].spec_copy->port_ids);
			free(sv[i].spec_copy);
		}
	}
	free(sv);
}

static int
change_plan_init(struct change_plan *cp, struct ps_svc_table *t,
		 const struct change *c, struct ps_errors *errs)
{
	memset(cp, 0, sizeof(*cp));
	cp->t = t;
	cp->errs = errs;
	cp->cw = *c;
	cp->cw.idx = &cp->ix;
	cp->c = &cp->cw;
	return change_idx_init(c, &cp->ix, &cp->pm);
}

static void
change_plan_fini(struct change_plan *cp)
{
	free(cp->copies);
	free(cp->cl);
	plan_free(cp->sv, cp->nsv);
	ps_name_map_free(&cp->ix.svcs);
	ps_name_map_free(&cp->ix.slices);
	ps_name_map_free(&cp->ix.slice_svc);
	ps_name_map_free(&cp->pm);
}

/* 1. The affected services ------------------------------------------------ */

/* The plan of ns/name, added if new: its index or -ENOMEM. pm's next[]
 * has room for every plan the change can make. */
static int
plan_add(struct change_plan *cp, const char *ns, const char *name,
	 const char *path)
{
	struct svc_plan *p;
	uint32_t i;

	for (i = in_first(&cp->pm, ns, name); i < cp->nsv;
	     i = in_next(&cp->pm, i))
		if (strcmp(cp->sv[i].ns, ns) == 0 &&
		    strcmp(cp->sv[i].name, name) == 0)
			return (int)i;
	if (cp->nsv == cp->cap) {
		unsigned int c = cp->cap ? cp->cap * 2 : 16;
		struct svc_plan *g = realloc(cp->sv, c * sizeof(*g));

		if (g == NULL)
			return -ENOMEM;
		cp->sv = g;
		cp->cap = c;
	}
	p = &cp->sv[cp->nsv];
	memset(p, 0, sizeof(*p));
	snprintf(p->ns, PS_K8S_NAME_MAX, "%s", ns);
	snprintf(p->name, PS_K8S_NAME_MAX, "%s", name);
	p->path = path;
	p->slot = SVC_NONE;
	ps_name_map_add(&cp->pm, ps_name_hash(ns, name), cp->nsv);
	return (int)cp->nsv++;
}

/* Every upserted or deleted service, and every service whose slices the
 * change upserts, moves or deletes. */
static int
plan_collect(struct change_plan *cp)
{
	const struct ps_svc_table *t = cp->t;
	const struct change *c = cp->c;
	unsigned int i;
	int rc = 0;

	for (i = 0; i < c->nb_up_svcs && rc >= 0; i++)
		rc = plan_add(cp, c->up_svcs[i].ns, c->up_svcs[i].name,
			      c->up_svcs[i].path);
	for (i = 0; i < c->nb_del_svcs && rc >= 0; i++) {
		const struct ps_svc_spec *s = &t->svcs[c->del_svcs[i]]->spec;

		rc = plan_add(cp, s->ns, s->name, s->name);
	}
	for (i = 0; i < c->nb_up_slices && rc >= 0; i++) {
		const struct ps_eps_spec *s = &c->up_slices[i];
		uint32_t old = svc_slice_find(t, s->ns, s->name);

		if (s->service[0] != '\0')
			rc = plan_add(cp, s->ns, s->service, s->path);
		if (rc >= 0 && old != SVC_NONE &&
		    t->slices[old]->service[0] != '\0')
			rc = plan_add(cp, s->ns, t->slices[old]->service,
				      s->path);
	}
	for (i = 0; i < c->nb_del_slices && rc >= 0; i++) {
		const struct ps_eps_spec *s = t->slices[c->del_slices[i]];

		if (s->service[0] != '\0')
			rc = plan_add(cp, s->ns, s->service, s->name);
	}
	return rc < 0 ? rc : 0;
}

/* 2. Each one's state after the change ------------------------------------ */

static struct ps_svc_port *
port_obj_new(const struct ps_svc_spec *s, unsigned int pi)
{
	const struct ps_svc_port_spec *p = &s->ports[pi];
	struct ps_svc_port *sp;

	sp = rte_zmalloc("ps_svc_port", sizeof(*sp), RTE_CACHE_LINE_SIZE);
	if (sp == NULL)
		return NULL;
	sp->id = SVC_NONE;
	sp->proto = p->proto;
	sp->sched = s->sched;
	sp->etp = s->etp;
	sp->itp = s->itp;
	sp->port = p->port;
	sp->node_port = p->node_port;
	sp->affinity = s->affinity;
	sp->affinity_timeout = s->affinity_timeout;
	sp->cluster_ip = s->cluster_ip;
	if (s->nb_src_ranges > 0) {
		struct ps_prefix4 *r = malloc(sizeof(*r) * s->nb_src_ranges);

		if (r == NULL) {
			rte_free(sp);
			return NULL;
		}
		memcpy(r, s->src_ranges, sizeof(*r) * s->nb_src_ranges);
		sp->src_ranges = r;
		sp->nb_src_ranges = s->nb_src_ranges;
	}
	snprintf(sp->ns, sizeof(sp->ns), "%s", s->ns);
	snprintf(sp->name, sizeof(sp->name), "%s", s->name);
	snprintf(sp->port_name, sizeof(sp->port_name), "%s", p->name);
	return sp;
}

/* The port of the current stored service that port pi of `after`
 * continues (same name and protocol), keeping its id and counters. */
static uint32_t
cur_port_id(const struct ps_svc_table *t, uint32_t slot,
	    const struct ps_svc_port_spec *p)
{
	const struct svc_obj *o;
	unsigned int i;

	if (slot == SVC_NONE)
		return SVC_NONE;
	o = t->svcs[slot];
	if (!svc_programmed(&o->spec))
		return SVC_NONE;
	for (i = 0; i < o->spec.nb_ports; i++)
		if (o->spec.ports[i].proto == p->proto &&
		    strcmp(o->spec.ports[i].name, p->name) == 0)
			return o->port_ids[i];
	return SVC_NONE;
}

/* Endpoint-record bookkeeping of one port plan against the current set. */
static int
diff_eps(struct port_plan *pp)
{
	const struct svc_epset *old = pp->cur != NULL ?
		__atomic_load_n(&pp->cur->eps, __ATOMIC_ACQUIRE) : NULL;
	uint32_t i;

	pp->nb_new_eps = 0;
	for (i = 0; i < pp->es->n; i++) {
		int j = old != NULL ? svc_epset_find(old, pp->es->eps[i].key)
				    : -1;

		if (j >= 0)
			pp->es->eps[i].ep_id = old->eps[j].ep_id;
		else
			pp->nb_new_eps++;
	}
	if (old == NULL || old->n == 0)
		return 0;
	pp->gone = malloc(sizeof(*pp->gone) * old->n);
	if (pp->gone == NULL)
		return -ENOMEM;
	/* What kube-proxy calls stale: it was serving and now is gone or
	 * no longer serving. Its UDP flows must not keep going there. An
	 * endpoint removed while not serving is reported too: its
	 * remaining connections end with it. */
	for (i = 0; i < old->n; i++) {
		int j = svc_epset_find(pp->es, old->eps[i].key);

		if (!(old->eps[i].flags & PS_EP_SERVING) && j >= 0)
			continue;
		if (j < 0 || !(pp->es->eps[j].flags & PS_EP_SERVING))
			pp->gone[pp->nb_gone++] = (struct ps_svc_ep_addr){
				.ip = old->eps[i].ip, .port = old->eps[i].port };
	}
	return 0;
}

/* Where p's service is after the change, and whether its spec changes. */
static void
plan_after(struct change_plan *cp, struct svc_plan *p,
	   const struct svc_obj *cur)
{
	const struct change *c = cp->c;
	uint32_t j;

	p->after = cur != NULL ? &cur->spec : NULL;
	for (j = in_first(&cp->ix.svcs, p->ns, p->name); j < c->nb_up_svcs;
	     j = in_next(&cp->ix.svcs, j))
		if (strcmp(c->up_svcs[j].ns, p->ns) == 0 &&
		    strcmp(c->up_svcs[j].name, p->name) == 0) {
			p->after = &c->up_svcs[j];
			p->spec_changes = true;
			if (cur == NULL)
				cp->new_svcs++;
		}
	for (j = 0; j < c->nb_del_svcs; j++)
		if (c->del_svcs[j] == p->slot) {
			p->after = NULL;
			p->spec_changes = true;
		}
}

/* The port plans of p's service after the change: snapshot, records,
 * and a new object when the spec changes. */
static int
plan_ports(struct change_plan *cp, struct svc_plan *p)
{
	const struct ps_svc_table *t = cp->t;
	unsigned int j;
	int rc;

	p->pp = calloc(p->after->nb_ports, sizeof(*p->pp));
	if (p->pp == NULL)
		return -ENOMEM;
	for (j = 0; j < p->after->nb_ports; j++) {
		struct port_plan *pp = &p->pp[p->nb_pp++];

		pp->id = cur_port_id(t, p->slot, &p->after->ports[j]);
		pp->cur = pp->id != SVC_NONE ? t->ports[pp->id] : NULL;
		rc = svc_snapshot_build(t, cp->c, p->after, j, &pp->es);
		if (rc == -E2BIG) {
			ps_errors_add(cp->errs, p->path, "port '%s': more "
				      "than %u endpoints",
				      p->after->ports[j].name,
				      PS_SVC_MAX_EP_PER_PORT);
			return rc;
		}
		if (rc < 0 || diff_eps(pp) < 0)
			return -ENOMEM;
		cp->new_eps += pp->nb_new_eps;
		if (p->spec_changes) {
			pp->obj = port_obj_new(p->after, j);
			if (pp->obj == NULL)
				return -ENOMEM;
		}
	}
	return 0;
}

static int
plan_compute(struct change_plan *cp)
{
	const struct ps_svc_table *t = cp->t;
	unsigned int i;
	int rc;

	cp->ports_after = t->nb_ports;
	cp->fe_after = t->nb_fe;
	for (i = 0; i < cp->nsv; i++) {
		struct svc_plan *p = &cp->sv[i];
		const struct svc_obj *cur;

		p->slot = svc_find(t, p->ns, p->name);
		cur = p->slot != SVC_NONE ? t->svcs[p->slot] : NULL;
		plan_after(cp, p, cur);
		if (cur != NULL && p->spec_changes &&
		    svc_programmed(&cur->spec)) {
			cp->ports_after -= cur->spec.nb_ports;
			cp->fe_after -= cur->nb_fe;
		}
		if (p->after == NULL || !svc_programmed(p->after))
			continue;
		rc = plan_ports(cp, p);
		if (rc < 0)
			return rc;
		if (p->spec_changes)
			cp->ports_after += p->after->nb_ports;
	}
	return 0;
}

/* 3. Frontend conflicts, within the change and with the table ------------- */

static int
claim_cmp(const void *a, const void *b)
{
	return memcmp(&((const struct fe_claim *)a)->k,
		      &((const struct fe_claim *)b)->k, sizeof(struct fe_key));
}

/* ns/name gives up its current frontends in this change (its spec is
 * replaced or deleted); one affected only through its slices keeps
 * them. */
static bool
plan_releases(const struct change_plan *cp, const char *ns, const char *name)
{
	uint32_t i;

	for (i = in_first(&cp->pm, ns, name); i < cp->nsv;
	     i = in_next(&cp->pm, i))
		if (strcmp(cp->sv[i].ns, ns) == 0 &&
		    strcmp(cp->sv[i].name, name) == 0)
			return cp->sv[i].spec_changes;
	return false;
}

/* The frontend keys each service with a new spec will hold, sorted. */
static int
claims_collect(struct change_plan *cp)
{
	unsigned int i, j, n, m;

	for (i = 0; i < cp->nsv; i++)
		if (cp->sv[i].spec_changes && cp->sv[i].after != NULL &&
		    svc_programmed(cp->sv[i].after))
			cp->ncl += cp->sv[i].after->nb_ports *
				   svc_fe_max(cp->sv[i].after);
	cp->cl = malloc(sizeof(*cp->cl) * (cp->ncl ? cp->ncl : 1));
	if (cp->cl == NULL)
		return -ENOMEM;
	cp->ncl = 0;
	for (i = 0; i < cp->nsv; i++) {
		const struct ps_svc_spec *s = cp->sv[i].after;
		struct svc_fe_buf b;

		if (!cp->sv[i].spec_changes || s == NULL ||
		    !svc_programmed(s))
			continue;
		for (j = 0; j < s->nb_ports; j++) {
			if (!svc_fe_buf_get(&b, s))
				return -ENOMEM;
			n = svc_fe_keys(s, j, b.k, b.kinds);
			for (m = 0; m < n; m++)
				cp->cl[cp->ncl++] = (struct fe_claim){
					.k = b.k[m], .kind = b.kinds[m],
					.pi = (uint16_t)j, .sv = i };
			cp->sv[i].nb_fe += n;
			svc_fe_buf_put(&b);
		}
		cp->fe_after += cp->sv[i].nb_fe;
	}
	qsort(cp->cl, cp->ncl, sizeof(*cp->cl), claim_cmp);
	return 0;
}

static const char *
fe_field(uint8_t kind, unsigned int pi, char *buf, size_t len)
{
	switch (kind) {
	case PS_FE_CLUSTER: return "spec.clusterIP";
	case PS_FE_NODEPORT:
		snprintf(buf, len, "spec.ports[%u].nodePort", pi);
		return buf;
	case PS_FE_EXTERNAL: return "spec.externalIPs";
	default: return "status.loadBalancer.ingress";
	}
}

static void
fe_str(const struct fe_key *k, char *buf, size_t len)
{
	char ip[PS_IP4_STRLEN];

	if (k->ip == 0) {
		snprintf(buf, len, "node port %u/%s", rte_be_to_cpu_16(k->port),
			 k->proto == IPPROTO_TCP ? "TCP" : "UDP");
		return;
	}
	ps_ip4_fmt(ip, k->ip);
	snprintf(buf, len, "%s:%u/%s", ip, rte_be_to_cpu_16(k->port),
		 k->proto == IPPROTO_TCP ? "TCP" : "UDP");
}

/* A key claimed twice in the change, or served by a service that keeps
 * its frontends, is an error naming both: -EEXIST after all of them. */
static int
check_frontends(struct change_plan *cp)
{
	const struct ps_svc_table *t = cp->t;
	const struct fe_claim *cl;
	unsigned int i;
	int rc = claims_collect(cp);

	if (rc < 0)
		return rc;
	for (i = 0; i < cp->ncl; i++) {
		const struct svc_plan *p;
		char ks[64], f[48], path[128];
		void *data;

		cl = &cp->cl[i];
		p = &cp->sv[cl->sv];
		fe_str(&cl->k, ks, sizeof(ks));
		snprintf(path, sizeof(path), "%s.%s", p->path,
			 fe_field(cl->kind, cl->pi, f, sizeof(f)));
		if (i > 0 && memcmp(&cl->k, &cl[-1].k, sizeof(cl->k)) == 0) {
			ps_errors_add(cp->errs, path, "%s is also claimed by "
				      "%s/%s", ks, cp->sv[cl[-1].sv].ns,
				      cp->sv[cl[-1].sv].name);
			rc = -EEXIST;
			continue;
		}
		if (rte_hash_lookup_data(t->fe, &cl->k, &data) >= 0) {
			const struct ps_svc_port *o =
				t->ports[(uintptr_t)data >> 2];

			if (!plan_releases(cp, o->ns, o->name)) {
				ps_errors_add(cp->errs, path, "%s is already "
					      "served by %s/%s", ks, o->ns,
					      o->name);
				rc = -EEXIST;
			}
		}
	}
	return rc;
}

/* 4. Room ----------------------------------------------------------------- */

static int
check_room(struct change_plan *cp)
{
	struct ps_svc_table *t = cp->t;
	const struct change *c = cp->c;
	uint32_t slices_after = t->nb_slices, addrs_after = t->slice_addrs;
	unsigned int i;
	int rc = 0;

	for (i = 0; i < c->nb_up_slices; i++) {
		uint32_t old = svc_slice_find(t, c->up_slices[i].ns,
					      c->up_slices[i].name);

		if (old == SVC_NONE)
			slices_after++;
		else
			addrs_after -= svc_slice_addrs(t->slices[old]);
		addrs_after += svc_slice_addrs(&c->up_slices[i]);
	}
	for (i = 0; i < c->nb_del_slices; i++) {
		slices_after--;
		addrs_after -= svc_slice_addrs(t->slices[c->del_slices[i]]);
	}
	if (t->nb_svcs + cp->new_svcs > t->max_svcs) {
		ps_errors_add(cp->errs, "(services)", "table full: %u "
			      "services stored, %u new, room for %u",
			      t->nb_svcs, cp->new_svcs, t->max_svcs);
		rc = -ENOSPC;
	}
	if (cp->ports_after > t->max_svcs || cp->fe_after > t->max_svcs) {
		ps_errors_add(cp->errs, "(services)", "table full: %u service "
			      "ports and %u frontends after the change, room "
			      "for %u each", cp->ports_after, cp->fe_after,
			      t->max_svcs);
		rc = -ENOSPC;
	}
	/* make-before-break: new records are taken before the ones that
	 * leave are given back */
	if (t->nb_eps + cp->new_eps > t->max_eps) {
		ps_errors_add(cp->errs, "(endpoints)", "table full: %u "
			      "endpoint records in use, %u new, room for %u",
			      t->nb_eps, cp->new_eps, t->max_eps);
		rc = -ENOSPC;
	}
	if (slices_after > t->max_eps || addrs_after > t->max_eps) {
		ps_errors_add(cp->errs, "(endpointslices)", "table full: %u "
			      "slices and %u addresses after the change, room "
			      "for %u", slices_after, addrs_after, t->max_eps);
		rc = -ENOSPC;
	}
	if (rc == -ENOSPC)
		t->full++;
	return rc;
}

/* 5. Copies of what we store ---------------------------------------------- */

static int
copy_specs(struct change_plan *cp)
{
	unsigned int i;

	for (i = 0; i < cp->nsv; i++) {
		struct svc_plan *p = &cp->sv[i];

		if (!p->spec_changes || p->after == NULL)
			continue;
		p->spec_copy = calloc(1, sizeof(*p->spec_copy));
		if (p->spec_copy == NULL ||
		    svc_spec_copy(&p->spec_copy->spec, p->after) < 0) {
			free(p->spec_copy);
			p->spec_copy = NULL;
			return -ENOMEM;
		}
		p->spec_copy->nb_fe = p->nb_fe;
		p->spec_copy->port_ids = calloc(p->after->nb_ports + 1,
						sizeof(uint32_t));
		if (p->spec_copy->port_ids == NULL)
			return -ENOMEM;
	}
	return 0;
}

static int
copy_slices(struct change_plan *cp)
{
	const struct change *c = cp->c;
	struct ps_eps_spec **copies;
	unsigned int i;

	copies = calloc(c->nb_up_slices + 1, sizeof(*copies));
	if (copies == NULL)
		return -ENOMEM;
	for (i = 0; i < c->nb_up_slices; i++) {
		copies[i] = calloc(1, sizeof(**copies));
		if (copies[i] == NULL ||
		    svc_slice_copy(copies[i], &c->up_slices[i]) < 0) {
			free(copies[i]);
			while (i-- > 0) {
				svc_slice_free(copies[i]);
				free(copies[i]);
			}
			free(copies);
			return -ENOMEM;
		}
	}
	cp->copies = copies;
	return 0;
}

static int
copy_inputs(struct change_plan *cp)
{
	int rc = copy_specs(cp);

	return rc < 0 ? rc : copy_slices(cp);
}

int
svc_change(struct ps_svc_table *t, const struct change *c,
	   struct ps_errors *errs)
{
	struct change_plan cp;
	int rc = change_plan_init(&cp, t, c, errs);

	if (rc == 0)
		rc = plan_collect(&cp);
	if (rc == 0)
		rc = plan_compute(&cp);
	if (rc == 0)
		rc = check_frontends(&cp);
	if (rc == 0)
		rc = check_room(&cp);
	if (rc == 0)
		rc = copy_inputs(&cp);
	if (rc == 0)
		svc_change_commit(&cp);
	if (rc == -ENOMEM)
		ps_errors_add(errs, "(service table)", "out of memory");
	change_plan_fini(&cp);
	return rc;
}
