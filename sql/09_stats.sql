--
-- 09_stats: dht_indexer.stats() and the control functions.  Counters, pids
-- and times change from run to run, so only their shape and invariants are
-- printed.
--
\set VERBOSITY default
\set SHOW_CONTEXT never

-- Column names and types.
SELECT * FROM dht_indexer.stats() \gdesc
-- The status view has the same columns.
SELECT * FROM dht_indexer.status \gdesc

-- One row; a known state; worker_pid and started_at are set exactly when
-- a worker is attached; counters are never NULL or negative.  (Under
-- pg_regress the worker may or may not be running: it starts before the
-- test database exists, exits, and is restarted every few seconds.)
SELECT count(*) AS rows FROM dht_indexer.stats();
SELECT state IN ('not running', 'starting', 'waiting for extension',
                 'crawling', 'paused', 'disabled') AS known_state
  FROM dht_indexer.stats();
SELECT (state = 'not running') = (worker_pid IS NULL) AS pid_matches_state,
       (worker_pid IS NULL) = (started_at IS NULL) AS started_matches_pid,
       coalesce(worker_pid > 0 AND started_at <= clock_timestamp(), true)
           AS values_sane
  FROM dht_indexer.stats();
SELECT count(*) AS counters,
       count(*) FILTER (WHERE value IS NOT NULL AND value::bigint >= 0) AS valid
  FROM dht_indexer.stats() s, json_each_text(row_to_json(s))
 WHERE key NOT IN ('state', 'worker_pid', 'started_at', 'paused');
SELECT count(*) AS rows FROM dht_indexer.status;

-- pause() and resume() flip the paused flag at once (the worker follows
-- asynchronously, so its state is not printed here).
SELECT paused FROM dht_indexer.stats();
SELECT dht_indexer.pause();
SELECT paused FROM dht_indexer.stats();
SELECT paused FROM dht_indexer.status;
SELECT dht_indexer.pause();
SELECT paused FROM dht_indexer.stats();
SELECT dht_indexer.resume();
SELECT paused FROM dht_indexer.stats();
SELECT dht_indexer.resume();
SELECT paused FROM dht_indexer.stats();

-- resolve() queues a hash for the worker and returns it, from any form.
SELECT dht_indexer.resolve('0123456789abcdef0123456789abcdef01234567');
SELECT dht_indexer.resolve('AERUKZ4JVPG66AJDIVTYTK6N54ASGRLH');
SELECT dht_indexer.resolve('magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567&dn=x');
SELECT dht_indexer.resolve('magnet:?xt=urn:btmh:1220' || repeat('ab', 32));
SELECT dht_indexer.resolve(repeat('cd', 32));
SELECT dht_indexer.resolve(NULL) IS NULL AS strict;
-- Bad input is refused and nothing is queued.
SELECT dht_indexer.resolve('');
SELECT dht_indexer.resolve('0123456789abcdef0123456789abcdef0123456');
SELECT dht_indexer.resolve('magnet:?dn=x');
