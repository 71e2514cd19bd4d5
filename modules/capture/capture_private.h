/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PS_CAPTURE_PRIVATE_H
#define PS_CAPTURE_PRIVATE_H

/*
 * Capture sessions (docs/operations.md, "Capture"): the management
 * thread's sessions, the taps the workers run, the pcapng stream.
 *
 * A session names ports and a direction. For each (port, direction) it
 * publishes a tap in ps_capture_taps (include/podswitch/capture.h);
 * workers run the tap on every burst of that port: the filter, then a
 * pcapng copy (rte_pcapng_copy: the Enhanced Packet Block around at most
 * snaplen bytes, the direction flag, the queue) from the session's own
 * mempool onto its ring. A full pool or ring loses the copy and counts
 * it; forwarding never waits. The management thread drains the ring into
 * the session's stream, which the client reads in pieces over REST
 * (GET /v1/captures/{id}).
 *
 * Interface ids in the file are the session's own: the i-th port named
 * is interface i, described by a block with the podswitch port name (a
 * port need not be an ethdev: af_packet and ring ports are not).
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_mempool.h>
#include <rte_pcapng.h>
#include <rte_ring.h>

#include <podswitch/capture.h>
#include <podswitch/config.h>
#include <podswitch/dataplane.h>
#include <podswitch/pktfilter.h>

extern int ps_logtype_capture;
#define CAP_LOG(level, ...) \
	rte_log(RTE_LOG_ ## level, ps_logtype_capture, "capture: " __VA_ARGS__)

#define CAP_MAX_SESSIONS 8
#define CAP_MAX_PORTS 16		/* ports per session */
#define CAP_FILTER_MAX 1024		/* bytes of a filter expression */
#define CAP_SNAPLEN_DEFAULT 65535
#define CAP_SNAPLEN_MAX 65535
/* copies in flight per session: the pool and the ring */
#define CAP_POOL_SIZE 1023
#define CAP_RING_SIZE 1024
/* stream bytes not yet read: the drain waits beyond (the ring fills) */
#define CAP_BUF_MAX (16u << 20)
/* a session nobody reads for this long ends (the client went away) and
 * one that ended is forgotten */
#define CAP_IDLE_MS 10000

enum cap_dirs {
	CAP_DIR_RX = 1u << PS_CAPTURE_RX,
	CAP_DIR_TX = 1u << PS_CAPTURE_TX,
	CAP_DIR_BOTH = CAP_DIR_RX | CAP_DIR_TX,
};

/* What a client asks for (POST /v1/captures). */
struct cap_request {
	char ports[CAP_MAX_PORTS][PS_NAME_MAX];
	unsigned int nb_ports;
	unsigned int dirs;		/* enum cap_dirs */
	char filter[CAP_FILTER_MAX];
	uint64_t count;			/* packets; 0: until stopped */
	uint32_t snaplen;
};

/* Each worker counts in its own line. */
struct cap_worker_stats {
	uint64_t seen;		/* packets the taps looked at */
	uint64_t matched;	/* that passed the filter */
	uint64_t dropped;	/* matched, lost: pool or ring full */
} __rte_cache_aligned;

struct cap_session;

/* One (port, direction) of a session, as the workers see it. */
struct cap_tap {
	struct ps_capture_tap hook;	/* first: what ps_capture_taps holds */
	struct cap_session *s;
	uint16_t ifidx;			/* interface id in the file */
	uint16_t port_id;
	enum rte_pcapng_direction dir;
};

/* Why a session stopped. */
enum cap_end {
	CAP_END_NONE,		/* running */
	CAP_END_COUNT,		/* count packets were captured */
	CAP_END_STOPPED,	/* DELETE */
	CAP_END_CLIENT_GONE,	/* nobody read it for CAP_IDLE_MS */
	CAP_END_PORT_REMOVED,
	CAP_END_SHUTDOWN,
};

struct cap_session {
	uint32_t id;
	struct cap_request rq;
	uint16_t port_ids[CAP_MAX_PORTS];
	struct ps_pktfilter *filter;	/* NULL: every packet */
	/* while running: the copies' pool and ring, the published taps */
	struct rte_mempool *pool;
	struct rte_ring *ring;
	struct cap_tap taps[CAP_MAX_PORTS][PS_CAPTURE_NB_DIR];
	enum cap_end end;
	/* the pcapng stream: buf[off..len) not read yet */
	uint8_t *buf;
	size_t off, len, size;
	uint64_t captured;	/* packets written to the stream */
	uint64_t stream_dropped;	/* drained, no room in the stream */
	uint64_t bytes;		/* stream bytes so far */
	/* the clock at the start, for the packets' timestamps: ns since
	 * the epoch and the TSC then */
	uint64_t t0_ns;
	uint64_t t0_tsc;
	uint64_t started_ms;	/* ps_dataplane_now_ms() at creation */
	uint64_t ended_ms;
	uint64_t read_ms;	/* last read by the client */
	struct cap_worker_stats ws[PS_MAX_WORKERS];
};

/* Totals of a session's worker counters. */
struct cap_counters {
	uint64_t seen, matched, dropped;
};

/* control/capture.c ---------------------------------------------------- */

/*
 * Start a session. Returns it, or NULL with rc: -ENOENT (a port named
 * is not there: why names it), -EINVAL (the filter: why is libpcap's
 * message), -EBUSY (another session captures that port and direction),
 * -ENOSPC (CAP_MAX_SESSIONS), -ENOBUFS (no memory for the copies),
 * -ENOMEM.
 */
struct cap_session *cap_session_start(struct ps_dataplane *dp,
				      const struct cap_request *rq, int *rc,
				      char *why, size_t why_size);
/* The session of id, or NULL. */
struct cap_session *cap_session_find(uint32_t id);
/* The i-th slot (NULL when empty), i < CAP_MAX_SESSIONS. */
struct cap_session *cap_session_at(unsigned int i);
/* Stop it (when running) and forget it. */
void cap_session_delete(struct ps_dataplane *dp, struct cap_session *s);
/* Drain the ring into the stream now (the poll hook does it too). */
void cap_session_drain(struct ps_dataplane *dp, struct cap_session *s);
/* Sum of the workers' counters. */
void cap_session_counters(const struct cap_session *s, struct cap_counters *c);
const char *cap_end_name(enum cap_end e);
const char *cap_dirs_name(unsigned int dirs);

/* control/capture_pcapng.c --------------------------------------------- */

/* Append len bytes to the stream. 0 or -ENOMEM. */
int cap_stream_put(struct cap_session *s, const void *data, size_t len);
/* The section header and one interface block per port. 0 or -ENOMEM. */
int cap_stream_header(const struct ps_dataplane *dp, struct cap_session *s);
/* One Enhanced Packet Block from its rte_pcapng_copy mbuf. */
int cap_stream_packet(struct cap_session *s, const struct rte_mbuf *m);

/* datapath/capture_tap.c ----------------------------------------------- */

/* The tap function (struct ps_capture_tap). */
void cap_tap_burst(struct ps_capture_tap *t, struct rte_mbuf **pkts,
		   uint16_t n, uint16_t queue, unsigned int worker);

#endif
