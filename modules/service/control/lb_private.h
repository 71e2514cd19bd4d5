/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PS_LB_PRIVATE_H
#define PS_LB_PRIVATE_H

/* The service module's control side, as its module hooks (lb_module.c)
 * call it. */

#include <stdint.h>

#include <podswitch/dataplane.h>

/* Conntrack, services and SNAT pools (services.c); their timers. */
int svc_module_init(struct ps_dataplane *dp);
void svc_module_fini(struct ps_dataplane *dp);
void svc_module_poll(struct ps_dataplane *dp, uint32_t now);
/* lb_state.c: connections to the state directory at a stop, and back at
 * the next start (after the services, before the workers). */
int svc_state_save(struct ps_dataplane *dp);
int svc_state_restore(struct ps_dataplane *dp);

#endif
