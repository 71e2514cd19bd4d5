/* SPDX-License-Identifier: BSD-3-Clause */
/* ADD: address, interface, port; on any failure, all of it undone. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cni.h"

static bool
version_before_1(const char *v)
{
	return strcmp(v, "1.0.0") != 0;
}

static void
print_result(const struct cni_env *env, const struct cni_conf *c,
	     const struct cni_pod *pod)
{
	char ip[INET_ADDRSTRLEN + 4], a[INET_ADDRSTRLEN], gw[INET_ADDRSTRLEN];
	json_t *res, *ifs, *ipo, *routes, *dns;

	inet_ntop(AF_INET, &pod->ip, a, sizeof(a));
	snprintf(ip, sizeof(ip), "%s/%u", a, pod->prefix_len);
	ifs = json_array();
	if (c->driver == CNI_DRV_VHOST_USER) {
		json_array_append_new(ifs, json_pack("{s:s, s:s, s:s}",
			"name", env->ifname, "mac", pod->mac, "socketPath",
			pod->vhost_path));
	} else {
		json_array_append_new(ifs, json_pack("{s:s}", "name",
						     pod->host_if));
		json_array_append_new(ifs, json_pack("{s:s, s:s, s:s}",
			"name", env->ifname, "mac", pod->mac, "sandbox",
			env->netns));
	}
	ipo = json_pack("{s:s, s:i}", "address", ip, "interface",
			c->driver == CNI_DRV_VHOST_USER ? 0 : 1);
	if (pod->gw != 0) {
		inet_ntop(AF_INET, &pod->gw, gw, sizeof(gw));
		json_object_set_new(ipo, "gateway", json_string(gw));
	}
	if (version_before_1(c->cni_version))
		json_object_set_new(ipo, "version", json_string("4"));
	routes = json_object_get(pod->ipam_result, "routes");
	dns = json_object_get(pod->ipam_result, "dns");
	res = json_pack("{s:s, s:o, s:[o], s:O, s:O}", "cniVersion",
			c->cni_version, "interfaces", ifs, "ips", ipo,
			"routes", routes != NULL ? routes : json_array(),
			"dns", dns != NULL ? dns : json_object());
	json_dumpf(res, stdout, JSON_INDENT(2));
	fputc('\n', stdout);
	fflush(stdout);
	json_decref(res);
}

int
cni_cmd_add(const struct cni_env *env, struct cni_conf *c)
{
	struct cni_pod pod;
	int rc;

	memset(&pod, 0, sizeof(pod));
	if (c->ipam_type == NULL)
		return cni_error(CNI_ERR_INVALID_CONFIG, NULL, "ipam: required "
				 "(the pod's address comes from it)");
	if (access(env->netns, R_OK) < 0)
		return cni_error(CNI_ERR_UNKNOWN_CONTAINER, NULL, "CNI_NETNS "
				 "%s: %s", env->netns, strerror(errno));
	cni_names(env, c, &pod);
	/* undoing a failed second ADD would take the first one's veth and
	 * address with it: refuse before touching anything */
	if (c->driver != CNI_DRV_VHOST_USER && cni_link_exists(&pod))
		return cni_error(CNI_ERR_EXISTS, NULL, "%s of container %s is "
				 "set up already (interface %s): DEL it first",
				 env->ifname, env->container_id, pod.host_if);
	rc = cni_ipam(env, c, "ADD", &pod);
	if (rc != 0)
		return rc;
	cni_mac_of(pod.ip, pod.mac);
	if (c->driver == CNI_DRV_VHOST_USER) {
		/* podswitch creates the socket; the VM or virtio-user
		 * process of the pod connects to it */
		if (mkdir(c->socket_dir, 0750) < 0 && errno != EEXIST)
			rc = cni_error(CNI_ERR_IO, NULL, "cannot create %s: %s",
				       c->socket_dir, strerror(errno));
	} else {
		rc = cni_link_add(env, c, &pod);
	}
	if (rc == 0)
		rc = cni_port_add(c, &pod);
	if (rc != 0) {
		/* the error is printed; what is undone stays silent */
		if (c->driver != CNI_DRV_VHOST_USER)
			cni_link_del(&pod);
		cni_ipam(env, c, "DEL", &pod);
		json_decref(pod.ipam_result);
		return rc;
	}
	print_result(env, c, &pod);
	json_decref(pod.ipam_result);
	return 0;
}
