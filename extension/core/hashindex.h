/*
 * hashindex.h
 *		An index from 20-byte keys (info hashes) to the slot numbers of a
 *		caller's entry array: open addressing over caller-owned buckets.
 *
 * Owns: the bucket layout, linear probing, deletion by backward shift (no
 * tombstones) and the keyed hash that places keys: SipHash-2-4 (libsodium
 * crypto_shorthash) under a key derived from the seed, so that chosen info
 * hashes cannot pile up in one probe chain.  Does not own the entries or
 * their keys (the caller keeps them in one array and says where each key
 * lies), the choice of slot numbers, eviction, or any memory: the caller
 * allocates hashindex_memsize(cap) bytes once and passes them in.
 *
 * Invariants and caps: at most HASHINDEX_MAX_SLOTS slots, numbered
 * 0..cap-1.  The bucket count is the smallest power of two >= 2 x cap, so
 * the load stays <= 1/2 and every probe ends at an empty bucket.  A bucket
 * holds a slot number and a 32-bit tag of the keyed hash whose low bits are
 * the home bucket, so a deletion can shift the following buckets back from
 * the buckets alone, and a probe reads a key only when the tags agree.  The
 * index reads the key of a slot from the caller's array, so a key must not
 * change while its slot is indexed (remove first, then overwrite).  Each
 * key is indexed at most once: insert only after hashindex_find() missed.
 * No operation allocates; find is O(1) expected.  Not thread-safe.
 */
#ifndef DHT_HASHINDEX_H
#define DHT_HASHINDEX_H

#include <stddef.h>
#include <stdint.h>

/* Key length: a BitTorrent info hash (SHA-1). */
#define HASHINDEX_KEY_LEN 20

/*
 * Largest cap accepted by hashindex_init().  Slot numbers are 32-bit with
 * UINT32_MAX reserved for "none"; 2^24 slots need 2^25 buckets (256 MiB),
 * beyond any sane worker, and keep every size computation far from
 * overflow.  peerstore and candidates accept the same maximum.
 */
#define HASHINDEX_MAX_SLOTS (1u << 24)

/* "No slot": hashindex_find() missed, or an empty bucket. */
#define HASHINDEX_NONE UINT32_MAX

enum hashindex_error
{
	HASHINDEX_OK = 0,
	HASHINDEX_ERR_CAP = -1		/* cap 0 or above HASHINDEX_MAX_SLOTS */
};

/* A bucket; slot HASHINDEX_NONE means empty. */
struct hashindex_bucket
{
	uint32_t	slot;
	uint32_t	tag;			/* keyed hash of the key; low bits: home */
};

/*
 * The index; the caller embeds it and treats the fields as private.  Slot
 * s's key is the HASHINDEX_KEY_LEN bytes at base + s * stride + offset.
 */
struct hashindex
{
	struct hashindex_bucket *buckets;	/* the caller's memory */
	size_t		mask;			/* bucket count - 1 */
	const uint8_t *base;		/* the caller's entry array */
	size_t		stride;			/* bytes per entry */
	size_t		offset;			/* of the key within an entry */
	uint8_t		sipkey[16];		/* crypto_shorthash_KEYBYTES */
};

/* Bytes of bucket memory for cap slots; 0 for a cap init would refuse. */
size_t		hashindex_memsize(size_t cap);

/*
 * Set up hi over mem (hashindex_memsize(cap) bytes, aligned for uint32_t,
 * owned by the caller and kept for hi's life), all buckets empty.  Keys are
 * read from the array at base as described above; seed derives the SipHash
 * key.  Returns 0, or HASHINDEX_ERR_CAP (hi untouched).
 */
int			hashindex_init(struct hashindex *hi, void *mem, size_t cap,
						   const void *base, size_t stride, size_t offset,
						   uint64_t seed);

/* The keyed hash of key, to pass to hashindex_find() and _insert(). */
uint32_t	hashindex_tag(const struct hashindex *hi,
						  const uint8_t key[HASHINDEX_KEY_LEN]);

/* The slot indexed under key (tag from hashindex_tag()), or HASHINDEX_NONE. */
uint32_t	hashindex_find(const struct hashindex *hi,
						   const uint8_t key[HASHINDEX_KEY_LEN], uint32_t tag);

/* Index slot, whose key has tag; the key must not be indexed already. */
void		hashindex_insert(struct hashindex *hi, uint32_t tag, uint32_t slot);

/*
 * Unindex slot (located through the tag of its key, which must still be in
 * place); nothing happens if slot is not indexed.
 */
void		hashindex_remove(struct hashindex *hi, uint32_t slot);

/*
 * Repoint the bucket of slot from to slot to, before the caller moves the
 * entry (from's key is read); nothing happens if from is not indexed.
 */
void		hashindex_move(struct hashindex *hi, uint32_t from, uint32_t to);

/* A short phrase for a hashindex_error value. */
const char *hashindex_strerror(int err);

#endif							/* DHT_HASHINDEX_H */
