/*
 * worldopts.c
 *		The options that shape a simulated world (worldopts.h).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "worldopts.h"

static void
bad_value(const char *what, const char *s)
{
	fprintf(stderr, "%s: %s\n", what, s);
	exit(2);
}

void
worldopts_defaults(struct world_config *c)
{
	memset(c, 0, sizeof(*c));
	c->seed = 1;
	c->nnodes = 2000;
	c->peers_per_torrent = 2.0;
	c->share_bep51 = 0.8;
	c->node_share[NODE_SILENT] = 0.05;
	c->node_share[NODE_GARBAGE] = 0.02;
	c->peer_share[PEER_SLOW] = 0.05;
	c->peer_share[PEER_UNREACHABLE] = 0.10;
	c->peer_share[PEER_NO_METADATA] = 0.03;
	c->peer_share[PEER_REJECT] = 0.03;
	c->peer_share[PEER_LIE_SIZE] = 0.02;
	c->peer_share[PEER_WRONG_BYTES] = 0.03;
	c->peer_share[PEER_DROP] = 0.02;
	c->node_net = (127u << 24) | (16u << 16);
	c->peer_net = (127u << 24) | (64u << 16);
	c->pop.ntorrents = 10000;
	c->pop.share_v2 = 0.10;
	c->pop.share_hybrid = 0.30;
	c->pop.share_private = 0.05;
	c->pop.share_huge = 0.001;
	c->pop.max_files = 5000;
}

double
worldopts_share(const char *s)
{
	char	   *end;
	double		v = strtod(s, &end);

	if (*s == '\0' || *end != '\0' || !(v >= 0.0 && v <= 1.0))
		bad_value("a share must be between 0 and 1", s);
	return v;
}

unsigned long long
worldopts_count(const char *s, unsigned long long max)
{
	char	   *end;
	unsigned long long v = strtoull(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v > max)
		bad_value("expected a number in range", s);
	return v;
}

uint32_t
worldopts_net(const char *s)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1 || (ntohl(a.s_addr) >> 24) != 127)
		bad_value("not a 127.0.0.0/8 address", s);
	return ntohl(a.s_addr);
}

/* Where a share option goes, or NULL */
static double *
share_of(struct world_config *c, const char *name)
{
	static const struct
	{
		const char *name;
		int			peer;		/* peer_share index, or -1 */
		int			node;		/* node_share index, or -1 */
	}			shares[] = {
		{"slow-peers", PEER_SLOW, -1},
		{"unreachable-peers", PEER_UNREACHABLE, -1},
		{"no-metadata-peers", PEER_NO_METADATA, -1},
		{"reject-peers", PEER_REJECT, -1},
		{"lie-size-peers", PEER_LIE_SIZE, -1},
		{"wrong-bytes-peers", PEER_WRONG_BYTES, -1},
		{"drop-peers", PEER_DROP, -1},
		{"silent-nodes", -1, NODE_SILENT},
		{"garbage-nodes", -1, NODE_GARBAGE},
	};
	size_t		i;

	for (i = 0; i < sizeof(shares) / sizeof(shares[0]); i++)
		if (strcmp(name, shares[i].name) == 0)
			return shares[i].peer >= 0 ? &c->peer_share[shares[i].peer] :
				&c->node_share[shares[i].node];
	if (strcmp(name, "bep51") == 0)
		return &c->share_bep51;
	if (strcmp(name, "v2") == 0)
		return &c->pop.share_v2;
	if (strcmp(name, "hybrid") == 0)
		return &c->pop.share_hybrid;
	if (strcmp(name, "private") == 0)
		return &c->pop.share_private;
	if (strcmp(name, "huge") == 0)
		return &c->pop.share_huge;
	return NULL;
}

void
worldopts_take(struct world_config *c, const char *name, const char *arg)
{
	double	   *share = share_of(c, name);

	if (share != NULL)
		*share = worldopts_share(arg);
	else if (strcmp(name, "nodes") == 0)
		c->nnodes = (uint32_t) worldopts_count(arg, WORLD_MAX_NODES);
	else if (strcmp(name, "torrents") == 0)
		c->pop.ntorrents = (uint32_t) worldopts_count(arg, POPULATION_MAX_TORRENTS);
	else if (strcmp(name, "peers") == 0)
	{
		c->npeers = (uint32_t) worldopts_count(arg, WORLD_MAX_PEERS);
		if (c->npeers == 0)
			bad_value("peers must be at least 1", arg);
	}
	else if (strcmp(name, "seed") == 0)
		c->seed = worldopts_count(arg, ~0ULL);
	else if (strcmp(name, "node-net") == 0)
		c->node_net = worldopts_net(arg);
	else if (strcmp(name, "peer-net") == 0)
		c->peer_net = worldopts_net(arg);
	else if (strcmp(name, "peers-per-torrent") == 0)
		c->peers_per_torrent = strtod(arg, NULL);
	else if (strcmp(name, "max-files") == 0)
		c->pop.max_files = (uint32_t) worldopts_count(arg, 1000000);
	else
		bad_value("not a world option", name);
}

void
worldopts_finish(struct world_config *c)
{
	if (c->npeers == 0)
		c->npeers = c->pop.ntorrents / 4 > 0 ? c->pop.ntorrents / 4 : 1;
	c->pop.seed = c->seed;
}
