/*
 * resolver.c
 *		The metadata fetch scheduler (see resolver.h).
 *
 * Queued hashes live in a fixed array of items indexed by hash
 * (hashindex).  An item in use is at any time exactly one of:
 *   in flight             a fetch of it runs (on no need list)
 *   on a need list        FETCH_PRIO / FETCH: an untried peer;
 *                         LOOKUP_PRIO / LOOKUP: no untried peer left and
 *                         no lookup wait running: a DHT lookup
 *   idle waiting          no untried peer, its last lookup's wait runs
 * The need lists are FIFO by placement: an item gets the next sequence
 * number whenever it is (re)placed on a need list (added, a fetch failed,
 * new peers while it needed a lookup or waited, its wait ended, promoted
 * by resolve()).  A merge that leaves it on the same list keeps its turn;
 * a failed fetch puts it at the back, so that hashes with dead peers take
 * turns instead of holding the front.  resolver_next() serves the _PRIO
 * lists first; within a class it compares the heads of the fetch list (if
 * a fetch may start) and the lookup list and takes the older: O(1).
 *
 * Separately, every item whose lookup wait has not been seen to end is on
 * the WAITING list (own links), in lookup order, which is deadline order
 * since the wait is constant and time does not go backwards.  It stays
 * there while it fetches peers that arrived during the wait: if they all
 * fail, it waits out the rest of the wait (the lookup may deliver more),
 * and resolver_next() wakes it at the deadline in O(1) per item.
 *
 * A hash is given up (and remembered in a bounded window of failures for
 * retry_after_ms) when max_attempts peers failed, or when it has no
 * untried peer, no lookup wait running and RESOLVER_MAX_LOOKUPS lookups
 * done: decided by resolver_fetch_done() or, at the end of a wait, by
 * resolver_next(); never by resolver_add().  Every fetch gets a new slot
 * generation, so late or repeated completions are harmless.
 *
 * The failure window is an LRU of up to max_failed hashes by latest
 * failure (a hash failing again becomes the newest, it does not take a
 * second entry).
 *
 * Memory: all allocated in resolver_create from the caps: ~285 bytes per
 * queued hash (item, index, free list), ~55 per remembered failure.
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
	L_COUNT,
	L_NONE = L_COUNT,			/* in flight, idle waiting, or free */
	L_GIVE_UP					/* need_of(): nothing left to do */
};

struct link
{
	uint32_t	prev;
	uint32_t	next;
};

struct item
{
	uint8_t		hash[20];		/* the hashindex key: keep first */
	struct netaddr peers[RESOLVER_PEERS_PER_HASH];
	uint64_t	seq;			/* placement order on its need list */
	uint64_t	ready_ms;		/* the last lookup's wait ends then */
	uint32_t	generation;		/* bumped per fetch and when freed */
	struct link need;			/* on lists[list] */
	struct link wait;			/* on the WAITING list if waiting */
	uint8_t		list;			/* enum list_id */
	uint8_t		waiting;		/* linked on the WAITING list */
	uint8_t		npeers;
	uint8_t		tried;			/* bit i: peers[i] was tried */
	uint8_t		attempts;
	uint8_t		lookups;
	uint8_t		in_use;
	uint8_t		in_flight;
	uint8_t		priority;
};

struct failed
{
	uint8_t		hash[20];		/* the hashindex key: keep first */
	struct link lru;			/* oldest failure first */
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
	size_t		lookup_budget;	/* lookup jobs resolver_next may give */
	struct item *items;
	struct hashindex index;
	void	   *index_mem;
	uint32_t   *free_slots;
	size_t		nfree;
	uint64_t	seq;			/* last placement sequence number */
	struct list lists[L_COUNT];
	struct list waiting;
	struct failed *failed;
	struct hashindex failed_index;
	void	   *failed_mem;
	struct list failed_lru;		/* oldest (evicted first) to newest */
	size_t		failed_count;	/* entries 0..failed_count-1 in use */
};

/* ---------------------------------------------------------------------- */
/*
 * Lists: the need lists link item.need, the WAITING list item.wait, the
 * failure window failed.lru.
 */

enum link_kind
{
	K_NEED,
	K_WAIT,
	K_FAILED
};

static struct link *
link_of(struct resolver *r, uint32_t slot, enum link_kind kind)
{
	if (kind == K_FAILED)
		return &r->failed[slot].lru;
	return kind == K_WAIT ? &r->items[slot].wait : &r->items[slot].need;
}

static void
link_append(struct resolver *r, struct list *l, enum link_kind kind,
			uint32_t slot)
{
	struct link *k = link_of(r, slot, kind);

	k->prev = l->tail;
	k->next = NIL;
	if (l->tail != NIL)
		link_of(r, l->tail, kind)->next = slot;
	else
		l->head = slot;
	l->tail = slot;
}

static void
link_remove(struct resolver *r, struct list *l, enum link_kind kind,
			uint32_t slot)
{
	struct link *k = link_of(r, slot, kind);

	if (k->prev != NIL)
		link_of(r, k->prev, kind)->next = k->next;
	else
		l->head = k->next;
	if (k->next != NIL)
		link_of(r, k->next, kind)->prev = k->prev;
	else
		l->tail = k->prev;
	k->prev = k->next = NIL;
}

/* Take an item off its need list, if it is on one. */
static void
need_unlink(struct resolver *r, uint32_t slot)
{
	struct item *it = &r->items[slot];

	if (it->list >= L_COUNT)
		return;
	link_remove(r, &r->lists[it->list], K_NEED, slot);
	it->list = L_NONE;
}

/* Put an item (on no need list) at the back of need list id: its turn. */
static void
need_append(struct resolver *r, enum list_id id, uint32_t slot)
{
	struct item *it = &r->items[slot];

	it->list = (uint8_t) id;
	it->seq = ++r->seq;
	link_append(r, &r->lists[id], K_NEED, slot);
}

static void
wait_unlink(struct resolver *r, uint32_t slot)
{
	struct item *it = &r->items[slot];

	if (!it->waiting)
		return;
	link_remove(r, &r->waiting, K_WAIT, slot);
	it->waiting = 0;
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
	r->waiting.head = r->waiting.tail = NIL;
	r->failed_lru.head = r->failed_lru.tail = NIL;
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
	r->lookup_budget = SIZE_MAX;
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

/*
 * Remember a failure as the newest entry: a hash remembered already moves
 * there; when max_failed hashes are remembered, the one whose latest
 * failure is the oldest is forgotten.
 */
static void
remember_failure(struct resolver *r, const uint8_t hash[20], uint64_t now_ms)
{
	uint32_t	tag = hashindex_tag(&r->failed_index, hash);
	uint32_t	slot = hashindex_find(&r->failed_index, hash, tag);

	if (slot != HASHINDEX_NONE)
		link_remove(r, &r->failed_lru, K_FAILED, slot);
	else
	{
		if (r->failed_count < r->cfg.max_failed)
			slot = (uint32_t) r->failed_count++;
		else
		{
			slot = r->failed_lru.head;
			link_remove(r, &r->failed_lru, K_FAILED, slot);
			hashindex_remove(&r->failed_index, slot);	/* key still there */
		}
		memcpy(r->failed[slot].hash, hash, 20);
		hashindex_insert(&r->failed_index, tag, slot);
	}
	r->failed[slot].at_ms = now_ms;
	link_append(r, &r->failed_lru, K_FAILED, slot);
}

static void
remove_item(struct resolver *r, struct item *it)
{
	uint32_t	slot = slot_of(r, it);

	need_unlink(r, slot);
	wait_unlink(r, slot);
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
 * Where an item that is not in flight belongs now: a need list, L_NONE
 * (idle waiting: its lookup wait runs, it is on WAITING) or L_GIVE_UP.
 */
static enum list_id
need_of(const struct resolver *r, const struct item *it, uint64_t now_ms)
{
	if (it->attempts >= r->cfg.max_attempts)
		return L_GIVE_UP;
	if (untried_peer(it) >= 0)
		return it->priority ? L_FETCH_PRIO : L_FETCH;
	if (it->waiting && now_ms < it->ready_ms)
		return L_NONE;			/* (off WAITING, a wait is over: clock skew) */
	if (it->lookups < RESOLVER_MAX_LOOKUPS)
		return it->priority ? L_LOOKUP_PRIO : L_LOOKUP;
	return L_GIVE_UP;
}

/*
 * Move an item that is not in flight to where it belongs (an item already
 * on the right need list keeps its turn), or give it up.  Returns 0 if it
 * was given up.
 */
static int
place(struct resolver *r, struct item *it, uint64_t now_ms)
{
	uint32_t	slot = slot_of(r, it);
	enum list_id need = need_of(r, it, now_ms);

	if (need == L_GIVE_UP)
	{
		give_up(r, it, now_ms);
		return 0;
	}
	if (need == it->list)
		return 1;
	need_unlink(r, slot);
	if (need != L_NONE)
		need_append(r, need, slot);
	return 1;
}

/* Add peers not yet known for the item (dedup, capped); 1 if any was new. */
static int
merge_peers(struct resolver *r, struct item *it, const struct netaddr *peers,
			size_t npeers)
{
	size_t		i,
				j;
	int			news = 0;

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
		news = 1;
	}
	return news;
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
	it->need.prev = it->need.next = NIL;
	it->wait.prev = it->wait.next = NIL;
	it->in_use = 1;
	it->priority = priority ? 1 : 0;
	hashindex_insert(&r->index, hashindex_tag(&r->index, hash), slot);
	r->st.queued++;
	return it;
}

/* ---------------------------------------------------------------------- */
/* The contract */

/*
 * A queued hash: merge.  It moves only if it has to (new peers while it
 * needed a lookup or waited, or promoted while on a need list), so this
 * never gives it up: an idle waiting hash stays so until resolver_next()
 * sees its wait end.
 */
static void
merge_into(struct resolver *r, struct item *it, const struct netaddr *peers,
		   size_t npeers, int priority, uint64_t now_ms)
{
	int			news = merge_peers(r, it, peers, npeers);
	int			promoted = priority && !it->priority;

	if (promoted)
		it->priority = 1;
	r->st.merged++;
	if (!it->in_flight && (news || (promoted && it->list != L_NONE)))
		(void) place(r, it, now_ms);
}

int
resolver_add(struct resolver *r, const uint8_t hash[20],
			 const struct netaddr *peers, size_t npeers, int priority,
			 uint64_t now_ms)
{
	struct item *it = find_item(r, hash);

	if (it != NULL)
	{
		merge_into(r, it, peers, npeers, priority, now_ms);
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
	(void) merge_peers(r, it, peers, npeers);
	r->st.added++;
	(void) place(r, it, now_ms);	/* a fetch or a lookup: never given up */
	return 1;
}

/*
 * Waits that are over leave the WAITING list; an idle waiting item then
 * needs a lookup or an end (the others are on a need list or in flight).
 */
static void
wake_waiting(struct resolver *r, uint64_t now_ms)
{
	while (r->waiting.head != NIL)
	{
		uint32_t	slot = r->waiting.head;
		struct item *it = &r->items[slot];

		if (now_ms < it->ready_ms)
			break;
		wait_unlink(r, slot);
		if (!it->in_flight && it->list == L_NONE)
			(void) place(r, it, now_ms);
	}
}

static void
fetch_job(struct resolver *r, struct item *it, struct resolver_job *out)
{
	int			peer = untried_peer(it);

	need_unlink(r, slot_of(r, it));
	it->tried |= (uint8_t) (1u << peer);
	it->attempts++;
	it->in_flight = 1;
	it->generation++;			/* this fetch's completion, no other */
	r->st.in_flight++;
	r->st.started++;
	out->kind = RESOLVER_JOB_FETCH;
	out->peer = it->peers[peer];
}

static void
lookup_job(struct resolver *r, struct item *it, uint64_t now_ms,
		   struct resolver_job *out)
{
	uint32_t	slot = slot_of(r, it);

	need_unlink(r, slot);
	wait_unlink(r, slot);		/* a wait seen over, not yet woken */
	it->lookups++;
	it->ready_ms = now_ms + r->cfg.lookup_wait_ms;
	link_append(r, &r->waiting, K_WAIT, slot);
	it->waiting = 1;
	r->st.lookups++;
	out->kind = RESOLVER_JOB_LOOKUP;
	memset(&out->peer, 0, sizeof(out->peer));
}

/*
 * The older of the heads of a fetch list (only if a fetch may start) and
 * a lookup list, made a job; NULL if both are empty.
 */
static struct item *
next_of(struct resolver *r, enum list_id fetch, enum list_id lookup,
		uint64_t now_ms, struct resolver_job *out)
{
	uint32_t	f = r->lists[fetch].head;
	uint32_t	l = r->lists[lookup].head;

	if (r->st.in_flight >= r->cfg.max_fetches)
		f = NIL;
	if (r->lookup_budget == 0)
		l = NIL;
	if (f != NIL && (l == NIL || r->items[f].seq < r->items[l].seq))
	{
		fetch_job(r, &r->items[f], out);
		return &r->items[f];
	}
	if (l != NIL)
	{
		r->lookup_budget--;
		lookup_job(r, &r->items[l], now_ms, out);
		return &r->items[l];
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
resolver_set_lookup_budget(struct resolver *r, size_t n)
{
	r->lookup_budget = n;
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
		return;					/* forgotten, reused, or reported before */
	it->in_flight = 0;
	r->st.in_flight--;
	if (outcome == RESOLVER_OK)
		remove_item(r, it);
	else
		(void) place(r, it, now_ms);
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
