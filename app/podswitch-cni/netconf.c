/* SPDX-License-Identifier: BSD-3-Clause */
/* The network configuration (docs/design.md section 5, podswitch-cni). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cni.h"

#define DEFAULT_SOCKET "/run/podswitch/api.sock"
#define DEFAULT_SOCKET_DIR "/run/podswitch/vhost"
#define DEFAULT_VETH_PREFIX "ps"
#define VETH_PREFIX_MAX 5	/* + 8 hex digits of the hash <= 15 */

static const char *const versions[] = { "0.3.0", "0.3.1", "0.4.0", "1.0.0",
	NULL };

const char *
cni_driver_name(enum cni_driver d)
{
	return d == CNI_DRV_AF_XDP ? "af_xdp" :
	       d == CNI_DRV_VHOST_USER ? "vhost-user" : "af_packet";
}

static int __attribute__((format(printf, 1, 2)))
bad(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return cni_error(CNI_ERR_INVALID_CONFIG, NULL, "%s", msg);
}

/* A string member, or def when absent; NULL (error printed) when not a
 * string. */
static int
opt_string(const json_t *o, const char *where, const char *key,
	   const char **out, const char *def)
{
	const json_t *v = json_object_get(o, key);

	if (v == NULL) {
		*out = def;
		return 0;
	}
	if (!json_is_string(v) || json_string_length(v) == 0)
		return bad("%s%s: must be a non-empty string", where, key);
	*out = json_string_value(v);
	return 0;
}

static int
parse_port(const json_t *p, struct cni_conf *c)
{
	static const char *const keys[] = { "driver", "socket_dir",
		"veth_prefix", NULL };
	const char *drv = "af_packet", *k;
	json_t *v;
	int rc;

	c->driver = CNI_DRV_AF_PACKET;
	c->socket_dir = DEFAULT_SOCKET_DIR;
	c->veth_prefix = DEFAULT_VETH_PREFIX;
	if (p == NULL)
		return 0;
	if (!json_is_object(p))
		return bad("port: must be an object");
	json_object_foreach((json_t *)(uintptr_t)p, k, v) {
		unsigned int i;

		for (i = 0; keys[i] != NULL && strcmp(keys[i], k) != 0; i++)
			;
		if (keys[i] == NULL)
			return cni_error(CNI_ERR_UNSUPPORTED_FIELD, NULL,
					 "port.%s: unknown field (port has "
					 "driver, socket_dir, veth_prefix)", k);
	}
	rc = opt_string(p, "port.", "driver", &drv, "af_packet");
	if (rc == 0 && strcmp(drv, "af_packet") == 0)
		c->driver = CNI_DRV_AF_PACKET;
	else if (rc == 0 && strcmp(drv, "af_xdp") == 0)
		c->driver = CNI_DRV_AF_XDP;
	else if (rc == 0 && strcmp(drv, "vhost-user") == 0)
		c->driver = CNI_DRV_VHOST_USER;
	else if (rc == 0)
		return bad("port.driver: '%s' is none of af_packet, af_xdp, "
			   "vhost-user", drv);
	if (rc == 0)
		rc = opt_string(p, "port.", "socket_dir", &c->socket_dir,
				DEFAULT_SOCKET_DIR);
	if (rc == 0 && c->socket_dir[0] != '/')
		return bad("port.socket_dir: '%s' must be an absolute path",
			   c->socket_dir);
	if (rc == 0)
		rc = opt_string(p, "port.", "veth_prefix", &c->veth_prefix,
				DEFAULT_VETH_PREFIX);
	if (rc == 0 && (strlen(c->veth_prefix) > VETH_PREFIX_MAX ||
			strpbrk(c->veth_prefix, "/: \t") != NULL))
		return bad("port.veth_prefix: '%s' must be 1-5 characters "
			   "of an interface name", c->veth_prefix);
	return rc;
}

int
cni_conf_parse(const char *text, size_t len, struct cni_conf *c)
{
	const json_t *ipam, *mtu;
	json_error_t err;
	unsigned int i;
	int rc;

	memset(c, 0, sizeof(*c));
	c->text = text;
	c->text_len = len;
	c->root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &err);
	if (c->root == NULL)
		return cni_error(CNI_ERR_DECODE, NULL, "network configuration: "
				 "line %d, column %d: %s", err.line,
				 err.column, err.text);
	if (!json_is_object(c->root)) {
		rc = cni_error(CNI_ERR_DECODE, NULL, "network configuration: "
			       "must be a JSON object");
		goto fail;
	}
	rc = opt_string(c->root, "", "cniVersion", &c->cni_version, NULL);
	if (rc == 0 && c->cni_version == NULL)
		rc = bad("cniVersion: required");
	if (rc != 0)
		goto fail;
	for (i = 0; versions[i] != NULL; i++)
		if (strcmp(versions[i], c->cni_version) == 0)
			break;
	if (versions[i] == NULL) {
		rc = cni_error(CNI_ERR_INCOMPATIBLE_VERSION, NULL, "cniVersion "
			       "'%s' is not supported (0.3.0, 0.3.1, 0.4.0, "
			       "1.0.0)", c->cni_version);
		goto fail;
	}
	rc = opt_string(c->root, "", "name", &c->name, NULL);
	if (rc == 0 && c->name == NULL)
		rc = bad("name: required");
	if (rc == 0)
		rc = opt_string(c->root, "", "socket", &c->socket,
				DEFAULT_SOCKET);
	if (rc == 0 && c->socket[0] != '/')
		rc = bad("socket: '%s' must be an absolute path", c->socket);
	if (rc == 0)
		rc = parse_port(json_object_get(c->root, "port"), c);
	if (rc != 0)
		goto fail;
	mtu = json_object_get(c->root, "mtu");
	if (mtu != NULL) {
		if (!json_is_integer(mtu) || json_integer_value(mtu) < 68 ||
		    json_integer_value(mtu) > 65535) {
			rc = bad("mtu: must be an integer 68..65535");
			goto fail;
		}
		c->mtu = (unsigned int)json_integer_value(mtu);
	}
	ipam = json_object_get(c->root, "ipam");
	if (ipam != NULL) {
		if (!json_is_object(ipam)) {
			rc = bad("ipam: must be an object");
			goto fail;
		}
		rc = opt_string(ipam, "ipam.", "type", &c->ipam_type, NULL);
		if (rc != 0)
			goto fail;
		if (c->ipam_type == NULL || strchr(c->ipam_type, '/') != NULL) {
			rc = bad("ipam.type: required, a plugin name (no "
				 "'/')");
			goto fail;
		}
	}
	c->prev_result = json_object_get(c->root, "prevResult");
	if (c->prev_result != NULL && !json_is_object(c->prev_result)) {
		rc = bad("prevResult: must be an object");
		goto fail;
	}
	return 0;
fail:
	json_decref(c->root);
	c->root = NULL;
	return rc;
}
