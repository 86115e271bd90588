/*
 * test_evloop.c
 *		Unit tests of evloop: fd dispatch on real fds and the timer heap.
 *
 * fds: pipes, socketpairs, eventfds and UDP sockets on 127.0.0.1.  Timers:
 * hand-made tables for order, ties and cancellation, then 10,000 random
 * timers compared with a sorted reference, and random add/cancel mixes with
 * the heap checked after every step.
 */
#include "evloop.h"
#include "unit.h"
#include "testutil.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>

/* What fd callbacks saw. */
struct fd_log
{
	int			calls;
	int			fd;
	unsigned	events;
};

/* Callback state for the "remove another fd of the same batch" tests. */
struct victim
{
	struct fd_log log;
	int			other_fd;		/* fd to remove (and close) */
	bool		readd;			/* then open an eventfd in its place */
	int		   *readd_fd;		/* where to store the new fd */
	struct fd_log *readd_log;
};

static uint64_t rng_state = UINT64_C(0x243F6A8885A308D3);

/* xorshift64*: deterministic, so failures reproduce. */
static uint64_t
rng(void)
{
	return testutil_xorshift(&rng_state);
}

static void
log_fd(struct evloop *ev, int fd, unsigned events, void *arg)
{
	struct fd_log *log = arg;

	(void) ev;
	log->calls++;
	log->fd = fd;
	log->events |= events;
}

/* Reads one byte so that a level-triggered pipe goes quiet again. */
static void
drain_fd(struct evloop *ev, int fd, unsigned events, void *arg)
{
	char		buf[64];

	log_fd(ev, fd, events, arg);
	if (read(fd, buf, sizeof(buf)) < 0)
		perror("read");
}

/*
 * Removes and closes another fd; with readd, opens a quiet eventfd (which
 * takes the lowest free number: the one just closed) and registers it (in
 * the slot just freed).
 */
static void
remove_other(struct evloop *ev, int fd, unsigned events, void *arg)
{
	struct victim *v = arg;
	int			old = v->other_fd;

	log_fd(ev, fd, events, &v->log);
	if (old < 0)
		return;
	CHECK(evloop_remove(ev, old) == EVLOOP_OK);
	close(old);
	v->other_fd = -1;
	if (!v->readd)
		return;
	*v->readd_fd = eventfd(0, EFD_NONBLOCK);
	CHECKF(*v->readd_fd == old, "eventfd %d, closed %d", *v->readd_fd, old);
	CHECK(evloop_add(ev, *v->readd_fd, EVLOOP_READ, log_fd,
					 v->readd_log) == EVLOOP_OK);
}

/* Narrows another fd's interest (arg: that fd) to WRITE. */
static void
narrow_other(struct evloop *ev, int fd, unsigned events, void *arg)
{
	struct victim *v = arg;

	log_fd(ev, fd, events, &v->log);
	if (v->other_fd >= 0)
		CHECK(evloop_modify(ev, v->other_fd, EVLOOP_WRITE) == EVLOOP_OK);
	v->other_fd = -1;
}

static void
nested_dispatch(struct evloop *ev, int fd, unsigned events, void *arg)
{
	int			rc;

	log_fd(ev, fd, events, arg);
	errno = 0;
	rc = evloop_dispatch(ev, 0);
	CHECK(rc == EVLOOP_ERR_SYS && errno == EBUSY);
}

static void
write_byte(int fd)
{
	if (write(fd, "x", 1) != 1)
		perror("write");
}

/* ---------------------------------------------------------------------- */

static void
test_create(void)
{
	struct evloop *ev;

	errno = 0;
	CHECK(evloop_create(EVLOOP_MAX_CAP + 1, 1) == NULL && errno == ERANGE);
	CHECK(evloop_create(1, (size_t) EVLOOP_MAX_CAP + 1) == NULL);
	ev = evloop_create(0, 0);
	CHECK(ev != NULL);
	if (ev == NULL)
		return;
	CHECK(evloop_epoll_fd(ev) >= 0);
	CHECK(evloop_count(ev) == 0 && evloop_timer_count(ev) == 0);
	CHECK(evloop_dispatch(ev, 0) == 0);
	CHECK(evloop_run_timers(ev, 100) == 0);
	CHECK(evloop_next_timeout(ev, 0) == -1);
	evloop_destroy(ev);
	evloop_destroy(NULL);
	CHECK(evloop_now_ms() > 0);
	CHECK(strcmp(evloop_strerror(EVLOOP_ERR_FULL),
				 "fd or timer cap reached") == 0);
	CHECK(strcmp(evloop_strerror(42), "unknown evloop error") == 0);
}

static void
test_readable(void)
{
	struct evloop *ev = evloop_create(8, 8);
	struct fd_log log = {0};
	int			p[2];
	char		c;

	CHECK(pipe(p) == 0);
	CHECK(evloop_add(ev, p[0], EVLOOP_READ, log_fd, &log) == EVLOOP_OK);
	CHECK(evloop_count(ev) == 1);
	CHECK(evloop_dispatch(ev, 16) == 0 && log.calls == 0);
	write_byte(p[1]);
	CHECK(evloop_dispatch(ev, 16) == 1);
	CHECK(log.calls == 1 && log.fd == p[0] && log.events == EVLOOP_READ);
	/* level-triggered: still readable until drained */
	CHECK(evloop_dispatch(ev, 16) == 1 && log.calls == 2);
	CHECK(read(p[0], &c, 1) == 1);
	CHECK(evloop_dispatch(ev, 16) == 0 && log.calls == 2);
	/* paused interest: nothing dispatched while data waits */
	write_byte(p[1]);
	CHECK(evloop_modify(ev, p[0], 0) == EVLOOP_OK);
	CHECK(evloop_dispatch(ev, 16) == 0);
	CHECK(evloop_modify(ev, p[0], EVLOOP_READ) == EVLOOP_OK);
	CHECK(evloop_dispatch(ev, 16) == 1 && log.calls == 3);
	CHECK(evloop_remove(ev, p[0]) == EVLOOP_OK);
	CHECK(evloop_count(ev) == 0);
	CHECK(evloop_dispatch(ev, 16) == 0);
	close(p[0]);
	close(p[1]);
	evloop_destroy(ev);
}

static void
test_write_interest(void)
{
	struct evloop *ev = evloop_create(8, 8);
	struct fd_log log = {0};
	int			sv[2];

	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) == 0);
	CHECK(evloop_add(ev, sv[0], EVLOOP_READ, log_fd, &log) == EVLOOP_OK);
	CHECK(evloop_dispatch(ev, 0) == 0);
	CHECK(evloop_modify(ev, sv[0], EVLOOP_READ | EVLOOP_WRITE) == EVLOOP_OK);
	CHECK(evloop_dispatch(ev, 0) == 1 && log.events == EVLOOP_WRITE);
	write_byte(sv[1]);
	log.events = 0;
	CHECK(evloop_dispatch(ev, 0) == 1);
	CHECK(log.events == (EVLOOP_READ | EVLOOP_WRITE));
	CHECK(evloop_modify(ev, sv[0], EVLOOP_WRITE) == EVLOOP_OK);
	log.events = 0;
	CHECK(evloop_dispatch(ev, 0) == 1 && log.events == EVLOOP_WRITE);
	errno = 0;
	CHECK(evloop_modify(ev, sv[0], 0x4) == EVLOOP_ERR_SYS && errno == EINVAL);
	CHECK(evloop_modify(ev, sv[1], EVLOOP_READ) == EVLOOP_ERR_NOT_FOUND);
	CHECK(evloop_modify(ev, -1, EVLOOP_READ) == EVLOOP_ERR_BAD_FD);
	CHECK(evloop_remove(ev, sv[0]) == EVLOOP_OK);
	close(sv[0]);
	close(sv[1]);
	evloop_destroy(ev);
}

/* A closed peer (hang-up) is reported through the interest. */
static void
test_hangup(void)
{
	struct evloop *ev = evloop_create(8, 8);
	struct fd_log log = {0};
	int			p[2];

	CHECK(pipe(p) == 0);
	CHECK(evloop_add(ev, p[0], EVLOOP_READ, log_fd, &log) == EVLOOP_OK);
	close(p[1]);
	CHECK(evloop_dispatch(ev, 0) == 1 && log.events == EVLOOP_READ);
	/* with no interest, a hang-up still reaches the owner */
	CHECK(evloop_modify(ev, p[0], 0) == EVLOOP_OK);
	log.events = 0;
	CHECK(evloop_dispatch(ev, 0) == 1);
	CHECK(log.events == (EVLOOP_READ | EVLOOP_WRITE));
	CHECK(evloop_remove(ev, p[0]) == EVLOOP_OK);
	close(p[0]);
	evloop_destroy(ev);
}

/*
 * Two readable pipes in one batch; whichever callback runs first removes and
 * closes the other, which must not be dispatched.  With readd, a new quiet
 * eventfd takes both the freed slot and the fd number: the stale event must
 * not reach it either (the generation differs).
 */
static void
run_remove_in_batch(bool readd)
{
	struct evloop *ev = evloop_create(8, 8);
	struct victim va = {0};
	struct victim vb = {0};
	struct fd_log fresh = {0};
	int			a[2];
	int			b[2];
	int			efd = -1;
	int			survivor;
	int			rc;

	CHECK(pipe(a) == 0 && pipe(b) == 0);
	va.other_fd = b[0];
	vb.other_fd = a[0];
	va.readd = vb.readd = readd;
	va.readd_fd = vb.readd_fd = &efd;
	va.readd_log = vb.readd_log = &fresh;
	CHECK(evloop_add(ev, a[0], EVLOOP_READ, remove_other, &va) == EVLOOP_OK);
	CHECK(evloop_add(ev, b[0], EVLOOP_READ, remove_other, &vb) == EVLOOP_OK);
	write_byte(a[1]);
	write_byte(b[1]);
	rc = evloop_dispatch(ev, 8);
	CHECKF(rc == 1, "readd=%d rc=%d", readd, rc);
	CHECKF(va.log.calls + vb.log.calls == 1, "readd=%d a=%d b=%d", readd,
		   va.log.calls, vb.log.calls);
	CHECKF(fresh.calls == 0, "readd=%d: stale event reached the new fd", readd);
	CHECK(evloop_count(ev) == (readd ? 2u : 1u));
	survivor = va.log.calls == 1 ? a[0] : b[0];
	if (readd)
	{
		uint64_t	one = 1;

		CHECK(write(efd, &one, sizeof(one)) == sizeof(one));
		CHECK(evloop_dispatch(ev, 8) >= 1 && fresh.calls == 1);
		CHECK(fresh.fd == efd);
		CHECK(evloop_remove(ev, efd) == EVLOOP_OK);
		close(efd);
	}
	close(a[1]);
	close(b[1]);
	CHECK(evloop_remove(ev, survivor) == EVLOOP_OK);
	close(survivor);
	CHECK(evloop_count(ev) == 0);
	evloop_destroy(ev);
}

/*
 * A callback narrows the interest of another readable fd of the same batch
 * to WRITE: the read end of a pipe is never writable, so its pending READ
 * event must not be dispatched.
 */
static void
test_modify_in_batch(void)
{
	struct evloop *ev = evloop_create(8, 8);
	struct victim va = {0};
	struct victim vb = {0};
	int			a[2];
	int			b[2];

	CHECK(pipe(a) == 0 && pipe(b) == 0);
	va.other_fd = b[0];
	vb.other_fd = a[0];
	CHECK(evloop_add(ev, a[0], EVLOOP_READ, narrow_other, &va) == EVLOOP_OK);
	CHECK(evloop_add(ev, b[0], EVLOOP_READ, narrow_other, &vb) == EVLOOP_OK);
	write_byte(a[1]);
	write_byte(b[1]);
	CHECK(evloop_dispatch(ev, 8) == 1);
	CHECK(va.log.calls + vb.log.calls == 1);
	CHECK(evloop_remove(ev, a[0]) == EVLOOP_OK);
	CHECK(evloop_remove(ev, b[0]) == EVLOOP_OK);
	close(a[0]);
	close(a[1]);
	close(b[0]);
	close(b[1]);
	evloop_destroy(ev);
}

static void
test_readd(void)
{
	struct evloop *ev = evloop_create(4, 4);
	struct fd_log first = {0};
	struct fd_log second = {0};
	int			efd = eventfd(1, EFD_NONBLOCK);

	CHECK(evloop_add(ev, efd, EVLOOP_READ, log_fd, &first) == EVLOOP_OK);
	CHECK(evloop_add(ev, efd, EVLOOP_READ, log_fd, &first) ==
		  EVLOOP_ERR_EXISTS);
	CHECK(evloop_remove(ev, efd) == EVLOOP_OK);
	CHECK(evloop_remove(ev, efd) == EVLOOP_ERR_NOT_FOUND);
	CHECK(evloop_dispatch(ev, 0) == 0);
	CHECK(evloop_add(ev, efd, EVLOOP_READ, log_fd, &second) == EVLOOP_OK);
	CHECK(evloop_dispatch(ev, 0) == 1);
	CHECK(first.calls == 0 && second.calls == 1 && second.fd == efd);
	/* nested dispatch is refused */
	CHECK(evloop_modify(ev, efd, EVLOOP_READ) == EVLOOP_OK);
	CHECK(evloop_remove(ev, efd) == EVLOOP_OK);
	CHECK(evloop_add(ev, efd, EVLOOP_READ, nested_dispatch,
					 &second) == EVLOOP_OK);
	CHECK(evloop_dispatch(ev, 0) == 1 && second.calls == 2);
	CHECK(evloop_remove(ev, efd) == EVLOOP_OK);
	close(efd);
	evloop_destroy(ev);
}

static int
udp_socket(uint16_t *port)
{
	struct sockaddr_in sin;
	socklen_t	len = sizeof(sin);
	int			fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *) &sin, sizeof(sin)) != 0 ||
		getsockname(fd, (struct sockaddr *) &sin, &len) != 0)
	{
		perror("udp socket");
		exit(2);
	}
	*port = ntohs(sin.sin_port);
	return fd;
}

/* UDP on 127.0.0.1, max_events batching, and a very high fd number. */
static void
test_udp(void)
{
	struct evloop *ev = evloop_create(4, 1);
	struct fd_log logs[3] = {{0}};
	struct sockaddr_in to;
	struct rlimit rl;
	int			fds[3];
	uint16_t	ports[3];
	int			high;
	int			i;
	int			total = 0;

	memset(&to, 0, sizeof(to));
	to.sin_family = AF_INET;
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (i = 0; i < 3; i++)
		fds[i] = udp_socket(&ports[i]);

	/*
	 * Move the last socket to the highest allowed fd number (at most 2^20, so
	 * that a huge limit does not make the kernel's fd table huge).
	 */
	CHECK(getrlimit(RLIMIT_NOFILE, &rl) == 0);
	if (rl.rlim_cur > (1 << 20))
		rl.rlim_cur = 1 << 20;
	high = fcntl(fds[2], F_DUPFD_CLOEXEC, (int) (rl.rlim_cur - 1));
	CHECKF(high == (int) (rl.rlim_cur - 1), "high fd %d", high);
	close(fds[2]);
	fds[2] = high;
	for (i = 0; i < 3; i++)
	{
		CHECK(evloop_add(ev, fds[i], EVLOOP_READ, drain_fd,
						 &logs[i]) == EVLOOP_OK);
		to.sin_port = htons(ports[i]);
		CHECK(sendto(fds[0], "ping", 4, 0, (struct sockaddr *) &to,
					 sizeof(to)) == 4);
	}
	CHECK(evloop_count(ev) == 3);
	CHECK(evloop_dispatch(ev, 1) == 1);
	for (i = 0; i < 3; i++)
		total += logs[i].calls;
	CHECK(total == 1);
	CHECK(evloop_dispatch(ev, 0) == 2);
	for (i = 0; i < 3; i++)
		CHECKF(logs[i].calls == 1 && logs[i].fd == fds[i], "socket %d", i);
	CHECK(evloop_dispatch(ev, 0) == 0);
	for (i = 0; i < 3; i++)
	{
		CHECK(evloop_remove(ev, fds[i]) == EVLOOP_OK);
		close(fds[i]);
	}
	evloop_destroy(ev);
}

static void
test_fd_caps(void)
{
	struct evloop *ev = evloop_create(2, 2);
	struct fd_log log = {0};
	int			p[2];
	int			q[2];
	int			devnull = open("/dev/null", O_RDONLY);
	int			rc;

	CHECK(pipe(p) == 0 && pipe(q) == 0);
	CHECK(evloop_add(ev, -1, EVLOOP_READ, log_fd, &log) == EVLOOP_ERR_BAD_FD);
	CHECK(evloop_add(ev, p[0], 0x8, log_fd, &log) == EVLOOP_ERR_SYS);
	CHECK(evloop_add(ev, p[0], EVLOOP_READ, NULL, &log) == EVLOOP_ERR_SYS);
	/* a regular file cannot be polled (EPERM) */
	rc = evloop_add(ev, devnull, EVLOOP_READ, log_fd, &log);
	CHECKF(rc == EVLOOP_ERR_BAD_FD, "rc %d errno %d", rc, errno);
	/* a closed fd number */
	close(devnull);
	CHECK(evloop_add(ev, devnull, EVLOOP_READ, log_fd, &log) ==
		  EVLOOP_ERR_BAD_FD);
	CHECK(evloop_count(ev) == 0);
	CHECK(evloop_add(ev, p[0], EVLOOP_READ, log_fd, &log) == EVLOOP_OK);
	CHECK(evloop_add(ev, p[1], EVLOOP_WRITE, log_fd, &log) == EVLOOP_OK);
	CHECK(evloop_add(ev, q[0], EVLOOP_READ, log_fd, &log) == EVLOOP_ERR_FULL);
	CHECK(evloop_count(ev) == 2);
	CHECK(evloop_remove(ev, p[1]) == EVLOOP_OK);
	CHECK(evloop_add(ev, q[0], EVLOOP_READ, log_fd, &log) == EVLOOP_OK);
	/* closing before remove: the slot is freed anyway, the error reported */
	close(q[0]);
	CHECK(evloop_remove(ev, q[0]) == EVLOOP_ERR_BAD_FD);
	CHECK(evloop_count(ev) == 1);
	CHECK(evloop_add(ev, q[1], EVLOOP_WRITE, log_fd, &log) == EVLOOP_OK);
	CHECK(evloop_remove(ev, q[1]) == EVLOOP_OK);
	CHECK(evloop_remove(ev, p[0]) == EVLOOP_OK);
	close(p[0]);
	close(p[1]);
	close(q[1]);
	evloop_destroy(ev);
}

/* Many fds in a small loop: exercises the fd map's deletions. */
static void
test_fd_churn(void)
{
	enum
	{
		NPIPE = 40
	};
	struct evloop *ev = evloop_create(NPIPE * 2, 1);
	struct fd_log log = {0};
	int			p[NPIPE][2];
	bool		in[NPIPE * 2] = {false};
	int			i;
	int			k;
	int			step;
	size_t		count = 0;

	for (i = 0; i < NPIPE; i++)
		CHECK(pipe(p[i]) == 0);
	for (step = 0; step < 20000; step++)
	{
		k = (int) (rng() % (NPIPE * 2));
		if (in[k])
		{
			CHECK(evloop_remove(ev, p[k / 2][k % 2]) == EVLOOP_OK);
			count--;
		}
		else
		{
			CHECK(evloop_add(ev, p[k / 2][k % 2], EVLOOP_READ, log_fd,
							 &log) == EVLOOP_OK);
			count++;
		}
		in[k] = !in[k];
		if (evloop_count(ev) != count)
			break;
	}
	CHECK(evloop_count(ev) == count);
	for (k = 0; k < NPIPE * 2; k++)
		CHECK(evloop_modify(ev, p[k / 2][k % 2], EVLOOP_READ) ==
			  (in[k] ? EVLOOP_OK : EVLOOP_ERR_NOT_FOUND));
	for (i = 0; i < NPIPE; i++)
	{
		close(p[i][0]);
		close(p[i][1]);
	}
	evloop_destroy(ev);
}

/* ---------------------------------------------------------------------- */
/* Timers */

#define LOG_MAX 16

struct timer_log
{
	int			n;
	int			tags[LOG_MAX];
};

/* A timer argument: its tag, the log, and what it should do when run. */
struct timer_arg
{
	int			tag;
	struct timer_log *log;
	uint64_t	cancel_id;		/* cancel this id when run */
	int			readd;			/* re-add self this many times */
	uint64_t	readd_at;
	uint64_t	last_id;
};

static void
log_timer(struct evloop *ev, uint64_t id, void *arg)
{
	struct timer_arg *a = arg;

	if (a->log->n < LOG_MAX)
		a->log->tags[a->log->n++] = a->tag;
	CHECK(evloop_timer_cancel(ev, id) == EVLOOP_ERR_NOT_FOUND);
	if (a->cancel_id != 0)
		CHECK(evloop_timer_cancel(ev, a->cancel_id) == EVLOOP_OK);
	if (a->readd > 0)
	{
		a->readd--;
		a->last_id = evloop_timer_add(ev, a->readd_at, log_timer, a);
		CHECK(a->last_id > id);
		CHECK(evloop_next_timeout(ev, a->readd_at) == 0);
		errno = 0;
		CHECK(evloop_run_timers(ev, a->readd_at) == EVLOOP_ERR_SYS &&
			  errno == EBUSY);
	}
}

/* Does the log hold exactly the tags in want (terminated by -1)? */
static bool
log_is(const struct timer_log *log, const int *want)
{
	int			i;

	for (i = 0; i < log->n; i++)
		if (want[i] != log->tags[i])
			return false;
	return want[log->n] == -1;
}

/* Order with ties: deadline first, then insertion order. */
static void
test_timer_order(void)
{
	static const struct
	{
		uint64_t	deadline;
	}			rows[] = {{30}, {10}, {20}, {10}, {30}, {5}, {20}, {10}};
	static const int want15[] = {5, 1, 3, 7, -1};
	static const int want30[] = {2, 6, 0, 4, -1};
	struct evloop *ev = evloop_create(0, 8);
	struct timer_log log = {0};
	struct timer_arg args[8];
	size_t		i;

	memset(args, 0, sizeof(args));
	for (i = 0; i < 8; i++)
	{
		args[i].tag = (int) i;
		args[i].log = &log;
		CHECK(evloop_timer_add(ev, rows[i].deadline, log_timer,
							   &args[i]) == i + 1);
	}
	CHECK(evloop_timer_add(ev, 1, log_timer, &args[0]) == 0);	/* cap */
	CHECK(evloop_timer_count(ev) == 8);
	CHECK(evloop_timer_check(ev) == 0);
	CHECK(evloop_next_timeout(ev, 0) == 5);
	CHECK(evloop_run_timers(ev, 4) == 0);
	CHECK(evloop_run_timers(ev, 15) == 4);
	CHECKF(log_is(&log, want15), "n=%d", log.n);
	CHECK(evloop_timer_count(ev) == 4);
	CHECK(evloop_next_timeout(ev, 15) == 5);
	log.n = 0;
	CHECK(evloop_run_timers(ev, 1000) == 4);
	CHECKF(log_is(&log, want30), "n=%d", log.n);
	CHECK(evloop_timer_count(ev) == 0);
	CHECK(evloop_next_timeout(ev, 1000) == -1);
	CHECK(evloop_timer_add(ev, 1, NULL, NULL) == 0);
	evloop_destroy(ev);
}

/* Cancel the head, a middle one, the last one, unknown and expired ids. */
static void
test_timer_cancel(void)
{
	static const uint64_t deadlines[] = {10, 20, 30, 40, 50};
	static const int want[] = {1, 3, -1};
	struct evloop *ev = evloop_create(0, 8);
	struct timer_log log = {0};
	struct timer_arg args[5];
	uint64_t	ids[5];
	int			i;

	memset(args, 0, sizeof(args));
	for (i = 0; i < 5; i++)
	{
		args[i].tag = i;
		args[i].log = &log;
		ids[i] = evloop_timer_add(ev, deadlines[i], log_timer, &args[i]);
	}
	CHECK(evloop_timer_cancel(ev, ids[0]) == EVLOOP_OK);	/* head */
	CHECK(evloop_timer_check(ev) == 0);
	CHECK(evloop_next_timeout(ev, 0) == 20);
	CHECK(evloop_timer_cancel(ev, ids[2]) == EVLOOP_OK);	/* middle */
	CHECK(evloop_timer_check(ev) == 0);
	CHECK(evloop_timer_cancel(ev, ids[4]) == EVLOOP_OK);	/* last */
	CHECK(evloop_timer_check(ev) == 0);
	CHECK(evloop_timer_cancel(ev, ids[4]) == EVLOOP_ERR_NOT_FOUND);
	CHECK(evloop_timer_cancel(ev, 0) == EVLOOP_ERR_NOT_FOUND);
	CHECK(evloop_timer_cancel(ev, 999999) == EVLOOP_ERR_NOT_FOUND);
	CHECK(evloop_timer_count(ev) == 2);
	CHECK(evloop_run_timers(ev, 100) == 2);
	CHECK(log_is(&log, want));
	/* expired */
	CHECK(evloop_timer_cancel(ev, ids[1]) == EVLOOP_ERR_NOT_FOUND);
	/* a callback cancels a later timer that is due in the same run */
	log.n = 0;
	ids[0] = evloop_timer_add(ev, 5, log_timer, &args[0]);
	ids[1] = evloop_timer_add(ev, 6, log_timer, &args[1]);
	ids[2] = evloop_timer_add(ev, 500, log_timer, &args[2]);
	args[0].cancel_id = ids[1];
	CHECK(evloop_run_timers(ev, 100) == 1);
	CHECK(log.n == 1 && log.tags[0] == 0);
	CHECK(evloop_timer_count(ev) == 1);
	CHECK(evloop_timer_cancel(ev, ids[2]) == EVLOOP_OK);
	CHECK(evloop_timer_count(ev) == 0 && evloop_timer_check(ev) == 0);
	evloop_destroy(ev);
}

/*
 * A timer re-adds itself due at once: it runs once per call, never twice in
 * one (no endless loop), also at a cap of one timer.
 */
static void
test_timer_rearm(void)
{
	struct evloop *ev = evloop_create(0, 1);
	struct timer_log log = {0};
	struct timer_arg a = {0};
	int			call;

	a.log = &log;
	a.readd = 3;
	a.readd_at = 50;			/* already due when re-added */
	CHECK(evloop_timer_add(ev, 50, log_timer, &a) == 1);
	for (call = 1; call <= 4; call++)
	{
		CHECKF(evloop_run_timers(ev, 60) == 1, "call %d", call);
		CHECKF(log.n == call, "call %d", call);
	}
	CHECK(a.readd == 0 && evloop_timer_count(ev) == 0);
	CHECK(evloop_run_timers(ev, 60) == 0);
	evloop_destroy(ev);
}

static void
test_next_timeout(void)
{
	static const struct
	{
		uint64_t	deadline;
		uint64_t	now;
		int64_t		want;
	}			rows[] = {
		{100, 40, 60},
		{100, 99, 1},
		{100, 100, 0},
		{100, 150, 0},
		{0, 0, 0},
		{UINT64_MAX, 0, INT64_MAX},
		{UINT64_MAX, 1, INT64_MAX},
		{(uint64_t) INT64_MAX + 5, 5, INT64_MAX},
		{(uint64_t) INT64_MAX + 5, 6, INT64_MAX - 1},
	};
	struct evloop *ev = evloop_create(0, 4);
	struct timer_log log = {0};
	struct timer_arg a = {0};
	uint64_t	id;
	size_t		i;

	a.log = &log;
	CHECK(evloop_next_timeout(ev, 0) == -1);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
	{
		id = evloop_timer_add(ev, rows[i].deadline, log_timer, &a);
		CHECKF(evloop_next_timeout(ev, rows[i].now) == rows[i].want,
			   "row %zu: %lld", i,
			   (long long) evloop_next_timeout(ev, rows[i].now));
		CHECK(evloop_timer_cancel(ev, id) == EVLOOP_OK);
	}
	/* the earliest of several */
	evloop_timer_add(ev, 300, log_timer, &a);
	evloop_timer_add(ev, 200, log_timer, &a);
	id = evloop_timer_add(ev, 250, log_timer, &a);
	CHECK(evloop_next_timeout(ev, 100) == 100);
	evloop_timer_cancel(ev, id);
	CHECK(evloop_next_timeout(ev, 100) == 100);
	CHECK(evloop_run_timers(ev, 200) == 1);
	CHECK(evloop_next_timeout(ev, 200) == 100);
	evloop_destroy(ev);
}

/* ---------------------------------------------------------------------- */
/* Random timers against a sorted reference */

#define NRANDOM 10000

struct ref_timer
{
	uint64_t	deadline;
	uint64_t	id;
	bool		cancelled;
};

struct ran_log
{
	size_t		n;
	uint64_t	ids[NRANDOM];
};

static void
record_timer(struct evloop *ev, uint64_t id, void *arg)
{
	struct ran_log *r = arg;

	(void) ev;
	if (r->n < NRANDOM)
	{
		r->ids[r->n] = id;
		r->n++;
	}
}

static int
ref_cmp(const void *a, const void *b)
{
	const struct ref_timer *x = a;
	const struct ref_timer *y = b;

	if (x->deadline != y->deadline)
		return x->deadline < y->deadline ? -1 : 1;
	return x->id < y->id ? -1 : (x->id > y->id);
}

/*
 * 10,000 timers with random (often equal) deadlines, a third cancelled at
 * random, run by random steps of now: the run order must equal the sorted
 * (deadline, id) order of the survivors, and each call must run exactly the
 * survivors due by its now.
 */
static void
test_timer_random(void)
{
	static struct ref_timer ref[NRANDOM];
	static struct ran_log ran;
	struct evloop *ev = evloop_create(0, NRANDOM);
	size_t		i;
	size_t		want_n = 0;
	size_t		mismatches = 0;
	size_t		due;
	uint64_t	now = 0;
	int			rc;

	for (i = 0; i < NRANDOM; i++)
	{
		ref[i].deadline = rng() % 2000;
		ref[i].id = evloop_timer_add(ev, ref[i].deadline, record_timer, &ran);
		ref[i].cancelled = false;
	}
	CHECK(evloop_timer_count(ev) == NRANDOM);
	CHECK(evloop_timer_add(ev, 0, record_timer, &ran) == 0);
	for (i = 0; i < NRANDOM / 3; i++)
	{
		size_t		k = rng() % NRANDOM;

		rc = evloop_timer_cancel(ev, ref[k].id);
		CHECK(rc == (ref[k].cancelled ? EVLOOP_ERR_NOT_FOUND : EVLOOP_OK));
		ref[k].cancelled = true;
	}
	CHECK(evloop_timer_check(ev) == 0);
	qsort(ref, NRANDOM, sizeof(ref[0]), ref_cmp);
	while (now < 2100)
	{
		now += rng() % 37;
		due = 0;
		for (i = 0; i < NRANDOM; i++)
			if (!ref[i].cancelled && ref[i].deadline <= now)
				due++;
		rc = evloop_run_timers(ev, now);
		CHECKF(rc >= 0 && (size_t) rc == due - want_n,
			   "now %llu ran %d want %zu", (unsigned long long) now, rc,
			   due - want_n);
		want_n = due;
	}
	for (i = 0, due = 0; i < NRANDOM; i++)
	{
		if (ref[i].cancelled)
			continue;
		if (due >= ran.n || ran.ids[due] != ref[i].id)
			mismatches++;
		due++;
	}
	CHECK(ran.n == due);
	CHECKF(mismatches == 0, "%zu timers out of order", mismatches);
	CHECK(evloop_timer_count(ev) == 0 && evloop_timer_check(ev) == 0);
	evloop_destroy(ev);
}

static void
noop_timer(struct evloop *ev, uint64_t id, void *arg)
{
	(void) ev;
	(void) id;
	(void) arg;
}

/*
 * Random mixes of add, cancel (live and dead ids) and partial runs on a
 * small cap, checking the heap invariant after every step.
 */
static void
test_timer_heap_invariant(void)
{
	enum
	{
		CAP = 257
	};
	static uint64_t live[CAP];
	struct evloop *ev = evloop_create(0, CAP);
	size_t		nlive = 0;
	size_t		bad = 0;
	size_t		k;
	uint64_t	now = 0;
	uint64_t	id;
	int			step;
	int			op;
	int			ran;

	for (step = 0; step < 30000; step++)
	{
		op = (int) (rng() % 10);
		if (op < 5)
		{
			id = evloop_timer_add(ev, now + rng() % 500, noop_timer, NULL);
			if (nlive == CAP)
				CHECK(id == 0);
			else if (id != 0)
				live[nlive++] = id;
		}
		else if (op < 9 && nlive > 0)
		{
			k = rng() % nlive;
			CHECK(evloop_timer_cancel(ev, live[k]) == EVLOOP_OK);
			CHECK(evloop_timer_cancel(ev, live[k]) == EVLOOP_ERR_NOT_FOUND);
			live[k] = live[--nlive];
		}
		else
		{
			now += rng() % 50;
			ran = evloop_run_timers(ev, now);
			/* forget the ids that expired: cancel must now fail for them */
			for (k = 0; k < nlive;)
			{
				if (evloop_timer_cancel(ev, live[k]) == EVLOOP_ERR_NOT_FOUND)
				{
					live[k] = live[--nlive];
					ran--;
				}
				else
				{
					/* still pending: put it back (new id) */
					live[k] = evloop_timer_add(ev, now + 1 + rng() % 500,
											   noop_timer, NULL);
					k++;
				}
			}
			CHECK(ran == 0);
		}
		if (evloop_timer_check(ev) != 0 || evloop_timer_count(ev) != nlive)
			bad++;
	}
	CHECKF(bad == 0, "%zu steps broke the heap invariant", bad);
	evloop_destroy(ev);
}

int
main(void)
{
	test_create();
	test_readable();
	test_write_interest();
	test_hangup();
	run_remove_in_batch(false);
	run_remove_in_batch(true);
	test_modify_in_batch();
	test_readd();
	test_udp();
	test_fd_caps();
	test_fd_churn();
	test_timer_order();
	test_timer_cancel();
	test_timer_rearm();
	test_next_timeout();
	test_timer_random();
	test_timer_heap_invariant();
	return unit_summary("evloop");
}
