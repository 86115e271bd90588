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
 * stale once it falls below that window.  The index is open addressing with
 * linear probing at load <= 1/2; a bucket holds a slot number and a 32-bit
 * tag of the keyed hash, whose low bits are also the home bucket, so a
 * deletion shifts the following buckets back (no tombstones) from the
 * buckets alone, and a probe reads an entry only when the tags agree.  The
 * queue is a ring of 64-bit hash numbers.
 */
#include "candidates.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* An empty bucket. */
#define CD_NONE			UINT32_MAX

/* An index bucket; slot CD_NONE means empty. */
struct cd_bucket
{
	uint32_t	slot;
	uint32_t	tag;			/* keyed hash of the key; low bits: home */
};

struct candidates
{
	struct candidate *ring;		/* cap entries; hash number k in k % cap */
	struct cd_bucket *index;	/* nbuckets, a power of two >= 2 x cap */
	uint64_t   *queue;			/* qcap hash numbers, FIFO from qhead */
	size_t		cap;
	size_t		qcap;
	size_t		qhead;
	size_t		qlen;
	size_t		mask;			/* nbuckets - 1 */
	uint64_t	next;			/* number of the next new hash */
	uint8_t		key[crypto_shorthash_KEYBYTES];
	struct candidates_stats stats;	/* tracked, queued filled by _stats() */
	size_t		memory;
};

/* ---------------------------------------------------------------------- */
/* Helpers: keys and the index */

static uint64_t
cd_splitmix(uint64_t *state)
{
	uint64_t	z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint32_t
cd_tag(const struct candidates *c, const uint8_t hash[20])
{
	uint8_t		out[crypto_shorthash_BYTES];
	uint32_t	tag;

	crypto_shorthash(out, hash, 20, c->key);
	memcpy(&tag, out, sizeof(tag));
	return tag;
}

/* Bucket holding hash, or SIZE_MAX. */
static size_t
cd_lookup(const struct candidates *c, const uint8_t hash[20], uint32_t tag)
{
	size_t		i = tag & c->mask;

	for (;;)
	{
		const struct cd_bucket *b = &c->index[i];

		if (b->slot == CD_NONE)
			return SIZE_MAX;
		if (b->tag == tag && memcmp(c->ring[b->slot].hash, hash, 20) == 0)
			return i;
		i = (i + 1) & c->mask;
	}
}

/* Bucket pointing at slot (whose key has this tag), or SIZE_MAX. */
static size_t
cd_bucket_of(const struct candidates *c, uint32_t tag, uint32_t slot)
{
	size_t		i = tag & c->mask;

	while (c->index[i].slot != CD_NONE)
	{
		if (c->index[i].slot == slot)
			return i;
		i = (i + 1) & c->mask;
	}
	return SIZE_MAX;
}

static void
cd_index_insert(struct candidates *c, uint32_t tag, uint32_t slot)
{
	size_t		i = tag & c->mask;

	while (c->index[i].slot != CD_NONE)
		i = (i + 1) & c->mask;
	c->index[i].slot = slot;
	c->index[i].tag = tag;
}

/*
 * Empty bucket i, then shift back every following bucket of the cluster
 * whose home does not lie cyclically in (i, j], so lookups never meet a
 * gap before their key.
 */
static void
cd_index_delete(struct candidates *c, size_t i)
{
	size_t		j = i;

	for (;;)
	{
		size_t		home;

		j = (j + 1) & c->mask;
		if (c->index[j].slot == CD_NONE)
			break;
		home = c->index[j].tag & c->mask;
		if (((j - home) & c->mask) >= ((j - i) & c->mask))
		{
			c->index[i] = c->index[j];
			i = j;
		}
	}
	c->index[i].slot = CD_NONE;
}

/* ---------------------------------------------------------------------- */
/* Helpers: entries */

static size_t
cd_tracked(const struct candidates *c)
{
	return c->next < c->cap ? (size_t) c->next : c->cap;
}

/* Append peer to e unless present; a full list or a bad family drops it. */
static void
cd_add_peer(struct candidates *c, struct candidate *e,
			const struct netaddr *peer)
{
	struct netaddr clean;
	size_t		i;

	if (peer == NULL)
		return;
	if (peer->family != AF_INET && peer->family != AF_INET6)
	{
		c->stats.peers_dropped++;
		return;
	}
	memset(&clean, 0, sizeof(clean));
	clean.family = peer->family;
	memcpy(clean.ip, peer->ip, netaddr_iplen(peer));
	clean.port = peer->port;
	for (i = 0; i < e->npeers; i++)
		if (netaddr_equal(&e->peers[i], &clean))
			return;
	if (e->npeers >= CANDIDATE_MAX_PEERS)
	{
		c->stats.peers_dropped++;
		return;
	}
	e->peers[e->npeers++] = clean;
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
		size_t		b = cd_bucket_of(c, cd_tag(c, e->hash), slot);

		if (b != SIZE_MAX)
			cd_index_delete(c, b);
		c->stats.evicted++;
	}
	memset(e, 0, sizeof(*e));
	memcpy(e->hash, hash, 20);
	e->sources = (uint8_t) source;
	e->seen = 1;
	e->first_seen_ms = now_ms;
	e->last_seen_ms = now_ms;
	cd_index_insert(c, tag, slot);
	return e;
}

/* ---------------------------------------------------------------------- */
/* Public functions */

struct candidates *
candidates_create(size_t max_hashes, size_t queue_cap, uint64_t seed)
{
	struct candidates *c;
	size_t		nbuckets = 1;
	uint64_t	k[2];

	if (max_hashes == 0 || max_hashes > CANDIDATES_MAX_CAP ||
		queue_cap == 0 || queue_cap > CANDIDATES_MAX_CAP)
		return NULL;
	while (nbuckets < 2 * max_hashes)
		nbuckets <<= 1;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	c->ring = calloc(max_hashes, sizeof(*c->ring));
	c->index = malloc(nbuckets * sizeof(*c->index));
	c->queue = calloc(queue_cap, sizeof(*c->queue));
	if (c->ring == NULL || c->index == NULL || c->queue == NULL)
	{
		candidates_destroy(c);
		return NULL;
	}
	memset(c->index, 0xff, nbuckets * sizeof(*c->index));
	c->cap = max_hashes;
	c->qcap = queue_cap;
	c->mask = nbuckets - 1;
	k[0] = cd_splitmix(&seed);
	k[1] = cd_splitmix(&seed);
	memcpy(c->key, k, sizeof(c->key));
	c->memory = sizeof(*c) + max_hashes * sizeof(*c->ring) +
		nbuckets * sizeof(*c->index) + queue_cap * sizeof(*c->queue);
	return c;
}

void
candidates_destroy(struct candidates *c)
{
	if (c == NULL)
		return;
	free(c->ring);
	free(c->index);
	free(c->queue);
	free(c);
}

int
candidates_note(struct candidates *c, const uint8_t hash[20],
				const struct netaddr *peer, unsigned source, uint64_t now_ms)
{
	uint32_t	tag = cd_tag(c, hash);
	size_t		b = cd_lookup(c, hash, tag);
	struct candidate *e;

	c->stats.sightings++;
	if (b != SIZE_MAX)
	{
		e = &c->ring[c->index[b].slot];
		if (e->seen < UINT32_MAX)
			e->seen++;
		e->sources |= (uint8_t) source;
		if (now_ms > e->last_seen_ms)
			e->last_seen_ms = now_ms;
		cd_add_peer(c, e, peer);
		return 0;
	}
	e = cd_insert(c, hash, tag, source, now_ms);
	cd_add_peer(c, e, peer);
	if (c->qlen < c->qcap)
	{
		c->queue[(c->qhead + c->qlen) % c->qcap] = c->next;
		c->qlen++;
	}
	else
		c->stats.queue_dropped++;
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
			*out = c->ring[k % c->cap];
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
	size_t		b = cd_lookup(c, hash, cd_tag(c, hash));

	if (b == SIZE_MAX)
		return 0;
	*out = c->ring[c->index[b].slot];
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
