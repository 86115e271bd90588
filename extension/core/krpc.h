/*
 * krpc.h
 *		KRPC messages (BEP 5, 42, 43, 51): parse into a typed struct, build
 *		into caller buffers.
 *
 * Owns the wire format of DHT messages and nothing else: no routing, no
 * state.  Parsing is strict bencode with the KRPC caps (depth 10, 512
 * tokens); parsed pointers point into the caller's datagram and stay valid
 * as long as it does.  Builders write sorted keys into a caller buffer and
 * fail with KRPC_ERR_BUFFER rather than write past it.
 *
 * The parse result separates what must be dropped silently (not bencode,
 * no y, bad t: never answer) from well-formed queries with bad arguments
 * (KRPC_ERR_PROTOCOL: answerable with error 203).  Responses and errors
 * whose r / e is malformed also give KRPC_ERR_PROTOCOL (never answered:
 * we do not answer responses).  Oddities that do not make a message
 * useless are flagged, not refused: nodes_malformed, samples_malformed,
 * values_skipped; unknown keys are ignored.
 *
 * Replies (krpc_build_response, krpc_build_error) never exceed
 * KRPC_MAX_REPLY bytes, whatever cap the caller passes.
 */
#ifndef DHT_KRPC_H
#define DHT_KRPC_H

#include <stddef.h>
#include <stdint.h>

#include "netaddr.h"

#define KRPC_ID_LEN 20
/* Compact node info: id + compact IPv4 (26) or IPv6 (38) endpoint (BEP 5/32) */
#define KRPC_NODE4_LEN (KRPC_ID_LEN + NETADDR_COMPACT4)
#define KRPC_NODE6_LEN (KRPC_ID_LEN + NETADDR_COMPACT6)
/* One BEP 51 sample: an info hash */
#define KRPC_SAMPLE_LEN 20
/* Longer transaction ids are refused (DESIGN.md §3): we echo t verbatim. */
#define KRPC_MAX_TID_LEN 16
/* KRPC caps: nesting and item count of one datagram (DESIGN.md §3). */
#define KRPC_MAX_DEPTH 10
#define KRPC_MAX_TOKENS 512
/* Tokens we accept from others (ours are shorter; libtorrent's are 4-8). */
#define KRPC_MAX_TOKEN_LEN 64
/* Peers kept from one 'values' list; a full 1024-byte reply holds ~120. */
#define KRPC_MAX_VALUES 128
/* Replies we build never exceed this (DESIGN.md §3). */
#define KRPC_MAX_REPLY 1024

enum krpc_error
{
	KRPC_OK = 0,
	KRPC_ERR_BENCODE = -1,		/* not one valid bencoded dictionary: drop */
	KRPC_ERR_NO_TYPE = -2,		/* y missing or not q/r/e: drop */
	KRPC_ERR_BAD_TID = -3,		/* t missing, empty or > 16 bytes: drop */
	KRPC_ERR_PROTOCOL = -4,		/* query with missing/invalid arguments: 203 */
	KRPC_ERR_BUFFER = -5		/* build: output buffer too small */
};

/* BEP 5 error codes */
#define KRPC_E_GENERIC 201
#define KRPC_E_SERVER 202
#define KRPC_E_PROTOCOL 203
#define KRPC_E_METHOD 204

enum krpc_method
{
	KRPC_M_NONE = 0,			/* not a query */
	KRPC_M_UNKNOWN,				/* a query whose q we do not know */
	KRPC_M_PING,
	KRPC_M_FIND_NODE,
	KRPC_M_GET_PEERS,
	KRPC_M_ANNOUNCE_PEER,
	KRPC_M_SAMPLE_INFOHASHES
};

#define KRPC_WANT_N4 0x1
#define KRPC_WANT_N6 0x2

/* A parsed message; pointers refer to the datagram. */
struct krpc_msg
{
	char		type;			/* 'q', 'r' or 'e' */
	const uint8_t *tid;
	size_t		tid_len;
	const uint8_t *version;		/* top-level v, or NULL */
	size_t		version_len;
	int			has_ip;			/* top-level ip (BEP 42): our address as seen */
	struct netaddr ip;
	int			read_only;		/* ro = 1 (BEP 43) */

	/* queries ('q') */
	enum krpc_method method;
	const uint8_t *method_name; /* raw q value, for logging unknown ones */
	size_t		method_len;
	const uint8_t *id;			/* a.id or r.id (20 bytes), or NULL */
	const uint8_t *target;		/* find_node, sample_infohashes (20 bytes) */
	const uint8_t *info_hash;	/* get_peers, announce_peer (20 bytes) */
	unsigned	want;			/* KRPC_WANT_* from a list "want" */
	uint16_t	port;			/* announce_peer */
	int			implied_port;	/* announce_peer: use the UDP source port */
	const uint8_t *token;		/* announce_peer a.token; get_peers r.token
								 * (1..KRPC_MAX_TOKEN_LEN, else r.token is
								 * ignored) */
	size_t		token_len;
	int			noseed;
	int			scrape;

	/* responses ('r') */
	const uint8_t *nodes;		/* compact IPv4 nodes, len % 26 == 0 */
	size_t		nodes_len;
	const uint8_t *nodes6;		/* compact IPv6 nodes, len % 38 == 0 */
	size_t		nodes6_len;
	int			nodes_malformed;	/* nodes/nodes6 length not a multiple,
									 * or not a string (then NULL) */
	struct netaddr values[KRPC_MAX_VALUES];
	size_t		nvalues;
	size_t		values_skipped; /* values entries of bad length or over cap */
	const uint8_t *samples;		/* BEP 51: N x 20 bytes; non-NULL whenever a
								 * well-formed samples key is present, even
								 * empty (that is how BEP 51 support shows) */
	size_t		nsamples;
	int			samples_malformed;	/* length not a multiple of 20 */
	int			has_interval;
	int64_t		interval;		/* BEP 51 interval, as sent (unclamped) */
	int64_t		num;			/* BEP 51 num, -1 if absent */

	/* errors ('e') */
	int64_t		error_code;
	const uint8_t *error_msg;
	size_t		error_msg_len;
};

/*
 * Parse a datagram.  On KRPC_ERR_PROTOCOL, type/tid/method are set (a query
 * without a string q has method KRPC_M_UNKNOWN and method_name NULL).
 */
int			krpc_parse(const uint8_t *buf, size_t len, struct krpc_msg *out);

/* Decode the i-th 26-byte IPv4 (or 38-byte AF_INET6) node; caller checks i. */
void		krpc_node_at(const uint8_t *nodes, size_t i, int family,
						 uint8_t id[KRPC_ID_LEN], struct netaddr *addr);

/* What to put in a query. */
struct krpc_query
{
	enum krpc_method method;
	const uint8_t *tid;
	size_t		tid_len;
	const uint8_t *id;			/* our identity */
	const uint8_t *target;		/* find_node, sample_infohashes */
	const uint8_t *info_hash;	/* get_peers, announce_peer */
	uint16_t	port;			/* announce_peer */
	int			implied_port;
	const uint8_t *token;		/* announce_peer */
	size_t		token_len;
	unsigned	want;			/* KRPC_WANT_*, 0 = omit */
	int			read_only;		/* add ro=1 */
};

/* What to put in a response.  NULL/0 fields are omitted. */
struct krpc_response
{
	const uint8_t *tid;
	size_t		tid_len;
	const uint8_t *id;
	const struct netaddr *requester;	/* echoed as top-level ip (BEP 42) */
	const uint8_t *nodes;		/* pre-encoded compact nodes */
	size_t		nodes_len;
	const uint8_t *nodes6;
	size_t		nodes6_len;
	const uint8_t *token;
	size_t		token_len;
	const struct netaddr *values;	/* get_peers peers */
	size_t		nvalues;		/* in: offered; see krpc_build_response */
	int			with_samples;	/* BEP 51: emit interval, num, samples */
	const uint8_t *samples;		/* nsamples x 20 bytes */
	size_t		nsamples;
	int64_t		interval;
	int64_t		num;
	const uint8_t *version;		/* our v, 4 bytes, or NULL */
	size_t		version_len;
};

/* Build a query; KRPC_ERR_PROTOCOL if q lacks what its method needs. */
int			krpc_build_query(uint8_t *buf, size_t cap, const struct krpc_query *q,
							 size_t *out_len);

/*
 * Build a response.  If the values (and then samples) would not fit in cap,
 * the builder includes as many as fit and reports them in *values_sent /
 * *samples_sent (either may be NULL); nodes and the rest must fit.
 * cap is clamped to KRPC_MAX_REPLY.  KRPC_ERR_PROTOCOL for invalid input
 * (no id, bad family, nodes not a multiple of the node length).
 */
int			krpc_build_response(uint8_t *buf, size_t cap,
								const struct krpc_response *r,
								size_t *out_len, size_t *values_sent,
								size_t *samples_sent);

/* Build an error [code, message] (message may be NULL: ""); cap clamped. */
int			krpc_build_error(uint8_t *buf, size_t cap, const uint8_t *tid,
							 size_t tid_len, int code, const char *message,
							 const struct netaddr *requester, size_t *out_len);

/* Static English text for a krpc_error ("unknown error" otherwise). */
const char *krpc_strerror(int err);
/* Wire name of a method ("ping", ...); "unknown" / "none" for the others. */
const char *krpc_method_name(enum krpc_method m);

#endif							/* DHT_KRPC_H */
