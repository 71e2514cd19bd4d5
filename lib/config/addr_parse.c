/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>

#include <podswitch/config.h>

int
ps_parse_ip4(const char *s, uint32_t *addr)
{
	struct in_addr a;

	/* inet_pton rejects the shortened and octal forms inet_aton takes. */
	if (s == NULL || inet_pton(AF_INET, s, &a) != 1)
		return -EINVAL;
	*addr = a.s_addr;
	return 0;
}

int
ps_parse_prefix4(const char *s, struct ps_prefix4 *p)
{
	char buf[32];
	const char *slash;
	char *end;
	long len;
	uint32_t addr;

	if (s == NULL)
		return -EINVAL;
	slash = strchr(s, '/');
	if (slash == NULL || (size_t)(slash - s) >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, slash - s);
	buf[slash - s] = '\0';
	if (ps_parse_ip4(buf, &addr) < 0)
		return -EINVAL;
	if (slash[1] < '0' || slash[1] > '9')
		return -EINVAL;
	errno = 0;
	len = strtol(slash + 1, &end, 10);
	if (errno != 0 || *end != '\0' || len < 0 || len > 32)
		return -EINVAL;
	p->addr = addr;
	p->len = (uint8_t)len;
	return 0;
}

bool
ps_prefix4_contains(const struct ps_prefix4 *p, uint32_t addr)
{
	uint32_t mask = p->len == 0 ? 0 : ~0u << (32 - p->len);

	return (rte_be_to_cpu_32(p->addr) & mask) ==
	       (rte_be_to_cpu_32(addr) & mask);
}

int
ps_parse_mac(const char *s, struct rte_ether_addr *mac)
{
	unsigned int i;

	if (s == NULL || strlen(s) != 17)
		return -EINVAL;
	for (i = 0; i < 6; i++) {
		char h[3] = { s[i * 3], s[i * 3 + 1], '\0' };
		char *end;

		if (i < 5 && s[i * 3 + 2] != ':')
			return -EINVAL;
		if (!isxdigit((unsigned char)h[0]) ||
		    !isxdigit((unsigned char)h[1]))
			return -EINVAL;
		mac->addr_bytes[i] = (uint8_t)strtoul(h, &end, 16);
	}
	return 0;
}
