//! `ConfigError` (a file, a place, a message) and the rewording of serde's
//! and toml's messages in rpclint's words.

use std::fmt;

use crate::spelling::did_you_mean;

/// A configuration file that cannot be used: where, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    /// The file as shown to the user.
    pub(crate) path: String,
    /// 1-based line and column (in characters), when the problem has a place.
    pub(crate) position: Option<(usize, usize)>,
    /// Lowercase, no trailing period.
    pub(crate) message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.position {
            Some((line, col)) => write!(f, "{}:{line}:{col}: {}", self.path, self.message),
            None => write!(f, "{}: {}", self.path, self.message),
        }
    }
}

impl std::error::Error for ConfigError {}

/// 1-based line and column (characters) of a byte offset.
pub(super) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = before.get(line_start..).map_or(1, |s| s.chars().count() + 1);
    (line, col)
}

/// Rewrites serde's and toml's messages in rpclint's words.
pub(super) fn humanize(message: &str) -> String {
    let message = message.trim().trim_end_matches('.');
    let ticked = |s: &str| -> Vec<String> { s.split('`').skip(1).step_by(2).map(str::to_string).collect() };
    if let Some(rest) = message.strip_prefix("unknown field ") {
        let names = ticked(rest);
        let Some((key, expected)) = names.split_first() else { return message.to_string() };
        let expected: Vec<&str> = expected.iter().map(String::as_str).collect();
        let hint = did_you_mean(key, &expected).map(|k| format!("did you mean \"{k}\"? ")).unwrap_or_default();
        return if expected.is_empty() {
            format!("unknown key \"{key}\"")
        } else {
            format!("unknown key \"{key}\"; {hint}expected one of {}", expected.join(", "))
        };
    }
    if let Some(rest) = message.strip_prefix("unknown variant ") {
        let names = ticked(rest);
        let Some((value, expected)) = names.split_first() else { return message.to_string() };
        let expected: Vec<String> = expected.iter().map(|e| format!("\"{e}\"")).collect();
        return format!("unknown value \"{value}\"; expected one of {}", expected.join(", "));
    }
    if let Some(rest) = message.strip_prefix("invalid type: ") {
        return match rest.split_once(", expected ") {
            Some((found, expected)) => format!("wrong type: expected {expected}, found {found}"),
            None => format!("wrong type: {rest}"),
        };
    }
    // toml's word for an enum given something that is not a string.
    if message == "wanted string or table" {
        return "wrong type: expected a string".to_string();
    }
    if let Some(rest) = message.strip_prefix("missing field ") {
        return format!("missing key \"{}\"", rest.trim_matches('`'));
    }
    let mut chars = message.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}
