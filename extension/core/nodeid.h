/*
 * nodeid.h
 *		DHT node IDs: BEP 42 address binding, CRC-32C, XOR distance.
 *
 * Owns: CRC-32C (Castagnoli, reflected polynomial 0x82F63B78, the checksum
 * BEP 42 names), building and checking BEP 42 node IDs, the exemption rule
 * (loopback, private and link-local addresses need not have BEP 42 IDs) and
 * the XOR-distance order of Kademlia.  Does not own where IDs come from (the
 * caller passes the random bytes), learning our public address, or what to
 * do with a node whose ID is invalid (routing's and swarm's decisions).
 *
 * BEP 42: with r in 0..7, the top 21 bits of a valid ID equal the top 21
 * bits of crc32c(masked address with ip[0] |= r << 5), where IPv4 takes the
 * 4 address bytes masked with 03 0f 3f ff and IPv6 the first 8 bytes masked
 * with 01 03 07 0f 1f 3f 7f ff, and the low 3 bits of id[19] are r.  So one
 * address has eight valid 21-bit prefixes.  An IPv4-mapped IPv6 address
 * (::ffff:a.b.c.d, what a dual-stack socket reports for an IPv4 peer) is
 * treated as the IPv4 address it carries, here as in addrclass.
 *
 * Pure functions of their arguments: no state, no allocation, no clock, no
 * randomness of their own.
 */
#ifndef DHT_NODEID_H
#define DHT_NODEID_H

#include <stddef.h>
#include <stdint.h>

#include "netaddr.h"

#define NODEID_LEN 20			/* bytes in a node ID or info hash (BEP 5) */

/* CRC-32C of data[0..len) (initial and final XOR 0xffffffff). */
uint32_t	nodeid_crc32c(const uint8_t *data, size_t len);

/*
 * Build a BEP 42 ID for ip's address with r (only its low 3 bits are used):
 * the 21 CRC bits and the low 3 bits of out[19] are fixed, every other bit
 * is copied from rnd.  For a family other than AF_INET/AF_INET6, out = rnd.
 */
void		nodeid_bep42_make(const struct netaddr *ip, unsigned r,
							  const uint8_t rnd[NODEID_LEN],
							  uint8_t out[NODEID_LEN]);

/*
 * 1 if id is BEP 42-valid for ip's address (port ignored), with
 * r = id[19] & 7; 0 otherwise and for unknown families.  Does not apply
 * the exemption: callers test nodeid_bep42_exempt() first.
 */
int			nodeid_bep42_valid(const uint8_t id[NODEID_LEN],
							   const struct netaddr *ip);

/* 1 if the address is loopback, private or link-local (addrclass_of). */
int			nodeid_bep42_exempt(const struct netaddr *ip);

/* <0 if a is closer to target than b (XOR metric), 0 if equal, >0 farther. */
int			nodeid_cmp_distance(const uint8_t target[NODEID_LEN],
								const uint8_t a[NODEID_LEN],
								const uint8_t b[NODEID_LEN]);

#endif							/* DHT_NODEID_H */
