//! `redis.conf` for Tessera: every Redis 7.0.15 directive with Redis's names, aliases,
//! types, bounds, defaults and flags; loading a config file plus `--name value` command
//! line options exactly as `redis-server` does (including its error messages); and the
//! pure halves of CONFIG GET, CONFIG SET and CONFIG REWRITE.
//!
//! It owns parsing, validation, rendering and the config file itself. It does not own
//! what the values do: the server binds ports, changes directory, renames commands,
//! creates ACL users, opens log files and reacts to the names [`Config::set`] reports as
//! changed. Besides reading and rewriting config files, the only I/O is checking that a
//! `dir` exists (Redis `chdir`s there at once and reports failures as config errors).
//!
//! Map of the crate:
//! - `table`: the directive table (one macro producing [`Config`], one typed field per
//!   directive, and the static rows); [`directives`] and [`lookup`] describe it.
//! - `spec` / `special`: how each type of directive parses, renders and rewrites.
//! - `types`: the enumerations and structured values the server reads.
//! - `load`: [`Config::load`]; `command`: [`Config::get`] / [`Config::set`];
//!   `rewrite`: [`Config::rewrite`].
//! - `args` / `number`: Redis's argument splitter, quoting and number parsers.
//!
//! Where Redis's behaviour is odd, we copy it (and say so where it happens): `save`
//! appends while a file is read but a `save` after an `include` replaces, `maxmemory
//! 18446744073709551615` is accepted and rewritten as `-1`, and so on. The one deliberate
//! difference: values must be valid UTF-8 (Redis would take any bytes).

mod args;
mod command;
mod error;
mod load;
mod number;
mod rewrite;
mod spec;
mod special;
mod table;
#[cfg(test)]
mod test_support;
mod types;

pub use command::SetOrigin;
pub use error::{ConfigError, REDIS_VERSION};
pub use load::{LoadModule, ModuleConfig, RenameCommand, SourceLine, UserDirective};
pub use spec::ValueKind;
pub use table::{Config, DirectiveInfo, Flags, directives, lookup};
pub use types::{
    AclPubsubDefault, AppendFsync, ClientOutputBufferLimits, ClusterPreferredEndpointType,
    ConfigEnum, KeyspaceEvents, LogLevel, MaxmemoryClients, MaxmemoryPolicy, OomScoreAdj,
    OutputBufferLimit, PropagationErrorBehavior, ProtectedAction, ReplDisklessLoad, ReplicaOf,
    SanitizeDumpPayload, ShutdownOnSignal, SupervisedMode, SyslogFacility, TlsAuthClients,
};
