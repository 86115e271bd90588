/*-------------------------------------------------------------------------
 *
 * dht_indexer.c
 *	  Module entry point: parameters, shared memory and the crawler worker.
 *
 * The library only works from shared_preload_libraries: the worker and its
 * shared memory must exist before any backend calls stats() or resolve().
 * Loading it any other way (CREATE EXTENSION without preloading) fails
 * with an error that says how to fix the configuration.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "miscadmin.h"
#include "postmaster/bgworker.h"

#include "guc.h"
#include "shmem.h"
#include "worker.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

/* Seconds the postmaster waits before restarting a crashed worker. */
#define DHT_WORKER_RESTART_SECONDS 5

static void
register_worker(void)
{
	BackgroundWorker worker;

	memset(&worker, 0, sizeof(worker));
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS |
		BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
	worker.bgw_restart_time = DHT_WORKER_RESTART_SECONDS;
	snprintf(worker.bgw_library_name, BGW_MAXLEN, "dht_indexer");
	snprintf(worker.bgw_function_name, BGW_MAXLEN, "dht_worker_main");
	snprintf(worker.bgw_name, BGW_MAXLEN, "dht_indexer crawler");
	snprintf(worker.bgw_type, BGW_MAXLEN, "dht_indexer");
	RegisterBackgroundWorker(&worker);
}

void
_PG_init(void)
{
	if (!process_shared_preload_libraries_in_progress)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("dht_indexer must be loaded via shared_preload_libraries"),
				 errdetail("The crawler runs as a background worker, which can only be registered at server start."),
				 errhint("Add dht_indexer to shared_preload_libraries in postgresql.conf and restart the server.")));

	dht_define_gucs();
	dht_shmem_install_hooks();
	register_worker();
}
