# test/t/003_store.pl
#	  The store (extension/store.c), driven from a background worker by the
#	  test-only extension test_store: batched inserts with their file lists,
#	  ON CONFLICT, duplicates within and across batches, the blocklist,
#	  retry with backoff, dropping a batch that keeps failing (while the
#	  crawler keeps running), and hash classification.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);

use DhtTest;

my ($node) = new_node('store');
$node->safe_psql('postgres',
	'CREATE EXTENSION dht_indexer CASCADE; CREATE EXTENSION test_store;');
ok(wait_state($node, 'crawling'), 'crawler running');
my $crawler = stats($node)->{worker_pid};

# Run one test_store_insert(...) call; returns its counters as a hash ref
# (test_store_results is emptied first, so a worker that died leaves {}).
sub store_insert
{
	my ($args) = @_;
	my $out = $node->safe_psql('postgres',
		    "DELETE FROM test_store_results; SELECT test_store_insert($args); "
		  . "SELECT key || '=' || value FROM test_store_results ORDER BY key");
	return { map { split /=/, $_, 2 } grep { /=/ } split /\n/, $out };
}

sub counters
{
	my (%want) = @_;
	return {
		flushes           => 0,
		flush_errors      => 0,
		batches_dropped   => 0,
		rows_dropped      => 0,
		torrents_inserted => 0,
		pending           => 0,
		%want
	};
}

sub sql { return $node->safe_psql('postgres', $_[0]); }

# Rows of one seed in the index (i in 0 .. n-1).
sub seed_rows
{
	my ($seed, $n) = @_;
	return sql(
		"SELECT count(*) FROM generate_series(0, $n - 1) i "
		  . "JOIN dht_indexer.torrents t ON t.info_hash = test_store_hash($seed, i)"
	);
}

# --- (1) 250 torrents, 3 files each, batches of 100.
my $r = store_insert('250, 3, 1, batch => 100');
is_deeply(
	$r,
	counters(flushes => 3, torrents_inserted => 250),
	'250 torrents in 3 flushes');
is(sql('SELECT count(*) FROM dht_indexer.torrents'), '250', '250 rows');
is( sql(<<'EOQ'), '250', 'every row has its hash, v2 hash, name, size and file count');
SELECT count(*)
  FROM generate_series(0, 249) i
  JOIN dht_indexer.torrents t ON t.info_hash = test_store_hash(1, i)
 WHERE t.info_hash_v2 IS NOT DISTINCT FROM test_store_hash_v2(1, i)
   AND t.name = format(U&'Test.Torrent.1.%s.\00DCn\00EFc\00F6d\00E9 [1080p]', i)
   AND t.total_size = 3000 + 3 * i
   AND t.file_count = 3
EOQ
is( sql(
		'SELECT count(*) FROM dht_indexer.torrents WHERE info_hash_v2 IS NOT NULL'
	),
	'84',
	'every third torrent (84 of 250) has a v2 hash');
is( sql(
		'SELECT count(*) FROM dht_indexer.torrents WHERE octet_length(info_hash_v2) = 32'
	),
	'84',
	'v2 hashes are 32 bytes');
is( sql(<<'EOQ'), '0', 'each torrent lists exactly its 3 files, in order, with their sizes');
SELECT count(*)
  FROM generate_series(0, 249) i
 WHERE (SELECT array_agg(f.path || '=' || f.size ORDER BY f.ord)
          FROM dht_indexer.files(test_store_hash(1, i))
               WITH ORDINALITY AS f(path, size, ord))
       IS DISTINCT FROM
       ARRAY[format('dir %s/file 0.bin=%s', i, i),
             format('dir %s/file 1.bin=%s', i, 1000 + i),
             format('dir %s/file 2.bin=%s', i, 2000 + i)]
EOQ
is( sql(<<'EOQ'), '0', 'total_size is the sum of the file sizes');
SELECT count(*) FROM dht_indexer.torrents t
 WHERE t.total_size <> (SELECT sum(f.size) FROM dht_indexer.files(t.info_hash) f)
EOQ
is( sql(<<'EOQ'), '84', 'a hybrid torrent is found by its v2 hash as well');
SELECT count(*) FROM generate_series(0, 249) i
 WHERE test_store_hash_v2(1, i) IS NOT NULL
   AND (SELECT info_hash FROM dht_indexer.torrent(test_store_hash_v2(1, i)))
       = test_store_hash(1, i)
EOQ
is(sql(q{SELECT count(*) FROM dht_indexer.search('unicode 1080p', 1000)}),
	'250', 'stored names are searchable (accents folded)');

# --- (2) The same torrents again: ON CONFLICT DO NOTHING.
$r = store_insert('250, 3, 1, batch => 100');
is_deeply($r, counters(flushes => 3),
	'the same 250 torrents again: nothing inserted, no error');
is(sql('SELECT count(*) FROM dht_indexer.torrents'), '250', 'still 250 rows');
is(sql('SELECT count(*) FROM dht_indexer.files'), '250', 'still 250 file lists');

# --- (3) Each torrent twice in a row; batches of 25 put some pairs in the
# same batch and split others across two.
$r = store_insert('60, 2, 2, batch => 25, duplicates => true');
is_deeply($r, counters(flushes => 5, torrents_inserted => 60),
	'duplicates in and across batches: each torrent stored once');
is(seed_rows(2, 60), '60', 'all 60 torrents of seed 2 present');
is(sql('SELECT count(*) FROM dht_indexer.torrents'), '310', '310 rows in all');

# --- (4) Blocklisted hashes (a v1 hash, and the v2 hash of a hybrid by its
# 20-byte prefix) are never stored.
sql(<<'EOQ');
INSERT INTO dht_indexer.blocklist (info_hash, reason) VALUES
    (test_store_hash(3, 1), 'tap: v1'),
    (substr(test_store_hash_v2(3, 3), 1, 20), 'tap: v2 prefix')
EOQ
$r = store_insert('30, 1, 3');
is_deeply($r, counters(flushes => 1, torrents_inserted => 28),
	'28 of 30 torrents inserted, 2 blocklisted');
is(seed_rows(3, 30), '28', '28 rows of seed 3');
is( sql(
		"SELECT count(*) FROM dht_indexer.torrents WHERE info_hash IN (test_store_hash(3, 1), test_store_hash(3, 3))"
	),
	'0',
	'neither blocklisted torrent is stored');
is( sql(
		"SELECT count(*) FROM dht_indexer.files WHERE info_hash IN (test_store_hash(3, 1), test_store_hash(3, 3))"
	),
	'0',
	'nor their files');

# --- (5) A flush that fails twice, then works: retried with backoff.
sql(<<'EOQ');
CREATE SEQUENCE fail_seq;
CREATE FUNCTION fail_twice() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF nextval('fail_seq') <= 2 THEN
        RAISE EXCEPTION 'tap: injected failure %', currval('fail_seq');
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER fail_twice BEFORE INSERT ON dht_indexer.torrents
    FOR EACH STATEMENT EXECUTE FUNCTION fail_twice();
EOQ
my $off   = log_offset($node);
my $start = time();
$r = store_insert('150, 1, 4, batch => 100, backoff_ms => 200');
my $elapsed = time() - $start;
is_deeply(
	$r,
	counters(flushes => 2, flush_errors => 2, torrents_inserted => 150),
	'two failed attempts, then both batches committed');
is(seed_rows(4, 150), '150', 'all 150 rows of seed 4 inserted');
cmp_ok($elapsed, '>=', 0.6,
	"retries waited 200 ms, then 400 ms (took ${elapsed}s)");
my @failures = grep { /storing 100 torrents failed: tap: injected failure/ }
  split /\n/, log_since($node, $off);
is(scalar(@failures), 2, 'log: both failures are logged');
like(
	$failures[0] // '',
	qr/LOG:  dht_indexer: storing 100 torrents failed: tap: injected failure 1$/,
	'log: the failure line carries the dht_indexer: prefix once');
sql('DROP TRIGGER fail_twice ON dht_indexer.torrents');

# --- (6) A flush that always fails: the batch is dropped after 3 attempts,
# counted and logged, and the crawler is not disturbed.
sql(<<'EOQ');
CREATE FUNCTION always_fail() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'tap: always fails';
END $$;
CREATE TRIGGER always_fail BEFORE INSERT ON dht_indexer.torrents
    FOR EACH STATEMENT EXECUTE FUNCTION always_fail();
EOQ
$off = log_offset($node);
$r   = store_insert('40, 1, 5, batch => 100, max_attempts => 3');
is_deeply(
	$r,
	counters(flush_errors => 3, batches_dropped => 1, rows_dropped => 40),
	'3 failed attempts, then the batch of 40 is dropped');
is(seed_rows(5, 40), '0', 'no row of the dropped batch');
ok( wait_log(
		$node,
		qr/dht_indexer: dropped a batch of 40 torrents after 3 failed attempts/,
		$off),
	'log: the batch was dropped');
sql('DROP TRIGGER always_fail ON dht_indexer.torrents');
my $s = stats($node);
is($s->{worker_pid}, $crawler, 'the crawler still runs, same pid');
is($s->{state}, 'crawling', 'and still crawls');

# --- (7) Classification: known (v1, or a hybrid by its v2 prefix),
# blocklisted (including what forget() removed) and unknown.
is( sql("SELECT dht_indexer.forget(test_store_hash(1, 6), 'tap: forget')"),
	't', 'forget() removes a stored hybrid');
sql(<<'EOQ');
INSERT INTO test_store_hashes (ord, hash) VALUES
    (1,  test_store_hash(1, 0)),                    -- known v1 (hybrid)
    (2,  test_store_hash(1, 1)),                    -- known v1
    (3,  substr(test_store_hash_v2(1, 3), 1, 20)),  -- known by v2 prefix
    (4,  test_store_hash(3, 1)),                    -- blocklisted
    (5,  substr(test_store_hash_v2(3, 3), 1, 20)),  -- blocklisted v2 prefix
    (6,  test_store_hash(1, 6)),                    -- forgotten: blocklisted
    (7,  substr(test_store_hash_v2(1, 6), 1, 20)),  -- its v2 prefix too
    (8,  test_store_hash(99, 0)),                   -- never seen
    (9,  test_store_hash(5, 0)),                    -- its batch was dropped
    (10, '\x0000000000000000000000000000000000000000'),
    (11, test_store_hash(2, 59))                    -- known v1
EOQ
sql('SELECT test_store_classify()');
is( sql(
		q{SELECT string_agg(coalesce(status::text, 'NULL'), ',' ORDER BY ord) FROM test_store_hashes}
	),
	'1,1,1,2,2,2,2,0,0,0,1',
	'statuses: known 1, blocklisted 2, unknown 0');

my $full = slurp_file($node->logfile);
unlike($full, qr/terminated by signal|TRAP:|PANIC:/,
	'no process crashed');
is(stats($node)->{worker_pid}, $crawler, 'the crawler kept its pid');

$node->stop;
done_testing();
