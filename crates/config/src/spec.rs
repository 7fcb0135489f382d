//! How one directive's value is parsed, rendered (CONFIG GET) and rewritten (CONFIG
//! REWRITE): the `Spec` trait, Redis's generic directive types (bool, numeric, string,
//! enum) as `Spec`s, and `Field`, which ties a `Spec` to the `Config` field holding its
//! value. The hand-written directives (`save`, `bind`, ...) are `Spec`s in `special.rs`;
//! the table that lists every directive is in `table.rs`.

use std::borrow::Cow;
use std::marker::PhantomData;

use crate::Config;
use crate::args::quote;
use crate::number::{c_strtoll, format_memory_for_rewrite, parse_memory};
use crate::rewrite::RewriteState;
use crate::types::{ConfigEnum, MaxmemoryClients};
use numeric::parse_i64;

/// A reason a value was refused, in Redis's words.
pub(crate) type Refusal = Cow<'static, str>;

/// State that only matters while a config file is read: Redis's `save` directive appends
/// to the save points while reading a file and replaces them otherwise, and the first
/// `save` of a load replaces the defaults.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct ParseMode {
    /// Redis's `reading_config_file`.
    pub reading_config_file: bool,
    /// Redis's static `save_loaded`: a `save` line was already seen during this load.
    pub save_loaded: bool,
}

/// A directive type: how arguments become a value and how the value is shown.
pub(crate) trait Spec: Sync + 'static {
    type Value: Clone + PartialEq + 'static;

    /// The value before any config is read.
    fn default_value(&self) -> Self::Value;

    /// Redis's `MULTI_ARG_CONFIG`: the directive takes any number of arguments.
    fn multi_arg(&self) -> bool {
        false
    }

    /// The new value for these arguments, given the current value and the rest of the
    /// configuration (a few validations depend on other directives).
    fn parse(
        &self,
        args: &[String],
        current: &Self::Value,
        config: &Config,
        mode: &mut ParseMode,
    ) -> Result<Self::Value, Refusal>;

    /// The value as CONFIG GET shows it.
    fn render(&self, value: &Self::Value) -> String;

    /// Writes the value's line(s) into a CONFIG REWRITE.
    fn rewrite(
        &self,
        value: &Self::Value,
        name: &'static str,
        config: &Config,
        out: &mut RewriteState,
    );

    /// The value's type, for documentation.
    fn kind(&self) -> ValueKind;

    /// The default as documentation should show it.
    fn documented_default(&self) -> String {
        self.render(&self.default_value())
    }
}

/// The type of a directive's value, as documentation describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValueKind {
    /// `yes` or `no` (any case).
    Bool,
    /// A decimal integer within `min..=max`, no leading zeros or `+`.
    Integer {
        /// Smallest accepted value.
        min: i128,
        /// Largest accepted value.
        max: i128,
    },
    /// A byte count within `min..=max`, with an optional unit `k`/`m`/`g` (powers of
    /// 1000) or `kb`/`mb`/`gb` (powers of 1024), any case.
    Memory {
        /// Smallest accepted value.
        min: i128,
        /// Largest accepted value.
        max: i128,
    },
    /// A byte count as for `Memory`, or a percentage `N%` of `maxmemory`.
    MemoryOrPercent {
        /// Largest accepted byte count.
        max_bytes: i128,
        /// Largest accepted percentage.
        max_percent: i128,
    },
    /// An octal number within `min..=max`.
    Octal {
        /// Smallest accepted value.
        min: i128,
        /// Largest accepted value.
        max: i128,
    },
    /// One of these names (any case); several at once when `combinable`.
    Enum {
        /// The accepted names, in Redis's order.
        names: Vec<&'static str>,
        /// Several names may be given together and are combined.
        combinable: bool,
    },
    /// Free text.
    String,
    /// A structured value, hand-parsed as Redis does.
    Special {
        /// The arguments it takes.
        syntax: &'static str,
    },
}

/// A directive bound to its field: the object-safe face of a `Spec`.
pub(crate) trait Access: Sync {
    fn multi_arg(&self) -> bool;
    /// Sets the field from arguments; says whether the value changed.
    fn set(
        &self,
        config: &mut Config,
        args: &[String],
        mode: &mut ParseMode,
    ) -> Result<bool, Refusal>;
    fn render(&self, config: &Config) -> String;
    fn rewrite(&self, config: &Config, name: &'static str, out: &mut RewriteState);
    fn kind(&self) -> ValueKind;
    fn documented_default(&self) -> String;
}

/// A `Spec` and the accessors of the `Config` field that holds its value.
pub(crate) struct Field<S: Spec> {
    pub spec: S,
    pub get: fn(&Config) -> &S::Value,
    pub get_mut: fn(&mut Config) -> &mut S::Value,
}

impl<S: Spec> Access for Field<S> {
    fn multi_arg(&self) -> bool {
        self.spec.multi_arg()
    }

    fn set(
        &self,
        config: &mut Config,
        args: &[String],
        mode: &mut ParseMode,
    ) -> Result<bool, Refusal> {
        let value = self.spec.parse(args, (self.get)(config), config, mode)?;
        let slot = (self.get_mut)(config);
        let changed = *slot != value;
        *slot = value;
        Ok(changed)
    }

    fn render(&self, config: &Config) -> String {
        self.spec.render((self.get)(config))
    }

    fn rewrite(&self, config: &Config, name: &'static str, out: &mut RewriteState) {
        self.spec.rewrite((self.get)(config), name, config, out);
    }

    fn kind(&self) -> ValueKind {
        self.spec.kind()
    }

    fn documented_default(&self) -> String {
        self.spec.documented_default()
    }
}

fn single(args: &[String]) -> &str {
    // Single-argument directives are only ever called with exactly one argument: the
    // loader checks the count and CONFIG SET passes its value whole.
    args.first().map_or("", String::as_str)
}

/// `yes`/`no` directives (Redis's `createBoolConfig`).
pub(crate) struct BoolSpec {
    pub default: bool,
}

impl Spec for BoolSpec {
    type Value = bool;

    fn default_value(&self) -> bool {
        self.default
    }

    fn parse(
        &self,
        args: &[String],
        _: &bool,
        _: &Config,
        _: &mut ParseMode,
    ) -> Result<bool, Refusal> {
        let text = single(args);
        if text.eq_ignore_ascii_case("yes") {
            Ok(true)
        } else if text.eq_ignore_ascii_case("no") {
            Ok(false)
        } else {
            Err("argument must be 'yes' or 'no'".into())
        }
    }

    fn render(&self, value: &bool) -> String {
        yes_no(*value).to_owned()
    }

    fn rewrite(&self, value: &bool, name: &'static str, _: &Config, out: &mut RewriteState) {
        out.rewrite_line(
            name,
            format!("{name} {}", yes_no(*value)),
            *value != self.default,
        );
    }

    fn kind(&self) -> ValueKind {
        ValueKind::Bool
    }
}

fn yes_no(value: bool) -> &'static str {
    if value { "yes" } else { "no" }
}

/// The C type Redis stores a numeric directive in; it decides whether bounds are checked
/// on the value read as signed or as unsigned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CType {
    Int,
    UInt,
    ULong,
    LongLong,
    ULongLong,
    SizeT,
    SSizeT,
    TimeT,
    OffT,
}

impl CType {
    /// Redis checks `unsigned int`, `unsigned long long` and `size_t` values as unsigned
    /// and every other type as signed.
    fn checks_unsigned(self) -> bool {
        matches!(self, CType::UInt | CType::ULongLong | CType::SizeT)
    }
}

/// How a numeric directive's text is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NumberFormat {
    Integer,
    Memory,
    MemoryOrPercent,
    Octal,
}

/// A Rust field type a numeric directive can be stored in. The conversions mirror the C
/// casts Redis applies between `long long` and the field's own C type.
pub(crate) trait NumericValue: Copy + PartialEq + Send + Sync + 'static {
    fn to_i64(self) -> i64;
    fn from_i64(value: i64) -> Self;
}

macro_rules! numeric_value_by_cast {
    ($($ty:ty),*) => {$(
        impl NumericValue for $ty {
            fn to_i64(self) -> i64 {
                self as i64
            }
            fn from_i64(value: i64) -> Self {
                value as $ty
            }
        }
    )*};
}

numeric_value_by_cast!(u16, i32, u32, i64, u64);

/// Redis keeps `maxmemory-clients` in one `ssize_t`, percentages as negative numbers.
impl NumericValue for MaxmemoryClients {
    fn to_i64(self) -> i64 {
        match self {
            MaxmemoryClients::Bytes(bytes) => bytes as i64,
            MaxmemoryClients::Percent(percent) => -i64::from(percent),
        }
    }

    fn from_i64(value: i64) -> Self {
        if value < 0 {
            MaxmemoryClients::Percent(value.unsigned_abs() as u8)
        } else {
            MaxmemoryClients::Bytes(value as u64)
        }
    }
}

/// Numeric directives (Redis's `createIntConfig`, `createULongLongConfig`, ...).
pub(crate) struct NumericSpec<T> {
    c_type: CType,
    format: NumberFormat,
    min: i128,
    max: i128,
    default: i64,
    /// Applied after a successful set, as Redis's `hz` does.
    clamp: Option<(i64, i64)>,
    value: PhantomData<fn() -> T>,
}

impl<T> NumericSpec<T> {
    pub const fn new(
        c_type: CType,
        format: NumberFormat,
        min: i128,
        max: i128,
        default: i64,
    ) -> Self {
        NumericSpec {
            c_type,
            format,
            min,
            max,
            default,
            clamp: None,
            value: PhantomData,
        }
    }

    pub const fn clamped_to(mut self, low: i64, high: i64) -> Self {
        self.clamp = Some((low, high));
        self
    }
}

impl<T: NumericValue> NumericSpec<T> {
    fn read(&self, text: &[u8]) -> Result<i64, Refusal> {
        let memory = matches!(
            self.format,
            NumberFormat::Memory | NumberFormat::MemoryOrPercent
        );
        if memory && let Some(bytes) = parse_memory(text) {
            return Ok(bytes as i64);
        }
        if self.format == NumberFormat::MemoryOrPercent
            && text.len() > 1
            && let Some((b'%', number)) = text.split_last()
            && let Some(percent) = parse_i64(number)
            && percent >= 0
        {
            return Ok(-percent);
        }
        if self.format == NumberFormat::Octal {
            let parsed = c_strtoll(text, 8);
            if !parsed.overflowed && parsed.is_complete(text) {
                return Ok(parsed.value);
            }
        }
        if self.format == NumberFormat::Integer
            && let Some(value) = parse_i64(text)
        {
            return Ok(value);
        }
        Err(match self.format {
            NumberFormat::MemoryOrPercent => "argument must be a memory or percent value",
            NumberFormat::Memory => "argument must be a memory value",
            NumberFormat::Octal => "argument couldn't be parsed as an octal number",
            NumberFormat::Integer => "argument couldn't be parsed into an integer",
        }
        .into())
    }

    fn check_bounds(&self, value: i64) -> Result<(), Refusal> {
        if self.c_type.checks_unsigned() {
            let unsigned = i128::from(value as u64);
            if unsigned > self.max || unsigned < self.min {
                let (min, max) = (self.min as u64, self.max as u64);
                return Err(if self.format == NumberFormat::Octal {
                    format!("argument must be between {min:o} and {max:o} inclusive")
                } else {
                    format!("argument must be between {min} and {max} inclusive")
                }
                .into());
            }
        } else if self.format == NumberFormat::MemoryOrPercent && value < 0 {
            if i128::from(value) < self.min {
                return Err(
                    format!("percentage argument must be less or equal to {}", -self.min).into(),
                );
            }
        } else if i128::from(value) > self.max || i128::from(value) < self.min {
            return Err(format!(
                "argument must be between {} and {} inclusive",
                self.min, self.max
            )
            .into());
        }
        Ok(())
    }

    fn is_percentage(&self, value: i64) -> bool {
        self.format == NumberFormat::MemoryOrPercent && value < 0
    }
}

impl<T: NumericValue> Spec for NumericSpec<T> {
    type Value = T;

    fn default_value(&self) -> T {
        T::from_i64(self.default)
    }

    fn parse(&self, args: &[String], _: &T, _: &Config, _: &mut ParseMode) -> Result<T, Refusal> {
        let mut value = self.read(single(args).as_bytes())?;
        self.check_bounds(value)?;
        if let Some((low, high)) = self.clamp {
            value = value.clamp(low, high);
        }
        Ok(T::from_i64(value))
    }

    fn render(&self, value: &T) -> String {
        let value = value.to_i64();
        if self.is_percentage(value) {
            format!("{}%", value.unsigned_abs())
        } else {
            match self.format {
                NumberFormat::Memory | NumberFormat::MemoryOrPercent => (value as u64).to_string(),
                NumberFormat::Octal => format!("{:o}", value as u64),
                NumberFormat::Integer => value.to_string(),
            }
        }
    }

    fn rewrite(&self, value: &T, name: &'static str, _: &Config, out: &mut RewriteState) {
        let value = value.to_i64();
        if self.is_percentage(value) {
            let percent = value.unsigned_abs();
            let force = i128::from(percent) != i128::from(self.default);
            out.rewrite_line(name, format!("{name} {percent}%"), force);
            return;
        }
        let text = match self.format {
            NumberFormat::Memory | NumberFormat::MemoryOrPercent => {
                format_memory_for_rewrite(value)
            }
            NumberFormat::Octal => format!("{:o}", value as u64),
            NumberFormat::Integer => value.to_string(),
        };
        out.rewrite_line(name, format!("{name} {text}"), value != self.default);
    }

    fn kind(&self) -> ValueKind {
        let (min, max) = (self.min, self.max);
        match self.format {
            NumberFormat::Integer => ValueKind::Integer { min, max },
            NumberFormat::Memory => ValueKind::Memory { min, max },
            NumberFormat::MemoryOrPercent => ValueKind::MemoryOrPercent {
                max_bytes: max,
                max_percent: -min,
            },
            NumberFormat::Octal => ValueKind::Octal { min, max },
        }
    }
}

/// Extra validation of a string value, with Redis's message on refusal.
pub(crate) type StringCheck = fn(&str, &Config) -> Result<(), &'static str>;

/// Strings that may be empty (Redis's `ALLOW_EMPTY_STRING` string configs).
pub(crate) struct StringSpec {
    pub default: &'static str,
    pub check: Option<StringCheck>,
}

impl Spec for StringSpec {
    type Value = String;

    fn default_value(&self) -> String {
        self.default.to_owned()
    }

    fn parse(
        &self,
        args: &[String],
        _: &String,
        config: &Config,
        _: &mut ParseMode,
    ) -> Result<String, Refusal> {
        let text = single(args);
        if let Some(check) = self.check {
            check(text, config)?;
        }
        Ok(text.to_owned())
    }

    fn render(&self, value: &String) -> String {
        value.clone()
    }

    fn rewrite(&self, value: &String, name: &'static str, _: &Config, out: &mut RewriteState) {
        let line = format!("{name} {}", quote(value.as_bytes()));
        out.rewrite_line(name, line, value != self.default);
    }

    fn kind(&self) -> ValueKind {
        ValueKind::String
    }
}

/// Strings where empty means "not set" (Redis's `EMPTY_STRING_IS_NULL` configs, all of
/// which default to unset).
pub(crate) struct OptionalStringSpec {
    pub check: Option<StringCheck>,
}

impl Spec for OptionalStringSpec {
    type Value = Option<String>;

    fn default_value(&self) -> Option<String> {
        None
    }

    fn parse(
        &self,
        args: &[String],
        _: &Option<String>,
        config: &Config,
        _: &mut ParseMode,
    ) -> Result<Option<String>, Refusal> {
        let text = single(args);
        if let Some(check) = self.check {
            check(text, config)?;
        }
        Ok((!text.is_empty()).then(|| text.to_owned()))
    }

    fn render(&self, value: &Option<String>) -> String {
        value.clone().unwrap_or_default()
    }

    fn rewrite(
        &self,
        value: &Option<String>,
        name: &'static str,
        _: &Config,
        out: &mut RewriteState,
    ) {
        match value {
            // An unset string must not appear in the file at all.
            None => out.mark_processed(name),
            Some(text) => {
                out.rewrite_line(name, format!("{name} {}", quote(text.as_bytes())), true)
            }
        }
    }

    fn kind(&self) -> ValueKind {
        ValueKind::String
    }
}

/// One-of-several-names directives (Redis's `createEnumConfig`).
pub(crate) struct EnumSpec<T> {
    pub default: T,
}

/// Redis's refusal for an unknown enum name, listing the accepted names.
pub(crate) fn enum_refusal<'a>(names: impl Iterator<Item = &'a str>) -> Refusal {
    let names: Vec<&str> = names.collect();
    format!(
        "argument(s) must be one of the following: {}",
        names.join(", ")
    )
    .into()
}

impl<T: ConfigEnum> Spec for EnumSpec<T> {
    type Value = T;

    fn default_value(&self) -> T {
        self.default
    }

    fn parse(&self, args: &[String], _: &T, _: &Config, _: &mut ParseMode) -> Result<T, Refusal> {
        T::from_name(single(args))
            .ok_or_else(|| enum_refusal(T::NAMES.iter().map(|(name, _)| *name)))
    }

    fn render(&self, value: &T) -> String {
        value.name().to_owned()
    }

    fn rewrite(&self, value: &T, name: &'static str, _: &Config, out: &mut RewriteState) {
        out.rewrite_line(
            name,
            format!("{name} {}", value.name()),
            *value != self.default,
        );
    }

    fn kind(&self) -> ValueKind {
        ValueKind::Enum {
            names: T::NAMES.iter().map(|(name, _)| *name).collect(),
            combinable: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::test_support::{load, load_reason, value};
    use crate::types::{LogLevel, MaxmemoryClients, OomScoreAdj};

    #[test]
    fn booleans_take_yes_or_no_in_any_case() {
        let config = load("daemonize YES\nprotected-mode No").unwrap();
        assert!(config.daemonize);
        assert!(!config.protected_mode);
        assert_eq!(value(&config, "daemonize"), "yes");
        assert_eq!(
            load_reason("daemonize maybe"),
            "argument must be 'yes' or 'no'"
        );
        assert_eq!(load_reason("daemonize 1"), "argument must be 'yes' or 'no'");
    }

    #[test]
    fn integers_are_strict_and_bounded() {
        assert_eq!(load("port 7000").unwrap().port, 7000);
        assert_eq!(
            load("list-max-listpack-size -5")
                .unwrap()
                .list_max_listpack_size,
            -5
        );
        assert_eq!(
            load("slowlog-log-slower-than -1")
                .unwrap()
                .slowlog_log_slower_than,
            -1
        );
        for text in [
            "port abc", "port 007", "port +7", "port -0", "port 1k", "port  ",
        ] {
            let reason = if text == "port  " {
                "wrong number of arguments"
            } else {
                "argument couldn't be parsed into an integer"
            };
            assert_eq!(load_reason(text), reason, "{text}");
        }
        assert_eq!(
            load_reason("port 70000"),
            "argument must be between 0 and 65535 inclusive"
        );
        assert_eq!(
            load_reason("databases 0"),
            "argument must be between 1 and 2147483647 inclusive"
        );
        assert_eq!(
            load_reason("list-max-listpack-size 99999999999"),
            "argument must be between -2147483648 and 2147483647 inclusive"
        );
        assert_eq!(
            load_reason("slowlog-max-len -1"),
            "argument must be between 0 and 9223372036854775807 inclusive"
        );
        assert_eq!(
            load_reason("slowlog-log-slower-than -2"),
            "argument must be between -1 and 9223372036854775807 inclusive"
        );
    }

    #[test]
    fn unsigned_c_types_are_checked_as_unsigned() {
        // -1 reads as 2^64-1 for an unsigned int, so the message names the upper bound.
        assert_eq!(
            load_reason("maxclients -1"),
            "argument must be between 1 and 4294967295 inclusive"
        );
        assert_eq!(
            load_reason("socket-mark-id -1"),
            "argument must be between 0 and 4294967295 inclusive"
        );
        assert_eq!(load("maxclients 4294967295").unwrap().maxclients, u32::MAX);
    }

    #[test]
    fn memory_values_take_units() {
        let config =
            load("maxmemory 2Gb\nrepl-backlog-size 3k\nhash-max-listpack-value 1KB").unwrap();
        assert_eq!(config.maxmemory, 2 << 30);
        assert_eq!(config.repl_backlog_size, 3000);
        assert_eq!(config.hash_max_listpack_value, 1024);
        assert_eq!(value(&config, "maxmemory"), "2147483648");
        assert_eq!(load("maxmemory 007").unwrap().maxmemory, 7);
        assert_eq!(load("maxmemory \"\"").unwrap().maxmemory, 0);
        for text in [
            "maxmemory 1x",
            "maxmemory -1",
            "maxmemory 1.5gb",
            "proto-max-bulk-len abc",
        ] {
            assert_eq!(
                load_reason(text),
                "argument must be a memory value",
                "{text}"
            );
        }
        assert_eq!(
            load_reason("proto-max-bulk-len 1k"),
            "argument must be between 1048576 and 9223372036854775807 inclusive"
        );
    }

    #[test]
    fn memory_values_past_i64_follow_the_c_type() {
        // maxmemory is an unsigned long long: everything up to 2^64-1 is fine.
        let config = load("maxmemory 99999999999999999999999").unwrap();
        assert_eq!(config.maxmemory, u64::MAX);
        assert_eq!(value(&config, "maxmemory"), "18446744073709551615");
        // repl-backlog-size is a long long: 2^63 wraps negative and is refused.
        assert_eq!(
            load_reason("repl-backlog-size 9223372036854775808"),
            "argument must be between 1 and 9223372036854775807 inclusive"
        );
    }

    #[test]
    fn memory_or_percent_values() {
        let percent = load("maxmemory-clients 10%").unwrap();
        assert_eq!(percent.maxmemory_clients, MaxmemoryClients::Percent(10));
        assert_eq!(value(&percent, "maxmemory-clients"), "10%");
        let bytes = load("maxmemory-clients 1mb").unwrap();
        assert_eq!(bytes.maxmemory_clients, MaxmemoryClients::Bytes(1 << 20));
        assert_eq!(
            value(&load("maxmemory-clients 0%").unwrap(), "maxmemory-clients"),
            "0"
        );
        // Redis stores 2^64-1 as -1, i.e. 1%.
        let wrapped = load("maxmemory-clients 18446744073709551615").unwrap();
        assert_eq!(value(&wrapped, "maxmemory-clients"), "1%");
        assert_eq!(
            load_reason("maxmemory-clients 200%"),
            "percentage argument must be less or equal to 100"
        );
        assert_eq!(
            load_reason("maxmemory-clients -5%"),
            "argument must be a memory or percent value"
        );
        assert_eq!(
            load_reason("maxmemory-clients x"),
            "argument must be a memory or percent value"
        );
    }

    #[test]
    fn octal_values() {
        let config = load("unixsocketperm 700").unwrap();
        assert_eq!(config.unixsocketperm, 0o700);
        assert_eq!(value(&config, "unixsocketperm"), "700");
        assert_eq!(load("unixsocketperm \"\"").unwrap().unixsocketperm, 0);
        assert_eq!(load("unixsocketperm \" 7\"").unwrap().unixsocketperm, 7);
        assert_eq!(
            load_reason("unixsocketperm 999"),
            "argument couldn't be parsed as an octal number"
        );
        assert_eq!(
            load_reason("unixsocketperm 99999999999999999999999"),
            "argument couldn't be parsed as an octal number"
        );
        assert_eq!(
            load_reason("unixsocketperm 1777"),
            "argument must be between 0 and 777 inclusive"
        );
        assert_eq!(
            load_reason("unixsocketperm -1"),
            "argument must be between 0 and 777 inclusive"
        );
    }

    #[test]
    fn hz_is_kept_between_1_and_500() {
        assert_eq!(load("hz 1000").unwrap().hz, 500);
        assert_eq!(load("hz 0").unwrap().hz, 1);
        assert_eq!(load("hz 100").unwrap().hz, 100);
        assert_eq!(
            load_reason("hz -1"),
            "argument must be between 0 and 2147483647 inclusive"
        );
    }

    #[test]
    fn strings_and_unset_strings() {
        let config =
            load("pidfile /run/x.pid\nlogfile \"\"\nunixsocket \"\"\nrequirepass \"sec ret\"")
                .unwrap();
        assert_eq!(config.pidfile.as_deref(), Some("/run/x.pid"));
        assert_eq!(config.logfile, "");
        assert_eq!(config.unixsocket, None);
        assert_eq!(config.requirepass.as_deref(), Some("sec ret"));
        assert_eq!(value(&config, "unixsocket"), "");
        assert_eq!(value(&config, "cluster-config-file"), "nodes.conf");
    }

    #[test]
    fn string_validations() {
        assert_eq!(
            load_reason("dbfilename a/b"),
            "dbfilename can't be a path, just a filename"
        );
        assert_eq!(
            load_reason("dbfilename a\\\\b"),
            "dbfilename can't be a path, just a filename"
        );
        assert_eq!(
            load_reason("appendfilename ''"),
            "appendfilename can't be empty"
        );
        assert_eq!(
            load_reason("appenddirname x/y"),
            "appenddirname can't be a path, just a dirname"
        );
        assert_eq!(
            load_reason("cluster-announce-hostname a_b"),
            "Hostnames may only contain alphanumeric characters, hyphens or dots"
        );
        let long_name = format!("cluster-announce-hostname {}", "a".repeat(256));
        assert_eq!(
            load_reason(&long_name),
            "Hostnames must be less than 256 characters"
        );
        assert!(load("cluster-announce-hostname node-1.example").is_ok());
        for template in [
            "'{bad}'",
            "'{title}'",
            "'{title'",
            "'{'",
            "''",
            "'{server-mode}'",
        ] {
            assert_eq!(
                load_reason(&format!("proc-title-template {template}")),
                "template format is invalid or contains unknown variables",
                "{template}"
            );
        }
        assert!(load("proc-title-template '{title} {port} {{literal}'").is_ok());
        assert!(load("cluster-enabled yes\nproc-title-template '{server-mode}'").is_ok());
    }

    #[test]
    fn enums_accept_any_case_and_list_their_names_on_error() {
        assert_eq!(
            load("loglevel WARNING").unwrap().loglevel,
            LogLevel::Warning
        );
        let relative = load("oom-score-adj relative").unwrap();
        assert_eq!(relative.oom_score_adj, OomScoreAdj::Relative);
        assert_eq!(value(&relative, "oom-score-adj"), "yes");
        assert_eq!(
            load_reason("loglevel loud"),
            "argument(s) must be one of the following: debug, verbose, notice, warning"
        );
        assert_eq!(
            load_reason("oom-score-adj x"),
            "argument(s) must be one of the following: no, yes, relative, absolute"
        );
    }
}
