/*
 * simtable.c
 *		Per-node Kademlia tables from the sorted id population (simtable.h).
 */
#include <stdlib.h>
#include <string.h>

#include "simtable.h"
#include "splitmix.h"

/* qsort has no context argument: the ids being sorted */
static const uint8_t (*sort_ids)[20];

static int
cmp_by_id(const void *a, const void *b)
{
	return memcmp(sort_ids[*(const uint32_t *) a],
				  sort_ids[*(const uint32_t *) b], 20);
}

int
simtable_cmp_dist(const uint8_t *key, const uint8_t *a, const uint8_t *b)
{
	int			i;

	for (i = 0; i < 20; i++)
	{
		uint8_t		da = a[i] ^ key[i],
					db = b[i] ^ key[i];

		if (da != db)
			return da < db ? -1 : 1;
	}
	return 0;
}

/* Number of leading bits a and b share (160 if equal) */
static int
common_prefix(const uint8_t *a, const uint8_t *b)
{
	int			i;

	for (i = 0; i < 20; i++)
		if (a[i] != b[i])
			return i * 8 + __builtin_clz((unsigned) (a[i] ^ b[i])) - 24;
	return 160;
}

/*
 * First position in the order, within [lo, hi), whose id shares fewer than
 * b bits with key and lies after it (ids sharing >= b bits with key form a
 * contiguous run); binary search on "shares >= b bits or sorts before".
 */
static uint32_t
run_end(const struct simtable *t, const uint8_t *key, int b, uint32_t lo,
		uint32_t hi)
{
	while (lo < hi)
	{
		uint32_t	mid = lo + (hi - lo) / 2;
		const uint8_t *m = t->id[t->order[mid]];

		if (common_prefix(m, key) >= b || memcmp(m, key, 20) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* First position within [lo, hi) whose id shares >= b bits with key */
static uint32_t
run_start(const struct simtable *t, const uint8_t *key, int b, uint32_t lo,
		  uint32_t hi)
{
	while (lo < hi)
	{
		uint32_t	mid = lo + (hi - lo) / 2;
		const uint8_t *m = t->id[t->order[mid]];

		if (common_prefix(m, key) < b && memcmp(m, key, 20) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * Append node's buckets to out (room for 160 * K): for each prefix length
 * b, the nodes sharing exactly b bits are the run for b minus the run for
 * b + 1, which lies on one side; K of them are drawn at random.
 */
static size_t
fill_buckets(const struct simtable *t, uint32_t node, uint64_t *rng,
			 uint32_t *out)
{
	const uint8_t *me = t->id[node];
	uint32_t	lo = 0,
				hi = t->n;
	size_t		n = 0;
	int			b;

	for (b = 0; b < 160 && hi - lo > 1; b++)
	{
		uint32_t	nlo = run_start(t, me, b + 1, lo, hi);
		uint32_t	nhi = run_end(t, me, b + 1, nlo, hi);
		/* the exact-b run: [lo, nlo) or [nhi, hi), never both */
		uint32_t	s = nlo > lo ? lo : nhi;
		uint32_t	e = nlo > lo ? nlo : hi;
		uint32_t	cnt = e - s;
		uint32_t	k;

		for (k = 0; k < SIMTABLE_K && k < cnt; k++)
		{
			uint32_t	pick = cnt <= SIMTABLE_K ? k :
				(uint32_t) (splitmix64_next(rng) % cnt);

			out[n++] = t->order[s + pick];
		}
		lo = nlo;
		hi = nhi;
	}
	return n;
}

int
simtable_build(struct simtable *t, const uint8_t (*id)[20], uint32_t n,
			   uint64_t seed)
{
	uint32_t   *scratch = malloc(160 * SIMTABLE_K * sizeof(uint32_t));
	size_t		cap = (size_t) n * 16 * SIMTABLE_K,
				used = 0;
	uint32_t	i;

	memset(t, 0, sizeof(*t));
	t->n = n;
	t->id = id;
	t->order = malloc(n * sizeof(uint32_t));
	t->off = malloc((n + 1) * sizeof(uint32_t));
	t->entries = malloc(cap * sizeof(uint32_t));
	if (scratch == NULL || t->order == NULL || t->off == NULL || t->entries == NULL)
		goto fail;
	for (i = 0; i < n; i++)
		t->order[i] = i;
	sort_ids = id;
	qsort(t->order, n, sizeof(uint32_t), cmp_by_id);
	for (i = 0; i < n; i++)
	{
		uint64_t	rng = seed ^ ((uint64_t) i * 0xD1B54A32D192ED03ULL);
		size_t		got = fill_buckets(t, i, &rng, scratch);

		if (used + got > cap)
		{
			uint32_t   *more;

			cap = (used + got) * 2;
			more = realloc(t->entries, cap * sizeof(uint32_t));
			if (more == NULL)
				goto fail;
			t->entries = more;
		}
		t->off[i] = (uint32_t) used;
		memcpy(t->entries + used, scratch, got * sizeof(uint32_t));
		used += got;
	}
	t->off[n] = (uint32_t) used;
	free(scratch);
	return 0;
fail:
	free(scratch);
	simtable_free(t);
	return -1;
}

void
simtable_free(struct simtable *t)
{
	free(t->order);
	free(t->off);
	free(t->entries);
	memset(t, 0, sizeof(*t));
}

/* Insert node into the sorted (by distance to key) list out[0..*n), cap k */
static void
keep_closest(const struct simtable *t, const uint8_t *key, uint32_t node,
			 uint32_t *out, size_t *n, size_t k)
{
	size_t		pos = *n;

	while (pos > 0 && simtable_cmp_dist(key, t->id[node], t->id[out[pos - 1]]) < 0)
		pos--;
	if (pos >= k)
		return;
	if (*n < k)
		(*n)++;
	memmove(out + pos + 1, out + pos, (*n - 1 - pos) * sizeof(uint32_t));
	out[pos] = node;
}

size_t
simtable_global_closest(const struct simtable *t, const uint8_t key[20],
						uint32_t *out, size_t k)
{
	uint32_t	lo = 0,
				hi = t->n,
				s,
				e,
				i;
	size_t		n = 0;

	while (lo < hi)
	{
		uint32_t	mid = lo + (hi - lo) / 2;

		if (memcmp(t->id[t->order[mid]], key, 20) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	s = lo > SIMTABLE_WINDOW ? lo - SIMTABLE_WINDOW : 0;
	e = lo + SIMTABLE_WINDOW < t->n ? lo + SIMTABLE_WINDOW : t->n;
	if (k > SIMTABLE_K)
		k = SIMTABLE_K;
	for (i = s; i < e; i++)
		keep_closest(t, key, t->order[i], out, &n, k);
	return n;
}

const uint32_t *
simtable_entries(const struct simtable *t, uint32_t node, size_t *n)
{
	*n = t->off[node + 1] - t->off[node];
	return t->entries + t->off[node];
}
