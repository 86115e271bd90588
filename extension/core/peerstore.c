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
 * moves its entry there).  The index is open addressing with linear
 * probing at load <= 1/2; a bucket holds a slot number and a 32-bit tag of
 * the keyed hash, whose low bits are also the home bucket, so a deletion
 * can shift the following buckets back (no tombstones) from the buckets
 * alone, and a probe touches an entry only when the tags agree.
 */
#include "peerstore.h"

#include <sodium.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* "No slot": an empty bucket, or the end of the announce-order list. */
#define PS_NONE			UINT32_MAX

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

/* An index bucket; slot PS_NONE means empty. */
struct ps_bucket
{
	uint32_t	slot;
	uint32_t	tag;			/* keyed hash of the key; low bits: home */
};

struct peerstore
{
	struct ps_entry *entries;	/* [0, n) in use, dense */
	struct ps_bucket *index;	/* nbuckets, a power of two >= 2 x cap */
	size_t		cap;
	size_t		n;
	size_t		mask;			/* nbuckets - 1 */
	uint32_t	oldest;			/* list head: oldest last announce */
	uint32_t	newest;			/* list tail */
	uint8_t		key[crypto_shorthash_KEYBYTES];
	struct peerstore_stats stats;	/* hashes is filled in by _stats() */
	size_t		memory;
};

/* ---------------------------------------------------------------------- */
/* Helpers: time, keys, the index */

static bool
ps_alive(uint64_t announced_ms, uint64_t now_ms)
{
	/* An announce "from the future" (clock stepped back) counts as live. */
	return now_ms < announced_ms || now_ms - announced_ms < PEERSTORE_TTL_MS;
}

static uint64_t
ps_splitmix(uint64_t *state)
{
	uint64_t	z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint32_t
ps_tag(const struct peerstore *ps, const uint8_t hash[20])
{
	uint8_t		out[crypto_shorthash_BYTES];
	uint32_t	tag;

	crypto_shorthash(out, hash, 20, ps->key);
	memcpy(&tag, out, sizeof(tag));
	return tag;
}

/* Bucket holding hash, or SIZE_MAX. */
static size_t
ps_lookup(const struct peerstore *ps, const uint8_t hash[20], uint32_t tag)
{
	size_t		i = tag & ps->mask;

	for (;;)
	{
		const struct ps_bucket *b = &ps->index[i];

		if (b->slot == PS_NONE)
			return SIZE_MAX;
		if (b->tag == tag &&
			memcmp(ps->entries[b->slot].hash, hash, 20) == 0)
			return i;
		i = (i + 1) & ps->mask;
	}
}

/* Bucket pointing at slot (whose key has this tag), or SIZE_MAX. */
static size_t
ps_bucket_of(const struct peerstore *ps, uint32_t tag, uint32_t slot)
{
	size_t		i = tag & ps->mask;

	while (ps->index[i].slot != PS_NONE)
	{
		if (ps->index[i].slot == slot)
			return i;
		i = (i + 1) & ps->mask;
	}
	return SIZE_MAX;
}

static void
ps_index_insert(struct peerstore *ps, uint32_t tag, uint32_t slot)
{
	size_t		i = tag & ps->mask;

	while (ps->index[i].slot != PS_NONE)
		i = (i + 1) & ps->mask;
	ps->index[i].slot = slot;
	ps->index[i].tag = tag;
}

/*
 * Empty bucket i, then shift back every following bucket of the cluster
 * whose home does not lie cyclically in (i, j], so lookups never meet a
 * gap before their key.
 */
static void
ps_index_delete(struct peerstore *ps, size_t i)
{
	size_t		j = i;

	for (;;)
	{
		size_t		home;

		j = (j + 1) & ps->mask;
		if (ps->index[j].slot == PS_NONE)
			break;
		home = ps->index[j].tag & ps->mask;
		if (((j - home) & ps->mask) >= ((j - i) & ps->mask))
		{
			ps->index[i] = ps->index[j];
			i = j;
		}
	}
	ps->index[i].slot = PS_NONE;
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
	size_t		b;

	ps_unlink(ps, slot);
	b = ps_bucket_of(ps, ps_tag(ps, ps->entries[slot].hash), slot);
	if (b != SIZE_MAX)
		ps_index_delete(ps, b);
	if (slot != last)
	{
		struct ps_entry *moved = &ps->entries[slot];

		b = ps_bucket_of(ps, ps_tag(ps, ps->entries[last].hash), last);
		if (b != SIZE_MAX)
			ps->index[b].slot = slot;
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
	ps_index_insert(ps, tag, slot);
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
	size_t		nbuckets = 1;
	uint64_t	k[2];

	if (max_hashes == 0 || max_hashes > PEERSTORE_MAX_HASHES)
		return NULL;
	while (nbuckets < 2 * max_hashes)
		nbuckets <<= 1;
	ps = calloc(1, sizeof(*ps));
	if (ps == NULL)
		return NULL;
	ps->entries = calloc(max_hashes, sizeof(*ps->entries));
	ps->index = malloc(nbuckets * sizeof(*ps->index));
	if (ps->entries == NULL || ps->index == NULL)
	{
		peerstore_destroy(ps);
		return NULL;
	}
	memset(ps->index, 0xff, nbuckets * sizeof(*ps->index));
	ps->cap = max_hashes;
	ps->mask = nbuckets - 1;
	ps->oldest = ps->newest = PS_NONE;
	k[0] = ps_splitmix(&seed);
	k[1] = ps_splitmix(&seed);
	memcpy(ps->key, k, sizeof(ps->key));
	ps->memory = sizeof(*ps) + max_hashes * sizeof(*ps->entries) +
		nbuckets * sizeof(*ps->index);
	return ps;
}

void
peerstore_destroy(struct peerstore *ps)
{
	if (ps == NULL)
		return;
	free(ps->entries);
	free(ps->index);
	free(ps);
}

int
peerstore_announce(struct peerstore *ps, const uint8_t hash[20],
				   const struct netaddr *peer, uint64_t now_ms)
{
	uint32_t	tag;
	uint32_t	slot;
	size_t		b;
	struct ps_entry *e;

	if (peer->family != AF_INET && peer->family != AF_INET6)
		return PEERSTORE_ERR_FAMILY;
	tag = ps_tag(ps, hash);
	b = ps_lookup(ps, hash, tag);
	if (b == SIZE_MAX)
		slot = ps_insert(ps, hash, tag, now_ms);
	else
	{
		slot = ps->index[b].slot;
		if (slot != ps->newest)
		{
			ps_unlink(ps, slot);
			ps_append(ps, slot);
		}
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
	size_t		b = ps_lookup(ps, hash, ps_tag(ps, hash));
	size_t		i,
				n = 0;

	if (b == SIZE_MAX)
		return 0;
	e = &ps->entries[ps->index[b].slot];
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
