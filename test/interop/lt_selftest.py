#!/usr/bin/python3
# test/interop/lt_selftest.py
#     Checks lt_node.py with libtorrent alone: three nodes on 127.0.1.1,
#     127.0.2.1 and 127.0.3.1, each seeded with those started before it,
#     must bootstrap, see each other in their routing tables, store each
#     other's announces (both hashes of a hybrid torrent) and return them
#     to a BEP 51 sample_infohashes, and count the packets they receive per
#     remote IP.  Run: /usr/bin/python3 test/interop/lt_selftest.py
#
# Owns: the LtNode driver class (a child lt_node.py process spoken to in
# JSON lines, every read bounded) that other Python tools may import.
# Prints one line per check and "lt_selftest: N passed, N failed"; exits
# non-zero on a failure.  Traffic stays on 127.0.0.0/8; the whole run is
# bounded (about 10 s when all goes well, never more than ~3 minutes).
import json
import os
import select
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PYTHON = '/usr/bin/python3'     # Debian's, which has python3-libtorrent


def free_port(ips):
    """A port that is free for UDP and TCP on every address of ips."""
    for _ in range(50):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind((ips[0], 0))
        port = s.getsockname()[1]
        s.close()
        ok = True
        for ip in ips:
            for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
                t = socket.socket(socket.AF_INET, kind)
                try:
                    t.bind((ip, port))
                except OSError:
                    ok = False
                finally:
                    t.close()
        if ok:
            return port
    raise RuntimeError('no free port')


class LtNode:
    """One lt_node.py child; call() sends a command, waits for its answer."""

    def __init__(self, bind, port, bootstrap, workdir, lifetime=180, extra=()):
        self.bind, self.port = bind, port
        self.addr = '%s:%d' % (bind, port)
        env = dict(os.environ, RES_OPTIONS='attempts:0')
        self.proc = subprocess.Popen(
            [PYTHON, os.path.join(HERE, 'lt_node.py'), '--bind', bind,
             '--port', str(port), '--bootstrap', ','.join(bootstrap),
             '--workdir', workdir, '--lifetime', str(lifetime)] + list(extra),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=open(os.path.join(workdir, 'stderr'), 'wb'), env=env)
        self.buf = b''
        self.ready = self.read(20)
        if not self.ready or self.ready.get('event') != 'ready':
            raise RuntimeError('%s did not start: %r' % (self.addr, self.ready))

    def read(self, timeout):
        end = time.time() + timeout
        fd = self.proc.stdout.fileno()
        while b'\n' not in self.buf:
            left = end - time.time()
            if left <= 0:
                return None
            r, _, _ = select.select([fd], [], [], left)
            if r:
                chunk = os.read(fd, 65536)
                if not chunk:
                    return None
                self.buf += chunk
        line, self.buf = self.buf.split(b'\n', 1)
        return json.loads(line)

    def call(self, cmd, timeout=None, **kw):
        kw['cmd'] = cmd
        wait = float(kw.get('timeout', 0))
        self.proc.stdin.write((json.dumps(kw) + '\n').encode())
        self.proc.stdin.flush()
        out = self.read(timeout or wait + 10)
        if out is None:
            raise RuntimeError('%s: no answer to %s' % (self.addr, cmd))
        return out

    def stop(self):
        if self.proc.poll() is None:
            try:
                self.call('quit', timeout=3)
            except (RuntimeError, OSError, ValueError):
                pass
        try:
            self.proc.wait(3)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(3)


passed = failed = 0


def check(cond, what, detail=''):
    global passed, failed
    if cond:
        passed += 1
        print('ok - %s' % what)
    else:
        failed += 1
        print('not ok - %s %s' % (what, detail))
    sys.stdout.flush()
    return cond


def main():
    t0 = time.time()
    ips = ['127.0.1.1', '127.0.2.1', '127.0.3.1']
    port = free_port(ips)
    top = tempfile.mkdtemp(prefix='lt_selftest.')
    addrs = ['%s:%d' % (ip, port) for ip in ips]
    nodes = []
    try:
        # Each node is seeded with those started before it (a node seeded
        # with one that is not up yet waits for its bootstrap to time out);
        # the earlier ones learn the later ones from their queries.
        for i, ip in enumerate(ips):
            wd = os.path.join(top, 'n%d' % i)
            os.makedirs(wd)
            nodes.append(LtNode(ip, port, addrs[:i], wd,
                                extra=['--sample-interval', '5']))
        print('# started in %.1fs, workdir %s' % (time.time() - t0, top))
        for n in nodes:
            r = n.call('wait_bootstrap', timeout=30)
            check(r['ok'], '%s bootstrap complete (%.1fs)'
                  % (n.addr, r['bootstrap_seconds'] or -1), r)
        for n in nodes:
            for other in nodes:
                if other is n:
                    continue
                r = n.call('wait_routing', addr=other.addr, timeout=20)
                check(r['ok'], '%s has %s in its routing table'
                      % (n.addr, other.addr), r.get('routing_table'))
        print('# routing done at %.1fs' % (time.time() - t0))

        tor = nodes[0].call('add_torrent', name='selftest-hybrid',
                            files=[['a.bin', 40000], ['sub/b.txt', 1234]])
        check(tor['ok'] and tor['v1'] and tor['v2'], 'hybrid torrent made', tor)
        v1only = nodes[0].call('add_torrent', name='selftest-v1', hybrid=False)
        check(v1only['ok'] and v1only['v1'] and not v1only['v2'],
              'v1-only torrent made', v1only)
        want = {tor['v1'], tor['v2'], v1only['v1']}

        def sent():
            return nodes[0].call('announces')['sent']
        end = time.time() + 30
        while time.time() < end and not want <= set(sent()):
            time.sleep(0.3)
        s = sent()
        check(want <= set(s), 'libtorrent announced both hashes of the hybrid'
              ' and the v1 hash by itself', s)
        print('# announces at %.1fs: %s' % (time.time() - t0, s))

        # The explicit announce command too.
        extra = os.urandom(20).hex()
        r = nodes[1].call('announce', hash=extra, wait=20)
        check(r['ok'] and r['sent_to'] and r['via'] == 'magnet',
              'announce of a bare hash sends announce_peer', r)
        r = nodes[0].call('announce', hash=tor['v2'])
        check(r['ok'] and r['via'] == 'force_dht_announce',
              're-announce of a seeded torrent', r)

        received = nodes[1].call('announces')['received']
        got = {a['hash'] for a in received}
        check(tor['v1'] in got and tor['v2'] in got,
              '%s stored the hybrid announces' % nodes[1].addr, received)

        r = nodes[2].call('sample', node=nodes[1].addr, timeout=10)
        check(r['ok'], 'BEP 51 answer from %s' % nodes[1].addr, r)
        samples = set(r.get('samples') or [])
        check({tor['v1'], tor['v2']} <= samples,
              'samples hold both hashes of the hybrid', r)
        check(r.get('interval') == 5, 'interval is --sample-interval', r)
        check(len(r.get('nodes') or []) >= 1, 'the answer has nodes', r)

        r = nodes[1].call('pkts')
        src = r['in'].get(ips[0], {})
        check(src.get('count', 0) > 0 and len(src['times']) == src['count'],
              'pkts counts what %s received from %s (%d)'
              % (nodes[1].addr, ips[0], src.get('count', 0)), r['in'].keys())
        check(r['alerts_dropped'] == 0 and not r['banned'],
              'no alert dropped, nobody banned', r)
        check(r['off_loopback'] == 0 and r['unparsed_pkts'] == 0,
              'nothing sent off loopback', r)
        only = nodes[1].call('pkts', ip=ips[2], times=False)
        check(list(only['in'].keys()) in ([ips[2]], []) and
              only['in'].get(ips[2], {}).get('times') is None,
              'pkts filters by ip and can leave times out', only)

        st = nodes[0].call('status')
        check(st['ok'] and st['dht_nodes'] >= 2 and st['bootstrap_complete'],
              'status', st)
        bad = nodes[0].call('sample', node='0.0.0.0:6881')
        check(not bad['ok'] and 'only 127.0.0.0/8' in bad['error'],
              'an address off loopback is refused', bad)
        bad = nodes[0].call('nonsense')
        check(not bad['ok'], 'unknown command answered with ok=false', bad)
    except (RuntimeError, KeyError, ValueError) as e:
        check(False, 'no exception', repr(e))
    finally:
        for n in nodes:
            n.stop()
    print('# total %.1fs' % (time.time() - t0))
    print('lt_selftest: %d passed, %d failed' % (passed, failed))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
