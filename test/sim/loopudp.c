/*
 * loopudp.c
 *		Batched loopback UDP with per-datagram local addresses (loopudp.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loopudp.h"

int
loopudp_open(uint32_t ip, uint16_t port, int bufsize)
{
	struct sockaddr_in sin;
	int			fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int			on = 1;

	if (fd < 0)
		return -1;
	if (setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof(on)) != 0)
		goto fail;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bufsize, sizeof(bufsize)) != 0)
		(void) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bufsize, sizeof(bufsize));
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &bufsize, sizeof(bufsize)) != 0)
		(void) setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bufsize, sizeof(bufsize));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(ip);
	sin.sin_port = htons(port);
	if (bind(fd, (struct sockaddr *) &sin, sizeof(sin)) != 0)
		goto fail;
	return fd;
fail:
	{
		int			saved = errno;

		close(fd);
		errno = saved;
	}
	return -1;
}

/* Point slot i's header at its own buffers (data, peer, control). */
static void
prepare_slot(struct loopudp_batch *b, size_t i, size_t len)
{
	struct msghdr *h = &b->msgs[i].msg_hdr;

	memset(h, 0, sizeof(*h));
	b->iov[i].iov_base = b->data[i];
	b->iov[i].iov_len = len;
	h->msg_iov = &b->iov[i];
	h->msg_iovlen = 1;
	h->msg_name = &b->peer[i];
	h->msg_namelen = sizeof(b->peer[i]);
	h->msg_control = b->ctl[i].buf;
	h->msg_controllen = sizeof(b->ctl[i].buf);
}

static int
is_loopback(uint32_t ip_host_order)
{
	return (ip_host_order >> 24) == 127;
}

int
loopudp_recv(int fd, struct loopudp_batch *b)
{
	int			n;
	int			i,
				kept = 0;

	for (i = 0; i < LOOPUDP_BATCH; i++)
		prepare_slot(b, (size_t) i, LOOPUDP_DGRAM_MAX);
	n = recvmmsg(fd, b->msgs, LOOPUDP_BATCH, MSG_DONTWAIT, NULL);
	if (n <= 0)
		return 0;
	for (i = 0; i < n; i++)
	{
		if (!is_loopback(ntohl(b->peer[i].sin_addr.s_addr)) ||
			b->peer[i].sin_family != AF_INET)
			continue;
		if (kept != i)
		{
			memcpy(b->data[kept], b->data[i], b->msgs[i].msg_len);
			b->msgs[kept].msg_hdr.msg_flags = b->msgs[i].msg_hdr.msg_flags;
			b->peer[kept] = b->peer[i];
			memcpy(b->ctl[kept].buf, b->ctl[i].buf, sizeof(b->ctl[i].buf));
			b->msgs[kept].msg_hdr.msg_controllen = b->msgs[i].msg_hdr.msg_controllen;
		}
		b->len[kept] = b->msgs[i].msg_len;
		kept++;
	}
	b->n = (size_t) kept;
	return kept;
}

uint32_t
loopudp_local_addr(const struct loopudp_batch *b, size_t i)
{
	const struct msghdr *h = &b->msgs[i].msg_hdr;
	struct cmsghdr *c;

	for (c = CMSG_FIRSTHDR(h); c != NULL;
		 c = CMSG_NXTHDR((struct msghdr *) h, c))
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO)
		{
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			return ntohl(pi.ipi_addr.s_addr);
		}
	return 0;
}

int
loopudp_full(const struct loopudp_batch *b)
{
	return b->n >= LOOPUDP_BATCH;
}

uint8_t *
loopudp_add(struct loopudp_batch *b, uint32_t src,
			const struct sockaddr_in *to, size_t *slot)
{
	size_t		i = b->n++;
	struct msghdr *h = &b->msgs[i].msg_hdr;
	struct cmsghdr *c;
	struct in_pktinfo pi;

	prepare_slot(b, i, 0);
	b->peer[i] = *to;
	memset(&pi, 0, sizeof(pi));
	pi.ipi_spec_dst.s_addr = htonl(src);
	c = CMSG_FIRSTHDR(h);
	c->cmsg_level = IPPROTO_IP;
	c->cmsg_type = IP_PKTINFO;
	c->cmsg_len = CMSG_LEN(sizeof(pi));
	memcpy(CMSG_DATA(c), &pi, sizeof(pi));
	*slot = i;
	return b->data[i];
}

void
loopudp_set_len(struct loopudp_batch *b, size_t slot, size_t len)
{
	if (len == 0 && slot + 1 == b->n)
		b->n--;					/* nothing to send: take the slot back */
	else
		b->iov[slot].iov_len = len;
}

/* Exit unless every queued datagram goes from and to 127/8. */
static void
check_loopback_only(const struct loopudp_batch *b)
{
	size_t		i;

	for (i = 0; i < b->n; i++)
	{
		struct in_pktinfo pi;

		memcpy(&pi, CMSG_DATA(CMSG_FIRSTHDR(&b->msgs[i].msg_hdr)), sizeof(pi));
		if (!is_loopback(ntohl(b->peer[i].sin_addr.s_addr)) ||
			!is_loopback(ntohl(pi.ipi_spec_dst.s_addr)))
		{
			fprintf(stderr, "loopudp: refusing to send outside 127.0.0.0/8\n");
			exit(3);
		}
	}
}

size_t
loopudp_send(int fd, struct loopudp_batch *b)
{
	size_t		done = 0,
				sent = 0;

	check_loopback_only(b);
	while (done < b->n)
	{
		int			n = sendmmsg(fd, b->msgs + done, (unsigned) (b->n - done), 0);

		if (n <= 0)
		{
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0 && errno != EAGAIN)
				done++;			/* skip a datagram the kernel refuses */
			else
				break;
			continue;
		}
		done += (size_t) n;
		sent += (size_t) n;
	}
	b->n = 0;
	return sent;
}
