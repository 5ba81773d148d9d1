//! Per-file limits that keep one pathological file (a generated blob, a
//! vendored amalgamation, a fuzzer's output) from stalling a run: how many
//! bytes rpclint reads of one file, and how long it may spend on it.
//!
//! The defaults live here and nowhere else; the command line (and, later,
//! the configuration) override them through [`crate::settings::Settings`].
//! A file over a limit is never dropped silently: it becomes a `parse-error`
//! finding that names the file and the limit.

use std::time::{Duration, Instant};

/// Files larger than this are not read: 10 MiB. The largest single C files in
/// common use (SQLite's amalgamation, about 9 MiB) still fit.
pub(crate) const DEFAULT_MAX_FILE_SIZE: u64 = 10 * 1024 * 1024;

/// How long parsing one file, and then analysing it, may each take: 30 seconds.
/// A 10 MiB C file of ordinary functions takes about 10 seconds from reading
/// to report in a debug build (measured: 9 s of CPU), far less in a release
/// build, so only a pathological input reaches it.
pub(crate) const DEFAULT_FILE_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Files with more bytes than this are not analysed.
    pub(crate) max_file_size: u64,
    /// Parsing a file, and analysing it, each stop after this long; `None`: no limit.
    /// The C and C++ parser and the data-flow analysis can be stopped; the Rust
    /// parser cannot, so Rust files are bounded by their size only while parsing.
    pub(crate) file_timeout: Option<Duration>,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits { max_file_size: DEFAULT_MAX_FILE_SIZE, file_timeout: Some(DEFAULT_FILE_TIMEOUT) }
    }
}

impl Limits {
    /// These limits with the ones given (on the command line) put in their
    /// place; a zero timeout means no time limit.
    pub(crate) fn with(self, max_file_size: Option<u64>, file_timeout: Option<Duration>) -> Limits {
        Limits {
            max_file_size: max_file_size.unwrap_or(self.max_file_size),
            file_timeout: file_timeout.map_or(self.file_timeout, |t| (!t.is_zero()).then_some(t)),
        }
    }

    /// The moment a stage that starts now must stop, if there is a time limit.
    pub fn deadline(&self) -> Option<Instant> {
        self.file_timeout.and_then(|t| Instant::now().checked_add(t))
    }
}

/// Parses a size for `--max-file-size`: bytes, or a number with a binary
/// suffix `K`, `M`, `G` (also `KiB`, `MiB`, `GiB`, `KB`, `MB`, `GB`, any case).
pub(crate) fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (digits, suffix) = t.split_at(split);
    let n: u64 = digits.parse().map_err(|_| format!("`{s}` is not a size: write bytes, or a number with K, M or G"))?;
    let factor: u64 = match suffix.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        other => return Err(format!("unknown size suffix `{other}` in `{s}`: use K, M or G")),
    };
    n.checked_mul(factor).ok_or_else(|| format!("`{s}` is too large"))
}

/// Parses a duration for `--file-timeout`: seconds, fractions allowed; `0`
/// (no limit, see [`Limits::with`]) too.
pub(crate) fn parse_timeout(s: &str) -> Result<Duration, String> {
    let secs: f64 = s.trim().parse().map_err(|_| format!("`{s}` is not a number of seconds"))?;
    if !secs.is_finite() || secs < 0.0 {
        return Err(format!("`{s}` is not a number of seconds"));
    }
    Duration::try_from_secs_f64(secs).map_err(|_| format!("`{s}` is too long"))
}

/// A size for messages: `10 MiB`, `1.5 KiB`, `300 bytes`.
pub(crate) fn format_size(bytes: u64) -> String {
    const UNITS: [(u64, &str); 3] = [(1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")];
    for (unit, name) in UNITS {
        if bytes >= unit {
            let whole = bytes / unit;
            let tenths = (bytes % unit) * 10 / unit;
            return if tenths == 0 { format!("{whole} {name}") } else { format!("{whole}.{tenths} {name}") };
        }
    }
    if bytes == 1 { "1 byte".to_string() } else { format!("{bytes} bytes") }
}

/// A duration for messages: `30 s`, `0.5 s`.
pub(crate) fn format_timeout(t: Duration) -> String {
    format!("{} s", t.as_secs_f64())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_take_binary_suffixes() {
        assert_eq!(parse_size("1024"), Ok(1024));
        assert_eq!(parse_size("10M"), Ok(10 << 20));
        assert_eq!(parse_size("10 MiB"), Ok(10 << 20));
        assert_eq!(parse_size("2k"), Ok(2048));
        assert_eq!(parse_size("1G"), Ok(1 << 30));
        assert!(parse_size("ten").is_err());
        assert!(parse_size("10X").is_err());
        assert!(parse_size("-1").is_err());
        assert!(parse_size("99999999999999999999G").is_err());
    }

    #[test]
    fn timeouts_are_seconds_and_zero_means_none() {
        assert_eq!(parse_timeout("30"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_timeout("0.25"), Ok(Duration::from_millis(250)));
        assert_eq!(Limits::default().with(None, Some(Duration::ZERO)).file_timeout, None);
        assert_eq!(Limits::default().with(None, None), Limits::default());
        assert_eq!(
            Limits::default().with(Some(5), Some(Duration::from_secs(2))).file_timeout,
            Some(Duration::from_secs(2))
        );
        assert!(parse_timeout("-1").is_err());
        assert!(parse_timeout("NaN").is_err());
        assert!(parse_timeout("inf").is_err());
        assert!(parse_timeout("1e300").is_err());
    }

    #[test]
    fn sizes_and_timeouts_read_well_in_messages() {
        assert_eq!(format_size(DEFAULT_MAX_FILE_SIZE), "10 MiB");
        assert_eq!(format_size(1536), "1.5 KiB");
        assert_eq!(format_size(52_428_800), "50 MiB");
        assert_eq!(format_size(300), "300 bytes");
        assert_eq!(format_timeout(Duration::from_millis(500)), "0.5 s");
        assert_eq!(format_timeout(DEFAULT_FILE_TIMEOUT), "30 s");
    }
}
