/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The service table (include/podswitch/service.h): stored Services and
 * EndpointSlices, the service ports built from them, the frontend hash
 * workers look up, endpoint records and their connection counts.
 *
 * Every change goes through one engine (svc_change): compute the new state
 * of each affected service aside, check room and conflicts, allocate
 * everything, and only then publish. So a refused change leaves the table
 * as it was, and a published one never fails half-way.
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

#define FE_KIND_MASK 0x3u

struct fe_key {
	uint32_t ip;		/* network order; 0 = any local address */
	uint16_t port;		/* network order */
	uint8_t proto;
	uint8_t pad;
};

struct svc_obj {
	struct ps_svc_spec spec;
	uint32_t *port_ids;	/* per spec port; unused when not programmed */
	unsigned int nb_fe;
};

struct ep_rec {
	uint32_t owner;		/* port id; SVC_NONE = free */
	bool draining;
};

/* Name index of the management side: chained by slot number. */
struct name_map {
	uint32_t mask;
	uint32_t *head;
	uint32_t *next;
};

/* A FIFO of free ids: reuse comes as late as possible, so a stale
 * reference (an affinity entry, a worker finishing a pick) rarely meets a
 * new owner. */
struct id_fifo {
	uint32_t *ids;
	uint32_t cap, head, count;
};

enum defer_type { DEFER_EPSET, DEFER_PORT };

struct defer_elem {
	void *p;
	uint32_t type;
	uint32_t pad;
};

struct ps_svc_table {
	char name[32];
	uint32_t max_svcs, max_eps;
	unsigned int nb_workers;
	char node[PS_K8S_NAME_MAX];
	int socket;
	struct rte_rcu_qsbr *qsv;
	struct rte_rcu_qsbr_dq *dq;

	struct rte_hash *fe;
	uint32_t nb_fe;

	struct svc_obj **svcs;
	uint32_t nb_svcs;
	struct name_map svc_map;
	struct id_fifo svc_free;

	struct ps_eps_spec **slices;
	uint32_t nb_slices, slice_addrs;
	struct name_map slice_map;
	/* the same slots chained by (namespace, service-name label): a
	 * service's slices without a walk over every slot */
	struct name_map slice_svc_map;
	struct id_fifo slice_free;

	struct ps_svc_port **ports;	/* current object per port id */
	uint32_t nb_ports;
	struct id_fifo port_free;

	struct ep_rec *eps;
	uint32_t *conns;		/* atomics, any thread */
	uint32_t nb_eps, nb_draining;
	struct id_fifo ep_free;

	struct svc_wctr *wctr;		/* [worker * max_svcs + port id] */
	struct svc_wstats *wstats;
	struct svc_aff aff;
	uint32_t now;

	uint64_t full, applies, apply_errors, snapshots, affinity_expired;
	ps_svc_change_cb change_cb;
	void *change_arg;
};

/* Helpers ------------------------------------------------------------------ */

static int
fifo_init(struct id_fifo *f, uint32_t cap)
{
	uint32_t i;

	f->ids = malloc(sizeof(uint32_t) * cap);
	if (f->ids == NULL)
		return -ENOMEM;
	f->cap = f->count = cap;
	f->head = 0;
	for (i = 0; i < cap; i++)
		f->ids[i] = i;
	return 0;
}

static uint32_t
fifo_get(struct id_fifo *f)
{
	uint32_t id;

	if (f->count == 0)
		return SVC_NONE;
	id = f->ids[f->head];
	f->head = (f->head + 1) % f->cap;
	f->count--;
	return id;
}

static void
fifo_put(struct id_fifo *f, uint32_t id)
{
	f->ids[(f->head + f->count) % f->cap] = id;
	f->count++;
}

static uint32_t
name_hash(const char *ns, const char *name)
{
	uint32_t h = 2166136261u;

	for (; *ns; ns++)
		h = (h ^ (uint8_t)*ns) * 16777619u;
	h = (h ^ '/') * 16777619u;
	for (; *name; name++)
		h = (h ^ (uint8_t)*name) * 16777619u;
	return h;
}

static int
nm_init(struct name_map *m, uint32_t cap)
{
	uint32_t nb = 1, i;

	while (nb < cap)
		nb <<= 1;
	m->mask = nb - 1;
	m->head = malloc(sizeof(uint32_t) * nb);
	m->next = malloc(sizeof(uint32_t) * cap);
	if (m->head == NULL || m->next == NULL)
		return -ENOMEM;
	for (i = 0; i < nb; i++)
		m->head[i] = SVC_NONE;
	return 0;
}

static void
nm_add(struct name_map *m, uint32_t h, uint32_t slot)
{
	m->next[slot] = m->head[h & m->mask];
	m->head[h & m->mask] = slot;
}

static void
nm_del(struct name_map *m, uint32_t h, uint32_t slot)
{
	uint32_t *pp = &m->head[h & m->mask];

	while (*pp != SVC_NONE && *pp != slot)
		pp = &m->next[*pp];
	if (*pp == slot)
		*pp = m->next[slot];
}

static uint32_t
svc_find(const struct ps_svc_table *t, const char *ns, const char *name)
{
	uint32_t s = t->svc_map.head[name_hash(ns, name) & t->svc_map.mask];

	for (; s != SVC_NONE; s = t->svc_map.next[s])
		if (strcmp(t->svcs[s]->spec.ns, ns) == 0 &&
		    strcmp(t->svcs[s]->spec.name, name) == 0)
			return s;
	return SVC_NONE;
}

static uint32_t
slice_find(const struct ps_svc_table *t, const char *ns, const char *name)
{
	uint32_t s = t->slice_map.head[name_hash(ns, name) &
				       t->slice_map.mask];

	for (; s != SVC_NONE; s = t->slice_map.next[s])
		if (strcmp(t->slices[s]->ns, ns) == 0 &&
		    strcmp(t->slices[s]->name, name) == 0)
			return s;
	return SVC_NONE;
}

static bool
programmed(const struct ps_svc_spec *s)
{
	return s->skip_reason[0] == '\0';
}

/* The frontends of port pi of s, deduplicated (loadBalancerIP is often
 * also the ingress IP). Returns the count; out needs fe_max(s) room. */
static unsigned int
fe_max(const struct ps_svc_spec *s)
{
	return 2 + s->nb_external_ips + s->nb_lb_ips;
}

static unsigned int
fe_keys(const struct ps_svc_spec *s, unsigned int pi, struct fe_key *out,
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

/* Deferred free ----------------------------------------------------------- */

static void
port_obj_free(struct ps_svc_port *sp)
{
	if (sp == NULL)
		return;
	free((void *)(uintptr_t)sp->src_ranges);
	rte_free(sp);
}

static void
defer_free_now(void *p, uint32_t type)
{
	if (type == DEFER_EPSET)
		svc_epset_free(p);
	else
		port_obj_free(p);
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

static void
defer_free(struct ps_svc_table *t, void *p, uint32_t type)
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

/* Create / free ------------------------------------------------------------- */

struct ps_svc_table *
ps_svc_create(const struct ps_svc_table_params *p)
{
	char hname[RTE_HASH_NAMESIZE];
	struct rte_hash_parameters hp = {
		.name = hname,
		.key_len = sizeof(struct fe_key),
		.hash_func = rte_hash_crc,
		.extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
	};
	struct ps_svc_table *t;
	uint32_t i;

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
	snprintf(t->node, sizeof(t->node), "%s",
		 p->node_name != NULL ? p->node_name : "");

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
		goto fail;
	}
	if (p->qsv != NULL) {
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

		if (rte_hash_rcu_qsbr_add(t->fe, &rc) != 0)
			goto fail;
		snprintf(dqname, sizeof(dqname), "svcdq_%s", p->name);
		t->dq = rte_rcu_qsbr_dq_create(&dp);
		if (t->dq == NULL)
			goto fail;
	}
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
	if (t->svcs == NULL || t->slices == NULL || t->ports == NULL ||
	    t->eps == NULL || t->conns == NULL || t->wctr == NULL ||
	    t->wstats == NULL ||
	    nm_init(&t->svc_map, t->max_svcs) < 0 ||
	    nm_init(&t->slice_map, t->max_eps) < 0 ||
	    nm_init(&t->slice_svc_map, t->max_eps) < 0 ||
	    fifo_init(&t->svc_free, t->max_svcs) < 0 ||
	    fifo_init(&t->slice_free, t->max_eps) < 0 ||
	    fifo_init(&t->port_free, t->max_svcs) < 0 ||
	    fifo_init(&t->ep_free, t->max_eps) < 0 ||
	    svc_aff_init(&t->aff, p->affinity, p->socket) < 0) {
		SVC_LOG(ERR, "%s: no memory for %u services, %u endpoints\n",
			p->name, p->services, p->endpoints);
		goto fail;
	}
	for (i = 0; i < t->max_eps; i++)
		t->eps[i].owner = SVC_NONE;
	return t;
fail:
	ps_svc_free(t);
	return NULL;
}

void
ps_svc_free(struct ps_svc_table *t)
{
	uint32_t i;

	if (t == NULL)
		return;
	if (t->dq != NULL) {
		if (t->qsv != NULL)
			rte_rcu_qsbr_synchronize(t->qsv,
						 RTE_QSBR_THRID_INVALID);
		rte_rcu_qsbr_dq_delete(t->dq);
	}
	rte_hash_free(t->fe);
	for (i = 0; t->ports != NULL && i < t->max_svcs; i++) {
		if (t->ports[i] == NULL)
			continue;
		svc_epset_free(t->ports[i]->eps);
		port_obj_free(t->ports[i]);
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
	free(t->svcs);
	free(t->slices);
	free(t->eps);
	free(t->svc_map.head);
	free(t->svc_map.next);
	free(t->slice_map.head);
	free(t->slice_map.next);
	free(t->slice_svc_map.head);
	free(t->slice_svc_map.next);
	free(t->svc_free.ids);
	free(t->slice_free.ids);
	free(t->port_free.ids);
	free(t->ep_free.ids);
	rte_free(t->ports);
	rte_free(t->conns);
	rte_free(t->wctr);
	rte_free(t->wstats);
	svc_aff_fini(&t->aff);
	rte_free(t);
}

/* The change engine ---------------------------------------------------------- */

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
	/* ports of the current service that end (all of them when the
	 * spec changes, ids kept by pp entries are skipped) */
	struct svc_obj *spec_copy;	/* new stored object */
	unsigned int nb_fe;
};

/* Name indexes of one change's input (chained by index, lowest first),
 * so that a change of n services makes O(n) name lookups, not n^2 string
 * compares: a List of 10,000 services took 7.5 s, nearly all in strcmp. */
struct change_idx {
	struct name_map svcs;		/* up_svcs by ns/name */
	struct name_map slices;		/* up_slices by ns/name */
	struct name_map slice_svc;	/* up_slices by ns/service */
};

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
static uint32_t
cand_first(const struct name_map *m, const char *ns, const char *name)
{
	return m != NULL ? m->head[name_hash(ns, name) & m->mask] : 0;
}

static uint32_t
cand_next(const struct name_map *m, uint32_t i)
{
	return m != NULL ? m->next[i] : i + 1;
}

static bool
slice_deleted(const struct change *c, uint32_t slot)
{
	unsigned int i;

	for (i = 0; i < c->nb_del_slices; i++)
		if (c->del_slices[i] == slot)
			return true;
	return false;
}

static bool
slice_upserted(const struct change *c, const char *ns, const char *name)
{
	const struct name_map *m = c->idx != NULL ? &c->idx->slices : NULL;
	uint32_t i;

	for (i = cand_first(m, ns, name); i < c->nb_up_slices;
	     i = cand_next(m, i))
		if (strcmp(c->up_slices[i].ns, ns) == 0 &&
		    strcmp(c->up_slices[i].name, name) == 0)
			return true;
	return false;
}

/* Calls fn for every slice of service ns/name as it is after c. */
static void
slices_after(const struct ps_svc_table *t, const struct change *c,
	     const char *ns, const char *name,
	     void (*fn)(const struct ps_eps_spec *s, void *arg), void *arg)
{
	const struct name_map *m = c->idx != NULL ? &c->idx->slice_svc : NULL;
	uint32_t i;

	for (i = cand_first(m, ns, name); i < c->nb_up_slices;
	     i = cand_next(m, i))
		if (c->up_slices[i].skip_reason[0] == '\0' &&
		    strcmp(c->up_slices[i].ns, ns) == 0 &&
		    strcmp(c->up_slices[i].service, name) == 0)
			fn(&c->up_slices[i], arg);
	for (i = t->slice_svc_map.head[name_hash(ns, name) &
				       t->slice_svc_map.mask];
	     i != SVC_NONE; i = t->slice_svc_map.next[i]) {
		const struct ps_eps_spec *s = t->slices[i];

		if (s == NULL || s->skip_reason[0] != '\0' ||
		    strcmp(s->ns, ns) != 0 || strcmp(s->service, name) != 0 ||
		    slice_deleted(c, i) || slice_upserted(c, s->ns, s->name))
			continue;
		fn(s, arg);
	}
}

/* Endpoint set construction for one service port. */
struct ep_build {
	const struct ps_svc_spec *svc;
	const struct ps_svc_port_spec *port;
	const char *node;
	struct svc_ep *eps;
	uint32_t n, cap;
	int err;
};

static uint16_t
weight_of(const struct ps_svc_spec *s, uint32_t ip)
{
	unsigned int i;

	for (i = 0; i < s->nb_weights; i++)
		if (s->weights[i].ip == ip)
			return s->weights[i].weight;
	return 1;
}

static void
ep_build_slice(const struct ps_eps_spec *sl, void *arg)
{
	struct ep_build *b = arg;
	uint16_t port = 0;
	unsigned int i;

	/* The slice port carrying this service port: same name and
	 * protocol. It holds the resolved target port of the slice's
	 * endpoints, which is how named targetPorts resolve per pod. A
	 * hand-written slice without ports uses a numeric targetPort. */
	if (sl->nb_ports == 0) {
		port = b->port->target_port;
	} else {
		for (i = 0; i < sl->nb_ports; i++)
			if (sl->ports[i].proto == b->port->proto &&
			    strcmp(sl->ports[i].name, b->port->name) == 0)
				break;
		if (i == sl->nb_ports)
			return;
		port = sl->ports[i].port != 0 ? sl->ports[i].port :
						b->port->target_port;
	}
	if (port == 0)
		return;
	for (i = 0; i < sl->nb_endpoints; i++) {
		const struct ps_eps_endpoint *e = &sl->endpoints[i];
		uint8_t flags;
		uint64_t key;
		uint32_t j;

		/* Kubernetes: addresses are fungible, consumers may use
		 * only the first; kube-proxy does. */
		if (e->nb_addrs == 0)
			continue;
		key = svc_ep_key(e->addrs[0], port);
		flags = e->flags;
		if (b->node[0] != '\0' && strcmp(e->node, b->node) == 0)
			flags |= PS_EP_LOCAL;
		/* the same pod in two slices while they are being
		 * rebalanced: one endpoint, with the best conditions */
		for (j = 0; j < b->n; j++)
			if (b->eps[j].key == key)
				break;
		if (j < b->n) {
			b->eps[j].flags |= flags;
			continue;
		}
		if (b->n == b->cap) {
			uint32_t cap = b->cap ? b->cap * 2 : 16;
			struct svc_ep *g = realloc(b->eps, cap * sizeof(*g));

			if (g == NULL) {
				b->err = -ENOMEM;
				return;
			}
			b->eps = g;
			b->cap = cap;
		}
		b->eps[b->n++] = (struct svc_ep){
			.key = key, .ip = e->addrs[0], .port = port,
			.flags = flags, .weight = weight_of(b->svc,
							    e->addrs[0]),
			.ep_id = SVC_NONE,
		};
	}
}

static int
ep_cmp(const void *a, const void *b)
{
	const struct svc_ep *x = a, *y = b;

	return x->key < y->key ? -1 : x->key > y->key;
}

static void
cand_fill(struct svc_epset *es, unsigned int c, bool local, bool wrr)
{
	struct svc_cand *cd = &es->cand[c];
	uint32_t i;
	int pass;

	/* Ready endpoints; when none, serving-and-terminating ones
	 * (Kubernetes' fallback so rolling updates do not drop traffic). */
	for (pass = 0; pass < 2 && cd->n == 0; pass++) {
		for (i = 0; i < es->n; i++) {
			const struct svc_ep *e = &es->eps[i];
			bool ok = pass == 0 ? (e->flags & PS_EP_READY) :
				  ((e->flags & PS_EP_SERVING) &&
				   (e->flags & PS_EP_TERMINATING));

			if (!ok || (local && !(e->flags & PS_EP_LOCAL)) ||
			    (wrr && e->weight == 0))
				continue;
			cd->idx[cd->n++] = (uint16_t)i;
			es->eps[i].cand |= 1u << c;
		}
	}
}

/* Build the snapshot of port pi of s, ep ids unassigned. */
static int
epset_build(const struct ps_svc_table *t, const struct change *c,
	    const struct ps_svc_spec *s, unsigned int pi,
	    struct svc_epset **out)
{
	struct ep_build b = { .svc = s, .port = &s->ports[pi],
			      .node = t->node };
	bool wrr = s->sched == PS_SCHED_WRR;
	struct svc_epset *es;
	int rc;

	slices_after(t, c, s->ns, s->name, ep_build_slice, &b);
	if (b.err < 0) {
		free(b.eps);
		return b.err;
	}
	if (b.n > PS_SVC_MAX_EP_PER_PORT) {
		free(b.eps);
		return -E2BIG;
	}
	/* b.eps is NULL when no slice has an endpoint: qsort must not
	 * see it (its pointer is declared non-null). */
	if (b.n > 1)
		qsort(b.eps, b.n, sizeof(*b.eps), ep_cmp);
	es = svc_epset_alloc(b.n);
	if (es == NULL) {
		free(b.eps);
		return -ENOMEM;
	}
	if (b.n > 0)
		memcpy(es->eps, b.eps, sizeof(*b.eps) * b.n);
	free(b.eps);
	cand_fill(es, SVC_ALL, false, wrr);
	/* the local view costs a second Maglev table: only when a Local
	 * policy can use it */
	if (s->etp == PS_POLICY_LOCAL || s->itp == PS_POLICY_LOCAL)
		cand_fill(es, SVC_LOCAL, true, wrr);
	rc = svc_cand_build(&es->cand[SVC_ALL], es, s->sched, s->maglev_size);
	if (rc == 0)
		rc = svc_cand_build(&es->cand[SVC_LOCAL], es, s->sched,
				    s->maglev_size);
	if (rc < 0) {
		svc_epset_free(es);
		return rc;
	}
	*out = es;
	return 0;
}

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
	if (!programmed(&o->spec))
		return SVC_NONE;
	for (i = 0; i < o->spec.nb_ports; i++)
		if (o->spec.ports[i].proto == p->proto &&
		    strcmp(o->spec.ports[i].name, p->name) == 0)
			return o->port_ids[i];
	return SVC_NONE;
}

static void
plan_free(struct svc_plan *sv, unsigned int n)
{
	unsigned int i, j;

	for (i = 0; i < n; i++) {
		for (j = 0; j < sv[i].nb_pp; j++) {
			svc_epset_free(sv[i].pp[j].es);
			port_obj_free(sv[i].pp[j].obj);
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

/* pm indexes the plans by name; its next[] has room for every plan the
 * change can make. */
static int
plan_add(struct svc_plan **sv, unsigned int *n, unsigned int *cap,
	 struct name_map *pm, const char *ns, const char *name,
	 const char *path)
{
	uint32_t i;

	for (i = cand_first(pm, ns, name); i < *n; i = cand_next(pm, i))
		if (strcmp((*sv)[i].ns, ns) == 0 &&
		    strcmp((*sv)[i].name, name) == 0)
			return (int)i;
	if (*n == *cap) {
		unsigned int c = *cap ? *cap * 2 : 16;
		struct svc_plan *g = realloc(*sv, c * sizeof(*g));

		if (g == NULL)
			return -ENOMEM;
		*sv = g;
		*cap = c;
	}
	memset(&(*sv)[*n], 0, sizeof(**sv));
	snprintf((*sv)[*n].ns, PS_K8S_NAME_MAX, "%s", ns);
	snprintf((*sv)[*n].name, PS_K8S_NAME_MAX, "%s", name);
	(*sv)[*n].path = path;
	(*sv)[*n].slot = SVC_NONE;
	nm_add(pm, name_hash(ns, name), *n);
	return (int)(*n)++;
}

struct fe_claim {
	struct fe_key k;
	uint8_t kind;
	uint16_t pi;
	uint32_t sv;		/* plan index */
};

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
plan_releases(const struct svc_plan *sv, unsigned int n,
	      const struct name_map *pm, const char *ns, const char *name)
{
	uint32_t i;

	for (i = cand_first(pm, ns, name); i < n; i = cand_next(pm, i))
		if (strcmp(sv[i].ns, ns) == 0 && strcmp(sv[i].name, name) == 0)
			return sv[i].spec_changes;
	return false;
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

static void
ep_release(struct ps_svc_table *t, uint32_t ep)
{
	if (ep == SVC_NONE || t->eps[ep].owner == SVC_NONE ||
	    t->eps[ep].draining)
		return;
	/* Connections still counted against it: keep the record until
	 * conntrack has decremented them all (ps_svc_age frees it). */
	if (__atomic_load_n(&t->conns[ep], __ATOMIC_ACQUIRE) != 0) {
		t->eps[ep].draining = true;
		t->nb_draining++;
		return;
	}
	t->eps[ep].owner = SVC_NONE;
	t->nb_eps--;
	fifo_put(&t->ep_free, ep);
}

/* Release the records of a snapshot that the new one (may be NULL) no
 * longer holds. */
static void
eps_release_gone(struct ps_svc_table *t, const struct svc_epset *old,
		 const struct svc_epset *es)
{
	uint32_t i;

	if (old == NULL)
		return;
	for (i = 0; i < old->n; i++)
		if (es == NULL || svc_epset_find(es, old->eps[i].key) < 0)
			ep_release(t, old->eps[i].ep_id);
}

/* Every frontend key of every port of s (its new keys, to keep). */
static struct fe_key *
fe_all_keys(const struct ps_svc_spec *s, unsigned int *n)
{
	struct fe_key *k;
	uint8_t *kinds;
	unsigned int i;

	*n = 0;
	if (s == NULL || !programmed(s) || s->nb_ports == 0)
		return NULL;
	k = malloc(sizeof(*k) * fe_max(s) * s->nb_ports);
	kinds = malloc(fe_max(s));
	if (k == NULL || kinds == NULL) {
		free(k);
		free(kinds);
		return NULL;
	}
	for (i = 0; i < s->nb_ports; i++)
		*n += fe_keys(s, i, &k[*n], kinds);
	free(kinds);
	return k;
}

/*
 * Remove the keys of old port pi of service `old` that the change does
 * not keep: a key is kept when the new spec still has it, or when another
 * service of the same change has taken it over (its data names a port id
 * this service never had).
 */
static void
fe_del_port(struct ps_svc_table *t, const struct ps_svc_spec *old,
	    unsigned int pi, const uint32_t *old_ids,
	    const struct svc_plan *p, const struct fe_key *keep,
	    unsigned int nb_keep)
{
	struct fe_key *k = malloc(sizeof(*k) * fe_max(old));
	uint8_t *kinds = malloc(fe_max(old));
	unsigned int n, i, j;

	if (k == NULL || kinds == NULL) {
		SVC_LOG(ERR, "no memory to remove frontends of %s/%s\n",
			old->ns, old->name);
		free(k);
		free(kinds);
		return;
	}
	n = fe_keys(old, pi, k, kinds);
	for (i = 0; i < n; i++) {
		uint32_t id;
		void *data;
		bool ours = false, kept = false;

		if (rte_hash_lookup_data(t->fe, &k[i], &data) < 0)
			continue;
		id = (uint32_t)((uintptr_t)data >> 2);
		for (j = 0; j < old->nb_ports; j++)
			if (old_ids[j] == id)
				ours = true;
		for (j = 0; j < p->nb_pp; j++)
			if (p->pp[j].id == id)
				ours = true;
		for (j = 0; j < nb_keep && ours; j++)
			if (memcmp(&keep[j], &k[i], sizeof(k[i])) == 0)
				kept = true;
		if (!ours || kept)
			continue;
		if (rte_hash_del_key(t->fe, &k[i]) >= 0)
			t->nb_fe--;
	}
	free(k);
	free(kinds);
}

static void
change_idx_free(struct change_idx *ix, struct name_map *pm)
{
	free(ix->svcs.head);
	free(ix->svcs.next);
	free(ix->slices.head);
	free(ix->slices.next);
	free(ix->slice_svc.head);
	free(ix->slice_svc.next);
	free(pm->head);
	free(pm->next);
}

/* Indexes c's input into ix and sizes the plan index pm (nm_init wants
 * room for one at least). Chains come out lowest index first because
 * nm_add prepends and the items go in from the last. */
static int
change_idx_init(const struct change *c, struct change_idx *ix,
		struct name_map *pm)
{
	unsigned int nb_plans = c->nb_up_svcs + c->nb_del_svcs +
		2 * c->nb_up_slices + c->nb_del_slices;
	unsigned int i;

	memset(ix, 0, sizeof(*ix));
	memset(pm, 0, sizeof(*pm));
	if (nm_init(&ix->svcs, RTE_MAX(c->nb_up_svcs, 1u)) < 0 ||
	    nm_init(&ix->slices, RTE_MAX(c->nb_up_slices, 1u)) < 0 ||
	    nm_init(&ix->slice_svc, RTE_MAX(c->nb_up_slices, 1u)) < 0 ||
	    nm_init(pm, RTE_MAX(nb_plans, 1u)) < 0)
		return -ENOMEM;
	for (i = c->nb_up_svcs; i-- > 0;)
		nm_add(&ix->svcs, name_hash(c->up_svcs[i].ns,
					    c->up_svcs[i].name), i);
	for (i = c->nb_up_slices; i-- > 0;) {
		nm_add(&ix->slices, name_hash(c->up_slices[i].ns,
					      c->up_slices[i].name), i);
		nm_add(&ix->slice_svc, name_hash(c->up_slices[i].ns,
						 c->up_slices[i].service), i);
	}
	return 0;
}

static int
svc_change(struct ps_svc_table *t, const struct change *cin,
	   struct ps_errors *errs)
{
	struct change_idx ix;
	struct name_map pm;
	struct change cw = *cin;
	const struct change *c = &cw;
	struct svc_plan *sv = NULL;
	struct fe_claim *cl = NULL;
	unsigned int nsv = 0, cap = 0, ncl = 0, i, j;
	uint32_t new_svcs = 0, ports_after, fe_after, new_eps = 0;
	uint32_t slices_after_n, addrs_after;
	int rc = 0;

	if (change_idx_init(cin, &ix, &pm) < 0) {
		change_idx_free(&ix, &pm);
		ps_errors_add(errs, "(service table)", "out of memory");
		return -ENOMEM;
	}
	cw.idx = &ix;

	/* 1. The affected services. */
	for (i = 0; i < c->nb_up_svcs && rc >= 0; i++)
		rc = plan_add(&sv, &nsv, &cap, &pm, c->up_svcs[i].ns,
			      c->up_svcs[i].name, c->up_svcs[i].path);
	for (i = 0; i < c->nb_del_svcs && rc >= 0; i++) {
		const struct ps_svc_spec *s = &t->svcs[c->del_svcs[i]]->spec;

		rc = plan_add(&sv, &nsv, &cap, &pm, s->ns, s->name, s->name);
	}
	for (i = 0; i < c->nb_up_slices && rc >= 0; i++) {
		const struct ps_eps_spec *s = &c->up_slices[i];
		uint32_t old = slice_find(t, s->ns, s->name);

		if (s->service[0] != '\0')
			rc = plan_add(&sv, &nsv, &cap, &pm, s->ns, s->service,
				      s->path);
		if (rc >= 0 && old != SVC_NONE &&
		    t->slices[old]->service[0] != '\0')
			rc = plan_add(&sv, &nsv, &cap, &pm, s->ns,
				      t->slices[old]->service, s->path);
	}
	for (i = 0; i < c->nb_del_slices && rc >= 0; i++) {
		const struct ps_eps_spec *s = t->slices[c->del_slices[i]];

		if (s->service[0] != '\0')
			rc = plan_add(&sv, &nsv, &cap, &pm, s->ns, s->service,
				      s->name);
	}
	if (rc < 0)
		goto nomem;

	/* 2. Each one's state after the change. */
	ports_after = t->nb_ports;
	fe_after = t->nb_fe;
	for (i = 0; i < nsv; i++) {
		struct svc_plan *p = &sv[i];
		const struct svc_obj *cur;

		p->slot = svc_find(t, p->ns, p->name);
		cur = p->slot != SVC_NONE ? t->svcs[p->slot] : NULL;
		p->after = cur != NULL ? &cur->spec : NULL;
		for (j = cand_first(&ix.svcs, p->ns, p->name);
		     j < c->nb_up_svcs; j = cand_next(&ix.svcs, j))
			if (strcmp(c->up_svcs[j].ns, p->ns) == 0 &&
			    strcmp(c->up_svcs[j].name, p->name) == 0) {
				p->after = &c->up_svcs[j];
				p->spec_changes = true;
				if (cur == NULL)
					new_svcs++;
			}
		for (j = 0; j < c->nb_del_svcs; j++)
			if (c->del_svcs[j] == p->slot) {
				p->after = NULL;
				p->spec_changes = true;
			}
		if (cur != NULL && p->spec_changes && programmed(&cur->spec)) {
			ports_after -= cur->spec.nb_ports;
			fe_after -= cur->nb_fe;
		}
		if (p->after == NULL || !programmed(p->after))
			continue;
		p->pp = calloc(p->after->nb_ports, sizeof(*p->pp));
		if (p->pp == NULL)
			goto nomem;
		for (j = 0; j < p->after->nb_ports; j++) {
			struct port_plan *pp = &p->pp[p->nb_pp++];

			pp->id = cur_port_id(t, p->slot, &p->after->ports[j]);
			pp->cur = pp->id != SVC_NONE ? t->ports[pp->id] : NULL;
			rc = epset_build(t, c, p->after, j, &pp->es);
			if (rc == -E2BIG) {
				ps_errors_add(errs, p->path, "port '%s': more "
					      "than %u endpoints",
					      p->after->ports[j].name,
					      PS_SVC_MAX_EP_PER_PORT);
				goto refuse;
			}
			if (rc < 0 || diff_eps(pp) < 0)
				goto nomem;
			new_eps += pp->nb_new_eps;
			if (p->spec_changes) {
				pp->obj = port_obj_new(p->after, j);
				if (pp->obj == NULL)
					goto nomem;
			}
		}
		if (p->spec_changes)
			ports_after += p->after->nb_ports;
	}

	/* 3. Frontend conflicts, within the change and with the table. */
	for (i = 0; i < nsv; i++)
		if (sv[i].spec_changes && sv[i].after != NULL &&
		    programmed(sv[i].after))
			ncl += sv[i].after->nb_ports * fe_max(sv[i].after);
	cl = malloc(sizeof(*cl) * (ncl ? ncl : 1));
	if (cl == NULL)
		goto nomem;
	ncl = 0;
	for (i = 0; i < nsv; i++) {
		const struct ps_svc_spec *s = sv[i].after;
		struct fe_key k[64];
		uint8_t kinds[64];

		if (!sv[i].spec_changes || s == NULL || !programmed(s))
			continue;
		for (j = 0; j < s->nb_ports; j++) {
			struct fe_key *kp = fe_max(s) <= 64 ? k :
				malloc(sizeof(*kp) * fe_max(s));
			uint8_t *kd = fe_max(s) <= 64 ? kinds :
				malloc(fe_max(s));
			unsigned int n, m;

			if (kp == NULL || kd == NULL)
				goto nomem;
			n = fe_keys(s, j, kp, kd);
			for (m = 0; m < n; m++)
				cl[ncl++] = (struct fe_claim){ .k = kp[m],
					.kind = kd[m], .pi = (uint16_t)j,
					.sv = i };
			sv[i].nb_fe += n;
			if (kp != k) {
				free(kp);
				free(kd);
			}
		}
		fe_after += sv[i].nb_fe;
	}
	qsort(cl, ncl, sizeof(*cl), claim_cmp);
	for (i = 0; i < ncl; i++) {
		char ks[64], f[48], path[128];
		void *data;

		fe_str(&cl[i].k, ks, sizeof(ks));
		snprintf(path, sizeof(path), "%s.%s", sv[cl[i].sv].path,
			 fe_field(cl[i].kind, cl[i].pi, f, sizeof(f)));
		if (i > 0 && memcmp(&cl[i].k, &cl[i - 1].k,
				    sizeof(cl[i].k)) == 0) {
			ps_errors_add(errs, path, "%s is also claimed by "
				      "%s/%s", ks, sv[cl[i - 1].sv].ns,
				      sv[cl[i - 1].sv].name);
			rc = -EEXIST;
			continue;
		}
		if (rte_hash_lookup_data(t->fe, &cl[i].k, &data) >= 0) {
			const struct ps_svc_port *o =
				t->ports[(uintptr_t)data >> 2];

			if (!plan_releases(sv, nsv, &pm, o->ns, o->name)) {
				ps_errors_add(errs, path, "%s is already "
					      "served by %s/%s", ks, o->ns,
					      o->name);
				rc = -EEXIST;
			}
		}
	}
	if (rc < 0)
		goto refuse;

	/* 4. Room. */
	slices_after_n = t->nb_slices;
	addrs_after = t->slice_addrs;
	for (i = 0; i < c->nb_up_slices; i++) {
		uint32_t old = slice_find(t, c->up_slices[i].ns,
					  c->up_slices[i].name);

		if (old == SVC_NONE) {
			slices_after_n++;
		} else {
			addrs_after -= svc_slice_addrs(t->slices[old]);
		}
		addrs_after += svc_slice_addrs(&c->up_slices[i]);
	}
	for (i = 0; i < c->nb_del_slices; i++) {
		slices_after_n--;
		addrs_after -= svc_slice_addrs(t->slices[c->del_slices[i]]);
	}
	if (t->nb_svcs + new_svcs > t->max_svcs) {
		ps_errors_add(errs, "(services)", "table full: %u services "
			      "stored, %u new, room for %u", t->nb_svcs,
			      new_svcs, t->max_svcs);
		rc = -ENOSPC;
	}
	if (ports_after > t->max_svcs || fe_after > t->max_svcs) {
		ps_errors_add(errs, "(services)", "table full: %u service "
			      "ports and %u frontends after the change, room "
			      "for %u each", ports_after, fe_after,
			      t->max_svcs);
		rc = -ENOSPC;
	}
	/* make-before-break: new records are taken before the ones that
	 * leave are given back */
	if (t->nb_eps + new_eps > t->max_eps) {
		ps_errors_add(errs, "(endpoints)", "table full: %u endpoint "
			      "records in use, %u new, room for %u",
			      t->nb_eps, new_eps, t->max_eps);
		rc = -ENOSPC;
	}
	if (slices_after_n > t->max_eps || addrs_after > t->max_eps) {
		ps_errors_add(errs, "(endpointslices)", "table full: %u "
			      "slices and %u addresses after the change, room "
			      "for %u", slices_after_n, addrs_after,
			      t->max_eps);
		rc = -ENOSPC;
	}
	if (rc == -ENOSPC)
		t->full++;
	if (rc < 0)
		goto refuse;

	/* 5. Copies of what we store. */
	for (i = 0; i < nsv; i++) {
		struct svc_plan *p = &sv[i];

		if (!p->spec_changes || p->after == NULL)
			continue;
		p->spec_copy = calloc(1, sizeof(*p->spec_copy));
		if (p->spec_copy == NULL ||
		    svc_spec_copy(&p->spec_copy->spec, p->after) < 0) {
			free(p->spec_copy);
			p->spec_copy = NULL;
			goto nomem;
		}
		p->spec_copy->nb_fe = p->nb_fe;
		p->spec_copy->port_ids = calloc(p->after->nb_ports + 1,
						sizeof(uint32_t));
		if (p->spec_copy->port_ids == NULL)
			goto nomem;
	}
	{
		struct ps_eps_spec **copies = calloc(c->nb_up_slices + 1,
						     sizeof(*copies));

		if (copies == NULL)
			goto nomem;
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
				goto nomem;
			}
		}

		/* 6. Commit: nothing below fails. Slices first. */
		for (i = 0; i < c->nb_del_slices; i++) {
			uint32_t s = c->del_slices[i];

			t->slice_addrs -= svc_slice_addrs(t->slices[s]);
			nm_del(&t->slice_map, name_hash(t->slices[s]->ns,
							t->slices[s]->name), s);
			nm_del(&t->slice_svc_map, name_hash(t->slices[s]->ns,
				t->slices[s]->service), s);
			svc_slice_free(t->slices[s]);
			free(t->slices[s]);
			t->slices[s] = NULL;
			t->nb_slices--;
			fifo_put(&t->slice_free, s);
		}
		for (i = 0; i < c->nb_up_slices; i++) {
			uint32_t s = slice_find(t, copies[i]->ns,
						copies[i]->name);

			if (s != SVC_NONE) {
				t->slice_addrs -= svc_slice_addrs(t->slices[s]);
				nm_del(&t->slice_svc_map, name_hash(
					t->slices[s]->ns,
					t->slices[s]->service), s);
				svc_slice_free(t->slices[s]);
				free(t->slices[s]);
			} else {
				s = fifo_get(&t->slice_free);
				nm_add(&t->slice_map, name_hash(copies[i]->ns,
						copies[i]->name), s);
				t->nb_slices++;
			}
			t->slices[s] = copies[i];
			nm_add(&t->slice_svc_map, name_hash(copies[i]->ns,
					copies[i]->service), s);
			t->slice_addrs += svc_slice_addrs(copies[i]);
		}
		free(copies);
	}

	for (i = 0; i < nsv; i++) {
		struct svc_plan *p = &sv[i];
		struct svc_obj *cur = p->slot != SVC_NONE ? t->svcs[p->slot]
							  : NULL;

		/* New objects and snapshots in, keys (re)pointed. */
		for (j = 0; j < p->nb_pp; j++) {
			struct port_plan *pp = &p->pp[j];
			struct svc_epset *old = NULL;
			uint32_t e;

			if (pp->id == SVC_NONE) {
				unsigned int w;

				pp->id = fifo_get(&t->port_free);
				t->nb_ports++;
				for (w = 0; w < t->nb_workers; w++)
					memset(&t->wctr[w * t->max_svcs +
							pp->id], 0,
					       sizeof(*t->wctr));
			}
			for (e = 0; e < pp->es->n; e++) {
				uint32_t id;

				if (pp->es->eps[e].ep_id != SVC_NONE)
					continue;
				id = fifo_get(&t->ep_free);
				t->eps[id].owner = pp->id;
				t->eps[id].draining = false;
				__atomic_store_n(&t->conns[id], 0,
						 __ATOMIC_RELAXED);
				t->nb_eps++;
				pp->es->eps[e].ep_id = id;
			}
			if (pp->cur != NULL)
				old = pp->cur->eps;
			if (pp->obj != NULL) {
				struct fe_key k[64];
				uint8_t kinds[64];
				struct fe_key *kp = fe_max(p->after) <= 64 ? k
					: malloc(sizeof(*kp) *
						 fe_max(p->after));
				uint8_t *kd = fe_max(p->after) <= 64 ? kinds
					: malloc(fe_max(p->after));
				unsigned int n, m;

				pp->obj->id = pp->id;
				pp->obj->eps = pp->es;
				__atomic_store_n(&t->ports[pp->id], pp->obj,
						 __ATOMIC_RELEASE);
				p->spec_copy->port_ids[j] = pp->id;
				if (kp == NULL || kd == NULL) {
					SVC_LOG(ERR, "no memory for keys\n");
					n = 0;
				} else {
					n = fe_keys(p->after, j, kp, kd);
				}
				for (m = 0; m < n; m++) {
					void *old_data;
					bool existed = rte_hash_lookup_data(
						t->fe, &kp[m], &old_data) >= 0;

					if (rte_hash_add_key_data(t->fe,
						&kp[m], (void *)((uintptr_t)
						pp->id << 2 | kd[m])) < 0) {
						SVC_LOG(ERR, "%s: frontend "
							"hash refused a key\n",
							t->name);
						continue;
					}
					if (!existed)
						t->nb_fe++;
				}
				if (kp != k) {
					free(kp);
					free(kd);
				}
			} else {
				__atomic_store_n(&pp->cur->eps, pp->es,
						 __ATOMIC_RELEASE);
			}
			t->snapshots++;
			eps_release_gone(t, old, pp->es);
			if (pp->nb_gone > 0 && t->change_cb != NULL)
				t->change_cb(pp->obj != NULL ? pp->obj :
					     pp->cur, pp->gone, pp->nb_gone,
					     t->change_arg);
			defer_free(t, old, DEFER_EPSET);
			if (pp->obj != NULL && pp->cur != NULL)
				defer_free(t, pp->cur, DEFER_PORT);
			/* owned by the table now */
			pp->es = NULL;
			pp->obj = NULL;
		}
		if (!p->spec_changes)
			continue;

		/* Old ports not continued: keys, ids, records go. */
		if (cur != NULL && programmed(&cur->spec)) {
			unsigned int nb_keep;
			struct fe_key *keep = fe_all_keys(p->after, &nb_keep);

			for (j = 0; j < cur->spec.nb_ports; j++) {
				uint32_t id = cur->port_ids[j];
				struct ps_svc_port *op = t->ports[id];
				unsigned int m;
				bool kept = false;

				fe_del_port(t, &cur->spec, j, cur->port_ids, p,
					    keep, nb_keep);
				for (m = 0; m < p->nb_pp; m++)
					if (p->pp[m].id == id)
						kept = true;
				if (kept)
					continue;
				if (op->eps != NULL && t->change_cb != NULL &&
				    op->eps->n > 0) {
					struct ps_svc_ep_addr *g = malloc(
						sizeof(*g) * op->eps->n);
					uint32_t e;

					for (e = 0; g != NULL &&
					     e < op->eps->n; e++)
						g[e] = (struct ps_svc_ep_addr){
							.ip = op->eps->eps[e].ip,
							.port = op->eps->eps[e].port };
					if (g != NULL)
						t->change_cb(op, g, op->eps->n,
							     t->change_arg);
					free(g);
				}
				eps_release_gone(t, op->eps, NULL);
				__atomic_store_n(&t->ports[id], NULL,
						 __ATOMIC_RELEASE);
				t->nb_ports--;
				fifo_put(&t->port_free, id);
				defer_free(t, op->eps, DEFER_EPSET);
				defer_free(t, op, DEFER_PORT);
			}
			free(keep);
		}
		if (cur != NULL) {
			if (p->spec_copy == NULL) {
				nm_del(&t->svc_map, name_hash(p->ns, p->name),
				       p->slot);
				t->svcs[p->slot] = NULL;
				t->nb_svcs--;
				fifo_put(&t->svc_free, p->slot);
			} else {
				t->svcs[p->slot] = p->spec_copy;
			}
			svc_spec_free(&cur->spec);
			free(cur->port_ids);
			free(cur);
		} else if (p->spec_copy != NULL) {
			uint32_t s = fifo_get(&t->svc_free);

			t->svcs[s] = p->spec_copy;
			nm_add(&t->svc_map, name_hash(p->ns, p->name), s);
			t->nb_svcs++;
		}
		p->spec_copy = NULL;
	}
	free(cl);
	plan_free(sv, nsv);
	change_idx_free(&ix, &pm);
	return 0;

nomem:
	ps_errors_add(errs, "(service table)", "out of memory");
	rc = -ENOMEM;
refuse:
	free(cl);
	plan_free(sv, nsv);
	change_idx_free(&ix, &pm);
	return rc;
}

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
	for (i = t->slice_svc_map.head[name_hash(ns, name) &
				       t->slice_svc_map.mask];
	     i != SVC_NONE; i = t->slice_svc_map.next[i]) {
		const struct ps_eps_spec *s = t->slices[i];

		if (s != NULL && strcmp(s->ns, ns) == 0 &&
		    strcmp(s->service, name) == 0 &&
		    !slice_upserted(&c, s->ns, s->name))
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

int
ps_svc_replace_all(struct ps_svc_table *t, const struct ps_k8s_doc *doc,
		   ps_svc_replace_cb cb, void *arg,
		   unsigned int *unchanged_svcs,
		   unsigned int *unchanged_slices, struct ps_errors *errs)
{
	struct change c = { 0 };
	struct name_map in_svcs = { 0 }, in_slices = { 0 };
	struct ps_svc_spec *up_svcs = NULL;
	struct ps_eps_spec *up_slices = NULL;
	uint32_t *del_svcs = NULL, *del_slices = NULL, i, j, nsvc = 0, nsl = 0;
	uint8_t *svc_act = NULL, *sl_act = NULL;	/* 0 same, 1 new, 2 chg */
	struct gone_name *gone = NULL;
	unsigned int nb_gone = 0;
	int rc = -ENOMEM;

	if (nm_init(&in_svcs, RTE_MAX(doc->nb_svcs, 1u)) < 0 ||
	    nm_init(&in_slices, RTE_MAX(doc->nb_slices, 1u)) < 0)
		goto out;
	up_svcs = malloc(sizeof(*up_svcs) * (doc->nb_svcs + 1));
	up_slices = malloc(sizeof(*up_slices) * (doc->nb_slices + 1));
	svc_act = calloc(doc->nb_svcs + 1, 1);
	sl_act = calloc(doc->nb_slices + 1, 1);
	del_svcs = malloc(sizeof(*del_svcs) * (t->nb_svcs + 1));
	del_slices = malloc(sizeof(*del_slices) * (t->nb_slices + 1));
	gone = malloc(sizeof(*gone) * (t->nb_svcs + t->nb_slices + 1));
	if (up_svcs == NULL || up_slices == NULL || svc_act == NULL ||
	    sl_act == NULL || del_svcs == NULL || del_slices == NULL ||
	    gone == NULL)
		goto out;

	/* What doc adds or changes (shallow copies: doc keeps ownership). */
	for (i = 0; i < doc->nb_svcs; i++) {
		uint32_t slot = svc_find(t, doc->svcs[i].ns, doc->svcs[i].name);

		nm_add(&in_svcs, name_hash(doc->svcs[i].ns, doc->svcs[i].name),
		       i);
		if (slot != SVC_NONE &&
		    svc_same(&t->svcs[slot]->spec, &doc->svcs[i]))
			continue;
		svc_act[i] = slot == SVC_NONE ? 1 : 2;
		up_svcs[c.nb_up_svcs++] = doc->svcs[i];
	}
	for (i = 0; i < doc->nb_slices; i++) {
		uint32_t slot = slice_find(t, doc->slices[i].ns,
					   doc->slices[i].name);

		nm_add(&in_slices, name_hash(doc->slices[i].ns,
					     doc->slices[i].name), i);
		if (slot != SVC_NONE &&
		    slice_same(t->slices[slot], &doc->slices[i]))
			continue;
		sl_act[i] = slot == SVC_NONE ? 1 : 2;
		up_slices[c.nb_up_slices++] = doc->slices[i];
	}

	/* What is stored and doc lacks. */
	for (i = 0; i < t->max_svcs && nsvc < t->nb_svcs; i++) {
		const struct svc_obj *o = t->svcs[i];
		bool found = false;

		if (o == NULL)
			continue;
		nsvc++;
		for (j = in_svcs.head[name_hash(o->spec.ns, o->spec.name) &
				      in_svcs.mask];
		     j != SVC_NONE && !found; j = in_svcs.next[j])
			found = strcmp(doc->svcs[j].ns, o->spec.ns) == 0 &&
				strcmp(doc->svcs[j].name, o->spec.name) == 0;
		if (found)
			continue;
		del_svcs[c.nb_del_svcs++] = i;
		gone[nb_gone].kind = "Service";
		snprintf(gone[nb_gone].ns, PS_K8S_NAME_MAX, "%s", o->spec.ns);
		snprintf(gone[nb_gone++].name, PS_K8S_NAME_MAX, "%s",
			 o->spec.name);
	}
	for (i = 0; i < t->max_eps && nsl < t->nb_slices; i++) {
		const struct ps_eps_spec *s = t->slices[i];
		bool found = false;

		if (s == NULL)
			continue;
		nsl++;
		for (j = in_slices.head[name_hash(s->ns, s->name) &
					in_slices.mask];
		     j != SVC_NONE && !found; j = in_slices.next[j])
			found = strcmp(doc->slices[j].ns, s->ns) == 0 &&
				strcmp(doc->slices[j].name, s->name) == 0;
		if (found)
			continue;
		del_slices[c.nb_del_slices++] = i;
		gone[nb_gone].kind = "EndpointSlice";
		snprintf(gone[nb_gone].ns, PS_K8S_NAME_MAX, "%s", s->ns);
		snprintf(gone[nb_gone++].name, PS_K8S_NAME_MAX, "%s", s->name);
	}

	c.up_svcs = up_svcs;
	c.up_slices = up_slices;
	c.del_svcs = del_svcs;
	c.del_slices = del_slices;
	rc = 0;
	if (c.nb_up_svcs + c.nb_up_slices + c.nb_del_svcs +
	    c.nb_del_slices > 0)
		rc = svc_change(t, &c, errs);
	if (rc < 0) {
		t->apply_errors++;
		goto out_quiet;
	}
	t->applies++;
	if (unchanged_svcs != NULL)
		*unchanged_svcs = doc->nb_svcs - c.nb_up_svcs;
	if (unchanged_slices != NULL)
		*unchanged_slices = doc->nb_slices - c.nb_up_slices;
	for (i = 0; cb != NULL && i < doc->nb_svcs; i++)
		if (svc_act[i] != 0)
			cb(svc_act[i] == 1 ? "added" : "changed", "Service",
			   doc->svcs[i].ns, doc->svcs[i].name, arg);
	for (i = 0; cb != NULL && i < doc->nb_slices; i++)
		if (sl_act[i] != 0)
			cb(sl_act[i] == 1 ? "added" : "changed",
			   "EndpointSlice", doc->slices[i].ns,
			   doc->slices[i].name, arg);
	for (i = 0; cb != NULL && i < nb_gone; i++)
		cb("removed", gone[i].kind, gone[i].ns, gone[i].name, arg);
	goto out_quiet;
out:
	ps_errors_add(errs, "(service table)", "out of memory");
out_quiet:
	free(in_svcs.head);
	free(in_svcs.next);
	free(in_slices.head);
	free(in_slices.next);
	free(up_svcs);
	free(up_slices);
	free(svc_act);
	free(sl_act);
	free(del_svcs);
	free(del_slices);
	free(gone);
	return rc;
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
	uint32_t slot = slice_find(t, ns, name);
	struct change c = { .del_slices = &slot, .nb_del_slices = 1 };

	if (slot == SVC_NONE)
		return -ENOENT;
	return svc_change(t, &c, NULL);
}

/* Fast path ------------------------------------------------------------------ */

bool
ps_svc_lookup(const struct ps_svc_table *t, uint32_t dst_ip,
	      uint16_t dst_port, uint8_t proto, bool dst_is_local,
	      struct ps_svc_hit *hit)
{
	struct fe_key k = { .ip = dst_ip, .port = dst_port, .proto = proto };
	const struct ps_svc_port *sp;
	void *data;

	/* 0 is the NodePort wildcard: only a local destination reaches it */
	if (dst_ip == 0)
		return false;
	if (rte_hash_lookup_data(t->fe, &k, &data) < 0) {
		if (!dst_is_local)
			return false;
		k.ip = 0;
		if (rte_hash_lookup_data(t->fe, &k, &data) < 0)
			return false;
	}
	/* The key names the port id; the id's current object is one
	 * pointer load, so an update that keeps the id switches every key
	 * of the port at once. NULL: the port is going away. */
	sp = __atomic_load_n(&t->ports[(uintptr_t)data >> 2],
			     __ATOMIC_ACQUIRE);
	if (sp == NULL)
		return false;
	hit->sp = sp;
	hit->kind = (enum ps_svc_fe_kind)((uintptr_t)data & FE_KIND_MASK);
	return true;
}

uint64_t
ps_svc_lookup_bulk(const struct ps_svc_table *t, const uint32_t *dst_ip,
		   const uint16_t *dst_port, const uint8_t *proto,
		   uint64_t local_mask, unsigned int n, struct ps_svc_hit *hits)
{
	struct fe_key keys[RTE_HASH_LOOKUP_BULK_MAX];
	const void *kp[RTE_HASH_LOOKUP_BULK_MAX];
	void *data[RTE_HASH_LOOKUP_BULK_MAX];
	uint64_t found = 0, again = 0, out = 0;
	unsigned int i, m = 0;
	uint8_t idx[RTE_HASH_LOOKUP_BULK_MAX];

	if (n == 0)
		return 0;
	n = RTE_MIN(n, (unsigned int)RTE_HASH_LOOKUP_BULK_MAX);
	for (i = 0; i < n; i++) {
		keys[i] = (struct fe_key){ .ip = dst_ip[i], .port = dst_port[i],
					   .proto = proto[i] };
		kp[i] = &keys[i];
	}
	rte_hash_lookup_bulk_data(t->fe, kp, n, &found, data);
	/* NodePort second chance for local destinations that missed */
	for (i = 0; i < n; i++) {
		if (dst_ip[i] == 0) {
			found &= ~(1ULL << i);
			continue;
		}
		if (!(found & (1ULL << i)) && (local_mask & (1ULL << i))) {
			keys[i].ip = 0;
			kp[m] = &keys[i];
			idx[m++] = (uint8_t)i;
		}
	}
	if (m > 0) {
		void *d2[RTE_HASH_LOOKUP_BULK_MAX];

		rte_hash_lookup_bulk_data(t->fe, kp, m, &again, d2);
		for (i = 0; i < m; i++)
			if (again & (1ULL << i)) {
				data[idx[i]] = d2[i];
				found |= 1ULL << idx[i];
			}
	}
	for (i = 0; i < n; i++) {
		const struct ps_svc_port *sp;

		if (!(found & (1ULL << i)))
			continue;
		sp = __atomic_load_n(&t->ports[(uintptr_t)data[i] >> 2],
				     __ATOMIC_ACQUIRE);
		if (sp == NULL)
			continue;
		hits[i].sp = sp;
		hits[i].kind = (enum ps_svc_fe_kind)((uintptr_t)data[i] &
						     FE_KIND_MASK);
		out |= 1ULL << i;
	}
	return out;
}

const struct ps_svc_port *
ps_svc_port_get(const struct ps_svc_table *t, uint32_t id)
{
	if (id >= t->max_svcs)
		return NULL;
	return __atomic_load_n(&t->ports[id], __ATOMIC_ACQUIRE);
}

static bool
src_allowed(const struct ps_svc_port *sp, uint32_t src)
{
	unsigned int i;

	for (i = 0; i < sp->nb_src_ranges; i++) {
		const struct ps_prefix4 *r = &sp->src_ranges[i];

		if (ps_prefix4_net(src, r->len) == r->addr)
			return true;
	}
	return false;
}

static uint32_t
pick_lc(const struct ps_svc_table *t, const struct svc_epset *es,
	const struct svc_cand *c, uint32_t start)
{
	uint32_t best = start % c->n, best_conns = UINT32_MAX, i;

	/* From a rotating start: equal counts spread instead of all
	 * landing on the first endpoint. */
	for (i = 0; i < c->n; i++) {
		uint32_t k = (start + i) % c->n;
		uint32_t n = __atomic_load_n(
			&t->conns[es->eps[c->idx[k]].ep_id], __ATOMIC_RELAXED);

		if (n < best_conns) {
			best_conns = n;
			best = k;
		}
	}
	return best;
}

static uint32_t
pick_wrr(const struct svc_cand *c, uint32_t k)
{
	uint32_t pos = (uint32_t)(((uint64_t)k * c->stride) % c->wsum);
	uint32_t lo = 0, hi = c->n - 1;

	/* first cumulative weight above pos */
	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;

		if (c->cum[mid] > pos)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

enum ps_svc_verdict
ps_svc_select(struct ps_svc_table *t, const struct ps_svc_hit *hit,
	      const struct ps_svc_flow *flow, unsigned int worker,
	      struct ps_svc_pick *pick)
{
	const struct ps_svc_port *sp = hit->sp;
	struct svc_wctr *w = &t->wctr[worker * t->max_svcs + sp->id];
	struct svc_wstats *ws = &t->wstats[worker];
	const struct svc_epset *es;
	const struct svc_cand *c;
	const struct svc_ep *e = NULL;
	uint32_t now = __atomic_load_n(&t->now, __ATOMIC_RELAXED);
	unsigned int ci;
	uint32_t k;
	bool local;

	if (hit->kind == PS_FE_LB && sp->nb_src_ranges > 0 &&
	    !src_allowed(sp, flow->src_ip)) {
		ws->denied++;
		return PS_SVC_DENIED;
	}
	/* internalTrafficPolicy governs the cluster IP; the external one
	 * governs the rest, except for clients on this node's pods, which
	 * kube-proxy sends cluster-wide (they are not "external"). */
	if (hit->kind == PS_FE_CLUSTER)
		local = sp->itp == PS_POLICY_LOCAL;
	else
		local = sp->etp == PS_POLICY_LOCAL && !flow->src_local_pod;
	ci = local ? SVC_LOCAL : SVC_ALL;
	es = __atomic_load_n(&sp->eps, __ATOMIC_ACQUIRE);
	c = &es->cand[ci];
	if (c->n == 0) {
		w->rejects++;
		ws->rejects++;
		return PS_SVC_REJECT;
	}
	if (sp->affinity) {
		uint64_t v = svc_aff_get(&t->aff, sp->id, flow->src_ip,
					 now);

		if (v != 0) {
			int i = svc_epset_find(es, svc_ep_key(
				rte_cpu_to_be_32((uint32_t)(v >> 16)),
				(uint16_t)v));

			if (i >= 0 && (es->eps[i].cand & (1u << ci))) {
				e = &es->eps[i];
				ws->affinity_hits++;
			}
		}
	}
	if (e == NULL) {
		switch (sp->sched) {
		case PS_SCHED_WRR:
			k = pick_wrr(c, w->rr[ci]++);
			break;
		case PS_SCHED_LC:
			k = pick_lc(t, es, c, w->rr[ci]++);
			break;
		case PS_SCHED_SH:
			k = rte_hash_crc_4byte(flow->src_ip, 0x7f4a7c15) % c->n;
			break;
		case PS_SCHED_MAGLEV:
			k = c->maglev[(flow->hash != 0 ? flow->hash :
				       svc_flow_hash(flow)) % c->maglev_size];
			break;
		default:
			k = w->rr[ci]++ % c->n;
			break;
		}
		e = &es->eps[c->idx[k]];
		if (sp->affinity) {
			uint64_t mine = (uint64_t)rte_be_to_cpu_32(e->ip) << 16 |
					e->port;
			uint64_t v = svc_aff_put(&t->aff, sp->id, flow->src_ip,
						 mine, now, false);

			if (v == 0) {
				ws->affinity_full++;
			} else if (v != mine) {
				/* remembered, but gone or unusable, or
				 * another worker chose first */
				int i = svc_epset_find(es, svc_ep_key(
					rte_cpu_to_be_32((uint32_t)(v >> 16)),
					(uint16_t)v));

				if (i >= 0 && (es->eps[i].cand & (1u << ci)))
					e = &es->eps[i];
				else
					svc_aff_put(&t->aff, sp->id,
						    flow->src_ip, mine, now,
						    true);
			}
		}
	}
	pick->ep_id = e->ep_id;
	pick->ip = e->ip;
	pick->port = e->port;
	pick->flags = e->flags;
	pick->local_only = local;
	w->new_conns++;
	ws->new_conns++;
	return PS_SVC_FORWARD;
}

void
ps_svc_ep_conn_inc(struct ps_svc_table *t, uint32_t ep_id)
{
	if (ep_id < t->max_eps)
		__atomic_fetch_add(&t->conns[ep_id], 1, __ATOMIC_RELAXED);
}

void
ps_svc_ep_conn_dec(struct ps_svc_table *t, uint32_t ep_id)
{
	uint32_t n;

	if (ep_id >= t->max_eps)
		return;
	/* never below zero: a stray decrement must not wrap and make an
	 * endpoint look infinitely busy to lc */
	n = __atomic_load_n(&t->conns[ep_id], __ATOMIC_RELAXED);
	while (n > 0 && !__atomic_compare_exchange_n(&t->conns[ep_id], &n,
			n - 1, true, __ATOMIC_RELEASE, __ATOMIC_RELAXED))
		;
}

uint32_t
ps_svc_ep_conns(const struct ps_svc_table *t, uint32_t ep_id)
{
	if (ep_id >= t->max_eps)
		return 0;
	return __atomic_load_n(&t->conns[ep_id], __ATOMIC_RELAXED);
}

/* Housekeeping ----------------------------------------------------------------- */

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
		fifo_put(&t->ep_free, i);
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

/* Reading back ------------------------------------------------------------------ */

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

	if (s == SVC_NONE || !programmed(&t->svcs[s]->spec))
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
		v->nb_frontends = fe_max(&o->spec) <= 64 ?
			fe_keys(&o->spec, i, k, kinds) : fe_max(&o->spec);
		for (w = 0; w < t->nb_workers; w++) {
			const struct svc_wctr *c =
				&t->wctr[w * t->max_svcs + sp->id];

			v->new_conns += c->new_conns;
			v->rejects += c->rejects;
		}
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
		    o->spec.etp != PS_POLICY_LOCAL || !programmed(&o->spec) ||
		    o->spec.nb_ports == 0)
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
		if (t->svcs[i] != NULL && programmed(&t->svcs[i]->spec))
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
