/*-------------------------------------------------------------------------
 *
 * store.c
 *	  Batched, short transactions against the dht_indexer tables (SPI).
 *
 * This is the only file that executes SQL.  The transaction bracket comes
 * from worker_spi (StartTransactionCommand, SPI_connect, an active
 * snapshot, commit); plans are prepared once and kept with SPI_keepplan;
 * batches travel as array parameters and are unnested by the statement.
 * Errors are caught with PG_TRY: the transaction is aborted, the error
 * logged and counted, and the batch kept for a retry with exponential
 * backoff until max_attempts, when it is dropped with a LOG line and a
 * counter.  The worker never dies from a failed flush.
 *
 * Memory: the batch lives in its own context, bounded by batch_torrents
 * and batch_bytes; it is reset after every commit or drop.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <arpa/inet.h>

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "pgstat.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "store.h"

/* Retry delays double up to this. */
#define STORE_MAX_BACKOFF_MS 60000

const StoreConfig store_default_config = {
	.batch_torrents = 500,
	.batch_bytes = 64 * 1024 * 1024,
	.max_attempts = 5,
	.backoff_ms = 1000,
};

/* A torrent copied into the batch context. */
typedef struct BatchEntry
{
	uint8		info_hash[STORE_HASH_LEN];
	bool		has_v2;
	uint8		info_hash_v2[STORE_HASH_V2_LEN];
	char	   *name;
	int64		total_size;
	int32		file_count;
	int32		nfiles;
	char	  **paths;
	int64	   *sizes;
} BatchEntry;

static StoreConfig config;
static StoreStats stats;
static MemoryContext batch_context = NULL;
static BatchEntry *batch = NULL;
static int	batch_len = 0;
static int	batch_files = 0;
static Size batch_bytes = 0;
static int	batch_attempts = 0;
static TimestampTz next_attempt = 0;

static SPIPlanPtr insert_plan = NULL;
static SPIPlanPtr classify_plan = NULL;
static SPIPlanPtr nodes_delete_plan = NULL;
static SPIPlanPtr nodes_insert_plan = NULL;
static SPIPlanPtr nodes_load_plan = NULL;
static SPIPlanPtr sightings_plan = NULL;

/* The saved good nodes are replaced as a whole. */
static const char *const nodes_delete_sql = "DELETE FROM dht_indexer.nodes";
static const char *const nodes_insert_sql =
"INSERT INTO dht_indexer.nodes (address, port, id)"
" SELECT a::inet, p, i FROM unnest($1::text[], $2::int4[], $3::bytea[]) AS u(a, p, i)"
" ON CONFLICT DO NOTHING";
static const char *const nodes_load_sql =
"SELECT host(address), port, id FROM dht_indexer.nodes"
" ORDER BY saved_at DESC, address, port LIMIT $1";

/*
 * Insert a batch: deduplicate it, skip blocklisted hashes (either of a
 * hybrid torrent's two), insert torrents ON CONFLICT DO NOTHING, and give
 * each newly inserted torrent its file list.  Files come as flat arrays
 * with the position of their torrent in the batch ($8); one pass groups
 * them (slicing the flat arrays per torrent instead costs time quadratic
 * in the batch: variable-length elements are found by walking the array).
 * The row count is the number of new torrents.
 */
static const char *const insert_sql =
"WITH input AS ("
"  SELECT DISTINCT ON (u.info_hash) u.*"
"    FROM unnest($1::bytea[], $2::bytea[], $3::text[], $4::int8[], $5::int4[])"
"         WITH ORDINALITY AS u(info_hash, info_hash_v2, name, total_size,"
"                              file_count, ord)"
"   ORDER BY u.info_hash, u.ord),"
" fresh AS ("
"  INSERT INTO dht_indexer.torrents AS t"
"         (info_hash, info_hash_v2, name, total_size, file_count)"
"  SELECT i.info_hash, i.info_hash_v2, i.name, i.total_size, i.file_count"
"    FROM input i"
"   WHERE NOT EXISTS (SELECT 1 FROM dht_indexer.blocklist b"
"                      WHERE b.info_hash = i.info_hash"
"                         OR b.info_hash = substr(i.info_hash_v2, 1, 20))"
"  ON CONFLICT DO NOTHING"
"  RETURNING t.info_hash),"
" lists AS ("
"  SELECT f.owner, array_agg(f.path ORDER BY f.n) AS paths,"
"         array_agg(f.size ORDER BY f.n) AS sizes"
"    FROM unnest($6::text[], $7::int8[], $8::int4[])"
"         WITH ORDINALITY AS f(path, size, owner, n)"
"   GROUP BY f.owner)"
" INSERT INTO dht_indexer.files (info_hash, paths, sizes)"
" SELECT i.info_hash, coalesce(l.paths, '{}'), coalesce(l.sizes, '{}')"
"   FROM input i JOIN fresh f ON f.info_hash = i.info_hash"
"   LEFT JOIN lists l ON l.owner = i.ord";

/* 0 unknown, 1 known (under either hash of a hybrid), 2 blocklisted. */
static const char *const classify_sql =
"SELECT CASE"
"         WHEN EXISTS (SELECT 1 FROM dht_indexer.blocklist b"
"                       WHERE b.info_hash = u.h) THEN 2"
"         WHEN EXISTS (SELECT 1 FROM dht_indexer.torrents t"
"                       WHERE t.info_hash = u.h)"
"           OR EXISTS (SELECT 1 FROM dht_indexer.torrents t"
"                       WHERE substr(t.info_hash_v2, 1, 20) = u.h) THEN 1"
"         ELSE 0 END::int4"
"  FROM unnest($1::bytea[]) WITH ORDINALITY AS u(h, ord)"
" ORDER BY u.ord";

/*
 * Popularity: add sighting counts to torrents.  Each hash is matched
 * against the v1 key and, for another row, the truncated v2 hash (so a
 * v2-only torrent, keyed by its truncated v2 hash, counts once), the
 * matches are summed per row, and the rows are locked with SKIP LOCKED: a
 * row someone else is changing loses this batch's counts rather than
 * making the worker wait for their transaction.
 */
static const char *const sightings_sql =
"WITH u AS ("
"  SELECT * FROM unnest($1::bytea[], $2::int8[], $3::timestamptz[]) AS u(h, n, ts)),"
" hit AS ("
"  SELECT t.info_hash, u.n, u.ts"
"    FROM u JOIN dht_indexer.torrents t ON t.info_hash = u.h"
"  UNION ALL"
"  SELECT t.info_hash, u.n, u.ts"
"    FROM u JOIN dht_indexer.torrents t"
"         ON substr(t.info_hash_v2, 1, 20) = u.h AND t.info_hash <> u.h),"
" total AS ("
"  SELECT info_hash, sum(n)::int8 AS n, max(ts) AS ts FROM hit GROUP BY info_hash),"
" locked AS ("
"  SELECT t.info_hash, total.n, total.ts"
"    FROM dht_indexer.torrents t JOIN total ON total.info_hash = t.info_hash"
"     FOR UPDATE OF t SKIP LOCKED)"
" UPDATE dht_indexer.torrents t"
"    SET seen_count = t.seen_count + l.n,"
"        last_seen = greatest(t.last_seen, l.ts)"
"   FROM locked l"
"  WHERE t.info_hash = l.info_hash";

void
store_init(const StoreConfig *cfg)
{
	config = *cfg;
	memset(&stats, 0, sizeof(stats));
	batch_context = AllocSetContextCreate(TopMemoryContext,
										  "dht_indexer store batch",
										  ALLOCSET_DEFAULT_SIZES);
	batch = MemoryContextAllocZero(TopMemoryContext,
								   sizeof(BatchEntry) * config.batch_torrents);
}

static Size
torrent_bytes(const StoreTorrent *t)
{
	Size		bytes = sizeof(BatchEntry) + strlen(t->name) + 1;
	int			i;

	for (i = 0; i < t->nfiles; i++)
		bytes += strlen(t->paths[i]) + 1 + sizeof(char *) + sizeof(int64);
	return bytes;
}

bool
store_add(const StoreTorrent *t)
{
	Size		bytes = torrent_bytes(t);
	BatchEntry *e;
	MemoryContext old;
	int			i;

	if (batch_len >= config.batch_torrents ||
		batch_bytes + bytes > config.batch_bytes)
	{
		stats.rows_dropped++;
		return false;
	}
	old = MemoryContextSwitchTo(batch_context);
	e = &batch[batch_len++];
	memcpy(e->info_hash, t->info_hash, STORE_HASH_LEN);
	e->has_v2 = t->has_v2;
	memcpy(e->info_hash_v2, t->info_hash_v2, STORE_HASH_V2_LEN);
	e->name = pstrdup(t->name);
	e->total_size = t->total_size;
	e->file_count = t->file_count;
	e->nfiles = t->nfiles;
	e->paths = palloc(sizeof(char *) * Max(t->nfiles, 1));
	e->sizes = palloc(sizeof(int64) * Max(t->nfiles, 1));
	for (i = 0; i < t->nfiles; i++)
	{
		e->paths[i] = pstrdup(t->paths[i]);
		e->sizes[i] = t->sizes[i];
	}
	MemoryContextSwitchTo(old);
	batch_files += t->nfiles;
	batch_bytes += bytes;
	return true;
}

int
store_pending(void)
{
	return batch_len;
}

bool
store_batch_full(void)
{
	return batch_len >= config.batch_torrents ||
		batch_bytes * 2 >= config.batch_bytes;
}

TimestampTz
store_next_attempt(void)
{
	return next_attempt;
}

static void
batch_reset(void)
{
	MemoryContextReset(batch_context);
	batch_len = 0;
	batch_files = 0;
	batch_bytes = 0;
	batch_attempts = 0;
	next_attempt = 0;
}

/* Prepare a statement once per backend and keep it across transactions. */
static SPIPlanPtr
kept_plan(SPIPlanPtr *slot, const char *sql, int nargs, Oid *argtypes)
{
	SPIPlanPtr	plan;

	if (*slot != NULL)
		return *slot;
	plan = SPI_prepare(sql, nargs, argtypes);
	if (plan == NULL)
		elog(ERROR, "SPI_prepare failed: %s",
			 SPI_result_code_string(SPI_result));
	if (SPI_keepplan(plan) != 0)
		elog(ERROR, "SPI_keepplan failed");
	*slot = plan;
	return plan;
}

/*
 * Run body(arg) inside a fresh transaction with SPI connected.  Returns
 * false after logging and aborting if it raised an error.
 */
static bool
run_in_transaction(const char *activity, void (*body) (void *), void *arg)
{
	MemoryContext caller_context = CurrentMemoryContext;
	volatile bool ok = true;

	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	PG_TRY();
	{
		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "SPI_connect failed");
		PushActiveSnapshot(GetTransactionSnapshot());
		pgstat_report_activity(STATE_RUNNING, activity);
		body(arg);
		SPI_finish();
		PopActiveSnapshot();
		CommitTransactionCommand();
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(caller_context);
		edata = CopyErrorData();
		FlushErrorState();
		AbortCurrentTransaction();
		ereport(LOG,
				(errmsg("%s failed: %s", activity, edata->message),
				 edata->detail ? errdetail_internal("%s", edata->detail) : 0));
		FreeErrorData(edata);
		ok = false;
	}
	PG_END_TRY();
	pgstat_report_activity(STATE_IDLE, NULL);
	return ok;
}

/* Text or int8 array Datum from C values, in the current (SPI) context. */
static Datum
text_array(Datum *elems, int n)
{
	return PointerGetDatum(construct_array(elems, n, TEXTOID, -1, false,
										   TYPALIGN_INT));
}

static Datum
int_array(Datum *elems, int n, Oid type)
{
	if (type == INT8OID)
		return PointerGetDatum(construct_array(elems, n, INT8OID, 8,
											   FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	return PointerGetDatum(construct_array(elems, n, INT4OID, 4, true,
										   TYPALIGN_INT));
}

static Datum
bytea_datum(const uint8 *bytes, int len)
{
	bytea	   *b = palloc(VARHDRSZ + len);

	SET_VARSIZE(b, VARHDRSZ + len);
	memcpy(VARDATA(b), bytes, len);
	return PointerGetDatum(b);
}

static Datum
bytea_array(Datum *elems, bool *nulls, int n)
{
	int			dims[1] = {n};
	int			lbs[1] = {1};

	return PointerGetDatum(construct_md_array(elems, nulls, 1, dims, lbs,
											  BYTEAOID, -1, false,
											  TYPALIGN_INT));
}

/* Build the eight array parameters of insert_sql from the batch. */
static void
batch_to_params(Datum *values)
{
	int			n = batch_len;
	int			nf = Max(batch_files, 1);
	Datum	   *hashes = palloc(sizeof(Datum) * n);
	Datum	   *v2 = palloc(sizeof(Datum) * n);
	bool	   *v2_nulls = palloc(sizeof(bool) * n);
	Datum	   *names = palloc(sizeof(Datum) * n);
	Datum	   *totals = palloc(sizeof(Datum) * n);
	Datum	   *counts = palloc(sizeof(Datum) * n);
	Datum	   *paths = palloc(sizeof(Datum) * nf);
	Datum	   *sizes = palloc(sizeof(Datum) * nf);
	Datum	   *owners = palloc(sizeof(Datum) * nf);
	int			file = 0;
	int			i,
				j;

	for (i = 0; i < n; i++)
	{
		const BatchEntry *e = &batch[i];

		hashes[i] = bytea_datum(e->info_hash, STORE_HASH_LEN);
		v2_nulls[i] = !e->has_v2;
		v2[i] = e->has_v2 ? bytea_datum(e->info_hash_v2, STORE_HASH_V2_LEN) : (Datum) 0;
		names[i] = CStringGetTextDatum(e->name);
		totals[i] = Int64GetDatum(e->total_size);
		counts[i] = Int32GetDatum(e->file_count);
		for (j = 0; j < e->nfiles; j++, file++)
		{
			paths[file] = CStringGetTextDatum(e->paths[j]);
			sizes[file] = Int64GetDatum(e->sizes[j]);
			owners[file] = Int32GetDatum(i + 1);
		}
	}
	values[0] = bytea_array(hashes, NULL, n);
	values[1] = bytea_array(v2, v2_nulls, n);
	values[2] = text_array(names, n);
	values[3] = int_array(totals, n, INT8OID);
	values[4] = int_array(counts, n, INT4OID);
	values[5] = text_array(paths, file);
	values[6] = int_array(sizes, file, INT8OID);
	values[7] = int_array(owners, file, INT4OID);
}

static void
insert_batch_body(void *arg)
{
	uint64	   *inserted = arg;
	Oid			types[8] = {BYTEAARRAYOID, BYTEAARRAYOID, TEXTARRAYOID,
		INT8ARRAYOID, INT4ARRAYOID, TEXTARRAYOID, INT8ARRAYOID, INT4ARRAYOID};
	Datum		values[8];
	SPIPlanPtr	plan = kept_plan(&insert_plan, insert_sql, 8, types);
	int			rc;

	batch_to_params(values);
	rc = SPI_execute_plan(plan, values, NULL, false, 0);
	if (rc != SPI_OK_INSERT)
		elog(ERROR, "inserting torrents failed: %s",
			 SPI_result_code_string(rc));
	*inserted = SPI_processed;
}

/* Schedule the next attempt after a failure, or drop the batch. */
static StoreFlushResult
flush_failed(void)
{
	int			delay = config.backoff_ms;
	int			i;

	stats.flush_errors++;
	if (++batch_attempts >= config.max_attempts)
	{
		ereport(LOG,
				(errmsg("dht_indexer: dropped a batch of %d torrents after %d failed attempts",
						batch_len, batch_attempts)));
		stats.batches_dropped++;
		stats.rows_dropped += batch_len;
		batch_reset();
		return STORE_FLUSH_DROPPED;
	}
	for (i = 1; i < batch_attempts && delay < STORE_MAX_BACKOFF_MS; i++)
		delay *= 2;
	delay = Min(delay, STORE_MAX_BACKOFF_MS);
	next_attempt = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), delay);
	return STORE_FLUSH_RETRY_LATER;
}

StoreFlushResult
store_flush(void)
{
	uint64		inserted = 0;
	char		activity[64];

	if (batch_len == 0)
		return STORE_FLUSH_EMPTY;
	snprintf(activity, sizeof(activity), "dht_indexer: storing %d torrents",
			 batch_len);
	if (!run_in_transaction(activity, insert_batch_body, &inserted))
		return flush_failed();
	stats.flushes++;
	stats.torrents_inserted += inserted;
	batch_reset();
	return STORE_FLUSH_DONE;
}

typedef struct ClassifyArgs
{
	const uint8 (*hashes)[STORE_HASH_LEN];
	int			n;
	StoreHashStatus *out;
} ClassifyArgs;

static void
classify_body(void *arg)
{
	ClassifyArgs *args = arg;
	Oid			types[1] = {BYTEAARRAYOID};
	Datum		values[1];
	Datum	   *elems = palloc(sizeof(Datum) * args->n);
	SPIPlanPtr	plan = kept_plan(&classify_plan, classify_sql, 1, types);
	uint64		row;
	int			i;

	for (i = 0; i < args->n; i++)
		elems[i] = bytea_datum(args->hashes[i], STORE_HASH_LEN);
	values[0] = bytea_array(elems, NULL, args->n);
	if (SPI_execute_plan(plan, values, NULL, true, 0) != SPI_OK_SELECT ||
		SPI_processed != (uint64) args->n)
		elog(ERROR, "classifying hashes failed");
	for (row = 0; row < SPI_processed; row++)
	{
		bool		isnull;
		Datum		d = SPI_getbinval(SPI_tuptable->vals[row],
									  SPI_tuptable->tupdesc, 1, &isnull);

		args->out[row] = (StoreHashStatus) DatumGetInt32(d);
	}
}

bool
store_classify(const uint8 (*hashes)[STORE_HASH_LEN], int n,
			   StoreHashStatus *out)
{
	ClassifyArgs args = {hashes, n, out};

	if (n == 0)
		return true;
	return run_in_transaction("dht_indexer: checking known hashes",
							  classify_body, &args);
}

typedef struct NodesArgs
{
	const uint8 (*ids)[STORE_HASH_LEN];
	struct netaddr *addrs;
	int			n;				/* save: count; load: in max, out count */
} NodesArgs;

static void
save_nodes_body(void *arg)
{
	NodesArgs  *args = arg;
	Oid			types[3] = {TEXTARRAYOID, INT4ARRAYOID, BYTEAARRAYOID};
	Datum		values[3];
	Datum	   *addrs = palloc(sizeof(Datum) * args->n);
	Datum	   *ports = palloc(sizeof(Datum) * args->n);
	Datum	   *ids = palloc(sizeof(Datum) * args->n);
	char		text[NETADDR_STRLEN];
	int			i;

	for (i = 0; i < args->n; i++)
	{
		if (inet_ntop(args->addrs[i].family, args->addrs[i].ip, text, sizeof(text)) == NULL)
			elog(ERROR, "unprintable node address");
		addrs[i] = CStringGetTextDatum(text);
		ports[i] = Int32GetDatum(args->addrs[i].port);
		ids[i] = bytea_datum(args->ids[i], STORE_HASH_LEN);
	}
	values[0] = text_array(addrs, args->n);
	values[1] = int_array(ports, args->n, INT4OID);
	values[2] = bytea_array(ids, NULL, args->n);
	if (SPI_execute_plan(kept_plan(&nodes_delete_plan, nodes_delete_sql, 0, NULL),
						 NULL, NULL, false, 0) != SPI_OK_DELETE ||
		SPI_execute_plan(kept_plan(&nodes_insert_plan, nodes_insert_sql, 3, types),
						 values, NULL, false, 0) != SPI_OK_INSERT)
		elog(ERROR, "saving nodes failed");
}

bool
store_save_nodes(const uint8 (*ids)[STORE_HASH_LEN], const struct netaddr *addrs,
				 int n)
{
	NodesArgs	args = {ids, (struct netaddr *) addrs, n};

	return run_in_transaction("dht_indexer: saving DHT nodes", save_nodes_body, &args);
}

/* One saved node from row `row` of the result; false if unusable. */
static bool
node_from_row(uint64 row, uint8 *id, struct netaddr *addr)
{
	HeapTuple	tup = SPI_tuptable->vals[row];
	TupleDesc	desc = SPI_tuptable->tupdesc;
	bool		null1,
				null2,
				null3;
	char	   *host = TextDatumGetCString(SPI_getbinval(tup, desc, 1, &null1));
	int32		port = DatumGetInt32(SPI_getbinval(tup, desc, 2, &null2));
	bytea	   *b = DatumGetByteaPP(SPI_getbinval(tup, desc, 3, &null3));

	memset(addr, 0, sizeof(*addr));
	addr->family = strchr(host, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(addr->family, host, addr->ip) != 1 || port < 1 || port > 65535 ||
		VARSIZE_ANY_EXHDR(b) != STORE_HASH_LEN)
		return false;
	addr->port = (uint16) port;
	memcpy(id, VARDATA_ANY(b), STORE_HASH_LEN);
	return true;
}

static void
load_nodes_body(void *arg)
{
	NodesArgs  *args = arg;
	Oid			types[1] = {INT4OID};
	Datum		values[1] = {Int32GetDatum(args->n)};
	uint64		row;
	int			n = 0;

	if (SPI_execute_plan(kept_plan(&nodes_load_plan, nodes_load_sql, 1, types),
						 values, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "loading nodes failed");
	for (row = 0; row < SPI_processed && n < args->n; row++)
		if (node_from_row(row, (uint8 *) args->ids[n], &args->addrs[n]))
			n++;
	args->n = n;
}

int
store_load_nodes(uint8 (*ids)[STORE_HASH_LEN], struct netaddr *addrs, int max)
{
	NodesArgs	args = {(const uint8 (*)[STORE_HASH_LEN]) ids, addrs, max};

	if (!run_in_transaction("dht_indexer: loading DHT nodes", load_nodes_body, &args))
		return 0;
	return args.n;
}

typedef struct SightingsArgs
{
	const uint8 (*hashes)[STORE_HASH_LEN];
	const int64 *counts;
	const TimestampTz *seen;
	int			n;
	uint64		rows;
} SightingsArgs;

static void
sightings_body(void *arg)
{
	SightingsArgs *args = arg;
	Oid			types[3] = {BYTEAARRAYOID, INT8ARRAYOID, TIMESTAMPTZARRAYOID};
	Datum		values[3];
	Datum	   *hashes = palloc(sizeof(Datum) * args->n);
	Datum	   *counts = palloc(sizeof(Datum) * args->n);
	Datum	   *seen = palloc(sizeof(Datum) * args->n);
	SPIPlanPtr	plan = kept_plan(&sightings_plan, sightings_sql, 3, types);
	int			i;
	int			rc;

	for (i = 0; i < args->n; i++)
	{
		hashes[i] = bytea_datum(args->hashes[i], STORE_HASH_LEN);
		counts[i] = Int64GetDatum(args->counts[i]);
		seen[i] = TimestampTzGetDatum(args->seen[i]);
	}
	values[0] = bytea_array(hashes, NULL, args->n);
	values[1] = int_array(counts, args->n, INT8OID);
	values[2] = PointerGetDatum(construct_array(seen, args->n, TIMESTAMPTZOID,
												8, FLOAT8PASSBYVAL,
												TYPALIGN_DOUBLE));
	rc = SPI_execute_plan(plan, values, NULL, false, 0);
	if (rc != SPI_OK_UPDATE)
		elog(ERROR, "counting sightings failed: %s", SPI_result_code_string(rc));
	args->rows = SPI_processed;
}

bool
store_count_sightings(const uint8 (*hashes)[STORE_HASH_LEN], const int64 *counts,
					  const TimestampTz *seen, int n, uint64 *rows)
{
	SightingsArgs args = {hashes, counts, seen, n, 0};
	char		activity[64];

	*rows = 0;
	if (n == 0)
		return true;
	snprintf(activity, sizeof(activity),
			 "dht_indexer: counting sightings of %d hashes", n);
	if (!run_in_transaction(activity, sightings_body, &args))
		return false;
	*rows = args.rows;
	return true;
}

/* Every hash the resolver must not fetch: indexed (both of a hybrid) or blocklisted. */
static const char *const known_sql =
"SELECT info_hash FROM dht_indexer.torrents"
" UNION ALL SELECT substr(info_hash_v2, 1, 20) FROM dht_indexer.torrents"
"  WHERE info_hash_v2 IS NOT NULL"
" UNION ALL SELECT info_hash FROM dht_indexer.blocklist";
/* Rows fetched per cursor round trip while scanning known hashes. */
#define STORE_SCAN_BATCH 10000

typedef struct ScanArgs
{
	void		(*fn) (const uint8 *hash, void *arg);
	void	   *arg;
	long		n;
} ScanArgs;

static void
scan_known_body(void *arg)
{
	ScanArgs   *args = arg;
	Portal		portal = SPI_cursor_open_with_args(NULL, known_sql, 0, NULL, NULL,
												   NULL, true, 0);

	for (;;)
	{
		uint64		row;

		SPI_cursor_fetch(portal, true, STORE_SCAN_BATCH);
		if (SPI_processed == 0)
			break;
		for (row = 0; row < SPI_processed; row++)
		{
			bool		isnull;
			bytea	   *b = DatumGetByteaPP(SPI_getbinval(SPI_tuptable->vals[row],
														  SPI_tuptable->tupdesc, 1, &isnull));

			if (!isnull && VARSIZE_ANY_EXHDR(b) == STORE_HASH_LEN)
			{
				args->fn((const uint8 *) VARDATA_ANY(b), args->arg);
				args->n++;
			}
		}
		SPI_freetuptable(SPI_tuptable);
	}
	SPI_cursor_close(portal);
}

long
store_scan_known(void (*fn) (const uint8 *hash, void *arg), void *arg)
{
	ScanArgs	args = {fn, arg, 0};

	if (!run_in_transaction("dht_indexer: loading known hashes", scan_known_body, &args))
		return -1;
	return args.n;
}

void
store_reset_plans(void)
{
	SPIPlanPtr *plans[] = {&insert_plan, &classify_plan, &nodes_delete_plan,
	&nodes_insert_plan, &nodes_load_plan, &sightings_plan};
	int			i;

	for (i = 0; i < (int) lengthof(plans); i++)
	{
		if (*plans[i])
			SPI_freeplan(*plans[i]);
		*plans[i] = NULL;
	}
}

const StoreStats *
store_stats(void)
{
	return &stats;
}
