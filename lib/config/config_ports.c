/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * "ports" of the configuration, and one port object as POST /v1/ports
 * takes it: names, roles, driver arguments checked against the driver's
 * profile, the pod behind a pod port.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>

#include "config_private.h"

static const char *const role_names[] = {
	[PS_ROLE_POD] = "pod",
	[PS_ROLE_UPLINK] = "uplink",
	[PS_ROLE_HOST] = "host",
};

const char *
ps_port_role_name(enum ps_port_role role)
{
	return (unsigned int)role < RTE_DIM(role_names) ? role_names[role] : "?";
}

const char *
ps_port_arg(const struct ps_port_config *pc, const char *key)
{
	unsigned int i;

	for (i = 0; i < pc->nb_args; i++)
		if (strcmp(pc->args[i].key, key) == 0)
			return pc->args[i].value;
	return NULL;
}


static bool
port_name_ok(const char *s)
{
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '_' ||
		      *s == '.'))
			return false;
	return true;
}

static void
parse_port_args(const json_t *port, const char *path, struct ps_port_config *pc,
		const struct ps_profile *pr, struct ps_errors *errs)
{
	const json_t *args = ps_json_object(port, path, "args", 0, errs);
	char ap[PS_JPATH_MAX];
	const char *key;
	json_t *v;
	unsigned int i;

	ps_jpath_key(ap, path, "args");
	if (args != NULL) {
		json_object_foreach((json_t *)(uintptr_t)args, key, v) {
			char p[PS_JPATH_MAX];
			struct ps_kv *kv;
			bool known = false;

			ps_jpath_key(p, ap, key);
			for (i = 0; pr != NULL && i < pr->nb_args; i++)
				if (strcmp(pr->args[i].key, key) == 0)
					known = true;
			if (pr != NULL && !known) {
				ps_errors_add(errs, p, "unknown argument for driver %s",
					      pr->driver);
				continue;
			}
			if (pc->nb_args == PS_MAX_PORT_ARGS ||
			    strlen(key) >= sizeof(kv->key))
				continue;
			kv = &pc->args[pc->nb_args];
			if (json_is_string(v)) {
				const char *s = json_string_value(v);

				if (json_string_length(v) == 0 ||
				    json_string_length(v) >= sizeof(kv->value) ||
				    strpbrk(s, ",=") != NULL || strlen(s) !=
				    json_string_length(v)) {
					ps_errors_add(errs, p, "must be a non-empty string "
						      "without ',' or '=' of fewer than %zu characters",
						      sizeof(kv->value));
					continue;
				}
				strcpy(kv->value, s);
			} else if (json_is_integer(v) && json_integer_value(v) >= 0) {
				snprintf(kv->value, sizeof(kv->value),
					 "%" JSON_INTEGER_FORMAT, json_integer_value(v));
			} else if (json_is_boolean(v)) {
				strcpy(kv->value, json_is_true(v) ? "1" : "0");
			} else {
				ps_errors_add(errs, p, "must be a string, a non-negative integer or a boolean");
				continue;
			}
			strcpy(kv->key, key);
			pc->nb_args++;
		}
	}
	for (i = 0; pr != NULL && i < pr->nb_args; i++) {
		if (pr->args[i].required && ps_port_arg(pc, pr->args[i].key) == NULL) {
			char p[PS_JPATH_MAX];

			ps_jpath_key(p, ap, pr->args[i].key);
			ps_errors_add(errs, p, "required by driver %s", pr->driver);
		}
	}
}

static void
parse_pod(const json_t *port, const char *path, const struct ps_config *cfg,
	  struct ps_port_config *pc, struct ps_errors *errs)
{
	static const char *const keys[] = { "ip", "mac", NULL };
	const json_t *pod = ps_json_object(port, path, "pod", 0, errs);
	char pp[PS_JPATH_MAX];
	bool ok;

	if (pod == NULL)
		return;
	ps_jpath_key(pp, path, "pod");
	if (pc->role != PS_ROLE_POD) {
		ps_errors_add(errs, pp, "only a port with role \"pod\" has a pod");
		return;
	}
	ps_json_unknown_keys(pod, pp, keys, NULL, errs);
	ok = cfg_get_ip(pod, pp, "ip", PS_JP_REQUIRED, &pc->pod_ip, errs);
	ok &= cfg_get_mac(pod, pp, "mac", PS_JP_REQUIRED, &pc->pod_mac, errs);
	if (!ok)
		return;
	if (cfg->pod_cidr.len != 0 && !ps_prefix4_contains(&cfg->pod_cidr,
							   pc->pod_ip)) {
		char p[PS_JPATH_MAX];

		ps_jpath_key(p, pp, "ip");
		ps_errors_add(errs, p, "not inside $.node.pod_cidr");
		return;
	}
	if (pc->pod_ip == cfg->gateway_ip) {
		char p[PS_JPATH_MAX];

		ps_jpath_key(p, pp, "ip");
		ps_errors_add(errs, p, "is the gateway address");
		return;
	}
	pc->has_pod = true;
}

/*
 * One port object at path, without the checks against the other ports
 * (the caller knows which those are). Returns false if anything was wrong.
 */
static bool
parse_port(const json_t *port, const char *path, const struct ps_config *cfg,
	   struct ps_port_config *pc, struct ps_errors *errs)
{
	static const char *const keys[] = { "name", "role", "driver", "args",
		"pod", "queues", NULL };
	const struct ps_profile *pr = NULL;
	unsigned int before = ps_errors_seen(errs);
	char role[16];
	uint64_t u;

	memset(pc, 0, sizeof(*pc));
	pc->rx_queues = 1;
	if (!json_is_object(port)) {
		ps_errors_add(errs, path, "must be an object");
		return false;
	}
	ps_json_unknown_keys(port, path, keys, NULL, errs);
	if (ps_json_string(port, path, "name", PS_JP_REQUIRED, pc->name,
			   sizeof(pc->name), errs) && !port_name_ok(pc->name)) {
		char p[PS_JPATH_MAX];

		ps_jpath_key(p, path, "name");
		ps_errors_add(errs, p, "'%s' may hold only letters, "
			      "digits, '-', '_' and '.'", pc->name);
	}
	if (ps_json_string(port, path, "role", PS_JP_REQUIRED, role, sizeof(role),
			   errs)) {
		char p[PS_JPATH_MAX];

		ps_jpath_key(p, path, "role");
		if (strcmp(role, "pod") == 0)
			pc->role = PS_ROLE_POD;
		else if (strcmp(role, "uplink") == 0)
			pc->role = PS_ROLE_UPLINK;
		else if (strcmp(role, "host") == 0)
			pc->role = PS_ROLE_HOST;
		else
			ps_errors_add(errs, p, "must be \"pod\", \"uplink\" or "
				      "\"host\", got \"%s\"", role);
	}
	if (ps_json_string(port, path, "driver", PS_JP_REQUIRED, pc->driver,
			   sizeof(pc->driver), errs)) {
		pr = ps_profile_find(pc->driver);
		if (pr == NULL) {
			char p[PS_JPATH_MAX];

			ps_jpath_key(p, path, "driver");
			ps_errors_add(errs, p, "unknown driver '%s' (no profile in %s)",
				      pc->driver, ps_profiles_default_dir());
		}
	}
	if (ps_json_uint(port, path, "queues", 0, 1, 16, &u, errs))
		pc->rx_queues = (uint16_t)u;
	parse_port_args(port, path, pc, pr, errs);
	parse_pod(port, path, cfg, pc, errs);
	return ps_errors_seen(errs) == before;
}

/*
 * Problems of pc against the ports others[0..n), reported at path. The
 * other port is named by its name: an index into the running node's
 * ports (after hot plugs and removals) is nothing the operator wrote.
 */
static void
check_port_against(const struct ps_port_config *pc, const char *path,
		   const struct ps_port_config *others, unsigned int n,
		   struct ps_errors *errs)
{
	char p[PS_JPATH_MAX], addr[RTE_ETHER_ADDR_FMT_SIZE];
	unsigned int j;

	for (j = 0; j < n; j++) {
		const struct ps_port_config *o = &others[j];

		if (pc->name[0] != '\0' && strcmp(o->name, pc->name) == 0) {
			ps_jpath_key(p, path, "name");
			ps_errors_add(errs, p, "duplicate port name '%s'",
				      pc->name);
		}
		if (!pc->has_pod || !o->has_pod)
			continue;
		ps_jpath_key(p, path, "pod");
		if (o->pod_ip == pc->pod_ip) {
			ps_ip4_fmt(addr, pc->pod_ip);
			ps_errors_add(errs, p, "pod IP %s of port '%s' is "
				      "already used by port '%s'", addr,
				      pc->name, o->name);
		}
		if (rte_is_same_ether_addr(&o->pod_mac, &pc->pod_mac)) {
			const uint8_t *b = pc->pod_mac.addr_bytes;

			/* lower case, as the API and the files write it */
			snprintf(addr, sizeof(addr), "%02x:%02x:%02x:%02x:"
				 "%02x:%02x", b[0], b[1], b[2], b[3], b[4],
				 b[5]);
			ps_errors_add(errs, p, "pod MAC %s of port '%s' is "
				      "already used by port '%s'", addr,
				      pc->name, o->name);
		}
	}
}

void
cfg_parse_ports(const json_t *root, struct ps_config *cfg,
		struct ps_errors *errs)
{
	const json_t *ports = ps_json_array(root, "$", "ports", PS_JP_REQUIRED,
					    errs);
	unsigned int nb_uplink = 0, nb_host = 0;
	size_t i;
	json_t *port;

	if (ports == NULL)
		return;
	if (json_array_size(ports) == 0)
		ps_errors_add(errs, "$.ports", "at least one port is needed");
	if (json_array_size(ports) > PS_MAX_CONFIG_PORTS) {
		ps_errors_add(errs, "$.ports", "at most %d ports (add more "
			      "with POST /v1/ports)", PS_MAX_CONFIG_PORTS);
		return;
	}
	json_array_foreach(ports, i, port) {
		struct ps_port_config *pc = &cfg->ports[cfg->nb_ports];
		char path[PS_JPATH_MAX], p[PS_JPATH_MAX];

		ps_jpath_idx(path, "$.ports", i);
		parse_port(port, path, cfg, pc, errs);
		if (!json_is_object(port))
			continue;
		ps_jpath_key(p, path, "role");
		if (pc->role == PS_ROLE_UPLINK && ++nb_uplink > 1)
			ps_errors_add(errs, p, "only one uplink port is supported");
		if (pc->role == PS_ROLE_HOST && ++nb_host > 1)
			ps_errors_add(errs, p, "only one host port is supported");
		check_port_against(pc, path, cfg->ports, cfg->nb_ports, errs);
		cfg->nb_ports++;
	}
}

int
ps_port_config_parse(const char *text, size_t len, const struct ps_config *cfg,
		     const struct ps_port_config *others, unsigned int nb_others,
		     struct ps_port_config *pc, struct ps_errors *errs)
{
	json_error_t jerr;
	json_t *root;
	unsigned int before = ps_errors_seen(errs);

	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		ps_errors_add(errs, "$", "invalid JSON at line %d column %d: %s",
			      jerr.line, jerr.column, jerr.text);
		return -EINVAL;
	}
	if (parse_port(root, "$", cfg, pc, errs))
		check_port_against(pc, "$", others, nb_others, errs);
	json_decref(root);
	return ps_errors_seen(errs) == before ? 0 : -EINVAL;
}
