/*
 * names.h
 *		Realistic torrent names and file paths for the simulator's synthetic
 *		population, deterministic from a splitmix64 state.
 *
 * Owns: the vocabulary (titles, artists, release groups, languages, file
 * extensions, with accented, CJK and emoji entries), the naming styles of
 * each category (scene movies and TV, music, software, ebooks, anime), and
 * the directory structure of a multi-file torrent (how many files per
 * directory, up to NAMES_MAX_DIRS levels, trailing extras such as
 * "Sample/", "Subs/English.srt" or "cover.jpg").  Does not own: how many
 * files a torrent has, their sizes (only a type hint), making paths unique
 * within a torrent, or bencoding (population.c does all of those).
 *
 * Invariants: every name and path component is valid UTF-8, non-empty, has
 * no NUL and no '/', is never "." or "..", and is at most NAMES_MAX_NAME
 * bytes (names are at least 3).  A file's leaf always ends in an extension
 * (".mkv", ".flac", ...) and a directory name never does, so a file can
 * never share a path with a directory.  A directory's name depends only on
 * the torrent's seed, its level and its index, so all files of one
 * directory agree on it whatever order they are generated in.
 */
#ifndef SIM_NAMES_H
#define SIM_NAMES_H

#include <stddef.h>
#include <stdint.h>

/* Longest torrent name or path component in bytes (NUL not included) */
#define NAMES_MAX_NAME 200

/*
 * Directory levels above a file: the brief's "nested up to ~4 levels";
 * real torrents rarely go deeper (discography/artist/album/CD).
 */
#define NAMES_MAX_DIRS 4

/* Components of a file path: the directories and the leaf */
#define NAMES_MAX_COMPONENTS (NAMES_MAX_DIRS + 1)

/* Bytes for one path: every component, each with its NUL separator */
#define NAMES_MAX_PATH (NAMES_MAX_COMPONENTS * (NAMES_MAX_NAME + 1))

enum names_category
{
	NAMES_MOVIE = 0,
	NAMES_TV,
	NAMES_MUSIC,
	NAMES_SOFTWARE,
	NAMES_EBOOK,
	NAMES_ANIME,
	NAMES_NCATEGORIES
};

/* What a file holds, so that the caller can pick a plausible size */
enum names_file_type
{
	NAMES_FILE_MOVIE = 0,		/* feature-length video */
	NAMES_FILE_EPISODE,			/* episode-length video */
	NAMES_FILE_SAMPLE,			/* a minute of video */
	NAMES_FILE_AUDIO,			/* one track */
	NAMES_FILE_IMAGE,			/* cover, scan, texture */
	NAMES_FILE_TEXT,			/* nfo, txt, cue, log, config */
	NAMES_FILE_SUBTITLE,		/* srt, ass */
	NAMES_FILE_PROGRAM,			/* exe, dll, so */
	NAMES_FILE_DATA,			/* game data, archives */
	NAMES_FILE_DISC,			/* iso, dmg, whole-album image */
	NAMES_FILE_BOOK				/* epub, pdf, mobi */
};

/* One torrent's name and the parts its file names reuse */
struct names_torrent
{
	int			category;		/* enum names_category */
	int			single;			/* a single-file torrent: the name is the
								 * file's, extension included */
	int			file_type;		/* enum names_file_type of that file */
	uint64_t	seed;			/* directory and extras naming */
	char		sep;			/* word separator: '.', ' ' or '_' */
	int			year;
	int			season;
	int			res;			/* index into the resolution table */
	int			source;			/* index into the source table */
	int			codec;			/* index into the codec table */
	int			group;			/* index into the category's groups */
	char		title[NAMES_MAX_NAME + 1];	/* words joined by sep */
	char		person[NAMES_MAX_NAME + 1]; /* artist or author, or "" */
	char		name[NAMES_MAX_NAME + 1];
	size_t		name_len;		/* 3..NAMES_MAX_NAME */
};

/* Directory structure of one multi-file torrent (names_layout_init) */
struct names_layout
{
	const struct names_torrent *t;
	uint32_t	nfiles;			/* all files, extras included */
	uint32_t	nextra;			/* the last nextra files are extras */
	uint32_t	per_dir;		/* main files per innermost directory */
	uint32_t	fanout;			/* directories per parent directory */
	int			levels;			/* directories above a main file */
};

/* A file path: components NUL-separated in buf (names_file) */
struct names_path
{
	char		buf[NAMES_MAX_PATH];
	size_t		len;			/* bytes, separators included, no final
								 * NUL */
	int			ncomp;			/* 1..NAMES_MAX_COMPONENTS */
	int			type;			/* enum names_file_type */
};

/* Draw a category and a name (single-file ~55% of the time) from *rng */
void		names_torrent(uint64_t *rng, struct names_torrent *t);

/* Plan the directories of t's nfiles files (nfiles >= 2), drawing on *rng */
void		names_layout_init(struct names_layout *L,
							  const struct names_torrent *t, uint32_t nfiles,
							  uint64_t *rng);

/*
 * Path of file j (0 <= j < L->nfiles) into *p.  Directory names come from
 * the torrent's seed; the leaf may draw on *rng.
 */
void		names_file(const struct names_layout *L, uint32_t j,
					   uint64_t *rng, struct names_path *p);

/*
 * Make p's leaf differ by inserting " (k)" before its extension (k >= 2),
 * shortening the leaf at a character boundary if needed.
 */
void		names_path_variant(struct names_path *p, uint32_t k);

/* "movie", "tv", "music", "software", "ebook", "anime" */
const char *names_category_name(int category);

#endif							/* SIM_NAMES_H */
