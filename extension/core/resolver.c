/*
 * resolver.c
 *		The metadata fetch scheduler (see resolver.h).
 *
 * Queued hashes live in a fixed array of items indexed by hash
 * (hashindex).  Every item that is not being fetched sits on exactly one
 * intrusive FIFO list, by what it needs next:
 *   FETCH_PRIO / FETCH    an untried peer
 *   LOOKUP_PRIO / LOOKUP  no untried peer left: a DHT lookup
 *   (resolve() requests, the _PRIO lists, are served before all others)
 *   WAITING             after a lookup, until lookup_wait_ms passed or new
 *                       peers arrive (appended in ready order, since the
 *                       wait is constant)
 * so resolver_next() is O(1) per job and first-in first-out; a hash whose
 * fetch failed goes to the back of its list, so that hashes with dead
 * peers take turns instead of holding the front.
 * A hash is fetched from one peer at a time; it is given up (and
 * remembered in a bounded window of failures for retry_after_ms) when
 * max_attempts peers failed or RESOLVER_MAX_LOOKUPS lookups found nothing
 * new.  Slot generations make late completions of a reused slot harmless.
 *
 * Memory: all allocated in resolver_create from the caps: ~330 bytes per
 * queued hash, ~40 per remembered failure.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "hashindex.h"
#include "resolver.h"

#define NIL UINT32_MAX

enum list_id
{
	L_FETCH_PRIO = 0,
	L_LOOKUP_PRIO,
	L_FETCH,
	L_LOOKUP,
	L_WAITING,
	L_COUNT,
	L_NONE = L_COUNT			/* in flight, or free */
};

struct item
{
	uint8_t		hash[20];		/* the hashindex key: keep first */
	struct netaddr peers[RESOLVER_PEERS_PER_HASH];
	uint32_t	generation;		/* bumped when the slot is freed */
	uint32_t	prev;			/* links of the item's list */
	uint32_t	next;
	uint8_t		list;			/* enum list_id */
	uint8_t		npeers;
	uint8_t		tried;			/* bit i: peers[i] was tried */
	uint8_t		attempts;
	uint8_t		lookups;
	uint8_t		in_use;
	uint8_t		in_flight;
	uint8_t		priority;
	uint64_t	ready_ms;		/* WAITING until then */
};

struct failed
{
	uint8_t		hash[20];		/* the hashindex key: keep first */
	uint64_t	at_ms;
};

struct list
{
	uint32_t	head;
	uint32_t	tail;
};

struct resolver
{
	struct resolver_config cfg;
	struct resolver_stats st;
	struct item *items;
	struct hashindex index;
	void	   *index_mem;
	uint32_t   *free_slots;
	size_t		nfree;
	struct list lists[L_COUNT];
	struct failed *failed;
	struct hashindex failed_index;
	void	   *failed_mem;
	size_t		failed_next;
	size_t		failed_count;
};

/* ---------------------------------------------------------------------- */
/* Lists */

static void
list_append(struct resolver *r, enum list_id id, uint32_t slot)
{
	struct list *l = &r->lists[id];
	struct item *it = &r->items[slot];

	it->list = (uint8_t) id;
	it->prev = l->tail;
	it->next = NIL;
	if (l->tail != NIL)
		r->items[l->tail].next = slot;
	else
		l->head = slot;
	l->tail = slot;
}

static void
list_unlink(struct resolver *r, uint32_t slot)
{
	struct item *it = &r->items[slot];
	struct list *l;

	if (it->list == L_NONE)
		return;
	l = &r->lists[it->list];
	if (it->prev != NIL)
		r->items[it->prev].next = it->next;
	else
		l->head = it->next;
	if (it->next != NIL)
		r->items[it->next].prev = it->prev;
	else
		l->tail = it->prev;
	it->list = L_NONE;
	it->prev = it->next = NIL;
}

/* ---------------------------------------------------------------------- */
/* Create and destroy */

static int
alloc_parts(struct resolver *r)
{
	size_t		q = r->cfg.max_queue;
	size_t		f = r->cfg.max_failed;
	size_t		i;

	r->items = calloc(q, sizeof(struct item));
	r->index_mem = calloc(1, hashindex_memsize(q));
	r->free_slots = calloc(q, sizeof(uint32_t));
	r->failed = calloc(f, sizeof(struct failed));
	r->failed_mem = calloc(1, hashindex_memsize(f));
	if (!r->items || !r->index_mem || !r->free_slots || !r->failed || !r->failed_mem)
		return 0;
	for (i = 0; i < q; i++)
	{
		r->free_slots[i] = (uint32_t) (q - 1 - i);
		r->items[i].list = L_NONE;
	}
	r->nfree = q;
	for (i = 0; i < L_COUNT; i++)
		r->lists[i].head = r->lists[i].tail = NIL;
	return hashindex_init(&r->index, r->index_mem, q, r->items,
						  sizeof(struct item), 0, r->cfg.seed) == HASHINDEX_OK &&
		hashindex_init(&r->failed_index, r->failed_mem, f, r->failed,
					   sizeof(struct failed), 0, r->cfg.seed ^ 1) == HASHINDEX_OK;
}

struct resolver *
resolver_create(const struct resolver_config *cfg)
{
	struct resolver *r;

	if (cfg->max_queue == 0 || cfg->max_failed == 0 || cfg->max_attempts == 0 ||
		cfg->max_attempts > RESOLVER_PEERS_PER_HASH ||
		cfg->max_queue > HASHINDEX_MAX_SLOTS || cfg->max_failed > HASHINDEX_MAX_SLOTS)
	{
		errno = EINVAL;
		return NULL;
	}
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return NULL;
	r->cfg = *cfg;
	if (!alloc_parts(r))
	{
		resolver_destroy(r);
		errno = ENOMEM;
		return NULL;
	}
	return r;
}

void
resolver_destroy(struct resolver *r)
{
	if (r == NULL)
		return;
	free(r->items);
	free(r->index_mem);
	free(r->free_slots);
	free(r->failed);
	free(r->failed_mem);
	free(r);
}

/* ---------------------------------------------------------------------- */
/* Items, failures */

static struct item *
find_item(const struct resolver *r, const uint8_t hash[20])
{
	uint32_t	slot = hashindex_find(&r->index, hash, hashindex_tag(&r->index, hash));

	return slot == HASHINDEX_NONE ? NULL : &r->items[slot];
}

static uint32_t
slot_of(const struct resolver *r, const struct item *it)
{
	return (uint32_t) (it - r->items);
}

static int
recently_failed(const struct resolver *r, const uint8_t hash[20], uint64_t now_ms)
{
	uint32_t	slot = hashindex_find(&r->failed_index, hash,
									  hashindex_tag(&r->failed_index, hash));

	return slot != HASHINDEX_NONE &&
		now_ms - r->failed[slot].at_ms < r->cfg.retry_after_ms;
}

/* Remember a failure as the newest entry, evicting the oldest when full. */
static void
remember_failure(struct resolver *r, const uint8_t hash[20], uint64_t now_ms)
{
	uint32_t	tag = hashindex_tag(&r->failed_index, hash);
	uint32_t	old = hashindex_find(&r->failed_index, hash, tag);
	uint32_t	slot = (uint32_t) r->failed_next;

	if (old != HASHINDEX_NONE)
		hashindex_remove(&r->failed_index, old);	/* becomes the newest */
	r->failed_next = (r->failed_next + 1) % r->cfg.max_failed;
	if (r->failed_count == r->cfg.max_failed)
	{
		if (old != slot)
			hashindex_remove(&r->failed_index, slot);
	}
	else
		r->failed_count++;
	memcpy(r->failed[slot].hash, hash, 20);
	r->failed[slot].at_ms = now_ms;
	hashindex_insert(&r->failed_index, tag, slot);
}

static void
remove_item(struct resolver *r, struct item *it)
{
	uint32_t	slot = slot_of(r, it);

	list_unlink(r, slot);
	hashindex_remove(&r->index, slot);
	if (it->in_flight)
		r->st.in_flight--;
	it->in_use = 0;
	it->in_flight = 0;
	it->generation++;
	r->free_slots[r->nfree++] = slot;
	r->st.queued--;
}

static void
give_up(struct resolver *r, struct item *it, uint64_t now_ms)
{
	r->st.gave_up++;
	remember_failure(r, it->hash, now_ms);
	remove_item(r, it);
}

/* Index of an untried peer, or -1. */
static int
untried_peer(const struct item *it)
{
	int			i;

	for (i = 0; i < it->npeers; i++)
		if (!(it->tried & (1u << i)))
			return i;
	return -1;
}

/*
 * Put an item that is not in flight on the list of what it needs next,
 * or give it up.  Returns 0 if it was given up.
 */
static int
place(struct resolver *r, struct item *it, uint64_t now_ms)
{
	uint32_t	slot = slot_of(r, it);

	list_unlink(r, slot);
	if (it->attempts < r->cfg.max_attempts && untried_peer(it) >= 0)
		list_append(r, it->priority ? L_FETCH_PRIO : L_FETCH, slot);
	else if (now_ms < it->ready_ms)
		list_append(r, L_WAITING, slot);
	else if (it->attempts < r->cfg.max_attempts && it->lookups < RESOLVER_MAX_LOOKUPS)
		list_append(r, it->priority ? L_LOOKUP_PRIO : L_LOOKUP, slot);
	else
	{
		give_up(r, it, now_ms);
		return 0;
	}
	return 1;
}

/* Add peers not yet known for the item (dedup, capped). */
static void
merge_peers(struct resolver *r, struct item *it, const struct netaddr *peers,
			size_t npeers)
{
	size_t		i,
				j;

	for (i = 0; i < npeers; i++)
	{
		int			dup = 0;

		for (j = 0; j < it->npeers && !dup; j++)
			dup = netaddr_equal(&it->peers[j], &peers[i]);
		if (dup)
			continue;
		if (it->npeers == RESOLVER_PEERS_PER_HASH)
		{
			r->st.peers_dropped++;
			continue;
		}
		it->peers[it->npeers++] = peers[i];
	}
}

static struct item *
new_item(struct resolver *r, const uint8_t hash[20], int priority)
{
	uint32_t	slot;
	struct item *it;
	uint32_t	generation;

	if (r->nfree == 0)
		return NULL;
	slot = r->free_slots[--r->nfree];
	it = &r->items[slot];
	generation = it->generation;
	memset(it, 0, sizeof(*it));
	memcpy(it->hash, hash, 20);
	it->generation = generation;
	it->list = L_NONE;
	it->prev = it->next = NIL;
	it->in_use = 1;
	it->priority = priority ? 1 : 0;
	hashindex_insert(&r->index, hashindex_tag(&r->index, hash), slot);
	r->st.queued++;
	return it;
}

/* ---------------------------------------------------------------------- */
/* The contract */

int
resolver_add(struct resolver *r, const uint8_t hash[20],
			 const struct netaddr *peers, size_t npeers, int priority,
			 uint64_t now_ms)
{
	struct item *it = find_item(r, hash);

	if (it != NULL)
	{
		uint8_t		before = it->npeers;

		merge_peers(r, it, peers, npeers);
		if (priority)
			it->priority = 1;
		if (it->npeers > before)
			it->ready_ms = 0;	/* new peers: no need to wait */
		r->st.merged++;
		if (!it->in_flight)
			place(r, it, now_ms);
		return 1;
	}
	if (!priority && recently_failed(r, hash, now_ms))
	{
		r->st.skipped_recent++;
		return 0;
	}
	it = new_item(r, hash, priority);
	if (it == NULL)
	{
		r->st.dropped_full++;
		return 0;
	}
	merge_peers(r, it, peers, npeers);
	r->st.added++;
	place(r, it, now_ms);
	return 1;
}

/* Items whose lookup wait is over need a fetch, a lookup or an end. */
static void
wake_waiting(struct resolver *r, uint64_t now_ms)
{
	while (r->lists[L_WAITING].head != NIL)
	{
		struct item *it = &r->items[r->lists[L_WAITING].head];

		if (now_ms < it->ready_ms)
			break;
		it->ready_ms = 0;
		place(r, it, now_ms);
	}
}

static void
fetch_job(struct resolver *r, struct item *it, struct resolver_job *out)
{
	int			peer = untried_peer(it);

	list_unlink(r, slot_of(r, it));
	it->tried |= (uint8_t) (1u << peer);
	it->attempts++;
	it->in_flight = 1;
	r->st.in_flight++;
	r->st.started++;
	out->kind = RESOLVER_JOB_FETCH;
	out->peer = it->peers[peer];
}

static void
lookup_job(struct resolver *r, struct item *it, uint64_t now_ms,
		   struct resolver_job *out)
{
	it->lookups++;
	it->ready_ms = now_ms + r->cfg.lookup_wait_ms;
	list_unlink(r, slot_of(r, it));
	list_append(r, L_WAITING, slot_of(r, it));
	r->st.lookups++;
	out->kind = RESOLVER_JOB_LOOKUP;
	memset(&out->peer, 0, sizeof(out->peer));
}

/* The head of a fetch list if a fetch may start, else of the lookup list. */
static struct item *
next_of(struct resolver *r, enum list_id fetch, enum list_id lookup,
		uint64_t now_ms, struct resolver_job *out)
{
	struct item *it;

	if (r->st.in_flight < r->cfg.max_fetches && r->lists[fetch].head != NIL)
	{
		it = &r->items[r->lists[fetch].head];
		fetch_job(r, it, out);
		return it;
	}
	if (r->lists[lookup].head != NIL)
	{
		it = &r->items[r->lists[lookup].head];
		lookup_job(r, it, now_ms, out);
		return it;
	}
	return NULL;
}

int
resolver_next(struct resolver *r, uint64_t now_ms, struct resolver_job *out)
{
	struct item *it;

	wake_waiting(r, now_ms);
	it = next_of(r, L_FETCH_PRIO, L_LOOKUP_PRIO, now_ms, out);
	if (it == NULL)
		it = next_of(r, L_FETCH, L_LOOKUP, now_ms, out);
	if (it == NULL)
		return 0;
	memcpy(out->hash, it->hash, 20);
	out->slot = slot_of(r, it);
	out->generation = it->generation;
	out->priority = it->priority;
	return 1;
}

void
resolver_fetch_done(struct resolver *r, const struct resolver_job *job,
					enum resolver_outcome outcome, uint64_t now_ms)
{
	struct item *it;

	if (job->kind != RESOLVER_JOB_FETCH || job->slot >= r->cfg.max_queue)
		return;
	if ((unsigned) outcome < RESOLVER_NUM_OUTCOMES)
		r->st.outcomes[outcome]++;
	it = &r->items[job->slot];
	if (!it->in_use || !it->in_flight || it->generation != job->generation)
		return;					/* forgotten, or the slot was reused */
	it->in_flight = 0;
	r->st.in_flight--;
	if (outcome == RESOLVER_OK)
		remove_item(r, it);
	else
		place(r, it, now_ms);
}

void
resolver_forget(struct resolver *r, const uint8_t hash[20])
{
	struct item *it = find_item(r, hash);

	if (it != NULL)
		remove_item(r, it);
}

int
resolver_has(const struct resolver *r, const uint8_t hash[20])
{
	return find_item(r, hash) != NULL;
}

void
resolver_set_max_fetches(struct resolver *r, size_t max_fetches)
{
	r->cfg.max_fetches = max_fetches;
}

void
resolver_stats(const struct resolver *r, struct resolver_stats *out)
{
	*out = r->st;
}

const char *
resolver_outcome_name(enum resolver_outcome o)
{
	static const char *const names[RESOLVER_NUM_OUTCOMES] = {
		"ok", "connect", "handshake", "no_metadata", "reject", "timeout",
		"too_big", "hash_mismatch", "bad_metainfo", "other"
	};

	return (unsigned) o < RESOLVER_NUM_OUTCOMES ? names[o] : "unknown";
}
