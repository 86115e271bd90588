/*
 * knownset.c
 *		Keyed Bloom filter of known info hashes (see knownset.h).
 *
 * Owns the bit array (64-bit words, bit b in word b / 64) and the mapping
 * of a hash to its KNOWNSET_K positions; the maths is in the header.
 */
#include "knownset.h"
#include "splitmix.h"

#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(crypto_shorthash_siphashx24_BYTES == 16,
			   "knownset splits a 128-bit hash into h1 and h2");

struct knownset
{
	uint64_t	nbits;			/* m: 16 x expected entries, <= 2^32 */
	size_t		nwords;			/* ceil(m / 64) */
	size_t		count;			/* adds since create or clear */
	uint8_t		key[crypto_shorthash_siphashx24_KEYBYTES];
	uint64_t	words[];		/* the bit array */
};

struct knownset *
knownset_create(size_t expected_entries, uint64_t seed)
{
	struct knownset *ks;
	uint64_t	nbits;
	size_t		nwords;
	uint64_t	k[2];

	if (expected_entries == 0 || expected_entries > KNOWNSET_MAX_ENTRIES)
	{
		errno = EINVAL;
		return NULL;
	}
	/* <= 2^32 bits, 2^26 words: no overflow below */
	nbits = (uint64_t) expected_entries * KNOWNSET_BITS_PER_ENTRY;
	nwords = (size_t) ((nbits + 63) / 64);
	ks = calloc(1, sizeof(*ks) + nwords * sizeof(uint64_t));
	if (ks == NULL)
	{
		errno = ENOMEM;
		return NULL;
	}
	ks->nbits = nbits;
	ks->nwords = nwords;
	k[0] = splitmix64_next(&seed);
	k[1] = splitmix64_next(&seed);
	memcpy(ks->key, k, sizeof(ks->key));
	return ks;
}

void
knownset_destroy(struct knownset *ks)
{
	free(ks);
}

/*
 * The keyed 128-bit hash of an info hash as (h1, h2), h2 odd so that the
 * KNOWNSET_K positions h1 + i h2 are distinct modulo 2^64.
 */
static void
ks_hash(const struct knownset *ks, const uint8_t hash[20], uint64_t *h1,
		uint64_t *h2)
{
	uint8_t		out[crypto_shorthash_siphashx24_BYTES];

	crypto_shorthash_siphashx24(out, hash, 20, ks->key);
	memcpy(h1, out, 8);
	memcpy(h2, out + 8, 8);
	*h2 |= 1;
}

/* Map g onto [0, m): top 32 bits of g times m, top half (m <= 2^32). */
static uint64_t
ks_position(const struct knownset *ks, uint64_t g)
{
	return ((g >> 32) * ks->nbits) >> 32;
}

void
knownset_add(struct knownset *ks, const uint8_t hash[20])
{
	uint64_t	h1,
				h2,
				b;
	int			i;

	ks_hash(ks, hash, &h1, &h2);
	for (i = 0; i < KNOWNSET_K; i++)
	{
		b = ks_position(ks, h1 + (uint64_t) i * h2);
		ks->words[b >> 6] |= (uint64_t) 1 << (b & 63);
	}
	ks->count++;
}

int
knownset_maybe_contains(const struct knownset *ks, const uint8_t hash[20])
{
	uint64_t	h1,
				h2,
				b;
	int			i;

	ks_hash(ks, hash, &h1, &h2);
	for (i = 0; i < KNOWNSET_K; i++)
	{
		b = ks_position(ks, h1 + (uint64_t) i * h2);
		if (!(ks->words[b >> 6] & ((uint64_t) 1 << (b & 63))))
			return 0;
	}
	return 1;
}

void
knownset_clear(struct knownset *ks)
{
	memset(ks->words, 0, ks->nwords * sizeof(uint64_t));
	ks->count = 0;
}

size_t
knownset_memory(const struct knownset *ks)
{
	return sizeof(*ks) + ks->nwords * sizeof(uint64_t);
}

size_t
knownset_count(const struct knownset *ks)
{
	return ks->count;
}
