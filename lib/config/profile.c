/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Driver profiles. Each drivers-cfg/<driver>.json says how a port of that
 * driver is created: the vdev name prefix and devargs, descriptor counts,
 * offloads to ask for and EAL flags the driver needs. Keeping them as data
 * lets an operator tune a driver without a rebuild.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_ethdev.h>

#include "config_private.h"
#include "ps_build_config.h"

static struct ps_profile *profiles;
static unsigned int nb_profiles;

struct offload_name {
	const char *name;
	uint64_t flag;
};

static const struct offload_name rx_offload_names[] = {
	{ "ipv4_cksum", RTE_ETH_RX_OFFLOAD_IPV4_CKSUM },
	{ "udp_cksum", RTE_ETH_RX_OFFLOAD_UDP_CKSUM },
	{ "tcp_cksum", RTE_ETH_RX_OFFLOAD_TCP_CKSUM },
	{ "scatter", RTE_ETH_RX_OFFLOAD_SCATTER },
	{ "rss_hash", RTE_ETH_RX_OFFLOAD_RSS_HASH },
	{ NULL, 0 },
};

static const struct offload_name tx_offload_names[] = {
	{ "ipv4_cksum", RTE_ETH_TX_OFFLOAD_IPV4_CKSUM },
	{ "udp_cksum", RTE_ETH_TX_OFFLOAD_UDP_CKSUM },
	{ "tcp_cksum", RTE_ETH_TX_OFFLOAD_TCP_CKSUM },
	{ "multi_segs", RTE_ETH_TX_OFFLOAD_MULTI_SEGS },
	{ NULL, 0 },
};

static uint64_t
parse_offloads(const json_t *arr, const char *path,
	       const struct offload_name *names, struct ps_errors *errs)
{
	uint64_t flags = 0;
	size_t i;
	json_t *v;

	json_array_foreach(arr, i, v) {
		char p[PS_JPATH_MAX];
		const struct offload_name *n;

		ps_jpath_idx(p, path, i);
		if (!json_is_string(v)) {
			ps_errors_add(errs, p, "must be a string");
			continue;
		}
		for (n = names; n->name != NULL; n++)
			if (strcmp(n->name, json_string_value(v)) == 0)
				break;
		if (n->name == NULL)
			ps_errors_add(errs, p, "unknown offload '%s'",
				      json_string_value(v));
		else
			flags |= n->flag;
	}
	return flags;
}

static int
parse_profile(const json_t *root, const char *path, struct ps_profile *pr,
	      struct ps_errors *errs)
{
	static const char *const keys[] = { "driver", "description", "kind",
		"vdev_prefix", "queues_kvarg", "args", "rx_desc", "tx_desc",
		"rx_offloads", "tx_offloads", "eal_args", "promiscuous",
		"rx_csum_complete", NULL };
	static const char *const arg_keys[] = { "required", "kvarg", "default",
		"existing_interface", NULL };
	unsigned int before = ps_errors_seen(errs);
	const json_t *args, *arr;
	char kind[PS_NAME_MAX] = "vdev";
	uint64_t u;
	const char *key;
	json_t *v;

	memset(pr, 0, sizeof(*pr));
	pr->rx_desc = 1024;
	pr->tx_desc = 1024;
	pr->promiscuous = true;
	ps_json_unknown_keys(root, path, keys, NULL, errs);
	ps_json_string(root, path, "driver", PS_JP_REQUIRED, pr->driver,
		       sizeof(pr->driver), errs);
	ps_json_string(root, path, "kind", 0, kind, sizeof(kind), errs);
	if (strcmp(kind, "vdev") == 0)
		pr->kind = PS_PROFILE_VDEV;
	else if (strcmp(kind, "ring") == 0)
		pr->kind = PS_PROFILE_RING;
	else if (strcmp(kind, "pci") == 0)
		pr->kind = PS_PROFILE_PCI;
	else if (strcmp(kind, "af_packet") == 0)
		pr->kind = PS_PROFILE_AF_PACKET;
	else
		ps_errors_add(errs, path, "kind must be vdev, ring, pci or af_packet");
	if (pr->kind == PS_PROFILE_VDEV)
		ps_json_string(root, path, "vdev_prefix", PS_JP_REQUIRED,
			       pr->vdev_prefix, sizeof(pr->vdev_prefix), errs);
	ps_json_string(root, path, "queues_kvarg", 0, pr->queues_kvarg,
		       sizeof(pr->queues_kvarg), errs);
	if (ps_json_uint(root, path, "rx_desc", 0, 16, 32768, &u, errs))
		pr->rx_desc = (uint16_t)u;
	if (ps_json_uint(root, path, "tx_desc", 0, 16, 32768, &u, errs))
		pr->tx_desc = (uint16_t)u;
	ps_json_bool(root, path, "promiscuous", 0, &pr->promiscuous, errs);
	ps_json_bool(root, path, "rx_csum_complete", 0, &pr->rx_csum_complete,
		     errs);

	arr = ps_json_array(root, path, "rx_offloads", 0, errs);
	if (arr != NULL) {
		char p[PS_JPATH_MAX];

		ps_jpath_key(p, path, "rx_offloads");
		pr->rx_offloads = parse_offloads(arr, p, rx_offload_names, errs);
	}
	arr = ps_json_array(root, path, "tx_offloads", 0, errs);
	if (arr != NULL) {
		char p[PS_JPATH_MAX];

		ps_jpath_key(p, path, "tx_offloads");
		pr->tx_offloads = parse_offloads(arr, p, tx_offload_names, errs);
	}
	arr = ps_json_array(root, path, "eal_args", 0, errs);
	if (arr != NULL) {
		size_t i;

		json_array_foreach(arr, i, v) {
			char p[PS_JPATH_MAX];

			ps_jpath_idx(p, path, i);
			if (!json_is_string(v) || i >= RTE_DIM(pr->eal_args)) {
				ps_errors_add(errs, p, "must be a string (at most %zu)",
					      RTE_DIM(pr->eal_args));
				continue;
			}
			pr->eal_args[pr->nb_eal_args++] =
				strdup(json_string_value(v));
		}
	}

	args = ps_json_object(root, path, "args", 0, errs);
	if (args != NULL) {
		char ap[PS_JPATH_MAX];

		ps_jpath_key(ap, path, "args");
		json_object_foreach((json_t *)(uintptr_t)args, key, v) {
			struct ps_profile_arg *a;
			char p[PS_JPATH_MAX];

			ps_jpath_key(p, ap, key);
			if (pr->nb_args == PS_MAX_PORT_ARGS ||
			    strlen(key) >= sizeof(a->key) || !json_is_object(v)) {
				ps_errors_add(errs, p, "must be an object with a short name");
				continue;
			}
			a = &pr->args[pr->nb_args++];
			strcpy(a->key, key);
			strcpy(a->kvarg, key);
			ps_json_unknown_keys(v, p, arg_keys, NULL, errs);
			ps_json_bool(v, p, "required", 0, &a->required, errs);
			ps_json_bool(v, p, "existing_interface", 0,
				     &a->existing_iface, errs);
			if (json_is_null(json_object_get(v, "kvarg")))
				a->kvarg[0] = '\0';
			else
				ps_json_string(v, p, "kvarg", 0, a->kvarg,
					       sizeof(a->kvarg), errs);
			ps_json_string(v, p, "default", 0, a->def,
				       sizeof(a->def), errs);
		}
	}
	return ps_errors_seen(errs) == before ? 0 : -EINVAL;
}

int
ps_profiles_load(const char *dir, struct ps_errors *errs)
{
	struct dirent **names = NULL;
	int n, i, rc = 0;

	ps_profiles_free();
	n = scandir(dir, &names, NULL, alphasort);
	if (n < 0) {
		ps_errors_add(errs, dir, "cannot read driver profiles: %s",
			      strerror(errno));
		return -errno;
	}
	profiles = calloc(n > 0 ? n : 1, sizeof(*profiles));
	for (i = 0; i < n; i++) {
		const char *f = names[i]->d_name;
		size_t len = strlen(f);
		char path[PS_PATH_MAX * 2];
		json_error_t jerr;
		json_t *root;

		if (len < 6 || strcmp(f + len - 5, ".json") != 0 ||
		    profiles == NULL)
			goto next;
		snprintf(path, sizeof(path), "%s/%s", dir, f);
		root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
		if (root == NULL || !json_is_object(root)) {
			ps_errors_add(errs, path, "line %d: %s", jerr.line,
				      root == NULL ? jerr.text : "not an object");
			rc = -EINVAL;
		} else if (parse_profile(root, path, &profiles[nb_profiles],
					 errs) == 0) {
			nb_profiles++;
		} else {
			rc = -EINVAL;
		}
		json_decref(root);
next:
		free(names[i]);
	}
	free(names);
	return rc < 0 ? rc : (int)nb_profiles;
}

/* Whether this program runs from the build tree it was built in. */
static bool
in_build_tree(void)
{
	char exe[PATH_MAX];
	size_t blen = strlen(PS_BUILD_DIR);
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n <= 0)
		return false;
	exe[n] = '\0';
	return strncmp(exe, PS_BUILD_DIR, blen) == 0 && exe[blen] == '/';
}

const char *
ps_profiles_default_dir(void)
{
	const char *env = getenv("PODSWITCH_DRIVERS_DIR");

	if (env != NULL && env[0] != '\0')
		return env;
	/* A build-tree binary uses the tree's profiles, so edits take
	 * effect; an installed one its own, even while the tree it was
	 * built from is still there (a package built on this machine). A
	 * copy elsewhere takes the installed ones, or else the tree's. */
	if (in_build_tree() && access(PS_DRIVERS_DIR_SOURCE, R_OK) == 0)
		return PS_DRIVERS_DIR_SOURCE;
	if (access(PS_DRIVERS_DIR_INSTALLED, R_OK) == 0 ||
	    access(PS_DRIVERS_DIR_SOURCE, R_OK) != 0)
		return PS_DRIVERS_DIR_INSTALLED;
	return PS_DRIVERS_DIR_SOURCE;
}

const struct ps_profile *
ps_profile_find(const char *driver)
{
	unsigned int i;

	for (i = 0; i < nb_profiles; i++)
		if (strcmp(profiles[i].driver, driver) == 0)
			return &profiles[i];
	return NULL;
}

void
ps_profiles_free(void)
{
	unsigned int i, j;

	for (i = 0; i < nb_profiles; i++)
		for (j = 0; j < profiles[i].nb_eal_args; j++)
			free(profiles[i].eal_args[j]);
	free(profiles);
	profiles = NULL;
	nb_profiles = 0;
}
