/*
 * sha1.h
 *		SHA-1 (FIPS 180-4), for BitTorrent v1 info hashes.
 *
 * Owns: the SHA-1 message digest, one-shot and incremental.  libsodium,
 * our only crypto library, has SHA-256/512 but no SHA-1, and a v1 info hash
 * is the SHA-1 of the info dict (BEP 3).  Does not own: deciding what to
 * hash or comparing hashes (metainfo.c), nor any security claim: SHA-1 is
 * broken for collision resistance and is used here only because the
 * protocol names it.
 *
 * Invariants: no allocation, no failure modes (hence no error enum), no
 * assumption about alignment or NUL termination of the input.  A context
 * hashes at most 2^61 - 1 bytes (the 64-bit bit count of FIPS 180-4); info
 * dicts are capped at a few megabytes long before that.
 */
#ifndef DHT_SHA1_H
#define DHT_SHA1_H

#include <stddef.h>
#include <stdint.h>

/* digest size in bytes (160 bits) */
#define SHA1_DIGEST_LEN 20
/* the compression function's block size in bytes (512 bits) */
#define SHA1_BLOCK_LEN 64

/* Incremental state; treat as opaque */
struct sha1_ctx
{
	uint32_t	h[5];			/* chaining value H0..H4 */
	uint64_t	nbytes;			/* message bytes hashed so far */
	size_t		nbuf;			/* bytes waiting in buf (< SHA1_BLOCK_LEN) */
	uint8_t		buf[SHA1_BLOCK_LEN];	/* partial block */
};

/* Start a new digest in *ctx */
void		sha1_init(struct sha1_ctx *ctx);

/* Hash len more bytes of data (data may be NULL when len is 0) */
void		sha1_update(struct sha1_ctx *ctx, const void *data, size_t len);

/* Pad, write the 20-byte digest to out, and wipe *ctx (init to reuse) */
void		sha1_final(struct sha1_ctx *ctx, uint8_t out[SHA1_DIGEST_LEN]);

/* One-shot SHA-1 of data[0..len) into out */
void		sha1_digest(const void *data, size_t len,
						uint8_t out[SHA1_DIGEST_LEN]);

#endif							/* DHT_SHA1_H */
