//! Formatting (the `hplc fmt` layout) and document symbols.

use serde_json::{json, Value};

use crate::fixture;

fn apply(text: &str, edits: &Value) -> String {
    let edits = edits.as_array().cloned().unwrap_or_default();
    match edits.as_slice() {
        [] => text.to_string(),
        [edit] => {
            // One edit that replaces the whole document, from its start.
            assert_eq!(edit["range"]["start"], json!({ "line": 0, "character": 0 }));
            let end = &edit["range"]["end"];
            assert_eq!(
                end["line"].as_u64(),
                Some(text.matches('\n').count() as u64),
                "{edit}"
            );
            edit["newText"].as_str().expect("new text").to_string()
        }
        more => panic!("one edit expected, got {more:?}"),
    }
}

#[test]
fn formatting_gives_the_layout_of_hplc_fmt() {
    let messy = fixture::platform_text()
        .replace("node system {\n  shape", "node   system {\n      shape")
        .replace(
            "namespace health_auth { pod_security = restricted }",
            "namespace health_auth {pod_security=restricted}",
        );
    let expected = hplc::fmt::format(Default::default(), &messy).expect("platform.hpl parses");
    assert_ne!(messy, expected);
    let mut session = fixture::open_copy("format", &messy);
    let params = json!({ "textDocument": { "uri": session.uri }, "options": { "tabSize": 2, "insertSpaces": true } });
    let edits = session
        .client
        .request("textDocument/formatting", params.clone());
    assert_eq!(apply(&messy, &edits), expected);

    // A document with a syntax error is left as it is.
    session.replace(2, "node   system {", 0, "node   system {{");
    assert_eq!(
        session.client.request("textDocument/formatting", params),
        Value::Null
    );
}

#[test]
fn document_symbols_outline_the_file() {
    let mut session = fixture::open_platform();
    let params = json!({ "textDocument": { "uri": session.uri } });
    let symbols = session
        .client
        .request("textDocument/documentSymbol", params);
    let symbols = symbols.as_array().expect("a list of symbols");
    let named = |name: &str| {
        symbols
            .iter()
            .find(|s| s["name"] == name)
            .unwrap_or_else(|| panic!("a symbol `{name}`"))
    };
    assert_eq!(named("health")["detail"], "platform");
    let system = named("system");
    assert_eq!(system["detail"], "node");
    let children: Vec<&str> = system["children"]
        .as_array()
        .expect("fields")
        .iter()
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert_eq!(children, ["shape", "role", "boot_volume"]);
    assert_eq!(named("health_dump")["kind"], 14, "a constant");
    let production = named("production");
    let changes = production["children"]
        .as_array()
        .expect("what the environment changes");
    assert!(
        changes
            .iter()
            .any(|c| c["name"] == "app_tertiary" && c["detail"] == "node"),
        "{production}"
    );
    assert!(
        changes
            .iter()
            .any(|c| c["name"] == "postgres_health.volume data"),
        "{production}"
    );
    // The name is selected inside the whole declaration.
    let (range, selection) = (&system["range"], &system["selectionRange"]);
    assert!(range["start"]["line"].as_u64() <= selection["start"]["line"].as_u64());
    assert!(range["end"]["line"].as_u64() > selection["end"]["line"].as_u64());
}
