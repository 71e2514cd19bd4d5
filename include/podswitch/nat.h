/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PODSWITCH_NAT_H
#define PODSWITCH_NAT_H

/*
 * NAT packet rewriting for the service load balancer (DESIGN.md section 1):
 * DNAT of a service VIP to an endpoint, the reverse on replies, SNAT to the
 * node IP (NodePort with externalTrafficPolicy Cluster, hairpin, masquerade
 * of egress traffic) and its reverse, and the same translations applied to
 * ICMP errors about a translated flow. Plus the source-port pools SNAT
 * draws from.
 *
 * The rewrite functions take no decision: the caller (service_lb, after a
 * conntrack lookup) says which fields get which values. They touch only
 * what is asked and fix every checksum by RFC 1624 incremental update
 * (HC' = ~(~HC + ~m + m')), so the cost does not depend on the payload
 * and a checksum that was right stays right, bit for bit equal to a
 * recomputation from scratch.
 *
 * Packets: IPv4 at byte offset l3_off of the mbuf data (usually l2_len),
 * IP options allowed. Every header byte the function reads or writes must
 * lie in the first segment and inside the IP total length, or the packet
 * is refused with -PS_NAT_ERR_TRUNCATED and left unchanged; the checks of
 * ip4_input (version, header checksum) are not repeated, but nothing is
 * read out of bounds whatever the bytes.
 *
 * Addresses and ports are in network byte order everywhere, as in the
 * packet, except the port pool API which deals in port numbers.
 */

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

extern int ps_logtype_nat;

/*
 * Why a packet could not be translated: the functions return the negated
 * value. The list also gives the caller its drop-node names.
 */
#define PS_NAT_ERRORS(X)						\
	/* a header to read or write is cut short by the frame, the	\
	 * first segment or the IP total length */			\
	X(TRUNCATED, "truncated")					\
	/* not IPv4, IHL below 5, total length below the header */	\
	X(BAD_IP, "bad_ip")						\
	/* ports asked of a protocol that has none here (not TCP, UDP	\
	 * or ICMP echo), or an ICMP error quoting one */		\
	X(NO_PORTS, "no_ports")						\
	/* the request itself is inconsistent (see ps_nat_xlate) */	\
	X(BAD_XLATE, "bad_xlate")					\
	/* ps_nat_icmp_error_* given a packet that is not an ICMP	\
	 * error (or a non-first fragment of one) */			\
	X(NOT_ICMP_ERROR, "not_icmp_error")

enum ps_nat_err {
	PS_NAT_ERR_NONE,
#define X(e, s) PS_NAT_ERR_##e,
	PS_NAT_ERRORS(X)
#undef X
	PS_NAT_ERR_COUNT
};

/*
 * Success values. PS_NAT_L3_ONLY: the packet (or the quoted packet of an
 * ICMP error) is a non-first fragment, which carries no L4 header, so only
 * addresses were rewritten and any port request was NOT applied; its L4
 * checksum, in the first fragment, already covers the new addresses once
 * that fragment is translated. Ports of a fragment can only be known by
 * reassembly or fragment tracking, which is the caller's business: a
 * caller that cannot tell which flow a non-first fragment belongs to must
 * not translate it.
 */
#define PS_NAT_OK 0
#define PS_NAT_L3_ONLY 1

/* The reason's name ("truncated", ...), "ok" for 0 and 1. */
const char *ps_nat_strerror(int rc);

/* Fields of ps_nat_xlate to apply. */
#define PS_NAT_SRC_ADDR 0x1
#define PS_NAT_SRC_PORT 0x2
#define PS_NAT_DST_ADDR 0x4
#define PS_NAT_DST_PORT 0x8
#define PS_NAT_ADDRS (PS_NAT_SRC_ADDR | PS_NAT_DST_ADDR)
#define PS_NAT_PORTS (PS_NAT_SRC_PORT | PS_NAT_DST_PORT)

/*
 * New values for the fields named in flags; the others are ignored.
 * ICMP echo has a single identifier standing for both ports (as in
 * conntrack): SRC_PORT or DST_PORT sets it; both at once must agree or
 * the request is -PS_NAT_ERR_BAD_XLATE.
 */
struct ps_nat_xlate {
	uint32_t src_ip;
	uint32_t dst_ip;
	uint16_t src_port;
	uint16_t dst_port;
	uint8_t flags;
};

/* The addresses of a packet. Ports: TCP/UDP ports; for ICMP echo the
 * identifier in both; 0 for other protocols and non-first fragments. */
struct ps_nat_tuple {
	uint32_t src_ip;
	uint32_t dst_ip;
	uint16_t src_port;
	uint16_t dst_port;
	uint8_t proto;
};

/* Rewriting ------------------------------------------------------------ */

/*
 * Apply x to the IPv4 packet at l3_off. Addresses may be rewritten for any
 * protocol: the IP header checksum always follows, and TCP and UDP
 * checksums follow through their pseudo-header. Other protocols get only
 * their IP header changed, which is right for those without a pseudo-header
 * checksum (ICMP, SCTP, GRE, ESP) and wrong for UDP-Lite and DCCP, which
 * services do not carry. A UDP checksum of 0 (none) stays 0, and a UDP
 * checksum that comes out 0 is sent as 0xffff (RFC 768).
 * Returns PS_NAT_OK, PS_NAT_L3_ONLY or -PS_NAT_ERR_*; on error the packet is
 * untouched.
 */
int ps_nat_rewrite(struct rte_mbuf *m, uint16_t l3_off,
		   const struct ps_nat_xlate *x);

/* The translations of the service load balancer, in its words. */

/* Client -> VIP:vport becomes client -> endpoint. */
static inline int
ps_nat_dnat(struct rte_mbuf *m, uint16_t l3_off, uint32_t ep_ip,
	    uint16_t ep_port)
{
	struct ps_nat_xlate x = { .dst_ip = ep_ip, .dst_port = ep_port,
		.flags = PS_NAT_DST_ADDR | PS_NAT_DST_PORT };

	return ps_nat_rewrite(m, l3_off, &x);
}

/* Reply endpoint -> client becomes VIP:vport -> client. */
static inline int
ps_nat_undnat(struct rte_mbuf *m, uint16_t l3_off, uint32_t vip,
	      uint16_t vport)
{
	struct ps_nat_xlate x = { .src_ip = vip, .src_port = vport,
		.flags = PS_NAT_SRC_ADDR | PS_NAT_SRC_PORT };

	return ps_nat_rewrite(m, l3_off, &x);
}

/* Source becomes the node IP and a port from its pool. Masquerade of
 * egress traffic is exactly this, with the node's own address. */
static inline int
ps_nat_snat(struct rte_mbuf *m, uint16_t l3_off, uint32_t node_ip,
	    uint16_t port)
{
	struct ps_nat_xlate x = { .src_ip = node_ip, .src_port = port,
		.flags = PS_NAT_SRC_ADDR | PS_NAT_SRC_PORT };

	return ps_nat_rewrite(m, l3_off, &x);
}

/* Reply to node_ip:port becomes a reply to the original client. */
static inline int
ps_nat_unsnat(struct rte_mbuf *m, uint16_t l3_off, uint32_t client_ip,
	      uint16_t client_port)
{
	struct ps_nat_xlate x = { .dst_ip = client_ip, .dst_port = client_port,
		.flags = PS_NAT_DST_ADDR | PS_NAT_DST_PORT };

	return ps_nat_rewrite(m, l3_off, &x);
}

/*
 * Hairpin (a pod reaching a service whose endpoint is itself, or any
 * DNAT+SNAT flow such as NodePort with externalTrafficPolicy Cluster):
 * client -> VIP:vport becomes snat_ip:snat_port -> endpoint, so the reply
 * comes back through us. The reply is undone with ps_nat_unhairpin.
 */
static inline int
ps_nat_hairpin(struct rte_mbuf *m, uint16_t l3_off, uint32_t snat_ip,
	       uint16_t snat_port, uint32_t ep_ip, uint16_t ep_port)
{
	struct ps_nat_xlate x = { .src_ip = snat_ip, .src_port = snat_port,
		.dst_ip = ep_ip, .dst_port = ep_port, .flags = PS_NAT_ADDRS |
		PS_NAT_PORTS };

	return ps_nat_rewrite(m, l3_off, &x);
}

/* Reply endpoint -> snat_ip:snat_port becomes VIP:vport -> client. */
static inline int
ps_nat_unhairpin(struct rte_mbuf *m, uint16_t l3_off, uint32_t vip,
		 uint16_t vport, uint32_t client_ip, uint16_t client_port)
{
	struct ps_nat_xlate x = { .src_ip = vip, .src_port = vport,
		.dst_ip = client_ip, .dst_port = client_port,
		.flags = PS_NAT_ADDRS | PS_NAT_PORTS };

	return ps_nat_rewrite(m, l3_off, &x);
}

#define ps_nat_masquerade ps_nat_snat

/*
 * The tuple of the packet at l3_off, with the same checks as the rewrite.
 * Returns PS_NAT_OK, PS_NAT_L3_ONLY (non-first fragment, ports 0) or
 * -PS_NAT_ERR_*.
 */
int ps_nat_tuple_get(const struct rte_mbuf *m, uint16_t l3_off,
		     struct ps_nat_tuple *t);

/* ICMP errors ---------------------------------------------------------- */

/* Destination unreachable (incl. fragmentation needed), source quench,
 * redirect, time exceeded, parameter problem: the types that quote a
 * packet (RFC 792, as Linux icmp_is_err). */
bool ps_nat_icmp_is_error(uint8_t type);

/*
 * The tuple of the packet quoted by the ICMP error at l3_off, as quoted:
 * it travelled the other way, so the conntrack entry it belongs to is
 * found by its reverse (src <-> dst). The quote must hold the whole inner
 * IP header and 8 bytes of L4 (RFC 792), unless the quoted packet is a
 * non-first fragment. Quoted protocols with ports: TCP, UDP, ICMP echo;
 * the ports of any other are 0.
 * Returns PS_NAT_OK, PS_NAT_L3_ONLY (quoted non-first fragment) or
 * -PS_NAT_ERR_* (NOT_ICMP_ERROR, TRUNCATED, BAD_IP).
 */
int ps_nat_icmp_error_tuple(const struct rte_mbuf *m, uint16_t l3_off,
			    struct ps_nat_tuple *inner);

/*
 * Translate an ICMP error about a translated flow so that its receiver
 * recognises its own packet in it. inner is applied to the quoted packet
 * (its addresses, its ports, its IP header checksum, and its L4 checksum
 * when the quote holds that field: always for UDP unless it is 0, for TCP
 * only if at least 18 bytes of TCP header are quoted, the ICMP echo
 * checksum always; one byte of a TCP checksum, cut by the end of the
 * quote, stays as it is, as the new value cannot be worked out from it);
 * the outer ICMP checksum follows every byte changed in the quote. outer
 * (may be NULL; addresses only) is applied to the outer IP header. Like Linux nf_nat_icmp_reply_translation, the quoted L4
 * checksum is updated incrementally: it covered the whole original
 * datagram, most of it not quoted, and still does after translation, so
 * the quote is exactly the header the receiver sent.
 *
 * The translations, for a flow client C:c -> VIP:v DNATed to endpoint E:e:
 *   error from E or a router to C, quoting C:c -> E:e:
 *     inner = { dst := VIP:v }, outer = { src := VIP } when from E
 *     (Linux rewrites the outer source to VIP for routers too; either is
 *     consistent for the client);
 *   error from C to E about a reply E:e -> C:c that reached C as
 *     VIP:v -> C:c:
 *     inner = { src := E:e }, outer = { dst := E };
 * and for a flow C:c SNATed to N:n towards S:s:
 *   error from a router or S to N, quoting N:n -> S:s:
 *     inner = { src := C:c }, outer = { dst := C };
 *   error from C about a reply S:s -> C:c, quoting S:s -> C:c:
 *     inner = { dst := N:n }, outer = { src := N }.
 * Returns PS_NAT_OK, PS_NAT_L3_ONLY (the quoted packet is a non-first
 * fragment: no ports rewritten) or -PS_NAT_ERR_*; on error the packet is
 * untouched.
 */
int ps_nat_icmp_error_rewrite(struct rte_mbuf *m, uint16_t l3_off,
			      const struct ps_nat_xlate *inner,
			      const struct ps_nat_xlate *outer);

/* Source-port pools ------------------------------------------------------ */

/*
 * The ports SNAT hands out for one (node IP, protocol): TCP, UDP and ICMP
 * echo identifiers each need their own pool. A port is allocated by the
 * worker that creates the conntrack entry, on the fast path, without a
 * lock: a bitmap of ports in use, cut into one slice per worker; a worker
 * searches its own slice from a private cursor and takes a port with one
 * compare-and-swap, and only when its slice is full does it look through
 * the other slices (still with CAS, so two workers never get the same
 * port). The cursor moves on round-robin, so a freed port is handed out
 * again only after the rest of the slice: a remote that still remembers
 * the old flow (TIME_WAIT) rarely sees the number soon.
 *
 * The reuse rule: a port is freed when the conntrack entry holding it
 * expires, AFTER both of the entry's keys are deleted from the conntrack
 * table, never when the connection merely closes (the closed state
 * covers TIME_WAIT). After that, no packet can be matched to the old entry:
 * a lookup starting after the delete does not find it, and packets of a new
 * flow on the same port only exist after the allocation. So no RCU grace
 * period is needed before a port number goes back to the pool, even though
 * the entry's memory still needs one. Freeing before the delete would let a
 * new flow collide with the old entry's reply key.
 *
 * Pool full: ps_nat_port_alloc returns -ENOSPC (counted in the stats); the
 * caller refuses the new flow and counts it. Nothing is ever reclaimed from
 * a live flow.
 */
struct ps_nat_pool;

/* One pool per protocol (TCP, UDP, ICMP echo identifiers). */
enum ps_nat_pool_id {
	PS_NAT_POOL_TCP,
	PS_NAT_POOL_UDP,
	PS_NAT_POOL_ICMP,
	PS_NAT_NB_POOLS,
};

/* The pool of IP protocol proto, or -1 if SNAT has none for it. */
static inline int
ps_nat_pool_of(uint8_t proto)
{
	return proto == IPPROTO_TCP ? PS_NAT_POOL_TCP :
	       proto == IPPROTO_UDP ? PS_NAT_POOL_UDP :
	       proto == IPPROTO_ICMP ? PS_NAT_POOL_ICMP : -1;
}

struct ps_nat_pool_stats {
	uint32_t size;		/* ports in the range */
	uint32_t in_use;
	uint64_t allocs;
	uint64_t alloc_fails;	/* pool exhausted */
	uint64_t frees;
	uint64_t bad_frees;	/* out of range or not allocated */
};

/*
 * Ports port_min..port_max (host order, 1 <= min <= max; the "nat" section
 * of the configuration) for nb_workers workers (1..RTE_MAX_LCORE; more
 * workers than 64-port words is allowed, some then start with no slice
 * of their own). Returns NULL with rte_errno set (EINVAL, ENOMEM).
 */
struct ps_nat_pool *ps_nat_pool_create(const char *name, uint16_t port_min,
				       uint16_t port_max,
				       unsigned int nb_workers, int socket);
void ps_nat_pool_free(struct ps_nat_pool *pool);

/*
 * Fast path, worker `worker` (its index, < nb_workers; each index used by
 * one thread at a time). Returns a port in host order, or -ENOSPC.
 */
int ps_nat_port_alloc(struct ps_nat_pool *pool, unsigned int worker);

/*
 * Take this very port (a connection restored after a restart keeps its
 * SNAT port). 0, -ERANGE (outside the pool) or -EBUSY (in use).
 */
int ps_nat_port_take(struct ps_nat_pool *pool, uint16_t port);

/*
 * Any thread (the management thread, under the rule above). Returns 0,
 * -ERANGE for a port outside the pool or -ENOENT if it is not allocated
 * (both counted as bad_frees).
 */
int ps_nat_port_free(struct ps_nat_pool *pool, uint16_t port);

bool ps_nat_port_in_use(const struct ps_nat_pool *pool, uint16_t port);
void ps_nat_pool_stats(const struct ps_nat_pool *pool,
		       struct ps_nat_pool_stats *st);

#endif
