#!/usr/bin/python3
# test/interop/lt_node.py
#     A real libtorrent DHT node on loopback, driven by JSON lines.
#
# Owns: one libtorrent session (python3-libtorrent from Debian, run with
# /usr/bin/python3) with the DHT on, bound to one 127/8 address and port,
# and the record of what it saw: DHT packets per remote IP (with arrival
# times), the bootstrap, its routing table, announces it sent and received,
# BEP 51 answers.  Does not own any assertion: the TAP suites decide.
#
# Protocol: one JSON object per line on stdin, one JSON object per line on
# stdout.  First line out: {"event": "ready", ...} or {"event": "fatal",
# ...}.  Then every request gets exactly one answer {"ok": true|false,
# "cmd": ..., ...} (an "id" in the request is echoed).  Commands:
#   status                            node id, bootstrap, routing table, buckets
#   wait_bootstrap  timeout           until dht_bootstrap_alert was seen
#   wait_routing    addr, timeout     until ip:port is in the routing table
#   add_torrent     name, files, version (hybrid|v1|v2; or hybrid: bool)
#                                     create files, make the torrent, seed it
#   announce        hash, [wait]  (re)announce a seeded torrent or a bare hash
#   fetch_magnet    hash, [timeout]   add a magnet link (no peers given), let
#                                     the DHT find peers, wait for the
#                                     metadata: name, total_size, num_files
#   announces                         announce_peer sent (hash -> endpoints)
#                                     and received (dht_announce_alert)
#   sample          node, [target], [timeout]   BEP 51 sample_infohashes
#   burst           node, count, seconds        BEP 51 queries at a steady pace
#   pkts            [ip], [since], [times]      DHT packets received/sent
#   quit                              stop the DHT; answer with the final
#                                     packet counts per IP ('final'), exit
#
# Invariants: traffic stays on 127.0.0.0/8 -- the bind address, every
# endpoint given on the command line or in a command must be a 127/8 IPv4
# literal, no default DHT router is configured (dht_bootstrap_nodes is set
# explicitly), LSD, UPnP and NAT-PMP are off, the session's IP filter
# refuses peer connections with any other address, and RES_OPTIONS=
# attempts:0 keeps glibc from sending a DNS query.  libtorrent 2.0.8 has no
# filter for DHT traffic: the DHT only contacts nodes it is told about, so
# the tests must only ever run nodes on loopback; as a guard, every DHT
# datagram sent off loopback is counted ("off_loopback" in pkts) and
# reported on stderr.  Every wait is bounded; the process exits on stdin
# EOF, on "quit", after --lifetime seconds, and (SIGALRM) shortly after
# that even if libtorrent hangs.
#
# Bootstrap: libtorrent never adds a "router" (an entry of
# dht_bootstrap_nodes) to its routing table.  --bootstrap therefore seeds
# the endpoints as ordinary stored nodes (the dht_state of the session):
# the bootstrap lookup queries them and they enter the routing table when
# they answer.  --routers puts endpoints in dht_bootstrap_nodes instead
# (the way most users configure libtorrent).  The DHT is switched on only
# once the listen socket is open: when the DHT starts first, libtorrent
# bootstraps the late socket without the stored nodes and posts no
# dht_bootstrap_alert.
import os

os.environ['RES_OPTIONS'] = 'attempts:0'

import argparse
import ipaddress
import re
import select
import signal
import socket
import struct
import sys
import tempfile
import time
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from interop_common import bdecode, begin_answer, emit, torrent_bytes  # noqa: E402

import libtorrent as lt

warnings.simplefilter('ignore', DeprecationWarning)

# Bounds: packet records kept (oldest dropped first, counted), the files
# of one torrent, the debug log.
MAX_PKT_RECORDS = 500000
MAX_FILES = 64
MAX_LOG_BYTES = 32 * 1024 * 1024
MAX_WAIT = 120.0
POLL_MS = 10

LOOPBACK = ipaddress.ip_network('127.0.0.0/8')


def parse_endpoint(text):
    """'127.x.y.z:port' -> (ip, port); anything off loopback is refused."""
    m = re.fullmatch(r'(\d+\.\d+\.\d+\.\d+):(\d{1,5})', text.strip())
    if not m:
        raise ValueError('not an IPv4 ip:port: %r' % text)
    ip, port = m.group(1), int(m.group(2))
    if ipaddress.ip_address(ip) not in LOOPBACK:
        raise ValueError('refusing %s: only 127.0.0.0/8 is allowed' % ip)
    if not 0 < port < 65536:
        raise ValueError('bad port in %r' % text)
    return ip, port


def parse_endpoints(text):
    return [parse_endpoint(e) for e in (text or '').split(',') if e.strip()]


def fmt_ep(ep):
    return '%s:%d' % (ep[0], ep[1])


def hex20(value):
    """40 hex digits -> lt.sha1_hash."""
    raw = bytes.fromhex(value)
    if len(raw) != 20:
        raise ValueError('a hash is 40 hex digits: %r' % value)
    return lt.sha1_hash(raw)


def hash_hex(h):
    return h.to_bytes().hex()


def packet_kind(buf):
    """('q:get_peers', info_hash hex or None) for a KRPC datagram."""
    try:
        msg, _ = bdecode(bytes(buf))
    except (ValueError, IndexError):
        return 'malformed', None
    if not isinstance(msg, dict):
        return 'malformed', None
    y = msg.get(b'y')
    if y == b'q':
        q = msg.get(b'q', b'?')
        a = msg.get(b'a')
        ih = a.get(b'info_hash') if isinstance(a, dict) else None
        name = q.decode('latin-1') if isinstance(q, bytes) else '?'
        return 'q:' + name, ih.hex() if isinstance(ih, bytes) else None
    if y in (b'r', b'e'):
        return y.decode(), None
    return 'other', None


class Node:
    def __init__(self, args):
        self.args = args
        self.bind_ip, _ = parse_endpoint('%s:1' % args.bind)
        self.seeds = parse_endpoints(args.bootstrap)
        self.routers = parse_endpoints(args.routers)
        self.workdir = args.workdir or tempfile.mkdtemp(prefix='lt_node.')
        os.makedirs(os.path.join(self.workdir, 'data'), exist_ok=True)
        self.start = time.time()
        self.deadline = self.start + args.lifetime
        self.log = open(os.path.join(self.workdir, 'lt_node.log'), 'a')
        self.log_bytes = 0

        self.listen_port = None
        self.node_id = None
        self.bootstrap_at = None
        self.pkts = []          # (time, dir, ip, port, kind)
        self.pkts_dropped = 0
        self.off_loopback = 0
        self.unparsed_pkts = 0
        self.last_pop = time.time()
        self.max_pop_gap = 0.0
        self.alerts_dropped = 0
        self.banned = []
        self.sent_announces = {}    # hash hex -> set of 'ip:port'
        self.got_announces = [] # dicts from dht_announce_alert
        self.samples = []       # dicts from dht_sample_infohashes_alert
        self.live_nodes = None
        self.stats_alert = None
        self.torrents = {}
        self.handles = {}        # hash hex -> torrent_handle
        self.errors = []
        self.ses = self._make_session()

    def _settings(self):
        cat = lt.alert.category_t
        return {
            'listen_interfaces': '%s:%d' % (self.bind_ip, self.args.port),
            'outgoing_interfaces': self.bind_ip,
            'enable_dht': False,    # switched on once the socket is open
            'enable_lsd': False,
            'enable_upnp': False,
            'enable_natpmp': False,
            'enable_ip_notifier': False,
            'dht_bootstrap_nodes': ','.join(fmt_ep(e) for e in self.routers),
            'dht_restrict_routing_ips': False,
            'dht_restrict_search_ips': False,
            'dht_ignore_dark_internet': False,
            'dht_prefer_verified_node_ids': False,
            'dht_block_ratelimit': self.args.block_ratelimit,
            'dht_upload_rate_limit': 1000000,
            'dht_sample_infohashes_interval': self.args.sample_interval,
            'alert_queue_size': 200000,
            'alert_mask': (cat.error_notification | cat.status_notification
                           | cat.dht_notification | cat.dht_operation_notification
                           | cat.dht_log_notification | cat.stats_notification
                           | cat.session_log_notification),
            'user_agent': 'dht_indexer-interop/libtorrent-' + lt.__version__,
        }

    def _make_session(self):
        nodes = [socket.inet_aton(ip) + struct.pack('>H', port)
                 for ip, port in self.seeds]
        params = lt.read_session_params({'dht state': {'nodes': nodes}})
        params.settings = self._settings()
        ses = lt.session(params)
        f = lt.ip_filter()
        f.add_rule('0.0.0.0', '255.255.255.255', 1)
        f.add_rule('127.0.0.0', '127.255.255.255', 0)
        f.add_rule('::', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 1)
        ses.set_ip_filter(f)
        return ses

    # ---- alerts

    def debug(self, text):
        if self.log_bytes > MAX_LOG_BYTES:
            return
        line = '%.3f %s\n' % (time.time() - self.start, text)
        self.log_bytes += len(line)
        self.log.write(line)

    def pump(self, wait_ms=POLL_MS):
        # Alerts are stamped with the time they are popped: an alert popped
        # now was posted after the previous pop, so the largest gap between
        # pops that returned packet alerts bounds how late a stamp can be.
        self.ses.wait_for_alert(wait_ms)
        alerts = self.ses.pop_alerts()
        now = time.time()
        if any(isinstance(a, lt.dht_pkt_alert) for a in alerts):
            self.max_pop_gap = max(self.max_pop_gap, now - self.last_pop)
        self.last_pop = now
        for a in alerts:
            self.on_alert(a, now)
        if alerts:
            self.log.flush()

    def on_alert(self, a, now):
        if isinstance(a, lt.dht_pkt_alert):
            self.on_pkt(a, now)
            return
        msg = a.message()
        if isinstance(a, lt.dht_log_alert):
            if 'BANNING PEER' in msg:
                self.banned.append({'time': now, 'message': msg})
            m = re.search(r'DHT tracker with node id: ([0-9a-f]{40})', msg)
            if m:
                self.node_id = m.group(1)
            if self.args.verbose:
                self.debug(msg)
            return
        self.debug('%s: %s' % (type(a).__name__, msg))
        if isinstance(a, lt.listen_succeeded_alert):
            if self.listen_port is None:
                self.listen_port = a.port
                self.ses.apply_settings({'enable_dht': True})
        elif isinstance(a, lt.listen_failed_alert):
            self.errors.append(msg)
        elif isinstance(a, lt.dht_bootstrap_alert):
            if self.bootstrap_at is None:
                self.bootstrap_at = now
        elif isinstance(a, lt.dht_sample_infohashes_alert):
            self.samples.append({
                'time': now,
                'node': fmt_ep(a.endpoint),
                'interval': a.interval.total_seconds(),
                'num_infohashes': a.num_infohashes,
                'samples': [hash_hex(s) for s in a.samples],
                'nodes': [{'id': hash_hex(n['nid']), 'addr': fmt_ep(n['endpoint'])}
                          for n in a.nodes],
            })
        elif isinstance(a, lt.dht_live_nodes_alert):
            self.live_nodes = [{'id': hash_hex(n['nid']),
                                'addr': fmt_ep(n['endpoint'])} for n in a.nodes]
        elif isinstance(a, lt.dht_stats_alert):
            self.stats_alert = {'buckets': list(a.routing_table),
                                'active_requests': list(a.active_requests)}
        elif isinstance(a, lt.dht_announce_alert):
            self.got_announces.append({'time': now, 'hash': hash_hex(a.info_hash),
                                       'ip': str(a.ip), 'port': a.port})
        elif isinstance(a, lt.alerts_dropped_alert):
            self.alerts_dropped += 1

    def on_pkt(self, a, now):
        # message(): "<== [ip:port] {...}" incoming, "==> [...]" outgoing.
        m = re.match(r'(<==|==>) \[([0-9.]+):(\d+)\]', a.message())
        if not m:
            self.unparsed_pkts += 1     # not IPv4: none expected here
            return
        direction = 'in' if m.group(1) == '<==' else 'out'
        ip, port = m.group(2), int(m.group(3))
        if direction == 'out' and ipaddress.ip_address(ip) not in LOOPBACK:
            self.off_loopback += 1
            sys.stderr.write('lt_node: DHT datagram sent off loopback to %s:%d\n'
                             % (ip, port))
        kind, ih = packet_kind(a.pkt_buf)
        if direction == 'out' and kind == 'q:announce_peer' and ih:
            self.sent_announces.setdefault(ih, set()).add('%s:%d' % (ip, port))
        if len(self.pkts) >= MAX_PKT_RECORDS:
            del self.pkts[:MAX_PKT_RECORDS // 10]
            self.pkts_dropped += MAX_PKT_RECORDS // 10
        self.pkts.append((now, direction, ip, port, kind))
        if self.args.verbose:
            self.debug('pkt %s %s:%d %s' % (direction, ip, port, kind))

    def wait(self, cond, timeout):
        """Pump alerts until cond() is true; its value, or False on timeout."""
        end = time.time() + min(float(timeout), MAX_WAIT)
        while True:
            v = cond()
            if v:
                return v
            if time.time() >= end:
                return False
            self.pump()

    # ---- commands

    def routing_table(self, timeout=2.0):
        if not self.node_id:
            return []
        self.live_nodes = None
        self.ses.dht_live_nodes(hex20(self.node_id))
        self.wait(lambda: self.live_nodes is not None, timeout)
        return self.live_nodes or []

    def cmd_status(self, c):
        table = self.routing_table()
        self.stats_alert = None
        self.ses.post_dht_stats()
        self.wait(lambda: self.stats_alert is not None, 2.0)
        return {
            'listen': '%s:%s' % (self.bind_ip, self.listen_port),
            'node_id': self.node_id,
            'dht_running': self.ses.is_dht_running(),
            'bootstrap_complete': self.bootstrap_at is not None,
            'bootstrap_seconds': (self.bootstrap_at - self.start
                                  if self.bootstrap_at else None),
            'routing_table': table,
            'dht_nodes': len(table),
            'buckets': (self.stats_alert or {}).get('buckets'),
            'torrents': sorted(self.torrents),
            'uptime': time.time() - self.start,
            'errors': self.errors,
        }

    def cmd_wait_bootstrap(self, c):
        ok = self.wait(lambda: self.bootstrap_at is not None, c.get('timeout', 30))
        return {'ok': bool(ok), 'bootstrap_complete': bool(ok),
                'bootstrap_seconds': (self.bootstrap_at - self.start
                                      if self.bootstrap_at else None)}

    def cmd_wait_routing(self, c):
        want = fmt_ep(parse_endpoint(c['addr']))
        end = time.time() + min(float(c.get('timeout', 30)), MAX_WAIT)
        table = []
        while True:
            table = self.routing_table()
            if any(n['addr'] == want for n in table):
                return {'found': True, 'routing_table': table}
            if time.time() >= end:
                return {'ok': False, 'found': False, 'routing_table': table}
            self.wait(lambda: False, 0.25)

    def cmd_add_torrent(self, c):
        name = c['name']
        if not re.fullmatch(r'[A-Za-z0-9._ -]{1,100}', name) or name in ('.', '..'):
            raise ValueError('torrent name must be a plain file name: %r' % name)
        files = c.get('files') or [[name, 32768]]
        if len(files) > MAX_FILES:
            raise ValueError('at most %d files' % MAX_FILES)
        version = c.get('version') or ('hybrid' if c.get('hybrid', True) else 'v1')
        flags = {'hybrid': 0, 'v1': lt.create_torrent.v1_only,
                 'v2': lt.create_torrent.v2_only}[version]
        root = os.path.join(self.workdir, 'data')
        data = torrent_bytes(root, name, files, flags)
        with open(os.path.join(self.workdir, name + '.torrent'), 'wb') as f:
            f.write(data)
        ti = lt.torrent_info(data)
        atp = lt.add_torrent_params()
        atp.ti = ti
        atp.save_path = root
        atp.flags = lt.torrent_flags.seed_mode | lt.torrent_flags.update_subscribe
        handle = self.ses.add_torrent(atp)
        ih = ti.info_hashes()
        v1 = hash_hex(ih.v1) if ih.has_v1() else None
        v2 = hash_hex(ih.v2) if ih.has_v2() else None
        info = {'name': name, 'version': version, 'v1': v1,
                'v2': v2[:40] if v2 else None, 'v2_full': v2,
                'torrent_file': os.path.join(self.workdir, name + '.torrent')}
        self.torrents[name] = info
        for h in (v1, info['v2']):
            if h:
                self.handles[h] = handle
        return info

    def cmd_announce(self, c):
        # python3-libtorrent 2.0.8 cannot call session.dht_announce (no
        # converter for its flags argument), so announce through a torrent:
        # force_dht_announce on one we seed (a hybrid announces both of its
        # hashes), or a metadata-less torrent added by hash, which libtorrent
        # announces at once as any magnet link.
        h = c['hash'].lower()
        sha1 = hex20(h)
        if h in self.handles:
            self.handles[h].force_dht_announce()
            via = 'force_dht_announce'
        else:
            atp = lt.add_torrent_params()
            atp.info_hashes = lt.info_hash_t(sha1)
            atp.save_path = os.path.join(self.workdir, 'magnets')
            atp.flags = lt.torrent_flags.update_subscribe
            self.handles[h] = self.ses.add_torrent(atp)
            via = 'magnet'
        out = {'hash': h, 'via': via}
        if c.get('wait'):
            found = self.wait(lambda: self.sent_announces.get(h), c['wait'])
            out['sent_to'] = sorted(found) if found else []
            out['ok'] = bool(found)
        return out

    def cmd_fetch_magnet(self, c):
        # What a user's client does with a magnet link: find peers through
        # the DHT (get_peers), connect, download the metadata (BEP 9).
        h = c['hash'].lower()
        atp = lt.add_torrent_params()
        atp.info_hashes = lt.info_hash_t(hex20(h))
        atp.save_path = os.path.join(self.workdir, 'magnets')
        atp.flags = lt.torrent_flags.update_subscribe | lt.torrent_flags.upload_mode
        handle = self.ses.add_torrent(atp)
        self.handles[h] = handle
        start = time.time()
        got = self.wait(lambda: handle.status().has_metadata, c.get('timeout', 60))
        out = {'hash': h, 'ok': bool(got), 'seconds': round(time.time() - start, 2)}
        if got:
            ti = handle.torrent_file()
            fs = ti.files()
            real = [i for i in range(fs.num_files())
                    if not fs.file_flags(i) & lt.file_storage.flag_pad_file]
            out.update(name=ti.name(), num_files=len(real),
                       total_size=sum(fs.file_size(i) for i in real))
        return out

    def cmd_announces(self, c):
        return {'sent': {h: sorted(eps) for h, eps in self.sent_announces.items()},
                'received': self.got_announces}

    def cmd_sample(self, c):
        ip, port = parse_endpoint(c['node'])
        target = c.get('target') or os.urandom(20).hex()
        before = len(self.samples)
        want = fmt_ep((ip, port))
        self.ses.dht_sample_infohashes((ip, port), hex20(target))

        def answered():
            for s in self.samples[before:]:
                if s['node'] == want:
                    return s
            return None
        s = self.wait(answered, c.get('timeout', 5))
        if not s:
            return {'ok': False, 'error': 'no sample_infohashes answer from %s' % want,
                    'target': target}
        out = dict(s)
        out['target'] = target
        return out

    def cmd_burst(self, c):
        # Many BEP 51 queries to one node, spread evenly over `seconds`: a
        # load the node must answer within its per-IP send rate.
        ip, port = parse_endpoint(c['node'])
        count = int(c.get('count', 20))
        seconds = min(float(c.get('seconds', 1.0)), MAX_WAIT)
        if not 0 < count <= 10000:
            raise ValueError('count must be 1..10000')
        start = time.time()
        for i in range(count):
            self.ses.dht_sample_infohashes((ip, port), hex20(os.urandom(20).hex()))
            due = start + seconds * (i + 1) / count
            while time.time() < due:
                self.pump(max(1, min(POLL_MS, int((due - time.time()) * 1000))))
        return {'sent': count, 'start': start, 'end': time.time()}

    def pkt_totals(self):
        tot = {'in': {}, 'out': {}}
        for _, direction, ip, _, _ in self.pkts:
            tot[direction][ip] = tot[direction].get(ip, 0) + 1
        return tot

    def cmd_pkts(self, c):
        ip_filter = c.get('ip')
        since = float(c.get('since') or 0)
        with_times = c.get('times', True)
        res = {'in': {}, 'out': {}}
        for t, direction, ip, port, kind in self.pkts:
            if t < since or (ip_filter and ip != ip_filter):
                continue
            e = res[direction].setdefault(ip, {'count': 0, 'kinds': {}, 'ports': {},
                                               'times': [] if with_times else None})
            e['count'] += 1
            e['kinds'][kind] = e['kinds'].get(kind, 0) + 1
            e['ports'][str(port)] = e['ports'].get(str(port), 0) + 1
            if with_times:
                e['times'].append(round(t, 4))
        res.update({'now': time.time(), 'start': self.start,
                    'records_dropped': self.pkts_dropped,
                    'alerts_dropped': self.alerts_dropped,
                    'max_pop_gap': self.max_pop_gap,
                    'off_loopback': self.off_loopback,
                    'unparsed_pkts': self.unparsed_pkts,
                    'banned': self.banned})
        return res

    def handle(self, line):
        c, out = begin_answer(line)
        if c is None:
            return out
        cmd = c.get('cmd')
        if cmd == 'quit':
            # Stop the DHT, collect the alerts still queued, and leave the
            # final per-IP packet totals in the answer.
            self.ses.apply_settings({'enable_dht': False})
            self.wait(lambda: False, 0.3)
            out['final'] = self.pkt_totals()
            return out
        fn = getattr(self, 'cmd_%s' % cmd, None) if isinstance(cmd, str) else None
        if fn is None:
            out.update(ok=False, error='unknown command %r' % cmd)
            return out
        try:
            out.update(fn(c))
        except (ValueError, KeyError, TypeError, OSError, RuntimeError) as e:
            out.update(ok=False, error='%s: %s' % (type(e).__name__, e))
        return out


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument('--bind', required=True, help='127/8 address to bind')
    p.add_argument('--port', type=int, default=0, help='TCP/UDP port (0: any)')
    p.add_argument('--bootstrap', default='',
                   help='ip:port,... seeded as ordinary DHT nodes')
    p.add_argument('--routers', default='',
                   help='ip:port,... as dht_bootstrap_nodes (never in the table)')
    p.add_argument('--workdir', help='files, torrents and the log')
    p.add_argument('--lifetime', type=float, default=300,
                   help='exit after this many seconds whatever happens')
    p.add_argument('--block-ratelimit', type=int, default=1000000,
                   help='dht_block_ratelimit (libtorrent default 5)')
    p.add_argument('--sample-interval', type=int, default=21600,
                   help='interval advertised in BEP 51 answers')
    p.add_argument('--verbose', action='store_true',
                   help='also log every DHT packet and dht_log line')
    args = p.parse_args()

    # A hard stop even if libtorrent blocks the main loop.
    signal.alarm(int(args.lifetime) + 15)
    try:
        node = Node(args)
    except (ValueError, RuntimeError) as e:
        emit({'event': 'fatal', 'error': str(e)})
        os._exit(2)
    ready = node.wait(lambda: node.node_id and node.listen_port or node.errors, 15)
    if not ready or node.errors or not node.node_id:
        emit({'event': 'fatal', 'error': 'listen/DHT start failed: %s' % node.errors})
        os._exit(2)
    emit({'event': 'ready', 'listen': '%s:%d' % (node.bind_ip, node.listen_port),
          'node_id': node.node_id, 'pid': os.getpid(), 'workdir': node.workdir,
          'libtorrent': lt.__version__})

    fd = sys.stdin.fileno()
    os.set_blocking(fd, False)
    buf = b''
    while time.time() < node.deadline:
        r, _, _ = select.select([fd], [], [], 0)
        if r:
            try:
                chunk = os.read(fd, 65536)
            except BlockingIOError:
                chunk = None
            if chunk == b'':
                break           # EOF: the test went away
            buf += chunk or b''
            while b'\n' in buf:
                line, buf = buf.split(b'\n', 1)
                if not line.strip():
                    continue
                out = node.handle(line.decode('utf-8', 'replace'))
                emit(out)
                if out.get('cmd') == 'quit':
                    node.log.flush()
                    os._exit(0)
        node.pump()
    node.log.flush()
    os._exit(0)


if __name__ == '__main__':
    main()
