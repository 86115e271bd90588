/*
 * fuzz_addrlist.c
 *		libFuzzer target: the three addrlist parsers on one NUL-terminated
 *		input.
 *
 * Aborts when an invariant breaks: counts within the cap, ranges valid,
 * disjoint and summing to total_ports, formatted addresses parsing back,
 * and every failure explained by a whole sentence.
 */
#include "addrlist.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static void
check_err(int rc, const char *err)
{
	size_t		len = strlen(err);

	if (rc == ADDRLIST_OK)
		return;
	if (len < 2 || len + 1 >= ADDRLIST_ERR_BUF ||
		!isupper((unsigned char) err[0]) || err[len - 1] != '.')
		abort();
}

static void
check_ports(const char *s, size_t cap)
{
	struct port_range r[ADDRLIST_MAX_RANGES];
	char		err[ADDRLIST_ERR_BUF] = "";
	size_t		n,
				total,
				sum = 0,
				i,
				j;
	int			rc;

	rc = addrlist_parse_ports(s, r, cap, &n, &total, err, sizeof(err));
	check_err(rc, err);
	if (n > cap || (rc == ADDRLIST_OK) != (n > 0))
		abort();
	for (i = 0; i < n; i++)
	{
		if (r[i].first < 1 || r[i].first > r[i].last)
			abort();
		for (j = 0; j < i; j++)
			if (r[i].first <= r[j].last && r[j].first <= r[i].last)
				abort();
		sum += (size_t) (r[i].last - r[i].first) + 1;
	}
	if (sum != total || total > ADDRLIST_MAX_PORTS ||
		(n > 0 && addrlist_port_at(r, n, total - 1) != r[n - 1].last) ||
		addrlist_port_at(r, n, total) != 0)
		abort();
}

static void
check_addresses(const char *s, size_t cap)
{
	struct addrlist_addr a[ADDRLIST_MAX_ADDRESSES];
	struct addrlist_hostport hp;
	char		err[ADDRLIST_ERR_BUF] = "";
	char		text[80];
	size_t		n,
				m,
				i;
	int			rc = addrlist_parse_addresses(s, a, cap, &n, err, sizeof(err));

	check_err(rc, err);
	if (n > cap || (rc == ADDRLIST_OK) != (n > 0))
		abort();
	for (i = 0; i < n; i++)
	{
		if (a[i].family != AF_INET && a[i].family != AF_INET6)
			abort();
		addrlist_format(&a[i], 6881, text, sizeof(text));
		rc = addrlist_parse_hostports(text, &hp, 1, &m, err, sizeof(err));
		if (rc != ADDRLIST_OK || m != 1 || hp.port != 6881)
			abort();
	}
}

static void
check_hostports(const char *s, size_t cap)
{
	struct addrlist_hostport h[ADDRLIST_MAX_HOSTPORTS];
	char		err[ADDRLIST_ERR_BUF] = "";
	size_t		n,
				i;
	int			rc = addrlist_parse_hostports(s, h, cap, &n, err, sizeof(err));

	check_err(rc, err);
	if (n > cap || (rc != ADDRLIST_OK && n != 0))
		abort();
	for (i = 0; i < n; i++)
		if (h[i].port == 0 || h[i].host[0] == '\0' ||
			strnlen(h[i].host, sizeof(h[i].host)) > ADDRLIST_HOST_MAX)
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	   *s = malloc(size + 1);
	size_t		small = size % 4;	/* also exercise caps below the maxima */

	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	check_ports(s, ADDRLIST_MAX_RANGES);
	check_ports(s, small);
	check_addresses(s, ADDRLIST_MAX_ADDRESSES);
	check_addresses(s, small);
	check_hostports(s, ADDRLIST_MAX_HOSTPORTS);
	check_hostports(s, small);
	free(s);
	return 0;
}
