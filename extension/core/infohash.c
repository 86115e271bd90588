/*
 * infohash.c
 *		Hexadecimal and base32 text forms of info hashes.
 *
 * Owns the alphabets and the error sentences; see infohash.h for the
 * contract.  Decoding checks the length first, then every character, and
 * writes to out only once the whole input is known to be valid.
 */
#include "infohash.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char hexdigits[] = "0123456789abcdef";

/* Format one errdetail sentence into err, if the caller wants one. */
static void set_err(char *err, size_t errlen, const char *fmt,...)
			__attribute__((format(printf, 3, 4)));

static void
set_err(char *err, size_t errlen, const char *fmt,...)
{
	va_list		ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/*
 * Describe the offending byte s[pos] ("what" names the expected alphabet).
 * Printable ASCII is quoted; anything else (controls, UTF-8 bytes) is shown
 * in hex so that the message stays valid ASCII whatever the input was.
 */
static void
set_char_err(char *err, size_t errlen, unsigned char c, size_t pos,
			 const char *what)
{
	if (c == '"')
		set_err(err, errlen, "Character '\"' at position %zu is not %s.",
				pos + 1, what);
	else if (c >= 0x20 && c < 0x7f)
		set_err(err, errlen, "Character \"%c\" at position %zu is not %s.",
				c, pos + 1, what);
	else
		set_err(err, errlen, "Byte 0x%02X at position %zu is not %s.",
				c, pos + 1, what);
}

/* Value of one hex digit, or -1. */
static int
hex_value(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Value of one RFC 4648 base32 character (either case), or -1. */
static int
base32_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a';
	if (c >= '2' && c <= '7')
		return c - '2' + 26;
	return -1;
}

/*
 * Decode exactly 2 * outlen hex digits into out.  out is written only on
 * success; on failure err says which length or character is wrong.
 */
static int
hex_decode(const char *s, size_t len, uint8_t *out, size_t outlen,
		   char *err, size_t errlen)
{
	size_t		i;

	if (len != 2 * outlen)
	{
		set_err(err, errlen, "Expected %zu hexadecimal digits, got %zu.",
				2 * outlen, len);
		return INFOHASH_ERR_LENGTH;
	}
	for (i = 0; i < len; i++)
	{
		if (hex_value((unsigned char) s[i]) < 0)
		{
			set_char_err(err, errlen, (unsigned char) s[i], i,
						 "a hexadecimal digit");
			return INFOHASH_ERR_CHAR;
		}
	}
	for (i = 0; i < outlen; i++)
		out[i] = (uint8_t) (hex_value((unsigned char) s[2 * i]) << 4 |
							hex_value((unsigned char) s[2 * i + 1]));
	return INFOHASH_OK;
}

int
infohash_from_hex(const char *s, size_t len, uint8_t out[INFOHASH_V1_LEN],
				  char *err, size_t errlen)
{
	return hex_decode(s, len, out, INFOHASH_V1_LEN, err, errlen);
}

int
infohash_v2_from_hex(const char *s, size_t len, uint8_t out[INFOHASH_V2_LEN],
					 char *err, size_t errlen)
{
	return hex_decode(s, len, out, INFOHASH_V2_LEN, err, errlen);
}

/*
 * 32 characters of 5 bits are exactly 160 bits, so no padding and no
 * leftover bits exist: each group of 8 characters yields 5 whole bytes.
 */
int
infohash_from_base32(const char *s, size_t len, uint8_t out[INFOHASH_V1_LEN],
					 char *err, size_t errlen)
{
	uint8_t		tmp[INFOHASH_V1_LEN];
	uint32_t	acc = 0;
	int			bits = 0;
	size_t		o = 0;
	size_t		i;

	if (len != INFOHASH_V1_BASE32_LEN)
	{
		set_err(err, errlen, "Expected %d base32 characters, got %zu.",
				INFOHASH_V1_BASE32_LEN, len);
		return INFOHASH_ERR_LENGTH;
	}
	for (i = 0; i < len; i++)
	{
		int			v = base32_value((unsigned char) s[i]);

		if (v < 0)
		{
			set_char_err(err, errlen, (unsigned char) s[i], i,
						 "a base32 character (A-Z, 2-7)");
			return INFOHASH_ERR_CHAR;
		}
		acc = (acc << 5) | (uint32_t) v;
		bits += 5;
		if (bits >= 8)
		{
			bits -= 8;
			tmp[o++] = (uint8_t) (acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	memcpy(out, tmp, INFOHASH_V1_LEN);
	return INFOHASH_OK;
}

void
infohash_to_hex(const uint8_t *hash, size_t hashlen, char *out)
{
	size_t		i;

	for (i = 0; i < hashlen; i++)
	{
		out[2 * i] = hexdigits[hash[i] >> 4];
		out[2 * i + 1] = hexdigits[hash[i] & 0x0f];
	}
	out[2 * hashlen] = '\0';
}

const char *
infohash_strerror(int err)
{
	switch (err)
	{
		case INFOHASH_OK:
			return "success";
		case INFOHASH_ERR_LENGTH:
			return "info hash has the wrong number of characters";
		case INFOHASH_ERR_CHAR:
			return "info hash contains an invalid character";
	}
	return "unknown infohash error";
}
