/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <podswitch/inet.h>
#include <podswitch/vxlan.h>

#include "ip4_routes.h"

/*
 * Whether gw is on a subnet the node reaches directly: the pod CIDR, or
 * the node's own subnet on the uplink. A gateway elsewhere could never be
 * resolved and would black-hole the route's traffic; iproute2 refuses it
 * too ("Nexthop has invalid gateway").
 */
static bool
gateway_connected(const struct ps_dataplane *dp, uint32_t gw)
{
	const struct ps_config *cfg = dp->cfg;

	if (ps_prefix4_contains(&cfg->pod_cidr, gw))
		return true;
	return ps_dataplane_uplink(dp) >= 0 && cfg->node_ip.len < 32 &&
	       ps_prefix4_contains(&cfg->node_ip, gw);
}

int
ip4_route_resolve(struct ps_dataplane *dp, const struct ps_route_config *rc,
		  uint8_t origin, struct ps_route *out)
{
	int id;

	memset(out, 0, sizeof(*out));
	out->dst = rc->dst;
	out->origin = origin;
	switch (rc->type) {
	case PS_ROUTE_T_BLACKHOLE:
		out->nh.type = PS_NH_BLACKHOLE;
		return 0;
	case PS_ROUTE_T_UNREACHABLE:
		out->nh.type = PS_NH_UNREACHABLE;
		return 0;
	default:
		break;
	}
	if (rc->vxlan) {
		id = ps_vxlan_vtep_get(dp->vxlan, rc->vxlan_remote,
				       rc->vxlan_vni, rc->vxlan_has_mac ?
				       &rc->vxlan_mac : NULL);
		if (id < 0)
			return id;
		out->nh.type = PS_NH_VXLAN;
		out->nh.port_id = (uint16_t)id;
		out->nh.gateway = rc->vxlan_remote;
		return 0;
	}
	if (rc->port_slot < 0 || (unsigned int)rc->port_slot >= dp->nb_ports)
		return -ENOENT;
	if (rc->gateway != 0 && !gateway_connected(dp, rc->gateway))
		return -ENETUNREACH;
	out->nh.type = rc->gateway != 0 ? PS_NH_GATEWAY : PS_NH_CONNECTED;
	out->nh.port_id = dp->port_ids[rc->port_slot];
	out->nh.gateway = rc->gateway;
	return 0;
}

static int
connected_cb(const struct ps_route *rt, void *arg)
{
	struct ip4_route_set *s = arg;

	if (rt->origin != PS_ROUTE_CONNECTED)
		return 0;
	if (s->n == s->max)
		return -ENOSPC;
	s->routes[s->n++] = *rt;
	return 0;
}

int
ip4_route_set_init(struct ip4_route_set *s, const struct ps_dataplane *dp,
		   unsigned int nb_given)
{
	struct ps_route_stats st;
	int rc;

	memset(s, 0, sizeof(*s));
	/* every route of the table may be a connected one */
	ps_route_stats(dp->routes, &st);
	s->max = nb_given + st.routes;
	s->routes = calloc(s->max + 1, sizeof(*s->routes));
	if (s->routes == NULL)
		return -ENOMEM;
	rc = ps_route_walk(dp->routes, connected_cb, s);
	if (rc != 0) {
		ip4_route_set_free(s);
		return rc < 0 ? rc : -ENOSPC;
	}
	s->nconn = s->n;
	return 0;
}

static bool
same_prefix(const struct ps_prefix4 *a, const struct ps_prefix4 *b)
{
	return a->addr == b->addr && a->len == b->len;
}

int
ip4_route_set_add(struct ip4_route_set *s, const struct ps_route *rt)
{
	unsigned int i;

	if (s->n == s->max)
		return -ENOSPC;
	/* Connected prefixes are few: a linear check names the culprit;
	 * duplicates among the given ones are found by the table's own
	 * check at publication. */
	for (i = 0; i < s->nconn; i++)
		if (same_prefix(&s->routes[i].dst, &rt->dst))
			return -EEXIST;
	s->routes[s->n++] = *rt;
	return 0;
}

static int
prefix_cmp(const void *a, const void *b)
{
	const struct ps_route *x = *(const struct ps_route *const *)a;
	const struct ps_route *y = *(const struct ps_route *const *)b;

	if (x->dst.addr != y->dst.addr)
		return x->dst.addr < y->dst.addr ? -1 : 1;
	if (x->dst.len != y->dst.len)
		return x->dst.len < y->dst.len ? -1 : 1;
	return x < y ? -1 : x > y;
}

/* The first route of set whose prefix an earlier one has (*first that
 * one), -1 if none, -2 without memory to look. */
static long
find_duplicate(const struct ps_route *set, unsigned int n, long *first)
{
	const struct ps_route **by = malloc(sizeof(*by) * (n ? n : 1));
	long dup = -1;
	unsigned int i;

	if (by == NULL)
		return -2;
	for (i = 0; i < n; i++)
		by[i] = &set[i];
	qsort(by, n, sizeof(*by), prefix_cmp);
	for (i = 1; i < n; i++)
		if (same_prefix(&by[i - 1]->dst, &by[i]->dst) &&
		    (dup < 0 || by[i] - set < dup)) {
			dup = by[i] - set;
			*first = by[i - 1] - set;
		}
	free(by);
	return dup;
}

int
ip4_route_set_publish(struct ps_dataplane *dp, const struct ip4_route_set *s,
		      long *dup, long *first)
{
	int rc = ps_route_replace_all_wait(dp->routes, s->routes, s->n,
					   dp->mgmt_rcu_id);

	*dup = *first = -1;
	/* The table refuses a prefix twice (and changes nothing); only then
	 * are the two looked for, to name them, so a good set pays no sort. */
	if (rc == -EEXIST) {
		long d = find_duplicate(s->routes, s->n, first);

		/* a connected prefix given again was refused by _add() */
		if (d >= (long)s->nconn && *first >= (long)s->nconn) {
			*dup = d - (long)s->nconn;
			*first -= (long)s->nconn;
		} else {
			*first = -1;
		}
	}
	return rc;
}

void
ip4_route_set_free(struct ip4_route_set *s)
{
	free(s->routes);
	memset(s, 0, sizeof(*s));
}
