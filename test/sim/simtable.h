/*
 * simtable.h
 *		Kademlia routing tables for every simulated node, built at once from
 *		the whole population of ids, and closest-k queries over them.
 *
 * Owns: the id order (node indexes sorted by id), each node's table (up to
 * SIMTABLE_K nodes per bucket: for every prefix length b, nodes sharing
 * exactly b leading bits with it, drawn at random; buckets stop where the
 * node is alone), the global k closest nodes to a key, and the k closest a
 * given node knows.  Does not own: addresses, behaviours, externals (the
 * caller merges them), or any I/O.
 *
 * A table holds ~K x log2(N) entries (about 120 at 20,000 nodes), so a
 * node answers from its own partial view, as real nodes do, and a lookup
 * converges in O(log N) steps.
 *
 * Global closest: the k XOR-closest ids are found in a window of the id
 * order around the key's position (SIMTABLE_WINDOW on each side).  Every
 * id sharing a longer prefix with the key lies inside such a window, so
 * the answer is exact unless more than SIMTABLE_WINDOW ids share the
 * relevant prefix, which random ids make vanishingly rare.
 */
#ifndef SIM_SIMTABLE_H
#define SIM_SIMTABLE_H

#include <stddef.h>
#include <stdint.h>

/* BEP 5's K: nodes per bucket and per answer */
#define SIMTABLE_K 8
/* Ids examined on each side of a key's position for the global closest */
#define SIMTABLE_WINDOW 48

struct simtable
{
	uint32_t	n;
	const uint8_t (*id)[20];	/* the world's ids (not owned) */
	uint32_t   *order;			/* node indexes sorted by id */
	uint32_t   *off;			/* n + 1 offsets into entries */
	uint32_t   *entries;		/* each node's table, node indexes */
};

/* Build every node's table; 0, or -1 when out of memory */
int			simtable_build(struct simtable *t, const uint8_t (*id)[20],
						   uint32_t n, uint64_t seed);

void		simtable_free(struct simtable *t);

/* XOR distance comparison: <0 when a is closer to key than b */
int			simtable_cmp_dist(const uint8_t *key, const uint8_t *a,
							  const uint8_t *b);

/* Up to k (<= SIMTABLE_K) nodes closest to key overall; returns count */
size_t		simtable_global_closest(const struct simtable *t,
									const uint8_t key[20], uint32_t *out,
									size_t k);

/* Node's own table entries (count in *n) */
const uint32_t *simtable_entries(const struct simtable *t, uint32_t node,
								 size_t *n);

#endif							/* SIM_SIMTABLE_H */
