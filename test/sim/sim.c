/*
 * sim.c
 *		dht_sim: an offline Mainline DHT on loopback, for integration tests,
 *		benchmarks and the offline demo.  See test/sim/README.md.
 *
 * Owns: the command line, the event loop (one epoll over the DHT socket
 * and the peers' epoll descriptor, a 10 ms tick), signals (SIGINT and
 * SIGTERM end the run cleanly), the bounded run time, the manifest file,
 * the READY line and the status summaries.  The network itself is
 * world.c (facts), dhtnet.c / dhtclient.c (DHT) and peerserve.c (peers).
 *
 * Output on stdout: "entry <addr:port,...>" (where a crawler should
 * bootstrap), "manifest <path>", "READY", then a status line every
 * --status seconds and a final one on exit.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <time.h>

#include "dhtnet.h"
#include "krpc.h"
#include "peerserve.h"
#include "world.h"
#include "worldopts.h"

#define TICK_MS 10

struct options
{
	struct world_config world;
	struct dhtnet_config dht;
	struct peerserve_config peers;
	const char *manifest;
	uint32_t	entries;
	uint32_t	status_s;
	uint32_t	duration_s;
};

static volatile sig_atomic_t stop_requested;

static void
on_signal(int sig)
{
	(void) sig;
	stop_requested = 1;
}

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t) ts.tv_sec * 1000 + (uint64_t) ts.tv_nsec / 1000000;
}

static void
defaults(struct options *o)
{
	memset(o, 0, sizeof(*o));
	worldopts_defaults(&o->world);
	o->dht.port = 17881;
	o->dht.sample_interval = 60;
	o->dht.search_rate = 20;
	o->dht.announce_rate = 20;
	o->peers.port = 17882;
	o->peers.slow_ms = 1500;
	o->manifest = "sim-manifest.tsv";
	o->entries = 8;
	o->status_s = 10;
}

static void
usage(void)
{
	fputs("usage: dht_sim [options]   (all optional; defaults in brackets)\n"
		  "  --nodes N [2000]  --torrents T [10000]  --peers P [T/4]\n"
		  "  --seed S [1]  --duration SECONDS [0: until SIGINT/SIGTERM]\n"
		  "  --dht-port P [17881]  --peer-port P [17882] (unreachable peers: P+1)\n"
		  "  --node-net 127.A.B.C [127.16.0.0]  --peer-net 127.A.B.C [127.64.0.0]\n"
		  "  --peers-per-torrent MEAN [2.0]  --bep51 SHARE [0.8]\n"
		  "  --v2 SHARE [0.10]  --hybrid SHARE [0.30]  --private SHARE [0.05]\n"
		  "  --huge SHARE [0.001] (info dict > 10 MiB)  --max-files N [5000]\n"
		  "  --silent-nodes SHARE [0.05]  --garbage-nodes SHARE [0.02]\n"
		  "  --slow-peers [0.05] --unreachable-peers [0.10] --no-metadata-peers [0.03]\n"
		  "  --reject-peers [0.03] --lie-size-peers [0.02] --wrong-bytes-peers [0.03]\n"
		  "  --drop-peers [0.02]  --slow-ms MS [1500]\n"
		  "  --sample-interval SECONDS [60]  --search-rate PER_S [20]\n"
		  "  --announce-rate PER_S [20]  --manifest FILE [sim-manifest.tsv]\n"
		  "  --entries N [8]  --status SECONDS [10]\n", stderr);
	exit(2);
}

enum opt_code
{
	O_DURATION = 256, O_DHT_PORT, O_PEER_PORT, O_SLOW_MS, O_INTERVAL,
	O_SEARCH, O_ANNOUNCE, O_MANIFEST, O_ENTRIES, O_STATUS, O_HELP
};

static const struct option long_options[] = {
	WORLDOPTS_LONG_OPTIONS,
	{"duration", 1, 0, O_DURATION}, {"dht-port", 1, 0, O_DHT_PORT},
	{"peer-port", 1, 0, O_PEER_PORT}, {"slow-ms", 1, 0, O_SLOW_MS},
	{"sample-interval", 1, 0, O_INTERVAL}, {"search-rate", 1, 0, O_SEARCH},
	{"announce-rate", 1, 0, O_ANNOUNCE}, {"manifest", 1, 0, O_MANIFEST},
	{"entries", 1, 0, O_ENTRIES}, {"status", 1, 0, O_STATUS},
	{"help", 0, 0, O_HELP}, {0, 0, 0, 0}
};

static void
take_option(struct options *o, int code, const char *name, const char *arg)
{
	switch (code)
	{
		case WORLDOPTS_CODE: worldopts_take(&o->world, name, arg); break;
		case O_DURATION: o->duration_s = (uint32_t) worldopts_count(arg, 86400 * 7); break;
		case O_DHT_PORT: o->dht.port = (uint16_t) worldopts_count(arg, 65535); break;
		case O_PEER_PORT: o->peers.port = (uint16_t) worldopts_count(arg, 65534); break;
		case O_SLOW_MS: o->peers.slow_ms = (uint32_t) worldopts_count(arg, 600000); break;
		case O_INTERVAL: o->dht.sample_interval = (uint32_t) worldopts_count(arg, 21600); break;
		case O_SEARCH: o->dht.search_rate = (double) worldopts_count(arg, 100000); break;
		case O_ANNOUNCE: o->dht.announce_rate = (double) worldopts_count(arg, 100000); break;
		case O_MANIFEST: o->manifest = arg; break;
		case O_ENTRIES: o->entries = (uint32_t) worldopts_count(arg, 1000); break;
		case O_STATUS: o->status_s = (uint32_t) worldopts_count(arg, 86400); break;
		default: usage();
	}
}

static void
parse_options(int argc, char **argv, struct options *o)
{
	int			code,
				idx = 0;

	defaults(o);
	while ((code = getopt_long(argc, argv, "", long_options, &idx)) != -1)
		take_option(o, code, code == '?' ? "" : long_options[idx].name, optarg);
	if (optind != argc)
		usage();
	worldopts_finish(&o->world);
	o->dht.seed = o->world.seed;
	o->dht.peer_port = o->peers.port;
}

/* Resident set size in MiB, from /proc/self/statm */
static double
rss_mib(void)
{
	FILE	   *f = fopen("/proc/self/statm", "r");
	unsigned long size = 0,
				rss = 0;

	if (f == NULL)
		return 0;
	if (fscanf(f, "%lu %lu", &size, &rss) != 2)
		rss = 0;
	fclose(f);
	return (double) rss * 4096.0 / (1024.0 * 1024.0);
}

static double
cpu_seconds(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double) ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
		(double) ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static void
print_status(const char *tag, double elapsed, const struct dhtnet *d,
			 const struct peerserve *ps)
{
	const struct dhtnet_stats *s = dhtnet_stats(d);
	const struct peerserve_stats *p = peerserve_stats(ps);

	printf("%s t=%.0fs cpu=%.1fs rss=%.1fMiB | dht queries=%llu answered=%llu "
		   "busiest_node=%llu silent=%llu garbage=%llu malformed=%llu sample_infohashes=%llu "
		   "get_peers=%llu values_sent=%llu keys_served=%llu announce_peer=%llu stored=%llu bad_token=%llu "
		   "externals=%llu searches=%llu announces=%llu sent_get_peers=%llu "
		   "sent_announce=%llu replies=%llu | metadata accepted=%llu "
		   "refused=%llu unknown_hash=%llu requests=%llu pieces=%llu "
		   "served=%llu served_wrong=%llu rejects=%llu dropped=%llu "
		   "idle_closed=%llu protocol_errors=%llu open=%llu\n",
		   tag, elapsed, cpu_seconds(), rss_mib(),
		   (unsigned long long) s->queries, (unsigned long long) s->answered,
		   (unsigned long long) s->busiest_node_queries,
		   (unsigned long long) s->silent, (unsigned long long) s->garbage,
		   (unsigned long long) s->malformed,
		   (unsigned long long) s->by_method[KRPC_M_SAMPLE_INFOHASHES],
		   (unsigned long long) s->by_method[KRPC_M_GET_PEERS],
		   (unsigned long long) s->values_sent,
		   (unsigned long long) s->keys_served,
		   (unsigned long long) s->by_method[KRPC_M_ANNOUNCE_PEER],
		   (unsigned long long) s->stored, (unsigned long long) s->bad_token,
		   (unsigned long long) s->externals, (unsigned long long) s->searches,
		   (unsigned long long) s->announces,
		   (unsigned long long) s->sent_get_peers,
		   (unsigned long long) s->sent_announce,
		   (unsigned long long) s->responses,
		   (unsigned long long) p->accepted, (unsigned long long) p->refused,
		   (unsigned long long) p->unknown_hash,
		   (unsigned long long) p->requests, (unsigned long long) p->pieces,
		   (unsigned long long) p->served, (unsigned long long) p->served_wrong,
		   (unsigned long long) p->rejects, (unsigned long long) p->dropped,
		   (unsigned long long) p->idle_closed,
		   (unsigned long long) p->protocol_errors,
		   (unsigned long long) p->open);
	fflush(stdout);
}

static void
print_world(const struct world *w, double build_s)
{
	const struct world_config *c = &w->cfg;
	uint32_t	kinds[4] = {0},
				private = 0,
				huge = 0,
				t;

	for (t = 0; t < c->pop.ntorrents; t++)
	{
		const struct sim_torrent *st = population_get(w->pop, t);

		kinds[st->kind & 3]++;
		private += st->is_private;
		huge += st->info_size > 10 * 1024 * 1024;
	}
	printf("world nodes=%u peers=%u torrents=%u v1=%u v2=%u hybrid=%u "
		   "private=%u huge=%u servable=%u liars_only=%u unservable=%u "
		   "keys=%u built_in=%.1fs\n",
		   c->nnodes, c->npeers, c->pop.ntorrents, kinds[SIM_KIND_V1],
		   kinds[SIM_KIND_V2], kinds[SIM_KIND_HYBRID], private, huge,
		   w->outcome_count[OUTCOME_SERVABLE],
		   w->outcome_count[OUTCOME_LIARS_ONLY],
		   w->outcome_count[OUTCOME_UNSERVABLE], w->nkeys, build_s);
}

static int
write_manifest(const struct world *w, const char *path)
{
	FILE	   *f = fopen(path, "w");

	if (f == NULL || world_write_manifest(w, f) != 0 || fclose(f) != 0)
	{
		perror(path);
		return -1;
	}
	return 0;
}

/* Enough descriptors for the connection cap */
static void
raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < PEERSERVE_MAX_CONNS + 64)
	{
		rl.rlim_cur = rl.rlim_max < PEERSERVE_MAX_CONNS + 64 ?
			rl.rlim_max : PEERSERVE_MAX_CONNS + 64;
		(void) setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static void
run(struct dhtnet *d, struct peerserve *ps, const struct options *o)
{
	int			ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev;
	uint64_t	start = now_ms(),
				next_status = start + (uint64_t) o->status_s * 1000;

	ev.events = EPOLLIN;
	ev.data.u32 = 0;
	epoll_ctl(ep, EPOLL_CTL_ADD, dhtnet_fd(d), &ev);
	ev.data.u32 = 1;
	epoll_ctl(ep, EPOLL_CTL_ADD, peerserve_fd(ps), &ev);
	while (!stop_requested)
	{
		struct epoll_event got[2];
		int			n = epoll_wait(ep, got, 2, TICK_MS),
					i;
		uint64_t	t = now_ms();

		for (i = 0; i < n; i++)
		{
			if (got[i].data.u32 == 0)
				dhtnet_on_readable(d, t);
			else
				peerserve_on_ready(ps, t);
		}
		dhtnet_tick(d, t);
		peerserve_tick(ps, t);
		if (o->status_s > 0 && t >= next_status)
		{
			print_status("status", (double) (t - start) / 1000.0, d, ps);
			next_status += (uint64_t) o->status_s * 1000;
		}
		if (o->duration_s > 0 && t - start >= (uint64_t) o->duration_s * 1000)
			break;
	}
	print_status("final", (double) (now_ms() - start) / 1000.0, d, ps);
}

int
main(int argc, char **argv)
{
	struct options o;
	struct world *w;
	struct dhtnet *d;
	struct peerserve *ps;
	uint64_t	t0 = now_ms();

	parse_options(argc, argv, &o);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);
	raise_fd_limit();
	w = world_create(&o.world);
	if (w == NULL)
		return 1;
	print_world(w, (double) (now_ms() - t0) / 1000.0);
	if (write_manifest(w, o.manifest) != 0)
		return 1;
	d = dhtnet_create(w, &o.dht, now_ms());
	ps = d != NULL ? peerserve_create(w, &o.peers) : NULL;
	if (ps == NULL)
		return 1;
	printf("entry ");
	dhtnet_write_entries(d, stdout, o.entries);
	printf("\nmanifest %s\npeers %u.%u.%u.%u+ tcp port %u\nREADY\n", o.manifest,
		   o.world.peer_net >> 24, (o.world.peer_net >> 16) & 255,
		   (o.world.peer_net >> 8) & 255, (o.world.peer_net & 255) + 1,
		   o.peers.port);
	fflush(stdout);
	run(d, ps, &o);
	peerserve_destroy(ps);
	dhtnet_destroy(d);
	world_destroy(w);
	return 0;
}
