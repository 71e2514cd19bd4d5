/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PS_FUZZ_DP_H
#define PS_FUZZ_DP_H

/*
 * The dataplane the graph and REST harnesses run against: the real one
 * over ring ports, polled by the harness thread (worker and management),
 * with three pods, an uplink, a host port, VXLAN and host-gw routes,
 * masquerade (cluster_cidr), services of every type and, on request, the
 * REST API on a Unix socket.
 */
#include <stdbool.h>

#include <podswitch/dataplane.h>
#include <podswitch/rest.h>

#define FUZZ_NB_PORTS 5

extern struct ps_rest *fuzz_rest;		/* NULL without api */
extern const char *const fuzz_rx_ring[FUZZ_NB_PORTS];
extern char fuzz_api_path[100];

/* Start EAL (prog: argv[0]) and the dataplane, the harness's node under
 * test (ps_test_node of test_common.h). Returns 0 or -1. */
int fuzz_dp_start(const char *prog, bool api);

#endif
