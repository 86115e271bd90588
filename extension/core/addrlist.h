/*
 * addrlist.h
 *		Parsing of the GUC list syntaxes: ports, listen addresses, host:port.
 *
 * Owns: the syntax of dht_indexer.ports ("6881-6888,6890"),
 * dht_indexer.listen_addresses ("0.0.0.0, ::") and
 * dht_indexer.bootstrap_nodes ("router.example.com:6881,[::1]:6881"), the
 * caps on their sizes, and conversions between struct addrlist_addr and
 * sockaddrs and text.  Does not own name resolution (host names are only
 * checked for RFC 1123 syntax), socket creation, or the fd budget (the
 * glue checks addresses x ports against it).
 *
 * Rules shared by the three lists: items are separated by commas; blanks
 * (space, tab, CR, LF, FF, VT) are allowed around items and around the "-"
 * of a port range, nowhere else; an empty item ("a,,b", "a,") is an error;
 * input longer than ADDRLIST_MAX_INPUT bytes is an error.  Ports are
 * decimal 1..65535 without sign or leading zeros ("06881" is refused: a
 * leading zero is a typo or an octal habit, and one spelling per port keeps
 * duplicates obvious).
 *
 * Errors: a negative enum addrlist_error, plus one sentence in the caller's
 * err buffer (capital first letter, final period, offending item quoted and
 * shortened, non-printable bytes shown as "?"), fit for errdetail.  On
 * failure the counts are 0 and the output arrays hold nothing useful.
 * The parsers take NUL-terminated strings (GUC values; NULL means "") but
 * never scan more than ADDRLIST_MAX_INPUT + 1 bytes; they do not allocate.
 */
#ifndef DHT_ADDRLIST_H
#define DHT_ADDRLIST_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/*
 * Port ranges in dht_indexer.ports.  People write a handful by hand; 64 is
 * far beyond that, and keeps the pairwise overlap check (64^2 / 2) and the
 * check hook's "extra" trivially small.
 */
#define ADDRLIST_MAX_RANGES 64

/*
 * Total ports after expanding ranges.  Each port is one UDP socket per
 * listen address, so sockets = addresses x ports must fit PostgreSQL's fd
 * budget (max_files_per_process, 1000 by default); 1024 is already a large
 * swarm on one address.
 */
#define ADDRLIST_MAX_PORTS 1024

/*
 * Listen addresses: one or two per interface and family is usual; 16 covers
 * any sane host and bounds the sockets at 16 x 1024.
 */
#define ADDRLIST_MAX_ADDRESSES 16

/*
 * Bootstrap host:port entries: the default has four; 32 leaves room while
 * bounding the name lookups the worker does at start.
 */
#define ADDRLIST_MAX_HOSTPORTS 32

/*
 * Longest host as written, a trailing dot included (RFC 1035 allows 253
 * characters of text for a 255-octet wire name).
 */
#define ADDRLIST_HOST_MAX 253

/* Longest input accepted; every scan is bounded by it. */
#define ADDRLIST_MAX_INPUT 4096

/* A size that holds every error sentence unshortened. */
#define ADDRLIST_ERR_BUF 256

/* An inclusive range of ports, 1 <= first <= last. */
struct port_range
{
	uint16_t	first;
	uint16_t	last;
};

/* A numeric address. */
struct addrlist_addr
{
	int			family;			/* AF_INET or AF_INET6 */
	uint8_t		addr[16];		/* network order; IPv4 uses the first 4 */
};

/* One host:port entry. */
struct addrlist_hostport
{
	char		host[ADDRLIST_HOST_MAX + 1];	/* NUL-terminated; no [] */
	uint16_t	port;
};

enum addrlist_error
{
	ADDRLIST_OK = 0,
	ADDRLIST_ERR_SYNTAX = -1,	/* malformed item */
	ADDRLIST_ERR_RANGE = -2,	/* well-formed but out of the accepted set */
	ADDRLIST_ERR_DUPLICATE = -3,	/* repeated or overlapping item */
	ADDRLIST_ERR_TOO_MANY = -4, /* more items (or ports) than the cap */
	ADDRLIST_ERR_EMPTY = -5,	/* no items where one is required */
	ADDRLIST_ERR_TOO_LONG = -6, /* input longer than ADDRLIST_MAX_INPUT */
	ADDRLIST_ERR_FAMILY = -7	/* sockaddr neither AF_INET nor AF_INET6 */
};

/*
 * "6881-6888", "6881,6890-6899": 1..65535, first <= last, no overlaps or
 * duplicates, not empty, at most min(cap, ADDRLIST_MAX_RANGES) ranges and
 * ADDRLIST_MAX_PORTS ports in all.  Fills out[0..*n), *total_ports.
 */
int			addrlist_parse_ports(const char *s, struct port_range *out,
								 size_t cap, size_t *n, size_t *total_ports,
								 char *err, size_t errlen);

/*
 * Numeric IPv4/IPv6 literals only ("0.0.0.0", "::", "127.0.0.1", "::1"):
 * no host names, brackets, zone ids or IPv4-mapped IPv6; no duplicates, nor
 * an address beside the wildcard of its family (bind would fail); not
 * empty; at most min(cap, ADDRLIST_MAX_ADDRESSES).
 */
int			addrlist_parse_addresses(const char *s, struct addrlist_addr *out,
									 size_t cap, size_t *n,
									 char *err, size_t errlen);

/*
 * "host:port" entries: an RFC 1123 host name, an IPv4 literal (a name whose
 * last label is numeric must be one) or "[IPv6]:port"; the port is
 * required.  An empty (or blank) string is valid: 0 entries.  Duplicates
 * (case-insensitive, trailing dot ignored) are refused; at most
 * min(cap, ADDRLIST_MAX_HOSTPORTS).
 */
int			addrlist_parse_hostports(const char *s,
									 struct addrlist_hostport *out,
									 size_t cap, size_t *n,
									 char *err, size_t errlen);

/* The index-th port (0-based) of a parsed range list; 0 if out of range. */
uint16_t	addrlist_port_at(const struct port_range *ranges, size_t nranges,
							 size_t index);

/* "127.0.0.1:6881" or "[::1]:6881" into buf (always terminated); buf. */
const char *addrlist_format(const struct addrlist_addr *a, uint16_t port,
							char *buf, size_t buflen);

/* Address and port (host order; port may be NULL) of an IPv4/IPv6 sockaddr. */
int			addrlist_addr_from_sockaddr(const struct sockaddr *sa,
										struct addrlist_addr *out,
										uint16_t *port);

/* A sockaddr for a and port; *len 0 (AF_UNSPEC) for an unknown family. */
void		addrlist_addr_to_sockaddr(const struct addrlist_addr *a,
									  uint16_t port,
									  struct sockaddr_storage *ss,
									  socklen_t *len);

/* A short phrase for an addrlist_error value. */
const char *addrlist_strerror(int err);

#endif							/* DHT_ADDRLIST_H */
