/*-------------------------------------------------------------------------
 *
 * resolvewatch.h
 *	  The worker's side of resolve_status(): follows each resolve() request
 *	  through the metadata pipeline and reports every step into the
 *	  shared table (shmem.h).
 *
 * Owns the worker's list of the requests it follows (hashes the resolver
 * holds for a resolve(), or whose metadata waits for the store's commit),
 * at most DHT_RESOLVE_STATUS_SIZE.  Does not own the shared table, the
 * resolver or the store: the pipeline and the worker tell it what
 * happened.  Every call is cheap when nothing is followed.
 *
 *-------------------------------------------------------------------------
 */
#ifndef DHT_RESOLVEWATCH_H
#define DHT_RESOLVEWATCH_H

#include "resolver.h"
#include "shmem.h"

/* A taken request ended before the resolver: known, blocklisted or failed. */
extern void resolvewatch_finished(const uint8 *hash, DhtResolveState state,
								  int error);
/* A taken request waits for crawling to start (no resolver now). */
extern void resolvewatch_waiting(const uint8 *hash);
/* The resolver holds the request's hash now: follow it. */
extern void resolvewatch_follow(const uint8 *hash);
/* A resolver job started: counts a followed hash's attempts or lookups. */
extern void resolvewatch_job(const struct resolver_job *job);
/*
 * A fetch of hash ended with outcome (after verification); still_queued:
 * the resolver kept the hash for another try.
 */
extern void resolvewatch_fetch_done(const uint8 *hash,
									enum resolver_outcome outcome,
									bool still_queued);
/* Followed hashes that has() says the resolver gave up are failed. */
extern void resolvewatch_sweep(bool (*has) (const uint8 *hash));
/* A store flush committed (true) or dropped its batch (false). */
extern void resolvewatch_store_done(bool committed);
/* Crawling stops: requests being resolved go back to queued. */
extern void resolvewatch_stop(void);
/* Taken requests waiting for a resolver (at most max); returns how many. */
extern int	resolvewatch_resume(uint8 (*hashes)[DHT_HASH_LEN], int max);

#endif							/* DHT_RESOLVEWATCH_H */
