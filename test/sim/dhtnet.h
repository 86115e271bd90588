/*
 * dhtnet.h
 *		The simulated Mainline DHT: every node and every peer's DHT endpoint
 *		behind one UDP socket, answering BEP 5 / BEP 51 from real routing
 *		tables and stores, and running client lookups toward the network.
 *
 * Owns: the UDP socket (0.0.0.0:port, so each node answers on its own
 * 127/8 address), the stores of announced peers, the external nodes (any
 * endpoint that is not simulated: the crawler, libtorrent), tokens, node
 * misbehaviour, the lookups made by nodes (get_peers searches) and peers
 * (get_peers + announce_peer), and the counters.  Does not own: the fixed
 * facts (world), metadata (peerserve), the clock or the event loop (the
 * caller passes now_ms and polls the descriptor).
 *
 * Traffic between simulated hosts is computed in process, not sent: a
 * lookup walks the simulated nodes' tables by function call and sends real
 * datagrams only to external nodes it meets, from the address of the
 * simulated host doing the lookup.  So the crawler sees exactly the
 * packets it would see in a network of this size, at the cost of none of
 * the packets it would not.
 *
 * Stores: every peer's announces of every torrent key it holds are placed
 * at start on the SIMTABLE_K nodes closest to the key (they stand for the
 * periodic re-announces of a live client, so they do not expire);
 * announces that external clients send expire after DHTNET_ANNOUNCE_TTL_S.
 * Caps: DHTNET_MAX_EXTERNALS external nodes (oldest replaced), and
 * DHTNET_MAX_STORE external announces per node (further ones counted as
 * dropped).
 */
#ifndef SIM_DHTNET_H
#define SIM_DHTNET_H

#include <stdint.h>
#include <stdio.h>

#include "world.h"

/* External nodes remembered (power of two; the crawler has a few dozen) */
#define DHTNET_MAX_EXTERNALS 4096
/* External announce keys remembered (hashes not in the population) */
#define DHTNET_MAX_EXT_KEYS 4096
/* Announces from external clients per node, and their lifetime */
#define DHTNET_MAX_STORE 1024
#define DHTNET_ANNOUNCE_TTL_S 1800

struct dhtnet_config
{
	uint16_t	port;			/* UDP port of every simulated endpoint */
	uint16_t	peer_port;		/* TCP port that peers announce */
	uint32_t	sample_interval;	/* BEP 51 interval sent, seconds */
	double		search_rate;	/* get_peers lookups by nodes, per second */
	double		announce_rate;	/* announce lookups by peers, per second */
	uint64_t	seed;
};

/* Counters for the status summary */
struct dhtnet_stats
{
	uint64_t	queries;		/* well-formed queries received */
	uint64_t	by_method[8];	/* indexed by enum krpc_method */
	uint64_t	answered;
	uint64_t	silent;			/* queries to silent nodes, unanswered */
	uint64_t	garbage;		/* garbage or truncated replies sent */
	uint64_t	malformed;		/* datagrams that did not parse */
	uint64_t	not_ours;		/* sent to an address we do not simulate */
	uint64_t	bad_token;
	uint64_t	stored;			/* announces stored from external clients */
	uint64_t	store_full;
	uint64_t	responses;		/* replies to our lookups */
	uint64_t	searches;		/* get_peers lookups run by nodes */
	uint64_t	announces;		/* announce lookups run by peers */
	uint64_t	sent_get_peers; /* real get_peers sent to externals */
	uint64_t	sent_announce;	/* real announce_peer sent to externals */
	uint64_t	externals;		/* external nodes currently known */
	uint64_t	placed;			/* initial announces placed in stores */
	uint64_t	busiest_node_queries;	/* most queries one node received */
	uint64_t	values_sent;	/* get_peers replies carrying peers */
	uint64_t	keys_served;	/* distinct keys whose peers were sent */
};

struct dhtnet;

/* Build tables and stores and open the socket; NULL with a message */
struct dhtnet *dhtnet_create(const struct world *w,
							 const struct dhtnet_config *cfg,
							 uint64_t now_ms);

void		dhtnet_destroy(struct dhtnet *d);

/* The UDP descriptor to poll for input */
int			dhtnet_fd(const struct dhtnet *d);

/* Read and answer everything pending */
void		dhtnet_on_readable(struct dhtnet *d, uint64_t now_ms);

/* Start the lookups that are due and expire old state; call often */
void		dhtnet_tick(struct dhtnet *d, uint64_t now_ms);

const struct dhtnet_stats *dhtnet_stats(const struct dhtnet *d);

/* Write the first n node addresses, "127.a.b.c:port" comma-separated */
void		dhtnet_write_entries(const struct dhtnet *d, FILE *f, uint32_t n);

#endif							/* SIM_DHTNET_H */
