--
-- 12_resolve_status: dht_indexer.resolve_status(), the recent resolve()
-- requests and what became of them.  Under pg_regress the worker serves
-- another database (test/regress.conf), so no request gets past queued;
-- test/t/007 follows requests through a running worker.
--
\set VERBOSITY default
\set SHOW_CONTEXT never

-- Column names and types.
SELECT * FROM dht_indexer.resolve_status() \gdesc

-- The requests of 09_stats, newest first; a hash requested three times
-- (as hex, base32 and a magnet link) is one entry.
SELECT encode(info_hash, 'hex') AS info_hash, state,
       requested_at <= updated_at AS times_ordered,
       requested_at <= clock_timestamp() AS in_the_past,
       attempts, lookups, last_error
  FROM dht_indexer.resolve_status();

-- A new request comes first, queued.
SELECT dht_indexer.resolve('magnet:?xt=urn:btih:fedcba9876543210fedcba9876543210fedcba98');
SELECT encode(info_hash, 'hex') AS info_hash, state, attempts, lookups,
       last_error IS NULL AS no_error
  FROM dht_indexer.resolve_status() LIMIT 1;
-- Asking again for an older hash moves it to the top; still one entry.
SELECT dht_indexer.resolve('0123456789abcdef0123456789abcdef01234567');
SELECT encode(info_hash, 'hex') AS info_hash, state
  FROM dht_indexer.resolve_status();
SELECT count(*) AS entries, count(DISTINCT info_hash) AS hashes
  FROM dht_indexer.resolve_status();
-- Bad input adds nothing.
SELECT dht_indexer.resolve('not a hash');
SELECT count(*) AS entries FROM dht_indexer.resolve_status();

-- What others asked to resolve is not for PUBLIC: like resolve() itself,
-- resolve_status() needs a grant.
CREATE ROLE regress_dht_resolver NOLOGIN;
SET ROLE regress_dht_resolver;
SELECT count(*) FROM dht_indexer.resolve_status();
RESET ROLE;
GRANT EXECUTE ON FUNCTION dht_indexer.resolve(text),
                          dht_indexer.resolve_status() TO regress_dht_resolver;
SET ROLE regress_dht_resolver;
SELECT dht_indexer.resolve('00000000000000000000000000000000000000aa');
SELECT encode(info_hash, 'hex') AS info_hash, state
  FROM dht_indexer.resolve_status() LIMIT 1;
RESET ROLE;
REVOKE EXECUTE ON FUNCTION dht_indexer.resolve(text),
                           dht_indexer.resolve_status() FROM regress_dht_resolver;
DROP ROLE regress_dht_resolver;
