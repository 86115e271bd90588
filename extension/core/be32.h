/*
 * be32.h
 *		Big-endian 32-bit loads and stores: the byte order of BitTorrent's
 *		peer-wire lengths and of SHA-1's words.
 *
 * Owns nothing but these two helpers, inline so that every user (the peer
 * wire, SHA-1, the simulator's peers) shares one definition.
 */
#ifndef DHT_BE32_H
#define DHT_BE32_H

#include <stdint.h>

static inline uint32_t
be32_load(const uint8_t *p)
{
	return ((uint32_t) p[0] << 24) | ((uint32_t) p[1] << 16) |
		((uint32_t) p[2] << 8) | (uint32_t) p[3];
}

static inline void
be32_store(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t) (v >> 24);
	p[1] = (uint8_t) (v >> 16);
	p[2] = (uint8_t) (v >> 8);
	p[3] = (uint8_t) v;
}

#endif							/* DHT_BE32_H */
