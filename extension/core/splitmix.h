/*
 * splitmix.h
 *		splitmix64: the one small PRNG step the core uses to spread a
 *		caller's seed into key material and cheap non-cryptographic random
 *		numbers (secrets themselves come from libsodium or the caller).
 */
#ifndef DHT_SPLITMIX_H
#define DHT_SPLITMIX_H

#include <stdint.h>

/* Advance *state and return the next 64-bit output. */
static inline uint64_t
splitmix64_next(uint64_t *state)
{
	uint64_t	z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

#endif							/* DHT_SPLITMIX_H */
