# test/t/020_sim_crawl.pl
#	  The whole crawler against the offline simulator (test/sim): a worker
#	  bootstrapped into a simulated Mainline DHT of 2,000 nodes on 127/8,
#	  with 5,000 synthetic torrents (v1, v2-only and hybrid, single and
#	  multi-file up to thousands of files, some private, some with info
#	  dicts above 10 MiB) whose metadata is served by simulated peers over
#	  TCP, and the simulator's default misbehaviour: silent nodes, nodes
#	  answering garbage, and peers that are unreachable, slow, refuse
#	  ut_metadata, reject requests, lie about metadata_size, serve wrong
#	  bytes or drop the connection mid-piece.
#
#	  Compared with the manifest, the ground truth the simulator writes:
#	  (a) discovery: >= 95 % of the announced hashes reach the worker
#	      (BEP 51 samples, passive capture of the simulated clients'
#	      get_peers / announce_peer);
#	  (b) >= 95 % of the torrents an honest peer serves (within
#	      max_metadata_size) are indexed within the time budget;
#	  (c) 0 rows that differ from the manifest (name, total size, file
#	      count, v2 hash), files that add up to the total size, 0 rows for
#	      torrents only lying peers serve, 0 rows for info dicts above
#	      max_metadata_size, 0 rows that are not in the manifest (so a
#	      hybrid announced under both hashes is stored once, under v1);
#	  (d) every misbehaviour was met and counted by reason in stats().
#
#	  Time budget: the simulator starts in ~2 s; the worker usually
#	  reaches (b) in 1-3 minutes on a 2-core machine; the test gives it
#	  $BUDGET seconds.  Every address is on 127.0.0.0/8.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);

use DhtTest;

my $NODES    = 2000;
my $TORRENTS = 5000;
my $BUDGET   = 420;
my $TARGET   = 0.95;
my $MAX_META = 10 * 1024 * 1024;    # dht_indexer.max_metadata_size default

my $t0 = time();
sub elapsed { sprintf('%.0fs', time() - $t0) }

my $sim = sim_start(
	args => [
		'--nodes' => $NODES, '--torrents' => $TORRENTS, '--seed' => 20,
		'--sample-interval' => 30
	]);
note "simulator ready at " . elapsed() . ": $sim->{entries}";
is($sim->{world}{torrents}, $TORRENTS, "simulator built $TORRENTS torrents");
cmp_ok($sim->{world}{liars_only}, '>', 0, 'some torrents only liars serve');
cmp_ok($sim->{world}{hybrid}, '>', 0, 'some torrents are hybrid');
cmp_ok($sim->{world}{v2}, '>', 0, 'some torrents are v2-only');

my ($node) = new_node(
	'sim',
	nports => 4,
	conf   => "dht_indexer.bootstrap_nodes = '$sim->{entries}'\n"
	  . "dht_indexer.nodes_per_port = 4\n");
$node->safe_psql('postgres', 'CREATE EXTENSION dht_indexer CASCADE');
ok(wait_state($node, 'crawling'), 'worker crawling');
is(sim_load_manifest($node, $sim, 'manifest'), $TORRENTS, 'manifest loaded');

# What "indexed" means here: servable, and small enough to be fetched.
my $expected_sql = qq{
	SELECT count(*) FROM manifest m
	WHERE m.expected = 'servable' AND m.info_size <= $MAX_META};
my $indexed_sql = qq{
	SELECT count(*) FROM manifest m
	JOIN dht_indexer.torrents t ON t.info_hash = decode(m.info_hash, 'hex')
	WHERE m.expected = 'servable' AND m.info_size <= $MAX_META};
my $expected = $node->safe_psql('postgres', $expected_sql);
cmp_ok($expected, '>', $TORRENTS * 0.7, "$expected torrents are servable");

my $indexed = 0;
my $deadline = time() + $BUDGET;
while (time() < $deadline)
{
	$indexed = $node->safe_psql('postgres', $indexed_sql);
	last if $indexed >= $expected * $TARGET;
	sleep 5;
}
my $took = elapsed();
my $st = stats($node);
note "indexed $indexed of $expected at $took; unique_hashes $st->{unique_hashes},"
  . " fetch_ok $st->{fetch_ok}, gave_up $st->{fetch_gave_up}";

# (a) discovery
my $keys = $node->safe_psql('postgres',
	"SELECT count(*) + count(*) FILTER (WHERE kind = 'hybrid') FROM manifest");
cmp_ok($st->{unique_hashes}, '>=', $keys * $TARGET,
	"discovery: $st->{unique_hashes} of $keys announced hashes seen");

# (b) coverage
cmp_ok($indexed, '>=', $expected * $TARGET,
	"coverage: $indexed of $expected servable torrents indexed in $took");

# (c) correctness against the ground truth
is( $node->safe_psql(
		'postgres', q{
	SELECT count(*) FROM dht_indexer.torrents t
	JOIN manifest m ON t.info_hash = decode(m.info_hash, 'hex')
	WHERE t.name <> m.name OR t.total_size <> m.total_size
	   OR t.file_count <> m.file_count
	   OR coalesce(encode(t.info_hash_v2, 'hex'), '-') <> m.info_hash_v2}),
	'0',
	'no row differs from the manifest (name, total size, file count, v2 hash)');
is( $node->safe_psql(
		'postgres', q{
	SELECT count(*) FROM dht_indexer.torrents t
	JOIN dht_indexer.files f USING (info_hash)
	WHERE (SELECT sum(s) FROM unnest(f.sizes) s) <> t.total_size}),
	'0',
	'every torrent\'s files add up to its total size');
is( $node->safe_psql(
		'postgres', q{
	SELECT count(*) FROM dht_indexer.torrents t
	WHERE NOT EXISTS (SELECT 1 FROM dht_indexer.files f
	                  WHERE f.info_hash = t.info_hash)}),
	'0',
	'every torrent has its file list');
is( $node->safe_psql(
		'postgres', q{
	SELECT count(*) FROM dht_indexer.torrents t
	JOIN manifest m ON t.info_hash = decode(m.info_hash, 'hex')
	WHERE m.expected <> 'servable'}),
	'0',
	'no row for torrents that only lying, rejecting or unreachable peers hold');
is( $node->safe_psql(
		'postgres', qq{
	SELECT count(*) FROM dht_indexer.torrents t
	JOIN manifest m ON t.info_hash = decode(m.info_hash, 'hex')
	WHERE m.info_size > $MAX_META}),
	'0',
	'no row for info dicts above max_metadata_size');
is( $node->safe_psql(
		'postgres', q{
	SELECT count(*) FROM dht_indexer.torrents t
	WHERE NOT EXISTS (SELECT 1 FROM manifest m
	                  WHERE t.info_hash = decode(m.info_hash, 'hex'))}),
	'0',
	'no row outside the manifest: hybrids stored once, under their v1 hash');
my $hybrids = $node->safe_psql(
	'postgres', q{
	SELECT count(*) FROM dht_indexer.torrents t
	JOIN manifest m ON t.info_hash = decode(m.info_hash, 'hex')
	WHERE m.kind = 'hybrid'});
cmp_ok($hybrids, '>', 0, "$hybrids hybrids indexed");
note "store: $st->{store_flushes} transactions, worst $st->{store_flush_us_max} us,"
  . " total $st->{store_flush_us} us";
my $big = $node->safe_psql('postgres', q{
	SELECT count(*) FROM dht_indexer.torrents WHERE file_count >= 1000});
note "$big indexed torrents have 1,000 files or more";

# (d) every misbehaviour met, counted by reason
$st = stats($node);
for my $c (qw(fetch_fail_hash_mismatch fetch_fail_connect fetch_fail_reject
	fetch_fail_no_metadata fetch_fail_other timeouts dropped_parse
	errors_in))
{
	cmp_ok($st->{$c}, '>', 0, "stats(): $c = $st->{$c}");
}
my $huge_servable = $node->safe_psql('postgres', qq{
	SELECT count(*) FROM manifest
	WHERE info_size > $MAX_META AND expected = 'servable'});
SKIP:
{
	skip 'no servable torrent above max_metadata_size', 1
	  unless $huge_servable > 0;
	cmp_ok($st->{fetch_fail_too_big}, '>', 0,
		"stats(): fetch_fail_too_big = $st->{fetch_fail_too_big}");
}

my $final = sim_stop($sim);
note 'simulator: ' . join(' ', map { "$_=$final->{$_}" } sort keys %$final);
cmp_ok($final->{served_wrong}, '>', 0, 'lying peers served wrong metadata');
cmp_ok($final->{served}, '>=', $indexed, 'honest peers served what was indexed');
cmp_ok($final->{sample_infohashes}, '>', 0, 'the worker walked BEP 51');

$node->stop;
done_testing();
