/*
 * dhtclient.c
 *		Simulated hosts behaving like DHT clients: nodes search for torrents
 *		(get_peers), peers announce the torrents they hold (get_peers, then
 *		announce_peer with the token), at the configured rates.
 *
 * A lookup is iterative Kademlia over the simulated tables, computed in
 * process (dhtnet.h): starting from the host's own table, it asks the
 * closest node not yet asked until the K closest it knows have all been
 * asked (or LOOKUP_MAX_STEPS).  A simulated node that is asked answers by
 * function call (silent and garbage ones do not answer); an external node
 * that is asked gets a real get_peers datagram from the host's address, and
 * for an announce its reply's token is used for a real announce_peer.
 * Which torrents are looked up is skewed toward low indexes (u^2), so some
 * torrents are popular and most are not.
 */
#include <arpa/inet.h>
#include <string.h>

#include "dhtnet_int.h"
#include "splitmix.h"

/* Candidates a lookup keeps, and the most nodes it asks */
#define LOOKUP_CANDIDATES 64
#define LOOKUP_MAX_STEPS 32
/* Lookups started per tick at most (a stalled loop does not burst) */
#define MAX_LOOKUPS_PER_TICK 200
/* Transaction ids are 4 bytes */
#define TID_LEN 4

struct candidate
{
	struct contact c;
	uint8_t		asked;
};

struct lookup
{
	struct candidate cand[LOOKUP_CANDIDATES];
	size_t		n;
	const uint8_t *key;
};

static int
same_contact(struct contact a, struct contact b)
{
	return a.external == b.external && a.idx == b.idx;
}

/* Add c in distance order, unless present or beyond the last slot */
static void
add_candidate(const struct dhtnet *d, struct lookup *l, struct contact c)
{
	size_t		pos,
				i;

	for (i = 0; i < l->n; i++)
		if (same_contact(l->cand[i].c, c))
			return;
	pos = l->n;
	while (pos > 0 &&
		   simtable_cmp_dist(l->key, dhtnet_contact_id(d, c),
							 dhtnet_contact_id(d, l->cand[pos - 1].c)) < 0)
		pos--;
	if (pos >= LOOKUP_CANDIDATES)
		return;
	if (l->n < LOOKUP_CANDIDATES)
		l->n++;
	memmove(l->cand + pos + 1, l->cand + pos,
			(l->n - 1 - pos) * sizeof(l->cand[0]));
	l->cand[pos].c = c;
	l->cand[pos].asked = 0;
}

static void
add_closest_of(const struct dhtnet *d, struct lookup *l, uint32_t table_node)
{
	struct contact out[SIMTABLE_K];
	size_t		n = dhtnet_closest(d, table_node, l->key, out),
				i;

	for (i = 0; i < n; i++)
		add_candidate(d, l, out[i]);
}

/* Send get_peers for key from the simulated host to external slot x */
static void
send_get_peers(struct dhtnet *d, const struct endpoint *from, uint32_t x,
			   uint32_t key, int announce)
{
	const struct external *e = &d->ext[x];
	struct client_txn *t;
	struct krpc_query q;
	struct sockaddr_in to;
	uint8_t		tid[TID_LEN];
	uint32_t	id = d->next_tid++;
	uint8_t    *buf;
	size_t		slot,
				len = 0;

	memcpy(tid, &id, TID_LEN);
	memset(&q, 0, sizeof(q));
	q.method = KRPC_M_GET_PEERS;
	q.tid = tid;
	q.tid_len = TID_LEN;
	q.id = from->id;
	q.info_hash = d->w->keys[key].key;
	memset(&to, 0, sizeof(to));
	to.sin_family = AF_INET;
	to.sin_addr.s_addr = htonl(e->ip);
	to.sin_port = htons(e->port);
	buf = dhtnet_out_slot(d, from->ip, &to, &slot);
	if (krpc_build_query(buf, LOOPUDP_DGRAM_MAX, &q, &len) != 0)
		len = 0;
	loopudp_set_len(&d->out, slot, len);
	t = &d->txns[id & (CLIENT_TXNS - 1)];
	t->tid = id;
	t->sender_ip = from->ip;
	t->key = key;
	t->announce = (uint8_t) announce;
	t->used = 1;
	d->stats.sent_get_peers++;
}

/* One lookup for key by the simulated host "from" */
static void
run_lookup(struct dhtnet *d, const struct endpoint *from, uint32_t key,
		   int announce)
{
	struct lookup l;
	int			steps;

	l.n = 0;
	l.key = d->w->keys[key].key;
	add_closest_of(d, &l, from->table_node);
	for (steps = 0; steps < LOOKUP_MAX_STEPS; steps++)
	{
		size_t		i;
		struct contact c;

		for (i = 0; i < l.n && i < SIMTABLE_K && l.cand[i].asked; i++)
			;
		if (i == l.n || i == SIMTABLE_K)
			break;
		l.cand[i].asked = 1;
		c = l.cand[i].c;
		if (c.external)
			send_get_peers(d, from, c.idx, key, announce);
		else if (d->w->node_behaviour[c.idx] == NODE_HONEST)
			add_closest_of(d, &l, c.idx);
	}
}

/* A popularity-skewed torrent index */
static uint32_t
pick_torrent(struct dhtnet *d)
{
	uint32_t	nt = (uint32_t) population_count(d->w->pop);
	double		u = (double) (splitmix64_next(&d->rng) >> 11) / 9007199254740992.0;
	uint32_t	t = (uint32_t) (u * u * nt);

	return t < nt ? t : nt - 1;
}

/* Index in keys[] of one of torrent t's keys, picked at random */
static uint32_t
pick_key_of(struct dhtnet *d, uint32_t t)
{
	uint8_t		keys[2][20];
	int			n = world_torrent_keys(d->w, t, keys);
	int			k = (int) (splitmix64_next(&d->rng) % (uint64_t) n);

	return (uint32_t) world_find_key(d->w, keys[k]);
}

static void
start_search(struct dhtnet *d)
{
	uint32_t	node = (uint32_t) (splitmix64_next(&d->rng) % d->w->cfg.nnodes);
	struct endpoint ep;

	if (d->w->node_behaviour[node] != NODE_HONEST)
		return;
	(void) dhtnet_endpoint_of(d, world_node_addr(d->w, node), &ep);
	d->stats.searches++;
	run_lookup(d, &ep, pick_key_of(d, pick_torrent(d)), 0);
}

static void
start_announce(struct dhtnet *d)
{
	const struct world *w = d->w;
	uint32_t	t = pick_torrent(d);
	uint32_t	np = w->torrent_peer_off[t + 1] - w->torrent_peer_off[t];
	uint32_t	peer = w->torrent_peers[w->torrent_peer_off[t] +
										splitmix64_next(&d->rng) % np];
	struct endpoint ep;

	(void) dhtnet_endpoint_of(d, world_peer_addr(w, peer), &ep);
	d->stats.announces++;
	run_lookup(d, &ep, pick_key_of(d, t), 1);
}

/* Announce to an external node that gave us a token */
static void
send_announce(struct dhtnet *d, const struct client_txn *t,
			  const struct krpc_msg *m, const struct sockaddr_in *to)
{
	struct endpoint ep;
	struct krpc_query q;
	uint8_t		tid[TID_LEN];
	uint32_t	id = d->next_tid++;
	int64_t		peer = world_peer_at(d->w, t->sender_ip);
	uint8_t    *buf;
	size_t		slot,
				len = 0;

	if (peer < 0 || dhtnet_endpoint_of(d, t->sender_ip, &ep) != 0)
		return;
	memcpy(tid, &id, TID_LEN);
	memset(&q, 0, sizeof(q));
	q.method = KRPC_M_ANNOUNCE_PEER;
	q.tid = tid;
	q.tid_len = TID_LEN;
	q.id = ep.id;
	q.info_hash = d->w->keys[t->key].key;
	q.port = d->cfg.peer_port +
		(d->w->peer_behaviour[peer] == PEER_UNREACHABLE ? 1 : 0);
	q.token = m->token;
	q.token_len = m->token_len;
	buf = dhtnet_out_slot(d, t->sender_ip, to, &slot);
	if (krpc_build_query(buf, LOOPUDP_DGRAM_MAX, &q, &len) != 0)
		len = 0;
	loopudp_set_len(&d->out, slot, len);
	d->stats.sent_announce++;
}

void
dhtclient_on_response(struct dhtnet *d, const struct krpc_msg *m,
					  const struct sockaddr_in *from, uint32_t local_ip)
{
	uint32_t	id;
	struct client_txn *t;

	if (m->tid_len != TID_LEN)
		return;
	memcpy(&id, m->tid, TID_LEN);
	t = &d->txns[id & (CLIENT_TXNS - 1)];
	if (!t->used || t->tid != id || t->sender_ip != local_ip)
		return;
	t->used = 0;
	d->stats.responses++;
	if (m->type == 'r' && t->announce && m->token != NULL)
		send_announce(d, t, m, from);
}

void
dhtclient_tick(struct dhtnet *d, uint64_t now_ms)
{
	double		dt = (double) (now_ms - d->last_tick_ms) / 1000.0;
	int			n;

	d->search_debt += dt * d->cfg.search_rate;
	d->announce_debt += dt * d->cfg.announce_rate;
	for (n = 0; d->search_debt >= 1.0 && n < MAX_LOOKUPS_PER_TICK; n++)
	{
		start_search(d);
		d->search_debt -= 1.0;
	}
	for (n = 0; d->announce_debt >= 1.0 && n < MAX_LOOKUPS_PER_TICK; n++)
	{
		start_announce(d);
		d->announce_debt -= 1.0;
	}
	if (d->search_debt > MAX_LOOKUPS_PER_TICK)
		d->search_debt = MAX_LOOKUPS_PER_TICK;
	if (d->announce_debt > MAX_LOOKUPS_PER_TICK)
		d->announce_debt = MAX_LOOKUPS_PER_TICK;
}
