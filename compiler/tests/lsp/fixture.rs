//! What the language-server tests share: the repository's platform.hpl,
//! temporary copies of it to break, a started server with it open, and the
//! CLI's own diagnostics to compare with.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{json, Value};

use crate::client::{self, Client};

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .canonicalize()
        .expect("the repository root exists")
}

pub fn platform_text() -> String {
    std::fs::read_to_string(repo().join("platform.hpl")).expect("platform.hpl is readable")
}

/// A directory of its own for one test, removed afterwards.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(test: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("hplc-lsp-{test}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("a temp dir");
        // The files platform.hpl uses beside it: its sealed values.
        let sealed = dir.join("sealed");
        std::fs::create_dir_all(&sealed).expect("a temp dir");
        for entry in std::fs::read_dir(repo().join("sealed")).expect("sealed/") {
            let from = entry.expect("an entry").path();
            std::fs::copy(&from, sealed.join(from.file_name().expect("a name"))).expect("copy");
        }
        TempDir(dir.canonicalize().expect("the temp dir exists"))
    }

    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, text).expect("write a file");
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A server with `path` open; its first diagnostics.
pub struct Session {
    pub client: Client,
    pub path: PathBuf,
    pub uri: String,
    pub text: String,
    pub opened: Vec<Value>,
    /// The directory of a copy, removed after the server has stopped.
    _dir: Option<TempDir>,
}

pub fn open(path: &Path, options: Value) -> Session {
    let text = std::fs::read_to_string(path).expect("the file is readable");
    let mut client = Client::start(
        env!("CARGO_BIN_EXE_hplc"),
        path.parent().expect("a directory"),
        options,
    );
    let uri = client::file_uri(path);
    client.open(&uri, &text);
    let opened = client.diagnostics(&uri, Some(1));
    Session {
        client,
        path: path.to_path_buf(),
        uri,
        text,
        opened,
        _dir: None,
    }
}

/// A server with `text` open as the platform.hpl of a directory of the
/// test's own.
pub fn open_copy(test: &str, text: &str) -> Session {
    let dir = TempDir::new(test);
    let path = dir.write("platform.hpl", text);
    Session {
        _dir: Some(dir),
        ..open(&path, json!({}))
    }
}

/// The repository's platform.hpl, open in the default environment.
pub fn open_platform() -> Session {
    open(&repo().join("platform.hpl"), json!({}))
}

impl Session {
    pub fn at(&self, needle: &str, nth: usize, shift: usize) -> Value {
        let (line, character) = client::position(&self.text, needle, nth, shift);
        json!({ "textDocument": { "uri": self.uri }, "position": { "line": line, "character": character } })
    }

    pub fn hover(&mut self, needle: &str, nth: usize, shift: usize) -> String {
        let params = self.at(needle, nth, shift);
        let result = self.client.request("textDocument/hover", params);
        result["contents"]["value"]
            .as_str()
            .unwrap_or_else(|| panic!("a hover on `{needle}`: {result}"))
            .to_string()
    }

    pub fn completion_labels(&mut self, params: Value) -> Vec<String> {
        let result = self.client.request("textDocument/completion", params);
        let items = result.as_array().cloned().unwrap_or_default();
        items
            .iter()
            .map(|i| i["label"].as_str().unwrap_or_default().to_string())
            .collect()
    }

    /// Replaces `old` (its `nth` occurrence) with `new`, as the editor
    /// would: one ranged change. Returns the diagnostics of that version.
    pub fn replace(&mut self, version: i64, old: &str, nth: usize, new: &str) -> Vec<Value> {
        let start = client::position(&self.text, old, nth, 0);
        let end = client::position(&self.text, old, nth, old.encode_utf16().count());
        let offset = self
            .text
            .match_indices(old)
            .nth(nth)
            .expect("the text to replace is there")
            .0;
        self.text.replace_range(offset..offset + old.len(), new);
        let uri = self.uri.clone();
        self.client.edit(&uri, version, start, end, new);
        self.client.diagnostics(&uri, Some(version))
    }
}

/// One diagnostic as both sides can state it: code, message with its help,
/// 1-based line and column of its start, in characters.
pub type Stated = (String, String, u64, u64);

pub fn errors_only(diagnostics: &[Value]) -> Vec<&Value> {
    diagnostics.iter().filter(|d| d["severity"] == 1).collect()
}

/// The server's diagnostics, stated with the column in characters
/// (computed from the UTF-16 column on the line of `text`).
pub fn stated_by_server(diagnostics: &[Value], text: &str) -> Vec<Stated> {
    let mut out: Vec<Stated> = diagnostics
        .iter()
        .map(|d| {
            let line = d["range"]["start"]["line"].as_u64().expect("a line");
            let units = d["range"]["start"]["character"].as_u64().expect("a column") as usize;
            let text_line = text.lines().nth(line as usize).unwrap_or_default();
            let mut seen = 0;
            let chars = text_line.chars().take_while(|c| {
                seen += c.len_utf16();
                seen <= units
            });
            let column = chars.count() as u64;
            (
                d["code"].as_str().unwrap_or_default().to_string(),
                d["message"].as_str().unwrap_or_default().to_string(),
                line + 1,
                column + 1,
            )
        })
        .collect();
    out.sort();
    out
}

/// `hplc check --diagnostic-format json` on a file, stated the same way.
pub fn stated_by_cli(file: &Path, env: Option<&str>) -> Vec<Stated> {
    let mut command = Command::new(env!("CARGO_BIN_EXE_hplc"));
    command
        .args(["check", "--diagnostic-format", "json"])
        .arg(file);
    if let Some(env) = env {
        command.args(["--env", env]);
    }
    let output = command.output().expect("hplc check runs");
    let document: Value =
        serde_json::from_slice(&output.stdout).unwrap_or_else(|_| json!({ "diagnostics": [] }));
    let mut out: Vec<Stated> = document["diagnostics"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|d| {
            let mut message = d["message"].as_str().unwrap_or_default().to_string();
            if let Some(help) = d["help"].as_str().filter(|h| !h.is_empty()) {
                message = format!("{message}\nhelp: {help}");
            }
            let (line, column) = (
                d["line"].as_u64().unwrap_or_default(),
                d["column"].as_u64().unwrap_or_default(),
            );
            (
                d["code"].as_str().unwrap_or_default().to_string(),
                message,
                line,
                column,
            )
        })
        .collect();
    out.sort();
    out
}
