/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PS_IP4_ROUTES_H
#define PS_IP4_ROUTES_H

/*
 * The node's route policy, shared by the configuration's routes (l3.c)
 * and /v1/routes: what a parsed route becomes in the table, and how a
 * whole new set is made and published. Connected routes (the node's own
 * addresses and subnets) stay as they are through every change.
 * Management thread only.
 */

#include <podswitch/config.h>
#include <podswitch/dataplane.h>
#include <podswitch/route.h>

/*
 * The table's form of a route that ps_route_config_parse() accepted
 * against dp's ports: the port by id, a VXLAN route's VTEP found or added
 * (it stays, with zero counters, should the route itself be refused).
 * 0, -ENOSPC (the VTEP table is full), -EINVAL (no such VTEP can be),
 * -ENOENT (the port is gone).
 */
int ip4_route_resolve(struct ps_dataplane *dp,
		      const struct ps_route_config *rc, uint8_t origin,
		      struct ps_route *out);

/* A whole new route set: the connected routes first, then the given. */
struct ip4_route_set {
	struct ps_route *routes;
	unsigned int n;		/* connected and given so far */
	unsigned int nconn;	/* the connected ones, at the start */
	unsigned int max;
};

/* Take the connected routes of dp, with room for nb_given more.
 * 0, -ENOMEM, -ENOSPC (the connected routes moved meanwhile). */
int ip4_route_set_init(struct ip4_route_set *s, const struct ps_dataplane *dp,
		       unsigned int nb_given);
/* Append a given route: 0, or -EEXIST when its prefix is a connected
 * route's (those cannot be replaced). */
int ip4_route_set_add(struct ip4_route_set *s, const struct ps_route *rt);
/*
 * Publish the set in one generation (a packet sees the old set or the new
 * one). 0, -ENOSPC, -ENOMEM, -EINVAL, or -EEXIST when two given routes
 * have the same prefix: *dup and *first are then their indexes among the
 * given ones (the later and the earlier), or -1 when they could not be
 * named. A good set pays no search for duplicates.
 */
int ip4_route_set_publish(struct ps_dataplane *dp,
			  const struct ip4_route_set *s, long *dup,
			  long *first);
void ip4_route_set_free(struct ip4_route_set *s);

#endif
