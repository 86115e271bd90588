/*
 * population.h
 *		The simulator's synthetic torrent population: T torrents, each a
 *		real bencoded info dict, deterministic from one seed.
 *
 * Owns: choosing each torrent's kind (v1-only, v2-only, hybrid), privacy,
 * name, file layout (count, nested paths, sizes), piece length and the
 * info dict bytes built from them; the info hashes of those bytes (SHA-1
 * for v1 and hybrid, SHA-256 for v2 and hybrid); the summary fields a
 * manifest reports.  Does not own: which peers hold a torrent, the network,
 * or writing the manifest (the simulator's world does).
 *
 * Determinism: torrent i depends only on (seed, i) and the configuration,
 * never on the order of calls, so population_info(i) rebuilds exactly the
 * bytes that were hashed by population_create().
 *
 * Memory: the summaries (one struct sim_torrent each) and the names are
 * kept; info dicts are not (a 100,000-torrent population would need
 * gigabytes): they are rebuilt on demand, which costs what building them
 * costs (microseconds for typical dicts, tens of ms for > 10 MB ones).
 */
#ifndef SIM_POPULATION_H
#define SIM_POPULATION_H

#include <stddef.h>
#include <stdint.h>

/* Largest population: 2^22 torrents (the simulator indexes them in 32 bits) */
#define POPULATION_MAX_TORRENTS (1u << 22)

enum sim_kind
{
	SIM_KIND_V1 = 1,			/* "pieces" + "length"/"files" */
	SIM_KIND_V2,				/* "meta version" 2 + "file tree" only */
	SIM_KIND_HYBRID				/* both layouts, BEP 47 padding in v1 */
};

struct population_config
{
	uint64_t	seed;
	uint32_t	ntorrents;		/* 1..POPULATION_MAX_TORRENTS */
	double		share_v2;		/* v2-only share, 0..1 */
	double		share_hybrid;	/* hybrid share, 0..1 (v1 = the rest) */
	double		share_private;	/* "private": 1 */
	double		share_huge;		/* info dict above 10 MiB */
	uint32_t	max_files;		/* longest file list of the long tail */
};

/* One torrent's summary: what the manifest says and the index must hold. */
struct sim_torrent
{
	uint8_t		hash[20];		/* index key: SHA-1 (v1, hybrid) or
								 * SHA-256[:20] (v2-only) */
	uint8_t		hash_v2[32];	/* SHA-256(info) for v2 and hybrid, else 0 */
	uint8_t		kind;			/* enum sim_kind */
	uint8_t		is_private;
	uint32_t	file_count;		/* files, padding excluded */
	uint64_t	total_size;		/* sum of file sizes, padding excluded */
	uint32_t	info_size;		/* bytes of the info dict */
	uint32_t	name_off;		/* offset of the NUL-terminated name */
};

struct population;

/* Build all T torrents and hash them; NULL (message on stderr) on failure */
struct population *population_create(const struct population_config *cfg);

void		population_destroy(struct population *pop);

size_t		population_count(const struct population *pop);

const struct sim_torrent *population_get(const struct population *pop,
										 size_t i);

/* The torrent's name (valid UTF-8, no NUL, as stored in the info dict) */
const char *population_name(const struct population *pop, size_t i);

/*
 * The info dict of torrent i, rebuilt into a malloc'd buffer (the caller
 * frees it); its length (== info_size) in *len.  NULL if out of memory.
 */
uint8_t    *population_info(const struct population *pop, size_t i,
							size_t *len);

/* "v1", "v2", "hybrid" */
const char *population_kind_name(int kind);

#endif							/* SIM_POPULATION_H */
