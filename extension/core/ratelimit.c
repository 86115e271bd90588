/*
 * ratelimit.c
 *		Global and per-IP token buckets (see ratelimit.h).
 *
 * Layout: entries[0..max_ips) hold the per-IP buckets, taken in order
 * until all are used and recycled from the LRU tail after that, so there
 * is no free list.  slots[] (a power of two, at least 2 * max_ips, so the
 * load factor stays at or below 1/2) maps an address to its entry by
 * linear probing; a slot keeps the low 32 bits of the hash so that probing
 * rarely touches an entry and deletion can find a slot's home.  The LRU
 * list is doubly linked through the entries, most recent first.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "ratelimit.h"

/* Fixed-point units per token: levels and rates are integers of these. */
#define RL_SCALE 1000000u

/* "No entry" in LRU links and lookups. */
#define RL_NONE UINT32_MAX

/* A bucket's parameters in fixed point. */
struct rl_params
{
	uint64_t	rate;			/* units gained per ms, >= 1 */
	uint64_t	cap;			/* the burst, units, >= RL_SCALE */
	uint64_t	fill_ms;		/* ms to go from empty to cap */
};

struct rl_bucket
{
	uint64_t	level;			/* units at last_ms (may exceed a new cap) */
	uint64_t	last_ms;		/* latest time seen by an update */
};

struct rl_entry
{
	struct netaddr key;			/* canonical: see key_of() */
	struct rl_bucket bucket;
	uint32_t	prev;			/* towards the LRU head (more recent) */
	uint32_t	next;			/* towards the LRU tail (less recent) */
};

struct rl_slot
{
	uint32_t	entry;			/* entry index + 1; 0 = empty */
	uint32_t	hash;			/* low 32 bits of netaddr_hash_ip */
};

struct ratelimit
{
	struct rl_params ip;
	struct rl_params global;
	struct rl_bucket global_bucket;
	struct rl_entry *entries;
	struct rl_slot *slots;
	uint32_t	mask;			/* number of slots - 1 */
	uint32_t	max_ips;
	uint32_t	used;			/* entries ever taken, <= max_ips */
	uint32_t	lru_head;
	uint32_t	lru_tail;
	uint64_t	seed;
	struct ratelimit_stats stats;
};

int
ratelimit_check_rates(double per_ip_rate, double per_ip_burst,
					  double global_rate, double global_burst)
{
	/* Written so that NaN fails every comparison and is refused. */
	if (!(per_ip_rate >= RATELIMIT_MIN_RATE &&
		  per_ip_rate <= RATELIMIT_MAX_RATE) ||
		!(global_rate >= RATELIMIT_MIN_RATE &&
		  global_rate <= RATELIMIT_MAX_RATE))
		return RATELIMIT_ERR_RATE;
	if (!(per_ip_burst >= RATELIMIT_MIN_BURST &&
		  per_ip_burst <= RATELIMIT_MAX_BURST) ||
		!(global_burst >= RATELIMIT_MIN_BURST &&
		  global_burst <= RATELIMIT_MAX_BURST))
		return RATELIMIT_ERR_BURST;
	return RATELIMIT_OK;
}

int
ratelimit_check_config(const struct ratelimit_config *cfg)
{
	if (cfg->max_ips == 0 || cfg->max_ips > RATELIMIT_MAX_IPS)
		return RATELIMIT_ERR_MAX_IPS;
	return ratelimit_check_rates(cfg->per_ip_rate, cfg->per_ip_burst,
								 cfg->global_rate, cfg->global_burst);
}

/*
 * Fixed-point parameters for a checked rate and burst, both rounded down
 * (never in the sender's favour).  The bounds in ratelimit.h make rate >= 1
 * unit/ms and cap >= RL_SCALE, and keep cap + rate below 2^45.
 */
static void
params_set(struct rl_params *p, double rate, double burst)
{
	/* Conversion truncates, which for these positive values is floor(). */
	p->rate = (uint64_t) (rate * (RL_SCALE / 1000));
	p->cap = (uint64_t) (burst * RL_SCALE);
	if (p->rate < 1)
		p->rate = 1;
	if (p->cap < RL_SCALE)
		p->cap = RL_SCALE;
	p->fill_ms = (p->cap + p->rate - 1) / p->rate;
}

/*
 * A bucket's level at now_ms, changing nothing: refilled at p->rate since
 * last_ms (not at all if now_ms is earlier) and cut at p->cap.  Once
 * fill_ms have passed the bucket is full, which also bounds the product.
 */
static uint64_t
bucket_level(const struct rl_bucket *b, const struct rl_params *p,
			 uint64_t now_ms)
{
	uint64_t	level = b->level;

	if (now_ms > b->last_ms)
	{
		uint64_t	elapsed = now_ms - b->last_ms;

		if (elapsed >= p->fill_ms)
			return p->cap;
		level += elapsed * p->rate;
	}
	return level < p->cap ? level : p->cap;
}

/* Bring a bucket's level to now_ms; last_ms never moves backwards. */
static void
bucket_update(struct rl_bucket *b, const struct rl_params *p, uint64_t now_ms)
{
	b->level = bucket_level(b, p, now_ms);
	if (now_ms > b->last_ms)
		b->last_ms = now_ms;
}

/*
 * The table key for an address: family and address bytes only, port and
 * unused bytes zero, an IPv4-mapped IPv6 address as plain IPv4.
 */
static void
key_of(const struct netaddr *ip, struct netaddr *key)
{
	netaddr_unmap(ip, key);
	key->port = 0;
}

/*
 * Probe for key from its home slot.  Returns the entry index, or RL_NONE
 * with *pos at the empty slot that ended the probe (where key would go).
 * The index is at most half full, so an empty slot always exists.
 */
static uint32_t
slot_find(const struct ratelimit *rl, const struct netaddr *key,
		  uint32_t hash, uint32_t *pos)
{
	uint32_t	i = hash & rl->mask;

	for (;;)
	{
		const struct rl_slot *s = &rl->slots[i];

		if (s->entry == 0)
			break;
		if (s->hash == hash &&
			netaddr_same_ip(&rl->entries[s->entry - 1].key, key))
		{
			*pos = i;
			return s->entry - 1;
		}
		i = (i + 1) & rl->mask;
	}
	*pos = i;
	return RL_NONE;
}

/*
 * Empty slot pos, then shift later members of its probe run back so that
 * every key stays reachable from its home without tombstones.
 */
static void
slot_delete(struct ratelimit *rl, uint32_t pos)
{
	uint32_t	hole = pos,
				j = pos;

	rl->slots[hole].entry = 0;
	for (;;)
	{
		uint32_t	home;
		int			stays;

		j = (j + 1) & rl->mask;
		if (rl->slots[j].entry == 0)
			return;
		home = rl->slots[j].hash & rl->mask;
		/* It stays if its home lies cyclically in (hole, j]. */
		if (hole <= j)
			stays = hole < home && home <= j;
		else
			stays = hole < home || home <= j;
		if (stays)
			continue;
		rl->slots[hole] = rl->slots[j];
		rl->slots[j].entry = 0;
		hole = j;
	}
}

static void
lru_unlink(struct ratelimit *rl, uint32_t i)
{
	struct rl_entry *e = &rl->entries[i];

	if (e->prev != RL_NONE)
		rl->entries[e->prev].next = e->next;
	else
		rl->lru_head = e->next;
	if (e->next != RL_NONE)
		rl->entries[e->next].prev = e->prev;
	else
		rl->lru_tail = e->prev;
}

static void
lru_push_front(struct ratelimit *rl, uint32_t i)
{
	struct rl_entry *e = &rl->entries[i];

	e->prev = RL_NONE;
	e->next = rl->lru_head;
	if (rl->lru_head != RL_NONE)
		rl->entries[rl->lru_head].prev = i;
	else
		rl->lru_tail = i;
	rl->lru_head = i;
}

/*
 * An entry for a key that is not in the table: an unused one while any
 * remain, else the LRU tail, unhooked from the index (counted in
 * evicted_active if its bucket had not refilled by now_ms).  The entry
 * comes back full, indexed at the key's slot and at the LRU head.
 */
static uint32_t
entry_acquire(struct ratelimit *rl, const struct netaddr *key, uint32_t hash,
			  uint64_t now_ms)
{
	uint32_t	i,
				pos;
	struct rl_entry *e;

	if (rl->used < rl->max_ips)
		i = rl->used++;
	else
	{
		i = rl->lru_tail;
		e = &rl->entries[i];
		if (bucket_level(&e->bucket, &rl->ip, now_ms) < rl->ip.cap)
			rl->stats.evicted_active++;
		(void) slot_find(rl, &e->key,
						 (uint32_t) netaddr_hash_ip(&e->key, rl->seed), &pos);
		slot_delete(rl, pos);
		lru_unlink(rl, i);
	}
	e = &rl->entries[i];
	e->key = *key;
	e->bucket.level = rl->ip.cap;
	e->bucket.last_ms = now_ms;
	(void) slot_find(rl, key, hash, &pos);
	rl->slots[pos].entry = i + 1;
	rl->slots[pos].hash = hash;
	lru_push_front(rl, i);
	return i;
}

struct ratelimit *
ratelimit_create(const struct ratelimit_config *cfg)
{
	struct ratelimit *rl;
	size_t		nslots = 2;

	if (ratelimit_check_config(cfg) != RATELIMIT_OK)
		return NULL;
	while (nslots < 2 * cfg->max_ips)
		nslots *= 2;			/* at most 2^23: max_ips <= 2^22 */
	rl = calloc(1, sizeof(*rl));
	if (rl == NULL)
		return NULL;
	rl->entries = calloc(cfg->max_ips, sizeof(*rl->entries));
	rl->slots = calloc(nslots, sizeof(*rl->slots));
	if (rl->entries == NULL || rl->slots == NULL)
	{
		ratelimit_destroy(rl);
		return NULL;
	}
	rl->mask = (uint32_t) (nslots - 1);
	rl->max_ips = (uint32_t) cfg->max_ips;
	rl->lru_head = rl->lru_tail = RL_NONE;
	rl->seed = cfg->seed;
	params_set(&rl->ip, cfg->per_ip_rate, cfg->per_ip_burst);
	params_set(&rl->global, cfg->global_rate, cfg->global_burst);
	rl->global_bucket.level = rl->global.cap;
	return rl;
}

void
ratelimit_destroy(struct ratelimit *rl)
{
	if (rl == NULL)
		return;
	free(rl->entries);
	free(rl->slots);
	free(rl);
}

void
ratelimit_set_rates(struct ratelimit *rl, double per_ip_rate,
					double per_ip_burst, double global_rate,
					double global_burst)
{
	if (ratelimit_check_rates(per_ip_rate, per_ip_burst, global_rate,
							  global_burst) != RATELIMIT_OK)
		return;
	params_set(&rl->ip, per_ip_rate, per_ip_burst);
	params_set(&rl->global, global_rate, global_burst);
}

enum ratelimit_verdict
ratelimit_take(struct ratelimit *rl, const struct netaddr *ip,
			   uint64_t now_ms)
{
	struct netaddr key;
	uint32_t	hash,
				i,
				pos;

	key_of(ip, &key);
	hash = (uint32_t) netaddr_hash_ip(&key, rl->seed);
	i = slot_find(rl, &key, hash, &pos);
	if (i != RL_NONE)
	{
		struct rl_entry *e = &rl->entries[i];

		bucket_update(&e->bucket, &rl->ip, now_ms);
		lru_unlink(rl, i);
		lru_push_front(rl, i);
		if (e->bucket.level < RL_SCALE)
		{
			rl->stats.dropped_ip++;
			return RATELIMIT_DROP_IP;
		}
	}
	/* An untracked IP's bucket is full, and a full bucket has a token. */
	bucket_update(&rl->global_bucket, &rl->global, now_ms);
	if (rl->global_bucket.level < RL_SCALE)
	{
		rl->stats.dropped_global++;
		return RATELIMIT_DROP_GLOBAL;
	}
	if (i == RL_NONE)
		i = entry_acquire(rl, &key, hash, now_ms);
	rl->entries[i].bucket.level -= RL_SCALE;
	rl->global_bucket.level -= RL_SCALE;
	rl->stats.passed++;
	return RATELIMIT_PASS;
}

int
ratelimit_would_pass(const struct ratelimit *rl, const struct netaddr *ip,
					 uint64_t now_ms)
{
	struct netaddr key;
	uint32_t	i,
				pos;

	key_of(ip, &key);
	i = slot_find(rl, &key, (uint32_t) netaddr_hash_ip(&key, rl->seed), &pos);
	if (i != RL_NONE &&
		bucket_level(&rl->entries[i].bucket, &rl->ip, now_ms) < RL_SCALE)
		return 0;
	return bucket_level(&rl->global_bucket, &rl->global, now_ms) >= RL_SCALE;
}

void
ratelimit_stats(const struct ratelimit *rl, struct ratelimit_stats *out)
{
	*out = rl->stats;
	out->tracked = rl->used;
}

const char *
ratelimit_strerror(int err)
{
	switch (err)
	{
		case RATELIMIT_OK:
			return "no error";
		case RATELIMIT_ERR_RATE:
			return "rate out of range";
		case RATELIMIT_ERR_BURST:
			return "burst out of range";
		case RATELIMIT_ERR_MAX_IPS:
			return "max_ips out of range";
	}
	return "unknown ratelimit error";
}
