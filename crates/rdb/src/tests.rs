//! Encoder and decoder together: the primitives' exact bytes, roundtrips of
//! every value kind through files and DUMP payloads, the older encodings
//! Redis 7.0 still loads (hand-built), and corrupt input (errors, never
//! panics). Interoperability with a real redis-server is in `tests/`.

use proptest::collection::vec;
use proptest::prelude::*;

use listpack::{Intset, Listpack};

use crate::crc64::crc64;
use crate::*;

fn encoder() -> Encoder {
    Encoder::new(EncoderOptions::default())
}

/// What `f` writes, as bytes.
fn written(options: EncoderOptions, f: impl FnOnce(&mut Encoder)) -> Vec<u8> {
    let mut encoder = Encoder::new(options);
    f(&mut encoder);
    encoder.take_buffer()
}

fn string_bytes(text: &[u8]) -> Vec<u8> {
    written(EncoderOptions::default(), |e| e.string(text))
}

/// Every record of a file that must end right after its trailer.
fn decode_all(bytes: &[u8]) -> Result<Vec<Record>, RdbError> {
    let (records, consumed) = decode_until_eof(bytes)?;
    assert_eq!(
        consumed,
        bytes.len() as u64,
        "the decoder stops at the trailer"
    );
    Ok(records)
}

/// Every record up to EOF, and how many bytes that took.
fn decode_until_eof(bytes: &[u8]) -> Result<(Vec<Record>, u64), RdbError> {
    let mut decoder = Decoder::new(bytes)?;
    let mut records = Vec::new();
    loop {
        let record = decoder.next_record()?;
        let end = record == Record::Eof;
        records.push(record);
        if end {
            return Ok((records, decoder.offset()));
        }
    }
}

fn listpack(elements: &[&[u8]]) -> Vec<u8> {
    let mut listpack = Listpack::new();
    for element in elements {
        listpack.push_back(*element);
    }
    listpack.into_bytes()
}

fn key_record(key: &[u8], value: Value) -> KeyRecord {
    KeyRecord {
        key: key.to_vec(),
        expire_ms: None,
        idle_secs: None,
        freq: None,
        value,
        offset: 0,
    }
}

/// One value of every kind the encoder writes, and what it decodes to.
fn every_value() -> Vec<(Value, Value)> {
    let intset: Intset = [-5, 3, 70_000].into_iter().collect();
    let set_listpack = listpack(&[b"a", b"17", b"b"]);
    let same = |value: Value| (value.clone(), value);
    vec![
        same(Value::String(b"hello".to_vec())),
        same(Value::String(b"12345".to_vec())),
        same(Value::String(Vec::new())),
        same(Value::String(b"x".repeat(5000))),
        same(Value::List(vec![
            ListNode::Listpack(listpack(&[b"a", b"1", b"-7000"])),
            ListNode::Element(b"big".repeat(3000)),
            ListNode::Listpack(listpack(&[b"z"])),
        ])),
        same(Value::SetIntset(intset.into_bytes())),
        (
            Value::SetListpack(set_listpack),
            Value::Set(vec![b"a".to_vec(), b"17".to_vec(), b"b".to_vec()]),
        ),
        same(Value::Set(vec![
            b"m1".to_vec(),
            b"m2".to_vec(),
            b"".to_vec(),
        ])),
        same(Value::ZSetListpack(listpack(&[b"a", b"1", b"b", b"2.5"]))),
        same(Value::ZSet(vec![
            (b"x".to_vec(), f64::NEG_INFINITY),
            (b"y".to_vec(), -0.0),
            (b"z".to_vec(), 1e300),
            (b"w".to_vec(), f64::INFINITY),
        ])),
        same(Value::HashListpack(listpack(&[b"f", b"v", b"n", b"42"]))),
        same(Value::Hash(vec![
            (b"f1".to_vec(), b"v1".to_vec()),
            (b"f2".to_vec(), b"y".repeat(100)),
        ])),
    ]
}

// --- primitives -------------------------------------------------------------

#[test]
fn lengths_at_their_boundaries() {
    let cases: [(u64, &[u8]); 8] = [
        (0, &[0x00]),
        (63, &[0x3F]),
        (64, &[0x40, 0x40]),
        (16383, &[0x7F, 0xFF]),
        (16384, &[0x80, 0, 0, 0x40, 0]),
        (u64::from(u32::MAX), &[0x80, 0xFF, 0xFF, 0xFF, 0xFF]),
        (1 << 32, &[0x81, 0, 0, 0, 1, 0, 0, 0, 0]),
        (
            u64::MAX,
            &[0x81, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF],
        ),
    ];
    for (len, bytes) in cases {
        assert_eq!(
            written(EncoderOptions::default(), |e| e.len(len)),
            bytes,
            "{len}"
        );
    }
}

#[test]
fn integer_strings_are_encoded_like_redis() {
    let cases: [(&[u8], &[u8]); 9] = [
        (b"0", &[0xC0, 0]),
        (b"-128", &[0xC0, 0x80]),
        (b"127", &[0xC0, 0x7F]),
        (b"128", &[0xC1, 0x80, 0x00]),
        (b"-32769", &[0xC2, 0xFF, 0x7F, 0xFF, 0xFF]),
        (b"2147483647", &[0xC2, 0xFF, 0xFF, 0xFF, 0x7F]),
        (b"-2147483648", &[0xC2, 0x00, 0x00, 0x00, 0x80]),
        // Not canonical, or too big for 32 bits: raw.
        (b"2147483648", b"\x0a2147483648"),
        (b"-0", b"\x02-0"),
    ];
    for (text, bytes) in cases {
        assert_eq!(
            string_bytes(text),
            bytes,
            "{}",
            String::from_utf8_lossy(text)
        );
    }
    for raw in [&b"007"[..], b"+1", b" 1", b"1 ", b"", b"12345678901"] {
        let mut expected = vec![raw.len() as u8];
        expected.extend_from_slice(raw);
        assert_eq!(string_bytes(raw), expected);
    }
}

#[test]
fn long_strings_are_compressed_when_asked_and_worth_it() {
    let twenty = [b'a'; 20];
    assert_eq!(
        string_bytes(&twenty)[0],
        20,
        "20 bytes are never compressed"
    );
    let long = [b'a'; 21];
    let compressed = string_bytes(&long);
    assert_eq!(compressed[0], 0xC3);
    assert!(compressed.len() + 4 <= 21 + 1);
    let off = EncoderOptions {
        compression: false,
        checksum: true,
    };
    assert_eq!(written(off, |e| e.string(&long))[0], 21);
    let noise = crate::lzf::tests::noise(100);
    assert_eq!(
        string_bytes(&noise)[..2],
        [0x40, 100],
        "incompressible stays raw"
    );
    // Each form reads back.
    for text in [
        &twenty[..],
        &long,
        &noise,
        b"-0",
        b"2147483648",
        b"-2147483648",
    ] {
        let bytes = string_bytes(text);
        let mut input = crate::input::Input::new(&bytes[..], false);
        assert_eq!(input.read_string().unwrap(), text);
    }
}

#[test]
fn header_and_trailer() {
    let mut encoder = encoder();
    encoder.header();
    assert_eq!(encoder.buffer(), b"REDIS0010");
    let head = encoder.take_buffer();
    encoder.aux(b"redis-bits", b"64");
    encoder.eof();
    let tail = encoder.take_buffer();
    let file = [head, tail].concat();
    assert_eq!(
        &file[9..],
        b"\xfa\x0aredis-bits\xc0\x40\xff"
            .iter()
            .copied()
            .chain(crc64(0, &file[..file.len() - 8]).to_le_bytes())
            .collect::<Vec<_>>()
    );
    assert_eq!(encoder.bytes_written(), file.len() as u64);

    let unchecked = written(
        EncoderOptions {
            compression: true,
            checksum: false,
        },
        |e| {
            e.header();
            e.eof();
        },
    );
    assert_eq!(unchecked, b"REDIS0010\xff\0\0\0\0\0\0\0\0");
    assert_eq!(decode_all(&unchecked).unwrap(), [Record::Eof]);
}

#[test]
fn opcodes_bytes() {
    let bytes = written(EncoderOptions::default(), |e| {
        e.select_db(3);
        e.resize_db(100, 2);
        e.expire_ms(1_700_000_000_123);
        e.idle(70);
        e.freq(5);
        e.function(b"#!lua name=x\n");
        e.object_type(ObjectType::ZSet2);
        e.binary_double(1.5);
    });
    let mut expected = vec![254, 3, 251, 0x40, 100, 2, 252];
    expected.extend_from_slice(&1_700_000_000_123i64.to_le_bytes());
    expected.extend_from_slice(&[248, 0x40, 70, 249, 5, 245, 13]);
    expected.extend_from_slice(b"#!lua name=x\n");
    expected.push(5);
    expected.extend_from_slice(&1.5f64.to_le_bytes());
    assert_eq!(bytes, expected);
}

// --- roundtrips ---------------------------------------------------------------

#[test]
fn every_value_roundtrips_through_a_file() {
    for compression in [false, true] {
        let options = EncoderOptions {
            compression,
            checksum: true,
        };
        let mut encoder = Encoder::new(options);
        encoder.header();
        encoder.aux(b"redis-ver", b"7.0.15");
        encoder.aux(b"ctime", b"1700000000");
        encoder.function(b"#!lua name=lib\nredis.register_function('f', function() return 1 end)");
        encoder.select_db(0);
        encoder.resize_db(20, 1);
        let mut drained = encoder.take_buffer();
        let mut expected = vec![
            Record::Aux {
                key: b"redis-ver".to_vec(),
                value: b"7.0.15".to_vec(),
            },
            Record::Aux {
                key: b"ctime".to_vec(),
                value: b"1700000000".to_vec(),
            },
            Record::Function(
                b"#!lua name=lib\nredis.register_function('f', function() return 1 end)".to_vec(),
            ),
            Record::SelectDb(0),
            Record::ResizeDb {
                db_size: 20,
                expires_size: 1,
            },
        ];
        for (index, (value, decoded)) in every_value().into_iter().enumerate() {
            let key = format!("key:{index}").into_bytes();
            let mut record = key_record(&key, decoded);
            record.offset = drained.len() as u64 + encoder.buffer().len() as u64;
            if index == 1 {
                encoder.expire_ms(1_700_000_000_000);
                record.expire_ms = Some(1_700_000_000_000);
                encoder.idle(12);
                record.idle_secs = Some(12);
            }
            if index == 2 {
                encoder.freq(200);
                record.freq = Some(200);
            }
            encoder.key_value(&key, &value);
            expected.push(Record::Key(record));
            drained.extend(encoder.take_buffer());
        }
        encoder.select_db(15);
        encoder.key_value(b"other", &Value::String(b"db".to_vec()));
        let mut other = key_record(b"other", Value::String(b"db".to_vec()));
        other.offset = drained.len() as u64 + 2;
        expected.extend([Record::SelectDb(15), Record::Key(other), Record::Eof]);
        encoder.eof();
        drained.extend(encoder.take_buffer());
        assert_eq!(decode_all(&drained).unwrap(), expected);
    }
}

#[test]
fn every_value_roundtrips_through_a_dump_payload() {
    for compression in [false, true] {
        for (value, decoded) in every_value() {
            let payload = encode_dump_payload(&value, compression);
            let footer = &payload[payload.len() - 10..];
            assert_eq!(footer[..2], [10, 0]);
            assert_eq!(
                footer[2..],
                crc64(0, &payload[..payload.len() - 8]).to_le_bytes()
            );
            let (type_byte, back) = decode_dump_payload(&payload, true).unwrap();
            assert_eq!(back, decoded);
            assert_eq!(type_byte, payload[0]);
        }
    }
}

#[test]
fn dump_payload_pieces_match_the_whole() {
    let value = Value::Hash(vec![(b"a".to_vec(), b"b".to_vec())]);
    let mut encoder = Encoder::payload(true);
    encoder.object_type(ObjectType::Hash);
    encoder.len(1);
    let head = encoder.take_buffer();
    encoder.string(b"a");
    encoder.string(b"b");
    let tail = encoder.finish_dump_payload();
    assert_eq!([head, tail].concat(), encode_dump_payload(&value, true));
}

// --- older encodings ---------------------------------------------------------

/// A ziplist of short strings and small integers, as Redis 6.2 writes them.
fn ziplist(elements: &[&[u8]]) -> Vec<u8> {
    let mut body = Vec::new();
    let mut previous = 0usize;
    let mut tail = 10;
    for element in elements {
        let start = body.len();
        tail = 10 + start;
        body.push(previous as u8);
        match std::str::from_utf8(element)
            .ok()
            .and_then(|s| s.parse::<i8>().ok())
        {
            Some(small) if small.to_string().as_bytes() == *element => {
                body.push(0xFE);
                body.push(small as u8);
            }
            _ => {
                body.push(element.len() as u8);
                body.extend_from_slice(element);
            }
        }
        previous = body.len() - start;
    }
    let total = 10 + body.len() + 1;
    let mut bytes = Vec::new();
    bytes.extend_from_slice(&(total as u32).to_le_bytes());
    bytes.extend_from_slice(&(tail as u32).to_le_bytes());
    bytes.extend_from_slice(&(elements.len() as u16).to_le_bytes());
    bytes.extend_from_slice(&body);
    bytes.push(0xFF);
    bytes
}

/// A file of version `version` holding `body` (raw record bytes), with a
/// valid trailer when the version has one.
fn file(version: u16, body: &[u8]) -> Vec<u8> {
    let mut bytes = format!("REDIS{version:04}").into_bytes();
    bytes.extend_from_slice(body);
    bytes.push(255);
    if version >= 5 {
        let crc = crc64(0, &bytes);
        bytes.extend_from_slice(&crc.to_le_bytes());
    }
    bytes
}

/// A raw string as the format writes it (length < 64).
fn raw(text: &[u8]) -> Vec<u8> {
    let mut bytes = vec![text.len() as u8];
    bytes.extend_from_slice(text);
    bytes
}

fn only_key(bytes: &[u8]) -> KeyRecord {
    match decode_all(bytes).unwrap().as_slice() {
        [Record::Key(record), Record::Eof] => record.clone(),
        other => panic!("expected one key, got {other:?}"),
    }
}

#[test]
fn old_types_load_as_redis_7_0_converts_them() {
    let lp = |elements: &[&[u8]]| listpack(elements);
    // Type 1 list, type 2 set, type 4 hash, in an RDB 3 file (no checksum).
    let body = [
        &[1u8][..],
        &raw(b"l"),
        &[2],
        &raw(b"a"),
        &[0xC0, 7],
        &[253],
        &1_000_000i32.to_le_bytes(),
        &[2],
        &raw(b"s"),
        &[1],
        &raw(b"m"),
    ]
    .concat();
    let records = decode_all(&file(3, &body)).unwrap();
    let mut list = key_record(
        b"l",
        Value::List(vec![
            ListNode::Element(b"a".to_vec()),
            ListNode::Element(b"7".to_vec()),
        ]),
    );
    list.offset = 9;
    let mut set = key_record(b"s", Value::Set(vec![b"m".to_vec()]));
    set.offset = 17;
    set.expire_ms = Some(1_000_000_000);
    assert_eq!(records, [Record::Key(list), Record::Key(set), Record::Eof]);

    // Type 3: scores as text, with the inf markers.
    let zset3 = [
        &[3u8][..],
        &raw(b"z"),
        &[3],
        &raw(b"a"),
        &raw(b"1.5"),
        &raw(b"b"),
        &[254],
        &raw(b"c"),
        &[255],
    ]
    .concat();
    assert_eq!(
        only_key(&file(9, &zset3)).value,
        Value::ZSet(vec![
            (b"a".to_vec(), 1.5),
            (b"b".to_vec(), f64::INFINITY),
            (b"c".to_vec(), f64::NEG_INFINITY),
        ])
    );

    // Type 9 zipmap, 10 list ziplist, 12 zset ziplist, 13 hash ziplist.
    let zipmap = b"\x02\x03foo\x03\x00bar\x05hello\x05\x00world\xff";
    let cases: Vec<(u8, Vec<u8>, Value)> = vec![
        (
            9,
            zipmap.to_vec(),
            Value::HashListpack(lp(&[b"foo", b"bar", b"hello", b"world"])),
        ),
        (
            10,
            ziplist(&[b"x", b"12", b"y"]),
            Value::List(vec![ListNode::Listpack(lp(&[b"x", b"12", b"y"]))]),
        ),
        (10, ziplist(&[]), Value::List(Vec::new())),
        (
            12,
            ziplist(&[b"m", b"3", b"n", b"1.25"]),
            Value::ZSetListpack(lp(&[b"m", b"3", b"n", b"1.25"])),
        ),
        (
            13,
            ziplist(&[b"f", b"v"]),
            Value::HashListpack(lp(&[b"f", b"v"])),
        ),
        (
            11,
            Intset::from_iter([1, 2, 3]).into_bytes(),
            Value::SetIntset(Intset::from_iter([1, 2, 3]).into_bytes()),
        ),
        (20, lp(&[b"a", b"b"]), Value::SetListpack(lp(&[b"a", b"b"]))),
    ];
    for (type_byte, blob, expected) in cases {
        let mut body = vec![type_byte];
        body.extend(raw(b"k"));
        body.push(blob.len() as u8);
        body.extend(&blob);
        let value = only_key(&file(11, &body)).value;
        assert_eq!(value, expected, "type {type_byte}");
    }

    // Type 14: a quicklist of ziplists; an empty node is skipped.
    let mut quicklist = vec![14u8];
    quicklist.extend(raw(b"q"));
    quicklist.push(2);
    for node in [ziplist(&[b"a", b"b"]), ziplist(&[])] {
        quicklist.extend(raw(&node));
    }
    assert_eq!(
        only_key(&file(9, &quicklist)).value,
        Value::List(vec![ListNode::Listpack(lp(&[b"a", b"b"]))])
    );
}

#[test]
fn expire_seconds_and_pending_attributes() {
    // EXPIRETIME (seconds), then SELECTDB, then the key: the expire stays
    // pending for the key, as in Redis.
    let body = [
        &[253u8][..],
        &100i32.to_le_bytes(),
        &[254, 1],
        &[0],
        &raw(b"k"),
        &raw(b"v"),
    ]
    .concat();
    let records = decode_all(&file(7, &body)).unwrap();
    let mut record = key_record(b"k", Value::String(b"v".to_vec()));
    record.expire_ms = Some(100_000);
    record.offset = 9;
    assert_eq!(
        records,
        [Record::SelectDb(1), Record::Key(record), Record::Eof]
    );
}

// --- corrupt input -----------------------------------------------------------

fn a_valid_file() -> Vec<u8> {
    let mut encoder = encoder();
    encoder.header();
    encoder.aux(b"redis-bits", b"64");
    encoder.select_db(0);
    for (index, (value, _)) in every_value().into_iter().enumerate() {
        if index % 3 == 0 {
            encoder.expire_ms(1 << 41);
        }
        encoder.key_value(format!("k{index}").as_bytes(), &value);
    }
    encoder.eof();
    encoder.take_buffer()
}

fn first_error(bytes: &[u8]) -> RdbError {
    match decode_all(bytes) {
        Err(error) => error,
        Ok(records) => panic!("expected an error, got {records:?}"),
    }
}

#[test]
fn headers() {
    assert!(matches!(
        first_error(b"REDIS0012\xff"),
        RdbError::UnsupportedVersion { version: 12 }
    ));
    assert!(matches!(
        first_error(b"REDIS0000\xff"),
        RdbError::UnsupportedVersion { version: 0 }
    ));
    assert!(matches!(
        first_error(b"RADIS0010\xff"),
        RdbError::BadHeader { .. }
    ));
    assert!(matches!(
        first_error(b"REDIS001a\xff"),
        RdbError::BadHeader { .. }
    ));
    assert!(matches!(
        first_error(b"REDIS00"),
        RdbError::Truncated { offset: 7 }
    ));
    let version_1 = decode_all(&file(1, &[])).unwrap();
    assert_eq!(version_1, [Record::Eof]);
}

#[test]
fn every_truncation_is_an_error() {
    let file = a_valid_file();
    for len in 0..file.len() {
        assert!(decode_all(&file[..len]).is_err(), "prefix of {len} bytes");
    }
}

#[test]
fn checksums() {
    let mut file = a_valid_file();
    let last = file.len() - 1;
    file[last] ^= 1;
    let error = first_error(&file);
    assert!(
        matches!(error, RdbError::ChecksumMismatch { offset, .. } if offset == last as u64 - 7),
        "{error}"
    );
    let message = error.to_string();
    assert!(message.contains("expected") && message.contains("found"));
    let unverified = Decoder::with_options(
        &file[..],
        DecoderOptions {
            verify_checksum: false,
        },
    )
    .unwrap();
    let mut unverified = unverified;
    while unverified.next_record().unwrap() != Record::Eof {}
    // A zero trailer means "saved without checksum".
    let len = file.len();
    file[len - 8..].fill(0);
    assert!(decode_all(&file).is_ok());
}

#[test]
fn forged_counts_do_not_allocate() {
    // Each claims 2^62 elements (or nodes) and holds one; the decoder must
    // run out of input, not of memory.
    for (type_byte, element) in [
        (1u8, raw(b"one")),
        (2, raw(b"one")),
        (3, [raw(b"one"), raw(b"1")].concat()),
        (4, [raw(b"one"), raw(b"1")].concat()),
        (5, [raw(b"one"), 1f64.to_le_bytes().to_vec()].concat()),
        (14, blob(&ziplist(&[b"a"]))),
        (18, [vec![2], blob(&listpack(&[b"a"]))].concat()),
    ] {
        let mut bytes = b"REDIS0010".to_vec();
        bytes.push(type_byte);
        bytes.extend(raw(b"k"));
        bytes.push(0x81);
        bytes.extend_from_slice(&(1u64 << 62).to_be_bytes());
        bytes.extend(element);
        assert!(
            matches!(first_error(&bytes), RdbError::Truncated { offset } if offset == bytes.len() as u64),
            "type {type_byte}"
        );
    }
}

#[test]
fn unsupported_and_unknown_types_name_the_key() {
    for (type_byte, what) in [
        (15u8, "stream"),
        (19, "stream"),
        (21, "stream"),
        (7, "module"),
    ] {
        let mut body = vec![type_byte];
        body.extend(raw(b"mykey"));
        let error = first_error(&file(11, &body));
        assert!(
            matches!(&error, RdbError::Unsupported { what: found, key: Some(key), offset: 9 }
                if *found == what && key == b"mykey"),
            "{error:?}"
        );
        assert!(error.to_string().contains("mykey"));
    }
    let error = first_error(&file(10, &[&[8u8][..], &raw(b"odd")].concat()));
    assert!(
        matches!(&error, RdbError::UnknownType { type_byte: 8, key: Some(key), offset: 9 } if key == b"odd"),
        "{error:?}"
    );
    assert!(matches!(
        first_error(&file(10, &[247, 1, 2, 3])),
        RdbError::Unsupported {
            what: "module aux data",
            key: None,
            offset: 9
        }
    ));
    assert!(matches!(
        first_error(&file(10, &[246, 1, b'x'])),
        RdbError::Unsupported { key: None, .. }
    ));
}

/// The error decoding one key of `type_byte` whose body is `body`.
fn value_error(type_byte: u8, body: &[u8]) -> RdbError {
    let mut record = vec![type_byte];
    record.extend(raw(b"k"));
    record.extend_from_slice(body);
    first_error(&file(10, &record))
}

fn blob(bytes: &[u8]) -> Vec<u8> {
    written(
        EncoderOptions {
            compression: false,
            checksum: true,
        },
        |e| e.string(bytes),
    )
}

#[test]
fn collection_checks() {
    let corrupt = |error: RdbError| match error {
        RdbError::Corrupt { problem, .. } => problem,
        other => panic!("expected a corruption, got {other:?}"),
    };
    let dup_set = [&[2u8][..], &raw(b"a"), &raw(b"a")].concat();
    assert_eq!(corrupt(value_error(2, &dup_set)), Corruption::Duplicate);
    let mut nan = vec![1u8];
    nan.extend(raw(b"m"));
    nan.extend_from_slice(&f64::NAN.to_le_bytes());
    assert_eq!(corrupt(value_error(5, &nan)), Corruption::NanScore);
    let nan_text = [&[1u8][..], &raw(b"m"), &[253]].concat();
    assert_eq!(corrupt(value_error(3, &nan_text)), Corruption::NanScore);
    let bad_text = [&[1u8][..], &raw(b"m"), &raw(b"1.5x")].concat();
    assert_eq!(corrupt(value_error(3, &bad_text)), Corruption::BadScore);
    let dup_hash = [&[2u8][..], &raw(b"f"), &raw(b"1"), &raw(b"f"), &raw(b"2")].concat();
    assert_eq!(corrupt(value_error(4, &dup_hash)), Corruption::Duplicate);
    let odd = blob(&listpack(&[b"f", b"1", b"g"]));
    assert_eq!(corrupt(value_error(16, &odd)), Corruption::OddEntryCount);
    assert_eq!(corrupt(value_error(17, &odd)), Corruption::OddEntryCount);
    let dup_fields = blob(&listpack(&[b"f", b"v", b"f", b"w"]));
    assert_eq!(corrupt(value_error(16, &dup_fields)), Corruption::Duplicate);
    let bad_score = blob(&listpack(&[b"m", b"abc"]));
    assert_eq!(corrupt(value_error(17, &bad_score)), Corruption::BadScore);
    let dup_members = blob(&listpack(&[b"m", b"m"]));
    assert_eq!(
        corrupt(value_error(20, &dup_members)),
        Corruption::Duplicate
    );
    let dup_ziplist = blob(&ziplist(&[b"f", b"1", b"f", b"2"]));
    assert_eq!(
        corrupt(value_error(13, &dup_ziplist)),
        Corruption::Duplicate
    );
    let container = [&[1u8][..], &[3], &blob(&listpack(&[b"a"]))].concat();
    assert_eq!(
        corrupt(value_error(18, &container)),
        Corruption::BadContainer(3)
    );
    let empty_node = [&[1u8][..], &[2], &[0]].concat();
    assert_eq!(corrupt(value_error(18, &empty_node)), Corruption::EmptyNode);

    let encoding = |error: RdbError| {
        assert!(matches!(error, RdbError::Encoding { .. }), "{error:?}");
    };
    let unsorted = blob(&[2, 0, 0, 0, 2, 0, 0, 0, 5, 0, 1, 0]);
    encoding(value_error(11, &unsorted));
    let mut broken = listpack(&[b"a", b"b"]);
    broken[6] = 0xF6;
    encoding(value_error(16, &blob(&broken)));
    encoding(value_error(
        18,
        &[&[1u8][..], &[2], &blob(&broken)].concat(),
    ));
    encoding(value_error(10, &blob(b"not a ziplist at all")));
}

#[test]
fn dump_payload_errors() {
    let payload = encode_dump_payload(&Value::String(b"v".to_vec()), false);
    let footer = |error| matches!(error, Err(RdbError::DumpFooter(_)));
    assert!(footer(decode_dump_payload(&payload[..9], true)));
    let mut newer = payload.clone();
    let len = newer.len();
    newer[len - 10] = 11;
    assert!(matches!(
        decode_dump_payload(&newer, false),
        Err(RdbError::DumpFooter(DumpFooterError::Version {
            version: 11
        }))
    ));
    let mut older = payload.clone();
    older[len - 10] = 9;
    assert!(
        footer(decode_dump_payload(&older, true)),
        "the CRC covers the version"
    );
    assert!(
        decode_dump_payload(&older, false).is_ok(),
        "older versions are fine"
    );
    let mut flipped = payload.clone();
    flipped[1] ^= 0x40;
    assert!(matches!(
        decode_dump_payload(&flipped, true),
        Err(RdbError::DumpFooter(DumpFooterError::Checksum { .. }))
    ));
    // Bad data behind a good footer is not a footer error.
    let mut set_listpack = vec![20u8];
    set_listpack.extend(blob(&listpack(&[b"a"])));
    set_listpack.extend_from_slice(&10u16.to_le_bytes());
    let crc = crc64(0, &set_listpack);
    set_listpack.extend_from_slice(&crc.to_le_bytes());
    assert!(matches!(
        decode_dump_payload(&set_listpack, true),
        Err(RdbError::UnknownType { type_byte: 20, .. })
    ));
    let mut truncated = vec![0u8, 5, b'a'];
    truncated.extend_from_slice(&10u16.to_le_bytes());
    let crc = crc64(0, &truncated);
    truncated.extend_from_slice(&crc.to_le_bytes());
    assert!(matches!(
        decode_dump_payload(&truncated, true),
        Err(RdbError::Truncated { offset: 3 })
    ));
    // Bytes between the value and the footer are ignored, as by Redis.
    let mut padded = vec![0u8, 1, b'a', 0xEE];
    padded.extend_from_slice(&10u16.to_le_bytes());
    let crc = crc64(0, &padded);
    padded.extend_from_slice(&crc.to_le_bytes());
    assert_eq!(
        decode_dump_payload(&padded, true).unwrap(),
        (0, Value::String(b"a".to_vec()))
    );
}

#[test]
fn empty_collections_are_returned_as_they_are() {
    for (type_byte, body) in [(2u8, vec![0u8]), (4, vec![0]), (18, vec![0])] {
        let mut record = vec![type_byte];
        record.extend(raw(b"k"));
        record.extend(body);
        let value = only_key(&file(10, &record)).value;
        assert!(value.is_empty_collection(), "{value:?}");
    }
    let empty_hash = only_key(&file(
        10,
        &[&[16u8][..], &raw(b"k"), &blob(&listpack(&[]))].concat(),
    ));
    assert!(empty_hash.value.is_empty_collection());
    assert!(!Value::String(Vec::new()).is_empty_collection());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn random_bytes_never_panic(tail in vec(any::<u8>(), 0..200), version in 1u16..=11) {
        let mut bytes = format!("REDIS{version:04}").into_bytes();
        bytes.extend(tail);
        let _ = decode_until_eof(&bytes);
        let _ = decode_dump_payload(&bytes[9..], false);
    }

    #[test]
    fn mutated_files_never_panic(
        edits in vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
        cut in any::<prop::sample::Index>(),
    ) {
        let mut file = a_valid_file();
        for (at, byte) in edits {
            let at = at.index(file.len());
            file[at] = byte;
        }
        let _ = decode_until_eof(&file);
        let len = cut.index(file.len() + 1);
        let _ = decode_until_eof(&file[..len]);
        let unverified = Decoder::with_options(&file[..], DecoderOptions { verify_checksum: false });
        if let Ok(mut decoder) = unverified {
            while let Ok(record) = decoder.next_record() {
                if record == Record::Eof {
                    break;
                }
            }
        }
    }

    #[test]
    fn mutated_payloads_never_panic(
        value_index in 0usize..12,
        edits in vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
    ) {
        let (value, _) = every_value().swap_remove(value_index);
        let mut payload = encode_dump_payload(&value, true);
        for (at, byte) in edits {
            let at = at.index(payload.len());
            payload[at] = byte;
        }
        let _ = decode_dump_payload(&payload, false);
    }

    #[test]
    fn strings_roundtrip(text in vec(any::<u8>(), 0..100), digits in any::<i64>(), compression: bool) {
        let options = EncoderOptions { compression, checksum: true };
        for text in [text, digits.to_string().into_bytes()] {
            let bytes = written(options, |e| e.string(&text));
            let mut input = crate::input::Input::new(&bytes[..], false);
            prop_assert_eq!(input.read_string().unwrap(), text);
            prop_assert_eq!(input.offset(), bytes.len() as u64);
        }
    }
}
