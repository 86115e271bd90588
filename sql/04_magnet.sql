--
-- 04_magnet: magnet URIs of indexed torrents (btih for v1, btmh for v2,
-- both for hybrids; dn percent-encoded), and magnet links as input.
--
\set VERBOSITY default
\set SHOW_CONTEXT never

-- v1 only: btih.
SELECT dht_indexer.magnet(fixture_hash('ubuntu-22.04.3-desktop-amd64.iso'));
-- Hybrid: btih and btmh (1220 = sha2-256, 32 bytes).
SELECT dht_indexer.magnet(fixture_hash('Big Buck Bunny (2008) 1080p 60fps'));
-- v2 only: btmh, keyed by the first 20 bytes of the v2 hash.
SELECT dht_indexer.magnet(
    substr(fixture_hash_v2('Tears of Steel (2012) 1080p Blender Foundation'), 1, 20));

-- A hybrid is found under either hash: v1, v2 truncated, v2 in full
-- (bytea and 64 hex digits).
SELECT dht_indexer.magnet(fixture_hash('Sintel (2010) 4K Open Movie Project')) =
       dht_indexer.magnet(substr(fixture_hash_v2('Sintel (2010) 4K Open Movie Project'), 1, 20))
       AS v2_prefix,
       dht_indexer.magnet(fixture_hash('Sintel (2010) 4K Open Movie Project')) =
       dht_indexer.magnet(fixture_hash_v2('Sintel (2010) 4K Open Movie Project'))
       AS v2_bytea,
       dht_indexer.magnet(fixture_hash('Sintel (2010) 4K Open Movie Project')) =
       dht_indexer.magnet(encode(fixture_hash_v2('Sintel (2010) 4K Open Movie Project'), 'hex'))
       AS v2_hex;

-- Text inputs: 40 hex, base32, a magnet link (round trip).
SELECT dht_indexer.magnet(encode(fixture_hash('Inception'), 'hex'));
SELECT dht_indexer.magnet(upper(encode(fixture_hash('Inception'), 'hex')));
SELECT dht_indexer.magnet('magnet:?xt=urn:btih:' ||
                          encode(fixture_hash('Inception'), 'hex') ||
                          '&dn=whatever&tr=udp%3A%2F%2Ftracker.example%3A6969');
SELECT dht_indexer.magnet(dht_indexer.magnet(fixture_hash('Inception')));

-- dn percent-encoding: everything but RFC 3986 unreserved characters
-- (letters, digits, - . _ ~) as upper-case %XX of the UTF-8 bytes.
SELECT name, dht_indexer.magnet(info_hash) AS magnet
  FROM dht_indexer.torrents
 WHERE name IN ('The C Programming Language 2nd Edition - Kernighan & Ritchie.pdf',
                'C# 12 and .NET 8 - Modern Cross-Platform Development (2023).pdf',
                '100% Hits - The Best of 2023 [MP3 320]',
                'Notepad++ v8.5.8 (x64) Portable',
                'Le.Fabuleux.Destin.d''Amélie.Poulain.2001.1080p.BluRay.x264-HDMaNiAcS',
                '🔥 Summer Hits 2023 🔥 (320 kbps)',
                '進撃の巨人 Attack on Titan S01 [BDRip 1080p]',
                '기생충 Parasite 2019 1080p BluRay x264')
 ORDER BY name COLLATE "C";
SELECT dht_indexer.magnet_uri(fixture_hash('x'), NULL,
                              'a b&c#d%e+f/g?h=i;j:k@l,m!n''o*p(q)r[s]t ~_.-');
SELECT dht_indexer.magnet_uri(fixture_hash('x'), NULL, E'tab\tnewline\n');

-- Every torrent's magnet link against an independent SQL encoder, and
-- back to the same key.
CREATE FUNCTION pg_temp.dn_encode(name text) RETURNS text
    LANGUAGE sql IMMUTABLE RETURN (
    SELECT string_agg(CASE WHEN b BETWEEN 65 AND 90 OR b BETWEEN 97 AND 122
                             OR b BETWEEN 48 AND 57 OR b IN (45, 46, 95, 126)
                           THEN chr(b)
                           ELSE '%' || upper(lpad(to_hex(b), 2, '0')) END,
                      '' ORDER BY i)
      FROM (SELECT i, get_byte(convert_to(name, 'UTF8'), i) AS b
              FROM generate_series(0, octet_length(convert_to(name, 'UTF8')) - 1) i) s);
SELECT count(*) AS torrents,
       count(*) FILTER (WHERE dht_indexer.magnet(info_hash) =
           'magnet:?' ||
           concat_ws('&',
               CASE WHEN substr(info_hash_v2, 1, 20) IS DISTINCT FROM info_hash
                    THEN 'xt=urn:btih:' || encode(info_hash, 'hex') END,
               'xt=urn:btmh:1220' || encode(info_hash_v2, 'hex'),
               'dn=' || pg_temp.dn_encode(name))) AS magnet_ok,
       count(*) FILTER (WHERE dht_indexer.info_hash(dht_indexer.magnet(info_hash))
                              = info_hash) AS round_trip_ok
  FROM dht_indexer.torrents;

-- magnet_uri(): either hash may be NULL; no name, no dn; no hash, NULL.
SELECT dht_indexer.magnet_uri(fixture_hash('x'), NULL, NULL);
SELECT dht_indexer.magnet_uri(fixture_hash('x'), NULL, '');
SELECT dht_indexer.magnet_uri(NULL, fixture_hash_v2('x'), 'x');
SELECT dht_indexer.magnet_uri(fixture_hash('x'), fixture_hash_v2('x'), 'x');
SELECT dht_indexer.magnet_uri(NULL, NULL, 'x') IS NULL AS no_hash;
SELECT dht_indexer.magnet_uri(decode(repeat('ab', 19), 'hex'), NULL, 'x');
SELECT dht_indexer.magnet_uri(decode(repeat('ab', 32), 'hex'), NULL, 'x');
SELECT dht_indexer.magnet_uri(NULL, decode(repeat('ab', 20), 'hex'), 'x');
SELECT dht_indexer.magnet_uri(NULL, decode(repeat('ab', 33), 'hex'), 'x');

-- Unknown hashes: NULL, whatever the input form.
SELECT dht_indexer.magnet(decode(repeat('00', 20), 'hex')) IS NULL AS bytea_unknown,
       dht_indexer.magnet(repeat('00', 20)) IS NULL AS text_unknown,
       dht_indexer.magnet(repeat('00', 32)) IS NULL AS v2_unknown,
       dht_indexer.magnet('magnet:?xt=urn:btih:' || repeat('00', 20)) IS NULL AS magnet_unknown,
       dht_indexer.magnet(NULL::bytea) IS NULL AS null_bytea,
       dht_indexer.magnet(NULL::text) IS NULL AS null_text;

-- Magnet links as input to info_hash(): btih hex or base32, btmh only
-- (truncated v2), hybrid (btih), xt.N keys, any case, padding blanks.
SELECT dht_indexer.info_hash('magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567');
SELECT dht_indexer.info_hash('magnet:?xt=urn:btih:AERUKZ4JVPG66AJDIVTYTK6N54ASGRLH&dn=x');
SELECT dht_indexer.info_hash('magnet:?dn=Big+Buck+Bunny&xt=urn:btmh:1220' || repeat('ab', 32));
SELECT dht_indexer.info_hash('magnet:?xt=urn:btmh:1220' || repeat('ab', 32) ||
                             '&xt=urn:btih:0123456789abcdef0123456789abcdef01234567');
SELECT dht_indexer.info_hash('magnet:?xt.1=urn:btih:0123456789abcdef0123456789abcdef01234567'
                             '&xt.2=urn:btmh:1220' || repeat('ab', 32));
SELECT dht_indexer.info_hash('MAGNET:?XT=URN:BTIH:0123456789ABCDEF0123456789ABCDEF01234567');
SELECT dht_indexer.info_hash(E' magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567\r\n');
-- Percent-encoded hash, a repeated identical hash, other URNs and
-- parameters are fine.
SELECT dht_indexer.info_hash('magnet:?xt=urn%3Abtih%3A0123456789abcdef0123456789abcdef01234567');
SELECT dht_indexer.info_hash('magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567'
                             '&xt=urn:btih:0123456789ABCDEF0123456789ABCDEF01234567');
SELECT dht_indexer.info_hash('magnet:?xt=urn:ed2k:31D6CFE0D16AE931B73C59D7E0C089C0'
                             '&xt=urn:btih:0123456789abcdef0123456789abcdef01234567'
                             '&tr=udp%3A%2F%2Ftracker.example%3A6969&x.pe=127.0.0.1:6881&ws');

-- Malformed magnet links.
SELECT dht_indexer.info_hash('magnet:?dn=no+hash+here');
SELECT dht_indexer.info_hash('magnet:?');
SELECT dht_indexer.info_hash('magnet:?xt=urn:ed2k:31D6CFE0D16AE931B73C59D7E0C089C0');
SELECT dht_indexer.info_hash('magnet:xt=urn:btih:0123456789abcdef0123456789abcdef01234567');
SELECT dht_indexer.info_hash('magnet:');
SELECT dht_indexer.info_hash('magnet:?xt=urn:btih:');
SELECT dht_indexer.info_hash('magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef0123456');
SELECT dht_indexer.info_hash('magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef0123456g');
SELECT dht_indexer.info_hash('magnet:?xt=urn:btih:AERUKZ4JVPG66AJDIVTYTK6N54ASGRL1');
SELECT dht_indexer.info_hash('magnet:?xt=urn:btmh:1114' || repeat('ab', 32));
SELECT dht_indexer.info_hash('magnet:?xt=urn:btmh:12');
SELECT dht_indexer.info_hash('magnet:?xt=urn:btmh:1220' || repeat('ab', 31));
SELECT dht_indexer.info_hash('magnet:?xt=urn:btmh:1220' || repeat('ab', 31) || 'zz');
SELECT dht_indexer.info_hash('magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567&dn=100%');
SELECT dht_indexer.info_hash('magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567&dn=%4');
SELECT dht_indexer.info_hash('magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567&dn=%zz');
SELECT dht_indexer.info_hash('magnet:?xt=urn:btih:%G0123456789abcdef0123456789abcdef01234567');
SELECT dht_indexer.info_hash('magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567'
                             '&xt=urn:btih:1123456789abcdef0123456789abcdef01234567');
SELECT dht_indexer.info_hash('magnet:?xt=urn:btmh:1220' || repeat('ab', 32) ||
                             '&xt=urn:btmh:1220' || repeat('cd', 32));
SELECT dht_indexer.info_hash('magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567&tr=' ||
                             repeat('x', 8200));
-- Not a magnet link at all: read as a hash, and refused as one.
SELECT dht_indexer.info_hash('http://example.com/?xt=urn:btih:0123456789abcdef0123456789abcdef01234567');
SELECT dht_indexer.info_hash('urn:btih:0123456789abcdef0123456789abcdef01234567');
-- The same errors through magnet(), files() and resolve().
SELECT dht_indexer.magnet('magnet:?dn=no+hash+here');
SELECT * FROM dht_indexer.files('magnet:?xt=urn:btih:xyz');
SELECT dht_indexer.resolve('magnet:?xt=urn:btmh:1114' || repeat('ab', 32));
