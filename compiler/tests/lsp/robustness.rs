//! Nothing the editor sends stops the server: bad requests get error
//! responses, broken text gets diagnostics, and every request on every
//! position of a broken document gets an answer.

use serde_json::{json, Value};

use crate::client::{self, Client};
use crate::fixture::{self, TempDir};

#[test]
fn bad_messages_get_errors_and_the_session_goes_on() {
    let mut session = fixture::open_platform();
    let client = &mut session.client;
    assert_eq!(
        client.call("no/such/method", json!({}))["error"]["code"],
        -32601
    );
    assert_eq!(
        client.call("textDocument/hover", json!({ "textDocument": {} }))["error"]["code"],
        -32602
    );
    // Not JSON, then not JSON-RPC: skipped.
    client.send_raw(b"{ this is not json");
    client.send_raw(b"[1, 2, 3]");
    // A change to a document that is not open, positions past the end.
    client.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": "file:///nowhere.hpl", "version": 2 }, "contentChanges": [] }),
    );
    let far = json!({ "textDocument": { "uri": session.uri }, "position": { "line": 99999, "character": 99999 } });
    assert_eq!(
        client.request("textDocument/hover", far.clone()),
        Value::Null
    );
    assert_eq!(client.request("textDocument/definition", far), Value::Null);
    let elsewhere = json!({ "textDocument": { "uri": "untitled:Untitled-1" }, "position": { "line": 0, "character": 0 } });
    assert_eq!(client.request("textDocument/hover", elsewhere), Value::Null);
    // Still serving.
    assert!(session
        .hover("node system {", 0, "node ".len())
        .contains("node system"));
    assert_eq!(session.client.stop(), Some(0));
}

#[test]
fn requests_before_initialize_are_refused_and_exit_without_shutdown_is_1() {
    let dir = TempDir::new("uninitialized");
    let mut client = Client::spawn(env!("CARGO_BIN_EXE_hplc"));
    let params = json!({ "textDocument": { "uri": client::file_uri(&dir.0.join("a.hpl")) }, "position": { "line": 0, "character": 0 } });
    assert_eq!(
        client.call("textDocument/hover", params)["error"]["code"],
        -32002
    );
    client.notify("exit", Value::Null);
    assert_eq!(client.wait_exit(), Some(1));
}

#[test]
fn every_request_on_every_position_of_a_broken_document_is_answered() {
    // Cut platform.hpl off in the middle of a statement and add debris.
    let text = fixture::platform_text();
    let cut = text
        .find("  volume data = { size = 30Gi")
        .expect("a volume");
    let broken = format!(
        "{}{{ [ \"${{ }} ..= é🚀 = , \n env x {{ a.b.c = }} kind : {{ \n use . \n",
        &text[..cut + 20]
    );
    let mut session = fixture::open_copy("every-position", &broken);
    assert!(!fixture::errors_only(&session.opened).is_empty());
    let lines: Vec<&str> = broken.lines().collect();
    // Every third line near the end, every column of it and one past it.
    for (line, text) in lines
        .iter()
        .enumerate()
        .skip(lines.len().saturating_sub(60))
    {
        for character in 0..=text.encode_utf16().count() + 1 {
            let at = json!({ "textDocument": { "uri": session.uri }, "position": { "line": line, "character": character } });
            for method in [
                "textDocument/hover",
                "textDocument/definition",
                "textDocument/completion",
            ] {
                let response = session.client.call(method, at.clone());
                assert!(
                    response.get("error").is_none(),
                    "{method} at {line}:{character}: {response}"
                );
            }
        }
    }
    for method in ["textDocument/documentSymbol", "textDocument/formatting"] {
        let params = json!({ "textDocument": { "uri": session.uri }, "options": { "tabSize": 2, "insertSpaces": true } });
        assert!(
            session.client.call(method, params).get("error").is_none(),
            "{method}"
        );
    }
}

#[test]
fn hostile_text_is_diagnosed_not_fatal() {
    let mut session = fixture::open_copy("hostile", "");
    let uri = session.uri.clone();
    let deep = "[".repeat(100_000);
    let texts = [
        "\u{0}\u{1}\u{feff}garbage ~~~ \"unterminated".to_string(),
        deep,
        "node n {".repeat(5_000),
        "x".repeat(300_000),
    ];
    for (i, text) in texts.iter().enumerate() {
        let version = i as i64 + 2;
        session.client.notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": uri, "version": version }, "contentChanges": [{ "text": text }] }),
        );
        let diagnostics = session.client.diagnostics(&uri, Some(version));
        assert!(!diagnostics.is_empty(), "text {i}");
        let at =
            json!({ "textDocument": { "uri": uri }, "position": { "line": 0, "character": 3 } });
        for method in [
            "textDocument/hover",
            "textDocument/completion",
            "textDocument/documentSymbol",
        ] {
            assert!(
                session
                    .client
                    .call(method, at.clone())
                    .get("error")
                    .is_none(),
                "{method} on text {i}"
            );
        }
    }
    assert!(session.client.is_running());
}
