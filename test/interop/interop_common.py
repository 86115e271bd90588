# test/interop/interop_common.py
#     What lt_node.py and bad_peer.py share: the JSON-lines command
#     plumbing (one request object per line in, one answer per line out),
#     a lenient bencode decoder, and the making of a torrent (its files
#     written, then libtorrent's create_torrent).
#
# Owns no process state and no assertion.  Imports libtorrent only in
# torrent_bytes (bad_peer.py needs it only for make_torrent).  Both
# scripts run with /usr/bin/python3 from any directory and find this
# module through their own directory on sys.path.
import json
import os
import sys

# The size of one created file.
MAX_FILE_SIZE = 16 * 1024 * 1024


def emit(obj):
    """One JSON line on stdout; exit quietly when the reader is gone."""
    try:
        sys.stdout.write(json.dumps(obj) + '\n')
        sys.stdout.flush()
    except (BrokenPipeError, OSError):
        os._exit(0)


def begin_answer(line):
    """(request, answer so far: ok, cmd, the echoed id) for one line;
    (None, the error answer) if the line is not a JSON object."""
    try:
        c = json.loads(line)
        if not isinstance(c, dict):
            raise ValueError('a command is a JSON object')
    except ValueError as e:
        return None, {'ok': False, 'error': 'bad request: %s' % e}
    out = {'ok': True, 'cmd': c.get('cmd')}
    if 'id' in c:
        out['id'] = c['id']
    return c, out


def bdecode(buf, pos=0, depth=0, max_depth=32, strict=False):
    """Lenient bencode: (value, next position); ValueError on malformed
    input.  strict also refuses an unterminated list or dict and a dict
    with an odd number of items (else the last item is dropped)."""
    if depth > max_depth or pos >= len(buf):
        raise ValueError('bad bencode')
    c = buf[pos:pos + 1]
    if c == b'i':
        end = buf.index(b'e', pos)
        return int(buf[pos + 1:end]), end + 1
    if c.isdigit():
        colon = buf.index(b':', pos)
        n = int(buf[pos:colon])
        if colon + 1 + n > len(buf):
            raise ValueError('short string')
        return buf[colon + 1:colon + 1 + n], colon + 1 + n
    if c in (b'l', b'd'):
        items = []
        pos += 1
        while buf[pos:pos + 1] != b'e':
            if strict and pos >= len(buf):
                raise ValueError('unterminated')
            v, pos = bdecode(buf, pos, depth + 1, max_depth, strict)
            items.append(v)
        if c == b'l':
            return items, pos + 1
        if strict and len(items) % 2:
            raise ValueError('odd dict')
        return dict(zip(items[0::2], items[1::2])), pos + 1
    raise ValueError('bad bencode')


def write_files(root, name, files):
    """Check files ([[path, size], ...] of torrent name: plain relative
    paths, sizes up to MAX_FILE_SIZE) and write each, random bytes, under
    root (under root/name unless it is the one file named name);
    [(path relative to root, size), ...] in the order given."""
    single = len(files) == 1 and files[0][0] == name
    written = []
    for path, size in files:
        parts = [p for p in str(path).split('/') if p]
        if not parts or any(p in ('.', '..') for p in parts):
            raise ValueError('bad file path %r' % path)
        if not 0 <= int(size) <= MAX_FILE_SIZE:
            raise ValueError('file size out of range: %r' % size)
        rel = os.path.join(*parts) if single else os.path.join(name, *parts)
        full = os.path.join(root, rel)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, 'wb') as f:
            f.write(os.urandom(int(size)))
        written.append((rel, int(size)))
    return written


def torrent_bytes(root, name, files, flags):
    """Write files (see write_files) under root and make their torrent
    with libtorrent's create_torrent (flags: 0 for a hybrid, or
    create_torrent.v1_only / v2_only); the bencoded .torrent."""
    import libtorrent as lt
    fs = lt.file_storage()
    for rel, size in write_files(root, name, files):
        fs.add_file(rel, size)
    ct = lt.create_torrent(fs, 0, flags)
    ct.set_creator('dht_indexer interop test')
    lt.set_piece_hashes(ct, root)
    return lt.bencode(ct.generate())
