/* extension/dht_indexer--0.1.sql */

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION dht_indexer CASCADE" to load this file. \quit

CREATE SCHEMA dht_indexer;

-- ---------------------------------------------------------------------------
-- Search configuration: the 'simple' parser and dictionary (no stemming of
-- release names) with accents folded, so that "amelie" finds "Amélie".
-- ---------------------------------------------------------------------------
CREATE TEXT SEARCH CONFIGURATION dht_indexer.names (COPY = pg_catalog.simple);
ALTER TEXT SEARCH CONFIGURATION dht_indexer.names
    ALTER MAPPING FOR asciiword, word, numword, asciihword, hword, numhword,
                      hword_asciipart, hword_part, hword_numpart
    WITH unaccent, simple;

-- Names with separators turned into spaces: Ubuntu.22.04 -> Ubuntu 22 04.
CREATE FUNCTION dht_indexer.normalize_name(name text) RETURNS text
    AS 'MODULE_PATHNAME', 'dht_normalize_name'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

-- A websearch query rewritten to match normalized names (22.04 -> "22 04").
CREATE FUNCTION dht_indexer.normalize_query(query text) RETURNS text
    AS 'MODULE_PATHNAME', 'dht_normalize_query'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION dht_indexer.search_query(query text) RETURNS tsquery
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN pg_catalog.websearch_to_tsquery('dht_indexer.names'::pg_catalog.regconfig,
                                           dht_indexer.normalize_query(query));

-- ---------------------------------------------------------------------------
-- Info hashes: 20 bytes everywhere (v1 SHA-1, or a v2 SHA-256 truncated).
-- ---------------------------------------------------------------------------
CREATE FUNCTION dht_indexer.info_hash(hash_or_magnet text) RETURNS bytea
    AS 'MODULE_PATHNAME', 'dht_info_hash_text'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION dht_indexer.info_hash(hash bytea) RETURNS bytea
    AS 'MODULE_PATHNAME', 'dht_info_hash_bytea'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION dht_indexer.magnet_uri(v1 bytea, v2 bytea, name text) RETURNS text
    AS 'MODULE_PATHNAME', 'dht_magnet_uri'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;

-- ---------------------------------------------------------------------------
-- Tables
-- ---------------------------------------------------------------------------
CREATE TABLE dht_indexer.torrents (
    info_hash     bytea PRIMARY KEY
                  CHECK (octet_length(info_hash) = 20),
    info_hash_v2  bytea UNIQUE
                  CHECK (octet_length(info_hash_v2) = 32),
    name          text NOT NULL,
    total_size    bigint NOT NULL CHECK (total_size >= 0),
    file_count    integer NOT NULL CHECK (file_count >= 0),
    discovered_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    -- Popularity: get_peers and announce_peer queries for either hash that
    -- the crawler's nodes received, added every few seconds by the worker.
    seen_count    bigint NOT NULL DEFAULT 0 CHECK (seen_count >= 0),
    last_seen     timestamptz,
    search_vector tsvector NOT NULL GENERATED ALWAYS AS
        (pg_catalog.to_tsvector('dht_indexer.names'::pg_catalog.regconfig,
                                dht_indexer.normalize_name(name))) STORED
)
-- Room on each page for the popularity updates to stay HOT (no new entries
-- in the search indexes); no index covers seen_count or last_seen.
WITH (fillfactor = 90);
COMMENT ON TABLE dht_indexer.torrents IS
    'One row per torrent whose metadata was fetched and verified';
COMMENT ON COLUMN dht_indexer.torrents.seen_count IS
    'get_peers and announce_peer queries for this torrent (either hash) heard by the crawler';
COMMENT ON COLUMN dht_indexer.torrents.last_seen IS
    'When the crawler last heard such a query (NULL: never)';
CREATE INDEX torrents_search_idx ON dht_indexer.torrents USING gin (search_vector);
CREATE INDEX torrents_name_trgm_idx ON dht_indexer.torrents USING gin (name gin_trgm_ops);
-- A hybrid torrent is keyed by its v1 hash; this finds it by its v2 hash.
CREATE INDEX torrents_v2_prefix_idx ON dht_indexer.torrents ((substr(info_hash_v2, 1, 20)));

-- Files of a torrent, in order, as two parallel arrays: one row per torrent
-- keeps torrents with thousands of files compact (TOAST-compressed).
CREATE TABLE dht_indexer.files (
    info_hash bytea PRIMARY KEY
              REFERENCES dht_indexer.torrents ON DELETE CASCADE,
    paths     text[] NOT NULL,
    sizes     bigint[] NOT NULL,
    CHECK (cardinality(paths) = cardinality(sizes))
);
COMMENT ON TABLE dht_indexer.files IS
    'File paths (''/''-joined) and sizes of each torrent; see dht_indexer.files(hash)';

CREATE TABLE dht_indexer.blocklist (
    info_hash bytea PRIMARY KEY CHECK (octet_length(info_hash) = 20),
    reason    text NOT NULL DEFAULT '',
    added_at  timestamptz NOT NULL DEFAULT pg_catalog.now()
);
COMMENT ON TABLE dht_indexer.blocklist IS
    'Hashes that are never fetched and never stored';

-- Good DHT nodes saved by the worker (every 10 minutes and when it stops
-- crawling) and used to bootstrap before dht_indexer.bootstrap_nodes.
CREATE TABLE dht_indexer.nodes (
    address  inet NOT NULL,
    port     integer NOT NULL CHECK (port BETWEEN 1 AND 65535),
    id       bytea NOT NULL CHECK (octet_length(id) = 20),
    saved_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    PRIMARY KEY (address, port)
);

-- pg_dump includes the index itself, not only its definition.
SELECT pg_catalog.pg_extension_config_dump('dht_indexer.torrents', '');
SELECT pg_catalog.pg_extension_config_dump('dht_indexer.files', '');
SELECT pg_catalog.pg_extension_config_dump('dht_indexer.blocklist', '');

-- ---------------------------------------------------------------------------
-- Reading the index
-- ---------------------------------------------------------------------------

-- The torrent stored under a hash (its v1 hash, or either hash of a hybrid).
CREATE FUNCTION dht_indexer.torrent(hash bytea)
    RETURNS SETOF dht_indexer.torrents
    LANGUAGE sql STABLE STRICT PARALLEL SAFE
BEGIN ATOMIC
    SELECT t.* FROM dht_indexer.torrents t
     WHERE t.info_hash = dht_indexer.info_hash(hash)
        OR substr(t.info_hash_v2, 1, 20) = dht_indexer.info_hash(hash)
     ORDER BY t.info_hash = dht_indexer.info_hash(hash) DESC
     LIMIT 1;
END;

CREATE FUNCTION dht_indexer.torrent(hash text)
    RETURNS SETOF dht_indexer.torrents
    LANGUAGE sql STABLE STRICT PARALLEL SAFE
    RETURN dht_indexer.torrent(dht_indexer.info_hash(hash));

CREATE FUNCTION dht_indexer.files(hash bytea)
    RETURNS TABLE (path text, size bigint)
    LANGUAGE sql STABLE STRICT PARALLEL SAFE
BEGIN ATOMIC
    SELECT f.path, f.size
      FROM dht_indexer.torrent(hash) t
      JOIN dht_indexer.files fl ON fl.info_hash = t.info_hash,
           unnest(fl.paths, fl.sizes) WITH ORDINALITY AS f(path, size, ord)
     ORDER BY f.ord;
END;

CREATE FUNCTION dht_indexer.files(hash text)
    RETURNS TABLE (path text, size bigint)
    LANGUAGE sql STABLE STRICT PARALLEL SAFE
BEGIN ATOMIC
    SELECT f.path, f.size FROM dht_indexer.files(dht_indexer.info_hash(hash)) f;
END;

-- Magnet URI of an indexed torrent: btih for v1/hybrid, btmh for v2/hybrid.
CREATE FUNCTION dht_indexer.magnet(hash bytea) RETURNS text
    LANGUAGE sql STABLE STRICT PARALLEL SAFE
BEGIN ATOMIC
    SELECT dht_indexer.magnet_uri(
               CASE WHEN substr(t.info_hash_v2, 1, 20) = t.info_hash
                    THEN NULL ELSE t.info_hash END,
               t.info_hash_v2, t.name)
      FROM dht_indexer.torrent(hash) t;
END;

CREATE FUNCTION dht_indexer.magnet(hash text) RETURNS text
    LANGUAGE sql STABLE STRICT PARALLEL SAFE
    RETURN dht_indexer.magnet(dht_indexer.info_hash(hash));

-- The factor by which popularity multiplies relevance in search().
CREATE FUNCTION dht_indexer.popularity(seen_count bigint) RETURNS double precision
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN 1 + pg_catalog.ln(1 + greatest(seen_count, 0)::double precision) / 20;

-- Ranked search.  Word matches (rank >= 1) come first, ordered by
-- ts_rank_cd; when they leave room and the query is plain text, substring
-- matches (rank < 1, by trigram similarity) follow, which covers scripts
-- written without spaces (CJK) and partial words.
--
-- Popularity breaks ties and close calls: with p = 1 + ln(1 + seen_count)
-- / 20 (1 when never seen, 1.12 at 10 sightings, 1.35 at 1,000, 1.69 at a
-- million), a word match ranks 1 + ts_rank_cd * p and a substring match
-- 0.999 * (1 - (1 - similarity) ^ p), about similarity * p for weak
-- matches but always below 1.  So a torrent heard of a thousand times
-- passes an unseen one up to a third more relevant, never a word match
-- when it is only a substring match.
CREATE FUNCTION dht_indexer.search(query text, lim integer DEFAULT 50)
    RETURNS TABLE (info_hash bytea, name text, total_size bigint,
                   file_count integer, discovered_at timestamptz,
                   seen_count bigint, last_seen timestamptz, rank real)
    LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
    -- websearch_to_tsquery() and the index scan raise NOTICEs for queries
    -- without lexemes (emoji, only exclusions); they are handled below.
    SET client_min_messages = warning
AS $$
#variable_conflict use_column
DECLARE
    q       tsquery;
    plain   text := btrim(query);
    found_n integer := 0;
BEGIN
    IF lim < 1 OR lim > 10000 THEN
        RAISE EXCEPTION 'search limit must be between 1 and 10000, got %', lim
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF pg_catalog.length(query) > 1000 THEN
        RAISE EXCEPTION 'search query is too long (% characters)', pg_catalog.length(query)
            USING ERRCODE = 'program_limit_exceeded',
                  DETAIL = 'Queries are limited to 1000 characters.';
    END IF;
    -- Word search, unless the query has no positive term (only exclusions
    -- or nothing the parser keeps, e.g. emoji): querytree() is then 'T'.
    q := dht_indexer.search_query(query);
    IF pg_catalog.numnode(q) > 0 AND pg_catalog.querytree(q) <> 'T' THEN
        RETURN QUERY
            SELECT t.info_hash, t.name, t.total_size, t.file_count,
                   t.discovered_at, t.seen_count, t.last_seen,
                   (1 + pg_catalog.ts_rank_cd(t.search_vector, q, 1)
                        * dht_indexer.popularity(t.seen_count))::real
              FROM dht_indexer.torrents t
             WHERE t.search_vector @@ q
             ORDER BY 8 DESC, t.name, t.info_hash
             LIMIT lim;
        GET DIAGNOSTICS found_n = ROW_COUNT;
    ELSE
        q := NULL;
    END IF;
    -- Substring fallback for plain queries (no quotes, exclusions or "or").
    IF found_n < lim AND pg_catalog.length(plain) >= 2
       AND plain !~* '["]|(^|\s)-\S|(^|\s)or(\s|$)' THEN
        RETURN QUERY
            SELECT t.info_hash, t.name, t.total_size, t.file_count,
                   t.discovered_at, t.seen_count, t.last_seen,
                   (0.999 * (1 - pg_catalog.power(1 - word_similarity(plain, t.name),
                                                  dht_indexer.popularity(t.seen_count))))::real
              FROM dht_indexer.torrents t
             WHERE t.name ILIKE '%' || pg_catalog.replace(pg_catalog.replace(
                       pg_catalog.replace(plain, '\', '\\'), '%', '\%'), '_', '\_') || '%'
               AND (q IS NULL OR NOT t.search_vector @@ q)
             ORDER BY 8 DESC, t.name, t.info_hash
             LIMIT lim - found_n;
    END IF;
END;
$$;

-- ---------------------------------------------------------------------------
-- Controlling the crawler
-- ---------------------------------------------------------------------------
CREATE FUNCTION dht_indexer.stats(
    OUT state text,
    OUT worker_pid integer,
    OUT started_at timestamptz,
    OUT paused boolean,
    OUT sockets bigint,
    OUT socket_errors bigint,
    OUT fd_refused bigint,
    OUT packets_in bigint,
    OUT packets_out bigint,
    OUT bytes_in bigint,
    OUT bytes_out bigint,
    OUT send_errors bigint,
    OUT bootstrap_nodes bigint,
    OUT bootstrap_resolved bigint,
    OUT bootstrap_failures bigint,
    OUT bootstrap_replies bigint,
    OUT identities bigint,
    OUT identities_bep42 bigint,
    OUT known_nodes bigint,
    OUT good_nodes bigint,
    OUT pending_queries bigint,
    OUT contact_queue bigint,
    OUT lookups bigint,
    OUT stored_hashes bigint,
    OUT queries_in_ping bigint,
    OUT queries_in_find_node bigint,
    OUT queries_in_get_peers bigint,
    OUT queries_in_announce_peer bigint,
    OUT queries_in_sample_infohashes bigint,
    OUT queries_in_unknown bigint,
    OUT replies_sent bigint,
    OUT errors_sent bigint,
    OUT queries_sent bigint,
    OUT responses_in bigint,
    OUT errors_in bigint,
    OUT timeouts bigint,
    OUT dropped_parse bigint,
    OUT dropped_rate_in bigint,
    OUT dropped_rate_out bigint,
    OUT dropped_unmatched bigint,
    OUT dropped_address bigint,
    OUT dropped_pending_full bigint,
    OUT dropped_contacts bigint,
    OUT bad_tokens bigint,
    OUT broken_nodes bigint,
    OUT routing_refused bigint,
    OUT announces_in bigint,
    OUT samples_received bigint,
    OUT lookup_peers bigint,
    OUT unique_hashes bigint,
    OUT candidate_queue bigint,
    OUT candidates_dropped bigint,
    OUT candidates_known bigint,
    OUT fetch_queue bigint,
    OUT fetches_active bigint,
    OUT fetch_queue_dropped bigint,
    OUT fetches_started bigint,
    OUT fetch_lookups bigint,
    OUT fetch_ok bigint,
    OUT fetch_fail_connect bigint,
    OUT fetch_fail_handshake bigint,
    OUT fetch_fail_no_metadata bigint,
    OUT fetch_fail_reject bigint,
    OUT fetch_fail_timeout bigint,
    OUT fetch_fail_too_big bigint,
    OUT fetch_fail_hash_mismatch bigint,
    OUT fetch_fail_bad_metainfo bigint,
    OUT fetch_fail_other bigint,
    OUT fetch_gave_up bigint,
    OUT fetch_bytes_in bigint,
    OUT metainfo_repaired bigint,
    OUT resolve_requests bigint,
    OUT resolve_queue_depth bigint,
    OUT resolve_dropped bigint,
    OUT resolve_known bigint,
    OUT resolve_blocked bigint,
    OUT resolve_pending bigint,
    OUT resolve_pending_dropped bigint,
    OUT resolve_check_failed bigint,
    OUT store_flushes bigint,
    OUT store_flush_errors bigint,
    OUT store_flush_us bigint,
    OUT store_flush_us_max bigint,
    OUT store_batches_dropped bigint,
    OUT store_rows_dropped bigint,
    OUT torrents_inserted bigint,
    OUT popularity_hashes bigint,
    OUT popularity_sightings bigint,
    OUT popularity_dropped bigint,
    OUT popularity_flushes bigint,
    OUT popularity_flush_errors bigint,
    OUT popularity_rows bigint,
    OUT popularity_flush_us bigint,
    OUT popularity_flush_us_max bigint)
    AS 'MODULE_PATHNAME', 'dht_stats'
    LANGUAGE C STRICT VOLATILE PARALLEL SAFE;

CREATE VIEW dht_indexer.status AS SELECT * FROM dht_indexer.stats();

-- The newest distinct info hashes the swarm discovered (a sample of at most
-- 64, refreshed every second), with how they were seen.
CREATE FUNCTION dht_indexer.recent_hashes(
    OUT info_hash bytea,
    OUT first_seen timestamptz,
    OUT seen bigint,
    OUT peers integer,
    OUT sources text)
    RETURNS SETOF record
    AS 'MODULE_PATHNAME', 'dht_recent_hashes'
    LANGUAGE C STRICT VOLATILE PARALLEL SAFE;

CREATE FUNCTION dht_indexer.pause() RETURNS void
    AS 'MODULE_PATHNAME', 'dht_pause'
    LANGUAGE C STRICT VOLATILE;

CREATE FUNCTION dht_indexer.resume() RETURNS void
    AS 'MODULE_PATHNAME', 'dht_resume'
    LANGUAGE C STRICT VOLATILE;

-- Queue a hash or magnet link for resolution now; returns the queued hash.
CREATE FUNCTION dht_indexer.resolve(magnet_or_hash text) RETURNS bytea
    AS 'MODULE_PATHNAME', 'dht_resolve'
    LANGUAGE C STRICT VOLATILE;

-- The latest resolve() requests (at most 1024) and what became of them,
-- newest first: queued, fetching, stored, already_known, blocklisted or
-- failed; attempts (peers tried) and lookups (DHT searches for peers) so
-- far; last_error: why the last fetch failed (connect, handshake,
-- no_metadata, reject, timeout, too_big, hash_mismatch, bad_metainfo,
-- other) or why the request failed (no_peers, queue_full, check_failed,
-- store_failed).  Held in shared memory: empty after a server restart.
CREATE FUNCTION dht_indexer.resolve_status(
    OUT info_hash bytea,
    OUT state text,
    OUT requested_at timestamptz,
    OUT updated_at timestamptz,
    OUT attempts integer,
    OUT lookups integer,
    OUT last_error text)
    RETURNS SETOF record
    AS 'MODULE_PATHNAME', 'dht_resolve_status'
    LANGUAGE C STRICT VOLATILE PARALLEL SAFE;

-- Delete a torrent and blocklist it (both hashes of a hybrid) so that it is
-- never fetched or stored again.  Returns whether a torrent was deleted.
CREATE FUNCTION dht_indexer.forget(hash bytea, reason text DEFAULT NULL)
    RETURNS boolean
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    h       bytea := dht_indexer.info_hash(hash);
    gone    record;
    deleted boolean := false;
BEGIN
    IF h IS NULL THEN
        RAISE EXCEPTION 'info hash must not be null'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    FOR gone IN
        DELETE FROM dht_indexer.torrents t
         WHERE t.info_hash = h OR substr(t.info_hash_v2, 1, 20) = h
        RETURNING t.info_hash, substr(t.info_hash_v2, 1, 20) AS v2_prefix
    LOOP
        deleted := true;
        INSERT INTO dht_indexer.blocklist AS b (info_hash, reason)
        SELECT x, coalesce(forget.reason, '')
          FROM unnest(ARRAY[gone.info_hash, gone.v2_prefix]) AS x
         WHERE x IS NOT NULL AND x <> h
        ON CONFLICT (info_hash) DO NOTHING;
    END LOOP;
    -- Forgetting again replaces the reason only when a new one is given.
    INSERT INTO dht_indexer.blocklist AS b (info_hash, reason)
    VALUES (h, coalesce(forget.reason, ''))
    ON CONFLICT (info_hash) DO UPDATE
        SET reason = coalesce(forget.reason, b.reason);
    RETURN deleted;
END;
$$;

CREATE FUNCTION dht_indexer.forget(hash text, reason text DEFAULT NULL)
    RETURNS boolean
    LANGUAGE sql VOLATILE
    RETURN dht_indexer.forget(dht_indexer.info_hash(hash), reason);

-- ---------------------------------------------------------------------------
-- Privileges: reading is public, control is not.
-- ---------------------------------------------------------------------------
GRANT USAGE ON SCHEMA dht_indexer TO PUBLIC;
GRANT SELECT ON dht_indexer.torrents, dht_indexer.files, dht_indexer.status TO PUBLIC;
REVOKE ALL ON FUNCTION dht_indexer.pause() FROM PUBLIC;
REVOKE ALL ON FUNCTION dht_indexer.resume() FROM PUBLIC;
REVOKE ALL ON FUNCTION dht_indexer.resolve(text) FROM PUBLIC;
-- What others asked to resolve is theirs: shown to whoever may resolve().
REVOKE ALL ON FUNCTION dht_indexer.resolve_status() FROM PUBLIC;
REVOKE ALL ON FUNCTION dht_indexer.forget(bytea, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION dht_indexer.forget(text, text) FROM PUBLIC;
