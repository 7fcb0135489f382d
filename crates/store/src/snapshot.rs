//! Snapshots of the keyspace in Redis's RDB format, written and loaded without `fork()`.
//!
//! Writing walks each database slot by slot: a slot's keys are serialized into the encoder's
//! buffer while that slot's lock is held, and the buffer goes to the writer after the lock is
//! released. A writer is never blocked for longer than one slot takes to serialize, and the
//! extra memory is the buffer (about a megabyte), not a copy of the dataset. Each slot is
//! captured at one instant, so the file holds, for every slot, the state some prefix of that
//! slot's writes produced (ARCHITECTURE §4); different slots may be captured at different
//! instants, which no single command can observe because a command's keys share one slot in
//! cluster mode (standalone multi-slot commands are the documented exception).
//!
//! Loading builds entries with [`crate::serialized::build_entry`] and inserts them, applying
//! Redis's rules: expired keys are skipped on a master, empty collections are skipped, a
//! duplicated key or a database index out of range stops the load.
//!
//! Not here: files and their atomic replacement, save scheduling, `INFO persistence` (the
//! node's), the byte format (the `rdb` crate).

use std::io::{Read, Write};

use rdb::{Decoder, DecoderOptions, Encoder, EncoderOptions, Record};
use slot_map::key_slot;

use crate::StoreSettings;
use crate::clock;
use crate::databases::Databases;
use crate::keyspace::{Locked, SlotGuard};
use crate::serialized::{build_entry, write_key_value};
use crate::write_log::WriteLog;
use slot_map::Slot;

/// Bytes buffered before they are handed to the writer.
const FLUSH_AT: usize = 1 << 20;

/// How a snapshot is written.
#[derive(Clone, Debug)]
pub struct SnapshotOptions {
    /// `rdbcompression`: LZF for strings longer than 20 bytes.
    pub compression: bool,
    /// `rdbchecksum`: a CRC64 trailer (zero otherwise).
    pub checksum: bool,
    /// Write each key's LRU idle time (an LRU `maxmemory-policy`, as Redis).
    pub lru: bool,
    /// Write each key's LFU counter (an LFU `maxmemory-policy`).
    pub lfu: bool,
    /// Auxiliary fields written after the header, in order (`redis-ver`, `ctime`, ...).
    pub aux: Vec<(String, Vec<u8>)>,
}

/// What a snapshot held.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SnapshotStats {
    /// Keys written.
    pub keys: u64,
    /// Bytes written.
    pub bytes: u64,
}

/// Writes every database of `dbs` to `out` as an RDB file. `progress` is called after each
/// slot with the keys written so far; `trailer` gives AUX fields written after the keys
/// (known only once the walk is done: the replication offset the snapshot is consistent
/// at, if it is at one; loaders read AUX fields anywhere).
pub fn write_snapshot<W: Write>(
    dbs: &Databases,
    settings: &StoreSettings,
    options: &SnapshotOptions,
    now_ms: i64,
    out: &mut W,
    mut progress: impl FnMut(u64),
    trailer: impl FnOnce() -> Vec<(String, Vec<u8>)>,
) -> std::io::Result<SnapshotStats> {
    let mut enc = Encoder::new(EncoderOptions {
        compression: options.compression,
        checksum: options.checksum,
    });
    let mut stats = SnapshotStats::default();
    enc.header();
    for (name, value) in &options.aux {
        enc.aux(name.as_bytes(), value);
    }
    for (index, db) in dbs.all() {
        if db.is_empty() {
            continue;
        }
        enc.select_db(index as u64);
        enc.resize_db(db.len(), db.volatile_len());
        for slot in 0..=slot_map::MAX_SLOT {
            if db.slot_len(slot) == 0 {
                continue;
            }
            {
                let guard = db.lock_slot(slot);
                stats.keys += write_slot(&mut enc, &guard, settings, options, now_ms);
            }
            if enc.buffer().len() >= FLUSH_AT {
                let chunk = enc.take_buffer();
                out.write_all(&chunk)?;
                stats.bytes += chunk.len() as u64;
            }
            progress(stats.keys);
        }
    }
    for (name, value) in trailer() {
        enc.aux(name.as_bytes(), &value);
    }
    enc.eof();
    let chunk = enc.take_buffer();
    out.write_all(&chunk)?;
    stats.bytes += chunk.len() as u64;
    out.flush()?;
    Ok(stats)
}

/// Writes every key of a locked slot (expire, access clock, type, key, value); returns how
/// many.
fn write_slot(
    enc: &mut Encoder,
    guard: &SlotGuard<'_>,
    settings: &StoreSettings,
    options: &SnapshotOptions,
    now_ms: i64,
) -> u64 {
    let mut keys = 0;
    for entry in guard.table().iter() {
        if let Some(at) = entry.expire_at() {
            enc.expire_ms(at);
        }
        if options.lru {
            enc.idle(u64::from(clock::idle_seconds(now_ms, entry.clock())));
        } else if options.lfu {
            let freq = clock::frequency(settings, now_ms, entry.clock());
            enc.freq(freq.min(255) as u8);
        }
        write_key_value(enc, entry, settings.list_max_listpack_size);
        keys += 1;
    }
    keys
}

/// Options of an AOF rewrite's base for [`write_slot`]: no access clocks (the encoder's own
/// options are [`rewrite_base_encoder`]'s).
fn rewrite_options() -> SnapshotOptions {
    SnapshotOptions {
        compression: true,
        checksum: true,
        lru: false,
        lfu: false,
        aux: Vec::new(),
    }
}

/// Captures, for the running AOF rewrite, the slots among `slots` of database `db` that are
/// locked in `locked` and not captured yet (a write about to touch captured and uncaptured
/// slots at once; see `write_log`).
pub fn capture_locked(
    log: &WriteLog,
    db: usize,
    locked: &Locked<'_>,
    slots: &[Slot],
    settings: &StoreSettings,
    now_ms: i64,
) {
    let options = rewrite_options();
    for &slot in slots {
        if let Some(guard) = locked.guard_of(slot) {
            log.capture(db, slot, |enc| {
                write_slot(enc, guard, settings, &options, now_ms);
            });
        }
    }
}

/// Walks every database the running AOF rewrite knows, capturing each slot not captured
/// yet under its lock, and writes the base as it grows to `out`. Returns false if the
/// rewrite was abandoned meanwhile. The caller then calls `WriteLog::finish_rewrite`.
pub fn rewrite_walk<W: Write>(
    dbs: &Databases,
    settings: &StoreSettings,
    now_ms: i64,
    out: &mut W,
    mut progress: impl FnMut(u64),
) -> std::io::Result<bool> {
    let log = dbs.write_log();
    let options = rewrite_options();
    let mut keys = 0;
    for (index, db) in dbs.all() {
        for slot in 0..=slot_map::MAX_SLOT {
            {
                let guard = db.lock_slot(slot);
                log.capture(index, slot, |enc| {
                    keys += write_slot(enc, &guard, settings, &options, now_ms);
                });
            }
            if slot % 256 == 255 {
                if log.rewrite_aborted() {
                    return Ok(false);
                }
                let chunk = log.take_rewrite_base();
                out.write_all(&chunk)?;
                progress(keys);
            }
        }
    }
    let chunk = log.take_rewrite_base();
    out.write_all(&chunk)?;
    Ok(!log.rewrite_aborted())
}

/// A new encoder for a rewrite's base (`compression`: `rdbcompression`), its header and AUX
/// fields written.
pub fn rewrite_base_encoder(compression: bool, aux: &[(String, Vec<u8>)]) -> Encoder {
    let mut enc = Encoder::new(EncoderOptions {
        compression,
        checksum: true,
    });
    enc.header();
    for (name, value) in aux {
        enc.aux(name.as_bytes(), value);
    }
    enc
}

/// How a snapshot is loaded.
#[derive(Clone, Copy, Debug)]
pub struct LoadOptions {
    /// Check the CRC64 trailer (`rdbchecksum`).
    pub verify_checksum: bool,
    /// Skip keys already expired (a master does; a replica keeps them for its master to
    /// expire).
    pub skip_expired: bool,
    /// The time expiry is judged against, and the access clocks start from.
    pub now_ms: i64,
    /// The maxmemory policy is LRU (IDLE opcodes apply) or LFU (FREQ opcodes apply).
    pub lru: bool,
    /// A key already present is replaced (DEBUG RELOAD MERGE) instead of stopping the load.
    pub replace_existing: bool,
}

/// What a load found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LoadStats {
    /// The file's RDB version.
    pub version: u16,
    /// Keys inserted.
    pub keys: u64,
    /// Keys skipped because they had expired.
    pub expired: u64,
    /// Keys skipped because their collection was empty.
    pub empty: u64,
    /// The auxiliary fields, in file order.
    pub aux: Vec<(Vec<u8>, Vec<u8>)>,
    /// Bytes the RDB stream took (an AOF's commands follow its RDB preamble there).
    pub bytes: u64,
}

/// Why a load stopped.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The bytes are not a valid RDB stream (the error names the offset).
    #[error(transparent)]
    Format(#[from] rdb::RdbError),
    /// SELECTDB names a database this server does not have.
    #[error(
        "the file selects database {db} but this server has {count} databases \
         (the data was created by a server configured with more databases)"
    )]
    DatabaseOutOfRange {
        /// The index in the file.
        db: u64,
        /// `databases` here.
        count: usize,
    },
    /// A key appears twice in one database.
    #[error("duplicated key '{}' in DB {db} at byte {offset}", String::from_utf8_lossy(.key))]
    DuplicateKey {
        /// The key.
        key: Vec<u8>,
        /// Its database.
        db: usize,
        /// Where its record starts.
        offset: u64,
    },
    /// Function libraries (Redis 7 FUNCTION) are not supported.
    #[error("the file holds function libraries, which this server does not support")]
    Functions,
}

/// Loads an RDB stream into `dbs` (which the caller has emptied). `progress` is called every
/// few thousand keys with the bytes read and the keys loaded so far.
pub fn load_snapshot<R: Read>(
    dbs: &Databases,
    input: R,
    settings: &StoreSettings,
    options: &LoadOptions,
    mut progress: impl FnMut(u64, u64),
) -> Result<LoadStats, LoadError> {
    let mut decoder = Decoder::with_options(
        input,
        DecoderOptions {
            verify_checksum: options.verify_checksum,
        },
    )?;
    let mut stats = LoadStats {
        version: decoder.version(),
        ..LoadStats::default()
    };
    let mut db_index = 0usize;
    let mut db = dbs.get(0);
    let base_clock = clock::initial(settings, options.now_ms);
    loop {
        match decoder.next_record()? {
            Record::Eof => break,
            Record::Aux { key, value } => stats.aux.push((key, value)),
            Record::SelectDb(index) => {
                let found = usize::try_from(index)
                    .ok()
                    .and_then(|i| dbs.get(i).map(|d| (i, d)));
                let Some((i, keyspace)) = found else {
                    return Err(LoadError::DatabaseOutOfRange {
                        db: index,
                        count: dbs.count(),
                    });
                };
                db_index = i;
                db = Some(keyspace);
            }
            Record::ResizeDb { .. } => {}
            Record::Function(_) => return Err(LoadError::Functions),
            Record::Key(record) => {
                if options.skip_expired && record.expire_ms.is_some_and(|at| at < options.now_ms) {
                    stats.expired += 1;
                    continue;
                }
                let clock = if settings.lfu {
                    record
                        .freq
                        .map_or(base_clock, |f| clock::from_freq(options.now_ms, f))
                } else if options.lru {
                    record
                        .idle_secs
                        .map_or(base_clock, |idle| clock::from_idle(options.now_ms, idle))
                } else {
                    base_clock
                };
                let Some(mut entry) = build_entry(&record.key, record.value, settings, clock)
                else {
                    stats.empty += 1;
                    continue;
                };
                entry.set_expire(record.expire_ms);
                let Some(keyspace) = &db else {
                    return Err(LoadError::DatabaseOutOfRange {
                        db: db_index as u64,
                        count: dbs.count(),
                    });
                };
                let mut guard = keyspace.lock_slot(key_slot(&record.key));
                if !options.replace_existing && guard.peek(&record.key).is_some() {
                    return Err(LoadError::DuplicateKey {
                        key: record.key,
                        db: db_index,
                        offset: record.offset,
                    });
                }
                guard.insert(entry);
                stats.keys += 1;
                if stats.keys.is_multiple_of(4096) {
                    progress(decoder.offset(), stats.keys);
                }
            }
        }
    }
    stats.bytes = decoder.offset();
    progress(stats.bytes, stats.keys);
    Ok(stats)
}
