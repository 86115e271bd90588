/*
 * swarm_lookup.c
 *		Iterative get_peers lookups ("find peers for this hash").
 *
 * A lookup keeps the SWARM_LOOKUP_WIDTH closest nodes it has heard of,
 * closest first, seeded from the routing table; it keeps up to
 * SWARM_LOOKUP_ALPHA queries in flight to the closest not yet asked, adds
 * the nodes each reply lists, and records every peer in the reply's
 * values as a candidate peer.  It ends when no unasked node is left and
 * nothing is in flight, or after LOOKUP_MAX_MS.  A lookup slot id carries a
 * generation byte so that a late reply to a reused slot is ignored.
 */
#include <string.h>
#include <sys/socket.h>

#include "nodeid.h"
#include "swarm_int.h"

/* A lookup never runs longer than this. */
#define LOOKUP_MAX_MS 30000

static uint32_t
lookup_ref(const struct swarm *sw, const struct swarm_lookup *l)
{
	return (uint32_t) (l - sw->lookups) | ((uint32_t) l->generation << 8);
}

static struct swarm_lookup *
lookup_deref(struct swarm *sw, uint32_t ref)
{
	uint32_t	slot = ref & 0xff;
	struct swarm_lookup *l;

	if (slot >= SWARM_MAX_LOOKUPS)
		return NULL;
	l = &sw->lookups[slot];
	if (!l->active || l->generation != (uint8_t) (ref >> 8))
		return NULL;
	return l;
}

/* Insert a node in distance order, keeping the closest WIDTH; no dups. */
static void
lookup_add(struct swarm_lookup *l, const uint8_t id[20], const struct netaddr *addr)
{
	size_t		pos,
				i;

	for (i = 0; i < l->n; i++)
		if (netaddr_equal(&l->nodes[i].addr, addr))
			return;
	for (pos = 0; pos < l->n; pos++)
		if (nodeid_cmp_distance(l->hash, id, l->nodes[pos].id) < 0)
			break;
	if (pos == SWARM_LOOKUP_WIDTH)
		return;
	if (l->n == SWARM_LOOKUP_WIDTH)
		l->n--;
	memmove(&l->nodes[pos + 1], &l->nodes[pos], (l->n - pos) * sizeof(l->nodes[0]));
	memcpy(l->nodes[pos].id, id, 20);
	l->nodes[pos].addr = *addr;
	l->nodes[pos].state = LOOKUP_NEW;
	l->n++;
}

static struct swarm_lookup_node *
lookup_find(struct swarm_lookup *l, const struct netaddr *addr)
{
	size_t		i;

	for (i = 0; i < l->n; i++)
		if (netaddr_equal(&l->nodes[i].addr, addr))
			return &l->nodes[i];
	return NULL;
}

static void
lookup_step(struct swarm *sw, struct swarm_lookup *l, uint64_t now_ms)
{
	size_t		i,
				in_flight = 0;
	int			rc,
				deferred = 0;

	for (i = 0; i < l->n; i++)
		in_flight += l->nodes[i].state == LOOKUP_QUERIED ? 1 : 0;
	for (i = 0; i < l->n && in_flight < SWARM_LOOKUP_ALPHA; i++)
	{
		struct krpc_query q;

		if (l->nodes[i].state != LOOKUP_NEW)
			continue;
		memset(&q, 0, sizeof(q));
		q.method = KRPC_M_GET_PEERS;
		q.info_hash = l->hash;
		rc = swarm_send_query(sw, swarm_random_identity(sw, l->nodes[i].addr.family),
							  &l->nodes[i].addr, &q, lookup_ref(sw, l), now_ms);
		if (rc == SWARM_SEND_DEFERRED)
		{
			deferred = 1;		/* over the send limits now: next tick */
			break;
		}
		if (rc == 0)
		{
			l->nodes[i].state = LOOKUP_QUERIED;
			in_flight++;
		}
		else
			l->nodes[i].state = LOOKUP_FAILED;
	}
	if ((in_flight == 0 && !deferred) || now_ms - l->started_ms > LOOKUP_MAX_MS)
		l->active = 0;
}

/* Peers announced to us for hash are candidate peers too. */
static void
note_stored_peers(struct swarm *sw, const uint8_t hash[20], uint64_t now_ms)
{
	struct netaddr peers[PEERSTORE_PEERS_PER_HASH];
	int			families[2] = {AF_INET, AF_INET6};
	size_t		f,
				i,
				n;

	for (f = 0; f < 2; f++)
	{
		n = peerstore_get(sw->peers, hash, families[f], now_ms, peers,
						  PEERSTORE_PEERS_PER_HASH);
		for (i = 0; i < n; i++)
			candidates_note(sw->cand, hash, &peers[i], CANDIDATE_LOOKUP, now_ms);
	}
}

size_t
swarm_free_lookups(const struct swarm *sw)
{
	size_t		i,
				n = 0;

	for (i = 0; i < SWARM_MAX_LOOKUPS; i++)
		n += sw->lookups[i].active ? 0 : 1;
	return n;
}

int
swarm_lookup(struct swarm *sw, const uint8_t hash[20], uint64_t now_ms)
{
	struct routing_node nodes[SWARM_LOOKUP_WIDTH];
	struct swarm_lookup *l = NULL;
	size_t		i,
				n;

	for (i = 0; i < SWARM_MAX_LOOKUPS && l == NULL; i++)
		if (!sw->lookups[i].active)
			l = &sw->lookups[i];
	if (l == NULL)
		return -1;
	note_stored_peers(sw, hash, now_ms);
	l->active = 1;
	l->generation++;
	memcpy(l->hash, hash, 20);
	l->started_ms = now_ms;
	l->n = 0;
	n = routing_closest(sw->rt, hash, AF_INET, SWARM_LOOKUP_WIDTH, nodes);
	for (i = 0; i < n; i++)
		lookup_add(l, nodes[i].id, &nodes[i].addr);
	n = routing_closest(sw->rt, hash, AF_INET6, SWARM_LOOKUP_WIDTH, nodes);
	for (i = 0; i < n; i++)
		lookup_add(l, nodes[i].id, &nodes[i].addr);
	lookup_step(sw, l, now_ms);
	return 0;
}

void
swarm_lookup_reply(struct swarm *sw, uint32_t ref, const struct netaddr *from,
				   const struct krpc_msg *m, uint64_t now_ms)
{
	struct swarm_lookup *l = lookup_deref(sw, ref);
	struct swarm_lookup_node *node;
	uint8_t		id[20];
	struct netaddr addr;
	size_t		i;

	if (l == NULL)
		return;
	node = lookup_find(l, from);
	if (node != NULL)
		node->state = LOOKUP_ANSWERED;
	for (i = 0; i < m->nvalues; i++)
	{
		if (!swarm_address_allowed(sw, &m->values[i]))
			continue;
		candidates_note(sw->cand, l->hash, &m->values[i], CANDIDATE_LOOKUP, now_ms);
		sw->st.lookup_peers++;
	}
	for (i = 0; m->nodes && i < m->nodes_len / 26; i++)
	{
		krpc_node_at(m->nodes, i, AF_INET, id, &addr);
		if (swarm_address_allowed(sw, &addr) && !swarm_is_self(sw, &addr))
			lookup_add(l, id, &addr);
	}
	for (i = 0; m->nodes6 && i < m->nodes6_len / 38; i++)
	{
		krpc_node_at(m->nodes6, i, AF_INET6, id, &addr);
		if (swarm_address_allowed(sw, &addr) && !swarm_is_self(sw, &addr))
			lookup_add(l, id, &addr);
	}
	lookup_step(sw, l, now_ms);
}

void
swarm_lookup_failed(struct swarm *sw, uint32_t ref, const struct netaddr *from,
					uint64_t now_ms)
{
	struct swarm_lookup *l = lookup_deref(sw, ref);
	struct swarm_lookup_node *node;

	if (l == NULL)
		return;
	node = lookup_find(l, from);
	if (node != NULL)
		node->state = LOOKUP_FAILED;
	lookup_step(sw, l, now_ms);
}

void
swarm_lookup_step_all(struct swarm *sw, uint64_t now_ms)
{
	size_t		i;

	for (i = 0; i < SWARM_MAX_LOOKUPS; i++)
		if (sw->lookups[i].active)
			lookup_step(sw, &sw->lookups[i], now_ms);
}
