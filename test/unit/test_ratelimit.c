/*
 * test_ratelimit.c
 *		Unit tests for extension/core/ratelimit.c: global and per-IP token
 *		buckets.
 *
 * The central property: for one IP with rate R and burst B, the passes in
 * any window of T ms number at most B + R * T / 1000 (globally likewise).
 * A randomized schedule of 100,000 attempts across 1,000 IPv4 and IPv6
 * addresses is checked with sliding windows of fixed lengths and with an
 * all-pairs check (every window that starts and ends at a pass).  Around
 * it: exact refill arithmetic, drops that take nothing, LRU recycling of a
 * full table against a reference model, address keys, rate changes and a
 * clock that goes backwards.  Addresses are built from bytes.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "ratelimit.h"
#include "unit.h"
#include "testutil.h"

/* A deterministic generator (splitmix64). */
static uint64_t rng_state;

static uint64_t
rng_next(void)
{
	return testutil_splitmix(&rng_state);
}

static struct netaddr
v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	return testutil_ip4(a, b, c, d, 6881);
}

/* 2001:0db8::i (documentation prefix; only ever a table key here). */
static struct netaddr
v6(uint32_t i)
{
	struct netaddr n;

	memset(&n, 0, sizeof(n));
	n.family = AF_INET6;
	n.ip[0] = 0x20;
	n.ip[1] = 0x01;
	n.ip[2] = 0x0d;
	n.ip[3] = 0xb8;
	n.ip[13] = (uint8_t) (i >> 16);
	n.ip[14] = (uint8_t) (i >> 8);
	n.ip[15] = (uint8_t) i;
	n.port = 6881;
	return n;
}

/* The i-th test address: even i IPv4 (10/8), odd i IPv6. */
static struct netaddr
addr_n(uint32_t i)
{
	if (i % 2 == 0)
		return v4(10, (uint8_t) (i >> 16), (uint8_t) (i >> 8), (uint8_t) i);
	return v6(i);
}

static struct ratelimit *
make(size_t max_ips, double ip_rate, double ip_burst,
	 double g_rate, double g_burst)
{
	struct ratelimit_config cfg;

	cfg.max_ips = max_ips;
	cfg.per_ip_rate = ip_rate;
	cfg.per_ip_burst = ip_burst;
	cfg.global_rate = g_rate;
	cfg.global_burst = g_burst;
	cfg.seed = 0x5eed5eed12345678ULL;
	return ratelimit_create(&cfg);
}

struct config_case
{
	size_t		max_ips;
	double		ip_rate,
				ip_burst,
				g_rate,
				g_burst;
	int			expect;
};

static const struct config_case config_cases[] = {
	{16, 4, 4, 10000, 10000, RATELIMIT_OK},
	{1, 0.001, 1, 0.001, 1, RATELIMIT_OK},
	{RATELIMIT_MAX_IPS, 1e7, 1e7, 1e7, 1e7, RATELIMIT_OK},
	{0, 4, 4, 10000, 10000, RATELIMIT_ERR_MAX_IPS},
	{RATELIMIT_MAX_IPS + 1, 4, 4, 10000, 10000, RATELIMIT_ERR_MAX_IPS},
	{16, 0, 4, 10000, 10000, RATELIMIT_ERR_RATE},
	{16, -1, 4, 10000, 10000, RATELIMIT_ERR_RATE},
	{16, 0.0009, 4, 10000, 10000, RATELIMIT_ERR_RATE},
	{16, 4, 4, 1.0001e7, 10000, RATELIMIT_ERR_RATE},
	{16, NAN, 4, 10000, 10000, RATELIMIT_ERR_RATE},
	{16, 4, 4, INFINITY, 10000, RATELIMIT_ERR_RATE},
	{16, 4, 0.999, 10000, 10000, RATELIMIT_ERR_BURST},
	{16, 4, 0, 10000, 10000, RATELIMIT_ERR_BURST},
	{16, 4, 4, 10000, NAN, RATELIMIT_ERR_BURST},
	{16, 4, 4, 10000, 1.0001e7, RATELIMIT_ERR_BURST},
	{16, 4, -INFINITY, 10000, 10000, RATELIMIT_ERR_BURST},
};

static void
test_config(void)
{
	size_t		i;

	for (i = 0; i < sizeof(config_cases) / sizeof(config_cases[0]); i++)
	{
		const struct config_case *c = &config_cases[i];
		struct ratelimit_config cfg = {c->max_ips, c->ip_rate, c->ip_burst,
		c->g_rate, c->g_burst, 1};
		struct ratelimit *rl;

		CHECKF(ratelimit_check_config(&cfg) == c->expect, "case %zu", i);
		if (c->max_ips > 1024)
			continue;			/* do not allocate the largest table */
		rl = ratelimit_create(&cfg);
		CHECKF((rl != NULL) == (c->expect == RATELIMIT_OK), "create %zu", i);
		ratelimit_destroy(rl);
	}
	CHECK(strcmp(ratelimit_strerror(RATELIMIT_ERR_RATE),
				 ratelimit_strerror(RATELIMIT_ERR_BURST)) != 0);
	CHECK(strcmp(ratelimit_strerror(-99), "unknown ratelimit error") == 0);
	ratelimit_destroy(NULL);
}

/* One step of a scripted scenario: take (or peek) at t, expected result. */
struct step
{
	uint64_t	t;
	uint32_t	ip;				/* addr_n(ip) */
	int			expect;			/* a verdict, or for peeks 0/1 */
	int			peek;			/* 1: ratelimit_would_pass */
};

static void
run_steps(struct ratelimit *rl, const struct step *s, size_t n,
		  const char *name)
{
	size_t		i;

	for (i = 0; i < n; i++)
	{
		struct netaddr a = addr_n(s[i].ip);
		int			got;

		if (s[i].peek)
			got = ratelimit_would_pass(rl, &a, s[i].t);
		else
			got = (int) ratelimit_take(rl, &a, s[i].t);
		CHECKF(got == s[i].expect, "%s step %zu: got %d", name, i, got);
	}
}

#define PASS RATELIMIT_PASS
#define DIP RATELIMIT_DROP_IP
#define DGL RATELIMIT_DROP_GLOBAL

/* Rate 1/s, burst 3: the burst, then one packet per 1000 ms, exactly. */
static const struct step basic_steps[] = {
	{1000, 0, PASS, 0}, {1000, 0, PASS, 0}, {1000, 0, PASS, 0},
	{1000, 0, DIP, 0}, {1000, 0, 0, 1}, {1999, 0, 0, 1}, {2000, 0, 1, 1},
	{1999, 0, DIP, 0}, {2000, 0, PASS, 0}, {2000, 0, DIP, 0},
	{2999, 0, DIP, 0}, {3000, 0, PASS, 0},
	{1000, 2, PASS, 0},			/* another IP has its own bucket */
	{8000, 0, PASS, 0}, {8000, 0, PASS, 0}, {8000, 0, PASS, 0},
	{8000, 0, DIP, 0},			/* idle 5 s: refilled to 3, not more */
};

/* Rate 2.5/s, burst 1.5: fractions are exact (0.5 + 200 ms = 1 token). */
static const struct step fraction_steps[] = {
	{0, 0, PASS, 0}, {0, 0, DIP, 0}, {199, 0, DIP, 0}, {200, 0, PASS, 0},
	{200, 0, DIP, 0}, {599, 0, DIP, 0}, {600, 0, PASS, 0},
	{10000, 0, PASS, 0}, {10000, 0, DIP, 0}, {10200, 0, PASS, 0},
};

/*
 * Per IP: burst 2, rate 0.001/s (no refill within the test); global: burst
 * 1, 1/ms.  A global drop takes nothing from the IP and inserts nothing.
 */
static const struct step global_steps[] = {
	{0, 0, PASS, 0},			/* global now empty */
	{0, 2, DGL, 0}, {0, 2, DGL, 0}, {0, 2, DGL, 0},
	{1, 4, PASS, 0},			/* IP 4 keeps 1 token */
	{1, 4, DGL, 0}, {1, 4, DGL, 0}, {1, 4, 0, 1},
	{2, 4, 1, 1}, {2, 4, PASS, 0}, {3, 4, DIP, 0},
	{4, 2, PASS, 0}, {5, 2, PASS, 0}, {6, 2, DIP, 0},	/* full burst */
	{6, 0, PASS, 0}, {6, 0, DIP, 0},	/* IP checked first */
};

static void
test_scripted(void)
{
	struct ratelimit *rl;
	struct ratelimit_stats st;

	rl = make(16, 1, 3, 1e6, 1e6);
	run_steps(rl, basic_steps, sizeof(basic_steps) / sizeof(basic_steps[0]),
			  "basic");
	ratelimit_stats(rl, &st);
	CHECK(st.passed == 9 && st.dropped_ip == 5 && st.dropped_global == 0);
	CHECK(st.tracked == 2 && st.evicted_active == 0);
	ratelimit_destroy(rl);

	rl = make(16, 2.5, 1.5, 1e6, 1e6);
	run_steps(rl, fraction_steps,
			  sizeof(fraction_steps) / sizeof(fraction_steps[0]), "fraction");
	ratelimit_destroy(rl);

	rl = make(16, 0.001, 2, 1000, 1);
	run_steps(rl, global_steps,
			  sizeof(global_steps) / sizeof(global_steps[0]), "global");
	ratelimit_stats(rl, &st);
	CHECK(st.passed == 6 && st.dropped_global == 5 && st.dropped_ip == 3);
	CHECK(st.tracked == 3);
	ratelimit_destroy(rl);
}

/* One IP trying every ms for 60 s at 4/s, burst 4: exactly 4 + 240 pass. */
static void
test_saturation(void)
{
	struct ratelimit *rl = make(4, 4, 4, 1e6, 1e6);
	struct netaddr a = v4(10, 0, 0, 1);
	uint64_t	t;
	int			passed = 0;

	for (t = 0; t <= 60000; t++)
		passed += ratelimit_take(rl, &a, t) == RATELIMIT_PASS;
	CHECKF(passed == 244, "passed %d", passed);
	ratelimit_destroy(rl);
}

/* The randomized schedule: attempts, addresses, and what passed. */
#define SCHED_ATTEMPTS 100000
#define SCHED_IPS 1000
#define SCHED_HOT 3

static uint32_t pass_ip[SCHED_ATTEMPTS];
static uint64_t pass_t[SCHED_ATTEMPTS];
static uint64_t by_ip_t[SCHED_ATTEMPTS];	/* pass times grouped by IP */
static uint32_t by_ip_start[SCHED_IPS + 1];

/*
 * The most passes in any window [t, t + T] of the sorted times p[0..n);
 * the caller compares it with burst + rate * T / 1000.
 */
static size_t
max_in_window(const uint64_t *p, size_t n, uint64_t T)
{
	size_t		i,
				j = 0,
				best = 0;

	for (i = 0; i < n; i++)
	{
		if (j < i)
			j = i;
		while (j < n && p[j] <= p[i] + T)
			j++;
		if (j - i > best)
			best = j - i;
	}
	return best;
}

/*
 * Every window from one pass to a later one: with f(k) = k - rate * t_k /
 * 1000, passes i..j number j - i + 1 <= burst + rate * (t_j - t_i) / 1000
 * iff f(j) - f(i) + 1 <= burst, so the running minimum of f suffices.
 * Returns the largest f(j) - min f(i) + 1 (compare with burst).
 */
static double
max_pairs_excess(const uint64_t *p, size_t n, double rate)
{
	double		minf = 0,
				worst = 0;
	size_t		k;

	for (k = 0; k < n; k++)
	{
		double		f = (double) k - rate * (double) p[k] / 1000.0;

		if (k == 0 || f < minf)
			minf = f;
		if (f - minf + 1 > worst)
			worst = f - minf + 1;
	}
	return worst;
}

/* Windows checked with max_in_window, in ms. */
static const uint64_t windows[] = {0, 1, 10, 100, 250, 399, 400, 999, 1000,
5000, 60000};

/* Check one sorted pass list against burst + rate * T / 1000. */
static void
check_windows(const uint64_t *p, size_t n, double rate, double burst,
			  const char *what, uint32_t ip, int *bad)
{
	size_t		w;
	const double eps = 1e-9;

	for (w = 0; w < sizeof(windows) / sizeof(windows[0]); w++)
	{
		size_t		m = max_in_window(p, n, windows[w]);

		if ((double) m > burst + rate * (double) windows[w] / 1000.0 + eps)
		{
			if (*bad == 0)
				fprintf(stderr, "%s ip %u: %zu passes in %llu ms\n", what, ip,
						m, (unsigned long long) windows[w]);
			(*bad)++;
		}
	}
	if (max_pairs_excess(p, n, rate) > burst + eps)
	{
		if (*bad == 0)
			fprintf(stderr, "%s ip %u: all-pairs excess %.6f > %.6f\n", what,
					ip, max_pairs_excess(p, n, rate), burst);
		(*bad)++;
	}
}

/*
 * Run the randomized schedule and check the per-IP and global bounds.
 * Half the attempts go to SCHED_HOT addresses (far above any per-IP rate
 * here), half spread over all; time moves 0-2 ms per attempt, with rare
 * 5 s pauses after which buckets are full again.  Each take is preceded by
 * would_pass, which must predict it.
 */
static void
run_schedule(const char *name, double ip_rate, double ip_burst,
			 double g_rate, double g_burst, uint64_t seed)
{
	struct ratelimit *rl = make(SCHED_IPS, ip_rate, ip_burst, g_rate, g_burst);
	struct ratelimit_stats st;
	uint64_t	t = 1;
	size_t		npass = 0,
				k;
	uint32_t	i;
	int			mispredict = 0,
				bad_ip = 0,
				bad_global = 0;

	rng_state = seed;
	memset(by_ip_start, 0, sizeof(by_ip_start));
	for (k = 0; k < SCHED_ATTEMPTS; k++)
	{
		uint64_t	r = rng_next();
		uint32_t	ip = (r & 1) ? (uint32_t) ((r >> 1) % SCHED_HOT) :
			(uint32_t) ((r >> 1) % SCHED_IPS);
		struct netaddr a = addr_n(ip);
		int			would;

		t += (r >> 40) % 3;
		if ((r >> 48) % 5000 == 0)
			t += 5000;
		a.port = (uint16_t) (r >> 24);	/* ports must not matter */
		would = ratelimit_would_pass(rl, &a, t);
		if (ratelimit_take(rl, &a, t) == RATELIMIT_PASS)
		{
			pass_ip[npass] = ip;
			pass_t[npass++] = t;
			mispredict += !would;
		}
		else
			mispredict += would;
	}
	ratelimit_stats(rl, &st);
	CHECKF(mispredict == 0, "%s: would_pass wrong %d times", name, mispredict);
	CHECKF(st.passed == npass &&
		   st.passed + st.dropped_ip + st.dropped_global == SCHED_ATTEMPTS,
		   "%s: counters", name);
	CHECKF(st.dropped_ip > 0, "%s: some per-IP drops", name);
	CHECKF(st.evicted_active == 0 && st.tracked <= SCHED_IPS,
		   "%s: no recycling", name);

	/* Group pass times by IP (counting sort keeps time order). */
	for (k = 0; k < npass; k++)
		by_ip_start[pass_ip[k] + 1]++;
	for (i = 0; i < SCHED_IPS; i++)
		by_ip_start[i + 1] += by_ip_start[i];
	{
		uint32_t	fill[SCHED_IPS];

		memcpy(fill, by_ip_start, sizeof(fill));
		for (k = 0; k < npass; k++)
			by_ip_t[fill[pass_ip[k]]++] = pass_t[k];
	}
	for (i = 0; i < SCHED_IPS; i++)
		check_windows(by_ip_t + by_ip_start[i],
					  by_ip_start[i + 1] - by_ip_start[i],
					  ip_rate, ip_burst, name, i, &bad_ip);
	CHECKF(bad_ip == 0, "%s: %d per-IP window violations", name, bad_ip);
	check_windows(pass_t, npass, g_rate, g_burst, name, UINT32_MAX,
				  &bad_global);
	CHECKF(bad_global == 0, "%s: %d global window violations", name,
		   bad_global);
	printf("schedule %s: %zu passes, %llu per-IP drops, %llu global drops\n",
		   name, npass, (unsigned long long) st.dropped_ip,
		   (unsigned long long) st.dropped_global);
	ratelimit_destroy(rl);
}

static void
test_schedules(void)
{
	struct ratelimit *rl;
	struct ratelimit_stats st;

	run_schedule("4/s burst 4", 4, 4, 1e6, 1e6, 1);
	run_schedule("2.5/s burst 1.5", 2.5, 1.5, 1e6, 1e6, 2);
	run_schedule("40/s burst 10", 40, 10, 1e6, 1e6, 3);
	run_schedule("4/s, global 300/s burst 20", 4, 4, 300, 20, 4);
	rl = make(SCHED_IPS, 4, 4, 300, 20);
	ratelimit_stats(rl, &st);
	CHECK(st.tracked == 0);
	ratelimit_destroy(rl);
}

/*
 * A table of 4 entries, burst 2, 1/s: recycling takes the least recently
 * used entry; recycling one that has not refilled counts evicted_active.
 */
static const struct step lru_steps[] = {
	{0, 1, PASS, 0}, {0, 2, PASS, 0}, {0, 3, PASS, 0}, {0, 4, PASS, 0},
	{0, 1, PASS, 0},			/* 1 empty and most recent: 2 3 4 1 */
	{0, 5, PASS, 0},			/* recycles 2 (1 token left): 3 4 1 5 */
	{0, 1, 0, 1},				/* 1 still tracked and empty */
	{0, 2, PASS, 0},			/* 2 starts afresh, recycles 3: 4 1 5 2 */
	{0, 2, PASS, 0}, {0, 2, DIP, 0},
	{0, 1, DIP, 0},				/* 4 5 2 1 */
	{5000, 6, PASS, 0},			/* recycles 4, refilled: not active */
	{5000, 7, PASS, 0},			/* recycles 5, refilled */
	{5000, 1, PASS, 0}, {5000, 1, PASS, 0}, {5000, 1, DIP, 0},
};

static void
test_lru(void)
{
	struct ratelimit *rl = make(4, 1, 2, 1e6, 1e6);
	struct ratelimit_stats st;

	run_steps(rl, lru_steps, 6, "lru");
	ratelimit_stats(rl, &st);
	CHECK(st.evicted_active == 1 && st.tracked == 4);
	run_steps(rl, lru_steps + 6, 5, "lru");
	ratelimit_stats(rl, &st);
	CHECK(st.evicted_active == 2 && st.tracked == 4);
	run_steps(rl, lru_steps + 11, sizeof(lru_steps) / sizeof(lru_steps[0]) - 11,
			  "lru");
	ratelimit_stats(rl, &st);
	CHECK(st.evicted_active == 2 && st.tracked == 4);
	ratelimit_destroy(rl);
}

/*
 * Recycling under churn against a reference LRU: burst 1 and no refill, so
 * a tracked IP is always refused and an untracked one passes (taking the
 * LRU entry).  Exercises probing and backward-shift deletion in small,
 * crowded indexes.
 */
static void
test_lru_model(size_t max_ips, uint32_t pool, uint64_t seed)
{
	struct ratelimit *rl = make(max_ips, 0.001, 1, 1e6, 1e6);
	struct ratelimit_stats st;
	uint32_t	model[64];		/* most recent first */
	size_t		n = 0,
				k,
				j;
	uint64_t	evictions = 0;
	int			wrong = 0;

	rng_state = seed;
	for (k = 0; k < 20000; k++)
	{
		uint32_t	ip = (uint32_t) (rng_next() % pool);
		struct netaddr a = addr_n(ip);
		int			tracked = 0;
		enum ratelimit_verdict v;

		for (j = 0; j < n; j++)
			if (model[j] == ip)
			{
				tracked = 1;
				break;
			}
		if (!tracked)
		{
			if (n == max_ips)
				evictions++;
			else
				n++;
			j = n - 1;
		}
		memmove(model + 1, model, j * sizeof(model[0]));
		model[0] = ip;
		v = ratelimit_take(rl, &a, 0);
		wrong += v != (tracked ? RATELIMIT_DROP_IP : RATELIMIT_PASS);
	}
	ratelimit_stats(rl, &st);
	CHECKF(wrong == 0, "lru model %zu/%u: %d wrong", max_ips, pool, wrong);
	CHECKF(st.evicted_active == evictions && st.tracked == n,
		   "lru model %zu/%u: evicted %llu of %llu, tracked %zu", max_ips,
		   pool, (unsigned long long) st.evicted_active,
		   (unsigned long long) evictions, st.tracked);
	ratelimit_destroy(rl);
}

/* Keys: family and address only; IPv4-mapped IPv6 is IPv4. */
static void
test_keys(void)
{
	struct ratelimit *rl = make(16, 0.001, 1, 1e6, 1e6);
	struct ratelimit_stats st;
	struct netaddr a = v4(1, 2, 3, 4),
				b;

	CHECK(ratelimit_take(rl, &a, 0) == RATELIMIT_PASS);
	b = a;
	b.port = 1;
	CHECK(ratelimit_take(rl, &b, 0) == RATELIMIT_DROP_IP);	/* port */
	b = a;
	b.ip[4] = 0xee;				/* bytes past an IPv4 address */
	b.ip[15] = 0xee;
	CHECK(ratelimit_take(rl, &b, 0) == RATELIMIT_DROP_IP);
	b = a;
	b.family = AF_INET6;		/* 0102:0304:: is another address */
	CHECK(ratelimit_take(rl, &b, 0) == RATELIMIT_PASS);
	CHECK(ratelimit_take(rl, &b, 0) == RATELIMIT_DROP_IP);
	memset(b.ip, 0, sizeof(b.ip));
	b.ip[10] = b.ip[11] = 0xff;
	memcpy(b.ip + 12, a.ip, 4);	/* ::ffff: plus a's four bytes */
	CHECK(ratelimit_take(rl, &b, 0) == RATELIMIT_DROP_IP);
	b.ip[15] ^= 1;
	CHECK(ratelimit_take(rl, &b, 0) == RATELIMIT_PASS);
	b.ip[10] = 0;				/* no longer mapped */
	CHECK(ratelimit_take(rl, &b, 0) == RATELIMIT_PASS);
	a = v6(7);
	b = v6(7);
	b.ip[15] ^= 0x80;
	CHECK(ratelimit_take(rl, &a, 0) == RATELIMIT_PASS);
	CHECK(ratelimit_take(rl, &b, 0) == RATELIMIT_PASS);
	CHECK(ratelimit_take(rl, &a, 0) == RATELIMIT_DROP_IP);
	ratelimit_stats(rl, &st);
	CHECK(st.tracked == 6);
	ratelimit_destroy(rl);
}

/* Per IP 1/s burst 4 at first; global large.  IP 0 unless noted. */
static const struct step rate_steps_a[] = {
	{0, 0, PASS, 0}, {0, 0, PASS, 0}, {0, 0, PASS, 0}, {0, 0, PASS, 0},
	{0, 0, DIP, 0},
};

/* After set_rates(10/s, burst 2): faster refill, lower cap. */
static const struct step rate_steps_b[] = {
	{99, 0, DIP, 0}, {100, 0, PASS, 0}, {100, 0, DIP, 0},
	{10000, 0, PASS, 0}, {10000, 0, PASS, 0}, {10000, 0, DIP, 0},
};

/* After an invalid set_rates (ignored): still 10/s. */
static const struct step rate_steps_c[] = {
	{10100, 0, PASS, 0}, {10100, 0, DIP, 0},
};

/* After set_rates(10/s burst 1, global 1/s burst 1) at a full bucket. */
static const struct step rate_steps_d[] = {
	{20000, 0, PASS, 0}, {20000, 0, DIP, 0}, {20000, 2, DGL, 0},
	{20999, 2, DGL, 0}, {21000, 2, PASS, 0},
};

static void
test_set_rates(void)
{
	struct ratelimit *rl = make(16, 1, 4, 1e6, 1e6);

	run_steps(rl, rate_steps_a, 5, "rates a");
	ratelimit_set_rates(rl, 10, 2, 1e6, 1e6);
	run_steps(rl, rate_steps_b, 6, "rates b");
	ratelimit_set_rates(rl, 0, 2, 1e6, 1e6);
	ratelimit_set_rates(rl, 1, 0.5, 1e6, 1e6);
	ratelimit_set_rates(rl, 1, 2, NAN, 1e6);
	run_steps(rl, rate_steps_c, 2, "rates c");
	ratelimit_set_rates(rl, 10, 1, 1, 1);
	run_steps(rl, rate_steps_d, 5, "rates d");
	ratelimit_destroy(rl);
}

/*
 * A clock that goes backwards refills nothing and does not move a
 * bucket's time back (else the return would refill twice).
 */
static const struct step back_steps[] = {
	{10000, 0, PASS, 0}, {10000, 0, PASS, 0}, {10000, 0, DIP, 0},
	{5000, 0, DIP, 0}, {5000, 0, 0, 1}, {10999, 0, DIP, 0},
	{11000, 0, PASS, 0},
	{0, 0, DIP, 0},
	{12000, 0, PASS, 0}, {12000, 0, DIP, 0},	/* 1 s since 11000, not 12 */
	{3000, 3, PASS, 0},			/* a new IP at an old time */
	{3000, 3, PASS, 0}, {3000, 3, DIP, 0}, {4000, 3, PASS, 0},
	{UINT64_MAX, 0, PASS, 0}, {UINT64_MAX, 0, PASS, 0},	/* no overflow */
	{UINT64_MAX, 0, DIP, 0},
};

static void
test_backwards(void)
{
	struct ratelimit *rl = make(16, 1, 2, 1e6, 1e6);

	run_steps(rl, back_steps, sizeof(back_steps) / sizeof(back_steps[0]),
			  "backwards");
	ratelimit_destroy(rl);
}

/* would_pass changes nothing: no counters, no entries, no tokens. */
static void
test_would_pass_pure(void)
{
	struct ratelimit *rl = make(2, 1, 1, 1e6, 1e6);
	struct ratelimit_stats st;
	struct netaddr a;
	uint32_t	i;

	for (i = 0; i < 100; i++)
	{
		a = addr_n(i);
		CHECK(ratelimit_would_pass(rl, &a, i));
	}
	ratelimit_stats(rl, &st);
	CHECK(st.passed == 0 && st.tracked == 0 && st.dropped_ip == 0);
	a = addr_n(0);
	CHECK(ratelimit_take(rl, &a, 0) == RATELIMIT_PASS);
	CHECK(!ratelimit_would_pass(rl, &a, 0));
	CHECK(!ratelimit_would_pass(rl, &a, 999));
	CHECK(ratelimit_would_pass(rl, &a, 1000));
	CHECK(ratelimit_take(rl, &a, 1000) == RATELIMIT_PASS);
	ratelimit_destroy(rl);
}

int
main(void)
{
	test_config();
	test_scripted();
	test_saturation();
	test_schedules();
	test_lru();
	test_lru_model(1, 3, 11);
	test_lru_model(4, 9, 12);
	test_lru_model(37, 60, 13);
	test_lru_model(64, 200, 14);
	test_keys();
	test_set_rates();
	test_backwards();
	test_would_pass_pure();
	return unit_summary("ratelimit");
}
