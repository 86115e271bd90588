/*
 * test_peerstore.c
 *		Unit tests of peerstore: announced peers per info hash.
 *
 * Tables for the create caps and a scripted run of announces (refresh vs
 * add, the per-hash cap, families); direct tests of the 45-minute boundary,
 * sampling, eviction in a full table and count; a fixed-seed randomized run
 * compared with a reference model (arrays searched linearly, eviction by a
 * "last announce" stamp); and a long run checking that the heap stays put.
 */
#include "peerstore.h"
#include "unit.h"
#include "testutil.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#define TTL		((uint64_t) PEERSTORE_TTL_MS)
#define PER		PEERSTORE_PEERS_PER_HASH

/* Peer d:port of family 4 or 6 (the IPv6 one has the same first bytes). */
static struct netaddr
peer(int fam, uint8_t d, uint16_t port)
{
	const uint8_t ip[16] = {10, 0, 0, d};

	return testutil_netaddr(fam == 6 ? AF_INET6 : AF_INET, ip, port);
}

static int
announce(struct peerstore *ps, uint32_t id, struct netaddr p, uint64_t now)
{
	uint8_t		h[20];

	testutil_hash_of(id, h);
	return peerstore_announce(ps, h, &p, now);
}

static size_t
get(const struct peerstore *ps, uint32_t id, int family, uint64_t now,
	struct netaddr *out, size_t max)
{
	uint8_t		h[20];

	testutil_hash_of(id, h);
	return peerstore_get(ps, h, family, now, out, max);
}

/* Peers of both families. */
static size_t
get_all(const struct peerstore *ps, uint32_t id, uint64_t now)
{
	struct netaddr out[PER];

	return get(ps, id, AF_INET, now, out, PER) +
		get(ps, id, AF_INET6, now, out, PER);
}

/* Does out[0..n) hold peer p? */
static bool
has(const struct netaddr *out, size_t n, struct netaddr p)
{
	for (size_t i = 0; i < n; i++)
		if (netaddr_equal(&out[i], &p))
			return true;
	return false;
}

static uint32_t
id_of(const uint8_t h[20])
{
	uint32_t	id;

	memcpy(&id, h, sizeof(id));
	return id;
}

static struct peerstore_stats
stats_of(const struct peerstore *ps)
{
	struct peerstore_stats st;

	peerstore_stats(ps, &st);
	return st;
}

/* ---------------------------------------------------------------------- */

static void
test_create(void)
{
	static const struct
	{
		size_t		max;
		bool		ok;
	}			rows[] = {
		{0, false},
		{1, true},
		{1000, true},
		{PEERSTORE_MAX_HASHES, true},
		{PEERSTORE_MAX_HASHES + 1, false},
		{SIZE_MAX, false},
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
	{
		struct peerstore *ps = peerstore_create(rows[i].max, 5);
		uint8_t		out[1][20];

		CHECKF((ps != NULL) == rows[i].ok, "max %zu", rows[i].max);
		if (ps == NULL)
			continue;
		CHECKF(stats_of(ps).hashes == 0 && peerstore_count(ps, 0) == 0,
			   "max %zu", rows[i].max);
		CHECKF(peerstore_sample(ps, 0, 1, out, 1) == 0, "max %zu", rows[i].max);
		CHECKF(peerstore_memory(ps) >
			   rows[i].max * PER * sizeof(struct netaddr),
			   "max %zu", rows[i].max);
		peerstore_destroy(ps);
	}
	peerstore_destroy(NULL);
	CHECK(strcmp(peerstore_strerror(PEERSTORE_OK), "success") == 0);
	CHECK(strcmp(peerstore_strerror(PEERSTORE_ERR_FAMILY),
				 "peer address family is neither IPv4 nor IPv6") == 0);
	CHECK(strcmp(peerstore_strerror(-42), "unknown peerstore error") == 0);
}

/*
 * A scripted run on one table: each row announces a peer and states what
 * get_peers then returns for that hash, and the counters.
 */
static void
test_script(void)
{
	static const struct
	{
		uint32_t	id;
		int			fam;		/* 4, 6, or 0 for a bad family */
		uint8_t		d;
		uint16_t	port;
		uint64_t	now;
		int			rc;
		size_t		v4;			/* get(AF_INET) at now */
		size_t		v6;
		uint64_t	announces;
		uint64_t	evicted_peers;
		size_t		hashes;
	}			rows[] = {
		{1, 4, 1, 6881, 1000, 0, 1, 0, 1, 0, 1},
		{1, 4, 1, 6881, 2000, 0, 1, 0, 2, 0, 1},	/* refresh */
		{1, 4, 1, 6882, 3000, 0, 2, 0, 3, 0, 1},	/* other port: add */
		{1, 6, 1, 6881, 3000, 0, 2, 1, 4, 0, 1},	/* other family: add */
		{2, 4, 1, 6881, 3000, 0, 1, 0, 5, 0, 2},	/* other hash */
		{1, 0, 9, 6881, 3000, PEERSTORE_ERR_FAMILY, 2, 1, 5, 0, 2},
		{3, 0, 9, 6881, 3000, PEERSTORE_ERR_FAMILY, 0, 0, 5, 0, 2},
		/* fill hash 1 to PER peers: 3 so far, add 5 */
		{1, 4, 2, 1, 4000, 0, 3, 1, 6, 0, 2},
		{1, 4, 3, 1, 4001, 0, 4, 1, 7, 0, 2},
		{1, 4, 4, 1, 4002, 0, 5, 1, 8, 0, 2},
		{1, 6, 5, 1, 4003, 0, 5, 2, 9, 0, 2},
		{1, 6, 6, 1, 4004, 0, 5, 3, 10, 0, 2},
		/* full: 10.0.0.1:6881 (2000) is the oldest and goes */
		{1, 6, 7, 1, 5000, 0, 4, 4, 11, 1, 2},
		/* refreshing keeps the count; then 6882 (3000) goes, then [..1] */
		{1, 4, 2, 1, 5001, 0, 4, 4, 12, 1, 2},
		{1, 6, 8, 1, 5002, 0, 3, 5, 13, 2, 2},
		{1, 6, 9, 1, 5003, 0, 3, 5, 14, 3, 2},
		/* all but the 5000+ ones expire at 4004 + TTL: */
		{2, 4, 1, 6881, 4004 + TTL, 0, 1, 0, 15, 3, 2},
	};
	struct peerstore *ps = peerstore_create(16, 1);

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
	{
		struct netaddr p = peer(rows[i].fam, rows[i].d, rows[i].port);
		struct netaddr out[PER];
		struct peerstore_stats st;
		int			rc;

		if (rows[i].fam == 0)
			p.family = 0;
		rc = announce(ps, rows[i].id, p, rows[i].now);
		CHECKF(rc == rows[i].rc, "row %zu: rc %d", i, rc);
		CHECKF(get(ps, rows[i].id, AF_INET, rows[i].now, out, PER) ==
			   rows[i].v4, "row %zu", i);
		CHECKF(get(ps, rows[i].id, AF_INET6, rows[i].now, out, PER) ==
			   rows[i].v6, "row %zu", i);
		st = stats_of(ps);
		CHECKF(st.announces == rows[i].announces, "row %zu", i);
		CHECKF(st.evicted_peers == rows[i].evicted_peers, "row %zu: %llu", i,
			   (unsigned long long) st.evicted_peers);
		CHECKF(st.hashes == rows[i].hashes && st.evicted_hashes == 0,
			   "row %zu", i);
	}
	/* At 4004 + TTL hash 1 keeps only the peers announced at 5000+. */
	{
		struct netaddr out[PER];
		size_t		n = get(ps, 1, AF_INET6, 4004 + TTL, out, PER);

		CHECK(n == 3 && has(out, n, peer(6, 7, 1)) &&
			  has(out, n, peer(6, 8, 1)) && has(out, n, peer(6, 9, 1)));
		n = get(ps, 1, AF_INET, 4004 + TTL, out, PER);
		CHECK(n == 1 && has(out, n, peer(4, 2, 1)));
		/* max limits the answer */
		CHECK(get(ps, 1, AF_INET6, 4004 + TTL, out, 2) == 2);
		CHECK(get(ps, 1, AF_INET6, 4004 + TTL, out, 0) == 0);
		CHECK(get(ps, 1, 0, 4004 + TTL, out, PER) == 0);
		CHECK(get(ps, 3, AF_INET, 4004 + TTL, out, PER) == 0);
	}
	peerstore_destroy(ps);
}

/* A full per-hash list replaces an expired peer without counting it. */
static void
test_replace_expired(void)
{
	struct peerstore *ps = peerstore_create(4, 2);
	struct netaddr out[PER];
	size_t		n;

	CHECK(announce(ps, 1, peer(4, 100, 1), 0) == 0);	/* expires at TTL */
	for (uint8_t d = 1; d < PER; d++)
		CHECK(announce(ps, 1, peer(4, d, 1), TTL / 2) == 0);
	CHECK(announce(ps, 1, peer(4, 200, 1), TTL) == 0);
	n = get(ps, 1, AF_INET, TTL, out, PER);
	CHECK(n == PER && has(out, n, peer(4, 200, 1)) &&
		  !has(out, n, peer(4, 100, 1)));
	CHECK(stats_of(ps).evicted_peers == 0);
	CHECK(announce(ps, 1, peer(4, 201, 1), TTL) == 0);	/* a live one goes */
	CHECK(stats_of(ps).evicted_peers == 1);
	peerstore_destroy(ps);
}

static void
test_ttl_boundary(void)
{
	static const struct
	{
		uint64_t	dt;			/* now - announce */
		size_t		live;
	}			rows[] = {
		{0, 1},
		{1, 1},
		{TTL - 1, 1},			/* 44:59.999 */
		{TTL, 0},				/* exactly 45 minutes */
		{TTL + 1, 0},
		{10 * TTL, 0},
	};
	const uint64_t t0 = 1700000000000ULL;

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
	{
		struct peerstore *ps = peerstore_create(8, 3);
		uint64_t	now = t0 + rows[i].dt;
		struct netaddr out[PER];
		uint8_t		s[4][20];
		struct peerstore_stats st;

		CHECK(announce(ps, 7, peer(4, 1, 1), t0) == 0);
		CHECKF(get(ps, 7, AF_INET, now, out, PER) == rows[i].live, "dt %llu",
			   (unsigned long long) rows[i].dt);
		CHECKF(peerstore_count(ps, now) == rows[i].live, "dt %llu",
			   (unsigned long long) rows[i].dt);
		CHECKF(peerstore_sample(ps, now, 99, s, 4) == rows[i].live, "dt %llu",
			   (unsigned long long) rows[i].dt);
		peerstore_expire(ps, now, 10);
		st = stats_of(ps);
		CHECKF(st.hashes == rows[i].live && st.expired == 1 - rows[i].live,
			   "dt %llu", (unsigned long long) rows[i].dt);
		peerstore_destroy(ps);
	}
	/* A clock read before the announce ("future" announce) counts as live. */
	{
		struct peerstore *ps = peerstore_create(8, 3);
		struct netaddr out[PER];

		CHECK(announce(ps, 7, peer(4, 1, 1), t0) == 0);
		CHECK(get(ps, 7, AF_INET, t0 - 5, out, PER) == 1);
		peerstore_destroy(ps);
	}
}

static void
test_sample(void)
{
	struct peerstore *ps = peerstore_create(100, 4);
	static const size_t maxes[] = {1, 2, 5, 6, 7, 10, 20, 49, 50, 51, 100, 200};
	uint8_t		out[200][20];
	int			seen_ids[100];
	uint64_t	rng = 5;
	const uint64_t now = TTL + 10;
	int			bad_distinct = 0,
				bad_live = 0,
				bad_count = 0,
				never = 0;

	memset(seen_ids, 0, sizeof(seen_ids));
	/* ids 0..49 announced at 0 (expired at now), 50..99 at TTL/2 (live) */
	for (uint32_t id = 0; id < 100; id++)
		CHECK(announce(ps, id, peer(4, (uint8_t) id, 1),
					   id < 50 ? 0 : TTL / 2) == 0);
	CHECK(peerstore_count(ps, now) == 50);
	for (size_t m = 0; m < sizeof(maxes) / sizeof(maxes[0]); m++)
	{
		for (int round = 0; round < 200; round++)
		{
			size_t		n = peerstore_sample(ps, now, testutil_splitmix(&rng),
											 out, maxes[m]);
			size_t		want = maxes[m] < 50 ? maxes[m] : 50;
			bool		full = maxes[m] * PEERSTORE_SAMPLE_SCAN_FACTOR >= 100;

			/* a full scan (16 x max >= 100) finds min(max, live) */
			if (full ? n != want : n > want)
				bad_count++;
			for (size_t i = 0; i < n; i++)
			{
				uint32_t	id = id_of(out[i]);

				if (id < 50 || id >= 100)
					bad_live++;
				else
					seen_ids[id]++;
				for (size_t j = 0; j < i; j++)
					if (memcmp(out[i], out[j], 20) == 0)
						bad_distinct++;
			}
		}
	}
	for (int id = 50; id < 100; id++)
		never += seen_ids[id] == 0;
	CHECK(bad_distinct == 0);
	CHECK(bad_live == 0);
	CHECK(bad_count == 0);
	CHECK(never == 0);
	CHECK(peerstore_sample(ps, now, 1, out, 0) == 0);
	/* once expired entries are reaped, every sample is live */
	peerstore_expire(ps, now, 1000);
	CHECK(stats_of(ps).hashes == 50 && stats_of(ps).expired == 50);
	CHECK(peerstore_sample(ps, now, 12345, out, 10) == 10);
	CHECK(peerstore_sample(ps, now, 12345, out, 200) == 50);
	peerstore_destroy(ps);
}

static void
test_full_table(void)
{
	struct peerstore *ps = peerstore_create(4, 6);
	struct peerstore_stats st;

	for (uint32_t id = 1; id <= 4; id++)
		CHECK(announce(ps, id, peer(4, 1, 1), id) == 0);
	/* a new peer refreshes hash 1: hash 2 now has the oldest announce */
	CHECK(announce(ps, 1, peer(4, 2, 1), 5) == 0);
	CHECK(announce(ps, 5, peer(4, 1, 1), 6) == 0);
	CHECK(get_all(ps, 2, 6) == 0);
	CHECK(get_all(ps, 1, 6) == 2 && get_all(ps, 3, 6) == 1 &&
		  get_all(ps, 4, 6) == 1 && get_all(ps, 5, 6) == 1);
	st = stats_of(ps);
	CHECK(st.evicted_hashes == 1 && st.hashes == 4 && st.expired == 0);
	/* a refresh of an existing peer also counts as the newest announce */
	CHECK(announce(ps, 3, peer(4, 1, 1), 7) == 0);
	CHECK(announce(ps, 6, peer(4, 1, 1), 8) == 0);	/* evicts 4 */
	CHECK(get_all(ps, 4, 8) == 0 && get_all(ps, 3, 8) == 1);
	CHECK(stats_of(ps).evicted_hashes == 2);
	CHECK(peerstore_count(ps, 8) == 4);
	/* when the oldest has expired, a new hash replaces it uncounted */
	CHECK(announce(ps, 7, peer(4, 1, 1), 5 + TTL) == 0);	/* 1 lapsed */
	st = stats_of(ps);
	CHECK(st.evicted_hashes == 2 && st.expired == 1 && st.hashes == 4);
	CHECK(get_all(ps, 1, 5 + TTL) == 0 && get_all(ps, 7, 5 + TTL) == 1);
	peerstore_destroy(ps);
}

static void
test_count(void)
{
	static const struct
	{
		uint64_t	now;
		size_t		count;
		size_t		after_expire;	/* hashes left after expire(budget 2) */
	}			rows[] = {
		/* ids 0, 1, 2, 5, 3, 4 announced at 0, 10, 20, 20, 30, 40 */
		{0, 6, 6},
		{TTL - 1, 6, 6},
		{TTL, 5, 5},			/* 0 goes; 1 is live: expiry stops */
		{TTL + 20, 2, 3},		/* 1 and 2 go; the budget stops before 5 */
		{TTL + 20, 2, 2},		/* 5 goes */
		{TTL + 40, 0, 0},
	};
	struct peerstore *ps = peerstore_create(10, 8);

	for (uint32_t id = 0; id < 5; id++)
	{
		CHECK(announce(ps, id, peer(4, 1, 1), 10 * id) == 0);
		if (id == 2)
			CHECK(announce(ps, 5, peer(6, 1, 1), 20) == 0);
	}
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
	{
		CHECKF(peerstore_count(ps, rows[i].now) == rows[i].count,
			   "row %zu: %zu", i, peerstore_count(ps, rows[i].now));
		peerstore_expire(ps, rows[i].now, 2);
		CHECKF(stats_of(ps).hashes == rows[i].after_expire, "row %zu: %zu", i,
			   stats_of(ps).hashes);
		CHECKF(peerstore_count(ps, rows[i].now) == rows[i].count, "row %zu", i);
	}
	CHECK(stats_of(ps).expired == 6);
	/* budget 0 examines nothing */
	CHECK(announce(ps, 9, peer(4, 1, 1), 0) == 0);
	peerstore_expire(ps, 2 * TTL, 0);
	CHECK(stats_of(ps).hashes == 1);
	peerstore_destroy(ps);

	/* A backlog beyond PEERSTORE_COUNT_SCAN overestimates, bounded. */
	ps = peerstore_create(1000, 8);
	for (uint32_t id = 0; id < 600; id++)
		CHECK(announce(ps, id, peer(4, 1, 1), id < 500 ? 0 : 100) == 0);
	CHECK(peerstore_count(ps, TTL + 50) == 600 - PEERSTORE_COUNT_SCAN);
	peerstore_expire(ps, TTL + 50, 1000);
	CHECK(peerstore_count(ps, TTL + 50) == 100);
	peerstore_destroy(ps);
}

/* ---------------------------------------------------------------------- */
/* Randomized run against a reference model */

#define M_CAP	16
#define M_IDS	40
#define M_ADDRS	14

struct m_peer
{
	struct netaddr addr;
	uint64_t	t;
};

struct m_entry
{
	uint32_t	id;
	uint64_t	last;
	uint64_t	stamp;			/* announce order */
	int			npeers;
	struct m_peer peers[PER];
};

struct model
{
	struct m_entry e[M_CAP];
	int			n;
	uint64_t	stamp;
	struct peerstore_stats st;
};

static bool
m_alive(uint64_t t, uint64_t now)
{
	return now < t + TTL;
}

static int
m_find(const struct model *m, uint32_t id)
{
	for (int i = 0; i < m->n; i++)
		if (m->e[i].id == id)
			return i;
	return -1;
}

static int
m_oldest(const struct model *m)
{
	int			o = -1;

	for (int i = 0; i < m->n; i++)
		if (o < 0 || m->e[i].stamp < m->e[o].stamp)
			o = i;
	return o;
}

static void
m_remove(struct model *m, int i)
{
	m->e[i] = m->e[--m->n];
}

static void
m_announce(struct model *m, uint32_t id, struct netaddr p, uint64_t now)
{
	int			i = m_find(m, id);
	struct m_entry *e;
	int			k;

	if (i < 0)
	{
		if (m->n == M_CAP)
		{
			int			o = m_oldest(m);

			if (m_alive(m->e[o].last, now))
				m->st.evicted_hashes++;
			else
				m->st.expired++;
			m_remove(m, o);
		}
		i = m->n++;
		memset(&m->e[i], 0, sizeof(m->e[i]));
		m->e[i].id = id;
		m->e[i].last = now;
	}
	e = &m->e[i];
	e->stamp = m->stamp++;
	for (k = 0; k < e->npeers; k++)
		if (netaddr_equal(&e->peers[k].addr, &p))
			break;
	if (k == e->npeers && e->npeers < PER)
		e->npeers++;
	else if (k == e->npeers)
	{
		k = 0;
		for (int j = 1; j < PER; j++)
			if (e->peers[j].t < e->peers[k].t)
				k = j;
		if (m_alive(e->peers[k].t, now))
			m->st.evicted_peers++;
	}
	e->peers[k].addr = p;
	e->peers[k].t = now;
	if (now > e->last)
		e->last = now;
	m->st.announces++;
}

static size_t
m_live(const struct model *m, uint64_t now)
{
	size_t		n = 0;

	for (int i = 0; i < m->n; i++)
		n += m_alive(m->e[i].last, now);
	return n;
}

static int
m_check_get(const struct peerstore *ps, const struct model *m, uint32_t id,
			int family, uint64_t now, size_t max)
{
	struct netaddr out[PER];
	struct netaddr want[PER];
	size_t		n = get(ps, id, family, now, out, max);
	size_t		w = 0;
	int			i = m_find(m, id);

	for (int k = 0; i >= 0 && k < m->e[i].npeers && w < max; k++)
		if (m->e[i].peers[k].addr.family == family &&
			m_alive(m->e[i].peers[k].t, now))
			want[w++] = m->e[i].peers[k].addr;
	if (n != w)
		return 1;
	for (size_t k = 0; k < n; k++)
		if (!netaddr_equal(&out[k], &want[k]))
			return 1;
	return 0;
}

static int
m_check_sample(const struct peerstore *ps, const struct model *m,
			   uint64_t now, uint64_t rnd, size_t max)
{
	uint8_t		out[M_CAP + 4][20];
	size_t		n = peerstore_sample(ps, now, rnd, out, max);
	size_t		live = m_live(m, now);

	if (n > max || (max * PEERSTORE_SAMPLE_SCAN_FACTOR >= (size_t) m->n &&
					n != (max < live ? max : live)))
		return 1;
	for (size_t k = 0; k < n; k++)
	{
		int			i = m_find(m, id_of(out[k]));

		if (i < 0 || !m_alive(m->e[i].last, now))
			return 1;
		for (size_t j = 0; j < k; j++)
			if (memcmp(out[j], out[k], 20) == 0)
				return 1;
	}
	return 0;
}

static void
test_model(void)
{
	struct peerstore *ps = peerstore_create(M_CAP, 77);
	static struct model m;
	uint64_t	rng = 4242;
	uint64_t	now = 1000;
	int			bad = 0;
	int			step;

	for (step = 0; step < 100000 && bad == 0; step++)
	{
		uint64_t	r = testutil_splitmix(&rng);
		unsigned	op = (unsigned) (r % 20);
		/* phases of 8 hot ids (full peer lists) and of all M_IDS */
		uint32_t	id = (uint32_t) ((r >> 8) % (step / 5000 % 2 ? 8 : M_IDS));
		unsigned	a = (unsigned) ((r >> 16) % M_ADDRS);

		/* mostly small steps, sometimes a big one: peers expire */
		now += (r >> 24) % 64 == 0 ? (r >> 32) % (TTL / 2) : (r >> 32) % 30000;
		if (op < 10)
		{
			struct netaddr p = peer(a % 2 ? 6 : 4, (uint8_t) a, 1);

			bad += announce(ps, id, p, now) != 0;
			m_announce(&m, id, p, now);
		}
		else if (op < 14)
			bad += m_check_get(ps, &m, id, (r >> 40) % 2 ? AF_INET6 : AF_INET,
							   now, (size_t) ((r >> 44) % (PER + 2)));
		else if (op < 16)
			bad += m_check_sample(ps, &m, now, testutil_splitmix(&rng),
								  (size_t) ((r >> 40) % (M_CAP + 3)));
		else if (op < 18)
			bad += peerstore_count(ps, now) != m_live(&m, now);
		else
		{
			size_t		budget = (size_t) ((r >> 40) % 4);
			int			o;

			peerstore_expire(ps, now, budget);
			while (budget-- > 0 && (o = m_oldest(&m)) >= 0 &&
				   !m_alive(m.e[o].last, now))
			{
				m_remove(&m, o);
				m.st.expired++;
			}
		}
		{
			struct peerstore_stats st = stats_of(ps);

			m.st.hashes = (size_t) m.n;
			bad += memcmp(&st, &m.st, sizeof(st)) != 0;
		}
	}
	CHECKF(bad == 0, "diverged from the model at step %d", step - 1);
	CHECK(m.st.evicted_hashes > 100 && m.st.evicted_peers > 100 &&
		  m.st.expired > 100);
	peerstore_destroy(ps);
}

/* Many announces into a small table: caps hold, the heap does not grow. */
static void
test_constant_memory(void)
{
	const size_t cap = 4096;
	struct peerstore *ps = peerstore_create(cap, 9);
	uint64_t	rng = 1;
	uint64_t	now = 0;
	size_t		heap = HEAP_BYTES();
	size_t		mem = peerstore_memory(ps);
	int			over = 0;
	uint8_t		out[64][20];
	struct peerstore_stats st;

	for (int i = 0; i < 300000; i++)
	{
		uint64_t	r = testutil_splitmix(&rng);

		now += r % 50;
		(void) announce(ps, (uint32_t) ((r >> 8) % 20000),
						peer((r >> 40) % 2 ? 6 : 4, (uint8_t) (r >> 44),
							 (uint16_t) (r >> 52)), now);
		if (i % 64 == 0)
		{
			peerstore_expire(ps, now, 32);
			(void) peerstore_sample(ps, now, r, out, 64);
			over += stats_of(ps).hashes > cap;
		}
	}
	st = stats_of(ps);
	CHECK(over == 0 && st.hashes <= cap);
	CHECK(st.evicted_hashes > 0 && st.announces == 300000);
	CHECKF(HEAP_BYTES() == heap, "heap grew from %zu to %zu", heap,
		   (size_t) HEAP_BYTES());
	CHECK(peerstore_memory(ps) == mem);
	printf("peerstore: %zu bytes for %zu hashes (%.1f per hash)\n", mem, cap,
		   (double) mem / (double) cap);
	peerstore_destroy(ps);
}

int
main(void)
{
	test_create();
	test_script();
	test_replace_expired();
	test_ttl_boundary();
	test_sample();
	test_full_table();
	test_count();
	test_model();
	test_constant_memory();
	return unit_summary("peerstore");
}
