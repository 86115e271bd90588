/*
 * unit.h
 *		A tiny table-friendly test harness for the core's standalone unit tests.
 *
 * Owns: pass/fail counting, the final "N passed, N failed" line that the
 * umbrella test runner sums, and guard-page buffers that make a parser's
 * over-read crash (the input is placed flush against a PROT_NONE page).
 * Each test program includes this file once (it defines static state).
 */
#ifndef DHT_UNIT_H
#define DHT_UNIT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static int	unit_passed;
static int	unit_failed;

/* Record one check; print the failing expression with its location. */
#define CHECK(cond) \
	do { \
		if (cond) \
			unit_passed++; \
		else \
		{ \
			unit_failed++; \
			fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond); \
		} \
	} while (0)

/* Like CHECK, with a printf-style note identifying the table row. */
#define CHECKF(cond, ...) \
	do { \
		if (cond) \
			unit_passed++; \
		else \
		{ \
			unit_failed++; \
			fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond); \
			fprintf(stderr, __VA_ARGS__); \
			fputc('\n', stderr); \
		} \
	} while (0)

/* Print the summary line and return the process exit status. */
static inline int
unit_summary(const char *suite)
{
	printf("%s: %d passed, %d failed\n", suite, unit_passed, unit_failed);
	return unit_failed == 0 ? 0 : 1;
}

/*
 * A copy of buf whose last byte sits right before an inaccessible page, so
 * reading one byte past len faults.  Release with unit_guarded_free().
 */
struct unit_guarded
{
	unsigned char *map;
	size_t		maplen;
	unsigned char *data;
};

static inline struct unit_guarded
unit_guarded_copy(const void *buf, size_t len)
{
	struct unit_guarded g;
	size_t		page = (size_t) sysconf(_SC_PAGESIZE);
	size_t		datapages = (len + page - 1) / page;

	if (datapages == 0)
		datapages = 1;
	g.maplen = (datapages + 1) * page;
	g.map = mmap(NULL, g.maplen, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (g.map == MAP_FAILED)
	{
		perror("mmap");
		exit(2);
	}
	if (mprotect(g.map + datapages * page, page, PROT_NONE) != 0)
	{
		perror("mprotect");
		exit(2);
	}
	g.data = g.map + datapages * page - len;
	if (len > 0)
		memcpy(g.data, buf, len);
	return g;
}

static inline void
unit_guarded_free(struct unit_guarded *g)
{
	munmap(g->map, g->maplen);
	g->map = NULL;
	g->data = NULL;
}

#endif							/* DHT_UNIT_H */
