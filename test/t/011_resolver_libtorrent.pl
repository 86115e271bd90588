# test/t/011_resolver_libtorrent.pl
#	  The metadata resolver against real clients on loopback: python3-
#	  libtorrent seeders (test/interop/lt_node.py) with the DHT on, a fake
#	  peer that serves wrong bytes (test/interop/bad_peer.py), and the
#	  worker fetching over TCP (BEP 3/10/9).  Shows that
#	  (a) v1-only and hybrid torrents -- single-file, multi-file with nested
#	      directories, non-ASCII paths, an empty file -- seeded by two
#	      libtorrent nodes (127.0.1.1, 127.0.2.1) bootstrapped to the worker
#	      each end up in dht_indexer.torrents exactly once, keyed by the v1
#	      hash, with the name, total size, file count and file list (in
#	      libtorrent's order, without its BEP 47 padding files) of the
#	      .torrent libtorrent made, and a hybrid's full v2 hash; a hybrid
#	      is found by its truncated v2 hash too;
#	  (b) blocklisted hashes (dht_indexer.forget() before any announce) are
#	      never fetched and never stored: a libtorrent seeder (127.0.7.1)
#	      that meets the worker only after the forget announces a v1-only
#	      and a hybrid torrent (both hashes forgotten) -- the worker sees
#	      the hashes, starts no fetch and stores nothing -- and the fake
#	      peer, announced for a blocklisted hash, never gets a connection
#	      for it; a hybrid forgotten by its v1 hash only (127.0.8.1) is not
#	      stored even when the worker fetches it under its v2 hash;
#	  (c) a peer serving bytes that match neither the SHA-1 nor the
#	      SHA-256 of the announced hash yields fetch_fail_hash_mismatch and
#	      no row; the same fake peer serves, correctly, a hybrid with a
#	      non-ASCII name that libtorrent made for it (lt_node.py accepts
#	      only [A-Za-z0-9._ -] names), announced under both of its hashes
#	      (the worker may fetch both at once: the fake peer, unlike
#	      libtorrent, accepts a second connection from our IP): one row,
#	      name and files exact;
#	  (d) dht_indexer.resolve('magnet:?xt=urn:btih:...') for a torrent that
#	      was never announced to the worker (seeded on 127.0.4.1 in a DHT
#	      island with 127.0.5.1, which the worker learns only as a
#	      bootstrap node) is resolved through the worker's own get_peers
#	      lookup within 30 s.
#
#	  Keeping (d) honest: a libtorrent node answers BEP 51 with a sample it
#	  keeps for dht_sample_infohashes_interval (6 h in lt_node.py) once the
#	  sample is full (20 hashes), so both island nodes are first given 24
#	  filler announces (all blocklisted in the worker, all pointing at the
#	  fake peer, so a fetch of one would show) and sampled; the resolve
#	  torrent, announced after that, can then reach the worker neither by
#	  announce nor by sample -- both checked.
#
#	  Every address is on 127.0.0.0/8; every wait is bounded; the child
#	  processes are stopped in END (and exit by themselves on stdin EOF or
#	  after their lifetime).  About 15-20 s in all.
use strict;
use warnings;
use utf8;

use Encode ();
use JSON::PP ();
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time usleep);

use DhtTest;

# Bounds (s): waits for fetches of announced torrents, the resolve()
# promise of the issue, the lifetime of the child processes.
my $FETCH_WAIT   = 30;
my $RESOLVE_WAIT = 30;
my $LT_LIFETIME  = 240;
# libtorrent's dht_max_infohashes_sample_count (default 20): a node that
# stores at least this many hashes keeps its BEP 51 sample fixed.
my $LT_SAMPLE_MAX = 20;
my $FILLERS       = 24;
# The worker's send_rate_per_ip: at the default (4 packets/s, burst 4) the
# replies to a libtorrent node announcing several hashes are dropped and
# its announces crawl (010 tests that limit); here they should not.
my $SEND_RATE = 50;

my $t0 = time();
sub elapsed { sprintf('%.1fs', time() - $t0) }

DhtTest::lt_require();

END { lt_stop_all(); }

my %ip = (
	A => '127.0.1.1',    # seeder, bootstrapped to the worker
	B => '127.0.2.1',    # seeder, bootstrapped to the worker
	C => '127.0.4.1',    # island: seeds the resolve() torrent
	D => '127.0.5.1',    # island: C's only DHT contact
	E => '127.0.7.1',    # seeds blocklisted torrents, meets us later
	F => '127.0.8.1');   # seeds a hybrid blocklisted by its v1 hash only
my $bad_ip  = '127.0.6.1';
my $lt_port = lt_free_port(values %ip);
my %addr    = map { $_ => "$ip{$_}:$lt_port" } keys %ip;

my ($node, $port) = new_node(
	'resolver',
	nports => 1,
	conf   => "dht_indexer.bootstrap_nodes = '$addr{A},$addr{B}'\n"
	  . "dht_indexer.send_rate_per_ip = $SEND_RATE\n");
my $worker = "127.0.0.1:$port";
$node->safe_psql('postgres', 'CREATE EXTENSION dht_indexer CASCADE');
ok(wait_state($node, 'crawling'), "worker crawling on $worker");

# SQL goes to psql as UTF-8 (the torrent names here are not all ASCII).
sub sql { return $node->safe_psql('postgres', Encode::encode('UTF-8', $_[0])); }

sub hex_utf8 { return unpack('H*', Encode::encode('UTF-8', $_[0])); }

# --- the nodes --------------------------------------------------------------

my %lt;
$lt{$_} = lt_start(
	bind      => $ip{$_},
	port      => $lt_port,
	bootstrap => [$worker],
	lifetime  => $LT_LIFETIME) for qw(A B);
$lt{D} = lt_start(bind => $ip{D}, port => $lt_port, lifetime => $LT_LIFETIME);
$lt{C} = lt_start(
	bind      => $ip{C},
	port      => $lt_port,
	bootstrap => [ $addr{D} ],
	lifetime  => $LT_LIFETIME);
$lt{$_} = lt_start(bind => $ip{$_}, port => $lt_port, lifetime => $LT_LIFETIME)
  for qw(E F);
my $bad = DhtTest::bad_peer_start(bind => $bad_ip, lifetime => $LT_LIFETIME);
my (undef, $bad_port) = split /:/, $bad->{addr};
note 'nodes started at ' . elapsed() . ": $bad->{addr} serves wrong bytes";

for my $n (qw(A B C))
{
	my $r = lt_call($lt{$n}, 'wait_bootstrap', timeout => 20);
	ok($r->{ok}, "$lt{$n}{addr}: libtorrent bootstrap complete")
	  or diag explain $r;
}
# The worker bootstrapped before A and B were up: a reload starts a round.
$node->reload;
ok(wait_stats($node, 'good_nodes >= 2'), 'the worker knows A and B');

# --- (a) the seeded torrents --------------------------------------------------

my @seeded = (
	{ on => 'A', name => 'tap-v1-single.iso', version => 'v1',
	  files => [ [ 'tap-v1-single.iso', 100000 ] ] },
	{ on => 'A', name => 'tap-hybrid-tree', version => 'hybrid',
	  files => [
		[ 'README.txt', 1234 ], [ 'video/season 1/e01.mkv', 70000 ],
		[ 'video/season 1/e02.mkv', 50001 ], [ 'subs/en/e01.srt', 2000 ],
		[ 'empty.dat', 0 ] ] },
	{ on => 'A', name => 'tap-hybrid-single.bin', version => 'hybrid',
	  files => [ [ 'tap-hybrid-single.bin', 40000 ] ] },
	{ on => 'B', name => 'tap-v1-unicode', version => 'v1',
	  files => [
		[ 'Ünïcødé/日本語のファイル.txt', 3000 ],
		[ 'Ünïcødé/emoji 🎉/party.bin', 17000 ], [ 'plain.txt', 10 ] ] },
	{ on => 'B', name => 'tap-hybrid-unicode', version => 'hybrid',
	  files => [
		[ 'café/crème brûlée.mp3', 33000 ], [ 'Ελληνικά/αρχείο.dat', 16384 ],
		[ 'z.txt', 1 ] ] },
	{ on => 'B', name => 'tap-v1-deep', version => 'v1',
	  files => [ [ 'a.bin', 5000 ], [ 'deep/er/and/deeper/b.bin', 6000 ] ] });

# Wait until libtorrent node $lt has sent announce_peer for $hash to $to
# (its announce command returns at the first node announced to).
sub announced_to
{
	my ($lt, $hash, $to) = @_;
	my $sent;
	return 1 if poll_until(
		sub {
			$sent = lt_call($lt, 'announces')->{sent} // {};
			grep { $_ eq $to } @{ $sent->{$hash} // [] };
		},
		20);
	diag "$lt->{addr} did not announce $hash to $to: "
	  . JSON::PP->new->canonical->encode($sent);
	return 0;
}

# Seed a torrent on node $on; returns the torrent's record with lt_node's
# hashes (v1, v2 = truncated, v2_full) and its .torrent file.
sub seed
{
	my ($t) = @_;
	my $r = lt_call($lt{ $t->{on} }, 'add_torrent',
		name    => $t->{name},
		files   => $t->{files},
		version => $t->{version});
	my $want_v2 = $t->{version} eq 'hybrid';
	ok( $r->{ok} && $r->{v1} && ($want_v2 ? $r->{v2} && $r->{v2_full} : !$r->{v2}),
		"$t->{on} seeds $t->{version} torrent $t->{name}")
	  or diag explain $r;
	$t->{$_} = $r->{$_} for qw(v1 v2 v2_full torrent_file);
	$t->{v1} //= 'none';
	return $t;
}

seed($_) for @seeded;
note 'seeded at ' . elapsed();

# --- the island (for (d)) and the blocklisted torrents (for (b)) --------------
#
# Done while the seeded torrents are fetched.

# Fillers: announced to C and D with the fake peer as their peer, and
# blocklisted in the worker before it can meet them.
my @fillers = map {
	join('', map { chr(int(rand(256))) } 1 .. 20)
} 1 .. $FILLERS;
my %filler_hex = map { unpack('H*', $_) => 1 } @fillers;
my $stored = 0;
for my $n (qw(C D))
{
	for my $f (@fillers)
	{
		my $r = DhtTest::krpc_announce($bad_ip, $ip{$n}, $lt_port, $f,
			$bad_port, 5);
		$stored++ if ref $r eq 'HASH' && ($r->{y} // '') eq 'r';
	}
}
is($stored, 2 * $FILLERS, "C and D accepted $FILLERS filler announces each");
sql("SELECT count(dht_indexer.forget(h, 'tap: island filler')) FROM unnest(ARRAY["
	  . join(',', map { "'\\x$_'::bytea" } sort keys %filler_hex)
	  . ']) h');

# Fix the island's BEP 51 samples: each node samples the other.
my %first_sample;
for my $pair ([ 'C', 'D' ], [ 'D', 'C' ])
{
	my ($from, $to) = @$pair;
	my $s = lt_call($lt{$from}, 'sample', node => $addr{$to}, timeout => 10);
	my @got = @{ $s->{samples} // [] };
	ok($s->{ok} && @got == $LT_SAMPLE_MAX && !grep({ !$filler_hex{$_} } @got),
		"$to answers BEP 51 with a full sample of fillers ("
		  . scalar(@got) . ' of ' . ($s->{num_infohashes} // '?') . ')')
	  or diag explain $s;
	$first_sample{$to} = join(',', sort @got);
}

# The torrent for resolve(): seeded on C, which knows only D.
my $res = seed(
	{ on => 'C', name => 'tap-resolve-hybrid', version => 'hybrid',
	  files => [
		[ 'only-via-resolve/part 1.bin', 30000 ],
		[ 'only-via-resolve/part 2.bin', 12345 ] ] });
lt_call($lt{C}, 'announce', hash => $res->{v1});
ok(announced_to($lt{C}, $res->{v1}, $addr{D}) && announced_to($lt{C}, $res->{v2}, $addr{D}),
	'C announced both hashes of the resolve torrent to D');
for my $pair ([ 'C', 'D' ], [ 'D', 'C' ])
{
	my ($from, $to) = @$pair;
	my $s = lt_call($lt{$from}, 'sample', node => $addr{$to}, timeout => 10);
	my %got = map { $_ => 1 } @{ $s->{samples} // [] };
	ok( $s->{ok}
		  && !$got{ $res->{v1} }
		  && !$got{ $res->{v2} }
		  && join(',', sort keys %got) eq $first_sample{$to},
		"$to stores the resolve torrent ("
		  . ($s->{num_infohashes} // '?')
		  . ' hashes) but its BEP 51 sample stays the fillers')
	  or diag explain $s;
}

# Blocklisted torrents, seeded on E and F while they know no DHT node.
my $bl1 = seed({ on => 'E', name => 'tap-blocked-v1', version => 'v1',
	  files => [ [ 'tap-blocked-v1', 20000 ] ] });
my $bl2 = seed({ on => 'E', name => 'tap-blocked-hybrid', version => 'hybrid',
	  files => [ [ 'x/one.bin', 20000 ], [ 'x/two.bin', 300 ] ] });
my $bl3 = seed({ on => 'F', name => 'tap-blocked-by-v1-only',
	  version => 'hybrid', files => [ [ 'y/one.bin', 25000 ], [ 'y/two.bin', 7 ] ] });
my @forgotten = ($bl1->{v1}, $bl2->{v1}, $bl2->{v2}, $bl3->{v1});
sql("SELECT dht_indexer.forget('$_', 'tap')")
  for @forgotten;
is(sql('SELECT count(*) FROM dht_indexer.blocklist WHERE reason = \'tap\''),
	scalar(@forgotten), 'four hashes forgotten before any announce');
for my $n (qw(E F))
{
	my $sent = lt_call($lt{$n}, 'announces')->{sent} // {};
	ok(!grep({ $_ eq $worker } map { @$_ } values %$sent),
		"$lt{$n}{addr} has announced nothing to the worker yet")
	  or diag explain $sent;
}
note 'island and blocklist ready at ' . elapsed();

# --- (a) every seeded torrent, exactly once, as libtorrent made it ------------

# What libtorrent put in a .torrent: name, files as "hex(UTF-8 path):size"
# in order without BEP 47 padding files, and the padding files' count.
sub torrent_layout
{
	my ($file) = @_;
	my $meta = bdecode_prefix(slurp_file($file));
	my $info = ref $meta eq 'HASH' ? $meta->{info} : undef;
	die "cannot read the info dict of $file" unless ref $info eq 'HASH';
	my (@files, $pads);
	$pads = 0;
	if (ref $info->{files} eq 'ARRAY')
	{
		for my $f (@{ $info->{files} })
		{
			if (($f->{attr} // '') =~ /p/)
			{
				$pads++;
				next;
			}
			push @files, unpack('H*', join('/', @{ $f->{path} }))
			  . ":$f->{length}";
		}
	}
	else
	{
		@files = (unpack('H*', $info->{name}) . ":$info->{length}");
	}
	return { name => unpack('H*', $info->{name}), files => \@files,
		pads => $pads };
}

# The row of torrent $t as libtorrent made it, found by $hash.
sub check_row
{
	my ($t, $hash) = @_;
	my $label = ($t->{label} // $t->{name}) . " ($t->{version})";
	my $lay = torrent_layout($t->{torrent_file});
	my @asked = sort map {
		hex_utf8($_->[0]) . ":$_->[1]"
	} @{ $t->{files} };
	my $total = 0;
	$total += $_->[1] for @{ $t->{files} };

	# libtorrent made what we asked for (order aside), so comparing with
	# the .torrent below also compares with our request.
	is_deeply([ sort @{ $lay->{files} } ], \@asked,
		"$label: the .torrent lists the files we asked for");

	my $row = sql(
		    "SELECT encode(info_hash, 'hex'), coalesce(encode(info_hash_v2, 'hex'), ''), "
		  . "encode(convert_to(name, 'UTF8'), 'hex'), total_size, file_count "
		  . "FROM dht_indexer.torrent('$hash')");
	my ($key, $v2, $name, $size, $count) = split /\|/, $row;
	is($key, $t->{v1}, "$label: keyed by its v1 hash (found by $hash)");
	is($v2, $t->{v2_full} // '', "$label: info_hash_v2 "
		  . ($t->{v2_full} ? 'is the full v2 hash' : 'is null'));
	is($name, $lay->{name}, "$label: name as in the .torrent");
	is($size, $total, "$label: total_size $total (no padding)");
	is($count, scalar @{ $lay->{files} }, "$label: file_count");
	my $files = sql(
		    "SELECT string_agg(encode(convert_to(path, 'UTF8'), 'hex') || ':' || size, "
		  . "',' ORDER BY ord) FROM dht_indexer.files('$hash') "
		  . "WITH ORDINALITY AS f(path, size, ord)");
	is_deeply([ split /,/, $files ], $lay->{files},
		"$label: files() in libtorrent's order, without its "
		  . "$lay->{pads} padding files");
	return $lay;
}

# Rows matching any hash or the name of $t: a torrent stored twice (or
# under another key) shows here.
sub rows_for
{
	my ($t) = @_;
	my @h = grep { defined && /^[0-9a-f]{40}$/ } ($t->{v1}, $t->{v2});
	my $in = join(',', map { "'\\x$_'::bytea" } @h);
	my $name = $t->{name};
	$name =~ s/'/''/g;
	return sql(
		    'SELECT count(*) FROM dht_indexer.torrents '
		  . "WHERE name = '$name'"
		  . (@h ? " OR info_hash IN ($in) OR substr(info_hash_v2, 1, 20) IN ($in)" : ''));
}

my $seeded_in = join(',', map { "'\\x$_->{v1}'::bytea" } @seeded);
ok( wait_until(
		$node,
		"SELECT count(*) = " . scalar(@seeded)
		  . " FROM dht_indexer.torrents WHERE info_hash IN ($seeded_in)",
		$FETCH_WAIT),
	'all ' . scalar(@seeded) . " seeded torrents stored within ${FETCH_WAIT}s")
  or diag explain stats($node);
note 'seeded torrents stored at ' . elapsed();

my $pads = 0;
for my $t (@seeded)
{
	is(rows_for($t), 1, "$t->{name}: exactly one row");
	my $lay = check_row($t, $t->{v1});
	$pads += $lay->{pads} if $t->{version} eq 'hybrid';
	check_row($t, $t->{v2}) if $t->{v2};
}
cmp_ok($pads, '>', 0, "the hybrids had $pads padding files to leave out");

# --- (b) blocklisted: seen, never fetched, never stored -----------------------

ok(wait_stats($node, 'fetches_active = 0', 15), 'no fetch running');
my $s0 = stats($node);
my $intro = lt_call($lt{E}, 'sample', node => $worker, timeout => 10);
ok($intro->{ok}, "$lt{E}{addr} met the worker") or diag explain $intro;
lt_call($lt{E}, 'announce', hash => $_) for ($bl1->{v1}, $bl2->{v1});
ok(announced_to($lt{E}, $_, $worker),
	"$lt{E}{addr} announced blocklisted $_ to the worker")
  for ($bl1->{v1}, $bl2->{v1}, $bl2->{v2});
# Each of the three hashes reached the worker at least as an announce:
# every sighting of a blocklisted hash is counted as known.
ok( wait_stats(
		$node,
		"announces_in >= $s0->{announces_in} + 3 AND "
		  . "candidates_known >= $s0->{candidates_known} + 3",
		15),
	'the worker took the announces and skipped the blocklisted hashes');
# Room for a fetch to start and a flush to happen, were they to.
usleep(2_500_000);
my $s1 = stats($node);
is($s1->{fetches_started} - $s0->{fetches_started},
	0, 'no fetch started (no TCP connection to the seeder of a blocklisted hash)');
is(rows_for($_), 0, "$_->{name} ($_->{version}): never stored")
  for ($bl1, $bl2);

# --- (c) wrong bytes; the fake peer for a blocklisted hash; a Unicode name ----
#
# The fake peer is announced for: the blocklisted v1 torrent of E, the two
# hashes its wrong bytes claim to be, and both hashes of a hybrid with a
# non-ASCII name that libtorrent made for it (lt_node.py refuses such
# names) and that it serves correctly.  It allows any number of
# connections, so unlike libtorrent (one connection per IP) it lets the
# worker fetch both hashes of the hybrid at once (when the second is not
# known yet by the time the first is done): still one row.

my $claimed = $bad->{ready}{claimed};
my $served  = $bad->{ready}{served};
my $uni = {
	on => 'bad_peer', label => 'non-ASCII hybrid',
	name => 'Ünïcødé 日本語 🎉 Ελληνικά', version => 'hybrid',
	files => [ [ 'ファイル.txt', 1000 ], [ 'sub dir/ü.bin', 20000 ] ] };
my $made = lt_call($bad, 'make_torrent',
	name    => $uni->{name},
	files   => $uni->{files},
	version => $uni->{version});
ok($made->{ok} && $made->{v1} && $made->{v2},
	'libtorrent made a hybrid with a non-ASCII name for the fake peer')
  or diag explain $made;
$uni->{$_} = $made->{$_} for qw(v1 v2 v2_full torrent_file);
my $s2 = stats($node);
for my $h ($bl1->{v1}, $claimed->{v1}, $claimed->{v2}, $uni->{v1}, $uni->{v2})
{
	my $r = DhtTest::krpc_announce($bad_ip, '127.0.0.1', $port, pack('H*', $h),
		$bad_port, 5);
	ok(ref $r eq 'HASH' && ($r->{y} // '') eq 'r',
		"the worker accepted the announce of $bad->{addr} for $h")
	  or diag explain $r;
}
ok( wait_stats(
		$node,
		"fetch_fail_hash_mismatch >= $s2->{fetch_fail_hash_mismatch} + 2",
		$FETCH_WAIT),
	'both fetches from the wrong-bytes peer failed as hash mismatches');
ok( wait_until(
		$node,
		"SELECT count(*) = 1 FROM dht_indexer.torrents WHERE info_hash = '\\x$uni->{v1}'",
		$FETCH_WAIT),
	'the torrent with the non-ASCII name was stored');
ok(wait_stats($node, 'fetches_active = 0', 15), 'no fetch running');
usleep(1_500_000);
my $conns = lt_call($bad, 'conns');
my %by_hash;
$by_hash{ $_->{hash} // 'none' }++ for @{ $conns->{conns} // [] };
note "connections to $bad->{addr}: " . JSON::PP->new->canonical->encode(\%by_hash);
is($by_hash{ $bl1->{v1} } // 0, 0,
	"no connection to $bad->{addr} for the blocklisted hash it announced");
ok(($by_hash{ $claimed->{v1} } // 0) >= 1 && ($by_hash{ $claimed->{v2} } // 0) >= 1,
	'the worker connected for both wrong-bytes hashes');
my $full = grep {
	($_->{served} // '') eq 'wrong' && $_->{pieces_sent} == $served->{pieces}
} @{ $conns->{conns} // [] };
my $s3 = stats($node);
is($s3->{fetch_fail_hash_mismatch} - $s2->{fetch_fail_hash_mismatch}, $full,
	"every connection that got all $served->{pieces} metadata pieces "
	  . 'counted one hash mismatch');
my @wrong = ($claimed->{v1}, $claimed->{v2}, $served->{sha1},
	substr($served->{sha256}, 0, 40));
is( sql('SELECT count(*) FROM dht_indexer.torrents WHERE info_hash IN ('
		  . join(',', map { "'\\x$_'::bytea" } @wrong)
		  . ") OR name = '$served->{name}'"),
	0, 'no row for the wrong bytes (under any of their hashes or their name)');
is(rows_for($uni), 1, 'the non-ASCII hybrid: exactly one row');
check_row($uni, $uni->{v1});
check_row($uni, $uni->{v2});

# --- (b) a hybrid blocklisted by its v1 hash only ----------------------------

$intro = lt_call($lt{F}, 'sample', node => $worker, timeout => 10);
ok($intro->{ok}, "$lt{F}{addr} met the worker") or diag explain $intro;
lt_call($lt{F}, 'announce', hash => $bl3->{v1});
ok(announced_to($lt{F}, $bl3->{v1}, $worker) && announced_to($lt{F}, $bl3->{v2}, $worker),
	"$lt{F}{addr} announced both hashes of $bl3->{name} to the worker");
# Its v2 hash is not blocklisted: the worker may fetch under it; the store
# must still refuse the row, which is keyed by the blocklisted v1 hash.
my $got3 = wait_stats($node,
	"fetches_started > $s3->{fetches_started} AND fetches_active = 0", 15);
usleep(2_000_000);
my $s4 = stats($node);
note sprintf('%s: fetched under its v2 hash: %s (fetch_ok +%d)',
	$bl3->{name}, $got3 ? 'yes' : 'no',
	$s4->{fetch_ok} - $s3->{fetch_ok});
is(rows_for($bl3), 0, "$bl3->{name}: never stored");

# --- (d) resolve() of a torrent never announced to the worker ----------------

is(rows_for($res), 0, "$res->{name} is not stored before resolve()");
for my $n (qw(C D))
{
	my $p = lt_call($lt{$n}, 'pkts', ip => '127.0.0.1', times => 0);
	is($p->{in}{'127.0.0.1'}{count} // 0, 0,
		"$lt{$n}{addr} (the island) has never heard from the worker");
}
$node->append_conf('postgresql.conf',
	"dht_indexer.bootstrap_nodes = '$addr{A},$addr{B},$addr{D}'\n");
$node->reload;
ok( poll_until(
		sub {
			my $p = lt_call($lt{D}, 'pkts', ip => '127.0.0.1', times => 0);
			($p->{out}{'127.0.0.1'}{kinds}{r} // 0) > 0;
		},
		15),
	'the worker met D (its new bootstrap node) and D answered');
my $s5 = stats($node);
my $t_resolve = time();
is( sql("SELECT encode(dht_indexer.resolve('magnet:?xt=urn:btih:$res->{v1}"
		  . "&dn=$res->{name}'), 'hex')"),
	$res->{v1}, 'resolve() accepted the magnet link');
my $resolved = wait_until($node,
	"SELECT count(*) = 1 FROM dht_indexer.torrents WHERE info_hash = '\\x$res->{v1}'",
	$RESOLVE_WAIT);
my $took = time() - $t_resolve;
ok($resolved, sprintf('resolve() stored %s in %.2fs (limit %ds)',
	$res->{name}, $took, $RESOLVE_WAIT))
  or diag explain stats($node);
is(rows_for($res), 1, "$res->{name}: exactly one row");
check_row($res, $res->{v1});
check_row($res, $res->{v2});
ok(wait_stats($node, "fetch_lookups > $s5->{fetch_lookups}", 5),
	'the resolver asked for a get_peers lookup');
my $sentC = lt_call($lt{C}, 'announces')->{sent} // {};
ok(!grep({ $_ eq $worker } map { @{ $sentC->{$_} // [] } } ($res->{v1}, $res->{v2})),
	'C never announced the resolve torrent to the worker')
  or diag explain $sentC;
# recent_hashes() is refreshed every second; the lookup's peers make the
# hash a candidate, so it shows there unless newer hashes pushed it out.
my %sources;
poll_until(
	sub {
		%sources = map { split /\|/ } split /\n/,
		  sql("SELECT encode(info_hash, 'hex'), sources FROM dht_indexer.recent_hashes()");
		$sources{ $res->{v1} } || $sources{ $res->{v2} };
	},
	3);
my $src = join(' / ', map { $sources{$_} // 'absent' } ($res->{v1}, $res->{v2}));
note "recent_hashes() sources of the resolve torrent (v1 / v2): $src";
unlike($src, qr/announce|sample|get_peers/,
	'the worker never heard of the resolve torrent but from its own lookup');
note 'resolve done at ' . elapsed();
for my $n (qw(C D))
{
	my $p = lt_call($lt{$n}, 'pkts', ip => '127.0.0.1', times => 0);
	note "$lt{$n}{addr} got "
	  . ($p->{in}{'127.0.0.1'}{kinds}{'q:sample_infohashes'} // 0)
	  . ' sample_infohashes from the worker (their samples: blocklisted fillers)';
}

# --- the worker's health, and nothing more than expected ----------------------

my @stored = (@seeded, $uni, $res);
is(sql('SELECT count(*) FROM dht_indexer.torrents'), scalar(@stored),
	'the table holds exactly the ' . scalar(@stored) . ' good torrents');
ok(wait_stats($node, 'torrents_inserted = ' . scalar(@stored), 5),
	'stats: torrents_inserted counts them');
$conns = lt_call($bad, 'conns');
my %announced_bad = map { $_ => 1 }
  ($claimed->{v1}, $claimed->{v2}, $uni->{v1}, $uni->{v2});
my @unexpected = grep {
	!$announced_bad{ $_->{hash} // 'none' }
} @{ $conns->{conns} // [] };
is(scalar @unexpected, 0,
	"no connection to $bad->{addr} but for the hashes it was announced for "
	  . '(none for the blocklisted fillers the worker met in the island)')
  or diag explain \@unexpected;
my $s = stats($node);
note 'stats: '
  . join(', ',
	map { "$_=$s->{$_}" }
	  qw(fetches_started fetch_ok fetch_fail_connect fetch_fail_handshake
	  fetch_fail_no_metadata fetch_fail_reject fetch_fail_timeout
	  fetch_fail_too_big fetch_fail_hash_mismatch fetch_fail_bad_metainfo
	  fetch_fail_other fetch_queue fetches_active fetch_lookups
	  candidates_known torrents_inserted announces_in samples_received
	  lookup_peers metainfo_repaired));
is($s->{fetch_fail_bad_metainfo}, 0, "libtorrent's metadata always parsed");
is($s->{metainfo_repaired}, 0, 'no name or path needed a repair');
is($s->{store_flush_errors}, 0, 'no store flush failed');
for my $n (sort keys %lt)
{
	my $p = lt_call($lt{$n}, 'pkts', times => 0);
	is($p->{off_loopback}, 0, "$lt{$n}{addr}: sent no DHT datagram off loopback");
}
DhtTest::lt_finish($node, \&elapsed);
