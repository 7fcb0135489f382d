#!/usr/bin/env python3
"""Captures the replies of redis_cases.rs from a real Redis.

Run against Debian's redis-server 7.0.15 started with
    redis-server --port 17150 --save '' --daemonize yes
as: python3 capture_cases.py 17150 > cases.txt, then paste the lines into CASES. It speaks
RESP over a socket. Replies are written as redis_cases.rs renders them: integers, `nil`,
`[a,b]` for arrays (nil elements as `nil`), `OK`, or the error text after `-`. `SETHEX key
hex` is SET with a binary value; `GET` replies in hex.
"""
import socket
import sys

CASES = """
SETBIT k 7 1
SETBIT k 7 0
SETBIT k 4294967295x 1
SETBIT k 4294967296 1
SETBIT k -1 1
SETBIT k 1 2
SETBIT k 1 -1
SETBIT k 1 x
SETBIT k #1 1
GET k
GETBIT k 7
GETBIT k 100000
GETBIT k 4294967296
GETBIT missing 0
SETHEX s 666f6f626172
BITCOUNT s
BITCOUNT s 1 1
BITCOUNT s 1 1 BYTE
BITCOUNT s 5 30 BIT
BITCOUNT s 5 30 bit
BITCOUNT s -2 -1
BITCOUNT s -1 -2 nonsense
BITCOUNT s -100 100
BITCOUNT s 0 1 nonsense
BITCOUNT s 0
BITCOUNT s 0 1 BIT x
BITCOUNT s a 1
BITCOUNT s 0 9223372036854775808
BITCOUNT missing 0
BITCOUNT missing a b c
SETHEX ones ffff
BITPOS ones 0
BITPOS ones 0 0
BITPOS ones 0 0 -1
BITPOS ones 1 -1
BITPOS ones 1 2
BITPOS ones 1 1 0
BITPOS ones 2
BITPOS ones x
BITPOS ones 1 x
BITPOS ones 1 0 x
BITPOS ones 1 0 1 BITS
BITPOS ones 1 0 1 BIT x
SETHEX mix fff000
BITPOS mix 0
BITPOS mix 1 2
BITPOS mix 0 7 15 BIT
BITPOS mix 1 7 15 BIT
BITPOS mix 0 0 7 BIT
BITPOS mix 0 12 -1 bit
BITPOS mix 1 -5 -1 BIT
BITPOS missing 1 x y z
BITPOS missing 0
SETHEX a ff0f
SETHEX b 0f
BITOP AND dest a b
GET dest
BITOP OR dest a b missing
GET dest
BITOP XOR dest a b
GET dest
BITOP NOT dest a
GET dest
BITOP NOT dest a b
BITOP NAND dest a
BITOP AND dest missing other
GET dest
BITFIELD bf SET i8 0 100 INCRBY i8 0 100 GET i8 0
BITFIELD bf OVERFLOW SAT INCRBY i8 0 100 OVERFLOW FAIL INCRBY i8 0 1 OVERFLOW WRAP INCRBY i8 0 1
BITFIELD bf INCRBY u2 100 1 INCRBY u2 100 3 OVERFLOW SAT INCRBY u2 100 10
GET bf
BITFIELD bf SET u8 #2 255 GET u8 #2 GET u4 16 GET i4 20
BITFIELD bf SET i64 64 9223372036854775807 INCRBY i64 64 1 OVERFLOW SAT INCRBY i64 64 -1
BITFIELD bf OVERFLOW SAT SET i23 200 -9223372036854775808 GET i23 200
BITFIELD bf OVERFLOW SAT SET i8 240 -200 GET i8 240
BITFIELD bf SET u63 300 -1 GET u63 300
BITFIELD bf OVERFLOW FAIL SET u8 400 256 GET u8 400
BITFIELD bf GET u64 0
BITFIELD bf GET i65 0
BITFIELD bf GET i0 0
BITFIELD bf GET I8 0
BITFIELD bf GET i8 -1
BITFIELD bf GET i8 #-1
BITFIELD bf GET i8 4294967296
BITFIELD bf GET i8
BITFIELD bf OVERFLOW
BITFIELD bf OVERFLOW BOUNCE GET i8 0
BITFIELD bf SET i8 0 x
BITFIELD bf FOO i8 0
BITFIELD bf
BITFIELD_RO bf GET i8 0 GET u16 #1
BITFIELD_RO bf SET i8 0 1
BITFIELD_RO bf SET i8 0 x
BITFIELD_RO missing GET i8 0
BITFIELD grow OVERFLOW FAIL INCRBY u8 800 256
GET grow
"""


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
        if kind in (b"+", b"-", b":"):
            return rest.decode()
        if kind == b"$":
            return "nil" if int(rest) < 0 else self.file.read(int(rest) + 2)[:-2].hex()
        count = int(rest)
        return "nil" if count < 0 else "[" + ",".join(self.read() for _ in range(count)) + "]"


def main():
    r = Redis(int(sys.argv[1]))
    r("FLUSHALL")
    for line in CASES.strip().splitlines():
        words = line.split()
        if words[0] == "SETHEX":
            reply = r("SET", words[1], bytes.fromhex(words[2]))
        else:
            reply = r(*words)
        print('    ("%s", "%s"),' % (line, reply))


main()
