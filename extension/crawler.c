/*-------------------------------------------------------------------------
 *
 * crawler.c
 *	  The worker's side of the swarm (see crawler.h).
 *
 * Owns the one struct swarm of the worker: creates it from the
 * dht_indexer.* parameters when crawling starts and destroys it when
 * crawling stops (so max_nodes and the caps below take effect on resume),
 * connects it to the UDP sockets, feeds it datagrams and time, saves and
 * reloads good nodes through the store, and publishes its counters into
 * shared memory.  Swarm counters are per swarm instance; they are added to
 * the shared counters as deltas, so stats() keeps growing across restarts.
 *
 * Caps (memory is fixed when the swarm is created):
 *   CRAWLER_MAX_PENDING         65,536 queries in flight  (~4 MB)
 *   CRAWLER_MAX_CANDIDATES     262,144 distinct hashes    (~40 MB)
 *   CRAWLER_CANDIDATE_QUEUE     65,536 hashes for the resolver
 *   CRAWLER_MAX_STORED_HASHES   16,384 announced hashes   (~5 MB)
 *   CRAWLER_MAX_RATE_IPS        65,536 rate-limited IPs   (~5 MB per direction)
 *   CRAWLER_CONTACT_QUEUE       16,384 learned nodes to query
 * plus the routing table, sized by dht_indexer.max_nodes.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <stddef.h>

#include "utils/timestamp.h"

#include "crawler.h"
#include "evloop.h"
#include "guc.h"
#include "krpc.h"
#include "pipeline.h"
#include "shmem.h"
#include "store.h"
#include "swarm.h"

#define CRAWLER_MAX_PENDING 65536
#define CRAWLER_MAX_CANDIDATES 262144
#define CRAWLER_CANDIDATE_QUEUE 65536
#define CRAWLER_MAX_STORED_HASHES 16384
#define CRAWLER_MAX_RATE_IPS 65536
#define CRAWLER_CONTACT_QUEUE 16384
/* Good nodes written to dht_indexer.nodes, and read back at start. */
#define CRAWLER_SAVED_NODES 1000

StaticAssertDecl(sizeof(size_t) == sizeof(uint64), "swarm_stats fields are 64-bit");

static struct swarm *swarm = NULL;
static struct swarm_stats published;	/* what was already added to shmem */
static bool reached = false;

/* Where each swarm statistic goes in shared memory. */
typedef struct CounterMap
{
	DhtCounter	counter;
	size_t		offset;
	bool		gauge;
} CounterMap;

#define GAUGE(f) {DHT_C_##f, offsetof(struct swarm_stats, f), true}
#define COUNT(f) {DHT_C_##f, offsetof(struct swarm_stats, f), false}
#define QUERIES(f, m) {DHT_C_queries_in_##f, \
	offsetof(struct swarm_stats, queries_in) + sizeof(uint64) * (m), false}

static const CounterMap counter_map[] = {
	GAUGE(identities), GAUGE(identities_bep42), GAUGE(known_nodes),
	GAUGE(good_nodes), GAUGE(pending_queries), GAUGE(contact_queue),
	GAUGE(lookups), GAUGE(stored_hashes), GAUGE(candidate_queue),
	QUERIES(ping, KRPC_M_PING), QUERIES(find_node, KRPC_M_FIND_NODE),
	QUERIES(get_peers, KRPC_M_GET_PEERS),
	QUERIES(announce_peer, KRPC_M_ANNOUNCE_PEER),
	QUERIES(sample_infohashes, KRPC_M_SAMPLE_INFOHASHES),
	QUERIES(unknown, KRPC_M_UNKNOWN),
	COUNT(replies_sent), COUNT(errors_sent), COUNT(queries_sent),
	COUNT(responses_in), COUNT(errors_in), COUNT(timeouts),
	COUNT(dropped_parse), COUNT(dropped_rate_in), COUNT(dropped_rate_out),
	COUNT(dropped_unmatched), COUNT(dropped_address),
	COUNT(dropped_pending_full), COUNT(dropped_contacts), COUNT(bad_tokens),
	COUNT(broken_nodes), COUNT(routing_refused), COUNT(announces_in),
	COUNT(samples_received), COUNT(lookup_peers), COUNT(unique_hashes),
	COUNT(candidates_dropped), COUNT(bootstrap_replies),
};

static uint64
stat_field(const struct swarm_stats *s, size_t offset)
{
	uint64		v;

	memcpy(&v, (const char *) s + offset, sizeof(v));
	return v;
}

static int
send_datagram(void *ctx, int sock, const struct netaddr *to,
			  const uint8_t *buf, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t	sslen = netaddr_to_sockaddr(to, &ss);

	return udpset_send_fd(sock, (struct sockaddr *) &ss, sslen, buf, len) ? 0 : -1;
}

/* Passive capture of a get_peers or announce_peer: news for popularity. */
static void
query_hash_seen(void *ctx, const uint8_t hash[20], unsigned source)
{
	pipeline_sighting(hash);
}

static void
bootstrap_answered(void *ctx, const struct netaddr *from)
{
	char		name[NETADDR_STRLEN];

	if (reached)
		return;
	reached = true;
	ereport(LOG,
			(errmsg("dht_indexer: bootstrap node %s answered; the DHT is reachable",
					netaddr_format(from, name, sizeof(name)))));
}

void
crawler_start(void)
{
	struct swarm_config cfg;
	uint64		seed;

	Assert(swarm == NULL);
	if (!pg_strong_random(&seed, sizeof(seed)))
		elog(ERROR, "dht_indexer: could not generate a random seed");
	memset(&cfg, 0, sizeof(cfg));
	cfg.max_nodes = dht_max_nodes;
	cfg.max_pending = CRAWLER_MAX_PENDING;
	cfg.max_candidates = CRAWLER_MAX_CANDIDATES;
	cfg.candidate_queue = CRAWLER_CANDIDATE_QUEUE;
	cfg.max_stored_hashes = CRAWLER_MAX_STORED_HASHES;
	cfg.max_rate_ips = CRAWLER_MAX_RATE_IPS;
	cfg.contact_queue = CRAWLER_CONTACT_QUEUE;
	cfg.nodes_per_socket = dht_nodes_per_port;
	cfg.allow_private = dht_allow_private_addresses;
	cfg.send_rate_per_ip = dht_send_rate_per_ip;
	cfg.max_send_rate = dht_max_send_rate;
	cfg.recv_rate_per_ip = dht_recv_rate_per_ip;
	cfg.max_recv_rate = dht_max_recv_rate;
	cfg.seed = seed;
	cfg.send = send_datagram;
	cfg.bootstrap_reply = bootstrap_answered;
	cfg.query_hash = query_hash_seen;
	swarm = swarm_create(&cfg, evloop_now_ms());
	if (swarm == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("dht_indexer: could not create the DHT swarm: %m"),
				 errhint("Lower dht_indexer.max_nodes.")));
	memset(&published, 0, sizeof(published));
	reached = false;
}

void
crawler_stop(void)
{
	size_t		i;

	if (swarm == NULL)
		return;
	crawler_publish();
	swarm_destroy(swarm);
	swarm = NULL;
	/* nothing is hosted or known any more */
	for (i = 0; i < lengthof(counter_map); i++)
		if (counter_map[i].gauge)
			dht_counter_set(counter_map[i].counter, 0);
}

bool
crawler_running(void)
{
	return swarm != NULL;
}

bool
crawler_reached(void)
{
	return reached;
}

static void
bound_address(const UdpSocket *sock, struct netaddr *out)
{
	memset(out, 0, sizeof(*out));
	out->family = sock->addr.family;
	memcpy(out->ip, sock->addr.addr, sizeof(out->ip));
	out->port = sock->port;
}

void
crawler_socket_opened(const UdpSocket *sock)
{
	struct netaddr bound;

	if (swarm == NULL)
		return;
	bound_address(sock, &bound);
	if (swarm_socket_add(swarm, sock->fd, &bound, evloop_now_ms()) != 0)
		ereport(LOG,
				(errmsg("dht_indexer: no room for the identities of another socket"),
				 errhint("Lower dht_indexer.nodes_per_port or the number of ports.")));
}

void
crawler_socket_closed(const UdpSocket *sock)
{
	if (swarm != NULL)
		swarm_socket_remove(swarm, sock->fd);
}

void
crawler_on_datagram(const UdpSocket *sock, const struct sockaddr *from,
					socklen_t fromlen, const uint8 *data, size_t len)
{
	struct netaddr src;

	if (swarm == NULL || netaddr_from_sockaddr(from, &src) != 0)
		return;
	swarm_on_datagram(swarm, sock->fd, &src, data, len, evloop_now_ms());
}

uint64
crawler_tick(uint64 now_ms)
{
	if (swarm == NULL)
		return now_ms + 1000;
	return swarm_tick(swarm, now_ms);
}

void
crawler_bootstrap(const struct netaddr *addrs, int n)
{
	if (swarm != NULL && n > 0)
		swarm_bootstrap(swarm, addrs, n, evloop_now_ms());
}

void
crawler_reload(void)
{
	if (swarm != NULL)
		swarm_set_policy(swarm, dht_send_rate_per_ip, dht_max_send_rate,
						 dht_allow_private_addresses);
}

bool
crawler_pop_candidate(struct candidate *out)
{
	return swarm != NULL && swarm_pop_candidate(swarm, out) == 1;
}

void
crawler_lookup(const uint8 *hash)
{
	if (swarm != NULL)
		(void) swarm_lookup(swarm, hash, evloop_now_ms());
}

/* Lookups that could start now (none while the swarm is down). */
size_t
crawler_free_lookups(void)
{
	return swarm != NULL ? swarm_free_lookups(swarm) : 0;
}

/* The newest candidates, with wall-clock times, for recent_hashes(). */
static void
publish_recent(uint64 now_ms)
{
	struct candidate cands[DHT_RECENT_HASHES];
	DhtRecentHash recent[DHT_RECENT_HASHES];
	TimestampTz now = GetCurrentTimestamp();
	size_t		n = swarm_recent_candidates(swarm, DHT_RECENT_HASHES, cands);
	size_t		i;

	for (i = 0; i < n; i++)
	{
		uint64		age_ms = now_ms >= cands[i].first_seen_ms ? now_ms - cands[i].first_seen_ms : 0;

		memcpy(recent[i].hash, cands[i].hash, DHT_HASH_LEN);
		recent[i].first_seen = now - (TimestampTz) age_ms * 1000;
		recent[i].seen = cands[i].seen;
		recent[i].npeers = cands[i].npeers;
		recent[i].sources = cands[i].sources;
	}
	dht_recent_publish(recent, (int) n);
}

void
crawler_publish(void)
{
	struct swarm_stats cur;
	uint64		now_ms = evloop_now_ms();
	size_t		i;

	if (swarm == NULL)
		return;
	swarm_stats(swarm, now_ms, &cur);
	for (i = 0; i < lengthof(counter_map); i++)
	{
		const CounterMap *m = &counter_map[i];
		uint64		v = stat_field(&cur, m->offset);

		if (m->gauge)
			dht_counter_set(m->counter, v);
		else
			dht_counter_add(m->counter, v - stat_field(&published, m->offset));
	}
	published = cur;
	publish_recent(now_ms);
}

void
crawler_save_nodes(void)
{
	uint8		(*ids)[20];
	struct netaddr *addrs;
	size_t		n;

	if (swarm == NULL)
		return;
	ids = palloc(sizeof(*ids) * CRAWLER_SAVED_NODES);
	addrs = palloc(sizeof(*addrs) * CRAWLER_SAVED_NODES);
	n = swarm_export_nodes(swarm, CRAWLER_SAVED_NODES, ids, addrs, evloop_now_ms());
	if (n > 0)
		(void) store_save_nodes((const uint8 (*)[20]) ids, addrs, (int) n);
	pfree(ids);
	pfree(addrs);
}

int
crawler_load_nodes(void)
{
	uint8		(*ids)[20] = palloc(sizeof(*ids) * CRAWLER_SAVED_NODES);
	struct netaddr *addrs = palloc(sizeof(*addrs) * CRAWLER_SAVED_NODES);
	int			n = store_load_nodes(ids, addrs, CRAWLER_SAVED_NODES);

	if (n > 0)
	{
		crawler_bootstrap(addrs, n);
		ereport(LOG,
				(errmsg("dht_indexer: bootstrapping from %d saved nodes", n)));
	}
	pfree(ids);
	pfree(addrs);
	return n;
}
