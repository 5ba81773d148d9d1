//! Reads the windows-sys 0.61.2 sources for the knowledge-base check: the
//! facts mingw-w64 lacks are checked against `src/Windows/Win32/<module>/mod.rs`.
//! Line-based, because the generated files put one item on a line:
//! `pub const NAME: T = 20u32;`,
//! `windows_link::link!("x.dll" "system" fn Name(p : T, ...) -> R);`,
//! `pub struct NAME {` / `    pub Field: T,` / `}`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::cheaders::Val;

pub struct WsFn {
    pub params: Vec<String>,
    pub ret: String,
    pub line: usize,
}

#[derive(Default)]
pub struct WsModule {
    pub consts: HashMap<String, (Option<Val>, String, usize)>,
    pub fns: HashMap<String, WsFn>,
    pub structs: HashMap<String, Vec<String>>,
}

pub const VERSION: &str = "0.61.2";

/// The windows-sys source directory, from `cargo metadata`.
pub fn locate() -> Result<PathBuf, String> {
    let out = Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .map_err(|e| format!("cannot run cargo metadata: {e}"))?;
    if !out.status.success() {
        return Err(format!("cargo metadata failed: {}", String::from_utf8_lossy(&out.stderr)));
    }
    let v: serde_json::Value =
        serde_json::from_slice(&out.stdout).map_err(|e| format!("cargo metadata output is not JSON: {e}"))?;
    let packages = v["packages"].as_array().ok_or("cargo metadata has no packages")?;
    for p in packages {
        if p["name"] == "windows-sys" && p["version"] == VERSION {
            let manifest = p["manifest_path"].as_str().ok_or("windows-sys has no manifest_path")?;
            return Path::new(manifest)
                .parent()
                .map(Path::to_path_buf)
                .ok_or_else(|| "windows-sys manifest has no directory".to_string());
        }
    }
    Err(format!("windows-sys {VERSION} is not in cargo metadata (it is a dev-dependency)"))
}

pub fn module_path(root: &Path, module: &str) -> PathBuf {
    root.join("src/Windows").join(module).join("mod.rs")
}

fn unquote(s: &str) -> Option<String> {
    let inner = s.trim().strip_prefix('"')?.strip_suffix('"')?;
    Some(inner.replace("\\\"", "\"").replace("\\\\", "\\"))
}

/// `20u32`, `-1i32`, `0x80010119_u32 as _`, `true`, `windows_sys::core::w!("NTLM")`.
pub fn parse_value(v: &str) -> Option<Val> {
    let v = v.trim();
    for mac in ["windows_sys::core::w!(", "windows_sys::core::s!("] {
        if let Some(r) = v.strip_prefix(mac) {
            return unquote(r.strip_suffix(')')?).map(Val::Str);
        }
    }
    let v = v.split(" as ").next()?.trim();
    match v {
        "true" => return Some(Val::Int(1)),
        "false" => return Some(Val::Int(0)),
        _ => {}
    }
    let (neg, v) = match v.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, v),
    };
    let v = v.replace('_', "");
    let (digits, radix) = match v.strip_prefix("0x") {
        Some(h) => (h, 16),
        None => (v.as_str(), 10),
    };
    let suffixes = ["u128", "i128", "usize", "isize", "u64", "i64", "u32", "i32", "u16", "i16", "u8", "i8"];
    let digits = suffixes.iter().find_map(|s| digits.strip_suffix(s)).unwrap_or(digits);
    let n = i128::from_str_radix(digits, radix).ok()?;
    Some(Val::Int(if neg { -n } else { n }))
}

/// Splits at commas outside `()`, `<>` and `[]`.
fn split_params(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    for (i, c) in s.char_indices() {
        match c {
            '(' | '<' | '[' => depth += 1,
            ')' | '>' | ']' => depth -= 1,
            ',' if depth == 0 => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    if !s[start..].trim().is_empty() {
        out.push(&s[start..]);
    }
    out
}

pub fn parse_module(text: &str) -> WsModule {
    let mut m = WsModule::default();
    let mut lines = text.lines().enumerate();
    while let Some((n, line)) = lines.next() {
        let l = line.trim();
        if let Some(rest) = l.strip_prefix("pub const ") {
            let Some((name, rest)) = rest.split_once(':') else {
                continue;
            };
            let Some((_, val)) = rest.split_once('=') else {
                continue;
            };
            let raw = val.trim().trim_end_matches(';').trim().to_string();
            m.consts.insert(name.trim().to_string(), (parse_value(&raw), raw, n + 1));
        } else if l.starts_with("windows_link::link!(") {
            let Some(fpos) = l.find(" fn ") else { continue };
            let after = &l[fpos + 4..];
            let Some((name, rest)) = after.split_once('(') else {
                continue;
            };
            let mut depth = 1i32;
            let mut close = None;
            for (i, c) in rest.char_indices() {
                match c {
                    '(' => depth += 1,
                    ')' => {
                        depth -= 1;
                        if depth == 0 {
                            close = Some(i);
                            break;
                        }
                    }
                    _ => {}
                }
            }
            let Some(close) = close else { continue };
            let params = split_params(&rest[..close])
                .into_iter()
                .map(|p| p.split_once(':').map_or(p, |(n, _)| n).trim().to_string())
                .collect();
            let ret = rest[close + 1..]
                .trim()
                .strip_prefix("->")
                .map_or("", |r| r.trim().trim_end_matches(';').trim_end_matches(')'))
                .trim()
                .to_string();
            m.fns.insert(name.trim().to_string(), WsFn { params, ret, line: n + 1 });
        } else if let Some(rest) = l.strip_prefix("pub struct ").or_else(|| l.strip_prefix("pub union ")) {
            if !l.ends_with('{') {
                continue;
            }
            let name = rest.split([' ', '{', '<']).next().unwrap_or("").to_string();
            let mut fields = Vec::new();
            for (_, fl) in lines.by_ref() {
                let fl = fl.trim();
                if fl == "}" {
                    break;
                }
                if let Some(f) = fl.strip_prefix("pub ") {
                    if let Some((fname, _)) = f.split_once(':') {
                        fields.push(fname.trim().to_string());
                    }
                }
            }
            m.structs.insert(name, fields);
        }
    }
    m
}
