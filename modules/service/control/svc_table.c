/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The service table (include/podswitch/service.h): stored Services and
 * EndpointSlices, the service ports built from them, the frontend hash
 * workers look up, endpoint records and their connection counts.
 *
 * This file creates and frees the table, frees what readers may still
 * hold after a grace period, ages it and reads it back. Every change
 * goes through one engine (svc_change.c); the workers' side is
 * ../datapath/svc_select.c.
 *
 * Publication order for readers: a new endpoint snapshot is complete
 * before the pointer to it is stored (release); a new service port object
 * holds its snapshot before a frontend key points at it; a frontend key
 * that moves to a new object is updated in place (rte_hash updates the
 * data of an existing key atomically), so lookups never miss during an
 * update. Old objects are freed after an RCU grace period.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <netinet/in.h>

#include <rte_errno.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "svc_private.h"

RTE_LOG_REGISTER(ps_logtype_svc, podswitch.service, INFO);

struct defer_elem {
	void *p;
	uint32_t type;
	uint32_t pad;
};

/* Shared helpers ---------------------------------------------------------- */

uint32_t
svc_find(const struct ps_svc_table *t, const char *ns, const char *name)
{
	uint32_t s = ps_name_map_first(&t->svc_map, ps_name_hash(ns, name));

	for (; s != SVC_NONE; s = ps_name_map_next(&t->svc_map, s))
		if (strcmp(t->svcs[s]->spec.ns, ns) == 0 &&
		    strcmp(t->svcs[s]->spec.name, name) == 0)
			return s;
	return SVC_NONE;
}

uint32_t
svc_slice_find(const struct ps_svc_table *t, const char *ns, const char *name)
{
	uint32_t s = ps_name_map_first(&t->slice_map, ps_name_hash(ns, name));

	for (; s != SVC_NONE; s = ps_name_map_next(&t->slice_map, s))
		if (strcmp(t->slices[s]->ns, ns) == 0 &&
		    strcmp(t->slices[s]->name, name) == 0)
			return s;
	return SVC_NONE;
}

unsigned int
svc_fe_keys(const struct ps_svc_spec *s, unsigned int pi, struct fe_key *out,
	    uint8_t *kinds)
{
	const struct ps_svc_port_spec *p = &s->ports[pi];
	unsigned int n = 0, i, j;

#define FE_PUT(ip_, port_, kind_) do { \
	struct fe_key k_ = { .ip = (ip_), .port = rte_cpu_to_be_16(port_), \
			     .proto = p->proto }; \
	for (j = 0; j < n; j++) \
		if (memcmp(&out[j], &k_, sizeof(k_)) == 0) \
			break; \
	if (j == n) { \
		out[n] = k_; \
		kinds[n++] = (kind_); \
	} \
} while (0)
	FE_PUT(s->cluster_ip, p->port, PS_FE_CLUSTER);
	if ((s->type == PS_SVC_NODE_PORT || s->type == PS_SVC_LOAD_BALANCER) &&
	    p->node_port != 0)
		FE_PUT(0, p->node_port, PS_FE_NODEPORT);
	for (i = 0; i < s->nb_external_ips; i++)
		FE_PUT(s->external_ips[i], p->port, PS_FE_EXTERNAL);
	if (s->type == PS_SVC_LOAD_BALANCER)
		for (i = 0; i < s->nb_lb_ips; i++)
			FE_PUT(s->lb_ips[i], p->port, PS_FE_LB);
#undef FE_PUT
	return n;
}

bool
svc_fe_buf_get(struct svc_fe_buf *b, const struct ps_svc_spec *s)
{
	if (svc_fe_max(s) <= SVC_FE_STACK) {
		b->k = b->k_stack;
		b->kinds = b->kinds_stack;
		return true;
	}
	b->k = malloc(sizeof(*b->k) * svc_fe_max(s));
	b->kinds = malloc(svc_fe_max(s));
	if (b->k != NULL && b->kinds != NULL)
		return true;
	svc_fe_buf_put(b);
	return false;
}

void
svc_fe_buf_put(struct svc_fe_buf *b)
{
	if (b->k != b->k_stack)
		free(b->k);
	if (b->kinds != b->kinds_stack)
		free(b->kinds);
	b->k = NULL;
	b->kinds = NULL;
}

/* Deferred free ----------------------------------------------------------- */

void
svc_port_obj_free(struct ps_svc_port *sp)
{
	if (sp == NULL)
		return;
	free((void *)(uintptr_t)sp->src_ranges);
	rte_free(sp);
}

static void
defer_free_now(void *p, uint32_t type)
{
	if (type == SVC_DEFER_EPSET)
		svc_epset_free(p);
	else
		svc_port_obj_free(p);
}

static void
dq_free(void *arg, void *e, unsigned int n)
{
	struct defer_elem *d = e;
	unsigned int i;

	RTE_SET_USED(arg);
	for (i = 0; i < n; i++)
		defer_free_now(d[i].p, d[i].type);
}

void
svc_defer_free(struct ps_svc_table *t, void *p, enum svc_defer_type type)
{
	struct defer_elem d = { .p = p, .type = type };

	if (p == NULL)
		return;
	if (t->qsv == NULL) {
		defer_free_now(p, type);
		return;
	}
	if (rte_rcu_qsbr_dq_enqueue(t->dq, &d) == 0)
		return;
	/* Queue full of memory readers still hold: wait for them once. */
	rte_rcu_qsbr_synchronize(t->qsv, RTE_QSBR_THRID_INVALID);
	rte_rcu_qsbr_dq_reclaim(t->dq, UINT32_MAX, NULL, NULL, NULL);
	defer_free_now(p, type);
}

/* Create / free ----------------------------------------------------------- */

/* The frontend hash, and with readers the defer queue for what they may
 * still hold. */
static int
fe_hash_create(struct ps_svc_table *t, const struct ps_svc_table_params *p)
{
	char hname[RTE_HASH_NAMESIZE];
	struct rte_hash_parameters hp = {
		.name = hname,
		.key_len = sizeof(struct fe_key),
		.hash_func = rte_hash_crc,
		.extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
	};
	struct rte_hash_rcu_config rc = {
		.v = p->qsv,
		.mode = RTE_HASH_QSBR_MODE_DQ,
	};
	char dqname[RTE_RCU_QSBR_DQ_NAMESIZE];
	struct rte_rcu_qsbr_dq_parameters dp = {
		.name = dqname,
		.size = 4 * p->services + 1024,
		.esize = sizeof(struct defer_elem),
		.trigger_reclaim_limit = 64,
		.max_reclaim_size = 1024,
		.v = p->qsv,
		.free_fn = dq_free,
		.p = t,
	};

	/* Room for a full set of keys plus a full replacement of them: an
	 * update adds the new keys before it deletes the old ones, and
	 * deleted slots come back only after a grace period. */
	snprintf(hname, sizeof(hname), "svc_%s", p->name);
	hp.entries = RTE_MAX(2 * p->services + 64, 64u);
	hp.socket_id = p->socket;
	if (p->qsv != NULL)
		hp.extra_flag |= RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF;
	t->fe = rte_hash_create(&hp);
	if (t->fe == NULL) {
		SVC_LOG(ERR, "%s: cannot create frontend hash: %s\n", p->name,
			rte_strerror(rte_errno));
		return -ENOMEM;
	}
	if (p->qsv == NULL)
		return 0;
	if (rte_hash_rcu_qsbr_add(t->fe, &rc) != 0)
		return -ENOMEM;
	snprintf(dqname, sizeof(dqname), "svcdq_%s", p->name);
	t->dq = rte_rcu_qsbr_dq_create(&dp);
	return t->dq != NULL ? 0 : -ENOMEM;
}

/* The slot arrays, name indexes and free-id lists. */
static int
arrays_alloc(struct ps_svc_table *t, const struct ps_svc_table_params *p)
{
	uint32_t i;

	t->svcs = calloc(t->max_svcs, sizeof(*t->svcs));
	t->slices = calloc(t->max_eps, sizeof(*t->slices));
	t->ports = rte_zmalloc_socket("ps_svc_ports",
				      sizeof(*t->ports) * t->max_svcs,
				      RTE_CACHE_LINE_SIZE, p->socket);
	t->eps = calloc(t->max_eps, sizeof(*t->eps));
	t->conns = rte_zmalloc_socket("ps_svc_conns",
				      sizeof(uint32_t) * t->max_eps,
				      RTE_CACHE_LINE_SIZE, p->socket);
	t->wctr = rte_zmalloc_socket("ps_svc_wctr", sizeof(*t->wctr) *
				     t->max_svcs * t->nb_workers,
				     RTE_CACHE_LINE_SIZE, p->socket);
	t->wstats = rte_zmalloc_socket("ps_svc_wst", sizeof(*t->wstats) *
				       t->nb_workers, RTE_CACHE_LINE_SIZE,
				       p->socket);
	t->port_tr = rte_zmalloc_socket("ps_svc_ptr", sizeof(*t->port_tr) *
					t->max_svcs * t->nb_workers,
					RTE_CACHE_LINE_SIZE, p->socket);
	t->ep_tr = rte_zmalloc_socket("ps_svc_etr", sizeof(*t->ep_tr) *
				      t->max_eps * t->nb_workers,
				      RTE_CACHE_LINE_SIZE, p->socket);
	t->port_tr_base = calloc(t->max_svcs, sizeof(*t->port_tr_base));
	t->ep_tr_base = calloc(t->max_eps, sizeof(*t->ep_tr_base));
	if (t->svcs == NULL || t->slices == NULL || t->ports == NULL ||
	    t->eps == NULL || t->conns == NULL || t->wctr == NULL ||
	    t->wstats == NULL || t->port_tr == NULL || t->ep_tr == NULL ||
	    t->port_tr_base == NULL || t->ep_tr_base == NULL ||
	    ps_name_map_init(&t->svc_map, t->max_svcs) < 0 ||
	    ps_name_map_init(&t->slice_map, t->max_eps) < 0 ||
	    ps_name_map_init(&t->slice_svc_map, t->max_eps) < 0 ||
	    ps_id_fifo_init(&t->svc_free, t->max_svcs) < 0 ||
	    ps_id_fifo_init(&t->slice_free, t->max_eps) < 0 ||
	    ps_id_fifo_init(&t->port_free, t->max_svcs) < 0 ||
	    ps_id_fifo_init(&t->ep_free, t->max_eps) < 0 ||
	    svc_aff_init(&t->aff, p->affinity, p->socket) < 0)
		return -ENOMEM;
	for (i = 0; i < t->max_eps; i++)
		t->eps[i].owner = SVC_NONE;
	return 0;
}

struct ps_svc_table *
ps_svc_create(const struct ps_svc_table_params *p)
{
	struct ps_svc_table *t;

	if (p == NULL || p->name == NULL || p->services == 0 ||
	    p->services > (1u << 24) || p->endpoints == 0 ||
	    p->endpoints > (1u << 26) || p->nb_workers == 0 ||
	    p->nb_workers > PS_MAX_WORKERS) {
		SVC_LOG(ERR, "bad table parameters\n");
		return NULL;
	}
	t = rte_zmalloc_socket("ps_svc", sizeof(*t), RTE_CACHE_LINE_SIZE,
			       p->socket);
	if (t == NULL)
		return NULL;
	snprintf(t->name, sizeof(t->name), "%s", p->name);
	t->max_svcs = p->services;
	t->max_eps = p->endpoints;
	t->nb_workers = p->nb_workers;
	t->socket = p->socket;
	t->qsv = p->qsv;
	t->gate_filter = p->gate_filter;
	t->fe_skip_net = p->fe_skip_net;
	t->fe_skip_mask = p->fe_skip_mask;
	snprintf(t->node, sizeof(t->node), "%s",
		 p->node_name != NULL ? p->node_name : "");
	if (p->zone != NULL && strlen(p->zone) < sizeof(t->zone))
		snprintf(t->zone, sizeof(t->zone), "%s", p->zone);
	if (fe_hash_create(t, p) < 0)
		goto fail;
	if (arrays_alloc(t, p) < 0) {
		SVC_LOG(ERR, "%s: no memory for %u services, %u endpoints\n",
			p->name, p->services, p->endpoints);
		goto fail;
	}
	return t;
fail:
	ps_svc_free(t);
	return NULL;
}

/* Every stored object and what it owns. */
static void
objects_free(struct ps_svc_table *t)
{
	uint32_t i;

	for (i = 0; t->ports != NULL && i < t->max_svcs; i++) {
		if (t->ports[i] == NULL)
			continue;
		svc_epset_free(t->ports[i]->eps);
		svc_port_obj_free(t->ports[i]);
	}
	for (i = 0; t->svcs != NULL && i < t->max_svcs; i++) {
		if (t->svcs[i] == NULL)
			continue;
		svc_spec_free(&t->svcs[i]->spec);
		free(t->svcs[i]->port_ids);
		free(t->svcs[i]);
	}
	for (i = 0; t->slices != NULL && i < t->max_eps; i++) {
		if (t->slices[i] == NULL)
			continue;
		svc_slice_free(t->slices[i]);
		free(t->slices[i]);
	}
}

void
ps_svc_free(struct ps_svc_table *t)
{
	if (t == NULL)
		return;
	if (t->dq != NULL) {
		if (t->qsv != NULL)
			rte_rcu_qsbr_synchronize(t->qsv,
						 RTE_QSBR_THRID_INVALID);
		rte_rcu_qsbr_dq_delete(t->dq);
	}
	rte_hash_free(t->fe);
	objects_free(t);
	free(t->svcs);
	free(t->slices);
	free(t->eps);
	ps_name_map_free(&t->svc_map);
	ps_name_map_free(&t->slice_map);
	ps_name_map_free(&t->slice_svc_map);
	ps_id_fifo_free(&t->svc_free);
	ps_id_fifo_free(&t->slice_free);
	ps_id_fifo_free(&t->port_free);
	ps_id_fifo_free(&t->ep_free);
	rte_free(t->ports);
	rte_free(t->conns);
	rte_free(t->wctr);
	rte_free(t->wstats);
	rte_free(t->port_tr);
	rte_free(t->ep_tr);
	free(t->port_tr_base);
	free(t->ep_tr_base);
	svc_aff_fini(&t->aff);
	rte_free(t);
}

/* Housekeeping ------------------------------------------------------------ */

void
ps_svc_set_now(struct ps_svc_table *t, uint32_t now)
{
	__atomic_store_n(&t->now, now, __ATOMIC_RELAXED);
}

static bool
aff_expired(void *arg, uint32_t id, uint32_t last)
{
	struct ps_svc_table *t = arg;
	const struct ps_svc_port *sp = id < t->max_svcs ? t->ports[id] : NULL;

	if (sp == NULL || !sp->affinity)
		return true;
	return t->now - last > sp->affinity_timeout;
}

unsigned int
ps_svc_age(struct ps_svc_table *t)
{
	unsigned int n = 0;
	uint32_t i;

	if (t->aff.slots != NULL)
		n = svc_aff_sweep(&t->aff, aff_expired, t);
	t->affinity_expired += n;
	for (i = 0; i < t->max_eps && t->nb_draining > 0; i++) {
		if (!t->eps[i].draining ||
		    __atomic_load_n(&t->conns[i], __ATOMIC_ACQUIRE) != 0)
			continue;
		t->eps[i].draining = false;
		t->eps[i].owner = SVC_NONE;
		t->nb_draining--;
		t->nb_eps--;
		ps_id_fifo_put(&t->ep_free, i);
	}
	return n;
}

struct aff_walk {
	const struct ps_svc_table *t;
	ps_svc_affinity_cb cb;
	void *arg;
};

static int
aff_walk_cb(uint32_t id, uint32_t client, uint64_t val, uint32_t last,
	    void *arg)
{
	struct aff_walk *w = arg;
	const struct ps_svc_port *sp = ps_svc_port_get(w->t, id);

	if (sp == NULL || !sp->affinity)
		return 0;
	return w->cb(sp, client, rte_cpu_to_be_32((uint32_t)(val >> 16)),
		     (uint16_t)val, w->t->now - last, w->arg);
}

int
ps_svc_affinity_walk(const struct ps_svc_table *t, ps_svc_affinity_cb cb,
		     void *arg)
{
	struct aff_walk w = { .t = t, .cb = cb, .arg = arg };

	if (t->aff.slots == NULL)
		return 0;
	return svc_aff_walk(&t->aff, aff_walk_cb, &w);
}

int
ps_svc_affinity_restore(struct ps_svc_table *t, const struct ps_svc_port *sp,
			uint32_t client, uint32_t ep_ip, uint16_t ep_port)
{
	uint64_t v = (uint64_t)rte_be_to_cpu_32(ep_ip) << 16 | ep_port;

	if (!sp->affinity)
		return -EINVAL;
	return svc_aff_put(&t->aff, sp->id, client, v, t->now, true) == v ?
	       0 : -ENOSPC;
}

void
ps_svc_reclaim(struct ps_svc_table *t)
{
	if (t->dq != NULL)
		rte_rcu_qsbr_dq_reclaim(t->dq, UINT32_MAX, NULL, NULL, NULL);
}

void
ps_svc_set_change_cb(struct ps_svc_table *t, ps_svc_change_cb cb, void *arg)
{
	t->change_cb = cb;
	t->change_arg = arg;
}

void
ps_svc_set_fe_ip_cb(struct ps_svc_table *t, ps_svc_fe_ip_cb cb, void *arg)
{
	t->fe_ip_cb = cb;
	t->fe_ip_arg = arg;
}

/* Reading back ------------------------------------------------------------ */

/* The sum over workers of id's counters, as they are now. */
static void
traffic_sum(const struct ps_svc_table *t, enum svc_tr_kind k, uint32_t id,
	    struct ps_svc_traffic *out)
{
	const struct ps_svc_traffic *a = k == SVC_TR_PORT ? t->port_tr :
					 t->ep_tr;
	uint32_t stride = k == SVC_TR_PORT ? t->max_svcs : t->max_eps;
	unsigned int w, d;

	memset(out, 0, sizeof(*out));
	for (w = 0; w < t->nb_workers; w++) {
		/* each word is written by its worker alone: a plain read
		 * sees it before or after an increment */
		const struct ps_svc_traffic *c = &a[w * stride + id];

		out->conns += __atomic_load_n(&c->conns, __ATOMIC_RELAXED);
		for (d = 0; d < 2; d++) {
			out->pkts[d] += __atomic_load_n(&c->pkts[d],
							__ATOMIC_RELAXED);
			out->bytes[d] += __atomic_load_n(&c->bytes[d],
							 __ATOMIC_RELAXED);
		}
	}
}

void
svc_traffic_rebase(struct ps_svc_table *t, enum svc_tr_kind k, uint32_t id)
{
	traffic_sum(t, k, id, k == SVC_TR_PORT ? &t->port_tr_base[id] :
			      &t->ep_tr_base[id]);
}

void
svc_traffic_read(const struct ps_svc_table *t, enum svc_tr_kind k,
		 uint32_t id, struct ps_svc_traffic *out)
{
	const struct ps_svc_traffic *b = k == SVC_TR_PORT ?
		&t->port_tr_base[id] : &t->ep_tr_base[id];
	unsigned int d;

	traffic_sum(t, k, id, out);
	out->conns -= b->conns;
	for (d = 0; d < 2; d++) {
		out->pkts[d] -= b->pkts[d];
		out->bytes[d] -= b->bytes[d];
	}
}

static int
spec_cmp(const void *a, const void *b)
{
	const struct ps_svc_spec *x = *(const struct ps_svc_spec *const *)a;
	const struct ps_svc_spec *y = *(const struct ps_svc_spec *const *)b;
	int r = strcmp(x->ns, y->ns);

	return r != 0 ? r : strcmp(x->name, y->name);
}

int
ps_svc_walk(const struct ps_svc_table *t, ps_svc_walk_cb cb, void *arg)
{
	const struct ps_svc_spec **v;
	uint32_t i, n = 0;
	int rc = 0;

	v = malloc(sizeof(*v) * (t->nb_svcs + 1));
	if (v == NULL)
		return -ENOMEM;
	for (i = 0; i < t->max_svcs && n < t->nb_svcs; i++)
		if (t->svcs[i] != NULL)
			v[n++] = &t->svcs[i]->spec;
	qsort(v, n, sizeof(*v), spec_cmp);
	for (i = 0; i < n && rc == 0; i++)
		rc = cb(v[i], arg);
	free(v);
	return rc;
}

const struct ps_svc_spec *
ps_svc_get(const struct ps_svc_table *t, const char *ns, const char *name)
{
	uint32_t s = svc_find(t, ns, name);

	return s == SVC_NONE ? NULL : &t->svcs[s]->spec;
}

unsigned int
ps_svc_ports(const struct ps_svc_table *t, const char *ns, const char *name,
	     struct ps_svc_port_view *out, unsigned int max)
{
	uint32_t s = svc_find(t, ns, name);
	const struct svc_obj *o;
	unsigned int i, n = 0;

	if (s == SVC_NONE || !svc_programmed(&t->svcs[s]->spec))
		return 0;
	o = t->svcs[s];
	for (i = 0; i < o->spec.nb_ports && n < max; i++) {
		const struct ps_svc_port *sp = t->ports[o->port_ids[i]];
		struct ps_svc_port_view *v = &out[n++];
		struct fe_key k[64];
		uint8_t kinds[64];
		unsigned int w;

		memset(v, 0, sizeof(*v));
		v->sp = sp;
		v->nb_eps = sp->eps->n;
		v->nb_frontends = svc_fe_max(&o->spec) <= 64 ?
			svc_fe_keys(&o->spec, i, k, kinds) :
			svc_fe_max(&o->spec);
		for (w = 0; w < t->nb_workers; w++) {
			const struct svc_wctr *c =
				&t->wctr[w * t->max_svcs + sp->id];

			v->new_conns += c->new_conns;
			v->rejects += c->rejects;
		}
		svc_traffic_read(t, SVC_TR_PORT, sp->id, &v->traffic);
	}
	return n;
}

unsigned int
ps_svc_port_endpoints(const struct ps_svc_table *t,
		      const struct ps_svc_port *sp, struct ps_svc_ep_view *out,
		      unsigned int max)
{
	const struct svc_epset *es = sp->eps;
	uint32_t i;

	for (i = 0; i < es->n && i < max; i++) {
		const struct svc_ep *e = &es->eps[i];

		out[i] = (struct ps_svc_ep_view){
			.ep_id = e->ep_id, .ip = e->ip, .port = e->port,
			.flags = e->flags, .weight = e->weight,
			.conns = ps_svc_ep_conns(t, e->ep_id),
		};
		if (e->ep_id < t->max_eps)
			svc_traffic_read(t, SVC_TR_EP, e->ep_id,
					 &out[i].traffic);
	}
	return es->n;
}

int
ps_svc_slice_walk(const struct ps_svc_table *t, ps_svc_slice_cb cb, void *arg)
{
	uint32_t i, n = 0;
	int rc = 0;

	for (i = 0; i < t->max_eps && n < t->nb_slices && rc == 0; i++) {
		if (t->slices[i] == NULL)
			continue;
		n++;
		rc = cb(t->slices[i], arg);
	}
	return rc;
}

int
ps_svc_health_check(const struct ps_svc_table *t, uint16_t node_port)
{
	uint32_t i, n = 0;

	for (i = 0; i < t->max_svcs && n < t->nb_svcs; i++) {
		const struct svc_obj *o = t->svcs[i];
		const struct svc_epset *es;
		uint32_t e;
		int ready = 0;

		if (o == NULL)
			continue;
		n++;
		if (o->spec.health_check_node_port != node_port ||
		    o->spec.etp != PS_POLICY_LOCAL ||
		    !svc_programmed(&o->spec) || o->spec.nb_ports == 0)
			continue;
		/* kube-proxy counts local ready endpoints of the service;
		 * every port has the same pods, the first one tells */
		es = t->ports[o->port_ids[0]]->eps;
		for (e = 0; e < es->n; e++)
			if ((es->eps[e].flags & (PS_EP_LOCAL | PS_EP_READY)) ==
			    (PS_EP_LOCAL | PS_EP_READY))
				ready++;
		return ready;
	}
	return -ENOENT;
}

void
ps_svc_stats(const struct ps_svc_table *t, struct ps_svc_stats *st)
{
	uint32_t i;
	unsigned int w;

	memset(st, 0, sizeof(*st));
	st->services = t->nb_svcs;
	st->max_services = t->max_svcs;
	for (i = 0; i < t->max_svcs; i++)
		if (t->svcs[i] != NULL && svc_programmed(&t->svcs[i]->spec))
			st->programmed++;
	st->ports = t->nb_ports;
	st->frontends = t->nb_fe;
	st->endpoints = t->nb_eps;
	st->max_endpoints = t->max_eps;
	st->draining = t->nb_draining;
	st->slices = t->nb_slices;
	st->slice_endpoints = t->slice_addrs;
	st->affinity = t->aff.slots != NULL ? svc_aff_count(&t->aff) : 0;
	st->max_affinity = t->aff.size;
	st->full = t->full;
	st->applies = t->applies;
	st->apply_errors = t->apply_errors;
	st->snapshots = t->snapshots;
	st->affinity_expired = t->affinity_expired;
	for (w = 0; w < t->nb_workers; w++) {
		st->new_conns += t->wstats[w].new_conns;
		st->rejects += t->wstats[w].rejects;
		st->denied += t->wstats[w].denied;
		st->affinity_hits += t->wstats[w].affinity_hits;
		st->affinity_full += t->wstats[w].affinity_full;
	}
}
