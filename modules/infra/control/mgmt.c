/* SPDX-License-Identifier: BSD-3-Clause */
/* Management work: the single writer of the tables and their timers. */
#include <podswitch/dataplane.h>
#include <podswitch/module.h>

void
ps_mgmt_poll(struct ps_dataplane *dp)
{
	/* each module's learning, ageing and timers, in module order */
	ps_modules_poll(dp, ps_dataplane_now(dp));
}
