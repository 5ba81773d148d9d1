//! What the editor asks about a finding: hover (the rule's documentation,
//! as `rpclint explain` prints it) and code actions: the finding's fix
//! where it has one (preferred when safe; an unsafe one, which changes a
//! shared definition, says so), and "suppress `RULE` on this line": a
//! `// rpclint: allow(RULE) -- ` comment on a line of its own above the
//! finding's first line, which the suppression syntax applies to the next
//! line with code.

use std::collections::HashMap;

use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, Hover, HoverContents, MarkupContent, MarkupKind, Position, Range,
    TextEdit, Uri, WorkspaceEdit,
};

use super::convert::Finding;
use super::text::Lines;

/// The findings whose range holds `position` (or touches it at an end).
fn at(findings: &[Finding], position: Position) -> impl Iterator<Item = &Finding> {
    findings.iter().filter(move |f| f.diagnostic.range.start <= position && position <= f.diagnostic.range.end)
}

/// The documentation of the rules of the findings under the cursor.
pub(crate) fn hover(findings: &[Finding], position: Position) -> Option<Hover> {
    let mut rules: Vec<&'static str> = at(findings, position).filter_map(|f| f.rule).collect();
    rules.dedup();
    let docs: Vec<&str> =
        rules.iter().filter_map(|name| crate::rules::ALL.iter().find(|r| r.name == *name)).map(|r| r.doc).collect();
    if docs.is_empty() {
        return None;
    }
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent { kind: MarkupKind::Markdown, value: docs.join("\n---\n\n") }),
        range: None,
    })
}

/// The code actions for the findings that meet `range`.
pub(crate) fn code_actions(uri: &Uri, text: &str, findings: &[Finding], range: Range) -> Vec<CodeActionOrCommand> {
    let lines = Lines::new(text);
    let mut actions = Vec::new();
    let mut done: Vec<(u32, &str)> = Vec::new();
    for finding in
        findings.iter().filter(|f| f.diagnostic.range.start <= range.end && range.start <= f.diagnostic.range.end)
    {
        let Some(rule) = finding.rule else { continue };
        let line = finding.diagnostic.range.start.line;
        if done.contains(&(line, rule)) {
            continue;
        }
        done.push((line, rule));
        if let Some(fix) = &finding.fix {
            let unsafe_note = if fix.safe {
                ""
            } else {
                " (unsafe: changes a shared definition or a value the rule only warns about)"
            };
            actions.push(CodeActionOrCommand::CodeAction(CodeAction {
                title: format!("Fix `{rule}`: {}{unsafe_note}", fix.message),
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: Some(vec![finding.diagnostic.clone()]),
                edit: Some(WorkspaceEdit {
                    changes: Some(fix.changes.iter().cloned().collect()),
                    ..WorkspaceEdit::default()
                }),
                is_preferred: Some(fix.safe),
                ..CodeAction::default()
            }));
        }
        let comment = format!("{}// rpclint: allow({rule}) -- {}", lines.indent(line), lines.line_end());
        let at_line = Position { line, character: 0 };
        let edit = TextEdit { range: Range { start: at_line, end: at_line }, new_text: comment };
        actions.push(CodeActionOrCommand::CodeAction(CodeAction {
            title: format!("Suppress `{rule}` on this line"),
            kind: Some(CodeActionKind::QUICKFIX),
            diagnostics: Some(vec![finding.diagnostic.clone()]),
            edit: Some(WorkspaceEdit {
                changes: Some(HashMap::from([(uri.clone(), vec![edit])])),
                ..WorkspaceEdit::default()
            }),
            ..CodeAction::default()
        }));
    }
    actions
}
