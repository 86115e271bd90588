/*
 * dhtnet_int.h
 *		State shared by the simulated DHT's responder (dhtnet.c) and its
 *		client lookups (dhtclient.c).  Not part of the contract.
 */
#ifndef SIM_DHTNET_INT_H
#define SIM_DHTNET_INT_H

#include "dhtnet.h"
#include "krpc.h"
#include "loopudp.h"
#include "simtable.h"
#include "token.h"

/* External endpoints a node remembers (it saw their queries) */
#define NODE_EXT_SLOTS 4
/* Client transactions in flight (power of two); older ones are reused */
#define CLIENT_TXNS 4096

/* One announced peer in a node's store */
struct store_entry
{
	uint32_t	key;			/* world key index, or nkeys + external key */
	uint32_t	ip;				/* host order */
	uint16_t	port;
	uint32_t	expires_s;		/* UINT32_MAX: never */
};

struct node_store
{
	struct store_entry *e;
	uint32_t	n;
	uint32_t	cap;
	uint32_t	external;		/* entries from external clients */
};

struct external
{
	uint8_t		id[20];
	uint32_t	ip;
	uint16_t	port;
	uint8_t		used;
	uint32_t	seen_s;
};

/* A query we sent to an external node, awaiting its reply */
struct client_txn
{
	uint32_t	tid;
	uint32_t	sender_ip;		/* the simulated host that asked */
	uint32_t	key;			/* world key index */
	uint8_t		announce;		/* send announce_peer with the token */
	uint8_t		used;
};

struct dhtnet
{
	const struct world *w;
	struct dhtnet_config cfg;
	struct simtable table;
	struct node_store *stores;
	uint32_t   *node_queries;	/* queries received per node */
	uint8_t    *key_served;		/* per world key: peers were sent for it */
	uint16_t   (*node_ext)[NODE_EXT_SLOTS];	/* external index + 1, 0 = none */
	struct external ext[DHTNET_MAX_EXTERNALS];
	uint8_t		ext_keys[DHTNET_MAX_EXT_KEYS][20];
	uint32_t	next_ext;
	uint32_t	next_ext_key;
	struct token_secrets tokens;
	int			fd;
	struct loopudp_batch in;
	struct loopudp_batch out;
	struct client_txn txns[CLIENT_TXNS];
	uint32_t	next_tid;
	uint64_t	rng;
	uint64_t	start_ms;
	uint64_t	last_tick_ms;
	double		search_debt;
	double		announce_debt;
	struct dhtnet_stats stats;
};

/* A simulated endpoint: a node, or a peer's DHT side (answers as a node) */
struct endpoint
{
	uint32_t	ip;
	uint8_t		id[20];
	uint32_t	table_node;		/* whose routing table it answers from */
	int64_t		node;			/* node index, or -1 for a peer */
};

/* A node in an answer or a lookup: simulated (index) or external (slot) */
struct contact
{
	uint8_t		external;
	uint32_t	idx;
};

/* dhtnet.c */
int			dhtnet_endpoint_of(const struct dhtnet *d, uint32_t ip,
							   struct endpoint *ep);
void		dhtnet_peer_id(const struct dhtnet *d, uint32_t peer, uint8_t id[20]);
const uint8_t *dhtnet_contact_id(const struct dhtnet *d, struct contact c);
size_t		dhtnet_closest(const struct dhtnet *d, uint32_t table_node,
						   const uint8_t *target, struct contact *out);
uint8_t    *dhtnet_out_slot(struct dhtnet *d, uint32_t src,
							const struct sockaddr_in *to, size_t *slot);
uint32_t	dhtnet_now_s(const struct dhtnet *d, uint64_t now_ms);

/* dhtclient.c */
void		dhtclient_on_response(struct dhtnet *d, const struct krpc_msg *m,
								  const struct sockaddr_in *from,
								  uint32_t local_ip);
void		dhtclient_tick(struct dhtnet *d, uint64_t now_ms);

#endif							/* SIM_DHTNET_INT_H */
