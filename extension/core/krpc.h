/*
 * krpc.h
 *		KRPC messages (BEP 5): the part the bootstrap probe needs.
 *
 * Owns building a ping query and reading the header of any KRPC message
 * (y, t and the sender id).  The full query/response model (find_node,
 * get_peers, announce_peer, sample_infohashes, errors) belongs to the swarm
 * work and extends this file.  Parsed fields point into the caller's
 * buffer and stay valid as long as it does.
 */
#ifndef DHT_KRPC_H
#define DHT_KRPC_H

#include <stddef.h>
#include <stdint.h>

#define KRPC_ID_LEN 20
/* Longer transaction ids are refused (DESIGN.md §3): we echo t verbatim. */
#define KRPC_MAX_TID_LEN 16
/* KRPC caps: nesting and item count of one datagram (DESIGN.md §3). */
#define KRPC_MAX_DEPTH 10
#define KRPC_MAX_TOKENS 512

enum krpc_error
{
	KRPC_OK = 0,
	KRPC_ERR_BENCODE = -1,		/* not a valid bencoded dictionary */
	KRPC_ERR_NO_TYPE = -2,		/* y missing or not q/r/e */
	KRPC_ERR_BAD_TID = -3,		/* t missing, empty or too long */
	KRPC_ERR_BUFFER = -4		/* build: output buffer too small */
};

/* The header fields every KRPC message has. */
struct krpc_head
{
	char		type;			/* 'q', 'r' or 'e' */
	const uint8_t *tid;
	size_t		tid_len;
	const uint8_t *id;			/* a.id or r.id when 20 bytes, else NULL */
};

/* Build "ping" with our node id into buf; *out_len gets the length. */
int			krpc_build_ping(uint8_t *buf, size_t cap, const uint8_t *tid,
							size_t tid_len, const uint8_t id[KRPC_ID_LEN],
							size_t *out_len);

/* Parse y, t and the sender id of a datagram. */
int			krpc_parse_head(const uint8_t *buf, size_t len,
							struct krpc_head *out);

const char *krpc_strerror(int err);

#endif							/* DHT_KRPC_H */
