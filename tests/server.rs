//! `rpclint server` end to end: a scripted client speaks the protocol to
//! the built binary over its real stdin and stdout. No timing is asserted;
//! the long timeouts only keep a broken server from hanging the suite.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// Long enough for a debug build on a loaded machine; only a hang reaches it.
const TIMEOUT: Duration = Duration::from_secs(180);

struct Client {
    child: Child,
    stdin: ChildStdin,
    incoming: Receiver<Value>,
    next_id: i64,
}

impl Client {
    fn start(cwd: &Path) -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_rpclint"))
            .arg("server")
            .current_dir(cwd)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start rpclint server");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, incoming) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            while let Some(message) = read_message(&mut reader) {
                if tx.send(message).is_err() {
                    return;
                }
            }
        });
        Client { child, stdin, incoming, next_id: 0 }
    }

    fn raw(&mut self, body: &[u8]) {
        let header = format!("Content-Length: {}\r\n\r\n", body.len());
        self.stdin.write_all(header.as_bytes()).expect("write header");
        self.stdin.write_all(body).expect("write body");
        self.stdin.flush().expect("flush");
    }

    fn notify(&mut self, method: &str, params: Value) {
        let message = json!({ "jsonrpc": "2.0", "method": method, "params": params });
        self.raw(message.to_string().as_bytes());
    }

    fn request(&mut self, method: &str, params: Value) -> i64 {
        self.next_id += 1;
        let message = json!({ "jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params });
        self.raw(message.to_string().as_bytes());
        self.next_id
    }

    /// The first message `pick` accepts; the others are dropped (requests
    /// from the server are answered with null).
    fn wait_for(&mut self, what: &str, pick: impl Fn(&Value) -> bool) -> Value {
        let end = Instant::now() + TIMEOUT;
        loop {
            let left = end.saturating_duration_since(Instant::now());
            match self.incoming.recv_timeout(left) {
                Ok(message) if pick(&message) => return message,
                Ok(message) => {
                    if let (Some(id), Some(_)) = (message.get("id"), message.get("method")) {
                        let reply = json!({ "jsonrpc": "2.0", "id": id, "result": null });
                        self.raw(reply.to_string().as_bytes());
                    }
                }
                Err(RecvTimeoutError::Timeout) => panic!("no {what} within {TIMEOUT:?}"),
                Err(RecvTimeoutError::Disconnected) => panic!("the server ended while waiting for {what}"),
            }
        }
    }

    fn response(&mut self, id: i64) -> Value {
        self.wait_for(&format!("response {id}"), |m| m.get("id") == Some(&json!(id)) && m.get("method").is_none())
    }

    fn call(&mut self, method: &str, params: Value) -> Value {
        let id = self.request(method, params);
        self.response(id)
    }

    /// The next diagnostics published for `uri` (at `version`, when given).
    fn diagnostics(&mut self, uri: &str, version: Option<i64>) -> Vec<Value> {
        let message = self.wait_for(&format!("diagnostics of {uri} v{version:?}"), |m| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == uri
                && version.is_none_or(|v| m["params"]["version"] == v)
        });
        message["params"]["diagnostics"].as_array().cloned().unwrap_or_default()
    }
}

fn read_message(reader: &mut impl BufRead) -> Option<Value> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(n) = line.strip_prefix("Content-Length: ") {
            length = n.parse::<usize>().ok();
        }
    }
    let mut body = vec![0; length?];
    reader.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}

fn file_uri(path: &Path) -> String {
    let text = path.to_string_lossy().replace(' ', "%20");
    format!("file://{text}")
}

fn rules_of(diagnostics: &[Value]) -> Vec<String> {
    diagnostics.iter().map(|d| d["code"].as_str().unwrap_or("").to_string()).collect()
}

/// The text a range covers, counting characters in UTF-16 code units.
fn covered(text: &str, range: &Value) -> String {
    let offset = |p: &Value| -> usize {
        let line = p["line"].as_u64().unwrap_or(0) as usize;
        let start: usize = text.split_inclusive('\n').take(line).map(str::len).sum();
        let mut units = 0;
        for (i, c) in text[start..].char_indices() {
            if units >= p["character"].as_u64().unwrap_or(0) as usize {
                return start + i;
            }
            units += c.len_utf16();
        }
        text.len()
    };
    text[offset(&range["start"])..offset(&range["end"])].to_string()
}

const CONFIG: &str = "audit = true\n\n[rules]\nmutual-auth-not-requested = \"off\"\nmissing-integrity = \"warning\"\n";
const BAD: &str = "long f(RPC_BINDING_HANDLE h)\n{\n    /* é😀 */ return RpcBindingSetAuthInfoW(h, L\"host/srv\", MY_LEVEL, RPC_C_AUTHN_GSS_NEGOTIATE, NULL, RPC_C_AUTHZ_NONE);\n}\n";

#[test]
fn a_session_from_initialize_to_exit() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().canonicalize().expect("canonical");
    std::fs::write(root.join("rpclint.toml"), CONFIG).expect("config");
    let header = root.join("levels.h");
    std::fs::write(&header, "#define MY_LEVEL RPC_C_AUTHN_LEVEL_NONE\n").expect("header");
    let source = root.join("client.c");
    // On disk the file is empty: the buffer's text is what is checked.
    std::fs::write(&source, "").expect("source");
    let uri = file_uri(&source);

    let mut client = Client::start(&root);
    // A request before `initialize` is refused, and the server lives on.
    let early = client.call("textDocument/hover", json!({}));
    assert_eq!(early["error"]["code"], -32002, "{early}");
    let init = client.call(
        "initialize",
        json!({
            "processId": null,
            "capabilities": {},
            "workspaceFolders": [{ "uri": file_uri(&root), "name": "ws" }],
        }),
    );
    let caps = &init["result"]["capabilities"];
    assert_eq!(caps["positionEncoding"], "utf-16", "{init}");
    assert_eq!(caps["textDocumentSync"]["change"], 2);
    assert_eq!(caps["workspace"]["workspaceFolders"]["changeNotifications"], true);
    client.notify("initialized", json!({}));

    // A bad buffer: the finding arrives, with the configuration's severity,
    // the header's definition as related information, in UTF-16 columns.
    client.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": uri, "languageId": "c", "version": 1, "text": BAD } }),
    );
    let found = client.diagnostics(&uri, Some(1));
    assert_eq!(rules_of(&found), ["missing-integrity"], "{found:?}");
    let finding = &found[0];
    assert_eq!(finding["severity"], 2, "the configuration makes it a warning: {finding}");
    assert_eq!(finding["source"], "rpclint");
    let under = covered(BAD, &finding["range"]);
    assert!(under == "MY_LEVEL" || under.starts_with("RpcBindingSetAuthInfoW("), "range covers {under:?}");
    let related = finding["relatedInformation"].as_array().cloned().unwrap_or_default();
    assert!(
        related
            .iter()
            .any(|r| r["location"]["uri"] == file_uri(&header) && r["location"]["range"]["start"]["line"] == 0),
        "{related:?}"
    );
    assert!(finding["message"].as_str().unwrap_or("").contains("help: pass `RPC_C_AUTHN_LEVEL_PKT_PRIVACY`"));

    // Pulled, the same findings.
    let pulled = client.call("textDocument/diagnostic", json!({ "textDocument": { "uri": uri } }));
    assert_eq!(pulled["result"]["kind"], "full", "{pulled}");
    assert_eq!(pulled["result"]["items"], json!(found));

    // Hover on the finding: the rule's documentation.
    let hover = client
        .call("textDocument/hover", json!({ "textDocument": { "uri": uri }, "position": finding["range"]["start"] }));
    let doc = hover["result"]["contents"]["value"].as_str().unwrap_or("");
    assert!(doc.contains("missing-integrity"), "{hover}");
    let nothing = client.call(
        "textDocument/hover",
        json!({ "textDocument": { "uri": uri }, "position": { "line": 0, "character": 0 } }),
    );
    assert_eq!(nothing["result"], Value::Null);

    // The suppress action, applied as the editor would: the finding goes.
    let actions = client.call(
        "textDocument/codeAction",
        json!({ "textDocument": { "uri": uri }, "range": finding["range"], "context": { "diagnostics": [finding] } }),
    );
    let list = actions["result"].as_array().cloned().unwrap_or_default();
    let suppress = list
        .iter()
        .find(|a| a["title"] == "Suppress `missing-integrity` on this line")
        .unwrap_or_else(|| panic!("no suppress action in {actions}"));
    // The fix changes the header's `#define`, which other code may use: offered, not preferred.
    let fix = list
        .iter()
        .find(|a| a["title"].as_str().is_some_and(|t| t.starts_with("Fix `missing-integrity`")))
        .unwrap_or_else(|| panic!("no fix action in {actions}"));
    assert_eq!(fix["isPreferred"], false, "{fix}");
    let header_edits = fix["edit"]["changes"][file_uri(&header)].as_array().cloned().unwrap_or_default();
    assert_eq!(header_edits.len(), 1, "{fix}");
    assert_eq!(header_edits[0]["newText"], "RPC_C_AUTHN_LEVEL_PKT_PRIVACY");
    assert_eq!(header_edits[0]["range"]["start"], json!({ "line": 0, "character": 17 }));
    let edits = suppress["edit"]["changes"][&uri].as_array().cloned().unwrap_or_default();
    assert_eq!(edits.len(), 1, "{suppress}");
    assert_eq!(edits[0]["newText"], "    // rpclint: allow(missing-integrity) -- \n");
    client.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": uri, "version": 2 }, "contentChanges": [
            { "range": edits[0]["range"], "text": edits[0]["newText"] },
        ]}),
    );
    assert_eq!(client.diagnostics(&uri, Some(2)), Vec::<Value>::new());

    // Back to the bad form, then to the good form in two quick edits: the
    // good form's (empty) result is the last one published.
    client.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": uri, "version": 3 }, "contentChanges": [{ "text": BAD }] }),
    );
    let good = BAD.replace("MY_LEVEL", "RPC_C_AUTHN_LEVEL_PKT_PRIVACY");
    client.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": uri, "version": 4 }, "contentChanges": [{ "text": good }] }),
    );
    assert_eq!(client.diagnostics(&uri, Some(4)), Vec::<Value>::new());

    // A literal in the call: the fix is safe and preferred; applied, the finding goes.
    let literal = BAD.replace("MY_LEVEL", "RPC_C_AUTHN_LEVEL_NONE");
    client.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": uri, "version": 5 }, "contentChanges": [{ "text": literal }] }),
    );
    let found = client.diagnostics(&uri, Some(5));
    assert_eq!(rules_of(&found), ["missing-integrity"]);
    let actions = client.call(
        "textDocument/codeAction",
        json!({ "textDocument": { "uri": uri }, "range": found[0]["range"], "context": { "diagnostics": found } }),
    );
    let list = actions["result"].as_array().cloned().unwrap_or_default();
    let fix = list.iter().find(|a| a["isPreferred"] == true).unwrap_or_else(|| panic!("no preferred fix in {actions}"));
    let edits = fix["edit"]["changes"][&uri].as_array().cloned().unwrap_or_default();
    assert_eq!(edits.len(), 1, "{fix}");
    assert_eq!(covered(&literal, &edits[0]["range"]), "RPC_C_AUTHN_LEVEL_NONE");
    client.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": uri, "version": 6 }, "contentChanges": [
            { "range": edits[0]["range"], "text": edits[0]["newText"] },
        ]}),
    );
    assert_eq!(client.diagnostics(&uri, Some(6)), Vec::<Value>::new());

    // Bad input: a malformed message, an unknown method, bad parameters.
    client.raw(b"{this is not json");
    let unknown = client.call("rpclint/noSuchMethod", json!({}));
    assert_eq!(unknown["error"]["code"], -32601, "{unknown}");
    let bad_params = client.call("textDocument/hover", json!({ "textDocument": 7 }));
    assert_eq!(bad_params["error"]["code"], -32602, "{bad_params}");

    // The configuration broken while running: a diagnostic on it, and the
    // last good one stays (the audit rule still runs, as a warning).
    let config_uri = file_uri(&root.join("rpclint.toml"));
    std::fs::write(root.join("rpclint.toml"), "audit = \"yes\"\n").expect("config");
    client.notify("workspace/didChangeWatchedFiles", json!({ "changes": [{ "uri": config_uri, "type": 2 }] }));
    let broken = client.diagnostics(&config_uri, None);
    assert_eq!(broken.len(), 1, "{broken:?}");
    assert_eq!(broken[0]["range"]["start"]["line"], 0);
    client.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": uri, "version": 7 }, "contentChanges": [{ "text": BAD }] }),
    );
    let kept = client.diagnostics(&uri, Some(7));
    assert_eq!(rules_of(&kept), ["missing-integrity"]);
    assert_eq!(kept[0]["severity"], 2);

    // An edited header re-checks the open buffer that uses its name.
    std::fs::write(&header, "#define MY_LEVEL RPC_C_AUTHN_LEVEL_PKT_PRIVACY\n").expect("header");
    client.notify("workspace/didChangeWatchedFiles", json!({ "changes": [{ "uri": file_uri(&header), "type": 2 }] }));
    assert_eq!(client.diagnostics(&uri, Some(7)), Vec::<Value>::new());

    // The configuration repaired: its diagnostic clears.
    std::fs::write(root.join("rpclint.toml"), CONFIG).expect("config");
    client.notify("workspace/didChangeWatchedFiles", json!({ "changes": [{ "uri": config_uri, "type": 2 }] }));
    assert_eq!(client.diagnostics(&config_uri, None), Vec::<Value>::new());

    // A file outside the workspace, and a buffer of 10 MB.
    let outside = tempfile::tempdir().expect("tempdir");
    let stray = outside.path().canonicalize().expect("canonical").join("stray.c");
    let stray_uri = file_uri(&stray);
    let integrity = BAD.replace("MY_LEVEL", "RPC_C_AUTHN_LEVEL_PKT_INTEGRITY");
    client.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": stray_uri, "languageId": "c", "version": 1, "text": integrity } }),
    );
    // No configuration there: the defaults (the audit group's
    // `mutual-auth-not-requested` is off).
    let stray_found = client.diagnostics(&stray_uri, Some(1));
    assert_eq!(rules_of(&stray_found), ["missing-privacy"]);
    assert_eq!(stray_found[0]["severity"], 2);
    // Its folder joins the workspace, with a configuration that turns the rule off.
    let outside_root = stray.parent().expect("parent").to_path_buf();
    std::fs::write(outside_root.join("rpclint.toml"), "[rules]\nmissing-privacy = \"off\"\n").expect("config");
    client.notify(
        "workspace/didChangeWorkspaceFolders",
        json!({ "event": { "added": [{ "uri": file_uri(&outside_root), "name": "outside" }], "removed": [] } }),
    );
    assert_eq!(client.diagnostics(&stray_uri, Some(1)), Vec::<Value>::new());

    let big_uri = file_uri(&root.join("big.c"));
    let mut big = "// filler line to make the buffer large\n".repeat(10_000_000 / 40);
    big.push_str(&literal);
    client.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": big_uri, "languageId": "c", "version": 1, "text": big } }),
    );
    let big_found = client.diagnostics(&big_uri, Some(1));
    assert_eq!(rules_of(&big_found), ["missing-integrity"], "{big_found:?}");
    assert_eq!(big_found[0]["range"]["start"]["line"], 10_000_000 / 40 + 2);

    // Shutdown, then exit: code 0; requests in between are refused.
    let down = client.call("shutdown", Value::Null);
    assert_eq!(down["result"], Value::Null, "{down}");
    let late = client.call("textDocument/hover", json!({}));
    assert_eq!(late["error"]["code"], -32600, "{late}");
    client.notify("exit", Value::Null);
    let status = wait_exit(&mut client.child);
    assert_eq!(status, Some(0));
}

#[test]
fn a_client_that_pulls_with_utf8_positions_and_exit_without_shutdown() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().canonicalize().expect("canonical");
    let header = root.join("levels.h");
    std::fs::write(&header, "#define MY_LEVEL RPC_C_AUTHN_LEVEL_PKT_INTEGRITY\n").expect("header");
    let source = root.join("pulled.c");
    let uri = file_uri(&source);
    let mut client = Client::start(&root);
    let init = client.call(
        "initialize",
        json!({
            "processId": null,
            "rootUri": file_uri(&root),
            "capabilities": {
                "general": { "positionEncodings": ["utf-8", "utf-16"] },
                "textDocument": { "diagnostic": { "dynamicRegistration": false } },
                "workspace": {
                    "diagnostic": { "refreshSupport": true },
                    "didChangeWatchedFiles": { "dynamicRegistration": true },
                },
            },
        }),
    );
    assert_eq!(init["result"]["capabilities"]["positionEncoding"], "utf-8", "{init}");
    client.notify("initialized", json!({}));
    // The server asks to be told of changed sources and configurations.
    let registration = client.wait_for("client/registerCapability", |m| m["method"] == "client/registerCapability");
    let reply = json!({ "jsonrpc": "2.0", "id": registration["id"], "result": null });
    client.raw(reply.to_string().as_bytes());
    let watchers = registration["params"]["registrations"][0]["registerOptions"]["watchers"].to_string();
    assert!(watchers.contains("rpclint.toml"), "{registration}");

    client.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": uri, "languageId": "c", "version": 1, "text": BAD } }),
    );
    let pulled = client.call("textDocument/diagnostic", json!({ "textDocument": { "uri": uri } }));
    let items = pulled["result"]["items"].as_array().cloned().unwrap_or_default();
    assert_eq!(rules_of(&items), ["missing-privacy"], "{pulled}");
    // UTF-8: the column counts bytes.
    let line = BAD.lines().nth(2).unwrap_or("");
    assert_eq!(items[0]["range"]["start"]["character"], line.find("MY_LEVEL").unwrap_or(0), "{}", items[0]);

    // The header changes on disk: the server asks the client to pull again,
    // and the pull waits for the new check.
    std::fs::write(&header, "#define MY_LEVEL RPC_C_AUTHN_LEVEL_PKT_PRIVACY\n").expect("header");
    client.notify("workspace/didChangeWatchedFiles", json!({ "changes": [{ "uri": file_uri(&header), "type": 2 }] }));
    client.wait_for("workspace/diagnostic/refresh", |m| m["method"] == "workspace/diagnostic/refresh");
    let pulled = client.call("textDocument/diagnostic", json!({ "textDocument": { "uri": uri } }));
    assert_eq!(pulled["result"]["items"], json!([]), "{pulled}");

    // Exit without shutdown: code 1.
    client.notify("exit", Value::Null);
    assert_eq!(wait_exit(&mut client.child), Some(1));
}

fn wait_exit(child: &mut Child) -> Option<i32> {
    let end = Instant::now() + TIMEOUT;
    while Instant::now() < end {
        if let Ok(Some(status)) = child.try_wait() {
            return status.code();
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    panic!("the server did not exit");
}
