/*
 * candidates.h
 *		Every info hash the swarm sees, deduplicated in a capped set, and a
 *		bounded FIFO queue of the new ones for the metadata resolver.
 *
 * Owns: the set of recently seen hashes (sources, sighting count, times and
 * up to CANDIDATE_MAX_PEERS confirmed peers each), FIFO eviction by first
 * sighting when the set is full, the resolver queue, and the counters of
 * what was dropped.  Does not own whether a hash is already in the store
 * (the glue checks), fetching metadata (resolver), or announced peers
 * served to others (peerstore.h).
 *
 * Invariants and caps: every byte is allocated by candidates_create(),
 * sized from max_hashes and queue_cap; nothing allocates afterwards, so
 * memory is a function of the caps, never of traffic.  The set is a ring
 * in order of first sighting: the k-th new hash lives in slot k mod
 * max_hashes and evicts whatever was there, so eviction is O(1) and exactly
 * FIFO, and candidates_recent() reads the ring backwards.  The queue holds
 * the sequence numbers k of new hashes; an entry whose hash has since been
 * evicted is recognised by its number and skipped (queue_skipped).  A hash
 * is queued only when it enters the set, so the queue holds no duplicates
 * of a live entry.  The hash index is keyed with SipHash (libsodium
 * crypto_shorthash) under a key derived from the seed.  Time is an
 * argument.  Not thread-safe.
 */
#ifndef DHT_CANDIDATES_H
#define DHT_CANDIDATES_H

#include <stddef.h>
#include <stdint.h>

#include "netaddr.h"

/*
 * Confirmed peers remembered per hash.  The resolver needs one peer that
 * answers; four give it fallbacks for the usual dead or NATed ones while
 * keeping an entry at 144 bytes.
 */
#define CANDIDATE_MAX_PEERS 4

/*
 * Largest max_hashes and queue_cap accepted by candidates_create().  Slot
 * numbers are 32-bit; 16M x ~170 bytes is already 2.7 GB, beyond any sane
 * worker, and keeps every size computation far from overflow.
 */
#define CANDIDATES_MAX_CAP (1u << 24)

/* Where a sighting came from (OR-ed into candidate.sources). */
enum candidate_source
{
	CANDIDATE_GET_PEERS = 0x1,	/* passive: a get_peers query for it */
	CANDIDATE_ANNOUNCE = 0x2,	/* passive: an announce_peer query */
	CANDIDATE_SAMPLE = 0x4,		/* BEP 51 sample_infohashes reply */
	CANDIDATE_LOOKUP = 0x8,		/* our own get_peers lookup: its peers
								 * always reach the resolver, even ones
								 * it was given before (see below) */
	CANDIDATE_RESOLVE = 0x10	/* a resolve() request from SQL */
};

/* A set entry, as copied out. */
struct candidate
{
	uint8_t		hash[20];
	struct netaddr peers[CANDIDATE_MAX_PEERS];	/* distinct, oldest first */
	uint8_t		npeers;
	uint8_t		sources;		/* OR of enum candidate_source */
	uint32_t	seen;			/* sightings, saturating */
	uint64_t	first_seen_ms;
	uint64_t	last_seen_ms;	/* newest sighting (never decreases) */
	uint16_t	queued;			/* queue entries for it not yet popped */
};

struct candidates_stats
{
	uint64_t	sightings;		/* candidates_note() calls */
	uint64_t	unique;			/* hashes that entered the set */
	uint64_t	queue_dropped;	/* new hashes not queued: queue full */
	uint64_t	evicted;		/* hashes evicted from a full set */
	uint64_t	peers_dropped;	/* peers not kept: list full or bad family */
	size_t		tracked;		/* hashes in the set now */
	size_t		queued;			/* queue length now (stale included) */
	uint64_t	queue_skipped;	/* queued hashes evicted before their pop */
};

struct candidates;				/* opaque */

/*
 * A set of max_hashes and a queue of queue_cap (each 1..CANDIDATES_MAX_CAP);
 * seed keys the hash index.  NULL for a bad cap or no memory.
 */
struct candidates *candidates_create(size_t max_hashes, size_t queue_cap,
									 uint64_t seed);

/* Free everything; c may be NULL. */
void		candidates_destroy(struct candidates *c);

/*
 * Record a sighting (peer may be NULL: confirmed peers only come from
 * announce_peer or lookup values).  A hash not in the set is added
 * (evicting the oldest entry when full - FIFO by first sighting; evicted++)
 * and queued (a full queue keeps the hash in the set unqueued:
 * queue_dropped++).  Known hash: seen++, sources |= source, last_seen, a
 * new distinct peer appended up to CANDIDATE_MAX_PEERS (else
 * peers_dropped++) and, because a new peer is news for the resolver, the
 * hash queued again (so one hash can be popped up to 1 + CANDIDATE_MAX_PEERS
 * times).  A peer neither IPv4 nor IPv6 is ignored
 * (peers_dropped++).  Returns 1 if the hash was new, else 0.
 */
int			candidates_note(struct candidates *c, const uint8_t hash[20],
							const struct netaddr *peer, unsigned source,
							uint64_t now_ms);

/*
 * Pop the oldest queued candidate: a copy of its set entry as it is now
 * (with peers gathered since); 0 if empty.  A queued hash evicted from the
 * set is skipped (queue_skipped++); the entry stays in the set.
 */
int			candidates_pop(struct candidates *c, struct candidate *out);

/* Copy the set entry for hash (1 found, 0 not). */
int			candidates_get(const struct candidates *c,
						   const uint8_t hash[20], struct candidate *out);

/* The max most recently first-seen hashes, newest first; returns count. */
size_t		candidates_recent(const struct candidates *c, size_t max,
							  struct candidate *out);

/* Counters and current sizes. */
void		candidates_stats(const struct candidates *c,
							 struct candidates_stats *out);

/* Bytes allocated by candidates_create() (constant for the set's life). */
size_t		candidates_memory(const struct candidates *c);

#endif							/* DHT_CANDIDATES_H */
