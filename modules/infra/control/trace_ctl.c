/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Trace sessions (include/podswitch/trace.h), on the management thread:
 * arm and disarm ports, clear the records, and the "trace" module that
 * owns the workers' buffers and turns --trace into a session that marks
 * every packet and logs every record.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_mbuf_dyn.h>
#include <rte_rcu_qsbr.h>

#include <podswitch/dataplane.h>
#include <podswitch/graph.h>
#include <podswitch/module.h>
#include <podswitch/port.h>

#include "../datapath/trace_private.h"

#define TRACE_LOG(level, ...) \
	rte_log(RTE_LOG_ ## level, ps_logtype_trace, "trace: " __VA_ARGS__)

static struct ps_trace_session session;
static struct ps_trace_filter *session_filter;
static struct ps_trace_status status = { .port = -1 };

static int
trace_register_mbuf(void)
{
	static const struct rte_mbuf_dynfield field = {
		.name = "podswitch_trace_id",
		.size = sizeof(struct trace_id),
		.align = __alignof__(struct trace_id),
	};
	static const struct rte_mbuf_dynflag flag = {
		.name = "podswitch_trace",
	};
	int off, bit;

	if (ps_trace_flag != 0)
		return 0;
	off = rte_mbuf_dynfield_register(&field);
	bit = rte_mbuf_dynflag_register(&flag);
	if (off < 0 || bit < 0)
		return -rte_errno;
	ps_trace_id_off = off;
	__atomic_store_n(&ps_trace_flag, UINT64_C(1) << bit, __ATOMIC_RELEASE);
	return 0;
}

int
ps_trace_init(unsigned int nb_workers)
{
	unsigned int i;
	int rc;

	rc = trace_register_mbuf();
	if (rc < 0)
		return rc;
	for (i = ps_trace_nb_bufs; i < nb_workers && i < PS_MAX_WORKERS; i++) {
		void *b;

		/* the records need no zeroing: only written ones are read */
		if (posix_memalign(&b, RTE_CACHE_LINE_SIZE,
				   sizeof(struct trace_buf)) != 0)
			return -ENOMEM;
		memset(b, 0, offsetof(struct trace_buf, rec));
		ps_trace_bufs[i] = b;
		ps_trace_nb_bufs = i + 1;
	}
	return 0;
}

/* Disarm every port; when this returns no worker reads the session. */
static void
trace_disarm(struct ps_dataplane *dp)
{
	unsigned int i;

	for (i = 0; i < PS_MAX_PORTS; i++)
		__atomic_store_n(&ps_trace_armed[i], NULL, __ATOMIC_RELEASE);
	if (dp != NULL && dp->qsv != NULL)
		rte_rcu_qsbr_synchronize(dp->qsv, dp->mgmt_rcu_id);
	status.armed = false;
}

void
ps_trace_stop(struct ps_dataplane *dp)
{
	if (status.armed)
		TRACE_LOG(INFO, "stopped: %u packets marked\n",
			  __atomic_load_n(&session.taken, __ATOMIC_RELAXED));
	trace_disarm(dp);
	status.marked = __atomic_load_n(&session.taken, __ATOMIC_RELAXED);
	ps_trace_log = false;
}

void
ps_trace_clear(void)
{
	unsigned int i;

	for (i = 0; i < ps_trace_nb_bufs; i++)
		ps_trace_bufs[i]->cleared =
			__atomic_load_n(&ps_trace_bufs[i]->head,
					__ATOMIC_ACQUIRE);
}

static bool
trace_port_ok(int port)
{
	return port >= 0 && port < PS_MAX_PORTS && ps_ports[port].active;
}

int
ps_trace_start(struct ps_dataplane *dp, const struct ps_trace_params *p,
	       char *err, size_t errlen)
{
	struct ps_trace_filter *f = NULL;
	struct timespec ts;
	int rc, port;

	if (p->count > PS_TRACE_COUNT_MAX || (p->count == 0 && !p->log)) {
		snprintf(err, errlen, "count must be 1..%u",
			 PS_TRACE_COUNT_MAX);
		return -EINVAL;
	}
	if (p->port != -1 && !trace_port_ok(p->port)) {
		snprintf(err, errlen, "no port with id %d", p->port);
		return -EINVAL;
	}
	rc = ps_trace_init(dp->nb_workers);
	if (rc < 0) {
		snprintf(err, errlen, "cannot set up the trace: %s",
			 strerror(-rc));
		return rc;
	}
	if (p->filter != NULL) {
		char why[200] = "";

		f = ps_trace_filter_compile(p->filter, why, sizeof(why), &rc);
		if (f == NULL) {
			if (rc == -ENOTSUP)
				snprintf(err, errlen, "%s", why);
			else
				snprintf(err, errlen, "filter '%s': %s",
					 p->filter, why);
			return rc;
		}
	}
	/* the old session is nobody's once this returns */
	trace_disarm(dp);
	ps_trace_filter_free(session_filter);
	session_filter = f;
	ps_trace_clear();
	/* no worker marks now: packets are numbered per session */
	for (port = 0; port < (int)ps_trace_nb_bufs; port++)
		ps_trace_bufs[port]->seq = 0;
	session.count = p->count;
	session.taken = 0;
	session.filter = f;
	session.log = p->log;
	ps_trace_log = p->log;
	status.count = p->count;
	status.marked = 0;
	status.port = p->port;
	snprintf(status.filter, sizeof(status.filter), "%s",
		 p->filter != NULL ? p->filter : "");
	status.start_tsc = rte_rdtsc();
	clock_gettime(CLOCK_REALTIME, &ts);
	status.start_ns = (uint64_t)ts.tv_sec * 1000000000u +
			  (uint64_t)ts.tv_nsec;
	status.armed = true;
	PS_PORT_FOREACH(port)
		if ((p->port == -1 && ps_ports[port].active) ||
		    port == p->port)
			__atomic_store_n(&ps_trace_armed[port], &session,
					 __ATOMIC_RELEASE);
	TRACE_LOG(INFO, "started: %u packets on %s%s%s\n", p->count,
		  p->port == -1 ? "every port" : ps_ports[p->port].name,
		  p->filter != NULL ? " matching " : "",
		  p->filter != NULL ? p->filter : "");
	return 0;
}

void
ps_trace_status(struct ps_trace_status *st)
{
	*st = status;
	if (status.armed)
		st->marked = __atomic_load_n(&session.taken,
					     __ATOMIC_RELAXED);
	if (st->count != 0 && st->marked > st->count)
		st->marked = st->count;
}

/* The module ------------------------------------------------------------- */

static int
trace_mod_init(struct ps_dataplane *dp)
{
	static const struct ps_trace_params all = { .port = -1, .log = true };
	char err[256];
	int rc;

	if (!ps_graph_trace)
		return 0;
	rc = ps_trace_start(dp, &all, err, sizeof(err));
	if (rc < 0)
		TRACE_LOG(ERR, "--trace: %s\n", err);
	return rc;
}

static void
trace_mod_fini(struct ps_dataplane *dp)
{
	unsigned int i;

	trace_disarm(NULL);
	RTE_SET_USED(dp);
	ps_trace_filter_free(session_filter);
	session_filter = NULL;
	session.filter = NULL;
	ps_trace_log = false;
	/* the workers are gone: a next dataplane gets new buffers */
	for (i = 0; i < ps_trace_nb_bufs; i++) {
		free(ps_trace_bufs[i]);
		ps_trace_bufs[i] = NULL;
	}
	ps_trace_nb_bufs = 0;
	memset(&status, 0, sizeof(status));
	status.port = -1;
}

static void
trace_mod_port_del(struct ps_dataplane *dp, const struct ps_port_config *pc,
		   uint16_t port_id)
{
	RTE_SET_USED(dp);
	RTE_SET_USED(pc);
	/* the grace period that follows covers port_rx's last look */
	__atomic_store_n(&ps_trace_armed[port_id], NULL, __ATOMIC_RELEASE);
}

static struct ps_module trace_module = {
	.name = "trace",
	.init = trace_mod_init,
	.fini = trace_mod_fini,
	.port_del = trace_mod_port_del,
};

PS_MODULE_REGISTER(trace_module);
