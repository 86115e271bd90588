/*
 * candidates.c
 *		The capped set of seen info hashes and the resolver's FIFO queue.
 *
 * Owns the set and queue declared in candidates.h; see there for the
 * contract.
 *
 * Implementation: the set is a ring of struct candidate; new hash number k
 * (0, 1, 2, ... over the set's life) goes to slot k mod cap, so the live
 * entries are exactly numbers [next - tracked, next) and a queued number is
 * stale once it falls below that window.  The index (hashindex.h) maps a
 * hash to its ring slot; an evicted entry is unindexed before its slot is
 * reused.  The queue is a ring of 64-bit hash numbers.
 */
#include "candidates.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "hashindex.h"

_Static_assert(CANDIDATES_MAX_CAP <= HASHINDEX_MAX_SLOTS,
			   "every set size must be indexable");

struct candidates
{
	struct candidate *ring;		/* cap entries; hash number k in k % cap */
	void	   *buckets;		/* hashindex_memsize(cap) bytes */
	struct hashindex index;		/* hash -> slot in ring */
	uint64_t   *queue;			/* qcap hash numbers, FIFO from qhead */
	size_t		cap;
	size_t		qcap;
	size_t		qhead;
	size_t		qlen;
	uint64_t	next;			/* number of the next new hash */
	struct candidates_stats stats;	/* tracked, queued filled by _stats() */
	size_t		memory;
};

/* ---------------------------------------------------------------------- */
/* Helpers: entries */

static size_t
cd_tracked(const struct candidates *c)
{
	return c->next < c->cap ? (size_t) c->next : c->cap;
}

/*
 * Append peer to e unless present; a full list or a bad family drops it.
 * Returns 1 if the peer was added.
 */
static int
cd_add_peer(struct candidates *c, struct candidate *e,
			const struct netaddr *peer)
{
	struct netaddr clean;
	size_t		i;

	if (peer == NULL)
		return 0;
	if (peer->family != AF_INET && peer->family != AF_INET6)
	{
		c->stats.peers_dropped++;
		return 0;
	}
	memset(&clean, 0, sizeof(clean));
	clean.family = peer->family;
	memcpy(clean.ip, peer->ip, netaddr_iplen(peer));
	clean.port = peer->port;
	for (i = 0; i < e->npeers; i++)
		if (netaddr_equal(&e->peers[i], &clean))
			return 0;
	if (e->npeers >= CANDIDATE_MAX_PEERS)
	{
		c->stats.peers_dropped++;
		return 0;
	}
	e->peers[e->npeers++] = clean;
	return 1;
}

/* The hash number of the live entry in ring slot slot. */
static uint64_t
cd_number(const struct candidates *c, uint32_t slot)
{
	uint64_t	first = c->next - cd_tracked(c);
	uint64_t	k = first - first % c->cap + slot;

	return k < first ? k + c->cap : k;
}

/* Append hash number k to the queue, or count the drop. */
static void
cd_enqueue(struct candidates *c, uint64_t k)
{
	if (c->qlen < c->qcap)
	{
		struct candidate *e = &c->ring[k % c->cap];

		c->queue[(c->qhead + c->qlen) % c->qcap] = k;
		c->qlen++;
		if (e->queued < UINT16_MAX)
			e->queued++;
	}
	else
		c->stats.queue_dropped++;
}

/*
 * Put a new hash in the next ring slot, evicting its previous occupant
 * when the set is full; returns the entry (sighting fields initialised).
 */
static struct candidate *
cd_insert(struct candidates *c, const uint8_t hash[20], uint32_t tag,
		  unsigned source, uint64_t now_ms)
{
	uint32_t	slot = (uint32_t) (c->next % c->cap);
	struct candidate *e = &c->ring[slot];

	if (c->next >= c->cap)
	{
		hashindex_remove(&c->index, slot);
		c->stats.evicted++;
	}
	memset(e, 0, sizeof(*e));
	memcpy(e->hash, hash, 20);
	e->sources = (uint8_t) source;
	e->seen = 1;
	e->first_seen_ms = now_ms;
	e->last_seen_ms = now_ms;
	hashindex_insert(&c->index, tag, slot);
	return e;
}

/* ---------------------------------------------------------------------- */
/* Public functions */

struct candidates *
candidates_create(size_t max_hashes, size_t queue_cap, uint64_t seed)
{
	struct candidates *c;
	size_t		index_bytes;

	if (max_hashes == 0 || max_hashes > CANDIDATES_MAX_CAP ||
		queue_cap == 0 || queue_cap > CANDIDATES_MAX_CAP)
		return NULL;
	index_bytes = hashindex_memsize(max_hashes);
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	c->ring = calloc(max_hashes, sizeof(*c->ring));
	c->buckets = malloc(index_bytes);
	c->queue = calloc(queue_cap, sizeof(*c->queue));
	if (c->ring == NULL || c->buckets == NULL || c->queue == NULL)
	{
		candidates_destroy(c);
		return NULL;
	}
	hashindex_init(&c->index, c->buckets, max_hashes, c->ring,
				   sizeof(*c->ring), offsetof(struct candidate, hash), seed);
	c->cap = max_hashes;
	c->qcap = queue_cap;
	c->memory = sizeof(*c) + max_hashes * sizeof(*c->ring) +
		index_bytes + queue_cap * sizeof(*c->queue);
	return c;
}

void
candidates_destroy(struct candidates *c)
{
	if (c == NULL)
		return;
	free(c->ring);
	free(c->buckets);
	free(c->queue);
	free(c);
}

int
candidates_note(struct candidates *c, const uint8_t hash[20],
				const struct netaddr *peer, unsigned source, uint64_t now_ms)
{
	uint32_t	tag = hashindex_tag(&c->index, hash);
	uint32_t	slot = hashindex_find(&c->index, hash, tag);
	struct candidate *e;

	c->stats.sightings++;
	if (slot != HASHINDEX_NONE)
	{
		e = &c->ring[slot];
		if (e->seen < UINT32_MAX)
			e->seen++;
		e->sources |= (uint8_t) source;
		if (now_ms > e->last_seen_ms)
			e->last_seen_ms = now_ms;
		/*
		 * A new peer is news for the resolver: queue the hash again.  So is
		 * a peer our own lookup found, even one seen before: the resolver
		 * asked for that lookup (it may have forgotten the hash and its
		 * peers since), so the answer must reach it; once in the queue is
		 * enough.
		 */
		if (cd_add_peer(c, e, peer) ||
			((source & CANDIDATE_LOOKUP) && peer != NULL && e->queued == 0))
			cd_enqueue(c, cd_number(c, slot));
		return 0;
	}
	e = cd_insert(c, hash, tag, source, now_ms);
	cd_add_peer(c, e, peer);
	cd_enqueue(c, c->next);
	c->next++;
	c->stats.unique++;
	return 1;
}

int
candidates_pop(struct candidates *c, struct candidate *out)
{
	uint64_t	first_live = c->next - cd_tracked(c);

	while (c->qlen > 0)
	{
		uint64_t	k = c->queue[c->qhead];

		c->qhead = (c->qhead + 1) % c->qcap;
		c->qlen--;
		if (k >= first_live)
		{
			struct candidate *e = &c->ring[k % c->cap];

			if (e->queued > 0)
				e->queued--;
			*out = *e;
			return 1;
		}
		c->stats.queue_skipped++;
	}
	return 0;
}

int
candidates_get(const struct candidates *c, const uint8_t hash[20],
			   struct candidate *out)
{
	uint32_t	slot = hashindex_find(&c->index, hash,
									  hashindex_tag(&c->index, hash));

	if (slot == HASHINDEX_NONE)
		return 0;
	*out = c->ring[slot];
	return 1;
}

size_t
candidates_recent(const struct candidates *c, size_t max,
				  struct candidate *out)
{
	size_t		n = cd_tracked(c);
	size_t		i;

	if (max < n)
		n = max;
	for (i = 0; i < n; i++)
		out[i] = c->ring[(c->next - 1 - i) % c->cap];
	return n;
}

void
candidates_stats(const struct candidates *c, struct candidates_stats *out)
{
	*out = c->stats;
	out->tracked = cd_tracked(c);
	out->queued = c->qlen;
}

size_t
candidates_memory(const struct candidates *c)
{
	return c->memory;
}
