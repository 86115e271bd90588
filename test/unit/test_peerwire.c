/*
 * test_peerwire.c
 *		Unit tests for extension/core/peerwire.c: the metadata-fetch state
 *		machine against a scripted fake peer.
 *
 * The main table has one line per peer script (handshake variants,
 * extension handshakes, data, rejects, noise frames, caps) and the outcome
 * it must give: return code, state, allocations, pieces, DHT port.  Each
 * script is fed all at once, one byte at a time and split in two at every
 * position (at a stride for the 1 MiB one), each part flush against a
 * guard page: the outcome may not depend on how TCP cuts the stream.
 * A counting allocator checks that alloc is called only after the size
 * checks and that every buffer comes back exactly once.  Other tests read
 * our output stream: the handshake bytes, the peer's ut_metadata id in our
 * requests, the request window for several reqq values with in-order and
 * reversed answers, rejects to the peer's requests, and the lifecycle calls.
 */
#include <stdint.h>

#include "peerwire.h"
#include "unit.h"

#define HASH "0123456789abcdefghij"
#define OTHER_HASH "0123456789abcdefghiX"
#define OUR_PID "-DI0001-ourpeerid012"
#define PEER_PID "-LT2090-theirpeerid0"
#define PSTR "\023BitTorrent protocol"
#define PEER_UT 7				/* the fake peer's ut_metadata id */
#define MAX_META 100000			/* config.max_metadata_size in the table */
#define PIECE PEERWIRE_PIECE_LEN

#define U(s) ((const uint8_t *) (s))

/* Extension handshakes: ut_metadata id, metadata_size, reqq */
#define EXTHS(id, size) \
	"d1:md11:ut_metadatai" #id "ee13:metadata_sizei" #size "ee"
#define EXTHS_R(id, size, reqq) \
	"d1:md11:ut_metadatai" #id "ee13:metadata_sizei" #size "e4:reqqi" #reqq "ee"
/* What libtorrent 2.0 sends, roughly (ut_metadata is 2 there) */
#define LT_EXTHS \
	"d1:md11:lt_donthavei7e10:share_modei8e11:upload_onlyi3e" \
	"12:ut_holepunchi4e11:ut_metadatai2e6:ut_pexi1ee" \
	"13:metadata_sizei1000e1:pi6881e4:reqqi500e11:upload_onlyi1e" \
	"1:v17:qBittorrent/4.5.2" "6:yourip4:\177\001\002\003e"
#define REJECT0 "d8:msg_typei2e5:piecei0ee"
#define REQUEST0 "d8:msg_typei0e5:piecei0ee"

/* ------------------------------------------------------------------ */
/* Counting allocator                                                  */
/* ------------------------------------------------------------------ */

struct counter
{
	int			allocs;			/* calls */
	int			frees;			/* calls */
	int			refuse;			/* answer NULL */
	int			granted;		/* allocs that returned a buffer */
	int			bad_free;		/* free of something not live, or wrong size */
	size_t		last_size;
	void	   *live;
	size_t		live_size;
};

static void *
count_alloc(void *ctx, size_t size)
{
	struct counter *c = ctx;

	c->allocs++;
	c->last_size = size;
	if (c->refuse || c->live != NULL)
		return NULL;
	c->live = malloc(size);
	c->live_size = size;
	c->granted++;
	return c->live;
}

static void
count_free(void *ctx, void *ptr, size_t size)
{
	struct counter *c = ctx;

	c->frees++;
	if (ptr == NULL || ptr != c->live || size != c->live_size)
		c->bad_free++;
	if (ptr == c->live)
		c->live = NULL;
	free(ptr);
}

static struct peerwire pw;		/* 17 KiB: not on the stack */

static void
start(struct counter *c, uint32_t max, const char *client)
{
	struct peerwire_config cfg = {0};

	memset(c, 0, sizeof(*c));
	cfg.max_metadata_size = max;
	cfg.peer_id = U(OUR_PID);
	cfg.client = client;
	cfg.alloc = count_alloc;
	cfg.free = count_free;
	cfg.ctx = c;
	peerwire_init(&pw, &cfg, U(HASH));
}

/* The metadata the fake peer serves (filled by main) */
static uint8_t pattern[256 * 1024];

static void
fill_pattern(void)
{
	size_t		i;

	for (i = 0; i < sizeof(pattern); i++)
		pattern[i] = (uint8_t) (i * 131 + 7 + (i >> 9));
}

static int
meta_ok(const uint8_t *m, size_t len)
{
	return len <= sizeof(pattern) && memcmp(m, pattern, len) == 0;
}

/* ------------------------------------------------------------------ */
/* The fake peer's byte stream                                         */
/* ------------------------------------------------------------------ */

static uint8_t sbuf[2 * 1024 * 1024];
static size_t slen;

static void
put(const void *p, size_t n)
{
	if (slen + n > sizeof(sbuf))
	{
		fprintf(stderr, "stream buffer too small\n");
		exit(2);
	}
	memcpy(sbuf + slen, p, n);
	slen += n;
}

static void
put_be32(uint32_t v)
{
	uint8_t		b[4] = {v >> 24, v >> 16, v >> 8, v};

	put(b, 4);
}

static void
put_handshake(const char *pstr, const char *hash, uint8_t r5)
{
	uint8_t		reserved[8] = {0, 0, 0, 0, 0, r5, 0, 1};

	put(pstr, 20);
	put(reserved, 8);
	put(hash, 20);
	put(PEER_PID, 20);
}

/* Extended message: ext id, a dict, then tail_len bytes of metadata from off */
static void
put_ext(uint8_t ext, const char *dict, size_t off, size_t tail_len)
{
	size_t		dlen = strlen(dict);
	uint8_t		hdr[2] = {20, ext};

	put_be32((uint32_t) (2 + dlen + tail_len));
	put(hdr, 2);
	put(dict, dlen);
	if (off + tail_len > sizeof(pattern))
		off = 0;				/* out-of-range pieces: any bytes do */
	put(pattern + off, tail_len);
}

/* A data message for piece, to extended id ext */
static void
put_data(uint8_t ext, int64_t piece, int64_t total, size_t len)
{
	char		dict[128];

	snprintf(dict, sizeof(dict),
			 "d8:msg_typei1e5:piecei%lde10:total_sizei%ldee",
			 (long) piece, (long) total);
	put_ext(ext, dict, piece > 0 ? (size_t) piece * PIECE : 0, len);
}

/* A non-extended frame: id and n payload bytes */
static void
put_frame(uint8_t id, uint32_t n)
{
	put_be32(1 + n);
	put(&id, 1);
	memset(sbuf + slen, 0xa5, n);
	slen += n;
}

/* Script steps; a, b, c, ext as each op says */
enum op
{
	END = 0,
	HS,							/* valid handshake */
	HS_PART,					/* its first a bytes */
	HS_BAD_PSTR,				/* "BitTorrent protocoL" */
	HS_SHORT_PSTR,				/* pstrlen 18 */
	HS_WRONG_HASH,
	HS_NO_EXT,					/* reserved[5] without 0x10 */
	RAW,						/* s verbatim (a bytes) */
	EXT,						/* extension handshake s */
	UT,							/* to our ut_metadata id: dict s, c tail */
	DATA,						/* piece a, total_size b, c bytes, to ext */
	FRAME,						/* id a with b payload bytes */
	XFRAME,						/* extended id a with b payload bytes */
	HDR,						/* only length a, id b, extended id c */
	KEEP,						/* keepalive */
	PORT						/* PORT a */
};

struct step
{
	int			op;
	const char *s;
	int64_t		a;
	int64_t		b;
	int64_t		c;
	int			ext;			/* DATA: extended id (0: ours) */
};

#define S_OP(op) {op, NULL, 0, 0, 0, 0}
#define S_HS S_OP(HS)
#define S_EXT(d) {EXT, d, 0, 0, 0, 0}
#define S_UT(d) {UT, d, 0, 0, 0, 0}
#define S_UTT(d, n) {UT, d, 0, 0, n, 0}
#define S_DATA(p, t, l) {DATA, NULL, p, t, l, 0}
#define S_DATA_TO(x, p, t, l) {DATA, NULL, p, t, l, x}
#define S_FRAME(id, n) {FRAME, NULL, id, n, 0, 0}
#define S_XFRAME(x, n) {XFRAME, NULL, x, n, 0, 0}
#define S_HDR(len, id, x) {HDR, NULL, len, id, x, 0}
#define S_RAW(s) {RAW, s, sizeof(s) - 1, 0, 0, 0}
#define S_KEEP {KEEP, NULL, 0, 0, 0, 0}
#define S_PORT(p) {PORT, NULL, p, 0, 0, 0}
/* the three pieces of a 40,000-byte info dict: 16384 + 16384 + 7232 */
#define P3(i) S_DATA(i, 40000, (i) < 2 ? PIECE : 40000 - 2 * PIECE)
/* the seven pieces of a 100,000-byte one: 6 x 16384 + 1696 */
#define P7(i) S_DATA(i, 100000, (i) < 6 ? PIECE : 100000 - 6 * PIECE)

static void
put_step(const struct step *s)
{
	uint8_t		b[6];

	switch (s->op)
	{
		case HS:
		case HS_PART:
			put_handshake(PSTR, HASH, 0x10);
			if (s->op == HS_PART)
				slen -= PEERWIRE_HANDSHAKE_LEN - (size_t) s->a;
			break;
		case HS_BAD_PSTR:
			put_handshake("\023BitTorrent protocoL", HASH, 0x10);
			break;
		case HS_SHORT_PSTR:
			put_handshake("\022BitTorrent protocol", HASH, 0x10);
			break;
		case HS_WRONG_HASH:
			put_handshake(PSTR, OTHER_HASH, 0x10);
			break;
		case HS_NO_EXT:
			put_handshake(PSTR, HASH, 0x00);
			break;
		case RAW:
			put(s->s, (size_t) s->a);
			break;
		case EXT:
			put_ext(0, s->s, 0, 0);
			break;
		case UT:
			put_ext(PEERWIRE_UT_METADATA_ID, s->s, 0, (size_t) s->c);
			break;
		case DATA:
			put_data(s->ext ? s->ext : PEERWIRE_UT_METADATA_ID, s->a, s->b,
					 (size_t) s->c);
			break;
		case FRAME:
			put_frame((uint8_t) s->a, (uint32_t) s->b);
			break;
		case XFRAME:
			put_be32((uint32_t) (2 + s->b));
			b[0] = 20;
			b[1] = (uint8_t) s->a;
			put(b, 2);
			memset(sbuf + slen, 0x5a, (size_t) s->b);
			slen += (size_t) s->b;
			break;
		case HDR:
			put_be32((uint32_t) s->a);
			b[0] = (uint8_t) s->b;
			b[1] = (uint8_t) s->c;
			put(b, 2);
			break;
		case KEEP:
			put_be32(0);
			break;
		case PORT:
			put_be32(3);
			b[0] = 9;
			b[1] = (uint8_t) (s->a >> 8);
			b[2] = (uint8_t) s->a;
			put(b, 3);
			break;
	}
}

#define MAX_STEPS 16

/* One peer script and the outcome it must give (have: unchecked if DONE) */
struct pcase
{
	const char *name;
	struct step steps[MAX_STEPS];
	int			rc;
	int			state;
	int			allocs;
	uint32_t	have;
	uint16_t	port;
	int			every;			/* split at every position, however long */
};

#define OK 0
#define OUT(r, s, a) .rc = (r), .state = (s), .allocs = (a)
#define S_HANDSHAKE PEERWIRE_S_HANDSHAKE
#define S_EXTENDED PEERWIRE_S_EXTENDED
#define S_FETCHING PEERWIRE_S_FETCHING
#define S_DONE PEERWIRE_S_DONE
#define S_FAILED PEERWIRE_S_FAILED
#define E_HS PEERWIRE_ERR_HANDSHAKE
#define E_HASH PEERWIRE_ERR_WRONG_HASH
#define E_NOEXT PEERWIRE_ERR_NO_EXTENSIONS
#define E_NOMETA PEERWIRE_ERR_NO_METADATA
#define E_BIG PEERWIRE_ERR_TOO_BIG
#define E_REJ PEERWIRE_ERR_REJECTED
#define E_FRAME PEERWIRE_ERR_FRAME_TOO_BIG
#define E_PROTO PEERWIRE_ERR_PROTOCOL

static const struct pcase cases[] = {
	/* successful fetches */
	{"1 piece", {S_HS, S_EXT(EXTHS(7, 1000)), S_DATA(0, 1000, 1000)},
	OUT(OK, S_DONE, 1), .every = 1},
	{"3 pieces, last short", {S_HS, S_EXT(EXTHS(7, 40000)), P3(0), P3(1),
	P3(2)}, OUT(OK, S_DONE, 1), .every = 1},
	{"1 full piece", {S_HS, S_EXT(EXTHS(7, 16384)), S_DATA(0, 16384, PIECE)},
	OUT(OK, S_DONE, 1)},
	{"2 full pieces", {S_HS, S_EXT(EXTHS(7, 32768)),
	S_DATA(0, 32768, PIECE), S_DATA(1, 32768, PIECE)}, OUT(OK, S_DONE, 1)},
	{"7 pieces through a window of 4", {S_HS, S_EXT(EXTHS(7, 100000)),
	P7(0), P7(1), P7(2), P7(3), P7(4), P7(5), P7(6)}, OUT(OK, S_DONE, 1)},
	{"libtorrent-like handshake", {S_HS, S_EXT(LT_EXTHS),
	S_DATA(0, 1000, 1000)}, OUT(OK, S_DONE, 1)},
	{"unsorted keys tolerated", {S_HS,
	S_EXT("d13:metadata_sizei1000e1:md11:ut_metadatai7eee"),
	S_DATA(0, 1000, 1000)}, OUT(OK, S_DONE, 1)},
	{"ut_metadata id 255", {S_HS, S_EXT(EXTHS(255, 1000)),
	S_DATA(0, 1000, 1000)}, OUT(OK, S_DONE, 1)},
	{"metadata_size = max", {S_HS, S_EXT(EXTHS(7, 100000))},
	OUT(OK, S_FETCHING, 1)},
	{"reqq 0 still fetches", {S_HS, S_EXT(EXTHS_R(7, 40000, 0)), P3(0), P3(1),
	P3(2)}, OUT(OK, S_DONE, 1)},
	{"out of order, reqq 3", {S_HS, S_EXT(EXTHS_R(7, 40000, 3)), P3(2),
	P3(0), P3(1)}, OUT(OK, S_DONE, 1)},
	{"unrequested piece ignored (reqq 1)", {S_HS,
	S_EXT(EXTHS_R(7, 40000, 1)), P3(2), P3(0), P3(1), P3(2)},
	OUT(OK, S_DONE, 1)},
	{"duplicate piece ignored", {S_HS, S_EXT(EXTHS(7, 40000)), P3(0), P3(0),
	P3(1), P3(2)}, OUT(OK, S_DONE, 1)},
	{"data before the ext handshake ignored", {S_HS,
	S_DATA(0, 1000, 1000), S_EXT(EXTHS(7, 1000)), S_DATA(0, 1000, 1000)},
	OUT(OK, S_DONE, 1)},
	{"reject before the ext handshake ignored", {S_HS, S_UT(REJECT0),
	S_EXT(EXTHS(7, 1000)), S_DATA(0, 1000, 1000)}, OUT(OK, S_DONE, 1)},
	{"unknown msg_type ignored", {S_HS, S_EXT(EXTHS(7, 1000)),
	S_UT("d8:msg_typei7e5:piecei0ee"), S_DATA(0, 1000, 1000)},
	OUT(OK, S_DONE, 1)},
	{"unknown msg_type padded to the input cap", {S_HS,
	S_EXT(EXTHS(7, 1000)), S_UTT("d8:msg_typei9ee", PEERWIRE_IN_CAP - 15),
	S_DATA(0, 1000, 1000)}, OUT(OK, S_DONE, 1)},
	{"peer's requests do not disturb", {S_HS, S_EXT(EXTHS(7, 1000)),
	S_UT(REQUEST0), S_UT("d8:msg_typei0e5:piecei5ee"),
	S_UT("d8:msg_typei0ee"), S_DATA(0, 1000, 1000)}, OUT(OK, S_DONE, 1)},
	{"second ext handshake skipped", {S_HS, S_EXT(EXTHS(7, 1000)),
	S_EXT("d1:md11:ut_metadatai0eee"), S_DATA(0, 1000, 1000)},
	OUT(OK, S_DONE, 1)},
	{"noise frames skipped", {S_HS, S_FRAME(5, 1000), S_KEEP, S_FRAME(4, 4),
	S_PORT(6881), S_FRAME(2, 0), S_EXT(EXTHS(7, 40000)), S_XFRAME(1, 500),
	S_FRAME(99, 100), S_KEEP, P3(0), S_FRAME(7, 16393), P3(1), S_XFRAME(0, 0),
	P3(2)}, OUT(OK, S_DONE, 1), .port = 6881},
	{"PORT of the wrong length skipped", {S_HS, S_FRAME(9, 5),
	S_EXT(EXTHS(7, 1000)), S_DATA(0, 1000, 1000)}, OUT(OK, S_DONE, 1)},
	{"keepalives everywhere", {S_HS, S_KEEP, S_KEEP, S_EXT(EXTHS(7, 1000)),
	S_KEEP, S_DATA(0, 1000, 1000), S_KEEP}, OUT(OK, S_DONE, 1)},
	{"bitfield at the hard cap skipped", {S_HS,
	S_FRAME(5, PEERWIRE_MAX_FRAME - 1), S_EXT(EXTHS(7, 1000)),
	S_DATA(0, 1000, 1000)}, OUT(OK, S_DONE, 1)},
	{"bytes after done ignored", {S_HS, S_EXT(EXTHS(7, 1000)),
	S_DATA(0, 1000, 1000), S_HDR(0x7fffffff, 20, 3), S_RAW("junk")},
	OUT(OK, S_DONE, 1)},

	/* still waiting */
	{"handshake truncated", {{HS_PART, NULL, 47, 0, 0, 0}},
	OUT(OK, S_HANDSHAKE, 0)},
	{"no ext handshake yet", {S_HS, S_FRAME(5, 10)}, OUT(OK, S_EXTENDED, 0)},
	{"mid fetch", {S_HS, S_EXT(EXTHS(7, 40000)), P3(0)},
	OUT(OK, S_FETCHING, 1), .have = 1},
	{"data to the peer's own id skipped", {S_HS, S_EXT(EXTHS(7, 1000)),
	S_DATA_TO(7, 0, 1000, 1000)}, OUT(OK, S_FETCHING, 1)},

	/* the BEP 3 handshake */
	{"wrong protocol string", {S_OP(HS_BAD_PSTR)}, OUT(E_HS, S_FAILED, 0)},
	{"pstrlen 18", {S_OP(HS_SHORT_PSTR)}, OUT(E_HS, S_FAILED, 0)},
	{"an HTTP server", {S_RAW("HTTP/1.1 400 Bad Request\r\n\r\n")},
	OUT(E_HS, S_FAILED, 0)},
	{"wrong echoed hash", {S_OP(HS_WRONG_HASH)}, OUT(E_HASH, S_FAILED, 0)},
	{"no extension bit", {S_OP(HS_NO_EXT)}, OUT(E_NOEXT, S_FAILED, 0)},

	/* the extension handshake */
	{"no ut_metadata in m", {S_HS,
	S_EXT("d1:md6:ut_pexi1ee13:metadata_sizei1000ee")},
	OUT(E_NOMETA, S_FAILED, 0)},
	{"ut_metadata 0", {S_HS, S_EXT(EXTHS(0, 1000))},
	OUT(E_NOMETA, S_FAILED, 0)},
	{"no m", {S_HS, S_EXT("d13:metadata_sizei1000ee")},
	OUT(E_NOMETA, S_FAILED, 0)},
	{"m not a dict", {S_HS, S_EXT("d1:mi1e13:metadata_sizei1000ee")},
	OUT(E_NOMETA, S_FAILED, 0)},
	{"ut_metadata a string", {S_HS,
	S_EXT("d1:md11:ut_metadata1:7e13:metadata_sizei1000ee")},
	OUT(E_NOMETA, S_FAILED, 0)},
	{"ut_metadata 256", {S_HS, S_EXT(EXTHS(256, 1000))},
	OUT(E_PROTO, S_FAILED, 0)},
	{"ut_metadata -1", {S_HS, S_EXT(EXTHS(-1, 1000))},
	OUT(E_PROTO, S_FAILED, 0)},
	{"metadata_size missing", {S_HS, S_EXT("d1:md11:ut_metadatai7eee")},
	OUT(E_NOMETA, S_FAILED, 0)},
	{"metadata_size a string", {S_HS,
	S_EXT("d1:md11:ut_metadatai7ee13:metadata_size4:1000e")},
	OUT(E_NOMETA, S_FAILED, 0)},
	{"metadata_size 0", {S_HS, S_EXT(EXTHS(7, 0))}, OUT(E_PROTO, S_FAILED, 0)},
	{"metadata_size -5", {S_HS, S_EXT(EXTHS(7, -5))},
	OUT(E_PROTO, S_FAILED, 0)},
	{"metadata_size max + 1", {S_HS, S_EXT(EXTHS(7, 100001))},
	OUT(E_BIG, S_FAILED, 0)},
	{"metadata_size 2^40", {S_HS, S_EXT(EXTHS(7, 1099511627776))},
	OUT(E_BIG, S_FAILED, 0)},
	{"ext handshake not bencode", {S_HS, S_EXT("d1:m")},
	OUT(E_PROTO, S_FAILED, 0)},
	{"ext handshake empty", {S_HS, S_EXT("")}, OUT(E_PROTO, S_FAILED, 0)},
	{"ext handshake a list", {S_HS, S_EXT("le")}, OUT(E_PROTO, S_FAILED, 0)},
	{"ext handshake trailing bytes", {S_HS, S_EXT(EXTHS(7, 1000) "x")},
	OUT(E_PROTO, S_FAILED, 0)},
	{"ext handshake duplicate key", {S_HS,
	S_EXT("d1:md11:ut_metadatai7ee1:mde13:metadata_sizei1000ee")},
	OUT(E_PROTO, S_FAILED, 0)},
	{"ext handshake over the input cap", {S_HS,
	S_HDR(2 + PEERWIRE_IN_CAP + 1, 20, 0)}, OUT(E_FRAME, S_FAILED, 0)},
	{"extended frame without an extended id", {S_HS, S_FRAME(20, 0)},
	OUT(E_PROTO, S_FAILED, 0)},

	/* ut_metadata messages */
	{"reject", {S_HS, S_EXT(EXTHS(7, 40000)), S_UT(REJECT0)},
	OUT(E_REJ, S_FAILED, 1)},
	{"reject after a piece", {S_HS, S_EXT(EXTHS(7, 40000)), P3(0),
	S_UT("d8:msg_typei2e5:piecei1ee")}, OUT(E_REJ, S_FAILED, 1), .have = 1},
	{"wrong total_size", {S_HS, S_EXT(EXTHS(7, 1000)), S_DATA(0, 999, 1000)},
	OUT(E_PROTO, S_FAILED, 1)},
	{"total_size missing", {S_HS, S_EXT(EXTHS(7, 1000)),
	S_UTT("d8:msg_typei1e5:piecei0ee", 1000)}, OUT(E_PROTO, S_FAILED, 1)},
	{"piece missing", {S_HS, S_EXT(EXTHS(7, 1000)),
	S_UTT("d8:msg_typei1e10:total_sizei1000ee", 1000)},
	OUT(E_PROTO, S_FAILED, 1)},
	{"short middle piece", {S_HS, S_EXT(EXTHS(7, 40000)),
	S_DATA(0, 40000, PIECE - 1)}, OUT(E_PROTO, S_FAILED, 1)},
	{"long last piece", {S_HS, S_EXT(EXTHS(7, 40000)), P3(0), P3(1),
	S_DATA(2, 40000, 7233)}, OUT(E_PROTO, S_FAILED, 1), .have = 2},
	{"short only piece", {S_HS, S_EXT(EXTHS(7, 1000)), S_DATA(0, 1000, 999)},
	OUT(E_PROTO, S_FAILED, 1)},
	{"piece index out of range", {S_HS, S_EXT(EXTHS(7, 40000)),
	S_DATA(3, 40000, 7232)}, OUT(E_PROTO, S_FAILED, 1)},
	{"negative piece index", {S_HS, S_EXT(EXTHS(7, 1000)),
	S_DATA(-1, 1000, 1000)}, OUT(E_PROTO, S_FAILED, 1)},
	{"msg_type missing", {S_HS, S_EXT(EXTHS(7, 1000)), S_UT("d5:piecei0ee")},
	OUT(E_PROTO, S_FAILED, 1)},
	{"msg_type a string", {S_HS, S_EXT(EXTHS(7, 1000)),
	S_UT("d8:msg_type1:1e")}, OUT(E_PROTO, S_FAILED, 1)},
	{"ut_metadata not bencode", {S_HS, S_EXT(EXTHS(7, 1000)), S_UT("xyz")},
	OUT(E_PROTO, S_FAILED, 1)},
	{"ut_metadata dict truncated", {S_HS, S_EXT(EXTHS(7, 1000)),
	S_UT("d8:msg_typei1e")}, OUT(E_PROTO, S_FAILED, 1)},
	{"ut_metadata a list", {S_HS, S_EXT(EXTHS(7, 1000)), S_UT("li1ee")},
	OUT(E_PROTO, S_FAILED, 1)},
	{"ut_metadata message over the input cap", {S_HS, S_EXT(EXTHS(7, 1000)),
	S_HDR(2 + PEERWIRE_IN_CAP + 1, 20, 3)}, OUT(E_FRAME, S_FAILED, 1)},

	/* frame caps */
	{"frame over the hard cap", {S_HS, S_HDR(PEERWIRE_MAX_FRAME + 1, 5, 0)},
	OUT(E_FRAME, S_FAILED, 0)},
	{"length 2^32 - 1", {S_HS, S_HDR(0xffffffff, 20, 0)},
	OUT(E_FRAME, S_FAILED, 0)},
};

#define NCASES (sizeof(cases) / sizeof(cases[0]))

/* What one run of a script gave */
struct outcome
{
	int			rc;
	int			state;
	int			allocs;
	uint32_t	have;
	uint16_t	port;
	int			meta;			/* DONE: metadata taken and correct */
	int			balanced;		/* every buffer freed once, none wrongly */
};

static int
same_outcome(const struct outcome *a, const struct outcome *b)
{
	return a->rc == b->rc && a->state == b->state && a->allocs == b->allocs &&
		a->have == b->have && a->port == b->port && a->meta == b->meta &&
		a->balanced == b->balanced;
}

/* Feed, then drain the output as a caller would; return the feed's rc. */
static int
feed(const uint8_t *p, size_t n)
{
	const uint8_t *out;
	int			rc = peerwire_feed(&pw, p, n);

	peerwire_sent(&pw, peerwire_output(&pw, &out));
	return rc;
}

/*
 * Run the stream in sbuf[0..slen): split == 0 feeds it at once, SIZE_MAX
 * byte by byte, otherwise in two parts at split.  Every part is copied
 * flush against the guard page of head (or is a suffix of whole).
 */
static struct outcome
run(const struct unit_guarded *whole, const struct unit_guarded *head,
	size_t split)
{
	struct counter c;
	struct outcome o = {0};
	uint32_t	total;
	size_t		i,
				len;
	uint8_t    *m;

	start(&c, MAX_META, "test");
	if (split == 0)
		o.rc = feed(whole->data, slen);
	else if (split == SIZE_MAX)
		for (i = 0; i < slen; i++)
		{
			head->data[slen - 1] = sbuf[i];
			o.rc = feed(head->data + slen - 1, 1);
		}
	else
	{
		memcpy(head->data + slen - split, sbuf, split);
		o.rc = feed(head->data + slen - split, split);
		if (o.rc == 0)
			o.rc = feed(whole->data + split, slen - split);
	}
	o.state = peerwire_state(&pw);
	o.allocs = c.allocs;
	peerwire_progress(&pw, &o.have, &total);
	o.port = peerwire_dht_port(&pw);
	m = peerwire_take_metadata(&pw, &len);
	o.meta = m != NULL && len == peerwire_metadata_size(&pw) && meta_ok(m, len);
	peerwire_release(&pw);
	o.balanced = c.bad_free == 0 &&
		c.frees + (m != NULL) == c.granted;
	free(m);
	return o;
}

static void
test_scripts(void)
{
	size_t		k,
				s,
				stride;

	for (k = 0; k < NCASES; k++)
	{
		const struct pcase *pc = &cases[k];
		struct outcome want = {pc->rc, pc->state, pc->allocs, pc->have,
		pc->port, pc->state == S_DONE, 1};
		struct outcome got;
		struct unit_guarded whole,
					head;

		slen = 0;
		for (s = 0; s < MAX_STEPS && pc->steps[s].op != END; s++)
			put_step(&pc->steps[s]);
		whole = unit_guarded_copy(sbuf, slen);
		head = unit_guarded_copy(sbuf, slen);

		got = run(&whole, &head, 0);
		if (pc->state == S_DONE)
			want.have = got.have;	/* checked through meta */
		CHECKF(same_outcome(&got, &want),
			   "%s (at once): rc %d state %d allocs %d have %u port %u meta %d "
			   "balanced %d", pc->name, got.rc, got.state, got.allocs,
			   got.have, got.port, got.meta, got.balanced);
		got = run(&whole, &head, SIZE_MAX);
		CHECKF(same_outcome(&got, &want), "%s (byte by byte): rc %d state %d",
			   pc->name, got.rc, got.state);
		/* every position, or (long noise) the first 512 and ~500 more */
		stride = pc->every || slen <= 4096 ? 1 : slen / 499;
		for (s = 1; s < slen; s += s < 512 ? 1 : stride)
		{
			got = run(&whole, &head, s);
			if (!same_outcome(&got, &want))
				break;
		}
		CHECKF(s >= slen, "%s (split at %zu): rc %d state %d", pc->name, s,
			   got.rc, got.state);
		unit_guarded_free(&whole);
		unit_guarded_free(&head);
	}
}

/* ------------------------------------------------------------------ */
/* Our output stream                                                   */
/* ------------------------------------------------------------------ */

/* Feed sbuf[0..slen) at once (no draining). */
static int
feed_script(const struct step *steps, size_t n)
{
	size_t		i;

	slen = 0;
	for (i = 0; i < n; i++)
		put_step(&steps[i]);
	return peerwire_feed(&pw, sbuf, slen);
}

static int
output_is(const char *want, size_t len)
{
	const uint8_t *out;
	size_t		n = peerwire_output(&pw, &out);

	return n == len && memcmp(out, want, len) == 0;
}

#define OUTPUT_IS(s) output_is(s, sizeof(s) - 1)
#define OUR_HS PSTR "\0\0\0\0\0\020\0\001" HASH OUR_PID
#define OUR_EXT "\0\0\0\046\024\000d1:md11:ut_metadatai3ee1:v7:tester/e"
#define REQ(n) "\0\0\0\033\024\007d8:msg_typei0e5:piecei" #n "ee"

static void
test_output(void)
{
	struct counter c;
	struct step hs[] = {S_HS};
	struct step ext[] = {S_EXT(EXTHS(7, 100000))};
	struct step p0[] = {P7(0)};
	const uint8_t *out;
	size_t		len;
	char		longname[200];

	/* our handshake at once; nothing more until the peer's is complete */
	start(&c, MAX_META, "tester/");
	CHECK(OUTPUT_IS(OUR_HS));
	CHECK(peerwire_state(&pw) == S_HANDSHAKE);
	CHECK(peerwire_peer_id(&pw) == NULL);
	slen = 0;
	put_step(&hs[0]);
	CHECK(peerwire_feed(&pw, sbuf, slen - 1) == 0);
	CHECK(OUTPUT_IS(OUR_HS));
	/* then our extension handshake, with our id 3 and v */
	CHECK(peerwire_feed(&pw, sbuf + slen - 1, 1) == 0);
	CHECK(OUTPUT_IS(OUR_HS OUR_EXT));
	CHECK(peerwire_state(&pw) == S_EXTENDED);
	CHECK(peerwire_peer_id(&pw) != NULL &&
		  memcmp(peerwire_peer_id(&pw), PEER_PID, 20) == 0);
	/* partial send */
	peerwire_sent(&pw, 10);
	CHECK(output_is(OUR_HS OUR_EXT + 10, sizeof(OUR_HS OUR_EXT) - 11));
	peerwire_sent(&pw, 1000);
	CHECK(peerwire_output(&pw, &out) == 0);
	/* requests 0..3 go to the peer's id 7, not ours */
	CHECK(feed_script(ext, 1) == 0);
	CHECK(peerwire_state(&pw) == S_FETCHING);
	CHECK(c.allocs == 1 && c.last_size == 100000);
	CHECK(OUTPUT_IS(REQ(0) REQ(1) REQ(2) REQ(3)));
	peerwire_sent(&pw, 1000);
	/* a piece in (on our id 3): the next request goes out */
	CHECK(feed_script(p0, 1) == 0);
	CHECK(OUTPUT_IS(REQ(4)));
	peerwire_release(&pw);
	CHECK(c.frees == 1 && c.bad_free == 0);

	/* no client: no v; a long one is truncated to 64 bytes */
	start(&c, MAX_META, NULL);
	feed_script(hs, 1);
	CHECK(OUTPUT_IS(OUR_HS "\0\0\0\032\024\000d1:md11:ut_metadatai3eee"));
	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	start(&c, MAX_META, longname);
	feed_script(hs, 1);
	len = peerwire_output(&pw, &out);
	CHECK(len == 68 + 6 + 29 + 64 + 1 &&
		  memcmp(out + 68 + 6 + 23, "1:v64:xxxx", 10) == 0 &&
		  out[len - 2] == 'x' && out[len - 1] == 'e');
}

/* The peer's "v", its peer id, its PORT */
static void
test_peer_info(void)
{
	struct counter c;
	struct step s[] = {S_HS, S_PORT(51413), S_EXT(LT_EXTHS)};
	size_t		len;
	const char *v;

	start(&c, MAX_META, "t");
	v = peerwire_peer_client(&pw, &len);
	CHECK(v == NULL && len == 0);
	CHECK(peerwire_dht_port(&pw) == 0);
	CHECK(feed_script(s, 3) == 0);
	v = peerwire_peer_client(&pw, &len);
	CHECK(v != NULL && len == 17 && memcmp(v, "qBittorrent/4.5.2", 17) == 0);
	CHECK(peerwire_dht_port(&pw) == 51413);
	CHECK(peerwire_metadata_size(&pw) == 1000);
	peerwire_release(&pw);
	CHECK(c.frees == 1);
}

/*
 * A fake peer that answers our requests one at a time, oldest first or
 * newest first, reading them from our output stream.  Returns the most
 * requests ever outstanding; *ok is cleared on anything unexpected.
 */
static uint32_t
serve(const char *exths, uint32_t size, int newest_first, int *ok)
{
	struct counter c;
	static uint8_t ours[65536];
	size_t		olen = 0,
				pos = PEERWIRE_HANDSHAKE_LEN,
				len;
	uint32_t	pending[64],
				npending = 0,
				maxout = 0,
				asked = 0,
				piece;
	const uint8_t *out;
	uint8_t    *m;

	start(&c, size, "t");
	slen = 0;
	put_handshake(PSTR, HASH, 0x10);
	put_ext(0, exths, 0, 0);
	*ok = peerwire_feed(&pw, sbuf, slen) == 0;
	for (;;)
	{
		len = peerwire_output(&pw, &out);
		memcpy(ours + olen, out, len);
		olen += len;
		peerwire_sent(&pw, len);
		/* parse our new frames: ext handshake (skipped) or requests */
		while (olen - pos >= 6 &&
			   olen - pos >= 4 + ((size_t) ours[pos + 2] << 8 | ours[pos + 3]))
		{
			len = 4 + ((size_t) ours[pos + 2] << 8 | ours[pos + 3]);
			if (ours[pos + 5] == PEER_UT &&
				sscanf((const char *) ours + pos + 6,
					   "d8:msg_typei0e5:piecei%ue", &piece) == 1)
			{
				*ok &= piece == asked++ && npending < 64;
				pending[npending++] = piece;
			}
			else if (ours[pos + 5] != 0)
				*ok = 0;
			pos += len;
		}
		if (npending > maxout)
			maxout = npending;
		if (npending == 0)
			break;
		slen = 0;
		if (newest_first)
			piece = pending[--npending];
		else
		{
			piece = pending[0];
			memmove(pending, pending + 1, --npending * sizeof(pending[0]));
		}
		put_data(PEERWIRE_UT_METADATA_ID, piece, size,
				 piece + 1 < (size - 1) / PIECE + 1 ? PIECE :
				 size - piece * PIECE);
		*ok &= peerwire_feed(&pw, sbuf, slen) == 0;
	}
	m = peerwire_take_metadata(&pw, &len);
	*ok &= peerwire_state(&pw) == S_DONE && m != NULL && len == size &&
		meta_ok(m, len) && asked == (size - 1) / PIECE + 1;
	free(m);
	peerwire_release(&pw);
	*ok &= c.frees == 0;
	return maxout;
}

static void
test_window(void)
{
	static const struct
	{
		const char *exths;
		uint32_t	window;
	}			rows[] = {
		{EXTHS(7, 163840), 4},	/* no reqq: 250 */
		{EXTHS_R(7, 163840, 0), 1},
		{EXTHS_R(7, 163840, -3), 1},
		{EXTHS_R(7, 163840, 1), 1},
		{EXTHS_R(7, 163840, 2), 2},
		{EXTHS_R(7, 163840, 3), 3},
		{EXTHS_R(7, 163840, 4), 4},
		{EXTHS_R(7, 163840, 5), 4},
		{EXTHS_R(7, 163840, 250), 4},
		{EXTHS_R(7, 163839, 99999999999), 4},
		{EXTHS_R(7, 100, 250), 1},	/* one piece */
	};
	size_t		i;
	int			lifo,
				ok;
	uint32_t	got;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		for (lifo = 0; lifo < 2; lifo++)
		{
			got = serve(rows[i].exths, (uint32_t) atoi(strstr(rows[i].exths,
															  "sizei") + 5),
						lifo, &ok);
			CHECKF(ok && got == rows[i].window,
				   "row %zu lifo %d: outstanding %u, want %u, ok %d",
				   i, lifo, got, rows[i].window, ok);
		}
}

/* The peer's requests are rejected, bounded, and never crowd ours out. */
static void
test_peer_requests(void)
{
	struct counter c;
	struct step s[] = {S_HS, S_EXT(EXTHS(7, 100000))};
	struct step req[] = {S_UT("d8:msg_typei0e5:piecei42ee")};
	struct step p[] = {P7(0), P7(1), P7(2), P7(3)};
	const uint8_t *out;
	size_t		i,
				len;

	/* before the peer's extension handshake: no id to answer to */
	start(&c, MAX_META, "t");
	feed_script(s, 1);
	peerwire_sent(&pw, 1000);
	CHECK(feed_script(req, 1) == 0);
	CHECK(peerwire_output(&pw, &out) == 0);
	CHECK(feed_script(s + 1, 1) == 0);
	peerwire_sent(&pw, 1000);
	CHECK(feed_script(req, 1) == 0);
	CHECK(OUTPUT_IS("\0\0\0\034\024\007d8:msg_typei2e5:piecei42ee"));

	/* a flood, never drained: the output stays within its cap ... */
	for (i = 0; i < 200; i++)
		CHECK(feed_script(req, 1) == 0);
	len = peerwire_output(&pw, &out);
	CHECK(len <= PEERWIRE_OUT_CAP && len > 200);
	/* ... and our next requests (4 pieces in, 3 left) still fit */
	CHECK(feed_script(p, 4) == 0);
	CHECK(peerwire_output(&pw, &out) == len + 3 * 31);
	CHECK(memcmp(out + len, REQ(4) REQ(5) REQ(6), 3 * 31) == 0);
	peerwire_release(&pw);
	CHECK(c.frees == 1 && c.bad_free == 0);
}

/* ------------------------------------------------------------------ */
/* Allocation and lifecycle                                            */
/* ------------------------------------------------------------------ */

/* The alloc callback refuses, or is missing: NO_MEMORY, sticky. */
static void
test_refusal(void)
{
	struct counter c;
	struct peerwire_config cfg = {0};
	struct step s[] = {S_HS, S_EXT(EXTHS(7, 1000))};
	const uint8_t *out;

	/* alloc refused */
	start(&c, MAX_META, "t");
	c.refuse = 1;
	CHECK(feed_script(s, 2) == PEERWIRE_ERR_NO_MEMORY);
	CHECK(c.allocs == 1 && c.last_size == 1000 && c.frees == 0);
	CHECK(peerwire_state(&pw) == S_FAILED);
	CHECK(peerwire_output(&pw, &out) == 0);
	/* sticky: more input gives the same error and calls nothing */
	CHECK(peerwire_feed(&pw, U("xxxx"), 4) == PEERWIRE_ERR_NO_MEMORY);
	peerwire_fail(&pw, PEERWIRE_ERR_TIMEOUT);
	CHECK(peerwire_error(&pw) == PEERWIRE_ERR_NO_MEMORY);
	peerwire_release(&pw);
	CHECK(c.allocs == 1 && c.frees == 0);

	/* no alloc callback at all: refused */
	cfg.max_metadata_size = MAX_META;
	cfg.peer_id = U(OUR_PID);
	peerwire_init(&pw, &cfg, U(HASH));
	CHECK(feed_script(s, 2) == PEERWIRE_ERR_NO_MEMORY);
	peerwire_release(&pw);
}

/* Caller-side failures, release, take: every buffer back exactly once. */
static void
test_release(void)
{
	struct counter c;
	struct step s[] = {S_HS, S_EXT(EXTHS(7, 1000)), S_DATA(0, 1000, 1000)};
	struct step frag[] = {S_HS, S_EXT(EXTHS(7, 40000))};
	uint8_t    *m;
	size_t		len;
	uint32_t	have,
				total;

	/* timeout mid-fetch: freed at once, release does not free again */
	start(&c, MAX_META, "t");
	CHECK(feed_script(frag, 2) == 0);
	peerwire_progress(&pw, &have, &total);
	CHECK(have == 0 && total == 3);
	peerwire_fail(&pw, PEERWIRE_ERR_TIMEOUT);
	CHECK(peerwire_state(&pw) == S_FAILED);
	CHECK(peerwire_error(&pw) == PEERWIRE_ERR_TIMEOUT);
	CHECK(c.frees == 1);
	peerwire_fail(&pw, PEERWIRE_ERR_CLOSED);
	CHECK(peerwire_error(&pw) == PEERWIRE_ERR_TIMEOUT);
	CHECK(peerwire_take_metadata(&pw, &len) == NULL && len == 0);
	peerwire_release(&pw);
	peerwire_release(&pw);
	CHECK(c.frees == 1 && c.bad_free == 0);

	/* non-negative "errors" are ignored */
	start(&c, MAX_META, "t");
	peerwire_fail(&pw, 0);
	peerwire_fail(&pw, 5);
	CHECK(peerwire_state(&pw) == S_HANDSHAKE && peerwire_error(&pw) == 0);
	/* release before anything: FAILED (closed), nothing to free */
	peerwire_release(&pw);
	CHECK(peerwire_state(&pw) == S_FAILED &&
		  peerwire_error(&pw) == PEERWIRE_ERR_CLOSED && c.frees == 0);

	/* release mid-fetch frees exactly once */
	start(&c, MAX_META, "t");
	CHECK(feed_script(frag, 2) == 0);
	CHECK(peerwire_take_metadata(&pw, &len) == NULL);
	peerwire_release(&pw);
	peerwire_release(&pw);
	CHECK(c.frees == 1 && c.bad_free == 0);
	CHECK(peerwire_error(&pw) == PEERWIRE_ERR_CLOSED);

	/* DONE, not taken: release frees once; fail after DONE is ignored */
	start(&c, MAX_META, "t");
	CHECK(feed_script(s, 3) == 0 && peerwire_state(&pw) == S_DONE);
	peerwire_fail(&pw, PEERWIRE_ERR_CLOSED);
	CHECK(peerwire_state(&pw) == S_DONE && c.frees == 0);
	peerwire_release(&pw);
	peerwire_release(&pw);
	CHECK(c.frees == 1 && c.bad_free == 0);
	CHECK(peerwire_take_metadata(&pw, &len) == NULL);

	/* DONE, taken: the caller owns it, release frees nothing */
	start(&c, MAX_META, "t");
	CHECK(feed_script(s, 3) == 0);
	m = peerwire_take_metadata(&pw, &len);
	CHECK(m != NULL && len == 1000 && meta_ok(m, len));
	CHECK(peerwire_take_metadata(&pw, &len) == NULL && len == 0);
	peerwire_release(&pw);
	CHECK(c.frees == 0 && peerwire_state(&pw) == S_DONE);
	free(m);

	/* too big: alloc never called */
	start(&c, 999, "t");
	CHECK(feed_script(s, 2) == PEERWIRE_ERR_TOO_BIG && c.allocs == 0);
	CHECK(peerwire_metadata_size(&pw) == 0);
	peerwire_release(&pw);
	CHECK(c.frees == 0);
}

static void
test_names(void)
{
	int			e,
				f;

	for (e = 0; e >= PEERWIRE_ERR_PROTOCOL; e--)
	{
		CHECKF(strcmp(peerwire_strerror(e), "unknown error") != 0, "%d", e);
		for (f = e + 1; f <= 0; f++)
			CHECKF(strcmp(peerwire_strerror(e), peerwire_strerror(f)) != 0,
				   "%d %d", e, f);
	}
	CHECK(strcmp(peerwire_strerror(PEERWIRE_ERR_PROTOCOL - 1),
				 "unknown error") == 0);
	CHECK(strcmp(peerwire_strerror(1), "unknown error") == 0);
	for (e = PEERWIRE_S_HANDSHAKE; e <= PEERWIRE_S_FAILED; e++)
		CHECKF(strcmp(peerwire_state_name(e), "unknown") != 0, "%d", e);
	CHECK(strcmp(peerwire_state_name(0), "unknown") == 0);
	CHECK(strcmp(peerwire_state_name(PEERWIRE_S_FETCHING), "fetching") == 0);
}

int
main(void)
{
	fill_pattern();
	test_scripts();
	test_output();
	test_peer_info();
	test_window();
	test_peer_requests();
	test_refusal();
	test_release();
	test_names();
	return unit_summary("peerwire");
}
