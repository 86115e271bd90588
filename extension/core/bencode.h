/*
 * bencode.h
 *		Strict BEP 3 bencode: a zero-copy tokenizer and a bounded encoder.
 *
 * Owns: turning bytes into a flat, pre-order array of tokens (jsmn style,
 * caller-owned, no malloc), the raw span of every value (the info hash is
 * computed over the exact bytes of the info dict, never a re-encoding),
 * small lookup helpers over that array, and writing bencode into a caller
 * buffer.  Does not own: what any key means (krpc.c, metainfo.c do), hashing,
 * or buffering a stream (callers retry with more bytes on BENCODE_ERR_EOF).
 *
 * Invariants of a successful decode:
 *	- tokens[0] is the top-level value; a container's first child is at
 *	  index + 1 and each child's .next is its next sibling (or, for the
 *	  last child, the container's own .next): subtrees are skipped in O(1).
 *	- a dict's children alternate key (always BENCODE_STR), value.
 *	- buf[offset .. offset + length) is the value's exact encoding; a STR's
 *	  payload is its last .count bytes.
 *	- the input is canonical unless a flag says otherwise: no leading zeros,
 *	  no "-0", dict keys strictly ascending by raw bytes (so no duplicates).
 *	  Re-encoding the tokens therefore reproduces the input byte for byte.
 * Tokens point into buf (offsets, not pointers): they stay meaningful as long
 * as the caller keeps the same bytes.
 *
 * The decoder never recurses: nesting lives in an explicit stack of at most
 * BENCODE_MAX_DEPTH frames, and the token count is bounded by the caller's
 * array.  It never reads buf[len] or beyond and assumes no NUL terminator.
 */
#ifndef DHT_BENCODE_H
#define DHT_BENCODE_H

#include <stddef.h>
#include <stdint.h>

/*
 * Hard ceiling on nesting, whatever the caller asks for: the decoder's stack
 * is a fixed array of this many frames (12 bytes each, 3 KB on the C stack).
 * KRPC asks for 10; a v2 metainfo "file tree" nests one dict per directory
 * level, and 256 leaves room for absurd paths while bounding the stack.
 */
#define BENCODE_MAX_DEPTH 256

/*
 * Under allow_unsorted, a dict whose keys are out of order can only be
 * checked for duplicates by comparing each new key with all earlier ones
 * (quadratic).  Real old clients put a handful of keys out of order in small
 * dicts, so an unsorted dict with more keys than this is refused
 * (BENCODE_ERR_UNSORTED_KEYS), which caps the work at 64 comparisons per key.
 */
#define BENCODE_MAX_UNSORTED_KEYS 64

/* Longest encoding of an int64 ("i-9223372036854775808e"), for buffer sizing */
#define BENCODE_INT_MAX_LEN 22

enum bencode_type
{
	BENCODE_INT = 1,
	BENCODE_STR,
	BENCODE_LIST,
	BENCODE_DICT
};

struct bencode_token
{
	/* byte offset of the value's first byte in the input */
	uint32_t	offset;
	/* raw span: bytes from offset to the end of the value (dict: 'd'..'e') */
	uint32_t	length;
	/* index of the first token after this value's subtree (sibling skip) */
	uint32_t	next;
	/* STR: payload length; LIST: items; DICT: key/value pairs; INT: 0 */
	uint32_t	count;
	int64_t		value;			/* INT: the integer; otherwise 0 */
	uint8_t		type;			/* enum bencode_type */
};

/*
 * Errors.  BENCODE_ERR_EOF alone means "truncated: a longer input could still
 * be valid"; every other error is final for this input, whatever follows.
 */
enum bencode_error
{
	BENCODE_OK = 0,
	BENCODE_ERR_EOF = -1,		/* truncated: need more bytes */
	BENCODE_ERR_SYNTAX = -2,	/* unexpected byte */
	BENCODE_ERR_LEADING_ZERO = -3,	/* "i03e" or "03:abc" */
	BENCODE_ERR_NEGATIVE_ZERO = -4, /* "i-0e" */
	BENCODE_ERR_EMPTY_INT = -5, /* "ie" or "i-e" */
	BENCODE_ERR_INT_OVERFLOW = -6,	/* integer outside int64 */
	BENCODE_ERR_LEN_OVERFLOW = -7,	/* string length past UINT32_MAX bytes */
	BENCODE_ERR_EXPECTED_COLON = -8,	/* non-digit in a string length */
	BENCODE_ERR_KEY_NOT_STRING = -9,	/* dict key is an int, list or dict */
	BENCODE_ERR_UNSORTED_KEYS = -10,	/* dict keys not in ascending order */
	BENCODE_ERR_DUPLICATE_KEY = -11,	/* the same key twice in a dict */
	BENCODE_ERR_DEPTH = -12,	/* nesting deeper than max_depth */
	BENCODE_ERR_TOO_MANY_TOKENS = -13,	/* more values than the token array */
	BENCODE_ERR_TRAILING = -14, /* bytes after the top-level value */
	BENCODE_ERR_TOO_LARGE = -15,	/* input longer than UINT32_MAX */
	BENCODE_ERR_OVERFLOW = -16	/* encoder buffer full */
};

struct bencode_opts
{
	uint32_t	max_depth;		/* nesting cap (KRPC uses 10); 0, or more
								 * than BENCODE_MAX_DEPTH, means that */
	unsigned	allow_trailing:1;	/* stop after the first value;
									 * tokens[0].length = bytes consumed
									 * (ut_metadata data messages) */
	unsigned	allow_unsorted:1;	/* accept unsorted dict keys but report
									 * them in *flags (metainfo from old
									 * clients); duplicates stay errors */
};

/* *flags bit: some dict had keys out of order (only under allow_unsorted) */
#define BENCODE_FLAG_UNSORTED 0x1

/*
 * Decode buf[0..len) into tokens[0..*ntokens) (in: capacity, out: used).
 * Returns 0, or a negative bencode_error with *error_pos set to the offset
 * of the offending byte (len for BENCODE_ERR_EOF).  opts, error_pos and
 * flags may be NULL (NULL opts: strict, depth BENCODE_MAX_DEPTH).
 * Zero-copy: tokens refer to buf.  On failure the tokens are unspecified.
 */
int			bencode_decode(const uint8_t *buf, size_t len,
						   const struct bencode_opts *opts,
						   struct bencode_token *tokens, size_t *ntokens,
						   size_t *error_pos, unsigned *flags);

/* Static English text for a bencode_error ("unknown error" otherwise) */
const char *bencode_strerror(int err);

/* Accessors (tokens from a successful bencode_decode of the same buf) */

/* STR payload and its length in *len; NULL if tok is not a STR */
const uint8_t *bencode_str(const uint8_t *buf, const struct bencode_token *tok,
						   size_t *len);

/* Exact encoded bytes of any value (e.g. the info dict to hash) */
const uint8_t *bencode_raw(const uint8_t *buf, const struct bencode_token *tok,
						   size_t *len);

/* Index of the value for key in the dict at index dict, or -1 */
int			bencode_dict_get(const uint8_t *buf,
							 const struct bencode_token *tokens, size_t ntokens,
							 size_t dict, const char *key, size_t keylen);

/* Like bencode_dict_get, but -1 also when the value is not of type type */
int			bencode_dict_get_type(const uint8_t *buf,
								  const struct bencode_token *tokens,
								  size_t ntokens, size_t dict,
								  const char *key, size_t keylen,
								  enum bencode_type type);

/* Integer value for key into *out; 0 if found and INT, else -1 (*out kept) */
int			bencode_dict_get_int(const uint8_t *buf,
								 const struct bencode_token *tokens,
								 size_t ntokens, size_t dict,
								 const char *key, size_t keylen, int64_t *out);

/* String payload for key (length in *len), or NULL if missing or not STR */
const uint8_t *bencode_dict_get_str(const uint8_t *buf,
									const struct bencode_token *tokens,
									size_t ntokens, size_t dict,
									const char *key, size_t keylen,
									size_t *len);

/* Index of item i of the list at index list, or -1 */
int			bencode_list_at(const struct bencode_token *tokens,
							size_t ntokens, size_t list, size_t i);

/*
 * Encoder into a caller buffer.  Each put either writes its whole value or
 * nothing; the first one that does not fit sets overflow, which is sticky
 * (later puts do nothing), so len <= cap always and nothing is written past
 * cap.  Check bencode_writer_finish() once at the end.  The writer does not
 * sort keys or check nesting: callers emit keys in ascending order.
 */
struct bencode_writer
{
	uint8_t    *buf;
	size_t		cap;
	size_t		len;
	int			overflow;
};

/* Start writing into buf[0..cap) (buf may be NULL when cap is 0) */
void		bencode_writer_init(struct bencode_writer *w, uint8_t *buf,
								size_t cap);

/* Append "i<v>e" (INT64_MIN included) */
void		bencode_put_int(struct bencode_writer *w, int64_t v);

/* Append "<len>:<bytes>" (s may be NULL when len is 0) */
void		bencode_put_str(struct bencode_writer *w, const void *s,
							size_t len);

/* Append a NUL-terminated string as a STR (convenient for keys) */
void		bencode_put_cstr(struct bencode_writer *w, const char *s);

/* Append pre-encoded bytes verbatim (e.g. a stored info dict) */
void		bencode_put_raw(struct bencode_writer *w, const void *s,
							size_t len);

/* Append 'd' */
void		bencode_open_dict(struct bencode_writer *w);

/* Append 'l' */
void		bencode_open_list(struct bencode_writer *w);

/* Append 'e', closing the innermost open dict or list */
void		bencode_close(struct bencode_writer *w);

/* 0 if everything fit, else BENCODE_ERR_OVERFLOW */
int			bencode_writer_finish(const struct bencode_writer *w);

#endif							/* DHT_BENCODE_H */
