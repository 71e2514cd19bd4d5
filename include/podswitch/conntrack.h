/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PODSWITCH_CONNTRACK_H
#define PODSWITCH_CONNTRACK_H

/*
 * Connection tracking for the service load balancer.
 *
 * One entry per connection, indexed under both its original and its reply
 * tuple (the reply one as it looks after NAT), so the two directions find
 * the same entry whichever worker receives them.
 *
 * Workers write this table: the first packet of a connection creates the
 * entry on the fast path. Creation takes no lock, makes no syscall and
 * allocates nothing: entries are preallocated (per-lcore caches over a
 * shared ring) and published in a lock-free index of CAS slots. When two
 * workers race to create the same connection exactly one wins and the
 * other gets the winner's entry (PS_CT_EXISTS), so both use one backend.
 *
 * The management thread ages (ps_ct_expire, a bounded slice per call),
 * deletes, flushes and walks. A deleted entry leaves the index at once and
 * its memory is reused only after an RCU grace period of qsv.
 *
 * Full table: a new connection is refused (-ENOSPC) and counted in
 * stats.full; live entries are never evicted to make room.
 *
 * Tuples are in network byte order, as in the packet headers. ICMP echo
 * carries the identifier in both ports (see ps_ct_tuple_icmp).
 *
 * A worker, per packet:
 *   e = lookup(tuple)              (bulk; dir tells which way it goes)
 *   if e: ps_ct_update(e, dir, pkt) == PS_CT_INVALID -> drop; else NAT
 *         by e->nat for dir
 *   else: ps_ct_pkt_can_create(pkt) or drop (e.g. a TCP ACK for an
 *         unknown connection); choose the backend; reply = the tuple the
 *         backend's answers will carry; ps_ct_add(orig, reply, nat, pkt):
 *         CREATED -> NAT with our choice; EXISTS -> another worker won:
 *         ps_ct_update and NAT with e->nat; -EEXIST -> another NAT port;
 *         -ENOSPC -> drop (counted).
 * The management thread, each pass: ps_ct_set_now(seconds),
 * ps_ct_expire(budget) (it also reclaims).
 * ps_ct_free only when no reader is online any more.
 */

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_rcu_qsbr.h>

#include <podswitch/config.h>

extern int ps_logtype_ct;

enum ps_ct_dir {
	PS_CT_DIR_ORIG = 0,
	PS_CT_DIR_REPLY = 1,
};

struct ps_ct_tuple {
	uint32_t src_ip;
	uint32_t dst_ip;
	uint16_t src_port;	/* ICMP echo: the identifier */
	uint16_t dst_port;	/* ICMP echo: the identifier */
	uint8_t proto;		/* IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP */
	uint8_t pad[3];		/* zero: tuples are compared as 16 bytes */
};

/*
 * What the load balancer decided for the connection. Conntrack only
 * stores it: the addresses mean what the NAT code wants, and what the
 * connection holds (a SNAT port, a count against endpoint_id) is its
 * owner's to give back, from the release callback (ps_ct_params).
 */
#define PS_CT_NO_ENDPOINT UINT32_MAX
struct ps_ct_nat {
	uint32_t dnat_ip;
	uint32_t snat_ip;
	uint16_t dnat_port;
	uint16_t snat_port;
	uint32_t service_id;
	uint32_t endpoint_id;	/* PS_CT_NO_ENDPOINT: none */
};

enum ps_ct_state {
	PS_CT_NONE = 0,
	PS_CT_TCP_SYN_SENT,
	PS_CT_TCP_SYN_RECV,
	PS_CT_TCP_ESTABLISHED,
	PS_CT_TCP_FIN_WAIT,	/* one side sent FIN */
	PS_CT_TCP_CLOSE_WAIT,	/* that FIN acknowledged, other side open */
	PS_CT_TCP_LAST_ACK,	/* FIN from both sides */
	PS_CT_TCP_TIME_WAIT,	/* the last FIN acknowledged */
	PS_CT_TCP_CLOSE,	/* reset */
	PS_CT_UDP_SINGLE,	/* original direction only */
	PS_CT_UDP_STREAM,	/* seen both ways */
	PS_CT_ICMP,
	PS_CT_STATE_MAX,
};

/* Entry flags (entry->flags, atomic bits). */
#define PS_CT_F_ASSURED 0x1	/* seen both ways / handshake done */
#define PS_CT_F_DYING 0x2	/* deleted, waiting for the grace period */

/* Per direction sender view for the coarse TCP window check. */
struct ps_ct_tcp_dir {
	uint32_t end;		/* highest seq + len sent */
	uint32_t maxend;	/* highest ack + window the peer allowed */
	uint32_t maxwin;	/* largest window advertised (scaled) */
	uint16_t syn_len;	/* data carried by its SYN (Fast Open) */
	uint8_t wscale;		/* as in its SYN: PS_CT_WSCALE*() */
	uint8_t fin;		/* 1: FIN sent, 2: and acknowledged */
};

/*
 * An entry, as workers and the walk see it. Read-only to consumers except
 * through the functions below. The tuples and nat are stable for the
 * entry's life; state, flags and last_seen change under concurrent
 * workers (atomic), counters are approximate when one direction is spread
 * over several workers.
 */
struct ps_ct_entry {
	/* first cache line: what a lookup and the NAT need */
	struct ps_ct_tuple tuple[2];	/* [PS_CT_DIR_ORIG], [PS_CT_DIR_REPLY] */
	struct ps_ct_nat nat;
	uint32_t last_seen;		/* seconds, ps_ct_now() clock */
	uint8_t status;			/* private: publication state */
	uint8_t state;			/* enum ps_ct_state */
	uint8_t proto;
	uint8_t pad;
	uint16_t flags;			/* PS_CT_F_* */
	uint16_t pad2;
	/* second cache line: statistics and TCP tracking */
	uint64_t packets[2] __rte_cache_aligned;
	uint64_t bytes[2];
	struct ps_ct_tcp_dir tcp[2];
} __rte_cache_aligned;

/*
 * What the per-packet state machine needs from the L4 header. TCP fields
 * are host byte order; win is the raw header window. wscale matters on
 * SYNs only: PS_CT_WSCALE(shift) for a window-scale option, or
 * PS_CT_WSCALE_NONE for a SYN parsed and found without one. Zero (not
 * parsed) makes the window check assume the largest shift, 14: a
 * zero-initialised packet never gets a real connection dropped.
 */
#define PS_CT_WSCALE_UNKNOWN 0
#define PS_CT_WSCALE_NONE 0x40
#define PS_CT_WSCALE(shift) (0x80 | ((shift) & 0x3f))
struct ps_ct_pkt {
	uint32_t seq;
	uint32_t ack;
	uint32_t payload_len;	/* L4 payload bytes */
	uint32_t bytes;		/* frame bytes, for the counters */
	uint16_t win;
	uint8_t tcp_flags;	/* RTE_TCP_*_FLAG */
	uint8_t wscale;
	uint8_t icmp_type;	/* for ICMP: echo request 8 / reply 0 */
	/*
	 * 1: a TCP ACK of the original direction may create the entry as an
	 * established connection picked up mid-stream (Linux's tcp_loose),
	 * for a caller that knows where the connection went before it lost
	 * the entry (a restart); the windows start wide open and narrow as
	 * both sides are seen.
	 */
	uint8_t loose;
};

struct ps_ct_params {
	const char *name;		/* unique among live tables */
	uint32_t size;			/* connections */
	int socket;
	struct rte_rcu_qsbr *qsv;	/* NULL: no concurrent readers */
	struct ps_ct_timeouts timeouts;	/* zero fields take the defaults */
	/*
	 * Optional: called on the management thread for every live entry
	 * deleted (expiry, ps_ct_del, delete_if, flush), once both of its
	 * keys are out of the index, so its owner can give back what the
	 * entry held (a SNAT port, an endpoint's connection count): no
	 * lookup can find the entry any more, though its memory waits for
	 * the grace period.
	 */
	void (*release)(const struct ps_ct_entry *e, void *arg);
	void *release_arg;
};

enum ps_ct_verdict {
	PS_CT_VALID = 0,
	PS_CT_INVALID = 1,	/* drop the packet; the entry is unchanged */
};

/* ps_ct_add results besides -errno. */
#define PS_CT_CREATED 0
#define PS_CT_EXISTS 1

struct ps_ct_stats {
	uint32_t size;
	uint32_t entries;	/* live */
	uint32_t pending_free;	/* deleted, waiting for a grace period */
	uint64_t created;
	uint64_t full;		/* refused: table full */
	uint64_t index_full;	/* refused: both index buckets full */
	uint64_t clash;		/* refused: reply tuple used by another */
	uint64_t races_lost;	/* another worker created it first */
	uint64_t contended;	/* creations that met another in progress */
	uint64_t invalid;	/* packets given PS_CT_INVALID */
	uint64_t invalid_new;	/* of those: could not start a connection */
	uint64_t expired;
	uint64_t deleted;	/* by flush, delete_if, del */
};

struct ps_ct;

struct ps_ct *ps_ct_create(const struct ps_ct_params *p);
void ps_ct_free(struct ps_ct *ct);
/* The defaults of every timeout (Linux's, established 86400 s). */
void ps_ct_timeouts_default(struct ps_ct_timeouts *t);

/* Tuple helpers -------------------------------------------------------- */

static inline void
ps_ct_tuple_set(struct ps_ct_tuple *t, uint8_t proto, uint32_t src_ip,
		uint32_t dst_ip, uint16_t src_port, uint16_t dst_port)
{
	t->src_ip = src_ip;
	t->dst_ip = dst_ip;
	t->src_port = src_port;
	t->dst_port = dst_port;
	t->proto = proto;
	t->pad[0] = t->pad[1] = t->pad[2] = 0;
}

/* ICMP echo request or reply between src and dst with identifier id. */
static inline void
ps_ct_tuple_icmp(struct ps_ct_tuple *t, uint32_t src_ip, uint32_t dst_ip,
		 uint16_t id)
{
	ps_ct_tuple_set(t, IPPROTO_ICMP, src_ip, dst_ip, id, id);
}

/* The tuple of the other direction (without NAT). */
static inline void
ps_ct_tuple_reverse(struct ps_ct_tuple *r, const struct ps_ct_tuple *t)
{
	ps_ct_tuple_set(r, t->proto, t->dst_ip, t->src_ip, t->dst_port,
			t->src_port);
}

/* Fast path ------------------------------------------------------------ */

/*
 * Look up n tuples. out[i] is the live entry or NULL, dir[i] the
 * direction the tuple matched. Entries stay readable until this thread
 * reports a quiescent state.
 */
void ps_ct_lookup_bulk(struct ps_ct *ct, const struct ps_ct_tuple *const t[],
		       unsigned int n, struct ps_ct_entry *out[],
		       uint8_t dir[]);
struct ps_ct_entry *ps_ct_lookup(struct ps_ct *ct, const struct ps_ct_tuple *t,
				 uint8_t *dir);

/* Whether pkt may start a connection: TCP SYN without ACK/RST/FIN, UDP,
 * ICMP echo request. Check before choosing a backend. */
bool ps_ct_pkt_can_create(uint8_t proto, const struct ps_ct_pkt *pkt);

/*
 * Create the connection orig/reply for its first packet pkt, or find the
 * one another worker created first. Returns PS_CT_CREATED with *e the new
 * entry (state set from pkt, endpoint counted), PS_CT_EXISTS with *e the
 * winner and *dir the direction orig matched in it (the caller must use
 * the winner's nat, and should run ps_ct_update with pkt), or -EINVAL
 * (pkt cannot start a connection: counted invalid), -ENOSPC (table full
 * of other connections: a worker racing another to create this one gets
 * PS_CT_EXISTS even when it took the last room), -EEXIST (reply is the
 * tuple of another connection: pick another NAT port), -EPROTONOSUPPORT.
 */
int ps_ct_add(struct ps_ct *ct, const struct ps_ct_tuple *orig,
	      const struct ps_ct_tuple *reply, const struct ps_ct_nat *nat,
	      const struct ps_ct_pkt *pkt, struct ps_ct_entry **e,
	      uint8_t *dir);

/*
 * Put back a connection from a dump (management thread, before workers
 * read the table): img's tuples, nat, state, flags, TCP tracking and
 * counters; its clock starts again now. PS_CT_CREATED, or -EEXIST (a
 * tuple is taken), -ENOSPC, -EINVAL (not a restorable entry).
 */
int ps_ct_restore(struct ps_ct *ct, const struct ps_ct_entry *img);

/* Run the state machine for a packet of e in direction dir; refreshes
 * last_seen and the counters when valid. */
enum ps_ct_verdict ps_ct_update(struct ps_ct *ct, struct ps_ct_entry *e,
				uint8_t dir, const struct ps_ct_pkt *pkt);

/* Management thread ---------------------------------------------------- */

/* The table's clock in seconds; the management thread advances it. */
void ps_ct_set_now(struct ps_ct *ct, uint32_t now);
uint32_t ps_ct_now(const struct ps_ct *ct);
/* Seconds e still has to live (0: expired). */
uint32_t ps_ct_ttl(const struct ps_ct *ct, const struct ps_ct_entry *e);

/*
 * Visit up to budget entry slots from where the last call stopped and
 * delete the expired ones. Returns the number deleted. A full pass over
 * the table takes size / budget calls.
 */
unsigned int ps_ct_expire(struct ps_ct *ct, unsigned int budget);
/* Delete one connection. Returns 0 or -ENOENT (already dying). */
int ps_ct_del(struct ps_ct *ct, struct ps_ct_entry *e);
/* Delete every connection; safe while workers run. Returns deleted. */
unsigned int ps_ct_flush(struct ps_ct *ct);
/* Delete the connections pred accepts. Returns deleted. */
typedef bool (*ps_ct_pred)(const struct ps_ct_entry *e, void *arg);
unsigned int ps_ct_delete_if(struct ps_ct *ct, ps_ct_pred pred, void *arg);
/* Hand back the memory of deleted entries whose grace period is over. */
unsigned int ps_ct_reclaim(struct ps_ct *ct);

/* Calls cb for every live entry until it returns non-zero (returned). */
typedef int (*ps_ct_walk_cb)(const struct ps_ct_entry *e, void *arg);
int ps_ct_walk(const struct ps_ct *ct, ps_ct_walk_cb cb, void *arg);

void ps_ct_stats(const struct ps_ct *ct, struct ps_ct_stats *st);
const char *ps_ct_state_name(enum ps_ct_state s);

#endif
