/*
 * test_population.c
 *		Unit tests of the simulator's torrent population (population.h) and
 *		its name generator (names.h).
 *
 * Every info dict of a 3,000-torrent population with every share non-zero
 * goes through the project's own strict bencode decoder and metainfo
 * verifier/parser, which must accept it unrepaired and agree with the
 * summary; then determinism (same seed, prefix populations, rebuilds),
 * shares, the long tails and the variety of names are checked.  Checks
 * over all torrents are tallied and reported once each, with the first
 * failing torrent.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bencode.h"
#include "metainfo.h"
#include "names.h"
#include "population.h"
#include "unit.h"

#define SEED 0x5eed2024u
#define NTORRENTS 3000
#define MIB (1024u * 1024u)

/* One property checked over many torrents */
struct tally
{
	const char *what;
	int			bad;
	size_t		first;
};

/* Every property checked per torrent, in report order */
enum prop
{
	P_INFO, P_LEN, P_DECODE, P_VERIFY, P_PARSE, P_KEY, P_V2, P_NAME,
	P_REPAIRS, P_TOTAL, P_COUNT, P_PRIVATE, P_LAYOUT, P_PIECE_LENGTH,
	P_PIECES, P_ALIGN, P_ROOTS, P_PATHS, P_REBUILD, NPROPS
};

static struct tally tallies[NPROPS] = {
	{"info rebuilt", 0, 0}, {"info_size == len", 0, 0},
	{"strict canonical bencode", 0, 0}, {"metainfo_verify", 0, 0},
	{"metainfo_parse", 0, 0}, {"key == hash", 0, 0},
	{"v2 hash", 0, 0}, {"name == population_name", 0, 0},
	{"no repairs", 0, 0}, {"total_size", 0, 0}, {"file_count", 0, 0},
	{"private flag", 0, 0}, {"layout keys match kind", 0, 0},
	{"piece length", 0, 0}, {"pieces cover the data", 0, 0},
	{"hybrid files piece-aligned", 0, 0},
	{"pieces root exactly for non-empty files", 0, 0},
	{"paths unique, no file is a directory", 0, 0},
	{"rebuild identical", 0, 0}
};

static void
note(enum prop p, int ok, size_t i)
{
	if (ok)
		return;
	if (tallies[p].bad++ == 0)
		tallies[p].first = i;
}

/* Reusable space for decoding and parsing */
static struct bencode_token *tokens;
static struct metainfo_file *files;
static size_t files_cap;
static char *strbuf;
static size_t strbuf_cap;

/* Statistics over the population */
static struct
{
	size_t		kinds[4];
	size_t		priv;
	size_t		single;
	size_t		big;			/* >= 1000 files */
	size_t		over10;			/* info dict > 10 MiB */
	size_t		over16;			/* info dict >= 16 MiB */
	size_t		hybrid_single_length;	/* hybrid single-file with "length" */
	size_t		deep;			/* paths with 4 directories */
	size_t		padded;			/* hybrids with padding files */
	size_t		tail_padded;	/* ... whose last entry is padding */
	size_t		tail_bare;		/* ... whose unaligned last file is not */
	size_t		empty_files;	/* zero-length files */
}			st;

/* ------------------------------------------------------------------------
 * UTF-8 and name classification
 * ------------------------------------------------------------------------
 */

/*
 * Decode one strict UTF-8 character at s[0..n); returns its length and the
 * code point in *cp, or 0 if invalid (overlong, surrogate, > U+10FFFF).
 */
static size_t
utf8_next(const unsigned char *s, size_t n, uint32_t *cp)
{
	size_t		len,
				i;
	uint32_t	c = s[0];

	if (c < 0x80)
		len = 1;
	else if (c >= 0xC2 && c <= 0xDF)
		len = 2, c &= 0x1F;
	else if (c >= 0xE0 && c <= 0xEF)
		len = 3, c &= 0x0F;
	else if (c >= 0xF0 && c <= 0xF4)
		len = 4, c &= 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++)
	{
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3F);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && c < 0x10000) ||
		(c >= 0xD800 && c <= 0xDFFF) || c > 0x10FFFF)
		return 0;
	*cp = c;
	return len;
}

/* Features of one name */
#define F_CJK 0x1
#define F_ACCENT 0x2
#define F_EMOJI 0x4
#define F_BRACKET 0x8
#define F_YEAR 0x10
#define F_RES 0x20
#define F_SPACE 0x40
#define F_DOTS 0x80				/* dots between words, no space */
#define F_UNDERSCORE 0x100

/* Does s contain a 19xx/20xx year not glued to other digits? */
static int
has_year(const char *s, size_t n)
{
	size_t		i;

	for (i = 0; i + 4 <= n; i++)
		if ((s[i] == '1' && s[i + 1] == '9') ||
			(s[i] == '2' && s[i + 1] == '0'))
			if (s[i + 2] >= '0' && s[i + 2] <= '9' &&
				s[i + 3] >= '0' && s[i + 3] <= '9' &&
				(i == 0 || s[i - 1] < '0' || s[i - 1] > '9') &&
				(i + 4 == n || s[i + 4] < '0' || s[i + 4] > '9'))
				return 1;
	return 0;
}

/* F_* bits of a name, or -1 if it is not valid UTF-8 */
static int
classify(const char *s, size_t n)
{
	static const char *const res[] = {"480p", "576p", "720p", "1080p",
	"2160p"};
	const unsigned char *u = (const unsigned char *) s;
	int			f = 0;
	size_t		i = 0,
				k;
	uint32_t	cp;

	while (i < n)
	{
		k = utf8_next(u + i, n - i, &cp);
		if (k == 0)
			return -1;
		if ((cp >= 0x3040 && cp <= 0x30FF) || (cp >= 0x4E00 && cp <= 0x9FFF) ||
			(cp >= 0xAC00 && cp <= 0xD7AF))
			f |= F_CJK;
		else if (cp >= 0xC0 && cp <= 0x17F)
			f |= F_ACCENT;
		else if ((cp >= 0x1F300 && cp <= 0x1FAFF) ||
				 (cp >= 0x2600 && cp <= 0x27BF))
			f |= F_EMOJI;
		i += k;
	}
	if (memchr(s, '[', n) || memchr(s, '(', n))
		f |= F_BRACKET;
	if (has_year(s, n))
		f |= F_YEAR;
	for (k = 0; k < sizeof(res) / sizeof(res[0]); k++)
		if (memmem(s, n, res[k], strlen(res[k])))
			f |= F_RES;
	if (memchr(s, ' ', n))
		f |= F_SPACE;
	else if (memchr(s, '.', n) && memchr(s, '.', n) != memrchr(s, '.', n))
		f |= F_DOTS;
	if (memchr(s, '_', n))
		f |= F_UNDERSCORE;
	return f;
}

/* ------------------------------------------------------------------------
 * Per-torrent checks
 * ------------------------------------------------------------------------
 */

/* Sort key of a path: '/' lowest, so a directory's files follow it */
static int
cmp_paths(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

/* Directories above a file: its separators (here '\1') */
static size_t
depth_of(const char *p)
{
	size_t		n = 0;

	for (; *p; p++)
		n += *p == '\1';
	return n;
}

/*
 * Paths unique and no file path is a directory of another: copies with
 * '/' as '\1' sorted, each compared with its successor.
 */
static int
paths_ok(const struct metainfo *mi)
{
	char	  **v = malloc((mi->nfiles + 1) * sizeof(*v));
	size_t		i;
	int			ok = 1;

	if (v == NULL)
		abort();
	for (i = 0; i < mi->nfiles; i++)
	{
		char	   *p = strdup(files[i].path);
		char	   *q;

		if (p == NULL)
			abort();
		for (q = p; *q; q++)
			if (*q == '/')
				*q = '\1';
		v[i] = p;
		if (depth_of(p) >= 4)
			st.deep++;
		if (files[i].size == 0)
			st.empty_files++;
	}
	qsort(v, mi->nfiles, sizeof(*v), cmp_paths);
	for (i = 0; ok && i + 1 < mi->nfiles; i++)
	{
		size_t		n = strlen(v[i]);

		if (strcmp(v[i], v[i + 1]) == 0 ||
			(strncmp(v[i], v[i + 1], n) == 0 && v[i + 1][n] == '\1'))
			ok = 0;
	}
	for (i = 0; i < mi->nfiles; i++)
		free(v[i]);
	free(v);
	return ok;
}

/*
 * "pieces" holds ceil(data / piece length) hashes, where data includes the
 * padding of a hybrid; in a hybrid every file starts on a piece boundary.
 */
static void
check_pieces(const uint8_t *buf, size_t ntok, const struct sim_torrent *t,
			 const struct metainfo *mi, size_t i)
{
	int64_t		pl = mi->piece_length;
	int64_t		data = mi->total_size + mi->pad_size;
	size_t		plen = 0;
	const uint8_t *pieces = bencode_dict_get_str(buf, tokens, ntok, 0,
												 "pieces", 6, &plen);
	int			files = bencode_dict_get_type(buf, tokens, ntok, 0, "files",
											  5, BENCODE_LIST);

	if (t->kind == SIM_KIND_V2)
		note(P_PIECES, pieces == NULL && mi->pad_count == 0, i);
	else
		note(P_PIECES, pieces != NULL && plen % 20 == 0 &&
			 (int64_t) (plen / 20) == (data + pl - 1) / pl, i);
	if (t->kind == SIM_KIND_HYBRID && files >= 0)
	{
		size_t		k = (size_t) files + 1;
		int64_t		off = 0;
		int			ok = 1;
		uint32_t	e;

		int			pad = 0;

		for (e = 0; e < tokens[files].count; e++, k = tokens[k].next)
		{
			int64_t		len = 0;

			pad = bencode_dict_get(buf, tokens, ntok, k, "attr", 4) >= 0;

			bencode_dict_get_int(buf, tokens, ntok, k, "length", 6, &len);
			if (!pad && off % pl != 0)
				ok = 0;
			if (pad && (len <= 0 || len >= pl || (off + len) % pl != 0))
				ok = 0;
			off += len;
		}
		note(P_ALIGN, ok, i);
		st.padded += mi->pad_count > 0;
		st.tail_padded += pad;
		st.tail_bare += !pad && off % pl != 0;
	}
}

/* Every file of the tree: a 32-byte "pieces root" exactly when non-empty */
static void
check_roots(const uint8_t *buf, size_t ntok, size_t i)
{
	int			ft = bencode_dict_get_type(buf, tokens, ntok, 0, "file tree",
										   9, BENCODE_DICT);
	size_t		k,
				end;
	int			ok = 1;

	if (ft < 0)
		return;
	end = tokens[ft].next;
	for (k = (size_t) ft; k < end; k++)
	{
		int			leaf;
		int64_t		len = -1;
		size_t		rl = 0;
		const uint8_t *root;

		if (tokens[k].type != BENCODE_DICT ||
			(leaf = bencode_dict_get(buf, tokens, ntok, k, "", 0)) < 0)
			continue;
		bencode_dict_get_int(buf, tokens, ntok, (size_t) leaf, "length", 6,
							 &len);
		root = bencode_dict_get_str(buf, tokens, ntok, (size_t) leaf,
									"pieces root", 11, &rl);
		if (len > 0 ? root == NULL || rl != 32 : root != NULL)
			ok = 0;
	}
	note(P_ROOTS, ok, i);
}

/* Layout keys and piece length as the kind says; counts a few facts */
static void
check_layout(const uint8_t *buf, size_t ntok, const struct sim_torrent *t,
			 const struct metainfo *mi, size_t i)
{
	int			v1 = t->kind != SIM_KIND_V2;
	int			v2 = t->kind != SIM_KIND_V1;
	int64_t		pl = mi->piece_length;
	int			has_length = bencode_dict_get(buf, tokens, ntok, 0,
											  "length", 6) >= 0;

	note(P_LAYOUT, mi->has_v1_layout == v1 && mi->has_v2_tree == v2 &&
		 mi->meta_version == (v2 ? 2 : 1) &&
		 has_length == (v1 && t->file_count == 1), i);
	note(P_PIECE_LENGTH, pl >= 16384 && (pl & (pl - 1)) == 0, i);
	if (t->kind == SIM_KIND_HYBRID && t->file_count == 1 && has_length)
		st.hybrid_single_length++;
	if (t->info_size <= 10 * MIB && mi->total_size > 0)
	{
		/* ordinary torrents: 500..2500 pieces unless at a size limit */
		int64_t		np = (mi->total_size + pl - 1) / pl;

		note(P_PIECE_LENGTH, (np <= 2501 || pl == 16 * MIB) &&
			 (np > 500 || pl == 16384), i);
	}
}

/* Hashes, key and summary fields against the parse */
static void
check_summary(const uint8_t *info, size_t len, const struct population *pop,
			  size_t i, const struct metainfo *mi)
{
	const struct sim_torrent *t = population_get(pop, i);
	const char *name = population_name(pop, i);
	struct metainfo_hashes h;
	static const uint8_t zero[32];
	int			rc = metainfo_verify(info, len, t->hash, &h);

	note(P_VERIFY, rc == 0 && h.matched == (t->kind == SIM_KIND_V2 ?
											METAINFO_MATCH_V2 :
											METAINFO_MATCH_V1), i);
	metainfo_classify(&h, mi);
	note(P_KEY, memcmp(h.key, t->hash, 20) == 0 &&
		 h.has_v1 == (t->kind != SIM_KIND_V2), i);
	if (t->kind == SIM_KIND_V1)
		note(P_V2, !h.has_v2 && memcmp(t->hash_v2, zero, 32) == 0, i);
	else
		note(P_V2, h.has_v2 && memcmp(h.v2, t->hash_v2, 32) == 0, i);
	note(P_NAME, mi->name_len == strlen(name) &&
		 memcmp(mi->name, name, mi->name_len) == 0, i);
	note(P_REPAIRS, mi->repairs == 0 && mi->nrepaired == 0 &&
		 mi->bencode_flags == 0, i);
	note(P_TOTAL, (uint64_t) mi->total_size == t->total_size, i);
	note(P_COUNT, (uint64_t) mi->file_count == t->file_count &&
		 mi->summarized == 0 && mi->nfiles == t->file_count, i);
	note(P_PRIVATE, mi->private_flag == t->is_private, i);
}

/* Make the parse space big enough for len bytes and n files */
static void
reserve(size_t len, size_t n)
{
	size_t		need = 4 * len + METAINFO_MIN_STRBUF;

	if (n + 1 > files_cap)
	{
		free(files);
		files_cap = n + 1;
		files = malloc(files_cap * sizeof(*files));
	}
	if (need > strbuf_cap)
	{
		free(strbuf);
		strbuf_cap = need;
		strbuf = malloc(strbuf_cap);
	}
	if (files == NULL || strbuf == NULL)
		abort();
}

/* Every check of torrent i */
static void
check_torrent(const struct population *pop, size_t i)
{
	const struct sim_torrent *t = population_get(pop, i);
	size_t		len = 0,
				len2 = 0,
				ntok = METAINFO_MAX_TOKENS;
	uint8_t    *info = population_info(pop, i, &len);
	uint8_t    *again = population_info(pop, i, &len2);
	struct unit_guarded g;
	struct metainfo_space sp;
	struct metainfo mi;
	int			rc;

	note(P_INFO, info != NULL && again != NULL, i);
	if (info == NULL || again == NULL)
		return;
	note(P_LEN, len == t->info_size, i);
	note(P_REBUILD, len == len2 && memcmp(info, again, len) == 0, i);
	g = unit_guarded_copy(info, len);
	rc = bencode_decode(g.data, len, NULL, tokens, &ntok, NULL, NULL);
	note(P_DECODE, rc == 0 && tokens[0].type == BENCODE_DICT &&
		 tokens[0].length == len, i);
	reserve(len, t->file_count);
	sp = (struct metainfo_space) {tokens, METAINFO_TOKENS(len), files,
	files_cap, strbuf, strbuf_cap};
	rc = metainfo_parse(g.data, len, &sp, &mi);
	note(P_PARSE, rc == 0, i);
	if (rc == 0)
	{
		check_summary(g.data, len, pop, i, &mi);
		note(P_PATHS, paths_ok(&mi), i);
		/* the parse reused tokens: decode again for key lookups */
		ntok = METAINFO_MAX_TOKENS;
		if (bencode_decode(g.data, len, NULL, tokens, &ntok, NULL, NULL) == 0)
		{
			check_layout(g.data, ntok, t, &mi, i);
			check_pieces(g.data, ntok, t, &mi, i);
			check_roots(g.data, ntok, i);
		}
	}
	unit_guarded_free(&g);
	free(info);
	free(again);
}

/* ------------------------------------------------------------------------
 * Population-wide checks
 * ------------------------------------------------------------------------
 */

static struct population_config
base_config(void)
{
	struct population_config c;

	memset(&c, 0, sizeof(c));
	c.seed = SEED;
	c.ntorrents = NTORRENTS;
	c.share_v2 = 0.15;
	c.share_hybrid = 0.35;
	c.share_private = 0.05;
	c.share_huge = 0.002;
	c.max_files = 5000;
	return c;
}

/* Kinds, privacy, file counts and dict sizes over the population */
static void
gather(const struct population *pop)
{
	size_t		i;

	for (i = 0; i < population_count(pop); i++)
	{
		const struct sim_torrent *t = population_get(pop, i);

		st.kinds[t->kind]++;
		st.priv += t->is_private;
		st.single += t->file_count == 1;
		st.big += t->file_count >= 1000;
		st.over10 += t->info_size > 10 * MIB;
		st.over16 += t->info_size >= 16 * MIB;
	}
}

/* Shares within about 4.5 binomial standard deviations */
static void
test_shares(void)
{
	double		n = NTORRENTS;

	CHECKF(st.kinds[SIM_KIND_V2] / n > 0.12 && st.kinds[SIM_KIND_V2] / n < 0.18,
		   "v2 %zu", st.kinds[SIM_KIND_V2]);
	CHECKF(st.kinds[SIM_KIND_HYBRID] / n > 0.31 &&
		   st.kinds[SIM_KIND_HYBRID] / n < 0.39, "hybrid %zu",
		   st.kinds[SIM_KIND_HYBRID]);
	CHECKF(st.kinds[SIM_KIND_V1] / n > 0.45 && st.kinds[SIM_KIND_V1] / n < 0.55,
		   "v1 %zu", st.kinds[SIM_KIND_V1]);
	CHECKF(st.priv / n > 0.035 && st.priv / n < 0.065, "private %zu", st.priv);
	CHECKF(st.single / n > 0.50 && st.single / n < 0.60, "single %zu",
		   st.single);
	CHECKF(st.big >= 1, "torrents with >= 1000 files: %zu", st.big);
	CHECKF(st.over10 >= 1 && st.over10 <= 18, "info > 10 MiB: %zu",
		   st.over10);
	CHECKF(st.over16 == 0, "info >= 16 MiB: %zu", st.over16);
	CHECKF(st.hybrid_single_length > 0, "hybrid single-file with length");
	CHECKF(st.padded > 0, "hybrids with padding: %zu", st.padded);
	CHECKF(st.tail_padded > 0 && st.tail_bare > 0,
		   "hybrids with / without tail padding: %zu / %zu", st.tail_padded,
		   st.tail_bare);
	CHECKF(st.deep > 0, "paths 4 directories deep: %zu", st.deep);
	CHECKF(st.empty_files > 0, "zero-length files: %zu", st.empty_files);
}

/* Names: valid, bounded, and as varied as the brief asks */
static void
test_names(const struct population *pop)
{
	size_t		counts[9] = {0};
	size_t		bad = 0,
				first = 0;
	size_t		i,
				n = population_count(pop);
	int			b;

	for (i = 0; i < n; i++)
	{
		const char *s = population_name(pop, i);
		size_t		len = strlen(s);
		int			f = classify(s, len);

		if (f < 0 || len < 3 || len > 200 || strchr(s, '/'))
		{
			if (bad++ == 0)
				first = i;
			continue;
		}
		for (b = 0; b < 9; b++)
			counts[b] += (f >> b) & 1;
	}
	CHECKF(bad == 0, "%zu bad names, first %zu", bad, first);
	CHECKF(counts[0] > n / 30, "CJK %zu", counts[0]);
	CHECKF(counts[1] > n / 10, "accented %zu", counts[1]);
	CHECKF(counts[2] > n / 200, "emoji %zu", counts[2]);
	CHECKF(counts[3] > n / 5, "brackets %zu", counts[3]);
	CHECKF(counts[4] > n / 3, "year %zu", counts[4]);
	CHECKF(counts[5] > n / 5, "resolution %zu", counts[5]);
	CHECKF(counts[6] > n / 5, "spaces %zu", counts[6]);
	CHECKF(counts[7] > n / 10, "dotted %zu", counts[7]);
	CHECKF(counts[8] > n / 100, "underscores %zu", counts[8]);
}

/* Same seed: same population; prefix: same torrents; other seed: other */
static void
test_determinism(const struct population *pop)
{
	struct population_config c = base_config();
	struct population *same = population_create(&c);
	struct population *other;
	struct population *small;
	size_t		i,
				diff = 0,
				names_diff = 0,
				equal_hash = 0;

	CHECK(same != NULL);
	if (same == NULL)
		return;
	for (i = 0; i < NTORRENTS; i++)
	{
		diff += memcmp(population_get(pop, i), population_get(same, i),
					   sizeof(struct sim_torrent)) != 0;
		diff += strcmp(population_name(pop, i), population_name(same, i)) != 0;
	}
	CHECKF(diff == 0, "same seed: %zu differences", diff);
	population_destroy(same);

	/* a prefix population, other shares: names are the same */
	c.ntorrents = 300;
	c.share_v2 = 0.5;
	c.share_hybrid = 0.1;
	c.share_huge = 0.0;
	c.max_files = 50;
	small = population_create(&c);
	CHECK(small != NULL);
	for (i = 0; small && i < 300; i++)
		names_diff += strcmp(population_name(pop, i),
							 population_name(small, i)) != 0;
	CHECKF(small && names_diff == 0, "names changed with the config: %zu",
		   names_diff);
	population_destroy(small);

	/* the same config truncated: identical torrents */
	c = base_config();
	c.ntorrents = 200;
	small = population_create(&c);
	CHECK(small != NULL);
	for (i = 0, diff = 0; small && i < 200; i++)
		diff += memcmp(population_get(pop, i), population_get(small, i),
					   sizeof(struct sim_torrent)) != 0;
	CHECKF(small && diff == 0, "prefix population: %zu differences", diff);
	population_destroy(small);

	c.seed = SEED + 1;
	other = population_create(&c);
	CHECK(other != NULL);
	for (i = 0, diff = 0; other && i < 200; i++)
	{
		equal_hash += memcmp(population_get(pop, i)->hash,
							 population_get(other, i)->hash, 20) == 0;
		diff += strcmp(population_name(pop, i), population_name(other, i)) != 0;
	}
	CHECKF(other && equal_hash == 0 && diff > 190,
		   "other seed: %zu equal hashes, %zu different names", equal_hash,
		   diff);
	population_destroy(other);
}

/* Refused configurations and accessors */
static void
test_config(const struct population *pop)
{
	static const struct
	{
		uint32_t	n;
		double		v2,
					hybrid,
					priv,
					huge;
		uint32_t	max_files;
	}			bad[] = {
		{0, 0.1, 0.1, 0.1, 0.0, 10},	/* no torrents */
		{POPULATION_MAX_TORRENTS + 1, 0.1, 0.1, 0.1, 0.0, 10},
		{10, 1.5, 0.0, 0.0, 0.0, 10},	/* share above 1 */
		{10, 0.6, 0.6, 0.0, 0.0, 10},	/* v2 + hybrid above 1 */
		{10, 0.1, -0.1, 0.0, 0.0, 10},	/* negative share */
		{10, 0.1, 0.1, NAN, 0.0, 10},	/* NaN */
		{10, 0.1, 0.1, 0.1, 0.0, 0},	/* no files */
	};
	size_t		i,
				len = 1;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
	{
		struct population_config c = base_config();

		c.ntorrents = bad[i].n;
		c.share_v2 = bad[i].v2;
		c.share_hybrid = bad[i].hybrid;
		c.share_private = bad[i].priv;
		c.share_huge = bad[i].huge;
		c.max_files = bad[i].max_files;
		CHECKF(population_create(&c) == NULL, "bad config %zu", i);
	}
	CHECK(population_count(pop) == NTORRENTS);
	CHECK(population_get(pop, NTORRENTS) == NULL);
	CHECK(population_name(pop, NTORRENTS) == NULL);
	CHECK(population_info(pop, NTORRENTS, &len) == NULL && len == 0);
	CHECK(strcmp(population_kind_name(SIM_KIND_V1), "v1") == 0);
	CHECK(strcmp(population_kind_name(SIM_KIND_V2), "v2") == 0);
	CHECK(strcmp(population_kind_name(SIM_KIND_HYBRID), "hybrid") == 0);
	CHECK(strcmp(population_kind_name(0), "unknown") == 0);
}

/* ------------------------------------------------------------------------
 * names.c on its own
 * ------------------------------------------------------------------------
 */

/* Every component valid, bounded, no '/', not "." or ".." */
static int
components_ok(const struct names_path *p)
{
	size_t		start = 0,
				i;
	int			k = 0;

	for (i = 0; i <= p->len; i++)
	{
		size_t		n;

		if (i < p->len && p->buf[i] != '\0')
			continue;
		n = i - start;
		k++;
		if (n == 0 || n > NAMES_MAX_NAME || classify(p->buf + start, n) < 0 ||
			memchr(p->buf + start, '/', n) ||
			(n == 1 && p->buf[start] == '.') ||
			(n == 2 && memcmp(p->buf + start, "..", 2) == 0))
			return 0;
		start = i + 1;
	}
	return k == p->ncomp && k >= 1 && k <= NAMES_MAX_COMPONENTS;
}

/* The leaf (last component) has an extension after its first byte */
static int
leaf_has_ext(const struct names_path *p)
{
	size_t		start = p->len;
	size_t		i;

	while (start > 0 && p->buf[start - 1] != '\0')
		start--;
	for (i = p->len; i > start + 1; i--)
		if (p->buf[i - 1] == '.')
			return i < p->len;
	return 0;
}

/* Layouts of many torrents and sizes: components always valid */
static void
test_layouts(void)
{
	static const uint32_t sizes[] = {2, 3, 5, 17, 100, 1000, 20000};
	uint64_t	rng = 12345;
	size_t		bad = 0,
				noext = 0,
				deepest = 0;
	int			c;

	for (c = 0; c < 120; c++)
	{
		struct names_torrent t;
		struct names_layout L;
		struct names_path p;
		uint32_t	n = sizes[c % 7],
					j;

		names_torrent(&rng, &t);
		names_layout_init(&L, &t, n, &rng);
		for (j = 0; j < n; j += n > 1000 ? 7 : 1)
		{
			names_file(&L, j, &rng, &p);
			bad += !components_ok(&p);
			noext += !leaf_has_ext(&p);
			if ((size_t) p.ncomp > deepest)
				deepest = (size_t) p.ncomp;
		}
	}
	CHECKF(bad == 0, "%zu invalid paths", bad);
	CHECKF(noext == 0, "%zu leaves without extension", noext);
	CHECKF(deepest == NAMES_MAX_COMPONENTS, "deepest %zu", deepest);
}

/* names_path_variant: " (k)" before the extension, cut when too long */
static void
test_variant(void)
{
	static const struct
	{
		const char *in;			/* components separated by '|' */
		uint32_t	k;
		const char *out;
	}			cases[] = {
		{"Subs|English.srt", 2, "Subs|English (2).srt"},
		{"cover.jpg", 3, "cover (3).jpg"},
		{"a|b|c.tar.gz", 12, "a|b|c.tar (12).gz"},
		{".hidden", 2, ".hidden (2)"},
		{"noext", 2, "noext (2)"},
	};
	size_t		i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
	{
		struct names_path p;
		size_t		j;
		char		out[64];

		memset(&p, 0, sizeof(p));
		p.len = strlen(cases[i].in);
		memcpy(p.buf, cases[i].in, p.len);
		p.ncomp = 1;
		for (j = 0; j < p.len; j++)
			if (p.buf[j] == '|')
			{
				p.buf[j] = '\0';
				p.ncomp++;
			}
		names_path_variant(&p, cases[i].k);
		for (j = 0; j < p.len && j < sizeof(out) - 1; j++)
			out[j] = p.buf[j] == '\0' ? '|' : p.buf[j];
		out[j] = '\0';
		CHECKF(strcmp(out, cases[i].out) == 0, "case %zu: %s", i, out);
	}
}

/* A leaf at the length cap, made of 3-byte characters, is cut cleanly */
static void
test_variant_cut(void)
{
	struct names_path p;
	size_t		i;

	memset(&p, 0, sizeof(p));
	for (i = 0; i + 3 <= NAMES_MAX_NAME - 4; i += 3)
		memcpy(p.buf + i, "龍", 3);
	memcpy(p.buf + i, ".mkv", 4);
	p.len = i + 4;
	p.ncomp = 1;
	names_path_variant(&p, 17);
	CHECK(p.len <= NAMES_MAX_NAME);
	CHECK(components_ok(&p));
	CHECK(p.len > 9 && memcmp(p.buf + p.len - 9, " (17).mkv", 9) == 0);
}

int
main(void)
{
	struct population_config c = base_config();
	struct population *pop;
	size_t		i;

	test_variant();
	test_variant_cut();
	test_layouts();
	tokens = malloc(METAINFO_MAX_TOKENS * sizeof(*tokens));
	pop = population_create(&c);
	CHECK(tokens != NULL && pop != NULL);
	if (tokens == NULL || pop == NULL)
		return unit_summary("population");
	for (i = 0; i < NTORRENTS; i++)
		check_torrent(pop, i);
	for (i = 0; i < NPROPS; i++)
		CHECKF(tallies[i].bad == 0, "%s: %d torrents, first %zu",
			   tallies[i].what, tallies[i].bad, tallies[i].first);
	gather(pop);
	test_shares();
	test_names(pop);
	test_determinism(pop);
	test_config(pop);
	population_destroy(pop);
	free(tokens);
	free(files);
	free(strbuf);
	return unit_summary("population");
}
