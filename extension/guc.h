/*-------------------------------------------------------------------------
 *
 * guc.h
 *	  The dht_indexer.* configuration parameters.
 *
 * List-valued parameters (ports, listen_addresses, bootstrap_nodes) are
 * parsed once, in their check hooks, into malloc'd "extra" structs; readers
 * use the parsed forms below, never the strings.
 *
 *-------------------------------------------------------------------------
 */
#ifndef DHT_GUC_H
#define DHT_GUC_H

#include "addrlist.h"

/* Parsed dht_indexer.ports */
typedef struct DhtPortList
{
	size_t		nranges;
	size_t		nports;
	struct port_range ranges[ADDRLIST_MAX_RANGES];
} DhtPortList;

/* Parsed dht_indexer.listen_addresses */
typedef struct DhtAddressList
{
	size_t		naddrs;
	struct addrlist_addr addrs[ADDRLIST_MAX_ADDRESSES];
} DhtAddressList;

/* Parsed dht_indexer.bootstrap_nodes */
typedef struct DhtHostPortList
{
	size_t		n;
	struct addrlist_hostport entries[ADDRLIST_MAX_HOSTPORTS];
} DhtHostPortList;

extern char *dht_database;
extern bool dht_enabled;
extern int	dht_nodes_per_port;
extern bool dht_allow_private_addresses;
extern int	dht_max_nodes;
extern int	dht_max_fetches;
extern int	dht_fetch_timeout_ms;
extern int	dht_max_metadata_size_kb;
extern int	dht_send_rate_per_ip;
extern int	dht_max_send_rate;
extern int	dht_recv_rate_per_ip;
extern int	dht_max_recv_rate;

extern const DhtPortList *dht_ports;
extern const DhtAddressList *dht_listen_addresses;
extern const DhtHostPortList *dht_bootstrap_nodes;

extern void dht_define_gucs(void);

#endif							/* DHT_GUC_H */
