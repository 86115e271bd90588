/*-------------------------------------------------------------------------
 *
 * shmem.c
 *	  The shared-memory struct behind stats(), pause()/resume(),
 *	  resolve() and resolve_status().
 *
 * One DhtShared struct, requested from shmem_request_hook and initialised
 * under AddinShmemInitLock (PG15 protocol, as autoprewarm does).  Counters
 * are atomics so that SQL readers never take a lock; the spinlock only
 * covers the worker identity and the resolve ring, both touched rarely.
 * The table of recent resolve() requests is searched linearly (1024
 * entries), so it has an LWLock of its own (tranche "dht_indexer"):
 * resolve() holds it exclusively while it pushes to the ring and writes
 * the entry, so the worker, which takes the lock to report on a request,
 * never reports on a request whose entry is not written yet.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "port/atomics.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "storage/spin.h"
#include "utils/timestamp.h"

#include "resolver.h"
#include "shmem.h"

#define DHT_LWLOCK_TRANCHE "dht_indexer"

StaticAssertDecl(RESOLVER_NUM_OUTCOMES <= DHT_RERR_NO_PEERS,
				 "fetch outcomes and resolve errors share one byte");

typedef struct DhtShared
{
	/* Protects every non-atomic field below. */
	slock_t		mutex;

	/* Written by the worker at start and exit. */
	pid_t		worker_pid;
	Latch	   *worker_latch;
	TimestampTz started_at;
	DhtWorkerState state;

	/* Written by the resolve() caller (tail) and the worker (head). */
	uint32		resolve_head;
	uint32		resolve_count;
	uint8		resolve_ring[DHT_RESOLVE_RING_SIZE][DHT_HASH_LEN];

	/* Written by the worker about once a second, read by recent_hashes(). */
	int			nrecent;
	DhtRecentHash recent[DHT_RECENT_HASHES];

	/* resolve() requests and their progress, under status_lock. */
	LWLock	   *status_lock;
	uint64		status_seq;
	DhtResolveEntry status[DHT_RESOLVE_STATUS_SIZE];

	/* Written by pause()/resume(), read by the worker: no lock needed. */
	pg_atomic_uint32 paused;

	/* Written by the worker (and resolve() for its drop count). */
	pg_atomic_uint64 counters[DHT_NUM_COUNTERS];
} DhtShared;

static DhtShared *dht_shared = NULL;
static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

#define DHT_COUNTER_NAME(name, desc) #name,
static const char *const counter_names[] = {
	DHT_COUNTERS(DHT_COUNTER_NAME)
};
#undef DHT_COUNTER_NAME

static void
dht_shmem_request(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	RequestAddinShmemSpace(MAXALIGN(sizeof(DhtShared)));
	RequestNamedLWLockTranche(DHT_LWLOCK_TRANCHE, 1);
}

static void
dht_shmem_startup(void)
{
	bool		found;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();

	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	dht_shared = ShmemInitStruct("dht_indexer", sizeof(DhtShared), &found);
	if (!found)
	{
		int			i;

		memset(dht_shared, 0, sizeof(DhtShared));
		SpinLockInit(&dht_shared->mutex);
		pg_atomic_init_u32(&dht_shared->paused, 0);
		for (i = 0; i < DHT_NUM_COUNTERS; i++)
			pg_atomic_init_u64(&dht_shared->counters[i], 0);
		dht_shared->state = DHT_STATE_NOT_RUNNING;
		dht_shared->status_lock = &(GetNamedLWLockTranche(DHT_LWLOCK_TRANCHE))->lock;
	}
	LWLockRelease(AddinShmemInitLock);
}

/* Chain our hooks; called from _PG_init while preloading. */
void
dht_shmem_install_hooks(void)
{
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = dht_shmem_request;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = dht_shmem_startup;
}

/* False when the library was not preloaded (no shared struct exists). */
bool
dht_shmem_ready(void)
{
	return dht_shared != NULL;
}

void
dht_counter_add(DhtCounter c, uint64 n)
{
	pg_atomic_fetch_add_u64(&dht_shared->counters[c], n);
}

void
dht_counter_set(DhtCounter c, uint64 v)
{
	pg_atomic_write_u64(&dht_shared->counters[c], v);
}

uint64
dht_counter_get(DhtCounter c)
{
	return pg_atomic_read_u64(&dht_shared->counters[c]);
}

const char *
dht_counter_name(DhtCounter c)
{
	return counter_names[c];
}

/*
 * Requests a previous worker had taken and not finished go back to
 * queued: the new worker's resolver gets them when crawling starts.
 */
static void
requeue_taken_requests(void)
{
	int			i;

	LWLockAcquire(dht_shared->status_lock, LW_EXCLUSIVE);
	for (i = 0; i < DHT_RESOLVE_STATUS_SIZE; i++)
	{
		DhtResolveEntry *e = &dht_shared->status[i];

		if (e->taken && (e->state == DHT_RS_FETCHING || e->state == DHT_RS_FETCHED))
			e->state = DHT_RS_QUEUED;
	}
	LWLockRelease(dht_shared->status_lock);
}

/*
 * Publish the worker's latch and pid; reset the gauges a previous
 * incarnation left behind (counters keep growing across restarts).
 */
void
dht_worker_attach(Latch *latch)
{
	SpinLockAcquire(&dht_shared->mutex);
	dht_shared->worker_pid = MyProcPid;
	dht_shared->worker_latch = latch;
	dht_shared->started_at = GetCurrentTimestamp();
	dht_shared->state = DHT_STATE_STARTING;
	SpinLockRelease(&dht_shared->mutex);
	dht_counter_set(DHT_C_sockets, 0);
	dht_counter_set(DHT_C_resolve_pending, 0);
	dht_counter_set(DHT_C_popularity_hashes, 0);
	requeue_taken_requests();
}

/* on_shmem_exit callback: forget the latch before it goes away. */
void
dht_worker_detach(int code, Datum arg)
{
	SpinLockAcquire(&dht_shared->mutex);
	dht_shared->worker_pid = 0;
	dht_shared->worker_latch = NULL;
	dht_shared->state = DHT_STATE_NOT_RUNNING;
	SpinLockRelease(&dht_shared->mutex);
	dht_counter_set(DHT_C_sockets, 0);
}

void
dht_worker_set_state(DhtWorkerState state)
{
	SpinLockAcquire(&dht_shared->mutex);
	dht_shared->state = state;
	SpinLockRelease(&dht_shared->mutex);
}

DhtWorkerState
dht_worker_get_state(pid_t *pid, TimestampTz *started_at)
{
	DhtWorkerState state;

	SpinLockAcquire(&dht_shared->mutex);
	state = dht_shared->state;
	*pid = dht_shared->worker_pid;
	*started_at = dht_shared->started_at;
	SpinLockRelease(&dht_shared->mutex);
	return state;
}

const char *
dht_worker_state_name(DhtWorkerState state)
{
	switch (state)
	{
		case DHT_STATE_NOT_RUNNING:
			return "not running";
		case DHT_STATE_STARTING:
			return "starting";
		case DHT_STATE_WAITING_FOR_EXTENSION:
			return "waiting for extension";
		case DHT_STATE_CRAWLING:
			return "crawling";
		case DHT_STATE_PAUSED:
			return "paused";
		case DHT_STATE_DISABLED:
			return "disabled";
	}
	return "unknown";
}

/* SetLatch on the worker, if one is running. */
void
dht_wake_worker(void)
{
	Latch	   *latch;

	SpinLockAcquire(&dht_shared->mutex);
	latch = dht_shared->worker_latch;
	SpinLockRelease(&dht_shared->mutex);
	if (latch)
		SetLatch(latch);
}

bool
dht_is_paused(void)
{
	return pg_atomic_read_u32(&dht_shared->paused) != 0;
}

void
dht_set_paused(bool paused)
{
	pg_atomic_write_u32(&dht_shared->paused, paused ? 1 : 0);
	dht_wake_worker();
}

/* Replace the recent-hash sample (worker). */
void
dht_recent_publish(const DhtRecentHash *items, int n)
{
	n = Min(n, DHT_RECENT_HASHES);
	SpinLockAcquire(&dht_shared->mutex);
	memcpy(dht_shared->recent, items, sizeof(DhtRecentHash) * n);
	dht_shared->nrecent = n;
	SpinLockRelease(&dht_shared->mutex);
}

/* Copy the recent-hash sample, newest first; returns how many. */
int
dht_recent_read(DhtRecentHash *out, int max)
{
	int			n;

	SpinLockAcquire(&dht_shared->mutex);
	n = Min(max, dht_shared->nrecent);
	memcpy(out, dht_shared->recent, sizeof(DhtRecentHash) * n);
	SpinLockRelease(&dht_shared->mutex);
	return n;
}

/*
 * Queue one hash for the worker; false (and a counted drop) when the ring
 * is full.  The caller wakes the worker.
 */
bool
dht_resolve_push(const uint8 *hash)
{
	bool		ok = false;
	uint32		count;

	SpinLockAcquire(&dht_shared->mutex);
	count = dht_shared->resolve_count;
	if (count < DHT_RESOLVE_RING_SIZE)
	{
		uint32		slot = (dht_shared->resolve_head + count) % DHT_RESOLVE_RING_SIZE;

		memcpy(dht_shared->resolve_ring[slot], hash, DHT_HASH_LEN);
		dht_shared->resolve_count = ++count;
		ok = true;
	}
	SpinLockRelease(&dht_shared->mutex);

	if (ok)
		dht_counter_set(DHT_C_resolve_queue_depth, count);
	else
		dht_counter_add(DHT_C_resolve_dropped, 1);
	return ok;
}

/* Take up to max queued hashes, oldest first; returns how many. */
int
dht_resolve_pop(uint8 (*hashes)[DHT_HASH_LEN], int max)
{
	int			n = 0;
	uint32		left;

	SpinLockAcquire(&dht_shared->mutex);
	while (n < max && dht_shared->resolve_count > 0)
	{
		memcpy(hashes[n++], dht_shared->resolve_ring[dht_shared->resolve_head],
			   DHT_HASH_LEN);
		dht_shared->resolve_head = (dht_shared->resolve_head + 1) % DHT_RESOLVE_RING_SIZE;
		dht_shared->resolve_count--;
	}
	left = dht_shared->resolve_count;
	SpinLockRelease(&dht_shared->mutex);
	dht_counter_set(DHT_C_resolve_queue_depth, left);
	return n;
}

/* The entry of hash, or NULL; caller holds status_lock. */
static DhtResolveEntry *
status_find(const uint8 *hash)
{
	int			i;

	for (i = 0; i < DHT_RESOLVE_STATUS_SIZE; i++)
	{
		DhtResolveEntry *e = &dht_shared->status[i];

		if (e->state != DHT_RS_FREE && memcmp(e->hash, hash, DHT_HASH_LEN) == 0)
			return e;
	}
	return NULL;
}

static bool
state_is_final(uint8 state)
{
	return state >= DHT_RS_STORED;
}

/*
 * The entry for a new request of hash: its own entry if it has one, else
 * a free one, else the oldest finished request's, else the oldest's.
 * Caller holds status_lock exclusively.
 */
static DhtResolveEntry *
status_slot_for(const uint8 *hash)
{
	DhtResolveEntry *free_entry = NULL;
	DhtResolveEntry *oldest = NULL;
	DhtResolveEntry *oldest_final = NULL;
	int			i;

	for (i = 0; i < DHT_RESOLVE_STATUS_SIZE; i++)
	{
		DhtResolveEntry *e = &dht_shared->status[i];

		if (e->state == DHT_RS_FREE)
		{
			if (free_entry == NULL)
				free_entry = e;
			continue;
		}
		if (memcmp(e->hash, hash, DHT_HASH_LEN) == 0)
			return e;
		if (oldest == NULL || e->seq < oldest->seq)
			oldest = e;
		if (state_is_final(e->state) &&
			(oldest_final == NULL || e->seq < oldest_final->seq))
			oldest_final = e;
	}
	if (free_entry != NULL)
		return free_entry;
	return oldest_final != NULL ? oldest_final : oldest;
}

/*
 * Queue hash for the worker and record the request as queued (a request
 * of a hash already in the table starts its entry afresh).  Both happen
 * under status_lock, so the worker cannot report on the hash before its
 * entry says queued.  False (nothing recorded) if the ring is full.
 */
bool
dht_resolve_request(const uint8 *hash)
{
	DhtResolveEntry *e;
	TimestampTz now = GetCurrentTimestamp();
	bool		ok;

	LWLockAcquire(dht_shared->status_lock, LW_EXCLUSIVE);
	ok = dht_resolve_push(hash);
	if (ok)
	{
		e = status_slot_for(hash);
		memset(e, 0, sizeof(*e));
		memcpy(e->hash, hash, DHT_HASH_LEN);
		e->state = DHT_RS_QUEUED;
		e->seq = ++dht_shared->status_seq;
		e->requested_at = now;
		e->updated_at = now;
	}
	LWLockRelease(dht_shared->status_lock);
	return ok;
}

void
dht_resolve_status_update(const uint8 *hash, int state, int error,
						  int add_attempts, int add_lookups)
{
	DhtResolveEntry *e;

	LWLockAcquire(dht_shared->status_lock, LW_EXCLUSIVE);
	e = status_find(hash);
	if (e != NULL)
	{
		e->taken = true;
		if (state >= 0)
			e->state = (uint8) state;
		if (error >= 0)
			e->error = (uint8) error;
		e->attempts = (uint16) Min(e->attempts + add_attempts, PG_UINT16_MAX);
		e->lookups = (uint16) Min(e->lookups + add_lookups, PG_UINT16_MAX);
		e->updated_at = GetCurrentTimestamp();
	}
	LWLockRelease(dht_shared->status_lock);
}

int
dht_resolve_status_list(DhtResolveState state, uint8 (*hashes)[DHT_HASH_LEN],
						int max)
{
	int			n = 0;
	int			i;

	LWLockAcquire(dht_shared->status_lock, LW_SHARED);
	for (i = 0; i < DHT_RESOLVE_STATUS_SIZE && n < max; i++)
	{
		DhtResolveEntry *e = &dht_shared->status[i];

		if (e->taken && e->state == state)
			memcpy(hashes[n++], e->hash, DHT_HASH_LEN);
	}
	LWLockRelease(dht_shared->status_lock);
	return n;
}

static int
newest_first(const void *a, const void *b)
{
	const DhtResolveEntry *x = a;
	const DhtResolveEntry *y = b;

	return x->seq < y->seq ? 1 : (x->seq > y->seq ? -1 : 0);
}

int
dht_resolve_status_read(DhtResolveEntry *out, int max)
{
	int			n = 0;
	int			i;

	LWLockAcquire(dht_shared->status_lock, LW_SHARED);
	for (i = 0; i < DHT_RESOLVE_STATUS_SIZE && n < max; i++)
		if (dht_shared->status[i].state != DHT_RS_FREE)
			out[n++] = dht_shared->status[i];
	LWLockRelease(dht_shared->status_lock);
	qsort(out, n, sizeof(DhtResolveEntry), newest_first);
	return n;
}

const char *
dht_resolve_state_name(DhtResolveState state)
{
	switch (state)
	{
		case DHT_RS_FREE:
			return "free";
		case DHT_RS_QUEUED:
			return "queued";
		case DHT_RS_FETCHING:
		case DHT_RS_FETCHED:
			return "fetching";
		case DHT_RS_STORED:
			return "stored";
		case DHT_RS_ALREADY_KNOWN:
			return "already_known";
		case DHT_RS_BLOCKLISTED:
			return "blocklisted";
		case DHT_RS_FAILED:
			return "failed";
	}
	return "unknown";
}

const char *
dht_resolve_error_name(int error)
{
	switch (error)
	{
		case DHT_RERR_NONE:
			return NULL;
		case DHT_RERR_NO_PEERS:
			return "no_peers";
		case DHT_RERR_QUEUE_FULL:
			return "queue_full";
		case DHT_RERR_CHECK_FAILED:
			return "check_failed";
		case DHT_RERR_STORE_FAILED:
			return "store_failed";
	}
	return resolver_outcome_name((enum resolver_outcome) error);
}
