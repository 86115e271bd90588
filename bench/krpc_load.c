/*
 * krpc_load.c
 *		KRPC load generator and fake DHT network for the swarm benchmarks
 *		(bench/README.md, bench/run_krpc_bench.sh, bench/run_memory_bench.sh).
 *
 * Two roles, one program:
 *
 *   krpc_load fake --port P [--bits B] [--delay MIN,MAX] [--seconds S]
 *				   [--progress]
 *		(defaults: B = 17, S = 900, at most 3600.)  Pretends to be a consistent DHT of N = 2^B nodes (4 <= B <= 22).
 *		Node i lives at 127.(16 + i / 65536).(i / 256 % 256).(i % 256):P and
 *		its id is fixed: the top B bits are i, the other bits a hash of i.
 *		One socket bound to 0.0.0.0:P receives the datagrams sent to every
 *		such address; IP_PKTINFO tells which node was asked, and the reply
 *		leaves from that address.  Every query gets a valid reply, built by
 *		the project's KRPC builders (keys sorted): ping and announce_peer
 *		{id}; find_node {id, nodes}; get_peers {id, nodes, token};
 *		sample_infohashes {id, interval = 21600, nodes, num = 0, samples = ""}.
 *		The nodes are the 8 fake nodes XOR-closest to the target (the
 *		aligned block of 8 indices holding the target's top B bits, the
 *		asked node replaced by the next block's), so a real DHT node
 *		bootstrapped into it walks it as it would walk the Mainline DHT, and
 *		a node that queries every node it learns of ends up knowing nearly
 *		all N.  Each reply is held for a random round-trip time between MIN
 *		and MAX ms (default 10 to 110, uniform), as the replies to a burst of
 *		queries come back spread out from a real network, not all at once.
 *
 *   krpc_load load --target IP:PORT --rate R --seconds S [--warmup W]
 *				   [--sources K] [--port P] [--mix p,f,g,a,s] [--cpu-pid PID]
 *				   [--echo] [--label NAME]
 *		Sends ping / find_node / get_peers / announce_peer /
 *		sample_infohashes in the proportions of --mix (default 15,30,35,10,10
 *		percent) from K source addresses 127.2.x.y:P (one socket, the source
 *		chosen per datagram with IP_PKTINFO), round robin over the sources,
 *		paced to R queries/s in 1 ms steps.  Replies are matched by
 *		transaction id and by the address they come back to.  An
 *		announce_peer uses the token that the target gave this source in a
 *		get_peers reply (for the announced hash); a source that has none yet
 *		sends get_peers instead (counted as "substituted").  The first W
 *		seconds warm up (tokens, caches) and are not counted.  Prints one
 *		RESULT line of key=value pairs: answered share and rate, latency
 *		percentiles, nodes per reply, the target's CPU time (utime + stime
 *		of /proc/PID/stat, all threads) and the generator's own.  With
 *		--echo, an echoed query counts as an answer (the UDP echo floor).
 *
 * Invariant: every datagram this program sends goes to and leaves from an
 * address in 127.0.0.0/8 (the batched I/O of test/sim/loopudp.c exits
 * rather than send anything else, and drops received datagrams from
 * elsewhere).  Every run is bounded in time.
 *
 * Build (from the repository root): see bench/README.md; it compiles this
 * file with test/sim/loopudp.c and every extension/core C file
 * (-Iextension/core -Itest/sim) and links libsodium.
 */
#include <dirent.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "krpc.h"
#include "loopudp.h"
#include "netaddr.h"

/* Socket buffers of the generator (SO_*BUFFORCE as root). */
#define SOCKBUF (16 * 1024 * 1024)
/* Fake network: first octet after 127 and the largest size (2^22 nodes). */
#define FAKE_BASE_OCTET 16
#define FAKE_MAX_BITS 22
/* Nodes per reply (BEP 5 K) */
#define FAKE_K 8
/* Held replies: a wheel of 1 ms slots (delays < 1 s) over a fixed pool. */
#define WHEEL_SLOTS 1024
#define DELAY_POOL 65536
#define REPLY_MAX 512
#define NO_ENTRY 0xFFFFFFFFu
/* Load: sources live at 127.2.0.1 ...; at most this many. */
#define LOAD_SRC_OCTET 2
#define LOAD_MAX_SOURCES 65000
/* Outstanding queries remembered (a power of two): 20 s at 50,000/s. */
#define RING_BITS 20
#define RING_SIZE (1u << RING_BITS)
/* Distinct info hashes asked about and announced (a power of two). */
#define HASH_POOL 1024
/* Latency histogram: 10 us buckets up to 2 s. */
#define LAT_BUCKET_US 10
#define LAT_BUCKETS 200000
/* Late replies are awaited this long after the last query. */
#define GRACE_MS 500
/* Pacing step. */
#define TICK_NS 1000000ULL

enum method_index
{
	MI_PING,
	MI_FIND_NODE,
	MI_GET_PEERS,
	MI_ANNOUNCE,
	MI_SAMPLE,
	MI_COUNT
};

static const enum krpc_method mi_method[MI_COUNT] = {
	KRPC_M_PING, KRPC_M_FIND_NODE, KRPC_M_GET_PEERS, KRPC_M_ANNOUNCE_PEER,
	KRPC_M_SAMPLE_INFOHASHES
};
static const char *const mi_name[MI_COUNT] = {
	"ping", "find_node", "get_peers", "announce_peer", "sample_infohashes"
};

static volatile sig_atomic_t stop_requested = 0;

/* ------------------------------------------------------------------------
 * Small helpers
 * ------------------------------------------------------------------------
 */

static void
on_signal(int sig)
{
	(void) sig;
	stop_requested = 1;
}

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t) ts.tv_sec * 1000000000ULL + (uint64_t) ts.tv_nsec;
}

static uint64_t
mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

/* splitmix64 stream */
static uint64_t
rng_next(uint64_t *state)
{
	*state += 0x9E3779B97F4A7C15ULL;
	return mix64(*state);
}

static void
rng_bytes(uint64_t *state, uint8_t *out, size_t len)
{
	size_t		i;
	uint64_t	r = 0;

	for (i = 0; i < len; i++)
	{
		if (i % 8 == 0)
			r = rng_next(state);
		out[i] = (uint8_t) (r >> (8 * (i % 8)));
	}
}

/* utime + stime of a process (all its threads), in clock ticks; -1 if gone. */
static long long
proc_cpu_ticks(long pid)
{
	char		path[64];
	char		buf[4096];
	FILE	   *f;
	size_t		n;
	char	   *p;
	unsigned long long ut,
				st;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	f = fopen(path, "r");
	if (f == NULL)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')');
	/* after "pid (comm)": state is field 3; utime, stime are 14 and 15 */
	if (p == NULL ||
		sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
			   &ut, &st) != 2)
		return -1;
	return (long long) (ut + st);
}

/* Time the threads of a process waited for a CPU (schedstat), in ns. */
static long long
proc_run_delay_ns(long pid)
{
	char		path[64];
	DIR		   *d;
	struct dirent *e;
	long long	total = 0;

	snprintf(path, sizeof(path), "/proc/%ld/task", pid);
	d = opendir(path);
	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
	{
		char		file[400];
		unsigned long long run,
					wait;
		FILE	   *f;

		if (e->d_name[0] == '.')
			continue;
		snprintf(file, sizeof(file), "%s/%s/schedstat", path, e->d_name);
		f = fopen(file, "r");
		if (f == NULL)
			continue;
		if (fscanf(f, "%llu %llu", &run, &wait) == 2)
			total += (long long) wait;
		fclose(f);
	}
	closedir(d);
	return total;
}

/* The system's UDP RcvbufErrors (datagrams dropped: receive buffer full). */
static long long
udp_rcvbuf_errors(void)
{
	FILE	   *f = fopen("/proc/net/snmp", "r");
	char		line[1024];
	long long	v = -1;
	int			seen = 0;

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "Udp: ", 5) == 0 && seen++ == 1)
			(void) sscanf(line, "Udp: %*s %*s %*s %*s %lld", &v);
	fclose(f);
	return v;
}

static void
die(const char *what)
{
	perror(what);
	exit(2);
}

/* The generator's or the fake network's socket: 0.0.0.0:port, large buffers. */
static int
open_socket(uint16_t port)
{
	int			fd = loopudp_open(INADDR_ANY, port, SOCKBUF);

	if (fd < 0)
		die("socket");
	return fd;
}

/* ------------------------------------------------------------------------
 * The fake network
 * ------------------------------------------------------------------------
 */

/* A reply waiting for its round-trip time. */
struct held_reply
{
	uint32_t	next;			/* next in its wheel slot, or free list */
	uint32_t	src;			/* fake node address (host order) */
	struct sockaddr_in to;
	uint16_t	len;
	uint8_t		data[REPLY_MAX];
};

struct fake
{
	unsigned	bits;
	uint32_t	nnodes;
	uint16_t	port;
	unsigned	delay_min_ms;
	unsigned	delay_max_ms;
	uint64_t	answered[MI_COUNT];
	uint64_t	ignored;		/* not a query, not to a fake node, or bad */
	uint64_t	distinct;		/* fake nodes asked at least once */
	uint64_t	not_held;		/* sent at once: the pool was full */
	uint8_t    *asked;			/* bitmap of nnodes */
	struct held_reply *pool;	/* DELAY_POOL */
	uint32_t	free_head;
	uint32_t	held;
	uint32_t	slot_head[WHEEL_SLOTS];
	uint64_t	wheel_ms;		/* next slot to send */
	uint64_t	rng;
	struct krpc_msg msg;
};

static uint32_t
fake_addr(uint32_t i)
{
	return (127u << 24) | ((FAKE_BASE_OCTET + (i >> 16)) << 16) | (i & 0xFFFF);
}

/* The fake node at a local address, or -1 if none lives there. */
static long
fake_index(const struct fake *f, uint32_t addr)
{
	uint32_t	i;

	if ((addr >> 24) != 127 || ((addr >> 16) & 0xFF) < FAKE_BASE_OCTET)
		return -1;
	i = ((((addr >> 16) & 0xFF) - FAKE_BASE_OCTET) << 16) | (addr & 0xFFFF);
	return i < f->nnodes ? (long) i : -1;
}

/* Node i's id: i in the top bits, a hash of i below. */
static void
fake_id(const struct fake *f, uint32_t i, uint8_t id[KRPC_ID_LEN])
{
	uint64_t	state = 0x5EED0000ULL + i;
	uint32_t	top;

	rng_bytes(&state, id, KRPC_ID_LEN);
	top = ((uint32_t) id[0] << 24) | ((uint32_t) id[1] << 16) |
		((uint32_t) id[2] << 8) | id[3];
	top = (i << (32 - f->bits)) | (top & ((1u << (32 - f->bits)) - 1));
	id[0] = (uint8_t) (top >> 24);
	id[1] = (uint8_t) (top >> 16);
	id[2] = (uint8_t) (top >> 8);
	id[3] = (uint8_t) top;
}

/* The 8 nodes closest to target, without self, as compact node info. */
static size_t
fake_closest(const struct fake *f, const uint8_t *target, uint32_t self,
			 uint8_t *out)
{
	uint32_t	top = ((uint32_t) target[0] << 24) | ((uint32_t) target[1] << 16) |
		((uint32_t) target[2] << 8) | target[3];
	uint32_t	idx = top >> (32 - f->bits);
	uint32_t	k;

	for (k = 0; k < FAKE_K; k++)
	{
		uint32_t	i = (idx & ~(uint32_t) (FAKE_K - 1)) | k;
		uint32_t	a;
		uint8_t    *p = out + k * KRPC_NODE4_LEN;

		if (i == self)
			i = (i ^ FAKE_K) & (f->nnodes - 1);
		a = fake_addr(i);
		fake_id(f, i, p);
		p[20] = (uint8_t) (a >> 24);
		p[21] = (uint8_t) (a >> 16);
		p[22] = (uint8_t) (a >> 8);
		p[23] = (uint8_t) a;
		p[24] = (uint8_t) (f->port >> 8);
		p[25] = (uint8_t) f->port;
	}
	return FAKE_K * KRPC_NODE4_LEN;
}

static int
method_index(enum krpc_method m)
{
	int			i;

	for (i = 0; i < MI_COUNT; i++)
		if (mi_method[i] == m)
			return i;
	return -1;
}

/* Build fake node self's reply to query m into out; 0 if none. */
static size_t
fake_reply(struct fake *f, uint32_t self, const struct krpc_msg *m,
		   uint8_t *out, size_t cap)
{
	static const uint8_t token[4] = {'t', 'o', 'k', '!'};
	uint8_t		id[KRPC_ID_LEN];
	uint8_t		nodes[FAKE_K * KRPC_NODE4_LEN];
	struct krpc_response r;
	const uint8_t *target = m->target ? m->target : m->info_hash;
	int			mi = method_index(m->method);
	size_t		len;

	if (mi < 0)
		return 0;
	fake_id(f, self, id);
	memset(&r, 0, sizeof(r));
	r.tid = m->tid;
	r.tid_len = m->tid_len;
	r.id = id;
	if (target != NULL && mi != MI_ANNOUNCE)
	{
		r.nodes = nodes;
		r.nodes_len = fake_closest(f, target, self, nodes);
	}
	if (mi == MI_GET_PEERS)
	{
		r.token = token;
		r.token_len = sizeof(token);
	}
	if (mi == MI_SAMPLE)
	{
		r.with_samples = 1;
		r.interval = 21600;
		r.num = 0;
	}
	if (krpc_build_response(out, cap, &r, &len, NULL, NULL) != KRPC_OK)
		return 0;
	f->answered[mi]++;
	return len;
}

static uint64_t
now_ms(void)
{
	return now_ns() / 1000000ULL;
}

/* Hold a reply until its round-trip time has passed; false if no room. */
static int
hold_reply(struct fake *f, uint32_t src, const struct sockaddr_in *to,
		   const uint8_t *data, size_t len)
{
	uint32_t	e = f->free_head;
	uint64_t	due = now_ms() + f->delay_min_ms +
		rng_next(&f->rng) % (f->delay_max_ms - f->delay_min_ms + 1);
	struct held_reply *h;

	if (e == NO_ENTRY || len > REPLY_MAX)
		return 0;
	h = &f->pool[e];
	f->free_head = h->next;
	if (due < f->wheel_ms)
		due = f->wheel_ms;
	h->src = src;
	h->to = *to;
	h->len = (uint16_t) len;
	memcpy(h->data, data, len);
	h->next = f->slot_head[due % WHEEL_SLOTS];
	f->slot_head[due % WHEEL_SLOTS] = e;
	f->held++;
	return 1;
}

/* Queue a ready-made datagram (len <= LOOPUDP_DGRAM_MAX) from src to "to". */
static void
queue_copy(struct loopudp_batch *b, uint32_t src, const struct sockaddr_in *to,
		   const uint8_t *data, size_t len)
{
	size_t		slot;

	memcpy(loopudp_add(b, src, to, &slot), data, len);
	loopudp_set_len(b, slot, len);
}

/* Send every held reply that is due. */
static void
send_due(struct fake *f, int fd, struct loopudp_batch *out)
{
	uint64_t	now = now_ms();

	for (; f->wheel_ms <= now; f->wheel_ms++)
	{
		uint32_t	e = f->slot_head[f->wheel_ms % WHEEL_SLOTS];

		f->slot_head[f->wheel_ms % WHEEL_SLOTS] = NO_ENTRY;
		while (e != NO_ENTRY)
		{
			struct held_reply *h = &f->pool[e];
			uint32_t	next = h->next;

			queue_copy(out, h->src, &h->to, h->data, h->len);
			if (loopudp_full(out))
				loopudp_send(fd, out);
			h->next = f->free_head;
			f->free_head = e;
			f->held--;
			e = next;
		}
	}
	if (out->n > 0)
		loopudp_send(fd, out);
}

/*
 * Answer one received datagram: hold the reply (or queue it in out).  The
 * sender is on 127/8 (loopudp_recv drops anything else); a datagram that
 * filled its whole slot may have been truncated and is ignored.
 */
static void
fake_handle(struct fake *f, const struct loopudp_batch *in, size_t i,
			struct loopudp_batch *out)
{
	uint32_t	local = loopudp_local_addr(in, i);
	long		self = fake_index(f, local);
	uint8_t		reply[LOOPUDP_DGRAM_MAX];
	size_t		len;
	int			rc;

	if (self < 0 || in->len[i] >= LOOPUDP_DGRAM_MAX)
	{
		f->ignored++;
		return;
	}
	rc = krpc_parse(in->data[i], in->len[i], &f->msg);
	if (rc != KRPC_OK || f->msg.type != 'q')
	{
		f->ignored++;
		return;
	}
	len = fake_reply(f, (uint32_t) self, &f->msg, reply, sizeof(reply));
	if (len == 0)
	{
		f->ignored++;
		return;
	}
	if (!(f->asked[self / 8] & (1u << (self % 8))))
	{
		f->asked[self / 8] |= (uint8_t) (1u << (self % 8));
		f->distinct++;
	}
	if (hold_reply(f, local, &in->peer[i], reply, len))
		return;
	f->not_held++;
	queue_copy(out, local, &in->peer[i], reply, len);
}

static void
fake_report(const struct fake *f, const char *tag, double elapsed)
{
	uint64_t	total = 0;
	int			i;

	for (i = 0; i < MI_COUNT; i++)
		total += f->answered[i];
	printf("%s elapsed=%.1f answered=%llu distinct_nodes_asked=%llu ignored=%llu "
		   "held=%u not_held=%llu",
		   tag, elapsed, (unsigned long long) total,
		   (unsigned long long) f->distinct, (unsigned long long) f->ignored,
		   f->held, (unsigned long long) f->not_held);
	for (i = 0; i < MI_COUNT; i++)
		printf(" %s=%llu", mi_name[i], (unsigned long long) f->answered[i]);
	printf("\n");
	fflush(stdout);
}

static struct fake *
fake_create(uint16_t port, unsigned bits, unsigned dmin, unsigned dmax)
{
	struct fake *f = calloc(1, sizeof(*f));
	uint32_t	i;

	if (f == NULL)
		die("calloc");
	f->bits = bits;
	f->nnodes = 1u << bits;
	f->port = port;
	f->delay_min_ms = dmin;
	f->delay_max_ms = dmax;
	f->rng = 0xFA4E;
	f->asked = calloc(f->nnodes / 8 + 1, 1);
	f->pool = calloc(DELAY_POOL, sizeof(struct held_reply));
	if (f->asked == NULL || f->pool == NULL)
		die("calloc");
	for (i = 0; i < DELAY_POOL; i++)
		f->pool[i].next = i + 1 < DELAY_POOL ? i + 1 : NO_ENTRY;
	for (i = 0; i < WHEEL_SLOTS; i++)
		f->slot_head[i] = NO_ENTRY;
	f->wheel_ms = now_ms();
	return f;
}

static int
run_fake(uint16_t port, unsigned bits, unsigned dmin, unsigned dmax,
		 double seconds, int progress)
{
	static struct loopudp_batch in,
				out;
	struct fake *f = fake_create(port, bits, dmin, dmax);
	int			fd = open_socket(port);
	uint64_t	start = now_ns(),
				next_report = start + 1000000000ULL;

	printf("FAKE ready pid=%ld port=%u nodes=%u first=127.%d.0.0 last=127.%u.255.255\n",
		   (long) getpid(), port, f->nnodes, FAKE_BASE_OCTET,
		   FAKE_BASE_OCTET + ((f->nnodes - 1) >> 16));
	fflush(stdout);
	while (!stop_requested && now_ns() - start < (uint64_t) (seconds * 1e9))
	{
		struct pollfd p = {fd, POLLIN, 0};
		size_t		n,
					i;

		if (progress && now_ns() >= next_report)
		{
			fake_report(f, "FAKE progress", (now_ns() - start) / 1e9);
			next_report += 1000000000ULL;
		}
		n = (size_t) loopudp_recv(fd, &in);
		for (i = 0; i < n; i++)
			fake_handle(f, &in, i, &out);
		send_due(f, fd, &out);
		if (n == 0)
			(void) poll(&p, 1, f->held > 0 ? 1 : 100);
	}
	fake_report(f, "FAKE done", (now_ns() - start) / 1e9);
	close(fd);
	free(f->asked);
	free(f->pool);
	free(f);
	return 0;
}

/* ------------------------------------------------------------------------
 * The load generator
 * ------------------------------------------------------------------------
 */

struct source
{
	uint8_t		id[KRPC_ID_LEN];
	uint16_t	token_hash;		/* hash-pool index the token is for */
	uint8_t		token_len;		/* 0 = no token yet */
	uint8_t		token[KRPC_MAX_TOKEN_LEN];
};

struct record
{
	uint64_t	sent_ns;
	uint32_t	seq;
	uint32_t	source;
	uint16_t	hash;
	uint8_t		mi;
	uint8_t		measured;
	uint8_t		done;
};

struct load_config
{
	struct sockaddr_in target;
	double		rate;
	double		seconds;
	double		warmup;
	unsigned	nsources;
	uint16_t	port;
	unsigned	mix[MI_COUNT];	/* percent */
	long		cpu_pid;
	int			echo;
	const char *label;
};

struct load_counts
{
	uint64_t	sent;
	uint64_t	send_failed;
	uint64_t	sent_by[MI_COUNT];
	uint64_t	substituted;	/* announce_peer sent as get_peers: no token */
	uint64_t	answered;		/* r replies (or echoes with --echo) */
	uint64_t	answered_by[MI_COUNT];
	uint64_t	errors;			/* e replies */
	uint64_t	late;			/* matched after the grace period began */
	uint64_t	nodes;			/* compact nodes in answered replies */
	uint64_t	node_replies;	/* answered find_node/get_peers/sample */
	uint64_t	values;			/* peers in get_peers replies */
	uint64_t	samples;		/* hashes in sample_infohashes replies */
	uint64_t	lat[LAT_BUCKETS + 1];
};

struct load
{
	struct load_config cfg;
	struct source *sources;
	struct record *ring;
	uint8_t		hashes[HASH_POOL][KRPC_ID_LEN];
	uint64_t	rng;
	uint32_t	seq;
	int			measuring;
	int			fd;
	struct load_counts c;		/* measured phase only */
	uint64_t	unmatched;
	uint64_t	from_target_queries;	/* the target querying our sources */
	struct krpc_msg msg;
};

static uint32_t
source_addr(unsigned s)
{
	return (127u << 24) | (LOAD_SRC_OCTET << 16) | (s + 1);
}

static int
pick_method(struct load *l)
{
	unsigned	r = (unsigned) (rng_next(&l->rng) % 100);
	int			i;

	for (i = 0; i < MI_COUNT - 1; i++)
	{
		if (r < l->cfg.mix[i])
			return i;
		r -= l->cfg.mix[i];
	}
	return MI_COUNT - 1;
}

/* Fill query q for method mi from source s; returns the method really sent. */
static int
make_query(struct load *l, int mi, unsigned s, struct krpc_query *q,
		   uint8_t target[KRPC_ID_LEN], uint16_t *hash)
{
	struct source *src = &l->sources[s];

	memset(q, 0, sizeof(*q));
	*hash = (uint16_t) (rng_next(&l->rng) % HASH_POOL);
	if (mi == MI_ANNOUNCE && src->token_len == 0)
	{
		mi = MI_GET_PEERS;
		if (l->measuring)
			l->c.substituted++;
	}
	q->method = mi_method[mi];
	q->id = src->id;
	if (mi == MI_FIND_NODE || mi == MI_SAMPLE)
	{
		rng_bytes(&l->rng, target, KRPC_ID_LEN);
		q->target = target;
	}
	else if (mi == MI_GET_PEERS)
		q->info_hash = l->hashes[*hash];
	else if (mi == MI_ANNOUNCE)
	{
		*hash = src->token_hash;
		q->info_hash = l->hashes[*hash];
		q->token = src->token;
		q->token_len = src->token_len;
		q->port = (uint16_t) (6881 + s % 1000);
	}
	return mi;
}

/* Queue one query into the batch and remember it in the ring. */
static void
queue_query(struct load *l, struct loopudp_batch *b, uint64_t t)
{
	uint32_t	seq = l->seq++;
	unsigned	s = seq % l->cfg.nsources;
	struct record *rec = &l->ring[seq & (RING_SIZE - 1)];
	struct krpc_query q;
	uint8_t		target[KRPC_ID_LEN];
	uint8_t		tid[4] = {(uint8_t) (seq >> 24), (uint8_t) (seq >> 16),
	(uint8_t) (seq >> 8), (uint8_t) seq};
	uint16_t	hash;
	int			mi = make_query(l, pick_method(l), s, &q, target, &hash);
	size_t		slot,
				len;
	uint8_t    *out = loopudp_add(b, source_addr(s), &l->cfg.target, &slot);

	q.tid = tid;
	q.tid_len = sizeof(tid);
	if (krpc_build_query(out, LOOPUDP_DGRAM_MAX, &q, &len) != KRPC_OK)
	{
		fprintf(stderr, "krpc_load: could not build a %s query\n", mi_name[mi]);
		exit(2);
	}
	rec->seq = seq;
	rec->source = s;
	rec->hash = hash;
	rec->mi = (uint8_t) mi;
	rec->measured = (uint8_t) l->measuring;
	rec->done = 0;
	rec->sent_ns = t;
	if (l->measuring)
		l->c.sent_by[mi]++;
	loopudp_set_len(b, slot, len);
}

static void
send_queries(struct load *l, uint64_t count, uint64_t t)
{
	static struct loopudp_batch b;

	while (count > 0)
	{
		size_t		n = count < LOOPUDP_BATCH ? (size_t) count : LOOPUDP_BATCH;
		size_t		i,
					sent;

		for (i = 0; i < n; i++)
			queue_query(l, &b, t);
		sent = loopudp_send(l->fd, &b);
		if (l->measuring)
		{
			l->c.sent += n;
			l->c.send_failed += n - sent;
		}
		count -= n;
	}
}

/* Remember the token a get_peers reply gave this source. */
static void
keep_token(struct load *l, const struct record *rec, const struct krpc_msg *m)
{
	struct source *src = &l->sources[rec->source];

	if (m->token == NULL || m->token_len == 0 || m->token_len > KRPC_MAX_TOKEN_LEN)
		return;
	memcpy(src->token, m->token, m->token_len);
	src->token_len = (uint8_t) m->token_len;
	src->token_hash = rec->hash;
}

static void
count_answer(struct load *l, const struct record *rec, const struct krpc_msg *m,
			 uint64_t t, int grace)
{
	uint64_t	us = (t - rec->sent_ns) / 1000;
	size_t		bucket = us / LAT_BUCKET_US;

	l->c.answered++;
	l->c.answered_by[rec->mi]++;
	l->c.late += grace ? 1 : 0;
	l->c.lat[bucket < LAT_BUCKETS ? bucket : LAT_BUCKETS]++;
	if (m->type == 'r' && (rec->mi == MI_FIND_NODE || rec->mi == MI_GET_PEERS ||
						   rec->mi == MI_SAMPLE))
	{
		l->c.node_replies++;
		l->c.nodes += m->nodes_len / KRPC_NODE4_LEN;
	}
	l->c.values += m->nvalues;
	l->c.samples += m->nsamples;
}

/* Match one received datagram to its query. */
static void
take_reply(struct load *l, const struct loopudp_batch *b, size_t i, uint64_t t,
		   int grace)
{
	struct krpc_msg *m = &l->msg;
	struct record *rec;
	uint32_t	seq;
	int			rc = krpc_parse(b->data[i], b->len[i], m);

	if (b->peer[i].sin_addr.s_addr != l->cfg.target.sin_addr.s_addr ||
		b->peer[i].sin_port != l->cfg.target.sin_port)
	{
		l->unmatched++;			/* not from the target: never trusted */
		return;
	}
	if ((rc != KRPC_OK && rc != KRPC_ERR_PROTOCOL) || m->tid_len != 4 ||
		(m->type == 'q' && !l->cfg.echo))
	{
		if (rc == KRPC_OK && m->type == 'q')
			l->from_target_queries++;
		else
			l->unmatched++;
		return;
	}
	seq = ((uint32_t) m->tid[0] << 24) | ((uint32_t) m->tid[1] << 16) |
		((uint32_t) m->tid[2] << 8) | m->tid[3];
	rec = &l->ring[seq & (RING_SIZE - 1)];
	if (rec->seq != seq || rec->done ||
		loopudp_local_addr(b, i) != source_addr(rec->source))
	{
		l->unmatched++;
		return;
	}
	rec->done = 1;
	if (m->type == 'r' && rec->mi == MI_GET_PEERS)
		keep_token(l, rec, m);
	if (!rec->measured)
		return;
	if (m->type == 'e')
		l->c.errors++;
	else
		count_answer(l, rec, m, t, grace);
}

/* Read every datagram waiting; returns how many. */
static int
drain_replies(struct load *l, int grace)
{
	static struct loopudp_batch b;
	int			total = 0;

	for (;;)
	{
		int			n = loopudp_recv(l->fd, &b);
		uint64_t	t = now_ns();
		int			i;

		for (i = 0; i < n; i++)
			take_reply(l, &b, (size_t) i, t, grace);
		total += n;
		if (n < LOOPUDP_BATCH)
			return total;
	}
}

static double
latency_percentile(const struct load_counts *c, double p)
{
	uint64_t	want = (uint64_t) (p * (double) c->answered);
	uint64_t	acc = 0;
	size_t		i;

	if (want >= c->answered)
		want = c->answered > 0 ? c->answered - 1 : 0;

	for (i = 0; i <= LAT_BUCKETS; i++)
	{
		acc += c->lat[i];
		if (acc > want)
			return (double) (i * LAT_BUCKET_US + LAT_BUCKET_US / 2);
	}
	return -1;
}

/* What is read from /proc at the start and the end of the measurement. */
struct snapshot
{
	long long	tgt_ticks;		/* target utime + stime */
	long long	gen_ticks;		/* ours */
	long long	tgt_run_delay;	/* target's wait for a CPU, ns */
	long long	rcvbuf_errors;	/* system-wide UDP RcvbufErrors */
};

static void
take_snapshot(const struct load_config *cfg, struct snapshot *s)
{
	s->tgt_ticks = cfg->cpu_pid > 0 ? proc_cpu_ticks(cfg->cpu_pid) : -1;
	s->tgt_run_delay = cfg->cpu_pid > 0 ? proc_run_delay_ns(cfg->cpu_pid) : -1;
	s->gen_ticks = proc_cpu_ticks((long) getpid());
	s->rcvbuf_errors = udp_rcvbuf_errors();
}

static void
print_result(const struct load *l, double send_s, double window_s,
			 const struct snapshot *a, const struct snapshot *b)
{
	const struct load_counts *c = &l->c;
	double		hz = (double) sysconf(_SC_CLK_TCK);
	long long	tgt_ticks = (a->tgt_ticks >= 0 && b->tgt_ticks >= 0) ?
		b->tgt_ticks - a->tgt_ticks : -1;
	long long	gen_ticks = b->gen_ticks - a->gen_ticks;
	double		tgt_s = tgt_ticks >= 0 ? tgt_ticks / hz : -1;
	int			i;

	printf("RESULT label=%s offered_per_s=%.0f seconds=%.2f window_s=%.2f "
		   "sent=%llu send_failed=%llu substituted=%llu answered=%llu errors=%llu "
		   "late=%llu unanswered=%llu share=%.5f answered_per_s=%.0f "
		   "p50_us=%.0f p99_us=%.0f max_us=%.0f "
		   "nodes_per_reply=%.2f values=%llu samples=%llu "
		   "target_cpu_s=%.2f target_cpu_s_per_M=%.2f gen_cpu_s=%.2f "
		   "gen_cpu_s_per_M=%.2f target_run_delay_ms=%.0f rcvbuf_errors=%lld "
		   "unmatched=%llu target_queries=%llu\n",
		   l->cfg.label, l->cfg.rate, send_s, window_s,
		   (unsigned long long) c->sent, (unsigned long long) c->send_failed,
		   (unsigned long long) c->substituted,
		   (unsigned long long) c->answered, (unsigned long long) c->errors,
		   (unsigned long long) c->late,
		   (unsigned long long) (c->sent - c->answered - c->errors),
		   c->sent ? (double) c->answered / (double) c->sent : 0.0,
		   c->answered / send_s,
		   latency_percentile(c, 0.5), latency_percentile(c, 0.99),
		   latency_percentile(c, 1.0),
		   c->node_replies ? (double) c->nodes / (double) c->node_replies : 0.0,
		   (unsigned long long) c->values, (unsigned long long) c->samples,
		   tgt_s, (tgt_s >= 0 && c->answered) ? tgt_s * 1e6 / (double) c->answered : -1,
		   gen_ticks / hz, c->answered ? gen_ticks / hz * 1e6 / (double) c->answered : -1,
		   (a->tgt_run_delay >= 0 && b->tgt_run_delay >= 0) ?
		   (b->tgt_run_delay - a->tgt_run_delay) / 1e6 : -1.0,
		   b->rcvbuf_errors - a->rcvbuf_errors,
		   (unsigned long long) l->unmatched,
		   (unsigned long long) l->from_target_queries);
	printf("METHODS label=%s", l->cfg.label);
	for (i = 0; i < MI_COUNT; i++)
		printf(" %s=%llu/%llu", mi_name[i], (unsigned long long) c->answered_by[i],
			   (unsigned long long) c->sent_by[i]);
	printf("\n");
	fflush(stdout);
}

static void
load_init(struct load *l)
{
	unsigned	s;

	l->rng = 0x10AD5EEDULL;
	l->sources = calloc(l->cfg.nsources, sizeof(struct source));
	l->ring = calloc(RING_SIZE, sizeof(struct record));
	if (l->sources == NULL || l->ring == NULL)
		die("calloc");
	for (s = 0; s < l->cfg.nsources; s++)
		rng_bytes(&l->rng, l->sources[s].id, KRPC_ID_LEN);
	for (s = 0; s < HASH_POOL; s++)
		rng_bytes(&l->rng, l->hashes[s], KRPC_ID_LEN);
	/* ring slots start unused: seq 0 must not match an empty slot */
	for (s = 0; s < RING_SIZE; s++)
		l->ring[s].done = 1;
	l->fd = open_socket(l->cfg.port);
}

/* Send at the configured rate for warmup + seconds; 1 ms steps. */
static void
pace(struct load *l, uint64_t start, struct snapshot *snap,
	 uint64_t *measure_start)
{
	uint64_t	warm_end = start + (uint64_t) (l->cfg.warmup * 1e9);
	uint64_t	end = warm_end + (uint64_t) (l->cfg.seconds * 1e9);
	uint64_t	sent = 0,
				tick = start;

	l->measuring = l->cfg.warmup <= 0;
	*measure_start = l->measuring ? start : 0;
	while (!stop_requested)
	{
		uint64_t	t = now_ns();
		uint64_t	due;
		struct timespec ts;

		if (!l->measuring && t >= warm_end)
		{
			drain_replies(l, 0);
			take_snapshot(&l->cfg, snap);
			l->measuring = 1;
			*measure_start = warm_end;
		}
		if (t >= end)
			break;
		due = (uint64_t) (l->cfg.rate * (double) (t - start) / 1e9);
		if (due > sent)
		{
			send_queries(l, due - sent, t);
			sent = due;
		}
		drain_replies(l, 0);
		tick += TICK_NS;
		if (tick < t)
			tick = t;
		ts.tv_sec = (time_t) (tick / 1000000000ULL);
		ts.tv_nsec = (long) (tick % 1000000000ULL);
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
	}
}

static int
run_load(struct load_config *cfg)
{
	static struct load l;
	struct snapshot a,
				b;
	uint64_t	start,
				measure_start,
				send_end,
				grace_end;

	l.cfg = *cfg;
	load_init(&l);
	take_snapshot(cfg, &a);
	start = now_ns();
	pace(&l, start, &a, &measure_start);
	send_end = now_ns();
	grace_end = send_end + GRACE_MS * 1000000ULL;
	while (now_ns() < grace_end)
	{
		struct pollfd p = {l.fd, POLLIN, 0};

		drain_replies(&l, 1);
		(void) poll(&p, 1, 10);
	}
	drain_replies(&l, 1);
	take_snapshot(cfg, &b);
	print_result(&l, (send_end - measure_start) / 1e9,
				 (now_ns() - measure_start) / 1e9, &a, &b);
	close(l.fd);
	return 0;
}

/* ------------------------------------------------------------------------
 * Command line
 * ------------------------------------------------------------------------
 */

static void
usage(void)
{
	fprintf(stderr,
			"usage: krpc_load fake --port P [--bits B] [--delay MIN,MAX] [--seconds S]\n"
			"                      [--progress]\n"
			"       krpc_load load --target 127.x.y.z:PORT --rate R --seconds S\n"
			"                      [--warmup W] [--sources K] [--port P]\n"
			"                      [--mix ping,find_node,get_peers,announce,sample]\n"
			"                      [--cpu-pid PID] [--echo] [--label NAME]\n");
	exit(2);
}

static int
parse_target(const char *s, struct sockaddr_in *out)
{
	unsigned	a,
				b,
				c,
				d,
				port;
	char		extra;

	if (sscanf(s, "%u.%u.%u.%u:%u%c", &a, &b, &c, &d, &port, &extra) != 5 ||
		a != 127 || b > 255 || c > 255 || d > 255 || port == 0 || port > 65535)
		return -1;
	memset(out, 0, sizeof(*out));
	out->sin_family = AF_INET;
	out->sin_addr.s_addr = htonl((a << 24) | (b << 16) | (c << 8) | d);
	out->sin_port = htons((uint16_t) port);
	return 0;
}

static int
parse_mix(const char *s, unsigned mix[MI_COUNT])
{
	unsigned	sum = 0;
	int			i;

	if (sscanf(s, "%u,%u,%u,%u,%u", &mix[0], &mix[1], &mix[2], &mix[3], &mix[4]) != 5)
		return -1;
	for (i = 0; i < MI_COUNT; i++)
		sum += mix[i];
	return sum == 100 ? 0 : -1;
}

static void
parse_load_args(int argc, char **argv, struct load_config *cfg)
{
	int			i;
	int			have_target = 0;

	memset(cfg, 0, sizeof(*cfg));
	cfg->rate = 50000;
	cfg->seconds = 10;
	cfg->warmup = 2;
	cfg->nsources = 4096;
	cfg->port = 40000;
	cfg->label = "target";
	parse_mix("15,30,35,10,10", cfg->mix);
	for (i = 2; i < argc; i++)
	{
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--echo") == 0)
		{
			cfg->echo = 1;
			continue;
		}
		if (v == NULL)
			usage();
		i++;
		if (strcmp(a, "--target") == 0)
			have_target = parse_target(v, &cfg->target) == 0;
		else if (strcmp(a, "--rate") == 0)
			cfg->rate = atof(v);
		else if (strcmp(a, "--seconds") == 0)
			cfg->seconds = atof(v);
		else if (strcmp(a, "--warmup") == 0)
			cfg->warmup = atof(v);
		else if (strcmp(a, "--sources") == 0)
			cfg->nsources = (unsigned) atoi(v);
		else if (strcmp(a, "--port") == 0)
			cfg->port = (uint16_t) atoi(v);
		else if (strcmp(a, "--cpu-pid") == 0)
			cfg->cpu_pid = atol(v);
		else if (strcmp(a, "--label") == 0)
			cfg->label = v;
		else if (strcmp(a, "--mix") != 0 || parse_mix(v, cfg->mix) != 0)
			usage();
	}
	if (!have_target || cfg->rate <= 0 || cfg->rate > 1e6 || cfg->seconds <= 0 ||
		cfg->seconds > 600 || cfg->warmup < 0 || cfg->warmup > 60 ||
		cfg->nsources == 0 || cfg->nsources > LOAD_MAX_SOURCES || cfg->port == 0)
		usage();
}

/* Arguments of the fake role; exits through usage() when invalid. */
static int
run_fake_args(int argc, char **argv)
{
	unsigned	bits = 17;
	unsigned	port = 0;
	unsigned	dmin = 10,
				dmax = 110;
	double		seconds = 900;
	int			progress = 0;
	int			i;

	for (i = 2; i < argc; i++)
	{
		if (strcmp(argv[i], "--progress") == 0)
			progress = 1;
		else if (i + 1 >= argc)
			usage();
		else if (strcmp(argv[i], "--port") == 0)
			port = (unsigned) atoi(argv[++i]);
		else if (strcmp(argv[i], "--bits") == 0)
			bits = (unsigned) atoi(argv[++i]);
		else if (strcmp(argv[i], "--seconds") == 0)
			seconds = atof(argv[++i]);
		else if (strcmp(argv[i], "--delay") != 0 ||
				 sscanf(argv[++i], "%u,%u", &dmin, &dmax) != 2)
			usage();
	}
	if (port == 0 || port > 65535 || bits < 4 || bits > FAKE_MAX_BITS ||
		seconds <= 0 || seconds > 3600 || dmin > dmax || dmax >= WHEEL_SLOTS)
		usage();
	return run_fake((uint16_t) port, bits, dmin, dmax, seconds, progress);
}

int
main(int argc, char **argv)
{
	struct sigaction sa;
	struct load_config cfg;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (argc >= 2 && strcmp(argv[1], "fake") == 0)
		return run_fake_args(argc, argv);
	if (argc >= 2 && strcmp(argv[1], "load") == 0)
	{
		parse_load_args(argc, argv, &cfg);
		return run_load(&cfg);
	}
	usage();
	return 2;
}
