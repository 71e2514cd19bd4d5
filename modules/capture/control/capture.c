/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Capture sessions on the management thread: start (compile the filter,
 * make the pool and ring, publish the taps), drain (ring to stream),
 * stop (take the taps back, wait out the workers, drain the rest, free
 * the pool and ring) and forget. See capture_private.h.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_rcu_qsbr.h>

#include <podswitch/module.h>
#include <podswitch/port.h>

#include "capture_private.h"

RTE_LOG_REGISTER(ps_logtype_capture, podswitch.capture, INFO);

#define DRAIN_BURST 64

static struct cap_session *sessions[CAP_MAX_SESSIONS];
static uint32_t next_id = 1;

struct cap_session *
cap_session_at(unsigned int i)
{
	return i < CAP_MAX_SESSIONS ? sessions[i] : NULL;
}

struct cap_session *
cap_session_find(uint32_t id)
{
	unsigned int i;

	for (i = 0; i < CAP_MAX_SESSIONS; i++)
		if (sessions[i] != NULL && sessions[i]->id == id)
			return sessions[i];
	return NULL;
}

const char *
cap_end_name(enum cap_end e)
{
	static const char *const names[] = {
		[CAP_END_NONE] = "running", [CAP_END_COUNT] = "count",
		[CAP_END_STOPPED] = "stopped",
		[CAP_END_CLIENT_GONE] = "client_gone",
		[CAP_END_PORT_REMOVED] = "port_removed",
		[CAP_END_SHUTDOWN] = "shutdown",
	};

	return (unsigned int)e < RTE_DIM(names) ? names[e] : "?";
}

const char *
cap_dirs_name(unsigned int dirs)
{
	return dirs == CAP_DIR_BOTH ? "both" : dirs == CAP_DIR_RX ? "rx" :
		"tx";
}

void
cap_session_counters(const struct cap_session *s, struct cap_counters *c)
{
	unsigned int w;

	memset(c, 0, sizeof(*c));
	for (w = 0; w < PS_MAX_WORKERS; w++) {
		c->seen += s->ws[w].seen;
		c->matched += s->ws[w].matched;
		c->dropped += s->ws[w].dropped;
	}
	c->dropped += s->stream_dropped;
}

/* Is (port, dir) captured by a running session? */
static bool
tap_taken(uint16_t port_id, unsigned int dir)
{
	return ps_capture_taps[dir][port_id] != NULL;
}

static int
session_ports(const struct ps_dataplane *dp, struct cap_session *s,
	      char *why, size_t why_size)
{
	unsigned int i, j, d;
	int id;

	for (i = 0; i < s->rq.nb_ports; i++) {
		id = ps_dataplane_port_by_name(dp, s->rq.ports[i]);
		if (id < 0) {
			snprintf(why, why_size, "no port %s", s->rq.ports[i]);
			return -ENOENT;
		}
		for (j = 0; j < i; j++)
			if (s->port_ids[j] == id) {
				snprintf(why, why_size, "port %s named twice",
					 s->rq.ports[i]);
				return -EINVAL;
			}
		s->port_ids[i] = (uint16_t)id;
		for (d = 0; d < PS_CAPTURE_NB_DIR; d++)
			if ((s->rq.dirs & (1u << d)) && tap_taken((uint16_t)id, d)) {
				snprintf(why, why_size, "port %s is captured "
					 "(%s) by another session",
					 s->rq.ports[i], d == PS_CAPTURE_RX ?
					 "rx" : "tx");
				return -EBUSY;
			}
	}
	return 0;
}

static int
session_rings(struct cap_session *s)
{
	char name[RTE_MEMPOOL_NAMESIZE];

	snprintf(name, sizeof(name), "ps_cap%u", s->id);
	/* Copies longer than one buffer are chained (rte_pktmbuf_copy). */
	s->pool = rte_pktmbuf_pool_create(name, CAP_POOL_SIZE, 64, 0,
					  RTE_MBUF_DEFAULT_BUF_SIZE,
					  (int)rte_socket_id());
	if (s->pool == NULL)
		return -rte_errno;
	s->ring = rte_ring_create(name, CAP_RING_SIZE, (int)rte_socket_id(),
				  RING_F_SC_DEQ);
	if (s->ring == NULL)
		return -rte_errno;
	return 0;
}

static void
session_free(struct cap_session *s)
{
	rte_ring_free(s->ring);
	rte_mempool_free(s->pool);
	ps_pktfilter_free(s->filter);
	free(s->buf);
	free(s);
}

static void
taps_publish(struct cap_session *s)
{
	unsigned int i, d;

	for (i = 0; i < s->rq.nb_ports; i++)
		for (d = 0; d < PS_CAPTURE_NB_DIR; d++) {
			struct cap_tap *t = &s->taps[i][d];

			if (!(s->rq.dirs & (1u << d)))
				continue;
			t->hook.fn = cap_tap_burst;
			t->s = s;
			t->ifidx = (uint16_t)i;
			t->port_id = s->port_ids[i];
			t->dir = d == PS_CAPTURE_RX ? RTE_PCAPNG_DIRECTION_IN :
				RTE_PCAPNG_DIRECTION_OUT;
			__atomic_store_n(&ps_capture_taps[d][t->port_id],
					 &t->hook, __ATOMIC_RELEASE);
		}
}

/* Take back the taps still published; true if there was one. */
static bool
taps_withdraw(struct cap_session *s)
{
	bool any = false;
	unsigned int i, d;

	for (i = 0; i < s->rq.nb_ports; i++)
		for (d = 0; d < PS_CAPTURE_NB_DIR; d++) {
			struct ps_capture_tap **slot =
				&ps_capture_taps[d][s->port_ids[i]];

			if (*slot == &s->taps[i][d].hook) {
				__atomic_store_n(slot, NULL, __ATOMIC_RELEASE);
				any = true;
			}
		}
	return any;
}

struct cap_session *
cap_session_start(struct ps_dataplane *dp, const struct cap_request *rq,
		  int *rc, char *why, size_t why_size)
{
	struct cap_session *s;
	struct timespec ts;
	unsigned int slot;

	for (slot = 0; slot < CAP_MAX_SESSIONS; slot++)
		if (sessions[slot] == NULL)
			break;
	if (slot == CAP_MAX_SESSIONS) {
		snprintf(why, why_size, "%d capture sessions exist already "
			 "(DELETE one)", CAP_MAX_SESSIONS);
		*rc = -ENOSPC;
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		*rc = -ENOMEM;
		snprintf(why, why_size, "out of memory");
		return NULL;
	}
	s->rq = *rq;
	s->id = next_id;
	*rc = session_ports(dp, s, why, why_size);
	if (*rc == 0 && rq->filter[0] != '\0') {
		s->filter = ps_pktfilter_compile(rq->filter, why, why_size);
		if (s->filter == NULL)
			*rc = -EINVAL;
	}
	if (*rc == 0 && (*rc = session_rings(s)) != 0) {
		snprintf(why, why_size, "no memory for the capture's %u "
			 "copies: %s", CAP_POOL_SIZE, rte_strerror(-*rc));
		*rc = -ENOBUFS;
	}
	if (*rc == 0 && (*rc = cap_stream_header(dp, s)) != 0)
		snprintf(why, why_size, "out of memory");
	if (*rc != 0) {
		session_free(s);
		return NULL;
	}
	next_id++;
	clock_gettime(CLOCK_REALTIME, &ts);
	s->t0_tsc = rte_get_tsc_cycles();
	s->t0_ns = (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
	s->started_ms = ps_dataplane_now_ms(dp);
	s->read_ms = s->started_ms;
	sessions[slot] = s;
	taps_publish(s);
	CAP_LOG(INFO, "session %u started: %u port(s) from %s, %s, filter "
		"'%s'%s\n", s->id, rq->nb_ports, rq->ports[0],
		cap_dirs_name(rq->dirs), rq->filter,
		s->filter != NULL && !ps_pktfilter_jitted(s->filter) ?
		" (interpreted)" : "");
	return s;
}

/* Move what the ring holds to the stream, while the count and the
 * stream's room allow; past the count copies are freed unwritten. */
static void
drain(struct cap_session *s, bool all)
{
	struct rte_mbuf *m[DRAIN_BURST];
	unsigned int n, i;

	if (s->ring == NULL)
		return;
	do {
		if (!all && s->len - s->off >= CAP_BUF_MAX)
			return;
		n = rte_ring_sc_dequeue_burst(s->ring, (void **)m, DRAIN_BURST,
					      NULL);
		for (i = 0; i < n; i++) {
			/* past the count: not wanted, not lost either */
			if (s->rq.count != 0 && s->captured >= s->rq.count)
				;
			else if (s->len - s->off < CAP_BUF_MAX &&
				 cap_stream_packet(s, m[i]) == 0)
				s->captured++;
			else
				s->stream_dropped++;
			rte_pktmbuf_free(m[i]);
		}
	} while (n == DRAIN_BURST);
}

/* Stop s; sync: wait for the workers (false once they have ended). */
static void
session_stop(struct ps_dataplane *dp, struct cap_session *s, enum cap_end why,
	     bool sync)
{
	struct cap_counters c;

	if (s->end != CAP_END_NONE)
		return;
	s->end = why;
	s->ended_ms = ps_dataplane_now_ms(dp);
	if (taps_withdraw(s) && sync)
		rte_rcu_qsbr_synchronize(dp->qsv, dp->mgmt_rcu_id);
	/* no worker holds the session now */
	drain(s, true);
	rte_ring_free(s->ring);
	s->ring = NULL;
	rte_mempool_free(s->pool);
	s->pool = NULL;
	cap_session_counters(s, &c);
	CAP_LOG(INFO, "session %u ended (%s): %" PRIu64 " captured, %" PRIu64
		" dropped, %" PRIu64 " seen\n", s->id, cap_end_name(why),
		s->captured, c.dropped, c.seen);
}

void
cap_session_drain(struct ps_dataplane *dp, struct cap_session *s)
{
	drain(s, false);
	if (s->end == CAP_END_NONE && s->rq.count != 0 &&
	    s->captured >= s->rq.count)
		session_stop(dp, s, CAP_END_COUNT, true);
}

void
cap_session_delete(struct ps_dataplane *dp, struct cap_session *s)
{
	unsigned int i;

	session_stop(dp, s, CAP_END_STOPPED, true);
	for (i = 0; i < CAP_MAX_SESSIONS; i++)
		if (sessions[i] == s)
			sessions[i] = NULL;
	session_free(s);
}

static void
capture_poll(struct ps_dataplane *dp, uint32_t now)
{
	uint64_t ms = ps_dataplane_now_ms(dp);
	unsigned int i;

	RTE_SET_USED(now);
	for (i = 0; i < CAP_MAX_SESSIONS; i++) {
		struct cap_session *s = sessions[i];

		if (s == NULL)
			continue;
		cap_session_drain(dp, s);
		if (ms - s->read_ms < CAP_IDLE_MS)
			continue;
		/* Nobody reads it: the client went away. */
		if (s->end == CAP_END_NONE) {
			session_stop(dp, s, CAP_END_CLIENT_GONE, true);
			s->read_ms = ms;
		} else if (ms - s->ended_ms >= CAP_IDLE_MS) {
			CAP_LOG(INFO, "session %u forgotten\n", s->id);
			sessions[i] = NULL;
			session_free(s);
		}
	}
}

/* A removed port ends the sessions that capture it. */
static void
capture_port_del(struct ps_dataplane *dp, const struct ps_port_config *pc,
		 uint16_t port_id)
{
	unsigned int i, j;

	RTE_SET_USED(pc);
	for (i = 0; i < CAP_MAX_SESSIONS; i++) {
		struct cap_session *s = sessions[i];

		for (j = 0; s != NULL && j < s->rq.nb_ports; j++)
			if (s->port_ids[j] == port_id && s->end == CAP_END_NONE)
				session_stop(dp, s, CAP_END_PORT_REMOVED, true);
	}
}

static void
capture_fini(struct ps_dataplane *dp)
{
	unsigned int i;

	/* the workers have ended: nobody to wait for */
	for (i = 0; i < CAP_MAX_SESSIONS; i++)
		if (sessions[i] != NULL) {
			session_stop(dp, sessions[i], CAP_END_SHUTDOWN, false);
			session_free(sessions[i]);
			sessions[i] = NULL;
		}
}

static struct ps_module capture_module = {
	.name = "capture",
	.fini = capture_fini,
	.poll = capture_poll,
	.port_del = capture_port_del,
};

PS_MODULE_REGISTER(capture_module);
