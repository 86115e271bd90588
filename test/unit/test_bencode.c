/*
 * test_bencode.c
 *		Unit tests of extension/core/bencode.c.
 *
 * Every decoder input sits flush against a PROT_NONE page (unit_guarded_copy)
 * so that reading buf[len] crashes.  The case list follows libtorrent's
 * test_bdecode.cpp checklist (ints, strings, containers, caps, EOF at every
 * position, key order) with our own inputs, plus spans, sibling skipping,
 * lookups, and the encoder (round trips, overflow at every capacity).
 * Every successful decode is also re-encoded from its tokens and compared
 * with the input, which checks each token's offset, span and .next.
 */
#include "bencode.h"
#include "unit.h"

#include <stdint.h>

#define TOKCAP 4096
#define END ((long) -1)			/* expected error position: len */
#define S(lit) lit, sizeof(lit) - 1

/* option bits for the tables */
#define TRAIL 1
#define UNSORT 2

/* short names that keep table rows on one line */
#define FLAG_U BENCODE_FLAG_UNSORTED
#define DUP BENCODE_ERR_DUPLICATE_KEY

static struct bencode_token tokens[TOKCAP];
static uint8_t outbuf[1 << 16];

/*
 * Re-encode tokens[0..ntok) through the writer, checking that each value's
 * encoding starts at its .offset and spans its .length, and that scalars'
 * .next is the following index.  Returns bytes written, or -1.
 */
static long
reencode(const uint8_t *buf, const struct bencode_token *t, size_t ntok,
		 uint8_t *out, size_t cap)
{
	struct bencode_writer w;
	uint32_t	open[BENCODE_MAX_DEPTH];
	size_t		depth = 0;
	size_t		i;
	const uint8_t *s;
	size_t		slen;

	bencode_writer_init(&w, out, cap);
	for (i = 0; i <= ntok; i++)
	{
		while (depth > 0 && t[open[depth - 1]].next == i)
		{
			bencode_close(&w);
			depth--;
			if (w.len - t[open[depth]].offset != t[open[depth]].length)
				return -1;
		}
		if (i == ntok)
			break;
		if (w.len != t[i].offset)
			return -1;
		if (t[i].type == BENCODE_LIST || t[i].type == BENCODE_DICT)
		{
			if (depth == BENCODE_MAX_DEPTH || t[i].next <= i)
				return -1;
			if (t[i].type == BENCODE_LIST)
				bencode_open_list(&w);
			else
				bencode_open_dict(&w);
			open[depth++] = (uint32_t) i;
			continue;
		}
		if (t[i].type == BENCODE_INT)
			bencode_put_int(&w, t[i].value);
		else if ((s = bencode_str(buf, &t[i], &slen)) != NULL)
			bencode_put_str(&w, s, slen);
		else
			return -1;
		if (w.len - t[i].offset != t[i].length || t[i].next != i + 1)
			return -1;
	}
	if (depth != 0 || bencode_writer_finish(&w) != 0)
		return -1;
	return (long) w.len;
}

/* Decode in[0..len) from a guard-page copy with the given knobs */
static int
decode_opts(const char *in, size_t len, uint32_t depth, unsigned opt,
			size_t cap, size_t *ntok, size_t *epos, unsigned *flags,
			struct unit_guarded *g)
{
	struct bencode_opts o;

	memset(&o, 0, sizeof(o));
	o.max_depth = depth;
	o.allow_trailing = (opt & TRAIL) != 0;
	o.allow_unsorted = (opt & UNSORT) != 0;
	*g = unit_guarded_copy(in, len);
	*ntok = cap;
	*epos = (size_t) -7;
	*flags = 99;
	return bencode_decode(g->data, len, &o, tokens, ntok, epos, flags);
}

/* ------------------------------------------------------------------------
 * Decoder: one line per input
 * ------------------------------------------------------------------------
 */
struct dcase
{
	const char *in;
	size_t		len;
	uint32_t	depth;			/* opts.max_depth (0: BENCODE_MAX_DEPTH) */
	unsigned	opt;			/* TRAIL, UNSORT */
	size_t		cap;			/* token capacity (0: TOKCAP) */
	int			rc;
	long		pos;			/* error position, END for len */
	int			ntok;			/* tokens used on success, -1: any */
	unsigned	flags;			/* *flags on success */
};

static const struct dcase dcases[] = {
	/* integers */
	{S("i0e"), 0, 0, 0, BENCODE_OK, 0, 1, 0},
	{S("i42e"), 0, 0, 0, BENCODE_OK, 0, 1, 0},
	{S("i-42e"), 0, 0, 0, BENCODE_OK, 0, 1, 0},
	{S("i9223372036854775807e"), 0, 0, 0, BENCODE_OK, 0, 1, 0},
	{S("i-9223372036854775808e"), 0, 0, 0, BENCODE_OK, 0, 1, 0},
	{S("i9223372036854775808e"), 0, 0, 0, BENCODE_ERR_INT_OVERFLOW, 19, -1, 0},
	{S("i-9223372036854775809e"), 0, 0, 0, BENCODE_ERR_INT_OVERFLOW, 20, -1, 0},
	{S("i99999999999999999999e"), 0, 0, 0, BENCODE_ERR_INT_OVERFLOW, 19, -1, 0},
	{S("i-99999999999999999999"), 0, 0, 0, BENCODE_ERR_INT_OVERFLOW, 20, -1, 0},
	{S("i00e"), 0, 0, 0, BENCODE_ERR_LEADING_ZERO, 2, -1, 0},
	{S("i07e"), 0, 0, 0, BENCODE_ERR_LEADING_ZERO, 2, -1, 0},
	{S("i-0e"), 0, 0, 0, BENCODE_ERR_NEGATIVE_ZERO, 2, -1, 0},
	{S("i-07e"), 0, 0, 0, BENCODE_ERR_NEGATIVE_ZERO, 2, -1, 0},
	{S("i-0"), 0, 0, 0, BENCODE_ERR_NEGATIVE_ZERO, 2, -1, 0},
	{S("ie"), 0, 0, 0, BENCODE_ERR_EMPTY_INT, 1, -1, 0},
	{S("i-e"), 0, 0, 0, BENCODE_ERR_EMPTY_INT, 2, -1, 0},
	{S("i"), 0, 0, 0, BENCODE_ERR_EOF, END, -1, 0},
	{S("i-"), 0, 0, 0, BENCODE_ERR_EOF, END, -1, 0},
	{S("i123"), 0, 0, 0, BENCODE_ERR_EOF, END, -1, 0},
	{S("i0"), 0, 0, 0, BENCODE_ERR_EOF, END, -1, 0},
	{S("i12x4e"), 0, 0, 0, BENCODE_ERR_SYNTAX, 3, -1, 0},
	{S("i+1e"), 0, 0, 0, BENCODE_ERR_SYNTAX, 1, -1, 0},
	{S("i 1e"), 0, 0, 0, BENCODE_ERR_SYNTAX, 1, -1, 0},
	{S("i1-2e"), 0, 0, 0, BENCODE_ERR_SYNTAX, 2, -1, 0},
	{S("i--1e"), 0, 0, 0, BENCODE_ERR_SYNTAX, 2, -1, 0},
	{S("i1.5e"), 0, 0, 0, BENCODE_ERR_SYNTAX, 2, -1, 0},
	{S("i0x1e"), 0, 0, 0, BENCODE_ERR_SYNTAX, 2, -1, 0},
	{S("i1\0e"), 0, 0, 0, BENCODE_ERR_SYNTAX, 2, -1, 0},
	{S("I1e"), 0, 0, 0, BENCODE_ERR_SYNTAX, 0, -1, 0},
	/* strings */
	{S("0:"), 0, 0, 0, BENCODE_OK, 0, 1, 0},
	{S("5:hello"), 0, 0, 0, BENCODE_OK, 0, 1, 0},
	{S("4:\0\xff\0e"), 0, 0, 0, BENCODE_OK, 0, 1, 0},
	{S("3:a:b"), 0, 0, 0, BENCODE_OK, 0, 1, 0},
	{S("00:"), 0, 0, 0, BENCODE_ERR_LEADING_ZERO, 1, -1, 0},
	{S("01:a"), 0, 0, 0, BENCODE_ERR_LEADING_ZERO, 1, -1, 0},
	{S("4294967296:"), 0, 0, 0, BENCODE_ERR_LEN_OVERFLOW, 9, -1, 0},
	{S("18446744073709551616:x"), 0, 0, 0, BENCODE_ERR_LEN_OVERFLOW, 10, -1, 0},
	{S("4294967295:abc"), 0, 0, 0, BENCODE_ERR_LEN_OVERFLOW, 10, -1, 0},
	{S("4294967284:abc"), 0, 0, 0, BENCODE_ERR_EOF, END, -1, 0},
	{S("99999999:abc"), 0, 0, 0, BENCODE_ERR_EOF, END, -1, 0},
	{S("5:abcd"), 0, 0, 0, BENCODE_ERR_EOF, END, -1, 0},
	{S("12"), 0, 0, 0, BENCODE_ERR_EOF, END, -1, 0},
	{S("0"), 0, 0, 0, BENCODE_ERR_EOF, END, -1, 0},
	{S("5x"), 0, 0, 0, BENCODE_ERR_EXPECTED_COLON, 1, -1, 0},
	{S("0x"), 0, 0, 0, BENCODE_ERR_EXPECTED_COLON, 1, -1, 0},
	{S("5-:abcde"), 0, 0, 0, BENCODE_ERR_EXPECTED_COLON, 1, -1, 0},
	{S("-1:a"), 0, 0, 0, BENCODE_ERR_SYNTAX, 0, -1, 0},
	{S(":a"), 0, 0, 0, BENCODE_ERR_SYNTAX, 0, -1, 0},
	/* lists */
	{S("le"), 0, 0, 0, BENCODE_OK, 0, 1, 0},
	{S("llee"), 0, 0, 0, BENCODE_OK, 0, 2, 0},
	{S("li1e3:abce"), 0, 0, 0, BENCODE_OK, 0, 3, 0},
	{S("lli1eeli2eee"), 0, 0, 0, BENCODE_OK, 0, 5, 0},
	{S("l"), 0, 0, 0, BENCODE_ERR_EOF, END, -1, 0},
	{S("lle"), 0, 0, 0, BENCODE_ERR_EOF, END, -1, 0},
	{S("l2:ab"), 0, 0, 0, BENCODE_ERR_EOF, END, -1, 0},
	{S("l2:ab0"), 0, 0, 0, BENCODE_ERR_EOF, END, -1, 0},
	{S("lxe"), 0, 0, 0, BENCODE_ERR_SYNTAX, 1, -1, 0},
	{S("l-1e"), 0, 0, 0, BENCODE_ERR_SYNTAX, 1, -1, 0},
	/* dicts */
	{S("de"), 0, 0, 0, BENCODE_OK, 0, 1, 0},
	{S("d3:bar4:spam3:fooi42ee"), 0, 0, 0, BENCODE_OK, 0, 5, 0},
	{S("d1:ad1:bl1:ceee"), 0, 0, 0, BENCODE_OK, 0, 6, 0},
	{S("d1:ai1e2:abi2ee"), 0, 0, 0, BENCODE_OK, 0, 5, 0},
	{S("d2:aai1e2:abi2ee"), 0, 0, 0, BENCODE_OK, 0, 5, 0},
	{S("d0:i1e1:\0i2ee"), 0, 0, 0, BENCODE_OK, 0, 5, 0},
	{S("d3:a\0bi1ee"), 0, 0, 0, BENCODE_OK, 0, 3, 0},
	{S("d1:\x7fi1e1:\x80i2ee"), 0, 0, 0, BENCODE_OK, 0, 5, 0},
	{S("d"), 0, 0, 0, BENCODE_ERR_EOF, END, -1, 0},
	{S("d1:a"), 0, 0, 0, BENCODE_ERR_EOF, END, -1, 0},
	{S("d1000:ab"), 0, 0, 0, BENCODE_ERR_EOF, END, -1, 0},
	{S("d1000"), 0, 0, 0, BENCODE_ERR_EOF, END, -1, 0},
	{S("d1:ae"), 0, 0, 0, BENCODE_ERR_SYNTAX, 4, -1, 0},
	{S("d1:ai1e1:be"), 0, 0, 0, BENCODE_ERR_SYNTAX, 10, -1, 0},
	{S("di1ei2ee"), 0, 0, 0, BENCODE_ERR_KEY_NOT_STRING, 1, -1, 0},
	{S("dlei1ee"), 0, 0, 0, BENCODE_ERR_KEY_NOT_STRING, 1, -1, 0},
	{S("ddei1ee"), 0, 0, 0, BENCODE_ERR_KEY_NOT_STRING, 1, -1, 0},
	{S("d1:ai1ei2ei3ee"), 0, 0, 0, BENCODE_ERR_KEY_NOT_STRING, 7, -1, 0},
	{S("dxe"), 0, 0, 0, BENCODE_ERR_SYNTAX, 1, -1, 0},
	{S("d-1:ae"), 0, 0, 0, BENCODE_ERR_SYNTAX, 1, -1, 0},
	{S("d01:ai1ee"), 0, 0, 0, BENCODE_ERR_LEADING_ZERO, 2, -1, 0},
	{S("d1:bi1e1:ai2ee"), 0, 0, 0, BENCODE_ERR_UNSORTED_KEYS, 7, -1, 0},
	{S("d2:abi1e1:ai2ee"), 0, 0, 0, BENCODE_ERR_UNSORTED_KEYS, 8, -1, 0},
	{S("d1:\x80i1e1:\x7fi2ee"), 0, 0, 0, BENCODE_ERR_UNSORTED_KEYS, 7, -1, 0},
	{S("d1:ai1e1:ai2ee"), 0, 0, 0, BENCODE_ERR_DUPLICATE_KEY, 7, -1, 0},
	{S("d0:i1e0:i2ee"), 0, 0, 0, BENCODE_ERR_DUPLICATE_KEY, 6, -1, 0},
	{S("dd1:bi1e1:ai2eee"), 0, 0, 0, BENCODE_ERR_KEY_NOT_STRING, 1, -1, 0},
	{S("l d1:bi1e1:ai2ee e"), 0, 0, 0, BENCODE_ERR_SYNTAX, 1, -1, 0},
	{S("ld1:bi1e1:ai2eee"), 0, 0, 0, BENCODE_ERR_UNSORTED_KEYS, 8, -1, 0},
	/* unsorted keys tolerated, flagged; duplicates still refused */
	{S("d1:bi1e1:ai2ee"), 0, UNSORT, 0, BENCODE_OK, 0, 5, FLAG_U},
	{S("d1:ci1e1:ai2e1:bi3ee"), 0, UNSORT, 0, BENCODE_OK, 0, 7, FLAG_U},
	{S("d1:ai1e1:bi2ee"), 0, UNSORT, 0, BENCODE_OK, 0, 5, 0},
	{S("ld1:bi1e1:ai2eedee"), 0, UNSORT, 0, BENCODE_OK, 0, 7, FLAG_U},
	{S("d1:ai1e1:ai2ee"), 0, UNSORT, 0, DUP, 7, -1, 0},
	{S("d1:bi1e1:ai2e1:bi3ee"), 0, UNSORT, 0, DUP, 13, -1, 0},
	{S("d1:ci1e1:ai2e1:bi3e1:ci4ee"), 0, UNSORT, 0, DUP, 19, -1, 0},
	{S("d1:bli1ee1:ai2e1:bi3ee"), 0, UNSORT, 0, DUP, 15, -1, 0},
	/* top level, trailing data */
	{S(""), 0, 0, 0, BENCODE_ERR_EOF, END, -1, 0},
	{S("e"), 0, 0, 0, BENCODE_ERR_SYNTAX, 0, -1, 0},
	{S("x"), 0, 0, 0, BENCODE_ERR_SYNTAX, 0, -1, 0},
	{S("i1ei2e"), 0, 0, 0, BENCODE_ERR_TRAILING, 3, -1, 0},
	{S("lee"), 0, 0, 0, BENCODE_ERR_TRAILING, 2, -1, 0},
	{S("0:x"), 0, 0, 0, BENCODE_ERR_TRAILING, 2, -1, 0},
	{S("de\0"), 0, 0, 0, BENCODE_ERR_TRAILING, 2, -1, 0},
	{S("i1ei2e"), 0, TRAIL, 0, BENCODE_OK, 0, 1, 0},
	{S("d1:ai1ee\x01\x02\x03"), 0, TRAIL, 0, BENCODE_OK, 0, 3, 0},
	{S("d1:ai1ee"), 0, TRAIL, 0, BENCODE_OK, 0, 3, 0},
	{S("d1:ai1"), 0, TRAIL, 0, BENCODE_ERR_EOF, END, -1, 0},
	/* token cap: exact, exceeded */
	{S("li1ei2ei3ee"), 0, 0, 4, BENCODE_OK, 0, 4, 0},
	{S("li1ei2ei3ee"), 0, 0, 3, BENCODE_ERR_TOO_MANY_TOKENS, 7, -1, 0},
	{S("d1:ai1ee"), 0, 0, 2, BENCODE_ERR_TOO_MANY_TOKENS, 4, -1, 0},
	{S("i1e"), 0, 0, 1, BENCODE_OK, 0, 1, 0},
	/* depth: the cap counts open containers */
	{S("i1e"), 1, 0, 0, BENCODE_OK, 0, 1, 0},
	{S("le"), 1, 0, 0, BENCODE_OK, 0, 1, 0},
	{S("llee"), 1, 0, 0, BENCODE_ERR_DEPTH, 1, -1, 0},
	{S("ld1:alleeee"), 2, 0, 0, BENCODE_ERR_DEPTH, 5, -1, 0},
	{S("ld1:alleeee"), 3, 0, 0, BENCODE_ERR_DEPTH, 6, -1, 0},
	{S("ld1:alleeee"), 4, 0, 0, BENCODE_OK, 0, 5, 0},
};

/* One row: rc, position, token count, flags, and the re-encoding */
static void
run_dcase(const struct dcase *c, int row)
{
	struct unit_guarded g;
	size_t		ntok;
	size_t		epos;
	unsigned	flags;
	size_t		cap = c->cap == 0 ? TOKCAP : c->cap;
	size_t		want_pos = c->pos == END ? c->len : (size_t) c->pos;
	int			rc;
	long		n;

	if (cap > TOKCAP)
		cap = TOKCAP;
	rc = decode_opts(c->in, c->len, c->depth, c->opt, cap, &ntok, &epos,
					 &flags, &g);
	CHECKF(rc == c->rc, "row %d: rc %d (%s), want %d", row, rc,
		   bencode_strerror(rc), c->rc);
	if (rc != BENCODE_OK)
		CHECKF(epos == want_pos, "row %d: error_pos %zu, want %zu", row,
			   epos, want_pos);
	else
	{
		CHECKF(c->ntok < 0 || ntok == (size_t) c->ntok,
			   "row %d: ntok %zu, want %d", row, ntok, c->ntok);
		CHECKF(flags == c->flags, "row %d: flags %u", row, flags);
		n = reencode(g.data, tokens, ntok, outbuf, sizeof(outbuf));
		CHECKF(n >= 0 && (size_t) n == tokens[0].length &&
			   memcmp(outbuf, c->in, (size_t) n) == 0 &&
			   ((c->opt & TRAIL) || (size_t) n == c->len),
			   "row %d: re-encoding differs", row);
	}
	unit_guarded_free(&g);
}

/* ------------------------------------------------------------------------
 * Integer values and token fields
 * ------------------------------------------------------------------------
 */
static const struct
{
	const char *in;
	int64_t		value;
}			intcases[] = {
	{"i0e", 0},
	{"i1e", 1},
	{"i-1e", -1},
	{"i10e", 10},
	{"i1234567890e", INT64_C(1234567890)},
	{"i9223372036854775807e", INT64_MAX},
	{"i-9223372036854775807e", -INT64_MAX},
	{"i-9223372036854775808e", INT64_MIN},
	{"i4294967296e", INT64_C(4294967296)},
};

static void
test_int_values(void)
{
	size_t		i;

	for (i = 0; i < sizeof(intcases) / sizeof(intcases[0]); i++)
	{
		struct unit_guarded g;
		size_t		ntok,
					epos;
		unsigned	flags;
		int			rc = decode_opts(intcases[i].in, strlen(intcases[i].in),
									 0, 0, TOKCAP, &ntok, &epos, &flags, &g);

		CHECKF(rc == 0 && tokens[0].type == BENCODE_INT &&
			   tokens[0].value == intcases[i].value &&
			   tokens[0].count == 0 && tokens[0].offset == 0 &&
			   tokens[0].length == strlen(intcases[i].in) &&
			   tokens[0].next == 1,
			   "int %s", intcases[i].in);
		unit_guarded_free(&g);
	}
}

/* A STR token's fields and payload pointer, on binary data */
static void
test_str_fields(void)
{
	static const char in[] = "l0:4:\0\xff:e12:abcdefghijkle";
	struct unit_guarded g;
	size_t		ntok,
				epos,
				len = 99;
	unsigned	flags;
	const uint8_t *p;
	int			rc = decode_opts(in, sizeof(in) - 1, 0, 0, TOKCAP, &ntok,
								 &epos, &flags, &g);

	CHECK(rc == 0 && ntok == 4 && tokens[0].count == 3);
	p = bencode_str(g.data, &tokens[1], &len);
	CHECK(p == g.data + 3 && len == 0 && tokens[1].length == 2);
	p = bencode_str(g.data, &tokens[2], &len);
	CHECK(p == g.data + 5 && len == 4 && memcmp(p, "\0\xff:e", 4) == 0);
	p = bencode_str(g.data, &tokens[3], &len);
	CHECK(p == g.data + 12 && len == 12 && tokens[3].length == 15 &&
		  tokens[3].offset == 9);
	CHECK(bencode_str(g.data, &tokens[0], &len) == NULL);
	unit_guarded_free(&g);
}

/* ------------------------------------------------------------------------
 * Depth and token caps on generated inputs
 * ------------------------------------------------------------------------
 */
static const struct
{
	uint32_t	cap;			/* opts.max_depth */
	int			nest;			/* containers nested */
	char		kind;			/* 'l' lists, 'd' dicts with key "a" */
	int			rc;
	long		pos;
}			depthcases[] = {
	{10, 10, 'l', BENCODE_OK, 0},
	{10, 11, 'l', BENCODE_ERR_DEPTH, 10},
	{10, 10, 'd', BENCODE_OK, 0},
	{10, 11, 'd', BENCODE_ERR_DEPTH, 40},
	{10, 5000, 'l', BENCODE_ERR_DEPTH, 10},
	{1, 1, 'd', BENCODE_OK, 0},
	{1, 2, 'l', BENCODE_ERR_DEPTH, 1},
	{0, BENCODE_MAX_DEPTH, 'l', BENCODE_OK, 0},
	{0, BENCODE_MAX_DEPTH + 1, 'l', BENCODE_ERR_DEPTH, BENCODE_MAX_DEPTH},
	{BENCODE_MAX_DEPTH, BENCODE_MAX_DEPTH, 'd', BENCODE_OK, 0},
	{100000, BENCODE_MAX_DEPTH + 1, 'l', BENCODE_ERR_DEPTH, BENCODE_MAX_DEPTH},
	{0, 100000, 'd', BENCODE_ERR_DEPTH, 4 * BENCODE_MAX_DEPTH},
};

/* "d1:a" or "l" nest times, "i0e" inside dicts, then the closing 'e's */
static size_t
make_nested(char *out, char kind, int nest)
{
	size_t		n = 0;
	int			i;

	for (i = 0; i < nest; i++)
	{
		memcpy(out + n, kind == 'l' ? "l" : "d1:a", kind == 'l' ? 1 : 4);
		n += kind == 'l' ? 1 : 4;
	}
	if (kind == 'd')
	{
		memcpy(out + n, "i0e", 3);
		n += 3;
	}
	memset(out + n, 'e', (size_t) nest);
	return n + (size_t) nest;
}

static void
test_depth(void)
{
	static char in[600000];
	size_t		i;

	for (i = 0; i < sizeof(depthcases) / sizeof(depthcases[0]); i++)
	{
		struct unit_guarded g;
		size_t		ntok,
					epos;
		unsigned	flags;
		size_t		len = make_nested(in, depthcases[i].kind,
									  depthcases[i].nest);
		int			rc = decode_opts(in, len, depthcases[i].cap, 0, TOKCAP,
									 &ntok, &epos, &flags, &g);

		CHECKF(rc == depthcases[i].rc, "depth row %zu: rc %d", i, rc);
		CHECKF(rc == 0 || epos == (size_t) depthcases[i].pos,
			   "depth row %zu: pos %zu", i, epos);
		if (rc == 0)
			CHECKF(reencode(g.data, tokens, ntok, outbuf, sizeof(outbuf))
				   == (long) len, "depth row %zu: re-encoding", i);
		unit_guarded_free(&g);
	}
}

/*
 * A list of 1000 ints needs 1001 tokens: exactly that many pass, one fewer
 * fails at the last int.  A 1000-key dict then checks every lookup.
 */
static void
test_token_cap(void)
{
	static char in[20000];
	struct unit_guarded g;
	size_t		len = 0,
				ntok,
				epos,
				lastpos = 0;
	unsigned	flags;
	int			i,
				rc,
				misses = 0;
	int64_t		v;

	in[len++] = 'l';
	for (i = 0; i < 1000; i++)
	{
		lastpos = len;
		len += (size_t) sprintf(in + len, "i%de", i);
	}
	in[len++] = 'e';
	rc = decode_opts(in, len, 0, 0, 1001, &ntok, &epos, &flags, &g);
	CHECK(rc == 0 && ntok == 1001 && tokens[0].count == 1000);
	CHECK(bencode_list_at(tokens, ntok, 0, 999) == 1000 &&
		  tokens[1000].value == 999);
	unit_guarded_free(&g);
	rc = decode_opts(in, len, 0, 0, 1000, &ntok, &epos, &flags, &g);
	CHECK(rc == BENCODE_ERR_TOO_MANY_TOKENS && epos == lastpos);
	unit_guarded_free(&g);

	len = 0;
	in[len++] = 'd';
	for (i = 0; i < 1000; i++)
		len += (size_t) sprintf(in + len, "4:%04di%de", i, i * 3);
	in[len++] = 'e';
	rc = decode_opts(in, len, 0, 0, TOKCAP, &ntok, &epos, &flags, &g);
	CHECK(rc == 0 && ntok == 2001 && tokens[0].count == 1000);
	for (i = 0; i < 1000; i++)
	{
		char		key[16];

		sprintf(key, "%04d", i);
		if (bencode_dict_get_int(g.data, tokens, ntok, 0, key, 4, &v) != 0 ||
			v != i * 3)
			misses++;
	}
	CHECKF(misses == 0, "%d of 1000 lookups failed", misses);
	CHECK(bencode_dict_get(g.data, tokens, ntok, 0, "1000", 4) == -1);
	unit_guarded_free(&g);
}

/* ------------------------------------------------------------------------
 * Truncation: every strict prefix of a valid document is EOF at its end
 * ------------------------------------------------------------------------
 */
static const struct
{
	const char *in;
	size_t		len;
}			truncdocs[] = {
	{S("d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:qe")},
	{S("d1:rd2:id20:mnopqrstuvwxyz1234565:nodes0:5:token4:\0\1\2\3e"
	   "1:t2:\xff\xfe" "1:y1:re")},
	{S("li-9223372036854775808ei9223372036854775807ei0e0:l4:spamdeee")},
	{S("d8:msg_typei1e5:piecei0e10:total_sizei34256ee")},
	{S("d4:infod6:lengthi100e4:name3:a.b12:piece lengthi16384e6:pieces20:"
	   "ABCDEFGHIJKLMNOPQRSTee")},
	{S("i-42e")},
	{S("12:hello world!")},
};

static void
test_truncation(void)
{
	size_t		i,
				k;
	unsigned	opt;

	for (i = 0; i < sizeof(truncdocs) / sizeof(truncdocs[0]); i++)
	{
		for (opt = 0; opt <= (TRAIL | UNSORT); opt += TRAIL | UNSORT)
		{
			for (k = 0; k <= truncdocs[i].len; k++)
			{
				struct unit_guarded g;
				size_t		ntok,
							epos;
				unsigned	flags;
				int			rc = decode_opts(truncdocs[i].in, k, 10, opt, 64,
											 &ntok, &epos, &flags, &g);

				if (k == truncdocs[i].len)
					CHECKF(rc == 0, "doc %zu whole: rc %d", i, rc);
				else
					CHECKF(rc == BENCODE_ERR_EOF && epos == k,
						   "doc %zu cut at %zu: rc %d pos %zu", i, k, rc, epos);
				unit_guarded_free(&g);
			}
		}
	}
}

/* ------------------------------------------------------------------------
 * Raw spans, sibling skipping, lookups
 * ------------------------------------------------------------------------
 */
#define INFO "d6:lengthi1024e4:name8:file.txt12:piece lengthi16384e" \
	"6:pieces20:\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a" \
	"\x0b\x0c\x0d\x0e\x0f\x10\x11\x12\x13\x14" "e"

static void
test_raw_span(void)
{
	static const char doc[] = "d8:announce17:http://t.example/"
	"13:creation datei1700000000e4:info" INFO "5:nodesll9:127.0.0.1i6881eeee";
	struct unit_guarded g;
	size_t		ntok,
				epos,
				len = 0;
	unsigned	flags;
	const uint8_t *raw;
	int			info,
				nodes,
				rc;

	rc = decode_opts(doc, sizeof(doc) - 1, 0, 0, TOKCAP, &ntok, &epos,
					 &flags, &g);
	CHECK(rc == 0);
	info = bencode_dict_get_type(g.data, tokens, ntok, 0, "info", 4,
								 BENCODE_DICT);
	CHECK(info > 0);
	if (info <= 0)
	{
		unit_guarded_free(&g);
		return;
	}
	raw = bencode_raw(g.data, &tokens[info], &len);
	CHECK(len == sizeof(INFO) - 1 && memcmp(raw, INFO, len) == 0);
	CHECK(raw == g.data + (strstr(doc, "4:infod") - doc) + 6);
	CHECK(tokens[info].count == 4);
	nodes = bencode_dict_get(g.data, tokens, ntok, 0, "nodes", 5);
	raw = bencode_raw(g.data, &tokens[nodes], &len);
	CHECK(nodes > info && len == 21 &&
		  memcmp(raw, "ll9:127.0.0.1i6881eee", 21) == 0);
	CHECK(tokens[0].length == sizeof(doc) - 1 && tokens[0].next == ntok);
	unit_guarded_free(&g);
}

/* Walk a list's items by .next only and check what each one is */
static void
test_siblings(void)
{
	static const char doc[] = "li1eli2ei3eed1:ad1:bi4eee3:xyzle0:e";
	static const struct
	{
		uint8_t		type;
		uint32_t	count;
		uint32_t	offset;
		uint32_t	length;
	}			want[] = {
		{BENCODE_INT, 0, 1, 3},
		{BENCODE_LIST, 2, 4, 8},
		{BENCODE_DICT, 1, 12, 13},
		{BENCODE_STR, 3, 25, 5},
		{BENCODE_LIST, 0, 30, 2},
		{BENCODE_STR, 0, 32, 2},
	};
	struct unit_guarded g;
	size_t		ntok,
				epos;
	unsigned	flags;
	uint32_t	k;
	size_t		i;
	int			rc = decode_opts(doc, sizeof(doc) - 1, 0, 0, TOKCAP, &ntok,
								 &epos, &flags, &g);

	CHECK(rc == 0 && ntok == 13 && tokens[0].count == 6);
	for (i = 0, k = 1; i < 6 && k < ntok; i++, k = tokens[k].next)
	{
		CHECKF(tokens[k].type == want[i].type &&
			   tokens[k].count == want[i].count &&
			   tokens[k].offset == want[i].offset &&
			   tokens[k].length == want[i].length,
			   "item %zu at token %u", i, k);
		CHECKF(bencode_list_at(tokens, ntok, 0, i) == (int) k,
			   "list_at %zu", i);
	}
	CHECK(i == 6 && k == ntok);
	CHECK(bencode_list_at(tokens, ntok, 0, 6) == -1);
	CHECK(bencode_list_at(tokens, ntok, 1, 0) == -1);
	CHECK(bencode_list_at(tokens, ntok, 2, 1) == 4);
	CHECK(bencode_list_at(tokens, ntok, 99, 0) == -1);
	unit_guarded_free(&g);
}

static const struct
{
	const char *key;
	int			found;			/* value's token index, or -1 */
	uint8_t		type;
}			getcases[] = {
	{"a", 2, BENCODE_INT},
	{"b", 4, BENCODE_STR},
	{"c", 6, BENCODE_LIST},
	{"d", 10, BENCODE_DICT},
	{"x", -1, 0},
	{"", -1, 0},
	{"aa", -1, 0},
	{"A", -1, 0},
	{"i1e", -1, 0},
};

static void
test_dict_get(void)
{
	static const char doc[] = "d1:ai1e1:b3:foo1:cli1ei2ee1:dd1:xi-1eee";
	struct unit_guarded g;
	size_t		ntok,
				epos,
				len = 0;
	unsigned	flags;
	int64_t		v = 77;
	size_t		i;
	const uint8_t *s;
	int			rc = decode_opts(doc, sizeof(doc) - 1, 0, 0, TOKCAP, &ntok,
								 &epos, &flags, &g);

	CHECK(rc == 0 && ntok == 13);
	for (i = 0; i < sizeof(getcases) / sizeof(getcases[0]); i++)
	{
		int			k = bencode_dict_get(g.data, tokens, ntok, 0,
										 getcases[i].key,
										 strlen(getcases[i].key));

		CHECKF(k == getcases[i].found, "key '%s': %d", getcases[i].key, k);
		CHECKF(k < 0 || tokens[k].type == getcases[i].type,
			   "key '%s' type", getcases[i].key);
	}
	CHECK(bencode_dict_get_int(g.data, tokens, ntok, 0, "a", 1, &v) == 0 &&
		  v == 1);
	CHECK(bencode_dict_get_int(g.data, tokens, ntok, 0, "b", 1, &v) == -1 &&
		  v == 1);
	s = bencode_dict_get_str(g.data, tokens, ntok, 0, "b", 1, &len);
	CHECK(s && len == 3 && memcmp(s, "foo", 3) == 0);
	CHECK(bencode_dict_get_str(g.data, tokens, ntok, 0, "a", 1, &len) == NULL);
	CHECK(bencode_dict_get_str(g.data, tokens, ntok, 0, "z", 1, &len) == NULL);
	CHECK(bencode_dict_get_type(g.data, tokens, ntok, 0, "c", 1,
								BENCODE_LIST) == 6);
	CHECK(bencode_dict_get_type(g.data, tokens, ntok, 0, "c", 1,
								BENCODE_DICT) == -1);
	CHECK(bencode_dict_get_int(g.data, tokens, ntok, 10, "x", 1, &v) == 0 &&
		  v == -1);
	CHECK(bencode_dict_get(g.data, tokens, ntok, 6, "a", 1) == -1);
	CHECK(bencode_dict_get(g.data, tokens, ntok, 2, "a", 1) == -1);
	CHECK(bencode_dict_get(g.data, tokens, ntok, 500, "a", 1) == -1);
	CHECK(bencode_dict_get(g.data, tokens, 5, 0, "c", 1) == -1);
	unit_guarded_free(&g);

	/* the empty key, a key with a NUL, and an unsorted (flagged) dict */
	rc = decode_opts(S("d0:i5e2:a\0i6ee"), 0, 0, TOKCAP, &ntok, &epos, &flags,
					 &g);
	CHECK(rc == 0 && bencode_dict_get(g.data, tokens, ntok, 0, "", 0) == 2);
	CHECK(bencode_dict_get(g.data, tokens, ntok, 0, "a\0", 2) == 4);
	CHECK(bencode_dict_get(g.data, tokens, ntok, 0, "a", 1) == -1);
	unit_guarded_free(&g);
	rc = decode_opts(S("d1:zi1e1:ai2ee"), 0, UNSORT, TOKCAP, &ntok, &epos,
					 &flags, &g);
	CHECK(rc == 0 && flags == BENCODE_FLAG_UNSORTED &&
		  bencode_dict_get_int(g.data, tokens, ntok, 0, "a", 1, &v) == 0 &&
		  v == 2);
	unit_guarded_free(&g);
}

/*
 * Under allow_unsorted an out-of-order dict may have at most
 * BENCODE_MAX_UNSORTED_KEYS keys; a sorted one has no such limit.
 */
static void
test_unsorted_cap(void)
{
	static char in[4096];
	struct unit_guarded g;
	size_t		len,
				ntok,
				epos;
	unsigned	flags;
	int			nkeys,
				i,
				rc;

	for (nkeys = BENCODE_MAX_UNSORTED_KEYS;
		 nkeys <= BENCODE_MAX_UNSORTED_KEYS + 1; nkeys++)
	{
		len = 0;
		in[len++] = 'd';
		for (i = nkeys - 1; i >= 0; i--)
			len += (size_t) sprintf(in + len, "3:%03di0e", i);
		in[len++] = 'e';
		rc = decode_opts(in, len, 0, UNSORT, TOKCAP, &ntok, &epos, &flags, &g);
		if (nkeys <= BENCODE_MAX_UNSORTED_KEYS)
			CHECKF(rc == 0 && flags == BENCODE_FLAG_UNSORTED, "%d keys", nkeys);
		else
			CHECKF(rc == BENCODE_ERR_UNSORTED_KEYS &&
				   epos == 1 + 8 * (size_t) (nkeys - 1), "%d keys: rc %d",
				   nkeys, rc);
		unit_guarded_free(&g);
	}
}

/* The length check comes before any byte is read */
static void
test_too_large(void)
{
#if SIZE_MAX > UINT32_MAX
	static const uint8_t b[] = "le";
	size_t		ntok = TOKCAP,
				epos = 9;
	int			rc = bencode_decode(b, (size_t) UINT32_MAX + 1, NULL, tokens,
									&ntok, &epos, NULL);

	CHECK(rc == BENCODE_ERR_TOO_LARGE && epos == 0 && ntok == 0);
#endif
}

/* NULL opts, error_pos and flags are allowed */
static void
test_null_args(void)
{
	static const uint8_t b[] = "d1:bi1e1:ai2ee";
	size_t		ntok = TOKCAP;

	CHECK(bencode_decode(b, 2, NULL, tokens, &ntok, NULL, NULL) ==
		  BENCODE_ERR_EOF);
	ntok = TOKCAP;
	CHECK(bencode_decode(b, sizeof(b) - 1, NULL, tokens, &ntok, NULL, NULL) ==
		  BENCODE_ERR_UNSORTED_KEYS);
	ntok = 0;
	CHECK(bencode_decode(b, sizeof(b) - 1, NULL, NULL, &ntok, NULL, NULL) ==
		  BENCODE_ERR_TOO_MANY_TOKENS);
}

/* ------------------------------------------------------------------------
 * Encoder
 * ------------------------------------------------------------------------
 */
static const struct
{
	int64_t		v;
	const char *enc;
}			encints[] = {
	{0, "i0e"},
	{1, "i1e"},
	{-1, "i-1e"},
	{10, "i10e"},
	{-10, "i-10e"},
	{INT64_MAX, "i9223372036854775807e"},
	{INT64_MIN, "i-9223372036854775808e"},
	{INT64_MIN + 1, "i-9223372036854775807e"},
};

static void
test_encode_ints(void)
{
	size_t		i;

	for (i = 0; i < sizeof(encints) / sizeof(encints[0]); i++)
	{
		struct bencode_writer w;
		uint8_t		buf[BENCODE_INT_MAX_LEN];
		size_t		ntok = 1,
					epos;
		int			rc;

		bencode_writer_init(&w, buf, sizeof(buf));
		bencode_put_int(&w, encints[i].v);
		CHECKF(bencode_writer_finish(&w) == 0 &&
			   w.len == strlen(encints[i].enc) &&
			   memcmp(buf, encints[i].enc, w.len) == 0, "encode %s",
			   encints[i].enc);
		rc = bencode_decode(buf, w.len, NULL, tokens, &ntok, &epos, NULL);
		CHECKF(rc == 0 && tokens[0].value == encints[i].v, "round trip %s",
			   encints[i].enc);
	}
}

/* A document touching every writer call; its exact encoding is SAMPLE */
#define SAMPLE "d1:ai-9223372036854775808e1:b7:bin\0\xff\x01z" \
	"1:cli0ei-1ei9223372036854775807e0:ledee" "1:di7e4:infod1:xi1eee"

static void
write_sample(struct bencode_writer *w)
{
	bencode_open_dict(w);
	bencode_put_cstr(w, "a");
	bencode_put_int(w, INT64_MIN);
	bencode_put_cstr(w, "b");
	bencode_put_str(w, "bin\0\xff\x01z", 7);
	bencode_put_cstr(w, "c");
	bencode_open_list(w);
	bencode_put_int(w, 0);
	bencode_put_int(w, -1);
	bencode_put_int(w, INT64_MAX);
	bencode_put_str(w, NULL, 0);
	bencode_open_list(w);
	bencode_close(w);
	bencode_open_dict(w);
	bencode_close(w);
	bencode_close(w);
	bencode_put_cstr(w, "d");
	bencode_put_raw(w, "i7e", 3);
	bencode_put_cstr(w, "info");
	bencode_put_raw(w, "d1:xi1ee", 8);
	bencode_close(w);
}

/* decode(encode(x)) == x for the sample, value by value */
static void
test_encode_roundtrip(void)
{
	struct bencode_writer w;
	struct unit_guarded g;
	size_t		ntok,
				epos,
				len = 0;
	unsigned	flags;
	int64_t		v = 0;
	const uint8_t *s;
	int			c,
				rc;

	bencode_writer_init(&w, outbuf, sizeof(outbuf));
	write_sample(&w);
	CHECK(bencode_writer_finish(&w) == 0 && w.len == sizeof(SAMPLE) - 1 &&
		  memcmp(outbuf, SAMPLE, w.len) == 0);
	rc = decode_opts((const char *) outbuf, w.len, 10, 0, TOKCAP, &ntok,
					 &epos, &flags, &g);
	CHECK(rc == 0 && ntok == 19 && tokens[0].count == 5);
	CHECK(bencode_dict_get_int(g.data, tokens, ntok, 0, "a", 1, &v) == 0 &&
		  v == INT64_MIN);
	s = bencode_dict_get_str(g.data, tokens, ntok, 0, "b", 1, &len);
	CHECK(s && len == 7 && memcmp(s, "bin\0\xff\x01z", 7) == 0);
	c = bencode_dict_get_type(g.data, tokens, ntok, 0, "c", 1, BENCODE_LIST);
	CHECK(c > 0 && tokens[c].count == 6);
	CHECK(c > 0 && tokens[bencode_list_at(tokens, ntok, (size_t) c, 2)].value
		  == INT64_MAX);
	CHECK(c > 0 && tokens[bencode_list_at(tokens, ntok, (size_t) c, 3)].count
		  == 0);
	CHECK(c > 0 && tokens[bencode_list_at(tokens, ntok, (size_t) c, 5)].type
		  == BENCODE_DICT);
	CHECK(bencode_dict_get_int(g.data, tokens, ntok, 0, "d", 1, &v) == 0 &&
		  v == 7);
	c = bencode_dict_get(g.data, tokens, ntok, 0, "info", 4);
	CHECK(c > 0 && bencode_raw(g.data, &tokens[c], &len) &&
		  len == 8 && memcmp(g.data + tokens[c].offset, "d1:xi1ee", 8) == 0);
	CHECK(reencode(g.data, tokens, ntok, outbuf, sizeof(outbuf)) ==
		  (long) sizeof(SAMPLE) - 1 &&
		  memcmp(outbuf, SAMPLE, sizeof(SAMPLE) - 1) == 0);
	unit_guarded_free(&g);
}

/*
 * The sample written at every capacity from 0 to its full length: a guard
 * byte after cap must survive, what was written must be a prefix of the
 * full encoding, and finish() reports overflow exactly when cap is short.
 */
static void
test_encode_overflow(void)
{
	const size_t full = sizeof(SAMPLE) - 1;
	uint8_t		buf[sizeof(SAMPLE) + 1];
	size_t		cap;

	for (cap = 0; cap <= full + 1; cap++)
	{
		struct bencode_writer w;
		int			want = cap < full ? BENCODE_ERR_OVERFLOW : 0;

		memset(buf, 0xA5, sizeof(buf));
		bencode_writer_init(&w, buf, cap);
		write_sample(&w);
		CHECKF(buf[cap] == 0xA5 && w.len <= cap &&
			   memcmp(buf, SAMPLE, w.len) == 0 &&
			   bencode_writer_finish(&w) == want &&
			   (want != 0 || w.len == full), "capacity %zu", cap);
	}
}

/* Each put writes its whole value or nothing, and overflow is sticky */
static void
test_encode_atomic(void)
{
	struct bencode_writer w;
	uint8_t		buf[8];

	bencode_writer_init(&w, buf, sizeof(buf));
	bencode_put_str(&w, "abcdef", 6);	/* "6:abcdef" fits exactly */
	CHECK(w.len == 8 && !w.overflow);
	bencode_writer_init(&w, buf, sizeof(buf));
	bencode_put_str(&w, "abcdefg", 7);	/* header fits, payload not */
	CHECK(w.len == 0 && w.overflow);
	bencode_put_raw(&w, "", 0);
	bencode_close(&w);
	CHECK(w.len == 0 && bencode_writer_finish(&w) == BENCODE_ERR_OVERFLOW);
	bencode_writer_init(&w, buf, 3);
	bencode_put_int(&w, 10);	/* "i10e" needs 4 */
	bencode_put_int(&w, 1);		/* would fit, but overflow is sticky */
	CHECK(w.len == 0 && w.overflow);
	bencode_writer_init(&w, NULL, 100);
	bencode_open_list(&w);
	CHECK(w.len == 0 && bencode_writer_finish(&w) == BENCODE_ERR_OVERFLOW);
	bencode_writer_init(&w, NULL, 0);
	bencode_put_str(&w, NULL, 0);
	CHECK(w.len == 0 && w.overflow);
}

/* Every error has its own text; unknown codes get a fixed one */
static void
test_strerror(void)
{
	int			e,
				f,
				distinct = 1;

	for (e = BENCODE_OK; e >= BENCODE_ERR_OVERFLOW; e--)
	{
		CHECKF(strcmp(bencode_strerror(e), "unknown error") != 0, "code %d", e);
		for (f = e - 1; f >= BENCODE_ERR_OVERFLOW; f--)
			if (strcmp(bencode_strerror(e), bencode_strerror(f)) == 0)
				distinct = 0;
	}
	CHECK(distinct);
	CHECK(strcmp(bencode_strerror(1), "unknown error") == 0);
	CHECK(strcmp(bencode_strerror(BENCODE_ERR_OVERFLOW - 1),
				 "unknown error") == 0);
}

int
main(void)
{
	size_t		i;

	for (i = 0; i < sizeof(dcases) / sizeof(dcases[0]); i++)
		run_dcase(&dcases[i], (int) i);
	test_int_values();
	test_str_fields();
	test_depth();
	test_token_cap();
	test_truncation();
	test_raw_span();
	test_siblings();
	test_dict_get();
	test_unsorted_cap();
	test_too_large();
	test_null_args();
	test_encode_ints();
	test_encode_roundtrip();
	test_encode_overflow();
	test_encode_atomic();
	test_strerror();
	return unit_summary("bencode");
}
