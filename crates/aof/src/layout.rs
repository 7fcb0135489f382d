//! The AOF directory on disk, as Redis 7.0 manages it (`aof.c`): where the files are,
//! which to load and in what order, the upgrade from a pre-7.0 single `appendonly.aof`,
//! the files a fresh start creates, and the file moves of a rewrite.
//!
//! Owns paths, the manifest's reading and durable writing, file creation, renames and
//! deletion. It does not decode what the files hold (RDB is for the RDB decoder, commands
//! for [`crate::reader`]), does not write commands or fsync the incr file while appending
//! (the node's writer does), and does not produce a base file's content (the caller passes
//! a function that writes it).
//!
//! The startup sequence, as Redis runs it:
//! 1. [`prepare_load`] (only with `appendonly yes`): read the manifest, upgrade an old
//!    `appendonly.aof`, check every base and incr file exists, and list them to load;
//! 2. the caller loads the files in order; a torn tail is allowed only in the last one;
//! 3. [`open_on_startup`]: create the directory, a base file if there is neither a base
//!    nor an incr file, and the incr file to append to, then persist the manifest;
//! 4. [`delete_history`] (Redis does this even with `appendonly no`, unless
//!    `aof-disable-auto-gc yes`).
//!
//! A rewrite: [`open_new_incr`] when it starts (appends go to the new file), then, once the
//! new base is written to a temporary file, [`install_rewritten_base`], then
//! [`delete_history`].

use std::ffi::OsStr;
use std::fs::{self, File, OpenOptions};
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use crate::durable::{atomic_write, fsync_dir};
use crate::manifest::{AofFile, BaseFormat, Manifest, ManifestError};

/// Where the AOF files live: `dir`, and Redis's `appenddirname` and `appendfilename`
/// directives (default `appendonlydir` and `appendonly.aof`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AofPaths {
    dir: PathBuf,
    append_dirname: String,
    append_filename: String,
}

impl AofPaths {
    /// `dir` is the server's working directory (`dir` directive); the two names are plain
    /// names, as the config checks.
    pub fn new(dir: impl Into<PathBuf>, append_dirname: &str, append_filename: &str) -> Self {
        AofPaths {
            dir: dir.into(),
            append_dirname: append_dirname.to_owned(),
            append_filename: append_filename.to_owned(),
        }
    }

    /// `appendfilename`, the stem of every file name.
    pub fn append_filename(&self) -> &str {
        &self.append_filename
    }

    /// The AOF directory, `<dir>/<appenddirname>`.
    pub fn aof_dir(&self) -> PathBuf {
        self.dir.join(&self.append_dirname)
    }

    /// `<dir>/<appenddirname>/<appendfilename>.manifest`.
    pub fn manifest_path(&self) -> PathBuf {
        self.aof_dir()
            .join(format!("{}.manifest", self.append_filename))
    }

    /// A file of the manifest: `<dir>/<appenddirname>/<name>`.
    pub fn file_path(&self, name: &[u8]) -> PathBuf {
        self.aof_dir().join(OsStr::from_bytes(name))
    }

    /// Where a pre-7.0 Redis kept its single AOF file: `<dir>/<appendfilename>`.
    pub fn legacy_file_path(&self) -> PathBuf {
        self.dir.join(&self.append_filename)
    }
}

/// Why the AOF directory could not be read or updated. The texts follow Redis's log lines.
#[derive(Debug, thiserror::Error)]
pub enum LayoutError {
    #[error("Fatal error: can't open the AOF manifest file {path} for reading: {source}")]
    ReadManifest { path: PathBuf, source: io::Error },
    #[error("AOF manifest file {path}: {source}")]
    Manifest {
        path: PathBuf,
        source: ManifestError,
    },
    /// A base or incr file listed in the manifest is missing (or cannot be examined):
    /// Redis refuses to start.
    #[error("Unable to obtain the AOF file {name} length. stat: {source}")]
    FileStat { name: String, source: io::Error },
    #[error("{action} {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        source: io::Error,
    },
}

fn io_error(action: &'static str, path: &Path) -> impl FnOnce(io::Error) -> LayoutError {
    let path = path.to_path_buf();
    move |source| LayoutError::Io {
        action,
        path,
        source,
    }
}

/// Redis's `fileExist`: a regular file (following symlinks).
fn is_regular_file(path: &Path) -> bool {
    fs::metadata(path).is_ok_and(|meta| meta.is_file())
}

/// Reads and parses the manifest; `None` if the AOF directory or the manifest does not
/// exist (Redis's `aofLoadManifestFromDisk` then starts from an empty manifest).
pub fn read_manifest(paths: &AofPaths) -> Result<Option<Manifest>, LayoutError> {
    if !paths.aof_dir().is_dir() {
        return Ok(None);
    }
    let path = paths.manifest_path();
    if !is_regular_file(&path) {
        return Ok(None);
    }
    let content = fs::read(&path).map_err(|source| LayoutError::ReadManifest {
        path: path.clone(),
        source,
    })?;
    Manifest::parse(&content)
        .map(Some)
        .map_err(|source| LayoutError::Manifest { path, source })
}

/// Writes the manifest durably (Redis's `persistAofManifest`): `temp-<appendfilename>.manifest`,
/// fsync, rename, fsync the AOF directory.
pub fn persist_manifest(paths: &AofPaths, manifest: &Manifest) -> Result<(), LayoutError> {
    let path = paths.manifest_path();
    atomic_write(&path, &manifest.to_bytes())
        .map_err(io_error("Can't write the AOF manifest", &path))
}

/// One file to load.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedFile {
    pub file: AofFile,
    pub path: PathBuf,
    /// Its size when the plan was made.
    pub len: u64,
}

/// What [`prepare_load`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadPlan {
    /// The manifest, as on disk after any upgrade.
    pub manifest: Manifest,
    /// The base file (if any) then the incr files, in order. Empty: there is no AOF data
    /// (Redis's `AOF_NOT_EXIST`); the server starts empty.
    pub files: Vec<PlannedFile>,
    /// An old-style `<dir>/<appendfilename>` was moved into the AOF directory as the base
    /// file (Redis logs "Successfully migrated an old-style AOF file").
    pub upgraded_legacy_file: bool,
}

impl LoadPlan {
    /// The bytes to load in total. Zero with files listed is Redis's `AOF_EMPTY`: nothing
    /// to load, the server starts empty.
    pub fn total_len(&self) -> u64 {
        self.files.iter().map(|planned| planned.len).sum()
    }
}

/// Prepares loading with `appendonly yes`, as Redis's `aofLoadManifestFromDisk` and the
/// first part of `loadAppendOnlyFiles`:
/// - reads the manifest (none yet: an empty one);
/// - upgrades when `<dir>/<appendfilename>` exists and either the AOF directory does not,
///   or the manifest has no base and no incr file, or its only file is a base named
///   `<appendfilename>` that is not in the AOF directory (an upgrade interrupted after
///   writing the manifest): the AOF directory is created, the manifest written with that
///   name as base file (sequence 1), and the old file moved in;
/// - checks that the base and every incr file exist (history files are not checked).
pub fn prepare_load(paths: &AofPaths) -> Result<LoadPlan, LayoutError> {
    let mut manifest = read_manifest(paths)?.unwrap_or_default();
    let upgrade = is_regular_file(&paths.legacy_file_path())
        && (!paths.aof_dir().is_dir()
            || manifest.has_no_data_files()
            || (manifest.incrs().is_empty()
                && manifest
                    .base()
                    .is_some_and(|base| base.name == paths.append_filename().as_bytes())
                && !is_regular_file(&paths.file_path(paths.append_filename().as_bytes()))));
    if upgrade {
        upgrade_legacy_file(paths, &mut manifest)?;
    }
    let files = manifest
        .files_to_load()
        .map(|file| {
            let path = paths.file_path(&file.name);
            let len = fs::metadata(&path)
                .map_err(|source| LayoutError::FileStat {
                    name: String::from_utf8_lossy(&file.name).into_owned(),
                    source,
                })?
                .len();
            Ok(PlannedFile {
                file: file.clone(),
                path,
                len,
            })
        })
        .collect::<Result<Vec<_>, LayoutError>>()?;
    Ok(LoadPlan {
        manifest,
        files,
        upgraded_legacy_file: upgrade,
    })
}

/// Redis's `aofUpgradePrepare`. The manifest is written before the move, so a crash in
/// between is finished by the next start (the third upgrade condition).
fn upgrade_legacy_file(paths: &AofPaths, manifest: &mut Manifest) -> Result<(), LayoutError> {
    let aof_dir = paths.aof_dir();
    create_dir_if_missing(&aof_dir)?;
    manifest.set_legacy_base(paths.append_filename());
    persist_manifest(paths, manifest)?;
    let legacy = paths.legacy_file_path();
    fs::rename(&legacy, paths.file_path(paths.append_filename().as_bytes()))
        .map_err(io_error("Error trying to move the old AOF file", &legacy))?;
    fsync_dir(&aof_dir).map_err(io_error("Can't fsync the AOF directory", &aof_dir))?;
    let dir = legacy.parent().unwrap_or(Path::new("."));
    fsync_dir(dir).map_err(io_error("Can't fsync the directory", dir))
}

fn create_dir_if_missing(dir: &Path) -> Result<(), LayoutError> {
    match fs::create_dir(dir) {
        Err(error) if error.kind() != io::ErrorKind::AlreadyExists => Err(LayoutError::Io {
            action: "Can't open or create append-only dir",
            path: dir.to_path_buf(),
            source: error,
        }),
        _ => Ok(()),
    }
}

/// An incr file open for appending.
#[derive(Debug)]
pub struct OpenIncr {
    /// Opened for writing; positioned at the end (appends go after what is there).
    pub file: File,
    pub info: AofFile,
    pub path: PathBuf,
    /// Its length when opened.
    pub len: u64,
}

/// What [`open_on_startup`] did.
#[derive(Debug)]
pub struct StartupFiles {
    pub incr: OpenIncr,
    /// The base file created because there was no AOF data (Redis logs "Creating AOF base
    /// file ... on server start").
    pub created_base: Option<AofFile>,
    /// Whether the incr file is new ("Creating AOF incr file") rather than the last one
    /// listed ("Opening AOF incr file").
    pub created_incr: bool,
}

/// After loading, with `appendonly yes` (Redis's `aofOpenIfNeededOnServerStart`): creates
/// the AOF directory if missing; if the manifest has neither a base nor an incr file,
/// creates base file 1 in `format` with `write_base` (the snapshot of what was loaded,
/// normally nothing), written to `temp-rewriteaof-<pid>.aof`, fsynced and renamed (the
/// temporary file is in the AOF directory, where Redis uses `dir`, so the rename never
/// crosses file systems); opens the last incr file for appending, or creates the next one;
/// writes the manifest if it changed.
///
/// A fresh Redis 7.0 thus creates `appendonly.aof.1.base.rdb` (an RDB of the empty
/// dataset), an empty `appendonly.aof.1.incr.aof` and the manifest
/// `file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n`.
pub fn open_on_startup(
    paths: &AofPaths,
    manifest: &mut Manifest,
    format: BaseFormat,
    write_base: impl FnOnce(&mut File) -> io::Result<()>,
) -> Result<StartupFiles, LayoutError> {
    create_dir_if_missing(&paths.aof_dir())?;
    let created_base = if manifest.has_no_data_files() {
        let base = manifest
            .replace_base(paths.append_filename(), format)
            .clone();
        write_new_base(paths, &base, write_base)?;
        Some(base)
    } else {
        None
    };
    let (incr, created_incr) = manifest.last_incr_or_new(paths.append_filename());
    let info = incr.clone();
    let path = paths.file_path(&info.name);
    let file = OpenOptions::new()
        .append(true)
        .create(true)
        .open(&path)
        .map_err(io_error("Can't open the append-only file", &path))?;
    if created_base.is_some() || created_incr {
        persist_manifest(paths, manifest)?;
    }
    let len = file
        .metadata()
        .map_err(io_error("Can't stat the append-only file", &path))?
        .len();
    Ok(StartupFiles {
        incr: OpenIncr {
            file,
            info,
            path,
            len,
        },
        created_base,
        created_incr,
    })
}

/// Writes a new base file through a temporary file (fsynced, then renamed into place).
fn write_new_base(
    paths: &AofPaths,
    base: &AofFile,
    write_base: impl FnOnce(&mut File) -> io::Result<()>,
) -> Result<(), LayoutError> {
    let temp = paths
        .aof_dir()
        .join(format!("temp-rewriteaof-{}.aof", std::process::id()));
    let written = File::create(&temp).and_then(|mut file| {
        write_base(&mut file)?;
        file.sync_all()
    });
    let written = written.and_then(|()| fs::rename(&temp, paths.file_path(&base.name)));
    if let Err(source) = written {
        // Best effort: report the write error.
        let _ = fs::remove_file(&temp);
        return Err(LayoutError::Io {
            action: "Write error writing append only file",
            path: temp,
            source,
        });
    }
    Ok(())
}

/// When a rewrite starts, with `appendonly yes` (Redis's `openNewIncrAofForAppend`):
/// creates the next incr file (truncating any leftover of that name) and persists the
/// manifest listing it. All or nothing: on error `manifest` is unchanged.
///
/// The caller switches its appends to the returned file and, as Redis, makes its encoder
/// forget the selected database ([`crate::AofEncoder::forget_selected_db`]).
pub fn open_new_incr(paths: &AofPaths, manifest: &mut Manifest) -> Result<OpenIncr, LayoutError> {
    let mut next = manifest.clone();
    let info = next.add_new_incr(paths.append_filename()).clone();
    let path = paths.file_path(&info.name);
    let file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(&path)
        .map_err(io_error("Can't open the append-only file", &path))?;
    persist_manifest(paths, &next)?;
    *manifest = next;
    Ok(OpenIncr {
        file,
        info,
        path,
        len: 0,
    })
}

/// When a rewrite has written the new base to `temp_base` (Redis's
/// `backgroundRewriteDoneHandler`): names the next base file, fsyncs and renames
/// `temp_base` to it, turns the previous base and the rewritten incr files into history
/// (all incr files but the last if `keep_current_incr`, i.e. AOF is on), and persists the
/// manifest. All or nothing: on error `manifest` is unchanged (and a renamed base is
/// removed). Returns the new base; then call [`delete_history`].
pub fn install_rewritten_base(
    paths: &AofPaths,
    manifest: &mut Manifest,
    temp_base: &Path,
    format: BaseFormat,
    keep_current_incr: bool,
) -> Result<AofFile, LayoutError> {
    let mut next = manifest.clone();
    let base = next.replace_base(paths.append_filename(), format).clone();
    let base_path = paths.file_path(&base.name);
    File::open(temp_base)
        .and_then(|file| file.sync_all())
        .and_then(|()| fs::rename(temp_base, &base_path))
        .map_err(io_error(
            "Error trying to rename the temporary AOF base file",
            temp_base,
        ))?;
    next.retire_rewritten_incrs(keep_current_incr);
    if let Err(error) = persist_manifest(paths, &next) {
        // Best effort, as Redis: the manifest still names the previous base.
        let _ = fs::remove_file(&base_path);
        return Err(error);
    }
    *manifest = next;
    Ok(base)
}

/// A history file taken out of the manifest and unlinked while still open: the kernel frees
/// its blocks when the last handle closes, so dropping `open` is where deleting a large file
/// costs time. Drop it where a wait does not matter (Redis's `bg_unlink` closes it on a
/// background thread).
#[derive(Debug)]
pub struct RemovedFile {
    pub file: AofFile,
    pub open: Option<File>,
}

/// Deletes the history files and persists the manifest without them (Redis's
/// `aofDelHistoryFiles`); returns the files removed from the manifest (for the log line
/// "Removing the history file ...", and their handles to close). As in Redis, a file that
/// cannot be deleted (already gone after a crash, say) is left alone: it is no longer
/// listed. Nothing is written when there is no history.
pub fn delete_history(
    paths: &AofPaths,
    manifest: &mut Manifest,
) -> Result<Vec<RemovedFile>, LayoutError> {
    if manifest.history().is_empty() {
        return Ok(Vec::new());
    }
    let history = manifest.take_history();
    let mut removed = Vec::with_capacity(history.len());
    for file in history {
        let path = paths.file_path(&file.name);
        let open = File::open(&path).ok();
        // Redis never looks at the result either.
        let _ = fs::remove_file(&path);
        removed.push(RemovedFile { file, open });
    }
    persist_manifest(paths, manifest)?;
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::FileKind;

    /// A fresh directory under the system temp dir, removed on drop.
    struct Scratch(PathBuf);

    impl Scratch {
        fn new(label: &str) -> Scratch {
            static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
            let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let path = std::env::temp_dir()
                .join(format!("tessera-aof-{label}-{}-{n}", std::process::id()));
            let _ = fs::remove_dir_all(&path);
            fs::create_dir_all(&path).unwrap();
            Scratch(path)
        }

        fn paths(&self) -> AofPaths {
            AofPaths::new(&self.0, "appendonlydir", "appendonly.aof")
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    fn names_in(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn paths_follow_redis_naming() {
        let paths = AofPaths::new("/data", "appendonlydir", "appendonly.aof");
        assert_eq!(paths.aof_dir(), Path::new("/data/appendonlydir"));
        assert_eq!(
            paths.manifest_path(),
            Path::new("/data/appendonlydir/appendonly.aof.manifest")
        );
        assert_eq!(
            paths.file_path(b"appendonly.aof.1.incr.aof"),
            Path::new("/data/appendonlydir/appendonly.aof.1.incr.aof")
        );
        assert_eq!(paths.legacy_file_path(), Path::new("/data/appendonly.aof"));
    }

    #[test]
    fn a_fresh_start_creates_base_incr_and_manifest_as_redis() {
        let scratch = Scratch::new("fresh");
        let paths = scratch.paths();
        let plan = prepare_load(&paths).unwrap();
        assert!(plan.files.is_empty() && !plan.upgraded_legacy_file);
        let mut manifest = plan.manifest;
        let started = open_on_startup(&paths, &mut manifest, BaseFormat::Rdb, |file| {
            io::Write::write_all(file, b"REDIS-snapshot")
        })
        .unwrap();
        assert_eq!(
            started.created_base.unwrap().name,
            b"appendonly.aof.1.base.rdb"
        );
        assert!(started.created_incr);
        assert_eq!(started.incr.len, 0);
        assert_eq!(
            fs::read(paths.manifest_path()).unwrap(),
            b"file appendonly.aof.1.base.rdb seq 1 type b\n\
file appendonly.aof.1.incr.aof seq 1 type i\n"
        );
        assert_eq!(
            names_in(&paths.aof_dir()),
            [
                "appendonly.aof.1.base.rdb",
                "appendonly.aof.1.incr.aof",
                "appendonly.aof.manifest"
            ]
        );
        assert_eq!(
            fs::read(paths.file_path(b"appendonly.aof.1.base.rdb")).unwrap(),
            b"REDIS-snapshot"
        );
        // The next start loads both and reopens the same incr file without rewriting.
        let plan = prepare_load(&paths).unwrap();
        let loaded: Vec<(&[u8], u64)> = plan
            .files
            .iter()
            .map(|planned| (&planned.file.name[..], planned.len))
            .collect();
        assert_eq!(
            loaded,
            [
                (&b"appendonly.aof.1.base.rdb"[..], 14),
                (b"appendonly.aof.1.incr.aof", 0)
            ]
        );
        assert_eq!(plan.total_len(), 14);
        let mut manifest = plan.manifest;
        let again = open_on_startup(&paths, &mut manifest, BaseFormat::Rdb, |_| {
            panic!("no base is written when one exists")
        })
        .unwrap();
        assert!(again.created_base.is_none() && !again.created_incr);
    }

    #[test]
    fn an_old_appendonly_aof_is_moved_in_as_the_base() {
        let scratch = Scratch::new("upgrade");
        let paths = scratch.paths();
        fs::write(paths.legacy_file_path(), b"*1\r\n$4\r\nPING\r\n").unwrap();
        let plan = prepare_load(&paths).unwrap();
        assert!(plan.upgraded_legacy_file);
        assert!(!paths.legacy_file_path().exists());
        assert_eq!(
            fs::read(paths.manifest_path()).unwrap(),
            b"file appendonly.aof seq 1 type b\n"
        );
        assert_eq!(plan.files.len(), 1);
        assert_eq!(plan.files[0].path, paths.file_path(b"appendonly.aof"));
        assert_eq!(plan.files[0].len, 14);
        let mut manifest = plan.manifest;
        let started = open_on_startup(&paths, &mut manifest, BaseFormat::Rdb, |_| {
            panic!("the old file is the base")
        })
        .unwrap();
        assert!(started.created_incr);
        assert_eq!(
            fs::read(paths.manifest_path()).unwrap(),
            b"file appendonly.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n"
        );
    }

    #[test]
    fn an_upgrade_interrupted_after_the_manifest_is_finished() {
        let scratch = Scratch::new("upgrade-crash");
        let paths = scratch.paths();
        fs::create_dir(paths.aof_dir()).unwrap();
        fs::write(paths.manifest_path(), b"file appendonly.aof seq 1 type b\n").unwrap();
        fs::write(paths.legacy_file_path(), b"").unwrap();
        let plan = prepare_load(&paths).unwrap();
        assert!(plan.upgraded_legacy_file);
        assert!(paths.file_path(b"appendonly.aof").is_file());
        assert_eq!(plan.total_len(), 0, "an empty old file: Redis's AOF_EMPTY");
    }

    #[test]
    fn no_upgrade_when_the_manifest_lists_data_files() {
        let scratch = Scratch::new("no-upgrade");
        let paths = scratch.paths();
        fs::create_dir(paths.aof_dir()).unwrap();
        fs::write(
            paths.manifest_path(),
            b"file appendonly.aof.1.incr.aof seq 1 type i\n",
        )
        .unwrap();
        fs::write(paths.file_path(b"appendonly.aof.1.incr.aof"), b"").unwrap();
        fs::write(paths.legacy_file_path(), b"old").unwrap();
        let plan = prepare_load(&paths).unwrap();
        assert!(!plan.upgraded_legacy_file);
        assert!(paths.legacy_file_path().is_file());
        assert_eq!(plan.files.len(), 1);
    }

    #[test]
    fn a_missing_listed_file_is_fatal_with_redis_message() {
        let scratch = Scratch::new("missing");
        let paths = scratch.paths();
        fs::create_dir(paths.aof_dir()).unwrap();
        fs::write(
            paths.manifest_path(),
            b"file appendonly.aof.1.base.aof seq 1 type b\n\
file gone.aof seq 1 type h\n\
file appendonly.aof.1.incr.aof seq 1 type i\n",
        )
        .unwrap();
        fs::write(paths.file_path(b"appendonly.aof.1.base.aof"), b"").unwrap();
        let error = prepare_load(&paths).unwrap_err();
        assert_eq!(
            error.to_string(),
            "Unable to obtain the AOF file appendonly.aof.1.incr.aof length. \
stat: No such file or directory (os error 2)"
        );
        // History files are not checked.
        fs::write(paths.file_path(b"appendonly.aof.1.incr.aof"), b"").unwrap();
        assert_eq!(prepare_load(&paths).unwrap().files.len(), 2);
    }

    #[test]
    fn a_bad_manifest_is_reported_with_its_path() {
        let scratch = Scratch::new("bad-manifest");
        let paths = scratch.paths();
        fs::create_dir(paths.aof_dir()).unwrap();
        fs::write(paths.manifest_path(), b"").unwrap();
        let error = prepare_load(&paths).unwrap_err();
        assert!(
            error.to_string().ends_with("Found an empty AOF manifest"),
            "{error}"
        );
    }

    #[test]
    fn a_rewrite_adds_an_incr_then_installs_the_base_and_deletes_history() {
        let scratch = Scratch::new("rewrite");
        let paths = scratch.paths();
        let mut manifest = Manifest::new();
        open_on_startup(&paths, &mut manifest, BaseFormat::Rdb, |_| Ok(())).unwrap();
        // Rewrite starts.
        let mut incr = open_new_incr(&paths, &mut manifest).unwrap();
        io::Write::write_all(&mut incr.file, b"*1\r\n$4\r\nPING\r\n").unwrap();
        assert_eq!(incr.info.name, b"appendonly.aof.2.incr.aof");
        assert_eq!(
            fs::read(paths.manifest_path()).unwrap(),
            b"file appendonly.aof.1.base.rdb seq 1 type b\n\
file appendonly.aof.1.incr.aof seq 1 type i\n\
file appendonly.aof.2.incr.aof seq 2 type i\n"
        );
        // The rewritten base arrives in a temporary file.
        let temp = scratch.0.join("temp-rewriteaof-bg-1.aof");
        fs::write(&temp, b"REDIS-new").unwrap();
        let base =
            install_rewritten_base(&paths, &mut manifest, &temp, BaseFormat::Rdb, true).unwrap();
        assert_eq!(base.name, b"appendonly.aof.2.base.rdb");
        assert!(!temp.exists());
        assert_eq!(
            fs::read(paths.manifest_path()).unwrap(),
            b"file appendonly.aof.2.base.rdb seq 2 type b\n\
file appendonly.aof.1.incr.aof seq 1 type h\n\
file appendonly.aof.1.base.rdb seq 1 type h\n\
file appendonly.aof.2.incr.aof seq 2 type i\n"
        );
        let removed = delete_history(&paths, &mut manifest).unwrap();
        let kinds: Vec<FileKind> = removed.iter().map(|f| f.file.kind).collect();
        assert_eq!(kinds, [FileKind::History, FileKind::History]);
        assert_eq!(
            names_in(&paths.aof_dir()),
            [
                "appendonly.aof.2.base.rdb",
                "appendonly.aof.2.incr.aof",
                "appendonly.aof.manifest"
            ]
        );
        assert_eq!(
            fs::read(paths.manifest_path()).unwrap(),
            b"file appendonly.aof.2.base.rdb seq 2 type b\n\
file appendonly.aof.2.incr.aof seq 2 type i\n"
        );
        assert!(delete_history(&paths, &mut manifest).unwrap().is_empty());
    }

    #[test]
    fn a_failed_base_install_leaves_the_manifest_unchanged() {
        let scratch = Scratch::new("rewrite-fail");
        let paths = scratch.paths();
        let mut manifest = Manifest::new();
        open_on_startup(&paths, &mut manifest, BaseFormat::Aof, |_| Ok(())).unwrap();
        let before = manifest.clone();
        let missing = scratch.0.join("no-such-temp");
        assert!(
            install_rewritten_base(&paths, &mut manifest, &missing, BaseFormat::Aof, true).is_err()
        );
        assert_eq!(manifest, before);
    }
}
