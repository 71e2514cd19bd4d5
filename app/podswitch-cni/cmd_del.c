/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DEL: port, interface, address, each removed if there; a second DEL, a
 * DEL after podswitch restarted, a DEL for a pod never added all succeed.
 * Only an unreachable podswitch fails it (try again later): its state
 * would bring the port back at its next start.
 */
#include <string.h>

#include "cni.h"

int
cni_cmd_del(const struct cni_env *env, struct cni_conf *c)
{
	struct cni_pod pod;
	int rc;

	memset(&pod, 0, sizeof(pod));
	cni_names(env, c, &pod);
	rc = cni_port_del(c, &pod);
	if (rc == 0 && c->driver != CNI_DRV_VHOST_USER)
		rc = cni_link_del(&pod);
	if (rc == 0)
		rc = cni_ipam(env, c, "DEL", &pod);
	return rc;
}
