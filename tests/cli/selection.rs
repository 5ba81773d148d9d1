//! Input that selects nothing says why (as ruff does), and a glob that
//! cannot mean what it says is an error with its file and line.

use predicates::prelude::*;

use super::Tree;
use super::project::{CLIENT, rpclint_default};

#[test]
fn a_tree_without_sources_warns_and_names_the_path() {
    let tree = Tree::new(&[("docs/readme.txt", "text\n"), ("build.py", "print()\n")]);
    rpclint_default(tree.root())
        .arg("docs")
        .assert()
        .code(0)
        .stdout("")
        .stderr(predicate::str::contains("rpclint: warning: no file checked: no C, C++ or Rust file ("))
        .stderr(predicate::str::contains(".cpp").and(predicate::str::contains(") under docs")));
    // A file name that is not a source (pre-commit passes whatever matched) warns too.
    rpclint_default(tree.root())
        .arg("build.py")
        .assert()
        .code(0)
        .stderr(predicate::str::contains("no C, C++ or Rust file").and(predicate::str::contains("under build.py")));
}

#[test]
fn config_include_and_exclude_that_leave_nothing_say_so() {
    let tree = Tree::new(&[("rpclint.toml", "include = [\"source/\"]\n"), ("src/a.c", CLIENT), ("src/b.c", CLIENT)]);
    rpclint_default(tree.root()).assert().code(0).stderr(predicate::str::contains(
        "rpclint: warning: no file checked: `include`/`exclude` in rpclint.toml leave out all 2 C, C++ or Rust files under the current directory",
    ));
    let tree = Tree::new(&[("rpclint.toml", "exclude = [\"*.c\"]\n"), ("src/a.c", CLIENT)]);
    rpclint_default(tree.root())
        .arg("src")
        .assert()
        .code(0)
        .stderr(predicate::str::contains("in rpclint.toml leave out the only C, C++ or Rust file under src"));
}

#[test]
fn exclude_flag_that_leaves_nothing_says_so() {
    let tree = Tree::new(&[("src/a.c", CLIENT), ("src/b.rs", "fn main() {}\n")]);
    rpclint_default(tree.root())
        .args(["--exclude", "src/", "."])
        .assert()
        .code(0)
        .stderr(predicate::str::contains("--exclude leaves out all 2 C, C++ or Rust files under ."));
}

#[test]
fn a_run_that_checks_something_or_names_a_missing_path_does_not_warn() {
    let tree = Tree::new(&[("a.c", "int x;\n")]);
    rpclint_default(tree.root()).assert().code(0).stderr("");
    // A missing path is already an error: no second message about it.
    rpclint_default(tree.root())
        .arg("nope")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no such file").and(predicate::str::contains("warning").not()));
}

#[test]
fn an_unclosed_bracket_in_a_config_glob_is_an_error_with_file_and_line() {
    for line in ["include = [\"[[\"]", "exclude = [\"src/\", \"a[b\"]", "test-paths = [\"[x\"]"] {
        let tree = Tree::new(&[("rpclint.toml", &format!("# globs\n{line}\n")), ("a.c", CLIENT)]);
        rpclint_default(tree.root())
            .assert()
            .code(2)
            .stdout("")
            .stderr(
                predicate::str::is_match(
                    r"^rpclint: error: rpclint\.toml:2:\d+: invalid glob .*unclosed character class",
                )
                .unwrap(),
            )
            .stderr(predicate::str::contains("No problems").not());
    }
    // Escaped, the bracket is a name: no error.
    let tree = Tree::new(&[("rpclint.toml", "exclude = [\"[[]x\"]\n"), ("a.c", "int x;\n")]);
    rpclint_default(tree.root()).assert().code(0).stderr("");
}

#[test]
fn an_unclosed_bracket_in_exclude_flag_is_an_error() {
    let tree = Tree::new(&[("a.c", "int x;\n")]);
    rpclint_default(tree.root())
        .args(["--exclude", "gen["])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("rpclint: error: --exclude gen[: unclosed character class"));
}

#[test]
fn globs_written_with_backslashes_match_as_with_slashes() {
    let tree = Tree::new(&[
        ("rpclint.toml", "exclude = ['src\\vendor\\', 'gen\\*.c']\n"),
        ("src/a.c", CLIENT),
        ("src/vendor/v.c", CLIENT),
        ("gen/g.c", CLIENT),
        ("tools/t.c", CLIENT),
    ]);
    let out = rpclint_default(tree.root()).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let mut files: Vec<&str> = text.lines().map(|l| l.split(':').next().unwrap()).collect();
    files.dedup();
    assert_eq!(files, ["src/a.c", "tools/t.c"], "{text}");
    let out = rpclint_default(tree.root())
        .args(["--isolated", "--exclude", "src\\vendor", "--exclude", "tools\\*.c"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let mut files: Vec<&str> = text.lines().map(|l| l.split(':').next().unwrap()).collect();
    files.dedup();
    assert_eq!(files, ["gen/g.c", "src/a.c"], "{text}");
}
