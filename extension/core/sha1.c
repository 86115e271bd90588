/*
 * sha1.c
 *		SHA-1 as specified in FIPS 180-4 (sections 5.1.1, 5.3.1, 6.1).
 *
 * The message is processed in 512-bit blocks; a partial block waits in the
 * context until more bytes or sha1_final() arrive.  The 80-word message
 * schedule is kept as a 16-word ring (W[t] depends only on W[t-3], W[t-8],
 * W[t-14] and W[t-16]), so the state per block is 64 bytes plus five words.
 * All multi-byte quantities are big-endian and read byte by byte, so the
 * input needs no alignment.
 */
#include <string.h>

#include "be32.h"
#include "sha1.h"

/* the initial hash value H(0), FIPS 180-4 section 5.3.1 */
static const uint32_t sha1_h0[5] = {
	0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0
};

/* the four round constants K, one per 20 rounds (section 4.2.1) */
static const uint32_t sha1_k[4] = {
	0x5a827999, 0x6ed9eba1, 0x8f1bbcdc, 0xca62c1d6
};

/* Rotate left by n bits, 0 < n < 32 */
static inline uint32_t
rotl32(uint32_t x, unsigned n)
{
	return (x << n) | (x >> (32 - n));
}

/*
 * The round function f(t) of section 4.1.1: Ch for rounds 0-19, Parity for
 * 20-39 and 60-79, Maj for 40-59.
 */
static inline uint32_t
sha1_f(unsigned t, uint32_t b, uint32_t c, uint32_t d)
{
	if (t < 20)
		return (b & c) ^ (~b & d);
	if (t >= 40 && t < 60)
		return (b & c) ^ (b & d) ^ (c & d);
	return b ^ c ^ d;
}

/* Section 6.1.2: fold one 64-byte block into the chaining value h */
static void
sha1_block(uint32_t h[5], const uint8_t *block)
{
	uint32_t	w[16];
	uint32_t	a = h[0];
	uint32_t	b = h[1];
	uint32_t	c = h[2];
	uint32_t	d = h[3];
	uint32_t	e = h[4];
	unsigned	t;

	for (t = 0; t < 16; t++)
		w[t] = be32_load(block + 4 * t);
	for (t = 0; t < 80; t++)
	{
		uint32_t	tmp;

		/* w[t & 15] still holds W[t-16] when W[t] is computed */
		if (t >= 16)
			w[t & 15] = rotl32(w[(t - 3) & 15] ^ w[(t - 8) & 15] ^
							   w[(t - 14) & 15] ^ w[t & 15], 1);
		tmp = rotl32(a, 5) + sha1_f(t, b, c, d) + e + sha1_k[t / 20] +
			w[t & 15];
		e = d;
		d = c;
		c = rotl32(b, 30);
		b = a;
		a = tmp;
	}
	h[0] += a;
	h[1] += b;
	h[2] += c;
	h[3] += d;
	h[4] += e;
}

/* Reset *ctx to H(0) and an empty message */
void
sha1_init(struct sha1_ctx *ctx)
{
	memcpy(ctx->h, sha1_h0, sizeof(ctx->h));
	ctx->nbytes = 0;
	ctx->nbuf = 0;
}

/*
 * Complete a waiting partial block first, then hash whole blocks straight
 * from data, and keep the tail for later.
 */
void
sha1_update(struct sha1_ctx *ctx, const void *data, size_t len)
{
	const uint8_t *p = data;

	if (len == 0)
		return;					/* data may be NULL */
	ctx->nbytes += len;
	if (ctx->nbuf > 0)
	{
		size_t		take = SHA1_BLOCK_LEN - ctx->nbuf;

		if (take > len)
			take = len;
		memcpy(ctx->buf + ctx->nbuf, p, take);
		ctx->nbuf += take;
		p += take;
		len -= take;
		if (ctx->nbuf < SHA1_BLOCK_LEN)
			return;
		sha1_block(ctx->h, ctx->buf);
		ctx->nbuf = 0;
	}
	while (len >= SHA1_BLOCK_LEN)
	{
		sha1_block(ctx->h, p);
		p += SHA1_BLOCK_LEN;
		len -= SHA1_BLOCK_LEN;
	}
	if (len > 0)
	{
		memcpy(ctx->buf, p, len);
		ctx->nbuf = len;
	}
}

/*
 * Section 5.1.1 padding: a 1 bit, zeros up to 448 bits mod 512, then the
 * message length in bits as a 64-bit big-endian integer.  The 1 bit and the
 * zeros spill into an extra block when fewer than 9 bytes are free.
 */
void
sha1_final(struct sha1_ctx *ctx, uint8_t out[SHA1_DIGEST_LEN])
{
	uint64_t	bits = ctx->nbytes << 3;
	int			i;

	ctx->buf[ctx->nbuf++] = 0x80;
	if (ctx->nbuf > SHA1_BLOCK_LEN - 8)
	{
		memset(ctx->buf + ctx->nbuf, 0, SHA1_BLOCK_LEN - ctx->nbuf);
		sha1_block(ctx->h, ctx->buf);
		ctx->nbuf = 0;
	}
	memset(ctx->buf + ctx->nbuf, 0, SHA1_BLOCK_LEN - 8 - ctx->nbuf);
	be32_store(ctx->buf + SHA1_BLOCK_LEN - 8, (uint32_t) (bits >> 32));
	be32_store(ctx->buf + SHA1_BLOCK_LEN - 4, (uint32_t) bits);
	sha1_block(ctx->h, ctx->buf);
	for (i = 0; i < 5; i++)
		be32_store(out + 4 * i, ctx->h[i]);
	memset(ctx, 0, sizeof(*ctx));
}

/* init + update + final */
void
sha1_digest(const void *data, size_t len, uint8_t out[SHA1_DIGEST_LEN])
{
	struct sha1_ctx ctx;

	sha1_init(&ctx);
	sha1_update(&ctx, data, len);
	sha1_final(&ctx, out);
}
