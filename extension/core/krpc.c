/*
 * krpc.c
 *		KRPC parsing into struct krpc_msg and building into caller buffers
 *		(see krpc.h for the contract).
 *
 * Parsing decodes the whole datagram with the strict bencode decoder and the
 * KRPC caps (KRPC_MAX_DEPTH, KRPC_MAX_TOKENS tokens on the stack), so unsorted
 * or duplicate keys, trailing bytes and deep nesting are refused before any
 * field is looked at.  Then come, in order: y, t (both fatal: drop), the
 * optional top-level v, ip and ro, and the body for the type (a, r or e).
 * Nothing is copied except the values peers (into the fixed array of the
 * message); every other field points into the datagram.
 *
 * Builders emit keys in ascending byte order (the order in which every
 * put below is written) through the bounded bencode writer, which never
 * writes past cap.  The response builder sizes its message arithmetically
 * first (response_size() mirrors emit_response()) so that it can trim values,
 * then samples, to fit.
 */
#include <string.h>
#include <sys/socket.h>

#include "bencode.h"
#include "krpc.h"

/* A decoded datagram: the input and its tokens */
struct krpc_doc
{
	const uint8_t *buf;
	const struct bencode_token *toks;
	size_t		n;
};

static const struct
{
	const char *name;
	enum krpc_method method;
}			krpc_methods[] =
{
	{"ping", KRPC_M_PING},
	{"find_node", KRPC_M_FIND_NODE},
	{"get_peers", KRPC_M_GET_PEERS},
	{"announce_peer", KRPC_M_ANNOUNCE_PEER},
	{"sample_infohashes", KRPC_M_SAMPLE_INFOHASHES},
};

#define KRPC_NMETHODS (sizeof(krpc_methods) / sizeof(krpc_methods[0]))

/* ------------------------------------------------------------------------
 * Parsing
 * ------------------------------------------------------------------------
 */

/* Index of key's value in the dict at index dict, or -1 */
static int
doc_get(const struct krpc_doc *d, size_t dict, const char *key)
{
	return bencode_dict_get(d->buf, d->toks, d->n, dict, key, strlen(key));
}

/* String payload of key in dict (length in *len), or NULL */
static const uint8_t *
doc_str(const struct krpc_doc *d, size_t dict, const char *key, size_t *len)
{
	return bencode_dict_get_str(d->buf, d->toks, d->n, dict, key,
								strlen(key), len);
}

/* 0 and *out if key in dict is an integer, else -1 */
static int
doc_int(const struct krpc_doc *d, size_t dict, const char *key, int64_t *out)
{
	return bencode_dict_get_int(d->buf, d->toks, d->n, dict, key,
								strlen(key), out);
}

/* A 20-byte string (node id, target, info hash) under key, or NULL */
static const uint8_t *
doc_id(const struct krpc_doc *d, size_t dict, const char *key)
{
	size_t		len;
	const uint8_t *s = doc_str(d, dict, key, &len);

	return (s != NULL && len == KRPC_ID_LEN) ? s : NULL;
}

/* Non-zero integer under key: 1; absent, zero or not an integer: 0 */
static int
doc_flag(const struct krpc_doc *d, size_t dict, const char *key)
{
	int64_t		v;

	return doc_int(d, dict, key, &v) == 0 && v != 0;
}

/*
 * Index of the first item of the list under key in dict, with the item
 * count in *count; -1 if the key is absent, not a list, or the list empty.
 * Callers walk the items with .next (linear, unlike repeated list_at).
 */
static int
doc_list_first(const struct krpc_doc *d, size_t dict, const char *key,
			   size_t *count)
{
	int			l = bencode_dict_get_type(d->buf, d->toks, d->n, dict, key,
										  strlen(key), BENCODE_LIST);

	if (l < 0)
		return -1;
	*count = d->toks[l].count;
	return bencode_list_at(d->toks, d->n, (size_t) l, 0);
}

/*
 * y, t, v, ip and ro.  Returns KRPC_ERR_NO_TYPE or KRPC_ERR_BAD_TID when
 * the message must be dropped; an ip of the wrong length, a v that is not a
 * string or an ro other than 1 are ignored.
 */
static int
parse_top(const struct krpc_doc *d, struct krpc_msg *m)
{
	const uint8_t *s;
	size_t		len;
	int64_t		ro;

	s = doc_str(d, 0, "y", &len);
	if (s == NULL || len != 1 || (s[0] != 'q' && s[0] != 'r' && s[0] != 'e'))
		return KRPC_ERR_NO_TYPE;
	m->type = (char) s[0];
	s = doc_str(d, 0, "t", &len);
	if (s == NULL || len == 0 || len > KRPC_MAX_TID_LEN)
		return KRPC_ERR_BAD_TID;
	m->tid = s;
	m->tid_len = len;
	m->version = doc_str(d, 0, "v", &m->version_len);
	if (m->version == NULL)
		m->version_len = 0;
	s = doc_str(d, 0, "ip", &len);
	if (s != NULL && netaddr_from_compact(s, len, &m->ip) == 0)
		m->has_ip = 1;
	m->read_only = doc_int(d, 0, "ro", &ro) == 0 && ro == 1;
	return KRPC_OK;
}

/* KRPC_WANT_* bits from a list of strings; anything else is ignored */
static unsigned
parse_want(const struct krpc_doc *d, size_t a)
{
	unsigned	want = 0;
	size_t		count = 0;
	size_t		i;
	int			k = doc_list_first(d, a, "want", &count);

	for (i = 0; k >= 0 && i < count; i++)
	{
		size_t		len;
		const uint8_t *s = bencode_str(d->buf, &d->toks[k], &len);

		if (s != NULL && len == 2 && memcmp(s, "n4", 2) == 0)
			want |= KRPC_WANT_N4;
		else if (s != NULL && len == 2 && memcmp(s, "n6", 2) == 0)
			want |= KRPC_WANT_N6;
		k = (int) d->toks[k].next;
	}
	return want;
}

/*
 * announce_peer's info_hash, token and port.  With a non-zero implied_port
 * the port argument is ignored (BEP 5): kept when it is a valid port, else
 * 0, never an error.  Without it, port must be an integer in 1..65535.
 */
static int
parse_announce(const struct krpc_doc *d, size_t a, struct krpc_msg *m)
{
	int64_t		port;
	int			has_port;

	m->token = doc_str(d, a, "token", &m->token_len);
	if (m->token == NULL || m->token_len == 0 ||
		m->token_len > KRPC_MAX_TOKEN_LEN)
	{
		m->token = NULL;
		m->token_len = 0;
		return KRPC_ERR_PROTOCOL;
	}
	m->implied_port = doc_flag(d, a, "implied_port");
	has_port = doc_int(d, a, "port", &port) == 0 && port >= 1 && port <= 65535;
	if (has_port)
		m->port = (uint16_t) port;
	if (m->info_hash == NULL || (!has_port && !m->implied_port))
		return KRPC_ERR_PROTOCOL;
	return KRPC_OK;
}

/*
 * The method and arguments of a query.  Every query, known or not, needs a
 * dict a with a 20-byte id; target and info_hash are kept whenever they are
 * 20 bytes (an unknown query carrying them may be answered like find_node,
 * as libtorrent does), and required by the methods that use them.
 */
static int
parse_query(const struct krpc_doc *d, struct krpc_msg *m)
{
	size_t		i;
	int			a;

	m->method = KRPC_M_UNKNOWN;
	m->method_name = doc_str(d, 0, "q", &m->method_len);
	if (m->method_name == NULL)
	{
		m->method_len = 0;
		return KRPC_ERR_PROTOCOL;
	}
	for (i = 0; i < KRPC_NMETHODS; i++)
		if (strlen(krpc_methods[i].name) == m->method_len &&
			memcmp(krpc_methods[i].name, m->method_name, m->method_len) == 0)
			m->method = krpc_methods[i].method;
	a = bencode_dict_get_type(d->buf, d->toks, d->n, 0, "a", 1, BENCODE_DICT);
	if (a < 0 || (m->id = doc_id(d, (size_t) a, "id")) == NULL)
		return KRPC_ERR_PROTOCOL;
	m->target = doc_id(d, (size_t) a, "target");
	m->info_hash = doc_id(d, (size_t) a, "info_hash");
	m->want = parse_want(d, (size_t) a);
	m->noseed = doc_flag(d, (size_t) a, "noseed");
	m->scrape = doc_flag(d, (size_t) a, "scrape");
	switch (m->method)
	{
		case KRPC_M_FIND_NODE:
		case KRPC_M_SAMPLE_INFOHASHES:
			return m->target != NULL ? KRPC_OK : KRPC_ERR_PROTOCOL;
		case KRPC_M_GET_PEERS:
			return m->info_hash != NULL ? KRPC_OK : KRPC_ERR_PROTOCOL;
		case KRPC_M_ANNOUNCE_PEER:
			return parse_announce(d, (size_t) a, m);
		default:
			return KRPC_OK;
	}
}

/*
 * A compact string whose length must be a multiple of unit (nodes, nodes6,
 * samples).  Absent: NULL, 0.  Present but not a string or of a bad length:
 * NULL, 0 and *malformed set.  Returns the payload.
 */
static const uint8_t *
parse_compact(const struct krpc_doc *d, size_t r, const char *key,
			  size_t unit, size_t *len, int *malformed)
{
	const uint8_t *s;

	*len = 0;
	if (doc_get(d, r, key) < 0)
		return NULL;
	s = doc_str(d, r, key, len);
	if (s == NULL || *len % unit != 0)
	{
		*malformed = 1;
		*len = 0;
		return NULL;
	}
	return s;
}

/*
 * The values list: 6- and 18-byte strings become peers, at most
 * KRPC_MAX_VALUES of them; other items, and items over the cap, are
 * counted in values_skipped.  A values that is not a list is ignored.
 */
static void
parse_values(const struct krpc_doc *d, size_t r, struct krpc_msg *m)
{
	size_t		count = 0;
	size_t		i;
	int			k = doc_list_first(d, r, "values", &count);

	for (i = 0; k >= 0 && i < count; i++)
	{
		size_t		len;
		const uint8_t *s = bencode_str(d->buf, &d->toks[k], &len);

		if (s != NULL && m->nvalues < KRPC_MAX_VALUES &&
			netaddr_from_compact(s, len, &m->values[m->nvalues]) == 0)
			m->nvalues++;
		else
			m->values_skipped++;
		k = (int) d->toks[k].next;
	}
}

/* The body of a response: r.id is required, everything else optional */
static int
parse_response(const struct krpc_doc *d, struct krpc_msg *m)
{
	int			r = bencode_dict_get_type(d->buf, d->toks, d->n, 0, "r", 1,
										  BENCODE_DICT);
	size_t		slen;

	if (r < 0 || (m->id = doc_id(d, (size_t) r, "id")) == NULL)
		return KRPC_ERR_PROTOCOL;
	m->nodes = parse_compact(d, (size_t) r, "nodes", KRPC_NODE4_LEN,
							 &m->nodes_len, &m->nodes_malformed);
	m->nodes6 = parse_compact(d, (size_t) r, "nodes6", KRPC_NODE6_LEN,
							  &m->nodes6_len, &m->nodes_malformed);
	m->samples = parse_compact(d, (size_t) r, "samples", KRPC_SAMPLE_LEN,
							   &slen, &m->samples_malformed);
	m->nsamples = slen / KRPC_SAMPLE_LEN;
	m->token = doc_str(d, (size_t) r, "token", &m->token_len);
	if (m->token == NULL || m->token_len == 0 ||
		m->token_len > KRPC_MAX_TOKEN_LEN)
	{
		m->token = NULL;
		m->token_len = 0;
	}
	parse_values(d, (size_t) r, m);
	m->has_interval = doc_int(d, (size_t) r, "interval", &m->interval) == 0;
	if (doc_int(d, (size_t) r, "num", &m->num) != 0)
		m->num = -1;
	return KRPC_OK;
}

/* e = [code, message]; extra items are tolerated */
static int
parse_error(const struct krpc_doc *d, struct krpc_msg *m)
{
	int			e = bencode_dict_get_type(d->buf, d->toks, d->n, 0, "e", 1,
										  BENCODE_LIST);
	int			code;
	int			msg;

	if (e < 0)
		return KRPC_ERR_PROTOCOL;
	code = bencode_list_at(d->toks, d->n, (size_t) e, 0);
	msg = bencode_list_at(d->toks, d->n, (size_t) e, 1);
	if (code < 0 || msg < 0 || d->toks[code].type != BENCODE_INT)
		return KRPC_ERR_PROTOCOL;
	m->error_msg = bencode_str(d->buf, &d->toks[msg], &m->error_msg_len);
	if (m->error_msg == NULL)
	{
		m->error_msg_len = 0;
		return KRPC_ERR_PROTOCOL;
	}
	m->error_code = d->toks[code].value;
	return KRPC_OK;
}

/*
 * Decode, then y and t (drop on failure), then the body for the type.  out
 * is zeroed first (num = -1), so a failed parse leaves nothing stale.
 */
int
krpc_parse(const uint8_t *buf, size_t len, struct krpc_msg *out)
{
	struct bencode_token toks[KRPC_MAX_TOKENS];
	struct bencode_opts opts = {.max_depth = KRPC_MAX_DEPTH};
	struct krpc_doc d;
	size_t		ntoks = KRPC_MAX_TOKENS;
	int			rc;

	memset(out, 0, sizeof(*out));
	out->num = -1;
	if (bencode_decode(buf, len, &opts, toks, &ntoks, NULL, NULL) !=
		BENCODE_OK || toks[0].type != BENCODE_DICT)
		return KRPC_ERR_BENCODE;
	d.buf = buf;
	d.toks = toks;
	d.n = ntoks;
	rc = parse_top(&d, out);
	if (rc != KRPC_OK)
		return rc;
	if (out->type == 'q')
		return parse_query(&d, out);
	if (out->type == 'r')
		return parse_response(&d, out);
	return parse_error(&d, out);
}

/* No bounds check: the caller indexes below nodes_len / node length. */
void
krpc_node_at(const uint8_t *nodes, size_t i, int family,
			 uint8_t id[KRPC_ID_LEN], struct netaddr *addr)
{
	size_t		unit = family == AF_INET6 ? KRPC_NODE6_LEN : KRPC_NODE4_LEN;
	const uint8_t *p = nodes + i * unit;

	memcpy(id, p, KRPC_ID_LEN);
	netaddr_from_compact(p + KRPC_ID_LEN, unit - KRPC_ID_LEN, addr);
}

/* ------------------------------------------------------------------------
 * Building
 * ------------------------------------------------------------------------
 */

/* key then string value */
static void
put_kv_str(struct bencode_writer *w, const char *key, const void *s,
		   size_t len)
{
	bencode_put_cstr(w, key);
	bencode_put_str(w, s, len);
}

/* key then integer value */
static void
put_kv_int(struct bencode_writer *w, const char *key, int64_t v)
{
	bencode_put_cstr(w, key);
	bencode_put_int(w, v);
}

/* key then the compact form of an endpoint (family already checked) */
static void
put_kv_addr(struct bencode_writer *w, const char *key,
			const struct netaddr *a)
{
	uint8_t		c[NETADDR_COMPACT6];

	put_kv_str(w, key, c, netaddr_to_compact(a, c));
}

/* 0 if everything fit (and *out_len set), else KRPC_ERR_BUFFER */
static int
finish(const struct bencode_writer *w, size_t *out_len)
{
	if (bencode_writer_finish(w) != BENCODE_OK)
		return KRPC_ERR_BUFFER;
	*out_len = w->len;
	return KRPC_OK;
}

/* Does the query carry everything its method needs? */
static int
check_query(const struct krpc_query *q)
{
	if (q->tid == NULL || q->tid_len == 0 || q->tid_len > KRPC_MAX_TID_LEN)
		return KRPC_ERR_BAD_TID;
	if (q->id == NULL)
		return KRPC_ERR_PROTOCOL;
	switch (q->method)
	{
		case KRPC_M_PING:
			return KRPC_OK;
		case KRPC_M_FIND_NODE:
		case KRPC_M_SAMPLE_INFOHASHES:
			return q->target != NULL ? KRPC_OK : KRPC_ERR_PROTOCOL;
		case KRPC_M_GET_PEERS:
			return q->info_hash != NULL ? KRPC_OK : KRPC_ERR_PROTOCOL;
		case KRPC_M_ANNOUNCE_PEER:
			if (q->info_hash == NULL || q->token == NULL ||
				q->token_len == 0 || q->token_len > KRPC_MAX_TOKEN_LEN ||
				(q->port == 0 && !q->implied_port))
				return KRPC_ERR_PROTOCOL;
			return KRPC_OK;
		default:
			return KRPC_ERR_PROTOCOL;
	}
}

/* The a dict: id, implied_port, info_hash, port, target, token, want */
static void
emit_query_args(struct bencode_writer *w, const struct krpc_query *q)
{
	int			announce = q->method == KRPC_M_ANNOUNCE_PEER;

	bencode_open_dict(w);
	put_kv_str(w, "id", q->id, KRPC_ID_LEN);
	if (announce && q->implied_port)
		put_kv_int(w, "implied_port", 1);
	if (announce || q->method == KRPC_M_GET_PEERS)
		put_kv_str(w, "info_hash", q->info_hash, KRPC_ID_LEN);
	if (announce)
		put_kv_int(w, "port", q->port);
	if (q->method == KRPC_M_FIND_NODE ||
		q->method == KRPC_M_SAMPLE_INFOHASHES)
		put_kv_str(w, "target", q->target, KRPC_ID_LEN);
	if (announce)
		put_kv_str(w, "token", q->token, q->token_len);
	if (q->want & (KRPC_WANT_N4 | KRPC_WANT_N6))
	{
		bencode_put_cstr(w, "want");
		bencode_open_list(w);
		if (q->want & KRPC_WANT_N4)
			bencode_put_cstr(w, "n4");
		if (q->want & KRPC_WANT_N6)
			bencode_put_cstr(w, "n6");
		bencode_close(w);
	}
	bencode_close(w);
}

/*
 * Build a query: a, q, ro, t, y.  announce_peer always carries port (0 is
 * allowed with implied_port; libtorrent requires the key).
 */
int
krpc_build_query(uint8_t *buf, size_t cap, const struct krpc_query *q,
				 size_t *out_len)
{
	struct bencode_writer w;
	int			rc = check_query(q);

	if (rc != KRPC_OK)
		return rc;
	bencode_writer_init(&w, buf, cap);
	bencode_open_dict(&w);
	bencode_put_cstr(&w, "a");
	emit_query_args(&w, q);
	put_kv_str(&w, "q", krpc_method_name(q->method),
			   strlen(krpc_method_name(q->method)));
	if (q->read_only)
		put_kv_int(&w, "ro", 1);
	put_kv_str(&w, "t", q->tid, q->tid_len);
	put_kv_str(&w, "y", "q", 1);
	bencode_close(&w);
	return finish(&w, out_len);
}

/* Encoded size of a string of len bytes: digits, ':', payload */
static size_t
str_size(size_t len)
{
	size_t		n = 1;
	size_t		v;

	for (v = len; v >= 10; v /= 10)
		n++;
	return n + 1 + len;
}

/* Encoded size of an integer: 'i', optional '-', digits, 'e' */
static size_t
int_size(int64_t v)
{
	/* magnitude without negating INT64_MIN */
	uint64_t	u = v < 0 ? (uint64_t) (-(v + 1)) + 1 : (uint64_t) v;
	size_t		n = v < 0 ? 4 : 3;

	for (; u >= 10; u /= 10)
		n++;
	return n;
}

/* Size of the values key and list holding the first nv values (0: omitted) */
static size_t
values_size(const struct krpc_response *r, size_t nv)
{
	size_t		s = str_size(6) + 2;
	size_t		i;

	if (nv == 0)
		return 0;
	for (i = 0; i < nv; i++)
		s += str_size(netaddr_iplen(&r->values[i]) + 2);
	return s;
}

/*
 * Exact size of the response with nv values and ns samples; mirrors
 * emit_response().  Lengths were checked against the cap first, so
 * nothing here can overflow.
 */
static size_t
response_size(const struct krpc_response *r, size_t nv, size_t ns)
{
	size_t		s = 2 + str_size(1) + 2 + str_size(2) + str_size(KRPC_ID_LEN);

	if (r->requester != NULL)
		s += str_size(2) + str_size(netaddr_iplen(r->requester) + 2);
	if (r->with_samples)
		s += str_size(8) + int_size(r->interval) +
			str_size(3) + int_size(r->num) +
			str_size(7) + str_size(ns * KRPC_SAMPLE_LEN);
	if (r->nodes_len > 0)
		s += str_size(5) + str_size(r->nodes_len);
	if (r->nodes6_len > 0)
		s += str_size(6) + str_size(r->nodes6_len);
	if (r->token != NULL && r->token_len > 0)
		s += str_size(5) + str_size(r->token_len);
	s += values_size(r, nv);
	s += str_size(1) + str_size(r->tid_len);
	if (r->version != NULL)
		s += str_size(1) + str_size(r->version_len);
	return s + str_size(1) + str_size(1);
}

/* Anything a response cannot be built from?  cap is already clamped. */
static int
check_response(const struct krpc_response *r, size_t cap)
{
	if (r->tid == NULL || r->tid_len == 0 || r->tid_len > KRPC_MAX_TID_LEN)
		return KRPC_ERR_BAD_TID;
	if (r->id == NULL ||
		(r->requester != NULL && netaddr_iplen(r->requester) == 0) ||
		r->nodes_len % KRPC_NODE4_LEN != 0 ||
		r->nodes6_len % KRPC_NODE6_LEN != 0 ||
		(r->nodes_len > 0 && r->nodes == NULL) ||
		(r->nodes6_len > 0 && r->nodes6 == NULL) ||
		(r->nvalues > 0 && r->values == NULL) ||
		(r->nsamples > 0 && r->samples == NULL) ||
		(r->version == NULL && r->version_len > 0))
		return KRPC_ERR_PROTOCOL;
	/* bounds the arithmetic of response_size() */
	if (r->nodes_len > cap || r->nodes6_len > cap || r->version_len > cap ||
		(r->token != NULL && r->token_len > cap))
		return KRPC_ERR_BUFFER;
	return KRPC_OK;
}

/*
 * How many values and samples fit in cap: values go first (they are
 * dropped before any sample is), then samples.  Returns KRPC_ERR_BUFFER
 * if even none of either fits, KRPC_ERR_PROTOCOL for a value of no family.
 */
static int
fit_response(const struct krpc_response *r, size_t cap, size_t *nv,
			 size_t *ns)
{
	size_t		size = response_size(r, 0, 0);
	size_t		room;
	size_t		i;

	for (i = 0; i < r->nvalues; i++)
		if (netaddr_iplen(&r->values[i]) == 0)
			return KRPC_ERR_PROTOCOL;
	if (size > cap)
		return KRPC_ERR_BUFFER;
	room = cap - size;
	*ns = r->with_samples ? r->nsamples : 0;
	if (*ns > room / KRPC_SAMPLE_LEN)
		*ns = room / KRPC_SAMPLE_LEN;
	while (*ns > 0 && str_size(*ns * KRPC_SAMPLE_LEN) - str_size(0) > room)
		(*ns)--;
	if (r->with_samples)
		room -= str_size(*ns * KRPC_SAMPLE_LEN) - str_size(0);
	*nv = 0;
	if (*ns < (r->with_samples ? r->nsamples : 0) || r->nvalues == 0 ||
		values_size(r, 1) > room)
		return KRPC_OK;
	room -= values_size(r, 1);
	for (*nv = 1; *nv < r->nvalues; (*nv)++)
	{
		size_t		one = str_size(netaddr_iplen(&r->values[*nv]) + 2);

		if (one > room)
			break;
		room -= one;
	}
	return KRPC_OK;
}

/* The r dict: id, interval, nodes, nodes6, num, samples, token, values */
static void
emit_response_body(struct bencode_writer *w, const struct krpc_response *r,
				   size_t nv, size_t ns)
{
	size_t		i;

	bencode_open_dict(w);
	put_kv_str(w, "id", r->id, KRPC_ID_LEN);
	if (r->with_samples)
		put_kv_int(w, "interval", r->interval);
	if (r->nodes_len > 0)
		put_kv_str(w, "nodes", r->nodes, r->nodes_len);
	if (r->nodes6_len > 0)
		put_kv_str(w, "nodes6", r->nodes6, r->nodes6_len);
	if (r->with_samples)
	{
		put_kv_int(w, "num", r->num);
		put_kv_str(w, "samples", r->samples, ns * KRPC_SAMPLE_LEN);
	}
	if (r->token != NULL && r->token_len > 0)
		put_kv_str(w, "token", r->token, r->token_len);
	if (nv > 0)
	{
		bencode_put_cstr(w, "values");
		bencode_open_list(w);
		for (i = 0; i < nv; i++)
		{
			uint8_t		c[NETADDR_COMPACT6];

			bencode_put_str(w, c, netaddr_to_compact(&r->values[i], c));
		}
		bencode_close(w);
	}
	bencode_close(w);
}

/*
 * Build a response: ip, r, t, v, y.  The sizes are worked out first
 * (fit_response), so the writer only overflows if even the minimal message
 * does not fit, which fit_response already reported.
 */
int
krpc_build_response(uint8_t *buf, size_t cap, const struct krpc_response *r,
					size_t *out_len, size_t *values_sent,
					size_t *samples_sent)
{
	struct bencode_writer w;
	size_t		nv = 0;
	size_t		ns = 0;
	int			rc;

	if (cap > KRPC_MAX_REPLY)
		cap = KRPC_MAX_REPLY;
	rc = check_response(r, cap);
	if (rc == KRPC_OK)
		rc = fit_response(r, cap, &nv, &ns);
	if (rc != KRPC_OK)
		return rc;
	bencode_writer_init(&w, buf, cap);
	bencode_open_dict(&w);
	if (r->requester != NULL)
		put_kv_addr(&w, "ip", r->requester);
	bencode_put_cstr(&w, "r");
	emit_response_body(&w, r, nv, ns);
	put_kv_str(&w, "t", r->tid, r->tid_len);
	if (r->version != NULL)
		put_kv_str(&w, "v", r->version, r->version_len);
	put_kv_str(&w, "y", "r", 1);
	bencode_close(&w);
	rc = finish(&w, out_len);
	if (rc == KRPC_OK && values_sent != NULL)
		*values_sent = nv;
	if (rc == KRPC_OK && samples_sent != NULL)
		*samples_sent = ns;
	return rc;
}

/* Build an error: e = [code, message], ip, t, y */
int
krpc_build_error(uint8_t *buf, size_t cap, const uint8_t *tid,
				 size_t tid_len, int code, const char *message,
				 const struct netaddr *requester, size_t *out_len)
{
	struct bencode_writer w;

	if (tid == NULL || tid_len == 0 || tid_len > KRPC_MAX_TID_LEN)
		return KRPC_ERR_BAD_TID;
	if (requester != NULL && netaddr_iplen(requester) == 0)
		return KRPC_ERR_PROTOCOL;
	if (cap > KRPC_MAX_REPLY)
		cap = KRPC_MAX_REPLY;
	bencode_writer_init(&w, buf, cap);
	bencode_open_dict(&w);
	bencode_put_cstr(&w, "e");
	bencode_open_list(&w);
	bencode_put_int(&w, code);
	bencode_put_cstr(&w, message != NULL ? message : "");
	bencode_close(&w);
	if (requester != NULL)
		put_kv_addr(&w, "ip", requester);
	put_kv_str(&w, "t", tid, tid_len);
	put_kv_str(&w, "y", "e", 1);
	bencode_close(&w);
	return finish(&w, out_len);
}

const char *
krpc_strerror(int err)
{
	switch (err)
	{
		case KRPC_OK:
			return "success";
		case KRPC_ERR_BENCODE:
			return "not a valid bencoded dictionary";
		case KRPC_ERR_NO_TYPE:
			return "missing or invalid message type";
		case KRPC_ERR_BAD_TID:
			return "missing or invalid transaction id";
		case KRPC_ERR_PROTOCOL:
			return "missing or invalid arguments";
		case KRPC_ERR_BUFFER:
			return "output buffer too small";
	}
	return "unknown error";
}

const char *
krpc_method_name(enum krpc_method m)
{
	size_t		i;

	for (i = 0; i < KRPC_NMETHODS; i++)
		if (krpc_methods[i].method == m)
			return krpc_methods[i].name;
	return m == KRPC_M_NONE ? "none" : "unknown";
}
