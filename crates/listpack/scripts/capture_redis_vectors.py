"""Captures listpack/intset test vectors from a running Redis 7.0 (see
src/redis_vectors.rs): creates small hashes, sorted sets, sets and a list,
DUMPs them, and prints the extracted blobs and element sequences as JSON.

Usage: python3 capture_redis_vectors.py PORT   (a throwaway server: it FLUSHALLs)
"""
import socket, sys, json


class R:
    def __init__(s, port):
        s.s = socket.create_connection(("127.0.0.1", port)); s.f = s.s.makefile('rb')
    def cmd(s, *args):
        out = b"*%d\r\n" % len(args)
        for a in args:
            if isinstance(a, str): a = a.encode()
            if isinstance(a, int): a = str(a).encode()
            out += b"$%d\r\n%s\r\n" % (len(a), a)
        s.s.sendall(out); return s.read()
    def read(s):
        line = s.f.readline(); t = line[:1]; rest = line[1:-2]
        if t == b'+': return rest
        if t == b'-': raise Exception(rest)
        if t == b':': return int(rest)
        if t == b'$':
            n = int(rest)
            if n < 0: return None
            d = s.f.read(n + 2); return d[:-2]
        if t == b'*':
            return [s.read() for _ in range(int(rest))]

def rdb_len(b, i):
    t = b[i] >> 6
    if t == 0: return b[i] & 0x3f, i + 1
    if t == 1: return ((b[i] & 0x3f) << 8) | b[i+1], i + 2
    if b[i] == 0x80: return int.from_bytes(b[i+1:i+5], 'big'), i + 5
    if b[i] == 0x81: return int.from_bytes(b[i+1:i+9], 'big'), i + 9
    raise Exception("special encoding %x" % b[i])

def rdb_string(b, i):
    n, i = rdb_len(b, i); return b[i:i+n], i + n

def blobs(dump):
    typ = dump[0]
    if typ in (11, 16, 17):
        s, i = rdb_string(dump, 1)
        assert len(dump) - i == 10, (len(dump), i)
        return typ, [s]
    if typ == 18:
        n, i = rdb_len(dump, 1); out = []
        for _ in range(n):
            container, i = rdb_len(dump, i); assert container == 2
            s, i = rdb_string(dump, i); out.append(s)
        assert len(dump) - i == 10
        return typ, out
    raise Exception("type %d" % typ)

def main(port):
    r = R(port)
    r.cmd("FLUSHALL")
    for k, v in [("rdbcompression", "no"), ("hash-max-listpack-value", "30000"),
                 ("zset-max-listpack-value", "30000"), ("list-max-listpack-size", "-5")]:
        r.cmd("CONFIG", "SET", k, v)

    ints = ["0", "127", "128", "-1", "-4096", "4095", "4096", "-4097", "-32768", "32767", "32768",
            "-32769", "-8388608", "8388607", "8388608", "-8388609", "-2147483648", "2147483647",
            "2147483648", "-2147483649", "-9223372036854775808", "9223372036854775807",
            "9223372036854775808", "-9223372036854775809", "-0", "01", "+1", " 1", "1 ", "1.0"]
    cases = {}
    args = []
    for n, v in enumerate(ints):
        args += ["i%d" % n, v]
    r.cmd("HSET", "hash:ints", *args); cases["hash:ints"] = args

    strs = [b"", b"a", b"x" * 63, b"y" * 64, b"z" * 4095, b"w" * 4096, b"\xc3\xa9t\xc3\xa9", b"\x00\xff\x80", b"v" * 16400]
    args = []
    for n, v in enumerate(strs):
        args += [b"s%d" % n, v]
    r.cmd("HSET", "hash:strs", *args); cases["hash:strs"] = args

    r.cmd("ZADD", "zset:scores", "1", "a", "1.5", "b", "-2", "c", "0", "d", "1e20", "e", "inf", "f",
          "-inf", "g", "0.1", "h", "3.14159", "i", "123456789012", "j", "-0.5", "k", "5", "")
    r.cmd("ZADD", "zset:members", "1", "100", "2", "-7", "3", "x" * 100, "4", "\xe2\x82\xac")

    r.cmd("SADD", "set:int16", "3", "1", "2", "-32768", "32767")
    r.cmd("SADD", "set:int32", "5", "70000", "-1")
    r.cmd("SADD", "set:int64", "5000000000", "-5000000000", "0")
    r.cmd("SADD", "set:history", "70000"); r.cmd("SADD", "set:history", "1"); r.cmd("SREM", "set:history", "70000")

    r.cmd("RPUSH", "list:mixed", "a", "1", "-100", "hello world", "9223372036854775807", "")

    out = {}
    for key in ["hash:ints", "hash:strs", "zset:scores", "zset:members", "set:int16", "set:int32",
                "set:int64", "set:history", "list:mixed"]:
        enc = r.cmd("OBJECT", "ENCODING", key)
        dump = r.cmd("DUMP", key)
        typ, bl = blobs(dump)
        # the element sequence as Redis reports it
        if key.startswith("hash"):
            seq = r.cmd("HGETALL", key)
        elif key.startswith("zset"):
            seq = r.cmd("ZRANGE", key, "0", "-1", "WITHSCORES")
        elif key.startswith("set"):
            seq = sorted(int(x) for x in r.cmd("SMEMBERS", key))
        else:
            seq = r.cmd("LRANGE", key, "0", "-1")
        out[key] = {"encoding": enc.decode(), "rdb_type": typ, "blobs": [b.hex() for b in bl],
                    "seq": [x.hex() if isinstance(x, bytes) else x for x in seq]}
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main(int(sys.argv[1]))
