//! Hash slots: the unit into which Redis Cluster (and so Tessera) splits the keyspace.
//!
//! This crate owns the pure, IO-free vocabulary every other crate uses to talk about slots:
//!
//! - [`key_slot`] / [`crc16()`]: which of the [`SLOT_COUNT`] slots a key belongs to, with Redis's
//!   CRC16-XMODEM and hash-tag (`{...}`) rules. It runs for every keyed command, so it is a
//!   couple of `memchr` calls and a table-driven CRC.
//! - [`SlotRange`]: an inclusive run of slots, rendered as `CLUSTER NODES` renders it (`N` or `a-b`).
//! - [`SlotSet`]: a fixed 16384-bit bitmap (a node's slots, as in Redis's `myslots`), with the
//!   coalesced [`SlotSet::ranges`] view and the 2048-byte wire form the cluster bus carries.
//! - [`SlotTable`]: slot -> owner, with the maximal same-owner runs `CLUSTER SLOTS` lists.
//! - [`parse_slot`]: a slot argument parsed exactly as Redis's `getSlotOrReply` does.
//!
//! It does not own who the owners are (node ids, addresses, epochs: `gossip`), slot migration
//! states (`migration`), nor the keys stored in a slot (`store`).

mod hash;
mod parse;
mod range;
mod set;
mod table;

pub use hash::{crc16, key_slot};
pub use parse::{SlotError, parse_slot};
pub use range::SlotRange;
pub use set::{SLOT_BITMAP_BYTES, SlotRanges, SlotSet, SlotSetIter};
pub use table::{SlotRuns, SlotTable};

/// Number of hash slots in a cluster (Redis's `CLUSTER_SLOTS`).
pub const SLOT_COUNT: usize = 16384;

/// A hash slot number. Valid slots are `0..SLOT_COUNT`; [`key_slot`] and [`parse_slot`] only
/// produce valid ones.
pub type Slot = u16;

/// The largest valid slot, `SLOT_COUNT - 1`.
pub const MAX_SLOT: Slot = (SLOT_COUNT - 1) as Slot;
