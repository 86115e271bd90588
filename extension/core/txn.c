/*
 * txn.c
 *		The table of pending outgoing queries.
 *
 * Owns the table declared in txn.h; see there for the contract.
 *
 * Implementation: one array of slots and two lists threaded through it by
 * slot number.  A busy slot is on the send-order list (doubly linked, so a
 * reply unlinks it in O(1); the head is the oldest query).  An idle slot is
 * on the free list (singly linked FIFO: freed slots join the tail, new
 * queries take the head).  Each slot keeps the last tid it issued, also
 * while idle, so that its next tid can be made to differ.
 */
#include "txn.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* End of a list. */
#define TXN_NONE		UINT32_MAX

struct txn_slot
{
	struct txn_entry e;
	uint32_t	tid;			/* tid issued last (current one if busy) */
	uint32_t	prev;			/* send-order list; unused when idle */
	uint32_t	next;			/* send-order list, or free list when idle */
	bool		busy;
};

struct txn_table
{
	struct txn_slot *slots;
	uint32_t	cap;
	uint32_t	slot_bits;		/* low tid bits that name the slot */
	uint32_t	free_head;		/* idle slots, reused oldest-freed first */
	uint32_t	free_tail;
	uint32_t	oldest;			/* busy slots in begin order */
	uint32_t	newest;
	struct txn_stats stats;
	size_t		memory;
};

/* ---------------------------------------------------------------------- */
/* Helpers: lists and tids */

static void
txn_free_push(struct txn_table *t, uint32_t slot)
{
	t->slots[slot].busy = false;
	t->slots[slot].next = TXN_NONE;
	if (t->free_tail != TXN_NONE)
		t->slots[t->free_tail].next = slot;
	else
		t->free_head = slot;
	t->free_tail = slot;
}

static uint32_t
txn_free_pop(struct txn_table *t)
{
	uint32_t	slot = t->free_head;

	if (slot == TXN_NONE)
		return TXN_NONE;
	t->free_head = t->slots[slot].next;
	if (t->free_head == TXN_NONE)
		t->free_tail = TXN_NONE;
	return slot;
}

static void
txn_busy_append(struct txn_table *t, uint32_t slot)
{
	struct txn_slot *s = &t->slots[slot];

	s->busy = true;
	s->prev = t->newest;
	s->next = TXN_NONE;
	if (t->newest != TXN_NONE)
		t->slots[t->newest].next = slot;
	else
		t->oldest = slot;
	t->newest = slot;
}

static void
txn_busy_unlink(struct txn_table *t, uint32_t slot)
{
	struct txn_slot *s = &t->slots[slot];

	if (s->prev != TXN_NONE)
		t->slots[s->prev].next = s->next;
	else
		t->oldest = s->next;
	if (s->next != TXN_NONE)
		t->slots[s->next].prev = s->prev;
	else
		t->newest = s->prev;
}

/* Unlink a busy slot, copy its entry out, and make it idle. */
static void
txn_finish(struct txn_table *t, uint32_t slot, struct txn_entry *out)
{
	txn_busy_unlink(t, slot);
	if (out != NULL)
		*out = t->slots[slot].e;
	txn_free_push(t, slot);
	t->stats.in_flight--;
}

/*
 * The slot's next tid: slot number in the low bits, rnd's low bits above;
 * if that equals the slot's previous tid, flip the lowest random bit.
 */
static uint32_t
txn_make_tid(const struct txn_table *t, uint32_t slot, uint32_t rnd)
{
	uint32_t	v = (uint32_t) (((uint64_t) rnd << t->slot_bits) | slot);

	if (v == t->slots[slot].tid)
		v ^= (uint32_t) 1 << t->slot_bits;
	return v;
}

/* ---------------------------------------------------------------------- */
/* Public functions */

struct txn_table *
txn_create(size_t cap)
{
	struct txn_table *t;
	uint32_t	i;

	if (cap == 0 || cap > TXN_MAX_CAP)
		return NULL;
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return NULL;
	t->slots = calloc(cap, sizeof(*t->slots));
	if (t->slots == NULL)
	{
		free(t);
		return NULL;
	}
	t->cap = (uint32_t) cap;
	while (((size_t) 1 << t->slot_bits) < cap)
		t->slot_bits++;
	t->free_head = t->free_tail = TXN_NONE;
	t->oldest = t->newest = TXN_NONE;
	for (i = 0; i < t->cap; i++)
		txn_free_push(t, i);
	t->memory = sizeof(*t) + cap * sizeof(*t->slots);
	return t;
}

void
txn_destroy(struct txn_table *t)
{
	if (t == NULL)
		return;
	free(t->slots);
	free(t);
}

int
txn_begin(struct txn_table *t, const struct txn_entry *e, uint64_t now_ms,
		  uint32_t rnd, uint8_t tid[TXN_TID_LEN])
{
	uint32_t	slot = txn_free_pop(t);
	struct txn_slot *s;

	if (slot == TXN_NONE)
	{
		t->stats.full++;
		return TXN_ERR_FULL;
	}
	s = &t->slots[slot];
	s->e = *e;
	s->e.sent_ms = now_ms;
	s->tid = txn_make_tid(t, slot, rnd);
	txn_busy_append(t, slot);
	tid[0] = (uint8_t) (s->tid >> 24);
	tid[1] = (uint8_t) (s->tid >> 16);
	tid[2] = (uint8_t) (s->tid >> 8);
	tid[3] = (uint8_t) s->tid;
	t->stats.started++;
	t->stats.in_flight++;
	return TXN_OK;
}

int
txn_complete(struct txn_table *t, const uint8_t *tid, size_t tid_len,
			 const struct netaddr *from, struct txn_entry *out)
{
	uint32_t	v,
				slot;
	const struct txn_slot *s;

	if (tid == NULL || tid_len != TXN_TID_LEN || from == NULL)
	{
		t->stats.unmatched++;
		return 0;
	}
	v = ((uint32_t) tid[0] << 24) | ((uint32_t) tid[1] << 16) |
		((uint32_t) tid[2] << 8) | (uint32_t) tid[3];
	slot = (uint32_t) (v & (((uint64_t) 1 << t->slot_bits) - 1));
	if (slot >= t->cap)
	{
		t->stats.unmatched++;
		return 0;
	}
	s = &t->slots[slot];
	if (!s->busy || s->tid != v || !netaddr_equal(&s->e.to, from))
	{
		t->stats.unmatched++;
		return 0;
	}
	txn_finish(t, slot, out);
	t->stats.completed++;
	return 1;
}

int
txn_expire(struct txn_table *t, uint64_t now_ms, uint64_t timeout_ms,
		   struct txn_entry *out)
{
	uint64_t	sent;

	if (t->oldest == TXN_NONE)
		return 0;
	sent = t->slots[t->oldest].e.sent_ms;
	/* Due when sent <= now - timeout, written without underflow. */
	if (now_ms < sent || now_ms - sent < timeout_ms)
		return 0;
	txn_finish(t, t->oldest, out);
	t->stats.timed_out++;
	return 1;
}

int
txn_oldest(const struct txn_table *t, uint64_t *sent_ms)
{
	if (t->oldest == TXN_NONE)
		return 0;
	*sent_ms = t->slots[t->oldest].e.sent_ms;
	return 1;
}

void
txn_stats(const struct txn_table *t, struct txn_stats *out)
{
	*out = t->stats;
}

size_t
txn_memory(const struct txn_table *t)
{
	return t->memory;
}

const char *
txn_strerror(int err)
{
	switch (err)
	{
		case TXN_OK:
			return "success";
		case TXN_ERR_FULL:
			return "too many queries in flight";
	}
	return "unknown txn error";
}
