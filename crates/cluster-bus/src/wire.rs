//! The protobuf messages of `proto/clusterbus/v1/clusterbus.proto`, written by hand with
//! prost's derives (same names, same field numbers), so the build needs no `protoc`. The
//! tests pin the bytes protoc itself produces for a few messages: a field that drifts from
//! the schema fails them.
//!
//! These are plain data; what the fields mean and how they map to the gossip crate's
//! [`gossip::Message`] is `convert`'s business.

/// The sender's view of itself (schema: `Header`).
#[derive(Clone, PartialEq, prost::Message)]
pub struct Header {
    /// Node id, 40 characters.
    #[prost(string, tag = "1")]
    pub sender: String,
    /// currentEpoch.
    #[prost(uint64, tag = "2")]
    pub current_epoch: u64,
    /// configEpoch (the primary's for a replica).
    #[prost(uint64, tag = "3")]
    pub config_epoch: u64,
    /// CLUSTER_NODE_* flags.
    #[prost(uint32, tag = "4")]
    pub flags: u32,
    /// 2048-byte slot bitmap, or empty.
    #[prost(bytes = "vec", tag = "5")]
    pub slots: Vec<u8>,
    /// Replication offset.
    #[prost(uint64, tag = "6")]
    pub repl_offset: u64,
    /// The primary's id for a replica, else empty.
    #[prost(string, tag = "7")]
    pub primary: String,
    /// Announced IP, or empty.
    #[prost(string, tag = "8")]
    pub ip: String,
    /// Client port.
    #[prost(uint32, tag = "9")]
    pub port: u32,
    /// Bus port.
    #[prost(uint32, tag = "10")]
    pub cport: u32,
    /// TLS client port.
    #[prost(uint32, tag = "11")]
    pub tls_port: u32,
    /// Announced hostname, or empty.
    #[prost(string, tag = "12")]
    pub hostname: String,
    /// Shard id, or empty.
    #[prost(string, tag = "13")]
    pub shard_id: String,
    /// cluster_state:ok as the sender sees it.
    #[prost(bool, tag = "14")]
    pub cluster_ok: bool,
    /// Message flags.
    #[prost(uint32, tag = "15")]
    pub mflags: u32,
}

/// One node in a gossip section (schema: `GossipEntry`).
#[derive(Clone, PartialEq, prost::Message)]
pub struct GossipEntry {
    /// Node id.
    #[prost(string, tag = "1")]
    pub node_id: String,
    /// Pending PING time, ms (0: none).
    #[prost(uint64, tag = "2")]
    pub ping_sent: u64,
    /// Last PONG time, ms.
    #[prost(uint64, tag = "3")]
    pub pong_received: u64,
    /// IP.
    #[prost(string, tag = "4")]
    pub ip: String,
    /// Client port.
    #[prost(uint32, tag = "5")]
    pub port: u32,
    /// Bus port.
    #[prost(uint32, tag = "6")]
    pub cport: u32,
    /// Flags.
    #[prost(uint32, tag = "7")]
    pub flags: u32,
    /// TLS client port.
    #[prost(uint32, tag = "8")]
    pub tls_port: u32,
}

/// PING, PONG and MEET bodies (schema: `Ping`).
#[derive(Clone, PartialEq, prost::Message)]
pub struct Ping {
    /// The gossip section.
    #[prost(message, repeated, tag = "1")]
    pub gossip: Vec<GossipEntry>,
}

/// FAIL (schema: `Fail`).
#[derive(Clone, PartialEq, prost::Message)]
pub struct Fail {
    /// The failing node.
    #[prost(string, tag = "1")]
    pub node_id: String,
}

/// UPDATE (schema: `Update`).
#[derive(Clone, PartialEq, prost::Message)]
pub struct Update {
    /// The owner.
    #[prost(string, tag = "1")]
    pub node_id: String,
    /// Its configEpoch.
    #[prost(uint64, tag = "2")]
    pub config_epoch: u64,
    /// Its slots, 2048-byte bitmap.
    #[prost(bytes = "vec", tag = "3")]
    pub slots: Vec<u8>,
}

/// PUBLISH and PUBLISHSHARD (schema: `Publish`).
#[derive(Clone, PartialEq, prost::Message)]
pub struct Publish {
    /// Channel.
    #[prost(bytes = "vec", tag = "1")]
    pub channel: Vec<u8>,
    /// Payload.
    #[prost(bytes = "vec", tag = "2")]
    pub message: Vec<u8>,
}

/// FAILOVER_AUTH_REQUEST (schema: `FailoverAuthRequest`; all in the header).
#[derive(Clone, Copy, PartialEq, prost::Message)]
pub struct FailoverAuthRequest {}

/// FAILOVER_AUTH_ACK (schema: `FailoverAuthAck`).
#[derive(Clone, Copy, PartialEq, prost::Message)]
pub struct FailoverAuthAck {}

/// MFSTART (schema: `MfStart`).
#[derive(Clone, Copy, PartialEq, prost::Message)]
pub struct MfStart {}

/// MODULE (schema: `Module`).
#[derive(Clone, PartialEq, prost::Message)]
pub struct Module {
    /// The module's id.
    #[prost(uint64, tag = "1")]
    pub module_id: u64,
    /// The module's message type (schema field `type`).
    #[prost(uint32, tag = "2")]
    pub kind: u32,
    /// Payload.
    #[prost(bytes = "vec", tag = "3")]
    pub payload: Vec<u8>,
}

/// One bus message (schema: `Envelope`).
#[derive(Clone, PartialEq, prost::Message)]
pub struct Envelope {
    /// The header (always present in what we send).
    #[prost(message, optional, tag = "1")]
    pub header: Option<Header>,
    /// The body (schema: `oneof body`).
    #[prost(oneof = "Body", tags = "2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12")]
    pub body: Option<Body>,
}

/// The `oneof body` of `Envelope`.
#[derive(Clone, PartialEq, prost::Oneof)]
pub enum Body {
    /// PING.
    #[prost(message, tag = "2")]
    Ping(Ping),
    /// PONG.
    #[prost(message, tag = "3")]
    Pong(Ping),
    /// MEET.
    #[prost(message, tag = "4")]
    Meet(Ping),
    /// FAIL.
    #[prost(message, tag = "5")]
    Fail(Fail),
    /// UPDATE.
    #[prost(message, tag = "6")]
    Update(Update),
    /// PUBLISH.
    #[prost(message, tag = "7")]
    Publish(Publish),
    /// PUBLISHSHARD.
    #[prost(message, tag = "8")]
    PublishShard(Publish),
    /// FAILOVER_AUTH_REQUEST.
    #[prost(message, tag = "9")]
    FailoverAuthRequest(FailoverAuthRequest),
    /// FAILOVER_AUTH_ACK.
    #[prost(message, tag = "10")]
    FailoverAuthAck(FailoverAuthAck),
    /// MFSTART.
    #[prost(message, tag = "11")]
    Mfstart(MfStart),
    /// MODULE.
    #[prost(message, tag = "12")]
    Module(Module),
}

#[cfg(test)]
mod tests {
    //! Expected bytes were produced by protoc (libprotoc 36.2) from text-format messages:
    //! `protoc --encode=tessera.clusterbus.v1.Envelope -I proto proto/clusterbus/v1/clusterbus.proto`.

    use super::*;
    use prost::Message;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    const ID_A: &str = "65d59c33b968991459556b0ec0da0b879f57cc7a";
    const ID_B: &str = "bc2a8acab4038a1162b6d3de239ad5340f1d88c9";

    fn header(sender: &str) -> Header {
        Header {
            sender: sender.to_string(),
            ..Header::default()
        }
    }

    #[test]
    fn ping_matches_protoc() {
        let envelope = Envelope {
            header: Some(Header {
                sender: ID_A.into(),
                current_epoch: 8,
                config_epoch: 3,
                flags: 3,
                slots: vec![0x01, 0x80],
                repl_offset: 300,
                primary: String::new(),
                ip: "10.0.0.1".into(),
                port: 7000,
                cport: 17000,
                tls_port: 0,
                hostname: "node1.example".into(),
                shard_id: "0123456789abcdef0123456789abcdef01234567".into(),
                cluster_ok: true,
                mflags: 0,
            }),
            body: Some(Body::Ping(Ping {
                gossip: vec![GossipEntry {
                    node_id: ID_B.into(),
                    ping_sent: 0,
                    pong_received: 1_795_303_808_026,
                    ip: "10.0.0.3".into(),
                    port: 7002,
                    cport: 17002,
                    flags: 10,
                    tls_port: 0,
                }],
            })),
        };
        assert_eq!(
            hex(&envelope.encode_to_vec()),
            "0a83010a28363564353963333362393638393931343539353536623065633064613062383739663537636337611008180320032a02018030ac02420831302e302e302e3148d83650e88401620d6e6f6465312e6578616d706c656a2830313233343536373839616263646566303132333435363738396162636465663031323334353637700112460a440a2862633261386163616234303338613131363262366433646532333961643533343066316438386339189ab8c883a034220831302e302e302e3328da3630ea8401380a"
        );
    }

    #[test]
    fn update_matches_protoc() {
        let envelope = Envelope {
            header: Some(Header {
                sender: "91c942386ae617a58a504230e4e3cffae7ddd86a".into(),
                current_epoch: 9,
                config_epoch: 9,
                flags: 4,
                primary: ID_B.into(),
                port: 7005,
                cport: 17005,
                ..Header::default()
            }),
            body: Some(Body::Update(Update {
                node_id: ID_B.into(),
                config_epoch: 9,
                slots: vec![0xff, 0x00, 0x01],
            })),
        };
        assert_eq!(
            hex(&envelope.encode_to_vec()),
            "0a610a28393163393432333836616536313761353861353034323330653465336366666165376464643836611009180920043a286263326138616361623430333861313136326236643364653233396164353334306631643838633948dd3650ed840132310a286263326138616361623430333861313136326236643364653233396164353334306631643838633910091a03ff0001"
        );
    }

    #[test]
    fn fail_publish_shard_mfstart_and_module_match_protoc() {
        let cases = [
            (
                Envelope {
                    header: Some(Header {
                        current_epoch: 1,
                        ..header(ID_A)
                    }),
                    body: Some(Body::Fail(Fail {
                        node_id: ID_B.into(),
                    })),
                },
                "0a2c0a283635643539633333623936383939313435393535366230656330646130623837396635376363376110012a2a0a2862633261386163616234303338613131363262366433646532333961643533343066316438386339",
            ),
            (
                Envelope {
                    header: Some(header(ID_A)),
                    body: Some(Body::PublishShard(Publish {
                        channel: b"news".to_vec(),
                        message: b"hello".to_vec(),
                    })),
                },
                "0a2a0a2836356435396333336239363839393134353935353662306563306461306238373966353763633761420d0a046e657773120568656c6c6f",
            ),
            (
                Envelope {
                    header: Some(Header {
                        mflags: 2,
                        ..header(ID_A)
                    }),
                    body: Some(Body::Mfstart(MfStart {})),
                },
                "0a2c0a283635643539633333623936383939313435393535366230656330646130623837396635376363376178025a00",
            ),
            (
                Envelope {
                    header: Some(header(ID_A)),
                    body: Some(Body::Module(Module {
                        module_id: 42,
                        kind: 7,
                        payload: vec![0, 1],
                    })),
                },
                "0a2a0a28363564353963333362393638393931343539353536623065633064613062383739663537636337616208082a10071a020001",
            ),
        ];
        for (envelope, expected) in cases {
            assert_eq!(hex(&envelope.encode_to_vec()), expected);
            assert_eq!(
                Envelope::decode(envelope.encode_to_vec().as_slice()),
                Ok(envelope)
            );
        }
    }
}
