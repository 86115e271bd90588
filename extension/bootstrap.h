/*-------------------------------------------------------------------------
 *
 * bootstrap.h
 *	  Reaching the DHT: resolve dht_indexer.bootstrap_nodes and probe them.
 *
 * Resolves every configured host:port, pings each address that policy
 * allows from a socket of its family, and recognises the replies, so that
 * stats() and the log say plainly whether the DHT is reachable.
 *
 *-------------------------------------------------------------------------
 */
#ifndef DHT_BOOTSTRAP_H
#define DHT_BOOTSTRAP_H

#include "udpset.h"

/* Resolve and ping all bootstrap nodes (one round). */
extern void bootstrap_round(void);
/* True if the datagram answered one of our pings (and was counted). */
extern bool bootstrap_on_datagram(const UdpSocket *sock,
								  const struct sockaddr *from,
								  socklen_t fromlen,
								  const uint8 *data, size_t len);
/* True once any bootstrap address has answered since the worker started. */
extern bool bootstrap_reached(void);

#endif							/* DHT_BOOTSTRAP_H */
