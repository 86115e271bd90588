# test/t/012_sim_libtorrent.pl
#	  The offline simulator (test/sim) against a real client: a
#	  python3-libtorrent session (test/interop/lt_node.py on 127.0.9.1)
#	  bootstraps from the simulated DHT, and, for torrents it is only given
#	  as magnet links (no peer), finds a simulated peer through get_peers
#	  and downloads the metadata from it over BEP 3/10/9.  Shows that the
#	  simulated nodes speak KRPC as libtorrent expects (routing tables,
#	  tokens, values) and that the simulated peers serve metadata libtorrent
#	  accepts: the name, total size and file count it reports are the
#	  manifest's, for a v1-only, a v2-only and a hybrid torrent (fetched
#	  under its truncated v2 hash).  Also checks that libtorrent's own
#	  announce reaches the simulated nodes (stored with a valid token).
#
#	  No PostgreSQL cluster is involved.  Every address is on 127/8; every
#	  wait is bounded; libtorrent and the simulator are stopped in END.
use strict;
use warnings;

use PostgreSQL::Test::Utils;
use Test::More;
use Encode ();

use DhtTest;

DhtTest::lt_require();

my $sim;
END
{
	lt_stop_all();
	sim_stop($sim) if $sim;
}

# Honest peers only, so that whichever peer libtorrent finds serves.
$sim = sim_start(
	args => [
		'--nodes'             => 500,
		'--torrents'          => 300,
		'--seed'              => 12,
		'--silent-nodes'      => 0,
		'--garbage-nodes'     => 0,
		'--slow-peers'        => 0,
		'--unreachable-peers' => 0,
		'--no-metadata-peers' => 0,
		'--reject-peers'      => 0,
		'--lie-size-peers'    => 0,
		'--wrong-bytes-peers' => 0,
		'--drop-peers'        => 0,
		'--huge'              => 0
	]);
note "simulator: $sim->{entries}";

# The manifest, by kind: the first small torrent of each.
my %pick;
for my $line (split /\n/, slurp_file($sim->{manifest}))
{
	my @f = split /\t/, $line;
	next if $f[0] eq 'info_hash' || $f[6] > 1024 * 1024;
	$pick{ $f[2] } //= {
		hash => $f[0], v2 => $f[1], kind => $f[2], total_size => $f[4],
		file_count => $f[5], name => $f[10] };
}
ok($pick{$_}, "manifest has a $_ torrent") for qw(v1 v2 hybrid);

my @entries = (split /,/, $sim->{entries})[ 0 .. 3 ];
my $lt = lt_start(
	bind      => '127.0.9.1',
	port      => lt_free_port('127.0.9.1'),
	bootstrap => \@entries,
	lifetime  => 240);
my $r = lt_call($lt, 'wait_bootstrap', timeout => 30);
ok($r->{ok}, 'libtorrent bootstrapped from the simulated DHT')
  or diag explain $r;
$r = lt_call($lt, 'status');
cmp_ok(scalar @{ $r->{routing_table} // [] }, '>=', 8,
	'libtorrent filled its routing table from simulated nodes')
  or diag explain $r;

for my $kind (qw(v1 v2 hybrid))
{
	my $t = $pick{$kind} or next;
	# a hybrid is asked for by its truncated v2 hash: the other key
	my $hash = $kind eq 'hybrid' ? substr($t->{v2}, 0, 40) : $t->{hash};
	$r = lt_call($lt, 'fetch_magnet', hash => $hash, timeout => 60);
	ok($r->{ok}, "$kind: libtorrent got the metadata of $hash from a simulated peer"
		  . " in $r->{seconds} s")
	  or diag explain $r;
	is($r->{name}, Encode::decode('UTF-8', $t->{name}), "$kind: name")
	  if $r->{ok};
	is($r->{total_size}, $t->{total_size}, "$kind: total size") if $r->{ok};
	is($r->{num_files}, $t->{file_count}, "$kind: file count") if $r->{ok};
}

# libtorrent announces the magnets it holds: the simulated nodes store them
my $st;
ok( poll_until(
		sub { $st = sim_status($sim); ($st->{stored} // 0) > 0 }, 60),
	'libtorrent announce_peer accepted by simulated nodes (valid tokens)')
  or diag explain $st;
is($st->{bad_token}, 0, 'no announce with a bad token');

done_testing();
