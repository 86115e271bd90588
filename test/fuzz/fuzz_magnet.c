/*
 * fuzz_magnet.c
 *		libFuzzer target for magnet.c, plus textnorm_query on the same bytes.
 *
 * Whatever parses must survive build -> parse with the same hashes and name
 * (a decoded dn is at most MAGNET_MAX_NAME bytes, so its escaped form always
 * fits MAGNET_MAX_URI); textnorm_query must succeed within the documented
 * TEXTNORM_QUERY_CAP.  Any mismatch aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "magnet.h"
#include "textnorm.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Same hashes and name bytes? */
static int
same_link(const struct magnet_link *a, const struct magnet_link *b)
{
	return a->has_v1 == b->has_v1 && a->has_v2 == b->has_v2 &&
		memcmp(a->v1, b->v1, sizeof(a->v1)) == 0 &&
		memcmp(a->v2, b->v2, sizeof(a->v2)) == 0 &&
		a->name_len == b->name_len &&
		memcmp(a->name, b->name, a->name_len + 1) == 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct magnet_link a;
	static struct magnet_link b;
	static char uri[MAGNET_MAX_URI + 1];
	char		err[MAGNET_ERR_SIZE];
	char	   *q;
	size_t		len;

	if (magnet_parse((const char *) data, size, &a, err, sizeof(err)) == 0)
	{
		if (magnet_build(a.has_v1 ? a.v1 : NULL, a.has_v2 ? a.v2 : NULL,
						 a.name, a.name_len, uri, sizeof(uri), &len) != 0 ||
			magnet_parse(uri, len, &b, err, sizeof(err)) != 0 ||
			!same_link(&a, &b))
			abort();
	}
	q = malloc(TEXTNORM_QUERY_CAP(size));
	if (q == NULL)
		return 0;
	if (textnorm_query((const char *) data, size, q, TEXTNORM_QUERY_CAP(size),
					   &len) != TEXTNORM_OK || len > 2 * size ||
		textnorm_name((const char *) data, size, q, size + 1) > size)
		abort();
	free(q);
	return 0;
}
