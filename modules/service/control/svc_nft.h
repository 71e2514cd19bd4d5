/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PS_SVC_NFT_H
#define PS_SVC_NFT_H

/* The node kernel's nftables table for its own service traffic
 * (svc_nft.c): the script, for the module and its tests. */

struct ps_svc_table;

/*
 * The nft script (for `nft -f -`) that replaces table `table` (family ip)
 * by one DNATing the node's own connections to the NodePorts and the
 * external/LB frontends of t's programmed services to their cluster IP
 * and port; the counts of each in *nodeports, *frontends (if not NULL).
 * Malloc'ed; NULL without memory. Management thread.
 */
char *svc_nft_script(const struct ps_svc_table *t, const char *table,
		     unsigned int *nodeports, unsigned int *frontends);

#endif
