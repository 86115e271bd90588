/*
 * test_infohash.c
 *		Unit tests for extension/core/infohash.c: hex and base32 text forms.
 *
 * Every input sits flush against a PROT_NONE page, so reading one byte past
 * the given length crashes.  Base32 vectors were computed with Python's
 * base64.b32encode over the listed bytes.
 */
#include <stdint.h>

#include "infohash.h"
#include "unit.h"

/* len < 0 in a table row means strlen(in) */
struct hash_case
{
	const char *in;
	int			len;
	int			rc;
	const char *hex;			/* expected bytes in lower-case hex */
	const char *err;			/* expected errdetail, on failure */
};

static const struct hash_case hex_cases[] = {
	{"000102030405060708090a0b0c0d0e0f10111213", -1, INFOHASH_OK, "000102030405060708090a0b0c0d0e0f10111213", NULL},
	{"AAF4C61DDCC5E8A2DABEDE0F3B482CD9AEA9434D", -1, INFOHASH_OK, "aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d", NULL},
	{"aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d", -1, INFOHASH_OK, "aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d", NULL},
	{"AaF4c61DdCC5e8a2DABede0f3b482cd9aEA9434d", -1, INFOHASH_OK, "aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d", NULL},
	{"ffffffffffffffffffffffffffffffffffffffff", -1, INFOHASH_OK, "ffffffffffffffffffffffffffffffffffffffff", NULL},
	{"0000000000000000000000000000000000000000", -1, INFOHASH_OK, "0000000000000000000000000000000000000000", NULL},
	{"aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434", -1, INFOHASH_ERR_LENGTH, NULL, "Expected 40 hexadecimal digits, got 39."},
	{"aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d0", -1, INFOHASH_ERR_LENGTH, NULL, "Expected 40 hexadecimal digits, got 41."},
	{"", -1, INFOHASH_ERR_LENGTH, NULL, "Expected 40 hexadecimal digits, got 0."},
	{"aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d ", -1, INFOHASH_ERR_LENGTH, NULL, "Expected 40 hexadecimal digits, got 41."},
	{"gaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d", -1, INFOHASH_ERR_CHAR, NULL, "Character \"g\" at position 1 is not a hexadecimal digit."},
	{"aaf4g61ddcc5e8a2dabede0f3b482cd9aea9434d", -1, INFOHASH_ERR_CHAR, NULL, "Character \"g\" at position 5 is not a hexadecimal digit."},
	{"aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434G", -1, INFOHASH_ERR_CHAR, NULL, "Character \"G\" at position 40 is not a hexadecimal digit."},
	{"0xf4c61ddcc5e8a2dabede0f3b482cd9aea9434d", -1, INFOHASH_ERR_CHAR, NULL, "Character \"x\" at position 2 is not a hexadecimal digit."},
	{"aaf4c61ddcc5e8a2dabe de0f3b482cd9aea9434", -1, INFOHASH_ERR_CHAR, NULL, "Character \" \" at position 21 is not a hexadecimal digit."},
	{"aaf4c61ddcc5e8a2dabe\"de0f3b482cd9aea9434", -1, INFOHASH_ERR_CHAR, NULL, "Character '\"' at position 21 is not a hexadecimal digit."},
	{"aaf4c61ddcc5e8a2dabe\xe6" "de0f3b482cd9aea9434", -1, INFOHASH_ERR_CHAR, NULL, "Byte 0xE6 at position 21 is not a hexadecimal digit."},
	{"aaf4c61ddcc5e8a2dabe\0de0f3b482cd9aea9434", 40, INFOHASH_ERR_CHAR, NULL, "Byte 0x00 at position 21 is not a hexadecimal digit."},
	{"aaf4c61ddcc5e8a2dabe\tde0f3b482cd9aea9434", -1, INFOHASH_ERR_CHAR, NULL, "Byte 0x09 at position 21 is not a hexadecimal digit."},
};

static const struct hash_case base32_cases[] = {
	{"AAAQEAYEAUDAOCAJBIFQYDIOB4IBCEQT", -1, INFOHASH_OK, "000102030405060708090a0b0c0d0e0f10111213", NULL},
	{"aaaqeayeaudaocajbifqydiob4ibceqt", -1, INFOHASH_OK, "000102030405060708090a0b0c0d0e0f10111213", NULL},
	{"VL2MMHO4YXUKFWV63YHTWSBM3GXKSQ2N", -1, INFOHASH_OK, "aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d", NULL},
	{"vl2mmho4YXUKFWV63yhtwsbm3gxksq2n", -1, INFOHASH_OK, "aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d", NULL},
	{"TDVIPPEDXOSVGDQIURTDOHJXONUU6EST", -1, INFOHASH_OK, "98ea87bc83bba5530e08a466371d3773694f1253", NULL},
	{"77777777777777777777777777777777", -1, INFOHASH_OK, "ffffffffffffffffffffffffffffffffffffffff", NULL},
	{"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", -1, INFOHASH_OK, "0000000000000000000000000000000000000000", NULL},
	{"VL2MMHO4YXUKFWV63YHTWSBM3GXKSQ2", -1, INFOHASH_ERR_LENGTH, NULL, "Expected 32 base32 characters, got 31."},
	{"VL2MMHO4YXUKFWV63YHTWSBM3GXKSQ2NA", -1, INFOHASH_ERR_LENGTH, NULL, "Expected 32 base32 characters, got 33."},
	{"VL2MMHO4YXUKFWV63YHTWSBM3GXKSQ2N========", -1, INFOHASH_ERR_LENGTH, NULL, "Expected 32 base32 characters, got 40."},
	{"", -1, INFOHASH_ERR_LENGTH, NULL, "Expected 32 base32 characters, got 0."},
	{"VL2M1HO4YXUKFWV63YHTWSBM3GXKSQ2N", -1, INFOHASH_ERR_CHAR, NULL, "Character \"1\" at position 5 is not a base32 character (A-Z, 2-7)."},
	{"0L2MMHO4YXUKFWV63YHTWSBM3GXKSQ2N", -1, INFOHASH_ERR_CHAR, NULL, "Character \"0\" at position 1 is not a base32 character (A-Z, 2-7)."},
	{"VL2MMHO4YXUKFWV63YHTWSBM3GXKSQ28", -1, INFOHASH_ERR_CHAR, NULL, "Character \"8\" at position 32 is not a base32 character (A-Z, 2-7)."},
	{"VL2MMHO4YXUKFWV63YHTWSBM3GXKSQ2=", -1, INFOHASH_ERR_CHAR, NULL, "Character \"=\" at position 32 is not a base32 character (A-Z, 2-7)."},
	{"VL2MMHO4YXUKFWV6\xc3YHTWSBM3GXKSQ2N", -1, INFOHASH_ERR_CHAR, NULL, "Byte 0xC3 at position 17 is not a base32 character (A-Z, 2-7)."},
};

static const struct hash_case v2_cases[] = {
	{"2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824", -1, INFOHASH_OK, "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824", NULL},
	{"99662D9E94854F0568D56A57C490AC7C1984287D7D38CBD5C690F5E034926FEA", -1, INFOHASH_OK, "99662d9e94854f0568d56a57c490ac7c1984287d7d38cbd5c690f5e034926fea", NULL},
	{"2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b982", -1, INFOHASH_ERR_LENGTH, NULL, "Expected 64 hexadecimal digits, got 63."},
	{"2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b98240", -1, INFOHASH_ERR_LENGTH, NULL, "Expected 64 hexadecimal digits, got 65."},
	{"aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d", -1, INFOHASH_ERR_LENGTH, NULL, "Expected 64 hexadecimal digits, got 40."},
	{"2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b982z", -1, INFOHASH_ERR_CHAR, NULL, "Character \"z\" at position 64 is not a hexadecimal digit."},
};

typedef int (*decode_fn) (const char *, size_t, uint8_t *, char *, size_t);

/* Run one table through a decoder; outlen is the hash size it produces. */
static void
run_table(const char *name, decode_fn fn, const struct hash_case *cases,
		  size_t n, size_t outlen)
{
	size_t		i;

	for (i = 0; i < n; i++)
	{
		const struct hash_case *c = &cases[i];
		size_t		len = c->len < 0 ? strlen(c->in) : (size_t) c->len;
		struct unit_guarded g = unit_guarded_copy(c->in, len);
		uint8_t		out[INFOHASH_V2_LEN];
		char		hex[2 * INFOHASH_V2_LEN + 1];
		char		err[INFOHASH_ERR_SIZE];
		int			rc;

		memset(out, 0xA5, sizeof(out));
		strcpy(err, "untouched");
		rc = fn((const char *) g.data, len, out, err, sizeof(err));
		CHECKF(rc == c->rc, "%s row %zu: rc %d, want %d", name, i, rc, c->rc);
		if (c->rc == INFOHASH_OK && rc == INFOHASH_OK)
		{
			infohash_to_hex(out, outlen, hex);
			CHECKF(strcmp(hex, c->hex) == 0, "%s row %zu: got %s", name, i,
				   hex);
		}
		else if (c->rc != INFOHASH_OK)
		{
			size_t		k;
			int			untouched = 1;

			CHECKF(strcmp(err, c->err) == 0, "%s row %zu: err \"%s\"", name,
				   i, err);
			for (k = 0; k < sizeof(out); k++)
				if (out[k] != 0xA5)
					untouched = 0;
			CHECKF(untouched, "%s row %zu: out written on failure", name, i);
		}
		unit_guarded_free(&g);
	}
}

/* Error text is optional and never overflows a short buffer. */
static void
test_err_buffer(void)
{
	const char *bad = "xyz";
	uint8_t		out[INFOHASH_V1_LEN];
	char		err[8];

	CHECK(infohash_from_hex(bad, 3, out, NULL, 0) == INFOHASH_ERR_LENGTH);
	CHECK(infohash_from_base32(bad, 3, out, NULL, 99) == INFOHASH_ERR_LENGTH);
	memset(err, 'Z', sizeof(err));
	CHECK(infohash_from_hex(bad, 3, out, err, 5) == INFOHASH_ERR_LENGTH);
	CHECK(memcmp(err, "Expe", 5) == 0 && err[5] == 'Z');
	memset(err, 'Z', sizeof(err));
	CHECK(infohash_from_hex(bad, 3, out, err, 0) == INFOHASH_ERR_LENGTH);
	CHECK(err[0] == 'Z');
}

/* to_hex: lower case, exactly 2n characters, then a NUL. */
static void
test_to_hex(void)
{
	static const uint8_t h[4] = {0x00, 0xAB, 0x9f, 0xff};
	char		out[12];

	memset(out, 'Z', sizeof(out));
	infohash_to_hex(h, 4, out);
	CHECK(strcmp(out, "00ab9fff") == 0);
	CHECK(out[9] == 'Z');
	infohash_to_hex(h, 0, out);
	CHECK(out[0] == '\0');
}

/* Every byte value survives hex and base32 round trips. */
static void
test_round_trip(void)
{
	uint8_t		h[INFOHASH_V1_LEN];
	uint8_t		back[INFOHASH_V1_LEN];
	char		hex[INFOHASH_V1_HEX_LEN + 1];
	int			b;
	int			k;

	for (b = 0; b < 256; b += 13)
	{
		for (k = 0; k < INFOHASH_V1_LEN; k++)
			h[k] = (uint8_t) (b + 37 * k);
		infohash_to_hex(h, sizeof(h), hex);
		CHECKF(infohash_from_hex(hex, strlen(hex), back, NULL, 0) == 0 &&
			   memcmp(h, back, sizeof(h)) == 0, "hex round trip %d", b);
	}
}

static void
test_strerror(void)
{
	CHECK(strcmp(infohash_strerror(INFOHASH_OK), "success") == 0);
	CHECK(strcmp(infohash_strerror(INFOHASH_ERR_LENGTH),
				 infohash_strerror(INFOHASH_ERR_CHAR)) != 0);
	CHECK(infohash_strerror(-99) != NULL);
}

int
main(void)
{
	run_table("hex", infohash_from_hex, hex_cases,
			  sizeof(hex_cases) / sizeof(hex_cases[0]), INFOHASH_V1_LEN);
	run_table("base32", infohash_from_base32, base32_cases,
			  sizeof(base32_cases) / sizeof(base32_cases[0]), INFOHASH_V1_LEN);
	run_table("v2hex", infohash_v2_from_hex, v2_cases,
			  sizeof(v2_cases) / sizeof(v2_cases[0]), INFOHASH_V2_LEN);
	test_err_buffer();
	test_to_hex();
	test_round_trip();
	test_strerror();
	return unit_summary("infohash");
}
