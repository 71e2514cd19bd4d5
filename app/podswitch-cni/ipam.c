/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The IPAM plugin (the configuration's ipam.type), run as the
 * specification says: found in CNI_PATH, the same environment with our
 * command, the same configuration on stdin, its result on stdout.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cni.h"

#define OUT_MAX (1u << 20)

static int
find_plugin(const char *path, const char *type, char *out, size_t size)
{
	char *dirs = strdup(path), *save = NULL, *d;
	int rc = -ENOENT;

	if (dirs == NULL)
		return -ENOMEM;
	for (d = strtok_r(dirs, ":", &save); d != NULL;
	     d = strtok_r(NULL, ":", &save)) {
		snprintf(out, size, "%s/%s", d, type);
		if (access(out, X_OK) == 0) {
			rc = 0;
			break;
		}
	}
	free(dirs);
	return rc;
}

/*
 * Run exe with stdin in and collect its stdout (NUL terminated, malloc'ed).
 * Returns its exit status, or -errno.
 */
static int
run(const char *exe, const char *command, const char *in, size_t in_len,
    char **out)
{
	int pin[2], pout[2], status;
	size_t cap = 8192, n = 0, done = 0;
	char *buf = malloc(cap + 1);
	pid_t pid;

	*out = NULL;
	if (buf == NULL)
		return -ENOMEM;
	if (pipe2(pin, O_CLOEXEC) < 0 || pipe2(pout, O_CLOEXEC) < 0) {
		free(buf);
		return -errno;
	}
	pid = fork();
	if (pid < 0) {
		free(buf);
		return -errno;
	}
	if (pid == 0) {
		dup2(pin[0], 0);
		dup2(pout[1], 1);
		setenv("CNI_COMMAND", command, 1);
		execl(exe, exe, (char *)NULL);
		_exit(127);
	}
	close(pin[0]);
	close(pout[1]);
	signal(SIGPIPE, SIG_IGN);
	/* a small configuration fits the pipe, but do not count on it */
	fcntl(pin[1], F_SETFL, O_NONBLOCK);
	for (;;) {
		struct pollfd pf[2] = {
			{ .fd = pout[0], .events = POLLIN },
			{ .fd = done < in_len ? pin[1] : -1, .events = POLLOUT },
		};
		ssize_t r;

		if (done == in_len && pin[1] >= 0) {
			close(pin[1]);
			pin[1] = -1;
		}
		if (poll(pf, 2, -1) < 0 && errno != EINTR)
			break;
		if (pf[1].revents & (POLLOUT | POLLERR)) {
			r = write(pin[1], in + done, in_len - done);
			if (r > 0)
				done += (size_t)r;
			else if (r < 0 && errno != EAGAIN)
				done = in_len;
		}
		if (pf[0].revents & (POLLIN | POLLHUP)) {
			if (n == cap && cap < OUT_MAX) {
				char *nb = realloc(buf, cap * 2 + 1);

				if (nb == NULL)
					break;
				buf = nb;
				cap *= 2;
			}
			r = read(pout[0], buf + n, cap - n);
			if (r <= 0)
				break;
			n += (size_t)r;
		}
	}
	if (pin[1] >= 0)
		close(pin[1]);
	close(pout[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	buf[n] = '\0';
	*out = buf;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/* "a.b.c.d/len" */
static int
parse_cidr(const char *s, uint32_t *ip, unsigned int *len)
{
	char a[32], *slash;
	struct in_addr in;
	char *end;
	long l;

	if (strlen(s) >= sizeof(a))
		return -EINVAL;
	strcpy(a, s);
	slash = strchr(a, '/');
	if (slash == NULL)
		return -EINVAL;
	*slash = '\0';
	l = strtol(slash + 1, &end, 10);
	if (*end != '\0' || l < 0 || l > 32 || inet_pton(AF_INET, a, &in) != 1)
		return -EINVAL;
	*ip = in.s_addr;
	*len = (unsigned int)l;
	return 0;
}

/* The first IPv4 address of the result (0.3.x and later shapes). */
static int
take_address(const json_t *res, struct cni_pod *pod)
{
	const json_t *ips = json_object_get(res, "ips"), *e;
	size_t i;

	json_array_foreach((json_t *)(uintptr_t)ips, i, e) {
		const char *addr = json_string_value(json_object_get(e,
								     "address"));
		const char *gw = json_string_value(json_object_get(e,
								   "gateway"));
		struct in_addr g;

		if (addr == NULL || strchr(addr, ':') != NULL ||
		    parse_cidr(addr, &pod->ip, &pod->prefix_len) < 0)
			continue;
		pod->gw = gw != NULL && inet_pton(AF_INET, gw, &g) == 1 ?
			  g.s_addr : 0;
		return 0;
	}
	return -ENOENT;
}

int
cni_ipam(const struct cni_env *env, const struct cni_conf *c,
	 const char *command, struct cni_pod *pod)
{
	char exe[4096], *out = NULL;
	json_t *res;
	int rc;

	if (c->ipam_type == NULL)
		return 0;
	if (find_plugin(env->path, c->ipam_type, exe, sizeof(exe)) < 0)
		return cni_error(CNI_ERR_INVALID_CONFIG, NULL, "IPAM plugin "
				 "'%s' not found in CNI_PATH '%s'",
				 c->ipam_type, env->path);
	rc = run(exe, command, c->text, c->text_len, &out);
	if (rc < 0)
		return cni_error(CNI_ERR_IO, NULL, "cannot run IPAM plugin "
				 "%s: %s", exe, strerror(-rc));
	res = json_loads(out, 0, NULL);
	if (rc != 0) {
		/* its own error: the runtime hears its code and message */
		const char *msg = json_string_value(json_object_get(res,
								    "msg"));
		json_t *code = json_object_get(res, "code");

		rc = cni_error(json_is_integer(code) ?
			       (int)json_integer_value(code) : CNI_ERR_IO,
			       out, "IPAM %s %s failed: %s", c->ipam_type,
			       command, msg != NULL ? msg : "no message");
		json_decref(res);
		free(out);
		return rc;
	}
	if (strcmp(command, "ADD") == 0) {
		if (res == NULL || take_address(res, pod) < 0) {
			json_decref(res);
			rc = cni_error(CNI_ERR_DECODE, out, "IPAM %s gave no "
				       "IPv4 address", c->ipam_type);
			free(out);
			return rc;
		}
		pod->ipam_result = res;
	} else {
		json_decref(res);
	}
	free(out);
	return 0;
}
