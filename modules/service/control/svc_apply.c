/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The writer's entry points of the service table (service.h): each says
 * what it upserts and deletes, and the change engine (svc_change.c)
 * applies that all or nothing.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "svc_change.h"

int
ps_svc_apply(struct ps_svc_table *t, const struct ps_k8s_doc *doc,
	     struct ps_errors *errs)
{
	struct change c = {
		.up_svcs = doc->svcs, .nb_up_svcs = doc->nb_svcs,
		.up_slices = doc->slices, .nb_up_slices = doc->nb_slices,
	};
	int rc = svc_change(t, &c, errs);

	if (rc < 0)
		t->apply_errors++;
	else
		t->applies++;
	return rc;
}

int
ps_svc_replace_slices(struct ps_svc_table *t, const char *ns,
		      const char *name, const struct ps_k8s_doc *doc,
		      struct ps_errors *errs)
{
	struct change c = {
		.up_slices = doc->slices, .nb_up_slices = doc->nb_slices,
	};
	uint32_t *del, i, n = 0;
	int rc = 0;

	for (i = 0; i < doc->nb_slices; i++)
		if (strcmp(doc->slices[i].ns, ns) != 0 ||
		    strcmp(doc->slices[i].service, name) != 0) {
			ps_errors_add(errs, doc->slices[i].path, "belongs to "
				      "%s/%s, not %s/%s", doc->slices[i].ns,
				      doc->slices[i].service[0] ?
				      doc->slices[i].service : "(none)", ns,
				      name);
			rc = -EINVAL;
		}
	if (doc->nb_svcs > 0) {
		ps_errors_add(errs, doc->svcs[0].path, "only EndpointSlices "
			      "here");
		rc = -EINVAL;
	}
	if (rc < 0) {
		t->apply_errors++;
		return rc;
	}
	del = malloc(sizeof(*del) * (t->nb_slices + 1));
	if (del == NULL)
		return -ENOMEM;
	for (i = ps_name_map_first(&t->slice_svc_map, ps_name_hash(ns, name));
	     i != SVC_NONE; i = ps_name_map_next(&t->slice_svc_map, i)) {
		const struct ps_eps_spec *s = t->slices[i];

		if (s != NULL && strcmp(s->ns, ns) == 0 &&
		    strcmp(s->service, name) == 0 &&
		    !svc_change_slice_upserted(&c, s->ns, s->name))
			del[n++] = i;
	}
	c.del_slices = del;
	c.nb_del_slices = n;
	rc = svc_change(t, &c, errs);
	free(del);
	if (rc < 0)
		t->apply_errors++;
	else
		t->applies++;
	return rc;
}

/* Whether two items are the same to the dataplane: their shapes read
 * back (the form the parser takes) are equal. */
static bool
svc_same(const struct ps_svc_spec *a, const struct ps_svc_spec *b)
{
	json_t *ja = ps_k8s_svc_to_json(a), *jb = ps_k8s_svc_to_json(b);
	bool same = ja != NULL && jb != NULL && json_equal(ja, jb) &&
		    strcmp(a->skip_reason, b->skip_reason) == 0;

	json_decref(ja);
	json_decref(jb);
	return same;
}

static bool
slice_same(const struct ps_eps_spec *a, const struct ps_eps_spec *b)
{
	json_t *ja = ps_k8s_slice_to_json(a), *jb = ps_k8s_slice_to_json(b);
	bool same = ja != NULL && jb != NULL && json_equal(ja, jb) &&
		    strcmp(a->service, b->service) == 0 &&
		    strcmp(a->skip_reason, b->skip_reason) == 0;

	json_decref(ja);
	json_decref(jb);
	return same;
}

/* Names of what a replace removes, kept for the report after commit. */
struct gone_name {
	const char *kind;
	char ns[PS_K8S_NAME_MAX];
	char name[PS_K8S_NAME_MAX];
};

enum { ACT_SAME, ACT_ADDED, ACT_CHANGED };

/* A replace in the making: the change, and what to report after it. */
struct replace {
	struct change c;
	struct ps_name_map in_svcs, in_slices;	/* doc's items by name */
	struct ps_svc_spec *up_svcs;
	struct ps_eps_spec *up_slices;
	uint32_t *del_svcs, *del_slices;
	uint8_t *svc_act, *sl_act;		/* ACT_* per doc item */
	struct gone_name *gone;
	unsigned int nb_gone;
};

static int
replace_init(struct replace *r, const struct ps_svc_table *t,
	     const struct ps_k8s_doc *doc)
{
	memset(r, 0, sizeof(*r));
	if (ps_name_map_init(&r->in_svcs, RTE_MAX(doc->nb_svcs, 1u)) < 0 ||
	    ps_name_map_init(&r->in_slices, RTE_MAX(doc->nb_slices, 1u)) < 0)
		return -ENOMEM;
	r->up_svcs = malloc(sizeof(*r->up_svcs) * (doc->nb_svcs + 1));
	r->up_slices = malloc(sizeof(*r->up_slices) * (doc->nb_slices + 1));
	r->svc_act = calloc(doc->nb_svcs + 1, 1);
	r->sl_act = calloc(doc->nb_slices + 1, 1);
	r->del_svcs = malloc(sizeof(*r->del_svcs) * (t->nb_svcs + 1));
	r->del_slices = malloc(sizeof(*r->del_slices) * (t->nb_slices + 1));
	r->gone = malloc(sizeof(*r->gone) * (t->nb_svcs + t->nb_slices + 1));
	if (r->up_svcs == NULL || r->up_slices == NULL || r->svc_act == NULL ||
	    r->sl_act == NULL || r->del_svcs == NULL ||
	    r->del_slices == NULL || r->gone == NULL)
		return -ENOMEM;
	r->c.up_svcs = r->up_svcs;
	r->c.up_slices = r->up_slices;
	r->c.del_svcs = r->del_svcs;
	r->c.del_slices = r->del_slices;
	return 0;
}

static void
replace_fini(struct replace *r)
{
	ps_name_map_free(&r->in_svcs);
	ps_name_map_free(&r->in_slices);
	free(r->up_svcs);
	free(r->up_slices);
	free(r->svc_act);
	free(r->sl_act);
	free(r->del_svcs);
	free(r->del_slices);
	free(r->gone);
}

/* What doc adds or changes (shallow copies: doc keeps ownership). */
static void
replace_upserts(struct replace *r, const struct ps_svc_table *t,
		const struct ps_k8s_doc *doc)
{
	uint32_t i;

	for (i = 0; i < doc->nb_svcs; i++) {
		const struct ps_svc_spec *d = &doc->svcs[i];
		uint32_t slot = svc_find(t, d->ns, d->name);

		ps_name_map_add(&r->in_svcs, ps_name_hash(d->ns, d->name), i);
		if (slot != SVC_NONE && svc_same(&t->svcs[slot]->spec, d))
			continue;
		r->svc_act[i] = slot == SVC_NONE ? ACT_ADDED : ACT_CHANGED;
		r->up_svcs[r->c.nb_up_svcs++] = *d;
	}
	for (i = 0; i < doc->nb_slices; i++) {
		const struct ps_eps_spec *d = &doc->slices[i];
		uint32_t slot = svc_slice_find(t, d->ns, d->name);

		ps_name_map_add(&r->in_slices, ps_name_hash(d->ns, d->name), i);
		if (slot != SVC_NONE && slice_same(t->slices[slot], d))
			continue;
		r->sl_act[i] = slot == SVC_NONE ? ACT_ADDED : ACT_CHANGED;
		r->up_slices[r->c.nb_up_slices++] = *d;
	}
}

static void
gone_add(struct replace *r, const char *kind, const char *ns,
	 const char *name)
{
	struct gone_name *g = &r->gone[r->nb_gone++];

	g->kind = kind;
	snprintf(g->ns, PS_K8S_NAME_MAX, "%s", ns);
	snprintf(g->name, PS_K8S_NAME_MAX, "%s", name);
}

/* What is stored and doc lacks. */
static void
replace_deletes(struct replace *r, const struct ps_svc_table *t,
		const struct ps_k8s_doc *doc)
{
	uint32_t i, j, nsvc = 0, nsl = 0;

	for (i = 0; i < t->max_svcs && nsvc < t->nb_svcs; i++) {
		const struct svc_obj *o = t->svcs[i];
		bool found = false;

		if (o == NULL)
			continue;
		nsvc++;
		for (j = ps_name_map_first(&r->in_svcs,
				ps_name_hash(o->spec.ns, o->spec.name));
		     j != SVC_NONE && !found;
		     j = ps_name_map_next(&r->in_svcs, j))
			found = strcmp(doc->svcs[j].ns, o->spec.ns) == 0 &&
				strcmp(doc->svcs[j].name, o->spec.name) == 0;
		if (found)
			continue;
		r->del_svcs[r->c.nb_del_svcs++] = i;
		gone_add(r, "Service", o->spec.ns, o->spec.name);
	}
	for (i = 0; i < t->max_eps && nsl < t->nb_slices; i++) {
		const struct ps_eps_spec *s = t->slices[i];
		bool found = false;

		if (s == NULL)
			continue;
		nsl++;
		for (j = ps_name_map_first(&r->in_slices,
					   ps_name_hash(s->ns, s->name));
		     j != SVC_NONE && !found;
		     j = ps_name_map_next(&r->in_slices, j))
			found = strcmp(doc->slices[j].ns, s->ns) == 0 &&
				strcmp(doc->slices[j].name, s->name) == 0;
		if (found)
			continue;
		r->del_slices[r->c.nb_del_slices++] = i;
		gone_add(r, "EndpointSlice", s->ns, s->name);
	}
}

static void
replace_report(const struct replace *r, const struct ps_k8s_doc *doc,
	       ps_svc_replace_cb cb, void *arg)
{
	uint32_t i;

	for (i = 0; cb != NULL && i < doc->nb_svcs; i++)
		if (r->svc_act[i] != ACT_SAME)
			cb(r->svc_act[i] == ACT_ADDED ? "added" : "changed",
			   "Service", doc->svcs[i].ns, doc->svcs[i].name, arg);
	for (i = 0; cb != NULL && i < doc->nb_slices; i++)
		if (r->sl_act[i] != ACT_SAME)
			cb(r->sl_act[i] == ACT_ADDED ? "added" : "changed",
			   "EndpointSlice", doc->slices[i].ns,
			   doc->slices[i].name, arg);
	for (i = 0; cb != NULL && i < r->nb_gone; i++)
		cb("removed", r->gone[i].kind, r->gone[i].ns,
		   r->gone[i].name, arg);
}

int
ps_svc_replace_all(struct ps_svc_table *t, const struct ps_k8s_doc *doc,
		   ps_svc_replace_cb cb, void *arg,
		   unsigned int *unchanged_svcs,
		   unsigned int *unchanged_slices, struct ps_errors *errs)
{
	struct replace r;
	int rc = replace_init(&r, t, doc);

	if (rc < 0) {
		ps_errors_add(errs, "(service table)", "out of memory");
		replace_fini(&r);
		return rc;
	}
	replace_upserts(&r, t, doc);
	replace_deletes(&r, t, doc);
	if (r.c.nb_up_svcs + r.c.nb_up_slices + r.c.nb_del_svcs +
	    r.c.nb_del_slices > 0)
		rc = svc_change(t, &r.c, errs);
	if (rc < 0) {
		t->apply_errors++;
		replace_fini(&r);
		return rc;
	}
	t->applies++;
	if (unchanged_svcs != NULL)
		*unchanged_svcs = doc->nb_svcs - r.c.nb_up_svcs;
	if (unchanged_slices != NULL)
		*unchanged_slices = doc->nb_slices - r.c.nb_up_slices;
	replace_report(&r, doc, cb, arg);
	replace_fini(&r);
	return 0;
}

int
ps_svc_delete(struct ps_svc_table *t, const char *ns, const char *name)
{
	uint32_t slot = svc_find(t, ns, name);
	struct change c = { .del_svcs = &slot, .nb_del_svcs = 1 };

	if (slot == SVC_NONE)
		return -ENOENT;
	return svc_change(t, &c, NULL);
}

int
ps_svc_slice_delete(struct ps_svc_table *t, const char *ns, const char *name)
{
	uint32_t slot = svc_slice_find(t, ns, name);
	struct change c = { .del_slices = &slot, .nb_del_slices = 1 };

	if (slot == SVC_NONE)
		return -ENOENT;
	return svc_change(t, &c, NULL);
}

/* Every stored slice upserted as itself: a change that rebuilds the
 * endpoint set of every service with endpoints, and nothing else. */
static int
rebuild_all(struct ps_svc_table *t)
{
	struct ps_eps_spec *copies;
	uint32_t i, n = 0;
	int rc = 0;

	if (t->nb_slices == 0)
		return 0;
	copies = calloc(t->nb_slices, sizeof(*copies));
	if (copies == NULL)
		return -ENOMEM;
	for (i = 0; i < t->max_eps && n < t->nb_slices && rc == 0; i++)
		if (t->slices[i] != NULL)
			rc = svc_slice_copy(&copies[n++], t->slices[i]);
	if (rc == 0) {
		struct change c = { .up_slices = copies,
				    .nb_up_slices = n };

		rc = svc_change(t, &c, NULL);
	}
	for (i = 0; i < n; i++)
		svc_slice_free(&copies[i]);
	free(copies);
	return rc;
}

int
ps_svc_set_zone(struct ps_svc_table *t, const char *zone)
{
	char old[PS_ZONE_MAX];
	int rc;

	if (strlen(zone) >= sizeof(t->zone))
		return -EINVAL;
	if (strcmp(zone, t->zone) == 0)
		return 0;
	memcpy(old, t->zone, sizeof(old));
	snprintf(t->zone, sizeof(t->zone), "%s", zone);
	rc = rebuild_all(t);
	if (rc < 0) {
		memcpy(t->zone, old, sizeof(old));
		return rc;
	}
	SVC_LOG(INFO, "%s: zone '%s'\n", t->name, zone);
	return 0;
}

const char *
ps_svc_zone(const struct ps_svc_table *t)
{
	return t->zone;
}
