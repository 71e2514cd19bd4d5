/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * kube-proxy's health endpoints on --healthz-bind-address: /healthz and
 * /livez answer {"lastUpdated": ..., "currentTime": ...} with 200 while
 * the last sync (API server to dataplane, sync.c says when one counts) is
 * at most one sync period old, 503 after, and before the first.
 */
#include <string.h>

#include "agent.h"

int
ag_healthz(struct agent *ag, const char *path, struct ag_buf *body,
	   const char **ctype)
{
	char last[40], now[40];
	uint64_t wall, mono;
	bool healthy;

	if (strcmp(path, "/healthz") != 0 && strcmp(path, "/livez") != 0) {
		ag_buf_printf(body, "404 page not found\n");
		return 404;
	}
	pthread_mutex_lock(&ag->lock);
	wall = ag->last_sync_wall_ms;
	mono = ag->last_sync_ms;
	pthread_mutex_unlock(&ag->lock);
	healthy = mono != 0 && ag_now_ms() - mono <= ag->opt.sync_period_ms;
	if (wall != 0)
		ag_fmt_time(last, sizeof(last), wall);
	else
		strcpy(last, "1970-01-01T00:00:00Z");
	ag_fmt_time(now, sizeof(now), ag_wall_ms());
	*ctype = "application/json";
	ag_buf_printf(body, "{\"lastUpdated\": \"%s\",\"currentTime\": \"%s\""
		      "%s}", last, now, strcmp(path, "/healthz") == 0 ?
		      ",\"nodeEligible\": true" : "");
	return healthy ? 200 : 503;
}
