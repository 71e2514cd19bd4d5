/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PS_IP4_DP_H
#define PS_IP4_DP_H

/*
 * The ip4 module's datapath state, shared by its nodes and its control
 * part (l3.c) only: the tables the nodes read and the host port. Written
 * by the management thread before the graphs are built, read-only after.
 */

#include <stdint.h>

#include <rte_ether.h>

struct ps_fdb;
struct ps_route_table;
struct ps_neigh_table;
struct ps_neigh;

struct ps_ip4_dp {
	struct ps_route_table *routes;
	struct ps_neigh_table *neighbors;
	/* the neighbor table's adjacency slots (ip4_rewrite reads them) */
	const struct ps_neigh *const *adj;
	uint32_t nb_adj;
	/* arp learns the MAC of a pod that asks for its gateway */
	struct ps_fdb *fdb;
	/* host port (kernel of the node) or PS_PORT_NONE if none */
	uint16_t host_port;
	struct rte_ether_addr host_mac;
};

extern struct ps_ip4_dp ps_ip4_dp;

#endif
