/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-packet state machines: TCP (handshake, FIN each way, reset, a coarse
 * sequence-window check), UDP (unreplied / seen both ways) and ICMP echo.
 *
 * Both directions of a connection may be handled by two workers at once,
 * so state changes are atomic: the closing states are derived from per
 * direction FIN bits that only ever get set, and the state only moves
 * forward (CAS) except for the explicit reopen from TIME_WAIT/CLOSE.
 * The window bookkeeping is plain stores: it is a sanity bound, not an
 * exact replica of either end.
 */
#include <netinet/in.h>
#include <string.h>

#include <rte_icmp.h>
#include <rte_tcp.h>

#include "ct_private.h"

/* Floor for the window-based bounds: a peer that never advertised a big
 * window may still have an ack or segment this far out. */
#define MIN_WIN 66000u
#define MAX_WSCALE 14
/* How far past the receiver's window a segment may start: a little, as
 * the window update that allows it may have been handled by another
 * worker a moment later. */
#define SEQ_SLACK 16384u

enum pkt_class {
	C_SYN,
	C_SYNACK,
	C_FIN,
	C_ACK,
	C_RST,
	C_BAD,
};

static inline bool
seq_before(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

static inline bool
seq_after(uint32_t a, uint32_t b)
{
	return seq_before(b, a);
}

static enum pkt_class
classify(uint8_t f)
{
	if (f & RTE_TCP_SYN_FLAG) {
		if (f & (RTE_TCP_RST_FLAG | RTE_TCP_FIN_FLAG))
			return C_BAD;
		return (f & RTE_TCP_ACK_FLAG) ? C_SYNACK : C_SYN;
	}
	if (f & RTE_TCP_RST_FLAG)
		return (f & RTE_TCP_FIN_FLAG) ? C_BAD : C_RST;
	/* FIN without ACK is not something a TCP stack sends */
	if (f & RTE_TCP_FIN_FLAG)
		return (f & RTE_TCP_ACK_FLAG) ? C_FIN : C_BAD;
	return (f & RTE_TCP_ACK_FLAG) ? C_ACK : C_BAD;
}

bool
ct_pkt_can_create(uint8_t proto, const struct ps_ct_pkt *pkt)
{
	switch (proto) {
	case IPPROTO_TCP:
		return classify(pkt->tcp_flags) == C_SYN ||
		       (pkt->loose && classify(pkt->tcp_flags) == C_ACK);
	case IPPROTO_UDP:
		return true;
	case IPPROTO_ICMP:
		return pkt->icmp_type == RTE_IP_ICMP_ECHO_REQUEST;
	default:
		return false;
	}
}

/* Sequence space a segment occupies: SYN and FIN count one each. */
static inline uint32_t
seg_end(const struct ps_ct_pkt *pkt)
{
	uint32_t end = pkt->seq + pkt->payload_len;

	if (pkt->tcp_flags & (RTE_TCP_SYN_FLAG | RTE_TCP_FIN_FLAG))
		end++;
	return end;
}

static void
tcp_dir_syn(struct ps_ct_tcp_dir *d, const struct ps_ct_pkt *pkt)
{
	d->end = seg_end(pkt);
	d->syn_len = (uint16_t)RTE_MIN(pkt->payload_len, (uint32_t)UINT16_MAX);
	d->maxend = d->end;
	d->maxwin = RTE_MAX((uint32_t)pkt->win, 1u);
	d->wscale = pkt->wscale;
	d->fin = 0;
}

static void
tcp_init(struct ps_ct_entry *e, const struct ps_ct_pkt *pkt)
{
	memset(e->tcp, 0, sizeof(e->tcp));
	tcp_dir_syn(&e->tcp[0], pkt);
}

/*
 * A mid-stream ACK from the initiator: it has sent up to its segment's
 * end and received up to its ack; neither window scale is known, so
 * tracking assumes the largest (wscale() of unparsed SYNs), and each
 * side may send a floor window beyond what is known until the other's
 * packets tell more.
 */
static void
tcp_loose_init(struct ps_ct_entry *e, const struct ps_ct_pkt *pkt)
{
	struct ps_ct_tcp_dir *c = &e->tcp[0], *s = &e->tcp[1];

	memset(e->tcp, 0, sizeof(e->tcp));
	c->end = seg_end(pkt);
	c->maxend = c->end + MIN_WIN;
	c->maxwin = RTE_MAX((uint32_t)pkt->win, 1u);
	s->end = pkt->ack;
	s->maxend = pkt->ack + ((uint32_t)pkt->win << MAX_WSCALE);
	s->maxwin = 0;
}

void
ct_state_init(struct ps_ct_entry *e, const struct ps_ct_pkt *pkt)
{
	switch (e->proto) {
	case IPPROTO_TCP:
		if (classify(pkt->tcp_flags) != C_SYN) {
			tcp_loose_init(e, pkt);
			e->state = PS_CT_TCP_ESTABLISHED;
			e->flags |= PS_CT_F_ASSURED;
			break;
		}
		tcp_init(e, pkt);
		e->state = PS_CT_TCP_SYN_SENT;
		break;
	case IPPROTO_UDP:
		e->state = PS_CT_UDP_SINGLE;
		break;
	default:
		e->state = PS_CT_ICMP;
		break;
	}
}

/* The shift of dir's windows: RFC 7323 scales only if both SYNs had the
 * option; shifts above 14 count as 14. */
static uint8_t
wscale(const struct ps_ct_entry *e, uint8_t dir)
{
	uint8_t a = e->tcp[0].wscale, b = e->tcp[1].wscale;

	if (!(a & (0x80 | PS_CT_WSCALE_NONE)) ||
	    !(b & (0x80 | PS_CT_WSCALE_NONE)))
		return MAX_WSCALE;	/* not parsed */
	if (!(a & 0x80) || !(b & 0x80))
		return 0;
	return RTE_MIN(e->tcp[dir].wscale & 0x3f, (int)MAX_WSCALE);
}

/*
 * A segment from s is plausible when it starts no further than the
 * receiver allowed, ends no earlier than one receiver window back, and
 * acknowledges nothing the receiver has not sent nor anything more than
 * a window old.
 */
static bool
tcp_in_window(const struct ps_ct_entry *e, uint8_t s,
	      const struct ps_ct_pkt *pkt)
{
	const struct ps_ct_tcp_dir *snd = &e->tcp[s], *rcv = &e->tcp[!s];
	uint32_t end = seg_end(pkt);
	uint32_t rwin = RTE_MAX(rcv->maxwin, MIN_WIN);
	uint32_t swin = RTE_MAX(snd->maxwin, MIN_WIN);

	if (seq_after(pkt->seq, snd->maxend + SEQ_SLACK))
		return false;
	if (seq_before(end, snd->end - rwin))
		return false;
	if (pkt->tcp_flags & RTE_TCP_ACK_FLAG) {
		if (seq_after(pkt->ack, rcv->end))
			return false;
		if (seq_before(pkt->ack, rcv->end - swin))
			return false;
	}
	return true;
}

/* Record a valid segment from s: how far it sent, what it allows. */
static void
tcp_track(struct ps_ct_entry *e, uint8_t s, const struct ps_ct_pkt *pkt)
{
	struct ps_ct_tcp_dir *snd = &e->tcp[s], *rcv = &e->tcp[!s];
	uint32_t end = seg_end(pkt);
	uint32_t win = (uint32_t)pkt->win << wscale(e, s);

	if (seq_after(end, snd->end))
		snd->end = end;
	if (win > snd->maxwin)
		snd->maxwin = win;
	if (pkt->tcp_flags & RTE_TCP_ACK_FLAG) {
		uint32_t allow = pkt->ack + win;

		if (seq_after(allow, rcv->maxend))
			rcv->maxend = allow;
		if ((__atomic_load_n(&rcv->fin, __ATOMIC_RELAXED) & 1) &&
		    !seq_before(pkt->ack, rcv->end))
			__atomic_fetch_or(&rcv->fin, 2, __ATOMIC_RELAXED);
	}
	if (pkt->tcp_flags & RTE_TCP_FIN_FLAG)
		__atomic_fetch_or(&snd->fin, 1, __ATOMIC_RELAXED);
}

static uint8_t
closing_state(const struct ps_ct_entry *e)
{
	uint8_t f0 = __atomic_load_n(&e->tcp[0].fin, __ATOMIC_RELAXED);
	uint8_t f1 = __atomic_load_n(&e->tcp[1].fin, __ATOMIC_RELAXED);
	unsigned int sent = (f0 & 1) + (f1 & 1);
	unsigned int acked = !!(f0 & 2) + !!(f1 & 2);

	if (sent == 0)
		return PS_CT_TCP_ESTABLISHED;
	if (sent == 1)
		return acked ? PS_CT_TCP_CLOSE_WAIT : PS_CT_TCP_FIN_WAIT;
	return acked == 2 ? PS_CT_TCP_TIME_WAIT : PS_CT_TCP_LAST_ACK;
}

/* Move the state forward to s; a concurrent later state stays. */
static void
state_raise(struct ps_ct_entry *e, uint8_t s)
{
	uint8_t cur = __atomic_load_n(&e->state, __ATOMIC_RELAXED);

	while (cur < s && !__atomic_compare_exchange_n(&e->state, &cur, s,
			false, __ATOMIC_RELEASE, __ATOMIC_RELAXED))
		;
}

static bool
state_cas(struct ps_ct_entry *e, uint8_t from, uint8_t to)
{
	return __atomic_compare_exchange_n(&e->state, &from, to, false,
					   __ATOMIC_RELEASE, __ATOMIC_RELAXED);
}

/* A new SYN on an old tuple: the same connection slot, a fresh start. */
static enum ps_ct_verdict
tcp_reopen(struct ps_ct_entry *e, uint8_t from, const struct ps_ct_pkt *pkt)
{
	if (!state_cas(e, from, PS_CT_TCP_SYN_SENT))
		return PS_CT_INVALID;
	tcp_init(e, pkt);
	__atomic_fetch_and(&e->flags, (uint16_t)~PS_CT_F_ASSURED,
			   __ATOMIC_RELAXED);
	return PS_CT_VALID;
}

static enum ps_ct_verdict
tcp_syn_sent(struct ps_ct_entry *e, uint8_t dir, enum pkt_class c,
	     const struct ps_ct_pkt *pkt)
{
	if (dir == PS_CT_DIR_ORIG) {
		if (c == C_SYN) {
			/* retransmission, or a new ISN from the same port */
			if (seg_end(pkt) != e->tcp[0].end)
				tcp_dir_syn(&e->tcp[0], pkt);
			return PS_CT_VALID;
		}
		if (c == C_RST) {
			state_raise(e, PS_CT_TCP_CLOSE);
			return PS_CT_VALID;
		}
		return PS_CT_INVALID;
	}
	/* from the responder: it must acknowledge our SYN; with data on the
	 * SYN (TCP Fast Open) it may acknowledge the SYN alone */
	if (!(pkt->tcp_flags & RTE_TCP_ACK_FLAG) ||
	    seq_after(pkt->ack, e->tcp[0].end) ||
	    seq_before(pkt->ack, e->tcp[0].end - e->tcp[0].syn_len))
		return PS_CT_INVALID;
	if (c == C_RST) {
		state_raise(e, PS_CT_TCP_CLOSE);
		return PS_CT_VALID;
	}
	if (c != C_SYNACK)
		return PS_CT_INVALID;
	tcp_dir_syn(&e->tcp[1], pkt);
	/* windows of SYN segments are never scaled; each side may send as
	 * far as the other's SYN window allows */
	e->tcp[0].maxend = pkt->ack + pkt->win;
	e->tcp[1].maxend = e->tcp[1].end + e->tcp[0].maxwin;
	state_raise(e, PS_CT_TCP_SYN_RECV);
	return PS_CT_VALID;
}

static enum ps_ct_verdict
tcp_update(struct ps_ct_entry *e, uint8_t dir, const struct ps_ct_pkt *pkt)
{
	enum pkt_class c = classify(pkt->tcp_flags);
	uint8_t st = __atomic_load_n(&e->state, __ATOMIC_ACQUIRE);

	if (c == C_BAD)
		return PS_CT_INVALID;
	switch (st) {
	case PS_CT_TCP_SYN_SENT:
		return tcp_syn_sent(e, dir, c, pkt);
	case PS_CT_TCP_CLOSE:
		if (dir == PS_CT_DIR_ORIG && c == C_SYN)
			return tcp_reopen(e, st, pkt);
		return c == C_RST ? PS_CT_VALID : PS_CT_INVALID;
	case PS_CT_TCP_TIME_WAIT:
		if (dir == PS_CT_DIR_ORIG && c == C_SYN)
			return tcp_reopen(e, st, pkt);
		break;
	default:
		break;
	}
	/* SYN_RECV and later: both ends' sequence spaces are known */
	if (c == C_SYN)
		return dir == PS_CT_DIR_ORIG && st == PS_CT_TCP_SYN_RECV &&
		       seg_end(pkt) == e->tcp[0].end ? PS_CT_VALID :
						       PS_CT_INVALID;
	if (c == C_SYNACK)
		return dir == PS_CT_DIR_REPLY &&
		       (st == PS_CT_TCP_SYN_RECV ||
			st == PS_CT_TCP_ESTABLISHED) &&
		       seg_end(pkt) == e->tcp[1].end ? PS_CT_VALID :
						       PS_CT_INVALID;
	if (!tcp_in_window(e, dir, pkt))
		return PS_CT_INVALID;
	if (c == C_RST) {
		state_raise(e, PS_CT_TCP_CLOSE);
		return PS_CT_VALID;
	}
	tcp_track(e, dir, pkt);
	if (st == PS_CT_TCP_SYN_RECV) {
		/* the initiator acknowledging the SYN-ACK completes it */
		if (dir != PS_CT_DIR_ORIG ||
		    seq_before(pkt->ack, e->tcp[1].end))
			return PS_CT_VALID;
		__atomic_fetch_or(&e->flags, PS_CT_F_ASSURED, __ATOMIC_RELAXED);
	}
	state_raise(e, closing_state(e));
	return PS_CT_VALID;
}

enum ps_ct_verdict
ct_state_update(struct ps_ct_entry *e, uint8_t dir, const struct ps_ct_pkt *pkt)
{
	switch (e->proto) {
	case IPPROTO_TCP:
		return tcp_update(e, dir, pkt);
	case IPPROTO_UDP:
		if (dir == PS_CT_DIR_REPLY &&
		    __atomic_load_n(&e->state, __ATOMIC_RELAXED) ==
		    PS_CT_UDP_SINGLE) {
			state_raise(e, PS_CT_UDP_STREAM);
			__atomic_fetch_or(&e->flags, PS_CT_F_ASSURED,
					  __ATOMIC_RELAXED);
		}
		return PS_CT_VALID;
	case IPPROTO_ICMP:
		if (pkt->icmp_type != (dir == PS_CT_DIR_ORIG ? 8 : 0))
			return PS_CT_INVALID;
		if (dir == PS_CT_DIR_REPLY)
			__atomic_fetch_or(&e->flags, PS_CT_F_ASSURED,
					  __ATOMIC_RELAXED);
		return PS_CT_VALID;
	default:
		return PS_CT_INVALID;
	}
}
