# test/t/007_popularity_and_resolve_status.pl
#	  Popularity: get_peers and announce_peer queries sent to a running
#	  worker over loopback raise seen_count and last_seen of the indexed
#	  torrents they name (a hybrid under either hash, a v2-only torrent
#	  once), in batched updates counted in stats(); hashes that are not
#	  indexed are not counted; a row inserted while crawling counts once
#	  the worker has checked its hash; search() ranks the popular first.
#	  resolve_status(): requests for an indexed and a blocklisted hash are
#	  already_known and blocklisted; unreachable hashes go queued ->
#	  fetching -> failed with a reason (no_peers, connect, hash_mismatch);
#	  a hash a peer serves correctly ends stored; pause and resume hand a
#	  waiting request to the new resolver.
use strict;
use warnings;

use Digest::SHA qw(sha1 sha1_hex sha256 sha256_hex);
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time usleep);

use DhtTest;

# A request without peers fails after RESOLVER_MAX_LOOKUPS (2) lookups,
# each followed by PIPELINE_LOOKUP_WAIT_MS (15 s) of waiting for peers.
my $RESOLVE_WAIT = 90;
my $t0           = time();
END { lt_stop_all(); }

# Start disabled, so that the rows inserted below are in the worker's
# known-hash filter when it starts crawling.
my ($node, $port) = new_node('popularity', nports => 1,
	conf => "dht_indexer.enabled = off\n");
$node->safe_psql('postgres', 'CREATE EXTENSION dht_indexer CASCADE');
ok(wait_state($node, 'disabled'), 'worker idles (disabled)');

sub sql { return $node->safe_psql('postgres', $_[0]); }
sub hexof { return unpack('H*', $_[0]); }

my %h = (
	plain     => sha1('loopback plain'),
	hybrid_v1 => sha1('loopback hybrid'),
	hybrid_v2 => sha256('loopback hybrid'),
	v2only    => sha256('loopback v2 only'),
	unseen    => sha1('loopback unseen'),
	late      => sha1('loopback late'),
	absent    => sha1('loopback not indexed'),
	blocked   => sha1('loopback blocked'));
my $v2only_key   = substr($h{v2only},    0, 20);
my $hybrid_v2pre = substr($h{hybrid_v2}, 0, 20);

sql(sprintf(<<'EOQ', map { hexof($_) } $h{plain}, $h{hybrid_v1}, $h{hybrid_v2}, $v2only_key, $h{v2only}, $h{unseen}, $h{blocked}));
INSERT INTO dht_indexer.torrents (info_hash, info_hash_v2, name, total_size, file_count)
VALUES ('\x%s', NULL, 'Loopback Cats Plain', 1, 1),
       ('\x%s', '\x%s', 'Loopback Cats Hybrid', 1, 1),
       ('\x%s', '\x%s', 'Loopback Cats Twoonly', 1, 1),
       ('\x%s', NULL, 'Loopback Cats Unseen', 1, 1);
INSERT INTO dht_indexer.blocklist (info_hash, reason) VALUES ('\x%s', 'tap');
EOQ

my $off = log_offset($node);
sql("ALTER SYSTEM SET dht_indexer.enabled = on; SELECT pg_reload_conf();");
ok(wait_state($node, 'crawling'), 'crawling after enabled = on');
ok(wait_log($node, qr/metadata resolver started, \d+ known hashes loaded/, $off),
	'the resolver loaded the known hashes');
my $before = sql('SELECT now()');

# One get_peers query from $from; true if the worker answered it.
sub get_peers
{
	my ($from, $hash) = @_;
	my $id = join('', map { chr(int(rand(256))) } 1 .. 20);
	my $r = krpc_query($from, '127.0.0.1', $port,
		{ t => 'gp', y => 'q', q => 'get_peers',
		  a => { id => $id, info_hash => $hash } }, 5);
	return ref $r eq 'HASH' && ($r->{y} // '') eq 'r';
}

# get_peers then announce_peer (two sightings); true if accepted.
sub announce
{
	my ($from, $hash, $tcp_port) = @_;
	my $r = DhtTest::krpc_announce($from, '127.0.0.1', $port, $hash,
		$tcp_port // 6881, 5);
	return ref $r eq 'HASH' && ($r->{y} // '') eq 'r';
}

sub seen_count
{
	my ($hash) = @_;
	return sql("SELECT seen_count FROM dht_indexer.torrents WHERE info_hash = '\\x"
		  . hexof($hash) . "'");
}

# --- Popularity ---------------------------------------------------------

my $answered = 0;
# plain: 3 get_peers + an announce (get_peers and announce_peer) = 5
$answered += get_peers('127.0.0.2', $h{plain}) for 1 .. 3;
$answered += announce('127.0.0.3', $h{plain});
# hybrid: 2 get_peers under v1, 2 under the v2 prefix, an announce under
# the v2 prefix = 6, all on its one row
$answered += get_peers('127.0.0.4', $h{hybrid_v1}) for 1 .. 2;
$answered += get_peers('127.0.0.5', $hybrid_v2pre) for 1 .. 2;
$answered += announce('127.0.0.5', $hybrid_v2pre);
# v2-only: keyed by its v2 prefix; 2 get_peers count twice, not four times
$answered += get_peers('127.0.0.6', $v2only_key) for 1 .. 2;
# not indexed: never counted
$answered += get_peers('127.0.0.7', $h{absent}) for 1 .. 2;
is($answered, 13, 'the worker answered all 13 queries');

ok( wait_until(
		$node,
		sprintf(
			"SELECT count(*) = 3 FROM dht_indexer.torrents WHERE "
			  . "(info_hash, seen_count) IN (('\\x%s', 5), ('\\x%s', 6), ('\\x%s', 2))",
			hexof($h{plain}), hexof($h{hybrid_v1}), hexof($v2only_key))),
	'seen_count reached 5, 6 and 2');
is(seen_count($h{plain}),     5, 'plain torrent: 3 get_peers + 1 announce');
is(seen_count($h{hybrid_v1}), 6, 'hybrid: queries under both of its hashes count on its row');
is(seen_count($v2only_key),   2, 'v2-only torrent: counted once per query');
is(seen_count($h{unseen}),    0, 'a torrent nobody asked about stays at 0');
is( sql("SELECT count(*) FROM dht_indexer.torrents WHERE seen_count > 0 "
		  . "AND last_seen BETWEEN '$before' AND now()"),
	3, 'last_seen is set to the time of the sightings');
is(sql("SELECT count(*) FROM dht_indexer.torrents WHERE seen_count = 0 AND last_seen IS NULL"),
	1, 'the unseen torrent has no last_seen');
ok( wait_stats(
		$node,
		'popularity_sightings = 13 AND popularity_rows >= 3 AND popularity_flushes >= 1 '
		  . 'AND popularity_hashes = 0 AND popularity_dropped = 0 '
		  . 'AND popularity_flush_errors = 0 AND popularity_flush_us_max > 0'),
	'stats(): 13 sightings of indexed hashes, written in batches');
my $s = stats($node);
note "popularity: $s->{popularity_flushes} flushes, $s->{popularity_rows} rows, "
  . "worst flush $s->{popularity_flush_us_max} us, total $s->{popularity_flush_us} us";
cmp_ok($s->{popularity_flush_us_max}, '<=', $s->{popularity_flush_us},
	'the worst flush is part of the total time');

# A flush later, nothing is counted twice.
sleep(6);
is( sql(sprintf(
			"SELECT string_agg(seen_count::text, ',' ORDER BY name) FROM dht_indexer.torrents "
			  . "WHERE name LIKE 'Loopback Cats %%'")),
	'6,5,2,0', 'counts are stable after further flushes');

# Ranking: four names of the same length and relevance, by popularity.
is( sql("SELECT string_agg(name || ':' || seen_count, ',' ORDER BY rank DESC, name) "
		  . "FROM dht_indexer.search('loopback cats')"),
	'Loopback Cats Hybrid:6,Loopback Cats Plain:5,Loopback Cats Twoonly:2,Loopback Cats Unseen:0',
	'search() ranks the equally relevant torrents by popularity');

# A row inserted while crawling: its hash is not in the worker's filter
# until its first sighting has been checked as a candidate.
my $known0 = stats($node)->{candidates_known};
sql(sprintf("INSERT INTO dht_indexer.torrents (info_hash, name, total_size, file_count) "
	  . "VALUES ('\\x%s', 'Loopback Late', 1, 1)", hexof($h{late})));
ok(get_peers('127.0.0.8', $h{late}), 'get_peers for the late row answered');
ok(wait_stats($node, "candidates_known >= $known0 + 1"),
	'the worker checked the late hash and found it indexed');
ok(get_peers('127.0.0.8', $h{late}), 'get_peers for the late row answered')
  for 1 .. 2;
ok( wait_until(
		$node,
		"SELECT seen_count >= 2 FROM dht_indexer.torrents WHERE info_hash = '\\x"
		  . hexof($h{late}) . "'"),
	'the late row counts the sightings after its check');
cmp_ok(seen_count($h{late}), '<=', 3, 'and at most its first one too');

# --- resolve_status() ---------------------------------------------------

# The state of one request, and the whole row as text for messages.
sub status_of
{
	my ($hash) = @_;
	return sql("SELECT state || '|' || attempts || '|' || lookups || '|' || "
		  . "coalesce(last_error, '') FROM dht_indexer.resolve_status() "
		  . "WHERE info_hash = '\\x" . hexof($hash) . "'");
}

sub wait_status
{
	my ($hash, $cond, $seconds) = @_;
	return 1
	  if wait_until($node,
		"SELECT count(*) = 1 FROM dht_indexer.resolve_status() WHERE info_hash = '\\x"
		  . hexof($hash) . "' AND ($cond)", $seconds);
	diag('resolve_status of ' . hexof($hash) . ': ' . status_of($hash));
	return 0;
}

sub resolve { return sql("SELECT dht_indexer.resolve('$_[0]')"); }

resolve(hexof($h{plain}));
resolve("magnet:?xt=urn:btmh:1220" . hexof($h{hybrid_v2}));
resolve(hexof($h{blocked}));
ok(wait_status($h{plain}, "state = 'already_known' AND last_error IS NULL"),
	'an indexed hash: already_known');
ok(wait_status($hybrid_v2pre, "state = 'already_known'"),
	'a hybrid asked for by its v2 hash: already_known');
ok(wait_status($h{blocked}, "state = 'blocklisted'"),
	'a blocklisted hash: blocklisted');

# Unreachable: no peer anywhere, no DHT node to ask.
my %u = (
	no_peers => sha1('loopback nobody has it'),
	connect  => sha1('loopback dead peer'));
my $requested = sql('SELECT now()');
resolve(hexof($u{no_peers}));
like(status_of($u{no_peers}), qr/^(queued|fetching)\|/,
	'a new request is queued or fetching at once');
ok(wait_status($u{no_peers}, "state = 'fetching' AND lookups >= 1"),
	'then fetching: a lookup for peers started');
is( sql("SELECT requested_at >= '$requested' AND updated_at >= requested_at "
		  . "FROM dht_indexer.resolve_status() WHERE info_hash = '\\x"
		  . hexof($u{no_peers}) . "'"),
	't', 'requested_at and updated_at are set');

# A peer that refuses connections, announced after the request.
resolve(hexof($u{connect}));
my $dead_port = PostgreSQL::Test::Cluster::get_free_port();
ok(announce('127.0.0.9', $u{connect}, $dead_port),
	'a peer with a closed port announced for the second hash');
ok(wait_status($u{connect}, "attempts >= 1 AND last_error = 'connect'"),
	'the fetch from it failed: last_error connect, while still resolving');

# A peer that serves bytes which do not match the hash.
my $bad;
my $claimed;
SKIP:
{
	skip 'python3 not found', 2 unless -x $DhtTest::LT_PYTHON;
	$bad = DhtTest::bad_peer_start(bind => '127.0.0.10', lifetime => 240);
	my (undef, $bad_port) = split /:/, $bad->{addr};
	$claimed = pack('H*', $bad->{ready}{claimed}{v1});
	resolve($bad->{ready}{claimed}{v1});
	ok(announce('127.0.0.10', $claimed, $bad_port),
		"$bad->{addr} announced for the hash it serves wrongly");
	ok(wait_status($claimed, "attempts >= 1 AND last_error = 'hash_mismatch'"),
		'its metadata failed verification: last_error hash_mismatch');
}

ok( wait_status(
		$u{no_peers}, "state = 'failed' AND last_error = 'no_peers' "
		  . "AND attempts = 0 AND lookups = 2", $RESOLVE_WAIT),
	'no peer ever found: failed, no_peers, after two lookups');
ok( wait_status(
		$u{connect}, "state = 'failed' AND last_error = 'connect' AND attempts = 1",
		$RESOLVE_WAIT),
	'only a dead peer: failed, connect');
SKIP:
{
	skip 'python3 not found', 1 unless $claimed;
	ok( wait_status(
			$claimed, "state = 'failed' AND last_error = 'hash_mismatch'",
			$RESOLVE_WAIT),
		'only a peer with wrong bytes: failed, hash_mismatch');
}

# A peer that serves the right metadata: stored.  The hybrid is asked for
# by its v2 hash and stored under its v1 hash.
SKIP:
{
	my ($lt_ok, $why) = lt_available();
	skip "python3-libtorrent: $why", 6 unless $lt_ok && $bad;
	my (undef, $bad_port) = split /:/, $bad->{addr};
	my $made = lt_call($bad, 'make_torrent',
		name    => 'Loopback Resolved Hybrid',
		files   => [ [ 'a.bin', 40000 ] ],
		version => 'hybrid');
	ok($made->{ok} && $made->{v1} && $made->{v2}, 'libtorrent made a hybrid torrent')
	  or diag explain $made;
	my $v2 = pack('H*', $made->{v2});
	resolve($made->{v2_full});
	ok(announce('127.0.0.10', $v2, $bad_port),
		"$bad->{addr} announced for the hybrid's v2 hash");
	ok(wait_status($v2, "state = 'stored' AND attempts >= 1", 60),
		'the request ends stored');
	is( sql("SELECT name FROM dht_indexer.torrents WHERE info_hash = '\\x$made->{v1}'"),
		'Loopback Resolved Hybrid', 'the torrent is in the index under its v1 hash');

	# Stored by the worker: in its filter at once, so its first sighting counts.
	ok(get_peers('127.0.0.11', $v2), 'get_peers for the new torrent answered');
	ok( wait_until(
			$node,
			"SELECT seen_count >= 1 FROM dht_indexer.torrents WHERE info_hash = '\\x$made->{v1}'"),
		'a torrent the worker stored counts from its first sighting');
}

# Pause: a request taken while paused stays queued, and the resolver that
# starts on resume takes it.
my $waiting = sha1('loopback asked while paused');
sql('SELECT dht_indexer.pause()');
ok(wait_state($node, 'paused'), 'paused');
resolve(hexof($waiting));
ok(wait_stats($node, 'resolve_queue_depth = 0'), 'the worker took the request');
is((split /\|/, status_of($waiting))[0], 'queued', 'paused: the request stays queued');
sql('SELECT dht_indexer.resume()');
ok(wait_status($waiting, "state = 'fetching' AND lookups >= 1"),
	'after resume() the new resolver works on it');

# Newest first, one row per hash.
is( sql("SELECT encode(info_hash, 'hex') FROM dht_indexer.resolve_status() LIMIT 1"),
	hexof($waiting), 'resolve_status() lists the newest request first');
is(sql("SELECT count(*) = count(DISTINCT info_hash) FROM dht_indexer.resolve_status()"),
	't', 'one row per hash');

unlike(slurp_file($node->logfile), qr/terminated by signal|TRAP:|PANIC:|counting sightings .*failed/,
	'no crash and no failed popularity update');
lt_stop_all();
$node->stop;
note sprintf('total %.0f s', time() - $t0);
done_testing();
