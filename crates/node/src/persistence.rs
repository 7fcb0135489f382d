//! This node's RDB persistence: SAVE and BGSAVE into `dir`/`dbfilename`, the `save` rules
//! that trigger BGSAVE, `stop-writes-on-bgsave-error`, loading the dump at startup (clients
//! get `-LOADING` meanwhile), and the `INFO persistence` figures.
//!
//! A save is a forkless snapshot (`store::snapshot`): the keyspace is walked slot by slot
//! while clients keep writing, into a temporary file that is fsynced, renamed over the dump
//! and followed by an fsync of the directory, so a crash leaves the old dump or the new one,
//! never a torn file. SAVE runs on the calling connection's thread (other clients are served
//! meanwhile, unlike Redis's blocking SAVE); BGSAVE on a thread of its own. One save runs at
//! a time.
//!
//! Not here: the byte format (the `rdb` crate), walking the keyspace (`store::snapshot`), the
//! append-only file.

use std::fs::File;
use std::io::{BufReader, BufWriter};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};

use anyhow::Context as _;
use store::snapshot::{self, LoadOptions, SnapshotOptions, SnapshotStats};

use crate::server::{Server, unix_ms};

/// Redis `CONFIG_BGSAVE_RETRY_DELAY`: seconds before a failed background save is retried by
/// the save rules.
const BGSAVE_RETRY_DELAY_SECS: i64 = 5;

/// Why a save did not start.
#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    /// Another save is running.
    #[error("Background save already in progress")]
    InProgress,
    /// Writing the file failed (the message names it).
    #[error("{0:#}")]
    Failed(anyhow::Error),
}

/// Persistence state and counters (INFO persistence).
pub struct Persistence {
    /// Unix seconds of the last successful save (LASTSAVE).
    pub lastsave: AtomicI64,
    /// A save (SAVE or BGSAVE) is running.
    saving: AtomicBool,
    /// The running save is a BGSAVE (INFO `rdb_bgsave_in_progress`).
    bgsave: AtomicBool,
    /// When the running save started (unix ms).
    save_started_ms: AtomicI64,
    /// The last background save succeeded (INFO `rdb_last_bgsave_status`).
    last_bgsave_ok: AtomicBool,
    /// When the last background save was attempted (unix seconds).
    last_bgsave_try: AtomicI64,
    /// How long the last background save took, in seconds (-1: none yet).
    last_bgsave_secs: AtomicI64,
    /// Saves that completed (INFO `rdb_saves`).
    saves: AtomicU64,
    /// Keys written so far by the running save, and the keys it expects.
    keys_processed: AtomicU64,
    keys_total: AtomicU64,
    /// The dataset is being loaded: commands without the `loading` flag get `-LOADING`.
    pub loading: AtomicBool,
    loading_started_ms: AtomicI64,
    loading_total_bytes: AtomicU64,
    loading_loaded_bytes: AtomicU64,
    /// Keys loaded and skipped as expired by the last load.
    last_load_keys: AtomicU64,
    last_load_expired: AtomicU64,
}

impl Persistence {
    /// The state of a server that has saved nothing yet (LASTSAVE is the start time, as in
    /// Redis).
    pub fn new(now_ms: i64) -> Persistence {
        Persistence {
            lastsave: AtomicI64::new(now_ms / 1000),
            saving: AtomicBool::new(false),
            bgsave: AtomicBool::new(false),
            save_started_ms: AtomicI64::new(0),
            last_bgsave_ok: AtomicBool::new(true),
            last_bgsave_try: AtomicI64::new(0),
            last_bgsave_secs: AtomicI64::new(-1),
            saves: AtomicU64::new(0),
            keys_processed: AtomicU64::new(0),
            keys_total: AtomicU64::new(0),
            loading: AtomicBool::new(false),
            loading_started_ms: AtomicI64::new(0),
            loading_total_bytes: AtomicU64::new(0),
            loading_loaded_bytes: AtomicU64::new(0),
            last_load_keys: AtomicU64::new(0),
            last_load_expired: AtomicU64::new(0),
        }
    }

    /// Is a BGSAVE running?
    pub fn bgsave_in_progress(&self) -> bool {
        self.bgsave.load(Ordering::Acquire)
    }

    /// Should writes be refused with MISCONF (`stop-writes-on-bgsave-error`, save rules
    /// configured, and the last background save failed)? Redis `writeCommandsDeniedByDiskError`.
    pub fn writes_denied(&self, cfg: &parking_lot::RwLock<config::Config>) -> bool {
        // The flag first: the common case reads one atomic and no lock.
        if self.last_bgsave_ok.load(Ordering::Acquire) {
            return false;
        }
        let cfg = cfg.read();
        cfg.stop_writes_on_bgsave_error && !cfg.save.is_empty()
    }

    /// Appends the RDB part of INFO persistence (Redis 7.0's field order).
    pub fn info_rdb(&self, server: &Server, out: &mut String) {
        let now = unix_ms();
        let loading = self.loading.load(Ordering::Acquire);
        field(out, "loading", u8::from(loading));
        field(out, "async_loading", 0);
        field(out, "current_cow_peak", 0);
        field(out, "current_cow_size", 0);
        field(out, "current_cow_size_age", 0);
        field(out, "current_fork_perc", "0.00");
        let saving = self.saving.load(Ordering::Acquire);
        let (processed, total) = if saving {
            (
                self.keys_processed.load(Ordering::Relaxed),
                self.keys_total.load(Ordering::Relaxed),
            )
        } else {
            (0, 0)
        };
        field(out, "current_save_keys_processed", processed);
        field(out, "current_save_keys_total", total);
        if loading {
            let started = self.loading_started_ms.load(Ordering::Relaxed);
            let total = self.loading_total_bytes.load(Ordering::Relaxed);
            let loaded = self.loading_loaded_bytes.load(Ordering::Relaxed);
            let elapsed = ((now - started) / 1000).max(0);
            let perc = if total > 0 {
                loaded as f64 * 100.0 / total as f64
            } else {
                0.0
            };
            let eta = if loaded > 0 && elapsed > 0 {
                (total.saturating_sub(loaded) as f64 / (loaded as f64 / elapsed as f64)) as u64
            } else {
                1
            };
            field(out, "loading_start_time", started / 1000);
            field(out, "loading_total_bytes", total);
            field(out, "loading_rdb_used_mem", 0);
            field(out, "loading_loaded_bytes", loaded);
            field(out, "loading_loaded_perc", format!("{perc:.2}"));
            field(out, "loading_eta_seconds", eta);
        }
        field(
            out,
            "rdb_changes_since_last_save",
            server.dbs.stats().dirty.get(),
        );
        let bgsave = self.bgsave_in_progress();
        field(out, "rdb_bgsave_in_progress", u8::from(bgsave));
        field(
            out,
            "rdb_last_save_time",
            self.lastsave.load(Ordering::Relaxed),
        );
        let ok = self.last_bgsave_ok.load(Ordering::Relaxed);
        field(out, "rdb_last_bgsave_status", if ok { "ok" } else { "err" });
        field(
            out,
            "rdb_last_bgsave_time_sec",
            self.last_bgsave_secs.load(Ordering::Relaxed),
        );
        let current = if bgsave {
            (now - self.save_started_ms.load(Ordering::Relaxed)) / 1000
        } else {
            -1
        };
        field(out, "rdb_current_bgsave_time_sec", current);
        field(out, "rdb_saves", self.saves.load(Ordering::Relaxed));
        field(out, "rdb_last_cow_size", 0);
        field(
            out,
            "rdb_last_load_keys_expired",
            self.last_load_expired.load(Ordering::Relaxed),
        );
        field(
            out,
            "rdb_last_load_keys_loaded",
            self.last_load_keys.load(Ordering::Relaxed),
        );
    }
}

fn field(out: &mut String, name: &str, value: impl std::fmt::Display) {
    use std::fmt::Write as _;
    let _ = write!(out, "{name}:{value}\r\n");
}

/// What a snapshot of this server is written with (`rdbcompression`, `rdbchecksum`, the
/// policy's access clocks, Redis's AUX fields).
pub(crate) fn snapshot_options(server: &Server, aof_base: bool) -> SnapshotOptions {
    use config::MaxmemoryPolicy as P;
    let cfg = server.config.read();
    let now = unix_ms();
    let used_mem = crate::alloc::allocated_bytes();
    SnapshotOptions {
        compression: cfg.rdbcompression,
        checksum: cfg.rdbchecksum,
        lru: matches!(cfg.maxmemory_policy, P::AllkeysLru | P::VolatileLru),
        lfu: matches!(cfg.maxmemory_policy, P::AllkeysLfu | P::VolatileLfu),
        aux: vec![
            ("redis-ver".into(), crate::REDIS_VERSION.as_bytes().to_vec()),
            ("redis-bits".into(), b"64".to_vec()),
            ("ctime".into(), (now / 1000).to_string().into_bytes()),
            ("used-mem".into(), used_mem.to_string().into_bytes()),
            (
                "aof-base".into(),
                if aof_base {
                    b"1".to_vec()
                } else {
                    b"0".to_vec()
                },
            ),
        ],
    }
}

/// The dump file's path (`dbfilename`, relative to `dir`, the working directory).
fn dump_path(server: &Server) -> PathBuf {
    PathBuf::from(&server.config.read().dbfilename)
}

/// Saves the dataset now, on this thread (SAVE, SHUTDOWN, FLUSHALL with save rules).
pub fn save(server: &Server) -> Result<SnapshotStats, SaveError> {
    let p = &server.persistence;
    if p.saving.swap(true, Ordering::AcqRel) {
        return Err(SaveError::InProgress);
    }
    let result = save_now(server);
    p.saving.store(false, Ordering::Release);
    match &result {
        Ok(_) => tracing::info!("DB saved on disk"),
        Err(e) => tracing::warn!("Error saving DB on disk: {e:#}"),
    }
    result.map_err(SaveError::Failed)
}

/// What a shutdown asks of the final save: Redis's SHUTDOWN flags, from the command or from
/// `shutdown-on-sigterm` / `shutdown-on-sigint`.
#[derive(Clone, Copy, Debug, Default)]
pub struct ShutdownFlags {
    pub save: bool,
    pub nosave: bool,
    /// Do not wait for lagging replicas.
    pub now: bool,
    pub force: bool,
}

impl From<config::ShutdownOnSignal> for ShutdownFlags {
    fn from(flags: config::ShutdownOnSignal) -> ShutdownFlags {
        ShutdownFlags {
            save: flags.save(),
            nosave: flags.nosave(),
            now: flags.now(),
            force: flags.force(),
        }
    }
}

/// Redis's `prepareForShutdown` up to the exit, with writes held back throughout: unless
/// `now`, a wait of up to `shutdown-timeout` seconds for lagging replicas (which SHUTDOWN
/// ABORT cancels); then the final RDB save when save rules are set (or `save` is asked for),
/// unless `nosave`. A background save still running is waited for first. Err when the
/// shutdown was aborted, or the save failed without `force`: writes resume and the server
/// stays up, as in Redis, so the data that could not be saved is not lost with the process.
pub fn prepare_for_shutdown(server: &Arc<Server>, flags: ShutdownFlags) -> Result<(), ()> {
    let progress = &server.shutdown_progress;
    if !progress.begin() {
        // Another SHUTDOWN (or a signal's) is under way: as in Redis, this one shares its
        // fate, ending with the process or failing when that one fails or is aborted.
        while progress.in_progress() {
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        return Err(());
    }
    tracing::warn!("User requested shutdown...");
    let (rules, replica_wait) = {
        let cfg = server.config.read();
        (!cfg.save.is_empty(), u64::from(cfg.shutdown_timeout))
    };
    if !flags.now && replica_wait > 0 {
        progress.begin_replica_wait();
        crate::replication::wait_for_lagging_replicas(
            server,
            std::time::Duration::from_secs(replica_wait),
            || progress.is_aborted(),
        );
        if !progress.end_replica_wait() {
            resume_after_shutdown(server);
            return Err(());
        }
    }
    // A dataset still loading is partial: saving it would replace the good dump (Redis
    // forces NOSAVE while loading too).
    let loading = server.persistence.loading.load(Ordering::Acquire);
    if flags.nosave || loading || !(flags.save || rules) {
        return Ok(());
    }
    // A replica stops applying its master's stream first, so that the dump is at one
    // replication offset and the restarted replica continues with a partial resync; the
    // link comes back if the save fails.
    let master = if server.replication.is_replica() {
        let link = server.replication.master.lock().clone();
        crate::replication::stop_link(server);
        link.map(|m| (m.host, m.port))
    } else {
        None
    };
    tracing::info!("Saving the final RDB snapshot before exiting.");
    progress.saving.store(true, Ordering::Release);
    let mut waited = false;
    let result = loop {
        match save(server) {
            Err(SaveError::InProgress) => {
                if !waited {
                    tracing::info!("A background save is in progress: waiting for it to end.");
                    waited = true;
                }
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            other => break other,
        }
    };
    match result {
        Ok(_) => Ok(()),
        Err(_) if flags.force => {
            tracing::warn!("Error trying to save the DB. Exit anyway.");
            Ok(())
        }
        Err(_) => {
            tracing::warn!("Error trying to save the DB, can't exit.");
            tracing::warn!(
                "Errors trying to shut down the server. Check the logs for more information."
            );
            resume_after_shutdown(server);
            if let Some((host, port)) = master {
                crate::replication::become_replica(server, host, port);
            }
            Err(())
        }
    }
}

/// Removes the temporary dump files this process was writing (Redis `rdbRemoveTempFile`),
/// before an exit that does not wait for them.
pub fn remove_temp_files() {
    let prefix = format!("temp-{}-", std::process::id());
    let Ok(dir) = std::fs::read_dir(".") else {
        return;
    };
    for entry in dir.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with(&prefix) && name.ends_with(".rdb") {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Lifts what a shutdown that will not happen held back (Redis `cancelShutdown`).
fn resume_after_shutdown(server: &Server) {
    server.shutdown_progress.cancel();
    server.unpaused.notify_waiters();
}

/// SHUTDOWN ABORT (Redis `abortShutdown`): cancels a shutdown that is waiting for lagging
/// replicas. False when none is (a final save, once started, runs to its end).
pub fn abort_shutdown(server: &Server) -> bool {
    let aborted = server.shutdown_progress.abort();
    if aborted {
        tracing::info!("Shutdown manually aborted.");
    }
    aborted
}

/// Starts a background save (BGSAVE, the save rules).
pub fn start_bgsave(server: &Arc<Server>) -> Result<(), SaveError> {
    let p = &server.persistence;
    if p.saving.swap(true, Ordering::AcqRel) {
        return Err(SaveError::InProgress);
    }
    p.bgsave.store(true, Ordering::Release);
    p.last_bgsave_try.store(unix_ms() / 1000, Ordering::Relaxed);
    let server = server.clone();
    let spawned = std::thread::Builder::new()
        .name("tessera-bgsave".into())
        .spawn(move || {
            let started = unix_ms();
            let result = save_now(&server);
            let p = &server.persistence;
            p.last_bgsave_secs
                .store((unix_ms() - started) / 1000, Ordering::Relaxed);
            p.last_bgsave_ok.store(result.is_ok(), Ordering::Release);
            match result {
                Ok(stats) => tracing::info!(
                    keys = stats.keys,
                    bytes = stats.bytes,
                    "Background saving terminated with success"
                ),
                Err(e) => tracing::warn!("Background saving error: {e:#}"),
            }
            p.bgsave.store(false, Ordering::Release);
            p.saving.store(false, Ordering::Release);
        });
    if let Err(e) = spawned {
        p.bgsave.store(false, Ordering::Release);
        p.saving.store(false, Ordering::Release);
        p.last_bgsave_ok.store(false, Ordering::Release);
        return Err(SaveError::Failed(anyhow::anyhow!(
            "Can't save in background: {e}"
        )));
    }
    tracing::info!("Background saving started");
    Ok(())
}

/// Writes the snapshot to a temporary file and renames it over the dump; resets the change
/// counter by what the snapshot covered.
fn save_now(server: &Server) -> anyhow::Result<SnapshotStats> {
    let p = &server.persistence;
    let started = unix_ms();
    p.save_started_ms.store(started, Ordering::Relaxed);
    p.keys_processed.store(0, Ordering::Relaxed);
    p.keys_total.store(
        server.dbs.all().iter().map(|(_, db)| db.len()).sum(),
        Ordering::Relaxed,
    );
    let dirty_before = server.dbs.stats().dirty.get();
    let options = snapshot_options(server, false);
    let settings = *server.settings.read();
    let path = dump_path(server);
    let tmp = PathBuf::from(format!(
        "temp-{}-{}.rdb",
        std::process::id(),
        p.saves.load(Ordering::Relaxed)
    ));
    // The replication offset the snapshot is consistent at, when it is at one: the log
    // holds every write (it keeps history) and none happened during the walk. A replica
    // restarted from it continues from there with a partial resync.
    let log = server.dbs.write_log();
    let offset_before = log.history_range().map(|_| log.offset());
    let trailer = || -> Vec<(String, Vec<u8>)> {
        match offset_before {
            Some(before) if log.offset() == before && log.history_range().is_some() => {
                let ids = server.replication.ids.lock().clone();
                let db = server.replication.stream_db.load(Ordering::Acquire);
                vec![
                    ("repl-stream-db".into(), db.to_string().into_bytes()),
                    ("repl-id".into(), ids.id.into_bytes()),
                    ("repl-offset".into(), before.to_string().into_bytes()),
                ]
            }
            _ => Vec::new(),
        }
    };
    let write = || -> anyhow::Result<SnapshotStats> {
        let file = File::create(&tmp)
            .with_context(|| format!("Failed opening the temp RDB file {}", tmp.display()))?;
        let mut out = BufWriter::with_capacity(1 << 20, file);
        let stats = snapshot::write_snapshot(
            &server.dbs,
            &settings,
            &options,
            started,
            &mut out,
            |keys| p.keys_processed.store(keys, Ordering::Relaxed),
            trailer,
        )
        .with_context(|| format!("Write error saving DB on disk ({})", tmp.display()))?;
        let file = out
            .into_inner()
            .map_err(|e| e.into_error())
            .context("Write error saving DB on disk")?;
        file.sync_all().context("fsync of the temp RDB file")?;
        std::fs::rename(&tmp, &path).with_context(|| {
            format!(
                "Error moving temp DB file {} on the final destination {}",
                tmp.display(),
                path.display()
            )
        })?;
        fsync_dir(&path)?;
        Ok(stats)
    };
    let result = write();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
        return result;
    }
    server
        .dbs
        .stats()
        .dirty
        .add(-i64::try_from(dirty_before).unwrap_or(i64::MAX));
    p.lastsave.store(unix_ms() / 1000, Ordering::Relaxed);
    p.last_bgsave_ok.store(true, Ordering::Release);
    p.saves.fetch_add(1, Ordering::Relaxed);
    result
}

/// fsyncs the directory holding `path`, so a rename in it survives a crash.
pub fn fsync_dir(path: &Path) -> anyhow::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    File::open(&dir)
        .and_then(|d| d.sync_all())
        .with_context(|| format!("fsync of directory {}", dir.display()))
}

/// The save rules (`save <seconds> <changes>`): starts a BGSAVE when one is due (Redis
/// `serverCron`). Called by the server cron.
pub fn check_save_rules(server: &Arc<Server>) {
    let p = &server.persistence;
    if p.saving.load(Ordering::Acquire) || p.loading.load(Ordering::Acquire) {
        return;
    }
    let rules = server.config.read().save.clone();
    if rules.is_empty() {
        return;
    }
    let now = unix_ms() / 1000;
    let dirty = server.dbs.stats().dirty.get();
    let lastsave = p.lastsave.load(Ordering::Relaxed);
    let retry_ok = p.last_bgsave_ok.load(Ordering::Relaxed)
        || now - p.last_bgsave_try.load(Ordering::Relaxed) > BGSAVE_RETRY_DELAY_SECS;
    for (seconds, changes) in rules {
        if i64::try_from(dirty).unwrap_or(i64::MAX) >= i64::from(changes)
            && now - lastsave > seconds
            && retry_ok
        {
            tracing::info!("{changes} changes in {seconds} seconds. Saving...");
            if let Err(e) = start_bgsave(server) {
                tracing::warn!("{e}");
            }
            return;
        }
    }
}

/// DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE]: saves (unless `nosave`), empties the dataset
/// (unless `noflush`) and loads the dump again; `merge` lets the dump replace existing keys.
pub fn reload(server: &Server, merge: bool, noflush: bool, nosave: bool) -> anyhow::Result<()> {
    if !nosave {
        save(server).map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    if !noflush {
        for (_, db) in server.dbs.all() {
            store::cmd::keys::flush_keyspace(&db);
        }
    }
    let path = dump_path(server);
    let file = File::open(&path).with_context(|| format!("opening {}", path.display()))?;
    let settings = *server.settings.read();
    let options = LoadOptions {
        verify_checksum: server.config.read().rdbchecksum,
        skip_expired: true,
        now_ms: unix_ms(),
        lru: !settings.lfu,
        replace_existing: merge,
    };
    let stats = snapshot::load_snapshot(
        &server.dbs,
        BufReader::with_capacity(1 << 20, file),
        &settings,
        &options,
        |_, _| {},
    )
    .with_context(|| format!("loading {}", path.display()))?;
    let p = &server.persistence;
    p.last_load_keys.store(stats.keys, Ordering::Relaxed);
    p.last_load_expired.store(stats.expired, Ordering::Relaxed);
    tracing::info!(keys = stats.keys, "DB reloaded by DEBUG RELOAD");
    Ok(())
}

/// Whether a dump file is there to load; if so, marks the server as loading (so commands are
/// answered `-LOADING` until [`load_at_startup`] is done), with the start time and the file's
/// size already in INFO persistence for the clients that ask meanwhile.
pub fn begin_loading(server: &Server) -> bool {
    let Ok(metadata) = std::fs::metadata(dump_path(server)) else {
        return false;
    };
    mark_loading(&server.persistence, unix_ms(), metadata.len());
    true
}

/// Sets the loading state and its INFO figures (Redis `startLoading`).
fn mark_loading(p: &Persistence, started_ms: i64, total_bytes: u64) {
    p.loading_started_ms.store(started_ms, Ordering::Relaxed);
    p.loading_total_bytes.store(total_bytes, Ordering::Relaxed);
    p.loading_loaded_bytes.store(0, Ordering::Relaxed);
    p.loading.store(true, Ordering::Release);
}

/// Loads the dump file into the (empty) dataset if there is one, with progress in the log.
/// Errors name the file and the offset: the caller stops the server, as Redis does.
pub fn load_at_startup(server: &Server) -> anyhow::Result<()> {
    let path = dump_path(server);
    let file = match File::open(&path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => {
            return Err(anyhow::anyhow!(
                "Fatal error loading the DB ({}): {e}. Exiting.",
                path.display()
            ));
        }
    };
    let p = &server.persistence;
    let started = unix_ms();
    let total = file.metadata().map(|m| m.len()).unwrap_or(0);
    mark_loading(p, started, total);
    let settings = *server.settings.read();
    let options = LoadOptions {
        verify_checksum: server.config.read().rdbchecksum,
        skip_expired: true,
        now_ms: started,
        lru: !settings.lfu,
        replace_existing: false,
    };
    let mut last_log = started;
    let result = snapshot::load_snapshot(
        &server.dbs,
        BufReader::with_capacity(1 << 20, file),
        &settings,
        &options,
        |bytes, keys| {
            p.loading_loaded_bytes.store(bytes, Ordering::Relaxed);
            let now = unix_ms();
            if now - last_log >= 2000 {
                last_log = now;
                let perc = if total > 0 {
                    bytes as f64 * 100.0 / total as f64
                } else {
                    100.0
                };
                tracing::info!(keys, bytes, total, "Loading RDB: {perc:.1}%");
            }
        },
    );
    p.loading.store(false, Ordering::Release);
    let stats = result.map_err(|e| {
        anyhow::anyhow!(
            "Error loading the RDB file {}: {e}. Exiting (the file is left as it is; \
             redis-check-rdb can inspect it).",
            path.display()
        )
    })?;
    for (key, value) in &stats.aux {
        match &key[..] {
            b"redis-ver" => tracing::info!(
                "Loading RDB produced by version {}",
                String::from_utf8_lossy(value)
            ),
            b"ctime" => {
                if let Some(ctime) = numeric::parse_i64(value) {
                    tracing::info!("RDB age {} seconds", (started / 1000 - ctime).max(0));
                }
            }
            _ => {}
        }
    }
    crate::replication::restore_position(server, &stats.aux);
    p.last_load_keys.store(stats.keys, Ordering::Relaxed);
    p.last_load_expired.store(stats.expired, Ordering::Relaxed);
    if stats.empty > 0 {
        tracing::warn!(
            "Done loading RDB, keys loaded: {}, keys expired: {}, empty keys skipped: {}.",
            stats.keys,
            stats.expired,
            stats.empty
        );
    } else {
        tracing::info!(
            "Done loading RDB, keys loaded: {}, keys expired: {}.",
            stats.keys,
            stats.expired
        );
    }
    tracing::info!(
        "DB loaded from disk: {:.3} seconds",
        (unix_ms() - started) as f64 / 1000.0
    );
    Ok(())
}
