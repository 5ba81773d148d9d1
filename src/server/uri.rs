//! `file:` URIs and paths, both ways (RFC 8089 as editors write them:
//! percent-encoded UTF-8, `file:///c%3A/x` for Windows drives).

use std::path::{Path, PathBuf};
use std::str::FromStr;

use lsp_types::Uri;

/// The local path a `file:` URI names; `None` for other schemes.
pub(super) fn to_path(uri: &Uri) -> Option<PathBuf> {
    let rest = uri.as_str().strip_prefix("file://")?;
    // `file://host/share` (UNC) keeps its host; `file:///x` has none.
    let (host, path) = match rest.find('/') {
        Some(0) => ("", rest),
        Some(i) => rest.split_at(i),
        None => return None,
    };
    let path = path.split(['?', '#']).next().unwrap_or(path);
    let decoded = percent_decode(path)?;
    let bytes = decoded.as_bytes();
    // `/c:/x` is the Windows path `c:/x`.
    let windows_drive = bytes.len() >= 3 && bytes[0] == b'/' && bytes[1].is_ascii_alphabetic() && bytes[2] == b':';
    let text = if !host.is_empty() && host != "localhost" {
        format!("//{host}{decoded}")
    } else if windows_drive {
        decoded[1..].to_string()
    } else {
        decoded
    };
    Some(PathBuf::from(text))
}

/// The `file:` URI of a path (absolute paths only; a relative one is made
/// absolute from the current directory).
pub(super) fn from_path(path: &Path) -> Option<Uri> {
    let absolute = crate::paths::absolute(path);
    let text = absolute.to_string_lossy().replace('\\', "/");
    let mut out = String::from("file://");
    if !text.starts_with('/') {
        out.push('/');
    }
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    Uri::from_str(&out).ok()
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uri(s: &str) -> Uri {
        Uri::from_str(s).expect("uri")
    }

    #[test]
    fn file_uris_and_paths() {
        assert_eq!(to_path(&uri("file:///home/a/x%20y.c")), Some(PathBuf::from("/home/a/x y.c")));
        assert_eq!(to_path(&uri("file:///c%3A/src/a.c")), Some(PathBuf::from("c:/src/a.c")));
        assert_eq!(to_path(&uri("file:///C:/src/a.c")), Some(PathBuf::from("C:/src/a.c")));
        assert_eq!(to_path(&uri("file://server/share/a.c")), Some(PathBuf::from("//server/share/a.c")));
        assert_eq!(to_path(&uri("untitled:Untitled-1")), None);
        assert_eq!(percent_decode("/bad%zz"), None);
        let back = from_path(Path::new("/home/a/x y#.c")).expect("uri");
        assert_eq!(back.as_str(), "file:///home/a/x%20y%23.c");
        assert_eq!(to_path(&back), Some(PathBuf::from("/home/a/x y#.c")));
    }
}
