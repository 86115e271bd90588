# test/t/004_resolve_queue.pl
#	  dht_indexer.resolve(): every accepted input form, the worker's sorting
#	  of requests into known / blocklisted / pending, privileges, the
#	  shared-memory queue filling up while the worker is stopped (SIGSTOP),
#	  the cap on the worker's pending list, and look-ups after the
#	  extension was dropped and created again.
use strict;
use warnings;

use Digest::SHA qw(sha1_hex sha256_hex);
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

use DhtTest;

# Ring size of shmem.h (DHT_RESOLVE_RING_SIZE) and the worker's pending cap
# (MAX_PENDING_RESOLVE in worker.c).
my $RING_SIZE   = 1024;
my $PENDING_CAP = 4096;

# A worker stopped with SIGSTOP must be continued whatever happens, or the
# node's teardown would hang on it.
my $stopped_pid;
END { kill('CONT', $stopped_pid) if $stopped_pid; }

my ($node) = new_node('resolve');
$node->safe_psql('postgres', 'CREATE EXTENSION dht_indexer CASCADE');
ok(wait_state($node, 'crawling'), 'crawler running');
my $pid = stats($node)->{worker_pid};

sub sql { return $node->safe_psql('postgres', $_[0]); }

# RFC 4648 base32 (upper case, no padding) of a hex string.
sub base32_of_hex
{
	my ($hex) = @_;
	my $bits = unpack('B*', pack('H*', $hex));
	my @alphabet = ('A' .. 'Z', '2' .. '7');
	return join '', map { $alphabet[ oct("0b$_") ] } $bits =~ /(.{5})/g;
}

my %h = (
	known_v1     => sha1_hex('known v1'),
	hybrid_v1    => sha1_hex('hybrid'),
	hybrid_v2    => sha256_hex('hybrid'),
	blocked      => sha1_hex('blocked'),
	new_hex      => sha1_hex('new 1'),
	new_magnet   => sha1_hex('new 2'),
	new_v2       => sha256_hex('new 3'),
	new_base32   => sha1_hex('new 4'),
	user_request => sha1_hex('new 5'));

sql(<<"EOQ");
INSERT INTO dht_indexer.torrents (info_hash, info_hash_v2, name, total_size, file_count)
VALUES ('\\x$h{known_v1}', NULL, 'Known v1', 1, 1),
       ('\\x$h{hybrid_v1}', '\\x$h{hybrid_v2}', 'Known hybrid', 2, 1);
INSERT INTO dht_indexer.blocklist (info_hash, reason) VALUES ('\\x$h{blocked}', 'tap');
CREATE ROLE tap_user LOGIN;
EOQ

# --- Invalid input is refused before anything is queued.
for my $bad ('not a hash', substr($h{new_hex}, 0, 39),
	'magnet:?dn=no+hash', 'magnet:?xt=urn:btmh:1220abcd')
{
	my ($rc, $out, $err) = $node->psql('postgres',
		"\\set VERBOSITY verbose\nSELECT dht_indexer.resolve('$bad')");
	like($err, qr/ERROR:  22P02: invalid (info hash|magnet link)/,
		"resolve('$bad') fails with invalid_text_representation");
}

# --- Each accepted form; resolve() returns the 20-byte key it queued.
my @cases = (
	[ $h{known_v1},             $h{known_v1},  '40 hex of a known torrent' ],
	[ uc($h{known_v1}),         $h{known_v1},  'upper-case hex' ],
	[ $h{blocked},              $h{blocked},   'a blocklisted hash' ],
	[ " $h{new_hex}\n",         $h{new_hex},   'a new hash, with white space' ],
	[
		"magnet:?xt=urn:btih:$h{new_magnet}&dn=New+two&tr=udp%3A%2F%2Ft.example%3A1",
		$h{new_magnet},
		'a magnet link with a hex btih'
	],
	[
		'magnet:?xt=urn:btih:' . base32_of_hex($h{hybrid_v1}),
		$h{hybrid_v1}, 'a magnet link with a base32 btih (known hybrid)'
	],
	[
		"magnet:?xt=urn:btmh:1220$h{hybrid_v2}&dn=x",
		substr($h{hybrid_v2}, 0, 40),
		'a btmh-only magnet link of a known hybrid'
	],
	[
		"magnet:?xt=urn:btmh:1220$h{new_v2}",
		substr($h{new_v2}, 0, 40),
		'a btmh-only magnet link of a new torrent'
	],
	[ $h{hybrid_v2}, substr($h{hybrid_v2}, 0, 40), '64 hex (v2) of a known hybrid' ],
	[ lc(base32_of_hex($h{new_base32})), $h{new_base32}, 'base32, lower case' ]);
for my $case (@cases)
{
	my ($input, $want, $name) = @$case;
	is(sql("SELECT encode(dht_indexer.resolve(E'$input'), 'hex')"),
		$want, "resolve: $name");
}
# known: 5 (v1 twice, base32 hybrid, btmh hybrid, v2 hex); blocked: 1;
# pending: 4 (new hex, new magnet, new btmh, new base32).
ok( wait_stats(
		$node,
		"resolve_requests = 10 AND resolve_known = 5 AND resolve_blocked = 1 "
		  . "AND resolve_pending = 4 AND resolve_queue_depth = 0 "
		  . "AND resolve_dropped = 0 AND resolve_pending_dropped = 0"),
	'the worker took 10 requests: 5 known, 1 blocklisted, 4 pending');

# --- Privileges: control functions are not for PUBLIC, stats() is.
for my $call ("dht_indexer.resolve('$h{user_request}')",
	'dht_indexer.pause()', 'dht_indexer.resume()')
{
	my ($rc, $out, $err) = $node->psql(
		'postgres', "SELECT $call",
		extra_params => [ '-U', 'tap_user' ]);
	like($err, qr/permission denied for function/,
		"$call is denied to a non-superuser");
}
my ($rc, $out, $err) = $node->psql(
	'postgres', 'SELECT state FROM dht_indexer.stats()',
	extra_params => [ '-U', 'tap_user' ]);
is($out, 'crawling', 'stats() is readable by a non-superuser');
my $s = stats($node);
is($s->{resolve_requests}, 10, 'the denied call queued nothing');
ok(!$s->{paused}, 'the denied pause() did nothing');

# --- Queue full: stop the worker, fill the ring, overflow by one.
ok(kill('STOP', $pid), 'worker stopped with SIGSTOP');
$stopped_pid = $pid;
ok(poll_until(sub { process_state($pid) eq 'T' }, 10),
	'the worker is in state T');
is( sql(
		"SELECT count(dht_indexer.resolve(substr(encode(sha256(('q' || g)::bytea), 'hex'), 1, 40))) "
		  . "FROM generate_series(1, $RING_SIZE) g"),
	$RING_SIZE,
	"$RING_SIZE requests queued while the worker is stopped");
$s = stats($node);
is($s->{resolve_queue_depth}, $RING_SIZE, 'the queue holds them all');
is($s->{resolve_requests}, 10, 'none was taken yet');
($rc, $out, $err) = $node->psql('postgres',
	"\\set VERBOSITY verbose\nSELECT dht_indexer.resolve('$h{user_request}')");
isnt($rc, 0, 'one request more fails');
like($err, qr/ERROR:  53400: dht_indexer resolve queue is full/,
	'with SQLSTATE 53400 (configuration_limit_exceeded)');
like($err, qr/HINT:  Check that the worker is running/,
	'and a hint to check the worker');
$s = stats($node);
is($s->{resolve_dropped},     1,          'resolve_dropped counts it');
is($s->{resolve_queue_depth}, $RING_SIZE, 'the queue is unchanged');

ok(kill('CONT', $pid), 'worker continued with SIGCONT');
$stopped_pid = undef;
ok( wait_stats(
		$node,
		"resolve_requests = 10 + $RING_SIZE AND resolve_queue_depth = 0 "
		  . "AND resolve_pending = 4 + $RING_SIZE AND resolve_dropped = 1"),
	'the worker drained the whole queue after SIGCONT');
is(stats($node)->{worker_pid}, $pid, 'same worker process');

# --- The worker's pending list is capped; what does not fit is counted.
my $pending = 4 + $RING_SIZE;
my $extra   = $PENDING_CAP - $pending + 32;
my $sent    = 0;
while ($sent < $extra)
{
	my $n = $extra - $sent > 1000 ? 1000 : $extra - $sent;
	sql("SELECT count(dht_indexer.resolve(substr(encode(sha256(('p' || g)::bytea), 'hex'), 1, 40))) "
		  . "FROM generate_series($sent + 1, $sent + $n) g");
	$sent += $n;
	last
	  unless wait_stats($node,
		"resolve_requests = 10 + $RING_SIZE + $sent AND resolve_queue_depth = 0");
}
ok( wait_stats(
		$node,
		"resolve_pending = $PENDING_CAP AND resolve_pending_dropped = 32"),
	"pending list capped at $PENDING_CAP, 32 requests dropped and counted");

# --- DROP and CREATE EXTENSION: the worker prepares its look-up again
# against the new tables.
$node->safe_psql('postgres', 'DROP EXTENSION dht_indexer');
ok(wait_activity($node, 'dht_indexer: waiting for extension%'),
	'worker waits after DROP EXTENSION');
$node->safe_psql('postgres', 'CREATE EXTENSION dht_indexer CASCADE');
ok(wait_state($node, 'crawling'), 'crawling after CREATE EXTENSION');
$s = stats($node);
sql(<<"EOQ");
INSERT INTO dht_indexer.torrents (info_hash, name, total_size, file_count)
VALUES ('\\x$h{new_hex}', 'Known now', 1, 1);
INSERT INTO dht_indexer.blocklist (info_hash) VALUES ('\\x$h{new_magnet}');
SELECT dht_indexer.resolve('$h{new_hex}');
SELECT dht_indexer.resolve('$h{new_magnet}');
SELECT dht_indexer.resolve('$h{known_v1}');
EOQ
ok( wait_stats(
		$node,
		"resolve_requests = $s->{resolve_requests} + 3 "
		  . "AND resolve_known = $s->{resolve_known} + 1 "
		  . "AND resolve_blocked = $s->{resolve_blocked} + 1 "
		  . "AND resolve_pending_dropped = $s->{resolve_pending_dropped} + 1"),
	'after re-creation: known, blocklisted and unknown (pending list full) are told apart'
);

is(stats($node)->{worker_pid}, $pid, 'the worker kept its pid');
unlike(slurp_file($node->logfile), qr/terminated by signal|TRAP:|PANIC:/,
	'no process crashed');

$node->stop;
done_testing();
