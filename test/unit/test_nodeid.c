/*
 * test_nodeid.c
 *		Unit tests for extension/core/nodeid.c: CRC-32C, BEP 42 node IDs,
 *		the BEP 42 exemption and XOR-distance order.
 *
 * Known answers: the CRC-32C check value and RFC 3720's iSCSI vectors, and
 * the five IPv4 vectors of BEP 42 (IP, rand, node ID).  Addresses are
 * written as bytes, one table row per case.
 */
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "nodeid.h"
#include "unit.h"
#include "testutil.h"

/* A deterministic generator for random inputs (splitmix64). */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t
rng_next(void)
{
	return testutil_splitmix(&rng_state);
}

static void
rng_fill(uint8_t *p, size_t n)
{
	size_t		i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t) rng_next();
}

static void
hex_decode(const char *hex, uint8_t *out, size_t n)
{
	size_t		i;

	for (i = 0; i < n; i++)
	{
		unsigned	v = 0;
		int			k;

		for (k = 0; k < 2; k++)
		{
			char		c = hex[2 * i + k];

			v = v * 16 + (unsigned) (c <= '9' ? c - '0' : c - 'a' + 10);
		}
		out[i] = (uint8_t) v;
	}
}

static struct netaddr
addr4(const uint8_t b[4])
{
	return testutil_ip4(b[0], b[1], b[2], b[3], 6881);
}

static struct netaddr
addr6(const uint8_t b[16])
{
	return testutil_netaddr(AF_INET6, b, 6881);
}

/* Bit-at-a-time CRC-32C: the reference the table-driven version must match. */
static uint32_t
crc32c_bitwise(const uint8_t *p, size_t n)
{
	uint32_t	crc = 0xffffffffu;
	size_t		i;
	int			k;

	for (i = 0; i < n; i++)
	{
		crc ^= p[i];
		for (k = 0; k < 8; k++)
			crc = (crc & 1) ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
	}
	return ~crc;
}

static void
test_crc32c(void)
{
	uint8_t		buf[64];
	int			i,
				round;

	CHECK(nodeid_crc32c((const uint8_t *) "123456789", 9) == 0xE3069283u);
	CHECK(nodeid_crc32c((const uint8_t *) "", 0) == 0);
	CHECK(nodeid_crc32c(NULL, 0) == 0);

	/* RFC 3720 appendix B.4. */
	memset(buf, 0, 32);
	CHECK(nodeid_crc32c(buf, 32) == 0x8A9136AAu);
	memset(buf, 0xff, 32);
	CHECK(nodeid_crc32c(buf, 32) == 0x62A8AB43u);
	for (i = 0; i < 32; i++)
		buf[i] = (uint8_t) i;
	CHECK(nodeid_crc32c(buf, 32) == 0x46DD794Eu);
	for (i = 0; i < 32; i++)
		buf[i] = (uint8_t) (31 - i);
	CHECK(nodeid_crc32c(buf, 32) == 0x113FDB5Cu);

	/* Every byte value, and random buffers of every length 0..64. */
	for (i = 0; i < 256; i++)
	{
		uint8_t		b = (uint8_t) i;

		CHECKF(nodeid_crc32c(&b, 1) == crc32c_bitwise(&b, 1), "byte %d", i);
	}
	for (round = 0; round < 4; round++)
		for (i = 0; i <= 64; i++)
		{
			struct unit_guarded g;

			rng_fill(buf, sizeof(buf));
			g = unit_guarded_copy(buf, (size_t) i);
			CHECKF(nodeid_crc32c(g.data, (size_t) i) ==
				   crc32c_bitwise(buf, (size_t) i), "len %d", i);
			unit_guarded_free(&g);
		}
}

/* BEP 42's IPv4 test vectors: address, rand (r = rand & 7), node ID. */
struct bep42_vector
{
	uint8_t		ip[4];
	uint8_t		rand;
	const char *id_hex;
};

static const struct bep42_vector bep42_vectors[] = {
	{{124, 31, 75, 21}, 1, "5fbfbff10c5d6a4ec8a88e4c6ab4c28b95eee401"},
	{{21, 75, 31, 124}, 86, "5a3ce9c14e7a08645677bbd1cfe7d8f956d53256"},
	{{65, 23, 51, 170}, 22, "a5d43220bc8f112a3d426c84764f8c2a1150e616"},
	{{84, 124, 73, 14}, 65, "1b0321dd1bb1fe518101ceef99462b947a01ff41"},
	{{43, 213, 53, 83}, 90, "e56f6cbf5b7c4be0237986d5243b87aa6d51305a"},
};

#define NVECTORS (sizeof(bep42_vectors) / sizeof(bep42_vectors[0]))

/* Flip bit b (0 = most significant bit of id[0]) of a copy of id. */
static void
flip_bit(const uint8_t *id, int b, uint8_t *out)
{
	memcpy(out, id, NODEID_LEN);
	out[b / 8] ^= (uint8_t) (0x80 >> (b % 8));
}

/*
 * One vector: make() with the vector's own ID as the random bytes gives the
 * ID back, make() with zero random bytes gives the prefix (21 bits) and r,
 * valid() accepts the ID, and every single-bit flip is refused exactly
 * when it touches a checked bit: the top 21 bits or r (id[19] & 7).
 */
static void
test_bep42_vector(const struct bep42_vector *v)
{
	struct netaddr a = addr4(v->ip);
	uint8_t		id[NODEID_LEN],
				zero[NODEID_LEN],
				out[NODEID_LEN],
				flipped[NODEID_LEN];
	unsigned	r = v->rand & 7;
	int			b;

	hex_decode(v->id_hex, id, NODEID_LEN);
	memset(zero, 0, sizeof(zero));
	CHECK(id[19] == v->rand);

	nodeid_bep42_make(&a, r, id, out);
	CHECKF(memcmp(out, id, NODEID_LEN) == 0, "make %s", v->id_hex);
	nodeid_bep42_make(&a, r, zero, out);
	CHECKF(out[0] == id[0] && out[1] == id[1] &&
		   out[2] == (id[2] & 0xf8), "prefix %s", v->id_hex);
	CHECKF(out[19] == r, "last byte %s", v->id_hex);
	CHECKF(nodeid_bep42_valid(out, &a), "make/valid %s", v->id_hex);
	CHECKF(nodeid_bep42_valid(id, &a), "valid %s", v->id_hex);

	for (b = 0; b < NODEID_LEN * 8; b++)
	{
		int			checked = b < 21 || b >= NODEID_LEN * 8 - 3;

		flip_bit(id, b, flipped);
		CHECKF(nodeid_bep42_valid(flipped, &a) == !checked,
			   "%s bit %d", v->id_hex, b);
	}

	/* The port plays no part; the mask's cleared address bits neither. */
	a.port = 1;
	CHECK(nodeid_bep42_valid(id, &a));
	a.ip[0] ^= 0xfc;
	a.ip[1] ^= 0xf0;
	a.ip[2] ^= 0xc0;
	CHECKF(nodeid_bep42_valid(id, &a), "masked bits %s", v->id_hex);
}

static void
test_bep42_vectors(void)
{
	size_t		i,
				j;

	for (i = 0; i < NVECTORS; i++)
		test_bep42_vector(&bep42_vectors[i]);

	/* An ID is valid for its own address only. */
	for (i = 0; i < NVECTORS; i++)
		for (j = 0; j < NVECTORS; j++)
		{
			struct netaddr a = addr4(bep42_vectors[j].ip);
			uint8_t		id[NODEID_LEN];

			hex_decode(bep42_vectors[i].id_hex, id, NODEID_LEN);
			CHECKF(nodeid_bep42_valid(id, &a) == (i == j), "id %zu ip %zu",
				   i, j);
		}
}

/* The same vectors through IPv4-mapped IPv6 (::ffff:a.b.c.d). */
static void
test_bep42_v4mapped(void)
{
	size_t		i;

	for (i = 0; i < NVECTORS; i++)
	{
		uint8_t		b[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
		struct netaddr a;
		uint8_t		id[NODEID_LEN],
					out[NODEID_LEN];

		memcpy(b + 12, bep42_vectors[i].ip, 4);
		a = addr6(b);
		hex_decode(bep42_vectors[i].id_hex, id, NODEID_LEN);
		CHECKF(nodeid_bep42_valid(id, &a), "mapped %zu", i);
		nodeid_bep42_make(&a, bep42_vectors[i].rand & 7, id, out);
		CHECKF(memcmp(out, id, NODEID_LEN) == 0, "mapped make %zu", i);
	}
}

/*
 * IPv6: make/valid round trips for every r on random addresses; the last 8
 * address bytes and the mask's cleared bits do not matter, flips of the
 * checked bits are refused.
 */
static void
test_bep42_v6(void)
{
	int			round;
	unsigned	r;

	for (round = 0; round < 64; round++)
	{
		uint8_t		b[16],
					rnd[NODEID_LEN],
					id[NODEID_LEN],
					flipped[NODEID_LEN];
		struct netaddr a;
		int			bit;

		rng_fill(b, sizeof(b));
		b[0] = 0x2a;			/* global unicast, not IPv4-mapped */
		a = addr6(b);
		for (r = 0; r < 8; r++)
		{
			rng_fill(rnd, sizeof(rnd));
			nodeid_bep42_make(&a, r, rnd, id);
			CHECKF(nodeid_bep42_valid(id, &a), "round %d r %u", round, r);
			CHECK((id[19] & 7) == r && (id[19] & 0xf8) == (rnd[19] & 0xf8));
			CHECK(memcmp(id + 3, rnd + 3, 16) == 0 &&
				  (id[2] & 7) == (rnd[2] & 7));
		}
		for (bit = 0; bit < 21; bit++)
		{
			flip_bit(id, bit, flipped);
			CHECKF(!nodeid_bep42_valid(flipped, &a), "v6 bit %d", bit);
		}
		a.ip[15] ^= 0xff;
		a.ip[8] ^= 0xff;
		a.ip[0] ^= 0xfe;		/* mask 01 */
		CHECKF(nodeid_bep42_valid(id, &a), "v6 ignored bits, round %d", round);
	}
}

struct exempt_case
{
	int			family;
	uint8_t		addr[16];
	int			exempt;
};

static const struct exempt_case exempt_cases[] = {
	{AF_INET, {127, 0, 0, 1}, 1},
	{AF_INET, {10, 1, 2, 3}, 1},
	{AF_INET, {172, 16, 0, 1}, 1},
	{AF_INET, {192, 168, 1, 1}, 1},
	{AF_INET, {100, 64, 0, 1}, 1},
	{AF_INET, {169, 254, 0, 1}, 1},
	{AF_INET, {124, 31, 75, 21}, 0},
	{AF_INET, {43, 213, 53, 83}, 0},
	{AF_INET, {224, 0, 0, 1}, 0},	/* martian: refused elsewhere */
	{AF_INET, {0, 0, 0, 0}, 0},
	{AF_INET6, {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 1},
	{AF_INET6, {0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 1},
	{AF_INET6, {0xfd, 0x12, 0x34, 0x56}, 1},
	{AF_INET6, {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 1}, 1},
	{AF_INET6, {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1}, 1},
	{AF_INET6, {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 65, 23, 51, 170}, 0},
	{AF_INET6, {0x2a, 0x00, 0x14, 0x50, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 0},
	{AF_UNIX, {127, 0, 0, 1}, 0},
};

static void
test_exempt(void)
{
	size_t		i;

	for (i = 0; i < sizeof(exempt_cases) / sizeof(exempt_cases[0]); i++)
	{
		struct netaddr a = testutil_netaddr(exempt_cases[i].family,
											exempt_cases[i].addr, 0);

		CHECKF(nodeid_bep42_exempt(&a) == exempt_cases[i].exempt,
			   "case %zu", i);
	}
}

/* An unknown family: make() copies rnd, valid() refuses. */
static void
test_unknown_family(void)
{
	struct netaddr a;
	uint8_t		rnd[NODEID_LEN],
				id[NODEID_LEN];

	memset(&a, 0, sizeof(a));
	a.family = AF_UNIX;
	rng_fill(rnd, sizeof(rnd));
	nodeid_bep42_make(&a, 3, rnd, id);
	CHECK(memcmp(id, rnd, NODEID_LEN) == 0);
	CHECK(!nodeid_bep42_valid(id, &a));
}

static int
sign(int x)
{
	return (x > 0) - (x < 0);
}

/* Reference: compare a^t and b^t as 160-bit big-endian numbers, bit by bit. */
static int
cmp_distance_ref(const uint8_t *t, const uint8_t *a, const uint8_t *b)
{
	int			bit;

	for (bit = 0; bit < NODEID_LEN * 8; bit++)
	{
		int			m = 0x80 >> (bit % 8);
		int			da = ((a[bit / 8] ^ t[bit / 8]) & m) != 0;
		int			db = ((b[bit / 8] ^ t[bit / 8]) & m) != 0;

		if (da != db)
			return da ? 1 : -1;
	}
	return 0;
}

struct dist_case
{
	uint8_t		t0,
				a0,
				b0;				/* first bytes */
	uint8_t		t19,
				a19,
				b19;			/* last bytes; the rest are zero */
	int			expect;			/* sign */
};

static const struct dist_case dist_cases[] = {
	{0x00, 0x00, 0x00, 0x00, 0x01, 0x02, -1},
	{0x00, 0x00, 0x00, 0x00, 0x02, 0x01, 1},
	{0x00, 0x00, 0x00, 0x00, 0x05, 0x05, 0},
	{0x00, 0x00, 0x00, 0x03, 0x03, 0x02, -1},	/* a == target */
	{0xff, 0xff, 0x7f, 0x00, 0xff, 0x00, -1},	/* first byte wins */
	{0x80, 0x00, 0x7f, 0x00, 0x00, 0x00, -1},	/* 0x80 < 0xff */
	{0x80, 0xff, 0x00, 0x00, 0x00, 0x00, -1},	/* 0x7f < 0x80 */
};

static void
test_distance(void)
{
	size_t		i;
	int			round;

	for (i = 0; i < sizeof(dist_cases) / sizeof(dist_cases[0]); i++)
	{
		const struct dist_case *c = &dist_cases[i];
		uint8_t		t[NODEID_LEN] = {0},
					a[NODEID_LEN] = {0},
					b[NODEID_LEN] = {0};

		t[0] = c->t0;
		a[0] = c->a0;
		b[0] = c->b0;
		t[19] = c->t19;
		a[19] = c->a19;
		b[19] = c->b19;
		CHECKF(sign(nodeid_cmp_distance(t, a, b)) == c->expect, "case %zu", i);
		CHECKF(sign(nodeid_cmp_distance(t, b, a)) == -c->expect,
			   "case %zu swapped", i);
	}
	for (round = 0; round < 1000; round++)
	{
		uint8_t		t[NODEID_LEN],
					a[NODEID_LEN],
					b[NODEID_LEN];
		int			got;

		rng_fill(t, sizeof(t));
		rng_fill(a, sizeof(a));
		memcpy(b, a, sizeof(b));
		/* share a random-length prefix so that later bytes decide */
		rng_fill(b + (rng_next() % NODEID_LEN), 1);
		got = nodeid_cmp_distance(t, a, b);
		if (sign(got) != cmp_distance_ref(t, a, b) ||
			sign(nodeid_cmp_distance(t, b, a)) != -sign(got))
			break;
	}
	CHECKF(round == 1000, "random distance round %d", round);
}

int
main(void)
{
	test_crc32c();
	test_bep42_vectors();
	test_bep42_v4mapped();
	test_bep42_v6();
	test_exempt();
	test_unknown_family();
	test_distance();
	return unit_summary("nodeid");
}
