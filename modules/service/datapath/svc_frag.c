/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The fragment table of one worker (svc_frag.h): entries in buckets of
 * SVC_FRAG_BUCKET slots, expired ones reclaimed when their bucket is
 * visited and by a sweep of one bucket per first fragment, so that
 * held fragments of datagrams that never complete are freed too.
 */
#include <rte_cycles.h>
#include <rte_ether.h>
#include <rte_malloc.h>

#include <podswitch/nat.h>

#include "svc_frag.h"

struct svc_frag *
svc_frag_create(int socket)
{
	struct svc_frag *f = rte_zmalloc_socket("ps_svc_frag", sizeof(*f),
						RTE_CACHE_LINE_SIZE, socket);

	if (f == NULL)
		return NULL;
	f->ents = rte_zmalloc_socket("ps_svc_frag_ents",
				     sizeof(*f->ents) * SVC_FRAG_ENTRIES,
				     RTE_CACHE_LINE_SIZE, socket);
	if (f->ents == NULL) {
		rte_free(f);
		return NULL;
	}
	f->mask = SVC_FRAG_ENTRIES / SVC_FRAG_BUCKET - 1;
	f->timeout = rte_get_tsc_hz() * SVC_FRAG_TIMEOUT_MS / 1000;
	return f;
}

void
svc_frag_free(struct svc_frag *f)
{
	uint32_t i, j;

	if (f == NULL)
		return;
	for (i = 0; i < SVC_FRAG_ENTRIES; i++)
		for (j = 0; j < f->ents[i].nb_held; j++)
			rte_pktmbuf_free(f->ents[i].held[j]);
	rte_free(f->ents);
	rte_free(f);
}

static struct svc_frag_ent *
bucket_of(struct svc_frag *f, const struct svc_frag_key *k)
{
	uint32_t h = rte_hash_crc_4byte(k->src, 0x9e3779b9);

	h = rte_hash_crc_4byte(k->dst, h);
	h = rte_hash_crc_4byte((uint32_t)k->id << 8 | k->proto, h);
	return &f->ents[(h & f->mask) * SVC_FRAG_BUCKET];
}

static void
ent_free(struct svc_frag *f, struct svc_frag_ent *e)
{
	uint32_t i;

	for (i = 0; i < e->nb_held; i++)
		rte_pktmbuf_free(e->held[i]);
	f->held -= e->nb_held;
	f->st.expired += e->nb_held;
	e->nb_held = 0;
	e->state = SVC_FRAG_FREE;
	f->st.in_use--;
}

/* k's entry, or NULL with *free_slot a free slot of its bucket (NULL
 * when there is none); expired entries on the way are freed. */
static struct svc_frag_ent *
find(struct svc_frag *f, const struct svc_frag_key *k, uint64_t now,
     struct svc_frag_ent **free_slot)
{
	struct svc_frag_ent *b = bucket_of(f, k);
	unsigned int i;

	*free_slot = NULL;
	for (i = 0; i < SVC_FRAG_BUCKET; i++) {
		struct svc_frag_ent *e = &b[i];

		if (e->state != SVC_FRAG_FREE && e->expire <= now)
			ent_free(f, e);
		if (e->state == SVC_FRAG_FREE) {
			if (*free_slot == NULL)
				*free_slot = e;
			continue;
		}
		if (e->src == k->src && e->dst == k->dst && e->id == k->id &&
		    e->proto == k->proto)
			return e;
	}
	return NULL;
}

static void
sweep(struct svc_frag *f, uint64_t now)
{
	struct svc_frag_ent *b = &f->ents[(f->sweep++ & f->mask) *
					  SVC_FRAG_BUCKET];
	unsigned int i;

	for (i = 0; i < SVC_FRAG_BUCKET; i++)
		if (b[i].state != SVC_FRAG_FREE && b[i].expire <= now)
			ent_free(f, &b[i]);
}

static void
ent_init(struct svc_frag *f, struct svc_frag_ent *e,
	 const struct svc_frag_key *k, uint64_t now)
{
	e->src = k->src;
	e->dst = k->dst;
	e->id = k->id;
	e->proto = k->proto;
	e->seen = 0;
	e->total = 0;
	e->nb_held = 0;
	e->expire = now + f->timeout;
	f->st.in_use++;
}

/* Count fragment ip's payload; the last one (no MF) gives the size. */
static void
account(struct svc_frag_ent *e, const struct rte_ipv4_hdr *ip)
{
	uint16_t fo = rte_be_to_cpu_16(ip->fragment_offset);
	uint32_t pay = rte_be_to_cpu_16(ip->total_length) -
		       (uint32_t)(ip->version_ihl & 0xf) * 4;

	e->seen += pay;
	if (!(fo & RTE_IPV4_HDR_MF_FLAG))
		e->total = (uint32_t)(fo & RTE_IPV4_HDR_OFFSET_MASK) * 8 + pay;
}

static __rte_always_inline struct rte_ipv4_hdr *
ip_of(struct rte_mbuf *m)
{
	return rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *,
				       RTE_ETHER_HDR_LEN);
}

/* The first fragment's addresses on a later one; true when changed. */
static bool
set_addrs(struct rte_mbuf *m, const struct svc_frag_ent *e)
{
	struct rte_ipv4_hdr *ip = ip_of(m);
	struct ps_nat_xlate x = { .src_ip = e->new_src, .dst_ip = e->new_dst };

	if (ip->src_addr != e->new_src)
		x.flags |= PS_NAT_SRC_ADDR;
	if (ip->dst_addr != e->new_dst)
		x.flags |= PS_NAT_DST_ADDR;
	/* no L4 header here: only the addresses and the header checksum */
	return x.flags != 0 && ps_nat_rewrite(m, RTE_ETHER_HDR_LEN, &x) >= 0;
}

static void
settle(struct svc_frag *f, struct svc_frag_ent *e)
{
	if (e->total != 0 && e->seen >= e->total)
		ent_free(f, e);
}

unsigned int
svc_frag_first(struct svc_frag *f, const struct svc_frag_key *k,
	       const struct rte_ipv4_hdr *ip, bool dropped, uint64_t now,
	       struct rte_mbuf **out)
{
	struct svc_frag_ent *e, *slot;
	unsigned int i, n;

	sweep(f, now);
	e = find(f, k, now, &slot);
	if (e == NULL) {
		if (slot == NULL) {
			/* its later fragments find no entry and are
			 * dropped, counted there */
			return 0;
		}
		e = slot;
		ent_init(f, e, k, now);
	}
	e->state = dropped ? SVC_FRAG_DROPPED : SVC_FRAG_KNOWN;
	e->new_src = ip->src_addr;
	e->new_dst = ip->dst_addr;
	f->st.tracked++;
	account(e, ip);
	n = e->nb_held;
	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = e->held[i];

		account(e, ip_of(m));
		if (dropped)
			f->st.of_dropped++;
		else if (set_addrs(m, e))
			f->st.translated++;
		else
			f->st.passed++;
		out[i] = m;
	}
	f->held -= n;
	e->nb_held = 0;
	settle(f, e);
	return n;
}

enum svc_frag_verdict
svc_frag_later(struct svc_frag *f, const struct svc_frag_key *k,
	       struct rte_mbuf *m, uint64_t now)
{
	struct svc_frag_ent *e, *slot;

	e = find(f, k, now, &slot);
	if (e == NULL) {
		if (slot == NULL) {
			f->st.table_full++;
			return SVC_FRAG_DROP_FULL;
		}
		if (f->held >= SVC_FRAG_HELD_MAX) {
			f->st.hold_full++;
			return SVC_FRAG_DROP_HOLD;
		}
		e = slot;
		ent_init(f, e, k, now);
		e->state = SVC_FRAG_PENDING;
	}
	switch (e->state) {
	case SVC_FRAG_PENDING:
		if (e->nb_held == SVC_FRAG_HOLD ||
		    f->held >= SVC_FRAG_HELD_MAX) {
			f->st.hold_full++;
			return SVC_FRAG_DROP_HOLD;
		}
		e->held[e->nb_held++] = m;
		f->held++;
		f->st.held++;
		return SVC_FRAG_HELD;
	case SVC_FRAG_DROPPED:
		account(e, ip_of(m));
		f->st.of_dropped++;
		settle(f, e);
		return SVC_FRAG_DROP_OF_DROPPED;
	default:
		if (set_addrs(m, e))
			f->st.translated++;
		else
			f->st.passed++;
		account(e, ip_of(m));
		settle(f, e);
		return SVC_FRAG_PASS;
	}
}
