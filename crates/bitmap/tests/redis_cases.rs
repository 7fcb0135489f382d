//! Replies captured from a real Redis: Debian's redis-server 7.0.15, started with
//! `redis-server --port 17150 --save '' --daemonize yes`, by `capture_cases.py` (beside this
//! file), which runs the commands of `CASES` in order and prints each reply. Here the same
//! commands run through the library over a small keyspace, in the way the store calls it
//! (parse, look up, run), and must give the same replies.

use bitmap::{
    BitOp, Bitfield, BitfieldCommand, DEFAULT_PROTO_MAX_BULK_LEN, bitcount, bitop, bitpos, getbit,
    parse_bit_offset, parse_bit_value, parse_bitfield, parse_bitpos_bit, setbit,
};
use std::collections::HashMap;

/// (command, Redis's reply): integers, `nil`, `[a,b]` arrays, `OK`, error texts, and
/// values in hex for GET. `SETHEX key hex` stores a binary value.
const CASES: &[(&str, &str)] = &[
    ("SETBIT k 7 1", "0"),
    ("SETBIT k 7 0", "1"),
    (
        "SETBIT k 4294967295x 1",
        "ERR bit offset is not an integer or out of range",
    ),
    (
        "SETBIT k 4294967296 1",
        "ERR bit offset is not an integer or out of range",
    ),
    (
        "SETBIT k -1 1",
        "ERR bit offset is not an integer or out of range",
    ),
    ("SETBIT k 1 2", "ERR bit is not an integer or out of range"),
    ("SETBIT k 1 -1", "ERR bit is not an integer or out of range"),
    ("SETBIT k 1 x", "ERR bit is not an integer or out of range"),
    (
        "SETBIT k #1 1",
        "ERR bit offset is not an integer or out of range",
    ),
    ("GET k", "00"),
    ("GETBIT k 7", "0"),
    ("GETBIT k 100000", "0"),
    (
        "GETBIT k 4294967296",
        "ERR bit offset is not an integer or out of range",
    ),
    ("GETBIT missing 0", "0"),
    ("SETHEX s 666f6f626172", "OK"),
    ("BITCOUNT s", "26"),
    ("BITCOUNT s 1 1", "6"),
    ("BITCOUNT s 1 1 BYTE", "6"),
    ("BITCOUNT s 5 30 BIT", "17"),
    ("BITCOUNT s 5 30 bit", "17"),
    ("BITCOUNT s -2 -1", "7"),
    ("BITCOUNT s -1 -2 nonsense", "0"),
    ("BITCOUNT s -100 100", "26"),
    ("BITCOUNT s 0 1 nonsense", "ERR syntax error"),
    ("BITCOUNT s 0", "ERR syntax error"),
    ("BITCOUNT s 0 1 BIT x", "ERR syntax error"),
    (
        "BITCOUNT s a 1",
        "ERR value is not an integer or out of range",
    ),
    (
        "BITCOUNT s 0 9223372036854775808",
        "ERR value is not an integer or out of range",
    ),
    ("BITCOUNT missing 0", "0"),
    ("BITCOUNT missing a b c", "0"),
    ("SETHEX ones ffff", "OK"),
    ("BITPOS ones 0", "16"),
    ("BITPOS ones 0 0", "16"),
    ("BITPOS ones 0 0 -1", "-1"),
    ("BITPOS ones 1 -1", "8"),
    ("BITPOS ones 1 2", "-1"),
    ("BITPOS ones 1 1 0", "-1"),
    ("BITPOS ones 2", "ERR The bit argument must be 1 or 0."),
    (
        "BITPOS ones x",
        "ERR value is not an integer or out of range",
    ),
    (
        "BITPOS ones 1 x",
        "ERR value is not an integer or out of range",
    ),
    (
        "BITPOS ones 1 0 x",
        "ERR value is not an integer or out of range",
    ),
    ("BITPOS ones 1 0 1 BITS", "ERR syntax error"),
    ("BITPOS ones 1 0 1 BIT x", "ERR syntax error"),
    ("SETHEX mix fff000", "OK"),
    ("BITPOS mix 0", "12"),
    ("BITPOS mix 1 2", "-1"),
    ("BITPOS mix 0 7 15 BIT", "12"),
    ("BITPOS mix 1 7 15 BIT", "7"),
    ("BITPOS mix 0 0 7 BIT", "-1"),
    ("BITPOS mix 0 12 -1 bit", "12"),
    ("BITPOS mix 1 -5 -1 BIT", "-1"),
    ("BITPOS missing 1 x y z", "-1"),
    ("BITPOS missing 0", "0"),
    ("SETHEX a ff0f", "OK"),
    ("SETHEX b 0f", "OK"),
    ("BITOP AND dest a b", "2"),
    ("GET dest", "0f00"),
    ("BITOP OR dest a b missing", "2"),
    ("GET dest", "ff0f"),
    ("BITOP XOR dest a b", "2"),
    ("GET dest", "f00f"),
    ("BITOP NOT dest a", "2"),
    ("GET dest", "00f0"),
    (
        "BITOP NOT dest a b",
        "ERR BITOP NOT must be called with a single source key.",
    ),
    ("BITOP NAND dest a", "ERR syntax error"),
    ("BITOP AND dest missing other", "0"),
    ("GET dest", "nil"),
    (
        "BITFIELD bf SET i8 0 100 INCRBY i8 0 100 GET i8 0",
        "[0,-56,-56]",
    ),
    (
        "BITFIELD bf OVERFLOW SAT INCRBY i8 0 100 OVERFLOW FAIL INCRBY i8 0 1 OVERFLOW WRAP INCRBY i8 0 1",
        "[44,45,46]",
    ),
    (
        "BITFIELD bf INCRBY u2 100 1 INCRBY u2 100 3 OVERFLOW SAT INCRBY u2 100 10",
        "[1,0,3]",
    ),
    ("GET bf", "2e00000000000000000000000c"),
    (
        "BITFIELD bf SET u8 #2 255 GET u8 #2 GET u4 16 GET i4 20",
        "[0,255,15,-1]",
    ),
    (
        "BITFIELD bf SET i64 64 9223372036854775807 INCRBY i64 64 1 OVERFLOW SAT INCRBY i64 64 -1",
        "[201326592,-9223372036854775808,-9223372036854775808]",
    ),
    (
        "BITFIELD bf OVERFLOW SAT SET i23 200 -9223372036854775808 GET i23 200",
        "[0,4194303]",
    ),
    (
        "BITFIELD bf OVERFLOW SAT SET i8 240 -200 GET i8 240",
        "[0,-128]",
    ),
    (
        "BITFIELD bf SET u63 300 -1 GET u63 300",
        "[0,9223372036854775807]",
    ),
    (
        "BITFIELD bf OVERFLOW FAIL SET u8 400 256 GET u8 400",
        "[nil,0]",
    ),
    (
        "BITFIELD bf GET u64 0",
        "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.",
    ),
    (
        "BITFIELD bf GET i65 0",
        "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.",
    ),
    (
        "BITFIELD bf GET i0 0",
        "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.",
    ),
    (
        "BITFIELD bf GET I8 0",
        "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.",
    ),
    (
        "BITFIELD bf GET i8 -1",
        "ERR bit offset is not an integer or out of range",
    ),
    (
        "BITFIELD bf GET i8 #-1",
        "ERR bit offset is not an integer or out of range",
    ),
    (
        "BITFIELD bf GET i8 4294967296",
        "ERR bit offset is not an integer or out of range",
    ),
    ("BITFIELD bf GET i8", "ERR syntax error"),
    ("BITFIELD bf OVERFLOW", "ERR syntax error"),
    (
        "BITFIELD bf OVERFLOW BOUNCE GET i8 0",
        "ERR Invalid OVERFLOW type specified",
    ),
    (
        "BITFIELD bf SET i8 0 x",
        "ERR value is not an integer or out of range",
    ),
    ("BITFIELD bf FOO i8 0", "ERR syntax error"),
    ("BITFIELD bf", "[]"),
    ("BITFIELD_RO bf GET i8 0 GET u16 #1", "[46,65280]"),
    (
        "BITFIELD_RO bf SET i8 0 1",
        "ERR BITFIELD_RO only supports the GET subcommand",
    ),
    (
        "BITFIELD_RO bf SET i8 0 x",
        "ERR value is not an integer or out of range",
    ),
    ("BITFIELD_RO missing GET i8 0", "[0]"),
    ("BITFIELD grow OVERFLOW FAIL INCRBY u8 800 256", "[nil]"),
    (
        "GET grow",
        "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
    ),
];

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

fn unhex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|at| u8::from_str_radix(&text[at..at + 2], 16).unwrap_or_default())
        .collect()
}

fn array(items: impl IntoIterator<Item = Option<i64>>) -> String {
    let items: Vec<String> = items
        .into_iter()
        .map(|item| item.map_or("nil".into(), |n| n.to_string()))
        .collect();
    format!("[{}]", items.join(","))
}

/// Runs one command the way the store does; returns the reply text.
fn run(db: &mut HashMap<String, Vec<u8>>, line: &str) -> String {
    let words: Vec<&str> = line.split(' ').collect();
    let args: Vec<&[u8]> = words[2..].iter().map(|word| word.as_bytes()).collect();
    let key = words[1].to_string();
    let limit = DEFAULT_PROTO_MAX_BULK_LEN;
    let reply = match words[0] {
        "SETHEX" => {
            db.insert(key, unhex(words[2]));
            Ok("OK".to_string())
        }
        "GET" => Ok(db.get(&key).map_or("nil".into(), |value| hex(value))),
        "SETBIT" => parse_bit_offset(args[0], limit).and_then(|offset| {
            let on = parse_bit_value(args[1])?;
            let previous = setbit(db.entry(key).or_default(), offset, on).previous;
            Ok(u8::from(previous).to_string())
        }),
        "GETBIT" => parse_bit_offset(args[0], limit).map(|offset| {
            u8::from(db.get(&key).is_some_and(|value| getbit(value, offset))).to_string()
        }),
        "BITCOUNT" => bitcount(db.get(&key).map(Vec::as_slice), &args).map(|n| n.to_string()),
        "BITPOS" => parse_bitpos_bit(args[0])
            .and_then(|bit| bitpos(db.get(&key).map(Vec::as_slice), bit, &args[1..]))
            .map(|n| n.to_string()),
        "BITOP" => BitOp::parse(words[1].as_bytes(), words.len() - 3).map(|op| {
            let sources: Vec<Vec<u8>> = words[3..]
                .iter()
                .map(|source| db.get(*source).cloned().unwrap_or_default())
                .collect();
            let result = bitop(op, &sources);
            let len = result.len();
            if len == 0 {
                db.remove(words[2]);
            } else {
                db.insert(words[2].to_string(), result);
            }
            len.to_string()
        }),
        "BITFIELD" | "BITFIELD_RO" => {
            let command = if words[0] == "BITFIELD" {
                BitfieldCommand::Bitfield
            } else {
                BitfieldCommand::BitfieldRo
            };
            parse_bitfield(&args, command, limit).map(|bitfield| match bitfield {
                Bitfield::Read(read) => array(
                    read.execute(db.get(&key).map(Vec::as_slice))
                        .into_iter()
                        .map(Some),
                ),
                Bitfield::Write(write) => array(write.execute(db.entry(key).or_default()).replies),
            })
        }
        other => panic!("no such command in this test: {other}"),
    };
    reply.unwrap_or_else(|error| error.to_string())
}

#[test]
fn replies_match_redis() {
    let mut db = HashMap::new();
    for (command, expected) in CASES {
        assert_eq!(run(&mut db, command), *expected, "{command}");
    }
}
