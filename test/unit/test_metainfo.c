/*
 * test_metainfo.c
 *		Unit tests for extension/core/metainfo.c: verification and parsing.
 *
 * Three parts:
 *	- real torrents made by python3-libtorrent (test/fixtures/torrents, see
 *	  make_torrents.py there): every one is verified under each of its
 *	  hashes and parsed, and the result compared with what libtorrent
 *	  reported in manifest.tsv; every one is also parsed with a tiny file
 *	  cap, and truncated at every byte;
 *	- hand-made info dicts, one table row each, for every rule of
 *	  metainfo.h (malformed input, repairs, layouts);
 *	- caps built in code: file count, arena, name and path length, depth,
 *	  tokens.
 * Parser input always ends at a PROT_NONE page.  Run from the repository
 * root (make runs it there); METAINFO_FIXTURES overrides the fixture dir.
 */
#include <stdint.h>

#include <sodium.h>

#include "metainfo.h"
#include "sha1.h"
#include "unit.h"

#define MAX_FILES 64
#define STRBUF (1 << 20)

static struct metainfo_file files[MAX_FILES];
static char strbuf[STRBUF];

/*
 * Parse in[0..len) from a guarded copy with max_files entries and a
 * strbuf_cap-byte arena (0: all of strbuf); tokens sized by METAINFO_TOKENS.
 */
static int
parse(const void *in, size_t len, size_t max_files, size_t strbuf_cap,
	  struct metainfo *mi)
{
	struct unit_guarded g = unit_guarded_copy(in, len);
	size_t		ntok = METAINFO_TOKENS(len);
	struct metainfo_space sp;
	int			rc;

	sp.tokens = malloc(ntok * sizeof(struct bencode_token));
	sp.max_tokens = ntok;
	sp.files = files;
	sp.max_files = max_files;
	sp.strbuf = strbuf;
	sp.strbuf_cap = strbuf_cap ? strbuf_cap : STRBUF;
	rc = metainfo_parse(g.data, len, &sp, mi);
	free(sp.tokens);
	unit_guarded_free(&g);
	return rc;
}

/* The stored paths joined with '|' into out */
static void
join_paths(const struct metainfo *mi, char *out, size_t cap)
{
	size_t		len = 0;
	size_t		i;

	out[0] = '\0';
	for (i = 0; i < mi->nfiles && len + files[i].path_len + 2 < cap; i++)
	{
		if (i > 0)
			out[len++] = '|';
		memcpy(out + len, files[i].path, files[i].path_len);
		len += files[i].path_len;
		out[len] = '\0';
	}
}

/* Sizes of files[] add up to total_size, and the summary is last */
static int
sizes_consistent(const struct metainfo *mi)
{
	int64_t		sum = 0;
	size_t		i;

	for (i = 0; i < mi->nfiles; i++)
	{
		sum += files[i].size;
		if (files[i].is_summary != (mi->summarized > 0 && i == mi->nfiles - 1))
			return 0;
	}
	return sum == mi->total_size;
}

/* ------------------------------------------------------------------------
 * Hand-made info dicts
 * ------------------------------------------------------------------------
 */

/* a literal and its length (so that NUL bytes count) */
#define S(lit) lit, sizeof(lit) - 1
#define PL "12:piece lengthi16384e"
#define MV2 "12:meta versioni2e"
/* one v1 file entry: length digits and the path list's items */
#define F(len, items) "d6:lengthi" len "e4:pathl" items "ee"
/* a padding entry (BEP 47) */
#define PAD(len) "d4:attr1:p6:lengthi" len "e4:pathl4:.pad1:xee"
/* v1 multi-file torrent "dir" */
#define V1M(entries) "d5:filesl" entries "e4:name3:dir" PL "e"
/* v1 single file: name (with its length prefix) and length */
#define V1S(name, len) "d6:lengthi" len "e4:name" name PL "e"
/* a file node of a v2 tree */
#define LEAF(len) "d0:d6:lengthi" len "eee"
/* v2-only torrent "dir" */
#define V2(tree) "d9:file treed" tree "e" MV2 "4:name3:dir" PL "e"
/* hybrid torrent "dir" */
#define HY(tree, entries) "d9:file treed" tree "e5:filesl" entries "e" MV2 \
	"4:name3:dir" PL "e"

#define FFFD "\xef\xbf\xbd"
#define OK METAINFO_OK
#define R_UTF8 METAINFO_REPAIR_UTF8
#define R_NUL METAINFO_REPAIR_NUL
#define R_PATH METAINFO_REPAIR_PATH

/*
 * One hand-made case.  name, paths ('|'-joined stored paths): NULL = not
 * checked; total, count: -1 = not checked; repairs: exact bits on success.
 */
struct pcase
{
	const char *in;
	size_t		len;
	int			rc;
	const char *name;
	int64_t		total;
	int64_t		count;
	const char *paths;
	unsigned	repairs;
};

static const struct pcase pcases[] = {
	/* well-formed layouts */
	{S(V1S("5:a.txt", "5")), OK, "a.txt", 5, 1, "a.txt", 0},
	{S(V1M(F("1", "1:a") F("2", "1:b1:c"))), OK, "dir", 3, 2, "a|b/c", 0},
	{S(V1M(F("0", "1:z") F("2", "1:a"))), OK, "dir", 2, 2, "z|a", 0},
	{S(V2("5:a.txt" LEAF("5"))), OK, "dir", 5, 1, "a.txt", 0},
	{S(V2("3:dird1:g" LEAF("4") "3:subd1:f" LEAF("3") "ee")), OK, "dir", 7, 2, "dir/g|dir/sub/f", 0},
	{S(V2("1:a" LEAF("1") "5:emptyde")), OK, "dir", 1, 1, "a", 0},
	{S(HY("1:a" LEAF("5") "1:b" LEAF("3"), F("5", "1:a") PAD("16379") F("3", "1:b"))), OK, "dir", 8, 2, "a|b", 0},
	{S("d9:file treed1:a" LEAF("5") "e6:lengthi5e" MV2 "4:name1:a" PL "e"), OK, "a", 5, 1, "a", 0},
	{S("d9:file treed1:x" LEAF("5") "e6:lengthi5e4:name1:a" PL "e"), OK, "a", 5, 1, "a", 0},
	{S("d5:filesl" F("3", "1:f") "e6:lengthi99e4:name1:d" PL "e"), OK, "d", 3, 1, "f", 0},
	/* required keys and types */
	{S("d6:lengthi5e" PL "e"), METAINFO_ERR_NAME, NULL, -1, -1, NULL, 0},
	{S(V1S("0:", "5")), METAINFO_ERR_NAME, NULL, -1, -1, NULL, 0},
	{S("d6:lengthi5e4:namei1e" PL "e"), METAINFO_ERR_NAME, NULL, -1, -1, NULL, 0},
	{S("d6:lengthi5e4:name1:ae"), METAINFO_ERR_PIECE_LENGTH, NULL, -1, -1, NULL, 0},
	{S("d6:lengthi5e4:name1:a12:piece lengthi0ee"), METAINFO_ERR_PIECE_LENGTH, NULL, -1, -1, NULL, 0},
	{S("d6:lengthi5e4:name1:a12:piece lengthi-16384ee"), METAINFO_ERR_PIECE_LENGTH, NULL, -1, -1, NULL, 0},
	{S("d6:lengthi5e4:name1:a12:piece length5:16384e"), METAINFO_ERR_PIECE_LENGTH, NULL, -1, -1, NULL, 0},
	{S("d6:lengthi5e4:name1:a12:piece lengthi1000ee"), OK, "a", 5, 1, "a", 0},
	{S("d9:file treed1:a" LEAF("5") "e" MV2 "4:name1:a12:piece lengthi1000ee"), METAINFO_ERR_PIECE_LENGTH, NULL, -1, -1, NULL, 0},
	{S("d9:file treed1:a" LEAF("5") "e" MV2 "4:name1:a12:piece lengthi24576ee"), METAINFO_ERR_PIECE_LENGTH, NULL, -1, -1, NULL, 0},
	{S("d9:file treed1:a" LEAF("5") "e" MV2 "4:name1:a12:piece lengthi32768ee"), OK, "a", 5, 1, "a", 0},
	{S("d6:lengthi5e12:meta versioni3e4:name1:a" PL "e"), METAINFO_ERR_VERSION, NULL, -1, -1, NULL, 0},
	{S("d6:lengthi5e12:meta version1:24:name1:a" PL "e"), METAINFO_ERR_VERSION, NULL, -1, -1, NULL, 0},
	{S("d6:lengthi5e12:meta versioni1e4:name1:a" PL "e"), OK, "a", 5, 1, "a", 0},
	{S("d4:name1:a" PL "e"), METAINFO_ERR_NO_FILES, NULL, -1, -1, NULL, 0},
	{S(V1M("")), METAINFO_ERR_NO_FILES, NULL, -1, -1, NULL, 0},
	{S(V1M(PAD("5"))), METAINFO_ERR_NO_FILES, NULL, -1, -1, NULL, 0},
	{S(V2("")), METAINFO_ERR_NO_FILES, NULL, -1, -1, NULL, 0},
	{S("le"), METAINFO_ERR_NOT_DICT, NULL, -1, -1, NULL, 0},
	{S("i5e"), METAINFO_ERR_NOT_DICT, NULL, -1, -1, NULL, 0},
	{S(""), METAINFO_ERR_BENCODE, NULL, -1, -1, NULL, 0},
	/* lengths and sizes */
	{S(V1S("1:a", "-1")), METAINFO_ERR_LENGTH, NULL, -1, -1, NULL, 0},
	{S("d6:length1:54:name1:a" PL "e"), METAINFO_ERR_LENGTH, NULL, -1, -1, NULL, 0},
	{S(V1S("1:a", "9223372036854775808")), METAINFO_ERR_BENCODE, NULL, -1, -1, NULL, 0},
	{S(V1S("1:a", "9223372036854775807")), OK, "a", INT64_MAX, 1, "a", 0},
	{S(V1M(F("9223372036854775807", "1:a") F("1", "1:b"))), METAINFO_ERR_SIZE_OVERFLOW, NULL, -1, -1, NULL, 0},
	{S(V1M(F("9223372036854775806", "1:a") F("1", "1:b"))), OK, "dir", INT64_MAX, 2, "a|b", 0},
	{S(V1M(F("5", "1:a") PAD("9223372036854775807"))), OK, "dir", 5, 1, "a", 0},
	{S(V1M(F("-5", "1:a"))), METAINFO_ERR_LENGTH, NULL, -1, -1, NULL, 0},
	{S(V1M("d4:pathl1:aee")), METAINFO_ERR_LENGTH, NULL, -1, -1, NULL, 0},
	/* files and paths */
	{S("d5:filesd1:ai1ee4:name1:a" PL "e"), METAINFO_ERR_FILES, NULL, -1, -1, NULL, 0},
	{S("d5:files3:abc4:name1:a" PL "e"), METAINFO_ERR_FILES, NULL, -1, -1, NULL, 0},
	{S(V1M("i1e")), METAINFO_ERR_FILES, NULL, -1, -1, NULL, 0},
	{S(V1M("d6:lengthi1e4:path1:ae")), METAINFO_ERR_PATH, NULL, -1, -1, NULL, 0},
	{S(V1M("d6:lengthi1ee")), METAINFO_ERR_PATH, NULL, -1, -1, NULL, 0},
	{S(V1M(F("1", ""))), METAINFO_ERR_PATH, NULL, -1, -1, NULL, 0},
	{S(V1M(F("1", "1:ai2e"))), METAINFO_ERR_PATH, NULL, -1, -1, NULL, 0},
	{S(V1M(F("1", "2:..2:..3:etc6:passwd"))), OK, "dir", 1, 1, "etc/passwd", R_PATH},
	{S(V1M(F("1", "0:1:.1:a0:1:b"))), OK, "dir", 1, 1, "a/b", R_PATH},
	{S(V1M(F("1", "2:..1:."))), OK, "dir", 1, 1, "_", R_PATH},
	{S(V1M(F("1", "3:a/b1:c"))), OK, "dir", 1, 1, "a_b/c", R_PATH},
	{S(V1M(F("1", "4:/etc"))), OK, "dir", 1, 1, "_etc", R_PATH},
	{S(V1M(F("1", "3:...4:.a.b"))), OK, "dir", 1, 1, ".../.a.b", 0},
	{S(V1M(F("1", "3:a\0b"))), OK, "dir", 1, 1, "a" FFFD "b", R_NUL},
	{S(V1S("2:..", "1")), OK, "..", 1, 1, "_", R_PATH},
	{S(V1S("3:a/b", "1")), OK, "a/b", 1, 1, "a_b", R_PATH},
	{S(V1M("d6:lengthi1e4:pathl1:ae10:path.utf-8l1:bee")), OK, "dir", 1, 1, "b", 0},
	{S(V1M("d6:lengthi1e4:pathl1:ae10:path.utf-8i1ee")), OK, "dir", 1, 1, "a", 0},
	{S(V1M("d6:lengthi1e4:pathl1:ae10:path.utf-8lee")), OK, "dir", 1, 1, "a", 0},
	{S(V1M("d6:lengthi1e10:path.utf-8l1:bee")), OK, "dir", 1, 1, "b", 0},
	/* padding and symlinks */
	{S(V1M(F("5", "1:a") "d4:attr1:p6:lengthi7ee" F("3", "1:b"))), OK, "dir", 8, 2, "a|b", 0},
	{S(V1M(F("5", "1:a") F("9", "20:_____padding_file_0_") F("3", "1:b"))), OK, "dir", 8, 2, "a|b", 0},
	{S(V1M("d4:attr1:l4:pathl4:linkee" F("3", "1:b"))), OK, "dir", 3, 2, "link|b", 0},
	{S(V1M("d4:attr1:x6:lengthi2e4:pathl4:execee")), OK, "dir", 2, 1, "exec", 0},
	{S(V1M("d4:attr1:p6:lengthi-1ee" F("3", "1:b"))), METAINFO_ERR_LENGTH, NULL, -1, -1, NULL, 0},
	/* names */
	{S(V1S("3:a\0b", "1")), OK, "a" FFFD "b", 1, 1, "a" FFFD "b", R_NUL},
	{S(V1S("1:\xff", "1")), OK, FFFD, 1, 1, FFFD, R_UTF8},
	{S(V1S("2:\xc0\xaf", "1")), OK, FFFD FFFD, 1, 1, FFFD FFFD, R_UTF8},
	{S(V1S("3:\xed\xa0\x80", "1")), OK, FFFD FFFD FFFD, 1, 1, NULL, R_UTF8},
	{S(V1S("4:\xf4\x90\x80\x80", "1")), OK, FFFD FFFD FFFD FFFD, 1, 1, NULL, R_UTF8},
	{S(V1S("3:a\xe6\x97", "1")), OK, "a" FFFD FFFD, 1, 1, NULL, R_UTF8},
	{S(V1S("4:\xf0\x9f\x8e\xb5", "1")), OK, "\xf0\x9f\x8e\xb5", 1, 1, "\xf0\x9f\x8e\xb5", 0},
	{S(V1S("6:caf\xc3\xa9\x00", "1")), OK, "caf\xc3\xa9" FFFD, 1, 1, NULL, R_NUL},
	{S(V1S("2:\x80\x00", "1")), OK, FFFD FFFD, 1, 1, NULL, R_UTF8 | R_NUL},
	{S("d6:lengthi1e4:name3:abc10:name.utf-83:xyz" PL "e"), OK, "xyz", 1, 1, "xyz", 0},
	{S("d6:lengthi1e4:name3:abc10:name.utf-8i1e" PL "e"), OK, "abc", 1, 1, "abc", 0},
	{S("d6:lengthi1e4:name3:abc10:name.utf-80:" PL "e"), OK, "abc", 1, 1, "abc", 0},
	{S("d6:lengthi1e10:name.utf-83:xyz" PL "e"), OK, "xyz", 1, 1, "xyz", 0},
	{S("d6:lengthi1e4:name2:\xe9t10:name.utf-83:\xc3\xa9t" PL "e"), OK, "\xc3\xa9t", 1, 1, NULL, 0},
	/* v2 file trees */
	{S(V2("1:ad0:d4:attr1:xee")), METAINFO_ERR_LENGTH, NULL, -1, -1, NULL, 0},
	{S(V2("1:ad0:dee")), METAINFO_ERR_LENGTH, NULL, -1, -1, NULL, 0},
	{S(V2("1:ad0:d6:lengthi-1eee")), METAINFO_ERR_LENGTH, NULL, -1, -1, NULL, 0},
	{S(V2("1:ad0:i5ee")), METAINFO_ERR_TREE, NULL, -1, -1, NULL, 0},
	{S(V2("1:ad0:d6:lengthi1ee1:b" LEAF("2") "e")), METAINFO_ERR_TREE, NULL, -1, -1, NULL, 0},
	{S(V2("0:" LEAF("1"))), METAINFO_ERR_TREE, NULL, -1, -1, NULL, 0},
	{S(V2("1:di1e")), METAINFO_ERR_TREE, NULL, -1, -1, NULL, 0},
	{S(V2("1:ad0:d4:attr1:p6:lengthi1eee")), METAINFO_ERR_TREE, NULL, -1, -1, NULL, 0},
	{S(V2("1:ad0:d4:attr1:lee")), OK, "dir", 0, 1, "a", 0},
	{S(V2("2:..d1:a" LEAF("1") "e")), OK, "dir", 1, 1, "a", R_PATH},
	{S(V2("3:a/b" LEAF("1"))), OK, "dir", 1, 1, "a_b", R_PATH},
	{S(V2("3:a\0b" LEAF("1"))), OK, "dir", 1, 1, "a" FFFD "b", R_NUL},
	{S("d9:file tree3:abc" MV2 "4:name1:a" PL "e"), METAINFO_ERR_TREE, NULL, -1, -1, NULL, 0},
	{S("d6:lengthi5e" MV2 "4:name1:a" PL "e"), METAINFO_ERR_TREE, NULL, -1, -1, NULL, 0},
	/* hybrids: the v1 list must match the tree */
	{S(HY("1:a" LEAF("6"), F("5", "1:a"))), METAINFO_ERR_HYBRID_MISMATCH, NULL, -1, -1, NULL, 0},
	{S(HY("1:a" LEAF("5"), F("5", "1:b"))), METAINFO_ERR_HYBRID_MISMATCH, NULL, -1, -1, NULL, 0},
	{S(HY("1:a" LEAF("5"), F("5", "1:a1:b"))), METAINFO_ERR_HYBRID_MISMATCH, NULL, -1, -1, NULL, 0},
	{S(HY("1:a" LEAF("5") "1:b" LEAF("3"), F("5", "1:a"))), METAINFO_ERR_HYBRID_MISMATCH, NULL, -1, -1, NULL, 0},
	{S(HY("1:a" LEAF("5"), F("5", "1:a") F("3", "1:b"))), METAINFO_ERR_HYBRID_MISMATCH, NULL, -1, -1, NULL, 0},
	{S(HY("1:a" LEAF("5") "1:b" LEAF("3"), F("3", "1:b") F("5", "1:a"))), METAINFO_ERR_HYBRID_MISMATCH, NULL, -1, -1, NULL, 0},
	{S(HY("1:ad1:b" LEAF("5") "e", F("5", "1:a1:b"))), OK, "dir", 5, 1, "a/b", 0},
	{S(HY("1:ad0:d6:lengthi1eee", F("5", "1:a"))), METAINFO_ERR_HYBRID_MISMATCH, NULL, -1, -1, NULL, 0},
	{S(HY("1:a" LEAF("5"), "i1e")), METAINFO_ERR_FILES, NULL, -1, -1, NULL, 0},
	{S("d9:file treed1:a" LEAF("5") "e6:lengthi5e" MV2 "4:name1:b" PL "e"), METAINFO_ERR_HYBRID_MISMATCH, NULL, -1, -1, NULL, 0},
	/* bencode-level: unsorted keys accepted, everything else refused */
	{S("d4:name1:a6:lengthi5e12:piece lengthi16384ee"), OK, "a", 5, 1, "a", 0},
	{S("d5:filesl" "d4:pathl1:ae6:lengthi2ee" "e4:name3:dir" PL "e"), OK, "dir", 2, 1, "a", 0},
	{S("d6:lengthi5e4:name1:a4:name1:b" PL "e"), METAINFO_ERR_BENCODE, NULL, -1, -1, NULL, 0},
	{S(V1S("1:a", "5") "x"), METAINFO_ERR_BENCODE, NULL, -1, -1, NULL, 0},
	{S(V1S("1:a", "5") "de"), METAINFO_ERR_BENCODE, NULL, -1, -1, NULL, 0},
	{S("d6:lengthi05e4:name1:a" PL "e"), METAINFO_ERR_BENCODE, NULL, -1, -1, NULL, 0},
	{S("d6:lengthi5e4:name1:a" PL), METAINFO_ERR_BENCODE, NULL, -1, -1, NULL, 0},
};

/* Run one table row */
static void
run_pcase(size_t row, const struct pcase *c)
{
	struct metainfo mi;
	char		joined[4096];
	int			rc = parse(c->in, c->len, MAX_FILES, 0, &mi);

	CHECKF(rc == c->rc, "row %zu: rc %d (%s, %s at %zu), want %d", row, rc,
		   metainfo_strerror(rc), bencode_strerror(mi.bencode_error),
		   mi.error_pos, c->rc);
	if (rc != OK || c->rc != OK)
		return;
	if (c->name)
		CHECKF(mi.name_len == strlen(c->name) &&
			   memcmp(mi.name, c->name, mi.name_len) == 0 &&
			   mi.name[mi.name_len] == '\0',
			   "row %zu: name \"%s\"", row, mi.name);
	if (c->total >= 0)
		CHECKF(mi.total_size == c->total, "row %zu: total %lld", row,
			   (long long) mi.total_size);
	if (c->count >= 0)
		CHECKF(mi.file_count == c->count && mi.nfiles == (size_t) c->count,
			   "row %zu: count %lld", row, (long long) mi.file_count);
	join_paths(&mi, joined, sizeof(joined));
	if (c->paths)
		CHECKF(strcmp(joined, c->paths) == 0, "row %zu: paths \"%s\"", row,
			   joined);
	CHECKF(mi.repairs == c->repairs, "row %zu: repairs 0x%x", row,
		   mi.repairs);
	CHECKF((mi.repairs == 0) == (mi.nrepaired == 0), "row %zu", row);
	CHECKF(sizes_consistent(&mi), "row %zu: sizes", row);
}

/* Error positions, flags and fields the table does not show */
static void
test_details(void)
{
	struct metainfo mi;
	static const char unsorted[] = "d4:name1:a6:lengthi5e12:piece lengthi16384ee";
	static const char sorted[] = "d6:lengthi5e4:name1:a12:piece lengthi16384ee";
	static const char priv[] = "d6:lengthi5e4:name1:a" PL "7:privatei1ee";
	static const char pads[] = V1M(F("5", "1:a") PAD("16379") F("3", "1:b") PAD("16381"));
	static const char neg[] = V1M(F("1", "1:a") F("-5", "1:b"));
	static const char trailing[] = "d6:lengthi5e4:name1:a" PL "ee";
	struct metainfo_hashes h;
	uint8_t		want[SHA1_DIGEST_LEN];

	/* unsorted keys: accepted, flagged, and hashed as received */
	CHECK(parse(S(unsorted), MAX_FILES, 0, &mi) == OK);
	CHECK(mi.bencode_flags & BENCODE_FLAG_UNSORTED);
	sha1_digest(unsorted, sizeof(unsorted) - 1, want);
	CHECK(metainfo_verify((const uint8_t *) unsorted, sizeof(unsorted) - 1,
						  want, &h) == OK && h.matched == METAINFO_MATCH_V1);
	sha1_digest(sorted, sizeof(sorted) - 1, want);
	CHECK(memcmp(h.v1, want, SHA1_DIGEST_LEN) != 0);
	CHECK(parse(S(sorted), MAX_FILES, 0, &mi) == OK && mi.bencode_flags == 0);

	CHECK(parse(S(priv), MAX_FILES, 0, &mi) == OK && mi.private_flag == 1);
	CHECK(parse(S(sorted), MAX_FILES, 0, &mi) == OK && mi.private_flag == 0);
	CHECK(mi.piece_length == 16384 && mi.meta_version == 1);
	CHECK(mi.has_v1_layout && !mi.has_v2_tree);

	CHECK(parse(S(pads), MAX_FILES, 0, &mi) == OK);
	CHECK(mi.pad_count == 2 && mi.pad_size == 16379 + 16381);
	CHECK(mi.file_count == 2 && mi.total_size == 8);

	/* error positions point at the offending value */
	CHECK(parse(S(neg), MAX_FILES, 0, &mi) == METAINFO_ERR_LENGTH);
	CHECK(mi.error_pos == (size_t) (strstr(neg, "i-5e") - neg));
	CHECK(parse(S(trailing), MAX_FILES, 0, &mi) == METAINFO_ERR_BENCODE);
	CHECK(mi.bencode_error == BENCODE_ERR_TRAILING &&
		  mi.error_pos == sizeof(trailing) - 2);
}

/* ------------------------------------------------------------------------
 * Caps
 * ------------------------------------------------------------------------
 */

/* A v1 torrent "dir" with n files "f<i>" of size i; caller frees */
static char *
many_files(int n, size_t *len)
{
	size_t		cap = 64 + (size_t) n * 48;
	char	   *b = malloc(cap);
	size_t		l;
	int			i;

	l = (size_t) snprintf(b, cap, "d5:filesl");
	for (i = 0; i < n; i++)
	{
		char		name[16];
		int			nl = snprintf(name, sizeof(name), "f%d", i);

		l += (size_t) snprintf(b + l, cap - l, "d6:lengthi%de4:pathl%d:%see",
							   i, nl, name);
	}
	l += (size_t) snprintf(b + l, cap - l, "e4:name3:dir" PL "e");
	*len = l;
	return b;
}

/* File cap: the first max-1 files and a summary, or all when they fit */
static void
check_cap(int n, size_t max_files)
{
	struct metainfo mi;
	size_t		len;
	char	   *b = many_files(n, &len);
	int64_t		total = (int64_t) n * (n - 1) / 2;
	size_t		stored = (size_t) n <= max_files ? (size_t) n : max_files - 1;
	char		want[64];
	size_t		i;

	CHECKF(parse(b, len, max_files, 0, &mi) == OK, "n %d cap %zu", n,
		   max_files);
	CHECKF(mi.file_count == n && mi.total_size == total, "n %d", n);
	CHECKF(sizes_consistent(&mi), "n %d cap %zu", n, max_files);
	for (i = 0; i < stored && i < mi.nfiles; i++)
	{
		snprintf(want, sizeof(want), "f%zu", i);
		CHECKF(strcmp(files[i].path, want) == 0 && files[i].size == (int64_t) i,
			   "n %d cap %zu file %zu", n, max_files, i);
	}
	if ((size_t) n <= max_files)
		CHECKF(mi.nfiles == (size_t) n && mi.summarized == 0, "n %d", n);
	else
	{
		snprintf(want, sizeof(want), "(%zu more file%s)", n - stored,
				 n - stored == 1 ? "" : "s");
		CHECKF(mi.nfiles == max_files && mi.summarized == n - (int) stored &&
			   files[max_files - 1].is_summary &&
			   strcmp(files[max_files - 1].path, want) == 0,
			   "n %d cap %zu: %zu entries, last \"%s\"", n, max_files,
			   mi.nfiles, mi.nfiles ? files[mi.nfiles - 1].path : "");
	}
	free(b);
}

/* The arena runs out before the file cap: the rest is summarised */
static void
test_arena(void)
{
	struct metainfo mi;
	char	   *b = malloc(64 * 1024);
	size_t		l;
	int			i;
	char		comp[301];

	memset(comp, 'x', 300);
	comp[300] = '\0';
	l = (size_t) sprintf(b, "d5:filesl");
	for (i = 0; i < 20; i++)
		l += (size_t) sprintf(b + l, "d6:lengthi%de4:pathl3:%03d300:%see",
							  i + 1, i, comp);
	l += (size_t) sprintf(b + l, "e4:name3:dir" PL "e");
	CHECK(parse(b, l, MAX_FILES, METAINFO_MIN_STRBUF, &mi) == OK);
	CHECK(mi.file_count == 20 && mi.total_size == 210);
	CHECK(mi.nfiles >= 2 && mi.nfiles < 20 && mi.summarized > 0);
	CHECK(sizes_consistent(&mi));
	CHECK(strncmp(files[0].path, "000/xxx", 7) == 0 && files[0].path_len == 304);
	CHECKF(files[mi.nfiles - 1].is_summary, "%zu entries", mi.nfiles);
	/* below the minimum arena, or no file slot: refused */
	CHECK(parse(b, l, MAX_FILES, METAINFO_MIN_STRBUF - 1, &mi) ==
		  METAINFO_ERR_BUFFER);
	CHECK(parse(b, l, 0, 0, &mi) == METAINFO_ERR_BUFFER);
	free(b);
}

/* Names and paths are cut at their caps on a character boundary */
static void
test_truncation(void)
{
	struct metainfo mi;
	char	   *b = malloc(16384);
	char	   *s = malloc(8192);
	size_t		l;
	int			i;

	/* 500 x U+65E5 (3 bytes): 1500 bytes, cut to 341 characters */
	for (i = 0; i < 500; i++)
		memcpy(s + 3 * i, "\xe6\x97\xa5", 3);
	l = (size_t) sprintf(b, "d6:lengthi1e4:name1500:");
	memcpy(b + l, s, 1500);
	l += 1500;
	l += (size_t) sprintf(b + l, PL "e");
	CHECK(parse(b, l, MAX_FILES, 0, &mi) == OK);
	CHECK(mi.name_len == 1023 && memcmp(mi.name, s, 1023) == 0);
	CHECK(mi.repairs == METAINFO_REPAIR_TRUNCATED && mi.nrepaired == 1);
	CHECK(files[0].path_len == 1500);	/* the path cap is larger */

	/* a 5000-byte component is cut to METAINFO_MAX_PATH */
	memset(s, 'a', 5000);
	l = (size_t) sprintf(b, "d5:filesld6:lengthi1e4:pathl5000:");
	memcpy(b + l, s, 5000);
	l += 5000;
	l += (size_t) sprintf(b + l, "eee4:name3:dir" PL "e");
	CHECK(parse(b, l, MAX_FILES, 0, &mi) == OK);
	CHECK(files[0].path_len == METAINFO_MAX_PATH &&
		  strlen(files[0].path) == METAINFO_MAX_PATH);
	CHECK(mi.repairs == METAINFO_REPAIR_TRUNCATED);

	/* a cut that would leave "/.." (or "/.") drops that component */
	for (i = 4093; i <= 4094; i++)
	{
		l = (size_t) sprintf(b, "d5:filesld6:lengthi1e4:pathl%d:", i);
		memcpy(b + l, s, (size_t) i);
		l += (size_t) i;
		l += (size_t) sprintf(b + l, "3:..xeee4:name3:dir" PL "e");
		CHECK(parse(b, l, MAX_FILES, 0, &mi) == OK);
		CHECKF(files[0].path_len == (size_t) i &&
			   files[0].path[i - 1] == 'a', "%d: %zu", i, files[0].path_len);
	}
	free(b);
	free(s);
}

/* A v2 tree nested depth directories deep, one file at the bottom */
static char *
deep_tree(int depth, size_t *len)
{
	char	   *b = malloc((size_t) depth * 8 + 256);
	size_t		l = (size_t) sprintf(b, "d9:file treed");
	int			i;

	for (i = 0; i < depth; i++)
		l += (size_t) sprintf(b + l, "1:%cd", 'a' + i % 26);
	l += (size_t) sprintf(b + l, "1:f" LEAF("7"));
	for (i = 0; i < depth; i++)
		b[l++] = 'e';
	l += (size_t) sprintf(b + l, "e" MV2 "4:name1:n" PL "e");
	*len = l;
	return b;
}

/* Nesting: 60 directory levels fit METAINFO_MAX_DEPTH, 61 do not */
static void
test_depth(void)
{
	struct metainfo mi;
	size_t		len;
	char	   *b;

	b = deep_tree(60, &len);
	CHECK(parse(b, len, MAX_FILES, 0, &mi) == OK);
	CHECK(mi.file_count == 1 && files[0].path_len == 2 * 61 - 1);
	CHECK(mi.total_size == 7);
	free(b);
	b = deep_tree(61, &len);
	CHECK(parse(b, len, MAX_FILES, 0, &mi) == METAINFO_ERR_BENCODE);
	CHECK(mi.bencode_error == BENCODE_ERR_DEPTH);
	free(b);
	b = deep_tree(1000, &len);
	CHECK(parse(b, len, MAX_FILES, 0, &mi) == METAINFO_ERR_BENCODE);
	free(b);
}

/* Too few tokens is a bencode error, not a crash */
static void
test_tokens(void)
{
	static const char in[] = V1M(F("1", "1:a") F("2", "1:b"));
	struct bencode_token tok[8];
	struct metainfo_space sp = {tok, 8, files, MAX_FILES, strbuf, STRBUF};
	struct metainfo mi;

	CHECK(metainfo_parse((const uint8_t *) in, sizeof(in) - 1, &sp, &mi) ==
		  METAINFO_ERR_BENCODE);
	CHECK(mi.bencode_error == BENCODE_ERR_TOO_MANY_TOKENS);
	sp.max_tokens = 0;
	CHECK(metainfo_parse((const uint8_t *) in, sizeof(in) - 1, &sp, &mi) ==
		  METAINFO_ERR_BUFFER);
	CHECK(metainfo_parse((const uint8_t *) in, sizeof(in) - 1, NULL, &mi) ==
		  METAINFO_ERR_BUFFER);
}

/* ------------------------------------------------------------------------
 * Fixtures made by python3-libtorrent
 * ------------------------------------------------------------------------
 */

/* Whole file into a malloc'd buffer, or NULL */
static uint8_t *
read_file(const char *path, size_t *len)
{
	FILE	   *f = fopen(path, "rb");
	uint8_t    *b;
	long		n;

	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	b = malloc((size_t) n + 1);
	if (fread(b, 1, (size_t) n, f) != (size_t) n)
	{
		free(b);
		b = NULL;
	}
	fclose(f);
	b[n] = '\0';
	*len = (size_t) n;
	return b;
}

/* The info dict's raw span inside a .torrent, or NULL */
static const uint8_t *
info_span(const uint8_t *t, size_t tlen, size_t *len)
{
	size_t		ntok = METAINFO_TOKENS(tlen);
	struct bencode_token *tok = malloc(ntok * sizeof(*tok));
	const uint8_t *raw = NULL;
	int			v;

	if (bencode_decode(t, tlen, NULL, tok, &ntok, NULL, NULL) == 0 &&
		(v = bencode_dict_get_type(t, tok, ntok, 0, "info", 4,
								   BENCODE_DICT)) >= 0)
		raw = bencode_raw(t, &tok[v], len);
	free(tok);
	return raw;
}

/* Hex string into bytes */
static void
from_hex(const char *hex, uint8_t *out, size_t n)
{
	size_t		i;

	for (i = 0; i < n; i++)
	{
		unsigned	b;

		sscanf(hex + 2 * i, "%2x", &b);
		out[i] = (uint8_t) b;
	}
}

/* One manifest torrent: its T fields and F lines */
struct expected
{
	char	   *field[13];
	char	   *path[MAX_FILES];
	int64_t		size[MAX_FILES];
	size_t		nfiles;
};

/* Verify under every hash the torrent has; hybrids get one key */
static void
check_verify(const char *fn, const uint8_t *info, size_t len,
			 const struct metainfo *mi, const struct expected *e)
{
	int			has_v1 = strcmp(e->field[8], "1") == 0;
	int			has_v2 = strcmp(e->field[9], "1") == 0;
	uint8_t		v1[20],
				v2[32],
				bad[20];
	struct metainfo_hashes h;

	if (has_v1)
		from_hex(e->field[10], v1, 20);
	if (has_v2)
		from_hex(e->field[11], v2, 32);
	if (has_v1)
	{
		CHECKF(metainfo_verify(info, len, v1, &h) == OK &&
			   h.matched == METAINFO_MATCH_V1, "%s v1", fn);
		metainfo_classify(&h, mi);
		CHECKF(h.has_v1 && memcmp(h.key, v1, 20) == 0 && h.has_v2 == has_v2,
			   "%s v1 key", fn);
		CHECKF(!has_v2 || memcmp(h.v2, v2, 32) == 0, "%s v1: v2", fn);
	}
	if (has_v2)
	{
		CHECKF(metainfo_verify(info, len, v2, &h) == OK &&
			   h.matched == METAINFO_MATCH_V2, "%s v2", fn);
		metainfo_classify(&h, mi);
		CHECKF(h.has_v2 && memcmp(h.v2, v2, 32) == 0, "%s v2 hash", fn);
		CHECKF(h.has_v1 == has_v1 &&
			   memcmp(h.key, has_v1 ? v1 : v2, 20) == 0, "%s v2 key", fn);
	}
	memcpy(bad, has_v1 ? v1 : v2, 20);
	bad[19] ^= 1;
	CHECKF(metainfo_verify(info, len, bad, &h) == METAINFO_ERR_HASH_MISMATCH &&
		   h.matched == METAINFO_MATCH_NONE, "%s mismatch", fn);
}

/* Parse and compare with libtorrent's view */
static void
check_parse(const char *fn, const uint8_t *info, size_t len,
			struct metainfo *mi, const struct expected *e)
{
	size_t		i;

	CHECKF(parse(info, len, MAX_FILES, 0, mi) == OK, "%s parse", fn);
	CHECKF(strcmp(mi->name, e->field[2]) == 0, "%s name %s", fn, mi->name);
	CHECKF(mi->total_size == atoll(e->field[3]), "%s total", fn);
	CHECKF(mi->file_count == atoll(e->field[4]) && mi->nfiles == e->nfiles,
		   "%s count", fn);
	CHECKF(mi->piece_length == atoll(e->field[5]), "%s piece length", fn);
	CHECKF(mi->private_flag == atoi(e->field[6]), "%s private", fn);
	CHECKF(mi->meta_version == atoi(e->field[7]), "%s version", fn);
	CHECKF(mi->has_v1_layout == atoi(e->field[8]) &&
		   mi->has_v2_tree == atoi(e->field[9]), "%s layout", fn);
	/* libtorrent adds implicit pads to v2-only torrents; compare v1 lists */
	if (mi->has_v1_layout)
		CHECKF(mi->pad_count == atoll(e->field[12]), "%s pads %lld", fn,
			   (long long) mi->pad_count);
	CHECKF(mi->repairs == 0 && mi->summarized == 0, "%s repairs", fn);
	for (i = 0; i < mi->nfiles && i < e->nfiles; i++)
		CHECKF(strcmp(files[i].path, e->path[i]) == 0 &&
			   files[i].size == e->size[i], "%s file %zu: %s %lld", fn, i,
			   files[i].path, (long long) files[i].size);
}

/* Small caps and every truncation */
static void
check_stress(const char *fn, const uint8_t *info, size_t len)
{
	struct metainfo mi;
	size_t		n;

	CHECKF(parse(info, len, 2, METAINFO_MIN_STRBUF, &mi) == OK &&
		   mi.nfiles <= 2 && sizes_consistent(&mi), "%s cap 2", fn);
	CHECKF(parse(info, len, 1, 0, &mi) == OK && mi.nfiles == 1 &&
		   sizes_consistent(&mi), "%s cap 1", fn);
	for (n = 0; n < len; n++)
		CHECKF(parse(info, n, MAX_FILES, 0, &mi) == METAINFO_ERR_BENCODE,
			   "%s cut at %zu", fn, n);
}

/* Split s at c in place into at most max fields; returns the count */
static int
split(char *s, char c, char **f, int max)
{
	int			n = 0;

	while (n < max)
	{
		char	   *e = strchr(s, c);

		f[n++] = s;
		if (e == NULL)
			break;
		*e = '\0';
		s = e + 1;
	}
	return n;
}

/* Run every torrent of one manifest record */
static void
check_fixture(const char *dir, struct expected *e)
{
	char		path[1024];
	size_t		tlen,
				len;
	uint8_t    *t;
	const uint8_t *info;
	struct metainfo mi;

	snprintf(path, sizeof(path), "%s/%s", dir, e->field[1]);
	t = read_file(path, &tlen);
	CHECKF(t != NULL, "cannot read %s", path);
	if (t == NULL)
		return;
	info = info_span(t, tlen, &len);
	CHECKF(info != NULL, "%s: no info dict", path);
	if (info)
	{
		check_parse(e->field[1], info, len, &mi, e);
		check_verify(e->field[1], info, len, &mi, e);
		check_stress(e->field[1], info, len);
	}
	free(t);
}

/* Read manifest.tsv and check every torrent; returns how many */
static int
test_fixtures(void)
{
	const char *dir = getenv("METAINFO_FIXTURES");
	char		path[1024];
	size_t		len;
	char	   *m;
	char	   *lines[4096];
	int			nlines,
				i,
				ntorrents = 0;
	struct expected e;

	if (dir == NULL)
		dir = "test/fixtures/torrents";
	snprintf(path, sizeof(path), "%s/manifest.tsv", dir);
	m = (char *) read_file(path, &len);
	CHECKF(m != NULL, "cannot read %s (run from the repository root)", path);
	if (m == NULL)
		return 0;
	nlines = split(m, '\n', lines, 4096);
	memset(&e, 0, sizeof(e));
	for (i = 0; i <= nlines; i++)
	{
		char	   *f[14];
		int			nf = i < nlines ? split(lines[i], '\t', f, 14) : 0;

		if ((i == nlines || (nf > 0 && strcmp(f[0], "T") == 0)) &&
			e.field[0] != NULL)
		{
			check_fixture(dir, &e);
			ntorrents++;
			memset(&e, 0, sizeof(e));
		}
		if (nf == 13 && strcmp(f[0], "T") == 0)
			memcpy(e.field, f, sizeof(e.field));
		else if (nf == 3 && strcmp(f[0], "F") == 0 && e.nfiles < MAX_FILES)
		{
			e.path[e.nfiles] = f[1];
			e.size[e.nfiles++] = atoll(f[2]);
		}
	}
	free(m);
	return ntorrents;
}

int
main(void)
{
	size_t		i;
	int			n;

	if (sodium_init() < 0)
		return 2;
	for (i = 0; i < sizeof(pcases) / sizeof(pcases[0]); i++)
		run_pcase(i, &pcases[i]);
	test_details();
	check_cap(1000, 10);
	check_cap(10, 10);
	check_cap(11, 10);
	check_cap(1, 1);
	check_cap(3, 1);
	check_cap(2, 2);
	check_cap(3, 2);
	test_arena();
	test_truncation();
	test_depth();
	test_tokens();
	n = test_fixtures();
	CHECKF(n == 11, "%d fixtures", n);
	fprintf(stderr, "metainfo: %zu table rows, %d fixtures\n",
		   sizeof(pcases) / sizeof(pcases[0]), n);
	return unit_summary("metainfo");
}
