/*
 * fuzz_peerwire.c
 *		libFuzzer target for peerwire: frame parsing and ut_metadata messages.
 *
 * data[0] % 4 picks what precedes the input: nothing (mode 0), a valid peer
 * handshake (1), or a handshake and an extension handshake announcing 700
 * bytes of metadata (2) or 16,684 bytes with reqq 2 (3), so that most
 * inputs reach the ut_metadata parser.  data[1] sets the chunk size the
 * rest is fed in (1-128) and, with its top bit, whether the output is
 * never drained.  After every feed the invariants must hold; at the end
 * every metadata buffer has gone back exactly once.  Otherwise: abort.
 */
#include <stdlib.h>
#include <string.h>

#include "peerwire.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define PEER_HS "\023BitTorrent protocol\0\0\0\0\0\020\0\001" \
	"0123456789abcdefghij" "-XX0000-fuzzpeerid00"
static const char *const ext_hs[4] = {NULL, NULL,
	"d1:md11:ut_metadatai1ee13:metadata_sizei700ee",
"d1:md11:ut_metadatai1ee13:metadata_sizei16684e4:reqqi2ee"};

static struct peerwire pw;
static int	granted,
			freed;

static void *
fz_alloc(void *ctx, size_t n)
{
	(void) ctx;
	if (n == 0 || n > 40000)
		abort();
	granted++;
	return malloc(n);
}

static void
fz_free(void *ctx, void *p, size_t n)
{
	(void) ctx;
	(void) n;
	freed++;
	free(p);
}

static void
check(int rc)
{
	const uint8_t *out;
	uint32_t	have,
				total;
	int			st = peerwire_state(&pw);

	peerwire_progress(&pw, &have, &total);
	if (rc != peerwire_error(&pw) || (rc < 0) != (st == PEERWIRE_S_FAILED) ||
		st < PEERWIRE_S_HANDSHAKE || st > PEERWIRE_S_FAILED ||
		peerwire_output(&pw, &out) > PEERWIRE_OUT_CAP || have > total ||
		(st == PEERWIRE_S_DONE && (have != total || total == 0)))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct peerwire_config cfg = {40000,
		(const uint8_t *) "-DI0001-fuzz00000000", "fuzz", fz_alloc, fz_free,
	NULL};
	const uint8_t *out;
	size_t		pos = 2,
				chunk,
				n,
				len;
	uint8_t    *m;
	uint8_t		hdr[6] = {0, 0, 0, 0, 20, 0};
	int			mode;

	if (size < 2)
		return 0;
	mode = data[0] % 4;
	chunk = (size_t) (data[1] & 0x7f) + 1;
	granted = freed = 0;
	peerwire_init(&pw, &cfg, (const uint8_t *) "0123456789abcdefghij");
	if (mode > 0)
		check(peerwire_feed(&pw, (const uint8_t *) PEER_HS, 68));
	if (ext_hs[mode] != NULL)
	{
		n = strlen(ext_hs[mode]);
		hdr[3] = (uint8_t) (n + 2);
		check(peerwire_feed(&pw, hdr, 6));
		check(peerwire_feed(&pw, (const uint8_t *) ext_hs[mode], n));
	}
	for (; pos < size; pos += n)
	{
		n = size - pos < chunk ? size - pos : chunk;
		check(peerwire_feed(&pw, data + pos, n));
		if (!(data[1] & 0x80))
			peerwire_sent(&pw, peerwire_output(&pw, &out));
	}
	m = peerwire_take_metadata(&pw, &len);
	if ((m != NULL) != (peerwire_state(&pw) == PEERWIRE_S_DONE) ||
		(m != NULL && len != peerwire_metadata_size(&pw)))
		abort();
	free(m);
	peerwire_release(&pw);
	if (granted != freed + (m != NULL))
		abort();
	return 0;
}
