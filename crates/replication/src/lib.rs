//! Replication's identities and decisions, without IO: the replication IDs a node streams
//! under (PSYNC2's main and secondary ID), the master's answer to a `PSYNC` (continue from
//! the backlog, or resync in full), the replica's reading of the master's reply, and the
//! replica link's states with Redis's names.
//!
//! Offsets are the write log's: the number of stream bytes before a point. On the wire Redis
//! numbers the next byte wanted one past that (`PSYNC <id> <held + 1>`, INFO's
//! `repl_backlog_first_byte_offset`, `second_repl_offset`); [`answer_psync`] takes the wire
//! form, everything else the log's.
//!
//! Not here: sockets, the backlog's bytes (the store's write log keeps them), INFO text.

use std::fmt;

/// A replication ID: 40 hex characters.
pub type ReplId = String;

/// The ID Redis shows when there is no secondary ID.
pub const NO_ID: &str = "0000000000000000000000000000000000000000";

/// A fresh random replication ID.
pub fn new_id() -> ReplId {
    use rand::Rng;
    let mut rng = rand::rng();
    (0..40)
        .map(|_| char::from(b"0123456789abcdef"[rng.random_range(0..16)]))
        .collect()
}

/// The IDs this node's stream is known by.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplicationIds {
    /// The current history's ID (`master_replid`).
    pub id: ReplId,
    /// The history this one continues (`master_replid2`), valid up to `second_offset`.
    pub id2: ReplId,
    /// The first offset (Redis's numbering: bytes before it plus one) that `id2` does not
    /// cover (`second_repl_offset`; -1 when there is no `id2`).
    pub second_offset: i64,
}

impl Default for ReplicationIds {
    fn default() -> Self {
        ReplicationIds {
            id: new_id(),
            id2: NO_ID.to_string(),
            second_offset: -1,
        }
    }
}

impl ReplicationIds {
    /// A replica becomes a master at `offset` (bytes it applied): its stream goes on under a
    /// new ID, and replicas that followed the old one may continue up to here (PSYNC2).
    pub fn promote(&mut self, offset: u64) {
        self.id2 = std::mem::replace(&mut self.id, new_id());
        self.second_offset = offset as i64 + 1;
    }

    /// A full sync from a master: its ID, and no secondary ID.
    pub fn follow(&mut self, master_id: &str) {
        self.id = master_id.to_string();
        self.id2 = NO_ID.to_string();
        self.second_offset = -1;
    }

    /// A new history unrelated to the old one (the backlog was dropped).
    pub fn renew(&mut self) {
        *self = ReplicationIds::default();
    }
}

/// Why a master answers PSYNC with a full resync.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FullReason {
    /// `PSYNC ? -1` or `SYNC`: the replica has nothing.
    Requested,
    /// The ID is neither ours nor, up to its offset, our previous one.
    UnknownId,
    /// The offset is outside the backlog.
    OutOfBacklog,
    /// The offset falls inside (or at the start of) a stretch a full sync's stream filled (bytes that do not
    /// replay the same here as in that replica's history).
    FilledRange,
}

impl fmt::Display for FullReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FullReason::Requested => "full resync requested by replica",
            FullReason::UnknownId => "replication ID mismatch",
            FullReason::OutOfBacklog => "the requested offset is not in the backlog",
            FullReason::FilledRange => "the requested offset is inside a filled sync stream",
        })
    }
}

/// A master's answer to `PSYNC`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PsyncAnswer {
    /// `+CONTINUE`: stream from this log offset (bytes before it).
    Continue { from: u64 },
    /// `+FULLRESYNC`.
    Full(FullReason),
}

/// Decides a `PSYNC id offset` (Redis's numbering: `offset` = bytes held + 1). `backlog` is
/// the range of log offsets the history holds, `filled` the stretches full syncs filled.
pub fn answer_psync(
    ids: &ReplicationIds,
    id: &str,
    offset: i64,
    backlog: Option<(u64, u64)>,
    filled: &[(u64, u64)],
) -> PsyncAnswer {
    if id == "?" || offset < 1 {
        return PsyncAnswer::Full(FullReason::Requested);
    }
    let held = (offset - 1) as u64;
    let ours = id.eq_ignore_ascii_case(&ids.id);
    let previous =
        id.eq_ignore_ascii_case(&ids.id2) && ids.id2 != NO_ID && offset <= ids.second_offset;
    if !ours && !previous {
        return PsyncAnswer::Full(FullReason::UnknownId);
    }
    let Some((start, end)) = backlog else {
        return PsyncAnswer::Full(FullReason::OutOfBacklog);
    };
    if held < start || held > end {
        return PsyncAnswer::Full(FullReason::OutOfBacklog);
    }
    if filled.iter().any(|&(a, b)| held >= a && held < b) {
        return PsyncAnswer::Full(FullReason::FilledRange);
    }
    PsyncAnswer::Continue { from: held }
}

/// A master's reply to our `PSYNC`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PsyncReply {
    /// `+FULLRESYNC <id> <offset>`: a snapshot at that offset follows.
    Full { id: ReplId, offset: u64 },
    /// `+CONTINUE [<id>]`: the stream goes on (under a new ID if one is given).
    Continue { id: Option<ReplId> },
    /// An empty line: the master is preparing (keep waiting).
    Wait,
    /// `-NOMASTERLINK`, `-LOADING`: try again later.
    TryLater(String),
    /// Anything else.
    Error(String),
}

/// Reads a master's reply line to PSYNC (without its line ending).
pub fn parse_psync_reply(line: &str) -> PsyncReply {
    if line.is_empty() {
        return PsyncReply::Wait;
    }
    if let Some(rest) = line.strip_prefix("+FULLRESYNC") {
        let mut parts = rest.split_whitespace();
        if let (Some(id), Some(offset)) = (parts.next(), parts.next())
            && id.len() == 40
            && let Ok(offset) = offset.parse::<u64>()
        {
            return PsyncReply::Full {
                id: id.to_string(),
                offset,
            };
        }
        return PsyncReply::Error(format!("bad FULLRESYNC reply: {line}"));
    }
    if let Some(rest) = line.strip_prefix("+CONTINUE") {
        let id = rest.trim();
        return PsyncReply::Continue {
            id: (id.len() == 40).then(|| id.to_string()),
        };
    }
    if line.starts_with("-NOMASTERLINK") || line.starts_with("-LOADING") {
        return PsyncReply::TryLater(line.to_string());
    }
    PsyncReply::Error(line.to_string())
}

/// The replica side's link state, as ROLE and INFO name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum LinkState {
    /// Waiting to connect (or to reconnect).
    #[default]
    Connect,
    /// The TCP connection is being made.
    Connecting,
    /// PING / AUTH / REPLCONF / PSYNC.
    Handshake,
    /// Receiving the snapshot.
    Sync,
    /// Streaming.
    Connected,
}

impl LinkState {
    /// The name ROLE reports.
    pub fn role_name(self) -> &'static str {
        match self {
            LinkState::Connect => "connect",
            LinkState::Connecting => "connecting",
            LinkState::Handshake => "handshake",
            LinkState::Sync => "sync",
            LinkState::Connected => "connected",
        }
    }
}

/// A master's view of one replica, as `INFO replication` `slaveN:` shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReplicaState {
    /// Waiting for (or receiving) the snapshot's start.
    WaitBgsave,
    /// Receiving the snapshot.
    SendBulk,
    /// Streaming.
    Online,
}

impl ReplicaState {
    /// The `state=` name.
    pub fn name(self) -> &'static str {
        match self {
            ReplicaState::WaitBgsave => "wait_bgsave",
            ReplicaState::SendBulk => "send_bulk",
            ReplicaState::Online => "online",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids() -> ReplicationIds {
        ReplicationIds {
            id: "a".repeat(40),
            id2: "b".repeat(40),
            second_offset: 101,
        }
    }

    #[test]
    fn psync_continues_within_the_backlog_under_either_id() {
        let ids = ids();
        let backlog = Some((50, 200));
        assert_eq!(
            answer_psync(&ids, &"a".repeat(40), 151, backlog, &[]),
            PsyncAnswer::Continue { from: 150 }
        );
        assert_eq!(
            answer_psync(&ids, &"b".repeat(40), 101, backlog, &[]),
            PsyncAnswer::Continue { from: 100 }
        );
        // The old ID only up to where it was replaced.
        assert_eq!(
            answer_psync(&ids, &"b".repeat(40), 102, backlog, &[]),
            PsyncAnswer::Full(FullReason::UnknownId)
        );
        assert_eq!(
            answer_psync(&ids, "?", -1, backlog, &[]),
            PsyncAnswer::Full(FullReason::Requested)
        );
        assert_eq!(
            answer_psync(&ids, &"a".repeat(40), 40, backlog, &[]),
            PsyncAnswer::Full(FullReason::OutOfBacklog)
        );
        assert_eq!(
            answer_psync(&ids, &"a".repeat(40), 202, backlog, &[]),
            PsyncAnswer::Full(FullReason::OutOfBacklog)
        );
        assert_eq!(
            answer_psync(&ids, &"a".repeat(40), 151, None, &[]),
            PsyncAnswer::Full(FullReason::OutOfBacklog)
        );
        assert_eq!(
            answer_psync(&ids, &"a".repeat(40), 151, backlog, &[(120, 160)]),
            PsyncAnswer::Full(FullReason::FilledRange)
        );
        // At its start the replica may hold only the snapshot, which the fill completes.
        assert_eq!(
            answer_psync(&ids, &"a".repeat(40), 121, backlog, &[(120, 160)]),
            PsyncAnswer::Full(FullReason::FilledRange)
        );
        // After it ended, the stream is the same for everyone.
        assert_eq!(
            answer_psync(&ids, &"a".repeat(40), 161, backlog, &[(120, 160)]),
            PsyncAnswer::Continue { from: 160 }
        );
    }

    #[test]
    fn promotion_keeps_the_old_id_as_the_second() {
        let mut ids = ReplicationIds::default();
        let old = ids.id.clone();
        ids.promote(87);
        assert_eq!(ids.id2, old);
        assert_eq!(ids.second_offset, 88);
        assert_ne!(ids.id, old);
        assert_eq!(ids.id.len(), 40);
        assert!(ids.id.bytes().all(|b| b.is_ascii_hexdigit()));
    }

    #[test]
    fn psync_replies_are_read() {
        let id = "c".repeat(40);
        assert_eq!(
            parse_psync_reply(&format!("+FULLRESYNC {id} 123")),
            PsyncReply::Full {
                id: id.clone(),
                offset: 123
            }
        );
        assert_eq!(
            parse_psync_reply(&format!("+CONTINUE {id}")),
            PsyncReply::Continue { id: Some(id) }
        );
        assert_eq!(
            parse_psync_reply("+CONTINUE"),
            PsyncReply::Continue { id: None }
        );
        assert_eq!(parse_psync_reply(""), PsyncReply::Wait);
        assert!(matches!(
            parse_psync_reply("-LOADING Redis is loading"),
            PsyncReply::TryLater(_)
        ));
        assert!(matches!(
            parse_psync_reply("+FULLRESYNC short 1"),
            PsyncReply::Error(_)
        ));
    }
}
