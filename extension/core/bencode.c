/*
 * bencode.c
 *		Strict BEP 3 bencode decoder (flat tokens) and bounded encoder.
 *
 * Owns: the byte-level grammar, canonical-form checks (leading zeros, "-0",
 * key order, duplicates), overflow checks on integers and lengths, the caps
 * on depth and token count, and the encoder.  Does not own: key semantics.
 *
 * The decoder is one loop over the input.  Open containers live in an
 * explicit stack (struct frame) of at most BENCODE_MAX_DEPTH entries; every
 * value takes one token, allocated before it is parsed, so tokens come out in
 * pre-order.  A container's length and .next are filled in when its 'e' is
 * read.  Every check that can be decided early is (e.g. "i-0" fails at the
 * '0'), so that BENCODE_ERR_EOF is returned only when more bytes could still
 * make the input valid.
 *
 * Sizes: the input is at most UINT32_MAX bytes and every value takes at
 * least 2 bytes, so token indexes, counts and spans all fit in uint32_t.
 */
#include "bencode.h"

#include <string.h>

#define NO_KEY UINT32_MAX

/* One open container on the decoder's stack */
struct frame
{
	uint32_t	tok;			/* index of the container's token */
	uint32_t	lastkey;		/* dict: previous key's token, or NO_KEY */
	uint8_t		want_value;		/* dict: key read, value next */
	uint8_t		unsorted;		/* dict: keys seen out of order already */
};

struct decoder
{
	const uint8_t *buf;
	size_t		len;
	size_t		pos;			/* next byte; on failure, the error's */
	struct bencode_token *tokens;
	size_t		cap;
	size_t		ntok;
	uint32_t	max_depth;
	uint32_t	depth;
	int			allow_unsorted;
	unsigned	flags;
	struct frame stack[BENCODE_MAX_DEPTH];
};

static int
is_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

/*
 * Parse "i<digits>e" at d->pos into tok.  Overflow is checked on the
 * magnitude before each multiply, against INT64_MAX or, when negative,
 * INT64_MAX + 1, so INT64_MIN is accepted.  On failure d->pos is the byte
 * that made the input invalid (len on EOF).
 */
static int
parse_int(struct decoder *d, struct bencode_token *tok)
{
	size_t		p = d->pos + 1;
	uint64_t	mag = 0;
	uint64_t	limit = (uint64_t) INT64_MAX;
	int			neg = 0;
	int			ndigits = 0;

	if (p < d->len && d->buf[p] == '-')
	{
		neg = 1;
		limit++;
		p++;
	}
	for (; p < d->len && d->buf[p] != 'e'; p++)
	{
		unsigned	digit = (unsigned) d->buf[p] - '0';

		d->pos = p;
		if (!is_digit(d->buf[p]))
			return BENCODE_ERR_SYNTAX;
		if (neg && ndigits == 0 && digit == 0)
			return BENCODE_ERR_NEGATIVE_ZERO;
		if (ndigits == 1 && mag == 0)
			return BENCODE_ERR_LEADING_ZERO;
		if (mag > (limit - digit) / 10)
			return BENCODE_ERR_INT_OVERFLOW;
		mag = mag * 10 + digit;
		ndigits++;
	}
	d->pos = p;
	if (p >= d->len)
		return BENCODE_ERR_EOF;
	if (ndigits == 0)
		return BENCODE_ERR_EMPTY_INT;
	/* mag >= 1 when neg; written so that mag == 2^63 gives INT64_MIN */
	tok->value = neg ? -(int64_t) (mag - 1) - 1 : (int64_t) mag;
	d->pos = p + 1;
	return BENCODE_OK;
}

/*
 * Parse "<length>:<payload>" at d->pos (a digit) into tok.  A length that no
 * input of at most UINT32_MAX bytes could hold is LEN_OVERFLOW; one that only
 * runs past this input is EOF.
 */
static int
parse_str(struct decoder *d, struct bencode_token *tok)
{
	size_t		start = d->pos;
	size_t		p;
	uint64_t	n = 0;

	for (p = start; p < d->len && d->buf[p] != ':'; p++)
	{
		unsigned	digit = (unsigned) d->buf[p] - '0';

		d->pos = p;
		if (!is_digit(d->buf[p]))
			return BENCODE_ERR_EXPECTED_COLON;
		if (p > start && d->buf[start] == '0')
			return BENCODE_ERR_LEADING_ZERO;
		if (n > (UINT32_MAX - digit) / 10)
			return BENCODE_ERR_LEN_OVERFLOW;
		n = n * 10 + digit;
	}
	d->pos = p;
	if (p >= d->len)
		return BENCODE_ERR_EOF;
	/* p < len <= UINT32_MAX, so the subtraction cannot wrap */
	if (n > (uint64_t) UINT32_MAX - (p + 1))
		return BENCODE_ERR_LEN_OVERFLOW;
	if (n > d->len - (p + 1))
	{
		d->pos = d->len;
		return BENCODE_ERR_EOF;
	}
	tok->count = (uint32_t) n;
	d->pos = p + 1 + (size_t) n;
	return BENCODE_OK;
}

/* -1, 0, 1 as key a sorts before, equal to, after key b (raw bytes) */
static int
key_cmp(const struct decoder *d, uint32_t a, uint32_t b)
{
	size_t		alen = 0,
				blen = 0;
	const uint8_t *ap = bencode_str(d->buf, &d->tokens[a], &alen);
	const uint8_t *bp = bencode_str(d->buf, &d->tokens[b], &blen);
	int			c = memcmp(ap, bp, alen < blen ? alen : blen);

	if (c != 0)
		return c < 0 ? -1 : 1;
	if (alen == blen)
		return 0;
	return alen < blen ? -1 : 1;
}

/*
 * Compare key against every earlier key of the dict at index dict (used once
 * the dict is known to be unsorted).  Earlier values are complete, so their
 * .next already skips their subtrees.
 */
static int
find_duplicate(const struct decoder *d, uint32_t dict, uint32_t key)
{
	uint32_t	k = dict + 1;

	while (k < key)
	{
		if (key_cmp(d, k, key) == 0)
			return BENCODE_ERR_DUPLICATE_KEY;
		k = d->tokens[k + 1].next;
	}
	return BENCODE_OK;
}

/*
 * Check the key just parsed (token key) against the dict's previous key.
 * Strictly ascending keys need only that one comparison; once a dict is out
 * of order (tolerated under allow_unsorted) every key is checked against all
 * earlier ones, for at most BENCODE_MAX_UNSORTED_KEYS keys.
 */
static int
check_key(struct decoder *d, struct frame *f, uint32_t key)
{
	int			c;

	if (f->lastkey == NO_KEY)
		return BENCODE_OK;
	c = key_cmp(d, f->lastkey, key);
	if (c == 0)
		return BENCODE_ERR_DUPLICATE_KEY;
	if (c < 0 && !f->unsorted)
		return BENCODE_OK;
	if (!d->allow_unsorted)
		return BENCODE_ERR_UNSORTED_KEYS;
	f->unsorted = 1;
	d->flags |= BENCODE_FLAG_UNSORTED;
	if (d->tokens[f->tok].count > BENCODE_MAX_UNSORTED_KEYS)
		return BENCODE_ERR_UNSORTED_KEYS;
	return find_duplicate(d, f->tok, key);
}

/* Read the 'e' that ends the innermost container */
static int
close_container(struct decoder *d)
{
	struct frame *f = &d->stack[d->depth - 1];
	struct bencode_token *tok = &d->tokens[f->tok];

	if (f->want_value)
		return BENCODE_ERR_SYNTAX;	/* a key without its value */
	d->pos++;
	tok->length = (uint32_t) (d->pos - tok->offset);
	tok->next = (uint32_t) d->ntok;
	d->depth--;
	return BENCODE_OK;
}

/* Push the list or dict whose token is idx, if the depth cap allows */
static int
open_container(struct decoder *d, uint32_t idx, uint8_t type)
{
	struct frame *f;

	if (d->depth >= d->max_depth)
		return BENCODE_ERR_DEPTH;
	d->tokens[idx].type = type;
	f = &d->stack[d->depth++];
	f->tok = idx;
	f->lastkey = NO_KEY;
	f->want_value = 0;
	f->unsorted = 0;
	d->pos++;
	return BENCODE_OK;
}

/*
 * Parse the value starting at d->pos (not a closing 'e') and record it in
 * a new token and in its parent's frame.  Containers are only opened here;
 * their children come on later iterations of the caller's loop.
 */
static int
decode_item(struct decoder *d)
{
	struct frame *parent = d->depth > 0 ? &d->stack[d->depth - 1] : NULL;
	int			is_key = 0;
	uint8_t		c = d->buf[d->pos];
	uint32_t	idx;
	struct bencode_token *tok;
	int			rc;

	if (parent && d->tokens[parent->tok].type == BENCODE_DICT)
	{
		is_key = !parent->want_value;
		if (is_key && !is_digit(c))
			return (c == 'i' || c == 'l' || c == 'd') ?
				BENCODE_ERR_KEY_NOT_STRING : BENCODE_ERR_SYNTAX;
		parent->want_value = (uint8_t) is_key;
	}
	if (d->ntok >= d->cap)
		return BENCODE_ERR_TOO_MANY_TOKENS;
	idx = (uint32_t) d->ntok++;
	tok = &d->tokens[idx];
	memset(tok, 0, sizeof(*tok));
	tok->offset = (uint32_t) d->pos;
	tok->next = idx + 1;
	if (parent && (is_key || d->tokens[parent->tok].type == BENCODE_LIST))
		d->tokens[parent->tok].count++;

	if (c == 'l' || c == 'd')
		return open_container(d, idx, c == 'l' ? BENCODE_LIST : BENCODE_DICT);
	if (c == 'i')
	{
		tok->type = BENCODE_INT;
		rc = parse_int(d, tok);
	}
	else if (is_digit(c))
	{
		tok->type = BENCODE_STR;
		rc = parse_str(d, tok);
	}
	else
		return BENCODE_ERR_SYNTAX;
	if (rc != BENCODE_OK)
		return rc;
	tok->length = (uint32_t) (d->pos - tok->offset);
	if (is_key)
	{
		rc = check_key(d, parent, idx);
		if (rc != BENCODE_OK)
		{
			d->pos = tok->offset;
			return rc;
		}
		parent->lastkey = idx;
	}
	return BENCODE_OK;
}

/* Parse one complete top-level value; d->pos ends just past it */
static int
decode_value(struct decoder *d)
{
	int			rc;

	do
	{
		if (d->pos >= d->len)
		{
			d->pos = d->len;
			return BENCODE_ERR_EOF;
		}
		if (d->depth > 0 && d->buf[d->pos] == 'e')
			rc = close_container(d);
		else
			rc = decode_item(d);
		if (rc != BENCODE_OK)
			return rc;
	} while (d->depth > 0);
	return BENCODE_OK;
}

/*
 * Decode buf[0..len) into the caller's tokens; see bencode.h for the
 * contract.  The decoder state (with its stack) lives on the C stack.
 */
int
bencode_decode(const uint8_t *buf, size_t len,
			   const struct bencode_opts *opts,
			   struct bencode_token *tokens, size_t *ntokens,
			   size_t *error_pos, unsigned *flags)
{
	struct decoder d;
	int			rc;

	d.buf = buf;
	d.len = len;
	d.pos = 0;
	d.tokens = tokens;
	d.cap = *ntokens;
	d.ntok = 0;
	d.depth = 0;
	d.flags = 0;
	d.max_depth = BENCODE_MAX_DEPTH;
	d.allow_unsorted = 0;
	if (opts)
	{
		if (opts->max_depth > 0 && opts->max_depth < BENCODE_MAX_DEPTH)
			d.max_depth = opts->max_depth;
		d.allow_unsorted = opts->allow_unsorted;
	}

	if (len > UINT32_MAX)
		rc = BENCODE_ERR_TOO_LARGE;
	else
		rc = decode_value(&d);
	if (rc == BENCODE_OK && d.pos < len &&
		!(opts && opts->allow_trailing))
		rc = BENCODE_ERR_TRAILING;

	*ntokens = d.ntok;
	if (rc != BENCODE_OK && error_pos)
		*error_pos = d.pos;
	if (flags)
		*flags = d.flags;
	return rc;
}

/* Static text for each bencode_error */
const char *
bencode_strerror(int err)
{
	switch ((enum bencode_error) err)
	{
		case BENCODE_OK:
			return "success";
		case BENCODE_ERR_EOF:
			return "unexpected end of input";
		case BENCODE_ERR_SYNTAX:
			return "unexpected byte";
		case BENCODE_ERR_LEADING_ZERO:
			return "leading zero in integer or string length";
		case BENCODE_ERR_NEGATIVE_ZERO:
			return "negative zero integer";
		case BENCODE_ERR_EMPTY_INT:
			return "integer without digits";
		case BENCODE_ERR_INT_OVERFLOW:
			return "integer overflows 64 bits";
		case BENCODE_ERR_LEN_OVERFLOW:
			return "string length too large";
		case BENCODE_ERR_EXPECTED_COLON:
			return "expected digit or colon in string length";
		case BENCODE_ERR_KEY_NOT_STRING:
			return "dictionary key is not a string";
		case BENCODE_ERR_UNSORTED_KEYS:
			return "dictionary keys not in sorted order";
		case BENCODE_ERR_DUPLICATE_KEY:
			return "duplicate dictionary key";
		case BENCODE_ERR_DEPTH:
			return "nesting too deep";
		case BENCODE_ERR_TOO_MANY_TOKENS:
			return "too many values";
		case BENCODE_ERR_TRAILING:
			return "trailing data after value";
		case BENCODE_ERR_TOO_LARGE:
			return "input too large";
		case BENCODE_ERR_OVERFLOW:
			return "output buffer full";
	}
	return "unknown error";
}

/* ------------------------------------------------------------------------
 * Accessors
 * ------------------------------------------------------------------------
 */

/* STR payload: the last .count bytes of the raw span */
const uint8_t *
bencode_str(const uint8_t *buf, const struct bencode_token *tok, size_t *len)
{
	if (tok->type != BENCODE_STR)
		return NULL;
	*len = tok->count;
	return buf + tok->offset + (tok->length - tok->count);
}

/* The value's exact encoded bytes */
const uint8_t *
bencode_raw(const uint8_t *buf, const struct bencode_token *tok, size_t *len)
{
	*len = tok->length;
	return buf + tok->offset;
}

/*
 * Linear scan of the dict's pairs (sorted order is not relied on, so dicts
 * accepted under allow_unsorted work too).  Indexes are checked against
 * ntokens so a bad dict index cannot walk off the array.
 */
int
bencode_dict_get(const uint8_t *buf, const struct bencode_token *tokens,
				 size_t ntokens, size_t dict, const char *key, size_t keylen)
{
	size_t		k;
	uint32_t	i;

	if (dict >= ntokens || tokens[dict].type != BENCODE_DICT ||
		tokens[dict].next > ntokens || ntokens > INT32_MAX)
		return -1;
	k = dict + 1;
	for (i = 0; i < tokens[dict].count && k + 1 < ntokens; i++)
	{
		size_t		len;
		const uint8_t *s = bencode_str(buf, &tokens[k], &len);

		if (s && len == keylen && (keylen == 0 || memcmp(s, key, keylen) == 0))
			return (int) (k + 1);
		k = tokens[k + 1].next;
	}
	return -1;
}

/* bencode_dict_get restricted to values of one type */
int
bencode_dict_get_type(const uint8_t *buf, const struct bencode_token *tokens,
					  size_t ntokens, size_t dict, const char *key,
					  size_t keylen, enum bencode_type type)
{
	int			v;

	v = bencode_dict_get(buf, tokens, ntokens, dict, key, keylen);
	if (v < 0 || tokens[v].type != type)
		return -1;
	return v;
}

/* The INT value for key, into *out */
int
bencode_dict_get_int(const uint8_t *buf, const struct bencode_token *tokens,
					 size_t ntokens, size_t dict, const char *key,
					 size_t keylen, int64_t *out)
{
	int			v = bencode_dict_get_type(buf, tokens, ntokens, dict, key,
										  keylen, BENCODE_INT);

	if (v < 0)
		return -1;
	*out = tokens[v].value;
	return 0;
}

/* The STR payload for key */
const uint8_t *
bencode_dict_get_str(const uint8_t *buf, const struct bencode_token *tokens,
					 size_t ntokens, size_t dict, const char *key,
					 size_t keylen, size_t *len)
{
	int			v;

	v = bencode_dict_get(buf, tokens, ntokens, dict, key, keylen);
	if (v < 0)
		return NULL;
	return bencode_str(buf, &tokens[v], len);
}

/* Walk i siblings from the list's first item */
int
bencode_list_at(const struct bencode_token *tokens, size_t ntokens,
				size_t list, size_t i)
{
	size_t		k;
	size_t		j;

	if (list >= ntokens || tokens[list].type != BENCODE_LIST ||
		i >= tokens[list].count || ntokens > INT32_MAX)
		return -1;
	k = list + 1;
	for (j = 0; j < i && k < ntokens; j++)
		k = tokens[k].next;
	return k < ntokens ? (int) k : -1;
}

/* ------------------------------------------------------------------------
 * Encoder
 * ------------------------------------------------------------------------
 */

/* Append n bytes whole, or set the sticky overflow and append nothing */
static void
writer_put(struct bencode_writer *w, const void *p, size_t n)
{
	if (w->overflow)
		return;
	if (n > w->cap - w->len)
	{
		w->overflow = 1;
		return;
	}
	if (n > 0)
		memcpy(w->buf + w->len, p, n);
	w->len += n;
}

/* Write v's decimal digits ending just before end; returns the first digit */
static uint8_t *
format_u64(uint8_t *end, uint64_t v)
{
	do
	{
		*--end = (uint8_t) ('0' + v % 10);
		v /= 10;
	} while (v != 0);
	return end;
}

void
bencode_writer_init(struct bencode_writer *w, uint8_t *buf, size_t cap)
{
	w->buf = buf;
	w->cap = buf ? cap : 0;
	w->len = 0;
	w->overflow = 0;
}

/* The magnitude is taken in uint64_t so that INT64_MIN needs no negation */
void
bencode_put_int(struct bencode_writer *w, int64_t v)
{
	uint8_t		tmp[BENCODE_INT_MAX_LEN];
	uint8_t    *end = tmp + sizeof(tmp);
	uint8_t    *p;
	uint64_t	mag = v < 0 ? (uint64_t) (-(v + 1)) + 1 : (uint64_t) v;

	*--end = 'e';
	p = format_u64(end, mag);
	if (v < 0)
		*--p = '-';
	*--p = 'i';
	writer_put(w, p, (size_t) (tmp + sizeof(tmp) - p));
}

/* Header and payload are checked together so a STR is never half-written */
void
bencode_put_str(struct bencode_writer *w, const void *s, size_t len)
{
	uint8_t		tmp[24];
	uint8_t    *end = tmp + sizeof(tmp);
	uint8_t    *p;
	size_t		hlen;

	*--end = ':';
	p = format_u64(end, (uint64_t) len);
	hlen = (size_t) (tmp + sizeof(tmp) - p);
	if (w->overflow)
		return;
	if (len > w->cap - w->len || hlen > w->cap - w->len - len)
	{
		w->overflow = 1;
		return;
	}
	writer_put(w, p, hlen);
	writer_put(w, s, len);
}

void
bencode_put_cstr(struct bencode_writer *w, const char *s)
{
	bencode_put_str(w, s, strlen(s));
}

void
bencode_put_raw(struct bencode_writer *w, const void *s, size_t len)
{
	writer_put(w, s, len);
}

void
bencode_open_dict(struct bencode_writer *w)
{
	writer_put(w, "d", 1);
}

void
bencode_open_list(struct bencode_writer *w)
{
	writer_put(w, "l", 1);
}

void
bencode_close(struct bencode_writer *w)
{
	writer_put(w, "e", 1);
}

int
bencode_writer_finish(const struct bencode_writer *w)
{
	return w->overflow ? BENCODE_ERR_OVERFLOW : BENCODE_OK;
}
