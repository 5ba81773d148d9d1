//! The main loop and the handlers: initialization, the open buffers and
//! their versions, the debounce, publishing (push) and answering pulls,
//! hover and code actions, file changes, shutdown and exit.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender, select};
use lsp_server::{ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::notification::{self as notif, Notification as _};
use lsp_types::request::{self as req, Request as _};
use lsp_types::{
    ClientCapabilities, CodeActionKind, CodeActionOptions, CodeActionProviderCapability, Diagnostic, DiagnosticOptions,
    DiagnosticServerCapabilities, DocumentDiagnosticReport, DocumentDiagnosticReportResult,
    FullDocumentDiagnosticReport, HoverProviderCapability, InitializeParams, InitializeResult, OneOf,
    PositionEncodingKind, PublishDiagnosticsParams, RelatedFullDocumentDiagnosticReport, ServerCapabilities,
    ServerInfo, TextDocumentSyncCapability, TextDocumentSyncKind, TextDocumentSyncOptions, TextDocumentSyncSaveOptions,
    Uri, WorkspaceFoldersServerCapabilities, WorkspaceServerCapabilities,
};
use serde_json::Value;

use super::actions;
use super::convert::{self, Finding};
use super::text::{Encoding, apply_change};
use super::transport;
use super::uri;
use super::worker::{Job, Outcome};
use crate::frontend::Lang;

/// How long after an edit the buffer is checked, so that a burst of
/// changes (a paste, a macro, an editor's several notifications, which
/// arrive within microseconds of each other) costs one check. Short, since
/// every edit waits for it: typing slower than a check takes is coalesced
/// anyway, as the worker runs only the newest of the checks waiting for it.
const DEBOUNCE: Duration = Duration::from_millis(1);

struct Document {
    path: Option<PathBuf>,
    text: Arc<str>,
    version: i32,
    /// How many checks were asked of it (an edit, a changed header or
    /// configuration): only the result of the last one is current.
    generation: u64,
    /// The findings of the last check and its generation.
    findings: Option<(u64, Vec<Finding>)>,
}

impl Document {
    /// Whether rpclint checks it: a C, C++ or Rust file on disk.
    fn checked_path(&self) -> Option<&PathBuf> {
        self.path.as_ref().filter(|p| Lang::from_path(p).is_some())
    }
}

pub(crate) struct Session<'o> {
    /// The client's end: stdout.
    out: &'o mut dyn Write,
    jobs: Sender<Job>,
    docs: BTreeMap<Uri, Document>,
    /// When each buffer waiting for a check is due.
    due: BTreeMap<Uri, Instant>,
    /// `textDocument/diagnostic` requests waiting for a buffer's current version.
    pulls: BTreeMap<Uri, Vec<RequestId>>,
    encoding: Encoding,
    /// Push diagnostics (the client does not pull them).
    push: bool,
    /// The client pulls, and re-pulls when asked (`workspace/diagnostic/refresh`).
    refresh: bool,
    initialized: bool,
    shutdown: bool,
    next_request: i32,
}

impl<'o> Session<'o> {
    pub(crate) fn new(out: &'o mut dyn Write, jobs: Sender<Job>) -> Session<'o> {
        Session {
            out,
            jobs,
            docs: BTreeMap::new(),
            due: BTreeMap::new(),
            pulls: BTreeMap::new(),
            encoding: Encoding::Utf16,
            push: true,
            refresh: false,
            initialized: false,
            shutdown: false,
            next_request: 0,
        }
    }

    /// Serves until `exit` (or the client's end of the stream); the exit code.
    pub(crate) fn serve(mut self, messages: &Receiver<Message>, outcomes: &Receiver<Outcome>) -> u8 {
        loop {
            let wait = self
                .due
                .values()
                .min()
                .map_or(Duration::from_secs(3600), |t| t.saturating_duration_since(Instant::now()));
            select! {
                recv(messages) -> message => match message {
                    Ok(message) => {
                        if let Some(code) = self.on_message(message) {
                            return code;
                        }
                    }
                    // Input ended without `exit`.
                    Err(_) => return 1,
                },
                recv(outcomes) -> outcome => {
                    if let Ok(outcome) = outcome {
                        self.on_outcome(outcome);
                    }
                },
                default(wait) => {},
            }
            self.send_due();
        }
    }

    fn on_message(&mut self, message: Message) -> Option<u8> {
        match message {
            Message::Request(r) => self.on_request(r),
            Message::Notification(n) if n.method == notif::Exit::METHOD => {
                return Some(if self.shutdown { 0 } else { 1 });
            }
            Message::Notification(n) if self.initialized => self.on_notification(n),
            // Before `initialize`, notifications are dropped.
            Message::Notification(_) | Message::Response(_) => {}
        }
        None
    }

    fn on_request(&mut self, r: Request) {
        if r.method == req::Initialize::METHOD && !self.initialized {
            return self.initialize(r);
        }
        if !self.initialized {
            return self.error(r.id, ErrorCode::ServerNotInitialized, "the server is not initialized yet");
        }
        if self.shutdown {
            return self.error(r.id, ErrorCode::InvalidRequest, "the server is shutting down");
        }
        let id = r.id.clone();
        let result = match r.method.as_str() {
            req::Shutdown::METHOD => {
                self.shutdown = true;
                Ok(Value::Null)
            }
            req::DocumentDiagnosticRequest::METHOD => return self.pull(r),
            req::HoverRequest::METHOD => parse::<lsp_types::HoverParams>(r.params).map(|p| {
                let at = p.text_document_position_params;
                let hover = self.current(&at.text_document.uri).and_then(|f| actions::hover(f, at.position));
                serde_json::to_value(hover).unwrap_or(Value::Null)
            }),
            req::CodeActionRequest::METHOD => parse::<lsp_types::CodeActionParams>(r.params).map(|p| {
                let uri = &p.text_document.uri;
                let found = match (self.docs.get(uri), self.current(uri)) {
                    (Some(doc), Some(findings)) => actions::code_actions(uri, &doc.text, findings, p.range),
                    _ => Vec::new(),
                };
                serde_json::to_value(found).unwrap_or(Value::Null)
            }),
            req::Initialize::METHOD => Err((ErrorCode::InvalidRequest, "initialize was sent twice".to_string())),
            other => Err((ErrorCode::MethodNotFound, format!("unknown method `{other}`"))),
        };
        match result {
            Ok(value) => self.send(Response::new_ok(id, value)),
            Err((code, message)) => self.error(id, code, &message),
        }
    }

    fn initialize(&mut self, r: Request) {
        let params = match parse::<InitializeParams>(r.params) {
            Ok(p) => p,
            Err((code, message)) => return self.error(r.id, code, &message),
        };
        let caps: &ClientCapabilities = &params.capabilities;
        let offers_utf8 = caps
            .general
            .as_ref()
            .and_then(|g| g.position_encodings.as_ref())
            .is_some_and(|e| e.contains(&PositionEncodingKind::UTF8));
        self.encoding = if offers_utf8 { Encoding::Utf8 } else { Encoding::Utf16 };
        self.push = caps.text_document.as_ref().and_then(|t| t.diagnostic.as_ref()).is_none();
        self.refresh = !self.push
            && caps
                .workspace
                .as_ref()
                .and_then(|w| w.diagnostic.as_ref())
                .and_then(|d| d.refresh_support)
                .unwrap_or(false);
        let watch = caps
            .workspace
            .as_ref()
            .and_then(|w| w.did_change_watched_files.as_ref())
            .and_then(|w| w.dynamic_registration)
            .unwrap_or(false);
        #[allow(deprecated)]
        let mut roots: Vec<PathBuf> =
            params.workspace_folders.iter().flatten().filter_map(|f| uri::to_path(&f.uri)).collect();
        #[allow(deprecated)]
        if roots.is_empty() {
            roots.extend(params.root_uri.as_ref().and_then(uri::to_path));
        }
        let result = InitializeResult {
            capabilities: self.capabilities(),
            server_info: Some(ServerInfo {
                name: "rpclint".to_string(),
                version: Some(env!("CARGO_PKG_VERSION").to_string()),
            }),
        };
        self.send(Response::new_ok(r.id, serde_json::to_value(result).unwrap_or(Value::Null)));
        self.initialized = true;
        let encoding = self.encoding;
        let _ = self.jobs.send(Job::Open { roots, encoding });
        if watch {
            self.register_watchers();
        }
    }

    fn capabilities(&self) -> ServerCapabilities {
        ServerCapabilities {
            position_encoding: Some(match self.encoding {
                Encoding::Utf8 => PositionEncodingKind::UTF8,
                Encoding::Utf16 => PositionEncodingKind::UTF16,
            }),
            text_document_sync: Some(TextDocumentSyncCapability::Options(TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(TextDocumentSyncKind::INCREMENTAL),
                save: Some(TextDocumentSyncSaveOptions::Supported(true)),
                ..TextDocumentSyncOptions::default()
            })),
            hover_provider: Some(HoverProviderCapability::Simple(true)),
            code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
                code_action_kinds: Some(vec![CodeActionKind::QUICKFIX]),
                ..CodeActionOptions::default()
            })),
            diagnostic_provider: Some(DiagnosticServerCapabilities::Options(DiagnosticOptions {
                identifier: Some(convert::SOURCE.to_string()),
                inter_file_dependencies: true,
                workspace_diagnostics: false,
                ..DiagnosticOptions::default()
            })),
            workspace: Some(WorkspaceServerCapabilities {
                workspace_folders: Some(WorkspaceFoldersServerCapabilities {
                    supported: Some(true),
                    change_notifications: Some(OneOf::Left(true)),
                }),
                file_operations: None,
            }),
            ..ServerCapabilities::default()
        }
    }

    /// Asks the client to tell of changed sources and configurations.
    fn register_watchers(&mut self) {
        let globs = ["**/*.{c,h,cc,cpp,cxx,c++,hh,hpp,hxx,h++,inl,ipp,rs}", "**/rpclint.toml"];
        let watchers: Vec<Value> = globs.iter().map(|g| serde_json::json!({ "globPattern": g })).collect();
        let params = serde_json::json!({ "registrations": [{
            "id": "rpclint-watched-files",
            "method": notif::DidChangeWatchedFiles::METHOD,
            "registerOptions": { "watchers": watchers },
        }]});
        self.request(req::RegisterCapability::METHOD, params);
    }

    /// Sends a request to the client (whose answer is not needed).
    fn request(&mut self, method: &str, params: Value) {
        self.next_request += 1;
        let id = RequestId::from(format!("rpclint-{}", self.next_request));
        self.send(Request::new(id, method.to_string(), params));
    }

    fn on_notification(&mut self, n: Notification) {
        match n.method.as_str() {
            notif::DidOpenTextDocument::METHOD => {
                if let Ok(p) = parse::<lsp_types::DidOpenTextDocumentParams>(n.params) {
                    let d = p.text_document;
                    let doc = Document {
                        path: uri::to_path(&d.uri),
                        text: Arc::from(d.text),
                        version: d.version,
                        generation: 0,
                        findings: None,
                    };
                    self.docs.insert(d.uri.clone(), doc);
                    self.schedule(&d.uri, Duration::ZERO);
                }
            }
            notif::DidChangeTextDocument::METHOD => {
                if let Ok(p) = parse::<lsp_types::DidChangeTextDocumentParams>(n.params) {
                    let encoding = self.encoding;
                    let uri = p.text_document.uri;
                    let Some(doc) = self.docs.get_mut(&uri) else { return };
                    let mut text = doc.text.to_string();
                    for change in &p.content_changes {
                        text = apply_change(&text, change, encoding);
                    }
                    doc.text = Arc::from(text);
                    doc.version = p.text_document.version;
                    self.schedule(&uri, DEBOUNCE);
                }
            }
            notif::DidSaveTextDocument::METHOD => {
                if let Ok(p) = parse::<lsp_types::DidSaveTextDocumentParams>(n.params) {
                    let paths: Vec<PathBuf> = uri::to_path(&p.text_document.uri).into_iter().collect();
                    self.files_changed(paths);
                    self.schedule(&p.text_document.uri, Duration::ZERO);
                }
            }
            notif::DidCloseTextDocument::METHOD => {
                if let Ok(p) = parse::<lsp_types::DidCloseTextDocumentParams>(n.params) {
                    let uri = p.text_document.uri;
                    self.docs.remove(&uri);
                    self.due.remove(&uri);
                    for id in self.pulls.remove(&uri).unwrap_or_default() {
                        self.answer_pull(id, &[]);
                    }
                    if self.push {
                        self.publish(uri, Vec::new(), None);
                    }
                }
            }
            notif::DidChangeWorkspaceFolders::METHOD => {
                if let Ok(p) = parse::<lsp_types::DidChangeWorkspaceFoldersParams>(n.params) {
                    let paths = |list: &[lsp_types::WorkspaceFolder]| {
                        list.iter().filter_map(|f| uri::to_path(&f.uri)).collect()
                    };
                    let added = paths(&p.event.added);
                    let removed = paths(&p.event.removed);
                    let open = self.docs.keys().cloned().collect();
                    let _ = self.jobs.send(Job::Folders { added, removed, open });
                }
            }
            notif::DidChangeWatchedFiles::METHOD => {
                if let Ok(p) = parse::<lsp_types::DidChangeWatchedFilesParams>(n.params) {
                    self.files_changed(p.changes.iter().filter_map(|c| uri::to_path(&c.uri)).collect());
                }
            }
            // `initialized`, `$/cancelRequest`, `$/setTrace`, and what else a client may send.
            _ => {}
        }
    }

    fn files_changed(&mut self, paths: Vec<PathBuf>) {
        if paths.is_empty() {
            return;
        }
        let open = self
            .docs
            .iter()
            .filter_map(|(u, d)| Some((u.clone(), d.checked_path()?.clone(), d.text.clone())))
            .collect();
        let _ = self.jobs.send(Job::FilesChanged { paths, open });
    }

    /// Checks the buffer after `delay`; what was due before is replaced.
    fn schedule(&mut self, uri: &Uri, delay: Duration) {
        let Some(doc) = self.docs.get_mut(uri) else { return };
        doc.generation += 1;
        // Another edit restarts the pause.
        self.due.insert(uri.clone(), Instant::now() + delay);
    }

    /// Sends the checks that are due to the worker.
    fn send_due(&mut self) {
        let now = Instant::now();
        let ready: Vec<Uri> = self.due.iter().filter(|(_, t)| **t <= now).map(|(u, _)| u.clone()).collect();
        for uri in ready {
            self.due.remove(&uri);
            let Some(doc) = self.docs.get_mut(&uri) else { continue };
            match doc.checked_path() {
                Some(path) => {
                    let (version, generation) = (doc.version, doc.generation);
                    let job = Job::Check { uri, version, generation, path: path.clone(), text: doc.text.clone() };
                    let _ = self.jobs.send(job);
                }
                // Not a file rpclint reads: nothing to find.
                None => {
                    let (version, generation) = (doc.version, doc.generation);
                    self.on_outcome(Outcome::Checked { uri, version, generation, findings: Vec::new() });
                }
            }
        }
    }

    fn on_outcome(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Checked { uri, version, generation, findings } => {
                let Some(doc) = self.docs.get_mut(&uri) else { return };
                // The result of an older check is stale (an older version, or
                // a header since changed): a newer check is due or running.
                if generation != doc.generation {
                    return;
                }
                doc.findings = Some((generation, findings.clone()));
                if self.push {
                    self.publish(uri.clone(), findings.iter().map(|f| f.diagnostic.clone()).collect(), Some(version));
                }
                for id in self.pulls.remove(&uri).unwrap_or_default() {
                    self.answer_pull(id, &findings);
                }
            }
            Outcome::Configs(states) => {
                for (path, error) in states {
                    let Some(uri) = uri::from_path(&path) else { continue };
                    let diagnostics = error.map(|e| config_diagnostic(&e)).into_iter().collect();
                    self.publish(uri, diagnostics, None);
                }
            }
            Outcome::Recheck(uris) => {
                for uri in uris {
                    self.schedule(&uri, Duration::ZERO);
                }
                // A client that pulls asks again, and its pulls wait for these checks.
                if self.refresh {
                    self.request(req::WorkspaceDiagnosticRefresh::METHOD, Value::Null);
                }
            }
        }
    }

    /// `textDocument/diagnostic`: answered at once when the findings are
    /// current, else when the check of the current version is done.
    fn pull(&mut self, r: Request) {
        let params = match parse::<lsp_types::DocumentDiagnosticParams>(r.params) {
            Ok(p) => p,
            Err((code, message)) => return self.error(r.id, code, &message),
        };
        let uri = params.text_document.uri;
        let Some(doc) = self.docs.get(&uri) else { return self.answer_pull(r.id, &[]) };
        match &doc.findings {
            Some((generation, findings)) if *generation == doc.generation => {
                let findings = findings.clone();
                self.answer_pull(r.id, &findings);
            }
            // The last check asked of it is due or running: the answer waits for it.
            _ => self.pulls.entry(uri.clone()).or_default().push(r.id),
        }
    }

    fn answer_pull(&mut self, id: RequestId, findings: &[Finding]) {
        let report = DocumentDiagnosticReportResult::Report(DocumentDiagnosticReport::Full(
            RelatedFullDocumentDiagnosticReport {
                related_documents: None,
                full_document_diagnostic_report: FullDocumentDiagnosticReport {
                    result_id: None,
                    items: findings.iter().map(|f| f.diagnostic.clone()).collect(),
                },
            },
        ));
        self.send(Response::new_ok(id, serde_json::to_value(report).unwrap_or(Value::Null)));
    }

    /// The findings of a buffer's current version, if checked.
    fn current(&self, uri: &Uri) -> Option<&[Finding]> {
        let doc = self.docs.get(uri)?;
        doc.findings.as_ref().filter(|(g, _)| *g == doc.generation).map(|(_, f)| f.as_slice())
    }

    fn publish(&mut self, uri: Uri, diagnostics: Vec<Diagnostic>, version: Option<i32>) {
        let params = PublishDiagnosticsParams { uri, diagnostics, version };
        self.send(Notification::new(notif::PublishDiagnostics::METHOD.to_string(), params));
    }

    fn error(&mut self, id: RequestId, code: ErrorCode, message: &str) {
        self.send(Response::new_err(id, code as i32, message.to_string()));
    }

    fn send(&mut self, message: impl Into<Message>) {
        // Stdout fails only when the client has gone: the input ends then too.
        let _ = transport::write(self.out, &message.into());
    }
}

/// A broken `rpclint.toml`, at the place its error names.
fn config_diagnostic(e: &crate::config::ConfigError) -> Diagnostic {
    let (line, column) = e.position.unwrap_or((1, 1));
    let at = lsp_types::Position { line: to_u32(line.saturating_sub(1)), character: to_u32(column.saturating_sub(1)) };
    Diagnostic {
        range: lsp_types::Range { start: at, end: at },
        severity: Some(lsp_types::DiagnosticSeverity::ERROR),
        source: Some(convert::SOURCE.to_string()),
        message: format!("{}; the last configuration that loaded stays in use", e.message),
        ..Diagnostic::default()
    }
}

fn parse<P: serde::de::DeserializeOwned>(params: Value) -> Result<P, (ErrorCode, String)> {
    serde_json::from_value(params).map_err(|e| (ErrorCode::InvalidParams, format!("invalid parameters: {e}")))
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}
