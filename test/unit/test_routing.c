/*
 * test_routing.c
 *		Unit tests of routing: closest-k against brute force, the cap and
 *		eviction order, one entry per ip:port, subnet rules, address
 *		classes, BEP 5 liveness, questionable pings, BEP 51 candidates,
 *		export, and a random operation mix checked against a model.
 *
 * Addresses: node i of a test gets its own public /24 (20.0.0.0 upwards:
 * no private or martian range starts there), so subnet rules stay out of
 * the way except in the tests about them.  Everything is deterministic
 * (xorshift with fixed seeds; time is an argument).
 */
#include "routing.h"
#include "unit.h"
#include "testutil.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#define GOOD ROUTING_GOOD_MS

static uint64_t rng_state = UINT64_C(0x9E3779B97F4A7C15);

/* xorshift64*: deterministic, so failures reproduce. */
static uint64_t
rng(void)
{
	return testutil_xorshift(&rng_state);
}

static void
rand_id(uint8_t id[20])
{
	size_t		i;

	for (i = 0; i < 20; i++)
		id[i] = (uint8_t) rng();
}

/* Public IPv4 endpoint in its own /24 number s (s < 4.5M). */
static struct netaddr
v4(uint32_t s, uint8_t host, uint16_t port)
{
	return testutil_ip4((uint8_t) (20 + s / 65536), (uint8_t) (s >> 8),
						(uint8_t) s, host, port);
}

/* Public IPv6 endpoint in its own /64 number s (2a00::/16 upwards). */
static struct netaddr
v6(uint32_t s, uint8_t host, uint16_t port)
{
	struct netaddr a;

	memset(&a, 0, sizeof(a));
	a.family = AF_INET6;
	a.ip[0] = 0x2a;
	a.ip[2] = (uint8_t) (s >> 24);
	a.ip[3] = (uint8_t) (s >> 16);
	a.ip[4] = (uint8_t) (s >> 8);
	a.ip[5] = (uint8_t) s;
	a.ip[15] = host;
	a.port = port;
	return a;
}

static struct routing *
make(size_t max, int allow_private)
{
	struct routing_config cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.max_nodes = max;
	cfg.allow_private = allow_private;
	cfg.hash_seed = rng();
	return routing_create(&cfg);
}

/* An ID whose first byte is b (region tests) and the rest random. */
static void
id_with_first(uint8_t id[20], uint8_t b)
{
	rand_id(id);
	id[0] = b;
}

/* <0 if a is closer to t than b. */
static int
xor_cmp(const uint8_t *t, const uint8_t *a, const uint8_t *b)
{
	size_t		i;

	for (i = 0; i < 20; i++)
	{
		uint8_t		da = a[i] ^ t[i],
					db = b[i] ^ t[i];

		if (da != db)
			return da < db ? -1 : 1;
	}
	return 0;
}

/* ---------------------------------------------------------------------- */

struct create_case
{
	size_t		max;
	bool		ok;
	unsigned	region_bits;
};

static const struct create_case create_cases[] = {
	{0, false, 0},
	{1, true, 0},
	{8, true, 0},
	{9, true, 1},
	{64, true, 3},
	{65, true, 4},
	{1000000, true, 17},
	{ROUTING_MAX_NODES + (size_t) 1, false, 0},
};

static void
test_create(void)
{
	size_t		i;

	for (i = 0; i < sizeof(create_cases) / sizeof(create_cases[0]); i++)
	{
		const struct create_case *c = &create_cases[i];
		struct routing *rt;

		errno = 0;
		rt = make(c->max, 0);
		CHECKF((rt != NULL) == c->ok, "max %zu", c->max);
		if (rt)
		{
			CHECKF(routing_region_bits(rt) == c->region_bits, "max %zu: %u",
				   c->max, routing_region_bits(rt));
			CHECK(routing_count(rt) == 0);
			CHECK(routing_memory_size(rt) >= c->max * 80);
		}
		else
			CHECKF(errno == EINVAL, "max %zu errno %d", c->max, errno);
		routing_destroy(rt);
	}
	CHECK(routing_create(NULL) == NULL);
	routing_destroy(NULL);
	CHECK(strcmp(routing_strerror(ROUTING_ERR_FULL), "table full and no entry evictable") == 0);
	CHECK(strcmp(routing_strerror(99), "unknown routing result") == 0);
}

/* ---------------------------------------------------------------------- */
/* closest-k against brute force */

/* Indices of the k closest ids to t (sorted), by insertion into a small array. */
static size_t
brute_closest(const uint8_t (*ids)[20], size_t n, const uint8_t *t, size_t k,
			  size_t *best)
{
	size_t		m = 0,
				i;

	for (i = 0; i < n; i++)
	{
		size_t		j;

		if (m == k && xor_cmp(t, ids[i], ids[best[m - 1]]) >= 0)
			continue;
		j = m < k ? m++ : m - 1;
		while (j > 0 && xor_cmp(t, ids[i], ids[best[j - 1]]) < 0)
		{
			best[j] = best[j - 1];
			j--;
		}
		best[j] = i;
	}
	return m;
}

/* One table of n random nodes (family fam), many targets, several k. */
static void
closest_vs_brute(size_t n, int fam, size_t ntargets)
{
	static const size_t ks[] = {1, 3, 8, 20};
	uint8_t		(*ids)[20] = calloc(n, 20);
	struct routing_node out[21];
	size_t		best[21];
	struct routing *rt = make(n, 0);
	size_t		i,
				added = 0;
	int			bad = 0;

	for (i = 0; i < n; i++)
	{
		struct netaddr a = fam == AF_INET ? v4((uint32_t) i, 7, 6881) : v6((uint32_t) i, 7, 6881);

		rand_id(ids[i]);
		added += routing_on_reply(rt, ids[i], &a, 0, 1000) == ROUTING_ADDED;
	}
	CHECKF(added == n && routing_count(rt) == n, "n %zu added %zu", n, added);
	for (i = 0; i < ntargets && bad < 5; i++)
	{
		uint8_t		t[20];
		size_t		ki;

		rand_id(t);
		if (i % 4 == 1)			/* an existing ID */
			memcpy(t, ids[rng() % n], 20);
		else if (i % 4 == 2)	/* near an existing ID */
		{
			memcpy(t, ids[rng() % n], 20);
			t[19 - rng() % 6] ^= (uint8_t) (1 + rng() % 255);
		}
		for (ki = 0; ki < sizeof(ks) / sizeof(ks[0]); ki++)
		{
			size_t		k = ks[ki];
			size_t		m = brute_closest((const uint8_t (*)[20]) ids, n, t, k, best);
			size_t		got = routing_closest(rt, t, fam, k, out);
			bool		same = got == m;
			size_t		j;

			for (j = 0; same && j < m; j++)
				same = memcmp(out[j].id, ids[best[j]], 20) == 0;
			if (!same)
				bad++;
			CHECKF(same, "n %zu fam %d target %zu k %zu: got %zu want %zu",
				   n, fam, i, k, got, m);
		}
	}
	routing_destroy(rt);
	free(ids);
}

static void
test_closest_brute(void)
{
	static const size_t sizes[] = {1, 7, 8, 9, 1000, 100000};
	size_t		i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		closest_vs_brute(sizes[i], AF_INET, sizes[i] >= 100000 ? 150 : 400);
	closest_vs_brute(1000, AF_INET6, 200);
	closest_vs_brute(2, AF_INET6, 50);
}

/* The same ID at several addresses: BEP42 ones first, all returned. */
static void
test_closest_ties(void)
{
	struct routing *rt = make(100, 0);
	struct routing_node out[8];
	uint8_t		id[20],
				other[20];
	struct netaddr a;
	size_t		n,
				i;

	rand_id(id);
	memcpy(other, id, 20);
	other[0] ^= 0x80;			/* far away */
	for (i = 0; i < 4; i++)
	{
		a = v4((uint32_t) i, 1, 6881);
		CHECK(routing_on_reply(rt, id, &a, (i % 2) ? ROUTING_F_BEP42 : 0, 10) == ROUTING_ADDED);
	}
	a = v4(9, 1, 6881);
	CHECK(routing_on_reply(rt, other, &a, ROUTING_F_BEP42, 10) == ROUTING_ADDED);
	n = routing_closest(rt, id, AF_INET, 8, out);
	CHECK(n == 5);
	for (i = 0; i < 4 && i < n; i++)
	{
		CHECKF(memcmp(out[i].id, id, 20) == 0, "tie %zu", i);
		CHECKF(((out[i].flags & ROUTING_F_BEP42) != 0) == (i < 2), "tie %zu", i);
	}
	CHECK(n == 5 && memcmp(out[4].id, other, 20) == 0);
	/* refreshing with the BEP42 flag moves it to the front of its tie */
	a = v4(0, 1, 6881);
	CHECK(routing_on_reply(rt, id, &a, ROUTING_F_BEP42, 20) == ROUTING_REFRESHED);
	n = routing_closest(rt, id, AF_INET, 3, out);
	CHECK(n == 3);
	for (i = 0; i < n; i++)
		CHECKF(out[i].flags & ROUTING_F_BEP42, "tie after refresh %zu", i);
	CHECK(routing_closest(rt, id, AF_INET, 0, out) == 0);
	CHECK(routing_closest(rt, id, AF_UNIX, 8, out) == 0);
	CHECK(routing_closest(rt, id, AF_INET6, 8, out) == 0);
	routing_destroy(rt);
}

/* ---------------------------------------------------------------------- */
/* Cap and eviction */

static bool
present(const struct routing *rt, const struct netaddr *a)
{
	struct routing_node n;

	return routing_get(rt, a, &n) == 1;
}

/* 3 x max inserts: the count never exceeds max, good nodes stay. */
static void
test_cap_all_good(void)
{
	const size_t max = 64;
	struct routing *rt = make(max, 0);
	struct routing_stats st;
	size_t		i,
				over = 0,
				full = 0,
				lost = 0;
	uint8_t		id[20];

	for (i = 0; i < 3 * max; i++)
	{
		struct netaddr a = v4((uint32_t) i, 1, 6881);
		int			rc;

		rand_id(id);
		rc = routing_on_reply(rt, id, &a, ROUTING_F_BEP42, 1000 + i);
		full += rc == ROUTING_ERR_FULL;
		over += routing_count(rt) > max;
	}
	for (i = 0; i < max; i++)
	{
		struct netaddr a = v4((uint32_t) i, 1, 6881);

		lost += !present(rt, &a);
	}
	CHECK(over == 0);
	CHECK(full == 2 * max);
	CHECK(lost == 0);
	routing_stats(rt, 1000 + 3 * max, &st);
	CHECK(st.nodes == max && st.good == max && st.refused_full == 2 * max &&
		  st.added == max && st.evicted == 0);
	routing_destroy(rt);
}

/*
 * Eviction order: bad first (even if younger), then questionable
 * non-BEP42 by age, then questionable BEP42 (BEP42 newcomers only);
 * good nodes never.
 */
static void
test_eviction_order(void)
{
	const size_t max = 16;
	struct routing *rt = make(max, 0);
	struct netaddr a[16],
				na;
	uint8_t		id[20];
	uint64_t	t = 2 * (uint64_t) GOOD;
	size_t		i;
	uint32_t	s = 100;

	/* even slots BEP42, odd not; older = lower index */
	for (i = 0; i < max; i++)
	{
		a[i] = v4((uint32_t) i, 1, 6881);
		rand_id(id);
		CHECK(routing_on_reply(rt, id, &a[i], (i % 2) ? 0 : ROUTING_F_BEP42, 1 + i) == ROUTING_ADDED);
	}
	/* node 15 (the youngest) goes bad */
	for (i = 0; i < 3; i++)
		routing_on_timeout(rt, &a[15], t);
	/* node 1 (oldest non-BEP42) is refreshed: good again */
	rand_id(id);
	{
		struct routing_node n;

		CHECK(routing_get(rt, &a[1], &n) == 1);
		CHECK(routing_on_reply(rt, n.id, &a[1], 0, t) == ROUTING_REFRESHED);
	}
	na = v4(s++, 1, 6881);
	CHECK(routing_on_reply(rt, id, &na, 0, t) == ROUTING_ADDED);
	CHECK(!present(rt, &a[15]));	/* bad went first */
	CHECK(present(rt, &a[0]));
	/* next: questionable non-BEP42 in age order 3, 5, ..., 13 (1 is good) */
	for (i = 3; i <= 13; i += 2)
	{
		rand_id(id);
		na = v4(s++, 1, 6881);
		CHECKF(routing_on_reply(rt, id, &na, ROUTING_F_BEP42, t) == ROUTING_ADDED, "i %zu", i);
		CHECKF(!present(rt, &a[i]), "evicted %zu", i);
		CHECKF(present(rt, &a[0]) && present(rt, &a[i + 1]), "kept after %zu", i);
	}
	/* non-BEP42 newcomer: only BEP42 questionable left -> refused */
	rand_id(id);
	na = v4(s++, 1, 6881);
	CHECK(routing_on_reply(rt, id, &na, 0, t) == ROUTING_ERR_FULL);
	/* BEP42 newcomers evict BEP42 questionable by age: 0, 2, 4 ... */
	for (i = 0; i <= 14; i += 2)
	{
		rand_id(id);
		na = v4(s++, 1, 6881);
		CHECKF(routing_on_reply(rt, id, &na, ROUTING_F_BEP42, t) == ROUTING_ADDED, "i %zu", i);
		CHECKF(!present(rt, &a[i]), "evicted bep42 %zu", i);
	}
	/* now all good: nobody may enter */
	rand_id(id);
	na = v4(s++, 1, 6881);
	CHECK(routing_on_reply(rt, id, &na, ROUTING_F_BEP42, t) == ROUTING_ERR_FULL);
	CHECK(present(rt, &a[1]));
	CHECK(routing_count(rt) == max);
	routing_destroy(rt);
}

/* ---------------------------------------------------------------------- */
/* One entry per ip:port */

static void
test_replace(void)
{
	struct routing *rt = make(100, 0);
	struct routing_node out[8],
				n;
	struct routing_stats st;
	uint8_t		id1[20],
				id2[20];
	struct netaddr a = v4(1, 1, 6881),
				b = v4(1, 1, 6882);
	size_t		got,
				i;

	rand_id(id1);
	rand_id(id2);
	CHECK(routing_on_reply(rt, id1, &a, ROUTING_F_SAMPLES, 10) == ROUTING_ADDED);
	CHECK(routing_on_reply(rt, id1, &a, 0, 20) == ROUTING_REFRESHED);
	routing_set_sample_info(rt, &a, 5000, 1);
	CHECK(routing_on_reply(rt, id2, &a, 0, 30) == ROUTING_REPLACED);
	CHECK(routing_count(rt) == 1);
	CHECK(routing_get(rt, &a, &n) == 1 && memcmp(n.id, id2, 20) == 0);
	CHECK(n.last_reply_ms == 30 && n.next_sample_ms == 0 && n.flags == 0);
	got = routing_closest(rt, id1, AF_INET, 8, out);
	CHECK(got == 1 && memcmp(out[0].id, id2, 20) == 0);
	/* another port of the same IP is another entry */
	CHECK(routing_on_reply(rt, id1, &b, 0, 40) == ROUTING_ADDED);
	CHECK(routing_count(rt) == 2);
	got = routing_closest(rt, id1, AF_INET, 8, out);
	CHECK(got == 2);
	for (i = 0; i < got; i++)
		CHECKF(memcmp(out[i].id, id1, 20) != 0 || out[i].addr.port == 6882, "%zu", i);
	routing_stats(rt, 40, &st);
	CHECK(st.added == 2 && st.refreshed == 1 && st.replaced == 1);
	routing_destroy(rt);
}

/* ---------------------------------------------------------------------- */
/* Subnet rules */

static void
test_subnet_region(void)
{
	struct routing *rt = make(64, 0);	/* 3 region bits */
	struct routing_node out[16];
	struct routing_stats st;
	uint8_t		id[20];
	struct netaddr a;
	size_t		got,
				i,
				same;

	CHECK(routing_region_bits(rt) == 3);
	/* same /24, region 000: two fit, the third is refused */
	for (i = 0; i < 3; i++)
	{
		id_with_first(id, (uint8_t) (0x00 | (i * 7)));
		a = testutil_ip4(30, 1, 1, (uint8_t) (10 + i), 6881);
		CHECKF(routing_on_reply(rt, id, &a, 0, 10) ==
			   (i < 2 ? ROUTING_ADDED : ROUTING_ERR_SUBNET), "i %zu", i);
	}
	/* same /24, other regions: accepted */
	for (i = 0; i < 4; i++)
	{
		id_with_first(id, (uint8_t) (0x20 * (i + 1)));
		a = testutil_ip4(30, 1, 1, (uint8_t) (20 + i), 6881);
		CHECKF(routing_on_reply(rt, id, &a, 0, 10) == ROUTING_ADDED, "i %zu", i);
	}
	/* other /24 in region 000: accepted */
	id_with_first(id, 0x01);
	a = testutil_ip4(30, 1, 2, 10, 6881);
	CHECK(routing_on_reply(rt, id, &a, 0, 10) == ROUTING_ADDED);
	/* a closest result holds at most 2 of 30.1.1.0/24 */
	memset(id, 0, 20);
	got = routing_closest(rt, id, AF_INET, 16, out);
	for (i = 0, same = 0; i < got; i++)
		same += out[i].addr.ip[0] == 30 && out[i].addr.ip[2] == 1;
	CHECK(got == 3 && same == 2);
	/* replacing an ID into a crowded region drops the stale entry */
	a = testutil_ip4(30, 1, 1, 20, 6881);
	id_with_first(id, 0x05);
	CHECK(routing_on_reply(rt, id, &a, 0, 20) == ROUTING_ERR_SUBNET);
	CHECK(!present(rt, &a));
	/* ... and into a free one works */
	a = testutil_ip4(30, 1, 1, 21, 6881);
	id_with_first(id, 0x85);	/* region 100: .23 is there, alone */
	CHECK(routing_on_reply(rt, id, &a, 0, 20) == ROUTING_REPLACED);
	routing_stats(rt, 20, &st);
	CHECK(st.refused_subnet == 2 && st.nodes == 6);
	routing_destroy(rt);
}

static void
test_subnet_v6_and_total(void)
{
	struct routing *rt = make(4096, 0);	/* 9 region bits */
	uint8_t		id[20];
	struct netaddr a;
	size_t		i,
				ok = 0;

	CHECK(routing_region_bits(rt) == 9);
	/* IPv6: /64 is the subnet; a different /64 is another subnet */
	for (i = 0; i < 3; i++)
	{
		id_with_first(id, 0x42);
		a = v6(5, (uint8_t) (1 + i), 6881);
		CHECKF(routing_on_reply(rt, id, &a, 0, 10) ==
			   (i < 2 ? ROUTING_ADDED : ROUTING_ERR_SUBNET), "v6 %zu", i);
	}
	a = v6(6, 1, 6881);
	CHECK(routing_on_reply(rt, id, &a, 0, 10) == ROUTING_ADDED);
	/* one /24 holds at most ROUTING_SUBNET_MAX entries in the table */
	for (i = 0; i < ROUTING_SUBNET_MAX + 2; i++)
	{
		/* two per region: regions differ in the top 8 bits */
		id_with_first(id, (uint8_t) (i / 2));
		a = testutil_ip4(40, 2, 3, (uint8_t) (1 + i % 2), (uint16_t) (1000 + i));
		ok += routing_on_reply(rt, id, &a, 0, 10) == ROUTING_ADDED;
	}
	CHECK(ok == ROUTING_SUBNET_MAX);
	routing_destroy(rt);
}

/* Private addresses (allowed) are exempt from the subnet rules. */
static void
test_subnet_private_exempt(void)
{
	struct routing *rt = make(64, 1);
	struct routing_node out[16];
	uint8_t		id[20];
	size_t		i;

	for (i = 0; i < 10; i++)
	{
		struct netaddr a = testutil_ip4(127, 0, 0, 1, (uint16_t) (7000 + i));

		id_with_first(id, 0x10);
		CHECKF(routing_on_reply(rt, id, &a, 0, 10) == ROUTING_ADDED, "i %zu", i);
	}
	CHECK(routing_closest(rt, id, AF_INET, 16, out) == 10);
	routing_destroy(rt);
}

/* ---------------------------------------------------------------------- */
/* Address classes */

struct addr_case
{
	const char *name;
	int			family;
	uint8_t		ip[16];
	uint16_t	port;
	int			plain;			/* result without allow_private */
	int			priv;			/* result with allow_private */
};

#define A_OK ROUTING_ADDED
#define A_NO ROUTING_ERR_ADDRESS

static const struct addr_case addr_cases[] = {
	{"public v4", AF_INET, {1, 2, 3, 4}, 6881, A_OK, A_OK},
	{"port 0", AF_INET, {1, 2, 3, 5}, 0, A_NO, A_NO},
	{"this network", AF_INET, {0, 1, 2, 3}, 6881, A_NO, A_NO},
	{"multicast", AF_INET, {224, 0, 0, 1}, 6881, A_NO, A_NO},
	{"broadcast", AF_INET, {255, 255, 255, 255}, 6881, A_NO, A_NO},
	{"test-net-1", AF_INET, {192, 0, 2, 1}, 6881, A_NO, A_NO},
	{"loopback", AF_INET, {127, 0, 0, 1}, 6881, A_NO, A_OK},
	{"10/8", AF_INET, {10, 1, 2, 3}, 6881, A_NO, A_OK},
	{"192.168/16", AF_INET, {192, 168, 1, 1}, 6881, A_NO, A_OK},
	{"cgnat", AF_INET, {100, 64, 0, 1}, 6881, A_NO, A_OK},
	{"link-local", AF_INET, {169, 254, 1, 1}, 6881, A_NO, A_OK},
	{"public v6", AF_INET6, {0x2a, 0x00, 0x14, 0x50, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 6881, A_OK, A_OK},
	{"v6 unspecified", AF_INET6, {0}, 6881, A_NO, A_NO},
	{"v6 loopback", AF_INET6, {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 6881, A_NO, A_OK},
	{"v6 ula", AF_INET6, {0xfd, 0x12}, 6881, A_NO, A_OK},
	{"v6 doc", AF_INET6, {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 6881, A_NO, A_NO},
	{"v6 multicast", AF_INET6, {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 6881, A_NO, A_NO},
	{"v4-mapped", AF_INET6, {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 1, 2, 3, 4}, 6881, A_NO, A_NO},
	{"AF_UNIX", AF_UNIX, {1, 2, 3, 4}, 6881, A_NO, A_NO},
};

static void
test_addresses(void)
{
	size_t		ncase = sizeof(addr_cases) / sizeof(addr_cases[0]);
	int			allow;

	for (allow = 0; allow <= 1; allow++)
	{
		struct routing *rt = make(100, allow);
		struct routing_stats st;
		size_t		i,
					want_added = 0,
					want_refused = 0;

		for (i = 0; i < ncase; i++)
		{
			const struct addr_case *c = &addr_cases[i];
			struct netaddr a = testutil_netaddr(c->family, c->ip, c->port);
			uint8_t		id[20];
			int			want = allow ? c->priv : c->plain;
			int			rc;

			rand_id(id);
			rc = routing_on_reply(rt, id, &a, 0, 10);
			CHECKF(rc == want, "%s allow %d: %d", c->name, allow, rc);
			want_added += want == A_OK;
			want_refused += want == A_NO;
		}
		routing_stats(rt, 10, &st);
		CHECK(st.added == want_added && st.refused_address == want_refused);
		if (allow)
		{
			/* turning the setting off drops the private entries */
			routing_set_allow_private(rt, 0);
			CHECK(routing_count(rt) == 2);
			for (i = 0; i < ncase; i++)
			{
				struct netaddr a = testutil_netaddr(addr_cases[i].family,
													addr_cases[i].ip,
													addr_cases[i].port);

				CHECKF(present(rt, &a) == (addr_cases[i].plain == A_OK), "%s after off",
					   addr_cases[i].name);
			}
		}
		routing_destroy(rt);
	}
}

/* ---------------------------------------------------------------------- */
/* Liveness */

static void
expect_counts(const struct routing *rt, uint64_t now, size_t good, size_t q,
			  size_t bad, const char *what)
{
	struct routing_stats st;

	routing_stats(rt, now, &st);
	CHECKF(st.good == good && st.questionable == q && st.bad == bad,
		   "%s: good %zu q %zu bad %zu", what, st.good, st.questionable, st.bad);
}

static void
test_liveness(void)
{
	struct routing *rt = make(10, 0);
	struct routing_node out[4],
				n;
	uint8_t		id[20],
				wrong[20];
	struct netaddr a = v4(1, 1, 6881),
				unknown = v4(2, 1, 6881);
	uint64_t	t0 = 5000;

	rand_id(id);
	rand_id(wrong);
	CHECK(routing_on_reply(rt, id, &a, 0, t0) == ROUTING_ADDED);
	expect_counts(rt, t0, 1, 0, 0, "fresh");
	expect_counts(rt, t0 + GOOD - 1, 1, 0, 0, "just before 15 min");
	expect_counts(rt, t0 + GOOD, 0, 1, 0, "at 15 min");
	/* a query from it with its id keeps it good; a wrong id does not */
	routing_on_query(rt, wrong, &a, t0 + GOOD - 10);
	expect_counts(rt, t0 + GOOD, 0, 1, 0, "wrong-id query");
	routing_on_query(rt, id, &a, t0 + GOOD - 1);
	expect_counts(rt, t0 + GOOD + 100, 1, 0, 0, "query refreshes");
	CHECK(routing_get(rt, &a, &n) == 1 && n.last_reply_ms == t0 &&
		  n.last_heard_ms == t0 + GOOD - 1);
	/* queries never insert */
	routing_on_query(rt, id, &unknown, t0 + GOOD);
	CHECK(routing_count(rt) == 1 && !present(rt, &unknown));
	/* time passes: questionable, still returned by closest */
	expect_counts(rt, t0 + 2 * GOOD, 0, 1, 0, "later");
	routing_on_timeout(rt, &a, t0 + 2 * GOOD);
	routing_on_timeout(rt, &a, t0 + 2 * GOOD + 1);
	expect_counts(rt, t0 + 2 * GOOD + 1, 0, 1, 0, "two timeouts");
	CHECK(routing_closest(rt, id, AF_INET, 4, out) == 1);
	routing_on_timeout(rt, &a, t0 + 2 * GOOD + 2);
	expect_counts(rt, t0 + 2 * GOOD + 2, 0, 0, 1, "three timeouts");
	CHECK(routing_closest(rt, id, AF_INET, 4, out) == 0);
	CHECK(routing_get(rt, &a, &n) == 1 && n.fails == 3);
	CHECK(routing_questionable(rt, t0 + 3 * GOOD, 0, 4, out) == 0);
	CHECK(routing_sample_candidates(rt, t0 + 3 * GOOD, 1, 4, out) == 0);
	/* a query from a bad node does not make it good */
	routing_on_query(rt, id, &a, t0 + 3 * GOOD);
	expect_counts(rt, t0 + 3 * GOOD, 0, 0, 1, "bad queried us");
	/* a reply does */
	CHECK(routing_on_reply(rt, id, &a, 0, t0 + 3 * GOOD) == ROUTING_REFRESHED);
	expect_counts(rt, t0 + 3 * GOOD, 1, 0, 0, "answered again");
	CHECK(routing_get(rt, &a, &n) == 1 && n.fails == 0);
	CHECK(routing_closest(rt, id, AF_INET, 4, out) == 1);
	/* time never goes backwards: an old now is the latest seen */
	expect_counts(rt, 0, 1, 0, 0, "old now");
	routing_destroy(rt);
}

/* ---------------------------------------------------------------------- */
/* Questionable pings */

static void
test_questionable(void)
{
	struct routing *rt = make(20, 0);
	struct routing_node out[10];
	struct netaddr a[6];
	uint8_t		id[20];
	uint64_t	t = 100 + GOOD + 50;
	size_t		n,
				i;

	/* heard at 100..105, alternating BEP42 */
	for (i = 0; i < 6; i++)
	{
		a[i] = v4((uint32_t) i, 1, 6881);
		rand_id(id);
		routing_on_reply(rt, id, &a[i], (i % 2) ? ROUTING_F_BEP42 : 0, 100 + i);
	}
	/* 4 is heard again later: stays good */
	CHECK(routing_get(rt, &a[4], &out[0]) == 1);
	routing_on_reply(rt, out[0].id, &a[4], 0, 2000);
	n = routing_questionable(rt, t, 1000, 10, out);
	CHECK(n == 5);
	for (i = 0; i < n; i++)
		CHECKF(netaddr_equal(&out[i].addr, &a[i < 4 ? i : 5]), "order %zu", i);
	/* max */
	CHECK(routing_questionable(rt, t, 1000, 2, out) == 2 &&
		  netaddr_equal(&out[1].addr, &a[1]));
	/* pinged ones are skipped for min_gap */
	routing_on_sent(rt, &a[0], t);
	routing_on_sent(rt, &a[2], t + 10);
	n = routing_questionable(rt, t + 500, 1000, 10, out);
	CHECK(n == 3 && netaddr_equal(&out[0].addr, &a[1]) &&
		  netaddr_equal(&out[1].addr, &a[3]) && netaddr_equal(&out[2].addr, &a[5]));
	n = routing_questionable(rt, t + 1000, 1000, 10, out);
	CHECK(n == 4 && netaddr_equal(&out[0].addr, &a[0]));
	n = routing_questionable(rt, t + 1010, 1000, 10, out);
	CHECK(n == 5);
	CHECK(out[0].last_query_ms == t);
	/* 2000 + GOOD: node 4 too */
	n = routing_questionable(rt, 2000 + GOOD, 0, 10, out);
	CHECK(n == 6 && netaddr_equal(&out[5].addr, &a[4]));
	routing_destroy(rt);
}

/* ---------------------------------------------------------------------- */
/* BEP 51 sample candidates */

static void
test_samples(void)
{
	struct routing *rt = make(50, 0);
	struct routing_node out[50],
				n;
	struct netaddr a[40];
	uint8_t		id[20];
	size_t		i,
				got,
				j;
	uint64_t	rnd;

	for (i = 0; i < 40; i++)
	{
		a[i] = v4((uint32_t) i, 1, 6881);
		rand_id(id);
		routing_on_reply(rt, id, &a[i], i == 3 ? ROUTING_F_SAMPLES : 0, 10);
	}
	CHECK(routing_get(rt, &a[3], &n) == 1 && (n.flags & ROUTING_F_SAMPLES));
	/* even nodes: not before 10000; node 1 bad */
	for (i = 0; i < 40; i += 2)
		routing_set_sample_info(rt, &a[i], 10000, 1);
	for (i = 0; i < 3; i++)
		routing_on_timeout(rt, &a[1], 20);
	CHECK(routing_get(rt, &a[0], &n) == 1 && n.next_sample_ms == 10000 &&
		  (n.flags & ROUTING_F_SAMPLES));
	routing_set_sample_info(rt, &a[3], 0, 0);
	CHECK(routing_get(rt, &a[3], &n) == 1 && !(n.flags & ROUTING_F_SAMPLES));
	for (rnd = 0; rnd < 20; rnd++)
	{
		uint64_t	r = rnd * UINT64_C(0x9E3779B97F4A7C15);

		got = routing_sample_candidates(rt, 9999, r, 50, out);
		CHECKF(got == 19, "rnd %llu: %zu", (unsigned long long) rnd, got);
		for (i = 0; i < got; i++)
		{
			bool		odd = false;

			for (j = 3; j < 40; j += 2)
				odd |= netaddr_equal(&out[i].addr, &a[j]);
			CHECKF(odd, "rnd %llu entry %zu", (unsigned long long) rnd, i);
		}
		/* deterministic for a given rnd, and max is honoured */
		CHECK(routing_sample_candidates(rt, 9999, r, 5, out) == 5);
	}
	CHECK(routing_sample_candidates(rt, 10000, 7, 50, out) == 39);
	CHECK(routing_sample_candidates(rt, 10000, 7, 0, out) == 0);
	/* different rnd, different first pick (with 39 candidates) */
	{
		struct routing_node o1,
					o2;
		size_t		differ = 0;

		for (rnd = 1; rnd < 10; rnd++)
		{
			routing_sample_candidates(rt, 10000, rnd * 0x1234567ULL, 1, &o1);
			routing_sample_candidates(rt, 10000, (rnd + 1) * 0x1234567ULL, 1, &o2);
			differ += !netaddr_equal(&o1.addr, &o2.addr);
		}
		CHECK(differ > 0);
	}
	routing_destroy(rt);
}

/* ---------------------------------------------------------------------- */
/* Families, export */

static void
test_families(void)
{
	struct routing *rt = make(20, 0);
	struct routing_node out[8];
	uint8_t		id[20];
	struct netaddr a4 = v4(1, 1, 6881),
				a6 = v6(1, 1, 6881);
	size_t		n;

	rand_id(id);
	CHECK(routing_on_reply(rt, id, &a4, 0, 10) == ROUTING_ADDED);
	CHECK(routing_on_reply(rt, id, &a6, 0, 10) == ROUTING_ADDED);
	n = routing_closest(rt, id, AF_INET, 8, out);
	CHECK(n == 1 && out[0].addr.family == AF_INET);
	n = routing_closest(rt, id, AF_INET6, 8, out);
	CHECK(n == 1 && out[0].addr.family == AF_INET6 && netaddr_equal(&out[0].addr, &a6));
	/* v6 address whose first 4 bytes equal the v4 one is another entry */
	memset(&a6, 0, sizeof(a6));
	a6.family = AF_INET6;
	memcpy(a6.ip, a4.ip, 4);
	a6.ip[0] = 0x2a;
	a4.ip[0] = 0x2a;
	a6.port = a4.port;
	CHECK(routing_on_reply(rt, id, &a4, 0, 10) == ROUTING_ADDED);
	CHECK(routing_on_reply(rt, id, &a6, 0, 10) == ROUTING_ADDED);
	CHECK(routing_count(rt) == 4);
	routing_on_timeout(rt, &a6, 11);
	CHECK(routing_get(rt, &a6, &out[0]) == 1 && out[0].fails == 1);
	CHECK(routing_get(rt, &a4, &out[0]) == 1 && out[0].fails == 0);
	routing_destroy(rt);
}

static void
test_export(void)
{
	struct routing *rt = make(20, 0);
	struct routing_node out[20];
	struct netaddr a[6];
	uint8_t		id[20];
	size_t		n,
				i;

	for (i = 0; i < 6; i++)
	{
		a[i] = v4((uint32_t) i, 1, 6881);
		rand_id(id);
		routing_on_reply(rt, id, &a[i], (i % 3) ? ROUTING_F_BEP42 : 0,
						 i < 2 ? 10 + i : GOOD + i);
	}
	n = routing_export(rt, 20, out, GOOD + 100);
	CHECK(n == 4);
	for (i = 0; i < n; i++)
		CHECKF(netaddr_equal(&out[i].addr, &a[5 - i]), "export %zu", i);
	CHECK(routing_export(rt, 2, out, GOOD + 100) == 2 && netaddr_equal(&out[1].addr, &a[4]));
	routing_destroy(rt);
}

/* ---------------------------------------------------------------------- */
/* Random operations against a model */

#define MIX_ADDRS 300
#define MIX_IDS 60

struct mix
{
	struct routing *rt;
	struct netaddr addr[MIX_ADDRS];
	uint8_t		ids[MIX_IDS][20];
	struct routing_node cur[MIX_ADDRS];
	size_t		ncur;
};

/* Snapshot of the table through routing_get over every address used. */
static void
mix_snapshot(struct mix *m)
{
	size_t		i;

	m->ncur = 0;
	for (i = 0; i < MIX_ADDRS; i++)
		if (routing_get(m->rt, &m->addr[i], &m->cur[m->ncur]))
			m->ncur++;
}

static bool
node_stale(const struct routing_node *n, uint64_t now)
{
	return now - n->last_heard_ms >= GOOD;
}

static void
mix_check_stats(struct mix *m, uint64_t now, int step)
{
	struct routing_stats st;
	size_t		good = 0,
				q = 0,
				bad = 0,
				i;

	for (i = 0; i < m->ncur; i++)
	{
		if (m->cur[i].fails >= ROUTING_FAILS_BAD)
			bad++;
		else if (node_stale(&m->cur[i], now))
			q++;
		else
			good++;
	}
	routing_stats(m->rt, now, &st);
	CHECKF(st.nodes == m->ncur && routing_count(m->rt) == m->ncur &&
		   st.good == good && st.questionable == q && st.bad == bad,
		   "step %d: nodes %zu/%zu good %zu/%zu q %zu/%zu bad %zu/%zu", step,
		   st.nodes, m->ncur, st.good, good, st.questionable, q, st.bad, bad);
}

/* Key of a closest entry: distance, then BEP42 first. */
static int
mix_key_cmp(const uint8_t *t, const struct routing_node *a,
			const struct routing_node *b)
{
	int			c = xor_cmp(t, a->id, b->id);

	if (c != 0)
		return c;
	return (int) !(a->flags & ROUTING_F_BEP42) - (int) !(b->flags & ROUTING_F_BEP42);
}

static void
mix_check_closest(struct mix *m, int step)
{
	struct routing_node out[12],
				want[MIX_ADDRS];
	uint8_t		t[20];
	size_t		nw = 0,
				got,
				i,
				j;
	bool		ok = true;

	rand_id(t);
	if (rng() % 2)
		memcpy(t, m->ids[rng() % MIX_IDS], 20);
	for (i = 0; i < m->ncur; i++)
	{
		if (m->cur[i].fails >= ROUTING_FAILS_BAD)
			continue;
		/* insertion sort by key */
		for (j = nw++; j > 0 && mix_key_cmp(t, &m->cur[i], &want[j - 1]) < 0; j--)
			want[j] = want[j - 1];
		want[j] = m->cur[i];
	}
	got = routing_closest(m->rt, t, AF_INET, 12, out);
	ok = got == (nw < 12 ? nw : 12);
	for (i = 0; ok && i < got; i++)
		ok = mix_key_cmp(t, &out[i], &want[i]) == 0 && out[i].fails < ROUTING_FAILS_BAD;
	CHECKF(ok, "step %d closest: got %zu of %zu", step, got, nw);
}

static void
mix_check_lists(struct mix *m, uint64_t now, int step)
{
	struct routing_node out[MIX_ADDRS];
	size_t		nq = 0,
				ng = 0,
				n,
				i;
	bool		ok = true;

	for (i = 0; i < m->ncur; i++)
		if (m->cur[i].fails < ROUTING_FAILS_BAD)
		{
			bool		stale = node_stale(&m->cur[i], now);
			bool		gap_ok = m->cur[i].last_query_ms == 0 ||
				now - m->cur[i].last_query_ms >= 5000;

			nq += stale && gap_ok;
			ng += !stale;
		}
	n = routing_questionable(m->rt, now, 5000, MIX_ADDRS, out);
	ok = n == nq;
	for (i = 0; ok && i < n; i++)
		ok = node_stale(&out[i], now) && out[i].fails < ROUTING_FAILS_BAD &&
			(i == 0 || out[i].last_heard_ms >= out[i - 1].last_heard_ms);
	CHECKF(ok, "step %d questionable %zu of %zu", step, n, nq);
	n = routing_export(m->rt, MIX_ADDRS, out, now);
	ok = n == ng;
	for (i = 0; ok && i < n; i++)
		ok = !node_stale(&out[i], now) && out[i].fails < ROUTING_FAILS_BAD &&
			(i == 0 || out[i].last_heard_ms <= out[i - 1].last_heard_ms);
	CHECKF(ok, "step %d export %zu of %zu", step, n, ng);
}

static void
mix_step(struct mix *m, uint64_t now)
{
	const struct netaddr *a = &m->addr[rng() % MIX_ADDRS];
	const uint8_t *id = m->ids[rng() % MIX_IDS];
	unsigned	op = (unsigned) (rng() % 10);
	struct routing_node n;

	switch (op)
	{
		case 0:
		case 1:
		case 2:
			routing_on_reply(m->rt, id, a, (unsigned) (rng() % 4), now);
			break;
		case 3:
			/* a reply from a known node with its own id */
			if (routing_get(m->rt, a, &n))
				routing_on_reply(m->rt, n.id, a, (unsigned) (rng() % 2), now);
			break;
		case 4:
		case 5:
			routing_on_timeout(m->rt, a, now);
			break;
		case 6:
			routing_on_sent(m->rt, a, now);
			break;
		case 7:
			if (routing_get(m->rt, a, &n))
				routing_on_query(m->rt, n.id, a, now);
			break;
		case 8:
			routing_set_sample_info(m->rt, a, now + rng() % 100000, (int) (rng() % 2));
			break;
		default:
			routing_on_query(m->rt, id, a, now);
			break;
	}
}

static void
test_random_mix(void)
{
	struct mix *m = calloc(1, sizeof(*m));
	uint64_t	now = 1;
	int			step;
	size_t		i;

	m->rt = make(120, 0);
	for (i = 0; i < MIX_ADDRS; i++)
		m->addr[i] = v4((uint32_t) i, (uint8_t) (1 + i % 200), (uint16_t) (1024 + i));
	for (i = 0; i < MIX_IDS; i++)
		rand_id(m->ids[i]);
	for (step = 0; step < 6000; step++)
	{
		now += rng() % (GOOD / 40);
		mix_step(m, now);
		if (step % 10 == 0)
		{
			uint64_t	later = now + rng() % (GOOD / 4);

			mix_snapshot(m);
			CHECKF(m->ncur <= 120, "step %d count %zu", step, m->ncur);
			mix_check_stats(m, later, step);
			mix_check_closest(m, step);
			mix_check_lists(m, later, step);
		}
	}
	routing_destroy(m->rt);
	free(m);
}

int
main(void)
{
	test_create();
	test_closest_brute();
	test_closest_ties();
	test_cap_all_good();
	test_eviction_order();
	test_replace();
	test_subnet_region();
	test_subnet_v6_and_total();
	test_subnet_private_exempt();
	test_addresses();
	test_liveness();
	test_questionable();
	test_samples();
	test_families();
	test_export();
	test_random_mix();
	return unit_summary("routing");
}
