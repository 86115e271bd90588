/*
 * test_swarm.c
 *		Unit tests for the swarm (extension/core/swarm*.c) on an in-memory
 *		network: no sockets, a fake clock.
 *
 * The network: hosts are swarms or "fake nodes" driven by hand (queries
 * built with krpc_build_query, replies parsed with krpc_parse).  A fake
 * can also answer the swarms' queries by itself, with chosen nodes,
 * samples, interval, values and reported "ip", or with an error or a
 * malformed nodes string.  Every socket has its own address (127.0.N.x:
 * port; allow_private is on).  The send callback checks and logs every
 * datagram a swarm sends and queues it; net_pump() delivers the queue at
 * the current time, and net_run() also calls swarm_tick() whenever a
 * swarm's deadline passes, jumping the clock from deadline to deadline.
 *
 * Every datagram a swarm sends must parse (KRPC_OK), leave from one of its
 * own sockets, and, if it is a reply or an error, be at most
 * KRPC_MAX_REPLY bytes and carry ip = the address it is sent to; any
 * violation is counted in net.bad_sends, which every test checks.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "krpc.h"
#include "nodeid.h"
#include "swarm.h"
#include "unit.h"
#include "testutil.h"			/* HAVE_ASAN */

#ifdef HAVE_ASAN
/* ASan's allocator hooks: called on every malloc/calloc/realloc and free. */
typedef void unit_malloc_hook(const volatile void *p, size_t n);
typedef void unit_free_hook(const volatile void *p);
extern int	__sanitizer_install_malloc_and_free_hooks(unit_malloc_hook *m,
													  unit_free_hook *f);
#endif

#define NET_HOSTS 160
#define NET_SOCKS 256
#define NET_QUEUE 8192
#define NET_INBOX 2048
#define NET_LOG (1 << 18)
#define DGRAM_MAX 1536
#define FAKE_NODES 32
#define FAKE_TIMES 64
#define T0 1000000				/* the fake clock's start, ms */
/* Replies agreeing on our address before we believe it (SWARM_IP_QUORUM
 * in swarm_int.h, which is not part of the contract). */
#define IP_QUORUM 4

struct dgram
{
	int			from_sock;
	struct netaddr from;
	struct netaddr to;
	size_t		len;
	uint8_t		buf[DGRAM_MAX];
};

/* One datagram a swarm handed to its send callback. */
struct sendrec
{
	uint64_t	at;
	int			host;
	struct netaddr to;
	char		type;
	uint8_t		method;
};

struct host
{
	struct swarm *sw;			/* NULL: a fake node */
	uint64_t	next_tick;
	int			sock;			/* a fake's socket */
	uint8_t		id[20];
	/* how a fake answers queries */
	int			auto_reply;
	int			reply_error;
	int			sample_error;	/* error 203 to sample_infohashes only */
	int			sample_silent;	/* no answer to sample_infohashes only */
	int			bad_nodes;
	int			report_ip_set;
	struct netaddr report_ip;
	int			bep51;
	int64_t		interval;
	size_t		nsamples;
	uint8_t		samples[20][20];
	size_t		nnodes;
	uint8_t		nodes[FAKE_NODES * 26];
	size_t		nvalues;
	struct netaddr values[8];
	/* what a fake received */
	uint64_t	got[7];			/* queries by method */
	size_t		nsample_at;
	uint64_t	sample_at[FAKE_TIMES];	/* sample_infohashes arrivals */
};

struct sock
{
	int			in_use;
	int			host;
	struct netaddr addr;
};

static struct
{
	uint64_t	now;
	struct host hosts[NET_HOSTS];
	size_t		nhosts;
	struct sock socks[NET_SOCKS];
	size_t		nsocks;
	struct dgram queue[NET_QUEUE];
	size_t		qhead;
	size_t		qcount;
	uint64_t	lost;			/* datagrams to no socket */
	uint64_t	overflow;		/* queue, log or inbox full */
	struct dgram inbox[NET_INBOX];	/* what fakes received */
	int			inbox_host[NET_INBOX];
	size_t		ninbox;
	struct sendrec log[NET_LOG];
	size_t		nlog;
	uint64_t	bad_sends;
	uint64_t	self_sends;		/* a swarm sent to its own socket */
	size_t		max_reply;
	uint16_t	tid;			/* tid of the last fake query */
	uint64_t	rng;
} net;

static volatile int counting_mallocs;
static volatile size_t mallocs;

/* ---------------------------------------------------------------- helpers */

static uint64_t
rnd64(void)
{
	uint64_t	z = (net.rng += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

static void
rnd_bytes(uint8_t *out, size_t n)
{
	size_t		i;

	for (i = 0; i < n; i++)
		out[i] = (uint8_t) rnd64();
}

static struct netaddr
addr4(int a, int b, int c, int d, int port)
{
	struct netaddr n;

	memset(&n, 0, sizeof(n));
	n.family = AF_INET;
	n.ip[0] = (uint8_t) a;
	n.ip[1] = (uint8_t) b;
	n.ip[2] = (uint8_t) c;
	n.ip[3] = (uint8_t) d;
	n.port = (uint16_t) port;
	return n;
}

/* fd00::n, a unique local (private) IPv6 address */
static struct netaddr
addr6(int n, int port)
{
	struct netaddr a;

	memset(&a, 0, sizeof(a));
	a.family = AF_INET6;
	a.ip[0] = 0xfd;
	a.ip[14] = (uint8_t) (n >> 8);
	a.ip[15] = (uint8_t) n;
	a.port = (uint16_t) port;
	return a;
}

static struct swarm_config
base_cfg(void)
{
	struct swarm_config c;

	memset(&c, 0, sizeof(c));
	c.max_nodes = 1000;
	c.max_pending = 256;
	c.max_candidates = 1000;
	c.candidate_queue = 1000;
	c.max_stored_hashes = 1000;
	c.max_rate_ips = 1000;
	c.contact_queue = 256;
	c.nodes_per_socket = 1;
	c.allow_private = 1;
	c.send_rate_per_ip = 100000;
	c.max_send_rate = 1000000;
	c.recv_rate_per_ip = 100000;
	c.max_recv_rate = 1000000;
	c.seed = 42;
	return c;
}

/* ---------------------------------------------------------------- network */

static void
net_reset(void)
{
	size_t		i;

	for (i = 0; i < net.nhosts; i++)
		swarm_destroy(net.hosts[i].sw);
	net.now = T0;
	net.nhosts = 0;
	net.nsocks = 0;
	net.qhead = 0;
	net.qcount = 0;
	net.lost = 0;
	net.overflow = 0;
	net.ninbox = 0;
	net.nlog = 0;
	net.bad_sends = 0;
	net.self_sends = 0;
	net.max_reply = 0;
	net.rng = 7;
}

static int
net_find_sock(const struct netaddr *a)
{
	size_t		i;

	for (i = 0; i < net.nsocks; i++)
		if (net.socks[i].in_use && netaddr_equal(&net.socks[i].addr, a))
			return (int) i;
	return -1;
}

static int
net_add_sock(int host, const struct netaddr *a)
{
	int			s = (int) net.nsocks++;

	net.socks[s].in_use = 1;
	net.socks[s].host = host;
	net.socks[s].addr = *a;
	return s;
}

static void
net_enqueue(int from_sock, const struct netaddr *to, const uint8_t *buf,
			size_t len)
{
	struct dgram *d;

	if (net.qcount == NET_QUEUE || len > DGRAM_MAX)
	{
		net.overflow++;
		return;
	}
	d = &net.queue[(net.qhead + net.qcount) % NET_QUEUE];
	d->from_sock = from_sock;
	d->from = net.socks[from_sock].addr;
	d->to = *to;
	d->len = len;
	memcpy(d->buf, buf, len);
	net.qcount++;
}

/* The swarms' send callback: check, log, queue. */
static int
net_send(void *ctx, int sock, const struct netaddr *to, const uint8_t *buf,
		 size_t len)
{
	static struct krpc_msg m;
	int			hi = (int) ((struct host *) ctx - net.hosts);
	int			rc = krpc_parse(buf, len, &m);
	int			dest = net_find_sock(to);

	if (sock < 0 || (size_t) sock >= net.nsocks || net.socks[sock].host != hi)
	{
		net.bad_sends++;
		return -1;
	}
	if (rc != KRPC_OK)
		net.bad_sends++;
	else if (m.type != 'q')
	{
		if (len > KRPC_MAX_REPLY || !m.has_ip || !netaddr_equal(&m.ip, to))
			net.bad_sends++;
		if (len > net.max_reply)
			net.max_reply = len;
	}
	if (dest >= 0 && net.socks[dest].host == hi)
		net.self_sends++;
	if (net.nlog < NET_LOG)
	{
		struct sendrec *r = &net.log[net.nlog++];

		r->at = net.now;
		r->host = hi;
		r->to = *to;
		r->type = rc == KRPC_OK ? m.type : '?';
		r->method = (uint8_t) m.method;
	}
	else
		net.overflow++;
	net_enqueue(sock, to, buf, len);
	return 0;
}

static size_t
put(uint8_t *out, size_t at, const void *p, size_t n)
{
	memcpy(out + at, p, n);
	return at + n;
}

/* A reply whose nodes string is 27 bytes long (broken, BEP 5). */
static size_t
raw_bad_nodes(uint8_t *out, const struct host *h, const struct krpc_msg *m,
			  const struct netaddr *to)
{
	uint8_t		ip[6];
	uint8_t		junk[27];
	char		tl[8];
	size_t		n = 0;

	memset(junk, 'x', sizeof(junk));
	netaddr_to_compact(to, ip);
	n = put(out, n, "d2:ip6:", 7);
	n = put(out, n, ip, 6);
	n = put(out, n, "1:rd2:id20:", 11);
	n = put(out, n, h->id, 20);
	n = put(out, n, "5:nodes27:", 10);
	n = put(out, n, junk, 27);
	n = put(out, n, "e1:t", 4);
	snprintf(tl, sizeof(tl), "%zu:", m->tid_len);
	n = put(out, n, tl, strlen(tl));
	n = put(out, n, m->tid, m->tid_len);
	n = put(out, n, "1:y1:re", 7);
	return n;
}

/* A fake received a query from a swarm: note it, maybe answer it. */
static void
fake_on_query(int hi, int s, const struct dgram *d, const struct krpc_msg *m)
{
	static const uint8_t tok[4] = {'t', 'o', 'k', '1'};
	struct host *h = &net.hosts[hi];
	uint8_t		out[DGRAM_MAX];
	struct krpc_response r;
	size_t		len;

	h->got[m->method]++;
	if (m->method == KRPC_M_SAMPLE_INFOHASHES && h->nsample_at < FAKE_TIMES)
		h->sample_at[h->nsample_at++] = net.now;
	if (!h->auto_reply ||
		(h->sample_silent && m->method == KRPC_M_SAMPLE_INFOHASHES))
		return;
	if (h->reply_error ||
		(h->sample_error && m->method == KRPC_M_SAMPLE_INFOHASHES))
	{
		if (krpc_build_error(out, sizeof(out), m->tid, m->tid_len,
							 h->reply_error ? 201 : 203, "no",
							 &d->from, &len) == KRPC_OK)
			net_enqueue(s, &d->from, out, len);
		return;
	}
	if (h->bad_nodes)
	{
		len = raw_bad_nodes(out, h, m, &d->from);
		net_enqueue(s, &d->from, out, len);
		return;
	}
	memset(&r, 0, sizeof(r));
	r.tid = m->tid;
	r.tid_len = m->tid_len;
	r.id = h->id;
	r.requester = h->report_ip_set ? &h->report_ip : &d->from;
	if (m->method != KRPC_M_PING && m->method != KRPC_M_ANNOUNCE_PEER &&
		h->nnodes > 0)
	{
		r.nodes = h->nodes;
		r.nodes_len = h->nnodes * 26;
	}
	if (m->method == KRPC_M_GET_PEERS)
	{
		r.token = tok;
		r.token_len = sizeof(tok);
		r.values = h->nvalues > 0 ? h->values : NULL;
		r.nvalues = h->nvalues;
	}
	if (m->method == KRPC_M_SAMPLE_INFOHASHES && h->bep51)
	{
		r.with_samples = 1;
		r.samples = h->samples[0];
		r.nsamples = h->nsamples;
		r.interval = h->interval;
		r.num = (int64_t) h->nsamples;
	}
	if (krpc_build_response(out, sizeof(out), &r, &len, NULL, NULL) == KRPC_OK)
		net_enqueue(s, &d->from, out, len);
	else
		net.overflow++;
}

static void
net_deliver(const struct dgram *d)
{
	static struct krpc_msg m;
	int			s = net_find_sock(&d->to);
	int			hi;

	if (s < 0)
	{
		net.lost++;
		return;
	}
	hi = net.socks[s].host;
	if (net.hosts[hi].sw != NULL)
	{
		swarm_on_datagram(net.hosts[hi].sw, s, &d->from, d->buf, d->len,
						  net.now);
		return;
	}
	if (net.ninbox < NET_INBOX)
	{
		memcpy(&net.inbox[net.ninbox], d, offsetof(struct dgram, buf) + d->len);
		net.inbox_host[net.ninbox++] = hi;
	}
	if (krpc_parse(d->buf, d->len, &m) == KRPC_OK && m.type == 'q')
		fake_on_query(hi, s, d, &m);
}

/* Deliver everything queued, and what that causes, at the current time. */
static void
net_pump(void)
{
	static struct dgram d;
	size_t		n = 0;

	while (net.qcount > 0 && n++ < 1000000)
	{
		struct dgram *q = &net.queue[net.qhead];

		memcpy(&d, q, offsetof(struct dgram, buf) + q->len);
		net.qhead = (net.qhead + 1) % NET_QUEUE;
		net.qcount--;
		net_deliver(&d);
	}
}

/* Run for ms of fake time: pump, tick swarms when due, jump to the next due. */
static void
net_run(uint64_t ms)
{
	uint64_t	end = net.now + ms;

	for (;;)
	{
		uint64_t	next = end;
		size_t		i;

		net_pump();
		for (i = 0; i < net.nhosts; i++)
			if (net.hosts[i].sw != NULL && net.hosts[i].next_tick <= net.now)
				net.hosts[i].next_tick = swarm_tick(net.hosts[i].sw, net.now);
		net_pump();
		for (i = 0; i < net.nhosts; i++)
			if (net.hosts[i].sw != NULL && net.hosts[i].next_tick < next)
				next = net.hosts[i].next_tick;
		if (net.now >= end)
			break;
		net.now = next > net.now ? next : net.now + 1;
	}
}

static int
net_swarm(struct swarm_config *cfg)
{
	int			hi = (int) net.nhosts++;
	struct host *h = &net.hosts[hi];

	memset(h, 0, sizeof(*h));
	h->sock = -1;
	cfg->send = net_send;
	cfg->send_ctx = h;
	h->sw = swarm_create(cfg, net.now);
	CHECK(h->sw != NULL);
	h->next_tick = net.now;
	return hi;
}

static int
net_swarm_sock(int hi, const struct netaddr *a)
{
	int			s = net_add_sock(hi, a);

	CHECK(swarm_socket_add(net.hosts[hi].sw, s, a, net.now) == 0);
	return s;
}

/* A fake node at a that answers queries (no nodes, no samples). */
static int
net_fake(const struct netaddr *a)
{
	int			hi = (int) net.nhosts++;
	struct host *h = &net.hosts[hi];

	memset(h, 0, sizeof(*h));
	rnd_bytes(h->id, 20);
	h->auto_reply = 1;
	h->sock = net_add_sock(hi, a);
	return hi;
}

static struct netaddr
addr_of(int hi)
{
	return net.socks[net.hosts[hi].sock].addr;
}

/* Add a 26-byte node (id, address) to what fake f answers with. */
static void
fake_add_node(int f, const uint8_t id[20], const struct netaddr *a)
{
	struct host *h = &net.hosts[f];

	memcpy(h->nodes + h->nnodes * 26, id, 20);
	netaddr_to_compact(a, h->nodes + h->nnodes * 26 + 20);
	h->nnodes++;
}

static struct swarm_stats
ST(int hi)
{
	struct swarm_stats st;

	swarm_stats(net.hosts[hi].sw, net.now, &st);
	return st;
}

static struct krpc_query
Q(enum krpc_method m, const uint8_t *t)
{
	struct krpc_query q;

	memset(&q, 0, sizeof(q));
	q.method = m;
	if (m == KRPC_M_FIND_NODE || m == KRPC_M_SAMPLE_INFOHASHES)
		q.target = t;
	else
		q.info_hash = t;
	return q;
}

/* Fake f sends q (tid = a fresh 2-byte counter, id = f's) to `to`. */
static void
fake_query(int f, const struct netaddr *to, struct krpc_query q)
{
	uint8_t		tid[2];
	uint8_t		out[DGRAM_MAX];
	size_t		len;

	net.tid++;
	tid[0] = (uint8_t) (net.tid >> 8);
	tid[1] = (uint8_t) net.tid;
	q.tid = tid;
	q.tid_len = 2;
	if (q.id == NULL)
		q.id = net.hosts[f].id;
	if (krpc_build_query(out, sizeof(out), &q, &len) != KRPC_OK)
	{
		CHECKF(0, "fake query of method %d builds", (int) q.method);
		return;
	}
	net_enqueue(net.hosts[f].sock, to, out, len);
}

/* Datagrams fake f got since the inbox was cleared; the last one parsed. */
static size_t
inbox_last(int f, struct krpc_msg *out, int *rc)
{
	size_t		i,
				n = 0;
	long		last = -1;

	memset(out, 0, sizeof(*out));
	*rc = -100;
	for (i = 0; i < net.ninbox; i++)
		if (net.inbox_host[i] == f)
		{
			n++;
			last = (long) i;
		}
	if (last >= 0)
		*rc = krpc_parse(net.inbox[last].buf, net.inbox[last].len, out);
	return n;
}

/*
 * f sends q to `to`, the network delivers (no ticks); returns how many
 * datagrams f got back, the last parsed into *out (pointers into the
 * inbox, valid until the next ask).
 */
static size_t
ask(int f, const struct netaddr *to, struct krpc_query q, struct krpc_msg *out)
{
	int			rc;
	size_t		n;

	net.ninbox = 0;
	fake_query(f, to, q);
	net_pump();
	n = inbox_last(f, out, &rc);
	if (n > 0 && rc != KRPC_OK)
		CHECKF(rc == KRPC_OK, "reply to fake %d parses (%d)", f, rc);
	return n;
}

/* Like ask, with raw bytes. */
static size_t
ask_raw(int f, const struct netaddr *to, const void *buf, size_t len,
		struct krpc_msg *out)
{
	int			rc;

	net.ninbox = 0;
	net_enqueue(net.hosts[f].sock, to, buf, len);
	net_pump();
	return inbox_last(f, out, &rc);
}

/* Does m echo the tid of the last fake query? */
static int
tid_echoed(const struct krpc_msg *m)
{
	return m->tid_len == 2 && m->tid[0] == (uint8_t) (net.tid >> 8) &&
		m->tid[1] == (uint8_t) net.tid;
}

/* get_peers for a token, then announce_peer; 1 if answered with 'r'. */
static int
announce(int f, const struct netaddr *to, const uint8_t hash[20], int port,
		 int implied)
{
	struct krpc_msg m;
	struct krpc_query q;
	uint8_t		token[KRPC_MAX_TOKEN_LEN];
	size_t		tlen;

	if (ask(f, to, Q(KRPC_M_GET_PEERS, hash), &m) != 1 || m.type != 'r' ||
		m.token == NULL)
		return 0;
	tlen = m.token_len;
	memcpy(token, m.token, tlen);
	q = Q(KRPC_M_ANNOUNCE_PEER, hash);
	q.port = (uint16_t) port;
	q.implied_port = implied;
	q.token = token;
	q.token_len = tlen;
	return ask(f, to, q, &m) == 1 && m.type == 'r';
}

/* Is hash among the swarm's recent candidates?  Copies the entry. */
static int
find_candidate(int hi, const uint8_t hash[20], struct candidate *out)
{
	static struct candidate c[1024];
	size_t		n = swarm_recent_candidates(net.hosts[hi].sw, 1024, c);
	size_t		i;

	for (i = 0; i < n; i++)
		if (memcmp(c[i].hash, hash, 20) == 0)
		{
			*out = c[i];
			return 1;
		}
	return 0;
}

static int
has_peer(const struct candidate *c, const struct netaddr *p)
{
	size_t		i;

	for (i = 0; i < c->npeers; i++)
		if (netaddr_equal(&c->peers[i], p))
			return 1;
	return 0;
}

/*
 * The most datagrams host hi sent within any window of w ms: to the IP of
 * ip (any port) if ip is not NULL, else to anyone; only queries of method
 * if method is not KRPC_M_NONE.
 */
static size_t
max_window(int hi, const struct netaddr *ip, uint64_t w)
{
	size_t		i,
				j = 0,
				cnt = 0,
				best = 0;

#define MATCH(k) (net.log[k].host == hi && \
				  (ip == NULL || netaddr_same_ip(&net.log[k].to, ip)))
	for (i = 0; i < net.nlog; i++)
	{
		if (!MATCH(i))
			continue;
		cnt++;
		while (j < i && (!MATCH(j) || net.log[j].at + w <= net.log[i].at))
		{
			if (MATCH(j))
				cnt--;
			j++;
		}
		if (cnt > best)
			best = cnt;
	}
#undef MATCH
	return best;
}

/* Datagrams host hi sent to to's ip (any port), of a type ('q', 'r', 'e'). */
static size_t
sent_to(int hi, const struct netaddr *to, char type)
{
	size_t		i,
				n = 0;

	for (i = 0; i < net.nlog; i++)
		n += net.log[i].host == hi && netaddr_same_ip(&net.log[i].to, to) &&
			(type == 0 || net.log[i].type == type) ? 1 : 0;
	return n;
}

/* The ids a swarm socket answers with, found by find_node probes. */
static size_t
discover_ids(int f, const struct netaddr *to, int probes, uint8_t (*ids)[20],
			 size_t max)
{
	struct krpc_msg m;
	uint8_t		t[20];
	size_t		n = 0,
				i;
	int			p;

	for (p = 0; p < probes; p++)
	{
		rnd_bytes(t, 20);
		if (ask(f, to, Q(KRPC_M_FIND_NODE, t), &m) != 1 || m.id == NULL)
			continue;
		for (i = 0; i < n; i++)
			if (memcmp(ids[i], m.id, 20) == 0)
				break;
		if (i == n && n < max)
			memcpy(ids[n++], m.id, 20);
	}
	return n;
}

/* Is id (one of ids) the closest of ids to t? */
static int
closest_of(const uint8_t t[20], const uint8_t *id, uint8_t (*ids)[20], size_t n)
{
	size_t		i;
	int			member = 0;

	for (i = 0; i < n; i++)
	{
		if (memcmp(ids[i], id, 20) == 0)
			member = 1;
		if (nodeid_cmp_distance(t, ids[i], id) < 0)
			return 0;
	}
	return member;
}

static void
end_checks(const char *test)
{
	CHECKF(net.bad_sends == 0, "%s: %llu bad datagrams sent", test,
		   (unsigned long long) net.bad_sends);
	CHECKF(net.overflow == 0, "%s: harness overflow", test);
}

/* ------------------------------------------------------------------ tests */

static void
test_create(void)
{
	struct swarm_config c = base_cfg();
	struct swarm *sw;
	struct swarm_stats st;
	struct netaddr a = addr4(127, 0, 0, 1, 6881);
	struct netaddr from = addr4(127, 0, 0, 2, 7000);
	struct candidate cand;
	uint8_t		ids[4][20];
	struct netaddr addrs[4];
	uint8_t		hash[20] = {1};
	static const char ping[] = "d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:qe";

	c.send = NULL;
	CHECK(swarm_create(&c, T0) == NULL);
	c = base_cfg();
	c.send = net_send;
	c.nodes_per_socket = 0;
	CHECK(swarm_create(&c, T0) == NULL);
	c.nodes_per_socket = 1;
	c.contact_queue = 0;
	CHECK(swarm_create(&c, T0) == NULL);
	c.contact_queue = 16;
	c.max_nodes = 0;
	CHECK(swarm_create(&c, T0) == NULL);
	c.max_nodes = 100;
	c.send_ctx = &net.hosts[NET_HOSTS - 1];
	sw = swarm_create(&c, T0);
	CHECK(sw != NULL);
	if (sw == NULL)
		return;
	swarm_stats(sw, T0, &st);
	CHECK(st.sockets == 0 && st.identities == 0 && st.known_nodes == 0 &&
		  st.pending_queries == 0 && st.replies_sent == 0);
	CHECK(swarm_socket_add(sw, 7, &a, T0) == 0);
	CHECK(swarm_socket_add(sw, 7, &a, T0) == -1);
	swarm_stats(sw, T0, &st);
	CHECK(st.sockets == 1 && st.identities == 1 && st.identities_bep42 == 0);
	swarm_socket_remove(sw, 99);
	swarm_stats(sw, T0, &st);
	CHECK(st.sockets == 1 && st.identities == 1);
	CHECK(swarm_tick(sw, T0) > T0);
	/* a datagram on a socket the swarm does not have: ignored */
	net.nlog = 0;
	swarm_on_datagram(sw, 99, &from, (const uint8_t *) ping, sizeof(ping) - 1, T0);
	CHECK(net.nlog == 0);
	CHECK(swarm_pop_candidate(sw, &cand) == 0);
	CHECK(swarm_recent_candidates(sw, 1, &cand) == 0);
	CHECK(swarm_export_nodes(sw, 4, ids, addrs, T0) == 0);
	/* a lookup with an empty table ends at once */
	CHECK(swarm_lookup(sw, hash, T0) == 0);
	swarm_stats(sw, T0, &st);
	CHECK(st.lookups == 0 && st.queries_sent == 0);
	swarm_socket_remove(sw, 7);
	swarm_stats(sw, T0, &st);
	CHECK(st.sockets == 0 && st.identities == 0);
	CHECK(swarm_tick(sw, T0 + 1) > T0 + 1);
	swarm_destroy(sw);
	swarm_destroy(NULL);
}

static void
test_ping(void)
{
	struct swarm_config c = base_cfg();
	int			s,
				f;
	struct netaddr sa = addr4(127, 0, 0, 1, 6881);
	struct netaddr fa = addr4(127, 0, 0, 2, 7000);
	struct krpc_msg m;
	struct swarm_stats st;
	uint8_t		id0[20];

	net_reset();
	s = net_swarm(&c);
	net_swarm_sock(s, &sa);
	f = net_fake(&fa);
	CHECK(ask(f, &sa, Q(KRPC_M_PING, NULL), &m) == 1);
	CHECK(m.type == 'r' && tid_echoed(&m) && m.id != NULL);
	CHECK(m.has_ip && netaddr_equal(&m.ip, &fa));
	CHECK(m.version_len == 4 && memcmp(m.version, "DI", 2) == 0);
	CHECK(m.nodes == NULL && m.token == NULL && m.samples == NULL);
	memcpy(id0, m.id, 20);
	CHECK(ask(f, &sa, Q(KRPC_M_PING, NULL), &m) == 1);
	CHECK(m.id != NULL && memcmp(m.id, id0, 20) == 0);
	st = ST(s);
	CHECK(st.queries_in[KRPC_M_PING] == 2 && st.replies_sent == 2 &&
		  st.errors_sent == 0 && st.known_nodes == 0 && st.queries_sent == 0);
	end_checks("ping");
}

static void
test_find_node(void)
{
	struct swarm_config c = base_cfg();
	int			s,
				f[4],
				i,
				j,
				ok;
	struct netaddr sa = addr4(127, 0, 0, 1, 6881);
	struct netaddr fa[4],
				bad[2];
	struct krpc_msg m;
	struct swarm_stats st;
	uint8_t		t[20],
				ids[3][20];
	struct netaddr addrs[3];

	net_reset();
	s = net_swarm(&c);
	net_swarm_sock(s, &sa);
	for (i = 0; i < 4; i++)
	{
		fa[i] = addr4(127, 0, 1 + i, 1, 7000 + i);
		f[i] = net_fake(&fa[i]);
	}
	/* f[3] queries first: queries never add the querier */
	rnd_bytes(t, 20);
	CHECK(ask(f[3], &sa, Q(KRPC_M_FIND_NODE, t), &m) == 1);
	CHECK(m.type == 'r' && m.nodes_len == 0);
	CHECK(ST(s).known_nodes == 0);

	swarm_bootstrap(net.hosts[s].sw, fa, 3, net.now);
	net_pump();
	for (i = 0; i < 3; i++)
		CHECKF(net.hosts[f[i]].got[KRPC_M_FIND_NODE] == 1, "fake %d", i);
	st = ST(s);
	CHECK(st.known_nodes == 3 && st.bootstrap_replies == 3 &&
		  st.responses_in == 3 && st.queries_sent == 3 &&
		  st.pending_queries == 0);

	/* find_node answers with those three, closest first */
	rnd_bytes(t, 20);
	CHECK(ask(f[3], &sa, Q(KRPC_M_FIND_NODE, t), &m) == 1);
	CHECK(m.type == 'r' && tid_echoed(&m) && m.nodes_len == 3 * 26);
	for (i = 0; i < (int) (m.nodes_len / 26); i++)
	{
		krpc_node_at(m.nodes, (size_t) i, AF_INET, ids[i], &addrs[i]);
		ok = 0;
		for (j = 0; j < 3; j++)
			ok |= memcmp(ids[i], net.hosts[f[j]].id, 20) == 0 &&
				netaddr_equal(&addrs[i], &fa[j]);
		CHECKF(ok, "node %d is a fake that answered", i);
		if (i > 0)
			CHECK(nodeid_cmp_distance(t, ids[i - 1], ids[i]) < 0);
	}
	CHECK(ST(s).known_nodes == 3);
	/* want n6 only: no IPv4 nodes */
	{
		struct krpc_query q = Q(KRPC_M_FIND_NODE, t);

		q.want = KRPC_WANT_N6;
		CHECK(ask(f[3], &sa, q, &m) == 1 && m.type == 'r' && m.nodes == NULL);
		q.want = KRPC_WANT_N4 | KRPC_WANT_N6;
		CHECK(ask(f[3], &sa, q, &m) == 1 && m.nodes_len == 3 * 26);
	}
	/* get_peers and sample_infohashes carry nodes too */
	CHECK(ask(f[3], &sa, Q(KRPC_M_GET_PEERS, t), &m) == 1 && m.nodes_len == 78);
	CHECK(ask(f[3], &sa, Q(KRPC_M_SAMPLE_INFOHASHES, t), &m) == 1 &&
		  m.nodes_len == 78);
	CHECK(ST(s).known_nodes == 3);

	/* bootstrap to refused addresses sends nothing */
	bad[0] = addr4(0, 0, 0, 0, 6881);
	bad[1] = addr4(127, 0, 9, 9, 0);
	net.nlog = 0;
	swarm_bootstrap(net.hosts[s].sw, bad, 2, net.now);
	CHECK(net.nlog == 0 && ST(s).dropped_address == 2);
	end_checks("find_node");
}

static void
test_get_peers_announce(void)
{
	struct swarm_config c = base_cfg();
	int			s,
				f1,
				f2,
				f3,
				i;
	struct netaddr sa = addr4(127, 0, 0, 1, 6881);
	struct netaddr a1 = addr4(127, 0, 0, 2, 7000);
	struct netaddr a2 = addr4(127, 0, 0, 3, 7000);
	struct netaddr a3 = addr4(127, 0, 0, 4, 7001);
	struct netaddr p1 = addr4(127, 0, 0, 2, 5555);
	struct krpc_msg m;
	struct krpc_query q;
	struct swarm_stats st;
	struct candidate cand;
	uint8_t		h[20],
				h2[20],
				h3[20],
				tok1[KRPC_MAX_TOKEN_LEN];
	size_t		tok1_len;
	int			seen1 = 0,
				seen3 = 0;

	net_reset();
	s = net_swarm(&c);
	net_swarm_sock(s, &sa);
	f1 = net_fake(&a1);
	f2 = net_fake(&a2);
	f3 = net_fake(&a3);
	rnd_bytes(h, 20);
	rnd_bytes(h2, 20);
	rnd_bytes(h3, 20);

	/* get_peers: a token, no values yet; the hash is a candidate */
	CHECK(ask(f1, &sa, Q(KRPC_M_GET_PEERS, h), &m) == 1);
	CHECK(m.type == 'r' && tid_echoed(&m) && m.token != NULL &&
		  m.token_len >= 4 && m.nvalues == 0 && m.has_ip &&
		  netaddr_equal(&m.ip, &a1));
	tok1_len = m.token_len;
	memcpy(tok1, m.token, tok1_len);
	CHECK(find_candidate(s, h, &cand) && (cand.sources & CANDIDATE_GET_PEERS) &&
		  cand.npeers == 0);
	CHECK(ST(s).unique_hashes == 1);

	/* announce_peer with that token: stored, port from the query */
	q = Q(KRPC_M_ANNOUNCE_PEER, h);
	q.port = 5555;
	q.token = tok1;
	q.token_len = tok1_len;
	CHECK(ask(f1, &sa, q, &m) == 1 && m.type == 'r' && tid_echoed(&m) &&
		  m.id != NULL);
	st = ST(s);
	CHECK(st.announces_in == 1 && st.stored_hashes == 1 && st.bad_tokens == 0);
	CHECK(ask(f2, &sa, Q(KRPC_M_GET_PEERS, h), &m) == 1 && m.nvalues == 1 &&
		  netaddr_equal(&m.values[0], &p1));

	/* implied_port: the UDP source port, whatever port says */
	CHECK(announce(f3, &sa, h, 9, 1));
	CHECK(ask(f2, &sa, Q(KRPC_M_GET_PEERS, h), &m) == 1 && m.nvalues == 2);
	for (i = 0; i < (int) m.nvalues; i++)
	{
		seen1 |= netaddr_equal(&m.values[i], &p1);
		seen3 |= netaddr_equal(&m.values[i], &a3);
	}
	CHECK(seen1 && seen3);

	/* the candidate carries both announcing peers */
	CHECK(find_candidate(s, h, &cand) && has_peer(&cand, &p1) &&
		  has_peer(&cand, &a3) && (cand.sources & CANDIDATE_ANNOUNCE) &&
		  (cand.sources & CANDIDATE_GET_PEERS));
	CHECK(swarm_pop_candidate(net.hosts[s].sw, &cand) == 1 &&
		  memcmp(cand.hash, h, 20) == 0 && has_peer(&cand, &p1));

	/* bad tokens: 203, nothing stored */
	q = Q(KRPC_M_ANNOUNCE_PEER, h2);
	q.port = 1234;
	q.token = (const uint8_t *) "xxxxxxxx";
	q.token_len = 8;
	CHECK(ask(f2, &sa, q, &m) == 1 && m.type == 'e' && m.error_code == 203 &&
		  tid_echoed(&m) && m.has_ip && netaddr_equal(&m.ip, &a2));
	/* f1's token used by f2 */
	q = Q(KRPC_M_ANNOUNCE_PEER, h);
	q.port = 1234;
	q.token = tok1;
	q.token_len = tok1_len;
	CHECK(ask(f2, &sa, q, &m) == 1 && m.type == 'e' && m.error_code == 203);
	/* f1's token for h, used for h3 */
	q = Q(KRPC_M_ANNOUNCE_PEER, h3);
	q.port = 1234;
	q.token = tok1;
	q.token_len = tok1_len;
	CHECK(ask(f1, &sa, q, &m) == 1 && m.type == 'e' && m.error_code == 203);
	st = ST(s);
	CHECK(st.bad_tokens == 3 && st.announces_in == 2 && st.stored_hashes == 1);
	CHECK(ask(f2, &sa, Q(KRPC_M_GET_PEERS, h2), &m) == 1 && m.nvalues == 0);
	CHECK(ask(f2, &sa, Q(KRPC_M_GET_PEERS, h), &m) == 1 && m.nvalues == 2);

	end_checks("get_peers/announce");
}

/* Tokens survive one secret rotation (5 min), not two. */
static void
test_token_rotation(void)
{
	struct swarm_config c = base_cfg();
	int			s,
				f1;
	struct netaddr sa = addr4(127, 0, 0, 1, 6881);
	struct netaddr a1 = addr4(127, 0, 0, 2, 7000);
	struct krpc_msg m;
	struct krpc_query q;
	uint8_t		h2[20],
				h3[20],
				tok1[KRPC_MAX_TOKEN_LEN];
	size_t		tok1_len;

	net_reset();
	s = net_swarm(&c);
	net_swarm_sock(s, &sa);
	f1 = net_fake(&a1);
	rnd_bytes(h2, 20);
	rnd_bytes(h3, 20);
	CHECK(ask(f1, &sa, Q(KRPC_M_GET_PEERS, h2), &m) == 1 && m.token != NULL);
	tok1_len = m.token_len;
	memcpy(tok1, m.token, tok1_len);
	net_run(6 * 60 * 1000);
	q = Q(KRPC_M_ANNOUNCE_PEER, h2);
	q.port = 4444;
	q.token = tok1;
	q.token_len = tok1_len;
	CHECK(ask(f1, &sa, q, &m) == 1 && m.type == 'r');
	CHECK(ask(f1, &sa, Q(KRPC_M_GET_PEERS, h3), &m) == 1 && m.token != NULL);
	tok1_len = m.token_len;
	memcpy(tok1, m.token, tok1_len);
	net_run(11 * 60 * 1000);
	q = Q(KRPC_M_ANNOUNCE_PEER, h3);
	q.port = 4444;
	q.token = tok1;
	q.token_len = tok1_len;
	CHECK(ask(f1, &sa, q, &m) == 1 && m.type == 'e' && m.error_code == 203);
	CHECK(ST(s).announces_in == 1);
	end_checks("token rotation");
}

static void
test_sample_answer(void)
{
	struct swarm_config c = base_cfg();
	int			s,
				f,
				i,
				j,
				found;
	struct netaddr sa = addr4(127, 0, 0, 1, 6881);
	struct netaddr fa = addr4(127, 0, 0, 2, 7000);
	struct krpc_msg m;
	uint8_t		h[30][20],
				t[20];

	net_reset();
	s = net_swarm(&c);
	net_swarm_sock(s, &sa);
	f = net_fake(&fa);
	rnd_bytes(t, 20);
	/* nothing stored: samples present and empty, num 0 */
	CHECK(ask(f, &sa, Q(KRPC_M_SAMPLE_INFOHASHES, t), &m) == 1);
	CHECK(m.type == 'r' && tid_echoed(&m) && m.samples != NULL &&
		  m.nsamples == 0 && m.num == 0 && m.has_interval &&
		  m.interval == SWARM_OUR_SAMPLE_INTERVAL_S);
	for (i = 0; i < 3; i++)
	{
		rnd_bytes(h[i], 20);
		CHECK(announce(f, &sa, h[i], 6000 + i, 0));
	}
	CHECK(ask(f, &sa, Q(KRPC_M_SAMPLE_INFOHASHES, t), &m) == 1);
	CHECK(m.type == 'r' && m.nsamples == 3 && m.num == 3 &&
		  m.interval == SWARM_OUR_SAMPLE_INTERVAL_S);
	for (i = 0; i < 3; i++)
	{
		found = 0;
		for (j = 0; j < (int) m.nsamples; j++)
			found |= memcmp(m.samples + 20 * j, h[i], 20) == 0;
		CHECKF(found, "hash %d sampled", i);
	}
	/* 30 stored: SWARM_SAMPLES_PER_REPLY samples, num 30, distinct */
	for (i = 3; i < 30; i++)
	{
		rnd_bytes(h[i], 20);
		CHECK(announce(f, &sa, h[i], 6000 + i, 0));
	}
	CHECK(ask(f, &sa, Q(KRPC_M_SAMPLE_INFOHASHES, t), &m) == 1);
	CHECK(m.nsamples == SWARM_SAMPLES_PER_REPLY && m.num == 30);
	for (i = 0; i < (int) m.nsamples; i++)
	{
		found = 0;
		for (j = 0; j < 30; j++)
			found += memcmp(m.samples + 20 * i, h[j], 20) == 0;
		for (j = i + 1; j < (int) m.nsamples; j++)
			CHECK(memcmp(m.samples + 20 * i, m.samples + 20 * j, 20) != 0);
		CHECKF(found == 1, "sample %d is a stored hash", i);
	}
	CHECK(ST(s).queries_in[KRPC_M_SAMPLE_INFOHASHES] == 3);
	end_checks("sample_infohashes answer");
}

/* The largest replies: 8 values, 8 nodes and nodes6 want, 20 samples. */
static void
test_reply_size(void)
{
	struct swarm_config c = base_cfg();
	int			s,
				f[9],
				p,
				i;
	struct netaddr sa = addr4(127, 0, 0, 1, 6881);
	struct netaddr fa[8];
	struct krpc_msg m;
	struct krpc_query q;
	uint8_t		h[20],
				t[20];

	net_reset();
	s = net_swarm(&c);
	net_swarm_sock(s, &sa);
	for (i = 0; i < 8; i++)
	{
		fa[i] = addr4(127, 0, 2, 1 + i, 7000);
		f[i] = net_fake(&fa[i]);
	}
	swarm_bootstrap(net.hosts[s].sw, fa, 8, net.now);
	net_pump();
	CHECK(ST(s).known_nodes == 8);
	rnd_bytes(h, 20);
	for (i = 0; i < 10; i++)
	{
		struct netaddr pa = addr4(127, 0, 3, 1 + i, 7000);

		p = net_fake(&pa);
		CHECK(announce(p, &sa, h, 40000 + i, 0));
	}
	for (i = 0; i < 30; i++)
	{
		uint8_t		x[20];

		rnd_bytes(x, 20);
		CHECK(announce(f[0], &sa, x, 6881, 0));
	}
	f[8] = f[0];
	q = Q(KRPC_M_GET_PEERS, h);
	q.want = KRPC_WANT_N4 | KRPC_WANT_N6;
	CHECK(ask(f[8], &sa, q, &m) == 1 && m.type == 'r' && m.nvalues == 8 &&
		  m.nodes_len == 8 * 26 && m.token != NULL);
	rnd_bytes(t, 20);
	q = Q(KRPC_M_SAMPLE_INFOHASHES, t);
	q.want = KRPC_WANT_N4 | KRPC_WANT_N6;
	CHECK(ask(f[8], &sa, q, &m) == 1 && m.type == 'r' &&
		  m.nsamples == SWARM_SAMPLES_PER_REPLY && m.nodes_len == 8 * 26);
	CHECKF(net.max_reply <= KRPC_MAX_REPLY && net.max_reply > 600,
		   "largest reply %zu bytes", net.max_reply);
	end_checks("reply size");
}

#define ID20 "abcdefghij0123456789"
#define H20 "mnopqrstuvwxyz123456"
#define QRY(q, args) "d1:ad2:id20:" ID20 args "e1:q" q "1:t2:aa1:y1:qe"

/* One datagram and what the swarm must do with it. */
struct bad_case
{
	const char *name;
	const char *msg;
	size_t		len;
	int			expect;			/* 0 = no reply, counted in dropped_parse;
								 * 203/204 = that error; -1 = no reply, not a
								 * parse drop */
};

#define M(s) s, sizeof(s) - 1

static const struct bad_case bad_cases[] = {
	{"empty", M(""), 0},
	{"garbage", M("garbage"), 0},
	{"int", M("i42e"), 0},
	{"list", M("l4:pinge"), 0},
	{"string", M("4:ping"), 0},
	{"trailing", M(QRY("4:ping", "") "x"), 0},
	{"no y", M("d1:ad2:id20:" ID20 "e1:q4:ping1:t2:aae"), 0},
	{"y int", M("d1:ad2:id20:" ID20 "e1:q4:ping1:t2:aa1:yi1ee"), 0},
	{"y x", M("d1:ad2:id20:" ID20 "e1:q4:ping1:t2:aa1:y1:xe"), 0},
	{"no t", M("d1:ad2:id20:" ID20 "e1:q4:ping1:y1:qe"), 0},
	{"empty t", M("d1:ad2:id20:" ID20 "e1:q4:ping1:t0:1:y1:qe"), 0},
	{"t 17", M("d1:ad2:id20:" ID20 "e1:q4:ping1:t17:abcdefghijklmnopq1:y1:qe"), 0},
	{"t int", M("d1:ad2:id20:" ID20 "e1:q4:ping1:ti1e1:y1:qe"), 0},
	{"unsorted", M("d1:q4:ping1:ad2:id20:" ID20 "e1:t2:aa1:y1:qe"), 0},
	{"dup key", M("d1:ad2:id20:" ID20 "e1:q4:ping1:q4:ping1:t2:aa1:y1:qe"), 0},
	{"no a", M("d1:q4:ping1:t2:aa1:y1:qe"), 203},
	{"short id", M("d1:ad2:id19:abcdefghij012345678e1:q4:ping1:t2:aa1:y1:qe"), 203},
	{"q int", M("d1:ad2:id20:" ID20 "e1:qi1e1:t2:aa1:y1:qe"), 203},
	{"find no target", M(QRY("9:find_node", "")), 203},
	{"find short target", M(QRY("9:find_node", "6:target3:abc")), 203},
	{"get_peers no hash", M(QRY("9:get_peers", "")), 203},
	{"sample no target", M(QRY("17:sample_infohashes", "")), 203},
	{"announce no token", M(QRY("13:announce_peer", "9:info_hash20:" H20 "4:porti6881e")), 203},
	{"announce port 0", M(QRY("13:announce_peer", "9:info_hash20:" H20 "4:porti0e5:token8:abcdefgh")), 203},
	{"announce port 70000", M(QRY("13:announce_peer", "9:info_hash20:" H20 "4:porti70000e5:token8:abcdefgh")), 203},
	{"announce no port", M(QRY("13:announce_peer", "9:info_hash20:" H20 "5:token8:abcdefgh")), 203},
	{"unknown", M(QRY("3:foo", "")), 204},
	{"unknown target", M(QRY("4:vote", "6:target20:" H20)), 204},
	{"response unmatched", M("d1:rd2:id20:" ID20 "e1:t2:aa1:y1:re"), -1},
	{"error unmatched", M("d1:eli201e2:noe1:t2:aa1:y1:ee"), -1},
	{"response no id", M("d1:rd1:xi1ee1:t2:aa1:y1:re"), -1},
};

static void
test_bad_input(void)
{
	struct swarm_config c = base_cfg();
	int			s,
				f;
	struct netaddr sa = addr4(127, 0, 0, 1, 6881);
	struct netaddr fa = addr4(127, 0, 0, 2, 7000);
	struct krpc_msg m;
	struct swarm_stats st;
	size_t		i,
				drops = 0,
				errors = 0,
				n;
	static const char ping[] = QRY("4:ping", "");

	net_reset();
	s = net_swarm(&c);
	net_swarm_sock(s, &sa);
	f = net_fake(&fa);
	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++)
	{
		const struct bad_case *bc = &bad_cases[i];

		n = ask_raw(f, &sa, bc->msg, bc->len, &m);
		if (bc->expect <= 0)
		{
			CHECKF(n == 0, "%s: no reply", bc->name);
			drops += bc->expect == 0 ? 1 : 0;
		}
		else
		{
			errors++;
			CHECKF(n == 1 && m.type == 'e' && m.error_code == bc->expect &&
				   m.tid_len == 2 && memcmp(m.tid, "aa", 2) == 0 &&
				   m.has_ip && netaddr_equal(&m.ip, &fa),
				   "%s: error %d (got %zu replies, type %c, code %lld)",
				   bc->name, bc->expect, n, m.type ? m.type : '-',
				   (long long) m.error_code);
		}
		st = ST(s);
		CHECKF(st.dropped_parse == drops, "%s: dropped_parse %llu, want %zu",
			   bc->name, (unsigned long long) st.dropped_parse, drops);
		CHECKF(st.errors_sent == errors, "%s: errors_sent", bc->name);
	}
	/* every proper prefix of a valid ping is dropped */
	for (i = 0; i < sizeof(ping) - 1; i++)
	{
		n = ask_raw(f, &sa, ping, i, &m);
		CHECKF(n == 0, "prefix %zu: no reply", i);
		drops++;
	}
	st = ST(s);
	CHECK(st.dropped_parse == drops && st.replies_sent == 0);
	CHECK(st.queries_in[KRPC_M_UNKNOWN] == 3);
	CHECK(ask_raw(f, &sa, M(ping), &m) == 1 && m.type == 'r');
	CHECK(ST(s).known_nodes == 0);
	end_checks("bad input");
}

static void
test_admission(void)
{
	struct swarm_config c = base_cfg();
	int			s,
				f,
				g,
				g2,
				g3,
				e,
				b;
	struct netaddr sa = addr4(127, 0, 0, 1, 6881);
	struct netaddr fa = addr4(127, 0, 0, 2, 7000);
	struct netaddr ga = addr4(127, 0, 0, 3, 7000);
	struct netaddr ga2 = addr4(127, 0, 0, 3, 7001);
	struct netaddr ga3 = addr4(127, 0, 0, 4, 7000);
	struct netaddr ea = addr4(127, 0, 0, 5, 7000);
	struct netaddr ba = addr4(127, 0, 0, 6, 7000);
	struct krpc_msg m;
	struct krpc_query q;
	struct swarm_stats st;
	uint8_t		t[20],
				resp[256],
				tid[4],
				ip6[6];
	size_t		len;
	int			rc;

	net_reset();
	s = net_swarm(&c);
	net_swarm_sock(s, &sa);
	f = net_fake(&fa);
	rnd_bytes(t, 20);
	CHECK(ask(f, &sa, Q(KRPC_M_PING, NULL), &m) == 1);
	CHECK(ask(f, &sa, Q(KRPC_M_FIND_NODE, t), &m) == 1);
	CHECK(ask(f, &sa, Q(KRPC_M_GET_PEERS, t), &m) == 1);
	q = Q(KRPC_M_PING, NULL);
	q.read_only = 1;
	CHECK(ask(f, &sa, q, &m) == 1 && m.type == 'r');
	CHECK(ST(s).known_nodes == 0);

	/* f answers our query: it enters */
	swarm_bootstrap(net.hosts[s].sw, &fa, 1, net.now);
	net_pump();
	st = ST(s);
	CHECK(st.known_nodes == 1 && st.responses_in == 1);

	/* a reply from another address than the one queried is refused */
	g = net_fake(&ga);
	net.hosts[g].auto_reply = 0;
	g2 = net_fake(&ga2);
	g3 = net_fake(&ga3);
	net.ninbox = 0;
	swarm_bootstrap(net.hosts[s].sw, &ga, 1, net.now);
	net_pump();
	CHECK(inbox_last(g, &m, &rc) == 1 && m.type == 'q' && m.tid_len == 4);
	memcpy(tid, m.tid, 4);
	netaddr_to_compact(&sa, ip6);
	len = 0;
	len = put(resp, len, "d2:ip6:", 7);
	len = put(resp, len, ip6, 6);
	len = put(resp, len, "1:rd2:id20:", 11);
	len = put(resp, len, net.hosts[g].id, 20);
	len = put(resp, len, "e1:t4:", 6);
	len = put(resp, len, tid, 4);
	len = put(resp, len, "1:y1:re", 7);
	CHECK(ask_raw(g3, &sa, resp, len, &m) == 0);	/* other IP */
	CHECK(ask_raw(g2, &sa, resp, len, &m) == 0);	/* same IP, other port */
	st = ST(s);
	CHECK(st.dropped_unmatched == 2 && st.known_nodes == 1 &&
		  st.pending_queries == 1);
	CHECK(ask_raw(g, &sa, resp, len, &m) == 0);
	st = ST(s);
	CHECK(st.dropped_unmatched == 2 && st.known_nodes == 2 &&
		  st.responses_in == 2 && st.pending_queries == 0);
	CHECK(ask_raw(g, &sa, resp, len, &m) == 0);	/* replayed */
	CHECK(ST(s).dropped_unmatched == 3);

	/* an error reply counts, and does not admit the node */
	e = net_fake(&ea);
	net.hosts[e].reply_error = 1;
	swarm_bootstrap(net.hosts[s].sw, &ea, 1, net.now);
	net_pump();
	st = ST(s);
	CHECK(st.errors_in == 1 && st.known_nodes == 2);
	/* a malformed nodes string marks the node broken; not admitted */
	b = net_fake(&ba);
	net.hosts[b].bad_nodes = 1;
	swarm_bootstrap(net.hosts[s].sw, &ba, 1, net.now);
	net_pump();
	st = ST(s);
	CHECK(st.broken_nodes == 1 && st.known_nodes == 2);

	end_checks("admission");
}

/* A query is timed out at SWARM_QUERY_TIMEOUT_MS, not before. */
static void
test_timeouts(void)
{
	struct swarm_config c = base_cfg();
	int			s;
	struct netaddr sa = addr4(127, 0, 0, 1, 6881);
	struct netaddr nobody = addr4(127, 0, 0, 99, 9999);
	struct swarm_stats st;
	size_t		k;

	net_reset();
	s = net_swarm(&c);
	net_swarm_sock(s, &sa);
	swarm_bootstrap(net.hosts[s].sw, &nobody, 1, net.now);
	net_pump();
	k = (size_t) ST(s).timeouts;
	CHECK(ST(s).pending_queries == 1);
	swarm_tick(net.hosts[s].sw, net.now + SWARM_QUERY_TIMEOUT_MS - 1);
	net.now += SWARM_QUERY_TIMEOUT_MS - 1;
	net_pump();
	st = ST(s);
	CHECK(st.timeouts == k && st.pending_queries == 1);
	net.now += 1;
	swarm_tick(net.hosts[s].sw, net.now);
	net_pump();
	st = ST(s);
	CHECKF(st.timeouts == k + 1, "timeouts %llu",
		   (unsigned long long) st.timeouts);
	CHECK(st.pending_queries == 0 && net.lost == 1);
	end_checks("timeouts");
}

/*
 * S1 bootstraps to S2 and S3 (which know each other); S2 and S3 store
 * announces.  S1 must learn both, walk them with sample_infohashes, turn
 * the samples into candidates, and never ask one node for samples again
 * before the interval it gave (ours: SWARM_OUR_SAMPLE_INTERVAL_S).
 */
static void
test_walk(void)
{
	struct swarm_config c = base_cfg();
	int			s1,
				s2,
				s3,
				p,
				i;
	struct netaddr a1 = addr4(127, 0, 1, 1, 6881);
	struct netaddr a2 = addr4(127, 0, 2, 1, 6881);
	struct netaddr a3 = addr4(127, 0, 3, 1, 6881);
	struct netaddr pa = addr4(127, 0, 9, 1, 7000);
	struct netaddr boot[2];
	struct swarm_stats st;
	struct candidate cand;
	uint8_t		h[7][20];
	uint64_t	last[2] = {0, 0};
	size_t		asked[2] = {0, 0},
				k,
				violations = 0;
	uint64_t	min_gap = UINT64_MAX;

	net_reset();
	s1 = net_swarm(&c);
	net_swarm_sock(s1, &a1);
	c.seed = 43;
	s2 = net_swarm(&c);
	net_swarm_sock(s2, &a2);
	c.seed = 44;
	s3 = net_swarm(&c);
	net_swarm_sock(s3, &a3);
	swarm_bootstrap(net.hosts[s2].sw, &a3, 1, net.now);
	net_pump();
	CHECK(ST(s2).known_nodes == 1);
	p = net_fake(&pa);
	for (i = 0; i < 7; i++)
	{
		rnd_bytes(h[i], 20);
		CHECK(announce(p, i < 5 ? &a3 : &a2, h[i], 7000, 1));
	}
	net.nlog = 0;
	boot[0] = a2;
	boot[1] = a3;
	swarm_bootstrap(net.hosts[s1].sw, boot, 2, net.now);
	net_run(3000);
	st = ST(s1);
	CHECK(st.bootstrap_replies == 2 && st.known_nodes == 2);
	CHECKF(st.samples_received >= 7, "samples_received %llu",
		   (unsigned long long) st.samples_received);
	for (i = 0; i < 7; i++)
		CHECKF(find_candidate(s1, h[i], &cand) &&
			   (cand.sources & CANDIDATE_SAMPLE), "hash %d sampled", i);
	CHECK(st.unique_hashes >= 7);

	net_run(30 * 60 * 1000);
	for (k = 0; k < net.nlog; k++)
	{
		const struct sendrec *r = &net.log[k];
		int			w;

		if (r->host != s1 || r->type != 'q' ||
			r->method != KRPC_M_SAMPLE_INFOHASHES)
			continue;
		w = netaddr_equal(&r->to, &a2) ? 0 : netaddr_equal(&r->to, &a3) ? 1 : -1;
		if (w < 0)
			continue;
		if (asked[w] > 0)
		{
			uint64_t	gap = r->at - last[w];

			if (gap < min_gap)
				min_gap = gap;
			if (gap < SWARM_OUR_SAMPLE_INTERVAL_S * 1000)
				violations++;
		}
		asked[w]++;
		last[w] = r->at;
	}
	CHECKF(violations == 0,
		   "%zu sample_infohashes to one node before its interval (%d s);"
		   " smallest gap %llu ms", violations, SWARM_OUR_SAMPLE_INTERVAL_S,
		   (unsigned long long) min_gap);
	CHECKF(asked[0] >= 5 && asked[1] >= 5, "walk goes on: %zu, %zu",
		   asked[0], asked[1]);
	CHECK(ST(s1).contact_queue == 0);
	end_checks("walk");
}

/* A fake's interval is clamped to 0..SWARM_MAX_SAMPLE_INTERVAL_S. */
static void
test_interval_clamp(void)
{
	struct swarm_config c = base_cfg();
	int			s,
				f1,
				f2,
				f3,
				i;
	struct netaddr sa = addr4(127, 0, 0, 1, 6881);
	struct netaddr fa[3];
	struct host *h;
	uint64_t	max_ms = (uint64_t) SWARM_MAX_SAMPLE_INTERVAL_S * 1000;

	net_reset();
	s = net_swarm(&c);
	net_swarm_sock(s, &sa);
	fa[0] = addr4(127, 0, 1, 1, 7000);
	fa[1] = addr4(127, 0, 2, 1, 7000);
	fa[2] = addr4(127, 0, 3, 1, 7000);
	f1 = net_fake(&fa[0]);
	f2 = net_fake(&fa[1]);
	f3 = net_fake(&fa[2]);
	h = &net.hosts[f1];
	h->bep51 = 1;
	h->interval = 100000;		/* > 6 hours: clamped */
	h->nsamples = 2;
	rnd_bytes(h->samples[0], 40);
	h = &net.hosts[f2];
	h->bep51 = 1;
	h->interval = 7;
	/* f3: no BEP 51 (no samples, no interval): as if 6 hours */
	swarm_bootstrap(net.hosts[s].sw, fa, 3, net.now);
	net_run(30 * 1000);
	h = &net.hosts[f2];
	CHECKF(h->nsample_at >= 4, "f2 sampled %zu times", h->nsample_at);
	for (i = 1; i < (int) h->nsample_at; i++)
		CHECKF(h->sample_at[i] - h->sample_at[i - 1] >= 7000 &&
			   h->sample_at[i] - h->sample_at[i - 1] <= 8100,
			   "f2 gap %d: %llu ms", i,
			   (unsigned long long) (h->sample_at[i] - h->sample_at[i - 1]));
	CHECK(ST(s).samples_received == 2);
	net_run(max_ms + 120 * 1000);
	for (i = 0; i < 2; i++)
	{
		h = &net.hosts[i == 0 ? f1 : f3];
		CHECKF(h->nsample_at >= 2 &&
			   h->sample_at[1] - h->sample_at[0] >= max_ms &&
			   h->sample_at[1] - h->sample_at[0] <= max_ms + 60000,
			   "fake %d asked again after %llu ms (%zu times)", i,
			   h->nsample_at >= 2 ?
			   (unsigned long long) (h->sample_at[1] - h->sample_at[0]) : 0ULL,
			   h->nsample_at);
	}
	CHECK(ST(s).samples_received == 4);
	end_checks("interval clamp");

	/* a negative interval is 0: asked again at once (next tick) */
	net_reset();
	s = net_swarm(&c);
	net_swarm_sock(s, &sa);
	f1 = net_fake(&fa[0]);
	h = &net.hosts[f1];
	h->bep51 = 1;
	h->interval = -5;
	swarm_bootstrap(net.hosts[s].sw, fa, 1, net.now);
	net_run(1000);
	CHECKF(h->nsample_at >= 2 && h->sample_at[1] - h->sample_at[0] <= 100,
		   "negative interval: %zu samples", h->nsample_at);
	end_checks("interval clamp negative");
}

static void
test_lookup(void)
{
	struct swarm_config c = base_cfg();
	int			s1,
				s2,
				s3,
				p,
				f,
				i;
	struct netaddr a1 = addr4(127, 0, 1, 1, 6881);
	struct netaddr a2 = addr4(127, 0, 2, 1, 6881);
	struct netaddr a3 = addr4(127, 0, 3, 1, 6881);
	struct netaddr pa = addr4(127, 0, 9, 1, 7000);
	struct netaddr peer = addr4(127, 0, 9, 1, 5555);
	struct netaddr fa = addr4(127, 0, 4, 1, 7000);
	struct swarm_stats st;
	struct candidate cand;
	uint8_t		h[20],
				x[20];

	net_reset();
	s1 = net_swarm(&c);
	net_swarm_sock(s1, &a1);
	c.seed = 43;
	s2 = net_swarm(&c);
	net_swarm_sock(s2, &a2);
	c.seed = 44;
	s3 = net_swarm(&c);
	net_swarm_sock(s3, &a3);
	swarm_bootstrap(net.hosts[s2].sw, &a3, 1, net.now);
	net_pump();
	p = net_fake(&pa);
	rnd_bytes(h, 20);
	CHECK(announce(p, &a3, h, 5555, 0));
	swarm_bootstrap(net.hosts[s1].sw, &a2, 1, net.now);
	net_pump();
	CHECK(ST(s1).known_nodes == 1);
	/* S1 knows only S2; S2 points to S3, which has the peer */
	CHECK(swarm_lookup(net.hosts[s1].sw, h, net.now) == 0);
	CHECK(ST(s1).lookups == 1);
	net_pump();
	st = ST(s1);
	CHECKF(st.lookup_peers == 1, "lookup_peers %llu",
		   (unsigned long long) st.lookup_peers);
	CHECK(find_candidate(s1, h, &cand) && (cand.sources & CANDIDATE_LOOKUP) &&
		  has_peer(&cand, &peer));
	CHECK(swarm_pop_candidate(net.hosts[s1].sw, &cand) == 1 &&
		  memcmp(cand.hash, h, 20) == 0 && has_peer(&cand, &peer));
	CHECK(ST(s2).queries_in[KRPC_M_GET_PEERS] == 1 &&
		  ST(s3).queries_in[KRPC_M_GET_PEERS] == 2);
	net_run(2000);
	CHECK(ST(s1).lookups == 0);
	end_checks("lookup");

	/* slots: 64 lookups to a silent node, the 65th refused, freed by timeouts */
	net_reset();
	c.seed = 45;
	s1 = net_swarm(&c);
	net_swarm_sock(s1, &a1);
	f = net_fake(&fa);
	swarm_bootstrap(net.hosts[s1].sw, &fa, 1, net.now);
	net_pump();
	net.hosts[f].auto_reply = 0;
	for (i = 0; i < SWARM_MAX_LOOKUPS; i++)
	{
		rnd_bytes(x, 20);
		CHECKF(swarm_lookup(net.hosts[s1].sw, x, net.now) == 0, "lookup %d", i);
	}
	CHECK(swarm_lookup(net.hosts[s1].sw, x, net.now) == -1);
	CHECK(swarm_free_lookups(net.hosts[s1].sw) == 0);
	net_pump();
	CHECK(ST(s1).lookups == SWARM_MAX_LOOKUPS);
	CHECK(net.hosts[f].got[KRPC_M_GET_PEERS] == SWARM_MAX_LOOKUPS);
	net_run(SWARM_QUERY_TIMEOUT_MS + 2000);
	CHECK(ST(s1).lookups == 0);
	CHECK(swarm_free_lookups(net.hosts[s1].sw) == SWARM_MAX_LOOKUPS);
	CHECK(swarm_lookup(net.hosts[s1].sw, x, net.now) == 0);
	end_checks("lookup slots");
}

/* Outgoing per-IP limit: any 1 s window holds at most rate + burst. */
static void
test_rate_out(void)
{
	struct swarm_config c = base_cfg();
	int			s,
				f1,
				f2,
				step,
				i;
	struct netaddr sa[3];
	struct netaddr fa1 = addr4(127, 0, 0, 2, 7000);
	struct netaddr fa2 = addr4(127, 0, 0, 2, 7001);
	struct netaddr boot[20];
	struct netaddr bip = addr4(127, 0, 0, 5, 0);
	size_t		n,
				w;
	uint64_t	drops;

	net_reset();
	c.send_rate_per_ip = 4;
	c.max_send_rate = 1000;
	s = net_swarm(&c);
	for (i = 0; i < 3; i++)
	{
		sa[i] = addr4(127, 0, 0, 1, 6881 + i);
		net_swarm_sock(s, &sa[i]);
	}
	f1 = net_fake(&fa1);
	f2 = net_fake(&fa2);
	for (step = 0; step < 100; step++)
	{
		fake_query(f1, &sa[step % 3], Q(KRPC_M_PING, NULL));
		fake_query(f2, &sa[(step + 1) % 3], Q(KRPC_M_PING, NULL));
		net_run(100);
	}
	n = sent_to(s, &fa1, 0);
	w = max_window(s, &fa1, 1000);
	CHECKF(w <= 8, "per-IP window holds %zu (rate 4, burst 4)", w);
	CHECKF(n >= 40 && n <= 45, "%zu replies in 10 s", n);
	CHECK(ST(s).dropped_rate_out >= 150);

	/* queries: 20 nodes on one IP, bootstrap at once: 4 pass */
	for (i = 0; i < 20; i++)
	{
		boot[i] = addr4(127, 0, 0, 5, 8000 + i);
		net_fake(&boot[i]);
	}
	drops = ST(s).dropped_rate_out;
	swarm_bootstrap(net.hosts[s].sw, boot, 20, net.now);
	CHECK(sent_to(s, &bip, 'q') == 4);
	CHECK(ST(s).dropped_rate_out == drops + 16);
	net_run(20 * 1000);
	w = max_window(s, &bip, 1000);
	CHECKF(w <= 8, "per-IP window to the node IP holds %zu", w);
	end_checks("rate out");
}

/* The global send cap: any 1 s window holds at most rate + burst. */
static void
test_rate_global(void)
{
	struct swarm_config c = base_cfg();
	int			s,
				f[50],
				step,
				i;
	struct netaddr sa = addr4(127, 0, 0, 1, 6881);
	size_t		n,
				w;

	net_reset();
	c.send_rate_per_ip = 100;
	c.max_send_rate = 20;		/* burst 20 / 10 + 1 = 3 */
	s = net_swarm(&c);
	net_swarm_sock(s, &sa);
	for (i = 0; i < 50; i++)
	{
		struct netaddr a = addr4(127, 0, 1, 1 + i, 7000);

		f[i] = net_fake(&a);
	}
	for (step = 0; step < 50; step++)
	{
		for (i = 0; i < 50; i++)
			fake_query(f[i], &sa, Q(KRPC_M_PING, NULL));
		net_run(100);
	}
	n = net.nlog;
	w = max_window(s, NULL, 1000);
	CHECKF(w <= 23, "global window holds %zu (rate 20, burst 3)", w);
	CHECKF(n >= 95 && n <= 104, "%zu sent in 5 s", n);
	CHECK(ST(s).dropped_rate_out >= 2000);
	end_checks("rate global");
}

static void
test_rate_in(void)
{
	struct swarm_config c = base_cfg();
	int			s,
				f1,
				f2,
				f[20],
				i;
	struct netaddr sa = addr4(127, 0, 0, 1, 6881);
	struct netaddr fa1 = addr4(127, 0, 0, 2, 7000);
	struct netaddr fa2 = addr4(127, 0, 0, 3, 7000);
	struct krpc_msg m;
	int			rc;
	struct swarm_stats st;

	net_reset();
	c.recv_rate_per_ip = 10;	/* burst 20 */
	s = net_swarm(&c);
	net_swarm_sock(s, &sa);
	f1 = net_fake(&fa1);
	f2 = net_fake(&fa2);
	net.ninbox = 0;
	for (i = 0; i < 100; i++)
		fake_query(f1, &sa, Q(KRPC_M_PING, NULL));
	net_pump();
	CHECKF(inbox_last(f1, &m, &rc) == 20, "flood: %zu answered",
		   inbox_last(f1, &m, &rc));
	st = ST(s);
	CHECK(st.dropped_rate_in == 80 && st.queries_in[KRPC_M_PING] == 20);
	CHECK(ask(f2, &sa, Q(KRPC_M_PING, NULL), &m) == 1 && m.type == 'r');
	/* refills at 10/s */
	net.now += 1000;
	net.ninbox = 0;
	for (i = 0; i < 100; i++)
		fake_query(f1, &sa, Q(KRPC_M_PING, NULL));
	net_pump();
	CHECK(inbox_last(f1, &m, &rc) == 10);
	end_checks("rate in");

	/* the global incoming budget */
	net_reset();
	c = base_cfg();
	c.max_recv_rate = 50;		/* burst 6 */
	s = net_swarm(&c);
	net_swarm_sock(s, &sa);
	net.ninbox = 0;
	for (i = 0; i < 20; i++)
	{
		struct netaddr a = addr4(127, 0, 1, 1 + i, 7000);

		f[i] = net_fake(&a);
		fake_query(f[i], &sa, Q(KRPC_M_PING, NULL));
	}
	net_pump();
	st = ST(s);
	CHECKF(st.replies_sent == 6 && st.dropped_rate_in == 14,
		   "global in: %llu answered", (unsigned long long) st.replies_sent);
	end_checks("rate in global");
}

/* Fakes v[0..n) answer S's bootstrap reporting ip = rep. */
static void
vote(int s, const int *v, int n, const struct netaddr *rep)
{
	int			i;

	for (i = 0; i < n; i++)
	{
		struct netaddr a = addr_of(v[i]);

		net.hosts[v[i]].report_ip_set = 1;
		net.hosts[v[i]].report_ip = *rep;
		swarm_bootstrap(net.hosts[s].sw, &a, 1, net.now);
		net_pump();
	}
}

static void
test_bep42(void)
{
	struct swarm_config c = base_cfg();
	int			s,
				f,
				v[8],
				i;
	struct netaddr sa = addr4(127, 0, 0, 1, 6881);
	struct netaddr sb = addr4(127, 0, 0, 1, 6882);
	struct netaddr fa = addr4(127, 0, 0, 2, 7000);
	struct netaddr pub = addr4(1, 2, 3, 4, 6881);
	struct netaddr pub2 = addr4(5, 6, 7, 8, 6881);
	struct netaddr lo = addr4(127, 0, 0, 1, 6881);
	struct netaddr priv = addr4(10, 0, 0, 1, 6881);
	struct krpc_msg m;
	struct swarm_stats st;
	uint8_t		id0[20],
				ids[8][20];
	size_t		n;

	net_reset();
	c.nodes_per_socket = 4;
	s = net_swarm(&c);
	net_swarm_sock(s, &sa);
	f = net_fake(&fa);
	for (i = 0; i < 8; i++)
	{
		struct netaddr a = addr4(127, 0, 5, 1 + i, 7000);

		v[i] = net_fake(&a);
	}
	CHECK(ask(f, &sa, Q(KRPC_M_PING, NULL), &m) == 1 && m.id != NULL);
	memcpy(id0, m.id, 20);
	vote(s, v, IP_QUORUM - 1, &pub);
	CHECK(ST(s).identities_bep42 == 0);
	CHECK(ask(f, &sa, Q(KRPC_M_PING, NULL), &m) == 1 &&
		  memcmp(m.id, id0, 20) == 0);
	vote(s, v + IP_QUORUM - 1, 1, &pub);
	st = ST(s);
	CHECKF(st.identities == 4 && st.identities_bep42 == st.identities,
		   "bep42 %zu of %zu", st.identities_bep42, st.identities);
	CHECK(ask(f, &sa, Q(KRPC_M_PING, NULL), &m) == 1 &&
		  nodeid_bep42_valid(m.id, &pub));
	n = discover_ids(f, &sa, 300, ids, 8);
	CHECK(n == 4);
	for (i = 0; i < (int) n; i++)
		CHECKF(nodeid_bep42_valid(ids[i], &pub), "id %d valid for 1.2.3.4", i);
	/* a socket added later gets BEP 42 ids at once */
	net_swarm_sock(s, &sb);
	st = ST(s);
	CHECK(st.identities == 8 && st.identities_bep42 == 8);
	CHECK(ask(f, &sb, Q(KRPC_M_PING, NULL), &m) == 1 &&
		  nodeid_bep42_valid(m.id, &pub));
	end_checks("bep42");

	/* loopback and private reported addresses change nothing */
	net_reset();
	s = net_swarm(&c);
	net_swarm_sock(s, &sa);
	f = net_fake(&fa);
	for (i = 0; i < 8; i++)
	{
		struct netaddr a = addr4(127, 0, 5, 1 + i, 7000);

		v[i] = net_fake(&a);
	}
	CHECK(ask(f, &sa, Q(KRPC_M_PING, NULL), &m) == 1);
	memcpy(id0, m.id, 20);
	vote(s, v, 6, &lo);
	vote(s, v + 6, 2, &priv);
	vote(s, v, 6, &priv);
	CHECK(ST(s).identities_bep42 == 0);
	CHECK(ask(f, &sa, Q(KRPC_M_PING, NULL), &m) == 1 &&
		  memcmp(m.id, id0, 20) == 0);
	end_checks("bep42 private");

	/* split votes: no address has a quorum until one gets it */
	net_reset();
	s = net_swarm(&c);
	net_swarm_sock(s, &sa);
	f = net_fake(&fa);
	for (i = 0; i < 8; i++)
	{
		struct netaddr a = addr4(127, 0, 5, 1 + i, 7000);

		v[i] = net_fake(&a);
	}
	vote(s, v, 3, &pub);
	vote(s, v + 3, 3, &pub2);
	CHECK(ST(s).identities_bep42 == 0);
	vote(s, v + 6, 1, &pub2);
	CHECK(ST(s).identities_bep42 == 4);
	CHECK(ask(f, &sa, Q(KRPC_M_PING, NULL), &m) == 1 &&
		  nodeid_bep42_valid(m.id, &pub2));
	end_checks("bep42 split");
}

/* Sockets with several identities: who answers what. */
static void
test_sockets(void)
{
	struct swarm_config c = base_cfg();
	int			s,
				f,
				k,
				i,
				j,
				sock[4];
	struct netaddr sa[4];
	struct netaddr fa = addr4(127, 0, 0, 2, 7000);
	struct krpc_msg m;
	struct swarm_stats st;
	static uint8_t ids[4][8][20];
	size_t		n[4];
	uint8_t		t[20],
				ping_id[20];
	enum krpc_method meth[3] = {KRPC_M_FIND_NODE, KRPC_M_GET_PEERS,
	KRPC_M_SAMPLE_INFOHASHES};

	net_reset();
	c.nodes_per_socket = 4;
	s = net_swarm(&c);
	for (k = 0; k < 3; k++)
	{
		sa[k] = addr4(127, 0, k < 2 ? 0 : 7, 1, 6881 + k);
		sock[k] = net_swarm_sock(s, &sa[k]);
	}
	f = net_fake(&fa);
	st = ST(s);
	CHECK(st.sockets == 3 && st.identities == 12);
	for (k = 0; k < 3; k++)
	{
		n[k] = discover_ids(f, &sa[k], 400, ids[k], 8);
		CHECKF(n[k] == 4, "socket %d answers with %zu ids", k, n[k]);
	}
	for (k = 0; k < 3; k++)
		for (j = 0; j < k; j++)
			for (i = 0; i < (int) n[k]; i++)
				CHECK(!closest_of(ids[k][i], ids[k][i], ids[j], n[j]));
	for (k = 0; k < 3; k++)
	{
		/* ping: the same identity each time, one of the socket's */
		CHECK(ask(f, &sa[k], Q(KRPC_M_PING, NULL), &m) == 1 && m.id != NULL);
		memcpy(ping_id, m.id, 20);
		CHECK(closest_of(ping_id, ping_id, ids[k], n[k]));
		CHECK(ask(f, &sa[k], Q(KRPC_M_PING, NULL), &m) == 1 &&
			  memcmp(m.id, ping_id, 20) == 0);
		/* targets and info hashes: the closest identity answers */
		for (i = 0; i < 60; i++)
		{
			rnd_bytes(t, 20);
			CHECK(ask(f, &sa[k], Q(meth[i % 3], t), &m) == 1 && m.id != NULL);
			CHECKF(closest_of(t, m.id, ids[k], n[k]),
				   "socket %d, method %d: closest identity answers", k,
				   (int) meth[i % 3]);
		}
	}
	/* announce_peer: answered by the identity closest to info_hash */
	{
		struct krpc_msg r;
		int			rc;

		rnd_bytes(t, 20);
		CHECK(announce(f, &sa[1], t, 6881, 0));
		CHECK(inbox_last(f, &r, &rc) == 1 && r.type == 'r' &&
			  closest_of(t, r.id, ids[1], n[1]));
	}
	/* removing a socket frees its identities; it answers no more */
	swarm_socket_remove(net.hosts[s].sw, sock[1]);
	st = ST(s);
	CHECK(st.sockets == 2 && st.identities == 8);
	CHECK(ask(f, &sa[1], Q(KRPC_M_PING, NULL), &m) == 0);
	CHECK(ask(f, &sa[0], Q(KRPC_M_PING, NULL), &m) == 1);
	sa[3] = addr4(127, 0, 8, 1, 6881);
	sock[3] = net_swarm_sock(s, &sa[3]);
	st = ST(s);
	CHECK(st.sockets == 3 && st.identities == 12);
	CHECK(ask(f, &sa[3], Q(KRPC_M_PING, NULL), &m) == 1);
	end_checks("sockets");
}

/* 10,000 identities (10 sockets x 1000), up to SWARM_MAX_IDENTITIES. */
static void
test_many_identities(void)
{
	struct swarm_config c = base_cfg();
	int			s,
				f,
				k,
				sock[70];
	struct netaddr sa[70];
	struct netaddr fa = addr4(127, 0, 0, 2, 7000);
	struct krpc_msg m;
	struct swarm_stats st;
	uint8_t		t[20];
	int			maxsock = SWARM_MAX_IDENTITIES / 1000;

	net_reset();
	c.nodes_per_socket = 1000;
	s = net_swarm(&c);
	f = net_fake(&fa);
	for (k = 0; k < 10; k++)
	{
		sa[k] = addr4(127, 0, 10 + k, 1, 6881);
		sock[k] = net_swarm_sock(s, &sa[k]);
	}
	st = ST(s);
	CHECK(st.sockets == 10 && st.identities == 10000);
	for (k = 0; k < 10; k++)
	{
		rnd_bytes(t, 20);
		CHECK(ask(f, &sa[k], Q(KRPC_M_PING, NULL), &m) == 1 && m.type == 'r');
		CHECK(ask(f, &sa[k], Q(KRPC_M_FIND_NODE, t), &m) == 1 && m.type == 'r');
	}
	for (k = 10; k < maxsock; k++)
	{
		sa[k] = addr4(127, 0, 10 + k, 1, 6881);
		sock[k] = net_swarm_sock(s, &sa[k]);
	}
	sa[maxsock] = addr4(127, 0, 200, 1, 6881);
	sock[maxsock] = net_add_sock(s, &sa[maxsock]);
	CHECK(swarm_socket_add(net.hosts[s].sw, sock[maxsock], &sa[maxsock],
						   net.now) == -1);
	swarm_socket_remove(net.hosts[s].sw, sock[3]);
	CHECK(swarm_socket_add(net.hosts[s].sw, sock[maxsock], &sa[maxsock],
						   net.now) == 0);
	st = ST(s);
	CHECK(st.sockets == (size_t) maxsock && st.identities == (size_t) maxsock * 1000);
	CHECK(ask(f, &sa[maxsock], Q(KRPC_M_PING, NULL), &m) == 1);
	CHECK(ask(f, &sa[3], Q(KRPC_M_PING, NULL), &m) == 0);
	end_checks("10,000 identities");
}

/* Replies listing more nodes than the contact queue holds, or bad ones. */
static void
test_contacts(void)
{
	struct swarm_config c = base_cfg();
	int			s,
				f,
				i;
	struct netaddr sa = addr4(127, 0, 0, 1, 6881);
	struct netaddr fa = addr4(127, 0, 0, 2, 7000);
	struct netaddr martian[3];
	struct swarm_stats st;
	uint8_t		id[20];
	size_t		k;

	net_reset();
	c.contact_queue = 16;
	s = net_swarm(&c);
	net_swarm_sock(s, &sa);
	f = net_fake(&fa);
	martian[0] = addr4(0, 0, 0, 0, 6881);
	martian[1] = addr4(224, 0, 0, 1, 6881);
	martian[2] = addr4(127, 0, 6, 1, 0);
	for (i = 0; i < 3; i++)
	{
		rnd_bytes(id, 20);
		fake_add_node(f, id, &martian[i]);
	}
	for (i = 0; i < 20; i++)
	{
		struct netaddr a = addr4(127, 0, 6, 1 + i, 7000);

		rnd_bytes(id, 20);
		fake_add_node(f, id, &a);
	}
	swarm_bootstrap(net.hosts[s].sw, &fa, 1, net.now);
	net_pump();
	st = ST(s);
	CHECK(st.contact_queue == 16 && st.dropped_contacts == 4);
	net.nlog = 0;
	net_run(2000);
	st = ST(s);
	CHECK(st.contact_queue == 0);
	for (k = 0; k < net.nlog; k++)
		for (i = 0; i < 3; i++)
			CHECK(!netaddr_same_ip(&net.log[k].to, &martian[i]) ||
				  net.log[k].to.port != martian[i].port);
	net_run(SWARM_QUERY_TIMEOUT_MS + 1000);
	CHECK(ST(s).timeouts >= 16);
	/* the dead nodes keep being listed by f: how often are they asked? */
	net.nlog = 0;
	net_run(10 * 60 * 1000);
	{
		struct netaddr dead = addr4(127, 0, 6, 1, 7000);

		k = sent_to(s, &dead, 'q');
		if (k > 2)
			fprintf(stderr, "note: a dead node listed by a live one was queried %zu"
				   " times in 10 min\n", k);
	}
	end_checks("contacts");
}

/*
 * A ring: S1 -> S2 -> S3 -> S1.  Each soon hears of itself from the
 * others; it must not query its own sockets nor list itself as a node.
 */
static void
test_self(void)
{
	struct swarm_config c = base_cfg();
	int			s[3],
				i;
	struct netaddr a[3];
	uint8_t		ids[8][20];
	struct netaddr addrs[8];
	size_t		n,
				j;

	net_reset();
	for (i = 0; i < 3; i++)
	{
		a[i] = addr4(127, 0, 1 + i, 1, 6881);
		c.seed = 100 + (uint64_t) i;
		s[i] = net_swarm(&c);
		net_swarm_sock(s[i], &a[i]);
	}
	for (i = 0; i < 3; i++)
	{
		swarm_bootstrap(net.hosts[s[i]].sw, &a[(i + 1) % 3], 1, net.now);
		net_pump();
	}
	net_run(60 * 1000);
	CHECKF(net.self_sends == 0, "%llu datagrams from a swarm to itself",
		   (unsigned long long) net.self_sends);
	for (i = 0; i < 3; i++)
	{
		n = swarm_export_nodes(net.hosts[s[i]].sw, 8, ids, addrs, net.now);
		for (j = 0; j < n; j++)
			CHECKF(!netaddr_equal(&addrs[j], &a[i]),
				   "swarm %d has itself in its table", i);
		CHECKF(ST(s[i]).known_nodes == 2, "swarm %d knows %zu nodes", i,
			   ST(s[i]).known_nodes);
	}
	end_checks("self");
}

static void
test_policy(void)
{
	struct swarm_config c = base_cfg();
	int			s,
				f;
	struct netaddr sa = addr4(127, 0, 0, 1, 6881);
	struct netaddr fa = addr4(127, 0, 0, 2, 7000);
	struct krpc_msg m;
	uint8_t		ids[4][20];
	struct netaddr addrs[4];
	struct swarm_stats st;

	net_reset();
	s = net_swarm(&c);
	net_swarm_sock(s, &sa);
	f = net_fake(&fa);
	swarm_bootstrap(net.hosts[s].sw, &fa, 1, net.now);
	net_pump();
	CHECK(swarm_export_nodes(net.hosts[s].sw, 4, ids, addrs, net.now) == 1 &&
		  memcmp(ids[0], net.hosts[f].id, 20) == 0 &&
		  netaddr_equal(&addrs[0], &fa));
	swarm_set_policy(net.hosts[s].sw, c.send_rate_per_ip, c.max_send_rate, 0);
	st = ST(s);
	CHECK(st.known_nodes == 0);
	CHECK(ask(f, &sa, Q(KRPC_M_PING, NULL), &m) == 0);
	net.nlog = 0;
	swarm_bootstrap(net.hosts[s].sw, &fa, 1, net.now);
	CHECK(net.nlog == 0);
	st = ST(s);
	CHECK(st.dropped_address == 2 && st.replies_sent == 0);
	swarm_set_policy(net.hosts[s].sw, c.send_rate_per_ip, c.max_send_rate, 1);
	CHECK(ask(f, &sa, Q(KRPC_M_PING, NULL), &m) == 1);
	end_checks("policy");
}

/* Counters after a scripted exchange. */
static void
test_stats(void)
{
	struct swarm_config c = base_cfg();
	int			s,
				f,
				b;
	struct netaddr sa = addr4(127, 0, 0, 1, 6881);
	struct netaddr fa = addr4(127, 0, 0, 2, 7000);
	struct netaddr ba = addr4(127, 0, 0, 3, 7000);
	struct krpc_msg m;
	struct krpc_query q;
	struct swarm_stats st;
	uint8_t		h1[20],
				h2[20],
				h3[20];
	static const char unknown[] = QRY("3:foo", "");

	net_reset();
	s = net_swarm(&c);
	net_swarm_sock(s, &sa);
	f = net_fake(&fa);
	rnd_bytes(h1, 20);
	rnd_bytes(h2, 20);
	rnd_bytes(h3, 20);
	ask(f, &sa, Q(KRPC_M_PING, NULL), &m);
	ask(f, &sa, Q(KRPC_M_PING, NULL), &m);
	ask(f, &sa, Q(KRPC_M_FIND_NODE, h1), &m);
	CHECK(announce(f, &sa, h1, 6881, 0));	/* get_peers + announce */
	ask(f, &sa, Q(KRPC_M_GET_PEERS, h1), &m);
	ask(f, &sa, Q(KRPC_M_GET_PEERS, h2), &m);
	q = Q(KRPC_M_ANNOUNCE_PEER, h3);
	q.port = 1;
	q.token = (const uint8_t *) "12345678";
	q.token_len = 8;
	ask(f, &sa, q, &m);
	ask(f, &sa, Q(KRPC_M_SAMPLE_INFOHASHES, h1), &m);
	ask_raw(f, &sa, unknown, sizeof(unknown) - 1, &m);
	ask_raw(f, &sa, "xx", 2, &m);
	st = ST(s);
	CHECK(st.queries_in[KRPC_M_PING] == 2);
	CHECK(st.queries_in[KRPC_M_FIND_NODE] == 1);
	CHECK(st.queries_in[KRPC_M_GET_PEERS] == 3);
	CHECK(st.queries_in[KRPC_M_ANNOUNCE_PEER] == 2);
	CHECK(st.queries_in[KRPC_M_SAMPLE_INFOHASHES] == 1);
	CHECK(st.queries_in[KRPC_M_UNKNOWN] == 1);
	CHECK(st.replies_sent == 8 && st.errors_sent == 2);
	CHECK(st.announces_in == 1 && st.bad_tokens == 1 && st.dropped_parse == 1);
	/*
	 * Queued: h1 (its get_peers), h1 again (the announce brought a new
	 * peer), h2 and h3 (the bad-token announce, no peer); the second
	 * get_peers of h1 brings no peer and queues nothing.
	 */
	CHECK(st.unique_hashes == 3 && st.candidate_queue == 4 &&
		  st.stored_hashes == 1);
	CHECK(st.queries_sent == 0 && st.responses_in == 0 && st.known_nodes == 0);

	/* a BEP 51 node: bootstrap, then the walk asks it for samples */
	b = net_fake(&ba);
	net.hosts[b].bep51 = 1;
	net.hosts[b].interval = 60;
	net.hosts[b].nsamples = 3;
	rnd_bytes(net.hosts[b].samples[0], 60);
	swarm_bootstrap(net.hosts[s].sw, &ba, 1, net.now);
	net_run(500);
	st = ST(s);
	CHECK(st.queries_sent >= 2 && st.responses_in == st.queries_sent &&
		  st.bootstrap_replies == 1 && st.known_nodes == 1 &&
		  st.good_nodes == 1);
	CHECK(st.samples_received == 3 && st.unique_hashes == 6);
	CHECK(st.pending_queries == 0 && st.timeouts == 0);
	end_checks("stats");
}


/*
 * Nodes that answer sample_infohashes with an error (old libtorrent: 203
 * for unknown methods) or not at all (webtorrent drops unknown queries)
 * while answering everything else: the walk must not keep asking them
 * every few seconds.
 */
static void
test_sample_refused(void)
{
	struct swarm_config c = base_cfg();
	int			s,
				fe,
				fs;
	struct netaddr sa = addr4(127, 0, 0, 1, 6881);
	struct netaddr fa[2];

	net_reset();
	s = net_swarm(&c);
	net_swarm_sock(s, &sa);
	fa[0] = addr4(127, 0, 1, 1, 7000);
	fa[1] = addr4(127, 0, 2, 1, 7000);
	fe = net_fake(&fa[0]);
	fs = net_fake(&fa[1]);
	net.hosts[fe].sample_error = 1;
	net.hosts[fs].sample_silent = 1;
	swarm_bootstrap(net.hosts[s].sw, fa, 2, net.now);
	net_run(10 * 60 * 1000);
	CHECKF(net.hosts[fe].nsample_at <= 2,
		   "a node answering sample_infohashes with error 203 was asked %zu"
		   " times in 10 min (%llu ms apart)", net.hosts[fe].nsample_at,
		   net.hosts[fe].nsample_at >= 2 ? (unsigned long long)
		   (net.hosts[fe].sample_at[1] - net.hosts[fe].sample_at[0]) : 0ULL);
	if (net.hosts[fs].nsample_at > 4)
		fprintf(stderr, "note: a node ignoring sample_infohashes (answering find_node)"
			   " was asked %zu times in 10 min\n", net.hosts[fs].nsample_at);
	end_checks("sample refused");
}

/*
 * Three nodes list the same BEP 51 node X before X is known: X must be
 * asked for samples once, not once per listing.
 */
static void
test_contact_dups(void)
{
	struct swarm_config c = base_cfg();
	int			s,
				x,
				i,
				f[3];
	struct netaddr sa = addr4(127, 0, 0, 1, 6881);
	struct netaddr xa = addr4(127, 0, 9, 1, 7000);
	struct netaddr fa[3];
	struct host *h;

	net_reset();
	s = net_swarm(&c);
	net_swarm_sock(s, &sa);
	x = net_fake(&xa);
	net.hosts[x].bep51 = 1;
	net.hosts[x].interval = 600;
	for (i = 0; i < 3; i++)
	{
		fa[i] = addr4(127, 0, 1 + i, 1, 7000);
		f[i] = net_fake(&fa[i]);
		fake_add_node(f[i], net.hosts[x].id, &xa);
	}
	swarm_bootstrap(net.hosts[s].sw, fa, 3, net.now);
	net_pump();
	if (ST(s).contact_queue != 1)
		fprintf(stderr, "note: a node listed by 3 replies is queued %zu times\n",
			   ST(s).contact_queue);
	net_run(60 * 1000);
	h = &net.hosts[x];
	CHECKF(h->nsample_at == 1, "X (interval 600 s) asked for samples %zu"
		   " times in 60 s", h->nsample_at);
	end_checks("contact dups");
}

/* One node answering four of our queries is not a quorum of voters. */
static void
test_bep42_one_voter(void)
{
	struct swarm_config c = base_cfg();
	int			s,
				v,
				i;
	struct netaddr sa = addr4(127, 0, 0, 1, 6881);
	struct netaddr va = addr4(127, 0, 5, 1, 7000);
	struct netaddr pub = addr4(1, 2, 3, 4, 6881);

	net_reset();
	s = net_swarm(&c);
	net_swarm_sock(s, &sa);
	v = net_fake(&va);
	for (i = 0; i < 2 * IP_QUORUM; i++)
		vote(s, &v, 1, &pub);
	CHECKF(ST(s).identities_bep42 == 0,
		   "one voter (%d replies) changed our ids", 2 * IP_QUORUM);
	end_checks("bep42 one voter");
}

/* The pending table: queries beyond max_pending are not sent. */
static void
test_pending_full(void)
{
	struct swarm_config c = base_cfg();
	int			s,
				i;
	struct netaddr sa = addr4(127, 0, 0, 1, 6881);
	struct netaddr boot[10];
	struct swarm_stats st;

	net_reset();
	c.max_pending = 4;
	s = net_swarm(&c);
	net_swarm_sock(s, &sa);
	for (i = 0; i < 10; i++)
		boot[i] = addr4(127, 0, 1 + i, 1, 7000);	/* nobody there */
	swarm_bootstrap(net.hosts[s].sw, boot, 10, net.now);
	net_pump();
	st = ST(s);
	CHECK(st.queries_sent == 4 && st.dropped_pending_full == 6 &&
		  st.pending_queries == 4 && net.lost == 4);
	net_run(SWARM_QUERY_TIMEOUT_MS + 1000);
	st = ST(s);
	CHECK(st.timeouts == 4 && st.pending_queries == 0);
	end_checks("pending full");
}

/*
 * The largest IPv6 replies: 8 IPv4 and 8 IPv6 nodes, 8 IPv6 values and 30
 * stored hashes, to a requester wanting n4 and n6: all fit, none is lost.
 */
static void
ipv6_largest(int s, int q6, const struct netaddr *s6, const uint8_t t[20])
{
	struct krpc_msg m;
	struct krpc_query q;
	int			i;

	for (i = 0; i < 8; i++)
	{
		struct netaddr b6 = addr6(100 + i, 7000);
		struct netaddr b4 = addr4(127, 0, 20 + i, 1, 7000);

		net_fake(&b6);
		net_fake(&b4);
		swarm_bootstrap(net.hosts[s].sw, &b6, 1, net.now);
		swarm_bootstrap(net.hosts[s].sw, &b4, 1, net.now);
		net_pump();
	}
	for (i = 0; i < 8; i++)
	{
		struct netaddr p6 = addr6(200 + i, 7000);
		int			p = net_fake(&p6);

		CHECK(announce(p, s6, t, 5001 + i, 0));
	}
	for (i = 0; i < 30; i++)
	{
		uint8_t		x[20];

		rnd_bytes(x, 20);
		CHECK(announce(q6, s6, x, 5000, 0));
	}
	q = Q(KRPC_M_GET_PEERS, t);
	q.want = KRPC_WANT_N4 | KRPC_WANT_N6;
	CHECK(ask(q6, s6, q, &m) == 1 && m.type == 'r' && m.nvalues == 8 &&
		  m.nodes_len == 8 * 26 && m.nodes6_len == 8 * 38 && m.token != NULL);
	q = Q(KRPC_M_SAMPLE_INFOHASHES, t);
	q.want = KRPC_WANT_N4 | KRPC_WANT_N6;
	CHECKF(ask(q6, s6, q, &m) == 1 && m.type == 'r' && m.nsamples > 0 &&
		   m.nodes_len == 8 * 26 && m.nodes6_len == 8 * 38 && m.num == 31,
		   "v6 sample_infohashes with both wants: %zu samples, num %lld",
		   m.nsamples, (long long) m.num);
}

/* IPv6 sockets, requesters, nodes6 and values. */
static void
test_ipv6(void)
{
	struct swarm_config c = base_cfg();
	int			s,
				f4,
				q6,
				i;
	int			f6[2];
	struct netaddr s4 = addr4(127, 0, 0, 1, 6881);
	struct netaddr s6 = addr6(1, 6881);
	struct netaddr a4 = addr4(127, 0, 0, 2, 7000);
	struct netaddr a6[2];
	struct netaddr qa = addr6(9, 7000);
	struct netaddr ids_addr;
	struct krpc_msg m;
	struct krpc_query q;
	uint8_t		t[20],
				id[20];
	int			ok;

	net_reset();
	s = net_swarm(&c);
	net_swarm_sock(s, &s4);
	net_swarm_sock(s, &s6);
	f4 = net_fake(&a4);
	for (i = 0; i < 2; i++)
	{
		a6[i] = addr6(2 + i, 7000);
		f6[i] = net_fake(&a6[i]);
	}
	q6 = net_fake(&qa);
	swarm_bootstrap(net.hosts[s].sw, a6, 2, net.now);
	swarm_bootstrap(net.hosts[s].sw, &a4, 1, net.now);
	net_pump();
	CHECK(ST(s).known_nodes == 3);
	CHECK(net.hosts[f6[0]].got[KRPC_M_FIND_NODE] == 1 &&
		  net.hosts[f4].got[KRPC_M_FIND_NODE] == 1);
	CHECK(ask(q6, &s6, Q(KRPC_M_PING, NULL), &m) == 1 && m.type == 'r' &&
		  m.has_ip && netaddr_equal(&m.ip, &qa));
	rnd_bytes(t, 20);
	CHECK(ask(q6, &s6, Q(KRPC_M_FIND_NODE, t), &m) == 1 && m.type == 'r');
	CHECKF(m.nodes6_len == 2 * 38 && m.nodes == NULL,
		   "v6 requester: nodes6 %zu bytes", m.nodes6_len);
	for (i = 0; i < (int) (m.nodes6_len / 38); i++)
	{
		krpc_node_at(m.nodes6, (size_t) i, AF_INET6, id, &ids_addr);
		ok = (memcmp(id, net.hosts[f6[0]].id, 20) == 0 &&
			  netaddr_equal(&ids_addr, &a6[0])) ||
			(memcmp(id, net.hosts[f6[1]].id, 20) == 0 &&
			 netaddr_equal(&ids_addr, &a6[1]));
		CHECKF(ok, "nodes6 entry %d", i);
	}
	q = Q(KRPC_M_FIND_NODE, t);
	q.want = KRPC_WANT_N4 | KRPC_WANT_N6;
	CHECK(ask(q6, &s6, q, &m) == 1 && m.nodes_len == 26 &&
		  m.nodes6_len == 76);
	CHECK(ask(f4, &s4, Q(KRPC_M_FIND_NODE, t), &m) == 1 && m.nodes_len == 26 &&
		  m.nodes6 == NULL);
	/* an IPv6 announce: values for IPv6 requesters only */
	CHECK(announce(q6, &s6, t, 5000, 0));
	CHECK(ask(f6[0], &s6, Q(KRPC_M_GET_PEERS, t), &m) == 1 &&
		  m.nvalues == 1 && m.values[0].family == AF_INET6 &&
		  netaddr_same_ip(&m.values[0], &qa) && m.values[0].port == 5000);
	CHECK(ask(f4, &s4, Q(KRPC_M_GET_PEERS, t), &m) == 1 && m.nvalues == 0);

	ipv6_largest(s, q6, &s6, t);
	CHECK(net.max_reply <= KRPC_MAX_REPLY);
	end_checks("ipv6");
}

#ifdef HAVE_ASAN
static void
on_malloc(const volatile void *p, size_t n)
{
	(void) p;
	(void) n;
	if (counting_mallocs)
		mallocs++;
}

static void
on_free(const volatile void *p)
{
	(void) p;
}
#endif

/* After swarm_create, traffic, ticks, lookups and stats never allocate. */
static void
test_memory(void)
{
#ifdef HAVE_ASAN
	struct swarm_config c = base_cfg();
	int			s1,
				s2,
				p,
				i,
				sock1;
	struct netaddr a1 = addr4(127, 0, 1, 1, 6881);
	struct netaddr a2 = addr4(127, 0, 2, 1, 6881);
	struct netaddr pa = addr4(127, 0, 9, 1, 7000);
	struct krpc_msg m;
	struct swarm_stats st;
	struct candidate cand[8];
	uint8_t		h[20],
				ids[4][20];
	struct netaddr addrs[4];
	size_t		n;

	net_reset();
	c.nodes_per_socket = 8;
	s1 = net_swarm(&c);
	sock1 = net_swarm_sock(s1, &a1);
	c.seed = 43;
	s2 = net_swarm(&c);
	net_swarm_sock(s2, &a2);
	p = net_fake(&pa);
	mallocs = 0;
	counting_mallocs = 1;
	for (i = 0; i < 50; i++)
	{
		rnd_bytes(h, 20);
		announce(p, &a2, h, 7000 + i, i & 1);
		ask(p, &a1, Q(KRPC_M_FIND_NODE, h), &m);
		ask(p, &a1, Q(KRPC_M_SAMPLE_INFOHASHES, h), &m);
		ask_raw(p, &a1, "garbage", 7, &m);
	}
	swarm_bootstrap(net.hosts[s1].sw, &a2, 1, net.now);
	swarm_bootstrap(net.hosts[s2].sw, &a1, 1, net.now);
	net_run(60 * 1000);
	swarm_lookup(net.hosts[s1].sw, h, net.now);
	net_run(7 * 60 * 1000);	/* includes token rotations */
	swarm_stats(net.hosts[s1].sw, net.now, &st);
	while (swarm_pop_candidate(net.hosts[s1].sw, cand))
		;
	swarm_recent_candidates(net.hosts[s1].sw, 8, cand);
	swarm_set_policy(net.hosts[s1].sw, 1000, 10000, 1);
	swarm_socket_remove(net.hosts[s1].sw, sock1);
	counting_mallocs = 0;
	CHECKF(mallocs == 0, "%zu allocations after swarm_create", mallocs);
	CHECK(st.samples_received >= 20 && st.known_nodes >= 1);
	/* swarm_export_nodes is not on the datagram path: reported only */
	mallocs = 0;
	counting_mallocs = 1;
	n = swarm_export_nodes(net.hosts[s2].sw, 4, ids, addrs, net.now);
	counting_mallocs = 0;
	if (mallocs > 0)
		fprintf(stderr, "note: swarm_export_nodes made %zu allocation(s)\n", mallocs);
	CHECK(n >= 1);
	end_checks("memory");
#endif
}

int
main(void)
{
#ifdef HAVE_ASAN
	__sanitizer_install_malloc_and_free_hooks(on_malloc, on_free);
#endif
	net_reset();
	test_create();
	test_ping();
	test_find_node();
	test_get_peers_announce();
	test_token_rotation();
	test_sample_answer();
	test_reply_size();
	test_bad_input();
	test_admission();
	test_timeouts();
	test_walk();
	test_interval_clamp();
	test_lookup();
	test_rate_out();
	test_rate_global();
	test_rate_in();
	test_bep42();
	test_sockets();
	test_many_identities();
	test_contacts();
	test_self();
	test_policy();
	test_stats();
	test_sample_refused();
	test_contact_dups();
	test_bep42_one_voter();
	test_pending_full();
	test_ipv6();
	test_memory();
	net_reset();
	return unit_summary("swarm");
}
