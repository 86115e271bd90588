/*
 * swarm.c
 *		The swarm object: sockets and identities, the send path, datagram
 *		dispatch and reply handling (see swarm.h for the contract).
 *
 * Every outgoing datagram passes the per-IP and global send limits, and
 * every query takes a slot in the bounded transaction table, whose tid
 * (slot + random bits) and source-address check is how replies are
 * matched.  A reply admits its sender to the routing table (a node only
 * enters after answering us), feeds the nodes it lists to the contact
 * queue, and, per query type, yields BEP 51 samples or lookup peers.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "addrclass.h"
#include "nodeid.h"
#include "splitmix.h"
#include "swarm_int.h"

uint64_t
swarm_random(struct swarm *sw)
{
	/* fast, and seeded by the caller from a strong source */
	return splitmix64_next(&sw->rng);
}

static void
random_bytes(struct swarm *sw, uint8_t *out, size_t len)
{
	size_t		i;
	uint64_t	r = 0;

	for (i = 0; i < len; i++)
	{
		if (i % 8 == 0)
			r = swarm_random(sw);
		out[i] = (uint8_t) (r >> (8 * (i % 8)));
	}
}

int
swarm_address_allowed(const struct swarm *sw, const struct netaddr *a)
{
	return a->port != 0 &&
		addrclass_allowed(addrclass_of(a->family, a->ip), sw->cfg.allow_private);
}

static int
create_parts(struct swarm *sw)
{
	const struct swarm_config *c = &sw->cfg;
	struct routing_config rc = {c->max_nodes, c->allow_private, c->seed ^ 4};
	struct ratelimit_config out = {c->max_rate_ips, c->send_rate_per_ip,
		c->send_rate_per_ip, c->max_send_rate, c->max_send_rate / 10 + 1, c->seed};
	struct ratelimit_config in = {c->max_rate_ips, c->recv_rate_per_ip,
		c->recv_rate_per_ip * 2, c->max_recv_rate, c->max_recv_rate / 10 + 1, c->seed ^ 1};

	sw->rt = routing_create(&rc);
	sw->rate_out = ratelimit_create(&out);
	sw->rate_in = ratelimit_create(&in);
	sw->txn = txn_create(c->max_pending);
	sw->peers = peerstore_create(c->max_stored_hashes, c->seed ^ 2);
	sw->cand = candidates_create(c->max_candidates, c->candidate_queue, c->seed ^ 3);
	sw->identities = calloc(SWARM_MAX_IDENTITIES, sizeof(struct swarm_identity));
	sw->contacts = calloc(c->contact_queue > 0 ? c->contact_queue : 1,
						  sizeof(struct swarm_contact));
	sw->ntried = (c->contact_queue > 0 ? c->contact_queue : 1) *
		SWARM_TRIED_SLOTS_PER_CONTACT;
	sw->tried = calloc(sw->ntried, sizeof(struct swarm_tried));
	return sw->rt && sw->rate_out && sw->rate_in && sw->txn && sw->peers &&
		sw->cand && sw->identities && sw->contacts && sw->tried;
}

struct swarm *
swarm_create(const struct swarm_config *cfg, uint64_t now_ms)
{
	struct swarm *sw;
	size_t		i;

	if (cfg->send == NULL || cfg->nodes_per_socket == 0 || cfg->contact_queue == 0)
	{
		errno = EINVAL;
		return NULL;
	}
	sw = calloc(1, sizeof(*sw));
	if (sw == NULL)
		return NULL;
	sw->cfg = *cfg;
	sw->rng = cfg->seed;
	if (!create_parts(sw))
	{
		swarm_destroy(sw);
		errno = ENOMEM;
		return NULL;
	}
	for (i = 0; i < SWARM_MAX_IDENTITIES; i++)
		sw->identities[i].socket_slot = -1;
	token_init(&sw->tokens, now_ms);
	return sw;
}

void
swarm_destroy(struct swarm *sw)
{
	if (sw == NULL)
		return;
	routing_destroy(sw->rt);
	ratelimit_destroy(sw->rate_out);
	ratelimit_destroy(sw->rate_in);
	txn_destroy(sw->txn);
	peerstore_destroy(sw->peers);
	candidates_destroy(sw->cand);
	free(sw->identities);
	free(sw->contacts);
	free(sw->tried);
	free(sw);
}

void
swarm_set_policy(struct swarm *sw, double send_rate_per_ip,
				 double max_send_rate, int allow_private)
{
	sw->cfg.send_rate_per_ip = send_rate_per_ip;
	sw->cfg.max_send_rate = max_send_rate;
	sw->cfg.allow_private = allow_private;
	ratelimit_set_rates(sw->rate_out, send_rate_per_ip, send_rate_per_ip,
						max_send_rate, max_send_rate / 10 + 1);
	routing_set_allow_private(sw->rt, allow_private);
}

static int
is_unspecified(const struct netaddr *a)
{
	static const uint8_t zero[16];

	return memcmp(a->ip, zero, netaddr_iplen(a)) == 0;
}

/*
 * One of our own sockets: its bound address, or, for a wildcard bind, a
 * loopback address or our learned external address on one of our ports.
 */
int
swarm_is_self(const struct swarm *sw, const struct netaddr *a)
{
	const struct swarm_votes *v = a->family == AF_INET6 ? &sw->votes6 : &sw->votes4;
	int			i;

	for (i = 0; i < SWARM_MAX_SOCKETS; i++)
	{
		const struct swarm_socket *s = &sw->sockets[i];

		if (!s->in_use || s->bound.port != a->port || s->bound.family != a->family)
			continue;
		if (netaddr_same_ip(&s->bound, a))
			return 1;
		if (is_unspecified(&s->bound) &&
			(addrclass_of(a->family, a->ip) == ADDRCLASS_LOOPBACK ||
			 (v->have && netaddr_same_ip(&v->external, a))))
			return 1;
	}
	return 0;
}

/*
 * Did we query addr in the last SWARM_TRIED_MS?  With mark, remember that
 * we are querying it now.
 */
int
swarm_tried_recently(struct swarm *sw, const struct netaddr *addr,
					 uint64_t now_ms, int mark)
{
	struct swarm_tried *t = &sw->tried[(netaddr_hash_ip(addr, sw->cfg.seed) ^ addr->port) % sw->ntried];

	if (netaddr_equal(&t->addr, addr) && now_ms - t->at_ms < SWARM_TRIED_MS)
		return 1;
	if (mark)
	{
		t->addr = *addr;
		t->at_ms = now_ms;
	}
	return 0;
}

int
swarm_socket_slot(const struct swarm *sw, int sock)
{
	int			i;

	for (i = 0; i < SWARM_MAX_SOCKETS; i++)
		if (sw->sockets[i].in_use && sw->sockets[i].sock == sock)
			return i;
	return -1;
}

/* First index of n consecutive free identity slots, or -1. */
static long
find_identity_run(const struct swarm *sw, size_t n)
{
	size_t		i,
				run = 0;

	for (i = 0; i < SWARM_MAX_IDENTITIES; i++)
	{
		run = sw->identities[i].socket_slot < 0 ? run + 1 : 0;
		if (run == n)
			return (long) (i + 1 - n);
	}
	return -1;
}

/* A fresh identity id: BEP 42-valid once our external address is known. */
static void
make_identity_id(struct swarm *sw, struct swarm_identity *ident, int family)
{
	const struct swarm_votes *v = family == AF_INET6 ? &sw->votes6 : &sw->votes4;
	uint8_t		rnd[KRPC_ID_LEN];

	random_bytes(sw, rnd, sizeof(rnd));
	if (v->have && !nodeid_bep42_exempt(&v->external))
	{
		nodeid_bep42_make(&v->external, rnd[0] & 7, rnd, ident->id);
		ident->bep42 = 1;
	}
	else
	{
		memcpy(ident->id, rnd, KRPC_ID_LEN);
		ident->bep42 = 0;
	}
}

int
swarm_socket_add(struct swarm *sw, int sock, const struct netaddr *bound,
				 uint64_t now_ms)
{
	int			slot;
	long		first;
	uint32_t	i;

	if (swarm_socket_slot(sw, sock) >= 0)
		return -1;
	for (slot = 0; slot < SWARM_MAX_SOCKETS && sw->sockets[slot].in_use; slot++)
		;
	first = find_identity_run(sw, sw->cfg.nodes_per_socket);
	if (slot == SWARM_MAX_SOCKETS || first < 0)
		return -1;
	sw->sockets[slot].in_use = 1;
	sw->sockets[slot].sock = sock;
	sw->sockets[slot].bound = *bound;
	sw->sockets[slot].first_identity = (uint32_t) first;
	sw->sockets[slot].nidentities = sw->cfg.nodes_per_socket;
	for (i = 0; i < sw->cfg.nodes_per_socket; i++)
	{
		sw->identities[first + i].socket_slot = slot;
		make_identity_id(sw, &sw->identities[first + i], bound->family);
	}
	sw->nidentities += sw->cfg.nodes_per_socket;
	(void) now_ms;
	return 0;
}

void
swarm_socket_remove(struct swarm *sw, int sock)
{
	int			slot = swarm_socket_slot(sw, sock);
	uint32_t	i;

	if (slot < 0)
		return;
	for (i = 0; i < sw->sockets[slot].nidentities; i++)
		sw->identities[sw->sockets[slot].first_identity + i].socket_slot = -1;
	sw->nidentities -= sw->sockets[slot].nidentities;
	memset(&sw->sockets[slot], 0, sizeof(sw->sockets[slot]));
}

/* A random identity on a socket of the family; -1 if there is none. */
int
swarm_random_identity(struct swarm *sw, int family)
{
	int			tries;

	if (sw->nidentities == 0)
		return -1;
	for (tries = 0; tries < 64; tries++)
	{
		const struct swarm_socket *s = &sw->sockets[swarm_random(sw) % SWARM_MAX_SOCKETS];

		if (s->in_use && s->bound.family == family)
			return (int) (s->first_identity + swarm_random(sw) % s->nidentities);
	}
	for (tries = 0; tries < SWARM_MAX_SOCKETS; tries++)
		if (sw->sockets[tries].in_use && sw->sockets[tries].bound.family == family)
			return (int) sw->sockets[tries].first_identity;
	return -1;
}

/* Send sw->pkt[0..len) from a socket, within the send limits. */
void
swarm_send_datagram(struct swarm *sw, int socket_slot,
					const struct netaddr *to, size_t len, uint64_t now_ms)
{
	if (ratelimit_take(sw->rate_out, to, now_ms) != RATELIMIT_PASS)
	{
		sw->st.dropped_rate_out++;
		return;
	}
	sw->cfg.send(sw->cfg.send_ctx, sw->sockets[socket_slot].sock, to, sw->pkt, len);
}

int
swarm_send_query(struct swarm *sw, int identity, const struct netaddr *to,
				 struct krpc_query *q, uint32_t lookup, uint64_t now_ms)
{
	struct txn_entry e;
	uint8_t		tid[TXN_TID_LEN];
	size_t		len;

	if (identity < 0 || !swarm_address_allowed(sw, to) || swarm_is_self(sw, to))
	{
		sw->st.dropped_address++;
		return SWARM_SEND_REFUSED;
	}
	if (!ratelimit_would_pass(sw->rate_out, to, now_ms))
	{
		sw->st.dropped_rate_out++;
		return SWARM_SEND_DEFERRED;
	}
	memset(&e, 0, sizeof(e));
	e.method = (uint8_t) q->method;
	e.identity = (uint32_t) identity;
	e.lookup = lookup;
	e.to = *to;
	if (q->target)
		memcpy(e.target, q->target, KRPC_ID_LEN);
	else if (q->info_hash)
		memcpy(e.target, q->info_hash, KRPC_ID_LEN);
	if (txn_begin(sw->txn, &e, now_ms, (uint32_t) swarm_random(sw), tid) != 0)
	{
		sw->st.dropped_pending_full++;
		return SWARM_SEND_DEFERRED;
	}
	q->tid = tid;
	q->tid_len = TXN_TID_LEN;
	q->id = sw->identities[identity].id;
	if (krpc_build_query(sw->pkt, sizeof(sw->pkt), q, &len) != KRPC_OK)
		return SWARM_SEND_REFUSED;
	swarm_send_datagram(sw, sw->identities[identity].socket_slot, to, len, now_ms);
	routing_on_sent(sw->rt, to, now_ms);
	sw->st.queries_sent++;
	return 0;
}

void
swarm_add_contact(struct swarm *sw, const struct netaddr *addr, uint64_t now_ms)
{
	size_t		cap = sw->cfg.contact_queue;

	if (!swarm_address_allowed(sw, addr) || swarm_is_self(sw, addr) ||
		swarm_tried_recently(sw, addr, now_ms, 0))
		return;
	if (sw->contact_count == cap)
	{
		sw->st.dropped_contacts++;
		return;
	}
	sw->contacts[(sw->contact_head + sw->contact_count) % cap].addr = *addr;
	sw->contact_count++;
}

/* Queue the unknown nodes a reply lists; we query them before trusting them. */
void
swarm_learn_nodes(struct swarm *sw, const struct krpc_msg *m, uint64_t now_ms)
{
	struct routing_node known;
	uint8_t		id[KRPC_ID_LEN];
	struct netaddr addr;
	size_t		i;

	for (i = 0; m->nodes && i < m->nodes_len / 26; i++)
	{
		krpc_node_at(m->nodes, i, AF_INET, id, &addr);
		if (!routing_get(sw->rt, &addr, &known))
			swarm_add_contact(sw, &addr, now_ms);
	}
	for (i = 0; m->nodes6 && i < m->nodes6_len / 38; i++)
	{
		krpc_node_at(m->nodes6, i, AF_INET6, id, &addr);
		if (!routing_get(sw->rt, &addr, &known))
			swarm_add_contact(sw, &addr, now_ms);
	}
}

void
swarm_bootstrap(struct swarm *sw, const struct netaddr *addrs, size_t n,
				uint64_t now_ms)
{
	size_t		i;

	for (i = 0; i < n; i++)
	{
		int			ident = swarm_random_identity(sw, addrs[i].family);
		struct krpc_query q;

		if (ident < 0)
			continue;
		memset(&q, 0, sizeof(q));
		q.method = KRPC_M_FIND_NODE;
		q.target = sw->identities[ident].id;
		swarm_send_query(sw, ident, &addrs[i], &q, SWARM_TXN_BOOTSTRAP, now_ms);
	}
}

/* BEP 51 reply: samples become candidates; remember the node's interval. */
static void
take_samples(struct swarm *sw, const struct netaddr *from,
			 const struct krpc_msg *m, uint64_t now_ms)
{
	int64_t		interval = m->has_interval ? m->interval : SWARM_MAX_SAMPLE_INTERVAL_S;
	size_t		i;

	if (interval < 0)
		interval = 0;
	if (interval > SWARM_MAX_SAMPLE_INTERVAL_S)
		interval = SWARM_MAX_SAMPLE_INTERVAL_S;
	for (i = 0; i < m->nsamples; i++)
		candidates_note(sw->cand, m->samples + 20 * i, NULL,
						CANDIDATE_SAMPLE, now_ms);
	sw->st.samples_received += m->nsamples;
	routing_set_sample_info(sw->rt, from, now_ms + (uint64_t) interval * 1000,
							m->samples != NULL || m->has_interval);
}

/* A reply from a node: admit it to the table and use what it says. */
static void
handle_reply(struct swarm *sw, const struct netaddr *from,
			 const struct krpc_msg *m, const struct txn_entry *e,
			 uint64_t now_ms)
{
	unsigned	flags = 0;

	sw->st.responses_in++;
	if (e->lookup == SWARM_TXN_BOOTSTRAP)
	{
		sw->bootstrap_replies++;
		if (sw->cfg.bootstrap_reply)
			sw->cfg.bootstrap_reply(sw->cfg.send_ctx, from);
	}
	if (m->has_ip)
		swarm_note_external_ip(sw, from, &m->ip);
	if (m->nodes_malformed)
	{
		sw->st.broken_nodes++;
		routing_on_timeout(sw->rt, from, now_ms);
		if (e->lookup < SWARM_TXN_BOOTSTRAP)
			swarm_lookup_failed(sw, e->lookup, from, now_ms);
		return;
	}
	if (nodeid_bep42_valid(m->id, from) || nodeid_bep42_exempt(from))
		flags |= ROUTING_F_BEP42;
	if (m->samples != NULL)
		flags |= ROUTING_F_SAMPLES;
	if (routing_on_reply(sw->rt, m->id, from, flags, now_ms) < 0)
		sw->st.routing_refused++;
	swarm_learn_nodes(sw, m, now_ms);
	if (e->method == KRPC_M_SAMPLE_INFOHASHES)
		take_samples(sw, from, m, now_ms);
	if (e->lookup < SWARM_TXN_BOOTSTRAP)
		swarm_lookup_reply(sw, e->lookup, from, m, now_ms);
}

static void
handle_response(struct swarm *sw, const struct netaddr *from,
				const struct krpc_msg *m, int parse_rc, uint64_t now_ms)
{
	struct txn_entry e;

	if (!txn_complete(sw->txn, m->tid, m->tid_len, from, &e))
	{
		sw->st.dropped_unmatched++;
		return;
	}
	if (m->type == 'e' || parse_rc != KRPC_OK)
	{
		sw->st.errors_in++;
		/* a node that refuses BEP 51 is not asked again for hours */
		if (e.method == KRPC_M_SAMPLE_INFOHASHES)
			routing_set_sample_info(sw->rt, from, now_ms +
									(uint64_t) SWARM_MAX_SAMPLE_INTERVAL_S * 1000, 0);
		if (e.lookup < SWARM_TXN_BOOTSTRAP)
			swarm_lookup_failed(sw, e.lookup, from, now_ms);
		return;
	}
	handle_reply(sw, from, m, &e, now_ms);
}

void
swarm_on_datagram(struct swarm *sw, int sock, const struct netaddr *from,
				  const uint8_t *buf, size_t len, uint64_t now_ms)
{
	int			slot = swarm_socket_slot(sw, sock);
	int			rc;

	if (slot < 0)
		return;
	if (!swarm_address_allowed(sw, from))
	{
		sw->st.dropped_address++;
		return;
	}
	if (ratelimit_take(sw->rate_in, from, now_ms) != RATELIMIT_PASS)
	{
		sw->st.dropped_rate_in++;
		return;
	}
	rc = krpc_parse(buf, len, &sw->msg);
	if (rc != KRPC_OK && rc != KRPC_ERR_PROTOCOL)
	{
		sw->st.dropped_parse++;
		return;
	}
	if (sw->msg.type == 'q')
		swarm_answer(sw, slot, from, &sw->msg, rc, now_ms);
	else
		handle_response(sw, from, &sw->msg, rc, now_ms);
}

int
swarm_pop_candidate(struct swarm *sw, struct candidate *out)
{
	return candidates_pop(sw->cand, out);
}

size_t
swarm_recent_candidates(const struct swarm *sw, size_t max, struct candidate *out)
{
	return candidates_recent(sw->cand, max, out);
}

size_t
swarm_export_nodes(const struct swarm *sw, size_t max, uint8_t (*ids)[20],
				   struct netaddr *addrs, uint64_t now_ms)
{
	struct routing_node *nodes = calloc(max > 0 ? max : 1, sizeof(*nodes));
	size_t		n,
				i;

	if (nodes == NULL)
		return 0;
	n = routing_export(sw->rt, max, nodes, now_ms);
	for (i = 0; i < n; i++)
	{
		memcpy(ids[i], nodes[i].id, 20);
		addrs[i] = nodes[i].addr;
	}
	free(nodes);
	return n;
}

void
swarm_stats(const struct swarm *sw, uint64_t now_ms, struct swarm_stats *out)
{
	struct routing_stats rs;
	struct txn_stats ts;
	struct peerstore_stats ps;
	struct candidates_stats cs;
	struct ratelimit_stats rl;
	size_t		i;

	*out = sw->st;
	routing_stats(sw->rt, now_ms, &rs);
	txn_stats(sw->txn, &ts);
	peerstore_stats(sw->peers, &ps);
	candidates_stats(sw->cand, &cs);
	ratelimit_stats(sw->rate_out, &rl);
	for (i = 0; i < SWARM_MAX_SOCKETS; i++)
		out->sockets += sw->sockets[i].in_use ? 1 : 0;
	out->identities = sw->nidentities;
	for (i = 0; i < SWARM_MAX_IDENTITIES; i++)
		out->identities_bep42 += (sw->identities[i].socket_slot >= 0 &&
								  sw->identities[i].bep42) ? 1 : 0;
	out->known_nodes = rs.nodes;
	out->good_nodes = rs.good;
	out->pending_queries = ts.in_flight;
	out->stored_hashes = peerstore_count(sw->peers, now_ms);
	out->candidate_queue = cs.queued;
	out->contact_queue = sw->contact_count;
	out->candidates_dropped = cs.queue_dropped;
	out->unique_hashes = cs.unique;
	out->bootstrap_replies = sw->bootstrap_replies;
	for (i = 0; i < SWARM_MAX_LOOKUPS; i++)
		out->lookups += sw->lookups[i].active ? 1 : 0;
}
