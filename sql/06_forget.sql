--
-- 06_forget: dht_indexer.forget() deletes a torrent (and its files) and
-- blocklists it, both hashes of a hybrid; it returns whether a torrent was
-- deleted.  This suite forgets torrents of its own, not the fixture corpus.
--
\set VERBOSITY default
\set SHOW_CONTEXT never

INSERT INTO dht_indexer.torrents (info_hash, info_hash_v2, name, total_size, file_count)
VALUES (fixture_hash('forget v1'), NULL, 'Forget.Me.V1.2020.1080p.WEB.x264-TEST', 30, 2),
       (fixture_hash('forget hybrid'), fixture_hash_v2('forget hybrid'),
        'Forget.Me.Hybrid.2021.720p.WEB.x264-TEST', 10, 1),
       (fixture_hash('forget hybrid 2'), fixture_hash_v2('forget hybrid 2'),
        'Forget.Me.Hybrid.Two.2022.720p.WEB.x264-TEST', 10, 1),
       (substr(fixture_hash_v2('forget v2'), 1, 20), fixture_hash_v2('forget v2'),
        'Forget.Me.V2.Only.2023.2160p.WEB.x265-TEST', 10, 1),
       (fixture_hash('forget text'), NULL, 'Forget.Me.By.Text.2019.DVDRip-TEST', 10, 1),
       (fixture_hash('forget magnet'), NULL, 'Forget.Me.By.Magnet.2018.DVDRip-TEST', 10, 1);
INSERT INTO dht_indexer.files (info_hash, paths, sizes)
VALUES (fixture_hash('forget v1'), ARRAY['a.mkv', 'a.srt'], ARRAY[20, 10]),
       (fixture_hash('forget hybrid'), ARRAY['b.mkv'], ARRAY[10]),
       (fixture_hash('forget hybrid 2'), ARRAY['c.mkv'], ARRAY[10]),
       (substr(fixture_hash_v2('forget v2'), 1, 20), ARRAY['d.mkv'], ARRAY[10]);
SELECT name FROM dht_indexer.search('forget me');
SELECT count(*) AS blocked FROM dht_indexer.blocklist;

-- v1: deleted with its files, blocklisted with the reason.
SELECT dht_indexer.forget(fixture_hash('forget v1'), 'copyright notice 123');
SELECT count(*) AS torrent_rows FROM dht_indexer.torrents
 WHERE info_hash = fixture_hash('forget v1');
SELECT count(*) AS file_rows FROM dht_indexer.files
 WHERE info_hash = fixture_hash('forget v1');
SELECT * FROM dht_indexer.files(fixture_hash('forget v1'));
SELECT dht_indexer.magnet(fixture_hash('forget v1')) IS NULL AS no_magnet;
SELECT info_hash = fixture_hash('forget v1') AS is_v1, reason
  FROM dht_indexer.blocklist ORDER BY info_hash;
-- Forgetting it again: nothing deleted; the reason is updated.
SELECT dht_indexer.forget(fixture_hash('forget v1'), 'second notice');
SELECT reason FROM dht_indexer.blocklist WHERE info_hash = fixture_hash('forget v1');

-- Hybrid, by its v1 hash: both hashes are blocklisted.
SELECT dht_indexer.forget(fixture_hash('forget hybrid'), 'spam');
SELECT CASE info_hash WHEN fixture_hash('forget hybrid') THEN 'v1'
                      WHEN substr(fixture_hash_v2('forget hybrid'), 1, 20) THEN 'v2'
       END AS which, reason
  FROM dht_indexer.blocklist
 WHERE info_hash IN (fixture_hash('forget hybrid'),
                     substr(fixture_hash_v2('forget hybrid'), 1, 20))
 ORDER BY 1;
SELECT count(*) AS file_rows FROM dht_indexer.files
 WHERE info_hash = fixture_hash('forget hybrid');

-- Hybrid, by its full v2 hash (32 bytes): deleted, both hashes blocklisted.
SELECT dht_indexer.forget(fixture_hash_v2('forget hybrid 2'), 'malware');
SELECT CASE info_hash WHEN fixture_hash('forget hybrid 2') THEN 'v1'
                      WHEN substr(fixture_hash_v2('forget hybrid 2'), 1, 20) THEN 'v2'
       END AS which, reason
  FROM dht_indexer.blocklist
 WHERE info_hash IN (fixture_hash('forget hybrid 2'),
                     substr(fixture_hash_v2('forget hybrid 2'), 1, 20))
 ORDER BY 1;

-- v2 only, by 64 hex digits: its one key is blocklisted once.
SELECT dht_indexer.forget(encode(fixture_hash_v2('forget v2'), 'hex'), 'v2 only');
SELECT count(*) AS entries, min(reason) AS reason FROM dht_indexer.blocklist
 WHERE info_hash = substr(fixture_hash_v2('forget v2'), 1, 20);

-- The text overload: 40 hex digits, a magnet link; no reason is ''.
SELECT dht_indexer.forget(encode(fixture_hash('forget text'), 'hex'));
SELECT dht_indexer.forget(dht_indexer.magnet(fixture_hash('forget magnet')), 'by magnet');
SELECT info_hash = fixture_hash('forget text') AS is_text, reason
  FROM dht_indexer.blocklist
 WHERE info_hash IN (fixture_hash('forget text'), fixture_hash('forget magnet'))
 ORDER BY 1;

-- An unknown hash: nothing deleted, but blocklisted all the same.
SELECT dht_indexer.forget(decode(repeat('42', 20), 'hex'), 'pre-emptive');
SELECT reason FROM dht_indexer.blocklist WHERE info_hash = decode(repeat('42', 20), 'hex');
SELECT dht_indexer.forget(repeat('43', 20));
SELECT reason = '' AS empty_reason FROM dht_indexer.blocklist
 WHERE info_hash = decode(repeat('43', 20), 'hex');

-- Everything forgotten is gone from search; the corpus is untouched.
SELECT name FROM dht_indexer.search('forget me');
SELECT count(*) AS torrents FROM dht_indexer.torrents;
SELECT count(*) AS blocked FROM dht_indexer.blocklist;

-- Bad hashes are refused before anything is deleted or blocklisted.
SELECT dht_indexer.forget(decode(repeat('ab', 19), 'hex'), 'x');
SELECT dht_indexer.forget(decode(repeat('ab', 21), 'hex'), 'x');
SELECT dht_indexer.forget('0123456789abcdef0123456789abcdef0123456', 'x');
SELECT dht_indexer.forget('magnet:?dn=x', 'x');
SELECT count(*) AS blocked FROM dht_indexer.blocklist;

-- Forgetting again without a reason keeps the stored reason, and a NULL
-- hash is refused up front.
SELECT dht_indexer.forget(fixture_hash('forget v1'));
SELECT reason FROM dht_indexer.blocklist WHERE info_hash = fixture_hash('forget v1');
\set VERBOSITY terse
SELECT dht_indexer.forget(NULL::bytea, 'x');
SELECT dht_indexer.forget(NULL::text, 'x');
\set VERBOSITY default
