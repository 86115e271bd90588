/*-------------------------------------------------------------------------
 *
 * ingest.c
 *	  Verified metadata to a store row (see ingest.h).
 *
 * The info dict is hashed and compared with the hash it was fetched under
 * (SHA-1 for v1, truncated SHA-256 for v2), parsed by the core (names and
 * paths repaired to valid UTF-8 without NUL, at most INGEST_MAX_FILES
 * entries with the rest summarised), keyed by its v1 hash when it has v1
 * data (so a hybrid reached under either hash is one row) and queued in
 * the store's batch.  All working memory lives in a context reset after
 * every call.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/memutils.h"

#include "ingest.h"
#include "metainfo.h"
#include "shmem.h"
#include "store.h"

/* File entries stored per torrent; the rest become one summary entry. */
#define INGEST_MAX_FILES 10000

static MemoryContext ingest_context = NULL;

/* Fill a StoreTorrent from a parsed info dict (pointers into the parse). */
static void
to_store_torrent(const struct metainfo *mi, const struct metainfo_space *space,
				 const struct metainfo_hashes *h, StoreTorrent *t)
{
	char	  **paths = palloc(sizeof(char *) * Max(mi->nfiles, 1));
	int64	   *sizes = palloc(sizeof(int64) * Max(mi->nfiles, 1));
	size_t		i;

	for (i = 0; i < mi->nfiles; i++)
	{
		paths[i] = (char *) space->files[i].path;
		sizes[i] = space->files[i].size;
	}
	memset(t, 0, sizeof(*t));
	memcpy(t->info_hash, h->key, STORE_HASH_LEN);
	t->has_v2 = h->has_v2 != 0;
	if (t->has_v2)
		memcpy(t->info_hash_v2, h->v2, STORE_HASH_V2_LEN);
	t->name = mi->name;
	t->total_size = mi->total_size;
	t->file_count = (int32) Min(mi->file_count, PG_INT32_MAX);
	t->nfiles = (int32) mi->nfiles;
	t->paths = (const char *const *) paths;
	t->sizes = sizes;
}

enum resolver_outcome
ingest_metadata(const uint8 *fetched_hash, const uint8 *info, size_t len,
				uint8 *key, uint8 *v2prefix, bool *has_v2)
{
	struct metainfo_hashes h;
	struct metainfo_space space;
	struct metainfo mi;
	StoreTorrent t;
	MemoryContext old;
	enum resolver_outcome outcome = RESOLVER_OK;

	if (metainfo_verify(info, len, fetched_hash, &h) != 0)
		return RESOLVER_FAIL_HASH_MISMATCH;
	if (ingest_context == NULL)
		ingest_context = AllocSetContextCreate(TopMemoryContext,
											   "dht_indexer ingest",
											   ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(ingest_context);
	space.max_tokens = METAINFO_TOKENS(len);
	space.tokens = MemoryContextAllocHuge(ingest_context,
										  sizeof(struct bencode_token) * space.max_tokens);
	space.max_files = INGEST_MAX_FILES;
	space.files = palloc(sizeof(struct metainfo_file) * space.max_files);
	space.strbuf_cap = METAINFO_STRBUF_SIZE(len);
	space.strbuf = MemoryContextAllocHuge(ingest_context, space.strbuf_cap);
	if (metainfo_parse(info, len, &space, &mi) != 0)
		outcome = RESOLVER_FAIL_BAD_METAINFO;
	else
	{
		metainfo_classify(&h, &mi);
		if (mi.repairs != 0)
			dht_counter_add(DHT_C_metainfo_repaired, 1);
		to_store_torrent(&mi, &space, &h, &t);
		if (!store_add(&t))
			outcome = RESOLVER_FAIL_OTHER;	/* batch full: counted by the
											 * store; another peer later */
		memcpy(key, h.key, 20);
		memcpy(v2prefix, h.v2, 20);
		*has_v2 = h.has_v2 != 0;
	}
	MemoryContextSwitchTo(old);
	MemoryContextReset(ingest_context);
	return outcome;
}
