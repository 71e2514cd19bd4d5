/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PS_LB_PRIVATE_H
#define PS_LB_PRIVATE_H

/* The service module's control side, as its module hooks (lb_module.c)
 * call it. */

#include <stdint.h>

#include <podswitch/dataplane.h>
#include <podswitch/module.h>

/* Conntrack, services and SNAT pools (services.c); their timers. */
int svc_module_init(struct ps_dataplane *dp);
void svc_module_fini(struct ps_dataplane *dp);
void svc_module_poll(struct ps_dataplane *dp, uint32_t now);
/* lb_state.c: connections to the state directory at a stop, and back at
 * the next start (after the services, before the workers). */
int svc_state_save(struct ps_dataplane *dp);
int svc_state_restore(struct ps_dataplane *dp);

/* svc_announce.c: ARP on the uplink for external and load-balancer IPs
 * (services.announce_arp), set up after the service table. */
int svc_announce_init(struct ps_dataplane *dp);
void svc_announce_fini(struct ps_dataplane *dp);
void svc_announce_tables(ps_table_cb cb, void *arg);

/* svc_metrics.c: the module's /metrics families (its metrics hook). */
void svc_metrics(const struct ps_dataplane *dp, struct ps_prom *p);

#endif
