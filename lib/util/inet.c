/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <podswitch/inet.h>

/* Written by hand: the route list formats 100k of these per GET. */
static char *
put_dec(char *o, unsigned int v)
{
	if (v >= 100)
		*o++ = (char)('0' + v / 100);
	if (v >= 10)
		*o++ = (char)('0' + v / 10 % 10);
	*o++ = (char)('0' + v % 10);
	return o;
}

size_t
ps_ip4_fmt(char *buf, uint32_t addr)
{
	const uint8_t *q = (const uint8_t *)&addr;
	char *o = buf;
	int i;

	for (i = 0; i < 4; i++) {
		if (i > 0)
			*o++ = '.';
		o = put_dec(o, q[i]);
	}
	*o = '\0';
	return (size_t)(o - buf);
}

size_t
ps_prefix4_fmt(char *buf, const struct ps_prefix4 *p)
{
	char *o = buf + ps_ip4_fmt(buf, p->addr);

	*o++ = '/';
	o = put_dec(o, p->len);
	*o = '\0';
	return (size_t)(o - buf);
}

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

int
ps_parse_prefix4_strict(const char *s, struct ps_prefix4 *p,
			const char **why)
{
	if (strcmp(s, "default") == 0) {
		p->addr = 0;
		p->len = 0;
		return 0;
	}
	if (strchr(s, '/') == NULL) {
		*why = "must be a prefix \"a.b.c.d/len\"";
		return -EINVAL;
	}
	if (ps_parse_prefix4(s, p) < 0) {
		*why = "not a valid IPv4 prefix \"a.b.c.d/len\" (len 0..32)";
		return -EINVAL;
	}
	if (ps_prefix4_net(p->addr, p->len) != p->addr) {
		*why = "host bits are set";
		return -EINVAL;
	}
	return 0;
}

bool
ps_prefix4_contains(const struct ps_prefix4 *p, uint32_t addr)
{
	return ps_prefix4_net(p->addr, p->len) == ps_prefix4_net(addr, p->len);
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
