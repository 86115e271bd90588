/*
 * netaddr.h
 *		A UDP/TCP endpoint (IPv4 or IPv6 address and port) and its wire forms.
 *
 * Owns the one address type the DHT code passes around, the BEP 5 compact
 * encodings (6 bytes for IPv4, 18 for IPv6: address then big-endian port),
 * conversions to and from struct sockaddr, comparison, hashing, text
 * formatting, and the IPv4-mapped IPv6 form (::ffff:a.b.c.d, what a
 * dual-stack socket reports for an IPv4 peer).  Address classification
 * (private, martian) is addrclass's.
 */
#ifndef DHT_NETADDR_H
#define DHT_NETADDR_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define NETADDR_COMPACT4 6		/* IPv4 address + port */
#define NETADDR_COMPACT6 18		/* IPv6 address + port */
#define NETADDR_STRLEN 48		/* "[ffff:...:ffff]:65535" fits */

struct netaddr
{
	int			family;			/* AF_INET or AF_INET6 */
	uint8_t		ip[16];			/* network order; IPv4 uses ip[0..3], rest 0 */
	uint16_t	port;			/* host order */
};

/* Address length in bytes for the family: 4 or 16 (0 if unknown). */
size_t		netaddr_iplen(const struct netaddr *a);

/* Decode a 6- or 18-byte compact form; -1 for any other length. */
int			netaddr_from_compact(const uint8_t *p, size_t len, struct netaddr *out);

/* Encode into out (6 or 18 bytes); returns the length written. */
size_t		netaddr_to_compact(const struct netaddr *a, uint8_t *out);

/* Endpoint from a sockaddr_in/in6; -1 for other families. */
int			netaddr_from_sockaddr(const struct sockaddr *sa, struct netaddr *out);

/* sockaddr_in/in6 from an endpoint; returns the sockaddr length. */
socklen_t	netaddr_to_sockaddr(const struct netaddr *a, struct sockaddr_storage *ss);

/* Same family, address and port. */
int			netaddr_equal(const struct netaddr *a, const struct netaddr *b);

/* Same family and address, any port. */
int			netaddr_same_ip(const struct netaddr *a, const struct netaddr *b);

/* 64-bit hash of the address (not the port) with a caller-chosen seed. */
uint64_t	netaddr_hash_ip(const struct netaddr *a, uint64_t seed);

/* "1.2.3.4:6881" or "[::1]:6881" into buf (NUL-terminated); returns buf. */
const char *netaddr_format(const struct netaddr *a, char *buf, size_t buflen);

/*
 * The IPv4 address inside the 16 bytes of an IPv6 address: a pointer to its
 * 4 bytes (ip6 + 12) if ip6 is IPv4-mapped (::ffff:0:0/96), else NULL.
 */
const uint8_t *netaddr_mapped_v4(const uint8_t *ip6);

/*
 * Copy a into out (which may be a) with the unused address bytes zeroed and
 * an IPv4-mapped IPv6 address turned into plain IPv4, port kept; returns 1
 * if a was IPv4-mapped, else 0.
 */
int			netaddr_unmap(const struct netaddr *a, struct netaddr *out);

#endif							/* DHT_NETADDR_H */
