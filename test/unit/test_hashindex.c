/*
 * test_hashindex.c
 *		Unit tests of hashindex: the open-addressing index of 20-byte keys
 *		shared by peerstore and candidates.
 *
 * A table of caps for hashindex_memsize() and hashindex_init(); then, for
 * small caps (where every probe chain wraps and deletions shift clusters
 * back), a fixed-seed random run of insert, remove, move and find compared
 * after every step with a reference model that searches the entry array
 * linearly.
 */
#include "hashindex.h"
#include "unit.h"
#include "testutil.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The caller's entry, with the key not at offset 0 (as in peerstore). */
struct entry
{
	uint64_t	other;
	uint8_t		key[HASHINDEX_KEY_LEN];
	bool		used;			/* the model: is this slot indexed? */
};

#define MAX_CAP 9

static void
test_caps(void)
{
	static const struct
	{
		size_t		cap;
		size_t		bytes;		/* 8 per bucket, buckets >= 2 x cap */
	}			rows[] = {
		{0, 0},
		{1, 16},
		{2, 32},
		{3, 64},
		{4, 64},
		{5, 128},
		{HASHINDEX_MAX_SLOTS, (size_t) HASHINDEX_MAX_SLOTS * 16},
		{HASHINDEX_MAX_SLOTS + 1, 0},
	};
	uint64_t	mem[4];
	struct entry e[1];

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
	{
		struct hashindex hi;
		int			want = rows[i].bytes ? HASHINDEX_OK : HASHINDEX_ERR_CAP;

		CHECKF(hashindex_memsize(rows[i].cap) == rows[i].bytes,
			   "cap %zu", rows[i].cap);
		if (rows[i].bytes == 0 || rows[i].bytes <= sizeof(mem))
			CHECKF(hashindex_init(&hi, mem, rows[i].cap, e, sizeof(e[0]),
								  offsetof(struct entry, key), 1) == want,
				   "init cap %zu", rows[i].cap);
	}
	CHECK(strcmp(hashindex_strerror(HASHINDEX_ERR_CAP),
				 "unknown hashindex error") != 0);
	CHECK(strcmp(hashindex_strerror(-99), "unknown hashindex error") == 0);
}

/* Every used slot is found under its key, and an unused key misses. */
static int
check_all(const struct hashindex *hi, const struct entry *e, size_t cap,
		  const uint8_t absent[HASHINDEX_KEY_LEN])
{
	int			bad = 0;

	for (size_t s = 0; s < cap; s++)
		if (e[s].used)
			bad += hashindex_find(hi, e[s].key,
								  hashindex_tag(hi, e[s].key)) != s;
	bad += hashindex_find(hi, absent, hashindex_tag(hi, absent)) !=
		HASHINDEX_NONE;
	return bad;
}

static void
run_model(size_t cap, uint64_t seed)
{
	uint64_t	mem[2 * MAX_CAP * 2];	/* >= 8 bytes x 32 buckets */
	struct entry e[MAX_CAP];
	struct hashindex hi;
	uint64_t	rng = seed;
	uint32_t	next_id = 1;
	int			bad = 0;

	memset(e, 0, sizeof(e));
	CHECK(hashindex_memsize(cap) <= sizeof(mem));
	CHECK(hashindex_init(&hi, mem, cap, e, sizeof(e[0]),
						 offsetof(struct entry, key), seed) == HASHINDEX_OK);
	for (int step = 0; step < 20000 && bad == 0; step++)
	{
		uint64_t	r = testutil_splitmix(&rng);
		uint32_t	s = (uint32_t) (r % cap);
		uint32_t	t = (uint32_t) ((r >> 16) % cap);
		uint8_t		absent[HASHINDEX_KEY_LEN];

		if (!e[s].used)
		{
			/* insert a new key into a free slot */
			testutil_hash_of(next_id++, e[s].key);
			hashindex_insert(&hi, hashindex_tag(&hi, e[s].key), s);
			e[s].used = true;
		}
		else if ((r >> 32) % 3 == 0 && !e[t].used)
		{
			/* move the entry in s to the free slot t */
			hashindex_move(&hi, s, t);
			e[t] = e[s];
			e[s].used = false;
		}
		else
		{
			/* remove it; removing an unindexed slot is a no-op */
			hashindex_remove(&hi, s);
			e[s].used = false;
			hashindex_remove(&hi, s);
		}
		testutil_hash_of(next_id, absent);
		bad += check_all(&hi, e, cap, absent);
	}
	CHECKF(bad == 0, "cap %zu seed %llu: %d mismatches", cap,
		   (unsigned long long) seed, bad);
}

int
main(void)
{
	test_caps();
	for (size_t cap = 1; cap <= MAX_CAP; cap++)
		for (uint64_t seed = 1; seed <= 4; seed++)
			run_model(cap, seed);
	return unit_summary("hashindex");
}
