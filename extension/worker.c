/*-------------------------------------------------------------------------
 *
 * worker.c
 *	  The crawler's background worker: lifecycle and event loop.
 *
 * One process, no threads.  Every socket lives in the core's evloop (one
 * epoll fd); the worker waits on a WaitEventSet of three entries -- its
 * latch, postmaster death and that epoll fd -- with the timeout of the
 * next timer.  On each wake-up it resets the latch, handles interrupts and
 * SIGHUP, drains the sockets, runs due timers and applies the wanted run
 * state (extension present, dht_indexer.enabled, not paused).
 *
 * The worker waits without spinning until CREATE EXTENSION dht_indexer has
 * run in dht_indexer.database (a cheap catalog check every second) and goes
 * back to waiting if the extension is dropped.  Transactions are only ever opened for that check
 * and by the store, never across network I/O.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "commands/extension.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/fd.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "tcop/tcopprot.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "bootstrap.h"
#include "crawler.h"
#include "evloop.h"
#include "guc.h"
#include "pipeline.h"
#include "popularity.h"
#include "resolvewatch.h"
#include "shmem.h"
#include "store.h"
#include "udpset.h"
#include "worker.h"

/*
 * Caps of the event loop: every UDP socket (ADDRLIST_MAX_PORTS x addresses
 * is refused beyond 1024 by udpset) plus one TCP connection and one
 * deadline timer per fetch (dht_indexer.max_fetches is at most 65536).
 */
#define WORKER_MAX_FDS (65536 + 1024 + 64)
#define WORKER_MAX_TIMERS (65536 + 64)
/* How often the worker checks that the extension still exists. */
#define EXTENSION_CHECK_MS 1000
/* pg_stat_activity summary refresh, and the periodic LOG rate line. */
#define ACTIVITY_MS 5000
/* Swarm counters copied to shared memory; good nodes saved to the table. */
#define PUBLISH_MS 1000
#define SAVE_NODES_MS (10 * 60 * 1000)
/* Torrents wait in the store's batch at most this long. */
#define STORE_FLUSH_MS 1000
/* After replies arrive, query the nodes they listed this soon. */
#define SWARM_REPLY_TICK_MS 50
#define RATE_LOG_MS 60000
/* Bootstrap rounds repeat until a node answers; DNS is polled this often. */
#define BOOTSTRAP_POLL_MS 50
#define BOOTSTRAP_RETRY_MS 60000
/* resolve() requests taken from shared memory per wake-up. */
#define RESOLVE_BATCH 64
/* Unknown resolve() hashes kept for the resolver; beyond this, dropped. */
#define MAX_PENDING_RESOLVE 4096

static struct evloop *loop = NULL;
static Oid	extension_oid = InvalidOid;
static bool extension_checked = false;
static bool crawling = false;
static uint64 bootstrap_timer = 0;
static uint64 swarm_next_ms = 0;
static int	nodes_per_port_in_use = 0;
static DhtWorkerState current_state = DHT_STATE_STARTING;
static uint8 pending_resolve[MAX_PENDING_RESOLVE][DHT_HASH_LEN];
static int	npending_resolve = 0;

static void arm_timer(uint64 delay_ms, evloop_timer_fn *fn);
static void report_activity(void);

/* Look the extension up in a short transaction; InvalidOid if absent. */
static Oid
lookup_extension(void)
{
	Oid			oid;

	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	oid = get_extension_oid("dht_indexer", true);
	CommitTransactionCommand();
	pgstat_report_stat(true);
	return oid;
}

/* Follow a running bootstrap round's DNS lookups. */
static void
bootstrap_poll_tick(struct evloop *ev, uint64 id, void *arg)
{
	bootstrap_poll();
	if (bootstrap_in_progress())
		arm_timer(BOOTSTRAP_POLL_MS, bootstrap_poll_tick);
}

/* Start a round of lookups, followed by bootstrap_poll_tick. */
static void
start_bootstrap_round(void)
{
	bool		was_running = bootstrap_in_progress();

	bootstrap_round();
	if (!was_running && bootstrap_in_progress())
		arm_timer(BOOTSTRAP_POLL_MS, bootstrap_poll_tick);
}

/* Retry the bootstrap round every minute until a node has answered. */
static void
bootstrap_tick(struct evloop *ev, uint64 id, void *arg)
{
	bootstrap_timer = 0;
	if (!crawling || crawler_reached())
		return;
	start_bootstrap_round();
	bootstrap_timer = evloop_timer_add(loop, evloop_now_ms() + BOOTSTRAP_RETRY_MS,
									   bootstrap_tick, NULL);
}

/* Start a bootstrap round now, replacing any scheduled retry. */
static void
restart_bootstrap(void)
{
	if (bootstrap_timer != 0)
		evloop_timer_cancel(loop, bootstrap_timer);
	bootstrap_timer = 0;
	start_bootstrap_round();
	bootstrap_timer = evloop_timer_add(loop, evloop_now_ms() + BOOTSTRAP_RETRY_MS,
									   bootstrap_tick, NULL);
}

/*
 * Create the swarm, open the sockets (each joins the swarm as udpset opens
 * it), then bootstrap from saved nodes and from bootstrap_nodes.
 */
static void
start_crawling(void)
{
	crawler_start();
	udpset_reconcile(dht_listen_addresses, dht_ports);
	crawling = true;
	swarm_next_ms = 0;
	nodes_per_port_in_use = dht_nodes_per_port;
	if (OidIsValid(extension_oid))
	{
		(void) crawler_load_nodes();
		pipeline_start();
	}
	ereport(LOG,
			(errmsg("dht_indexer: crawling on %d UDP sockets", udpset_count())));
	restart_bootstrap();
}

/*
 * Close the sockets and drop the swarm, saving its good nodes and the
 * popularity counts first (both are lost if the extension is gone).
 */
static void
stop_crawling(const char *why)
{
	pipeline_stop();
	if (OidIsValid(extension_oid))
		popularity_flush_all();
	else
		popularity_discard();
	if (OidIsValid(extension_oid))
		crawler_save_nodes();
	udpset_close_all();
	crawler_stop();
	crawling = false;
	if (bootstrap_timer != 0)
		evloop_timer_cancel(loop, bootstrap_timer);
	bootstrap_timer = 0;
	ereport(LOG, (errmsg("dht_indexer: stopped crawling (%s)", why)));
}

/* Bring sockets and state in line with extension, enabled and pause. */
static void
apply_run_state(void)
{
	DhtWorkerState state;

	if (!OidIsValid(extension_oid))
		state = DHT_STATE_WAITING_FOR_EXTENSION;
	else if (!dht_enabled)
		state = DHT_STATE_DISABLED;
	else if (dht_is_paused())
		state = DHT_STATE_PAUSED;
	else
		state = DHT_STATE_CRAWLING;

	if (state == current_state)
		return;
	if (state == DHT_STATE_CRAWLING && !crawling)
		start_crawling();
	else if (state != DHT_STATE_CRAWLING && crawling)
		stop_crawling(dht_worker_state_name(state));
	current_state = state;
	dht_worker_set_state(state);
	report_activity();
}

static void
check_extension(void)
{
	Oid			oid = lookup_extension();

	if (oid == extension_oid && extension_checked)
		return;
	extension_checked = true;
	if (OidIsValid(extension_oid))
		store_reset_plans();
	if (OidIsValid(oid))
		ereport(LOG,
				(errmsg("dht_indexer: extension found in database \"%s\"",
						dht_database)));
	else
		ereport(LOG,
				(errmsg("dht_indexer: waiting for CREATE EXTENSION dht_indexer in database \"%s\"",
						dht_database)));
	extension_oid = oid;
}

static void
extension_tick(struct evloop *ev, uint64 id, void *arg)
{
	check_extension();
	arm_timer(EXTENSION_CHECK_MS, extension_tick);
}

/* Copy the store's counters into shared memory. */
static void
publish_store_stats(void)
{
	const StoreStats *s = store_stats();

	dht_counter_set(DHT_C_store_flushes, s->flushes);
	dht_counter_set(DHT_C_store_flush_errors, s->flush_errors);
	dht_counter_set(DHT_C_store_batches_dropped, s->batches_dropped);
	dht_counter_set(DHT_C_store_rows_dropped, s->rows_dropped);
	dht_counter_set(DHT_C_torrents_inserted, s->torrents_inserted);
}

/* One line for pg_stat_activity. */
static void
report_activity(void)
{
	char		line[256];
	pid_t		pid;
	TimestampTz started;

	snprintf(line, sizeof(line),
			 "dht_indexer: %s, %d sockets, %llu packets in, %llu out, %llu torrents",
			 dht_worker_state_name(dht_worker_get_state(&pid, &started)),
			 udpset_count(),
			 (unsigned long long) dht_counter_get(DHT_C_packets_in),
			 (unsigned long long) dht_counter_get(DHT_C_packets_out),
			 (unsigned long long) dht_counter_get(DHT_C_torrents_inserted));
	pgstat_report_activity(STATE_IDLE, line);
}

static void
publish_tick(struct evloop *ev, uint64 id, void *arg)
{
	crawler_publish();
	pipeline_publish();
	arm_timer(PUBLISH_MS, publish_tick);
}

static void
save_nodes_tick(struct evloop *ev, uint64 id, void *arg)
{
	if (crawling && OidIsValid(extension_oid))
		crawler_save_nodes();
	arm_timer(SAVE_NODES_MS, save_nodes_tick);
}

static void
activity_tick(struct evloop *ev, uint64 id, void *arg)
{
	publish_store_stats();
	report_activity();
	arm_timer(ACTIVITY_MS, activity_tick);
}

static void
rate_log_tick(struct evloop *ev, uint64 id, void *arg)
{
	static uint64 last_in = 0,
				last_out = 0,
				last_torrents = 0;
	uint64		in = dht_counter_get(DHT_C_packets_in);
	uint64		out = dht_counter_get(DHT_C_packets_out);
	uint64		torrents = dht_counter_get(DHT_C_torrents_inserted);

	ereport(LOG,
			(errmsg("dht_indexer: last minute: %llu packets in, %llu out, %llu torrents stored, %d sockets",
					(unsigned long long) (in - last_in),
					(unsigned long long) (out - last_out),
					(unsigned long long) (torrents - last_torrents),
					udpset_count())));
	last_in = in;
	last_out = out;
	last_torrents = torrents;
	arm_timer(RATE_LOG_MS, rate_log_tick);
}

static void
arm_timer(uint64 delay_ms, evloop_timer_fn *fn)
{
	if (evloop_timer_add(loop, evloop_now_ms() + delay_ms, fn, NULL) == 0)
		elog(ERROR, "dht_indexer: timer table full");
}

/* Keep an unknown resolve() hash for the resolver, once. */
static void
add_pending_resolve(const uint8 *hash)
{
	int			i;

	for (i = 0; i < npending_resolve; i++)
		if (memcmp(pending_resolve[i], hash, DHT_HASH_LEN) == 0)
			return;
	if (npending_resolve < MAX_PENDING_RESOLVE)
		memcpy(pending_resolve[npending_resolve++], hash, DHT_HASH_LEN);
	else
		dht_counter_add(DHT_C_resolve_pending_dropped, 1);
}

/*
 * Take resolve() requests from shared memory, skip the ones already
 * indexed or blocklisted, and keep the rest for the resolver.
 */
static void
drain_resolve_requests(void)
{
	uint8		hashes[RESOLVE_BATCH][DHT_HASH_LEN];
	StoreHashStatus status[RESOLVE_BATCH];
	int			n,
				i;

	if (!OidIsValid(extension_oid))
		return;
	while ((n = dht_resolve_pop(hashes, RESOLVE_BATCH)) > 0)
	{
		dht_counter_add(DHT_C_resolve_requests, n);
		if (!store_classify((const uint8 (*)[STORE_HASH_LEN]) hashes, n, status))
		{
			dht_counter_add(DHT_C_resolve_check_failed, n);
			for (i = 0; i < n; i++)
				resolvewatch_finished(hashes[i], DHT_RS_FAILED,
									  DHT_RERR_CHECK_FAILED);
			continue;
		}
		for (i = 0; i < n; i++)
		{
			if (status[i] == STORE_HASH_KNOWN)
			{
				dht_counter_add(DHT_C_resolve_known, 1);
				resolvewatch_finished(hashes[i], DHT_RS_ALREADY_KNOWN,
									  DHT_RERR_NONE);
			}
			else if (status[i] == STORE_HASH_BLOCKED)
			{
				dht_counter_add(DHT_C_resolve_blocked, 1);
				resolvewatch_finished(hashes[i], DHT_RS_BLOCKLISTED,
									  DHT_RERR_NONE);
			}
			else
			{
				add_pending_resolve(hashes[i]);
				pipeline_resolve(hashes[i]);
			}
		}
		dht_counter_set(DHT_C_resolve_pending, npending_resolve);
	}
}

/* Flush the store's batch and tell resolve_status() what became of it. */
static void
flush_store(void)
{
	TimestampTz start = GetCurrentTimestamp();
	StoreFlushResult r = store_flush();
	long		secs;
	int			usecs;
	uint64		us;

	TimestampDifference(start, GetCurrentTimestamp(), &secs, &usecs);
	us = (uint64) secs * 1000000 + (uint64) usecs;
	dht_counter_add(DHT_C_store_flush_us, us);
	if (us > dht_counter_get(DHT_C_store_flush_us_max))
		dht_counter_set(DHT_C_store_flush_us_max, us);

	if (r == STORE_FLUSH_DONE || r == STORE_FLUSH_DROPPED)
		resolvewatch_store_done(r == STORE_FLUSH_DONE);
}

/* Flush when the batch is full, or at least every STORE_FLUSH_MS. */
static void
maybe_flush_store(void)
{
	static uint64 last_flush_ms = 0;
	uint64		now = evloop_now_ms();

	if (!OidIsValid(extension_oid) || store_pending() == 0)
		return;
	if (!store_batch_full() && now - last_flush_ms < STORE_FLUSH_MS)
		return;
	if (GetCurrentTimestamp() < store_next_attempt())
		return;
	last_flush_ms = now;
	flush_store();
	publish_store_stats();
}

/*
 * Write the popularity counts every POPULARITY_FLUSH_MS (or when many),
 * one chunk per loop turn.
 */
static void
maybe_flush_popularity(void)
{
	if (OidIsValid(extension_oid) && popularity_due(evloop_now_ms()))
		(void) popularity_flush();
}

static void
reload_config(void)
{
	ConfigReloadPending = false;
	ProcessConfigFile(PGC_SIGHUP);
	if (!crawling)
		return;
	if (dht_nodes_per_port != nodes_per_port_in_use)
	{
		/* identities are made per socket: rebuild the swarm */
		stop_crawling("nodes_per_port changed");
		start_crawling();
		return;
	}
	crawler_reload();
	udpset_reconcile(dht_listen_addresses, dht_ports);
	restart_bootstrap();
}

/* Read every socket until it is drained; returns callbacks run. */
static int
dispatch_sockets(void)
{
	int			total = 0;
	int			n;

	while ((n = evloop_dispatch(loop, 64)) > 0)
	{
		total += n;
		if (n < 64)
			break;
	}
	return total;
}

/* Run the swarm's timers when due; returns ms until they are due again. */
static int64
run_swarm(int64 timeout)
{
	uint64		now = evloop_now_ms();
	int64		until;

	if (!crawling)
		return timeout;
	if (now >= swarm_next_ms)
		swarm_next_ms = crawler_tick(now);
	until = swarm_next_ms > now ? (int64) (swarm_next_ms - now) : 0;
	return (timeout < 0 || until < timeout) ? until : timeout;
}

/* Create the event loop and the WaitEventSet around its epoll fd. */
static WaitEventSet *
setup_waiting(void)
{
	WaitEventSet *set;

	loop = evloop_create(WORKER_MAX_FDS, WORKER_MAX_TIMERS);
	if (loop == NULL)
		ereport(ERROR,
				(errcode_for_socket_access(),
				 errmsg("dht_indexer: could not create event loop: %m")));
	ReserveExternalFD();
	set = CreateWaitEventSet(TopMemoryContext, 3);
	AddWaitEventToSet(set, WL_LATCH_SET, PGINVALID_SOCKET, MyLatch, NULL);
	AddWaitEventToSet(set, WL_EXIT_ON_PM_DEATH, PGINVALID_SOCKET, NULL, NULL);
	AddWaitEventToSet(set, WL_SOCKET_READABLE, evloop_epoll_fd(loop), NULL, NULL);
	udpset_init(loop, crawler_on_datagram, crawler_socket_opened,
				crawler_socket_closed);
	pipeline_init(loop);
	arm_timer(0, extension_tick);
	arm_timer(ACTIVITY_MS, activity_tick);
	arm_timer(PUBLISH_MS, publish_tick);
	arm_timer(SAVE_NODES_MS, save_nodes_tick);
	arm_timer(RATE_LOG_MS, rate_log_tick);
	return set;
}

static void
run_loop(WaitEventSet *set)
{
	WaitEvent	events[3];

	while (!ShutdownRequestPending)
	{
		int64		timeout = run_swarm(evloop_next_timeout(loop, evloop_now_ms()));

		(void) WaitEventSetWait(set, timeout < 0 ? -1 : (long) timeout,
								events, lengthof(events), PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
		if (ConfigReloadPending)
			reload_config();
		if (dispatch_sockets() > 0 && crawling)
			swarm_next_ms = Min(swarm_next_ms, evloop_now_ms() + SWARM_REPLY_TICK_MS);
		evloop_run_timers(loop, evloop_now_ms());
		apply_run_state();
		drain_resolve_requests();
		if (crawling)
			pipeline_run();
		maybe_flush_store();
		maybe_flush_popularity();
	}
}

/* SIGTERM: close the sockets and write what is buffered before exiting. */
static void
shut_down(void)
{
	if (crawling)
		stop_crawling("shutting down");
	if (OidIsValid(extension_oid) && store_pending() > 0)
		flush_store();
	ereport(LOG, (errmsg("dht_indexer: worker shutting down")));
}

void
dht_worker_main(Datum main_arg)
{
	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, SignalHandlerForShutdownRequest);
	BackgroundWorkerUnblockSignals();

	dht_worker_attach(MyLatch);
	on_shmem_exit(dht_worker_detach, (Datum) 0);
	BackgroundWorkerInitializeConnection(dht_database, NULL, 0);
	ereport(LOG,
			(errmsg("dht_indexer: worker started for database \"%s\"", dht_database)));

	store_init(&store_default_config);
	run_loop(setup_waiting());
	shut_down();
	proc_exit(1);
}
