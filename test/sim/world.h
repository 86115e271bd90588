/*
 * world.h
 *		The simulated network's fixed facts, decided once from the seed: who
 *		the nodes and peers are, where they live, how each behaves, which
 *		peers hold which torrents, and what outcome a crawler should get.
 *
 * Owns: node and peer addresses (one 127/8 address each) and node ids;
 * behaviours drawn from the configured shares; the torrent -> peers
 * assignment (long-tailed: most torrents have one or two peers, a few
 * have many); the announce keys (a torrent's v1 hash and, for v2 and
 * hybrid torrents, its truncated SHA-256, each announced like libtorrent
 * does) with a sorted index from key to torrent; each torrent's expected
 * outcome; writing the manifest.  Does not own: sockets, time, the DHT's
 * routing tables and stores (dhtnet), serving metadata (peerserve).
 *
 * Addresses: node i is node_net + 1 + i, peer j is peer_net + 1 + j (host
 * order), so an address maps back to its host by subtraction.  Both ranges
 * must lie in 127.0.0.0/8 and not overlap (world_create checks).
 */
#ifndef SIM_WORLD_H
#define SIM_WORLD_H

#include <stdint.h>
#include <stdio.h>

#include "population.h"

/* How a simulated peer treats a metadata request */
enum peer_behaviour
{
	PEER_HONEST = 0,			/* serves the right bytes at once */
	PEER_SLOW,					/* serves the right bytes, each reply late */
	PEER_UNREACHABLE,			/* announced on a port where nothing listens */
	PEER_NO_METADATA,			/* extension handshake without ut_metadata */
	PEER_REJECT,				/* rejects every ut_metadata request */
	PEER_LIE_SIZE,				/* announces a wrong metadata_size */
	PEER_WRONG_BYTES,			/* serves bytes that do not match the hash */
	PEER_DROP,					/* closes the connection mid-piece */
	PEER_BEHAVIOURS
};

/* How a simulated DHT node treats queries */
enum node_behaviour
{
	NODE_HONEST = 0,
	NODE_SILENT,				/* never answers */
	NODE_GARBAGE,				/* answers with garbage or truncated packets */
	NODE_BEHAVIOURS
};

/* What a crawler should get for a torrent, from the peers that hold it */
enum outcome
{
	OUTCOME_SERVABLE = 0,		/* an honest (or slow) peer serves it */
	OUTCOME_LIARS_ONLY,			/* only peers serving wrong data or sizes */
	OUTCOME_UNSERVABLE,			/* nobody serves it (unreachable, rejecting) */
	OUTCOMES
};

/* Caps: addresses are 127.x.y.z, so at most 2^24 - 2 hosts per range */
#define WORLD_MAX_NODES (1u << 22)
#define WORLD_MAX_PEERS (1u << 22)
/* Peers of one torrent, at most (the long tail's end) */
#define WORLD_MAX_PEERS_PER_TORRENT 64

struct world_config
{
	uint64_t	seed;
	uint32_t	nnodes;
	uint32_t	npeers;
	double		peers_per_torrent;	/* mean, >= 1 */
	double		peer_share[PEER_BEHAVIOURS];	/* [PEER_HONEST] unused: rest */
	double		node_share[NODE_BEHAVIOURS];	/* [NODE_HONEST] unused: rest */
	double		share_bep51;	/* nodes answering sample_infohashes */
	uint32_t	node_net;		/* host order, e.g. 127.16.0.0 */
	uint32_t	peer_net;		/* host order, e.g. 127.64.0.0 */
	struct population_config pop;
};

/* An announce key: what peers announce and nodes store */
struct world_key
{
	uint8_t		key[20];
	uint32_t	torrent;
};

struct world
{
	struct world_config cfg;
	struct population *pop;
	uint8_t    (*node_id)[20];
	uint8_t    *node_behaviour;
	uint8_t    *node_bep51;
	uint8_t    *peer_behaviour;
	uint32_t   *torrent_peer_off;	/* ntorrents + 1 offsets into ... */
	uint32_t   *torrent_peers;	/* ... peer indexes, sorted per torrent */
	uint8_t    *torrent_outcome;
	struct world_key *keys;		/* sorted by key */
	uint32_t	nkeys;
	uint32_t	outcome_count[OUTCOMES];
};

/* Decide everything; NULL with a message on stderr if the config is bad */
struct world *world_create(const struct world_config *cfg);

void		world_destroy(struct world *w);

/* Index in keys[] of an announce key, or -1 */
int64_t		world_find_key(const struct world *w, const uint8_t key[20]);

/* Node/peer index of a host-order address, or -1 */
int64_t		world_node_at(const struct world *w, uint32_t addr);
int64_t		world_peer_at(const struct world *w, uint32_t addr);

uint32_t	world_node_addr(const struct world *w, uint32_t node);
uint32_t	world_peer_addr(const struct world *w, uint32_t peer);

/* Does peer hold torrent? */
int			world_peer_holds(const struct world *w, uint32_t peer,
							 uint32_t torrent);

/* Keys of a torrent (1 or 2) into keys[] (20 bytes each); returns count */
int			world_torrent_keys(const struct world *w, uint32_t torrent,
							   uint8_t keys[2][20]);

const char *world_peer_behaviour_name(int b);
const char *world_node_behaviour_name(int b);
const char *world_outcome_name(int o);

/* Write the manifest (TSV with a header line); 0 or -1 with errno */
int			world_write_manifest(const struct world *w, FILE *f);

#endif							/* SIM_WORLD_H */
