/* SPDX-License-Identifier: BSD-3-Clause */
/* log [level [LEVEL]]: the daemon's log level (GET and PUT /v1/log). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

static int
log_show(const struct ctl *c)
{
	json_t *j;
	int rc = ctl_get_json(c, "/v1/log", &j);

	if (rc != CTL_EXIT_OK || j == NULL)
		return rc;
	printf("level %s (global %s)\n", jstr(j, "level", NULL, 0),
	       jstr(j, "global", NULL, 0));
	json_decref(j);
	return CTL_EXIT_OK;
}

static int
log_set(const struct ctl *c, const char *level)
{
	json_t *body = json_pack("{s:s}", "level", level), *j;
	char *s = body != NULL ? json_dumps(body, JSON_COMPACT) : NULL;
	int rc;

	json_decref(body);
	if (s == NULL) {
		fprintf(stderr, "podswitchctl: out of memory\n");
		return CTL_EXIT_FAIL;
	}
	/* the server checks the name: one list of levels */
	rc = ctl_change_reply(c, "PUT", "/v1/log", s, strlen(s), &j);
	free(s);
	if (j != NULL) {
		printf("level %s\n", jstr(j, "level", NULL, 0));
		json_decref(j);
	}
	return rc;
}

int
cmd_log(const struct ctl *c, int argc, char **argv)
{
	if (argc == 0)
		return log_show(c);
	if (strcmp(argv[0], "level") != 0)
		return ctl_usage_error("log: unknown subcommand '%s'", argv[0]);
	if (argc == 1)
		return log_show(c);
	if (argc > 2)
		return ctl_usage_error("log level: unexpected '%s'", argv[2]);
	return log_set(c, argv[1]);
}
