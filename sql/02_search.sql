--
-- 02_search: dht_indexer.search() on the fixture corpus.  Word matches
-- (rank >= 1) come first by ts_rank_cd, then, for plain queries, substring
-- matches (rank < 1).  Only names and the word/substring split are printed.
--

-- Dotted and dashed release names are found with a typed version number.
SELECT name FROM dht_indexer.search('ubuntu 22.04');
-- Case does not matter, in the query or in the name.
SELECT name FROM dht_indexer.search('UBUNTU 22.04');
SELECT name FROM dht_indexer.search('uBuNtU.22.04');
-- A dotted query is a phrase: 22.04 must not match 22.10 or 20.04.
SELECT name FROM dht_indexer.search('ubuntu 22.04 desktop');
SELECT name FROM dht_indexer.search('ubuntu 20.04');

-- Word matches rank above substring matches: Kubuntu contains
-- "ubuntu 22.04" only as a substring.
SELECT name, rank >= 1 AS word_match FROM dht_indexer.search('ubuntu 22.04');
-- A partial word is found by the substring fallback only.
SELECT name, rank >= 1 AS word_match FROM dht_indexer.search('buntu');

-- No English stemming: "running" does not find "Run", and "run" finds
-- "Run Lola Run" as a word; Runner/Running/Runaways only as substrings.
SELECT name, rank >= 1 AS word_match FROM dht_indexer.search('running');
SELECT name, rank >= 1 AS word_match FROM dht_indexer.search('run');
SELECT name FROM dht_indexer.search('runs');

-- Ranking: the short exact name first, the long collection that mentions
-- the word once last.
SELECT name FROM dht_indexer.search('inception');
SELECT name FROM dht_indexer.search('matrix');

-- Phrases: adjacent words in order.  Without quotes, both words anywhere.
SELECT name FROM dht_indexer.search('"dark knight"');
SELECT name FROM dht_indexer.search('knight dark');
SELECT name FROM dht_indexer.search('"knight dark"');
SELECT name FROM dht_indexer.search('"frieren 02"');
-- A hyphenated word is a phrase too.
SELECT name FROM dht_indexer.search('spider-man');
SELECT name FROM dht_indexer.search('spider man');

-- Exclusions.
SELECT name FROM dht_indexer.search('dark knight -rises');
SELECT name FROM dht_indexer.search('"dark knight" -rises -collection');
SELECT name FROM dht_indexer.search('-"spider man" spider');
SELECT name FROM dht_indexer.search('ubuntu -desktop -server');

-- or.
SELECT name FROM dht_indexer.search('amelie or pokemon');
SELECT name FROM dht_indexer.search('björk OR motörhead');
-- A leading or trailing "or" is not an operator and is dropped.
SELECT name FROM dht_indexer.search('or amelie or');

-- Accent folding, both ways.
SELECT name FROM dht_indexer.search('amelie');
SELECT name FROM dht_indexer.search('AMÉLIE');
SELECT name FROM dht_indexer.search('pokemon');
SELECT name FROM dht_indexer.search('bjork');
SELECT name FROM dht_indexer.search('cafe');
SELECT name FROM dht_indexer.search('Café');
SELECT name FROM dht_indexer.search('lodz');
SELECT name FROM dht_indexer.search('uber leben');
SELECT name FROM dht_indexer.search('miserables');

-- CJK and Korean: whole words match as words; a part of a run of CJK
-- characters is found by the substring fallback.
SELECT name, rank >= 1 AS word_match FROM dht_indexer.search('進撃の巨人');
SELECT name, rank >= 1 AS word_match FROM dht_indexer.search('巨人');
SELECT name, rank >= 1 AS word_match FROM dht_indexer.search('千尋');
SELECT name, rank >= 1 AS word_match FROM dht_indexer.search('国语中字');
SELECT name, rank >= 1 AS word_match FROM dht_indexer.search('게임');
SELECT name, rank >= 1 AS word_match FROM dht_indexer.search('기생충 parasite');

-- Names with emoji are found by their words.
SELECT name FROM dht_indexer.search('summer 2023');
SELECT name FROM dht_indexer.search('cats 4k');

-- Scene tokens.
SELECT name FROM dht_indexer.search('s01e02');
SELECT name FROM dht_indexer.search('S01E01 x264');
SELECT name FROM dht_indexer.search('h.264', 3);
SELECT name FROM dht_indexer.search('frieren 1080p');
SELECT name FROM dht_indexer.search('[SubsPlease] Frieren - 02 (1080p)');
SELECT name FROM dht_indexer.search('x265 2160p');

-- Music, ebooks, software.
SELECT name FROM dht_indexer.search('pink floyd flac');
SELECT name FROM dht_indexer.search('dune');
SELECT name FROM dht_indexer.search('dune epub');
SELECT name FROM dht_indexer.search('amd64.iso');

-- The substring fallback escapes LIKE wildcards: "p_o" and "00%" are
-- literal (unescaped, they would match many names).
SELECT count(*) AS unescaped_like_matches
  FROM dht_indexer.torrents WHERE name ILIKE '%p_o%';
SELECT left(name, 30) AS name, rank >= 1 AS word_match
  FROM dht_indexer.search('p_o');
SELECT count(*) AS unescaped_like_matches
  FROM dht_indexer.torrents WHERE name ILIKE '%00%%';
SELECT name, rank >= 1 AS word_match FROM dht_indexer.search('00%');
-- "%" is a separator for word matches: "100%" finds the word 100.
SELECT name FROM dht_indexer.search('100%');

-- The result row: hash, size and file count of the torrent.
SELECT encode(info_hash, 'hex') AS info_hash, name, total_size, file_count,
       rank >= 1 AS word_match
  FROM dht_indexer.search('big buck bunny');

-- Nothing to search for: no rows and no NOTICE.
SELECT name FROM dht_indexer.search('');
SELECT name FROM dht_indexer.search('   ');
SELECT name FROM dht_indexer.search(E' \t\n ');
SELECT name FROM dht_indexer.search('or');
SELECT name FROM dht_indexer.search('- . ...');
SELECT name FROM dht_indexer.search('x');
SELECT name FROM dht_indexer.search(NULL);
SELECT name FROM dht_indexer.search('ubuntu', NULL);
-- No match at all.
SELECT name FROM dht_indexer.search('nonexistentword');
SELECT name FROM dht_indexer.search('"ubuntu fedora"');

-- lim is respected, for word matches and for the substring fallback.
SELECT count(*) FROM dht_indexer.search('1080p');
SELECT count(*) FROM dht_indexer.search('1080p', 10000);
SELECT count(*) = (SELECT count(*) FROM dht_indexer.torrents
                    WHERE search_vector @@ dht_indexer.search_query('1080p'))
       AS all_found
  FROM dht_indexer.search('1080p', 10000);
SELECT name FROM dht_indexer.search('1080p bluray x264', 3);
SELECT name FROM dht_indexer.search('1080p bluray x264', 1);
SELECT name FROM dht_indexer.search('buntu', 2);
-- The limit counts word and substring matches together.
SELECT name, rank >= 1 AS word_match FROM dht_indexer.search('run', 2);

-- lim out of range.
SELECT * FROM dht_indexer.search('ubuntu', 0);
SELECT * FROM dht_indexer.search('ubuntu', -1);
SELECT * FROM dht_indexer.search('ubuntu', 10001);

-- A query without lexemes (emoji only) and a query of exclusions only have
-- no positive term: no rows, and no NOTICE.
SELECT name FROM dht_indexer.search('🔥');
SELECT name FROM dht_indexer.search('-rises', 3);
