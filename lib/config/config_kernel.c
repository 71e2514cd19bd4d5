/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * "kernel": what podswitch programs in the node kernel itself.
 *
 *   "kernel": { "local_services": "auto" | "on" | "off",
 *               "nft_table": "podswitch", "nft": "nft" }
 *
 * local_services: an nftables table of podswitch's own (ip family,
 * named nft_table) that sends the node's own connections to its
 * NodePorts and to the external and load-balancer IPs it holds through
 * the host port to podswitch (docs/design.md, "The node's own traffic").
 * "auto" (the default) is on when a port has role host, the only way
 * the kernel's traffic reaches podswitch; "on" without one is an error.
 * nft: the nft command (a name looked up in PATH, or a path).
 */
#include <stdio.h>
#include <string.h>

#include "config_private.h"

static bool
table_name_ok(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') ||
		      s[i] == '_' || s[i] == '-'))
			return false;
	/* nft reads a leading digit as a number */
	return !(s[0] >= '0' && s[0] <= '9');
}

static bool
has_host_port(const struct ps_config *cfg)
{
	unsigned int i;

	for (i = 0; i < cfg->nb_ports; i++)
		if (cfg->ports[i].role == PS_ROLE_HOST)
			return true;
	return false;
}

void
cfg_parse_kernel(const json_t *root, struct ps_config *cfg,
		 struct ps_errors *errs)
{
	static const char *const keys[] = { "local_services", "nft_table",
					    "nft", NULL };
	const json_t *k = ps_json_object(root, "$", "kernel", 0, errs);
	char mode[8] = "auto";

	cfg->kernel_svc = PS_KERNEL_SVC_AUTO;
	snprintf(cfg->kernel_nft_table, sizeof(cfg->kernel_nft_table),
		 "podswitch");
	snprintf(cfg->kernel_nft, sizeof(cfg->kernel_nft), "nft");
	if (k != NULL) {
		ps_json_unknown_keys(k, "$.kernel", keys, NULL, errs);
		ps_json_string(k, "$.kernel", "local_services", 0, mode,
			       sizeof(mode), errs);
		if (ps_json_string(k, "$.kernel", "nft_table", 0,
				   cfg->kernel_nft_table,
				   sizeof(cfg->kernel_nft_table), errs) &&
		    !table_name_ok(cfg->kernel_nft_table))
			ps_errors_add(errs, "$.kernel.nft_table",
				      "'%s' is not a table name (letters, "
				      "digits, _ and -, not first a digit)",
				      cfg->kernel_nft_table);
		/* an empty string is refused there */
		ps_json_string(k, "$.kernel", "nft", 0, cfg->kernel_nft,
			       sizeof(cfg->kernel_nft), errs);
	}
	if (strcmp(mode, "on") == 0)
		cfg->kernel_svc = PS_KERNEL_SVC_ON;
	else if (strcmp(mode, "off") == 0)
		cfg->kernel_svc = PS_KERNEL_SVC_OFF;
	else if (strcmp(mode, "auto") != 0)
		ps_errors_add(errs, "$.kernel.local_services",
			      "'%s' is not one of auto, on, off", mode);
	if (cfg->kernel_svc == PS_KERNEL_SVC_ON && !has_host_port(cfg))
		ps_errors_add(errs, "$.kernel.local_services",
			      "on needs a port of role host");
	if (cfg->kernel_svc == PS_KERNEL_SVC_AUTO)
		cfg->kernel_svc = has_host_port(cfg) ? PS_KERNEL_SVC_ON :
						       PS_KERNEL_SVC_OFF;
}
