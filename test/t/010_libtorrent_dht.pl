# test/t/010_libtorrent_dht.pl
#	  Interop with a real client: three libtorrent DHT nodes (python3-
#	  libtorrent, test/interop/lt_node.py) on 127.0.1.1, 127.0.2.1 and
#	  127.0.3.1, seeded only with the worker's node, and the worker with
#	  them as its bootstrap nodes.  Shows that
#	  (a) libtorrent bootstraps through us, keeps our node in its routing
#	      table, and meets the other libtorrent nodes through our replies;
#	  (b) the hashes libtorrent announces (both hashes of its default hybrid
#	      v1+v2 torrents, and a v1-only torrent) are captured;
#	  (c) libtorrent answers our BEP 51 walk, and a hash only libtorrent
#	      holds reaches recent_hashes() with source 'sample'; libtorrent
#	      reads our own BEP 51 answers too;
#	  (d) the worker never sends one libtorrent IP more than
#	      send_rate_per_ip packets/s (its burst is one second's worth), even
#	      when libtorrent floods it with queries, and libtorrent with its
#	      default DoS limits (dht_block_ratelimit 5: 50 packets in 10 s
#	      bans an IP) never bans us.
#
#	  Every address is on 127.0.0.0/8; every wait is bounded; the libtorrent
#	  processes are stopped in END (and exit by themselves on stdin EOF or
#	  after their lifetime).  About 25 s in all.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time usleep);

use DhtTest;

# send_rate_per_ip under test (the default).  lt_node.py stamps a datagram
# when it pops libtorrent's alert, up to max_pop_gap (which it reports)
# after the arrival; a window of 1 s is therefore checked as one of
# 1 s - lag, with lag at least $MIN_LAG, so that a late stamp can never make
# the count look larger than it was.
my $RATE    = 4;
my $MIN_LAG = 0.1;
# libtorrent's DoS blocker: dht_block_ratelimit * 10 packets in 10 s.
my $LT_BAN_PACKETS = 50;
# The interval libtorrent advertises in BEP 51 answers (s): short, so that
# the worker's walk comes back during the test.
my $LT_SAMPLE_INTERVAL = 5;

my $t0 = time();
sub elapsed { sprintf('%.1fs', time() - $t0) }

DhtTest::lt_require();

END { lt_stop_all(); }

my @ips = ('127.0.1.1', '127.0.2.1', '127.0.3.1');
my $lt_port = lt_free_port(@ips);
my @lt_addrs = map { "$_:$lt_port" } @ips;

my ($node, $port) = new_node(
	'libtorrent',
	nports => 1,
	conf   => "dht_indexer.bootstrap_nodes = '"
	  . join(',', @lt_addrs) . "'\n"
	  . "dht_indexer.send_rate_per_ip = $RATE\n");
my $worker = "127.0.0.1:$port";
$node->safe_psql('postgres', 'CREATE EXTENSION dht_indexer CASCADE');
ok(wait_state($node, 'crawling'), 'worker crawling on ' . $worker);

# --- (a) libtorrent bootstraps through us ---------------------------------

# The third node keeps libtorrent's default DoS limit (see (d)).
my @lt;
for my $i (0 .. 2)
{
	push @lt,
	  lt_start(
		bind      => $ips[$i],
		port      => $lt_port,
		bootstrap => [$worker],
		lifetime  => 240,
		extra     => [
			'--sample-interval', $LT_SAMPLE_INTERVAL,
			$i == 2 ? ('--block-ratelimit', 5) : ()
		]);
}
note 'libtorrent nodes ' . join(', ', map { $_->{addr} } @lt)
  . ' started at ' . elapsed();

for my $lt (@lt)
{
	my $r = lt_call($lt, 'wait_bootstrap', timeout => 20);
	ok($r->{ok}, "$lt->{addr}: libtorrent bootstrap complete")
	  or diag explain $r;
}

# The worker bootstrapped before the libtorrent nodes were up; a reload
# starts a new round, and the nodes answer it.
$node->reload;
ok(wait_stats($node, 'bootstrap_replies >= 1 AND good_nodes >= 3'),
	'the worker knows the three libtorrent nodes');

for my $lt (@lt)
{
	my $r = lt_call($lt, 'wait_routing', addr => $worker, timeout => 15);
	ok($r->{ok}, "$lt->{addr}: our node is in libtorrent's routing table")
	  or diag explain $r;
}
note 'bootstrap done at ' . elapsed();

# --- (b) libtorrent's announces are captured ------------------------------

my $hybrid = lt_call(
	$lt[0], 'add_torrent',
	name  => 'interop-hybrid',
	files => [ [ 'video.mkv', 70000 ], [ 'subs/en.srt', 1500 ] ]);
ok($hybrid->{ok} && $hybrid->{v1} && $hybrid->{v2},
	'libtorrent made a hybrid torrent (v1 and v2 hashes)')
  or diag explain $hybrid;
my $v1only = lt_call($lt[1], 'add_torrent', name => 'interop-v1',
	version => 'v1');
ok($v1only->{ok} && $v1only->{v1} && !$v1only->{v2},
	'libtorrent made a v1-only torrent')
  or diag explain $v1only;

my %announced = (
	$hybrid->{v1} // 'x'   => 'hybrid v1',
	$hybrid->{v2} // 'y'   => 'hybrid v2 (truncated)',
	$v1only->{v1} // 'z' => 'v1-only');
my $in_list = join(',', map { "'$_'" } sort keys %announced);
ok( wait_until(
		$node,
		"SELECT count(*) = 3 FROM dht_indexer.recent_hashes() "
		  . "WHERE encode(info_hash, 'hex') IN ($in_list) "
		  . "AND sources LIKE '%announce%'",
		30),
	'recent_hashes() holds both hashes of the hybrid and the v1 hash, '
	  . 'from announce_peer');
my %recent = map { split /\|/ } split /\n/,
  $node->safe_psql('postgres',
	"SELECT encode(info_hash, 'hex'), sources FROM dht_indexer.recent_hashes()");
for my $h (sort keys %announced)
{
	note "$announced{$h} $h: " . ($recent{$h} // 'absent');
}
# libtorrent bootstraps and refreshes its table with get_peers, whose
# info_hash is a node id: for its own id, the first 12 bytes are kept.
my @self_lookups = grep {
	my $h = $_;
	grep { substr($h, 0, 24) eq substr($_->{ready}{node_id}, 0, 24) } @lt
} keys %recent;
note scalar(@self_lookups) . ' of ' . scalar(keys %recent)
  . ' recent hashes are libtorrent looking up its own node id, not torrents: '
  . join(' ', @self_lookups);
my $s = stats($node);
cmp_ok($s->{announces_in}, '>=', 3, 'stats: announces_in counts them');
cmp_ok($s->{unique_hashes}, '>=', 3, 'stats: unique_hashes counts them');
is($s->{bad_tokens}, 0,
	"libtorrent's announce tokens (from our get_peers) were all good");

my $sent = lt_call($lt[0], 'announces')->{sent} // {};
ok( (grep { $_ eq $worker } @{ $sent->{ $hybrid->{v1} // '' } // [] })
	  && (grep { $_ eq $worker } @{ $sent->{ $hybrid->{v2} // '' } // [] }),
	'libtorrent sent announce_peer for both hybrid hashes to our node')
  or diag explain $sent;

# Seeded only with our node, the libtorrent nodes can only have met each
# other through the nodes in our replies.
my $met = lt_call($lt[0], 'wait_routing', addr => $lt[1]{addr}, timeout => 20);
ok($met->{ok}, 'libtorrent met another libtorrent node through our replies')
  or diag explain $met;
note 'announces done at ' . elapsed();

# --- (c) BEP 51 both ways ---------------------------------------------------

# libtorrent reads our sample_infohashes answer.
my $ours = lt_call($lt[2], 'sample', node => $worker, timeout => 10);
ok($ours->{ok}, 'libtorrent got a BEP 51 answer from our node')
  or diag explain $ours;
my %ours = map { $_ => 1 } @{ $ours->{samples} // [] };
ok($ours{ $hybrid->{v1} // '' } && $ours{ $hybrid->{v2} // '' },
	'our samples hold the announced hybrid hashes')
  or diag explain $ours;
ok(($ours->{interval} // -1) > 0 && $ours->{interval} <= 21600,
	'libtorrent read our interval: ' . ($ours->{interval} // 'none'));
cmp_ok(scalar @{ $ours->{nodes} // [] }, '>=', 1, 'our answer lists nodes');

# A hash that only a libtorrent node holds: announced to it directly by a
# peer on 127.0.9.1, so the worker can learn it only from BEP 51 samples.
my $only = join('', map { chr(int(rand(256))) } 1 .. 20);
my $only_hex = unpack('H*', $only);
my $fake_id = join('', map { chr(int(rand(256))) } 1 .. 20);
my ($lt1_ip, $lt1_port) = split /:/, $lt[1]{addr};
my $gp = krpc_query('127.0.9.1', $lt1_ip, $lt1_port,
	{ t => 'g1', y => 'q', q => 'get_peers',
	  a => { id => $fake_id, info_hash => $only } }, 5);
my $token = ref $gp eq 'HASH' && ref $gp->{r} eq 'HASH' ? $gp->{r}{token} : undef;
ok(defined $token, 'libtorrent gave a token for the sample-only hash');
my $ap = krpc_query('127.0.9.1', $lt1_ip, $lt1_port,
	{ t => 'a1', y => 'q', q => 'announce_peer',
	  a => { id => $fake_id, info_hash => $only, port => \51413,
		  token => $token // '' } }, 5);
ok(ref $ap eq 'HASH' && ($ap->{y} // '') eq 'r',
	"$lt[1]{addr} accepted the announce of $only_hex");
ok( wait_until(
		$node,
		# learned from samples only (the resolver's get_peers lookup for
		# it may add 'lookup'; nobody asked or announced it to us)
		"SELECT count(*) = 1 FROM dht_indexer.recent_hashes() "
		  . "WHERE encode(info_hash, 'hex') = '$only_hex' "
		  . "AND sources ~ '(^|,)sample(,|\$)' AND sources !~ 'get_peers|announce'",
		30),
	'the hash only libtorrent held is in recent_hashes() with source sample');
$s = stats($node);
cmp_ok($s->{samples_received}, '>', 0, 'stats: samples_received > 0');
cmp_ok($s->{queries_in_sample_infohashes}, '>=', 1,
	'stats: libtorrent asked us sample_infohashes');
note 'BEP 51 done at ' . elapsed();

# --- (d) our send rate per libtorrent IP -----------------------------------

# Floods of BEP 51 queries: far more than we may answer.  The second lasts
# longer than libtorrent's 10 s ban window, against the node that keeps the
# default limit.
my $before = stats($node);
my $b0 = lt_call($lt[0], 'burst', node => $worker, count => 60, seconds => 3);
ok($b0->{ok}, "$lt[0]{addr} sent 60 queries in 3 s");
my $b2 = lt_call($lt[2], 'burst', node => $worker, count => 132, seconds => 12);
ok($b2->{ok}, "$lt[2]{addr} sent 132 queries in 12 s");
usleep(500_000);
my $after = stats($node);
cmp_ok($after->{dropped_rate_out}, '>', $before->{dropped_rate_out},
	'the per-IP send limit engaged (dropped_rate_out grew)');

for my $lt (@lt)
{
	my $p = lt_call($lt, 'pkts', ip => '127.0.0.1');
	my $e = $p->{in}{'127.0.0.1'} // { count => 0, times => [] };
	my @t = sort { $a <=> $b } @{ $e->{times} };
	my $span = @t ? $t[-1] - $t[0] : 0;
	my $lag = ($p->{max_pop_gap} // 1) + 0.02;
	$lag = $MIN_LAG if $lag < $MIN_LAG;
	$lag = 0.5 if $lag > 0.5;    # beyond that, a stall made the check moot
	my $max1 = max_in_window(\@t, 1 - $lag);
	my $max10 = max_in_window(\@t, 10 - $lag);
	my $kinds = join(', ', map { "$_=$e->{kinds}{$_}" } sort keys %{ $e->{kinds} // {} });
	note sprintf('%s received %d packets from us over %.1f s (%s); '
		  . 'busiest 1 s: %d, busiest 10 s: %d (stamps late by < %.3f s)',
		$lt->{addr}, $e->{count}, $span, $kinds, $max1, $max10, $lag);
	cmp_ok($e->{count}, '>', 0, "$lt->{addr} heard from us");
	cmp_ok($max1, '<=', 2 * $RATE,
		"$lt->{addr}: at most rate + burst = " . 2 * $RATE . ' packets in any 1 s');
	cmp_ok($e->{count}, '<=', $RATE * ($span + $lag) + $RATE,
		"$lt->{addr}: at most rate x seconds + burst over the run");
	cmp_ok($max10, '<', $LT_BAN_PACKETS,
		"$lt->{addr}: fewer than $LT_BAN_PACKETS packets in any 10 s");
	is($p->{alerts_dropped}, 0, "$lt->{addr}: libtorrent dropped no alert");
	is($p->{off_loopback}, 0, "$lt->{addr}: sent no DHT datagram off loopback");
	my @bans = grep { $_->{message} =~ /127\.0\.0\.1\b/ } @{ $p->{banned} // [] };
	ok(!@bans, "$lt->{addr}: libtorrent did not ban us")
	  or diag explain \@bans;
}
note 'rate check done at ' . elapsed();

# --- the worker's health ---------------------------------------------------

$s = stats($node);
note 'stats: '
  . join(', ',
	map { "$_=$s->{$_}" }
	  qw(packets_in packets_out known_nodes good_nodes queries_sent
	  responses_in errors_in timeouts dropped_parse dropped_rate_in
	  dropped_rate_out dropped_unmatched announces_in samples_received
	  unique_hashes));
is($s->{dropped_parse}, 0, 'every libtorrent datagram parsed');
is($s->{errors_in}, 0, 'libtorrent answered none of our queries with an error');
is($s->{state}, 'crawling', 'the worker still crawls');

# Every datagram the worker received must have come from libtorrent (no
# other sender here): stopped, each node reports what it sent us in all.
my $sent_to_us = 0;
for my $lt (@lt)
{
	my $bye = lt_stop($lt);
	ok($bye && $bye->{ok}, "$lt->{addr} stopped");
	$sent_to_us += $bye->{final}{out}{'127.0.0.1'} // 0;
}
usleep(300_000);
my $packets_in = stats($node)->{packets_in};
note "libtorrent sent us $sent_to_us datagrams; the worker received $packets_in";
is($packets_in, $sent_to_us,
	'the worker sent nothing to itself (all it received came from libtorrent, '
	  . 'which lists our node in its replies)');
DhtTest::lt_finish($node, \&elapsed);
