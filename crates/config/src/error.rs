//! The crate's one error type. Each variant's `Display` is the exact text Redis 7.0.15
//! prints or replies in the same situation: the fatal config-file message on stderr, the
//! "can't open config file" log line, and the `ERR ...` / `LOADING ...` replies of CONFIG
//! SET and CONFIG REWRITE (the server adds only the leading `-` and trailing CRLF).

use crate::load::SourceLine;

/// The Redis version whose messages we reproduce, as Redis prints it.
pub const REDIS_VERSION: &str = "7.0.15";

/// Why loading, setting or rewriting the configuration failed.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A config line `redis-server` refuses at startup (print to stderr, exit 1).
    #[error("{}", fatal_message(.location.as_ref(), .reason))]
    Fatal {
        /// The offending line, when the error is about one.
        location: Option<SourceLine>,
        /// Redis's reason text.
        reason: String,
    },
    /// A config file (the main one or an include) could not be opened (log it, exit 1).
    #[error("Fatal error, can't open config file '{path}': {reason}")]
    Open {
        /// The path as Redis would print it.
        path: String,
        /// The system's error text.
        reason: String,
    },
    /// CONFIG SET named a directive that does not exist.
    #[error("ERR Unknown option or number of arguments for CONFIG SET - '{name}'")]
    UnknownOption {
        /// The name as the client sent it.
        name: String,
    },
    /// CONFIG SET refused a directive or its value.
    #[error("ERR CONFIG SET failed (possibly related to argument '{name}') - {reason}")]
    SetFailed {
        /// The directive, as Redis names it in this message.
        name: String,
        /// Redis's reason text.
        reason: String,
    },
    /// CONFIG SET touched a directive that cannot change while the dataset loads.
    #[error("LOADING Redis is loading the dataset in memory")]
    Loading,
    /// CONFIG REWRITE without a config file.
    #[error("ERR The server is running without a config file")]
    NoConfigFile,
    /// CONFIG REWRITE could not read or replace the file.
    #[error("ERR Rewriting config file: {reason}")]
    Rewrite {
        /// The system's error text, as Redis shows it.
        reason: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}

impl ConfigError {
    /// A fatal config error in Redis's format, for checks the server makes itself after
    /// loading (an unknown command in `rename-command`, a bad `user` line, an unwritable
    /// `logfile`): pass the line it is about, if any, and Redis's reason text.
    pub fn fatal(location: Option<&SourceLine>, reason: impl Into<String>) -> ConfigError {
        ConfigError::Fatal {
            location: location.cloned(),
            reason: reason.into(),
        }
    }
}

fn fatal_message(location: Option<&SourceLine>, reason: &str) -> String {
    let mut message = format!("\n*** FATAL CONFIG FILE ERROR (Redis {REDIS_VERSION}) ***\n");
    if let Some(line) = location {
        message.push_str(&format!(
            "Reading the configuration file, at line {}\n>>> '{}'\n",
            line.number, line.text
        ));
    }
    message.push_str(reason);
    message.push('\n');
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fatal_errors_render_like_redis() {
        let line = SourceLine {
            number: 3,
            text: "port abc".to_owned(),
        };
        let error = ConfigError::fatal(Some(&line), "argument couldn't be parsed into an integer");
        assert_eq!(
            error.to_string(),
            "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\n\
             Reading the configuration file, at line 3\n\
             >>> 'port abc'\n\
             argument couldn't be parsed into an integer\n"
        );
        let error = ConfigError::fatal(None, "replicaof directive not allowed in cluster mode");
        assert_eq!(
            error.to_string(),
            "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\n\
             replicaof directive not allowed in cluster mode\n"
        );
    }

    #[test]
    fn replies_carry_redis_prefixes() {
        let error = ConfigError::SetFailed {
            name: "port".to_owned(),
            reason: "argument couldn't be parsed into an integer".to_owned(),
        };
        assert_eq!(
            error.to_string(),
            "ERR CONFIG SET failed (possibly related to argument 'port') - argument couldn't be parsed into an integer"
        );
        assert_eq!(
            ConfigError::NoConfigFile.to_string(),
            "ERR The server is running without a config file"
        );
    }
}
