#!/usr/bin/python3
# bench/lt_dht_target.py
#     python3-libtorrent's DHT node as a target of the KRPC benchmark
#     (bench/run_krpc_bench.sh, bench/README.md).  Run with /usr/bin/python3.
#
# Owns: one libtorrent session with only the DHT on, bound to one 127/8
# address and port, with its DHT rate limits lifted (dht_block_ratelimit,
# dht_upload_rate_limit) and loopback allowed in its routing table
# (dht_restrict_routing_ips, dht_restrict_search_ips,
# dht_ignore_dark_internet off).  It is bootstrapped from --seeds, stored
# as the nodes of its saved DHT state so that they enter the routing table
# when they answer (a dht_bootstrap_nodes "router" never does).  The
# process does nothing else: the alert mask is minimal and the main loop
# sleeps in select(), so its CPU time (all threads, /proc/PID/stat) is
# libtorrent's DHT work.
#
# Protocol: one JSON object per line on stdout.  First {"event": "ready",
# "pid": ..., "listen": "ip:port"} or {"event": "fatal", ...}.  Then one
# answer per command line on stdin:
#   status   {"nodes": N, "replacements": R, "buckets": B, "active": A}
#            (routing table size, from a dht_stats_alert)
#   walk N   start get_peers lookups: one toward each of the 32 bucket
#            ranges nearest our node id (our id with bit d flipped) and N
#            toward random targets, so that every bucket sees candidates
#            (libtorrent alone only looks up its own id at bootstrap and
#            then meets nodes one refresh at a time); {"lookups": L}
#   quit     exits (so do stdin EOF, --lifetime seconds, SIGTERM)
#
# Invariants: every endpoint given must be a 127/8 IPv4 literal, the IP
# filter blocks every other address, dht_bootstrap_nodes is empty, LSD,
# UPnP, NAT-PMP and the IP notifier are off, and RES_OPTIONS=attempts:0
# keeps glibc from sending a DNS query.  Every wait is bounded.
import os

os.environ['RES_OPTIONS'] = 'attempts:0'

import argparse
import ipaddress
import json
import re
import select
import signal
import socket
import struct
import sys
import time

import libtorrent as lt

LOOPBACK = ipaddress.ip_network('127.0.0.0/8')
STATUS_WAIT = 5.0
READY_WAIT = 15.0


def endpoint(text):
    m = re.fullmatch(r'(\d+\.\d+\.\d+\.\d+):(\d{1,5})', text.strip())
    if not m or ipaddress.ip_address(m.group(1)) not in LOOPBACK:
        raise ValueError('not a 127/8 ip:port: %r' % text)
    port = int(m.group(2))
    if not 0 < port < 65536:
        raise ValueError('bad port in %r' % text)
    return m.group(1), port


def emit(obj):
    sys.stdout.write(json.dumps(obj) + '\n')
    sys.stdout.flush()


def make_session(bind_ip, port, seeds):
    cat = lt.alert.category_t
    settings = {
        'listen_interfaces': '%s:%d' % (bind_ip, port),
        'outgoing_interfaces': bind_ip,
        'enable_dht': False,    # switched on once the socket is open
        'enable_lsd': False,
        'enable_upnp': False,
        'enable_natpmp': False,
        'enable_ip_notifier': False,
        'dht_bootstrap_nodes': '',
        'dht_restrict_routing_ips': False,
        'dht_restrict_search_ips': False,
        'dht_ignore_dark_internet': False,
        'dht_prefer_verified_node_ids': False,
        # the rate limits the benchmark lifts (defaults: 5 packets/s per IP,
        # 8000 bytes/s of DHT upload).  libtorrent caps its send quota at
        # 3 x dht_upload_rate_limit in an int: above 715,827,882 that
        # product overflows and the DHT stops answering, so 100 MB/s.
        'dht_block_ratelimit': 1000000,
        'dht_upload_rate_limit': 100000000,
        'alert_queue_size': 10000,
        'alert_mask': (cat.error_notification | cat.status_notification
                       | cat.stats_notification),
        'user_agent': 'dht_indexer-bench/libtorrent-' + lt.__version__,
    }
    nodes = [socket.inet_aton(ip) + struct.pack('>H', p) for ip, p in seeds]
    params = lt.read_session_params({'dht state': {'nodes': nodes}})
    params.settings = settings
    ses = lt.session(params)
    f = lt.ip_filter()
    f.add_rule('0.0.0.0', '255.255.255.255', 1)
    f.add_rule('127.0.0.0', '127.255.255.255', 0)
    f.add_rule('::', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 1)
    ses.set_ip_filter(f)
    return ses


def wait_alert(ses, want, seconds):
    """Pop alerts until one of type want arrives; None after seconds."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        ses.wait_for_alert(100)
        for a in ses.pop_alerts():
            if isinstance(a, want):
                return a
            if isinstance(a, lt.listen_failed_alert):
                raise RuntimeError(a.message())
    return None


def status(ses):
    ses.post_dht_stats()
    a = wait_alert(ses, lt.dht_stats_alert, STATUS_WAIT)
    if a is None:
        return {'ok': False, 'error': 'no dht_stats_alert'}
    table = a.routing_table
    return {'ok': True,
            'nodes': sum(b['num_nodes'] for b in table),
            'replacements': sum(b['num_replacements'] for b in table),
            'buckets': len(table),
            'active': len(a.active_requests)}


def own_node_id(ses):
    """Our DHT node id (20 bytes) from the DHT state, or None."""
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', DeprecationWarning)
        state = ses.dht_state()
    for entry in state.get(b'node-id', []):
        if len(entry) >= 20:
            return bytes(entry[:20])
    return None


def walk(ses, nrandom):
    own = own_node_id(ses)
    targets = []
    if own is not None:
        for d in range(32):
            t = bytearray(own)
            t[d // 8] ^= 0x80 >> (d % 8)
            targets.append(bytes(t[:d // 8 + 1]) + os.urandom(19 - d // 8))
    targets += [os.urandom(20) for _ in range(nrandom)]
    for t in targets:
        ses.dht_get_peers(lt.sha1_hash(t))
    return {'ok': True, 'lookups': len(targets), 'own_id': own is not None}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--bind', required=True, help='127/8 address')
    ap.add_argument('--port', type=int, required=True)
    ap.add_argument('--seeds', default='', help='ip:port,... (127/8)')
    ap.add_argument('--lifetime', type=float, default=600)
    args = ap.parse_args()
    bind_ip, port = endpoint('%s:%d' % (args.bind, args.port))
    seeds = [endpoint(e) for e in args.seeds.split(',') if e.strip()]

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    signal.signal(signal.SIGALRM, lambda *_: os._exit(3))
    signal.alarm(int(args.lifetime) + 30)
    deadline = time.time() + args.lifetime

    ses = make_session(bind_ip, port, seeds)
    try:
        a = wait_alert(ses, lt.listen_succeeded_alert, READY_WAIT)
    except RuntimeError as e:
        emit({'event': 'fatal', 'error': str(e)})
        return 1
    if a is None:
        emit({'event': 'fatal', 'error': 'listen did not succeed'})
        return 1
    ses.apply_settings({'enable_dht': True})
    emit({'event': 'ready', 'pid': os.getpid(),
          'listen': '%s:%d' % (bind_ip, port), 'libtorrent': lt.__version__})

    while time.time() < deadline:
        r, _, _ = select.select([sys.stdin], [], [], 1.0)
        ses.pop_alerts()
        if not r:
            continue
        line = sys.stdin.readline()
        if not line or line.strip() == 'quit':
            break
        words = line.split()
        if words == ['status']:
            emit(status(ses))
        elif len(words) == 2 and words[0] == 'walk' and words[1].isdigit():
            emit(walk(ses, min(int(words[1]), 10000)))
        else:
            emit({'ok': False, 'error': 'unknown command %r' % line.strip()})
    return 0


if __name__ == '__main__':
    sys.exit(main())
