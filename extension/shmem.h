/*-------------------------------------------------------------------------
 *
 * shmem.h
 *	  Shared state between the crawler worker and SQL-callable functions.
 *
 * Owns one struct in shared memory: monotonic counters and gauges (atomics,
 * written by the worker, read by dht_indexer.stats()), the pause flag, the
 * worker's latch and pid, a bounded ring of resolve() requests and a
 * bounded table of the recent requests' progress (resolve_status()).
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
/* Newest candidate hashes shown by recent_hashes() (a sample, not a log). */
#define DHT_RECENT_HASHES 64
/*
 * resolve() requests whose progress resolve_status() shows: as many as the
 * ring holds, so that a full ring's requests can all be followed; 1024
 * entries of 56 bytes are 56 KiB.  When it is full, a new request takes
 * the entry of the oldest finished request (or, if none has finished, of
 * the oldest request).
 */
#define DHT_RESOLVE_STATUS_SIZE 1024

/*
 * Where a resolve() request is.  QUEUED: in the ring, or taken by the
 * worker and waiting for the resolver's first job (or for crawling to
 * resume); FETCHING: the resolver looks for peers or fetches metadata;
 * FETCHED (shown as fetching): verified, waiting for the store's commit;
 * the rest are final.
 */
typedef enum DhtResolveState
{
	DHT_RS_FREE = 0,			/* unused entry */
	DHT_RS_QUEUED,
	DHT_RS_FETCHING,
	DHT_RS_FETCHED,
	DHT_RS_STORED,
	DHT_RS_ALREADY_KNOWN,
	DHT_RS_BLOCKLISTED,
	DHT_RS_FAILED
} DhtResolveState;

/*
 * Why a request failed (or the last fetch error of one still running):
 * values 1 .. RESOLVER_NUM_OUTCOMES - 1 are the fetch outcomes of
 * resolver.h (connect, handshake, ..., other: the names of the
 * fetch_fail_* counters), then the reasons below.
 */
#define DHT_RERR_NONE 0
#define DHT_RERR_NO_PEERS 64	/* every lookup ended without a peer to try */
#define DHT_RERR_QUEUE_FULL 65	/* the resolver's queue was full */
#define DHT_RERR_CHECK_FAILED 66	/* the known-hash query failed */
#define DHT_RERR_STORE_FAILED 67	/* the store dropped the batch */

/* One row of resolve_status(). */
typedef struct DhtResolveEntry
{
	uint8		hash[DHT_HASH_LEN];
	uint8		state;			/* DhtResolveState */
	uint8		error;			/* DHT_RERR_* or a fetch outcome */
	bool		taken;			/* the worker has seen this request */
	uint16		attempts;		/* fetches started (peers tried) */
	uint16		lookups;		/* DHT lookups for peers started */
	uint64		seq;			/* request order (newest is largest) */
	TimestampTz requested_at;
	TimestampTz updated_at;
} DhtResolveEntry;

/* One row of recent_hashes(). */
typedef struct DhtRecentHash
{
	uint8		hash[DHT_HASH_LEN];
	TimestampTz first_seen;
	uint32		seen;
	uint8		npeers;
	uint8		sources;		/* CANDIDATE_* bits */
} DhtRecentHash;

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
	X(identities, "node identities hosted (gauge)") \
	X(identities_bep42, "identities with BEP 42-valid ids (gauge)") \
	X(known_nodes, "nodes in the routing table (gauge)") \
	X(good_nodes, "nodes that answered in the last 15 minutes (gauge)") \
	X(pending_queries, "queries awaiting a reply (gauge)") \
	X(contact_queue, "learned nodes waiting to be queried (gauge)") \
	X(lookups, "get_peers lookups running (gauge)") \
	X(stored_hashes, "hashes with announced peers stored (gauge)") \
	X(queries_in_ping, "ping queries received") \
	X(queries_in_find_node, "find_node queries received") \
	X(queries_in_get_peers, "get_peers queries received") \
	X(queries_in_announce_peer, "announce_peer queries received") \
	X(queries_in_sample_infohashes, "sample_infohashes queries received") \
	X(queries_in_unknown, "queries of unknown methods received") \
	X(replies_sent, "replies sent") \
	X(errors_sent, "KRPC errors sent") \
	X(queries_sent, "queries sent") \
	X(responses_in, "replies received to our queries") \
	X(errors_in, "KRPC errors received") \
	X(timeouts, "queries that timed out") \
	X(dropped_parse, "datagrams dropped as unparseable (never answered)") \
	X(dropped_rate_in, "datagrams dropped by the incoming budgets") \
	X(dropped_rate_out, "datagrams not sent because of the send limits") \
	X(dropped_unmatched, "replies matching no query of ours") \
	X(dropped_address, "datagrams from or to refused addresses") \
	X(dropped_pending_full, "queries not sent: transaction table full") \
	X(dropped_contacts, "learned nodes dropped: contact queue full") \
	X(bad_tokens, "announce_peer with an invalid token") \
	X(broken_nodes, "replies with malformed node lists") \
	X(routing_refused, "answering nodes the routing table refused") \
	X(announces_in, "valid announce_peer captured") \
	X(samples_received, "BEP 51 sample hashes received") \
	X(lookup_peers, "peers found by get_peers lookups") \
	X(unique_hashes, "distinct candidate hashes seen") \
	X(candidate_queue, "candidate hashes waiting for the resolver (gauge)") \
	X(candidates_dropped, "candidate hashes not queued: queue full") \
	X(candidates_known, "candidate hashes skipped as already indexed or blocklisted") \
	X(fetch_queue, "hashes waiting for or being fetched (gauge)") \
	X(fetches_active, "metadata fetches (TCP connections) running (gauge)") \
	X(fetch_queue_dropped, "hashes not queued for fetching: queue full") \
	X(fetches_started, "metadata fetches started") \
	X(fetch_lookups, "get_peers lookups started for hashes without peers") \
	X(fetch_ok, "fetches that produced a verified torrent") \
	X(fetch_fail_connect, "fetches failed: TCP connect") \
	X(fetch_fail_handshake, "fetches failed: BitTorrent handshake") \
	X(fetch_fail_no_metadata, "fetches failed: peer has no ut_metadata") \
	X(fetch_fail_reject, "fetches failed: peer rejected a piece") \
	X(fetch_fail_timeout, "fetches failed: fetch_timeout passed") \
	X(fetch_fail_too_big, "fetches failed: metadata_size over max_metadata_size") \
	X(fetch_fail_hash_mismatch, "fetches failed: metadata does not match the hash") \
	X(fetch_fail_bad_metainfo, "fetches failed: metadata is not a valid info dictionary") \
	X(fetch_fail_other, "fetches failed: closed, protocol error or no memory") \
	X(fetch_gave_up, "hashes given up after every peer and lookup failed") \
	X(fetch_bytes_in, "bytes read from peers") \
	X(metainfo_repaired, "torrents whose names or paths needed UTF-8 repair") \
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
	X(store_flush_us, "time spent in store transactions, microseconds") \
	X(store_flush_us_max, "slowest store transaction, microseconds (gauge)") \
	X(store_batches_dropped, "store batches dropped after repeated failures") \
	X(store_rows_dropped, "torrents lost with dropped batches or a full batch") \
	X(torrents_inserted, "torrents written to dht_indexer.torrents") \
	X(popularity_hashes, "indexed hashes with sightings waiting for the next flush (gauge)") \
	X(popularity_sightings, "get_peers and announce_peer queries counted for indexed hashes") \
	X(popularity_dropped, "sightings not counted: the counting table was full") \
	X(popularity_flushes, "popularity updates committed") \
	X(popularity_flush_errors, "popularity updates that failed") \
	X(popularity_rows, "torrent rows whose seen_count was raised") \
	X(popularity_flush_us, "time spent in popularity updates, microseconds") \
	X(popularity_flush_us_max, "slowest popularity update, microseconds (gauge)")

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

extern void dht_recent_publish(const DhtRecentHash *items, int n);
extern int	dht_recent_read(DhtRecentHash *out, int max);

extern bool dht_resolve_push(const uint8 *hash);
extern int	dht_resolve_pop(uint8 (*hashes)[DHT_HASH_LEN], int max);

/* resolve(): queue the hash and show it as queued; false if the ring is full. */
extern bool dht_resolve_request(const uint8 *hash);
/*
 * The worker's report on a request: state and error unless negative,
 * attempts and lookups added; a no-op if the hash has no entry.
 */
extern void dht_resolve_status_update(const uint8 *hash, int state, int error,
									  int add_attempts, int add_lookups);
/* Requests the worker took that are in state (at most max); returns how many. */
extern int	dht_resolve_status_list(DhtResolveState state,
									uint8 (*hashes)[DHT_HASH_LEN], int max);
/* Copy the entries in use, newest request first; returns how many. */
extern int	dht_resolve_status_read(DhtResolveEntry *out, int max);
/* "queued", "fetching", ... for resolve_status(). */
extern const char *dht_resolve_state_name(DhtResolveState state);
/* "connect", ..., "no_peers", ...; NULL for DHT_RERR_NONE. */
extern const char *dht_resolve_error_name(int error);

#endif							/* DHT_SHMEM_H */
