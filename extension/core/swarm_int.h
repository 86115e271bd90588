/*
 * swarm_int.h
 *		The swarm's internal state, shared by swarm.c (sockets, identities,
 *		sending, dispatch), swarm_answer.c (the responder), swarm_walk.c
 *		(timers and discovery) and swarm_lookup.c (iterative get_peers).
 *		Not part of the swarm's contract: only those files include it.
 */
#ifndef DHT_SWARM_INT_H
#define DHT_SWARM_INT_H

#include "candidates.h"
#include "krpc.h"
#include "peerstore.h"
#include "ratelimit.h"
#include "routing.h"
#include "swarm.h"
#include "token.h"
#include "txn.h"

/* Our KRPC client version (v): "DI" and a version number. */
#define SWARM_VERSION "DI\x00\x01"
#define SWARM_VERSION_LEN 4
/* txn_entry.lookup for bootstrap queries (not a lookup slot). */
#define SWARM_TXN_BOOTSTRAP 0xFFFFFFFEu
#define SWARM_TXN_NONE 0xFFFFFFFFu
/* swarm_send_query results besides 0 */
#define SWARM_SEND_REFUSED (-1)		/* never to this address */
#define SWARM_SEND_DEFERRED (-2)	/* not now: send limits or table full */
/* A sample query that timed out: ask that node again after this. */
#define SWARM_SAMPLE_BACKOFF_MS (30 * 60 * 1000)
/* External-address votes kept per family (BEP 42 'ip' of replies). */
#define SWARM_IP_VOTES 16
/* Votes a reported address needs among the kept ones to be believed. */
#define SWARM_IP_QUORUM 4

struct swarm_identity
{
	uint8_t		id[KRPC_ID_LEN];
	int			socket_slot;	/* -1 = free */
	uint8_t		bep42;			/* id valid for our learned address */
};

struct swarm_socket
{
	int			in_use;
	int			sock;			/* the caller's socket id */
	struct netaddr bound;
	uint32_t	first_identity;
	uint32_t	nidentities;
};

struct swarm_contact
{
	struct netaddr addr;
};

enum lookup_node_state
{
	LOOKUP_NEW = 0,
	LOOKUP_QUERIED,
	LOOKUP_ANSWERED,
	LOOKUP_FAILED
};

struct swarm_lookup_node
{
	uint8_t		id[KRPC_ID_LEN];
	struct netaddr addr;
	uint8_t		state;
};

struct swarm_lookup
{
	int			active;
	uint8_t		generation;		/* tells stale replies from a reused slot */
	uint8_t		hash[KRPC_ID_LEN];
	uint64_t	started_ms;
	size_t		n;
	struct swarm_lookup_node nodes[SWARM_LOOKUP_WIDTH];
};

/* One voter's latest report of our address. */
struct swarm_vote
{
	struct netaddr voter;		/* who said it (ip only) */
	struct netaddr reported;	/* what it said (ip only) */
};

struct swarm_votes
{
	struct swarm_vote votes[SWARM_IP_VOTES];
	size_t		n;
	size_t		next;
	int			have;
	struct netaddr external;	/* our address as the network sees it */
};

/*
 * Addresses we queried recently, so that a node listed by many replies is
 * asked once, and a dead one is not asked again and again.  Direct-mapped
 * (a colliding address overwrites the slot): bounded memory, at worst an
 * occasional repeat.
 */
#define SWARM_TRIED_SLOTS_PER_CONTACT 4
#define SWARM_TRIED_MS (10 * 60 * 1000)
struct swarm_tried
{
	struct netaddr addr;
	uint64_t	at_ms;
};

struct swarm
{
	struct swarm_config cfg;
	struct routing *rt;
	struct ratelimit *rate_out;
	struct ratelimit *rate_in;
	struct txn_table *txn;
	struct peerstore *peers;
	struct candidates *cand;
	struct token_secrets tokens;

	struct swarm_socket sockets[SWARM_MAX_SOCKETS];
	struct swarm_identity *identities;	/* SWARM_MAX_IDENTITIES */
	size_t		nidentities;

	struct swarm_contact *contacts; /* ring of cfg.contact_queue */
	size_t		contact_head;
	size_t		contact_count;
	struct swarm_tried *tried;	/* contact_queue x SWARM_TRIED_SLOTS_PER_CONTACT */
	size_t		ntried;

	struct swarm_lookup lookups[SWARM_MAX_LOOKUPS];
	struct swarm_votes votes4;
	struct swarm_votes votes6;

	uint64_t	rng;
	uint64_t	next_walk_ms;
	uint64_t	next_ping_ms;
	uint64_t	next_refresh_ms;
	uint64_t	bootstrap_replies;
	struct swarm_stats st;

	struct krpc_msg msg;		/* scratch: parsed datagram */
	uint8_t		pkt[KRPC_MAX_REPLY + 512];	/* scratch: datagram to send */
};

/* swarm.c */
uint64_t	swarm_random(struct swarm *sw);
int			swarm_address_allowed(const struct swarm *sw, const struct netaddr *a);
int			swarm_is_self(const struct swarm *sw, const struct netaddr *a);
int			swarm_socket_slot(const struct swarm *sw, int sock);
int			swarm_random_identity(struct swarm *sw, int family);
int			swarm_send_query(struct swarm *sw, int identity,
							 const struct netaddr *to, struct krpc_query *q,
							 uint32_t lookup, uint64_t now_ms);
void		swarm_send_datagram(struct swarm *sw, int socket_slot,
								const struct netaddr *to, size_t len,
								uint64_t now_ms);
void		swarm_add_contact(struct swarm *sw, const struct netaddr *addr,
							  uint64_t now_ms);
int			swarm_tried_recently(struct swarm *sw, const struct netaddr *addr,
								 uint64_t now_ms, int mark);
void		swarm_learn_nodes(struct swarm *sw, const struct krpc_msg *m,
							  uint64_t now_ms);

/* swarm_answer.c */
void		swarm_answer(struct swarm *sw, int socket_slot,
						 const struct netaddr *from, const struct krpc_msg *m,
						 int parse_rc, uint64_t now_ms);
size_t		swarm_encode_closest(struct swarm *sw, const uint8_t target[20],
								 int family, uint8_t *out, size_t cap);

/* swarm_walk.c */
void		swarm_note_external_ip(struct swarm *sw, const struct netaddr *voter,
								   const struct netaddr *ip);

/* swarm_lookup.c */
void		swarm_lookup_reply(struct swarm *sw, uint32_t lookup,
							   const struct netaddr *from,
							   const struct krpc_msg *m, uint64_t now_ms);
void		swarm_lookup_failed(struct swarm *sw, uint32_t lookup,
								const struct netaddr *from, uint64_t now_ms);
void		swarm_lookup_step_all(struct swarm *sw, uint64_t now_ms);

#endif							/* DHT_SWARM_INT_H */
