--
-- 07_privileges: reading is public, control is not.  A role without
-- privileges can search, list files, build magnet links and read stats(),
-- but pause(), resume(), resolve() and forget() are refused (42501).
--
\set VERBOSITY default
\set SHOW_CONTEXT never

CREATE ROLE regress_dht_reader NOLOGIN;

-- EXECUTE privilege of every function, as the new role sees it.
SELECT p.oid::regprocedure AS function,
       has_function_privilege('regress_dht_reader', p.oid, 'EXECUTE') AS execute
  FROM pg_proc p
 WHERE p.pronamespace = 'dht_indexer'::regnamespace
 ORDER BY p.oid::regprocedure::text;
-- Table and view privileges.
SELECT c.relname, c.relkind,
       has_table_privilege('regress_dht_reader', c.oid, 'SELECT') AS select,
       has_table_privilege('regress_dht_reader', c.oid, 'INSERT') AS insert,
       has_table_privilege('regress_dht_reader', c.oid, 'DELETE') AS delete
  FROM pg_class c
 WHERE c.relnamespace = 'dht_indexer'::regnamespace AND c.relkind IN ('r', 'v')
 ORDER BY c.relname;

SET ROLE regress_dht_reader;
SELECT current_user;

-- Reading works.
SELECT name FROM dht_indexer.search('ubuntu 22.04', 2);
SELECT name, rank >= 1 AS word_match FROM dht_indexer.search('巨人');
SELECT * FROM dht_indexer.files(fixture_hash('ubuntu-22.04.3-desktop-amd64.iso'));
SELECT * FROM dht_indexer.files(encode(fixture_hash('ubuntu-22.04.3-desktop-amd64.iso'), 'hex'));
SELECT dht_indexer.magnet(fixture_hash('Inception'));
SELECT dht_indexer.magnet(encode(fixture_hash('Inception'), 'hex'));
SELECT name FROM dht_indexer.torrent(fixture_hash('Inception'));
SELECT dht_indexer.info_hash('AERUKZ4JVPG66AJDIVTYTK6N54ASGRLH');
SELECT dht_indexer.normalize_name('Ubuntu.22.04');
SELECT count(*) AS torrents FROM dht_indexer.torrents;
SELECT state IN ('not running', 'starting', 'waiting for extension',
                 'crawling', 'paused', 'disabled') AS known_state,
       paused
  FROM dht_indexer.stats();
-- Bad input is still reported as such, not as a privilege error.
SELECT dht_indexer.magnet('0123');
SELECT * FROM dht_indexer.search('ubuntu', 0);

-- Control is refused.
SELECT dht_indexer.pause();
SELECT dht_indexer.resume();
SELECT dht_indexer.resolve('0123456789abcdef0123456789abcdef01234567');
SELECT dht_indexer.forget(fixture_hash('Inception'), 'not allowed');
SELECT dht_indexer.forget(encode(fixture_hash('Inception'), 'hex'), 'not allowed');
SELECT dht_indexer.forget(encode(fixture_hash('Inception'), 'hex'));
-- And so is writing the tables, or reading the blocklist.
INSERT INTO dht_indexer.torrents (info_hash, name, total_size, file_count)
VALUES (fixture_hash('sneaky'), 'Sneaky', 1, 1);
DELETE FROM dht_indexer.torrents WHERE name = 'Inception';
UPDATE dht_indexer.files SET paths = paths;
SELECT count(*) FROM dht_indexer.blocklist;
INSERT INTO dht_indexer.blocklist (info_hash) VALUES (fixture_hash('sneaky'));

-- The SQLSTATE of the refusals.
DO $$
DECLARE
    stmt text;
BEGIN
    FOREACH stmt IN ARRAY ARRAY[
        'SELECT dht_indexer.pause()',
        'SELECT dht_indexer.resume()',
        'SELECT dht_indexer.resolve(''0123456789abcdef0123456789abcdef01234567'')',
        'SELECT dht_indexer.forget(''\x0123456789abcdef0123456789abcdef01234567''::bytea)',
        'SELECT dht_indexer.forget(''0123456789abcdef0123456789abcdef01234567'')']
    LOOP
        BEGIN
            EXECUTE stmt;
            RAISE NOTICE '%: allowed', stmt;
        EXCEPTION WHEN insufficient_privilege THEN
            RAISE NOTICE '%: SQLSTATE %', stmt, SQLSTATE;
        END;
    END LOOP;
END;
$$;

RESET ROLE;
-- Nothing was changed by the refused calls.
SELECT count(*) AS torrents, bool_or(name = 'Inception') AS inception_kept
  FROM dht_indexer.torrents;
SELECT count(*) AS blocked FROM dht_indexer.blocklist
 WHERE reason = 'not allowed';
SELECT paused FROM dht_indexer.stats();

-- The dht_indexer.status view over stats() is readable by PUBLIC, like stats().
SET ROLE regress_dht_reader;
SELECT count(*) FROM dht_indexer.status;
RESET ROLE;

DROP ROLE regress_dht_reader;
