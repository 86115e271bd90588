# test/t/001_lifecycle.pl
#	  The crawler worker's life: waiting for CREATE EXTENSION, crawling,
#	  DROP/CREATE, reloads that change the ports and addresses (one port
#	  held by someone else), pause/resume, enabled, idle CPU, a clean
#	  restart, crash recovery after kill -9, and shutdown.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use IO::Socket::INET;
use Test::More;

use DhtTest;

# Seconds over which idle CPU is sampled, and the share of one CPU allowed.
my $CPU_SAMPLE_SECONDS = 5;
my $CPU_MAX_SHARE      = 0.02;

# PostgreSQL::Test::Cluster turns restart_after_crash off; this test wants
# the postmaster's crash recovery after kill -9.
my ($node, $p1, $p2) = new_node(
	'lifecycle',
	nports => 2,
	conf   => "restart_after_crash = on\n");
my $p3 = free_udp_port();
my $lo = '127.0.0.1';
my $off;

sub ports_are
{
	my ($open, $closed, $name) = @_;
	ok(wait_udp_ports($lo, $open, $closed), $name)
	  or diag('listening: '
		  . join(',', udp_ports_listening($lo, @$open, @$closed)));
}

sub idle_cpu_ok
{
	my ($pid, $what) = @_;
	my $share = idle_cpu_share($pid, $CPU_SAMPLE_SECONDS);
	cmp_ok($share, '<', $CPU_MAX_SHARE,
		sprintf('idle worker used %.2f%% of one CPU while %s',
			100 * $share, $what));
}

# --- Before CREATE EXTENSION: the worker runs and waits, sockets closed.
ok(wait_log($node, qr/dht_indexer: worker started for database "postgres"/),
	'worker started');
ok( wait_log(
		$node,
		qr/dht_indexer: waiting for CREATE EXTENSION dht_indexer in database "postgres"/
	),
	'worker says it waits for the extension');
ok(wait_activity($node, 'dht_indexer: waiting for extension, 0 sockets%'),
	'pg_stat_activity shows the worker waiting for the extension');
my $pid = worker_pid($node);
like($pid, qr/^\d+$/, 'worker has a pid');
ports_are([], [ $p1, $p2 ], 'no UDP socket is open before the extension exists');
idle_cpu_ok($pid, 'waiting for the extension');

# --- CREATE EXTENSION: crawling on both ports.
$off = log_offset($node);
$node->safe_psql('postgres', 'CREATE EXTENSION dht_indexer CASCADE');
ok(wait_state($node, 'crawling'), 'crawling after CREATE EXTENSION');
ports_are([ $p1, $p2 ], [], 'both ports listen');
is(scalar(udp_ports_listening('0.0.0.0', $p1, $p2)),
	0, 'nothing is bound to the wildcard address');
my $s = stats($node);
is($s->{worker_pid}, $pid,  'stats() reports the worker pid');
is($s->{sockets},    2,     'stats() counts two sockets');
ok(!$s->{paused}, 'not paused');
ok(defined $s->{started_at}, 'started_at is set');
ok(wait_log($node, qr/dht_indexer: extension found in database "postgres"/, $off),
	'log: extension found');
ok(wait_log($node, qr/dht_indexer: listening on UDP 127\.0\.0\.1:$p1\b/, $off),
	"log: listening on port $p1");
ok(wait_log($node, qr/dht_indexer: listening on UDP 127\.0\.0\.1:$p2\b/, $off),
	"log: listening on port $p2");
ok(wait_log($node, qr/dht_indexer: crawling on 2 UDP sockets/, $off),
	'log: crawling on 2 UDP sockets');
ok(wait_activity($node, 'dht_indexer: crawling, 2 sockets, %'),
	'pg_stat_activity shows the worker crawling on 2 sockets');
idle_cpu_ok($pid, 'crawling with no peers');

# --- DROP EXTENSION while running: back to waiting, same process.
$off = log_offset($node);
$node->safe_psql('postgres', 'DROP EXTENSION dht_indexer');
ok(wait_activity($node, 'dht_indexer: waiting for extension, 0 sockets%'),
	'back to waiting after DROP EXTENSION');
ports_are([], [ $p1, $p2 ], 'sockets closed after DROP EXTENSION');
ok( wait_log(
		$node, qr/dht_indexer: stopped crawling \(waiting for extension\)/,
		$off),
	'log: stopped crawling (waiting for extension)');
ok(wait_log($node, qr/dht_indexer: closed UDP socket 127\.0\.0\.1:$p1\b/, $off),
	'log: socket closed');
is(worker_pid($node), $pid, 'same worker process after DROP EXTENSION');

# --- CREATE again: crawling again in the same process.
$node->safe_psql('postgres', 'CREATE EXTENSION dht_indexer CASCADE');
ok(wait_state($node, 'crawling'), 'crawling after CREATE EXTENSION again');
ports_are([ $p1, $p2 ], [], 'both ports listen again');
is(stats($node)->{worker_pid}, $pid, 'same worker process after re-create');

# --- SIGHUP with a new port list: only the difference is touched.
$off = log_offset($node);
$node->append_conf('postgresql.conf', "dht_indexer.ports = '$p3'");
$node->reload;
ports_are([$p3], [ $p1, $p2 ], 'after reload only the new port listens');
ok(wait_stats($node, "state = 'crawling' AND sockets = 1"),
	'stats() counts one socket after reload');
ok(wait_log($node, qr/dht_indexer: listening on UDP 127\.0\.0\.1:$p3\b/, $off),
	'log: new port opened');
ok(wait_log($node, qr/dht_indexer: closed UDP socket 127\.0\.0\.1:$p1\b/, $off),
	"log: port $p1 closed");
ok(wait_log($node, qr/dht_indexer: closed UDP socket 127\.0\.0\.1:$p2\b/, $off),
	"log: port $p2 closed");
is(stats($node)->{worker_pid}, $pid, 'same worker process after reload');

# --- A port that cannot be bound is logged and counted; the rest works.
my $p4       = free_udp_port();
my $squatter = IO::Socket::INET->new(
	Proto     => 'udp',
	LocalAddr => $lo,
	LocalPort => $p4) or die "cannot bind UDP port $p4: $!";
my $errors = stats($node)->{socket_errors};
$off = log_offset($node);
$node->append_conf('postgresql.conf', "dht_indexer.ports = '$p3,$p4'");
$node->reload;
ok( wait_log(
		$node,
		qr/dht_indexer: could not open UDP socket 127\.0\.0\.1:$p4: Address already in use/,
		$off),
	'log: a port in use is reported');
ok( wait_stats(
		$node,
		"state = 'crawling' AND sockets = 1 AND socket_errors = $errors + 1"),
	'it is counted in socket_errors and the other socket stays open');
ports_are([$p3], [], "port $p3 still listens");
# Once the port is free, the next start of crawling binds it.
close $squatter;
$node->safe_psql('postgres', 'SELECT dht_indexer.pause()');
ok(wait_state($node, 'paused'), 'paused');
$node->safe_psql('postgres', 'SELECT dht_indexer.resume()');
ok(wait_stats($node, "state = 'crawling' AND sockets = 2"),
	'both ports open after resume()');
ports_are([ $p3, $p4 ], [], 'both ports listen');

# --- One socket per listen address and port.
$node->append_conf('postgresql.conf',
	"dht_indexer.ports = '$p3'\n"
	  . "dht_indexer.listen_addresses = '127.0.0.1,127.0.0.5'");
$node->reload;
ok(wait_stats($node, "state = 'crawling' AND sockets = 2"),
	'two addresses x one port: two sockets');
ok(wait_udp_ports('127.0.0.5', [$p3], []), "127.0.0.5:$p3 listens");
ports_are([$p3], [$p4], "127.0.0.1:$p3 listens, $p4 closed");
$node->append_conf('postgresql.conf',
	"dht_indexer.listen_addresses = '127.0.0.1'");
$node->reload;
ok(wait_stats($node, "state = 'crawling' AND sockets = 1"),
	'back to one address: one socket');
ok(wait_udp_ports('127.0.0.5', [], [$p3]), "127.0.0.5:$p3 closed");
is(stats($node)->{worker_pid}, $pid, 'same worker process after these reloads');

# --- pause() and resume().
$off = log_offset($node);
$node->safe_psql('postgres', 'SELECT dht_indexer.pause()');
ok(wait_stats($node, "state = 'paused' AND paused AND sockets = 0"),
	'paused after pause()');
ports_are([], [$p3], 'socket closed while paused');
ok(wait_log($node, qr/dht_indexer: stopped crawling \(paused\)/, $off),
	'log: stopped crawling (paused)');
ok(wait_activity($node, 'dht_indexer: paused, 0 sockets%'),
	'pg_stat_activity shows the worker paused');
$node->safe_psql('postgres', 'SELECT dht_indexer.resume()');
ok(wait_stats($node, "state = 'crawling' AND NOT paused AND sockets = 1"),
	'crawling after resume()');
ports_are([$p3], [], 'socket open again after resume()');

# --- dht_indexer.enabled = off, and its precedence over pause.
$off = log_offset($node);
$node->append_conf('postgresql.conf', 'dht_indexer.enabled = off');
$node->reload;
ok(wait_stats($node, "state = 'disabled' AND sockets = 0"),
	'disabled after enabled = off');
ports_are([], [$p3], 'socket closed while disabled');
ok(wait_log($node, qr/dht_indexer: stopped crawling \(disabled\)/, $off),
	'log: stopped crawling (disabled)');
$node->safe_psql('postgres', 'SELECT dht_indexer.pause()');
ok(wait_stats($node, "paused"), 'pause() while disabled is recorded');
is(stats($node)->{state}, 'disabled', 'disabled takes precedence over paused');
$node->append_conf('postgresql.conf', 'dht_indexer.enabled = on');
$node->reload;
ok(wait_state($node, 'paused'), 'paused once enabled again');
ports_are([], [$p3], 'socket still closed while paused');
$node->safe_psql('postgres', 'SELECT dht_indexer.resume()');
ok(wait_stats($node, "state = 'crawling' AND sockets = 1"),
	'crawling after enabled = on and resume()');
ports_are([$p3], [], 'socket open again');
is(stats($node)->{worker_pid}, $pid, 'same worker process throughout');

# --- Clean restart: the worker stops on SIGTERM and a new one crawls.
$off = log_offset($node);
$node->restart;
ok(wait_log($node, qr/dht_indexer: worker shutting down/, $off),
	'log: worker shutting down on restart');
ok(wait_state($node, 'crawling'), 'crawling after restart');
my $pid2 = stats($node)->{worker_pid};
isnt($pid2, $pid, 'a new worker process after restart');
ports_are([$p3], [], 'socket open after restart');

# --- kill -9 of the worker: crash recovery, then a new worker crawls.
$off = log_offset($node);
ok(kill('KILL', $pid2), 'sent SIGKILL to the worker');
ok( wait_log(
		$node,
		qr/background worker "dht_indexer" \(PID $pid2\) was terminated by signal 9/,
		$off),
	'log: postmaster saw the worker killed');
ok(wait_log($node, qr/all server processes terminated; reinitializing/, $off),
	'log: crash recovery');
ok( wait_until(
		$node,
		"SELECT state = 'crawling' AND worker_pid <> $pid2 FROM dht_indexer.stats()",
		60),
	'a new worker crawls after crash recovery');
my $pid3 = stats($node)->{worker_pid};
isnt($pid3, $pid2, 'new worker pid after crash recovery');
ports_are([$p3], [], 'socket open after crash recovery');

# --- Shutdown (SIGTERM): the worker closes its sockets and says so.
$off = log_offset($node);
$node->stop;
my $log = log_since($node, $off);
like($log, qr/dht_indexer: stopped crawling \(shutting down\)/,
	'log: stopped crawling (shutting down)');
like($log, qr/dht_indexer: worker shutting down/, 'log: worker shutting down');
ports_are([], [$p3], 'no socket left after shutdown');

my $full = slurp_file($node->logfile);
is_deeply(
	[ $full =~ /dht_indexer: could not open UDP socket (\S+):/g ],
	["127.0.0.1:$p4"],
	'no socket failed to open but the one held by the test');
unlike($full, qr/TRAP:|PANIC:/, 'no assertion failure or PANIC');

done_testing();
