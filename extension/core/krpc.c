/*
 * krpc.c
 *		Building a KRPC ping and reading KRPC headers (see krpc.h).
 *
 * Decoding uses the strict bencode decoder with the KRPC caps, so a
 * datagram with unsorted keys, trailing bytes or too much nesting is
 * rejected here, before anything looks at its fields.
 */
#include <string.h>

#include "bencode.h"
#include "krpc.h"

int
krpc_build_ping(uint8_t *buf, size_t cap, const uint8_t *tid, size_t tid_len,
				const uint8_t id[KRPC_ID_LEN], size_t *out_len)
{
	struct bencode_writer w;

	if (tid_len == 0 || tid_len > KRPC_MAX_TID_LEN)
		return KRPC_ERR_BAD_TID;
	bencode_writer_init(&w, buf, cap);
	bencode_open_dict(&w);
	bencode_put_cstr(&w, "a");
	bencode_open_dict(&w);
	bencode_put_cstr(&w, "id");
	bencode_put_str(&w, id, KRPC_ID_LEN);
	bencode_close(&w);
	bencode_put_cstr(&w, "q");
	bencode_put_cstr(&w, "ping");
	bencode_put_cstr(&w, "t");
	bencode_put_str(&w, tid, tid_len);
	bencode_put_cstr(&w, "y");
	bencode_put_cstr(&w, "q");
	bencode_close(&w);
	if (bencode_writer_finish(&w) != BENCODE_OK)
		return KRPC_ERR_BUFFER;
	*out_len = w.len;
	return KRPC_OK;
}

/* The sender id lives in "a" for queries and "r" for responses. */
static const uint8_t *
sender_id(const uint8_t *buf, const struct bencode_token *toks, size_t n,
		  char type)
{
	int			body = bencode_dict_get(buf, toks, n, 0, type == 'q' ? "a" : "r", 1);
	int			id;
	const uint8_t *s;
	size_t		len;

	if (body < 0 || toks[body].type != BENCODE_DICT)
		return NULL;
	id = bencode_dict_get(buf, toks, n, (size_t) body, "id", 2);
	if (id < 0)
		return NULL;
	s = bencode_str(buf, &toks[id], &len);
	return (s != NULL && len == KRPC_ID_LEN) ? s : NULL;
}

int
krpc_parse_head(const uint8_t *buf, size_t len, struct krpc_head *out)
{
	struct bencode_token toks[KRPC_MAX_TOKENS];
	struct bencode_opts opts = {KRPC_MAX_DEPTH, 0, 0};
	size_t		ntoks = KRPC_MAX_TOKENS;
	size_t		pos;
	int			y,
				t;
	const uint8_t *s;
	size_t		slen;

	if (bencode_decode(buf, len, &opts, toks, &ntoks, &pos, NULL) != BENCODE_OK ||
		toks[0].type != BENCODE_DICT)
		return KRPC_ERR_BENCODE;
	y = bencode_dict_get(buf, toks, ntoks, 0, "y", 1);
	s = y >= 0 ? bencode_str(buf, &toks[y], &slen) : NULL;
	if (s == NULL || slen != 1 || (s[0] != 'q' && s[0] != 'r' && s[0] != 'e'))
		return KRPC_ERR_NO_TYPE;
	out->type = (char) s[0];
	t = bencode_dict_get(buf, toks, ntoks, 0, "t", 1);
	s = t >= 0 ? bencode_str(buf, &toks[t], &slen) : NULL;
	if (s == NULL || slen == 0 || slen > KRPC_MAX_TID_LEN)
		return KRPC_ERR_BAD_TID;
	out->tid = s;
	out->tid_len = slen;
	out->id = out->type == 'e' ? NULL : sender_id(buf, toks, ntoks, out->type);
	return KRPC_OK;
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
		case KRPC_ERR_BUFFER:
			return "output buffer too small";
	}
	return "unknown error";
}
