/*
 * peerstore.h
 *		Peers that announced themselves for an info hash (BEP 5
 *		announce_peer), kept so that get_peers can answer with "values" and
 *		sample_infohashes (BEP 51) with "samples" and "num".
 *
 * Owns: the table of announced hashes, each with at most
 * PEERSTORE_PEERS_PER_HASH peers and their announce times, expiry after
 * PEERSTORE_TTL_MS, eviction when the table is full, and the counters of
 * what was evicted.  Does not own tokens (whether an announce is allowed is
 * the swarm's decision), rate limits, or the candidate hashes fed to the
 * metadata resolver (candidates.h).
 *
 * Invariants and caps: every byte is allocated by peerstore_create(), sized
 * from max_hashes; nothing allocates afterwards, so memory is a function of
 * the cap, never of traffic.  Entries are kept in order of their last
 * announce (a doubly linked list), which makes eviction exact: a full table
 * evicts the hash whose newest announce is the oldest.  With non-decreasing
 * now_ms (a monotonic clock; required) that same order is expiry order, so
 * expired hashes always form the head of the list: peerstore_expire() and
 * peerstore_count() look only there and stop at the first live hash.  An
 * individual peer is expired when now_ms >= its announce + PEERSTORE_TTL_MS
 * (exactly 45 minutes later it is gone); expired peers of a live hash are
 * never returned and are the first replaced.  The hash index is keyed with
 * SipHash (libsodium crypto_shorthash) under a key derived from the seed,
 * so chosen info hashes cannot pile up in one probe chain.  Time and
 * randomness are arguments.  Not thread-safe.
 */
#ifndef DHT_PEERSTORE_H
#define DHT_PEERSTORE_H

#include <stddef.h>
#include <stdint.h>

#include "netaddr.h"

/*
 * Peers kept (and returned) per hash.  Eight compact IPv6 values (8 x 21
 * bencoded bytes) plus nodes and token still fit a 1,280-byte IPv6 UDP
 * payload; a requester needs a few peers, not the whole swarm.
 */
#define PEERSTORE_PEERS_PER_HASH 8

/*
 * Announces expire after 45 minutes: BitTorrent clients re-announce about
 * every 15-30 minutes, so a live peer is refreshed at least once before its
 * entry lapses (libtorrent and jech/dht use 30-45 minutes).
 */
#define PEERSTORE_TTL_MS (45 * 60 * 1000)

/*
 * Largest max_hashes accepted by peerstore_create().  Slot numbers are
 * 32-bit; 16M hashes x ~320 bytes is 5 GB, beyond any sane worker, and
 * keeps every size computation far from overflow.
 */
#define PEERSTORE_MAX_HASHES (1u << 24)

/*
 * peerstore_sample() examines at most this many entries per sample wanted.
 * Expired hashes awaiting peerstore_expire() are skipped, not returned; the
 * bound keeps a reply O(max) even when that backlog is large (it then
 * returns fewer samples, never stale ones).
 */
#define PEERSTORE_SAMPLE_SCAN_FACTOR 16

/*
 * peerstore_count() walks at most this many expired hashes at the head of
 * the list.  While peerstore_expire() keeps up the backlog is shorter and
 * the count exact; beyond it the count overestimates by the excess (BEP 51
 * "num" is an estimate anyway), and a query never costs more than this.
 */
#define PEERSTORE_COUNT_SCAN 256

struct peerstore;				/* opaque */

enum peerstore_error
{
	PEERSTORE_OK = 0,
	PEERSTORE_ERR_FAMILY = -1	/* peer neither AF_INET nor AF_INET6 */
};

struct peerstore_stats
{
	uint64_t	announces;		/* announces stored (new or refreshed) */
	uint64_t	evicted_hashes; /* live hashes evicted by a full table */
	uint64_t	evicted_peers;	/* live peers pushed out of full lists */
	size_t		hashes;			/* hashes stored now (expired ones included
								 * until peerstore_expire() removes them) */
	uint64_t	expired;		/* hashes removed because every peer expired */
};

/* A table for max_hashes hashes (1..PEERSTORE_MAX_HASHES); NULL otherwise. */
struct peerstore *peerstore_create(size_t max_hashes, uint64_t seed);

/* Free everything; ps may be NULL. */
void		peerstore_destroy(struct peerstore *ps);

/*
 * peer announced hash at now: refresh an existing ip:port, else add; a full
 * per-hash list replaces its oldest peer (evicted_peers++ if it was still
 * live); a full table first drops an expired hash at the head, else evicts
 * the hash with the oldest last announce (evicted_hashes++).  Returns 0, or
 * PEERSTORE_ERR_FAMILY (nothing stored).
 */
int			peerstore_announce(struct peerstore *ps, const uint8_t hash[20],
							   const struct netaddr *peer, uint64_t now_ms);

/* Unexpired peers of family for hash, at most max; returns count. */
size_t		peerstore_get(const struct peerstore *ps, const uint8_t hash[20],
						  int family, uint64_t now_ms,
						  struct netaddr *out, size_t max);

/*
 * Up to max distinct random hashes that have unexpired peers (for
 * sample_infohashes replies): a random start and a random stride coprime
 * with the table size, so repeats are impossible; rnd is 64 random bits
 * from the caller.  Examines at most max x PEERSTORE_SAMPLE_SCAN_FACTOR.
 */
size_t		peerstore_sample(const struct peerstore *ps, uint64_t now_ms,
							 uint64_t rnd, uint8_t (*out)[20], size_t max);

/* Hashes with at least one unexpired peer (BEP 51 num; see COUNT_SCAN). */
size_t		peerstore_count(const struct peerstore *ps, uint64_t now_ms);

/*
 * Incremental expiry: examine at most budget entries, oldest announce
 * first, removing each whose every peer has expired; stops at the first
 * live one (everything after it is newer).
 */
void		peerstore_expire(struct peerstore *ps, uint64_t now_ms,
							 size_t budget);

/* Counters and the current number of hashes. */
void		peerstore_stats(const struct peerstore *ps,
							struct peerstore_stats *out);

/* Bytes allocated by peerstore_create() (constant for the table's life). */
size_t		peerstore_memory(const struct peerstore *ps);

/* A short phrase for a peerstore_error value. */
const char *peerstore_strerror(int err);

#endif							/* DHT_PEERSTORE_H */
