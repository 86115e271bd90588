/*
 * peerserve.h
 *		The simulated peers' BitTorrent side: one TCP listener for every
 *		peer address, serving torrent metadata with BEP 3/10/9, honestly or
 *		according to the peer's misbehaviour.
 *
 * Owns: the listening socket (0.0.0.0:port; the address a connection was
 * made to says which peer it reached), the connections (an epoll instance
 * of its own, which the caller polls as one descriptor), the protocol:
 * handshake (unknown info hashes and torrents the peer does not hold are
 * refused by closing, as clients do), extension handshake (ut_metadata,
 * metadata_size, reqq), ut_metadata data and rejects in 16 KiB pieces,
 * and the misbehaviours of world.h.  Does not own: which peer holds what
 * (world), building info dicts (population).
 *
 * Caps: PEERSERVE_MAX_CONNS connections (further ones closed at accept and
 * counted), PEERSERVE_FRAME_MAX bytes per incoming frame (larger: closed),
 * PEERSERVE_IDLE_MS without input (closed).  An info dict is built on the
 * first request of a connection and freed with it, so memory follows the
 * connections being served, never the population.
 */
#ifndef SIM_PEERSERVE_H
#define SIM_PEERSERVE_H

#include <stdint.h>

#include "world.h"

#define PEERSERVE_MAX_CONNS 4096
/* Clients send small frames: requests, handshakes, bitfields of big torrents */
#define PEERSERVE_FRAME_MAX (256 * 1024)
#define PEERSERVE_IDLE_MS 60000
/* Our ut_metadata id: clients send their requests as "20, 2" */
#define PEERSERVE_UT_METADATA_ID 2

struct peerserve_config
{
	uint16_t	port;
	uint32_t	slow_ms;		/* delay before each reply of a slow peer */
};

struct peerserve_stats
{
	uint64_t	accepted;
	uint64_t	refused;		/* not a peer address, or over the cap */
	uint64_t	unknown_hash;	/* handshake for a torrent the peer lacks */
	uint64_t	requests;		/* ut_metadata requests received */
	uint64_t	pieces;			/* data messages sent */
	uint64_t	rejects;		/* reject messages sent */
	uint64_t	served;			/* connections that got every piece */
	uint64_t	served_wrong;	/* ... of wrong bytes or a lied size */
	uint64_t	dropped;		/* closed mid-piece on purpose */
	uint64_t	idle_closed;
	uint64_t	protocol_errors;	/* bad handshake or frame from client */
	uint64_t	open;			/* connections now */
};

struct peerserve;

/* Listen and set up; NULL with a message */
struct peerserve *peerserve_create(const struct world *w,
								   const struct peerserve_config *cfg);

void		peerserve_destroy(struct peerserve *ps);

/* A descriptor that becomes readable when anything needs attention */
int			peerserve_fd(const struct peerserve *ps);

/* Handle whatever is ready (accepts, input, output) */
void		peerserve_on_ready(struct peerserve *ps, uint64_t now_ms);

/* Send held replies that are due, close idle connections */
void		peerserve_tick(struct peerserve *ps, uint64_t now_ms);

const struct peerserve_stats *peerserve_stats(const struct peerserve *ps);

#endif							/* SIM_PEERSERVE_H */
