/*
 * hashindex.c
 *		Open-addressing index of 20-byte keys (see hashindex.h).
 *
 * Owns the probing and deletion over the caller's buckets; the entries and
 * their keys stay in the caller's array.  Used by peerstore and candidates.
 */
#include "hashindex.h"
#include "splitmix.h"

#include <sodium.h>
#include <string.h>

_Static_assert(sizeof(((struct hashindex *) 0)->sipkey) ==
			   crypto_shorthash_KEYBYTES, "sipkey must hold a SipHash key");

/* Buckets for cap slots: the smallest power of two >= 2 x cap. */
static size_t
hi_nbuckets(size_t cap)
{
	size_t		n = 1;

	while (n < 2 * cap)
		n <<= 1;
	return n;
}

/* The key of slot in the caller's array. */
static const uint8_t *
hi_key(const struct hashindex *hi, uint32_t slot)
{
	return hi->base + (size_t) slot * hi->stride + hi->offset;
}

/* Bucket pointing at slot (whose key has this tag), or SIZE_MAX. */
static size_t
hi_bucket_of(const struct hashindex *hi, uint32_t tag, uint32_t slot)
{
	size_t		i = tag & hi->mask;

	while (hi->buckets[i].slot != HASHINDEX_NONE)
	{
		if (hi->buckets[i].slot == slot)
			return i;
		i = (i + 1) & hi->mask;
	}
	return SIZE_MAX;
}

/*
 * Empty bucket i, then shift back every following bucket of the cluster
 * whose home does not lie cyclically in (i, j], so lookups never meet a
 * gap before their key.
 */
static void
hi_delete(struct hashindex *hi, size_t i)
{
	size_t		j = i;

	for (;;)
	{
		size_t		home;

		j = (j + 1) & hi->mask;
		if (hi->buckets[j].slot == HASHINDEX_NONE)
			break;
		home = hi->buckets[j].tag & hi->mask;
		if (((j - home) & hi->mask) >= ((j - i) & hi->mask))
		{
			hi->buckets[i] = hi->buckets[j];
			i = j;
		}
	}
	hi->buckets[i].slot = HASHINDEX_NONE;
}

size_t
hashindex_memsize(size_t cap)
{
	if (cap == 0 || cap > HASHINDEX_MAX_SLOTS)
		return 0;
	return hi_nbuckets(cap) * sizeof(struct hashindex_bucket);
}

int
hashindex_init(struct hashindex *hi, void *mem, size_t cap,
			   const void *base, size_t stride, size_t offset, uint64_t seed)
{
	size_t		nbuckets;
	uint64_t	k[2];

	if (cap == 0 || cap > HASHINDEX_MAX_SLOTS)
		return HASHINDEX_ERR_CAP;
	nbuckets = hi_nbuckets(cap);
	hi->buckets = mem;
	memset(hi->buckets, 0xff, nbuckets * sizeof(*hi->buckets));
	hi->mask = nbuckets - 1;
	hi->base = base;
	hi->stride = stride;
	hi->offset = offset;
	k[0] = splitmix64_next(&seed);
	k[1] = splitmix64_next(&seed);
	memcpy(hi->sipkey, k, sizeof(hi->sipkey));
	return HASHINDEX_OK;
}

uint32_t
hashindex_tag(const struct hashindex *hi,
			  const uint8_t key[HASHINDEX_KEY_LEN])
{
	uint8_t		out[crypto_shorthash_BYTES];
	uint32_t	tag;

	crypto_shorthash(out, key, HASHINDEX_KEY_LEN, hi->sipkey);
	memcpy(&tag, out, sizeof(tag));
	return tag;
}

uint32_t
hashindex_find(const struct hashindex *hi,
			   const uint8_t key[HASHINDEX_KEY_LEN], uint32_t tag)
{
	size_t		i = tag & hi->mask;

	for (;;)
	{
		const struct hashindex_bucket *b = &hi->buckets[i];

		if (b->slot == HASHINDEX_NONE)
			return HASHINDEX_NONE;
		if (b->tag == tag &&
			memcmp(hi_key(hi, b->slot), key, HASHINDEX_KEY_LEN) == 0)
			return b->slot;
		i = (i + 1) & hi->mask;
	}
}

void
hashindex_insert(struct hashindex *hi, uint32_t tag, uint32_t slot)
{
	size_t		i = tag & hi->mask;

	while (hi->buckets[i].slot != HASHINDEX_NONE)
		i = (i + 1) & hi->mask;
	hi->buckets[i].slot = slot;
	hi->buckets[i].tag = tag;
}

void
hashindex_remove(struct hashindex *hi, uint32_t slot)
{
	uint32_t	tag = hashindex_tag(hi, hi_key(hi, slot));
	size_t		b = hi_bucket_of(hi, tag, slot);

	if (b != SIZE_MAX)
		hi_delete(hi, b);
}

void
hashindex_move(struct hashindex *hi, uint32_t from, uint32_t to)
{
	uint32_t	tag = hashindex_tag(hi, hi_key(hi, from));
	size_t		b = hi_bucket_of(hi, tag, from);

	if (b != SIZE_MAX)
		hi->buckets[b].slot = to;
}

const char *
hashindex_strerror(int err)
{
	switch (err)
	{
		case HASHINDEX_OK:
			return "success";
		case HASHINDEX_ERR_CAP:
			return "slot count is zero or above HASHINDEX_MAX_SLOTS";
	}
	return "unknown hashindex error";
}
