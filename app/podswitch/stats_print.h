/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PS_APP_STATS_PRINT_H
#define PS_APP_STATS_PRINT_H

#include <stdio.h>

struct ps_dataplane;

/*
 * The counter table the daemon prints on SIGUSR1 and at its stop: ports,
 * mbufs, graph nodes, drops by reason, then every table of every module.
 * Read by people; scripts should read GET /v1/stats.
 */
void ps_stats_print(FILE *f, const struct ps_dataplane *dp);

#endif
