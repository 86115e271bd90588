/*
 * magnet.c
 *		Magnet URI parsing and building (see magnet.h for the contract).
 *
 * The parser walks the '&'-separated parameters once, left to right,
 * without copying the input; only the values it uses (xt and the first dn)
 * are percent-decoded, into fixed buffers: an xt value longer than XT_BUF
 * decoded bytes cannot be a hash we accept, and dn stops at
 * MAGNET_MAX_NAME.  Hash text goes through infohash.c, so a btih typed in
 * SQL and one inside a magnet link obey the same rules and messages.
 */
#include "magnet.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "infohash.h"
#include "textnorm.h"

/* decoded xt bytes kept: "urn:btmh:" + "1220" + 64 hex = 77, with room */
#define XT_BUF 96
/* "urn:btih:" and "urn:btmh:" */
#define URN_PREFIX_LEN 9
/*
 * magnet_build's output without the dn bytes: "magnet:?", "xt=urn:btih:" +
 * 40 hex, "&", "xt=urn:btmh:1220" + 64 hex, "&dn=", NUL
 */
#define BUILD_FIXED (8 + 12 + INFOHASH_V1_HEX_LEN + 1 + 16 + \
					 INFOHASH_V2_HEX_LEN + 4 + 1)

static const char scheme[] = "magnet:?";
static const char upper_hex[] = "0123456789ABCDEF";

/* One parse: the input, the result, and what the caller wants as text. */
struct parse_state
{
	const char *s;
	struct magnet_link *link;
	int			seen_dn;
	char	   *err;
	size_t		errlen;
};

/* The URI being built; len <= cap - 1 keeps room for the NUL. */
struct build_out
{
	char	   *out;
	size_t		cap;
	size_t		len;
	int			full;
};

static void set_err(struct parse_state *st, const char *fmt,...)
			__attribute__((format(printf, 2, 3)));

/* Format one errdetail sentence, if the caller wants one. */
static void
set_err(struct parse_state *st, const char *fmt,...)
{
	va_list		ap;

	if (st->err == NULL || st->errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(st->err, st->errlen, fmt, ap);
	va_end(ap);
}

/*
 * "In the btih info hash, character ..." from infohash's own sentence
 * ("Character ..."), so that the detail names the part that is wrong.
 */
static void
set_hash_err(struct parse_state *st, const char *where, const char *detail)
{
	char		first = detail[0];

	if (first >= 'A' && first <= 'Z')
		first = (char) (first - 'A' + 'a');
	set_err(st, "In the %s, %c%s", where, first, detail[0] ? detail + 1 : "");
}

static int
ascii_lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c;
}

static int
is_ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' ||
		c == '\v';
}

/* Printable ASCII that can be quoted in a message as-is. */
static int
is_quotable(unsigned char c)
{
	return c >= 0x20 && c < 0x7f && c != '"';
}

/* Value of one hex digit, or -1. */
static int
hex_value(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (unsigned char) ascii_lower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Does s[0..len) start with the lower-case ASCII prefix p, in any case? */
static int
has_prefix_ci(const char *s, size_t len, const char *p)
{
	size_t		n = strlen(p);
	size_t		i;

	if (len < n)
		return 0;
	for (i = 0; i < n; i++)
		if (ascii_lower((unsigned char) s[i]) != p[i])
			return 0;
	return 1;
}

/* "xt", or "xt." followed by one or more digits (BEP 9's xt.1, xt.2...). */
static int
key_is_xt(const char *k, size_t klen)
{
	size_t		i;

	if (klen == 2)
		return has_prefix_ci(k, klen, "xt");
	if (klen < 4 || !has_prefix_ci(k, klen, "xt."))
		return 0;
	for (i = 3; i < klen; i++)
		if (k[i] < '0' || k[i] > '9')
			return 0;
	return 1;
}

/*
 * Percent-decode s[0..len) into dst, keeping at most cap bytes; *total
 * gets the full decoded length.  With plus_space, '+' decodes to ' '.
 * Returns -1 with *bad = offset of a '%' not followed by two hex digits.
 */
static int
pct_decode(const char *s, size_t len, int plus_space, char *dst, size_t cap,
		   size_t *total, size_t *bad)
{
	size_t		i = 0;
	size_t		n = 0;

	while (i < len)
	{
		unsigned char c = (unsigned char) s[i];

		if (c == '%')
		{
			if (len - i < 3 || hex_value((unsigned char) s[i + 1]) < 0 ||
				hex_value((unsigned char) s[i + 2]) < 0)
			{
				*bad = i;
				return -1;
			}
			c = (unsigned char) (hex_value((unsigned char) s[i + 1]) << 4 |
								 hex_value((unsigned char) s[i + 2]));
			i += 3;
		}
		else
		{
			if (plus_space && c == '+')
				c = ' ';
			i++;
		}
		if (n < cap)
			dst[n] = (char) c;
		n++;
	}
	*total = n;
	return 0;
}

/* Describe a bad escape at s[pos], with end the end of its value. */
static int
escape_err(struct parse_state *st, size_t pos, size_t end)
{
	const char *p = st->s + pos;

	if (end - pos < 3)
		set_err(st, "Incomplete percent escape at position %zu.", pos + 1);
	else if (is_quotable((unsigned char) p[1]) &&
			 is_quotable((unsigned char) p[2]))
		set_err(st, "Invalid percent escape \"%.3s\" at position %zu.",
				p, pos + 1);
	else
		set_err(st, "Invalid percent escape at position %zu.", pos + 1);
	return MAGNET_ERR_BAD_ESCAPE;
}

/* Record a hash, or report a different one already recorded. */
static int
store_hash(struct parse_state *st, int *has, uint8_t *dst,
		   const uint8_t *hash, size_t len, const char *kind)
{
	if (*has && memcmp(dst, hash, len) != 0)
	{
		set_err(st, "The magnet link has two different %s info hashes.",
				kind);
		return MAGNET_ERR_CONFLICT;
	}
	memcpy(dst, hash, len);
	*has = 1;
	return MAGNET_OK;
}

/* urn:btih: body h of hlen bytes: 40 hex or 32 base32 characters. */
static int
parse_btih(struct parse_state *st, const char *h, size_t hlen)
{
	uint8_t		hash[INFOHASH_V1_LEN];
	char		detail[INFOHASH_ERR_SIZE];
	int			rc;

	if (hlen == INFOHASH_V1_HEX_LEN)
		rc = infohash_from_hex(h, hlen, hash, detail, sizeof(detail));
	else if (hlen == INFOHASH_V1_BASE32_LEN)
		rc = infohash_from_base32(h, hlen, hash, detail, sizeof(detail));
	else
	{
		set_err(st, "The btih info hash has %zu characters; expected %d "
				"hexadecimal digits or %d base32 characters.",
				hlen, INFOHASH_V1_HEX_LEN, INFOHASH_V1_BASE32_LEN);
		return MAGNET_ERR_BAD_BTIH;
	}
	if (rc != INFOHASH_OK)
	{
		set_hash_err(st, "btih info hash", detail);
		return MAGNET_ERR_BAD_BTIH;
	}
	return store_hash(st, &st->link->has_v1, st->link->v1, hash,
					  sizeof(hash), "btih");
}

/*
 * urn:btmh: body: a multihash.  Only sha2-256 (code 0x12, length 0x20,
 * hence "1220") is a BitTorrent v2 info hash; others (1114 = sha1) are not.
 */
static int
parse_btmh(struct parse_state *st, const char *h, size_t hlen)
{
	uint8_t		hash[INFOHASH_V2_LEN];
	char		detail[INFOHASH_ERR_SIZE];

	if (hlen < 4 || memcmp(h, "1220", 4) != 0)
	{
		if (hlen >= 4 && is_quotable((unsigned char) h[0]) &&
			is_quotable((unsigned char) h[1]) &&
			is_quotable((unsigned char) h[2]) &&
			is_quotable((unsigned char) h[3]))
			set_err(st, "The btmh multihash starts with \"%.4s\"; only 1220 "
					"(sha2-256, 32 bytes) is supported.", h);
		else
			set_err(st, "The btmh multihash does not start with 1220 "
					"(sha2-256, 32 bytes).");
		return MAGNET_ERR_BAD_BTMH;
	}
	if (infohash_v2_from_hex(h + 4, hlen - 4, hash, detail,
							 sizeof(detail)) != INFOHASH_OK)
	{
		set_hash_err(st, "btmh hash after 1220", detail);
		return MAGNET_ERR_BAD_BTMH;
	}
	return store_hash(st, &st->link->has_v2, st->link->v2, hash,
					  sizeof(hash), "btmh");
}

/* An xt value at s[off..off+len): decode, then dispatch on its URN kind. */
static int
parse_xt(struct parse_state *st, size_t off, size_t len)
{
	char		buf[XT_BUF];
	size_t		total;
	size_t		bad;
	size_t		kept;

	if (pct_decode(st->s + off, len, 0, buf, sizeof(buf), &total, &bad) < 0)
		return escape_err(st, off + bad, off + len);
	/* hash parsers read past the prefix only when total fits in buf */
	kept = total < sizeof(buf) ? total : sizeof(buf);
	if (has_prefix_ci(buf, kept, "urn:btih:"))
		return parse_btih(st, buf + URN_PREFIX_LEN, total - URN_PREFIX_LEN);
	if (has_prefix_ci(buf, kept, "urn:btmh:"))
		return parse_btmh(st, buf + URN_PREFIX_LEN, total - URN_PREFIX_LEN);
	return MAGNET_OK;			/* urn:ed2k:, urn:sha1: ...: not ours */
}

/* The first dn at s[off..off+len) becomes the name; later ones are skipped. */
static int
parse_dn(struct parse_state *st, size_t off, size_t len)
{
	struct magnet_link *link = st->link;
	size_t		total;
	size_t		bad;

	if (st->seen_dn)
		return MAGNET_OK;
	st->seen_dn = 1;
	if (pct_decode(st->s + off, len, 1, link->name, MAGNET_MAX_NAME,
				   &total, &bad) < 0)
		return escape_err(st, off + bad, off + len);
	link->name_len = total;
	if (total > MAGNET_MAX_NAME)
		link->name_len = textnorm_utf8_trim(link->name, MAGNET_MAX_NAME);
	link->name[link->name_len] = '\0';
	return MAGNET_OK;
}

/* One "key=value" parameter at s[a..b); keys without '=' carry nothing. */
static int
parse_param(struct parse_state *st, size_t a, size_t b)
{
	const char *eq = memchr(st->s + a, '=', b - a);
	size_t		klen;
	size_t		voff;

	if (eq == NULL)
		return MAGNET_OK;
	klen = (size_t) (eq - (st->s + a));
	voff = a + klen + 1;
	if (key_is_xt(st->s + a, klen))
		return parse_xt(st, voff, b - voff);
	if (klen == 2 && has_prefix_ci(st->s + a, klen, "dn"))
		return parse_dn(st, voff, b - voff);
	return MAGNET_OK;			/* tr, ws, xl, so, x.pe ...: not ours */
}

int
magnet_parse(const char *s, size_t len, struct magnet_link *out,
			 char *err, size_t errlen)
{
	struct parse_state st = {s, out, 0, err, errlen};
	size_t		start = 0;
	size_t		end = len;
	size_t		pos;
	int			rc;

	memset(out, 0, sizeof(*out));
	if (err && errlen > 0)
		err[0] = '\0';
	while (start < end && is_ws((unsigned char) s[start]))
		start++;
	while (end > start && is_ws((unsigned char) s[end - 1]))
		end--;
	if (end - start > MAGNET_MAX_URI)
	{
		set_err(&st, "The magnet link is %zu bytes long; the limit is %d.",
				end - start, MAGNET_MAX_URI);
		return MAGNET_ERR_TOO_LONG;
	}
	if (!has_prefix_ci(s + start, end - start, scheme))
	{
		set_err(&st, "A magnet link starts with \"magnet:?\".");
		return MAGNET_ERR_NOT_MAGNET;
	}
	pos = start + strlen(scheme);
	while (pos < end)
	{
		const char *amp = memchr(s + pos, '&', end - pos);
		size_t		next = amp ? (size_t) (amp - s) : end;

		if ((rc = parse_param(&st, pos, next)) != MAGNET_OK)
			return rc;
		pos = next + 1;
	}
	if (!out->has_v1 && !out->has_v2)
	{
		set_err(&st, "The magnet link has no xt=urn:btih: or xt=urn:btmh: "
				"info hash.");
		return MAGNET_ERR_NO_HASH;
	}
	return MAGNET_OK;
}

/* Append n bytes, or mark the output full (always keeping room for NUL). */
static void
emit(struct build_out *b, const char *s, size_t n)
{
	if (b->full || n >= b->cap - b->len)
	{
		b->full = 1;
		return;
	}
	memcpy(b->out + b->len, s, n);
	b->len += n;
}

/* RFC 3986 unreserved: ALPHA DIGIT - . _ ~ */
static int
is_unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		(c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
		c == '~';
}

/* Append name percent-encoded byte by byte. */
static void
emit_escaped(struct build_out *b, const char *name, size_t len)
{
	size_t		i;

	for (i = 0; i < len && !b->full; i++)
	{
		unsigned char c = (unsigned char) name[i];
		char		esc[3];

		if (is_unreserved(c))
			emit(b, &name[i], 1);
		else
		{
			esc[0] = '%';
			esc[1] = upper_hex[c >> 4];
			esc[2] = upper_hex[c & 0x0f];
			emit(b, esc, 3);
		}
	}
}

int
magnet_build(const uint8_t *v1, const uint8_t *v2, const char *name,
			 size_t name_len, char *out, size_t cap, size_t *out_len)
{
	struct build_out b = {out, cap, 0, 0};
	char		hex[INFOHASH_V2_HEX_LEN + 1];

	if (out_len)
		*out_len = 0;
	if (cap > 0)
		out[0] = '\0';
	if (v1 == NULL && v2 == NULL)
		return MAGNET_ERR_NO_HASH;
	emit(&b, scheme, strlen(scheme));
	if (v1)
	{
		infohash_to_hex(v1, INFOHASH_V1_LEN, hex);
		emit(&b, "xt=urn:btih:", 12);
		emit(&b, hex, INFOHASH_V1_HEX_LEN);
	}
	if (v2)
	{
		infohash_to_hex(v2, INFOHASH_V2_LEN, hex);
		if (v1)
			emit(&b, "&", 1);
		emit(&b, "xt=urn:btmh:1220", 16);
		emit(&b, hex, INFOHASH_V2_HEX_LEN);
	}
	if (name != NULL && name_len > 0)
	{
		emit(&b, "&dn=", 4);
		emit_escaped(&b, name, name_len);
	}
	if (b.full)
	{
		if (cap > 0)
			out[0] = '\0';
		return MAGNET_ERR_BUFFER;
	}
	out[b.len] = '\0';
	if (out_len)
		*out_len = b.len;
	return MAGNET_OK;
}

size_t
magnet_build_size(size_t name_len)
{
	if (name_len > (SIZE_MAX - BUILD_FIXED) / 3)
		return SIZE_MAX;
	return BUILD_FIXED + 3 * name_len;
}

const char *
magnet_strerror(int err)
{
	switch (err)
	{
		case MAGNET_OK:
			return "success";
		case MAGNET_ERR_NOT_MAGNET:
			return "not a magnet URI";
		case MAGNET_ERR_TOO_LONG:
			return "magnet URI too long";
		case MAGNET_ERR_NO_HASH:
			return "magnet URI has no BitTorrent info hash";
		case MAGNET_ERR_BAD_BTIH:
			return "invalid btih info hash";
		case MAGNET_ERR_BAD_BTMH:
			return "invalid btmh multihash";
		case MAGNET_ERR_BAD_ESCAPE:
			return "invalid percent escape";
		case MAGNET_ERR_CONFLICT:
			return "conflicting info hashes";
		case MAGNET_ERR_BUFFER:
			return "output buffer too small";
	}
	return "unknown magnet error";
}
