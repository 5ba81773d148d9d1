//! `--diff`: the change a file would get, as a unified diff (`similar`).

use similar::TextDiff;

/// The unified diff from `old` to `new` of the file shown as `path`, with
/// three lines of context; empty when they are equal.
pub fn unified(path: &str, old: &str, new: &str) -> String {
    if old == new {
        return String::new();
    }
    let diff = TextDiff::from_lines(old, new);
    let mut out = diff.unified_diff().context_radius(3).header(&format!("a/{path}"), &format!("b/{path}")).to_string();
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_changed_line_with_its_context() {
        let old = "a\nb\nf(CONNECT);\nc\n";
        let new = "a\nb\nf(PRIVACY);\nc\n";
        let d = super::unified("src/x.c", old, new);
        assert!(d.starts_with("--- a/src/x.c\n+++ b/src/x.c\n@@ -1,4 +1,4 @@\n"), "{d}");
        assert!(d.contains("-f(CONNECT);\n+f(PRIVACY);\n"), "{d}");
        assert_eq!(super::unified("x", old, old), "");
    }
}
