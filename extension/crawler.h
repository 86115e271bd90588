/*-------------------------------------------------------------------------
 *
 * crawler.h
 *	  The worker's side of the swarm: configuration, sockets, time,
 *	  persistence and statistics around the core's struct swarm.
 *
 *-------------------------------------------------------------------------
 */
#ifndef DHT_CRAWLER_H
#define DHT_CRAWLER_H

#include "candidates.h"
#include "netaddr.h"
#include "udpset.h"

/* Create the swarm from the current parameters (sockets are added as udpset opens them). */
extern void crawler_start(void);
/* Save good nodes and destroy the swarm. */
extern void crawler_stop(void);
extern bool crawler_running(void);
/* udpset callbacks */
extern void crawler_socket_opened(const UdpSocket *sock);
extern void crawler_socket_closed(const UdpSocket *sock);
extern void crawler_on_datagram(const UdpSocket *sock, const struct sockaddr *from,
								socklen_t fromlen, const uint8 *data, size_t len);
/* Run the swarm's timers; returns the monotonic ms deadline for the next call. */
extern uint64 crawler_tick(uint64 now_ms);
/* Query these addresses for nodes near us. */
extern void crawler_bootstrap(const struct netaddr *addrs, int n);
/* Apply reloaded rates and address policy. */
extern void crawler_reload(void);
/* Copy counters and the recent-hash sample into shared memory. */
extern void crawler_publish(void);
/* The next discovered hash for the metadata pipeline (false if none). */
extern bool crawler_pop_candidate(struct candidate *out);
/* Look for peers of a hash (resolve()). */
extern void crawler_lookup(const uint8 *hash);
/* Lookup slots free now: the resolver's lookup budget. */
extern size_t crawler_free_lookups(void);
/* Write the good nodes to dht_indexer.nodes (periodic and at stop). */
extern void crawler_save_nodes(void);
/* Bootstrap from dht_indexer.nodes; returns how many were loaded. */
extern int	crawler_load_nodes(void);
/* True once any bootstrap node answered since crawling started. */
extern bool crawler_reached(void);

#endif							/* DHT_CRAWLER_H */
