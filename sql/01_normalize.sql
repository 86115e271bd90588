--
-- 01_normalize: the separator rule shared by stored names and typed
-- queries.  Every ASCII byte that is not a letter or digit separates words;
-- bytes >= 0x80 (accents, CJK, emoji) are kept for the text-search parser.
--
SELECT input, dht_indexer.normalize_name(input) AS normalized
  FROM (VALUES
    ('Movie.Title.2019.1080p.BluRay.x264-GROUP'),
    ('Show.Name.S01E02.720p.WEB.h264-TEAM'),
    ('[SubsPlease] Anime - 01 (1080p) [ABCD1234].mkv'),
    ('ubuntu-22.04.3-desktop-amd64.iso'),
    ('Ubuntu.22.04.Desktop.amd64.iso'),
    ('Artist - Album (2020) [FLAC]'),
    ('Le.Fabuleux.Destin.d''Amélie.Poulain.2001'),
    ('Pokémon_Björk__Café'),
    ('進撃の巨人.S01E01.[1080p]'),
    ('기생충_Parasite'),
    ('🔥 Summer Hits 2023 🔥'),
    ('...leading and trailing...'),
    ('a+b=c; d/e\f|g~h`i@j#k$l%m^n&o*p'),
    (E'tab\there,new\nline\r\nend'),
    ('Spider-Man: No Way Home'),
    ('single'),
    ('H.264 DD5.1 AAC2.0'),
    ('!!!'),
    ('   '),
    ('')
  ) AS t(input);

-- Queries keep websearch syntax: phrases, -exclusions, or.  A word that
-- splits into several becomes a phrase; `or` is an operator only between
-- two terms; terms that normalize to nothing vanish.
SELECT input, dht_indexer.normalize_query(input) AS normalized,
       dht_indexer.search_query(input) AS tsquery
  FROM (VALUES
    ('ubuntu 22.04'),
    ('Ubuntu.22.04.Desktop'),
    ('"dark knight"'),
    ('"the.dark.knight" rises'),
    ('dark knight -rises'),
    ('-"spider man" homecoming'),
    ('amelie or pokemon'),
    ('amelie OR pokemon'),
    ('or amelie'),
    ('amelie or'),
    ('amelie or or pokemon'),
    ('a.or.b'),
    ('-or'),
    ('s01e02 x264 1080p'),
    ('spider-man'),
    ('Amélie'),
    ('AMÉLIE Poulain'),
    ('進撃の巨人'),
    ('"unclosed phrase'),
    ('"" empty phrase'),
    ('running'),
    ('x264-GROUP'),
    ('C++ or C#')
  ) AS t(input);

-- Queries with no words normalize to ''; search() then skips the word
-- search entirely (websearch_to_tsquery would only emit a NOTICE).
SELECT input, dht_indexer.normalize_query(input) AS normalized
  FROM (VALUES ('- . -- ...'), ('or'), ('OR or'), ('""'), ('-'), ('   '),
               (E'\t\n'), ('')) AS t(input);
SELECT dht_indexer.search_query('');
-- Bytes >= 0x80 are kept, so a symbol-only query is not '' but has no
-- lexemes either.
SELECT dht_indexer.normalize_query('🔥') AS normalized;
SELECT dht_indexer.search_query('🔥');

-- STRICT: NULL in, NULL out.
SELECT dht_indexer.normalize_name(NULL) IS NULL AS name_null,
       dht_indexer.normalize_query(NULL) IS NULL AS query_null;

-- A long name normalizes in full (no truncation below len + 1 bytes).
SELECT length(n) AS input_len,
       length(dht_indexer.normalize_name(n)) AS normalized_len,
       dht_indexer.normalize_name(n) = replace(n, '.', ' ') AS dots_only
  FROM (SELECT string_agg('Word' || i, '.') AS n
          FROM generate_series(1, 2000) i) s;

-- Stored names and queries agree: the generated search vector is the
-- normalized name through the dht_indexer.names configuration.
SELECT name, search_vector
  FROM dht_indexer.torrents
 WHERE name IN ('Ubuntu.22.04.Desktop.amd64.iso',
                'Le.Fabuleux.Destin.d''Amélie.Poulain.2001.1080p.BluRay.x264-HDMaNiAcS',
                '進撃の巨人 Attack on Titan S01 [BDRip 1080p]',
                '🔥 Summer Hits 2023 🔥 (320 kbps)')
 ORDER BY name COLLATE "C";
