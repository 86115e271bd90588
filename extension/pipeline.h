/*-------------------------------------------------------------------------
 *
 * pipeline.h
 *	  The metadata pipeline: discovered hashes to fetches to stored rows.
 *
 *-------------------------------------------------------------------------
 */
#ifndef DHT_PIPELINE_H
#define DHT_PIPELINE_H

#include "evloop.h"

extern void pipeline_init(struct evloop *loop);
/* Create the scheduler and load the known-hash filter (needs the extension). */
extern void pipeline_start(void);
/* End every fetch and drop the queue. */
extern void pipeline_stop(void);
extern bool pipeline_running(void);
/* Take new candidates from the swarm and start what can start. */
extern void pipeline_run(void);
/*
 * A resolve() request for an unknown hash: fetch it first (or, when no
 * resolver runs, keep it queued for the next one).
 */
extern void pipeline_resolve(const uint8 *hash);
/* A get_peers or announce_peer query for hash: count it if it is indexed. */
extern void pipeline_sighting(const uint8 *hash);
/* Copy the pipeline's counters into shared memory. */
extern void pipeline_publish(void);

#endif							/* DHT_PIPELINE_H */
