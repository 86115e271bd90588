/*
 * swarm_answer.c
 *		The responder: how our identities answer DHT queries.
 *
 * Answers are real (DESIGN.md §3 item 1): the closest known nodes from the
 * shared table, a token bound to the requester's IP, the peers stored from
 * announces, samples of the hashes we store.  The identity that answers a
 * query with a target or info_hash is the one on that socket whose id is
 * closest to it; ping is answered by the socket's first identity.  Every
 * get_peers and announce_peer is passive capture: its hash becomes a
 * candidate, and a valid announce also gives a confirmed peer.
 * A well-formed query with bad arguments gets error 203, an unknown method
 * 204; nothing that fails to parse is ever answered.
 */
#include <string.h>
#include <sys/socket.h>

#include "nodeid.h"
#include "swarm_int.h"

/* Nodes per reply (BEP 5 K) */
#define ANSWER_NODES 8

/* The socket's identity closest to target (the first one if NULL). */
static int
answering_identity(const struct swarm *sw, int socket_slot, const uint8_t *target)
{
	const struct swarm_socket *s = &sw->sockets[socket_slot];
	uint32_t	best = s->first_identity;
	uint32_t	i;

	if (target == NULL)
		return (int) best;
	for (i = 1; i < s->nidentities; i++)
	{
		uint32_t	cand = s->first_identity + i;

		if (nodeid_cmp_distance(target, sw->identities[cand].id,
								sw->identities[best].id) < 0)
			best = cand;
	}
	return (int) best;
}

/* Compact nodes of the family closest to target into out; returns bytes. */
size_t
swarm_encode_closest(struct swarm *sw, const uint8_t target[20], int family,
					 uint8_t *out, size_t cap)
{
	struct routing_node nodes[ANSWER_NODES];
	size_t		n = routing_closest(sw->rt, target, family, ANSWER_NODES, nodes);
	size_t		per = family == AF_INET6 ? 38 : 26;
	size_t		i,
				len = 0;

	for (i = 0; i < n && len + per <= cap; i++)
	{
		memcpy(out + len, nodes[i].id, KRPC_ID_LEN);
		netaddr_to_compact(&nodes[i].addr, out + len + KRPC_ID_LEN);
		len += per;
	}
	return len;
}

static void
send_error(struct swarm *sw, int socket_slot, const struct netaddr *from,
		   const struct krpc_msg *m, int code, const char *text, uint64_t now_ms)
{
	size_t		len;

	if (krpc_build_error(sw->pkt, sizeof(sw->pkt), m->tid, m->tid_len, code,
						 text, from, &len) != KRPC_OK)
		return;
	sw->st.errors_sent++;
	swarm_send_datagram(sw, socket_slot, from, len, now_ms);
}

/* Scratch for the parts of one reply. */
struct answer
{
	struct krpc_response r;
	uint8_t		nodes[ANSWER_NODES * 26];
	uint8_t		nodes6[ANSWER_NODES * 38];
	uint8_t		token[TOKEN_LEN];
	struct netaddr values[PEERSTORE_PEERS_PER_HASH];
	uint8_t		samples[SWARM_SAMPLES_PER_REPLY][20];
};

/* nodes and/or nodes6 per the requester's family and "want". */
static void
add_nodes(struct swarm *sw, struct answer *a, const struct netaddr *from,
		  const struct krpc_msg *m, const uint8_t *target)
{
	unsigned	want = m->want;

	if (want == 0)
		want = from->family == AF_INET6 ? KRPC_WANT_N6 : KRPC_WANT_N4;
	if (want & KRPC_WANT_N4)
	{
		a->r.nodes = a->nodes;
		a->r.nodes_len = swarm_encode_closest(sw, target, AF_INET, a->nodes,
											  sizeof(a->nodes));
	}
	if (want & KRPC_WANT_N6)
	{
		a->r.nodes6 = a->nodes6;
		a->r.nodes6_len = swarm_encode_closest(sw, target, AF_INET6, a->nodes6,
											   sizeof(a->nodes6));
	}
}

/* Passive capture: a candidate, and news for the query_hash callback. */
static void
capture(struct swarm *sw, const uint8_t *hash, const struct netaddr *peer,
		unsigned source, uint64_t now_ms)
{
	candidates_note(sw->cand, hash, peer, source, now_ms);
	if (sw->cfg.query_hash)
		sw->cfg.query_hash(sw->cfg.send_ctx, hash, source);
}

/*
 * libtorrent bootstraps and refreshes its table with get_peers aimed at
 * its own node id: a "hash" whose first 12 bytes equal the querier's id
 * (96 bits: never a real torrent by chance) is not a candidate.
 */
#define SELF_LOOKUP_PREFIX 12

static void
answer_get_peers(struct swarm *sw, struct answer *a, const struct netaddr *from,
				 const struct krpc_msg *m, uint64_t now_ms)
{
	if (memcmp(m->info_hash, m->id, SELF_LOOKUP_PREFIX) != 0)
		capture(sw, m->info_hash, NULL, CANDIDATE_GET_PEERS, now_ms);
	token_make(&sw->tokens, from, m->info_hash, a->token);
	a->r.token = a->token;
	a->r.token_len = TOKEN_LEN;
	a->r.nvalues = peerstore_get(sw->peers, m->info_hash, from->family, now_ms,
								 a->values, PEERSTORE_PEERS_PER_HASH);
	a->r.values = a->r.nvalues > 0 ? a->values : NULL;
	add_nodes(sw, a, from, m, m->info_hash);
}

/* Returns 0 if answered normally, else the error code to send. */
static int
answer_announce(struct swarm *sw, const struct netaddr *from,
				const struct krpc_msg *m, uint64_t now_ms)
{
	struct netaddr peer = *from;

	if (!token_check(&sw->tokens, from, m->info_hash, m->token, m->token_len))
	{
		sw->st.bad_tokens++;
		capture(sw, m->info_hash, NULL, CANDIDATE_GET_PEERS, now_ms);
		return KRPC_E_PROTOCOL;
	}
	if (!m->implied_port)
		peer.port = m->port;
	if (peer.port == 0)
		return KRPC_E_PROTOCOL;
	peerstore_announce(sw->peers, m->info_hash, &peer, now_ms);
	capture(sw, m->info_hash, &peer, CANDIDATE_ANNOUNCE, now_ms);
	sw->st.announces_in++;
	return 0;
}

static void
answer_samples(struct swarm *sw, struct answer *a, const struct netaddr *from,
			   const struct krpc_msg *m, uint64_t now_ms)
{
	a->r.with_samples = 1;
	a->r.nsamples = peerstore_sample(sw->peers, now_ms, swarm_random(sw),
									 a->samples, SWARM_SAMPLES_PER_REPLY);
	a->r.samples = &a->samples[0][0];
	a->r.num = (int64_t) peerstore_count(sw->peers, now_ms);
	a->r.interval = SWARM_OUR_SAMPLE_INTERVAL_S;
	add_nodes(sw, a, from, m, m->target);
}

void
swarm_answer(struct swarm *sw, int socket_slot, const struct netaddr *from,
			 const struct krpc_msg *m, int parse_rc, uint64_t now_ms)
{
	struct answer a;
	int			ident;
	int			err = 0;
	size_t		len;

	sw->st.queries_in[m->method]++;
	if (parse_rc == KRPC_ERR_PROTOCOL)
	{
		send_error(sw, socket_slot, from, m, KRPC_E_PROTOCOL, "Protocol Error", now_ms);
		return;
	}
	if (m->method == KRPC_M_UNKNOWN)
	{
		send_error(sw, socket_slot, from, m, KRPC_E_METHOD, "Method Unknown", now_ms);
		return;
	}
	routing_on_query(sw->rt, m->id, from, now_ms);
	ident = answering_identity(sw, socket_slot, m->target ? m->target : m->info_hash);
	memset(&a.r, 0, sizeof(a.r));
	a.r.tid = m->tid;
	a.r.tid_len = m->tid_len;
	a.r.id = sw->identities[ident].id;
	a.r.requester = from;
	a.r.version = (const uint8_t *) SWARM_VERSION;
	a.r.version_len = SWARM_VERSION_LEN;
	if (m->method == KRPC_M_FIND_NODE)
		add_nodes(sw, &a, from, m, m->target);
	else if (m->method == KRPC_M_GET_PEERS)
		answer_get_peers(sw, &a, from, m, now_ms);
	else if (m->method == KRPC_M_ANNOUNCE_PEER)
		err = answer_announce(sw, from, m, now_ms);
	else if (m->method == KRPC_M_SAMPLE_INFOHASHES)
		answer_samples(sw, &a, from, m, now_ms);
	if (err != 0)
	{
		send_error(sw, socket_slot, from, m, err, "Bad Token or Port", now_ms);
		return;
	}
	if (krpc_build_response(sw->pkt, KRPC_MAX_REPLY, &a.r, &len, NULL, NULL) != KRPC_OK)
		return;
	sw->st.replies_sent++;
	swarm_send_datagram(sw, socket_slot, from, len, now_ms);
}
