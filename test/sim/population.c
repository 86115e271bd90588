/*
 * population.c
 *		The simulator's synthetic torrent population (population.h has the
 *		contract): per torrent a name, a file layout, sizes, a piece length
 *		and the info dict bytes, hashed once and rebuilt on demand.
 *
 * Determinism: torrent i draws from four splitmix64 streams seeded from
 * (seed, i) alone: names (category, name, single-file or not: no
 * configuration is involved, so names depend on (seed, i) only), choices
 * (kind, privacy, hugeness, file count, piece length), layout (paths and
 * sizes) and bytes ("pieces", "pieces root").  Building torrent i twice
 * therefore yields the same bytes, whatever was built in between.
 *
 * Layout rules (what real clients write):
 *	- keys in raw byte order: "file tree", "files", "length",
 *	  "meta version", "name", "piece length", "pieces", "private";
 *	- v2 and hybrid files in tree order (raw bytes of the path components,
 *	  depth first); hybrid v1 lists get BEP 47 padding after every file
 *	  whose size is not a multiple of the piece length, so that each file
 *	  starts on a piece boundary, and "pieces" covers the padded total.
 *	  libtorrent 2.0.8 (create_torrent's default) pads the last file too;
 *	  with canonical_files_no_tail_padding, and in other creators, the
 *	  last file is not padded: TAIL_PAD_PERCENT of hybrids do the former;
 *	- "pieces root" for every non-empty file (BEP 52);
 *	- paths are unique within a torrent: a duplicate leaf gets " (k)".
 *
 * Sizes and counts: file counts follow a truncated Pareto law (alpha 0.9)
 * from 2 to max_files for multi-file torrents; file sizes are log-normal
 * per file type (names.h); the piece length is the smallest power of two
 * >= 16 KiB giving at most 1000..2500 pieces (capped at 16 MiB).  Huge
 * torrents are grown until their info dict is 10.25..15.5 MiB: v1 and
 * hybrid ones get 2,000..20,000 files and many small pieces, v2-only ones
 * (whose pieces live outside the info dict) get as many files as it takes
 * (about 100,000, whatever max_files says), of 1..8 MiB on average.  Huge
 * torrents are outside the long tail of file counts that max_files bounds.
 * No libm: logarithms and powers of two are approximated.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "bencode.h"
#include "names.h"
#include "population.h"
#include "sha1.h"
#include "splitmix.h"

/* splitmix64's increment: spreads torrent indexes over the seed space */
#define GOLDEN 0x9e3779b97f4a7c15ULL

/* BEP 52's smallest piece; libtorrent's automatic choice stops at 16 MiB */
#define MIN_PIECE ((int64_t) 16 * 1024)
#define MAX_PIECE ((int64_t) 16 * 1024 * 1024)

/* Pieces aimed at: the target is drawn from 1000..2500, so 500..2500 */
#define PIECES_TARGET_MIN 1000
#define PIECES_TARGET_SPAN 1501

/* Hybrids whose last file is padded too (libtorrent 2.0's default) */
#define TAIL_PAD_PERCENT 70

/* Pareto exponent of the file count of multi-file torrents */
#define FILES_ALPHA 0.9

/*
 * A huge info dict: above 10 MiB (what the brief calls huge; many clients
 * refuse metadata beyond it), below 16 MiB (where BEP 9 peers stop).  The
 * window is accepted after the build; the target is drawn inside it.
 */
#define HUGE_THRESHOLD ((size_t) 10 * 1024 * 1024)
#define HUGE_LO (HUGE_THRESHOLD + (size_t) 256 * 1024)
#define HUGE_HI ((size_t) 31 * 512 * 1024)
#define HUGE_TARGET_MIN ((size_t) 11 * 1024 * 1024)
#define HUGE_TARGET_SPAN ((uint32_t) 3 * 1024 * 1024)

/*
 * Ordinary torrents stay below this (fewer files if need be), so that only
 * huge ones pass 10 MiB: 20,000 files with deep paths can reach it.
 */
#define ORDINARY_MAX_INFO ((size_t) 9 * 1024 * 1024)

/* File counts of huge v1 and hybrid torrents (the rest is "pieces") */
#define HUGE_MIN_FILES 2000
#define HUGE_MAX_FILES 20000

/* Rough bytes per file of a v2 file tree, for the first huge v2 attempt */
#define HUGE_V2_BYTES_PER_FILE 120

/* File ceiling of a huge v2 torrent: keeps its tokens well below 2,000,000 */
#define HUGE_V2_MAX_FILES 180000

/* Builds tried before a huge torrent is declared impossible (a bug) */
#define HUGE_ATTEMPTS 8

/* One file of the torrent being built */
struct pfile
{
	size_t		off;			/* path in builder.paths, NUL-separated */
	size_t		len;
	int64_t		size;
	int64_t		base_size;		/* before scaling (huge torrents) */
};

/* Scratch space reused from one torrent to the next */
struct builder
{
	struct pfile *files;
	size_t		nfiles;
	size_t		files_cap;
	char	   *paths;
	size_t		paths_len;
	size_t		paths_cap;
	uint64_t   *seen;			/* path hashes, open addressing, 0 = free */
	size_t		seen_cap;		/* allocated slots */
	size_t		seen_mask;		/* slots in use for this torrent, - 1 */
	uint8_t    *out;			/* the info dict */
	size_t		out_cap;
	size_t		out_len;
};

/* Everything decided about one torrent */
struct spec
{
	struct names_torrent nm;
	int			kind;
	int			is_private;
	int			huge;
	int			tail_pad;		/* hybrid: pad the last file as well */
	uint64_t	choice;			/* stream: counts, piece length */
	uint64_t	layout0;		/* stream start: paths and sizes */
	uint64_t	bytes0;			/* stream start: "pieces", roots */
	int64_t		piece_length;
	uint64_t	npieces;
	int64_t		total;
};

struct population
{
	struct population_config cfg;
	struct sim_torrent *t;
	char	   *names;
	size_t		names_len;
	size_t		names_cap;
};

/* ------------------------------------------------------------------------
 * Random numbers without libm
 * ------------------------------------------------------------------------
 */

/* Uniform in [0, 1) */
static double
unit(uint64_t *rng)
{
	return (double) (splitmix64_next(rng) >> 11) * (1.0 / 9007199254740992.0);
}

/* Uniform in 0..n-1 (n >= 1) */
static uint32_t
rnd(uint64_t *rng, uint32_t n)
{
	return (uint32_t) (((splitmix64_next(rng) >> 32) * (uint64_t) n) >> 32);
}

/* log2(x) for x > 0, within about 0.005 */
static double
log2_approx(double x)
{
	double		e = 0.0;
	double		f;

	while (x >= 2.0)
	{
		x *= 0.5;
		e += 1.0;
	}
	while (x < 1.0)
	{
		x *= 2.0;
		e -= 1.0;
	}
	f = x - 1.0;
	return e + f * (1.4425 + f * (-0.6801 + f * 0.2376));
}

/* 2^x for 0 <= x < 63, within about 0.3% */
static double
exp2_approx(double x)
{
	int			i = (int) x;
	double		f = x - i;

	return (double) (1ULL << i) * (1.0 + f * (0.6565 + 0.3435 * f));
}

/* About N(0, 1): four uniforms (Irwin-Hall), 1 in 20 doubled (long tail) */
static double
normalish(uint64_t *rng)
{
	double		z = unit(rng) + unit(rng) + unit(rng) + unit(rng) - 2.0;

	z *= 1.7320508;
	if (rnd(rng, 20) == 0)
		z *= 2.0;
	return z;
}

/*
 * Files of a multi-file torrent: Pareto(alpha) from 2, truncated at
 * max_files by inverse transform (no pile-up at the cap).
 */
static uint32_t
pareto_files(uint64_t *rng, uint32_t max_files)
{
	double		lo,
				u,
				n;

	if (max_files <= 2)
		return max_files < 2 ? 1 : 2;
	lo = exp2_approx(FILES_ALPHA * log2_approx(max_files / 2.0));
	lo = 1.0 / lo;				/* P(N >= max_files) untruncated */
	u = lo + (1.0 - lo) * (1.0 - unit(rng));
	n = 2.0 * exp2_approx(-log2_approx(u) / FILES_ALPHA);
	if (n >= (double) max_files)
		return max_files;
	return n < 2.0 ? 2 : (uint32_t) n;
}

/* A file size for a type: log-normal around a typical size */
static int64_t
draw_size(int type, uint64_t *rng)
{
	/* log2 of the median size and spread, by enum names_file_type */
	static const double median[] = {
		30.9, 28.6, 25.0, 24.5, 18.5, 12.5, 15.5, 22.0, 22.0, 31.5, 21.5
	};
	static const double sigma[] = {
		1.1, 1.2, 0.8, 1.0, 1.5, 1.5, 0.8, 3.0, 3.0, 1.0, 1.3
	};
	double		l;

	if (type == NAMES_FILE_TEXT && rnd(rng, 50) == 0)
		return 0;
	l = median[type] + sigma[type] * normalish(rng);
	if (l < 3.0)
		l = 3.0;
	if (l > 36.0)
		l = 36.0;
	return (int64_t) exp2_approx(l);
}

/* ------------------------------------------------------------------------
 * Builder scratch space
 * ------------------------------------------------------------------------
 */

/*
 * p resized to hold need (>= 1) elements of elem bytes, doubling *cap; NULL
 * if out of memory (p is then still valid and unchanged).
 */
static void *
grow(void *p, size_t *cap, size_t need, size_t elem)
{
	size_t		n = *cap ? *cap : 64;
	void	   *q;

	if (need <= *cap)
		return p;
	while (n < need)
		n *= 2;
	q = realloc(p, n * elem);
	if (q != NULL)
		*cap = n;
	return q;
}

/* Release the scratch space (b is left empty and reusable) */
static void
builder_free(struct builder *b)
{
	free(b->files);
	free(b->paths);
	free(b->seen);
	free(b->out);
	memset(b, 0, sizeof(*b));
}

/* FNV-1a of a path (0 is kept for "free slot") */
static uint64_t
path_hash(const char *s, size_t n)
{
	uint64_t	h = 0xcbf29ce484222325ULL;
	size_t		i;

	for (i = 0; i < n; i++)
		h = (h ^ (unsigned char) s[i]) * 0x100000001b3ULL;
	return h ? h : 1;
}

/* Insert h into the seen set; 1 if it was new, 0 if already there */
static int
seen_insert(struct builder *b, uint64_t h)
{
	size_t		mask = b->seen_mask;
	size_t		k = (size_t) h & mask;

	while (b->seen[k] != 0)
	{
		if (b->seen[k] == h)
			return 0;
		k = (k + 1) & mask;
	}
	b->seen[k] = h;
	return 1;
}

/* Append one file (path p, size) to the builder */
static int
add_file(struct builder *b, const char *path, size_t len, int64_t size)
{
	struct pfile *f;
	void	   *q;

	if ((q = grow(b->files, &b->files_cap, b->nfiles + 1,
				  sizeof(*b->files))) == NULL)
		return -1;
	b->files = q;
	if ((q = grow(b->paths, &b->paths_cap, b->paths_len + len, 1)) == NULL)
		return -1;
	b->paths = q;
	memcpy(b->paths + b->paths_len, path, len);
	f = &b->files[b->nfiles++];
	f->off = b->paths_len;
	f->len = len;
	f->size = size;
	f->base_size = size;
	b->paths_len += len;
	return 0;
}

/* ------------------------------------------------------------------------
 * File layout
 * ------------------------------------------------------------------------
 */

/* Size the seen set for n paths and empty it (only the slots used) */
static int
seen_reset(struct builder *b, uint32_t n)
{
	size_t		cap = 16;

	while (cap < 2 * (size_t) n)
		cap *= 2;
	if (cap > b->seen_cap)
	{
		free(b->seen);
		b->seen_cap = 0;
		if ((b->seen = malloc(cap * sizeof(*b->seen))) == NULL)
			return -1;
		b->seen_cap = cap;
	}
	memset(b->seen, 0, cap * sizeof(*b->seen));
	b->seen_mask = cap - 1;
	return 0;
}

/*
 * Generate the n files of sp (paths unique, sizes by type) into b.  A
 * single-file torrent's one path is its name.
 */
static int
make_files(struct builder *b, struct spec *sp, uint32_t n)
{
	uint64_t	rng = sp->layout0;
	struct names_layout L;
	struct names_path p;
	uint32_t	j;

	b->nfiles = 0;
	b->paths_len = 0;
	if (n == 1)
		return add_file(b, sp->nm.name, sp->nm.name_len,
						1 + draw_size(sp->nm.file_type, &rng));
	if (seen_reset(b, n) != 0)
		return -1;
	names_layout_init(&L, &sp->nm, n, &rng);
	for (j = 0; j < n; j++)
	{
		uint32_t	k = 2;

		names_file(&L, j, &rng, &p);
		while (!seen_insert(b, path_hash(p.buf, p.len)))
			names_path_variant(&p, k++);
		if (add_file(b, p.buf, p.len, draw_size(p.type, &rng)) != 0)
			return -1;
	}
	if (b->files[0].size == 0)	/* never an all-empty torrent */
		b->files[0].size = b->files[0].base_size = 1024;
	return 0;
}

/* Tree order: raw bytes of components, NUL below any byte of a name */
static int
cmp_path(const void *a, const void *b, void *arg)
{
	const char *base = arg;
	const struct pfile *x = a;
	const struct pfile *y = b;
	size_t		n = x->len < y->len ? x->len : y->len;
	int			c = memcmp(base + x->off, base + y->off, n);

	if (c != 0)
		return c;
	return x->len < y->len ? -1 : x->len > y->len;
}

/* Sum of sizes, and the pieces they need (padded for hybrids) */
static void
count_pieces(const struct builder *b, struct spec *sp)
{
	int64_t		pl = sp->piece_length;
	uint64_t	np = 0;
	size_t		i;

	sp->total = 0;
	for (i = 0; i < b->nfiles; i++)
	{
		sp->total += b->files[i].size;
		np += (uint64_t) ((b->files[i].size + pl - 1) / pl);
	}
	if (sp->kind == SIM_KIND_V1)
		np = (uint64_t) ((sp->total + pl - 1) / pl);
	sp->npieces = sp->kind == SIM_KIND_V2 ? 0 : np;
}

/* The usual piece length: aim at 1000..2500 pieces (at most) */
static void
choose_piece_length(const struct builder *b, struct spec *sp)
{
	uint32_t	target = PIECES_TARGET_MIN + rnd(&sp->choice,
												 PIECES_TARGET_SPAN);
	int64_t		total = 0;
	size_t		i;

	for (i = 0; i < b->nfiles; i++)
		total += b->files[i].size;
	sp->piece_length = MIN_PIECE;
	while (sp->piece_length < MAX_PIECE &&
		   total / sp->piece_length > (int64_t) target)
		sp->piece_length *= 2;
	count_pieces(b, sp);
}

/* ------------------------------------------------------------------------
 * Writing the info dict
 * ------------------------------------------------------------------------
 */

/* Split a NUL-separated path into components */
static int
split_path(const char *s, size_t len, const char **c, size_t *n)
{
	int			k = 0;
	size_t		start = 0;
	size_t		i;

	for (i = 0; i <= len; i++)
		if (i == len || s[i] == '\0')
		{
			c[k] = s + start;
			n[k++] = i - start;
			start = i + 1;
		}
	return k;
}

/* A tree leaf: {"": {length, pieces root}} under its name */
static void
put_leaf(struct bencode_writer *w, const char *name, size_t n,
		 int64_t size, uint64_t *rng)
{
	uint8_t		root[32];
	int			i;

	bencode_put_str(w, name, n);
	bencode_open_dict(w);
	bencode_put_str(w, "", 0);
	bencode_open_dict(w);
	bencode_put_cstr(w, "length");
	bencode_put_int(w, size);
	if (size > 0)
	{
		for (i = 0; i < 32; i += 8)
		{
			uint64_t	v = splitmix64_next(rng);

			memcpy(root + i, &v, 8);
		}
		bencode_put_cstr(w, "pieces root");
		bencode_put_str(w, root, sizeof(root));
	}
	bencode_close(w);
	bencode_close(w);
}

/*
 * The v2 "file tree" from files in tree order: close the directories the
 * next file leaves, open the ones it enters, then write its leaf.
 */
static void
put_tree(const struct builder *b, struct bencode_writer *w, uint64_t *rng)
{
	const char *open_c[NAMES_MAX_COMPONENTS];
	size_t		open_n[NAMES_MAX_COMPONENTS];
	int			depth = 0;
	size_t		i;

	bencode_open_dict(w);
	for (i = 0; i < b->nfiles; i++)
	{
		const struct pfile *f = &b->files[i];
		const char *c[NAMES_MAX_COMPONENTS];
		size_t		n[NAMES_MAX_COMPONENTS];
		int			k = split_path(b->paths + f->off, f->len, c, n);
		int			common = 0;

		while (common < depth && common < k - 1 &&
			   open_n[common] == n[common] &&
			   memcmp(open_c[common], c[common], n[common]) == 0)
			common++;
		for (; depth > common; depth--)
			bencode_close(w);
		for (; depth < k - 1; depth++)
		{
			bencode_put_str(w, c[depth], n[depth]);
			bencode_open_dict(w);
			open_c[depth] = c[depth];
			open_n[depth] = n[depth];
		}
		put_leaf(w, c[k - 1], n[k - 1], f->size, rng);
	}
	for (; depth > 0; depth--)
		bencode_close(w);
	bencode_close(w);
}

/* One v1 "files" entry; path NULL writes a BEP 47 padding file */
static void
put_entry(struct bencode_writer *w, const char *path, size_t len,
		  int64_t size)
{
	const char *c[NAMES_MAX_COMPONENTS];
	size_t		n[NAMES_MAX_COMPONENTS];
	char		num[24];
	int			k,
				i;

	bencode_open_dict(w);
	if (path == NULL)
	{
		bencode_put_cstr(w, "attr");
		bencode_put_cstr(w, "p");
	}
	bencode_put_cstr(w, "length");
	bencode_put_int(w, size);
	bencode_put_cstr(w, "path");
	bencode_open_list(w);
	if (path == NULL)
	{
		snprintf(num, sizeof(num), "%lld", (long long) size);
		bencode_put_cstr(w, ".pad");
		bencode_put_cstr(w, num);
	}
	else
	{
		k = split_path(path, len, c, n);
		for (i = 0; i < k; i++)
			bencode_put_str(w, c[i], n[i]);
	}
	bencode_close(w);
	bencode_close(w);
}

/* The v1 "files" list (hybrid: padding, after the last file if tail_pad) */
static void
put_files(const struct builder *b, const struct spec *sp,
		  struct bencode_writer *w)
{
	int64_t		pl = sp->piece_length;
	size_t		i;

	bencode_open_list(w);
	for (i = 0; i < b->nfiles; i++)
	{
		const struct pfile *f = &b->files[i];

		put_entry(w, b->paths + f->off, f->len, f->size);
		if (sp->kind == SIM_KIND_HYBRID &&
			(i + 1 < b->nfiles || sp->tail_pad) && f->size % pl != 0)
			put_entry(w, NULL, 0, pl - f->size % pl);
	}
	bencode_close(w);
}

/*
 * "pieces": 20 pseudo-random bytes per piece, generated in place after the
 * string's length prefix (the writer's fields are public; like its own
 * puts, this writes the whole value or sets the sticky overflow).
 */
static void
put_pieces(const struct spec *sp, struct bencode_writer *w, uint64_t *rng)
{
	size_t		n = (size_t) sp->npieces * 20;
	char		prefix[24];
	int			plen = snprintf(prefix, sizeof(prefix), "%zu:", n);
	size_t		i;

	bencode_put_cstr(w, "pieces");
	if (w->overflow || w->cap - w->len < (size_t) plen + n)
	{
		w->overflow = 1;
		return;
	}
	bencode_put_raw(w, prefix, (size_t) plen);
	for (i = 0; i < n; i += 8)
	{
		uint64_t	v = splitmix64_next(rng);

		memcpy(w->buf + w->len + i, &v, n - i < 8 ? n - i : 8);
	}
	w->len += n;
}

/* All keys, in raw byte order, into w */
static void
put_info(const struct builder *b, const struct spec *sp,
		 struct bencode_writer *w)
{
	uint64_t	roots = sp->bytes0 ^ 0x5851f42d4c957f2dULL;
	uint64_t	pieces = sp->bytes0;

	bencode_open_dict(w);
	if (sp->kind != SIM_KIND_V1)
	{
		bencode_put_cstr(w, "file tree");
		put_tree(b, w, &roots);
	}
	if (sp->kind != SIM_KIND_V2 && b->nfiles > 1)
	{
		bencode_put_cstr(w, "files");
		put_files(b, sp, w);
	}
	else if (sp->kind != SIM_KIND_V2)
	{
		bencode_put_cstr(w, "length");
		bencode_put_int(w, b->files[0].size);
	}
	if (sp->kind != SIM_KIND_V1)
	{
		bencode_put_cstr(w, "meta version");
		bencode_put_int(w, 2);
	}
	bencode_put_cstr(w, "name");
	bencode_put_str(w, sp->nm.name, sp->nm.name_len);
	bencode_put_cstr(w, "piece length");
	bencode_put_int(w, sp->piece_length);
	if (sp->kind != SIM_KIND_V2)
		put_pieces(sp, w, &pieces);
	if (sp->is_private)
	{
		bencode_put_cstr(w, "private");
		bencode_put_int(w, 1);
	}
	bencode_close(w);
}

/*
 * Write the info dict into b->out (length b->out_len), growing the buffer
 * from an estimate until everything fits.
 */
static int
write_info(struct builder *b, const struct spec *sp)
{
	size_t		need = 1024 + 2 * sp->nm.name_len + 20 * sp->npieces +
		200 * b->nfiles + 2 * b->paths_len;
	struct bencode_writer w;
	void	   *q;

	for (;;)
	{
		if ((q = grow(b->out, &b->out_cap, need, 1)) == NULL)
			return -1;
		b->out = q;
		bencode_writer_init(&w, b->out, b->out_cap);
		put_info(b, sp, &w);
		if (bencode_writer_finish(&w) == 0)
			break;
		need = b->out_cap * 2;
	}
	b->out_len = w.len;
	return 0;
}

/* ------------------------------------------------------------------------
 * Huge torrents
 * ------------------------------------------------------------------------
 */

/*
 * Set every size to base * total / sum of bases (zero stays zero; the first
 * file keeps at least one byte so the total is never zero).
 */
static void
scale_sizes(struct builder *b, double total)
{
	double		sum = 0.0;
	double		f;
	size_t		i;

	for (i = 0; i < b->nfiles; i++)
		sum += (double) b->files[i].base_size;
	f = total / sum;
	for (i = 0; i < b->nfiles; i++)
		b->files[i].size = (int64_t) ((double) b->files[i].base_size * f);
	if (b->files[0].size == 0)
		b->files[0].size = 1;
}

/*
 * A huge v1 or hybrid torrent: a few thousand files, then as many pieces as
 * it takes to reach the target: sizes are scaled so that the pieces fill
 * what the files leave, and the error of each attempt moves the target.
 */
static int
huge_pieces(struct builder *b, struct spec *sp, size_t target)
{
	size_t		aim = target;
	size_t		base;
	int			a;

	sp->piece_length = MIN_PIECE << rnd(&sp->choice, 6);
	sp->npieces = 0;
	if (write_info(b, sp) != 0)
		return -1;
	base = b->out_len;			/* without "pieces" and padding */
	for (a = 0; a < HUGE_ATTEMPTS; a++)
	{
		double		want = aim > base + 20 * 1000 ?
			(double) (aim - base) / 20.0 : 1000.0;

		scale_sizes(b, want * (double) sp->piece_length);
		count_pieces(b, sp);
		if (write_info(b, sp) != 0)
			return -1;
		if (b->out_len > HUGE_LO && b->out_len < HUGE_HI)
			return 0;
		aim = aim + target > b->out_len ? aim + target - b->out_len : aim;
	}
	return 1;
}

/* Sort the files into tree order when the torrent has a v2 tree */
static void
sort_files(struct builder *b, const struct spec *sp)
{
	if (sp->kind != SIM_KIND_V1 && b->nfiles > 1)
		qsort_r(b->files, b->nfiles, sizeof(*b->files), cmp_path, b->paths);
}

/* Huge v1/hybrid: files first; fewer of them if they alone are too big */
static int
huge_v1(struct builder *b, struct spec *sp, uint32_t max_files,
		size_t target)
{
	uint32_t	hi = max_files < HUGE_MIN_FILES ? HUGE_MIN_FILES :
		max_files > HUGE_MAX_FILES ? HUGE_MAX_FILES : max_files;
	uint32_t	n = HUGE_MIN_FILES + rnd(&sp->choice, hi - HUGE_MIN_FILES + 1);
	int			a,
				rc;

	for (a = 0; a < HUGE_ATTEMPTS; a++)
	{
		if (make_files(b, sp, n) != 0)
			return -1;
		sort_files(b, sp);
		rc = huge_pieces(b, sp, target);
		if (rc <= 0)
			return rc;
		n = n * 2 / 3;
	}
	return 1;
}

/*
 * Huge v2-only: no "pieces" in the dict, so files alone reach the target.
 * So many files are small ones (1..8 MiB on average, a dataset or an
 * archive): episode-sized files would make a torrent of petabytes.
 */
static int
huge_v2(struct builder *b, struct spec *sp, size_t target)
{
	double		n = (double) target / HUGE_V2_BYTES_PER_FILE;
	double		per_file = (double) (1u << 20) * (1u << rnd(&sp->choice, 4));
	int			a;

	for (a = 0; a < HUGE_ATTEMPTS; a++)
	{
		if (n > HUGE_V2_MAX_FILES)
			n = HUGE_V2_MAX_FILES;
		if (make_files(b, sp, (uint32_t) n) != 0)
			return -1;
		sort_files(b, sp);
		scale_sizes(b, n * per_file);
		choose_piece_length(b, sp);
		if (write_info(b, sp) != 0)
			return -1;
		if (b->out_len > HUGE_LO && b->out_len < HUGE_HI)
			return 0;
		n = n * (double) target / (double) b->out_len;
	}
	return 1;
}

/* ------------------------------------------------------------------------
 * One torrent
 * ------------------------------------------------------------------------
 */

/* The streams and the draws that do not depend on the layout */
static void
draw_spec(const struct population_config *cfg, uint32_t i, struct spec *sp)
{
	uint64_t	st = cfg->seed ^ ((uint64_t) i * GOLDEN);
	uint64_t	names = splitmix64_next(&st);
	double		u;

	memset(sp, 0, sizeof(*sp));
	sp->choice = splitmix64_next(&st);
	sp->layout0 = splitmix64_next(&st);
	sp->bytes0 = splitmix64_next(&st);
	names_torrent(&names, &sp->nm);
	u = unit(&sp->choice);
	sp->kind = u < cfg->share_v2 ? SIM_KIND_V2 :
		u < cfg->share_v2 + cfg->share_hybrid ? SIM_KIND_HYBRID : SIM_KIND_V1;
	sp->is_private = unit(&sp->choice) < cfg->share_private;
	sp->huge = unit(&sp->choice) < cfg->share_huge;
	sp->tail_pad = rnd(&sp->choice, 100) < TAIL_PAD_PERCENT;
}

/*
 * Decide and write torrent i into b (b->out, b->out_len); *sp receives the
 * decisions.  Returns 0, -1 out of memory, 1 if a huge torrent could not be
 * brought into its window.
 */
static int
build_torrent(const struct population_config *cfg, uint32_t i,
			  struct builder *b, struct spec *sp)
{
	uint32_t	n;

	draw_spec(cfg, i, sp);
	if (sp->huge)
	{
		size_t		target = HUGE_TARGET_MIN + rnd(&sp->choice,
												   HUGE_TARGET_SPAN);

		if (sp->kind == SIM_KIND_V2)
			return huge_v2(b, sp, target);
		return huge_v1(b, sp, cfg->max_files, target);
	}
	n = sp->nm.single ? 1 : pareto_files(&sp->choice, cfg->max_files);
	for (;;)
	{
		if (make_files(b, sp, n) != 0)
			return -1;
		sort_files(b, sp);
		choose_piece_length(b, sp);
		if (write_info(b, sp) != 0)
			return -1;
		if (b->out_len < ORDINARY_MAX_INFO || n < 4)
			return 0;
		n = n / 4 * 3;
	}
}

/* Fill the summary of a built torrent (name_off is the caller's) */
static void
summarize(const struct builder *b, const struct spec *sp,
		  struct sim_torrent *t)
{
	uint8_t		h2[crypto_hash_sha256_BYTES];

	memset(t, 0, sizeof(*t));
	if (sp->kind != SIM_KIND_V1)
	{
		crypto_hash_sha256(h2, b->out, b->out_len);
		memcpy(t->hash_v2, h2, sizeof(t->hash_v2));
	}
	if (sp->kind == SIM_KIND_V2)
		memcpy(t->hash, h2, sizeof(t->hash));
	else
		sha1_digest(b->out, b->out_len, t->hash);
	t->kind = (uint8_t) sp->kind;
	t->is_private = (uint8_t) sp->is_private;
	t->file_count = (uint32_t) b->nfiles;
	t->total_size = (uint64_t) sp->total;
	t->info_size = (uint32_t) b->out_len;
}

/* ------------------------------------------------------------------------
 * The population
 * ------------------------------------------------------------------------
 */

/* A share must be a number in 0..1 */
static int
bad_share(double s)
{
	return !(s >= 0.0 && s <= 1.0);
}

/* 0 if cfg is usable, else -1 with the reason on stderr */
static int
check_config(const struct population_config *cfg)
{
	if (cfg->ntorrents < 1 || cfg->ntorrents > POPULATION_MAX_TORRENTS)
		fprintf(stderr, "population: ntorrents %u not in 1..%u\n",
				cfg->ntorrents, POPULATION_MAX_TORRENTS);
	else if (bad_share(cfg->share_v2) || bad_share(cfg->share_hybrid) ||
			 bad_share(cfg->share_private) || bad_share(cfg->share_huge) ||
			 cfg->share_v2 + cfg->share_hybrid > 1.0)
		fprintf(stderr, "population: shares must be in 0..1 "
				"(v2 + hybrid at most 1)\n");
	else if (cfg->max_files < 1)
		fprintf(stderr, "population: max_files must be at least 1\n");
	else
		return 0;
	return -1;
}

/* Keep torrent i's name in the arena */
static int
keep_name(struct population *pop, const struct spec *sp,
		  struct sim_torrent *t)
{
	size_t		n = sp->nm.name_len + 1;
	void	   *q;

	if (pop->names_len + n > UINT32_MAX ||
		(q = grow(pop->names, &pop->names_cap, pop->names_len + n, 1)) == NULL)
		return -1;
	pop->names = q;
	memcpy(pop->names + pop->names_len, sp->nm.name, n);
	t->name_off = (uint32_t) pop->names_len;
	pop->names_len += n;
	return 0;
}

/* Build, hash and summarise every torrent */
static int
build_all(struct population *pop)
{
	struct builder b;
	struct spec sp;
	uint32_t	i;
	int			rc = 0;

	memset(&b, 0, sizeof(b));
	for (i = 0; i < pop->cfg.ntorrents && rc == 0; i++)
	{
		rc = build_torrent(&pop->cfg, i, &b, &sp);
		if (rc > 0)
			fprintf(stderr, "population: huge torrent %u: info dict size "
					"%zu outside %zu..%zu\n", i, b.out_len, HUGE_LO, HUGE_HI);
		else if (rc < 0)
			fprintf(stderr, "population: out of memory at torrent %u\n", i);
		else
		{
			summarize(&b, &sp, &pop->t[i]);
			if ((rc = keep_name(pop, &sp, &pop->t[i])) != 0)
				fprintf(stderr, "population: out of memory for names\n");
		}
	}
	builder_free(&b);
	return rc;
}

/* Build all T torrents and hash them; NULL (message on stderr) on failure */
struct population *
population_create(const struct population_config *cfg)
{
	struct population *pop;

	if (check_config(cfg) != 0)
		return NULL;
	if (sodium_init() < 0)
	{
		fprintf(stderr, "population: sodium_init failed\n");
		return NULL;
	}
	pop = calloc(1, sizeof(*pop));
	if (pop == NULL ||
		(pop->t = calloc(cfg->ntorrents, sizeof(*pop->t))) == NULL)
	{
		fprintf(stderr, "population: out of memory\n");
		free(pop);
		return NULL;
	}
	pop->cfg = *cfg;
	if (build_all(pop) != 0)
	{
		population_destroy(pop);
		return NULL;
	}
	return pop;
}

void
population_destroy(struct population *pop)
{
	if (pop == NULL)
		return;
	free(pop->t);
	free(pop->names);
	free(pop);
}

size_t
population_count(const struct population *pop)
{
	return pop->cfg.ntorrents;
}

const struct sim_torrent *
population_get(const struct population *pop, size_t i)
{
	return i < pop->cfg.ntorrents ? &pop->t[i] : NULL;
}

const char *
population_name(const struct population *pop, size_t i)
{
	return i < pop->cfg.ntorrents ? pop->names + pop->t[i].name_off : NULL;
}

/*
 * Rebuild torrent i's info dict with fresh scratch space and hand the
 * output buffer to the caller.
 */
uint8_t *
population_info(const struct population *pop, size_t i, size_t *len)
{
	struct builder b;
	struct spec sp;
	uint8_t    *out = NULL;

	*len = 0;
	if (i >= pop->cfg.ntorrents)
		return NULL;
	memset(&b, 0, sizeof(b));
	if (build_torrent(&pop->cfg, (uint32_t) i, &b, &sp) == 0)
	{
		out = b.out;
		*len = b.out_len;
		b.out = NULL;
	}
	builder_free(&b);
	return out;
}

const char *
population_kind_name(int kind)
{
	switch (kind)
	{
		case SIM_KIND_V1:
			return "v1";
		case SIM_KIND_V2:
			return "v2";
		case SIM_KIND_HYBRID:
			return "hybrid";
		default:
			return "unknown";
	}
}
