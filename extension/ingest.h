/*-------------------------------------------------------------------------
 *
 * ingest.h
 *	  From fetched metadata to a stored torrent: verify, parse, queue.
 *
 *-------------------------------------------------------------------------
 */
#ifndef DHT_INGEST_H
#define DHT_INGEST_H

#include "resolver.h"

/*
 * Verify info against the hash it was fetched under, parse it and queue
 * the torrent for the store.  Returns RESOLVER_OK, RESOLVER_FAIL_HASH_MISMATCH,
 * RESOLVER_FAIL_BAD_METAINFO or RESOLVER_FAIL_OTHER (the store's batch is
 * full: nothing was queued).  *key gets the index key (v1 hash, or the
 * truncated v2 hash of a v2-only torrent) and *v2prefix the truncated v2
 * hash (has_v2 set) so the caller can mark both as known.
 */
extern enum resolver_outcome ingest_metadata(const uint8 *fetched_hash,
											 const uint8 *info, size_t len,
											 uint8 *key, uint8 *v2prefix,
											 bool *has_v2);

#endif							/* DHT_INGEST_H */
