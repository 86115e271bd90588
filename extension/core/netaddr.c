/*
 * netaddr.c
 *		Endpoint encodings and comparisons (see netaddr.h).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "netaddr.h"

size_t
netaddr_iplen(const struct netaddr *a)
{
	if (a->family == AF_INET)
		return 4;
	if (a->family == AF_INET6)
		return 16;
	return 0;
}

int
netaddr_from_compact(const uint8_t *p, size_t len, struct netaddr *out)
{
	size_t		iplen;

	memset(out, 0, sizeof(*out));
	if (len == NETADDR_COMPACT4)
		out->family = AF_INET;
	else if (len == NETADDR_COMPACT6)
		out->family = AF_INET6;
	else
		return -1;
	iplen = len - 2;
	memcpy(out->ip, p, iplen);
	out->port = (uint16_t) ((p[iplen] << 8) | p[iplen + 1]);
	return 0;
}

size_t
netaddr_to_compact(const struct netaddr *a, uint8_t *out)
{
	size_t		iplen = netaddr_iplen(a);

	memcpy(out, a->ip, iplen);
	out[iplen] = (uint8_t) (a->port >> 8);
	out[iplen + 1] = (uint8_t) a->port;
	return iplen + 2;
}

int
netaddr_from_sockaddr(const struct sockaddr *sa, struct netaddr *out)
{
	memset(out, 0, sizeof(*out));
	if (sa->sa_family == AF_INET)
	{
		const struct sockaddr_in *sin = (const struct sockaddr_in *) (const void *) sa;

		memcpy(out->ip, &sin->sin_addr, 4);
		out->port = ntohs(sin->sin_port);
	}
	else if (sa->sa_family == AF_INET6)
	{
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *) (const void *) sa;

		memcpy(out->ip, &sin6->sin6_addr, 16);
		out->port = ntohs(sin6->sin6_port);
	}
	else
		return -1;
	out->family = sa->sa_family;
	return 0;
}

socklen_t
netaddr_to_sockaddr(const struct netaddr *a, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == AF_INET)
	{
		struct sockaddr_in *sin = (struct sockaddr_in *) (void *) ss;

		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, a->ip, 4);
		sin->sin_port = htons(a->port);
		return sizeof(*sin);
	}
	else
	{
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *) (void *) ss;

		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, a->ip, 16);
		sin6->sin6_port = htons(a->port);
		return sizeof(*sin6);
	}
}

int
netaddr_same_ip(const struct netaddr *a, const struct netaddr *b)
{
	return a->family == b->family &&
		memcmp(a->ip, b->ip, netaddr_iplen(a)) == 0;
}

int
netaddr_equal(const struct netaddr *a, const struct netaddr *b)
{
	return netaddr_same_ip(a, b) && a->port == b->port;
}

uint64_t
netaddr_hash_ip(const struct netaddr *a, uint64_t seed)
{
	/* FNV-1a over family and address, then a 64-bit finalizer (splitmix). */
	uint64_t	h = 1469598103934665603ULL ^ seed;
	size_t		i,
				n = netaddr_iplen(a);

	h = (h ^ (uint64_t) a->family) * 1099511628211ULL;
	for (i = 0; i < n; i++)
		h = (h ^ a->ip[i]) * 1099511628211ULL;
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebULL;
	return h ^ (h >> 31);
}

const char *
netaddr_format(const struct netaddr *a, char *buf, size_t buflen)
{
	char		ip[INET6_ADDRSTRLEN];

	if (inet_ntop(a->family, a->ip, ip, sizeof(ip)) == NULL)
		snprintf(buf, buflen, "?:%u", (unsigned) a->port);
	else if (a->family == AF_INET6)
		snprintf(buf, buflen, "[%s]:%u", ip, (unsigned) a->port);
	else
		snprintf(buf, buflen, "%s:%u", ip, (unsigned) a->port);
	return buf;
}

const uint8_t *
netaddr_mapped_v4(const uint8_t *ip6)
{
	static const uint8_t prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0xff, 0xff};

	if (memcmp(ip6, prefix, sizeof(prefix)) != 0)
		return NULL;
	return ip6 + sizeof(prefix);
}

int
netaddr_unmap(const struct netaddr *a, struct netaddr *out)
{
	struct netaddr r;
	const uint8_t *v4 = NULL;

	memset(&r, 0, sizeof(r));
	if (a->family == AF_INET6)
		v4 = netaddr_mapped_v4(a->ip);
	if (v4 != NULL)
	{
		r.family = AF_INET;
		memcpy(r.ip, v4, 4);
	}
	else
	{
		r.family = a->family;
		memcpy(r.ip, a->ip, netaddr_iplen(a));
	}
	r.port = a->port;
	*out = r;
	return v4 != NULL;
}
