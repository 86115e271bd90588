/*
 * routing.h
 *		The table of known DHT nodes shared by every identity of the worker:
 *		liveness (BEP 5), eviction, closest-k by XOR distance, BEP 51 pacing.
 *
 * Owns: one record per known node (ID, address, times, failure count,
 * flags), the indexes over them (ip:port, /24 or /64 subnet, node ID) and
 * the policy of who may enter and who is evicted.  Does not own sockets,
 * transactions, our identities, BEP 42 checking (the caller passes
 * ROUTING_F_BEP42) or the clock and randomness (arguments).
 *
 * Who enters: a node enters only through routing_on_reply(), i.e. after it
 * answered one of our queries; routing_on_query() never inserts, so BEP 43
 * read-only nodes (which never answer) never enter.  Addresses: family
 * AF_INET or AF_INET6, port != 0, not martian, not IPv4-mapped IPv6 (an
 * IPv4 node in the IPv6 table would break the family split and the /64
 * rule), and loopback/private/link-local only while allow_private is on
 * (turning it off drops those entries).  One entry per ip:port; a new ID
 * answering from a known ip:port replaces the old entry (our query's reply
 * is the verification).  The same ID may be stored at several addresses.
 *
 * Liveness (BEP 5): bad = ROUTING_FAILS_BAD unanswered queries in a row
 * (a reply resets the count); otherwise good if heard (it answered us, or
 * it queried us: BEP 5's second rule, every entry has answered once) less
 * than ROUTING_GOOD_MS ago, else questionable.  Bad nodes stay until
 * evicted but are never returned by closest, questionable, sample
 * candidates or export.
 *
 * Subnet rule (what is enforced exactly): for public addresses, a subnet is
 * the /24 (IPv4) or /64 (IPv6); a region is the set of IDs sharing their
 * first routing_region_bits() bits, chosen from max_nodes so that a full
 * table holds at most ROUTING_K nodes per region on average (the shared
 * table's equivalent of a Kademlia bucket).  (1) A region holds at most
 * ROUTING_MAX_PER_SUBNET entries of one subnet; (2) the table holds at most
 * ROUTING_SUBNET_MAX entries of one subnet; (3) a routing_closest() result
 * holds at most ROUTING_MAX_PER_SUBNET entries of one subnet.  Non-public
 * addresses (only storable with allow_private: tests, LANs, the simulator
 * with many nodes on 127.0.0.1) are exempt from all three.
 *
 * Eviction when full (only for a newcomer; never for a refresh): the bad
 * node that turned bad first; else the questionable non-BEP42 node heard
 * from longest ago; else, if the newcomer is BEP42-flagged, the
 * questionable BEP42 node heard from longest ago; else ROUTING_ERR_FULL.
 * Good nodes are never evicted (Kademlia prefers old, live nodes).
 *
 * Time: now_ms is any millisecond clock that never goes backwards; a value
 * smaller than one seen before is taken as the latest seen.  Stored times
 * saturate at 2^48-1 ms (8900 years), read back as UINT64_MAX.
 *
 * Memory: routing_create() allocates everything from max_nodes (about 100
 * bytes per node, see routing_memory_size()); nothing allocates later.
 * Pages are touched as the table fills, so RSS follows the node count.
 * Not thread-safe.
 */
#ifndef DHT_ROUTING_H
#define DHT_ROUTING_H

#include <stddef.h>
#include <stdint.h>

#include "netaddr.h"

/* BEP 5 bucket size / closest set size */
#define ROUTING_K 8
/* entries of one /24 (IPv4) or /64 (IPv6) per region and per closest result */
#define ROUTING_MAX_PER_SUBNET 2
/* entries of one subnet in the whole table: no honest /24 or /64 runs more
 * DHT nodes, it keeps one attacker's network from taking over regions, and
 * it bounds the subnet walk an insert does */
#define ROUTING_SUBNET_MAX 128
/* unanswered queries in a row -> bad */
#define ROUTING_FAILS_BAD 3
/* BEP 5: replied (or queried us) within 15 min -> good */
#define ROUTING_GOOD_MS (15 * 60 * 1000)
/* largest max_nodes: handles are 26 bits (6 bits of the hash slots are a
 * tag); 64M nodes are ~6.7 GB, several times the whole DHT we could see */
#define ROUTING_MAX_NODES ((1u << 26) - 1)
/* entries routing_questionable() may skip and routing_sample_candidates()
 * may examine per call: bounds a call to about a millisecond at 1M nodes */
#define ROUTING_SCAN_CAP 16384

/* ID is BEP 42-valid for its address (or exempt: the caller decides) */
#define ROUTING_F_BEP42 0x1
/* answered sample_infohashes with samples */
#define ROUTING_F_SAMPLES 0x2

struct routing;					/* opaque */

struct routing_config
{
	size_t		max_nodes;		/* cap on entries, 1..ROUTING_MAX_NODES */
	int			allow_private;	/* store loopback/private/link-local */
	uint64_t	hash_seed;		/* secret for the address hashes (0 works,
								 * but a random one resists hash flooding) */
};

/* A copy handed to callers. */
struct routing_node
{
	uint8_t		id[20];
	struct netaddr addr;
	uint64_t	last_reply_ms;	/* it last answered one of our queries */
	uint64_t	last_query_ms;	/* we last sent it a query (0 = never) */
	uint64_t	next_sample_ms; /* BEP 51: not asked for samples before */
	uint8_t		fails;			/* our queries it left unanswered in a row */
	uint8_t		flags;			/* ROUTING_F_* */
	uint64_t	last_heard_ms;	/* last reply or query from it (liveness) */
};

enum routing_result
{
	ROUTING_ADDED = 0,
	ROUTING_REFRESHED = 1,
	ROUTING_REPLACED = 2,		/* new ID at a known ip:port */
	ROUTING_ERR_ADDRESS = -1,	/* martian/private/mapped/port 0/family */
	ROUTING_ERR_SUBNET = -2,	/* subnet rule (1) or (2) */
	ROUTING_ERR_FULL = -3		/* full and nothing evictable */
};

/* Liveness counts at a time, and event counters since routing_create(). */
struct routing_stats
{
	size_t		nodes,			/* entries: good + questionable + bad */
				good,
				questionable,
				bad;
	uint64_t	added,			/* ROUTING_ADDED results */
				refreshed,		/* ROUTING_REFRESHED results */
				replaced,		/* ROUTING_REPLACED results */
				evicted,		/* removed for a newcomer or by allow_private off */
				refused_address,	/* ROUTING_ERR_ADDRESS results */
				refused_subnet, /* ROUTING_ERR_SUBNET results */
				refused_full;	/* ROUTING_ERR_FULL results */
};

/* Allocate a table for cfg->max_nodes nodes; NULL with errno ENOMEM/EINVAL. */
struct routing *routing_create(const struct routing_config *cfg);

/* Free the table (NULL is ignored). */
void		routing_destroy(struct routing *rt);

/* Change allow_private; turning it off drops every non-public entry. */
void		routing_set_allow_private(struct routing *rt, int allow);

/*
 * The node at addr answered one of our queries with this id: insert,
 * refresh, or replace a different ID stored for that ip:port (the reply to
 * OUR query is the verification).  flags = ROUTING_F_* known about it:
 * BEP42 is taken as given, SAMPLES is added (routing_set_sample_info clears
 * it).  Resets fails.  When full, evicts as the file header says, else
 * ROUTING_ERR_FULL.  A replacement whose new ID breaks subnet rule (1)
 * drops the stale entry and returns ROUTING_ERR_SUBNET.
 */
int			routing_on_reply(struct routing *rt, const uint8_t id[20],
							 const struct netaddr *addr, unsigned flags,
							 uint64_t now_ms);

/* A known node sent us a query: refresh its liveness if the id matches
 * (never inserts). */
void		routing_on_query(struct routing *rt, const uint8_t id[20],
							 const struct netaddr *addr, uint64_t now_ms);

/* We sent it a query (for questionable-ping scheduling). */
void		routing_on_sent(struct routing *rt, const struct netaddr *addr,
							uint64_t now_ms);

/* A query to addr timed out: fails++; at ROUTING_FAILS_BAD the node is bad. */
void		routing_on_timeout(struct routing *rt, const struct netaddr *addr,
							   uint64_t now_ms);

/*
 * Up to k non-bad nodes of the family, closest to target by XOR, closest
 * first, exact; at most ROUTING_MAX_PER_SUBNET per public subnet (farther
 * ones of that subnet are skipped).  Equal distance only happens for the
 * same ID at several addresses: BEP42-flagged entries come first, then a
 * fixed internal order.  Returns the count.  O(depth + k) trie steps
 * (depth ~log2 n for random IDs, at most 193) plus skipped entries.
 */
size_t		routing_closest(const struct routing *rt, const uint8_t target[20],
							int family, size_t k, struct routing_node *out);

/*
 * Questionable nodes (not heard for ROUTING_GOOD_MS, not bad) not queried
 * in the last min_gap_ms, heard-from-longest-ago first, at most max: the
 * caller pings them.  Skips at most ROUTING_SCAN_CAP recently queried ones.
 */
size_t		routing_questionable(const struct routing *rt, uint64_t now_ms,
								 uint64_t min_gap_ms, size_t max,
								 struct routing_node *out);

/* BEP 51: remember when this node may be asked for samples again;
 * set/clear ROUTING_F_SAMPLES. */
void		routing_set_sample_info(struct routing *rt, const struct netaddr *addr,
									uint64_t next_sample_ms, int supports_samples);

/*
 * Up to max random non-bad nodes whose next_sample_ms <= now (rnd: the
 * caller's random 64-bit value, so tests are deterministic).  Examines at
 * most ROUTING_SCAN_CAP entries, in a pseudo-random order chosen by rnd.
 */
size_t		routing_sample_candidates(const struct routing *rt, uint64_t now_ms,
									  uint64_t rnd, size_t max,
									  struct routing_node *out);

/* Find by address (1 found, 0 not); bad nodes are found too. */
int			routing_get(const struct routing *rt, const struct netaddr *addr,
						struct routing_node *out);

/* Good nodes for persistence, up to max, most recently heard first. */
size_t		routing_export(const struct routing *rt, size_t max,
						   struct routing_node *out, uint64_t now_ms);

/* Number of entries (good, questionable and bad). */
size_t		routing_count(const struct routing *rt);

/* Counts by liveness at now_ms, and the event counters since create. */
void		routing_stats(const struct routing *rt, uint64_t now_ms,
						  struct routing_stats *out);

/* Leading ID bits that define a region for subnet rule (1). */
unsigned	routing_region_bits(const struct routing *rt);

/* Bytes allocated by routing_create() for this table. */
size_t		routing_memory_size(const struct routing *rt);

/* Text for a routing_result value. */
const char *routing_strerror(int rc);

#endif							/* DHT_ROUTING_H */
