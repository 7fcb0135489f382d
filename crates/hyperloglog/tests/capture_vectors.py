#!/usr/bin/env python3
"""Captures the vectors of redis_vectors.rs from a real Redis.

Run against Debian's redis-server 7.0.15 started with
    redis-server --port 17150 --save '' --daemonize yes
as: python3 capture_vectors.py 17150. It speaks RESP over a socket (no client library),
flushes the server, and prints the expected values that redis_vectors.rs holds.
"""
import socket
import sys


class Redis:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.file = self.sock.makefile("rb")

    def __call__(self, *args):
        out = b"*%d\r\n" % len(args)
        for arg in args:
            arg = arg if isinstance(arg, bytes) else str(arg).encode()
            out += b"$%d\r\n%s\r\n" % (len(arg), arg)
        self.sock.sendall(out)
        return self.read()

    def read(self):
        line = self.file.readline()[:-2]
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            raise RuntimeError(rest.decode())
        if kind == b":":
            return int(rest)
        if kind == b"$":
            return None if int(rest) < 0 else self.file.read(int(rest) + 2)[:-2]
        return [self.read() for _ in range(int(rest))]


def fnv1a(data):
    h = 0xCBF29CE484222325
    for byte in data:
        h = ((h ^ byte) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def elements(start, end):
    return [b"elem:%d" % i for i in range(start, end)]


def add(r, key, start, end, batch):
    for i in range(start, end, batch):
        r("PFADD", key, *elements(i, min(i + batch, end)))


def show(name, value):
    print("// %s: len %d, fnv1a %#018x" % (name, len(value), fnv1a(value)))
    if len(value) <= 200:
        print("//   hex %s" % value.hex())


def main():
    r = Redis(int(sys.argv[1]))
    r("FLUSHALL")
    r("CONFIG", "SET", "hll-sparse-max-bytes", 3000)
    add(r, "h10", 0, 10, 10)
    show("h10 after PFADD", r("GET", "h10"))
    print("// PFCOUNT h10 = %d" % r("PFCOUNT", "h10"))
    show("h10 after PFCOUNT", r("GET", "h10"))
    add(r, "h1000", 0, 1000, 100)
    show("h1000", r("GET", "h1000"))
    print("// PFCOUNT h1000 = %d" % r("PFCOUNT", "h1000"))
    add(r, "h100000", 0, 100000, 1000)
    show("h100000", r("GET", "h100000"))
    print("// PFCOUNT h100000 = %d" % r("PFCOUNT", "h100000"))
    print("// PFCOUNT h10 h1000 h100000 = %d" % r("PFCOUNT", "h10", "h1000", "h100000"))
    add(r, "h500", 500, 1500, 250)
    print("// PFCOUNT h1000 h500 = %d" % r("PFCOUNT", "h1000", "h500"))
    r("PFMERGE", "m_sparse", "h10", "h1000", "h500")
    show("PFMERGE m_sparse h10 h1000 h500", r("GET", "m_sparse"))
    r("PFMERGE", "m_dense", "h10", "h100000")
    show("PFMERGE m_dense h10 h100000", r("GET", "m_dense"))
    r("PFMERGE", "h10", "h1000")
    show("PFMERGE h10 h1000 (existing sparse destination)", r("GET", "h10"))
    binary = [bytes([b]) for b in range(256)] + [b""]
    r("PFADD", "bin", *binary)
    show("PFADD bin (the 256 single bytes and the empty string)", r("GET", "bin"))
    r("CONFIG", "SET", "hll-sparse-max-bytes", 100)
    add(r, "small", 0, 40, 1)
    show("hll-sparse-max-bytes 100, PFADD small elem:0..39 one by one", r("GET", "small"))
    r("CONFIG", "SET", "hll-sparse-max-bytes", 3000)
    packed = 51 | 51 << 6 | 51 << 12 | 51 << 18  # four 6-bit registers in three bytes
    registers = packed.to_bytes(3, "little") * 4096  # every register 51
    r("SET", "forged", b"HYLL" + bytes(11) + b"\x80" + registers)
    print("// PFCOUNT forged (all registers 51) = %d" % r("PFCOUNT", "forged"))
    show("forged after PFCOUNT", r("GET", "forged")[:16])


main()
