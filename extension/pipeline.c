/*-------------------------------------------------------------------------
 *
 * pipeline.c
 *	  Discovered hashes to fetches to stored rows (see pipeline.h).
 *
 * Each run takes up to PIPELINE_BATCH new candidates from the swarm.  A
 * hash the in-memory filter of known hashes (knownset: every indexed and
 * blocklisted hash, loaded when the pipeline starts and updated on every
 * insert) says is known is skipped without SQL; the rest are checked in
 * one batched query (store_classify), which also catches hashes added or
 * blocklisted by others since.  Unknown hashes go to the resolver with the
 * peers the swarm knows; the resolver's jobs become TCP fetches (fetch.c)
 * or DHT lookups (crawler_lookup); fetched metadata is verified, parsed
 * and queued for the store (ingest.c).  A false positive of the filter
 * (about 1 in 2,000 at the designed load) only delays a hash until the
 * swarm sees it again after a restart.
 *
 * The same filter picks the sightings that count for popularity: every
 * get_peers or announce_peer query for a hash it says is indexed goes to
 * the counting table (popularity.c), including the many the candidate
 * set dedupes away.  A row inserted by others counts from its hash's
 * first pass through the batched check (or the next start).  resolve()
 * requests are followed through the resolver for resolve_status()
 * (resolvewatch.c); those taken while no resolver runs are handed to the
 * next one.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "candidates.h"
#include "crawler.h"
#include "fetch.h"
#include "guc.h"
#include "ingest.h"
#include "knownset.h"
#include "pipeline.h"
#include "popularity.h"
#include "resolver.h"
#include "resolvewatch.h"
#include "shmem.h"
#include "store.h"

/* Candidates taken from the swarm per run (one SQL check each run). */
#define PIPELINE_BATCH 256
/* Scheduler caps: hashes queued, failures remembered and for how long. */
#define PIPELINE_MAX_QUEUE 65536
#define PIPELINE_MAX_FAILED 65536
#define PIPELINE_RETRY_AFTER_MS (60 * 60 * 1000)
#define PIPELINE_MAX_ATTEMPTS 8
#define PIPELINE_LOOKUP_WAIT_MS 15000
/* Sizing of the known-hash filter (it degrades gracefully beyond). */
#define PIPELINE_KNOWN_EXPECTED (4 * 1024 * 1024)

static struct resolver *resolver = NULL;
static struct knownset *known = NULL;
static struct resolver_stats published;

static void
mark_known(const uint8 *hash, void *arg)
{
	knownset_add(known, hash);
}

static void
on_fetch_done(const struct resolver_job *job, enum resolver_outcome outcome,
			  const uint8 *metadata, size_t len)
{
	uint8		key[20],
				v2prefix[20];
	bool		has_v2 = false;

	if (outcome == RESOLVER_OK)
	{
		outcome = ingest_metadata(job->hash, metadata, len, key, v2prefix, &has_v2);
		if (outcome == RESOLVER_OK && known != NULL)
		{
			knownset_add(known, job->hash);
			knownset_add(known, key);
			if (has_v2)
				knownset_add(known, v2prefix);
		}
	}
	if (resolver != NULL)
	{
		resolver_fetch_done(resolver, job, outcome, evloop_now_ms());
		resolvewatch_fetch_done(job->hash, outcome,
								resolver_has(resolver, job->hash) != 0);
	}
}

/* The resolver still has hash (for resolvewatch_sweep). */
static bool
resolver_holds(const uint8 *hash)
{
	return resolver != NULL && resolver_has(resolver, hash);
}

/* Hand resolve() requests taken while no resolver ran to this one. */
static void
resume_requests(void)
{
	uint8		(*hashes)[DHT_HASH_LEN] = palloc(sizeof(*hashes) *
												 DHT_RESOLVE_STATUS_SIZE);
	int			n = resolvewatch_resume(hashes, DHT_RESOLVE_STATUS_SIZE);
	int			i;

	for (i = 0; i < n; i++)
		pipeline_resolve(hashes[i]);
	pfree(hashes);
}

void
pipeline_init(struct evloop *loop)
{
	fetch_init(loop, on_fetch_done);
}

void
pipeline_start(void)
{
	struct resolver_config cfg;
	uint64		seed;
	long		n;

	if (resolver != NULL)
		return;
	if (!pg_strong_random(&seed, sizeof(seed)))
		elog(ERROR, "dht_indexer: could not generate a random seed");
	memset(&cfg, 0, sizeof(cfg));
	cfg.max_queue = PIPELINE_MAX_QUEUE;
	cfg.max_fetches = dht_max_fetches;
	cfg.max_attempts = PIPELINE_MAX_ATTEMPTS;
	cfg.max_failed = PIPELINE_MAX_FAILED;
	cfg.retry_after_ms = PIPELINE_RETRY_AFTER_MS;
	cfg.lookup_wait_ms = PIPELINE_LOOKUP_WAIT_MS;
	cfg.seed = seed;
	resolver = resolver_create(&cfg);
	known = knownset_create(PIPELINE_KNOWN_EXPECTED, seed ^ 7);
	if (resolver == NULL || known == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("dht_indexer: could not create the metadata resolver: %m")));
	memset(&published, 0, sizeof(published));
	n = store_scan_known(mark_known, NULL);
	ereport(LOG,
			(errmsg("dht_indexer: metadata resolver started, %ld known hashes loaded", n)));
	popularity_start();
	resume_requests();
}

void
pipeline_stop(void)
{
	if (resolver == NULL)
		return;
	resolvewatch_stop();		/* before the aborts below are reported */
	fetch_abort_all();
	pipeline_publish();
	resolver_destroy(resolver);
	knownset_destroy(known);
	resolver = NULL;
	known = NULL;
	dht_counter_set(DHT_C_fetch_queue, 0);
	dht_counter_set(DHT_C_fetches_active, 0);
}

bool
pipeline_running(void)
{
	return resolver != NULL;
}

void
pipeline_resolve(const uint8 *hash)
{
	if (resolver == NULL)
		resolvewatch_waiting(hash);
	else if (resolver_add(resolver, hash, NULL, 0, 1, evloop_now_ms()))
		resolvewatch_follow(hash);
	else
		resolvewatch_finished(hash, DHT_RS_FAILED, DHT_RERR_QUEUE_FULL);
}

void
pipeline_sighting(const uint8 *hash)
{
	if (known != NULL && knownset_maybe_contains(known, hash))
		popularity_note(hash, evloop_now_ms());
}

/* Check a batch of candidates not in the filter; queue the unknown ones. */
static void
check_batch(struct candidate *cands, int n)
{
	uint8		hashes[PIPELINE_BATCH][STORE_HASH_LEN];
	StoreHashStatus status[PIPELINE_BATCH];
	int			i;

	for (i = 0; i < n; i++)
		memcpy(hashes[i], cands[i].hash, STORE_HASH_LEN);
	if (!store_classify((const uint8 (*)[STORE_HASH_LEN]) hashes, n, status))
		return;
	for (i = 0; i < n; i++)
	{
		if (status[i] != STORE_HASH_UNKNOWN)
		{
			knownset_add(known, cands[i].hash);
			dht_counter_add(DHT_C_candidates_known, 1);
			continue;
		}
		(void) resolver_add(resolver, cands[i].hash, cands[i].peers,
							cands[i].npeers, 0, evloop_now_ms());
	}
}

/* New candidates: skip the known, check the rest in one query. */
static void
take_candidates(void)
{
	struct candidate cands[PIPELINE_BATCH];
	struct candidate c;
	int			n = 0;

	while (n < PIPELINE_BATCH && crawler_pop_candidate(&c))
	{
		if (resolver_has(resolver, c.hash))
			(void) resolver_add(resolver, c.hash, c.peers, c.npeers, 0, evloop_now_ms());
		else if (knownset_maybe_contains(known, c.hash))
			dht_counter_add(DHT_C_candidates_known, 1);
		else
			cands[n++] = c;
	}
	if (n > 0)
		check_batch(cands, n);
}

/* Start every job the resolver has for us now. */
static void
start_jobs(void)
{
	struct resolver_job job;
	uint64		now = evloop_now_ms();

	resolver_set_lookup_budget(resolver, crawler_free_lookups());
	while (resolver_next(resolver, now, &job))
	{
		resolvewatch_job(&job);
		if (job.kind == RESOLVER_JOB_LOOKUP)
			crawler_lookup(job.hash);
		else if (!fetch_start(&job))
		{
			resolver_fetch_done(resolver, &job, RESOLVER_FAIL_CONNECT, now);
			resolvewatch_fetch_done(job.hash, RESOLVER_FAIL_CONNECT,
									resolver_has(resolver, job.hash) != 0);
		}
	}
}

void
pipeline_run(void)
{
	if (resolver == NULL)
		return;
	resolver_set_max_fetches(resolver, dht_max_fetches);
	take_candidates();
	start_jobs();
}

void
pipeline_publish(void)
{
	struct resolver_stats s;
	static const DhtCounter outcome_counter[RESOLVER_NUM_OUTCOMES] = {
		DHT_C_fetch_ok, DHT_C_fetch_fail_connect, DHT_C_fetch_fail_handshake,
		DHT_C_fetch_fail_no_metadata, DHT_C_fetch_fail_reject,
		DHT_C_fetch_fail_timeout, DHT_C_fetch_fail_too_big,
		DHT_C_fetch_fail_hash_mismatch, DHT_C_fetch_fail_bad_metainfo,
		DHT_C_fetch_fail_other
	};
	int			i;

	if (resolver == NULL)
		return;
	resolvewatch_sweep(resolver_holds);
	resolver_stats(resolver, &s);
	dht_counter_set(DHT_C_fetch_queue, s.queued);
	dht_counter_set(DHT_C_fetches_active, s.in_flight);
	dht_counter_add(DHT_C_fetches_started, s.started - published.started);
	dht_counter_add(DHT_C_fetch_lookups, s.lookups - published.lookups);
	dht_counter_add(DHT_C_fetch_gave_up, s.gave_up - published.gave_up);
	dht_counter_add(DHT_C_fetch_queue_dropped, s.dropped_full - published.dropped_full);
	for (i = 0; i < RESOLVER_NUM_OUTCOMES; i++)
		dht_counter_add(outcome_counter[i], s.outcomes[i] - published.outcomes[i]);
	published = s;
}
