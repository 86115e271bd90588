/*
 * evloop.h
 *		One epoll set for many sockets, plus a heap of millisecond timers.
 *
 * Owns: the epoll fd, the registration of each socket (interest, callback,
 * argument), and the timers.  Does not own the registered fds (it never
 * closes them), never reads or writes them, and never blocks: the worker
 * puts evloop_epoll_fd() into its PostgreSQL WaitEventSet, sleeps there for
 * evloop_next_timeout(), and on wake calls evloop_dispatch() and
 * evloop_run_timers().
 *
 * Invariants and caps: every byte is allocated by evloop_create(), sized
 * from max_fds and max_timers; nothing allocates afterwards.  Adding,
 * modifying and removing an fd is O(1); adding and cancelling a timer is
 * O(log n).  An fd's epoll data carries its slot and a generation, so an
 * event that a callback made stale (by removing, or removing and re-adding,
 * another fd of the same batch) is never dispatched.  Timer ids come from a
 * 64-bit counter and are never reused in practice.  Not thread-safe and not
 * reentrant: from a callback, evloop_dispatch() and evloop_run_timers()
 * fail with EBUSY, evloop_destroy() is forbidden, and so is leaving by
 * longjmp (ereport(ERROR)); everything else (add, modify, remove, timers)
 * is allowed.
 */
#ifndef DHT_EVLOOP_H
#define DHT_EVLOOP_H

#include <stddef.h>
#include <stdint.h>

/* Interest and readiness bits for evloop_add/modify and fd callbacks. */
#define EVLOOP_READ		0x1
#define EVLOOP_WRITE	0x2

/*
 * Largest max_fds and max_timers accepted by evloop_create().  Slot numbers
 * travel in 32 bits of the epoll data, and 16M is far above any fd budget or
 * timer population we plan (it also keeps every size computation far from
 * overflow).
 */
#define EVLOOP_MAX_CAP	(1u << 24)

struct evloop;					/* opaque */

/*
 * Called for an fd with the ready directions among its interest.  An error
 * or hang-up is reported as every direction of the interest (READ|WRITE if
 * the interest is empty), so that the owner's read or write sees it.
 */
typedef void evloop_fd_fn(struct evloop *ev, int fd, unsigned events,
						  void *arg);

/* Called once when a timer is due; the id is already expired (not found). */
typedef void evloop_timer_fn(struct evloop *ev, uint64_t id, void *arg);

enum evloop_error
{
	EVLOOP_OK = 0,
	EVLOOP_ERR_SYS = -1,		/* a system call failed; errno says why */
	EVLOOP_ERR_FULL = -2,		/* fd or timer cap reached */
	EVLOOP_ERR_EXISTS = -3,		/* fd already registered */
	EVLOOP_ERR_NOT_FOUND = -4,	/* fd not registered, timer unknown/expired */
	EVLOOP_ERR_BAD_FD = -5		/* negative fd, or one epoll refuses */
};

/* Allocate all memory for max_fds fds and max_timers timers; NULL+errno. */
struct evloop *evloop_create(size_t max_fds, size_t max_timers);

/* Close the epoll fd and free the loop; registered fds stay open. */
void		evloop_destroy(struct evloop *ev);

/* The epoll fd: readable when some registered fd is ready (WaitEventSet). */
int			evloop_epoll_fd(const struct evloop *ev);

/* Register fd with interest events (READ/WRITE bits) and its callback. */
int			evloop_add(struct evloop *ev, int fd, unsigned events,
					   evloop_fd_fn *cb, void *arg);

/* Replace a registered fd's interest (0 pauses it, errors still report). */
int			evloop_modify(struct evloop *ev, int fd, unsigned events);

/*
 * Unregister fd; call BEFORE close(fd).  Safe inside any callback.  The
 * registration is dropped even if epoll_ctl fails (fd closed too early).
 */
int			evloop_remove(struct evloop *ev, int fd);

/* Number of registered fds. */
size_t		evloop_count(const struct evloop *ev);

/*
 * Poll without waiting and run the callbacks of up to max_events ready fds
 * (values < 1 or above max_fds mean max_fds); returns how many ran.
 */
int			evloop_dispatch(struct evloop *ev, int max_events);

/* Schedule cb at deadline_ms; the id (> 0), or 0 at the cap or if !cb. */
uint64_t	evloop_timer_add(struct evloop *ev, uint64_t deadline_ms,
							 evloop_timer_fn *cb, void *arg);

/* Cancel a pending timer; EVLOOP_ERR_NOT_FOUND for unknown/expired ids. */
int			evloop_timer_cancel(struct evloop *ev, uint64_t id);

/*
 * Run every timer due at now_ms, in deadline order (ties: insertion order),
 * and return how many ran.  Timers that the callbacks add wait for the next
 * call even if already due, so a self-re-arming timer cannot loop forever.
 */
int			evloop_run_timers(struct evloop *ev, uint64_t now_ms);

/* ms until the earliest deadline (0 if overdue), -1 if no timers. */
int64_t		evloop_next_timeout(const struct evloop *ev, uint64_t now_ms);

/* Number of pending timers. */
size_t		evloop_timer_count(const struct evloop *ev);

/* CLOCK_MONOTONIC in ms: the only clock this module reads. */
uint64_t	evloop_now_ms(void);

/* A sentence for an evloop_error value. */
const char *evloop_strerror(int err);

/* For tests: 0 if heap order, heap positions and id map agree, else -1. */
int			evloop_timer_check(const struct evloop *ev);

#endif							/* DHT_EVLOOP_H */
