/*
 * testutil.h
 *		Helpers shared by the core's unit tests: deterministic random
 *		generators, struct netaddr constructors, distinct info hashes and
 *		ASan's count of heap bytes.
 *
 * Owns nothing stateful: generators advance a state the test passes in,
 * so each test keeps its own seed and its sequences reproduce exactly.
 * Include it after unit.h.  Everything is static inline (or a macro), so a
 * test pays only for what it uses.  Does not own checks or the summary
 * line (unit.h) nor any test's address scheme (tests build theirs on the
 * constructors here).
 */
#ifndef DHT_TESTUTIL_H
#define DHT_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "netaddr.h"

/*
 * HEAP_BYTES(): bytes currently allocated by malloc, from ASan's heap
 * accounting, for "the heap does not grow" checks; 0 without ASan, which
 * makes those checks pass trivially.
 */
#if defined(__SANITIZE_ADDRESS__)
#define HAVE_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HAVE_ASAN 1
#endif
#endif
#ifdef HAVE_ASAN
extern size_t __sanitizer_get_current_allocated_bytes(void);
#define HEAP_BYTES() __sanitizer_get_current_allocated_bytes()
#else
#define HEAP_BYTES() ((size_t) 0)
#endif

/* splitmix64: advance *state and return 64 random bits (any seed works). */
static inline uint64_t
testutil_splitmix(uint64_t *state)
{
	uint64_t	z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* xorshift64*: advance *state (never 0) and return 64 random bits. */
static inline uint64_t
testutil_xorshift(uint64_t *state)
{
	*state ^= *state >> 12;
	*state ^= *state << 25;
	*state ^= *state >> 27;
	return *state * UINT64_C(2685821657736338717);
}

/* A distinct, random-looking info hash for each id (id's bytes first). */
static inline void
testutil_hash_of(uint32_t id, uint8_t out[20])
{
	uint64_t	s = id;
	uint64_t	w[3];

	w[0] = testutil_splitmix(&s);
	w[1] = testutil_splitmix(&s);
	w[2] = testutil_splitmix(&s);
	memcpy(out, w, 20);
	memcpy(out, &id, sizeof(id));	/* distinct by construction */
}

/* The endpoint a.b.c.d:port (unused bytes zero). */
static inline struct netaddr
testutil_ip4(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint16_t port)
{
	struct netaddr n;

	memset(&n, 0, sizeof(n));
	n.family = AF_INET;
	n.ip[0] = a;
	n.ip[1] = b;
	n.ip[2] = c;
	n.ip[3] = d;
	n.port = port;
	return n;
}

/* An endpoint of any family (even a bogus one) from all 16 bytes of ip. */
static inline struct netaddr
testutil_netaddr(int family, const uint8_t ip[16], uint16_t port)
{
	struct netaddr n;

	memset(&n, 0, sizeof(n));
	n.family = family;
	memcpy(n.ip, ip, 16);
	n.port = port;
	return n;
}

#endif							/* DHT_TESTUTIL_H */
