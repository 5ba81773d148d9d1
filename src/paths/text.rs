//! Path text as rpclint reads and writes it, pure and the same on every
//! OS: Windows paths (drive letters, UNC shares, `\\?\` forms, either
//! separator) are parsed by `typed-path`'s Windows rules, which read a Unix
//! path the same way (`/` is a separator there too). Only [`shown`] depends
//! on the style of the machine, passed in so that tests can ask for both.

use typed_path::{Utf8WindowsComponent, Utf8WindowsPath, Utf8WindowsPrefix};

/// Whose rules a path shown to the user follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Style {
    Unix,
    Windows,
}

impl Style {
    /// The machine rpclint runs on.
    pub(crate) const HOST: Style = if cfg!(windows) { Style::Windows } else { Style::Unix };
}

/// A path for human, short, github and JSON output: as the user wrote it,
/// without a leading `./`. On Windows, where the walker joins with `\`
/// what the user may have written with `/`, every separator becomes the
/// first one in the path (the user's own); on Unix a `\` is part of a name
/// and stays.
pub(crate) fn shown(text: &str, style: Style) -> String {
    match style {
        Style::Unix => text.strip_prefix("./").unwrap_or(text).to_string(),
        Style::Windows => {
            let text = text.strip_prefix("./").or_else(|| text.strip_prefix(".\\")).unwrap_or(text);
            // `\\server\share` and `\\?\C:` keep their leading backslashes.
            let (head, rest) = if text.starts_with("\\\\") { text.split_at(2) } else { ("", text) };
            let Some(sep) = rest.chars().find(|c| matches!(c, '/' | '\\')) else { return text.to_string() };
            let other = if sep == '/' { '\\' } else { '/' };
            format!("{head}{}", rest.replace(other, &sep.to_string()))
        }
    }
}

/// A path with forward slashes and no leading `./`: what SARIF, GitLab,
/// JUnit and baselines hold, identical for one tree on Windows and Linux.
pub(crate) fn slash(text: &str) -> String {
    let s = text.replace('\\', "/");
    match s.strip_prefix("./") {
        Some(rest) => rest.to_string(),
        None => s,
    }
}

/// The path's root as one comparable key (drive letter upper-cased, UNC
/// server and share lower-cased: Windows ignores their case), and the
/// names after it; `None` for a relative path.
fn parts(text: &str) -> (Option<String>, Vec<&str>) {
    let mut root: Option<String> = None;
    let mut names = Vec::new();
    for c in Utf8WindowsPath::new(text).components() {
        match c {
            Utf8WindowsComponent::Prefix(p) => {
                root = Some(match p.kind() {
                    Utf8WindowsPrefix::Disk(d) | Utf8WindowsPrefix::VerbatimDisk(d) => {
                        format!("{}:", d.to_ascii_uppercase())
                    }
                    Utf8WindowsPrefix::UNC(server, share) | Utf8WindowsPrefix::VerbatimUNC(server, share) => {
                        format!("//{}/{}", server.to_ascii_lowercase(), share.to_ascii_lowercase())
                    }
                    Utf8WindowsPrefix::Verbatim(name) | Utf8WindowsPrefix::DeviceNS(name) => format!("//?/{name}"),
                });
            }
            Utf8WindowsComponent::RootDir => {
                root.get_or_insert_with(String::new).push('/');
            }
            Utf8WindowsComponent::CurDir => {}
            Utf8WindowsComponent::ParentDir => names.push(".."),
            Utf8WindowsComponent::Normal(name) => names.push(name),
        }
    }
    (root, names)
}

/// `path` relative to `root`, with `/`, when it lies under it (by
/// components: `/a/bc` is not under `/a/b`); drive letters and UNC names
/// compare without case.
pub(crate) fn relative_to(path: &str, root: &str) -> Option<String> {
    let (proot, pnames) = parts(path);
    let (rroot, rnames) = parts(root);
    if proot.is_none() || proot != rroot || pnames.len() < rnames.len() {
        return None;
    }
    let windows = proot.as_deref().is_some_and(|r| !r.starts_with('/'));
    let same = |a: &str, b: &str| if windows { a.eq_ignore_ascii_case(b) } else { a == b };
    if !pnames.iter().zip(&rnames).all(|(a, b)| same(a, b)) {
        return None;
    }
    Some(pnames[rnames.len()..].join("/"))
}

/// The path a baseline fingerprint uses: relative to the project root when
/// the file (`absolute`: `path` made absolute) is under it, else `path` with
/// forward slashes. `C:\w\p\src\a.c` under `C:\w\p` and `/w/p/src/a.c`
/// under `/w/p` are both `src/a.c`.
pub(crate) fn fingerprint_path(path: &str, absolute: &str, root: Option<&str>) -> String {
    root.and_then(|r| relative_to(absolute, r)).filter(|r| !r.is_empty()).unwrap_or_else(|| slash(path))
}

/// A path as a SARIF `artifactLocation`: `(uri, true)` when relative to
/// `%SRCROOT%` (relative paths, and absolute ones under `root`), else an
/// absolute `file://` URI and `false`: `file:///C:/src/a.c`,
/// `file://server/share/a.c`, `file:///home/a.c`. Names are percent-encoded.
pub(crate) fn artifact_uri(path: &str, root: Option<&str>) -> (String, bool) {
    if let Some(rel) = root.and_then(|r| relative_to(path, r)).filter(|r| !r.is_empty()) {
        return (encode(&rel), true);
    }
    let (proot, names) = parts(path);
    let names = names.iter().map(|n| encode(n)).collect::<Vec<_>>().join("/");
    match proot {
        None => (names, true),
        Some(r) => (format!("{}{names}", uri_root(&r)), false),
    }
}

/// The `file://` URI of a directory, ending in `/` (`originalUriBaseIds`).
pub(crate) fn directory_uri(dir: &str) -> String {
    let (root, names) = parts(dir);
    let mut uri = match root {
        Some(r) => uri_root(&r),
        None => "file:///".to_string(),
    };
    for n in names {
        uri.push_str(&encode(n));
        uri.push('/');
    }
    uri
}

/// A root key of [`parts`] as the start of a file URI.
fn uri_root(root: &str) -> String {
    if let Some(unc) = root.strip_prefix("//") {
        // `//server/share/` or `//?/name/`: the server is the URI's authority.
        let unc = unc.trim_end_matches('/');
        return format!("file://{}/", unc.split('/').map(encode).collect::<Vec<_>>().join("/"));
    }
    match root.strip_suffix('/') {
        // `C:/` or `/`
        Some(drive) if !drive.is_empty() => format!("file:///{drive}/"),
        Some(_) => "file:///".to_string(),
        // `C:` without a root (`C:a.c`, drive-relative): as if at the drive's root.
        None => format!("file:///{root}/"),
    }
}

/// Percent-encodes a URI path: everything but unreserved characters and
/// `/` (RFC 3986); a `:` in a name too, so that `a:b.c` is no scheme.
pub(crate) fn encode(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The extension of a file name, lower-cased: `.C`, `.Cpp` and `.H` are
/// common in Windows trees and are the same languages.
pub(crate) fn extension(path: &str) -> Option<String> {
    Utf8WindowsPath::new(path).extension().map(str::to_ascii_lowercase)
}

/// A configuration or `--exclude` glob as the matcher reads it, so that a
/// glob matches with either separator: a `\` is a separator (`src\vendor\`,
/// `gen\*.c`: Windows names cannot hold `*` or `?`, so escaping them there
/// means nothing), except before a character a Windows name can hold that
/// the glob would otherwise read as syntax: `\[`, `\{`, `\!`, `\\` still escape.
pub(crate) fn glob(glob: &str) -> String {
    let mut out = String::with_capacity(glob.len());
    let mut chars = glob.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.peek() {
            Some(&next) if "[]{}!\\ #,".contains(next) => {
                out.push('\\');
                out.push(next);
                chars.next();
            }
            _ => out.push('/'),
        }
    }
    out
}
