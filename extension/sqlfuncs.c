/*-------------------------------------------------------------------------
 *
 * sqlfuncs.c
 *	  SQL-callable C functions of dht_indexer.
 *
 * Thin wrappers: text normalization for search, info hash and magnet
 * parsing with proper SQLSTATEs, magnet URI building, and the control
 * functions (stats, pause, resume, resolve, resolve_status) that talk to
 * the worker through shared memory.  All parsing itself is done by the core.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "lib/stringinfo.h"
#include "fmgr.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "candidates.h"
#include "infohash.h"
#include "magnet.h"
#include "shmem.h"
#include "textnorm.h"

/* Sentences from the core parsers are at most this long. */
#define PARSE_ERR_LEN 256
/* At most this many bytes of a bad input are quoted in an error message. */
#define ERROR_QUOTE_BYTES 100
/* Columns of stats() before the counters. */
#define STATS_FIXED_COLUMNS 4

PG_FUNCTION_INFO_V1(dht_normalize_name);
PG_FUNCTION_INFO_V1(dht_normalize_query);
PG_FUNCTION_INFO_V1(dht_info_hash_text);
PG_FUNCTION_INFO_V1(dht_info_hash_bytea);
PG_FUNCTION_INFO_V1(dht_magnet_uri);
PG_FUNCTION_INFO_V1(dht_resolve);
PG_FUNCTION_INFO_V1(dht_stats);
PG_FUNCTION_INFO_V1(dht_pause);
PG_FUNCTION_INFO_V1(dht_resume);
PG_FUNCTION_INFO_V1(dht_recent_hashes);
PG_FUNCTION_INFO_V1(dht_resolve_status);

static bytea *
bytea_from(const uint8 *bytes, size_t len)
{
	bytea	   *b = palloc(VARHDRSZ + len);

	SET_VARSIZE(b, VARHDRSZ + len);
	memcpy(VARDATA(b), bytes, len);
	return b;
}

Datum
dht_normalize_name(PG_FUNCTION_ARGS)
{
	text	   *in = PG_GETARG_TEXT_PP(0);
	size_t		len = VARSIZE_ANY_EXHDR(in);
	char	   *out = palloc(len + 1);
	size_t		outlen = textnorm_name(VARDATA_ANY(in), len, out, len + 1);

	PG_RETURN_TEXT_P(cstring_to_text_with_len(out, outlen));
}

Datum
dht_normalize_query(PG_FUNCTION_ARGS)
{
	text	   *in = PG_GETARG_TEXT_PP(0);
	size_t		len = VARSIZE_ANY_EXHDR(in);
	size_t		cap = 2 * len + 16;
	char	   *out = palloc(cap);
	size_t		outlen;

	if (textnorm_query(VARDATA_ANY(in), len, out, cap, &outlen) != 0)
		elog(ERROR, "query normalization overflowed its buffer");
	PG_RETURN_TEXT_P(cstring_to_text_with_len(out, outlen));
}

/* Strip leading and trailing ASCII white space from a pasted value. */
static void
trim_span(const char **s, size_t *len)
{
	while (*len > 0 && isspace((unsigned char) (*s)[0]))
	{
		(*s)++;
		(*len)--;
	}
	while (*len > 0 && isspace((unsigned char) (*s)[*len - 1]))
		(*len)--;
}

static bool
is_magnet(const char *s, size_t len)
{
	return len >= 7 && pg_strncasecmp(s, "magnet:", 7) == 0;
}

/*
 * Parse a magnet link into the 20-byte hash the index is keyed by: the
 * btih when present, else the truncated btmh (v2-only torrents).
 */
static void
hash_from_magnet(const char *s, size_t len, uint8 *out)
{
	struct magnet_link *link = palloc(sizeof(struct magnet_link));
	char		err[PARSE_ERR_LEN];

	if (magnet_parse(s, len, link, err, sizeof(err)) != MAGNET_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid magnet link"),
				 errdetail("%s", err)));
	if (link->has_v1)
		memcpy(out, link->v1, INFOHASH_V1_LEN);
	else
		memcpy(out, link->v2, INFOHASH_V1_LEN);
	pfree(link);
}

/* 40 hex, 32 base32, 64 hex (v2, truncated) or a magnet link. */
static void
hash_from_text(const char *s, size_t len, uint8 *out)
{
	char		err[PARSE_ERR_LEN];
	uint8		v2[INFOHASH_V2_LEN];
	int			rc;

	trim_span(&s, &len);
	if (is_magnet(s, len))
	{
		hash_from_magnet(s, len, out);
		return;
	}
	if (len == 32)
		rc = infohash_from_base32(s, len, out, err, sizeof(err));
	else if (len == 64)
	{
		rc = infohash_v2_from_hex(s, len, v2, err, sizeof(err));
		memcpy(out, v2, INFOHASH_V1_LEN);
	}
	else
		rc = infohash_from_hex(s, len, out, err, sizeof(err));
	if (rc != INFOHASH_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid info hash: \"%.*s\"",
						pg_mbcliplen(s, (int) len, ERROR_QUOTE_BYTES), s),
				 errdetail("%s", err),
				 errhint("Give 40 hexadecimal digits, a 32-character base32 hash, a 64-digit v2 hash or a magnet link.")));
}

Datum
dht_info_hash_text(PG_FUNCTION_ARGS)
{
	text	   *in = PG_GETARG_TEXT_PP(0);
	uint8		hash[INFOHASH_V1_LEN];

	hash_from_text(VARDATA_ANY(in), VARSIZE_ANY_EXHDR(in), hash);
	PG_RETURN_BYTEA_P(bytea_from(hash, sizeof(hash)));
}

/* A 20-byte hash as is; a 32-byte v2 hash truncated to the index key. */
Datum
dht_info_hash_bytea(PG_FUNCTION_ARGS)
{
	bytea	   *in = PG_GETARG_BYTEA_PP(0);
	size_t		len = VARSIZE_ANY_EXHDR(in);

	if (len != INFOHASH_V1_LEN && len != INFOHASH_V2_LEN)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("info hash must be 20 bytes (or a 32-byte v2 hash), got %zu bytes",
						len)));
	PG_RETURN_BYTEA_P(bytea_from((const uint8 *) VARDATA_ANY(in), INFOHASH_V1_LEN));
}

/* Fixed-length bytea argument or NULL; errors on a wrong length. */
static const uint8 *
hash_arg(FunctionCallInfo fcinfo, int argno, size_t want)
{
	bytea	   *b;

	if (PG_ARGISNULL(argno))
		return NULL;
	b = PG_GETARG_BYTEA_PP(argno);
	if (VARSIZE_ANY_EXHDR(b) != want)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("hash must be %zu bytes, got %zu bytes",
						want, (size_t) VARSIZE_ANY_EXHDR(b))));
	return (const uint8 *) VARDATA_ANY(b);
}

/* magnet_uri(v1 bytea, v2 bytea, name text): either hash may be NULL. */
Datum
dht_magnet_uri(PG_FUNCTION_ARGS)
{
	const uint8 *v1 = hash_arg(fcinfo, 0, INFOHASH_V1_LEN);
	const uint8 *v2 = hash_arg(fcinfo, 1, INFOHASH_V2_LEN);
	text	   *name = PG_ARGISNULL(2) ? NULL : PG_GETARG_TEXT_PP(2);
	size_t		namelen = name ? VARSIZE_ANY_EXHDR(name) : 0;
	size_t		cap = 200 + 3 * namelen;
	char	   *out = palloc(cap);
	size_t		outlen;

	if (v1 == NULL && v2 == NULL)
		PG_RETURN_NULL();
	if (magnet_build(v1, v2, name ? VARDATA_ANY(name) : NULL, namelen,
					 out, cap, &outlen) != MAGNET_OK)
		elog(ERROR, "magnet link did not fit its buffer");
	PG_RETURN_TEXT_P(cstring_to_text_with_len(out, outlen));
}

Datum
dht_resolve(PG_FUNCTION_ARGS)
{
	text	   *in = PG_GETARG_TEXT_PP(0);
	uint8		hash[INFOHASH_V1_LEN];

	hash_from_text(VARDATA_ANY(in), VARSIZE_ANY_EXHDR(in), hash);
	if (!dht_resolve_request(hash))
		ereport(ERROR,
				(errcode(ERRCODE_CONFIGURATION_LIMIT_EXCEEDED),
				 errmsg("dht_indexer resolve queue is full"),
				 errdetail("At most %d requests can wait for the worker.",
						   DHT_RESOLVE_RING_SIZE),
				 errhint("Check that the worker is running with dht_indexer.stats(), then retry.")));
	dht_wake_worker();
	PG_RETURN_BYTEA_P(bytea_from(hash, sizeof(hash)));
}

Datum
dht_stats(PG_FUNCTION_ARGS)
{
	TupleDesc	tupdesc;
	Datum		values[STATS_FIXED_COLUMNS + DHT_NUM_COUNTERS];
	bool		nulls[STATS_FIXED_COLUMNS + DHT_NUM_COUNTERS];
	pid_t		pid;
	TimestampTz started;
	DhtWorkerState state;
	int			i;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	if (tupdesc->natts != STATS_FIXED_COLUMNS + DHT_NUM_COUNTERS)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("dht_indexer.stats() does not match the loaded library"),
				 errhint("Run ALTER EXTENSION dht_indexer UPDATE.")));

	memset(nulls, 0, sizeof(nulls));
	state = dht_worker_get_state(&pid, &started);
	values[0] = CStringGetTextDatum(dht_worker_state_name(state));
	values[1] = Int32GetDatum((int32) pid);
	nulls[1] = (pid == 0);
	values[2] = TimestampTzGetDatum(started);
	nulls[2] = (pid == 0);
	values[3] = BoolGetDatum(dht_is_paused());
	for (i = 0; i < DHT_NUM_COUNTERS; i++)
		values[STATS_FIXED_COLUMNS + i] = Int64GetDatum((int64) dht_counter_get(i));
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

Datum
dht_pause(PG_FUNCTION_ARGS)
{
	dht_set_paused(true);
	PG_RETURN_VOID();
}

Datum
dht_resume(PG_FUNCTION_ARGS)
{
	dht_set_paused(false);
	PG_RETURN_VOID();
}

/* "get_peers,announce,..." for the CANDIDATE_* bits. */
static char *
sources_text(uint8 bits)
{
	static const struct
	{
		uint8		bit;
		const char *name;
	}			names[] = {
		{CANDIDATE_GET_PEERS, "get_peers"},
		{CANDIDATE_ANNOUNCE, "announce"},
		{CANDIDATE_SAMPLE, "sample"},
		{CANDIDATE_LOOKUP, "lookup"},
		{CANDIDATE_RESOLVE, "resolve"},
	};
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	for (i = 0; i < (int) lengthof(names); i++)
		if (bits & names[i].bit)
			appendStringInfo(&buf, "%s%s", buf.len > 0 ? "," : "", names[i].name);
	return buf.data;
}

Datum
dht_recent_hashes(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	DhtRecentHash recent[DHT_RECENT_HASHES];
	int			n = dht_recent_read(recent, DHT_RECENT_HASHES);
	int			i;

	InitMaterializedSRF(fcinfo, 0);
	for (i = 0; i < n; i++)
	{
		Datum		values[5];
		bool		nulls[5] = {false, false, false, false, false};

		values[0] = PointerGetDatum(bytea_from(recent[i].hash, DHT_HASH_LEN));
		values[1] = TimestampTzGetDatum(recent[i].first_seen);
		values[2] = Int64GetDatum((int64) recent[i].seen);
		values[3] = Int32GetDatum((int32) recent[i].npeers);
		values[4] = CStringGetTextDatum(sources_text(recent[i].sources));
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

Datum
dht_resolve_status(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	DhtResolveEntry *entries = palloc(sizeof(DhtResolveEntry) *
									  DHT_RESOLVE_STATUS_SIZE);
	int			n = dht_resolve_status_read(entries, DHT_RESOLVE_STATUS_SIZE);
	int			i;

	InitMaterializedSRF(fcinfo, 0);
	for (i = 0; i < n; i++)
	{
		const DhtResolveEntry *e = &entries[i];
		const char *error = dht_resolve_error_name(e->error);
		Datum		values[7];
		bool		nulls[7] = {false, false, false, false, false, false, false};

		values[0] = PointerGetDatum(bytea_from(e->hash, DHT_HASH_LEN));
		values[1] = CStringGetTextDatum(dht_resolve_state_name(e->state));
		values[2] = TimestampTzGetDatum(e->requested_at);
		values[3] = TimestampTzGetDatum(e->updated_at);
		values[4] = Int32GetDatum((int32) e->attempts);
		values[5] = Int32GetDatum((int32) e->lookups);
		values[6] = error ? CStringGetTextDatum(error) : (Datum) 0;
		nulls[6] = (error == NULL);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	pfree(entries);
	return (Datum) 0;
}
