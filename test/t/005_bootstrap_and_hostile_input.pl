# test/t/005_bootstrap_and_hostile_input.pl
#	  Bootstrapping against a local KRPC responder (address policy, a name
#	  that does not resolve, the reply that proves the DHT reachable), then
#	  a random-mutation input test: thousands of hostile datagrams at the
#	  worker's socket, which must count them, survive and answer none.
#
#	  Set DHT_TAP_SEED to replay a run of the mutation test; the seed in use
#	  is printed.  Host names fail without DNS traffic: DhtTest gives the
#	  server RES_OPTIONS=attempts:0.
use strict;
use warnings;

use IO::Select;
use IO::Socket::INET;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Socket qw(inet_aton sockaddr_in);
use Test::More;
use Time::HiRes qw(usleep);

use DhtTest;

# Hostile datagrams to send, the share the worker must see (the kernel may
# drop a few under load), and what recvmmsg reads of each at most.
my $DATAGRAMS        = 3000;
my $MIN_SEEN         = 0.9;
my $MAX_DATAGRAM     = 2048;    # UDPSET_MAX_DATAGRAM in udpset.h
my $BURST            = 20;      # datagrams sent back to back, then a pause
my $BURST_PAUSE_USEC = 2000;

my $seed = $ENV{DHT_TAP_SEED} // (time() ^ $$);
note "random seed: $seed (set DHT_TAP_SEED=$seed to replay)";
srand($seed);

my $responder = start_krpc_responder('127.0.0.2', 120);
END { stop_responder($responder) if $responder; }
my $rport = $responder->{port};
my $bootstrap = "127.0.0.2:$rport,unresolvable.invalid:6881";

# Private addresses are refused at first, so the first bootstrap round has
# nothing it may contact.
my ($node, $port) = new_node(
	'bootstrap',
	nports => 1,
	conf   => "dht_indexer.bootstrap_nodes = '$bootstrap'\n"
	  . "dht_indexer.allow_private_addresses = off\n");
$node->safe_psql('postgres', 'CREATE EXTENSION dht_indexer CASCADE');
ok(wait_state($node, 'crawling'), 'crawling');
my $pid = stats($node)->{worker_pid};

# --- Round 1: the loopback node is skipped, the name does not resolve.
ok( wait_log(
		$node,
		qr/dht_indexer: skipping bootstrap node "127\.0\.0\.2" at 127\.0\.0\.2:$rport \(loopback address\)/
	),
	'log: loopback bootstrap node skipped while private addresses are refused'
);
ok( wait_log(
		$node,
		qr/dht_indexer: could not resolve bootstrap node "unresolvable\.invalid:6881": \S/
	),
	'log: unresolvable bootstrap node reported with the reason');
ok( wait_log(
		$node,
		qr/dht_indexer: none of the 2 bootstrap nodes could be resolved; the DHT is unreachable from this machine/
	),
	'log: the DHT is unreachable');
ok( wait_stats(
		$node,
		'bootstrap_nodes = 2 AND bootstrap_resolved = 0 AND bootstrap_failures = 1'
	),
	'stats: 2 nodes configured, none resolved, 1 failure');
my $s = stats($node);
is($s->{packets_out},       0, 'nothing was sent');
is($s->{bootstrap_replies}, 0, 'no reply');
usleep(300_000);
is(responder_count($responder), 0, 'the skipped node received nothing');

# --- Round 2: allow private addresses; pause/resume starts a new round.
my $off = log_offset($node);
$node->append_conf('postgresql.conf',
	'dht_indexer.allow_private_addresses = on');
$node->reload;
ok( wait_log(
		$node,
		qr/parameter "dht_indexer\.allow_private_addresses" changed to "on"/,
		$off),
	'reload applied');
my $answered = 0;
for my $attempt (1 .. 3)
{
	# The worker applies SIGHUP on its next wake-up; give it a moment, and
	# retry in the unlikely case the round ran before that.
	sleep(1);
	$node->safe_psql('postgres', 'SELECT dht_indexer.pause()');
	wait_state($node, 'paused');
	$node->safe_psql('postgres', 'SELECT dht_indexer.resume()');
	wait_state($node, 'crawling');
	$answered = wait_stats($node, 'bootstrap_replies >= 1', 10);
	last if $answered;
}
ok($answered, 'stats: the bootstrap node answered');
ok( wait_log(
		$node,
		qr/dht_indexer: bootstrap node 127\.0\.0\.2:$rport answered; the DHT is reachable/,
		$off),
	'log: bootstrap node answered; the DHT is reachable');
ok( wait_log(
		$node,
		qr/dht_indexer: could not resolve bootstrap node "unresolvable\.invalid:6881"/,
		$off),
	'log: the name still does not resolve');
ok( wait_stats(
		$node,
		'bootstrap_resolved = 1 AND bootstrap_failures >= 2 AND packets_out >= 1 AND packets_in >= 1'
	),
	'stats: 1 resolved, failures counted, ping out and reply in');
cmp_ok(responder_count($responder), '>=', 1, 'the responder got a ping');

# --- Random-mutation input.
my $id = join('', map { chr(int(rand(256))) } 1 .. 20);
my $t20 = join('', map { chr(int(rand(256))) } 1 .. 20);
my @valid = (
	krpc_ping('aa', $id),
	bencode({ t => 'ab', y => 'q', q => 'find_node',
			a => { id => $id, target => $t20 } }),
	bencode({ t => 'ac', y => 'q', q => 'get_peers',
			a => { id => $id, info_hash => $t20 } }),
	bencode({
			t => 'ad', y => 'q', q => 'announce_peer',
			a => {
				id           => $id,
				implied_port => \1,
				info_hash    => $t20,
				port         => \6881,
				token        => 'abcdefgh'
			} }),
	bencode({ t => 'ae', y => 'q', q => 'sample_infohashes',
			a => { id => $id, target => $t20 } }),
	bencode({ t => 'af', y => 'r', r => { id => $id, nodes => 'x' x 26 } }),
	bencode({ t => 'ag', y => 'e', e => [ \201, 'A Generic Error Ocurred' ] }));

sub random_bytes
{
	my ($n) = @_;
	return join('', map { chr(int(rand(256))) } 1 .. $n);
}

# One hostile datagram, derived from a valid message or not at all.
sub mutant
{
	my $v    = $valid[ int(rand(@valid)) ];
	my $kind = int(rand(8));

	return random_bytes(int(rand(300))) if $kind == 0;
	return substr($v, 0, int(rand(length($v)))) if $kind == 1;
	if ($kind == 2)    # bit flips
	{
		for (1 .. 1 + int(rand(8)))
		{
			my $pos = int(rand(length($v)));
			substr($v, $pos, 1) =
			  chr(ord(substr($v, $pos, 1)) ^ (1 << int(rand(8))));
		}
		return $v;
	}
	if ($kind == 3)    # byte edits with bencode's own alphabet
	{
		my @alphabet = split //, 'dilet:-0123456789';
		for (1 .. 1 + int(rand(4)))
		{
			my $pos = int(rand(length($v) + 1));
			my $c   = $alphabet[ int(rand(@alphabet)) ];
			my $op  = int(rand(3));
			substr($v, $pos, $op == 0 ? 0 : 1) = $op == 2 ? '' : $c;
		}
		return $v;
	}
	if ($kind == 4)    # oversized
	{
		my $len = $MAX_DATAGRAM + 1 + int(rand(2048));
		return rand() < 0.5
		  ? random_bytes($len)
		  : 'd1:t' . $len . ':' . ('x' x $len) . '1:y1:qe';
	}
	return '' if $kind == 5;
	if ($kind == 6)    # two messages spliced
	{
		my $w = $valid[ int(rand(@valid)) ];
		return substr($v, 0, int(rand(length($v))))
		  . substr($w, int(rand(length($w))));
	}
	# Lying lengths and numbers.
	my $huge = (qw(4294967296 18446744073709551616 99999999999 -1 00))
	  [ int(rand(5)) ];
	$v =~ s/(?<![0-9])(\d+):/$huge:/ if rand() < 0.5;
	$v =~ s/i(\d+)e/i${huge}e/ if $v =~ /i\d+e/;
	return $v;
}

my @fixed = (
	'', 'd', 'e', 'i', 'l', 'de', 'le', 'd1:y1:qe', 'i-0e', 'i01e',
	'i99999999999999999999999999e', '4294967296:x', '-1:x',
	'd1:t-1:x1:y1:qe', 'd1:ti1e1:y1:qe', 'd1:t0:1:y1:qe',
	'l' x 1000, ('l' x 1000) . ('e' x 1000), ('d1:a' x 400) . ('e' x 400),
	'x' x ($MAX_DATAGRAM - 1), 'x' x $MAX_DATAGRAM, 'x' x ($MAX_DATAGRAM + 1),
	random_bytes(60000), "\0" x 20, krpc_ping('aa', $id) . 'trailing');
my @datagrams = (@fixed, map { mutant() } 1 .. ($DATAGRAMS - @fixed));

# Whatever some bencode decoder could read as a dictionary might be a
# message a node answers (with an error, say): send it from its own
# address, so that 127.0.0.3 sends only datagrams that are not messages.
my $dest = sockaddr_in($port, inet_aton('127.0.0.1'));
my %sender;
for my $addr ('127.0.0.3', '127.0.0.4')
{
	$sender{$addr} = IO::Socket::INET->new(
		Proto     => 'udp',
		LocalAddr => $addr,
		LocalPort => 0) or die "cannot bind UDP on $addr: $!";
}

# The responder is a live DHT node the swarm keeps talking to; stop it so
# that every datagram the worker reads from now on is one of ours.
stop_responder($responder);
sleep 1;
my $before = stats($node);
my ($sent, $malformed, $expected_bytes) = (0, 0, 0);
for my $i (0 .. $#datagrams)
{
	my $d = $datagrams[$i];
	my $readable = ref(bdecode_prefix($d)) eq 'HASH';
	my $from = $readable ? '127.0.0.4' : '127.0.0.3';
	next unless defined send($sender{$from}, $d, 0, $dest);
	$sent++;
	$malformed++ unless $readable;
	$expected_bytes += length($d) > $MAX_DATAGRAM ? $MAX_DATAGRAM : length($d);
	usleep($BURST_PAUSE_USEC) if $i % $BURST == $BURST - 1;
}
note "sent $sent datagrams, $malformed of them not decodable as a dict";
cmp_ok($sent, '>=', $DATAGRAMS * 0.99, 'the datagrams were sent');
cmp_ok($malformed, '>=', $DATAGRAMS / 2, 'most of them malformed');

my $min_seen = int($sent * $MIN_SEEN);
ok( wait_stats(
		$node, "packets_in >= $before->{packets_in} + $min_seen"),
	"the worker counted at least $min_seen of $sent datagrams");
# Let anything still in flight arrive, and any reply come back.
my $replies = IO::Select->new($sender{'127.0.0.3'})->can_read(1.5) ? 1 : 0;
my $after = stats($node);
my $seen  = $after->{packets_in} - $before->{packets_in};
note "worker counted $seen of $sent datagrams";
cmp_ok($seen, '<=', $sent, 'no datagram counted twice');
SKIP:
{
	skip "the kernel dropped some datagrams", 1 if $seen != $sent;
	is($after->{bytes_in} - $before->{bytes_in},
		$expected_bytes, "bytes_in counts what was read (at most $MAX_DATAGRAM per datagram)");
}
is($replies, 0, 'no malformed datagram was answered');
# Every malformed datagram was either refused unread by the incoming budget
# or dropped as unparseable; none reached the responder.
my $min_refused = int($malformed * $MIN_SEEN);
ok( wait_stats(
		$node,
		"dropped_parse + dropped_rate_in >= "
		  . ($before->{dropped_parse} + $before->{dropped_rate_in} + $min_refused)),
	"at least $min_refused malformed datagrams counted as dropped");
is($after->{send_errors}, $before->{send_errors}, 'no send errors');
is($after->{worker_pid}, $pid,       'the worker survived (same pid)');
is($after->{state},      'crawling', 'and still crawls');
is(scalar(udp_ports_listening('127.0.0.1', $port)), 1, 'its socket is still open');

my $log = slurp_file($node->logfile);
unlike($log, qr/terminated by signal|TRAP:|PANIC:/, 'no process crashed');

$node->stop;
stop_responder($responder);
done_testing();
