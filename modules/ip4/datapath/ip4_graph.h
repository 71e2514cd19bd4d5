/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PS_IP4_GRAPH_H
#define PS_IP4_GRAPH_H

/*
 * Where the nodes of other modules attach to the IPv4 stage. For the
 * setup callbacks of PS_NODE_REGISTER (before any graph is built, at each
 * dataplane start): each returns 0 or -errno (-ENOSPC: no edge could be
 * added), and called again with the same arguments changes nothing.
 */

#include <stdint.h>

#include <rte_graph.h>

/*
 * Put node in front of ip4_lookup for the packets ip4_input passes, or
 * for the ICMP errors icmp_error builds: they go to node, which sends on
 * to ip4_lookup. One node at a time.
 */
int ps_ip4_input_insert(const char *node);
/*
 * The same as a chain (podswitch/graph.h: struct ps_node_chain): node
 * takes ip4_input's packets before ip4_lookup in rank order and sends
 * them on through its edge `edge`, which the chain points at the next
 * node (service_lb rank 0, then policy rank 10). ps_ip4_input_insert is
 * rank 0 through edge 0.
 */
int ps_ip4_input_chain(const char *node, rte_edge_t edge, int rank);
int ps_icmp_error_insert(const char *node);

/*
 * UDP to the node IP and port (host order) that ip4_local receives goes
 * to node, not to the node's kernel (the host port). Port 0: node stays
 * attached but listens on no port. -EADDRINUSE when another node has the
 * port.
 */
int ps_ip4_local_udp_register(uint16_t port, const char *node);

/*
 * Forwarded packets whose route has a next hop of type (enum ps_nh_type,
 * one that ip4_lookup does not handle itself: not local, connected,
 * gateway, blackhole or unreachable) go to node, with the next hop's
 * gateway and port_id in the metadata's nh_ip and nh_port and the TTL
 * checked. A type nobody registered is dropped (blackhole).
 */
int ps_ip4_lookup_nh_register(uint8_t type, const char *node);

/*
 * Cut IPv4 packet m (Ethernet first, no DF, no IP options) into
 * fragments of at most mtu bytes of IP, new mbufs of m's pool with m's
 * metadata, in out (max of them); m is left as it is. Returns how many,
 * -EINVAL (DF, options, a broken header), -E2BIG (more than max) or
 * -ENOMEM.
 */
struct rte_mbuf;
int ps_ip4_fragment(struct rte_mbuf *m, uint16_t mtu, struct rte_mbuf **out,
		    unsigned int max);

#endif
