--
-- 10_messages: error messages stay valid UTF-8 whatever the input.  An
-- invalid info hash is quoted in the message, shortened to 100 bytes; the
-- cut must not fall inside a multibyte character (which would put a broken
-- byte sequence into the server log and into every client's error).
-- Magnet errors never quote raw input bytes.
--
\set VERBOSITY default
\set SHOW_CONTEXT never

-- Run stmt; say whether its error message and detail are valid UTF-8.
CREATE FUNCTION pg_temp.message_check(stmt text) RETURNS text
    LANGUAGE plpgsql AS $$
DECLARE
    state  text;
    msg    text;
    detail text;
BEGIN
    EXECUTE stmt;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, msg = MESSAGE_TEXT,
                            detail = PG_EXCEPTION_DETAIL;
    BEGIN
        -- convert_from() verifies the bytes; convert_to() does not.
        PERFORM convert_from(convert_to(msg, 'UTF8'), 'UTF8'),
                convert_from(convert_to(detail, 'UTF8'), 'UTF8');
        RETURN state || ' valid UTF-8';
    EXCEPTION WHEN character_not_in_repertoire THEN
        RETURN state || ' INVALID UTF-8';
    END;
END;
$$;

SELECT label, pg_temp.message_check(stmt) AS result
  FROM (VALUES
    -- cut after 100 bytes: inside a 2-, 3- and 4-byte character
    ('99 bytes + é', $$SELECT dht_indexer.info_hash(repeat('a', 99) || 'é')$$),
    ('98 bytes + 進', $$SELECT dht_indexer.info_hash(repeat('a', 98) || '進')$$),
    ('99 bytes + 🔥', $$SELECT dht_indexer.info_hash(repeat('a', 99) || '🔥')$$),
    ('all é', $$SELECT dht_indexer.info_hash(repeat('é', 60))$$),
    ('all 進', $$SELECT dht_indexer.info_hash(repeat('進', 40))$$),
    -- the same quoting through the other entry points
    ('files()', $$SELECT * FROM dht_indexer.files(repeat('a', 98) || '進')$$),
    ('magnet()', $$SELECT dht_indexer.magnet(repeat('a', 98) || '進')$$),
    ('torrent()', $$SELECT * FROM dht_indexer.torrent(repeat('a', 98) || '進')$$),
    ('forget()', $$SELECT dht_indexer.forget(repeat('a', 98) || '進')$$),
    ('resolve()', $$SELECT dht_indexer.resolve(repeat('a', 98) || '進')$$),
    -- a cut at a character boundary, and short inputs
    ('100 bytes + é', $$SELECT dht_indexer.info_hash(repeat('a', 100) || 'é')$$),
    ('short é', $$SELECT dht_indexer.info_hash('0123456789abcdef0123456789abcdef012345é')$$),
    -- magnet errors: escapes of multibyte characters, bad hashes
    ('magnet %進', $$SELECT dht_indexer.info_hash('magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567&dn=%進')$$),
    ('magnet %é', $$SELECT dht_indexer.info_hash('magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567&dn=%é')$$),
    ('magnet btih é', $$SELECT dht_indexer.info_hash('magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef0123456é')$$),
    ('magnet btmh 進', $$SELECT dht_indexer.info_hash('magnet:?xt=urn:btmh:1220' || repeat('ab', 31) || '進')$$),
    ('magnet long', $$SELECT dht_indexer.info_hash('magnet:?xt=urn:btih:' || repeat('進', 3000))$$)
  ) AS t(label, stmt);

-- The messages themselves, where they are valid text.
SELECT dht_indexer.info_hash(repeat('a', 100) || 'é');
SELECT dht_indexer.info_hash('magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567&dn=%進');
SELECT dht_indexer.info_hash('magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef0123456é');
SELECT dht_indexer.info_hash('magnet:?xt=urn:btmh:1220' || repeat('ab', 31) || '進');
