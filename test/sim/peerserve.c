/*
 * peerserve.c
 *		Simulated peers serving metadata over TCP (peerserve.h).
 *
 * A connection reads the client's 68-byte handshake, answers with ours and
 * our extension handshake, then reads frames: the client's extension
 * handshake gives its ut_metadata id, its ut_metadata requests get data
 * or rejects, everything else is ignored.  Output goes to a growing buffer
 * written when the socket allows; a slow peer holds each reply for
 * slow_ms before writing it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "be32.h"
#include "bencode.h"
#include "peerserve.h"
#include "peerwire.h"

#define PSTR "\023BitTorrent protocol"
#define PSTR_LEN 20
#define MSG_EXTENDED 20
#define UT_REQUEST 0
#define UT_DATA 1
#define UT_REJECT 2
/* Incoming bytes kept: one frame (the largest allowed) plus a header */
#define IN_CAP (PEERSERVE_FRAME_MAX + 8)
#define EPOLL_BATCH 64
#define LISTEN_TAG UINT32_MAX

struct conn
{
	int			fd;
	uint32_t	peer;
	int64_t		torrent;		/* -1 until the handshake */
	int			behaviour;
	uint8_t		client_ut;		/* client's ut_metadata id, 0 = unknown */
	uint8_t		closing;		/* close once the output is written */
	uint8_t	   *info;			/* the bytes served, claimed_size long */
	uint32_t	claimed_size;
	uint32_t	pieces_sent;
	uint32_t	in_len;
	uint8_t	   *in;
	uint8_t	   *out;
	size_t		out_len;
	size_t		out_off;
	size_t		out_cap;
	uint64_t	hold_until_ms;	/* slow peers: nothing written before */
	uint64_t	last_input_ms;
};

struct peerserve
{
	const struct world *w;
	struct peerserve_config cfg;
	int			listen_fd;
	int			epfd;
	struct conn *conns[PEERSERVE_MAX_CONNS];
	uint32_t	nconns;
	uint64_t	now_ms;
	struct peerserve_stats stats;
};

/* Room for n more output bytes; returns where they go, or NULL */
static uint8_t *
out_reserve(struct conn *c, size_t n)
{
	if (c->out_len + n > c->out_cap)
	{
		size_t		cap = (c->out_len + n) * 2;
		uint8_t    *o = realloc(c->out, cap);

		if (o == NULL)
			return NULL;
		c->out = o;
		c->out_cap = cap;
	}
	c->out_len += n;
	return c->out + c->out_len - n;
}

/* Queue "len, 20, ext_id, dict[, raw]" */
static int
queue_extended(struct conn *c, uint8_t ext_id, const struct bencode_writer *w,
			   const uint8_t *raw, size_t raw_len)
{
	uint8_t    *o;

	if (bencode_writer_finish(w) != 0)
		return -1;
	o = out_reserve(c, 6 + w->len + raw_len);
	if (o == NULL)
		return -1;
	be32_store(o, (uint32_t) (2 + w->len + raw_len));
	o[4] = MSG_EXTENDED;
	o[5] = ext_id;
	memcpy(o + 6, w->buf, w->len);
	if (raw_len > 0)
		memcpy(o + 6 + w->len, raw, raw_len);
	return 0;
}

static int
queue_handshakes(struct peerserve *ps, struct conn *c, const uint8_t *hash)
{
	uint8_t		buf[256];
	char		id[PEERWIRE_ID_LEN + 1];
	struct bencode_writer w;
	uint8_t    *o = out_reserve(c, PEERWIRE_HANDSHAKE_LEN);

	if (o == NULL)
		return -1;
	memcpy(o, PSTR, PSTR_LEN);
	memset(o + 20, 0, 8);
	o[25] = 0x10;				/* BEP 10 */
	o[27] = 0x01;				/* BEP 5 */
	memcpy(o + 28, hash, 20);
	snprintf(id, sizeof(id), "-SI0001-%012u", c->peer);
	memcpy(o + 48, id, PEERWIRE_ID_LEN);
	bencode_writer_init(&w, buf, sizeof(buf));
	bencode_open_dict(&w);
	bencode_put_cstr(&w, "m");
	bencode_open_dict(&w);
	if (c->behaviour != PEER_NO_METADATA)
	{
		bencode_put_cstr(&w, "ut_metadata");
		bencode_put_int(&w, PEERSERVE_UT_METADATA_ID);
	}
	bencode_close(&w);
	if (c->behaviour != PEER_NO_METADATA)
	{
		bencode_put_cstr(&w, "metadata_size");
		bencode_put_int(&w, c->claimed_size);
	}
	bencode_put_cstr(&w, "reqq");
	bencode_put_int(&w, 250);
	bencode_put_cstr(&w, "v");
	bencode_put_cstr(&w, "dht_sim 0.1");
	bencode_close(&w);
	(void) ps;
	return queue_extended(c, 0, &w, NULL, 0);
}

/* The size a peer claims: the truth, or a lie of one piece either way */
static uint32_t
claimed_size(const struct conn *c, uint32_t real)
{
	if (c->behaviour != PEER_LIE_SIZE)
		return real;
	if ((c->peer & 1) && real > PEERWIRE_PIECE_LEN)
		return real - PEERWIRE_PIECE_LEN / 2;
	return real + PEERWIRE_PIECE_LEN;
}

/* The 68-byte handshake: the torrent must be one this peer holds */
static int
take_handshake(struct peerserve *ps, struct conn *c)
{
	int64_t		key;

	if (memcmp(c->in, PSTR, PSTR_LEN) != 0)
	{
		ps->stats.protocol_errors++;
		return -1;
	}
	key = world_find_key(ps->w, c->in + 28);
	if (key < 0 || !world_peer_holds(ps->w, c->peer, ps->w->keys[key].torrent))
	{
		ps->stats.unknown_hash++;
		return -1;
	}
	c->torrent = ps->w->keys[key].torrent;
	c->claimed_size = claimed_size(c, population_get(ps->w->pop,
													 (size_t) c->torrent)->info_size);
	return queue_handshakes(ps, c, c->in + 28);
}

/*
 * Build the bytes this connection serves on its first request: the info
 * dict, cut or padded to the claimed size, with one byte flipped for a
 * peer that serves wrong bytes.
 */
static int
prepare_info(struct conn *c, const struct world *w)
{
	size_t		len;
	uint8_t    *real = population_info(w->pop, (size_t) c->torrent, &len);

	if (real == NULL)
		return -1;
	c->info = calloc(1, c->claimed_size);
	if (c->info == NULL)
	{
		free(real);
		return -1;
	}
	memcpy(c->info, real, len < c->claimed_size ? len : c->claimed_size);
	free(real);
	if (c->behaviour == PEER_WRONG_BYTES)
		c->info[c->claimed_size / 2] ^= 0x20;
	return 0;
}

static int
queue_ut(struct conn *c, int64_t type, int64_t piece, const uint8_t *raw,
		 size_t raw_len)
{
	uint8_t		buf[96];
	struct bencode_writer w;

	bencode_writer_init(&w, buf, sizeof(buf));
	bencode_open_dict(&w);
	bencode_put_cstr(&w, "msg_type");
	bencode_put_int(&w, type);
	bencode_put_cstr(&w, "piece");
	bencode_put_int(&w, piece);
	if (type == UT_DATA)
	{
		bencode_put_cstr(&w, "total_size");
		bencode_put_int(&w, c->claimed_size);
	}
	bencode_close(&w);
	return queue_extended(c, c->client_ut, &w, raw, raw_len);
}

/* Answer one ut_metadata request for piece p */
static int
answer_request(struct peerserve *ps, struct conn *c, int64_t p)
{
	uint32_t	npieces = (c->claimed_size + PEERWIRE_PIECE_LEN - 1) / PEERWIRE_PIECE_LEN;
	size_t		off,
				len;

	ps->stats.requests++;
	if (c->client_ut == 0)
		return -1;
	if (c->behaviour == PEER_REJECT || c->behaviour == PEER_NO_METADATA ||
		p < 0 || p >= npieces)
	{
		ps->stats.rejects++;
		return queue_ut(c, UT_REJECT, p, NULL, 0);
	}
	if (c->info == NULL && prepare_info(c, ps->w) != 0)
		return -1;
	off = (size_t) p * PEERWIRE_PIECE_LEN;
	len = c->claimed_size - off < PEERWIRE_PIECE_LEN ?
		c->claimed_size - off : PEERWIRE_PIECE_LEN;
	if (c->behaviour == PEER_DROP)
	{
		/* half a data message, then the connection ends */
		if (queue_ut(c, UT_DATA, p, c->info + off, len) != 0)
			return -1;
		c->out_len -= len / 2 + 1;
		c->closing = 1;
		ps->stats.dropped++;
		return 0;
	}
	ps->stats.pieces++;
	if (++c->pieces_sent == npieces)
	{
		if (c->behaviour == PEER_LIE_SIZE || c->behaviour == PEER_WRONG_BYTES)
			ps->stats.served_wrong++;
		else
			ps->stats.served++;
	}
	return queue_ut(c, UT_DATA, p, c->info + off, len);
}

/* Decode a client's dict leniently (unsorted keys accepted) */
static int
decode_dict(const uint8_t *d, size_t len, struct bencode_token *tok,
			size_t *ntok)
{
	struct bencode_opts opts = {8, 0, 1};
	unsigned	flags = 0;

	return bencode_decode(d, len, &opts, tok, ntok, NULL, &flags) == 0 &&
		tok[0].type == BENCODE_DICT ? 0 : -1;
}

/* The client's extension handshake: learn its ut_metadata id */
static void
take_ext_handshake(struct conn *c, const uint8_t *d, size_t len)
{
	struct bencode_token tok[256];
	size_t		ntok = 256;
	int			m;
	int64_t		v = 0;

	if (decode_dict(d, len, tok, &ntok) != 0)
		return;
	m = bencode_dict_get_type(d, tok, ntok, 0, "m", 1, BENCODE_DICT);
	if (m < 0)
		return;
	if (bencode_dict_get_int(d, tok, ntok, (size_t) m, "ut_metadata", 11, &v) == 0 &&
		v > 0 && v < 256)
		c->client_ut = (uint8_t) v;
}

/* One whole frame of the client's (length prefix already removed) */
static int
take_frame(struct peerserve *ps, struct conn *c, const uint8_t *f, size_t len)
{
	struct bencode_token tok[32];
	size_t		ntok = 32;
	int64_t		type,
				piece;

	if (len < 2 || f[0] != MSG_EXTENDED)
		return 0;
	if (f[1] == 0)
	{
		take_ext_handshake(c, f + 2, len - 2);
		return 0;
	}
	if (f[1] != PEERSERVE_UT_METADATA_ID)
		return 0;
	if (decode_dict(f + 2, len - 2, tok, &ntok) != 0 ||
		bencode_dict_get_int(f + 2, tok, ntok, 0, "msg_type", 8, &type) != 0 ||
		bencode_dict_get_int(f + 2, tok, ntok, 0, "piece", 5, &piece) != 0)
	{
		ps->stats.protocol_errors++;
		return -1;
	}
	return type == UT_REQUEST ? answer_request(ps, c, piece) : 0;
}

/*
 * Consume whole messages from the input buffer: the handshake first, then
 * frames.  Returns -1 when the connection must close.
 */
static int
consume_input(struct peerserve *ps, struct conn *c)
{
	uint32_t	pos = 0;
	int			rc = 0;

	if (c->torrent < 0)
	{
		if (c->in_len < PEERWIRE_HANDSHAKE_LEN)
			return 0;
		if (take_handshake(ps, c) != 0)
			return -1;
		pos = PEERWIRE_HANDSHAKE_LEN;
	}
	while (rc == 0 && c->in_len - pos >= 4)
	{
		uint32_t	flen = be32_load(c->in + pos);

		if (flen > PEERSERVE_FRAME_MAX)
		{
			ps->stats.protocol_errors++;
			return -1;
		}
		if (c->in_len - pos - 4 < flen)
			break;
		rc = take_frame(ps, c, c->in + pos + 4, flen);
		pos += 4 + flen;
	}
	memmove(c->in, c->in + pos, c->in_len - pos);
	c->in_len -= pos;
	return rc;
}

static void
close_conn(struct peerserve *ps, uint32_t slot)
{
	struct conn *c = ps->conns[slot];

	close(c->fd);
	free(c->info);
	free(c->in);
	free(c->out);
	free(c);
	ps->conns[slot] = NULL;
	ps->nconns--;
}

/* Write what is due; -1 when the connection is finished or broken */
static int
flush_output(struct peerserve *ps, struct conn *c, uint32_t slot)
{
	struct epoll_event ev;

	if (ps->now_ms < c->hold_until_ms)
		return 0;
	while (c->out_off < c->out_len)
	{
		ssize_t		n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
							 MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0)
			return -1;
		c->out_off += (size_t) n;
	}
	if (c->out_off == c->out_len)
	{
		c->out_off = c->out_len = 0;
		if (c->closing)
			return -1;
	}
	ev.events = EPOLLIN | (c->out_len > 0 ? EPOLLOUT : 0);
	ev.data.u32 = slot;
	(void) epoll_ctl(ps->epfd, EPOLL_CTL_MOD, c->fd, &ev);
	return 0;
}

/* Read what arrived and react; -1 when the connection must close */
static int
read_input(struct peerserve *ps, struct conn *c)
{
	size_t		before = c->out_len;

	for (;;)
	{
		ssize_t		n = recv(c->fd, c->in + c->in_len, IN_CAP - c->in_len, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0)
			return -1;
		c->in_len += (uint32_t) n;
		c->last_input_ms = ps->now_ms;
		if (consume_input(ps, c) != 0)
			return -1;
	}
	if (c->out_len > before && c->behaviour == PEER_SLOW &&
		c->hold_until_ms <= ps->now_ms)
		c->hold_until_ms = ps->now_ms + ps->cfg.slow_ms;
	return 0;
}

static void
accept_one(struct peerserve *ps, int fd)
{
	struct sockaddr_in local;
	socklen_t	len = sizeof(local);
	int64_t		peer = -1;
	struct conn *c;
	struct epoll_event ev;
	uint32_t	slot;

	if (getsockname(fd, (struct sockaddr *) &local, &len) == 0)
		peer = world_peer_at(ps->w, ntohl(local.sin_addr.s_addr));
	if (peer < 0 || ps->w->peer_behaviour[peer] == PEER_UNREACHABLE ||
		ps->nconns >= PEERSERVE_MAX_CONNS)
	{
		ps->stats.refused++;
		close(fd);
		return;
	}
	for (slot = 0; ps->conns[slot] != NULL; slot++)
		;
	c = calloc(1, sizeof(*c));
	if (c != NULL)
		c->in = malloc(IN_CAP);
	if (c == NULL || c->in == NULL)
	{
		free(c);
		close(fd);
		return;
	}
	c->fd = fd;
	c->peer = (uint32_t) peer;
	c->torrent = -1;
	c->behaviour = ps->w->peer_behaviour[peer];
	c->last_input_ms = ps->now_ms;
	ps->conns[slot] = c;
	ps->nconns++;
	ps->stats.accepted++;
	ev.events = EPOLLIN;
	ev.data.u32 = slot;
	if (epoll_ctl(ps->epfd, EPOLL_CTL_ADD, fd, &ev) != 0)
		close_conn(ps, slot);
}

static void
accept_all(struct peerserve *ps)
{
	for (;;)
	{
		int			fd = accept4(ps->listen_fd, NULL, NULL,
								 SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0)
		{
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			return;
		}
		accept_one(ps, fd);
	}
}

void
peerserve_on_ready(struct peerserve *ps, uint64_t now_ms)
{
	struct epoll_event ev[EPOLL_BATCH];
	int			n,
				i;

	ps->now_ms = now_ms;
	n = epoll_wait(ps->epfd, ev, EPOLL_BATCH, 0);
	for (i = 0; i < n; i++)
	{
		uint32_t	slot = ev[i].data.u32;
		struct conn *c;

		if (slot == LISTEN_TAG)
		{
			accept_all(ps);
			continue;
		}
		c = ps->conns[slot];
		if (c == NULL)
			continue;
		if (((ev[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) &&
			 read_input(ps, c) != 0) ||
			flush_output(ps, c, slot) != 0)
			close_conn(ps, slot);
	}
	ps->stats.open = ps->nconns;
}

void
peerserve_tick(struct peerserve *ps, uint64_t now_ms)
{
	uint32_t	slot;

	ps->now_ms = now_ms;
	for (slot = 0; slot < PEERSERVE_MAX_CONNS; slot++)
	{
		struct conn *c = ps->conns[slot];

		if (c == NULL)
			continue;
		if (now_ms - c->last_input_ms > PEERSERVE_IDLE_MS)
		{
			ps->stats.idle_closed++;
			close_conn(ps, slot);
		}
		else if (c->out_len > c->out_off && c->hold_until_ms != 0 &&
				 now_ms >= c->hold_until_ms && flush_output(ps, c, slot) != 0)
			close_conn(ps, slot);
	}
	ps->stats.open = ps->nconns;
}

struct peerserve *
peerserve_create(const struct world *w, const struct peerserve_config *cfg)
{
	struct peerserve *ps = calloc(1, sizeof(*ps));
	struct sockaddr_in sin;
	struct epoll_event ev;
	int			on = 1;

	if (ps == NULL)
		return NULL;
	ps->w = w;
	ps->cfg = *cfg;
	ps->epfd = epoll_create1(EPOLL_CLOEXEC);
	ps->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(cfg->port);
	ev.events = EPOLLIN;
	ev.data.u32 = LISTEN_TAG;
	if (ps->epfd < 0 || ps->listen_fd < 0 ||
		setsockopt(ps->listen_fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) != 0 ||
		bind(ps->listen_fd, (struct sockaddr *) &sin, sizeof(sin)) != 0 ||
		listen(ps->listen_fd, 4096) != 0 ||
		epoll_ctl(ps->epfd, EPOLL_CTL_ADD, ps->listen_fd, &ev) != 0)
	{
		perror("sim: TCP listener");
		peerserve_destroy(ps);
		return NULL;
	}
	return ps;
}

void
peerserve_destroy(struct peerserve *ps)
{
	uint32_t	slot;

	if (ps == NULL)
		return;
	for (slot = 0; slot < PEERSERVE_MAX_CONNS; slot++)
		if (ps->conns[slot] != NULL)
			close_conn(ps, slot);
	if (ps->listen_fd >= 0)
		close(ps->listen_fd);
	if (ps->epfd >= 0)
		close(ps->epfd);
	free(ps);
}

int
peerserve_fd(const struct peerserve *ps)
{
	return ps->epfd;
}

const struct peerserve_stats *
peerserve_stats(const struct peerserve *ps)
{
	return &ps->stats;
}
