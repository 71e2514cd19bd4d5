/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PS_CONFIG_PRIVATE_H
#define PS_CONFIG_PRIVATE_H

/*
 * Inside lib/config. Files: config_parse.c (the file, its small sections),
 * config_ports.c ("ports"), config_routes.c ("routes", "neighbors", and
 * the route object the REST API shares), config_fields.c (address, prefix
 * and MAC members), config_kernel.c ("kernel"), profile.c (driver
 * profiles).
 */

#include <stdbool.h>

#include <jansson.h>

#include <podswitch/config.h>
#include <podswitch/jsonpath.h>

/* A problem of the member key below path (the path is built only now). */
void cfg_bad_member(struct ps_errors *errs, const char *path, const char *key,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/*
 * Typed members as ps_json_string() reads them (flags PS_JP_*), then
 * parsed: true when present and valid, having reported what was not.
 */
/* "a.b.c.d/len"; host bits refused unless host_bits_ok */
bool cfg_get_prefix(const json_t *obj, const char *path, const char *key,
		    unsigned int flags, struct ps_prefix4 *out,
		    bool host_bits_ok, struct ps_errors *errs);
bool cfg_get_ip(const json_t *obj, const char *path, const char *key,
		unsigned int flags, uint32_t *out, struct ps_errors *errs);
/* a unicast, non-zero MAC */
bool cfg_get_mac(const json_t *obj, const char *path, const char *key,
		 unsigned int flags, struct rte_ether_addr *out,
		 struct ps_errors *errs);

/* Index of the port named name in ports[0..n), or -1. */
int cfg_port_index(const struct ps_port_config *ports, unsigned int n,
		   const char *name);

/* The sections in other files; each reports into errs and goes on. */
void cfg_parse_ports(const json_t *root, struct ps_config *cfg,
		     struct ps_errors *errs);
void cfg_parse_routes(const json_t *root, struct ps_config *cfg,
		      struct ps_errors *errs);
void cfg_parse_neighbors(const json_t *root, struct ps_config *cfg,
			 struct ps_errors *errs);
/* "kernel" (config_kernel.c), after "ports" */
void cfg_parse_kernel(const json_t *root, struct ps_config *cfg,
		      struct ps_errors *errs);

#endif
