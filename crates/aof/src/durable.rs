//! Durable file replacement: fsync a directory, and write a file atomically (temporary
//! file, fsync, rename, fsync the directory) as Redis writes its AOF manifest
//! (`writeAofManifestFile`, `fsyncFileDir`). Owns nothing AOF-specific.

use std::ffi::OsString;
use std::fs::{self, File};
use std::io::{self, Write};
use std::path::Path;

/// Flushes a directory's entries (files created, renamed or removed in it) to disk. As in
/// Redis, a file system that cannot fsync directories (`EINVAL`, `EBADF`) is not an error.
pub fn fsync_dir(dir: &Path) -> io::Result<()> {
    let handle = File::open(dir)?;
    match handle.sync_all() {
        Err(error) if matches!(error.raw_os_error(), Some(libc::EINVAL | libc::EBADF)) => Ok(()),
        other => other,
    }
}

/// Replaces `path` with `bytes` so that a crash leaves either the old or the new content:
/// writes `temp-<file name>` in the same directory, fsyncs it, renames it over `path` and
/// fsyncs the directory. For the manifest the temporary name is Redis's own
/// (`temp-appendonly.aof.manifest`). The temporary file is removed if a step fails.
pub fn atomic_write(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{} does not name a file", path.display()),
        ));
    };
    let mut temp_name = OsString::from("temp-");
    temp_name.push(name);
    let temp_path = dir.join(temp_name);
    let written = write_synced(&temp_path, bytes).and_then(|()| fs::rename(&temp_path, path));
    if let Err(error) = written {
        // Best effort: the error that matters is the one above.
        let _ = fs::remove_file(&temp_path);
        return Err(error);
    }
    // `dir` is empty for a bare relative name: the current directory.
    fsync_dir(if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    })
}

/// Creates (or truncates) `path`, writes `bytes` and fsyncs it.
fn write_synced(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut file = File::create(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_the_content_and_leaves_no_temporary_file() {
        let dir = std::env::temp_dir().join(format!("tessera-aof-durable-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join("appendonly.aof.manifest");
        atomic_write(&path, b"first\n").unwrap();
        atomic_write(&path, b"second\n").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"second\n");
        let names: Vec<OsString> = fs::read_dir(&dir)
            .unwrap()
            .map(|entry| entry.unwrap().file_name())
            .collect();
        assert_eq!(names, [OsString::from("appendonly.aof.manifest")]);
        fsync_dir(&dir).unwrap();
        // A missing directory fails and leaves nothing behind.
        let error = atomic_write(&dir.join("missing").join("file"), b"x").unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::NotFound);
        fs::remove_dir_all(&dir).unwrap();
    }
}
