/*
 * knownset.h
 *		The worker's in-memory filter of info hashes already in the store: a
 *		keyed Bloom filter in one fixed bit array.
 *
 * Owns the bit array, the keyed hash that places a hash's bits, and the
 * count of adds.  Does not own the store, which stays the truth: a "maybe"
 * answer must still be confirmed by the batched SPI check, while a "no"
 * answer is final (there are no false negatives), so most new hashes skip
 * the database.  Loading the set at start and adding every inserted hash
 * are the glue's job.
 *
 * The maths.  With m bits, n entries and k bit positions per entry, the
 * chance that a hash never added finds all its k bits set is
 *		p = (1 - (1 - 1/m)^(kn))^k ~= (1 - e^(-kn/m))^k,
 * smallest at k = (m/n) ln 2.  We take m = KNOWNSET_BITS_PER_ENTRY (16) x
 * expected_entries and k = KNOWNSET_K (11, the optimum 11.09 rounded
 * down): p = 0.046 % at the designed load.  Beyond it p degrades smoothly
 * with the load factor L = n / expected_entries: 0.78 % at 1.5x, 4.1 % at
 * 2x, 48 % at 4x, 96 % at 8x; it never reaches 100 % and never produces a
 * false negative, so an overloaded set only costs more SPI checks.  The
 * glue should rebuild it (clear and reload) with a larger size when
 * knownset_count() passes the expected number of entries.
 *
 * The k positions come from one 128-bit keyed hash (SipHash-2-4 with
 * 128-bit output, libsodium crypto_shorthash_siphashx24, under a key
 * derived from the seed)
 * split into h1 and h2 (h2 forced odd): position i is g_i = h1 + i h2
 * (mod 2^64), mapped onto [0, m) by multiplying its top 32 bits by m and
 * keeping the top half (Kirsch and Mitzenmacher's double hashing, which
 * keeps the p above).  Keying means that nobody who does not know the
 * seed can choose hashes that land on given bits.
 *
 * Memory: knownset_create() allocates everything once: m / 8 bytes
 * (2 bytes per expected entry, rounded up to whole 64-bit words) plus a
 * small header; nothing allocates afterwards.  Not thread-safe.
 */
#ifndef DHT_KNOWNSET_H
#define DHT_KNOWNSET_H

#include <stddef.h>
#include <stdint.h>

/* Bits per expected entry: with KNOWNSET_K, 0.046 % false positives. */
#define KNOWNSET_BITS_PER_ENTRY 16

/* Bit positions per hash: the optimum (16 ln 2 = 11.09) rounded down. */
#define KNOWNSET_K 11

/*
 * Largest expected_entries accepted: 2^28 (268M torrents, far beyond the
 * DHT's ~10M live ones) gives 2^32 bits = 512 MiB, the most the 32-bit
 * position mapping covers.
 */
#define KNOWNSET_MAX_ENTRIES ((size_t) 1 << 28)

struct knownset;

/*
 * A set sized for expected_entries hashes (1..KNOWNSET_MAX_ENTRIES), keyed
 * by seed, all bits clear.  NULL with errno EINVAL (size out of range) or
 * ENOMEM.
 */
struct knownset *knownset_create(size_t expected_entries, uint64_t seed);

/* Free the set (NULL is fine). */
void		knownset_destroy(struct knownset *ks);

/* Add a hash: from now on knownset_maybe_contains() answers 1 for it. */
void		knownset_add(struct knownset *ks, const uint8_t hash[20]);

/* 0 = surely never added; 1 = added, or a false positive (rate above). */
int			knownset_maybe_contains(const struct knownset *ks,
									const uint8_t hash[20]);

/* Forget every hash (bits cleared, count 0); size and seed stay. */
void		knownset_clear(struct knownset *ks);

/* Bytes allocated by knownset_create() (constant for the set's life). */
size_t		knownset_memory(const struct knownset *ks);

/* knownset_add() calls since create or clear (duplicates included). */
size_t		knownset_count(const struct knownset *ks);

#endif							/* DHT_KNOWNSET_H */
