# test/perl/DhtTest.pm
#	  Shared helpers of the dht_indexer TAP suites (test/t/*.pl).
#
# Owns: the standard configuration of a test node, the offline simulator
# (sim_start and friends, running build/dht_sim), bounded waits on
# dht_indexer.stats(), pg_stat_activity and the server log, the view of
# the worker from outside (its UDP ports via ss, its CPU time via
# /proc/PID/stat), a lenient bencode decoder and a KRPC ping responder
# that runs in a child process; real libtorrent nodes (lt_start and
# friends, driving test/interop/lt_node.py) and a one-shot KRPC client.
# Does not own any assertion: helpers return values and the test files
# decide what to check.
#
# Invariants: every wait is bounded ($DhtTest::WAIT_SECONDS unless the
# caller says otherwise); no traffic leaves 127.0.0.0/8 -- the test nodes
# bind 127.0.0.1 only, start with an empty bootstrap list, and inherit
# RES_OPTIONS=attempts:0 so that a host name given to the worker fails in
# glibc's stub resolver without a DNS query ever being sent.
package DhtTest;

use strict;
use warnings;

use Cwd ();
use Exporter 'import';
use File::Basename ();
use IO::Select;
use IO::Socket::INET;
use IPC::Run ();
use JSON::PP ();
use POSIX ();
use Socket ();
use Symbol ();
use Test::More ();
use Time::HiRes qw(usleep time);

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;

our @EXPORT = qw(
  new_node free_udp_port standard_conf
  stats wait_stats wait_state wait_until poll_until
  worker_activity worker_pid wait_activity
  udp_ports_listening wait_udp_ports
  cpu_ticks clk_tck idle_cpu_share process_state
  log_offset wait_log log_since
  bencode bdecode_prefix krpc_ping
  start_krpc_responder responder_count stop_responder
  lt_available lt_free_port lt_start lt_call lt_stop lt_stop_all
  krpc_query max_in_window
  sim_start sim_stop sim_status sim_load_manifest
);

# Upper bound of one wait, in seconds.  Generous for a loaded 2-core
# machine, small enough that a hung suite fails in minutes, not hours.
our $WAIT_SECONDS = 30;

# Host names resolve without the network or not at all (see the header).
$ENV{RES_OPTIONS} = 'attempts:0';

# A port that PostgreSQL::Test::Cluster has reserved (TCP) and that is also
# free for UDP on 127.0.0.1, where the worker binds.
sub free_udp_port
{
	for (1 .. 50)
	{
		my $port = PostgreSQL::Test::Cluster::get_free_port();
		my $sock = IO::Socket::INET->new(
			Proto     => 'udp',
			LocalAddr => '127.0.0.1',
			LocalPort => $port) or next;
		close $sock;
		return $port;
	}
	die "no free UDP port found on 127.0.0.1";
}

# The settings every suite uses: preloaded, loopback only, no bootstrap.
sub standard_conf
{
	my (@ports) = @_;
	my $ports = join(',', @ports);
	return <<"EOC";
shared_preload_libraries = 'dht_indexer'
dht_indexer.database = 'postgres'
dht_indexer.listen_addresses = '127.0.0.1'
dht_indexer.ports = '$ports'
dht_indexer.bootstrap_nodes = ''
dht_indexer.allow_private_addresses = on
EOC
}

# A new UTF-8 cluster with the standard configuration on nports (default
# 2) fresh UDP ports, then conf (appended last, so it wins); started unless
# no_start.  Returns the node and its ports.
sub new_node
{
	my ($name, %opt) = @_;
	my $node = PostgreSQL::Test::Cluster->new($name);
	my @ports = map { free_udp_port() } 1 .. ($opt{nports} // 2);

	$node->init(extra => [ '--encoding=UTF8', '--locale=C' ]);
	$node->append_conf('postgresql.conf',
		standard_conf(@ports) . ($opt{conf} // ''));
	$node->start unless $opt{no_start};
	return ($node, @ports);
}

# The row of dht_indexer.stats() as a hash reference.
sub stats
{
	my ($node) = @_;
	my $json = $node->safe_psql('postgres',
		'SELECT row_to_json(s) FROM dht_indexer.stats() s');
	return JSON::PP::decode_json($json);
}

# Run $sql until it prints 't'; false after $seconds.
sub wait_until
{
	my ($node, $sql, $seconds) = @_;
	local $PostgreSQL::Test::Utils::timeout_default =
	  $seconds // $WAIT_SECONDS;
	return $node->poll_query_until('postgres', $sql);
}

# Wait until the SQL condition $cond holds for the stats() row; on timeout
# print the row, so a failure shows where the counters stood.
sub wait_stats
{
	my ($node, $cond, $seconds) = @_;
	return 1
	  if wait_until($node, "SELECT ($cond) FROM dht_indexer.stats()",
		$seconds);
	my ($rc, $out, $err) = $node->psql('postgres',
		'SELECT row_to_json(s) FROM dht_indexer.stats() s');
	Test::More::diag("stats() did not reach ($cond): $out $err");
	return 0;
}

sub wait_state
{
	my ($node, $state, $seconds) = @_;
	return wait_stats($node, "state = '$state'", $seconds);
}

# Call $probe every 100 ms until it returns true; false after $seconds.
sub poll_until
{
	my ($probe, $seconds) = @_;
	my $deadline = time() + ($seconds // $WAIT_SECONDS);

	while (1)
	{
		return 1 if $probe->();
		return 0 if time() > $deadline;
		usleep(100_000);
	}
}

# (pid, query) of the worker in pg_stat_activity, or () if it is absent.
sub worker_activity
{
	my ($node) = @_;
	my $out = $node->safe_psql('postgres',
		    "SELECT pid || '|' || coalesce(query, '') FROM pg_stat_activity "
		  . "WHERE backend_type = 'dht_indexer'");
	return () if $out eq '';
	my @rows = split /\n/, $out;
	die "more than one dht_indexer worker: $out" if @rows > 1;
	return split /\|/, $rows[0], 2;
}

sub worker_pid
{
	my ($node) = @_;
	my ($pid) = worker_activity($node);
	return $pid;
}

# Wait until the worker's pg_stat_activity query is LIKE $pattern.
sub wait_activity
{
	my ($node, $pattern, $seconds) = @_;
	return wait_until(
		$node,
		"SELECT count(*) = 1 FROM pg_stat_activity "
		  . "WHERE backend_type = 'dht_indexer' AND query LIKE '$pattern'",
		$seconds);
}

# The ports among @ports that have a UDP socket bound to $addr (ss -Huln),
# sorted (their number in scalar context).
sub udp_ports_listening
{
	my ($addr, @ports) = @_;
	my %want = map { $_ => 1 } @ports;
	my %found;

	for my $line (split /\n/, `ss -Huln`)
	{
		my @f = split ' ', $line;
		next unless @f >= 5;
		my ($a, $p) = $f[3] =~ /^(.*):(\d+)$/ or next;
		$found{$p} = 1 if $a eq $addr && $want{$p};
	}
	my @sorted = sort { $a <=> $b } keys %found;
	return @sorted;
}

# Wait until exactly @$open (of @$open and @$closed) listen on $addr.
sub wait_udp_ports
{
	my ($addr, $open, $closed, $seconds) = @_;
	my $want = join(',', sort { $a <=> $b } @$open);
	return poll_until(
		sub {
			join(',', udp_ports_listening($addr, @$open, @$closed)) eq
			  $want;
		},
		$seconds);
}

# utime + stime of a process, in clock ticks; undef if it is gone.
sub cpu_ticks
{
	my ($pid) = @_;
	open my $fh, '<', "/proc/$pid/stat" or return undef;
	my $line = <$fh>;
	close $fh;

	# The command name may hold spaces; fields after it start at field 3.
	$line =~ s/^.*\)\s+//s;
	my @f = split ' ', $line;
	return $f[11] + $f[12];
}

# Process state letter of /proc/PID/stat ('S', 'R', 'T' ...).
sub process_state
{
	my ($pid) = @_;
	open my $fh, '<', "/proc/$pid/stat" or return '';
	my $line = <$fh>;
	close $fh;
	return $line =~ /\)\s+(\S)/ ? $1 : '';
}

sub clk_tck
{
	my $ticks = `getconf CLK_TCK`;
	chomp $ticks;
	return $ticks =~ /^\d+$/ && $ticks > 0 ? $ticks : 100;
}

# Share of one CPU that $pid used over about $seconds (0.05 == 5%).
sub idle_cpu_share
{
	my ($pid, $seconds) = @_;
	my $t0 = cpu_ticks($pid);
	my $w0 = time();
	sleep($seconds);
	my $t1 = cpu_ticks($pid);
	my $w1 = time();
	die "process $pid vanished while sampling its CPU time"
	  unless defined $t0 && defined $t1;
	return ($t1 - $t0) / clk_tck() / ($w1 - $w0);
}

sub log_offset
{
	my ($node) = @_;
	return -s $node->logfile // 0;
}

# wait_for_log, bounded, returning false instead of dying on timeout.
sub wait_log
{
	my ($node, $regexp, $offset, $seconds) = @_;
	local $PostgreSQL::Test::Utils::timeout_default =
	  $seconds // $WAIT_SECONDS;
	my $found = eval { $node->wait_for_log($regexp, $offset // 0) };
	Test::More::diag("log never matched $regexp") unless defined $found;
	return defined $found;
}

sub log_since
{
	my ($node, $offset) = @_;
	return slurp_file($node->logfile, $offset // 0);
}

# Bencode a Perl value: hash refs become dicts (keys sorted, as bencode
# requires), array refs lists, scalar refs integers, plain scalars strings.
sub bencode
{
	my ($v) = @_;
	if (ref $v eq 'HASH')
	{
		return 'd'
		  . join('', map { bencode($_) . bencode($v->{$_}) } sort keys %$v)
		  . 'e';
	}
	return 'l' . join('', map { bencode($_) } @$v) . 'e' if ref $v eq 'ARRAY';
	return 'i' . $$v . 'e' if ref $v eq 'SCALAR';
	return length($v) . ':' . $v;
}

# Lenient bencode: decode one value at the start of $buf; returns the value
# (integers as numbers, strings as byte strings, lists as array refs, dicts
# as hash refs) or undef.  Trailing bytes, unsorted keys and leading zeros
# are accepted on purpose: it decides whether *some* decoder could read a
# datagram as a message, so it errs on the side of "readable".
sub bdecode_prefix
{
	my ($buf) = @_;
	my ($value) = _bdecode($buf, 0, 0);
	return $value;
}

sub _bdecode
{
	my ($buf, $pos, $depth) = @_;
	return () if $pos >= length($buf) || $depth > 64;
	my $c = substr($buf, $pos, 1);

	if ($c eq 'i')
	{
		my $end = index($buf, 'e', $pos);
		return () if $end < 0;
		my $num = substr($buf, $pos + 1, $end - $pos - 1);
		return () unless $num =~ /^-?\d{1,30}$/;
		return ($num, $end + 1);
	}
	if ($c =~ /\d/)
	{
		my $colon = index($buf, ':', $pos);
		return () if $colon < 0 || $colon - $pos > 10;
		my $len = substr($buf, $pos, $colon - $pos);
		return () unless $len =~ /^\d+$/;
		return () if $colon + 1 + $len > length($buf);
		return (substr($buf, $colon + 1, $len), $colon + 1 + $len);
	}
	if ($c eq 'l' || $c eq 'd')
	{
		my @items;
		$pos++;
		while (1)
		{
			return () if $pos >= length($buf);
			last if substr($buf, $pos, 1) eq 'e';
			my ($item, $next) = _bdecode($buf, $pos, $depth + 1);
			return () unless defined $next;
			return () if $c eq 'd' && @items % 2 == 0 && ref $item;
			push @items, $item;
			$pos = $next;
		}
		return () if $c eq 'd' && @items % 2;
		return ($c eq 'l' ? \@items : {@items}, $pos + 1);
	}
	return ();
}

# A KRPC ping query with transaction id $tid from node id $id (20 bytes).
sub krpc_ping
{
	my ($tid, $id) = @_;
	return
	    'd1:ad2:id20:'
	  . $id . 'e1:q4:ping1:t'
	  . length($tid) . ':'
	  . $tid
	  . '1:y1:qe';
}

# Answer KRPC queries (with a bare reply: our id, no nodes) on $addr (a
# fresh UDP port) from a child process that
# exits after $seconds at most.  Every datagram received is logged as one
# line in a file (responder_count reads it).  Returns a handle.
sub start_krpc_responder
{
	my ($addr, $seconds) = @_;
	my $sock = IO::Socket::INET->new(
		Proto     => 'udp',
		LocalAddr => $addr,
		LocalPort => 0) or die "cannot bind UDP on $addr: $!";
	my $port = $sock->sockport;
	my $file = "$PostgreSQL::Test::Utils::tmp_check/krpc_responder_$port";

	open my $fh, '>', $file or die "cannot create $file: $!";
	close $fh;
	my $pid = fork();
	die "fork failed: $!" unless defined $pid;
	if ($pid == 0)
	{
		# The child must never run the test's END blocks (which would
		# stop the nodes): leave with _exit, whatever happens.
		eval { _serve_pings($sock, $seconds, $file) };
		POSIX::_exit(0);
	}
	close $sock;
	return { pid => $pid, port => $port, addr => $addr, file => $file };
}

sub _serve_pings
{
	my ($sock, $seconds, $file) = @_;
	my $deadline = time() + $seconds;
	my $select   = IO::Select->new($sock);
	my $id = join('', map { chr(int(rand(256))) } 1 .. 20);

	$SIG{TERM} = sub { POSIX::_exit(0) };
	open my $log, '>>', $file or return;
	$log->autoflush(1);
	while (time() < $deadline)
	{
		next unless $select->can_read(0.2);
		my $from = recv($sock, my $buf, 65536, 0);
		next unless defined $from;
		print $log length($buf), "\n";
		my $msg = bdecode_prefix($buf);
		next
		  unless ref $msg eq 'HASH'
		  && ($msg->{y} // '') eq 'q'
		  && defined $msg->{q}
		  && defined $msg->{t}
		  && !ref $msg->{t};
		my $tid = $msg->{t};
		# Keys in sorted order, as bencode requires: r, t, y.
		send($sock,
			    'd1:rd2:id20:' 
			  . $id . 'e1:t'
			  . length($tid) . ':'
			  . $tid
			  . '1:y1:re',
			0, $from);
	}
}

# Datagrams the responder has received so far.
sub responder_count
{
	my ($responder) = @_;
	open my $fh, '<', $responder->{file} or return 0;
	my @lines = <$fh>;
	close $fh;
	return scalar @lines;
}

sub stop_responder
{
	my ($responder) = @_;
	return unless $responder && $responder->{pid};
	kill 'TERM', $responder->{pid};
	waitpid($responder->{pid}, 0);
	$responder->{pid} = undef;
}

# --- Real libtorrent nodes (test/interop/lt_node.py) ----------------------
#
# Each is a child process of /usr/bin/python3 (Debian's python3-libtorrent)
# spoken to in JSON lines; see the header of lt_node.py for the commands.
# It binds one 127/8 address, refuses any other, and exits on stdin EOF,
# on lt_stop, or after its --lifetime, so a dying test never leaves one
# behind for long; lt_stop_all (call it from an END block) stops them all.

our $LT_PYTHON = '/usr/bin/python3';
our @LT_NODES;

sub _lt_script
{
	my $dir = File::Basename::dirname(Cwd::abs_path(__FILE__));
	return "$dir/../interop/lt_node.py";
}

# (1, libtorrent version) if lt_node.py and python3-libtorrent can be
# used, else (0, why not).
sub lt_available
{
	my $script = _lt_script();
	return (0, "$script not found") unless -f $script;
	return (0, "$LT_PYTHON not found") unless -x $LT_PYTHON;
	my $v = `$LT_PYTHON -c 'import libtorrent; print(libtorrent.__version__)' 2>&1`;
	return (0, "python3-libtorrent does not import: $v") if $?;
	chomp $v;
	return (1, $v);
}

# A port free for UDP and TCP on each of @addrs (libtorrent binds both).
sub lt_free_port
{
	my (@addrs) = @_;
	for (1 .. 50)
	{
		my $port = PostgreSQL::Test::Cluster::get_free_port();
		my $ok = 1;
		for my $addr (@addrs)
		{
			for my $proto ('udp', 'tcp')
			{
				my $s = IO::Socket::INET->new(
					Proto     => $proto,
					LocalAddr => $addr,
					LocalPort => $port,
					($proto eq 'tcp' ? (Listen => 1, ReuseAddr => 1) : ()));
				$ok = 0 unless $s;
				close $s if $s;
			}
		}
		return $port if $ok;
	}
	die "no port free on all of @addrs";
}

# Start a libtorrent node: bind => '127.0.N.1', port => P (0: any),
# bootstrap => [ 'ip:port', ... ] (seeded as ordinary DHT nodes), extra =>
# [ more lt_node.py options ], lifetime => seconds.  Returns a handle
# (addr, pid, ready line, workdir) once the node is listening; dies if it
# does not start within $WAIT_SECONDS.
sub lt_start
{
	my (%opt) = @_;
	my $dir = $opt{workdir}
	  // PostgreSQL::Test::Utils::tempdir("lt_$opt{bind}");
	my @cmd = (
		$LT_PYTHON, _lt_script(),
		'--bind'      => $opt{bind},
		'--port'      => $opt{port} // 0,
		'--bootstrap' => join(',', @{ $opt{bootstrap} // [] }),
		'--workdir'   => $dir,
		'--lifetime'  => $opt{lifetime} // 300,
		@{ $opt{extra} // [] });
	my ($in, $out) = (Symbol::gensym(), Symbol::gensym());
	my $h = IPC::Run::start(\@cmd, '<pipe', $in, '>pipe', $out,
		'2>', "$dir/stderr");
	my $lt = { h => $h, in => $in, out => $out, buf => '', dir => $dir,
		name => $opt{bind} };
	push @LT_NODES, $lt;
	my $ready = _lt_read($lt, $WAIT_SECONDS);
	if (!$ready || ($ready->{event} // '') ne 'ready')
	{
		my $err = slurp_file("$dir/stderr");
		lt_stop($lt);
		die "libtorrent node on $opt{bind} did not start: "
		  . JSON::PP::encode_json($ready // {}) . " $err";
	}
	$lt->{ready} = $ready;
	$lt->{addr}  = $ready->{listen};
	$lt->{pid}   = $ready->{pid};
	return $lt;
}

# One JSON line from the node, or undef after $seconds.
sub _lt_read
{
	my ($lt, $seconds) = @_;
	my $deadline = time() + $seconds;
	my $sel = IO::Select->new($lt->{out});

	while ($lt->{buf} !~ /\n/)
	{
		my $left = $deadline - time();
		return undef if $left <= 0;
		next unless $sel->can_read($left);
		my $n = sysread($lt->{out}, my $chunk, 65536);
		return undef unless $n;    # EOF or error: the node is gone
		$lt->{buf} .= $chunk;
	}
	$lt->{buf} =~ s/^([^\n]*)\n//;
	my $line = $1;
	return eval { JSON::PP::decode_json($line) }
	  // { ok => 0, error => "$lt->{name} wrote a line that is not JSON: $line" };
}

# Send a command, return its answer as a hash reference ({ok => 0, error
# => ...} if the node did not answer in time: the command's own timeout
# plus a margin).
sub lt_call
{
	my ($lt, $cmd, %args) = @_;
	$args{cmd} = $cmd;
	my $line = JSON::PP::encode_json(\%args) . "\n";
	my $fh   = $lt->{in};
	local $SIG{PIPE} = 'IGNORE';
	return { ok => 0, error => "$lt->{name} is stopped" } unless $fh;
	return { ok => 0, error => "write to $lt->{name}: $!" }
	  unless (syswrite($fh, $line) // -1) == length($line);
	my $wait = ($args{timeout} // 0) + ($args{wait} // 0)
	  + ($args{seconds} // 0) + 15;
	return _lt_read($lt, $wait)
	  // { ok => 0, error => "$lt->{name}: no answer to $cmd in ${wait}s" };
}

# Ask the node to quit; kill it if it has not gone within a few seconds.
# Returns its answer to quit (with the final packet counts per IP, see
# lt_node.py), or undef.
sub lt_stop
{
	my ($lt) = @_;
	my $answer;
	return undef unless $lt && $lt->{h};
	if ($lt->{in})
	{
		local $SIG{PIPE} = 'IGNORE';
		$answer = _lt_read($lt, 5)
		  if syswrite($lt->{in}, qq({"cmd":"quit"}\n));
		close $lt->{in};
		$lt->{in} = undef;
	}
	my $h = $lt->{h};
	$lt->{h} = undef;
	eval {
		$h->finish(IPC::Run::timeout(5));
		1;
	} or eval { $h->kill_kill(grace => 2) };
	close $lt->{out} if $lt->{out};
	$lt->{out} = undef;
	return $answer;
}

sub lt_stop_all
{
	lt_stop($_) for @LT_NODES;
	@LT_NODES = ();
}

# For a suite that needs libtorrent: unless lt_available(), fail one test
# ("python3-libtorrent is usable") and exit; else note the libtorrent
# version and return it.  The suite still says END { lt_stop_all(); }.
sub lt_require
{
	my ($avail, $why) = lt_available();
	if (!$avail)
	{
		Test::More::fail("python3-libtorrent is usable: $why");
		Test::More::done_testing();
		exit;
	}
	Test::More::note("libtorrent $why");
	return $why;
}

# The end of such a suite: check that no server process crashed (the log
# of $node), stop the libtorrent nodes and $node, note the total time
# ($elapsed: the suite's clock, a code ref), done_testing.
sub lt_finish
{
	my ($node, $elapsed) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 1;
	my $log = slurp_file($node->logfile);
	Test::More::unlike($log, qr/terminated by signal|TRAP:|PANIC:/,
		'no process crashed');
	lt_stop_all();
	$node->stop;
	Test::More::note('total ' . $elapsed->());
	Test::More::done_testing();
}

# Send the KRPC message %$msg (bencoded) from a fresh UDP socket on $from
# (a 127/8 address) to $to_addr:$to_port and return the decoded reply with
# the same "t", or undef after $seconds.
sub krpc_query
{
	my ($from, $to_addr, $to_port, $msg, $seconds) = @_;
	my $sock = IO::Socket::INET->new(
		Proto     => 'udp',
		LocalAddr => $from,
		LocalPort => 0) or die "cannot bind UDP on $from: $!";
	my $dest = Socket::sockaddr_in($to_port, Socket::inet_aton($to_addr));
	my $deadline = time() + ($seconds // 5);
	my $sel = IO::Select->new($sock);

	send($sock, bencode($msg), 0, $dest) or die "send to $to_addr: $!";
	while ((my $left = $deadline - time()) > 0)
	{
		next unless $sel->can_read($left);
		next unless defined recv($sock, my $buf, 65536, 0);
		my $reply = bdecode_prefix($buf);
		return $reply
		  if ref $reply eq 'HASH' && ($reply->{t} // '') eq $msg->{t};
	}
	return undef;
}

# The largest number of times in @$times (seconds, any order) that lie
# within less than $width of each other: the busiest window of $width.
sub max_in_window
{
	my ($times, $width) = @_;
	my @t = sort { $a <=> $b } @$times;
	my ($best, $lo) = (0, 0);

	for my $hi (0 .. $#t)
	{
		$lo++ while $t[$hi] - $t[$lo] >= $width;
		$best = $hi - $lo + 1 if $hi - $lo + 1 > $best;
	}
	return $best;
}

# --- A peer that serves wrong metadata (test/interop/bad_peer.py) ---------
#
# A child process like the libtorrent nodes above (same JSON lines, so
# lt_call, lt_stop and lt_stop_all work on it): bind => '127.0.N.1',
# lifetime => seconds.  Its ready line says which hashes to announce it
# under ("claimed") and what it serves instead ("served"); make_torrent
# adds torrents it serves correctly; see the header of bad_peer.py.

sub bad_peer_start
{
	my (%opt) = @_;
	my $dir = PostgreSQL::Test::Utils::tempdir("bad_peer_$opt{bind}");
	my $script = File::Basename::dirname(Cwd::abs_path(__FILE__))
	  . '/../interop/bad_peer.py';
	my @cmd = (
		$LT_PYTHON, $script,
		'--bind'     => $opt{bind},
		'--workdir'  => $dir,
		'--lifetime' => $opt{lifetime} // 300);
	my ($in, $out) = (Symbol::gensym(), Symbol::gensym());
	my $h = IPC::Run::start(\@cmd, '<pipe', $in, '>pipe', $out,
		'2>', "$dir/stderr");
	my $peer = { h => $h, in => $in, out => $out, buf => '', dir => $dir,
		name => "bad_peer $opt{bind}" };
	push @LT_NODES, $peer;
	my $ready = _lt_read($peer, $WAIT_SECONDS);
	if (!$ready || ($ready->{event} // '') ne 'ready')
	{
		my $err = slurp_file("$dir/stderr");
		lt_stop($peer);
		die "bad_peer on $opt{bind} did not start: "
		  . JSON::PP::encode_json($ready // {}) . " $err";
	}
	$peer->{ready} = $ready;
	$peer->{addr}  = $ready->{listen};
	$peer->{pid}   = $ready->{pid};
	return $peer;
}

# Announce a peer at $from:$port for $hash (20 bytes) to the DHT node
# $to_addr:$to_port as a client does: get_peers for a token, then
# announce_peer with that token, implied_port 0 and $port, both from
# $from (a 127/8 address; tokens are bound to it).  Returns the reply to
# announce_peer (a hash reference, y 'r' when accepted) or undef.
sub krpc_announce
{
	my ($from, $to_addr, $to_port, $hash, $port, $seconds) = @_;
	my $id = join('', map { chr(int(rand(256))) } 1 .. 20);
	my $gp = krpc_query($from, $to_addr, $to_port,
		{ t => 'gp', y => 'q', q => 'get_peers',
		  a => { id => $id, info_hash => $hash } }, $seconds);
	my $token = ref $gp eq 'HASH' && ref $gp->{r} eq 'HASH'
	  ? $gp->{r}{token} : undef;
	return undef unless defined $token && !ref $token;
	return krpc_query($from, $to_addr, $to_port,
		{ t => 'ap', y => 'q', q => 'announce_peer',
		  a => { id => $id, info_hash => $hash, port => \$port,
			  implied_port => \0, token => $token } }, $seconds);
}


# --- the offline simulator (test/sim, build/dht_sim) -------------------------

# Ports for the simulator: a UDP port for its DHT and a TCP port P for its
# peers such that P + 1 is free too (unreachable peers are announced there,
# where nothing may listen), on every address (it binds 0.0.0.0).
sub _sim_ports
{
	my $dht = free_udp_port();
	for (1 .. 50)
	{
		my $p = PostgreSQL::Test::Cluster::get_free_port();
		my @s = map {
			IO::Socket::INET->new(Proto => 'tcp', LocalAddr => '0.0.0.0',
				LocalPort => $_, Listen => 1, ReuseAddr => 1)
		} ($p, $p + 1);
		my $ok = $s[0] && $s[1];
		close $_ for grep { $_ } @s;
		return ($dht, $p) if $ok && $p != $dht && $p + 1 != $dht;
	}
	die "no free port pair for the simulator";
}

# Start the simulator: args => [ more dht_sim options ] (sizes, shares,
# seed...).  Waits (up to $seconds, default 120) for its READY line and
# returns a handle: entries (the bootstrap list), manifest (path), log,
# dht_port, peer_port, world (the "world ..." line as a hash).  Dies if it
# does not get ready.
sub sim_start
{
	my (%opt) = @_;
	my $root = File::Basename::dirname(Cwd::abs_path(__FILE__)) . '/../..';
	my $bin = $ENV{DHT_SIM} // "$root/build/dht_sim";
	my $dir = PostgreSQL::Test::Utils::tempdir('dht_sim');
	my ($dht_port, $peer_port) = _sim_ports();
	my @cmd = ($bin, '--dht-port' => $dht_port, '--peer-port' => $peer_port,
		'--manifest' => "$dir/manifest.tsv", '--status' => 5,
		'--duration' => $opt{duration} // 900, @{ $opt{args} // [] });
	die "$bin not built (make build/dht_sim)" unless -x $bin;
	my $h = IPC::Run::start(\@cmd, '<', \undef, '>', "$dir/log",
		'2>', "$dir/stderr");
	my $sim = { h => $h, dir => $dir, log => "$dir/log",
		manifest => "$dir/manifest.tsv", dht_port => $dht_port,
		peer_port => $peer_port };
	my $ok = poll_until(sub { slurp_file($sim->{log}) =~ /^READY$/m },
		$opt{seconds} // 120);
	my $log = slurp_file($sim->{log});
	if (!$ok)
	{
		sim_stop($sim);
		die "dht_sim did not get ready: $log " . slurp_file("$dir/stderr");
	}
	($sim->{entries}) = $log =~ /^entry (\S+)$/m;
	my ($world) = $log =~ /^world (.*)$/m;
	$sim->{world} = { map { split /=/, $_, 2 } split / /, $world };
	return $sim;
}

# The simulator's newest status line (or final line) as a hash.
sub sim_status
{
	my ($sim) = @_;
	my @lines = grep { /^(status|final) / } split /\n/, slurp_file($sim->{log});
	return {} unless @lines;
	my %st;
	for my $kv (split / /, $lines[-1])
	{
		my ($k, $v) = split /=/, $kv, 2;
		$st{$k} = $v if defined $v;
	}
	return \%st;
}

# Stop the simulator (SIGTERM, then its final line); returns sim_status.
sub sim_stop
{
	my ($sim) = @_;
	return {} unless $sim->{h};
	eval {
		$sim->{h}->signal('TERM');
		$sim->{h}->finish;
		1;
	} or eval { $sim->{h}->kill_kill; };
	delete $sim->{h};
	return sim_status($sim);
}

# Load the simulator's manifest into table $table of database postgres
# (dropped first): the columns of the TSV (see test/sim/world.c).
sub sim_load_manifest
{
	my ($node, $sim, $table) = @_;
	$node->safe_psql('postgres', qq{
		DROP TABLE IF EXISTS $table;
		CREATE TABLE $table (info_hash text, info_hash_v2 text, kind text,
			private int, total_size bigint, file_count int, info_size int,
			peers int, expected text, peer_behaviours text, name text);
		COPY $table FROM '$sim->{manifest}'
			WITH (FORMAT csv, DELIMITER E'\\t', HEADER true, QUOTE E'\\x01');
	});
	return $node->safe_psql('postgres', "SELECT count(*) FROM $table");
}

1;
