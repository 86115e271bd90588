/*
 * addrclass.h
 *		Which kind of network an IP address belongs to.
 *
 * Owns the classification the DHT code uses to refuse addresses it must
 * never contact or store: martians (unspecified, multicast, reserved,
 * documentation and benchmark ranges) always, and loopback, private and
 * link-local ranges unless dht_indexer.allow_private_addresses is on.
 * IPv4-mapped IPv6 addresses are classified as the IPv4 address they carry.
 * Pure functions of their arguments; no state.
 */
#ifndef DHT_ADDRCLASS_H
#define DHT_ADDRCLASS_H

#include <stdint.h>

enum addrclass
{
	ADDRCLASS_PUBLIC = 0,		/* routable on the internet */
	ADDRCLASS_LOOPBACK,			/* 127/8, ::1 */
	ADDRCLASS_PRIVATE,			/* RFC 1918, shared 100.64/10, ULA fc00::/7 */
	ADDRCLASS_LINK_LOCAL,		/* 169.254/16, fe80::/10 */
	ADDRCLASS_MARTIAN			/* never valid as a peer or node address */
};

/* Classify a 4-byte (AF_INET) or 16-byte (AF_INET6) address in network order. */
enum addrclass addrclass_of(int family, const uint8_t *addr);

/* True when an address of this class may be contacted or stored. */
int			addrclass_allowed(enum addrclass cls, int allow_private);

/* "public", "loopback", ... */
const char *addrclass_name(enum addrclass cls);

#endif							/* DHT_ADDRCLASS_H */
