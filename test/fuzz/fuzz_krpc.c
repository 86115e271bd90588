/*
 * fuzz_krpc.c
 *		libFuzzer target for krpc_parse and, through round trips, the builders.
 *
 * Whatever parses as a known query, a response or an error is rebuilt from
 * the parsed struct into a 1500-byte buffer and parsed again: the key fields
 * must agree (values and samples up to the counts the builder reports sent,
 * since replies stop at KRPC_MAX_REPLY bytes).  A rebuild may fail only for
 * lack of room, and a query always fits.  Any disagreement aborts.
 */
#include <stdlib.h>
#include <string.h>

#include "krpc.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct krpc_msg a;		/* the input, parsed */
static struct krpc_msg b;		/* the rebuilt message, parsed */
static uint8_t out[1500];

/* Same bytes (either pointer may be NULL when its length is 0)? */
static int
same(const uint8_t *x, size_t xl, const uint8_t *y, size_t yl)
{
	return xl == yl && (xl == 0 || memcmp(x, y, xl) == 0);
}

static void
check(int ok)
{
	if (!ok)
		abort();
}

static void
requery(void)
{
	struct krpc_query q = {
		.method = a.method, .tid = a.tid, .tid_len = a.tid_len, .id = a.id,
		.target = a.target, .info_hash = a.info_hash, .port = a.port,
		.implied_port = a.implied_port, .token = a.token,
		.token_len = a.token_len, .want = a.want, .read_only = a.read_only
	};
	int			ann = a.method == KRPC_M_ANNOUNCE_PEER;
	size_t		len;

	check(krpc_build_query(out, sizeof(out), &q, &len) == KRPC_OK);
	check(krpc_parse(out, len, &b) == KRPC_OK && b.method == a.method &&
		  same(b.tid, b.tid_len, a.tid, a.tid_len) &&
		  same(b.id, KRPC_ID_LEN, a.id, KRPC_ID_LEN) &&
		  b.want == a.want && b.read_only == a.read_only);
	if (a.method == KRPC_M_FIND_NODE || a.method == KRPC_M_SAMPLE_INFOHASHES)
		check(same(b.target, KRPC_ID_LEN, a.target, KRPC_ID_LEN));
	if (ann || a.method == KRPC_M_GET_PEERS)
		check(same(b.info_hash, KRPC_ID_LEN, a.info_hash, KRPC_ID_LEN));
	if (ann)
		check(b.port == a.port && b.implied_port == a.implied_port &&
			  same(b.token, b.token_len, a.token, a.token_len));
}

static void
reresponse(void)
{
	struct krpc_response r = {
		.tid = a.tid, .tid_len = a.tid_len, .id = a.id,
		.requester = a.has_ip ? &a.ip : NULL,
		.nodes = a.nodes, .nodes_len = a.nodes_len,
		.nodes6 = a.nodes6, .nodes6_len = a.nodes6_len,
		.token = a.token, .token_len = a.token_len,
		.values = a.values, .nvalues = a.nvalues,
		.with_samples = a.samples != NULL, .samples = a.samples,
		.nsamples = a.nsamples, .interval = a.interval, .num = a.num,
		.version = a.version, .version_len = a.version_len
	};
	size_t		len,
				vs,
				ss,
				i;
	int			rc = krpc_build_response(out, sizeof(out), &r, &len, &vs, &ss);

	if (rc == KRPC_ERR_BUFFER)
		return;
	check(rc == KRPC_OK && len <= KRPC_MAX_REPLY && vs <= a.nvalues &&
		  ss <= a.nsamples);
	check(krpc_parse(out, len, &b) == KRPC_OK && b.type == 'r' &&
		  same(b.tid, b.tid_len, a.tid, a.tid_len) &&
		  same(b.id, KRPC_ID_LEN, a.id, KRPC_ID_LEN) &&
		  same(b.nodes, b.nodes_len, a.nodes, a.nodes_len) &&
		  same(b.nodes6, b.nodes6_len, a.nodes6, a.nodes6_len) &&
		  same(b.token, b.token_len, a.token, a.token_len) &&
		  same(b.version, b.version_len, a.version, a.version_len) &&
		  (b.version != NULL) == (a.version != NULL) &&
		  b.has_ip == a.has_ip && (!a.has_ip || netaddr_equal(&b.ip, &a.ip)) &&
		  b.nvalues == vs && b.values_skipped == 0 && !b.nodes_malformed &&
		  (b.samples != NULL) == (a.samples != NULL) && b.nsamples == ss &&
		  same(b.samples, ss * KRPC_SAMPLE_LEN,
			   a.samples, ss * KRPC_SAMPLE_LEN));
	for (i = 0; i < vs; i++)
		check(netaddr_equal(&b.values[i], &a.values[i]));
	if (a.samples != NULL)
		check(b.has_interval && b.interval == a.interval && b.num == a.num);
}

static void
reerror(void)
{
	static char msg[KRPC_MAX_REPLY];
	size_t		len;

	if (a.error_code < -2147483647 || a.error_code > 2147483647 ||
		a.error_msg_len >= sizeof(msg) ||
		memchr(a.error_msg, 0, a.error_msg_len) != NULL)
		return;
	memcpy(msg, a.error_msg, a.error_msg_len);
	msg[a.error_msg_len] = '\0';
	if (krpc_build_error(out, sizeof(out), a.tid, a.tid_len,
						 (int) a.error_code, msg, a.has_ip ? &a.ip : NULL,
						 &len) != KRPC_OK)
		return;
	check(krpc_parse(out, len, &b) == KRPC_OK && b.type == 'e' &&
		  b.error_code == a.error_code &&
		  same(b.error_msg, b.error_msg_len, a.error_msg, a.error_msg_len) &&
		  same(b.tid, b.tid_len, a.tid, a.tid_len) && b.has_ip == a.has_ip);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (krpc_parse(data, size, &a) != KRPC_OK)
		return 0;
	check(a.tid_len >= 1 && a.tid_len <= KRPC_MAX_TID_LEN &&
		  a.nodes_len % KRPC_NODE4_LEN == 0 &&
		  a.nodes6_len % KRPC_NODE6_LEN == 0 &&
		  a.nvalues <= KRPC_MAX_VALUES);
	if (a.type == 'q' && a.method != KRPC_M_UNKNOWN)
		requery();
	else if (a.type == 'r')
		reresponse();
	else if (a.type == 'e')
		reerror();
	return 0;
}
