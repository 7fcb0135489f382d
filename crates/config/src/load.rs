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
            // Several words after a module config name make one value, joined by spaces.
            _ if name.contains(&b'.') => {
                if argc < 2 {
                    return Err("Module config specified without value".into());
                }
                let name = String::from_utf8_lossy(&name).into_owned();
                self.set_module_config(name, rest.join(" "), source);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{ScratchDir, load, load_reason, value};

    fn args(words: &[&str]) -> Vec<String> {
        words.iter().map(|word| word.to_string()).collect()
    }

    #[test]
    fn fatal_errors_name_the_line_as_redis_prints_it() {
        let error = load("# comment\n\n   port    abc   \n").unwrap_err();
        assert_eq!(
            error.to_string(),
            "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\n\
             Reading the configuration file, at line 3\n\
             >>> 'port    abc'\n\
             argument couldn't be parsed into an integer\n"
        );
        assert_eq!(
            load_reason("foo bar"),
            "Bad directive or wrong number of arguments"
        );
        assert_eq!(
            load_reason("port \"12"),
            "Unbalanced quotes in configuration line"
        );
        assert_eq!(
            load_reason("port \"12\"x"),
            "Unbalanced quotes in configuration line"
        );
        assert_eq!(load_reason("port 1 2"), "wrong number of arguments");
        assert_eq!(
            load_reason("PORT x"),
            "argument couldn't be parsed into an integer"
        );
        assert_eq!(load_reason("requirepass \"\\xff\""), NOT_UTF8);
    }

    #[test]
    fn command_line_options_follow_the_file() {
        let scratch = ScratchDir::new("options");
        let file = scratch.write("redis.conf", "port 1\nmaxmemory 1mb\nsave 100 1\n");
        let config = Config::load(
            Some(&file),
            &args(&[
                "--port",
                "7000",
                "--save",
                "200",
                "2",
                "--bind",
                "127.0.0.1",
                "::1",
            ]),
        )
        .unwrap();
        assert_eq!(config.port, 7000);
        assert_eq!(config.maxmemory, 1 << 20);
        assert_eq!(config.save, [(100, 1), (200, 2)]);
        assert_eq!(config.bind, ["127.0.0.1", "::1"]);
        assert_eq!(config.config_file.as_deref(), Some(file.as_path()));

        // Options are extra lines after the file and an empty separator line.
        let error = Config::load(
            Some(&file),
            &args(&["--loglevel", "debug", "--port", "abc"]),
        )
        .unwrap_err();
        assert!(
            error
                .to_string()
                .contains("at line 6\n>>> 'port \"abc\"'\n"),
            "{error}"
        );
        let unterminated = scratch.write("no-newline.conf", "port 1");
        let error = Config::load(Some(&unterminated), &args(&["--port", "x"])).unwrap_err();
        assert!(error.to_string().contains("at line 2\n"), "{error}");
    }

    #[test]
    fn options_without_a_file() {
        let config = Config::load(
            None,
            &args(&["--save", "--requirepass", "--weird", "--maxmemory", "5mb"]),
        )
        .unwrap();
        assert!(config.save.is_empty());
        assert_eq!(config.requirepass.as_deref(), Some("--weird"));
        assert_eq!(config.maxmemory, 5 << 20);
        assert_eq!(config.config_file, None);
        let config = Config::load(
            None,
            &args(&["--save", "900 1 300 10", "--appendonly", "yes"]),
        )
        .unwrap();
        assert_eq!(config.save, [(900, 1), (300, 10)]);
        assert!(config.appendonly);
        assert_eq!(Config::load(None, &[]).unwrap(), Config::default());
    }

    #[test]
    fn stdin_comes_between_file_and_options() {
        let scratch = ScratchDir::new("stdin");
        let file = scratch.write("redis.conf", "port 1\nmaxmemory 1\n");
        let config = Config::load_with_stdin(
            Some(&file),
            &args(&["--maxmemory", "3", "-"]),
            "port 2\nmaxmemory 2\n".as_bytes(),
        )
        .unwrap();
        assert_eq!((config.port, config.maxmemory), (2, 3));
    }

    #[test]
    fn a_single_argument_of_a_multi_argument_directive_is_split_again() {
        let config = load("save \"100 1 200 2\"\nbind \"127.0.0.1 ::1\"").unwrap();
        assert_eq!(config.save, [(100, 1), (200, 2)]);
        assert_eq!(config.bind, ["127.0.0.1", "::1"]);
    }

    #[test]
    fn aliases_and_quoting() {
        let config = load(
            "slave-read-only no\nlua-time-limit 100\nhash-max-ziplist-entries 7\n\
             requirepass \"sec ret\\n\"\nmasterauth 'it\\'s'\n\"port\" 5\n'maxmemory' '2mb'",
        )
        .unwrap();
        assert!(!config.replica_read_only);
        assert_eq!(config.busy_reply_threshold, 100);
        assert_eq!(config.hash_max_listpack_entries, 7);
        assert_eq!(config.requirepass.as_deref(), Some("sec ret\n"));
        assert_eq!(config.masterauth.as_deref(), Some("it's"));
        assert_eq!((config.port, config.maxmemory), (5, 2 << 20));
        assert_eq!(value(&config, "lua-time-limit"), "100");
    }

    #[test]
    fn file_only_directives_are_collected_for_the_server() {
        let config = load(
            "rename-command FLUSHALL \"\"\nuser alice on >pw ~* +@all\nloadmodule /m.so a b\n\
             mymod.size 1 2\nmymod.size 3\nsentinel\nlist-max-ziplist-entries 5\nlua-replicate-commands yes",
        )
        .unwrap();
        assert_eq!(config.renamed_commands.len(), 1);
        assert_eq!(config.renamed_commands[0].command, "FLUSHALL");
        assert_eq!(config.renamed_commands[0].new_name, "");
        assert_eq!(config.renamed_commands[0].source.number, 1);
        assert_eq!(config.users[0].username, "alice");
        assert_eq!(config.users[0].rules, ["on", ">pw", "~*", "+@all"]);
        assert_eq!(config.modules[0].path, "/m.so");
        assert_eq!(config.modules[0].args, ["a", "b"]);
        assert_eq!(config.module_configs.len(), 1);
        assert_eq!(config.module_configs[0].value, "3");
        assert_eq!(config.module_configs[0].source.number, 5);

        assert_eq!(
            load_reason("foo.bar"),
            "Module config specified without value"
        );
        assert_eq!(
            load_reason("sentinel monitor x"),
            "sentinel directive while not in sentinel mode"
        );
        for text in [
            "rename-command a",
            "user",
            "loadmodule",
            "include",
            "include a b",
            "list-max-ziplist-value",
        ] {
            assert_eq!(
                load_reason(text),
                "Bad directive or wrong number of arguments",
                "{text}"
            );
        }
    }

    #[test]
    fn replicaof_is_refused_in_cluster_mode_without_a_line() {
        let error = load("cluster-enabled yes\nreplicaof 1.2.3.4 5").unwrap_err();
        assert_eq!(
            error.to_string(),
            "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nreplicaof directive not allowed in cluster mode\n"
        );
    }

    #[test]
    fn includes_are_read_in_place_relative_to_dir() {
        let scratch = ScratchDir::new("include");
        scratch.write("conf.d/a.conf", "maxmemory 1\nmaxmemory-samples 7\n");
        scratch.write("conf.d/b.conf", "maxmemory 2\n");
        scratch.write("conf.d/.hidden.conf", "maxmemory 99\n");
        let root = scratch.path().display();
        let config = load(&format!("dir {root}\ninclude conf.d/a.conf\nport 5")).unwrap();
        assert_eq!(
            (config.maxmemory, config.maxmemory_samples, config.port),
            (1, 7, 5)
        );
        let globbed = load(&format!("include {root}/conf.d/*.conf")).unwrap();
        assert_eq!(globbed.maxmemory, 2);
        assert!(load(&format!("include {root}/nothing/*.conf\nport 9")).is_ok());

        let missing = load("include /nonexistent-tessera.conf").unwrap_err();
        assert_eq!(
            missing.to_string(),
            "Fatal error, can't open config file '/nonexistent-tessera.conf': No such file or directory"
        );
        scratch.write("bad.conf", "maxmemory 1\nport zz\n");
        let error = load(&format!("port 1\ninclude {root}/bad.conf")).unwrap_err();
        assert!(
            error.to_string().contains("at line 2\n>>> 'port zz'\n"),
            "{error}"
        );
    }

    /// Redis clears its "reading a file" flag at the end of an included file, so `save`
    /// lines after an `include` replace the save points instead of appending.
    #[test]
    fn save_after_include_replaces_like_redis() {
        let scratch = ScratchDir::new("include-save");
        let included = scratch.write("inc.conf", "maxmemory 1\n");
        let text = format!(
            "save 100 1\ninclude {}\nsave 200 2\nsave 300 3",
            included.display()
        );
        assert_eq!(load(&text).unwrap().save, [(300, 3)]);
    }

    #[test]
    fn a_missing_main_file_cannot_be_opened() {
        let error =
            Config::load(Some(Path::new("/nonexistent-tessera/redis.conf")), &[]).unwrap_err();
        assert!(matches!(error, ConfigError::Open { .. }));
        assert_eq!(
            error.to_string(),
            "Fatal error, can't open config file '/nonexistent-tessera/redis.conf': No such file or directory"
        );
    }
}
