#!/usr/bin/python3
# bench/fetch_lt.py
#     python3-libtorrent resolving magnet links from the simulator's peers:
#     the libtorrent side of the metadata fetch benchmark
#     (bench/run_fetch_bench.sh, bench/README.md).  Run with /usr/bin/python3.
#
# Input: a list written by `fetch_feed list` (index, info_hash,
# info_hash_v2 or "-", kind, info_size, servable peers ip:port,...).  Each
# line becomes a magnet link (btih for v1 and hybrid, btmh for v2 and
# hybrid) parsed by lt.parse_magnet_uri; its peers are given directly in
# add_torrent_params.peers, so libtorrent, like the worker fed by
# announces, needs no DHT lookup.  At most --inflight torrents are in the
# session at once; each is removed as soon as its metadata_received_alert
# arrives and the next magnet is added, until --count are resolved or
# --seconds pass.
#
# The session is set up to fetch metadata as fast as it can:
#   - torrents added without auto_managed and without paused (so that no
#     active_downloads / active_limit queue holds them back; those limits
#     are raised as well), with their peer list filled at add time: the
#     torrent's start connects at once (torrent_connect_boost 255);
#   - connection_speed (connection attempts per tick of tick_interval,
#     default 30 per 500 ms: what held a first try below 10/s) 2000 and
#     connections_limit 20000, smooth_connects off, the descriptor limit
#     raised to the hard limit; --peers-per-torrent sets the torrents'
#     max_connections (default: libtorrent's);
#   - --outgoing-port / --num-outgoing-ports: libtorrent 2.0 binds every
#     outgoing TCP socket before connecting, to 0.0.0.0:0 unless
#     outgoing_port is set; under connection churn the kernel's search
#     for a free port among the TIME_WAIT sockets of the whole machine
#     (inet_csk_get_port) then dominates its CPU.  A fixed range, bound
#     with SO_REUSEADDR, avoids that search;
#   - DHT, LSD, UPnP, NAT-PMP, the IP notifier, uTP (the simulator serves
#     TCP only), PEX and trackers off, upload_mode (nothing but metadata
#     is ever requested); alerts reduced to status and error.
# --stock keeps libtorrent's defaults instead (auto-managed torrents:
# active_downloads 3, auto_manage_interval 30 s; connection_speed 30 per
# tick), for comparison with a naive setup.
# Every endpoint must be 127/8, and an IP filter blocks every other
# address; RES_OPTIONS=attempts:0 keeps glibc from querying DNS.
#
# Output: progress on stderr, and one JSON object on stdout: resolved,
# failed, seconds from the first add to the last metadata, overall and
# steady rates (metadata/s between 10 % and 90 % of the resolved),
# latency from add_torrent_alert to metadata_received_alert (p50, p90),
# CPU seconds of the process (all threads: libtorrent's network and disk
# threads and the Python loop), size_mismatch (metadata whose length is
# not the list's info_size: 0 expected, libtorrent verified the hash),
# and the settings used.
import os

os.environ['RES_OPTIONS'] = 'attempts:0'

import argparse
import collections
import ipaddress
import json
import resource
import shutil
import signal
import sys
import tempfile
import time

import libtorrent as lt

LOOPBACK = ipaddress.ip_network('127.0.0.0/8')


def endpoint(text):
    ip, _, port = text.strip().rpartition(':')
    if ipaddress.ip_address(ip) not in LOOPBACK or not 0 < int(port) < 65536:
        raise ValueError('not a 127/8 ip:port: %r' % text)
    return ip, int(port)


def read_list(path, count):
    items = []
    with open(path) as f:
        for line in f:
            idx, h1, h2, kind, size, peers = line.rstrip('\n').split('\t')
            if kind == 'v2':
                magnet = 'magnet:?xt=urn:btmh:1220' + h2
            elif kind == 'hybrid':
                magnet = ('magnet:?xt=urn:btih:%s&xt=urn:btmh:1220%s'
                          % (h1, h2))
            else:
                magnet = 'magnet:?xt=urn:btih:' + h1
            items.append((int(idx), magnet, int(size),
                          [endpoint(p) for p in peers.split(',') if p]))
            if len(items) >= count:
                break
    return items


def settings_for(args):
    cat = lt.alert.category_t
    listen = args.listen
    return {
        'listen_interfaces': listen,
        'enable_dht': False,
        'enable_lsd': False,
        'enable_upnp': False,
        'enable_natpmp': False,
        'enable_ip_notifier': False,
        'enable_incoming_utp': False,
        'enable_outgoing_utp': False,
        'dht_bootstrap_nodes': '',
        'outgoing_port': args.outgoing_port,
        'num_outgoing_ports': args.num_outgoing_ports,
        'connection_speed': args.connection_speed,
        'tick_interval': args.tick_interval,
        'torrent_connect_boost': 255,
        'smooth_connects': False,
        'connections_limit': args.connections_limit,
        'active_downloads': -1,
        'active_seeds': -1,
        'active_limit': -1,
        'active_checking': 1000,
        'alert_queue_size': 1000000,
        'alert_mask': cat.error_notification | cat.status_notification,
        'user_agent': 'dht_indexer-bench/libtorrent-' + lt.__version__,
    }


def make_session(settings):
    ses = lt.session(settings)
    f = lt.ip_filter()
    f.add_rule('0.0.0.0', '255.255.255.255', 1)
    f.add_rule('127.0.0.0', '127.255.255.255', 0)
    f.add_rule('::', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 1)
    ses.set_ip_filter(f)
    return ses


def cpu_seconds():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def params_for(item, save_path, max_conns, stock):
    _, magnet, _, peers = item
    atp = lt.parse_magnet_uri(magnet)
    atp.save_path = save_path
    atp.peers = peers
    if max_conns > 0:
        atp.max_connections = max_conns
    if not stock:
        atp.flags = (lt.torrent_flags.disable_dht
                     | lt.torrent_flags.disable_lsd
                     | lt.torrent_flags.disable_pex
                     | lt.torrent_flags.upload_mode)
    return atp


def run(ses, items, args, save_path, expected_size):
    inflight, seconds = args.inflight, args.seconds
    queue = collections.deque(items)
    handles = {}                # handle -> time its add_torrent_alert came
    done_times = []
    latencies = []
    size_mismatch = 0
    failed = 0
    t0 = time.time()
    cpu0 = cpu_seconds()
    deadline = t0 + seconds
    adding = 0
    last_report = t0

    def top_up():
        nonlocal adding
        while queue and adding < inflight:
            ses.async_add_torrent(params_for(queue.popleft(), save_path,
                                             args.peers_per_torrent,
                                             args.stock))
            adding += 1

    top_up()
    while time.time() < deadline and (queue or adding):
        ses.wait_for_alert(50)
        for a in ses.pop_alerts():
            if isinstance(a, lt.add_torrent_alert):
                if a.error.value() != 0:
                    failed += 1
                    adding -= 1
                else:
                    handles[a.handle] = time.time()
            elif isinstance(a, lt.metadata_received_alert):
                h = a.handle
                if h not in handles:
                    continue
                done_times.append(time.time())
                latencies.append(done_times[-1] - handles[h])
                ti = h.torrent_file()
                got = len(ti.info_section()) if ti is not None else -1
                expected = expected_size.get(str(h.info_hashes().get_best()))
                if expected is None or got != expected:
                    size_mismatch += 1
                del handles[h]
                ses.remove_torrent(h)
                adding -= 1
            elif isinstance(a, lt.metadata_failed_alert):
                failed += 1
        top_up()
        now = time.time()
        if now - last_report >= 5:
            last_report = now
            sys.stderr.write('lt: %.0fs resolved=%d in_session=%d queued=%d\n'
                             % (now - t0, len(done_times), adding, len(queue)))
    cpu = cpu_seconds() - cpu0
    return (t0, done_times, latencies, failed, size_mismatch,
            adding + len(queue), cpu)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--list', required=True)
    ap.add_argument('--count', type=int, default=1000000)
    ap.add_argument('--inflight', type=int, default=1024)
    ap.add_argument('--seconds', type=float, default=120)
    ap.add_argument('--listen', required=True, help='127/8 ip:port')
    ap.add_argument('--connection-speed', type=int, default=2000,
                    help='connection attempts per tick (500 ms)')
    ap.add_argument('--connections-limit', type=int, default=20000)
    ap.add_argument('--outgoing-port', type=int, default=0,
                    help='first port of a range outgoing sockets bind to')
    ap.add_argument('--num-outgoing-ports', type=int, default=0)
    ap.add_argument('--tick-interval', type=int, default=500,
                    help='ms (libtorrent default 500)')
    ap.add_argument('--peers-per-torrent', type=int, default=0,
                    help='connections per torrent (0: libtorrent default)')
    ap.add_argument('--stock', action='store_true',
                    help="libtorrent's defaults (auto-managed torrents, "
                    'connection_speed, active limits) but for the listen '
                    'address, DHT/LSD/UPnP/NAT-PMP off and the IP filter')
    args = ap.parse_args()
    endpoint(args.listen)
    signal.signal(signal.SIGALRM, lambda *_: os._exit(3))
    signal.alarm(int(args.seconds) + 60)

    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = hard if hard != resource.RLIM_INFINITY else 65536
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))

    items = read_list(args.list, args.count)
    expected_size = {}
    for _, magnet, size, _ in items:
        atp = lt.parse_magnet_uri(magnet)
        expected_size[str(atp.info_hashes.get_best())] = size
    save_path = tempfile.mkdtemp(prefix='fetch_lt.')
    settings = settings_for(args)
    if args.stock:
        keep = ('listen_interfaces', 'enable_dht', 'enable_lsd',
                'enable_upnp', 'enable_natpmp', 'enable_ip_notifier',
                'dht_bootstrap_nodes', 'alert_queue_size', 'alert_mask',
                'user_agent')
        settings = {k: v for k, v in settings.items() if k in keep}
    ses = make_session(settings)
    try:
        t0, done, lat, failed, mismatch, left, cpu = run(
            ses, items, args, save_path, expected_size)
    finally:
        shutil.rmtree(save_path, ignore_errors=True)
    n = len(done)
    elapsed = (done[-1] - t0) if n else 0.0
    steady = 0.0
    if n >= 20:
        lo, hi = done[n // 10], done[(9 * n) // 10]
        if hi > lo:
            steady = ((9 * n) // 10 - n // 10) / (hi - lo)
    shown = {k: v for k, v in settings.items() if k != 'alert_mask'}
    shown['inflight'] = args.inflight
    shown['peers_per_torrent'] = args.peers_per_torrent or 'default'
    shown['stock'] = args.stock
    lat.sort()
    print(json.dumps({
        'libtorrent': lt.__version__, 'magnets': len(items),
        'resolved': n, 'failed': failed, 'unfinished': left,
        'seconds': round(elapsed, 3),
        'rate': round(n / elapsed, 1) if elapsed > 0 else 0.0,
        'steady_rate': round(steady, 1),
        'latency_p50_ms': round(1000 * lat[len(lat) // 2]) if lat else None,
        'latency_p90_ms': round(1000 * lat[(9 * len(lat)) // 10]) if lat else None,
        'cpu_s': round(cpu, 2),
        'cpu_ms_per_fetch': round(1000 * cpu / n, 3) if n else None,
        'size_mismatch': mismatch, 'settings': shown}))
    return 0


if __name__ == '__main__':
    sys.exit(main())
