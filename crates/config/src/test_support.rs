//! Helpers shared by the unit tests: loading config text without files, and scratch
//! directories for the tests that need real files (includes, rewrites).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::{Config, ConfigError};

/// Loads `text` as if it were the config file (fed through `-`, i.e. stdin).
pub(crate) fn load(text: &str) -> Result<Config, ConfigError> {
    Config::load_with_stdin(None, &["-".to_owned()], text.as_bytes())
}

/// Loads `text` and returns the fatal error's reason (its last line).
pub(crate) fn load_reason(text: &str) -> String {
    match load(text) {
        Ok(_) => panic!("{text:?} loaded without error"),
        Err(error) => {
            let message = error.to_string();
            message
                .trim_end()
                .lines()
                .last()
                .unwrap_or_default()
                .to_owned()
        }
    }
}

/// CONFIG GET of one exact name.
pub(crate) fn value(config: &Config, name: &str) -> String {
    let found = config.get(&[name.as_bytes()]);
    assert_eq!(found.len(), 1, "{name} not found");
    found[0].1.clone()
}

/// A directory under the system's temporary directory, removed when dropped.
pub(crate) struct ScratchDir {
    path: PathBuf,
}

impl ScratchDir {
    pub(crate) fn new(label: &str) -> ScratchDir {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let path = std::env::temp_dir().join(format!(
            "tessera-config-{label}-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&path).expect("create scratch dir");
        ScratchDir {
            path: std::fs::canonicalize(&path).expect("canonical scratch dir"),
        }
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Writes a file in the directory and returns its path.
    pub(crate) fn write(&self, name: &str, content: &str) -> PathBuf {
        let path = self.path.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create parent");
        }
        std::fs::write(&path, content).expect("write scratch file");
        path
    }

    pub(crate) fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.path.join(name)).expect("read scratch file")
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _cleanup_is_best_effort = std::fs::remove_dir_all(&self.path);
    }
}
