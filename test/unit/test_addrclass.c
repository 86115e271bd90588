/*
 * test_addrclass.c
 *		Unit tests for extension/core/addrclass.c: which addresses the DHT
 *		code may contact or store.
 *
 * Addresses are written as bytes, one table row per case, covering both
 * edges of every range (the first and last address inside, the neighbours
 * outside) and IPv4-mapped IPv6.
 */
#include <stdint.h>
#include <sys/socket.h>

#include "addrclass.h"
#include "unit.h"

struct v4_case
{
	uint8_t		addr[4];
	enum addrclass cls;
};

static const struct v4_case v4_cases[] = {
	{{0, 0, 0, 0}, ADDRCLASS_MARTIAN},
	{{0, 255, 255, 255}, ADDRCLASS_MARTIAN},
	{{1, 0, 0, 0}, ADDRCLASS_PUBLIC},
	{{9, 255, 255, 255}, ADDRCLASS_PUBLIC},
	{{10, 0, 0, 0}, ADDRCLASS_PRIVATE},
	{{10, 255, 255, 255}, ADDRCLASS_PRIVATE},
	{{11, 0, 0, 0}, ADDRCLASS_PUBLIC},
	{{100, 63, 255, 255}, ADDRCLASS_PUBLIC},
	{{100, 64, 0, 0}, ADDRCLASS_PRIVATE},
	{{100, 127, 255, 255}, ADDRCLASS_PRIVATE},
	{{100, 128, 0, 0}, ADDRCLASS_PUBLIC},
	{{126, 255, 255, 255}, ADDRCLASS_PUBLIC},
	{{127, 0, 0, 1}, ADDRCLASS_LOOPBACK},
	{{127, 255, 255, 255}, ADDRCLASS_LOOPBACK},
	{{128, 0, 0, 0}, ADDRCLASS_PUBLIC},
	{{169, 253, 255, 255}, ADDRCLASS_PUBLIC},
	{{169, 254, 0, 1}, ADDRCLASS_LINK_LOCAL},
	{{169, 255, 0, 0}, ADDRCLASS_PUBLIC},
	{{172, 15, 255, 255}, ADDRCLASS_PUBLIC},
	{{172, 16, 0, 0}, ADDRCLASS_PRIVATE},
	{{172, 31, 255, 255}, ADDRCLASS_PRIVATE},
	{{172, 32, 0, 0}, ADDRCLASS_PUBLIC},
	{{192, 0, 0, 1}, ADDRCLASS_MARTIAN},
	{{192, 0, 2, 1}, ADDRCLASS_MARTIAN},
	{{192, 0, 3, 1}, ADDRCLASS_PUBLIC},
	{{192, 167, 255, 255}, ADDRCLASS_PUBLIC},
	{{192, 168, 0, 0}, ADDRCLASS_PRIVATE},
	{{192, 168, 255, 255}, ADDRCLASS_PRIVATE},
	{{192, 169, 0, 0}, ADDRCLASS_PUBLIC},
	{{198, 17, 255, 255}, ADDRCLASS_PUBLIC},
	{{198, 18, 0, 0}, ADDRCLASS_MARTIAN},
	{{198, 19, 255, 255}, ADDRCLASS_MARTIAN},
	{{198, 20, 0, 0}, ADDRCLASS_PUBLIC},
	{{198, 51, 100, 7}, ADDRCLASS_MARTIAN},
	{{203, 0, 113, 7}, ADDRCLASS_MARTIAN},
	{{203, 0, 114, 7}, ADDRCLASS_PUBLIC},
	{{223, 255, 255, 255}, ADDRCLASS_PUBLIC},
	{{224, 0, 0, 1}, ADDRCLASS_MARTIAN},
	{{239, 255, 255, 255}, ADDRCLASS_MARTIAN},
	{{240, 0, 0, 1}, ADDRCLASS_MARTIAN},
	{{255, 255, 255, 255}, ADDRCLASS_MARTIAN},
};

struct v6_case
{
	uint8_t		addr[16];
	enum addrclass cls;
};

static const struct v6_case v6_cases[] = {
	{{0}, ADDRCLASS_MARTIAN},
	{{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, ADDRCLASS_LOOPBACK},
	{{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2}, ADDRCLASS_PUBLIC},
	{{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, ADDRCLASS_MARTIAN},
	{{0x20, 0x01, 0x0d, 0xb9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, ADDRCLASS_PUBLIC},
	{{0x2a, 0x00, 0x14, 0x50}, ADDRCLASS_PUBLIC},
	{{0xfb, 0xff}, ADDRCLASS_PUBLIC},
	{{0xfc, 0x00}, ADDRCLASS_PRIVATE},
	{{0xfd, 0x12, 0x34}, ADDRCLASS_PRIVATE},
	{{0xfe, 0x7f}, ADDRCLASS_PUBLIC},
	{{0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, ADDRCLASS_LINK_LOCAL},
	{{0xfe, 0xbf, 0xff}, ADDRCLASS_LINK_LOCAL},
	{{0xfe, 0xc0}, ADDRCLASS_PUBLIC},
	{{0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, ADDRCLASS_MARTIAN},
	{{0x01, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, ADDRCLASS_MARTIAN},
	/* IPv4-mapped: classified as the IPv4 address */
	{{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1}, ADDRCLASS_LOOPBACK},
	{{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 1, 2, 3}, ADDRCLASS_PRIVATE},
	{{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 8, 8, 4, 4}, ADDRCLASS_PUBLIC},
	{{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 224, 0, 0, 1}, ADDRCLASS_MARTIAN},
};

static void
test_allowed(void)
{
	CHECK(addrclass_allowed(ADDRCLASS_PUBLIC, 0));
	CHECK(addrclass_allowed(ADDRCLASS_PUBLIC, 1));
	CHECK(!addrclass_allowed(ADDRCLASS_LOOPBACK, 0));
	CHECK(addrclass_allowed(ADDRCLASS_LOOPBACK, 1));
	CHECK(!addrclass_allowed(ADDRCLASS_PRIVATE, 0));
	CHECK(addrclass_allowed(ADDRCLASS_PRIVATE, 1));
	CHECK(!addrclass_allowed(ADDRCLASS_LINK_LOCAL, 0));
	CHECK(addrclass_allowed(ADDRCLASS_LINK_LOCAL, 1));
	CHECK(!addrclass_allowed(ADDRCLASS_MARTIAN, 0));
	CHECK(!addrclass_allowed(ADDRCLASS_MARTIAN, 1));
	CHECK(addrclass_of(AF_UNIX, v4_cases[0].addr) == ADDRCLASS_MARTIAN);
	CHECK(strcmp(addrclass_name(ADDRCLASS_LINK_LOCAL), "link-local") == 0);
}

int
main(void)
{
	size_t		i;

	for (i = 0; i < sizeof(v4_cases) / sizeof(v4_cases[0]); i++)
	{
		struct unit_guarded g = unit_guarded_copy(v4_cases[i].addr, 4);
		enum addrclass got = addrclass_of(AF_INET, g.data);

		CHECKF(got == v4_cases[i].cls, "v4 row %zu: got %s, want %s", i,
			   addrclass_name(got), addrclass_name(v4_cases[i].cls));
		unit_guarded_free(&g);
	}
	for (i = 0; i < sizeof(v6_cases) / sizeof(v6_cases[0]); i++)
	{
		struct unit_guarded g = unit_guarded_copy(v6_cases[i].addr, 16);
		enum addrclass got = addrclass_of(AF_INET6, g.data);

		CHECKF(got == v6_cases[i].cls, "v6 row %zu: got %s, want %s", i,
			   addrclass_name(got), addrclass_name(v6_cases[i].cls));
		unit_guarded_free(&g);
	}
	test_allowed();
	return unit_summary("addrclass");
}
