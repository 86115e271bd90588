/*
 * magnet.h
 *		Parse and build BitTorrent magnet URIs (BEP 9, BEP 52).
 *
 * Owns: the magnet syntax we accept (the scheme, the btih and btmh exact
 * topics, the display name) and the one form we produce.  Does not own
 * the hash text forms (infohash.h), trackers or peers (tr, x.pe and other
 * parameters are skipped), nor checking that a name is valid UTF-8 without
 * NUL (the caller does that before using it as PostgreSQL text).
 *
 * Accepted: "magnet:?" (scheme case-insensitive), then '&'-separated
 * key=value parameters.  Keys are matched case-insensitively (QR codes
 * upper-case whole links).  "xt", "xt.1", "xt.2"... are exact topics; their
 * values are percent-decoded, then urn:btih: takes 40 hex or 32 base32
 * characters and urn:btmh: takes a sha2-256 multihash, "1220" + 64 hex;
 * other URN kinds (ed2k, sha1...) are skipped.  A repeated identical hash
 * is fine; two different btih (or two btmh) are a conflict.  The first
 * "dn" is percent-decoded with '+' as space; later ones are skipped.
 * Surrounding ASCII whitespace (a pasted newline) is ignored.
 *
 * Invariants: inputs are (pointer, length) pairs and need no NUL; nothing
 * is allocated; magnet_build never writes at or past out + cap.  Error
 * sentences (capital letter, final period, fit for a PostgreSQL errdetail)
 * give 1-based byte positions: in the input for a bad escape, within the
 * decoded hash for a bad hash character.
 */
#ifndef DHT_MAGNET_H
#define DHT_MAGNET_H

#include <stddef.h>
#include <stdint.h>

/*
 * Longest input accepted: both hashes, a full-length escaped dn (3 bytes
 * per name byte) and a few dozen trackers fit; anything longer is not a
 * link a person pastes, and refusing it bounds the work one call can cause.
 */
#define MAGNET_MAX_URI 8192
/* dn bytes kept after decoding (cut before an incomplete UTF-8 sequence) */
#define MAGNET_MAX_NAME 1024
/* an err buffer this size holds every message of this module */
#define MAGNET_ERR_SIZE 192

struct magnet_link
{
	int			has_v1;			/* urn:btih: seen: v1 is its 20 bytes */
	uint8_t		v1[20];
	int			has_v2;			/* urn:btmh: seen: v2 is its SHA-256 */
	uint8_t		v2[32];
	size_t		name_len;		/* bytes in name, 0 if no dn */
	/* percent-decoded dn, NUL-terminated, may be empty */
	char		name[MAGNET_MAX_NAME + 1];
};

enum magnet_error
{
	MAGNET_OK = 0,
	MAGNET_ERR_NOT_MAGNET = -1, /* does not start with "magnet:?" */
	MAGNET_ERR_TOO_LONG = -2,	/* longer than MAGNET_MAX_URI */
	MAGNET_ERR_NO_HASH = -3,	/* neither btih nor btmh */
	MAGNET_ERR_BAD_BTIH = -4,	/* btih is not 40 hex / 32 base32 */
	MAGNET_ERR_BAD_BTMH = -5,	/* btmh is not 1220 + 64 hex */
	MAGNET_ERR_BAD_ESCAPE = -6, /* '%' not followed by two hex digits */
	MAGNET_ERR_CONFLICT = -7,	/* two different btih (or btmh) */
	MAGNET_ERR_BUFFER = -8		/* build: out too small */
};

/*
 * Parse a magnet URI into *out (zeroed first; meaningful only on success).
 * At least one of btih/btmh is required.  On failure err (may be NULL)
 * receives a sentence saying what is wrong and where.
 */
int			magnet_parse(const char *s, size_t len, struct magnet_link *out,
						 char *err, size_t errlen);

/*
 * Build "magnet:?xt=urn:btih:<hex v1>&xt=urn:btmh:1220<hex v2>&dn=<name>"
 * from v1 (20 bytes) and/or v2 (32 bytes), either NULL but not both
 * (MAGNET_ERR_NO_HASH); a NULL or empty name gives no dn.  dn escapes every
 * byte except RFC 3986 unreserved ones as upper-case %XX.  Writes a NUL;
 * MAGNET_ERR_BUFFER (out then "" if cap > 0) if cap is too small.
 * out_len (may be NULL) gets the length without the NUL.
 */
int			magnet_build(const uint8_t *v1, const uint8_t *v2,
						 const char *name, size_t name_len,
						 char *out, size_t cap, size_t *out_len);

/* A cap that magnet_build() never exceeds for a name of name_len bytes. */
size_t		magnet_build_size(size_t name_len);

/* A static description of a magnet_error value. */
const char *magnet_strerror(int err);

#endif							/* DHT_MAGNET_H */
