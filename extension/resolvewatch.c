/*-------------------------------------------------------------------------
 *
 * resolvewatch.c
 *	  Follows resolve() requests through the pipeline (see resolvewatch.h).
 *
 * A request's life, as resolve_status() shows it:
 *   queued        resolve() put it in the ring; the worker takes it, finds
 *                 it indexed (already_known), blocklisted (blocklisted) or
 *                 neither, and then hands it to the resolver (it stays
 *                 queued until the resolver's first job for it, and while
 *                 crawling is paused or stopped)
 *   fetching      a DHT lookup for peers or a metadata fetch started
 *                 (lookups, attempts); a failed fetch sets last_error and
 *                 the resolver tries the next peer or looks up more
 *   stored        the metadata was verified and the store committed it
 *   failed        the resolver gave up (last_error: the last fetch's
 *                 outcome, or no_peers when no peer was ever found), or
 *                 queue_full, check_failed, store_failed
 * The resolver gives up without telling anyone (at the end of a lookup
 * wait), so sweep() checks the followed hashes about once a second.
 *
 * The followed list is a plain array searched linearly: it holds only
 * resolve() requests in progress (a handful; at most
 * DHT_RESOLVE_STATUS_SIZE, beyond which the oldest is no longer followed),
 * and every call returns at once when it is empty.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "resolvewatch.h"

typedef struct Followed
{
	uint8		hash[DHT_HASH_LEN];
	bool		fetched;		/* verified; waits for the store's commit */
	int			last_error;		/* DHT_RERR_NONE or a fetch outcome */
	uint64		seq;			/* order of following: the oldest goes first */
} Followed;

static Followed followed[DHT_RESOLVE_STATUS_SIZE];
static int	nfollowed = 0;
static uint64 next_seq = 0;

/* Index of the request followed longest (nfollowed > 0). */
static int
oldest_followed(void)
{
	int			i,
				oldest = 0;

	for (i = 1; i < nfollowed; i++)
		if (followed[i].seq < followed[oldest].seq)
			oldest = i;
	return oldest;
}

static int
find_followed(const uint8 *hash)
{
	int			i;

	for (i = 0; i < nfollowed; i++)
		if (memcmp(followed[i].hash, hash, DHT_HASH_LEN) == 0)
			return i;
	return -1;
}

static void
unfollow(int i)
{
	followed[i] = followed[--nfollowed];
}

void
resolvewatch_finished(const uint8 *hash, DhtResolveState state, int error)
{
	int			i = find_followed(hash);

	if (i >= 0)
		unfollow(i);
	dht_resolve_status_update(hash, state, error, 0, 0);
}

void
resolvewatch_waiting(const uint8 *hash)
{
	int			i = find_followed(hash);

	if (i >= 0)
		unfollow(i);
	dht_resolve_status_update(hash, DHT_RS_QUEUED, -1, 0, 0);
}

void
resolvewatch_follow(const uint8 *hash)
{
	Followed   *f;

	if (find_followed(hash) >= 0)
		return;					/* requested again while being resolved */
	if (nfollowed == DHT_RESOLVE_STATUS_SIZE)
		unfollow(oldest_followed());	/* its entry has long been reused */
	f = &followed[nfollowed++];
	f->seq = next_seq++;
	memcpy(f->hash, hash, DHT_HASH_LEN);
	f->fetched = false;
	f->last_error = DHT_RERR_NONE;
	dht_resolve_status_update(hash, DHT_RS_QUEUED, -1, 0, 0);
}

void
resolvewatch_job(const struct resolver_job *job)
{
	bool		fetch = job->kind == RESOLVER_JOB_FETCH;

	if (nfollowed == 0 || find_followed(job->hash) < 0)
		return;
	dht_resolve_status_update(job->hash, DHT_RS_FETCHING, -1,
							  fetch ? 1 : 0, fetch ? 0 : 1);
}

void
resolvewatch_fetch_done(const uint8 *hash, enum resolver_outcome outcome,
						bool still_queued)
{
	int			i;

	if (nfollowed == 0 || (i = find_followed(hash)) < 0)
		return;
	if (outcome == RESOLVER_OK)
	{
		followed[i].fetched = true;
		dht_resolve_status_update(hash, DHT_RS_FETCHED, -1, 0, 0);
		return;
	}
	followed[i].last_error = (int) outcome;
	if (still_queued)
		dht_resolve_status_update(hash, -1, (int) outcome, 0, 0);
	else
	{
		unfollow(i);
		dht_resolve_status_update(hash, DHT_RS_FAILED, (int) outcome, 0, 0);
	}
}

void
resolvewatch_sweep(bool (*has) (const uint8 *hash))
{
	int			i = 0;

	while (i < nfollowed)
	{
		Followed   *f = &followed[i];
		int			error;

		if (f->fetched || has(f->hash))
		{
			i++;
			continue;
		}
		error = f->last_error != DHT_RERR_NONE ? f->last_error : DHT_RERR_NO_PEERS;
		dht_resolve_status_update(f->hash, DHT_RS_FAILED, error, 0, 0);
		unfollow(i);			/* moves the last one here: look again */
	}
}

void
resolvewatch_store_done(bool committed)
{
	int			i = 0;

	while (i < nfollowed)
	{
		Followed   *f = &followed[i];

		if (!f->fetched)
		{
			i++;
			continue;
		}
		if (committed)
			dht_resolve_status_update(f->hash, DHT_RS_STORED, -1, 0, 0);
		else
			dht_resolve_status_update(f->hash, DHT_RS_FAILED,
									  DHT_RERR_STORE_FAILED, 0, 0);
		unfollow(i);
	}
}

void
resolvewatch_stop(void)
{
	int			i = 0;

	while (i < nfollowed)
	{
		if (followed[i].fetched)
		{
			i++;
			continue;
		}
		dht_resolve_status_update(followed[i].hash, DHT_RS_QUEUED, -1, 0, 0);
		unfollow(i);
	}
}

int
resolvewatch_resume(uint8 (*hashes)[DHT_HASH_LEN], int max)
{
	return dht_resolve_status_list(DHT_RS_QUEUED, hashes, max);
}
