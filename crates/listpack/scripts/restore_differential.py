"""Differential check of listpack validation against Redis 7.0: corrupts valid
list nodes at random, RESTOREs each as a one-node list with
sanitize-dump-payload yes, and writes "hex accepted" lines (1 = Redis took
it) for comparison with validate(bytes, true) (see src/redis_vectors.rs).

Usage: python3 restore_differential.py PORT OUT_FILE   (a throwaway server)
"""
import random, sys

from capture_redis_vectors import R, blobs

POLY = 0x95AC9329AC4BC9B5  # Redis's crc64 (Jones), reflected
TABLE = []
for i in range(256):
    c = i
    for _ in range(8):
        c = (c >> 1) ^ POLY if c & 1 else c >> 1
    TABLE.append(c)


def crc64(b):
    c = 0
    for x in b:
        c = TABLE[(c ^ x) & 0xff] ^ (c >> 8)
    return c


assert crc64(b"123456789")==0xe9c6d914c4b8d9ca
def enc_len(n):
    if n < 64: return bytes([n])
    if n < 16384: return bytes([0x40 | (n>>8), n & 0xff])
    return b'\x80' + n.to_bytes(4,'big')


def main(port, out_file):
    r=R(port)
    r.cmd("FLUSHALL"); r.cmd("CONFIG","SET","sanitize-dump-payload","yes"); r.cmd("CONFIG","SET","rdbcompression","no")
    r.cmd("CONFIG","SET","list-max-listpack-size","-5")
    r.cmd("RPUSH","base1","a","1","-100","hello world","9223372036854775807","", "x"*70, "500", "-70000")
    r.cmd("RPUSH","base2","k"*200, "1", "2", "3")
    dump=r.cmd("DUMP","base1")
    typ,bl=blobs(dump)
    ver=dump[-10:-8]
    assert crc64(dump[:-8]).to_bytes(8,'little')==dump[-8:]
    bases=[bl[0], blobs(r.cmd("DUMP","base2"))[1][0]]
    def payload(lp):
        body=bytes([18])+enc_len(1)+enc_len(2)+enc_len(len(lp))+lp+ver
        return body+crc64(body).to_bytes(8,'little')
    # sanity: restoring the base works
    r.cmd("RESTORE","t0","0",payload(bases[0]))
    rng=random.Random(7)
    out=open(out_file,'w')
    acc=0
    N=4000
    for i in range(N):
        lp=bytearray(rng.choice(bases))
        for _ in range(rng.randint(1,3)):
            k=rng.random()
            if k<0.6: lp[rng.randrange(len(lp))]=rng.choice([rng.randrange(256),0xff,0x80,0x00,0x7f,0xf0,0xf4,0xc0,0xe0])
            elif k<0.8: lp.insert(rng.randrange(len(lp)+1), rng.randrange(256))
            elif len(lp)>1: del lp[rng.randrange(len(lp))]
        if rng.random()<0.8 and len(lp)>=4: lp[0:4]=len(lp).to_bytes(4,'little')
        if rng.random()<0.3 and len(lp)>=6: lp[4:6]=rng.choice([b'\xff\xff', (len(lp)%12).to_bytes(2,'little')])
        lp=bytes(lp)
        try:
            r.cmd("RESTORE","k%d"%i,"0",payload(lp)); ok=1; acc+=1
        except Exception as e:
            ok=0; err=str(e)
        out.write("%s %d\n"%(lp.hex(), ok))
    print("accepted", acc, "of", N)
    print(r.cmd("PING"))


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2])
