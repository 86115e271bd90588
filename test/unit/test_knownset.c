/*
 * test_knownset.c
 *		Unit tests of knownset: the keyed Bloom filter of known info hashes.
 *
 * A table of create sizes (refusals, memory as documented); no false
 * negative over 1M random hashes; the false-positive rate measured with 1M
 * hashes never added, at the designed load and at 1.5x, 2x, 4x and 8x of
 * it, each within a factor of 2 of the theory the header documents (the
 * theory is computed here without libm); clear; count; different seeds
 * giving different false positives; no allocation after create.
 */
#include "knownset.h"
#include "unit.h"
#include "testutil.h"

#include <errno.h>
#include <stdint.h>

/* A random 20-byte hash from the generator state. */
static void
random_hash(uint64_t *state, uint8_t out[20])
{
	uint64_t	w[3];

	w[0] = testutil_splitmix(state);
	w[1] = testutil_splitmix(state);
	w[2] = testutil_splitmix(state);
	memcpy(out, w, 20);
}

/* x^e for an integer e, by squaring (the unit tests do not link libm). */
static double
power(double x, uint64_t e)
{
	double		r = 1.0;

	while (e > 0)
	{
		if (e & 1)
			r *= x;
		x *= x;
		e >>= 1;
	}
	return r;
}

/* The exact Bloom false-positive rate (1 - (1 - 1/m)^(kn))^k. */
static double
theory_fp(uint64_t m, uint64_t n, unsigned k)
{
	return power(1.0 - power(1.0 - 1.0 / (double) m, (uint64_t) k * n), k);
}

/* ---------------------------------------------------------------------- */

static void
test_create(void)
{
	static const struct
	{
		size_t		expected;
		int			ok;
	}			rows[] = {
		{0, 0},
		{1, 1},
		{3, 1},
		{4, 1},
		{1000, 1},
		{1000003, 1},
		{KNOWNSET_MAX_ENTRIES, 1},
		{KNOWNSET_MAX_ENTRIES + 1, 0},
		{SIZE_MAX / 16 + 1, 0},
		{SIZE_MAX, 0},
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
	{
		struct knownset *ks;
		size_t		bits = rows[i].expected * KNOWNSET_BITS_PER_ENTRY;
		size_t		array = (bits + 63) / 64 * 8;
		uint8_t		h[20];

		errno = 0;
		ks = knownset_create(rows[i].expected, 42);
		CHECKF((ks != NULL) == rows[i].ok, "row %zu", i);
		if (ks == NULL)
		{
			CHECKF(errno == EINVAL, "row %zu errno %d", i, errno);
			continue;
		}
		/* as documented: 2 bytes per entry in whole words, small header */
		CHECKF(knownset_memory(ks) >= array &&
			   knownset_memory(ks) <= array + 128,
			   "row %zu memory %zu", i, knownset_memory(ks));
		CHECKF(knownset_memory(ks) >= 2 * rows[i].expected, "row %zu", i);
		CHECKF(knownset_count(ks) == 0, "row %zu", i);
		testutil_hash_of(7, h);
		CHECKF(knownset_maybe_contains(ks, h) == 0, "row %zu", i);
		knownset_add(ks, h);
		CHECKF(knownset_maybe_contains(ks, h) == 1, "row %zu", i);
		CHECKF(knownset_count(ks) == 1, "row %zu", i);
		knownset_destroy(ks);
	}
	knownset_destroy(NULL);
}

/* The documented numbers follow from the constants. */
static void
test_theory(void)
{
	uint64_t	n = 1000000;
	uint64_t	m = n * KNOWNSET_BITS_PER_ENTRY;
	static const struct
	{
		unsigned	load_x2;	/* load factor x 2 */
		double		lo;
		double		hi;
	}			rows[] = {
		{2, 0.00045, 0.00047},	/* "0.046 %" */
		{3, 0.0077, 0.0079},	/* "0.78 %" */
		{4, 0.040, 0.041},		/* "4.1 %" */
		{8, 0.48, 0.49},		/* "48 %" */
		{16, 0.95, 0.96},		/* "96 %" */
	};

	CHECK(KNOWNSET_K == 11 && KNOWNSET_BITS_PER_ENTRY == 16);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
	{
		double		p = theory_fp(m, n * rows[i].load_x2 / 2, KNOWNSET_K);

		CHECKF(p >= rows[i].lo && p <= rows[i].hi, "row %zu p %g", i, p);
	}
}

/* 1M random hashes: every one is found again after all were added. */
static void
test_no_false_negatives(void)
{
	const size_t n = 1000000;
	struct knownset *ks = knownset_create(n, 0x1234);
	uint64_t	st = 99;
	size_t		missed = 0;
	uint8_t		h[20];

	CHECK(ks != NULL);
	if (ks == NULL)
		return;
	for (size_t i = 0; i < n; i++)
	{
		random_hash(&st, h);
		knownset_add(ks, h);
		/* found at once, too */
		if (i % 1000 == 0 && !knownset_maybe_contains(ks, h))
			missed++;
	}
	CHECK(knownset_count(ks) == n);
	st = 99;
	for (size_t i = 0; i < n; i++)
	{
		random_hash(&st, h);
		if (!knownset_maybe_contains(ks, h))
			missed++;
	}
	CHECKF(missed == 0, "%zu false negatives", missed);
	knownset_destroy(ks);
}

/*
 * False positives at the designed load and beyond: fill a set sized for n
 * with load x n hashes, ask 1M others; the rate is within 2x of theory
 * and rises with the load without reaching 100 %.
 */
static void
test_false_positives(void)
{
	const size_t n = 200000;
	const size_t queries = 1000000;
	static const unsigned loads_x2[] = {2, 3, 4, 8, 16};
	double		prev = -1.0;

	for (size_t i = 0; i < sizeof(loads_x2) / sizeof(loads_x2[0]); i++)
	{
		struct knownset *ks = knownset_create(n, 1000 + i);
		size_t		added = n * loads_x2[i] / 2;
		uint64_t	st = 5 + i;
		size_t		fp = 0;
		double		rate,
					theory;
		uint8_t		h[20];

		CHECK(ks != NULL);
		if (ks == NULL)
			return;
		for (size_t j = 0; j < added; j++)
		{
			random_hash(&st, h);
			knownset_add(ks, h);
		}
		st = 0xdeadbeef + i;	/* a different stream: never added */
		for (size_t j = 0; j < queries; j++)
		{
			random_hash(&st, h);
			fp += (size_t) knownset_maybe_contains(ks, h);
		}
		rate = (double) fp / (double) queries;
		theory = theory_fp((uint64_t) n * KNOWNSET_BITS_PER_ENTRY, added,
						   KNOWNSET_K);
		printf("knownset: load %.1fx: %zu false positives in %zu (%.4f %%, "
			   "theory %.4f %%)\n", loads_x2[i] / 2.0, fp, queries,
			   100 * rate, 100 * theory);
		CHECKF(rate <= 2 * theory && rate >= theory / 2,
			   "load %.1fx rate %g theory %g", loads_x2[i] / 2.0, rate, theory);
		CHECKF(rate > prev, "load %.1fx: rate %g not above %g",
			   loads_x2[i] / 2.0, rate, prev);
		CHECKF(fp < queries, "load %.1fx: everything matches", loads_x2[i] / 2.0);
		prev = rate;
		knownset_destroy(ks);
	}
}

/* Clear forgets everything and the set works again afterwards. */
static void
test_clear(void)
{
	struct knownset *ks = knownset_create(1000, 3);
	size_t		mem;
	size_t		left = 0,
				missed = 0;
	uint64_t	st = 1;
	uint8_t		h[20];

	CHECK(ks != NULL);
	if (ks == NULL)
		return;
	mem = knownset_memory(ks);
	for (uint32_t i = 0; i < 1000; i++)
	{
		testutil_hash_of(i, h);
		knownset_add(ks, h);
	}
	CHECK(knownset_count(ks) == 1000);
	knownset_clear(ks);
	CHECK(knownset_count(ks) == 0);
	CHECK(knownset_memory(ks) == mem);
	for (uint32_t i = 0; i < 1000; i++)
	{
		testutil_hash_of(i, h);
		left += (size_t) knownset_maybe_contains(ks, h);
	}
	CHECKF(left == 0, "%zu hashes survive clear", left);
	/* no bit survives: random hashes all miss */
	for (uint32_t i = 0; i < 10000; i++)
	{
		random_hash(&st, h);
		left += (size_t) knownset_maybe_contains(ks, h);
	}
	CHECKF(left == 0, "%zu random hashes match an empty set", left);
	for (uint32_t i = 500; i < 1500; i++)
	{
		testutil_hash_of(i, h);
		knownset_add(ks, h);
	}
	for (uint32_t i = 500; i < 1500; i++)
	{
		testutil_hash_of(i, h);
		missed += (size_t) !knownset_maybe_contains(ks, h);
	}
	CHECK(missed == 0);
	CHECK(knownset_count(ks) == 1000);
	knownset_destroy(ks);
}

/* count counts add calls, duplicates included; duplicates set no new bit. */
static void
test_count_duplicates(void)
{
	struct knownset *ks = knownset_create(100, 4);
	struct knownset *once = knownset_create(100, 4);
	size_t		diff = 0;
	uint64_t	st = 8;
	uint8_t		h[20];

	CHECK(ks != NULL && once != NULL);
	if (ks == NULL || once == NULL)
		return;
	for (uint32_t i = 0; i < 50; i++)
	{
		testutil_hash_of(i, h);
		knownset_add(ks, h);
		knownset_add(ks, h);
		knownset_add(once, h);
	}
	CHECK(knownset_count(ks) == 100);
	CHECK(knownset_count(once) == 50);
	/* same seed, same hashes: the same answers everywhere */
	for (uint32_t i = 0; i < 100000; i++)
	{
		random_hash(&st, h);
		diff += (size_t) (knownset_maybe_contains(ks, h) !=
						  knownset_maybe_contains(once, h));
	}
	CHECK(diff == 0);
	knownset_destroy(ks);
	knownset_destroy(once);
}

/*
 * The seed keys the positions: two sets with the same hashes and
 * different seeds have (almost) disjoint false positives; the same seed
 * gives the same ones.
 */
static void
test_seeds(void)
{
	const size_t n = 20000;
	struct knownset *a = knownset_create(n, 1);
	struct knownset *b = knownset_create(n, 2);
	struct knownset *c = knownset_create(n, 1);
	size_t		fa = 0,
				both = 0,
				same = 0;
	uint64_t	st = 77;
	uint8_t		h[20];

	CHECK(a != NULL && b != NULL && c != NULL);
	if (a == NULL || b == NULL || c == NULL)
		return;
	/* 2x load: ~4 % false positives, enough to compare */
	for (uint32_t i = 0; i < 2 * n; i++)
	{
		testutil_hash_of(i, h);
		knownset_add(a, h);
		knownset_add(b, h);
		knownset_add(c, h);
	}
	for (uint32_t i = 0; i < 200000; i++)
	{
		int			ia,
					ib;

		random_hash(&st, h);
		ia = knownset_maybe_contains(a, h);
		ib = knownset_maybe_contains(b, h);
		fa += (size_t) ia;
		both += (size_t) (ia && ib);
		same += (size_t) (ia == knownset_maybe_contains(c, h));
	}
	CHECKF(fa > 4000, "fa %zu", fa);
	/* independent sets: P(both) ~ p^2 = 0.16 %, far below p = 4 % */
	CHECKF(both * 10 < fa, "both %zu of %zu", both, fa);
	CHECK(same == 200000);
	knownset_destroy(a);
	knownset_destroy(b);
	knownset_destroy(c);
}

/* No allocation after create: the heap does not move over many calls. */
static void
test_no_allocation(void)
{
	struct knownset *ks = knownset_create(10000, 9);
	size_t		before;
	size_t		hits = 0;
	uint64_t	st = 3;
	uint8_t		h[20];

	CHECK(ks != NULL);
	if (ks == NULL)
		return;
	before = HEAP_BYTES();
	for (uint32_t i = 0; i < 100000; i++)
	{
		random_hash(&st, h);
		if (i % 2)
			knownset_add(ks, h);
		else
			hits += (size_t) knownset_maybe_contains(ks, h);
		if (i == 50000)
			knownset_clear(ks);
	}
	CHECK(HEAP_BYTES() == before);
	CHECK(hits < 100000);
	knownset_destroy(ks);
}

int
main(void)
{
	test_create();
	test_theory();
	test_no_false_negatives();
	test_false_positives();
	test_clear();
	test_count_duplicates();
	test_seeds();
	test_no_allocation();
	return unit_summary("knownset");
}
