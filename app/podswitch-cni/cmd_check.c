/* SPDX-License-Identifier: BSD-3-Clause */
/* CHECK: the result ADD gave (prevResult) against what is there now. */
#include <arpa/inet.h>
#include <string.h>
#include <strings.h>

#include "cni.h"

/* The pod's address and MAC as prevResult has them. */
static int
from_prev(const struct cni_env *env, const json_t *prev, struct cni_pod *pod)
{
	const json_t *ifs = json_object_get(prev, "interfaces");
	const json_t *ips = json_object_get(prev, "ips"), *e;
	long our = -1;
	size_t i;

	json_array_foreach((json_t *)(uintptr_t)ifs, i, e) {
		const char *n = json_string_value(json_object_get(e, "name"));
		const char *mac = json_string_value(json_object_get(e, "mac"));

		if (n != NULL && strcmp(n, env->ifname) == 0 && mac != NULL) {
			our = (long)i;
			snprintf(pod->mac, sizeof(pod->mac), "%s", mac);
		}
	}
	json_array_foreach((json_t *)(uintptr_t)ips, i, e) {
		const char *a = json_string_value(json_object_get(e, "address"));
		const json_t *ifi = json_object_get(e, "interface");
		char buf[32], *slash;
		struct in_addr in;

		if (a == NULL || strchr(a, ':') != NULL || strlen(a) >= 32)
			continue;
		if (json_is_integer(ifi) && json_integer_value(ifi) != our)
			continue;
		strcpy(buf, a);
		slash = strchr(buf, '/');
		if (slash == NULL)
			continue;
		*slash = '\0';
		if (inet_pton(AF_INET, buf, &in) != 1)
			continue;
		pod->ip = in.s_addr;
		pod->prefix_len = (unsigned int)atoi(slash + 1);
		return our >= 0 ? 0 : -1;
	}
	return -1;
}

int
cni_cmd_check(const struct cni_env *env, struct cni_conf *c)
{
	struct cni_pod pod;
	char mac[18];
	int rc;

	memset(&pod, 0, sizeof(pod));
	if (c->prev_result == NULL)
		return cni_error(CNI_ERR_INVALID_CONFIG, NULL, "prevResult: "
				 "CHECK needs the result of ADD");
	cni_names(env, c, &pod);
	if (from_prev(env, c->prev_result, &pod) < 0)
		return cni_error(CNI_ERR_INVALID_CONFIG, NULL, "prevResult: no "
				 "IPv4 address of interface %s", env->ifname);
	if (c->driver != CNI_DRV_VHOST_USER) {
		rc = cni_link_check(env, &pod);
		if (rc != 0)
			return rc;
		if (cni_link_mac(env, mac) < 0 || strcasecmp(mac, pod.mac) != 0)
			return cni_error(CNI_ERR_CHECK_FAILED, NULL, "%s in %s "
					 "has MAC %s, the result says %s",
					 env->ifname, env->netns, mac, pod.mac);
	}
	rc = cni_port_check(c, &pod);
	if (rc == 0)
		rc = cni_ipam(env, c, "CHECK", &pod);
	return rc;
}
