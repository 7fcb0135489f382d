"""Ziplist checks against Redis 7.0 (see src/ziplist.rs tests): builds
ziplists with an independent encoder, RESTOREs them as pre-7.0 RDB types
(13 hash ziplist, 12 zset ziplist, 14 quicklist of ziplists) and DUMPs the
listpack Redis converted them to; then RESTOREs corrupted ziplists as list
nodes with sanitize-dump-payload yes and records which Redis accepted.

Usage: python3 ziplist_vectors.py PORT OUT_FILE   (a throwaway server)
Prints "ziplist_hex listpack_hex" per vector; OUT_FILE gets "hex accepted".
"""
import random, sys

from capture_redis_vectors import R, blobs, rdb_len, rdb_string
from restore_differential import crc64


def enc_len(n):
    if n < 64:
        return bytes([n])
    if n < 16384:
        return bytes([0x40 | (n >> 8), n & 0xff])
    return b'\x80' + n.to_bytes(4, 'big')


def zl_entry(prevlen, value):
    pl = bytes([prevlen]) if prevlen < 254 else b'\xfe' + prevlen.to_bytes(4, 'little')
    if isinstance(value, int):
        v = value
        if 0 <= v <= 12:
            enc = bytes([0xF1 + v])
        elif -128 <= v <= 127:
            enc = b'\xfe' + v.to_bytes(1, 'little', signed=True)
        elif -32768 <= v <= 32767:
            enc = b'\xc0' + v.to_bytes(2, 'little', signed=True)
        elif -(1 << 23) <= v < (1 << 23):
            enc = b'\xf0' + v.to_bytes(3, 'little', signed=True)
        elif -(1 << 31) <= v < (1 << 31):
            enc = b'\xd0' + v.to_bytes(4, 'little', signed=True)
        else:
            enc = b'\xe0' + v.to_bytes(8, 'little', signed=True)
    else:
        n = len(value)
        if n <= 63:
            enc = bytes([n]) + value
        elif n <= 16383:
            enc = bytes([0x40 | (n >> 8), n & 0xff]) + value
        else:
            enc = b'\x80' + n.to_bytes(4, 'big') + value
    return pl + enc


def ziplist(values):
    body = b''
    prev = 0
    tail = 10
    for v in values:
        e = zl_entry(prev, v)
        tail = 10 + len(body)
        body += e
        prev = len(e)
    total = 10 + len(body) + 1
    return (total.to_bytes(4, 'little') + tail.to_bytes(4, 'little')
            + min(len(values), 65535).to_bytes(2, 'little') + body + b'\xff')


def payload(typ, strings, version):
    body = bytes([typ])
    if typ == 14:
        body += enc_len(len(strings))
    for s in strings:
        body += enc_len(len(s)) + s
    body += version
    return body + crc64(body).to_bytes(8, 'little')


def main(port, out_file):
    r = R(port)
    r.cmd("FLUSHALL")
    r.cmd("CONFIG", "SET", "sanitize-dump-payload", "yes")
    r.cmd("CONFIG", "SET", "rdbcompression", "no")
    for k in ["hash-max-listpack-value", "zset-max-listpack-value"]:
        r.cmd("CONFIG", "SET", k, "30000")
    version = r.cmd("DUMP", r.cmd("SET", "probe", "x") and "probe")[-10:-8]
    cases = [
        (13, [b"f1", 5, b"f2", b"hello", b"f3", -300, b"f4", 70000, b"f5", -9000000,
              b"f6", 3000000000, b"f7", 12, b"f8", 0, b"f9", -128, b"fa", b"123",
              b"fb", b"", b"fc", b"y" * 300, b"fd", b"z" * 17000]),
        (12, [b"a", b"1.5", b"b", 2, b"c", b"inf"]),
        (14, [b"x", 1, -1, b"\xc3\xa9", 127, 128, -129, b"w" * 253, 1 << 40, b"-0"]),
    ]
    for n, (typ, values) in enumerate(cases):
        zl = ziplist(values)
        key = "zl%d" % n
        r.cmd("RESTORE", key, "0", payload(typ, [zl], version))
        _, lps = blobs(r.cmd("DUMP", key))
        print(zl.hex(), lps[0].hex())
    bases = [ziplist(values) for _, values in cases]
    rng = random.Random(11)
    accepted = 0
    with open(out_file, 'w') as out:
        for i in range(3000):
            zl = bytearray(rng.choice(bases))
            for _ in range(rng.randint(1, 3)):
                k = rng.random()
                if k < 0.6:
                    zl[rng.randrange(len(zl))] = rng.choice(
                        [rng.randrange(256), 0xff, 0xfe, 0x00, 0xc0, 0xf0, 0xf5, 0x40, 0x80, 0xc1])
                elif k < 0.8:
                    zl.insert(rng.randrange(len(zl) + 1), rng.randrange(256))
                elif len(zl) > 1:
                    del zl[rng.randrange(len(zl))]
            if rng.random() < 0.8 and len(zl) >= 4:
                zl[0:4] = len(zl).to_bytes(4, 'little')
            if rng.random() < 0.3 and len(zl) >= 10:
                zl[8:10] = rng.choice([b'\xff\xff', (len(zl) % 12).to_bytes(2, 'little')])
            zl = bytes(zl)
            try:
                r.cmd("RESTORE", "c%d" % i, "0", payload(14, [zl], version))
                ok = 1
                accepted += 1
            except Exception:
                ok = 0
            out.write("%s %d\n" % (zl.hex(), ok))
    print("accepted", accepted, "of 3000", file=sys.stderr)


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2])
