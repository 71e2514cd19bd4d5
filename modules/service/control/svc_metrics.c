/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The service module's /metrics families (its metrics hook): conntrack
 * by protocol and state, connections made and refused, services and
 * endpoints programmed, the NAT port pools, and what ipvsadm -L -n
 * --stats shows: connections, packets and bytes per service port and
 * per endpoint.
 *
 * Conntrack by state is a walk of the whole entry array on the
 * management thread (a few milliseconds for a million entries, once a
 * scrape): counting per state on the fast path would cost every packet
 * a shared counter for what a scrape every few seconds reads.
 */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <podswitch/conntrack.h>
#include <podswitch/dataplane.h>
#include <podswitch/inet.h>
#include <podswitch/module.h>
#include <podswitch/nat.h>
#include <podswitch/prom.h>
#include <podswitch/service.h>

#include "lb_private.h"

#define EP_VIEW_MAX 4096
#define PORT_VIEW_MAX 64

enum { P_TCP, P_UDP, P_ICMP, P_NB };

static const char *const proto_names[P_NB] = { "tcp", "udp", "icmp" };

static int
proto_idx(uint8_t proto)
{
	return proto == IPPROTO_TCP ? P_TCP : proto == IPPROTO_UDP ? P_UDP :
	       proto == IPPROTO_ICMP ? P_ICMP : -1;
}

struct ct_count {
	uint64_t n[P_NB][PS_CT_STATE_MAX];
};

static int
ct_count_cb(const struct ps_ct_entry *e, void *arg)
{
	struct ct_count *c = arg;
	int p = proto_idx(e->proto);
	uint8_t st = __atomic_load_n(&e->state, __ATOMIC_RELAXED);

	if (p >= 0 && st < PS_CT_STATE_MAX)
		c->n[p][st]++;
	return 0;
}

/* The states a protocol's entries can be in (so that every series is
 * there from the start, at 0). */
static bool
state_of(int p, unsigned int st)
{
	if (p == P_TCP)
		return st >= PS_CT_TCP_SYN_SENT && st <= PS_CT_TCP_CLOSE;
	if (p == P_UDP)
		return st == PS_CT_UDP_SINGLE || st == PS_CT_UDP_STREAM;
	return st == PS_CT_ICMP;
}

static void
conntrack_metrics(const struct ps_dataplane *dp, struct ps_prom *p)
{
	static struct ct_count c;
	struct ps_prom_family *f;
	struct ps_ct_stats cs;
	unsigned int st;
	int pi;

	memset(&c, 0, sizeof(c));
	ps_ct_walk(dp->ct, ct_count_cb, &c);
	ps_ct_stats(dp->ct, &cs);
	f = ps_prom_family(p, "podswitch_conntrack_entries", PS_PROM_GAUGE,
			   "Live conntrack entries, by protocol and state.");
	for (pi = 0; pi < P_NB; pi++)
		for (st = 0; st < PS_CT_STATE_MAX; st++)
			if (state_of(pi, st))
				ps_prom_add(f, c.n[pi][st], "protocol",
					    proto_names[pi], "state",
					    ps_ct_state_name(st), NULL);
	ps_prom_add(ps_prom_family(p, "podswitch_conntrack_entries_limit",
				   PS_PROM_GAUGE, "Conntrack entries the "
				   "table can hold, all protocols."),
		    cs.size, NULL);
	ps_prom_add(ps_prom_family(p, "podswitch_conntrack_created_total",
				   PS_PROM_COUNTER,
				   "Conntrack entries created."),
		    cs.created, NULL);
	f = ps_prom_family(p, "podswitch_conntrack_refused_total",
			   PS_PROM_COUNTER, "Connections conntrack refused to "
			   "track, by reason (table full, index bucket full, "
			   "reply tuple taken).");
	ps_prom_add(f, cs.full, "reason", "full", NULL);
	ps_prom_add(f, cs.index_full, "reason", "index_full", NULL);
	ps_prom_add(f, cs.clash, "reason", "clash", NULL);
	ps_prom_add(ps_prom_family(p, "podswitch_conntrack_invalid_packets_total",
				   PS_PROM_COUNTER, "Packets conntrack found "
				   "invalid (out of window, no connection)."),
		    cs.invalid, NULL);
	f = ps_prom_family(p, "podswitch_conntrack_removed_total",
			   PS_PROM_COUNTER, "Conntrack entries removed, by "
			   "reason (timed out, deleted by a flush or an "
			   "endpoint change).");
	ps_prom_add(f, cs.expired, "reason", "expired", NULL);
	ps_prom_add(f, cs.deleted, "reason", "deleted", NULL);
}

static void
service_counts(const struct ps_dataplane *dp, struct ps_prom *p)
{
	struct ps_prom_family *f;
	struct ps_svc_stats ss;

	ps_svc_stats(dp->svcs, &ss);
	f = ps_prom_family(p, "podswitch_services", PS_PROM_GAUGE,
			   "Services stored, by whether the dataplane serves "
			   "them (programmed) or not (skipped: headless, "
			   "ExternalName, another proxy's...).");
	ps_prom_add(f, ss.programmed, "state", "programmed", NULL);
	ps_prom_add(f, ss.services - RTE_MIN(ss.programmed, ss.services),
		    "state", "skipped", NULL);
	ps_prom_add(ps_prom_family(p, "podswitch_service_ports",
				   PS_PROM_GAUGE, "Service ports programmed."),
		    ss.ports, NULL);
	ps_prom_add(ps_prom_family(p, "podswitch_service_frontends",
				   PS_PROM_GAUGE, "Frontends programmed "
				   "(cluster IP, node port, external and load "
				   "balancer addresses of each port)."),
		    ss.frontends, NULL);
	ps_prom_add(ps_prom_family(p, "podswitch_endpoints", PS_PROM_GAUGE,
				   "Endpoint records programmed (an endpoint "
				   "of each service port)."),
		    ss.endpoints, NULL);
	ps_prom_add(ps_prom_family(p, "podswitch_endpoints_draining",
				   PS_PROM_GAUGE, "Endpoint records removed "
				   "that connections still use."),
		    ss.draining, NULL);
	ps_prom_add(ps_prom_family(p, "podswitch_service_new_connections_total",
				   PS_PROM_COUNTER, "Connections to services "
				   "given an endpoint."),
		    ss.new_conns, NULL);
	f = ps_prom_family(p, "podswitch_service_refused_connections_total",
			   PS_PROM_COUNTER, "Connections to services refused, "
			   "by reason (no usable endpoint: rejected; source "
			   "outside loadBalancerSourceRanges: denied).");
	ps_prom_add(f, ss.rejects, "reason", "no_endpoint", NULL);
	ps_prom_add(f, ss.denied, "reason", "source_range", NULL);
	ps_prom_add(ps_prom_family(p, "podswitch_service_applies_total",
				   PS_PROM_COUNTER, "Service and endpoint "
				   "changes applied."), ss.applies, NULL);
	ps_prom_add(ps_prom_family(p, "podswitch_service_apply_errors_total",
				   PS_PROM_COUNTER, "Service and endpoint "
				   "changes refused."), ss.apply_errors, NULL);
}

/* The families of the per-port and per-endpoint traffic. */
struct traffic_fams {
	struct ps_prom_family *conns, *pkts, *bytes, *rejects;
	struct ps_prom_family *ep_conns, *ep_pkts, *ep_bytes, *ep_active;
	struct ps_svc_ep_view *ev;
	const struct ps_svc_table *t;
};

static void
traffic(struct ps_prom_family *conns, struct ps_prom_family *pkts,
	struct ps_prom_family *bytes, const struct ps_svc_traffic *tr,
	const char *ns, const char *name, const char *proto,
	const char *port, const char *ep)
{
	/* the endpoint label comes last, and only for endpoints */
	ps_prom_add(conns, tr->conns, "namespace", ns, "service", name,
		    "protocol", proto, "service_port", port,
		    ep ? "endpoint" : NULL, ep, NULL);
	ps_prom_add(pkts, tr->pkts[PS_SVC_IN], "namespace", ns, "service",
		    name, "protocol", proto, "service_port", port,
		    "direction", "in", ep ? "endpoint" : NULL, ep, NULL);
	ps_prom_add(pkts, tr->pkts[PS_SVC_OUT], "namespace", ns, "service",
		    name, "protocol", proto, "service_port", port,
		    "direction", "out", ep ? "endpoint" : NULL, ep, NULL);
	ps_prom_add(bytes, tr->bytes[PS_SVC_IN], "namespace", ns, "service",
		    name, "protocol", proto, "service_port", port,
		    "direction", "in", ep ? "endpoint" : NULL, ep, NULL);
	ps_prom_add(bytes, tr->bytes[PS_SVC_OUT], "namespace", ns, "service",
		    name, "protocol", proto, "service_port", port,
		    "direction", "out", ep ? "endpoint" : NULL, ep, NULL);
}

static int
service_traffic_cb(const struct ps_svc_spec *s, void *arg)
{
	struct traffic_fams *tf = arg;
	struct ps_svc_port_view pv[PORT_VIEW_MAX];
	char port[8], ep[PS_IP4_STRLEN + 8], ip[PS_IP4_STRLEN];
	unsigned int np, i, j, ne;

	np = RTE_MIN(ps_svc_ports(tf->t, s->ns, s->name, pv, PORT_VIEW_MAX),
		     (unsigned int)PORT_VIEW_MAX);
	for (i = 0; i < np; i++) {
		const char *proto;
		int pi = proto_idx(pv[i].sp->proto);

		proto = pi >= 0 ? proto_names[pi] : "other";
		snprintf(port, sizeof(port), "%u", pv[i].sp->port);
		traffic(tf->conns, tf->pkts, tf->bytes, &pv[i].traffic,
			s->ns, s->name, proto, port, NULL);
		ps_prom_add(tf->rejects, pv[i].rejects, "namespace", s->ns,
			    "service", s->name, "protocol", proto,
			    "service_port", port, NULL);
		ne = RTE_MIN(ps_svc_port_endpoints(tf->t, pv[i].sp, tf->ev,
						   EP_VIEW_MAX),
			     (unsigned int)EP_VIEW_MAX);
		for (j = 0; j < ne; j++) {
			ps_ip4_fmt(ip, tf->ev[j].ip);
			snprintf(ep, sizeof(ep), "%s:%u", ip, tf->ev[j].port);
			traffic(tf->ep_conns, tf->ep_pkts, tf->ep_bytes,
				&tf->ev[j].traffic, s->ns, s->name, proto,
				port, ep);
			ps_prom_add(tf->ep_active, tf->ev[j].conns,
				    "namespace", s->ns, "service", s->name,
				    "protocol", proto, "service_port", port,
				    "endpoint", ep, NULL);
		}
	}
	return 0;
}

static void
service_traffic(const struct ps_dataplane *dp, struct ps_prom *p)
{
	struct traffic_fams tf = {
		.t = dp->svcs,
		.conns = ps_prom_family(p,
			"podswitch_service_port_connections_total",
			PS_PROM_COUNTER, "Connections created to the service "
			"port (ipvsadm --stats Conns)."),
		.pkts = ps_prom_family(p,
			"podswitch_service_port_packets_total",
			PS_PROM_COUNTER, "Packets of the service port's "
			"connections; direction in: client to endpoint, out: "
			"the replies."),
		.bytes = ps_prom_family(p, "podswitch_service_port_bytes_total",
			PS_PROM_COUNTER, "Bytes (frames) of the service port's "
			"connections, by direction."),
		.rejects = ps_prom_family(p,
			"podswitch_service_port_refused_connections_total",
			PS_PROM_COUNTER, "Connections to the service port "
			"refused: no usable endpoint."),
		.ep_conns = ps_prom_family(p,
			"podswitch_endpoint_connections_total",
			PS_PROM_COUNTER, "Connections the endpoint was given "
			"for the service port."),
		.ep_pkts = ps_prom_family(p, "podswitch_endpoint_packets_total",
			PS_PROM_COUNTER, "Packets of the endpoint's "
			"connections for the service port, by direction."),
		.ep_bytes = ps_prom_family(p, "podswitch_endpoint_bytes_total",
			PS_PROM_COUNTER, "Bytes (frames) of the endpoint's "
			"connections for the service port, by direction."),
		.ep_active = ps_prom_family(p,
			"podswitch_endpoint_active_connections",
			PS_PROM_GAUGE, "Connections the endpoint has now for "
			"the service port."),
	};

	tf.ev = malloc(sizeof(*tf.ev) * EP_VIEW_MAX);
	if (tf.ev == NULL)
		return;
	ps_svc_walk(dp->svcs, service_traffic_cb, &tf);
	free(tf.ev);
}

static void
nat_metrics(const struct ps_dataplane *dp, struct ps_prom *p)
{
	struct ps_prom_family *use, *size, *allocs, *fails;
	unsigned int i;

	use = ps_prom_family(p, "podswitch_nat_pool_ports_in_use",
			     PS_PROM_GAUGE, "Source ports of the node IP "
			     "taken by masqueraded connections, by protocol.");
	size = ps_prom_family(p, "podswitch_nat_pool_ports", PS_PROM_GAUGE,
			      "Source ports the NAT pool holds, by protocol.");
	allocs = ps_prom_family(p, "podswitch_nat_pool_allocations_total",
				PS_PROM_COUNTER, "NAT source ports handed "
				"out, by protocol.");
	fails = ps_prom_family(p,
			       "podswitch_nat_pool_allocation_failures_total",
			       PS_PROM_COUNTER, "NAT source ports refused: "
			       "pool exhausted, by protocol.");
	for (i = 0; i < PS_NAT_NB_POOLS && i < P_NB; i++) {
		struct ps_nat_pool_stats ps;

		if (dp->nat_pools[i] == NULL)
			continue;
		ps_nat_pool_stats(dp->nat_pools[i], &ps);
		ps_prom_add(use, ps.in_use, "protocol", proto_names[i], NULL);
		ps_prom_add(size, ps.size, "protocol", proto_names[i], NULL);
		ps_prom_add(allocs, ps.allocs, "protocol", proto_names[i],
			    NULL);
		ps_prom_add(fails, ps.alloc_fails, "protocol", proto_names[i],
			    NULL);
	}
}

void
svc_metrics(const struct ps_dataplane *dp, struct ps_prom *p)
{
	if (dp->ct == NULL || dp->svcs == NULL)
		return;
	conntrack_metrics(dp, p);
	service_counts(dp, p);
	service_traffic(dp, p);
	nat_metrics(dp, p);
}
