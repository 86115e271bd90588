--
-- 08_gucs: the dht_indexer.* parameters.  They are reloadable (sighup) or
-- postmaster-only, so SET is refused before any check; ALTER SYSTEM runs
-- the check hooks and refuses a bad value without writing it.  Valid
-- values are written, then reset, and the server is never reloaded.
--
\set VERBOSITY default
\set SHOW_CONTEXT never

-- Every parameter, its context, unit and compiled-in default.
SELECT name, vartype, unit, context, boot_val, min_val, max_val
  FROM pg_settings WHERE name LIKE 'dht_indexer.%' ORDER BY name;
-- Values in force in the test instance (test/regress.conf sets some).
SELECT name, setting, unit, source
  FROM pg_settings WHERE name LIKE 'dht_indexer.%' ORDER BY name;
SHOW dht_indexer.fetch_timeout;
SHOW dht_indexer.max_metadata_size;
SHOW dht_indexer.max_fetches;
SHOW dht_indexer.nodes_per_port;
SHOW dht_indexer.enabled;
SHOW dht_indexer.ports;

-- SET is refused whatever the value.
SET dht_indexer.ports = '6881';
SET dht_indexer.ports = 'abc';
SET dht_indexer.database = 'postgres';
RESET dht_indexer.ports;
-- The prefix is reserved: unknown names are refused, not kept as
-- placeholders.
SET dht_indexer.nonexistent = 1;
SET dht_indexer.Ports = '6881';
ALTER SYSTEM SET dht_indexer.nonexistent = 1;
SHOW dht_indexer.nonexistent;
SELECT current_setting('dht_indexer.nonexistent', true) IS NULL AS unknown;

-- ports.
ALTER SYSTEM SET dht_indexer.ports = '';
ALTER SYSTEM SET dht_indexer.ports = '0';
ALTER SYSTEM SET dht_indexer.ports = '65536';
ALTER SYSTEM SET dht_indexer.ports = '6888-6881';
ALTER SYSTEM SET dht_indexer.ports = 'abc';
ALTER SYSTEM SET dht_indexer.ports = '6881,6881';
ALTER SYSTEM SET dht_indexer.ports = '6881-6890,6885';
ALTER SYSTEM SET dht_indexer.ports = '1-2000';
ALTER SYSTEM SET dht_indexer.ports = '06881';
ALTER SYSTEM SET dht_indexer.ports = '+6881';
ALTER SYSTEM SET dht_indexer.ports = '-1';
ALTER SYSTEM SET dht_indexer.ports = '6881,';
ALTER SYSTEM SET dht_indexer.ports = '6881 6882';
-- listen_addresses.
ALTER SYSTEM SET dht_indexer.listen_addresses = '';
ALTER SYSTEM SET dht_indexer.listen_addresses = 'localhost';
ALTER SYSTEM SET dht_indexer.listen_addresses = '999.1.1.1';
ALTER SYSTEM SET dht_indexer.listen_addresses = '::1,::1';
ALTER SYSTEM SET dht_indexer.listen_addresses = '0.0.0.0,127.0.0.1';
ALTER SYSTEM SET dht_indexer.listen_addresses = '[::1]';
ALTER SYSTEM SET dht_indexer.listen_addresses = '::ffff:127.0.0.1';
ALTER SYSTEM SET dht_indexer.listen_addresses = 'fe80::1%eth0';
-- bootstrap_nodes.
ALTER SYSTEM SET dht_indexer.bootstrap_nodes = 'router.bittorrent.com';
ALTER SYSTEM SET dht_indexer.bootstrap_nodes = 'host:0';
ALTER SYSTEM SET dht_indexer.bootstrap_nodes = 'host:65536';
ALTER SYSTEM SET dht_indexer.bootstrap_nodes = '[::1]6881';
ALTER SYSTEM SET dht_indexer.bootstrap_nodes = 'bad_host!:1';
ALTER SYSTEM SET dht_indexer.bootstrap_nodes = '-bad.example:1';
ALTER SYSTEM SET dht_indexer.bootstrap_nodes = 'a.example:1,,b.example:2';
-- database (postmaster).
ALTER SYSTEM SET dht_indexer.database = '';
-- Units and ranges.
ALTER SYSTEM SET dht_indexer.fetch_timeout = '5 parsecs';
ALTER SYSTEM SET dht_indexer.fetch_timeout = '50ms';
ALTER SYSTEM SET dht_indexer.fetch_timeout = '11min';
ALTER SYSTEM SET dht_indexer.max_metadata_size = '1TB';
ALTER SYSTEM SET dht_indexer.max_metadata_size = '8kB';
ALTER SYSTEM SET dht_indexer.nodes_per_port = 0;
ALTER SYSTEM SET dht_indexer.max_nodes = 99;
ALTER SYSTEM SET dht_indexer.max_fetches = 65537;
ALTER SYSTEM SET dht_indexer.send_rate_per_ip = 0;
ALTER SYSTEM SET dht_indexer.max_send_rate = 0;
ALTER SYSTEM SET dht_indexer.enabled = 'maybe';
-- None of that was written.
SELECT count(*) AS written FROM pg_file_settings
 WHERE name LIKE 'dht_indexer.%' AND sourcefile LIKE '%postgresql.auto.conf';

-- Valid values are accepted and written (blanks around items and around a
-- range's "-" are allowed; bracketed IPv6 host:port; units converted).
ALTER SYSTEM SET dht_indexer.ports = ' 6881 - 6888 , 6890 ';
ALTER SYSTEM SET dht_indexer.listen_addresses = '0.0.0.0, ::';
ALTER SYSTEM SET dht_indexer.bootstrap_nodes = 'router.example.com:6881,[::1]:6881,127.0.0.1:6882';
ALTER SYSTEM SET dht_indexer.bootstrap_nodes = '';
ALTER SYSTEM SET dht_indexer.fetch_timeout = '2min';
ALTER SYSTEM SET dht_indexer.max_metadata_size = '256MB';
ALTER SYSTEM SET dht_indexer.nodes_per_port = 8;
ALTER SYSTEM SET dht_indexer.enabled = off;
ALTER SYSTEM SET dht_indexer.database = 'postgres';
SELECT name, setting FROM pg_file_settings
 WHERE name LIKE 'dht_indexer.%' AND sourcefile LIKE '%postgresql.auto.conf'
 ORDER BY name;
-- ... and reset, leaving postgresql.auto.conf as it was.
ALTER SYSTEM RESET dht_indexer.ports;
ALTER SYSTEM RESET dht_indexer.listen_addresses;
ALTER SYSTEM RESET dht_indexer.bootstrap_nodes;
ALTER SYSTEM RESET dht_indexer.fetch_timeout;
ALTER SYSTEM SET dht_indexer.max_metadata_size TO DEFAULT;
ALTER SYSTEM RESET dht_indexer.nodes_per_port;
ALTER SYSTEM RESET dht_indexer.enabled;
ALTER SYSTEM RESET dht_indexer.database;
SELECT count(*) AS written FROM pg_file_settings
 WHERE name LIKE 'dht_indexer.%' AND sourcefile LIKE '%postgresql.auto.conf';
-- Nothing changed in the running server.
SHOW dht_indexer.ports;
SHOW dht_indexer.enabled;
