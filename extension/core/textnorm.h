/*
 * textnorm.h
 *		Name normalization for full-text search, for stored names and queries.
 *
 * Owns: the one rule that splits release names into words (every ASCII byte
 * that is not a letter or digit is a separator), applied identically to the
 * names we store and to the queries users type, so that `ubuntu 22.04`
 * finds `Ubuntu.22.04.Desktop.amd64.iso`; and the rewrite of a query into
 * websearch_to_tsquery syntax under that rule.  Does not own case folding,
 * stemming or Unicode word breaking: PostgreSQL's text-search parser and
 * dictionaries do those on our output.
 *
 * Invariants: inputs are (pointer, length) pairs and need no NUL; bytes
 * >= 0x80 are copied unchanged, so a UTF-8 sequence is never split (except
 * where a too-small buffer forces truncation, which then cuts before the
 * incomplete sequence); output is always NUL-terminated when cap > 0;
 * nothing is allocated and nothing is written at or past out + cap.
 */
#ifndef DHT_TEXTNORM_H
#define DHT_TEXTNORM_H

#include <stddef.h>

/*
 * Room textnorm_query() needs for an input of len bytes.  The rewrite at
 * most doubles each token (a one-byte word plus its separating space; a
 * three-byte `a.b` becoming ` "a b"`), so 2 * len + 1 always suffices; the
 * extra 15 bytes are slack for callers.  The caller checks len against its
 * own cap before this multiply.
 */
#define TEXTNORM_QUERY_CAP(len) (2 * (len) + 16)

enum textnorm_error
{
	TEXTNORM_OK = 0,
	TEXTNORM_ERR_BUFFER = -1	/* out is too small for the result */
};

/*
 * Copy a name into out with every separator byte turned into a space, runs
 * of spaces collapsed and both ends trimmed; returns the output length.
 * Separators: ASCII punctuation and controls/whitespace; letters, digits and
 * bytes >= 0x80 are kept.  out needs len + 1 bytes: with less, the output
 * is truncated (never inside a UTF-8 sequence); cap 0 writes nothing.
 */
size_t		textnorm_name(const char *in, size_t len, char *out, size_t cap);

/*
 * Rewrite a user query in websearch_to_tsquery syntax so that it matches
 * names normalized by textnorm_name(): phrases stay quoted with normalized
 * contents, a bare word that splits into several becomes a phrase, `-word`
 * stays an exclusion, `or` stays the operator (between two terms), and
 * words that normalize to nothing are dropped.  Returns 0, or
 * TEXTNORM_ERR_BUFFER when the result does not fit in cap (out then holds
 * "" if cap > 0); cap >= TEXTNORM_QUERY_CAP(len) always suffices.  out_len
 * (may be NULL) gets the output length.
 */
int			textnorm_query(const char *in, size_t len, char *out, size_t cap,
						   size_t *out_len);

/*
 * Length of the longest prefix of s[0..len) that does not end inside a
 * UTF-8 sequence, for cutting a longer string down to len bytes.
 */
size_t		textnorm_utf8_trim(const char *s, size_t len);

/* A static description of a textnorm_error value. */
const char *textnorm_strerror(int err);

#endif							/* DHT_TEXTNORM_H */
