/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PS_STATS_PRIVATE_H
#define PS_STATS_PRIVATE_H

/* Between the two files of the statistics: stats.c (totals) and
 * stats_reset.c (what a reset subtracts). */

#include <stdbool.h>
#include <stdint.h>

/* Whether node name is one of port id's clones (port_tx-p<id>,
 * port_rx-p<id>-q<n>). */
bool stats_port_clone(const char *name, uint16_t port_id);
/* Drop what the last reset noted for port id and its clones. */
void stats_reset_forget_port(uint16_t port_id);

#endif
