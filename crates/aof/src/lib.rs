//! Redis 7.0's append-only files as files on disk: the multi-part layout (a manifest naming
//! a base file and incr files inside `appenddirname`) and the command stream the files
//! hold, read and written byte for byte as Redis does (`src/aof.c`).
//!
//! It owns file formats, file names and file operations. It does not know the keyspace or
//! commands: the node decides what to append, replays the commands it is given (and
//! queues a `MULTI` block until its `EXEC`), loads RDB base files with the RDB decoder, and
//! runs the writer with its fsync policy.
//!
//! Map of the crate:
//! - [`manifest`]: [`Manifest`] and its text form, with Redis's parsing rules and errors,
//!   file naming, and the edits a rewrite makes;
//! - [`reader`]: [`CommandReader`] iterates the commands of one file and reports how it
//!   ends ([`Ending`]: whole, torn mid-command, or inside an unfinished `MULTI`), apart from
//!   format errors, so the caller can apply `aof-load-truncated`;
//! - [`format`](mod@format): [`encode_command`] and [`AofEncoder`] (adds `SELECT` when the
//!   database changes);
//! - [`layout`]: [`AofPaths`], [`prepare_load`] (manifest, pre-7.0 upgrade, missing files),
//!   [`open_on_startup`] (a fresh layout), and a rewrite's file steps;
//! - [`durable`]: [`fsync_dir`] and [`atomic_write`].

mod c_text;
pub mod durable;
pub mod format;
pub mod layout;
pub mod manifest;
pub mod reader;

pub use durable::{atomic_write, fsync_dir};
pub use format::{AofEncoder, encode_command};
pub use layout::{
    AofPaths, LayoutError, LoadPlan, OpenIncr, PlannedFile, RemovedFile, StartupFiles,
    delete_history, install_rewritten_base, open_new_incr, open_on_startup, persist_manifest,
    prepare_load, read_manifest,
};
pub use manifest::{AofFile, BaseFormat, FileKind, Manifest, ManifestError, ManifestProblem};
pub use reader::{
    Command, CommandReader, DEFAULT_MAX_BULK_LEN, Ending, FormatProblem, ReadError, Step,
    has_rdb_preamble,
};
