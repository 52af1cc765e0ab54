//! A small LSP client for the tests and the latency bench: it starts
//! `hplc lsp` as a process, writes Content-Length framed JSON-RPC to its
//! stdin and reads its stdout on a thread. Every wait has a deadline, so a
//! stuck server fails the test instead of hanging it.

#![allow(dead_code)] // the tests and the bench each use part of it

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// Long enough for a debug build on a loaded machine, short enough that a
/// hang is noticed.
pub const TIMEOUT: Duration = Duration::from_secs(30);

pub struct Client {
    child: Child,
    stdin: ChildStdin,
    incoming: Receiver<Value>,
    next_id: i64,
    /// Notifications that arrived while waiting for something else.
    pub notifications: Vec<Value>,
}

impl Client {
    /// Starts the server and initializes it with these options.
    pub fn start(binary: &str, root: &Path, options: Value) -> Client {
        let mut client = Client::spawn(binary);
        let root_uri = file_uri(root);
        let result = client.request(
            "initialize",
            json!({ "processId": null, "rootUri": root_uri, "capabilities": {}, "initializationOptions": options }),
        );
        assert!(
            result.get("capabilities").is_some(),
            "initialize answered {result}"
        );
        client.notify("initialized", json!({}));
        client
    }

    /// Starts the server and says nothing to it yet.
    pub fn spawn(binary: &str) -> Client {
        let mut child = Command::new(binary)
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("hplc lsp starts");
        let stdin = child.stdin.take().expect("stdin is piped");
        let stdout = child.stdout.take().expect("stdout is piped");
        let (sender, incoming) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            while let Some(message) = read_frame(&mut reader) {
                if sender.send(message).is_err() {
                    break;
                }
            }
        });
        Client {
            child,
            stdin,
            incoming,
            next_id: 0,
            notifications: Vec::new(),
        }
    }

    pub fn send(&mut self, message: &Value) {
        self.send_raw(message.to_string().as_bytes());
    }

    /// Writes one frame with these bytes as its body, whatever they are.
    pub fn send_raw(&mut self, body: &[u8]) {
        let mut frame = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
        frame.extend_from_slice(body);
        self.stdin
            .write_all(&frame)
            .and_then(|_| self.stdin.flush())
            .expect("the server reads its input");
    }

    pub fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({ "jsonrpc": "2.0", "method": method, "params": params }));
    }

    /// Sends a request and returns its whole response (`result` or `error`).
    pub fn call(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(&json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
        self.wait_for(|m| m.get("id") == Some(&json!(id)) && m.get("method").is_none())
    }

    /// The result of a request; fails the test on an error response.
    pub fn request(&mut self, method: &str, params: Value) -> Value {
        let response = self.call(method, params);
        assert!(
            response.get("error").is_none(),
            "{method} failed: {response}"
        );
        response["result"].clone()
    }

    /// The next message that satisfies `wanted`; others are kept in
    /// `notifications`.
    pub fn wait_for(&mut self, wanted: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + TIMEOUT;
        if let Some(i) = self.notifications.iter().position(&wanted) {
            return self.notifications.remove(i);
        }
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let message = self
                .incoming
                .recv_timeout(left)
                .unwrap_or_else(|_| panic!("no answer from hplc lsp within {TIMEOUT:?}"));
            if wanted(&message) {
                return message;
            }
            self.notifications.push(message);
        }
    }

    /// The diagnostics published for `uri` at `version` (any version when
    /// `None`).
    pub fn diagnostics(&mut self, uri: &str, version: Option<i64>) -> Vec<Value> {
        let message = self.wait_for(|m| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == uri
                && version.is_none_or(|v| m["params"]["version"] == v)
        });
        message["params"]["diagnostics"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// The errors among the next diagnostics of `uri` (LSP severity 1):
    /// warnings such as an image past its end of life come and stay.
    pub fn errors(&mut self, uri: &str, version: Option<i64>) -> Vec<Value> {
        self.diagnostics(uri, version)
            .into_iter()
            .filter(|d| d["severity"] == 1)
            .collect()
    }

    pub fn open(&mut self, uri: &str, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({ "textDocument": { "uri": uri, "languageId": "hpl", "version": 1, "text": text } }),
        );
    }

    /// Replaces the text between two positions.
    pub fn edit(
        &mut self,
        uri: &str,
        version: i64,
        start: (u32, u32),
        end: (u32, u32),
        text: &str,
    ) {
        let range = json!({ "start": { "line": start.0, "character": start.1 }, "end": { "line": end.0, "character": end.1 } });
        self.notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": uri, "version": version }, "contentChanges": [{ "range": range, "text": text }] }),
        );
    }

    /// `shutdown`, `exit`, and the server's exit code.
    pub fn stop(mut self) -> Option<i32> {
        self.request("shutdown", Value::Null);
        self.notify("exit", Value::Null);
        self.wait_exit()
    }

    /// The exit code, once the server has exited.
    pub fn wait_exit(&mut self) -> Option<i32> {
        let deadline = Instant::now() + TIMEOUT;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.code();
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let _ = self.child.kill();
        panic!("hplc lsp did not exit within {TIMEOUT:?} of `exit`");
    }

    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn file_uri(path: &Path) -> String {
    format!("file://{}", path.display())
}

fn read_frame(reader: &mut impl BufRead) -> Option<Value> {
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
        if let Some(value) = line.strip_prefix("Content-Length:") {
            length = value.trim().parse().ok();
        }
    }
    let mut body = vec![0; length?];
    reader.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}

/// The (line, UTF-16 column) of the `nth` occurrence of `needle`, plus
/// `shift` characters on its line.
pub fn position(text: &str, needle: &str, nth: usize, shift: usize) -> (u32, u32) {
    let offset = text
        .match_indices(needle)
        .nth(nth)
        .unwrap_or_else(|| panic!("`{needle}` #{nth} is in the text"))
        .0;
    let (line, column) = line_column(text, offset);
    (line, column + shift as u32)
}

/// The (line, UTF-16 column) of a byte offset.
pub fn line_column(text: &str, offset: usize) -> (u32, u32) {
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line = text[..offset].matches('\n').count();
    let column: usize = text[line_start..offset].chars().map(char::len_utf16).sum();
    (line as u32, column as u32)
}
