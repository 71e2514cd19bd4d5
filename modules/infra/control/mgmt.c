/* SPDX-License-Identifier: BSD-3-Clause */
/* Management work: the single writer of the tables and their timers. */
#include <podswitch/dataplane.h>

#include "dp_private.h"

void
ps_mgmt_poll(struct ps_dataplane *dp)
{
	uint32_t now = ps_dataplane_now(dp);

	if (now != ps_fdb_now(dp->fdb)) {
		ps_fdb_set_now(dp->fdb, now);
		ps_fdb_age(dp->fdb, dp->cfg->fdb_age_s);
	}
	ps_fdb_process_learn(dp->fdb);
	ps_l3_poll(dp);
	ps_lb_poll(dp, now);
}
