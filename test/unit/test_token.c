/*
 * test_token.c
 *		Unit tests for extension/core/token.c: announce tokens and the
 *		rotation of their secrets.
 *
 * Tokens are checked against a guard page (token_check must not read past
 * len), for the requester that got them and for every way a requester can
 * differ; the rotation schedule is probed one millisecond either side of
 * each 5-minute boundary.
 */
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "token.h"
#include "unit.h"
#include "testutil.h"

#define T0 1000000				/* an arbitrary start time, ms */

/* token_check with the token flush against a PROT_NONE page. */
static int
check_guarded(const struct token_secrets *s, const struct netaddr *who,
			  const uint8_t *hash, const uint8_t *tok, size_t len)
{
	struct unit_guarded g = unit_guarded_copy(tok, len);
	int			ok = token_check(s, who, hash, g.data, len);

	unit_guarded_free(&g);
	return ok;
}

/* Made and checked for the same requester and hash, before any rotation. */
static void
test_valid_now(void)
{
	struct token_secrets s;
	struct netaddr a = testutil_ip4(10, 0, 0, 1, 6881);
	uint8_t		hash[20],
				tok[TOKEN_LEN],
				again[TOKEN_LEN];

	memset(hash, 0xab, sizeof(hash));
	token_init(&s, T0);
	CHECK(!s.has_previous && s.rotated_at_ms == T0);
	token_make(&s, &a, hash, tok);
	token_make(&s, &a, hash, again);
	CHECK(memcmp(tok, again, TOKEN_LEN) == 0);
	CHECK(check_guarded(&s, &a, hash, tok, TOKEN_LEN));
}

/* A requester differing in one respect, and whether the token still holds. */
struct variant_case
{
	const char *what;
	int			family;
	uint8_t		ip[16];
	uint16_t	port;
	int			hash_byte;		/* index of a flipped hash byte, or -1 */
	int			valid;
};

static const struct variant_case variant_cases[] = {
	{"same", AF_INET, {10, 0, 0, 1}, 6881, -1, 1},
	{"other port", AF_INET, {10, 0, 0, 1}, 1, -1, 1},
	{"port 0", AF_INET, {10, 0, 0, 1}, 0, -1, 1},
	{"last ip byte", AF_INET, {10, 0, 0, 2}, 6881, -1, 0},
	{"first ip byte", AF_INET, {11, 0, 0, 1}, 6881, -1, 0},
	{"IPv6 same bytes", AF_INET6, {10, 0, 0, 1}, 6881, -1, 0},
	{"IPv4-mapped", AF_INET6,
	{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 1}, 6881, -1, 0},
	{"hash byte 0", AF_INET, {10, 0, 0, 1}, 6881, 0, 0},
	{"hash byte 19", AF_INET, {10, 0, 0, 1}, 6881, 19, 0},
};

static void
test_variants(void)
{
	struct token_secrets s;
	struct netaddr a = testutil_ip4(10, 0, 0, 1, 6881);
	uint8_t		hash[20],
				tok[TOKEN_LEN];
	size_t		i;

	for (i = 0; i < 20; i++)
		hash[i] = (uint8_t) (i * 7 + 1);
	token_init(&s, T0);
	token_make(&s, &a, hash, tok);
	for (i = 0; i < sizeof(variant_cases) / sizeof(variant_cases[0]); i++)
	{
		const struct variant_case *c = &variant_cases[i];
		struct netaddr b;
		uint8_t		h[20];

		memset(&b, 0, sizeof(b));
		b.family = c->family;
		memcpy(b.ip, c->ip, sizeof(b.ip));
		b.port = c->port;
		memcpy(h, hash, sizeof(h));
		if (c->hash_byte >= 0)
			h[c->hash_byte] ^= 0x01;
		CHECKF(check_guarded(&s, &b, h, tok, TOKEN_LEN) == c->valid,
			   "%s", c->what);
	}
}

/* Wrong lengths (0..TOKEN_LEN-1 and longer) and flipped bits are refused. */
static void
test_lengths_and_bits(void)
{
	struct token_secrets s;
	struct netaddr a = testutil_ip4(192, 168, 7, 9, 4000);
	uint8_t		hash[20],
				tok[TOKEN_LEN + 8],
				bad[TOKEN_LEN];
	size_t		len;
	int			bit;

	memset(hash, 0x5a, sizeof(hash));
	token_init(&s, T0);
	token_make(&s, &a, hash, tok);
	memset(tok + TOKEN_LEN, 0, 8);
	for (len = 0; len < TOKEN_LEN; len++)
		CHECKF(!check_guarded(&s, &a, hash, tok, len), "truncated to %zu", len);
	for (len = TOKEN_LEN + 1; len <= TOKEN_LEN + 8; len++)
		CHECKF(!check_guarded(&s, &a, hash, tok, len), "extended to %zu", len);
	CHECK(token_check(&s, &a, hash, tok, TOKEN_LEN));
	for (bit = 0; bit < TOKEN_LEN * 8; bit++)
	{
		memcpy(bad, tok, TOKEN_LEN);
		bad[bit / 8] ^= (uint8_t) (1 << (bit % 8));
		CHECKF(!token_check(&s, &a, hash, bad, TOKEN_LEN), "bit %d", bit);
	}
}

/*
 * The schedule: no rotation 1 ms before each boundary, one exactly at it,
 * none right after; a token survives one rotation and not two.
 */
static void
test_rotation(void)
{
	struct token_secrets s;
	struct netaddr a = testutil_ip4(10, 9, 8, 7, 6881);
	uint8_t		hash[20],
				tok[TOKEN_LEN],
				tok2[TOKEN_LEN],
				cur[32];

	memset(hash, 0x11, sizeof(hash));
	token_init(&s, T0);
	token_make(&s, &a, hash, tok);
	memcpy(cur, s.current, sizeof(cur));

	CHECK(token_rotate_if_due(&s, T0) == 0);
	CHECK(token_rotate_if_due(&s, T0 - 1) == 0);	/* clock went back */
	CHECK(token_rotate_if_due(&s, 0) == 0);
	CHECK(token_rotate_if_due(&s, T0 + TOKEN_ROTATE_MS - 1) == 0);
	CHECK(!s.has_previous && memcmp(cur, s.current, sizeof(cur)) == 0);

	CHECK(token_rotate_if_due(&s, T0 + TOKEN_ROTATE_MS) == 1);
	CHECK(s.has_previous && s.rotated_at_ms == T0 + TOKEN_ROTATE_MS);
	CHECK(memcmp(cur, s.previous, sizeof(cur)) == 0);
	CHECK(memcmp(cur, s.current, sizeof(cur)) != 0);
	CHECK(token_rotate_if_due(&s, T0 + TOKEN_ROTATE_MS) == 0);
	CHECK(token_rotate_if_due(&s, T0 + TOKEN_ROTATE_MS + 1) == 0);
	CHECK(token_check(&s, &a, hash, tok, TOKEN_LEN));	/* one rotation */
	token_make(&s, &a, hash, tok2);
	CHECK(memcmp(tok, tok2, TOKEN_LEN) != 0);
	CHECK(token_check(&s, &a, hash, tok2, TOKEN_LEN));

	CHECK(token_rotate_if_due(&s, T0 + 2 * TOKEN_ROTATE_MS - 1) == 0);
	CHECK(token_check(&s, &a, hash, tok, TOKEN_LEN));
	CHECK(token_rotate_if_due(&s, T0 + 2 * TOKEN_ROTATE_MS) == 1);
	CHECK(!token_check(&s, &a, hash, tok, TOKEN_LEN));	/* two rotations */
	CHECK(token_check(&s, &a, hash, tok2, TOKEN_LEN));	/* tok2: one */

	/* A late call rotates once and restarts the period from now. */
	CHECK(token_rotate_if_due(&s, T0 + 7 * TOKEN_ROTATE_MS) == 1);
	CHECK(s.rotated_at_ms == T0 + 7 * TOKEN_ROTATE_MS);
	CHECK(token_rotate_if_due(&s, T0 + 8 * TOKEN_ROTATE_MS - 1) == 0);
	CHECK(token_rotate_if_due(&s, T0 + 8 * TOKEN_ROTATE_MS) == 1);
	CHECK(!token_check(&s, &a, hash, tok2, TOKEN_LEN));
}

/*
 * Without has_previous, the previous slot is ignored even if it holds the
 * secret the token was made with; two inits draw different secrets.
 */
static void
test_previous_flag(void)
{
	struct token_secrets s,
				t;
	struct netaddr a = testutil_ip4(10, 1, 1, 1, 6881);
	uint8_t		hash[20],
				tok[TOKEN_LEN];

	memset(hash, 0x22, sizeof(hash));
	token_init(&s, T0);
	token_init(&t, T0);
	CHECK(memcmp(s.current, t.current, sizeof(s.current)) != 0);
	token_make(&s, &a, hash, tok);
	CHECK(!token_check(&t, &a, hash, tok, TOKEN_LEN));
	memcpy(t.previous, s.current, sizeof(t.previous));
	CHECK(!token_check(&t, &a, hash, tok, TOKEN_LEN));
	t.has_previous = 1;
	CHECK(token_check(&t, &a, hash, tok, TOKEN_LEN));
}

/* Distinct requesters and hashes: no token collisions among 4096. */
static void
test_spread(void)
{
	static uint8_t toks[4096][TOKEN_LEN];
	struct token_secrets s;
	uint8_t		hash[20];
	int			i,
				j,
				dup = 0;

	token_init(&s, T0);
	memset(hash, 0, sizeof(hash));
	for (i = 0; i < 4096; i++)
	{
		struct netaddr a = testutil_ip4(10, (uint8_t) (i >> 8), (uint8_t) i,
										1, 6881);

		hash[0] = (uint8_t) (i & 1);
		token_make(&s, &a, hash, toks[i]);
	}
	for (i = 0; i < 4096; i++)
		for (j = i + 1; j < 4096; j++)
			dup += memcmp(toks[i], toks[j], TOKEN_LEN) == 0;
	CHECK(dup == 0);
}

int
main(void)
{
	test_valid_now();
	test_variants();
	test_lengths_and_bits();
	test_rotation();
	test_previous_flag();
	test_spread();
	return unit_summary("token");
}
