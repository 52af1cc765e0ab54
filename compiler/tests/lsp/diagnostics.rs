//! Diagnostics: published on open and on every change, the CLI's own codes,
//! messages and positions, placement and budget errors included.

use serde_json::json;

use crate::fixture::{self, errors_only, stated_by_cli, stated_by_server, TempDir};

#[test]
fn the_platform_opens_without_errors() {
    let session = fixture::open_platform();
    assert_eq!(
        errors_only(&session.opened),
        Vec::<&serde_json::Value>::new()
    );
}

#[test]
fn an_edit_introduces_an_error_and_the_next_removes_it() {
    let mut session = fixture::open_copy("edit", &fixture::platform_text());
    let path = session.path.clone();
    let (line, column) = crate::client::position(
        &session.text,
        "namespace = health_data",
        0,
        "namespace = ".len(),
    );

    let broken = session.replace(2, "namespace = health_data", 0, "namespace = health_dta");
    assert_eq!(broken.len(), 1, "{broken:?}");
    let error = &broken[0];
    assert_eq!(error["code"], "E0101");
    assert_eq!(error["severity"], 1);
    assert_eq!(error["source"], "hplc");
    assert_eq!(
        error["message"],
        "unknown namespace `health_dta`\nhelp: did you mean `health_data`?"
    );
    let range = json!({ "start": { "line": line, "character": column }, "end": { "line": line, "character": column + 10 } });
    assert_eq!(error["range"], range);
    // The label is related information at the same place.
    assert_eq!(error["relatedInformation"][0]["message"], "not declared");
    assert_eq!(error["relatedInformation"][0]["location"]["range"], range);

    // The same text on disk gives the CLI the same diagnostic.
    std::fs::write(&path, &session.text).expect("write the broken copy");
    assert_eq!(
        stated_by_server(&broken, &session.text),
        stated_by_cli(&path, None)
    );

    // Fixed, the platform is back to what it published on open (its
    // warnings: images the image table reports).
    let fixed = session.replace(3, "namespace = health_dta", 0, "namespace = health_data");
    assert_eq!(errors_only(&fixed), Vec::<&serde_json::Value>::new());
    assert_eq!(fixed, session.opened);
}

#[test]
fn placement_and_budget_errors_match_the_cli() {
    let mut session = fixture::open_copy("capacity", &fixture::platform_text());
    let path = session.path.clone();
    // postgres_health is pinned to app_primary (840m allocatable): 4 cores
    // overfill it; a boot volume past 200 GB breaks the free-tier budget,
    // which only `env free_tier` applies, on its one node.
    // (the third `100m ..= 500m`, after the WebAuthn server and the health
    // API).
    session.replace(2, "cpu = 100m ..= 500m", 2, "cpu = 4 ..= 4");
    let diagnostics = session.replace(
        3,
        "system.boot_volume = 100Gi",
        0,
        "system.boot_volume = 180Gi",
    );
    let codes: Vec<&str> = diagnostics
        .iter()
        .filter_map(|d| d["code"].as_str())
        .collect();
    assert!(
        codes.contains(&"E0601"),
        "node CPU over allocatable: {codes:?}"
    );
    assert!(
        codes.contains(&"E0703"),
        "block storage over budget: {codes:?}"
    );
    std::fs::write(&path, &session.text).expect("write the broken copy");
    assert_eq!(
        stated_by_server(&diagnostics, &session.text),
        stated_by_cli(&path, None)
    );
}

#[test]
fn with_an_environment_set_only_that_environment_is_checked() {
    let dir = TempDir::new("env");
    let text = fixture::platform_text()
        .replace("system.boot_volume = 100Gi", "system.boot_volume = 180Gi");
    let path = dir.write("platform.hpl", &text);
    let default = fixture::open(&path, json!({ "env": "" }));
    let free_tier = fixture::open(&path, json!({ "env": "free_tier" }));
    let production = fixture::open(&path, json!({ "env": "production" }));
    let has_budget_error = |d: &[serde_json::Value]| d.iter().any(|d| d["code"] == "E0703");
    assert!(
        has_budget_error(&default.opened),
        "no env: every environment, as `hplc check`"
    );
    assert!(has_budget_error(&free_tier.opened));
    assert!(
        !has_budget_error(&production.opened),
        "production has no budget"
    );
    assert_eq!(
        stated_by_server(&free_tier.opened, &text),
        stated_by_cli(&path, Some("free_tier"))
    );
}

#[test]
fn a_file_used_by_the_platform_gets_its_own_diagnostics() {
    let dir = TempDir::new("module");
    let text = fixture::platform_text().replacen("use oci\n", "use oci\nuse extra\n", 1);
    let platform = dir.write("platform.hpl", &text);
    let extra = dir.write("extra.hpl", "bucket spare_bucket {\n  size = 1Gb\n}\n");
    let mut session = fixture::open(&platform, json!({}));
    let extra_uri = crate::client::file_uri(&extra);
    let published = session.client.diagnostics(&extra_uri, None);
    assert_eq!(published.len(), 1, "{published:?}");
    assert_eq!(published[0]["code"], "E0203", "unknown unit `Gb`");
    // Opening the module itself compiles the platform that uses it.
    session
        .client
        .open(&extra_uri, "bucket spare_bucket {\n  size = 1G\n}\n");
    assert_eq!(
        session.client.diagnostics(&extra_uri, Some(1)),
        Vec::<serde_json::Value>::new()
    );
}

#[test]
fn a_file_opened_on_its_own_joins_the_platform_that_starts_using_it() {
    let mut session = fixture::open_copy("joins", &fixture::platform_text());
    let extra = session.path.with_file_name("extra.hpl");
    let extra_text = "bucket spare_bucket {\n  size = 1G\n}\n";
    std::fs::write(&extra, extra_text).expect("write the module");
    let extra_uri = crate::client::file_uri(&extra);
    session.client.open(&extra_uri, extra_text);
    let alone = session.client.diagnostics(&extra_uri, Some(1));
    assert_eq!(
        alone.iter().map(|d| d["code"].clone()).collect::<Vec<_>>(),
        ["E0112"],
        "compiled alone: no platform"
    );
    session.replace(2, "use oci\n", 0, "use oci\nuse extra\n");
    let joined = session.client.diagnostics(&extra_uri, None);
    assert_eq!(
        joined,
        Vec::<serde_json::Value>::new(),
        "a module of the platform now"
    );
}
