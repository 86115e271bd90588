/*
 * peerwire.c
 *		BEP 3 handshake, BEP 10 extension handshake and BEP 9 ut_metadata
 *		fetch as a byte-fed state machine (see peerwire.h).
 *
 * Input is read in one of four modes: the 68-byte handshake (accumulated
 * in in[]), a frame header of 4 to 6 bytes (length, message id, extended
 * id), a body to buffer into in[] or a body to skip.  The header decides
 * which, before any body byte arrives, so a frame we do not want costs a
 * counter and a frame over its cap fails before anything is stored.  Each
 * reader consumes at least one byte per call, so feeding always ends.
 *
 * Requests go out in piece order: pieces below next_piece were all
 * requested, and those not in outstanding[] have arrived, so no bitmap is
 * needed however many pieces the metadata has.
 */
#include <stddef.h>
#include <string.h>

#include "be32.h"
#include "bencode.h"
#include "peerwire.h"

/* The handshake: "\x13BitTorrent protocol", reserved, info hash, peer id */
#define PSTR "\023BitTorrent protocol"
#define PSTR_LEN 20
#define HS_RESERVED_OFF 20
#define HS_HASH_OFF 28
#define HS_ID_OFF 48

/* Reserved bits: BEP 10 extension protocol, BEP 5 DHT */
#define RESERVED_EXT_BYTE 5
#define RESERVED_EXT_BIT 0x10
#define RESERVED_DHT_BYTE 7
#define RESERVED_DHT_BIT 0x01

/* Message ids (BEP 3, 5, 10) and the extension handshake's extended id */
#define MSG_PORT 9
#define MSG_EXTENDED 20
#define EXT_HANDSHAKE 0

/* ut_metadata msg_type values (BEP 9) */
#define UT_REQUEST 0
#define UT_DATA 1
#define UT_REJECT 2

/*
 * Bencode caps for the peer's messages.  Extension handshakes have a dozen
 * keys and an "m" of a dozen more (about 40 tokens from libtorrent); 256
 * tokens (8 KiB of stack) leave ample room.  ut_metadata dicts have 2 or 3
 * keys.  Nothing here nests deeper than 2.
 */
#define EXT_MAX_TOKENS 256
#define UT_MAX_TOKENS 64
#define MSG_MAX_DEPTH 16

/* A request frame: 6 header bytes, "d8:msg_typei0e5:piecei", 10 digits, "ee" */
#define REQUEST_MAX_LEN (6 + 22 + 10 + 2)
/* Output kept for our own requests when answering the peer's with rejects */
#define OUT_RESERVE (PEERWIRE_MAX_OUTSTANDING * REQUEST_MAX_LEN)
/* Our extension handshake: 6 + "d1:md11:ut_metadatai3ee1:v64:" + 64 + "e" */
#define EXT_HS_MAX_LEN (6 + 29 + PEERWIRE_MAX_CLIENT_LEN + 1)

_Static_assert(PEERWIRE_HANDSHAKE_LEN + EXT_HS_MAX_LEN + OUT_RESERVE <=
			   PEERWIRE_OUT_CAP,
			   "the output buffer holds both handshakes and a full window");
_Static_assert(PEERWIRE_IN_CAP >= PEERWIRE_HANDSHAKE_LEN,
			   "the handshake is accumulated in in[]");

/* What the next input bytes are */
enum read_mode
{
	RM_HANDSHAKE = 0,
	RM_HEADER,
	RM_BUFFER,
	RM_SKIP
};

static size_t
min_size(size_t a, size_t b)
{
	return a < b ? a : b;
}

/* Give the metadata buffer back to the caller's allocator, once. */
static void
drop_metadata(struct peerwire *pw)
{
	if (pw->metadata == NULL)
		return;
	if (pw->free != NULL)
		pw->free(pw->ctx, pw->metadata, pw->metadata_size);
	pw->metadata = NULL;
}

/* Enter FAILED with err: nothing more to send, the buffer goes back. */
static void
set_failed(struct peerwire *pw, int err)
{
	pw->state = PEERWIRE_S_FAILED;
	pw->error = err;
	pw->out_len = 0;
	drop_metadata(pw);
}

/*
 * Append the frame "length, 20, ext_id, w's bytes" to the output if it
 * ends at or before limit.  Returns 0, or -1 (nothing written) when the
 * dict overflowed its buffer or the output lacks room.
 */
static int
queue_ext(struct peerwire *pw, uint8_t ext_id, const struct bencode_writer *w,
		  size_t limit)
{
	uint8_t    *o = pw->out + pw->out_len;

	if (bencode_writer_finish(w) != 0 || pw->out_len + 6 + w->len > limit)
		return -1;
	be32_store(o, (uint32_t) (2 + w->len));
	o[4] = MSG_EXTENDED;
	o[5] = ext_id;
	memcpy(o + 6, w->buf, w->len);
	pw->out_len += (uint32_t) (6 + w->len);
	return 0;
}

/* Queue {msg_type: type, piece: piece} to the peer's ut_metadata id. */
static int
queue_ut(struct peerwire *pw, int64_t type, int64_t piece, size_t limit)
{
	uint8_t		buf[64];
	struct bencode_writer w;

	bencode_writer_init(&w, buf, sizeof(buf));
	bencode_open_dict(&w);
	bencode_put_cstr(&w, "msg_type");
	bencode_put_int(&w, type);
	bencode_put_cstr(&w, "piece");
	bencode_put_int(&w, piece);
	bencode_close(&w);
	return queue_ext(pw, pw->peer_ut_metadata, &w, limit);
}

/*
 * Queue our extension handshake: {m: {ut_metadata: OUR_ID}, v: client}.
 * It always fits (static assertion above): only our handshake precedes it.
 */
static void
queue_ext_handshake(struct peerwire *pw, const char *client, size_t len)
{
	uint8_t		buf[EXT_HS_MAX_LEN];
	struct bencode_writer w;

	bencode_writer_init(&w, buf, sizeof(buf));
	bencode_open_dict(&w);
	bencode_put_cstr(&w, "m");
	bencode_open_dict(&w);
	bencode_put_cstr(&w, "ut_metadata");
	bencode_put_int(&w, PEERWIRE_UT_METADATA_ID);
	bencode_close(&w);
	if (len > 0)
	{
		bencode_put_cstr(&w, "v");
		bencode_put_str(&w, client, len);
	}
	bencode_close(&w);
	(void) queue_ext(pw, EXT_HANDSHAKE, &w, PEERWIRE_OUT_CAP);
}

/*
 * Request pieces in order while the window and the output allow.  Stops
 * quietly when the output is full: peerwire_sent() calls again.
 */
static void
pump_requests(struct peerwire *pw)
{
	while (pw->state == PEERWIRE_S_FETCHING &&
		   pw->noutstanding < pw->window && pw->next_piece < pw->npieces)
	{
		if (queue_ut(pw, UT_REQUEST, pw->next_piece, PEERWIRE_OUT_CAP) != 0)
			return;
		pw->outstanding[pw->noutstanding++] = pw->next_piece++;
	}
}

/* Expect a new frame header. */
static void
start_header(struct peerwire *pw)
{
	pw->rmode = RM_HEADER;
	pw->hdr_len = 0;
	pw->hdr_need = 4;
	pw->in_len = 0;
}

/*
 * Accumulate the peer's handshake.  The protocol string is checked as its
 * bytes arrive (a non-BitTorrent server fails on its first byte), the hash
 * and the extension bit once byte 48 is in, and the peer id completes it:
 * then our extension handshake goes out and frames begin.
 */
static int
read_handshake(struct peerwire *pw, const uint8_t *p, size_t n, size_t *used)
{
	size_t		take = min_size(PEERWIRE_HANDSHAKE_LEN - pw->in_len, n);

	memcpy(pw->in + pw->in_len, p, take);
	pw->in_len += (uint32_t) take;
	*used = take;
	if (memcmp(pw->in, PSTR, min_size(pw->in_len, PSTR_LEN)) != 0)
		return PEERWIRE_ERR_HANDSHAKE;
	if (pw->in_len < HS_ID_OFF)
		return 0;
	if (memcmp(pw->in + HS_HASH_OFF, pw->info_hash, PEERWIRE_ID_LEN) != 0)
		return PEERWIRE_ERR_WRONG_HASH;
	if (!(pw->in[HS_RESERVED_OFF + RESERVED_EXT_BYTE] & RESERVED_EXT_BIT))
		return PEERWIRE_ERR_NO_EXTENSIONS;
	if (pw->in_len < PEERWIRE_HANDSHAKE_LEN)
		return 0;
	memcpy(pw->peer_id, pw->in + HS_ID_OFF, PEERWIRE_ID_LEN);
	queue_ext_handshake(pw, (const char *) pw->our_client, pw->our_client_len);
	pw->state = PEERWIRE_S_EXTENDED;
	start_header(pw);
	return 0;
}

/* Keep the peer's "v" (truncated) for logging. */
static void
keep_client(struct peerwire *pw, const struct bencode_token *tok, size_t ntok)
{
	size_t		len;
	const uint8_t *v = bencode_dict_get_str(pw->in, tok, ntok, 0, "v", 1, &len);

	if (v == NULL)
		return;
	len = min_size(len, PEERWIRE_MAX_CLIENT_LEN);
	memcpy(pw->client, v, len);
	pw->client_len = (uint8_t) len;
}

/*
 * metadata_size passed its checks: only now ask for the buffer, then
 * request the first window of pieces.
 */
static int
start_fetch(struct peerwire *pw, uint32_t size, int64_t reqq)
{
	void	   *buf;

	pw->metadata_size = size;
	pw->npieces = (size - 1) / PEERWIRE_PIECE_LEN + 1;
	buf = pw->alloc != NULL ? pw->alloc(pw->ctx, size) : NULL;
	if (buf == NULL)
		return PEERWIRE_ERR_NO_MEMORY;
	pw->metadata = buf;
	if (reqq < 1)
		pw->window = 1;			/* reqq 0 would stall: ask for one anyway */
	else if (reqq < PEERWIRE_MAX_OUTSTANDING)
		pw->window = (uint32_t) reqq;
	else
		pw->window = PEERWIRE_MAX_OUTSTANDING;
	pw->state = PEERWIRE_S_FETCHING;
	pump_requests(pw);
	return 0;
}

/*
 * The peer's extension handshake (in[0..in_len)): its ut_metadata id,
 * metadata_size (checked before any allocation), reqq and v.
 */
static int
on_ext_handshake(struct peerwire *pw)
{
	struct bencode_token tok[EXT_MAX_TOKENS];
	size_t		ntok = EXT_MAX_TOKENS;
	struct bencode_opts opts = {0};
	int64_t		id;
	int64_t		size;
	int64_t		reqq = PEERWIRE_DEFAULT_REQQ;
	int			m;

	pw->ext_seen = 1;
	opts.max_depth = MSG_MAX_DEPTH;
	opts.allow_unsorted = 1;
	if (bencode_decode(pw->in, pw->in_len, &opts, tok, &ntok, NULL,
					   NULL) != 0 ||
		tok[0].type != BENCODE_DICT)
		return PEERWIRE_ERR_PROTOCOL;
	keep_client(pw, tok, ntok);
	m = bencode_dict_get_type(pw->in, tok, ntok, 0, "m", 1, BENCODE_DICT);
	if (m < 0 ||
		bencode_dict_get_int(pw->in, tok, ntok, (size_t) m, "ut_metadata", 11,
							 &id) != 0 || id == 0)
		return PEERWIRE_ERR_NO_METADATA;
	if (id < 0 || id > 255)
		return PEERWIRE_ERR_PROTOCOL;
	if (bencode_dict_get_int(pw->in, tok, ntok, 0, "metadata_size", 13,
							 &size) != 0)
		return PEERWIRE_ERR_NO_METADATA;
	if (size <= 0)
		return PEERWIRE_ERR_PROTOCOL;
	if (size > (int64_t) pw->max_metadata_size)
		return PEERWIRE_ERR_TOO_BIG;
	(void) bencode_dict_get_int(pw->in, tok, ntok, 0, "reqq", 4, &reqq);
	pw->peer_ut_metadata = (uint8_t) id;
	return start_fetch(pw, (uint32_t) size, reqq);
}

/* Length piece must have: 16 KiB, except the last one. */
static size_t
piece_len(const struct peerwire *pw, uint32_t piece)
{
	if (piece + 1 < pw->npieces)
		return PEERWIRE_PIECE_LEN;
	return pw->metadata_size - (size_t) (pw->npieces - 1) * PEERWIRE_PIECE_LEN;
}

/*
 * A data message: dict (tok[0].length bytes of in[]) then the piece.
 * Index, total_size and length must be right; then a piece we are not
 * waiting for is ignored, and one we are is stored.
 */
static int
on_data(struct peerwire *pw, const struct bencode_token *tok, size_t ntok)
{
	int64_t		piece;
	int64_t		total;
	size_t		off = tok[0].length;
	size_t		len = pw->in_len - off;
	uint32_t	i;

	if (pw->state != PEERWIRE_S_FETCHING)
		return 0;				/* nothing requested yet */
	if (bencode_dict_get_int(pw->in, tok, ntok, 0, "piece", 5, &piece) != 0 ||
		bencode_dict_get_int(pw->in, tok, ntok, 0, "total_size", 10,
							 &total) != 0 ||
		total != (int64_t) pw->metadata_size ||
		piece < 0 || piece >= (int64_t) pw->npieces ||
		len != piece_len(pw, (uint32_t) piece))
		return PEERWIRE_ERR_PROTOCOL;
	for (i = 0; i < pw->noutstanding; i++)
		if (pw->outstanding[i] == (uint32_t) piece)
			break;
	if (i == pw->noutstanding)
		return 0;				/* unrequested or duplicate */
	memcpy(pw->metadata + (size_t) piece * PEERWIRE_PIECE_LEN,
		   pw->in + off, len);
	pw->outstanding[i] = pw->outstanding[--pw->noutstanding];
	if (++pw->received == pw->npieces)
		pw->state = PEERWIRE_S_DONE;
	else
		pump_requests(pw);
	return 0;
}

/*
 * The peer asks us for metadata we do not have: reject (BEP 9), keeping
 * OUT_RESERVE free for our requests; a peer that floods is ignored.
 */
static void
on_request(struct peerwire *pw, const struct bencode_token *tok, size_t ntok)
{
	int64_t		piece;

	if (pw->peer_ut_metadata == 0 ||
		bencode_dict_get_int(pw->in, tok, ntok, 0, "piece", 5, &piece) != 0)
		return;
	(void) queue_ut(pw, UT_REJECT, piece, PEERWIRE_OUT_CAP - OUT_RESERVE);
}

/* A ut_metadata message sent to our id: dict, maybe followed by a piece. */
static int
on_ut_metadata(struct peerwire *pw)
{
	struct bencode_token tok[UT_MAX_TOKENS];
	size_t		ntok = UT_MAX_TOKENS;
	struct bencode_opts opts = {0};
	int64_t		type;

	opts.max_depth = MSG_MAX_DEPTH;
	opts.allow_trailing = 1;
	opts.allow_unsorted = 1;
	if (bencode_decode(pw->in, pw->in_len, &opts, tok, &ntok, NULL,
					   NULL) != 0 ||
		tok[0].type != BENCODE_DICT ||
		bencode_dict_get_int(pw->in, tok, ntok, 0, "msg_type", 8, &type) != 0)
		return PEERWIRE_ERR_PROTOCOL;
	switch (type)
	{
		case UT_REQUEST:
			on_request(pw, tok, ntok);
			return 0;
		case UT_DATA:
			return on_data(pw, tok, ntok);
		case UT_REJECT:
			/* before FETCHING it cannot be about a request of ours */
			return pw->state == PEERWIRE_S_FETCHING ? PEERWIRE_ERR_REJECTED : 0;
		default:
			return 0;			/* unknown msg_type: ignored (BEP 9) */
	}
}

/* A buffered frame is complete: hdr[4] is its id, hdr[5] its extended id. */
static int
dispatch(struct peerwire *pw)
{
	if (pw->hdr[4] == MSG_PORT)
	{
		pw->dht_port = (uint16_t) ((pw->in[0] << 8) | pw->in[1]);
		return 0;
	}
	if (pw->hdr[5] == EXT_HANDSHAKE)
		return on_ext_handshake(pw);
	return on_ut_metadata(pw);
}

/* The body is complete: handle a buffered one, then expect a header. */
static int
end_body(struct peerwire *pw)
{
	int			rc = 0;

	if (pw->rmode == RM_BUFFER)
		rc = dispatch(pw);
	start_header(pw);
	return rc;
}

/* Buffer or skip the next n bytes (an empty body completes at once). */
static int
begin_body(struct peerwire *pw, enum read_mode mode, uint32_t n)
{
	pw->rmode = (uint8_t) mode;
	pw->body_left = n;
	pw->in_len = 0;
	return n == 0 ? end_body(pw) : 0;
}

/*
 * hdr[0..hdr_need) is in: decide.  After 4 bytes: keepalive, too big, or
 * read the id.  After the id: buffer PORT, skip other non-extended
 * frames, or read the extended id.  After that: buffer the extension
 * handshake (the first one only) and messages to our ut_metadata id
 * (within PEERWIRE_IN_CAP), skip other extensions.
 */
static int
header_step(struct peerwire *pw)
{
	if (pw->hdr_need == 4)
	{
		pw->frame_len = be32_load(pw->hdr);
		if (pw->frame_len == 0)
		{
			start_header(pw);	/* keepalive */
			return 0;
		}
		if (pw->frame_len > PEERWIRE_MAX_FRAME)
			return PEERWIRE_ERR_FRAME_TOO_BIG;
		pw->hdr_need = 5;
		return 0;
	}
	if (pw->hdr_need == 5)
	{
		if (pw->hdr[4] == MSG_PORT && pw->frame_len == 3)
			return begin_body(pw, RM_BUFFER, 2);
		if (pw->hdr[4] != MSG_EXTENDED)
			return begin_body(pw, RM_SKIP, pw->frame_len - 1);
		if (pw->frame_len < 2)
			return PEERWIRE_ERR_PROTOCOL;	/* no extended id */
		pw->hdr_need = 6;
		return 0;
	}
	if ((pw->hdr[5] == EXT_HANDSHAKE && !pw->ext_seen) ||
		pw->hdr[5] == PEERWIRE_UT_METADATA_ID)
	{
		if (pw->frame_len - 2 > PEERWIRE_IN_CAP)
			return PEERWIRE_ERR_FRAME_TOO_BIG;
		return begin_body(pw, RM_BUFFER, pw->frame_len - 2);
	}
	return begin_body(pw, RM_SKIP, pw->frame_len - 2);
}

/* Accumulate a frame header; decide once hdr_need bytes are in. */
static int
read_header(struct peerwire *pw, const uint8_t *p, size_t n, size_t *used)
{
	size_t		take = min_size((size_t) (pw->hdr_need - pw->hdr_len), n);

	memcpy(pw->hdr + pw->hdr_len, p, take);
	pw->hdr_len += (uint8_t) take;
	*used = take;
	if (pw->hdr_len < pw->hdr_need)
		return 0;
	return header_step(pw);
}

/* Buffer or skip body bytes; handle the frame when the last one is in. */
static int
read_body(struct peerwire *pw, const uint8_t *p, size_t n, size_t *used)
{
	size_t		take = min_size(pw->body_left, n);

	if (pw->rmode == RM_BUFFER)
	{
		memcpy(pw->in + pw->in_len, p, take);
		pw->in_len += (uint32_t) take;
	}
	pw->body_left -= (uint32_t) take;
	*used = take;
	return pw->body_left == 0 ? end_body(pw) : 0;
}

void
peerwire_init(struct peerwire *pw, const struct peerwire_config *cfg,
			  const uint8_t info_hash[PEERWIRE_ID_LEN])
{
	uint8_t    *o = pw->out;
	size_t		clen = cfg->client != NULL ? strlen(cfg->client) : 0;

	/* in[] is scratch: leave its 18 KiB alone */
	memset(pw, 0, offsetof(struct peerwire, in));
	pw->alloc = cfg->alloc;
	pw->free = cfg->free;
	pw->ctx = cfg->ctx;
	pw->max_metadata_size = cfg->max_metadata_size;
	memcpy(pw->info_hash, info_hash, PEERWIRE_ID_LEN);
	pw->our_client_len = (uint8_t) min_size(clen, PEERWIRE_MAX_CLIENT_LEN);
	if (clen > 0)
		memcpy(pw->our_client, cfg->client, pw->our_client_len);
	pw->state = PEERWIRE_S_HANDSHAKE;
	pw->rmode = RM_HANDSHAKE;

	memcpy(o, PSTR, PSTR_LEN);
	o[HS_RESERVED_OFF + RESERVED_EXT_BYTE] |= RESERVED_EXT_BIT;
	o[HS_RESERVED_OFF + RESERVED_DHT_BYTE] |= RESERVED_DHT_BIT;
	memcpy(o + HS_HASH_OFF, info_hash, PEERWIRE_ID_LEN);
	if (cfg->peer_id != NULL)
		memcpy(o + HS_ID_OFF, cfg->peer_id, PEERWIRE_ID_LEN);
	pw->out_len = PEERWIRE_HANDSHAKE_LEN;
}

int
peerwire_feed(struct peerwire *pw, const uint8_t *data, size_t len)
{
	size_t		pos = 0;
	size_t		used;
	int			rc = 0;

	while (pos < len && rc == 0 &&
		   pw->state != PEERWIRE_S_DONE && pw->state != PEERWIRE_S_FAILED)
	{
		used = 0;
		if (pw->rmode == RM_HANDSHAKE)
			rc = read_handshake(pw, data + pos, len - pos, &used);
		else if (pw->rmode == RM_HEADER)
			rc = read_header(pw, data + pos, len - pos, &used);
		else
			rc = read_body(pw, data + pos, len - pos, &used);
		pos += used;
	}
	if (rc < 0)
		set_failed(pw, rc);
	return peerwire_error(pw);
}

size_t
peerwire_output(const struct peerwire *pw, const uint8_t **data)
{
	*data = pw->out;
	return pw->state == PEERWIRE_S_FAILED ? 0 : pw->out_len;
}

void
peerwire_sent(struct peerwire *pw, size_t n)
{
	if (n > pw->out_len)
		n = pw->out_len;
	memmove(pw->out, pw->out + n, pw->out_len - n);
	pw->out_len -= (uint32_t) n;
	pump_requests(pw);
}

int
peerwire_state(const struct peerwire *pw)
{
	return pw->state;
}

int
peerwire_error(const struct peerwire *pw)
{
	return pw->state == PEERWIRE_S_FAILED ? pw->error : 0;
}

void
peerwire_fail(struct peerwire *pw, int err)
{
	if (err >= 0 || pw->state == PEERWIRE_S_DONE ||
		pw->state == PEERWIRE_S_FAILED)
		return;
	set_failed(pw, err);
}

uint8_t *
peerwire_take_metadata(struct peerwire *pw, size_t *len)
{
	uint8_t    *m = pw->metadata;

	if (pw->state != PEERWIRE_S_DONE || m == NULL)
	{
		*len = 0;
		return NULL;
	}
	*len = pw->metadata_size;
	pw->metadata = NULL;
	return m;
}

void
peerwire_release(struct peerwire *pw)
{
	drop_metadata(pw);
	if (pw->state != PEERWIRE_S_DONE && pw->state != PEERWIRE_S_FAILED)
		set_failed(pw, PEERWIRE_ERR_CLOSED);
}

void
peerwire_progress(const struct peerwire *pw, uint32_t *have, uint32_t *total)
{
	*have = pw->received;
	*total = pw->npieces;
}

uint32_t
peerwire_metadata_size(const struct peerwire *pw)
{
	return pw->metadata_size;
}

const uint8_t *
peerwire_peer_id(const struct peerwire *pw)
{
	return pw->rmode == RM_HANDSHAKE ? NULL : pw->peer_id;
}

const char *
peerwire_peer_client(const struct peerwire *pw, size_t *len)
{
	*len = pw->client_len;
	return pw->client_len > 0 ? pw->client : NULL;
}

uint16_t
peerwire_dht_port(const struct peerwire *pw)
{
	return pw->dht_port;
}

const char *
peerwire_strerror(int err)
{
	switch (err)
	{
		case PEERWIRE_OK:
			return "success";
		case PEERWIRE_ERR_CONNECT:
			return "connection failed";
		case PEERWIRE_ERR_CLOSED:
			return "connection closed by the peer";
		case PEERWIRE_ERR_TIMEOUT:
			return "timed out";
		case PEERWIRE_ERR_HANDSHAKE:
			return "not a BitTorrent handshake";
		case PEERWIRE_ERR_WRONG_HASH:
			return "peer answered for another info hash";
		case PEERWIRE_ERR_NO_EXTENSIONS:
			return "peer does not support the extension protocol";
		case PEERWIRE_ERR_NO_METADATA:
			return "peer offers no ut_metadata";
		case PEERWIRE_ERR_TOO_BIG:
			return "metadata larger than the maximum";
		case PEERWIRE_ERR_NO_MEMORY:
			return "no memory for the metadata";
		case PEERWIRE_ERR_REJECTED:
			return "peer rejected a metadata request";
		case PEERWIRE_ERR_FRAME_TOO_BIG:
			return "frame longer than the cap";
		case PEERWIRE_ERR_PROTOCOL:
			return "malformed message";
	}
	return "unknown error";
}

const char *
peerwire_state_name(int state)
{
	switch (state)
	{
		case PEERWIRE_S_HANDSHAKE:
			return "handshake";
		case PEERWIRE_S_EXTENDED:
			return "extension handshake";
		case PEERWIRE_S_FETCHING:
			return "fetching";
		case PEERWIRE_S_DONE:
			return "done";
		case PEERWIRE_S_FAILED:
			return "failed";
	}
	return "unknown";
}
