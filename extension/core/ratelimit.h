/*
 * ratelimit.h
 *		Token buckets: one global, and one per remote IP address.
 *
 * Owns: packet budgets.  The worker keeps two instances: one for outgoing
 * packets (send_rate_per_ip to any remote IP, shared by every identity and
 * socket, and max_send_rate overall) and one for incoming packets (so that
 * a flood from one address, or from many, cannot take the event loop).
 * Does not own the clock (every call takes now_ms), the GUCs (the glue
 * passes rates in, and calls ratelimit_set_rates() on SIGHUP), or what
 * happens to a dropped packet (the caller's; this module only counts it).
 *
 * Semantics: a bucket holds at most `burst` tokens and gains `rate` tokens
 * per second, continuously; a packet passes when both its IP's bucket and
 * the global one hold at least one token, and then takes one from each.  A
 * drop takes nothing.  Hence, for one IP, in any window of T ms the passes
 * number at most burst + rate * T / 1000 (likewise globally); so with
 * send_rate_per_ip 4, an outgoing per-IP burst of at most 9 keeps us
 * below the 50 packets in 10 s at which libtorrent bans an IP.
 * Levels are kept in fixed point (1e-6 token, rates rounded down to 1e-3
 * packet/s), so the arithmetic never rounds in the sender's favour.  If
 * now_ms is earlier than a bucket's last update, the clock is taken not to
 * have moved: no refill, and the later update time is kept.
 *
 * Addresses: the key is family + address, never the port; an IPv4-mapped
 * IPv6 address counts as the IPv4 address it carries (a dual-stack socket
 * must not give a host a second budget).
 *
 * Caps and memory: everything is allocated by ratelimit_create(): max_ips
 * entries and an open-addressing index of at least twice as many slots
 * (linear probing on netaddr_hash_ip with the caller's seed, backward-shift
 * deletion).  When all max_ips entries are in use, a new IP takes over the
 * least recently used entry (LRU by last take).  An entry whose bucket has
 * refilled to burst is equivalent to no entry, so recycling it loses
 * nothing; recycling one that has not refilled lets that IP start afresh
 * (and perhaps exceed its rate), and is counted as evicted_active.  An IP
 * that is not tracked is never inserted by a packet the global bucket
 * drops, so a flood from many addresses while the global budget is empty
 * does not churn the table.  Not thread-safe.
 */
#ifndef DHT_RATELIMIT_H
#define DHT_RATELIMIT_H

#include <stddef.h>
#include <stdint.h>

#include "netaddr.h"

/*
 * Largest max_ips: an IP costs a 48-byte entry plus 16 to 32 bytes of
 * index (slots are a power of two >= 2 * max_ips), so 4M remote IPs cost
 * at most 320 MB, already beyond any sensible max_nodes; indices fit in
 * 32 bits.
 */
#define RATELIMIT_MAX_IPS (1u << 22)

/*
 * Rates (packets/s): at least 0.001, the fixed point's resolution (one
 * packet per 1000 s), at most 1e7, above a 10 Gb/s link's small-packet
 * rate; bursts: at least 1 (a packet needs a whole token) and at most 1e7.
 * These bounds keep every level and refill product far from 2^64.
 */
#define RATELIMIT_MIN_RATE 0.001
#define RATELIMIT_MAX_RATE 1e7
#define RATELIMIT_MIN_BURST 1.0
#define RATELIMIT_MAX_BURST 1e7

struct ratelimit;				/* opaque */

struct ratelimit_config
{
	size_t		max_ips;		/* per-IP entries, 1..RATELIMIT_MAX_IPS */
	double		per_ip_rate;	/* packets/s per remote IP */
	double		per_ip_burst;	/* bucket size per remote IP, packets */
	double		global_rate;	/* packets/s overall */
	double		global_burst;	/* global bucket size, packets */
	uint64_t	seed;			/* hash seed: random (randombytes) */
};

enum ratelimit_verdict
{
	RATELIMIT_PASS = 0,
	RATELIMIT_DROP_IP = 1,		/* the IP's bucket is empty (checked first) */
	RATELIMIT_DROP_GLOBAL = 2	/* the IP had a token, the global one not */
};

enum ratelimit_error
{
	RATELIMIT_OK = 0,
	RATELIMIT_ERR_RATE = -1,	/* a rate outside MIN_RATE..MAX_RATE or NaN */
	RATELIMIT_ERR_BURST = -2,	/* a burst outside MIN_BURST..MAX_BURST */
	RATELIMIT_ERR_MAX_IPS = -3	/* max_ips 0 or above RATELIMIT_MAX_IPS */
};

struct ratelimit_stats
{
	uint64_t	passed;
	uint64_t	dropped_ip;
	uint64_t	dropped_global;
	uint64_t	evicted_active; /* recycled entries that had not refilled */
	size_t		tracked;		/* entries in use, <= max_ips */
};

/* 0 if the four values are in range, else a ratelimit_error. */
int			ratelimit_check_rates(double per_ip_rate, double per_ip_burst,
								  double global_rate, double global_burst);

/* 0 if cfg is acceptable to ratelimit_create(), else a ratelimit_error. */
int			ratelimit_check_config(const struct ratelimit_config *cfg);

/*
 * Allocate a limiter (all buckets full); NULL if cfg fails
 * ratelimit_check_config() or memory runs out.
 */
struct ratelimit *ratelimit_create(const struct ratelimit_config *cfg);

/* Free everything; NULL is allowed. */
void		ratelimit_destroy(struct ratelimit *rl);

/*
 * New rates and bursts (SIGHUP); ignored unless ratelimit_check_rates()
 * accepts them.  Levels above a lowered burst are cut at the next update;
 * time since a bucket's last update refills at the new rate.
 */
void		ratelimit_set_rates(struct ratelimit *rl, double per_ip_rate,
								double per_ip_burst, double global_rate,
								double global_burst);

/*
 * Take one token for a packet to/from ip (port ignored) at now_ms: both
 * ip's bucket and the global one must have a token; a drop takes nothing.
 */
enum ratelimit_verdict ratelimit_take(struct ratelimit *rl,
									  const struct netaddr *ip,
									  uint64_t now_ms);

/* Would ratelimit_take() pass now?  1 or 0; changes nothing, counts nothing. */
int			ratelimit_would_pass(const struct ratelimit *rl,
								 const struct netaddr *ip, uint64_t now_ms);

/* Counters since create, and the number of tracked IPs. */
void		ratelimit_stats(const struct ratelimit *rl,
							struct ratelimit_stats *out);

/* A short phrase for a ratelimit_error value. */
const char *ratelimit_strerror(int err);

#endif							/* DHT_RATELIMIT_H */
