//! Logging in Redis's line format, so tooling that waits for Redis's log lines works:
//! `<pid>:<role> <dd Mon yyyy hh:mm:ss.mmm> <level> <message> [field=value ...]`,
//! with level marks `.` debug, `-` verbose, `*` notice, `#` warning.

use std::fmt;
use std::sync::OnceLock;

use config::LogLevel;
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::reload;
use tracing_subscriber::util::SubscriberInitExt;

use tracing::{Event, Level, Subscriber};
use tracing_subscriber::fmt::FmtContext;
use tracing_subscriber::fmt::format::{FormatEvent, FormatFields, Writer};
use tracing_subscriber::registry::LookupSpan;

pub struct RedisFormat {
    pub pid: u32,
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// `dd Mon yyyy hh:mm:ss.mmm` in UTC for a unix time in ms.
pub fn format_time(unix_ms: i64) -> String {
    let secs = unix_ms.div_euclid(1000);
    let ms = unix_ms.rem_euclid(1000);
    let days = secs.div_euclid(86400);
    let sod = secs.rem_euclid(86400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{:02} {} {} {:02}:{:02}:{:02}.{:03}",
        day,
        MONTHS[(month - 1) as usize],
        year,
        sod / 3600,
        (sod / 60) % 60,
        sod % 60,
        ms
    )
}

impl<S, N> FormatEvent<S, N> for RedisFormat
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let mark = match *event.metadata().level() {
            Level::ERROR | Level::WARN => '#',
            Level::INFO => '*',
            Level::DEBUG => '-',
            Level::TRACE => '.',
        };
        write!(
            writer,
            "{}:M {} {} ",
            self.pid,
            format_time(crate::server::unix_ms()),
            mark
        )?;
        ctx.field_format().format_fields(writer.by_ref(), event)?;
        writeln!(writer)
    }
}

/// The tracing filter for Redis's `loglevel`.
pub fn level_filter(loglevel: LogLevel) -> LevelFilter {
    match loglevel {
        LogLevel::Debug => LevelFilter::TRACE,
        LogLevel::Verbose => LevelFilter::DEBUG,
        LogLevel::Notice => LevelFilter::INFO,
        LogLevel::Warning => LevelFilter::WARN,
    }
}

type LevelHandle = reload::Handle<LevelFilter, tracing_subscriber::Registry>;

/// Where CONFIG SET loglevel reaches the installed filter.
static LEVEL: OnceLock<LevelHandle> = OnceLock::new();

/// Installs the Redis-format subscriber writing to `writer`, filtered at `loglevel`.
pub fn init<W>(loglevel: LogLevel, writer: W)
where
    W: for<'w> tracing_subscriber::fmt::MakeWriter<'w> + Send + Sync + 'static,
{
    let (filter, handle) = reload::Layer::new(level_filter(loglevel));
    let fmt = tracing_subscriber::fmt::layer()
        .with_ansi(false)
        .event_format(RedisFormat {
            pid: std::process::id(),
        })
        .with_writer(writer);
    tracing_subscriber::registry().with(filter).with(fmt).init();
    let _ = LEVEL.set(handle);
}

/// Applies a new `loglevel` (CONFIG SET).
pub fn set_level(loglevel: LogLevel) {
    if let Some(handle) = LEVEL.get() {
        let _ = handle.modify(|f| *f = level_filter(loglevel));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_dates_like_redis() {
        assert_eq!(format_time(0), "01 Jan 1970 00:00:00.000");
        assert_eq!(format_time(1_795_303_766_123), "21 Nov 2026 23:29:26.123");
        assert_eq!(format_time(951_782_400_000), "29 Feb 2000 00:00:00.000");
    }
}
