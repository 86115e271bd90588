/*-------------------------------------------------------------------------
 *
 * bootstrap.c
 *	  Resolving the bootstrap nodes and handing them to the swarm.
 *
 * Name resolution is asynchronous (getaddrinfo_a, polled from the worker's
 * timers), so a slow DNS server never stalls the event loop: a round runs
 * when crawling starts, on reload, then every minute until a node answers,
 * and gives up on names still unresolved after BOOTSTRAP_DNS_TIMEOUT_MS.  Every failure
 * is logged with the resolver's reason and counted, so an unreachable DHT
 * is visible in stats() and in the log rather than a silent wait.
 * Addresses outside the allowed classes (martians always; private ranges
 * unless allow_private_addresses) are skipped with a log line.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <netdb.h>
#include <pthread.h>
#include <signal.h>

#include "addrclass.h"
#include "bootstrap.h"
#include "crawler.h"
#include "evloop.h"
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

/*
 * A round in progress: one asynchronous getaddrinfo per configured node
 * (glibc's getaddrinfo_a runs them on its own helper threads, so the
 * worker's loop never waits on DNS).  The requests point into this static
 * state, which therefore stays untouched until every request has finished.
 */
static DhtHostPortList round_nodes;
static struct gaicb requests[ADDRLIST_MAX_HOSTPORTS];
static struct gaicb *request_list[ADDRLIST_MAX_HOSTPORTS];
static char request_ports[ADDRLIST_MAX_HOSTPORTS][8];
static struct addrinfo request_hints;
static int nrequests = 0;
static uint64 round_started_ms = 0;

/* Seconds a round may wait for DNS before the rest is given up. */
#define BOOTSTRAP_DNS_TIMEOUT_MS 10000

bool
bootstrap_in_progress(void)
{
	return nrequests > 0;
}

/*
 * Start the lookups.  All signals are blocked while glibc creates its
 * helper threads, so that they inherit a full mask and PostgreSQL's signal
 * handlers only ever run on the worker's own thread.
 */
static bool
start_lookups(const DhtHostPortList *nodes)
{
	sigset_t	all,
				old;
	int			rc;
	size_t		i;

	round_nodes = *nodes;
	memset(&request_hints, 0, sizeof(request_hints));
	request_hints.ai_family = AF_UNSPEC;
	request_hints.ai_socktype = SOCK_DGRAM;
	for (i = 0; i < round_nodes.n; i++)
	{
		memset(&requests[i], 0, sizeof(requests[i]));
		snprintf(request_ports[i], sizeof(request_ports[i]), "%u",
				 (unsigned) round_nodes.entries[i].port);
		requests[i].ar_name = round_nodes.entries[i].host;
		requests[i].ar_service = request_ports[i];
		requests[i].ar_request = &request_hints;
		request_list[i] = &requests[i];
	}
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = getaddrinfo_a(GAI_NOWAIT, request_list, (int) round_nodes.n, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0)
	{
		ereport(LOG,
				(errmsg("dht_indexer: could not start resolving the bootstrap nodes: %s",
						gai_strerror(rc))));
		return false;
	}
	nrequests = (int) round_nodes.n;
	round_started_ms = evloop_now_ms();
	return true;
}

void
bootstrap_round(void)
{
	const DhtHostPortList *nodes = dht_bootstrap_nodes;

	dht_counter_set(DHT_C_bootstrap_nodes, nodes->n);
	if (nodes->n == 0)
	{
		dht_counter_set(DHT_C_bootstrap_resolved, 0);
		return;
	}
	if (bootstrap_in_progress())
		return;					/* the running round will report */
	(void) start_lookups(nodes);
}

/* One finished request: its addresses become targets; false if it failed. */
static bool
take_result(int i, int rc, struct netaddr *targets, int *ntargets)
{
	const struct addrlist_hostport *hp = &round_nodes.entries[i];
	int			added;

	if (rc != 0)
	{
		dht_counter_add(DHT_C_bootstrap_failures, 1);
		ereport(LOG,
				(errmsg("dht_indexer: could not resolve bootstrap node \"%s:%u\": %s",
						hp->host, (unsigned) hp->port,
						rc == EAI_CANCELED ? "timed out" : gai_strerror(rc))));
		return false;
	}
	added = add_targets(hp, requests[i].ar_result, targets, ntargets);
	freeaddrinfo(requests[i].ar_result);
	requests[i].ar_result = NULL;
	return added > 0;
}

/* Report a finished round and hand its addresses to the swarm. */
static void
finish_round(void)
{
	struct netaddr targets[BOOTSTRAP_MAX_TARGETS];
	int			ntargets = 0;
	int			resolved = 0;
	int			i;

	for (i = 0; i < nrequests; i++)
		if (take_result(i, gai_error(&requests[i]), targets, &ntargets))
			resolved++;
	dht_counter_set(DHT_C_bootstrap_resolved, resolved);
	if (resolved == 0)
		ereport(LOG,
				(errmsg("dht_indexer: none of the %d bootstrap nodes could be resolved; the DHT is unreachable from this machine",
						nrequests),
				 errhint("Check DNS and outbound UDP, or set dht_indexer.bootstrap_nodes.")));
	else
		ereport(LOG,
				(errmsg("dht_indexer: bootstrap: %d of %d nodes resolved, querying %d addresses",
						resolved, nrequests, ntargets)));
	nrequests = 0;
	crawler_bootstrap(targets, ntargets);
}

/*
 * Check the lookups of the running round; finish it when all are done, or
 * cancel the stragglers after BOOTSTRAP_DNS_TIMEOUT_MS (a request glibc
 * cannot cancel any more is waited for).
 */
void
bootstrap_poll(void)
{
	bool		timed_out = evloop_now_ms() - round_started_ms > BOOTSTRAP_DNS_TIMEOUT_MS;
	int			i;

	if (!bootstrap_in_progress())
		return;
	for (i = 0; i < nrequests; i++)
	{
		if (gai_error(&requests[i]) != EAI_INPROGRESS)
			continue;
		if (!timed_out || gai_cancel(&requests[i]) != EAI_CANCELED)
			return;
	}
	finish_round();
}
