--
-- 00_setup: create the extension and load the fixture corpus that the later
-- suites search.  Every hash, size and file count is derived from the name,
-- so the data (and every result printed from it) is the same on each run.
--
CREATE EXTENSION dht_indexer CASCADE;

-- The SQL contract: every function of the schema with its volatility and
-- whether it runs as its owner.
SELECT p.oid::regprocedure AS function, p.provolatile AS vol,
       p.prosecdef AS secdef, p.proretset AS setof
  FROM pg_proc p
 WHERE p.pronamespace = 'dht_indexer'::regnamespace
 ORDER BY p.oid::regprocedure::text;

-- Tables and their columns.
SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod) AS type,
       a.attnotnull AS notnull
  FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid
 WHERE c.relnamespace = 'dht_indexer'::regnamespace AND c.relkind = 'r'
   AND a.attnum > 0 AND NOT a.attisdropped
 ORDER BY c.relname, a.attnum;

-- Deterministic test hashes: 20 bytes for v1, 32 bytes for v2.
CREATE FUNCTION fixture_hash(name text) RETURNS bytea
    LANGUAGE sql IMMUTABLE STRICT
    RETURN decode(md5(name) || substr(md5(name || 'x'), 1, 8), 'hex');
CREATE FUNCTION fixture_hash_v2(name text) RETURNS bytea
    LANGUAGE sql IMMUTABLE STRICT
    RETURN sha256(convert_to(name, 'UTF8'));

-- One name per line.
\getenv abs_srcdir PG_ABS_SRCDIR
\set fixture :abs_srcdir '/test/fixtures/torrent_names.txt'
CREATE TEMP TABLE fixture_names (line serial, name text NOT NULL UNIQUE);
COPY fixture_names (name) FROM :'fixture';

-- A few torrents are BitTorrent v2: hybrid (v1 key + v2 hash) or v2-only
-- (keyed by the first 20 bytes of the v2 hash).
CREATE TEMP TABLE fixture_kinds (name text PRIMARY KEY, kind text NOT NULL);
INSERT INTO fixture_kinds VALUES
    ('Big Buck Bunny (2008) 1080p 60fps', 'hybrid'),
    ('Sintel (2010) 4K Open Movie Project', 'hybrid'),
    ('debian-12.2.0-amd64-netinst.iso', 'hybrid'),
    ('Tears of Steel (2012) 1080p Blender Foundation', 'v2'),
    ('Elephants Dream (2006) 1080p', 'v2');

INSERT INTO dht_indexer.torrents
       (info_hash, info_hash_v2, name, total_size, file_count, discovered_at)
SELECT CASE k.kind WHEN 'v2' THEN substr(fixture_hash_v2(n.name), 1, 20)
                   ELSE fixture_hash(n.name) END,
       CASE WHEN k.kind IN ('v2', 'hybrid') THEN fixture_hash_v2(n.name) END,
       n.name,
       1048576::bigint * (1 + ('x' || substr(md5(n.name), 1, 6))::bit(24)::int % 40000),
       1 + ('x' || substr(md5(n.name), 7, 2))::bit(8)::int % 40,
       timestamptz '2023-11-01 00:00:00+00' + n.line * interval '1 hour'
  FROM fixture_names n LEFT JOIN fixture_kinds k USING (name)
 ORDER BY n.line;

-- File lists, in the order the torrents give them (deliberately unsorted).
INSERT INTO dht_indexer.files (info_hash, paths, sizes)
SELECT t.info_hash, f.paths, f.sizes
  FROM dht_indexer.torrents t
  JOIN (VALUES
    ('ubuntu-22.04.3-desktop-amd64.iso',
     ARRAY['ubuntu-22.04.3-desktop-amd64.iso'],
     ARRAY[5037662208]::bigint[]),
    ('Pink Floyd - The Dark Side of the Moon (1973) [FLAC 24-96]',
     ARRAY['Pink Floyd - The Dark Side of the Moon/Speak to Me.flac',
           'Pink Floyd - The Dark Side of the Moon/Breathe (In the Air).flac',
           'Pink Floyd - The Dark Side of the Moon/On the Run.flac',
           'Pink Floyd - The Dark Side of the Moon/Time.flac',
           'Pink Floyd - The Dark Side of the Moon/The Great Gig in the Sky.flac',
           'Pink Floyd - The Dark Side of the Moon/Money.flac',
           'Pink Floyd - The Dark Side of the Moon/Us and Them.flac',
           'Pink Floyd - The Dark Side of the Moon/Any Colour You Like.flac',
           'Pink Floyd - The Dark Side of the Moon/Brain Damage.flac',
           'Pink Floyd - The Dark Side of the Moon/Eclipse.flac',
           'Pink Floyd - The Dark Side of the Moon/folder.jpg'],
     ARRAY[69834112, 116802304, 148897792, 309460992, 194347008, 273874944,
           341098496, 152424448, 162045952, 90505216, 524288]::bigint[]),
    ('千と千尋の神隠し Spirited Away 2001 1080p BluRay',
     ARRAY['千と千尋の神隠し/千と千尋の神隠し.mkv',
           '千と千尋の神隠し/Subs/简体中文.srt',
           '千と千尋の神隠し/Subs/English.srt',
           '千と千尋の神隠し/Subs/Français (forcés).srt'],
     ARRAY[12884901888, 98304, 81920, 4096]::bigint[]),
    ('Big Buck Bunny (2008) 1080p 60fps',
     ARRAY['Big Buck Bunny/bbb_sunflower_1080p_60fps_normal.mp4',
           'Big Buck Bunny/README.txt',
           'Big Buck Bunny/poster.jpg'],
     ARRAY[355856562, 1024, 226597]::bigint[]),
    ('Tears of Steel (2012) 1080p Blender Foundation',
     ARRAY['tears_of_steel_1080p.mov', 'tears_of_steel_subtitles/en.srt',
           'tears_of_steel_subtitles/de.srt'],
     ARRAY[584867425, 2466, 2512]::bigint[]),
    ('Terry Pratchett - Discworld Collection (41 books) [EPUB]',
     ARRAY[]::text[], ARRAY[]::bigint[])
  ) AS f(name, paths, sizes) USING (name);

-- Torrents with a file list carry its count and total.
UPDATE dht_indexer.torrents t
   SET file_count = cardinality(f.paths),
       total_size = (SELECT coalesce(sum(s), 0) FROM unnest(f.sizes) s)
  FROM dht_indexer.files f
 WHERE f.info_hash = t.info_hash;

-- What was loaded.
SELECT count(*) AS torrents,
       count(*) FILTER (WHERE info_hash_v2 IS NOT NULL
                          AND substr(info_hash_v2, 1, 20) <> info_hash) AS hybrid,
       count(*) FILTER (WHERE substr(info_hash_v2, 1, 20) = info_hash) AS v2_only,
       count(*) FILTER (WHERE name ~ '[^\x01-\x7f]') AS non_ascii,
       count(*) FILTER (WHERE length(name) >= 250) AS very_long,
       max(length(name)) AS longest
  FROM dht_indexer.torrents;
SELECT count(*) AS file_lists, sum(cardinality(paths)) AS files
  FROM dht_indexer.files;
-- Every name got a search vector.
SELECT count(*) AS empty_vectors FROM dht_indexer.torrents
 WHERE length(search_vector) = 0;
