/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PS_DP_PRIVATE_H
#define PS_DP_PRIVATE_H

#include <rte_log.h>

#include <podswitch/dataplane.h>

#define DP_LOG(level, ...) \
	rte_log(RTE_LOG_ ## level, ps_logtype_dp, "dataplane: " __VA_ARGS__)

/* Publish the pod segment of the active ports; returns after a grace
 * period (the retired set is then free to rewrite). */
void ps_dp_segment_update(struct ps_dataplane *dp);

#endif
