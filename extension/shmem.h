/*-------------------------------------------------------------------------
 *
 * shmem.h
 *	  Shared state between the crawler worker and SQL-callable functions.
 *
 * Owns one struct in shared memory: monotonic counters and gauges (atomics,
 * written by the worker, read by dht_indexer.stats()), the pause flag, the
 * worker's latch and pid, and a bounded ring of resolve() requests.
 * Counters are listed once, in DHT_COUNTERS, so the C side and the SQL
 * definition of stats() cannot drift apart unnoticed (stats() checks the
 * column count).
 *
 *-------------------------------------------------------------------------
 */
#ifndef DHT_SHMEM_H
#define DHT_SHMEM_H

#include "datatype/timestamp.h"
#include "storage/latch.h"

/*
 * resolve() requests waiting for the worker.  The worker drains the ring on
 * every wake-up, so it only has to absorb bursts from SQL; 1024 hashes is
 * 20 KiB of shared memory.
 */
#define DHT_RESOLVE_RING_SIZE 1024
#define DHT_HASH_LEN 20

/*
 * X(name, description): every counter and gauge, in stats() column order.
 * Gauges are set with dht_counter_set, counters grow with dht_counter_add.
 */
#define DHT_COUNTERS(X) \
	X(sockets, "UDP sockets open (gauge)") \
	X(socket_errors, "sockets that could not be opened or failed") \
	X(fd_refused, "sockets not opened for lack of file descriptors") \
	X(packets_in, "UDP datagrams received") \
	X(packets_out, "UDP datagrams sent") \
	X(bytes_in, "UDP payload bytes received") \
	X(bytes_out, "UDP payload bytes sent") \
	X(send_errors, "datagrams the kernel refused to send") \
	X(bootstrap_nodes, "bootstrap host:port entries configured (gauge)") \
	X(bootstrap_resolved, "bootstrap addresses resolved in the last round (gauge)") \
	X(bootstrap_failures, "bootstrap host names that did not resolve") \
	X(bootstrap_replies, "replies received from bootstrap addresses") \
	X(resolve_requests, "hashes taken from the resolve() queue") \
	X(resolve_queue_depth, "resolve() requests waiting (gauge)") \
	X(resolve_dropped, "resolve() requests refused because the queue was full") \
	X(resolve_known, "resolve() requests for hashes already indexed") \
	X(resolve_blocked, "resolve() requests for blocklisted hashes") \
	X(resolve_pending, "resolve() requests waiting for the resolver (gauge)") \
	X(resolve_pending_dropped, "resolve() requests dropped because the pending list was full") \
	X(resolve_check_failed, "resolve() requests lost because the known-hash check failed") \
	X(store_flushes, "store transactions committed") \
	X(store_flush_errors, "store transactions that failed") \
	X(store_batches_dropped, "store batches dropped after repeated failures") \
	X(store_rows_dropped, "torrents lost with dropped batches or a full batch") \
	X(torrents_inserted, "torrents written to dht_indexer.torrents")

#define DHT_COUNTER_ENUM(name, desc) DHT_C_##name,
typedef enum DhtCounter
{
	DHT_COUNTERS(DHT_COUNTER_ENUM)
	DHT_NUM_COUNTERS
} DhtCounter;
#undef DHT_COUNTER_ENUM

/* What the worker is doing, as stats() reports it. */
typedef enum DhtWorkerState
{
	DHT_STATE_NOT_RUNNING = 0,
	DHT_STATE_STARTING,
	DHT_STATE_WAITING_FOR_EXTENSION,
	DHT_STATE_CRAWLING,
	DHT_STATE_PAUSED,
	DHT_STATE_DISABLED
} DhtWorkerState;

extern void dht_shmem_install_hooks(void);
extern bool dht_shmem_ready(void);

extern void dht_counter_add(DhtCounter c, uint64 n);
extern void dht_counter_set(DhtCounter c, uint64 v);
extern uint64 dht_counter_get(DhtCounter c);
extern const char *dht_counter_name(DhtCounter c);

extern void dht_worker_attach(Latch *latch);
extern void dht_worker_detach(int code, Datum arg);
extern void dht_worker_set_state(DhtWorkerState state);
extern DhtWorkerState dht_worker_get_state(pid_t *pid, TimestampTz *started_at);
extern const char *dht_worker_state_name(DhtWorkerState state);
extern void dht_wake_worker(void);

extern bool dht_is_paused(void);
extern void dht_set_paused(bool paused);

extern bool dht_resolve_push(const uint8 *hash);
extern int	dht_resolve_pop(uint8 (*hashes)[DHT_HASH_LEN], int max);

#endif							/* DHT_SHMEM_H */
