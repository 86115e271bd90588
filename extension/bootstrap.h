/*-------------------------------------------------------------------------
 *
 * bootstrap.h
 *	  Reaching the DHT: resolve dht_indexer.bootstrap_nodes for the swarm.
 *
 * Resolves every configured host:port and hands the addresses that policy
 * allows to the swarm, which asks them for nodes; stats() and the log say
 * plainly whether names resolved and whether anyone answered.
 *
 *-------------------------------------------------------------------------
 */
#ifndef DHT_BOOTSTRAP_H
#define DHT_BOOTSTRAP_H

/* Resolve all bootstrap nodes and query them (one round). */
extern void bootstrap_round(void);

#endif							/* DHT_BOOTSTRAP_H */
