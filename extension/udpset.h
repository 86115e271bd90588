/*-------------------------------------------------------------------------
 *
 * udpset.h
 *	  The worker's UDP sockets: one per listen address x port.
 *
 * Opens, reconciles (after a reload) and closes the socket set, registers
 * each socket with the event loop, reads datagrams in batches with
 * recvmmsg and hands them to one callback, and sends with accounting.
 * Sockets count against PostgreSQL's external fd budget.
 *
 *-------------------------------------------------------------------------
 */
#ifndef DHT_UDPSET_H
#define DHT_UDPSET_H

#include <sys/socket.h>

#include "addrlist.h"
#include "evloop.h"
#include "guc.h"

/* Largest datagram we read; larger ones are truncated and dropped. */
#define UDPSET_MAX_DATAGRAM 2048

typedef struct UdpSocket
{
	int			fd;
	struct addrlist_addr addr;
	uint16		port;
} UdpSocket;

/* Called for every datagram received. */
typedef void (*udpset_datagram_fn) (const UdpSocket *sock,
									const struct sockaddr *from,
									socklen_t fromlen,
									const uint8 *data, size_t len);

/* Called after a socket is opened and before it is closed. */
typedef void (*udpset_socket_fn) (const UdpSocket *sock);

extern void udpset_init(struct evloop *loop, udpset_datagram_fn on_datagram,
						udpset_socket_fn on_open, udpset_socket_fn on_close);
/* Make the open set equal listen addresses x ports (close extra, open missing). */
extern void udpset_reconcile(const DhtAddressList *addrs, const DhtPortList *ports);
extern void udpset_close_all(void);
extern int	udpset_count(void);
/* First open socket of the family (AF_INET/AF_INET6), or NULL. */
/* Send one datagram from socket fd; counts packets/bytes out or a send error. */
extern bool udpset_send_fd(int fd, const struct sockaddr *to,
						   socklen_t tolen, const uint8 *data, size_t len);

#endif							/* DHT_UDPSET_H */
