/* SPDX-License-Identifier: BSD-3-Clause */
/* Members of the configuration that hold an address, a prefix or a MAC. */
#include <stdarg.h>
#include <string.h>

#include "config_private.h"

void
cfg_bad_member(struct ps_errors *errs, const char *path, const char *key,
	       const char *fmt, ...)
{
	char p[PS_JPATH_MAX];
	va_list ap;

	ps_jpath_key(p, path, key);
	va_start(ap, fmt);
	ps_errors_vadd(errs, p, fmt, ap);
	va_end(ap);
}

bool
cfg_get_prefix(const json_t *obj, const char *path, const char *key,
	       unsigned int flags, struct ps_prefix4 *out, bool host_bits_ok,
	       struct ps_errors *errs)
{
	char s[64];

	if (!ps_json_string(obj, path, key, flags, s, sizeof(s), errs))
		return false;
	if (ps_parse_prefix4(s, out) < 0) {
		cfg_bad_member(errs, path, key,
			   "'%s' is not an IPv4 prefix (a.b.c.d/len)", s);
		return false;
	}
	if (!host_bits_ok && ps_prefix4_net(out->addr, out->len) != out->addr) {
		cfg_bad_member(errs, path, key, "'%s' has host bits set", s);
		return false;
	}
	return true;
}

bool
cfg_get_ip(const json_t *obj, const char *path, const char *key,
	   unsigned int flags, uint32_t *out, struct ps_errors *errs)
{
	char s[64];

	if (!ps_json_string(obj, path, key, flags, s, sizeof(s), errs))
		return false;
	if (ps_parse_ip4(s, out) < 0) {
		cfg_bad_member(errs, path, key, "'%s' is not an IPv4 address", s);
		return false;
	}
	return true;
}

bool
cfg_get_mac(const json_t *obj, const char *path, const char *key,
	    unsigned int flags, struct rte_ether_addr *out,
	    struct ps_errors *errs)
{
	char s[64];

	if (!ps_json_string(obj, path, key, flags, s, sizeof(s), errs))
		return false;
	if (ps_parse_mac(s, out) < 0) {
		cfg_bad_member(errs, path, key, "'%s' is not a MAC address "
			   "(xx:xx:xx:xx:xx:xx)", s);
		return false;
	}
	if (!rte_is_valid_assigned_ether_addr(out)) {
		cfg_bad_member(errs, path, key,
			   "'%s' must be a unicast, non-zero MAC", s);
		return false;
	}
	return true;
}

int
cfg_port_index(const struct ps_port_config *ports, unsigned int n,
	       const char *name)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (strcmp(ports[i].name, name) == 0)
			return (int)i;
	return -1;
}
