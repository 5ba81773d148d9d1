//! SARIF artifact locations: display paths as URIs, relative under
//! `%SRCROOT%` or absolute `file://` ones, percent-encoded.

use std::path::Path;

use serde::Serialize;

use super::SRCROOT;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ArtifactLocation {
    pub(super) uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) uri_base_id: Option<&'static str>,
}

/// Turns display paths into SARIF artifact locations: relative paths, and
/// absolute ones under the source root, become relative URIs under
/// `%SRCROOT%`; other absolute paths become `file://` URIs.
pub(super) struct Artifacts {
    /// The source root with forward slashes and a trailing `/`.
    root: Option<String>,
}

impl Artifacts {
    pub(super) fn new(root: Option<&Path>) -> Artifacts {
        let root = root.map(|r| {
            let mut root = r.to_string_lossy().replace('\\', "/");
            if !root.ends_with('/') {
                root.push('/');
            }
            root
        });
        Artifacts { root }
    }

    pub(super) fn location(&self, path: &str) -> ArtifactLocation {
        let path = path.replace('\\', "/");
        let path = match self.root.as_deref().and_then(|root| path.strip_prefix(root)) {
            Some(relative) => relative,
            None => &path,
        };
        let bytes = path.as_bytes();
        let drive = bytes.get(1) == Some(&b':') && bytes[0].is_ascii_alphabetic();
        if path.starts_with('/') {
            ArtifactLocation { uri: format!("file://{}", encode_uri_path(path)), uri_base_id: None }
        } else if drive {
            ArtifactLocation { uri: format!("file:///{}", encode_uri_path(path)), uri_base_id: None }
        } else {
            ArtifactLocation { uri: encode_uri_path(path), uri_base_id: Some(SRCROOT) }
        }
    }
}

/// The file URI of a directory, ending in `/`, for `originalUriBaseIds`.
pub(super) fn directory_uri(dir: &Path) -> String {
    let mut path = dir.to_string_lossy().replace('\\', "/");
    if !path.starts_with('/') {
        path.insert(0, '/');
    }
    if !path.ends_with('/') {
        path.push('/');
    }
    format!("file://{}", encode_uri_path(&path))
}

/// Percent-encodes everything but unreserved characters, `/` and a drive's `:`.
fn encode_uri_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for (i, byte) in path.bytes().enumerate() {
        let keep = byte.is_ascii_alphanumeric()
            || matches!(byte, b'-' | b'.' | b'_' | b'~' | b'/')
            || (byte == b':' && is_drive_colon(path, i));
        if keep {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// `C:` at the start of a path, or after its leading `/`.
fn is_drive_colon(path: &str, i: usize) -> bool {
    let bytes = path.as_bytes();
    let letter_at = |j: usize| bytes.get(j).is_some_and(u8::is_ascii_alphabetic);
    (i == 1 && letter_at(0)) || (i == 2 && bytes[0] == b'/' && letter_at(1))
}
