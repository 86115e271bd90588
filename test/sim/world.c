/*
 * world.c
 *		The simulated network's fixed facts, drawn from the seed (world.h).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "splitmix.h"
#include "world.h"

/* Stream selectors, so that nodes, peers and torrents draw independently */
#define STREAM_NODE 0x6e6f6465ULL
#define STREAM_PEER 0x70656572ULL
#define STREAM_HOLD 0x686f6c64ULL

static const char *const peer_behaviour_names[PEER_BEHAVIOURS] = {
	"honest", "slow", "unreachable", "no_metadata", "reject", "lie_size",
	"wrong_bytes", "drop"
};
static const char *const node_behaviour_names[NODE_BEHAVIOURS] = {
	"honest", "silent", "garbage"
};
static const char *const outcome_names[OUTCOMES] = {
	"servable", "liars_only", "unservable"
};

/* An RNG state for item i of a stream */
static uint64_t
stream_state(uint64_t seed, uint64_t stream, uint64_t i)
{
	uint64_t	s = seed ^ (stream * 0x9E3779B97F4A7C15ULL) ^ (i << 1);

	(void) splitmix64_next(&s);
	return s;
}

/* Uniform double in [0, 1) */
static double
uniform(uint64_t *s)
{
	return (double) (splitmix64_next(s) >> 11) / 9007199254740992.0;
}

/* Pick a behaviour index from shares (index 0 takes what is left) */
static int
pick_share(const double *share, int n, double u)
{
	double		acc = 0;
	int			b;

	for (b = 1; b < n; b++)
	{
		acc += share[b];
		if (u < acc)
			return b;
	}
	return 0;
}

static int
check_config(const struct world_config *c)
{
	double		sum = 0;
	int			b;

	if (c->nnodes < 16 || c->nnodes > WORLD_MAX_NODES)
		return fprintf(stderr, "sim: nodes must be 16..%u\n", WORLD_MAX_NODES), -1;
	if (c->npeers < 1 || c->npeers > WORLD_MAX_PEERS)
		return fprintf(stderr, "sim: peers must be 1..%u\n", WORLD_MAX_PEERS), -1;
	if (!(c->peers_per_torrent >= 1.0 && c->peers_per_torrent <= 16.0))
		return fprintf(stderr, "sim: peers per torrent must be 1..16\n"), -1;
	for (b = 1; b < PEER_BEHAVIOURS; b++)
		sum += c->peer_share[b];
	if (sum > 1.0)
		return fprintf(stderr, "sim: misbehaving peer shares exceed 1\n"), -1;
	if (c->node_share[NODE_SILENT] + c->node_share[NODE_GARBAGE] > 1.0)
		return fprintf(stderr, "sim: misbehaving node shares exceed 1\n"), -1;
	if ((c->node_net >> 24) != 127 || (c->peer_net >> 24) != 127 ||
		((c->node_net + c->nnodes + 1) >> 24) != 127 ||
		((c->peer_net + c->npeers + 1) >> 24) != 127)
		return fprintf(stderr, "sim: address ranges must stay in 127.0.0.0/8\n"), -1;
	if (c->node_net < c->peer_net + c->npeers + 1 &&
		c->peer_net < c->node_net + c->nnodes + 1)
		return fprintf(stderr, "sim: node and peer address ranges overlap\n"), -1;
	return 0;
}

static void
draw_nodes(struct world *w)
{
	uint32_t	i;

	for (i = 0; i < w->cfg.nnodes; i++)
	{
		uint64_t	s = stream_state(w->cfg.seed, STREAM_NODE, i);
		int			k;

		for (k = 0; k < 20; k += 4)
		{
			uint32_t	v = (uint32_t) splitmix64_next(&s);

			memcpy(w->node_id[i] + k, &v, 4);
		}
		w->node_behaviour[i] = (uint8_t) pick_share(w->cfg.node_share,
													NODE_BEHAVIOURS, uniform(&s));
		w->node_bep51[i] = uniform(&s) < w->cfg.share_bep51;
	}
}

static void
draw_peers(struct world *w)
{
	uint32_t	j;

	for (j = 0; j < w->cfg.npeers; j++)
	{
		uint64_t	s = stream_state(w->cfg.seed, STREAM_PEER, j);

		w->peer_behaviour[j] = (uint8_t) pick_share(w->cfg.peer_share,
													PEER_BEHAVIOURS, uniform(&s));
	}
}

/*
 * Peers of one torrent: floor of a Pareto draw whose continuous mean is
 * peers_per_torrent (most torrents get one peer, a few get dozens).
 */
static uint32_t
draw_peer_count(const struct world *w, uint64_t *s)
{
	double		m = w->cfg.peers_per_torrent;
	double		n;

	if (m <= 1.0)
		return 1;
	n = floor(pow(1.0 - uniform(s), -(m - 1.0) / m));
	if (n > WORLD_MAX_PEERS_PER_TORRENT)
		n = WORLD_MAX_PEERS_PER_TORRENT;
	if (n > w->cfg.npeers)
		n = w->cfg.npeers;
	return n < 1 ? 1 : (uint32_t) n;
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t	x = *(const uint32_t *) a,
				y = *(const uint32_t *) b;

	return x < y ? -1 : x > y;
}

/* Distinct random peers for torrent t into out[0..n), sorted */
static void
draw_holders(const struct world *w, uint64_t *s, uint32_t *out, uint32_t n)
{
	uint32_t	got = 0;

	while (got < n)
	{
		uint32_t	p = (uint32_t) (splitmix64_next(s) % w->cfg.npeers);
		uint32_t	k;

		for (k = 0; k < got && out[k] != p; k++)
			;
		if (k == got)
			out[got++] = p;
	}
	qsort(out, n, sizeof(uint32_t), cmp_u32);
}

static int
outcome_of(const struct world *w, const uint32_t *peers, uint32_t n)
{
	int			liar = 0;
	uint32_t	k;

	for (k = 0; k < n; k++)
	{
		int			b = w->peer_behaviour[peers[k]];

		if (b == PEER_HONEST || b == PEER_SLOW)
			return OUTCOME_SERVABLE;
		if (b == PEER_LIE_SIZE || b == PEER_WRONG_BYTES)
			liar = 1;
	}
	return liar ? OUTCOME_LIARS_ONLY : OUTCOME_UNSERVABLE;
}

/* The torrent -> peers arrays (two passes: counts, then members) */
static int
assign_holders(struct world *w)
{
	uint32_t	nt = (uint32_t) population_count(w->pop);
	uint32_t	t;
	size_t		total = 0;

	w->torrent_peer_off = malloc((nt + 1) * sizeof(uint32_t));
	w->torrent_outcome = malloc(nt);
	if (w->torrent_peer_off == NULL || w->torrent_outcome == NULL)
		return -1;
	for (t = 0; t < nt; t++)
	{
		uint64_t	s = stream_state(w->cfg.seed, STREAM_HOLD, t);

		w->torrent_peer_off[t] = (uint32_t) total;
		total += draw_peer_count(w, &s);
	}
	w->torrent_peer_off[nt] = (uint32_t) total;
	w->torrent_peers = malloc((total + 1) * sizeof(uint32_t));
	if (w->torrent_peers == NULL)
		return -1;
	for (t = 0; t < nt; t++)
	{
		uint64_t	s = stream_state(w->cfg.seed, STREAM_HOLD, t);
		uint32_t	n = draw_peer_count(w, &s);
		uint32_t   *out = w->torrent_peers + w->torrent_peer_off[t];

		draw_holders(w, &s, out, n);
		w->torrent_outcome[t] = (uint8_t) outcome_of(w, out, n);
		w->outcome_count[w->torrent_outcome[t]]++;
	}
	return 0;
}

static int
cmp_key(const void *a, const void *b)
{
	return memcmp(((const struct world_key *) a)->key,
				  ((const struct world_key *) b)->key, 20);
}

int
world_torrent_keys(const struct world *w, uint32_t torrent,
				   uint8_t keys[2][20])
{
	const struct sim_torrent *t = population_get(w->pop, torrent);
	int			n = 0;

	if (t->kind != SIM_KIND_V2)
		memcpy(keys[n++], t->hash, 20);
	if (t->kind != SIM_KIND_V1)
		memcpy(keys[n++], t->hash_v2, 20);
	return n;
}

static int
build_keys(struct world *w)
{
	uint32_t	nt = (uint32_t) population_count(w->pop);
	uint32_t	t;

	w->keys = malloc((size_t) nt * 2 * sizeof(struct world_key));
	if (w->keys == NULL)
		return -1;
	for (t = 0; t < nt; t++)
	{
		uint8_t		k[2][20];
		int			n = world_torrent_keys(w, t, k);
		int			i;

		for (i = 0; i < n; i++)
		{
			memcpy(w->keys[w->nkeys].key, k[i], 20);
			w->keys[w->nkeys++].torrent = t;
		}
	}
	qsort(w->keys, w->nkeys, sizeof(struct world_key), cmp_key);
	return 0;
}

struct world *
world_create(const struct world_config *cfg)
{
	struct world *w;

	if (check_config(cfg) != 0)
		return NULL;
	w = calloc(1, sizeof(*w));
	if (w == NULL)
		return NULL;
	w->cfg = *cfg;
	w->node_id = malloc((size_t) cfg->nnodes * 20);
	w->node_behaviour = malloc(cfg->nnodes);
	w->node_bep51 = malloc(cfg->nnodes);
	w->peer_behaviour = malloc(cfg->npeers);
	if (w->node_id == NULL || w->node_behaviour == NULL ||
		w->node_bep51 == NULL || w->peer_behaviour == NULL)
		goto fail;
	draw_nodes(w);
	draw_peers(w);
	w->pop = population_create(&cfg->pop);
	if (w->pop == NULL || assign_holders(w) != 0 || build_keys(w) != 0)
		goto fail;
	return w;
fail:
	fprintf(stderr, "sim: could not build the world\n");
	world_destroy(w);
	return NULL;
}

void
world_destroy(struct world *w)
{
	if (w == NULL)
		return;
	if (w->pop != NULL)
		population_destroy(w->pop);
	free(w->node_id);
	free(w->node_behaviour);
	free(w->node_bep51);
	free(w->peer_behaviour);
	free(w->torrent_peer_off);
	free(w->torrent_peers);
	free(w->torrent_outcome);
	free(w->keys);
	free(w);
}

int64_t
world_find_key(const struct world *w, const uint8_t key[20])
{
	uint32_t	lo = 0,
				hi = w->nkeys;

	while (lo < hi)
	{
		uint32_t	mid = lo + (hi - lo) / 2;
		int			c = memcmp(w->keys[mid].key, key, 20);

		if (c == 0)
			return mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* Index of addr in the range base+1 .. base+n, or -1 */
static int64_t
host_at(uint32_t base, uint32_t n, uint32_t addr)
{
	if (addr <= base || addr > base + n)
		return -1;
	return (int64_t) (addr - base - 1);
}

int64_t
world_node_at(const struct world *w, uint32_t addr)
{
	return host_at(w->cfg.node_net, w->cfg.nnodes, addr);
}

int64_t
world_peer_at(const struct world *w, uint32_t addr)
{
	return host_at(w->cfg.peer_net, w->cfg.npeers, addr);
}

uint32_t
world_node_addr(const struct world *w, uint32_t node)
{
	return w->cfg.node_net + 1 + node;
}

uint32_t
world_peer_addr(const struct world *w, uint32_t peer)
{
	return w->cfg.peer_net + 1 + peer;
}

int
world_peer_holds(const struct world *w, uint32_t peer, uint32_t torrent)
{
	const uint32_t *p = w->torrent_peers + w->torrent_peer_off[torrent];
	uint32_t	n = w->torrent_peer_off[torrent + 1] - w->torrent_peer_off[torrent];

	return bsearch(&peer, p, n, sizeof(uint32_t), cmp_u32) != NULL;
}

const char *
world_peer_behaviour_name(int b)
{
	return b >= 0 && b < PEER_BEHAVIOURS ? peer_behaviour_names[b] : "unknown";
}

const char *
world_node_behaviour_name(int b)
{
	return b >= 0 && b < NODE_BEHAVIOURS ? node_behaviour_names[b] : "unknown";
}

const char *
world_outcome_name(int o)
{
	return o >= 0 && o < OUTCOMES ? outcome_names[o] : "unknown";
}

static void
put_hex(FILE *f, const uint8_t *p, size_t n)
{
	size_t		i;

	for (i = 0; i < n; i++)
		fprintf(f, "%02x", p[i]);
}

/* The behaviours of torrent t's peers, comma-separated, in peer order */
static void
put_behaviours(FILE *f, const struct world *w, uint32_t t)
{
	uint32_t	p;

	for (p = w->torrent_peer_off[t]; p < w->torrent_peer_off[t + 1]; p++)
		fprintf(f, "%s%s", p > w->torrent_peer_off[t] ? "," : "",
				world_peer_behaviour_name(w->peer_behaviour[w->torrent_peers[p]]));
}

int
world_write_manifest(const struct world *w, FILE *f)
{
	uint32_t	nt = (uint32_t) population_count(w->pop);
	uint32_t	t;

	fprintf(f, "info_hash\tinfo_hash_v2\tkind\tprivate\ttotal_size\t"
			"file_count\tinfo_size\tpeers\texpected\tpeer_behaviours\tname\n");
	for (t = 0; t < nt; t++)
	{
		const struct sim_torrent *st = population_get(w->pop, t);

		put_hex(f, st->hash, 20);
		fputc('\t', f);
		if (st->kind == SIM_KIND_V1)
			fputc('-', f);
		else
			put_hex(f, st->hash_v2, 32);
		fprintf(f, "\t%s\t%d\t%llu\t%u\t%u\t%u\t%s\t",
				population_kind_name(st->kind), st->is_private,
				(unsigned long long) st->total_size, st->file_count,
				st->info_size,
				w->torrent_peer_off[t + 1] - w->torrent_peer_off[t],
				world_outcome_name(w->torrent_outcome[t]));
		put_behaviours(f, w, t);
		fprintf(f, "\t%s\n", population_name(w->pop, t));
	}
	return fflush(f) == 0 && !ferror(f) ? 0 : -1;
}
