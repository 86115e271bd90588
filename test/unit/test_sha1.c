/*
 * test_sha1.c
 *		Unit tests for extension/core/sha1.c.
 *
 * Vectors: the FIPS 180-2 / NIST CSRC examples ("abc", the 448-bit and
 * 896-bit messages, one million 'a'), the empty string, and 'a' repeated
 * around every padding boundary (55/56/57, 63/64/65, 119/120, 127/128
 * bytes), reference digests from Python's hashlib.  Every message is hashed
 * one-shot from a buffer that ends at a PROT_NONE page, in two pieces split
 * at every position, and byte by byte.
 */
#include <stdint.h>

#include "sha1.h"
#include "unit.h"

#define M448 "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
#define M896 "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn" \
	"hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu"

/* The message is `unit` repeated `times` times */
struct sha1_case
{
	const char *unit;
	size_t		times;
	const char *hex;
};

static const struct sha1_case cases[] = {
	{"abc", 1, "a9993e364706816aba3e25717850c26c9cd0d89d"},
	{M448, 1, "84983e441c3bd26ebaae4aa1f95129e5e54670f1"},
	{M896, 1, "a49b2446a02c645bf419f995b67091253a04a259"},
	{"a", 1000000, "34aa973cd4c4daa4f61eeb2bdbad27316534016f"},
	{"", 1, "da39a3ee5e6b4b0d3255bfef95601890afd80709"},
	{"The quick brown fox jumps over the lazy dog", 1, "2fd4e1c67a2d28fced849ee1bb76e7391b93eb12"},
	{"a", 55, "c1c8bbdc22796e28c0e15163d20899b65621d65a"},
	{"a", 56, "c2db330f6083854c99d4b5bfb6e8f29f201be699"},
	{"a", 57, "f08f24908d682555111be7ff6f004e78283d989a"},
	{"a", 63, "03f09f5b158a7a8cdad920bddc29b81c18a551f5"},
	{"a", 64, "0098ba824b5c16427bd7a1122a5a442a25ec644d"},
	{"a", 65, "11655326c708d70319be2610e8a57d9a5b959d3b"},
	{"a", 119, "ee971065aaa017e0632a8ca6c77bb3bf8b1dfc56"},
	{"a", 120, "f34c1488385346a55709ba056ddd08280dd4c6d6"},
	{"a", 127, "89d95fa32ed44a7c610b7ee38517ddf57e0bb975"},
	{"a", 128, "ad5b3fdbcb526778c2839d2f151ea753995e26a0"},
	{"a", 1000, "291e9a6c66994949b57ba5e650361e98fc36b1ba"},
};

/* Lower-case hex of a digest into out[41] */
static void
to_hex(const uint8_t *d, char *out)
{
	static const char digits[] = "0123456789abcdef";
	int			i;

	for (i = 0; i < SHA1_DIGEST_LEN; i++)
	{
		out[2 * i] = digits[d[i] >> 4];
		out[2 * i + 1] = digits[d[i] & 15];
	}
	out[2 * SHA1_DIGEST_LEN] = '\0';
}

/* Check one digest against the case's expected hex */
static void
expect(const struct sha1_case *c, const uint8_t *d, const char *how)
{
	char		hex[2 * SHA1_DIGEST_LEN + 1];

	to_hex(d, hex);
	CHECKF(strcmp(hex, c->hex) == 0, "%s x %zu (%s): got %s", c->unit,
		   c->times, how, hex);
}

/* One-shot, every two-piece split (short messages) and byte by byte */
static void
run_case(const struct sha1_case *c)
{
	size_t		ulen = strlen(c->unit);
	size_t		len = ulen * c->times;
	char	   *msg = malloc(len + 1);
	struct unit_guarded g;
	struct sha1_ctx ctx;
	uint8_t		d[SHA1_DIGEST_LEN];
	size_t		i;

	for (i = 0; i < c->times; i++)
		memcpy(msg + i * ulen, c->unit, ulen);
	g = unit_guarded_copy(msg, len);
	sha1_digest(g.data, len, d);
	expect(c, d, "one-shot");
	if (len <= 200)
	{
		for (i = 0; i <= len; i++)
		{
			sha1_init(&ctx);
			sha1_update(&ctx, g.data, i);
			sha1_update(&ctx, g.data + i, len - i);
			sha1_final(&ctx, d);
			expect(c, d, "split");
		}
		sha1_init(&ctx);
		for (i = 0; i < len; i++)
			sha1_update(&ctx, g.data + i, 1);
		sha1_final(&ctx, d);
		expect(c, d, "bytewise");
	}
	else
	{
		/* uneven chunks that straddle block boundaries */
		sha1_init(&ctx);
		for (i = 0; i < len; i += 1000 - 3)
			sha1_update(&ctx, g.data + i, len - i < 997 ? len - i : 997);
		sha1_final(&ctx, d);
		expect(c, d, "chunks of 997");
	}
	unit_guarded_free(&g);
	free(msg);
}

int
main(void)
{
	struct sha1_ctx ctx;
	uint8_t		d1[SHA1_DIGEST_LEN];
	uint8_t		d2[SHA1_DIGEST_LEN];
	size_t		i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(&cases[i]);

	/* NULL data with length 0 is allowed, and a context can be reused */
	sha1_init(&ctx);
	sha1_update(&ctx, NULL, 0);
	sha1_update(&ctx, "abc", 3);
	sha1_update(&ctx, NULL, 0);
	sha1_final(&ctx, d1);
	sha1_init(&ctx);
	sha1_update(&ctx, "abc", 3);
	sha1_final(&ctx, d2);
	CHECK(memcmp(d1, d2, SHA1_DIGEST_LEN) == 0);
	expect(&cases[0], d1, "NULL updates");

	return unit_summary("sha1");
}
