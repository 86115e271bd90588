/*
 * udp_echo.c
 *		The floor of the KRPC benchmark: a bare UDP echo server.
 *
 * Sends every datagram back to its sender unchanged, doing nothing else,
 * so its CPU time per datagram is what the kernel charges a single-
 * threaded UDP server for one receive and one send on loopback.  Two
 * modes:
 *   plain  one recvfrom and one sendto per datagram (blocking socket);
 *   mmsg   recvmmsg of up to 64 datagrams, then one sendmmsg of the echoes.
 * The socket keeps the system's default buffer sizes, as the targets do,
 * unless RCVBUF is given (bytes, SO_RCVBUF: what an unprivileged server
 * can ask for, capped by net.core.rmem_max).
 *
 * Usage: udp_echo 127.x.y.z PORT [plain|mmsg] [SECONDS] [RCVBUF]
 * Binds a 127/8 address only (refuses anything else), prints "ECHO ready
 * pid=N", and exits after SECONDS (default 600) or on SIGTERM/SIGINT,
 * printing how many datagrams it echoed.
 */
#include <errno.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define ECHO_BATCH 64
#define ECHO_DGRAM_MAX 2048

static volatile sig_atomic_t stop_requested = 0;
static unsigned long long echoed = 0;

static void
on_signal(int sig)
{
	(void) sig;
	stop_requested = 1;
}

static void
run_plain(int fd)
{
	uint8_t		buf[ECHO_DGRAM_MAX];

	while (!stop_requested)
	{
		struct sockaddr_in from;
		socklen_t	fromlen = sizeof(from);
		ssize_t		n = recvfrom(fd, buf, sizeof(buf), 0,
								 (struct sockaddr *) &from, &fromlen);

		if (n < 0)
			continue;			/* EINTR: check the flag */
		if (sendto(fd, buf, (size_t) n, 0, (struct sockaddr *) &from, fromlen) == n)
			echoed++;
	}
}

static void
run_mmsg(int fd)
{
	static uint8_t bufs[ECHO_BATCH][ECHO_DGRAM_MAX];
	static struct sockaddr_in from[ECHO_BATCH];
	static struct iovec iov[ECHO_BATCH];
	static struct mmsghdr msgs[ECHO_BATCH];

	while (!stop_requested)
	{
		int			i,
					n,
					sent;

		for (i = 0; i < ECHO_BATCH; i++)
		{
			iov[i].iov_base = bufs[i];
			iov[i].iov_len = ECHO_DGRAM_MAX;
			memset(&msgs[i].msg_hdr, 0, sizeof(msgs[i].msg_hdr));
			msgs[i].msg_hdr.msg_iov = &iov[i];
			msgs[i].msg_hdr.msg_iovlen = 1;
			msgs[i].msg_hdr.msg_name = &from[i];
			msgs[i].msg_hdr.msg_namelen = sizeof(from[i]);
		}
		n = recvmmsg(fd, msgs, ECHO_BATCH, MSG_WAITFORONE, NULL);
		if (n <= 0)
			continue;
		for (i = 0; i < n; i++)
			iov[i].iov_len = msgs[i].msg_len;
		sent = sendmmsg(fd, msgs, (unsigned) n, 0);
		if (sent > 0)
			echoed += (unsigned long long) sent;
	}
}

int
main(int argc, char **argv)
{
	struct sigaction sa;
	struct sockaddr_in sin;
	int			fd;
	int			mmsg;
	unsigned	seconds;
	int			rcvbuf;
	socklen_t	optlen = sizeof(rcvbuf);

	if (argc < 3 || argc > 6)
	{
		fprintf(stderr, "usage: udp_echo 127.x.y.z PORT [plain|mmsg] [SECONDS] [RCVBUF]\n");
		return 2;
	}
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t) atoi(argv[2]));
	if (inet_pton(AF_INET, argv[1], &sin.sin_addr) != 1 ||
		((const uint8_t *) &sin.sin_addr)[0] != 127 || sin.sin_port == 0)
	{
		fprintf(stderr, "udp_echo: the address must be in 127.0.0.0/8\n");
		return 2;
	}
	mmsg = argc > 3 && strcmp(argv[3], "mmsg") == 0;
	seconds = argc > 4 ? (unsigned) atoi(argv[4]) : 600;
	rcvbuf = argc > 5 ? atoi(argv[5]) : 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;	/* no SA_RESTART: blocking calls return */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *) &sin, sizeof(sin)) != 0)
	{
		perror("udp_echo: bind");
		return 2;
	}
	if (rcvbuf > 0)
		(void) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	(void) getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, &optlen);
	alarm(seconds);
	printf("ECHO ready pid=%ld mode=%s rcvbuf=%d\n", (long) getpid(),
		   mmsg ? "mmsg" : "plain", rcvbuf);
	fflush(stdout);
	if (mmsg)
		run_mmsg(fd);
	else
		run_plain(fd);
	printf("ECHO done echoed=%llu\n", echoed);
	close(fd);
	return 0;
}
