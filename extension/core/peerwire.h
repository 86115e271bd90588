/*
 * peerwire.h
 *		BitTorrent peer wire, metadata only: the BEP 3 handshake, the BEP 10
 *		extension handshake and BEP 9 ut_metadata, as a state machine fed
 *		bytes.
 *
 * Owns one outgoing connection's protocol: our handshake, the checks on
 * the peer's (protocol string, our info hash echoed, extension bit), our
 * and the peer's extension handshakes, the ut_metadata requests and the
 * assembly of the pieces into one buffer.  Does not own: sockets, connect,
 * the clock (deadlines are the caller's, who reports them with
 * peerwire_fail), choosing peers, or verifying the metadata (SHA-1 /
 * SHA-256 and metainfo parsing are the caller's: metainfo.c).
 *
 * Transport-agnostic and allocation-free: the caller allocates struct
 * peerwire (sizeof is below), feeds it whatever bytes arrive, sends what
 * peerwire_output() holds, and checks peerwire_state().  The only memory
 * beyond the struct is the metadata buffer, which the caller's alloc
 * callback provides once metadata_size has passed its checks (never
 * before), and which goes back through the free callback unless the caller
 * takes it with peerwire_take_metadata().
 *
 * Input: a frame is buffered only when we need its content (the extension
 * handshake, ut_metadata messages to our id, PORT), and then only up to
 * PEERWIRE_IN_CAP bytes.  Every other frame (bitfield, have, piece,
 * unknown ids, other extensions) is skipped by counting its bytes, up to
 * PEERWIRE_MAX_FRAME.  Keepalives are ignored.
 *
 * Decisions the BEPs leave open:
 *	- data for a piece we have not requested, or already have, is checked
 *	  (index, length, total_size) and then ignored: harmless, and the
 *	  caller's deadline bounds a peer that only sends that;
 *	- a reject ends the connection (PEERWIRE_ERR_REJECTED: try another
 *	  peer) once we have requested something; earlier it is ignored;
 *	- the peer's own requests are answered with a reject (BEP 9: a peer
 *	  without the metadata must), unless the output buffer is short of
 *	  room, in which case they are ignored;
 *	- unknown msg_types are ignored (BEP 9); repeated extension handshakes
 *	  are skipped unread (metadata_size cannot change);
 *	- metadata_size absent: the peer has no metadata to give
 *	  (PEERWIRE_ERR_NO_METADATA); zero or negative: PEERWIRE_ERR_PROTOCOL;
 *	  above the configured maximum: PEERWIRE_ERR_TOO_BIG.
 * Bencoded messages may have unsorted keys (old clients; nothing is
 * hashed here), never duplicate ones.
 */
#ifndef DHT_PEERWIRE_H
#define DHT_PEERWIRE_H

#include <stddef.h>
#include <stdint.h>

/* Our handshake and the peer's: 1 + 19 + 8 reserved + 20 hash + 20 id */
#define PEERWIRE_HANDSHAKE_LEN 68
#define PEERWIRE_ID_LEN 20

/* BEP 9: metadata travels in 16 KiB pieces, the last one may be shorter */
#define PEERWIRE_PIECE_LEN 16384

/*
 * Our ut_metadata extension id: the peer sends its ut_metadata messages to
 * us as "20, 3".  Any value 1..255 works; it only has to be constant.
 */
#define PEERWIRE_UT_METADATA_ID 3

/*
 * Requests in flight, whatever the peer's reqq allows.  Four pieces are
 * 64 KiB in flight, which covers the metadata of most torrents (1 to 4
 * pieces) in one round trip and keeps a 10 Mbit/s, 50 ms path busy, while
 * staying far below what any client queues (libtorrent: reqq 250).
 */
#define PEERWIRE_MAX_OUTSTANDING 4

/* reqq assumed when the peer sends none (BEP 10: libtorrent's default) */
#define PEERWIRE_DEFAULT_REQQ 250

/*
 * Largest payload we buffer, after the two bytes "20, ext id": a data
 * message is a dict of ~50 bytes plus 16,384 bytes of metadata; 2 KiB of
 * slack tolerates extra keys.  The same cap bounds the extension handshake:
 * real ones are 100-500 bytes (libtorrent's about 250), so 18 KiB is
 * generous, and one buffer serves both (64 KiB would cost 46 KiB more per
 * connection for nothing).
 */
#define PEERWIRE_IN_CAP (PEERWIRE_PIECE_LEN + 2048)

/*
 * Hard cap on any frame's length field: beyond it the peer is broken and
 * dropped.  Skipped frames are never buffered, so the cap is generous: a
 * 1 MiB bitfield describes 8 million pieces, and 16 KiB more holds a piece
 * message with its 16 KiB block.
 */
#define PEERWIRE_MAX_FRAME (1024 * 1024 + 16384)

/* The peer's "v" (client name) is kept for logging up to this many bytes;
 * ours (config.client) is truncated to it too. */
#define PEERWIRE_MAX_CLIENT_LEN 64

/*
 * Output buffer: our handshake (68), extension handshake (< 110), the
 * requests in flight (4 x < 40) and room for rejects to the peer's own
 * requests; everything we send fits without the caller draining.
 */
#define PEERWIRE_OUT_CAP 512

/*
 * Failures: each one a reason the caller counts.  The first few are never
 * raised here: the caller passes them to peerwire_fail().
 */
enum peerwire_error
{
	PEERWIRE_OK = 0,
	PEERWIRE_ERR_CONNECT = -1,	/* caller: TCP connect failed */
	PEERWIRE_ERR_CLOSED = -2,	/* caller: peer closed before we were done */
	PEERWIRE_ERR_TIMEOUT = -3,	/* caller: a deadline passed */
	PEERWIRE_ERR_HANDSHAKE = -4,	/* not "\x13BitTorrent protocol" */
	PEERWIRE_ERR_WRONG_HASH = -5,	/* the peer answered for another hash */
	PEERWIRE_ERR_NO_EXTENSIONS = -6,	/* no BEP 10 bit in reserved[5] */
	PEERWIRE_ERR_NO_METADATA = -7,	/* no ut_metadata, or no metadata_size */
	PEERWIRE_ERR_TOO_BIG = -8,	/* metadata_size > max_metadata_size */
	PEERWIRE_ERR_NO_MEMORY = -9,	/* the alloc callback refused */
	PEERWIRE_ERR_REJECTED = -10,	/* the peer rejected our request */
	PEERWIRE_ERR_FRAME_TOO_BIG = -11,	/* frame over a cap (see above) */
	PEERWIRE_ERR_PROTOCOL = -12 /* malformed message or metadata piece */
};

/* Where the connection is; all but DONE and FAILED wait for the peer. */
enum peerwire_state
{
	PEERWIRE_S_HANDSHAKE = 1,	/* waiting for the peer's handshake */
	PEERWIRE_S_EXTENDED,		/* waiting for its extension handshake */
	PEERWIRE_S_FETCHING,		/* requesting and receiving pieces */
	PEERWIRE_S_DONE,			/* all pieces in: peerwire_take_metadata */
	PEERWIRE_S_FAILED			/* see peerwire_error() */
};

struct peerwire_config
{
	uint32_t	max_metadata_size;	/* larger metadata_size: TOO_BIG */
	const uint8_t *peer_id;		/* our 20-byte peer id (copied at init) */
	const char *client;			/* our "v", NUL-terminated, or NULL */
	/* metadata buffer of size bytes, or NULL to refuse (NO_MEMORY) */
	void	   *(*alloc) (void *ctx, size_t size);
	/* give back a buffer from alloc that the caller did not take */
	void		(*free) (void *ctx, void *ptr, size_t size);
	void	   *ctx;				/* passed to alloc and free */
};

/*
 * One connection.  The caller allocates it (about 19 KiB); every field is
 * private: read it through the functions below.
 */
struct peerwire
{
	void	   *(*alloc) (void *ctx, size_t size);
	void		(*free) (void *ctx, void *ptr, size_t size);
	void	   *ctx;
	uint32_t	max_metadata_size;
	uint8_t		info_hash[PEERWIRE_ID_LEN];
	uint8_t		our_client_len;
	char		our_client[PEERWIRE_MAX_CLIENT_LEN];	/* our "v" */

	int			state;			/* enum peerwire_state */
	int			error;			/* sticky, once FAILED */

	/* input framing */
	uint8_t		rmode;			/* what the next input bytes are */
	uint8_t		hdr[6];			/* length, id, extended id */
	uint8_t		hdr_len;
	uint8_t		hdr_need;
	uint32_t	frame_len;		/* length field of the current frame */
	uint32_t	body_left;		/* bytes of it still to buffer or skip */
	uint32_t	in_len;			/* bytes in in[] */

	/* what the peer told us */
	uint8_t		peer_id[PEERWIRE_ID_LEN];
	uint8_t		peer_ut_metadata;	/* its id for our requests; 0 = none */
	uint8_t		ext_seen;		/* its extension handshake was read */
	uint8_t		client_len;
	uint16_t	dht_port;		/* from a PORT message; 0 = none */
	char		client[PEERWIRE_MAX_CLIENT_LEN];

	/* the metadata */
	uint8_t    *metadata;		/* from alloc; NULL once freed or taken */
	uint32_t	metadata_size;
	uint32_t	npieces;
	uint32_t	next_piece;		/* next to request; all below are asked */
	uint32_t	received;		/* pieces stored */
	uint32_t	window;			/* min(reqq, PEERWIRE_MAX_OUTSTANDING) */
	uint32_t	noutstanding;
	uint32_t	outstanding[PEERWIRE_MAX_OUTSTANDING];

	uint32_t	out_len;
	uint8_t		out[PEERWIRE_OUT_CAP];
	uint8_t		in[PEERWIRE_IN_CAP];
};

/*
 * Start a connection for info_hash: queues our handshake (reserved bits:
 * extensions and DHT).  cfg is copied; alloc and free should be set (a
 * missing alloc refuses every buffer).  Never fails.
 */
void		peerwire_init(struct peerwire *pw,
						  const struct peerwire_config *cfg,
						  const uint8_t info_hash[PEERWIRE_ID_LEN]);

/*
 * Process len received bytes; all of them are consumed (bytes after DONE
 * are ignored).  Returns 0, or the sticky PEERWIRE_ERR_* once FAILED.
 */
int			peerwire_feed(struct peerwire *pw, const uint8_t *data, size_t len);

/* Bytes to send, at *data (valid until the next call); 0 once FAILED */
size_t		peerwire_output(const struct peerwire *pw, const uint8_t **data);

/* The first n bytes of the output were sent (n is clamped to what is there) */
void		peerwire_sent(struct peerwire *pw, size_t n);

/* enum peerwire_state */
int			peerwire_state(const struct peerwire *pw);

/* The sticky error once FAILED, else 0 */
int			peerwire_error(const struct peerwire *pw);

/*
 * A failure seen by the caller (connect, timeout, closed): FAILED with err
 * (negative; other values are ignored), and an unfinished buffer is freed.
 * No effect once DONE or FAILED: the first outcome sticks.
 */
void		peerwire_fail(struct peerwire *pw, int err);

/*
 * DONE: the metadata (metadata_size bytes in *len); the caller owns it from
 * now on (release it with its own free).  NULL and *len = 0 otherwise.
 */
uint8_t    *peerwire_take_metadata(struct peerwire *pw, size_t *len);

/*
 * End of the connection: frees a buffer not taken (exactly once, however
 * often this is called) and leaves pw FAILED (CLOSED) unless it was DONE.
 */
void		peerwire_release(struct peerwire *pw);

/* Pieces received and expected (0 and 0 until metadata_size is known) */
void		peerwire_progress(const struct peerwire *pw, uint32_t *have,
							  uint32_t *total);

/* The peer's metadata_size once accepted, else 0 */
uint32_t	peerwire_metadata_size(const struct peerwire *pw);

/* The peer's 20-byte peer id, or NULL before its handshake */
const uint8_t *peerwire_peer_id(const struct peerwire *pw);

/* The peer's "v" (raw bytes, truncated, length in *len); NULL if none */
const char *peerwire_peer_client(const struct peerwire *pw, size_t *len);

/* DHT port from the peer's PORT message (BEP 5), or 0 */
uint16_t	peerwire_dht_port(const struct peerwire *pw);

/* Static text for a peerwire_error ("unknown error" otherwise) */
const char *peerwire_strerror(int err);

/* Static name of a peerwire_state for logs ("unknown" otherwise) */
const char *peerwire_state_name(int state);

#endif							/* DHT_PEERWIRE_H */
