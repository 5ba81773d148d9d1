//! Test code: whether a file is a test, decided by its path in phase 1, and
//! whether a finding sits in a test, decided once after the rules.
//!
//! A finding is in test code when its file is under a test directory
//! (`test/`, `tests/`, `testing/`, `testsuite/`, `unittest/`, ...; any case),
//! is named like a test (`test_x.c`, `x_test.c`, `x_tests.rs`, `XTest.cpp`,
//! `tests.rs`), matches a configured `test-paths` glob, or lies in a region
//! the frontend marked (Rust `#[cfg(test)]` items and `#[test]` functions,
//! [`crate::ir::FileIr::test_regions`]). Paths are read from the project root
//! (the repository root; else the current directory if the first path is
//! under it; else that path, or a file's directory: `cli/check.rs`), so a
//! checkout under `/home/me/tests/` is not all test code; a file outside
//! the root is judged by its name alone.
//!
//! By default ([`TestCodeMode::Skip`]) a file that is test code by its path
//! is not analysed at all ([`TestCode::skips`]: phase 1 treats it as a file
//! that names no API, and counts it when it names one), and the findings in
//! test regions of other files are left out of the report and counted;
//! `--include-tests` or `test-code = "report"` analyses test files and
//! keeps every finding, marked.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use ignore::gitignore::Gitignore;

use crate::diagnostic::Diagnostic;
use crate::ir::Span;

/// What a run does with findings in test code.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TestCodeMode {
    /// Leave them out and count them (the default).
    #[default]
    Skip,
    /// Report them, marked as test code.
    Report,
}

impl TestCodeMode {
    pub fn parse(s: &str) -> Option<TestCodeMode> {
        match s {
            "skip" => Some(TestCodeMode::Skip),
            "report" => Some(TestCodeMode::Report),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            TestCodeMode::Skip => "skip",
            TestCodeMode::Report => "report",
        }
    }
}

/// Directory names that hold tests (compared without case).
const TEST_DIRS: &[&str] = &[
    "test",
    "tests",
    "testing",
    "testsuite",
    "testsuites",
    "test-suite",
    "test_suite",
    "unittest",
    "unittests",
    "unit_tests",
    "unit-tests",
    "testdata",
    "test_data",
    "__tests__",
];

/// How a run tells test code, and what it does with it.
#[derive(Clone, Debug, Default)]
pub struct TestCode {
    pub mode: TestCodeMode,
    /// The configuration's `test-paths` globs (gitignore-style, relative to
    /// its directory), on top of the built-in names.
    pub extra: Option<Arc<ExtraTestPaths>>,
}

/// Globs that name more test code, and the directory they start from.
#[derive(Debug)]
pub struct ExtraTestPaths {
    pub root: PathBuf,
    pub globs: Gitignore,
}

impl TestCode {
    /// Whether the file at `path` is left unanalysed: test code by its
    /// path, with test code left out. Its findings would all be left out,
    /// so phase 1 treats it as a file that names no API.
    pub fn skips(&self, path: &Path, project_root: Option<&Path>) -> bool {
        self.mode == TestCodeMode::Skip && self.is_test_file(path, project_root)
    }

    /// Whether the file at `path` is test code by its path. `project_root`
    /// is where directory names start to count.
    pub fn is_test_file(&self, path: &Path, project_root: Option<&Path>) -> bool {
        if let Some(extra) = &self.extra {
            if let Ok(rel) = crate::paths::absolute(path).strip_prefix(&extra.root) {
                if extra.globs.matched_path_or_any_parents(rel, false).is_ignore() {
                    return true;
                }
            }
        }
        let rel =
            project_root.and_then(|root| crate::paths::absolute(path).strip_prefix(root).ok().map(Path::to_path_buf));
        // Outside the root (or no root): the directories above are not the
        // project's, only the name counts.
        let dirs_count = rel.is_some() || path.is_relative();
        let rel = rel.unwrap_or_else(|| path.to_path_buf());
        let name = rel.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if is_test_file_name(name) {
            return true;
        }
        dirs_count
            && rel.parent().is_some_and(|dir| {
                dir.components().any(|c| {
                    c.as_os_str().to_str().is_some_and(|s| TEST_DIRS.iter().any(|t| t.eq_ignore_ascii_case(s)))
                })
            })
    }
}

/// Whether a file name reads as a test: `test_x.c`, `test-x.c`, `x_test.c`,
/// `x_tests.rs`, `x-test.cpp`, `x_unittest.cc`, `XTest.cpp`, `XTests.cpp`,
/// `TestX.cpp`, `tests.rs`, `test.c`. `latest.c`, `contest.c` and
/// `testimony.c` are not.
pub fn is_test_file_name(name: &str) -> bool {
    let stem = name.split_once('.').map_or(name, |(s, _)| s);
    let lower = stem.to_ascii_lowercase();
    if matches!(lower.as_str(), "test" | "tests") {
        return true;
    }
    let separated = ["test_", "test-", "tests_", "tests-"].iter().any(|p| lower.starts_with(p))
        || ["_test", "-test", "_tests", "-tests", "_unittest", "_unittests"].iter().any(|s| lower.ends_with(s));
    if separated {
        return true;
    }
    // CamelCase: `FooTest`, `FooTests` (after a lower-case letter or a
    // digit), `TestFoo` (before an upper-case letter).
    let camel_suffix = ["Test", "Tests"].iter().any(|s| {
        stem.strip_suffix(s)
            .and_then(|rest| rest.chars().last())
            .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
    });
    let camel_prefix =
        stem.strip_prefix("Test").and_then(|rest| rest.chars().next()).is_some_and(|c| c.is_ascii_uppercase());
    camel_suffix || camel_prefix
}

/// Whether `span` starts inside one of `regions` (sorted by start).
pub fn in_region(regions: &[Span], span: Span) -> bool {
    regions.iter().take_while(|r| r.start <= span.start).any(|r| span.start < r.end)
}

/// Marks the findings of one file: all of them when the file is test code,
/// else those inside its test regions.
pub fn mark(diagnostics: &mut [Diagnostic], file_is_test: bool, regions: &[Span]) {
    for d in diagnostics {
        d.test_code = file_is_test || in_region(regions, d.call_span);
    }
}

/// With [`TestCodeMode::Skip`], removes the findings marked as test code
/// and returns how many were removed (suppressed ones included).
pub fn leave_out(diagnostics: &mut Vec<Diagnostic>, mode: TestCodeMode) -> usize {
    if mode == TestCodeMode::Report {
        return 0;
    }
    let before = diagnostics.len();
    diagnostics.retain(|d| !d.test_code);
    before - diagnostics.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Severity;
    use crate::source::FileId;

    #[test]
    fn test_names() {
        for name in [
            "test_sspi.c",
            "test-rpc.cpp",
            "rpc_test.c",
            "client_tests.rs",
            "pipe-test.cc",
            "ntlm_unittest.cc",
            "BindingTest.cpp",
            "BindingTests.cpp",
            "Rpc2Test.cpp",
            "TestBinding.cpp",
            "tests.rs",
            "test.c",
            "TESTS.RS",
        ] {
            assert!(is_test_file_name(name), "{name} is a test");
        }
        for name in [
            "latest.c",
            "contest.cpp",
            "testimony.c",
            "attestation.rs",
            "Latest.cpp",
            "Testing.h",
            "LATEST.C",
            "sspi.c",
        ] {
            assert!(!is_test_file_name(name), "{name} is not a test");
        }
    }

    #[test]
    fn test_directories_count_from_the_project_root() {
        let tc = TestCode::default();
        assert!(tc.is_test_file(Path::new("dlls/secur32/tests/ntlm.c"), None));
        assert!(tc.is_test_file(Path::new("src/Test/x.c"), None));
        assert!(tc.is_test_file(Path::new("./UnitTest/x.cpp"), None));
        assert!(tc.is_test_file(Path::new("src/testsuite/x.c"), None));
        assert!(!tc.is_test_file(Path::new("src/testimony/x.c"), None));
        assert!(!tc.is_test_file(Path::new("lib/x.c"), None));
        // The directories above the project do not count; the name does.
        let root = Path::new("/home/me/tests/proj");
        assert!(!tc.is_test_file(Path::new("/home/me/tests/proj/src/x.c"), Some(root)));
        assert!(tc.is_test_file(Path::new("/home/me/tests/proj/test/x.c"), Some(root)));
        assert!(!tc.is_test_file(Path::new("/elsewhere/tests/x.c"), Some(root)));
        assert!(tc.is_test_file(Path::new("/elsewhere/tests/x_test.c"), Some(root)));
        assert!(!tc.is_test_file(Path::new("/abs/tests/x.c"), None));
    }

    #[test]
    fn regions_hold_a_span_by_its_start() {
        let regions = [Span::new(10, 20), Span::new(30, 40)];
        assert!(in_region(&regions, Span::new(10, 12)));
        assert!(in_region(&regions, Span::new(35, 50)));
        assert!(!in_region(&regions, Span::new(20, 25)));
        assert!(!in_region(&regions, Span::new(5, 15)));
        assert!(!in_region(&[], Span::new(1, 2)));
    }

    #[test]
    fn skip_removes_and_counts_report_keeps() {
        let d = |start, test| {
            let mut d = Diagnostic::new("r", Severity::Warning, FileId(0), Span::new(start, start + 1), String::new());
            d.test_code = test;
            d
        };
        let mut ds = vec![d(1, false), d(2, true), d(3, true)];
        assert_eq!(leave_out(&mut ds, TestCodeMode::Report), 0);
        assert_eq!(ds.len(), 3);
        assert_eq!(leave_out(&mut ds, TestCodeMode::Skip), 2);
        assert_eq!(ds.len(), 1);
        let mut ds = vec![d(1, false), d(50, false)];
        mark(&mut ds, false, &[Span::new(40, 60)]);
        assert_eq!(ds.iter().map(|d| d.test_code).collect::<Vec<_>>(), [false, true]);
        mark(&mut ds, true, &[]);
        assert!(ds.iter().all(|d| d.test_code));
    }
}
