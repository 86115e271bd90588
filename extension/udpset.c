/*-------------------------------------------------------------------------
 *
 * udpset.c
 *	  Opening, reconciling and reading the worker's UDP sockets.
 *
 * The set is a fixed array sized by the GUC caps (addresses x ports).  A
 * reload computes the wanted set and only touches the difference, so a
 * changed port list rebinds without disturbing sockets that stay.  A
 * socket that cannot be opened (address in use, fd budget exhausted) is
 * logged and counted; the others keep working.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <errno.h>
#include <netinet/in.h>
#include <unistd.h>

#include "storage/fd.h"

#include "shmem.h"
#include "udpset.h"

/* Hard cap on sockets: the GUC caps allow more, the fd budget rarely does. */
#define UDPSET_MAX_SOCKETS 1024
/* Datagrams read per recvmmsg call. */
#define UDPSET_BATCH 32
/*
 * Socket buffers asked for (the kernel caps them at net.core.rmem_max /
 * wmem_max): the default ~200 KB receive buffer holds ~6 ms of traffic at
 * 50,000 datagrams/s, and every datagram it drops is a query we never
 * answer or a reply we never see (bench/README.md).
 */
#define UDPSET_RCVBUF (4 * 1024 * 1024)
#define UDPSET_SNDBUF (1024 * 1024)

static UdpSocket sockets[UDPSET_MAX_SOCKETS];
static int	nsockets = 0;
static struct evloop *event_loop = NULL;
static udpset_datagram_fn datagram_callback = NULL;
static udpset_socket_fn open_callback = NULL;
static udpset_socket_fn close_callback = NULL;

/* recvmmsg buffers, static so that reading never allocates. */
static uint8 rx_buf[UDPSET_BATCH][UDPSET_MAX_DATAGRAM];
static struct sockaddr_storage rx_from[UDPSET_BATCH];
static struct iovec rx_iov[UDPSET_BATCH];
static struct mmsghdr rx_msgs[UDPSET_BATCH];

void
udpset_init(struct evloop *loop, udpset_datagram_fn on_datagram,
			udpset_socket_fn on_open, udpset_socket_fn on_close)
{
	event_loop = loop;
	datagram_callback = on_datagram;
	open_callback = on_open;
	close_callback = on_close;
}

static int
find_socket_by_fd(int fd)
{
	int			i;

	for (i = 0; i < nsockets; i++)
		if (sockets[i].fd == fd)
			return i;
	return -1;
}

/* Read until EAGAIN, in batches; every datagram goes to the callback. */
static void
on_readable(struct evloop *loop, int fd, unsigned events, void *arg)
{
	int			idx = find_socket_by_fd(fd);
	int			i,
				n;

	if (idx < 0)
		return;
	for (;;)
	{
		for (i = 0; i < UDPSET_BATCH; i++)
		{
			rx_iov[i].iov_base = rx_buf[i];
			rx_iov[i].iov_len = UDPSET_MAX_DATAGRAM;
			memset(&rx_msgs[i].msg_hdr, 0, sizeof(struct msghdr));
			rx_msgs[i].msg_hdr.msg_iov = &rx_iov[i];
			rx_msgs[i].msg_hdr.msg_iovlen = 1;
			rx_msgs[i].msg_hdr.msg_name = &rx_from[i];
			rx_msgs[i].msg_hdr.msg_namelen = sizeof(rx_from[i]);
		}
		n = recvmmsg(fd, rx_msgs, UDPSET_BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0)
			break;
		for (i = 0; i < n; i++)
		{
			dht_counter_add(DHT_C_packets_in, 1);
			dht_counter_add(DHT_C_bytes_in, rx_msgs[i].msg_len);
			if (rx_msgs[i].msg_hdr.msg_flags & MSG_TRUNC)
				continue;
			datagram_callback(&sockets[idx],
							  (struct sockaddr *) &rx_from[i],
							  rx_msgs[i].msg_hdr.msg_namelen,
							  rx_buf[i], rx_msgs[i].msg_len);
		}
		if (n < UDPSET_BATCH)
			break;
	}
}

/* Create, configure and bind one socket; -1 (logged) on failure. */
static int
open_socket(const struct addrlist_addr *addr, uint16 port)
{
	struct sockaddr_storage ss;
	socklen_t	sslen;
	char		name[64];
	int			fd;
	int			on = 1;
	int			rcvbuf = UDPSET_RCVBUF;
	int			sndbuf = UDPSET_SNDBUF;

	addrlist_format(addr, port, name, sizeof(name));
	if (!AcquireExternalFD())
	{
		dht_counter_add(DHT_C_fd_refused, 1);
		ereport(LOG,
				(errmsg("dht_indexer: no file descriptor left for UDP socket %s", name),
				 errhint("Raise max_files_per_process or reduce dht_indexer.ports.")));
		return -1;
	}
	fd = socket(addr->family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd >= 0 && addr->family == AF_INET6)
		(void) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
	if (fd >= 0)
	{
		(void) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
		(void) setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	}
	addrlist_addr_to_sockaddr(addr, port, &ss, &sslen);
	if (fd < 0 || bind(fd, (struct sockaddr *) &ss, sslen) != 0)
	{
		int			save_errno = errno;

		if (fd >= 0)
			close(fd);
		ReleaseExternalFD();
		dht_counter_add(DHT_C_socket_errors, 1);
		errno = save_errno;
		ereport(LOG,
				(errmsg("dht_indexer: could not open UDP socket %s: %m", name)));
		return -1;
	}
	return fd;
}

static void
close_socket(int idx)
{
	char		name[64];

	addrlist_format(&sockets[idx].addr, sockets[idx].port, name, sizeof(name));
	close_callback(&sockets[idx]);
	evloop_remove(event_loop, sockets[idx].fd);
	close(sockets[idx].fd);
	ReleaseExternalFD();
	ereport(LOG, (errmsg("dht_indexer: closed UDP socket %s", name)));
	sockets[idx] = sockets[--nsockets];
}

static bool
socket_wanted(const UdpSocket *s, const DhtAddressList *addrs,
			  const DhtPortList *ports)
{
	size_t		a,
				p;

	for (a = 0; a < addrs->naddrs; a++)
	{
		if (addrs->addrs[a].family != s->addr.family ||
			memcmp(addrs->addrs[a].addr, s->addr.addr, 16) != 0)
			continue;
		for (p = 0; p < ports->nports; p++)
			if (addrlist_port_at(ports->ranges, ports->nranges, p) == s->port)
				return true;
	}
	return false;
}

static bool
socket_open(const struct addrlist_addr *addr, uint16 port)
{
	int			i;

	for (i = 0; i < nsockets; i++)
		if (sockets[i].port == port && sockets[i].addr.family == addr->family &&
			memcmp(sockets[i].addr.addr, addr->addr, 16) == 0)
			return true;
	return false;
}

static void
add_socket(const struct addrlist_addr *addr, uint16 port)
{
	char		name[64];
	int			fd;

	if (nsockets >= UDPSET_MAX_SOCKETS)
	{
		dht_counter_add(DHT_C_socket_errors, 1);
		return;
	}
	fd = open_socket(addr, port);
	if (fd < 0)
		return;
	if (evloop_add(event_loop, fd, EVLOOP_READ, on_readable, NULL) != EVLOOP_OK)
	{
		close(fd);
		ReleaseExternalFD();
		dht_counter_add(DHT_C_socket_errors, 1);
		return;
	}
	sockets[nsockets].fd = fd;
	sockets[nsockets].addr = *addr;
	sockets[nsockets].port = port;
	nsockets++;
	addrlist_format(addr, port, name, sizeof(name));
	ereport(LOG, (errmsg("dht_indexer: listening on UDP %s", name)));
	open_callback(&sockets[nsockets - 1]);
}

void
udpset_reconcile(const DhtAddressList *addrs, const DhtPortList *ports)
{
	size_t		a,
				p;
	int			i;

	for (i = nsockets - 1; i >= 0; i--)
		if (!socket_wanted(&sockets[i], addrs, ports))
			close_socket(i);
	for (a = 0; a < addrs->naddrs; a++)
		for (p = 0; p < ports->nports; p++)
		{
			uint16		port = addrlist_port_at(ports->ranges, ports->nranges, p);

			if (!socket_open(&addrs->addrs[a], port))
				add_socket(&addrs->addrs[a], port);
		}
	dht_counter_set(DHT_C_sockets, nsockets);
}

void
udpset_close_all(void)
{
	while (nsockets > 0)
		close_socket(nsockets - 1);
	dht_counter_set(DHT_C_sockets, 0);
}

int
udpset_count(void)
{
	return nsockets;
}

bool
udpset_send_fd(int fd, const struct sockaddr *to, socklen_t tolen,
			   const uint8 *data, size_t len)
{
	ssize_t		n = sendto(fd, data, len, MSG_DONTWAIT, to, tolen);

	if (n < 0 || (size_t) n != len)
	{
		dht_counter_add(DHT_C_send_errors, 1);
		return false;
	}
	dht_counter_add(DHT_C_packets_out, 1);
	dht_counter_add(DHT_C_bytes_out, len);
	return true;
}
