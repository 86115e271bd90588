/*
 * peerstore.c
 *		Announced peers per info hash, bounded, with exact oldest-first
 *		eviction and incremental expiry.
 *
 * Owns the table declared in peerstore.h; see there for the contract.
 *
 * Implementation: entries live densely in entries[0..n) (removing one moves
 * the last into the hole), so a random position is always an entry and
 * sampling needs no search for occupied slots.  A doubly linked list over
 * slot numbers keeps entries in order of their last announce: oldest at
 * the head (the eviction and expiry end), newest at the tail (an announce
 * moves its entry there).  The index (hashindex.h) maps a hash to its
 * slot; removing an entry unindexes it and repoints the moved last entry.
 */
#include "peerstore.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "hashindex.h"

/* "No slot": the end of the announce-order list. */
#define PS_NONE			UINT32_MAX

_Static_assert(PEERSTORE_MAX_HASHES <= HASHINDEX_MAX_SLOTS,
			   "every table size must be indexable");

/* One announced peer and when it last announced. */
struct ps_peer
{
	uint64_t	announced_ms;
	struct netaddr addr;		/* unused address bytes are zero */
};

/* One info hash. */
struct ps_entry
{
	uint64_t	last_ms;		/* newest announce of any of its peers */
	uint32_t	older;			/* announce-order list neighbours (slots) */
	uint32_t	newer;
	uint8_t		hash[20];
	uint8_t		npeers;
	struct ps_peer peers[PEERSTORE_PEERS_PER_HASH];
};

struct peerstore
{
	struct ps_entry *entries;	/* [0, n) in use, dense */
	void	   *buckets;		/* hashindex_memsize(cap) bytes */
	struct hashindex index;		/* hash -> slot in entries */
	size_t		cap;
	size_t		n;
	uint32_t	oldest;			/* list head: oldest last announce */
	uint32_t	newest;			/* list tail */
	struct peerstore_stats stats;	/* hashes is filled in by _stats() */
	size_t		memory;
};

/* ---------------------------------------------------------------------- */
/* Helpers: time */

static bool
ps_alive(uint64_t announced_ms, uint64_t now_ms)
{
	/* An announce "from the future" (clock stepped back) counts as live. */
	return now_ms < announced_ms || now_ms - announced_ms < PEERSTORE_TTL_MS;
}

/* ---------------------------------------------------------------------- */
/* Helpers: the announce-order list, removal, insertion */

static void
ps_unlink(struct peerstore *ps, uint32_t slot)
{
	struct ps_entry *e = &ps->entries[slot];

	if (e->older != PS_NONE)
		ps->entries[e->older].newer = e->newer;
	else
		ps->oldest = e->newer;
	if (e->newer != PS_NONE)
		ps->entries[e->newer].older = e->older;
	else
		ps->newest = e->older;
}

static void
ps_append(struct peerstore *ps, uint32_t slot)
{
	struct ps_entry *e = &ps->entries[slot];

	e->older = ps->newest;
	e->newer = PS_NONE;
	if (ps->newest != PS_NONE)
		ps->entries[ps->newest].newer = slot;
	else
		ps->oldest = slot;
	ps->newest = slot;
}

/*
 * Remove the entry in slot; the last entry moves into its place, and its
 * bucket and list neighbours are repointed.
 */
static void
ps_remove(struct peerstore *ps, uint32_t slot)
{
	uint32_t	last = (uint32_t) (ps->n - 1);

	ps_unlink(ps, slot);
	hashindex_remove(&ps->index, slot);
	if (slot != last)
	{
		struct ps_entry *moved = &ps->entries[slot];

		hashindex_move(&ps->index, last, slot);
		*moved = ps->entries[last];
		if (moved->older != PS_NONE)
			ps->entries[moved->older].newer = slot;
		else
			ps->oldest = slot;
		if (moved->newer != PS_NONE)
			ps->entries[moved->newer].older = slot;
		else
			ps->newest = slot;
	}
	ps->n--;
}

/*
 * A new, empty entry for hash at the newest end; a full table first loses
 * its oldest entry (counted as expired or evicted).  Returns the slot.
 */
static uint32_t
ps_insert(struct peerstore *ps, const uint8_t hash[20], uint32_t tag,
		  uint64_t now_ms)
{
	struct ps_entry *e;
	uint32_t	slot;

	if (ps->n == ps->cap)
	{
		if (ps_alive(ps->entries[ps->oldest].last_ms, now_ms))
			ps->stats.evicted_hashes++;
		else
			ps->stats.expired++;
		ps_remove(ps, ps->oldest);
	}
	slot = (uint32_t) ps->n++;
	e = &ps->entries[slot];
	memset(e, 0, sizeof(*e));
	memcpy(e->hash, hash, 20);
	e->last_ms = now_ms;
	hashindex_insert(&ps->index, tag, slot);
	ps_append(ps, slot);
	return slot;
}

/*
 * Refresh peer in e, or add it; a full list reuses the slot of its oldest
 * peer (the first such), counting the loss when that peer was still live.
 */
static void
ps_put_peer(struct peerstore *ps, struct ps_entry *e,
			const struct netaddr *peer, uint64_t now_ms)
{
	struct netaddr clean;
	size_t		i;

	memset(&clean, 0, sizeof(clean));
	clean.family = peer->family;
	memcpy(clean.ip, peer->ip, netaddr_iplen(peer));
	clean.port = peer->port;
	for (i = 0; i < e->npeers; i++)
	{
		if (netaddr_equal(&e->peers[i].addr, &clean))
		{
			e->peers[i].announced_ms = now_ms;
			return;
		}
	}
	if (e->npeers < PEERSTORE_PEERS_PER_HASH)
		i = e->npeers++;
	else
	{
		size_t		k;

		i = 0;
		for (k = 1; k < e->npeers; k++)
			if (e->peers[k].announced_ms < e->peers[i].announced_ms)
				i = k;
		if (ps_alive(e->peers[i].announced_ms, now_ms))
			ps->stats.evicted_peers++;
	}
	e->peers[i].addr = clean;
	e->peers[i].announced_ms = now_ms;
}

static size_t
ps_gcd(size_t a, size_t b)
{
	while (b != 0)
	{
		size_t		r = a % b;

		a = b;
		b = r;
	}
	return a;
}

/* ---------------------------------------------------------------------- */
/* Public functions */

struct peerstore *
peerstore_create(size_t max_hashes, uint64_t seed)
{
	struct peerstore *ps;
	size_t		index_bytes;

	if (max_hashes == 0 || max_hashes > PEERSTORE_MAX_HASHES)
		return NULL;
	index_bytes = hashindex_memsize(max_hashes);
	ps = calloc(1, sizeof(*ps));
	if (ps == NULL)
		return NULL;
	ps->entries = calloc(max_hashes, sizeof(*ps->entries));
	ps->buckets = malloc(index_bytes);
	if (ps->entries == NULL || ps->buckets == NULL)
	{
		peerstore_destroy(ps);
		return NULL;
	}
	hashindex_init(&ps->index, ps->buckets, max_hashes, ps->entries,
				   sizeof(*ps->entries), offsetof(struct ps_entry, hash),
				   seed);
	ps->cap = max_hashes;
	ps->oldest = ps->newest = PS_NONE;
	ps->memory = sizeof(*ps) + max_hashes * sizeof(*ps->entries) +
		index_bytes;
	return ps;
}

void
peerstore_destroy(struct peerstore *ps)
{
	if (ps == NULL)
		return;
	free(ps->entries);
	free(ps->buckets);
	free(ps);
}

int
peerstore_announce(struct peerstore *ps, const uint8_t hash[20],
				   const struct netaddr *peer, uint64_t now_ms)
{
	uint32_t	tag;
	uint32_t	slot;
	struct ps_entry *e;

	if (peer->family != AF_INET && peer->family != AF_INET6)
		return PEERSTORE_ERR_FAMILY;
	tag = hashindex_tag(&ps->index, hash);
	slot = hashindex_find(&ps->index, hash, tag);
	if (slot == HASHINDEX_NONE)
		slot = ps_insert(ps, hash, tag, now_ms);
	else if (slot != ps->newest)
	{
		ps_unlink(ps, slot);
		ps_append(ps, slot);
	}
	e = &ps->entries[slot];
	ps_put_peer(ps, e, peer, now_ms);
	if (now_ms > e->last_ms)
		e->last_ms = now_ms;
	ps->stats.announces++;
	return PEERSTORE_OK;
}

size_t
peerstore_get(const struct peerstore *ps, const uint8_t hash[20],
			  int family, uint64_t now_ms, struct netaddr *out, size_t max)
{
	const struct ps_entry *e;
	uint32_t	slot = hashindex_find(&ps->index, hash,
									  hashindex_tag(&ps->index, hash));
	size_t		i,
				n = 0;

	if (slot == HASHINDEX_NONE)
		return 0;
	e = &ps->entries[slot];
	for (i = 0; i < e->npeers && n < max; i++)
	{
		if (e->peers[i].addr.family == family &&
			ps_alive(e->peers[i].announced_ms, now_ms))
			out[n++] = e->peers[i].addr;
	}
	return n;
}

size_t
peerstore_sample(const struct peerstore *ps, uint64_t now_ms, uint64_t rnd,
				 uint8_t (*out)[20], size_t max)
{
	size_t		n = ps->n;
	size_t		pos,
				step,
				limit,
				k,
				got = 0;

	if (n == 0 || max == 0)
		return 0;
	/*
	 * Visiting pos, pos + step, ... (mod n) with gcd(step, n) = 1 meets
	 * every position once before repeating: distinct entries, so distinct
	 * hashes.
	 */
	pos = (size_t) (rnd % n);
	step = (size_t) ((rnd >> 32) % n);
	if (step == 0)
		step = 1;
	while (ps_gcd(step, n) != 1)
		step++;
	limit = n;
	if (max <= n / PEERSTORE_SAMPLE_SCAN_FACTOR)
		limit = max * PEERSTORE_SAMPLE_SCAN_FACTOR;
	for (k = 0; k < limit && got < max; k++)
	{
		if (ps_alive(ps->entries[pos].last_ms, now_ms))
			memcpy(out[got++], ps->entries[pos].hash, 20);
		pos += step;
		if (pos >= n)
			pos -= n;
	}
	return got;
}

size_t
peerstore_count(const struct peerstore *ps, uint64_t now_ms)
{
	uint32_t	slot = ps->oldest;
	size_t		expired = 0;

	while (slot != PS_NONE && expired < PEERSTORE_COUNT_SCAN &&
		   !ps_alive(ps->entries[slot].last_ms, now_ms))
	{
		expired++;
		slot = ps->entries[slot].newer;
	}
	return ps->n - expired;
}

void
peerstore_expire(struct peerstore *ps, uint64_t now_ms, size_t budget)
{
	while (budget-- > 0 && ps->oldest != PS_NONE &&
		   !ps_alive(ps->entries[ps->oldest].last_ms, now_ms))
	{
		ps_remove(ps, ps->oldest);
		ps->stats.expired++;
	}
}

void
peerstore_stats(const struct peerstore *ps, struct peerstore_stats *out)
{
	*out = ps->stats;
	out->hashes = ps->n;
}

size_t
peerstore_memory(const struct peerstore *ps)
{
	return ps->memory;
}

const char *
peerstore_strerror(int err)
{
	switch (err)
	{
		case PEERSTORE_OK:
			return "success";
		case PEERSTORE_ERR_FAMILY:
			return "peer address family is neither IPv4 nor IPv6";
	}
	return "unknown peerstore error";
}
