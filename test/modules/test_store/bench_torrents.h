/*-------------------------------------------------------------------------
 *
 * bench_torrents.h
 *	  Synthetic, realistic torrents for the ingest benchmark.
 *
 * Torrent i of a seed is a pure function of (seed, i), so the background
 * worker that feeds the store and the SQL function that writes the same
 * rows for COPY produce identical data.  Shape (bench/README.md):
 *	- names of ~60 bytes made of words, years, release tags and separators
 *	  (a few accented words); 1 in 20 torrents is a v1+v2 hybrid;
 *	- half the torrents hold one file (its path is the name), the other
 *	  half 2 to BENCH_MAX_FILES files, log-uniformly (a long tail);
 *	- paths of ~40 bytes ("dir/NN - Words.ext"), sizes log-uniform.
 *
 *-------------------------------------------------------------------------
 */
#ifndef BENCH_TORRENTS_H
#define BENCH_TORRENTS_H

#include "store.h"

/* Largest file list: "a few dozen", the tail of a log-uniform draw. */
#define BENCH_MAX_FILES 64

/*
 * Fill *t with torrent i of seed; name, paths and sizes are palloc'd in
 * CurrentMemoryContext and stay valid until it is reset.
 */
extern void bench_torrent(int seed, int i, StoreTorrent *t);

#endif							/* BENCH_TORRENTS_H */
