/*
 * token.h
 *		Announce tokens (BEP 5): what get_peers hands out and announce_peer
 *		must bring back.
 *
 * Owns: the two secrets (current and previous), their rotation schedule,
 * and making and checking tokens.  Does not own the clock (every function
 * takes now_ms), when to call the rotation (a timer of the caller's), or
 * what to answer for a bad token (KRPC error 203, swarm's).
 *
 * token = the first TOKEN_LEN bytes of keyed BLAKE2b (libsodium's
 * crypto_generichash, key = a 32-byte secret) over
 *     family (1 byte: 4 or 6) || address (4 or 16 bytes) || info_hash (20)
 * BLAKE2b rather than SipHash (crypto_shorthash) because its key is the
 * whole 32-byte secret, not 16 bytes of it, and it is a MAC whose output may
 * be truncated; at the rate tokens are made (bounded by the send rate) its
 * cost is immaterial.  The port is not hashed: a node may announce from
 * another port than it asked from (implied_port, NAT rebinding).  The
 * address family is: an IPv4 address and the IPv4-mapped IPv6 form of it
 * get different tokens, as a node asks and announces over the same socket.
 *
 * Invariants: a secret is current for at least TOKEN_ROTATE_MS and accepted
 * for one more rotation after that, so a token stays valid at least
 * TOKEN_ROTATE_MS after it was made (and is refused after the second
 * rotation that follows).  Tokens are compared in constant time
 * (sodium_memcmp).  The struct is plain data: the caller owns it and may
 * keep it anywhere; no allocation.
 */
#ifndef DHT_TOKEN_H
#define DHT_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#include "netaddr.h"

/*
 * Token length: 8 bytes (64 bits) makes guessing hopeless (an attacker
 * gets one try per packet, under the incoming rate limit) and stays short
 * on the wire; peers treat tokens as opaque (jech/dht's are 8 bytes too,
 * libtorrent's 4).
 */
#define TOKEN_LEN 8

/* Secret lifetime (BEP 5 suggests 5 minutes, accepting up to 10). */
#define TOKEN_ROTATE_MS (5 * 60 * 1000)

struct token_secrets
{
	uint8_t		current[32];	/* crypto_generichash_KEYBYTES */
	uint8_t		previous[32];	/* meaningful only if has_previous */
	uint64_t	rotated_at_ms;	/* when current became current */
	int			has_previous;
};

/*
 * Fresh random secrets (randombytes_buf) made current at now_ms; no
 * previous.  Calls sodium_init() (idempotent); libsodium aborts rather than
 * return non-random bytes, so this cannot fail.
 */
void		token_init(struct token_secrets *s, uint64_t now_ms);

/*
 * At now_ms >= rotated_at_ms + TOKEN_ROTATE_MS: current becomes previous, a
 * new random current is made and rotated_at_ms = now_ms; returns 1.
 * Otherwise (including now_ms before rotated_at_ms) returns 0.
 */
int			token_rotate_if_due(struct token_secrets *s, uint64_t now_ms);

/* The token for requester's address (port ignored) and info_hash. */
void		token_make(const struct token_secrets *s,
					   const struct netaddr *requester,
					   const uint8_t info_hash[20], uint8_t out[TOKEN_LEN]);

/*
 * 1 if token[0..len) is the token of requester and info_hash under the
 * current or (if any) previous secret; 0 otherwise, and for len !=
 * TOKEN_LEN.  Reads no byte of token beyond len.
 */
int			token_check(const struct token_secrets *s,
						const struct netaddr *requester,
						const uint8_t info_hash[20],
						const uint8_t *token, size_t len);

#endif							/* DHT_TOKEN_H */
