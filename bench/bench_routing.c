/*
 * bench_routing.c
 *		Routing table at scale: fill, closest-k, brute-force baseline, memory.
 *
 * Fills a table of N nodes (default 1,000,000; random IDs, distinct public
 * addresses, each in its own /24 so that every insert is accepted), then
 * measures:
 *	(a) inserts/s while filling, and inserts/s into the full table once
 *		every node is questionable (each insert evicts one);
 *	(b) routing_closest(k = 8) per call over T random targets (default
 *		100,000);
 *	(c) a brute-force linear scan for the 8 closest over the same IDs, on
 *		B targets (default 200; a scan of 1M IDs costs milliseconds), whose
 *		results must equal routing_closest()'s, and the ratio (c)/(b);
 *	(d) bytes per node: routing_memory_size() / N, and the RSS growth over
 *		create + fill from /proc/self/statm.
 *
 * Usage: bench_routing [N [T [B]]].  Deterministic (fixed xorshift seed).
 * Build and results: bench/README.md.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "routing.h"

static uint64_t rng_state = UINT64_C(0x2545F4914F6CDD1D);

static uint64_t
rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * UINT64_C(2685821657736338717);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

/* Resident set size in bytes (second field of /proc/self/statm). */
static size_t
rss_bytes(void)
{
	FILE	   *f = fopen("/proc/self/statm", "r");
	unsigned long size = 0,
				resident = 0;

	if (f == NULL)
		return 0;
	if (fscanf(f, "%lu %lu", &size, &resident) != 2)
		resident = 0;
	fclose(f);
	return (size_t) resident * (size_t) sysconf(_SC_PAGESIZE);
}

static void
rand_id(uint8_t *id)
{
	uint64_t	a = rng(),
				b = rng(),
				c = rng();

	memcpy(id, &a, 8);
	memcpy(id + 8, &b, 8);
	memcpy(id + 16, &c, 4);
}

/*
 * Node i's address: /24 number s = i * odd mod 2^22 (a permutation, so
 * every node has its own /24) in 20.0.0.0 - 83.255.255.255, all public.
 */
static struct netaddr
node_addr(size_t i)
{
	struct netaddr a;
	uint32_t	s = (uint32_t) ((i * UINT64_C(2654435761)) & ((1u << 22) - 1));

	memset(&a, 0, sizeof(a));
	a.family = AF_INET;
	a.ip[0] = (uint8_t) (20 + (s >> 16));
	a.ip[1] = (uint8_t) (s >> 8);
	a.ip[2] = (uint8_t) s;
	a.ip[3] = (uint8_t) (1 + rng() % 254);
	a.port = (uint16_t) (1024 + rng() % 64000);
	return a;
}

static uint64_t
be64(const uint8_t *p)
{
	uint64_t	v = 0;
	int			i;

	for (i = 0; i < 8; i++)
		v = (v << 8) | p[i];
	return v;
}

/* XOR distance order of a and b from t: <0 if a is closer. */
static int
xor_cmp(const uint8_t *t, const uint8_t *a, const uint8_t *b)
{
	int			i;

	for (i = 0; i < 20; i++)
	{
		uint8_t		da = a[i] ^ t[i],
					db = b[i] ^ t[i];

		if (da != db)
			return da < db ? -1 : 1;
	}
	return 0;
}

/*
 * The k closest of n IDs to t by a linear scan: a 64-bit prefix distance
 * rejects almost every ID with one compare; survivors go into a sorted
 * array of k.  Returns the count, indices in best[].
 */
static size_t
brute_closest(const uint8_t (*ids)[20], size_t n, const uint8_t *t, size_t k,
			  size_t *best)
{
	uint64_t	tp = be64(t),
				worst = UINT64_MAX;
	size_t		m = 0,
				i;

	for (i = 0; i < n; i++)
	{
		uint64_t	d = be64(ids[i]) ^ tp;
		size_t		j;

		if (m == k && (d > worst ||
					   (d == worst && xor_cmp(t, ids[i], ids[best[m - 1]]) >= 0)))
			continue;
		j = m < k ? m++ : m - 1;
		while (j > 0 && xor_cmp(t, ids[i], ids[best[j - 1]]) < 0)
		{
			best[j] = best[j - 1];
			j--;
		}
		best[j] = i;
		if (m == k)
			worst = be64(ids[best[m - 1]]) ^ tp;
	}
	return m;
}

struct args
{
	size_t		n;
	size_t		targets;
	size_t		brute;
};

static void
parse_args(int argc, char **argv, struct args *a)
{
	a->n = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000;
	a->targets = argc > 2 ? strtoul(argv[2], NULL, 10) : 100000;
	a->brute = argc > 3 ? strtoul(argv[3], NULL, 10) : 200;
	if (a->n == 0 || a->targets == 0 || a->brute == 0)
	{
		fprintf(stderr, "usage: bench_routing [N [T [B]]] (all > 0)\n");
		exit(2);
	}
}

/* (b): routing_closest over many targets; returns seconds per call. */
static double
bench_closest(const struct routing *rt, size_t targets, size_t *returned)
{
	struct routing_node out[ROUTING_K];
	uint8_t		t[20];
	double		t0 = now_s();
	size_t		i;

	*returned = 0;
	for (i = 0; i < targets; i++)
	{
		rand_id(t);
		*returned += routing_closest(rt, t, AF_INET, ROUTING_K, out);
	}
	return (now_s() - t0) / (double) targets;
}

/* (c): brute force on b targets, checked against routing_closest. */
static double
bench_brute(const struct routing *rt, const uint8_t (*ids)[20], size_t n,
			size_t b, size_t *mismatches)
{
	struct routing_node out[ROUTING_K];
	size_t		best[ROUTING_K];
	uint8_t		t[20];
	double		spent = 0;
	size_t		i,
				j;

	*mismatches = 0;
	for (i = 0; i < b; i++)
	{
		double		t0;
		size_t		m,
					got;

		rand_id(t);
		t0 = now_s();
		m = brute_closest(ids, n, t, ROUTING_K, best);
		spent += now_s() - t0;
		got = routing_closest(rt, t, AF_INET, ROUTING_K, out);
		if (got != m)
			(*mismatches)++;
		else
			for (j = 0; j < m; j++)
				if (memcmp(out[j].id, ids[best[j]], 20) != 0)
				{
					(*mismatches)++;
					break;
				}
	}
	return spent / (double) b;
}

/*
 * (a'): inserts into the full table when every entry is questionable.  The
 * first call at the later time moves the table's questionable boundary
 * over all N entries (each entry crosses it once per staleness; in a live
 * table that cost is spread over time): timed apart into *catchup_s.
 */
static double
bench_evicting(struct routing *rt, size_t n, size_t count, uint64_t now,
			   double *catchup_s)
{
	struct netaddr none;
	uint8_t		id[20];
	double		t0;
	size_t		i,
				ok = 0;

	memset(&none, 0, sizeof(none));
	none.family = AF_INET;
	t0 = now_s();
	routing_on_sent(rt, &none, now);
	*catchup_s = now_s() - t0;
	t0 = now_s();
	for (i = 0; i < count; i++)
	{
		struct netaddr a = node_addr(n + i);

		rand_id(id);
		ok += routing_on_reply(rt, id, &a, 0, now) == ROUTING_ADDED;
	}
	if (ok != count)
		fprintf(stderr, "warning: %zu of %zu evicting inserts refused\n",
				count - ok, count);
	return (double) count / (now_s() - t0);
}

int
main(int argc, char **argv)
{
	struct args a;
	struct routing_config cfg;
	struct routing *rt;
	uint8_t		(*ids)[20];
	struct netaddr *addrs;
	size_t		rss0,
				rss1,
				rss2,
				i,
				added = 0,
				returned,
				mism,
				nevict;
	double		t0,
				fill_s,
				per_closest,
				per_brute,
				evict_rate,
				catchup;

	parse_args(argc, argv, &a);
	if (a.n > (size_t) 1 << 22)
	{
		fprintf(stderr, "N at most %u (one /24 each)\n", 1u << 22);
		return 2;
	}
	ids = malloc(a.n * sizeof(*ids));
	addrs = malloc(a.n * sizeof(*addrs));
	if (ids == NULL || addrs == NULL)
		return 1;
	for (i = 0; i < a.n; i++)
	{
		rand_id(ids[i]);
		addrs[i] = node_addr(i);
	}
	memset(&cfg, 0, sizeof(cfg));
	cfg.max_nodes = a.n;
	cfg.hash_seed = rng();
	rss0 = rss_bytes();
	rt = routing_create(&cfg);
	if (rt == NULL)
		return 1;
	rss1 = rss_bytes();
	t0 = now_s();
	for (i = 0; i < a.n; i++)
		added += routing_on_reply(rt, ids[i], &addrs[i], 0, 1000) == ROUTING_ADDED;
	fill_s = now_s() - t0;
	rss2 = rss_bytes();
	if (added != a.n)
		fprintf(stderr, "warning: only %zu of %zu added\n", added, a.n);

	per_closest = bench_closest(rt, a.targets, &returned);
	per_brute = bench_brute(rt, (const uint8_t (*)[20]) ids, a.n, a.brute, &mism);
	nevict = a.n / 10 < 100000 ? a.n / 10 + 1 : 100000;
	evict_rate = bench_evicting(rt, a.n, nevict, 1000 + 2 * (uint64_t) ROUTING_GOOD_MS,
								&catchup);

	printf("nodes                      %zu (added %zu)\n", a.n, added);
	printf("(a) fill inserts/s         %.0f (%.3f s, %.2f us/insert)\n",
		   (double) a.n / fill_s, fill_s, fill_s * 1e6 / (double) a.n);
	printf("(a) evicting inserts/s     %.0f (%zu inserts into the full table; "
		   "boundary catch-up %.1f ms once)\n", evict_rate, nevict, catchup * 1e3);
	printf("(b) closest k=8            %.3f us/call over %zu targets (%.2f nodes/call)\n",
		   per_closest * 1e6, a.targets, (double) returned / (double) a.targets);
	printf("(c) brute-force k=8        %.3f us/call over %zu targets, %zu mismatches\n",
		   per_brute * 1e6, a.brute, mism);
	printf("    ratio brute/closest    %.0fx\n", per_brute / per_closest);
	printf("(d) table bytes/node       %.1f (routing_memory_size %zu bytes)\n",
		   (double) routing_memory_size(rt) / (double) a.n, routing_memory_size(rt));
	printf("    RSS growth bytes/node  %.1f (create %+.1f MB, fill %+.1f MB)\n",
		   (double) (rss2 - rss0) / (double) a.n,
		   (double) (rss1 - rss0) / 1048576.0, (double) (rss2 - rss1) / 1048576.0);
	routing_destroy(rt);
	free(ids);
	free(addrs);
	return mism == 0 && added == a.n ? 0 : 1;
}
