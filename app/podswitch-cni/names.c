/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Names of a container's interface: podswitch's port (after the container
 * ID and the interface, as docs/design.md asks), the host side of the veth
 * (an interface name has 15 characters: a hash stands for both), the
 * vhost-user socket; and the pod's MAC, from its address.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "cni.h"

#define ID_CHARS 12	/* as "docker ps" shortens an ID */

static uint32_t
fnv1a(uint32_t h, const char *s)
{
	for (; *s != '\0'; s++) {
		h ^= (uint8_t)*s;
		h *= 16777619u;
	}
	return h;
}

/* port names take letters, digits, '-', '_', '.' */
static void
port_safe(char *s)
{
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '_' ||
		      *s == '.'))
			*s = '_';
}

void
cni_names(const struct cni_env *env, const struct cni_conf *c,
	  struct cni_pod *pod)
{
	uint32_t h = fnv1a(fnv1a(fnv1a(2166136261u, env->container_id), "/"),
			   env->ifname);

	snprintf(pod->port, sizeof(pod->port), "%.*s-%s", ID_CHARS,
		 env->container_id, env->ifname);
	port_safe(pod->port);
	snprintf(pod->host_if, sizeof(pod->host_if), "%s%08x",
		 c->veth_prefix, h);
	snprintf(pod->vhost_path, sizeof(pod->vhost_path), "%s/%s.sock",
		 c->socket_dir, pod->port);
}

/* 0a:58:<IPv4>, as OVN-Kubernetes does: unique while the address is,
 * locally administered, and the same again after a restart. */
void
cni_mac_of(uint32_t ip, char mac[18])
{
	const uint8_t *b = (const uint8_t *)&ip;

	snprintf(mac, 18, "0a:58:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3]);
}
