/*
 * textnorm.c
 *		Separator folding for names and queries (see textnorm.h).
 *
 * One scanner, normalize(), splits bytes into words for both entry points,
 * so a stored name and a typed query can never disagree about where a word
 * ends.  textnorm_query() tokenizes the query the way websearch_to_tsquery
 * reads it (whitespace, "phrases", leading '-', `or`) and emits each token
 * through normalize().
 *
 * Why 2 * len + 1 bytes suffice for a query (TEXTNORM_QUERY_CAP): charge
 * each emitted token, with the space before it, to its own input bytes.  A
 * one-word term of n bytes costs n + 1 <= 2n.  A phrase's input holds its
 * opening quote (and its closing one unless it ends the query).  Any other
 * term gets quotes only if it splits into several words or reads `or`
 * without being the operator: then n >= 3, or n >= 2 after a '-' (which is
 * copied from the input), and it still costs at most 2n.  The `or`
 * operator costs 3 bytes for its 2.  Add the NUL.
 */
#include "textnorm.h"

#include <stdint.h>
#include <string.h>

/* What normalize() produced: bytes, words, and whether room ran out. */
struct norm_result
{
	size_t		len;
	size_t		words;
	int			truncated;
};

/* The query output being built; len <= cap - 1 keeps room for the NUL. */
struct query_out
{
	char	   *out;
	size_t		cap;
	size_t		len;
	int			full;			/* something did not fit: give up */
	int			pending_or;		/* an `or` seen after a term */
};

/* A separator is any ASCII byte that is not a letter or a digit. */
static int
is_separator(unsigned char c)
{
	if (c >= 0x80)
		return 0;
	if ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
		(c >= 'a' && c <= 'z'))
		return 0;
	return 1;
}

/* Query tokens end at ASCII whitespace and control bytes. */
static int
is_space(unsigned char c)
{
	return c <= 0x20 || c == 0x7f;
}

static int
ascii_lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c;
}

/*
 * Write the words of in[0..len) to out, separated by single spaces, at most
 * room bytes and no NUL.  out may be NULL to measure only (room SIZE_MAX).
 * When room runs out the output may end with a space or half a sequence.
 */
static struct norm_result
normalize(const char *in, size_t len, char *out, size_t room)
{
	struct norm_result r = {0, 0, 0};
	int			in_word = 0;
	size_t		i;

	for (i = 0; i < len && !r.truncated; i++)
	{
		unsigned char c = (unsigned char) in[i];

		if (is_separator(c))
		{
			in_word = 0;
			continue;
		}
		if (!in_word && r.words > 0)
		{
			if (r.len >= room)
			{
				r.truncated = 1;
				break;
			}
			if (out)
				out[r.len] = ' ';
			r.len++;
		}
		if (!in_word)
			r.words++;
		in_word = 1;
		if (r.len >= room)
			r.truncated = 1;
		else
		{
			if (out)
				out[r.len] = (char) c;
			r.len++;
		}
	}
	return r;
}

size_t
textnorm_name(const char *in, size_t len, char *out, size_t cap)
{
	struct norm_result r;
	size_t		n;

	if (cap == 0)
		return 0;
	r = normalize(in, len, out, cap - 1);
	n = r.len;
	if (r.truncated)
	{
		n = textnorm_utf8_trim(out, n);
		while (n > 0 && out[n - 1] == ' ')
			n--;
	}
	out[n] = '\0';
	return n;
}

size_t
textnorm_utf8_trim(const char *s, size_t len)
{
	size_t		i = len;
	size_t		need;
	unsigned char lead;

	/* step back over at most three continuation bytes to the lead byte */
	while (i > 0 && len - i < 3 && ((unsigned char) s[i - 1] & 0xC0) == 0x80)
		i--;
	if (i == 0)
		return len;
	lead = (unsigned char) s[i - 1];
	if (lead < 0xC0 || lead >= 0xF8)
		return len;				/* ASCII, or not UTF-8: nothing to cut */
	need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
	return (len - (i - 1) < need) ? i - 1 : len;
}

/* Append n bytes, or mark the output full (always keeping room for NUL). */
static void
put(struct query_out *q, const char *s, size_t n)
{
	if (q->full || n >= q->cap - q->len)
	{
		q->full = 1;
		return;
	}
	memcpy(q->out + q->len, s, n);
	q->len += n;
}

/* Does in[0..len), normalized to a single 2-byte word, read `or`? */
static int
normalizes_to_or(const char *in, size_t len)
{
	char		w[2];

	normalize(in, len, w, sizeof(w));
	return ascii_lower((unsigned char) w[0]) == 'o' &&
		ascii_lower((unsigned char) w[1]) == 'r';
}

/*
 * Emit one search term: in[0..len) normalized, preceded by '-' when
 * negated, quoted when it is a phrase, splits into several words, or would
 * otherwise be read as the `or` operator.  Terms with no words vanish.
 */
static void
emit_term(struct query_out *q, const char *in, size_t len, int negated,
		  int phrase)
{
	struct norm_result m = normalize(in, len, NULL, SIZE_MAX);
	int			quote;

	if (m.words == 0)
		return;
	quote = phrase || m.words > 1 ||
		(m.len == 2 && normalizes_to_or(in, len));
	if (q->len > 0)
	{
		if (q->pending_or)
			put(q, " or", 3);
		put(q, " ", 1);
	}
	q->pending_or = 0;
	if (negated)
		put(q, "-", 1);
	if (quote)
		put(q, "\"", 1);
	if (!q->full && m.len < q->cap - q->len)
		q->len += normalize(in, len, q->out + q->len, m.len).len;
	else
		q->full = 1;
	if (quote)
		put(q, "\"", 1);
}

/* A phrase whose contents start at in[start]; returns the index after it. */
static size_t
query_phrase(struct query_out *q, const char *in, size_t len, size_t start,
			 int negated)
{
	const char *close = memchr(in + start, '"', len - start);
	size_t		end = close ? (size_t) (close - in) : len;

	emit_term(q, in + start, end - start, negated, 1);
	return end < len ? end + 1 : len;
}

/* Consume the token at in[i] (not whitespace); returns the next index. */
static size_t
query_token(struct query_out *q, const char *in, size_t len, size_t i)
{
	size_t		j = i;
	size_t		k;

	if (in[i] == '"')
		return query_phrase(q, in, len, i + 1, 0);
	while (j < len && !is_space((unsigned char) in[j]) && in[j] != '"')
		j++;
	if (in[i] == '-')
	{
		/* dashes right before a quote negate the phrase: -"spider man" */
		for (k = i; k < j && in[k] == '-'; k++)
			;
		if (k == j && j < len && in[j] == '"')
			return query_phrase(q, in, len, j + 1, 1);
		emit_term(q, in + i + 1, j - i - 1, 1, 0);
	}
	else if (j - i == 2 && ascii_lower((unsigned char) in[i]) == 'o' &&
			 ascii_lower((unsigned char) in[i + 1]) == 'r')
	{
		/* an operator only between two terms; leading or doubled: dropped */
		if (q->len > 0)
			q->pending_or = 1;
	}
	else
		emit_term(q, in + i, j - i, 0, 0);
	return j;
}

int
textnorm_query(const char *in, size_t len, char *out, size_t cap,
			   size_t *out_len)
{
	struct query_out q = {out, cap, 0, 0, 0};
	size_t		i = 0;

	if (out_len)
		*out_len = 0;
	if (cap == 0)
		return TEXTNORM_ERR_BUFFER;
	while (i < len && !q.full)
	{
		if (is_space((unsigned char) in[i]))
			i++;
		else
			i = query_token(&q, in, len, i);
	}
	if (q.full)
	{
		out[0] = '\0';
		return TEXTNORM_ERR_BUFFER;
	}
	out[q.len] = '\0';
	if (out_len)
		*out_len = q.len;
	return TEXTNORM_OK;
}

const char *
textnorm_strerror(int err)
{
	switch (err)
	{
		case TEXTNORM_OK:
			return "success";
		case TEXTNORM_ERR_BUFFER:
			return "output buffer too small";
	}
	return "unknown textnorm error";
}
