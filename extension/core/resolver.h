/*
 * resolver.h
 *		Which hash to fetch next, from which peer: the metadata fetch
 *		scheduler.
 *
 * Owns the queue of hashes waiting for metadata (bounded), the peers known
 * for each (bounded), the fetches in flight (at most max_fetches), the
 * rules for moving on (next peer after a failure, a get_peers lookup when
 * a hash has no untried peer left, give up after max_attempts) and the
 * retry window for hashes that failed.  It does no I/O: the caller asks
 * for the next job, performs it (a TCP fetch or a DHT lookup) and reports
 * the outcome.  Time is an argument; should it go backwards, order and
 * waits may be off, but no hash is stranded.
 *
 * Order: resolve() (priority) hashes before all others, fetches and
 * lookups alike; within a class first-in first-out by when a hash was
 * last placed: added, its fetch failed (to the back: dead peers take
 * turns), promoted, given new peers while it needed a lookup or waited,
 * or its lookup wait ended.  New peers for a hash that has untried ones
 * keep its turn.  A lookup may pass older fetches held back by
 * max_fetches.
 *
 * Lookups: after one, a hash without untried peers waits lookup_wait_ms
 * for peers; peers that arrive meanwhile are fetched at once, and if they
 * fail it waits out the rest.  A hash is given up when max_attempts of
 * its peers failed, or when it has no untried peer, its last wait is over
 * and RESOLVER_MAX_LOOKUPS lookups were made.
 */
#ifndef DHT_RESOLVER_H
#define DHT_RESOLVER_H

#include <stddef.h>
#include <stdint.h>

#include "netaddr.h"

/* Peers remembered per hash (announces and lookups give a handful). */
#define RESOLVER_PEERS_PER_HASH 8
/* Lookups asked per hash before giving up on finding peers. */
#define RESOLVER_MAX_LOOKUPS 2

enum resolver_outcome
{
	RESOLVER_OK = 0,			/* metadata verified and handed to the store */
	RESOLVER_FAIL_CONNECT,
	RESOLVER_FAIL_HANDSHAKE,
	RESOLVER_FAIL_NO_METADATA,	/* peer lacks ut_metadata */
	RESOLVER_FAIL_REJECT,
	RESOLVER_FAIL_TIMEOUT,
	RESOLVER_FAIL_TOO_BIG,
	RESOLVER_FAIL_HASH_MISMATCH,
	RESOLVER_FAIL_BAD_METAINFO,
	RESOLVER_FAIL_OTHER,		/* closed early, protocol error, no memory */
	RESOLVER_NUM_OUTCOMES
};

enum resolver_job_kind
{
	RESOLVER_JOB_FETCH = 1,		/* connect to peer, fetch metadata of hash */
	RESOLVER_JOB_LOOKUP = 2		/* find peers for hash (DHT get_peers) */
};

struct resolver_job
{
	enum resolver_job_kind kind;
	uint8_t		hash[20];
	struct netaddr peer;		/* FETCH only */
	uint32_t	slot;			/* pass back to resolver_fetch_done */
	uint32_t	generation;		/* of this fetch: stale reports ignored */
	int			priority;		/* from resolve() */
};

struct resolver_config
{
	size_t		max_queue;		/* hashes waiting or in progress */
	size_t		max_fetches;	/* concurrent fetches (TCP connections) */
	unsigned	max_attempts;	/* peers tried per hash before it fails
								 * (1..RESOLVER_PEERS_PER_HASH) */
	size_t		max_failed;		/* failed hashes remembered for the window */
	uint64_t	retry_after_ms; /* a failed hash is not retried before this */
	uint64_t	lookup_wait_ms; /* after a lookup, wait this long for peers
								 * before the next lookup or giving up */
	uint64_t	seed;
};

struct resolver_stats
{
	size_t		queued;			/* gauge: hashes in the queue */
	size_t		in_flight;		/* gauge: fetches running */
	uint64_t	added;
	uint64_t	merged;			/* already queued: peers merged */
	uint64_t	dropped_full;	/* queue full */
	uint64_t	skipped_recent; /* failed within the retry window */
	uint64_t	lookups;		/* lookup jobs handed out */
	uint64_t	started;		/* fetch jobs handed out */
	uint64_t	outcomes[RESOLVER_NUM_OUTCOMES];
	uint64_t	gave_up;		/* hashes that failed every peer / lookup */
	uint64_t	peers_dropped;	/* peers beyond RESOLVER_PEERS_PER_HASH */
};

struct resolver;

/*
 * All memory is allocated here from the caps (max_queue and max_failed at
 * most 2^24).  NULL with errno EINVAL for a cap out of range, ENOMEM.
 */
struct resolver *resolver_create(const struct resolver_config *cfg);
/* Free everything; r may be NULL. */
void		resolver_destroy(struct resolver *r);

/*
 * Queue a hash with the peers known for it (may be none).  A queued hash
 * gets the new peers merged (and priority, if asked) and is never given
 * up here; a hash that failed within the retry window is skipped unless
 * priority.  Returns 1 if queued or merged, 0 if skipped or dropped
 * (counted).
 */
int			resolver_add(struct resolver *r, const uint8_t hash[20],
						 const struct netaddr *peers, size_t npeers,
						 int priority, uint64_t now_ms);

/* The next job in the order above, or 0 when nothing can start now. */
int			resolver_next(struct resolver *r, uint64_t now_ms,
						  struct resolver_job *out);

/*
 * How many lookup jobs resolver_next() may hand out from now on (the
 * caller's free lookup slots, set before each round of resolver_next();
 * unlimited until first set).  A hash whose lookup cannot start keeps its
 * place instead of waiting for peers that no lookup will bring.
 */
void		resolver_set_lookup_budget(struct resolver *r, size_t n);

/*
 * A fetch job ended (counted by outcome); on RESOLVER_OK the hash leaves
 * the queue, on a failure it goes to the back or is given up.  A report
 * of a fetch that already ended or was forgotten changes nothing else.
 */
void		resolver_fetch_done(struct resolver *r, const struct resolver_job *job,
								enum resolver_outcome outcome, uint64_t now_ms);

/*
 * Forget a queued hash (it turned out to be known or blocklisted).  If it
 * is being fetched, the fetch no longer counts against max_fetches and its
 * completion is ignored: the caller should end that fetch too.
 */
void		resolver_forget(struct resolver *r, const uint8_t hash[20]);

/* True if the hash is queued or in flight. */
int			resolver_has(const struct resolver *r, const uint8_t hash[20]);

void		resolver_set_max_fetches(struct resolver *r, size_t max_fetches);
void		resolver_stats(const struct resolver *r, struct resolver_stats *out);
const char *resolver_outcome_name(enum resolver_outcome o);

#endif							/* DHT_RESOLVER_H */
