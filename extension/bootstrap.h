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

/* Start resolving all bootstrap nodes (one round); queried when resolved. */
extern void bootstrap_round(void);
/* Advance a running round; call every few tens of ms while in progress. */
extern void bootstrap_poll(void);
extern bool bootstrap_in_progress(void);

#endif							/* DHT_BOOTSTRAP_H */
