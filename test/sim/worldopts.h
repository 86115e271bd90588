/*
 * worldopts.h
 *		The command-line options that shape a simulated world: sizes,
 *		shares, address ranges and the seed.
 *
 * Owns: their names, their defaults (dht_sim's), the checks of their
 * values, and the derived settings (peers default to torrents / 4; the
 * population's seed is the world's).  Shared by dht_sim (sim.c) and the
 * benchmarks that rebuild the same world from the same options
 * (bench/fetch_feed.c), so that both always agree.  Does not own the
 * other options of those programs (ports, durations, rates, files).
 *
 * Use: put WORLDOPTS_LONG_OPTIONS in the getopt_long table, pass the
 * long index to getopt_long, and hand every WORLDOPTS_CODE to
 * worldopts_take() with the option's name.  A bad value prints a message
 * and exits with status 2, as a bad command line does.
 */
#ifndef SIM_WORLDOPTS_H
#define SIM_WORLDOPTS_H

#include <getopt.h>
#include <stdint.h>

#include "world.h"

/* getopt_long code of every world option (outside the ASCII range) */
#define WORLDOPTS_CODE 0x5700

#define WORLDOPTS_LONG_OPTIONS \
	{"nodes", 1, 0, WORLDOPTS_CODE}, {"torrents", 1, 0, WORLDOPTS_CODE}, \
	{"peers", 1, 0, WORLDOPTS_CODE}, {"seed", 1, 0, WORLDOPTS_CODE}, \
	{"node-net", 1, 0, WORLDOPTS_CODE}, {"peer-net", 1, 0, WORLDOPTS_CODE}, \
	{"peers-per-torrent", 1, 0, WORLDOPTS_CODE}, \
	{"bep51", 1, 0, WORLDOPTS_CODE}, {"v2", 1, 0, WORLDOPTS_CODE}, \
	{"hybrid", 1, 0, WORLDOPTS_CODE}, {"private", 1, 0, WORLDOPTS_CODE}, \
	{"huge", 1, 0, WORLDOPTS_CODE}, {"max-files", 1, 0, WORLDOPTS_CODE}, \
	{"silent-nodes", 1, 0, WORLDOPTS_CODE}, \
	{"garbage-nodes", 1, 0, WORLDOPTS_CODE}, \
	{"slow-peers", 1, 0, WORLDOPTS_CODE}, \
	{"unreachable-peers", 1, 0, WORLDOPTS_CODE}, \
	{"no-metadata-peers", 1, 0, WORLDOPTS_CODE}, \
	{"reject-peers", 1, 0, WORLDOPTS_CODE}, \
	{"lie-size-peers", 1, 0, WORLDOPTS_CODE}, \
	{"wrong-bytes-peers", 1, 0, WORLDOPTS_CODE}, \
	{"drop-peers", 1, 0, WORLDOPTS_CODE}

/* dht_sim's defaults (npeers 0: torrents / 4, set by worldopts_finish) */
void		worldopts_defaults(struct world_config *c);

/* Apply world option name = arg; exits with status 2 on a bad value */
void		worldopts_take(struct world_config *c, const char *name,
						   const char *arg);

/* After the last option: default peer count, population seed */
void		worldopts_finish(struct world_config *c);

/* Value parsers, for the callers' own options too (exit 2 when bad) */
double		worldopts_share(const char *s);
unsigned long long worldopts_count(const char *s, unsigned long long max);
uint32_t	worldopts_net(const char *s);

#endif							/* SIM_WORLDOPTS_H */
