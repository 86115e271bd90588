/* test/modules/test_store/test_store--1.0.sql */
\echo Use "CREATE EXTENSION test_store" to load this file. \quit

-- Counters of the last run, written by the background worker.
CREATE TABLE test_store_results (key text PRIMARY KEY, value bigint NOT NULL);
-- Hashes to classify (mode 'classify'), in order; statuses come back here.
CREATE TABLE test_store_hashes (ord int PRIMARY KEY, hash bytea NOT NULL, status int);

-- Insert ntorrents generated torrents (deterministic from seed) through
-- the store from a background worker; returns when the worker has exited.
CREATE FUNCTION test_store_insert(ntorrents int, files_per_torrent int, seed int,
                                  batch int DEFAULT 100,
                                  max_attempts int DEFAULT 3,
                                  backoff_ms int DEFAULT 50,
                                  duplicates bool DEFAULT false)
    RETURNS void AS 'MODULE_PATHNAME', 'test_store_insert' LANGUAGE C STRICT;

-- Classify test_store_hashes through store_classify().
CREATE FUNCTION test_store_classify() RETURNS void
    AS 'MODULE_PATHNAME', 'test_store_classify' LANGUAGE C STRICT;

-- The hash test_store_insert gives torrent i of a seed (and its v2 hash).
CREATE FUNCTION test_store_hash(seed int, i int) RETURNS bytea
    AS 'MODULE_PATHNAME', 'test_store_hash' LANGUAGE C STRICT;
CREATE FUNCTION test_store_hash_v2(seed int, i int) RETURNS bytea
    AS 'MODULE_PATHNAME', 'test_store_hash_v2' LANGUAGE C STRICT;

-- Ingest benchmark (bench/run_ingest_bench.sh).  Generate ntorrents
-- synthetic torrents of seed (bench_torrents.c), then store them from a
-- background worker exactly as the crawler does (store_add, flush per
-- batch; batch 0 = the worker's batch size) and time only the store:
-- test_store_results gets elapsed_us, cpu_us, files, batch and the
-- store's counters.
CREATE FUNCTION test_store_bench(ntorrents int, seed int, batch int DEFAULT 0)
    RETURNS void AS 'MODULE_PATHNAME', 'test_store_bench' LANGUAGE C STRICT;

-- The same torrents as rows, for COPY.
CREATE FUNCTION test_store_bench_rows(ntorrents int, seed int)
    RETURNS TABLE (info_hash bytea, info_hash_v2 bytea, name text,
                   total_size bigint, file_count int, paths text[], sizes bigint[])
    AS 'MODULE_PATHNAME', 'test_store_bench_rows' LANGUAGE C STRICT;
