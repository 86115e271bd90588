--
-- 03_hashes: dht_indexer.info_hash() in every accepted form, and every
-- malformed hash with its error.  Text errors are 22P02
-- (invalid_text_representation) with a DETAIL naming the problem and a
-- HINT listing the accepted forms; bytea errors are 22023.
--
\set VERBOSITY default
\set SHOW_CONTEXT never

-- Accepted text forms all give the same 20 bytes.
SELECT dht_indexer.info_hash('0123456789abcdef0123456789abcdef01234567');
SELECT dht_indexer.info_hash('0123456789ABCDEF0123456789ABCDEF01234567');
SELECT dht_indexer.info_hash(E'  0123456789abcdef0123456789abcdef01234567\n');
-- base32 (32 characters, either case) is the same hash.
SELECT dht_indexer.info_hash('AERUKZ4JVPG66AJDIVTYTK6N54ASGRLH');
SELECT dht_indexer.info_hash('aeruKZ4jvpg66ajdivtytk6n54asgrlh');
-- A 64-digit v2 hash is truncated to its first 20 bytes, the index key.
SELECT dht_indexer.info_hash('0123456789abcdef0123456789abcdef01234567'
                             '89abcdef0123456789abcdef');
-- bytea: 20 bytes as is, 32 bytes (v2) truncated.
SELECT dht_indexer.info_hash('\x0123456789abcdef0123456789abcdef01234567'::bytea);
SELECT dht_indexer.info_hash(decode(repeat('ab', 32), 'hex'));
-- STRICT.
SELECT dht_indexer.info_hash(NULL::text) IS NULL AS t,
       dht_indexer.info_hash(NULL::bytea) IS NULL AS b;
-- Every fixture hash round-trips through hex and base32.
SELECT count(*) AS torrents,
       count(*) FILTER (WHERE dht_indexer.info_hash(encode(info_hash, 'hex'))
                              = info_hash) AS hex_ok,
       count(*) FILTER (WHERE dht_indexer.info_hash(info_hash) = info_hash)
           AS bytea_ok
  FROM dht_indexer.torrents;

-- Wrong length (text).
SELECT dht_indexer.info_hash('0123456789abcdef0123456789abcdef0123456');
SELECT dht_indexer.info_hash('0123456789abcdef0123456789abcdef012345678');
SELECT dht_indexer.info_hash('0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde');
SELECT dht_indexer.info_hash('');
SELECT dht_indexer.info_hash('   ');
-- Bad hex character, and where it is.
SELECT dht_indexer.info_hash('g123456789abcdef0123456789abcdef01234567');
SELECT dht_indexer.info_hash('0123456789abcdef0123456789abcdef0123456g');
SELECT dht_indexer.info_hash('0123456789abcdef 123456789abcdef01234567');
SELECT dht_indexer.info_hash('0123456789abcdef0123456789abcdef0123456"');
SELECT dht_indexer.info_hash(E'0123456789abcdef\t123456789abcdef01234567');
SELECT dht_indexer.info_hash('0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdez');
-- Non-ASCII input is counted in bytes: 39 digits and an "é" are 41 bytes.
SELECT dht_indexer.info_hash('0123456789abcdef0123456789abcdef0123456é');
SELECT dht_indexer.info_hash('0123456789abcdef0123456789abcdef012345é');
-- Bad base32 character (0, 1, 8, 9 and punctuation are not base32).
SELECT dht_indexer.info_hash('AERUKZ4JVPG66AJDIVTYTK6N54ASGRL1');
SELECT dht_indexer.info_hash('0ERUKZ4JVPG66AJDIVTYTK6N54ASGRLH');
SELECT dht_indexer.info_hash('AERUKZ4JVPG66AJDIVTYTK6N54ASGRL=');
-- Other spellings are not guessed at.
SELECT dht_indexer.info_hash('0x0123456789abcdef0123456789abcdef01234567');
SELECT dht_indexer.info_hash('\x0123456789abcdef0123456789abcdef01234567');
SELECT dht_indexer.info_hash('urn:btih:0123456789abcdef0123456789abcdef01234567');
-- A long bad input is quoted shortened, to 100 bytes.
SELECT dht_indexer.info_hash(repeat('z', 300));

-- Wrong length (bytea).
SELECT dht_indexer.info_hash(decode(repeat('ab', 19), 'hex'));
SELECT dht_indexer.info_hash(decode(repeat('ab', 21), 'hex'));
SELECT dht_indexer.info_hash(decode(repeat('ab', 31), 'hex'));
SELECT dht_indexer.info_hash(decode(repeat('ab', 33), 'hex'));
SELECT dht_indexer.info_hash(''::bytea);

-- The SQLSTATE of each kind of error.
CREATE FUNCTION pg_temp.sqlstate_of(stmt text) RETURNS text
    LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE stmt;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE;
END;
$$;
SELECT stmt, pg_temp.sqlstate_of(stmt) AS sqlstate
  FROM (VALUES
    ($$SELECT dht_indexer.info_hash('0123456789abcdef0123456789abcdef0123456')$$),
    ($$SELECT dht_indexer.info_hash('0123456789abcdef0123456789abcdef0123456g')$$),
    ($$SELECT dht_indexer.info_hash('AERUKZ4JVPG66AJDIVTYTK6N54ASGRL1')$$),
    ($$SELECT dht_indexer.info_hash('magnet:?dn=x')$$),
    ($$SELECT dht_indexer.info_hash('\xabab'::bytea)$$),
    ($$SELECT dht_indexer.torrent('0123')$$),
    ($$SELECT dht_indexer.files('0123')$$),
    ($$SELECT dht_indexer.magnet('0123')$$),
    ($$SELECT dht_indexer.magnet('\xabab'::bytea)$$),
    ($$SELECT dht_indexer.magnet_uri('\xabab', NULL, NULL)$$),
    ($$SELECT dht_indexer.forget('0123')$$),
    ($$SELECT dht_indexer.resolve('0123')$$),
    ($$SELECT * FROM dht_indexer.search('x', 0)$$)
  ) AS t(stmt);
