/*
 * test_resolver.c
 *		Unit tests of resolver: the metadata fetch scheduler.
 *
 * Tables for create (caps, max_attempts 1..RESOLVER_PEERS_PER_HASH) and
 * the outcome names; scripted scenarios, one step a line, run against a
 * fake clock (FIFO service, one FIFO across fetch and lookup needs, a
 * failed hash to the back, one fetch per hash, the max_fetches cap,
 * failover to the next peer, lookups and their wait, peers arriving
 * during the wait, giving up, the retry window, its LRU eviction,
 * max_attempts, priority and promotion, peer merging, a full queue,
 * forget, stale and repeated completions, slot reuse); long queues; peer
 * identity (families, ports, duplicates); a randomized run of thousands
 * of operations checked against an exact reference model after every
 * step, then drained with every fetch failing; no allocation after create.
 */
#include "resolver.h"
#include "hashindex.h"
#include "unit.h"
#include "testutil.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#define NIDS 512				/* ids usable in scripts */

/* Peer number p: 10.1.x.y:6881, all distinct. */
static struct netaddr
peer_of(int p)
{
	return testutil_ip4(10, 1, (uint8_t) (p >> 8), (uint8_t) p, 6881);
}

static int
add_id(struct resolver *r, uint32_t id, int first, int npeers, int prio,
	   uint64_t now)
{
	struct netaddr peers[16];
	uint8_t		h[20];

	for (int i = 0; i < npeers && i < 16; i++)
		peers[i] = peer_of(first + i);
	testutil_hash_of(id, h);
	return resolver_add(r, h, npeers > 0 ? peers : NULL, (size_t) npeers,
						prio, now);
}

static int
has_id(const struct resolver *r, uint32_t id)
{
	uint8_t		h[20];

	testutil_hash_of(id, h);
	return resolver_has(r, h);
}

static void
forget_id(struct resolver *r, uint32_t id)
{
	uint8_t		h[20];

	testutil_hash_of(id, h);
	resolver_forget(r, h);
}

static bool
job_is(const struct resolver_job *j, uint32_t id)
{
	uint8_t		h[20];

	testutil_hash_of(id, h);
	return memcmp(j->hash, h, 20) == 0;
}

/* The id of a job's hash (ids below NIDS), or -1. */
static int
job_id(const struct resolver_job *j)
{
	uint32_t	id;

	memcpy(&id, j->hash, sizeof(id));	/* testutil_hash_of puts it first */
	return id < NIDS && job_is(j, id) ? (int) id : -1;
}

/* The peer number of a job, or -1. */
static int
peer_no(const struct netaddr *a)
{
	int			p;

	for (p = 0; p < 1024; p++)
	{
		struct netaddr w = peer_of(p);

		if (netaddr_equal(&w, a))
			return p;
	}
	return -1;
}

static struct resolver_stats
stats_of(const struct resolver *r)
{
	struct resolver_stats st;

	resolver_stats(r, &st);
	return st;
}

static uint64_t
failures_of(const struct resolver_stats *st)
{
	uint64_t	n = 0;

	for (int o = 1; o < RESOLVER_NUM_OUTCOMES; o++)
		n += st->outcomes[o];
	return n;
}

static struct resolver_config
config(size_t queue, size_t fetches, unsigned attempts, size_t failed,
	   uint64_t retry, uint64_t wait)
{
	struct resolver_config c;

	memset(&c, 0, sizeof(c));
	c.max_queue = queue;
	c.max_fetches = fetches;
	c.max_attempts = attempts;
	c.max_failed = failed;
	c.retry_after_ms = retry;
	c.lookup_wait_ms = wait;
	c.seed = 0x5eed;
	return c;
}

/* ---------------------------------------------------------------------- */

static void
test_create(void)
{
	static const struct
	{
		size_t		queue;
		size_t		fetches;
		unsigned	attempts;
		size_t		failed;
		bool		ok;
	}			rows[] = {
		{0, 4, 4, 8, false},
		{16, 4, 0, 8, false},
		{16, 4, 4, 0, false},
		{(size_t) HASHINDEX_MAX_SLOTS + 1, 4, 4, 8, false},
		{16, 4, 4, (size_t) HASHINDEX_MAX_SLOTS + 1, false},
		{SIZE_MAX, 4, 4, 8, false},
		{16, 4, RESOLVER_PEERS_PER_HASH + 1, 8, false},	/* untriable */
		{16, 4, UINT_MAX, 8, false},
		{1, 1, 1, 1, true},
		{16, 4, RESOLVER_PEERS_PER_HASH, 8, true},
		{16, 0, 4, 8, true},	/* no fetch may start: still valid */
		{4096, 256, 8, 65536, true},
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
	{
		struct resolver_config c = config(rows[i].queue, rows[i].fetches,
										  rows[i].attempts, rows[i].failed,
										  1000, 100);
		struct resolver *r;
		struct resolver_job j;
		struct resolver_stats st;

		errno = 0;
		r = resolver_create(&c);
		CHECKF((r != NULL) == rows[i].ok, "row %zu", i);
		if (r == NULL)
		{
			CHECKF(errno == EINVAL, "row %zu: errno %d", i, errno);
			continue;
		}
		CHECKF(resolver_next(r, 0, &j) == 0, "row %zu", i);
		st = stats_of(r);
		CHECKF(st.queued == 0 && st.in_flight == 0 && st.added == 0 &&
			   st.started == 0 && st.lookups == 0 && st.gave_up == 0,
			   "row %zu", i);
		CHECKF(has_id(r, 1) == 0, "row %zu", i);
		resolver_destroy(r);
	}
	resolver_destroy(NULL);
}

static void
test_outcome_names(void)
{
	static const struct
	{
		int			o;
		const char *name;
	}			rows[] = {
		{RESOLVER_OK, "ok"},
		{RESOLVER_FAIL_CONNECT, "connect"},
		{RESOLVER_FAIL_HANDSHAKE, "handshake"},
		{RESOLVER_FAIL_NO_METADATA, "no_metadata"},
		{RESOLVER_FAIL_REJECT, "reject"},
		{RESOLVER_FAIL_TIMEOUT, "timeout"},
		{RESOLVER_FAIL_TOO_BIG, "too_big"},
		{RESOLVER_FAIL_HASH_MISMATCH, "hash_mismatch"},
		{RESOLVER_FAIL_BAD_METAINFO, "bad_metainfo"},
		{RESOLVER_FAIL_OTHER, "other"},
		{RESOLVER_NUM_OUTCOMES, "unknown"},
		{-1, "unknown"},
		{1000, "unknown"},
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		CHECKF(strcmp(resolver_outcome_name((enum resolver_outcome) rows[i].o),
					  rows[i].name) == 0, "row %zu", i);
}

/* ---------------------------------------------------------------------- */
/* Scripts: one operation a line, checked as it runs. */

enum op
{
	END = 0,
	AT,							/* a = now (ms) */
	ADD,						/* id, peers a..a+b-1, prio c, returns x */
	FETCH,						/* next: FETCH of id from peer a, prio c */
	LOOKUP,						/* next: LOOKUP of id, prio c */
	NONE,						/* next: nothing */
	DONE,						/* last job of id ends with outcome a */
	SAVE,						/* keep a copy of id's last job */
	DONE_SAVED,					/* the kept copy ends with outcome a */
	FORGET,						/* resolver_forget(id) */
	HAS,						/* resolver_has(id) == x */
	MAXF,						/* resolver_set_max_fetches(a) */
	STAT						/* stats field a == x */
};

enum field
{
	QUEUED, IN_FLIGHT, ADDED, MERGED, DROPPED_FULL, SKIPPED, LOOKUPS,
	STARTED, GAVE_UP, PEERS_DROPPED, N_OK, N_FAIL
};

struct step
{
	enum op		op;
	uint32_t	id;
	int			a;
	int			b;
	int			c;
	long long	x;
};

#define S_AT(t)					{AT, 0, t, 0, 0, 0}
#define S_ADD(id, p, n, pr, x)	{ADD, id, p, n, pr, x}
#define S_FETCH(id, p)			{FETCH, id, p, 0, 0, 0}
#define S_PFETCH(id, p)			{FETCH, id, p, 0, 1, 0}
#define S_LOOKUP(id)			{LOOKUP, id, 0, 0, 0, 0}
#define S_PLOOKUP(id)			{LOOKUP, id, 0, 0, 1, 0}
#define S_NONE					{NONE, 0, 0, 0, 0, 0}
#define S_DONE(id, o)			{DONE, id, o, 0, 0, 0}
#define S_SAVE(id)				{SAVE, id, 0, 0, 0, 0}
#define S_DONE_SAVED(id, o)		{DONE_SAVED, id, o, 0, 0, 0}
#define S_FORGET(id)			{FORGET, id, 0, 0, 0, 0}
#define S_HAS(id, x)			{HAS, id, 0, 0, 0, x}
#define S_MAXF(n)				{MAXF, 0, n, 0, 0, 0}
#define S_STAT(f, x)			{STAT, 0, f, 0, 0, x}
#define S_END					{END, 0, 0, 0, 0, 0}

#define OK		RESOLVER_OK
#define CONN	RESOLVER_FAIL_CONNECT
#define HSHK	RESOLVER_FAIL_HANDSHAKE
#define REJ		RESOLVER_FAIL_REJECT
#define TMO		RESOLVER_FAIL_TIMEOUT

struct script
{
	const char *name;
	struct resolver_config cfg;
	const struct step *steps;
};

static long long
field_of(const struct resolver_stats *st, int f)
{
	switch (f)
	{
		case QUEUED:
			return (long long) st->queued;
		case IN_FLIGHT:
			return (long long) st->in_flight;
		case ADDED:
			return (long long) st->added;
		case MERGED:
			return (long long) st->merged;
		case DROPPED_FULL:
			return (long long) st->dropped_full;
		case SKIPPED:
			return (long long) st->skipped_recent;
		case LOOKUPS:
			return (long long) st->lookups;
		case STARTED:
			return (long long) st->started;
		case GAVE_UP:
			return (long long) st->gave_up;
		case PEERS_DROPPED:
			return (long long) st->peers_dropped;
		case N_OK:
			return (long long) st->outcomes[RESOLVER_OK];
		case N_FAIL:
			return (long long) failures_of(st);
	}
	return -1;
}

static const char *
job_text(int rc, const struct resolver_job *j, char *buf, size_t len)
{
	if (rc == 0)
		snprintf(buf, len, "nothing");
	else
		snprintf(buf, len, "%s id %d peer %d prio %d",
				 j->kind == RESOLVER_JOB_FETCH ? "FETCH" : "LOOKUP",
				 job_id(j), j->kind == RESOLVER_JOB_FETCH ? peer_no(&j->peer) : -1,
				 j->priority);
	return buf;
}

/* Run one step; false if it failed (the script stops: later steps depend). */
static bool
run_step(const struct script *s, size_t i, struct resolver *r,
		 uint64_t *now, struct resolver_job *last, struct resolver_job *saved)
{
	const struct step *p = &s->steps[i];
	struct resolver_job j;
	struct resolver_stats st;
	char		buf[80];
	int			rc;
	bool		ok = true;

	switch (p->op)
	{
		case END:
			break;
		case AT:
			*now = (uint64_t) p->a;
			break;
		case ADD:
			rc = add_id(r, p->id, p->a, p->b, p->c, *now);
			ok = rc == p->x;
			CHECKF(ok, "%s step %zu: add %u returned %d",
				   s->name, i, p->id, rc);
			break;
		case FETCH:
		case LOOKUP:
			memset(&j, 0, sizeof(j));
			rc = resolver_next(r, *now, &j);
			ok = rc == 1 && job_is(&j, p->id) && j.priority == p->c &&
				(p->op == FETCH ? j.kind == RESOLVER_JOB_FETCH &&
				 peer_no(&j.peer) == p->a : j.kind == RESOLVER_JOB_LOOKUP);
			CHECKF(ok, "%s step %zu: want %s id %u peer %d prio %d, got %s",
				   s->name, i, p->op == FETCH ? "FETCH" : "LOOKUP", p->id,
				   p->op == FETCH ? p->a : -1, p->c,
				   job_text(rc, &j, buf, sizeof(buf)));
			if (rc == 1 && job_id(&j) >= 0)
				last[job_id(&j)] = j;
			break;
		case NONE:
			rc = resolver_next(r, *now, &j);
			ok = rc == 0;
			CHECKF(ok, "%s step %zu: want nothing, got %s",
				   s->name, i, job_text(rc, &j, buf, sizeof(buf)));
			if (rc == 1 && job_id(&j) >= 0)
				last[job_id(&j)] = j;
			break;
		case DONE:
			resolver_fetch_done(r, &last[p->id], (enum resolver_outcome) p->a,
								*now);
			break;
		case SAVE:
			saved[p->id] = last[p->id];
			break;
		case DONE_SAVED:
			resolver_fetch_done(r, &saved[p->id], (enum resolver_outcome) p->a,
								*now);
			break;
		case FORGET:
			forget_id(r, p->id);
			break;
		case HAS:
			rc = has_id(r, p->id);
			ok = rc == p->x;
			CHECKF(ok, "%s step %zu: has %u = %d", s->name, i,
				   p->id, rc);
			break;
		case MAXF:
			resolver_set_max_fetches(r, (size_t) p->a);
			break;
		case STAT:
			st = stats_of(r);
			ok = field_of(&st, p->a) == p->x;
			CHECKF(ok,
				   "%s step %zu: stat %d = %lld, want %lld", s->name, i, p->a,
				   field_of(&st, p->a), p->x);
			break;
	}
	return ok;
}

static void
run_script(const struct script *s)
{
	static struct resolver_job last[NIDS];
	static struct resolver_job saved[NIDS];
	struct resolver *r = resolver_create(&s->cfg);
	uint64_t	now = 0;

	CHECKF(r != NULL, "%s: create", s->name);
	if (r == NULL)
		return;
	memset(last, 0, sizeof(last));
	memset(saved, 0, sizeof(saved));
	for (size_t i = 0; s->steps[i].op != END; i++)
		if (!run_step(s, i, r, &now, last, saved))
		{
			fprintf(stderr, "  (script %s stopped at step %zu)\n", s->name, i);
			break;
		}
	resolver_destroy(r);
}

/* FIFO service, one fetch per hash, the max_fetches cap. */
static const struct step fifo[] = {
	S_ADD(1, 1, 1, 0, 1), S_ADD(2, 2, 1, 0, 1), S_ADD(3, 3, 1, 0, 1),
	S_ADD(4, 4, 1, 0, 1), S_ADD(5, 5, 1, 0, 1),
	S_STAT(QUEUED, 5), S_STAT(ADDED, 5), S_STAT(IN_FLIGHT, 0),
	S_FETCH(1, 1), S_FETCH(2, 2), S_FETCH(3, 3), S_NONE,	/* 3 in flight */
	S_STAT(IN_FLIGHT, 3), S_STAT(STARTED, 3),
	S_DONE(2, OK), S_HAS(2, 0), S_STAT(QUEUED, 4), S_STAT(IN_FLIGHT, 2),
	S_FETCH(4, 4), S_NONE,
	S_DONE(1, OK), S_DONE(3, OK), S_FETCH(5, 5),
	S_NONE,						/* slots free, but every hash is in flight */
	S_STAT(IN_FLIGHT, 2),
	S_DONE(4, OK), S_DONE(5, OK),
	S_STAT(QUEUED, 0), S_STAT(IN_FLIGHT, 0), S_STAT(N_OK, 5),
	S_STAT(STARTED, 5), S_NONE,
	S_END
};

/* A hash is fetched from one peer at a time, in the order peers came. */
static const struct step one_per_hash[] = {
	S_ADD(1, 10, 3, 0, 1), S_ADD(2, 20, 1, 0, 1),
	S_FETCH(1, 10), S_FETCH(2, 20), S_NONE,
	S_DONE(1, CONN), S_HAS(1, 1), S_STAT(IN_FLIGHT, 1),
	S_FETCH(1, 11), S_NONE,
	S_DONE(1, TMO), S_FETCH(1, 12), S_NONE,
	S_DONE(1, OK), S_HAS(1, 0), S_NONE,
	S_DONE(2, OK),
	S_STAT(STARTED, 4), S_STAT(N_OK, 2), S_STAT(N_FAIL, 2),
	S_STAT(LOOKUPS, 0), S_STAT(QUEUED, 0),
	S_END
};

/* Jobs stop at max_fetches, resume after a completion or a larger cap. */
static const struct step max_fetches[] = {
	S_ADD(1, 1, 1, 0, 1), S_ADD(2, 2, 1, 0, 1), S_ADD(3, 3, 1, 0, 1),
	S_ADD(4, 4, 1, 0, 1),
	S_FETCH(1, 1), S_NONE, S_NONE,
	S_DONE(1, OK), S_FETCH(2, 2), S_NONE,
	S_MAXF(3), S_FETCH(3, 3), S_FETCH(4, 4), S_NONE,
	S_MAXF(1),					/* below the 3 in flight: nothing new */
	S_ADD(5, 5, 1, 0, 1),
	S_DONE(2, OK), S_NONE, S_DONE(3, OK), S_NONE,
	S_DONE(4, OK), S_FETCH(5, 5),
	S_MAXF(0), S_DONE(5, CONN), S_ADD(5, 6, 1, 0, 1), S_NONE,
	S_MAXF(1), S_FETCH(5, 6),
	S_STAT(IN_FLIGHT, 1), S_STAT(STARTED, 6),
	S_END
};

/*
 * Every peer failed: a lookup, then a wait of lookup_wait_ms, a second
 * lookup, another wait, then the hash is given up and remembered for
 * retry_after_ms (60 s here) unless re-added with priority.
 */
static const struct step lookups[] = {
	S_AT(0), S_ADD(1, 1, 2, 0, 1),
	S_FETCH(1, 1), S_DONE(1, CONN), S_FETCH(1, 2), S_DONE(1, HSHK),
	S_LOOKUP(1), S_STAT(LOOKUPS, 1), S_NONE,
	S_AT(999), S_NONE,
	S_AT(1000), S_LOOKUP(1), S_STAT(LOOKUPS, 2), S_NONE,
	S_AT(1999), S_NONE, S_HAS(1, 1), S_STAT(GAVE_UP, 0),
	S_AT(2000), S_NONE, S_HAS(1, 0), S_STAT(GAVE_UP, 1), S_STAT(QUEUED, 0),
	S_ADD(1, 1, 2, 0, 0), S_STAT(SKIPPED, 1), S_HAS(1, 0),
	S_AT(61999), S_ADD(1, 3, 1, 0, 0), S_STAT(SKIPPED, 2),
	S_ADD(1, 1, 2, 1, 1),		/* priority: accepted inside the window */
	S_HAS(1, 1), S_PFETCH(1, 1), S_FORGET(1), S_HAS(1, 0),
	S_AT(62000), S_ADD(1, 5, 1, 0, 1),	/* window over */
	S_FETCH(1, 5),
	S_STAT(ADDED, 3), S_STAT(LOOKUPS, 2), S_STAT(SKIPPED, 2),
	S_END
};

/*
 * New peers for a hash that waits after a lookup are fetched at once; if
 * they fail, it waits out the rest of lookup_wait_ms (the lookup may still
 * bring some) before its next lookup or its end.  An add without news does
 * not end a wait, nor give up a hash whose wait is over.
 */
static const struct step lookup_merge[] = {
	S_AT(0), S_ADD(1, 0, 0, 0, 1),		/* no peer: a lookup first */
	S_LOOKUP(1), S_NONE,
	S_AT(10), S_ADD(1, 5, 2, 0, 1), S_STAT(MERGED, 1),
	S_FETCH(1, 5), S_DONE(1, REJ), S_FETCH(1, 6), S_DONE(1, REJ),
	S_NONE, S_AT(999), S_NONE, S_HAS(1, 1),	/* the wait ends at 1000 */
	S_AT(1000), S_LOOKUP(1), S_NONE,		/* second and last lookup */
	S_ADD(1, 5, 2, 0, 1), S_NONE,	/* known peers are not news */
	S_AT(1020), S_ADD(1, 7, 1, 0, 1), S_FETCH(1, 7), S_DONE(1, REJ),
	S_NONE, S_AT(1999), S_NONE, S_HAS(1, 1), S_STAT(GAVE_UP, 0),
	S_AT(2000), S_ADD(1, 7, 1, 0, 1),	/* over, but not given up by add */
	S_HAS(1, 1), S_STAT(GAVE_UP, 0),
	S_NONE, S_HAS(1, 0), S_STAT(GAVE_UP, 1), S_STAT(LOOKUPS, 2),
	/* a fetch outlasting the last wait: given up when it fails */
	S_ADD(4, 0, 0, 0, 1), S_LOOKUP(4), S_AT(3000), S_LOOKUP(4),
	S_AT(3500), S_ADD(4, 40, 1, 0, 1), S_FETCH(4, 40),
	S_AT(4500), S_HAS(4, 1), S_DONE(4, TMO), S_HAS(4, 0),
	S_STAT(GAVE_UP, 2), S_STAT(IN_FLIGHT, 0),
	/* lookups do not count against max_fetches (1 here) */
	S_ADD(2, 20, 1, 0, 1), S_ADD(3, 0, 0, 0, 1),
	S_FETCH(2, 20), S_LOOKUP(3), S_NONE,
	S_END
};

/*
 * One FIFO across needs: the older of "needs a fetch" and "needs a lookup"
 * goes first, but a lookup may pass fetches held back by max_fetches (1
 * here).  A merge keeps a hash's turn; new peers for a hash that needed a
 * lookup give it a new turn.
 */
static const struct step fifo_mixed[] = {
	S_ADD(1, 0, 0, 0, 1), S_ADD(2, 2, 1, 0, 1), S_ADD(3, 0, 0, 0, 1),
	S_ADD(4, 4, 1, 0, 1),
	S_LOOKUP(1), S_FETCH(2, 2), S_LOOKUP(3), S_NONE,	/* 4: the cap */
	S_DONE(2, OK), S_FETCH(4, 4), S_DONE(4, OK), S_NONE,
	S_ADD(5, 5, 1, 0, 1), S_ADD(7, 0, 0, 0, 1), S_ADD(6, 6, 1, 0, 1),
	S_ADD(5, 50, 1, 0, 1),		/* merged: keeps its turn */
	S_ADD(7, 70, 1, 0, 1),		/* needed a lookup: a fetch, last */
	S_MAXF(3), S_FETCH(5, 5), S_FETCH(6, 6), S_FETCH(7, 70), S_NONE,
	S_STAT(LOOKUPS, 2), S_STAT(STARTED, 5),
	S_END
};

/* A failed fetch puts its hash at the back: dead peers take turns. */
static const struct step round_robin[] = {
	S_ADD(1, 10, 3, 0, 1), S_ADD(2, 20, 2, 0, 1), S_ADD(3, 30, 1, 0, 1),
	S_FETCH(1, 10), S_DONE(1, CONN),
	S_FETCH(2, 20), S_DONE(2, CONN),
	S_FETCH(3, 30), S_DONE(3, OK),
	S_FETCH(1, 11), S_DONE(1, TMO),
	S_FETCH(2, 21), S_DONE(2, TMO),	/* no peer left: needs a lookup */
	S_FETCH(1, 12), S_LOOKUP(2), S_NONE,	/* 1 failed first */
	S_DONE(1, OK), S_NONE, S_STAT(QUEUED, 1),
	S_END
};

/* max_attempts (2 here) caps the peers tried, lookups or not. */
static const struct step attempts[] = {
	S_ADD(1, 1, 5, 0, 1),
	S_FETCH(1, 1), S_DONE(1, CONN), S_FETCH(1, 2), S_DONE(1, CONN),
	S_HAS(1, 0), S_STAT(GAVE_UP, 1), S_NONE,
	S_ADD(2, 10, 1, 0, 1),
	S_FETCH(2, 10), S_DONE(2, TMO), S_LOOKUP(2),
	S_ADD(2, 11, 3, 0, 1), S_FETCH(2, 11), S_DONE(2, TMO),
	S_HAS(2, 0), S_STAT(GAVE_UP, 2), S_STAT(STARTED, 4), S_NONE,
	S_END
};

/* resolve() hashes first, including a queued normal hash promoted. */
static const struct step priority[] = {
	S_ADD(1, 1, 1, 0, 1), S_ADD(2, 2, 1, 0, 1), S_ADD(3, 3, 1, 0, 1),
	S_FETCH(1, 1),
	S_ADD(4, 4, 1, 1, 1), S_ADD(5, 5, 1, 1, 1),
	S_DONE(1, OK), S_PFETCH(4, 4), S_DONE(4, OK), S_PFETCH(5, 5),
	S_DONE(5, OK),
	S_ADD(3, 0, 0, 1, 1),		/* promote 3, no new peer */
	S_STAT(MERGED, 1), S_STAT(ADDED, 5),
	S_PFETCH(3, 3), S_DONE(3, OK),
	S_FETCH(2, 2), S_DONE(2, OK),
	S_NONE, S_STAT(QUEUED, 0),	/* 3 was served once only */
	/* promoted while in flight: still one fetch; the next one is priority */
	S_ADD(6, 60, 2, 0, 1), S_ADD(7, 70, 1, 0, 1), S_FETCH(6, 60),
	S_ADD(6, 0, 0, 1, 1), S_NONE,
	S_DONE(6, CONN), S_PFETCH(6, 61), S_DONE(6, OK),
	S_FETCH(7, 70), S_DONE(7, OK),
	/* priority lookups before normal fetches and lookups */
	S_MAXF(4), S_ADD(8, 0, 0, 0, 1), S_ADD(9, 90, 1, 0, 1),
	S_ADD(10, 0, 0, 1, 1),
	S_PLOOKUP(10), S_LOOKUP(8), S_FETCH(9, 90),
	S_END
};

/*
 * A promotion is a placement: the promoted hash follows the priority
 * hashes placed before it.  Promoted while it waits after a lookup, it
 * stays waiting; its next lookup is a priority one.
 */
static const struct step promote_order[] = {
	S_ADD(1, 1, 1, 1, 1), S_ADD(2, 2, 1, 0, 1), S_ADD(3, 0, 0, 0, 1),
	S_ADD(4, 4, 1, 1, 1), S_ADD(2, 0, 0, 1, 1), S_ADD(3, 0, 0, 1, 1),
	S_PFETCH(1, 1), S_PFETCH(4, 4), S_PFETCH(2, 2), S_PLOOKUP(3), S_NONE,
	S_ADD(5, 0, 0, 0, 1), S_LOOKUP(5), S_ADD(5, 0, 0, 1, 1), S_NONE,
	S_STAT(MERGED, 3),
	S_AT(1000), S_PLOOKUP(3), S_PLOOKUP(5), S_NONE,
	S_END
};

/* Merging: duplicates ignored, RESOLVER_PEERS_PER_HASH (8) at most. */
static const struct step merge[] = {
	S_ADD(1, 1, 3, 0, 1), S_ADD(1, 2, 4, 0, 1),	/* + 4, 5 */
	S_STAT(MERGED, 1), S_STAT(PEERS_DROPPED, 0),
	S_ADD(1, 1, 10, 0, 1),		/* + 6, 7, 8; 9 and 10 dropped */
	S_STAT(MERGED, 2), S_STAT(PEERS_DROPPED, 2),
	S_ADD(1, 3, 2, 0, 1), S_STAT(PEERS_DROPPED, 2),	/* all known */
	S_FETCH(1, 1), S_DONE(1, CONN), S_FETCH(1, 2), S_DONE(1, CONN),
	S_FETCH(1, 3), S_DONE(1, CONN), S_FETCH(1, 4), S_DONE(1, CONN),
	S_FETCH(1, 5), S_DONE(1, CONN), S_FETCH(1, 6), S_DONE(1, CONN),
	S_FETCH(1, 7), S_DONE(1, CONN), S_FETCH(1, 8), S_DONE(1, CONN),
	S_HAS(1, 0), S_STAT(GAVE_UP, 1),	/* max_attempts 8 */
	S_ADD(2, 1, 12, 0, 1), S_STAT(PEERS_DROPPED, 6),
	S_STAT(ADDED, 2),
	S_END
};

/* A full queue drops new hashes (even priority) but still merges. */
static const struct step full[] = {
	S_ADD(1, 1, 1, 0, 1), S_ADD(2, 2, 1, 0, 1), S_ADD(3, 3, 1, 0, 1),
	S_ADD(4, 4, 1, 0, 0), S_STAT(DROPPED_FULL, 1), S_HAS(4, 0),
	S_ADD(2, 5, 1, 0, 1), S_STAT(MERGED, 1),	/* 2 keeps its turn */
	S_ADD(5, 5, 1, 1, 0), S_STAT(DROPPED_FULL, 2),
	S_STAT(QUEUED, 3),
	S_FETCH(1, 1), S_DONE(1, OK), S_ADD(4, 4, 1, 0, 1),
	S_FETCH(2, 2), S_FETCH(3, 3), S_FETCH(4, 4), S_NONE,
	S_STAT(ADDED, 4),
	S_END
};

/*
 * Forget a queued and an in-flight hash; the forgotten fetch's late
 * completion changes nothing, even once its slot serves another hash.
 */
static const struct step forget[] = {
	S_ADD(1, 1, 1, 0, 1), S_ADD(2, 2, 1, 0, 1), S_ADD(3, 3, 1, 0, 1),
	S_FETCH(1, 1), S_FORGET(2), S_HAS(2, 0), S_STAT(QUEUED, 2),
	S_FETCH(3, 3), S_NONE,
	S_FORGET(1), S_HAS(1, 0), S_STAT(IN_FLIGHT, 1), S_STAT(QUEUED, 1),
	S_DONE(1, OK), S_STAT(IN_FLIGHT, 1), S_STAT(QUEUED, 1), S_HAS(3, 1),
	S_FORGET(99), S_STAT(QUEUED, 1),
	S_ADD(4, 4, 2, 0, 1), S_ADD(5, 5, 1, 0, 1),	/* reuse the freed slots */
	S_FETCH(4, 4),
	S_DONE(1, OK), S_DONE(1, CONN),	/* stale: ignored */
	S_HAS(4, 1), S_STAT(IN_FLIGHT, 2), S_STAT(GAVE_UP, 0),
	S_FETCH(5, 5), S_NONE,
	S_DONE(4, CONN), S_FETCH(4, 5), S_DONE(4, OK), S_HAS(4, 0),
	S_DONE(3, OK), S_DONE(5, OK), S_STAT(QUEUED, 0), S_STAT(IN_FLIGHT, 0),
	S_STAT(GAVE_UP, 0), S_STAT(STARTED, 5),
	S_END
};

/*
 * A forgotten fetch completes after the same hash was re-added and is in
 * flight again (same slot: freed slots are reused first): the old job
 * must not end the new fetch.
 */
static const struct step stale_same_hash[] = {
	S_ADD(1, 1, 2, 0, 1), S_FETCH(1, 1), S_SAVE(1), S_FORGET(1),
	S_ADD(1, 1, 2, 0, 1), S_FETCH(1, 1),
	S_DONE_SAVED(1, CONN),		/* stale */
	S_STAT(IN_FLIGHT, 1),
	S_NONE,						/* no second fetch of hash 1 */
	S_DONE(1, OK), S_HAS(1, 0), S_STAT(IN_FLIGHT, 0),
	S_END
};

/* The failed window (2 here) forgets the oldest failure first. */
static const struct step window_evict[] = {
	S_ADD(1, 1, 1, 0, 1), S_ADD(2, 2, 1, 0, 1), S_ADD(3, 3, 1, 0, 1),
	S_ADD(4, 4, 1, 0, 1),
	S_FETCH(1, 1), S_FETCH(2, 2), S_FETCH(3, 3), S_FETCH(4, 4),
	S_AT(10), S_DONE(1, CONN), S_AT(20), S_DONE(2, CONN),
	S_AT(30), S_DONE(3, CONN),
	S_STAT(GAVE_UP, 3), S_STAT(QUEUED, 1),
	S_ADD(2, 2, 1, 0, 0), S_ADD(3, 3, 1, 0, 0), S_STAT(SKIPPED, 2),
	S_ADD(1, 1, 1, 0, 1),		/* evicted: accepted */
	S_AT(40), S_DONE(4, CONN),	/* evicts 2 */
	S_ADD(3, 3, 1, 0, 0), S_ADD(4, 4, 1, 0, 0), S_STAT(SKIPPED, 4),
	S_ADD(2, 2, 1, 0, 1),
	S_FETCH(1, 1), S_DONE(1, CONN),	/* evicts 3 */
	S_ADD(3, 3, 1, 0, 1), S_ADD(4, 4, 1, 0, 0), S_ADD(1, 1, 1, 0, 0),
	S_STAT(SKIPPED, 6), S_STAT(GAVE_UP, 5),
	S_END
};

/* A failure refreshes the window: it runs from the latest failure. */
static const struct step window_refresh[] = {
	S_AT(0), S_ADD(1, 1, 1, 0, 1), S_FETCH(1, 1), S_DONE(1, CONN),
	S_AT(50), S_ADD(1, 2, 1, 1, 1), S_PFETCH(1, 2),
	S_AT(60), S_DONE(1, CONN), S_STAT(GAVE_UP, 2),
	S_AT(120), S_ADD(1, 3, 1, 0, 0),
	S_AT(159), S_ADD(1, 3, 1, 0, 0),
	S_AT(160), S_ADD(1, 3, 1, 0, 1),
	S_STAT(SKIPPED, 2),
	S_END
};

/*
 * "Oldest" is by latest failure: a hash that failed again is the newest
 * entry of the window (2 here), not the first evicted.
 */
static const struct step window_refresh_evict[] = {
	S_ADD(1, 1, 1, 0, 1), S_ADD(2, 2, 1, 0, 1), S_ADD(3, 3, 1, 0, 1),
	S_FETCH(1, 1), S_FETCH(2, 2), S_FETCH(3, 3),
	S_AT(10), S_DONE(1, CONN), S_AT(20), S_DONE(2, CONN),
	S_ADD(1, 4, 1, 1, 1), S_PFETCH(1, 4),
	S_AT(30), S_DONE(1, CONN),	/* 1 is now the latest failure */
	S_AT(40), S_DONE(3, CONN),	/* evicts 2, the oldest failure */
	S_STAT(GAVE_UP, 4),
	S_ADD(1, 1, 1, 0, 0), S_ADD(3, 3, 1, 0, 0), S_ADD(2, 2, 1, 0, 1),
	S_END
};

/*
 * The window (3 here) holds 3 distinct hashes however often they failed:
 * a refreshed failure takes no second entry.
 */
static const struct step window_lru[] = {
	S_ADD(1, 1, 1, 0, 1), S_ADD(2, 2, 1, 0, 1), S_ADD(3, 3, 1, 0, 1),
	S_FETCH(1, 1), S_FETCH(2, 2), S_FETCH(3, 3),
	S_AT(10), S_DONE(1, CONN), S_AT(20), S_DONE(2, CONN),
	S_AT(30), S_DONE(3, CONN),
	S_ADD(3, 4, 1, 1, 1), S_PFETCH(3, 4), S_AT(40), S_DONE(3, CONN),
	S_ADD(1, 1, 1, 0, 0), S_ADD(2, 2, 1, 0, 0), S_ADD(3, 3, 1, 0, 0),
	S_STAT(SKIPPED, 3), S_STAT(GAVE_UP, 4),
	S_ADD(4, 4, 1, 0, 1), S_FETCH(4, 4), S_AT(50), S_DONE(4, CONN),
	S_ADD(1, 1, 1, 0, 1),		/* the oldest latest failure: evicted */
	S_ADD(2, 2, 1, 0, 0), S_ADD(3, 3, 1, 0, 0), S_ADD(4, 4, 1, 0, 0),
	S_STAT(SKIPPED, 6),
	S_END
};

/*
 * Slots freed by completions (or forget) before the next resolver_next()
 * are reused at once: the new hashes must still be served.
 */
/*
 * A fetch reported twice: the repeat is counted but must not end the
 * hash's next fetch (every fetch has its own generation).
 */
static const struct step double_report[] = {
	S_ADD(1, 1, 3, 0, 1), S_FETCH(1, 1), S_SAVE(1), S_DONE(1, CONN),
	S_FETCH(1, 2), S_DONE_SAVED(1, OK), S_DONE_SAVED(1, CONN),
	S_HAS(1, 1), S_STAT(IN_FLIGHT, 1), S_NONE,
	S_STAT(N_OK, 1), S_STAT(N_FAIL, 2),
	S_DONE(1, CONN), S_FETCH(1, 3), S_DONE(1, OK), S_HAS(1, 0),
	S_STAT(STARTED, 3), S_STAT(IN_FLIGHT, 0), S_STAT(GAVE_UP, 0),
	S_END
};

/*
 * A clock that goes back (500 after 1000) may upset waits, but must not
 * strand a hash: its wait was seen over, so it needs a lookup.
 */
static const struct step clock_back[] = {
	S_AT(0), S_ADD(1, 0, 0, 0, 1), S_LOOKUP(1),
	S_AT(1000), S_ADD(1, 5, 1, 0, 1), S_FETCH(1, 5),
	S_AT(500), S_DONE(1, CONN), S_HAS(1, 1), S_LOOKUP(1),
	S_AT(1500), S_NONE, S_AT(2500), S_NONE, S_HAS(1, 0),
	S_STAT(GAVE_UP, 1),
	S_END
};

static const struct step reuse_completed[] = {
	S_ADD(1, 1, 1, 0, 1), S_ADD(2, 2, 1, 0, 1),
	S_FETCH(1, 1), S_FETCH(2, 2),
	S_DONE(1, OK), S_DONE(2, OK),
	S_ADD(3, 3, 1, 0, 1), S_ADD(4, 4, 1, 0, 1),
	S_FETCH(3, 3), S_FETCH(4, 4), S_NONE,
	S_END
};

static const struct step reuse_forgotten[] = {
	S_ADD(1, 1, 1, 0, 1), S_ADD(2, 2, 1, 0, 1),
	S_FORGET(1), S_ADD(3, 3, 1, 0, 1),
	S_FETCH(2, 2), S_FETCH(3, 3), S_NONE,
	S_END
};

static const struct step reuse_promoted[] = {
	S_ADD(1, 1, 1, 0, 1), S_ADD(2, 2, 1, 0, 1),
	S_ADD(1, 0, 0, 1, 1), S_ADD(2, 0, 0, 1, 1),	/* both promoted */
	S_PFETCH(1, 1), S_PFETCH(2, 2),
	S_DONE(1, OK), S_DONE(2, OK),
	S_ADD(3, 3, 1, 1, 1), S_ADD(4, 4, 1, 1, 1),
	S_PFETCH(3, 3), S_PFETCH(4, 4), S_NONE,
	S_END
};

static void
test_scripts(void)
{
	const struct script scripts[] = {
		{"fifo", config(16, 3, 4, 8, 60000, 1000), fifo},
		{"one_per_hash", config(16, 4, 4, 8, 60000, 1000), one_per_hash},
		{"max_fetches", config(16, 1, 4, 8, 60000, 1000), max_fetches},
		{"lookups", config(16, 4, 8, 8, 60000, 1000), lookups},
		{"lookup_merge", config(16, 1, 8, 8, 60000, 1000), lookup_merge},
		{"fifo_mixed", config(16, 1, 4, 8, 60000, 1000), fifo_mixed},
		{"round_robin", config(16, 1, 4, 8, 60000, 1000), round_robin},
		{"attempts", config(16, 4, 2, 8, 60000, 1000), attempts},
		{"priority", config(16, 1, 4, 8, 60000, 1000), priority},
		{"promote_order", config(16, 4, 4, 8, 60000, 1000), promote_order},
		{"merge", config(16, 4, 8, 8, 60000, 1000), merge},
		{"full", config(3, 4, 4, 8, 60000, 1000), full},
		{"forget", config(16, 3, 4, 8, 60000, 1000), forget},
		{"stale_same_hash", config(16, 2, 4, 8, 60000, 1000), stale_same_hash},
		{"double_report", config(16, 2, 4, 8, 60000, 1000), double_report},
		{"clock_back", config(16, 2, 4, 8, 60000, 1000), clock_back},
		{"window_evict", config(16, 4, 1, 2, 60000, 1000), window_evict},
		{"window_refresh", config(16, 4, 1, 8, 100, 1000), window_refresh},
		{"window_refresh_evict", config(16, 4, 1, 2, 60000, 1000),
		window_refresh_evict},
		{"window_lru", config(16, 4, 1, 3, 60000, 1000), window_lru},
		{"reuse_completed", config(2, 2, 4, 8, 60000, 1000), reuse_completed},
		{"reuse_forgotten", config(2, 2, 4, 8, 60000, 1000), reuse_forgotten},
		{"reuse_promoted", config(2, 2, 4, 8, 60000, 1000), reuse_promoted},
	};

	for (size_t i = 0; i < sizeof(scripts) / sizeof(scripts[0]); i++)
		run_script(&scripts[i]);
}

/* ---------------------------------------------------------------------- */

/*
 * Long queues: a fetch that can start is found behind 100 hashes waiting
 * after their lookups (0 means that nothing can start), and 100 hashes
 * held back by the fetch cap keep their FIFO order.
 */
static void
test_long_queue(void)
{
	struct resolver_config c = config(300, 1, 4, 8, 60000, 1000);
	struct resolver *r = resolver_create(&c);
	struct resolver_job j;
	int			rc;

	if (r == NULL)
	{
		CHECK(r != NULL);
		return;
	}
	/* 100 hashes waiting for lookup peers, then one that can start */
	for (uint32_t id = 0; id < 100; id++)
		CHECK(add_id(r, id, 0, 0, 0, 0) == 1);
	for (uint32_t id = 0; id < 100; id++)
		CHECK(resolver_next(r, 0, &j) == 1 && j.kind == RESOLVER_JOB_LOOKUP &&
			  job_is(&j, id));
	CHECK(add_id(r, 200, 7, 1, 0, 0) == 1);
	rc = resolver_next(r, 0, &j);
	CHECKF(rc == 1 && j.kind == RESOLVER_JOB_FETCH && job_is(&j, 200),
		   "a fetch could start behind 100 waiting hashes: got rc %d id %d",
		   rc, rc ? job_id(&j) : -1);
	resolver_destroy(r);

	/* FIFO order kept while the fetch cap (1) holds 100 hashes back */
	r = resolver_create(&c);
	if (r == NULL)
		return;
	for (uint32_t id = 0; id < 100; id++)
		CHECK(add_id(r, id, (int) id, 1, 0, 0) == 1);
	for (uint32_t id = 0; id < 100; id++)
	{
		int			k;

		rc = resolver_next(r, 0, &j);
		CHECKF(rc == 1 && j.kind == RESOLVER_JOB_FETCH && job_is(&j, id),
			   "fetch %u: got rc %d id %d", id, rc, rc ? job_id(&j) : -1);
		if (rc != 1)
			break;
		for (k = 0; k < 3; k++)	/* the cap is reached: nothing */
			CHECK(resolver_next(r, 0, &(struct resolver_job) {0}) == 0);
		resolver_fetch_done(r, &j, RESOLVER_OK, 0);
		if (!job_is(&j, id))
			break;				/* one report is enough */
	}
	resolver_destroy(r);
}

/*
 * The lookup budget: with no free lookup slot, hashes that need a lookup
 * keep their place (no lookup is counted, nothing starts waiting) while
 * fetches still start; once slots free up, lookups go out in order.
 */
static void
test_lookup_budget(void)
{
	struct resolver_config c = config(300, 4, 4, 8, 60000, 1000);
	struct resolver *r = resolver_create(&c);
	struct resolver_stats st;
	struct resolver_job j;

	if (r == NULL)
	{
		CHECK(r != NULL);
		return;
	}
	for (uint32_t id = 0; id < 10; id++)
		CHECK(add_id(r, id, 0, 0, 0, 0) == 1);
	CHECK(add_id(r, 50, 9, 1, 0, 0) == 1);
	resolver_set_lookup_budget(r, 0);
	CHECK(resolver_next(r, 0, &j) == 1 && j.kind == RESOLVER_JOB_FETCH &&
		  job_is(&j, 50));
	CHECK(resolver_next(r, 0, &j) == 0);
	resolver_stats(r, &st);
	CHECK(st.lookups == 0);
	resolver_set_lookup_budget(r, 3);
	for (uint32_t id = 0; id < 3; id++)
		CHECKF(resolver_next(r, 0, &j) == 1 && j.kind == RESOLVER_JOB_LOOKUP &&
			   job_is(&j, id), "budgeted lookup %u", id);
	CHECK(resolver_next(r, 0, &j) == 0);
	resolver_set_lookup_budget(r, 100);
	for (uint32_t id = 3; id < 10; id++)
		CHECKF(resolver_next(r, 0, &j) == 1 && j.kind == RESOLVER_JOB_LOOKUP &&
			   job_is(&j, id), "lookup %u after the budget grew", id);
	resolver_stats(r, &st);
	CHECK(st.lookups == 10);
	resolver_destroy(r);
}

/* Peer identity: family, address and port; duplicates within one add. */
static void
test_peer_identity(void)
{
	static const uint8_t ip[16] = {10, 1, 0, 1};
	struct netaddr p[6];
	struct resolver_config c = config(4, 8, 8, 4, 1000, 1000);
	struct resolver *r = resolver_create(&c);
	struct resolver_job j;
	uint8_t		h[20];
	int			n = 0;

	if (r == NULL)
	{
		CHECK(r != NULL);
		return;
	}
	p[0] = peer_of(1);
	p[1] = peer_of(1);			/* duplicate in the same call */
	p[2] = testutil_ip4(10, 1, 0, 1, 6882);	/* other port */
	p[3] = testutil_netaddr(AF_INET6, ip, 6881);	/* same bytes, v6 */
	p[4] = peer_of(2);
	p[5] = peer_of(1);
	testutil_hash_of(1, h);
	CHECK(resolver_add(r, h, p, 6, 0, 0) == 1);
	CHECK(stats_of(r).peers_dropped == 0);
	while (resolver_next(r, 0, &j) == 1 && j.kind == RESOLVER_JOB_FETCH)
	{
		CHECKF(n < 4 && netaddr_equal(&j.peer, &p[n == 0 ? 0 : n + 1]),
			   "peer %d", n);
		n++;
		resolver_fetch_done(r, &j, RESOLVER_FAIL_CONNECT, 0);
	}
	CHECKF(n == 4, "%d peers tried", n);
	resolver_destroy(r);
}

/* ---------------------------------------------------------------------- */
/*
 * The randomized run against a reference model.  The model keeps the
 * contract's state per hash in a plain array and decides by scanning it:
 * which job resolver_next() must hand out (priority class first, then the
 * oldest placement among the fetches that may start and the lookups),
 * when a hash is given up, every counter.  After every operation the
 * resolver's answers, resolver_has() of every id and the stats must match.
 */

enum viol
{
	V_ADD_RC,					/* resolver_add's return value */
	V_JOB_UNKNOWN,				/* a job for a hash not queued */
	V_DOUBLE,					/* a fetch for a hash already in flight */
	V_CAP,						/* a fetch started at max_fetches */
	V_PEER,						/* a fetch from the wrong peer */
	V_EARLY,					/* a lookup before the last one's wait ended */
	V_LOOKUP,					/* a lookup while untried peers remain */
	V_PRIO,						/* normal job while a priority one could go */
	V_ORDER,					/* not the job the model expects */
	V_IDLE,						/* next() = 0 while a job could start */
	V_VANISHED,					/* a hash left the queue without cause */
	V_HAS,						/* resolver_has() true for a hash gone */
	V_STATS,					/* a counter differs from the model */
	V_STRANDED,					/* still queued after the drain */
	V_NUM
};

static const char *const viol_names[V_NUM] = {
	"add return value", "job for an unqueued hash", "hash served twice",
	"fetch beyond max_fetches", "wrong peer", "lookup before ready",
	"lookup with untried peers", "priority order", "FIFO order",
	"idle with work", "hash vanished", "resolver_has", "stats",
	"stranded after drain"
};

struct mhash
{
	bool		queued;
	bool		in_flight;
	bool		prio;
	bool		waiting;		/* idle: no untried peer, lookup wait runs */
	char		list;			/* 'F' or 'L': its need; else 0 */
	bool		failed;			/* failed_at valid */
	bool		has_old;		/* old_job holds a fetch that ended */
	uint8_t		npeers;
	uint8_t		tried;
	unsigned	attempts;
	unsigned	lookups;
	uint64_t	seq;			/* when last placed on its need list */
	uint64_t	wseq;			/* when its last lookup was handed out */
	uint64_t	ready;			/* the last lookup's wait ends then */
	uint64_t	failed_at;
	struct netaddr peers[RESOLVER_PEERS_PER_HASH];
	struct resolver_job job;	/* the fetch in flight */
	struct resolver_job old_job;	/* ended, forgotten or reported */
};

struct model
{
	const char *name;
	struct resolver_config cfg;
	struct resolver *r;
	struct mhash *h;
	uint32_t	nids;
	uint64_t	now;
	uint64_t	rng;
	uint64_t	seq;
	uint64_t	wseq;
	size_t		max_fetches;
	size_t		queued;
	size_t		in_flight;
	uint64_t	ok_done;
	uint64_t	forgotten;
	uint64_t	old_reports;
	struct resolver_stats st;	/* expected */
	unsigned long viol[V_NUM];
};

static void
violation(struct model *m, enum viol v, const char *fmt,...)
{
	va_list		ap;

	if (m->viol[v]++ >= 3)
		return;
	fprintf(stderr, "model %s: %s: ", m->name, viol_names[v]);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static uint64_t
rnd(struct model *m, uint64_t n)
{
	return testutil_splitmix(&m->rng) % n;
}

static int
untried(const struct mhash *e)
{
	for (int i = 0; i < e->npeers; i++)
		if (!(e->tried & (1u << i)))
			return i;
	return -1;
}

/*
 * What a queued hash that is not in flight needs now: 'F' a fetch, 'W' to
 * wait (no untried peer, its lookup may still bring some), 'L' a lookup,
 * 'G' nothing left: give up.
 */
static char
model_need(const struct model *m, const struct mhash *e)
{
	if (e->attempts >= m->cfg.max_attempts)
		return 'G';
	if (untried(e) >= 0)
		return 'F';
	if (m->now < e->ready)
		return 'W';
	if (e->lookups < RESOLVER_MAX_LOOKUPS)
		return 'L';
	return 'G';
}

static void
model_remove(struct model *m, struct mhash *e)
{
	e->queued = false;
	e->in_flight = false;
	e->waiting = false;
	e->list = 0;
	m->queued--;
	m->st.queued--;
}

static void
model_give_up(struct model *m, struct mhash *e)
{
	model_remove(m, e);
	e->failed = true;
	e->failed_at = m->now;
	m->st.gave_up++;
}

/*
 * (Re)place a queued hash that is not in flight: a new turn if it changes
 * lists (or new_turn), the same turn if it stays; or give it up.
 */
static void
model_place(struct model *m, struct mhash *e, bool new_turn)
{
	char		need = model_need(m, e);

	if (need == 'G')
	{
		model_give_up(m, e);
		return;
	}
	e->waiting = need == 'W';
	if (e->waiting)
		e->list = 0;
	else if (need != e->list || new_turn)
	{
		e->list = need;
		e->seq = ++m->seq;
	}
}

/* Merge like the contract says; true if a new peer was added. */
static bool
model_merge(struct model *m, struct mhash *e, const struct netaddr *p, int n)
{
	bool		news = false;

	for (int i = 0; i < n; i++)
	{
		bool		dup = false;

		for (int k = 0; k < e->npeers; k++)
			dup |= netaddr_equal(&e->peers[k], &p[i]);
		if (dup)
			continue;
		if (e->npeers == RESOLVER_PEERS_PER_HASH)
		{
			m->st.peers_dropped++;
			continue;
		}
		e->peers[e->npeers++] = p[i];
		news = true;
	}
	return news;
}

/*
 * Hashes the resolver has must be exactly those the model has queued;
 * the model follows a hash that vanished, to report each fault once.
 */
static void
model_sweep(struct model *m, const char *op)
{
	for (uint32_t id = 0; id < m->nids; id++)
	{
		struct mhash *e = &m->h[id];
		int			has = has_id(m->r, id);

		if (e->queued && !has)
		{
			violation(m, V_VANISHED, "%s: id %u at %llu (attempts %u lookups "
					  "%u npeers %u in_flight %d ready %llu)", op, id,
					  (unsigned long long) m->now, e->attempts, e->lookups,
					  e->npeers, e->in_flight, (unsigned long long) e->ready);
			if (e->in_flight)
			{
				m->in_flight--;
				m->st.in_flight--;
			}
			model_give_up(m, e);
		}
		else if (!e->queued && has)
			violation(m, V_HAS, "%s: id %u not queued in the model", op, id);
	}
}

static void
model_add(struct model *m)
{
	uint32_t	id = (uint32_t) rnd(m, m->nids);
	struct mhash *e = &m->h[id];
	struct netaddr p[12];
	int			n = (int) rnd(m, 5);
	int			prio = rnd(m, 20) == 0;
	int			want,
				rc;
	uint8_t		hash[20];

	for (int i = 0; i < n; i++)
		p[i] = peer_of((int) rnd(m, 14));
	if (rnd(m, 50) == 0)
		for (n = 0; n < 12; n++)	/* sometimes more than fit */
			p[n] = peer_of((int) rnd(m, 40));
	testutil_hash_of(id, hash);
	rc = resolver_add(m->r, hash, n ? p : NULL, (size_t) n, prio, m->now);
	if (e->queued)
	{
		bool		news = model_merge(m, e, p, n);
		bool		promoted = prio && !e->prio;

		e->prio |= promoted;
		/* moves only if it must: new peers, or a promotion off a list */
		if (!e->in_flight && (news || (promoted && e->list != 0)))
			model_place(m, e, promoted);
		m->st.merged++;
		want = 1;
	}
	else if (!prio && e->failed &&
			 m->now - e->failed_at < m->cfg.retry_after_ms)
	{
		m->st.skipped_recent++;
		want = 0;
	}
	else if (m->queued == m->cfg.max_queue)
	{
		m->st.dropped_full++;
		want = 0;
	}
	else
	{
		memset(e->peers, 0, sizeof(e->peers));
		e->queued = true;
		e->in_flight = false;
		e->waiting = false;
		e->list = 0;
		e->prio = prio;
		e->npeers = 0;
		e->tried = 0;
		e->attempts = e->lookups = 0;
		e->ready = 0;
		model_merge(m, e, p, n);
		m->queued++;
		m->st.queued++;
		m->st.added++;
		model_place(m, e, true);
		want = 1;
	}
	if (rc != want)
		violation(m, V_ADD_RC, "id %u prio %d: %d, want %d", id, prio, rc, want);
	model_sweep(m, "add");
}

/* Waits that ended: idle hashes placed (or given up), in lookup order. */
static void
model_wake(struct model *m)
{
	for (;;)
	{
		struct mhash *first = NULL;

		for (uint32_t id = 0; id < m->nids; id++)
		{
			struct mhash *e = &m->h[id];

			if (e->queued && e->waiting && e->ready <= m->now &&
				(first == NULL || e->wseq < first->wseq))
				first = e;
		}
		if (first == NULL)
			return;
		model_place(m, first, true);
	}
}

/*
 * The job resolver_next() must hand out: the priority class first; in a
 * class the oldest placement among fetches (if room) and lookups.  Its id
 * and kind ('F', 'L'), or -1.
 */
static int
model_expect(const struct model *m, bool room, char *kind)
{
	for (int cls = 1; cls >= 0; cls--)
	{
		int			best = -1;

		for (uint32_t id = 0; id < m->nids; id++)
		{
			const struct mhash *e = &m->h[id];

			if (!e->queued || e->in_flight || e->prio != (cls == 1) ||
				e->list == 0 || (e->list == 'F' && !room))
				continue;
			if (best < 0 || e->seq < m->h[best].seq)
				best = (int) id;
		}
		if (best >= 0)
		{
			*kind = m->h[best].list;
			return best;
		}
	}
	*kind = 0;
	return -1;
}

/* Check a job resolver_next() handed out and apply it to the model. */
static void
model_job(struct model *m, const struct resolver_job *j, int want, char kind)
{
	int			id = job_id(j);
	char		got = j->kind == RESOLVER_JOB_FETCH ? 'F' : 'L';
	struct mhash *e;
	int			want_peer;

	if (id < 0 || !m->h[id].queued)
	{
		violation(m, V_JOB_UNKNOWN, "id %d", id);
		return;
	}
	e = &m->h[id];
	if (want >= 0 && m->h[want].prio && !e->prio)
		violation(m, V_PRIO, "normal id %d served before id %d", id, want);
	else if (id != want || got != kind)
		violation(m, V_ORDER, "got %c id %d, want %c id %d at %llu", got, id,
				  kind ? kind : '-', want, (unsigned long long) m->now);
	if (e->in_flight)
		violation(m, V_DOUBLE, "id %d", id);
	if (j->kind == RESOLVER_JOB_LOOKUP)
	{
		if (m->now < e->ready)
			violation(m, V_EARLY, "id %d at %llu, ready %llu", id,
					  (unsigned long long) m->now,
					  (unsigned long long) e->ready);
		if (untried(e) >= 0 && e->attempts < m->cfg.max_attempts)
			violation(m, V_LOOKUP, "id %d", id);
		e->lookups++;
		e->ready = m->now + m->cfg.lookup_wait_ms;
		e->list = 0;
		e->waiting = true;
		e->wseq = ++m->wseq;
		m->st.lookups++;
		return;
	}
	want_peer = untried(e);
	if (want_peer < 0 || !netaddr_equal(&j->peer, &e->peers[want_peer]) ||
		e->attempts >= m->cfg.max_attempts)
		violation(m, V_PEER, "id %d peer %d, want index %d", id,
				  peer_no(&j->peer), want_peer);
	if (m->in_flight >= m->max_fetches)
		violation(m, V_CAP, "%zu in flight, max %zu", m->in_flight,
				  m->max_fetches);
	if (want_peer >= 0)
		e->tried |= (uint8_t) (1u << want_peer);
	e->attempts++;
	e->in_flight = true;
	e->waiting = false;
	e->list = 0;
	e->job = *j;
	m->in_flight++;
	m->st.in_flight++;
	m->st.started++;
}

/* One resolver_next(); returns its result. */
static int
model_next(struct model *m)
{
	struct resolver_job j;
	char		kind;
	int			want;
	int			rc;

	model_wake(m);
	want = model_expect(m, m->in_flight < m->max_fetches, &kind);
	rc = resolver_next(m->r, m->now, &j);
	model_sweep(m, "next");
	if (rc == 1)
		model_job(m, &j, want, kind);
	else if (want >= 0)
		violation(m, V_IDLE, "id %d could %c at %llu", want, kind,
				  (unsigned long long) m->now);
	return rc;
}

/* Complete the fetch of id with outcome o. */
static void
model_done(struct model *m, uint32_t id, enum resolver_outcome o)
{
	struct mhash *e = &m->h[id];

	resolver_fetch_done(m->r, &e->job, o, m->now);
	m->st.outcomes[o]++;
	e->in_flight = false;
	e->old_job = e->job;
	e->has_old = true;
	m->in_flight--;
	m->st.in_flight--;
	if (o == RESOLVER_OK)
	{
		model_remove(m, e);
		m->ok_done++;
	}
	else
		model_place(m, e, true);	/* the back of its list, or given up */
	model_sweep(m, "done");
}

/*
 * A fetch that ended already (completed, or forgotten in flight) is
 * reported (again): counted, nothing else, even if the hash is queued or
 * in flight again, in the same slot or not.
 */
static void
model_old_report(struct model *m, uint32_t id)
{
	enum resolver_outcome o;

	o = (enum resolver_outcome) rnd(m, RESOLVER_NUM_OUTCOMES);
	resolver_fetch_done(m->r, &m->h[id].old_job, o, m->now);
	m->st.outcomes[o]++;
	m->old_reports++;
	model_sweep(m, "old report");
}

static void
model_random_done(struct model *m)
{
	uint32_t	start = (uint32_t) rnd(m, m->nids);
	bool		old = rnd(m, 6) == 0;

	for (uint32_t k = 0; k < m->nids; k++)
	{
		uint32_t	id = (start + k) % m->nids;
		enum resolver_outcome o;

		if (old && m->h[id].has_old)
		{
			model_old_report(m, id);
			return;
		}
		if (old || !m->h[id].in_flight)
			continue;
		o = rnd(m, 4) == 0 ? RESOLVER_OK :
			(enum resolver_outcome) (1 + rnd(m, RESOLVER_NUM_OUTCOMES - 1));
		model_done(m, id, o);
		return;
	}
}

static void
model_forget(struct model *m)
{
	uint32_t	id = (uint32_t) rnd(m, m->nids);
	struct mhash *e = &m->h[id];

	forget_id(m->r, id);
	if (e->queued)
	{
		if (e->in_flight)
		{
			e->old_job = e->job;	/* its late completion: ignored */
			e->has_old = true;
			m->in_flight--;
			m->st.in_flight--;
		}
		model_remove(m, e);
		m->forgotten++;
	}
	model_sweep(m, "forget");
}

#define U(x) ((unsigned long long) (x))

static void
model_check_stats(struct model *m, uint64_t op)
{
	struct resolver_stats a = stats_of(m->r);
	const struct resolver_stats *w = &m->st;

	if (a.queued != w->queued || a.in_flight != w->in_flight ||
		a.added != w->added || a.merged != w->merged ||
		a.dropped_full != w->dropped_full ||
		a.skipped_recent != w->skipped_recent || a.lookups != w->lookups ||
		a.started != w->started || a.gave_up != w->gave_up ||
		a.peers_dropped != w->peers_dropped ||
		memcmp(a.outcomes, w->outcomes, sizeof(a.outcomes)) != 0)
	{
		violation(m, V_STATS, "op %llu: (got/want) queued %zu/%zu in_flight "
				  "%zu/%zu added %llu/%llu merged %llu/%llu dropped_full "
				  "%llu/%llu skipped %llu/%llu lookups %llu/%llu started "
				  "%llu/%llu gave_up %llu/%llu peers_dropped %llu/%llu "
				  "outcomes %s", (unsigned long long) op,
				  a.queued, w->queued, a.in_flight, w->in_flight,
				  U(a.added), U(w->added), U(a.merged), U(w->merged),
				  U(a.dropped_full), U(w->dropped_full),
				  U(a.skipped_recent), U(w->skipped_recent),
				  U(a.lookups), U(w->lookups), U(a.started), U(w->started),
				  U(a.gave_up), U(w->gave_up),
				  U(a.peers_dropped), U(w->peers_dropped),
				  memcmp(a.outcomes, w->outcomes, sizeof(a.outcomes)) ?
				  "differ" : "same");
		m->st = a;				/* report each divergence once */
	}
}

/* Stop adding; fail every fetch until the queue is empty. */
static void
model_drain(struct model *m)
{
	for (int round = 0; round < 10000 && m->queued > 0; round++)
	{
		for (int k = 0; k < 100000 && model_next(m) == 1; k++)
			;
		for (uint32_t id = 0; id < m->nids; id++)
			if (m->h[id].in_flight)
				model_done(m, id, RESOLVER_FAIL_TIMEOUT);
		m->now += m->cfg.lookup_wait_ms;
		model_check_stats(m, 0);
	}
	if (m->queued > 0)
		violation(m, V_STRANDED, "%zu hashes still queued (resolver says "
				  "%zu)", m->queued, stats_of(m->r).queued);
}

struct model_run
{
	const char *name;
	size_t		queue;
	size_t		fetches;
	unsigned	attempts;
	uint32_t	nids;
	unsigned	ops;
	uint64_t	seed;
};

static void
run_model(const struct model_run *run)
{
	struct model m;
	size_t		heap;

	memset(&m, 0, sizeof(m));
	m.name = run->name;
	/* one entry per id: the window never evicts, the model knows all */
	m.cfg = config(run->queue, run->fetches, run->attempts, run->nids,
				   20000, 1000);
	m.cfg.seed = run->seed;
	m.nids = run->nids;
	m.rng = run->seed;
	m.max_fetches = run->fetches;
	m.h = calloc(run->nids, sizeof(struct mhash));
	m.r = resolver_create(&m.cfg);
	CHECKF(m.r != NULL && m.h != NULL, "%s", run->name);
	if (m.r == NULL || m.h == NULL)
	{
		resolver_destroy(m.r);
		free(m.h);
		return;
	}
	heap = HEAP_BYTES();
	for (unsigned op = 0; op < run->ops; op++)
	{
		uint64_t	d = rnd(&m, 100);

		if (d < 35)
			model_add(&m);
		else if (d < 70)
			(void) model_next(&m);
		else if (d < 88)
			model_random_done(&m);
		else if (d < 92)
			model_forget(&m);
		else if (d < 99)
			m.now += rnd(&m, 2 * m.cfg.lookup_wait_ms);
		else
		{
			m.max_fetches = 1 + (size_t) rnd(&m, run->fetches);
			resolver_set_max_fetches(m.r, m.max_fetches);
		}
		model_check_stats(&m, op);
	}
	m.max_fetches = run->fetches;
	resolver_set_max_fetches(m.r, m.max_fetches);
	model_drain(&m);
	CHECKF(HEAP_BYTES() == heap, "%s: heap grew", run->name);
	/* every hash accepted ended: fetched, forgotten or given up */
	CHECKF(m.st.added == m.ok_done + m.forgotten + m.st.gave_up +
		   m.queued, "%s: added %llu", run->name,
		   (unsigned long long) m.st.added);
	for (int v = 0; v < V_NUM; v++)
		CHECKF(m.viol[v] == 0, "%s: %lu violations of \"%s\"", run->name,
			   m.viol[v], viol_names[v]);
	printf("resolver model %s: %u ops, added %llu, ok %llu, gave up %llu, "
		   "forgotten %llu, lookups %llu, fetches %llu, old reports %llu\n",
		   run->name, run->ops, U(m.st.added), U(m.ok_done), U(m.st.gave_up),
		   U(m.forgotten), U(m.st.lookups), U(m.st.started),
		   U(m.old_reports));
	resolver_destroy(m.r);
	free(m.h);
}

static void
test_model(void)
{
	static const struct model_run runs[] = {
		{"roomy", 64, 4, 3, 48, 20000, 1},
		{"tight", 8, 2, 3, 40, 20000, 2},
		{"many_attempts", 16, 3, RESOLVER_PEERS_PER_HASH, 40, 20000, 3},
		{"long_queue", 256, 8, 4, 400, 10000, 4},
		{"few_ids", 4, 1, 2, 12, 20000, 5},	/* many refreshed failures */
	};

	for (size_t i = 0; i < sizeof(runs) / sizeof(runs[0]); i++)
		run_model(&runs[i]);
}

int
main(void)
{
	test_create();
	test_outcome_names();
	test_scripts();
	test_long_queue();
	test_lookup_budget();
	test_peer_identity();
	test_model();
	return unit_summary("resolver");
}
