//! Frames on the bus: `TSRB`, a version byte, a big-endian u32 payload length, then the
//! payload (one protobuf `Envelope`). Decoding is check-then-parse over the connection's
//! buffer: an incomplete frame is a normal outcome (read more), a bad one an error (close the
//! link).

use gossip::Message;
use prost::Message as _;

use crate::convert::{from_wire, to_wire};
use crate::{BusError, wire};

/// The first 4 bytes of every frame.
pub const MAGIC: [u8; 4] = *b"TSRB";
/// The frame format version this node writes and reads.
pub const VERSION: u8 = 1;
/// Bytes before the payload: magic, version, length.
pub const FRAME_HEADER_LEN: usize = 9;
/// The default limit on a payload (1 MiB; a PING with 2 KB of slots and a tenth of a
/// 1000-node cluster in gossip is about 10 KB).
pub const DEFAULT_MAX_PAYLOAD: usize = 1 << 20;

/// Appends the frame of `message` to `out`.
pub fn encode_into(message: &Message, out: &mut Vec<u8>) {
    let envelope = to_wire(message);
    let len = envelope.encoded_len();
    out.reserve(FRAME_HEADER_LEN + len);
    out.extend_from_slice(&MAGIC);
    out.push(VERSION);
    // A payload never nears 4 GiB: its size is bounded by the node table.
    out.extend_from_slice(&u32::try_from(len).unwrap_or(u32::MAX).to_be_bytes());
    envelope.encode_raw(out);
}

/// The frame of `message`.
pub fn encode(message: &Message) -> Vec<u8> {
    let mut out = Vec::new();
    encode_into(message, &mut out);
    out
}

/// Length of the frame of `message`, without building it.
pub fn encoded_len(message: &Message) -> usize {
    FRAME_HEADER_LEN + to_wire(message).encoded_len()
}

/// Reads frames from a connection's buffer, with a limit on the payload size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FrameDecoder {
    max_payload: usize,
}

impl Default for FrameDecoder {
    fn default() -> Self {
        FrameDecoder::new(DEFAULT_MAX_PAYLOAD)
    }
}

impl FrameDecoder {
    /// A decoder that rejects payloads longer than `max_payload` bytes.
    pub fn new(max_payload: usize) -> FrameDecoder {
        FrameDecoder { max_payload }
    }

    /// The length of the whole first frame of `buf` if it is all there, `None` if more bytes
    /// are needed. Bad magic, version or length are reported as soon as their bytes arrive.
    pub fn check(&self, buf: &[u8]) -> Result<Option<usize>, BusError> {
        let magic_part = &buf[..buf.len().min(MAGIC.len())];
        if magic_part != &MAGIC[..magic_part.len()] {
            return Err(BusError::BadMagic(magic_part.to_vec()));
        }
        let Some(&version) = buf.get(4) else {
            return Ok(None);
        };
        if version != VERSION {
            return Err(BusError::BadVersion(version));
        }
        let Some(len_bytes) = buf.get(5..FRAME_HEADER_LEN) else {
            return Ok(None);
        };
        let mut len = [0u8; 4];
        len.copy_from_slice(len_bytes);
        let len = u32::from_be_bytes(len) as usize;
        if len > self.max_payload {
            return Err(BusError::Oversized {
                len,
                max: self.max_payload,
            });
        }
        let total = FRAME_HEADER_LEN + len;
        Ok((buf.len() >= total).then_some(total))
    }

    /// Decodes the first frame of `buf`: the message and the number of bytes it took, or
    /// `None` if the frame is not complete yet.
    pub fn decode(&self, buf: &[u8]) -> Result<Option<(Message, usize)>, BusError> {
        let Some(total) = self.check(buf)? else {
            return Ok(None);
        };
        let payload = &buf[FRAME_HEADER_LEN..total];
        let envelope =
            wire::Envelope::decode(payload).map_err(|e| BusError::Undecodable(e.to_string()))?;
        Ok(Some((from_wire(envelope)?, total)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gossip::{Body, GossipEntry, Header, MessageFlags, NodeFlags, NodeId};
    use proptest::prelude::*;
    use slot_map::SlotSet;

    fn id(fill: u8) -> NodeId {
        NodeId::parse(&[fill; 40]).unwrap()
    }

    fn sample() -> Message {
        let mut slots = SlotSet::new();
        slots.insert(0);
        slots.insert(16383);
        Message {
            header: Header {
                sender: id(b'a'),
                current_epoch: 8,
                config_epoch: 3,
                flags: NodeFlags::MYSELF | NodeFlags::MASTER,
                slots,
                repl_offset: 300,
                primary: None,
                ip: "10.0.0.1".into(),
                port: 7000,
                cport: 17000,
                tls_port: 0,
                hostname: String::new(),
                shard_id: Some(id(b'5')),
                cluster_ok: true,
                mflags: MessageFlags::empty(),
            },
            body: Body::Ping {
                gossip: vec![GossipEntry {
                    node: id(b'b'),
                    ping_sent: 0,
                    pong_received: 1_795_303_808_026,
                    ip: "10.0.0.3".into(),
                    port: 7002,
                    cport: 17002,
                    tls_port: 0,
                    flags: NodeFlags::MASTER | NodeFlags::PFAIL,
                }],
            },
        }
    }

    #[test]
    fn a_frame_round_trips_and_says_how_long_it_is() {
        let message = sample();
        let frame = encode(&message);
        assert_eq!(&frame[..5], b"TSRB\x01");
        assert_eq!(frame.len(), encoded_len(&message));
        let len = u32::from_be_bytes([frame[5], frame[6], frame[7], frame[8]]) as usize;
        assert_eq!(len + FRAME_HEADER_LEN, frame.len());
        let decoded = FrameDecoder::default().decode(&frame).unwrap();
        assert_eq!(decoded, Some((message, frame.len())));
    }

    #[test]
    fn partial_frames_wait_and_back_to_back_frames_split() {
        let decoder = FrameDecoder::default();
        let frame = encode(&sample());
        for cut in 0..frame.len() {
            assert_eq!(
                decoder.decode(&frame[..cut]),
                Ok(None),
                "prefix of {cut} bytes"
            );
        }
        let mut two = frame.clone();
        let mut second = sample();
        second.body = Body::Fail { node: id(b'c') };
        encode_into(&second, &mut two);
        let (first, used) = decoder.decode(&two).unwrap().unwrap();
        assert_eq!(first, sample());
        let (next, rest) = decoder.decode(&two[used..]).unwrap().unwrap();
        assert_eq!(next, second);
        assert_eq!(used + rest, two.len());
    }

    #[test]
    fn bad_magic_version_and_length_are_refused_early() {
        let decoder = FrameDecoder::new(1000);
        assert_eq!(decoder.check(b"X"), Err(BusError::BadMagic(b"X".to_vec())));
        assert_eq!(
            decoder.check(b"RCmb\x00\x01"),
            Err(BusError::BadMagic(b"RCmb".to_vec()))
        );
        assert_eq!(decoder.check(b"TSRB\x02"), Err(BusError::BadVersion(2)));
        assert_eq!(
            decoder.check(b"TSRB\x01\x00\x00\x03\xe9"),
            Err(BusError::Oversized {
                len: 1001,
                max: 1000
            })
        );
        assert_eq!(decoder.check(b"TSRB\x01\x00\x00\x03\xe8"), Ok(None));
        assert_eq!(decoder.check(b"TS"), Ok(None));
    }

    #[test]
    fn undecodable_and_invalid_payloads_are_errors() {
        let decoder = FrameDecoder::default();
        let frame = |payload: &[u8]| {
            let mut f = b"TSRB\x01".to_vec();
            f.extend_from_slice(&(payload.len() as u32).to_be_bytes());
            f.extend_from_slice(payload);
            f
        };
        // Field 1 announced as 100 bytes long, 1 present.
        assert!(matches!(
            decoder.decode(&frame(b"\x0a\x64\x00")),
            Err(BusError::Undecodable(_))
        ));
        assert_eq!(
            decoder.decode(&frame(b"")),
            Err(BusError::Invalid("no header"))
        );
        let mut envelope = to_wire(&sample());
        envelope.header.as_mut().unwrap().sender = "short".into();
        assert_eq!(
            decoder.decode(&frame(&envelope.encode_to_vec())),
            Err(BusError::Invalid("node id"))
        );
        let mut envelope = to_wire(&sample());
        envelope.header.as_mut().unwrap().slots = vec![1; 100];
        assert_eq!(
            decoder.decode(&frame(&envelope.encode_to_vec())),
            Err(BusError::Invalid("slot bitmap length"))
        );
        let mut envelope = to_wire(&sample());
        envelope.header.as_mut().unwrap().port = 70_000;
        assert_eq!(
            decoder.decode(&frame(&envelope.encode_to_vec())),
            Err(BusError::Invalid("port"))
        );
        let mut envelope = to_wire(&sample());
        envelope.body = None;
        assert_eq!(
            decoder.decode(&frame(&envelope.encode_to_vec())),
            Err(BusError::Invalid("no body"))
        );
    }

    fn node_id() -> impl Strategy<Value = NodeId> {
        "[0-9a-f]{40}".prop_map(|s| NodeId::parse(s.as_bytes()).unwrap())
    }

    fn slots() -> impl Strategy<Value = SlotSet> {
        prop::collection::vec((0u16..16384, 0u16..200), 0..4).prop_map(|ranges| {
            let mut set = SlotSet::new();
            for (start, len) in ranges {
                for s in start..start.saturating_add(len).min(16384) {
                    set.insert(s);
                }
            }
            set
        })
    }

    fn gossip() -> impl Strategy<Value = Vec<GossipEntry>> {
        prop::collection::vec(
            (
                node_id(),
                any::<u64>(),
                any::<u64>(),
                "[0-9.]{0,15}",
                any::<u16>(),
                any::<u16>(),
                any::<u16>(),
                any::<u16>(),
            )
                .prop_map(
                    |(node, ping_sent, pong_received, ip, port, cport, tls_port, flags)| {
                        GossipEntry {
                            node,
                            ping_sent,
                            pong_received,
                            ip,
                            port,
                            cport,
                            tls_port,
                            flags: NodeFlags::from_bits(flags),
                        }
                    },
                ),
            0..5,
        )
    }

    fn body() -> impl Strategy<Value = Body> {
        prop_oneof![
            gossip().prop_map(|gossip| Body::Ping { gossip }),
            gossip().prop_map(|gossip| Body::Pong { gossip }),
            gossip().prop_map(|gossip| Body::Meet { gossip }),
            node_id().prop_map(|node| Body::Fail { node }),
            (node_id(), any::<u64>(), slots()).prop_map(|(node, config_epoch, slots)| {
                Body::Update {
                    node,
                    config_epoch,
                    slots: Box::new(slots),
                }
            }),
            (any::<Vec<u8>>(), any::<Vec<u8>>())
                .prop_map(|(channel, message)| Body::Publish { channel, message }),
            (any::<Vec<u8>>(), any::<Vec<u8>>())
                .prop_map(|(channel, message)| Body::PublishShard { channel, message }),
            Just(Body::FailoverAuthRequest),
            Just(Body::FailoverAuthAck),
            Just(Body::MfStart),
            (any::<u64>(), any::<u8>(), any::<Vec<u8>>()).prop_map(|(module_id, kind, payload)| {
                Body::Module {
                    module_id,
                    kind,
                    payload,
                }
            }),
        ]
    }

    fn message() -> impl Strategy<Value = Message> {
        let ids = (
            node_id(),
            prop::option::of(node_id()),
            prop::option::of(node_id()),
        );
        let numbers = (
            any::<u64>(),
            any::<u64>(),
            any::<u16>(),
            any::<u64>(),
            any::<u8>(),
            any::<bool>(),
        );
        let address = (
            "[0-9a-f:.]{0,20}",
            any::<u16>(),
            any::<u16>(),
            any::<u16>(),
            "[a-z.]{0,12}",
        );
        (ids, numbers, address, slots(), body()).prop_map(
            |(
                (sender, primary, shard_id),
                (current_epoch, config_epoch, flags, repl_offset, mflags, cluster_ok),
                (ip, port, cport, tls_port, hostname),
                slots,
                body,
            )| Message {
                header: Header {
                    sender,
                    current_epoch,
                    config_epoch,
                    flags: NodeFlags::from_bits(flags),
                    slots,
                    repl_offset,
                    primary,
                    ip,
                    port,
                    cport,
                    tls_port,
                    hostname,
                    shard_id,
                    cluster_ok,
                    mflags: MessageFlags::from_bits(mflags),
                },
                body,
            },
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        #[test]
        fn every_message_round_trips(message in message()) {
            let frame = encode(&message);
            prop_assert_eq!(FrameDecoder::default().decode(&frame), Ok(Some((message, frame.len()))));
        }

        #[test]
        fn arbitrary_bytes_never_panic(payload in any::<Vec<u8>>(), framed in any::<bool>()) {
            let decoder = FrameDecoder::new(4096);
            let mut buf = Vec::new();
            if framed {
                buf.extend_from_slice(b"TSRB\x01");
                buf.extend_from_slice(&(payload.len() as u32).to_be_bytes());
            }
            buf.extend_from_slice(&payload);
            let _ = decoder.decode(&buf);
        }

        #[test]
        fn a_corrupted_frame_is_an_error_or_a_message(message in message(), at in any::<prop::sample::Index>(), byte in any::<u8>()) {
            let mut frame = encode(&message);
            let i = at.index(frame.len());
            frame[i] = byte;
            // Whatever comes out, nothing panics, and a message uses the whole frame.
            if let Ok(Some((_, used))) = FrameDecoder::default().decode(&frame) {
                prop_assert_eq!(used, frame.len());
            }
        }
    }
}
