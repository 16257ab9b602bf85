/* net.c - IPv4 and MAC addresses as the policy writes them, and the rules the network keys obey together. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "policy.h"

/* Dotted quad, four decimal parts 0..255 without leading zeros or signs -> host byte order. */
int policy_ipv4_parse(const char *s, uint32_t *ret)
{
	uint32_t addr = 0;

	for (int part = 0; part < 4; part++) {
		unsigned v = 0, digits = 0;

		if (part > 0 && *s++ != '.')
			return -EINVAL;
		for (; *s >= '0' && *s <= '9'; s++, digits++) {
			if (digits == 1 && v == 0)
				return -EINVAL; /* "010" could be read as octal elsewhere */
			v = v * 10 + (unsigned)(*s - '0');
			if (v > 255)
				return -EINVAL;
		}
		if (digits == 0)
			return -EINVAL;
		addr = addr << 8 | v;
	}
	if (*s)
		return -EINVAL;
	*ret = addr;
	return 0;
}

void policy_ipv4_format(uint32_t a, char buf[static 16])
{
	snprintf(buf, 16, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff);
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* "00:16:3e:12:ab:cd": six two-digit hex parts; a unicast, non-zero address. */
int policy_hwaddr_parse(const char *s, uint8_t ret[static 6])
{
	uint8_t mac[6];
	bool zero = true;

	for (int i = 0; i < 6; i++) {
		int hi = hex_digit(s[0]), lo = hi < 0 ? -1 : hex_digit(s[1]);

		if (lo < 0 || s[2] != (i == 5 ? '\0' : ':'))
			return -EINVAL;
		mac[i] = (uint8_t)(hi << 4 | lo);
		zero = zero && mac[i] == 0;
		s += 3;
	}
	if (zero || (mac[0] & 1))
		return -EINVAL;
	memcpy(ret, mac, 6);
	return 0;
}

void policy_hwaddr_format(const uint8_t m[static 6], char buf[static 18])
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

uint32_t policy_subnet_mask(unsigned prefix)
{
	return prefix == 0 ? 0 : UINT32_MAX << (32 - prefix);
}

/* The addresses the pool hands out: the pool key's range, or the whole subnet (less its network and broadcast). */
void policy_pool_range(const struct policy_values *v, uint32_t *ret_first, uint32_t *ret_last)
{
	uint32_t mask = policy_subnet_mask(v->subnet_prefix);

	if (v->pool_first || v->pool_last) {
		*ret_first = v->pool_first;
		*ret_last = v->pool_last;
		return;
	}
	*ret_first = (v->subnet & mask) + 1;
	*ret_last = (v->subnet | ~mask) - 1;
}

uint32_t policy_gateway_of(const struct policy_values *v)
{
	switch (v->gateway) {
	case POLICY_GATEWAY_AUTO:
		return v->subnet;
	case POLICY_GATEWAY_ADDRESS:
		return v->gateway_addr;
	case POLICY_GATEWAY_NONE:
		break;
	}
	return 0;
}

__attribute__((format(printf, 4, 5))) static void problem(struct policy_diag *d, const struct policy_origin *o,
							  enum policy_key key, const char *fmt, ...)
{
	char why[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (o->file)
		policy_diag_add(d, "%s:%u: %s: %s", o->file, o->line, policy_key_name(key), why);
	else
		policy_diag_add(d, "%s (default): %s", policy_key_name(key), why);
}

/*
 * The network keys together, on merged values (origin says where each came
 * from): the subnet and pool agree, a fixed address lies in the subnet
 * outside the pool and is not the bridge's own, the gateway is on the subnet,
 * and network = veth has a subnet to live in; with_subnet: the subnet and
 * pool themselves too. Cross-user rules (no address or MAC fixed twice) are
 * policy_check's.
 */
void policy_network_validate(const struct policy_values *v, const struct policy_origin origin[POLICY_KEY_COUNT],
			     bool with_subnet, struct policy_diag *d)
{
	uint32_t mask = policy_subnet_mask(v->subnet_prefix), net = v->subnet & mask, bcast = v->subnet | ~mask;
	uint32_t first, last;
	char a[16], b[16];

	if (v->subnet_prefix == 0) {
		if (v->network == POLICY_NETWORK_VETH)
			problem(d, &origin[POLICY_NETWORK], POLICY_NETWORK,
				"veth needs a subnet in lxlogin.conf (the bridge's own address and prefix, like "
				"subnet = 10.71.0.1/24)");
		if (v->ipv4)
			problem(d, &origin[POLICY_IPV4], POLICY_IPV4, "a fixed address needs a subnet in lxlogin.conf");
		if (with_subnet && (v->pool_first || v->pool_last))
			problem(d, &origin[POLICY_POOL], POLICY_POOL, "a pool needs a subnet in lxlogin.conf");
		return;
	}
	policy_pool_range(v, &first, &last);
	if (with_subnet && ((first & mask) != net || (last & mask) != net || first == net || last == bcast)) {
		policy_ipv4_format(first, a);
		policy_ipv4_format(last, b);
		problem(d, &origin[POLICY_POOL], POLICY_POOL,
			"%s-%s is not inside the subnet's host addresses (without its network and broadcast address)",
			a, b);
	} else if (with_subnet && (v->pool_first || v->pool_last) && v->subnet >= first && v->subnet <= last) {
		policy_ipv4_format(v->subnet, a);
		problem(d, &origin[POLICY_POOL], POLICY_POOL, "includes the bridge's own address %s", a);
	}
	if (v->ipv4) {
		policy_ipv4_format(v->ipv4, a);
		if ((v->ipv4 & mask) != net || v->ipv4 == net || v->ipv4 == bcast)
			problem(d, &origin[POLICY_IPV4], POLICY_IPV4, "%s is not a host address of the subnet", a);
		else if (v->ipv4 == v->subnet)
			problem(d, &origin[POLICY_IPV4], POLICY_IPV4, "%s is the bridge's own address", a);
		else if (v->ipv4 >= first && v->ipv4 <= last)
			problem(d, &origin[POLICY_IPV4], POLICY_IPV4,
				"%s is inside the pool (fixed addresses must lie outside it, so that the pool never "
				"hands them out)",
				a);
	}
	if (v->gateway == POLICY_GATEWAY_ADDRESS) {
		policy_ipv4_format(v->gateway_addr, a);
		if ((v->gateway_addr & mask) != net || v->gateway_addr == net || v->gateway_addr == bcast)
			problem(d, &origin[POLICY_GATEWAY], POLICY_GATEWAY, "%s is not a host address of the subnet",
				a);
		else if (v->ipv4 && v->gateway_addr == v->ipv4)
			problem(d, &origin[POLICY_GATEWAY], POLICY_GATEWAY, "%s is the container's own address", a);
	}
}
