//! Data command implementations: argument parsing, semantics and replies, as Redis 7.0 has them.
//!
//! Each handler receives the full argument vector (`args[0]` is the command name) with the
//! slots of its keys already locked (see [`crate::Ctx`]). Arity is checked by the caller from
//! the command table; option parsing and everything after is here.

pub mod keys;
pub mod strings;

use crate::entry::{Entry, ValueType};
use crate::error::CmdError;
use crate::{Ctx, Keyspace, Locked, StoreSettings, clock};

/// ASCII case-insensitive comparison of an argument with an option name.
pub fn is(arg: &[u8], name: &str) -> bool {
    arg.eq_ignore_ascii_case(name.as_bytes())
}

/// An integer argument (Redis `getLongLongFromObjectOrReply`).
pub fn int_arg(arg: &[u8]) -> Result<i64, CmdError> {
    numeric::parse_i64(arg).ok_or(CmdError::NotInteger)
}

/// An `int`-sized argument (Redis `getIntFromObjectOrReply`).
pub fn i32_arg(arg: &[u8]) -> Result<i32, CmdError> {
    int_arg(arg).and_then(|v| i32::try_from(v).map_err(|_| CmdError::NotInteger))
}

/// Redis `lookupKeyRead` over borrowed parts of a [`Ctx`], so the caller can keep writing to
/// `ctx.reply` while it holds the returned entry.
pub(crate) fn lookup_read<'g>(
    locked: &'g mut Locked<'_>,
    db: &Keyspace,
    key: &[u8],
    now_ms: i64,
    settings: &StoreSettings,
) -> Result<Option<&'g Entry>, CmdError> {
    let stats = db.stats();
    let guard = locked.table(key)?;
    match guard.get_mut(key, now_ms) {
        Some(e) => {
            e.set_clock(clock::touched(settings, now_ms, e.clock()));
            stats.keyspace_hits.add(1);
            Ok(Some(&*e))
        }
        None => {
            stats.keyspace_misses.add(1);
            Ok(None)
        }
    }
}

impl Ctx<'_, '_> {
    /// Looks `key` up for reading: expires it if due, updates its access clock, counts a
    /// keyspace hit or miss (Redis `lookupKeyRead`).
    pub fn read(&mut self, key: &[u8]) -> Result<Option<&Entry>, CmdError> {
        lookup_read(self.locked, self.db, key, self.now_ms, self.settings)
    }

    /// Looks `key` up for reading a string: WRONGTYPE if it holds another type.
    pub fn read_string(&mut self, key: &[u8]) -> Result<Option<&Entry>, CmdError> {
        match self.read(key)? {
            Some(e) if e.value_type() != ValueType::String => Err(CmdError::WrongType),
            other => Ok(other),
        }
    }

    /// Looks `key` up for writing (expires it if due; no hit/miss counting, as Redis).
    pub fn write_lookup(&mut self, key: &[u8]) -> Result<Option<&mut Entry>, CmdError> {
        let now = self.now_ms;
        let settings = self.settings;
        let guard = self.locked.table(key)?;
        let entry = guard.get_mut(key, now);
        if let Some(e) = entry {
            e.set_clock(clock::touched(settings, now, e.clock()));
            return Ok(Some(e));
        }
        Ok(None)
    }

    /// The live entry for `key` without touching its access clock (Redis `LOOKUP_NOTOUCH`).
    pub fn peek(&mut self, key: &[u8]) -> Result<Option<&Entry>, CmdError> {
        let now = self.now_ms;
        Ok(self.locked.table(key)?.get(key, now))
    }

    /// Does a live `key` exist (no access-clock update)?
    pub fn exists(&mut self, key: &[u8]) -> Result<bool, CmdError> {
        let now = self.now_ms;
        Ok(self.locked.table(key)?.contains(key, now))
    }

    /// Records `n` changes to the dataset (Redis `server.dirty`).
    pub fn dirty(&self, n: u64) {
        self.db.stats().dirty.add(n as i64);
    }
}
