/*-------------------------------------------------------------------------
 *
 * test_store.c
 *	  Drive dht_indexer's store from a dynamic background worker.
 *
 * SQL functions launch a background worker (so the store runs outside any
 * client transaction, with its own transaction bracket, exactly as in the
 * crawler) and wait for it to exit.  The worker generates deterministic
 * torrents, feeds them to store_add/store_flush (retrying per the store's
 * backoff), or classifies hashes with store_classify, then writes the
 * store's counters to test_store_results for the TAP test to check.
 *
 * The ingest benchmark (bench/run_ingest_bench.sh) uses the same worker:
 * test_store_bench() generates its torrents (bench_torrents.c) first and
 * then times only the store's work, store_add/store_flush in the worker's
 * batch size; test_store_bench_rows() returns the same torrents as rows
 * for COPY.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <sys/resource.h>

#include "access/xact.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "storage/latch.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "bench_torrents.h"
#include "store.h"

PG_MODULE_MAGIC;

PG_FUNCTION_INFO_V1(test_store_insert);
PG_FUNCTION_INFO_V1(test_store_classify);
PG_FUNCTION_INFO_V1(test_store_hash);
PG_FUNCTION_INFO_V1(test_store_hash_v2);
PG_FUNCTION_INFO_V1(test_store_bench);
PG_FUNCTION_INFO_V1(test_store_bench_rows);

PGDLLEXPORT void test_store_main(Datum arg);

#define MODE_INSERT 1
#define MODE_CLASSIFY 2
#define MODE_BENCH 3
#define MAX_CLASSIFY 1000

typedef struct TestStoreArgs
{
	Oid			dboid;
	Oid			useroid;
	int32		mode;
	int32		ntorrents;
	int32		files_per;
	int32		seed;
	int32		batch;
	int32		max_attempts;
	int32		backoff_ms;
	int32		duplicates;
} TestStoreArgs;

StaticAssertDecl(sizeof(TestStoreArgs) <= BGW_EXTRALEN, "bgw_extra too small");

static uint64
mix(uint64 x)
{
	x += UINT64CONST(0x9E3779B97F4A7C15);
	x = (x ^ (x >> 30)) * UINT64CONST(0xBF58476D1CE4E5B9);
	x = (x ^ (x >> 27)) * UINT64CONST(0x94D049BB133111EB);
	return x ^ (x >> 31);
}

/* Deterministic pseudo-random bytes for torrent i of a seed. */
static void
fill_hash(int seed, int i, int salt, uint8 *out, int len)
{
	int			k;

	for (k = 0; k < len; k++)
		out[k] = (uint8) (mix(((uint64) seed << 40) ^ ((uint64) i << 8) ^
							  (uint64) (salt * 64 + k / 8)) >> (8 * (k % 8)));
}

static bool
has_v2(int i)
{
	return i % 3 == 0;
}

/* Flush whatever is left, honouring the backoff between attempts. */
static void
flush_all(const TestStoreArgs *a)
{
	StoreFlushResult r = store_flush();

	while (r == STORE_FLUSH_RETRY_LATER)
	{
		pg_usleep(1000L * a->backoff_ms);
		if (GetCurrentTimestamp() >= store_next_attempt())
			r = store_flush();
	}
}

static void
run_insert(const TestStoreArgs *a)
{
	char	  **paths = palloc(sizeof(char *) * Max(a->files_per, 1));
	int64	   *sizes = palloc(sizeof(int64) * Max(a->files_per, 1));
	int			i,
				j,
				copy;

	for (i = 0; i < a->ntorrents; i++)
	{
		StoreTorrent t;

		memset(&t, 0, sizeof(t));
		fill_hash(a->seed, i, 1, t.info_hash, STORE_HASH_LEN);
		t.has_v2 = has_v2(i);
		if (t.has_v2)
			fill_hash(a->seed, i, 2, t.info_hash_v2, STORE_HASH_V2_LEN);
		t.name = psprintf("Test.Torrent.%d.%d.Ünïcödé [1080p]", a->seed, i);
		t.total_size = 0;
		for (j = 0; j < a->files_per; j++)
		{
			paths[j] = psprintf("dir %d/file %d.bin", i, j);
			sizes[j] = (int64) j * 1000 + i;
			t.total_size += sizes[j];
		}
		t.file_count = a->files_per;
		t.nfiles = a->files_per;
		t.paths = (const char *const *) paths;
		t.sizes = sizes;
		for (copy = 0; copy < (a->duplicates ? 2 : 1); copy++)
		{
			while (!store_add(&t))
				flush_all(a);
			if (store_batch_full())
				flush_all(a);
		}
	}
}

/* Run SQL in its own transaction (test plumbing, not the store). */
static void
exec_sql(const char *sql, int nargs, Oid *types, Datum *values)
{
	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	SPI_connect();
	PushActiveSnapshot(GetTransactionSnapshot());
	if (SPI_execute_with_args(sql, nargs, types, values, NULL, false, 0) < 0)
		elog(ERROR, "test_store: \"%s\" failed", sql);
	SPI_finish();
	PopActiveSnapshot();
	CommitTransactionCommand();
}

static void
put_result(const char *key, uint64 value)
{
	Oid			types[2] = {TEXTOID, INT8OID};
	Datum		values[2] = {CStringGetTextDatum(key), Int64GetDatum((int64) value)};

	exec_sql("INSERT INTO test_store_results VALUES ($1, $2) "
			 "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
			 2, types, values);
}

static void
write_results(void)
{
	const StoreStats *s = store_stats();

	exec_sql("DELETE FROM test_store_results", 0, NULL, NULL);
	put_result("flushes", s->flushes);
	put_result("flush_errors", s->flush_errors);
	put_result("batches_dropped", s->batches_dropped);
	put_result("rows_dropped", s->rows_dropped);
	put_result("torrents_inserted", s->torrents_inserted);
	put_result("pending", store_pending());
}

/* CPU time (user + system) of this process so far, in microseconds. */
static uint64
cpu_us(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (uint64) (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000 +
		(uint64) (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

/*
 * The ingest benchmark: generate the torrents of a->seed first (not
 * timed), then feed them to the store as the crawler's worker does
 * (store_add, store_flush whenever store_batch_full(), the rest at the
 * end) and time only that: elapsed and CPU microseconds go to
 * test_store_results with the store's counters.
 */
static void
run_bench(const TestStoreArgs *a)
{
	MemoryContext gen = AllocSetContextCreate(TopMemoryContext,
											  "test_store bench torrents",
											  ALLOCSET_DEFAULT_SIZES);
	MemoryContext old = MemoryContextSwitchTo(gen);
	StoreTorrent *ts = MemoryContextAllocHuge(gen, sizeof(StoreTorrent) *
											  Max(a->ntorrents, 1));
	uint64		files = 0,
				cpu0;			/* CPU at the start, then CPU used */
	TimestampTz t0,
				t1;
	int			i;

	for (i = 0; i < a->ntorrents; i++)
	{
		bench_torrent(a->seed, i, &ts[i]);
		files += ts[i].nfiles;
	}
	MemoryContextSwitchTo(old);
	cpu0 = cpu_us();
	t0 = GetCurrentTimestamp();
	for (i = 0; i < a->ntorrents; i++)
	{
		while (!store_add(&ts[i]))
			flush_all(a);
		if (store_batch_full())
			flush_all(a);
	}
	flush_all(a);
	t1 = GetCurrentTimestamp();
	cpu0 = cpu_us() - cpu0;
	MemoryContextDelete(gen);
	write_results();
	put_result("cpu_us", cpu0);
	put_result("elapsed_us", (uint64) (t1 - t0));
	put_result("files", files);
	put_result("batch", (uint64) a->batch);
}

/* Read test_store_hashes, classify them through the store, write back. */
static void
run_classify(void)
{
	uint8		(*hashes)[STORE_HASH_LEN] = palloc(sizeof(*hashes) * MAX_CLASSIFY);
	StoreHashStatus *status = palloc(sizeof(StoreHashStatus) * MAX_CLASSIFY);
	int			n = 0,
				i;

	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	SPI_connect();
	PushActiveSnapshot(GetTransactionSnapshot());
	SPI_execute("SELECT hash FROM test_store_hashes ORDER BY ord", true, MAX_CLASSIFY);
	for (n = 0; n < (int) SPI_processed; n++)
	{
		bool		isnull;
		bytea	   *b = DatumGetByteaPP(SPI_getbinval(SPI_tuptable->vals[n],
													  SPI_tuptable->tupdesc, 1, &isnull));

		memcpy(hashes[n], VARDATA_ANY(b), STORE_HASH_LEN);
	}
	SPI_finish();
	PopActiveSnapshot();
	CommitTransactionCommand();

	if (!store_classify((const uint8 (*)[STORE_HASH_LEN]) hashes, n, status))
		elog(ERROR, "test_store: store_classify failed");
	for (i = 0; i < n; i++)
	{
		Oid			types[2] = {INT4OID, INT4OID};
		Datum		values[2] = {Int32GetDatum((int32) status[i]), Int32GetDatum(i)};

		exec_sql("UPDATE test_store_hashes SET status = $1 WHERE ord = "
				 "(SELECT ord FROM test_store_hashes ORDER BY ord OFFSET $2 LIMIT 1)",
				 2, types, values);
	}
}

void
test_store_main(Datum arg)
{
	TestStoreArgs a;
	StoreConfig cfg = store_default_config;

	memcpy(&a, MyBgworkerEntry->bgw_extra, sizeof(a));
	BackgroundWorkerUnblockSignals();
	BackgroundWorkerInitializeConnectionByOid(a.dboid, a.useroid, 0);
	cfg.batch_torrents = a.batch;
	cfg.max_attempts = a.max_attempts;
	cfg.backoff_ms = a.backoff_ms;
	store_init(&cfg);
	if (a.mode == MODE_INSERT)
	{
		run_insert(&a);
		flush_all(&a);
		write_results();
	}
	else if (a.mode == MODE_BENCH)
		run_bench(&a);
	else
		run_classify();
}

/* Start the worker and wait for it to exit. */
static void
run_worker(const TestStoreArgs *a)
{
	BackgroundWorker worker;
	BackgroundWorkerHandle *handle;
	pid_t		pid;

	memset(&worker, 0, sizeof(worker));
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
	worker.bgw_restart_time = BGW_NEVER_RESTART;
	snprintf(worker.bgw_library_name, BGW_MAXLEN, "test_store");
	snprintf(worker.bgw_function_name, BGW_MAXLEN, "test_store_main");
	snprintf(worker.bgw_name, BGW_MAXLEN, "test_store worker");
	snprintf(worker.bgw_type, BGW_MAXLEN, "test_store");
	memcpy(worker.bgw_extra, a, sizeof(*a));
	worker.bgw_notify_pid = MyProcPid;
	if (!RegisterDynamicBackgroundWorker(&worker, &handle))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_RESOURCES),
				 errmsg("could not register test_store worker")));
	if (WaitForBackgroundWorkerStartup(handle, &pid) != BGWH_STARTED)
		elog(ERROR, "test_store worker did not start");
	if (WaitForBackgroundWorkerShutdown(handle) != BGWH_STOPPED)
		elog(ERROR, "test_store worker did not stop");
}

static TestStoreArgs
base_args(int mode)
{
	TestStoreArgs a;

	memset(&a, 0, sizeof(a));
	a.dboid = MyDatabaseId;
	a.useroid = GetUserId();
	a.mode = mode;
	a.batch = 100;
	a.max_attempts = 3;
	a.backoff_ms = 50;
	return a;
}

Datum
test_store_insert(PG_FUNCTION_ARGS)
{
	TestStoreArgs a = base_args(MODE_INSERT);

	a.ntorrents = PG_GETARG_INT32(0);
	a.files_per = PG_GETARG_INT32(1);
	a.seed = PG_GETARG_INT32(2);
	a.batch = PG_GETARG_INT32(3);
	a.max_attempts = PG_GETARG_INT32(4);
	a.backoff_ms = PG_GETARG_INT32(5);
	a.duplicates = PG_GETARG_BOOL(6);
	if (a.batch < 1 || a.max_attempts < 1 || a.backoff_ms < 1)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("batch, max_attempts and backoff_ms must be positive")));
	run_worker(&a);
	PG_RETURN_VOID();
}

Datum
test_store_classify(PG_FUNCTION_ARGS)
{
	TestStoreArgs a = base_args(MODE_CLASSIFY);

	run_worker(&a);
	PG_RETURN_VOID();
}

/*
 * test_store_bench(ntorrents, seed, batch): the ingest benchmark's store
 * side (run_bench); batch 0 means the worker's (store_default_config),
 * and so do the retry limits.
 */
Datum
test_store_bench(PG_FUNCTION_ARGS)
{
	TestStoreArgs a = base_args(MODE_BENCH);

	a.ntorrents = PG_GETARG_INT32(0);
	a.seed = PG_GETARG_INT32(1);
	a.batch = PG_GETARG_INT32(2);
	if (a.batch == 0)
		a.batch = store_default_config.batch_torrents;
	a.max_attempts = store_default_config.max_attempts;
	a.backoff_ms = store_default_config.backoff_ms;
	if (a.ntorrents < 0 || a.batch < 1)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("ntorrents must not be negative, nor batch")));
	run_worker(&a);
	PG_RETURN_VOID();
}

static Datum
bytes_datum(const uint8 *bytes, int len)
{
	bytea	   *b = palloc(VARHDRSZ + len);

	SET_VARSIZE(b, VARHDRSZ + len);
	memcpy(VARDATA(b), bytes, len);
	return PointerGetDatum(b);
}

/* The row of one benchmark torrent, as the store writes it. */
static void
bench_row(const StoreTorrent *t, Datum *values, bool *nulls)
{
	Datum	   *paths = palloc(sizeof(Datum) * Max(t->nfiles, 1));
	Datum	   *sizes = palloc(sizeof(Datum) * Max(t->nfiles, 1));
	int			j;

	for (j = 0; j < t->nfiles; j++)
	{
		paths[j] = CStringGetTextDatum(t->paths[j]);
		sizes[j] = Int64GetDatum(t->sizes[j]);
	}
	memset(nulls, 0, sizeof(bool) * 7);
	values[0] = bytes_datum(t->info_hash, STORE_HASH_LEN);
	nulls[1] = !t->has_v2;
	values[1] = t->has_v2 ? bytes_datum(t->info_hash_v2, STORE_HASH_V2_LEN) : (Datum) 0;
	values[2] = CStringGetTextDatum(t->name);
	values[3] = Int64GetDatum(t->total_size);
	values[4] = Int32GetDatum(t->file_count);
	values[5] = PointerGetDatum(construct_array(paths, t->nfiles, TEXTOID, -1,
												false, TYPALIGN_INT));
	values[6] = PointerGetDatum(construct_array(sizes, t->nfiles, INT8OID, 8,
												FLOAT8PASSBYVAL,
												TYPALIGN_DOUBLE));
}

/*
 * test_store_bench_rows(ntorrents, seed): the torrents test_store_bench()
 * stores, as rows (the benchmark writes them out for COPY).
 */
Datum
test_store_bench_rows(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int32		n = PG_GETARG_INT32(0);
	int32		seed = PG_GETARG_INT32(1);
	MemoryContext row_context,
				old;
	int			i;

	InitMaterializedSRF(fcinfo, 0);
	row_context = AllocSetContextCreate(CurrentMemoryContext,
										"test_store bench row",
										ALLOCSET_DEFAULT_SIZES);
	for (i = 0; i < n; i++)
	{
		StoreTorrent t;
		Datum		values[7];
		bool		nulls[7];

		CHECK_FOR_INTERRUPTS();
		old = MemoryContextSwitchTo(row_context);
		bench_torrent(seed, i, &t);
		bench_row(&t, values, nulls);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		MemoryContextSwitchTo(old);
		MemoryContextReset(row_context);
	}
	MemoryContextDelete(row_context);
	return (Datum) 0;
}

static Datum
hash_datum(int seed, int i, int salt, int len)
{
	bytea	   *b = palloc(VARHDRSZ + len);

	SET_VARSIZE(b, VARHDRSZ + len);
	fill_hash(seed, i, salt, (uint8 *) VARDATA(b), len);
	return PointerGetDatum(b);
}

Datum
test_store_hash(PG_FUNCTION_ARGS)
{
	return hash_datum(PG_GETARG_INT32(0), PG_GETARG_INT32(1), 1, STORE_HASH_LEN);
}

Datum
test_store_hash_v2(PG_FUNCTION_ARGS)
{
	if (!has_v2(PG_GETARG_INT32(1)))
		PG_RETURN_NULL();
	return hash_datum(PG_GETARG_INT32(0), PG_GETARG_INT32(1), 2, STORE_HASH_V2_LEN);
}
