/*-------------------------------------------------------------------------
 *
 * popularity.c
 *	  Sightings of indexed hashes, counted in memory and written in
 *	  batches (see popularity.h).
 *
 * Two tables of POPULARITY_MAX_HASHES entries, each an array filled in
 * order and indexed by hash (the core's hashindex, keyed SipHash), are
 * allocated once; noting a sighting is one look-up in the counting table
 * and never allocates.  A flush swaps the tables and writes the full one
 * in chunks of POPULARITY_FLUSH_CHUNK, one short transaction each, while
 * the other goes on counting; each chunk is one UPDATE through the store
 * (a hash matches a torrent's v1 hash or the first 20 bytes of its v2
 * hash, so a hybrid counts under both).  A failed chunk is kept and
 * retried after a backoff; what does not fit meanwhile is dropped and
 * counted.  Counts are what the crawler's own identities hear, not a
 * swarm size: they rank torrents against each other.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "portability/instr_time.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "evloop.h"
#include "hashindex.h"
#include "popularity.h"
#include "shmem.h"
#include "store.h"

/* Back-off ceiling after repeated failed flushes. */
#define POPULARITY_MAX_RETRY_MS 60000

typedef struct PopularityEntry
{
	uint8		hash[DHT_HASH_LEN]; /* the hashindex key: keep first */
	uint32		count;			/* sightings since the last flush */
	uint64		last_ms;		/* newest sighting, evloop_now_ms() */
} PopularityEntry;

typedef struct CountTable
{
	PopularityEntry *entries;	/* POPULARITY_MAX_HASHES */
	struct hashindex index;
	void	   *index_mem;
	int			n;				/* entries in use: 0 .. n-1 */
} CountTable;

static CountTable tables[2];
static CountTable *counting = NULL;	/* takes sightings */
static CountTable *writing = NULL;	/* being flushed, from entry `written` */
static int	written = 0;
static uint64 first_ms = 0;		/* oldest sighting in the counting table */
static uint64 retry_at_ms = 0;
static int	retry_delay_ms = 0;
static uint64 max_flush_us = 0;

static void
table_create(CountTable *t, uint64 seed)
{
	t->entries = MemoryContextAllocHuge(TopMemoryContext,
										sizeof(PopularityEntry) *
										POPULARITY_MAX_HASHES);
	t->index_mem = MemoryContextAllocHuge(TopMemoryContext,
										  hashindex_memsize(POPULARITY_MAX_HASHES));
	if (hashindex_init(&t->index, t->index_mem, POPULARITY_MAX_HASHES, t->entries,
					   sizeof(PopularityEntry), 0, seed) != HASHINDEX_OK)
		elog(ERROR, "dht_indexer: could not create the popularity table");
	t->n = 0;
}

static void
table_clear(CountTable *t)
{
	int			i;

	for (i = 0; i < t->n; i++)
		hashindex_remove(&t->index, (uint32) i);
	t->n = 0;
}

static void
publish_pending(void)
{
	dht_counter_set(DHT_C_popularity_hashes, counting->n + writing->n - written);
}

void
popularity_start(void)
{
	uint64		seed;

	if (counting == NULL)
	{
		if (!pg_strong_random(&seed, sizeof(seed)))
			elog(ERROR, "dht_indexer: could not generate a random seed");
		table_create(&tables[0], seed);
		table_create(&tables[1], seed ^ 1);
		counting = &tables[0];
		writing = &tables[1];
	}
	table_clear(counting);
	table_clear(writing);
	written = 0;
	retry_at_ms = 0;
	retry_delay_ms = 0;
	publish_pending();
}

void
popularity_note(const uint8 *hash, uint64 now_ms)
{
	uint32		tag;
	uint32		slot;
	PopularityEntry *e;

	if (counting == NULL)
		return;
	tag = hashindex_tag(&counting->index, hash);
	slot = hashindex_find(&counting->index, hash, tag);
	if (slot != HASHINDEX_NONE)
	{
		e = &counting->entries[slot];
		if (e->count < PG_UINT32_MAX)
			e->count++;
		e->last_ms = Max(e->last_ms, now_ms);
	}
	else if (counting->n == POPULARITY_MAX_HASHES)
	{
		dht_counter_add(DHT_C_popularity_dropped, 1);
		return;
	}
	else
	{
		if (counting->n == 0)
			first_ms = now_ms;
		e = &counting->entries[counting->n];
		memcpy(e->hash, hash, DHT_HASH_LEN);
		e->count = 1;
		e->last_ms = now_ms;
		hashindex_insert(&counting->index, tag, (uint32) counting->n);
		counting->n++;
		dht_counter_set(DHT_C_popularity_hashes,
						counting->n + writing->n - written);
	}
	dht_counter_add(DHT_C_popularity_sightings, 1);
}

bool
popularity_due(uint64 now_ms)
{
	if (counting == NULL || now_ms < retry_at_ms)
		return false;
	if (written < writing->n)
		return true;
	return counting->n > 0 &&
		(now_ms - first_ms >= POPULARITY_FLUSH_MS ||
		 counting->n >= POPULARITY_MAX_HASHES / 4 * 3);
}

/* Publish a committed chunk: its rows and its time. */
static void
chunk_done(uint64 rows, uint64 us)
{
	dht_counter_add(DHT_C_popularity_flushes, 1);
	dht_counter_add(DHT_C_popularity_rows, rows);
	dht_counter_add(DHT_C_popularity_flush_us, us);
	if (us > max_flush_us)
		max_flush_us = us;
	/* the worst so far; a new worker continues from the shared value */
	if (max_flush_us > dht_counter_get(DHT_C_popularity_flush_us_max))
		dht_counter_set(DHT_C_popularity_flush_us_max, max_flush_us);
}

/* Write entries [written, written + n) of the writing table; true if committed. */
static bool
write_chunk(int n)
{
	uint8		(*hashes)[STORE_HASH_LEN] = palloc(sizeof(*hashes) * n);
	int64	   *counts = palloc(sizeof(int64) * n);
	TimestampTz *seen = palloc(sizeof(TimestampTz) * n);
	TimestampTz now = GetCurrentTimestamp();
	uint64		now_ms = evloop_now_ms();
	uint64		rows = 0;
	instr_time	start,
				elapsed;
	bool		ok;
	int			i;

	for (i = 0; i < n; i++)
	{
		const PopularityEntry *e = &writing->entries[written + i];
		uint64		age_ms = now_ms >= e->last_ms ? now_ms - e->last_ms : 0;

		memcpy(hashes[i], e->hash, STORE_HASH_LEN);
		counts[i] = e->count;
		seen[i] = now - (TimestampTz) age_ms * 1000;
	}
	INSTR_TIME_SET_CURRENT(start);
	ok = store_count_sightings((const uint8 (*)[STORE_HASH_LEN]) hashes, counts,
							   seen, n, &rows);
	INSTR_TIME_SET_CURRENT(elapsed);
	INSTR_TIME_SUBTRACT(elapsed, start);
	pfree(hashes);
	pfree(counts);
	pfree(seen);
	if (ok)
		chunk_done(rows, INSTR_TIME_GET_MICROSEC(elapsed));
	return ok;
}

bool
popularity_flush(void)
{
	int			n;

	if (counting == NULL)
		return true;
	if (written == writing->n)
	{
		CountTable *full = counting;

		if (full->n == 0)
			return true;
		table_clear(writing);
		written = 0;
		counting = writing;
		writing = full;
	}
	n = Min(writing->n - written, POPULARITY_FLUSH_CHUNK);
	if (!write_chunk(n))
	{
		dht_counter_add(DHT_C_popularity_flush_errors, 1);
		retry_delay_ms = retry_delay_ms == 0 ? POPULARITY_RETRY_MS :
			Min(retry_delay_ms * 2, POPULARITY_MAX_RETRY_MS);
		retry_at_ms = evloop_now_ms() + retry_delay_ms;
		return false;
	}
	written += n;
	retry_delay_ms = 0;
	retry_at_ms = 0;
	publish_pending();
	return written == writing->n && counting->n == 0;
}

void
popularity_flush_all(void)
{
	int			chunks = 2 * (POPULARITY_MAX_HASHES / POPULARITY_FLUSH_CHUNK + 1);

	/* each call writes a chunk of one table or the other: bounded */
	while (chunks-- > 0)
		if (popularity_flush() || retry_at_ms != 0)
			break;
}

void
popularity_discard(void)
{
	if (counting != NULL)
		popularity_start();
}
