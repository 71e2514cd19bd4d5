/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PODSWITCH_LOG_H
#define PODSWITCH_LOG_H

/*
 * The daemon's log lines and the changes an operator makes.
 *
 * Every line the log stream writes starts with the UTC time and the
 * level: "2026-12-08T01:02:03.456Z INFO rest: ...". DPDK's own lines
 * (RTE_LOG of any library) get the same prefix: the stream is DPDK's
 * (rte_openlog_stream), so nothing else changes how it logs.
 */

#include <stdio.h>

#include <rte_common.h>

/*
 * Send every rte_log line to out (stdout when NULL), each line
 * prefixed with time and level. Call before rte_eal_init so that EAL's
 * lines have it too. 0 or -errno (the log stays as it was).
 */
int ps_log_stream_open(FILE *out);
/* Back to DPDK's default stream (tests); out is left open. */
void ps_log_stream_close(void);

/* "podswitch.change": the level of the change lines (PUT /v1/log sets
 * every podswitch.* type, this one too). */
extern int ps_logtype_change;

/*
 * One info line for one change of what the dataplane serves: a route,
 * a service, a port, a policy. area names the kind ("route", "service",
 * "policy"...): "<area>: <what>". A request that changes many objects
 * (an apply, a replace) logs one line that sums them up, never a line
 * per object, so that 10,000 services are one line.
 */
void ps_log_change(const char *area, const char *fmt, ...)
	__rte_format_printf(2, 3);

#endif
