/*
 * test_krpc.c
 *		Unit tests for extension/core/krpc.c: parsing every KRPC message
 *		type, the builders, and their round trips.
 *
 * Parsing is one table (one line per datagram, each put flush against a
 * guard page) whose rows give the expected return code and fields; every
 * proper prefix of each of those datagrams must be refused without reading
 * past its end.  Builders are checked byte for byte against the BEP 5
 * examples and a few of our own, parsed back field by field, and swept over
 * every capacity from 0 to the full length with guard bytes after cap.
 */
#include <stdint.h>
#include <sys/socket.h>

#include "krpc.h"
#include "unit.h"

#define ID20 "abcdefghij0123456789"
#define H20 "mnopqrstuvwxyz123456"
/* 1.2.3.4:6881 and [2001:db8::1]:6881, compact */
#define P4 "\001\002\003\004\032\341"
#define P6 "\040\001\015\270\000\000\000\000\000\000\000\000\000\000\000\001\032\341"
#define N4 ID20 P4				/* a 26-byte IPv4 node */
#define N6 H20 P6				/* a 38-byte IPv6 node */
#define TOK64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

/* string literal and its length (literals may hold NUL bytes) */
#define M(s) s, sizeof(s) - 1
#define U(s) ((const uint8_t *) (s))

/* a query whose a dict holds id then args; q is "<len>:<name>" */
#define QRY(q, args) "d1:ad2:id20:" ID20 args "e1:q" q "1:t2:aa1:y1:qe"
#define ANN(args) QRY("13:announce_peer", args)
/* a response whose r dict holds id then body */
#define RSP(body) "d1:rd2:id20:" ID20 body "e1:t2:aa1:y1:re"
#define ERR(e) "d1:e" e "1:t2:aa1:y1:ee"

#define Q 'q'
#define R 'r'
#define E 'e'
#define OK KRPC_OK
#define BEN KRPC_ERR_BENCODE
#define NOTYPE KRPC_ERR_NO_TYPE
#define BADTID KRPC_ERR_BAD_TID
#define PROTO KRPC_ERR_PROTOCOL

/*
 * One datagram and what krpc_parse must find.  type, method and tid are
 * checked for OK and PROTOCOL rows (tid NULL means "aa"); the other fields
 * only for OK rows, where 0 means absent / zero.
 */
struct parse_case
{
	const char *msg;
	size_t		len;
	int			rc;
	char		type;
	enum krpc_method method;
	const char *tid;
	int			id,
				target,
				ih,
				port,
				implied,
				noseed,
				scrape,
				ro,
				ipfam,
				v;
	unsigned	want;
	size_t		token,
				vlen,
				nodes,
				nodes6,
				nval,
				vskip,
				nsamp,
				emsg;
	int			nbad,
				samples,
				sbad,
				hasint,
				hasnum;
	int64_t		interval,
				num,
				ecode;
};

static const struct parse_case parse_cases[] = {
	/* not one strict bencoded dict: drop */
	{M(""), BEN, .tid = NULL},
	{M("le"), BEN, .tid = NULL},
	{M("i42e"), BEN, .tid = NULL},
	{M("4:spam"), BEN, .tid = NULL},
	{M("d1:y1:q1:t2:aae"), BEN, .tid = NULL},
	{M("d1:t2:aa1:t2:bb1:y1:qe"), BEN, .tid = NULL},
	{M("d1:t2:aa1:y1:qeX"), BEN, .tid = NULL},
	{M("d1:t2:aa1:y1:qed1:t2:aa1:y1:qe"), BEN, .tid = NULL},
	{M("d1:t2:aa1:y1:q"), BEN, .tid = NULL},
	{M("d1:t02:aa1:y1:qe"), BEN, .tid = NULL},
	{M("d1:ti-0e1:y1:qe"), BEN, .tid = NULL},
	{M("di1ei2ee"), BEN, .tid = NULL},
	{M("d1:ad1:ad1:ad1:ad1:ad1:ad1:ad1:ad1:ad1:ad1:ai1eeeeeeeeeee1:t2:aa1:y1:qe"), BEN, .tid = NULL},
	/* depth 10 is allowed (then: no q, no id) */
	{M("d1:ad1:ad1:ad1:ad1:ad1:ad1:ad1:ad1:ad1:ai1eeeeeeeeee1:t2:aa1:y1:qe"), PROTO, Q, KRPC_M_UNKNOWN, .tid = NULL},
	/* y: exactly one of q, r, e */
	{M("de"), NOTYPE, .tid = NULL},
	{M("d1:t2:aae"), NOTYPE, .tid = NULL},
	{M("d1:t2:aa1:y1:xe"), NOTYPE, .tid = NULL},
	{M("d1:t2:aa1:y2:qqe"), NOTYPE, .tid = NULL},
	{M("d1:t2:aa1:y0:e"), NOTYPE, .tid = NULL},
	{M("d1:t2:aa1:yi1ee"), NOTYPE, .tid = NULL},
	{M("d1:t2:aa1:yl1:qee"), NOTYPE, .tid = NULL},
	{M("d1:q4:ping1:y1:Qe"), NOTYPE, .tid = NULL},
	/* t: a string of 1..16 bytes */
	{M("d1:q4:ping1:y1:qe"), BADTID, .tid = NULL},
	{M("d1:t0:1:y1:qe"), BADTID, .tid = NULL},
	{M("d1:ti1e1:y1:qe"), BADTID, .tid = NULL},
	{M("d1:tle1:y1:qe"), BADTID, .tid = NULL},
	{M("d1:rd2:id20:" ID20 "e1:t17:aaaaaaaaaaaaaaaaa1:y1:re"), BADTID, .tid = NULL},
	{M("d1:rd2:id20:" ID20 "e1:t16:aaaaaaaaaaaaaaaa1:y1:re"), OK, R, 0, "aaaaaaaaaaaaaaaa", .id = 1},
	{M("d1:rd2:id20:" ID20 "e1:t2:\377\0011:y1:re"), OK, R, 0, "\377\001", .id = 1},
	{M("d1:rd2:id20:" ID20 "e1:t1:z1:y1:re"), OK, R, 0, "z", .id = 1},
	/* v: any string; ip: 6 or 18 bytes; ro: exactly i1e */
	{M("d1:rd2:id20:" ID20 "e1:t2:aa1:v4:LT011:y1:re"), OK, R, .id = 1, .v = 1, .vlen = 4},
	{M("d1:rd2:id20:" ID20 "e1:t2:aa1:v0:1:y1:re"), OK, R, .id = 1, .v = 1},
	{M("d1:rd2:id20:" ID20 "e1:t2:aa1:vi1e1:y1:re"), OK, R, .id = 1},
	{M("d2:ip6:" P4 "1:rd2:id20:" ID20 "e1:t2:aa1:y1:re"), OK, R, .id = 1, .ipfam = AF_INET},
	{M("d2:ip18:" P6 "1:rd2:id20:" ID20 "e1:t2:aa1:y1:re"), OK, R, .id = 1, .ipfam = AF_INET6},
	{M("d2:ip5:abcde1:rd2:id20:" ID20 "e1:t2:aa1:y1:re"), OK, R, .id = 1},
	{M("d2:ip4:\001\002\003\0041:rd2:id20:" ID20 "e1:t2:aa1:y1:re"), OK, R, .id = 1},
	{M("d2:ipi1e1:rd2:id20:" ID20 "e1:t2:aa1:y1:re"), OK, R, .id = 1},
	{M("d1:ad2:id20:" ID20 "e1:q4:ping2:roi1e1:t2:aa1:y1:qe"), OK, Q, KRPC_M_PING, .id = 1, .ro = 1},
	{M("d1:ad2:id20:" ID20 "e1:q4:ping2:roi0e1:t2:aa1:y1:qe"), OK, Q, KRPC_M_PING, .id = 1},
	{M("d1:ad2:id20:" ID20 "e1:q4:ping2:roi2e1:t2:aa1:y1:qe"), OK, Q, KRPC_M_PING, .id = 1},
	{M("d1:ad2:id20:" ID20 "e1:q4:ping2:ro1:11:t2:aa1:y1:qe"), OK, Q, KRPC_M_PING, .id = 1},
	{M("d1:ad2:id20:" ID20 "e1:q4:ping1:t2:aa1:xi1e1:y1:qe"), OK, Q, KRPC_M_PING, .id = 1},
	/* queries: a dict with a 20-byte id */
	{M(QRY("4:ping", "")), OK, Q, KRPC_M_PING, .id = 1},
	{M(QRY("4:ping", "3:zzzi1e")), OK, Q, KRPC_M_PING, .id = 1},
	{M("d1:q4:ping1:t2:aa1:y1:qe"), PROTO, Q, KRPC_M_PING, .tid = NULL},
	{M("d1:ali1ee1:q4:ping1:t2:aa1:y1:qe"), PROTO, Q, KRPC_M_PING, .tid = NULL},
	{M("d1:ade1:q4:ping1:t2:aa1:y1:qe"), PROTO, Q, KRPC_M_PING, .tid = NULL},
	{M("d1:ad2:id19:abcdefghij012345678e1:q4:ping1:t2:aa1:y1:qe"), PROTO, Q, KRPC_M_PING, .tid = NULL},
	{M("d1:ad2:id21:abcdefghij0123456789Xe1:q4:ping1:t2:aa1:y1:qe"), PROTO, Q, KRPC_M_PING, .tid = NULL},
	{M("d1:ad2:idi1ee1:q4:ping1:t2:aa1:y1:qe"), PROTO, Q, KRPC_M_PING, .tid = NULL},
	/* q: unknown names still parse (the caller answers 204) */
	{M("d1:ad2:id20:" ID20 "e1:t2:aa1:y1:qe"), PROTO, Q, KRPC_M_UNKNOWN, .tid = NULL},
	{M(QRY("i1e", "")), PROTO, Q, KRPC_M_UNKNOWN, .tid = NULL},
	{M(QRY("4:vote", "")), OK, Q, KRPC_M_UNKNOWN, .id = 1},
	{M(QRY("3:get", "6:target20:" H20)), OK, Q, KRPC_M_UNKNOWN, .id = 1, .target = 1},
	{M(QRY("0:", "")), OK, Q, KRPC_M_UNKNOWN, .id = 1},
	{M(QRY("4:PING", "")), OK, Q, KRPC_M_UNKNOWN, .id = 1},
	{M(QRY("10:find_nodes", "")), OK, Q, KRPC_M_UNKNOWN, .id = 1},
	{M("d1:q4:vote1:t2:aa1:y1:qe"), PROTO, Q, KRPC_M_UNKNOWN, .tid = NULL},
	/* find_node: target */
	{M(QRY("9:find_node", "6:target20:" H20)), OK, Q, KRPC_M_FIND_NODE, .id = 1, .target = 1},
	{M(QRY("9:find_node", "")), PROTO, Q, KRPC_M_FIND_NODE, .tid = NULL},
	{M(QRY("9:find_node", "6:target19:mnopqrstuvwxyz12345")), PROTO, Q, KRPC_M_FIND_NODE, .tid = NULL},
	{M(QRY("9:find_node", "6:targeti1e")), PROTO, Q, KRPC_M_FIND_NODE, .tid = NULL},
	{M(QRY("9:find_node", "9:info_hash20:" H20)), PROTO, Q, KRPC_M_FIND_NODE, .tid = NULL},
	{M(QRY("9:find_node", "6:target20:" H20 "4:wantl2:n42:n6e")), OK, Q, KRPC_M_FIND_NODE, .id = 1, .target = 1, .want = 3},
	{M(QRY("9:find_node", "6:target20:" H20 "4:wantl2:n4e")), OK, Q, KRPC_M_FIND_NODE, .id = 1, .target = 1, .want = 1},
	{M(QRY("9:find_node", "6:target20:" H20 "4:wantl2:n63:n44i6ee")), OK, Q, KRPC_M_FIND_NODE, .id = 1, .target = 1, .want = 2},
	{M(QRY("9:find_node", "6:target20:" H20 "4:want2:n4")), OK, Q, KRPC_M_FIND_NODE, .id = 1, .target = 1},
	{M(QRY("9:find_node", "6:target20:" H20 "4:wantle")), OK, Q, KRPC_M_FIND_NODE, .id = 1, .target = 1},
	/* get_peers: info_hash; noseed, scrape */
	{M(QRY("9:get_peers", "9:info_hash20:" H20)), OK, Q, KRPC_M_GET_PEERS, .id = 1, .ih = 1},
	{M(QRY("9:get_peers", "")), PROTO, Q, KRPC_M_GET_PEERS, .tid = NULL},
	{M(QRY("9:get_peers", "9:info_hash21:" H20 "X")), PROTO, Q, KRPC_M_GET_PEERS, .tid = NULL},
	{M(QRY("9:get_peers", "9:info_hash20:" H20 "6:noseedi1e6:scrapei1e")), OK, Q, KRPC_M_GET_PEERS, .id = 1, .ih = 1, .noseed = 1, .scrape = 1},
	{M(QRY("9:get_peers", "9:info_hash20:" H20 "6:noseedi0e6:scrape1:1")), OK, Q, KRPC_M_GET_PEERS, .id = 1, .ih = 1},
	/* announce_peer: info_hash, token, port unless implied_port */
	{M(ANN("12:implied_porti1e9:info_hash20:" H20 "4:porti6881e5:token8:aoeusnth")), OK, Q, KRPC_M_ANNOUNCE_PEER, .id = 1, .ih = 1, .port = 6881, .implied = 1, .token = 8},
	{M(ANN("9:info_hash20:" H20 "4:porti6881e5:token8:aoeusnth")), OK, Q, KRPC_M_ANNOUNCE_PEER, .id = 1, .ih = 1, .port = 6881, .token = 8},
	{M(ANN("9:info_hash20:" H20 "4:porti1e5:token1:x")), OK, Q, KRPC_M_ANNOUNCE_PEER, .id = 1, .ih = 1, .port = 1, .token = 1},
	{M(ANN("9:info_hash20:" H20 "4:porti65535e5:token64:" TOK64)), OK, Q, KRPC_M_ANNOUNCE_PEER, .id = 1, .ih = 1, .port = 65535, .token = 64},
	{M(ANN("9:info_hash20:" H20 "4:porti0e5:token8:aoeusnth")), PROTO, Q, KRPC_M_ANNOUNCE_PEER, .tid = NULL},
	{M(ANN("9:info_hash20:" H20 "4:porti65536e5:token8:aoeusnth")), PROTO, Q, KRPC_M_ANNOUNCE_PEER, .tid = NULL},
	{M(ANN("9:info_hash20:" H20 "4:porti-1e5:token8:aoeusnth")), PROTO, Q, KRPC_M_ANNOUNCE_PEER, .tid = NULL},
	{M(ANN("9:info_hash20:" H20 "4:port4:68815:token8:aoeusnth")), PROTO, Q, KRPC_M_ANNOUNCE_PEER, .tid = NULL},
	{M(ANN("9:info_hash20:" H20 "5:token8:aoeusnth")), PROTO, Q, KRPC_M_ANNOUNCE_PEER, .tid = NULL},
	{M(ANN("12:implied_porti1e9:info_hash20:" H20 "5:token8:aoeusnth")), OK, Q, KRPC_M_ANNOUNCE_PEER, .id = 1, .ih = 1, .implied = 1, .token = 8},
	{M(ANN("12:implied_porti1e9:info_hash20:" H20 "4:porti0e5:token8:aoeusnth")), OK, Q, KRPC_M_ANNOUNCE_PEER, .id = 1, .ih = 1, .implied = 1, .token = 8},
	{M(ANN("12:implied_porti1e9:info_hash20:" H20 "4:porti70000e5:token8:aoeusnth")), OK, Q, KRPC_M_ANNOUNCE_PEER, .id = 1, .ih = 1, .implied = 1, .token = 8},
	{M(ANN("12:implied_porti7e9:info_hash20:" H20 "4:porti6881e5:token8:aoeusnth")), OK, Q, KRPC_M_ANNOUNCE_PEER, .id = 1, .ih = 1, .port = 6881, .implied = 1, .token = 8},
	{M(ANN("12:implied_porti0e9:info_hash20:" H20 "4:porti6881e5:token8:aoeusnth")), OK, Q, KRPC_M_ANNOUNCE_PEER, .id = 1, .ih = 1, .port = 6881, .token = 8},
	{M(ANN("12:implied_porti0e9:info_hash20:" H20 "5:token8:aoeusnth")), PROTO, Q, KRPC_M_ANNOUNCE_PEER, .tid = NULL},
	{M(ANN("12:implied_port1:19:info_hash20:" H20 "5:token8:aoeusnth")), PROTO, Q, KRPC_M_ANNOUNCE_PEER, .tid = NULL},
	{M(ANN("9:info_hash20:" H20 "4:porti6881e")), PROTO, Q, KRPC_M_ANNOUNCE_PEER, .tid = NULL},
	{M(ANN("9:info_hash20:" H20 "4:porti6881e5:token0:")), PROTO, Q, KRPC_M_ANNOUNCE_PEER, .tid = NULL},
	{M(ANN("9:info_hash20:" H20 "4:porti6881e5:token65:" TOK64 "X")), PROTO, Q, KRPC_M_ANNOUNCE_PEER, .tid = NULL},
	{M(ANN("9:info_hash20:" H20 "4:porti6881e5:tokeni1e")), PROTO, Q, KRPC_M_ANNOUNCE_PEER, .tid = NULL},
	{M(ANN("4:porti6881e5:token8:aoeusnth")), PROTO, Q, KRPC_M_ANNOUNCE_PEER, .tid = NULL},
	/* sample_infohashes (BEP 51): target */
	{M(QRY("17:sample_infohashes", "6:target20:" H20)), OK, Q, KRPC_M_SAMPLE_INFOHASHES, .id = 1, .target = 1},
	{M(QRY("17:sample_infohashes", "")), PROTO, Q, KRPC_M_SAMPLE_INFOHASHES, .tid = NULL},
	/* responses: r dict with a 20-byte id */
	{M(RSP("")), OK, R, .id = 1},
	{M(RSP("1:pi1e")), OK, R, .id = 1},
	{M("d1:t2:aa1:y1:re"), PROTO, R, .tid = NULL},
	{M("d1:ri1e1:t2:aa1:y1:re"), PROTO, R, .tid = NULL},
	{M("d1:rde1:t2:aa1:y1:re"), PROTO, R, .tid = NULL},
	{M("d1:rd2:id3:abce1:t2:aa1:y1:re"), PROTO, R, .tid = NULL},
	/* nodes: multiples of 26 / 38, else the sender is broken */
	{M(RSP("5:nodes26:" N4)), OK, R, .id = 1, .nodes = 26},
	{M(RSP("5:nodes52:" N4 N4)), OK, R, .id = 1, .nodes = 52},
	{M(RSP("5:nodes0:")), OK, R, .id = 1},
	{M(RSP("5:nodes25:" ID20 "\001\002\003\004\032")), OK, R, .id = 1, .nbad = 1},
	{M(RSP("5:nodes27:" N4 "x")), OK, R, .id = 1, .nbad = 1},
	{M(RSP("5:nodesi1e")), OK, R, .id = 1, .nbad = 1},
	{M(RSP("5:nodesl26:" N4 "e")), OK, R, .id = 1, .nbad = 1},
	{M(RSP("6:nodes638:" N6)), OK, R, .id = 1, .nodes6 = 38},
	{M(RSP("6:nodes626:" N4)), OK, R, .id = 1, .nbad = 1},
	{M(RSP("5:nodes26:" N4 "6:nodes637:" H20 "\040\001\015\270\000\000\000\000\000\000\000\000\000\000\000\001\032")), OK, R, .id = 1, .nodes = 26, .nbad = 1},
	{M(RSP("5:nodes26:" N4 "6:nodes638:" N6)), OK, R, .id = 1, .nodes = 26, .nodes6 = 38},
	/* values: 6- and 18-byte peers; token */
	{M(RSP("5:token8:aoeusnth6:valuesl6:axje.u6:idhtnme")), OK, R, .id = 1, .token = 8, .nval = 2},
	{M(RSP("6:valuesl18:" P6 "6:" P4 "e")), OK, R, .id = 1, .nval = 2},
	{M(RSP("6:valuesl5:abcdei1ele6:axje.ue")), OK, R, .id = 1, .nval = 1, .vskip = 3},
	{M(RSP("6:valuesl7:axje.uX17:abcdefghij0123456e")), OK, R, .id = 1, .vskip = 2},
	{M(RSP("6:values6:axje.u")), OK, R, .id = 1},
	{M(RSP("6:valuesle")), OK, R, .id = 1},
	{M(RSP("5:token0:")), OK, R, .id = 1},
	{M(RSP("5:token64:" TOK64)), OK, R, .id = 1, .token = 64},
	{M(RSP("5:token65:" TOK64 "X")), OK, R, .id = 1},
	{M(RSP("5:tokeni1e")), OK, R, .id = 1},
	/* BEP 51: samples, interval, num */
	{M(RSP("8:intervali21600e5:nodes26:" N4 "3:numi2e7:samples40:" ID20 H20)), OK, R, .id = 1, .nodes = 26, .samples = 1, .nsamp = 2, .hasint = 1, .interval = 21600, .hasnum = 1, .num = 2},
	{M(RSP("8:intervali0e3:numi0e7:samples0:")), OK, R, .id = 1, .samples = 1, .hasint = 1, .hasnum = 1},
	{M(RSP("7:samples20:" ID20)), OK, R, .id = 1, .samples = 1, .nsamp = 1},
	{M(RSP("7:samples21:" ID20 "X")), OK, R, .id = 1, .sbad = 1},
	{M(RSP("7:samplesi1e")), OK, R, .id = 1, .sbad = 1},
	{M(RSP("8:interval1:53:num1:5")), OK, R, .id = 1},
	{M(RSP("8:intervali-1e3:numi-5e")), OK, R, .id = 1, .hasint = 1, .interval = -1, .hasnum = 1, .num = -5},
	/* errors: e = [int code, string message] */
	{M(ERR("li201e23:A Generic Error Ocurrede")), OK, E, .ecode = 201, .emsg = 23},
	{M(ERR("li204e14:Method Unknowne")), OK, E, .ecode = 204, .emsg = 14},
	{M(ERR("li201e0:e")), OK, E, .ecode = 201},
	{M(ERR("li-1e1:xe")), OK, E, .ecode = -1, .emsg = 1},
	{M(ERR("li201e3:msg5:extrae")), OK, E, .ecode = 201, .emsg = 3},
	{M("d1:t2:aa1:y1:ee"), PROTO, E, .tid = NULL},
	{M(ERR("i201e")), PROTO, E, .tid = NULL},
	{M(ERR("le")), PROTO, E, .tid = NULL},
	{M(ERR("li201ee")), PROTO, E, .tid = NULL},
	{M(ERR("l1:xi201ee")), PROTO, E, .tid = NULL},
	{M(ERR("li201ei202ee")), PROTO, E, .tid = NULL},
	{M(ERR("d4:codei201ee")), PROTO, E, .tid = NULL},
};

#define NPARSE (sizeof(parse_cases) / sizeof(parse_cases[0]))

/* The fields every OK row describes; row is the table index */
static void
check_fields(size_t row, const struct parse_case *c, const struct krpc_msg *m)
{
	CHECKF((m->id != NULL) == c->id, "row %zu: id", row);
	CHECKF((m->target != NULL) == c->target, "row %zu: target", row);
	CHECKF((m->info_hash != NULL) == c->ih, "row %zu: info_hash", row);
	CHECKF(m->port == c->port && m->implied_port == c->implied,
		   "row %zu: port %u implied %d", row, m->port, m->implied_port);
	CHECKF(m->token_len == c->token && (m->token != NULL) == (c->token > 0),
		   "row %zu: token %zu", row, m->token_len);
	CHECKF(m->want == c->want && m->noseed == c->noseed && m->scrape == c->scrape,
		   "row %zu: want %u noseed %d scrape %d", row, m->want, m->noseed, m->scrape);
	CHECKF(m->read_only == c->ro, "row %zu: ro", row);
	CHECKF(m->has_ip == (c->ipfam != 0) && (!m->has_ip || m->ip.family == c->ipfam),
		   "row %zu: ip", row);
	CHECKF((m->version != NULL) == c->v && m->version_len == c->vlen, "row %zu: v", row);
	CHECKF(m->nodes_len == c->nodes && m->nodes6_len == c->nodes6 &&
		   m->nodes_malformed == c->nbad && (c->nodes == 0 || m->nodes != NULL) &&
		   (!c->nbad || (m->nodes_len == 0 || m->nodes6_len == 0)),
		   "row %zu: nodes %zu/%zu bad %d", row, m->nodes_len, m->nodes6_len,
		   m->nodes_malformed);
	CHECKF(m->nvalues == c->nval && m->values_skipped == c->vskip,
		   "row %zu: values %zu skipped %zu", row, m->nvalues, m->values_skipped);
	CHECKF((m->samples != NULL) == c->samples && m->nsamples == c->nsamp &&
		   m->samples_malformed == c->sbad, "row %zu: samples", row);
	CHECKF(m->has_interval == c->hasint && m->interval == c->interval,
		   "row %zu: interval", row);
	CHECKF(m->num == (c->hasnum ? c->num : -1), "row %zu: num", row);
	CHECKF(m->error_code == c->ecode && m->error_msg_len == c->emsg &&
		   (m->error_msg != NULL) == (c->type == E), "row %zu: error", row);
}

static void
test_parse_table(void)
{
	size_t		i;

	for (i = 0; i < NPARSE; i++)
	{
		const struct parse_case *c = &parse_cases[i];
		struct unit_guarded g = unit_guarded_copy(c->msg, c->len);
		struct krpc_msg m;
		int			rc = krpc_parse(g.data, c->len, &m);
		const char *tid = c->tid != NULL ? c->tid : "aa";

		CHECKF(rc == c->rc, "row %zu: rc %d (%s), want %d", i, rc,
			   krpc_strerror(rc), c->rc);
		if (rc == c->rc && (rc == OK || rc == PROTO))
		{
			CHECKF(m.type == c->type, "row %zu: type %c", i, m.type);
			CHECKF(m.method == c->method, "row %zu: method %d", i, (int) m.method);
			CHECKF(m.tid_len == strlen(tid) && memcmp(m.tid, tid, m.tid_len) == 0,
				   "row %zu: tid", i);
		}
		if (rc == OK && c->rc == OK)
			check_fields(i, c, &m);
		unit_guarded_free(&g);
	}
}

/* Every proper prefix of every datagram in the table is refused. */
static void
test_truncations(void)
{
	size_t		i,
				n;

	for (i = 0; i < NPARSE; i++)
	{
		const struct parse_case *c = &parse_cases[i];

		if (c->rc == BEN)
			continue;
		for (n = 0; n < c->len; n++)
		{
			struct unit_guarded g = unit_guarded_copy(c->msg, n);
			struct krpc_msg m;
			int			rc = krpc_parse(g.data, n, &m);

			CHECKF(rc == BEN, "row %zu prefix %zu: rc %d", i, n, rc);
			unit_guarded_free(&g);
		}
	}
}

/* Parsed values and samples hold the right bytes, in order. */
static void
test_parse_contents(void)
{
	static const char msg[] = RSP("6:valuesl6:axje.u18:" P6 "e");
	static const char smp[] = RSP("7:samples40:" ID20 H20);
	struct unit_guarded g = unit_guarded_copy(msg, sizeof(msg) - 1);
	struct krpc_msg m;

	CHECK(krpc_parse(g.data, sizeof(msg) - 1, &m) == OK && m.nvalues == 2);
	CHECK(m.values[0].family == AF_INET && memcmp(m.values[0].ip, "axje", 4) == 0 &&
		  m.values[0].port == (('.' << 8) | 'u'));
	CHECK(m.values[1].family == AF_INET6 && memcmp(m.values[1].ip, P6, 16) == 0 &&
		  m.values[1].port == 6881);
	CHECK(m.id == g.data + 12 && m.tid == g.data + sizeof(msg) - 1 - 9);
	unit_guarded_free(&g);
	g = unit_guarded_copy(smp, sizeof(smp) - 1);
	CHECK(krpc_parse(g.data, sizeof(smp) - 1, &m) == OK && m.nsamples == 2 &&
		  memcmp(m.samples, ID20 H20, 40) == 0);
	unit_guarded_free(&g);
}

/*
 * Build "d1:rd2:id20:<ID20>6:valuesl" + n items + "ee1:t2:aa1:y1:re" into
 * a malloc'd buffer; items are 6-byte peers or (ints) i1e.
 */
static char *
values_msg(size_t n, int ints, size_t *len)
{
	static const char head[] = "d1:rd2:id20:" ID20 "6:valuesl";
	static const char tail[] = "ee1:t2:aa1:y1:re";
	const char *item = ints ? "i1e" : "6:" P4;
	size_t		ilen = ints ? 3 : 8;
	char	   *buf = malloc(sizeof(head) + n * ilen + sizeof(tail));
	size_t		i;

	memcpy(buf, head, sizeof(head) - 1);
	*len = sizeof(head) - 1;
	for (i = 0; i < n; i++, *len += ilen)
		memcpy(buf + *len, item, ilen);
	memcpy(buf + *len, tail, sizeof(tail) - 1);
	*len += sizeof(tail) - 1;
	return buf;
}

/* KRPC_MAX_VALUES peers kept, the rest counted; KRPC_MAX_TOKENS enforced */
static void
test_caps(void)
{
	static const struct
	{
		size_t		n;
		int			ints;
		int			rc;
		size_t		nval;
		size_t		skipped;
	}			cases[] = {
		{KRPC_MAX_VALUES, 0, OK, KRPC_MAX_VALUES, 0},
		{KRPC_MAX_VALUES + 2, 0, OK, KRPC_MAX_VALUES, 2},
		/* 11 tokens around the list: 501 items fill 512 exactly */
		{KRPC_MAX_TOKENS - 11, 1, OK, 0, KRPC_MAX_TOKENS - 11},
		{KRPC_MAX_TOKENS - 10, 1, BEN, 0, 0},
	};
	size_t		i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
	{
		size_t		len;
		char	   *msg = values_msg(cases[i].n, cases[i].ints, &len);
		struct unit_guarded g = unit_guarded_copy(msg, len);
		struct krpc_msg m;
		int			rc = krpc_parse(g.data, len, &m);

		CHECKF(rc == cases[i].rc, "cap row %zu: rc %d", i, rc);
		if (rc == OK)
			CHECKF(m.nvalues == cases[i].nval && m.values_skipped == cases[i].skipped,
				   "cap row %zu: %zu kept %zu skipped", i, m.nvalues, m.values_skipped);
		unit_guarded_free(&g);
		free(msg);
	}
}

/* krpc_node_at for both families, the last node flush against a guard page */
static void
test_node_at(void)
{
	static const uint8_t n4[] = H20 "\012\000\000\001\000\120" N4;
	static const uint8_t n6[] = ID20 "\376\200\000\000\000\000\000\000\000\000\000\000\000\000\000\002\377\377" N6;
	struct unit_guarded g4 = unit_guarded_copy(n4, sizeof(n4) - 1);
	struct unit_guarded g6 = unit_guarded_copy(n6, sizeof(n6) - 1);
	const uint8_t *nodes4 = g4.data;
	const uint8_t *nodes6 = g6.data;
	uint8_t		id[KRPC_ID_LEN];
	struct netaddr a;

	krpc_node_at(nodes4, 0, AF_INET, id, &a);
	CHECK(memcmp(id, H20, 20) == 0 && a.family == AF_INET &&
		  memcmp(a.ip, "\012\000\000\001", 4) == 0 && a.port == 80);
	krpc_node_at(nodes4, 1, AF_INET, id, &a);
	CHECK(memcmp(id, ID20, 20) == 0 && a.family == AF_INET &&
		  memcmp(a.ip, "\001\002\003\004", 4) == 0 && a.port == 6881);
	krpc_node_at(nodes6, 0, AF_INET6, id, &a);
	CHECK(memcmp(id, ID20, 20) == 0 && a.family == AF_INET6 &&
		  a.ip[0] == 0xfe && a.ip[1] == 0x80 && a.ip[15] == 2 && a.port == 65535);
	krpc_node_at(nodes6, 1, AF_INET6, id, &a);
	CHECK(memcmp(id, H20, 20) == 0 && a.family == AF_INET6 &&
		  memcmp(a.ip, P6, 16) == 0 && a.port == 6881);
	CHECK(sizeof(n4) - 1 == 2 * KRPC_NODE4_LEN &&
		  sizeof(n6) - 1 == 2 * KRPC_NODE6_LEN);
	unit_guarded_free(&g4);
	unit_guarded_free(&g6);
}

/* ------------------------------------------------------------------------
 * Builders
 * ------------------------------------------------------------------------
 */

static const struct netaddr req4 = {AF_INET, {1, 2, 3, 4}, 6881};
static const struct netaddr req6 = {AF_INET6, {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 6881};
static const struct netaddr bad_family = {0, {1, 2, 3, 4}, 6881};
/* BEP 5's "axje.u" and "idhtnm" */
static const struct netaddr bep5_peers[] = {
	{AF_INET, {'a', 'x', 'j', 'e'}, ('.' << 8) | 'u'},
	{AF_INET, {'i', 'd', 'h', 't'}, ('n' << 8) | 'm'},
};
static const struct netaddr mixed_peers[] = {
	{AF_INET6, {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 6881},
	{AF_INET, {1, 2, 3, 4}, 6881},
};

/* A build request: exactly one of q, r, e is non-NULL */
struct err_in
{
	const char *tid;
	int			code;
	const char *msg;
	const struct netaddr *requester;
};

struct build_case
{
	const struct krpc_query *q;
	const struct krpc_response *r;
	const struct err_in *e;
	const char *expect;			/* NULL: no exact encoding to compare */
	size_t		expect_len;
};

#define T2 .tid = U("aa"), .tid_len = 2

static const struct krpc_query q_ping = {KRPC_M_PING, T2, .id = U(ID20)};
static const struct krpc_query q_find = {KRPC_M_FIND_NODE, T2, .id = U(ID20), .target = U(H20)};
static const struct krpc_query q_peers = {KRPC_M_GET_PEERS, T2, .id = U(ID20), .info_hash = U(H20)};
static const struct krpc_query q_ann_implied = {KRPC_M_ANNOUNCE_PEER, T2, .id = U(ID20), .info_hash = U(H20), .port = 6881, .implied_port = 1, .token = U("aoeusnth"), .token_len = 8};
static const struct krpc_query q_ann = {KRPC_M_ANNOUNCE_PEER, T2, .id = U(ID20), .info_hash = U(H20), .port = 6881, .token = U("aoeusnth"), .token_len = 8};
static const struct krpc_query q_ann_port0 = {KRPC_M_ANNOUNCE_PEER, T2, .id = U(ID20), .info_hash = U(H20), .implied_port = 1, .token = U("x"), .token_len = 1};
static const struct krpc_query q_sample = {KRPC_M_SAMPLE_INFOHASHES, T2, .id = U(ID20), .target = U(H20)};
static const struct krpc_query q_find_want_ro = {KRPC_M_FIND_NODE, T2, .id = U(ID20), .target = U(H20), .want = KRPC_WANT_N4 | KRPC_WANT_N6, .read_only = 1};
static const struct krpc_query q_peers_want6 = {KRPC_M_GET_PEERS, .tid = U("\000\377\001"), .tid_len = 3, .id = U(ID20), .info_hash = U(H20), .want = KRPC_WANT_N6};

static const struct krpc_response r_ping = {T2, .id = U(H20)};
static const struct krpc_response r_values = {T2, .id = U(ID20), .token = U("aoeusnth"), .token_len = 8, .values = bep5_peers, .nvalues = 2};
static const struct krpc_response r_nodes = {T2, .id = U(H20), .requester = &req4, .nodes = U(N4), .nodes_len = 26, .nodes6 = U(N6), .nodes6_len = 38, .version = U("LT01"), .version_len = 4};
static const struct krpc_response r_mixed = {T2, .id = U(H20), .token = U("tk"), .token_len = 2, .values = mixed_peers, .nvalues = 2, .nodes = U(N4), .nodes_len = 26};
static const struct krpc_response r_sample = {T2, .id = U(ID20), .nodes = U(N4), .nodes_len = 26, .with_samples = 1, .samples = U(ID20 H20), .nsamples = 2, .interval = 21600, .num = 2};
static const struct krpc_response r_sample0 = {T2, .id = U(ID20), .with_samples = 1};
static const struct krpc_response r_ip6 = {T2, .id = U(ID20), .requester = &req6};

static const struct err_in e_bep5 = {"aa", KRPC_E_GENERIC, "A Generic Error Ocurred", NULL};
static const struct err_in e_ip6 = {"aa", KRPC_E_PROTOCOL, "Protocol Error", &req6};
static const struct err_in e_null = {"aa", -1, NULL, &req4};

static const struct build_case build_cases[] = {
	/* the BEP 5 examples */
	{&q_ping, NULL, NULL, M("d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:qe")},
	{&q_find, NULL, NULL, M("d1:ad2:id20:abcdefghij01234567896:target20:mnopqrstuvwxyz123456e1:q9:find_node1:t2:aa1:y1:qe")},
	{&q_peers, NULL, NULL, M("d1:ad2:id20:abcdefghij01234567899:info_hash20:mnopqrstuvwxyz123456e1:q9:get_peers1:t2:aa1:y1:qe")},
	{&q_ann_implied, NULL, NULL, M("d1:ad2:id20:abcdefghij012345678912:implied_porti1e9:info_hash20:mnopqrstuvwxyz1234564:porti6881e5:token8:aoeusnthe1:q13:announce_peer1:t2:aa1:y1:qe")},
	{NULL, &r_ping, NULL, M("d1:rd2:id20:mnopqrstuvwxyz123456e1:t2:aa1:y1:re")},
	{NULL, &r_values, NULL, M("d1:rd2:id20:abcdefghij01234567895:token8:aoeusnth6:valuesl6:axje.u6:idhtnmee1:t2:aa1:y1:re")},
	{NULL, NULL, &e_bep5, M("d1:eli201e23:A Generic Error Ocurrede1:t2:aa1:y1:ee")},
	/* ours */
	{&q_ann, NULL, NULL, M(ANN("9:info_hash20:" H20 "4:porti6881e5:token8:aoeusnth"))},
	{&q_ann_port0, NULL, NULL, M(ANN("12:implied_porti1e9:info_hash20:" H20 "4:porti0e5:token1:x"))},
	{&q_sample, NULL, NULL, M(QRY("17:sample_infohashes", "6:target20:" H20))},
	{&q_find_want_ro, NULL, NULL, M("d1:ad2:id20:" ID20 "6:target20:" H20 "4:wantl2:n42:n6ee1:q9:find_node2:roi1e1:t2:aa1:y1:qe")},
	{&q_peers_want6, NULL, NULL, M("d1:ad2:id20:" ID20 "9:info_hash20:" H20 "4:wantl2:n6ee1:q9:get_peers1:t3:\000\377\0011:y1:qe")},
	{NULL, &r_nodes, NULL, M("d2:ip6:" P4 "1:rd2:id20:" H20 "5:nodes26:" N4 "6:nodes638:" N6 "e1:t2:aa1:v4:LT011:y1:re")},
	{NULL, &r_mixed, NULL, M("d1:rd2:id20:" H20 "5:nodes26:" N4 "5:token2:tk6:valuesl18:" P6 "6:" P4 "ee1:t2:aa1:y1:re")},
	{NULL, &r_sample, NULL, M(RSP("8:intervali21600e5:nodes26:" N4 "3:numi2e7:samples40:" ID20 H20))},
	{NULL, &r_sample0, NULL, M(RSP("8:intervali0e3:numi0e7:samples0:"))},
	{NULL, &r_ip6, NULL, M("d2:ip18:" P6 "1:rd2:id20:" ID20 "e1:t2:aa1:y1:re")},
	{NULL, NULL, &e_ip6, M("d1:eli203e14:Protocol Errore2:ip18:" P6 "1:t2:aa1:y1:ee")},
	{NULL, NULL, &e_null, M("d1:eli-1e0:e2:ip6:" P4 "1:t2:aa1:y1:ee")},
};

#define NBUILD (sizeof(build_cases) / sizeof(build_cases[0]))

/* Run the case's builder into buf[0..cap) */
static int
build(const struct build_case *c, uint8_t *buf, size_t cap, size_t *len,
	  size_t *vsent, size_t *ssent)
{
	*vsent = 0;
	*ssent = 0;
	if (c->q != NULL)
		return krpc_build_query(buf, cap, c->q, len);
	if (c->r != NULL)
		return krpc_build_response(buf, cap, c->r, len, vsent, ssent);
	return krpc_build_error(buf, cap, U(c->e->tid), strlen(c->e->tid),
							c->e->code, c->e->msg, c->e->requester, len);
}

/* Does the parsed query say what q asked for? */
static int
same_query(const struct krpc_query *q, const struct krpc_msg *m)
{
	int			ann = q->method == KRPC_M_ANNOUNCE_PEER;
	int			tgt = q->method == KRPC_M_FIND_NODE ||
		q->method == KRPC_M_SAMPLE_INFOHASHES;
	int			ih = ann || q->method == KRPC_M_GET_PEERS;

	return m->type == 'q' && m->method == q->method &&
		memcmp(m->id, q->id, KRPC_ID_LEN) == 0 &&
		(tgt ? m->target != NULL && memcmp(m->target, q->target, 20) == 0 : m->target == NULL) &&
		(ih ? m->info_hash != NULL && memcmp(m->info_hash, q->info_hash, 20) == 0 : m->info_hash == NULL) &&
		m->port == (ann ? q->port : 0) && m->implied_port == (ann && q->implied_port) &&
		m->token_len == (ann ? q->token_len : 0) &&
		(!ann || memcmp(m->token, q->token, q->token_len) == 0) &&
		m->want == q->want && m->read_only == q->read_only;
}

/* Does the parsed response say what r asked for (n values, s samples)? */
static int
same_response(const struct krpc_response *r, const struct krpc_msg *m,
			  size_t nv, size_t ns)
{
	size_t		i;

	if (m->type != 'r' || memcmp(m->id, r->id, 20) != 0 ||
		m->nodes_len != r->nodes_len || m->nodes6_len != r->nodes6_len ||
		(r->nodes_len && memcmp(m->nodes, r->nodes, r->nodes_len) != 0) ||
		(r->nodes6_len && memcmp(m->nodes6, r->nodes6, r->nodes6_len) != 0) ||
		m->token_len != r->token_len ||
		(r->token_len && memcmp(m->token, r->token, r->token_len) != 0) ||
		m->nvalues != nv || m->values_skipped != 0 ||
		(m->samples != NULL) != (r->with_samples != 0) || m->nsamples != ns ||
		(ns && memcmp(m->samples, r->samples, ns * 20) != 0) ||
		m->has_interval != r->with_samples ||
		m->interval != (r->with_samples ? r->interval : 0) ||
		m->num != (r->with_samples ? r->num : -1) ||
		m->has_ip != (r->requester != NULL) ||
		(r->requester && !netaddr_equal(&m->ip, r->requester)) ||
		m->version_len != r->version_len ||
		(r->version && memcmp(m->version, r->version, r->version_len) != 0))
		return 0;
	for (i = 0; i < nv; i++)
		if (!netaddr_equal(&m->values[i], &r->values[i]))
			return 0;
	return 1;
}

/* Does the parsed error say what e asked for? */
static int
same_error(const struct err_in *e, const struct krpc_msg *m)
{
	const char *msg = e->msg != NULL ? e->msg : "";

	return m->type == 'e' && m->error_code == e->code &&
		m->error_msg_len == strlen(msg) &&
		memcmp(m->error_msg, msg, m->error_msg_len) == 0 &&
		m->has_ip == (e->requester != NULL) &&
		(e->requester == NULL || netaddr_equal(&m->ip, e->requester));
}

/* Parse buf back (on a guard page) and compare with the case's input */
static int
round_trip(const struct build_case *c, const uint8_t *buf, size_t len,
		   size_t nv, size_t ns)
{
	struct unit_guarded g = unit_guarded_copy(buf, len);
	struct krpc_msg m;
	int			ok = krpc_parse(g.data, len, &m) == OK;
	const char *tid = c->e != NULL ? c->e->tid : NULL;
	size_t		tid_len = c->e != NULL ? strlen(c->e->tid) : 0;

	if (c->q != NULL)
	{
		tid = (const char *) c->q->tid;
		tid_len = c->q->tid_len;
		ok = ok && same_query(c->q, &m);
	}
	else if (c->r != NULL)
	{
		tid = (const char *) c->r->tid;
		tid_len = c->r->tid_len;
		ok = ok && same_response(c->r, &m, nv, ns);
	}
	else
		ok = ok && same_error(c->e, &m);
	ok = ok && m.tid_len == tid_len && memcmp(m.tid, tid, tid_len) == 0;
	unit_guarded_free(&g);
	return ok;
}

/* Exact encodings, and each parses back to its input */
static void
test_build_exact(void)
{
	size_t		i;

	for (i = 0; i < NBUILD; i++)
	{
		const struct build_case *c = &build_cases[i];
		uint8_t		buf[2048];
		size_t		len = 0,
					vs,
					ss;
		int			rc = build(c, buf, sizeof(buf), &len, &vs, &ss);

		CHECKF(rc == OK, "build %zu: rc %d", i, rc);
		CHECKF(len == c->expect_len && memcmp(buf, c->expect, len) == 0,
			   "build %zu: got %.*s", i, (int) len, (const char *) buf);
		CHECKF(c->r == NULL || (vs == c->r->nvalues && ss == c->r->nsamples),
			   "build %zu: sent %zu values %zu samples", i, vs, ss);
		CHECKF(rc == OK && round_trip(c, buf, len, vs, ss), "build %zu: round trip", i);
	}
}

/*
 * Length of the case's message with no values and no samples: the least
 * capacity a response builder can work with (queries, errors: the full one).
 */
static size_t
min_len(const struct build_case *c)
{
	struct krpc_response r0;
	struct build_case c0 = *c;
	uint8_t		buf[KRPC_MAX_REPLY];
	size_t		len = 0,
				vs,
				ss;

	if (c->r == NULL)
		return c->expect_len;
	r0 = *c->r;
	r0.nvalues = 0;
	r0.nsamples = 0;
	c0.r = &r0;
	CHECK(build(&c0, buf, sizeof(buf), &len, &vs, &ss) == OK);
	return len;
}

/*
 * Could one more value (or, with no values sent, one more sample) have fit?
 * The next value costs its string, plus "6:valuesle" if it is the first;
 * the next sample costs 20 bytes, plus perhaps one length digit.
 */
static int
trim_maximal(const struct krpc_response *r, size_t len, size_t cap,
			 size_t vs, size_t ss)
{
	if (vs < r->nvalues && ss == (r->with_samples ? r->nsamples : 0))
		return len + (vs == 0 ? 10 : 0) +
			(r->values[vs].family == AF_INET ? 8 : 21) > cap;
	return vs == 0 && ss < r->nsamples && len + 21 > cap;
}

/*
 * Every capacity from 0 to the full length: nothing is written at or past
 * cap.  Below the full length, queries and errors refuse; responses refuse
 * below min_len() and above it send as many values (then samples) as fit,
 * in a message that parses back.
 */
static void
test_capacity_sweep(void)
{
	size_t		i,
				cap,
				k;

	for (i = 0; i < NBUILD; i++)
	{
		const struct build_case *c = &build_cases[i];
		size_t		least = min_len(c);

		for (cap = 0; cap <= c->expect_len; cap++)
		{
			uint8_t		buf[1100];
			size_t		len = 0,
						vs,
						ss;
			int			rc,
						guard = 1;

			memset(buf, 0xa5, sizeof(buf));
			rc = build(c, buf, cap, &len, &vs, &ss);
			for (k = cap; k < sizeof(buf); k++)
				guard = guard && buf[k] == 0xa5;
			CHECKF(guard, "sweep %zu cap %zu: wrote past cap", i, cap);
			if (cap == c->expect_len)
				CHECKF(rc == OK && len == cap && memcmp(buf, c->expect, len) == 0,
					   "sweep %zu: full cap %zu", i, cap);
			else if (cap < least)
				CHECKF(rc == KRPC_ERR_BUFFER, "sweep %zu cap %zu: rc %d", i, cap, rc);
			else
				CHECKF(rc == OK && len <= cap && trim_maximal(c->r, len, cap, vs, ss) &&
					   round_trip(c, buf, len, vs, ss),
					   "sweep %zu cap %zu: rc %d trimmed %zu/%zu", i, cap, rc, vs, ss);
		}
	}
}

/* Values, then samples, are trimmed to fit; replies stop at 1024 bytes. */
static void
test_trim(void)
{
	static struct netaddr many6[KRPC_MAX_VALUES];
	static uint8_t samples[100 * 20];
	static uint8_t nodes[40 * KRPC_NODE4_LEN];
	struct krpc_response r = {T2, .id = U(ID20), .token = U("tk"), .token_len = 2};
	struct build_case c = {NULL, &r, NULL, NULL, 0};
	uint8_t		buf[1500];
	size_t		len,
				vs,
				ss,
				i;

	for (i = 0; i < KRPC_MAX_VALUES; i++)
		many6[i] = req6;
	for (i = 0; i < sizeof(samples); i++)
		samples[i] = (uint8_t) i;
	memset(nodes, 'n', sizeof(nodes));

	/* 128 IPv6 peers (21 bytes each) do not fit in 1024: a prefix does */
	r.values = many6;
	r.nvalues = KRPC_MAX_VALUES;
	CHECK(krpc_build_response(buf, sizeof(buf), &r, &len, &vs, &ss) == OK);
	CHECK(len <= KRPC_MAX_REPLY && len + 21 > KRPC_MAX_REPLY && vs > 40 && vs < 50 && ss == 0);
	CHECK(round_trip(&c, buf, len, vs, 0));
	CHECK(krpc_build_response(buf, sizeof(buf), &r, &len, NULL, NULL) == OK);

	/* samples: 100 x 20 bytes trimmed to what fits */
	r.with_samples = 1;
	r.samples = samples;
	r.nsamples = 100;
	r.num = 100;
	r.interval = 60;
	CHECK(krpc_build_response(buf, sizeof(buf), &r, &len, &vs, &ss) == OK);
	CHECK(vs == 0 && ss > 40 && ss < 50 && len <= KRPC_MAX_REPLY && len + 21 > KRPC_MAX_REPLY);
	CHECK(round_trip(&c, buf, len, vs, ss));

	/* all 10 samples fit: values fill the rest */
	r.nsamples = 10;
	CHECK(krpc_build_response(buf, sizeof(buf), &r, &len, &vs, &ss) == OK);
	CHECK(ss == 10 && vs > 20 && vs < KRPC_MAX_VALUES && len + 21 > KRPC_MAX_REPLY);
	CHECK(round_trip(&c, buf, len, vs, ss));

	/* nodes are not trimmed: 1040 bytes of them never fit a reply */
	r.nvalues = 0;
	r.with_samples = 0;
	r.nodes = nodes;
	r.nodes_len = sizeof(nodes);
	CHECK(krpc_build_response(buf, sizeof(buf), &r, &len, &vs, &ss) == KRPC_ERR_BUFFER);
	r.nodes_len = 30 * KRPC_NODE4_LEN;
	CHECK(krpc_build_response(buf, sizeof(buf), &r, &len, &vs, &ss) == OK);
}

/* Builders refuse what they cannot encode faithfully. */
static void
test_build_invalid(void)
{
	static const struct
	{
		struct krpc_query q;
		int			rc;
	}			qcases[] = {
		{{KRPC_M_PING, .tid = U("aa"), .tid_len = 0, .id = U(ID20)}, BADTID},
		{{KRPC_M_PING, .tid = NULL, .tid_len = 2, .id = U(ID20)}, BADTID},
		{{KRPC_M_PING, .tid = U("aaaaaaaaaaaaaaaaa"), .tid_len = 17, .id = U(ID20)}, BADTID},
		{{KRPC_M_PING, .tid = U("aaaaaaaaaaaaaaaa"), .tid_len = 16, .id = U(ID20)}, OK},
		{{KRPC_M_PING, T2}, PROTO},
		{{KRPC_M_NONE, T2, .id = U(ID20)}, PROTO},
		{{KRPC_M_UNKNOWN, T2, .id = U(ID20)}, PROTO},
		{{KRPC_M_FIND_NODE, T2, .id = U(ID20)}, PROTO},
		{{KRPC_M_SAMPLE_INFOHASHES, T2, .id = U(ID20)}, PROTO},
		{{KRPC_M_GET_PEERS, T2, .id = U(ID20)}, PROTO},
		{{KRPC_M_ANNOUNCE_PEER, T2, .id = U(ID20), .port = 1, .token = U("x"), .token_len = 1}, PROTO},
		{{KRPC_M_ANNOUNCE_PEER, T2, .id = U(ID20), .info_hash = U(H20), .port = 1}, PROTO},
		{{KRPC_M_ANNOUNCE_PEER, T2, .id = U(ID20), .info_hash = U(H20), .port = 1, .token = U("x"), .token_len = 0}, PROTO},
		{{KRPC_M_ANNOUNCE_PEER, T2, .id = U(ID20), .info_hash = U(H20), .port = 1, .token = U(TOK64 "X"), .token_len = 65}, PROTO},
		{{KRPC_M_ANNOUNCE_PEER, T2, .id = U(ID20), .info_hash = U(H20), .port = 1, .token = U(TOK64), .token_len = 64}, OK},
		{{KRPC_M_ANNOUNCE_PEER, T2, .id = U(ID20), .info_hash = U(H20), .port = 0, .token = U("x"), .token_len = 1}, PROTO},
	};
	static const struct
	{
		struct krpc_response r;
		int			rc;
	}			rcases[] = {
		{{.tid = U("aa"), .tid_len = 0, .id = U(ID20)}, BADTID},
		{{.tid = U("aaaaaaaaaaaaaaaaa"), .tid_len = 17, .id = U(ID20)}, BADTID},
		{{T2}, PROTO},
		{{T2, .id = U(ID20), .requester = &bad_family}, PROTO},
		{{T2, .id = U(ID20), .nodes = U(N4), .nodes_len = 25}, PROTO},
		{{T2, .id = U(ID20), .nodes6 = U(N4), .nodes6_len = 26}, PROTO},
		{{T2, .id = U(ID20), .nodes_len = 26}, PROTO},
		{{T2, .id = U(ID20), .values = &bad_family, .nvalues = 1}, PROTO},
		{{T2, .id = U(ID20), .nvalues = 1}, PROTO},
		{{T2, .id = U(ID20), .with_samples = 1, .nsamples = 1}, PROTO},
		{{T2, .id = U(ID20), .version_len = 4}, PROTO},
		{{T2, .id = U(ID20), .version = U(""), .version_len = 0}, OK},
	};
	uint8_t		buf[KRPC_MAX_REPLY];
	size_t		len,
				i;

	for (i = 0; i < sizeof(qcases) / sizeof(qcases[0]); i++)
		CHECKF(krpc_build_query(buf, sizeof(buf), &qcases[i].q, &len) == qcases[i].rc,
			   "query row %zu", i);
	for (i = 0; i < sizeof(rcases) / sizeof(rcases[0]); i++)
		CHECKF(krpc_build_response(buf, sizeof(buf), &rcases[i].r, &len, NULL, NULL) == rcases[i].rc,
			   "response row %zu", i);
	CHECK(krpc_build_error(buf, sizeof(buf), U(""), 0, 201, "x", NULL, &len) == BADTID);
	CHECK(krpc_build_error(buf, sizeof(buf), NULL, 2, 201, "x", NULL, &len) == BADTID);
	CHECK(krpc_build_error(buf, sizeof(buf), U("aa"), 2, 201, "x", &bad_family, &len) == PROTO);
	/* a message longer than a reply may be never fits, whatever cap says */
	{
		static char big[1100];
		uint8_t		out[2048];

		memset(big, 'x', sizeof(big) - 1);
		CHECK(krpc_build_error(out, sizeof(out), U("aa"), 2, 201, big, NULL, &len) == KRPC_ERR_BUFFER);
	}
}

static void
test_strings(void)
{
	static const struct
	{
		int			err;
		const char *text;
	}			errs[] = {
		{OK, "success"},
		{BEN, "not a valid bencoded dictionary"},
		{NOTYPE, "missing or invalid message type"},
		{BADTID, "missing or invalid transaction id"},
		{PROTO, "missing or invalid arguments"},
		{KRPC_ERR_BUFFER, "output buffer too small"},
		{-99, "unknown error"},
	};
	static const struct
	{
		enum krpc_method m;
		const char *name;
	}			methods[] = {
		{KRPC_M_NONE, "none"},
		{KRPC_M_UNKNOWN, "unknown"},
		{KRPC_M_PING, "ping"},
		{KRPC_M_FIND_NODE, "find_node"},
		{KRPC_M_GET_PEERS, "get_peers"},
		{KRPC_M_ANNOUNCE_PEER, "announce_peer"},
		{KRPC_M_SAMPLE_INFOHASHES, "sample_infohashes"},
	};
	size_t		i;

	for (i = 0; i < sizeof(errs) / sizeof(errs[0]); i++)
		CHECKF(strcmp(krpc_strerror(errs[i].err), errs[i].text) == 0, "strerror %d", errs[i].err);
	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		CHECKF(strcmp(krpc_method_name(methods[i].m), methods[i].name) == 0, "method %zu", i);
}

int
main(void)
{
	test_parse_table();
	test_truncations();
	test_parse_contents();
	test_caps();
	test_node_at();
	test_build_exact();
	test_capacity_sweep();
	test_trim();
	test_build_invalid();
	test_strings();
	return unit_summary("krpc");
}
