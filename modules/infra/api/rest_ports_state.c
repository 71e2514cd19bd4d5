/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The hot-plugged ports in the state directory: each as its POST
 * /v1/ports body, restored one by one (a port whose device is gone costs
 * only itself), before anything that may name them. Written before the
 * reply: a CNI ADD must not be forgotten.
 */
#include <stdlib.h>
#include <string.h>

#include "rest_private.h"

static bool
added_at_runtime(const struct ps_dataplane *dp, unsigned int i)
{
	return i >= dp->cfg->nb_ports ||
	       strcmp(dp->cfg->ports[i].name, dp->ports[i].name) != 0;
}

/* The ports added over the API, each as its POST /v1/ports body. */
static json_t *
ports_save(const struct ps_dataplane *dp)
{
	json_t *arr = json_array();
	unsigned int i, k;

	for (i = 0; i < dp->nb_ports; i++) {
		const struct ps_port_config *c = &dp->ports[i];
		json_t *args = json_object(), *p;

		if (!added_at_runtime(dp, i))
			continue;
		for (k = 0; k < c->nb_args; k++)
			json_object_set_new(args, c->args[k].key,
					    json_string(c->args[k].value));
		p = json_pack("{s:s, s:s, s:s, s:o, s:i}", "name", c->name,
			      "role", ps_port_role_name(c->role), "driver",
			      c->driver, "args", args, "queues",
			      (int)c->rx_queues);
		if (c->has_pod)
			json_object_set_new(p, "pod", json_pack("{s:o, s:o}",
				"ip", rest_json_ip(c->pod_ip),
				"mac", rest_json_mac(&c->pod_mac)));
		json_array_append_new(arr, p);
	}
	return arr;
}

static unsigned int
ports_restore(struct ps_rest *r, const json_t *arr, unsigned int *refused)
{
	unsigned int ok = 0;
	json_t *p;
	size_t i;

	json_array_foreach((json_t *)(uintptr_t)arr, i, p) {
		char *body = json_dumps(p, JSON_COMPACT), why[1024] = "";
		const char *name = json_string_value(json_object_get(p, "name"));

		if (body != NULL && rest_replay(r, "POST", "/v1/ports", body,
						strlen(body), why,
						sizeof(why)) < 300)
			ok++;
		else
			rest_state_refused("ports", (*refused)++,
					   name != NULL ? name : "an item", why);
		free(body);
	}
	return ok;
}

static const char *const ports_resources[] = { "ports", NULL };

static struct rest_state_kind ports_state = {
	.name = "ports",
	.rank = 0,
	.resources = ports_resources,
	.always_sync = true,
	.save = ports_save,
	.restore_items = ports_restore,
};

PS_REST_STATE(ports_state);
