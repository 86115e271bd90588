/*
 * swarm_walk.c
 *		The swarm's timers: timeouts and the active discovery strategy.
 *
 * Each tick spends a send budget derived from max_send_rate on, in order:
 * nodes learned from replies (the contact queue: each is asked
 * sample_infohashes with a random target, which yields nodes and, from
 * BEP 51 nodes, samples), the BEP 51 walk over known nodes whose interval
 * has passed, pings of questionable nodes, and a find_node refresh toward a
 * random target when the table is thin.  Timeouts mark nodes as failing.
 * It also keeps the external-address vote from replies' "ip" keys and, once
 * a public address has a quorum, gives identities BEP 42-valid ids
 * (the only reason an identity's id ever changes).
 */
#include <string.h>
#include <sys/socket.h>

#include "nodeid.h"
#include "swarm_int.h"

/* Tick period while there is work, and when idle. */
#define WALK_TICK_MS 50
#define WALK_IDLE_MS 1000
/* Pings of questionable nodes: at most this often per node. */
#define PING_GAP_MS (5 * 60 * 1000)
/* Refresh with find_node when the table has fewer nodes than this. */
#define REFRESH_BELOW 256
#define REFRESH_EVERY_MS 5000
/* Share of a tick's budget each activity may take at most (percent). */
#define CONTACT_SHARE 50
#define WALK_SHARE 30
#define PING_SHARE 20

/* Queries a tick may send: the global rate over one tick, at least 1. */
static size_t
tick_budget(const struct swarm *sw)
{
	double		b = sw->cfg.max_send_rate * WALK_TICK_MS / 1000.0;

	return b < 1 ? 1 : (size_t) b;
}

static void
random_target(struct swarm *sw, uint8_t target[20])
{
	uint64_t	r[3] = {swarm_random(sw), swarm_random(sw), swarm_random(sw)};

	memcpy(target, r, 20);
}

static int
send_sample_query(struct swarm *sw, const struct netaddr *to, uint64_t now_ms)
{
	struct krpc_query q;
	uint8_t		target[20];

	random_target(sw, target);
	memset(&q, 0, sizeof(q));
	q.method = KRPC_M_SAMPLE_INFOHASHES;
	q.target = target;
	return swarm_send_query(sw, swarm_random_identity(sw, to->family), to, &q,
							SWARM_TXN_NONE, now_ms);
}

static size_t
drain_contacts(struct swarm *sw, size_t budget, uint64_t now_ms)
{
	struct routing_node known;
	size_t		sent = 0;

	while (sent < budget && sw->contact_count > 0)
	{
		struct netaddr to = sw->contacts[sw->contact_head].addr;

		if (!ratelimit_would_pass(sw->rate_out, &to, now_ms))
			break;				/* keep it for a later tick */
		sw->contact_head = (sw->contact_head + 1) % sw->cfg.contact_queue;
		sw->contact_count--;
		/* known nodes are the walk's; listed twice: ask once */
		if (routing_get(sw->rt, &to, &known) ||
			swarm_tried_recently(sw, &to, now_ms, 1))
			continue;
		if (send_sample_query(sw, &to, now_ms) == 0)
			sent++;
	}
	return sent;
}

/* BEP 51 walk over known nodes whose interval has passed. */
static size_t
walk_samples(struct swarm *sw, size_t budget, uint64_t now_ms)
{
	struct routing_node nodes[64];
	size_t		n,
				i,
				sent = 0;

	if (budget > 64)
		budget = 64;
	n = routing_sample_candidates(sw->rt, now_ms, swarm_random(sw), budget, nodes);
	for (i = 0; i < n; i++)
	{
		/* provisional: not again before this reply or its timeout */
		routing_set_sample_info(sw->rt, &nodes[i].addr,
								now_ms + 2 * SWARM_QUERY_TIMEOUT_MS,
								(nodes[i].flags & ROUTING_F_SAMPLES) != 0);
		if (send_sample_query(sw, &nodes[i].addr, now_ms) == 0)
			sent++;
	}
	return sent;
}

static size_t
ping_questionable(struct swarm *sw, size_t budget, uint64_t now_ms)
{
	struct routing_node nodes[64];
	size_t		n,
				i,
				sent = 0;

	if (budget > 64)
		budget = 64;
	n = routing_questionable(sw->rt, now_ms, PING_GAP_MS, budget, nodes);
	for (i = 0; i < n; i++)
	{
		struct krpc_query q;

		memset(&q, 0, sizeof(q));
		q.method = KRPC_M_PING;
		if (swarm_send_query(sw, swarm_random_identity(sw, nodes[i].addr.family),
							 &nodes[i].addr, &q, SWARM_TXN_NONE, now_ms) == 0)
			sent++;
	}
	return sent;
}

/* find_node toward a random target through the closest nodes we know. */
static void
refresh_table(struct swarm *sw, uint64_t now_ms)
{
	struct routing_node nodes[ROUTING_K];
	uint8_t		target[20];
	size_t		n,
				i;

	if (now_ms < sw->next_refresh_ms || routing_count(sw->rt) >= REFRESH_BELOW)
		return;
	sw->next_refresh_ms = now_ms + REFRESH_EVERY_MS;
	random_target(sw, target);
	n = routing_closest(sw->rt, target, AF_INET, 3, nodes);
	for (i = 0; i < n; i++)
	{
		struct krpc_query q;

		memset(&q, 0, sizeof(q));
		q.method = KRPC_M_FIND_NODE;
		q.target = target;
		swarm_send_query(sw, swarm_random_identity(sw, AF_INET), &nodes[i].addr,
						 &q, SWARM_TXN_NONE, now_ms);
	}
}

static void
expire_queries(struct swarm *sw, uint64_t now_ms)
{
	struct txn_entry e;

	while (txn_expire(sw->txn, now_ms, SWARM_QUERY_TIMEOUT_MS, &e))
	{
		sw->st.timeouts++;
		routing_on_timeout(sw->rt, &e.to, now_ms);
		if (e.method == KRPC_M_SAMPLE_INFOHASHES)
			routing_set_sample_info(sw->rt, &e.to, now_ms + SWARM_SAMPLE_BACKOFF_MS, 0);
		if (e.lookup < SWARM_TXN_BOOTSTRAP)
			swarm_lookup_failed(sw, e.lookup, &e.to, now_ms);
	}
}

uint64_t
swarm_tick(struct swarm *sw, uint64_t now_ms)
{
	size_t		budget = tick_budget(sw);
	size_t		sent;

	token_rotate_if_due(&sw->tokens, now_ms);
	expire_queries(sw, now_ms);
	peerstore_expire(sw->peers, now_ms, 256);
	swarm_lookup_step_all(sw, now_ms);
	if (sw->nidentities == 0)
		return now_ms + WALK_IDLE_MS;
	sent = drain_contacts(sw, budget * CONTACT_SHARE / 100 + 1, now_ms);
	sent += walk_samples(sw, budget * WALK_SHARE / 100 + 1, now_ms);
	sent += ping_questionable(sw, budget * PING_SHARE / 100 + 1, now_ms);
	refresh_table(sw, now_ms);
	return now_ms + (sent > 0 || sw->contact_count > 0 ? WALK_TICK_MS : WALK_IDLE_MS);
}

/* Re-issue identity ids for a newly learned public address (BEP 42). */
static void
adopt_external(struct swarm *sw, int family)
{
	const struct swarm_votes *v = family == AF_INET6 ? &sw->votes6 : &sw->votes4;
	size_t		i;

	if (nodeid_bep42_exempt(&v->external))
		return;
	for (i = 0; i < SWARM_MAX_IDENTITIES; i++)
	{
		struct swarm_identity *ident = &sw->identities[i];
		uint8_t		rnd[20];
		uint64_t	r[3];

		if (ident->socket_slot < 0 ||
			sw->sockets[ident->socket_slot].bound.family != family ||
			nodeid_bep42_valid(ident->id, &v->external))
			continue;
		r[0] = swarm_random(sw);
		r[1] = swarm_random(sw);
		r[2] = swarm_random(sw);
		memcpy(rnd, r, 20);
		nodeid_bep42_make(&v->external, rnd[0] & 7, rnd, ident->id);
		ident->bep42 = 1;
	}
}

/*
 * A reply from voter says our address is ip.  Each voter keeps one vote
 * (its latest); ip is believed once SWARM_IP_QUORUM distinct voters agree.
 */
void
swarm_note_external_ip(struct swarm *sw, const struct netaddr *voter,
					   const struct netaddr *ip)
{
	struct swarm_votes *v = ip->family == AF_INET6 ? &sw->votes6 : &sw->votes4;
	struct swarm_vote *slot = NULL;
	size_t		i,
				agree = 0;

	for (i = 0; i < v->n && slot == NULL; i++)
		if (netaddr_same_ip(&v->votes[i].voter, voter))
			slot = &v->votes[i];
	if (slot == NULL)
	{
		slot = &v->votes[v->next];
		v->next = (v->next + 1) % SWARM_IP_VOTES;
		if (v->n < SWARM_IP_VOTES)
			v->n++;
	}
	slot->voter = *voter;
	slot->reported = *ip;
	for (i = 0; i < v->n; i++)
		agree += netaddr_same_ip(&v->votes[i].reported, ip) ? 1 : 0;
	if (agree < SWARM_IP_QUORUM || (v->have && netaddr_same_ip(&v->external, ip)))
		return;
	v->external = *ip;
	v->external.port = 0;
	v->have = 1;
	adopt_external(sw, ip->family);
}
