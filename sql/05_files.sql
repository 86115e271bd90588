--
-- 05_files: dht_indexer.files() lists a torrent's files in torrent order;
-- dht_indexer.torrent() finds the row under any of its hashes.
--
\set VERBOSITY default
\set SHOW_CONTEXT never

-- Order preserved (the album's track order, not alphabetical).
SELECT * FROM dht_indexer.files(
    fixture_hash('Pink Floyd - The Dark Side of the Moon (1973) [FLAC 24-96]'));
-- UTF-8 paths, and the text overloads (hex, base32, magnet).
SELECT * FROM dht_indexer.files(
    encode(fixture_hash('千と千尋の神隠し Spirited Away 2001 1080p BluRay'), 'hex'));
SELECT * FROM dht_indexer.files(
    upper(encode(fixture_hash('ubuntu-22.04.3-desktop-amd64.iso'), 'hex')));
SELECT * FROM dht_indexer.files(
    dht_indexer.magnet(fixture_hash('ubuntu-22.04.3-desktop-amd64.iso')));
-- The same rows through every input form.
SELECT (SELECT array_agg(path) FROM dht_indexer.files(h)) =
       (SELECT array_agg(path) FROM dht_indexer.files(encode(h, 'hex')))
       AS hex_same,
       (SELECT array_agg(path) FROM dht_indexer.files(h)) =
       (SELECT array_agg(path) FROM dht_indexer.files(dht_indexer.magnet(h)))
       AS magnet_same
  FROM (SELECT fixture_hash('Pink Floyd - The Dark Side of the Moon (1973) [FLAC 24-96]') AS h) s;

-- A hybrid torrent is found by its v1 hash, by its v2 hash truncated to
-- 20 bytes, and by its full v2 hash (32 bytes or 64 hex digits).
SELECT * FROM dht_indexer.files(fixture_hash('Big Buck Bunny (2008) 1080p 60fps'));
SELECT * FROM dht_indexer.files(
    substr(fixture_hash_v2('Big Buck Bunny (2008) 1080p 60fps'), 1, 20));
SELECT * FROM dht_indexer.files(fixture_hash_v2('Big Buck Bunny (2008) 1080p 60fps'));
SELECT * FROM dht_indexer.files(
    encode(fixture_hash_v2('Big Buck Bunny (2008) 1080p 60fps'), 'hex'));
-- A v2-only torrent, by its v2 hash and by its magnet link (btmh only).
SELECT * FROM dht_indexer.files(
    fixture_hash_v2('Tears of Steel (2012) 1080p Blender Foundation'));
SELECT * FROM dht_indexer.files(dht_indexer.magnet(
    fixture_hash_v2('Tears of Steel (2012) 1080p Blender Foundation')));

-- No rows: an empty file list, a torrent without one, an unknown hash.
SELECT * FROM dht_indexer.files(
    fixture_hash('Terry Pratchett - Discworld Collection (41 books) [EPUB]'));
SELECT * FROM dht_indexer.files(fixture_hash('Inception'));
SELECT * FROM dht_indexer.files(decode(repeat('00', 20), 'hex'));
SELECT * FROM dht_indexer.files(repeat('00', 20));
SELECT * FROM dht_indexer.files(NULL::bytea);
SELECT * FROM dht_indexer.files(NULL::text);

-- File counts and totals agree with the file lists.
SELECT t.name, t.file_count, t.total_size,
       (SELECT count(*) FROM dht_indexer.files(t.info_hash)) AS listed,
       (SELECT sum(size) FROM dht_indexer.files(t.info_hash)) AS listed_size
  FROM dht_indexer.torrents t JOIN dht_indexer.files f USING (info_hash)
 ORDER BY t.name COLLATE "C";

-- torrent(): the row under any of its hashes.
SELECT name, file_count, octet_length(info_hash) AS key_len,
       octet_length(info_hash_v2) AS v2_len
  FROM dht_indexer.torrent(substr(fixture_hash_v2('Big Buck Bunny (2008) 1080p 60fps'), 1, 20));
SELECT name FROM dht_indexer.torrent(fixture_hash_v2('Sintel (2010) 4K Open Movie Project'));
-- (base32 of fixture_hash('Inception'))
SELECT name FROM dht_indexer.torrent('EW766FU6V7O7FEJAZV4NTVFGNV5QY6SV');
SELECT name FROM dht_indexer.torrent(encode(fixture_hash('Inception'), 'hex'));
SELECT count(*) AS found,
       count(*) FILTER (WHERE (SELECT t2.info_hash
                                 FROM dht_indexer.torrent(t.info_hash) t2)
                              = t.info_hash) AS by_key,
       count(*) FILTER (WHERE t.info_hash_v2 IS NULL
                           OR (SELECT t2.info_hash
                                 FROM dht_indexer.torrent(t.info_hash_v2) t2)
                              = t.info_hash) AS by_v2
  FROM dht_indexer.torrents t;

-- Bad hashes are refused, not treated as unknown.
SELECT * FROM dht_indexer.files(decode(repeat('ab', 19), 'hex'));
SELECT * FROM dht_indexer.files(decode(repeat('ab', 21), 'hex'));
SELECT * FROM dht_indexer.files('0123456789abcdef0123456789abcdef0123456');
SELECT * FROM dht_indexer.files('0123456789abcdef0123456789abcdef012345678');
SELECT * FROM dht_indexer.files('zz23456789abcdef0123456789abcdef01234567');
SELECT * FROM dht_indexer.torrent('not a hash');

-- The files table refuses inconsistent rows and unknown torrents.
INSERT INTO dht_indexer.files VALUES
    (fixture_hash('Inception'), ARRAY['a', 'b'], ARRAY[1]::bigint[]);
INSERT INTO dht_indexer.files VALUES
    (decode(repeat('00', 20), 'hex'), ARRAY['a'], ARRAY[1]::bigint[]);
