/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The tables of the service load balancer: conntrack, the service table
 * and the SNAT port pools, the glue between them (what a deleted
 * connection gives back, which connections an endpoint change ends) and
 * their timers on the management thread.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_malloc.h>

#include <podswitch/cfilter.h>
#include <podswitch/conntrack.h>
#include <podswitch/dataplane.h>
#include <podswitch/nat.h>
#include <podswitch/service.h>

#include "dp_private.h"
#include "lb_private.h"
#include "service_dp.h"
#include "svc_conn.h"
#include "svc_frag.h"


/*
 * Entry slots ps_ct_expire visits per management pass. The loop runs
 * every millisecond, so a table of 1M entries is swept in about a second
 * while one pass stays in the microseconds.
 */
#define CT_EXPIRE_BUDGET 1024

/* What a connection held goes back when its entry is deleted. */
static void
ct_release(const struct ps_ct_entry *e, void *arg)
{
	RTE_SET_USED(arg);
	svc_conn_give(&e->nat, &e->tuple[PS_CT_DIR_ORIG]);
}

/*
 * Endpoints whose connections must end, gathered from the service
 * table's change callbacks and ended together by the next management
 * pass: one walk of the conntrack table however many service ports one
 * apply changed (a walk of 1M entries takes milliseconds).
 */
struct stale_ep {
	uint32_t svc_id;	/* ps_svc_port id */
	uint32_t ip;		/* network order */
	uint16_t port;		/* network order */
	bool removed;		/* gone from the set: every protocol ends */
};

struct ps_svc_stale {
	struct stale_ep *v;
	unsigned int n, cap;
};

static int
stale_cmp(const void *a, const void *b)
{
	const struct stale_ep *x = a, *y = b;

	if (x->svc_id != y->svc_id)
		return x->svc_id < y->svc_id ? -1 : 1;
	if (x->ip != y->ip)
		return x->ip < y->ip ? -1 : 1;
	if (x->port != y->port)
		return x->port < y->port ? -1 : 1;
	return 0;
}

static bool
tcp_finished(const struct ps_ct_entry *e)
{
	uint8_t st = __atomic_load_n(&e->state, __ATOMIC_ACQUIRE);

	return e->proto == IPPROTO_TCP &&
	       (st == PS_CT_TCP_TIME_WAIT || st == PS_CT_TCP_CLOSE);
}

static bool
stale_pred(const struct ps_ct_entry *e, void *arg)
{
	const struct ps_svc_stale *s = arg;
	struct stale_ep key = { .svc_id = e->nat.service_id,
				.ip = e->nat.dnat_ip,
				.port = e->nat.dnat_port };
	const struct stale_ep *hit;

	if (e->nat.endpoint_id == PS_CT_NO_ENDPOINT)
		return false;
	hit = bsearch(&key, s->v, s->n, sizeof(*s->v), stale_cmp);
	/* UDP has no end of its own: a client would keep sending to a
	 * backend that stopped serving (kube-proxy clears these). A TCP or
	 * ICMP connection ends only with the endpoint, but a finished one
	 * goes now: a SYN from its client port would reopen it, a new
	 * connection on a backend that takes no new ones (Linux gives a
	 * reopened tuple a new NAT). */
	return hit != NULL && (e->proto == IPPROTO_UDP || hit->removed ||
			       tcp_finished(e));
}

static void
stale_flush(struct ps_dataplane *dp)
{
	struct ps_svc_stale *s = dp->svc_stale;
	unsigned int i, j, deleted;

	if (s == NULL || s->n == 0)
		return;
	qsort(s->v, s->n, sizeof(*s->v), stale_cmp);
	/* one record per endpoint: removed wins over not serving */
	for (i = 1, j = 0; i < s->n; i++) {
		if (stale_cmp(&s->v[i], &s->v[j]) == 0)
			s->v[j].removed |= s->v[i].removed;
		else
			s->v[++j] = s->v[i];
	}
	s->n = j + 1;
	deleted = ps_ct_delete_if(dp->ct, stale_pred, s);
	if (deleted > 0)
		DP_LOG(DEBUG, "%u connections of %u stale endpoints ended\n",
		       deleted, s->n);
	s->n = 0;
}

static int
addr_cmp(const void *a, const void *b)
{
	const struct ps_svc_ep_view *x = a, *y = b;

	if (x->ip != y->ip)
		return x->ip < y->ip ? -1 : 1;
	return x->port < y->port ? -1 : x->port > y->port;
}

/*
 * The service table reports endpoints that stopped serving or went away.
 * Removing an endpoint ends its connections; one that merely turned
 * not ready keeps them, except UDP's and finished TCP ones. sp is the
 * port's current object.
 */
static void
svc_changed(const struct ps_svc_port *sp, const struct ps_svc_ep_addr *gone,
	    unsigned int nb_gone, void *arg)
{
	struct ps_dataplane *dp = arg;
	struct ps_svc_stale *s = dp->svc_stale;
	struct ps_svc_ep_view *cur = NULL;
	unsigned int n, i;

	if (s->n + nb_gone > s->cap) {
		unsigned int cap = RTE_MAX(s->cap * 2, s->n + nb_gone);
		struct stale_ep *v = realloc(s->v, sizeof(*v) * cap);

		if (v == NULL) {
			DP_LOG(ERR, "no memory to end the connections of %u "
			       "stale endpoints\n", nb_gone);
			return;
		}
		s->v = v;
		s->cap = cap;
	}
	n = ps_svc_port_endpoints(dp->svcs, sp, NULL, 0);
	if (n > 0) {
		cur = malloc(sizeof(*cur) * n);
		if (cur == NULL)
			return;
		n = RTE_MIN(n, ps_svc_port_endpoints(dp->svcs, sp, cur, n));
		qsort(cur, n, sizeof(*cur), addr_cmp);
	}
	for (i = 0; i < nb_gone; i++) {
		struct ps_svc_ep_view key = { .ip = gone[i].ip,
					      .port = gone[i].port };

		s->v[s->n++] = (struct stale_ep){
			.svc_id = sp->id, .ip = gone[i].ip,
			.port = rte_cpu_to_be_16(gone[i].port),
			.removed = n == 0 || bsearch(&key, cur, n, sizeof(*cur),
						     addr_cmp) == NULL,
		};
	}
	free(cur);
}

static void
prefix_mask(const struct ps_prefix4 *p, uint32_t *net, uint32_t *mask)
{
	uint32_t m;

	if (p->len == 0) {
		/* absent: matches only 0.0.0.0 */
		*net = 0;
		*mask = UINT32_MAX;
		return;
	}
	m = ps_prefix4_mask(p->len);
	*mask = rte_cpu_to_be_32(m);
	*net = p->addr & *mask;
}

/* A power of two of at least n slots, within what a filter takes. */
static uint32_t
gate_slots(uint64_t n)
{
	uint32_t s = 1u << 16;

	while (s < n && s < (1u << 20))
		s <<= 1;
	return s;
}

/*
 * The service gate's filters (svc_gate.h), a byte a slot, 64 KiB to
 * 1 MiB each. Frontend keys: at most services_size, two a frontend
 * (with its address), but ClusterIPs in the service CIDR are not
 * counted (the gate lets the CIDR in), so most services take none: four
 * slots a service. Connection keys: two per endpoint of a live
 * connection, at most endpoints_size records, and one per SNAT port in
 * use: a slot a record. Full or
 * not, they never miss (podswitch/cfilter.h); a fuller filter only lets
 * more transit packets through to service_lb.
 */
static int
gate_init(const struct ps_config *cfg)
{
	uint32_t fe = gate_slots((uint64_t)cfg->services_size * 4);
	uint32_t conn = gate_slots(cfg->endpoints_size);

	ps_svc_dp.gate_fe = ps_cfilter_create("svc_gate_fe", fe);
	ps_svc_dp.gate_conn = ps_cfilter_create("svc_gate_conn", conn);
	if (ps_svc_dp.gate_fe == NULL || ps_svc_dp.gate_conn == NULL) {
		DP_LOG(ERR, "cannot create the service gate's filters\n");
		return -ENOMEM;
	}
	return 0;
}

static void
gate_fini(void)
{
	ps_cfilter_free(ps_svc_dp.gate_fe);
	ps_cfilter_free(ps_svc_dp.gate_conn);
	ps_svc_dp.gate_fe = NULL;
	ps_svc_dp.gate_conn = NULL;
}

int
svc_module_init(struct ps_dataplane *dp)
{
	const struct ps_config *cfg = dp->cfg;
	static const char *const pool_names[PS_NAT_NB_POOLS] = {
		"tcp", "udp", "icmp" };
	struct ps_ct_params cp = {
		.name = cfg->node_name,
		.size = cfg->conntrack_size,
		.socket = (int)rte_socket_id(),
		.qsv = dp->qsv,
		.timeouts = cfg->ct_timeouts,
		.release = ct_release,
		.release_arg = dp,
	};
	struct ps_svc_table_params sp = {
		.name = cfg->node_name,
		.services = cfg->services_size,
		.endpoints = cfg->endpoints_size,
		/* one per client and service with ClientIP affinity */
		.affinity = RTE_MIN(cfg->conntrack_size, 1u << 20),
		.nb_workers = dp->nb_workers,
		.node_name = cfg->node_name,
		.zone = cfg->node_zone,
		.socket = (int)rte_socket_id(),
		.qsv = dp->qsv,
	};
	unsigned int i;
	int rc;

	rc = gate_init(cfg);
	if (rc < 0)
		return rc;
	sp.gate_filter = ps_svc_dp.gate_fe;
	prefix_mask(&cfg->service_cidr, &sp.fe_skip_net, &sp.fe_skip_mask);
	dp->ct = ps_ct_create(&cp);
	if (dp->ct == NULL) {
		DP_LOG(ERR, "cannot create the conntrack table (%u): %s\n",
		       cfg->conntrack_size, rte_strerror(rte_errno));
		return -ENOMEM;
	}
	dp->svcs = ps_svc_create(&sp);
	if (dp->svcs == NULL) {
		DP_LOG(ERR, "cannot create the service table (%u/%u): %s\n",
		       cfg->services_size, cfg->endpoints_size,
		       rte_strerror(rte_errno));
		return -ENOMEM;
	}
	dp->svc_stale = calloc(1, sizeof(*dp->svc_stale));
	if (dp->svc_stale == NULL)
		return -ENOMEM;
	ps_svc_set_change_cb(dp->svcs, svc_changed, dp);
	for (i = 0; i < PS_NAT_NB_POOLS; i++) {
		dp->nat_pools[i] = ps_nat_pool_create(pool_names[i],
						      cfg->nat_port_min,
						      cfg->nat_port_max,
						      dp->nb_workers,
						      (int)rte_socket_id());
		if (dp->nat_pools[i] == NULL)
			return -ENOMEM;
		ps_svc_dp.nat_pool[i] = dp->nat_pools[i];
	}
	ps_svc_dp.ct = dp->ct;
	ps_svc_dp.svcs = dp->svcs;
	prefix_mask(&cfg->pod_cidr, &ps_svc_dp.pod_net, &ps_svc_dp.pod_mask);
	prefix_mask(&cfg->cluster_cidr, &ps_svc_dp.cluster_net,
		    &ps_svc_dp.cluster_mask);
	prefix_mask(&cfg->service_cidr, &ps_svc_dp.service_net,
		    &ps_svc_dp.service_mask);
	prefix_mask(&cfg->node_ip, &ps_svc_dp.node_net, &ps_svc_dp.node_mask);
	ps_svc_dp.masquerade = cfg->cluster_cidr.len > 0;
	/* a slot per pod address; a pod CIDR over 64k addresses shares
	 * slots, which only costs bridged frames a needless lookup */
	ps_svc_dp.l2_ep_mask =
		(1u << RTE_MIN(32u - cfg->pod_cidr.len, 16u)) - 1;
	ps_svc_dp.l2_ep_conns = rte_zmalloc("ps_l2_ep",
		sizeof(uint32_t) * (ps_svc_dp.l2_ep_mask + 1u),
		RTE_CACHE_LINE_SIZE);
	if (ps_svc_dp.l2_ep_conns == NULL)
		return -ENOMEM;
	for (i = 0; i < dp->nb_workers; i++) {
		ps_svc_dp.frag[i] = svc_frag_create((int)rte_socket_id());
		if (ps_svc_dp.frag[i] == NULL)
			return -ENOMEM;
	}
	return svc_announce_init(dp);
}

void
svc_module_fini(struct ps_dataplane *dp)
{
	unsigned int i;

	/* Live entries hold ports and counts of the tables freed with
	 * them: nothing to give back. */
	svc_announce_fini(dp);
	ps_ct_free(dp->ct);
	dp->ct = NULL;
	if (dp->svc_stale != NULL)
		free(dp->svc_stale->v);
	free(dp->svc_stale);
	dp->svc_stale = NULL;
	ps_svc_free(dp->svcs);
	dp->svcs = NULL;
	gate_fini();
	for (i = 0; i < PS_NAT_NB_POOLS; i++) {
		ps_nat_pool_free(dp->nat_pools[i]);
		dp->nat_pools[i] = NULL;
		ps_svc_dp.nat_pool[i] = NULL;
	}
	ps_svc_dp.ct = NULL;
	ps_svc_dp.svcs = NULL;
	rte_free(ps_svc_dp.l2_ep_conns);
	ps_svc_dp.l2_ep_conns = NULL;
	for (i = 0; i < PS_MAX_WORKERS; i++) {
		svc_frag_free(ps_svc_dp.frag[i]);
		ps_svc_dp.frag[i] = NULL;
	}
}

void
svc_module_poll(struct ps_dataplane *dp, uint32_t now)
{
	if (dp->ct == NULL)
		return;
	if (now != ps_ct_now(dp->ct)) {
		ps_ct_set_now(dp->ct, now);
		ps_svc_set_now(dp->svcs, now);
		ps_svc_age(dp->svcs);
	}
	stale_flush(dp);
	/* reclaims what earlier passes deleted, too */
	ps_ct_expire(dp->ct, CT_EXPIRE_BUDGET);
	ps_svc_reclaim(dp->svcs);
}
