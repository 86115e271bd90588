/*
 * metainfo.h
 *		Verify a fetched info dict against its info hash, and parse it into
 *		what the index stores: name, sizes, flags and the file list.
 *
 * Owns: hashing the exact received bytes (SHA-1 for v1, SHA-256 for v2)
 * and choosing the index key; the meaning of the info dict's keys (BEP 3
 * single/multi-file, BEP 47 padding files, BEP 52 file tree, BEP 27
 * private); the repair rules that make names and paths PostgreSQL text; the
 * caps on files and string bytes.  Does not own: bencode syntax (bencode.h),
 * fetching (peer wire), or storing (the glue), nor piece hashes: "pieces",
 * "pieces root" and "piece layers" are not checked (we never download data).
 *
 * Order of use: metainfo_verify() on the received bytes (a mismatch is the
 * peer's fault: try another), metainfo_parse() (a failure is the torrent's
 * fault: the hash will not get better), metainfo_classify() for the key.
 *
 * Index key and hashes (the rule):
 *	- a torrent with v1 data ("length" or "files") is keyed by SHA-1(info);
 *	- a v2-only torrent is keyed by SHA-256(info)[:20];
 *	- a torrent with a v2 file tree ("meta version" 2) also has
 *	  info_hash_v2 = SHA-256(info); a hybrid has both, and whichever of
 *	  its two hashes it was fetched under, it gets the same key, so it is
 *	  stored once.  The store recognises a later arrival under the other
 *	  hash by matching the fetched hash against info_hash or against the
 *	  first 20 bytes of info_hash_v2.
 *	- the layout decides, not which hash matched: a v1-only dict fetched
 *	  under its truncated SHA-256 is still keyed by its SHA-1 without an
 *	  info_hash_v2, and a v2-only dict fetched under its SHA-1 is keyed by
 *	  SHA-256[:20] (the key then differs from the fetched hash).
 *
 * Parse rules (each refusal is a named error; error_pos gives the offset):
 *	- bencode: strict except that unsorted keys are accepted (old clients;
 *	  the hash covers the raw bytes anyway), depth <= METAINFO_MAX_DEPTH,
 *	  tokens <= METAINFO_MAX_TOKENS, nothing after the dict.
 *	- "meta version": absent = 1; otherwise the integer 1 or 2.
 *	- "piece length": required, integer > 0; with meta version 2 also a
 *	  power of two >= 16 KiB (BEP 52).  "private": any non-zero integer.
 *	- "name.utf-8" (a string) is preferred over "name"; one of them must be
 *	  a non-empty string.  Likewise "path.utf-8" over "path".
 *	- v1 layout: "files" (a list) wins over "length", as in libtorrent.
 *	  Each entry is a dict with "length" (integer >= 0) and a non-empty
 *	  "path" list of strings.  "attr" containing 'p' (BEP 47), or a path
 *	  containing "_____padding_file_" (BitComet), marks a padding file:
 *	  it needs no path, and is counted in pad_count/pad_size but neither
 *	  stored nor included in total_size/file_count.  'l' (symlink) means
 *	  size 0 whatever "length" says.
 *	- v2 layout ("meta version" 2 requires a "file tree" dict): a node is a
 *	  dict of non-empty names; a node whose only key is "" is a file, and
 *	  its value is a dict with "length" (integer >= 0; 'l' in "attr" means
 *	  0).  A node mixing "" with names, a non-dict node, or padding in the
 *	  tree is refused; an empty directory is skipped.  Files come in tree
 *	  order (sorted by raw bytes).
 *	- hybrid (both layouts): files, paths and sizes come from the v1 list;
 *	  its non-padding files must equal the tree's files one for one, in
 *	  order, by size and raw path components, else
 *	  METAINFO_ERR_HYBRID_MISMATCH (libtorrent refuses such torrents too).
 *	- a "file tree" without meta version 2 is ignored (v1 data decides).
 *	- no length/files/tree, or no non-padding file: METAINFO_ERR_NO_FILES.
 *	- sizes: every length is >= 0 (bencode already refuses integers
 *	  outside int64), and total_size (and pad_size) are summed with an
 *	  overflow check: past INT64_MAX is METAINFO_ERR_SIZE_OVERFLOW.
 *
 * Paths: relative to the torrent's directory ('/'-joined components of
 * "path", or of the tree's keys); a single-file torrent's one path is its
 * name.  Repairs, counted in repairs/nrepaired, never refusals:
 *	- bytes that are not part of a valid UTF-8 sequence (overlong forms,
 *	  surrogates, > U+10FFFF, truncated sequences) become U+FFFD, one per
 *	  byte (METAINFO_REPAIR_UTF8); NUL becomes U+FFFD (METAINFO_REPAIR_NUL),
 *	  because PostgreSQL text can hold neither;
 *	- in path components only: '/' becomes '_', and components that are
 *	  empty, "." or ".." are dropped (METAINFO_REPAIR_PATH), so no stored
 *	  path is absolute, escapes, or has an empty component; a path left
 *	  with no component becomes "_";
 *	- names longer than METAINFO_MAX_NAME and paths longer than
 *	  METAINFO_MAX_PATH bytes are cut at a character boundary (and a cut
 *	  path loses a trailing '/' or a final "."/".." component)
 *	  (METAINFO_REPAIR_TRUNCATED).
 * Hence every stored name and path is valid UTF-8 without NUL.
 *
 * File cap: files[] holds at most max_files entries.  When the torrent has
 * more non-padding files than fit (max_files, or what the string arena can
 * hold), the first ones are stored in order and the last entry is a summary,
 * path "(N more files)", size the sum of those N files, is_summary set, so
 * that the sizes of files[] always add up to total_size and file_count is
 * always the true count.  Whether a torrent is accepted never depends on
 * the caps: every file is checked, stored or not.
 *
 * Memory: no malloc.  The caller provides a token array for the decoder, the
 * files[] array and a string arena (struct metainfo_space).  name and every
 * path point into the arena, NUL-terminated, and stay valid as long as the
 * arena does: the input bytes may be freed after metainfo_parse().
 */
#ifndef DHT_METAINFO_H
#define DHT_METAINFO_H

#include <stddef.h>
#include <stdint.h>

#include "bencode.h"

/*
 * Nesting cap for the info dict.  info (1), "file tree" (2), one dict per
 * directory level, the file's node and its "" dict: 64 allows 60 directory
 * levels, far beyond real torrents, while keeping the tree walker's stack
 * (and bencode's) small.  KRPC uses 10.
 */
#define METAINFO_MAX_DEPTH 64

/*
 * Token ceiling: libtorrent's default token limit for .torrent files, so
 * anything a libtorrent client loads decodes here too (about 300,000 files
 * in a v1 list).  A token is 32 bytes, so the ceiling is 64 MB, reached
 * only by info dicts of 4 MB or more; smaller dicts need fewer (below).
 */
#define METAINFO_MAX_TOKENS 2000000

/*
 * Tokens that always suffice for an info dict of len bytes, capped at the
 * ceiling: every bencode value takes at least 2 bytes ("0:", "le").
 */
#define METAINFO_TOKENS(len) \
	((len) / 2 + 1 < METAINFO_MAX_TOKENS ? (len) / 2 + 1 : METAINFO_MAX_TOKENS)

/*
 * Longest stored name in bytes: matches MAGNET_MAX_NAME, so the dn of a
 * magnet link built from a stored name parses back whole; real names are
 * far shorter (most file systems stop at 255 bytes per component).
 */
#define METAINFO_MAX_NAME 1024

/* Longest stored path in bytes: Linux's PATH_MAX */
#define METAINFO_MAX_PATH 4096

/* Arena bytes kept for the summary entry's "(N more files)" (N <= 19 digits) */
#define METAINFO_SUMMARY_ROOM 40

/* The smallest strbuf_cap accepted: the longest name plus the summary */
#define METAINFO_MIN_STRBUF (METAINFO_MAX_NAME + 1 + METAINFO_SUMMARY_ROOM)

/*
 * A strbuf_cap that holds every path of a v1 info dict of len bytes (a
 * repair writes at most 3 bytes per input byte, each path its own NUL);
 * deep v2 trees repeat directory names per file and may need more, in
 * which case the files that do not fit are summarised.
 */
#define METAINFO_STRBUF_SIZE(len) (3 * (len) + METAINFO_MIN_STRBUF)

/* metainfo_hashes.matched */
#define METAINFO_MATCH_NONE 0
#define METAINFO_MATCH_V1 1		/* SHA-1(info) == fetched hash */
#define METAINFO_MATCH_V2 2		/* SHA-256(info)[:20] == fetched hash */

/* metainfo.repairs bits: what had to change to make text out of bytes */
#define METAINFO_REPAIR_UTF8 0x1	/* invalid UTF-8 replaced by U+FFFD */
#define METAINFO_REPAIR_NUL 0x2 /* NUL replaced by U+FFFD */
#define METAINFO_REPAIR_PATH 0x4	/* '/' in a component, or "", ".", ".."
									 * components */
#define METAINFO_REPAIR_TRUNCATED 0x8	/* name or path cut at its cap */

enum metainfo_error
{
	METAINFO_OK = 0,
	METAINFO_ERR_HASH_MISMATCH = -1,	/* neither SHA-1 nor SHA-256[:20] */
	METAINFO_ERR_BENCODE = -2,	/* not bencode (see bencode_error) */
	METAINFO_ERR_NOT_DICT = -3, /* info is not a dict */
	METAINFO_ERR_VERSION = -4,	/* meta version not 1 or 2 */
	METAINFO_ERR_PIECE_LENGTH = -5, /* piece length missing or invalid */
	METAINFO_ERR_NAME = -6,		/* name missing, empty, not a string */
	METAINFO_ERR_NO_FILES = -7, /* no length/files/tree, or no file */
	METAINFO_ERR_FILES = -8,	/* files not a list, entry not a dict */
	METAINFO_ERR_LENGTH = -9,	/* length missing, not an int, negative */
	METAINFO_ERR_PATH = -10,	/* path missing, not a list, empty, or
								 * a component not a string */
	METAINFO_ERR_TREE = -11,	/* file tree missing or malformed */
	METAINFO_ERR_SIZE_OVERFLOW = -12,	/* total size past INT64_MAX */
	METAINFO_ERR_HYBRID_MISMATCH = -13, /* v1 files differ from v2 tree */
	METAINFO_ERR_BUFFER = -14	/* caller's space below the minimum */
};

/* Which hashes an info dict has, and the one it is indexed under */
struct metainfo_hashes
{
	int			matched;		/* METAINFO_MATCH_*: what the fetched hash
								 * was */
	uint8_t		v1[20];			/* SHA-1(info), always computed */
	uint8_t		v2[32];			/* SHA-256(info), always computed */
	/* set by metainfo_classify(): */
	int			has_v1;			/* torrent has v1 data: v1 is its hash */
	int			has_v2;			/* torrent has a v2 tree: store v2 in full */
	uint8_t		key[20];		/* has_v1 ? v1 : v2[:20] */
};

/* One stored file (or the summary entry) */
struct metainfo_file
{
	const char *path;			/* in the arena, NUL-terminated */
	size_t		path_len;		/* bytes, without the NUL */
	int64_t		size;			/* >= 0 */
	int			is_summary;		/* the "(N more files)" entry */
};

/* Caller-provided space for one parse */
struct metainfo_space
{
	struct bencode_token *tokens;	/* METAINFO_TOKENS(len) suffice */
	size_t		max_tokens;
	struct metainfo_file *files;	/* >= 1 entry */
	size_t		max_files;
	char	   *strbuf;			/* >= METAINFO_MIN_STRBUF bytes */
	size_t		strbuf_cap;
};

/* What metainfo_parse() found */
struct metainfo
{
	const char *name;			/* repaired, in the arena, NUL-terminated */
	size_t		name_len;
	int64_t		total_size;		/* sum of non-padding file sizes */
	int64_t		file_count;		/* non-padding files, all of them */
	size_t		nfiles;			/* entries in files[], incl. a summary */
	int64_t		summarized;		/* files folded into the summary, or 0 */
	int64_t		pad_count;		/* BEP 47 / BitComet padding files */
	int64_t		pad_size;		/* their total size */
	int64_t		piece_length;
	int			private_flag;	/* BEP 27 */
	int			meta_version;	/* 1 or 2 */
	int			has_v1_layout;	/* "length" or "files" */
	int			has_v2_tree;	/* meta version 2 with a "file tree" */
	unsigned	repairs;		/* METAINFO_REPAIR_* bits */
	unsigned	nrepaired;		/* stored strings (name, paths) changed */
	unsigned	bencode_flags;	/* BENCODE_FLAG_UNSORTED if keys were */
	int			bencode_error;	/* with METAINFO_ERR_BENCODE: the cause */
	size_t		error_pos;		/* on failure: offset of the bad value
								 * (of the dict, for a missing key) */
};

/*
 * Hash info[0..len) with SHA-1 and SHA-256 and compare both with the hash it
 * was fetched under.  Fills out->matched, v1, v2 (has_v1/has_v2/key are
 * cleared until metainfo_classify).  Returns 0 on a match (v1 first), else
 * METAINFO_ERR_HASH_MISMATCH.
 */
int			metainfo_verify(const uint8_t *info, size_t len,
							const uint8_t fetched_hash[20],
							struct metainfo_hashes *out);

/*
 * Parse an info dict (the bytes of a verified fetch) into *out, files into
 * space->files and strings into space->strbuf, under the rules above.
 * Returns 0, or a negative metainfo_error with out->error_pos set (and
 * out->bencode_error for METAINFO_ERR_BENCODE); METAINFO_ERR_BUFFER if
 * space has no file slot, no tokens or less than METAINFO_MIN_STRBUF.
 */
int			metainfo_parse(const uint8_t *info, size_t len,
						   const struct metainfo_space *space,
						   struct metainfo *out);

/*
 * After metainfo_verify() and a successful metainfo_parse() of the same
 * bytes: set h->has_v1, h->has_v2 and h->key from the layout.
 */
void		metainfo_classify(struct metainfo_hashes *h,
							  const struct metainfo *mi);

/* A static English description of a metainfo_error value */
const char *metainfo_strerror(int err);

#endif							/* DHT_METAINFO_H */
