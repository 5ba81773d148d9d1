//! The fix round trip over every fixture directory (C, C++ and Rust): a copy
//! of the directory is fixed with `rpclint check --unsafe-fixes` (every fix,
//! safe and unsafe) and checked again. The findings that had a fix are gone,
//! no finding appears that was not there, the findings without a fix stay
//! (same file, line, rule and message), no file stops parsing, and a second
//! run changes nothing. The same holds for a fixture stored as UTF-16 with
//! CRLF line ends, which stays UTF-16 with CRLF.
//!
//! Runs the real binary, so the writes (temporary file, rename) are tested too.

#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::cargo::cargo_bin_cmd;
use serde_json::Value;

/// One finding as the round trip compares it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Finding {
    path: String,
    line: u64,
    rule: String,
    message: String,
}

/// Findings of `dir` (the audit rules too, the directory's configuration),
/// each with whether it carries a fix.
fn findings(dir: &Path) -> BTreeMap<Finding, bool> {
    let out = cargo_bin_cmd!("rpclint")
        .args(["check", "--select=all", "--include-tests", "--format", "json", "."])
        .current_dir(dir)
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{}: {e}\n{}", dir.display(), String::from_utf8_lossy(&out.stderr)));
    let mut found = BTreeMap::new();
    for d in doc["diagnostics"].as_array().unwrap() {
        if d["suppressed"] != Value::Bool(false) {
            continue;
        }
        let f = Finding {
            path: d["path"].as_str().unwrap().to_string(),
            line: d["span"]["start"]["line"].as_u64().unwrap(),
            rule: d["rule"].as_str().unwrap().to_string(),
            message: d["message"].as_str().unwrap().to_string(),
        };
        found.insert(f, !d["fix"].is_null());
    }
    found
}

/// `rpclint check --unsafe-fixes` in `dir`; its stderr.
fn fix_all(dir: &Path) -> String {
    let out = cargo_bin_cmd!("rpclint")
        .args(["check", "--select=all", "--include-tests", "--unsafe-fixes", "--format", "short", "."])
        .current_dir(dir)
        .output()
        .unwrap();
    assert_ne!(out.status.code(), Some(2), "{}: {}", dir.display(), String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn files(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    for e in fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_file() {
            out.insert(p.clone(), fs::read(&p).unwrap());
        }
    }
    out
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        if p.is_file() {
            fs::copy(&p, to.join(p.file_name().unwrap())).unwrap();
        }
    }
}

/// What one directory's round trip saw.
struct Trip {
    fixed: usize,
    kept: usize,
    changed_files: usize,
}

/// The round trip in `dir` (a copy: it is edited); problems go to `problems`.
fn round_trip(dir: &Path, problems: &mut Vec<String>) -> Trip {
    let name = dir.file_name().unwrap().to_string_lossy().into_owned();
    let before = findings(dir);
    let original = files(dir);
    fix_all(dir);
    let after = findings(dir);
    let fixed_files = files(dir);

    let fixable: BTreeSet<&Finding> = before.iter().filter(|(_, fix)| **fix).map(|(f, _)| f).collect();
    // Rules read the values of one call together: on a call whose value a
    // fix changed, another rule's finding may go (no access check once the
    // level is raised from `NONE`) or come (NTLM matters once the call
    // authenticates). Everywhere else nothing may change.
    let fixed_calls: BTreeSet<(&str, u64)> = fixable.iter().map(|f| (f.path.as_str(), f.line)).collect();
    let on_a_fixed_call = |f: &Finding| fixed_calls.contains(&(f.path.as_str(), f.line));
    for f in after.keys() {
        if fixable.contains(f) {
            problems.push(format!("{name}: a fixed finding is still there: {f:?}"));
        } else if !before.contains_key(f) && !on_a_fixed_call(f) {
            problems.push(format!("{name}: a new finding: {f:?}"));
        }
    }
    let mut kept = 0;
    for f in before.keys().filter(|f| !fixable.contains(f)) {
        if !after.contains_key(f) && !on_a_fixed_call(f) {
            problems.push(format!("{name}: a finding without a fix disappeared: {f:?}"));
        }
        kept += usize::from(after.contains_key(f));
    }
    if after.keys().any(|f| f.rule == "parse-error" && !before.contains_key(f)) {
        problems.push(format!("{name}: a fixed file no longer parses"));
    }
    // rpclint's parsers recover from errors: ask strict ones too.
    for (path, bytes) in &fixed_files {
        let Some(old) = original.get(path).filter(|o| *o != bytes) else { continue };
        if parses(path, old) && !parses(path, bytes) {
            problems.push(format!("{name}: {} no longer parses", path.display()));
        }
    }
    // Idempotent: a second run changes nothing.
    fix_all(dir);
    if files(dir) != fixed_files {
        problems.push(format!("{name}: a second --unsafe-fixes changed the files again"));
    }
    let changed_files = fixed_files.iter().filter(|(p, b)| original.get(*p) != Some(*b)).count();
    if fixable.is_empty() && changed_files > 0 {
        problems.push(format!("{name}: files changed without a fixable finding"));
    }
    Trip { fixed: fixable.len(), kept, changed_files }
}

#[test]
fn every_fixture_round_trips() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let tmp = tempfile::tempdir().unwrap();
    let mut problems = Vec::new();
    let mut dirs: Vec<PathBuf> =
        fs::read_dir(&root).unwrap().map(|e| e.unwrap().path()).filter(|p| p.is_dir()).collect();
    dirs.sort();
    let (mut fixed, mut kept, mut changed) = (0, 0, 0);
    let mut langs = BTreeSet::new();
    for dir in &dirs {
        let copy = tmp.path().join(dir.file_name().unwrap());
        copy_dir(dir, &copy);
        let before = files(&copy);
        let trip = round_trip(&copy, &mut problems);
        for (p, b) in files(&copy) {
            if before.get(&p) != Some(&b) {
                langs.insert(p.extension().unwrap().to_string_lossy().into_owned());
            }
        }
        fixed += trip.fixed;
        kept += trip.kept;
        changed += trip.changed_files;
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // The round trip did something in every language.
    for ext in ["c", "cpp", "rs"] {
        assert!(langs.contains(ext), "no {ext} fixture was fixed: {langs:?}");
    }
    assert!(fixed > 50 && kept > 50 && changed > 20, "fixed {fixed}, kept {kept}, files changed {changed}");
    eprintln!("round trip: {fixed} findings fixed, {kept} without a fix kept, {changed} files changed");
}

/// Whether a file parses without any error (tree-sitter's C or C++
/// grammar without error nodes, syn for Rust); UTF-16 is decoded first.
fn parses(path: &Path, bytes: &[u8]) -> bool {
    let text = match bytes.strip_prefix(&[0xFF, 0xFE]) {
        Some(rest) => {
            String::from_utf16(&rest.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect::<Vec<_>>())
                .unwrap()
        }
        None => String::from_utf8_lossy(bytes).into_owned(),
    };
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    if ext == "rs" {
        return syn::parse_file(&text).is_ok();
    }
    let language: tree_sitter::Language =
        if ext == "c" || ext == "h" { tree_sitter_c::LANGUAGE.into() } else { tree_sitter_cpp::LANGUAGE.into() };
    let mut parser = tree_sitter::Parser::new();
    parser.set_language(&language).unwrap();
    parser.parse(&text, None).is_some_and(|t| !t.root_node().has_error())
}

fn utf16le(text: &str) -> Vec<u8> {
    [0xFF, 0xFE].into_iter().chain(text.encode_utf16().flat_map(u16::to_le_bytes)).collect()
}

#[test]
fn a_utf16_crlf_file_round_trips_and_keeps_its_form() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/missing-integrity/bad_connect_level.c");
    let text = fs::read_to_string(&src).unwrap();
    let crlf = text.replace('\n', "\r\n");
    let tmp = tempfile::tempdir().unwrap();
    // The same file three ways: UTF-8 (LF), UTF-8 with CRLF, UTF-16 LE with a BOM and CRLF.
    let forms: [(&str, Vec<u8>); 3] =
        [("lf", text.clone().into_bytes()), ("crlf", crlf.clone().into_bytes()), ("utf16", utf16le(&crlf))];
    let mut fixed_texts = BTreeMap::new();
    for (name, bytes) in &forms {
        let dir = tmp.path().join(name);
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join("bad_connect_level.c"), bytes).unwrap();
        let mut problems = Vec::new();
        let trip = round_trip(&dir, &mut problems);
        assert!(problems.is_empty(), "{name}: {}", problems.join("\n"));
        assert!(trip.fixed > 0 && trip.changed_files == 1, "{name}");
        let out = fs::read(dir.join("bad_connect_level.c")).unwrap();
        let decoded = match *name {
            "utf16" => {
                assert_eq!(&out[..2], &[0xFF, 0xFE], "the BOM stays");
                let units: Vec<u16> = out[2..].chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect();
                String::from_utf16(&units).unwrap()
            }
            _ => String::from_utf8(out).unwrap(),
        };
        if *name != "lf" {
            assert_eq!(decoded.matches('\n').count(), decoded.matches("\r\n").count(), "{name}: CRLF kept");
        }
        assert_eq!(decoded.ends_with('\n'), text.ends_with('\n'), "{name}: final newline kept");
        fixed_texts.insert(*name, decoded.replace("\r\n", "\n"));
    }
    assert_eq!(fixed_texts["lf"], fixed_texts["crlf"]);
    assert_eq!(fixed_texts["lf"], fixed_texts["utf16"]);
    assert_ne!(fixed_texts["lf"], text);
}
