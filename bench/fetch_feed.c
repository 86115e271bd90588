/*
 * fetch_feed.c
 *		Who holds what in a dht_sim world, and announces of it to a worker:
 *		the harness of the metadata fetch benchmarks (bench/README.md,
 *		bench/run_fetch_bench.sh).
 *
 * The simulator's manifest names each torrent's hashes but not its peers.
 * This program rebuilds the same world as dht_sim (test/sim/world.c, from
 * the same options: it accepts every dht_sim option, uses the same
 * defaults, and ignores the ones that do not shape the world) and then:
 *
 *   fetch_feed list [sim options] [selection] --out FILE
 *		Writes one line per selected torrent: index, info_hash (the index
 *		key: SHA-1, or the truncated SHA-256 of a v2-only torrent),
 *		info_hash_v2 (64 hex, or "-"), kind, info_size, and the torrent's
 *		servable peers as ip:port,... (honest or slow ones, the others are
 *		left out), tab-separated.  bench/fetch_lt.py turns each line into a
 *		magnet link and gives libtorrent those peers.
 *
 *   fetch_feed announce [sim options] [selection] --target IP:PORT[,...]
 *				--port P [--rate R] [--window W] [--list FILE]
 *		For each selected torrent, from the address of its first servable
 *		peer (one socket on 0.0.0.0:P, the source address chosen per
 *		datagram with IP_PKTINFO), sends get_peers for the torrent's key to
 *		one of the targets (round robin), then announce_peer with the
 *		token of the reply and port = --peer-port: exactly what a peer
 *		announcing into the DHT does when it reaches the worker, so the
 *		worker learns each hash together with a peer that serves it, and
 *		needs no lookup.  At most W exchanges are outstanding, at most R
 *		datagrams/s are sent; a query unanswered after 2 s is sent again
 *		(three tries).  With --list FILE (written by list), the torrents,
 *		their keys and first peers come from the file and the world is not
 *		rebuilt (sim options and selection other than --limit are then
 *		ignored).  Prints "FEED start_ms=..." when the first datagram
 *		leaves and "FEED done ..." (epoch milliseconds, counts) at the end.
 *
 *   fetch_feed manifest [sim options] --out FILE
 *		Writes the simulator's manifest for these options (the run script
 *		compares it with the one dht_sim wrote: the same bytes prove that
 *		both built the same world).  --manifest-out FILE does the same in
 *		the other modes (one world build instead of two: huge torrents
 *		take ~65 ms each to build).
 *
 * Selection: --first I --count N (torrent indexes; default all), then
 * --min-info B / --max-info B (info dict bytes) and --limit N (stop after
 * N selected).  Torrents without a servable peer are never selected.
 *
 * Invariant: every datagram goes to and leaves from an address in
 * 127.0.0.0/8 (test/sim/loopudp.c exits rather than send anything else).
 * Bounded: announce gives up after --seconds (default 300).
 *
 * Build (from the repository root):
 *   gcc -O2 -std=c11 -D_GNU_SOURCE -Iextension/core -Itest/sim \
 *       bench/fetch_feed.c test/sim/world.c test/sim/population.c \
 *       test/sim/names.c test/sim/loopudp.c extension/core/[a-z]*.c \
 *       -lsodium -lm -o build/fetch_feed
 *   (every extension/core C file; the script passes them one by one)
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "krpc.h"
#include "loopudp.h"
#include "world.h"
#include "worldopts.h"

#define SOCKBUF (8 * 1024 * 1024)
#define MAX_TARGETS 64
#define RETRY_MS 2000
#define MAX_TRIES 3
/* Transaction ids: 'g' or 'a', then the torrent's selection number */
#define TID_LEN 5

enum feed_state
{
	FS_WAIT = 0,				/* nothing sent yet */
	FS_GET_PEERS,				/* get_peers sent, waiting for the token */
	FS_ANNOUNCE,				/* announce_peer sent */
	FS_DONE,
	FS_FAILED
};

struct item
{
	uint32_t	torrent;
	uint32_t	src;			/* peer address, host order */
	uint16_t	port;			/* the peer's TCP port, announced */
	uint8_t		key[20];
	uint8_t		state;
	uint8_t		tries;
	uint8_t		token_len;
	uint8_t		token[KRPC_MAX_TOKEN_LEN];
	uint64_t	sent_ms;
};

struct options
{
	struct world_config world;
	uint16_t	peer_port;
	const char *mode;
	const char *out;
	const char *manifest_out;
	const char *list;
	uint32_t	first;
	uint32_t	count;
	uint64_t	min_info;
	uint64_t	max_info;
	uint32_t	limit;
	struct sockaddr_in targets[MAX_TARGETS];
	int			ntargets;
	uint16_t	port;
	uint32_t	rate;
	uint32_t	window;
	uint32_t	seconds;
};

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t) ts.tv_sec * 1000 + (uint64_t) ts.tv_nsec / 1000000;
}

static uint64_t
epoch_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t) ts.tv_sec * 1000 + (uint64_t) ts.tv_nsec / 1000000;
}

static void
fail(const char *msg, const char *arg)
{
	fprintf(stderr, "fetch_feed: %s%s%s\n", msg, arg ? ": " : "", arg ? arg : "");
	exit(2);
}

/* dht_sim's defaults for everything that shapes the world (worldopts.c) */
static void
defaults(struct options *o)
{
	memset(o, 0, sizeof(*o));
	worldopts_defaults(&o->world);
	o->peer_port = 17882;
	o->count = UINT32_MAX;
	o->max_info = UINT64_MAX;
	o->limit = UINT32_MAX;
	o->rate = 20000;
	o->window = 512;
	o->seconds = 300;
}

/* "ip:port,ip:port" into o->targets (127/8 only) */
static void
targets_arg(struct options *o, const char *s)
{
	char		buf[4096];
	char	   *tok,
			   *save = NULL;

	if (strlen(s) >= sizeof(buf))
		fail("target list too long", NULL);
	strcpy(buf, s);
	for (tok = strtok_r(buf, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save))
	{
		char	   *colon = strrchr(tok, ':');
		struct sockaddr_in *t;

		if (colon == NULL || o->ntargets == MAX_TARGETS)
			fail("bad target", tok);
		*colon = '\0';
		t = &o->targets[o->ntargets++];
		memset(t, 0, sizeof(*t));
		t->sin_family = AF_INET;
		t->sin_addr.s_addr = htonl(worldopts_net(tok));
		t->sin_port = htons((uint16_t) worldopts_count(colon + 1, 65535));
	}
}

enum opt_code
{
	O_PEER_PORT = 256, O_IGNORED, O_OUT, O_FIRST, O_COUNT, O_MIN_INFO,
	O_MAX_INFO, O_LIMIT, O_TARGET, O_PORT, O_RATE, O_WINDOW, O_SECONDS,
	O_MANIFEST_OUT, O_LIST
};

static const struct option long_options[] = {
	WORLDOPTS_LONG_OPTIONS,
	{"peer-port", 1, 0, O_PEER_PORT},
	/* dht_sim options that do not shape the world */
	{"duration", 1, 0, O_IGNORED}, {"dht-port", 1, 0, O_IGNORED},
	{"slow-ms", 1, 0, O_IGNORED}, {"sample-interval", 1, 0, O_IGNORED},
	{"search-rate", 1, 0, O_IGNORED}, {"announce-rate", 1, 0, O_IGNORED},
	{"manifest", 1, 0, O_IGNORED}, {"entries", 1, 0, O_IGNORED},
	{"status", 1, 0, O_IGNORED},
	/* ours */
	{"out", 1, 0, O_OUT}, {"first", 1, 0, O_FIRST}, {"count", 1, 0, O_COUNT},
	{"min-info", 1, 0, O_MIN_INFO}, {"max-info", 1, 0, O_MAX_INFO},
	{"limit", 1, 0, O_LIMIT}, {"target", 1, 0, O_TARGET},
	{"port", 1, 0, O_PORT}, {"rate", 1, 0, O_RATE},
	{"window", 1, 0, O_WINDOW}, {"seconds", 1, 0, O_SECONDS},
	{"manifest-out", 1, 0, O_MANIFEST_OUT}, {"list", 1, 0, O_LIST},
	{0, 0, 0, 0}
};

static void
take_option(struct options *o, int code, const char *name, const char *arg)
{
	switch (code)
	{
		case WORLDOPTS_CODE: worldopts_take(&o->world, name, arg); break;
		case O_PEER_PORT: o->peer_port = (uint16_t) worldopts_count(arg, 65534); break;
		case O_IGNORED: break;
		case O_OUT: o->out = arg; break;
		case O_MANIFEST_OUT: o->manifest_out = arg; break;
		case O_LIST: o->list = arg; break;
		case O_FIRST: o->first = (uint32_t) worldopts_count(arg, UINT32_MAX); break;
		case O_COUNT: o->count = (uint32_t) worldopts_count(arg, UINT32_MAX); break;
		case O_MIN_INFO: o->min_info = worldopts_count(arg, ~0ULL); break;
		case O_MAX_INFO: o->max_info = worldopts_count(arg, ~0ULL); break;
		case O_LIMIT: o->limit = (uint32_t) worldopts_count(arg, UINT32_MAX); break;
		case O_TARGET: targets_arg(o, arg); break;
		case O_PORT: o->port = (uint16_t) worldopts_count(arg, 65535); break;
		case O_RATE: o->rate = (uint32_t) worldopts_count(arg, 10000000); break;
		case O_WINDOW: o->window = (uint32_t) worldopts_count(arg, 1000000); break;
		case O_SECONDS: o->seconds = (uint32_t) worldopts_count(arg, 3600); break;
		default: fail("unknown option (see the header of bench/fetch_feed.c)", NULL);
	}
}

static void
parse_options(int argc, char **argv, struct options *o)
{
	int			code,
				idx = 0;

	defaults(o);
	if (argc < 2)
		fail("usage: fetch_feed list|announce|manifest [options]", NULL);
	o->mode = argv[1];
	optind = 2;
	while ((code = getopt_long(argc, argv, "", long_options, &idx)) != -1)
		take_option(o, code, code == '?' ? "" : long_options[idx].name, optarg);
	if (optind != argc)
		fail("unexpected argument", argv[optind]);
	worldopts_finish(&o->world);
}

/* The first peer of torrent t that serves it (honest or slow), or -1 */
static int64_t
servable_peer(const struct world *w, uint32_t t, uint32_t k0)
{
	uint32_t	k;

	for (k = w->torrent_peer_off[t] + k0; k < w->torrent_peer_off[t + 1]; k++)
	{
		int			b = w->peer_behaviour[w->torrent_peers[k]];

		if (b == PEER_HONEST || b == PEER_SLOW)
			return (int64_t) (k - w->torrent_peer_off[t]);
	}
	return -1;
}

static int
selected(const struct options *o, const struct world *w, uint32_t t)
{
	const struct sim_torrent *st = population_get(w->pop, t);

	return t >= o->first && t - o->first < o->count &&
		st->info_size >= o->min_info && st->info_size <= o->max_info &&
		servable_peer(w, t, 0) >= 0;
}

static void
put_hex(FILE *f, const uint8_t *p, size_t n)
{
	size_t		i;

	for (i = 0; i < n; i++)
		fprintf(f, "%02x", p[i]);
}

static void
put_addr(FILE *f, uint32_t a, uint16_t port)
{
	fprintf(f, "%u.%u.%u.%u:%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255,
			a & 255, port);
}

static int
do_list(const struct options *o, const struct world *w, FILE *f)
{
	uint32_t	nt = (uint32_t) population_count(w->pop),
				t,
				n = 0;

	for (t = 0; t < nt && n < o->limit; t++)
	{
		const struct sim_torrent *st = population_get(w->pop, t);
		uint32_t	k;
		int			first = 1;

		if (!selected(o, w, t))
			continue;
		n++;
		fprintf(f, "%u\t", t);
		put_hex(f, st->hash, 20);
		fputc('\t', f);
		if (st->kind == SIM_KIND_V1)
			fputc('-', f);
		else
			put_hex(f, st->hash_v2, 32);
		fprintf(f, "\t%s\t%u\t", population_kind_name(st->kind), st->info_size);
		for (k = w->torrent_peer_off[t]; k < w->torrent_peer_off[t + 1]; k++)
		{
			uint32_t	p = w->torrent_peers[k];
			int			b = w->peer_behaviour[p];

			if (b != PEER_HONEST && b != PEER_SLOW)
				continue;
			if (!first)
				fputc(',', f);
			first = 0;
			put_addr(f, world_peer_addr(w, p), o->peer_port);
		}
		fputc('\n', f);
	}
	fprintf(stderr, "fetch_feed: %u torrents listed\n", n);
	return fflush(f) == 0 ? 0 : 1;
}

/* ------------------------------------------------------------------------
 * announce
 * ------------------------------------------------------------------------
 */

struct feed
{
	const struct options *o;
	struct item *items;
	uint32_t	nitems;
	uint32_t	next;			/* first item never sent */
	uint32_t	outstanding;
	uint32_t	done;
	uint32_t	failed;
	uint64_t	sent;
	uint64_t	received;
	uint64_t	errors;			/* KRPC errors (bad token...) */
	uint64_t	retries;
	uint64_t	ignored;		/* queries from the worker, stray replies */
	double		credit;			/* datagrams we may send now */
	uint64_t	last_credit_ms;
	struct loopudp_batch out;
	struct loopudp_batch in;
	struct krpc_msg msg;
	uint8_t		node_id[20];
};

static uint32_t
collect_items(struct feed *fd, const struct world *w)
{
	uint32_t	nt = (uint32_t) population_count(w->pop),
				t;

	fd->items = calloc(nt, sizeof(struct item));
	if (fd->items == NULL)
		fail("out of memory", NULL);
	for (t = 0; t < nt && fd->nitems < fd->o->limit; t++)
	{
		struct item *it;
		int64_t		k;

		if (!selected(fd->o, w, t))
			continue;
		k = servable_peer(w, t, 0);
		it = &fd->items[fd->nitems++];
		it->torrent = t;
		it->src = world_peer_addr(w, w->torrent_peers[w->torrent_peer_off[t] + (uint32_t) k]);
		it->port = fd->o->peer_port;
		memcpy(it->key, population_get(w->pop, t)->hash, 20);
	}
	return fd->nitems;
}

static int
hex_byte(const char *p)
{
	int			v = 0,
				i;

	for (i = 0; i < 2; i++)
	{
		char		c = p[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else
			return -1;
	}
	return v;
}

/*
 * Items from a file written by "list": the index, the key and the first
 * peer of each line (the world is not rebuilt: huge torrents are slow to).
 */
static uint32_t
read_items(struct feed *fd, const char *path)
{
	FILE	   *f = fopen(path, "r");
	char		line[8192];
	uint32_t	cap = 1024;

	if (f == NULL)
		fail("cannot read", path);
	fd->items = calloc(cap, sizeof(struct item));
	while (fd->items != NULL && fgets(line, sizeof(line), f) != NULL &&
		   fd->nitems < fd->o->limit)
	{
		struct item *it;
		char		hex[41],
					ip[64];
		unsigned	idx,
					port,
					k;
		struct in_addr a;

		if (sscanf(line, "%u\t%40s\t%*s\t%*s\t%*s\t%63[0-9.]:%u", &idx, hex, ip, &port) != 4 ||
			strlen(hex) != 40 || inet_pton(AF_INET, ip, &a) != 1 ||
			(ntohl(a.s_addr) >> 24) != 127 || port == 0 || port > 65535)
			fail("bad list line", line);
		if (fd->nitems == cap)
		{
			cap *= 2;
			fd->items = realloc(fd->items, cap * sizeof(struct item));
			if (fd->items == NULL)
				break;
			memset(fd->items + fd->nitems, 0, (cap - fd->nitems) * sizeof(struct item));
		}
		it = &fd->items[fd->nitems++];
		it->torrent = idx;
		it->src = ntohl(a.s_addr);
		it->port = (uint16_t) port;
		for (k = 0; k < 20; k++)
		{
			int			b = hex_byte(hex + 2 * k);

			if (b < 0)
				fail("bad hash in list", hex);
			it->key[k] = (uint8_t) b;
		}
	}
	if (fd->items == NULL)
		fail("out of memory", NULL);
	fclose(f);
	return fd->nitems;
}

static void
flush_out(struct feed *fd, int sock)
{
	if (fd->out.n > 0)
		(void) loopudp_send(sock, &fd->out);
}

/* Queue the next message of item i (get_peers or announce_peer) */
static void
send_item(struct feed *fd, int sock, uint32_t i, uint64_t now)
{
	struct item *it = &fd->items[i];
	const struct sockaddr_in *to = &fd->o->targets[i % (uint32_t) fd->o->ntargets];
	struct krpc_query q;
	uint8_t		tid[TID_LEN];
	uint8_t    *slot;
	size_t		s,
				len = 0;

	if (loopudp_full(&fd->out))
		flush_out(fd, sock);
	tid[0] = it->state == FS_ANNOUNCE ? 'a' : 'g';
	memcpy(tid + 1, &i, 4);
	memset(&q, 0, sizeof(q));
	q.method = it->state == FS_ANNOUNCE ? KRPC_M_ANNOUNCE_PEER : KRPC_M_GET_PEERS;
	q.tid = tid;
	q.tid_len = TID_LEN;
	q.id = fd->node_id;
	q.info_hash = it->key;
	if (it->state == FS_ANNOUNCE)
	{
		q.port = it->port;
		q.token = it->token;
		q.token_len = it->token_len;
	}
	slot = loopudp_add(&fd->out, it->src, to, &s);
	if (krpc_build_query(slot, LOOPUDP_DGRAM_MAX, &q, &len) != KRPC_OK)
		fail("could not build a query", NULL);
	loopudp_set_len(&fd->out, s, len);
	it->sent_ms = now;
	it->tries++;
	fd->sent++;
	fd->credit -= 1.0;
}

static void
finish_item(struct feed *fd, struct item *it, int ok)
{
	it->state = ok ? FS_DONE : FS_FAILED;
	fd->outstanding--;
	if (ok)
		fd->done++;
	else
		fd->failed++;
}

/* A datagram from the worker: a reply that moves an item on, or noise */
static void
take_reply(struct feed *fd, int sock, const uint8_t *buf, size_t len,
		   uint64_t now)
{
	struct krpc_msg *m = &fd->msg;
	struct item *it;
	uint32_t	i;

	if (krpc_parse(buf, len, m) != KRPC_OK || m->type == 'q' ||
		m->tid_len != TID_LEN)
	{
		fd->ignored++;
		return;
	}
	memcpy(&i, m->tid + 1, 4);
	if (i >= fd->nitems)
	{
		fd->ignored++;
		return;
	}
	it = &fd->items[i];
	fd->received++;
	if (m->tid[0] == 'g' && it->state == FS_GET_PEERS && m->type == 'r' &&
		m->token != NULL && m->token_len > 0)
	{
		it->token_len = (uint8_t) m->token_len;
		memcpy(it->token, m->token, m->token_len);
		it->state = FS_ANNOUNCE;
		it->tries = 0;
		send_item(fd, sock, i, now);
	}
	else if (m->tid[0] == 'a' && it->state == FS_ANNOUNCE)
	{
		if (m->type == 'e')
			fd->errors++;
		finish_item(fd, it, m->type == 'r');
	}
	else
		fd->ignored++;
}

static void
receive_all(struct feed *fd, int sock, uint64_t now)
{
	int			n,
				k;

	while ((n = loopudp_recv(sock, &fd->in)) > 0)
		for (k = 0; k < n; k++)
			take_reply(fd, sock, fd->in.data[k], fd->in.len[k], now);
}

/* Resend what timed out (scanning only the items that can be outstanding) */
static void
resend_due(struct feed *fd, int sock, uint64_t now)
{
	static uint32_t lowest = 0;
	uint32_t	i;

	while (lowest < fd->next &&
		   (fd->items[lowest].state == FS_DONE || fd->items[lowest].state == FS_FAILED))
		lowest++;
	for (i = lowest; i < fd->next && fd->credit >= 1.0; i++)
	{
		struct item *it = &fd->items[i];

		if ((it->state != FS_GET_PEERS && it->state != FS_ANNOUNCE) ||
			now - it->sent_ms < RETRY_MS)
			continue;
		if (it->tries >= MAX_TRIES)
		{
			finish_item(fd, it, 0);
			continue;
		}
		fd->retries++;
		send_item(fd, sock, i, now);
	}
}

static void
start_new(struct feed *fd, int sock, uint64_t now)
{
	while (fd->next < fd->nitems && fd->outstanding < fd->o->window &&
		   fd->credit >= 2.0)
	{
		fd->items[fd->next].state = FS_GET_PEERS;
		fd->outstanding++;
		send_item(fd, sock, fd->next++, now);
	}
}

static void
add_credit(struct feed *fd, uint64_t now)
{
	double		cap = fd->o->rate / 100.0 + 2.0;

	fd->credit += (double) (now - fd->last_credit_ms) * fd->o->rate / 1000.0;
	if (fd->credit > cap)
		fd->credit = cap;
	fd->last_credit_ms = now;
}

static int
do_announce(const struct options *o, const struct world *w)
{
	struct feed *fd = calloc(1, sizeof(struct feed));
	int			sock;
	uint64_t	t0,
				start_epoch,
				deadline;

	if (fd == NULL)
		fail("out of memory", NULL);
	if (o->ntargets == 0 || o->port == 0)
		fail("announce needs --target and --port", NULL);
	fd->o = o;
	if ((o->list != NULL ? read_items(fd, o->list) : collect_items(fd, w)) == 0)
		fail("no torrent selected", NULL);
	memcpy(fd->node_id, "fetch_feed-announcer", 20);
	sock = loopudp_open(INADDR_ANY, o->port, SOCKBUF);
	if (sock < 0)
		fail("could not open the UDP socket", NULL);
	t0 = now_ms();
	start_epoch = epoch_ms();
	deadline = t0 + (uint64_t) o->seconds * 1000;
	fd->last_credit_ms = t0;
	fd->credit = 2.0;
	printf("FEED start_ms=%llu items=%u\n", (unsigned long long) start_epoch,
		   fd->nitems);
	fflush(stdout);
	while (fd->done + fd->failed < fd->nitems && now_ms() < deadline)
	{
		struct pollfd p = {sock, POLLIN, 0};
		uint64_t	now;

		(void) poll(&p, 1, 1);
		now = now_ms();
		add_credit(fd, now);
		receive_all(fd, sock, now);
		resend_due(fd, sock, now);
		start_new(fd, sock, now);
		flush_out(fd, sock);
	}
	printf("FEED done end_ms=%llu seconds=%.3f items=%u announced=%u failed=%u "
		   "unfinished=%u sent=%llu received=%llu errors=%llu retries=%llu "
		   "ignored=%llu\n",
		   (unsigned long long) epoch_ms(), (now_ms() - t0) / 1000.0,
		   fd->nitems, fd->done, fd->failed,
		   fd->nitems - fd->done - fd->failed,
		   (unsigned long long) fd->sent, (unsigned long long) fd->received,
		   (unsigned long long) fd->errors, (unsigned long long) fd->retries,
		   (unsigned long long) fd->ignored);
	return fd->done == fd->nitems ? 0 : 1;
}

static int
write_manifest(const struct world *w, const char *path)
{
	FILE	   *f = fopen(path, "w");

	if (f == NULL)
		return -1;
	if (world_write_manifest(w, f) != 0)
	{
		fclose(f);
		return -1;
	}
	return fclose(f);
}

int
main(int argc, char **argv)
{
	struct options o;
	struct world *w;
	FILE	   *f = stdout;
	int			rc;

	parse_options(argc, argv, &o);
	if (strcmp(o.mode, "announce") == 0 && o.list != NULL)
		return do_announce(&o, NULL);
	w = world_create(&o.world);
	if (w == NULL)
		return 2;
	if (o.manifest_out != NULL && write_manifest(w, o.manifest_out) != 0)
		fail("cannot write", o.manifest_out);
	if (strcmp(o.mode, "announce") == 0)
		return do_announce(&o, w);
	if (o.out != NULL && (f = fopen(o.out, "w")) == NULL)
		fail("cannot write", o.out);
	if (strcmp(o.mode, "list") == 0)
		rc = do_list(&o, w, f);
	else if (strcmp(o.mode, "manifest") == 0)
		rc = world_write_manifest(w, f) == 0 ? 0 : 1;
	else
		fail("mode must be list, announce or manifest", o.mode);
	if (f != stdout && fclose(f) != 0)
		rc = 1;
	world_destroy(w);
	return rc;
}
