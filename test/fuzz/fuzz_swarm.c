/*
 * fuzz_swarm.c
 *		libFuzzer target for the swarm's KRPC parser and responder: feed a
 *		datagram, get the reply or nothing.
 *
 * One swarm with small caps lives across inputs (created on the first
 * call); the fake clock moves 1 s per input so the rate limits never
 * starve it.  Each input comes from one fixed allowed address.  A query
 * that krpc_parse accepts (or refuses as KRPC_ERR_PROTOCOL) must get
 * exactly one datagram back: an 'r' or 'e' that parses, echoes the
 * input's tid, carries ip = the sender, and is at most KRPC_MAX_REPLY
 * bytes; anything else gets nothing.  So that the reply path is fuzzed
 * too, each input is preceded by a tick (whose walk may ask that address
 * for samples) and a bootstrap query to it, and a response or error with
 * a 4-byte tid gets the tid of our first query of the round to that
 * address written over its own.  Any violation aborts.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "krpc.h"
#include "swarm.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct swarm *sw;
static uint64_t now = 1000000;
static struct netaddr from = {AF_INET, {127, 0, 0, 2}, 6881};
static int	answering;			/* 0: our own queries may be sent */
static int	sent;
static int	in_rc;
static struct krpc_msg in;		/* the input, parsed */
static struct krpc_msg out;		/* what the swarm sends, parsed */
static uint8_t tid[4];
static int	have_tid;
static uint8_t copy[65536];

static void
check(int ok)
{
	if (!ok)
		abort();
}

static int
on_send(void *ctx, int sock, const struct netaddr *to, const uint8_t *buf,
		size_t len)
{
	(void) ctx;
	check(sock == 1 && krpc_parse(buf, len, &out) == KRPC_OK);
	if (!answering)
	{
		check(out.type == 'q');
		if (!have_tid && netaddr_equal(to, &from) &&
			out.tid_len == sizeof(tid))
		{
			memcpy(tid, out.tid, sizeof(tid));
			have_tid = 1;
		}
		return 0;
	}
	check(in.type == 'q' && ++sent == 1);
	check((out.type == 'r' || out.type == 'e') && len <= KRPC_MAX_REPLY &&
		  netaddr_equal(to, &from) && out.has_ip &&
		  netaddr_equal(&out.ip, &from) && out.tid_len == in.tid_len &&
		  memcmp(out.tid, in.tid, in.tid_len) == 0);
	return 0;
}

static void
setup(void)
{
	struct swarm_config c;
	struct netaddr bound = {AF_INET, {127, 0, 0, 1}, 6881};

	memset(&c, 0, sizeof(c));
	c.max_nodes = 64;
	c.max_pending = 16;
	c.max_candidates = 64;
	c.candidate_queue = 16;
	c.max_stored_hashes = 16;
	c.max_rate_ips = 16;
	c.contact_queue = 8;
	c.nodes_per_socket = 4;
	c.allow_private = 1;
	c.send_rate_per_ip = 1000;
	c.max_send_rate = 10000;
	c.recv_rate_per_ip = 1000;
	c.max_recv_rate = 10000;
	c.seed = 1;
	c.send = on_send;
	sw = swarm_create(&c, now);
	check(sw != NULL && swarm_socket_add(sw, 1, &bound, now) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *buf = data;
	int			parsed;

	if (sw == NULL)
		setup();
	now += 1000;
	answering = 0;
	have_tid = 0;
	swarm_tick(sw, now);
	swarm_bootstrap(sw, &from, 1, now);
	in_rc = krpc_parse(data, size, &in);
	parsed = in_rc == KRPC_OK || in_rc == KRPC_ERR_PROTOCOL;
	if (parsed && in.type != 'q' && in.tid_len == sizeof(tid) && have_tid &&
		size <= sizeof(copy))
	{
		memcpy(copy, data, size);
		memcpy(copy + (in.tid - data), tid, sizeof(tid));
		buf = copy;
		in_rc = krpc_parse(copy, size, &in);
	}
	answering = 1;
	sent = 0;
	swarm_on_datagram(sw, 1, &from, buf, size, now);
	check(sent == (parsed && in.type == 'q' ? 1 : 0));
	return 0;
}
