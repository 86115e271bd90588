/*
 * loopudp.h
 *		Batched UDP on loopback for the simulator and the benchmarks: one
 *		socket answers as many 127.x.y.z addresses as it likes.
 *
 * Owns: opening a socket with IP_PKTINFO and large buffers, receiving a
 * batch of datagrams with the local address each one was sent to, and
 * sending a batch, each datagram from a chosen local address.  A socket
 * bound to 0.0.0.0:P receives whatever is sent to any 127/8 address on
 * port P, so thousands of simulated hosts cost one descriptor.
 *
 * Invariant: nothing leaves for, or from, an address outside 127.0.0.0/8:
 * loopudp_send() checks every datagram and exits the program (status 3)
 * rather than send one.  Received datagrams from elsewhere are dropped by
 * loopudp_recv() (impossible on loopback, but cheap to guarantee).
 */
#ifndef SIM_LOOPUDP_H
#define SIM_LOOPUDP_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* Datagrams per recvmmsg / sendmmsg call */
#define LOOPUDP_BATCH 64
/* Bytes per datagram slot: KRPC messages are at most ~1.5 KB */
#define LOOPUDP_DGRAM_MAX 2048

struct loopudp_batch
{
	struct mmsghdr msgs[LOOPUDP_BATCH];
	struct iovec iov[LOOPUDP_BATCH];
	struct sockaddr_in peer[LOOPUDP_BATCH];
	union
	{
		struct cmsghdr align;
		char		buf[CMSG_SPACE(sizeof(struct in_pktinfo))];
	}			ctl[LOOPUDP_BATCH];
	uint8_t		data[LOOPUDP_BATCH][LOOPUDP_DGRAM_MAX];
	size_t		len[LOOPUDP_BATCH];	/* received lengths */
	size_t		n;
};

/*
 * A non-blocking UDP socket bound to ip:port (host order) with IP_PKTINFO
 * and bufsize-byte buffers (forced as root).  -1 with errno on failure.
 */
int			loopudp_open(uint32_t ip, uint16_t port, int bufsize);

/* Receive up to LOOPUDP_BATCH datagrams without waiting; returns the count */
int			loopudp_recv(int fd, struct loopudp_batch *b);

/* Local (destination) address of received datagram i, host order; 0 if unknown */
uint32_t	loopudp_local_addr(const struct loopudp_batch *b, size_t i);

/* True when the batch has no free slot (send it first) */
int			loopudp_full(const struct loopudp_batch *b);

/*
 * Queue a datagram from local address src (host order) to "to"; its bytes
 * are written by the caller into the returned slot (LOOPUDP_DGRAM_MAX
 * bytes) and its length set with loopudp_set_len().
 */
uint8_t    *loopudp_add(struct loopudp_batch *b, uint32_t src,
						const struct sockaddr_in *to, size_t *slot);

/* Length 0 takes the datagram back (it must be the last one queued) */
void		loopudp_set_len(struct loopudp_batch *b, size_t slot, size_t len);

/*
 * Send the queued datagrams and empty the batch; returns how many the
 * kernel took.  Exits the program if one is not 127/8 to 127/8.
 */
size_t		loopudp_send(int fd, struct loopudp_batch *b);

#endif							/* SIM_LOOPUDP_H */
