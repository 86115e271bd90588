/*
 * test_textnorm.c
 *		Unit tests for extension/core/textnorm.c: names, queries, UTF-8 cuts.
 *
 * Inputs sit flush against a PROT_NONE page and outputs are buffers of
 * exactly cap bytes ending at one, so reading past len or writing past cap
 * crashes.  The query bound (TEXTNORM_QUERY_CAP, and the tighter 2 * len
 * + 1 that textnorm.c argues for) is also checked on random inputs.
 */
#include <stdint.h>

#include "textnorm.h"
#include "unit.h"

/* One normalization case; len < 0 means strlen(in). */
struct name_case
{
	const char *in;
	int			len;
	const char *want;
};

static const struct name_case name_cases[] = {
	{"Ubuntu.22.04.Desktop.amd64.iso", -1, "Ubuntu 22 04 Desktop amd64 iso"},
	{"[SubsPlease] Some Anime - 01 (1080p) [ABCD1234].mkv", -1, "SubsPlease Some Anime 01 1080p ABCD1234 mkv"},
	{"Movie.Title.2019.1080p.BluRay.x264-GROUP", -1, "Movie Title 2019 1080p BluRay x264 GROUP"},
	{"The_Show_S01E02_720p_WEB-DL", -1, "The Show S01E02 720p WEB DL"},
	{"debian-12.2.0-amd64-netinst.iso", -1, "debian 12 2 0 amd64 netinst iso"},
	{"archlinux-2023.11.01-x86_64.iso", -1, "archlinux 2023 11 01 x86 64 iso"},
	{"Linux_Mint_21.2_Cinnamon_64bit.iso", -1, "Linux Mint 21 2 Cinnamon 64bit iso"},
	{"Artist - Album (2020) [FLAC] {24bit-96kHz}", -1, "Artist Album 2020 FLAC 24bit 96kHz"},
	{"AC/DC - Back in Black (1980) [MP3@320kbps]", -1, "AC DC Back in Black 1980 MP3 320kbps"},
	{"Spider-Man.No.Way.Home.2021.2160p.WEB-DL.DDP5.1.Atmos.HDR.HEVC-CMRG", -1, "Spider Man No Way Home 2021 2160p WEB DL DDP5 1 Atmos HDR HEVC CMRG"},
	{"Some.Series.S01.COMPLETE.1080p.NF.WEB-DL.DDP5.1.x264-NTb[rartv]", -1, "Some Series S01 COMPLETE 1080p NF WEB DL DDP5 1 x264 NTb rartv"},
	{"Game.of.Thrones.S08E06.1080p.AMZN.WEB-DL.DDP5.1.H.264-GoT", -1, "Game of Thrones S08E06 1080p AMZN WEB DL DDP5 1 H 264 GoT"},
	{"[HorribleSubs] Shingeki no Kyojin - 25 [720p].mkv", -1, "HorribleSubs Shingeki no Kyojin 25 720p mkv"},
	{"Book_Title_(Author_Name)_[EPUB]", -1, "Book Title Author Name EPUB"},
	{"C++ Primer 5th Edition.pdf", -1, "C Primer 5th Edition pdf"},
	{"Don't.Look.Up.2021", -1, "Don t Look Up 2021"},
	{"100%_Pure_Hits!!!", -1, "100 Pure Hits"},
	{"file~name;with,many:separators|here", -1, "file name with many separators here"},
	{"a<b>c=d^e`f$g#h&i*j?k\\l", -1, "a b c d e f g h i j k l"},
	{"\"Quoted\" 'Name'", -1, "Quoted Name"},
	{"Am\xc3\xa9lie.2001.FRENCH.1080p", -1, "Am\xc3\xa9lie 2001 FRENCH 1080p"},
	{"Pok\xc3\xa9mon_\xe2\x80\x94_\xc3\x89pisode_01", -1, "Pok\xc3\xa9mon \xe2\x80\x94 \xc3\x89pisode 01"},
	{"\xe5\x8d\x83\xe3\x81\xa8\xe5\x8d\x83\xe5\xb0\x8b.2001.mkv", -1, "\xe5\x8d\x83\xe3\x81\xa8\xe5\x8d\x83\xe5\xb0\x8b 2001 mkv"},
	{"\xed\x95\x9c\xea\xb5\xad\xec\x96\xb4.\xec\x9e\x90\xeb\xa7\x89.mkv", -1, "\xed\x95\x9c\xea\xb5\xad\xec\x96\xb4 \xec\x9e\x90\xeb\xa7\x89 mkv"},
	{"\xd0\x9c\xd0\xbe\xd1\x81\xd0\xba\xd0\xb2\xd0\xb0.2019.WEB-DLRip", -1, "\xd0\x9c\xd0\xbe\xd1\x81\xd0\xba\xd0\xb2\xd0\xb0 2019 WEB DLRip"},
	{"\xf0\x9f\x8e\xb5 Summer_Hits_2023 \xf0\x9f\x8e\xb5", -1, "\xf0\x9f\x8e\xb5 Summer Hits 2023 \xf0\x9f\x8e\xb5"},
	{"\xf0\x9f\x8e\xb5\xf0\x9f\x8e\xb6.mp3", -1, "\xf0\x9f\x8e\xb5\xf0\x9f\x8e\xb6 mp3"},
	{"Bad\xff\xfeUTF8.bin", -1, "Bad\xff\xfeUTF8 bin"},
	{"  leading and trailing  ", -1, "leading and trailing"},
	{"tabs\tand\nnewlines\r\n", -1, "tabs and newlines"},
	{"name\x01with\x7f" "controls\0nul", 22, "name with controls nul"},
	{"...hidden...", -1, "hidden"},
	{"._-[](){}", -1, ""},
	{"@#$%^&*", -1, ""},
	{"", -1, ""},
	{"x", -1, "x"},
	{"ABCdef123", -1, "ABCdef123"},
};

/* An output buffer of exactly cap bytes whose end touches a PROT_NONE page. */
static struct unit_guarded
guarded_out(size_t cap)
{
	static const char zeros[4096];

	if (cap > sizeof(zeros))
		abort();
	return unit_guarded_copy(zeros, cap);
}

/* Run name_cases with cap = len + 1, the documented size. */
static void
test_names(void)
{
	size_t		i;

	for (i = 0; i < sizeof(name_cases) / sizeof(name_cases[0]); i++)
	{
		const struct name_case *c = &name_cases[i];
		size_t		len = c->len < 0 ? strlen(c->in) : (size_t) c->len;
		struct unit_guarded in = unit_guarded_copy(c->in, len);
		struct unit_guarded out = guarded_out(len + 1);
		char	   *o = (char *) out.data;
		size_t		n;

		n = textnorm_name((const char *) in.data, len, o, len + 1);
		CHECKF(n == strlen(c->want) && strcmp(o, c->want) == 0,
			   "name %zu: \"%s\"", i, o);
		unit_guarded_free(&in);
		unit_guarded_free(&out);
	}
}

/*
 * Every cap from 0 to len + 1: the output is the longest word-boundary-safe
 * prefix of the full result that fits, never ends in a space or inside a
 * UTF-8 sequence, and nothing is written past cap.
 */
static void
test_name_truncation(void)
{
	static const char *const names[] = {
		"Ubuntu.22.04.Desktop",
		"caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x8e\xb5x",
		"[a]  (b)..c",
	};
	size_t		i;
	size_t		cap;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
	{
		size_t		len = strlen(names[i]);
		char		full[64];
		size_t		fulln = textnorm_name(names[i], len, full, sizeof(full));

		for (cap = 0; cap <= len + 1; cap++)
		{
			struct unit_guarded out = guarded_out(cap);
			char	   *o = (char *) out.data;
			size_t		n = textnorm_name(names[i], len, o, cap);

			if (cap == 0)
				CHECKF(n == 0, "trunc %zu cap 0", i);
			else
				CHECKF(n < cap && o[n] == '\0' && n <= fulln &&
					   memcmp(o, full, n) == 0 &&
					   (n == 0 || o[n - 1] != ' ') &&
					   textnorm_utf8_trim(o, n) == n &&
					   (n == fulln || n + 5 >= cap),
					   "trunc %zu cap %zu: \"%s\"", i, cap, o);
			unit_guarded_free(&out);
		}
	}
	{
		char		o[16];

		CHECK(textnorm_name("Ubuntu.22", 9, o, 7) == 6 && strcmp(o, "Ubuntu") == 0);
		CHECK(textnorm_name("Ubuntu.22", 9, o, 8) == 6 && strcmp(o, "Ubuntu") == 0);
		CHECK(textnorm_name("Ubuntu.22", 9, o, 9) == 8 && strcmp(o, "Ubuntu 2") == 0);
		CHECK(textnorm_name("caf\xc3\xa9 x", 7, o, 5) == 3 && strcmp(o, "caf") == 0);
	}
}

/* textnorm_utf8_trim: one row per case. */
static void
test_utf8_trim(void)
{
	static const struct
	{
		const char *s;
		size_t		want;
	}			rows[] = {
		{"abc", 3},
		{"", 0},
		{"ab\xc3", 2},
		{"ab\xc3\xa9", 4},
		{"\xe6\x97", 0},
		{"\xe6\x97\xa5", 3},
		{"a\xe6", 1},
		{"\xf0\x9f\x98", 0},
		{"\xf0\x9f\x98\x80", 4},
		{"x\xf0\x9f\x98\x80\xf0", 5},
		{"\x80\x80\x80\x80", 4},
		{"\xff", 1},
	};
	size_t		i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
	{
		size_t		len = strlen(rows[i].s);
		struct unit_guarded g = unit_guarded_copy(rows[i].s, len);

		CHECKF(textnorm_utf8_trim((const char *) g.data, len) == rows[i].want,
			   "utf8 row %zu", i);
		unit_guarded_free(&g);
	}
}

struct query_case
{
	const char *in;
	const char *want;
};

static const struct query_case query_cases[] = {
	{"ubuntu 22.04", "ubuntu \"22 04\""},
	{"22.04", "\"22 04\""},
	{"spider-man", "\"spider man\""},
	{"S01.E02", "\"S01 E02\""},
	{"-cam", "-cam"},
	{"-spider-man", "-\"spider man\""},
	{"spider-man -cam", "\"spider man\" -cam"},
	{"--cam", "-cam"},
	{"- cam", "cam"},
	{"ubuntu -", "ubuntu"},
	{"ubuntu or debian", "ubuntu or debian"},
	{"ubuntu OR debian", "ubuntu or debian"},
	{"-cam or ts", "-cam or ts"},
	{"or ubuntu", "ubuntu"},
	{"Or", ""},
	{"ubuntu or", "ubuntu"},
	{"ubuntu or or debian", "ubuntu or debian"},
	{"a or. b", "a \"or\" b"},
	{"-or", "-\"or\""},
	{"\"or\"", "\"or\""},
	{"\"ubuntu desktop\"", "\"ubuntu desktop\""},
	{"\"Ubuntu.22.04 Desktop\"", "\"Ubuntu 22 04 Desktop\""},
	{"\"unbalanced phrase", "\"unbalanced phrase\""},
	{"-\"spider man\" movie", "-\"spider man\" movie"},
	{"movie -\"spider-man\"", "movie -\"spider man\""},
	{"\"\"", ""},
	{"ubuntu -\"\" x", "ubuntu x"},
	{"\"a\"or\"b\"", "\"a\" or \"b\""},
	{"foo\"bar baz\"qux", "foo \"bar baz\" qux"},
	{"... ubuntu !!!", "ubuntu"},
	{"[SubsPlease] anime (1080p)", "SubsPlease anime 1080p"},
	{"x264-GROUP 1080p", "\"x264 GROUP\" 1080p"},
	{"C++", "C"},
	{"ubuntu\t22.04\n", "ubuntu \"22 04\""},
	{"am\xc3\xa9lie 2001", "am\xc3\xa9lie 2001"},
	{"\xe5\x8d\x83\xe3\x81\xa8 2001", "\xe5\x8d\x83\xe3\x81\xa8 2001"},
	{"\xf0\x9f\x8e\xb5.hits", "\"\xf0\x9f\x8e\xb5 hits\""},
	{"", ""},
	{"   ", ""},
	{"-", ""},
	{"\"", ""},
};

/*
 * Each query with cap = TEXTNORM_QUERY_CAP(len), then every cap up to the
 * exact size: smaller fails with "" and writes nothing past cap.
 */
static void
test_queries(void)
{
	size_t		i;
	size_t		cap;

	for (i = 0; i < sizeof(query_cases) / sizeof(query_cases[0]); i++)
	{
		const struct query_case *c = &query_cases[i];
		size_t		len = strlen(c->in);
		size_t		want = strlen(c->want);
		struct unit_guarded in = unit_guarded_copy(c->in, len);
		struct unit_guarded out = guarded_out(TEXTNORM_QUERY_CAP(len));
		size_t		n = 999;
		int			rc;

		rc = textnorm_query((const char *) in.data, len, (char *) out.data,
							TEXTNORM_QUERY_CAP(len), &n);
		CHECKF(rc == TEXTNORM_OK && n == want &&
			   strcmp((char *) out.data, c->want) == 0,
			   "query %zu: rc %d \"%s\"", i, rc, (char *) out.data);
		unit_guarded_free(&out);
		for (cap = 0; cap <= want + 1; cap++)
		{
			out = guarded_out(cap);
			n = 999;
			rc = textnorm_query((const char *) in.data, len,
								(char *) out.data, cap, &n);
			if (cap <= want)
				CHECKF(rc == TEXTNORM_ERR_BUFFER && n == 0 &&
					   (cap == 0 || out.data[0] == '\0'),
					   "query %zu cap %zu: rc %d", i, cap, rc);
			else
				CHECKF(rc == TEXTNORM_OK && n == want, "query %zu exact", i);
			unit_guarded_free(&out);
		}
		unit_guarded_free(&in);
	}
}

/* Output shape: balanced quotes, single spaces, no space at either end. */
static int
well_formed(const char *q, size_t n)
{
	size_t		i;
	size_t		quotes = 0;

	if (n > 0 && (q[0] == ' ' || q[n - 1] == ' '))
		return 0;
	for (i = 0; i < n; i++)
	{
		if (q[i] == '"')
			quotes++;
		if (q[i] == ' ' && i + 1 < n && q[i + 1] == ' ')
			return 0;
	}
	return quotes % 2 == 0 && strlen(q) == n;
}

/*
 * The size guarantee on adversarial inputs: short tokens, stray quotes and
 * dashes, `or`s and separators, where quoting adds the most.  Uses the
 * tight bound 2 * len + 1 so that the documented 2 * len + 16 has slack.
 */
static void
test_query_bound(void)
{
	static const char alphabet[] = "a.-\" orO+\xc3\xa9\t";
	uint32_t	x = 2463534242u;
	char		in[48];
	char		out[2 * sizeof(in) + 1];
	int			iter;
	int			failures = 0;

	for (iter = 0; iter < 200000; iter++)
	{
		size_t		len;
		size_t		k;
		size_t		n;

		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		len = x % sizeof(in);
		for (k = 0; k < len; k++)
		{
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			in[k] = alphabet[x % (sizeof(alphabet) - 1)];
		}
		if (textnorm_query(in, len, out, 2 * len + 1, &n) != TEXTNORM_OK ||
			n > 2 * len || !well_formed(out, n))
		{
			if (failures++ < 5)
				fprintf(stderr, "bound: \"%.*s\" -> \"%s\"\n", (int) len,
						in, out);
		}
	}
	CHECKF(failures == 0, "%d inputs broke the bound", failures);
}

static void
test_misc(void)
{
	char		out[4] = "xyz";
	size_t		n = 7;

	CHECK(textnorm_query("abc", 3, out, 0, &n) == TEXTNORM_ERR_BUFFER && n == 0);
	CHECK(strcmp(out, "xyz") == 0);
	CHECK(textnorm_name("abc", 3, out, 0) == 0 && strcmp(out, "xyz") == 0);
	CHECK(textnorm_query("ab", 2, out, sizeof(out), NULL) == TEXTNORM_OK);
	CHECK(strcmp(out, "ab") == 0);
	CHECK(strcmp(textnorm_strerror(TEXTNORM_OK), "success") == 0);
	CHECK(strcmp(textnorm_strerror(TEXTNORM_ERR_BUFFER), "success") != 0);
	CHECK(textnorm_strerror(-99) != NULL);
}

int
main(void)
{
	test_names();
	test_name_truncation();
	test_utf8_trim();
	test_queries();
	test_query_bound();
	test_misc();
	return unit_summary("textnorm");
}
