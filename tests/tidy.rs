//! Tidy: the code map and the code agree (as rust-analyzer's `tidy.rs`).
//!
//! Reads every file under `src/` and the layer table of `ARCHITECTURE.md`,
//! and fails on an import that points up (or sideways) against the table, a
//! source file without a `//!` module comment, and a non-test source file
//! over 600 lines. The check is a function over in-memory files, so the
//! tests below show that it would fail on each of those.

use std::collections::BTreeMap;
use std::path::Path;

/// The longest a non-test source file may be.
const MAX_LINES: usize = 600;

/// Top-level module name -> layer, from the rows between the markers.
fn layer_table(architecture: &str) -> Result<BTreeMap<String, u32>, String> {
    let begin = architecture.find("<!-- layers: begin -->").ok_or("no `<!-- layers: begin -->` marker")?;
    let end = architecture.find("<!-- layers: end -->").ok_or("no `<!-- layers: end -->` marker")?;
    let mut table = BTreeMap::new();
    for line in architecture.get(begin..end).unwrap_or("").lines() {
        let cells: Vec<&str> = line.trim().trim_matches('|').split('|').map(str::trim).collect();
        let [layer, modules] = cells.as_slice() else { continue };
        let Ok(layer) = layer.parse::<u32>() else { continue };
        for module in modules.split(',') {
            let module = module.trim().trim_matches('`');
            if !module.is_empty() && table.insert(module.to_string(), layer).is_some() {
                return Err(format!("`{module}` is listed twice in the layer table"));
            }
        }
    }
    if table.is_empty() {
        return Err("the layer table is empty".into());
    }
    Ok(table)
}

/// `path` relative to `src/`, with `/`: its module path (`engine/mod.rs` is
/// `[engine]`, `engine/phase1.rs` is `[engine, phase1]`, `lib.rs` is `[]`).
fn module_path(path: &str) -> Vec<String> {
    let mut parts: Vec<String> = path.trim_end_matches(".rs").split('/').map(str::to_string).collect();
    if parts.last().is_some_and(|p| p == "mod" || p == "lib") {
        parts.pop();
    }
    parts
}

/// The text with comments, string and char literals replaced by spaces.
fn code_only(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let blank = |out: &mut String, s: &[u8]| out.extend(s.iter().map(|&c| if c == b'\n' { '\n' } else { ' ' }));
    while i < b.len() {
        let rest = &b[i..];
        let start = i;
        if rest.starts_with(b"//") {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if rest.starts_with(b"/*") {
            let mut depth = 0;
            while i < b.len() {
                if b[i..].starts_with(b"/*") {
                    depth += 1;
                    i += 2;
                } else if b[i..].starts_with(b"*/") {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else if let Some(hashes) = raw_string_start(rest) {
            // r"..", r#".."#, br#".."#
            let close: Vec<u8> = std::iter::once(b'"').chain(std::iter::repeat_n(b'#', hashes)).collect();
            i += rest.iter().position(|&c| c == b'"').unwrap_or(0) + 1;
            while i < b.len() && !b[i..].starts_with(&close) {
                i += 1;
            }
            i = (i + close.len()).min(b.len());
        } else if b[i] == b'"' {
            i += 1;
            while i < b.len() && b[i] != b'"' {
                i += if b[i] == b'\\' { 2 } else { 1 };
            }
            i = (i + 1).min(b.len());
        } else if b[i] == b'\'' && is_char_literal(rest) {
            i += 1;
            while i < b.len() && b[i] != b'\'' {
                i += if b[i] == b'\\' { 2 } else { 1 };
            }
            i = (i + 1).min(b.len());
        } else {
            let c = text[i..].chars().next().unwrap_or(' ');
            out.push(c);
            i += c.len_utf8();
            continue;
        }
        blank(&mut out, &b[start..i.min(b.len())]);
    }
    out
}

/// The number of `#` of a raw string starting here, if one does.
fn raw_string_start(s: &[u8]) -> Option<usize> {
    let s = s.strip_prefix(b"b").unwrap_or(s);
    let s = s.strip_prefix(b"r")?;
    let hashes = s.iter().take_while(|&&c| c == b'#').count();
    (s.get(hashes) == Some(&b'"')).then_some(hashes)
}

/// `'a'`, `'\n'`, `'\''` are char literals; `'a` in `&'a str` is a lifetime.
fn is_char_literal(s: &[u8]) -> bool {
    match s.get(1) {
        Some(b'\\') => true,
        Some(_) => {
            let len = std::str::from_utf8(&s[1..]).ok().or_else(|| std::str::from_utf8(&s[1..s.len().min(5)]).ok());
            let width = len.and_then(|t| t.chars().next()).map_or(1, char::len_utf8);
            s.get(1 + width) == Some(&b'\'')
        }
        None => false,
    }
}

/// Test code in a file's code (comments and strings blanked): the byte
/// ranges of the items under `#[cfg(test)]` (to the first `;` or the end of
/// the first `{ }` block), and the names of the modules declared there as
/// `mod name;` (whose files are test code too).
fn test_items(code: &str) -> (Vec<(usize, usize)>, Vec<String>) {
    const CFG_TEST: &str = "#[cfg(test)]";
    let b = code.as_bytes();
    let (mut ranges, mut modules) = (Vec::new(), Vec::new());
    let mut from = 0;
    while let Some(found) = code.get(from..).and_then(|rest| rest.find(CFG_TEST)) {
        let start = from + found;
        let mut i = start + CFG_TEST.len();
        let mut depth = 0usize;
        while i < b.len() {
            match b[i] {
                b';' if depth == 0 => break,
                b'{' => depth += 1,
                b'}' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        break;
                    }
                }
                _ => {}
            }
            i += 1;
        }
        let end = (i + 1).min(b.len());
        let item = &code[start + CFG_TEST.len()..end];
        let words: Vec<&str> =
            item.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).filter(|w| !w.is_empty()).collect();
        if item.ends_with(';') {
            if let Some(at) = words.iter().position(|w| *w == "mod") {
                modules.extend(words.get(at + 1).map(|name| (*name).to_string()));
            }
        }
        ranges.push((start, end));
        from = end;
    }
    (ranges, modules)
}

/// The top-level modules a file's non-test code names: `crate::x`,
/// `rpclint::x`, and `super::` chains that reach the crate root. Test code
/// may use any layer: a test runs the pipeline.
fn imported_modules(path: &str, text: &str) -> Vec<(usize, String)> {
    let code = code_only(text);
    let (tests, _) = test_items(&code);
    let depth = module_path(path).len();
    let mut found = Vec::new();
    let mut offset = 0;
    for (n, line) in code.lines().enumerate() {
        let line_start = offset;
        offset += line.len() + 1;
        let in_test = |at: usize| tests.iter().any(|&(s, e)| (s..e).contains(&(line_start + at)));
        let bytes = line.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            let boundary =
                i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_' || bytes[i - 1] == b':');
            let rest = &line[i..];
            let target = if !boundary {
                None
            } else if let Some(r) = rest.strip_prefix("crate::").or_else(|| rest.strip_prefix("rpclint::")) {
                Some(r)
            } else if rest.starts_with("super::") {
                let mut r = rest;
                let mut ups = 0;
                while let Some(next) = r.strip_prefix("super::") {
                    r = next;
                    ups += 1;
                }
                (ups >= depth).then_some(r)
            } else {
                None
            };
            if let Some(r) = target.filter(|_| !in_test(i)) {
                let name: String = r.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
                if !name.is_empty() {
                    found.push((n + 1, name));
                }
            }
            i += rest.chars().next().map_or(1, char::len_utf8);
        }
    }
    found
}

/// The module paths of test-only modules declared as `#[cfg(test)] mod x;`.
fn test_modules(files: &[(String, String)]) -> Vec<Vec<String>> {
    let mut found = Vec::new();
    for (path, text) in files {
        let (_, names) = test_items(&code_only(text));
        for name in names {
            let mut module = module_path(path);
            module.push(name);
            found.push(module);
        }
    }
    found
}

/// Every violation in `files` (path relative to `src/`, text), sorted.
fn check(files: &[(String, String)], layers: &BTreeMap<String, u32>) -> Vec<String> {
    let mut problems = Vec::new();
    let test_modules = test_modules(files);
    for (path, text) in files {
        if !text.trim_start_matches('\u{feff}').starts_with("//!") {
            problems.push(format!("src/{path}: no `//!` module comment on its first line"));
        }
        let own = module_path(path);
        if test_modules.iter().any(|m| own.starts_with(m)) {
            continue; // a test may be long and may use any layer
        }
        let lines = text.lines().count();
        if lines > MAX_LINES {
            problems.push(format!("src/{path}: {lines} lines, over {MAX_LINES}: split it into named parts"));
        }
        let Some(top) = own.first() else { continue }; // lib.rs declares the modules
        let Some(&layer) = layers.get(top) else {
            problems.push(format!("src/{path}: module `{top}` is not in ARCHITECTURE.md's layer table"));
            continue;
        };
        for (line, module) in imported_modules(path, text) {
            if module == *top || !layers.contains_key(&module) && !is_module_file(files, &module) {
                continue; // itself, or not a module (`crate::Foo` re-exported at the root)
            }
            match layers.get(&module) {
                Some(&l) if l < layer => {}
                Some(&l) => problems.push(format!(
                    "src/{path}:{line}: `{top}` (layer {layer}) imports `{module}` (layer {l}): layers import only downwards"
                )),
                None => problems.push(format!("src/{path}:{line}: `{module}` is not in ARCHITECTURE.md's layer table")),
            }
        }
    }
    problems.sort();
    problems.dedup();
    problems
}

fn is_module_file(files: &[(String, String)], module: &str) -> bool {
    files.iter().any(|(p, _)| p == &format!("{module}.rs") || p == &format!("{module}/mod.rs"))
}

fn read_tree(dir: &Path, base: &Path, out: &mut Vec<(String, String)>) {
    let mut entries: Vec<_> =
        std::fs::read_dir(dir).expect("src/ is readable").map(|e| e.expect("a directory entry").path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            read_tree(&p, base, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            let rel = p.strip_prefix(base).expect("under src/").to_string_lossy().replace('\\', "/");
            out.push((rel, std::fs::read_to_string(&p).expect("a readable source file")));
        }
    }
}

#[test]
fn source_tree_follows_the_code_map() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let architecture = std::fs::read_to_string(root.join("ARCHITECTURE.md")).unwrap();
    let layers = layer_table(&architecture).unwrap();
    let mut files = Vec::new();
    read_tree(&root.join("src"), &root.join("src"), &mut files);
    assert!(files.len() > 50, "read only {} files", files.len());
    let problems = check(&files, &layers);
    assert!(problems.is_empty(), "tidy:\n{}", problems.join("\n"));
    // Every top-level module is in the table, and the table names no module that is gone.
    for module in layers.keys() {
        assert!(is_module_file(&files, module), "ARCHITECTURE.md's layer table names `{module}`, which is not in src/");
    }
}

#[cfg(test)]
mod the_check_itself {
    use super::*;

    fn layers() -> BTreeMap<String, u32> {
        layer_table(
            "<!-- layers: begin -->\n| layer | modules |\n|---|---|\n| 2 | `engine` |\n| 1 | `rules`, `resolve` |\n| 0 | `ir` |\n<!-- layers: end -->",
        )
        .unwrap()
    }

    fn files(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(p, t)| ((*p).to_string(), (*t).to_string())).collect()
    }

    #[test]
    fn a_tidy_tree_passes() {
        let tree = files(&[
            ("lib.rs", "//! Crate.\npub mod engine;\n"),
            ("ir.rs", "//! IR.\npub struct Span;\n"),
            ("rules/mod.rs", "//! Rules.\nuse crate::ir::Span;\nmod one;\n"),
            ("rules/one.rs", "//! One rule.\nuse super::Rule;\nuse crate::ir;\n"),
            ("engine/mod.rs", "//! Engine.\nuse crate::rules;\nuse crate::resolve;\n"),
            ("resolve/mod.rs", "//! Resolve.\nuse crate::ir::Span;\n"),
        ]);
        assert_eq!(check(&tree, &layers()), Vec::<String>::new());
    }

    #[test]
    fn an_upward_import_fails() {
        let tree = files(&[("ir.rs", "//! IR.\nuse crate::engine::Settings;\n"), ("engine/mod.rs", "//! E.\n")]);
        assert_eq!(
            check(&tree, &layers()),
            ["src/ir.rs:2: `ir` (layer 0) imports `engine` (layer 2): layers import only downwards"]
        );
        // Through `super::` chains that reach the crate root, and through `rpclint::` (the binary's crate).
        let tree = files(&[("rules/mod.rs", "//! R.\nfn f() { super::engine::run(); }\n")]);
        assert_eq!(check(&tree, &layers()).len(), 1, "{:?}", check(&tree, &layers()));
        let tree = files(&[("rules/one.rs", "//! R.\nfn f() { super::super::engine::run(); }\n")]);
        assert_eq!(check(&tree, &layers()).len(), 1, "{:?}", check(&tree, &layers()));
        let tree = files(&[("rules/one.rs", "//! R.\nfn f() { super::Rule::new(); }\n")]);
        assert_eq!(check(&tree, &layers()), Vec::<String>::new());
        let tree = files(&[("ir.rs", "//! IR.\nuse rpclint::engine;\n")]);
        assert_eq!(check(&tree, &layers()).len(), 1, "{:?}", check(&tree, &layers()));
    }

    #[test]
    fn a_sideways_import_fails() {
        let tree = files(&[("rules/mod.rs", "//! R.\nuse crate::resolve::Value;\n")]);
        assert_eq!(
            check(&tree, &layers()),
            ["src/rules/mod.rs:2: `rules` (layer 1) imports `resolve` (layer 1): layers import only downwards"]
        );
    }

    #[test]
    fn imports_in_comments_and_strings_do_not_count() {
        let text = "//! IR, used by [`crate::engine`].\n// crate::engine\n/* crate::engine */\nconst S: &str = \"crate::engine\";\nconst R: &str = r#\"crate::engine\"#;\nfn f<'a>(x: &'a str) -> char { 'c' }\n";
        assert_eq!(check(&files(&[("ir.rs", text)]), &layers()), Vec::<String>::new());
    }

    #[test]
    fn a_missing_module_comment_fails() {
        let tree = files(&[("ir.rs", "/// Not a module comment.\npub struct Span;\n")]);
        assert_eq!(check(&tree, &layers()), ["src/ir.rs: no `//!` module comment on its first line"]);
    }

    #[test]
    fn a_601_line_file_fails_and_600_lines_pass() {
        let body = |n: usize| format!("//! IR.\n{}", "\n".repeat(n - 1));
        assert_eq!(body(601).lines().count(), 601);
        assert_eq!(check(&files(&[("ir.rs", &body(600))]), &layers()), Vec::<String>::new());
        assert_eq!(
            check(&files(&[("ir.rs", &body(601))]), &layers()),
            ["src/ir.rs: 601 lines, over 600: split it into named parts"]
        );
        // A test module's file may be longer; the same file not declared under `#[cfg(test)]` may not.
        let tests = body(601);
        let declared = files(&[("rules/mod.rs", "//! R.\n#[cfg(test)]\nmod tests;\n"), ("rules/tests.rs", &tests)]);
        assert_eq!(check(&declared, &layers()), Vec::<String>::new());
        let undeclared = files(&[("rules/mod.rs", "//! R.\nmod tests;\n"), ("rules/tests.rs", &tests)]);
        assert_eq!(
            check(&undeclared, &layers()),
            ["src/rules/tests.rs: 601 lines, over 600: split it into named parts"]
        );
    }

    #[test]
    fn test_code_may_import_any_layer_and_the_code_after_it_may_not() {
        let inline = "//! IR.\n#[cfg(test)]\nmod tests {\n    use crate::engine::run;\n    fn f() { if true { crate::rules::g(); } }\n}\n";
        assert_eq!(check(&files(&[("ir.rs", inline)]), &layers()), Vec::<String>::new());
        let after = format!("{inline}#[cfg(test)]\nuse crate::engine::Settings;\nuse crate::rules::Rule;\n");
        assert_eq!(
            check(&files(&[("ir.rs", &after)]), &layers()),
            ["src/ir.rs:9: `ir` (layer 0) imports `rules` (layer 1): layers import only downwards"]
        );
        // A module declared `#[cfg(test)] mod agreement;` is test code, down to its children.
        let upward = "//! Agreement.\nuse crate::engine::run;\n";
        let tree =
            |decl: &str| files(&[("ir/mod.rs", decl), ("ir/agreement.rs", upward), ("ir/agreement/more.rs", upward)]);
        assert_eq!(check(&tree("//! IR.\n#[cfg(test)]\nmod agreement;\n"), &layers()), Vec::<String>::new());
        assert_eq!(check(&tree("//! IR.\nmod agreement;\n"), &layers()).len(), 2);
    }

    #[test]
    fn a_module_missing_from_the_table_fails() {
        let tree = files(&[("emit/mod.rs", "//! Emit.\n")]);
        assert_eq!(check(&tree, &layers()), ["src/emit/mod.rs: module `emit` is not in ARCHITECTURE.md's layer table"]);
    }
}
