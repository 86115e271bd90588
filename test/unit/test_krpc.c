/*
 * test_krpc.c
 *		Unit tests for extension/core/krpc.c: the ping query and KRPC header
 *		parsing.
 *
 * Header parsing is table-driven over well-formed and malformed datagrams
 * (each on a guard page), and every truncation of a valid message must be
 * refused without reading past its end.
 */
#include <stdint.h>

#include "krpc.h"
#include "unit.h"

#define ID20 "abcdefghij0123456789"

struct head_case
{
	const char *msg;
	int			rc;
	char		type;
	const char *tid;
	int			has_id;
};

static const struct head_case head_cases[] = {
	{"d1:ad2:id20:" ID20 "e1:q4:ping1:t2:aa1:y1:qe", KRPC_OK, 'q', "aa", 1},
	{"d1:rd2:id20:" ID20 "e1:t3:b\001\002" "1:y1:re", KRPC_OK, 'r', "b\001\002", 1},
	{"d1:eli201e7:Generice1:t2:xx1:y1:ee", KRPC_OK, 'e', "xx", 0},
	/* a short id is not an id, but the header is still valid */
	{"d1:rd2:id3:abce1:t2:aa1:y1:re", KRPC_OK, 'r', "aa", 0},
	/* r is not a dict */
	{"d1:ri5e1:t2:aa1:y1:re", KRPC_OK, 'r', "aa", 0},
	/* v and other unknown top-level keys are fine */
	{"d1:rd2:id20:" ID20 "e1:t2:aa1:v4:LT011:y1:re", KRPC_OK, 'r', "aa", 1},
	{"", KRPC_ERR_BENCODE, 0, NULL, 0},
	{"le", KRPC_ERR_BENCODE, 0, NULL, 0},
	{"i42e", KRPC_ERR_BENCODE, 0, NULL, 0},
	{"d1:t2:aae", KRPC_ERR_NO_TYPE, 0, NULL, 0},
	{"d1:t2:aa1:y1:xe", KRPC_ERR_NO_TYPE, 0, NULL, 0},
	{"d1:t2:aa1:y2:qqe", KRPC_ERR_NO_TYPE, 0, NULL, 0},
	{"d1:t2:aa1:yi1ee", KRPC_ERR_NO_TYPE, 0, NULL, 0},
	{"d1:y1:qe", KRPC_ERR_BAD_TID, 0, NULL, 0},
	{"d1:t0:1:y1:qe", KRPC_ERR_BAD_TID, 0, NULL, 0},
	{"d1:ti1e1:y1:qe", KRPC_ERR_BAD_TID, 0, NULL, 0},
	{"d1:t17:aaaaaaaaaaaaaaaaa1:y1:qe", KRPC_ERR_BAD_TID, 0, NULL, 0},
	{"d1:t16:aaaaaaaaaaaaaaaa1:y1:qe", KRPC_OK, 'q', "aaaaaaaaaaaaaaaa", 0},
	/* unsorted or duplicate keys, trailing bytes: not KRPC */
	{"d1:y1:q1:t2:aae", KRPC_ERR_BENCODE, 0, NULL, 0},
	{"d1:t2:aa1:t2:bb1:y1:qe", KRPC_ERR_BENCODE, 0, NULL, 0},
	{"d1:t2:aa1:y1:qeX", KRPC_ERR_BENCODE, 0, NULL, 0},
	/* nesting beyond KRPC_MAX_DEPTH */
	{"d1:ad1:ad1:ad1:ad1:ad1:ad1:ad1:ad1:ad1:ad1:ai1eeeeeeeeeeee1:t2:aa1:y1:qe", KRPC_ERR_BENCODE, 0, NULL, 0},
};

static void
test_heads(void)
{
	size_t		i;

	for (i = 0; i < sizeof(head_cases) / sizeof(head_cases[0]); i++)
	{
		const struct head_case *c = &head_cases[i];
		size_t		len = strlen(c->msg);
		struct unit_guarded g = unit_guarded_copy(c->msg, len);
		struct krpc_head h;
		int			rc = krpc_parse_head(g.data, len, &h);

		CHECKF(rc == c->rc, "row %zu: rc %d, want %d", i, rc, c->rc);
		if (rc == KRPC_OK && c->rc == KRPC_OK)
		{
			CHECKF(h.type == c->type, "row %zu: type %c", i, h.type);
			CHECKF(h.tid_len == strlen(c->tid) && memcmp(h.tid, c->tid, h.tid_len) == 0,
				   "row %zu: tid", i);
			CHECKF((h.id != NULL) == c->has_id, "row %zu: id presence", i);
		}
		unit_guarded_free(&g);
	}
}

/* The ping we send is byte-exact and parses back to the same fields. */
static void
test_ping(void)
{
	static const char expected[] = "d1:ad2:id20:" ID20 "e1:q4:ping1:t2:xy1:y1:qe";
	uint8_t		buf[128];
	size_t		len = 0;
	size_t		cap;
	struct krpc_head h;

	CHECK(krpc_build_ping(buf, sizeof(buf), (const uint8_t *) "xy", 2,
						  (const uint8_t *) ID20, &len) == KRPC_OK);
	CHECK(len == strlen(expected) && memcmp(buf, expected, len) == 0);
	CHECK(krpc_parse_head(buf, len, &h) == KRPC_OK);
	CHECK(h.type == 'q' && h.tid_len == 2 && memcmp(h.tid, "xy", 2) == 0);
	CHECK(h.id != NULL && memcmp(h.id, ID20, KRPC_ID_LEN) == 0);

	/* every capacity below the full length fails; never writes past cap */
	for (cap = 0; cap < strlen(expected); cap++)
	{
		memset(buf, 0x5a, sizeof(buf));
		CHECKF(krpc_build_ping(buf, cap, (const uint8_t *) "xy", 2,
							   (const uint8_t *) ID20, &len) == KRPC_ERR_BUFFER,
			   "cap %zu", cap);
		CHECKF(buf[cap] == 0x5a, "cap %zu: wrote past the buffer", cap);
	}
	CHECK(krpc_build_ping(buf, sizeof(buf), (const uint8_t *) "", 0,
						  (const uint8_t *) ID20, &len) == KRPC_ERR_BAD_TID);
	CHECK(krpc_build_ping(buf, sizeof(buf), (const uint8_t *) "aaaaaaaaaaaaaaaaa", 17,
						  (const uint8_t *) ID20, &len) == KRPC_ERR_BAD_TID);
}

/* Every proper prefix of a valid message is refused, never over-read. */
static void
test_truncations(void)
{
	static const char msg[] = "d1:rd2:id20:" ID20 "e1:t2:aa1:y1:re";
	size_t		n;
	int			refused = 1;

	for (n = 0; n < strlen(msg); n++)
	{
		struct unit_guarded g = unit_guarded_copy(msg, n);
		struct krpc_head h;

		if (krpc_parse_head(g.data, n, &h) == KRPC_OK)
			refused = 0;
		unit_guarded_free(&g);
	}
	CHECK(refused);
	CHECK(strcmp(krpc_strerror(KRPC_ERR_BAD_TID), "missing or invalid transaction id") == 0);
}

int
main(void)
{
	test_heads();
	test_ping();
	test_truncations();
	return unit_summary("krpc");
}
