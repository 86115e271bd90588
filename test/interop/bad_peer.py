#!/usr/bin/python3
# test/interop/bad_peer.py
#     A BitTorrent peer on loopback that serves metadata whose bytes do not
#     match the info hash (and, on request, the right metadata of torrents
#     libtorrent makes for it), driven by JSON lines.
#
# Owns: one TCP listen socket on a 127/8 address, the peer side of the
# BEP 3 handshake, the BEP 10 extension handshake and BEP 9 ut_metadata for
# whatever info hash a connection asks for, and the record of every
# connection (hash asked for, how far it got, pieces served).  Does not own
# the DHT side: the test announces this peer itself (get_peers for a token,
# then announce_peer with implied_port 0 and our TCP port, from our
# address), nor any assertion.
#
# What it serves: at start it makes one genuine-looking info dict (single
# file, name, length, piece length, pieces) -- the "claimed" torrent, whose
# SHA-1 and truncated SHA-256 are the hashes to announce -- and serves, to
# every request, a copy with one byte of "pieces" flipped: same length,
# same structure, valid bencode and a valid info dict, but neither hash
# matches.  The dict is over 16 KiB, so ut_metadata takes two pieces.
# The exception: a torrent made with make_torrent (by libtorrent's
# create_torrent, like lt_node.py's add_torrent, but with any name, which
# lt_node.py refuses) is served with its own, correct info dict under
# both of its hashes.
#
# Protocol: one JSON object per line on stdin, one per line on stdout.
# First line out: {"event": "ready", "listen": "ip:port", "claimed":
# {"v1", "v2"}, "served": {"sha1", "sha256", "name", "size", "pieces"}}.
# Then every request gets one answer {"ok": ..., "cmd": ...}:
#   conns    every connection so far: peer, hash (hex, once its handshake
#            was read), served ("wrong" or "right"), handshake (we answered
#            it), ext_handshake (theirs read), requests (piece numbers
#            asked), pieces_sent, end (why it ended, or null while open)
#   make_torrent  name, files [[path, size], ...], version (hybrid|v1):
#            write the files (random bytes) under --workdir, make the
#            torrent with python3-libtorrent, serve it; answers v1, v2
#            (truncated), v2_full, torrent_file, pieces
#   quit     answer, then exit
#
# Invariants: binds only a 127/8 literal; never connects anywhere; at most
# MAX_CONNS connections are recorded and served (the rest are closed at
# once, counted); every socket read has a timeout; the process exits on
# stdin EOF, on quit, and after --lifetime seconds (SIGALRM).
import argparse
import hashlib
import ipaddress
import os
import signal
import socket
import struct
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from interop_common import bdecode, begin_answer, emit, torrent_bytes  # noqa: E402

LOOPBACK = ipaddress.ip_network('127.0.0.0/8')
PSTR = b'\x13BitTorrent protocol'
# Our id for ut_metadata messages sent to us (BEP 10 "m").
OUR_UT_METADATA = 2
PIECE_LEN = 16384
MAX_CONNS = 256
MAX_FRAME = 1024 * 1024
IO_TIMEOUT = 15.0
# The claimed torrent's single file: 1,100 pieces of 16 KiB make a
# "pieces" string of 22,000 bytes, so the info dict needs two metadata
# pieces.
FILE_PIECES = 1100
# make_torrent's bound on files, as in lt_node.py.
MAX_FILES = 64


def bencode(v):
    if isinstance(v, int):
        return b'i%de' % v
    if isinstance(v, str):
        v = v.encode()
    if isinstance(v, bytes):
        return b'%d:%s' % (len(v), v)
    if isinstance(v, list):
        return b'l' + b''.join(bencode(x) for x in v) + b'e'
    if isinstance(v, dict):
        items = sorted((k.encode() if isinstance(k, str) else k, x)
                       for k, x in v.items())
        return b'd' + b''.join(bencode(k) + bencode(x) for k, x in items) + b'e'
    raise TypeError('cannot bencode %r' % type(v))


def make_metadata():
    """(claimed info dict, served info dict): one byte of pieces differs."""
    name = 'bad_peer wrong bytes %s' % os.urandom(4).hex()
    pieces = bytearray(os.urandom(20 * FILE_PIECES))
    claimed = bencode({'name': name, 'length': FILE_PIECES * PIECE_LEN,
                       'piece length': PIECE_LEN, 'pieces': bytes(pieces)})
    pieces[len(pieces) // 2] ^= 0x01
    served = bencode({'name': name, 'length': FILE_PIECES * PIECE_LEN,
                      'piece length': PIECE_LEN, 'pieces': bytes(pieces)})
    assert len(served) == len(claimed) and served != claimed
    return name, claimed, served


class Peer:
    def __init__(self, args):
        ip = ipaddress.ip_address(args.bind)
        if ip not in LOOPBACK:
            raise ValueError('refusing %s: only 127.0.0.0/8 is allowed' % ip)
        self.lock = threading.Lock()
        self.conns = []
        self.refused = 0
        self.peer_id = b'-BP0001-' + os.urandom(12)
        self.name, claimed, self.served = make_metadata()
        self.claimed = {'v1': hashlib.sha1(claimed).hexdigest(),
                        'v2': hashlib.sha256(claimed).hexdigest()[:40]}
        self.npieces = (len(self.served) + PIECE_LEN - 1) // PIECE_LEN
        self.right = {}         # info hash (20 bytes) -> its info dict
        self.workdir = args.workdir or tempfile.mkdtemp(prefix='bad_peer.')
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((str(ip), args.port))
        self.sock.listen(64)
        self.listen = '%s:%d' % self.sock.getsockname()

    def ready(self):
        return {'event': 'ready', 'listen': self.listen, 'pid': os.getpid(),
                'claimed': self.claimed,
                'served': {'sha1': hashlib.sha1(self.served).hexdigest(),
                           'sha256': hashlib.sha256(self.served).hexdigest(),
                           'name': self.name, 'size': len(self.served),
                           'pieces': self.npieces}}

    def accept_loop(self):
        while True:
            try:
                conn, addr = self.sock.accept()
            except OSError:
                return
            with self.lock:
                if len(self.conns) >= MAX_CONNS:
                    self.refused += 1
                    conn.close()
                    continue
                rec = {'peer': '%s:%d' % addr, 'time': time.time(),
                       'hash': None, 'served': None, 'handshake': False,
                       'ext_handshake': False, 'requests': [],
                       'pieces_sent': 0, 'end': None}
                self.conns.append(rec)
            threading.Thread(target=self.serve, args=(conn, rec),
                             daemon=True).start()

    @staticmethod
    def recv_exact(conn, n):
        buf = b''
        while len(buf) < n:
            chunk = conn.recv(n - len(buf))
            if not chunk:
                raise EOFError('closed by the other side')
            buf += chunk
        return buf

    @staticmethod
    def send_frame(conn, payload):
        conn.sendall(struct.pack('>I', len(payload)) + payload)

    def handshake(self, conn, rec, state):
        hs = self.recv_exact(conn, 68)
        if hs[:20] != PSTR:
            raise ValueError('not a BitTorrent handshake')
        info_hash = hs[28:48]
        with self.lock:
            state['metadata'] = self.right.get(info_hash, self.served)
            rec['hash'] = info_hash.hex()
            rec['served'] = 'right' if info_hash in self.right else 'wrong'
        reserved = bytearray(8)
        reserved[5] |= 0x10             # BEP 10 extension protocol
        conn.sendall(PSTR + bytes(reserved) + info_hash + self.peer_id)
        ext = bencode({'m': {'ut_metadata': OUR_UT_METADATA},
                       'metadata_size': len(state['metadata']),
                       'reqq': 16, 'v': 'dht_indexer bad_peer'})
        self.send_frame(conn, bytes([20, 0]) + ext)
        with self.lock:
            rec['handshake'] = True

    def on_extended(self, conn, rec, body, state):
        if body[1] == 0:
            msg, _ = bdecode(body[2:], max_depth=16, strict=True)
            state['their_ut'] = msg.get(b'm', {}).get(b'ut_metadata')
            with self.lock:
                rec['ext_handshake'] = True
            return
        if body[1] != OUR_UT_METADATA:
            return
        msg, _ = bdecode(body[2:], max_depth=16, strict=True)
        if msg.get(b'msg_type') != 0 or not state.get('their_ut'):
            return
        piece = msg.get(b'piece')
        with self.lock:
            rec['requests'].append(piece)
        metadata = state['metadata']
        npieces = (len(metadata) + PIECE_LEN - 1) // PIECE_LEN
        if not isinstance(piece, int) or not 0 <= piece < npieces:
            reply = bencode({'msg_type': 2, 'piece': piece if isinstance(piece, int) else 0})
        else:
            data = metadata[piece * PIECE_LEN:(piece + 1) * PIECE_LEN]
            reply = bencode({'msg_type': 1, 'piece': piece,
                             'total_size': len(metadata)}) + data
        self.send_frame(conn, bytes([20, state['their_ut']]) + reply)
        if isinstance(piece, int) and 0 <= piece < npieces:
            with self.lock:
                rec['pieces_sent'] += 1

    def serve(self, conn, rec):
        end = 'closed by the other side'
        state = {}
        conn.settimeout(IO_TIMEOUT)
        try:
            self.handshake(conn, rec, state)
            while True:
                n, = struct.unpack('>I', self.recv_exact(conn, 4))
                if n == 0:
                    continue            # keepalive
                if n > MAX_FRAME:
                    end = 'frame of %d bytes' % n
                    break
                body = self.recv_exact(conn, n)
                if body[0] == 20 and len(body) >= 2:
                    self.on_extended(conn, rec, body, state)
        except EOFError:
            pass
        except socket.timeout:
            end = 'timeout'
        except (OSError, ValueError, AttributeError) as e:
            end = '%s: %s' % (type(e).__name__, e)
        finally:
            conn.close()
            with self.lock:
                rec['end'] = end

    def make_torrent(self, c):
        import libtorrent as lt     # only this command needs it
        name = c['name']
        if (not isinstance(name, str) or not 0 < len(name) <= 200
                or '/' in name or name in ('.', '..')
                or any(ord(ch) < 32 for ch in name)):
            raise ValueError('torrent name must be a plain file name: %r' % name)
        files = c.get('files') or [[name, 32768]]
        if len(files) > MAX_FILES:
            raise ValueError('at most %d files' % MAX_FILES)
        flags = {'hybrid': 0, 'v1': lt.create_torrent.v1_only}[
            c.get('version', 'hybrid')]
        root = tempfile.mkdtemp(dir=self.workdir)
        data = torrent_bytes(root, name, files, flags)
        ti = lt.torrent_info(data)
        info = ti.info_section()
        ih = ti.info_hashes()
        v1 = ih.v1.to_bytes() if ih.has_v1() else None
        v2 = ih.v2.to_bytes() if ih.has_v2() else None
        if v1 and hashlib.sha1(info).digest() != v1:
            raise RuntimeError('info_section() is not what the v1 hash covers')
        path = os.path.join(self.workdir, (v1 or v2[:20]).hex() + '.torrent')
        with open(path, 'wb') as f:
            f.write(data)
        with self.lock:
            for h in (v1, v2[:20] if v2 else None):
                if h:
                    self.right[h] = info
        return {'v1': v1.hex() if v1 else None,
                'v2': v2[:20].hex() if v2 else None,
                'v2_full': v2.hex() if v2 else None,
                'torrent_file': path,
                'pieces': (len(info) + PIECE_LEN - 1) // PIECE_LEN}

    def handle(self, line):
        c, out = begin_answer(line)
        if c is None:
            return out
        if c.get('cmd') == 'conns':
            with self.lock:
                out['conns'] = [dict(r, requests=list(r['requests']))
                                for r in self.conns]
                out['refused'] = self.refused
        elif c.get('cmd') == 'make_torrent':
            try:
                out.update(self.make_torrent(c))
            except (ValueError, KeyError, TypeError, OSError,
                    RuntimeError) as e:
                out.update(ok=False, error='%s: %s' % (type(e).__name__, e))
        elif c.get('cmd') != 'quit':
            out.update(ok=False, error='unknown command %r' % c.get('cmd'))
        return out


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument('--bind', required=True, help='127/8 address to bind')
    p.add_argument('--port', type=int, default=0, help='TCP port (0: any)')
    p.add_argument('--workdir', help='files and torrents of make_torrent')
    p.add_argument('--lifetime', type=float, default=300,
                   help='exit after this many seconds whatever happens')
    args = p.parse_args()

    signal.signal(signal.SIGALRM, lambda *_: os._exit(0))
    signal.alarm(max(1, int(args.lifetime)))
    try:
        peer = Peer(args)
    except (ValueError, OSError) as e:
        emit({'event': 'fatal', 'error': str(e)})
        os._exit(2)
    threading.Thread(target=peer.accept_loop, daemon=True).start()
    emit(peer.ready())
    for line in sys.stdin:
        if not line.strip():
            continue
        out = peer.handle(line)
        emit(out)
        if out.get('cmd') == 'quit':
            break
    os._exit(0)


if __name__ == '__main__':
    main()
