/*-------------------------------------------------------------------------
 *
 * worker.h
 *	  The crawler background worker's entry point.
 *
 *-------------------------------------------------------------------------
 */
#ifndef DHT_WORKER_H
#define DHT_WORKER_H

#include "fmgr.h"

extern PGDLLEXPORT void dht_worker_main(Datum main_arg);

#endif							/* DHT_WORKER_H */
