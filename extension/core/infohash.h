/*
 * infohash.h
 *		Text forms of BitTorrent info hashes: hexadecimal and base32.
 *
 * Owns: converting the text a user types or a magnet link carries into hash
 * bytes, and hash bytes back into lower-case hexadecimal.  Does not own
 * computing hashes (metainfo) or magnet syntax (magnet.h).
 *
 * Invariants: inputs are (pointer, length) pairs and need no NUL; lengths are
 * exact (no trimming, no "0x" prefix, no padding); nothing is allocated.  On
 * failure, err receives one English sentence (capital letter, final period)
 * fit for a PostgreSQL errdetail, with 1-based byte positions; err may be
 * NULL or errlen 0 when the caller wants no text.
 */
#ifndef DHT_INFOHASH_H
#define DHT_INFOHASH_H

#include <stddef.h>
#include <stdint.h>

/* SHA-1 (v1), or a v2 SHA-256 truncated to 20 bytes (BEP 52) */
#define INFOHASH_V1_LEN 20
/* full SHA-256 of a v2 info dict (BEP 52) */
#define INFOHASH_V2_LEN 32
/* text lengths: two hex digits per byte; 5 bits per base32 character */
#define INFOHASH_V1_HEX_LEN (2 * INFOHASH_V1_LEN)
#define INFOHASH_V2_HEX_LEN (2 * INFOHASH_V2_LEN)
#define INFOHASH_V1_BASE32_LEN (INFOHASH_V1_LEN * 8 / 5)
/* an err buffer this size holds every message of this module */
#define INFOHASH_ERR_SIZE 128

enum infohash_error
{
	INFOHASH_OK = 0,
	INFOHASH_ERR_LENGTH = -1,	/* wrong number of characters */
	INFOHASH_ERR_CHAR = -2		/* a character outside the alphabet */
};

/* Exactly 40 hex digits, either case, into 20 bytes. */
int			infohash_from_hex(const char *s, size_t len,
							  uint8_t out[INFOHASH_V1_LEN],
							  char *err, size_t errlen);

/* Exactly 32 base32 characters (RFC 4648, either case, no padding). */
int			infohash_from_base32(const char *s, size_t len,
								 uint8_t out[INFOHASH_V1_LEN],
								 char *err, size_t errlen);

/* Exactly 64 hex digits, either case, into a 32-byte v2 hash. */
int			infohash_v2_from_hex(const char *s, size_t len,
								 uint8_t out[INFOHASH_V2_LEN],
								 char *err, size_t errlen);

/* Lower-case hex of hash: writes 2 * hashlen characters and a NUL. */
void		infohash_to_hex(const uint8_t *hash, size_t hashlen, char *out);

/* A static description of an infohash_error value. */
const char *infohash_strerror(int err);

#endif							/* DHT_INFOHASH_H */
