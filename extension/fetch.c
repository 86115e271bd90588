/*-------------------------------------------------------------------------
 *
 * fetch.c
 *	  One TCP connection per metadata fetch, in the worker's event loop.
 *
 * A fetch connects without blocking, feeds every byte it reads to a
 * struct peerwire (the core's BEP 3/10/9 state machine) and writes what
 * the machine wants sent, until the machine reports the metadata complete
 * or fails, or the dht_indexer.fetch_timeout deadline (a timer) passes.
 * The outcome goes to the caller's callback and the connection is closed.
 *
 * Memory: a connection is ~19 KB (mostly the peer-wire frame buffer),
 * allocated when the fetch starts; the metadata buffer is allocated only
 * after the peer's metadata_size passed the max_metadata_size check, and
 * all buffers in flight together are kept under FETCH_MEMORY_BUDGET.  The
 * number of connections is bounded by the resolver (max_fetches) and by
 * PostgreSQL's external fd budget.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <errno.h>
#include <unistd.h>

#include "storage/fd.h"
#include "utils/memutils.h"

#include "fetch.h"
#include "guc.h"
#include "peerwire.h"
#include "shmem.h"

/* All metadata buffers in flight together stay under this. */
#define FETCH_MEMORY_BUDGET ((Size) 512 * 1024 * 1024)
/* Bytes read per recv call. */
#define FETCH_READ_CHUNK 16384

typedef struct FetchConn
{
	int			fd;
	bool		connecting;
	int			failed_in;		/* peer-wire state when we ended it */
	uint64		timer;
	struct resolver_job job;
	struct peerwire pw;
} FetchConn;

static struct evloop *event_loop = NULL;
static fetch_done_fn done_callback = NULL;
static MemoryContext fetch_context = NULL;
static int	nactive = 0;
static Size buffered = 0;
static uint8 peer_id[PEERWIRE_ID_LEN];
/* Open connections, so that fetch_abort_all can find them. */
static FetchConn **conns = NULL;
static int	conns_cap = 0;

static void *
alloc_metadata(void *ctx, size_t size)
{
	void	   *p;

	if (buffered + size > FETCH_MEMORY_BUDGET)
		return NULL;
	p = malloc(size);
	if (p != NULL)
		buffered += size;
	return p;
}

static void
free_metadata(void *ctx, void *ptr, size_t size)
{
	free(ptr);
	buffered -= size;
}

void
fetch_init(struct evloop *loop, fetch_done_fn on_done)
{
	event_loop = loop;
	done_callback = on_done;
	fetch_context = AllocSetContextCreate(TopMemoryContext,
										  "dht_indexer fetches",
										  ALLOCSET_DEFAULT_SIZES);
	/* "-DI0001-" and random bytes, as Azureus-style peer ids go */
	memcpy(peer_id, "-DI0001-", 8);
	if (!pg_strong_random(peer_id + 8, sizeof(peer_id) - 8))
		elog(ERROR, "dht_indexer: could not generate a peer id");
}

int
fetch_active(void)
{
	return nactive;
}

static void
track(FetchConn *c)
{
	int			i;

	for (i = 0; i < conns_cap; i++)
		if (conns[i] == NULL)
		{
			conns[i] = c;
			return;
		}
	conns = conns_cap == 0 ?
		MemoryContextAllocZero(fetch_context, sizeof(FetchConn *) * 64) :
		repalloc(conns, sizeof(FetchConn *) * conns_cap * 2);
	memset(conns + conns_cap, 0, sizeof(FetchConn *) * (conns_cap == 0 ? 64 : conns_cap));
	conns[conns_cap] = c;
	conns_cap = conns_cap == 0 ? 64 : conns_cap * 2;
}

static void
untrack(FetchConn *c)
{
	int			i;

	for (i = 0; i < conns_cap; i++)
		if (conns[i] == c)
			conns[i] = NULL;
}

static enum resolver_outcome
outcome_of(int err, int state)
{
	switch (err)
	{
		case PEERWIRE_ERR_CONNECT:
			return RESOLVER_FAIL_CONNECT;
		case PEERWIRE_ERR_TIMEOUT:
			return RESOLVER_FAIL_TIMEOUT;
		case PEERWIRE_ERR_HANDSHAKE:
		case PEERWIRE_ERR_WRONG_HASH:
		case PEERWIRE_ERR_NO_EXTENSIONS:
			return RESOLVER_FAIL_HANDSHAKE;
		case PEERWIRE_ERR_NO_METADATA:
			return RESOLVER_FAIL_NO_METADATA;
		case PEERWIRE_ERR_TOO_BIG:
			return RESOLVER_FAIL_TOO_BIG;
		case PEERWIRE_ERR_REJECTED:
			return RESOLVER_FAIL_REJECT;
		case PEERWIRE_ERR_CLOSED:
			return state == PEERWIRE_S_HANDSHAKE ? RESOLVER_FAIL_HANDSHAKE : RESOLVER_FAIL_OTHER;
		default:
			return RESOLVER_FAIL_OTHER;
	}
}

/* End the fetch from our side (connect, timeout, closed), noting where. */
static void
fail_conn(FetchConn *c, int err)
{
	int			state = peerwire_state(&c->pw);

	if (state == PEERWIRE_S_DONE || state == PEERWIRE_S_FAILED)
		return;
	c->failed_in = state;
	peerwire_fail(&c->pw, err);
}

/* Close, report and free a connection. */
static void
finish(FetchConn *c)
{
	int			state = peerwire_state(&c->pw);
	enum resolver_outcome outcome = RESOLVER_OK;
	uint8	   *metadata = NULL;
	size_t		len = 0;

	if (state == PEERWIRE_S_DONE)
		metadata = peerwire_take_metadata(&c->pw, &len);
	else
		outcome = outcome_of(peerwire_error(&c->pw),
							 c->failed_in != 0 ? c->failed_in : state);
	evloop_remove(event_loop, c->fd);
	close(c->fd);
	ReleaseExternalFD();
	if (c->timer != 0)
		evloop_timer_cancel(event_loop, c->timer);
	peerwire_release(&c->pw);
	untrack(c);
	nactive--;
	done_callback(&c->job, metadata ? RESOLVER_OK : (outcome == RESOLVER_OK ? RESOLVER_FAIL_OTHER : outcome),
				  metadata, len);
	if (metadata != NULL)
		free_metadata(NULL, metadata, len);
	pfree(c);
}

static void
on_timeout(struct evloop *ev, uint64 id, void *arg)
{
	FetchConn  *c = arg;

	c->timer = 0;
	fail_conn(c, PEERWIRE_ERR_TIMEOUT);
	finish(c);
}

/* Write what the state machine has queued; false on a fatal error. */
static bool
flush_output(FetchConn *c)
{
	const uint8_t *data;
	size_t		len;

	while ((len = peerwire_output(&c->pw, &data)) > 0)
	{
		ssize_t		n = send(c->fd, data, len, MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
		peerwire_sent(&c->pw, (size_t) n);
	}
	return true;
}

/* Read until EAGAIN; false when the connection ended. */
static bool
read_input(FetchConn *c)
{
	uint8		buf[FETCH_READ_CHUNK];

	for (;;)
	{
		ssize_t		n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);

		if (n > 0)
		{
			dht_counter_add(DHT_C_fetch_bytes_in, n);
			if (peerwire_feed(&c->pw, buf, (size_t) n) != PEERWIRE_OK ||
				peerwire_state(&c->pw) == PEERWIRE_S_DONE)
				return false;
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
			return true;
		fail_conn(c, PEERWIRE_ERR_CLOSED);
		return false;
	}
}

static bool
has_output(const FetchConn *c)
{
	const uint8_t *data;

	return peerwire_output(&c->pw, &data) > 0;
}

static void
on_event(struct evloop *ev, int fd, unsigned events, void *arg)
{
	FetchConn  *c = arg;

	if (c->connecting)
	{
		int			err = 0;
		socklen_t	len = sizeof(err);

		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0)
		{
			fail_conn(c, PEERWIRE_ERR_CONNECT);
			finish(c);
			return;
		}
		c->connecting = false;
	}
	if (!flush_output(c) || ((events & EVLOOP_READ) && !read_input(c)) ||
		!flush_output(c))
	{
		fail_conn(c, PEERWIRE_ERR_CLOSED);
		finish(c);
		return;
	}
	evloop_modify(event_loop, fd, EVLOOP_READ | (has_output(c) ? EVLOOP_WRITE : 0));
}

/* Open a non-blocking TCP connection to the job's peer; -1 on failure. */
static int
open_connection(const struct resolver_job *job)
{
	struct sockaddr_storage ss;
	socklen_t	sslen = netaddr_to_sockaddr(&job->peer, &ss);
	int			fd;

	if (!AcquireExternalFD())
	{
		dht_counter_add(DHT_C_fd_refused, 1);
		return -1;
	}
	fd = socket(job->peer.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 ||
		(connect(fd, (struct sockaddr *) &ss, sslen) != 0 && errno != EINPROGRESS))
	{
		if (fd >= 0)
			close(fd);
		ReleaseExternalFD();
		return -1;
	}
	return fd;
}

bool
fetch_start(const struct resolver_job *job)
{
	struct peerwire_config cfg;
	FetchConn  *c;
	int			fd = open_connection(job);

	if (fd < 0)
		return false;
	c = MemoryContextAllocZero(fetch_context, sizeof(FetchConn));
	c->fd = fd;
	c->connecting = true;
	c->job = *job;
	memset(&cfg, 0, sizeof(cfg));
	cfg.max_metadata_size = (uint32_t) Min((int64) dht_max_metadata_size_kb * 1024, PG_UINT32_MAX);
	cfg.peer_id = peer_id;
	cfg.client = "dht_indexer 0.1";
	cfg.alloc = alloc_metadata;
	cfg.free = free_metadata;
	peerwire_init(&c->pw, &cfg, job->hash);
	if (evloop_add(event_loop, fd, EVLOOP_READ | EVLOOP_WRITE, on_event, c) != EVLOOP_OK)
	{
		peerwire_release(&c->pw);
		close(fd);
		ReleaseExternalFD();
		pfree(c);
		return false;
	}
	c->timer = evloop_timer_add(event_loop, evloop_now_ms() + dht_fetch_timeout_ms,
								on_timeout, c);
	if (c->timer == 0)
	{
		/* no deadline, no fetch */
		evloop_remove(event_loop, fd);
		peerwire_release(&c->pw);
		close(fd);
		ReleaseExternalFD();
		pfree(c);
		return false;
	}
	track(c);
	nactive++;
	return true;
}

void
fetch_abort_all(void)
{
	int			i;

	for (i = 0; i < conns_cap; i++)
		if (conns[i] != NULL)
		{
			fail_conn(conns[i], PEERWIRE_ERR_CLOSED);
			finish(conns[i]);
		}
}
