//! Positions in UTF-16 code units, as the protocol counts them, on lines
//! with non-ASCII text.

use serde_json::json;

use crate::client;
use crate::fixture::{self, stated_by_cli, stated_by_server};

#[test]
fn columns_count_utf16_units_after_non_ascii_text() {
    // `ÿ`, `è` are one unit each, `🚀` two: the byte, character and UTF-16
    // columns of what follows all differ.
    let text = fixture::platform_text().replace(
        "role = \"system\"",
        "role = \"sÿstème 🚀\"; labels = { team = 12Qx }",
    );
    let mut session = fixture::open_copy("utf16", &text);
    let path = session.path.clone();
    let unit = session
        .opened
        .iter()
        .find(|d| d["code"] == "E0203")
        .unwrap_or_else(|| panic!("an unknown unit: {:?}", session.opened));
    let (line, character) = client::position(&text, "Qx }", 0, 0);
    assert_eq!(
        unit["range"]["start"],
        json!({ "line": line, "character": character })
    );
    assert_eq!(
        unit["range"]["end"],
        json!({ "line": line, "character": character + 2 })
    );
    let line_text = text.lines().nth(line as usize).expect("the line");
    let chars = line_text[..line_text.find("Qx").expect("Qx")]
        .chars()
        .count() as u32;
    assert_eq!(character, chars + 1, "the rocket is two units");
    // The CLI counts characters; stated in characters, both agree.
    assert_eq!(
        stated_by_server(&session.opened, &text),
        stated_by_cli(&path, None)
    );

    // Requests on that line find what is after the emoji.
    let hover = session.hover("labels = {", 0, 2);
    assert!(hover.contains("labels: map[string]"), "{hover}");
    let params = session.at("labels = {", 0, 0);
    let location = session.client.request("textDocument/definition", params);
    assert_eq!(location["uri"], "hplc-stdlib:///prelude.hpl");
}

#[test]
fn an_edit_in_utf16_columns_lands_where_the_editor_meant() {
    let text = fixture::platform_text().replace(
        "role = \"system\"",
        "role = \"🚀\"; labels = { team = \"x\" }",
    );
    let mut session = fixture::open_copy("utf16-edit", &text);
    assert_eq!(
        fixture::errors_only(&session.opened),
        Vec::<&serde_json::Value>::new()
    );
    // Replace the `"x"` after the rocket by a number with a bad unit.
    let diagnostics = session.replace(2, "\"x\"", 0, "1Qx");
    let (line, character) = client::position(&session.text, "Qx", 0, 0);
    let unit = diagnostics
        .iter()
        .find(|d| d["code"] == "E0203")
        .unwrap_or_else(|| panic!("{diagnostics:?}"));
    assert_eq!(
        unit["range"]["start"],
        json!({ "line": line, "character": character })
    );
}
