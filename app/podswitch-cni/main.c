/* SPDX-License-Identifier: BSD-3-Clause */
/* podswitch-cni: the environment, the command, errors and VERSION. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cni.h"

#define CONF_MAX (1u << 20)

static bool error_printed;

int
cni_error(int code, const char *details, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	json_t *j;

	/* the first failure is the one the runtime hears of; what undoing
	 * it meets afterwards would only hide it */
	if (error_printed)
		return 1;
	error_printed = true;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	j = json_pack("{s:s, s:i, s:s}", "cniVersion", CNI_VERSION, "code",
		      code, "msg", msg);
	if (details != NULL && details[0] != '\0')
		json_object_set_new(j, "details", json_string(details));
	json_dumpf(j, stdout, JSON_INDENT(2));
	fputc('\n', stdout);
	fflush(stdout);
	json_decref(j);
	/* the runtime logs stderr on some paths, stdout on others */
	fprintf(stderr, "podswitch-cni: %s\n", msg);
	return 1;
}

static int
version(void)
{
	printf("{\"cniVersion\": \"%s\", \"supportedVersions\": "
	       "[\"0.3.0\", \"0.3.1\", \"0.4.0\", \"1.0.0\"]}\n", CNI_VERSION);
	return 0;
}

static char *
read_stdin(size_t *len)
{
	size_t cap = 8192, n = 0;
	char *buf = malloc(cap + 1), *nb;
	ssize_t r;

	while (buf != NULL) {
		if (n == cap) {
			if (cap >= CONF_MAX) {
				free(buf);
				errno = EFBIG;
				return NULL;
			}
			cap *= 2;
			nb = realloc(buf, cap + 1);
			if (nb == NULL) {
				free(buf);
				return NULL;
			}
			buf = nb;
		}
		r = read(0, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			free(buf);
			return NULL;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (buf != NULL)
		buf[n] = '\0';
	*len = n;
	return buf;
}

/* Names the kernel and podswitch take: no '/', no spaces, not empty. */
static bool
ifname_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= CNI_IFNAME_MAX || strcmp(s, ".") == 0 ||
	    strcmp(s, "..") == 0)
		return false;
	for (; *s != '\0'; s++)
		if (*s == '/' || *s == ':' || *s <= ' ' || *s > '~')
			return false;
	return true;
}

static bool
container_id_ok(const char *s)
{
	if (s[0] == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '_' ||
		      *s == '.'))
			return false;
	return true;
}

static const char *
env_or(const char *name, const char *def)
{
	const char *v = getenv(name);

	return v != NULL ? v : def;
}

int
main(int argc, char **argv)
{
	struct cni_env env = {
		.command = env_or("CNI_COMMAND", ""),
		.container_id = env_or("CNI_CONTAINERID", ""),
		.netns = env_or("CNI_NETNS", ""),
		.ifname = env_or("CNI_IFNAME", ""),
		.args = env_or("CNI_ARGS", ""),
		.path = env_or("CNI_PATH", ""),
	};
	struct cni_conf conf;
	size_t len;
	char *text;
	int rc;

	if (argc > 1 && (strcmp(argv[1], "--version") == 0 ||
			 strcmp(argv[1], "-h") == 0 ||
			 strcmp(argv[1], "--help") == 0)) {
		printf("podswitch-cni: CNI %s plugin of podswitch; run by a "
		       "container runtime with CNI_COMMAND=ADD|DEL|CHECK|VERSION "
		       "and the network configuration on stdin\n",
		       CNI_VERSION);
		return 0;
	}
	if (strcmp(env.command, "VERSION") == 0)
		return version();
	if (strcmp(env.command, "ADD") != 0 && strcmp(env.command, "DEL") != 0 &&
	    strcmp(env.command, "CHECK") != 0)
		return cni_error(CNI_ERR_INVALID_ENV, NULL, "CNI_COMMAND '%s': "
				 "expected ADD, DEL, CHECK or VERSION",
				 env.command);
	if (!container_id_ok(env.container_id))
		return cni_error(CNI_ERR_INVALID_ENV, NULL, "CNI_CONTAINERID "
				 "'%s': required, letters, digits, '-', '_', "
				 "'.'", env.container_id);
	if (!ifname_ok(env.ifname))
		return cni_error(CNI_ERR_INVALID_ENV, NULL, "CNI_IFNAME '%s': "
				 "required, an interface name of 1-15 "
				 "characters", env.ifname);
	/* DEL may come without a namespace (it is gone already) */
	if (strcmp(env.command, "DEL") != 0 && env.netns[0] == '\0')
		return cni_error(CNI_ERR_INVALID_ENV, NULL, "CNI_NETNS: "
				 "required for %s", env.command);
	text = read_stdin(&len);
	if (text == NULL)
		return cni_error(CNI_ERR_IO, NULL, "cannot read the network "
				 "configuration from stdin: %s",
				 strerror(errno));
	rc = cni_conf_parse(text, len, &conf);
	if (rc != 0) {
		free(text);
		return rc;
	}
	if (strcmp(env.command, "ADD") == 0)
		rc = cni_cmd_add(&env, &conf);
	else if (strcmp(env.command, "DEL") == 0)
		rc = cni_cmd_del(&env, &conf);
	else
		rc = cni_cmd_check(&env, &conf);
	json_decref(conf.root);
	free(text);
	return rc;
}
