/*
 * test_magnet.c
 *		Unit tests for extension/core/magnet.c: parse, build, round trip.
 *
 * Parser inputs sit flush against a PROT_NONE page, and magnet_build writes
 * into buffers that end at one, so an over-read or an over-write crashes.
 * Hashes: SHA-1("hello"), SHA-1("dht_indexer"), SHA-256("hello"),
 * SHA-256("dht_indexer"); base32 forms from Python's base64.b32encode.
 */
#include <stdint.h>

#include "magnet.h"
#include "unit.h"

#define H1 "aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d"
#define H1U "AAF4C61DDCC5E8A2DABEDE0F3B482CD9AEA9434D"
#define B1 "VL2MMHO4YXUKFWV63YHTWSBM3GXKSQ2N"
#define H2 "98ea87bc83bba5530e08a466371d3773694f1253"
#define V2 "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
#define V2U "2CF24DBA5FB0A30E26E83B2AC5B9E29E1B161E5C1FA7425E73043362938B9824"
#define W2 "99662d9e94854f0568d56a57c490ac7c1984287d7d38cbd5c690f5e034926fea"
#define MAG "magnet:?xt=urn:btih:"
#define MAGV2 "magnet:?xt=urn:btmh:1220"

/*
 * One parse case.  v1/v2: expected hashes in hex (NULL = absent); name and
 * name_len (-1 = strlen) the expected dn; err the exact errdetail.
 */
struct parse_case
{
	const char *in;
	int			rc;
	const char *v1;
	const char *v2;
	const char *name;
	int			name_len;
	const char *err;
};

#define OK MAGNET_OK
static const struct parse_case parse_cases[] = {
	/* hash forms */
	{MAG H1, OK, H1, NULL, "", -1, NULL},
	{MAG H1U, OK, H1, NULL, "", -1, NULL},
	{MAG B1, OK, H1, NULL, "", -1, NULL},
	{MAG "vl2mmho4yxukfwv63yhtwsbm3gxksq2n", OK, H1, NULL, "", -1, NULL},
	{MAGV2 V2, OK, NULL, V2, "", -1, NULL},
	{MAGV2 V2U, OK, NULL, V2, "", -1, NULL},
	{MAG H1 "&xt=urn:btmh:1220" V2 "&dn=hybrid", OK, H1, V2, "hybrid", -1, NULL},
	{"magnet:?xt=urn:btmh:1220" V2 "&xt=urn:btih:" H1, OK, H1, V2, "", -1, NULL},
	{"magnet:?xt.1=urn:btih:" H1 "&xt.2=urn:btmh:1220" V2, OK, H1, V2, "", -1, NULL},
	{"magnet:?xt.1=urn:btih:" H1 "&xt.2=urn:btih:" B1, OK, H1, NULL, "", -1, NULL},
	{"magnet:?XT.12=urn:btih:" H1, OK, H1, NULL, "", -1, NULL},
	{MAG H1 "&xt=urn:btih:" H1, OK, H1, NULL, "", -1, NULL},
	{MAGV2 V2 "&xt=urn:btmh:1220" V2U, OK, NULL, V2, "", -1, NULL},
	{"magnet:?xt=urn%3Abtih%3A" H1, OK, H1, NULL, "", -1, NULL},
	{"magnet:?xt=urn:ed2k:31d6cfe0d16ae931b73c59d7e0c089c0&xt=urn:btih:" H1, OK, H1, NULL, "", -1, NULL},
	/* scheme and layout */
	{"MAGNET:?XT=URN:BTIH:" H1U "&DN=LOUD", OK, H1, NULL, "LOUD", -1, NULL},
	{"Magnet:?xt=URN:btih:" H1, OK, H1, NULL, "", -1, NULL},
	{MAG H1 "&", OK, H1, NULL, "", -1, NULL},
	{"magnet:?&&" "xt=urn:btih:" H1 "&&", OK, H1, NULL, "", -1, NULL},
	{"  " MAG H1 "\r\n", OK, H1, NULL, "", -1, NULL},
	{MAG H1 "&tr=udp%3A%2F%2Ftracker.example.org%3A6969%2Fannounce&tr=http://t.example/a?x=1&ws=http%3A%2F%2Fw.example%2F&xl=12345&so=0-3&x.pe=127.0.0.1:6881&kt=a+b&tr=%ZZ", OK, H1, NULL, "", -1, NULL},
	{MAG H1 "&novalue&xt", OK, H1, NULL, "", -1, NULL},
	{MAG H1 "&xt.=junk&xt.a=junk&xtx=junk", OK, H1, NULL, "", -1, NULL},
	/* dn */
	{MAG H1 "&dn=Ubuntu%2022.04", OK, H1, NULL, "Ubuntu 22.04", -1, NULL},
	{MAG H1 "&dn=Some+Movie+2019", OK, H1, NULL, "Some Movie 2019", -1, NULL},
	{MAG H1 "&dn=C%2B%2B+Primer", OK, H1, NULL, "C++ Primer", -1, NULL},
	{MAG H1 "&dn=%E6%97%A5%E6%9C%AC", OK, H1, NULL, "\xe6\x97\xa5\xe6\x9c\xac", -1, NULL},
	{MAG H1 "&dn=caf%c3%a9", OK, H1, NULL, "caf\xc3\xa9", -1, NULL},
	{MAG H1 "&dn=\xe6\x97\xa5", OK, H1, NULL, "\xe6\x97\xa5", -1, NULL},
	{MAG H1 "&dn=a=b", OK, H1, NULL, "a=b", -1, NULL},
	{MAG H1 "&dn=", OK, H1, NULL, "", -1, NULL},
	{MAG H1 "&dn=a%00b", OK, H1, NULL, "a\0b", 3, NULL},
	{MAG H1 "&dn=first&dn=second", OK, H1, NULL, "first", -1, NULL},
	{MAG H1 "&dn=first&dn=%ZZ", OK, H1, NULL, "first", -1, NULL},
	{"magnet:?dn=before&xt=urn:btih:" H1, OK, H1, NULL, "before", -1, NULL},
	/* escapes: MAG H1 "&dn=" puts the value at position 65 */
	{MAG H1 "&dn=a%G1", MAGNET_ERR_BAD_ESCAPE, NULL, NULL, NULL, 0, "Invalid percent escape \"%G1\" at position 66."},
	{MAG H1 "&dn=a%", MAGNET_ERR_BAD_ESCAPE, NULL, NULL, NULL, 0, "Incomplete percent escape at position 66."},
	{MAG H1 "&dn=a%4", MAGNET_ERR_BAD_ESCAPE, NULL, NULL, NULL, 0, "Incomplete percent escape at position 66."},
	{MAG H1 "&dn=%4&x=1", MAGNET_ERR_BAD_ESCAPE, NULL, NULL, NULL, 0, "Incomplete percent escape at position 65."},
	{MAG H1 "&dn=%\x01\x02", MAGNET_ERR_BAD_ESCAPE, NULL, NULL, NULL, 0, "Invalid percent escape at position 65."},
	{"magnet:?xt=urn%3zbtih:" H1, MAGNET_ERR_BAD_ESCAPE, NULL, NULL, NULL, 0, "Invalid percent escape \"%3z\" at position 15."},
	/* hashes */
	{"magnet:?dn=foo&tr=udp%3A%2F%2Ft.example%3A80", MAGNET_ERR_NO_HASH, NULL, NULL, NULL, 0, "The magnet link has no xt=urn:btih: or xt=urn:btmh: info hash."},
	{"magnet:?xt=urn:ed2k:31d6cfe0d16ae931b73c59d7e0c089c0", MAGNET_ERR_NO_HASH, NULL, NULL, NULL, 0, "The magnet link has no xt=urn:btih: or xt=urn:btmh: info hash."},
	{"magnet:?", MAGNET_ERR_NO_HASH, NULL, NULL, NULL, 0, "The magnet link has no xt=urn:btih: or xt=urn:btmh: info hash."},
	{"magnet:?xt", MAGNET_ERR_NO_HASH, NULL, NULL, NULL, 0, "The magnet link has no xt=urn:btih: or xt=urn:btmh: info hash."},
	{"magnet:?xt=urn:btmh:1114" H1, MAGNET_ERR_BAD_BTMH, NULL, NULL, NULL, 0, "The btmh multihash starts with \"1114\"; only 1220 (sha2-256, 32 bytes) is supported."},
	{"magnet:?xt=urn:btmh:", MAGNET_ERR_BAD_BTMH, NULL, NULL, NULL, 0, "The btmh multihash does not start with 1220 (sha2-256, 32 bytes)."},
	{"magnet:?xt=urn:btmh:1220" H1, MAGNET_ERR_BAD_BTMH, NULL, NULL, NULL, 0, "In the btmh hash after 1220, expected 64 hexadecimal digits, got 40."},
	{"magnet:?xt=urn:btmh:1220" V2 "0", MAGNET_ERR_BAD_BTMH, NULL, NULL, NULL, 0, "In the btmh hash after 1220, expected 64 hexadecimal digits, got 65."},
	{"magnet:?xt=urn:btmh:1220x" V2 "", MAGNET_ERR_BAD_BTMH, NULL, NULL, NULL, 0, "In the btmh hash after 1220, expected 64 hexadecimal digits, got 65."},
	{"magnet:?xt=urn:btmh:1220" "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b982g", MAGNET_ERR_BAD_BTMH, NULL, NULL, NULL, 0, "In the btmh hash after 1220, character \"g\" at position 64 is not a hexadecimal digit."},
	{MAG "aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434", MAGNET_ERR_BAD_BTIH, NULL, NULL, NULL, 0, "The btih info hash has 39 characters; expected 40 hexadecimal digits or 32 base32 characters."},
	{MAG, MAGNET_ERR_BAD_BTIH, NULL, NULL, NULL, 0, "The btih info hash has 0 characters; expected 40 hexadecimal digits or 32 base32 characters."},
	{MAG "aaf4g61ddcc5e8a2dabede0f3b482cd9aea9434d", MAGNET_ERR_BAD_BTIH, NULL, NULL, NULL, 0, "In the btih info hash, character \"g\" at position 5 is not a hexadecimal digit."},
	{MAG "1L2MMHO4YXUKFWV63YHTWSBM3GXKSQ2N", MAGNET_ERR_BAD_BTIH, NULL, NULL, NULL, 0, "In the btih info hash, character \"1\" at position 1 is not a base32 character (A-Z, 2-7)."},
	{MAG "aaf4c61ddcc5e8a2dabe\xe6\x97\xa5" "0f3b482cd9aea9434", MAGNET_ERR_BAD_BTIH, NULL, NULL, NULL, 0, "In the btih info hash, byte 0xE6 at position 21 is not a hexadecimal digit."},
	{MAG H1 "&xt=urn:btih:" H2, MAGNET_ERR_CONFLICT, NULL, NULL, NULL, 0, "The magnet link has two different btih info hashes."},
	{"magnet:?xt.1=urn:btih:" B1 "&xt.2=urn:btih:" H2, MAGNET_ERR_CONFLICT, NULL, NULL, NULL, 0, "The magnet link has two different btih info hashes."},
	{MAGV2 V2 "&xt=urn:btmh:1220" W2, MAGNET_ERR_CONFLICT, NULL, NULL, NULL, 0, "The magnet link has two different btmh info hashes."},
	/* not a magnet link */
	{"", MAGNET_ERR_NOT_MAGNET, NULL, NULL, NULL, 0, "A magnet link starts with \"magnet:?\"."},
	{"   ", MAGNET_ERR_NOT_MAGNET, NULL, NULL, NULL, 0, "A magnet link starts with \"magnet:?\"."},
	{"magnet:xt=urn:btih:" H1, MAGNET_ERR_NOT_MAGNET, NULL, NULL, NULL, 0, "A magnet link starts with \"magnet:?\"."},
	{"magnet:", MAGNET_ERR_NOT_MAGNET, NULL, NULL, NULL, 0, "A magnet link starts with \"magnet:?\"."},
	{H1, MAGNET_ERR_NOT_MAGNET, NULL, NULL, NULL, 0, "A magnet link starts with \"magnet:?\"."},
	{"http://example.org/?xt=urn:btih:" H1, MAGNET_ERR_NOT_MAGNET, NULL, NULL, NULL, 0, "A magnet link starts with \"magnet:?\"."},
	{"magnet?:xt=urn:btih:" H1, MAGNET_ERR_NOT_MAGNET, NULL, NULL, NULL, 0, "A magnet link starts with \"magnet:?\"."},
};

/* A table row's length field: -1 means strlen. */
static size_t
row_len(const char *s, int len)
{
	return len < 0 ? strlen(s) : (size_t) len;
}

/* Decode expected hex (test-side, independent of infohash.c). */
static void
hex_bytes(const char *hex, uint8_t *out, size_t n)
{
	size_t		i;

	for (i = 0; i < n; i++)
	{
		unsigned int b;

		if (sscanf(hex + 2 * i, "%2x", &b) != 1)
			abort();
		out[i] = (uint8_t) b;
	}
}

/* Compare one parsed hash with the expected hex (NULL = absent). */
static int
hash_matches(int has, const uint8_t *got, const char *want, size_t n)
{
	uint8_t		w[32];

	if (want == NULL)
		return !has;
	hex_bytes(want, w, n);
	return has && memcmp(got, w, n) == 0;
}

static void
test_parse_table(void)
{
	size_t		i;

	for (i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++)
	{
		const struct parse_case *c = &parse_cases[i];
		size_t		len = strlen(c->in);
		struct unit_guarded g = unit_guarded_copy(c->in, len);
		struct magnet_link link;
		char		err[MAGNET_ERR_SIZE];
		int			rc;

		rc = magnet_parse((const char *) g.data, len, &link, err,
						  sizeof(err));
		CHECKF(rc == c->rc, "row %zu: rc %d (%s) want %d", i, rc, err,
			   c->rc);
		if (rc == MAGNET_OK && c->rc == MAGNET_OK)
		{
			size_t		nl = row_len(c->name, c->name_len);

			CHECKF(hash_matches(link.has_v1, link.v1, c->v1, 20), "row %zu v1", i);
			CHECKF(hash_matches(link.has_v2, link.v2, c->v2, 32), "row %zu v2", i);
			CHECKF(link.name_len == nl &&
				   memcmp(link.name, c->name, nl) == 0 &&
				   link.name[nl] == '\0', "row %zu: name \"%s\"", i, link.name);
			CHECKF(err[0] == '\0', "row %zu: err set on success", i);
		}
		else if (c->rc != MAGNET_OK)
			CHECKF(strcmp(err, c->err) == 0, "row %zu: err \"%s\"", i, err);
		unit_guarded_free(&g);
	}
}

/* Parse a generated input from a guard-page copy. */
static int
parse_guarded(const char *s, size_t len, struct magnet_link *link, char *err)
{
	struct unit_guarded g = unit_guarded_copy(s, len);
	int			rc = magnet_parse((const char *) g.data, len, link, err,
								  MAGNET_ERR_SIZE);

	unit_guarded_free(&g);
	return rc;
}

/* MAGNET_MAX_URI is inclusive; one byte more is refused before parsing. */
static void
test_too_long(void)
{
	static char buf[MAGNET_MAX_URI + 2];
	struct magnet_link link;
	char		err[MAGNET_ERR_SIZE];
	size_t		pre = strlen(MAG H1 "&tr=");

	memcpy(buf, MAG H1 "&tr=", pre);
	memset(buf + pre, 'a', sizeof(buf) - pre);
	CHECK(parse_guarded(buf, MAGNET_MAX_URI, &link, err) == MAGNET_OK);
	CHECK(parse_guarded(buf, MAGNET_MAX_URI + 1, &link, err) ==
		  MAGNET_ERR_TOO_LONG);
	CHECK(strcmp(err, "The magnet link is 8193 bytes long; the limit is 8192.") == 0);
	/* surrounding whitespace does not count */
	buf[0] = ' ';
	memcpy(buf + 1, MAG H1 "&tr=", pre);
	buf[MAGNET_MAX_URI + 1] = '\n';
	CHECK(parse_guarded(buf, MAGNET_MAX_URI + 2, &link, err) == MAGNET_OK);
}

/* A dn longer than MAGNET_MAX_NAME is cut, never inside a UTF-8 sequence. */
static void
test_long_name(void)
{
	static const struct
	{
		size_t		ascii;		/* 'a' bytes before the tail */
		const char *tail;		/* escaped tail */
		size_t		want;		/* name_len kept */
	}			rows[] = {
		{1030, "", 1024},
		{1024, "", 1024},
		{1023, "%C3%A9", 1023},
		{1022, "%C3%A9", 1024},
		{1022, "%E6%97%A5", 1022},
		{1021, "%F0%9F%98%80", 1021},
		{1020, "%F0%9F%98%80", 1024},
		{1023, "+b", 1024},
	};
	static char buf[4096];
	size_t		i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
	{
		struct magnet_link link;
		char		err[MAGNET_ERR_SIZE];
		size_t		pre = strlen(MAG H1 "&dn=");
		size_t		len = pre + rows[i].ascii + strlen(rows[i].tail);

		memcpy(buf, MAG H1 "&dn=", pre);
		memset(buf + pre, 'a', rows[i].ascii);
		memcpy(buf + pre + rows[i].ascii, rows[i].tail, strlen(rows[i].tail));
		CHECKF(parse_guarded(buf, len, &link, err) == MAGNET_OK, "long %zu", i);
		CHECKF(link.name_len == rows[i].want, "long %zu: %zu", i, link.name_len);
		CHECKF(link.name[link.name_len] == '\0', "long %zu: NUL", i);
	}
}

/* One build case: hashes as hex (NULL = not given), name, expected URI. */
struct build_case
{
	const char *v1;
	const char *v2;
	const char *name;
	int			name_len;		/* -1 = strlen(name) */
	const char *want;
};

static const struct build_case build_cases[] = {
	{H1, NULL, NULL, 0, MAG H1},
	{NULL, V2, NULL, 0, MAGV2 V2},
	{H1, V2, NULL, 0, MAG H1 "&xt=urn:btmh:1220" V2},
	{H1, V2, "hybrid", -1, MAG H1 "&xt=urn:btmh:1220" V2 "&dn=hybrid"},
	{NULL, V2, "v2 only", -1, MAGV2 V2 "&dn=v2%20only"},
	{H1, NULL, "", -1, MAG H1},
	{H1, NULL, "ignored", 0, MAG H1},
	{H1, NULL, "Ubuntu 22.04", -1, MAG H1 "&dn=Ubuntu%2022.04"},
	{H1, NULL, "Tom & Jerry", -1, MAG H1 "&dn=Tom%20%26%20Jerry"},
	{H1, NULL, "a=b&c", -1, MAG H1 "&dn=a%3Db%26c"},
	{H1, NULL, "#1 Hits", -1, MAG H1 "&dn=%231%20Hits"},
	{H1, NULL, "100% Pure", -1, MAG H1 "&dn=100%25%20Pure"},
	{H1, NULL, "C++", -1, MAG H1 "&dn=C%2B%2B"},
	{H1, NULL, "AC/DC", -1, MAG H1 "&dn=AC%2FDC"},
	{H1, NULL, "why?", -1, MAG H1 "&dn=why%3F"},
	{H1, NULL, "Ubuntu-22.04_desktop~amd64", -1, MAG H1 "&dn=Ubuntu-22.04_desktop~amd64"},
	{H1, NULL, "caf\xc3\xa9", -1, MAG H1 "&dn=caf%C3%A9"},
	{H1, NULL, "\xe6\x97\xa5\xe6\x9c\xac", -1, MAG H1 "&dn=%E6%97%A5%E6%9C%AC"},
	{H1, NULL, "\xf0\x9f\x98\x80", -1, MAG H1 "&dn=%F0%9F%98%80"},
	{H1, NULL, "a\0b", 3, MAG H1 "&dn=a%00b"},
	{H1, NULL, "[x] (y) {z}'\"", -1, MAG H1 "&dn=%5Bx%5D%20%28y%29%20%7Bz%7D%27%22"},
};

/* An output buffer of cap bytes whose end touches a PROT_NONE page. */
static struct unit_guarded
guarded_out(size_t cap)
{
	static const char zeros[16384];

	if (cap > sizeof(zeros))
		abort();
	return unit_guarded_copy(zeros, cap);
}

/* Exact strings; every smaller cap fails without writing past it. */
static void
test_build_table(void)
{
	size_t		i;

	for (i = 0; i < sizeof(build_cases) / sizeof(build_cases[0]); i++)
	{
		const struct build_case *c = &build_cases[i];
		uint8_t		v1[20];
		uint8_t		v2[32];
		const uint8_t *p1 = NULL;
		const uint8_t *p2 = NULL;
		size_t		nl = row_len(c->name, c->name_len);
		size_t		want = strlen(c->want);
		size_t		cap;
		size_t		outlen = 999;

		if (c->v1)
		{
			hex_bytes(c->v1, v1, 20);
			p1 = v1;
		}
		if (c->v2)
		{
			hex_bytes(c->v2, v2, 32);
			p2 = v2;
		}
		for (cap = 0; cap <= want + 1; cap++)
		{
			struct unit_guarded g = guarded_out(cap);
			char	   *out = (char *) g.data;
			int			rc = magnet_build(p1, p2, c->name, nl, out, cap,
										  &outlen);

			if (cap <= want)
				CHECKF(rc == MAGNET_ERR_BUFFER && outlen == 0 &&
					   (cap == 0 || out[0] == '\0'),
					   "build %zu cap %zu: rc %d", i, cap, rc);
			else
			{
				CHECKF(rc == MAGNET_OK && outlen == want &&
					   strcmp(out, c->want) == 0,
					   "build %zu: got \"%s\"", i, out);
			}
			unit_guarded_free(&g);
		}
		CHECKF(magnet_build_size(nl) >= want + 1, "build %zu size", i);
	}
}

/* build -> parse gives back the same hashes and name bytes. */
static void
test_round_trip(void)
{
	static char out[4096];
	struct magnet_link link;
	char		err[MAGNET_ERR_SIZE];
	char		name[256];
	uint8_t		v1[20];
	uint8_t		v2[32];
	size_t		len;
	size_t		i;

	for (i = 0; i < sizeof(name); i++)
		name[i] = (char) i;
	hex_bytes(H2, v1, 20);
	hex_bytes(W2, v2, 32);
	CHECK(magnet_build(v1, v2, name, sizeof(name), out, sizeof(out), &len) == 0);
	CHECK(parse_guarded(out, len, &link, err) == MAGNET_OK);
	CHECK(link.has_v1 && memcmp(link.v1, v1, 20) == 0);
	CHECK(link.has_v2 && memcmp(link.v2, v2, 32) == 0);
	CHECK(link.name_len == sizeof(name) && memcmp(link.name, name, sizeof(name)) == 0);
	for (i = 0; i < sizeof(build_cases) / sizeof(build_cases[0]); i++)
	{
		const struct build_case *c = &build_cases[i];
		size_t		nl = row_len(c->name, c->name_len);

		CHECKF(parse_guarded(c->want, strlen(c->want), &link, err) == 0 &&
			   hash_matches(link.has_v1, link.v1, c->v1, 20) &&
			   hash_matches(link.has_v2, link.v2, c->v2, 32) &&
			   link.name_len == nl &&
			   (nl == 0 || memcmp(link.name, c->name, nl) == 0),
			   "round trip %zu", i);
	}
	/* a full-length name still fits MAGNET_MAX_URI once escaped */
	CHECK(magnet_build_size(MAGNET_MAX_NAME) <= MAGNET_MAX_URI);
}

static void
test_misc(void)
{
	char		out[8] = "x";
	size_t		len = 7;
	struct magnet_link link;

	CHECK(magnet_build(NULL, NULL, "n", 1, out, sizeof(out), &len) ==
		  MAGNET_ERR_NO_HASH);
	CHECK(len == 0 && out[0] == '\0');
	CHECK(magnet_parse(MAG H1, strlen(MAG H1), &link, NULL, 0) == MAGNET_OK);
	CHECK(magnet_parse("magnet:?", 8, &link, NULL, 0) == MAGNET_ERR_NO_HASH);
	CHECK(magnet_build_size(SIZE_MAX / 2) == SIZE_MAX);
	CHECK(strcmp(magnet_strerror(MAGNET_OK), "success") == 0);
	CHECK(strcmp(magnet_strerror(MAGNET_ERR_CONFLICT),
				 magnet_strerror(MAGNET_ERR_BUFFER)) != 0);
	CHECK(magnet_strerror(42) != NULL);
}

int
main(void)
{
	test_parse_table();
	test_too_long();
	test_long_name();
	test_build_table();
	test_round_trip();
	test_misc();
	return unit_summary("magnet");
}
