//! The directives Redis parses by hand (its `createSpecialConfig` entries, plus the
//! combinable `shutdown-on-sig*` enums) and the extra validations some string directives
//! carry. Each is a `Spec`, so the table treats them like any other directive. Error
//! texts are Redis 7.0's, word for word.

use std::path::Path;

use crate::Config;
use crate::args::quote;
use crate::number::{
    c_strtoll, format_memory_for_rewrite, format_trimmed_double, parse_c_double, parse_memory,
};
use crate::rewrite::RewriteState;
use crate::spec::{ParseMode, Refusal, Spec, ValueKind, enum_refusal};
use crate::types::{
    ClientOutputBufferLimits, KeyspaceEvents, OutputBufferLimit, ReplicaOf, ShutdownOnSignal,
};

/// The text C's `strerror` gives for an I/O error (Rust's message without its
/// " (os error N)" suffix).
pub(crate) fn os_error_text(error: &std::io::Error) -> String {
    let text = error.to_string();
    match text.rfind(" (os error ") {
        Some(at) if error.raw_os_error().is_some() => text[..at].to_owned(),
        _ => text,
    }
}

/// `dir`: the working directory. Redis `chdir`s at once; we resolve and check the
/// directory (relative paths against the current `dir`) and store its canonical path,
/// which is what Redis's `getcwd` would report. The server changes directory when the
/// value changes.
pub(crate) struct DirSpec;

impl DirSpec {
    fn resolve(current: &str, requested: &str) -> Result<String, Refusal> {
        if requested.is_empty() {
            return Err(os_error_text(&std::io::Error::from_raw_os_error(2)).into());
        }
        let path = Path::new(current).join(requested);
        let canonical = std::fs::canonicalize(&path).map_err(|error| os_error_text(&error))?;
        let metadata = std::fs::metadata(&canonical).map_err(|error| os_error_text(&error))?;
        if !metadata.is_dir() {
            return Err(os_error_text(&std::io::Error::from_raw_os_error(20)).into());
        }
        Ok(canonical.to_string_lossy().into_owned())
    }
}

impl Spec for DirSpec {
    type Value = String;

    fn default_value(&self) -> String {
        std::env::current_dir()
            .map(|dir| dir.to_string_lossy().into_owned())
            .unwrap_or_default()
    }

    fn parse(
        &self,
        args: &[String],
        current: &String,
        _: &Config,
        _: &mut ParseMode,
    ) -> Result<String, Refusal> {
        match args {
            [requested] => Self::resolve(current, requested),
            _ => Err("wrong number of arguments".into()),
        }
    }

    fn render(&self, value: &String) -> String {
        value.clone()
    }

    fn rewrite(&self, value: &String, name: &'static str, _: &Config, out: &mut RewriteState) {
        if value.is_empty() {
            // Redis skips `dir` when getcwd() fails.
            out.mark_processed(name);
        } else {
            out.rewrite_line(name, format!("{name} {}", quote(value.as_bytes())), true);
        }
    }

    fn kind(&self) -> ValueKind {
        ValueKind::Special {
            syntax: "<directory>",
        }
    }

    fn documented_default(&self) -> String {
        "./".to_owned()
    }
}

/// `save`: RDB save points as (seconds, changes) pairs.
pub(crate) struct SaveSpec;

const DEFAULT_SAVE_POINTS: [(i64, i32); 3] = [(3600, 1), (300, 100), (60, 10000)];

impl Spec for SaveSpec {
    type Value = Vec<(i64, i32)>;

    fn default_value(&self) -> Self::Value {
        DEFAULT_SAVE_POINTS.to_vec()
    }

    fn multi_arg(&self) -> bool {
        true
    }

    fn parse(
        &self,
        args: &[String],
        current: &Self::Value,
        _: &Config,
        mode: &mut ParseMode,
    ) -> Result<Self::Value, Refusal> {
        let mut points = current.clone();
        let mut args = args;
        // `save ""` empties the save points on the spot.
        if let [only] = args
            && only.is_empty()
        {
            points.clear();
            args = &[];
        }
        if !args.len().is_multiple_of(2) {
            return Err("Invalid save parameters".into());
        }
        let mut numbers = Vec::with_capacity(args.len());
        for (index, arg) in args.iter().enumerate() {
            let parsed = c_strtoll(arg.as_bytes(), 10);
            let minimum = if index % 2 == 0 { 1 } else { 0 };
            if !parsed.is_complete(arg.as_bytes()) || parsed.value < minimum {
                return Err("Invalid save parameters".into());
            }
            numbers.push(parsed.value);
        }
        // Outside a config file `save` replaces; while reading one it appends, except
        // that the first `save` of the load replaces the defaults.
        if !mode.reading_config_file {
            points.clear();
        } else if !mode.save_loaded {
            mode.save_loaded = true;
            points.clear();
        }
        // `changes` is a C int in Redis: larger values wrap as they do there.
        points.extend(
            numbers
                .chunks_exact(2)
                .map(|pair| (pair[0], pair[1] as i32)),
        );
        Ok(points)
    }

    fn render(&self, value: &Self::Value) -> String {
        let parts: Vec<String> = value
            .iter()
            .map(|(seconds, changes)| format!("{seconds} {changes}"))
            .collect();
        parts.join(" ")
    }

    fn rewrite(&self, value: &Self::Value, name: &'static str, _: &Config, out: &mut RewriteState) {
        if value.is_empty() {
            out.rewrite_line(name, format!("{name} \"\""), true);
        } else {
            for (seconds, changes) in value {
                out.rewrite_line(name, format!("{name} {seconds} {changes}"), true);
            }
        }
        out.mark_processed(name);
    }

    fn kind(&self) -> ValueKind {
        ValueKind::Special {
            syntax: "<seconds> <changes> [<seconds> <changes> ...] | \"\"",
        }
    }
}

/// `client-output-buffer-limit`: `<class> <hard> <soft> <soft-seconds>` groups.
pub(crate) struct ClientOutputBufferLimitSpec;

fn output_buffer_class<'a>(
    limits: &'a mut ClientOutputBufferLimits,
    name: &str,
) -> Option<&'a mut OutputBufferLimit> {
    match name.to_ascii_lowercase().as_str() {
        "normal" => Some(&mut limits.normal),
        "slave" | "replica" => Some(&mut limits.replica),
        "pubsub" => Some(&mut limits.pubsub),
        _ => None,
    }
}

impl Spec for ClientOutputBufferLimitSpec {
    type Value = ClientOutputBufferLimits;

    fn default_value(&self) -> Self::Value {
        ClientOutputBufferLimits::default()
    }

    fn multi_arg(&self) -> bool {
        true
    }

    fn parse(
        &self,
        args: &[String],
        current: &Self::Value,
        _: &Config,
        _: &mut ParseMode,
    ) -> Result<Self::Value, Refusal> {
        if !args.len().is_multiple_of(4) {
            return Err("Wrong number of arguments in buffer limit configuration.".into());
        }
        let mut limits = *current;
        for group in args.chunks_exact(4) {
            let Some(class) = output_buffer_class(&mut limits, &group[0]) else {
                return Err("Invalid client class specified in buffer limit configuration.".into());
            };
            let hard = parse_memory(group[1].as_bytes());
            let soft = parse_memory(group[2].as_bytes());
            let seconds = c_strtoll(group[3].as_bytes(), 10);
            // Redis reads the seconds into a C int before checking them.
            let seconds_value = seconds.value as i32;
            let (Some(hard), Some(soft), true, true) = (
                hard,
                soft,
                seconds_value >= 0,
                seconds.is_complete(group[3].as_bytes()),
            ) else {
                return Err(
                    "Error in hard, soft or soft_seconds setting in buffer limit configuration."
                        .into(),
                );
            };
            *class = OutputBufferLimit {
                hard_limit_bytes: hard,
                soft_limit_bytes: soft,
                soft_limit_seconds: i64::from(seconds_value),
            };
        }
        Ok(limits)
    }

    fn render(&self, value: &Self::Value) -> String {
        let classes = [
            ("normal", value.normal),
            ("slave", value.replica),
            ("pubsub", value.pubsub),
        ];
        let parts: Vec<String> = classes
            .iter()
            .map(|(class, limit)| {
                format!(
                    "{class} {} {} {}",
                    limit.hard_limit_bytes, limit.soft_limit_bytes, limit.soft_limit_seconds
                )
            })
            .collect();
        parts.join(" ")
    }

    fn rewrite(&self, value: &Self::Value, name: &'static str, _: &Config, out: &mut RewriteState) {
        let defaults = ClientOutputBufferLimits::default();
        let classes = [
            ("normal", value.normal, defaults.normal),
            ("replica", value.replica, defaults.replica),
            ("pubsub", value.pubsub, defaults.pubsub),
        ];
        for (class, limit, default) in classes {
            let line = format!(
                "{name} {class} {} {} {}",
                format_memory_for_rewrite(limit.hard_limit_bytes as i64),
                format_memory_for_rewrite(limit.soft_limit_bytes as i64),
                limit.soft_limit_seconds
            );
            out.rewrite_line(name, line, limit != default);
        }
    }

    fn kind(&self) -> ValueKind {
        ValueKind::Special {
            syntax: "<normal|replica|pubsub> <hard-limit> <soft-limit> <soft-seconds> [...]",
        }
    }
}

/// `oom-score-adj-values`: oom_score_adj for master, replica and background child.
pub(crate) struct OomScoreAdjValuesSpec;

const DEFAULT_OOM_SCORE_ADJ_VALUES: [i32; 3] = [0, 200, 800];

impl Spec for OomScoreAdjValuesSpec {
    type Value = [i32; 3];

    fn default_value(&self) -> [i32; 3] {
        DEFAULT_OOM_SCORE_ADJ_VALUES
    }

    fn multi_arg(&self) -> bool {
        true
    }

    fn parse(
        &self,
        args: &[String],
        _: &[i32; 3],
        _: &Config,
        _: &mut ParseMode,
    ) -> Result<[i32; 3], Refusal> {
        if args.len() != 3 {
            return Err("wrong number of arguments".into());
        }
        let mut values = [0; 3];
        for (slot, arg) in values.iter_mut().zip(args) {
            let parsed = c_strtoll(arg.as_bytes(), 10);
            if !parsed.is_complete(arg.as_bytes()) || !(-2000..=2000).contains(&parsed.value) {
                return Err(
                    "Invalid oom-score-adj-values, elements must be between -2000 and 2000.".into(),
                );
            }
            *slot = parsed.value as i32;
        }
        Ok(values)
    }

    fn render(&self, value: &[i32; 3]) -> String {
        format!("{} {} {}", value[0], value[1], value[2])
    }

    fn rewrite(&self, value: &[i32; 3], name: &'static str, _: &Config, out: &mut RewriteState) {
        let line = format!("{name} {}", self.render(value));
        out.rewrite_line(name, line, *value != DEFAULT_OOM_SCORE_ADJ_VALUES);
    }

    fn kind(&self) -> ValueKind {
        ValueKind::Special {
            syntax: "<master> <replica> <bgchild>, each -2000..2000",
        }
    }
}

/// `notify-keyspace-events`: a string of class letters.
pub(crate) struct NotifyKeyspaceEventsSpec;

impl NotifyKeyspaceEventsSpec {
    /// Redis's `keyspaceEventsFlagsToString`.
    fn flags_to_text(events: KeyspaceEvents) -> String {
        let mut text = String::new();
        if events.contains(KeyspaceEvents::ALL) {
            text.push('A');
        } else {
            let classes = [
                (KeyspaceEvents::GENERIC, 'g'),
                (KeyspaceEvents::STRING, '$'),
                (KeyspaceEvents::LIST, 'l'),
                (KeyspaceEvents::SET, 's'),
                (KeyspaceEvents::HASH, 'h'),
                (KeyspaceEvents::ZSET, 'z'),
                (KeyspaceEvents::EXPIRED, 'x'),
                (KeyspaceEvents::EVICTED, 'e'),
                (KeyspaceEvents::STREAM, 't'),
                (KeyspaceEvents::MODULE, 'd'),
                (KeyspaceEvents::NEW, 'n'),
            ];
            text.extend(
                classes
                    .iter()
                    .filter(|(bit, _)| events.contains(*bit))
                    .map(|(_, letter)| letter),
            );
        }
        for (bit, letter) in [
            (KeyspaceEvents::KEYSPACE, 'K'),
            (KeyspaceEvents::KEYEVENT, 'E'),
            (KeyspaceEvents::KEY_MISS, 'm'),
        ] {
            if events.contains(bit) {
                text.push(letter);
            }
        }
        text
    }
}

impl Spec for NotifyKeyspaceEventsSpec {
    type Value = KeyspaceEvents;

    fn default_value(&self) -> KeyspaceEvents {
        KeyspaceEvents::default()
    }

    fn parse(
        &self,
        args: &[String],
        _: &KeyspaceEvents,
        _: &Config,
        _: &mut ParseMode,
    ) -> Result<KeyspaceEvents, Refusal> {
        let [classes] = args else {
            return Err("wrong number of arguments".into());
        };
        let mut bits = 0;
        for byte in classes.bytes() {
            bits |= match byte {
                b'A' => KeyspaceEvents::ALL,
                b'g' => KeyspaceEvents::GENERIC,
                b'$' => KeyspaceEvents::STRING,
                b'l' => KeyspaceEvents::LIST,
                b's' => KeyspaceEvents::SET,
                b'h' => KeyspaceEvents::HASH,
                b'z' => KeyspaceEvents::ZSET,
                b'x' => KeyspaceEvents::EXPIRED,
                b'e' => KeyspaceEvents::EVICTED,
                b'K' => KeyspaceEvents::KEYSPACE,
                b'E' => KeyspaceEvents::KEYEVENT,
                b't' => KeyspaceEvents::STREAM,
                b'm' => KeyspaceEvents::KEY_MISS,
                b'd' => KeyspaceEvents::MODULE,
                b'n' => KeyspaceEvents::NEW,
                _ => return Err("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.".into()),
            };
        }
        Ok(KeyspaceEvents::from_bits(bits))
    }

    fn render(&self, value: &KeyspaceEvents) -> String {
        Self::flags_to_text(*value)
    }

    fn rewrite(
        &self,
        value: &KeyspaceEvents,
        name: &'static str,
        _: &Config,
        out: &mut RewriteState,
    ) {
        let line = format!("{name} {}", quote(Self::flags_to_text(*value).as_bytes()));
        out.rewrite_line(name, line, value.bits() != 0);
    }

    fn kind(&self) -> ValueKind {
        ValueKind::Special {
            syntax: "a string of class letters from 'Ag$lshzxeKEtmdn'",
        }
    }
}

/// `bind`: the addresses to listen on.
pub(crate) struct BindSpec;

/// Redis's CONFIG_BINDADDR_MAX.
const MAX_BIND_ADDRESSES: usize = 16;

fn default_bind() -> Vec<String> {
    vec!["*".to_owned(), "-::*".to_owned()]
}

impl Spec for BindSpec {
    type Value = Vec<String>;

    fn default_value(&self) -> Vec<String> {
        default_bind()
    }

    fn multi_arg(&self) -> bool {
        true
    }

    fn parse(
        &self,
        args: &[String],
        _: &Vec<String>,
        _: &Config,
        _: &mut ParseMode,
    ) -> Result<Vec<String>, Refusal> {
        if args.len() > MAX_BIND_ADDRESSES {
            return Err("Too many bind addresses specified.".into());
        }
        // A single empty argument means "no address".
        if let [only] = args
            && only.is_empty()
        {
            return Ok(Vec::new());
        }
        Ok(args.to_vec())
    }

    fn render(&self, value: &Vec<String>) -> String {
        value.join(" ")
    }

    fn rewrite(&self, value: &Vec<String>, name: &'static str, _: &Config, out: &mut RewriteState) {
        if *value == default_bind() {
            out.mark_processed(name);
        } else if value.is_empty() {
            out.rewrite_line(name, format!("{name} \"\""), true);
        } else {
            out.rewrite_line(name, format!("{name} {}", value.join(" ")), true);
        }
    }

    fn kind(&self) -> ValueKind {
        ValueKind::Special {
            syntax: "<address> [<address> ...] (at most 16; prefix '-' for optional)",
        }
    }
}

/// `replicaof` / `slaveof`: `<host> <port>` or `no one`.
pub(crate) struct ReplicaOfSpec;

impl Spec for ReplicaOfSpec {
    type Value = Option<ReplicaOf>;

    fn default_value(&self) -> Option<ReplicaOf> {
        None
    }

    fn multi_arg(&self) -> bool {
        true
    }

    fn parse(
        &self,
        args: &[String],
        _: &Option<ReplicaOf>,
        _: &Config,
        _: &mut ParseMode,
    ) -> Result<Option<ReplicaOf>, Refusal> {
        let [host, port] = args else {
            return Err("wrong number of arguments".into());
        };
        if host.eq_ignore_ascii_case("no") && port.eq_ignore_ascii_case("one") {
            return Ok(None);
        }
        let parsed = c_strtoll(port.as_bytes(), 10);
        // Redis stores the port in a C int before checking its range.
        let port_number = parsed.value as i32;
        if !parsed.is_complete(port.as_bytes()) || !(0..=65535).contains(&port_number) {
            return Err("Invalid master port".into());
        }
        Ok(Some(ReplicaOf {
            host: host.clone(),
            port: port_number as u16,
        }))
    }

    fn render(&self, value: &Option<ReplicaOf>) -> String {
        value
            .as_ref()
            .map(|master| format!("{} {}", master.host, master.port))
            .unwrap_or_default()
    }

    fn rewrite(
        &self,
        value: &Option<ReplicaOf>,
        name: &'static str,
        config: &Config,
        out: &mut RewriteState,
    ) {
        match value {
            Some(master) if !config.cluster_enabled => {
                out.rewrite_line(
                    name,
                    format!("{name} {} {}", master.host, master.port),
                    true,
                );
            }
            _ => out.mark_processed(name),
        }
    }

    fn kind(&self) -> ValueKind {
        ValueKind::Special {
            syntax: "<host> <port> | no one",
        }
    }
}

/// `latency-tracking-info-percentiles`: the percentiles INFO LATENCYSTATS reports.
pub(crate) struct LatencyPercentilesSpec;

impl Spec for LatencyPercentilesSpec {
    type Value = Vec<f64>;

    fn default_value(&self) -> Vec<f64> {
        vec![50.0, 99.0, 99.9]
    }

    fn multi_arg(&self) -> bool {
        true
    }

    fn parse(
        &self,
        args: &[String],
        _: &Vec<f64>,
        _: &Config,
        _: &mut ParseMode,
    ) -> Result<Vec<f64>, Refusal> {
        if let [only] = args
            && only.is_empty()
        {
            return Ok(Vec::new());
        }
        args.iter()
            .map(|arg| {
                let percentile = parse_c_double(arg).ok_or("Invalid latency-tracking-info-percentiles parameters")?;
                if !(0.0..=100.0).contains(&percentile) {
                    return Err("latency-tracking-info-percentiles parameters should sit between [0.0,100.0]".into());
                }
                Ok(percentile)
            })
            .collect()
    }

    fn render(&self, value: &Vec<f64>) -> String {
        let parts: Vec<String> = value.iter().map(|&p| format_trimmed_double(p)).collect();
        parts.join(" ")
    }

    fn rewrite(&self, value: &Vec<f64>, name: &'static str, _: &Config, out: &mut RewriteState) {
        let line = if value.is_empty() {
            format!("{name} \"\"")
        } else {
            format!("{name} {}", self.render(value))
        };
        out.rewrite_line(name, line, true);
    }

    fn kind(&self) -> ValueKind {
        ValueKind::Special {
            syntax: "<percentile> [<percentile> ...] (each 0..100) | \"\"",
        }
    }
}

/// `shutdown-on-sigint` / `shutdown-on-sigterm`: combinable SHUTDOWN flags.
pub(crate) struct ShutdownOnSignalSpec;

impl Spec for ShutdownOnSignalSpec {
    type Value = ShutdownOnSignal;

    fn default_value(&self) -> ShutdownOnSignal {
        ShutdownOnSignal::default()
    }

    fn multi_arg(&self) -> bool {
        true
    }

    fn parse(
        &self,
        args: &[String],
        _: &ShutdownOnSignal,
        _: &Config,
        _: &mut ParseMode,
    ) -> Result<ShutdownOnSignal, Refusal> {
        let refusal = || enum_refusal(ShutdownOnSignal::NAMES.iter().map(|(name, _)| *name));
        if args.is_empty() {
            return Err(refusal());
        }
        let mut bits = 0;
        for arg in args {
            let (_, bit) = ShutdownOnSignal::NAMES
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case(arg))
                .ok_or_else(refusal)?;
            bits |= bit;
        }
        let flags = ShutdownOnSignal::from_bits(bits);
        if flags.save() && flags.nosave() {
            return Err("shutdown options SAVE and NOSAVE can't be used simultaneously".into());
        }
        Ok(flags)
    }

    fn render(&self, value: &ShutdownOnSignal) -> String {
        let bits = value.bits();
        if let Some((name, _)) = ShutdownOnSignal::NAMES.iter().find(|(_, bit)| *bit == bits) {
            return (*name).to_owned();
        }
        let names: Vec<&str> = ShutdownOnSignal::NAMES
            .iter()
            .filter(|(_, bit)| *bit != 0 && bits & bit == *bit)
            .map(|(name, _)| *name)
            .collect();
        names.join(" ")
    }

    fn rewrite(
        &self,
        value: &ShutdownOnSignal,
        name: &'static str,
        _: &Config,
        out: &mut RewriteState,
    ) {
        let line = format!("{name} {}", self.render(value));
        out.rewrite_line(name, line, *value != ShutdownOnSignal::default());
    }

    fn kind(&self) -> ValueKind {
        ValueKind::Enum {
            names: ShutdownOnSignal::NAMES
                .iter()
                .map(|(name, _)| *name)
                .collect(),
            combinable: true,
        }
    }
}

/// Redis's `pathIsBaseName`.
fn is_base_name(path: &str) -> bool {
    !path.contains(['/', '\\'])
}

pub(crate) fn check_dbfilename(value: &str, _: &Config) -> Result<(), &'static str> {
    if is_base_name(value) {
        Ok(())
    } else {
        Err("dbfilename can't be a path, just a filename")
    }
}

pub(crate) fn check_appendfilename(value: &str, _: &Config) -> Result<(), &'static str> {
    if value.is_empty() {
        Err("appendfilename can't be empty")
    } else if !is_base_name(value) {
        Err("appendfilename can't be a path, just a filename")
    } else {
        Ok(())
    }
}

pub(crate) fn check_appenddirname(value: &str, _: &Config) -> Result<(), &'static str> {
    if value.is_empty() {
        Err("appenddirname can't be empty")
    } else if !is_base_name(value) {
        Err("appenddirname can't be a path, just a dirname")
    } else {
        Ok(())
    }
}

/// Redis's NET_HOST_STR_LEN.
const MAX_HOSTNAME_LENGTH: usize = 256;

pub(crate) fn check_announced_hostname(value: &str, _: &Config) -> Result<(), &'static str> {
    if value.len() >= MAX_HOSTNAME_LENGTH {
        return Err("Hostnames must be less than 256 characters");
    }
    if value
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
    {
        Ok(())
    } else {
        Err("Hostnames may only contain alphanumeric characters, hyphens or dots")
    }
}

/// Redis's `validateProcTitleTemplate`: the template must expand (known variables,
/// balanced braces) to something other than blanks when the title is empty.
pub(crate) fn check_proc_title_template(value: &str, config: &Config) -> Result<(), &'static str> {
    match expand_proc_title(value, config) {
        Some(expanded) if !expanded.trim_matches(' ').is_empty() => Ok(()),
        _ => Err("template format is invalid or contains unknown variables"),
    }
}

/// Redis's `sdstemplate` with `redisProcTitleGetVariable`, for an empty title.
fn expand_proc_title(template: &str, config: &Config) -> Option<String> {
    let mut expanded = String::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        expanded.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        if after.is_empty() {
            return None;
        }
        if let Some(quoted) = after.strip_prefix('{') {
            expanded.push('{');
            rest = quoted;
            continue;
        }
        let close = after.find('}')?;
        expanded.push_str(&proc_title_variable(&after[..close], config)?);
        rest = &after[close + 1..];
    }
    expanded.push_str(rest);
    Some(expanded)
}

fn proc_title_variable(name: &str, config: &Config) -> Option<String> {
    Some(match name {
        "title" => String::new(),
        "listen-addr" if config.port != 0 || config.tls_port != 0 => {
            let address = config.bind.first().map_or("*", String::as_str);
            let port = if config.port != 0 {
                config.port
            } else {
                config.tls_port
            };
            format!("{address}:{port}")
        }
        "listen-addr" => format!(
            "unixsocket:{}",
            config.unixsocket.as_deref().unwrap_or("(null)")
        ),
        "server-mode" if config.cluster_enabled => "[cluster]".to_owned(),
        "server-mode" => String::new(),
        "config-file" => config.config_file.as_ref().map_or_else(
            || "-".to_owned(),
            |path| path.to_string_lossy().into_owned(),
        ),
        "port" => config.port.to_string(),
        "tls-port" => config.tls_port.to_string(),
        "unixsocket" => config.unixsocket.clone().unwrap_or_default(),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use crate::test_support::{ScratchDir, load, load_reason, value};
    use crate::types::{KeyspaceEvents, OutputBufferLimit, ReplicaOf};

    #[test]
    fn save_points_append_within_a_load_and_replace_the_defaults() {
        assert_eq!(
            load("").unwrap().save,
            vec![(3600, 1), (300, 100), (60, 10000)]
        );
        let config = load("save 100 1\nsave 200 2 300 3").unwrap();
        assert_eq!(config.save, vec![(100, 1), (200, 2), (300, 3)]);
        assert_eq!(value(&config, "save"), "100 1 200 2 300 3");
        assert_eq!(load("save 100 1\nsave \"\"").unwrap().save, vec![]);
        assert_eq!(load("save \"\"\nsave 5 5").unwrap().save, vec![(5, 5)]);
        // `save` alone is an empty list of points: it only resets if it comes first.
        assert_eq!(load("save").unwrap().save, vec![]);
        assert_eq!(load("save 100 1\nsave").unwrap().save, vec![(100, 1)]);
        // strtoll leniency and C int wrapping of `changes`.
        assert_eq!(load("save \" 10\" +5").unwrap().save, vec![(10, 5)]);
        assert_eq!(load("save 10 \"\"").unwrap().save, vec![(10, 0)]);
        assert_eq!(load("save 10 4294967297").unwrap().save, vec![(10, 1)]);
        for text in [
            "save 0 1",
            "save 10",
            "save 10 -1",
            "save \"\" 10",
            "save 10 x",
        ] {
            assert_eq!(load_reason(text), "Invalid save parameters", "{text}");
        }
    }

    #[test]
    fn bind_takes_up_to_16_addresses() {
        assert_eq!(value(&load("").unwrap(), "bind"), "* -::*");
        assert_eq!(
            load("bind 127.0.0.1 -::1").unwrap().bind,
            ["127.0.0.1", "-::1"]
        );
        assert_eq!(load("bind \"\"").unwrap().bind, Vec::<String>::new());
        let seventeen = format!(
            "bind {}",
            (1..=17)
                .map(|n| n.to_string())
                .collect::<Vec<_>>()
                .join(" ")
        );
        assert_eq!(
            load_reason(&seventeen),
            "Too many bind addresses specified."
        );
    }

    #[test]
    fn client_output_buffer_limits_update_named_classes() {
        let config = load("client-output-buffer-limit Normal 1k 2kb 3 REPLICA 1mb 2MB 0").unwrap();
        let limits = config.client_output_buffer_limit;
        assert_eq!(
            limits.normal,
            OutputBufferLimit {
                hard_limit_bytes: 1000,
                soft_limit_bytes: 2048,
                soft_limit_seconds: 3
            }
        );
        assert_eq!(limits.replica.hard_limit_bytes, 1 << 20);
        assert_eq!(
            value(&config, "client-output-buffer-limit"),
            "normal 1000 2048 3 slave 1048576 2097152 0 pubsub 33554432 8388608 60"
        );
        assert_eq!(
            load_reason("client-output-buffer-limit normal 1 2"),
            "Wrong number of arguments in buffer limit configuration."
        );
        assert_eq!(
            load_reason("client-output-buffer-limit master 1 2 3"),
            "Invalid client class specified in buffer limit configuration."
        );
        for bad in [
            "normal 1 2 x",
            "normal 1x 2 3",
            "normal 1 2 -1",
            "normal 1 2 2147483648",
        ] {
            assert_eq!(
                load_reason(&format!("client-output-buffer-limit {bad}")),
                "Error in hard, soft or soft_seconds setting in buffer limit configuration.",
                "{bad}"
            );
        }
    }

    #[test]
    fn oom_score_adj_values_take_three_numbers() {
        assert_eq!(
            load("oom-score-adj-values -10 0 2000")
                .unwrap()
                .oom_score_adj_values,
            [-10, 0, 2000]
        );
        assert_eq!(
            load_reason("oom-score-adj-values 1 2"),
            "wrong number of arguments"
        );
        assert_eq!(
            load_reason("oom-score-adj-values 1 2 2001"),
            "Invalid oom-score-adj-values, elements must be between -2000 and 2000."
        );
    }

    #[test]
    fn keyspace_events_render_like_redis() {
        for (given, shown) in [
            ("KEA", "AKE"),
            ("An", "A"),
            ("Exm", "xEm"),
            ("g$lshzxetd", "A"),
            ("", ""),
        ] {
            let config = load(&format!("notify-keyspace-events \"{given}\"")).unwrap();
            assert_eq!(value(&config, "notify-keyspace-events"), shown, "{given}");
        }
        let config = load("notify-keyspace-events Kx").unwrap();
        assert!(
            config
                .notify_keyspace_events
                .contains(KeyspaceEvents::KEYSPACE | KeyspaceEvents::EXPIRED)
        );
        assert_eq!(
            load_reason("notify-keyspace-events Q"),
            "Invalid event class character. Use 'Ag$lshzxeKEtmdn'."
        );
    }

    #[test]
    fn replicaof_takes_host_and_port_or_no_one() {
        let config = load("slaveof 10.0.0.1 6380").unwrap();
        let master = ReplicaOf {
            host: "10.0.0.1".to_owned(),
            port: 6380,
        };
        assert_eq!(config.replicaof, Some(master));
        assert_eq!(value(&config, "replicaof"), "10.0.0.1 6380");
        assert_eq!(value(&config, "slaveof"), "10.0.0.1 6380");
        assert_eq!(
            load("replicaof a 1\nreplicaof NO ONE").unwrap().replicaof,
            None
        );
        assert_eq!(
            load("replicaof a \" +9\"")
                .unwrap()
                .replicaof
                .map(|m| m.port),
            Some(9)
        );
        for text in ["replicaof x y", "replicaof x 70000", "replicaof x -1"] {
            assert_eq!(load_reason(text), "Invalid master port", "{text}");
        }
        assert_eq!(load_reason("slaveof a"), "wrong number of arguments");
    }

    #[test]
    fn latency_percentiles_parse_like_string2d() {
        let config = load("latency-tracking-info-percentiles 0x10 99.99999 1e1").unwrap();
        assert_eq!(
            config.latency_tracking_info_percentiles,
            [16.0, 99.99999, 10.0]
        );
        assert_eq!(
            value(&config, "latency-tracking-info-percentiles"),
            "16 99.99999 10"
        );
        assert_eq!(
            value(&load("").unwrap(), "latency-tracking-info-percentiles"),
            "50 99 99.9"
        );
        assert!(
            load("latency-tracking-info-percentiles \"\"")
                .unwrap()
                .latency_tracking_info_percentiles
                .is_empty()
        );
        assert_eq!(
            load_reason("latency-tracking-info-percentiles abc"),
            "Invalid latency-tracking-info-percentiles parameters"
        );
        assert_eq!(
            load_reason("latency-tracking-info-percentiles 101"),
            "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]"
        );
    }

    #[test]
    fn shutdown_flags_combine() {
        let config =
            load("shutdown-on-sigint now force save\nshutdown-on-sigterm default nosave").unwrap();
        assert_eq!(value(&config, "shutdown-on-sigint"), "save now force");
        assert_eq!(value(&config, "shutdown-on-sigterm"), "nosave");
        assert!(config.shutdown_on_sigint.save() && config.shutdown_on_sigint.force());
        assert_eq!(value(&load("").unwrap(), "shutdown-on-sigint"), "default");
        assert_eq!(
            load_reason("shutdown-on-sigint save nosave"),
            "shutdown options SAVE and NOSAVE can't be used simultaneously"
        );
        assert_eq!(
            load_reason("shutdown-on-sigterm"),
            "argument(s) must be one of the following: default, save, nosave, now, force"
        );
    }

    #[test]
    fn dir_must_be_an_existing_directory_and_is_stored_absolute() {
        let scratch = ScratchDir::new("dir");
        scratch.write("sub/file", "");
        let root = scratch.path().display().to_string();
        let config = load(&format!("dir {root}\ndir sub")).unwrap();
        assert_eq!(config.dir, format!("{root}/sub"));
        assert_eq!(
            load_reason("dir /nonexistent-tessera"),
            "No such file or directory"
        );
        assert_eq!(
            load_reason(&format!("dir {root}/sub/file")),
            "Not a directory"
        );
        assert_eq!(load_reason("dir \"\""), "No such file or directory");
    }
}
