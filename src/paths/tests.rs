//! The Windows path table: every case the path layer handles, run on any OS.

use super::text::{Style, artifact_uri, directory_uri, extension, fingerprint_path, glob, relative_to, shown, slash};

#[test]
fn shown_paths_keep_the_users_separators() {
    // (written, Windows, Unix)
    let rows = [
        ("src\\client.c", "src\\client.c", "src\\client.c"),
        ("src/client.c", "src/client.c", "src/client.c"),
        // The walker joined `src/` (typed) with `sub\a.c`: the user's `/` wins.
        ("src/sub\\a.c", "src/sub/a.c", "src/sub\\a.c"),
        ("src\\sub/a.c", "src\\sub\\a.c", "src\\sub/a.c"),
        (".\\src\\a.c", "src\\a.c", ".\\src\\a.c"),
        ("./src/a.c", "src/a.c", "src/a.c"),
        ("C:\\src\\client.c", "C:\\src\\client.c", "C:\\src\\client.c"),
        ("C:/src\\x.c", "C:/src/x.c", "C:/src\\x.c"),
        ("\\\\server\\share\\src/a.c", "\\\\server\\share\\src\\a.c", "\\\\server\\share\\src/a.c"),
        ("\\\\?\\C:\\src\\a.c", "\\\\?\\C:\\src\\a.c", "\\\\?\\C:\\src\\a.c"),
        ("a.c", "a.c", "a.c"),
    ];
    for (written, windows, unix) in rows {
        assert_eq!(shown(written, Style::Windows), windows, "Windows: {written}");
        assert_eq!(shown(written, Style::Unix), unix, "Unix: {written}");
    }
}

#[test]
fn sarif_artifact_locations() {
    // (path, %SRCROOT%, uri, relative to %SRCROOT%)
    let rows: [(&str, Option<&str>, &str, bool); 14] = [
        ("src\\client.c", None, "src/client.c", true),
        ("src/sub\\a b.c", None, "src/sub/a%20b.c", true),
        (".\\src\\a.c", None, "src/a.c", true),
        ("C:\\work\\proj\\src\\a.c", Some("C:\\work\\proj"), "src/a.c", true),
        // Drive letters and directory names differ in case only: still under the root.
        ("c:\\Work\\Proj\\src\\a.c", Some("C:\\work\\proj\\"), "src/a.c", true),
        ("C:/work/proj/src\\a.c", Some("C:\\work\\proj"), "src/a.c", true),
        ("C:\\other\\a.c", Some("C:\\work\\proj"), "file:///C:/other/a.c", false),
        ("D:\\work\\proj\\a.c", Some("C:\\work\\proj"), "file:///D:/work/proj/a.c", false),
        ("C:\\src\\é.c", None, "file:///C:/src/%C3%A9.c", false),
        ("\\\\server\\share\\src\\a.c", None, "file://server/share/src/a.c", false),
        ("\\\\server\\share\\proj\\a.c", Some("\\\\SERVER\\Share\\proj"), "a.c", true),
        ("\\\\?\\C:\\src\\a.c", None, "file:///C:/src/a.c", false),
        ("/work/proj/src/a.c", Some("/work/proj"), "src/a.c", true),
        // Unix names are case-sensitive, and `/work/projectile` is not under `/work/proj`.
        ("/work/projectile/a.c", Some("/work/proj"), "file:///work/projectile/a.c", false),
    ];
    for (path, root, uri, relative) in rows {
        assert_eq!(artifact_uri(path, root), (uri.to_string(), relative), "{path} under {root:?}");
    }
    assert!(!artifact_uri("/Work/proj/a.c", Some("/work/proj")).1);
    assert_eq!(artifact_uri("ab:c.c", None), ("ab%3Ac.c".to_string(), true));
    assert_eq!(directory_uri("C:\\work\\my proj"), "file:///C:/work/my%20proj/");
    assert_eq!(directory_uri("C:\\"), "file:///C:/");
    assert_eq!(directory_uri("\\\\server\\share\\proj"), "file://server/share/proj/");
    assert_eq!(directory_uri("/work/proj"), "file:///work/proj/");
}

#[test]
fn baseline_paths_are_the_same_for_one_tree_on_windows_and_linux() {
    let windows = fingerprint_path(
        "C:\\Users\\dev\\proj\\src\\rpc\\client.c",
        "C:\\Users\\dev\\proj\\src\\rpc\\client.c",
        Some("C:\\Users\\dev\\proj"),
    );
    let linux =
        fingerprint_path("/home/dev/proj/src/rpc/client.c", "/home/dev/proj/src/rpc/client.c", Some("/home/dev/proj"));
    assert_eq!(windows, "src/rpc/client.c");
    assert_eq!(windows, linux);
    // Relative paths as discovery gives them, and a Windows checkout walked with `/`.
    assert_eq!(fingerprint_path("src\\rpc\\client.c", "src\\rpc\\client.c", None), "src/rpc/client.c");
    assert_eq!(fingerprint_path("src/rpc\\client.c", "src/rpc\\client.c", None), linux);
    assert_eq!(
        fingerprint_path(
            "C:/Users/dev/proj/src/rpc/client.c",
            "C:/Users/dev/proj/src/rpc/client.c",
            Some("c:\\users\\dev\\proj")
        ),
        linux
    );
    // git on Windows names the repository root `C:/repo`; canonical paths are `\\?\C:\...`.
    for path in ["C:\\repo\\src\\a.c", "\\\\?\\C:\\repo\\src\\a.c", "c:/repo/src/a.c"] {
        assert_eq!(fingerprint_path(path, path, Some("C:/repo")), "src/a.c", "{path}");
    }
    // Outside the root: forward slashes, nothing else changed.
    assert_eq!(fingerprint_path("D:\\lib\\x.c", "D:\\lib\\x.c", Some("C:\\proj")), "D:/lib/x.c");
    assert_eq!(slash("./a\\b.c"), "a/b.c");
}

#[test]
fn relative_to_compares_components() {
    assert_eq!(relative_to("C:\\a\\b\\c.c", "C:\\a").as_deref(), Some("b/c.c"));
    assert_eq!(relative_to("C:\\ab\\c.c", "C:\\a"), None);
    assert_eq!(relative_to("b\\c.c", "C:\\a"), None);
    assert_eq!(relative_to("\\\\srv\\share\\x.c", "\\\\srv\\other"), None);
}

#[test]
fn extensions_are_case_insensitive() {
    for (name, ext) in [
        ("C:\\src\\RPC.C", Some("c")),
        ("src\\Client.Cpp", Some("cpp")),
        ("inc/Sec.H", Some("h")),
        ("lib.RS", Some("rs")),
        ("Makefile", None),
        ("dir.c\\file", None),
    ] {
        assert_eq!(extension(name).as_deref(), ext, "{name}");
    }
}

#[test]
fn globs_match_with_either_separator() {
    assert_eq!(glob("src\\vendor\\**"), "src/vendor/**");
    assert_eq!(glob("src/vendor/"), "src/vendor/");
    assert_eq!(glob("third_party\\*.c"), "third_party/*.c");
    // Escapes of glob characters stay escapes.
    assert_eq!(glob("gen\\*.c"), "gen/*.c");
    assert_eq!(glob("\\[gen]\\?.c"), "\\[gen]/?.c");
    assert_eq!(glob("a\\\\b"), "a\\\\b");
    assert_eq!(glob("vendor\\"), "vendor/");
}
