/*
 * addrclass.c
 *		Classification of IPv4 and IPv6 addresses (see addrclass.h).
 *
 * Ranges are written as (prefix bytes, prefix length) tables so that each
 * rule is one line and the matching code is shared by both families.
 */
#include <string.h>
#include <sys/socket.h>

#include "addrclass.h"
#include "netaddr.h"

struct addr_range
{
	uint8_t		prefix[16];
	unsigned	bits;
	enum addrclass cls;
};

static const struct addr_range v4_ranges[] = {
	{{0}, 8, ADDRCLASS_MARTIAN},	/* "this network" */
	{{10}, 8, ADDRCLASS_PRIVATE},
	{{100, 64}, 10, ADDRCLASS_PRIVATE}, /* carrier-grade NAT */
	{{127}, 8, ADDRCLASS_LOOPBACK},
	{{169, 254}, 16, ADDRCLASS_LINK_LOCAL},
	{{172, 16}, 12, ADDRCLASS_PRIVATE},
	{{192, 0, 0}, 24, ADDRCLASS_MARTIAN},	/* IETF protocol assignments */
	{{192, 0, 2}, 24, ADDRCLASS_MARTIAN},	/* TEST-NET-1 */
	{{192, 168}, 16, ADDRCLASS_PRIVATE},
	{{198, 18}, 15, ADDRCLASS_MARTIAN}, /* benchmarking */
	{{198, 51, 100}, 24, ADDRCLASS_MARTIAN},	/* TEST-NET-2 */
	{{203, 0, 113}, 24, ADDRCLASS_MARTIAN}, /* TEST-NET-3 */
	{{224}, 3, ADDRCLASS_MARTIAN},	/* multicast, reserved, broadcast */
};

static const struct addr_range v6_ranges[] = {
	{{0}, 128, ADDRCLASS_MARTIAN},	/* :: */
	{{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 128, ADDRCLASS_LOOPBACK},
	{{0x01, 0x00}, 64, ADDRCLASS_MARTIAN},	/* discard-only 100::/64 */
	{{0x20, 0x01, 0x0d, 0xb8}, 32, ADDRCLASS_MARTIAN},	/* documentation */
	{{0xfc}, 7, ADDRCLASS_PRIVATE}, /* unique local */
	{{0xfe, 0x80}, 10, ADDRCLASS_LINK_LOCAL},
	{{0xff}, 8, ADDRCLASS_MARTIAN}, /* multicast */
};

static int
prefix_matches(const uint8_t *addr, const struct addr_range *r)
{
	unsigned	full = r->bits / 8;
	unsigned	rest = r->bits % 8;
	uint8_t		mask;

	if (memcmp(addr, r->prefix, full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	mask = (uint8_t) (0xff << (8 - rest));
	return (addr[full] & mask) == (r->prefix[full] & mask);
}

static enum addrclass
match_table(const uint8_t *addr, const struct addr_range *table, size_t n)
{
	size_t		i;

	for (i = 0; i < n; i++)
		if (prefix_matches(addr, &table[i]))
			return table[i].cls;
	return ADDRCLASS_PUBLIC;
}

enum addrclass
addrclass_of(int family, const uint8_t *addr)
{
	const uint8_t *v4;

	if (family == AF_INET)
		return match_table(addr, v4_ranges, sizeof(v4_ranges) / sizeof(v4_ranges[0]));
	if (family != AF_INET6)
		return ADDRCLASS_MARTIAN;
	v4 = netaddr_mapped_v4(addr);
	if (v4 != NULL)
		return addrclass_of(AF_INET, v4);
	return match_table(addr, v6_ranges, sizeof(v6_ranges) / sizeof(v6_ranges[0]));
}

int
addrclass_allowed(enum addrclass cls, int allow_private)
{
	if (cls == ADDRCLASS_PUBLIC)
		return 1;
	if (cls == ADDRCLASS_MARTIAN)
		return 0;
	return allow_private != 0;
}

const char *
addrclass_name(enum addrclass cls)
{
	switch (cls)
	{
		case ADDRCLASS_PUBLIC:
			return "public";
		case ADDRCLASS_LOOPBACK:
			return "loopback";
		case ADDRCLASS_PRIVATE:
			return "private";
		case ADDRCLASS_LINK_LOCAL:
			return "link-local";
		case ADDRCLASS_MARTIAN:
			return "martian";
	}
	return "unknown";
}
