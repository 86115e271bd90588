/*
 * evloop.c
 *		One epoll set for many sockets, plus a heap of millisecond timers.
 *
 * Owns: the epoll fd; a slot per registered fd (in a fixed array with a free
 * list); an fd -> slot hash map; the timer pool, its binary min-heap and an
 * id -> timer hash map.  Does not own the registered fds.
 *
 * Why a hash map from fd to slot: fds may take any value up to RLIMIT_NOFILE
 * (which can be raised at run time, and can be a billion), while memory must
 * be a function of the caps.  Open addressing at load <= 1/2 with linear
 * probing and backward-shift deletion keeps add/remove O(1) without
 * tombstones.  The same map turns a timer id (a 64-bit counter that is never
 * reused) into its pool slot, so cancelling is a lookup plus an O(log n)
 * removal at the heap position that the timer stores.
 *
 * Stale events: epoll data is (generation << 32 | slot), and the generation
 * of a slot changes on every evloop_add().  Each event of a batch is checked
 * against the registration as it is *now*, just before its callback runs
 * (redis ae.c re-reads its table the same way), so an fd that an earlier
 * callback removed, or removed and re-added, is not dispatched stale data.
 *
 * Timers run in (deadline, id) order; ids grow, so ties run in insertion
 * order.  evloop_run_timers() first moves every due timer out of the heap
 * into the "due" array, then runs them; callbacks therefore see a heap that
 * only holds timers for later calls, and what they add (even if overdue)
 * waits for the next call.
 */
#include "evloop.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

/* End of a free list; "not in the heap". */
#define EVLOOP_NONE		UINT32_MAX
/* heap_pos of a timer taken out of the heap by the current run. */
#define EVLOOP_DUE		(UINT32_MAX - 1)

/* Both interest bits; also what an error reports when interest is empty. */
#define EVLOOP_BOTH		(EVLOOP_READ | EVLOOP_WRITE)

struct evloop_map_entry
{
	uint64_t	key;
	uint32_t	val;
	uint32_t	used;
};

/* Open-addressing hash map uint64 -> uint32, at most half full. */
struct evloop_map
{
	struct evloop_map_entry *e;
	size_t		mask;			/* size - 1, size a power of two */
	unsigned	shift;			/* 64 - log2(size), for Fibonacci hashing */
};

struct evloop_fd_slot
{
	int			fd;				/* -1 while the slot is free */
	unsigned	events;			/* interest: EVLOOP_READ | EVLOOP_WRITE */
	uint32_t	gen;			/* changes on each add; in the epoll data */
	uint32_t	next_free;		/* free list link while free */
	evloop_fd_fn *cb;
	void	   *arg;
};

struct evloop_timer
{
	uint64_t	id;				/* 0 while the slot is free */
	uint64_t	deadline;
	evloop_timer_fn *cb;
	void	   *arg;
	uint32_t	heap_pos;		/* index in heap[], or EVLOOP_DUE */
	uint32_t	next_free;		/* free list link while free */
};

/* A timer taken out of the heap by evloop_run_timers(), not yet run. */
struct evloop_due
{
	uint64_t	id;
	uint32_t	slot;
};

struct evloop
{
	int			epfd;
	bool		dispatching;	/* inside evloop_dispatch() */
	bool		running;		/* inside evloop_run_timers() */

	/* fds */
	size_t		max_fds;
	size_t		nfds;
	struct evloop_fd_slot *slots;
	uint32_t	free_slot;
	struct evloop_map fdmap;
	struct epoll_event *events; /* max(max_fds, 1) entries */

	/* timers */
	size_t		max_timers;
	size_t		ntimers;		/* in the heap or waiting in due[] */
	struct evloop_timer *timers;
	uint32_t	free_timer;
	uint32_t   *heap;
	size_t		heap_len;
	struct evloop_due *due;
	size_t		due_len;		/* entries of the current run */
	size_t		due_next;		/* next entry to run */
	struct evloop_map idmap;
	uint64_t	last_id;
};

/* ---------------------------------------------------------------------- */
/* Hash map */

/*
 * Allocate a map for up to cap keys: the smallest power of two >= 2 * cap
 * (at least 8).  Returns 0, or -1 with errno set.
 */
static int
map_init(struct evloop_map *m, size_t cap)
{
	size_t		size = 8;
	unsigned	bits = 3;

	while (size < 2 * cap)
	{
		size <<= 1;
		bits++;
	}
	m->e = calloc(size, sizeof(*m->e));
	if (m->e == NULL)
		return -1;
	m->mask = size - 1;
	m->shift = 64 - bits;
	return 0;
}

static size_t
map_home(const struct evloop_map *m, uint64_t key)
{
	return (size_t) ((key * UINT64_C(0x9E3779B97F4A7C15)) >> m->shift);
}

/* The entry holding key, or NULL. */
static struct evloop_map_entry *
map_find(const struct evloop_map *m, uint64_t key)
{
	size_t		i = map_home(m, key);

	while (m->e[i].used)
	{
		if (m->e[i].key == key)
			return &m->e[i];
		i = (i + 1) & m->mask;
	}
	return NULL;
}

/* Insert an absent key; the caps keep the map at most half full. */
static void
map_put(struct evloop_map *m, uint64_t key, uint32_t val)
{
	size_t		i = map_home(m, key);

	while (m->e[i].used)
		i = (i + 1) & m->mask;
	m->e[i].key = key;
	m->e[i].val = val;
	m->e[i].used = 1;
}

/*
 * Delete an entry and shift later entries of its probe run back into the
 * hole, so that lookups never need tombstones (Knuth's Algorithm R).
 */
static void
map_delete(struct evloop_map *m, struct evloop_map_entry *entry)
{
	size_t		hole = (size_t) (entry - m->e);
	size_t		j = hole;
	size_t		home;

	m->e[hole].used = 0;
	for (;;)
	{
		j = (j + 1) & m->mask;
		if (!m->e[j].used)
			return;
		home = map_home(m, m->e[j].key);
		/* Entry j may move to the hole unless home lies in (hole, j]. */
		if (hole <= j ? (home > hole && home <= j) : (home > hole || home <= j))
			continue;
		m->e[hole] = m->e[j];
		m->e[j].used = 0;
		hole = j;
	}
}

/* ---------------------------------------------------------------------- */
/* Creation */

static int
alloc_fds(struct evloop *ev, size_t max_fds)
{
	size_t		n = max_fds > 0 ? max_fds : 1;
	size_t		i;

	ev->max_fds = max_fds;
	ev->slots = calloc(n, sizeof(*ev->slots));
	ev->events = calloc(n, sizeof(*ev->events));
	if (ev->slots == NULL || ev->events == NULL ||
		map_init(&ev->fdmap, max_fds) != 0)
		return -1;
	for (i = 0; i < max_fds; i++)
	{
		ev->slots[i].fd = -1;
		ev->slots[i].next_free =
			(i + 1 < max_fds) ? (uint32_t) (i + 1) : EVLOOP_NONE;
	}
	ev->free_slot = max_fds > 0 ? 0 : EVLOOP_NONE;
	return 0;
}

static int
alloc_timers(struct evloop *ev, size_t max_timers)
{
	size_t		n = max_timers > 0 ? max_timers : 1;
	size_t		i;

	ev->max_timers = max_timers;
	ev->timers = calloc(n, sizeof(*ev->timers));
	ev->heap = calloc(n, sizeof(*ev->heap));
	ev->due = calloc(n, sizeof(*ev->due));
	if (ev->timers == NULL || ev->heap == NULL || ev->due == NULL ||
		map_init(&ev->idmap, max_timers) != 0)
		return -1;
	for (i = 0; i < max_timers; i++)
	{
		ev->timers[i].heap_pos = EVLOOP_NONE;
		ev->timers[i].next_free =
			(i + 1 < max_timers) ? (uint32_t) (i + 1) : EVLOOP_NONE;
	}
	ev->free_timer = max_timers > 0 ? 0 : EVLOOP_NONE;
	return 0;
}

/*
 * Allocate the loop, its tables and the epoll fd (close-on-exec).  Returns
 * NULL with errno set: ERANGE if a cap exceeds EVLOOP_MAX_CAP, else ENOMEM
 * or epoll_create1's error.
 */
struct evloop *
evloop_create(size_t max_fds, size_t max_timers)
{
	struct evloop *ev;
	int			saved;

	if (max_fds > EVLOOP_MAX_CAP || max_timers > EVLOOP_MAX_CAP)
	{
		errno = ERANGE;
		return NULL;
	}
	ev = calloc(1, sizeof(*ev));
	if (ev == NULL)
		return NULL;
	ev->epfd = -1;
	if (alloc_fds(ev, max_fds) != 0 || alloc_timers(ev, max_timers) != 0)
		goto fail;
	ev->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (ev->epfd < 0)
		goto fail;
	return ev;

fail:
	saved = errno;
	evloop_destroy(ev);
	errno = saved;
	return NULL;
}

/* Free everything; NULL is accepted.  Registered fds are left open. */
void
evloop_destroy(struct evloop *ev)
{
	if (ev == NULL)
		return;
	if (ev->epfd >= 0)
		close(ev->epfd);
	free(ev->slots);
	free(ev->events);
	free(ev->fdmap.e);
	free(ev->timers);
	free(ev->heap);
	free(ev->due);
	free(ev->idmap.e);
	free(ev);
}

int
evloop_epoll_fd(const struct evloop *ev)
{
	return ev->epfd;
}

/* ---------------------------------------------------------------------- */
/* File descriptors */

static uint32_t
epoll_bits(unsigned events)
{
	uint32_t	bits = 0;

	if (events & EVLOOP_READ)
		bits |= EPOLLIN;
	if (events & EVLOOP_WRITE)
		bits |= EPOLLOUT;
	return bits;
}

/* Translate a failed epoll_ctl's errno; errno itself is kept. */
static int
ctl_error(int err)
{
	switch (err)
	{
		case EBADF:
		case EPERM:				/* a regular file or directory */
			return EVLOOP_ERR_BAD_FD;
		case EEXIST:
			return EVLOOP_ERR_EXISTS;
		case ENOENT:
			return EVLOOP_ERR_NOT_FOUND;
		default:
			return EVLOOP_ERR_SYS;
	}
}

static bool
valid_interest(unsigned events)
{
	return (events & ~(unsigned) EVLOOP_BOTH) == 0;
}

/*
 * Register fd (level-triggered) with its interest, callback and argument.
 * Fails with BAD_FD (negative, closed, or not pollable), EXISTS, FULL, or
 * SYS (errno EINVAL for unknown interest bits or a NULL callback).
 */
int
evloop_add(struct evloop *ev, int fd, unsigned events, evloop_fd_fn *cb,
		   void *arg)
{
	struct epoll_event ee;
	struct evloop_fd_slot *s;
	uint32_t	slot;

	if (fd < 0)
		return EVLOOP_ERR_BAD_FD;
	if (!valid_interest(events) || cb == NULL)
	{
		errno = EINVAL;
		return EVLOOP_ERR_SYS;
	}
	if (map_find(&ev->fdmap, (uint64_t) fd) != NULL)
		return EVLOOP_ERR_EXISTS;
	if (ev->free_slot == EVLOOP_NONE)
		return EVLOOP_ERR_FULL;

	slot = ev->free_slot;
	s = &ev->slots[slot];
	s->gen++;
	memset(&ee, 0, sizeof(ee));
	ee.events = epoll_bits(events);
	ee.data.u64 = ((uint64_t) s->gen << 32) | slot;
	if (epoll_ctl(ev->epfd, EPOLL_CTL_ADD, fd, &ee) != 0)
		return ctl_error(errno);

	ev->free_slot = s->next_free;
	s->fd = fd;
	s->events = events;
	s->cb = cb;
	s->arg = arg;
	map_put(&ev->fdmap, (uint64_t) fd, slot);
	ev->nfds++;
	return EVLOOP_OK;
}

/* Replace the interest of a registered fd; NOT_FOUND if it is not. */
int
evloop_modify(struct evloop *ev, int fd, unsigned events)
{
	struct evloop_map_entry *e;
	struct evloop_fd_slot *s;
	struct epoll_event ee;

	if (fd < 0)
		return EVLOOP_ERR_BAD_FD;
	if (!valid_interest(events))
	{
		errno = EINVAL;
		return EVLOOP_ERR_SYS;
	}
	e = map_find(&ev->fdmap, (uint64_t) fd);
	if (e == NULL)
		return EVLOOP_ERR_NOT_FOUND;
	s = &ev->slots[e->val];
	memset(&ee, 0, sizeof(ee));
	ee.events = epoll_bits(events);
	ee.data.u64 = ((uint64_t) s->gen << 32) | e->val;
	if (epoll_ctl(ev->epfd, EPOLL_CTL_MOD, fd, &ee) != 0)
		return ctl_error(errno);
	s->events = events;
	return EVLOOP_OK;
}

/*
 * Unregister fd.  The slot is freed even if EPOLL_CTL_DEL fails (the fd was
 * closed first: the kernel dropped it already), and the failure returned.
 */
int
evloop_remove(struct evloop *ev, int fd)
{
	struct evloop_map_entry *e;
	struct evloop_fd_slot *s;
	uint32_t	slot;
	int			rc = EVLOOP_OK;

	if (fd < 0)
		return EVLOOP_ERR_BAD_FD;
	e = map_find(&ev->fdmap, (uint64_t) fd);
	if (e == NULL)
		return EVLOOP_ERR_NOT_FOUND;
	if (epoll_ctl(ev->epfd, EPOLL_CTL_DEL, fd, NULL) != 0)
		rc = ctl_error(errno);

	slot = e->val;
	map_delete(&ev->fdmap, e);
	s = &ev->slots[slot];
	s->fd = -1;
	s->events = 0;
	s->cb = NULL;
	s->arg = NULL;
	s->next_free = ev->free_slot;
	ev->free_slot = slot;
	ev->nfds--;
	return rc;
}

size_t
evloop_count(const struct evloop *ev)
{
	return ev->nfds;
}

/*
 * Run the callback for one event if its registration still holds: same slot
 * generation, and some ready direction in the interest *now* (an earlier
 * callback of the batch may have removed or modified it).  Returns 1 if a
 * callback ran.
 */
static int
dispatch_one(struct evloop *ev, const struct epoll_event *ee)
{
	uint32_t	slot = (uint32_t) ee->data.u64;
	uint32_t	gen = (uint32_t) (ee->data.u64 >> 32);
	struct evloop_fd_slot *s;
	unsigned	mask = 0;

	if (slot >= ev->max_fds)
		return 0;
	s = &ev->slots[slot];
	if (s->fd < 0 || s->gen != gen)
		return 0;
	if (ee->events & EPOLLIN)
		mask |= EVLOOP_READ;
	if (ee->events & EPOLLOUT)
		mask |= EVLOOP_WRITE;
	mask &= s->events;
	/* Errors and hang-ups: let the owner's read/write find out. */
	if (ee->events & (EPOLLERR | EPOLLHUP))
		mask |= (s->events != 0) ? s->events : EVLOOP_BOTH;
	if (mask == 0)
		return 0;
	s->cb(ev, s->fd, mask, s->arg);
	return 1;
}

/*
 * epoll_wait() with timeout 0, then the callbacks.  Returns how many ran,
 * 0 on EINTR, or SYS (errno EBUSY if called from a callback of this loop).
 */
int
evloop_dispatch(struct evloop *ev, int max_events)
{
	int			n;
	int			i;
	int			ran = 0;

	if (ev->dispatching)
	{
		errno = EBUSY;
		return EVLOOP_ERR_SYS;
	}
	if (max_events < 1 || (size_t) max_events > ev->max_fds)
		max_events = ev->max_fds > 0 ? (int) ev->max_fds : 1;
	n = epoll_wait(ev->epfd, ev->events, max_events, 0);
	if (n < 0)
		return errno == EINTR ? 0 : EVLOOP_ERR_SYS;

	ev->dispatching = true;
	for (i = 0; i < n; i++)
		ran += dispatch_one(ev, &ev->events[i]);
	ev->dispatching = false;
	return ran;
}

/* ---------------------------------------------------------------------- */
/* Timers */

/* Heap order: earlier deadline first, then lower (older) id. */
static bool
timer_before(const struct evloop *ev, uint32_t a, uint32_t b)
{
	const struct evloop_timer *ta = &ev->timers[a];
	const struct evloop_timer *tb = &ev->timers[b];

	if (ta->deadline != tb->deadline)
		return ta->deadline < tb->deadline;
	return ta->id < tb->id;
}

static void
heap_set(struct evloop *ev, size_t pos, uint32_t slot)
{
	ev->heap[pos] = slot;
	ev->timers[slot].heap_pos = (uint32_t) pos;
}

static void
heap_up(struct evloop *ev, size_t pos)
{
	uint32_t	slot = ev->heap[pos];
	size_t		parent;

	while (pos > 0)
	{
		parent = (pos - 1) / 2;
		if (!timer_before(ev, slot, ev->heap[parent]))
			break;
		heap_set(ev, pos, ev->heap[parent]);
		pos = parent;
	}
	heap_set(ev, pos, slot);
}

static void
heap_down(struct evloop *ev, size_t pos)
{
	uint32_t	slot = ev->heap[pos];
	size_t		child;

	for (;;)
	{
		child = 2 * pos + 1;
		if (child >= ev->heap_len)
			break;
		if (child + 1 < ev->heap_len &&
			timer_before(ev, ev->heap[child + 1], ev->heap[child]))
			child++;
		if (!timer_before(ev, ev->heap[child], slot))
			break;
		heap_set(ev, pos, ev->heap[child]);
		pos = child;
	}
	heap_set(ev, pos, slot);
}

/* Take the timer at heap position pos out of the heap. */
static void
heap_remove(struct evloop *ev, size_t pos)
{
	uint32_t	removed = ev->heap[pos];
	uint32_t	last = ev->heap[--ev->heap_len];

	ev->timers[removed].heap_pos = EVLOOP_NONE;
	if (pos == ev->heap_len)
		return;
	heap_set(ev, pos, last);
	if (pos > 0 && timer_before(ev, last, ev->heap[(pos - 1) / 2]))
		heap_up(ev, pos);
	else
		heap_down(ev, pos);
}

/* Return a timer slot (already out of the heap) to the free list. */
static void
timer_free(struct evloop *ev, uint32_t slot)
{
	struct evloop_timer *t = &ev->timers[slot];
	struct evloop_map_entry *e = map_find(&ev->idmap, t->id);

	if (e != NULL)
		map_delete(&ev->idmap, e);
	t->id = 0;
	t->cb = NULL;
	t->arg = NULL;
	t->heap_pos = EVLOOP_NONE;
	t->next_free = ev->free_timer;
	ev->free_timer = slot;
	ev->ntimers--;
}

/*
 * Schedule cb(ev, id, arg) for the first evloop_run_timers() whose now_ms
 * is >= deadline_ms.  Returns the new id, or 0 if max_timers are pending or
 * cb is NULL.
 */
uint64_t
evloop_timer_add(struct evloop *ev, uint64_t deadline_ms,
				 evloop_timer_fn *cb, void *arg)
{
	struct evloop_timer *t;
	uint32_t	slot;

	if (cb == NULL || ev->free_timer == EVLOOP_NONE)
		return 0;
	slot = ev->free_timer;
	t = &ev->timers[slot];
	ev->free_timer = t->next_free;

	t->id = ++ev->last_id;
	t->deadline = deadline_ms;
	t->cb = cb;
	t->arg = arg;
	t->next_free = EVLOOP_NONE;
	map_put(&ev->idmap, t->id, slot);
	ev->heap[ev->heap_len] = slot;
	ev->heap_len++;
	heap_up(ev, ev->heap_len - 1);
	ev->ntimers++;
	return t->id;
}

/*
 * Cancel a pending timer, including one that is due in the current run but
 * has not run yet.  NOT_FOUND for 0, unknown, expired or cancelled ids.
 */
int
evloop_timer_cancel(struct evloop *ev, uint64_t id)
{
	struct evloop_map_entry *e;
	uint32_t	slot;

	if (id == 0)
		return EVLOOP_ERR_NOT_FOUND;
	e = map_find(&ev->idmap, id);
	if (e == NULL)
		return EVLOOP_ERR_NOT_FOUND;
	slot = e->val;
	if (ev->timers[slot].heap_pos != EVLOOP_DUE)
		heap_remove(ev, ev->timers[slot].heap_pos);
	timer_free(ev, slot);
	return EVLOOP_OK;
}

/* Move every timer due at now_ms from the heap to due[], in heap order. */
static void
collect_due(struct evloop *ev, uint64_t now_ms)
{
	uint32_t	slot;

	ev->due_len = 0;
	ev->due_next = 0;
	while (ev->heap_len > 0 && ev->timers[ev->heap[0]].deadline <= now_ms)
	{
		slot = ev->heap[0];
		heap_remove(ev, 0);
		ev->timers[slot].heap_pos = EVLOOP_DUE;
		ev->due[ev->due_len].id = ev->timers[slot].id;
		ev->due[ev->due_len].slot = slot;
		ev->due_len++;
	}
}

/*
 * Run the due timers (see evloop.h).  Each timer is freed before its
 * callback runs, so the callback may re-add itself even at the cap.
 * Returns how many ran, or SYS with errno EBUSY if called from a callback.
 */
int
evloop_run_timers(struct evloop *ev, uint64_t now_ms)
{
	const struct evloop_due *d;
	struct evloop_timer *t;
	evloop_timer_fn *cb;
	void	   *arg;
	int			ran = 0;

	if (ev->running)
	{
		errno = EBUSY;
		return EVLOOP_ERR_SYS;
	}
	collect_due(ev, now_ms);
	ev->running = true;
	while (ev->due_next < ev->due_len)
	{
		d = &ev->due[ev->due_next++];
		t = &ev->timers[d->slot];
		/* Cancelled by an earlier callback (the slot may hold a new timer). */
		if (t->id != d->id || t->heap_pos != EVLOOP_DUE)
			continue;
		cb = t->cb;
		arg = t->arg;
		timer_free(ev, d->slot);
		cb(ev, d->id, arg);
		ran++;
	}
	ev->due_len = 0;
	ev->due_next = 0;
	ev->running = false;
	return ran;
}

/*
 * Milliseconds from now_ms to the earliest deadline, 0 if it has passed (or
 * if called from a timer callback while due timers wait), -1 without timers.
 */
int64_t
evloop_next_timeout(const struct evloop *ev, uint64_t now_ms)
{
	uint64_t	deadline;

	if (ev->due_next < ev->due_len)
		return 0;
	if (ev->heap_len == 0)
		return -1;
	deadline = ev->timers[ev->heap[0]].deadline;
	if (deadline <= now_ms)
		return 0;
	if (deadline - now_ms > (uint64_t) INT64_MAX)
		return INT64_MAX;
	return (int64_t) (deadline - now_ms);
}

size_t
evloop_timer_count(const struct evloop *ev)
{
	return ev->ntimers;
}

uint64_t
evloop_now_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		return 0;
	return (uint64_t) ts.tv_sec * 1000 + (uint64_t) ts.tv_nsec / 1000000;
}

/*
 * O(n) consistency check for tests: heap order, each timer's stored heap
 * position, the id map, and the count of pending timers.
 */
int
evloop_timer_check(const struct evloop *ev)
{
	size_t		pos;
	size_t		pending = 0;
	const struct evloop_timer *t;
	const struct evloop_map_entry *e;

	for (pos = 0; pos < ev->heap_len; pos++)
	{
		t = &ev->timers[ev->heap[pos]];
		if (t->id == 0 || t->heap_pos != pos)
			return -1;
		if (pos > 0 && timer_before(ev, ev->heap[pos], ev->heap[(pos - 1) / 2]))
			return -1;
		e = map_find(&ev->idmap, t->id);
		if (e == NULL || e->val != ev->heap[pos])
			return -1;
	}
	for (pos = 0; pos < ev->max_timers; pos++)
		if (ev->timers[pos].id != 0)
			pending++;
	if (pending != ev->ntimers)
		return -1;
	return 0;
}

const char *
evloop_strerror(int err)
{
	switch (err)
	{
		case EVLOOP_OK:
			return "success";
		case EVLOOP_ERR_SYS:
			return "system call failed (see errno)";
		case EVLOOP_ERR_FULL:
			return "fd or timer cap reached";
		case EVLOOP_ERR_EXISTS:
			return "fd already registered";
		case EVLOOP_ERR_NOT_FOUND:
			return "fd not registered or timer not pending";
		case EVLOOP_ERR_BAD_FD:
			return "bad or unpollable file descriptor";
		default:
			return "unknown evloop error";
	}
}
