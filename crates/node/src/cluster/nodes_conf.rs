//! The nodes.conf file on disk: reading it at startup, the advisory lock on `<file>.lock`
//! that keeps a second process off it, and atomic rewrites (temporary file, fsync, rename,
//! fsync of the directory). What the file says is gossip's business
//! (`ClusterState::config_text` / `from_nodes_conf`).

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

/// nodes.conf, locked for the life of the process.
pub struct NodesConf {
    path: PathBuf,
    /// Held for the process lifetime: the advisory lock on `<nodes.conf>.lock`.
    _lock: File,
}

impl NodesConf {
    /// Locks `<path>.lock` (failing as Redis does when another node holds it).
    pub fn lock(path: &Path) -> anyhow::Result<NodesConf> {
        let lock = lock_config(path)?;
        Ok(NodesConf {
            path: path.to_path_buf(),
            _lock: lock,
        })
    }

    /// The file's text, `None` when it is missing or empty (a new node).
    pub fn read(&self) -> anyhow::Result<Option<String>> {
        match std::fs::read_to_string(&self.path) {
            Ok(text) if !text.trim().is_empty() => Ok(Some(text)),
            Ok(_) => Ok(None),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => anyhow::bail!(
                "Unable to read the cluster config file {}: {e}",
                self.path.display()
            ),
        }
    }

    /// Where the file is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Replaces the file's contents atomically and durably.
    pub fn write(&self, text: &str) -> anyhow::Result<()> {
        write_atomically(&self.path, text.as_bytes())
    }
}

fn lock_config(path: &Path) -> anyhow::Result<File> {
    let lock_path = {
        let mut p = path.as_os_str().to_owned();
        p.push(".lock");
        PathBuf::from(p)
    };
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| {
            anyhow::anyhow!(
                "Can't open {} in order to acquire a lock: {e}",
                lock_path.display()
            )
        })?;
    use std::os::fd::AsRawFd;
    // SAFETY: flock on a file descriptor we own; no memory is passed.
    let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
    if rc != 0 {
        anyhow::bail!(
            "Sorry, the cluster configuration file {} is already used by a different Redis Cluster node. Please make sure that different nodes use different cluster configuration files.",
            path.display()
        );
    }
    Ok(file)
}

/// Writes `data` to `path` through a temporary file, fsync and rename, then fsyncs the
/// directory so the rename itself is durable.
pub fn write_atomically(path: &Path, data: &[u8]) -> anyhow::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let tmp = dir.join(format!(
        ".{}.tmp-{}",
        path.file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("nodes.conf"),
        std::process::id()
    ));
    let mut f = File::create(&tmp)?;
    f.write_all(data)?;
    f.sync_all()?;
    drop(f);
    std::fs::rename(&tmp, path)?;
    File::open(dir)?.sync_all()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_replace_the_file_and_a_second_lock_is_refused() {
        let dir = std::env::temp_dir().join(format!("tessera-nodes-conf-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("nodes.conf");
        let conf = NodesConf::lock(&path).unwrap();
        assert_eq!(conf.read().unwrap(), None);
        conf.write("one\n").unwrap();
        conf.write("two\n").unwrap();
        assert_eq!(conf.read().unwrap().as_deref(), Some("two\n"));
        let second = NodesConf::lock(&path).err().unwrap().to_string();
        assert!(second.contains("already used"), "{second}");
        // No temporary file is left behind.
        let names: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(names.len(), 2, "{names:?}");
        drop(conf);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
