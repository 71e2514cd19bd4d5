/* SPDX-License-Identifier: BSD-3-Clause */
/* Creating and freeing a conntrack table; timeouts; state names. */
#include <rte_errno.h>
#include <rte_malloc.h>

#include "ct_private.h"

RTE_LOG_REGISTER(ps_logtype_ct, podswitch.conntrack, INFO);

/* Create / free ---------------------------------------------------------- */

void
ps_ct_timeouts_default(struct ps_ct_timeouts *t)
{
	const struct ps_ct_timeouts d = PS_CT_TIMEOUTS_DEFAULT;

	*t = d;
}

static void
set_timeouts(struct ps_ct *ct, const struct ps_ct_timeouts *in)
{
	struct ps_ct_timeouts t;

	ps_ct_timeouts_default(&t);
#define TO(f) do { if (in->f != 0) t.f = in->f; } while (0)
	TO(tcp_syn_sent); TO(tcp_syn_recv); TO(tcp_established);
	TO(tcp_fin_wait); TO(tcp_close_wait); TO(tcp_last_ack);
	TO(tcp_time_wait); TO(tcp_close); TO(udp_single); TO(udp_stream);
	TO(icmp);
#undef TO
	ct->timeout[PS_CT_NONE] = t.tcp_close;
	ct->timeout[PS_CT_TCP_SYN_SENT] = t.tcp_syn_sent;
	ct->timeout[PS_CT_TCP_SYN_RECV] = t.tcp_syn_recv;
	ct->timeout[PS_CT_TCP_ESTABLISHED] = t.tcp_established;
	ct->timeout[PS_CT_TCP_FIN_WAIT] = t.tcp_fin_wait;
	ct->timeout[PS_CT_TCP_CLOSE_WAIT] = t.tcp_close_wait;
	ct->timeout[PS_CT_TCP_LAST_ACK] = t.tcp_last_ack;
	ct->timeout[PS_CT_TCP_TIME_WAIT] = t.tcp_time_wait;
	ct->timeout[PS_CT_TCP_CLOSE] = t.tcp_close;
	ct->timeout[PS_CT_UDP_SINGLE] = t.udp_single;
	ct->timeout[PS_CT_UDP_STREAM] = t.udp_stream;
	ct->timeout[PS_CT_ICMP] = t.icmp;
}

struct ps_ct *
ps_ct_create(const struct ps_ct_params *p)
{
	char rname[RTE_RING_NAMESIZE], qname[RTE_RING_NAMESIZE];
	uint64_t nb_slots;
	struct ps_ct *ct;
	uint32_t i, nb_buckets;

	if (p->size == 0 || p->size > (1u << 26)) {
		rte_errno = EINVAL;
		return NULL;
	}
	ct = rte_zmalloc_socket("ps_ct", sizeof(*ct), RTE_CACHE_LINE_SIZE,
				p->socket);
	if (ct == NULL)
		return NULL;
	ct->size = p->size;
	ct->release = p->release;
	ct->release_arg = p->release_arg;
	set_timeouts(ct, &p->timeouts);
	/* Index at most half full: 2 tuples per entry, 2 slots per tuple. */
	nb_slots = rte_align64pow2((uint64_t)p->size * 4);
	nb_buckets = (uint32_t)RTE_MAX(nb_slots / BUCKET_SLOTS, 2ULL);
	ct->bucket_mask = nb_buckets - 1;
	ct->buckets = rte_zmalloc_socket("ps_ct_idx",
					 sizeof(struct ct_bucket) * nb_buckets,
					 RTE_CACHE_LINE_SIZE, p->socket);
	ct->nb_entries = p->size + RTE_MAX_LCORE * CT_CACHE;
	ct->entries = rte_zmalloc_socket("ps_ct_e",
					 sizeof(struct ps_ct_entry) *
					 ct->nb_entries, RTE_CACHE_LINE_SIZE,
					 p->socket);
	snprintf(rname, sizeof(rname), "ctf_%s", p->name);
	ct->free_ring = rte_ring_create_elem(rname, sizeof(uint32_t),
					     ct->nb_entries, p->socket,
					     RING_F_EXACT_SZ);
	if (ct->buckets == NULL || ct->entries == NULL ||
	    ct->free_ring == NULL) {
		CT_LOG(ERR, "cannot create table %s of %u entries: %s\n",
		       p->name, p->size, rte_strerror(rte_errno));
		ps_ct_free(ct);
		return NULL;
	}
	for (i = 0; i < ct->nb_entries; i++) {
		rte_ring_enqueue_elem(ct->free_ring, &i, sizeof(i));
	}
	if (p->qsv != NULL) {
		struct rte_rcu_qsbr_dq_parameters dp = {
			.name = qname,
			.flags = RTE_RCU_QSBR_DQ_MT_UNSAFE,
			.size = ct->nb_entries,
			.esize = sizeof(uint32_t),
			/* reclaim on enqueue once a burst is waiting */
			.trigger_reclaim_limit = 1024,
			.max_reclaim_size = 1024,
			.free_fn = ct_entry_reclaimed,
			.p = ct,
			.v = p->qsv,
		};

		snprintf(qname, sizeof(qname), "ctq_%s", p->name);
		ct->dq = rte_rcu_qsbr_dq_create(&dp);
		if (ct->dq == NULL) {
			CT_LOG(ERR, "cannot create the defer queue of %s: %s\n",
			       p->name, rte_strerror(rte_errno));
			ps_ct_free(ct);
			return NULL;
		}
	}
	return ct;
}

void
ps_ct_free(struct ps_ct *ct)
{
	if (ct == NULL)
		return;
	if (ct->dq != NULL)
		rte_rcu_qsbr_dq_delete(ct->dq);
	rte_ring_free(ct->free_ring);
	rte_free(ct->buckets);
	rte_free(ct->entries);
	rte_free(ct);
}

const char *
ps_ct_state_name(enum ps_ct_state s)
{
	static const char *const names[PS_CT_STATE_MAX] = {
		[PS_CT_NONE] = "NONE",
		[PS_CT_TCP_SYN_SENT] = "SYN_SENT",
		[PS_CT_TCP_SYN_RECV] = "SYN_RECV",
		[PS_CT_TCP_ESTABLISHED] = "ESTABLISHED",
		[PS_CT_TCP_FIN_WAIT] = "FIN_WAIT",
		[PS_CT_TCP_CLOSE_WAIT] = "CLOSE_WAIT",
		[PS_CT_TCP_LAST_ACK] = "LAST_ACK",
		[PS_CT_TCP_TIME_WAIT] = "TIME_WAIT",
		[PS_CT_TCP_CLOSE] = "CLOSE",
		[PS_CT_UDP_SINGLE] = "UNREPLIED",
		[PS_CT_UDP_STREAM] = "ASSURED",
		[PS_CT_ICMP] = "ICMP",
	};

	return (unsigned int)s < PS_CT_STATE_MAX ? names[s] : "?";
}
