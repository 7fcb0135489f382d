//! Startup loading, as `redis-server [config-file] [--directive value ...]` does it: the
//! file (or the files a glob pattern names), then stdin if asked for, then the
//! command-line options as extra lines; `include` recursion; directives applied line by
//! line in order; Redis's fatal errors with its line numbers. The file-only directives
//! (`rename-command`, `user`, `loadmodule`, module configs) are collected for the server
//! to act on: this crate knows no commands, ACLs or modules.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::Config;
use crate::args::{command_line_options, split_args};
use crate::error::ConfigError;
use crate::spec::ParseMode;
use crate::special::os_error_text;
use crate::table::find;

/// A line of a config file (or of the command-line options), for error messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceLine {
    /// 1-based line number within the text it was read from.
    pub number: usize,
    /// The line, trimmed of surrounding blanks.
    pub text: String,
}

/// `rename-command <command> <new-name>`; an empty new name removes the command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenameCommand {
    /// The command's current name.
    pub command: String,
    /// Its new name, or empty to remove it.
    pub new_name: String,
    /// Where it was written.
    pub source: SourceLine,
}

/// `user <username> [<rule> ...]`: an ACL user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserDirective {
    /// The user's name.
    pub username: String,
    /// The ACL rules, in order.
    pub rules: Vec<String>,
    /// Where it was written (`None` for users the server added).
    pub source: Option<SourceLine>,
}

/// `loadmodule <path> [<argument> ...]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadModule {
    /// The module's shared object.
    pub path: String,
    /// Arguments passed to it.
    pub args: Vec<String>,
    /// Where it was written.
    pub source: SourceLine,
}

/// `<module>.<name> <value>`: a module's configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleConfig {
    /// The full name, lowercase (`module.name`).
    pub name: String,
    /// The value.
    pub value: String,
    /// Where it was (last) written.
    pub source: SourceLine,
}

/// Directives Redis 7.0 still accepts and ignores, with the argument count it accepts.
const IGNORED_DEPRECATED: [&[u8]; 3] = [
    b"list-max-ziplist-entries",
    b"list-max-ziplist-value",
    b"lua-replicate-commands",
];

/// Our refusal for bytes that are not text; Redis would take them as C strings.
pub(crate) const NOT_UTF8: &str = "argument must be valid UTF-8";

impl Config {
    /// Loads the configuration as `redis-server [file] [args...]` does: the file's lines,
    /// then (for a lone `-` first or last in `args`) standard input, then `args` turned
    /// into `name value ...` lines. Errors are Redis's: print them and exit with status 1.
    pub fn load(file: Option<&Path>, args: &[String]) -> Result<Config, ConfigError> {
        Config::load_with_stdin(file, args, std::io::stdin().lock())
    }

    /// `load`, reading the `-` input from `stdin` instead of the process's.
    pub fn load_with_stdin(
        file: Option<&Path>,
        args: &[String],
        mut stdin: impl Read,
    ) -> Result<Config, ConfigError> {
        let options = command_line_options(args, file.is_some());
        let mut loader = Loader {
            config: Config::default(),
            mode: ParseMode::default(),
        };
        let mut text = Vec::new();
        if let Some(file) = file {
            let absolute = Path::new(&loader.config.dir).join(file);
            text = read_config_source(&absolute, &absolute.to_string_lossy())?;
            loader.config.config_file = Some(absolute);
        }
        if options.read_stdin {
            // Like Redis's fgets() loop, a read error just ends the input.
            let _partial_read_is_kept = stdin.read_to_end(&mut text);
        }
        text.push(b'\n');
        text.extend_from_slice(options.text.as_bytes());
        loader.load_text(&text)?;
        Ok(loader.config)
    }
}

struct Loader {
    config: Config,
    mode: ParseMode,
}

impl Loader {
    /// Redis's `loadServerConfigFromString`.
    fn load_text(&mut self, text: &[u8]) -> Result<(), ConfigError> {
        self.mode.reading_config_file = true;
        let lines: Vec<&[u8]> = if text.is_empty() {
            Vec::new()
        } else {
            text.split(|&byte| byte == b'\n').collect()
        };
        for (index, raw) in lines.into_iter().enumerate() {
            let line = trim(raw);
            if line.is_empty() || line[0] == b'#' {
                continue;
            }
            let source = SourceLine {
                number: index + 1,
                text: display_line(line),
            };
            self.load_line(line, &source)
                .map_err(|error| error.at(&source))?;
        }
        // Redis's sanity check, made after each file it reads.
        if self.config.cluster_enabled && self.config.replicaof.is_some() {
            return Err(ConfigError::fatal(
                None,
                "replicaof directive not allowed in cluster mode",
            ));
        }
        // Redis clears its "reading a file" flag here, also at the end of an included file,
        // so the rest of the including file then sees `save` replace rather than append.
        self.mode.reading_config_file = false;
        Ok(())
    }

    /// One non-blank, non-comment line. `Err` carries Redis's reason; errors from an
    /// included file arrive already formatted.
    fn load_line(&mut self, line: &[u8], source: &SourceLine) -> Result<(), LineError> {
        let words = split_args(line).ok_or("Unbalanced quotes in configuration line")?;
        let Some(first) = words.first() else {
            return Ok(());
        };
        let name = first.to_ascii_lowercase();
        if let Some((directive, _)) = find(&name) {
            let access = directive.access;
            if !access.multi_arg() && words.len() != 2 {
                return Err("wrong number of arguments".into());
            }
            // `--save "900 1 300 10"` arrives as one argument: split it again.
            let values = if access.multi_arg() && words.len() == 2 && !words[1].is_empty() {
                split_args(&words[1]).unwrap_or_default()
            } else {
                words[1..].to_vec()
            };
            let values = into_strings(values)?;
            access.set(&mut self.config, &values, &mut self.mode)?;
            return Ok(());
        }
        if words.len() == 2 && IGNORED_DEPRECATED.contains(&name.as_slice()) {
            return Ok(());
        }
        let argc = words.len();
        let mut words = into_strings(words)?.into_iter();
        let _directive = words.next();
        let mut rest: Vec<String> = words.collect();
        match name.as_slice() {
            b"include" if argc == 2 => self.include(&rest[0]).map_err(LineError::Formatted)?,
            b"rename-command" if argc == 3 => self.config.renamed_commands.push(RenameCommand {
                new_name: rest.remove(1),
                command: rest.remove(0),
                source: source.clone(),
            }),
            b"user" if argc >= 2 => self.config.users.push(UserDirective {
                username: rest.remove(0),
                rules: rest,
                source: Some(source.clone()),
            }),
            b"loadmodule" if argc >= 2 => self.config.modules.push(LoadModule {
                path: rest.remove(0),
                args: rest,
                source: source.clone(),
            }),
            _ if name.contains(&b'.') => {
                if argc != 2 {
                    return Err("Module config specified without value".into());
                }
                self.set_module_config(
                    String::from_utf8_lossy(&name).into_owned(),
                    rest.remove(0),
                    source,
                );
            }
            // A lone `sentinel` is the pseudo-option of `--sentinel`: nothing to do here.
            b"sentinel" if argc == 1 => {}
            b"sentinel" => return Err("sentinel directive while not in sentinel mode".into()),
            _ => return Err("Bad directive or wrong number of arguments".into()),
        }
        Ok(())
    }

    fn set_module_config(&mut self, name: String, value: String, source: &SourceLine) {
        match self
            .config
            .module_configs
            .iter_mut()
            .find(|entry| entry.name == name)
        {
            Some(entry) => {
                entry.value = value;
                entry.source = source.clone();
            }
            None => self.config.module_configs.push(ModuleConfig {
                name,
                value,
                source: source.clone(),
            }),
        }
    }

    /// `include <path>`: relative paths are relative to the current `dir` (Redis has
    /// `chdir`ed there); a glob pattern that matches nothing is fine.
    fn include(&mut self, path: &str) -> Result<(), ConfigError> {
        let resolved = Path::new(&self.config.dir).join(path);
        let text = read_config_source(&resolved, path)?;
        self.load_text(&text)
    }
}

/// A line's failure: Redis's reason for this line, or an error an included file raised.
enum LineError {
    Reason(String),
    Formatted(ConfigError),
}

impl From<&str> for LineError {
    fn from(reason: &str) -> Self {
        LineError::Reason(reason.to_owned())
    }
}

impl From<std::borrow::Cow<'static, str>> for LineError {
    fn from(reason: std::borrow::Cow<'static, str>) -> Self {
        LineError::Reason(reason.into_owned())
    }
}

impl LineError {
    fn at(self, source: &SourceLine) -> ConfigError {
        match self {
            LineError::Reason(reason) => ConfigError::fatal(Some(source), reason),
            LineError::Formatted(error) => error,
        }
    }
}

fn into_strings(words: Vec<Vec<u8>>) -> Result<Vec<String>, LineError> {
    words
        .into_iter()
        .map(|word| String::from_utf8(word).map_err(|_| LineError::from(NOT_UTF8)))
        .collect()
}

/// Trims what Redis's `sdstrim(line, " \t\r\n")` trims.
pub(crate) fn trim(line: &[u8]) -> &[u8] {
    let blank = |byte: &u8| matches!(byte, b' ' | b'\t' | b'\r' | b'\n');
    let start = line.iter().position(|b| !blank(b)).unwrap_or(line.len());
    let end = line
        .iter()
        .rposition(|b| !blank(b))
        .map_or(start, |last| last + 1);
    &line[start..end]
}

/// A line as Redis prints it in `>>> '...'`: a C string, so it ends at a NUL byte.
fn display_line(line: &[u8]) -> String {
    let end = line.iter().position(|&b| b == 0).unwrap_or(line.len());
    String::from_utf8_lossy(&line[..end]).into_owned()
}

/// Redis's `loadServerConfig` file part: a path with `*`, `?` or `[` is a glob pattern
/// whose matches are read in order (no match is not an error); any other path must open.
/// `shown` is the path as error messages should print it.
fn read_config_source(path: &Path, shown: &str) -> Result<Vec<u8>, ConfigError> {
    let pattern = path.to_string_lossy();
    if !pattern.contains(['*', '?', '[']) {
        return read_leniently(path).map_err(|error| open_error(shown, &error));
    }
    let mut text = Vec::new();
    for matched in expand_glob(path) {
        let chunk = read_leniently(&matched)
            .map_err(|error| open_error(&matched.to_string_lossy(), &error))?;
        text.extend_from_slice(&chunk);
    }
    Ok(text)
}

fn open_error(path: &str, error: &std::io::Error) -> ConfigError {
    ConfigError::Open {
        path: path.to_owned(),
        reason: os_error_text(error),
    }
}

/// Opens a file and reads what can be read: like Redis's `fopen` + `fgets` loop, only
/// opening can fail (a directory opens and reads as empty).
fn read_leniently(path: &Path) -> std::io::Result<Vec<u8>> {
    let mut file = File::open(path)?;
    let mut text = Vec::new();
    let _partial_read_is_kept = file.read_to_end(&mut text);
    Ok(text)
}

/// The paths matching a glob pattern, sorted, as `glob(3)` without flags finds them:
/// wildcards work within one path component, and a leading `.` must be matched
/// explicitly.
fn expand_glob(pattern: &Path) -> Vec<PathBuf> {
    let mut candidates = vec![PathBuf::new()];
    for component in pattern.components() {
        let component = component.as_os_str();
        let text = component.to_string_lossy();
        if !text.contains(['*', '?', '[']) {
            for candidate in &mut candidates {
                candidate.push(component);
            }
            continue;
        }
        let mut next = Vec::new();
        for candidate in &candidates {
            let directory = if candidate.as_os_str().is_empty() {
                Path::new(".")
            } else {
                candidate.as_path()
            };
            let Ok(entries) = std::fs::read_dir(directory) else {
                continue;
            };
            let mut names: Vec<_> = entries
                .filter_map(|entry| entry.ok().map(|entry| entry.file_name()))
                .collect();
            names.sort();
            for name in names {
                let name_text = name.to_string_lossy();
                let hidden_mismatch = name_text.starts_with('.') && !text.starts_with('.');
                if !hidden_mismatch
                    && glob::string_match(text.as_bytes(), name_text.as_bytes(), false)
                {
                    next.push(candidate.join(&name));
                }
            }
        }
        candidates = next;
    }
    candidates.retain(|path| std::fs::symlink_metadata(path).is_ok());
    candidates.sort();
    candidates
}
