//! Bad input end to end: every row of the README's "What rpclint does with
//! bad input" table has a test here (named in the table; `tests/meta.rs`
//! checks that each named test exists). Each runs the real binary, or the
//! real engine through `cli::run`, on a tree with one bad entry and one good
//! file, and checks three things: a clear message naming the bad file, the
//! good file's finding still reported, and the documented exit code.
//!
//! Also here: byte-identical output across runs and thread counts in every
//! format, and a property test that mutates the fixtures.

#![allow(clippy::unwrap_used)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::cargo::cargo_bin_cmd;
use rpclint::cli::{self, Env};
use rpclint::engine::{Settings, TestHooks};
use rpclint::report::Report;

/// A C file with one finding, at its level argument, 3:46 (the call starts at 3:12).
const GOOD_C: &str = "RPC_STATUS bind(RPC_BINDING_HANDLE h, RPC_SECURITY_QOS *q)\n{\n    return RpcBindingSetAuthInfoExW(h, NULL, RPC_C_AUTHN_LEVEL_CONNECT, RPC_C_AUTHN_GSS_NEGOTIATE, NULL, 0, q);\n}\n";
const GOOD_C_FINDING: &str = "good.c:3:46: error[missing-integrity]: authentication level `RPC_C_AUTHN_LEVEL_CONNECT` passed as `AuthnLevel` to `RpcBindingSetAuthInfoExW` does not protect message integrity";

/// A Rust function with one finding on its second line, at its level
/// argument, column 41 (the call starts at column 5).
const GOOD_RS_FN: &str = "unsafe fn bind(h: *mut c_void, q: *const RPC_SECURITY_QOS) -> i32 {\n    RpcBindingSetAuthInfoExW(h, null(), RPC_C_AUTHN_LEVEL_CONNECT, RPC_C_AUTHN_GSS_NEGOTIATE, null(), 0, q)\n}\n";

/// A temporary tree of files.
struct Tree(tempfile::TempDir);

impl Tree {
    fn new(files: &[(&str, &[u8])]) -> Tree {
        let dir = tempfile::tempdir().unwrap();
        for (name, bytes) in files {
            let path = dir.path().join(name);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, bytes).unwrap();
        }
        Tree(dir)
    }

    fn root(&self) -> &Path {
        self.0.path()
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.root().join(rel)
    }
}

/// What a run printed and returned.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl From<Output> for Run {
    fn from(out: Output) -> Run {
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8(out.stdout).unwrap(),
            stderr: String::from_utf8(out.stderr).unwrap(),
        }
    }
}

/// Runs the binary in `dir` with `args` (and `--format short` unless a format is given).
fn rpclint(dir: &Path, args: &[&str]) -> Run {
    let mut cmd = cargo_bin_cmd!("rpclint");
    // Every rule: missing-integrity, the finding these tests look for, is in the audit group.
    cmd.current_dir(dir).arg("--select=all");
    if !args.contains(&"--format") {
        cmd.args(["--format", "short"]);
    }
    cmd.args(args).output().unwrap().into()
}

fn lines(s: &str) -> Vec<&str> {
    s.lines().collect()
}

// ----------------------------------------------------------- paths and I/O

#[test]
fn missing_path_is_named_and_the_other_paths_are_checked() {
    let tree = Tree::new(&[("good.c", GOOD_C.as_bytes())]);
    let r = rpclint(tree.root(), &["nope.c", "good.c", "gone/"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(lines(&r.stdout), [GOOD_C_FINDING]);
    assert_eq!(
        r.stderr,
        "rpclint: error: gone: no such file or directory\nrpclint: error: nope.c: no such file or directory\n"
    );
}

/// Runs the binary as an unprivileged user, so that permissions apply: the
/// tests run as root here, and root reads a `chmod 000` file. `setpriv`
/// (util-linux) drops to `nobody`; the binary is copied into the tree, so no
/// directory above it has to be open to that user. Not root: run as is.
#[cfg(unix)]
fn rpclint_unprivileged(tree: &Tree, args: &[&str]) -> Run {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let bin = tree.path("rpclint-bin");
    fs::copy(assert_cmd::cargo::cargo_bin!("rpclint"), &bin).unwrap();
    fs::set_permissions(&bin, fs::Permissions::from_mode(0o755)).unwrap();
    fs::set_permissions(tree.root(), fs::Permissions::from_mode(0o755)).unwrap();
    let root = fs::metadata("/proc/self").map(|m| m.uid() == 0).unwrap_or(false);
    let mut cmd = if root {
        let mut cmd = std::process::Command::new("setpriv");
        cmd.args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"]).arg(&bin);
        cmd
    } else {
        std::process::Command::new(&bin)
    };
    cmd.current_dir(tree.root()).args(["--format", "short", "--select=all"]).args(args);
    let out = cmd.output().expect("setpriv (util-linux) runs the check as an unprivileged user");
    out.into()
}

#[cfg(unix)]
#[test]
fn unreadable_directory_is_named_and_the_rest_is_checked() {
    use std::os::unix::fs::PermissionsExt;
    let tree = Tree::new(&[("src/good.c", GOOD_C.as_bytes()), ("src/locked/hidden.c", GOOD_C.as_bytes())]);
    fs::set_permissions(tree.path("src"), fs::Permissions::from_mode(0o755)).unwrap();
    fs::set_permissions(tree.path("src/locked"), fs::Permissions::from_mode(0o000)).unwrap();
    let r = rpclint_unprivileged(&tree, &["src"]);
    fs::set_permissions(tree.path("src/locked"), fs::Permissions::from_mode(0o755)).unwrap();
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(lines(&r.stdout), [format!("src/{GOOD_C_FINDING}")]);
    assert_eq!(r.stderr, "rpclint: error: src/locked: permission denied\n");
}

#[cfg(unix)]
#[test]
fn unreadable_file_is_named_and_the_rest_is_checked() {
    use std::os::unix::fs::PermissionsExt;
    let tree = Tree::new(&[("good.c", GOOD_C.as_bytes()), ("locked.c", GOOD_C.as_bytes())]);
    fs::set_permissions(tree.path("locked.c"), fs::Permissions::from_mode(0o000)).unwrap();
    // Walked from a directory, and named explicitly (as pre-commit does).
    for args in [&["."][..], &["good.c", "locked.c"][..]] {
        let r = rpclint_unprivileged(&tree, args);
        assert_eq!(r.code, 2, "{}", r.stderr);
        assert_eq!(lines(&r.stdout), [GOOD_C_FINDING]);
        assert_eq!(r.stderr, "rpclint: error: locked.c: cannot read: permission denied\n");
    }
}

#[cfg(unix)]
#[test]
fn symlink_loop_is_named_and_not_followed() {
    let tree = Tree::new(&[("src/good.c", GOOD_C.as_bytes())]);
    std::os::unix::fs::symlink(tree.path("src"), tree.path("src/loop")).unwrap();
    std::os::unix::fs::symlink("self.c", tree.path("src/self.c")).unwrap();
    let r = rpclint(tree.root(), &["src"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(lines(&r.stdout), [format!("src/{GOOD_C_FINDING}")]);
    assert_eq!(
        r.stderr,
        "rpclint: error: src/loop: symlink loop: points back to src; not followed\n\
         rpclint: error: src/self.c: too many levels of symbolic links\n"
    );
}

// ---------------------------------------------------------------- contents

#[test]
fn binary_file_with_a_source_extension_is_a_parse_error() {
    let mut elf = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0RpcBindingSetAuthInfoW\0".to_vec();
    elf.extend((0..4096u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8));
    // UTF-32 starts like UTF-16 little-endian; decoded as that, it is full of NULs.
    let utf32: Vec<u8> = [0xFF, 0xFE, 0, 0].into_iter().chain(GOOD_C.bytes().flat_map(|b| [b, 0, 0, 0])).collect();
    let tree = Tree::new(&[("good.c", GOOD_C.as_bytes()), ("blob.c", &elf), ("blob.rs", &elf), ("utf32.c", &utf32)]);
    let r = rpclint(tree.root(), &["."]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let note = "note[parse-error]: file not analysed: it contains NUL bytes (a binary file, or UTF-16 without a byte order mark)";
    assert_eq!(
        lines(&r.stdout),
        [
            &format!("blob.c:1:1: {note}"),
            &format!("blob.rs:1:1: {note}"),
            GOOD_C_FINDING,
            &format!("utf32.c:1:1: {note}")
        ]
    );
    assert_eq!(r.stderr, "");
}

#[test]
fn invalid_utf8_in_c_is_read_lossily_and_analysed() {
    // Latin-1 in a comment and in a string, as old Windows sources have.
    let mut c = b"/* Copyright \xa9 1998 M\xfcller */\nconst char *name = \"Z\xfcrich\";\n".to_vec();
    c.extend_from_slice(GOOD_C.as_bytes());
    let tree = Tree::new(&[("good.c", &c)]);
    let r = rpclint(tree.root(), &["good.c"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(lines(&r.stdout), [GOOD_C_FINDING.replace("good.c:3:", "good.c:5:")]);
    assert_eq!(r.stderr, "");
}

#[test]
fn invalid_utf8_in_rust_is_a_parse_error_and_the_rest_is_analysed() {
    let mut rs = b"// Copyright \xa9 1998\n".to_vec();
    rs.extend_from_slice(GOOD_RS_FN.as_bytes());
    let tree = Tree::new(&[("bad.rs", &rs), ("good.c", GOOD_C.as_bytes())]);
    let r = rpclint(tree.root(), &["."]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(
        lines(&r.stdout),
        [
            "bad.rs:1:14: note[parse-error]: invalid UTF-8: the Rust compiler rejects this file (rpclint read the bad bytes as U+FFFD)",
            "bad.rs:3:41: error[missing-integrity]: authentication level `RPC_C_AUTHN_LEVEL_CONNECT` passed as `AuthnLevel` to `RpcBindingSetAuthInfoExW` does not protect message integrity",
            GOOD_C_FINDING,
        ]
    );
}

fn utf16(text: &str, big_endian: bool) -> Vec<u8> {
    let mut out = if big_endian { vec![0xFE, 0xFF] } else { vec![0xFF, 0xFE] };
    for unit in text.encode_utf16() {
        out.extend(if big_endian { unit.to_be_bytes() } else { unit.to_le_bytes() });
    }
    out
}

#[test]
fn utf16_with_bom_is_decoded_and_positions_are_right() {
    // Non-ASCII before the call on its line: columns count characters.
    let c = format!("// Überprüfung\n{}", GOOD_C.replace("    return", "/* ü */ return"));
    let rs = format!("// 日本\n{GOOD_RS_FN}").replace("    RpcBinding", "/*é*/RpcBinding");
    let tree = Tree::new(&[
        ("utf8/good.c", c.as_bytes()),
        ("le/good.c", &utf16(&c, false)),
        ("be/good.c", &utf16(&c, true)),
        ("utf8/good.rs", rs.as_bytes()),
        ("le/good.rs", &utf16(&rs, false)),
        ("be/good.rs", &utf16(&rs, true)),
    ]);
    let expected = |dir: &str| {
        [
            format!("{dir}/{}", GOOD_C_FINDING.replace("good.c:3:46:", "good.c:4:50:")),
            format!(
                "{dir}/good.rs:3:42: error[missing-integrity]: authentication level `RPC_C_AUTHN_LEVEL_CONNECT` passed as `AuthnLevel` to `RpcBindingSetAuthInfoExW` does not protect message integrity"
            ),
        ]
    };
    for dir in ["utf8", "le", "be"] {
        let r = rpclint(tree.root(), &[dir]);
        assert_eq!((r.code, r.stderr.as_str()), (1, ""), "{dir}");
        assert_eq!(lines(&r.stdout), expected(dir), "{dir}");
        let json = rpclint(tree.root(), &[dir, "--format", "json"]);
        let v: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
        assert_eq!(v["diagnostics"][0]["span"]["start"]["line"], 4);
        assert_eq!(v["diagnostics"][0]["span"]["start"]["column"], 16);
    }
}

#[test]
fn empty_files_are_fine() {
    let tree = Tree::new(&[("empty.c", b""), ("empty.rs", b""), ("empty.hpp", b""), ("good.c", GOOD_C.as_bytes())]);
    let r = rpclint(tree.root(), &["."]);
    assert_eq!((r.code, r.stderr.as_str()), (1, ""));
    assert_eq!(lines(&r.stdout), [GOOD_C_FINDING]);
    let r = rpclint(tree.root(), &["empty.c", "empty.rs", "empty.hpp", "--format", "human"]);
    assert_eq!((r.code, r.stdout.as_str(), r.stderr.as_str()), (0, "No problems found in 3 files.\n", ""));
}

#[test]
fn file_over_the_size_limit_is_reported_not_read() {
    // 50 MB of C that calls an API once, at the very end (with values
    // nothing knows, so no finding).
    let mut big = Vec::with_capacity(50 << 20);
    let line = b"static int table_entry_0000 = 0; /* padding padding padding padding */\n";
    let tail = b"long f(void) { return RpcBindingSetAuthInfoW(h, p, level, svc, id, authz); }\n";
    while big.len() + line.len() + tail.len() <= 50 << 20 {
        big.extend_from_slice(line);
    }
    big.resize((50 << 20) - tail.len(), b'\n');
    big.extend_from_slice(tail);
    let tree = Tree::new(&[("big.c", &big), ("good.c", GOOD_C.as_bytes())]);
    let r = rpclint(tree.root(), &["."]);
    assert_eq!((r.code, r.stderr.as_str()), (1, ""));
    assert_eq!(
        lines(&r.stdout),
        [
            "big.c:1:1: note[parse-error]: file not analysed: it is 50 MiB, over the 10 MiB limit (raise it with --max-file-size)",
            GOOD_C_FINDING
        ]
    );
    // A lower limit, and a higher one: then the file is read and parsed.
    let r = rpclint(tree.root(), &["good.c", "--max-file-size", "100"]);
    assert_eq!(
        lines(&r.stdout),
        [
            "good.c:1:1: note[parse-error]: file not analysed: it is 175 bytes, over the 100 bytes limit (raise it with --max-file-size)"
        ]
    );
    assert_eq!(r.code, 0);
    // No time limit: this is about the size limit, and a debug build on a
    // loaded machine can take longer than the default 30 s to parse 50 MiB.
    let r = rpclint(tree.root(), &["big.c", "--max-file-size", "64M", "--file-timeout", "0", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!((r.code, v["summary"]["files_parsed"].as_u64()), (0, Some(1)), "{}", r.stdout);
    assert_eq!(v["diagnostics"], serde_json::json!([]));
}

#[test]
fn file_truncated_mid_call_is_a_parse_error_and_earlier_findings_stay() {
    let cut = "\nRPC_STATUS more(RPC_BINDING_HANDLE h)\n{\n    return RpcBindingSetAuthInfoW(h, NULL, RPC_C_AUTHN_LEVEL_PKT_PRIVACY, RPC_C_AUTHN_GSS_NEG";
    let rs_cut = "\nunsafe fn more(h: *mut c_void) -> i32 {\n    RpcBindingSetAuthInfoW(h, null(), RPC_C_AUTHN_LEVEL_PKT_PRIVACY, RPC_C";
    let tree = Tree::new(&[
        ("cut.c", format!("{GOOD_C}{cut}").as_bytes()),
        ("cut.cpp", format!("{GOOD_C}{cut}").as_bytes()),
        ("cut.rs", format!("{GOOD_RS_FN}{rs_cut}").as_bytes()),
    ]);
    let r = rpclint(tree.root(), &["."]);
    assert_eq!((r.code, r.stderr.as_str()), (1, ""));
    let out = lines(&r.stdout);
    assert_eq!(out.len(), 6, "{}", r.stdout);
    assert_eq!(out[0], GOOD_C_FINDING.replace("good.c", "cut.c"));
    assert!(out[1].starts_with("cut.c:6:1: note[parse-error]: syntax error: "), "{}", out[1]);
    assert_eq!(out[2], GOOD_C_FINDING.replace("good.c", "cut.cpp"));
    assert!(out[3].starts_with("cut.cpp:6:1: note[parse-error]: syntax error: "), "{}", out[3]);
    assert!(out[4].starts_with("cut.rs:2:41: error[missing-integrity]: "), "{}", out[4]);
    assert!(out[5].starts_with("cut.rs:6:"), "{}", out[5]);
    assert!(out[5].contains("note[parse-error]: syntax error: "), "{}", out[5]);
}

#[test]
fn ten_thousand_nested_parentheses_and_blocks_do_not_crash() {
    let n = 10_000;
    let parens = format!("{}x{}", "(".repeat(n), ")".repeat(n));
    let c_parens = format!("{GOOD_C}int deep(void)\n{{\n    return RpcMgmtInqServerPrincNameW{parens};\n}}\n");
    let c_blocks = format!(
        "{GOOD_C}void deep(void)\n{{\n    RpcMgmtInqServerPrincNameW();{}{}\n}}\n",
        "{".repeat(n),
        "}".repeat(n)
    );
    // Each deep function names an API, so that it is parsed (the bodies of
    // functions that name none are never parsed).
    let rs_parens = format!("{GOOD_RS_FN}fn deep() {{\n    let x = RpcMgmtInqServerPrincNameW{parens};\n}}\n");
    let rs_blocks =
        format!("{GOOD_RS_FN}fn deep() {{\n    RpcMgmtInqServerPrincNameW();{}{}\n}}\n", "{".repeat(n), "}".repeat(n));
    let tree = Tree::new(&[
        ("parens.c", c_parens.as_bytes()),
        ("blocks.c", c_blocks.as_bytes()),
        ("parens.cpp", c_parens.as_bytes()),
        ("blocks.cpp", c_blocks.as_bytes()),
        ("parens.rs", rs_parens.as_bytes()),
        ("blocks.rs", rs_blocks.as_bytes()),
    ]);
    let r = rpclint(tree.root(), &["."]);
    assert_eq!((r.code, r.stderr.as_str()), (1, ""));
    let out = lines(&r.stdout);
    // C and C++ analyse what is not too deep: the other function's finding stays.
    for name in ["blocks.c", "blocks.cpp", "parens.c", "parens.cpp"] {
        let here: Vec<&&str> = out.iter().filter(|l| l.starts_with(&format!("{name}:"))).collect();
        assert_eq!(here.len(), 2, "{name}: {}", r.stdout);
        assert_eq!(*here[0], GOOD_C_FINDING.replace("good.c", name));
        assert!(here[1].contains("note[parse-error]: nesting too deep: this region was not analysed"), "{}", here[1]);
    }
    // syn's parser recurses, so a Rust file this deep is not parsed at all.
    for name in ["blocks.rs", "parens.rs"] {
        assert!(
            out.contains(
                &format!("{name}:1:1: note[parse-error]: nesting deeper than 256 levels: file not analysed").as_str()
            ),
            "{}",
            r.stdout
        );
    }
    assert_eq!(out.len(), 10, "{}", r.stdout);
}

#[test]
fn megabyte_line_is_analysed_at_the_right_column() {
    let pad = "/*".to_string() + &"é".repeat(600_000) + "*/ ";
    let c = GOOD_C.replace("    return", &format!("{pad}return"));
    let rs = GOOD_RS_FN.replace("    RpcBinding", &format!("{pad}RpcBinding"));
    assert!(c.lines().nth(2).unwrap().len() > 1 << 20);
    let tree = Tree::new(&[("long.c", c.as_bytes()), ("long.rs", rs.as_bytes())]);
    let r = rpclint(tree.root(), &["."]);
    assert_eq!((r.code, r.stderr.as_str()), (1, ""));
    let col = pad.chars().count() + 1;
    let out = lines(&r.stdout);
    assert_eq!(out.len(), 2, "{}", r.stdout);
    // At the level argument.
    let c_col = col + "return RpcBindingSetAuthInfoExW(h, NULL, ".len();
    let rs_col = col + "RpcBindingSetAuthInfoExW(h, null(), ".len();
    assert!(out[0].starts_with(&format!("long.c:3:{c_col}: error[missing-integrity]")), "{}", out[0]);
    assert!(out[1].starts_with(&format!("long.rs:2:{rs_col}: error[missing-integrity]")), "{}", out[1]);
}

#[test]
fn crlf_line_endings_give_the_same_positions_in_every_format() {
    let c = format!("// é\n{GOOD_C}");
    let rs = format!("// é\n{GOOD_RS_FN}");
    let tree = Tree::new(&[
        ("lf/good.c", c.as_bytes()),
        ("lf/good.rs", rs.as_bytes()),
        ("crlf/good.c", c.replace('\n', "\r\n").as_bytes()),
        ("crlf/good.rs", rs.replace('\n', "\r\n").as_bytes()),
    ]);
    for format in ["short", "human", "json", "sarif"] {
        let run = |dir: &str| {
            let r = rpclint(&tree.path(dir), &[".", "--format", format, "--color", "never"]);
            assert_eq!((r.code, r.stderr.as_str()), (1, ""), "{dir} {format}");
            r.stdout
        };
        let (lf, crlf) = (run("lf"), run("crlf"));
        match format {
            "json" => {
                let pos = |s: &str| -> Vec<serde_json::Value> {
                    let v: serde_json::Value = serde_json::from_str(s).unwrap();
                    v["diagnostics"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|d| {
                            let span = &d["span"];
                            serde_json::json!([
                                span["start"]["line"],
                                span["start"]["column"],
                                span["end"]["line"],
                                span["end"]["column"]
                            ])
                        })
                        .collect()
                };
                assert_eq!(pos(&lf), pos(&crlf));
                assert_eq!(pos(&lf)[0], serde_json::json!([4, 12, 4, 111]));
            }
            "sarif" => {
                let regions = |s: &str| -> Vec<serde_json::Value> {
                    let v: serde_json::Value = serde_json::from_str(s).unwrap();
                    let results = v["runs"][0]["results"].as_array().unwrap().clone();
                    results.iter().map(|r| r["locations"][0]["physicalLocation"]["region"].clone()).collect()
                };
                assert_eq!(regions(&lf), regions(&crlf));
                // SARIF's location is the level argument; JSON's `span` the call.
                assert_eq!(regions(&lf)[0]["startLine"], 4);
                assert_eq!(regions(&lf)[0]["startColumn"], 46);
                assert_eq!(regions(&lf)[0]["endColumn"], 71);
            }
            _ => {
                assert_eq!(lf, crlf, "{format}");
                assert!(!crlf.contains('\r'), "{format}: {crlf:?}");
            }
        }
        if format == "short" {
            assert!(crlf.starts_with("good.c:4:46: error[missing-integrity]"), "{crlf}");
        }
    }
}

#[test]
fn parse_over_the_time_limit_is_reported() {
    // About 2 MB of C: parsing it takes far longer than a millisecond.
    let body = "    x = RpcBindingSetAuthInfoW(h, NULL, a + b * c, d, NULL, 0);\n".repeat(30_000);
    let slow = format!("void f(void)\n{{\n{body}}}\n");
    let tree = Tree::new(&[("slow.c", slow.as_bytes()), ("good.rs", GOOD_RS_FN.as_bytes())]);
    let r = rpclint(tree.root(), &[".", "--file-timeout", "0.001"]);
    assert_eq!((r.code, r.stderr.as_str()), (1, ""));
    let out = lines(&r.stdout);
    assert!(out[0].starts_with("good.rs:2:41: error[missing-integrity]"), "{}", r.stdout);
    assert_eq!(
        out[1],
        "slow.c:1:1: note[parse-error]: file not analysed: parsing took longer than the 0.001 s limit (raise it with --file-timeout)"
    );
    assert_eq!(out.len(), 2);

    // A header read only for a constant the checked file uses, which a
    // large declaration defines: its parse runs out of time too, and the
    // missing constant is not silent.
    let header = format!(
        "enum levels {{ LEVEL = 2, {} }};
",
        "E, ".repeat(300_000)
    );
    let uses = GOOD_C.replace("RPC_C_AUTHN_LEVEL_CONNECT", "LEVEL");
    let tree = Tree::new(&[("defs.h", header.as_bytes()), ("uses.c", uses.as_bytes())]);
    let r = rpclint(tree.root(), &[".", "--file-timeout", "0.05"]);
    assert_eq!((r.code, r.stderr.as_str()), (0, ""));
    assert_eq!(
        lines(&r.stdout),
        [
            "defs.h:1:1: note[parse-error]: constants not read: parsing took longer than the 0.05 s limit (raise it with --file-timeout)"
        ]
    );

    // A table that only names the constant is not parsed for it: the
    // `#define` is read, and the finding stands.
    let header = format!("#define LEVEL 2\nint table[] = {{ LEVEL, {} }};\n", "1, ".repeat(300_000));
    let tree = Tree::new(&[("defs.h", header.as_bytes()), ("uses.c", uses.as_bytes())]);
    let r = rpclint(tree.root(), &[".", "--file-timeout", "0.05"]);
    let out = lines(&r.stdout);
    assert_eq!((r.code, out.len()), (1, 1), "{}", r.stdout);
    assert!(out[0].starts_with("uses.c:") && out[0].contains("error[missing-integrity]"), "{}", r.stdout);
}

// ------------------------------------------------------------ no loss

/// The real engine with a fault injected: a file holding `PANIC_HERE`
/// panics in the frontend, one holding `PANIC_LATER` in the analysis.
fn engine_with_faults(
    files: &[rpclint::engine::Input],
    context: &[rpclint::engine::Input],
    settings: &Settings,
) -> Report {
    rpclint::engine::check_with_context(files, context, &with_faults(settings))
}

/// [`engine_with_faults`] for the check that reads while the walk goes on.
fn walked_with_faults(
    walk: &mut rpclint::engine::Walk<'_>,
    settings: &Settings,
) -> (Vec<rpclint::engine::Input>, Report) {
    rpclint::engine::check_walked(walk, &with_faults(settings))
}

fn with_faults(settings: &Settings) -> Settings {
    Settings {
        test_hooks: TestHooks {
            panic_while_parsing: Some("PANIC_HERE".into()),
            panic_while_analysing: Some("PANIC_LATER".into()),
        },
        ..settings.clone()
    }
}

#[test]
fn panic_in_one_file_loses_no_other_findings() {
    let tree = Tree::new(&[
        ("a.c", GOOD_C.as_bytes()),
        ("b.c", format!("/* PANIC_HERE */\n{GOOD_C}").as_bytes()),
        ("c.rs", format!("// PANIC_LATER\n{GOOD_RS_FN}").as_bytes()),
        ("d.rs", GOOD_RS_FN.as_bytes()),
    ]);
    let env = Env { engine: engine_with_faults, walked: None, current_dir: None, ..Env::from_process() };
    let root = tree.root().to_str().unwrap();
    let check = |env: &Env<'_>| {
        let mut stdout = Vec::new();
        let mut stderr = Vec::new();
        let code = cli::run(["rpclint", "--format", "short", "--select=all", root], env, &mut stdout, &mut stderr);
        (code, stdout, stderr)
    };
    let (code, stdout, stderr) = check(&env);
    // Phase 1 while the walk goes on loses no more.
    let walked = Env { walked: Some(walked_with_faults), ..env.clone() };
    assert_eq!(check(&walked), (code, stdout.clone(), stderr.clone()));
    let stdout = String::from_utf8(stdout).unwrap();
    let stderr = String::from_utf8(stderr).unwrap();
    // Errors win the exit code (as in ripgrep); the findings are all there.
    assert_eq!(code, 2);
    let out = lines(&stdout);
    assert_eq!(out.len(), 2, "{stdout}");
    assert!(out[0].starts_with(&format!("{root}/a.c:3:46: error[missing-integrity]")), "{stdout}");
    assert!(out[1].starts_with(&format!("{root}/d.rs:2:41: error[missing-integrity]")), "{stdout}");
    assert_eq!(
        stderr,
        format!(
            "rpclint: error: {root}/b.c: internal error while parsing: test hook: panic while parsing\n\
             rpclint: error: {root}/c.rs: internal error while analysing: test hook: panic while analysing\n"
        )
    );
}

// ------------------------------------------------------------ determinism

#[test]
fn output_is_byte_identical_across_runs_and_thread_counts_in_every_format() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    for format in ["short", "human", "json", "sarif"] {
        let run = |jobs: Option<&str>| {
            let mut args = vec![".", "--format", format, "--color", "never"];
            if let Some(j) = jobs {
                args.extend(["--jobs", j]);
            }
            let r = rpclint(&fixtures, &args);
            assert_eq!((r.code, r.stderr.as_str()), (1, ""), "{format}");
            r.stdout
        };
        let first = run(None);
        assert!(first.contains("parse-error") && first.contains("missing-integrity"), "{format}: {first}");
        assert_eq!(first, run(None), "{format}: two runs differ");
        assert_eq!(first, run(Some("1")), "{format}: --jobs 1 differs");
        assert_eq!(first, run(Some("2")), "{format}: --jobs 2 differs");
    }
}

/// A plain check reads each file while the walk goes on
/// (`engine/walked.rs`): it reports exactly what the check of the listed
/// files reports, at one thread and at more.
#[test]
fn the_walked_check_reports_what_the_check_of_the_listed_files_does() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let check = |env: &Env<'_>, jobs: &str| {
        let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
        let args = ["rpclint", "--select=all", "--format", "json", "--jobs", jobs, fixtures.to_str().unwrap()];
        let code = cli::run(args, env, &mut stdout, &mut stderr);
        (code, String::from_utf8(stdout).unwrap(), String::from_utf8(stderr).unwrap())
    };
    let walked = Env::from_process();
    let listed = Env { walked: None, ..walked.clone() };
    assert!(walked.walked.is_some());
    for jobs in ["1", "3"] {
        let (code, stdout, stderr) = check(&walked, jobs);
        assert_eq!((code, stderr.as_str()), (1, ""), "--jobs {jobs}");
        assert!(stdout.contains("missing-integrity") && stdout.contains("parse-error"), "{stdout}");
        assert_eq!((code, stdout, stderr), check(&listed, jobs), "--jobs {jobs}");
    }
}

#[test]
fn analysis_over_the_time_limit_is_reported() {
    // Rust (its parser cannot be stopped) with many functions to analyse:
    // at a millisecond, the analysis stops before the last of them.
    let many: String = (0..3000)
        .map(|i| {
            format!("unsafe fn f{i}(h: *mut c_void) -> i32 {{ RpcBindingSetAuthInfoW(h, null(), x, y, null(), 0) }}\n")
        })
        .collect();
    let tree = Tree::new(&[("many.rs", many.as_bytes()), ("good.c", GOOD_C.as_bytes())]);
    let r = rpclint(tree.root(), &[".", "--file-timeout", "0.001"]);
    assert_eq!(r.stderr, "");
    let out = lines(&r.stdout);
    assert_eq!(out.len(), 2, "{}", r.stdout);
    // good.c is tiny, but a millisecond is a wall-clock limit: on a loaded
    // machine its own parse may be descheduled past it. Either way it is not
    // lost silently: its finding, or its own time-limit note.
    if out[0] == GOOD_C_FINDING {
        assert_eq!(r.code, 1);
    } else {
        assert!(
            out[0].starts_with("good.c:") && out[0].contains("note[parse-error]") && out[0].contains("--file-timeout"),
            "{}",
            out[0]
        );
    }
    assert!(out[1].starts_with("many.rs:"), "{}", out[1]);
    assert!(
        out[1].contains(": note[parse-error]: analysis stopped at the time limit (--file-timeout): `f")
            && out[1].ends_with("later functions not checked"),
        "{}",
        out[1]
    );
}

// ------------------------------------------------------------ property test

mod mutated_fixtures {
    use std::path::{Path, PathBuf};

    use proptest::prelude::*;
    use rpclint::emit::{self, EmitOptions, Format};
    use rpclint::engine::{Input, Settings, check_inputs};

    /// Every fixture, with its bytes.
    fn fixtures() -> Vec<(PathBuf, Vec<u8>)> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
        let mut out = Vec::new();
        for dir in std::fs::read_dir(&root).unwrap() {
            for file in std::fs::read_dir(dir.unwrap().path()).unwrap() {
                let path = file.unwrap().path();
                if rpclint::frontend::Lang::from_path(&path).is_some() {
                    out.push((path.clone(), std::fs::read(&path).unwrap()));
                }
            }
        }
        out.sort();
        out
    }

    /// What breaks parsers: brackets, quotes, comment and string openers,
    /// preprocessor lines, line ends, NUL, a BOM, invalid UTF-8.
    const TOKENS: &[&[u8]] = &[
        b"(",
        b")",
        b"{",
        b"}",
        b"[",
        b"]",
        b"<",
        b">",
        b"\"",
        b"'",
        b"/*",
        b"*/",
        b"//",
        b"r#\"",
        b"R\"(",
        b"\\",
        b"#if 0\n",
        b"#endif\n",
        b"#define X(",
        b"\n",
        b"\r\n",
        b"\r",
        b"\0",
        b"\xEF\xBB\xBF",
        b"\xFF",
        b"\xC3",
        b";",
        b",",
        b"=",
        b"?",
        b"&",
        b"*",
        b"->",
        b"::",
        b"fn ",
        b"let ",
        b"if ",
        b"else ",
    ];

    #[derive(Clone, Debug)]
    enum Mutation {
        Flip { at: usize, bit: u8 },
        Truncate { at: usize },
        Insert { at: usize, token: usize },
        Remove { at: usize, len: usize },
    }

    fn mutation() -> impl Strategy<Value = Mutation> {
        prop_oneof![
            (any::<usize>(), 0u8..8).prop_map(|(at, bit)| Mutation::Flip { at, bit }),
            any::<usize>().prop_map(|at| Mutation::Truncate { at }),
            (any::<usize>(), 0..TOKENS.len()).prop_map(|(at, token)| Mutation::Insert { at, token }),
            (any::<usize>(), 1usize..64).prop_map(|(at, len)| Mutation::Remove { at, len }),
        ]
    }

    fn apply(bytes: &mut Vec<u8>, m: &Mutation) {
        let at = |i: usize, len: usize| if len == 0 { 0 } else { i % (len + 1) };
        match *m {
            Mutation::Flip { at: i, bit } if !bytes.is_empty() => {
                let i = i % bytes.len();
                bytes[i] ^= 1 << bit;
            }
            Mutation::Flip { .. } => {}
            Mutation::Truncate { at: i } => bytes.truncate(at(i, bytes.len())),
            Mutation::Insert { at: i, token } => {
                let i = at(i, bytes.len());
                bytes.splice(i..i, TOKENS[token].iter().copied());
            }
            Mutation::Remove { at: i, len } => {
                let i = at(i, bytes.len());
                let end = (i + len).min(bytes.len());
                bytes.drain(i..end);
            }
        }
    }

    /// Checks one file and renders the report in every format.
    fn render(path: &Path, bytes: &[u8]) -> (Vec<String>, Vec<u8>) {
        let input = Input { path: path.to_path_buf(), bytes: Some(bytes.to_vec()) };
        let report = check_inputs(&[input], &Settings { jobs: Some(1), ..Settings::default() });
        let errors = report.errors.iter().map(|e| format!("{}: {}", e.path, e.message)).collect();
        let mut out = Vec::new();
        for format in [Format::Human, Format::Short, Format::Json, Format::Sarif] {
            emit::write(format, &report, &mut out, &EmitOptions { src_root: None, ..EmitOptions::default() }).unwrap();
        }
        (errors, out)
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

        /// No panic (an internal error would show as a file error), and the
        /// same output for the same input.
        #[test]
        fn mutated_fixtures_never_crash_and_give_stable_output(
            pick in any::<prop::sample::Index>(),
            mutations in prop::collection::vec(mutation(), 1..8),
        ) {
            let all = fixtures();
            let (path, original) = &all[pick.index(all.len())];
            let mut bytes = original.clone();
            for m in &mutations {
                apply(&mut bytes, m);
            }
            let (errors, first) = render(path, &bytes);
            prop_assert!(errors.is_empty(), "internal errors: {:?}", errors);
            let (_, second) = render(path, &bytes);
            prop_assert!(first == second, "two runs on the same input differ");
        }
    }
}

#[test]
fn long_operator_chain_in_a_define_does_not_overflow() {
    // Found by hand: `#define` values are parsed in a loop, and a 200,000-long
    // chain became an expression the analysis recursed through until the
    // stack overflowed (the process aborted, losing every finding).
    let chain = format!(
        "#define LEVEL (1{})\n{}",
        " | 1".repeat(200_000),
        GOOD_C.replace("RPC_C_AUTHN_LEVEL_CONNECT", "LEVEL")
    );
    let tree = Tree::new(&[("chain.c", chain.as_bytes()), ("good.c", GOOD_C.as_bytes())]);
    let r = rpclint(tree.root(), &["."]);
    assert_eq!((r.code, r.stderr.as_str()), (1, ""));
    assert_eq!(
        lines(&r.stdout),
        ["chain.c:1:15: note[parse-error]: nesting too deep: this region was not analysed", GOOD_C_FINDING]
    );
}

#[test]
fn function_too_complex_to_analyse_is_reported() {
    // Generated code: one function with 25,000 branches is more than the
    // data-flow analysis's visit budget.
    let branches: String = (0..25_000).map(|i| format!("    if (a == {i}) x = {i};\n")).collect();
    let big = format!(
        "void big(RPC_BINDING_HANDLE h, int a)\n{{\n    int x = 0;\n{branches}    RpcBindingSetAuthInfoW(h, NULL, x, 9, NULL, 0);\n}}\n"
    );
    let tree = Tree::new(&[("big.c", big.as_bytes()), ("good.c", GOOD_C.as_bytes())]);
    let r = rpclint(tree.root(), &["."]);
    assert_eq!((r.code, r.stderr.as_str()), (1, ""));
    assert_eq!(
        lines(&r.stdout),
        [
            "big.c:1:1: note[parse-error]: analysis gave up on `big`: its control flow is too complex, so its calls were not checked",
            GOOD_C_FINDING
        ]
    );
}

#[test]
fn broken_configuration_names_file_line_and_stops() {
    for (toml, expected) in [
        ("exclued = []\n", "rpclint: error: rpclint.toml:1:1: unknown key \"exclued\"; did you mean \"exclude\"?"),
        ("impersonation-ceiling = 3\n", "rpclint: error: rpclint.toml:1:25: "),
        ("[rules\n", "rpclint: error: rpclint.toml:1:7: "),
        ("\u{0}\u{1}binary", "rpclint: error: rpclint.toml:1:"),
    ] {
        let tree = Tree::new(&[("rpclint.toml", toml.as_bytes()), ("good.c", GOOD_C.as_bytes())]);
        let r = rpclint(tree.root(), &["."]);
        assert_eq!(r.code, 2, "{toml:?}: {}", r.stderr);
        assert_eq!(r.stdout, "", "{toml:?}");
        assert!(r.stderr.starts_with(expected), "{toml:?}: {}", r.stderr);
        assert_eq!(r.stderr.lines().count(), 1, "{toml:?}: {}", r.stderr);
    }
}
