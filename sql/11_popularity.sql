--
-- 11_popularity: the popularity columns of torrents (seen_count, last_seen)
-- and how search() ranks popular torrents.  The worker raises the counts
-- from the DHT queries it hears (test/t/007); here rows get them by hand.
--
\set VERBOSITY default
\set SHOW_CONTEXT never

-- The columns: a count that starts at 0, and a time that starts unknown.
SELECT a.attname, format_type(a.atttypid, a.atttypmod) AS type,
       a.attnotnull AS notnull, pg_get_expr(d.adbin, d.adrelid) AS default
  FROM pg_attribute a
  LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
 WHERE a.attrelid = 'dht_indexer.torrents'::regclass
   AND a.attname IN ('seen_count', 'last_seen')
 ORDER BY a.attnum;
-- Room on each page for the worker's updates to stay HOT.
SELECT reloptions FROM pg_class WHERE oid = 'dht_indexer.torrents'::regclass;
-- No index covers them (an indexed column would defeat HOT updates).
SELECT count(*) AS indexes_on_popularity
  FROM pg_index i
 WHERE i.indrelid = 'dht_indexer.torrents'::regclass
   AND (pg_get_indexdef(i.indexrelid) ~ 'seen_count|last_seen');
-- The fixture corpus has never been seen.
SELECT count(*) AS torrents,
       count(*) FILTER (WHERE seen_count = 0 AND last_seen IS NULL) AS unseen
  FROM dht_indexer.torrents;
-- A count cannot be negative or NULL.
\set VERBOSITY terse
INSERT INTO dht_indexer.torrents (info_hash, name, total_size, file_count, seen_count)
VALUES (fixture_hash('pop negative'), 'Negative', 1, 1, -1);
INSERT INTO dht_indexer.torrents (info_hash, name, total_size, file_count, seen_count)
VALUES (fixture_hash('pop null'), 'Null', 1, 1, NULL);
\set VERBOSITY default

-- search() returns them with each row.
SELECT * FROM dht_indexer.search('inception') \gdesc

-- The factor popularity multiplies relevance by: 1 + ln(1 + seen_count) / 20.
SELECT n AS seen_count, round(dht_indexer.popularity(n)::numeric, 4) AS factor
  FROM unnest(ARRAY[0, 1, 10, 100, 1000, 1000000, 9223372036854775807]::bigint[]) n;
SELECT dht_indexer.popularity(NULL) IS NULL AS strict;

-- Fixtures: three copies of one name (same relevance), two longer and
-- less relevant names, a long collection that mentions the word once, and
-- a name that contains "zebra" as a word.
INSERT INTO dht_indexer.torrents
       (info_hash, name, total_size, file_count, seen_count, last_seen)
VALUES (fixture_hash('pop 0'), 'Zebrafish Documentary 1080p', 1, 1, 0, NULL),
       (fixture_hash('pop 10'), 'Zebrafish Documentary 1080p', 1, 1, 10,
        timestamptz '2023-12-01 10:00:00+00'),
       (fixture_hash('pop 1000'), 'Zebrafish Documentary 1080p', 1, 1, 1000,
        timestamptz '2023-12-01 11:00:00+00'),
       (fixture_hash('pop extended'), 'Zebrafish Documentary 1080p Extended Edition',
        1, 1, 0, NULL),
       (fixture_hash('pop remastered'),
        'Zebrafish Documentary 1080p Extended Edition Remastered', 1, 1, 1000,
        timestamptz '2023-12-01 12:00:00+00'),
       (fixture_hash('pop collection'),
        'The Complete Nature Collection Zebrafish Whales Dolphins Sharks Birds Insects 2160p',
        1, 1, 100000, timestamptz '2023-12-01 13:00:00+00'),
       (fixture_hash('pop crossing'), 'Zebra Crossing Live', 1, 1, 0, NULL);

-- Same relevance: the most popular first (before, name and hash decided).
SELECT name, seen_count, last_seen, rank >= 1 AS word_match
  FROM dht_indexer.search('zebrafish documentary');
-- Its ranks, in that order, are strictly decreasing within the copies.
SELECT bool_and(r.rank > r.next_rank) AS popular_first
  FROM (SELECT rank, lead(rank) OVER (ORDER BY rank DESC) AS next_rank, name
          FROM dht_indexer.search('zebrafish documentary')) r
 WHERE r.name = 'Zebrafish Documentary 1080p' AND r.next_rank IS NOT NULL;

-- Close relevance: the Remastered edition is a little less relevant than
-- the Extended one, but was heard of 1,000 times: it ranks above it.
SELECT t.name, t.seen_count,
       round(ts_rank_cd(t.search_vector,
                        dht_indexer.search_query('zebrafish documentary'), 1)::numeric,
             4) AS relevance
  FROM dht_indexer.torrents t
 WHERE t.name LIKE 'Zebrafish Documentary 1080p Ext%'
 ORDER BY relevance DESC;

-- Far relevance: the collection, seen 100,000 times, passes the unseen
-- Extended edition but not the short names; the word match "Zebra
-- Crossing" ranks above every substring match, however popular.
SELECT name, seen_count, rank >= 1 AS word_match
  FROM dht_indexer.search('zebrafish');
SELECT name, seen_count, rank >= 1 AS word_match
  FROM dht_indexer.search('zebra');

-- Substring matches: the same similarity, so popularity orders them, and
-- every rank stays below 1.
SELECT name, seen_count, rank < 1 AS below_one
  FROM dht_indexer.search('ebrafis');

-- Word matches of the fixture corpus are ranked as before popularity
-- existed: with seen_count 0 the factor is exactly 1.
SELECT count(*) AS changed
  FROM dht_indexer.search('1080p', 10000) s
  JOIN dht_indexer.torrents t USING (info_hash)
 WHERE t.seen_count = 0
   AND s.rank <> (1 + ts_rank_cd(t.search_vector, dht_indexer.search_query('1080p'), 1))::real;

DELETE FROM dht_indexer.torrents WHERE name ~ '^(Zebra|The Complete Nature)';
