# test/t/006_swarm.pl
#	  Two crawler workers form a DHT on loopback: one bootstraps from the
#	  other, each enters the other's routing table only after answering a
#	  query, good nodes are saved to dht_indexer.nodes when crawling stops
#	  and used to bootstrap when it starts again; 10,000 identities on 10
#	  sockets; nodes_per_port changed by a reload rebuilds the identities;
#	  gauges drop to zero when crawling stops.
use strict;
use warnings;

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

use DhtTest;

# Worker B listens on 127.0.0.1; worker A on 127.0.0.1 as well, other port.
my ($b, $b_port) = new_node('b', nports => 1);
$b->safe_psql('postgres', 'CREATE EXTENSION dht_indexer CASCADE');
ok(wait_state($b, 'crawling'), 'B crawls');

my ($a, $a_port) = new_node('a', nports => 1,
	conf => "dht_indexer.bootstrap_nodes = '127.0.0.1:$b_port'\n");
$a->safe_psql('postgres', 'CREATE EXTENSION dht_indexer CASCADE');
ok(wait_state($a, 'crawling'), 'A crawls');

ok(wait_stats($a, 'bootstrap_replies >= 1 AND known_nodes >= 1'),
	'A: B answered the bootstrap query and entered the routing table');
ok(wait_log($a, qr/bootstrap node 127\.0\.0\.1:$b_port answered; the DHT is reachable/),
	'A logs that the DHT is reachable');
ok(wait_stats($b, 'queries_in_find_node + queries_in_sample_infohashes >= 1 AND replies_sent >= 1'),
	'B answered A');
# B never queried A before A answered B's query: A is only in B's table if
# B queried it (its walk follows nodes it learns from replies only).
my $sb = stats($b);
cmp_ok($sb->{known_nodes}, '<=', $sb->{responses_in},
	'B: no node entered without answering one of its queries');

# A's sample_infohashes to B are answered with samples from B's storage
# (empty here): B answers, A records B's interval.
ok(wait_stats($b, 'queries_in_sample_infohashes >= 1'),
	'the BEP 51 walk asked B for samples');

# Persistence: pausing A saves its good nodes.
$a->safe_psql('postgres', 'SELECT dht_indexer.pause()');
ok(wait_state($a, 'paused'), 'A paused');
is( $a->safe_psql('postgres',
		"SELECT count(*) FROM dht_indexer.nodes WHERE port = $b_port AND address = '127.0.0.1'"),
	'1', 'B saved in dht_indexer.nodes');
my $sa = stats($a);
is($sa->{identities},  0, 'paused: no identities hosted');
is($sa->{known_nodes}, 0, 'paused: routing table gone');

# Restart A with no bootstrap nodes at all: it comes back from the table.
$a->append_conf('postgresql.conf', "dht_indexer.bootstrap_nodes = ''\n");
$a->reload;
my $off = log_offset($a);
$a->safe_psql('postgres', 'SELECT dht_indexer.resume()');
ok(wait_log($a, qr/dht_indexer: bootstrapping from 1 saved nodes/, $off),
	'A bootstraps from the saved node');
ok(wait_stats($a, 'known_nodes >= 1'), 'and B is back in its table');

# 10,000 identities: 10 ports x 1,000 identities on B.
my @ports = map { free_udp_port() } 1 .. 10;
$b->append_conf('postgresql.conf',
	"dht_indexer.ports = '" . join(',', @ports) . "'\n"
	  . "dht_indexer.nodes_per_port = 1000\n");
$b->reload;
ok(wait_stats($b, 'sockets = 10 AND identities = 10000'),
	'B hosts 10,000 identities on 10 sockets');
ok(wait_udp_ports('127.0.0.1', [@ports], [$b_port]), 'all 10 ports listen, the old one is closed');
$b->append_conf('postgresql.conf', "dht_indexer.nodes_per_port = 3\n");
$b->reload;
ok(wait_stats($b, 'sockets = 10 AND identities = 30'),
	'nodes_per_port reloaded: 30 identities');
# Loopback is exempt from BEP 42: no id was changed for it.
is(stats($b)->{identities_bep42}, 0, 'no BEP 42 ids on loopback');

$a->stop;
$b->stop;
done_testing();
