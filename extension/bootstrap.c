/*-------------------------------------------------------------------------
 *
 * bootstrap.c
 *	  Resolving and pinging the bootstrap nodes.
 *
 * Name resolution uses getaddrinfo, which blocks: it runs once per round
 * (at start, then every minute until a node answers), and on a machine
 * without DNS it fails at once.  Every failure is logged with the resolver's
 * reason and counted, so an unreachable DHT is visible in stats() and in
 * the log rather than a silent wait.  Addresses outside the allowed classes
 * (martians always; private ranges unless allow_private_addresses) are
 * skipped with a log line.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <netdb.h>

#include "addrclass.h"
#include "guc.h"
#include "krpc.h"
#include "shmem.h"
#include "bootstrap.h"

/* Addresses kept per host name (round-robin DNS names return several). */
#define BOOTSTRAP_ADDRS_PER_HOST 4
#define BOOTSTRAP_MAX_TARGETS (ADDRLIST_MAX_HOSTPORTS * BOOTSTRAP_ADDRS_PER_HOST)
/* Transaction ids of our pings: this prefix plus the target's index. */
#define BOOTSTRAP_TID_PREFIX 'b'

typedef struct BootstrapTarget
{
	struct addrlist_addr addr;
	uint16		port;
	bool		answered;
} BootstrapTarget;

static BootstrapTarget targets[BOOTSTRAP_MAX_TARGETS];
static int	ntargets = 0;
static bool reached = false;
static uint8 node_id[KRPC_ID_LEN];
static bool node_id_set = false;

/* Add the usable addresses of one resolved host to targets[]. */
static int
add_targets(const struct addrlist_hostport *hp, const struct addrinfo *res)
{
	int			added = 0;

	for (; res != NULL && added < BOOTSTRAP_ADDRS_PER_HOST &&
		 ntargets < BOOTSTRAP_MAX_TARGETS; res = res->ai_next)
	{
		BootstrapTarget *t = &targets[ntargets];
		uint16		port;
		char		name[64];
		enum addrclass cls;

		if (addrlist_addr_from_sockaddr(res->ai_addr, &t->addr, &port) != 0)
			continue;
		t->port = port;
		t->answered = false;
		cls = addrclass_of(t->addr.family, t->addr.addr);
		if (!addrclass_allowed(cls, dht_allow_private_addresses))
		{
			addrlist_format(&t->addr, port, name, sizeof(name));
			ereport(LOG,
					(errmsg("dht_indexer: skipping bootstrap node \"%s\" at %s (%s address)",
							hp->host, name, addrclass_name(cls)),
					 cls != ADDRCLASS_MARTIAN ?
					 errhint("Set dht_indexer.allow_private_addresses = on to use private addresses.") : 0));
			continue;
		}
		ntargets++;
		added++;
	}
	return added;
}

static bool
resolve_one(const struct addrlist_hostport *hp)
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
	added = add_targets(hp, res);
	freeaddrinfo(res);
	return added > 0;
}

static void
ping_target(int index)
{
	const BootstrapTarget *t = &targets[index];
	const UdpSocket *sock = udpset_first(t->addr.family);
	struct sockaddr_storage ss;
	socklen_t	sslen;
	uint8		tid[3];
	uint8		packet[128];
	size_t		len;
	struct krpc_query q;

	if (sock == NULL)
		return;
	tid[0] = BOOTSTRAP_TID_PREFIX;
	tid[1] = (uint8) (index >> 8);
	tid[2] = (uint8) index;
	memset(&q, 0, sizeof(q));
	q.method = KRPC_M_PING;
	q.tid = tid;
	q.tid_len = sizeof(tid);
	q.id = node_id;
	if (krpc_build_query(packet, sizeof(packet), &q, &len) != KRPC_OK)
		return;
	addrlist_addr_to_sockaddr(&t->addr, t->port, &ss, &sslen);
	udpset_send(sock, (struct sockaddr *) &ss, sslen, packet, len);
}

void
bootstrap_round(void)
{
	const DhtHostPortList *nodes = dht_bootstrap_nodes;
	int			resolved = 0;
	size_t		i;
	int			t;

	if (!node_id_set)
	{
		if (!pg_strong_random(node_id, sizeof(node_id)))
			elog(ERROR, "could not generate a random node id");
		node_id_set = true;
	}
	ntargets = 0;
	dht_counter_set(DHT_C_bootstrap_nodes, nodes->n);
	for (i = 0; i < nodes->n; i++)
		if (resolve_one(&nodes->entries[i]))
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
				(errmsg("dht_indexer: bootstrap: %d of %d nodes resolved, pinging %d addresses",
						resolved, (int) nodes->n, ntargets)));
	for (t = 0; t < ntargets; t++)
		ping_target(t);
}

bool
bootstrap_on_datagram(const UdpSocket *sock, const struct sockaddr *from,
					  socklen_t fromlen, const uint8 *data, size_t len)
{
	struct krpc_msg msg;
	struct addrlist_addr addr;
	uint16		port;
	int			index;
	int			rc;
	char		name[64];

	/*
	 * Any reply with our tid counts, as before krpc_parse existed: a
	 * response whose r lacks a valid id (KRPC_ERR_PROTOCOL) still has its
	 * type and tid set, and still proves the node reachable.
	 */
	rc = krpc_parse(data, len, &msg);
	if ((rc != KRPC_OK && rc != KRPC_ERR_PROTOCOL) || msg.type != 'r' ||
		msg.tid_len != 3 || msg.tid[0] != BOOTSTRAP_TID_PREFIX)
		return false;
	index = (msg.tid[1] << 8) | msg.tid[2];
	if (index >= ntargets ||
		addrlist_addr_from_sockaddr(from, &addr, &port) != 0 ||
		port != targets[index].port || addr.family != targets[index].addr.family ||
		memcmp(addr.addr, targets[index].addr.addr, 16) != 0)
		return false;
	dht_counter_add(DHT_C_bootstrap_replies, 1);
	if (!targets[index].answered)
	{
		targets[index].answered = true;
		addrlist_format(&addr, port, name, sizeof(name));
		ereport(LOG,
				(errmsg("dht_indexer: bootstrap node %s answered; the DHT is reachable",
						name)));
	}
	reached = true;
	return true;
}

bool
bootstrap_reached(void)
{
	return reached;
}
