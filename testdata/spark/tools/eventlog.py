"""Minimal Spark event-log reader for the corpus checks (not for sparkdiag).

Handles plain, lz4 (lz4-java block stream), lzf (ning chunks), snappy
(snappy-java stream) and zstd (needs the ``zstandard`` package) files, single
files, ``.inprogress`` files (a truncated last line is ignored) and rolling
``eventlog_v2_*`` directories.  The lz4, lzf and snappy decoders are small
pure-Python implementations written from the format descriptions in
shared/docs/eventlog-format.md.
"""

import json
import os
import struct


def _lz4_block(src, out_len):
    out = bytearray()
    i, n = 0, len(src)
    while i < n:
        token = src[i]
        i += 1
        lit = token >> 4
        if lit == 15:
            while True:
                b = src[i]
                i += 1
                lit += b
                if b != 255:
                    break
        out += src[i:i + lit]
        i += lit
        if i >= n:
            break
        off = src[i] | (src[i + 1] << 8)
        i += 2
        ml = token & 15
        if ml == 15:
            while True:
                b = src[i]
                i += 1
                ml += b
                if b != 255:
                    break
        ml += 4
        start = len(out) - off
        if off >= ml:
            out += out[start:start + ml]
        else:
            for k in range(ml):
                out.append(out[start + k])
    if len(out) != out_len:
        raise ValueError("lz4: bad block length")
    return bytes(out)


def decode_lz4(data):
    out, i = [], 0
    while i + 21 <= len(data):
        if data[i:i + 8] != b"LZ4Block":
            raise ValueError("lz4: bad magic at %d" % i)
        token = data[i + 8]
        clen, dlen = struct.unpack_from("<ii", data, i + 9)
        i += 21
        if i + clen > len(data):
            break  # truncated (in-progress) block
        payload = data[i:i + clen]
        i += clen
        if dlen == 0:
            continue
        out.append(payload if token & 0xF0 == 0x10 else _lz4_block(payload, dlen))
    return b"".join(out)


def _lzf_chunk(src, out_len):
    out = bytearray()
    i, n = 0, len(src)
    while i < n:
        c = src[i]
        i += 1
        if c < 32:
            out += src[i:i + c + 1]
            i += c + 1
            continue
        ln = c >> 5
        if ln == 7:
            ln += src[i]
            i += 1
        ref = len(out) - (((c & 0x1F) << 8) | src[i]) - 1
        i += 1
        for k in range(ln + 2):
            out.append(out[ref + k])
    if len(out) != out_len:
        raise ValueError("lzf: bad chunk length")
    return bytes(out)


def decode_lzf(data):
    out, i = [], 0
    while i + 5 <= len(data):
        if data[i:i + 2] != b"ZV":
            raise ValueError("lzf: bad chunk header at %d" % i)
        kind = data[i + 2]
        ln = (data[i + 3] << 8) | data[i + 4]
        if kind == 0:
            if i + 5 + ln > len(data):
                break
            out.append(data[i + 5:i + 5 + ln])
            i += 5 + ln
        else:
            if i + 7 > len(data):
                break
            ulen = (data[i + 5] << 8) | data[i + 6]
            if i + 7 + ln > len(data):
                break
            out.append(_lzf_chunk(data[i + 7:i + 7 + ln], ulen))
            i += 7 + ln
    return b"".join(out)


def _uvarint(b, i):
    x = s = 0
    while True:
        c = b[i]
        i += 1
        x |= (c & 0x7F) << s
        if c < 0x80:
            return x, i
        s += 7


def _snappy_block(src):
    ulen, i = _uvarint(src, 0)
    out = bytearray()
    n = len(src)
    while i < n:
        tag = src[i]
        i += 1
        t = tag & 3
        if t == 0:
            ln = tag >> 2
            if ln >= 60:
                nb = ln - 59
                ln = int.from_bytes(src[i:i + nb], "little")
                i += nb
            ln += 1
            out += src[i:i + ln]
            i += ln
            continue
        if t == 1:
            ln = ((tag >> 2) & 7) + 4
            off = ((tag >> 5) << 8) | src[i]
            i += 1
        elif t == 2:
            ln = (tag >> 2) + 1
            off = src[i] | (src[i + 1] << 8)
            i += 2
        else:
            ln = (tag >> 2) + 1
            off = int.from_bytes(src[i:i + 4], "little")
            i += 4
        start = len(out) - off
        if off >= ln:
            out += out[start:start + ln]
        else:
            for k in range(ln):
                out.append(out[start + k])
    if len(out) != ulen:
        raise ValueError("snappy: bad block length")
    return bytes(out)


SNAPPY_MAGIC = b"\x82SNAPPY\x00"


def decode_snappy(data):
    out, i = [], 0
    while i < len(data):
        if data[i:i + 8] == SNAPPY_MAGIC:
            i += 16
            continue
        if i + 4 > len(data):
            break
        (ln,) = struct.unpack_from(">i", data, i)
        i += 4
        if i + ln > len(data):
            break
        out.append(_snappy_block(data[i:i + ln]))
        i += ln
    return b"".join(out)


def decode_zstd(data):
    import zstandard

    d = zstandard.ZstdDecompressor()
    out = bytearray()
    with d.stream_reader(data, read_across_frames=True) as r:
        while True:
            try:
                chunk = r.read(1 << 20)
            except zstandard.ZstdError:
                break  # unfinished last frame of an in-progress log
            if not chunk:
                break
            out += chunk
    return bytes(out)


def decode(data):
    if data[:8] == b"LZ4Block":
        return decode_lz4(data)
    if data[:2] == b"ZV":
        return decode_lzf(data)
    if data[:8] == SNAPPY_MAGIC:
        return decode_snappy(data)
    if data[:4] == b"\x28\xb5\x2f\xfd":
        return decode_zstd(data)
    return data


def _files(path):
    if os.path.isdir(path):
        subs = [s for s in os.listdir(path) if s.startswith("eventlog_v2_")]
        if subs:
            path = os.path.join(path, subs[0])
        files = [f for f in os.listdir(path) if f.startswith("events_")]
        files.sort(key=lambda f: int(f.split("_")[1]))
        return [os.path.join(path, f) for f in files]
    return [path]


def iter_events(path):
    """Yield event dicts; a truncated last line is skipped."""
    for f in _files(path):
        with open(f, "rb") as fh:
            text = decode(fh.read())
        lines = text.split(b"\n")
        for k, line in enumerate(lines):
            if not line.strip():
                continue
            try:
                yield json.loads(line)
            except ValueError:
                if k >= len(lines) - 2:
                    return
                raise
