/*
 * routing.c
 *		The shared table of known DHT nodes (see routing.h for the policy).
 *
 * Owns: a fixed pool of 80-byte node records addressed by 32-bit handles,
 * and four structures over it, all sized by routing_create() from
 * max_nodes:
 *
 *	- ip:port -> handle: open addressing with linear probing at load <= 3/4
 *	  (a slot is 4 bytes: 6 tag bits of the hash + handle+1, so a probe
 *	  rarely touches a record), backward-shift deletion (no tombstones),
 *	  fastrange slot choice so the size need not be a power of two.
 *	- subnet -> first handle of a singly linked chain of the public entries
 *	  of that /24 or /64 (same hash layout).  An insert walks the chain to
 *	  count the subnet's entries in the newcomer's region; ROUTING_SUBNET_MAX
 *	  bounds that walk.
 *	- node ID -> handle: one crit-bit (binary PATRICIA) trie per family with
 *	  pooled internal nodes (two child refs + a bit index: 9 bytes).  The key
 *	  is the ID followed by one "not BEP42" bit and the 32-bit handle, so
 *	  keys are unique even when one ID sits at several addresses, and equal
 *	  IDs come out BEP42 first.  XOR order is the trie's order seen from the
 *	  target: at a node testing bit b, every key on the target's side of b
 *	  is closer than every key on the other side.  So a depth-first walk
 *	  that takes the target's side first and stacks the other side yields
 *	  keys in exact increasing XOR distance: closest-k costs O(depth + k)
 *	  (plus skipped bad/subnet-limited entries), and an insert or delete one
 *	  or two descents (~log2 n steps for random IDs).  A sorted array was
 *	  rejected: a memmove of megabytes per insert at 1M nodes.
 *	- liveness lists, doubly linked through the records: non-BEP42 and
 *	  BEP42 entries each in order of last heard (refreshing moves an entry
 *	  to the tail; the clock never goes back, so the order is exact), and
 *	  bad entries in the order they turned bad.  Eviction takes list heads
 *	  in O(1); routing_questionable() walks from the heads, routing_export()
 *	  from the tails.  A boundary cursor per list marks where the
 *	  questionable prefix ends as of the last mutating call, so stats count
 *	  good/questionable without walking the table.
 *
 * Memory per node at max_nodes: 80 (record) + 9 (trie) + 2 * 4 * 4/3
 * (hash slots) = ~99.7 bytes.  Records and trie nodes come from a
 * high-water mark plus a free list, so untouched pages are never faulted in.
 *
 * Record times are 48-bit milliseconds (six bytes each) so that four of
 * them fit where three uint64 would.
 */
#include "routing.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "addrclass.h"

/* No handle / end of a list / "not found". */
#define RT_NONE			UINT32_MAX

/* A hash slot: tag (6 bits) << 26 | (handle + 1); 0 is empty. */
#define RT_HANDLE_BITS	26
#define RT_HANDLE_MASK	((UINT32_C(1) << RT_HANDLE_BITS) - 1)
#define RT_TAG_MASK		UINT32_C(63)

/* A trie reference: RT_LEAF | handle, an internal node index, or empty. */
#define RT_LEAF			UINT32_C(0x80000000)
#define RT_EMPTY		UINT32_MAX

/* Trie key: 160 ID bits, 1 "not BEP42" bit, 32 handle bits. */
#define RT_ID_BITS		160
#define RT_KEY_BITS		(RT_ID_BITS + 1 + 32)

/* Times saturate here (48 bits of milliseconds). */
#define RT_TIME_MAX		((UINT64_C(1) << 48) - 1)

/* Record kind bits. */
#define RT_KIND_V6		0x1
#define RT_KIND_PUBLIC	0x2		/* public address: subnet rules apply */

/* Flags a caller may set. */
#define RT_FLAGS_MASK	(ROUTING_F_BEP42 | ROUTING_F_SAMPLES)

/* Lists; the first two are the liveness lists. */
enum rt_list
{
	RT_LIST_OTHER = 0,			/* not BEP42, not bad */
	RT_LIST_BEP42 = 1,			/* BEP42, not bad */
	RT_LIST_BAD = 2,
	RT_LIST_FREE = 3			/* record not in use */
};

#define RT_NLISTS 3

/* Record time slots. */
enum rt_time
{
	RT_T_REPLY = 0,				/* last answer to our query */
	RT_T_HEARD,					/* last answer or query from it */
	RT_T_SENT,					/* our last query to it (0 = never) */
	RT_T_SAMPLE,				/* BEP 51: not before */
	RT_NTIMES
};

/* The two hash tables. */
enum rt_table
{
	RT_H_ADDR = 0,				/* ip:port */
	RT_H_SUBNET = 1				/* /24 or /64 of public entries */
};

struct rt_rec
{
	uint8_t		id[20];
	uint8_t		ip[16];			/* IPv4: ip[0..3], rest zero */
	uint32_t	t_lo[RT_NTIMES];
	uint16_t	t_hi[RT_NTIMES];
	uint16_t	port;
	uint8_t		kind;			/* RT_KIND_* */
	uint8_t		list;			/* enum rt_list */
	uint8_t		fails;
	uint8_t		flags;			/* ROUTING_F_* */
	uint32_t	prev;			/* list links; next is the free-list link */
	uint32_t	next;
	uint32_t	subnet_next;	/* chain of the same subnet (public only) */
};

_Static_assert(sizeof(struct rt_rec) == 80, "record layout");

struct rt_hash
{
	uint32_t   *slot;
	uint32_t	nslots;
	uint64_t	seed;
};

struct routing
{
	size_t		max_nodes;
	int			allow_private;
	unsigned	region_bits;
	uint64_t	clock;			/* latest now_ms seen */
	size_t		mem;			/* bytes allocated */

	struct rt_rec *rec;
	size_t		n;				/* records in use */
	uint32_t	rec_hwm;		/* records ever handed out */
	uint32_t	rec_free;

	uint32_t   *tchild;			/* 2 per internal node */
	uint8_t    *tbit;			/* crit bit per internal node */
	uint32_t	t_hwm;
	uint32_t	t_free;
	uint32_t	root[2];		/* per family: 0 IPv4, 1 IPv6 */

	struct rt_hash hash[2];		/* enum rt_table */

	uint32_t	head[RT_NLISTS];
	uint32_t	tail[RT_NLISTS];
	size_t		len[RT_NLISTS];
	/* liveness lists: entries before bnd were questionable at bnd_time */
	uint32_t	bnd[2];
	size_t		nq[2];
	uint64_t	bnd_time;

	struct routing_stats st;	/* event counters only */
};

/* ---------------------------------------------------------------------- */
/* Small helpers */

static uint64_t
rec_time(const struct rt_rec *r, enum rt_time i)
{
	uint64_t	v = ((uint64_t) r->t_hi[i] << 32) | r->t_lo[i];

	return v == RT_TIME_MAX ? UINT64_MAX : v;
}

static void
rec_set_time(struct rt_rec *r, enum rt_time i, uint64_t v)
{
	if (v > RT_TIME_MAX)
		v = RT_TIME_MAX;
	r->t_lo[i] = (uint32_t) v;
	r->t_hi[i] = (uint16_t) (v >> 32);
}

static uint64_t
max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

static int
rec_family(const struct rt_rec *r)
{
	return (r->kind & RT_KIND_V6) ? AF_INET6 : AF_INET;
}

static size_t
family_iplen(int family)
{
	return family == AF_INET6 ? 16 : 4;
}

/* Bytes of the subnet prefix: /24 or /64. */
static size_t
family_subnet_len(int family)
{
	return family == AF_INET6 ? 8 : 3;
}

static void
rec_to_netaddr(const struct rt_rec *r, struct netaddr *a)
{
	memset(a, 0, sizeof(*a));
	a->family = rec_family(r);
	memcpy(a->ip, r->ip, sizeof(r->ip));
	a->port = r->port;
}

static bool
rec_matches(const struct rt_rec *r, const struct netaddr *a)
{
	return rec_family(r) == a->family && r->port == a->port &&
		memcmp(r->ip, a->ip, family_iplen(a->family)) == 0;
}

/* Not heard from for ROUTING_GOOD_MS at now (bad-ness aside). */
static bool
rec_stale(const struct rt_rec *r, uint64_t now)
{
	uint64_t	heard = rec_time(r, RT_T_HEARD);

	return now >= heard && now - heard >= ROUTING_GOOD_MS;
}

static enum rt_list
rec_live_list(const struct rt_rec *r)
{
	return (r->flags & ROUTING_F_BEP42) ? RT_LIST_BEP42 : RT_LIST_OTHER;
}

/* The first bits bits of two IDs are equal. */
static bool
same_region(const uint8_t *a, const uint8_t *b, unsigned bits)
{
	unsigned	full = bits / 8;
	unsigned	rest = bits % 8;
	uint8_t		mask;

	if (memcmp(a, b, full) != 0)
		return false;
	if (rest == 0)
		return true;
	mask = (uint8_t) (0xff << (8 - rest));
	return ((a[full] ^ b[full]) & mask) == 0;
}

static void
copy_out(const struct routing *rt, uint32_t h, struct routing_node *out)
{
	const struct rt_rec *r = &rt->rec[h];

	memset(out, 0, sizeof(*out));
	memcpy(out->id, r->id, sizeof(out->id));
	rec_to_netaddr(r, &out->addr);
	out->last_reply_ms = rec_time(r, RT_T_REPLY);
	out->last_query_ms = rec_time(r, RT_T_SENT);
	out->next_sample_ms = rec_time(r, RT_T_SAMPLE);
	out->last_heard_ms = rec_time(r, RT_T_HEARD);
	out->fails = r->fails;
	out->flags = r->flags;
}

/* ---------------------------------------------------------------------- */
/* Hash tables (ip:port and subnet), keyed by a netaddr */

static uint64_t
key_hash(const struct routing *rt, enum rt_table t, const struct netaddr *a)
{
	struct netaddr m;

	if (t == RT_H_ADDR)
		return netaddr_hash_ip(a, rt->hash[t].seed ^
							   ((uint64_t) a->port * UINT64_C(0x9E3779B97F4A7C15)));
	memset(&m, 0, sizeof(m));
	m.family = a->family;
	memcpy(m.ip, a->ip, family_subnet_len(a->family));
	return netaddr_hash_ip(&m, rt->hash[t].seed);
}

static bool
key_match(const struct routing *rt, enum rt_table t, uint32_t h,
		  const struct netaddr *a)
{
	const struct rt_rec *r = &rt->rec[h];

	if (t == RT_H_ADDR)
		return rec_matches(r, a);
	return rec_family(r) == a->family &&
		memcmp(r->ip, a->ip, family_subnet_len(a->family)) == 0;
}

static uint32_t
hash_pos(const struct rt_hash *hs, uint64_t hv)
{
	return (uint32_t) (((hv >> 32) * (uint64_t) hs->nslots) >> 32);
}

static uint32_t
hash_next(const struct rt_hash *hs, uint32_t pos)
{
	return pos + 1 == hs->nslots ? 0 : pos + 1;
}

/*
 * The handle stored under key a, or RT_NONE; *pos_out (if not NULL) gets
 * its slot index.
 */
static uint32_t
hash_find(const struct routing *rt, enum rt_table t, const struct netaddr *a,
		  uint32_t *pos_out)
{
	const struct rt_hash *hs = &rt->hash[t];
	uint64_t	hv = key_hash(rt, t, a);
	uint32_t	tag = (uint32_t) hv & RT_TAG_MASK;
	uint32_t	pos = hash_pos(hs, hv);

	for (;;)
	{
		uint32_t	s = hs->slot[pos];

		if (s == 0)
			return RT_NONE;
		if ((s >> RT_HANDLE_BITS) == tag &&
			key_match(rt, t, (s & RT_HANDLE_MASK) - 1, a))
		{
			if (pos_out)
				*pos_out = pos;
			return (s & RT_HANDLE_MASK) - 1;
		}
		pos = hash_next(hs, pos);
	}
}

/* Store handle h under key a (which is absent); the load cap keeps a hole. */
static void
hash_insert(struct routing *rt, enum rt_table t, const struct netaddr *a,
			uint32_t h)
{
	struct rt_hash *hs = &rt->hash[t];
	uint64_t	hv = key_hash(rt, t, a);
	uint32_t	pos = hash_pos(hs, hv);

	while (hs->slot[pos] != 0)
		pos = hash_next(hs, pos);
	hs->slot[pos] = (((uint32_t) hv & RT_TAG_MASK) << RT_HANDLE_BITS) | (h + 1);
}

/* Point slot pos (same key) at handle h. */
static void
hash_repoint(struct routing *rt, enum rt_table t, uint32_t pos, uint32_t h)
{
	uint32_t   *s = &rt->hash[t].slot[pos];

	*s = (*s & ~RT_HANDLE_MASK) | (h + 1);
}

/* Empty slot pos, shifting later entries of the probe run back. */
static void
hash_delete(struct routing *rt, enum rt_table t, uint32_t pos)
{
	struct rt_hash *hs = &rt->hash[t];
	uint32_t	n = hs->nslots;
	uint32_t	j = pos;

	for (;;)
	{
		struct netaddr a;
		uint32_t	s,
					home;

		j = hash_next(hs, j);
		s = hs->slot[j];
		if (s == 0)
			break;
		rec_to_netaddr(&rt->rec[(s & RT_HANDLE_MASK) - 1], &a);
		home = hash_pos(hs, key_hash(rt, t, &a));
		/* movable if the hole lies on its probe path (home .. j) */
		if ((j + n - home) % n >= (j + n - pos) % n)
		{
			hs->slot[pos] = s;
			pos = j;
		}
	}
	hs->slot[pos] = 0;
}

static uint32_t
addr_lookup(const struct routing *rt, const struct netaddr *a)
{
	if (a->family != AF_INET && a->family != AF_INET6)
		return RT_NONE;
	return hash_find(rt, RT_H_ADDR, a, NULL);
}

/* ---------------------------------------------------------------------- */
/* Subnet chains (public entries only) */

static void
subnet_link(struct routing *rt, uint32_t h, const struct netaddr *a)
{
	uint32_t	pos;
	uint32_t	head = hash_find(rt, RT_H_SUBNET, a, &pos);

	rt->rec[h].subnet_next = head;
	if (head == RT_NONE)
		hash_insert(rt, RT_H_SUBNET, a, h);
	else
		hash_repoint(rt, RT_H_SUBNET, pos, h);
}

static void
subnet_unlink(struct routing *rt, uint32_t h)
{
	struct netaddr a;
	uint32_t	pos,
				cur;

	rec_to_netaddr(&rt->rec[h], &a);
	cur = hash_find(rt, RT_H_SUBNET, &a, &pos);
	if (cur == h)
	{
		if (rt->rec[h].subnet_next == RT_NONE)
			hash_delete(rt, RT_H_SUBNET, pos);
		else
			hash_repoint(rt, RT_H_SUBNET, pos, rt->rec[h].subnet_next);
		return;
	}
	while (cur != RT_NONE && rt->rec[cur].subnet_next != h)
		cur = rt->rec[cur].subnet_next;
	if (cur != RT_NONE)
		rt->rec[cur].subnet_next = rt->rec[h].subnet_next;
}

/*
 * Would one more entry of a's subnet with this id break subnet rule (1) or
 * (2)?  Entry skip (RT_NONE for none) is not counted: it is being replaced.
 */
static bool
subnet_refuses(const struct routing *rt, const struct netaddr *a,
			   const uint8_t *id, uint32_t skip)
{
	uint32_t	h = hash_find(rt, RT_H_SUBNET, a, NULL);
	size_t		total = 0,
				in_region = 0;

	for (; h != RT_NONE; h = rt->rec[h].subnet_next)
	{
		if (h == skip)
			continue;
		total++;
		if (same_region(rt->rec[h].id, id, rt->region_bits) &&
			++in_region >= ROUTING_MAX_PER_SUBNET)
			return true;
	}
	return skip == RT_NONE && total >= ROUTING_SUBNET_MAX;
}

/* ---------------------------------------------------------------------- */
/* Crit-bit trie over (ID, not-BEP42, handle) */

static unsigned
key_bit(const struct routing *rt, uint32_t h, unsigned b)
{
	const struct rt_rec *r = &rt->rec[h];

	if (b < RT_ID_BITS)
		return (r->id[b >> 3] >> (7 - (b & 7))) & 1;
	if (b == RT_ID_BITS)
		return (r->flags & ROUTING_F_BEP42) ? 0 : 1;
	return (h >> (31 - (b - RT_ID_BITS - 1))) & 1;
}

/* Bits of a target: its ID bits, then zeros (BEP42 first, low handles first). */
static unsigned
target_bit(const uint8_t *target, unsigned b)
{
	if (b >= RT_ID_BITS)
		return 0;
	return (target[b >> 3] >> (7 - (b & 7))) & 1;
}

/* First key bit where distinct handles a and b differ. */
static unsigned
first_diff(const struct routing *rt, uint32_t a, uint32_t b)
{
	const uint8_t *x = rt->rec[a].id;
	const uint8_t *y = rt->rec[b].id;
	unsigned	i;

	for (i = 0; i < 20; i++)
		if (x[i] != y[i])
			return i * 8 + (unsigned) __builtin_clz((unsigned) (x[i] ^ y[i])) - 24;
	if (key_bit(rt, a, RT_ID_BITS) != key_bit(rt, b, RT_ID_BITS))
		return RT_ID_BITS;
	return RT_ID_BITS + 1 + (unsigned) __builtin_clz(a ^ b);
}

static uint32_t
tnode_alloc(struct routing *rt)
{
	uint32_t	i = rt->t_free;

	if (i != RT_NONE)
		rt->t_free = rt->tchild[2 * i];
	else
		i = rt->t_hwm++;
	return i;
}

static void
tnode_free(struct routing *rt, uint32_t i)
{
	rt->tchild[2 * i] = rt->t_free;
	rt->t_free = i;
}

/* Insert leaf h (its record's id, flags and family are set). */
static void
trie_insert(struct routing *rt, uint32_t h)
{
	uint32_t   *p = &rt->root[rec_family(&rt->rec[h]) == AF_INET6];
	uint32_t	cur = *p;
	unsigned	crit,
				dir;
	uint32_t	i;

	if (cur == RT_EMPTY)
	{
		*p = RT_LEAF | h;
		return;
	}
	while (!(cur & RT_LEAF))
		cur = rt->tchild[2 * cur + key_bit(rt, h, rt->tbit[cur])];
	crit = first_diff(rt, cur & ~RT_LEAF, h);
	while (!(*p & RT_LEAF) && rt->tbit[*p] < crit)
		p = &rt->tchild[2 * *p + key_bit(rt, h, rt->tbit[*p])];
	dir = key_bit(rt, h, crit);
	i = tnode_alloc(rt);
	rt->tbit[i] = (uint8_t) crit;
	rt->tchild[2 * i + dir] = RT_LEAF | h;
	rt->tchild[2 * i + 1 - dir] = *p;
	*p = i;
}

/* Remove leaf h; its record must still hold the key it was inserted with. */
static void
trie_remove(struct routing *rt, uint32_t h)
{
	uint32_t   *p = &rt->root[rec_family(&rt->rec[h]) == AF_INET6];
	uint32_t   *pp = NULL;
	uint32_t	parent = RT_NONE;
	unsigned	dir = 0;

	if (*p == RT_EMPTY)
		return;
	while (!(*p & RT_LEAF))
	{
		pp = p;
		parent = *p;
		dir = key_bit(rt, h, rt->tbit[parent]);
		p = &rt->tchild[2 * parent + dir];
	}
	if (*p != (RT_LEAF | h))
		return;					/* not present: cannot happen */
	if (pp == NULL)
	{
		*p = RT_EMPTY;
		return;
	}
	*pp = rt->tchild[2 * parent + 1 - dir];
	tnode_free(rt, parent);
}

/* ---------------------------------------------------------------------- */
/* Lists and the questionable boundary */

static void
list_append(struct routing *rt, uint32_t h, enum rt_list l)
{
	struct rt_rec *r = &rt->rec[h];

	r->list = (uint8_t) l;
	r->prev = rt->tail[l];
	r->next = RT_NONE;
	if (rt->tail[l] != RT_NONE)
		rt->rec[rt->tail[l]].next = h;
	else
		rt->head[l] = h;
	rt->tail[l] = h;
	rt->len[l]++;
	/* h was just heard, so it is after the boundary */
	if (l != RT_LIST_BAD && rt->bnd[l] == RT_NONE)
		rt->bnd[l] = h;
}

static void
list_remove(struct routing *rt, uint32_t h)
{
	struct rt_rec *r = &rt->rec[h];
	enum rt_list l = (enum rt_list) r->list;

	if (l != RT_LIST_BAD)
	{
		if (rt->bnd[l] == h)
			rt->bnd[l] = r->next;
		else if (rec_stale(r, rt->bnd_time))
			rt->nq[l]--;		/* it was before the boundary */
	}
	if (r->prev != RT_NONE)
		rt->rec[r->prev].next = r->next;
	else
		rt->head[l] = r->next;
	if (r->next != RT_NONE)
		rt->rec[r->next].prev = r->prev;
	else
		rt->tail[l] = r->prev;
	rt->len[l]--;
}

/*
 * Start of every mutating call: take now (never backwards) and move the
 * boundaries past entries that became questionable.  Returns the clock.
 */
static uint64_t
advance(struct routing *rt, uint64_t now)
{
	int			l;

	rt->clock = max_u64(rt->clock, now);
	for (l = 0; l < 2; l++)
		while (rt->bnd[l] != RT_NONE && rec_stale(&rt->rec[rt->bnd[l]], rt->clock))
		{
			rt->nq[l]++;
			rt->bnd[l] = rt->rec[rt->bnd[l]].next;
		}
	rt->bnd_time = rt->clock;
	return rt->clock;
}

/* ---------------------------------------------------------------------- */
/* Records */

static uint32_t
rec_alloc(struct routing *rt)
{
	uint32_t	h = rt->rec_free;

	if (h != RT_NONE)
		rt->rec_free = rt->rec[h].next;
	else
		h = rt->rec_hwm++;
	rt->n++;
	return h;
}

/* Unlink entry h from every structure and free its record. */
static void
remove_entry(struct routing *rt, uint32_t h)
{
	struct rt_rec *r = &rt->rec[h];
	struct netaddr a;
	uint32_t	pos;

	list_remove(rt, h);
	trie_remove(rt, h);
	rec_to_netaddr(r, &a);
	if (hash_find(rt, RT_H_ADDR, &a, &pos) == h)
		hash_delete(rt, RT_H_ADDR, pos);
	if (r->kind & RT_KIND_PUBLIC)
		subnet_unlink(rt, h);
	r->list = RT_LIST_FREE;
	r->next = rt->rec_free;
	rt->rec_free = h;
	rt->n--;
}

/*
 * Refuse bad families, port 0, IPv4-mapped IPv6 and addresses whose class
 * is not allowed; otherwise set *kind and return 0.
 */
static int
addr_check(const struct routing *rt, const struct netaddr *a, uint8_t *kind)
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	enum addrclass cls;

	if ((a->family != AF_INET && a->family != AF_INET6) || a->port == 0)
		return -1;
	if (a->family == AF_INET6 && memcmp(a->ip, mapped, sizeof(mapped)) == 0)
		return -1;
	cls = addrclass_of(a->family, a->ip);
	if (!addrclass_allowed(cls, rt->allow_private))
		return -1;
	*kind = (uint8_t) ((a->family == AF_INET6 ? RT_KIND_V6 : 0) |
					   (cls == ADDRCLASS_PUBLIC ? RT_KIND_PUBLIC : 0));
	return 0;
}

/*
 * The entry to evict for a newcomer with these flags: the oldest bad one,
 * else the questionable non-BEP42 one heard from longest ago, else (BEP42
 * newcomers only) the same among BEP42 entries; RT_NONE if none.
 */
static uint32_t
pick_victim(const struct routing *rt, unsigned flags, uint64_t now)
{
	uint32_t	h = rt->head[RT_LIST_BAD];

	if (h != RT_NONE)
		return h;
	h = rt->head[RT_LIST_OTHER];
	if (h != RT_NONE && rec_stale(&rt->rec[h], now))
		return h;
	h = rt->head[RT_LIST_BEP42];
	if ((flags & ROUTING_F_BEP42) && h != RT_NONE && rec_stale(&rt->rec[h], now))
		return h;
	return RT_NONE;
}

/* ---------------------------------------------------------------------- */
/* Create, destroy, configuration */

/* Smallest R with max_nodes <= ROUTING_K * 2^R: ~K nodes per region. */
static unsigned
region_bits_for(size_t max_nodes)
{
	unsigned	r = 0;

	while (r < RT_ID_BITS && ((size_t) ROUTING_K << r) < max_nodes)
		r++;
	return r;
}

static void *
rt_calloc(struct routing *rt, size_t n, size_t size)
{
	void	   *p = calloc(n, size);

	if (p != NULL)
		rt->mem += n * size;
	return p;
}

struct routing *
routing_create(const struct routing_config *cfg)
{
	struct routing *rt;
	size_t		max,
				nslots;
	int			i;

	if (cfg == NULL || cfg->max_nodes == 0 || cfg->max_nodes > ROUTING_MAX_NODES)
	{
		errno = EINVAL;
		return NULL;
	}
	max = cfg->max_nodes;
	nslots = max + max / 3 + 2; /* load <= 3/4, always an empty slot */
	rt = calloc(1, sizeof(*rt));
	if (rt == NULL)
		return NULL;
	rt->mem = sizeof(*rt);
	rt->rec = rt_calloc(rt, max, sizeof(struct rt_rec));
	rt->tchild = rt_calloc(rt, 2 * max, sizeof(uint32_t));
	rt->tbit = rt_calloc(rt, max, sizeof(uint8_t));
	for (i = 0; i < 2; i++)
	{
		rt->hash[i].slot = rt_calloc(rt, nslots, sizeof(uint32_t));
		rt->hash[i].nslots = (uint32_t) nslots;
	}
	if (!rt->rec || !rt->tchild || !rt->tbit ||
		!rt->hash[0].slot || !rt->hash[1].slot)
	{
		routing_destroy(rt);
		errno = ENOMEM;
		return NULL;
	}
	rt->hash[RT_H_ADDR].seed = cfg->hash_seed;
	rt->hash[RT_H_SUBNET].seed = cfg->hash_seed ^ UINT64_C(0x5851F42D4C957F2D);
	rt->max_nodes = max;
	rt->allow_private = cfg->allow_private != 0;
	rt->region_bits = region_bits_for(max);
	rt->rec_free = rt->t_free = RT_NONE;
	rt->root[0] = rt->root[1] = RT_EMPTY;
	for (i = 0; i < RT_NLISTS; i++)
		rt->head[i] = rt->tail[i] = RT_NONE;
	rt->bnd[0] = rt->bnd[1] = RT_NONE;
	return rt;
}

void
routing_destroy(struct routing *rt)
{
	if (rt == NULL)
		return;
	free(rt->rec);
	free(rt->tchild);
	free(rt->tbit);
	free(rt->hash[0].slot);
	free(rt->hash[1].slot);
	free(rt);
}

/* Turning the setting off walks the pool once (a SIGHUP, not a packet). */
void
routing_set_allow_private(struct routing *rt, int allow)
{
	int			was = rt->allow_private;
	uint32_t	h;

	rt->allow_private = allow != 0;
	if (allow || !was)
		return;
	for (h = 0; h < rt->rec_hwm; h++)
		if (rt->rec[h].list != RT_LIST_FREE &&
			!(rt->rec[h].kind & RT_KIND_PUBLIC))
		{
			remove_entry(rt, h);
			rt->st.evicted++;
		}
}

/* ---------------------------------------------------------------------- */
/* Events */

/* Known ip:port answered with its stored id. */
static int
refresh_entry(struct routing *rt, uint32_t h, unsigned flags, uint64_t now)
{
	struct rt_rec *r = &rt->rec[h];
	uint8_t		newflags = (uint8_t) ((r->flags & ~ROUTING_F_BEP42) |
									  (flags & RT_FLAGS_MASK));

	list_remove(rt, h);
	if ((newflags ^ r->flags) & ROUTING_F_BEP42)
	{
		trie_remove(rt, h);		/* the BEP42 bit is part of the key */
		r->flags = newflags;
		trie_insert(rt, h);
	}
	r->flags = newflags;
	r->fails = 0;
	rec_set_time(r, RT_T_REPLY, now);
	rec_set_time(r, RT_T_HEARD, now);
	list_append(rt, h, rec_live_list(r));
	rt->st.refreshed++;
	return ROUTING_REFRESHED;
}

/* Known ip:port answered with a new id: the old ID is gone from there. */
static int
replace_entry(struct routing *rt, uint32_t h, const uint8_t *id,
			  const struct netaddr *a, unsigned flags, uint64_t now)
{
	struct rt_rec *r = &rt->rec[h];

	if ((r->kind & RT_KIND_PUBLIC) && subnet_refuses(rt, a, id, h))
	{
		remove_entry(rt, h);
		rt->st.refused_subnet++;
		return ROUTING_ERR_SUBNET;
	}
	list_remove(rt, h);
	trie_remove(rt, h);
	memcpy(r->id, id, sizeof(r->id));
	r->flags = (uint8_t) (flags & RT_FLAGS_MASK);
	r->fails = 0;
	rec_set_time(r, RT_T_REPLY, now);
	rec_set_time(r, RT_T_HEARD, now);
	rec_set_time(r, RT_T_SAMPLE, 0);
	trie_insert(rt, h);
	list_append(rt, h, rec_live_list(r));
	rt->st.replaced++;
	return ROUTING_REPLACED;
}

static void
fill_record(struct rt_rec *r, const uint8_t *id, const struct netaddr *a,
			uint8_t kind, unsigned flags, uint64_t now)
{
	memset(r, 0, sizeof(*r));
	memcpy(r->id, id, sizeof(r->id));
	memcpy(r->ip, a->ip, family_iplen(a->family));
	r->port = a->port;
	r->kind = kind;
	r->flags = (uint8_t) (flags & RT_FLAGS_MASK);
	r->subnet_next = RT_NONE;
	rec_set_time(r, RT_T_REPLY, now);
	rec_set_time(r, RT_T_HEARD, now);
}

static int
insert_entry(struct routing *rt, const uint8_t *id, const struct netaddr *a,
			 uint8_t kind, unsigned flags, uint64_t now)
{
	uint32_t	h;

	if ((kind & RT_KIND_PUBLIC) && subnet_refuses(rt, a, id, RT_NONE))
	{
		rt->st.refused_subnet++;
		return ROUTING_ERR_SUBNET;
	}
	if (rt->n == rt->max_nodes)
	{
		uint32_t	victim = pick_victim(rt, flags, now);

		if (victim == RT_NONE)
		{
			rt->st.refused_full++;
			return ROUTING_ERR_FULL;
		}
		remove_entry(rt, victim);
		rt->st.evicted++;
	}
	h = rec_alloc(rt);
	fill_record(&rt->rec[h], id, a, kind, flags, now);
	hash_insert(rt, RT_H_ADDR, a, h);
	if (kind & RT_KIND_PUBLIC)
		subnet_link(rt, h, a);
	trie_insert(rt, h);
	list_append(rt, h, rec_live_list(&rt->rec[h]));
	rt->st.added++;
	return ROUTING_ADDED;
}

int
routing_on_reply(struct routing *rt, const uint8_t id[20],
				 const struct netaddr *addr, unsigned flags, uint64_t now_ms)
{
	uint64_t	now = advance(rt, now_ms);
	uint8_t		kind;
	uint32_t	h;

	if (addr_check(rt, addr, &kind) != 0)
	{
		rt->st.refused_address++;
		return ROUTING_ERR_ADDRESS;
	}
	h = addr_lookup(rt, addr);
	if (h == RT_NONE)
		return insert_entry(rt, id, addr, kind, flags, now);
	if (memcmp(rt->rec[h].id, id, 20) == 0)
		return refresh_entry(rt, h, flags, now);
	return replace_entry(rt, h, id, addr, flags, now);
}

void
routing_on_query(struct routing *rt, const uint8_t id[20],
				 const struct netaddr *addr, uint64_t now_ms)
{
	uint64_t	now = advance(rt, now_ms);
	uint32_t	h = addr_lookup(rt, addr);
	struct rt_rec *r;

	if (h == RT_NONE || memcmp(rt->rec[h].id, id, 20) != 0)
		return;
	r = &rt->rec[h];
	if (r->list == RT_LIST_BAD)
	{
		/* alive, but it does not answer us: stays bad */
		rec_set_time(r, RT_T_HEARD, now);
		return;
	}
	list_remove(rt, h);
	rec_set_time(r, RT_T_HEARD, now);
	list_append(rt, h, rec_live_list(r));
}

void
routing_on_sent(struct routing *rt, const struct netaddr *addr, uint64_t now_ms)
{
	uint64_t	now = advance(rt, now_ms);
	uint32_t	h = addr_lookup(rt, addr);

	if (h != RT_NONE)
		rec_set_time(&rt->rec[h], RT_T_SENT, now);
}

void
routing_on_timeout(struct routing *rt, const struct netaddr *addr,
				   uint64_t now_ms)
{
	uint32_t	h;
	struct rt_rec *r;

	advance(rt, now_ms);
	h = addr_lookup(rt, addr);
	if (h == RT_NONE)
		return;
	r = &rt->rec[h];
	if (r->fails < UINT8_MAX)
		r->fails++;
	if (r->fails >= ROUTING_FAILS_BAD && r->list != RT_LIST_BAD)
	{
		list_remove(rt, h);
		list_append(rt, h, RT_LIST_BAD);
	}
}

void
routing_set_sample_info(struct routing *rt, const struct netaddr *addr,
						uint64_t next_sample_ms, int supports_samples)
{
	uint32_t	h = addr_lookup(rt, addr);
	struct rt_rec *r;

	if (h == RT_NONE)
		return;
	r = &rt->rec[h];
	rec_set_time(r, RT_T_SAMPLE, next_sample_ms);
	if (supports_samples)
		r->flags |= ROUTING_F_SAMPLES;
	else
		r->flags &= (uint8_t) ~ROUTING_F_SAMPLES;
}

/* ---------------------------------------------------------------------- */
/* Queries */

/*
 * May entry h join a closest result that holds out[0..n)?  Not if bad, nor
 * if its public subnet already has ROUTING_MAX_PER_SUBNET public entries.
 */
static bool
closest_accepts(const struct routing *rt, uint32_t h,
				const struct routing_node *out, size_t n)
{
	const struct rt_rec *r = &rt->rec[h];
	size_t		plen = family_subnet_len(rec_family(r));
	size_t		i,
				same = 0;

	if (r->list == RT_LIST_BAD)
		return false;
	if (!(r->kind & RT_KIND_PUBLIC))
		return true;
	for (i = 0; i < n; i++)
		if (memcmp(out[i].addr.ip, r->ip, plen) == 0 &&
			addrclass_of(out[i].addr.family, out[i].addr.ip) == ADDRCLASS_PUBLIC &&
			++same >= ROUTING_MAX_PER_SUBNET)
			return false;
	return true;
}

/*
 * Depth-first walk taking the target's side first; the stack holds the
 * other sides, deepest on top, which are the next closest subtrees.  Bits
 * grow strictly along a path, so the stack never exceeds RT_KEY_BITS.
 */
size_t
routing_closest(const struct routing *rt, const uint8_t target[20],
				int family, size_t k, struct routing_node *out)
{
	uint32_t	stack[RT_KEY_BITS + 1];
	size_t		sp = 0,
				n = 0;
	uint32_t	cur;

	if (k == 0 || (family != AF_INET && family != AF_INET6))
		return 0;
	cur = rt->root[family == AF_INET6];
	if (cur == RT_EMPTY)
		return 0;
	for (;;)
	{
		while (!(cur & RT_LEAF))
		{
			unsigned	d = target_bit(target, rt->tbit[cur]);

			stack[sp++] = rt->tchild[2 * cur + 1 - d];
			cur = rt->tchild[2 * cur + d];
		}
		if (closest_accepts(rt, cur & ~RT_LEAF, out, n))
		{
			copy_out(rt, cur & ~RT_LEAF, &out[n++]);
			if (n == k)
				break;
		}
		if (sp == 0)
			break;
		cur = stack[--sp];
	}
	return n;
}

/* The next entry of a liveness list walk, or RT_NONE once fresh ones start. */
static uint32_t
stale_or_none(const struct routing *rt, uint32_t h, uint64_t now)
{
	return (h != RT_NONE && rec_stale(&rt->rec[h], now)) ? h : RT_NONE;
}

/* Merge the two liveness lists from their heads, oldest heard first. */
size_t
routing_questionable(const struct routing *rt, uint64_t now_ms,
					 uint64_t min_gap_ms, size_t max, struct routing_node *out)
{
	uint64_t	now = max_u64(now_ms, rt->clock);
	uint32_t	a = rt->head[RT_LIST_OTHER],
				b = rt->head[RT_LIST_BEP42];
	size_t		n = 0,
				skipped = 0;

	while (n < max)
	{
		uint32_t	h;
		uint64_t	sent;

		a = stale_or_none(rt, a, now);
		b = stale_or_none(rt, b, now);
		if (a == RT_NONE && b == RT_NONE)
			break;
		if (b == RT_NONE || (a != RT_NONE && rec_time(&rt->rec[a], RT_T_HEARD) <=
							 rec_time(&rt->rec[b], RT_T_HEARD)))
		{
			h = a;
			a = rt->rec[a].next;
		}
		else
		{
			h = b;
			b = rt->rec[b].next;
		}
		sent = rec_time(&rt->rec[h], RT_T_SENT);
		if (sent != 0 && (now < sent || now - sent < min_gap_ms))
		{
			if (++skipped >= ROUTING_SCAN_CAP)
				break;
			continue;
		}
		copy_out(rt, h, &out[n++]);
	}
	return n;
}

static uint64_t
gcd_u64(uint64_t a, uint64_t b)
{
	while (b != 0)
	{
		uint64_t	t = a % b;

		a = b;
		b = t;
	}
	return a;
}

/*
 * Visit the pool in the order start, start+stride, ... (mod hwm) with a
 * stride coprime to hwm, both from rnd: a different permutation per call,
 * so nodes inserted together (one reply's neighbours) are not taken together.
 */
size_t
routing_sample_candidates(const struct routing *rt, uint64_t now_ms,
						  uint64_t rnd, size_t max, struct routing_node *out)
{
	uint64_t	now = max_u64(now_ms, rt->clock);
	uint64_t	m = rt->rec_hwm;
	uint64_t	pos,
				stride,
				i,
				limit;
	size_t		n = 0;

	if (m == 0 || max == 0)
		return 0;
	pos = rnd % m;
	stride = 1 + (rnd >> 32) % m;
	while (gcd_u64(stride, m) != 1)
		stride = stride % m + 1;
	limit = m < ROUTING_SCAN_CAP ? m : ROUTING_SCAN_CAP;
	for (i = 0; i < limit && n < max; i++, pos = (pos + stride) % m)
	{
		const struct rt_rec *r = &rt->rec[pos];

		if (r->list == RT_LIST_FREE || r->list == RT_LIST_BAD)
			continue;
		if (rec_time(r, RT_T_SAMPLE) <= now)
			copy_out(rt, (uint32_t) pos, &out[n++]);
	}
	return n;
}

int
routing_get(const struct routing *rt, const struct netaddr *addr,
			struct routing_node *out)
{
	uint32_t	h = addr_lookup(rt, addr);

	if (h == RT_NONE)
		return 0;
	copy_out(rt, h, out);
	return 1;
}

/* Merge the two liveness lists from their tails, most recently heard first. */
size_t
routing_export(const struct routing *rt, size_t max, struct routing_node *out,
			   uint64_t now_ms)
{
	uint64_t	now = max_u64(now_ms, rt->clock);
	uint32_t	a = rt->tail[RT_LIST_OTHER],
				b = rt->tail[RT_LIST_BEP42];
	size_t		n = 0;

	while (n < max)
	{
		uint32_t	h;

		if (a != RT_NONE && rec_stale(&rt->rec[a], now))
			a = RT_NONE;
		if (b != RT_NONE && rec_stale(&rt->rec[b], now))
			b = RT_NONE;
		if (a == RT_NONE && b == RT_NONE)
			break;
		if (a == RT_NONE || (b != RT_NONE && rec_time(&rt->rec[b], RT_T_HEARD) >=
							 rec_time(&rt->rec[a], RT_T_HEARD)))
		{
			h = b;
			b = rt->rec[b].prev;
		}
		else
		{
			h = a;
			a = rt->rec[a].prev;
		}
		copy_out(rt, h, &out[n++]);
	}
	return n;
}

size_t
routing_count(const struct routing *rt)
{
	return rt->n;
}

/*
 * Questionable = those counted before each boundary at the last mutating
 * call, plus those that went stale since (walked from the boundary).
 */
void
routing_stats(const struct routing *rt, uint64_t now_ms, struct routing_stats *out)
{
	uint64_t	now = max_u64(now_ms, rt->clock);
	size_t		q = 0;
	int			l;

	*out = rt->st;
	for (l = 0; l < 2; l++)
	{
		uint32_t	h;

		q += rt->nq[l];
		for (h = rt->bnd[l]; h != RT_NONE && rec_stale(&rt->rec[h], now);
			 h = rt->rec[h].next)
			q++;
	}
	out->nodes = rt->n;
	out->bad = rt->len[RT_LIST_BAD];
	out->questionable = q;
	out->good = rt->len[RT_LIST_OTHER] + rt->len[RT_LIST_BEP42] - q;
}

unsigned
routing_region_bits(const struct routing *rt)
{
	return rt->region_bits;
}

size_t
routing_memory_size(const struct routing *rt)
{
	return rt->mem;
}

const char *
routing_strerror(int rc)
{
	switch (rc)
	{
		case ROUTING_ADDED:
			return "added";
		case ROUTING_REFRESHED:
			return "refreshed";
		case ROUTING_REPLACED:
			return "replaced a different ID at this address";
		case ROUTING_ERR_ADDRESS:
			return "address refused (martian, private, IPv4-mapped, port 0 "
				"or unknown family)";
		case ROUTING_ERR_SUBNET:
			return "too many entries from this subnet";
		case ROUTING_ERR_FULL:
			return "table full and no entry evictable";
	}
	return "unknown routing result";
}
