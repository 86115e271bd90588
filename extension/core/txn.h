/*
 * txn.h
 *		Pending outgoing KRPC queries: a bounded table that issues
 *		transaction ids, matches replies to them and times them out.
 *
 * Owns: the slots of queries in flight, the transaction ids ("t") written
 * into them, the checks a reply must pass (live slot, same random bits,
 * same source ip and port), expiry oldest first, and the counters.  Does
 * not own what a query or reply means (krpc, swarm), retries, or the
 * timeout's value (the caller passes it).
 *
 * Invariants and caps: every byte is allocated by txn_create(), sized from
 * cap; nothing allocates afterwards.  A tid is 32 bits, big-endian: the low
 * ceil(log2(cap)) bits name the slot, the rest are random bits from the
 * caller (at least 12, since cap <= TXN_MAX_CAP), and a slot never issues
 * the same tid twice in a row, so a late reply to its previous query cannot
 * match the next one.  Busy slots are on a list in order of txn_begin()
 * calls (with non-decreasing now_ms, required, that is sending order), so
 * txn_expire() only looks at the head; idle slots are reused in FIFO order,
 * which leaves a freed slot idle as long as possible.  Every operation is
 * O(1).  Not thread-safe.
 */
#ifndef DHT_TXN_H
#define DHT_TXN_H

#include <stddef.h>
#include <stdint.h>

#include "netaddr.h"

/*
 * Bytes of a transaction id.  BEP 5 leaves "t" opaque and short (2 bytes is
 * customary); 4 bytes fit a 20-bit slot number plus at least 12 random
 * bits, so an off-path sender must guess the tid as well as our address.
 */
#define TXN_TID_LEN 4

/*
 * Largest cap accepted by txn_create(): 1M queries in flight is over 100
 * times what max_send_rate allows within a typical timeout, and it leaves
 * 12 of the tid's 32 bits random.
 */
#define TXN_MAX_CAP (1u << 20)

/* What the caller remembers about one query. */
struct txn_entry
{
	uint8_t		method;			/* the caller's query kind */
	uint32_t	identity;		/* which of our identities sent it */
	uint32_t	lookup;			/* UINT32_MAX = none */
	struct netaddr to;			/* destination; a reply must come from it */
	uint64_t	sent_ms;		/* set by txn_begin() */
	uint8_t		target[20];		/* target or info hash, if any */
};

struct txn_table;				/* opaque */

enum txn_error
{
	TXN_OK = 0,
	TXN_ERR_FULL = -1			/* every slot is busy */
};

struct txn_stats
{
	uint64_t	started;		/* successful txn_begin() */
	uint64_t	completed;		/* replies matched */
	uint64_t	timed_out;		/* entries removed by txn_expire() */
	uint64_t	full;			/* txn_begin() refused: no idle slot */
	uint64_t	unmatched;		/* replies refused: tid or source wrong */
	size_t		in_flight;		/* busy slots now */
};

/* A table of cap slots (1..TXN_MAX_CAP); NULL otherwise or without memory. */
struct txn_table *txn_create(size_t cap);

/* Free everything; t may be NULL. */
void		txn_destroy(struct txn_table *t);

/*
 * Start a transaction: copies e, sets its sent_ms = now, writes a tid that
 * encodes the slot plus random bits from rnd (so tids are not guessable),
 * returns 0; TXN_ERR_FULL (-1) when all slots are busy (full++).
 */
int			txn_begin(struct txn_table *t, const struct txn_entry *e,
					  uint64_t now_ms, uint32_t rnd,
					  uint8_t tid[TXN_TID_LEN]);

/*
 * A reply: the tid must name a live slot with the same random bits AND from
 * must equal the entry's address (family, ip and port); then the slot is
 * freed and the entry copied to out (out may be NULL), returning 1.
 * Otherwise, a tid length other than TXN_TID_LEN included, unmatched++ and 0.
 */
int			txn_complete(struct txn_table *t, const uint8_t *tid,
						 size_t tid_len, const struct netaddr *from,
						 struct txn_entry *out);

/*
 * Remove and copy out (out may be NULL) the oldest entry if it was sent at
 * or before now - timeout_ms: 1 if one was expired (timed_out++), 0 if none
 * is due.  O(1); call in a loop to drain.
 */
int			txn_expire(struct txn_table *t, uint64_t now_ms,
					   uint64_t timeout_ms, struct txn_entry *out);

/* sent_ms of the oldest entry in flight (1), or 0 if none (for timers). */
int			txn_oldest(const struct txn_table *t, uint64_t *sent_ms);

/* Counters and the number in flight. */
void		txn_stats(const struct txn_table *t, struct txn_stats *out);

/* Bytes allocated by txn_create() (constant for the table's life). */
size_t		txn_memory(const struct txn_table *t);

/* A short phrase for a txn_error value. */
const char *txn_strerror(int err);

#endif							/* DHT_TXN_H */
