/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The node kernel's own connections to its services (docs/design.md,
 * "The node's own traffic"). The kernel treats its own addresses as
 * local: the node dialling its nodeIP:nodePort, or an external or
 * load-balancer IP it holds, never leaves it for podswitch. An nftables
 * table of podswitch's own (kernel.nft_table, family ip) DNATs such
 * locally originated connections, in the output hook, to the service's
 * cluster IP and port, which the kernel routes through the host port
 * like any other ClusterIP connection; its own conntrack gives the
 * replies back the address that was dialled. As kube-proxy does for
 * locally originated traffic, the connection is then the cluster IP's
 * (all endpoints, or the local ones with internalTrafficPolicy Local),
 * whatever the external policy.
 *
 * The table is written whole, in one nft transaction that replaces
 * whatever table of that name is there (a stale one of a crash too),
 * when the service set changed, on the management thread, by running
 * `nft -f -` (libnftables has no Debian -dev package here); at the stop
 * it is deleted. Nothing here touches the fast path.
 */
#include <errno.h>
#include <netinet/in.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_log.h>

#include <podswitch/config.h>
#include <podswitch/dataplane.h>
#include <podswitch/graph.h>
#include <podswitch/module.h>
#include <podswitch/service.h>

#include "svc_nft.h"
#include "svc_private.h"

extern char **environ;

/* At most one nft run per this many ms however fast services change. */
#define NFT_MIN_INTERVAL_MS 100

struct nft_script {
	FILE *f;
	unsigned int nodeports, frontends;
	bool frontend_pass;	/* else the nodeports pass */
};

static struct {
	bool on;
	bool installed;		/* our table is (as far as we know) there */
	uint64_t gen;		/* service set generation last written */
	uint64_t last_ms;
	char *applied;		/* the last script nft took */
	uint64_t syncs, failures;
	unsigned int nodeports, frontends;
} nft;

static const char *
proto_name(uint8_t proto)
{
	return proto == IPPROTO_TCP ? "tcp" : "udp";
}

static int
put_service(const struct ps_svc_spec *s, void *arg)
{
	struct nft_script *sc = arg;
	struct svc_fe_buf b;
	unsigned int pi, i, n;

	if (!svc_programmed(s) || s->cluster_ip == 0)
		return 0;
	if (!svc_fe_buf_get(&b, s))
		return -ENOMEM;
	for (pi = 0; pi < s->nb_ports; pi++) {
		const struct ps_svc_port_spec *p = &s->ports[pi];

		if (p->proto != IPPROTO_TCP && p->proto != IPPROTO_UDP)
			continue;
		n = svc_fe_keys(s, pi, b.k, b.kinds);
		for (i = 0; i < n; i++) {
			bool fe = b.kinds[i] == PS_FE_EXTERNAL ||
				  b.kinds[i] == PS_FE_LB;

			if (b.kinds[i] == PS_FE_CLUSTER ||
			    fe != sc->frontend_pass)
				continue;
			if (fe)
				fprintf(sc->f, "%s" PS_IP4_FMT " . ",
					sc->frontends++ ? ",\n\t\t\t" : "",
					PS_IP4_BYTES(b.k[i].ip));
			else
				fprintf(sc->f, "%s", sc->nodeports++ ?
					",\n\t\t\t" : "");
			fprintf(sc->f, "%s . %u : " PS_IP4_FMT " . %u",
				proto_name(p->proto),
				rte_be_to_cpu_16(b.k[i].port),
				PS_IP4_BYTES(s->cluster_ip), p->port);
		}
	}
	svc_fe_buf_put(&b);
	return 0;
}

/* One map's elements; nft wants no "elements" line when there are none. */
static int
put_map(const struct ps_svc_table *t, struct nft_script *sc, FILE *out,
	bool fe)
{
	char *els = NULL;
	size_t len = 0;
	unsigned int before = fe ? sc->frontends : sc->nodeports;
	int rc;

	sc->f = open_memstream(&els, &len);
	if (sc->f == NULL)
		return -ENOMEM;
	sc->frontend_pass = fe;
	rc = ps_svc_walk(t, put_service, sc);
	if (fclose(sc->f) != 0 && rc == 0)
		rc = -ENOMEM;
	sc->f = NULL;
	if (rc == 0 && (fe ? sc->frontends : sc->nodeports) != before)
		fprintf(out, "\t\telements = { %s }\n", els);
	free(els);
	return rc;
}

char *
svc_nft_script(const struct ps_svc_table *t, const char *table,
	       unsigned int *nodeports, unsigned int *frontends)
{
	struct nft_script sc = { 0 };
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	int rc;

	f = open_memstream(&text, &len);
	if (f == NULL)
		return NULL;
	/* create-then-delete: replaces a table of that name, if any, in
	 * the same transaction as the new one */
	fprintf(f, "table ip %s\ndelete table ip %s\n"
		"table ip %s {\n\tmap nodeports {\n\t\ttype inet_proto . "
		"inet_service : ipv4_addr . inet_service\n",
		table, table, table);
	rc = put_map(t, &sc, f, false);
	fprintf(f, "\t}\n\tmap frontends {\n\t\ttype ipv4_addr . "
		"inet_proto . inet_service : ipv4_addr . inet_service\n");
	if (rc == 0)
		rc = put_map(t, &sc, f, true);
	/* Loopback is left alone: 127.0.0.1 as the source of a packet on
	 * the host port would be a martian too. */
	fprintf(f, "\t}\n\tchain output {\n"
		"\t\ttype nat hook output priority -100; policy accept;\n"
		"\t\tip daddr 127.0.0.0/8 return\n"
		"\t\tfib daddr type != local return\n"
		"\t\tdnat ip to ip daddr . meta l4proto . th dport "
		"map @frontends\n"
		"\t\tdnat ip to meta l4proto . th dport map @nodeports\n"
		"\t}\n}\n");
	if (fclose(f) != 0 || rc != 0) {
		free(text);
		return NULL;
	}
	if (nodeports != NULL)
		*nodeports = sc.nodeports;
	if (frontends != NULL)
		*frontends = sc.frontends;
	return text;
}

/* Run `nft -f -` with script on its standard input; 0 when it exits 0. */
static int
nft_run(const char *cmd, const char *script)
{
	char *const argv[] = { (char *)(uintptr_t)cmd, (char *)"-f",
			       (char *)"-", NULL };
	posix_spawn_file_actions_t fa;
	size_t len = strlen(script), off = 0;
	int fds[2], st = 0, rc;
	pid_t pid;

	if (pipe(fds) < 0)
		return -errno;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fds[0], STDIN_FILENO);
	posix_spawn_file_actions_addclose(&fa, fds[0]);
	posix_spawn_file_actions_addclose(&fa, fds[1]);
	rc = posix_spawnp(&pid, cmd, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(fds[0]);
	if (rc != 0) {
		close(fds[1]);
		return -rc;
	}
	while (off < len) {
		ssize_t w = write(fds[1], script + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;	/* nft went away: its status says why */
		off += (size_t)w;
	}
	close(fds[1]);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -EIO;
}

static uint64_t
svc_gen(const struct ps_svc_table *t)
{
	struct ps_svc_stats st;

	ps_svc_stats(t, &st);
	/* a delete applies nothing but changes the count */
	return st.applies << 32 ^ (uint64_t)st.services << 16 ^ st.programmed;
}

static void
nft_sync(const struct ps_dataplane *dp)
{
	const struct ps_config *cfg = dp->cfg;
	unsigned int np = 0, fe = 0;
	char *text;
	int rc;

	nft.last_ms = ps_dataplane_now_ms(dp);
	nft.gen = svc_gen(dp->svcs);
	text = svc_nft_script(dp->svcs, cfg->kernel_nft_table, &np, &fe);
	if (text == NULL) {
		nft.failures++;
		SVC_LOG(ERR, "nft table %s: out of memory\n",
			cfg->kernel_nft_table);
		return;
	}
	if (nft.applied != NULL && strcmp(text, nft.applied) == 0) {
		free(text);
		return;
	}
	rc = nft_run(cfg->kernel_nft, text);
	if (rc != 0) {
		nft.failures++;
		SVC_LOG(ERR, "nft table %s: %s -f - failed (%s): the node's "
			"own connections to its NodePorts stay local\n",
			cfg->kernel_nft_table, cfg->kernel_nft,
			rc == -EIO ? "see its message above" : strerror(-rc));
		free(text);
		/* tried again at the next change */
		return;
	}
	free(nft.applied);
	nft.applied = text;
	nft.installed = true;
	nft.syncs++;
	nft.nodeports = np;
	nft.frontends = fe;
	SVC_LOG(INFO, "nft table %s: %u NodePorts, %u external/LB "
		"frontends\n", cfg->kernel_nft_table, np, fe);
}

static int
nft_start(struct ps_dataplane *dp)
{
	nft.on = dp->cfg->kernel_svc == PS_KERNEL_SVC_ON && dp->svcs != NULL;
	if (nft.on)
		nft_sync(dp);
	/* without nft the dataplane still serves everyone else */
	return 0;
}

static void
nft_poll(struct ps_dataplane *dp, uint32_t now)
{
	RTE_SET_USED(now);
	if (!nft.on || svc_gen(dp->svcs) == nft.gen ||
	    ps_dataplane_now_ms(dp) - nft.last_ms < NFT_MIN_INTERVAL_MS)
		return;
	nft_sync(dp);
}

static void
nft_remove(struct ps_dataplane *dp)
{
	const char *table = dp->cfg->kernel_nft_table;
	char script[3 * PS_NAME_MAX + 64];

	free(nft.applied);
	nft.applied = NULL;
	if (!nft.installed)
		return;
	nft.installed = false;
	snprintf(script, sizeof(script),
		 "table ip %s\ndelete table ip %s\n", table, table);
	if (nft_run(dp->cfg->kernel_nft, script) != 0)
		SVC_LOG(ERR, "nft table %s: not removed\n", table);
	else
		SVC_LOG(INFO, "nft table %s removed\n", table);
}

static void
nft_stop(struct ps_dataplane *dp)
{
	nft.on = false;
	nft_remove(dp);
}

static void
nft_tables(const struct ps_dataplane *dp, ps_table_cb cb, void *arg)
{
	struct ps_table_stats t = {
		.name = "kernel_nft",
		.show = PS_TABLE_STATS,
	};

	if (dp->cfg == NULL || dp->cfg->kernel_svc != PS_KERNEL_SVC_ON)
		return;
	PS_TABLE_PUT(&t, "installed", nft.installed);
	PS_TABLE_PUT(&t, "nodeports", nft.nodeports);
	PS_TABLE_PUT(&t, "frontends", nft.frontends);
	PS_TABLE_PUT(&t, "syncs", nft.syncs);
	PS_TABLE_PUT(&t, "failures", nft.failures);
	cb(&t, arg);
}

static struct ps_module kernel_nft_module = {
	.name = "kernel_nft",
	.depends_on = "service",
	.start = nft_start,
	.poll = nft_poll,
	.stop = nft_stop,
	/* a start that failed after ours leaves no stop: fini removes */
	.fini = nft_stop,
	.tables = nft_tables,
};

PS_MODULE_REGISTER(kernel_nft_module);
