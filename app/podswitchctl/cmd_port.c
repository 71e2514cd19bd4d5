/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * port list|show|add|del: pod ports plugged in and out while the daemon
 * runs, in the spirit of "ovs-vsctl add-port" with the driver's arguments
 * as KEY=VALUE pairs, and one port's details as "ip -s link show DEV".
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

static const char *
counter(const json_t *port, const char *key, char *buf, size_t size)
{
	const json_t *v = json_object_get(json_object_get(port, "counters"),
					  key);

	if (!json_is_integer(v))
		return "-";
	snprintf(buf, size, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	return buf;
}

static int
port_list(const struct ctl *c)
{
	char rx[24], tx[24], drop[24];
	struct table *tb;
	json_t *j, *p;
	size_t i;
	int rc = ctl_get_json(c, "/v1/ports", &j);

	if (rc != CTL_EXIT_OK || j == NULL)
		return rc;
	tb = table_new(9, "NAME", "ROLE", "DRIVER", "ID", "LINK", "POD",
		       "RX-PACKETS", "TX-PACKETS", "TX-DROPPED");
	json_array_foreach(j, i, p) {
		const json_t *pod = json_object_get(p, "pod");
		char id[16], podtxt[64];

		snprintf(id, sizeof(id), "%" JSON_INTEGER_FORMAT,
			 json_integer_value(json_object_get(p, "port_id")));
		if (pod != NULL)
			snprintf(podtxt, sizeof(podtxt), "%s %s",
				 jstr(pod, "ip", NULL, 0),
				 jstr(pod, "mac", NULL, 0));
		else
			snprintf(podtxt, sizeof(podtxt), "-");
		table_row(tb, jstr(p, "name", NULL, 0), jstr(p, "role", NULL, 0),
			  jstr(p, "driver", NULL, 0), id,
			  json_is_true(json_object_get(p, "link_up")) ? "up" :
			  "down", podtxt,
			  counter(p, "rx_packets", rx, sizeof(rx)),
			  counter(p, "tx_packets", tx, sizeof(tx)),
			  counter(p, "tx_dropped", drop, sizeof(drop)));
	}
	table_print(tb, "");
	table_free(tb);
	json_decref(j);
	return CTL_EXIT_OK;
}

/* Port names are letters, digits, '-', '_', '.': nothing to escape, and
 * anything else is no port of ours. */
static bool
port_name_ok(const char *name)
{
	const char *p;

	for (p = name; *p != '\0'; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') ||
		      (*p >= 'A' && *p <= 'Z') || *p == '-' || *p == '_' ||
		      *p == '.'))
			return false;
	return p != name && p - name < 200;
}

static void
show_args(const json_t *p)
{
	const char *key;
	json_t *v;
	bool first = true;

	printf("  %-9s ", "args");
	json_object_foreach(json_object_get(p, "args"), key, v) {
		printf("%s%s=%s", first ? "" : " ", key,
		       json_string_value(v) ?: "?");
		first = false;
	}
	printf("%s\n", first ? "-" : "");
}

/* One port, a line per property, counters last. */
static int
port_show(const struct ctl *c, const char *name)
{
	char path[256], b[4][24];
	const json_t *pod, *cnt;
	json_t *p;
	int rc;

	if (!port_name_ok(name))
		return ctl_usage_error("port show: '%s' is not a port name",
				       name);
	snprintf(path, sizeof(path), "/v1/ports/%s", name);
	rc = ctl_get_json(c, path, &p);
	if (rc != CTL_EXIT_OK || p == NULL)
		return rc;
	pod = json_object_get(p, "pod");
	cnt = json_object_get(p, "counters");
	printf("port %s\n", jstr(p, "name", NULL, 0));
	printf("  %-9s %s\n", "role", jstr(p, "role", NULL, 0));
	printf("  %-9s %s (%s backend, device %s)\n", "driver",
	       jstr(p, "driver", NULL, 0), jstr(p, "backend", NULL, 0),
	       jstr(p, "device", NULL, 0));
	show_args(p);
	printf("  %-9s %s\n", "mac", jstr(p, "mac", NULL, 0));
	printf("  %-9s %s\n", "mtu", jstr(p, "mtu", b[0], sizeof(b[0])));
	if (pod != NULL)
		printf("  %-9s %s %s\n", "pod", jstr(pod, "ip", NULL, 0),
		       jstr(pod, "mac", NULL, 0));
	else
		printf("  %-9s -\n", "pod");
	printf("  %-9s %s\n", "link",
	       json_is_true(json_object_get(p, "link_up")) ? "up" : "down");
	printf("  %-9s %s rx, %s tx\n", "queues",
	       jstr(p, "rx_queues", b[0], sizeof(b[0])),
	       jstr(p, "tx_queues", b[1], sizeof(b[1])));
	printf("  %-9s %s%s\n", "id", jstr(p, "port_id", b[0], sizeof(b[0])),
	       json_is_true(json_object_get(p, "added_at_runtime")) ?
	       ", added at run time" : "");
	printf("  %-9s %s packets, %s bytes, %s missed, %s errors\n", "rx",
	       jstr(cnt, "rx_packets", b[0], sizeof(b[0])),
	       jstr(cnt, "rx_bytes", b[1], sizeof(b[1])),
	       jstr(cnt, "rx_missed", b[2], sizeof(b[2])),
	       jstr(cnt, "rx_errors", b[3], sizeof(b[3])));
	printf("  %-9s %s packets, %s bytes, %s errors, %s dropped\n", "tx",
	       jstr(cnt, "tx_packets", b[0], sizeof(b[0])),
	       jstr(cnt, "tx_bytes", b[1], sizeof(b[1])),
	       jstr(cnt, "tx_errors", b[2], sizeof(b[2])),
	       jstr(cnt, "tx_dropped", b[3], sizeof(b[3])));
	json_decref(p);
	return CTL_EXIT_OK;
}

static int
post_port(const struct ctl *c, json_t *j)
{
	char *body = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	int rc;

	json_decref(j);
	if (body == NULL) {
		ctl_err("port add: arguments are not valid UTF-8");
		return CTL_EXIT_FAIL;
	}
	rc = ctl_change(c, "POST", "/v1/ports", body, strlen(body));
	free(body);
	return rc;
}

static int
port_add_file(const struct ctl *c, const char *file)
{
	json_error_t err;
	size_t len;
	char *body = ctl_read_file(file, &len);
	json_t *j;

	if (body == NULL)
		return CTL_EXIT_FAIL;
	j = json_loadb(body, len, 0, &err);
	free(body);
	if (j == NULL) {
		ctl_err("%s: line %d, column %d: %s", file, err.line,
			err.column, err.text);
		return CTL_EXIT_FAIL;
	}
	return post_port(c, j);
}

static int
port_add(const struct ctl *c, int argc, char **argv)
{
	json_t *j, *args, *pod;
	int i;

	if (argc == 2 && strcmp(argv[0], "-f") == 0)
		return port_add_file(c, argv[1]);
	if (argc < 2)
		return ctl_usage_error("port add: NAME and DRIVER are required "
				       "(or -f FILE)");
	j = json_object();
	args = json_object();
	pod = json_object();
	json_object_set_new(j, "name", json_string(argv[0]));
	json_object_set_new(j, "role", json_string("pod"));
	json_object_set_new(j, "driver", json_string(argv[1]));
	for (i = 2; i < argc; i++) {
		const char *eq = strchr(argv[i], '=');

		if (eq != NULL && eq != argv[i]) {
			char key[64];

			snprintf(key, sizeof(key), "%.*s", (int)(eq - argv[i]),
				 argv[i]);
			json_object_set_new(args, key, json_string(eq + 1));
			continue;
		}
		if (i + 1 == argc) {
			json_decref(j);
			json_decref(args);
			json_decref(pod);
			return ctl_usage_error("port add: '%s' needs a value "
					       "(or is it KEY=VALUE?)", argv[i]);
		}
		if (strcmp(argv[i], "ip") == 0 || strcmp(argv[i], "mac") == 0) {
			json_object_set_new(pod, argv[i], json_string(argv[i + 1]));
		} else if (strcmp(argv[i], "queues") == 0) {
			char *end;
			long q = strtol(argv[i + 1], &end, 10);

			if (*end != '\0' || end == argv[i + 1]) {
				json_decref(j);
				json_decref(args);
				json_decref(pod);
				return ctl_usage_error("port add: queues '%s' is "
						       "not a number",
						       argv[i + 1]);
			}
			json_object_set_new(j, "queues", json_integer(q));
		} else {
			json_decref(j);
			json_decref(args);
			json_decref(pod);
			return ctl_usage_error("port add: unexpected '%s' "
					       "(KEY=VALUE, ip, mac or queues)",
					       argv[i]);
		}
		i++;
	}
	if (json_object_size(args) > 0)
		json_object_set_new(j, "args", args);
	else
		json_decref(args);
	/* The server names what is missing if only one of ip/mac is given. */
	if (json_object_size(pod) > 0)
		json_object_set_new(j, "pod", pod);
	else
		json_decref(pod);
	return post_port(c, j);
}

static int
port_del(const struct ctl *c, const char *name)
{
	char path[256];

	if (!port_name_ok(name))
		return ctl_usage_error("port del: '%s' is not a port name",
				       name);
	snprintf(path, sizeof(path), "/v1/ports/%s", name);
	return ctl_change(c, "DELETE", path, NULL, 0);
}

int
cmd_port(const struct ctl *c, int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[0], "show") == 0)
		return port_show(c, argv[1]);
	if (argc == 0 || strcmp(argv[0], "list") == 0 ||
	    strcmp(argv[0], "show") == 0) {
		if (argc > 1)
			return ctl_usage_error("port %s: unexpected '%s'",
					       argv[0], argv[argc - 1]);
		return port_list(c);
	}
	if (strcmp(argv[0], "add") == 0)
		return port_add(c, argc - 1, argv + 1);
	if (strcmp(argv[0], "del") == 0 || strcmp(argv[0], "delete") == 0) {
		if (argc != 2)
			return ctl_usage_error("port del: exactly one NAME is "
					       "required");
		return port_del(c, argv[1]);
	}
	return ctl_usage_error("port: unknown subcommand '%s' (list, show, add, "
			       "del)", argv[0]);
}
