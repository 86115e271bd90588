/*-------------------------------------------------------------------------
 *
 * guc.c
 *	  Definition and validation of the dht_indexer.* parameters.
 *
 * Check hooks reject bad values with a GUC_check_errdetail sentence and
 * never clamp.  List parameters are parsed by the core's addrlist module
 * into a malloc'd extra (PG15 requires malloc, not palloc, for extra); the
 * assign hooks only install the parsed pointer, as core's
 * synchronous_standby_names does.  Everything except dht_indexer.database
 * can be changed with a reload; the worker re-reads the parsed forms on
 * SIGHUP.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <limits.h>

#include "utils/guc.h"

#include "guc.h"

char	   *dht_database = NULL;
bool		dht_enabled = true;
int			dht_nodes_per_port = 1;
bool		dht_allow_private_addresses = false;
int			dht_max_nodes = 1000000;
int			dht_max_fetches = 256;
int			dht_fetch_timeout_ms = 10000;
int			dht_max_metadata_size_kb = 10 * 1024;
int			dht_send_rate_per_ip = 4;
int			dht_max_send_rate = 10000;
int			dht_recv_rate_per_ip = 50;
int			dht_max_recv_rate = 50000;

const DhtPortList *dht_ports = NULL;
const DhtAddressList *dht_listen_addresses = NULL;
const DhtHostPortList *dht_bootstrap_nodes = NULL;

static char *ports_string = NULL;
static char *listen_addresses_string = NULL;
static char *bootstrap_nodes_string = NULL;

/* Parse error sentences from the core are at most this long. */
#define GUC_ERR_LEN 256

/*
 * Allocate a zeroed extra struct with malloc, as PG15's GUC machinery frees
 * it with free(); NULL (and a GUC error) when out of memory.
 */
static void *
alloc_extra(size_t size)
{
	void	   *extra = calloc(1, size);

	if (extra == NULL)
		GUC_check_errdetail("Out of memory.");
	return extra;
}

static bool
check_ports(char **newval, void **extra, GucSource source)
{
	DhtPortList *parsed = alloc_extra(sizeof(DhtPortList));
	char		err[GUC_ERR_LEN];

	if (parsed == NULL)
		return false;
	if (addrlist_parse_ports(*newval, parsed->ranges, ADDRLIST_MAX_RANGES,
							 &parsed->nranges, &parsed->nports,
							 err, sizeof(err)) != ADDRLIST_OK)
	{
		GUC_check_errdetail("%s", err);
		free(parsed);
		return false;
	}
	*extra = parsed;
	return true;
}

static void
assign_ports(const char *newval, void *extra)
{
	dht_ports = extra;
}

static bool
check_listen_addresses(char **newval, void **extra, GucSource source)
{
	DhtAddressList *parsed = alloc_extra(sizeof(DhtAddressList));
	char		err[GUC_ERR_LEN];

	if (parsed == NULL)
		return false;
	if (addrlist_parse_addresses(*newval, parsed->addrs, ADDRLIST_MAX_ADDRESSES,
								 &parsed->naddrs, err, sizeof(err)) != ADDRLIST_OK)
	{
		GUC_check_errdetail("%s", err);
		free(parsed);
		return false;
	}
	*extra = parsed;
	return true;
}

static void
assign_listen_addresses(const char *newval, void *extra)
{
	dht_listen_addresses = extra;
}

static bool
check_bootstrap_nodes(char **newval, void **extra, GucSource source)
{
	DhtHostPortList *parsed = alloc_extra(sizeof(DhtHostPortList));
	char		err[GUC_ERR_LEN];

	if (parsed == NULL)
		return false;
	if (addrlist_parse_hostports(*newval, parsed->entries, ADDRLIST_MAX_HOSTPORTS,
								 &parsed->n, err, sizeof(err)) != ADDRLIST_OK)
	{
		GUC_check_errdetail("%s", err);
		free(parsed);
		return false;
	}
	*extra = parsed;
	return true;
}

static void
assign_bootstrap_nodes(const char *newval, void *extra)
{
	dht_bootstrap_nodes = extra;
}

static bool
check_database(char **newval, void **extra, GucSource source)
{
	if (**newval == '\0')
	{
		GUC_check_errdetail("The database name must not be empty.");
		return false;
	}
	return true;
}

static void
define_list_gucs(void)
{
	DefineCustomStringVariable("dht_indexer.listen_addresses",
							   "Comma-separated IPv4/IPv6 addresses the DHT sockets bind to.",
							   "Numeric addresses only; use :: for all IPv6 addresses.",
							   &listen_addresses_string, "0.0.0.0", PGC_SIGHUP, 0,
							   check_listen_addresses, assign_listen_addresses, NULL);
	DefineCustomStringVariable("dht_indexer.ports",
							   "UDP ports (list of ports and ranges) to run DHT nodes on.",
							   "One socket is opened per listen address and port, e.g. 6881,6890-6899.",
							   &ports_string, "6881-6888", PGC_SIGHUP, 0,
							   check_ports, assign_ports, NULL);
	DefineCustomStringVariable("dht_indexer.bootstrap_nodes",
							   "Comma-separated host:port list of DHT bootstrap nodes.",
							   "Host names are resolved by the worker; an empty list disables bootstrapping.",
							   &bootstrap_nodes_string,
							   "router.bittorrent.com:6881,dht.transmissionbt.com:6881,"
							   "router.utorrent.com:6881,dht.libtorrent.org:25401",
							   PGC_SIGHUP, 0,
							   check_bootstrap_nodes, assign_bootstrap_nodes, NULL);
}

static void
define_limit_gucs(void)
{
	DefineCustomIntVariable("dht_indexer.nodes_per_port",
							"Number of DHT node identities hosted on each socket.",
							NULL, &dht_nodes_per_port, 1, 1, 10000, PGC_SIGHUP, 0,
							NULL, NULL, NULL);
	DefineCustomIntVariable("dht_indexer.max_nodes",
							"Maximum number of DHT nodes kept in the routing table.",
							"Bounds the worker's memory.", &dht_max_nodes,
							1000000, 100, 50000000, PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("dht_indexer.max_fetches",
							"Maximum number of concurrent metadata fetches (TCP connections).",
							NULL, &dht_max_fetches, 256, 1, 65536, PGC_SIGHUP, 0,
							NULL, NULL, NULL);
	DefineCustomIntVariable("dht_indexer.fetch_timeout",
							"Deadline for fetching metadata from one peer.",
							NULL, &dht_fetch_timeout_ms, 10000, 100, 600000,
							PGC_SIGHUP, GUC_UNIT_MS, NULL, NULL, NULL);
	DefineCustomIntVariable("dht_indexer.max_metadata_size",
							"Largest torrent metadata (info dictionary) accepted from a peer.",
							"Larger announced sizes are refused before any allocation.",
							&dht_max_metadata_size_kb, 10 * 1024, 16, 256 * 1024,
							PGC_SIGHUP, GUC_UNIT_KB, NULL, NULL, NULL);
	DefineCustomIntVariable("dht_indexer.send_rate_per_ip",
							"Maximum packets per second sent to one remote IP address.",
							"Shared by all identities and sockets.",
							&dht_send_rate_per_ip, 4, 1, 1000000, PGC_SIGHUP, 0,
							NULL, NULL, NULL);
	DefineCustomIntVariable("dht_indexer.max_send_rate",
							"Maximum packets per second sent overall.",
							NULL, &dht_max_send_rate, 10000, 1, 10000000,
							PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("dht_indexer.recv_rate_per_ip",
							"Maximum datagrams per second accepted from one remote IP address.",
							"More are dropped unread, so that a flood cannot take the worker.",
							&dht_recv_rate_per_ip, 50, 1, 10000000, PGC_SIGHUP, 0,
							NULL, NULL, NULL);
	DefineCustomIntVariable("dht_indexer.max_recv_rate",
							"Maximum datagrams per second accepted overall.",
							NULL, &dht_max_recv_rate, 50000, 1, 10000000,
							PGC_SIGHUP, 0, NULL, NULL, NULL);
}

/* Define every dht_indexer.* parameter; called from _PG_init. */
void
dht_define_gucs(void)
{
	DefineCustomStringVariable("dht_indexer.database",
							   "Database in which the crawler stores its index.",
							   "The worker waits until CREATE EXTENSION dht_indexer has run there.",
							   &dht_database, "postgres", PGC_POSTMASTER, 0,
							   check_database, NULL, NULL);
	DefineCustomBoolVariable("dht_indexer.enabled",
							 "Crawl the DHT; when off the worker idles with its sockets closed.",
							 NULL, &dht_enabled, true, PGC_SIGHUP, 0,
							 NULL, NULL, NULL);
	DefineCustomBoolVariable("dht_indexer.allow_private_addresses",
							 "Accept and contact loopback and private-range addresses.",
							 "For tests and LANs; the public DHT never needs it.",
							 &dht_allow_private_addresses, false, PGC_SIGHUP, 0,
							 NULL, NULL, NULL);
	define_list_gucs();
	define_limit_gucs();
	MarkGUCPrefixReserved("dht_indexer");
}
