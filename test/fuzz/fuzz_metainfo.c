/*
 * fuzz_metainfo.c
 *		libFuzzer target for metainfo.c: verify, then parse each input twice,
 *		with tiny caps (3 files, a near-minimal arena) and with roomy ones.
 *
 * Invariants (abort otherwise): the result does not depend on the caps
 * (same return code, file_count, total_size); nfiles <= max_files; the
 * sizes of files[] add up to total_size and the stored files plus the
 * summarised ones are file_count; only the last entry is a summary; the
 * name and every path are valid UTF-8 of their stated length without NUL,
 * within their caps, and no path is absolute or has an empty, "." or ".."
 * component.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "metainfo.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* s[0..n) is well-formed UTF-8 (Unicode table 3-7) without NUL */
static int
utf8_ok(const unsigned char *s, size_t n)
{
	size_t		i = 0;

	while (i < n)
	{
		unsigned	c = s[i],
					cp,
					k,
					need = c < 0x80 ? 0 : c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : 1;

		if (c == 0 || (c >= 0x80 && c < 0xc2) || c > 0xf4 || i + need >= n)
			return 0;
		cp = need == 0 ? c : c & (0x3f >> need);
		for (k = 1; k <= need; k++)
		{
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if ((need == 2 && (cp < 0x800 || (cp >= 0xd800 && cp < 0xe000))) ||
			(need == 3 && (cp < 0x10000 || cp > 0x10ffff)))
			return 0;
		i += need + 1;
	}
	return 1;
}

/* A stored path obeys the repair rules */
static int
path_ok(const struct metainfo_file *f)
{
	const char *c = f->path;
	const char *end = f->path + f->path_len;

	if (strlen(f->path) != f->path_len || f->path_len > METAINFO_MAX_PATH ||
		!utf8_ok((const unsigned char *) f->path, f->path_len))
		return 0;
	while (c <= end)
	{
		const char *e = memchr(c, '/', (size_t) (end - c));
		size_t		n = (size_t) ((e ? e : end) - c);

		if (n == 0 || (n <= 2 && strncmp(c, "..", n) == 0))
			return 0;
		c += n + 1;
	}
	return 1;
}

/* Every invariant of one successful parse */
static int
result_ok(const struct metainfo *mi, const struct metainfo_file *files,
		  size_t max_files)
{
	int64_t		sum = 0;
	size_t		i;

	if (mi->nfiles == 0 || mi->nfiles > max_files || mi->file_count !=
		(int64_t) mi->nfiles - (mi->summarized > 0) + mi->summarized ||
		mi->name_len > METAINFO_MAX_NAME || strlen(mi->name) != mi->name_len ||
		!utf8_ok((const unsigned char *) mi->name, mi->name_len))
		return 0;
	for (i = 0; i < mi->nfiles; i++)
	{
		int			last = i == mi->nfiles - 1;

		if (files[i].size < 0 ||
			files[i].is_summary != (last && mi->summarized > 0) ||
			(!files[i].is_summary && !path_ok(&files[i])))
			return 0;
		sum += files[i].size;
	}
	return sum == mi->total_size;
}

/* Parse into space and check the invariants; returns the parse result */
static int
run(const uint8_t *data, size_t size, const struct metainfo_space *sp,
	struct metainfo *mi)
{
	int			rc = metainfo_parse(data, size, sp, mi);

	if (rc == METAINFO_OK && !result_ok(mi, sp->files, sp->max_files))
		abort();
	return rc;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct metainfo_file few[3];
	static struct metainfo_file many[64];
	static char small[METAINFO_MIN_STRBUF + 200];
	struct metainfo_space sp;
	struct metainfo a;
	struct metainfo b;
	struct metainfo_hashes h;
	uint8_t		fetched[20] = {0};
	char	   *big = malloc(METAINFO_STRBUF_SIZE(size));
	int			rc;

	sp.max_tokens = METAINFO_TOKENS(size);
	sp.tokens = malloc(sp.max_tokens * sizeof(struct bencode_token));
	sp.files = few;
	sp.max_files = 3;
	sp.strbuf = small;
	sp.strbuf_cap = sizeof(small);
	rc = run(data, size, &sp, &a);
	sp.files = many;
	sp.max_files = 64;
	sp.strbuf = big;
	sp.strbuf_cap = METAINFO_STRBUF_SIZE(size);
	if (run(data, size, &sp, &b) != rc || (rc == METAINFO_OK &&
										   (a.file_count != b.file_count ||
											a.total_size != b.total_size)))
		abort();
	if (metainfo_verify(data, size, fetched, &h) == METAINFO_OK &&
		rc == METAINFO_OK)
		metainfo_classify(&h, &b);
	free(sp.tokens);
	free(big);
	return 0;
}
