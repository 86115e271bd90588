/*
 * dhtnet.c
 *		The simulated DHT's responder: socket, stores, externals, answers
 *		and misbehaviour (dhtnet.h).  Client lookups are in dhtclient.c.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dhtnet_int.h"
#include "splitmix.h"

/* Socket buffers: bursts of thousands of queries must not be dropped */
#define SOCKET_BUFFER (8 * 1024 * 1024)
/* BEP 51: samples per reply */
#define MAX_SAMPLES 20
/* Our "v": SI (simulator) version 0.1 */
static const uint8_t sim_version[4] = {'S', 'I', 0, 1};

uint32_t
dhtnet_now_s(const struct dhtnet *d, uint64_t now_ms)
{
	return (uint32_t) ((now_ms - d->start_ms) / 1000);
}

void
dhtnet_peer_id(const struct dhtnet *d, uint32_t peer, uint8_t id[20])
{
	uint64_t	s = d->cfg.seed ^ (0x5045455244ULL + (uint64_t) peer * 0x9E3779B97F4A7C15ULL);
	int			k;

	for (k = 0; k < 20; k += 4)
	{
		uint32_t	v = (uint32_t) splitmix64_next(&s);

		memcpy(id + k, &v, 4);
	}
}

int
dhtnet_endpoint_of(const struct dhtnet *d, uint32_t ip, struct endpoint *ep)
{
	int64_t		node = world_node_at(d->w, ip);
	int64_t		peer;

	ep->ip = ip;
	ep->node = node;
	if (node >= 0)
	{
		memcpy(ep->id, d->w->node_id[node], 20);
		ep->table_node = (uint32_t) node;
		return 0;
	}
	peer = world_peer_at(d->w, ip);
	if (peer < 0)
		return -1;
	dhtnet_peer_id(d, (uint32_t) peer, ep->id);
	ep->table_node = (uint32_t) (peer % d->w->cfg.nnodes);
	return 0;
}

const uint8_t *
dhtnet_contact_id(const struct dhtnet *d, struct contact c)
{
	return c.external ? d->ext[c.idx].id : d->w->node_id[c.idx];
}

/* Insert c into out[0..*n) sorted by distance to target, keeping K */
static void
insert_contact(const struct dhtnet *d, const uint8_t *target,
			   struct contact c, struct contact *out, size_t *n)
{
	size_t		pos = *n;

	while (pos > 0 &&
		   simtable_cmp_dist(target, dhtnet_contact_id(d, c),
							 dhtnet_contact_id(d, out[pos - 1])) < 0)
		pos--;
	if (pos >= SIMTABLE_K)
		return;
	if (*n < SIMTABLE_K)
		(*n)++;
	memmove(out + pos + 1, out + pos, (*n - 1 - pos) * sizeof(*out));
	out[pos] = c;
}

size_t
dhtnet_closest(const struct dhtnet *d, uint32_t table_node,
			   const uint8_t *target, struct contact *out)
{
	size_t		ne,
				n = 0,
				i;
	const uint32_t *e = simtable_entries(&d->table, table_node, &ne);

	for (i = 0; i < ne; i++)
	{
		struct contact c = {0, e[i]};

		insert_contact(d, target, c, out, &n);
	}
	for (i = 0; i < NODE_EXT_SLOTS; i++)
	{
		uint16_t	x = d->node_ext[table_node][i];

		if (x != 0 && d->ext[x - 1].used)
		{
			struct contact c = {1, (uint32_t) (x - 1)};

			insert_contact(d, target, c, out, &n);
		}
	}
	return n;
}

uint8_t *
dhtnet_out_slot(struct dhtnet *d, uint32_t src, const struct sockaddr_in *to,
				size_t *slot)
{
	if (loopudp_full(&d->out))
		(void) loopudp_send(d->fd, &d->out);
	return loopudp_add(&d->out, src, to, slot);
}

/* ------------------------------------------------------------------------
 * External nodes
 * ------------------------------------------------------------------------
 */

/* Slot of the external with this id, or -1 */
static int64_t
find_external(const struct dhtnet *d, const uint8_t *id)
{
	uint32_t	h;
	uint32_t	i;

	memcpy(&h, id, 4);
	for (i = 0; i < 8; i++)
	{
		uint32_t	s = (h + i) & (DHTNET_MAX_EXTERNALS - 1);

		if (d->ext[s].used && memcmp(d->ext[s].id, id, 20) == 0)
			return s;
	}
	return -1;
}

/* Remember (or refresh) an external endpoint; returns its slot */
static uint32_t
note_external(struct dhtnet *d, const uint8_t *id, uint32_t ip, uint16_t port,
			  uint32_t now_s)
{
	int64_t		found = find_external(d, id);
	uint32_t	h,
				best = 0,
				i;

	if (found >= 0)
	{
		d->ext[found].ip = ip;
		d->ext[found].port = port;
		d->ext[found].seen_s = now_s;
		return (uint32_t) found;
	}
	memcpy(&h, id, 4);
	/* an empty slot among the 8 probed, else the one seen longest ago */
	for (i = 0; i < 8; i++)
	{
		uint32_t	s = (h + i) & (DHTNET_MAX_EXTERNALS - 1);

		if (!d->ext[s].used)
		{
			best = s;
			d->stats.externals++;
			break;
		}
		if (i == 0 || d->ext[s].seen_s < d->ext[best].seen_s)
			best = s;
	}
	memcpy(d->ext[best].id, id, 20);
	d->ext[best].ip = ip;
	d->ext[best].port = port;
	d->ext[best].used = 1;
	d->ext[best].seen_s = now_s;
	return best;
}

/* The node at table_node learns of external slot x (one of a few slots) */
static void
node_learns(struct dhtnet *d, uint32_t table_node, uint32_t x)
{
	uint16_t   *slots = d->node_ext[table_node];
	int			i;

	for (i = 0; i < NODE_EXT_SLOTS; i++)
		if (slots[i] == x + 1)
			return;
	slots[d->ext[x].id[19] % NODE_EXT_SLOTS] = (uint16_t) (x + 1);
}

/* ------------------------------------------------------------------------
 * Stores
 * ------------------------------------------------------------------------
 */

static int
store_add(struct node_store *s, uint32_t key, uint32_t ip, uint16_t port,
		  uint32_t expires_s)
{
	uint32_t	i;

	for (i = 0; i < s->n; i++)
		if (s->e[i].key == key && s->e[i].ip == ip && s->e[i].port == port)
		{
			if (s->e[i].expires_s != UINT32_MAX)
				s->e[i].expires_s = expires_s;
			return 0;
		}
	if (s->n == s->cap)
	{
		uint32_t	cap = s->cap ? s->cap * 2 : 8;
		struct store_entry *e = realloc(s->e, cap * sizeof(*e));

		if (e == NULL)
			return -1;
		s->e = e;
		s->cap = cap;
	}
	s->e[s->n].key = key;
	s->e[s->n].ip = ip;
	s->e[s->n].port = port;
	s->e[s->n].expires_s = expires_s;
	s->n++;
	return 0;
}

/* Place every holder's announce of every key on the closest nodes */
static int
place_announces(struct dhtnet *d)
{
	const struct world *w = d->w;
	uint32_t	k;

	for (k = 0; k < w->nkeys; k++)
	{
		uint32_t	t = w->keys[k].torrent;
		uint32_t	closest[SIMTABLE_K];
		size_t		nc = simtable_global_closest(&d->table, w->keys[k].key,
												 closest, SIMTABLE_K);
		uint32_t	p;

		for (p = w->torrent_peer_off[t]; p < w->torrent_peer_off[t + 1]; p++)
		{
			uint32_t	peer = w->torrent_peers[p];
			uint16_t	port = d->cfg.peer_port +
				(w->peer_behaviour[peer] == PEER_UNREACHABLE ? 1 : 0);
			size_t		c;

			for (c = 0; c < nc; c++)
			{
				if (store_add(&d->stores[closest[c]], k, world_peer_addr(w, peer),
							  port, UINT32_MAX) != 0)
					return -1;
				d->stats.placed++;
			}
		}
	}
	return 0;
}

/*
 * Key index of an info hash: a world key, an external one already seen,
 * or (create) a new external one; -1 when unknown or the table is full.
 */
static int64_t
key_index(struct dhtnet *d, const uint8_t *hash, int create)
{
	int64_t		k = world_find_key(d->w, hash);
	uint32_t	i;

	if (k >= 0)
		return k;
	for (i = 0; i < d->next_ext_key; i++)
		if (memcmp(d->ext_keys[i], hash, 20) == 0)
			return d->w->nkeys + i;
	if (!create || d->next_ext_key >= DHTNET_MAX_EXT_KEYS)
		return -1;
	memcpy(d->ext_keys[d->next_ext_key], hash, 20);
	return d->w->nkeys + d->next_ext_key++;
}

/* ------------------------------------------------------------------------
 * Answers
 * ------------------------------------------------------------------------
 */

static void
to_netaddr(uint32_t ip, uint16_t port, struct netaddr *a)
{
	uint32_t	be = htonl(ip);

	memset(a, 0, sizeof(*a));
	a->family = AF_INET;
	memcpy(a->ip, &be, 4);
	a->port = port;
}

/* Compact node info of the closest contacts to target; returns bytes */
static size_t
encode_closest(const struct dhtnet *d, uint32_t table_node,
			   const uint8_t *target, uint8_t *out)
{
	struct contact c[SIMTABLE_K];
	size_t		n = dhtnet_closest(d, table_node, target, c),
				i;

	for (i = 0; i < n; i++)
	{
		struct netaddr a;
		uint8_t    *p = out + i * KRPC_NODE4_LEN;

		if (c[i].external)
			to_netaddr(d->ext[c[i].idx].ip, d->ext[c[i].idx].port, &a);
		else
			to_netaddr(world_node_addr(d->w, c[i].idx), d->cfg.port, &a);
		memcpy(p, dhtnet_contact_id(d, c[i]), KRPC_ID_LEN);
		netaddr_to_compact(&a, p + KRPC_ID_LEN);
	}
	return n * KRPC_NODE4_LEN;
}

static const uint8_t *
key_bytes(const struct dhtnet *d, uint32_t key)
{
	return key < d->w->nkeys ? d->w->keys[key].key :
		d->ext_keys[key - d->w->nkeys];
}

/* Peers stored under key at node, up to cap; returns the count */
static size_t
collect_values(const struct node_store *s, uint32_t key, uint32_t now_s,
			   struct netaddr *out, size_t cap)
{
	size_t		n = 0;
	uint32_t	i;

	for (i = 0; i < s->n && n < cap; i++)
		if (s->e[i].key == key && s->e[i].expires_s > now_s)
			to_netaddr(s->e[i].ip, s->e[i].port, &out[n++]);
	return n;
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t	x = *(const uint32_t *) a,
				y = *(const uint32_t *) b;

	return x < y ? -1 : x > y;
}

/*
 * Up to MAX_SAMPLES distinct keys of a store, at random; *num = distinct.
 * The live keys are sorted to find the distinct ones: O(n log n) for a
 * store of n announces (a full store of external announces is 1,024).
 */
static size_t
collect_samples(struct dhtnet *d, const struct node_store *s, uint32_t now_s,
				uint8_t *out, int64_t *num)
{
	uint32_t   *keys = malloc((s->n + 1) * sizeof(uint32_t));
	size_t		nk = 0,
				nd = 0,
				n = 0;
	uint32_t	i;

	*num = 0;
	if (keys == NULL)
		return 0;
	for (i = 0; i < s->n; i++)
		if (s->e[i].expires_s > now_s)
			keys[nk++] = s->e[i].key;
	qsort(keys, nk, sizeof(uint32_t), cmp_u32);
	for (i = 0; i < nk; i++)
		if (nd == 0 || keys[nd - 1] != keys[i])
			keys[nd++] = keys[i];
	*num = (int64_t) nd;
	while (n < MAX_SAMPLES && nd > 0)
	{
		uint32_t	pick = (uint32_t) (splitmix64_next(&d->rng) % nd);

		memcpy(out + n * 20, key_bytes(d, keys[pick]), 20);
		keys[pick] = keys[--nd];
		n++;
	}
	free(keys);
	return n;
}

/* announce_peer: check the token, then store; 0 or a KRPC error code */
static int
take_announce(struct dhtnet *d, const struct endpoint *ep,
			  const struct krpc_msg *m, const struct sockaddr_in *from,
			  const struct netaddr *requester, uint32_t now_s)
{
	struct node_store *s;
	int64_t		key;
	uint16_t	port = m->implied_port ? ntohs(from->sin_port) : m->port;

	if (!token_check(&d->tokens, requester, m->info_hash, m->token, m->token_len))
	{
		d->stats.bad_token++;
		return KRPC_E_PROTOCOL;
	}
	if (ep->node < 0)
		return 0;				/* a peer's DHT side keeps no store */
	s = &d->stores[ep->node];
	key = key_index(d, m->info_hash, 1);
	if (key < 0 || s->external >= DHTNET_MAX_STORE || port == 0)
	{
		d->stats.store_full++;
		return 0;
	}
	if (store_add(s, (uint32_t) key, ntohl(from->sin_addr.s_addr), port,
				  now_s + DHTNET_ANNOUNCE_TTL_S) == 0)
	{
		s->external++;
		d->stats.stored++;
	}
	return 0;
}

static void
note_values_sent(struct dhtnet *d, uint32_t key)
{
	d->stats.values_sent++;
	if (key < d->w->nkeys && !d->key_served[key])
	{
		d->key_served[key] = 1;
		d->stats.keys_served++;
	}
}

/* Fill r with what the query asks; 0, or a KRPC error code to send */
static int
fill_answer(struct dhtnet *d, const struct endpoint *ep,
			const struct krpc_msg *m, const struct sockaddr_in *from,
			const struct netaddr *requester, uint32_t now_s,
			struct krpc_response *r, uint8_t *nodes, struct netaddr *values,
			uint8_t *token, uint8_t *samples)
{
	const struct node_store *s = ep->node >= 0 ? &d->stores[ep->node] : NULL;
	int64_t		key;

	switch (m->method)
	{
		case KRPC_M_PING:
			return 0;
		case KRPC_M_FIND_NODE:
			r->nodes = nodes;
			r->nodes_len = encode_closest(d, ep->table_node, m->target, nodes);
			return 0;
		case KRPC_M_GET_PEERS:
			r->nodes = nodes;
			r->nodes_len = encode_closest(d, ep->table_node, m->info_hash, nodes);
			token_make(&d->tokens, requester, m->info_hash, token);
			r->token = token;
			r->token_len = TOKEN_LEN;
			key = key_index(d, m->info_hash, 0);
			if (s != NULL && key >= 0)
			{
				r->values = values;
				r->nvalues = collect_values(s, (uint32_t) key, now_s, values,
											KRPC_MAX_VALUES);
				if (r->nvalues > 0)
					note_values_sent(d, (uint32_t) key);
			}
			return 0;
		case KRPC_M_ANNOUNCE_PEER:
			return take_announce(d, ep, m, from, requester, now_s);
		case KRPC_M_SAMPLE_INFOHASHES:
			if (s == NULL || !d->w->node_bep51[ep->node])
				return KRPC_E_METHOD;
			r->nodes = nodes;
			r->nodes_len = encode_closest(d, ep->table_node, m->target, nodes);
			r->with_samples = 1;
			r->samples = samples;
			r->nsamples = collect_samples(d, s, now_s, samples, &r->num);
			r->interval = d->cfg.sample_interval;
			return 0;
		default:
			return KRPC_E_METHOD;
	}
}

/* A garbage node's reply: random bytes, or a valid reply cut short */
static size_t
garble(struct dhtnet *d, uint8_t *buf, size_t len)
{
	uint64_t	r = splitmix64_next(&d->rng);
	size_t		i;

	d->stats.garbage++;
	if ((r & 1) && len > 2)
		return 1 + (size_t) ((r >> 8) % (len - 1));
	len = 1 + (size_t) ((r >> 8) % 200);
	for (i = 0; i < len; i++)
		buf[i] = (uint8_t) splitmix64_next(&d->rng);
	return len;
}

static void
answer_query(struct dhtnet *d, const struct endpoint *ep,
			 const struct krpc_msg *m, const struct sockaddr_in *from,
			 uint32_t now_s)
{
	uint8_t		nodes[SIMTABLE_K * KRPC_NODE4_LEN];
	uint8_t		token[TOKEN_LEN];
	uint8_t		samples[MAX_SAMPLES * 20];
	struct netaddr values[KRPC_MAX_VALUES];
	struct netaddr requester;
	struct krpc_response r;
	size_t		slot,
				len = 0;
	uint8_t    *buf;
	int			err;

	if (ep->node >= 0 && d->w->node_behaviour[ep->node] == NODE_SILENT)
	{
		d->stats.silent++;
		return;
	}
	to_netaddr(ntohl(from->sin_addr.s_addr), ntohs(from->sin_port), &requester);
	if (m->id != NULL)
		node_learns(d, ep->table_node,
					note_external(d, m->id, ntohl(from->sin_addr.s_addr),
								  ntohs(from->sin_port), now_s));
	memset(&r, 0, sizeof(r));
	r.tid = m->tid;
	r.tid_len = m->tid_len;
	r.id = ep->id;
	r.requester = &requester;
	r.version = sim_version;
	r.version_len = sizeof(sim_version);
	err = fill_answer(d, ep, m, from, &requester, now_s, &r, nodes, values,
					  token, samples);
	buf = dhtnet_out_slot(d, ep->ip, from, &slot);
	if (err != 0)
		err = krpc_build_error(buf, LOOPUDP_DGRAM_MAX, m->tid, m->tid_len, err,
							   err == KRPC_E_METHOD ? "Method Unknown" : "Bad token",
							   &requester, &len);
	else
		err = krpc_build_response(buf, LOOPUDP_DGRAM_MAX, &r, &len, NULL, NULL);
	if (err != 0)
		len = 0;
	else if (ep->node >= 0 && d->w->node_behaviour[ep->node] == NODE_GARBAGE)
		len = garble(d, buf, len);
	else
		d->stats.answered++;
	loopudp_set_len(&d->out, slot, len);
}

static void
handle_datagram(struct dhtnet *d, size_t i, uint32_t now_s)
{
	struct endpoint ep;
	struct krpc_msg m;
	uint32_t	local = loopudp_local_addr(&d->in, i);

	if (dhtnet_endpoint_of(d, local, &ep) != 0)
	{
		d->stats.not_ours++;
		return;
	}
	if (krpc_parse(d->in.data[i], d->in.len[i], &m) != 0)
	{
		d->stats.malformed++;
		return;
	}
	if (m.type == 'q')
	{
		if (ep.node >= 0 &&
			++d->node_queries[ep.node] > d->stats.busiest_node_queries)
			d->stats.busiest_node_queries = d->node_queries[ep.node];
		d->stats.queries++;
		d->stats.by_method[m.method < 8 ? m.method : 0]++;
		answer_query(d, &ep, &m, &d->in.peer[i], now_s);
	}
	else
		dhtclient_on_response(d, &m, &d->in.peer[i], local);
}

void
dhtnet_on_readable(struct dhtnet *d, uint64_t now_ms)
{
	uint32_t	now_s = dhtnet_now_s(d, now_ms);
	int			rounds;

	/* a bounded number of batches per call, so the loop stays fair */
	for (rounds = 0; rounds < 64; rounds++)
	{
		int			n = loopudp_recv(d->fd, &d->in);
		int			i;

		if (n <= 0)
			break;
		for (i = 0; i < n; i++)
			handle_datagram(d, (size_t) i, now_s);
	}
	if (d->out.n > 0)
		(void) loopudp_send(d->fd, &d->out);
}

/* ------------------------------------------------------------------------
 * Life cycle
 * ------------------------------------------------------------------------
 */

struct dhtnet *
dhtnet_create(const struct world *w, const struct dhtnet_config *cfg,
			  uint64_t now_ms)
{
	struct dhtnet *d = calloc(1, sizeof(*d));

	if (d == NULL)
		return NULL;
	d->w = w;
	d->cfg = *cfg;
	d->fd = -1;
	d->rng = cfg->seed ^ 0x444854ULL;
	d->start_ms = now_ms;
	d->last_tick_ms = now_ms;
	token_init(&d->tokens, now_ms);
	d->stores = calloc(w->cfg.nnodes, sizeof(struct node_store));
	d->node_ext = calloc(w->cfg.nnodes, sizeof(*d->node_ext));
	d->node_queries = calloc(w->cfg.nnodes, sizeof(uint32_t));
	d->key_served = calloc(w->nkeys, 1);
	if (d->key_served == NULL || d->stores == NULL || d->node_ext == NULL || d->node_queries == NULL ||
		simtable_build(&d->table, (const uint8_t (*)[20]) w->node_id,
					   w->cfg.nnodes, cfg->seed) != 0 ||
		place_announces(d) != 0)
	{
		fprintf(stderr, "sim: out of memory building the DHT\n");
		dhtnet_destroy(d);
		return NULL;
	}
	d->fd = loopudp_open(0, cfg->port, SOCKET_BUFFER);
	if (d->fd < 0)
	{
		perror("sim: UDP socket");
		dhtnet_destroy(d);
		return NULL;
	}
	return d;
}

void
dhtnet_destroy(struct dhtnet *d)
{
	uint32_t	i;

	if (d == NULL)
		return;
	if (d->fd >= 0)
		close(d->fd);
	if (d->stores != NULL)
		for (i = 0; i < d->w->cfg.nnodes; i++)
			free(d->stores[i].e);
	free(d->stores);
	free(d->node_ext);
	free(d->node_queries);
	free(d->key_served);
	simtable_free(&d->table);
	free(d);
}

int
dhtnet_fd(const struct dhtnet *d)
{
	return d->fd;
}

/* Drop external announces past their lifetime */
static void
expire_stores(struct dhtnet *d, uint32_t now_s)
{
	uint32_t	i;

	for (i = 0; i < d->w->cfg.nnodes; i++)
	{
		struct node_store *s = &d->stores[i];
		uint32_t	j = 0;

		if (s->external == 0)
			continue;
		while (j < s->n)
		{
			if (s->e[j].expires_s <= now_s)
			{
				s->e[j] = s->e[--s->n];
				s->external--;
			}
			else
				j++;
		}
	}
}

void
dhtnet_tick(struct dhtnet *d, uint64_t now_ms)
{
	uint32_t	now_s = dhtnet_now_s(d, now_ms);

	if (now_s / 60 != dhtnet_now_s(d, d->last_tick_ms) / 60)
		expire_stores(d, now_s);
	(void) token_rotate_if_due(&d->tokens, now_ms);
	dhtclient_tick(d, now_ms);
	d->last_tick_ms = now_ms;
	if (d->out.n > 0)
		(void) loopudp_send(d->fd, &d->out);
}

const struct dhtnet_stats *
dhtnet_stats(const struct dhtnet *d)
{
	return &d->stats;
}

void
dhtnet_write_entries(const struct dhtnet *d, FILE *f, uint32_t n)
{
	uint32_t	i,
				written = 0;

	for (i = 0; i < d->w->cfg.nnodes && written < n; i++)
	{
		uint32_t	a = world_node_addr(d->w, i);

		if (d->w->node_behaviour[i] != NODE_HONEST)
			continue;
		fprintf(f, "%s%u.%u.%u.%u:%u", written ? "," : "", a >> 24,
				(a >> 16) & 255, (a >> 8) & 255, a & 255, d->cfg.port);
		written++;
	}
}
