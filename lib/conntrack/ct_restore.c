/* SPDX-License-Identifier: BSD-3-Clause */
/* Connections put back from a dump after a restart. */
#include <errno.h>

#include <rte_tcp.h>

#include "ct_private.h"

int
ps_ct_restore(struct ps_ct *ct, const struct ps_ct_entry *img)
{
	/* a packet that opens the connection gets it through ps_ct_add's
	 * checks and index; the state it had is then written over */
	struct ps_ct_pkt opener = { .tcp_flags = RTE_TCP_SYN_FLAG,
				    .icmp_type = 8 };
	struct ps_ct_entry *e;
	uint8_t dir;
	int rc;

	if (img->state >= PS_CT_STATE_MAX || img->proto != img->tuple[0].proto)
		return -EINVAL;
	rc = ps_ct_add(ct, &img->tuple[0], &img->tuple[1], &img->nat, &opener,
		       &e, &dir);
	if (rc == PS_CT_EXISTS)
		return -EEXIST;
	if (rc < 0)
		return rc;
	e->state = img->state;
	e->flags = img->flags & PS_CT_F_ASSURED;
	memcpy(e->tcp, img->tcp, sizeof(e->tcp));
	e->packets[0] = img->packets[0];
	e->packets[1] = img->packets[1];
	e->bytes[0] = img->bytes[0];
	e->bytes[1] = img->bytes[1];
	return PS_CT_CREATED;
}
