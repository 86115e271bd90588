/*
 * test_txn.c
 *		Unit tests of txn: the table of pending outgoing queries.
 *
 * Tables for the create caps, the replies that must be refused and the
 * expiry timeline; fixed-seed randomized runs for tid uniqueness and for a
 * long mix of begin/complete/expire compared with a simple reference model
 * (an array of live transactions in begin order, searched linearly).
 */
#include "txn.h"
#include "unit.h"
#include "testutil.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

static struct txn_entry
entry(uint8_t method, uint32_t identity, struct netaddr to)
{
	struct txn_entry e;

	memset(&e, 0, sizeof(e));
	e.method = method;
	e.identity = identity;
	e.lookup = UINT32_MAX;
	e.to = to;
	memset(e.target, method, sizeof(e.target));
	return e;
}

static uint32_t
tid_value(const uint8_t tid[TXN_TID_LEN])
{
	return ((uint32_t) tid[0] << 24) | ((uint32_t) tid[1] << 16) |
		((uint32_t) tid[2] << 8) | tid[3];
}

static bool
entry_same(const struct txn_entry *a, const struct txn_entry *b)
{
	return a->method == b->method && a->identity == b->identity &&
		a->lookup == b->lookup && netaddr_equal(&a->to, &b->to) &&
		a->sent_ms == b->sent_ms &&
		memcmp(a->target, b->target, sizeof(a->target)) == 0;
}

/* ---------------------------------------------------------------------- */

static void
test_create(void)
{
	static const struct
	{
		size_t		cap;
		bool		ok;
	}			rows[] = {
		{0, false},
		{1, true},
		{2, true},
		{1000, true},
		{TXN_MAX_CAP, true},
		{TXN_MAX_CAP + 1, false},
		{SIZE_MAX, false},
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
	{
		struct txn_table *t = txn_create(rows[i].cap);
		struct txn_stats st;

		CHECKF((t != NULL) == rows[i].ok, "cap %zu", rows[i].cap);
		if (t == NULL)
			continue;
		txn_stats(t, &st);
		CHECKF(st.in_flight == 0 && st.started == 0, "cap %zu", rows[i].cap);
		CHECKF(txn_memory(t) >= rows[i].cap * sizeof(struct txn_entry),
			   "cap %zu", rows[i].cap);
		txn_destroy(t);
	}
	txn_destroy(NULL);
	CHECK(strcmp(txn_strerror(TXN_ERR_FULL),
				 "too many queries in flight") == 0);
	CHECK(strcmp(txn_strerror(TXN_OK), "success") == 0);
	CHECK(strcmp(txn_strerror(-99), "unknown txn error") == 0);
}

static void
test_round_trip(void)
{
	struct txn_table *t = txn_create(8);
	struct netaddr to = testutil_ip4(10, 1, 2, 3, 6881);
	struct txn_entry e = entry(3, 77, to);
	struct txn_entry out;
	struct txn_stats st;
	uint8_t		tid[TXN_TID_LEN];

	e.lookup = 5;
	e.sent_ms = 123;			/* overwritten by txn_begin */
	CHECK(txn_begin(t, &e, 5000, 0xdeadbeef, tid) == 0);
	txn_stats(t, &st);
	CHECK(st.started == 1 && st.in_flight == 1);
	memset(&out, 0xaa, sizeof(out));
	CHECK(txn_complete(t, tid, sizeof(tid), &to, &out) == 1);
	e.sent_ms = 5000;
	CHECK(entry_same(&out, &e));
	txn_stats(t, &st);
	CHECK(st.completed == 1 && st.in_flight == 0 && st.unmatched == 0);
	/* A duplicate reply finds the slot idle. */
	CHECK(txn_complete(t, tid, sizeof(tid), &to, &out) == 0);
	txn_stats(t, &st);
	CHECK(st.unmatched == 1 && st.completed == 1);
	/* out may be NULL. */
	CHECK(txn_begin(t, &e, 6000, 1, tid) == 0);
	CHECK(txn_complete(t, tid, sizeof(tid), &to, NULL) == 1);
	txn_destroy(t);
}

/* How a reply differs from the one expected. */
enum forge
{
	F_PORT, F_IP, F_FAMILY, F_RANDOM_BIT, F_SLOT, F_LEN0, F_LEN3, F_LEN5,
	F_NULL_TID, F_NULL_FROM
};

static void
test_refused(void)
{
	static const struct
	{
		enum forge	how;
		int			arg;		/* which random bit, or slot offset */
		const char *what;
	}			rows[] = {
		{F_PORT, 0, "other port"},
		{F_IP, 0, "other ip"},
		{F_FAMILY, 0, "same bytes as IPv6"},
		{F_RANDOM_BIT, 0, "lowest random bit flipped"},
		{F_RANDOM_BIT, 5, "random bit 5 flipped"},
		{F_RANDOM_BIT, 21, "highest random bit flipped"},
		{F_SLOT, 1, "next slot (idle)"},
		{F_SLOT, 3, "slot beyond cap"},
		{F_LEN0, 0, "empty tid"},
		{F_LEN3, 0, "3-byte tid"},
		{F_LEN5, 0, "5-byte tid"},
		{F_NULL_TID, 0, "NULL tid"},
		{F_NULL_FROM, 0, "NULL source"},
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
	{
		/* cap 3: two slot bits, slot 3 does not exist; 30 random bits */
		struct txn_table *t = txn_create(3);
		struct netaddr to = testutil_ip4(192, 0, 2, 7, 51413);
		struct netaddr from = to;
		struct txn_entry e = entry(1, 2, to);
		struct txn_entry out;
		struct txn_stats st;
		uint8_t		tid[TXN_TID_LEN];
		uint8_t		bad[TXN_TID_LEN + 1];
		const uint8_t *p = bad;
		size_t		len = TXN_TID_LEN;
		const struct netaddr *fromp = &from;
		uint32_t	v;

		CHECK(txn_begin(t, &e, 100, 0x12345678, tid) == 0);
		v = tid_value(tid);
		switch (rows[i].how)
		{
			case F_PORT:
				from.port++;
				break;
			case F_IP:
				from.ip[3]++;
				break;
			case F_FAMILY:
				from.family = AF_INET6;
				break;
			case F_RANDOM_BIT:
				v ^= (uint32_t) 1 << (2 + rows[i].arg);
				break;
			case F_SLOT:
				v = (v & ~(uint32_t) 3) | ((v + (uint32_t) rows[i].arg) & 3);
				break;
			case F_LEN0:
				len = 0;
				break;
			case F_LEN3:
				len = 3;
				break;
			case F_LEN5:
				len = 5;
				break;
			case F_NULL_TID:
				p = NULL;
				len = 0;
				break;
			case F_NULL_FROM:
				fromp = NULL;
				break;
		}
		bad[0] = (uint8_t) (v >> 24);
		bad[1] = (uint8_t) (v >> 16);
		bad[2] = (uint8_t) (v >> 8);
		bad[3] = (uint8_t) v;
		bad[4] = 0;
		CHECKF(txn_complete(t, p, len, fromp, &out) == 0, "%s", rows[i].what);
		txn_stats(t, &st);
		CHECKF(st.unmatched == 1 && st.in_flight == 1 && st.completed == 0,
			   "%s", rows[i].what);
		/* The real reply still matches afterwards. */
		CHECKF(txn_complete(t, tid, sizeof(tid), &to, &out) == 1,
			   "%s", rows[i].what);
		txn_destroy(t);
	}
}

static void
test_full(void)
{
	struct txn_table *t = txn_create(4);
	struct netaddr to = testutil_ip4(10, 0, 0, 1, 1);
	struct txn_entry e = entry(1, 0, to);
	struct txn_stats st;
	uint8_t		tids[5][TXN_TID_LEN];

	for (int i = 0; i < 4; i++)
		CHECKF(txn_begin(t, &e, 10, (uint32_t) i, tids[i]) == 0, "begin %d", i);
	CHECK(txn_begin(t, &e, 10, 9, tids[4]) == TXN_ERR_FULL);
	CHECK(txn_begin(t, &e, 10, 9, tids[4]) == -1);
	txn_stats(t, &st);
	CHECK(st.full == 2 && st.started == 4 && st.in_flight == 4);
	CHECK(txn_complete(t, tids[2], TXN_TID_LEN, &to, NULL) == 1);
	CHECK(txn_begin(t, &e, 11, 9, tids[4]) == 0);
	/* The freed slot (2) was the only idle one. */
	CHECK((tid_value(tids[4]) & 3) == 2);
	CHECK(txn_begin(t, &e, 12, 9, tids[4]) == TXN_ERR_FULL);
	txn_stats(t, &st);
	CHECK(st.full == 3 && st.started == 5 && st.in_flight == 4);
	txn_destroy(t);
}

static void
test_expiry(void)
{
	/*
	 * Sent at 1000 (id 0), 1001 (id 1), 1001 (id 2), 1005 (id 3); id 2 is
	 * answered; timeout 100.  Each row: now, expected rc, expected id.
	 */
	static const struct
	{
		uint64_t	now;
		int			rc;
		uint32_t	id;
	}			rows[] = {
		{0, 0, 0},				/* clock before any send */
		{999, 0, 0},
		{1099, 0, 0},			/* 1 ms early */
		{1100, 1, 0},			/* exactly at the timeout */
		{1100, 0, 0},			/* id 1 sent 1 ms later: not yet */
		{1101, 1, 1},
		{1101, 0, 0},			/* id 2 was answered: skipped */
		{1104, 0, 0},
		{1105, 1, 3},
		{1105, 0, 0},
		{999999, 0, 0},			/* empty */
	};
	struct txn_table *t = txn_create(8);
	struct netaddr to = testutil_ip4(10, 0, 0, 1, 1);
	uint8_t		tid[TXN_TID_LEN];
	uint8_t		tid2[TXN_TID_LEN];
	struct txn_entry e;
	struct txn_stats st;
	uint64_t	oldest;
	static const uint64_t sent[4] = {1000, 1001, 1001, 1005};

	for (uint32_t id = 0; id < 4; id++)
	{
		e = entry(1, id, to);
		CHECK(txn_begin(t, &e, sent[id], id * 7919u,
						id == 2 ? tid2 : tid) == 0);
	}
	CHECK(txn_complete(t, tid2, TXN_TID_LEN, &to, NULL) == 1);
	CHECK(txn_oldest(t, &oldest) == 1 && oldest == 1000);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
	{
		struct txn_entry out;
		int			rc;

		memset(&out, 0, sizeof(out));
		rc = txn_expire(t, rows[i].now, 100, &out);
		CHECKF(rc == rows[i].rc, "row %zu: now %llu rc %d", i,
			   (unsigned long long) rows[i].now, rc);
		if (rc == 1)
			CHECKF(out.identity == rows[i].id &&
				   out.sent_ms == sent[out.identity],
				   "row %zu: id %u", i, out.identity);
	}
	txn_stats(t, &st);
	CHECK(st.timed_out == 3 && st.completed == 1 && st.in_flight == 0);
	CHECK(txn_oldest(t, &oldest) == 0);
	/* A reply after expiry is unmatched (id 3 was the last begun). */
	CHECK(txn_complete(t, tid, TXN_TID_LEN, &to, NULL) == 0);
	/* Timeout 0: due immediately; out may be NULL. */
	e = entry(1, 9, to);
	CHECK(txn_begin(t, &e, 5, 0, tid) == 0);
	CHECK(txn_expire(t, 5, 0, NULL) == 1);
	/* Huge timeout never overflows into "due". */
	CHECK(txn_begin(t, &e, 5, 0, tid) == 0);
	CHECK(txn_expire(t, UINT64_MAX, UINT64_MAX, NULL) == 0);
	CHECK(txn_expire(t, UINT64_MAX, UINT64_MAX - 5, NULL) == 1);
	txn_destroy(t);
}

static void
test_reuse(void)
{
	struct netaddr to = testutil_ip4(10, 0, 0, 1, 1);
	struct txn_entry e = entry(1, 0, to);
	uint8_t		tid[TXN_TID_LEN];
	uint32_t	prev = 0;
	struct txn_table *t = txn_create(1);
	struct txn_stats st;

	/*
	 * One slot, the same rnd every time: each tid still differs from the
	 * previous one, and the old tid no longer matches.
	 */
	for (int i = 0; i < 100; i++)
	{
		uint8_t		old[TXN_TID_LEN];

		CHECKF(txn_begin(t, &e, (uint64_t) i, 42, tid) == 0, "round %d", i);
		if (i > 0)
		{
			CHECKF(tid_value(tid) != prev, "round %d", i);
			old[0] = (uint8_t) (prev >> 24);
			old[1] = (uint8_t) (prev >> 16);
			old[2] = (uint8_t) (prev >> 8);
			old[3] = (uint8_t) prev;
			CHECKF(txn_complete(t, old, TXN_TID_LEN, &to, NULL) == 0,
				   "round %d", i);
		}
		prev = tid_value(tid);
		CHECKF(txn_complete(t, tid, TXN_TID_LEN, &to, NULL) == 1,
			   "round %d", i);
	}
	txn_stats(t, &st);
	CHECK(st.started == 100 && st.completed == 100 && st.unmatched == 99);
	txn_destroy(t);

	/* Idle slots are reused oldest-freed first. */
	t = txn_create(4);
	{
		uint8_t		tids[4][TXN_TID_LEN];
		static const uint32_t free_order[4] = {2, 0, 3, 1};

		for (int i = 0; i < 4; i++)
		{
			CHECK(txn_begin(t, &e, 1, 0, tids[i]) == 0);
			CHECKF((tid_value(tids[i]) & 3) == (uint32_t) i, "slot %d", i);
		}
		for (int i = 0; i < 4; i++)
			CHECK(txn_complete(t, tids[free_order[i]], TXN_TID_LEN, &to,
							   NULL) == 1);
		for (int i = 0; i < 4; i++)
		{
			CHECK(txn_begin(t, &e, 2, 0, tid) == 0);
			CHECKF((tid_value(tid) & 3) == free_order[i], "reuse %d", i);
		}
	}
	txn_destroy(t);
}

static void
test_tids(void)
{
	static const size_t caps[] = {1, 2, 3, 1000, 1024, TXN_MAX_CAP};
	struct netaddr to = testutil_ip4(10, 0, 0, 1, 1);
	struct txn_entry e = entry(1, 0, to);

	for (size_t c = 0; c < sizeof(caps) / sizeof(caps[0]); c++)
	{
		struct txn_table *t = txn_create(caps[c]);
		uint64_t	rng = 7 + c;
		uint32_t	prev = 0;
		unsigned	bits = 0;
		int			bad_slot = 0,
					same = 0,
					bad_rnd = 0;

		while (((size_t) 1 << bits) < caps[c])
			bits++;
		for (int i = 0; i < 20000; i++)
		{
			uint8_t		tid[TXN_TID_LEN];
			uint32_t	rnd = (uint32_t) testutil_splitmix(&rng);
			uint32_t	v,
						want;

			/* every other round a constant rnd, to exercise the flip */
			if (i % 2)
				rnd = 0;
			if (txn_begin(t, &e, (uint64_t) i, rnd, tid) != 0)
				break;
			v = tid_value(tid);
			want = (uint32_t) ((uint64_t) rnd << bits);
			if ((size_t) (v & (uint32_t) (((uint64_t) 1 << bits) - 1)) >=
				caps[c])
				bad_slot++;
			if ((v >> bits << bits) != want &&
				(v >> bits << bits) != (want ^ ((uint32_t) 1 << bits)))
				bad_rnd++;
			if (i > 0 && v == prev)
				same++;
			prev = v;
			/* keep a few in flight so slots rotate */
			if (i % 3 == 0 || caps[c] < 4)
				(void) txn_complete(t, tid, TXN_TID_LEN, &to, NULL);
			while (txn_expire(t, (uint64_t) i, 50, NULL) == 1)
				;
		}
		CHECKF(bad_slot == 0, "cap %zu: %d tids name no slot", caps[c],
			   bad_slot);
		CHECKF(bad_rnd == 0, "cap %zu: %d tids lost rnd bits", caps[c],
			   bad_rnd);
		CHECKF(same == 0, "cap %zu: %d consecutive equal tids", caps[c], same);
		txn_destroy(t);
	}
}

/* ---------------------------------------------------------------------- */
/* Randomized run against a reference model */

#define MODEL_CAP 16

struct model_txn
{
	uint8_t		tid[TXN_TID_LEN];
	struct txn_entry e;
};

struct model
{
	struct model_txn live[MODEL_CAP];	/* begin order */
	size_t		n;
	struct txn_stats st;
};

static void
model_remove(struct model *m, size_t i)
{
	memmove(&m->live[i], &m->live[i + 1], (m->n - i - 1) * sizeof(m->live[0]));
	m->n--;
}

static void
test_model(void)
{
	struct txn_table *t = txn_create(MODEL_CAP);
	struct model m;
	uint64_t	rng = 20240601;
	uint64_t	now = 1000;
	const uint64_t timeout = 40;
	size_t		heap;
	int			mismatches = 0;

	memset(&m, 0, sizeof(m));
	heap = HEAP_BYTES();
	for (int step = 0; step < 200000; step++)
	{
		uint64_t	r = testutil_splitmix(&rng);
		unsigned	op = (unsigned) (r % 10);
		struct txn_entry out;
		struct txn_stats st;

		now += (r >> 8) % 3;	/* non-decreasing, often equal */
		if (op < 4)
		{
			struct netaddr to = testutil_ip4(10, 0, (uint8_t) (r >> 16),
									  (uint8_t) (r >> 24), 6881);
			struct txn_entry e = entry((uint8_t) (r >> 32),
									   (uint32_t) step, to);
			uint8_t		tid[TXN_TID_LEN];
			int			rc = txn_begin(t, &e, now, (uint32_t) (r >> 20),
									   tid);

			if (m.n == MODEL_CAP)
			{
				m.st.full++;
				mismatches += rc != TXN_ERR_FULL;
			}
			else
			{
				mismatches += rc != 0;
				e.sent_ms = now;
				m.live[m.n].e = e;
				memcpy(m.live[m.n].tid, tid, TXN_TID_LEN);
				m.n++;
				m.st.started++;
			}
		}
		else if (op < 8 && m.n > 0)
		{
			size_t		i = (size_t) ((r >> 12) % m.n);
			struct netaddr from = m.live[i].e.to;
			uint8_t		tid[TXN_TID_LEN];
			unsigned	forge = (unsigned) ((r >> 40) % 4);
			size_t		j;
			int			rc;

			memcpy(tid, m.live[i].tid, TXN_TID_LEN);
			if (forge == 1)
				from.port ^= 1;
			else if (forge == 2)
				tid[(r >> 44) % 4] ^= (uint8_t) (1 << ((r >> 48) % 8));
			/* The model's rule: some live entry has this tid and address. */
			for (j = 0; j < m.n; j++)
				if (memcmp(m.live[j].tid, tid, TXN_TID_LEN) == 0 &&
					netaddr_equal(&m.live[j].e.to, &from))
					break;
			rc = txn_complete(t, tid, TXN_TID_LEN, &from, &out);
			mismatches += rc != (j < m.n);
			if (j < m.n)
			{
				mismatches += rc == 1 && !entry_same(&out, &m.live[j].e);
				model_remove(&m, j);
				m.st.completed++;
			}
			else
				m.st.unmatched++;
		}
		else
		{
			int			want = m.n > 0 &&
				now - m.live[0].e.sent_ms >= timeout;
			int			rc = txn_expire(t, now, timeout, &out);

			mismatches += rc != want;
			if (want && rc == 1)
			{
				mismatches += !entry_same(&out, &m.live[0].e);
				model_remove(&m, 0);
				m.st.timed_out++;
			}
		}
		txn_stats(t, &st);
		m.st.in_flight = m.n;
		if (memcmp(&st, &m.st, sizeof(st)) != 0)
			mismatches++;
		if (mismatches > 0)
		{
			CHECKF(mismatches == 0, "step %d diverged from the model", step);
			break;
		}
	}
	CHECK(mismatches == 0);
	CHECK(m.st.started > 10000 && m.st.completed > 10000 &&
		  m.st.timed_out > 1000 && m.st.full > 100 && m.st.unmatched > 1000);
	CHECKF(HEAP_BYTES() == heap, "heap grew from %zu to %zu", heap,
		   (size_t) HEAP_BYTES());
	txn_destroy(t);
}

int
main(void)
{
	test_create();
	test_round_trip();
	test_refused();
	test_full();
	test_expiry();
	test_reuse();
	test_tids();
	test_model();
	return unit_summary("txn");
}
