/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The pod's interface: a veth pair whose host side podswitch attaches
 * (af_packet, af_xdp) and whose other side is CNI_IFNAME in CNI_NETNS
 * with the address, MAC and routes. Links and addresses are set with
 * iproute2's "ip" (the runtime's hosts have it) run inside the namespace;
 * the few settings ip has no word for are written by a child that joined
 * the namespace.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cni.h"

#define OUT_MAX 4096
#define ARGV_MAX 24

/* Join netns (a path; NULL: stay). 0 or -errno. */
static int
join(const char *netns)
{
	int fd, rc = 0;

	if (netns == NULL)
		return 0;
	fd = open(netns, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (setns(fd, CLONE_NEWNET) < 0)
		rc = -errno;
	close(fd);
	return rc;
}

/*
 * Run argv (argv[0] looked up in PATH) in netns; its stdout and stderr
 * in out. Returns its exit status, 126 when the namespace cannot be
 * joined, 127 when it cannot be run.
 */
static int
run_in(const char *netns, char *const argv[], char *out, size_t size)
{
	int p[2], status;
	size_t n = 0;
	ssize_t r;
	pid_t pid;

	out[0] = '\0';
	if (pipe2(p, O_CLOEXEC) < 0)
		return 127;
	pid = fork();
	if (pid < 0)
		return 127;
	if (pid == 0) {
		dup2(p[1], 1);
		dup2(p[1], 2);
		if (join(netns) < 0) {
			fprintf(stderr, "cannot enter %s: %s", netns,
				strerror(errno));
			_exit(126);
		}
		execvp(argv[0], argv);
		fprintf(stderr, "cannot run %s: %s", argv[0], strerror(errno));
		_exit(127);
	}
	close(p[1]);
	while (n + 1 < size && (r = read(p[0], out + n, size - 1 - n)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			break;
		n += (size_t)r;
	}
	out[n] = '\0';
	while (n > 0 && out[n - 1] == '\n')
		out[--n] = '\0';
	close(p[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/* "ip" with the arguments up to NULL, in netns; 0 or the error printed. */
static int
ip(const char *netns, ...)
{
	char *argv[ARGV_MAX], out[OUT_MAX], cmd[512] = "ip";
	unsigned int n = 0;
	va_list ap;
	int rc;

	argv[n++] = (char *)"ip";
	va_start(ap, netns);
	while (n < ARGV_MAX - 1 && (argv[n] = va_arg(ap, char *)) != NULL) {
		size_t l = strlen(cmd);

		snprintf(cmd + l, sizeof(cmd) - l, " %s", argv[n]);
		n++;
	}
	va_end(ap);
	argv[n] = NULL;
	rc = run_in(netns, argv, out, sizeof(out));
	if (rc == 0)
		return 0;
	return cni_error(CNI_ERR_IO, out, "%s%s%s: %s", cmd,
			 netns != NULL ? " in " : "", netns != NULL ? netns : "",
			 out[0] != '\0' ? out : "failed");
}

static void
write_sysctl(const char *path, const char *v)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return;
	if (write(fd, v, strlen(v)) < 0) {
		/* IPv6 may be compiled out: nothing to turn off */
	}
	close(fd);
}

/*
 * In netns: no IPv6 on ifname (its router solicitations and DAD would
 * be noise on a segment that serves IPv4 only). Offloads stay as the
 * kernel set them: af_packet ports read the kernel's virtio-net header,
 * af_xdp ports recognise a partial checksum, and both finish it.
 */
static int
tune(const char *netns, const char *ifname)
{
	char path[128];
	int status;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		if (join(netns) < 0)
			_exit(126);
		snprintf(path, sizeof(path),
			 "/proc/sys/net/ipv6/conf/%s/disable_ipv6", ifname);
		write_sysctl(path, "1");
		_exit(0);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EIO;
}

static int
add_routes(const struct cni_env *env, const struct cni_pod *pod)
{
	const json_t *routes = json_object_get(pod->ipam_result, "routes");
	char gw[INET_ADDRSTRLEN];
	const json_t *r;
	size_t i;
	int rc;

	inet_ntop(AF_INET, &pod->gw, gw, sizeof(gw));
	if (json_array_size(routes) == 0)
		return pod->gw != 0 ? ip(env->netns, "route", "add", "default",
					 "via", gw, "dev", env->ifname,
					 NULL) : 0;
	json_array_foreach((json_t *)(uintptr_t)routes, i, r) {
		const char *dst = json_string_value(json_object_get(r, "dst"));
		const char *via = json_string_value(json_object_get(r, "gw"));

		if (dst == NULL || strchr(dst, ':') != NULL)
			continue;
		if (via == NULL && pod->gw == 0)
			rc = ip(env->netns, "route", "add", dst, "dev",
				env->ifname, NULL);
		else
			rc = ip(env->netns, "route", "add", dst, "via",
				via != NULL ? via : gw, "dev", env->ifname,
				NULL);
		if (rc != 0)
			return rc;
	}
	return 0;
}

int
cni_link_add(const struct cni_env *env, const struct cni_conf *c,
	     const struct cni_pod *pod)
{
	char addr[INET_ADDRSTRLEN + 4], a[INET_ADDRSTRLEN], mtu[16], path[128];
	int rc;

	inet_ntop(AF_INET, &pod->ip, a, sizeof(a));
	snprintf(addr, sizeof(addr), "%s/%u", a, pod->prefix_len);
	snprintf(mtu, sizeof(mtu), "%u", c->mtu ? c->mtu : 1500);
	/* one queue each way: the AF_XDP PMD binds queue 0 only, a frame
	 * hashed to another would bypass podswitch */
	rc = ip(NULL, "link", "add", pod->host_if, "mtu", mtu, "numtxqueues",
		"1", "numrxqueues", "1", "type", "veth", "peer", "name",
		env->ifname, "netns", env->netns, "mtu", mtu, "numtxqueues",
		"1", "numrxqueues", "1", NULL);
	if (rc != 0)
		return rc;
	snprintf(path, sizeof(path),
		 "/proc/sys/net/ipv6/conf/%s/disable_ipv6", pod->host_if);
	write_sysctl(path, "1");
	rc = ip(NULL, "link", "set", pod->host_if, "up", NULL);
	if (rc == 0 && tune(env->netns, env->ifname) < 0)
		rc = cni_error(CNI_ERR_IO, NULL, "cannot enter %s to set up %s",
			       env->netns, env->ifname);
	if (rc == 0)
		rc = ip(env->netns, "link", "set", env->ifname, "address",
			pod->mac, NULL);
	if (rc == 0)
		rc = ip(env->netns, "addr", "add", addr, "dev", env->ifname,
			NULL);
	if (rc == 0)
		rc = ip(env->netns, "link", "set", env->ifname, "up", NULL);
	if (rc == 0)
		rc = add_routes(env, pod);
	return rc;
}

bool
cni_link_exists(const struct cni_pod *pod)
{
	return if_nametoindex(pod->host_if) != 0;
}

int
cni_link_del(const struct cni_pod *pod)
{
	char *argv[] = { "ip", "link", "del", (char *)pod->host_if, NULL };
	char out[OUT_MAX];

	if (if_nametoindex(pod->host_if) == 0)
		return 0;
	if (run_in(NULL, argv, out, sizeof(out)) == 0 ||
	    if_nametoindex(pod->host_if) == 0)
		return 0;
	return cni_error(CNI_ERR_IO, out, "cannot delete %s: %s", pod->host_if,
			 out);
}

int
cni_link_check(const struct cni_env *env, const struct cni_pod *pod)
{
	char *argv[] = { "ip", "-o", "-4", "addr", "show", "dev",
			 (char *)env->ifname, NULL };
	char out[OUT_MAX], a[INET_ADDRSTRLEN + 8], want[INET_ADDRSTRLEN + 16];

	if (if_nametoindex(pod->host_if) == 0)
		return cni_error(CNI_ERR_CHECK_FAILED, NULL, "host interface "
				 "%s is missing", pod->host_if);
	if (run_in(env->netns, argv, out, sizeof(out)) != 0)
		return cni_error(CNI_ERR_CHECK_FAILED, out, "%s in %s: %s",
				 env->ifname, env->netns, out);
	inet_ntop(AF_INET, &pod->ip, a, sizeof(a));
	snprintf(want, sizeof(want), "inet %s/%u ", a, pod->prefix_len);
	if (strstr(out, want) == NULL)
		return cni_error(CNI_ERR_CHECK_FAILED, out, "%s in %s does not "
				 "carry %s/%u", env->ifname, env->netns, a,
				 pod->prefix_len);
	return 0;
}

int
cni_link_mac(const struct cni_env *env, char mac[18])
{
	char *argv[] = { "ip", "-o", "link", "show", "dev",
			 (char *)env->ifname, NULL };
	char out[OUT_MAX], *p;

	if (run_in(env->netns, argv, out, sizeof(out)) != 0)
		return -ENOENT;
	p = strstr(out, "link/ether ");
	if (p == NULL)
		return -ENOENT;
	snprintf(mac, 18, "%.17s", p + 11);
	return 0;
}
