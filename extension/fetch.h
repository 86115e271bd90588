/*-------------------------------------------------------------------------
 *
 * fetch.h
 *	  Metadata fetches over TCP: one non-blocking connection per job,
 *	  driven by the core's peer-wire state machine.
 *
 *-------------------------------------------------------------------------
 */
#ifndef DHT_FETCH_H
#define DHT_FETCH_H

#include "evloop.h"
#include "resolver.h"

/*
 * Called once per started fetch when it ends.  On RESOLVER_OK, metadata
 * holds the raw info dictionary (freed after the call returns).
 */
typedef void (*fetch_done_fn) (const struct resolver_job *job,
							   enum resolver_outcome outcome,
							   const uint8 *metadata, size_t len);

extern void fetch_init(struct evloop *loop, fetch_done_fn on_done);
/* Start a fetch; false (nothing started, no callback) if it cannot. */
extern bool fetch_start(const struct resolver_job *job);
/* Connections open now. */
extern int	fetch_active(void);
/* End every fetch (reported as RESOLVER_FAIL_OTHER). */
extern void fetch_abort_all(void);

#endif							/* DHT_FETCH_H */
