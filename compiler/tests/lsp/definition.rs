//! Go to definition: within the file, across the platform's files, and
//! into the embedded stdlib through `hplc-stdlib:` documents.

use serde_json::{json, Value};

use crate::client;
use crate::fixture::{self, TempDir};

fn line_of(text: &str, needle: &str) -> u64 {
    client::position(text, needle, 0, 0).0 as u64
}

/// The text a location's range covers in `text`.
fn covered(text: &str, location: &Value) -> String {
    let line = text
        .lines()
        .nth(
            location["range"]["start"]["line"]
                .as_u64()
                .unwrap_or_default() as usize,
        )
        .unwrap_or_default();
    let utf16: Vec<u16> = line.encode_utf16().collect();
    let (start, end) = (
        location["range"]["start"]["character"].as_u64(),
        location["range"]["end"]["character"].as_u64(),
    );
    String::from_utf16_lossy(
        &utf16[start.unwrap_or_default() as usize..end.unwrap_or_default() as usize],
    )
}

#[test]
fn references_lead_to_their_declarations_in_the_file() {
    let mut session = fixture::open_platform();
    for (reference, shift, declaration) in [
        (
            "namespace = health_data",
            "namespace = ".len(),
            "namespace health_data {",
        ),
        (
            "place = app_primary",
            "place = ".len(),
            "node app_primary {",
        ),
        (
            "backup = health_dump",
            "backup = ".len(),
            "let health_dump =",
        ),
        (
            "needs = [webauthn, jaeger_all_in_one.port.otlp_grpc]",
            "needs = [".len(),
            "webauthn_server webauthn {",
        ),
    ] {
        let params = session.at(reference, 0, shift);
        let location = session.client.request("textDocument/definition", params);
        assert_eq!(location["uri"], session.uri.as_str(), "{reference}");
        assert_eq!(
            location["range"]["start"]["line"],
            line_of(&session.text, declaration),
            "{reference}"
        );
    }
}

#[test]
fn kinds_and_stdlib_entries_open_the_embedded_stdlib() {
    let mut session = fixture::open_platform();
    for (reference, shift, uri, name) in [
        (
            "oci.a1_flex",
            "oci.".len(),
            "hplc-stdlib:///oci.hpl",
            "a1_flex",
        ),
        (
            "cloud = oci.eu_amsterdam_1",
            "cloud = oci.".len(),
            "hplc-stdlib:///oci.hpl",
            "eu_amsterdam_1",
        ),
        (
            "postgres postgres_health",
            0,
            "hplc-stdlib:///components.hpl",
            "postgres",
        ),
        ("node system", 0, "hplc-stdlib:///prelude.hpl", "node"),
        (
            "boot_volume = 80G",
            0,
            "hplc-stdlib:///prelude.hpl",
            "boot_volume",
        ),
    ] {
        let params = session.at(reference, 0, shift);
        let location = session.client.request("textDocument/definition", params);
        assert_eq!(location["uri"], uri, "{reference}");
        // The editor fetches the document's text with the custom request.
        let stdlib = session.client.request("hplc/stdlib", json!({ "uri": uri }));
        let stdlib = stdlib.as_str().expect("the stdlib module's text");
        assert_eq!(covered(stdlib, &location), name, "{reference}");
    }
}

#[test]
fn inside_a_stdlib_document_hover_and_definition_work_too() {
    let mut session = fixture::open_platform();
    let uri = "hplc-stdlib:///oci.hpl";
    let text = session
        .client
        .request("hplc/stdlib", json!({ "uri": uri }))
        .as_str()
        .expect("text")
        .to_string();
    session.client.open(uri, &text);
    let (line, character) =
        client::position(&text, "kind a1_flex: shape", 0, "kind a1_flex: ".len());
    let at = json!({ "textDocument": { "uri": uri }, "position": { "line": line, "character": character } });
    let location = session
        .client
        .request("textDocument/definition", at.clone());
    assert_eq!(location["uri"], "hplc-stdlib:///prelude.hpl");
    let hover = session.client.request("textDocument/hover", at);
    assert!(
        hover["contents"]["value"]
            .as_str()
            .is_some_and(|h| h.contains("kind shape")),
        "{hover}"
    );
    assert_eq!(
        session.client.request(
            "hplc/stdlib",
            json!({ "uri": "hplc-stdlib:///missing.hpl" })
        ),
        Value::Null
    );
}

#[test]
fn references_lead_across_the_files_of_the_platform() {
    let dir = TempDir::new("definition");
    let text = fixture::platform_text().replacen("use oci\n", "use oci\nuse extra\n", 1);
    let platform = dir.write("platform.hpl", &text);
    let extra_text = "bucket spare_bucket {\n  size = 1G\n  purpose = \"${platform.domain} spares\"\n}\n\nlet spare_password = secret {\n  store = sealed\n  name = \"spare\"\n  key = \"password\"\n}\n";
    let extra = dir.write("extra.hpl", extra_text);
    let mut session = fixture::open(&platform, json!({}));
    let extra_uri = client::file_uri(&extra);
    session.client.open(&extra_uri, extra_text);
    session.client.diagnostics(&extra_uri, Some(1));

    // From the module into platform.hpl: `platform.domain`.
    let (line, character) = client::position(extra_text, "platform.domain", 0, "platform.".len());
    let at = json!({ "textDocument": { "uri": extra_uri }, "position": { "line": line, "character": character } });
    let location = session.client.request("textDocument/definition", at);
    assert_eq!(
        location["uri"], "hplc-stdlib:///prelude.hpl",
        "`domain` is a field of the prelude's platform"
    );
    let (line, character) = client::position(extra_text, "platform.domain", 0, 1);
    let at = json!({ "textDocument": { "uri": extra_uri }, "position": { "line": line, "character": character } });
    let location = session.client.request("textDocument/definition", at);
    assert_eq!(
        location["uri"],
        session.uri.as_str(),
        "`platform` is the platform instance"
    );
    assert_eq!(
        location["range"]["start"]["line"],
        line_of(&text, "platform health {")
    );

    // From platform.hpl into the module: its file by the `use`, a constant by name.
    let location = session.client.request(
        "textDocument/definition",
        session.at("use extra", 0, "use ".len()),
    );
    assert_eq!(location["uri"], extra_uri.as_str());
    session.replace(
        2,
        "secret POSTGRES_PASSWORD = pg_health_password",
        0,
        "secret POSTGRES_PASSWORD = spare_password",
    );
    let params = session.at("= spare_password", 0, 2);
    let location = session.client.request("textDocument/definition", params);
    assert_eq!(location["uri"], extra_uri.as_str());
    assert_eq!(
        location["range"]["start"]["line"],
        line_of(extra_text, "let spare_password")
    );
}
