/*
 * test_addrlist.c
 *		Unit tests of addrlist: the GUC list parsers and address conversions.
 *
 * One table per parser, one line per accepted or rejected form.  Accepted
 * rows give the parsed result rendered as text; rejected rows give the
 * expected code and the exact errdetail sentence.  Every input sits flush
 * against a PROT_NONE page (its NUL is the last readable byte).
 */
#include "addrlist.h"
#include "unit.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdbool.h>

#define OK		ADDRLIST_OK
#define SYNTAX	ADDRLIST_ERR_SYNTAX
#define RANGE	ADDRLIST_ERR_RANGE
#define DUP		ADDRLIST_ERR_DUPLICATE
#define MANY	ADDRLIST_ERR_TOO_MANY
#define EMPTY	ADDRLIST_ERR_EMPTY
#define LONG	ADDRLIST_ERR_TOO_LONG

/* An input, the expected code, and the rendering or error sentence. */
struct row
{
	const char *in;
	int			rc;
	const char *want;
};

static const struct row port_rows[] = {
	/* accepted */
	{"6881-6888", OK, "6881-6888 (8)"},
	{"6881", OK, "6881 (1)"},
	{"6881,6890-6899", OK, "6881,6890-6899 (11)"},
	{" 6881 , 6890 - 6899 ", OK, "6881,6890-6899 (11)"},
	{"\t6881,\n6882\r\n", OK, "6881,6882 (2)"},
	{"6881 -6888", OK, "6881-6888 (8)"},
	{"1", OK, "1 (1)"},
	{"65535", OK, "65535 (1)"},
	{"1-1", OK, "1 (1)"},
	{"65535-65535", OK, "65535 (1)"},
	{"6881-6888,6889", OK, "6881-6888,6889 (9)"},
	{"6890,6881", OK, "6890,6881 (2)"},
	{"1-1024", OK, "1-1024 (1024)"},
	{"1-1000,2000-2023", OK, "1-1000,2000-2023 (1024)"},
	/* empty */
	{"", EMPTY, "The port list is empty."},
	{"   ", EMPTY, "The port list is empty."},
	{"\t\n", EMPTY, "The port list is empty."},
	/* numbers */
	{"0", RANGE, "Port \"0\" is out of range 1-65535."},
	{"65536", RANGE, "Port \"65536\" is out of range 1-65535."},
	{"70000", RANGE, "Port \"70000\" is out of range 1-65535."},
	{"99999999999999999999", RANGE,
	"Port \"99999999999999999999\" is out of range 1-65535."},
	{"06881", SYNTAX, "Port \"06881\" has a leading zero."},
	{"00", SYNTAX, "Port \"00\" has a leading zero."},
	{"6881-06888", SYNTAX, "Port \"06888\" has a leading zero."},
	{"a", SYNTAX, "Port \"a\" is not a number."},
	{"+6881", SYNTAX, "Port \"+6881\" is not a number."},
	{"6881.5", SYNTAX, "Port \"6881.5\" is not a number."},
	{"0x1AE1", SYNTAX, "Port \"0x1AE1\" is not a number."},
	{"6881 6882", SYNTAX, "Port \"6881 6882\" is not a number."},
	{"6881;6882", SYNTAX, "Port \"6881;6882\" is not a number."},
	{"\xef\xbc\x96", SYNTAX, "Port \"???\" is not a number."},
	/* ranges */
	{"6888-6881", RANGE, "Port range \"6888-6881\" is reversed; write it as 6881-6888."},
	{"6881-", SYNTAX, "Port range \"6881-\" is incomplete; write it as first-last, such as 6881-6888."},
	{"-6881", SYNTAX, "Port range \"-6881\" is incomplete; write it as first-last, such as 6881-6888."},
	{"-", SYNTAX, "Port range \"-\" is incomplete; write it as first-last, such as 6881-6888."},
	{"6881 - ", SYNTAX, "Port range \"6881 -\" is incomplete; write it as first-last, such as 6881-6888."},
	{"6881-6888-6890", SYNTAX, "Port \"6888-6890\" is not a number."},
	{"6881-x", SYNTAX, "Port \"x\" is not a number."},
	{"0-5", RANGE, "Port \"0\" is out of range 1-65535."},
	{"6881-70000", RANGE, "Port \"70000\" is out of range 1-65535."},
	/* empty items */
	{",", SYNTAX, "The list contains an empty item (check for doubled or trailing commas)."},
	{"6881,,6882", SYNTAX, "The list contains an empty item (check for doubled or trailing commas)."},
	{"6881,", SYNTAX, "The list contains an empty item (check for doubled or trailing commas)."},
	{",6881", SYNTAX, "The list contains an empty item (check for doubled or trailing commas)."},
	{"6881, ,6882", SYNTAX, "The list contains an empty item (check for doubled or trailing commas)."},
	/* overlaps */
	{"6881,6881", DUP, "Port 6881 is listed twice."},
	{"6881-6888,6885", DUP, "Ports 6881-6888 and 6885 overlap."},
	{"6885-6890,6881-6888", DUP, "Ports 6885-6890 and 6881-6888 overlap."},
	{"6881-6888,6888-6890", DUP, "Ports 6881-6888 and 6888-6890 overlap."},
	{"10-20,1-100", DUP, "Ports 10-20 and 1-100 overlap."},
	{"1,5,1-3", DUP, "Ports 1 and 1-3 overlap."},
	/* totals */
	{"1-1025", MANY, "The list has more than 1024 ports."},
	{"1-1000,2000-2024", MANY, "The list has more than 1024 ports."},
	{"1-65535", MANY, "The list has more than 1024 ports."},
};

static const struct row addr_rows[] = {
	{"0.0.0.0", OK, "0.0.0.0"},
	{"::", OK, "::"},
	{"127.0.0.1", OK, "127.0.0.1"},
	{"::1", OK, "::1"},
	{"127.0.0.1, ::1", OK, "127.0.0.1,::1"},
	{" 0.0.0.0 ,\t:: ", OK, "0.0.0.0,::"},
	{"1.2.3.4,1.2.3.5", OK, "1.2.3.4,1.2.3.5"},
	{"2001:db8::1", OK, "2001:db8::1"},
	{"2001:DB8:0:0:0:0:0:1", OK, "2001:db8::1"},
	{"0000:0000:0000:0000:0000:0000:0000:0001", OK, "::1"},
	{"fe80::1", OK, "fe80::1"},
	{"255.255.255.255", OK, "255.255.255.255"},
	{"127.0.0.1,::", OK, "127.0.0.1,::"},
	{"", EMPTY, "The address list is empty."},
	{" ", EMPTY, "The address list is empty."},
	{"256.1.1.1", SYNTAX, "Address \"256.1.1.1\" is not a valid IPv4 or IPv6 address."},
	{"1.2.3", SYNTAX, "Address \"1.2.3\" is not a valid IPv4 or IPv6 address."},
	{"1.2.3.4.5", SYNTAX, "Address \"1.2.3.4.5\" is not a valid IPv4 or IPv6 address."},
	{"01.2.3.4", SYNTAX, "Address \"01.2.3.4\" is not a valid IPv4 or IPv6 address."},
	{"1.2.3.4:6881", SYNTAX, "Address \"1.2.3.4:6881\" is not a valid IPv4 or IPv6 address."},
	{"1:2:3:4:5:6:7:8:9", SYNTAX, "Address \"1:2:3:4:5:6:7:8:9\" is not a valid IPv4 or IPv6 address."},
	{"1::2::3", SYNTAX, "Address \"1::2::3\" is not a valid IPv4 or IPv6 address."},
	{"::1%lo", SYNTAX, "Address \"::1%lo\" is not a valid IPv4 or IPv6 address."},
	{"1.2.3.4 5.6.7.8", SYNTAX, "Address \"1.2.3.4 5.6.7.8\" is not a valid IPv4 or IPv6 address."},
	{"localhost", SYNTAX, "Address \"localhost\" is not a numeric IPv4 or IPv6 address; host names are not accepted."},
	{"example.com", SYNTAX, "Address \"example.com\" is not a numeric IPv4 or IPv6 address; host names are not accepted."},
	{"[::1]", SYNTAX, "Address \"[::1]\" must be written without brackets."},
	{"::ffff:127.0.0.1", RANGE, "Address \"::ffff:127.0.0.1\" is an IPv4-mapped IPv6 address; write the IPv4 address instead."},
	{"1.2.3.4,1.2.3.4", DUP, "Address \"1.2.3.4\" is listed twice."},
	{"::1,0::1", DUP, "Address \"0::1\" is listed twice."},
	{"0.0.0.0,127.0.0.1", DUP, "Address \"127.0.0.1\" cannot be combined with the 0.0.0.0 wildcard address of its family; list one or the other."},
	{"::1,::", DUP, "Address \"::\" cannot be combined with the :: wildcard address of its family; list one or the other."},
	{"127.0.0.1,,::1", SYNTAX, "The list contains an empty item (check for doubled or trailing commas)."},
	{"::1,", SYNTAX, "The list contains an empty item (check for doubled or trailing commas)."},
};

/* 63- and 64-character labels, 253- and 254-character names. */
#define L63 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define L61 "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define N253 L63 "." L63 "." L63 "." L61
#define N254 L63 "." L63 "." L63 "." L61 "b"
#define N_QUOTE "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa..."

static const struct row hostport_rows[] = {
	{"", OK, ""},
	{"  \t", OK, ""},
	{"router.bittorrent.com:6881", OK, "router.bittorrent.com|6881"},
	{"router.bittorrent.com:6881,dht.transmissionbt.com:6881,"
		"router.utorrent.com:6881,dht.libtorrent.org:25401", OK,
		"router.bittorrent.com|6881,dht.transmissionbt.com|6881,"
	"router.utorrent.com|6881,dht.libtorrent.org|25401"},
	{" a.example:1 , b.example:2 ", OK, "a.example|1,b.example|2"},
	{"[::1]:6881", OK, "::1|6881"},
	{"[2001:db8::1]:65535", OK, "2001:db8::1|65535"},
	{"127.0.0.1:6881", OK, "127.0.0.1|6881"},
	{"localhost:1", OK, "localhost|1"},
	{"a-b.c:80", OK, "a-b.c|80"},
	{"xn--bcher-kva.example:80", OK, "xn--bcher-kva.example|80"},
	{"Host.Example.:6881", OK, "Host.Example.|6881"},
	{"1e100.net:80", OK, "1e100.net|80"},
	{"123.example:80", OK, "123.example|80"},
	{"a:1,a:2", OK, "a|1,a|2"},
	{L63 ".com:1", OK, L63 ".com|1"},
	{N253 ":1", OK, N253 "|1"},
	/* ports */
	{"host", SYNTAX, "Entry \"host\" has no port; write it as host:port."},
	{"host:", SYNTAX, "Entry \"host:\" has no port after \":\"."},
	{"[::1]:", SYNTAX, "Entry \"[::1]:\" has no port after \":\"."},
	{"host:0", RANGE, "Port \"0\" is out of range 1-65535."},
	{"host:65536", RANGE, "Port \"65536\" is out of range 1-65535."},
	{"host:06881", SYNTAX, "Port \"06881\" has a leading zero."},
	{"host:a", SYNTAX, "Port \"a\" is not a number."},
	{"host: 1", SYNTAX, "Port \" 1\" is not a number."},
	{"host:1-2", SYNTAX, "Port \"1-2\" is not a number."},
	/* hosts */
	{":6881", SYNTAX, "Entry \":6881\" has no host before \":\"."},
	{"my_host:6881", SYNTAX, "Host name \"my_host\" contains \"_\"; only letters, digits, hyphens and dots are allowed."},
	{"host :1", SYNTAX, "Host name \"host \" contains \" \"; only letters, digits, hyphens and dots are allowed."},
	{"h\xc3\xa9.com:1", SYNTAX, "Host name \"h??.com\" contains \"?\"; only letters, digits, hyphens and dots are allowed."},
	{"-host:1", SYNTAX, "Host name \"-host\" has a label that begins or ends with a hyphen."},
	{"host-:1", SYNTAX, "Host name \"host-\" has a label that begins or ends with a hyphen."},
	{"a.-b.c:1", SYNTAX, "Host name \"a.-b.c\" has a label that begins or ends with a hyphen."},
	{"a..b:1", SYNTAX, "Host name \"a..b\" has an empty label."},
	{".a:1", SYNTAX, "Host name \".a\" has an empty label."},
	{".:1", SYNTAX, "Host name \".\" has an empty label."},
	{"a.b..:1", SYNTAX, "Host name \"a.b..\" has an empty label."},
	{L63 "a.com:1", SYNTAX, "Host name \"" N_QUOTE "\" has a label longer than 63 characters."},
	{N254 ":1", SYNTAX, "Host name \"" N_QUOTE "\" is longer than 253 characters."},
	{"256.1.1.1:6881", SYNTAX, "Host \"256.1.1.1\" is not a valid IPv4 address."},
	{"1.2.3:80", SYNTAX, "Host \"1.2.3\" is not a valid IPv4 address."},
	{"123:80", SYNTAX, "Host \"123\" is not a valid IPv4 address."},
	{"1.2.3.4.:80", SYNTAX, "Host \"1.2.3.4.\" is not a valid IPv4 address."},
	{"example.123:80", SYNTAX, "Host \"example.123\" is not a valid IPv4 address."},
	/* IPv6 */
	{"[::1]6881", SYNTAX, "Entry \"[::1]6881\" needs \":port\" right after \"]\"."},
	{"[::1] :6881", SYNTAX, "Entry \"[::1] :6881\" needs \":port\" right after \"]\"."},
	{"::1:6881", SYNTAX, "Entry \"::1:6881\" has more than one \":\"; write an IPv6 address in brackets, such as [::1]:6881."},
	{"host:1:2", SYNTAX, "Entry \"host:1:2\" has more than one \":\"; write an IPv6 address in brackets, such as [::1]:6881."},
	{"[::1:6881", SYNTAX, "Entry \"[::1:6881\" has no closing \"]\"."},
	{"[1.2.3.4]:80", SYNTAX, "Entry \"[1.2.3.4]:80\" has no valid IPv6 address between the brackets."},
	{"[]:80", SYNTAX, "Entry \"[]:80\" has no valid IPv6 address between the brackets."},
	{"[host]:80", SYNTAX, "Entry \"[host]:80\" has no valid IPv6 address between the brackets."},
	{"[::1%lo]:80", SYNTAX, "Entry \"[::1%lo]:80\" has no valid IPv6 address between the brackets."},
	{"[::ffff:1.2.3.4]:80", RANGE, "Entry \"[::ffff:1.2.3.4]:80\" holds an IPv4-mapped IPv6 address; write the IPv4 address instead."},
	/* lists */
	{"host:6881,host:6881", DUP, "Entry \"host:6881\" is listed twice."},
	{"HOST:6881,host.:6881", DUP, "Entry \"host.:6881\" is listed twice."},
	{"[::1]:1,[0::1]:1", DUP, "Entry \"[0::1]:1\" is listed twice."},
	{"a:1,,b:2", SYNTAX, "The list contains an empty item (check for doubled or trailing commas)."},
	{"a:1,", SYNTAX, "The list contains an empty item (check for doubled or trailing commas)."},
	{",", SYNTAX, "The list contains an empty item (check for doubled or trailing commas)."},
};

/* ---------------------------------------------------------------------- */
/* Rendering of results */

static void
render_ports(const struct port_range *r, size_t n, size_t total, char *buf,
			 size_t len)
{
	size_t		used = 0;
	size_t		i;

	buf[0] = '\0';
	for (i = 0; i < n && used < len; i++)
	{
		if (r[i].first == r[i].last)
			used += (size_t) snprintf(buf + used, len - used, "%s%u",
									  i ? "," : "", r[i].first);
		else
			used += (size_t) snprintf(buf + used, len - used, "%s%u-%u",
									  i ? "," : "", r[i].first, r[i].last);
	}
	if (used < len)
		snprintf(buf + used, len - used, " (%zu)", total);
}

static void
render_addrs(const struct addrlist_addr *a, size_t n, char *buf, size_t len)
{
	char		ip[INET6_ADDRSTRLEN];
	size_t		used = 0;
	size_t		i;

	buf[0] = '\0';
	for (i = 0; i < n && used < len; i++)
	{
		if (inet_ntop(a[i].family, a[i].addr, ip, sizeof(ip)) == NULL)
			strcpy(ip, "?");
		used += (size_t) snprintf(buf + used, len - used, "%s%s",
								  i ? "," : "", ip);
	}
}

static void
render_hostports(const struct addrlist_hostport *h, size_t n, char *buf,
				 size_t len)
{
	size_t		used = 0;
	size_t		i;

	buf[0] = '\0';
	for (i = 0; i < n && used < len; i++)
		used += (size_t) snprintf(buf + used, len - used, "%s%s|%u",
								  i ? "," : "", h[i].host, h[i].port);
}

/* An error sentence: capital first letter, final period. */
static bool
is_sentence(const char *s)
{
	size_t		len = strlen(s);

	return len > 1 && isupper((unsigned char) s[0]) && s[len - 1] == '.';
}

enum parser
{
	PORTS,
	ADDRS,
	HOSTPORTS
};

/*
 * Run one parser on in (placed against a guard page, with its NUL), with
 * output capacity cap, and render the result (or error) into out.
 */
static int
run_parser(enum parser which, const char *in, size_t cap, char *out,
		   size_t outlen)
{
	static struct port_range ranges[ADDRLIST_MAX_RANGES + 8];
	static struct addrlist_addr addrs[ADDRLIST_MAX_ADDRESSES + 8];
	static struct addrlist_hostport hps[ADDRLIST_MAX_HOSTPORTS + 8];
	struct unit_guarded g = unit_guarded_copy(in, strlen(in) + 1);
	char		err[ADDRLIST_ERR_BUF];
	size_t		n = 99;
	size_t		total = 99;
	int			rc;

	err[0] = '\0';
	if (which == PORTS)
		rc = addrlist_parse_ports((const char *) g.data, ranges, cap, &n,
								  &total, err, sizeof(err));
	else if (which == ADDRS)
		rc = addrlist_parse_addresses((const char *) g.data, addrs, cap, &n,
									  err, sizeof(err));
	else
		rc = addrlist_parse_hostports((const char *) g.data, hps, cap, &n,
									  err, sizeof(err));
	unit_guarded_free(&g);
	CHECKF(n <= cap, "n %zu > cap %zu for \"%s\"", n, cap, in);
	if (rc != ADDRLIST_OK)
	{
		CHECKF(n == 0 && (which != PORTS || total == 0),
			   "counts on failure: \"%s\"", in);
		CHECKF(is_sentence(err), "not a sentence: \"%s\"", err);
		snprintf(out, outlen, "%s", err);
	}
	else if (which == PORTS)
		render_ports(ranges, n, total, out, outlen);
	else if (which == ADDRS)
		render_addrs(addrs, n, out, outlen);
	else
		render_hostports(hps, n, out, outlen);
	return rc;
}

static void
run_table(enum parser which, const struct row *rows, size_t nrows)
{
	char		out[1024];
	size_t		cap = which == PORTS ? ADDRLIST_MAX_RANGES :
	which == ADDRS ? ADDRLIST_MAX_ADDRESSES : ADDRLIST_MAX_HOSTPORTS;
	size_t		i;
	int			rc;

	for (i = 0; i < nrows; i++)
	{
		rc = run_parser(which, rows[i].in, cap, out, sizeof(out));
		CHECKF(rc == rows[i].rc, "row %zu \"%s\": rc %d (%s), want %d",
			   i, rows[i].in, rc, out, rows[i].rc);
		CHECKF(strcmp(out, rows[i].want) == 0,
			   "row %zu \"%s\":\n   got  %s\n   want %s", i, rows[i].in, out,
			   rows[i].want);
	}
}

/* ---------------------------------------------------------------------- */
/* Caps and limits */

/* "<first>,<first+step>,..." with count items. */
static void
make_list(char *buf, size_t len, int count, const char *fmt, int step)
{
	size_t		used = 0;
	int			i;

	buf[0] = '\0';
	for (i = 0; i < count && used < len; i++)
	{
		if (i > 0)
			used += (size_t) snprintf(buf + used, len - used, ",");
		used += (size_t) snprintf(buf + used, len - used, fmt, 1 + i * step);
	}
}

static void
test_caps(void)
{
	static char buf[ADDRLIST_MAX_INPUT + 64];
	char		out[1024];
	char		err[8];
	struct port_range r[4];
	size_t		n = 7;

	make_list(buf, sizeof(buf), 64, "%d", 2);
	CHECK(run_parser(PORTS, buf, 64, out, sizeof(out)) == OK);
	make_list(buf, sizeof(buf), 65, "%d", 2);
	CHECK(run_parser(PORTS, buf, 64, out, sizeof(out)) == MANY);
	CHECK(strcmp(out, "Too many port ranges (at most 64).") == 0);
	/* a larger array does not raise the cap */
	CHECK(run_parser(PORTS, buf, 72, out, sizeof(out)) == MANY);
	/* a smaller array lowers it */
	CHECK(run_parser(PORTS, "1,2,3", 2, out, sizeof(out)) == MANY);
	CHECK(strcmp(out, "Too many port ranges (at most 2).") == 0);
	CHECK(run_parser(PORTS, "1,2", 2, out, sizeof(out)) == OK);
	CHECK(run_parser(PORTS, "1", 0, out, sizeof(out)) == MANY);

	make_list(buf, sizeof(buf), 16, "10.0.0.%d", 1);
	CHECK(run_parser(ADDRS, buf, 16, out, sizeof(out)) == OK);
	make_list(buf, sizeof(buf), 17, "10.0.0.%d", 1);
	CHECK(run_parser(ADDRS, buf, 24, out, sizeof(out)) == MANY);
	CHECK(strcmp(out, "Too many addresses (at most 16).") == 0);

	make_list(buf, sizeof(buf), 32, "h:%d", 1);
	CHECK(run_parser(HOSTPORTS, buf, 32, out, sizeof(out)) == OK);
	make_list(buf, sizeof(buf), 33, "h:%d", 1);
	CHECK(run_parser(HOSTPORTS, buf, 40, out, sizeof(out)) == MANY);
	CHECK(strcmp(out, "Too many host:port entries (at most 32).") == 0);

	/* input length: 4096 bytes pass, 4097 do not, for every parser */
	memset(buf, ' ', ADDRLIST_MAX_INPUT);
	memcpy(buf + ADDRLIST_MAX_INPUT - 4, "6881", 4);
	buf[ADDRLIST_MAX_INPUT] = '\0';
	CHECK(run_parser(PORTS, buf, 64, out, sizeof(out)) == OK);
	memcpy(buf + ADDRLIST_MAX_INPUT - 4, " ::1", 4);
	CHECK(run_parser(ADDRS, buf, 16, out, sizeof(out)) == OK);
	memcpy(buf + ADDRLIST_MAX_INPUT - 4, "a:11", 4);
	CHECK(run_parser(HOSTPORTS, buf, 32, out, sizeof(out)) == OK);
	memcpy(buf + ADDRLIST_MAX_INPUT - 4, " 6881", 6);
	CHECK(run_parser(PORTS, buf, 64, out, sizeof(out)) == LONG);
	CHECK(strcmp(out, "The value is longer than 4096 bytes.") == 0);
	CHECK(run_parser(ADDRS, buf, 16, out, sizeof(out)) == LONG);
	CHECK(run_parser(HOSTPORTS, buf, 32, out, sizeof(out)) == LONG);

	/* NULL input is "", a short or absent err buffer is fine */
	CHECK(addrlist_parse_ports(NULL, r, 4, &n, NULL, err,
							   sizeof(err)) == EMPTY);
	CHECK(strcmp(err, "The por") == 0 && n == 0);
	CHECK(addrlist_parse_hostports(NULL, NULL, 0, &n, NULL, 0) == OK && n == 0);
	CHECK(addrlist_parse_ports("0", r, 4, NULL, NULL, NULL, 0) == RANGE);
	CHECK(addrlist_parse_ports("1,2", r, 4, NULL, NULL, NULL, 0) == OK);
	CHECK(r[0].first == 1 && r[1].last == 2);
}

static void
test_port_at(void)
{
	static const struct port_range r[] = {
		{6881, 6881}, {6890, 6892}, {7000, 7001}
	};
	static const struct
	{
		size_t		index;
		uint16_t	port;
	}			rows[] = {{0, 6881}, {1, 6890}, {2, 6891}, {3, 6892}, {4, 7000},
	{5, 7001}, {6, 0}, {SIZE_MAX, 0}};
	static const struct port_range bad[] = {{9, 5}};
	size_t		i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		CHECKF(addrlist_port_at(r, 3, rows[i].index) == rows[i].port,
			   "index %zu", rows[i].index);
	CHECK(addrlist_port_at(r, 0, 0) == 0);
	CHECK(addrlist_port_at(bad, 1, 0) == 0);
}

/* ---------------------------------------------------------------------- */
/* Conversions */

/*
 * Each address formatted with a port parses back (as a host:port entry) to
 * the same address and port, and survives a sockaddr round trip.
 */
static void
test_format_round_trip(void)
{
	static const struct
	{
		const char *addr;
		uint16_t	port;
		const char *text;
	}			rows[] = {
		{"127.0.0.1", 6881, "127.0.0.1:6881"},
		{"0.0.0.0", 1, "0.0.0.0:1"},
		{"255.255.255.255", 65535, "255.255.255.255:65535"},
		{"::1", 6881, "[::1]:6881"},
		{"::", 80, "[::]:80"},
		{"2001:db8::ff00:42:8329", 443, "[2001:db8::ff00:42:8329]:443"},
		{"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 65535,
		"[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535"},
	};
	struct addrlist_addr a;
	struct addrlist_addr back;
	struct addrlist_addr again;
	struct addrlist_hostport hp;
	struct sockaddr_storage ss;
	socklen_t	sslen;
	char		buf[80];
	char		err[ADDRLIST_ERR_BUF];
	size_t		n;
	uint16_t	port;
	size_t		i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
	{
		CHECK(addrlist_parse_addresses(rows[i].addr, &a, 1, &n, err,
									   sizeof(err)) == OK && n == 1);
		CHECK(addrlist_format(&a, rows[i].port, buf, sizeof(buf)) == buf);
		CHECKF(strcmp(buf, rows[i].text) == 0, "%s", buf);
		CHECKF(addrlist_parse_hostports(buf, &hp, 1, &n, err,
										sizeof(err)) == OK && n == 1,
			   "%s: %s", buf, err);
		CHECK(hp.port == rows[i].port);
		CHECK(addrlist_parse_addresses(hp.host, &back, 1, &n, err,
									   sizeof(err)) == OK);
		CHECK(back.family == a.family && memcmp(back.addr, a.addr, 16) == 0);

		addrlist_addr_to_sockaddr(&a, rows[i].port, &ss, &sslen);
		CHECK(sslen == (a.family == AF_INET ? sizeof(struct sockaddr_in) :
						sizeof(struct sockaddr_in6)));
		CHECK(ss.ss_family == a.family);
		port = 0;
		CHECK(addrlist_addr_from_sockaddr((struct sockaddr *) &ss, &again,
										  &port) == OK);
		CHECK(port == rows[i].port && again.family == a.family &&
			  memcmp(again.addr, a.addr, 16) == 0);
	}
}

static void
test_format_edges(void)
{
	struct addrlist_addr a;
	struct addrlist_addr out;
	struct sockaddr_storage ss;
	struct sockaddr_in sin;
	socklen_t	len = 99;
	char		buf[32];
	size_t		n;

	CHECK(addrlist_parse_addresses("127.0.0.1", &a, 1, &n, NULL, 0) == OK);
	/* truncation keeps a terminator */
	memset(buf, 'x', sizeof(buf));
	CHECK(strcmp(addrlist_format(&a, 6881, buf, 5), "127.") == 0);
	CHECK(strcmp(addrlist_format(&a, 6881, buf, 1), "") == 0);
	buf[0] = 'x';
	CHECK(addrlist_format(&a, 6881, buf, 0) == buf && buf[0] == 'x');
	CHECK(addrlist_format(&a, 6881, NULL, 10) == NULL);
	/* unknown family */
	memset(&a, 0, sizeof(a));
	a.family = AF_UNIX;
	CHECK(strcmp(addrlist_format(&a, 1, buf, sizeof(buf)),
				 "(invalid address):1") == 0);
	addrlist_addr_to_sockaddr(&a, 1, &ss, &len);
	CHECK(len == 0 && ss.ss_family == AF_UNSPEC);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_UNIX;
	CHECK(addrlist_addr_from_sockaddr((struct sockaddr *) &sin, &out, NULL) ==
		  ADDRLIST_ERR_FAMILY);
	/* port may be NULL; v4-mapped sockaddrs stay IPv6 */
	CHECK(addrlist_parse_addresses("::1", &a, 1, &n, NULL, 0) == OK);
	a.addr[10] = a.addr[11] = 0xff;
	addrlist_addr_to_sockaddr(&a, 7, &ss, NULL);
	CHECK(addrlist_addr_from_sockaddr((struct sockaddr *) &ss, &out,
									  NULL) == OK);
	CHECK(out.family == AF_INET6);
	CHECK(strcmp(addrlist_format(&out, 7, buf, sizeof(buf)),
				 "[::ffff:0.0.0.1]:7") == 0);
	CHECK(strcmp(addrlist_strerror(ADDRLIST_ERR_DUPLICATE),
				 "duplicate or overlapping item") == 0);
	CHECK(strcmp(addrlist_strerror(-99), "unknown addrlist error") == 0);
}

int
main(void)
{
	run_table(PORTS, port_rows, sizeof(port_rows) / sizeof(port_rows[0]));
	run_table(ADDRS, addr_rows, sizeof(addr_rows) / sizeof(addr_rows[0]));
	run_table(HOSTPORTS, hostport_rows,
			  sizeof(hostport_rows) / sizeof(hostport_rows[0]));
	test_caps();
	test_port_at();
	test_format_round_trip();
	test_format_edges();
	return unit_summary("addrlist");
}
