//! This node's append-only file: Redis 7.0's multi-part layout (`appenddirname` with a base
//! file, incremental files and a manifest; the `aof` crate), loaded at startup instead of the
//! RDB when `appendonly yes`, then fed from the write log by a writer thread that fsyncs as
//! `appendfsync` says.
//!
//! Durability: a client's reply is held until the AOF holds that client's last logged write:
//! written to the file (so killing the process loses no acknowledged write, as in Redis,
//! which writes its AOF buffer before answering), and under `always` also fsynced. The
//! writer handles whatever accumulated meanwhile in one go, so concurrent clients share each
//! write and fsync (group commit). With `everysec` the writer fsyncs about once a second (a
//! machine crash loses at most about that); with `no` never (the kernel decides). A failed write under `always`
//! stops the server, as Redis does, since acknowledged writes could not be made durable.
//!
//! Rewrites (BGREWRITEAOF, `auto-aof-rewrite-percentage`) run without fork: a thread walks
//! the keyspace into a new RDB base while the write log routes each slot's later writes to
//! the rewrite's stream (see `store::write_log`); the writer thread then switches, in one
//! manifest write, to the new base and a new incremental file holding that stream, and
//! deletes the old files.
//!
//! Not here: the byte formats (the `aof` and `rdb` crates), what is logged (the write log).
//! Not yet: switching `appendonly` at runtime.

use std::fs::File;
use std::io::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use aof::layout::{AofPaths, OpenIncr};
use aof::manifest::{BaseFormat, FileKind};
use aof::reader::{CommandReader, Ending, Step};
use bytes::BytesMut;
use parking_lot::Mutex;
use tokio::sync::watch;

use crate::server::{CommandClock, Server, unix_ms};
use crate::session::Session;

/// The AOF's state and counters.
pub struct Aof {
    /// `appendonly yes` and the files are open.
    enabled: AtomicBool,
    /// `appendfsync always`: replies wait for the fsync.
    always: AtomicBool,
    /// The write-log offset the AOF holds: written, and under `always` fsynced.
    durable: watch::Sender<u64>,
    /// The last write to the file succeeded (INFO `aof_last_write_status`).
    last_write_ok: AtomicBool,
    /// Why the last write failed, while it is not solved (writes are refused with MISCONF).
    write_error: Mutex<Option<String>>,
    /// Bytes in the AOF files (INFO `aof_current_size`).
    current_size: AtomicU64,
    /// Asks the writer to drain, fsync and stop.
    stop: AtomicBool,
    writer: Mutex<Option<std::thread::JoinHandle<()>>>,
    /// The files and bytes in flight, shared by the writer thread and inline writers.
    writer_state: Mutex<Option<Writer>>,
    /// A rewrite is running (INFO `aof_rewrite_in_progress`).
    rewriting: AtomicBool,
    rewrite_started_ms: std::sync::atomic::AtomicI64,
    last_rewrite_secs: std::sync::atomic::AtomicI64,
    last_rewrite_ok: AtomicBool,
    rewrites: AtomicU64,
    consecutive_failures: AtomicU64,
    /// The AOF's size when the last rewrite ended (its new base and what was written to
    /// its new incremental file meanwhile), or at startup the base file's, as Redis 7.0
    /// keeps `aof_rewrite_base_size`: INFO `aof_base_size`, the automatic rewrite's
    /// reference.
    rewrite_base_size: AtomicU64,
    /// A rewrite's base file, written, for the writer thread to install (or `None` if the
    /// walk failed).
    finished_base: Mutex<Option<Option<(std::path::PathBuf, File)>>>,
}

impl Default for Aof {
    fn default() -> Self {
        Aof {
            enabled: AtomicBool::new(false),
            always: AtomicBool::new(false),
            durable: watch::Sender::new(0),
            last_write_ok: AtomicBool::new(true),
            write_error: Mutex::new(None),
            current_size: AtomicU64::new(0),
            stop: AtomicBool::new(false),
            writer: Mutex::new(None),
            writer_state: Mutex::new(None),
            rewriting: AtomicBool::new(false),
            rewrite_started_ms: std::sync::atomic::AtomicI64::new(0),
            last_rewrite_secs: std::sync::atomic::AtomicI64::new(-1),
            last_rewrite_ok: AtomicBool::new(true),
            rewrites: AtomicU64::new(0),
            consecutive_failures: AtomicU64::new(0),
            rewrite_base_size: AtomicU64::new(0),
            finished_base: Mutex::new(None),
        }
    }
}

impl Aof {
    /// Is the AOF on?
    pub fn is_enabled(&self) -> bool {
        self.enabled.load(Ordering::Acquire)
    }

    /// Why writes are refused: the AOF could not be written (Redis's `-MISCONF Errors
    /// writing to the AOF file: ...`).
    pub fn write_refusal(&self) -> Option<String> {
        if self.last_write_ok.load(Ordering::Relaxed) {
            return None;
        }
        self.write_error
            .lock()
            .as_ref()
            .map(|e| format!("MISCONF Errors writing to the AOF file: {e}"))
    }

    /// Follows CONFIG SET appendfsync.
    pub fn set_policy(&self, policy: config::AppendFsync) {
        self.always
            .store(policy == config::AppendFsync::Always, Ordering::Release);
    }

    /// Must a reply to a client whose last logged write ended at `offset` wait for the AOF?
    /// As in Redis, no write is acknowledged before it reached the file (so a killed process
    /// loses nothing it acknowledged), and under `appendfsync always` before it was durable.
    pub fn must_wait(&self, offset: u64) -> bool {
        offset > 0 && self.is_enabled() && *self.durable.borrow() < offset
    }

    /// Writes what the log holds now, on the caller's thread, unless someone else is
    /// writing; under `appendfsync always` fsyncs it too, so the writes of every connection
    /// that arrived meanwhile share one fsync (group commit, led by whichever waiting
    /// connection takes the writer first). True when the file then holds `offset` (and,
    /// under `always`, has it on disk).
    pub fn write_inline(&self, log: &store::write_log::WriteLog, offset: u64) -> bool {
        if *self.durable.borrow() >= offset {
            return true;
        }
        let Some(mut guard) = self.writer_state.try_lock() else {
            return false;
        };
        let Some(w) = guard.as_mut() else {
            return false;
        };
        let always = self.always.load(Ordering::Acquire);
        let drained = w.drain(self, log);
        let done = if always {
            if let Drained::Failed(e) = &drained {
                exit_on_always_failure("write", &w.files.incr.path, e);
            }
            if w.synced_offset < w.written_offset {
                if let Err(e) = w.files.incr.file.sync_data() {
                    exit_on_always_failure("fsync", &w.files.incr.path, &e);
                }
                w.synced_offset = w.written_offset;
            }
            w.synced_offset
        } else {
            w.written_offset
        };
        // Released before the waiters are told, so a waiter whose bytes this drain missed
        // finds the writer free when it wakes and writes them itself at once.
        drop(guard);
        self.durable.send_if_modified(|durable| {
            let raised = done > *durable;
            *durable = (*durable).max(done);
            raised
        });
        done >= offset || *self.durable.borrow() >= offset
    }

    /// Waits until the AOF holds `offset` as [`Aof::must_wait`] requires, writing it itself
    /// when it can ([`Aof::write_inline`]); otherwise the connection (or the writer thread)
    /// holding the writer does.
    pub async fn wait_written(&self, log: &store::write_log::WriteLog, offset: u64) {
        // Under `always`, other connections ready to run on this thread execute their
        // commands first, so one write and one fsync carry all of their writes, as Redis's
        // one flush per event-loop turn does. Not otherwise: a write(2) costs less than the
        // yield (the worker polls the IO driver again and wakes the other worker to steal:
        // 14.3 -> 13.1 us of server CPU per SET at -P 1 with `everysec`, although the number
        // of AOF writes went from 0.26 to 0.99 per request).
        if self.always.load(Ordering::Acquire) {
            tokio::task::yield_now().await;
        }
        loop {
            // Subscribed first, so a write finishing between the attempt and the wait is
            // not missed.
            let mut rx = self.durable.subscribe();
            if self.write_inline(log, offset) {
                return;
            }
            // Someone else holds the writer, and what they took may not include our bytes:
            // try again as soon as they are done (or after 1 ms, should the writer thread
            // have found nothing to write and told nobody).
            if let Ok(Ok(())) = tokio::time::timeout(Duration::from_millis(1), rx.changed()).await
                && *rx.borrow() >= offset
            {
                return;
            }
            if !self.is_enabled() {
                return;
            }
        }
    }

    /// The AOF fields of INFO persistence after `aof_enabled` (Redis 7.0's order).
    pub fn info(&self, out: &mut String) {
        use std::fmt::Write as _;
        let enabled = self.is_enabled();
        let _ = write!(out, "aof_enabled:{}\r\n", u8::from(enabled));
        let rewriting = self.rewriting.load(Ordering::Acquire);
        let current = if rewriting {
            (unix_ms() - self.rewrite_started_ms.load(Ordering::Relaxed)) / 1000
        } else {
            -1
        };
        let _ = write!(
            out,
            "aof_rewrite_in_progress:{}\r\naof_rewrite_scheduled:0\r\naof_last_rewrite_time_sec:{}\r\naof_current_rewrite_time_sec:{current}\r\naof_last_bgrewrite_status:{}\r\naof_rewrites:{}\r\naof_rewrites_consecutive_failures:{}\r\n",
            u8::from(rewriting),
            self.last_rewrite_secs.load(Ordering::Relaxed),
            if self.last_rewrite_ok.load(Ordering::Relaxed) {
                "ok"
            } else {
                "err"
            },
            self.rewrites.load(Ordering::Relaxed),
            self.consecutive_failures.load(Ordering::Relaxed),
        );
        let ok = self.last_write_ok.load(Ordering::Relaxed);
        let _ = write!(
            out,
            "aof_last_write_status:{}\r\naof_last_cow_size:0\r\nmodule_fork_in_progress:0\r\nmodule_fork_last_cow_size:0\r\n",
            if ok { "ok" } else { "err" }
        );
        if enabled {
            let _ = write!(
                out,
                "aof_current_size:{}\r\naof_base_size:{}\r\naof_pending_rewrite:0\r\naof_buffer_length:0\r\naof_pending_bio_fsync:0\r\naof_delayed_fsync:0\r\n",
                self.current_size.load(Ordering::Relaxed),
                self.rewrite_base_size.load(Ordering::Relaxed)
            );
        }
    }
}

/// The AOF paths the configuration names.
fn paths(server: &Server) -> AofPaths {
    let cfg = server.config.read();
    AofPaths::new(".", &cfg.appenddirname, &cfg.appendfilename)
}

/// With `appendonly yes`: loads the AOF (base, then incremental files), creates the layout if
/// there is none (a base of the loaded dataset, as Redis 7.0's startup rewrite does), opens
/// the last incremental file and starts the writer. Errors name the file and offset.
pub fn start(server: &Arc<Server>) -> anyhow::Result<()> {
    let paths = paths(server);
    let plan = aof::layout::prepare_load(&paths)
        .map_err(|e| anyhow::anyhow!("Can't load the append only file: {e}"))?;
    if plan.upgraded_legacy_file {
        tracing::info!("Moved the old append only file into the multi part AOF directory");
    }
    let mut manifest = plan.manifest.clone();
    if !plan.files.is_empty() {
        server.persistence.loading.store(true, Ordering::Release);
        let result = load(server, &plan);
        server.persistence.loading.store(false, Ordering::Release);
        result?;
    }
    let options = crate::persistence::snapshot_options(server, true);
    let settings = *server.settings.read();
    let started = aof::layout::open_on_startup(&paths, &mut manifest, BaseFormat::Rdb, |file| {
        let mut out = std::io::BufWriter::new(file);
        store::snapshot::write_snapshot(
            &server.dbs,
            &settings,
            &options,
            unix_ms(),
            &mut out,
            |_| {},
            Vec::new,
        )?;
        out.flush()
    })
    .map_err(|e| anyhow::anyhow!("Can't open the append only file: {e}"))?;
    if let Some(base) = &started.created_base {
        tracing::info!(
            "Creating AOF base file {} on server start",
            String::from_utf8_lossy(&base.name)
        );
    }
    if started.created_incr {
        tracing::info!(
            "Creating AOF incr file {} on server start",
            String::from_utf8_lossy(&started.incr.info.name)
        );
    }
    let base_size = manifest
        .base()
        .and_then(|b| std::fs::metadata(paths.file_path(&b.name)).ok())
        .map_or(0, |m| m.len());
    let incr_sizes: u64 = manifest
        .incrs()
        .iter()
        .filter_map(|f| std::fs::metadata(paths.file_path(&f.name)).ok())
        .map(|m| m.len())
        .sum();
    let state = &server.aof;
    state
        .current_size
        .store(base_size + incr_sizes, Ordering::Relaxed);
    // Redis does not keep the size the last rewrite ended with across restarts either: it
    // starts from the base file's.
    state.rewrite_base_size.store(base_size, Ordering::Relaxed);
    state.set_policy(server.config.read().appendfsync);
    // From here every change is logged: nothing ran between the load and now.
    let log = server.dbs.write_log();
    log.set_enabled(true);
    let offset = log.offset();
    *state.writer_state.lock() = Some(Writer {
        files: Files {
            paths,
            manifest,
            incr: started.incr,
        },
        buffer: Vec::new(),
        unwritten: Vec::new(),
        unwritten_end: offset,
        written_offset: offset,
        synced_offset: offset,
    });
    state.durable.send_replace(offset);
    state.enabled.store(true, Ordering::Release);
    let writer_server = server.clone();
    let handle = std::thread::Builder::new()
        .name("tessera-aof".into())
        .spawn(move || writer(writer_server))
        .context("starting the AOF writer thread")?;
    *state.writer.lock() = Some(handle);
    Ok(())
}

/// Stops the writer after it wrote and fsynced everything logged (shutdown).
pub fn stop(server: &Server) {
    let state = &server.aof;
    state.stop.store(true, Ordering::Release);
    if let Some(handle) = state.writer.lock().take() {
        let _ = handle.join();
    }
}

/// What the writer thread owns: where the files are, the manifest, the open incr file.
struct Files {
    paths: AofPaths,
    manifest: aof::manifest::Manifest,
    incr: OpenIncr,
}

/// Why a rewrite did not start.
#[derive(Debug, thiserror::Error)]
pub enum RewriteError {
    #[error("Background append only file rewriting already in progress")]
    InProgress,
    #[error(
        "Can't execute an AOF background rewriting. Please check the server logs for more information."
    )]
    Failed,
}

/// Starts an AOF rewrite (BGREWRITEAOF, the automatic rewrite): a thread writes the new base
/// while clients go on writing; the writer thread installs it.
pub fn start_rewrite(server: &Arc<Server>) -> Result<(), RewriteError> {
    let state = &server.aof;
    if !state.is_enabled() {
        return Err(RewriteError::Failed);
    }
    if state.rewriting.swap(true, Ordering::AcqRel) {
        return Err(RewriteError::InProgress);
    }
    let options = crate::persistence::snapshot_options(server, true);
    let log = server.dbs.write_log();
    let base = store::snapshot::rewrite_base_encoder(options.compression, &options.aux);
    let started = log.start_rewrite(base, || {
        server.dbs.all().into_iter().map(|(i, _)| i).collect()
    });
    if !started {
        state.rewriting.store(false, Ordering::Release);
        return Err(RewriteError::InProgress);
    }
    state.rewrite_started_ms.store(unix_ms(), Ordering::Relaxed);
    let server = server.clone();
    let spawned = std::thread::Builder::new()
        .name("tessera-aofrw".into())
        .spawn(move || {
            let outcome = write_rewrite_base(&server);
            if let Err(e) = &outcome {
                tracing::warn!("Error writing the AOF rewrite's base: {e:#}");
            }
            *server.aof.finished_base.lock() = Some(outcome.ok());
        });
    if spawned.is_err() {
        log.abort_rewrite("could not start the rewrite thread");
        *state.finished_base.lock() = Some(None);
        return Err(RewriteError::Failed);
    }
    tracing::info!("Background append only file rewriting started");
    Ok(())
}

/// The rewrite thread's part: the keyspace walked into a temporary base file in the AOF
/// directory (its RDB end is added when the writer thread finishes the rewrite).
fn write_rewrite_base(server: &Server) -> anyhow::Result<(std::path::PathBuf, File)> {
    let paths = paths(server);
    let temp = paths
        .aof_dir()
        .join(format!("temp-rewriteaof-bg-{}.aof", std::process::id()));
    let file = File::create(&temp).with_context(|| format!("creating {}", temp.display()))?;
    let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
    let settings = *server.settings.read();
    let completed =
        store::snapshot::rewrite_walk(&server.dbs, &settings, unix_ms(), &mut out, |_| {})
            .with_context(|| format!("writing {}", temp.display()))?;
    let file = out
        .into_inner()
        .map_err(|e| e.into_error())
        .with_context(|| format!("writing {}", temp.display()))?;
    if !completed {
        let _ = std::fs::remove_file(&temp);
        anyhow::bail!("the rewrite was abandoned");
    }
    // Synced here, off the writer: installing the base (under the writer, which replies
    // wait on) then only has its last bytes to sync.
    file.sync_data()
        .with_context(|| format!("fsync of {}", temp.display()))?;
    Ok((temp, file))
}

/// Finishes a rewrite whose base the rewrite thread wrote (`base`, or `None` if it failed):
/// the log switches at this instant; the old incremental file gets what it had pending; the
/// new base gets its end, and the new incremental file the writes made since each slot's
/// capture; one manifest write switches to them; the old files are deleted.
fn complete_rewrite(
    server: &Server,
    files: &mut Files,
    base: Option<(std::path::PathBuf, File)>,
    next: Option<NextIncr>,
) -> u64 {
    let state = &server.aof;
    let log = server.dbs.write_log();
    let switch_started = Instant::now();
    let outcome = log.finish_rewrite();
    let started = state.rewrite_started_ms.load(Ordering::Relaxed);
    state
        .last_rewrite_secs
        .store((unix_ms() - started) / 1000, Ordering::Relaxed);
    let Some(outcome) = outcome else {
        if let Some(next) = next {
            let _ = std::fs::remove_file(&next.path);
        }
        state.rewriting.store(false, Ordering::Release);
        return log.offset();
    };
    // What was logged before the switch belongs to the old files in any case.
    if let Err(e) = files
        .incr
        .file
        .write_all(&outcome.old_pending)
        .and_then(|()| files.incr.file.sync_data())
    {
        tracing::warn!(error = %e, "Error writing to the AOF file");
    }
    state
        .current_size
        .fetch_add(outcome.old_pending.len() as u64, Ordering::Relaxed);
    let early = next.as_ref().map_or(0, |n| n.len);
    let result = match (base, next, &outcome.aborted) {
        (Some((temp, file)), Some(next), None) => {
            install(server, files, &temp, file, next, &outcome)
        }
        (base, next, why) => {
            if let Some((temp, _)) = base {
                let _ = std::fs::remove_file(temp);
            }
            if let Some(next) = next {
                let _ = std::fs::remove_file(next.path);
            }
            Err(anyhow::anyhow!(
                "the rewrite was abandoned: {}",
                why.as_deref().unwrap_or("writing the base failed")
            ))
        }
    };
    match result {
        Ok(()) => {
            state.last_rewrite_ok.store(true, Ordering::Relaxed);
            state.consecutive_failures.store(0, Ordering::Relaxed);
            state.rewrites.fetch_add(1, Ordering::Relaxed);
            // Replies wait while the switch runs: its length is worth seeing (Redis logs
            // the size of the "residual parent diff" it flushes at this point).
            tracing::info!(
                stream_bytes = early + outcome.stream.len() as u64,
                stream_bytes_at_switch = outcome.stream.len(),
                pending_bytes = outcome.old_pending.len(),
                switch_ms = %format_args!("{:.1}", switch_started.elapsed().as_secs_f64() * 1000.0),
                "Background AOF rewrite finished successfully"
            );
        }
        Err(e) => {
            state.last_rewrite_ok.store(false, Ordering::Relaxed);
            state.consecutive_failures.fetch_add(1, Ordering::Relaxed);
            tracing::warn!("Background AOF rewrite failed: {e:#}");
        }
    }
    state.rewriting.store(false, Ordering::Release);
    outcome.offset
}

/// Closes the unlinked history files on a thread of their own: freeing a large file's blocks
/// took ~50 ms here (ext4), and replies wait on the writer, which runs the install.
fn close_in_background(removed: Vec<aof::RemovedFile>) {
    if removed.iter().all(|r| r.open.is_none()) {
        return;
    }
    // If no thread can be started, they close here.
    let _ = std::thread::Builder::new()
        .name("tessera-aofdel".into())
        .spawn(move || drop(removed));
}

/// The manifest a rewrite installs, and its new incremental file, created before the switch
/// so that the writes made since each slot's capture are written and synced there while the
/// writer is free (at the switch, which replies wait on, only the last ones are left: that
/// took the switch from ~10 ms to ~1 ms with 5 MB of such writes).
struct NextIncr {
    manifest: aof::manifest::Manifest,
    base: aof::AofFile,
    incr: aof::AofFile,
    path: std::path::PathBuf,
    file: File,
    /// Bytes written to it so far.
    len: u64,
}

/// Creates the rewrite's new incremental file (empty, whatever a crashed attempt left under
/// its name) and writes the rewrite's stream so far to it. On failure the rewrite is
/// abandoned: the stream bytes taken are in no file but the old one.
fn open_next_incr(server: &Server) -> Option<NextIncr> {
    let (paths, mut manifest) = {
        let guard = server.aof.writer_state.lock();
        let w = guard.as_ref()?;
        (w.files.paths.clone(), w.files.manifest.clone())
    };
    let append_filename = paths.append_filename().to_string();
    manifest.retire_rewritten_incrs(false);
    let base = manifest
        .replace_base(&append_filename, BaseFormat::Rdb)
        .clone();
    let incr = manifest.add_new_incr(&append_filename).clone();
    let path = paths.file_path(&incr.name);
    let log = server.dbs.write_log();
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(&path)
        .and_then(|mut file| {
            let stream = log.take_rewrite_stream();
            file.write_all(&stream)?;
            file.sync_data()?;
            Ok((file, stream.len() as u64))
        });
    match written {
        Ok((file, len)) => Some(NextIncr {
            manifest,
            base,
            incr,
            path,
            file,
            len,
        }),
        Err(e) => {
            log.abort_rewrite(&format!("writing {}: {e}", path.display()));
            let _ = std::fs::remove_file(&path);
            None
        }
    }
}

/// Puts a finished rewrite in place (see [`complete_rewrite`]).
fn install(
    server: &Server,
    files: &mut Files,
    temp: &std::path::Path,
    mut base_file: File,
    next: NextIncr,
    outcome: &store::write_log::RewriteOutcome,
) -> anyhow::Result<()> {
    let NextIncr {
        mut manifest,
        base,
        incr,
        path: incr_path,
        file: mut incr_file,
        len: early,
    } = next;
    let remove_incr = |e: anyhow::Error| {
        let _ = std::fs::remove_file(&incr_path);
        e
    };
    base_file
        .write_all(&outcome.base_tail)
        .and_then(|()| base_file.sync_all())
        .with_context(|| format!("finishing {}", temp.display()))
        .map_err(remove_incr)?;
    let base_path = files.paths.file_path(&base.name);
    std::fs::rename(temp, &base_path)
        .with_context(|| format!("renaming {} to {}", temp.display(), base_path.display()))
        .map_err(remove_incr)?;
    incr_file
        .write_all(&outcome.stream)
        .and_then(|()| incr_file.sync_all())
        .with_context(|| format!("writing {}", incr_path.display()))
        .map_err(remove_incr)?;
    aof::layout::persist_manifest(&files.paths, &manifest).map_err(|e| anyhow::anyhow!("{e}"))?;
    let removed = aof::layout::delete_history(&files.paths, &mut manifest)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    for r in &removed {
        tracing::info!(
            "Removing the history file {} in the background",
            String::from_utf8_lossy(&r.file.name)
        );
    }
    close_in_background(removed);
    let stream_len = early + outcome.stream.len() as u64;
    let base_size = std::fs::metadata(&base_path).map_or(0, |m| m.len());
    let size = base_size + stream_len;
    let state = &server.aof;
    state.current_size.store(size, Ordering::Relaxed);
    state.rewrite_base_size.store(size, Ordering::Relaxed);
    files.manifest = manifest;
    files.incr = OpenIncr {
        file: incr_file,
        len: stream_len,
        info: incr,
        path: incr_path,
    };
    Ok(())
}

/// `auto-aof-rewrite-percentage` / `auto-aof-rewrite-min-size`: is a rewrite due?
fn auto_rewrite_due(server: &Server) -> bool {
    let state = &server.aof;
    if state.rewriting.load(Ordering::Acquire) {
        return false;
    }
    let (percentage, min_size) = {
        let cfg = server.config.read();
        (
            cfg.auto_aof_rewrite_percentage,
            cfg.auto_aof_rewrite_min_size,
        )
    };
    let size = state.current_size.load(Ordering::Relaxed);
    if percentage == 0 || size < min_size {
        return false;
    }
    // After failures, wait longer before the next attempt (1 s, 2 s, ... up to 64 s).
    let failures = state.consecutive_failures.load(Ordering::Relaxed);
    if failures > 0 {
        let wait = 1000i64 << failures.min(6);
        if unix_ms() - state.rewrite_started_ms.load(Ordering::Relaxed) < wait {
            return false;
        }
    }
    let base = state.rewrite_base_size.load(Ordering::Relaxed).max(1);
    let growth = (size.saturating_sub(base)) * 100 / base;
    growth >= u64::from(percentage)
}

/// What writing the AOF needs: the open files and the bytes on their way to them. The writer
/// thread holds it to drain the log, fsync and switch files after a rewrite; under
/// `everysec` and `no`, a connection whose reply waits for its write takes it too and writes
/// whatever the log holds itself (no hand-off to the thread and back: the same one write
/// system call per batch that Redis makes per event-loop turn).
struct Writer {
    files: Files,
    /// The buffer swapped with the log's pending bytes.
    buffer: Vec<u8>,
    /// Taken from the log and not yet written (a failed write leaves its bytes here: they
    /// go first, before anything newer).
    unwritten: Vec<u8>,
    /// The log offset after `unwritten`.
    unwritten_end: u64,
    /// The log offset the file holds.
    written_offset: u64,
    /// The log offset the file is fsynced through.
    synced_offset: u64,
}

/// What one drain did.
enum Drained {
    Nothing,
    Wrote,
    Failed(std::io::Error),
}

impl Writer {
    /// Takes what the log holds and writes it to the incremental file.
    fn drain(&mut self, state: &Aof, log: &store::write_log::WriteLog) -> Drained {
        if self.unwritten.is_empty() {
            self.unwritten_end = log.take_into(&mut self.buffer);
            std::mem::swap(&mut self.unwritten, &mut self.buffer);
        }
        if self.unwritten.is_empty() {
            return Drained::Nothing;
        }
        match write_out(
            &mut self.files.incr.file,
            &mut self.unwritten,
            &state.current_size,
        ) {
            Err(e) => {
                state.last_write_ok.store(false, Ordering::Release);
                // strerror's text, as Redis shows it (without Rust's "(os error N)").
                let text = e.to_string();
                let text = text.split(" (os error").next().unwrap_or(&text).to_string();
                *state.write_error.lock() = Some(text);
                Drained::Failed(e)
            }
            Ok(()) => {
                if !state.last_write_ok.swap(true, Ordering::AcqRel) {
                    *state.write_error.lock() = None;
                    tracing::warn!("AOF write error looks solved, Redis can write again.");
                }
                self.written_offset = self.unwritten_end;
                Drained::Wrote
            }
        }
    }
}

/// The writer thread: drains the write log into the incremental file (what connections did
/// not write themselves), fsyncs by policy, and finishes rewrites.
fn writer(server: Arc<Server>) {
    let state = &server.aof;
    let log = server.dbs.write_log();
    let mut last_fsync = Instant::now();
    let mut last_auto_check = Instant::now();
    loop {
        let finished = state.finished_base.lock().take();
        if let Some(base) = finished {
            // What the current incremental file holds unsynced (up to 30 s of writes under
            // `appendfsync no`) is synced first on a second handle, with the writer free:
            // the switch below, which replies wait on, then has only the last bytes to sync.
            let current = state
                .writer_state
                .lock()
                .as_ref()
                .map(|w| w.files.incr.file.try_clone());
            if let Some(Ok(file)) = current
                && let Err(e) = file.sync_data()
            {
                tracing::warn!(error = %e, "fsync of the AOF file failed");
            }
            let next = match &base {
                Some(_) => open_next_incr(&server),
                None => None,
            };
            let mut guard = state.writer_state.lock();
            let Some(w) = guard.as_mut() else {
                return;
            };
            if w.written_offset > w.synced_offset
                && let Err(e) = w.files.incr.file.sync_data()
            {
                tracing::warn!(error = %e, "fsync of the AOF file failed");
            }
            w.written_offset = complete_rewrite(&server, &mut w.files, base, next);
            w.unwritten_end = w.written_offset;
            w.synced_offset = w.written_offset;
            state.durable.send_replace(w.written_offset);
        }
        if last_auto_check.elapsed() >= Duration::from_millis(100) {
            last_auto_check = Instant::now();
            if auto_rewrite_due(&server) {
                let size = state.current_size.load(Ordering::Relaxed);
                tracing::info!(size, "Starting automatic rewriting of AOF on growth");
                if let Err(e) = start_rewrite(&server) {
                    tracing::warn!("{e}");
                }
            }
        }
        let stopping = state.stop.load(Ordering::Acquire);
        let always = state.always.load(Ordering::Acquire);
        // Connections whose replies wait write (and under `always` fsync) their own
        // batches; this thread picks up what is left every 10 ms (writes nobody waits
        // for, such as a replica's stream) and fsyncs once a second under `everysec`.
        if !stopping {
            std::thread::sleep(Duration::from_millis(10));
        }
        let mut guard = state.writer_state.lock();
        let Some(w) = guard.as_mut() else {
            return;
        };
        let drained = w.drain(state, log);
        if let Drained::Failed(e) = &drained {
            tracing::warn!(
                path = %w.files.incr.path.display(),
                error = %e,
                pending = w.unwritten.len(),
                "Error writing to the AOF file (will retry; writes are refused meanwhile)"
            );
            if always {
                exit_on_always_failure("write", &w.files.incr.path, e);
            }
            if stopping {
                tracing::warn!("Exiting with AOF bytes that could not be written");
                return;
            }
            // As Redis: the replies already computed go out (the writes are in memory and
            // will reach the file when the retry succeeds), new writes are refused with
            // MISCONF until then. Holding the replies would hang those clients for as long
            // as the disk stays full.
            state.durable.send_replace(w.unwritten_end);
            drop(guard);
            std::thread::sleep(Duration::from_secs(1));
            continue;
        }
        let policy = server.config.read().appendfsync;
        let unsynced = w.written_offset > w.synced_offset;
        let due = match policy {
            config::AppendFsync::Always => unsynced,
            config::AppendFsync::Everysec => {
                unsynced && (stopping || last_fsync.elapsed() >= Duration::from_secs(1))
            }
            config::AppendFsync::No => stopping && unsynced,
        };
        if due {
            let upto = w.written_offset;
            let path = w.files.incr.path.clone();
            // Under `always` the fsync is part of the reply's wait: done holding the writer.
            // Otherwise on a second handle of the file, so connections go on writing.
            let synced = if always {
                w.files.incr.file.sync_data()
            } else {
                let handle = w.files.incr.file.try_clone();
                drop(guard);
                let synced = handle.and_then(|f| f.sync_data());
                guard = state.writer_state.lock();
                synced
            };
            let Some(w) = guard.as_mut() else {
                return;
            };
            match synced {
                Err(e) => {
                    if always {
                        exit_on_always_failure("fsync", &path, &e);
                    }
                    tracing::warn!(path = %path.display(), error = %e, "fsync of the AOF file failed");
                }
                Ok(()) => {
                    w.synced_offset = w.synced_offset.max(upto);
                    last_fsync = Instant::now();
                }
            }
        }
        let Some(w) = guard.as_mut() else {
            return;
        };
        if !always || w.synced_offset >= w.written_offset {
            // Replies are released once what they wrote is in the file, and under `always`
            // once it is fsynced.
            state.durable.send_replace(w.written_offset);
        }
        if stopping && matches!(drained, Drained::Nothing) {
            return;
        }
    }
}

/// Under `appendfsync always` a write or fsync that failed ends the process, as in Redis:
/// replies promise durability that can no longer be given.
fn exit_on_always_failure(what: &str, path: &std::path::Path, error: &std::io::Error) -> ! {
    tracing::error!(path = %path.display(), %error, "Error on {what} of the AOF file");
    tracing::error!(
        "Can't recover from AOF {what} error when the AOF fsync policy is 'always'. Exiting..."
    );
    std::process::exit(1)
}

/// Writes `bytes` to `file`, removing what was written (also when a later write fails) and
/// counting it in `size`.
fn write_out(file: &mut File, bytes: &mut Vec<u8>, size: &AtomicU64) -> std::io::Result<()> {
    let mut done = 0;
    let result = loop {
        if done == bytes.len() {
            break Ok(());
        }
        match file.write(&bytes[done..]) {
            Ok(0) => break Err(std::io::ErrorKind::WriteZero.into()),
            Ok(n) => done += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => break Err(e),
        }
    };
    size.fetch_add(done as u64, Ordering::Relaxed);
    bytes.drain(..done);
    result
}

/// Loads the files of `plan` in order: an RDB base (or preamble) then commands.
fn load(server: &Arc<Server>, plan: &aof::layout::LoadPlan) -> anyhow::Result<()> {
    let started = unix_ms();
    let mut session = replay_session(server)?;
    let last = plan.files.len().saturating_sub(1);
    let max_bulk = server.config.read().proto_max_bulk_len;
    let truncate_allowed = server.config.read().aof_load_truncated;
    let mut commands = 0u64;
    for (i, planned) in plan.files.iter().enumerate() {
        let path = &planned.path;
        let name = path.display().to_string();
        if planned.len == 0 {
            continue;
        }
        let mut start = 0;
        if aof::reader::has_rdb_preamble(path).with_context(|| format!("reading {name}"))? {
            let file = File::open(path).with_context(|| format!("opening {name}"))?;
            let settings = *server.settings.read();
            let options = store::snapshot::LoadOptions {
                verify_checksum: server.config.read().rdbchecksum,
                skip_expired: true,
                now_ms: started,
                lru: !settings.lfu,
                replace_existing: false,
            };
            let stats = store::snapshot::load_snapshot(
                &server.dbs,
                std::io::BufReader::with_capacity(1 << 20, file),
                &settings,
                &options,
                |_, _| {},
            )
            .map_err(|e| anyhow::anyhow!("Error loading the RDB part of {name}: {e}"))?;
            tracing::info!(keys = stats.keys, "Loaded the RDB part of {name}");
            start = stats.bytes;
        }
        let mut reader = CommandReader::open(path, start, max_bulk)
            .with_context(|| format!("opening {name}"))?;
        let ending = loop {
            match reader.next_step() {
                Ok(Step::Command(command)) => {
                    replay(server, &mut session, &command.args)
                        .with_context(|| format!("{name} at offset {}", command.start))?;
                    commands += 1;
                }
                Ok(Step::End(ending)) => break ending,
                Err(e) => {
                    return Err(anyhow::anyhow!(
                        "Bad file format reading the append only file {name}: {e}; \
                         make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>"
                    ));
                }
            }
        };
        if let Some(cut) = ending.truncate_to() {
            let what = match ending {
                Ending::OpenTransaction { .. } => "an unfinished MULTI/EXEC transaction",
                _ => "a truncated command",
            };
            if i != last || !truncate_allowed || planned.file.kind == FileKind::Base {
                return Err(anyhow::anyhow!(
                    "The append only file {name} ends with {what} after offset {cut} (aof-load-truncated {}); \
                     use ./redis-check-aof --fix <filename.manifest>",
                    if truncate_allowed {
                        "does not apply to this file"
                    } else {
                        "is no"
                    }
                ));
            }
            tracing::warn!(
                "!!! Warning: short read while loading the AOF file {name}!!! AOF loaded anyway because aof-load-truncated is enabled: {what} at offset {} was cut at offset {cut}",
                ending.end()
            );
            let file = std::fs::OpenOptions::new()
                .write(true)
                .open(path)
                .with_context(|| format!("opening {name} to truncate it"))?;
            file.set_len(cut)
                .and_then(|()| file.sync_all())
                .with_context(|| format!("truncating {name}"))?;
        }
    }
    server.clients.unregister(session.id);
    tracing::info!(
        "DB loaded from append only file: {:.3} seconds ({commands} commands)",
        (unix_ms() - started) as f64 / 1000.0
    );
    Ok(())
}

/// Runs one command from the AOF with its reply discarded.
fn replay(
    server: &Arc<Server>,
    session: &mut Session,
    args: &[bytes::Bytes],
) -> anyhow::Result<()> {
    if crate::commands::table::resolve(args).is_none() {
        anyhow::bail!(
            "Unknown command '{}' reading the append only file",
            String::from_utf8_lossy(&args[0])
        );
    }
    let mut out = BytesMut::new();
    crate::commands::execute(server, session, args, &mut out, &mut CommandClock::start());
    // The AOF holds no blocking command that waits (they are logged as their effect); one
    // that would wait is cancelled at once.
    if let Some((waiter, _)) = session.blocked.take() {
        waiter.cancel();
        for key in &waiter.keys {
            session
                .db
                .lock_slot(slot_map::key_slot(key))
                .unblock(key, &waiter);
        }
    }
    Ok(())
}

/// The client the AOF's commands run as (Redis's fake AOF client).
pub(crate) fn replay_session(server: &Server) -> anyhow::Result<Session> {
    let nowhere = std::net::SocketAddr::from(([0, 0, 0, 0], 0));
    replay_session_at(server, nowhere, nowhere)
}

/// [`replay_session`] for a stream from `peer` received on `local` (a replica's link to its
/// master, which CLIENT LIST shows with these addresses as Redis does).
pub(crate) fn replay_session_at(
    server: &Server,
    peer: std::net::SocketAddr,
    local: std::net::SocketAddr,
) -> anyhow::Result<Session> {
    let handle = server.clients.register(peer, local, unix_ms());
    let id = handle.id;
    let Some(mut session) = Session::new(server, handle, peer) else {
        server.clients.unregister(id);
        anyhow::bail!("no database 0");
    };
    session.aof_client = true;
    Ok(session)
}
