/*
 * fuzz_bencode.c
 *		libFuzzer target for bencode_decode, and through it the encoder.
 *
 * Each input is decoded twice with KRPC's depth (10) and a small token
 * array: strictly, and with allow_trailing + allow_unsorted.  The two must
 * agree (strict success implies loose success with no flag; strict EOF
 * implies the same EOF).  A loose success is re-encoded from its tokens
 * through the writer: the output must equal the first value's input bytes,
 * each value landing exactly at its token's offset and span.  For a strict
 * success that is the whole input.  Any disagreement aborts.
 */
#include "bencode.h"

#include <stdlib.h>
#include <string.h>

#define NTOK 128
#define DEPTH 10

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Re-encode tokens, checking offsets and spans; abort on any difference */
static void
reencode(const uint8_t *data, const struct bencode_token *t, size_t n)
{
	struct bencode_writer w;
	uint32_t	open[DEPTH];
	size_t		depth = 0,
				i,
				slen;
	const uint8_t *s;
	uint8_t    *out = malloc(t[0].length);

	bencode_writer_init(&w, out, t[0].length);
	for (i = 0; i <= n; i++)
	{
		while (depth > 0 && t[open[depth - 1]].next == i)
		{
			const struct bencode_token *c = &t[open[--depth]];

			bencode_close(&w);
			if (w.len - c->offset != c->length)
				abort();
		}
		if (i == n)
			break;
		if (w.len != t[i].offset)
			abort();
		if (t[i].type == BENCODE_LIST || t[i].type == BENCODE_DICT)
		{
			if (depth == DEPTH)
				abort();
			if (t[i].type == BENCODE_LIST)
				bencode_open_list(&w);
			else
				bencode_open_dict(&w);
			open[depth++] = (uint32_t) i;
			continue;
		}
		if (t[i].type == BENCODE_INT)
			bencode_put_int(&w, t[i].value);
		else if ((s = bencode_str(data, &t[i], &slen)) != NULL)
			bencode_put_str(&w, s, slen);
		else
			abort();
		if (w.len - t[i].offset != t[i].length || t[i].next != i + 1)
			abort();
	}
	if (depth != 0 || bencode_writer_finish(&w) != 0 ||
		w.len != t[0].length || memcmp(out, data, w.len) != 0)
		abort();
	free(out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct bencode_token tok[NTOK];
	static const struct bencode_opts strict = {.max_depth = DEPTH};
	static const struct bencode_opts loose = {
		.max_depth = DEPTH, .allow_trailing = 1, .allow_unsorted = 1
	};
	size_t		n1 = NTOK,
				n2 = NTOK,
				p1 = 0,
				p2 = 0;
	unsigned	flags = 0;
	int			rc1,
				rc2;

	rc1 = bencode_decode(data, size, &strict, tok, &n1, &p1, NULL);
	rc2 = bencode_decode(data, size, &loose, tok, &n2, &p2, &flags);

	if (rc1 == BENCODE_OK && (rc2 != BENCODE_OK || n2 != n1 || flags != 0))
		abort();
	if (rc1 == BENCODE_ERR_EOF && (rc2 != rc1 || p2 != p1 || p1 != size))
		abort();
	if (rc2 != BENCODE_OK)
		return 0;
	if (flags == 0 && tok[0].length == size && rc1 != BENCODE_OK)
		abort();
	reencode(data, tok, n2);
	return 0;
}
