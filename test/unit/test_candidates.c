/*
 * test_candidates.c
 *		Unit tests of candidates: the capped set of seen info hashes and the
 *		resolver's FIFO queue.
 *
 * Tables for the create caps, a scripted sequence of sightings, peer lists
 * and scripts of requeues (a new peer for a known hash queues it again);
 * direct tests of queue order, a full queue, FIFO eviction (with queued and
 * popped hashes evicted) and recent order; a fixed-seed randomized run
 * compared with a reference model (arrays searched linearly, requeues
 * included); and 1M random sightings into a 65,536-hash set checking that
 * the caps hold and the heap does not grow.
 */
#include "candidates.h"
#include "unit.h"
#include "testutil.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#define GP	CANDIDATE_GET_PEERS
#define AN	CANDIDATE_ANNOUNCE
#define SA	CANDIDATE_SAMPLE
#define LK	CANDIDATE_LOOKUP
#define RS	CANDIDATE_RESOLVE

static struct netaddr
addr4(uint8_t d, uint16_t port)
{
	return testutil_ip4(10, 0, 0, d, port);
}

/* The bytes of addr4() as IPv6: still distinct. */
static struct netaddr
addr6(uint8_t d, uint16_t port)
{
	const uint8_t ip[16] = {10, 0, 0, d};

	return testutil_netaddr(AF_INET6, ip, port);
}

static int
note_id(struct candidates *c, uint32_t id, const struct netaddr *peer,
		unsigned source, uint64_t now)
{
	uint8_t		h[20];

	testutil_hash_of(id, h);
	return candidates_note(c, h, peer, source, now);
}

static int
get_id(const struct candidates *c, uint32_t id, struct candidate *out)
{
	uint8_t		h[20];

	testutil_hash_of(id, h);
	return candidates_get(c, h, out);
}

static bool
is_id(const struct candidate *e, uint32_t id)
{
	uint8_t		h[20];

	testutil_hash_of(id, h);
	return memcmp(e->hash, h, 20) == 0;
}

/* Every field equal (peers compared as addresses). */
static bool
same_candidate(const struct candidate *a, const struct candidate *b)
{
	if (memcmp(a->hash, b->hash, 20) != 0 || a->npeers != b->npeers ||
		a->sources != b->sources || a->seen != b->seen ||
		a->first_seen_ms != b->first_seen_ms ||
		a->last_seen_ms != b->last_seen_ms)
		return false;
	for (int k = 0; k < a->npeers; k++)
		if (!netaddr_equal(&a->peers[k], &b->peers[k]))
			return false;
	return true;
}

static struct candidates_stats
stats_of(const struct candidates *c)
{
	struct candidates_stats st;

	candidates_stats(c, &st);
	return st;
}

/* ---------------------------------------------------------------------- */

static void
test_create(void)
{
	static const struct
	{
		size_t		max;
		size_t		queue;
		bool		ok;
	}			rows[] = {
		{0, 1, false},
		{1, 0, false},
		{1, 1, true},
		{65536, 4096, true},
		{CANDIDATES_MAX_CAP, 1, true},
		{CANDIDATES_MAX_CAP + 1, 1, false},
		{1, CANDIDATES_MAX_CAP + 1, false},
		{SIZE_MAX, 1, false},
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
	{
		struct candidates *c = candidates_create(rows[i].max, rows[i].queue, 1);
		struct candidate e;

		CHECKF((c != NULL) == rows[i].ok, "row %zu", i);
		if (c == NULL)
			continue;
		CHECKF(stats_of(c).tracked == 0 && stats_of(c).queued == 0,
			   "row %zu", i);
		CHECKF(candidates_pop(c, &e) == 0, "row %zu", i);
		CHECKF(candidates_recent(c, 10, &e) == 0, "row %zu", i);
		CHECKF(candidates_memory(c) >=
			   rows[i].max * sizeof(struct candidate) + rows[i].queue * 8,
			   "row %zu", i);
		candidates_destroy(c);
	}
	candidates_destroy(NULL);
}

/* A scripted run: each row is one sighting and the entry it leaves. */
static void
test_script(void)
{
	static const struct
	{
		uint32_t	id;
		int			peer;		/* -1 none, else addr4(peer, 6881) */
		unsigned	source;
		uint64_t	now;
		int			rc;			/* candidates_note() */
		uint32_t	seen;
		unsigned	sources;
		uint64_t	first;
		uint64_t	last;
		int			npeers;
		size_t		queued;		/* queue length after the sighting */
	}			rows[] = {
		{1, -1, GP, 100, 1, 1, GP, 100, 100, 0, 1},
		{1, -1, GP, 110, 0, 2, GP, 100, 110, 0, 1},
		{1, 5, AN, 120, 0, 3, GP | AN, 100, 120, 1, 2},	/* new peer: requeued */
		{1, 5, AN, 130, 0, 4, GP | AN, 100, 130, 1, 2},	/* same peer */
		{1, 6, LK, 125, 0, 5, GP | AN | LK, 100, 130, 2, 3},	/* older now */
		{2, 7, AN, 140, 1, 1, AN, 140, 140, 1, 4},	/* new with peer: once */
		{2, -1, SA | RS, 150, 0, 2, AN | SA | RS, 140, 150, 1, 4},
		{3, -1, 0, 0, 1, 1, 0, 0, 0, 0, 5},
		{1, -1, SA, 200, 0, 6, GP | AN | LK | SA, 100, 200, 2, 5},
	};
	static const uint32_t pops[] = {1, 1, 1, 2, 3};
	struct candidates *c = candidates_create(16, 16, 42);
	struct candidates_stats st;

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
	{
		struct netaddr p = addr4((uint8_t) rows[i].peer, 6881);
		struct candidate e;
		int			rc;

		rc = note_id(c, rows[i].id, rows[i].peer < 0 ? NULL : &p,
					 rows[i].source, rows[i].now);
		CHECKF(rc == rows[i].rc, "row %zu: rc %d", i, rc);
		CHECKF(get_id(c, rows[i].id, &e) == 1, "row %zu", i);
		CHECKF(is_id(&e, rows[i].id), "row %zu", i);
		CHECKF(e.seen == rows[i].seen, "row %zu: seen %u", i, e.seen);
		CHECKF(e.sources == rows[i].sources, "row %zu: sources %x", i,
			   e.sources);
		CHECKF(e.first_seen_ms == rows[i].first, "row %zu", i);
		CHECKF(e.last_seen_ms == rows[i].last, "row %zu", i);
		CHECKF(e.npeers == rows[i].npeers, "row %zu: npeers %d", i, e.npeers);
		CHECKF(stats_of(c).queued == rows[i].queued, "row %zu: queued %zu", i,
			   stats_of(c).queued);
	}
	CHECK(get_id(c, 4, &(struct candidate) {0}) == 0);
	st = stats_of(c);
	CHECK(st.sightings == 9 && st.unique == 3 && st.tracked == 3 &&
		  st.queued == 5 && st.evicted == 0 && st.queue_dropped == 0 &&
		  st.peers_dropped == 0);
	/* queue order; every pop is the entry as it is now (both peers of 1) */
	for (size_t i = 0; i < sizeof(pops) / sizeof(pops[0]); i++)
	{
		struct candidate e,
					now;

		CHECKF(candidates_pop(c, &e) == 1 && is_id(&e, pops[i]), "pop %zu", i);
		CHECKF(get_id(c, pops[i], &now) == 1 && same_candidate(&e, &now),
			   "pop %zu", i);
	}
	CHECK(candidates_pop(c, &(struct candidate) {0}) == 0);
	candidates_destroy(c);
}

/*
 * Peer lists: dedup, the cap, families, NULL; and how often the hash is
 * queued: once when new, again per peer added to its list, never for a
 * duplicate, NULL, bad-family or over-the-cap peer.  The queue holds 4, so
 * a requeue attempt after the list is full would show as queue_dropped.
 */
static void
test_peers(void)
{
	static const struct
	{
		const char *what;
		int			kind[8];	/* 0 end, 1 v4, 2 v6, 3 bad family, 4 NULL */
		int			d[8];		/* last address byte */
		uint16_t	port[8];
		int			npeers;
		uint64_t	dropped;
		size_t		queued;		/* times the hash was queued */
	}			rows[] = {
		{"one", {1}, {1}, {1}, 1, 0, 1},
		{"dup", {1, 1, 1}, {1, 1, 1}, {1, 1, 1}, 1, 0, 1},
		{"same ip, other port", {1, 1}, {1, 1}, {1, 2}, 2, 0, 2},
		{"v4 and v6 same bytes", {1, 2}, {1, 1}, {1, 1}, 2, 0, 2},
		{"cap", {1, 1, 1, 1, 1, 1}, {1, 2, 3, 4, 5, 6}, {1, 1, 1, 1, 1, 1},
		4, 2, 4},
		{"dup after cap", {1, 1, 1, 1, 1, 1}, {1, 2, 3, 4, 1, 4},
		{1, 1, 1, 1, 1, 1}, 4, 0, 4},
		{"bad family", {3, 1}, {1, 1}, {1, 1}, 1, 1, 2},
		{"NULL peers", {4, 4, 1, 4}, {0, 0, 1, 0}, {0, 0, 1, 0}, 1, 0, 2},
		{"mixed", {2, 1, 2, 1, 2}, {1, 1, 1, 1, 2}, {1, 1, 1, 1, 1}, 3, 0, 3},
	};

	_Static_assert(CANDIDATE_MAX_PEERS == 4, "the rows assume 4 peers");

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
	{
		struct candidates *c = candidates_create(4, 4, 7);
		struct netaddr want[8];
		int			nwant = 0;
		struct candidate e,
					popped;
		size_t		npops = 0;

		for (int k = 0; k < 8 && rows[i].kind[k] != 0; k++)
		{
			struct netaddr p;
			const struct netaddr *pp = &p;

			if (rows[i].kind[k] == 2)
				p = addr6((uint8_t) rows[i].d[k], rows[i].port[k]);
			else
				p = addr4((uint8_t) rows[i].d[k], rows[i].port[k]);
			if (rows[i].kind[k] == 3)
				p.family = 12345;
			if (rows[i].kind[k] == 4)
				pp = NULL;
			if (rows[i].kind[k] <= 2)
			{
				bool		dup = false;

				for (int j = 0; j < nwant; j++)
					dup |= netaddr_equal(&want[j], &p);
				if (!dup)
					want[nwant++] = p;
			}
			(void) note_id(c, 9, pp, AN, (uint64_t) k);
		}
		CHECKF(get_id(c, 9, &e) == 1, "%s", rows[i].what);
		CHECKF(e.npeers == rows[i].npeers, "%s: npeers %d", rows[i].what,
			   e.npeers);
		CHECKF(stats_of(c).peers_dropped == rows[i].dropped, "%s: dropped %llu",
			   rows[i].what, (unsigned long long) stats_of(c).peers_dropped);
		for (int j = 0; j < e.npeers && j < nwant; j++)
			CHECKF(netaddr_equal(&e.peers[j], &want[j]), "%s: peer %d",
				   rows[i].what, j);
		CHECKF(stats_of(c).queued == rows[i].queued &&
			   stats_of(c).queue_dropped == 0, "%s: queued %zu",
			   rows[i].what, stats_of(c).queued);
		/* every queued copy is popped as the entry is now */
		while (candidates_pop(c, &popped) == 1)
			npops += same_candidate(&popped, &e);
		CHECKF(npops == rows[i].queued, "%s: %zu pops", rows[i].what, npops);
		candidates_destroy(c);
	}
}

static void
test_queue(void)
{
	struct candidates *c = candidates_create(100, 100, 3);
	struct candidate e;
	struct netaddr p = addr4(9, 9);
	static const uint32_t ids[] = {50, 10, 40, 20, 30};
	static const uint32_t pops[] = {50, 10, 40, 20, 30, 40};

	for (size_t i = 0; i < 5; i++)
		CHECK(note_id(c, ids[i], NULL, GP, 10 + i) == 1);
	/* repeats without a new peer do not queue again */
	CHECK(note_id(c, 10, NULL, SA, 20) == 0);
	CHECK(note_id(c, 50, NULL, SA, 21) == 0);
	CHECK(stats_of(c).queued == 5);
	/*
	 * A peer learnt after queueing shows in the popped copy, and queues the
	 * hash again at the tail.
	 */
	CHECK(note_id(c, 40, &p, AN, 22) == 0);
	CHECK(stats_of(c).queued == 6);
	for (size_t i = 0; i < sizeof(pops) / sizeof(pops[0]); i++)
	{
		CHECKF(candidates_pop(c, &e) == 1, "pop %zu", i);
		CHECKF(is_id(&e, pops[i]), "pop %zu", i);
		if (pops[i] == 40)
			CHECKF(e.npeers == 1 && netaddr_equal(&e.peers[0], &p) &&
				   e.seen == 2 && e.sources == (GP | AN), "pop %zu", i);
	}
	CHECK(candidates_pop(c, &e) == 0);
	/* popped hashes stay in the set (dedup) */
	CHECK(get_id(c, 50, &e) == 1 && note_id(c, 50, NULL, GP, 30) == 0);
	CHECK(stats_of(c).queued == 0 && stats_of(c).tracked == 5);
	candidates_destroy(c);

	/* A full queue: the hash is tracked but not queued. */
	c = candidates_create(10, 2, 3);
	CHECK(note_id(c, 1, NULL, GP, 1) == 1);
	CHECK(note_id(c, 2, NULL, GP, 2) == 1);
	CHECK(note_id(c, 3, NULL, GP, 3) == 1);
	CHECK(stats_of(c).queue_dropped == 1 && stats_of(c).queued == 2);
	CHECK(get_id(c, 3, &e) == 1 && e.seen == 1);
	CHECK(note_id(c, 3, NULL, GP, 4) == 0);	/* still known: not re-queued */
	CHECK(candidates_pop(c, &e) == 1 && is_id(&e, 1));
	CHECK(note_id(c, 4, NULL, GP, 5) == 1);	/* room again */
	CHECK(candidates_pop(c, &e) == 1 && is_id(&e, 2));
	CHECK(candidates_pop(c, &e) == 1 && is_id(&e, 4));
	CHECK(candidates_pop(c, &e) == 0);
	CHECK(stats_of(c).queue_dropped == 1);
	candidates_destroy(c);
}

/*
 * Requeue scripts.  A step notes a sighting ('n') or pops ('p'), then checks
 * the queue counters.  peer: for 'n' the peer noted (-1 NULL, -2 a bad
 * family, else addr4(peer, 6881)); for 'p' the newest peer the popped copy
 * must hold (-1: none checked).  npeers: of the entry after a note, of the
 * popped copy after a pop.  rc: of candidates_note() or candidates_pop().
 */
struct requeue_step
{
	char		op;
	uint32_t	id;				/* 'p': the hash expected when rc is 1 */
	int			peer;
	int			rc;
	int			npeers;
	size_t		queued;
	uint64_t	qdropped;
	uint64_t	skipped;
};

/* Run a script on a fresh set; returns the number of successful pops. */
static size_t
run_requeue(const char *what, const struct requeue_step *steps, size_t n,
			size_t max_hashes, size_t queue_cap)
{
	struct candidates *c = candidates_create(max_hashes, queue_cap, 13);
	size_t		npops = 0;

	for (size_t i = 0; i < n; i++)
	{
		const struct requeue_step *s = &steps[i];
		struct netaddr p = addr4((uint8_t) s->peer, 6881);
		struct candidate e,
					now;
		struct candidates_stats st;
		int			rc;
		bool		have = true;

		if (s->peer == -2)
			p.family = 12345;
		if (s->op == 'n' || s->op == 'l')
		{
			rc = note_id(c, s->id, s->peer == -1 ? NULL : &p,
						 s->op == 'l' ? CANDIDATE_LOOKUP : s->peer == -1 ? GP : AN,
						 (uint64_t) i);
			CHECKF(get_id(c, s->id, &e) == 1, "%s step %zu", what, i);
		}
		else
		{
			rc = candidates_pop(c, &e);
			have = rc == 1;
			npops += have;
			/* the copy is the entry as it is at pop time */
			CHECKF(!have || (is_id(&e, s->id) && get_id(c, s->id, &now) == 1 &&
							 same_candidate(&e, &now)), "%s step %zu: popped",
				   what, i);
			CHECKF(!have || s->peer < 0 || (e.npeers > 0 &&
				   netaddr_equal(&e.peers[e.npeers - 1], &p)),
				   "%s step %zu: newest peer", what, i);
		}
		CHECKF(rc == s->rc, "%s step %zu: rc %d", what, i, rc);
		CHECKF(!have || e.npeers == s->npeers, "%s step %zu: npeers %d", what,
			   i, e.npeers);
		st = stats_of(c);
		CHECKF(st.queued == s->queued && st.queue_dropped == s->qdropped &&
			   st.queue_skipped == s->skipped,
			   "%s step %zu: queued %zu, dropped %llu, skipped %llu", what, i,
			   st.queued, (unsigned long long) st.queue_dropped,
			   (unsigned long long) st.queue_skipped);
	}
	candidates_destroy(c);
	return npops;
}

/*
 * A new distinct peer for a known hash queues it again, popped or not; a
 * duplicate, NULL or bad-family peer does not, nor one over a full peer
 * list: the hash is popped 1 + CANDIDATE_MAX_PEERS times at most.
 */
static const struct requeue_step requeue_one[] = {
	{'n', 1, -1, 1, 0, 1, 0, 0},
	{'p', 1, -1, 1, 0, 0, 0, 0},	/* first pop: no peer yet */
	{'p', 0, -1, 0, 0, 0, 0, 0},
	{'n', 1, 5, 0, 1, 1, 0, 0},		/* new peer after the pop: queued again */
	{'n', 1, 5, 0, 1, 1, 0, 0},		/* duplicate peer */
	{'n', 1, -1, 0, 1, 1, 0, 0},	/* NULL peer */
	{'n', 1, -2, 0, 1, 1, 0, 0},	/* bad family */
	{'p', 1, 5, 1, 1, 0, 0, 0},		/* popped again, with that peer */
	{'p', 0, -1, 0, 0, 0, 0, 0},
	{'n', 1, 6, 0, 2, 1, 0, 0},
	{'n', 1, 7, 0, 3, 2, 0, 0},		/* two new peers: queued twice */
	{'p', 1, 7, 1, 3, 1, 0, 0},		/* each copy as it is at pop time */
	{'n', 1, 8, 0, 4, 2, 0, 0},		/* fourth peer: list now full */
	{'n', 1, 9, 0, 4, 2, 0, 0},		/* over the cap: dropped, not queued */
	{'p', 1, 8, 1, 4, 1, 0, 0},
	{'p', 1, 8, 1, 4, 0, 0, 0},
	{'n', 1, 9, 0, 4, 0, 0, 0},
	{'p', 0, -1, 0, 0, 0, 0, 0},
};

/* A requeue into a full queue counts queue_dropped and keeps the peer. */
static const struct requeue_step requeue_full[] = {
	{'n', 1, -1, 1, 0, 1, 0, 0},
	{'n', 2, -1, 1, 0, 2, 0, 0},
	{'n', 1, 5, 0, 1, 2, 1, 0},		/* queue full: dropped */
	{'n', 3, -1, 1, 0, 2, 2, 0},	/* a new hash too */
	{'p', 1, 5, 1, 1, 1, 2, 0},		/* the queued copy shows the peer */
	{'n', 2, 5, 0, 1, 2, 2, 0},		/* room again: requeued */
	{'n', 2, 6, 0, 2, 2, 3, 0},		/* full again */
	{'p', 2, 6, 1, 2, 1, 3, 0},
	{'p', 2, 6, 1, 2, 0, 3, 0},
	{'p', 0, -1, 0, 0, 0, 3, 0},
	{'n', 3, 5, 0, 1, 1, 3, 0},		/* dropped when new, queued by a peer */
	{'p', 3, 5, 1, 1, 0, 3, 0},
	{'p', 0, -1, 0, 0, 0, 3, 0},
};

/*
 * Requeues after the ring wrapped (set of 3) find the right entry; a
 * requeued hash evicted before its pop is skipped like any stale number.
 */
static const struct requeue_step requeue_evict[] = {
	{'n', 1, -1, 1, 0, 1, 0, 0},
	{'n', 2, -1, 1, 0, 2, 0, 0},
	{'n', 3, -1, 1, 0, 3, 0, 0},
	{'n', 4, -1, 1, 0, 4, 0, 0},	/* evicts 1 */
	{'n', 5, -1, 1, 0, 5, 0, 0},	/* evicts 2 */
	{'n', 4, 5, 0, 1, 6, 0, 0},		/* 4 lives in slot 0 now */
	{'n', 3, 6, 0, 1, 7, 0, 0},
	{'p', 3, 6, 1, 1, 4, 0, 2},		/* 1 and 2 skipped */
	{'p', 4, 5, 1, 1, 3, 0, 2},
	{'p', 5, -1, 1, 0, 2, 0, 2},
	{'p', 4, 5, 1, 1, 1, 0, 2},
	{'p', 3, 6, 1, 1, 0, 0, 2},
	{'n', 5, 7, 0, 1, 1, 0, 2},
	{'n', 6, -1, 1, 0, 2, 0, 2},	/* evicts 3 */
	{'n', 7, -1, 1, 0, 3, 0, 2},	/* evicts 4 */
	{'n', 8, -1, 1, 0, 4, 0, 2},	/* evicts 5: its requeue is stale */
	{'p', 6, -1, 1, 0, 2, 0, 3},
	{'p', 7, -1, 1, 0, 1, 0, 3},
	{'p', 8, -1, 1, 0, 0, 0, 3},
	{'p', 0, -1, 0, 0, 0, 0, 3},
};

/*
 * Peers from our own lookups ('l') always reach the resolver: a peer it
 * had before is queued again once (not again while queued), so a hash
 * the resolver forgot and asked a lookup for gets its peers back.
 */
static const struct requeue_step requeue_lookup[] = {
	{'n', 1, 5, 1, 1, 1, 0, 0},		/* announced with peer 5 */
	{'p', 1, 5, 1, 1, 0, 0, 0},
	{'n', 1, 5, 0, 1, 0, 0, 0},		/* announced again: not news */
	{'l', 1, 5, 0, 1, 1, 0, 0},		/* our lookup found 5: queued */
	{'l', 1, 5, 0, 1, 1, 0, 0},		/* more replies: queued once */
	{'p', 1, 5, 1, 1, 0, 0, 0},
	{'l', 1, -1, 0, 1, 0, 0, 0},	/* a lookup sighting without a peer */
	{'l', 1, 5, 0, 1, 1, 0, 0},		/* the next lookup: queued again */
	{'l', 1, 6, 0, 2, 2, 0, 0},		/* a new peer is queued as always */
	{'p', 1, 6, 1, 2, 1, 0, 0},
	{'l', 1, 6, 0, 2, 1, 0, 0},		/* one copy still queued */
	{'p', 1, 6, 1, 2, 0, 0, 0},
	{'p', 0, -1, 0, 0, 0, 0, 0},
};

#define NSTEPS(a) (sizeof(a) / sizeof((a)[0]))

static void
test_requeue(void)
{
	CHECK(run_requeue("one", requeue_one, NSTEPS(requeue_one), 8, 4) ==
		  1 + CANDIDATE_MAX_PEERS);
	CHECK(run_requeue("full", requeue_full, NSTEPS(requeue_full), 8, 2) == 4);
	CHECK(run_requeue("evict", requeue_evict, NSTEPS(requeue_evict), 3, 8) ==
		  8);
	CHECK(run_requeue("lookup", requeue_lookup, NSTEPS(requeue_lookup), 8, 8) ==
		  4);
}

static void
test_eviction(void)
{
	struct candidates *c = candidates_create(3, 10, 5);
	struct candidate e;
	struct candidates_stats st;

	CHECK(note_id(c, 1, NULL, GP, 1) == 1);
	CHECK(note_id(c, 2, NULL, GP, 2) == 1);
	CHECK(note_id(c, 3, NULL, GP, 3) == 1);
	/* seeing 1 again does not save it: FIFO by first sighting */
	CHECK(note_id(c, 1, NULL, GP, 4) == 0);
	CHECK(note_id(c, 4, NULL, GP, 5) == 1);
	CHECK(get_id(c, 1, &e) == 0);
	CHECK(get_id(c, 2, &e) == 1 && get_id(c, 3, &e) == 1 &&
		  get_id(c, 4, &e) == 1);
	st = stats_of(c);
	CHECK(st.evicted == 1 && st.tracked == 3 && st.queued == 4);
	/* queued 1 was evicted: skipped */
	CHECK(candidates_pop(c, &e) == 1 && is_id(&e, 2));
	CHECK(stats_of(c).queue_skipped == 1);
	/* popped 2 is evicted next; re-noting it makes it new and queued */
	CHECK(note_id(c, 5, NULL, GP, 6) == 1);
	CHECK(get_id(c, 2, &e) == 0);
	CHECK(note_id(c, 2, NULL, SA, 7) == 1);		/* evicts 3 */
	CHECK(get_id(c, 2, &e) == 1 && e.seen == 1 && e.sources == SA &&
		  e.first_seen_ms == 7);
	/* queue now: 3 (evicted), 4, 5, 2 */
	CHECK(candidates_pop(c, &e) == 1 && is_id(&e, 4));
	CHECK(candidates_pop(c, &e) == 1 && is_id(&e, 5));
	CHECK(candidates_pop(c, &e) == 1 && is_id(&e, 2));
	CHECK(candidates_pop(c, &e) == 0);
	st = stats_of(c);
	CHECK(st.evicted == 3 && st.queue_skipped == 2 && st.unique == 6 &&
		  st.tracked == 3 && st.queued == 0);
	candidates_destroy(c);

	/* Set of one. */
	c = candidates_create(1, 1, 5);
	CHECK(note_id(c, 1, NULL, GP, 1) == 1);
	CHECK(note_id(c, 2, NULL, GP, 2) == 1);		/* evicts 1; queue full */
	CHECK(candidates_pop(c, &e) == 0);			/* 1 skipped, 2 unqueued */
	CHECK(get_id(c, 2, &e) == 1 && get_id(c, 1, &e) == 0);
	st = stats_of(c);
	CHECK(st.evicted == 1 && st.queue_dropped == 1 && st.queue_skipped == 1);
	candidates_destroy(c);
}

static void
test_recent(void)
{
	struct candidates *c = candidates_create(5, 5, 11);
	struct candidate out[8];
	size_t		n;

	for (uint32_t id = 1; id <= 3; id++)
		(void) note_id(c, id, NULL, GP, id);
	(void) note_id(c, 1, NULL, GP, 9);	/* re-sighting does not reorder */
	n = candidates_recent(c, 8, out);
	CHECK(n == 3 && is_id(&out[0], 3) && is_id(&out[1], 2) &&
		  is_id(&out[2], 1));
	CHECK(out[2].seen == 2);
	n = candidates_recent(c, 2, out);
	CHECK(n == 2 && is_id(&out[0], 3) && is_id(&out[1], 2));
	CHECK(candidates_recent(c, 0, out) == 0);
	/* across the ring's wrap */
	for (uint32_t id = 4; id <= 12; id++)
		(void) note_id(c, id, NULL, GP, id);
	n = candidates_recent(c, 8, out);
	CHECK(n == 5);
	for (size_t i = 0; i < n; i++)
		CHECKF(is_id(&out[i], (uint32_t) (12 - i)), "recent %zu", i);
	candidates_destroy(c);
}

/* ---------------------------------------------------------------------- */
/* Randomized run against a reference model */

#define M_SET	24
#define M_QUEUE	8
#define M_IDS	128		/* ids drawn from 32 or all 128, alternately */

struct model
{
	struct candidate set[M_SET];	/* first-sighting order, oldest first */
	size_t		n;
	uint32_t	queue[M_QUEUE];	/* hash ids, FIFO from qhead */
	uint64_t	qgen[M_QUEUE];	/* their gen: a pop skips a changed one */
	uint64_t	gen[M_SET];		/* unique number of each set entry */
	size_t		qhead;
	size_t		qlen;
	uint64_t	unique;
	uint64_t	requeued;		/* known hashes queued again (not in st) */
	struct candidates_stats st;
};

static int
model_find(const struct model *m, const uint8_t h[20])
{
	for (size_t i = 0; i < m->n; i++)
		if (memcmp(m->set[i].hash, h, 20) == 0)
			return (int) i;
	return -1;
}

/* Queue id whose set entry is i, or count the drop. */
static void
model_enqueue(struct model *m, uint32_t id, int i)
{
	if (m->qlen < M_QUEUE)
	{
		size_t		q = (m->qhead + m->qlen++) % M_QUEUE;

		m->queue[q] = id;
		m->qgen[q] = m->gen[i];
		m->set[i].queued++;
	}
	else
		m->st.queue_dropped++;
}

static int
model_note(struct model *m, uint32_t id, const struct netaddr *peer,
		   unsigned source, uint64_t now)
{
	uint8_t		h[20];
	int			i;
	struct candidate *e;

	testutil_hash_of(id, h);
	m->st.sightings++;
	i = model_find(m, h);
	if (i < 0)
	{
		if (m->n == M_SET)
		{
			memmove(&m->set[0], &m->set[1], (M_SET - 1) * sizeof(m->set[0]));
			memmove(&m->gen[0], &m->gen[1], (M_SET - 1) * sizeof(m->gen[0]));
			m->n--;
			m->st.evicted++;
		}
		i = (int) m->n++;
		e = &m->set[i];
		memset(e, 0, sizeof(*e));
		memcpy(e->hash, h, 20);
		e->first_seen_ms = e->last_seen_ms = now;
		e->seen = 0;
		m->gen[i] = m->unique++;
		m->st.unique++;
		model_enqueue(m, id, i);
	}
	e = &m->set[i];
	e->seen++;
	e->sources |= (uint8_t) source;
	if (now > e->last_seen_ms)
		e->last_seen_ms = now;
	if (peer != NULL)
	{
		bool		dup = false,
					added = false;

		for (int k = 0; k < e->npeers; k++)
			dup |= netaddr_equal(&e->peers[k], peer);
		if (!dup && e->npeers < CANDIDATE_MAX_PEERS)
		{
			e->peers[e->npeers++] = *peer;
			added = true;
		}
		else if (!dup)
			m->st.peers_dropped++;
		/* a new peer for a known hash queues it again, and so does any
		 * peer our lookup found unless the hash is queued already */
		if (e->seen > 1 &&
			(added || ((source & CANDIDATE_LOOKUP) && e->queued == 0)))
		{
			m->requeued++;
			model_enqueue(m, id, i);
		}
	}
	return e->seen == 1;
}

static int
model_pop(struct model *m, struct candidate *out)
{
	while (m->qlen > 0)
	{
		size_t		q = m->qhead;
		uint8_t		h[20];
		int			i;

		m->qhead = (m->qhead + 1) % M_QUEUE;
		m->qlen--;
		testutil_hash_of(m->queue[q], h);
		i = model_find(m, h);
		if (i >= 0 && m->gen[i] == m->qgen[q])
		{
			m->set[i].queued--;
			*out = m->set[i];
			return 1;
		}
		m->st.queue_skipped++;
	}
	return 0;
}

static void
test_model(void)
{
	struct candidates *c = candidates_create(M_SET, M_QUEUE, 99);
	static struct model m;
	uint64_t	rng = 777;
	uint64_t	now = 0;
	int			bad = 0;
	int			step;

	for (step = 0; step < 100000 && bad == 0; step++)
	{
		uint64_t	r = testutil_splitmix(&rng);
		unsigned	op = (unsigned) (r % 16);
		struct candidate a,
					b;

		now += (r >> 4) % 3;
		if (op < 10)
		{
			uint32_t	id = (uint32_t) ((r >> 8) %
										 (step / 5000 % 2 ? 32 : M_IDS));
			struct netaddr p = addr4((uint8_t) ((r >> 16) % 8), 1);
			const struct netaddr *pp = ((r >> 24) % 3 == 0) ? NULL : &p;
			unsigned	src = 1u << ((r >> 28) % 5);
			/* sometimes 1 ms back: last_seen_ms must not decrease */
			uint64_t	t = now - (now > 0 ? (r >> 32) % 2 : 0);

			bad += note_id(c, id, pp, src, t) != model_note(&m, id, pp, src, t);
		}
		else if (op < 13)
		{
			int			x = candidates_pop(c, &a);
			int			y = model_pop(&m, &b);

			bad += x != y || (x == 1 && !same_candidate(&a, &b));
		}
		else if (op < 15)
		{
			uint32_t	id = (uint32_t) ((r >> 8) % M_IDS);
			uint8_t		h[20];
			int			i;
			int			x = get_id(c, id, &a);

			testutil_hash_of(id, h);
			i = model_find(&m, h);
			bad += x != (i >= 0) || (x == 1 && !same_candidate(&a, &m.set[i]));
		}
		else
		{
			struct candidate out[M_SET + 2];
			size_t		want = (size_t) ((r >> 8) % (M_SET + 3));
			size_t		n = candidates_recent(c, want, out);

			bad += n != (want < m.n ? want : m.n);
			for (size_t i = 0; i < n && bad == 0; i++)
				bad += !same_candidate(&out[i], &m.set[m.n - 1 - i]);
		}
		{
			struct candidates_stats st = stats_of(c);

			m.st.tracked = m.n;
			m.st.queued = m.qlen;
			bad += memcmp(&st, &m.st, sizeof(st)) != 0;
		}
	}
	CHECKF(bad == 0, "diverged from the model at step %d", step - 1);
	CHECK(m.st.evicted > 1000 && m.st.queue_dropped > 100 &&
		  m.st.queue_skipped > 100 && m.st.peers_dropped > 100 &&
		  m.requeued > 1000);
	candidates_destroy(c);
}

/* ---------------------------------------------------------------------- */
/* 1M random sightings into a 65,536-hash set */

#define BIG_SET		65536
#define BIG_QUEUE	4096
#define BIG_NOTES	1000000
#define BIG_IDS		(1u << 18)

static void
test_million(void)
{
	struct candidates *c = candidates_create(BIG_SET, BIG_QUEUE, 2024);
	uint32_t   *last_new = calloc(BIG_SET, sizeof(uint32_t));	/* ring */
	struct candidate *recent = calloc(BIG_SET, sizeof(struct candidate));
	uint64_t	rng = 31337;
	uint64_t	news = 0;
	size_t		heap,
				mem = candidates_memory(c);
	size_t		over = 0,
				n,
				wrong = 0,
				missing = 0;
	struct candidates_stats st;

	heap = HEAP_BYTES();
	for (uint32_t i = 0; i < BIG_NOTES; i++)
	{
		uint64_t	r = testutil_splitmix(&rng);
		uint32_t	id = (uint32_t) (r % BIG_IDS);
		struct netaddr p = addr4((uint8_t) (r >> 20), (uint16_t) (r >> 28));
		struct candidate e;

		if (note_id(c, id, (r >> 44) % 4 ? &p : NULL, 1u << ((r >> 50) % 5),
					i) == 1)
			last_new[news++ % BIG_SET] = id;
		if ((r >> 56) % 4 == 0)
			(void) candidates_pop(c, &e);
		if (i % 1024 == 0)
		{
			candidates_stats(c, &st);
			over += st.tracked > BIG_SET || st.queued > BIG_QUEUE;
		}
	}
	candidates_stats(c, &st);
	CHECK(over == 0);
	CHECK(st.tracked == BIG_SET && st.queued <= BIG_QUEUE);
	CHECK(st.sightings == BIG_NOTES && st.unique == news);
	CHECK(st.evicted == news - BIG_SET);
	CHECKF(HEAP_BYTES() == heap, "heap grew from %zu to %zu", heap,
		   (size_t) HEAP_BYTES());
	CHECK(candidates_memory(c) == mem);
	/* The set holds exactly the last BIG_SET new hashes, newest first. */
	n = candidates_recent(c, BIG_SET, recent);
	CHECK(n == BIG_SET);
	for (size_t k = 0; k < n; k++)
	{
		uint32_t	id = last_new[(news - 1 - k) % BIG_SET];
		struct candidate e;

		wrong += !is_id(&recent[k], id);
		missing += get_id(c, id, &e) != 1;
	}
	CHECK(wrong == 0 && missing == 0);
	printf("candidates: %llu notes, %llu unique, %llu evicted, %llu queue "
		   "drops; %zu bytes (%.1f per hash)\n",
		   (unsigned long long) st.sightings, (unsigned long long) st.unique,
		   (unsigned long long) st.evicted,
		   (unsigned long long) st.queue_dropped, mem,
		   (double) mem / BIG_SET);
	free(recent);
	free(last_new);
	candidates_destroy(c);
}

int
main(void)
{
	test_create();
	test_script();
	test_peers();
	test_queue();
	test_requeue();
	test_eviction();
	test_recent();
	test_model();
	test_million();
	return unit_summary("candidates");
}
