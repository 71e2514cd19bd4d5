/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PS_DP_PRIVATE_H
#define PS_DP_PRIVATE_H

#include <podswitch/dataplane.h>

/* Route and neighbor tables, connected/static routes, the control ring. */
int ps_l3_init(struct ps_dataplane *dp);
void ps_l3_fini(struct ps_dataplane *dp);
/* Neighbor timers and rings, route reclamation. */
void ps_l3_poll(struct ps_dataplane *dp);

/* Conntrack, services and SNAT pools (services.c); their timers. */
int ps_lb_init(struct ps_dataplane *dp);
void ps_lb_fini(struct ps_dataplane *dp);
void ps_lb_poll(struct ps_dataplane *dp, uint32_t now);
/* lb_state.c: connections to the state directory at a stop, and back at
 * the next start (after the services, before the workers). */
int ps_lb_state_save(struct ps_dataplane *dp);
int ps_lb_state_restore(struct ps_dataplane *dp);

/* Publish the pod segment of the active ports; returns after a grace
 * period (the retired set is then free to rewrite). */
void ps_dp_segment_update(struct ps_dataplane *dp);

#endif
