/*
 * metainfo.c
 *		Info dict verification (SHA-1 / SHA-256) and parsing into name, sizes
 *		and a capped, repaired file list.  The rules are in metainfo.h.
 *
 * Structure: the bencode decoder turns the dict into a flat token array
 * (caller-owned); everything after that walks tokens by index, never
 * recursing: the v1 "files" list by sibling links, the v2 "file tree" with
 * an explicit stack of METAINFO_MAX_DEPTH frames (struct tree_iter).  Both
 * walkers produce one struct file_item per file, whose path is a list of
 * raw component tokens; only files that are stored are turned into text.
 *
 * Text is produced by a "sink" that can either measure or write: a path is
 * measured first, then written only if it fits in the arena, so the arena
 * never holds a partial string and running out of it is just another reason
 * to summarise the remaining files.
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "metainfo.h"
#include "sha1.h"

/* "attr" letters we act on (BEP 47) */
#define ATTR_PAD 0x1
#define ATTR_SYMLINK 0x2

/* BitComet's pre-BEP 47 padding files carry this in their name */
#define BITCOMET_PAD "_____padding_file_"

/* Parse state shared by the walkers */
struct parser
{
	const uint8_t *buf;
	const struct bencode_token *tok;
	size_t		ntok;
	const struct metainfo_space *sp;
	struct metainfo *out;
	size_t		used;			/* arena bytes in use */
	size_t		arena_end;		/* arena bytes usable for name and paths */
	int			summarizing;	/* files go to the summary from now on */
	int64_t		sum_count;
	int64_t		sum_size;
};

/* Tokens of the keys that decide the layout (0 = absent) */
struct layout
{
	size_t		name;			/* chosen name STR */
	size_t		files;			/* "files" LIST */
	size_t		length;			/* "length" (any type until used) */
	size_t		tree;			/* "file tree" DICT (meta version 2) */
};

/* A path's raw components: a LIST of STRs, or an array of STR tokens */
struct path_src
{
	size_t		list;			/* LIST token, or 0 to use toks */
	const size_t *toks;
	size_t		ntoks;
};

/* One file as a walker sees it */
struct file_item
{
	struct path_src path;
	int64_t		size;
	int			is_pad;
	size_t		tok;			/* for error_pos */
};

/* Explicit stack for walking the v2 file tree */
struct tree_frame
{
	size_t		k;				/* next key token of this directory */
	uint32_t	left;			/* pairs not yet visited */
};

struct tree_iter
{
	struct tree_frame st[METAINFO_MAX_DEPTH];
	size_t		keys[METAINFO_MAX_DEPTH];	/* key token per level */
	size_t		depth;
};

/* Bounded text output; dst NULL only measures */
struct sink
{
	char	   *dst;
	size_t		len;
	size_t		cap;
	int			full;			/* a character did not fit: stop */
	unsigned	repairs;
};

/* Record a semantic error at the offset of token t */
static int
fail(struct parser *p, int err, size_t t)
{
	p->out->error_pos = t < p->ntok ? p->tok[t].offset : 0;
	return err;
}

/* Value token for key in dict d, or -1 */
static int
get(const struct parser *p, size_t d, const char *key)
{
	return bencode_dict_get(p->buf, p->tok, p->ntok, d, key, strlen(key));
}

/* ------------------------------------------------------------------------
 * Text: UTF-8 validation and repair
 * ------------------------------------------------------------------------
 */

/*
 * Length of the well-formed UTF-8 sequence at s[0..n) (Unicode table 3-7:
 * no overlong forms, no surrogates, nothing past U+10FFFF), or 0.
 */
static size_t
utf8_seq_len(const uint8_t *s, size_t n)
{
	uint8_t		c = s[0];
	uint8_t		lo = 0x80;
	uint8_t		hi = 0xbf;
	size_t		need;
	size_t		i;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		need = 2;
	else if (c >= 0xe0 && c <= 0xef)
		need = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		need = 4;
	else
		return 0;
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (n < need || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < need; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return need;
}

/* Append n bytes whole, or mark the sink full (sticky) */
static int
sink_put(struct sink *k, const void *b, size_t n)
{
	if (k->full)
		return 0;
	if (n > k->cap - k->len)
	{
		k->full = 1;
		k->repairs |= METAINFO_REPAIR_TRUNCATED;
		return 0;
	}
	if (k->dst)
		memcpy(k->dst + k->len, b, n);
	k->len += n;
	return 1;
}

/* Append a replacement and note why, if it fit */
static void
sink_repair(struct sink *k, const char *b, size_t n, unsigned why)
{
	if (sink_put(k, b, n))
		k->repairs |= why;
}

/*
 * Copy s[0..len) as valid UTF-8 without NUL: invalid bytes and NUL become
 * U+FFFD; in a path component ('component' set) '/' becomes '_'.
 */
static void
emit_text(struct sink *k, const uint8_t *s, size_t len, int component)
{
	static const char fffd[] = "\xef\xbf\xbd";
	size_t		i = 0;

	while (i < len && !k->full)
	{
		size_t		n = utf8_seq_len(s + i, len - i);

		if (n == 0)
			sink_repair(k, fffd, 3, METAINFO_REPAIR_UTF8);
		else if (s[i] == '\0')
			sink_repair(k, fffd, 3, METAINFO_REPAIR_NUL);
		else if (component && s[i] == '/')
			sink_repair(k, "_", 1, METAINFO_REPAIR_PATH);
		else
			sink_put(k, s + i, n);
		i += n == 0 ? 1 : n;
	}
}

/* ------------------------------------------------------------------------
 * Paths
 * ------------------------------------------------------------------------
 */

/* Next component of a path into (*s, *n); 0 when there is none */
static int
comp_next(const struct parser *p, const struct path_src *src, size_t *i,
		  size_t *k, const uint8_t **s, size_t *n)
{
	size_t		t;

	if (src->list)
	{
		if (*i >= p->tok[src->list].count)
			return 0;
		t = *k;
		*k = p->tok[t].next;
	}
	else
	{
		if (*i >= src->ntoks)
			return 0;
		t = src->toks[*i];
	}
	(*i)++;
	*s = bencode_str(p->buf, &p->tok[t], n);
	return *s != NULL;
}

/* Is s[0..n) "", "." or ".."? */
static int
is_dot_component(const uint8_t *s, size_t n)
{
	return n == 0 || (n <= 2 && s[0] == '.' && s[n - 1] == '.');
}

/*
 * Emit a path: components joined by '/', "", "." and ".." dropped, each
 * repaired.  A component cut by the cap down to nothing, "." or ".." is
 * removed with its separator; a path with no component left is "_".
 */
static void
emit_path(const struct parser *p, struct sink *k, const struct path_src *src)
{
	size_t		i = 0;
	size_t		it = src->list + 1;
	const uint8_t *s = NULL;
	size_t		n = 0;

	while (!k->full && comp_next(p, src, &i, &it, &s, &n))
	{
		size_t		start = k->len;
		size_t		w;

		if (is_dot_component(s, n))
		{
			k->repairs |= METAINFO_REPAIR_PATH;
			continue;
		}
		if (k->len > 0)
			sink_put(k, "/", 1);
		emit_text(k, s, n, 1);

		/*
		 * Only a cut can leave an empty, "." or ".." component here: '.' is
		 * copied as is and every repair writes something else, so the
		 * output's first w bytes are the input's when they are dots.
		 */
		w = k->len - start;
		if (start > 0 && w > 0)
			w--;				/* the separator */
		if (w == 0 || (w <= 2 && is_dot_component(s, w)))
			k->len = start;
	}
	if (k->len == 0)
		sink_repair(k, "_", 1, METAINFO_REPAIR_PATH);
}

/* Do two paths have the same raw components? */
static int
path_equal(const struct parser *p, const struct path_src *a,
		   const struct path_src *b)
{
	size_t		ia = 0,
				ka = a->list + 1,
				ib = 0,
				kb = b->list + 1;
	const uint8_t *sa = NULL,
			   *sb = NULL;
	size_t		na = 0,
				nb = 0;

	for (;;)
	{
		int			ma = comp_next(p, a, &ia, &ka, &sa, &na);
		int			mb = comp_next(p, b, &ib, &kb, &sb, &nb);

		if (!ma || !mb)
			return ma == mb;
		if (na != nb || (na > 0 && memcmp(sa, sb, na) != 0))
			return 0;
	}
}

/* Does any component contain BitComet's padding marker? */
static int
is_bitcomet_pad(const struct parser *p, const struct path_src *src)
{
	size_t		i = 0;
	size_t		k = src->list + 1;
	const uint8_t *s = NULL;
	size_t		n = 0;

	while (comp_next(p, src, &i, &k, &s, &n))
		if (n >= sizeof(BITCOMET_PAD) - 1 &&
			memmem(s, n, BITCOMET_PAD, sizeof(BITCOMET_PAD) - 1) != NULL)
			return 1;
	return 0;
}

/* ------------------------------------------------------------------------
 * The arena and the file list
 * ------------------------------------------------------------------------
 */

/* Count a stored string's repairs */
static void
note_repairs(struct parser *p, unsigned repairs)
{
	if (repairs == 0)
		return;
	p->out->repairs |= repairs;
	p->out->nrepaired++;
}

/*
 * Store f's path and size as the next entry.  Returns 0, or -1 (nothing
 * written) when the path does not fit in the arena.
 */
static int
store_file(struct parser *p, const struct file_item *f)
{
	struct sink k = {NULL, 0, METAINFO_MAX_PATH, 0, 0};
	struct metainfo_file *e = &p->sp->files[p->out->nfiles];
	char	   *dst;

	emit_path(p, &k, &f->path);
	if (k.len >= p->arena_end - p->used)
		return -1;
	dst = p->sp->strbuf + p->used;
	k = (struct sink) {dst, 0, METAINFO_MAX_PATH, 0, 0};
	emit_path(p, &k, &f->path);
	dst[k.len] = '\0';
	p->used += k.len + 1;
	note_repairs(p, k.repairs);
	e->path = dst;
	e->path_len = k.len;
	e->size = f->size;
	e->is_summary = 0;
	p->out->nfiles++;
	return 0;
}

/*
 * Account one non-padding file: totals first (refusing overflow), then
 * store it, or fold it into the summary.  The first file that cannot be
 * stored starts the summary; if files[] is full, the last stored entry
 * moves into the summary to free its slot (its string is the arena's top).
 */
static int
add_file(struct parser *p, const struct file_item *f)
{
	struct metainfo *out = p->out;

	if (f->size > INT64_MAX - out->total_size)
		return fail(p, METAINFO_ERR_SIZE_OVERFLOW, f->tok);
	out->total_size += f->size;
	out->file_count++;
	if (!p->summarizing && out->nfiles < p->sp->max_files &&
		store_file(p, f) == 0)
		return METAINFO_OK;
	if (!p->summarizing)
	{
		p->summarizing = 1;
		if (out->nfiles == p->sp->max_files)
		{
			const struct metainfo_file *last = &p->sp->files[--out->nfiles];

			p->sum_count++;
			p->sum_size += last->size;
			p->used = (size_t) (last->path - p->sp->strbuf);
		}
	}
	p->sum_count++;
	p->sum_size += f->size;		/* <= total_size: cannot overflow */
	return METAINFO_OK;
}

/* Append the "(N more files)" entry if files were folded */
static void
finish_summary(struct parser *p)
{
	struct metainfo_file *e;
	char	   *dst = p->sp->strbuf + p->used;
	int			n;

	if (!p->summarizing)
		return;
	n = snprintf(dst, METAINFO_SUMMARY_ROOM, "(%lld more file%s)",
				 (long long) p->sum_count, p->sum_count == 1 ? "" : "s");
	e = &p->sp->files[p->out->nfiles++];
	e->path = dst;
	e->path_len = (size_t) n;
	e->size = p->sum_size;
	e->is_summary = 1;
	p->used += (size_t) n + 1;
	p->out->summarized = p->sum_count;
}

/* Count a padding file (never stored) */
static int
add_pad(struct parser *p, const struct file_item *f)
{
	if (f->size > INT64_MAX - p->out->pad_size)
		return fail(p, METAINFO_ERR_SIZE_OVERFLOW, f->tok);
	p->out->pad_size += f->size;
	p->out->pad_count++;
	return METAINFO_OK;
}

/* ------------------------------------------------------------------------
 * File entries: v1 list items and v2 tree leaves
 * ------------------------------------------------------------------------
 */

/* ATTR_* bits of dict d's "attr" string */
static unsigned
get_attr(const struct parser *p, size_t d)
{
	int			a = get(p, d, "attr");
	const uint8_t *s;
	size_t		n;
	unsigned	bits = 0;

	if (a < 0 || (s = bencode_str(p->buf, &p->tok[a], &n)) == NULL)
		return 0;
	if (memchr(s, 'p', n))
		bits |= ATTR_PAD;
	if (memchr(s, 'l', n))
		bits |= ATTR_SYMLINK;
	return bits;
}

/* d's "length" into *size: an integer >= 0 (symlinks: 0, not needed) */
static int
get_length(struct parser *p, size_t d, unsigned attr, int64_t *size)
{
	int			v;

	*size = 0;
	if (attr & ATTR_SYMLINK)
		return METAINFO_OK;
	v = get(p, d, "length");
	if (v < 0)
		return fail(p, METAINFO_ERR_LENGTH, d);
	if (p->tok[v].type != BENCODE_INT || p->tok[v].value < 0)
		return fail(p, METAINFO_ERR_LENGTH, (size_t) v);
	*size = p->tok[v].value;
	return METAINFO_OK;
}

/*
 * The path list of a v1 entry: "path.utf-8" if it is a non-empty list,
 * else "path", which must be a non-empty list of strings.
 */
static int
get_path_list(struct parser *p, size_t e, size_t *list)
{
	int			v = get(p, e, "path.utf-8");
	size_t		k;
	uint32_t	i;

	if (v < 0 || p->tok[v].type != BENCODE_LIST || p->tok[v].count == 0)
		v = get(p, e, "path");
	if (v < 0)
		return fail(p, METAINFO_ERR_PATH, e);
	if (p->tok[v].type != BENCODE_LIST || p->tok[v].count == 0)
		return fail(p, METAINFO_ERR_PATH, (size_t) v);
	k = (size_t) v + 1;
	for (i = 0; i < p->tok[v].count; i++, k = p->tok[k].next)
		if (p->tok[k].type != BENCODE_STR)
			return fail(p, METAINFO_ERR_PATH, k);
	*list = (size_t) v;
	return METAINFO_OK;
}

/* One item of the v1 "files" list into *f */
static int
v1_entry(struct parser *p, size_t e, struct file_item *f)
{
	unsigned	attr;
	int			rc;

	memset(f, 0, sizeof(*f));
	f->tok = e;
	if (p->tok[e].type != BENCODE_DICT)
		return fail(p, METAINFO_ERR_FILES, e);
	attr = get_attr(p, e);
	if ((rc = get_length(p, e, attr, &f->size)) != METAINFO_OK)
		return rc;
	if (attr & ATTR_PAD)
	{
		f->is_pad = 1;			/* its path, if any, is never used */
		return METAINFO_OK;
	}
	if ((rc = get_path_list(p, e, &f->path.list)) != METAINFO_OK)
		return rc;
	f->is_pad = is_bitcomet_pad(p, &f->path);
	return METAINFO_OK;
}

/* A tree leaf: the value of a file node's "" key */
static int
tree_leaf(struct parser *p, size_t leaf, struct file_item *f)
{
	unsigned	attr;

	if (p->tok[leaf].type != BENCODE_DICT)
		return fail(p, METAINFO_ERR_TREE, leaf);
	attr = get_attr(p, leaf);
	if (attr & ATTR_PAD)
		return fail(p, METAINFO_ERR_TREE, leaf);
	return get_length(p, leaf, attr, &f->size);
}

/* Start walking the file tree dict at token tree */
static void
tree_start(const struct parser *p, struct tree_iter *it, size_t tree)
{
	it->depth = 1;
	it->st[0].k = tree + 1;
	it->st[0].left = p->tok[tree].count;
}

/*
 * Next file of the tree, depth first in key order, into *f (its path
 * points into it->keys).  Returns 1, 0 at the end, or a negative error.
 */
static int
tree_next(struct parser *p, struct tree_iter *it, struct file_item *f)
{
	while (it->depth > 0)
	{
		struct tree_frame *fr = &it->st[it->depth - 1];
		size_t		key = fr->k;
		size_t		val = key + 1;
		int			leaf;
		int			rc;

		if (fr->left == 0)
		{
			it->depth--;
			continue;
		}
		fr->k = p->tok[val].next;
		fr->left--;
		if (p->tok[key].count == 0 || p->tok[val].type != BENCODE_DICT)
			return fail(p, METAINFO_ERR_TREE, key);
		it->keys[it->depth - 1] = key;
		leaf = get(p, val, "");
		if (leaf >= 0)
		{
			memset(f, 0, sizeof(*f));
			f->tok = val;
			f->path = (struct path_src) {0, it->keys, it->depth};
			if (p->tok[val].count != 1)
				return fail(p, METAINFO_ERR_TREE, val);
			rc = tree_leaf(p, (size_t) leaf, f);
			return rc == METAINFO_OK ? 1 : rc;
		}
		if (p->tok[val].count == 0)
			continue;			/* empty directory */
		if (it->depth >= METAINFO_MAX_DEPTH)
			return fail(p, METAINFO_ERR_TREE, val);
		it->st[it->depth].k = val + 1;
		it->st[it->depth].left = p->tok[val].count;
		it->depth++;
	}
	return 0;
}

/* ------------------------------------------------------------------------
 * Walkers
 * ------------------------------------------------------------------------
 */

/*
 * A v1 file: padding is counted; with a tree (hybrid), the tree's next file
 * must be the same; then it is added.
 */
static int
take_v1_file(struct parser *p, const struct file_item *f,
			 struct tree_iter *it)
{
	struct file_item g;
	int			rc;

	if (f->is_pad)
		return add_pad(p, f);
	if (it)
	{
		rc = tree_next(p, it, &g);
		if (rc < 0)
			return rc;
		if (rc == 0 || g.size != f->size || !path_equal(p, &f->path, &g.path))
			return fail(p, METAINFO_ERR_HYBRID_MISMATCH, f->tok);
	}
	return add_file(p, f);
}

/* The v1 layout (single file or "files"), checked against a tree if any */
static int
walk_v1(struct parser *p, const struct layout *L)
{
	struct tree_iter iter;
	struct tree_iter *it = NULL;
	struct file_item f;
	int			rc;

	if (L->tree)
	{
		tree_start(p, &iter, L->tree);
		it = &iter;
	}
	if (L->files)
	{
		size_t		k = L->files + 1;
		uint32_t	i;

		for (i = 0; i < p->tok[L->files].count; i++, k = p->tok[k].next)
			if ((rc = v1_entry(p, k, &f)) != METAINFO_OK ||
				(rc = take_v1_file(p, &f, it)) != METAINFO_OK)
				return rc;
	}
	else
	{
		memset(&f, 0, sizeof(f));
		f.tok = L->length;
		f.path = (struct path_src) {0, &L->name, 1};
		if (p->tok[L->length].type != BENCODE_INT ||
			p->tok[L->length].value < 0)
			return fail(p, METAINFO_ERR_LENGTH, L->length);
		f.size = p->tok[L->length].value;
		if ((rc = take_v1_file(p, &f, it)) != METAINFO_OK)
			return rc;
	}
	if (it && (rc = tree_next(p, it, &f)) != 0)
		return rc < 0 ? rc : fail(p, METAINFO_ERR_HYBRID_MISMATCH, f.tok);
	return METAINFO_OK;
}

/* The v2 layout alone */
static int
walk_v2(struct parser *p, const struct layout *L)
{
	struct tree_iter it;
	struct file_item f;
	int			rc;

	tree_start(p, &it, L->tree);
	while ((rc = tree_next(p, &it, &f)) == 1)
		if ((rc = add_file(p, &f)) != METAINFO_OK)
			return rc;
	return rc;
}

/* ------------------------------------------------------------------------
 * Top-level keys
 * ------------------------------------------------------------------------
 */

/* "meta version", "piece length" and "private" */
static int
parse_scalars(struct parser *p)
{
	struct metainfo *out = p->out;
	int			v = get(p, 0, "meta version");
	int64_t		pl;

	out->meta_version = 1;
	if (v >= 0)
	{
		if (p->tok[v].type != BENCODE_INT ||
			(p->tok[v].value != 1 && p->tok[v].value != 2))
			return fail(p, METAINFO_ERR_VERSION, (size_t) v);
		out->meta_version = (int) p->tok[v].value;
	}
	v = get(p, 0, "piece length");
	if (v < 0)
		return fail(p, METAINFO_ERR_PIECE_LENGTH, 0);
	pl = p->tok[v].value;
	if (p->tok[v].type != BENCODE_INT || pl <= 0 ||
		(out->meta_version == 2 && (pl < 16384 || (pl & (pl - 1)) != 0)))
		return fail(p, METAINFO_ERR_PIECE_LENGTH, (size_t) v);
	out->piece_length = pl;
	v = get(p, 0, "private");
	out->private_flag = v >= 0 && p->tok[v].type == BENCODE_INT &&
		p->tok[v].value != 0;
	return METAINFO_OK;
}

/* The name ("name.utf-8" preferred), repaired into the arena */
static int
parse_name(struct parser *p, struct layout *L)
{
	int			v = get(p, 0, "name.utf-8");
	struct sink k;
	const uint8_t *s;
	size_t		n;

	if (v < 0 || p->tok[v].type != BENCODE_STR || p->tok[v].count == 0)
		v = get(p, 0, "name");
	if (v < 0)
		return fail(p, METAINFO_ERR_NAME, 0);
	if (p->tok[v].type != BENCODE_STR || p->tok[v].count == 0)
		return fail(p, METAINFO_ERR_NAME, (size_t) v);
	L->name = (size_t) v;
	s = bencode_str(p->buf, &p->tok[v], &n);
	k = (struct sink) {p->sp->strbuf, 0, METAINFO_MAX_NAME, 0, 0};
	emit_text(&k, s, n, 0);
	p->sp->strbuf[k.len] = '\0';
	p->used = k.len + 1;
	note_repairs(p, k.repairs);
	p->out->name = p->sp->strbuf;
	p->out->name_len = k.len;
	return METAINFO_OK;
}

/* Which of "files", "length" and "file tree" describe the files */
static int
parse_layout(struct parser *p, struct layout *L)
{
	int			files = get(p, 0, "files");
	int			length = get(p, 0, "length");
	int			tree = get(p, 0, "file tree");

	if (files >= 0 && p->tok[files].type != BENCODE_LIST)
		return fail(p, METAINFO_ERR_FILES, (size_t) files);
	if (p->out->meta_version == 2)
	{
		if (tree < 0)
			return fail(p, METAINFO_ERR_TREE, 0);
		if (p->tok[tree].type != BENCODE_DICT)
			return fail(p, METAINFO_ERR_TREE, (size_t) tree);
		L->tree = (size_t) tree;
		p->out->has_v2_tree = 1;
	}
	if (files >= 0)
		L->files = (size_t) files;
	else if (length >= 0)
		L->length = (size_t) length;
	p->out->has_v1_layout = L->files || L->length;
	if (!p->out->has_v1_layout && !p->out->has_v2_tree)
		return fail(p, METAINFO_ERR_NO_FILES, 0);
	return METAINFO_OK;
}

/* Decode into the caller's tokens; the top value must be a dict */
static int
decode(struct parser *p, const uint8_t *info, size_t len)
{
	struct bencode_opts opts = {0};
	size_t		ntok = p->sp->max_tokens;
	size_t		pos = 0;
	int			rc;

	if (ntok > METAINFO_MAX_TOKENS)
		ntok = METAINFO_MAX_TOKENS;
	opts.max_depth = METAINFO_MAX_DEPTH;
	opts.allow_unsorted = 1;
	rc = bencode_decode(info, len, &opts, p->sp->tokens, &ntok, &pos,
						&p->out->bencode_flags);
	if (rc != BENCODE_OK)
	{
		p->out->bencode_error = rc;
		p->out->error_pos = pos;
		return METAINFO_ERR_BENCODE;
	}
	p->buf = info;
	p->tok = p->sp->tokens;
	p->ntok = ntok;
	if (p->tok[0].type != BENCODE_DICT)
		return fail(p, METAINFO_ERR_NOT_DICT, 0);
	return METAINFO_OK;
}

/* Public entry point: see metainfo.h */
int
metainfo_parse(const uint8_t *info, size_t len,
			   const struct metainfo_space *space, struct metainfo *out)
{
	struct parser p;
	struct layout L;
	int			rc;

	memset(out, 0, sizeof(*out));
	memset(&p, 0, sizeof(p));
	memset(&L, 0, sizeof(L));
	if (space == NULL || space->tokens == NULL || space->max_tokens == 0 ||
		space->files == NULL || space->max_files == 0 ||
		space->strbuf == NULL || space->strbuf_cap < METAINFO_MIN_STRBUF)
		return METAINFO_ERR_BUFFER;
	p.sp = space;
	p.out = out;
	p.arena_end = space->strbuf_cap - METAINFO_SUMMARY_ROOM;
	if ((rc = decode(&p, info, len)) != METAINFO_OK ||
		(rc = parse_scalars(&p)) != METAINFO_OK ||
		(rc = parse_name(&p, &L)) != METAINFO_OK ||
		(rc = parse_layout(&p, &L)) != METAINFO_OK)
		return rc;
	rc = out->has_v1_layout ? walk_v1(&p, &L) : walk_v2(&p, &L);
	if (rc != METAINFO_OK)
		return rc;
	if (out->file_count == 0)
		return fail(&p, METAINFO_ERR_NO_FILES, 0);
	finish_summary(&p);
	return METAINFO_OK;
}

/* ------------------------------------------------------------------------
 * Hashes
 * ------------------------------------------------------------------------
 */

/* SHA-1 and SHA-256 of the exact bytes, compared with the fetched hash */
int
metainfo_verify(const uint8_t *info, size_t len,
				const uint8_t fetched_hash[20], struct metainfo_hashes *out)
{
	memset(out, 0, sizeof(*out));
	sha1_digest(info, len, out->v1);
	crypto_hash_sha256(out->v2, info, (unsigned long long) len);
	if (memcmp(out->v1, fetched_hash, 20) == 0)
		out->matched = METAINFO_MATCH_V1;
	else if (memcmp(out->v2, fetched_hash, 20) == 0)
		out->matched = METAINFO_MATCH_V2;
	else
		return METAINFO_ERR_HASH_MISMATCH;
	return METAINFO_OK;
}

/* Key: SHA-1 when there is v1 data, else the truncated SHA-256 */
void
metainfo_classify(struct metainfo_hashes *h, const struct metainfo *mi)
{
	h->has_v1 = mi->has_v1_layout != 0;
	h->has_v2 = mi->has_v2_tree != 0;
	memcpy(h->key, h->has_v1 ? h->v1 : h->v2, sizeof(h->key));
}

/* Static text for each metainfo_error */
const char *
metainfo_strerror(int err)
{
	switch ((enum metainfo_error) err)
	{
		case METAINFO_OK:
			return "success";
		case METAINFO_ERR_HASH_MISMATCH:
			return "info dict matches neither the SHA-1 nor the SHA-256 hash";
		case METAINFO_ERR_BENCODE:
			return "info dict is not valid bencode";
		case METAINFO_ERR_NOT_DICT:
			return "info is not a dictionary";
		case METAINFO_ERR_VERSION:
			return "meta version is not 1 or 2";
		case METAINFO_ERR_PIECE_LENGTH:
			return "piece length missing or invalid";
		case METAINFO_ERR_NAME:
			return "name missing, empty or not a string";
		case METAINFO_ERR_NO_FILES:
			return "torrent has no files";
		case METAINFO_ERR_FILES:
			return "files is not a list of dictionaries";
		case METAINFO_ERR_LENGTH:
			return "file length missing, not an integer or negative";
		case METAINFO_ERR_PATH:
			return "file path missing, empty or not a list of strings";
		case METAINFO_ERR_TREE:
			return "file tree missing or malformed";
		case METAINFO_ERR_SIZE_OVERFLOW:
			return "total size overflows 64 bits";
		case METAINFO_ERR_HYBRID_MISMATCH:
			return "v1 file list and v2 file tree differ";
		case METAINFO_ERR_BUFFER:
			return "buffers too small for parsing";
	}
	return "unknown error";
}
