/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <podswitch/port.h>

/* "<vdev_prefix>_<port>,kvarg=value,..." from the profile and the port's args. */
int
ps_port_devargs(const struct ps_port_config *pc, const struct ps_profile *pr,
		uint16_t nb_queues, char *out, size_t outlen)
{
	size_t len;
	unsigned int i;
	int n;

	n = snprintf(out, outlen, "%s_%s", pr->vdev_prefix, pc->name);
	if (n < 0 || (size_t)n >= outlen)
		return -ENAMETOOLONG;
	len = (size_t)n;
	if (pr->queues_kvarg[0] != '\0') {
		n = snprintf(out + len, outlen - len, ",%s=%u", pr->queues_kvarg,
			     nb_queues);
		if (n < 0 || (size_t)n >= outlen - len)
			return -ENAMETOOLONG;
		len += (size_t)n;
	}
	for (i = 0; i < pr->nb_args; i++) {
		const struct ps_profile_arg *a = &pr->args[i];
		const char *v = ps_port_arg(pc, a->key);

		if (v == NULL)
			v = a->def[0] != '\0' ? a->def : NULL;
		if (v == NULL || a->kvarg[0] == '\0')
			continue;
		n = snprintf(out + len, outlen - len, ",%s=%s", a->kvarg, v);
		if (n < 0 || (size_t)n >= outlen - len)
			return -ENAMETOOLONG;
		len += (size_t)n;
	}
	return (int)len;
}
