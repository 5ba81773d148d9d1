#!/usr/bin/env python3
"""The language server's latency: from an edit to its diagnostics.

Starts `rpclint server`, opens a C buffer of about 2,000 lines (100 functions
that call RpcBindingSetAuthInfoExW, half of them with a level #defined in a
header of the workspace, so phase 2 runs against the project index, and 100
that call nothing), then edits one argument at a time (each edit a new
version, sent as an incremental change) and measures the time from writing
`textDocument/didChange` to reading the `publishDiagnostics` of that version.
The server's debounce (1 ms) is part of the number, as an editor sees it.
Prints the distribution; a benchmark, not a test (nothing is asserted).

    scripts/lsp-latency.py [--binary target/release/rpclint] [--edits 40]
                           [--workspace DIR]   (a real tree as the project index:
                                                the buffer is placed in it, unwritten)

Build the binary first: cargo build --release. Standard library only.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

PAIRS = 100


def buffer_text():
    parts = ['#include "levels.h"\n']
    for i in range(PAIRS):
        level = f"LEVEL_{i}" if i % 2 else "RPC_C_AUTHN_LEVEL_PKT_PRIVACY"
        parts.append(
            f"""
static int helper_{i}(int x)
{{
    int y = x * {i + 3};
    if (y > 100)
        y -= 7;
    else
        y += x / 2;
    return y + 1;
}}

RPC_STATUS bind_{i}(RPC_BINDING_HANDLE h, RPC_WSTR spn)
{{
    RPC_SECURITY_QOS qos;
    ZeroMemory(&qos, sizeof(qos));
    qos.Version = RPC_C_SECURITY_QOS_VERSION;
    qos.Capabilities = RPC_C_QOS_CAPABILITIES_MUTUAL_AUTH;
    qos.ImpersonationType = RPC_C_IMP_LEVEL_IDENTIFY;
    return RpcBindingSetAuthInfoExW(h, spn, {level}, RPC_C_AUTHN_GSS_NEGOTIATE, NULL, 0, &qos);
}}
"""
        )
    return "".join(parts)


def header_text():
    return "".join(f"#define LEVEL_{i} RPC_C_AUTHN_LEVEL_PKT_INTEGRITY\n" for i in range(1, PAIRS, 2))


class Server:
    def __init__(self, binary, cwd):
        self.proc = subprocess.Popen([binary, "server"], cwd=cwd, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.next_id = 0

    def send(self, message):
        body = json.dumps(message).encode()
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def read(self):
        length = None
        while True:
            line = self.proc.stdout.readline()
            if not line:
                raise SystemExit("lsp-latency: the server ended")
            if line in (b"\r\n", b"\n"):
                break
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        return json.loads(self.proc.stdout.read(length))

    def request(self, method, params):
        self.next_id += 1
        self.send({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params})
        while True:
            m = self.read()
            if m.get("id") == self.next_id and "method" not in m:
                return m

    def notify(self, method, params):
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def diagnostics(self, uri, version):
        while True:
            m = self.read()
            p = m.get("params") or {}
            if m.get("method") == "textDocument/publishDiagnostics" and p.get("uri") == uri and p.get("version") == version:
                return p["diagnostics"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--binary", default="target/release/rpclint")
    ap.add_argument("--edits", type=int, default=40)
    ap.add_argument("--workspace", help="a tree to use as the workspace folder (its files become the index)")
    args = ap.parse_args()
    binary = os.path.abspath(args.binary)
    scratch = tempfile.TemporaryDirectory()
    root = os.path.abspath(args.workspace) if args.workspace else scratch.name
    # Without --workspace, the header is the index. With it, the buffer (never
    # written) belongs to that tree, whose every file is the index phase 2
    # searches for the header's names at each edit (and does not find).
    if not args.workspace:
        with open(os.path.join(scratch.name, "levels.h"), "w") as f:
            f.write(header_text())
    folders = [{"uri": "file://" + root, "name": "workspace"}]
    path = os.path.join(root, "rpclint_latency_buffer.c")
    uri = "file://" + path
    text = buffer_text()
    lines = text.split("\n")

    server = Server(binary, scratch.name)
    started = time.perf_counter()
    server.request("initialize", {"processId": os.getpid(), "capabilities": {}, "workspaceFolders": folders})
    server.notify("initialized", {})
    server.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "c", "version": 1, "text": text}})
    first = server.diagnostics(uri, 1)
    opened = time.perf_counter() - started

    # The argument lines: toggle one level at a time between integrity and privacy.
    targets = [i for i, line in enumerate(lines) if "RpcBindingSetAuthInfoExW(h, spn, " in line]
    samples = []
    findings = []
    for n in range(args.edits):
        line_no = targets[n % len(targets)]
        line = lines[line_no]
        start = line.index("spn, ") + len("spn, ")
        end = line.index(",", start)
        old = line[start:end]
        new = "RPC_C_AUTHN_LEVEL_PKT_INTEGRITY" if old != "RPC_C_AUTHN_LEVEL_PKT_INTEGRITY" else "RPC_C_AUTHN_LEVEL_PKT_PRIVACY"
        lines[line_no] = line[:start] + new + line[end:]
        version = n + 2
        change = {"range": {"start": {"line": line_no, "character": start}, "end": {"line": line_no, "character": end}}, "text": new}
        t0 = time.perf_counter()
        server.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": version}, "contentChanges": [change]})
        found = server.diagnostics(uri, version)
        samples.append((time.perf_counter() - t0) * 1000)
        findings.append(len(found))

    server.request("shutdown", None)
    server.notify("exit", None)
    server.proc.wait(timeout=60)

    samples.sort()
    p90 = samples[min(len(samples) - 1, int(len(samples) * 0.9))]
    print(f"lsp-latency: {binary}")
    print(f"  buffer: {len(text.splitlines())} lines, {len(targets)} API calls; workspace: {root}")
    print(f"  initialize + open + first diagnostics: {opened * 1000:.0f} ms ({len(first)} findings)")
    print(
        f"  didChange -> publishDiagnostics over {len(samples)} edits: "
        f"min {samples[0]:.1f} ms, median {statistics.median(samples):.1f} ms, p90 {p90:.1f} ms, max {samples[-1]:.1f} ms"
    )
    print(f"  findings per result: {min(findings)}..{max(findings)}")


if __name__ == "__main__":
    sys.exit(main())
