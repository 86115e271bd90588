/*
 * addrlist.c
 *		Parsing of the GUC list syntaxes: ports, listen addresses, host:port.
 *
 * Owns the three list parsers and the address conversions declared in
 * addrlist.h (thin wrappers over netaddr.h's); see there for the accepted
 * syntax.  Called from PostgreSQL check hooks, so every failure writes one
 * errdetail-style sentence.
 *
 * Implementation: the input length is bounded first (strnlen), then items
 * are cut at commas as (pointer, length) spans and trimmed; nothing below
 * relies on NUL termination.  Numeric addresses are parsed by inet_pton on
 * a bounded local copy (glibc's refuses IPv4 octets with leading zeros and
 * IPv6 zone ids).  Duplicate checks are pairwise: the caps keep them tiny.
 */
#include "addrlist.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "netaddr.h"

/* Longest excerpt of an item quoted in an error sentence. */
#define QUOTE_MAX		48
/* Buffer for a quoted excerpt: QUOTE_MAX characters, "...", NUL. */
#define QUOTE_BUF		(QUOTE_MAX + 4)
/* Longest numeric address text we copy for inet_pton. */
#define IP_TEXT_MAX		63
/* Longest label of a host name (RFC 1035). */
#define LABEL_MAX		63

/* A piece of the input: not NUL-terminated. */
struct span
{
	const char *p;
	size_t		len;
};

/* ---------------------------------------------------------------------- */
/* Helpers: spans, errors */

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
		c == '\v';
}

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool
is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static struct span
span_trim(struct span t)
{
	while (t.len > 0 && is_blank(t.p[0]))
	{
		t.p++;
		t.len--;
	}
	while (t.len > 0 && is_blank(t.p[t.len - 1]))
		t.len--;
	return t;
}

static bool
span_has(struct span t, char c)
{
	return t.len > 0 && memchr(t.p, c, t.len) != NULL;
}

/*
 * Copy at most QUOTE_MAX characters of t into buf (QUOTE_BUF bytes) for an
 * error sentence, "?" for bytes that are not printable ASCII, and "..." if
 * shortened.  Returns buf.
 */
static const char *
quote(struct span t, char *buf)
{
	size_t		n = t.len > QUOTE_MAX ? QUOTE_MAX : t.len;
	size_t		i;
	unsigned char c;

	for (i = 0; i < n; i++)
	{
		c = (unsigned char) t.p[i];
		buf[i] = (c >= 0x20 && c < 0x7f) ? (char) c : '?';
	}
	if (n < t.len)
		memcpy(buf + n, "...", 4);
	else
		buf[n] = '\0';
	return buf;
}

/* Write the sentence into err (if any room) and return code. */
static int	fail(char *err, size_t errlen, int code, const char *fmt,...)
			__attribute__((format(printf, 4, 5)));

static int
fail(char *err, size_t errlen, int code, const char *fmt,...)
{
	va_list		ap;

	if (err != NULL && errlen > 0)
	{
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return code;
}

/* Bound the input: *len = its length, or TOO_LONG.  NULL counts as "". */
static int
input_len(const char *s, size_t *len, char *err, size_t errlen)
{
	*len = (s == NULL) ? 0 : strnlen(s, ADDRLIST_MAX_INPUT + 1);
	if (*len > ADDRLIST_MAX_INPUT)
		return fail(err, errlen, ADDRLIST_ERR_TOO_LONG,
					"The value is longer than %d bytes.", ADDRLIST_MAX_INPUT);
	return ADDRLIST_OK;
}

static bool
all_blank(const char *s, size_t len)
{
	size_t		i;

	for (i = 0; i < len; i++)
		if (!is_blank(s[i]))
			return false;
	return true;
}

/*
 * The next comma-separated item of s[0..len) at *pos, trimmed (possibly
 * empty), and *pos moved past its comma.  False when the list is done.
 */
static bool
next_item(const char *s, size_t len, size_t *pos, struct span *item)
{
	size_t		end = *pos;

	if (*pos > len)
		return false;
	while (end < len && s[end] != ',')
		end++;
	item->p = s + *pos;
	item->len = end - *pos;
	*item = span_trim(*item);
	*pos = end + 1;
	return true;
}

static int
fail_empty_item(char *err, size_t errlen)
{
	return fail(err, errlen, ADDRLIST_ERR_SYNTAX,
				"The list contains an empty item (check for doubled or trailing commas).");
}

/*
 * Parse a port: decimal digits only, no leading zero, 1..65535.  The
 * sentences name the port itself; callers check for an empty span.
 */
static int
parse_port(struct span t, uint16_t *port, char *err, size_t errlen)
{
	char		q[QUOTE_BUF];
	uint32_t	v = 0;
	size_t		i;

	for (i = 0; i < t.len; i++)
		if (!is_digit(t.p[i]))
			return fail(err, errlen, ADDRLIST_ERR_SYNTAX,
						"Port \"%s\" is not a number.", quote(t, q));
	if (t.len > 1 && t.p[0] == '0')
		return fail(err, errlen, ADDRLIST_ERR_SYNTAX,
					"Port \"%s\" has a leading zero.", quote(t, q));
	/* 5 digits cannot overflow; more are out of range anyway */
	for (i = 0; i < t.len && i < 6; i++)
		v = v * 10 + (uint32_t) (t.p[i] - '0');
	if (t.len == 0 || t.len > 5 || v < 1 || v > 65535)
		return fail(err, errlen, ADDRLIST_ERR_RANGE,
					"Port \"%s\" is out of range 1-65535.", quote(t, q));
	*port = (uint16_t) v;
	return ADDRLIST_OK;
}

/* ---------------------------------------------------------------------- */
/* Ports */

/* "6881" or "6881-6888" into buf (12 bytes are enough). */
static const char *
range_text(struct port_range r, char *buf, size_t len)
{
	if (r.first == r.last)
		snprintf(buf, len, "%u", (unsigned) r.first);
	else
		snprintf(buf, len, "%u-%u", (unsigned) r.first, (unsigned) r.last);
	return buf;
}

/* One item: "port" or "first-last" (blanks allowed around the "-"). */
static int
parse_range(struct span item, struct port_range *r, char *err, size_t errlen)
{
	char		q[QUOTE_BUF];
	const char *dash = memchr(item.p, '-', item.len);
	struct span a;
	struct span b;
	int			rc;

	if (dash == NULL)
	{
		rc = parse_port(item, &r->first, err, errlen);
		r->last = r->first;
		return rc;
	}
	a.p = item.p;
	a.len = (size_t) (dash - item.p);
	b.p = dash + 1;
	b.len = item.len - a.len - 1;
	a = span_trim(a);
	b = span_trim(b);
	if (a.len == 0 || b.len == 0)
		return fail(err, errlen, ADDRLIST_ERR_SYNTAX,
					"Port range \"%s\" is incomplete; write it as first-last, such as 6881-6888.",
					quote(item, q));
	if ((rc = parse_port(a, &r->first, err, errlen)) != ADDRLIST_OK ||
		(rc = parse_port(b, &r->last, err, errlen)) != ADDRLIST_OK)
		return rc;
	if (r->first > r->last)
		return fail(err, errlen, ADDRLIST_ERR_RANGE,
					"Port range \"%s\" is reversed; write it as %u-%u.",
					quote(item, q), (unsigned) r->last, (unsigned) r->first);
	return ADDRLIST_OK;
}

/* DUPLICATE if r shares a port with one of have[0..n). */
static int
check_overlap(const struct port_range *have, size_t n, struct port_range r,
			  char *err, size_t errlen)
{
	char		a[16];
	char		b[16];
	size_t		i;

	for (i = 0; i < n; i++)
	{
		if (r.first > have[i].last || have[i].first > r.last)
			continue;
		if (r.first == r.last && have[i].first == have[i].last)
			return fail(err, errlen, ADDRLIST_ERR_DUPLICATE,
						"Port %u is listed twice.", (unsigned) r.first);
		return fail(err, errlen, ADDRLIST_ERR_DUPLICATE,
					"Ports %s and %s overlap.",
					range_text(have[i], a, sizeof(a)),
					range_text(r, b, sizeof(b)));
	}
	return ADDRLIST_OK;
}

/*
 * Parse dht_indexer.ports (see addrlist.h).  *n and *total_ports (either
 * may be NULL) are 0 on failure.
 */
int
addrlist_parse_ports(const char *s, struct port_range *out, size_t cap,
					 size_t *n, size_t *total_ports, char *err, size_t errlen)
{
	size_t		limit = cap < ADDRLIST_MAX_RANGES ? cap : ADDRLIST_MAX_RANGES;
	size_t		len;
	size_t		pos = 0;
	size_t		count = 0;
	size_t		total = 0;
	struct span item;
	struct port_range r;
	int			rc;

	if (n != NULL)
		*n = 0;
	if (total_ports != NULL)
		*total_ports = 0;
	if ((rc = input_len(s, &len, err, errlen)) != ADDRLIST_OK)
		return rc;
	if (all_blank(s, len))
		return fail(err, errlen, ADDRLIST_ERR_EMPTY,
					"The port list is empty.");
	while (next_item(s, len, &pos, &item))
	{
		if (item.len == 0)
			return fail_empty_item(err, errlen);
		if ((rc = parse_range(item, &r, err, errlen)) != ADDRLIST_OK ||
			(rc = check_overlap(out, count, r, err, errlen)) != ADDRLIST_OK)
			return rc;
		if (count >= limit)
			return fail(err, errlen, ADDRLIST_ERR_TOO_MANY,
						"Too many port ranges (at most %zu).", limit);
		/* no overlaps, so total <= 65535 and cannot overflow */
		total += (size_t) (r.last - r.first) + 1;
		if (total > ADDRLIST_MAX_PORTS)
			return fail(err, errlen, ADDRLIST_ERR_TOO_MANY,
						"The list has more than %d ports.", ADDRLIST_MAX_PORTS);
		out[count++] = r;
	}
	if (n != NULL)
		*n = count;
	if (total_ports != NULL)
		*total_ports = total;
	return ADDRLIST_OK;
}

/* Expand the index-th port; 0 past the end (or for a malformed range). */
uint16_t
addrlist_port_at(const struct port_range *ranges, size_t nranges,
				 size_t index)
{
	size_t		i;
	size_t		width;

	for (i = 0; i < nranges; i++)
	{
		if (ranges[i].last < ranges[i].first)
			return 0;
		width = (size_t) (ranges[i].last - ranges[i].first) + 1;
		if (index < width)
			return (uint16_t) (ranges[i].first + index);
		index -= width;
	}
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Numeric addresses */

/*
 * A numeric IPv4 (no ":") or IPv6 (with ":") literal into *a.  Returns
 * false if t is not one.
 */
static bool
parse_ip(struct span t, struct addrlist_addr *a)
{
	char		buf[IP_TEXT_MAX + 1];

	memset(a, 0, sizeof(*a));
	if (t.len == 0 || t.len > IP_TEXT_MAX)
		return false;
	memcpy(buf, t.p, t.len);
	buf[t.len] = '\0';
	a->family = span_has(t, ':') ? AF_INET6 : AF_INET;
	return inet_pton(a->family, buf, a->addr) == 1;
}

static size_t
addr_len(int family)
{
	return family == AF_INET ? 4 : 16;
}

static bool
is_v4_mapped(const struct addrlist_addr *a)
{
	return a->family == AF_INET6 && netaddr_mapped_v4(a->addr) != NULL;
}

static bool
is_wildcard(const struct addrlist_addr *a)
{
	static const uint8_t zero[16] = {0};

	return memcmp(a->addr, zero, addr_len(a->family)) == 0;
}

static bool
same_addr(const struct addrlist_addr *a, const struct addrlist_addr *b)
{
	return a->family == b->family &&
		memcmp(a->addr, b->addr, addr_len(a->family)) == 0;
}

/* SYNTAX sentence for an item that is not a numeric address. */
static int
fail_not_numeric(struct span item, char *err, size_t errlen)
{
	char		q[QUOTE_BUF];
	size_t		i;

	if (span_has(item, '['))
		return fail(err, errlen, ADDRLIST_ERR_SYNTAX,
					"Address \"%s\" must be written without brackets.",
					quote(item, q));
	if (!span_has(item, ':'))
		for (i = 0; i < item.len; i++)
			if (is_alpha(item.p[i]))
				return fail(err, errlen, ADDRLIST_ERR_SYNTAX,
							"Address \"%s\" is not a numeric IPv4 or IPv6 address; host names are not accepted.",
							quote(item, q));
	return fail(err, errlen, ADDRLIST_ERR_SYNTAX,
				"Address \"%s\" is not a valid IPv4 or IPv6 address.",
				quote(item, q));
}

/* DUPLICATE if a repeats, or overlaps a wildcard of, have[0..n). */
static int
check_addr_dup(const struct addrlist_addr *have, size_t n,
			   const struct addrlist_addr *a, struct span item,
			   char *err, size_t errlen)
{
	char		q[QUOTE_BUF];
	size_t		i;

	for (i = 0; i < n; i++)
	{
		if (same_addr(&have[i], a))
			return fail(err, errlen, ADDRLIST_ERR_DUPLICATE,
						"Address \"%s\" is listed twice.", quote(item, q));
		if (have[i].family == a->family &&
			(is_wildcard(&have[i]) || is_wildcard(a)))
			return fail(err, errlen, ADDRLIST_ERR_DUPLICATE,
						"Address \"%s\" cannot be combined with the %s wildcard address of its family; list one or the other.",
						quote(item, q),
						a->family == AF_INET ? "0.0.0.0" : "::");
	}
	return ADDRLIST_OK;
}

/* Parse dht_indexer.listen_addresses (see addrlist.h); *n 0 on failure. */
int
addrlist_parse_addresses(const char *s, struct addrlist_addr *out,
						 size_t cap, size_t *n, char *err, size_t errlen)
{
	size_t		limit = (cap < ADDRLIST_MAX_ADDRESSES) ?
	cap : ADDRLIST_MAX_ADDRESSES;
	size_t		len;
	size_t		pos = 0;
	size_t		count = 0;
	struct span item;
	struct addrlist_addr a;
	char		q[QUOTE_BUF];
	int			rc;

	if (n != NULL)
		*n = 0;
	if ((rc = input_len(s, &len, err, errlen)) != ADDRLIST_OK)
		return rc;
	if (all_blank(s, len))
		return fail(err, errlen, ADDRLIST_ERR_EMPTY,
					"The address list is empty.");
	while (next_item(s, len, &pos, &item))
	{
		if (item.len == 0)
			return fail_empty_item(err, errlen);
		if (!parse_ip(item, &a))
			return fail_not_numeric(item, err, errlen);
		if (is_v4_mapped(&a))
			return fail(err, errlen, ADDRLIST_ERR_RANGE,
						"Address \"%s\" is an IPv4-mapped IPv6 address; write the IPv4 address instead.",
						quote(item, q));
		rc = check_addr_dup(out, count, &a, item, err, errlen);
		if (rc != ADDRLIST_OK)
			return rc;
		if (count >= limit)
			return fail(err, errlen, ADDRLIST_ERR_TOO_MANY,
						"Too many addresses (at most %zu).", limit);
		out[count++] = a;
	}
	if (n != NULL)
		*n = count;
	return ADDRLIST_OK;
}

/* ---------------------------------------------------------------------- */
/* host:port */

/* Check one label (no dots) of a host name. */
static int
check_label(struct span host, struct span label, char *err, size_t errlen)
{
	char		q[QUOTE_BUF];

	if (label.len == 0)
		return fail(err, errlen, ADDRLIST_ERR_SYNTAX,
					"Host name \"%s\" has an empty label.", quote(host, q));
	if (label.len > LABEL_MAX)
		return fail(err, errlen, ADDRLIST_ERR_SYNTAX,
					"Host name \"%s\" has a label longer than %d characters.",
					quote(host, q), LABEL_MAX);
	if (label.p[0] == '-' || label.p[label.len - 1] == '-')
		return fail(err, errlen, ADDRLIST_ERR_SYNTAX,
					"Host name \"%s\" has a label that begins or ends with a hyphen.",
					quote(host, q));
	return ADDRLIST_OK;
}

/*
 * Check an RFC 1123 host name (one trailing dot allowed).  A name whose
 * last label is all digits must be an IPv4 literal, so that "256.1.1.1" or
 * "10.1" is refused instead of being handed to the resolver.
 */
static int
check_host_name(struct span host, char *err, size_t errlen)
{
	char		q[QUOTE_BUF];
	struct span name = host;
	struct span label;
	struct addrlist_addr a;
	size_t		i;
	bool		numeric = true; /* the current label is all digits */
	bool		last_numeric = false;

	if (host.len > ADDRLIST_HOST_MAX)
		return fail(err, errlen, ADDRLIST_ERR_SYNTAX,
					"Host name \"%s\" is longer than %d characters.",
					quote(host, q), ADDRLIST_HOST_MAX);
	if (name.p[name.len - 1] == '.')
		name.len--;
	label.p = name.p;
	for (i = 0; i <= name.len; i++)
	{
		if (i == name.len || name.p[i] == '.')
		{
			label.len = (size_t) (name.p + i - label.p);
			if (check_label(host, label, err, errlen) != ADDRLIST_OK)
				return ADDRLIST_ERR_SYNTAX;
			label.p = name.p + i + 1;
			last_numeric = numeric;
			numeric = true;
			continue;
		}
		if (!is_digit(name.p[i]) && !is_alpha(name.p[i]) && name.p[i] != '-')
			return fail(err, errlen, ADDRLIST_ERR_SYNTAX,
						"Host name \"%s\" contains \"%c\"; only letters, digits, hyphens and dots are allowed.",
						quote(host, q),
						(name.p[i] >= 0x20 && name.p[i] < 0x7f) ?
						name.p[i] : '?');
		numeric = numeric && is_digit(name.p[i]);
	}
	if (last_numeric && !parse_ip(host, &a))
		return fail(err, errlen, ADDRLIST_ERR_SYNTAX,
					"Host \"%s\" is not a valid IPv4 address.", quote(host, q));
	return ADDRLIST_OK;
}

/*
 * Split "[v6]:port": host (without brackets) and port text; IPv6 checked.
 */
static int
split_bracketed(struct span item, struct span *host, struct span *port,
				char *err, size_t errlen)
{
	char		q[QUOTE_BUF];
	const char *close = memchr(item.p, ']', item.len);
	struct addrlist_addr a;

	if (close == NULL)
		return fail(err, errlen, ADDRLIST_ERR_SYNTAX,
					"Entry \"%s\" has no closing \"]\".", quote(item, q));
	host->p = item.p + 1;
	host->len = (size_t) (close - host->p);
	port->p = close + 1;
	port->len = item.len - (size_t) (port->p - item.p);
	if (port->len == 0 || port->p[0] != ':')
		return fail(err, errlen, ADDRLIST_ERR_SYNTAX,
					"Entry \"%s\" needs \":port\" right after \"]\".",
					quote(item, q));
	port->p++;
	port->len--;
	if (!span_has(*host, ':') || !parse_ip(*host, &a))
		return fail(err, errlen, ADDRLIST_ERR_SYNTAX,
					"Entry \"%s\" has no valid IPv6 address between the brackets.",
					quote(item, q));
	if (is_v4_mapped(&a))
		return fail(err, errlen, ADDRLIST_ERR_RANGE,
					"Entry \"%s\" holds an IPv4-mapped IPv6 address; write the IPv4 address instead.",
					quote(item, q));
	return ADDRLIST_OK;
}

/* Split "host:port" at its only colon; the host name is checked. */
static int
split_plain(struct span item, struct span *host, struct span *port,
			char *err, size_t errlen)
{
	char		q[QUOTE_BUF];
	const char *colon = memchr(item.p, ':', item.len);

	if (colon == NULL)
		return fail(err, errlen, ADDRLIST_ERR_SYNTAX,
					"Entry \"%s\" has no port; write it as host:port.",
					quote(item, q));
	host->p = item.p;
	host->len = (size_t) (colon - item.p);
	port->p = colon + 1;
	port->len = item.len - host->len - 1;
	if (span_has(*port, ':'))
		return fail(err, errlen, ADDRLIST_ERR_SYNTAX,
					"Entry \"%s\" has more than one \":\"; write an IPv6 address in brackets, such as [::1]:6881.",
					quote(item, q));
	if (host->len == 0)
		return fail(err, errlen, ADDRLIST_ERR_SYNTAX,
					"Entry \"%s\" has no host before \":\".", quote(item, q));
	return check_host_name(*host, err, errlen);
}

/* Parse one "host:port" or "[v6]:port" item into *hp. */
static int
parse_hostport(struct span item, struct addrlist_hostport *hp,
			   char *err, size_t errlen)
{
	char		q[QUOTE_BUF];
	struct span host = {NULL, 0};
	struct span port = {NULL, 0};
	int			rc;

	if (item.p[0] == '[')
		rc = split_bracketed(item, &host, &port, err, errlen);
	else
		rc = split_plain(item, &host, &port, err, errlen);
	if (rc != ADDRLIST_OK)
		return rc;
	if (port.len == 0)
		return fail(err, errlen, ADDRLIST_ERR_SYNTAX,
					"Entry \"%s\" has no port after \":\".", quote(item, q));
	if ((rc = parse_port(port, &hp->port, err, errlen)) != ADDRLIST_OK)
		return rc;
	/* both splitters bound host.len by ADDRLIST_HOST_MAX */
	memcpy(hp->host, host.p, host.len);
	hp->host[host.len] = '\0';
	return ADDRLIST_OK;
}

/* Same host: IPv6 by value, names case-insensitively without final dot. */
static bool
same_host(const char *a, const char *b)
{
	struct addrlist_addr x;
	struct addrlist_addr y;
	struct span sa = {a, strlen(a)};
	struct span sb = {b, strlen(b)};

	if (span_has(sa, ':') || span_has(sb, ':'))
		return parse_ip(sa, &x) && parse_ip(sb, &y) && same_addr(&x, &y);
	if (sa.len > 0 && a[sa.len - 1] == '.')
		sa.len--;
	if (sb.len > 0 && b[sb.len - 1] == '.')
		sb.len--;
	return sa.len == sb.len && strncasecmp(a, b, sa.len) == 0;
}

/* Parse dht_indexer.bootstrap_nodes (see addrlist.h); *n 0 on failure. */
int
addrlist_parse_hostports(const char *s, struct addrlist_hostport *out,
						 size_t cap, size_t *n, char *err, size_t errlen)
{
	size_t		limit = (cap < ADDRLIST_MAX_HOSTPORTS) ?
	cap : ADDRLIST_MAX_HOSTPORTS;
	size_t		len;
	size_t		pos = 0;
	size_t		count = 0;
	size_t		i;
	struct span item;
	struct addrlist_hostport hp;
	char		q[QUOTE_BUF];
	int			rc;

	if (n != NULL)
		*n = 0;
	if ((rc = input_len(s, &len, err, errlen)) != ADDRLIST_OK)
		return rc;
	if (all_blank(s, len))
		return ADDRLIST_OK;		/* no bootstrap nodes */
	while (next_item(s, len, &pos, &item))
	{
		if (item.len == 0)
			return fail_empty_item(err, errlen);
		if ((rc = parse_hostport(item, &hp, err, errlen)) != ADDRLIST_OK)
			return rc;
		for (i = 0; i < count; i++)
			if (out[i].port == hp.port && same_host(out[i].host, hp.host))
				return fail(err, errlen, ADDRLIST_ERR_DUPLICATE,
							"Entry \"%s\" is listed twice.", quote(item, q));
		if (count >= limit)
			return fail(err, errlen, ADDRLIST_ERR_TOO_MANY,
						"Too many host:port entries (at most %zu).", limit);
		out[count++] = hp;
	}
	if (n != NULL)
		*n = count;
	return ADDRLIST_OK;
}

/* ---------------------------------------------------------------------- */
/* Conversions */

/*
 * a and port as a netaddr (the conversions below are netaddr's); false if
 * a is neither IPv4 nor IPv6.
 */
static bool
to_netaddr(const struct addrlist_addr *a, uint16_t port, struct netaddr *out)
{
	memset(out, 0, sizeof(*out));
	if (a->family != AF_INET && a->family != AF_INET6)
		return false;
	out->family = a->family;
	memcpy(out->ip, a->addr, netaddr_iplen(out));
	out->port = port;
	return true;
}

/* Format a as "a.b.c.d:port" or "[v6]:port"; always NUL-terminates. */
const char *
addrlist_format(const struct addrlist_addr *a, uint16_t port, char *buf,
				size_t buflen)
{
	struct netaddr na;

	if (buf == NULL || buflen == 0)
		return buf;
	if (to_netaddr(a, port, &na))
		return netaddr_format(&na, buf, buflen);
	snprintf(buf, buflen, "(invalid address):%u", (unsigned) port);
	return buf;
}

/*
 * Read an AF_INET/AF_INET6 sockaddr (the caller vouches for its length).
 * IPv4-mapped IPv6 stays IPv6.  FAMILY (out zeroed) for other families.
 */
int
addrlist_addr_from_sockaddr(const struct sockaddr *sa,
							struct addrlist_addr *out, uint16_t *port)
{
	struct netaddr na;

	memset(out, 0, sizeof(*out));
	if (netaddr_from_sockaddr(sa, &na) != 0)
		return ADDRLIST_ERR_FAMILY;
	out->family = na.family;
	memcpy(out->addr, na.ip, sizeof(out->addr));
	if (port != NULL)
		*port = na.port;
	return ADDRLIST_OK;
}

/* Build a sockaddr for a:port; AF_UNSPEC and *len 0 if a is neither. */
void
addrlist_addr_to_sockaddr(const struct addrlist_addr *a, uint16_t port,
						  struct sockaddr_storage *ss, socklen_t *len)
{
	struct netaddr na;
	socklen_t	l = 0;

	if (to_netaddr(a, port, &na))
		l = netaddr_to_sockaddr(&na, ss);
	else
	{
		memset(ss, 0, sizeof(*ss));
		ss->ss_family = AF_UNSPEC;
	}
	if (len != NULL)
		*len = l;
}

const char *
addrlist_strerror(int err)
{
	switch (err)
	{
		case ADDRLIST_OK:
			return "success";
		case ADDRLIST_ERR_SYNTAX:
			return "malformed list item";
		case ADDRLIST_ERR_RANGE:
			return "value out of range";
		case ADDRLIST_ERR_DUPLICATE:
			return "duplicate or overlapping item";
		case ADDRLIST_ERR_TOO_MANY:
			return "too many items";
		case ADDRLIST_ERR_EMPTY:
			return "empty list";
		case ADDRLIST_ERR_TOO_LONG:
			return "value too long";
		case ADDRLIST_ERR_FAMILY:
			return "unsupported address family";
		default:
			return "unknown addrlist error";
	}
}
