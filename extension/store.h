/*-------------------------------------------------------------------------
 *
 * store.h
 *	  The only code that talks SPI: batched writes and batched look-ups.
 *
 * Torrents are buffered in a bounded in-memory batch and written in one
 * short transaction per flush; a failed flush is retried with exponential
 * backoff and finally dropped with a counted, logged reason.  Look-ups
 * classify a batch of hashes as unknown, known or blocklisted in one query.
 * Nothing here keeps a transaction open between calls.
 *
 *-------------------------------------------------------------------------
 */
#ifndef DHT_STORE_H
#define DHT_STORE_H

#include "datatype/timestamp.h"
#include "netaddr.h"

#define STORE_HASH_LEN 20
#define STORE_HASH_V2_LEN 32

/* One verified torrent; the store copies everything it points to. */
typedef struct StoreTorrent
{
	uint8		info_hash[STORE_HASH_LEN];
	bool		has_v2;
	uint8		info_hash_v2[STORE_HASH_V2_LEN];
	const char *name;			/* valid UTF-8, no NUL */
	int64		total_size;
	int32		file_count;		/* files in the torrent */
	int32		nfiles;			/* entries in paths/sizes (<= file_count) */
	const char *const *paths;	/* '/'-joined paths */
	const int64 *sizes;
} StoreTorrent;

/* Limits and retry policy, fixed at store_init(). */
typedef struct StoreConfig
{
	int			batch_torrents; /* flush when this many are buffered */
	Size		batch_bytes;	/* ... or when they hold this many bytes */
	int			max_attempts;	/* tries before a batch is dropped */
	int			backoff_ms;		/* first retry delay, doubled each time */
} StoreConfig;

/* Cumulative counters; the caller publishes them. */
typedef struct StoreStats
{
	uint64		flushes;
	uint64		flush_errors;
	uint64		batches_dropped;
	uint64		rows_dropped;
	uint64		torrents_inserted;
} StoreStats;

typedef enum StoreHashStatus
{
	STORE_HASH_UNKNOWN = 0,
	STORE_HASH_KNOWN = 1,
	STORE_HASH_BLOCKED = 2
} StoreHashStatus;

typedef enum StoreFlushResult
{
	STORE_FLUSH_EMPTY,			/* nothing buffered */
	STORE_FLUSH_DONE,			/* committed */
	STORE_FLUSH_RETRY_LATER,	/* failed; retry at store_next_attempt() */
	STORE_FLUSH_DROPPED			/* failed max_attempts times; batch lost */
} StoreFlushResult;

/* Defaults for the worker. */
extern const StoreConfig store_default_config;

/* Set limits and create the store's memory contexts (call once). */
extern void store_init(const StoreConfig *config);
/* Buffer one torrent; false (counted in rows_dropped) if the batch is full. */
extern bool store_add(const StoreTorrent *torrent);
/* Torrents buffered and not yet committed. */
extern int	store_pending(void);
/* True when the batch is full enough to flush now. */
extern bool store_batch_full(void);
/* Earliest time a flush may be attempted (backoff after a failure). */
extern TimestampTz store_next_attempt(void);
/* Write the batch in one transaction; see StoreFlushResult. */
extern StoreFlushResult store_flush(void);
/* Classify n hashes; false if the query failed (out is then undefined). */
extern bool store_classify(const uint8 (*hashes)[STORE_HASH_LEN], int n,
						   StoreHashStatus *out);
/* Replace dht_indexer.nodes with these nodes; false if it failed. */
extern bool store_save_nodes(const uint8 (*ids)[STORE_HASH_LEN],
							 const struct netaddr *addrs, int n);
/* Read up to max saved nodes, most recent first; returns how many. */
extern int	store_load_nodes(uint8 (*ids)[STORE_HASH_LEN], struct netaddr *addrs,
							 int max);
/*
 * Add counts[i] sightings, the newest at seen[i], to the torrent stored
 * under hashes[i] (its v1 hash, or the first 20 bytes of its v2 hash) in
 * one statement; rows locked by others are skipped.  *rows gets the rows
 * updated.  False if it failed (logged).
 */
extern bool store_count_sightings(const uint8 (*hashes)[STORE_HASH_LEN],
								  const int64 *counts, const TimestampTz *seen,
								  int n, uint64 *rows);
/* Call fn for every indexed hash (both of a hybrid) and blocklisted hash; returns how many, -1 on failure. */
extern long store_scan_known(void (*fn) (const uint8 *hash, void *arg), void *arg);
/* Forget prepared plans (after the extension was dropped). */
extern void store_reset_plans(void);
extern const StoreStats *store_stats(void);

#endif							/* DHT_STORE_H */
