# test/t/002_not_preloaded.pl
#	  Configuration mistakes: the library not preloaded (CREATE EXTENSION
#	  and LOAD fail with a message that says how to fix it), and invalid
#	  dht_indexer.* values at start, on reload and in ALTER SYSTEM (each
#	  refused with a clear message).
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

use DhtTest;

# --- Without shared_preload_libraries.  The dht_indexer.* lines are only
# placeholders for the server and must not get in the way.
my $port = free_udp_port();
my $node = PostgreSQL::Test::Cluster->new('not_preloaded');
$node->init(extra => [ '--encoding=UTF8', '--locale=C' ]);
$node->append_conf('postgresql.conf', <<"EOC");
dht_indexer.database = 'postgres'
dht_indexer.listen_addresses = '127.0.0.1'
dht_indexer.ports = '$port'
dht_indexer.bootstrap_nodes = ''
dht_indexer.allow_private_addresses = on
EOC
$node->start;

my ($rc, $out, $err) =
  $node->psql('postgres', 'CREATE EXTENSION dht_indexer CASCADE');
isnt($rc, 0, 'CREATE EXTENSION fails when the library is not preloaded');
like(
	$err,
	qr/ERROR:  dht_indexer must be loaded via shared_preload_libraries/,
	'the error says the library must be preloaded');
like(
	$err,
	qr/DETAIL:  The crawler runs as a background worker/,
	'the detail says why');
like(
	$err,
	qr/HINT:  Add dht_indexer to shared_preload_libraries in postgresql\.conf and restart the server\./,
	'the hint says how to fix it');
is( $node->safe_psql(
		'postgres',
		"SELECT count(*) FROM pg_extension WHERE extname IN ('dht_indexer', 'pg_trgm', 'unaccent')"
	),
	'0',
	'the failed CREATE EXTENSION ... CASCADE left no extension behind');
is( $node->safe_psql(
		'postgres',
		"SELECT count(*) FROM pg_namespace WHERE nspname = 'dht_indexer'"),
	'0',
	'and no schema');

($rc, $out, $err) = $node->psql('postgres', "LOAD 'dht_indexer'");
isnt($rc, 0, 'LOAD fails too');
like(
	$err,
	qr/dht_indexer must be loaded via shared_preload_libraries/,
	'LOAD gives the same message');

is( $node->safe_psql(
		'postgres',
		"SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'dht_indexer'"
	),
	'0',
	'no crawler worker runs');
is(scalar(udp_ports_listening('127.0.0.1', $port)),
	0, 'and no UDP socket is open');
is($node->safe_psql('postgres', 'SELECT 1'), '1', 'the server still works');
$node->stop;

# --- Preloaded, with invalid values.  enabled = off and no extension: the
# worker must never open a socket here, whatever value ends up in force.
my ($bad) = new_node(
	'bad_settings',
	nports => 1,
	conf   => <<'EOC');
dht_indexer.enabled = off
dht_indexer.ports = '70000'
dht_indexer.portz = '6881'
EOC
ok( wait_log(
		$bad,
		qr/WARNING:  invalid value for parameter "dht_indexer\.ports": "70000"/
	),
	'an invalid port in postgresql.conf is reported at start');
my $log = slurp_file($bad->logfile);
like(
	$log,
	qr/invalid value for parameter "dht_indexer\.ports": "70000"\n[^\n]*DETAIL:  \S/,
	'with a DETAIL that explains it');
like(
	$log,
	qr/invalid configuration parameter name "dht_indexer\.portz", removing it/,
	'a misspelled dht_indexer.* name is reported (reserved prefix)');
ok(wait_log($bad, qr/dht_indexer: worker started for database "postgres"/),
	'the worker still starts');
ok( wait_activity($bad, 'dht_indexer: waiting for extension, 0 sockets%'),
	'and waits for the extension');

my $conf_port = $bad->safe_psql('postgres', 'SHOW dht_indexer.ports');
note "dht_indexer.ports in force after the invalid value: $conf_port";

# A session cannot invent parameters under the reserved prefix.
($rc, $out, $err) =
  $bad->psql('postgres', "SET dht_indexer.no_such_parameter = 1");
isnt($rc, 0, 'SET of an unknown dht_indexer.* parameter fails');
like(
	$err,
	qr/invalid configuration parameter name "dht_indexer\.no_such_parameter"/,
	'with the reserved-prefix message');

# ALTER SYSTEM runs the check hooks.
for my $case (
	[ 'dht_indexer.ports',            '0' ],
	[ 'dht_indexer.ports',            '7000-6000' ],
	[ 'dht_indexer.listen_addresses', 'localhost' ],
	[ 'dht_indexer.bootstrap_nodes',  'router.example.org' ],
	[ 'dht_indexer.database',         '' ])
{
	my ($name, $value) = @$case;
	($rc, $out, $err) =
	  $bad->psql('postgres', "ALTER SYSTEM SET $name = '$value'");
	isnt($rc, 0, "ALTER SYSTEM SET $name = '$value' is refused");
	like(
		$err,
		qr/ERROR:  invalid value for parameter "\Q$name\E": "\Q$value\E"\nDETAIL:  \S/,
		"... with a DETAIL");
}

# A reload with an invalid value keeps the old one.
my $addr_before =
  $bad->safe_psql('postgres', 'SHOW dht_indexer.listen_addresses');
my $off = log_offset($bad);
$bad->append_conf('postgresql.conf',
	"dht_indexer.listen_addresses = '127.0.0.1,bogus'");
$bad->reload;
ok( wait_log(
		$bad,
		qr/invalid value for parameter "dht_indexer\.listen_addresses": "127\.0\.0\.1,bogus"/,
		$off),
	'an invalid value on reload is reported');
ok( wait_log(
		$bad,
		qr/configuration file "[^"]+" contains errors; unaffected changes were applied/,
		$off),
	'and the reload applies the rest');
is($bad->safe_psql('postgres', 'SHOW dht_indexer.listen_addresses'),
	$addr_before, 'the previous listen_addresses stays in force');

$bad->stop;
done_testing();
