// The rpclint extension: a thin client that starts `rpclint server` (the
// language server built into the rpclint binary) for C, C++ and Rust files,
// and tells it when sources or rpclint.toml change on disk. Everything else
// (diagnostics, hover, quick fixes) is the server's.
"use strict";

const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

async function activate(context) {
  const command = vscode.workspace.getConfiguration("rpclint").get("path") || "rpclint";
  const serverOptions = { command, args: ["server"] };
  const clientOptions = {
    documentSelector: ["c", "cpp", "rust"].map((language) => ({ scheme: "file", language })),
    synchronize: {
      fileEvents: vscode.workspace.createFileSystemWatcher(
        "**/{*.c,*.h,*.cc,*.cpp,*.cxx,*.hh,*.hpp,*.hxx,*.inl,*.rs,rpclint.toml}"
      ),
    },
  };
  client = new LanguageClient("rpclint", "rpclint", serverOptions, clientOptions);
  context.subscriptions.push(client);
  await client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
