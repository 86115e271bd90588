/*
 * swarm.h
 *		Many DHT node identities on many sockets, sharing one routing table.
 *
 * Owns the behaviour of our DHT nodes: answering queries (ping, find_node,
 * get_peers, announce_peer, sample_infohashes) with real data, passive
 * capture of the hashes others ask about or announce, the active discovery
 * strategy (bootstrap, BEP 51 walk, table refresh, pings of questionable
 * nodes, iterative get_peers lookups), politeness (per-IP and global send
 * rates, incoming budgets) and BEP 42 identities.  It does no I/O itself:
 * the caller delivers datagrams with swarm_on_datagram, sends through the
 * send callback, and calls swarm_tick when the returned deadline passes.
 * Time and randomness come from the caller.
 *
 * Memory is fixed at swarm_create from the config caps; a datagram never
 * allocates.  Every drop is counted in struct swarm_stats.
 */
#ifndef DHT_SWARM_H
#define DHT_SWARM_H

#include <stddef.h>
#include <stdint.h>

#include "candidates.h"
#include "netaddr.h"

/* Sockets the swarm can host (one per listen address x port). */
#define SWARM_MAX_SOCKETS 1024
/* Identities in total: the issue asks for 10,000; leave headroom. */
#define SWARM_MAX_IDENTITIES 65536
/*
 * Concurrent iterative get_peers lookups: one per hash being resolved
 * whose announced peers failed.  A lookup lasts about as long as its
 * slowest unanswered query (a timeout, when a node is gone), so this caps
 * fetches that need lookups at ~SWARM_MAX_LOOKUPS / 3 s.  256 is the most
 * a lookup reference can name (slot in 8 bits); each slot is under 1 KiB.
 */
#define SWARM_MAX_LOOKUPS 256
/* Candidates kept per lookup (closest first) and queries in flight (α). */
#define SWARM_LOOKUP_WIDTH 16
#define SWARM_LOOKUP_ALPHA 4
/* How long we wait for a reply. */
#define SWARM_QUERY_TIMEOUT_MS 5000
/* BEP 51: the longest interval we honour (DESIGN.md §3). */
#define SWARM_MAX_SAMPLE_INTERVAL_S 21600
/* The interval we ask others to wait between sample_infohashes to us. */
#define SWARM_OUR_SAMPLE_INTERVAL_S 300
/* Samples we put in one reply (20 x 20 bytes keeps replies < 1024). */
#define SWARM_SAMPLES_PER_REPLY 20

struct swarm;

/* Sends one datagram from socket sock (the caller's socket id). */
typedef int swarm_send_fn(void *ctx, int sock, const struct netaddr *to,
						  const uint8_t *buf, size_t len);
/* Told when a node given to swarm_bootstrap answers. */
typedef void swarm_bootstrap_fn(void *ctx, const struct netaddr *from);
/*
 * Told of the info hash of every get_peers and announce_peer query that
 * passive capture takes (source: CANDIDATE_GET_PEERS or _ANNOUNCE), known
 * or not; never of samples or of our own lookups.
 */
typedef void swarm_query_hash_fn(void *ctx, const uint8_t hash[20],
								 unsigned source);

struct swarm_config
{
	size_t		max_nodes;		/* routing table cap (dht_indexer.max_nodes) */
	size_t		max_pending;	/* outstanding queries */
	size_t		max_candidates; /* distinct hashes remembered */
	size_t		candidate_queue;	/* hashes waiting for the resolver */
	size_t		max_stored_hashes;	/* announce_peer storage */
	size_t		max_rate_ips;	/* per-IP rate limiter entries */
	size_t		contact_queue;	/* nodes learned but not yet queried */
	unsigned	nodes_per_socket;	/* identities on each socket */
	int			allow_private;
	double		send_rate_per_ip;	/* packets/s to one IP */
	double		max_send_rate;	/* packets/s overall */
	double		recv_rate_per_ip;	/* datagrams/s accepted from one IP */
	double		max_recv_rate;	/* datagrams/s accepted overall */
	uint64_t	seed;			/* randomness for ids, tids, sampling */
	swarm_send_fn *send;
	swarm_bootstrap_fn *bootstrap_reply;	/* may be NULL */
	swarm_query_hash_fn *query_hash;	/* may be NULL */
	void	   *send_ctx;		/* passed to every callback */
};

/* Counters; gauges are marked. */
struct swarm_stats
{
	size_t		sockets;		/* gauge */
	size_t		identities;		/* gauge */
	size_t		identities_bep42;	/* gauge: identities with BEP 42 ids */
	size_t		known_nodes;	/* gauge */
	size_t		good_nodes;		/* gauge */
	size_t		pending_queries;	/* gauge */
	size_t		lookups;		/* gauge */
	size_t		stored_hashes;	/* gauge: hashes with announced peers */
	size_t		candidate_queue;	/* gauge */
	size_t		contact_queue;	/* gauge */
	uint64_t	queries_in[7];	/* by enum krpc_method */
	uint64_t	responses_in;
	uint64_t	errors_in;
	uint64_t	replies_sent;
	uint64_t	errors_sent;
	uint64_t	queries_sent;
	uint64_t	timeouts;
	uint64_t	dropped_parse;	/* unparseable datagrams (never answered) */
	uint64_t	dropped_rate_in;	/* incoming over the per-IP/global budget */
	uint64_t	dropped_rate_out;	/* outgoing refused by the send limits */
	uint64_t	dropped_unmatched;	/* responses matching no query */
	uint64_t	dropped_address;	/* from/to addresses refused by policy */
	uint64_t	dropped_pending_full;	/* queries not sent: table full */
	uint64_t	dropped_contacts;	/* contact queue full */
	uint64_t	bad_tokens;
	uint64_t	announces_in;	/* valid announce_peer captured */
	uint64_t	samples_received;	/* BEP 51 hashes received */
	uint64_t	unique_hashes;	/* distinct candidate hashes seen */
	uint64_t	candidates_dropped; /* not queued: resolver queue full */
	uint64_t	broken_nodes;	/* replies with malformed nodes */
	uint64_t	routing_refused;	/* replies whose node the table refused */
	uint64_t	lookup_peers;	/* peers found by get_peers lookups */
	uint64_t	bootstrap_replies;	/* replies to swarm_bootstrap queries */
};

/* Create with fixed memory from cfg; NULL on ENOMEM/EINVAL. */
struct swarm *swarm_create(const struct swarm_config *cfg, uint64_t now_ms);
void		swarm_destroy(struct swarm *sw);

/* Change rates and address policy (reload). */
void		swarm_set_policy(struct swarm *sw, double send_rate_per_ip,
							 double max_send_rate, int allow_private);

/* Host nodes_per_socket identities on a new socket bound to addr. */
int			swarm_socket_add(struct swarm *sw, int sock,
							 const struct netaddr *bound, uint64_t now_ms);
/* Forget a socket and its identities (queries in flight time out). */
void		swarm_socket_remove(struct swarm *sw, int sock);

/* Ask these addresses (bootstrap nodes, saved nodes) for nodes near us. */
void		swarm_bootstrap(struct swarm *sw, const struct netaddr *addrs,
							size_t n, uint64_t now_ms);

/* Handle one received datagram (may send a reply). */
void		swarm_on_datagram(struct swarm *sw, int sock,
							  const struct netaddr *from,
							  const uint8_t *buf, size_t len, uint64_t now_ms);

/* Run timers (timeouts, pings, walk, refresh, lookups); returns the ms
 * timestamp at which it wants to be called again. */
uint64_t	swarm_tick(struct swarm *sw, uint64_t now_ms);

/* Start an iterative get_peers lookup; peers found become candidate
 * peers.  -1 if all lookup slots are busy. */
int			swarm_lookup(struct swarm *sw, const uint8_t hash[20],
						 uint64_t now_ms);

/* Lookup slots free now: how many swarm_lookup() calls would succeed. */
size_t		swarm_free_lookups(const struct swarm *sw);

/* The next hash for the resolver (0 if none). */
int			swarm_pop_candidate(struct swarm *sw, struct candidate *out);
/* Recently discovered hashes, newest first. */
size_t		swarm_recent_candidates(const struct swarm *sw, size_t max,
									struct candidate *out);

/* Good nodes to persist: ids and addresses (returns count). */
size_t		swarm_export_nodes(const struct swarm *sw, size_t max,
							   uint8_t (*ids)[20], struct netaddr *addrs,
							   uint64_t now_ms);

void		swarm_stats(const struct swarm *sw, uint64_t now_ms,
						struct swarm_stats *out);

#endif							/* DHT_SWARM_H */
