/*-------------------------------------------------------------------------
 *
 * bench_torrents.c
 *	  Deterministic synthetic torrents (see bench_torrents.h).
 *
 * Owns the shape of the benchmark's data only; storing it is the store's
 * job, timing it the caller's.  Every value comes from a splitmix64 stream
 * seeded with (seed, i), so the same torrent comes out in the worker and
 * in the SQL function that writes the COPY files.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "lib/stringinfo.h"

#include "bench_torrents.h"

/* Share of hybrid (v1+v2) torrents: 1 in this many. */
#define BENCH_HYBRID_EVERY 20

static const char *const words[] = {
	"the", "of", "and", "a", "in", "love", "night", "city", "dark", "house",
	"river", "silent", "return", "last", "king", "queen", "war", "blood",
	"star", "shadow", "storm", "island", "winter", "summer", "fire", "ice",
	"golden", "black", "white", "red", "blue", "green", "broken", "lost",
	"secret", "garden", "road", "journey", "dream", "empire", "legend",
	"ocean", "mountain", "forest", "ghost", "hunter", "stranger", "machine",
	"kingdom", "heart", "soul", "mind", "story", "family", "brothers",
	"sisters", "children", "world", "planet", "space", "time", "memory",
	"sun", "moon", "wolf", "dragon", "tiger", "eagle", "angel", "devil",
	"paradise", "station", "hotel", "school", "doctor", "detective",
	"captain", "princess", "wild", "free", "young", "old", "new", "final",
	"edge", "line", "game", "code", "signal", "echo", "zero", "infinite",
	"amélie", "café", "noël", "über", "señor", "crème", "déjà", "vu",
	"fantôme", "straße", "mañana", "björk", "ødegaard", "zürich",
};

static const char *const tags_res[] = {"720p", "1080p", "2160p", "480p"};
static const char *const tags_src[] = {"BluRay", "WEB-DL", "WEBRip", "HDTV",
"DVDRip", "BDRip", "HDRip", "AMZN.WEB-DL"};
static const char *const tags_codec[] = {"x264", "x265", "H.264", "HEVC",
"XviD", "AV1"};
static const char *const groups[] = {"SPARKS", "RARBG", "NTb", "FLUX",
"YIFY", "ETHEL", "GalaxyRG", "SiGMA", "CMRG", "EVO", "PSA", "TGx"};
static const char *const music_tags[] = {"[FLAC]", "[MP3 320]",
"(2011) [FLAC 24bit]", "[V0]", "(Remastered) [FLAC]", "WEB 2019"};
static const char *const video_ext[] = {"mkv", "mp4", "avi", "srt", "nfo",
"jpg"};
static const char *const music_ext[] = {"flac", "mp3", "cue", "log", "jpg"};
static const char *const soft_ext[] = {"bin", "dll", "exe", "txt", "pdf",
"epub", "dat"};

typedef struct BenchRng
{
	uint64		state;
} BenchRng;

static uint64
rng_next(BenchRng *r)
{
	uint64		x = (r->state += UINT64CONST(0x9E3779B97F4A7C15));

	x = (x ^ (x >> 30)) * UINT64CONST(0xBF58476D1CE4E5B9);
	x = (x ^ (x >> 27)) * UINT64CONST(0x94D049BB133111EB);
	return x ^ (x >> 31);
}

/* Uniform in [0, n). */
static int
rng_below(BenchRng *r, int n)
{
	return (int) (rng_next(r) % (uint64) n);
}

/* Uniform in [0, 1). */
static double
rng_unit(BenchRng *r)
{
	return (double) (rng_next(r) >> 11) / (double) (UINT64CONST(1) << 53);
}

/* Log-uniform in [lo, hi]. */
static int64
rng_log(BenchRng *r, double lo, double hi)
{
	return (int64) exp(log(lo) + rng_unit(r) * (log(hi) - log(lo)));
}

#define PICK(r, a) ((a)[rng_below((r), lengthof(a))])

static void
rng_bytes(BenchRng *r, uint8 *out, int len)
{
	int			k;
	uint64		v = 0;

	for (k = 0; k < len; k++)
	{
		if (k % 8 == 0)
			v = rng_next(r);
		out[k] = (uint8) (v >> (8 * (k % 8)));
	}
}

/* n words, each capitalized if cap, joined by sep. */
static void
append_words(StringInfo s, BenchRng *r, int n, char sep, bool cap)
{
	int			k;

	for (k = 0; k < n; k++)
	{
		const char *w = PICK(r, words);

		if (k > 0)
			appendStringInfoChar(s, sep);
		if (cap && w[0] >= 'a' && w[0] <= 'z')
		{
			appendStringInfoChar(s, (char) (w[0] - 'a' + 'A'));
			appendStringInfoString(s, w + 1);
		}
		else
			appendStringInfoString(s, w);
	}
}

/* Kinds of torrent: their names and their file lists differ. */
#define KIND_MOVIE 0
#define KIND_SERIES 1
#define KIND_MUSIC 2
#define KIND_OTHER 3

static int
pick_kind(BenchRng *r)
{
	int			k = rng_below(r, 10);

	return k < 4 ? KIND_MOVIE : k < 7 ? KIND_SERIES : k < 9 ? KIND_MUSIC : KIND_OTHER;
}

static char *
make_name(BenchRng *r, int kind)
{
	StringInfoData s;

	initStringInfo(&s);
	if (kind == KIND_MOVIE)
	{
		append_words(&s, r, 3 + rng_below(r, 5), '.', true);
		appendStringInfo(&s, ".%d.%s.%s.%s-%s", 1960 + rng_below(r, 64),
						 PICK(r, tags_res), PICK(r, tags_src),
						 PICK(r, tags_codec), PICK(r, groups));
	}
	else if (kind == KIND_SERIES)
	{
		append_words(&s, r, 3 + rng_below(r, 4), '.', true);
		appendStringInfo(&s, ".S%02dE%02d.%s.%s.%s-%s", 1 + rng_below(r, 12),
						 1 + rng_below(r, 24), PICK(r, tags_res),
						 PICK(r, tags_src), PICK(r, tags_codec),
						 PICK(r, groups));
	}
	else if (kind == KIND_MUSIC)
	{
		append_words(&s, r, 2 + rng_below(r, 3), ' ', true);
		appendStringInfoString(&s, " - ");
		append_words(&s, r, 3 + rng_below(r, 5), ' ', true);
		appendStringInfo(&s, " %s", PICK(r, music_tags));
	}
	else
	{
		append_words(&s, r, 5 + rng_below(r, 5), '_', true);
		appendStringInfo(&s, "_v%d.%d.%d_x64", rng_below(r, 12),
						 rng_below(r, 10), rng_below(r, 30));
	}
	return s.data;
}

/* Path j of a multi-file torrent: "dir/NN - Words.ext", ~40 bytes. */
static char *
make_path(BenchRng *r, int kind, int j)
{
	StringInfoData s;

	initStringInfo(&s);
	if (kind == KIND_SERIES)
		appendStringInfo(&s, "Season %02d/", 1 + rng_below(r, 9));
	else if (kind == KIND_MUSIC)
		appendStringInfo(&s, "CD%d/", 1 + rng_below(r, 3));
	else if (rng_below(r, 3) == 0)
	{
		append_words(&s, r, 1 + rng_below(r, 2), ' ', true);
		appendStringInfoChar(&s, '/');
	}
	appendStringInfo(&s, "%02d - ", j + 1);
	append_words(&s, r, 3 + rng_below(r, 3), ' ', true);
	appendStringInfo(&s, ".%s", kind == KIND_MUSIC ? PICK(r, music_ext) :
					 kind == KIND_OTHER ? PICK(r, soft_ext) : PICK(r, video_ext));
	return s.data;
}

/* Half single-file; the rest 2 .. BENCH_MAX_FILES, log-uniform. */
static int
pick_nfiles(BenchRng *r)
{
	if (rng_below(r, 2) == 0)
		return 1;
	return (int) Min(1 + rng_log(r, 1.0, BENCH_MAX_FILES), BENCH_MAX_FILES);
}

void
bench_torrent(int seed, int i, StoreTorrent *t)
{
	BenchRng	r;
	int			kind,
				nfiles,
				j;
	char	  **paths;
	int64	   *sizes;

	r.state = ((uint64) (uint32) seed << 32) ^ (uint64) (uint32) i;
	(void) rng_next(&r);
	memset(t, 0, sizeof(*t));
	rng_bytes(&r, t->info_hash, STORE_HASH_LEN);
	t->has_v2 = rng_below(&r, BENCH_HYBRID_EVERY) == 0;
	if (t->has_v2)
		rng_bytes(&r, t->info_hash_v2, STORE_HASH_V2_LEN);
	kind = pick_kind(&r);
	t->name = make_name(&r, kind);
	nfiles = pick_nfiles(&r);
	paths = palloc(sizeof(char *) * nfiles);
	sizes = palloc(sizeof(int64) * nfiles);
	for (j = 0; j < nfiles; j++)
	{
		paths[j] = nfiles == 1 ? pstrdup(t->name) : make_path(&r, kind, j);
		sizes[j] = nfiles == 1 ? rng_log(&r, 50e6, 8e9) : rng_log(&r, 4e3, 1.5e9);
		t->total_size += sizes[j];
	}
	t->file_count = nfiles;
	t->nfiles = nfiles;
	t->paths = (const char *const *) paths;
	t->sizes = sizes;
}
