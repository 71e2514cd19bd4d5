/* SPDX-License-Identifier: BSD-3-Clause */
/* The pod's port in podswitch, over its REST API (POST/DELETE/GET
 * /v1/ports). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <podswitch/http_client.h>

#include "cni.h"

#define TIMEOUT_S 30

static int
request(const struct cni_conf *c, const char *method, const char *path,
	const char *body, struct ps_http_reply *r, char *err, size_t size)
{
	struct ps_http_peer p = {
		.socket_path = c->socket, .user_agent = "podswitch-cni",
		.timeout_s = TIMEOUT_S, .err = err, .err_size = size,
	};

	return ps_http_request(&p, method, path, body,
			       body != NULL ? strlen(body) : 0, r);
}

static const char *
api_message(const struct ps_http_reply *r)
{
	static char msg[512];
	json_t *j = json_loads(r->body, 0, NULL);
	const char *m = json_string_value(json_object_get(
		json_object_get(j, "error"), "message"));

	snprintf(msg, sizeof(msg), "%s", m != NULL ? m : r->body);
	json_decref(j);
	return msg;
}

int
cni_port_add(const struct cni_conf *c, const struct cni_pod *pod)
{
	struct ps_http_reply r;
	char ip[INET_ADDRSTRLEN], err[512], *body;
	json_t *j, *args;
	int rc;

	inet_ntop(AF_INET, &pod->ip, ip, sizeof(ip));
	args = c->driver == CNI_DRV_VHOST_USER ?
	       json_pack("{s:s}", "path", pod->vhost_path) :
	       json_pack("{s:s}", "iface", pod->host_if);
	j = json_pack("{s:s, s:s, s:s, s:o, s:{s:s, s:s}}", "name", pod->port,
		      "role", "pod", "driver", cni_driver_name(c->driver),
		      "args", args, "pod", "ip", ip, "mac", pod->mac);
	body = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	if (body == NULL)
		return cni_error(CNI_ERR_IO, NULL, "out of memory");
	rc = request(c, "POST", "/v1/ports", body, &r, err, sizeof(err));
	free(body);
	if (rc < 0)
		return cni_error(CNI_ERR_TRY_AGAIN, NULL, "podswitch API: %s",
				 err);
	if (r.status != 201) {
		rc = cni_error(CNI_ERR_PODSWITCH, r.body, "podswitch refused "
			       "port %s: %d %s", pod->port, r.status,
			       api_message(&r));
		ps_http_reply_free(&r);
		return rc;
	}
	ps_http_reply_free(&r);
	return 0;
}

int
cni_port_del(const struct cni_conf *c, const struct cni_pod *pod)
{
	struct ps_http_reply r;
	char path[96], err[512];
	int rc;

	snprintf(path, sizeof(path), "/v1/ports/%s", pod->port);
	/* unreachable: the runtime must try again, or the port would come
	 * back from podswitch's state at its next start */
	if (request(c, "DELETE", path, NULL, &r, err, sizeof(err)) < 0)
		return cni_error(CNI_ERR_TRY_AGAIN, NULL, "podswitch API: %s",
				 err);
	rc = r.status == 204 || r.status == 404 ? 0 :
	     cni_error(CNI_ERR_PODSWITCH, r.body, "podswitch cannot remove "
		       "port %s: %d %s", pod->port, r.status, api_message(&r));
	ps_http_reply_free(&r);
	return rc;
}

int
cni_port_check(const struct cni_conf *c, const struct cni_pod *pod)
{
	struct ps_http_reply r;
	char path[96], err[512], ip[INET_ADDRSTRLEN];
	const char *pip, *pmac;
	json_t *j, *p;
	int rc = 0;

	snprintf(path, sizeof(path), "/v1/ports/%s", pod->port);
	if (request(c, "GET", path, NULL, &r, err, sizeof(err)) < 0)
		return cni_error(CNI_ERR_TRY_AGAIN, NULL, "podswitch API: %s",
				 err);
	if (r.status != 200) {
		rc = cni_error(CNI_ERR_CHECK_FAILED, r.body, "podswitch has no "
			       "port %s (%d)", pod->port, r.status);
		ps_http_reply_free(&r);
		return rc;
	}
	j = json_loads(r.body, 0, NULL);
	p = json_object_get(j, "pod");
	pip = json_string_value(json_object_get(p, "ip"));
	pmac = json_string_value(json_object_get(p, "mac"));
	inet_ntop(AF_INET, &pod->ip, ip, sizeof(ip));
	if (pip == NULL || pmac == NULL || strcmp(pip, ip) != 0 ||
	    strcasecmp(pmac, pod->mac) != 0)
		rc = cni_error(CNI_ERR_CHECK_FAILED, r.body, "podswitch port %s "
			       "serves %s %s, the pod is %s %s", pod->port,
			       pip != NULL ? pip : "-", pmac != NULL ? pmac :
			       "-", ip, pod->mac);
	json_decref(j);
	ps_http_reply_free(&r);
	return rc;
}
