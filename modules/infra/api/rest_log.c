/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * GET and PUT /v1/log: the log level at run time, so an operator can turn
 * on debug lines while a problem lasts without a restart. PUT sets every
 * podswitch.* log type and the EAL's global level (which caps every type,
 * DPDK's own included) to the level given; DPDK's own types keep their
 * levels. Per-packet lines stay off: they need --trace too.
 */
#include <string.h>

#include <rte_common.h>

#include "rest_private.h"

/* rte_log levels 1 (EMERG) .. 8 (DEBUG) by name; the last five are the
 * ones PUT takes. */
static const char *const level_names[] = {
	[RTE_LOG_EMERG] = "emergency", [RTE_LOG_ALERT] = "alert",
	[RTE_LOG_CRIT] = "critical", [RTE_LOG_ERR] = "error",
	[RTE_LOG_WARNING] = "warning", [RTE_LOG_NOTICE] = "notice",
	[RTE_LOG_INFO] = "info", [RTE_LOG_DEBUG] = "debug",
};

static const char *
level_name(int level)
{
	if (level < (int)RTE_LOG_EMERG || level > (int)RTE_LOG_DEBUG)
		return "unknown";
	return level_names[level];
}

static json_t *
log_json(void)
{
	return json_pack("{s:s, s:s}",
			 "level", level_name(rte_log_get_level(ps_logtype_api)),
			 "global", level_name((int)rte_log_get_global_level()));
}

static void
rest_log_get(struct ps_rest *r, const struct ps_http_request *req,
	     struct ps_http_response *resp, const char *arg)
{
	RTE_SET_USED(r);
	RTE_SET_USED(req);
	RTE_SET_USED(arg);
	rest_reply(resp, 200, log_json());
}

static void
rest_log_put(struct ps_rest *r, const struct ps_http_request *req,
	     struct ps_http_response *resp, const char *arg)
{
	json_t *body = rest_body(req, resp), *v;
	const char *s;
	unsigned int level;

	RTE_SET_USED(r);
	RTE_SET_USED(arg);
	if (body == NULL)
		return;
	v = json_object_get(body, "level");
	s = json_string_value(v);
	for (level = RTE_LOG_ERR; s != NULL && level <= RTE_LOG_DEBUG; level++)
		if (strcmp(s, level_names[level]) == 0)
			break;
	if (!json_is_object(body) || json_object_size(body) != 1 ||
	    s == NULL || level > RTE_LOG_DEBUG) {
		json_decref(body);
		rest_bad(resp, "$.level: must be one of debug, info, notice, "
			 "warning, error (and the only key)");
		return;
	}
	/* logged at the old level, so whoever watched sees the change */
	REST_LOG(NOTICE, "log level %s -> %s\n",
		 level_name(rte_log_get_level(ps_logtype_api)), s);
	json_decref(body);
	rte_log_set_global_level(level);
	if (rte_log_set_level_pattern("podswitch.*", level) < 0) {
		ps_http_json_error(resp, 500, "internal_error",
				   "cannot set the podswitch.* log levels");
		return;
	}
	rest_reply(resp, 200, log_json());
}

PS_REST_ROUTE("GET", "/v1/log", rest_log_get);
PS_REST_ROUTE("PUT", "/v1/log", rest_log_put);
