//! The whole per-file path on arbitrary bytes: discovery's output (one
//! in-memory file) through the prefilter, the frontend, the IR, the
//! resolver, every rule, and every emitter.
//!
//! The first byte chooses the language (`% 3`: C, C++, Rust), whether a
//! comment naming two APIs is appended (`& 4`), so that inputs without an
//! API name still reach the parser instead of stopping at the prefilter, and
//! whether the rest is two files split at the first `\n@@@\n` (`& 8`): the
//! second is a header whose constants the first may use (the engine's
//! second phase).
//!
//! A crash is any panic (libfuzzer-sys aborts on a panic even inside the
//! engine's `catch_unwind`), a stack overflow, a file error (an in-memory
//! file cannot fail to read, so any is an internal error), or a diagnostic
//! whose span is not inside its file's text on character boundaries.

#![no_main]

use std::path::PathBuf;

use libfuzzer_sys::fuzz_target;
use rpclint::emit::{self, EmitOptions, Format};
use rpclint::engine::{Input, Settings, check_inputs};
use rpclint::limits::Limits;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, body)) = data.split_first() else { return };
    let ext = match mode % 3 {
        0 => "c",
        1 => "cpp",
        _ => "rs",
    };
    const SPLIT: &[u8] = b"\n@@@\n";
    let (main, header) = match body.windows(SPLIT.len()).position(|w| w == SPLIT) {
        Some(i) if mode & 8 != 0 => (&body[..i], Some(&body[i + SPLIT.len()..])),
        _ => (body, None),
    };
    let mut bytes = main.to_vec();
    if mode & 4 != 0 {
        bytes.extend_from_slice(b"\n// RpcBindingSetAuthInfoExW CoSetProxyBlanket\n");
    }
    let mut inputs = vec![Input { path: PathBuf::from(format!("fuzz.{ext}")), bytes: Some(bytes) }];
    if let Some(h) = header {
        let ext = if ext == "rs" { "rs" } else { "h" };
        inputs.push(Input { path: PathBuf::from(format!("defs.{ext}")), bytes: Some(h.to_vec()) });
    }
    // No time limit: a slow input must show up as a libFuzzer timeout, not
    // be hidden behind a `parse-error` finding.
    let settings = Settings {
        jobs: Some(1),
        limits: Limits { max_file_size: 1 << 20, file_timeout: None },
        ..Settings::default()
    };
    let report = check_inputs(&inputs, &settings);
    assert!(report.errors.is_empty(), "internal error: {:?}", report.errors);
    for d in &report.diagnostics {
        let places = std::iter::once((d.file, d.span)).chain(d.labels.iter().map(|l| (l.file, l.span)));
        for (id, span) in places {
            let file = report.file(id).expect("a diagnostic's file is in the report");
            let (start, end) = (span.start as usize, span.end as usize);
            let text = &file.text;
            assert!(start <= end && end <= text.len(), "span {start}..{end} out of {} bytes: {d:?}", text.len());
            assert!(text.is_char_boundary(start) && text.is_char_boundary(end), "span not on chars: {d:?}");
        }
    }
    let opts = EmitOptions { color: true, ..EmitOptions::default() };
    for format in [Format::Human, Format::Short, Format::Json, Format::Sarif] {
        let mut out = Vec::new();
        emit::write(format, &report, &mut out, &opts).expect("writing to memory cannot fail");
    }
});
