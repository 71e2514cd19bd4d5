/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PS_SVC_FRAG_H
#define PS_SVC_FRAG_H

/*
 * Fragment tracking for the service nodes. A non-first IPv4 fragment
 * carries no ports, so the conntrack entry of its datagram cannot be
 * found from it. The first fragment (offset 0, MF) can: when the service
 * path has handled it, the addresses it left with are recorded under
 * what identifies the datagram as it came, (src, dst, protocol, IP id);
 * every later fragment gets the same addresses. Its L4 checksum, in the
 * first fragment, was updated there for the whole datagram. A fragment
 * that comes before its first is held (a few per datagram) until the
 * first comes or the entry expires. Datagrams that pass untranslated
 * are recorded too: nothing tells their fragments from translated ones.
 *
 * One table per worker (the fragments of a datagram hash alike, on
 * addresses only, so they reach one worker): no lock, no allocation in
 * the fast path. Bounded: SVC_FRAG_ENTRIES entries, SVC_FRAG_HOLD
 * fragments held per entry and SVC_FRAG_HELD_MAX per worker, entries
 * live SVC_FRAG_TIMEOUT_MS. What does not fit is dropped and counted.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_hash_crc.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include <podswitch/graph.h>

#define SVC_FRAG_ENTRIES 1024	/* per worker, a power of two */
#define SVC_FRAG_BUCKET 8
#define SVC_FRAG_HOLD 4
/* the pool has room for them (PS_NODE_HELD_MAX) */
#define SVC_FRAG_HELD_MAX PS_NODE_HELD_MAX
#define SVC_FRAG_TIMEOUT_MS 2000

enum svc_frag_state {
	SVC_FRAG_FREE,
	SVC_FRAG_PENDING,	/* later fragments held, first not seen */
	SVC_FRAG_KNOWN,		/* new_src/new_dst are the datagram's */
	SVC_FRAG_DROPPED,	/* the first was dropped: so are the rest */
};

struct svc_frag_ent {
	uint32_t src, dst;		/* as received, network order */
	uint16_t id;
	uint8_t proto;
	uint8_t state;
	uint32_t new_src, new_dst;
	uint32_t seen;			/* payload bytes seen */
	uint32_t total;			/* payload of the datagram; 0: unknown */
	uint64_t expire;		/* TSC */
	uint32_t nb_held;
	struct rte_mbuf *held[SVC_FRAG_HOLD];
};

struct svc_frag_stats {
	uint64_t tracked;	/* first fragments recorded */
	uint64_t translated;	/* later fragments given new addresses */
	uint64_t passed;	/* later fragments of untranslated datagrams */
	uint64_t held;		/* later fragments held for their first */
	uint64_t table_full;	/* dropped: no free entry */
	uint64_t hold_full;	/* dropped: no room to hold */
	uint64_t of_dropped;	/* dropped: their first was dropped */
	uint64_t expired;	/* held fragments freed with their entry */
	uint64_t in_use;	/* entries now (a gauge) */
};

struct svc_frag {
	struct svc_frag_ent *ents;	/* buckets x SVC_FRAG_BUCKET */
	uint32_t mask;			/* buckets - 1 */
	uint32_t sweep;			/* next bucket to sweep */
	uint32_t held;			/* mbufs held now */
	uint64_t timeout;		/* TSC cycles */
	struct svc_frag_stats st;
} __rte_cache_aligned;

/* Outcomes of svc_frag_later(). */
enum svc_frag_verdict {
	SVC_FRAG_PASS,		/* forward (addresses set if the first's were) */
	SVC_FRAG_HELD,		/* kept: the table owns the mbuf now */
	SVC_FRAG_DROP_FULL,
	SVC_FRAG_DROP_HOLD,
	SVC_FRAG_DROP_OF_DROPPED,
};

/* Management thread: one table per worker (NULL on no memory). */
struct svc_frag *svc_frag_create(int socket);
/* Frees the held fragments too. */
void svc_frag_free(struct svc_frag *f);

static __rte_always_inline bool
svc_frag_is_fragment(const struct rte_ipv4_hdr *ip)
{
	return (ip->fragment_offset &
		RTE_BE16(RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)) != 0;
}

static __rte_always_inline bool
svc_frag_is_first(const struct rte_ipv4_hdr *ip)
{
	return (ip->fragment_offset &
		RTE_BE16(RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)) ==
	       RTE_BE16(RTE_IPV4_HDR_MF_FLAG);
}

/* The identity of a datagram, taken from one of its fragments before
 * anything rewrote it. */
struct svc_frag_key {
	uint32_t src, dst;
	uint16_t id;
	uint8_t proto;
};

static __rte_always_inline void
svc_frag_key_of(const struct rte_ipv4_hdr *ip, struct svc_frag_key *k)
{
	k->src = ip->src_addr;
	k->dst = ip->dst_addr;
	k->id = ip->packet_id;
	k->proto = ip->next_proto_id;
}

/*
 * The first fragment of datagram k was handled: it leaves with
 * addresses (src, dst), or was dropped (dropped true). Fragments held
 * for it are returned in out (at most SVC_FRAG_HOLD), with the new
 * addresses written when they changed (the caller forwards them, or
 * frees them when dropped). Returns how many.
 */
unsigned int svc_frag_first(struct svc_frag *f, const struct svc_frag_key *k,
			    const struct rte_ipv4_hdr *ip, bool dropped,
			    uint64_t now, struct rte_mbuf **out);

/* A later fragment m (not the first) of datagram k. */
enum svc_frag_verdict svc_frag_later(struct svc_frag *f,
				     const struct svc_frag_key *k,
				     struct rte_mbuf *m, uint64_t now);

#endif
