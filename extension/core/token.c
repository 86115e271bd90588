/*
 * token.c
 *		Announce tokens from keyed BLAKE2b and two rotating secrets
 *		(see token.h).
 */
#include <string.h>
#include <sys/socket.h>

#include <sodium.h>

#include "token.h"

/* Hashed input: family byte, up to 16 address bytes, the info hash. */
#define TOKEN_INPUT_MAX (1 + 16 + 20)

_Static_assert(sizeof(((struct token_secrets *) 0)->current) ==
			   crypto_generichash_KEYBYTES, "secret is a generichash key");
_Static_assert(TOKEN_LEN <= crypto_generichash_BYTES_MIN,
			   "a token is a prefix of the shortest generichash output");

void
token_init(struct token_secrets *s, uint64_t now_ms)
{
	/*
	 * sodium_init() returns 0 (done now), 1 (done before) or -1 (it could
	 * not set itself up).  Even after -1, randombytes_buf() aborts rather
	 * than return predictable bytes, so there is no failure to report.
	 */
	int			sodium_state = sodium_init();

	(void) sodium_state;
	memset(s, 0, sizeof(*s));
	randombytes_buf(s->current, sizeof(s->current));
	s->rotated_at_ms = now_ms;
	s->has_previous = 0;
}

int
token_rotate_if_due(struct token_secrets *s, uint64_t now_ms)
{
	if (now_ms < s->rotated_at_ms ||
		now_ms - s->rotated_at_ms < TOKEN_ROTATE_MS)
		return 0;
	memcpy(s->previous, s->current, sizeof(s->previous));
	randombytes_buf(s->current, sizeof(s->current));
	s->rotated_at_ms = now_ms;
	s->has_previous = 1;
	return 1;
}

/*
 * The token under one secret into out: the first TOKEN_LEN bytes of a
 * crypto_generichash_BYTES_MIN-byte keyed hash (BLAKE2b's output length
 * is a parameter of the hash, so the shortest allowed one is computed).
 */
static void
token_under(const uint8_t key[32], const struct netaddr *requester,
			const uint8_t info_hash[20], uint8_t out[TOKEN_LEN])
{
	uint8_t		in[TOKEN_INPUT_MAX];
	uint8_t		h[crypto_generichash_BYTES_MIN];
	size_t		iplen = netaddr_iplen(requester);
	size_t		n = 0;

	in[n++] = requester->family == AF_INET6 ? 6 :
		requester->family == AF_INET ? 4 : 0;
	memcpy(in + n, requester->ip, iplen);
	n += iplen;
	memcpy(in + n, info_hash, 20);
	n += 20;
	crypto_generichash(h, sizeof(h), in, n, key, crypto_generichash_KEYBYTES);
	memcpy(out, h, TOKEN_LEN);
}

void
token_make(const struct token_secrets *s, const struct netaddr *requester,
		   const uint8_t info_hash[20], uint8_t out[TOKEN_LEN])
{
	token_under(s->current, requester, info_hash, out);
}

int
token_check(const struct token_secrets *s, const struct netaddr *requester,
			const uint8_t info_hash[20], const uint8_t *token, size_t len)
{
	uint8_t		want[TOKEN_LEN];
	int			ok;

	if (len != TOKEN_LEN)
		return 0;
	token_under(s->current, requester, info_hash, want);
	ok = sodium_memcmp(want, token, TOKEN_LEN) == 0;
	if (s->has_previous)
	{
		token_under(s->previous, requester, info_hash, want);
		ok |= sodium_memcmp(want, token, TOKEN_LEN) == 0;
	}
	return ok;
}
