// The VS Code side of hplc: starts `hplc lsp` and shows the documents of
// the embedded standard library, which the server serves under the
// `hplc-stdlib:` scheme (go to definition into `oci.a1_flex` opens one).
"use strict";

const vscode = require("vscode");
const { LanguageClient, TransportKind } = require("vscode-languageclient/node");

const STDLIB_SCHEME = "hplc-stdlib";
let client;

function settings() {
  const config = vscode.workspace.getConfiguration("hplc");
  return { path: config.get("path") || "hplc", env: config.get("env") || "" };
}

async function start(context) {
  const { path, env } = settings();
  const server = { command: path, args: ["lsp"], transport: TransportKind.stdio };
  client = new LanguageClient("hplc", "hplc", server, {
    documentSelector: [
      { scheme: "file", language: "hpl" },
      { scheme: STDLIB_SCHEME, language: "hpl" },
    ],
    // The active environment; a change of `hplc.env` reaches the server as
    // workspace/didChangeConfiguration.
    initializationOptions: { env },
    synchronize: { configurationSection: "hplc" },
  });
  await client.start();
}

async function activate(context) {
  // Read-only documents for the stdlib modules, their text from the server.
  const stdlib = {
    provideTextDocumentContent: async (uri) => {
      const text = client ? await client.sendRequest("hplc/stdlib", { uri: uri.toString() }) : null;
      return text === null ? `// ${uri.toString()}: not a module of this hplc's standard library\n` : text;
    },
  };
  context.subscriptions.push(vscode.workspace.registerTextDocumentContentProvider(STDLIB_SCHEME, stdlib));
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      // A different binary needs a new server; `hplc.env` does not.
      if (event.affectsConfiguration("hplc.path") && client) {
        await client.stop();
        await start(context);
      }
    }),
  );
  try {
    await start(context);
  } catch (error) {
    vscode.window.showErrorMessage(`hplc: cannot start \`${settings().path} lsp\`: ${error.message}. Set hplc.path to the hplc binary.`);
  }
}

async function deactivate() {
  if (client) {
    await client.stop();
  }
}

module.exports = { activate, deactivate };
