/*-------------------------------------------------------------------------
 *
 * bootstrap.c
 *	  Resolving the bootstrap nodes and handing them to the swarm.
 *
 * Name resolution uses getaddrinfo, which blocks: it runs once per round
 * (when crawling starts, on reload, then every minute until a node
 * answers), and on a machine without DNS it fails at once.  Every failure
 * is logged with the resolver's reason and counted, so an unreachable DHT
 * is visible in stats() and in the log rather than a silent wait.
 * Addresses outside the allowed classes (martians always; private ranges
 * unless allow_private_addresses) are skipped with a log line.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <netdb.h>

#include "addrclass.h"
#include "bootstrap.h"
#include "crawler.h"
#include "guc.h"
#include "netaddr.h"
#include "shmem.h"

/* Addresses kept per host name (round-robin DNS names return several). */
#define BOOTSTRAP_ADDRS_PER_HOST 4
#define BOOTSTRAP_MAX_TARGETS (ADDRLIST_MAX_HOSTPORTS * BOOTSTRAP_ADDRS_PER_HOST)

/* Add the usable addresses of one resolved host to targets; returns count. */
static int
add_targets(const struct addrlist_hostport *hp, const struct addrinfo *res,
			struct netaddr *targets, int *ntargets)
{
	int			added = 0;

	for (; res != NULL && added < BOOTSTRAP_ADDRS_PER_HOST &&
		 *ntargets < BOOTSTRAP_MAX_TARGETS; res = res->ai_next)
	{
		struct netaddr *t = &targets[*ntargets];
		char		name[NETADDR_STRLEN];
		enum addrclass cls;

		if (netaddr_from_sockaddr(res->ai_addr, t) != 0)
			continue;
		cls = addrclass_of(t->family, t->ip);
		if (!addrclass_allowed(cls, dht_allow_private_addresses))
		{
			ereport(LOG,
					(errmsg("dht_indexer: skipping bootstrap node \"%s\" at %s (%s address)",
							hp->host, netaddr_format(t, name, sizeof(name)),
							addrclass_name(cls)),
					 cls != ADDRCLASS_MARTIAN ?
					 errhint("Set dht_indexer.allow_private_addresses = on to use private addresses.") : 0));
			continue;
		}
		(*ntargets)++;
		added++;
	}
	return added;
}

static bool
resolve_one(const struct addrlist_hostport *hp, struct netaddr *targets,
			int *ntargets)
{
	struct addrinfo hints;
	struct addrinfo *res = NULL;
	char		port[8];
	int			rc;
	int			added;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_DGRAM;
	snprintf(port, sizeof(port), "%u", (unsigned) hp->port);
	rc = getaddrinfo(hp->host, port, &hints, &res);
	if (rc != 0)
	{
		dht_counter_add(DHT_C_bootstrap_failures, 1);
		ereport(LOG,
				(errmsg("dht_indexer: could not resolve bootstrap node \"%s:%u\": %s",
						hp->host, (unsigned) hp->port, gai_strerror(rc))));
		return false;
	}
	added = add_targets(hp, res, targets, ntargets);
	freeaddrinfo(res);
	return added > 0;
}

void
bootstrap_round(void)
{
	const DhtHostPortList *nodes = dht_bootstrap_nodes;
	struct netaddr targets[BOOTSTRAP_MAX_TARGETS];
	int			ntargets = 0;
	int			resolved = 0;
	size_t		i;

	dht_counter_set(DHT_C_bootstrap_nodes, nodes->n);
	for (i = 0; i < nodes->n; i++)
		if (resolve_one(&nodes->entries[i], targets, &ntargets))
			resolved++;
	dht_counter_set(DHT_C_bootstrap_resolved, resolved);
	if (nodes->n == 0)
		return;
	if (resolved == 0)
		ereport(LOG,
				(errmsg("dht_indexer: none of the %d bootstrap nodes could be resolved; the DHT is unreachable from this machine",
						(int) nodes->n),
				 errhint("Check DNS and outbound UDP, or set dht_indexer.bootstrap_nodes.")));
	else
		ereport(LOG,
				(errmsg("dht_indexer: bootstrap: %d of %d nodes resolved, querying %d addresses",
						resolved, (int) nodes->n, ntargets)));
	crawler_bootstrap(targets, ntargets);
}
